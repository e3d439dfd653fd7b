// The work of trimming a stored carrier is bounded (captureStoredCarrier rule 2, docs/prisma.md "Safe at
// rest"): per-entry baggage headers (Jaeger's uberctx-<key>) go first with the baggage, a header that
// restores only baggage counts as baggage, and one trim extracts at most MAX_TRIM_EXTRACTIONS carriers
// whatever the number of headers. The bound is proved by counting the extract calls of the real
// propagators (no timing).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { CompositePropagator, TraceState } from "@opentelemetry/core";
import { JaegerPropagator } from "@opentelemetry/propagator-jaeger";
import {
  contextFromCarrier,
  createPropagator,
  setDatadogContext,
  type TraceCarrier,
} from "../../src/index.js";
import {
  captureStoredCarrier,
  MAX_STORED_CARRIER_BYTES,
  MAX_TRIM_EXTRACTIONS,
  storedCarrierBytes,
} from "../../src/prisma/carrier-capture.js";

/** The real `propagator`, counting its extract calls. */
function counting(propagator: TextMapPropagator): { propagator: TextMapPropagator; extracts: number } {
  const counter = {
    extracts: 0,
    propagator: {
      inject: (ctx, carrier, setter) => propagator.inject(ctx, carrier, setter),
      extract: (ctx, carrier, getter) => {
        counter.extracts++;
        return propagator.extract(ctx, carrier, getter);
      },
      fields: () => propagator.fields(),
    } satisfies TextMapPropagator,
  };
  return counter;
}

/** A sampled span with a foreign tracestate member and Datadog fields, as an HTTP edge restores one. */
function spanContext(): Context {
  const span = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "640cfd8d00000000ab54a98ceb1f0ad2",
    spanId: "891087b8e3b70cb1",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
    traceState: new TraceState("rojo=00f067aa0ba902b7"),
  });
  return setDatadogContext(span, {
    samplingPriority: 2,
    origin: "rum",
    propagationTags: { "_dd.p.dm": "-4" },
  });
}

/** `ctx` with `entries` baggage entries of 40 bytes each (`key000=` and 33 characters). */
function withBaggage(ctx: Context, entries: number): Context {
  let baggage = propagation.createBaggage();
  for (let i = 0; i < entries; i++)
    baggage = baggage.setEntry(`key${String(i).padStart(3, "0")}`, { value: "v".repeat(33) });
  return propagation.setBaggage(ctx, baggage);
}

/** Trace id, parent span id and sampled flag `carrier` restores with `propagator`. */
function identity(carrier: TraceCarrier | undefined, propagator: TextMapPropagator): string | undefined {
  const sc = trace.getSpanContext(contextFromCarrier(carrier, { propagator }));
  return sc && `${sc.traceId}-${sc.spanId}-${sc.traceFlags & TraceFlags.SAMPLED}`;
}

const IDENTITY = "640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-1";

/** Captures `ctx` under `maxBytes` with baggage "all" through a counting `make()`. */
function capture(make: () => TextMapPropagator, ctx: Context, maxBytes = MAX_STORED_CARRIER_BYTES) {
  const counter = counting(make());
  const full = captureStoredCarrier(undefined, Number.MAX_SAFE_INTEGER, {
    context: ctx,
    propagator: counter.propagator,
  })!;
  counter.extracts = 0;
  const kept = captureStoredCarrier(undefined, maxBytes, { context: ctx, propagator: counter.propagator });
  return { full, kept, extracts: counter.extracts };
}

/** The headers of the default styles and Jaeger's but baggage and tracestate. */
const TRACE_HEADERS = [
  "traceparent",
  "uber-trace-id",
  "x-datadog-origin",
  "x-datadog-parent-id",
  "x-datadog-sampling-priority",
  "x-datadog-tags",
  "x-datadog-trace-id",
];

const defaultAndJaeger = () =>
  new CompositePropagator({ propagators: [createPropagator(), new JaegerPropagator()] });

