import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { AmqpQueue } from "../../examples/preprocess/queue-amqp.js";
import { deadLetterQueue } from "../../examples/preprocess/queue.js";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { delivery, quietly, until, type Delivery } from "./queue-helpers.js";

/** How long a test waits for the broker to deliver or dead-letter a message. */
const BROKER_WAIT_MS = 10_000;
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// The main job's RabbitMQ queue (examples/preprocess/queue-amqp.ts) on a real broker: what it does when
// a handler fails. Each test uses a database URL of its own, hence RabbitMQ queues of its own.
describe("AmqpQueue (the main job's RabbitMQ queue): failed handlers", () => {
  const broker = useRabbitMQ();

  /** Runs `fn` on an AmqpQueue of its own (closed afterwards unless `fn` called `close`), then deletes its queues. */
  async function withQueue(
    fn: (queue: AmqpQueue, name: string, close: () => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const queue = await AmqpQueue.open(
      AMQP_URL,
      `file:./amqp-queue-test-${randomBytes(6).toString("hex")}.db`,
    );
    const name = queue.destination("jobs");
    let closed = false;
    const close = async () => {
      closed = true;
      await queue.close();
    };
    try {
      await quietly(() => fn(queue, name, close));
    } finally {
      if (!closed) await queue.close();
      await broker.channel.deleteQueue(name);
      await broker.channel.deleteQueue(deadLetterQueue(name));
    }
  }

  test("a handler that always fails: requeued once, then moved to <queue>.dead with its headers and last error", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue(async (queue, name) => {
      await queue.publish("jobs", "always fails", { traceparent: TRACEPARENT });
      const seen: Delivery[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        throw new Error(`failure ${seen.length}`);
      });
      await broker.channel.assertQueue(deadLetterQueue(name), { durable: true });
      await until(
        async () => (await broker.channel.checkQueue(deadLetterQueue(name))).messageCount === 1,
        BROKER_WAIT_MS,
      );
      // A classic queue tells a redelivery, not how many deliveries came before it.
      assert.deepEqual(seen, [
        { body: "always fails", deliveryCount: 1, redelivered: false },
        { body: "always fails", deliveryCount: undefined, redelivered: true },
      ]);
      const dead = await broker.channel.get(deadLetterQueue(name), { noAck: true });
      assert.ok(dead);
      assert.equal(dead.content.toString("utf8"), "always fails");
      assert.deepEqual(
        { ...dead.properties.headers },
        { traceparent: TRACEPARENT, "last-error": "failure 2" },
      );
      assert.equal((await broker.channel.checkQueue(name)).messageCount, 0);
    });
  });

  test("a handler that fails once and then succeeds: acknowledged on the redelivery, nothing dead", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue(async (queue, name, close) => {
      await queue.publish("jobs", "flaky", {});
      const seen: Delivery[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        if (seen.length === 1) throw new Error("first delivery fails");
      });
      await until(() => seen.length === 2, BROKER_WAIT_MS);
      await close(); // waits for the acknowledgement
      assert.deepEqual(seen, [
        { body: "flaky", deliveryCount: 1, redelivered: false },
        { body: "flaky", deliveryCount: undefined, redelivered: true },
      ]);
      assert.equal((await broker.channel.checkQueue(name)).messageCount, 0);
      await broker.channel.assertQueue(deadLetterQueue(name), { durable: true });
      assert.equal((await broker.channel.checkQueue(deadLetterQueue(name))).messageCount, 0);
    });
  });
});
