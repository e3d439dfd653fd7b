// setDatadogContext given a sampling priority against the sampled flag of its span (a dd-trace-ot manual
// keep or drop carried over): injection sends the flag's 1 or 0, and TRACEHOP_PRIORITY_AGAINST_SAMPLED_FLAG
// says so once per process. Found in a migration trial: `samplingPriority: -1` on a sampled span went out
// as 1 without a word.
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, TraceFlags, defaultTextMapSetter, trace, type Context } from "@opentelemetry/api";
import { createPropagator, setDatadogContext } from "../../src/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const CODE = "TRACEHOP_PRIORITY_AGAINST_SAMPLED_FLAG";

function spanContext(sampled: boolean): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: false,
  });
}

function injectedPriority(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  createPropagator(["datadog"]).inject(ctx, carrier, defaultTextMapSetter);
  return carrier["x-datadog-sampling-priority"];
}

describe("setDatadogContext: a priority against the span's sampled flag", () => {
  beforeEach(resetWarnings);

  for (const [sampled, priority, sent] of [
    [true, -1, "1"],
    [true, 0, "1"],
    [false, 2, "0"],
    [false, 1, "0"],
  ] as const)
    test(`${priority} on ${sampled ? "a sampled" : "an unsampled"} span: sent as ${sent}, said once`, async () => {
      const told = await recordWarnings(() => {
        const first = setDatadogContext(spanContext(sampled), { samplingPriority: priority });
        setDatadogContext(spanContext(sampled), { samplingPriority: priority });
        return first;
      });
      assert.equal(injectedPriority(told.result), sent);
      assert.equal(told.processWarnings.length, 1);
      const [code, message] = told.processWarnings[0]!;
      assert.equal(code, CODE);
      assert.ok(
        message.startsWith(
          `tracehop setDatadogContext: samplingPriority ${priority} on a span that is ${sampled ? "sampled" : "not sampled"} ` +
            `(trace flags ${sampled ? "01" : "00"}) is injected as ${sent}: the span's sampled flag is the decision.`,
        ),
        message,
      );
      assert.match(
        message,
        sampled ? /cannot be dropped after its start/ : /An unsampled span records nothing/,
      );
      assert.deepEqual(told.diagWarnings, [message]);
    });

  for (const [sampled, priority] of [
    [true, 2],
    [true, 1],
    [false, -1],
    [false, 0],
  ] as const)
    test(`${priority} on ${sampled ? "a sampled" : "an unsampled"} span agrees: sent as given, nothing said`, async () => {
      const told = await recordWarnings(() =>
        setDatadogContext(spanContext(sampled), { samplingPriority: priority }),
      );
      assert.equal(injectedPriority(told.result), String(priority));
      assert.deepEqual(told.processWarnings, []);
    });

  test("fields without a priority, or a context without a span, say nothing", async () => {
    const told = await recordWarnings(() => {
      setDatadogContext(spanContext(true), { origin: "rum" });
      setDatadogContext(ROOT_CONTEXT, { samplingPriority: -1 });
    });
    assert.deepEqual(told.processWarnings, []);
  });
});