describe("trimming a stored carrier does bounded work", () => {
  test("Jaeger's uberctx-* headers are baggage: dropped first, the trace headers kept, the same work for any count", () => {
    // The default styles and @opentelemetry/propagator-jaeger: one uberctx-<key> header per entry. 180
    // entries of 40 bytes made a 12 490-byte carrier; trimming kept 12 of its headers, uberctx-* among
    // them, after 4 685 extractions of carriers of up to 180 headers.
    const counts: number[] = [];
    for (const entries of [180, 1000]) {
      const { full, kept, extracts } = capture(defaultAndJaeger, withBaggage(spanContext(), entries));
      assert.ok(storedCarrierBytes(full) > MAX_STORED_CARRIER_BYTES, `${entries} entries`);
      assert.equal(Object.keys(full).filter((key) => key.startsWith("uberctx-")).length, entries);
      // Every header but the baggage ones and the tracestate, which this propagator never restores:
      // Jaeger, extracted last, sets its span context (no tracestate) over the traceparent's.
      assert.deepEqual(Object.keys(kept!).sort(), TRACE_HEADERS, `${entries} entries`);
      for (const key of TRACE_HEADERS) assert.equal(kept![key], full[key], key);
      for (const reader of [defaultAndJaeger(), new JaegerPropagator(), createPropagator(["datadog"])])
        assert.equal(identity(kept, reader), IDENTITY);
      counts.push(extracts);
    }
    assert.equal(counts[0], counts[1], `extractions by entries: ${counts.join(", ")}`);
    assert.ok(counts[0]! <= MAX_TRIM_EXTRACTIONS, `${counts[0]} extractions`);
  });

  test("Jaeger alone: uberctx-* dropped, uber-trace-id kept", () => {
    const jaeger = () => new JaegerPropagator();
    for (const entries of [400, 1000]) {
      const { kept, extracts } = capture(jaeger, withBaggage(spanContext(), entries));
      assert.deepEqual(kept, { "uber-trace-id": "640cfd8d00000000ab54a98ceb1f0ad2:891087b8e3b70cb1:0:01" });
      // The whole carrier, the uber-trace-id alone, the one set that fits, what it restores: 4, any count.
      assert.equal(extracts, 4, `${entries} entries`);
    }
  });

  test("a per-entry baggage family tracehop does not know: the extractions do not grow with the entries", () => {
    // The same propagator with its baggage header prefix configured (customBaggageHeaderPrefix): the
    // acmectx-<key> headers are no baggage by name. Each restores only baggage, which a stored carrier
    // loses first: they go, the trace headers stay, at a bounded number of extractions.
    const custom = () =>
      new CompositePropagator({
        propagators: [createPropagator(), new JaegerPropagator({ customBaggageHeaderPrefix: "acmectx" })],
      });
    const counts: number[] = [];
    for (const entries of [20, 100, 400, 1000]) {
      const { full, kept, extracts } = capture(custom, withBaggage(spanContext(), entries), 2000);
      assert.ok(storedCarrierBytes(full) > 2000, `${entries} entries`);
      assert.deepEqual(Object.keys(kept!).sort(), TRACE_HEADERS, `${entries} entries`);
      assert.equal(identity(kept, custom()), IDENTITY);
      assert.ok(extracts <= MAX_TRIM_EXTRACTIONS, `${entries} entries: ${extracts} extractions`);
      counts.push(extracts);
    }
    // 20 entries leave 16 units examined as 1000 do: the same work.
    assert.equal(new Set(counts).size, 1, `extractions by entries: ${counts.join(", ")}`);
    // The whole carrier; the 16 units examined, each alone; the pass that drops the units whose removal
    // changes nothing but baggage (what all restore, then each of the 13 that are no whole style); what
    // the 4 left (traceparent, the Datadog ids, x-datadog-origin, uber-trace-id) restore, and their 15
    // sets: 1 + 16 + 14 + 1 + 15. Was 282: the acmectx-* units stayed until 8 units were left, and their
    // 255 sets were all read.
    assert.equal(counts[0], 47);
  });

  test("headers no reader uses, by the thousand: at most MAX_TRIM_EXTRACTIONS, the same keys kept", () => {
    // A propagator that writes the default carrier and n headers extraction never reads, then reads as
    // the default does. Each of n up to 3 000 is examined at most 16 units' worth.
    const base: Record<string, string> = {};
    createPropagator().inject(spanContext(), base, {
      set: (c, key, value) => ((c as Record<string, string>)[key] = value),
    });
    const reader = createPropagator();
    for (const pads of [12, 200, 3000]) {
      const carrier = { ...base };
      for (let i = 0; i < pads; i++) carrier[`x-pad-${i}`] = "p".repeat(20 + (i % 12) * 5);
      const replaying: TextMapPropagator = {
        inject: (_ctx, out, setter) => {
          for (const [key, value] of Object.entries(carrier)) setter.set(out, key, value);
        },
        extract: (ctx, input, getter) => reader.extract(ctx, input, getter),
        fields: () => reader.fields(),
      };
      for (const maxBytes of [377, 300, 150]) {
        const { kept, extracts } = capture(() => replaying, ROOT_CONTEXT, maxBytes);
        assert.ok(extracts <= MAX_TRIM_EXTRACTIONS, `${pads} pads, limit ${maxBytes}: ${extracts}`);
        // As for the carrier without them (test/prisma/carrier-capture-trim.test.ts's limits).
        const unpadded = captureStoredCarrier(undefined, maxBytes, {
          context: spanContext(),
          propagator: reader,
        });
        assert.deepEqual(kept, unpadded, `${pads} pads, limit ${maxBytes}`);
        assert.equal(identity(kept, reader), IDENTITY);
      }
    }
  });
});
