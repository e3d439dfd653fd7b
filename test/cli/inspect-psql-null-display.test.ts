// `psql -t` (aligned, rows only) with a null display of its own (`-P null=NULL`, `\pset null NULL` in a
// psqlrc): psql prints a NULL column as " NULL", with the space every aligned row starts with. The
// refusal of such a line said that a line NULL is a NULL column; read as one, as " " (psql's default
// null display) and "NULL" (psql -At -P null=NULL, mysql --batch) are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "./run-cli.js";

const CARRIER = '{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}';

/** Each report's validity and no-carrier finding, for `input` on standard input. */
function reports(input: string) {
  const result = run(["inspect", "--json", "-"], input);
  assert.equal(result.stderr, "");
  const parsed = JSON.parse(result.stdout) as { valid: boolean; noCarrier?: string }[];
  return {
    code: result.code,
    rows: parsed.map((r) => [r.valid, r.noCarrier !== undefined && r.noCarrier.startsWith("NULL")]),
  };
}

test('psql -t -P null=NULL: a line " NULL" among aligned rows is a NULL column, as psql\'s default " " is', () => {
  const expected = {
    code: 1,
    rows: [
      [true, false],
      [false, true],
      [true, false],
    ],
  };
  // psql's default null display, then -P null=NULL, as psql 15 prints them (a final empty line).
  assert.deepEqual(reports(` ${CARRIER}\n \n ${CARRIER}\n\n`), expected);
  assert.deepEqual(reports(` ${CARRIER}\n NULL\n ${CARRIER}\n\n`), expected);
});

test('a line " NULL" outside psql\'s aligned rows stays an input error (not every line starts with a space)', () => {
  const result = run(["inspect", "--json", "-"], `${CARRIER}\n NULL\n`);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /line 2 is not valid JSON/);
});
