// test/messaging/rabbitmq.ts's useRabbitMQ, the broker of the tests, when the broker closes its channel: a
// test that makes the broker refuse something on it (a 404, a 406) must fail or go on, not end the test file
// (amqplib emits 'error' on the channel, which without a listener was thrown from its frame handler).
import assert from "node:assert/strict";
import { describe } from "node:test";
import { connectOrSkipReason, uniqueQueue, useRabbitMQ } from "./rabbitmq.js";
import { boundedTest, HANG_GUARD_MS, within } from "../examples/tcp-servers.js";

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

describe("useRabbitMQ, its channel closed by the broker", () => {
  const broker = useRabbitMQ();

  test("the call the broker answered by closing the channel rejects, nothing else fails; `channel` then says why; deleteAfter still deletes", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = uniqueQueue("helper-closed");
    await t.test("the channel closed by a 404", async (inner) => {
      await within(
        broker.channel.assertQueue(queue, { durable: true }),
        HANG_GUARD_MS,
        "the queue's declaration",
      );
      broker.deleteAfter(inner, queue);
      // checkQueue of a queue that does not exist: the broker closes the channel (404 NOT_FOUND).
      await assert.rejects(
        within(broker.channel.checkQueue(`${queue}-missing`), HANG_GUARD_MS, "the missing queue's check"),
        /404/,
      );
      // The 'error' and 'close' events have come by now; a turn of the event loop for any late one.
      await new Promise((resolve) => setImmediate(resolve));
      assert.throws(
        () => broker.channel,
        /^Error: the test's RabbitMQ channel is closed \(closed by the broker: Channel closed by server: 404 \(NOT-FOUND\) with message "NOT_FOUND - no queue '.*-missing' in vhost '\/'"\)/,
      );
    });
    // deleteAfter deleted the queue on a channel of its own: checked on another connection.
    const other = await within(connectOrSkipReason(), HANG_GUARD_MS, "a second connection to RabbitMQ");
    assert.ok(typeof other !== "string", String(other));
    try {
      const channel = await within(other.createChannel(), HANG_GUARD_MS, "its channel");
      channel.on("error", () => undefined);
      await assert.rejects(
        within(channel.checkQueue(queue), HANG_GUARD_MS, "the deleted queue's check"),
        /404/,
      );
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});
