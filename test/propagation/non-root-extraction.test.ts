// Extraction onto a base context other than ROOT_CONTEXT (a consumer extracting while a span is active, or onto a
// context holding an earlier extraction):
// - it builds one Context over the base and copies none of the base's values (the base's setValue and deleteValue
//   are never called): what BENCHMARKS.md's "Forty-seventh pass" measured;
// - the result, and every Context derived from it, keeps @opentelemetry/api's Context contract exactly: a model
//   test runs random sequences of setValue / deleteValue / getValue, trace.setSpan, propagation.setBaggage,
//   context.with (AsyncLocalStorageContextManager) and extractions over bases built by the api, by the context
//   manager and by earlier extractions, against the api's own BaseContext holding the same values;
// - what an extraction leaves on such a base is what the extraction onto ROOT_CONTEXT gives, over the base's
//   other values, with an earlier extraction's values (links, restored root, Datadog fields, B3 flags) removed;
// - repeated extractions and setValue chains keep reads flat (one layer over the base, whatever their number).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  context as contextApi,
  createContextKey,
  defaultTextMapGetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Baggage,
  type Context,
  type Span,
  type SpanContext,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BaggagePropagator,
  createPropagator,
  DatadogPropagator,
  DatadogTraceContextPropagator,
  getDatadogContext,
  TraceContextPropagator,
} from "../../src/index.js";
import { watchDiagWarnings } from "../hardening/checks.js";

// The api's keys: createContextKey is Symbol.for of the description (api context/context.ts).
const SPAN_KEY = createContextKey("OpenTelemetry Context Key SPAN");
const BAGGAGE_KEY = createContextKey("OpenTelemetry Baggage Key");
// tracehop's and propagator-b3's keys of what an extraction leaves besides span and baggage.
const EXTRACTION_RESULT_KEY = createContextKey("tracehop.extraction-result");
const DATADOG_KEY = createContextKey("tracehop.datadog-context");
const B3_DEBUG_KEY = createContextKey("OpenTelemetry Context Key B3 Debug Flag");
const B3_DEFERRED_KEY = createContextKey("tracehop.b3-deferred");
const EARLIER_KEYS = [EXTRACTION_RESULT_KEY, DATADOG_KEY, B3_DEBUG_KEY, B3_DEFERRED_KEY];
const K1 = createContextKey("non-root-extraction k1");
const K2 = createContextKey("non-root-extraction k2");
const K3 = createContextKey("non-root-extraction k3");
const NEVER = createContextKey("non-root-extraction never set");
const PROBE_KEYS = [SPAN_KEY, BAGGAGE_KEY, ...EARLIER_KEYS, K1, K2, K3, NEVER];

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const activeSpan = trace.wrapSpanContext({
  traceId: TRACE,
  spanId: "00f067aa0ba902b7",
  traceFlags: TraceFlags.SAMPLED,
});
const otherSpan = trace.wrapSpanContext({
  traceId: "a".repeat(32),
  spanId: "b".repeat(16),
  traceFlags: TraceFlags.NONE,
});
const bagA = propagation.createBaggage({ tenant: { value: "acme" } });
const bagB = propagation.createBaggage({ user: { value: "x" }, region: { value: "eu" } });
/** An active span's context holding one baggage entry (bench/quick.ts's `…ea` base). */
const active = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, activeSpan), bagA);

const DD_AND_W3C = {
  "x-datadog-trace-id": "12345678901234567890",
  "x-datadog-parent-id": "9876543210987654321",
  "x-datadog-sampling-priority": "2",
  "x-datadog-origin": "synthetics",
  "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000",
  traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
  tracestate: "dd=s:2;o:synthetics;t.dm:-4;t.tid:640cfd8d00000000;p:891087b8e3b70cb1,congo=t61rcWkgMzE",
};
const OTHER_W3C = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };

/** A Context over a real BaseContext that counts the calls of its setValue and deleteValue. */
class CountingContext implements Context {
  copies = 0;
  constructor(private readonly _inner: Context) {}
  getValue(key: symbol): unknown {
    return this._inner.getValue(key);
  }
  setValue(key: symbol, value: unknown): Context {
    this.copies++;
    return this._inner.setValue(key, value);
  }
  deleteValue(key: symbol): Context {
    this.copies++;
    return this._inner.deleteValue(key);
  }
}

