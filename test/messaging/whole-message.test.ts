/**
 * A whole consumed message handed where its headers belong — withProcessSpan(msg, ...) instead of
 * withProcessSpan(msg.properties.headers, ...) — is recognised by its shape and read through its
 * headers. amqplib messages come from the real RabbitMQ broker (127.0.0.1:5672 guest/guest or
 * TRACEHOP_TEST_AMQP_URL; skipped with that message when it is not reachable); kafkajs messages are
 * built by kafkajs's own record encoder and decoder, as a consumer receives them (no Kafka broker here).
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SpanKind, trace } from "@opentelemetry/api";
import type amqplib from "amqplib";
import {
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  withBatchProcessSpan,
  withProcessSpan,
  withSendSpan,
} from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { uniqueQueue, useRabbitMQ } from "./rabbitmq.js";
import { exporter, kafkaMessageSetRoundTrip, kafkaRoundTrip, onlySpan, traceparentOf } from "./tracing.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;
const OTHER_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const OTHER_TRACEPARENT = `00-${OTHER_TRACE_ID}-b7ad6b7169203331-01`;

beforeEach(() => exporter.reset());

/** [trace id, parent span id] of the one finished span `name`. */
function placeOf(name: string): [string, string | undefined] {
  const span = onlySpan(name);
  return [span.spanContext().traceId, span.parentSpanContext?.spanId];
}

