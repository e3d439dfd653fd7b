// `tracehop inspect` on a carrier holding a backslash and a tab (JSON escapes in the stored text), as the
// real clients print it: mariadb -N -B (which writes a column's \ as \\ and a tab as \t) and -N -B -r
// (--raw, as stored), psql -At, -t and -At -P null=NULL (no escapes), sqlite3's list mode (as stored).
// Each output is piped to inspect as a user pipes it; each row's verdict is compared with the restore of
// the stored value (contextFromCarrier of JSON.parse of the stored text): it is the same, or, where the
// output cannot tell the clients apart (every line JSON both as printed and with mysql's escapes undone),
// the row says that it guessed and what to run (mysql -N -B -r). A client not installed, or a server not
// answering, skips with a sentence naming it. Tables are named h4_esc and dropped at the end.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trace } from "@opentelemetry/api";
import { contextFromCarrier } from "../../src/index.js";
import { client, clientOutput, mariadb, psql } from "../support/sql-clients.js";
import { run } from "./run-cli.js";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** The stored carriers by id: a backslash in a tracestate value (valid), a tab (refused), a NULL column. */
const STORED: Record<number, Record<string, string> | null> = {
  1: { traceparent: TRACEPARENT, tracestate: "h4=C:\\tmp" },
  2: { traceparent: TRACEPARENT, tracestate: "h4=a\tb" },
  3: null,
};

/** The stored JSON text of a row (compact, as JSON.stringify writes it; jsonb rewrites it, keeping the value). */
const text = (id: number): string | null => (STORED[id] === null ? null : JSON.stringify(STORED[id]));

/** The tracestate a restore of the stored value keeps (`[]`: none), or `undefined` for a row with no context. */
function restoredTracestate(id: number): string[] | undefined {
  const stored = text(id);
  if (stored === null) return undefined;
  const context = trace.getSpanContext(contextFromCarrier(JSON.parse(stored) as Record<string, unknown>));
  const state = context?.traceState?.serialize();
  return state === undefined || state === "" ? [] : [state];
}

/** The rows' values as an SQL list, each a string literal (`backslashes`: MySQL's, which escape \). */
function values(backslashes: boolean): string {
  const literal = (value: string | null): string =>
    value === null ? "null" : `'${(backslashes ? value.replace(/\\/g, "\\\\") : value).replace(/'/g, "''")}'`;
  return Object.keys(STORED)
    .map((id) => `(${id}, ${literal(text(Number(id)))})`)
    .join(", ");
}

/** The guess said: the line was read as printed, and what prints it as stored from MySQL / MariaDB. */
const GUESS = /mysql -N -B -r/;

/**
 * Inspects `out`, the rows `ids` as a client printed them, and checks every row: its verdict is the
 * restore's of the stored value, unless it says it guessed ({@link GUESS}); and it says so exactly when
 * `guess` (for the rows holding a backslash).
 */
