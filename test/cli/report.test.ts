// How `tracehop inspect` writes its reports when making one fails (exit 3): through writeReports'
// `report` seam, a function that throws as a bug in inspect would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspectCarrier } from "../../src/cli/inspect.js";
import { EXIT_NO_CONTEXT, writeReports } from "../../src/cli/report.js";

const CARRIER = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };

/** Reports of `carriers` (numbers: the carrier of 0 is the traceparent, of 1 none), failing on `fail`. */
function reportOf(fail: number) {
  return (n: number) => {
    if (n === fail) throw new RangeError("a bug in inspect");
    return inspectCarrier(n === 0 ? CARRIER : {});
  };
}

test("a --json run over rows that fails after some reports writes those whole, the array left open: no reader takes them for every row", async () => {
  const chunks: string[] = [];
  await assert.rejects(
    () => writeReports([0, 1, 2, 1], reportOf(2), { json: true, rows: true }, (c) => void chunks.push(c)),
    { name: "RangeError", message: "a bug in inspect" },
  );
  const out = chunks.join("");
  // Exactly what the complete output holds before the third report: the first two, whole.
  const complete: string[] = [];
  const code = await writeReports(
    [0, 1, 1],
    reportOf(-1),
    { json: true, rows: true },
    (c) => void complete.push(c),
  );
  assert.equal(code, EXIT_NO_CONTEXT);
  const all = JSON.parse(complete.join("")) as unknown[];
  assert.equal(
    out,
    "[\n" +
      all
        .slice(0, 2)
        .map((r) => "  " + JSON.stringify(r, null, 2).replaceAll("\n", "\n  ") + ",\n")
        .join(""),
  );
  // Not valid JSON: a reader that does not see exit 3 (`| jq` without pipefail) fails too.
  assert.throws(() => JSON.parse(out), SyntaxError);
  // The text reports likewise stop after the last whole report.
  const text: string[] = [];
  await assert.rejects(() =>
    writeReports([0, 2], reportOf(2), { json: false, rows: true }, (c) => void text.push(c)),
  );
  assert.equal(text.length, 1);
  assert.match(text[0]!, /^row 1 of 2: valid context .*\n\n$/s);
});