/** The propagators whose extraction builds its Context in one step (tracehop's W3C and Datadog styles). */
const ONE_STEP: ReadonlyArray<[string, TextMapPropagator]> = [
  ["datadog,tracecontext", createPropagator(["datadog", "tracecontext"])],
  ["tracecontext,datadog", createPropagator(["tracecontext", "datadog"])],
  ["tracecontext", createPropagator(["tracecontext"])],
  ["datadog", createPropagator(["datadog"])],
  ["createPropagator()", createPropagator(["tracecontext", "baggage", "datadog"])],
  ["TraceContextPropagator", new TraceContextPropagator()],
  ["DatadogTraceContextPropagator", new DatadogTraceContextPropagator()],
];

/** Every tracehop propagator: each style alone and composed, each extract behavior that extracts, each class. */
const EVERY_PROPAGATOR: ReadonlyArray<[string, TextMapPropagator]> = [
  ...ONE_STEP,
  ["b3", createPropagator(["b3"])],
  ["b3multi", createPropagator(["b3multi"])],
  ["b3,baggage", createPropagator(["b3", "baggage"])],
  ["b3,tracecontext,datadog", createPropagator(["b3", "tracecontext", "datadog"])],
  ["datadog,b3multi,tracecontext", createPropagator(["datadog", "b3multi", "tracecontext"])],
  ["extractFirst", createPropagator(["datadog", "tracecontext"], { extractFirst: true })],
  ["restart", createPropagator(["datadog", "tracecontext", "baggage"], { extractBehavior: "restart" })],
  ["b3 restart", createPropagator(["b3", "tracecontext"], { extractBehavior: "restart" })],
  ["DatadogPropagator", new DatadogPropagator()],
  ["DatadogTraceContextPropagator(core)", new DatadogTraceContextPropagator(new W3CTraceContextPropagator())],
  ["BaggagePropagator", new BaggagePropagator()],
];

const B3_TRACE = "80f198ee56343ba864fe8b2a57d3eff7";
/** The carriers of each extraction path. */
const PATHS: Record<string, Record<string, string>> = {
  "one trace": { ...DD_AND_W3C, baggage: "k=v" },
  // Datadog and W3C headers of two traces: the loser becomes a span link.
  "span links": { ...DD_AND_W3C, ...OTHER_W3C, tracestate: "congo=t61rcWkgMzE", baggage: "k=v" },
  // Datadog parent id 0 (Synthetics): a restored root, no parent span.
  "restored root": {
    "x-datadog-trace-id": "12345678901234567890",
    "x-datadog-parent-id": "0",
    "x-datadog-sampling-priority": "1",
    "x-datadog-origin": "synthetics",
    baggage: "k=v",
  },
  "restored root and W3C of another trace": {
    "x-datadog-trace-id": "12345678901234567890",
    "x-datadog-parent-id": "0",
    ...OTHER_W3C,
  },
  "b3 sampled": { b3: `${B3_TRACE}-e457b5a2e4d86bd1-1` },
  "b3 debug": { b3: `${B3_TRACE}-e457b5a2e4d86bd1-d` },
  "b3 defer": { b3: `${B3_TRACE}-e457b5a2e4d86bd1`, baggage: "k=v" },
  "b3multi debug": {
    "x-b3-traceid": B3_TRACE,
    "x-b3-spanid": "e457b5a2e4d86bd1",
    "x-b3-flags": "1",
  },
  "b3multi defer": { "x-b3-traceid": B3_TRACE, "x-b3-spanid": "e457b5a2e4d86bd1" },
  "b3 and W3C of another trace": { b3: `${B3_TRACE}-e457b5a2e4d86bd1-1`, ...OTHER_W3C, baggage: "k=v" },
  "baggage alone": { baggage: "k=v" },
};

/** An earlier extraction's carrier: every style's headers for another trace, B3 debug (its flags kept). */
const EARLIER: Record<string, string> = {
  ...OTHER_W3C,
  "x-datadog-trace-id": "9532127138774266268",
  "x-datadog-parent-id": "13220258934917345585",
  "x-datadog-sampling-priority": "2",
  b3: "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-d",
  "x-b3-traceid": "0af7651916cd43dd8448eb211c80319c",
  "x-b3-spanid": "b7ad6b7169203331",
  "x-b3-flags": "1",
};

