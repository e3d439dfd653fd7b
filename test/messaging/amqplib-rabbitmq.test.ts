/**
 * tracehop/messaging against the real RabbitMQ broker (127.0.0.1:5672 guest/guest, or
 * TRACEHOP_TEST_AMQP_URL): publish with headers, consume, restore; span kinds and messaging attributes.
 * Skips with a clear message when the broker is not reachable.
 */
import { beforeEach, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type SpanContext } from "@opentelemetry/api";
import type amqplib from "amqplib";
import { CompositePropagator } from "@opentelemetry/core";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { getDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { MAX_CARRIER_FIELD_VALUES } from "../../src/carrier/trace-carrier.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";
import {
  amqpHeadersGetter,
  contextFromAmqpHeaders,
  ATTR_RABBITMQ_DESTINATION_ROUTING_KEY,
  ATTR_RABBITMQ_MESSAGE_DELIVERY_TAG,
  MESSAGING_SYSTEM_VALUE_RABBITMQ,
  rabbitmqDestinationName,
  withBatchProcessSpan,
  withProcessSpan,
  withSendSpan,
  type SendSpanOptions,
} from "../../src/messaging/index.js";
import { AMQP_URL, uniqueQueue, useRabbitMQ } from "./rabbitmq.js";
import { datadogSpanId, datadogTraceId, exporter, inSpan, onlySpan, traceparentOf } from "./tracing.js";

const STORED_TRACE_ID = "640cfd8d00000000ab54a98ceb1f0ad2";
const STORED_SPAN_ID = "891087b8e3b70cb1";
/** An outbox row's carrier (`TraceCarrier`, src/carrier/trace-carrier.ts; docs/prisma.md). */
const STORED = {
  traceparent: `00-${STORED_TRACE_ID}-${STORED_SPAN_ID}-01`,
  tracestate: "dd=s:2;o:synthetics;t.dm:-4;t.tid:640cfd8d00000000;p:891087b8e3b70cb1",
  "x-datadog-trace-id": datadogTraceId(STORED_TRACE_ID),
  "x-datadog-parent-id": datadogSpanId(STORED_SPAN_ID),
  "x-datadog-sampling-priority": "2",
  "x-datadog-origin": "synthetics",
  "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000",
};

const broker = useRabbitMQ();
beforeEach(() => exporter.reset());

/** A fresh exclusive queue, deleted when the connection closes. */
async function freshQueue(label: string): Promise<string> {
  const { queue } = await broker.channel.assertQueue(uniqueQueue(label), { exclusive: true });
  return queue;
}

/**
 * Consumes one message from `queue` with `handler` run inside withProcessSpan (as a worker does),
 * acks it, and resolves with the delivered message once the handler has finished.
 */
function consumeOne(
  queue: string,
  handler: (msg: amqplib.ConsumeMessage) => Promise<void> | void = () => undefined,
): Promise<amqplib.ConsumeMessage> {
  return new Promise((resolve, reject) => {
    let tag = "";
    broker.channel
      .consume(queue, (msg) => {
        if (!msg) return;
        const destination = rabbitmqDestinationName(msg.fields.exchange, msg.fields.routingKey, queue);
        withProcessSpan(
          msg.properties.headers,
          {
            system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
            destination,
            messageId: msg.properties.messageId,
            attributes: {
              [ATTR_RABBITMQ_DESTINATION_ROUTING_KEY]: msg.fields.routingKey,
              [ATTR_RABBITMQ_MESSAGE_DELIVERY_TAG]: msg.fields.deliveryTag,
            },
          },
          async () => handler(msg),
        )
          .then(
            () => broker.channel.ack(msg),
            () => broker.channel.nack(msg, false, false),
          )
          .then(() => broker.channel.cancel(tag))
          .then(() => resolve(msg), reject);
      })
      .then((ok) => (tag = ok.consumerTag), reject);
  });
}

/** Publishes `body` to `queue` through the default exchange inside withSendSpan; waits for the confirm. */
async function publish(queue: string, body: string, options: Partial<SendSpanOptions> = {}): Promise<void> {
  await withSendSpan(
    {
      system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
      destination: rabbitmqDestinationName("", queue),
      messageId: "m-1",
      attributes: { [ATTR_RABBITMQ_DESTINATION_ROUTING_KEY]: queue },
      ...options,
    },
    async (headers) => {
      broker.channel.sendToQueue(queue, Buffer.from(body), { headers, messageId: "m-1", persistent: false });
      await broker.channel.waitForConfirms();
    },
  );
}

describe("amqplib + RabbitMQ", () => {
  test("publish with headers, consume, restore: one trace, PRODUCER -> CONSUMER, semconv attributes", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("basic");
    let handlerTraceId: string | undefined;
    const request = await inSpan("request", async (span) => {
      await publish(queue, '{"jobId":"1"}');
      return span.spanContext();
    });
    const delivered = await consumeOne(queue, () => {
      handlerTraceId = trace.getActiveSpan()?.spanContext().traceId;
    });

    const send = onlySpan(`publish ${queue}`);
    const process = onlySpan(`process ${queue}`);
    assert.equal(send.kind, SpanKind.PRODUCER);
    assert.equal(process.kind, SpanKind.CONSUMER);
    assert.equal(send.parentSpanContext?.spanId, request.spanId);
    assert.equal(process.parentSpanContext?.spanId, send.spanContext().spanId);
    assert.equal(process.spanContext().traceId, request.traceId);
    assert.equal(handlerTraceId, request.traceId);

    const headers = delivered.properties.headers!;
    assert.equal(headers.traceparent, traceparentOf(send.spanContext()), "delivered as an AMQP long string");
    assert.equal(headers["x-datadog-parent-id"], datadogSpanId(send.spanContext().spanId));

    assert.equal(send.attributes["messaging.system"], "rabbitmq");
    assert.equal(send.attributes["messaging.destination.name"], queue);
    assert.equal(send.attributes["messaging.operation.type"], "send");
    assert.equal(send.attributes["messaging.operation.name"], "publish");
    assert.equal(
      send.attributes["messaging.operation"],
      "publish",
      "Datadog: rabbitmq.publish, publish <queue>",
    );
    assert.equal(send.attributes["messaging.message.id"], "m-1");
    assert.equal(send.attributes["rabbitmq.destination.routing_key"], queue);
    assert.equal(process.attributes["messaging.system"], "rabbitmq");
    assert.equal(process.attributes["messaging.destination.name"], queue);
    assert.equal(process.attributes["messaging.operation.type"], "process");
    assert.equal(process.attributes["messaging.operation.name"], "process");
    assert.equal(process.attributes["messaging.operation"], "process", "Datadog: rabbitmq.process");
    assert.equal(process.attributes["messaging.message.id"], "m-1");
    assert.equal(process.attributes["rabbitmq.message.delivery_tag"], delivered.fields.deliveryTag);
  });

  test("the whole delivered message: routing key, delivery tag, message and conversation ids, body size when asked (bodySize)", async (t) => {
    if (!broker.requireBroker(t)) return;
    // An `hb-` queue (this change's prefix), exclusive: deleted with the connection, and deleted below.
    const { queue } = await broker.channel.assertQueue(`hb-whole-${process.pid}-${Date.now()}`, {
      exclusive: true,
    });
    try {
      const exchange = "amq.direct";
      await broker.channel.bindQueue(queue, exchange, queue);
      const body = Buffer.from('{"jobId":"42","note":"é"}');
      const request = await inSpan("request", (span) =>
        withSendSpan(
          { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination: rabbitmqDestinationName(exchange, queue) },
          async (headers) => {
            broker.channel.publish(exchange, queue, body, {
              headers,
              messageId: "m-42",
              correlationId: "conv-7",
            });
            await broker.channel.waitForConfirms();
            return span.spanContext();
          },
        ),
      );
      const delivered = await new Promise<amqplib.ConsumeMessage>((resolve, reject) => {
        broker.channel
          .consume(queue, (msg) => {
            if (!msg) return;
            const destination = rabbitmqDestinationName(msg.fields.exchange, msg.fields.routingKey, queue);
            withProcessSpan(
              msg,
              { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination, bodySize: true },
              async () => undefined,
            )
              .then(() => broker.channel.ack(msg))
              .then(() => broker.channel.cancel(msg.fields.consumerTag))
              .then(() => resolve(msg), reject);
          })
          .catch(reject);
      });
      const processSpan = onlySpan(`process ${exchange}:${queue}`);
      assert.equal(processSpan.spanContext().traceId, request.traceId, "restored from the whole message");
      assert.equal(processSpan.attributes["rabbitmq.destination.routing_key"], queue);
      assert.equal(typeof delivered.fields.deliveryTag, "number");
      assert.equal(processSpan.attributes["rabbitmq.message.delivery_tag"], delivered.fields.deliveryTag);
      assert.equal(processSpan.attributes["messaging.message.id"], "m-42");
      assert.equal(processSpan.attributes["messaging.message.conversation_id"], "conv-7");
      assert.equal(processSpan.attributes["messaging.message.body.size"], body.byteLength);
      assert.equal(body.byteLength, 26, "bytes, not characters");
      assert.equal(processSpan.attributes["messaging.destination.name"], `${exchange}:${queue}`);
    } finally {
      await broker.channel.deleteQueue(queue);
    }
  });

  test("the send span carries what the process span reads from the message: routing key, message and conversation ids (routingKey, messageId, conversationId options); body size only when asked (Opt-In)", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("send-attrs");
    const exchange = "amq.direct";
    const routingKey = `${queue}.key`;
    await broker.channel.bindQueue(queue, exchange, routingKey);
    const body = Buffer.from('{"jobId":"43"}');
    const properties = { messageId: "m-43", correlationId: "conv-8" };
    await withSendSpan(
      {
        system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
        destination: rabbitmqDestinationName(exchange, routingKey),
        routingKey,
        messageId: properties.messageId,
        conversationId: properties.correlationId,
      },
      async (headers) => {
        broker.channel.publish(exchange, routingKey, body, { headers, ...properties });
        await broker.channel.waitForConfirms();
      },
    );
    // Through the default exchange (sendToQueue): its routing key is the queue.
    await withSendSpan(
      {
        system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
        destination: rabbitmqDestinationName("", queue),
        routingKey: queue,
        attributes: { "messaging.message.body.size": body.byteLength },
      },
      async (headers) => {
        broker.channel.sendToQueue(queue, body, { headers });
        await broker.channel.waitForConfirms();
      },
    );
    const delivered: amqplib.GetMessage[] = [];
    for (let i = 0; i < 50 && delivered.length < 2; i++) {
      const msg = await broker.channel.get(queue);
      if (msg === false) await new Promise((resolve) => setTimeout(resolve, 20));
      else delivered.push(msg);
    }
    assert.equal(delivered.length, 2);
    for (const msg of delivered)
      await withProcessSpan(
        msg,
        { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination: rabbitmqDestinationName(msg, queue) },
        () => broker.channel.ack(msg),
      );

    const send = onlySpan(`publish ${exchange}:${routingKey}`);
    const process = onlySpan(`process ${exchange}:${routingKey}:${queue}`);
    assert.equal(process.parentSpanContext?.spanId, send.spanContext().spanId);
    for (const name of [
      "rabbitmq.destination.routing_key",
      "messaging.message.id",
      "messaging.message.conversation_id",
    ]) {
      assert.equal(send.attributes[name], process.attributes[name], name);
    }
    assert.equal(send.attributes["rabbitmq.destination.routing_key"], routingKey);
    assert.equal(send.attributes["messaging.message.id"], "m-43");
    assert.equal(send.attributes["messaging.message.conversation_id"], "conv-8");
    assert.equal(send.attributes["messaging.message.body.size"], undefined, "Opt-In: not set unasked");
    assert.equal(
      process.attributes["messaging.message.body.size"],
      undefined,
      "Opt-In on the consumer's too",
    );

    const viaDefault = onlySpan(`publish ${queue}`);
    const processDefault = onlySpan(`process ${queue}`);
    assert.equal(processDefault.parentSpanContext?.spanId, viaDefault.spanContext().spanId);
    assert.equal(viaDefault.attributes["rabbitmq.destination.routing_key"], queue);
    assert.equal(processDefault.attributes["rabbitmq.destination.routing_key"], queue);
    assert.equal(viaDefault.attributes["messaging.message.body.size"], body.byteLength);
    assert.equal(viaDefault.attributes["messaging.message.id"], undefined);
    assert.equal(viaDefault.attributes["messaging.message.conversation_id"], undefined);
  });

  test("a batch pulled with channel.get (docs/messaging.md): one batch span linking each message, a process span per message under its send span", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("get-batch");
    for (let i = 0; i < 3; i++) await publish(queue, `{"n":${i}}`);
    const batch: amqplib.GetMessage[] = [];
    for (let i = 0; i < 50; i++) {
      const msg = await broker.channel.get(queue);
      if (msg === false) break;
      batch.push(msg);
    }
    const options = { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination: queue };
    const batchSpanId = await withBatchProcessSpan(batch, options, async (span) => {
      for (const msg of batch)
        await withProcessSpan(msg, options, async () => undefined).then(() => broker.channel.ack(msg));
      return span.spanContext().spanId;
    });
    const sends = exporter.getFinishedSpans().filter((s) => s.name === `publish ${queue}`);
    const processes = exporter.getFinishedSpans().filter((s) => s.name === `process ${queue}`);
    const batchSpan = processes.find((s) => s.spanContext().spanId === batchSpanId)!;
    assert.equal(batchSpan.attributes["messaging.batch.message_count"], 3);
    assert.deepEqual(
      batchSpan.links.map((l) => l.context.spanId),
      sends.map((s) => s.spanContext().spanId),
      "the default headersFrom read each GetMessage's properties.headers",
    );
    const perMessage = processes.filter((s) => s !== batchSpan);
    assert.deepEqual(
      perMessage.map((s) => s.parentSpanContext?.spanId),
      sends.map((s) => s.spanContext().spanId),
    );
    assert.deepEqual(
      perMessage.map((s) => s.attributes["rabbitmq.message.delivery_tag"]),
      batch.map((m) => m.fields.deliveryTag),
    );
  });

  test("relay, default forward: the worker continues under the relay's PRODUCER span, in the stored trace", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("relay");
    await publish(queue, "{}", { creationContext: STORED });
    const delivered = await consumeOne(queue);
    const send = onlySpan(`publish ${queue}`);
    const process = onlySpan(`process ${queue}`);
    assert.equal(send.spanContext().traceId, STORED_TRACE_ID);
    assert.equal(send.parentSpanContext?.spanId, STORED_SPAN_ID);
    assert.equal(process.parentSpanContext?.spanId, send.spanContext().spanId);
    assert.equal(
      delivered.properties.headers!["x-datadog-origin"],
      "synthetics",
      "Datadog origin travels on",
    );
    assert.equal(delivered.properties.headers!["x-datadog-sampling-priority"], "2");
  });

  test("relay, forward 'creation-context': the worker's parent is the stored context itself", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("forward");
    await publish(queue, "{}", { creationContext: STORED, forward: "creation-context" });
    const delivered = await consumeOne(queue);
    const send = onlySpan(`publish ${queue}`);
    const process = onlySpan(`process ${queue}`);
    assert.equal(send.kind, SpanKind.CLIENT);
    assert.equal(process.spanContext().traceId, STORED_TRACE_ID);
    assert.equal(process.parentSpanContext?.spanId, STORED_SPAN_ID);
    assert.equal(delivered.properties.headers!.traceparent, STORED.traceparent);
  });

  test("headers another client sent as AMQP byte arrays and integers are restored", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("types");
    broker.channel.sendToQueue(queue, Buffer.from("{}"), {
      headers: {
        "X-Datadog-Trace-Id": Buffer.from("1234567890123456789"),
        "x-datadog-parent-id": Buffer.from("987654321"),
        "x-datadog-sampling-priority": 1,
      },
    });
    await broker.channel.waitForConfirms();
    const delivered = await consumeOne(queue);
    const headers = delivered.properties.headers!;
    assert.ok(Buffer.isBuffer(headers["X-Datadog-Trace-Id"]), "the broker delivers a byte array as a Buffer");
    assert.equal(headers["x-datadog-sampling-priority"], 1, "and an integer as a number");
    const process = onlySpan(`process ${queue}`);
    assert.equal(process.spanContext().traceId, "0000000000000000112210f47de98115");
    assert.equal(process.parentSpanContext?.spanId, "000000003ade68b1");
    assert.equal(process.spanContext().traceFlags & 1, 1);
  });

  test("AMQP field types another producer may send, as amqplib delivers them: an integral number is the priority it is; a fraction, a boolean or a rounded id is refused and said, never taken for a missing field", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("field-types");
    const ids = { "x-datadog-trace-id": "123", "x-datadog-parent-id": "456" };
    // label -> headers published (amqplib's `{ "!": type, value }` picks the AMQP type)
    const sent: Record<string, Record<string, unknown>> = {
      double: { ...ids, "x-datadog-sampling-priority": { "!": "double", value: 1 } },
      float: { ...ids, "x-datadog-sampling-priority": { "!": "float", value: 2 } },
      short: { ...ids, "x-datadog-sampling-priority": { "!": "short", value: -1 } },
      fraction: { ...ids, "x-datadog-sampling-priority": 2.5 },
      boolean: { ...ids, "x-datadog-sampling-priority": true },
      huge: { ...ids, "x-datadog-sampling-priority": { "!": "long", value: 2n ** 60n } },
      timestamp: { ...ids, "x-datadog-sampling-priority": { "!": "timestamp", value: 1 } },
      roundedId: {
        "x-datadog-trace-id": { "!": "long", value: 1234567890123456789n },
        "x-datadog-parent-id": "456",
      },
    };
    for (const [label, headers] of Object.entries(sent))
      broker.channel.sendToQueue(queue, Buffer.from(label), { headers });
    await broker.channel.waitForConfirms();
    const delivered = new Map<string, Record<string, unknown>>();
    await new Promise<void>((resolve, reject) => {
      broker.channel
        .consume(
          queue,
          (msg) => {
            if (!msg) return;
            delivered.set(msg.content.toString(), msg.properties.headers!);
            if (delivered.size === Object.keys(sent).length) resolve();
          },
          { noAck: true },
        )
        .catch(reject);
    });
    const priority = (label: string) => delivered.get(label)!["x-datadog-sampling-priority"];
    // What amqplib delivers (lib/codec.js): numbers for every numeric type, the long rounded.
    assert.equal(priority("double"), 1);
    assert.equal(priority("float"), 2);
    assert.equal(priority("fraction"), 2.5);
    assert.equal(priority("boolean"), true);
    assert.equal(priority("huge"), 2 ** 60);
    assert.deepEqual(priority("timestamp"), { "!": "timestamp", value: 1 });
    assert.equal(delivered.get("roundedId")!["x-datadog-trace-id"], 1234567890123456800);

    const propagator = createPropagator();
    const viaGetter = (label: string) =>
      propagator.extract(ROOT_CONTEXT, delivered.get(label)!, amqpHeadersGetter);
    for (const [label, expected] of [
      ["double", 1],
      ["float", 2],
      ["short", -1],
    ] as const) {
      for (const ctx of [contextFromAmqpHeaders(delivered.get(label)), viaGetter(label)]) {
        assert.equal(trace.getSpanContext(ctx)?.traceId, "0000000000000000000000000000007b", label);
        assert.equal(getDatadogContext(ctx)?.samplingPriority, expected, label);
      }
    }
    // Refused as the stored-carrier reader refuses the same values: no context (they were left out, and
    // the trace continued as sampled with no priority).
    for (const label of ["fraction", "boolean", "huge", "timestamp"]) {
      resetWarnings();
      const told = await recordWarnings(() => contextFromAmqpHeaders(delivered.get(label)));
      assert.equal(trace.getSpanContext(told.result), undefined, label);
      assert.match(
        said(told, "TRACEHOP_CARRIER_REJECTED")[0] ?? "",
        /^tracehop: message headers held x-datadog-\* ids but restored no context, .*the datadog style refused it: x-datadog-sampling-priority /,
        label,
      );
      assert.equal(trace.getSpanContext(viaGetter(label)), undefined, `${label}, amqpHeadersGetter`);
    }
    // An id amqplib rounded: refused, said once as the id it is (it was left out without a word).
    resetWarnings();
    const rounded = await recordWarnings(() => contextFromAmqpHeaders(delivered.get("roundedId")));
    assert.equal(trace.getSpanContext(rounded.result), undefined);
    assert.deepEqual(said(rounded, "TRACEHOP_CARRIER_REJECTED"), []);
    assert.match(
      said(rounded, "TRACEHOP_JSON_NUMBER_ID")[0] ?? "",
      /^tracehop: x-datadog-trace-id is a number in the message headers, read as 1234567890123456800 \(exactly 1234567890123456768\): amqplib reads an AMQP integer through a JavaScript number/,
    );
    // Through the exported getter, with a propagator of the user's choosing: refused and said the same
    // way (it was refused without a word on this path).
    resetWarnings();
    const gotten = await recordWarnings(() =>
      amqpHeadersGetter.get(delivered.get("roundedId")!, "x-datadog-trace-id"),
    );
    assert.equal(gotten.result, undefined);
    assert.match(
      said(gotten, "TRACEHOP_JSON_NUMBER_ID")[0] ?? "",
      /^tracehop: x-datadog-trace-id is a number in the message headers, read as 1234567890123456800 \(exactly 1234567890123456768\): amqplib reads an AMQP integer through a JavaScript number/,
    );
    resetWarnings();
    const extracted = await recordWarnings(() => viaGetter("roundedId"));
    assert.equal(trace.getSpanContext(extracted.result), undefined);
    assert.equal(said(extracted, "TRACEHOP_JSON_NUMBER_ID").length, 1);
    assert.match(
      extracted.diagWarnings[0] ?? "",
      /^tracehop: x-datadog-trace-id is a number in the message headers/,
    );
    // withBatchProcessSpan reads the same headers: said once, as the id it is, never again as a missing
    // x-datadog-trace-id (TRACEHOP_CARRIER_REJECTED).
    resetWarnings();
    const batch = await recordWarnings(() =>
      withBatchProcessSpan(
        [delivered.get("roundedId")!],
        { system: "rabbitmq", destination: queue, headersFrom: (headers) => headers },
        () => "done",
      ),
    );
    assert.equal(batch.result, "done");
    assert.deepEqual(said(batch, "TRACEHOP_CARRIER_REJECTED"), []);
    assert.match(
      said(batch, "TRACEHOP_JSON_NUMBER_ID")[0] ?? "",
      /^tracehop: x-datadog-trace-id is a number in the message headers, read as 1234567890123456800 /,
    );
    // Through a propagator not createPropagator's (a CompositePropagator of its datadog style): said once
    // too, not again as a datadog id the propagator refused.
    resetWarnings();
    const composite = new CompositePropagator({ propagators: [createPropagator("datadog")] });
    const foreign = await recordWarnings(() =>
      contextFromAmqpHeaders(delivered.get("roundedId"), { propagator: composite }),
    );
    assert.equal(trace.getSpanContext(foreign.result), undefined);
    assert.deepEqual(said(foreign, "TRACEHOP_CARRIER_REJECTED"), []);
    assert.equal(said(foreign, "TRACEHOP_JSON_NUMBER_ID").length, 1);
  });

  test("a timestamp, decimal or table in a propagation header: the warning names the AMQP type and says to send a string, never a JSON object or the reader's marker", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("not-text");
    const ids = { "x-datadog-trace-id": "123", "x-datadog-parent-id": "456" };
    const timestamp = { "!": "timestamp", value: 1_700_000_000 };
    // label -> [headers published, what the warning says of the header]
    const sent: Record<string, [Record<string, unknown>, RegExp]> = {
      traceparent: [
        { traceparent: timestamp },
        /the tracecontext style refused it: traceparent \(an AMQP timestamp, not text: send it as a string\) is not version-traceid-parentid-flags/,
      ],
      traceId: [
        { ...ids, "x-datadog-trace-id": timestamp },
        /the datadog style refused it: x-datadog-trace-id \(an AMQP timestamp, not text: send it as a string\) is not an unsigned 64-bit decimal/,
      ],
      priority: [
        { ...ids, "x-datadog-sampling-priority": { "!": "decimal", value: { places: 1, digits: 15 } } },
        /the datadog style refused it: x-datadog-sampling-priority \(an AMQP decimal, not text: send it as a string\) is not an integer/,
      ],
      table: [
        { traceparent: { version: "00" } },
        /the tracecontext style refused it: traceparent \(an AMQP field table, not text: send it as a string\) is not version-traceid-parentid-flags/,
      ],
      // A header sent repeated (an AMQP field array): named by the type of the value it holds that is not
      // text (the last one, which the datadog style reads), not as an array of some other type.
      parentIdArray: [
        { ...ids, "x-datadog-parent-id": ["5", { "!": "decimal", value: { places: 1, digits: 5 } }] },
        /the datadog style refused it: x-datadog-parent-id \(an AMQP decimal, not text: send it as a string\) is not an unsigned 64-bit decimal/,
      ],
      traceparentArray: [
        { traceparent: ["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", { version: "00" }] },
        /the tracecontext style refused it: several different traceparent values: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", \(an AMQP field table, not text: send it as a string\) \(a repeated traceparent/,
      ],
    };
    for (const [label, [headers]] of Object.entries(sent))
      broker.channel.sendToQueue(queue, Buffer.from(label), { headers });
    await broker.channel.waitForConfirms();
    const delivered = new Map<string, Record<string, unknown>>();
    await new Promise<void>((resolve, reject) => {
      broker.channel
        .consume(
          queue,
          (msg) => {
            if (!msg) return;
            delivered.set(msg.content.toString(), msg.properties.headers!);
            if (delivered.size === Object.keys(sent).length) resolve();
          },
          { noAck: true },
        )
        .catch(reject);
    });
    // As amqplib delivers them (lib/codec.js): the AMQP type kept in a `{ "!": type, value }` object.
    assert.deepEqual(delivered.get("traceparent")!.traceparent, timestamp);
    assert.deepEqual(delivered.get("priority")!["x-datadog-sampling-priority"], {
      "!": "decimal",
      value: { places: 1, digits: 15 },
    });
    // A Date where an AMQP 1.0 client (rhea) delivers a timestamp, in headers handed as they are.
    const cases: [string, unknown, RegExp][] = [
      ...Object.entries(sent).map(([label, [, expected]]): [string, unknown, RegExp] => [
        label,
        delivered.get(label),
        expected,
      ]),
      [
        "a Date",
        { ...ids, "x-datadog-trace-id": new Date(0) },
        /x-datadog-trace-id \(a Date, an AMQP timestamp, not text: send it as a string\) is not an unsigned 64-bit decimal/,
      ],
    ];
    for (const [label, headers, expected] of cases) {
      for (const restore of [
        () => trace.getSpanContext(contextFromAmqpHeaders(headers)),
        () => trace.getSpanContext(contextFromAmqpHeaders(new Map(Object.entries(headers as object)))),
      ]) {
        resetWarnings();
        const told = await recordWarnings(restore);
        assert.equal(told.result, undefined, label);
        const [warning] = said(told, "TRACEHOP_CARRIER_REJECTED");
        assert.match(warning ?? "", /^tracehop: message headers held /, label);
        assert.match(warning!, expected, label);
        assert.doesNotMatch(warning!, /JSON object|\\u0000|not text\)"/, label);
      }
    }
  });

  test("a rounded id inside an AMQP field array is said as a message header amqplib rounded, as the id alone is, not as a stored JSON number", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("rounded-id-array");
    broker.channel.sendToQueue(queue, Buffer.from("array"), {
      headers: {
        "x-datadog-trace-id": [{ "!": "long", value: 1234567890123456789n }],
        "x-datadog-parent-id": "456",
      },
    });
    await broker.channel.waitForConfirms();
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      broker.channel
        .consume(queue, (msg) => msg && resolve(msg.properties.headers!), { noAck: true })
        .catch(reject);
    });
    assert.deepEqual(headers["x-datadog-trace-id"], [1234567890123456800]); // amqplib's rounding
    resetWarnings();
    const told = await recordWarnings(() => contextFromAmqpHeaders(headers));
    assert.equal(trace.getSpanContext(told.result), undefined);
    assert.match(
      said(told, "TRACEHOP_JSON_NUMBER_ID")[0] ?? "",
      /^tracehop: x-datadog-trace-id is a number in the message headers, read as 1234567890123456800 \(exactly 1234567890123456768\): amqplib reads an AMQP integer through a JavaScript number/,
    );
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_REJECTED"), []);
  });

  test("headers kept in a Map (a framework's copy of msg.properties.headers) with an id amqplib rounded: said as a message header on every route, never as a stored carrier", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("rounded-id-map");
    const rounded = { "!": "long", value: 1234567890123456789n };
    broker.channel.sendToQueue(queue, Buffer.from("map"), {
      headers: {
        "x-datadog-trace-id": rounded,
        "x-datadog-parent-id": "456",
        "x-datadog-sampling-priority": 1,
      },
    });
    broker.channel.sendToQueue(queue, Buffer.from("map"), {
      headers: { "x-datadog-trace-id": [rounded], "x-datadog-parent-id": "456" },
    });
    await broker.channel.waitForConfirms();
    const delivered: Record<string, unknown>[] = [];
    await new Promise<void>((resolve, reject) => {
      broker.channel
        .consume(
          queue,
          (msg) => {
            if (msg) delivered.push(msg.properties.headers!);
            if (delivered.length === 2) resolve();
          },
          { noAck: true },
        )
        .catch(reject);
    });
    assert.equal(delivered[0]!["x-datadog-trace-id"], 1234567890123456800); // amqplib's rounding
    /** The headers as a Map; `padding` application headers first (past the reader's scan of 128 names). */
    const asMap = (headers: Record<string, unknown>, padding = 0) =>
      new Map<string, unknown>([
        ...Array.from({ length: padding }, (_, i): [string, unknown] => [`x-app-${i}`, i]),
        ...Object.entries(headers),
      ]);
    const STORED_WORDING = /JSON number|JSON reader|tracehop inspect` on the row|captureCarrier\(\)/;
    const routes: [string, (headers: Map<string, unknown>) => unknown][] = [
      ["contextFromAmqpHeaders", (headers) => trace.getSpanContext(contextFromAmqpHeaders(headers))],
      [
        "withProcessSpan",
        (headers) =>
          withProcessSpan(headers, { system: "rabbitmq", destination: queue }, (span) => {
            span.end();
            return undefined;
          }),
      ],
      [
        "withBatchProcessSpan",
        (headers) =>
          withBatchProcessSpan(
            [headers],
            { system: "rabbitmq", destination: queue, headersFrom: (h) => h },
            () => undefined,
          ),
      ],
    ];
    for (const [label, headers] of [
      ["the id alone", delivered[0]!],
      ["the id in an AMQP field array", delivered[1]!],
    ] as const) {
      for (const padding of [0, 200]) {
        for (const [route, restore] of routes) {
          resetWarnings();
          const told = await recordWarnings(() => restore(asMap(headers, padding)));
          const where = `${label}, ${padding} headers before it, ${route}`;
          assert.equal(told.result, undefined, `${where}: no context`);
          const [warning] = said(told, "TRACEHOP_JSON_NUMBER_ID");
          assert.match(
            warning ?? "",
            /^tracehop: x-datadog-trace-id is a number in the message headers, read as 1234567890123456800 \(exactly 1234567890123456768\): amqplib reads an AMQP integer through a JavaScript number/,
            where,
          );
          assert.doesNotMatch(warning!, STORED_WORDING, where);
          for (const line of told.diagWarnings)
            assert.doesNotMatch(line, STORED_WORDING, `${where}: ${line}`);
          assert.deepEqual(
            said(told, "TRACEHOP_CARRIER_REJECTED"),
            [],
            `${where}: not said again as missing`,
          );
        }
      }
    }
    // A safe integer in a Map is read as its text, as in a plain object: the priority 1 is kept.
    const exact = new Map<string, unknown>([
      ["x-datadog-trace-id", "123"],
      ["x-datadog-parent-id", "456"],
      ["x-datadog-sampling-priority", 2],
    ]);
    assert.equal(getDatadogContext(contextFromAmqpHeaders(exact))?.samplingPriority, 2);
  });

  test("a repeated id sent as an AMQP field array: its last value is read, and a rounded last value refuses the header, never the value before it", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("rounded-id-last");
    const rounded = { "!": "long", value: 1234567890123456789n };
    for (const ids of [
      [42, rounded],
      [rounded, 42],
    ])
      broker.channel.sendToQueue(queue, Buffer.from("array"), {
        headers: { "x-datadog-trace-id": ids, "x-datadog-parent-id": "456" },
      });
    await broker.channel.waitForConfirms();
    const delivered: Record<string, unknown>[] = [];
    await new Promise<void>((resolve, reject) => {
      broker.channel
        .consume(
          queue,
          (msg) => {
            if (msg) delivered.push(msg.properties.headers!);
            if (delivered.length === 2) resolve();
          },
          { noAck: true },
        )
        .catch(reject);
    });
    assert.deepEqual(
      delivered.map((headers) => headers["x-datadog-trace-id"]),
      [
        [42, 1234567890123456800],
        [1234567890123456800, 42],
      ],
    );
    const propagator = createPropagator();
    const traceIds = (headers: Record<string, unknown>) => [
      trace.getSpanContext(contextFromAmqpHeaders(headers))?.traceId,
      trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, amqpHeadersGetter))?.traceId,
    ];
    resetWarnings();
    const lastRounded = await recordWarnings(() => traceIds(delivered[0]!));
    // Not trace 42: the trace the last value named cannot be read, so none is restored.
    assert.deepEqual(lastRounded.result, [undefined, undefined]);
    assert.equal(said(lastRounded, "TRACEHOP_JSON_NUMBER_ID").length, 1);
    assert.deepEqual(said(lastRounded, "TRACEHOP_CARRIER_REJECTED"), []);
    const earlierRounded = traceIds(delivered[1]!);
    assert.deepEqual(earlierRounded, [
      42n.toString(16).padStart(32, "0"),
      42n.toString(16).padStart(32, "0"),
    ]);
  });

  test("a repeated id of more values than are read (an AMQP field array past MAX_CARRIER_FIELD_VALUES): contextFromAmqpHeaders and the getter read the same last value", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("rounded-id-many");
    const rounded = { "!": "long", value: 1234567890123456789n };
    const count = MAX_CARRIER_FIELD_VALUES + 6;
    /** `count` ids of 42, with `changes` (index -> value) in place. */
    const ids = (changes: Record<number, unknown>) =>
      Array.from({ length: count }, (_, i): unknown => (i in changes ? changes[i] : 42));
    const last = MAX_CARRIER_FIELD_VALUES - 1;
    const cases: [string, unknown[]][] = [
      ["a rounded value past the values read", ids({ [count - 1]: rounded })],
      ["a rounded last value read", ids({ [last]: rounded })],
      ["a rounded earlier value", ids({ 10: rounded, [last]: 7, [last + 1]: 8 })],
    ];
    for (const [, headerIds] of cases)
      broker.channel.sendToQueue(queue, Buffer.from("array"), {
        headers: { "x-datadog-trace-id": headerIds, "x-datadog-parent-id": "456" },
      });
    await broker.channel.waitForConfirms();
    const delivered: Record<string, unknown>[] = [];
    await new Promise<void>((resolve, reject) => {
      broker.channel
        .consume(
          queue,
          (msg) => {
            if (msg) delivered.push(msg.properties.headers!);
            if (delivered.length === cases.length) resolve();
          },
          { noAck: true },
        )
        .catch(reject);
    });
    const propagator = createPropagator();
    const traceIds = delivered.map((headers) => [
      trace.getSpanContext(contextFromAmqpHeaders(headers))?.traceId,
      trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, amqpHeadersGetter))?.traceId,
      trace.getSpanContext(contextFromAmqpHeaders(new Map(Object.entries(headers))))?.traceId,
    ]);
    const hex = (id: bigint) => id.toString(16).padStart(32, "0");
    assert.deepEqual(
      cases.map(([label], i) => [label, traceIds[i]]),
      [
        ["a rounded value past the values read", [hex(42n), hex(42n), hex(42n)]],
        ["a rounded last value read", [undefined, undefined, undefined]],
        ["a rounded earlier value", [hex(7n), hex(7n), hex(7n)]],
      ],
    );
  });

  test("a failing handler: the process span records the error, the message is rejected", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = await freshQueue("error");
    await publish(queue, "{}");
    await consumeOne(queue, () => {
      throw new Error("cannot split");
    });
    const process = onlySpan(`process ${queue}`);
    assert.equal(process.status.code, SpanStatusCode.ERROR);
    assert.equal(process.status.message, "cannot split");
    assert.equal(process.attributes["error.type"], "Error");
    const { messageCount } = await broker.channel.checkQueue(queue);
    assert.equal(messageCount, 0, "rejected without requeue");
  });
});

describe("a consume callback runs in the context its connection was opened in (amqplib)", () => {
  /** How a test opens the connection: `connect` called inside whatever span the test wants. */
  type Opener = (connect: () => Promise<amqplib.ChannelModel>) => Promise<amqplib.ChannelModel>;

  /** An Opener that connects inside a "worker startup" span, and that span's context once it ran. */
  function inStartupSpan(): { open: Opener; context: () => SpanContext | undefined } {
    let startup: SpanContext | undefined;
    return {
      open: (connect) =>
        inSpan("worker startup", (span) => {
          startup = span.spanContext();
          return connect();
        }),
      context: () => startup,
    };
  }

  /**
   * Opens a connection with `open`, a channel and a fresh queue on it, and publishes to that queue one
   * message with tracehop's context ("traced", its send span's context returned) and one without headers
   * ("bare"). The connection is closed after the test.
   */
  async function publishOnConnectionOpenedIn(t: TestContext, label: string, open: Opener) {
    const { connect } = await import("amqplib");
    const connection = await open(() => connect(AMQP_URL));
    t.after(() => connection.close());
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue(uniqueQueue(label), { exclusive: true });
    const send = await withSendSpan({ system: "rabbitmq", destination: queue }, (headers, span) => {
      channel.sendToQueue(queue, Buffer.from("traced"), { headers, messageId: "traced" });
      return span.spanContext();
    });
    channel.sendToQueue(queue, Buffer.from("bare"), { messageId: "bare" });
    return { channel, queue, send };
  }

  /**
   * Publishes as {@link publishOnConnectionOpenedIn}, consumes both messages on that connection inside
   * withProcessSpan, and returns the two process spans and whether each was recording in its handler.
   */
  async function consumeOnConnectionOpenedIn(t: TestContext, label: string, open: Opener) {
    const { channel, queue, send } = await publishOnConnectionOpenedIn(t, label, open);
    const recording = new Map<string, boolean>();
    await new Promise<void>((resolve, reject) => {
      channel
        .consume(queue, (msg) => {
          if (!msg) return;
          const id = String(msg.properties.messageId);
          withProcessSpan(msg, { system: "rabbitmq", destination: queue, messageId: id }, (span) => {
            recording.set(id, span.isRecording());
          });
          channel.ack(msg);
          if (recording.size === 2) resolve();
        })
        .catch(reject);
    });
    const processes = exporter.getFinishedSpans().filter((s) => s.name === `process ${queue}`);
    const byId = (id: string) => processes.find((s) => s.attributes["messaging.message.id"] === id)!;
    return { send, traced: byId("traced"), bare: byId("bare"), recording };
  }

  test("connection opened inside a span that has ended: no parent and no link from it", async (t) => {
    if (!broker.requireBroker(t)) return;
    const startup = inStartupSpan();
    const r = await consumeOnConnectionOpenedIn(t, "ended-ambient", startup.open);
    assert.equal(r.traced.parentSpanContext?.spanId, r.send.spanId);
    assert.deepEqual(r.traced.links, []);
    // A message without a context is a trace of its own, not a child of the start-up span.
    assert.equal(r.bare.parentSpanContext, undefined);
    assert.notEqual(r.bare.spanContext().traceId, startup.context()!.traceId);
    assert.deepEqual(
      [...r.recording],
      [
        ["traced", true],
        ["bare", true],
      ],
    );
  });

  test("connection opened inside withSendSpan's callback: the process spans record, and link no send", async (t) => {
    if (!broker.requireBroker(t)) return;
    let first: SpanContext | undefined;
    const r = await consumeOnConnectionOpenedIn(t, "send-ambient", (connect) =>
      withSendSpan({ system: "rabbitmq", destination: "lazy-connect" }, (_headers, span) => {
        first = span.spanContext();
        return connect();
      }),
    );
    assert.deepEqual(
      [...r.recording],
      [
        ["traced", true],
        ["bare", true],
      ],
    );
    assert.equal(r.traced.parentSpanContext?.spanId, r.send.spanId);
    assert.deepEqual(r.traced.links, []);
    assert.equal(r.bare.parentSpanContext, undefined);
    assert.notEqual(r.bare.spanContext().traceId, first!.traceId);
  });

  /**
   * As consumeOnConnectionOpenedIn, but the two messages are gathered in the consume callback and handled
   * as one batch (withBatchProcessSpan); returns the batch span, the batch's recording and its parent.
   */
  async function batchOnConnectionOpenedIn(t: TestContext, label: string, open: Opener) {
    const { channel, queue } = await publishOnConnectionOpenedIn(t, label, open);
    const gathered: amqplib.ConsumeMessage[] = [];
    let recording: boolean | undefined;
    await new Promise<void>((resolve, reject) => {
      channel
        .consume(queue, (msg) => {
          if (!msg) return;
          gathered.push(msg);
          channel.ack(msg);
          if (gathered.length < 2) return;
          withBatchProcessSpan(
            gathered,
            { system: "rabbitmq", destination: queue, headersFrom: (m) => m.properties.headers },
            (span) => {
              recording = span.isRecording();
            },
          );
          resolve();
        })
        .catch(reject);
    });
    return { batch: exporter.getFinishedSpans().find((s) => s.name === `process ${queue}`), recording };
  }

  test("a batch consumed on a connection opened inside a span that has ended: a root of its own", async (t) => {
    if (!broker.requireBroker(t)) return;
    const startup = inStartupSpan();
    const r = await batchOnConnectionOpenedIn(t, "batch-ended", startup.open);
    assert.equal(r.recording, true);
    assert.equal(r.batch?.parentSpanContext, undefined);
    assert.notEqual(r.batch?.spanContext().traceId, startup.context()!.traceId);
    assert.equal(r.batch?.links.length, 1, "the traced message is linked");
  });

  test("a batch consumed on a connection opened inside withSendSpan's callback: its span records", async (t) => {
    if (!broker.requireBroker(t)) return;
    const r = await batchOnConnectionOpenedIn(t, "batch-lazy", (connect) =>
      withSendSpan({ system: "rabbitmq", destination: "lazy-connect" }, () => connect()),
    );
    assert.equal(r.recording, true);
    assert.equal(r.batch?.parentSpanContext, undefined);
    assert.equal(r.batch?.links.length, 1);
  });
});
