// psql -At -0 (--record-separator-zero) and -z (--field-separator-zero) write a NUL byte between records
// or fields: inspect said "UTF-16 text without a byte order mark, or a binary file?" of such output, which
// is neither. Said as the separator, with what to run; UTF-16 without a byte order mark (a NUL every
// other byte of ASCII text) is still said as before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "./run-cli.js";

const CARRIER = '{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}';

test("rows separated by NUL (psql -At -0): said as a NUL separator, with the psql command without it", () => {
  for (const input of [`${CARRIER}\0\0${CARRIER}`, `${CARRIER}\0`, `1\0${CARRIER}\n`]) {
    const result = run(["inspect", "-"], input);
    assert.equal(result.code, 2, JSON.stringify(input));
    assert.match(result.stderr, /holds the control character U\+0000 \(line 1, column \d+\)/);
    assert.match(
      result.stderr,
      /NUL between records or fields, as psql -0 \(--record-separator-zero\) or -z/,
    );
    assert.match(result.stderr, /psql -At -c 'select "traceContext" from \.\.\.'/);
    assert.doesNotMatch(result.stderr, /UTF-16/);
  }
});

test("UTF-16LE without a byte order mark: still said as such", () => {
  const result = run(["inspect", "-"], Buffer.from(CARRIER, "utf16le").toString("latin1"));
  assert.equal(result.code, 2);
  assert.match(result.stderr, /UTF-16 text without a byte order mark, or a binary file\?/);
});