/** The bases: an active span's context with baggage and one value, and that context after earlier extractions. */
const activeWithValue = active.setValue(K1, "base value");
const BASES: ReadonlyArray<[string, (propagator: TextMapPropagator) => Context]> = [
  ["active span's context", () => activeWithValue],
  [
    "earlier extraction's context",
    (propagator) => propagator.extract(activeWithValue, EARLIER, defaultTextMapGetter),
  ],
  [
    "earlier restored root's and links' context",
    (propagator) =>
      propagator.extract(
        activeWithValue,
        PATHS["restored root and W3C of another trace"]!,
        defaultTextMapGetter,
      ),
  ],
  [
    "earlier B3 defer's context",
    (propagator) => propagator.extract(activeWithValue, PATHS["b3multi defer"]!, defaultTextMapGetter),
  ],
];

/**
 * A counting base holding K1, and the stack depth at which its getValue runs for a read of K1 through a
 * context over it (`depthOf`).
 */
function probedBase() {
  let depth = 0;
  const inner = active.setValue(K1, "base value");
  const base = new (class extends CountingContext {
    override getValue(key: symbol): unknown {
      if (key === K1) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = Infinity;
        depth = new Error().stack!.split("\n").length;
        Error.stackTraceLimit = limit;
      }
      return inner.getValue(key);
    }
  })(inner);
  const depthOf = (ctx: Context) => {
    depth = 0;
    assert.equal(ctx.getValue(K1), "base value");
    return depth;
  };
  return { base, depthOf };
}

