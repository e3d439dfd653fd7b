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

test("a rejected traceparent names the W3C Trace Context rule it breaks (§3.2.2.x, §3.2.4)", () => {
  const T = "4bf92f3577b34da6a3ce929d0e0e4736";
  const P = "00f067aa0ba902b7";
  const HEX = (name: string, n: number, section: string, nonZero = false) =>
    `${name} is ${n} lowercase hex digits${nonZero ? ", not all zero" : ""} (W3C Trace Context ${section})`;
  for (const [traceparent, detail] of [
    [
      `00-${T}-${P}--1`,
      `traceparent trace-flags "-1" has a character that is not a hex digit; ${HEX("trace-flags", 2, "§3.2.2.5")}`,
    ],
    [
      `00-${T}-${P}-xx`,
      `traceparent trace-flags "xx" has a character that is not a hex digit; ${HEX("trace-flags", 2, "§3.2.2.5")}`,
    ],
    [`00-${T}-${P}-1`, `traceparent trace-flags "1" is 1 digit, not 2; ${HEX("trace-flags", 2, "§3.2.2.5")}`],
    [
      `00-${T}-${P}-01-extra`,
      'traceparent version 00 ends after its trace-flags (55 characters), but "-extra" follows them: only a higher version may add fields (W3C Trace Context §3.2.2.2, §3.2.4)',
    ],
    [
      `0g-${T}-${P}-01`,
      `traceparent version "0g" has a character that is not a hex digit; ${HEX("version", 2, "§3.2.2.1")}`,
    ],
    [
      `cc-${T}-${P}-01.x`,
      'traceparent version cc: ".x" follows the trace-flags, where a higher version must end or go on with "-" (W3C Trace Context §3.2.4)',
    ],
    [
      `00-${"0".repeat(32)}-${P}-01`,
      `traceparent trace-id is all zeros; ${HEX("trace-id", 32, "§3.2.2.3", true)}`,
    ],
    [
      `00-${T.toUpperCase()}-${P}-01`,
      `traceparent trace-id "${T.toUpperCase()}" has upper-case hex digits; ${HEX("trace-id", 32, "§3.2.2.3", true)}`,
    ],
    [
      `00-4bf9-${P}-01`,
      `traceparent trace-id "4bf9" is 4 digits, not 32; ${HEX("trace-id", 32, "§3.2.2.3", true)}`,
    ],
    [
      `00-${T}-${"0".repeat(16)}-01`,
      `traceparent parent-id is all zeros; ${HEX("parent-id", 16, "§3.2.2.4", true)}`,
    ],
    [`ff-${T}-${P}-01`, "traceparent version ff is forbidden (W3C Trace Context §3.2.2.1)"],
  ]) {
    const report = inspectCarrier({ traceparent });
    assert.equal(report.styles.tracecontext!.status, "rejected", traceparent);
    assert.equal(report.styles.tracecontext!.detail, detail, traceparent);
  }
  // A higher version that goes on after a "-" is valid (its extra fields ignored).
  assert.equal(inspectCarrier({ traceparent: `cc-${T}-${P}-01-x` }).styles.tracecontext!.status, "valid");
});
