// `tracehop inspect` on what the database clients print, run for real: psql against the PostgreSQL
// server, mariadb against the MariaDB server, sqlite3 on a file, each query's output given to inspect as a
// user pipes it (`psql -At -c ... | tracehop inspect -`). A client that is not installed, or a server that
// does not answer, skips its tests with a sentence naming it (TRACEHOP_TEST_PG_URL, TRACEHOP_TEST_MYSQL_URL
// point them elsewhere). Each test's tables are named h6_live_* and dropped at the end.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trace } from "@opentelemetry/api";
import { contextFromCarrier } from "../../src/index.js";
import { client, clientOutput, mariadb, psql } from "../support/sql-clients.js";
import { run } from "./run-cli.js";

const A = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

const B_TRACE_DECIMAL = "12345";

describe("tracehop inspect on psql output (PostgreSQL)", () => {
  let skip: string | undefined;
  before(() => {
    const made = psql(
      [],
      `drop table if exists h6_live_carrier;
       create table h6_live_carrier (id int primary key, "traceContext" jsonb, batch json);
       insert into h6_live_carrier values
         (1, '{"traceparent":"${A}"}', '[{"traceparent":"${A}"}]'),
         (2, null, '[]'),
         (3, '{"x-datadog-trace-id":"${B_TRACE_DECIMAL}","x-datadog-parent-id":"67"}', null);`,
    );
    if (typeof made === "string") skip = made;
  });
  after(() => {
    if (skip === undefined) psql([], "drop table if exists h6_live_carrier");
  });

  test("one JSON array on one line (json_agg's rows, or a Json column holding an array): read as rows by default, said on the first line and as arrayElement; --array value reads it as the column's value, no carrier (exit 1)", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const agg = clientOutput(
      t,
      psql(["-At"], `select json_agg("traceContext" order by id) from h6_live_carrier`),
    );
    const column = clientOutput(t, psql(["-At"], "select batch from h6_live_carrier where id = 1"));
    if (agg === undefined || column === undefined) return;
    // psql prints both as one line holding a JSON array: the text cannot say which it is.
    assert.match(agg, /^\[.*\]\n$/);
    assert.match(column, /^\[.*\]\n$/);

    const rows = run(["inspect", "-"], agg);
    assert.equal(rows.code, 1, rows.stderr); // its second row is NULL
    const lines = rows.stdout.split("\n");
    assert.match(lines[0]!, /^input: one JSON array, read as 3 rows, a report each \(as json_agg/);
    assert.match(lines[0]!, /--array value reads it so$/);
    assert.match(lines[2]!, /^row 1 of 3: valid context/);
    assert.ok(rows.stdout.includes(`row 3 of 3: valid context`), rows.stdout);
    const json = run(["inspect", "--json", "-"], agg);
    const reports = JSON.parse(json.stdout) as { valid: boolean; arrayElement?: number }[];
    assert.deepEqual(
      reports.map((r) => [r.arrayElement, r.valid]),
      [
        [1, true],
        [2, false],
        [3, true],
      ],
    );

    // The Json column holding an array: the library restores nothing from that value...
    const value = JSON.parse(column) as unknown;
    assert.equal(trace.getSpanContext(contextFromCarrier(value)), undefined);
    assert.equal(trace.getSpanContext(contextFromCarrier(column.trim())), undefined);
    // ...which --array value says, as one value, exit 1; by default it is read as one row, and said so.
    const asRows = run(["inspect", "-"], column);
    assert.equal(asRows.code, 0, asRows.stderr);
    assert.match(asRows.stdout, /^input: one JSON array, read as 1 row, a report each/);
    for (const args of [
      ["inspect", "--array", "value", "-"],
      ["inspect", "--array=value", "-"],
    ]) {
      const asValue = run(args, column);
      assert.equal(asValue.code, 1, asValue.stderr);
      assert.match(
        asValue.stdout,
        /^no carrier \(a JSON array, read as one value \(--array value\): withCarrier and contextFromCarrier read no carrier from an array/,
      );
      const one = JSON.parse(run([...args.slice(0, -1), "--json", "-"], column).stdout) as {
        valid: boolean;
        arrayElement?: number;
        noCarrier?: string;
      };
      assert.equal(one.valid, false);
      assert.equal(one.arrayElement, undefined);
      assert.match(one.noCarrier ?? "", /^a JSON array, read as one value/);
    }
    // An empty array as the column's value: refused as rows (none), with the option that reads it.
    const empty = clientOutput(t, psql(["-At"], "select batch from h6_live_carrier where id = 2"));
    if (empty === undefined) return;
    assert.equal(empty, "[]\n");
    const none = run(["inspect", "-"], empty);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /holds no rows; .*--array value reads it as one value/);
    assert.equal(run(["inspect", "--array", "value", "-"], empty).code, 1);
  });

  test("COPY's text format (\\copy ... to stdout, COPY ... TO STDOUT), whose NULL is \\N: read, each line's escapes undone (a row NULL, exit 1); of several columns, said with what to run (exit 2)", (t) => {
    if (skip !== undefined) return t.skip(skip);
    for (const sql of [
      `\\copy (select "traceContext" from h6_live_carrier order by id) to stdout`,
      `copy (select jsonb_pretty("traceContext") from h6_live_carrier order by id) to stdout`,
    ]) {
      const out = clientOutput(t, psql([], sql));
      if (out === undefined) return;
      assert.equal(out.split("\n")[1], "\\N");
      const result = run(["inspect", "--json", "-"], out);
      assert.equal(result.code, 1, `${sql}: ${result.stderr}`);
      const reports = JSON.parse(result.stdout) as { valid: boolean; context?: { traceId: string } }[];
      assert.deepEqual(
        reports.map((r) => [r.valid, r.context?.traceId]),
        [
          [true, A.split("-")[1]],
          [false, undefined],
          [true, "00000000000000000000000000003039"],
        ],
        sql,
      );
    }
    const columns = clientOutput(
      t,
      psql([], `copy (select id, "traceContext" from h6_live_carrier order by id) to stdout`),
    );
    if (columns === undefined) return;
    const result = run(["inspect", "-"], columns);
    assert.equal(result.code, 2);
    assert.match(
      hintOf(result.stderr),
      /^ \(it looks like PostgreSQL's COPY text format of several columns, separated by tabs/,
    );
  });

  test("--array takes rows or value: another value, or none, is a usage error saying so", () => {
    for (const args of [["--array", "vaule"], ["--array=values"], ["--array"]]) {
      const result = run(["inspect", ...args, "{}"]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^tracehop inspect: --array takes rows or value/);
    }
    const twice = run(["inspect", "--array", "rows", "--array", "value", "[{}]"]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--array is given twice/);
  });

  test("lines of psql -At each holding an array (a Json column holding arrays, over rows) are rows without a carrier", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const out = clientOutput(t, psql(["-At"], "select batch from h6_live_carrier order by id"));
    if (out === undefined) return;
    const result = run(["inspect", "--json", "-"], out);
    assert.equal(result.code, 1);
    const reports = JSON.parse(result.stdout) as {
      valid: boolean;
      noCarrier?: string;
      arrayElement?: number;
    }[];
    assert.equal(reports.length, 3);
    assert.ok(reports.every((r) => !r.valid && r.arrayElement === undefined));
    assert.match(reports[0]!.noCarrier ?? "", /^an array, not a carrier/);
  });
});

