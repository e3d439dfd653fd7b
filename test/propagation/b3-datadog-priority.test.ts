// The B3 styles' Datadog priority (`sampledDatadogPriority`, what the debug flag follows when a B3 style is
// injected alone) is the one the `datadog` style writes as x-datadog-sampling-priority for the same context
// (`resolveInjection`): both go through `priorityOfFlag`, and this property keeps them together for random
// contexts (sampled flag, a Datadog priority kept or not, of any integer, a decision maker or none, fields
// stored, derived from a traceparent, or only a `dd=` member in the tracestate).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { defaultTextMapSetter, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { B3StylePropagator } from "../../src/propagation/B3StylePropagator.js";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { bindDatadogContext, storeDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { resolveInjection, sampledDatadogPriority } from "../../src/propagation/datadog/injection-fields.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

/** A priority: the four dd-trace knows, others carried unchanged, edges of the 10 digits read back. */
const priorityArb = fc.oneof(
  fc.constantFrom(-1, 0, 1, 2),
  fc.integer({ min: -5, max: 12 }),
  fc.constantFrom(9999999999, -9999999999, 10000000000, 1.5, Number.NaN),
);

interface Shape {
  traceFlags: number;
  /** How the Datadog fields are held: none, stored (set or extracted), derived from a traceparent, a `dd=` member only. */
  held: "none" | "stored" | "derived" | "dd member";
  priority: number | undefined;
  decisionMaker: string | undefined;
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  traceFlags: fc.integer({ min: 0, max: 3 }),
  held: fc.constantFrom("none", "stored", "derived", "dd member"),
  priority: fc.option(priorityArb, { nil: undefined }),
  decisionMaker: fc.option(fc.constantFrom("-4", "-0", "-3", "-1"), { nil: undefined }),
});

function contextOf(shape: Shape): Context {
  const tags: Record<string, string> =
    shape.decisionMaker === undefined ? {} : { "_dd.p.dm": shape.decisionMaker };
  const member =
    `s:${shape.priority ?? ""}`.replace(/^s:$/, "o:rum") +
    (shape.decisionMaker === undefined ? "" : `;t.dm:${shape.decisionMaker}`);
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE,
    spanId: SPAN,
    traceFlags: shape.traceFlags,
    isRemote: true,
    traceState: shape.held === "dd member" ? new TraceState(`dd=${member}`) : undefined,
  });
  switch (shape.held) {
    case "stored":
      return bindDatadogContext(ctx, { samplingPriority: shape.priority, propagationTags: tags }, TRACE);
    case "derived":
      return storeDatadogContext(
        ctx,
        { samplingPriority: shape.priority, propagationTags: tags },
        TRACE,
        undefined,
        true,
      );
    default:
      return ctx;
  }
}

const datadogAndB3 = createPropagator(["datadog", "b3multi"]);
const datadogAlone = createPropagator(["datadog"]);
const b3Alone = new B3StylePropagator(false);

test("the B3 path's Datadog priority is the x-datadog-sampling-priority the datadog style writes", () => {
  fc.assert(
    fc.property(shapeArb, (shape) => {
      const ctx = contextOf(shape);
      const spanContext = trace.getSpanContext(ctx)!;
      const resolved = resolveInjection(ctx)!;
      const written: Record<string, string> = {};
      datadogAlone.inject(ctx, written, defaultTextMapSetter);
      const header = written["x-datadog-sampling-priority"];
      assert.equal(header, String(resolved.fields.samplingPriority));
      const sampled = (shape.traceFlags & 1) === 1;
      // sampledDatadogPriority is read for a sampled span context only (debug is a keep decision).
      if (sampled)
        assert.equal(
          sampledDatadogPriority(ctx, spanContext),
          resolved.hasDatadogFields ? Number(header) : undefined,
        );
      // On the wire: x-b3-flags: 1 exactly when the trace has Datadog fields whose written priority is
      // above 1, whether the B3 style is injected alone (sampledDatadogPriority) or beside the datadog
      // style (the composite's one resolution).
      const debug = sampled && resolved.hasDatadogFields && Number(header) > 1 ? "1" : undefined;
      const alone: Record<string, string> = {};
      b3Alone.inject(ctx, alone, defaultTextMapSetter);
      const beside: Record<string, string> = {};
      datadogAndB3.inject(ctx, beside, defaultTextMapSetter);
      assert.equal(alone["x-b3-flags"], debug);
      assert.equal(beside["x-b3-flags"], debug);
      assert.equal(beside["x-datadog-sampling-priority"], header);
    }),
    { numRuns: 500 },
  );
});
