/**
 * A stored carrier as a row holds it (the `traceContext Json?` column: an object, its JSON text, its
 * bytes, `null` for a row written without one, a row itself) handed to the tracehop/messaging
 * functions that take a carrier or headers: none throws, a carrier is read as `contextFromCarrier`
 * reads it, and a value that holds no carrier writes no field.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isSpanContextValid, trace, type TextMapPropagator } from "@opentelemetry/api";
import { CompositePropagator } from "@opentelemetry/core";
import { captureCarrier, contextFromCarrier, createPropagator } from "../../src/index.js";
import {
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  injectAmqpHeaders,
  injectKafkaHeaders,
  withProcessSpan,
  withSendSpan,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import { inSpan, traceparentOf } from "./tracing.js";

const TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const STORED = { traceparent: TP, tracestate: "dd=s:1", baggage: "user=7" };
const kafka = { system: "kafka", destination: "jobs" } as const;

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** [label, stored value, the headers writeCarrierToHeaders must add (undefined: none)]. */
const cases: [string, () => unknown, Record<string, unknown> | undefined][] = [
  ["null (a Json? column of a row without one)", () => null, undefined],
  ["undefined", () => undefined, undefined],
  ["the carrier object", () => ({ ...STORED }), STORED],
  ["its JSON text", () => JSON.stringify(STORED), STORED],
  ["its JSON text with a byte order mark", () => `\uFEFF${JSON.stringify(STORED)}`, STORED],
  ["its UTF-8 bytes (a BLOB column)", () => Buffer.from(JSON.stringify(STORED)), STORED],
  ["the row holding it", () => ({ id: 7, traceContext: STORED }), STORED],
  ["names in another case, a Buffer value", () => ({ TraceParent: Buffer.from(TP) }), { traceparent: TP }],
  [
    "a repeated tracestate",
    () => ({ traceparent: TP, tracestate: ["a=1", "b=2"] }),
    { traceparent: TP, tracestate: ["a=1", "b=2"] },
  ],
  ["a number", () => 5, undefined],
  ["text that is not JSON", () => "hello", undefined],
  ["JSON text of an array", () => JSON.stringify([TP]), undefined],
  // An object is read as an invalid value (not printable: not written), a boolean as its text.
  [
    "a nested object and a boolean value",
    () => ({ traceparent: { v: TP }, tracestate: true }),
    { tracestate: "true" },
  ],
  ["a revoked proxy", revoked, undefined],
  [
    "a value with CR LF (header injection) and one with non-ASCII, beside a clean traceparent",
    () => ({
      traceparent: TP,
      tracestate: "a=1\r\nx-evil: 1",
      baggage: "k=v\u00e9",
      "ot-baggage-user": "ok",
    }),
    { traceparent: TP, "ot-baggage-user": "ok" },
  ],
  [
    "a repeated field with one control character",
    () => ({ traceparent: TP, tracestate: ["a=1", "b=\u00002"] }),
    { traceparent: TP },
  ],
];

describe("stored carriers into tracehop/messaging", () => {
  test("writeCarrierToHeaders writes what contextFromCarrier reads, never throws, nothing for no carrier; the siblings keep their contract", async () => {
    for (const [label, make, expected] of cases) {
      // writeCarrierToHeaders: in place, stale context removed, exactly the carrier's fields added.
      const headers: Record<string, unknown> = { app: "1", TraceParent: "stale", "x-b3-traceid": "stale" };
      const returned = writeCarrierToHeaders(headers, make());
      assert.equal(returned, headers, `${label}: filled in place`);
      assert.deepEqual({ ...returned }, { app: "1", ...expected }, label);
      assert.deepEqual(
        { ...writeCarrierToHeaders(null as unknown as Record<string, unknown>, make()) },
        { ...expected },
        label,
      );
      // What was written carries the context contextFromCarrier restores from the same stored value.
      const restored = trace.getSpanContext(contextFromCarrier(make()))?.traceId;
      assert.equal(trace.getSpanContext(contextFromKafkaHeaders(returned))?.traceId, restored, label);
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(returned))?.traceId, restored, label);

      // The extract helpers read the stored value as headers and never throw.
      for (const extract of [contextFromKafkaHeaders, contextFromAmqpHeaders]) {
        const sc = trace.getSpanContext(extract(make()));
        // A row is not headers: its traceContext field is an application header there.
        assert.equal(sc?.traceId, label.startsWith("the row") ? undefined : restored, label);
      }
      // The inject helpers take it as headers: an object gets the context; anything else is left alone.
      await inSpan("producer", (span) => {
        for (const inject of [injectKafkaHeaders, injectAmqpHeaders] as ((headers: never) => unknown)[]) {
          const value = make();
          const out = inject(value as never) as Record<string, unknown>;
          if (value === null || value === undefined)
            assert.equal(out.traceparent, traceparentOf(span.spanContext()), label);
          else if (typeof value !== "object") assert.equal(out, value, label);
        }
      });
      // withSendSpan's creationContext: restored as contextFromCarrier restores it, a new trace otherwise.
      const sent = withSendSpan({ ...kafka, creationContext: make() }, (h, span) => ({ h, span }));
      // The values in the message: a failure says which trace the send span got, not only true/false.
      const sentTraceId = sent.span.spanContext().traceId;
      const said = `${label}: send span's trace ${sentTraceId}, contextFromCarrier's ${restored ?? "none"}`;
      assert.notEqual(sentTraceId, "0".repeat(32), said);
      if (restored === TRACE_ID) assert.equal(sentTraceId, TRACE_ID, said);
      else assert.notEqual(sentTraceId, TRACE_ID, said);
      assert.equal(sent.h.traceparent, traceparentOf(sent.span.spanContext()), label);
      // withProcessSpan: the handler runs once, in a real span.
      let runs = 0;
      withProcessSpan(make(), kafka, (span) => {
        runs++;
        assert.notEqual(span.spanContext().traceId, "0".repeat(32), label);
      });
      assert.equal(runs, 1, label);
    }
  });
});

