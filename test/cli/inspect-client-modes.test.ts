// `tracehop inspect` on output modes of psql 15, the MariaDB 10.11 client and sqlite3 3.40 that it does
// not read: each refusal names the client and says what to run, before the parser's message. The
// fixtures are the clients' own output (test/fixtures/inspect-clients/README.md says how each was made).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { run } from "./run-cli.js";

/** What database clients print for a carrier column, captured from the real clients (its README). */
const CLIENTS = fileURLToPath(new URL("../fixtures/inspect-clients/", import.meta.url));

/** The text of the fixture `file`. */
const fixture = (file: string): string => readFileSync(CLIENTS + file, "utf8");

/** The general advice of a refusal of text that is no JSON, after the hint. */
const GIVE = "; give a JSON object of header -> value, an array of rows, or one row per line";

/** What V8's JSON parser says of `text`. */
function parserMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text.slice(0, 40)} is JSON`);
}

/**
 * The hint of inspect's refusal of `input` (standard input), which must exit 2 with nothing on standard
 * output: what stands between "the carrier is not valid JSON: " and the general advice, the refusal
 * checked to end with the parser's message for the whole text.
 */
function hintOf(input: string): string {
  const { code, stdout, stderr } = run(["inspect", "-"], input);
  assert.equal(code, 2, stderr);
  assert.equal(stdout, "");
  const start = "tracehop inspect: the carrier is not valid JSON: ";
  const end = `${GIVE} (${parserMessage(input)})\n`;
  assert.ok(stderr.startsWith(start) && stderr.endsWith(end), stderr);
  return stderr.slice(start.length, -end.length);
}

/** What to run instead of psql's output, as the hints say it. */
const PSQL_ROWS = `print the rows alone, psql -At -c "select ..." (-A unaligned, -t rows only; -X -A -t also skips psqlrc)`;
/** What to run instead of a sqlite3 table, as the hints say it. */
const SQLITE_LIST =
  "print the carrier column alone, sqlite3 FILE 'select traceContext from ...' (its default list mode: a row a line, " +
  "a NULL column an empty line), or whole rows, sqlite3 -json FILE 'select ...'";
/** What to run instead of several columns, each client's. */
const ONE_COLUMN = {
  mysql:
    "select the carrier column alone, mysql -N -B -e 'select traceContext from ...', or whole rows as JSON, " +
    `mysql -N -B -e "select json_object('id', id, 'traceContext', traceContext) from ..."`,
  psql: "select the carrier column alone, psql -At -c 'select \"traceContext\" from ...', or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t'",
  sqlite3:
    "select the carrier column alone, sqlite3 FILE 'select traceContext from ...', or whole rows as JSON, sqlite3 -json FILE 'select * from ...'",
};

describe("tracehop inspect: a refusal says what to run first, the parser's detail after", () => {
  test("psql's aligned output and psql -At of json_agg by group: the hint, then the advice, then the parser's message", () => {
    const table = fixture("psql.txt");
    assert.equal(
      run(["inspect", "-"], table).stderr,
      "tracehop inspect: the carrier is not valid JSON: it looks like psql's aligned output, a header, a line of dashes, the rows " +
        'and a (N rows) footer: print the rows alone, psql -At -c "select ..." (-A unaligned, -t rows only; -X -A -t also skips psqlrc)' +
        `${GIVE} (${parserMessage(table)})\n`,
    );
    // A line named: its hint first too, the parser's message for that line last.
    const grouped = fixture("psql-At-json_agg-grouped-one-first.txt");
    const line2 = grouped.split("\n")[1]!;
    const { code, stderr } = run(["inspect", "-"], grouped);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      "tracehop inspect: line 2 is not valid JSON: it looks like several json_agg arrays one after another, each over several lines " +
        "(json_agg of whole rows puts a line break between its elements), as psql -At prints a json_agg with group by: aggregate once, " +
        "psql -At -c 'select json_agg(t) from ... t' without group by, or print a row a line, psql -At -c 'select to_jsonb(t) from ... t'; " +
        "with one row per line, every line must be a JSON object, a JSON string holding an object's JSON text, null, or empty or NULL " +
        `(a NULL column) (${parserMessage(line2)})\n`,
    );
    // Without a hint: the advice, then the parser's message.
    assert.equal(
      run(["inspect", "-"], "{nope\n").stderr,
      `tracehop inspect: the carrier is not valid JSON${GIVE} (${parserMessage("{nope\n")})\n`,
    );
  });
});

describe("tracehop inspect: tables and psql's other layouts, named by what their text shows", () => {
  test("a sqlite3 table (-table, -column -header) pasted with an empty line after it: not named psql's alone (psql's final empty line is a paste's too)", () => {
    // The clients' own output, with the empty line a paste adds.
    assert.equal(
      hintOf(fixture("sqlite3-table.txt") + "\n"),
      "it looks like sqlite3 -table output, in +----+ borders, or psql's aligned output with \\pset border 2, which draws the same: " +
        `from sqlite3, ${SQLITE_LIST}; from psql, ${PSQL_ROWS}`,
    );
    assert.equal(
      hintOf(fixture("sqlite3-column-header.txt") + "\n"),
      `it looks like sqlite3 -column -header output, the column names over a line of dashes: ${SQLITE_LIST}`,
    );
    // psql's own footer still names it alone.
    assert.match(
      hintOf(fixture("psql-border2.txt")),
      /^it looks like psql's aligned output with \\pset border 2, in \+----\+ borders: print the rows alone/,
    );
  });

  test("psql's output under a \\pset title, or after \\x auto's note: psql's table after a line psql writes, not psql -t output", () => {
    const ABOVE =
      "its first line is no row but one psql writes above its output, a title (\\pset title) or the note of \\x auto (-t leaves it out); after it, ";
    const ALIGNED = `it looks like psql's aligned output, a header, a line of dashes, the rows and a (N rows) footer: ${PSQL_ROWS}`;
    for (const file of ["psql-title.txt", "psql-title-columns.txt", "psql-x-auto.txt"])
      assert.equal(hintOf(fixture(file)), ABOVE + ALIGNED, file);
    assert.equal(
      hintOf(fixture("psql-A-title.txt")),
      `${ABOVE}it looks like psql -A output, the column's name, the rows and a (N rows) footer: ${PSQL_ROWS}`,
    );
  });

  test("psql -x with \\pset border 2, and mysql -t -vv (the query echoed first): each named, with what to run", () => {
    assert.equal(
      hintOf(fixture("psql-x-border2.txt")),
      "it looks like psql's expanded output (-x, or \\x on), a line per column of each record: print the rows one per line, not expanded: " +
        `${ONE_COLUMN.psql} (-X skips a psqlrc that turns \\x on)`,
    );
    // psql -x in its other borders and line styles, of two columns: the carrier column named as psql names it.
    for (const file of [
      "psql-x-border0-columns.txt",
      "psql-x-unicode-columns.txt",
      "psql-x-t-border2-columns.txt",
      // One record under -x -t with border 2: no border between records, only the table's first and last,
      // as a table without names (psql -t, border 2) draws; its first cells are the column names.
      "psql-x-t-border2-one.txt",
      "psql-x-t-border2-one-columns.txt",
    ])
      assert.equal(
        hintOf(fixture(file)),
        "it looks like psql's expanded output (-x, or \\x on), a line per column of each record: print the rows one per line, not expanded: " +
          `${ONE_COLUMN.psql} (-X skips a psqlrc that turns \\x on)`,
        file,
      );
    // psql -t with border 2, not expanded, of the same record: its first cell a value (the id), no name.
    assert.doesNotMatch(hintOf(fixture("psql-t-border2-one-columns.txt")), /expanded output/);
    // mysql -t -N of two columns, a name then a carrier: first cells that could be column names, but a
    // carrier on every line is rows of a table, not one record's columns.
    const mysqlRows = hintOf(fixture("mysql-t-N-two-columns.txt"));
    assert.doesNotMatch(mysqlRows, /expanded output/);
    assert.match(mysqlRows, /mysql's table output/);
    // mysql -vvv draws a table even with -N -B: mysql's, not sqlite3's nor psql's, after its echo.
    for (const file of ["mysql-t-vv.txt", "mysql-N-B-vvv.txt"])
      assert.equal(
        hintOf(fixture(file)),
        "it starts with the query mysql -v (--verbose) echoes between lines of dashes: leave -v out; after it, it looks like mysql's table output, " +
          'in +----+ borders: print the rows alone, mysql -N -B -e "select ..." (-N no column names, -B batch)',
      );
  });

  test("psql -x -t of one record whose value goes on over lines (jsonb_pretty): psql's expanded output, in any border, not columns", () => {
    // One record under -x -t whose value goes on over lines (jsonb_pretty), each going on in a line whose
    // name cell is blank: in every border and line style, with the column alone or after another; and
    // under -x, after its record header.
    for (const file of [
      "psql-x-t-pretty-one.txt",
      "psql-x-pretty-one.txt",
      "psql-x-t-pretty-one-border0.txt",
      "psql-x-t-pretty-one-border2.txt",
      "psql-x-t-pretty-one-unicode.txt",
      "psql-x-t-pretty-one-columns.txt",
      "psql-x-t-pretty-one-columns-border0.txt",
      "psql-x-t-pretty-one-columns-border2.txt",
    ])
      assert.equal(
        hintOf(fixture(file)),
        "it looks like psql's expanded output (-x, or \\x on), a line per column of each record: print the rows one per line, not expanded: " +
          `${ONE_COLUMN.psql} (-X skips a psqlrc that turns \\x on)`,
        file,
      );
    // The column named as psql names it.
    assert.equal(
      hintOf(fixture("psql-x-t-pretty-one-carrier.txt")),
      "it looks like psql's expanded output (-x, or \\x on), a line per column of each record: print the rows one per line, not expanded: " +
        `${ONE_COLUMN.psql.replace('"traceContext"', '"carrier"')} (-X skips a psqlrc that turns \\x on)`,
    );
    // The same value not expanded (psql -t, two columns): a row starts with a space, or a border, not a name.
    assert.match(
      hintOf(fixture("psql-t-pretty-two-columns.txt")),
      /^it looks like psql's aligned output of a value over several lines/,
    );
    assert.doesNotMatch(hintOf(fixture("psql-t-border2-pretty-two-columns.txt")), /expanded output/);
  });
});

