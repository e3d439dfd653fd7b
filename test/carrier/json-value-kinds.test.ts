// A stored propagation field whose value is not a string is judged by one rule whatever its JSON kind
// (docs/restore.md, "How a stored carrier is read"). Found in a migration trial: the text "1.5" as
// x-datadog-sampling-priority dropped the Datadog context (an invalid priority), while the JSON number
// 1.5 or -1.5, true, {} were ignored as a missing priority, so the trace was restored and kept.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace, type Context } from "@opentelemetry/api";
import { contextFromCarrier, getDatadogContext } from "../../src/index.js";

const DD = {
  "x-datadog-trace-id": "12345678901234567890",
  "x-datadog-parent-id": "42",
  "x-datadog-sampling-priority": "1",
  "x-datadog-origin": "rum",
  "x-datadog-tags": "_dd.p.dm=-4",
};
const W3C = {
  traceparent: "00-0000000000000000ab54a98ceb1f0ad2-000000000000002a-01",
  tracestate: "dd=s:1;o:rum",
};
const FIELDS = [...Object.keys(DD), ...Object.keys(W3C)];

/** What a restore from `carrier` gives, in a form to compare. */
function restored(carrier: Record<string, unknown>): unknown {
  const ctx: Context = contextFromCarrier(carrier);
  const sc = trace.getSpanContext(ctx);
  return {
    span: sc && {
      traceId: sc.traceId,
      spanId: sc.spanId,
      flags: sc.traceFlags,
      ts: sc.traceState?.serialize(),
    },
    datadog: getDatadogContext(ctx),
  };
}

/** `base` with `field` holding `value`. */
const withField = (base: Record<string, unknown>, field: string, value: unknown) => ({
  ...base,
  [field]: value,
});
/** `base` without `field`. */
function without(base: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...base };
  delete copy[field];
  return copy;
}

describe("x-datadog-sampling-priority of every JSON kind", () => {
  for (const value of [
    1.5,
    -1.5,
    0.5,
    1e21,
    1e20,
    99999999999,
    true,
    false,
    {},
    { priority: 1 },
    [{}],
    [["1"]],
    ["1", {}],
  ])
    test(`${JSON.stringify(value)}: an invalid priority, the Datadog context dropped as for the text "1.5"`, () => {
      const carrier = withField(DD, "x-datadog-sampling-priority", value);
      assert.deepEqual(restored(carrier), { span: undefined, datadog: undefined });
      // With a traceparent, only that restores, as with the text.
      assert.deepEqual(
        restored({ ...carrier, ...W3C }),
        restored({ ...DD, "x-datadog-sampling-priority": "1.5", ...W3C }),
      );
    });

  for (const value of [null, []])
    test(`${JSON.stringify(value)}: no value, a missing priority (the context restored, priority unset)`, () => {
      const got = restored(withField(DD, "x-datadog-sampling-priority", value));
      assert.deepEqual(got, restored(without(DD, "x-datadog-sampling-priority")));
      assert.equal((got as { datadog: { samplingPriority?: number } }).datadog.samplingPriority, undefined);
    });

  test("a safe integer is its decimal text: 2 and -1 are restored as the texts are", () => {
    for (const value of [2, -1, 0])
      assert.deepEqual(
        restored(withField(DD, "x-datadog-sampling-priority", value)),
        restored(withField(DD, "x-datadog-sampling-priority", String(value))),
      );
  });
});

describe("every propagation field: one rule per kind", () => {
  for (const base of [DD, { ...DD, ...W3C }, W3C])
    for (const field of FIELDS.filter((f) => f in base)) {
      test(`${field} (${base === W3C ? "W3C only" : base === DD ? "Datadog only" : "both"}): a number or boolean is read as its text`, () => {
        for (const value of [1.5, -1.5, 7, -7, 1e21, true, false])
          assert.deepEqual(
            restored(withField(base, field, value)),
            restored(withField(base, field, String(value))),
            `${field}: ${String(value)}`,
          );
      });
      test(`${field} (${base === W3C ? "W3C only" : base === DD ? "Datadog only" : "both"}): an object or a nested array is an invalid value, null and [] a missing one`, () => {
        // A value no field's grammar accepts (a control character).
        const invalid = restored(withField(base, field, "\u0001"));
        for (const value of [{}, { a: 1 }, [["x"]], [{}]])
          assert.deepEqual(
            restored(withField(base, field, value)),
            invalid,
            `${field}: ${JSON.stringify(value)}`,
          );
        const missing = restored(without(base, field));
        for (const value of [null, []])
          assert.deepEqual(
            restored(withField(base, field, value)),
            missing,
            `${field}: ${JSON.stringify(value)}`,
          );
      });
    }
});

test("JSON text of the same carrier reads the same (a string column)", () => {
  const text = JSON.stringify({ ...DD, "x-datadog-sampling-priority": -1.5 });
  assert.deepEqual(restored({ traceContext: text } as never), { span: undefined, datadog: undefined });
  assert.deepEqual(restored(text as never), { span: undefined, datadog: undefined });
});
