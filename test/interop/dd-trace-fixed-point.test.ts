// Real dd-trace output (dd-trace 5, in process, no agent) keeps its Datadog fields in tracehop: dd-trace
// writes a `dd=` member beside the x-datadog-* headers whenever it writes a traceparent, so its headers
// are never read as "only repeating the traceparent" (docs/conformance.md, "Datadog headers that only
// repeat the traceparent"), whatever its priority, origin, decision maker or trace id width; and
// tracehop forwards dd-trace's carrier unchanged, hop after hop.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type TextMapPropagator,
} from "@opentelemetry/api";
import fc from "fast-check";
import { createPropagator, getDatadogContext, getExtractionAttributes } from "../../src/index.js";
import { runParameters } from "../hardening/arbitraries.js";
import { ddPropagator, ddSpanContext, type DdContextSpec } from "./dd-trace-helpers.js";

const ZERO = "0000000000000000";
const hex16 = fc.stringMatching(/^[0-9a-f]{16}$/);
const nonZeroHex16 = hex16.filter((h) => h !== ZERO);

const spec: fc.Arbitrary<DdContextSpec> = fc.record(
  {
    traceIdHigh: fc.oneof(fc.constant(ZERO), nonZeroHex16),
    traceIdLow: nonZeroHex16,
    spanId: nonZeroHex16,
    priority: fc.integer({ min: -1, max: 2 }),
    origin: fc.constantFrom("synthetics", "rum"),
    decisionMaker: fc.constantFrom("-0", "-1", "-3", "-4"),
  },
  { requiredKeys: ["traceIdHigh", "traceIdLow", "spanId", "priority"] },
);

function hop(propagator: TextMapPropagator, carrier: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  propagator.inject(
    propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
    out,
    defaultTextMapSetter,
  );
  return out;
}

/** The entries of the `dd=` member of `tracestate`, sorted; `[]` without one. */
function ddEntries(tracestate: string | undefined): string[] {
  const member = (tracestate ?? "").split(",").find((m) => m.startsWith("dd="));
  return member === undefined ? [] : member.slice(3).split(";").sort();
}

describe("dd-trace's carrier keeps its Datadog fields", () => {
  test("getDatadogContext gives dd-trace's priority, origin and tags; tracehop writes them back", () => {
    const dd = ddPropagator(["datadog", "tracecontext", "baggage"]);
    const propagator = createPropagator();
    fc.assert(
      fc.property(spec, (s) => {
        const carrier: Record<string, string> = {};
        dd.inject(ddSpanContext(s), carrier);
        assert.match(carrier.tracestate ?? "", /^dd=/, "dd-trace writes a dd= member beside its traceparent");
        const ctx = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
        const tags: Record<string, string> = {};
        if (s.traceIdHigh !== ZERO) tags["_dd.p.tid"] = s.traceIdHigh;
        if (s.decisionMaker !== undefined) tags["_dd.p.dm"] = s.decisionMaker;
        const expected: Record<string, unknown> = { samplingPriority: s.priority, propagationTags: tags };
        if (s.origin !== undefined) expected.origin = s.origin;
        assert.deepEqual(getDatadogContext(ctx), expected);
        // Same parent in both styles: no `_dd.parent_id`.
        assert.deepEqual(getExtractionAttributes(ctx), {});
        // tracehop forwards dd-trace's dd= member: the same entries (in tracehop's order).
        const c1 = hop(propagator, carrier);
        assert.deepEqual(ddEntries(c1.tracestate), ddEntries(carrier.tracestate));
        for (const name of Object.keys(carrier).filter((key) => key.startsWith("x-datadog-")))
          assert.deepEqual(c1[name]?.split(",").sort(), carrier[name]!.split(",").sort(), name);
        // dd-trace reads tracehop's output as its own.
        const back = dd.extract(c1)!;
        assert.equal(back.toTraceId(true), s.traceIdHigh + s.traceIdLow);
        assert.equal(back.toSpanId(true), s.spanId);
        assert.equal(back._sampling.priority, s.priority);
        assert.equal(back._trace.origin, s.origin);
        assert.deepEqual(hop(propagator, c1), c1);
      }),
      runParameters(300),
    );
  });
});
