// capture -> JSON text (as a JSON column stores it) -> restore, for W3C and Datadog carriers.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { context, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  getDatadogContext,
  setDatadogContext,
  withCarrier,
} from "../../src/index.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
after(() => {
  context.disable();
  trace.disable();
});

/** A stored context: a remote span context plus Datadog fields, as an upstream service would have it. */
function storedContext(traceId: string, spanId: string, priority: number) {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: priority > 0 ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
  return setDatadogContext(ctx, {
    samplingPriority: priority,
    origin: "synthetics",
    propagationTags: { "_dd.p.dm": "-4" },
  });
}

const throughJson = (carrier: unknown) => JSON.parse(JSON.stringify(carrier)) as unknown;

const cases = [
  {
    name: "64-bit id above 2^53",
    traceId: "0000000000000000" + (2n ** 53n + 1n).toString(16).padStart(16, "0"),
    spanId: "0020000000000003",
    decimal: "9007199254740993",
  },
  {
    name: "2^64-1",
    traceId: "0000000000000000ffffffffffffffff",
    spanId: "ffffffffffffffff",
    decimal: "18446744073709551615",
  },
  {
    name: "128-bit id",
    traceId: "640cfd8d00000000ab54a98ceb1f0ad2",
    spanId: "891087b8e3b70cb1",
    decimal: BigInt("0xab54a98ceb1f0ad2").toString(10),
  },
];

describe("capture -> JSON text -> restore", () => {
  for (const c of cases) {
    test(`datadog style keeps ${c.name} exact`, () => {
      const propagator = createPropagator(["datadog"]);
      const carrier = captureCarrier({ context: storedContext(c.traceId, c.spanId, 2), propagator });
      assert.equal(carrier["x-datadog-trace-id"], c.decimal);
      assert.equal(carrier["x-datadog-parent-id"], BigInt("0x" + c.spanId).toString(10));
      const restored = contextFromCarrier(throughJson(carrier), { propagator });
      const sc = trace.getSpanContext(restored)!;
      assert.equal(sc.traceId, c.traceId);
      assert.equal(sc.spanId, c.spanId);
      assert.equal(sc.isRemote, true);
      const dd = getDatadogContext(restored)!;
      assert.equal(dd.samplingPriority, 2);
      assert.equal(dd.origin, "synthetics");
      assert.equal(dd.propagationTags["_dd.p.dm"], "-4");
    });

    test(`tracecontext style keeps ${c.name} exact`, () => {
      const propagator = createPropagator(["tracecontext"]);
      const carrier = captureCarrier({ context: storedContext(c.traceId, c.spanId, 1), propagator });
      assert.equal(carrier.traceparent, `00-${c.traceId}-${c.spanId}-01`);
      const sc = trace.getSpanContext(contextFromCarrier(throughJson(carrier), { propagator }))!;
      assert.deepEqual([sc.traceId, sc.spanId, sc.traceFlags], [c.traceId, c.spanId, TraceFlags.SAMPLED]);
    });
  }

  test("the default carrier holds W3C and Datadog headers for the same context, and restores as the parent", () => {
    const c = cases[2]!;
    const carrier = captureCarrier({ context: storedContext(c.traceId, c.spanId, 1) });
    assert.equal(carrier.traceparent, `00-${c.traceId}-${c.spanId}-01`);
    assert.equal(carrier["x-datadog-trace-id"], c.decimal);
    assert.equal(carrier["x-datadog-tags"]?.split(",").includes("_dd.p.tid=640cfd8d00000000"), true);
    exporter.reset();
    const inner = withCarrier(JSON.stringify(carrier), "restored", (span) => span.spanContext());
    const [span] = exporter.getFinishedSpans();
    assert.equal(inner.traceId, c.traceId);
    assert.equal(span!.parentSpanContext?.spanId, c.spanId);
  });

  test("captureCarrier returns {} when there is nothing to propagate", () => {
    assert.deepEqual(captureCarrier({ context: ROOT_CONTEXT }), {});
  });

  test("a malformed carrier restores nothing and withCarrier starts a new root span", () => {
    for (const bad of [
      null,
      42,
      "not json",
      { traceparent: "garbage", "x-datadog-trace-id": "abc" },
      ["x"],
    ]) {
      assert.equal(trace.getSpanContext(contextFromCarrier(bad)), undefined, JSON.stringify(bad));
      exporter.reset();
      withCarrier(bad, "fresh", () => undefined);
      const [span] = exporter.getFinishedSpans();
      assert.equal(span!.parentSpanContext, undefined);
    }
  });
});

describe("W3C random flag (Trace Context Level 2 §3.2.2.5.2)", () => {
  test("a span restored with withCarrier keeps the random flag of its stored parent in the next carrier", () => {
    const stored = { traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-03" };
    const next = withCarrier(stored, "restored", () =>
      captureCarrier({ propagator: createPropagator(["tracecontext"]) }),
    );
    assert.match(next.traceparent!, /^00-640cfd8d00000000ab54a98ceb1f0ad2-[0-9a-f]{16}-03$/);
  });
});

describe("untyped callers", () => {
  test("a null options object is the same as none", () => {
    const carrier = { traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01" };
    const ctx = contextFromCarrier(carrier, null as never);
    assert.equal(trace.getSpanContext(ctx)?.spanId, "891087b8e3b70cb1");
    assert.deepEqual(captureCarrier(null as never), {});
    const inner = trace.setSpanContext(ROOT_CONTEXT, trace.getSpanContext(ctx)!);
    assert.equal(context.with(inner, () => captureCarrier(null as never)).traceparent, carrier.traceparent);
  });
});