/**
 * The hint of the first line of standard error, written ` (…)`: what stands between what is wrong and the
 * general advice (the parser's message after it, left out).
 */
const hintOf = (stderr: string): string => {
  const hint =
    /^tracehop inspect: (?:line \d+|the carrier) is not valid JSON: (.*?); (?:with one row per line, every line must be .*? \(a NULL column\)|give a JSON object of header -> value, an array of rows, or one row per line) \(.*\)$/.exec(
      stderr.split("\n")[0]!,
    )?.[1];
  return hint === undefined ? "" : ` (${hint})`;
};

describe("tracehop inspect on mariadb output (MariaDB)", () => {
  let skip: string | undefined;
  before(() => {
    // 1 compact (with a JSON escape in a value), 2 NULL, 3 pretty-printed over lines, 4 a JSON string
    // holding a carrier's JSON text.
    const made = mariadb(
      [],
      `drop table if exists h6_live_carrier;
       create table h6_live_carrier (id int primary key, traceContext json);
       insert into h6_live_carrier values
         (1, '{"traceparent":"${A}","tracestate":"k=v\\\\tx"}'),
         (2, null),
         (3, '{\\n  "x-datadog-trace-id": "${B_TRACE_DECIMAL}",\\n  "x-datadog-parent-id": "67"\\n}'),
         (4, '"{\\\\"traceparent\\\\":\\\\"${A}\\\\"}"');`,
    );
    if (typeof made === "string") skip = made;
  });
  after(() => {
    if (skip === undefined) mariadb([], "drop table if exists h6_live_carrier");
  });

  const all = "select traceContext from h6_live_carrier order by id";

  test("mariadb -N -B, -N -e (batch when piped), -s, -s -s: every row read, its escapes undone (a row NULL, exit 1)", (t) => {
    if (skip !== undefined) return t.skip(skip);
    for (const options of [["-N", "-B"], ["-N"], ["-s"], ["-s", "-s"]]) {
      const out = clientOutput(t, mariadb(options, all));
      if (out === undefined) return;
      const result = run(["inspect", "--json", "-"], out);
      assert.equal(result.code, 1, `${options.join(" ")}: ${result.stderr}`);
      const reports = JSON.parse(result.stdout) as { valid: boolean; context?: { traceId: string } }[];
      assert.deepEqual(
        reports.map((r) => [r.valid, r.context?.traceId]),
        [
          [true, A.split("-")[1]],
          [false, undefined],
          [true, "00000000000000000000000000003039"],
          [true, A.split("-")[1]],
        ],
        options.join(" "),
      );
    }
  });

  test("mariadb -N --raw of one row (compact, pretty-printed, JSON text): read as it is stored", (t) => {
    if (skip !== undefined) return t.skip(skip);
    for (const id of [1, 3, 4]) {
      const out = clientOutput(
        t,
        mariadb(["-N", "--raw"], `select traceContext from h6_live_carrier where id = ${id}`),
      );
      if (out === undefined) return;
      const result = run(["inspect", "-"], out);
      assert.equal(result.code, 0, `${id}: ${result.stderr}`);
    }
  });

  test("mariadb --raw over rows, one pretty-printed: the line that opens it is named as a value over several lines, not a row cut short, with mysql -N -B to run (exit 2)", (t) => {
    if (skip !== undefined) return t.skip(skip);
    for (const options of [
      ["-N", "--raw"],
      ["-s", "-r"],
    ]) {
      const out = clientOutput(t, mariadb(options, all));
      if (out === undefined) return;
      const result = run(["inspect", "-"], out);
      assert.equal(result.code, 2, options.join(" "));
      assert.match(result.stderr, /^tracehop inspect: line 3 is not valid JSON/);
      const hint = hintOf(result.stderr);
      assert.match(
        hint,
        /^ \(it starts a JSON value printed over several lines, to line 6, among rows printed on one: .*mysql -r \(--raw\)/,
      );
      assert.match(hint, /mysql -N -B -e "select traceContext from \.\.\." without -r/);
      assert.doesNotMatch(hint, /cut short/);
    }
    // With the column's name first (no -N): both said.
    const named = clientOutput(
      t,
      mariadb(["--raw"], "select traceContext from h6_live_carrier where id = 3"),
    );
    if (named === undefined) return;
    const result = run(["inspect", "-"], named);
    assert.equal(result.code, 2);
    assert.match(
      hintOf(result.stderr),
      /^ \(its first line, traceContext, looks like a column name, and the value after it goes on over several lines, as mysql -r/,
    );
  });

  test("mariadb -B / -e with the column name, -t, -E, -X, --html: said what it is and what to run (exit 2)", (t) => {
    if (skip !== undefined) return t.skip(skip);
    for (const [options, said] of [
      [["-B"], /^ \(its first line, traceContext, looks like a column name: leave it out, mysql -N/],
      [[], /^ \(its first line, traceContext, looks like a column name: leave it out, mysql -N/],
      [["-t"], /^ \(it looks like mysql's table output, in \+----\+ borders/],
      [["-E"], /^ \(it looks like mysql's vertical output/],
      [
        ["-X"],
        /^ \(it looks like mysql's XML output \(-X, --xml\), whose values are escaped for the markup .*mysql -N -B -e "select traceContext from \.\.\."/,
      ],
      [
        ["--html"],
        /^ \(it looks like mysql's HTML output \(-H, --html\), whose values are escaped for the markup .*mysql -N -B -e/,
      ],
    ] as const) {
      for (const sql of [all, "select traceContext from h6_live_carrier where id = 1"]) {
        const out = clientOutput(t, mariadb(options, sql));
        if (out === undefined) return;
        const result = run(["inspect", "-"], out);
        assert.equal(result.code, 2, `${options.join(" ")} ${sql}`);
        assert.equal(result.stdout, "");
        assert.match(hintOf(result.stderr), said, `${options.join(" ")} ${sql}: ${result.stderr}`);
      }
    }
  });
});

describe("tracehop inspect on sqlite3 output (a file)", () => {
  let dir: string | undefined;
  let file: string | undefined;
  let skip: string | undefined;
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tracehop-sqlite3-"));
    file = join(dir, "outbox.db");
    const made = client(
      "sqlite3",
      [
        file,
        `create table Outbox (id integer primary key, traceContext text);
         insert into Outbox values (1, '{"traceparent":"${A}"}'), (2, null),
           (3, '{"x-datadog-trace-id":"${B_TRACE_DECIMAL}","x-datadog-parent-id":"67"}');`,
      ],
      "a new file",
    );
    if (typeof made === "string") skip = made;
  });

  const sql = "select traceContext from Outbox order by id";

  test("sqlite3 in its list, -tabs, -column and -json modes: every row read (a row NULL, exit 1)", (t) => {
    if (skip !== undefined) return t.skip(skip);
    for (const mode of ["-list", "-tabs", "-column", "-json"]) {
      const out = clientOutput(t, client("sqlite3", [mode, file!, sql], "a file"));
      if (out === undefined) return;
      const result = run(["inspect", "--json", "-"], out);
      assert.equal(result.code, 1, `${mode}: ${result.stderr}`);
      assert.deepEqual(
        (JSON.parse(result.stdout) as { valid: boolean }[]).map((r) => r.valid),
        [true, false, true],
        mode,
      );
    }
  });

  test("sqlite3 -line, -quote, -box, -markdown, -table, -column -header, -html, -ascii: said what it is and the mode to use (exit 2)", (t) => {
    if (skip !== undefined) return t.skip(skip);
    const list = "sqlite3 FILE 'select traceContext from ...' (its default list mode";
    for (const [mode, said] of [
      [["-line"], 'sqlite3 -line output, a "column = value" line per column'],
      [["-quote"], "sqlite3 -quote output, each value in SQL single quotes"],
      [["-box"], "sqlite3 -box output, a table drawn with box characters"],
      [["-markdown"], "sqlite3 -markdown output, a Markdown table"],
      [["-table"], "sqlite3 -table output, in +----+ borders"],
      [["-column", "-header"], "sqlite3 -column -header output, the column names over a line of dashes"],
      [["-html"], "sqlite3 -html output, whose values are escaped for the markup"],
    ] as const) {
      const out = clientOutput(t, client("sqlite3", [...mode, file!, sql], "a file"));
      if (out === undefined) return;
      const result = run(["inspect", "-"], out);
      assert.equal(result.code, 2, mode.join(" "));
      const hint = hintOf(result.stderr);
      assert.ok(hint.startsWith(` (it looks like ${said}`), `${mode.join(" ")}: ${result.stderr}`);
      assert.ok(hint.includes(list), `${mode.join(" ")}: ${hint}`);
    }
    // -column of several columns, without -header: the columns padded with spaces, the carrier column
    // first or last (a NULL one blank); was said with no hint.
    for (const query of [
      "select id, traceContext from Outbox order by id",
      "select traceContext, id from Outbox order by id",
    ]) {
      const out = clientOutput(t, client("sqlite3", ["-column", file!, query], "a file"));
      if (out === undefined) return;
      const result = run(["inspect", "-"], out);
      assert.equal(result.code, 2, query);
      const hint = hintOf(result.stderr);
      assert.ok(
        hint.startsWith(" (it looks like sqlite3 -column output of several columns, padded with spaces"),
        `${query}: ${result.stderr}`,
      );
      assert.ok(hint.includes(list), `${query}: ${hint}`);
    }
    const ascii = clientOutput(t, client("sqlite3", ["-ascii", file!, sql], "a file"));
    if (ascii === undefined) return;
    const result = run(["inspect", "-"], ascii);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^tracehop inspect: standard input holds the control character U\+001E \(line 1, column \d+\), the record separator sqlite3 -ascii writes between rows and columns, .*sqlite3 FILE 'select traceContext from \.\.\.' \(its default list mode\)/,
    );
  });
});