describe("extraction onto a base other than ROOT_CONTEXT", () => {
  test("copies none of the base's values: one Context over it, the base's setValue/deleteValue never called", () => {
    for (const [name, propagator] of ONE_STEP) {
      const earlier = propagator.extract(active, OTHER_W3C, defaultTextMapGetter);
      for (const [label, inner] of [
        ["active span", active],
        ["earlier extraction", earlier],
      ] as const) {
        const base = new CountingContext(inner);
        const result = propagator.extract(base, { ...DD_AND_W3C, baggage: "k=v" }, defaultTextMapGetter);
        assert.equal(base.copies, 0, `${name} onto the ${label}'s context: the base was copied`);
        const sc = trace.getSpanContext(result);
        assert.ok(sc, `${name} (${label}): a span context`);
        assert.equal(sc.spanId, "891087b8e3b70cb1", `${name} (${label})`);
        assert.equal(sc.isRemote, true);
        assert.equal(trace.getSpanContext(base), trace.getSpanContext(inner), "the base is unchanged");
        // The base's baggage stays (the createPropagator() case merges the carrier's into it).
        assert.equal(propagation.getBaggage(result)?.getEntry("tenant")?.value, "acme", `${name} (${label})`);
        if (name !== "TraceContextPropagator")
          assert.equal(getDatadogContext(result)?.samplingPriority, 2, `${name} (${label})`);
      }
    }
  });

  test("every propagator and path (span links, restored root, restart, B3, the standalone DatadogPropagator): the base's setValue/deleteValue never called, the result as onto ROOT_CONTEXT over the base's values", () => {
    const warnings = watchDiagWarnings();
    let extracted = 0;
    // Each extraction that called the base's setValue or deleteValue, with the number of calls.
    const copied: string[] = [];
    try {
      for (const [name, propagator] of EVERY_PROPAGATOR)
        for (const [path, carrier] of Object.entries(PATHS)) {
          const onRoot = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
          for (const [label, make] of BASES) {
            const inner = make(propagator);
            const base = new CountingContext(inner);
            const result = propagator.extract(base, carrier, defaultTextMapGetter);
            const what = `${name}, ${path}, onto the ${label}`;
            if (base.copies !== 0) copied.push(`${what}: ${base.copies}`);
            if (onRoot === ROOT_CONTEXT) {
              assert.equal(result, base, `${what}: nothing extracted gives the base itself`);
              continue;
            }
            extracted++;
            assert.notEqual(result, base, what);
            // What the extraction sets reads as onto ROOT_CONTEXT; the base's own value reads through. A carrier
            // of baggage alone sets the baggage alone.
            const traced = [SPAN_KEY, ...EARLIER_KEYS].some((key) => onRoot.getValue(key) !== undefined);
            assert.equal(
              propagation.getBaggage(result)?.getEntry("k")?.value,
              propagation.getBaggage(onRoot)?.getEntry("k")?.value,
              `${what}: baggage`,
            );
            // The base's baggage stays, the carrier's added to it; the baggage class alone replaces it, as core's
            // W3CBaggagePropagator does.
            assert.equal(
              propagation.getBaggage(result)?.getEntry("tenant")?.value,
              name === "BaggagePropagator" && carrier.baggage !== undefined ? undefined : "acme",
              `${what}: baggage`,
            );
            if (!traced) {
              assert.equal(trace.getSpan(result), trace.getSpan(inner), what);
              continue;
            }
            for (const key of [SPAN_KEY, EXTRACTION_RESULT_KEY])
              assert.deepEqual(
                normalized(key, result.getValue(key)),
                normalized(key, onRoot.getValue(key)),
                `${what}: ${key.description}`,
              );
            if (name !== "TraceContextPropagator")
              assert.deepEqual(
                result.getValue(DATADOG_KEY),
                onRoot.getValue(DATADOG_KEY),
                `${what}: Datadog`,
              );
            assert.equal(result.getValue(K1), "base value", what);
          }
        }
    } finally {
      warnings.stop();
    }
    assert.deepEqual(copied, [], "the base was copied");
    assert.deepEqual(warnings.messages, [], "no extraction failed");
    assert.ok(extracted > 300, `extractions exercised (${extracted})`);
  });

  test("reads stay flat for every propagator: extractions of every path, each onto the last result, read the base through one layer", () => {
    for (const [name, propagator] of EVERY_PROPAGATOR) {
      const { base, depthOf } = probedBase();
      const carriers = Object.values(PATHS);
      let ctx: Context = base;
      let one: number | undefined;
      for (let i = 0; i < 20 * carriers.length; i++) {
        ctx = propagator.extract(ctx, carriers[i % carriers.length]!, defaultTextMapGetter);
        if (ctx === base) continue;
        one ??= depthOf(ctx);
        assert.equal(depthOf(ctx), one, `${name}: extraction ${i}`);
        if (i % 3 === 0) ctx = ctx.setValue(K2, i);
      }
      assert.ok(one !== undefined && one > depthOf(base), `${name}: a layer over the base`);
      assert.equal(base.copies, 0, name);
    }
  });

  test("reads stay flat: after 1 000 extractions, each onto the last result, and 1 000 setValue calls, a read of the base goes through one layer", () => {
    const { base, depthOf } = probedBase();
    const propagator = createPropagator(["datadog", "tracecontext"]);
    let ctx = propagator.extract(base, DD_AND_W3C, defaultTextMapGetter);
    const one = depthOf(ctx);
    assert.ok(one > depthOf(base), "the extraction is a layer over the base");
    for (let i = 0; i < 1_000; i++) ctx = propagator.extract(ctx, DD_AND_W3C, defaultTextMapGetter);
    assert.equal(depthOf(ctx), one, "1 000 extractions");
    for (let i = 0; i < 1_000; i++) ctx = ctx.setValue(K2, i);
    assert.equal(depthOf(ctx), one, "1 000 setValue calls");
    for (let i = 0; i < 1_000; i++)
      ctx = propagator.extract(ctx.deleteValue(K3), OTHER_W3C, defaultTextMapGetter);
    assert.equal(depthOf(ctx), one, "1 000 deleteValue calls and extractions");
    assert.equal(ctx.getValue(K2), 999);
    assert.equal(ctx.getValue(NEVER), undefined);
    assert.equal(trace.getSpanContext(ctx)?.spanId, "b7ad6b7169203331");
    assert.equal(base.copies, 0);
  });
});

// ---------------------------------------------------------------------------------------------------
// The Context contract, against the api's BaseContext
// ---------------------------------------------------------------------------------------------------

/** The propagators of the model test (tracehop's styles and classes, and core's W3C propagator). */
const PROPAGATORS: ReadonlyArray<[string, TextMapPropagator]> = [
  ...ONE_STEP,
  ["b3", createPropagator(["b3"])],
  ["b3multi", createPropagator(["b3multi"])],
  ["b3,tracecontext,datadog", createPropagator(["b3", "tracecontext", "datadog"])],
  ["extractFirst", createPropagator(["datadog", "tracecontext"], { extractFirst: true })],
  ["restart", createPropagator(["datadog", "tracecontext", "baggage"], { extractBehavior: "restart" })],
  ["b3 restart", createPropagator(["b3", "tracecontext"], { extractBehavior: "restart" })],
  ["b3,baggage", createPropagator(["b3", "baggage"])],
  ["DatadogPropagator", new DatadogPropagator()],
  ["DatadogTraceContextPropagator(core)", new DatadogTraceContextPropagator(new W3CTraceContextPropagator())],
  ["BaggagePropagator", new BaggagePropagator()],
  ["core W3CTraceContextPropagator", new W3CTraceContextPropagator()],
];

