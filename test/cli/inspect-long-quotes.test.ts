// What `tracehop inspect` quotes of a carrier's own keys and values (a traceparent part, a B3 field, a
// header name the carrier reader ignores, an ot-baggage-* key): one rule, docs/migration.md ("Checking a
// row"): JSON-quoted, cut past 80 characters with the length said, `"<head>"… (<length> characters)`, and,
// in the text report, every character outside printable ASCII escaped; `--json` keeps the quoted value's
// characters as stored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "./run-cli.js";

/** A B3 trace id of 2 + 10000 characters, its second a no-break space. */
const B3_TRACE_ID = "a\u00a0" + "b".repeat(10_000);
/** A traceparent trace-id of 16 KiB - 40 hex digits (the carrier reader keeps a value of up to 16 KiB). */
const TRACE_ID = "4bf9".repeat(4086);
/** An ot-baggage-* header whose key holds spaces (no baggage token, no header name), 16 KiB long. */
const BAGGAGE_KEY = "ot-baggage-" + "k\u00a0y".repeat(5458);

const CARRIER = {
  traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
  b3: `${B3_TRACE_ID}-00f067aa0ba902b7-1`,
  [BAGGAGE_KEY]: "v",
};

/** `text` as the report quotes it, as stored: its first 80 characters JSON-quoted, then its length. */
const cut = (text: string): string => `${JSON.stringify(text.slice(0, 80))}… (${text.length} characters)`;
/** {@link cut} as the text report prints it: a no-break space escaped. */
const printed = (text: string): string => cut(text).replaceAll("\u00a0", "\\u00a0");

test("inspect cuts a long traceparent part, B3 field or header name it quotes, saying its length (text report escaped, --json as stored)", () => {
  const input = JSON.stringify(CARRIER);
  const text = run(["inspect", "-"], input);
  assert.equal(text.code, 1, text.stderr);
  const lines = text.stdout.split("\n");
  const line = (start: string) => lines.find((l) => l.startsWith(start));
  assert.equal(
    line("  tracecontext rejected "),
    `  tracecontext rejected traceparent trace-id ${printed(TRACE_ID)} is ${TRACE_ID.length} digits, not 32; ` +
      "trace-id is 32 lowercase hex digits, not all zero (W3C Trace Context §3.2.2.3)",
  );
  assert.equal(
    line("  b3           rejected "),
    `  b3           rejected b3 ${printed(CARRIER.b3)}: its trace id ${printed(B3_TRACE_ID)} has a character that is not a hex digit: ` +
      `a B3 trace id is 16 or 32 hex digits, any case (docs/conformance.md, "B3 styles"); its character 2 is U+00A0 (no-break space), outside printable ASCII`,
  );
  assert.equal(
    line(`  - "ot-baggage-`),
    `  - ${printed(BAGGAGE_KEY)} is ignored by the carrier reader: its name holds a character no header name has (a space, a control or a non-ASCII character)`,
  );
  // No line holds a value whole.
  assert.ok(text.stdout.length < 4000, `${text.stdout.length} characters`);

  const json = run(["inspect", "--json", "-"], input);
  const report = JSON.parse(json.stdout) as {
    styles: Record<string, { detail: string }>;
    diagnostics: string[];
  };
  assert.equal(
    report.styles.b3!.detail.slice(0, report.styles.b3!.detail.indexOf(": its")),
    `b3 ${cut(CARRIER.b3)}`,
  );
  assert.ok(report.styles.tracecontext!.detail.startsWith(`traceparent trace-id ${cut(TRACE_ID)} is `));
  assert.ok(
    report.diagnostics.some((d) => d.startsWith(`${cut(BAGGAGE_KEY)} is ignored by the carrier reader`)),
  );
});

test("an ot-baggage-* key that is no baggage token: the key and its baggage key cut and said with their lengths", () => {
  const key = "ot-baggage-" + "a,b".repeat(3000);
  const { code, stdout } = run(
    ["inspect", "-"],
    JSON.stringify({ "x-datadog-trace-id": "1", "x-datadog-parent-id": "2", [key]: "v" }),
  );
  assert.equal(code, 0);
  const note = stdout.split("\n").find((l) => l.includes("is dropped by the datadog style"));
  assert.equal(
    note,
    `  - ${cut(key)} is dropped by the datadog style: ${cut(key.slice("ot-baggage-".length))} is no baggage key ` +
      "(a key is a token: letters, digits and !#$%&'*+-.^_`|~; W3C Baggage §3.2.1.2)",
  );
});

test("a long --field path is named cut, with its length, in every finding and diagnostic (not repeated whole); a short one as typed", () => {
  const STEP = "x".repeat(300);
  const FIELD = `payload.${STEP}`;
  const TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  /** The path as findings name it: quoted, its first 80 characters, then its length. */
  const SHOWN = `${JSON.stringify(FIELD.slice(0, 80))}… (${FIELD.length} characters)`;
  const rows = [
    { payload: { a: 1 } }, // a step missing
    { id: 1 }, // the first step missing
    { traceparent: TP }, // no such field: read as the carrier itself
    { id: 1, payload: { [STEP]: null } }, // the field null
    { id: 1, payload: { [STEP]: { traceparent: TP } }, traceparent: "x" }, // read, headers beside ignored
    { id: 1, payload: "text" }, // a step that is no object
  ];
  for (const row of rows) {
    const input = JSON.stringify(row);
    for (const json of [false, true]) {
      const { code, stdout, stderr } = run(
        ["inspect", ...(json ? ["--json"] : []), "--field", FIELD, "-"],
        input,
      );
      assert.ok(code === 0 || code === 1, `${input}: ${stderr}`);
      const said = json
        ? (() => {
            const report = JSON.parse(stdout) as { noCarrier?: string; diagnostics: string[] };
            return [...(report.noCarrier === undefined ? [] : [report.noCarrier]), ...report.diagnostics];
          })()
        : // The headline of a valid context gives the expression to paste, whole (as --json's carrierFrom).
          stdout.split("\n").filter((line, i) => i > 0 || !line.startsWith("valid context"));
      const naming = said.filter((line) => line.includes(STEP.slice(0, 60)));
      assert.ok(naming.length > 0, `${input}: no finding names the field: ${stdout.slice(0, 600)}`);
      for (const line of naming) {
        // The path whole is never repeated; where it is named, it is cut with its length.
        assert.ok(!line.includes(STEP.slice(0, 100)), `${input}: ${line.slice(0, 400)}`);
        assert.ok(line.includes(SHOWN), `${input}: ${line.slice(0, 400)}`);
      }
    }
  }
  // A short path is named as typed.
  const short = run(["inspect", "--json", "--field", "payload.trace", "-"], '{"payload": {"a": 1}}');
  assert.equal(
    JSON.parse(short.stdout).noCarrier,
    "the row has no payload.trace field: its payload field has no trace field (--field payload.trace; the fields of payload: a)",
  );
  // A character outside printable ASCII (a right-to-left override) is escaped where the path is named.
  const odd = run(["inspect", "--field", "pay\u202eload.x", "-"], '{"id": 1}');
  assert.match(odd.stdout, /the row has no "pay\\u202eload\.x" field/);
});