describe("tracehop inspect: text of several columns, CSV, SQL literals: each client that prints it, with its command", () => {
  test("sqlite3 -tabs of several columns: sqlite3 named beside mysql --batch and psql -At -F tab, with its command", () => {
    assert.equal(
      hintOf(fixture("sqlite3-tabs-columns.txt")),
      "it looks like output of several columns separated by tabs, as mysql --batch, psql -At -F $'\\t' or sqlite3 -tabs print: " +
        `from mysql, ${ONE_COLUMN.mysql}; from psql, ${ONE_COLUMN.psql}; from sqlite3, ${ONE_COLUMN.sqlite3}`,
    );
  });

  test("COPY ... TO STDOUT (FORMAT csv): named, with COPY's text format, which inspect reads, to run", () => {
    const copy = fixture("pg-copy-csv.txt");
    assert.equal(
      hintOf(copy),
      "it looks like CSV output, psql --csv, COPY ... TO STDOUT (FORMAT csv) or sqlite3 -csv, which double a value's double quotes: " +
        `print the carrier column as it is, one row per line, psql -At -c 'select "traceContext" from ...' (-A unaligned, -t rows only), ` +
        `or COPY (select "traceContext" from ...) TO STDOUT without FORMAT csv (its text format, which tracehop inspect reads), ` +
        "or from sqlite3, sqlite3 FILE 'select traceContext from ...' (its default list mode, without -csv)",
    );
  });

  test("sqlite3 -header of several columns: sqlite3's (or psql -A with its footer off), never mysql --batch, which separates with tabs", () => {
    assert.equal(
      hintOf(fixture("sqlite3-header-columns.txt")),
      'it looks like sqlite3 -header output of several columns, separated by "|", with their names on its first line (id, traceContext), ' +
        `or psql -A output with its footer off, which prints the same: from sqlite3, ${ONE_COLUMN.sqlite3}; from psql, ${ONE_COLUMN.psql}`,
    );
  });

  test("sqlite3 -quote of several columns and .mode insert: named, with what to run", () => {
    assert.equal(
      hintOf(fixture("sqlite3-quote-columns.txt")),
      `it looks like sqlite3 -quote output of several columns, each value a SQL literal separated by commas: ${SQLITE_LIST}`,
    );
    assert.equal(
      hintOf(fixture("sqlite3-insert-columns.txt")),
      "it looks like SQL INSERT statements, as sqlite3 prints them in .mode insert (or .dump), or pg_dump --inserts and mysqldump " +
        "write them, each value a SQL literal: print the carrier column alone, a row a line, sqlite3 FILE 'select traceContext from ...', " +
        `psql -At -c 'select "traceContext" from ...', mysql -N -B -e 'select traceContext from ...'`,
    );
  });
});

