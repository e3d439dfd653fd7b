// Datadog ids stored as JSON numbers beyond 2^53 (a dd-trace-ot row), in real databases: PostgreSQL
// jsonb and json, a MariaDB JSON column, a SQLite file; printed by the real clients (psql, mariadb,
// sqlite3) as a user pipes them into `tracehop inspect -`. The databases keep the digits exact and the
// clients print them so, but a service reads them through JSON.parse (Prisma, pg), which rounds them, and
// its restore refuses them: inspect says so (no context, exit 1), with the digits as stored. The statements
// docs/migration.md gives ("Ids stored as JSON numbers") to store them as strings are run too, and
// their result inspected. A client not installed, or a server not answering, skips its tests with a
// sentence naming it. Tables are named h7_ids_* and dropped at the end.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trace } from "@opentelemetry/api";
import { contextFromCarrier } from "../../src/index.js";
import { client, clientOutput, mariadb, psql } from "../support/sql-clients.js";
import { run } from "./run-cli.js";

/** 12345678901234567890 and 9876543210987654321: both beyond 2^53, the first beyond 2^63 too. */
const TRACE = "12345678901234567890";
const PARENT = "9876543210987654321";
const TRACE_HEX = "0000000000000000ab54a98ceb1f0ad2";
const PARENT_HEX = "891087b8e3b70cb1";
/** The row as a dd-trace-ot writer that put the ids through numbers stores it. */
const ROW = `{"x-datadog-trace-id": ${TRACE}, "x-datadog-parent-id": ${PARENT}, "x-datadog-sampling-priority": 1}`;

interface Report {
  valid: boolean;
  noCarrier?: string;
  arrayElement?: number;
  context?: { traceId: string; datadogTraceId: string; parentId?: string; datadogParentId?: string };
  diagnostics: string[];
}

/** The diagnostic of `key` stored as the JSON number `digits`: refused, with the digits as stored and their id in hex. */
const refusedSaid = (key: string, digits: string, hex: string) =>
  new RegExp(
    `^${key} is stored as the JSON number ${digits}, beyond 2\\^53: refused, as a restore refuses it .*` +
      `the digits stored are exact, the id ${hex} in hex, .*docs/migration\\.md, "Ids stored as JSON numbers"`,
  );

/**
 * `tracehop inspect --json -` on `printed`: exit `code`, nothing on stderr, and the reports; the text
 * report (without --json) says the same: before the migration no valid context, with the digits as
 * stored; after it, the decimal ids.
 */
