// `tracehop inspect --json` on carriers that hold characters a terminal acts on or hides (C1 controls
// such as U+009B, the one-character CSI; U+2028; bidirectional overrides; zero width characters): the
// report quotes the input back (a tracestate member, an origin, a tag), and its JSON must show each such
// character as a `\uXXXX` escape, as the text report does, while JSON.parse still reads the same string.
// Found by a fast-check fuzz of the CLI on hostile rows: `JSON.stringify` escapes C0 controls only.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { TERMINAL_CONTROLS } from "../../src/describe-value.js";
import { run } from "../cli/run-cli.js";
import { runParameters } from "./arbitraries.js";

const TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** Characters of TERMINAL_CONTROLS that JSON.stringify writes as they are (it escapes U+0000-U+001F). */
const UNESCAPED_BY_JSON = [
  "\u007f",
  "\u0080",
  "\u009b",
  "\u009f",
  "\u00ad",
  "\u200b",
  "\u200f",
  "\u2028",
  "\u2029",
  "\u202e",
  "\u2060",
  "\u2066",
  "\ufeff",
];

/** TERMINAL_CONTROLS but the line feed, which ends the lines of the JSON text itself. */
const controls = new RegExp(
  TERMINAL_CONTROLS.source.replace("\\u0000-\\u001f", "\\u0000-\\u0009\\u000b-\\u001f"),
  "u",
);

/** Carriers whose refused or kept fields quote `char` back in the report. */
function carriersWith(char: string): Record<string, string>[] {
  return [
    { traceparent: TP, tracestate: `a${char}b=1` },
    { traceparent: TP, tracestate: `vendor=x${char}y` },
    { "x-datadog-trace-id": "1", "x-datadog-parent-id": "2", "x-datadog-origin": `rum${char}` },
    { "x-datadog-trace-id": "1", "x-datadog-parent-id": "2", "x-datadog-tags": `_dd.p.x=${char}` },
    { traceparent: `${TP}${char}` },
    { [`x-datadog-trace-id${char}`]: "1", "x-datadog-parent-id": "2" },
  ];
}

describe("tracehop inspect --json writes no character a terminal acts on or hides", () => {
  test("each such character of the carrier is written as a \\u escape, and the JSON reads back the same", () => {
    for (const char of UNESCAPED_BY_JSON)
      for (const carrier of carriersWith(char)) {
        const text = JSON.stringify(carrier);
        for (const args of [
          ["inspect", "--json", text],
          ["inspect", "--json", `[${text},${text}]`],
        ]) {
          const result = run(args);
          assert.ok(result.code === 0 || result.code === 1, `exit ${result.code}: ${result.stderr}`);
          const at = result.stdout.search(controls);
          assert.equal(
            at,
            -1,
            `U+${char.charCodeAt(0).toString(16).padStart(4, "0")} written as it is: ${JSON.stringify(result.stdout.slice(Math.max(0, at - 60), at + 10))}`,
          );
          // The escapes are JSON's: the report parses, and a value quoting the input still holds the character.
          const parsed: unknown = JSON.parse(result.stdout);
          if (carrier.tracestate === `a${char}b=1`)
            assert.ok(
              JSON.stringify(parsed).includes(`a${char}b=1`),
              "the refused member is quoted as it was",
            );
        }
      }
  });

  test("any carrier of printable ASCII and such characters: no such character on standard output", () => {
    const unit = fc.oneof(
      fc.constantFrom(...UNESCAPED_BY_JSON),
      fc.constantFrom("a", "=", ",", ";", ":", "-", "0", "_", "@"),
    );
    const value = fc.string({ unit, maxLength: 24 });
    const carrier = fc.record(
      {
        traceparent: fc.oneof(
          fc.constant(TP),
          value.map((v) => TP + v),
        ),
        tracestate: value,
        baggage: value,
        "x-datadog-trace-id": fc.constant("1"),
        "x-datadog-parent-id": fc.constant("2"),
        "x-datadog-origin": value,
        "x-datadog-tags": value.map((v) => `_dd.p.a=${v}`),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(carrier, (c) => {
        const result = run(["inspect", "--json", JSON.stringify(c)]);
        assert.ok(result.code === 0 || result.code === 1, `exit ${result.code}: ${result.stderr}`);
        assert.equal(result.stdout.search(controls), -1);
        assert.equal(result.stderr.search(controls), -1);
        JSON.parse(result.stdout);
      }),
      runParameters(60),
    );
  });
});