function check(out: string, ids: readonly number[], guess: boolean, what: string): void {
  const result = run(["inspect", "--json", "-"], out);
  assert.ok(result.code === 0 || result.code === 1, `${what}: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as
    | { valid: boolean; context?: { tracestate: string[] }; diagnostics: string[] }
    | { valid: boolean; context?: { tracestate: string[] }; diagnostics: string[] }[];
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  assert.equal(reports.length, ids.length, what);
  for (const [at, id] of ids.entries()) {
    const report = reports[at]!;
    const guessed = report.diagnostics.some((d) => GUESS.test(d));
    assert.equal(
      guessed,
      guess && text(id) !== null,
      `${what}, row ${id}: ${report.diagnostics.join(" | ")}`,
    );
    if (!guessed)
      assert.deepEqual(
        report.context?.tracestate,
        restoredTracestate(id),
        `${what}, row ${id}: ${report.diagnostics.join(" | ")}`,
      );
  }
}

describe("tracehop inspect on a backslash and a tab as each client prints them", () => {
  test("the restore of the stored values: the backslash kept, the tab refusing the tracestate", () => {
    assert.deepEqual(restoredTracestate(1), ["h4=C:\\tmp"]);
    assert.deepEqual(restoredTracestate(2), []);
  });

  describe("MariaDB (a JSON column)", () => {
    let skip: string | undefined;
    before(() => {
      const made = mariadb(
        [],
        `drop table if exists h4_esc; create table h4_esc (id int primary key, j JSON); insert into h4_esc values ${values(true)};`,
      );
      if (typeof made === "string") skip = made;
    });
    after(() => {
      if (skip === undefined) mariadb([], "drop table if exists h4_esc");
    });

    // [options, ids, guess]: what the output alone can tell.
    const cases: [string[], number[], boolean][] = [
      // Every line JSON both ways, no NULL: a guess, said, with the command that avoids it.
      [["-N", "-B"], [1, 2], true],
      [["-N", "-B"], [1], true],
      // A NULL line says mysql (or sqlite3 with .nullvalue NULL, said as such): read with the escapes undone.
      [["-N", "-B"], [1, 2, 3], false],
      // As stored: the tab's JSON escape is no mysql escape (a raw tab with them undone), so not mysql's.
      [["-N", "-B", "-r"], [1, 2], false],
      [["-N", "-B", "-r"], [1], true],
    ];
    for (const [options, ids, guess] of cases)
      test(`mariadb ${options.join(" ")}, rows ${ids.join(", ")}: ${guess ? "the guess said, with mysql -N -B -r" : "read as the restore reads the stored value"}`, (t) => {
        if (skip !== undefined) return t.skip(skip);
        const out = clientOutput(
          t,
          mariadb(options, `select j from h4_esc where id in (${ids.join(", ")}) order by id`),
        );
        if (out === undefined) return;
        check(out, ids, guess, `mariadb ${options.join(" ")}`);
      });
  });

  describe("PostgreSQL (a jsonb column)", () => {
    let skip: string | undefined;
    before(() => {
      const made = psql(
        [],
        `drop table if exists h4_esc; create table h4_esc (id int primary key, j jsonb); insert into h4_esc values ${values(false)};`,
      );
      if (typeof made === "string") skip = made;
    });
    after(() => {
      if (skip === undefined) psql([], "drop table if exists h4_esc");
    });

    const cases: [string[], number[], boolean][] = [
      [["-At"], [1, 2, 3], false],
      [["-At"], [1], true],
      // An empty line (a NULL column as psql -At prints it; mysql --batch prints NULL): psql's.
      [["-At"], [1, 3], false],
      [["-t"], [1, 2, 3], false],
      [["-At", "-P", "null=NULL"], [1, 2, 3], true],
    ];
    for (const [options, ids, guess] of cases)
      test(`psql ${options.join(" ")}, rows ${ids.join(", ")}: ${guess ? "read as printed, the guess said" : "read as printed"}`, (t) => {
        if (skip !== undefined) return t.skip(skip);
        const out = clientOutput(
          t,
          psql(options, `select j from h4_esc where id in (${ids.join(", ")}) order by id`),
        );
        if (out === undefined) return;
        check(out, ids, guess, `psql ${options.join(" ")}`);
      });
  });

  describe("SQLite (a TEXT column)", () => {
    let dir: string | undefined;
    let skip: string | undefined;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "h4-esc-"));
      const made = client(
        "sqlite3",
        [
          join(dir, "db.sqlite"),
          `create table h4_esc (id integer primary key, j text); insert into h4_esc values ${values(false)};`,
        ],
        "a new file",
      );
      if (typeof made === "string") skip = made;
    });
    after(() => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    const cases: [number[], boolean][] = [
      [[1, 2], false],
      [[1], true],
      [[1, 3], false],
    ];
    for (const [ids, guess] of cases)
      test(`sqlite3 (list mode), rows ${ids.join(", ")}: ${guess ? "read as printed, the guess said" : "read as printed"}`, (t) => {
        if (skip !== undefined) return t.skip(skip);
        const out = clientOutput(
          t,
          client(
            "sqlite3",
            [join(dir!, "db.sqlite"), `select j from h4_esc where id in (${ids.join(", ")}) order by id`],
            "a file",
          ),
        );
        if (out === undefined) return;
        check(out, ids, guess, "sqlite3");
      });
  });
});
