/**
 * A batch whose messages carry one context: a producer that publishes many messages in one send span
 * (kafkajs `producer.send` of several messages inside one `withSendSpan`, or amqplib publishes of a bulk
 * job in one span share its headers) gives every message the same creation context. The batch span
 * links each creation context once: the same span context linked again adds nothing to the trace, and
 * 1 000 copies of it took the SDK's whole link limit (128), pushed out the other producers' contexts and
 * said TRACEHOP_LINKS_DROPPED ("those messages are not linked", raise the limit to 1000) of messages
 * that were linked. Real RabbitMQ (messages pulled with channel.get), real SDK.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { GetMessage } from "amqplib";
import { withBatch } from "../../src/index.js";
import { rabbitmqDestinationName, withBatchProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, inSpan, onlySpan, spansNamed } from "./tracing.js";
import { useRabbitMQ } from "./rabbitmq.js";

const rabbit = useRabbitMQ();

beforeEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  exporter.reset();
  resetWarnings();
});

/** A queue of this helper's runs: `h9-` names, deleted when the test ends. */
const queueName = (label: string) => `h9-batch-shared-${label}-${process.pid}-${Date.now()}`;

/** Publishes `count` messages in one send span (one headers object for all), as a bulk producer does. */
async function publishBulk(queue: string, request: string, count: number): Promise<void> {
  await inSpan(request, () =>
    withSendSpan({ system: "rabbitmq", destination: queue, routingKey: queue }, async (headers) => {
      for (let i = 0; i < count; i++)
        rabbit.channel.sendToQueue(queue, Buffer.from(`${request} ${i}`), {
          headers,
          messageId: `${request}-${i}`,
        });
      await rabbit.channel.waitForConfirms();
    }),
  );
}

/** Every message the queue holds now, pulled with channel.get (acknowledged on delivery). */
async function pullAll(queue: string): Promise<GetMessage[]> {
  const batch: GetMessage[] = [];
  for (;;) {
    const msg = await rabbit.channel.get(queue, { noAck: true });
    if (msg === false) return batch;
    batch.push(msg);
  }
}

/** The send span of the bulk publish inside request span `request`. */
const sendSpanOf = (request: string) => {
  const requestSpan = onlySpan(request);
  const [send] = exporter
    .getFinishedSpans()
    .filter((s) => s.parentSpanContext?.spanId === requestSpan.spanContext().spanId);
  return send!;
};

describe("a batch of messages that share one creation context (real RabbitMQ)", () => {
  test("withBatchProcessSpan over 1 000 messages of one bulk publish and 3 of another: one link per creation context, nothing dropped nor said", async (t) => {
    if (!rabbit.requireBroker(t)) return;
    const queue = queueName("bulk");
    await rabbit.channel.assertQueue(queue, { autoDelete: false });
    rabbit.deleteAfter(t, queue);
    await publishBulk(queue, "h9 import", 1000);
    await publishBulk(queue, "h9 signup", 3);
    const batch = await pullAll(queue);
    assert.equal(batch.length, 1003);

    const told = await recordWarnings(() =>
      withBatchProcessSpan(
        batch,
        { system: "rabbitmq", destination: rabbitmqDestinationName(batch[0]!, queue) },
        () => "done",
      ),
    );
    assert.equal(told.result, "done");
    const [batchSpan] = spansNamed(`process ${queue}`);
    const imported = sendSpanOf("h9 import").spanContext();
    const signup = sendSpanOf("h9 signup").spanContext();
    assert.deepEqual(
      batchSpan!.links.map((l) => [l.context.traceId, l.context.spanId]),
      [
        [imported.traceId, imported.spanId],
        [signup.traceId, signup.spanId],
      ],
    );
    assert.equal(batchSpan!.droppedLinksCount, 0);
    assert.equal(batchSpan!.attributes["messaging.batch.message_count"], 1003, "every message is counted");
    assert.deepEqual(told.processWarnings, []);
  });

  test("withBatch (carrierFrom the headers) over 200 messages of one publish: one link", async (t) => {
    if (!rabbit.requireBroker(t)) return;
    const queue = queueName("rows");
    await rabbit.channel.assertQueue(queue, { autoDelete: false });
    rabbit.deleteAfter(t, queue);
    await publishBulk(queue, "h9 bulk", 200);
    const batch = await pullAll(queue);
    const told = await recordWarnings(() =>
      withBatch(batch, "h9 rows", () => 0, { carrierFrom: (m) => m.properties.headers }),
    );
    const send = sendSpanOf("h9 bulk").spanContext();
    const span = onlySpan("h9 rows");
    assert.deepEqual(
      span.links.map((l) => l.context.spanId),
      [send.spanId],
    );
    assert.equal(span.attributes["messaging.batch.message_count"], 200);
    assert.deepEqual(told.processWarnings, []);
  });

  test("a link options.links holds already is not added again, but a link with attributes is not a message's plain link (both stay); contexts that differ in their flags keep a link each", () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const spanId = "b7ad6b7169203331";
    const sampled = { headers: { traceparent: `00-${traceId}-${spanId}-01` } };
    const unsampled = { headers: { traceparent: `00-${traceId}-${spanId}-00` } };
    const given = { context: { traceId, spanId, traceFlags: 1 }, attributes: { "h9.given": true } };
    // A plain link of the user's to the unsampled context: the unsampled messages add no copy of it.
    const givenPlain = { context: { traceId, spanId, traceFlags: 0 } };
    withBatchProcessSpan(
      [sampled, sampled, unsampled, unsampled],
      { system: "kafka", destination: "h9-orders", links: [given, givenPlain] },
      () => 0,
    );
    const span = onlySpan("process h9-orders");
    assert.deepEqual(
      span.links.map((l) => [l.context.spanId, l.context.traceFlags, l.attributes]),
      [
        [spanId, 1, { "h9.given": true }],
        [spanId, 0, undefined],
        [spanId, 1, undefined],
      ],
    );
    assert.equal(span.attributes["messaging.batch.message_count"], 4);
  });
});
