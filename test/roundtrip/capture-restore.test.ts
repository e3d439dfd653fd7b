// capture -> JSON text (as a JSON column stores it) -> restore, for W3C and Datadog carriers.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { context, ROOT_CONTEXT, trace, TraceFlags, type TextMapPropagator } from "@opentelemetry/api";
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
import { injectAmqpHeaders, injectKafkaHeaders } from "../../src/messaging/index.js";

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

  test("captureCarrier and the message writers keep only header text of a third-party propagator: name 0x21-0x7E, value printable ASCII; one warning per field", async () => {
    const ctx = storedContext(cases[2]!.traceId, cases[2]!.spanId, 1);
    const propagator: TextMapPropagator = {
      inject(c, carrier, setter) {
        const sc = trace.getSpanContext(c)!;
        setter.set(carrier, "traceparent", `00-${sc.traceId}-${sc.spanId}-01`);
        setter.set(carrier, "x-kept", " !~ ");
        setter.set(carrier, "x-custom", "\u0000");
        setter.set(carrier, "x-lone", "a\ud800b");
        setter.set(carrier, "x-del", "\u007f");
        setter.set(carrier, "x-split", "a\r\nb");
        setter.set(carrier, "x-accent", "é");
        setter.set(carrier, "x-tab\tname", "1");
        setter.set(carrier, "", "1");
        (carrier as Record<string, unknown>)["x-object"] = { a: 1 };
      },
      extract: (c) => c,
      fields: () => [],
    };
    const expected = { traceparent: `00-${cases[2]!.traceId}-${cases[2]!.spanId}-01`, "x-kept": " !~ " };
    const warned: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT") warned.push(warning.message);
    };
    process.on("warning", onWarning);
    try {
      assert.deepEqual(captureCarrier({ context: ctx, propagator }), expected);
      assert.deepEqual(injectKafkaHeaders({ app: "1" }, { context: ctx, propagator }), {
        app: "1",
        ...expected,
      });
      assert.deepEqual(injectAmqpHeaders(undefined, { context: ctx, propagator }), expected);
      // Every drop of each field goes; the warning is given once per field name.
      assert.deepEqual(captureCarrier({ context: ctx, propagator }), expected);
    } finally {
      await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on next tick
      process.off("warning", onWarning);
    }
    assert.equal(warned.length, 8);
    assert.match(warned[0]!, /carrier field "x-custom", which is not header text/);
    assert.ok(warned.some((message) => message.includes('"x-tab\\tname"')));
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
