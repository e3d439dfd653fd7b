// `tracehop inspect` on rows as users paste them: CRLF line ends, a byte order mark, a very long line, a
// row holding two carriers, Datadog ids written oddly (leading zeros, a plus sign, -0, an exponent, a
// fraction), keys written with JSON's \u escapes, repeated keys. Each verdict is the library's for
// JSON.parse of the row (contextFromCarrier, as a service reads a Json column), and what inspect says of
// a number quotes that number as the row writes it, never another of the same name.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { contextFromCarrier } from "../../src/index.js";
import { run } from "./run-cli.js";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

interface Report {
  valid: boolean;
  carrierFrom?: string;
  diagnostics: string[];
  context?: { traceId: string; parentId: string };
}

/** The restore of JSON.parse of `row`: `trace/parent` in hex, or `none`. */
function restored(row: string): string {
  const context = trace.getSpanContext(contextFromCarrier(JSON.parse(row) as Record<string, unknown>));
  return context === undefined ? "none" : `${context.traceId}/${context.spanId}`;
}

/** What inspect --json reports of `input` (an argument, or standard input when `stdin`). */
function inspect(input: string, stdin = false): Report[] {
  const result = stdin ? run(["inspect", "--json", "-"], input) : run(["inspect", "--json", input]);
  assert.ok(
    result.code === 0 || result.code === 1,
    `${JSON.stringify(input.slice(0, 200))}: ${result.stderr}`,
  );
  const parsed = JSON.parse(result.stdout) as Report | Report[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

const verdict = (report: Report): string =>
  report.valid ? `${report.context!.traceId}/${report.context!.parentId}` : "none";

describe("tracehop inspect on pasted rows: the library's verdict for JSON.parse of the row", () => {
  const rows: [string, string][] = [
    ["leading zeros", '{"x-datadog-trace-id":"0012345","x-datadog-parent-id":"067"}'],
    ["a plus sign", '{"x-datadog-trace-id":"+12345","x-datadog-parent-id":"67"}'],
    ["-0 as text", '{"x-datadog-trace-id":"-0","x-datadog-parent-id":"67"}'],
    ["-0 as a number", '{"x-datadog-trace-id":-0,"x-datadog-parent-id":"67"}'],
    ["an exponent", '{"x-datadog-trace-id":1e3,"x-datadog-parent-id":6.7e1}'],
    ["an exponent as text", '{"x-datadog-trace-id":"1e3","x-datadog-parent-id":"67"}'],
    ["a fraction of zeros", '{"x-datadog-trace-id":12345.000,"x-datadog-parent-id":"67"}'],
    ["a \\u escape in a key", '{"\\u0078-datadog-trace-id":"12345","x-datadog-\\u0070arent-id":"67"}'],
    ["a \\u escape in traceparent's name", `{"\\u0074raceparent":"${TRACEPARENT}"}`],
    [
      "a \\u escape in a value",
      `{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0\\u0031"}`,
    ],
    [
      "a repeated key (the last wins)",
      `{"traceparent":"00-11111111111111111111111111111111-2222222222222222-01","traceparent":"${TRACEPARENT}"}`,
    ],
    [
      "two spellings of a header",
      `{"traceparent":"${TRACEPARENT}","TRACEPARENT":"00-11111111111111111111111111111111-2222222222222222-01"}`,
    ],
    [
      "two carriers in a row",
      `{"traceContext":{"traceparent":"${TRACEPARENT}"},"carrier":{"x-datadog-trace-id":"1","x-datadog-parent-id":"2"}}`,
    ],
    [
      "an empty traceContext beside a carrier",
      '{"traceContext":{},"carrier":{"x-datadog-trace-id":"1","x-datadog-parent-id":"2"}}',
    ],
    [
      "a very long line",
      `{"traceparent":"${TRACEPARENT}","baggage":"k=${"v".repeat(1_000_000)}","pad":"${"x".repeat(2_000_000)}"}`,
    ],
  ];
  for (const [what, row] of rows)
    test(`${what}: as the argument, on standard input, with CRLF, with a byte order mark`, () => {
      const expected = restored(row);
      // An argument is at most 128 KiB on Linux (MAX_ARG_STRLEN): a longer row is only piped.
      for (const [how, input, stdin] of [
        ...(row.length < 100_000 ? ([["argument", row, false]] as const) : []),
        ["stdin", `${row}\n`, true],
        ["CRLF lines", `${row}\r\n${row}\r\n`, true],
        ["a byte order mark", `\ufeff${row}\n`, true],
        ["a byte order mark and CRLF", `\ufeff${row}\r\n`, true],
      ] as const)
        for (const report of inspect(input, stdin))
          assert.equal(verdict(report), expected, `${what}, ${how}`);
    });
});

describe("tracehop inspect: what it says of a pasted row", () => {
  test("a number is quoted as the row writes that number: not another field's of the same name, nor an earlier repeated key's", () => {
    const [nested] = inspect(
      '{"meta":{"x-datadog-trace-id": 5.0}, "traceContext": {"x-datadog-trace-id": 7, "x-datadog-parent-id": "2"}}',
    );
    assert.ok(
      nested!.diagnostics.includes(
        'x-datadog-trace-id is stored as a JSON number (7); it is exact and read as "7", but carriers hold strings: store it as a string',
      ),
      nested!.diagnostics.join(" | "),
    );
    const [repeated] = inspect(
      '{"x-datadog-trace-id": 1e3, "x-datadog-trace-id": 2e3, "x-datadog-parent-id": "2"}',
    );
    assert.ok(
      repeated!.diagnostics.includes(
        'x-datadog-trace-id is stored as a JSON number (2e3); it is exact and read as "2000", but carriers hold strings: store it as a string',
      ),
      repeated!.diagnostics.join(" | "),
    );
    // A key written with a \u escape: its number still quoted as written.
    const [escaped] = inspect('{"\\u0078-datadog-trace-id": 1e3, "x-datadog-parent-id": "2"}');
    assert.ok(
      escaped!.diagnostics.includes(
        'x-datadog-trace-id is stored as a JSON number (1e3); it is exact and read as "1000", but carriers hold strings: store it as a string',
      ),
      escaped!.diagnostics.join(" | "),
    );
  });

  test("a row whose traceContext holds no propagation header beside a field holding a carrier: that field named, with the --field that reads it", () => {
    for (const traceContext of ["{}", '{"foo": "1"}', '"{}"']) {
      const [report] = inspect(
        `{"traceContext": ${traceContext}, "carrier": {"x-datadog-trace-id": "1", "x-datadog-parent-id": "2"}}`,
      );
      assert.equal(report!.valid, false);
      assert.ok(
        report!.diagnostics.some((d) =>
          d.includes(
            "its carrier field holds a carrier, which withCarrier(row) does not read (TRACEHOP_CARRIER_IN_OTHER_FIELD): --field carrier reads it",
          ),
        ),
        `${traceContext}: ${report!.diagnostics.join(" | ")}`,
      );
    }
  });

  test("a row holding two carriers: the one read (traceContext) and the other field named, with the --field that reads it", () => {
    const [report] = inspect(
      `{"traceContext": {"traceparent": "${TRACEPARENT}"}, "carrier": {"x-datadog-trace-id": "1", "x-datadog-parent-id": "2"}}`,
    );
    assert.equal(verdict(report!), "0af7651916cd43dd8448eb211c80319c/b7ad6b7169203331");
    assert.ok(
      report!.diagnostics.some((d) =>
        d.includes(
          "its carrier field holds a carrier too, which withCarrier(row) does not read: --field carrier reads it",
        ),
      ),
      report!.diagnostics.join(" | "),
    );
  });
});