describe("kafkajs: the whole message", () => {
  const kafka = { system: "kafka", destination: "jobs" } as const;

  test("withProcessSpan(message) reads message.headers: the span continues the message's trace", async () => {
    const message = await kafkaRoundTrip({ key: "k", value: "{}", headers: { traceparent: TRACEPARENT } });
    // As kafkajs's decoder delivers it: offset/timestamp text, attributes a number, Buffers.
    assert.equal(typeof (message as unknown as { attributes: unknown }).attributes, "number");
    assert.ok(Buffer.isBuffer(message.headers.traceparent));
    await withProcessSpan(message, kafka, () => undefined);
    assert.deepEqual(placeOf("process jobs"), [TRACE_ID, SPAN_ID]);
  });

  test("a message without a key (null) and the eachMessage payload are recognised too", async () => {
    const message = await kafkaRoundTrip({ value: "{}", headers: { traceparent: TRACEPARENT } });
    assert.equal(message.key, null);
    const payload = {
      topic: "jobs",
      partition: 0,
      message,
      heartbeat: async () => {},
      pause: () => () => {},
    };
    await withProcessSpan(payload, kafka, () => undefined);
    assert.deepEqual(placeOf("process jobs"), [TRACE_ID, SPAN_ID]);
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(message))?.traceId, TRACE_ID);
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(payload))?.spanId, SPAN_ID);
  });

  test("withBatchProcessSpan and withProcessSpan over batch.messages: each message its own trace", async () => {
    const messages = [
      await kafkaRoundTrip({ value: "a", headers: { traceparent: TRACEPARENT } }),
      await kafkaRoundTrip({ value: "b", headers: { traceparent: OTHER_TRACEPARENT } }),
    ];
    await withBatchProcessSpan(messages, kafka, async () => {
      for (const message of messages)
        await withProcessSpan(
          message,
          { ...kafka, operationName: `handle-${message.value}` },
          () => undefined,
        );
    });
    assert.deepEqual(
      onlySpan("process jobs").links.map((l) => l.context.traceId),
      [TRACE_ID, OTHER_TRACE_ID],
    );
    assert.deepEqual(placeOf("handle-a jobs"), [TRACE_ID, SPAN_ID]);
    assert.deepEqual(placeOf("handle-b jobs"), [OTHER_TRACE_ID, "b7ad6b7169203331"]);
  });

  test("the whole message gives the Kafka attributes: offset, key, partition, the body size when asked (Opt-In); the caller's win", async () => {
    const message = await kafkaRoundTrip({
      key: "order-1",
      value: '{"a":"é"}',
      headers: { traceparent: TRACEPARENT },
    });
    const payload = { topic: "jobs", partition: 3, message, heartbeat: async () => {} };
    // Unasked, no body size: Opt-In, not included by default (attribute requirement levels).
    await withProcessSpan(payload, kafka, () => undefined);
    const unasked = onlySpan("process jobs");
    assert.equal(unasked.attributes["messaging.message.body.size"], undefined, "Opt-In: not set unasked");
    assert.equal(unasked.attributes["kafka.message.key"], "order-1");
    exporter.reset();
    await withProcessSpan(payload, { ...kafka, bodySize: true }, () => undefined);
    const span = onlySpan("process jobs");
    assert.equal(span.attributes["kafka.offset"], Number(message.offset));
    assert.equal(typeof span.attributes["kafka.offset"], "number", "an int, as the registry types it");
    assert.equal(span.attributes["kafka.message.key"], "order-1");
    assert.equal(span.attributes["messaging.message.body.size"], 10, "bytes of the value");
    assert.equal(span.attributes["messaging.destination.partition.id"], "3");
    assert.equal(span.attributes["kafka.message.tombstone"], undefined, "set only when true");

    exporter.reset();
    const tombstone = await kafkaRoundTrip({ key: Buffer.from([0xff, 0xfe]), value: null });
    await withProcessSpan(
      tombstone,
      { ...kafka, bodySize: true, attributes: { "kafka.offset": 99 } },
      () => undefined,
    );
    const second = onlySpan("process jobs");
    assert.equal(second.attributes["kafka.message.tombstone"], true);
    assert.equal(
      second.attributes["kafka.message.key"],
      undefined,
      "a key that is not UTF-8 has no string form",
    );
    assert.equal(second.attributes["messaging.message.body.size"], undefined);
    assert.equal(
      second.attributes["messaging.destination.partition.id"],
      undefined,
      "a message has no partition",
    );
    assert.equal(second.attributes["kafka.offset"], 99, "options.attributes win");

    // Headers alone: nothing of a message.
    exporter.reset();
    await withProcessSpan(message.headers, { ...kafka, bodySize: true }, () => undefined);
    const third = onlySpan("process jobs");
    assert.equal(third.attributes["kafka.offset"], undefined);
    assert.equal(third.attributes["messaging.message.body.size"], undefined);
  });

  test("messages of a v0/v1 message set (no headers: Kafka before 0.11) are recognised: their Kafka attributes", async () => {
    for (const magicByte of [0, 1] as const) {
      const decoded = await kafkaMessageSetRoundTrip(magicByte, [
        { key: "order-7", value: "ab", timestamp: 1_700_000_000_000 },
        { key: null, value: null, timestamp: 1_700_000_000_001 },
      ]);
      const [message, tombstone] = decoded as [(typeof decoded)[0], (typeof decoded)[0]];
      // As kafkajs's decoder gives them: no headers property at all; v0 has no timestamp either.
      assert.equal("headers" in message, false);
      assert.equal(message.magicByte, magicByte);
      assert.equal(message.offset, "42");
      assert.equal(message.timestamp, magicByte === 1 ? "1700000000000" : undefined);
      exporter.reset();
      const result = await withProcessSpan(
        { topic: "jobs", partition: 5, message, heartbeat: async () => {} },
        { ...kafka, bodySize: true },
        () => "handled",
      );
      assert.equal(result, "handled");
      const span = onlySpan("process jobs");
      assert.deepEqual(
        [
          span.attributes["kafka.offset"],
          span.attributes["kafka.message.key"],
          span.attributes["messaging.destination.partition.id"],
          span.attributes["messaging.message.body.size"],
          span.attributes["kafka.message.tombstone"],
        ],
        [42, "order-7", "5", 2, undefined],
        `v${magicByte}: the eachMessage payload`,
      );
      assert.equal(span.parentSpanContext, undefined, "no headers: no context, a new trace");
      exporter.reset();
      await withProcessSpan(tombstone, kafka, () => undefined);
      const second = onlySpan("process jobs");
      assert.deepEqual(
        [second.attributes["kafka.offset"], second.attributes["kafka.message.tombstone"]],
        [43, true],
        `v${magicByte}: the message alone`,
      );
      exporter.reset();
      await withBatchProcessSpan(decoded, kafka, () => undefined);
      assert.equal(onlySpan("process jobs").attributes["messaging.batch.message_count"], 2);
    }
  });

  test("headers that merely have names of a message's fields are read as headers", async () => {
    // Header values are Buffers in kafkajs, never numbers: this is headers, not a message.
    const delivered = await kafkaRoundTrip({
      value: "{}",
      headers: {
        offset: "1",
        timestamp: "2",
        attributes: "0",
        key: "k",
        value: "v",
        traceparent: TRACEPARENT,
      },
    });
    await withProcessSpan(delivered.headers, kafka, () => undefined);
    assert.deepEqual(placeOf("process jobs"), [TRACE_ID, SPAN_ID]);
    // Strings as a producer passes them: still headers.
    exporter.reset();
    const strings = { offset: "1", timestamp: "2", key: "k", value: "v", traceparent: TRACEPARENT };
    await withProcessSpan(strings, kafka, () => undefined);
    assert.deepEqual(placeOf("process jobs"), [TRACE_ID, SPAN_ID]);
  });

  test("AMQP headers holding content / fields / properties entries are read as headers", () => {
    const headers = {
      content: Buffer.from("x"),
      fields: { exchange: 1, routingKey: "r" },
      properties: {},
      traceparent: TRACEPARENT,
    };
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(headers))?.spanId, SPAN_ID);
  });

  /** RabbitMQ headers holding the fields a Kafka->RabbitMQ bridge copies from the record. */
  const BRIDGED = {
    offset: "42",
    timestamp: "1700000000000",
    attributes: 0,
    key: null,
    value: null,
    traceparent: TRACEPARENT,
  };

  test("AMQP headers a Kafka bridge copied (offset, timestamp, attributes, key, value) are headers to the AMQP helpers", () => {
    const bridged = BRIDGED;
    // No `headers` object: not a kafkajs message, whichever helper reads it.
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(bridged))?.spanId, SPAN_ID);
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(bridged))?.spanId, SPAN_ID);
    // Even with a `headers` entry, contextFromAmqpHeaders recognises only amqplib messages.
    const withHeaders = { ...bridged, headers: {} };
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(withHeaders))?.spanId, SPAN_ID);
    // And contextFromKafkaHeaders only kafkajs's: an amqplib-shaped object is headers to it.
    const amqpShaped = {
      content: Buffer.from("x"),
      fields: { exchange: "", routingKey: "r" },
      properties: { headers: {} },
      traceparent: TRACEPARENT,
    };
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(amqpShaped))?.spanId, SPAN_ID);
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(amqpShaped)), undefined);
  });

  test("withProcessSpan and withBatchProcessSpan follow options.system: a RabbitMQ consumer reads bridged Kafka fields as headers", async () => {
    const OTHER = `00-${"1".repeat(32)}-${"2".repeat(16)}-01`;
    const bridged = { ...BRIDGED, headers: { traceparent: OTHER } };
    const rabbitmq = { system: "rabbitmq", destination: "jobs" } as const;
    await withProcessSpan(bridged, rabbitmq, () => undefined);
    assert.deepEqual(placeOf("process jobs"), [TRACE_ID, SPAN_ID]);
    exporter.reset();
    const delivered = {
      content: Buffer.from("{}"),
      fields: { exchange: "", routingKey: "jobs", deliveryTag: 1, redelivered: false },
      properties: { headers: bridged },
    };
    await withBatchProcessSpan([delivered], rabbitmq, () => undefined);
    const links = onlySpan("process jobs").links.map((link) => link.context.spanId);
    assert.deepEqual(links, [SPAN_ID]);
    // Under system "kafka" the same object is a kafkajs message: its headers are read.
    exporter.reset();
    await withProcessSpan(bridged, { system: "kafka", destination: "jobs" }, () => undefined);
    assert.deepEqual(placeOf("process jobs"), ["1".repeat(32), "2".repeat(16)]);
  });
});