const hex = (n: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n });

/**
 * Carriers of W3C baggage or none (no legacy `ot-baggage-*` fields): Datadog and
 * W3C of one trace or of two (span links), Datadog parent id 0 (restored root), `dd=` members, B3 single
 * with the debug flag or a Defer, B3 multi, nothing, and broken ids.
 */
const carrierArb: fc.Arbitrary<Record<string, string>> = fc
  .record({
    low: hex(16),
    high: fc.oneof(fc.constant("0000000000000000"), hex(16)),
    other: fc.boolean(),
    spanId: hex(16),
    ddParent: fc.constantFrom("0", "1", "9876543210987654321", "x"),
    priority: fc.constantFrom("-1", "0", "1", "2"),
    ddMember: fc.boolean(),
    present: fc.record({ dd: fc.boolean(), w3c: fc.boolean() }),
    b3: fc.constantFrom("none", "single", "debug", "defer", "multi"),
    baggage: fc.option(fc.constantFrom("k=v", "tenant=other,z=1")),
  })
  .map((g) => {
    const carrier: Record<string, string> = {};
    const traceId = g.high + g.low;
    if (g.present.dd) {
      carrier["x-datadog-trace-id"] = BigInt(`0x${g.low}`).toString();
      carrier["x-datadog-parent-id"] = g.ddParent;
      carrier["x-datadog-sampling-priority"] = g.priority;
      carrier["x-datadog-tags"] = `_dd.p.tid=${g.high}`;
    }
    if (g.present.w3c) {
      carrier.traceparent = `00-${g.other ? "f".repeat(16) + g.low : traceId}-${g.spanId}-01`;
      if (g.ddMember) carrier.tracestate = `dd=s:${g.priority};p:${g.spanId},acme=1`;
    }
    if (g.b3 === "single") carrier.b3 = `${traceId}-${g.spanId}-1`;
    if (g.b3 === "debug") carrier.b3 = `${traceId}-${g.spanId}-d`;
    if (g.b3 === "defer") carrier.b3 = `${traceId}-${g.spanId}`;
    if (g.b3 === "multi") {
      carrier["x-b3-traceid"] = traceId;
      carrier["x-b3-spanid"] = g.spanId;
      carrier["x-b3-flags"] = "1";
    }
    if (g.baggage !== null) carrier.baggage = g.baggage;
    return carrier;
  });

/** A value any key may hold (objects compared by identity). */
const VALUES: readonly unknown[] = ["one", { two: 2 }, 0, null, false, ""];
/** What an earlier-extraction key may be set to by hand (objects only: the readers expect records). */
const RECORDS: readonly unknown[] = [{ fake: 1 }, { samplingPriority: 1, propagationTags: {} }];
const PLAIN_KEYS = [K1, K2, K3, NEVER];

type Step =
  | { kind: "set"; key: number; value: number }
  | { kind: "setRecord"; key: number; value: number }
  | { kind: "setUndefined"; key: number }
  | { kind: "delete"; key: number }
  | { kind: "setSpan"; other: boolean }
  | { kind: "deleteSpan" }
  | { kind: "setBaggage"; other: boolean }
  | { kind: "deleteBaggage" }
  | { kind: "with" }
  | { kind: "extract"; propagator: number; carrier: Record<string, string> };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    key: fc.nat(PLAIN_KEYS.length - 1),
    value: fc.nat(VALUES.length - 1),
  }),
  fc.record({
    kind: fc.constant("setRecord" as const),
    key: fc.nat(EARLIER_KEYS.length - 1),
    value: fc.nat(RECORDS.length - 1),
  }),
  fc.record({ kind: fc.constant("setUndefined" as const), key: fc.nat(PROBE_KEYS.length - 1) }),
  fc.record({ kind: fc.constant("delete" as const), key: fc.nat(PROBE_KEYS.length - 1) }),
  fc.record({ kind: fc.constant("setSpan" as const), other: fc.boolean() }),
  fc.constant({ kind: "deleteSpan" as const }),
  fc.record({ kind: fc.constant("setBaggage" as const), other: fc.boolean() }),
  fc.constant({ kind: "deleteBaggage" as const }),
  fc.constant({ kind: "with" as const }),
  {
    arbitrary: fc.record({
      kind: fc.constant("extract" as const),
      propagator: fc.nat(PROPAGATORS.length - 1),
      carrier: carrierArb,
    }),
    weight: 4,
  },
);

