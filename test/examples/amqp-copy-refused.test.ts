// AmqpQueue (the main job's RabbitMQ queue) when the broker refuses a copy it publishes of a consumed message
// (a retry, a dead letter) for the message itself: larger than its max_message_size, RabbitMQ closes the
// channel of the publish with 406 PRECONDITION_FAILED. The copies go on a channel of their own, so the
// consumer's channel lives on; a refused copy is published once more on a fresh channel; a retry refused
// twice is dead-lettered at once with its count and last-error; a dead letter refused twice is requeued
// after a second, remembered. Before, the copy went on the consumer's channel, which the refusal closed: the
// queue was lost (the worker exits 1, restarted, to be refused again on the same message).
//
// max_message_size is a global setting of the broker (shared with other runs), which a channel reads when it
// opens (RabbitMQ 3.10 checks the body only, and a copy has the original's body): it is lowered only while
// the queue opens one of its channels, and put back by the broker itself as soon as that channel has opened,
// about 10 ms later (test/support/rabbitmqctl.ts openWithMaxMessageSize; two rabbitmqctl calls around the
// opening left it lowered for about 1.5 s each time, when another run's new channel would have refused its
// larger messages). The message itself is published on the test's channel, opened with the broker's own
// limit. Two RabbitMQ connections: the test's and the queue's.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, type TestContext } from "node:test";
import type amqplib from "amqplib";
import {
  AmqpQueue,
  ATTEMPTS_HEADER,
  LAST_ERROR_HEADER,
  type AmqpQueueOptions,
} from "../../examples/preprocess/queue-amqp.js";
import { deadLetterQueue, type QueueMessage } from "../../examples/preprocess/queue.js";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { urlTag } from "../../examples/preprocess/pipeline.js";
import { openWithMaxMessageSize, rabbitmqctlSkipReason } from "../support/rabbitmqctl.js";
import { quietly, until } from "./queue-helpers.js";
import { boundedTest } from "./tcp-servers.js";

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits by the hang guard (`until`),
// which names what hung; the suite is not bounded as a whole (90 s once, for four tests that wait seconds by
// design: on a loaded machine it would run out in the middle of a healthy test, cancelled without its
// `finally`).
const test = boundedTest();

/** The broker's max_message_size while the queue opens a limited channel, in bytes. */
const MAX_SIZE = 4096;
/** The body of the message, larger than {@link MAX_SIZE}. */
const BIG = JSON.stringify({ jobId: "job-big", note: "x".repeat(MAX_SIZE) });
const SIZE = Buffer.byteLength(BIG);
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/** What the broker says of the copy, and what the queue says to change. */
const REASON = `406 PRECONDITION_FAILED - message size ${SIZE} is larger than configured max size ${MAX_SIZE}`;
const FIX = `raise the broker's max_message_size (rabbitmq.conf) to ${SIZE} bytes or more, or make the message smaller`;
const OPTIONS: AmqpQueueOptions = { maxAttempts: 5, retryDelayMs: 0 };

/** What a handler saw of one delivery, and when. */
interface Seen {
  body: string;
  deliveryCount: number;
  at: number;
}