describe("amqplib message attributes (as amqplib delivers them)", () => {
  const delivered = (fields: Record<string, unknown>, properties: Record<string, unknown>) => ({
    content: Buffer.from("hello"),
    fields: {
      consumerTag: "c",
      deliveryTag: 7,
      redelivered: false,
      exchange: "",
      routingKey: "jobs",
      ...fields,
    },
    properties: { headers: { traceparent: TRACEPARENT }, ...properties },
  });

  test("filled from the message where the caller gave none; the caller's messageId and attributes win", async () => {
    await withProcessSpan(
      delivered({}, { messageId: "m-1", correlationId: "c-1" }),
      {
        system: "rabbitmq",
        destination: "jobs",
        messageId: "mine",
        bodySize: true,
        attributes: { "rabbitmq.message.delivery_tag": 1 },
      },
      () => undefined,
    );
    const span = onlySpan("process jobs");
    assert.equal(span.attributes["messaging.message.id"], "mine");
    assert.equal(span.attributes["rabbitmq.message.delivery_tag"], 1);
    assert.equal(span.attributes["rabbitmq.destination.routing_key"], "jobs");
    assert.equal(span.attributes["messaging.message.conversation_id"], "c-1");
    assert.equal(span.attributes["messaging.message.body.size"], 5);
    assert.equal(span.spanContext().traceId, TRACE_ID);
  });

  test("an empty routing key and absent ids are left out (the routing key is required only when not empty)", async () => {
    await withProcessSpan(
      delivered({ exchange: "logs", routingKey: "" }, { messageId: undefined, correlationId: undefined }),
      { system: "rabbitmq", destination: "logs" },
      () => undefined,
    );
    const span = onlySpan("process logs");
    for (const name of [
      "rabbitmq.destination.routing_key",
      "messaging.message.id",
      "messaging.message.conversation_id",
    ])
      assert.equal(Object.hasOwn(span.attributes, name), false, name);
    assert.equal(span.attributes["rabbitmq.message.delivery_tag"], 7);
  });

  test("under system kafka an amqplib message gives no RabbitMQ attributes", async () => {
    await withProcessSpan(
      delivered({}, { messageId: "m-1" }),
      { system: "kafka", destination: "jobs" },
      () => undefined,
    );
    const span = onlySpan("process jobs");
    assert.equal(span.attributes["rabbitmq.message.delivery_tag"], undefined);
    assert.equal(span.attributes["messaging.message.id"], undefined);
  });
});