function inspect(printed: string, code: number, migrated = false): Report[] {
  const json = run(["inspect", "--json", "-"], printed);
  assert.equal(json.stderr, "", printed);
  assert.equal(json.code, code, printed);
  const text = run(["inspect", "-"], printed);
  assert.equal(text.code, code, printed);
  if (migrated) {
    assert.match(text.stdout, new RegExp(`${TRACE}  \\(Datadog decimal, low 64 bits\\)`));
    assert.match(
      text.stdout,
      new RegExp(`parent id +${PARENT_HEX}  \\(hex\\)  ${PARENT}  \\(Datadog decimal\\)`),
    );
  } else {
    assert.match(text.stdout, /(^|\n)(row 1 of \d+: )?no valid context /, printed);
    assert.ok(text.stdout.includes(`the JSON number ${TRACE}, beyond 2^53: refused`), text.stdout);
  }
  const parsed = JSON.parse(json.stdout) as Report | Report[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

/**
 * A report of the row as stored: no context, as the library restores none from what JSON.parse reads
 * (Prisma, pg), each id said refused with its digits as stored and the id they name.
 */
function assertRefused(report: Report | undefined, printed: string): void {
  assert.ok(report, printed);
  assert.equal(report.valid, false, printed);
  assert.equal(report.context, undefined, printed);
  assert.ok(
    report.diagnostics.some((d) => refusedSaid("x-datadog-trace-id", TRACE, TRACE_HEX.slice(16)).test(d)),
    `${printed}: ${report.diagnostics.join(" | ")}`,
  );
  assert.ok(
    report.diagnostics.some((d) => refusedSaid("x-datadog-parent-id", PARENT, PARENT_HEX).test(d)),
    printed,
  );
}

/** The library's restore of one printed JSON value, as a service reads it (JSON.parse): none. */
function assertLibraryRefuses(printed: string): void {
  assert.equal(trace.getSpanContext(contextFromCarrier(JSON.parse(printed))), undefined, printed);
}

/** A report of the row after the migration: the same ids, and no id said to be a JSON number. */
function assertMigrated(report: Report | undefined, printed: string): void {
  assert.ok(report, printed);
  assert.equal(report.context?.traceId, TRACE_HEX, printed);
  assert.equal(report.context?.parentId, PARENT_HEX, printed);
  assert.ok(!report.diagnostics.some((d) => /x-datadog-(trace|parent)-id is stored as/.test(d)), printed);
}

describe("ids stored as JSON numbers in PostgreSQL (jsonb, json), printed by psql", () => {
  let skip: string | undefined;
  before(() => {
    const made = psql(
      [],
      `drop table if exists h7_ids_pg;
       create table h7_ids_pg (id int primary key, "traceContext" jsonb, legacy json);
       insert into h7_ids_pg values (1, '${ROW}', '${ROW}'), (2, null, null);`,
    );
    if (typeof made === "string") skip = made;
  });
  after(() => {
    if (skip === undefined) psql([], "drop table if exists h7_ids_pg");
  });

  test("psql -At, psql -t, json_agg and row_to_json of whole rows: refused as the restore refuses them, the digits as stored said", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const one = clientOutput(t, psql(["-At"], `select "traceContext" from h7_ids_pg where id = 1`));
    if (one === undefined) return;
    // jsonb keeps the digits, and psql prints them so.
    assert.ok(one.includes(`"x-datadog-trace-id": ${TRACE}`), one);
    assertLibraryRefuses(one);
    assertRefused(inspect(one, 1)[0], one);

    const json = clientOutput(t, psql(["-At"], `select legacy from h7_ids_pg where id = 1`))!;
    assertLibraryRefuses(json);
    assertRefused(inspect(json, 1)[0], json);

    // Rows, a NULL one among them: exit 1, the NULL row no carrier, the other refused.
    const aligned = clientOutput(t, psql(["-t"], `select "traceContext" from h7_ids_pg order by id`))!;
    const rows = inspect(aligned, 1);
    assertRefused(rows[0], aligned);
    assert.equal(rows[1]?.valid, false);

    const agg = clientOutput(t, psql(["-At"], `select json_agg(t order by id) from h7_ids_pg t`))!;
    const elements = inspect(agg, 1);
    assert.equal(elements[0]?.arrayElement, 1);
    assertRefused(elements[0], agg);

    const whole = clientOutput(t, psql(["-At"], `select row_to_json(t) from h7_ids_pg t where id = 1`))!;
    assertRefused(inspect(whole, 1)[0], whole);
  });

  test("the migration to strings (docs/migration.md): the same ids, stored as strings", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const made = psql(
      [],
      `drop table if exists h7_ids_pg_migrated;
       create table h7_ids_pg_migrated as select * from h7_ids_pg;
       update h7_ids_pg_migrated set "traceContext" = jsonb_set("traceContext", '{x-datadog-trace-id}',
         to_jsonb("traceContext"->>'x-datadog-trace-id'))
         where jsonb_typeof("traceContext"->'x-datadog-trace-id') = 'number';
       update h7_ids_pg_migrated set "traceContext" = jsonb_set("traceContext", '{x-datadog-parent-id}',
         to_jsonb("traceContext"->>'x-datadog-parent-id'))
         where jsonb_typeof("traceContext"->'x-datadog-parent-id') = 'number';`,
    );
    try {
      if (clientOutput(t, made) === undefined) return;
      const printed = clientOutput(
        t,
        psql(["-At"], `select "traceContext" from h7_ids_pg_migrated where id = 1`),
      )!;
      assert.ok(printed.includes(`"x-datadog-trace-id": "${TRACE}"`), printed);
      assert.ok(printed.includes(`"x-datadog-parent-id": "${PARENT}"`), printed);
      assertMigrated(inspect(printed, 0, true)[0], printed);
    } finally {
      psql([], "drop table if exists h7_ids_pg_migrated");
    }
  });
});

