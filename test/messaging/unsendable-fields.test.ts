/**
 * A field whose name no AMQP headers table can hold never fails the send: an AMQP 0-9-1 field-table
 * name is a short string (one length octet: at most 255), and amqplib's encoder writes that octet with
 * `writeUInt8`, so a longer name makes `sendToQueue` / `publish` throw a RangeError before anything
 * reaches the broker. Found writing a stored carrier whose custom field had a 302-character name
 * (printable ASCII, so kept by every other rule) with writeCarrierToHeaders and publishing it to the
 * real RabbitMQ: the business message failed. A third-party propagator (the `propagator` option) that
 * writes such a name did the same through injectAmqpHeaders and withSendSpan. And a stored carrier of
 * more fields than a headers table takes (a row tracehop never wrote: five fields of 16 KiB, each
 * within the reader's limit) made amqplib throw "Encoded field table (headers or arguments) exceeds
 * the 65536 byte encoding buffer".
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { createPropagator } from "../../src/index.js";
import {
  contextFromAmqpHeaders,
  injectAmqpHeaders,
  withSendSpan,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import { inSpan } from "./tracing.js";
import { useRabbitMQ } from "./rabbitmq.js";
import { amqpRoundTrip, ExtraFieldsPropagator } from "./left-out-support.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const TP = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
/** The longest name an AMQP field table holds (a short string), and one character more. */
const LONGEST = `x-${"a".repeat(253)}`;
const TOO_LONG = `x-${"b".repeat(254)}`;

/** The default styles, and a field of each name length beside them (a vendor's own header). */
class LongNamePropagator implements TextMapPropagator {
  private readonly inner = createPropagator();
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    this.inner.inject(ctx, carrier, setter);
    setter.set(carrier, LONGEST, "kept");
    setter.set(carrier, TOO_LONG, "left out");
  }
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.inner.extract(ctx, carrier, getter);
  }
  fields(): string[] {
    return [...this.inner.fields(), LONGEST, TOO_LONG];
  }
}

describe("fields a client cannot send (a name too long for an AMQP table, a carrier too large) never fail the send", () => {
  const broker = useRabbitMQ();

  const { roundTrip } = amqpRoundTrip(broker, "h4-unsendable-fields");

  test("writeCarrierToHeaders: a stored carrier's 256-character field name is not written; 255 is", async (t) => {
    if (!broker.requireBroker(t)) return;
    const headers = writeCarrierToHeaders<Record<string, unknown>>(
      { "x-app": "1" },
      { traceparent: TP, [LONGEST]: "kept", [TOO_LONG]: "left out" },
    );
    assert.equal(headers[LONGEST], "kept");
    assert.equal(Object.hasOwn(headers, TOO_LONG), false);
    const msg = await roundTrip(t, headers);
    assert.equal(msg.content.toString(), "body");
    assert.equal(msg.properties.headers!["x-app"], "1");
    assert.equal(msg.properties.headers![LONGEST], "kept");
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.traceId, TRACE_ID);
  });

  test("injectAmqpHeaders and withSendSpan with a propagator writing such a name: published, with the context", async (t) => {
    if (!broker.requireBroker(t)) return;
    const propagator = new LongNamePropagator();
    await inSpan("producer", async (span) => {
      const injected = injectAmqpHeaders({ "x-app": "1" }, { propagator });
      assert.equal(Object.hasOwn(injected, TOO_LONG), false);
      assert.equal(injected[LONGEST], "kept");
      const msg = await roundTrip(t, injected);
      assert.equal(msg.properties.headers!["x-app"], "1");
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);

      let sent: Record<string, unknown> | undefined;
      await withSendSpan(
        { system: "rabbitmq", destination: "h5-names", headers: { "x-app": "2" }, propagator },
        (headers) => {
          sent = headers;
        },
      );
      assert.ok(sent);
      assert.equal(Object.hasOwn(sent, TOO_LONG), false);
      const delivered = await roundTrip(t, sent);
      assert.equal(delivered.properties.headers!["x-app"], "2");
      assert.equal(
        trace.getSpanContext(contextFromAmqpHeaders(delivered))?.traceId,
        span.spanContext().traceId,
      );
    });
    assert.equal(trace.getSpan(context.active()), undefined);
  });

  test("injectAmqpHeaders and withSendSpan with a propagator writing a 70 000-character value, or five of 15 000: published, with the context", async (t) => {
    if (!broker.requireBroker(t)) return;
    for (const extra of [
      [["x-huge", "h".repeat(70_000)]],
      ["a", "b", "c", "d", "e"].map((c) => [`x-vendor-${c}`, c.repeat(15_000)]),
    ] as [string, string][][]) {
      const propagator = new ExtraFieldsPropagator(extra);
      await inSpan("producer", async (span) => {
        const injected = injectAmqpHeaders({ "x-app": "1" }, { propagator });
        const msg = await roundTrip(t, injected);
        assert.equal(msg.properties.headers!["x-app"], "1");
        assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
        const written = Object.entries(injected).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
        assert.ok(written <= 16_384 + "x-app1".length, `${written} characters of headers`);

        let sent: Record<string, unknown> | undefined;
        await withSendSpan(
          { system: "rabbitmq", destination: "h1-values", headers: { "x-app": "2" }, propagator },
          (headers) => {
            sent = headers;
          },
        );
        const delivered = await roundTrip(t, sent!);
        assert.equal(delivered.properties.headers!["x-app"], "2");
        assert.equal(
          trace.getSpanContext(contextFromAmqpHeaders(delivered))?.traceId,
          span.spanContext().traceId,
        );
      });
    }
  });

  test("writeCarrierToHeaders: a carrier of more than 16 KiB of fields (not one captureCarrier stores) keeps its context and is published", async (t) => {
    if (!broker.requireBroker(t)) return;
    // A row tracehop never wrote (captureCarrier stores at most 9.5 KiB): each value under the reader's
    // 16 KiB, together over the 65 536 bytes amqplib encodes a headers table into.
    const big = (c: string) => c.repeat(16_000);
    const carrier = {
      "uber-trace-id": big("a"),
      "x-vendor-a": big("b"),
      "x-vendor-b": big("c"),
      tracestate: `congo=${big("t").slice(0, 15_000)}`,
      "x-datadog-tags": `_dd.p.x=${big("d").slice(0, 15_000)}`,
      traceparent: TP,
    };
    const headers = writeCarrierToHeaders<Record<string, unknown>>({ "x-app": "1" }, carrier);
    assert.equal(headers.traceparent, TP, "the propagation headers first");
    const written = Object.entries(headers).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    assert.ok(written <= 16_384 + 10, `${written} characters of headers`);
    const msg = await roundTrip(t, headers);
    assert.equal(msg.properties.headers!["x-app"], "1");
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.traceId, TRACE_ID);
  });
});