describe("the other client's whole message under options.system: a new trace, said once per process", () => {
  const CODE = "TRACEHOP_CARRIER_IN_OTHER_FIELD";
  /**
   * An amqplib `ConsumeMessage` as amqplib's channel.js builds it for a delivery: `fields` from
   * basic.deliver, every property of the content header (absent ones `undefined`), the body a Buffer.
   */
  const consumeMessage = (headers: Record<string, unknown>) => ({
    fields: {
      consumerTag: "amq.ctag-9LQ1d3xWQmzMPJWlXyPoFQ",
      deliveryTag: 1,
      redelivered: false,
      exchange: "",
      routingKey: "jobs",
    },
    properties: {
      contentType: "application/json",
      contentEncoding: undefined,
      headers,
      deliveryMode: 2,
      priority: undefined,
      correlationId: undefined,
      replyTo: undefined,
      expiration: undefined,
      messageId: "m-1",
      timestamp: undefined,
      type: undefined,
      userId: undefined,
      appId: undefined,
      clusterId: undefined,
    },
    content: Buffer.from('{"job":1}'),
  });
  const amqpWarning = (caller: string, fix: string) =>
    `tracehop ${caller}: given an amqplib message under system "kafka", which reads ` +
    `only a kafkajs message or headers: the trace carrier in its headers ` +
    `was not read, and the stored context was not restored. Give its system, system: "rabbitmq", or ` +
    `pass its headers: ${fix}.`;
  beforeEach(async () => {
    // The process warning an earlier test gave (on the next tick) is not this test's.
    await new Promise((resolve) => setImmediate(resolve));
    resetWarnings();
  });

  test('withProcessSpan(amqplibMessage, { system: "kafka" }): a new root, and one warning naming the system to give', async () => {
    const message = consumeMessage({ traceparent: TRACEPARENT, "x-attempt": 1 });
    const kafka = { system: "kafka", destination: "jobs" } as const;
    const told = await recordWarnings(() => {
      withProcessSpan(message, kafka, () => undefined);
      withProcessSpan(message, { ...kafka, operationName: "again" }, () => undefined); // said once
    });
    const warning = amqpWarning("withProcessSpan", "withProcessSpan(message.properties.headers, ...)");
    assert.deepEqual(told.processWarnings, [[CODE, warning]]);
    assert.deepEqual(told.diagWarnings, [warning]);
    const span = onlySpan("process jobs");
    assert.notEqual(span.spanContext().traceId, TRACE_ID);
    assert.equal(span.parentSpanContext, undefined);
    // The fix the warning names restores the message's trace, silently.
    exporter.reset();
    resetWarnings();
    const fixed = await recordWarnings(() =>
      withProcessSpan(message, { system: "rabbitmq", destination: "jobs" }, () => undefined),
    );
    assert.deepEqual(fixed.processWarnings, []);
    assert.deepEqual(placeOf("process jobs"), [TRACE_ID, SPAN_ID]);
  });

  test("withBatchProcessSpan with the default headersFrom says so too, naming headersFrom", async () => {
    const told = await recordWarnings(() =>
      withBatchProcessSpan(
        [consumeMessage({ traceparent: TRACEPARENT })],
        { system: "kafka", destination: "jobs" },
        () => undefined,
      ),
    );
    assert.deepEqual(told.processWarnings, [
      [
        CODE,
        amqpWarning(
          "withBatchProcessSpan",
          "withBatchProcessSpan(messages, { ..., headersFrom: (message) => message.properties.headers })",
        ),
      ],
    ]);
    assert.deepEqual(onlySpan("process jobs").links, []);
  });

  test('a kafkajs eachMessage payload under system "rabbitmq" names message.message.headers and system "kafka"', async () => {
    const message = await kafkaRoundTrip({ value: "{}", headers: { traceparent: TRACEPARENT } });
    const payload = {
      topic: "jobs",
      partition: 0,
      message,
      heartbeat: async () => {},
      pause: () => () => {},
    };
    const told = await recordWarnings(() =>
      withProcessSpan(payload, { system: "rabbitmq", destination: "jobs" }, () => undefined),
    );
    assert.deepEqual(told.processWarnings, [
      [
        CODE,
        `tracehop withProcessSpan: given a kafkajs message under system "rabbitmq", which ` +
          `reads only an amqplib message or headers: the trace carrier in its headers ` +
          `was not read, and the stored context was not restored. Give its ` +
          `system, system: "kafka", or pass its headers: withProcessSpan(message.message.headers, ...).`,
      ],
    ]);
  });

  test('a kafkajs message under system "rabbitmq": one warning, naming the system, never also its headers field', async () => {
    const message = await kafkaRoundTrip({ value: "{}", headers: { traceparent: TRACEPARENT } });
    const rabbitmq = { system: "rabbitmq", destination: "jobs" } as const;
    const told = await recordWarnings(() => {
      withProcessSpan(message, rabbitmq, () => undefined);
      withProcessSpan(message, { ...rabbitmq, operationName: "again" }, () => undefined);
    });
    assert.deepEqual(told.processWarnings, [
      [
        CODE,
        `tracehop withProcessSpan: given a kafkajs message under system "rabbitmq", which ` +
          `reads only an amqplib message or headers: the trace carrier in its headers ` +
          `was not read, and the stored context was not restored. Give its ` +
          `system, system: "kafka", or pass its headers: withProcessSpan(message.headers, ...).`,
      ],
    ]);
    assert.equal(told.diagWarnings.length, 1);
  });

  test("the check gives up after 64 messages without a context that were not the other client's (as the carrier-in-other-field scan)", async () => {
    const kafka = { system: "kafka", destination: "jobs" } as const;
    const misplaced = consumeMessage({ traceparent: TRACEPARENT });
    const count = async (misses: number, caller: "withProcessSpan" | "withBatchProcessSpan") => {
      resetWarnings();
      const told = await recordWarnings(() => {
        for (let i = 0; i < misses; i++) {
          if (caller === "withProcessSpan") withProcessSpan({ "x-attempt": 1 }, kafka, () => 0);
          else withBatchProcessSpan([{ id: i }], kafka, () => 0); // no headers: the check runs
        }
        if (caller === "withProcessSpan") withProcessSpan(misplaced, kafka, () => 0);
        else withBatchProcessSpan([misplaced], kafka, () => 0);
      });
      return told.processWarnings.filter(([code]) => code === CODE).length;
    };
    for (const caller of ["withProcessSpan", "withBatchProcessSpan"] as const) {
      assert.equal(await count(63, caller), 1, `${caller}: still looking after 63 misses`);
      assert.equal(await count(64, caller), 0, `${caller}: given up after 64`);
    }
  });

  test("nothing said for a message without a carrier, one of an unknown system, or under OTEL_SDK_DISABLED", async () => {
    const told = await recordWarnings(() => {
      withProcessSpan(consumeMessage({ "x-attempt": 1 }), { system: "kafka", destination: "a" }, () => 0);
      withProcessSpan(
        consumeMessage({ traceparent: TRACEPARENT }),
        { system: "sqs", destination: "b" },
        () => 0,
      );
      process.env.OTEL_SDK_DISABLED = "true";
      try {
        withProcessSpan(
          consumeMessage({ traceparent: TRACEPARENT }),
          { system: "kafka", destination: "c" },
          () => 0,
        );
      } finally {
        delete process.env.OTEL_SDK_DISABLED;
      }
    });
    assert.deepEqual(told.processWarnings, []);
    // Any other system reads either client's message: restored.
    assert.deepEqual(placeOf("process b"), [TRACE_ID, SPAN_ID]);
  });

  test("once said, a later message costs no look into it: its properties.headers is never read", async () => {
    let reads = 0;
    const counting = () => {
      const message = consumeMessage({});
      Object.defineProperty(message.properties, "headers", {
        enumerable: true,
        get: () => {
          reads++;
          return { traceparent: TRACEPARENT };
        },
      });
      return message;
    };
    const kafka = { system: "kafka", destination: "jobs" } as const;
    const told = await recordWarnings(() => withProcessSpan(counting(), kafka, () => undefined));
    assert.equal(told.processWarnings.length, 1);
    assert.equal(reads, 1, "read once, to find the carrier");
    reads = 0;
    for (let i = 0; i < 3; i++) withProcessSpan(counting(), kafka, () => undefined);
    assert.equal(reads, 0);
  });

  test("a hostile message (a throwing getter, a revoked proxy) is no error", async () => {
    const message = consumeMessage({});
    Object.defineProperty(message.properties, "headers", {
      get: () => {
        throw new Error("boom");
      },
    });
    const { proxy, revoke } = Proxy.revocable(consumeMessage({ traceparent: TRACEPARENT }), {});
    revoke();
    const told = await recordWarnings(() => {
      assert.equal(
        withProcessSpan(message, { system: "kafka", destination: "a" }, () => 1),
        1,
      );
      assert.equal(
        withProcessSpan(proxy, { system: "kafka", destination: "b" }, () => 2),
        2,
      );
    });
    assert.deepEqual(told.processWarnings, []);
  });
});

