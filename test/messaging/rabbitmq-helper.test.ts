// test/messaging/rabbitmq.ts's useRabbitMQ, the broker of the tests, when the broker closes its channel: a
// test that makes the broker refuse something on it (a 404, a 406) must fail or go on, not end the test file
// (amqplib emits 'error' on the channel, which without a listener was thrown from its frame handler).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connectOrSkipReason, uniqueQueue, useRabbitMQ } from "./rabbitmq.js";

describe("useRabbitMQ, its channel closed by the broker", { timeout: 20_000 }, () => {
  const broker = useRabbitMQ();

  test("the call the broker answered by closing the channel rejects, nothing else fails; `channel` then says why; deleteAfter still deletes", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = uniqueQueue("helper-closed");
    await t.test("the channel closed by a 404", async (inner) => {
      await broker.channel.assertQueue(queue, { durable: true });
      broker.deleteAfter(inner, queue);
      // checkQueue of a queue that does not exist: the broker closes the channel (404 NOT_FOUND).
      await assert.rejects(broker.channel.checkQueue(`${queue}-missing`), /404/);
      // The 'error' and 'close' events have come by now; a turn of the event loop for any late one.
      await new Promise((resolve) => setImmediate(resolve));
      assert.throws(
        () => broker.channel,
        /^Error: the test's RabbitMQ channel is closed \(closed by the broker: Channel closed by server: 404 \(NOT-FOUND\) with message "NOT_FOUND - no queue '.*-missing' in vhost '\/'"\)/,
      );
    });
    // deleteAfter deleted the queue on a channel of its own: checked on another connection.
    const other = await connectOrSkipReason();
    assert.ok(typeof other !== "string", String(other));
    try {
      const channel = await other.createChannel();
      channel.on("error", () => undefined);
      await assert.rejects(channel.checkQueue(queue), /404/);
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});