/** The header of {@link vendorPropagator}, a name no style of tracehop knows. */
const UBER_TRACE_ID = "uber-trace-id";

/**
 * A vendor's propagator that tracehop has no style for, as an application adds it to the carrier
 * functions' `propagator` (Jaeger's `uber-trace-id: <trace id>:<span id>:<parent id>:<flags>`, parent
 * id 0): it writes and reads a header of its own.
 */
const vendorPropagator: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const sc = trace.getSpanContext(ctx);
    if (sc !== undefined && isSpanContextValid(sc))
      setter.set(carrier, UBER_TRACE_ID, `${sc.traceId}:${sc.spanId}:0:${sc.traceFlags & 1}`);
  },
  extract(ctx, carrier, getter) {
    const value = getter.get(carrier, UBER_TRACE_ID);
    const match = /^([0-9a-f]{32}):([0-9a-f]{16}):0:([01])$/.exec(Array.isArray(value) ? "" : (value ?? ""));
    if (match === null) return ctx;
    return trace.setSpanContext(ctx, {
      traceId: match[1]!,
      spanId: match[2]!,
      traceFlags: Number(match[3]),
      isRemote: true,
    });
  },
  fields: () => [UBER_TRACE_ID],
};

describe("writeCarrierToHeaders writes every field of the carrier", () => {
  // `TraceCarrier` (src/carrier/trace-carrier.ts): a carrier is lower-case header name -> value, exactly what would
  // travel as HTTP headers; the format has no field that is not a header (no version, no timestamp). A name
  // outside tracehop's styles is a header by design: a custom propagator's (the carrier functions'
  // `propagator` option; the stored-carrier reader serves it any name it asks for), a dd-trace-ot row's
  // `ot-baggage-*`. Keeping only tracehop's names would cut that propagator's trace at the relay.
  test("a custom propagator's header travels from the stored carrier to the message and restores the trace there", async () => {
    const propagator = new CompositePropagator({ propagators: [createPropagator(), vendorPropagator] });
    await inSpan("api request", (span) => {
      const { traceId, spanId } = span.spanContext();
      // The outbox row's Json column, as the relay reads it back.
      const stored = JSON.parse(JSON.stringify(captureCarrier({ propagator }))) as Record<string, string>;
      assert.equal(stored[UBER_TRACE_ID], `${traceId}:${spanId}:0:1`);
      assert.equal(stored.traceparent, traceparentOf(span.spanContext()));
      // A header of that name from an older context on the message is replaced, never kept beside it.
      const headers = writeCarrierToHeaders(
        { app: "1", "Uber-Trace-Id": "stale" },
        { id: 7, traceContext: stored },
      );
      assert.deepEqual({ ...headers }, { app: "1", ...stored });
      // The worker with the vendor's propagator alone restores the trace from its header.
      for (const restored of [
        contextFromKafkaHeaders(headers, { propagator: vendorPropagator }),
        contextFromAmqpHeaders(headers, { propagator: vendorPropagator }),
      ]) {
        assert.equal(trace.getSpanContext(restored)?.traceId, traceId);
        assert.equal(trace.getSpanContext(restored)?.spanId, spanId);
      }
    });
  });
});