describe("amqplib + RabbitMQ: the whole message", () => {
  const broker = useRabbitMQ();
  const rabbit = (destination: string) => ({ system: "rabbitmq", destination }) as const;

  /** Publishes `count` messages to a fresh queue inside withSendSpan; returns the queue and the send spans' traceparents. */
  async function publish(label: string, count: number): Promise<{ queue: string; sent: string[] }> {
    const { queue } = await broker.channel.assertQueue(uniqueQueue(label), { exclusive: true });
    const sent: string[] = [];
    for (let i = 0; i < count; i++) {
      await withSendSpan(rabbit(queue), async (headers, span) => {
        sent.push(traceparentOf(span.spanContext()));
        broker.channel.sendToQueue(queue, Buffer.from(String(i)), { headers, persistent: false });
        await broker.channel.waitForConfirms();
      });
    }
    exporter.reset();
    return { queue, sent };
  }

  test("withProcessSpan(msg) of broker.channel.consume reads msg.properties.headers", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue, sent } = await publish("whole-consume", 1);
    const delivered = await new Promise<amqplib.ConsumeMessage>((resolve, reject) => {
      broker.channel
        .consume(queue, (msg) => {
          if (!msg) return;
          withProcessSpan(msg, rabbit(queue), () => broker.channel.ack(msg));
          resolve(msg);
        })
        .catch(reject);
    });
    assert.ok(Buffer.isBuffer(delivered.content));
    assert.equal(typeof delivered.properties.headers?.traceparent, "string");
    const span = onlySpan(`process ${queue}`);
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.equal(traceparentOf(span.parentSpanContext!), sent[0]);
  });

  test("broker.channel.get messages: contextFromAmqpHeaders(msg) and withBatchProcessSpan(msgs) (default headersFrom)", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue, sent } = await publish("whole-get", 2);
    const messages: amqplib.GetMessage[] = [];
    for (let i = 0; i < 2; i++) {
      const msg = await broker.channel.get(queue, { noAck: true });
      assert.ok(msg, "message delivered");
      messages.push(msg);
    }
    assert.deepEqual(
      messages.map((m) => traceparentOf(trace.getSpanContext(contextFromAmqpHeaders(m))!)),
      sent,
    );
    await withBatchProcessSpan(messages, rabbit(queue), () => undefined);
    assert.deepEqual(
      onlySpan(`process ${queue}`).links.map((l) => traceparentOf(l.context)),
      sent,
    );
  });
});

