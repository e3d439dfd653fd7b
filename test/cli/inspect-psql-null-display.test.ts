// `psql -t` (aligned, rows only) with a null display of its own (`-P null=NULL`, `\pset null NULL` in a
// psqlrc): psql prints a NULL column as " NULL", with the space every aligned row starts with. The
// refusal of such a line said that a line NULL is a NULL column; read as one, as " " (psql's default
// null display) and "NULL" (psql -At -P null=NULL, mysql --batch) are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
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

/** What database clients print for a carrier column, captured from the real clients (its README). */
const CLIENTS = fileURLToPath(new URL("../fixtures/inspect-clients/", import.meta.url));

/** Each report's no-carrier finding (or "" for a row with a carrier), for the fixture `file`. */
function findings(file: string): string[] {
  const result = run(["inspect", "--json", CLIENTS + file]);
  assert.equal(result.stderr, "");
  return (JSON.parse(result.stdout) as { noCarrier?: string }[]).map((r) => r.noCarrier ?? "");
}

const BY_THE_EXTENSION = "written outside a span, or by a service without the extension";

test("a NULL line of psql with -P null=NULL names psql's null display; mysql --batch's and sqlite3's NULL stay theirs", () => {
  // psql 15 -At -P null=NULL of a jsonb column: every other row printed as psql prints jsonb, psql named
  // first, the clients that print a NULL so too after it.
  assert.deepEqual(findings("psql-At-null-display-NULL.txt"), [
    "",
    "NULL: a NULL column as psql prints it with its null display set to NULL (-P null=NULL, \\pset null NULL; " +
      "the other rows are printed as psql prints a jsonb column), or as mysql --batch or sqlite3 with .nullvalue NULL prints it; " +
      BY_THE_EXTENSION,
    "",
  ]);
  // psql -t (aligned) -P null=NULL: psql's alone.
  assert.deepEqual(findings("psql-t-null-display-NULL.txt"), [
    "",
    `NULL: a NULL column as psql prints it with its null display set to NULL (-P null=NULL, \\pset null NULL); ${BY_THE_EXTENSION}`,
    "",
  ]);
  // The MariaDB client (-N -B) and sqlite3 (.nullvalue NULL) of the same rows, stored as written (one of
  // them compact): not psql's jsonb text, said as before.
  for (const file of ["mysql-N-B-null-jsonb-form.txt", "sqlite3-nullvalue-NULL-jsonb-form.txt"])
    assert.deepEqual(
      findings(file),
      [
        "",
        `NULL: a NULL column as mysql --batch or sqlite3 with .nullvalue NULL prints it; ${BY_THE_EXTENSION}`,
        "",
      ],
      file,
    );
});
