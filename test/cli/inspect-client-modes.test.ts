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
