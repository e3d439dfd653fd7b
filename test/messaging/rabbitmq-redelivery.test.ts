/**
 * What a consumer meets on a real RabbitMQ broker after the first delivery: a message nacked with
 * requeue and delivered again, then rejected into a real dead-letter exchange (`x-death` added beside
 * the context), and a consumer the broker cancels (its queue deleted) while the handler runs. Each
 * delivery is one more process span in the send span's trace, child of the send span, with that
 * delivery's attributes; tracing never throws. These held when first tried; kept as regressions.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ConsumeMessage } from "amqplib";
import { SpanStatusCode } from "@opentelemetry/api";
import { rabbitmqDestinationName, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { exporter, inSpan, onlySpan, spansNamed } from "./tracing.js";
import { useRabbitMQ } from "./rabbitmq.js";

const rabbit = useRabbitMQ();

beforeEach(() => exporter.reset());

const unique = (label: string) => `h9-${label}-${process.pid}-${Date.now()}`;

/** Publishes one message in a send span under request span `request`; returns the send span's context. */
async function publish(queue: string, request: string, messageId: string) {
  await inSpan(request, () =>
    withSendSpan(
      { system: "rabbitmq", destination: queue, routingKey: queue, messageId },
      async (headers) => {
        rabbit.channel.sendToQueue(queue, Buffer.from("job"), { headers, messageId });
        await rabbit.channel.waitForConfirms();
      },
    ),
  );
  return spansNamed(`publish ${queue}`)[0]!.spanContext();
}

describe("redelivery and dead-lettering on the real RabbitMQ", () => {
  test("nacked twice with requeue, then rejected into a dead-letter exchange: four process spans, each a child of the send span, one trace; x-death beside the context", async (t) => {
    if (!rabbit.requireBroker(t)) return;
    const queue = unique("work");
    const dlx = unique("dlx");
    const dlq = unique("dead");
    const channel = rabbit.channel;
    await channel.assertExchange(dlx, "fanout", { durable: false, autoDelete: false });
    await channel.assertQueue(dlq, { autoDelete: false });
    await channel.bindQueue(dlq, dlx, "");
    await channel.assertQueue(queue, { autoDelete: false, arguments: { "x-dead-letter-exchange": dlx } });
    rabbit.deleteAfter(t, queue, dlq);
    t.after(async () => void (await channel.deleteExchange(dlx)));

    const send = await publish(queue, "h9 request", "job-1");
    const deliveries: { redelivered: boolean; tag: number }[] = [];
    const dead = new Promise<ConsumeMessage>((resolve) => {
      void channel.consume(dlq, (msg) => {
        if (!msg) return;
        void withProcessSpan(
          msg,
          { system: "rabbitmq", destination: rabbitmqDestinationName(msg, dlq) },
          async () => {
            channel.ack(msg);
          },
        ).then(() => resolve(msg));
      });
    });
    const { consumerTag } = await channel.consume(queue, (msg) => {
      if (!msg) return;
      deliveries.push({ redelivered: msg.fields.redelivered, tag: msg.fields.deliveryTag });
      const attempt = deliveries.length;
      void withProcessSpan(
        msg,
        { system: "rabbitmq", destination: rabbitmqDestinationName(msg, queue), attempt },
        async () => {
          throw new Error(`attempt ${attempt} failed`);
        },
      ).catch(() => channel.nack(msg, false, attempt < 3));
    });
    const deadMessage = await dead;
    await channel.cancel(consumerTag);

    assert.deepEqual(
      deliveries.map((d) => d.redelivered),
      [false, true, true],
    );
    const work = spansNamed(`process ${queue}`);
    assert.equal(work.length, 3);
    for (const [i, span] of work.entries()) {
      assert.equal(span.spanContext().traceId, send.traceId, "one trace");
      assert.equal(span.parentSpanContext?.spanId, send.spanId, "each attempt a child of the send span");
      assert.equal(span.attributes["tracehop.attempt"], i + 1);
      assert.equal(span.attributes["messaging.message.id"], "job-1");
      assert.equal(span.attributes["rabbitmq.message.delivery_tag"], deliveries[i]!.tag);
      assert.equal(span.attributes["messaging.destination.name"], queue);
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.status.message, `attempt ${i + 1} failed`);
    }
    const deathTable = deadMessage.properties.headers?.["x-death"] as { reason: string; queue: string }[];
    assert.equal(deathTable[0]!.reason, "rejected");
    assert.equal(deathTable[0]!.queue, queue);
    const deadSpan = onlySpan(`process ${dlx}:${queue}:${dlq}`);
    assert.equal(deadSpan.spanContext().traceId, send.traceId);
    assert.equal(deadSpan.parentSpanContext?.spanId, send.spanId);
    assert.equal(deadSpan.attributes["messaging.message.id"], "job-1");
    assert.equal(deadSpan.attributes["rabbitmq.destination.routing_key"], queue);
  });

  test("the broker cancels the consumer (its queue deleted) while the handler runs: the span ends with the handler's outcome, nothing thrown", async (t) => {
    if (!rabbit.requireBroker(t)) return;
    const queue = unique("cancelled");
    const channel = rabbit.channel;
    await channel.assertQueue(queue, { autoDelete: false });
    rabbit.deleteAfter(t, queue);
    const send = await publish(queue, "h9 request", "job-2");
    let cancelled = false;
    const outcome = await new Promise<unknown>((resolve) => {
      void channel.consume(queue, (msg) => {
        if (!msg) {
          cancelled = true; // amqplib's call for a consumer the broker cancelled
          return;
        }
        withProcessSpan(
          msg,
          { system: "rabbitmq", destination: rabbitmqDestinationName(msg, queue) },
          async () => {
            await channel.deleteQueue(queue);
            while (!cancelled) await new Promise((r) => setTimeout(r, 10));
            throw new Error("queue gone");
          },
        ).then(resolve, (error: unknown) => resolve(error));
      });
    });
    assert.ok(
      outcome instanceof Error && outcome.message === "queue gone",
      "the handler's own error, unchanged",
    );
    const span = onlySpan(`process ${queue}`);
    assert.equal(span.parentSpanContext?.spanId, send.spanId);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.status.message, "queue gone");
    assert.equal(span.attributes["error.type"], "Error");
  });
});