// A messaging trial: a consumed message forwarded whole as withSendSpan's headers got the context as its
// own properties, which its client never sends, without a word.
describe("a whole consumed message handed to a header writer as its headers", () => {
  const amqpMessage = () => ({
    content: Buffer.from("{}"),
    fields: { exchange: "", routingKey: "jobs", deliveryTag: 1, redelivered: false },
    properties: { headers: { "x-app": "1" } },
  });

  test("withSendSpan writes the context as it did, and says once where the headers are", async () => {
    resetWarnings();
    const told = await recordWarnings(() => {
      const sent: Record<string, unknown>[] = [];
      for (let i = 0; i < 2; i++)
        withSendSpan({ system: "rabbitmq", destination: "jobs", headers: amqpMessage() }, (h) =>
          sent.push(h),
        );
      return sent;
    });
    assert.equal(typeof told.result[0]!.traceparent, "string");
    const said = told.processWarnings.filter(([code]) => code === "TRACEHOP_HEADERS_AS_PROPERTIES");
    assert.deepEqual(said, [
      [
        "TRACEHOP_HEADERS_AS_PROPERTIES",
        "tracehop withSendSpan: the headers object is a whole amqplib message, so the trace context was written " +
          "as top-level properties, beside its headers (withSendSpan: of the copy fn receives), where its client never sends it (the trace " +
          "would end there): pass the message's headers, message.properties.headers, or a new object",
      ],
    ]);
  });

  test("the message's own headers, or plain headers, say nothing", async () => {
    resetWarnings();
    const told = await recordWarnings(() => {
      withSendSpan(
        { system: "rabbitmq", destination: "jobs", headers: amqpMessage().properties.headers },
        () => 1,
      );
      withSendSpan(
        { system: "rabbitmq", destination: "jobs", headers: { content: "x", fields: "y" } },
        () => 1,
      );
    });
    assert.deepEqual(told.processWarnings, []);
  });
});
