// One rule for a SpanContext whose `traceFlags` is not a number 0-3 (src/propagation/trace-flags.ts):
// every inject style writes the sampled flag the OpenTelemetry SDK's ParentBasedSampler reads from it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { AlwaysOnSampler, ParentBasedSampler, SamplingDecision } from "@opentelemetry/sdk-trace-base";
import {
  captureCarrier,
  createPropagator,
  DatadogPropagator,
  DatadogTraceContextPropagator,
  setDatadogContext,
  TraceContextPropagator,
} from "../../src/index.js";
import { B3StylePropagator } from "../../src/propagation/B3StylePropagator.js";
import { withKnownFlags } from "../../src/propagation/trace-flags.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

/** An odd `traceFlags` an untyped caller can set, and the traceparent flags byte every style follows. */
const CASES: { name: string; traceFlags: unknown; flags: "00" | "01" | "02" | "03" }[] = [
  { name: '"1"', traceFlags: "1", flags: "01" },
  { name: '"01"', traceFlags: "01", flags: "01" },
  { name: '"3"', traceFlags: "3", flags: "03" },
  { name: '"0x1"', traceFlags: "0x1", flags: "01" },
  { name: '"abc"', traceFlags: "abc", flags: "00" },
  { name: '""', traceFlags: "", flags: "00" },
  { name: "true", traceFlags: true, flags: "01" },
  { name: "false", traceFlags: false, flags: "00" },
  { name: "1.5", traceFlags: 1.5, flags: "01" },
  { name: "NaN", traceFlags: Number.NaN, flags: "00" },
  { name: "Infinity", traceFlags: Number.POSITIVE_INFINITY, flags: "00" },
  { name: "undefined", traceFlags: undefined, flags: "00" },
  { name: "null", traceFlags: null, flags: "00" },
  { name: "256", traceFlags: 256, flags: "00" },
  { name: "257", traceFlags: 257, flags: "01" },
  { name: "2 ** 32 + 1", traceFlags: 2 ** 32 + 1, flags: "01" },
  { name: "0x81", traceFlags: 0x81, flags: "01" },
  { name: "-1", traceFlags: -1, flags: "03" },
  // Not converted: the SDK would run the object's valueOf (application code) or throw (bigint, symbol).
  { name: "{}", traceFlags: {}, flags: "00" },
  { name: "{ valueOf: () => 1 }", traceFlags: { valueOf: () => 1 }, flags: "00" },
  { name: "[1]", traceFlags: [1], flags: "00" },
  { name: "1n", traceFlags: 1n, flags: "00" },
  { name: 'Symbol("1")', traceFlags: Symbol("1"), flags: "00" },
];

function contextWithFlags(traceFlags: unknown): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE,
    spanId: SPAN,
    traceFlags: traceFlags as number,
    isRemote: false,
  });
}