describe("ids stored as JSON numbers in a MariaDB JSON column, printed by mariadb", () => {
  let skip: string | undefined;
  before(() => {
    const made = mariadb(
      [],
      `drop table if exists h7_ids_my;
       create table h7_ids_my (id int primary key, traceContext JSON);
       insert into h7_ids_my values (1, '${ROW}'), (2, null);`,
    );
    if (typeof made === "string") skip = made;
  });
  after(() => {
    if (skip === undefined) mariadb([], "drop table if exists h7_ids_my");
  });

  test("mariadb -N -B, with -r, and JSON_OBJECT of whole rows: refused as the restore refuses them, the digits as stored said", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const batch = clientOutput(t, mariadb(["-N", "-B"], "select traceContext from h7_ids_my order by id"));
    if (batch === undefined) return;
    assert.ok(batch.includes(`"x-datadog-trace-id": ${TRACE}`), batch);
    const rows = inspect(batch, 1);
    assertRefused(rows[0], batch);
    assert.equal(rows[1]?.valid, false);

    const raw = clientOutput(
      t,
      mariadb(["-N", "-B", "-r"], "select traceContext from h7_ids_my where id = 1"),
    )!;
    assertRefused(inspect(raw, 1)[0], raw);

    const whole = clientOutput(
      t,
      mariadb(
        ["-N", "-B", "-r"],
        "select json_object('id', id, 'traceContext', json_extract(traceContext, '$')) from h7_ids_my where id = 1",
      ),
    )!;
    assertRefused(inspect(whole, 1)[0], whole);
  });

  test("the migration to strings (docs/migration.md): the same ids, stored as strings", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const made = mariadb(
      [],
      `drop table if exists h7_ids_my_migrated;
       create table h7_ids_my_migrated as select * from h7_ids_my;
       update h7_ids_my_migrated set traceContext = JSON_SET(traceContext, '$."x-datadog-trace-id"',
         JSON_UNQUOTE(JSON_EXTRACT(traceContext, '$."x-datadog-trace-id"')))
         where JSON_TYPE(JSON_EXTRACT(traceContext, '$."x-datadog-trace-id"')) <> 'STRING';
       update h7_ids_my_migrated set traceContext = JSON_SET(traceContext, '$."x-datadog-parent-id"',
         JSON_UNQUOTE(JSON_EXTRACT(traceContext, '$."x-datadog-parent-id"')))
         where JSON_TYPE(JSON_EXTRACT(traceContext, '$."x-datadog-parent-id"')) <> 'STRING';`,
    );
    try {
      if (clientOutput(t, made) === undefined) return;
      const printed = clientOutput(
        t,
        mariadb(["-N", "-B", "-r"], "select traceContext from h7_ids_my_migrated where id = 1"),
      )!;
      assert.ok(printed.includes(`"x-datadog-trace-id": "${TRACE}"`), printed);
      assert.ok(printed.includes(`"x-datadog-parent-id": "${PARENT}"`), printed);
      assertMigrated(inspect(printed, 0, true)[0], printed);
    } finally {
      mariadb([], "drop table if exists h7_ids_my_migrated");
    }
  });
});

describe("ids stored as JSON numbers in a SQLite file, printed by sqlite3", () => {
  let folder: string;
  let file: string;
  let skip: string | undefined;
  before(() => {
    folder = mkdtempSync(join(tmpdir(), "h7-ids-"));
    file = join(folder, "rows.db");
    const made = client("sqlite3", [
      file,
      `create table h7_ids (id int primary key, traceContext text);
       insert into h7_ids values (1, '${ROW}'), (2, null);`,
    ]);
    if (typeof made === "string") skip = made;
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  test("list mode, -json (the column's JSON text in a JSON string), json_object of whole rows", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const list = clientOutput(t, client("sqlite3", [file, "select traceContext from h7_ids where id = 1"]));
    if (list === undefined) return;
    assertLibraryRefuses(list);
    assertRefused(inspect(list, 1)[0], list);

    const json = clientOutput(
      t,
      client("sqlite3", ["-json", file, "select id, traceContext from h7_ids order by id"]),
    )!;
    // The column is text: sqlite3 -json prints it as a JSON string holding the row's JSON text.
    assert.ok(json.includes(`\\"x-datadog-trace-id\\": ${TRACE}`), json);
    const rows = inspect(json, 1);
    assertRefused(rows[0], json);
    assert.equal(rows[1]?.valid, false);

    const whole = clientOutput(
      t,
      client("sqlite3", [
        file,
        "select json_object('id', id, 'traceContext', json(traceContext)) from h7_ids where id = 1",
      ]),
    )!;
    assertRefused(inspect(whole, 1)[0], whole);
  });
});