/** Where a sequence starts: ROOT_CONTEXT, the active span's context, or an api context with values. */
const startArb = fc.constantFrom("root", "active", "values");

function spanContextView(sc: SpanContext | undefined) {
  if (sc === undefined) return undefined;
  const { traceState, ...rest } = sc;
  return { ...rest, traceState: traceState?.serialize() };
}

/** A value as the extraction tests compare it: spans by span context, baggage by entries, records by fields. */
function normalized(key: symbol, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (key === SPAN_KEY) return { span: spanContextView((value as Span).spanContext()) };
  if (key === BAGGAGE_KEY)
    return { baggage: (value as Baggage).getAllEntries().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
  if (key === EXTRACTION_RESULT_KEY) {
    const { context: _context, anchor, links, ...rest } = value as Record<string, unknown>;
    return {
      ...rest,
      anchor: spanContextView(anchor as SpanContext | undefined),
      links: (links as Array<{ context: SpanContext }> | undefined)?.map((l) => ({
        ...l,
        context: spanContextView(l.context),
      })),
    };
  }
  return value;
}

/** The base's baggage with the carrier's entries set over it (W3C Baggage: an extraction adds to the baggage). */
function mergedBaggage(base: unknown, extracted: unknown): unknown {
  if (base === undefined || extracted === undefined) return extracted ?? base;
  let merged = base as Baggage;
  for (const [key, entry] of (extracted as Baggage).getAllEntries()) merged = merged.setEntry(key, entry);
  return merged;
}

/** The api's own Context (a BaseContext from ROOT_CONTEXT) holding `values`. */
function apiContextOf(values: ReadonlyMap<symbol, unknown>): Context {
  let ctx = ROOT_CONTEXT;
  for (const [key, value] of values) ctx = ctx.setValue(key, value);
  return ctx;
}

const valuesOf = (ctx: Context) => new Map(PROBE_KEYS.map((key) => [key, ctx.getValue(key)] as const));

describe("the Context contract holds for every context an extraction returns and every context derived from it", () => {
  const manager = new AsyncLocalStorageContextManager();
  before(() => {
    assert.ok(contextApi.setGlobalContextManager(manager.enable()), "context manager registered");
  });
  after(() => {
    contextApi.disable();
  });

  test("random setValue/deleteValue/getValue, setSpan, setBaggage, context.with and extractions: as the api's BaseContext", () => {
    const warnings = watchDiagWarnings();
    let extractions = 0;
    let nonRootExtractions = 0;
    try {
      fc.assert(
        fc.property(startArb, fc.array(stepArb, { minLength: 1, maxLength: 14 }), (start, steps) => {
          let real: Context =
            start === "root"
              ? ROOT_CONTEXT
              : start === "active"
                ? active
                : ROOT_CONTEXT.setValue(K1, "base").setValue(DATADOG_KEY, RECORDS[1]).setValue(K2, undefined);
          // The api's BaseContext answering as `real` must (rebuilt after each extraction from what was checked).
          let ref: Context = apiContextOf(valuesOf(real));
          const history: Array<[Context, Map<symbol, unknown>]> = [[real, valuesOf(real)]];
          for (const step of steps) {
            let next: Context;
            let nextRef: Context;
            switch (step.kind) {
              case "set":
                next = real.setValue(PLAIN_KEYS[step.key]!, VALUES[step.value]);
                nextRef = ref.setValue(PLAIN_KEYS[step.key]!, VALUES[step.value]);
                break;
              case "setRecord":
                next = real.setValue(EARLIER_KEYS[step.key]!, RECORDS[step.value]);
                nextRef = ref.setValue(EARLIER_KEYS[step.key]!, RECORDS[step.value]);
                break;
              case "setUndefined":
                next = real.setValue(PROBE_KEYS[step.key]!, undefined);
                nextRef = ref.setValue(PROBE_KEYS[step.key]!, undefined);
                break;
              case "delete":
                next = real.deleteValue(PROBE_KEYS[step.key]!);
                nextRef = ref.deleteValue(PROBE_KEYS[step.key]!);
                break;
              case "setSpan":
                next = trace.setSpan(real, step.other ? otherSpan : activeSpan);
                nextRef = trace.setSpan(ref, step.other ? otherSpan : activeSpan);
                break;
              case "deleteSpan":
                next = trace.deleteSpan(real);
                nextRef = trace.deleteSpan(ref);
                break;
              case "setBaggage":
                next = propagation.setBaggage(real, step.other ? bagB : bagA);
                nextRef = propagation.setBaggage(ref, step.other ? bagB : bagA);
                break;
              case "deleteBaggage":
                next = propagation.deleteBaggage(real);
                nextRef = propagation.deleteBaggage(ref);
                break;
              case "with": {
                // The context manager hands back the very context it was given, and one set inside it.
                const current = real;
                next = contextApi.with(current, () => {
                  assert.equal(contextApi.active(), current);
                  return contextApi.with(contextApi.active().setValue(K3, "inside"), () =>
                    contextApi.active(),
                  );
                });
                nextRef = ref.setValue(K3, "inside");
                break;
              }
              case "extract": {
                const [name, propagator] = PROPAGATORS[step.propagator]!;
                const onRoot = propagator.extract(ROOT_CONTEXT, step.carrier, defaultTextMapGetter);
                next = propagator.extract(real, step.carrier, defaultTextMapGetter);
                extractions++;
                if (real !== ROOT_CONTEXT) nonRootExtractions++;
                // W3C-only classes (tracehop's bare TraceContextPropagator, core's) set the span alone, as core
                // does: an earlier extraction's other values stay.
                const clears = name !== "TraceContextPropagator" && name !== "core W3CTraceContextPropagator";
                const label = `${name} onto ${fc.stringify(valuesOf(real))}: ${fc.stringify(step.carrier)}`;
                if (onRoot === ROOT_CONTEXT) {
                  // Nothing extracted: the base itself.
                  assert.equal(next, real, label);
                  nextRef = ref;
                } else {
                  // The extraction's own values over the base's, without an earlier extraction's values (a
                  // carrier of baggage alone leaves all but the baggage as they are).
                  const traced = [SPAN_KEY, ...EARLIER_KEYS].some(
                    (key) => onRoot.getValue(key) !== undefined,
                  );
                  for (const key of PROBE_KEYS) {
                    const expected =
                      traced && (key === SPAN_KEY || (clears && EARLIER_KEYS.includes(key)))
                        ? onRoot.getValue(key)
                        : key === BAGGAGE_KEY
                          ? name === "BaggagePropagator"
                            ? (onRoot.getValue(key) ?? ref.getValue(key))
                            : mergedBaggage(ref.getValue(key), onRoot.getValue(key))
                          : ref.getValue(key);
                    assert.deepEqual(
                      normalized(key, next.getValue(key)),
                      normalized(key, expected),
                      `${label}: ${key.description}`,
                    );
                  }
                  nextRef = apiContextOf(valuesOf(next));
                }
                break;
              }
            }
            // Immutable: the receiver answers as before.
            for (const key of PROBE_KEYS)
              assert.equal(real.getValue(key), ref.getValue(key), `${step.kind} changed its receiver`);
            real = next;
            ref = nextRef;
            for (const key of PROBE_KEYS)
              assert.equal(
                real.getValue(key),
                ref.getValue(key),
                `after ${fc.stringify(step)}: ${key.description}`,
              );
            history.push([real, valuesOf(ref)]);
          }
          // Every context of the sequence still answers as it did when it was made.
          for (const [ctx, values] of history)
            for (const [key, value] of values)
              assert.equal(ctx.getValue(key), value, "a context changed later");
        }),
        { numRuns: 400 },
      );
    } finally {
      warnings.stop();
    }
    assert.deepEqual(warnings.messages, [], "no extraction failed");
    assert.ok(
      nonRootExtractions > 400,
      `extractions onto other bases exercised (${nonRootExtractions}/${extractions})`,
    );
  });
});