function injected(propagator: TextMapPropagator, ctx: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

/** Every way tracehop writes a carrier, each style alone and together. */
const INJECTORS: [string, (ctx: Context) => Record<string, string>][] = [
  ...(["tracecontext", "datadog", "b3", "b3multi"] as const).map(
    (style): [string, (ctx: Context) => Record<string, string>] => {
      const propagator = createPropagator([style]);
      return [`createPropagator(["${style}"])`, (ctx) => injected(propagator, ctx)];
    },
  ),
  ["createPropagator()", (ctx) => injected(createPropagator(), ctx)],
  [
    "createPropagator(all four)",
    (ctx) => injected(createPropagator(["datadog", "tracecontext", "b3", "b3multi"]), ctx),
  ],
  ["captureCarrier", (ctx) => captureCarrier({ context: ctx })],
  ["TraceContextPropagator", (ctx) => injected(new TraceContextPropagator(), ctx)],
  ["DatadogPropagator", (ctx) => injected(new DatadogPropagator(), ctx)],
  ["DatadogTraceContextPropagator", (ctx) => injected(new DatadogTraceContextPropagator(), ctx)],
  [
    "DatadogTraceContextPropagator(core's W3CTraceContextPropagator)",
    (ctx) => injected(new DatadogTraceContextPropagator(new W3CTraceContextPropagator()), ctx),
  ],
  ["B3StylePropagator(single)", (ctx) => injected(new B3StylePropagator(true), ctx)],
  ["B3StylePropagator(multi)", (ctx) => injected(new B3StylePropagator(false), ctx)],
];

/**
 * Checks each header of `carrier` that carries a sampling decision against `flags` (the traceparent
 * flags byte) and `priority` (what `x-datadog-sampling-priority` and `dd=` `s:` must say).
 */
function assertSampling(
  carrier: Record<string, string>,
  flags: string,
  priority: string,
  what: string,
): void {
  const sampled = flags === "01" || flags === "03" ? "1" : "0";
  if (carrier.traceparent !== undefined)
    assert.equal(carrier.traceparent, `00-${TRACE}-${SPAN}-${flags}`, `${what}: traceparent`);
  if (carrier["x-datadog-sampling-priority"] !== undefined)
    assert.equal(carrier["x-datadog-sampling-priority"], priority, `${what}: x-datadog-sampling-priority`);
  if (carrier.tracestate !== undefined)
    assert.match(carrier.tracestate, new RegExp(`^dd=s:${priority};`), `${what}: dd= s:`);
  if (carrier.b3 !== undefined) assert.equal(carrier.b3, `${TRACE}-${SPAN}-${sampled}`, `${what}: b3`);
  if (carrier["x-b3-traceid"] !== undefined) {
    // A priority above 1 is x-b3-flags: 1 (dd-trace-js), which implies sampled: no x-b3-sampled then.
    const debug = Number(priority) > 1;
    assert.equal(carrier["x-b3-flags"], debug ? "1" : undefined, `${what}: x-b3-flags`);
    assert.equal(carrier["x-b3-sampled"], debug ? undefined : sampled, `${what}: x-b3-sampled`);
  }
}

describe("a traceFlags that is not a number 0-3: every style writes one sampling decision", () => {
  for (const { name, traceFlags, flags } of CASES) {
    test(`traceFlags ${name}: flags ${flags} in every header of every style`, () => {
      const sampled = flags === "01" || flags === "03";
      const plain = contextWithFlags(traceFlags);
      // With Datadog fields (no priority: the flag decides; priority 2: kept when sampled, else 0),
      // so that the tracecontext style writes its dd= member too.
      const noPriority = setDatadogContext(plain, { propagationTags: {} });
      const userKeep = setDatadogContext(plain, { samplingPriority: 2, propagationTags: {} });
      for (const [injector, inject] of INJECTORS) {
        const carrier = inject(plain);
        assert.notDeepEqual(carrier, {}, `${injector}: nothing written`);
        assertSampling(carrier, flags, sampled ? "1" : "0", `${injector}, no Datadog fields`);
        assertSampling(inject(noPriority), flags, sampled ? "1" : "0", `${injector}, no priority`);
        assertSampling(inject(userKeep), flags, sampled ? "2" : "0", `${injector}, priority 2`);
      }
      // All styles together: each header present, so each was compared above.
      const all = INJECTORS[5]![1](noPriority);
      assert.deepEqual(Object.keys(all).sort(), [
        "b3",
        "traceparent",
        "tracestate",
        "x-b3-sampled",
        "x-b3-spanid",
        "x-b3-traceid",
        "x-datadog-parent-id",
        "x-datadog-sampling-priority",
        "x-datadog-tags",
        "x-datadog-trace-id",
      ]);
    });
  }

  test("the carrier says what the SDK's ParentBasedSampler decides for the same context", () => {
    const sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() });
    for (const { name, traceFlags, flags } of CASES) {
      // A bigint or a symbol makes the SDK's `&` throw; an object's valueOf is not run by tracehop.
      if (
        typeof traceFlags === "bigint" ||
        typeof traceFlags === "symbol" ||
        (typeof traceFlags === "object" && traceFlags !== null)
      )
        continue;
      const ctx = contextWithFlags(traceFlags);
      const decision = sampler.shouldSample(ctx, TRACE, "child", SpanKind.INTERNAL, {}, []).decision;
      assert.equal(
        decision === SamplingDecision.RECORD_AND_SAMPLED,
        flags === "01" || flags === "03",
        `traceFlags ${name}`,
      );
    }
  });
});

describe("withKnownFlags: the context a wrapped propagator injects from", () => {
  test("the same context when the flags are known and nothing changes; else a copy with the known flags and the changes", () => {
    const known = contextWithFlags(3);
    assert.equal(withKnownFlags(known, trace.getSpanContext(known)!), known);

    for (const { name, traceFlags, flags } of CASES) {
      const ctx = contextWithFlags(traceFlags);
      const spanContext = trace.getSpanContext(ctx)!;
      const given = withKnownFlags(ctx, spanContext);
      const expected = Number.parseInt(flags, 16);
      if (traceFlags === expected) assert.equal(given, ctx, name);
      else assert.deepEqual(trace.getSpanContext(given), { ...spanContext, traceFlags: expected }, name);
    }

    const changed = withKnownFlags(known, trace.getSpanContext(known)!, { spanId: "00f067aa0ba902b7" });
    assert.notEqual(changed, known);
    assert.deepEqual(trace.getSpanContext(changed), {
      traceId: TRACE,
      spanId: "00f067aa0ba902b7",
      traceFlags: 3,
      isRemote: false,
    });
    // The flags are the known ones even when `changes` names other flags.
    const masked = withKnownFlags(known, trace.getSpanContext(contextWithFlags(0x81))!, { traceFlags: 0x81 });
    assert.equal(trace.getSpanContext(masked)!.traceFlags, 1);
  });
});
