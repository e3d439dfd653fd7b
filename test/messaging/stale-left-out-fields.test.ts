/**
 * A field a setter or writer leaves out (its characters, its length, a full AMQP table) must not leave
 * the forwarded message's old value of that same name behind: forwarding a consumed message's headers
 * that hold `traceparent` (lower case, as tracehop and most clients write it), when the new
 * `traceparent` is left out, the consumer continued the stale trace. And the writers remove a forwarded
 * Jaeger context (`uber-trace-id`) as they remove its Jaeger baggage (`uberctx-*`). On the real
 * RabbitMQ and NATS servers.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { headers as natsHeaders } from "nats";
import {
  amqpHeadersSetter,
  contextFromAmqpHeaders,
  injectAmqpHeaders,
  isPropagationHeaderName,
  kafkaHeadersSetter,
  removePropagationHeaders,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import { inSpan } from "./tracing.js";
import { useRabbitMQ } from "./rabbitmq.js";
import { amqpRoundTrip, ExtraFieldsPropagator } from "./left-out-support.js";
import { useNats } from "./nats.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const STALE_TRACE = "11111111111111111111111111111111";
const STALE = `00-${STALE_TRACE}-2222222222222222-01`;
const STALE_JAEGER = "3333333333333333:4444444444444444:0:1";

beforeEach(() => resetWarnings());

describe("a field left out on the real RabbitMQ: the forwarded value of its name is not sent on", () => {
  const broker = useRabbitMQ();

  const { roundTrip, consumedHeaders } = amqpRoundTrip(broker, "h4-stale-left-out");

  test("amqpHeadersSetter: a traceparent left out for its characters removes the forwarded traceparent of the same name", async (t) => {
    if (!broker.requireBroker(t)) return;
    const forwarded = await consumedHeaders(t, { traceparent: STALE, "x-app": "1" });
    assert.equal(forwarded.traceparent, STALE);
    const told = await recordWarnings(() =>
      amqpHeadersSetter.set(forwarded, "traceparent", "00-split\r\nx-injected: 1"),
    );
    assert.equal(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT").length, 1);
    const msg = await roundTrip(t, forwarded);
    assert.deepEqual(Object.keys(msg.properties.headers!), ["x-app"]);
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg)), undefined);
  });

  test("amqpHeadersSetter: a baggage left out because the table is full removes the forwarded baggage of the same name", async (t) => {
    if (!broker.requireBroker(t)) return;
    const forwarded = await consumedHeaders(t, { baggage: "tenant=old", "x-state": "s".repeat(65_450) });
    const told = await recordWarnings(() =>
      amqpHeadersSetter.set(forwarded, "baggage", `tenant=${"n".repeat(100)}`),
    );
    assert.equal(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE").length, 1);
    const msg = await roundTrip(t, forwarded);
    assert.deepEqual(Object.keys(msg.properties.headers!), ["x-state"]);
  });

  test("injectAmqpHeaders: a vendor field left out for its length removes the forwarded field of that name", async (t) => {
    if (!broker.requireBroker(t)) return;
    const forwarded = await consumedHeaders(t, { "x-vendor-ctx": "old", "x-app": "1" });
    await inSpan("producer", async (span) => {
      const propagator = new ExtraFieldsPropagator([["x-vendor-ctx", "v".repeat(16_385)]]);
      const told = await recordWarnings(() => injectAmqpHeaders(forwarded, { propagator }));
      assert.equal(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE").length, 1);
      const msg = await roundTrip(t, forwarded);
      assert.equal(Object.hasOwn(msg.properties.headers!, "x-vendor-ctx"), false);
      assert.equal(msg.properties.headers!["x-app"], "1");
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
    });
  });

  test("writeCarrierToHeaders: a stored carrier's field left out for its name removes the forwarded field of that name", async (t) => {
    if (!broker.requireBroker(t)) return;
    const forwarded = await consumedHeaders(t, { "x-vendor:ctx": "old", "x-app": "1" });
    const carrier = { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`, "x-vendor:ctx": "new" };
    const written = writeCarrierToHeaders(forwarded, carrier);
    const msg = await roundTrip(t, written);
    assert.deepEqual(msg.properties.headers, { "x-app": "1", traceparent: carrier.traceparent });
  });

  test("injectAmqpHeaders replaces a forwarded Jaeger context (uber-trace-id) as it does its Jaeger baggage (uberctx-*)", async (t) => {
    if (!broker.requireBroker(t)) return;
    const forwarded = await consumedHeaders(t, {
      "uber-trace-id": STALE_JAEGER,
      "uberctx-tenant": "old",
      "x-app": "1",
    });
    await inSpan("producer", async (span) => {
      injectAmqpHeaders(forwarded);
      const msg = await roundTrip(t, forwarded);
      assert.equal(Object.hasOwn(msg.properties.headers!, "uber-trace-id"), false);
      assert.equal(Object.hasOwn(msg.properties.headers!, "uberctx-tenant"), false);
      assert.equal(msg.properties.headers!["x-app"], "1");
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
    });
  });
});

describe("a field left out into nats.js headers on the real NATS server: the old value of its name is not published", () => {
  const nats = useNats("h4.stale");

  test("kafkaHeadersSetter: a traceparent left out removes the traceparent already in the headers", async (t) => {
    if (!nats.requireNats(t)) return;
    const h = natsHeaders();
    h.set("traceparent", STALE);
    h.set("x-app", "1");
    kafkaHeadersSetter.set(h, "traceparent", "00-split\r\nx-injected: 1");
    assert.deepEqual(await nats.publish(h), { "x-app": ["1"] });
  });
});

describe("uber-trace-id is a propagation header name, as uberctx-<key> is", () => {
  test("isPropagationHeaderName accepts it (lower case), and removePropagationHeaders removes it in any case", () => {
    assert.equal(isPropagationHeaderName("uber-trace-id"), true);
    assert.equal(isPropagationHeaderName("Uber-Trace-Id"), false);
    const headers: Record<string, unknown> = { "Uber-Trace-Id": STALE_JAEGER, "x-app": "1" };
    assert.equal(removePropagationHeaders(headers), true);
    assert.deepEqual(headers, { "x-app": "1" });
  });
});