describe("AmqpQueue: a copy the broker refuses for its size (406 PRECONDITION_FAILED)", () => {
  const broker = useRabbitMQ();

  interface Run {
    queue: AmqpQueue;
    /** The RabbitMQ name of the queue `jobs`. */
    name: string;
    /** The first argument of each console.error line so far. */
    logs: readonly string[];
    /** Channels the queue opened after open() (its copy channels). */
    opened: () => number;
  }

  /**
   * Runs `fn` on an AmqpQueue (a database URL of its own, console.error captured) whose channel was opened
   * with the limit lowered, as was its i-th channel opened after that when `limited[i]` (the ones after the
   * list with the broker's own); then deletes its queues.
   */
  async function withQueue(limited: boolean[], fn: (run: Run) => Promise<void>): Promise<void> {
    const database = `file:./amqp-copy-refused-${randomBytes(6).toString("hex")}.db`;
    // The queue's connection is named with its database's tag (`tracehop-preprocess … <tag>`): the broker
    // lowers the limit only until a channel of that connection opens.
    const limit = <T>(open: () => Promise<T>) => openWithMaxMessageSize(MAX_SIZE, urlTag(database), open);
    const queue = await limit(() => AmqpQueue.open(AMQP_URL, database, OPTIONS));
    const name = queue.destination("jobs");
    const connection = (queue as unknown as { _connection: amqplib.ChannelModel })._connection;
    const open = connection.createConfirmChannel.bind(connection);
    let opened = 0;
    connection.createConfirmChannel = () => (limited[opened++] === true ? limit(open) : open());
    for (const q of [name, deadLetterQueue(name)]) await broker.channel.assertQueue(q, { durable: true });
    try {
      await quietly((logs) => fn({ queue, name, logs, opened: () => opened }));
    } finally {
      await queue.close();
      for (const q of [name, deadLetterQueue(name)]) await broker.channel.deleteQueue(q);
    }
  }

  /** Publishes `body` to `name` on the test's channel (the broker's own limit), as the relay would. */
  async function publish(name: string, body: string, messageId: string): Promise<void> {
    broker.channel.sendToQueue(name, Buffer.from(body), {
      headers: { traceparent: TRACEPARENT },
      persistent: true,
      contentType: "application/json",
      messageId,
    });
    await broker.channel.waitForConfirms();
  }

  /** Whether the queue is lost (its `lost` settled), seen within a turn of the event loop. */
  async function isLost(queue: AmqpQueue): Promise<boolean> {
    return Promise.race([
      queue.lost.then(() => true),
      new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
    ]);
  }

  const skipReason = async (t: TestContext) => {
    if (!broker.requireBroker(t)) return true;
    const noCtl = await rabbitmqctlSkipReason();
    if (noCtl !== undefined) t.skip(noCtl);
    return noCtl !== undefined;
  };

  test("a retry refused once is published again on a fresh channel and delivered again; the consumer goes on (the queue is not lost)", async (t) => {
    if (await skipReason(t)) return;
    await withQueue([true], async ({ queue, name, logs, opened }) => {
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message: QueueMessage) => {
        seen.push({ body: message.body, deliveryCount: message.deliveryCount, at: Date.now() });
        if (seen.length === 1) throw new Error("the handler's first failure");
      });
      await publish(name, BIG, "m-once");
      await until(() => seen.length === 2);
      await publish(name, "after", "m-after");
      await until(() => seen.length === 3);
      assert.deepEqual(
        seen.map((s) => [s.body === BIG ? "BIG" : s.body, s.deliveryCount]),
        [
          ["BIG", 1],
          ["BIG", 2],
          ["after", 1],
        ],
      );
      assert.equal(await isLost(queue), false);
      assert.equal(opened(), 2, "the copy channel and the fresh one");
      assert.ok(
        logs.includes(
          `amqp queue: handler failed on message m-once of ${name} (delivery 1 of 5); delivered again in 0 ms`,
        ),
        logs.join("\n"),
      );
      assert.equal((await broker.channel.checkQueue(deadLetterQueue(name))).messageCount, 0);
    });
  });

  test("a retry refused twice is moved to <queue>.dead at once with its count and last-error (the handler's error, the broker's reason, what to change), said in one line; the consumer goes on", async (t) => {
    if (await skipReason(t)) return;
    await withQueue([true, true], async ({ queue, name, logs, opened }) => {
      const dead = deadLetterQueue(name);
      const seen: string[] = [];
      await queue.consume("jobs", async (message: QueueMessage) => {
        seen.push(message.body === BIG ? "BIG" : message.body);
        if (message.body === BIG) throw new Error("the handler's error");
      });
      await publish(name, BIG, "m-twice");
      const line =
        `amqp queue: handler failed on message m-twice of ${name} (delivery 1 of 5); its retry was refused by ` +
        `the broker (${REASON}): ${FIX}; moved to ${dead} at once`;
      await until(() => logs.includes(line));
      const letter = await broker.channel.get(dead, { noAck: true });
      assert.ok(letter, "no dead letter");
      assert.equal(letter.content.toString(), BIG);
      assert.equal(letter.properties.messageId, "m-twice");
      // What an operator reads of it: how many deliveries it had, and why it died.
      assert.deepEqual(
        { ...letter.properties.headers },
        {
          traceparent: TRACEPARENT,
          [ATTEMPTS_HEADER]: 1,
          [LAST_ERROR_HEADER]: `the handler's error; its retry was refused by the broker (${REASON}): ${FIX}`,
        },
      );
      await publish(name, "after", "m-after");
      await until(() => seen.length === 2);
      assert.deepEqual(seen, ["BIG", "after"]);
      assert.equal(await isLost(queue), false);
      assert.equal(opened(), 3, "the copy channel, the fresh one, and one for the dead letter");
      assert.equal((await broker.channel.checkQueue(name)).messageCount, 0);
    });
  });

  test("the dead letter refused too: the message is requeued after 1000 ms (not lost, not spinning), remembered, and handled again with its count once the broker takes copies", async (t) => {
    if (await skipReason(t)) return;
    await withQueue([true, true, true, true], async ({ queue, name, logs }) => {
      const dead = deadLetterQueue(name);
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message: QueueMessage) => {
        seen.push({ body: message.body, deliveryCount: message.deliveryCount, at: Date.now() });
        if (seen.length === 1) throw new Error("the handler's error");
      });
      await publish(name, BIG, "m-dead-refused");
      await until(() => seen.length === 2);
      const refused = `its retry was refused by the broker (${REASON}): ${FIX}`;
      assert.ok(
        logs.includes(
          `amqp queue: handler failed on message m-dead-refused of ${name} (delivery 1 of 5); ${refused}, and ` +
            `its dead letter could not be published to ${dead} (${REASON}: ${FIX}); requeued in 1000 ms`,
        ),
        logs.join("\n"),
      );
      assert.deepEqual(
        seen.map((s) => [s.body === BIG, s.deliveryCount]),
        [
          [true, 1],
          [true, 2],
        ],
      );
      assert.ok(seen[1]!.at - seen[0]!.at >= 1_000, `handled again after ${seen[1]!.at - seen[0]!.at} ms`);
      assert.ok(!logs.some((l) => l.includes("consumer died")), logs.join("\n"));
      assert.equal(await isLost(queue), false);
      assert.equal((await broker.channel.checkQueue(dead)).messageCount, 0);
      assert.equal((await broker.channel.checkQueue(name)).messageCount, 0);
    });
  });

  test("redrive: a copy refused twice stops the redrive naming the message and the broker's reason, the dead letter stays in <queue>.dead, and the queue goes on (not lost)", async (t) => {
    if (await skipReason(t)) return;
    await withQueue([true, true], async ({ queue, name }) => {
      const dead = deadLetterQueue(name);
      await publish(dead, BIG, "m-redrive");
      await assert.rejects(queue.redrive("jobs"), (error: Error) => {
        assert.equal(
          error.message,
          `amqp queue: redrive of ${dead} stopped after 0 messages: a copy of message m-redrive could not be published to ${name} (${REASON}: ${FIX}); it and the rest stay in ${dead}`,
        );
        return true;
      });
      assert.equal(await isLost(queue), false);
      await until(async () => (await broker.channel.checkQueue(dead)).messageCount === 1);
      assert.equal((await broker.channel.checkQueue(name)).messageCount, 0);
      // The queue goes on: a message it publishes is consumed.
      const seen: string[] = [];
      await queue.consume("jobs", async (message: QueueMessage) => void seen.push(message.body));
      await queue.publish("jobs", "after", {});
      await until(() => seen.length === 1);
      assert.deepEqual(seen, ["after"]);
    });
  });
});
