// The `dd=` member's `s:` is read with the rule of `x-datadog-sampling-priority`: an integer of at most
// 10 digits after its sign and leading zeros, else the sampled flag decides (Datadog's rule for an
// unparsable `s:`: system-tests `test_headers_tracestate_dd_propagate_samplingpriority`). dd-trace-js
// reads any integer (`parseInt`); dd-trace-java a Java int (`W3CPTagsCodec.parseIntDecimal`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter } from "@opentelemetry/api";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { getDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { ddPropagator } from "./dd-trace-helpers.js";

const traceparent = "00-640cfd8d00000000000000000000007b-00000000000001c8-01";

test("tracestate s: of at most 10 digits (after sign and leading zeros) is read and written back; 11 digits: the sampled flag decides; dd-trace-js takes both", () => {
  const ours = createPropagator(["tracecontext"]);
  const theirs = ddPropagator(["tracecontext"]);
  const cases: [string, number, string][] = [
    ["9999999999", 9999999999, "9999999999"],
    ["2147483648", 2147483648, "2147483648"],
    ["00000000002", 2, "2"],
    // Not read: the sampled flag's decision, 1, as for any `s:` that is no such integer.
    ["99999999999", 1, "1"],
    ["-99999999999", 1, "1"],
  ];
  for (const [s, read, written] of cases) {
    const headers = { traceparent, tracestate: `dd=s:${s}` };
    const ctx = ours.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    assert.equal(getDatadogContext(ctx)?.samplingPriority, read, s);
    const out: Record<string, string> = {};
    ours.inject(ctx, out, defaultTextMapSetter);
    assert.match(out.tracestate ?? "", new RegExp(`^dd=s:${written};`), s);
    // dd-trace-js: parseInt, taken when it agrees with the flag (sampled: a priority above 0).
    const dd = theirs.extract({ ...headers })!;
    assert.equal(dd._sampling.priority, Number(s) > 0 ? Number(s) : 1, `dd-trace-js ${s}`);
  }
});