describe("tracehop inspect: columns separated by a separator of the user's own", () => {
  test("psql -At -F ',' (the carrier after the id, or first) and sqlite3 -separator ';': named as several columns, with the separator and what to run", () => {
    const files = [
      ["psql-At-F-comma-columns.txt", ","],
      ["psql-At-F-comma-carrier-first.txt", ","],
      ["sqlite3-separator-semicolon-columns.txt", ";"],
    ] as const;
    for (const [file, separator] of files)
      assert.equal(
        hintOf(fixture(file)),
        `it looks like several columns, a JSON object beside another, separated by "${separator}", as psql -At -F or sqlite3 -separator print them: ` +
          `select the carrier column alone, psql -At -c 'select "traceContext" from ...', sqlite3 FILE 'select traceContext from ...', ` +
          "mysql -N -B -e 'select traceContext from ...'",
        file,
      );
  });
  test("a carrier between two columns (psql -At -F ',', sqlite3 -separator ';': id, carrier, a date): named likewise", () => {
    const files = [
      ["psql-At-F-comma-carrier-middle.txt", ","],
      ["sqlite3-separator-semicolon-carrier-middle.txt", ";"],
    ] as const;
    for (const [file, separator] of files)
      assert.equal(
        hintOf(fixture(file)),
        `it looks like several columns, a JSON object beside another, separated by "${separator}", as psql -At -F or sqlite3 -separator print them: ` +
          `select the carrier column alone, psql -At -c 'select "traceContext" from ...', sqlite3 FILE 'select traceContext from ...', ` +
          "mysql -N -B -e 'select traceContext from ...'",
        file,
      );
  });
});
