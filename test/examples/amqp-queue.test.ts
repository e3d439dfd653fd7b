import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe } from "node:test";
import type amqplib from "amqplib";
import {
  AmqpQueue,
  ATTEMPTS_HEADER,
  ATTEMPTS_MARK_HEADER,
  attemptsMark,
  connectAmqp,
  MAX_RETRY_DELAY_MS,
  REQUEUE_PAUSE_MAX_MS,
  retryQueue,
  type AmqpQueueOptions,
} from "../../examples/preprocess/queue-amqp.js";
import { BadInputError, NOT_A_URL, redact } from "../../examples/preprocess/config.js";
import {
  deadLetterQueue,
  PermanentMessageError,
  type LostQueueError,
  type QueueMessage,
  QueueRefusedError,
  UnroutedMessageError,
} from "../../examples/preprocess/queue.js";
import { withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { AMQP_URL, connectOrSkipReason, useRabbitMQ } from "../messaging/rabbitmq.js";
import { exporter } from "../support/sdk.js";
import { quietly, until } from "./queue-helpers.js";
import { boundedTest, HANG_GUARD_MS, switchingProxy, targetOf, throughProxy, within } from "./tcp-servers.js";
import { closeConnectionsNamed, rabbitmqctlSkipReason, withPolicy } from "../support/rabbitmqctl.js";

/** What a handler saw of one delivery, and when. */
interface Seen {
  body: string;
  deliveryCount: number;
  redelivered: boolean;
  id: string | undefined;
  at: number;
}
const delivery = (m: QueueMessage): Seen => ({
  body: m.body,
  deliveryCount: m.deliveryCount,
  redelivered: m.redelivered,
  id: m.id,
  at: Date.now(),
});
const counts = (seen: Seen[]) => seen.map((s) => [s.body, s.deliveryCount, s.redelivered]);
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/**
 * The headers that give a message published by a test `attempts` earlier deliveries, as AmqpQueue's own
 * copies of it carry them (the RabbitMQ queue `name`, its message id `messageId`, its `body`).
 */
const counted = (name: string, messageId: string | undefined, body: string, attempts: number) => ({
  [ATTEMPTS_HEADER]: attempts,
  [ATTEMPTS_MARK_HEADER]: attemptsMark(name, messageId, Buffer.from(body), attempts),
});
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The retry queues a queue with these options can use (one per delay step). */
function retryQueues(name: string, { maxAttempts = 5, retryDelayMs = 1_000 }: AmqpQueueOptions): string[] {
  const delays = new Set<number>();
  for (let n = 1; n < maxAttempts; n++)
    if (retryDelayMs > 0) delays.add(Math.ceil(Math.min(retryDelayMs * 2 ** (n - 1), MAX_RETRY_DELAY_MS)));
  return [...delays].map((delay) => retryQueue(name, delay));
}

/**
 * A consumer that dies with the messages of `name` in hand: takes `n` deliveries without acknowledging
 * them on a connection of its own, then closes that connection (the broker requeues them, `redelivered`).
 */
async function dieWith(name: string, n: number): Promise<void> {
  const connection = (await connectOrSkipReason()) as amqplib.ChannelModel;
  const channel = await connection.createChannel();
  let taken = 0;
  await channel.consume(name, () => void taken++);
  await until(() => taken === n);
  await connection.close();
}

/**
 * amqplib encodes a message's headers (an AMQP field table, its 4-byte length included) in a buffer of
 * this many bytes: a larger table cannot be published (RangeError; the first test checks it).
 */
const HEADERS_TABLE_BYTES = 65_536;
/** Bytes of a string header in a field table: name length, name, type, 4-byte value length, UTF-8 value. */
const stringHeaderBytes = (name: string, value: string) =>
  1 + Buffer.byteLength(name) + 1 + 4 + Buffer.byteLength(value);
/** Headers `traceparent` and `big` whose field table leaves `room` bytes of amqplib's buffer free. */
function nearlyFullHeaders(room: number): Record<string, string> {
  const fixed = 4 + stringHeaderBytes("traceparent", TRACEPARENT) + stringHeaderBytes("big", "");
  return { traceparent: TRACEPARENT, big: "b".repeat(HEADERS_TABLE_BYTES - fixed - room) };
}

// Each test is bounded on its own (boundedTest), not the suite: a bound on the whole suite (90 s once) covered
// some forty tests, several of which wait seconds by design (retries 1, 2, 4 s apart), and on a loaded
// machine ran out in the middle of a healthy test, cancelled without its `finally` (its queue's connection
// left open, so that the file never ended).
const test = boundedTest();

// The main job's RabbitMQ queue (examples/preprocess/queue-amqp.ts) on a real broker: what it does when
// a handler fails. Each test uses a database URL of its own, hence RabbitMQ queues of its own.
describe("AmqpQueue (the main job's RabbitMQ queue): failed handlers", () => {
  const broker = useRabbitMQ();

  /** What {@link withQueue} hands its function. */
  interface Run {
    queue: AmqpQueue;
    /** The RabbitMQ name of the queue `jobs`. */
    name: string;
    /** The database URL the queue was opened with (another AmqpQueue on it finds the same queues). */
    database: string;
    /** Closes `queue` (else closed afterwards). */
    close: () => Promise<void>;
    /** The first argument of each console.error line so far. */
    logs: readonly string[];
  }

  /**
   * Runs `fn` on an AmqpQueue with `options` and a database URL of its own, with console.error captured;
   * then deletes its queues (main, dead-letter, retry).
   */
  async function withQueue(options: AmqpQueueOptions, fn: (run: Run) => Promise<void>): Promise<void> {
    const database = `file:./amqp-queue-test-${randomBytes(6).toString("hex")}.db`;
    const queue = await AmqpQueue.open(AMQP_URL, database, options);
    const name = queue.destination("jobs");
    // Declared as AmqpQueue declares them, so that the tests can count their messages from the start.
    for (const q of [name, deadLetterQueue(name)]) await broker.channel.assertQueue(q, { durable: true });
    let closed = false;
    const close = async () => {
      closed = true;
      await queue.close();
    };
    try {
      await quietly((logs) => fn({ queue, name, database, close, logs }));
    } finally {
      if (!closed) await queue.close();
      for (const q of [name, deadLetterQueue(name), ...retryQueues(name, options)])
        await broker.channel.deleteQueue(q);
    }
  }

  /** Messages ready in `queue`, which must exist (checkQueue: a missing queue would close the channel). */
  const messageCount = async (queue: string) => (await broker.channel.checkQueue(queue)).messageCount;

  /** The first message of the dead-letter queue of `name`, taken off it (asserted to be there). */
  async function takeDeadLetter(name: string): Promise<amqplib.GetMessage> {
    const dead = await broker.channel.get(deadLetterQueue(name), { noAck: true });
    assert.ok(dead);
    return dead;
  }

  /**
   * Workers of `database` (up to 6, one after another) that each die with the message of `name` in
   * hand: its connection is cut while the handler runs (as a process killed mid-job), and the broker
   * redelivers the message to the next worker; until the message is in the dead-letter queue. Returns
   * the deliveryCount each handler saw.
   */
  async function killEveryConsumer(
    name: string,
    database: string,
    options: AmqpQueueOptions,
  ): Promise<number[]> {
    const seen: number[] = [];
    for (let worker = 1; worker <= 6; worker++) {
      if ((await messageCount(deadLetterQueue(name))) === 1) break;
      const dying = await AmqpQueue.open(AMQP_URL, database, options);
      const connection = (dying as unknown as { _connection: amqplib.ChannelModel })._connection;
      const before = seen.length;
      await dying.consume("jobs", async (message) => {
        seen.push(message.deliveryCount);
        await connection.close();
        await new Promise(() => undefined); // never settles: its worker is gone
      });
      await until(async () => seen.length > before || (await messageCount(deadLetterQueue(name))) === 1);
      // The worker that dead-lettered the message instead of handling it is still alive.
      if (seen.length === before) await dying.close();
    }
    return seen;
  }

  /**
   * Waits until one message is in `<name>.dead` and the queue's line saying so is in `logs`: the queue
   * logs it once the dead letter is confirmed, a moment after the broker counts it.
   */
  async function untilDead(name: string, logs: readonly string[]): Promise<void> {
    await until(async () => (await messageCount(deadLetterQueue(name))) === 1);
    await until(() => logs.some((line) => line.includes(`moved to ${deadLetterQueue(name)}`)));
  }

  /**
   * Consumes `jobs` of `queue` (RabbitMQ queue `name`) with a handler that fails every delivery
   * (`failure 1`, `failure 2`, ...) until one message is in `<name>.dead` and its line is in `logs`
   * ({@link untilDead}); the deliveries seen.
   */
  async function failUntilDead(queue: AmqpQueue, name: string, logs: readonly string[]): Promise<Seen[]> {
    const seen: Seen[] = [];
    await queue.consume("jobs", async (message) => {
      seen.push(delivery(message));
      throw new Error(`failure ${seen.length}`);
    });
    await untilDead(name, logs);
    return seen;
  }

  test("its queue deleted while consumed: the queue is lost (the worker then exits to be started again), not silently idle", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({}, async ({ queue, name }) => {
      await queue.consume("jobs", async () => undefined);
      await broker.channel.deleteQueue(name);
      const lost = await within(queue.lost, HANG_GUARD_MS, "the queue's loss");
      assert.equal(
        lost.message,
        `amqp queue: the broker cancelled the consumer of ${name} (the queue was deleted?)`,
      );
    });
  });

  test("its queue deleted after it was declared: a publish is returned unrouted and rejected (the relay keeps its row), the next declares it again", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({}, async ({ queue, name }) => {
      await queue.publish("jobs", "first", {});
      assert.equal(await messageCount(name), 1);
      await broker.channel.deleteQueue(name);
      await assert.rejects(queue.publish("jobs", "second", {}), (error: unknown) => {
        // Its own class: the relay says it in one line, no stack.
        assert.ok(error instanceof UnroutedMessageError, String(error));
        assert.equal(error.queue, name);
        assert.equal(
          error.message,
          `amqp queue: the broker returned a message to ${name} unrouted: the queue does not exist (deleted while ` +
            `this process ran?); nothing was delivered, it is declared again on the next try`,
        );
        return true;
      });
      await queue.publish("jobs", "third", {});
      const got = await broker.channel.get(name, { noAck: true });
      assert.equal(got && got.content.toString(), "third");
    });
  });

  test("a handler that always fails: deliveries counted 1..maxAttempts, each after its doubled delay, then moved to <queue>.dead", async (t) => {
    if (!broker.requireBroker(t)) return;
    const options = { maxAttempts: 4, retryDelayMs: 200 };
    await withQueue(options, async ({ queue, name, logs }) => {
      await queue.publish("jobs", "always fails", { traceparent: TRACEPARENT });
      const seen = await failUntilDead(queue, name, logs);
      assert.deepEqual(counts(seen), [
        ["always fails", 1, false],
        ["always fails", 2, true],
        ["always fails", 3, true],
        ["always fails", 4, true],
      ]);
      // One message id throughout: the relay's publish gives one, every retry keeps it.
      assert.match(seen[0]!.id ?? "", UUID);
      assert.deepEqual(new Set(seen.map((s) => s.id)).size, 1);
      // 200, 400, 800 ms between a failure and the next delivery (a RabbitMQ TTL is not exact: +1 s at most).
      const gaps = seen.slice(1).map((s, i) => s.at - seen[i]!.at);
      for (const [i, delay] of [200, 400, 800].entries())
        assert.ok(
          gaps[i]! >= delay - 10 && gaps[i]! < delay + 1_000,
          `gap ${i + 1}: ${gaps[i]} ms, ${delay} expected`,
        );
      assert.deepEqual(retryQueues(name, options), [
        `${name}.retry.200ms`,
        `${name}.retry.400ms`,
        `${name}.retry.800ms`,
      ]);
      for (const q of [name, ...retryQueues(name, options)]) assert.equal(await messageCount(q), 0, q);
      const dead = await takeDeadLetter(name);
      assert.equal(dead.content.toString("utf8"), "always fails");
      assert.equal(dead.properties.messageId, seen[0]!.id);
      assert.deepEqual(
        { ...dead.properties.headers },
        { traceparent: TRACEPARENT, [ATTEMPTS_HEADER]: 4, "last-error": "failure 4" },
      );
      const id = seen[0]!.id;
      assert.deepEqual(logs, [
        `amqp queue: handler failed on message ${id} of ${name} (delivery 1 of 4); delivered again in 200 ms`,
        `amqp queue: handler failed on message ${id} of ${name} (delivery 2 of 4); delivered again in 400 ms`,
        `amqp queue: handler failed on message ${id} of ${name} (delivery 3 of 4); delivered again in 800 ms`,
        `amqp queue: handler failed on message ${id} of ${name} (delivery 4 of 4); moved to ${deadLetterQueue(name)}`,
      ]);
    });
  });

  test("retries of different delays do not wait behind each other: one retry queue per delay", async (t) => {
    if (!broker.requireBroker(t)) return;
    // "long" fails on its third delivery (4 × 300 ms), "short" a moment later on its first (300 ms): in one
    // queue of per-message TTLs, "short" would wait behind "long" (RabbitMQ expires only at the head).
    const options = { maxAttempts: 5, retryDelayMs: 300 };
    await withQueue(options, async ({ queue, name }) => {
      broker.channel.sendToQueue(name, Buffer.from("long"), { headers: counted(name, undefined, "long", 2) });
      await broker.channel.waitForConfirms();
      await queue.publish("jobs", "short", {});
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        if (seen.filter((s) => s.body === message.body).length === 1) throw new Error("first try");
      });
      await until(() => seen.length === 4);
      assert.deepEqual(counts(seen), [
        ["long", 3, true],
        ["short", 1, false],
        ["short", 2, true],
        ["long", 4, true],
      ]);
      // Timing-free: the order above is the proof. "long" failed first and waits 1200 ms, "short" failed
      // after it and waits 300 ms; behind "long" in one queue, "short" 2 would come after "long" 4. The gaps'
      // lower bounds are the delays (a slow machine only makes a gap longer); no upper bound is asserted.
      const shortGap = seen[2]!.at - seen[1]!.at;
      assert.ok(shortGap >= 290, `short waited ${shortGap} ms, 300 expected`);
      const longGap = seen[3]!.at - seen[0]!.at;
      assert.ok(longGap >= 1_190, `long waited ${longGap} ms, 1200 expected`);
    });
  });

  test("a handler that throws PermanentMessageError (a malformed message): dead at once on its first delivery, its reason in last-error, one log line, not retried", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ maxAttempts: 5, retryDelayMs: 0 }, async ({ queue, name, logs }) => {
      await queue.publish("jobs", "not json", { traceparent: TRACEPARENT });
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        throw new PermanentMessageError("malformed message: not JSON");
      });
      await until(async () => (await messageCount(deadLetterQueue(name))) === 1);
      await until(() => logs.length === 1);
      assert.deepEqual(counts(seen), [["not json", 1, false]]);
      const dead = await takeDeadLetter(name);
      assert.equal(dead.content.toString(), "not json");
      assert.deepEqual(
        { ...dead.properties.headers },
        { traceparent: TRACEPARENT, [ATTEMPTS_HEADER]: 1, "last-error": "malformed message: not JSON" },
      );
      assert.deepEqual(logs, [
        `amqp queue: message ${seen[0]!.id} of ${name} can never be handled (delivery 1 of 5): malformed message: not JSON; moved to ${deadLetterQueue(name)} at once, not retried`,
      ]);
      assert.equal(await messageCount(name), 0);
    });
  });

  test("a handler that fails once and then succeeds: acknowledged on the second delivery, nothing dead", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ retryDelayMs: 0 }, async ({ queue, name, close }) => {
      await queue.publish("jobs", "flaky", {});
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        if (seen.length === 1) throw new Error("first delivery fails");
      });
      await until(() => seen.length === 2);
      await close(); // waits for the acknowledgement
      assert.deepEqual(counts(seen), [
        ["flaky", 1, false],
        ["flaky", 2, true],
      ]);
      assert.equal(await messageCount(name), 0);
      assert.equal(await messageCount(deadLetterQueue(name)), 0);
    });
  });

  test("a message the broker redelivers (its consumer died with it unacknowledged) counts that delivery", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({}, async ({ queue, name, close }) => {
      await queue.publish("jobs", "first delivery lost", {});
      broker.channel.sendToQueue(name, Buffer.from("third delivery lost"), {
        headers: counted(name, undefined, "third delivery lost", 1),
      });
      await broker.channel.waitForConfirms();
      await dieWith(name, 2);
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
      });
      await until(() => seen.length === 2);
      await close();
      assert.deepEqual(counts(seen), [
        ["first delivery lost", 2, true],
        ["third delivery lost", 3, true],
      ]);
    });
  });

  test("a message whose consumer died on its last allowed delivery is dead-lettered with the handler's last error, not delivered again", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ maxAttempts: 2 }, async ({ queue, name, logs }) => {
      broker.channel.sendToQueue(name, Buffer.from("kills its consumers"), {
        headers: {
          traceparent: TRACEPARENT,
          ...counted(name, "m-1", "kills its consumers", 1),
          "last-error": "out of memory",
        },
        messageId: "m-1",
      });
      await broker.channel.waitForConfirms();
      await dieWith(name, 1);
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
      });
      await untilDead(name, logs);
      assert.deepEqual(seen, []);
      const dead = await takeDeadLetter(name);
      const lastError =
        "not acknowledged: its consumer died or lost its channel with it in hand (delivery 2 of 2); last handler error: out of memory";
      assert.deepEqual(
        { ...dead.properties.headers },
        { traceparent: TRACEPARENT, [ATTEMPTS_HEADER]: 2, "last-error": lastError },
      );
      assert.deepEqual(logs, [
        `amqp queue: message m-1 of ${name} ${lastError}; moved to ${deadLetterQueue(name)}`,
      ]);
      assert.equal(await messageCount(name), 0);
    });
  });

  test("maxAttempts lowered while a retry waits: a message whose count has reached the new limit is dead-lettered at once, unhandled, with the numbers (not 'its consumer died')", async (t) => {
    if (!broker.requireBroker(t)) return;
    // A worker with maxAttempts 5 fails delivery 2 of a message (its retry waits 2 s), and stops; the next
    // worker of the same database runs with maxAttempts 2.
    const before = { maxAttempts: 5, retryDelayMs: 1_000 };
    await withQueue(before, async ({ queue, name, database, close, logs }) => {
      await queue.publish("jobs", "limit lowered", { traceparent: TRACEPARENT });
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        throw new Error(`failure ${message.deliveryCount}`);
      });
      await until(() => logs.some((line) => line.endsWith("(delivery 2 of 5); delivered again in 2000 ms")));
      await close();
      const id = seen[0]!.id;
      const lowered = await AmqpQueue.open(AMQP_URL, database, { maxAttempts: 2 });
      try {
        await lowered.consume("jobs", async (message) => void seen.push(delivery(message)));
        await untilDead(name, logs);
      } finally {
        await lowered.close();
      }
      assert.deepEqual(counts(seen), [
        ["limit lowered", 1, false],
        ["limit lowered", 2, true],
      ]);
      const lastError =
        "delivery 3 of at most 2: maxAttempts was lowered to 2 while the message waited for a retry after 2 deliveries, so it is not delivered again; last handler error: failure 2";
      const dead = await takeDeadLetter(name);
      assert.deepEqual(
        { ...dead.properties.headers },
        { traceparent: TRACEPARENT, [ATTEMPTS_HEADER]: 2, "last-error": lastError },
      );
      assert.equal(
        logs.at(-1),
        `amqp queue: message ${id} of ${name}: ${lastError}; moved to ${deadLetterQueue(name)} at once`,
      );
    });
  });

  test("a message that kills every consumer that takes it is dead-lettered after maxAttempts deliveries, not redelivered forever", async (t) => {
    if (!broker.requireBroker(t)) return;
    const options = { maxAttempts: 3 };
    await withQueue(options, async ({ queue, name, database, logs }) => {
      await queue.publish("jobs", "kills its consumer", {});
      assert.deepEqual(await killEveryConsumer(name, database, options), [1, 2, 3]);
      await untilDead(name, logs);
      const dead = await takeDeadLetter(name);
      assert.equal(dead.properties.headers?.[ATTEMPTS_HEADER], 3);
      assert.match(
        String(dead.properties.headers?.["last-error"]),
        /^not acknowledged: its consumer died or lost its channel with it in hand \(delivery 3 of 3\)/,
      );
      assert.ok(logs.some((line) => line.includes(`moved to ${deadLetterQueue(name)}`)));
    });
  });

  test("a publisher's `x-delivery-count: 0` on a message that kills every consumer is not believed: counted by `redelivered`, dead after maxAttempts", async (t) => {
    if (!broker.requireBroker(t)) return;
    const options = { maxAttempts: 3 };
    await withQueue(options, async ({ name, database }) => {
      broker.channel.sendToQueue(name, Buffer.from("kills its consumer"), {
        headers: { "x-delivery-count": 0 },
        messageId: "hostile-0",
      });
      await broker.channel.waitForConfirms();
      assert.deepEqual(await killEveryConsumer(name, database, options), [1, 2, 3]);
      await until(async () => (await messageCount(deadLetterQueue(name))) === 1);
      const dead = await takeDeadLetter(name);
      assert.equal(dead.properties.headers?.[ATTEMPTS_HEADER], 3);
      // The broker's header is left off the copies.
      assert.equal(dead.properties.headers?.["x-delivery-count"], undefined);
    });
  });

  test("a publisher's `x-delivery-count: 99` is not believed: its handler runs from delivery 1 to maxAttempts before the message is dead", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ maxAttempts: 3, retryDelayMs: 0 }, async ({ queue, name, logs }) => {
      broker.channel.sendToQueue(name, Buffer.from("claims 99 deliveries"), {
        headers: { "x-delivery-count": 99 },
        messageId: "hostile-99",
      });
      await broker.channel.waitForConfirms();
      const seen = await failUntilDead(queue, name, logs);
      assert.deepEqual(counts(seen), [
        ["claims 99 deliveries", 1, false],
        ["claims 99 deliveries", 2, true],
        ["claims 99 deliveries", 3, true],
      ]);
      const dead = await takeDeadLetter(name);
      assert.equal(dead.properties.headers?.[ATTEMPTS_HEADER], 3);
      assert.equal(dead.properties.headers?.["last-error"], "failure 3");
      assert.equal(dead.properties.headers?.["x-delivery-count"], undefined);
      assert.ok(!logs.some((line) => line.includes("consumer died")), logs.join("\n"));
    });
  });

  test("a publisher's `tracehop-attempts: 99` (not marked by the queue) is not believed: its handler runs from delivery 1 to maxAttempts, dead with the handler's last error", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ maxAttempts: 3, retryDelayMs: 0 }, async ({ queue, name, logs }) => {
      broker.channel.sendToQueue(name, Buffer.from("claims 99 attempts"), {
        headers: { traceparent: TRACEPARENT, [ATTEMPTS_HEADER]: 99, "last-error": "an old failure" },
        messageId: "copied-99",
      });
      await broker.channel.waitForConfirms();
      const seen = await failUntilDead(queue, name, logs);
      assert.deepEqual(counts(seen), [
        ["claims 99 attempts", 1, false],
        ["claims 99 attempts", 2, true],
        ["claims 99 attempts", 3, true],
      ]);
      const dead = await takeDeadLetter(name);
      // A dead letter carries its count, but not the mark: moved back as it is, it starts again from 1.
      assert.deepEqual(
        { ...dead.properties.headers },
        { traceparent: TRACEPARENT, [ATTEMPTS_HEADER]: 3, "last-error": "failure 3" },
      );
      assert.deepEqual(logs, [
        `amqp queue: handler failed on message copied-99 of ${name} (delivery 1 of 3); delivered again in 0 ms`,
        `amqp queue: handler failed on message copied-99 of ${name} (delivery 2 of 3); delivered again in 0 ms`,
        `amqp queue: handler failed on message copied-99 of ${name} (delivery 3 of 3); moved to ${deadLetterQueue(name)}`,
      ]);
    });
  });

  test("a copy of the queue's own retry published by an application with every header (the mark too) but its own message id, or none: delivery 1", async (t) => {
    if (!broker.requireBroker(t)) return;
    // maxAttempts 2: a believed count of 1 would make the copies' first delivery the last allowed one.
    await withQueue({ maxAttempts: 2, retryDelayMs: 60_000 }, async ({ queue, name, logs }) => {
      await queue.publish("jobs", "retried", { traceparent: TRACEPARENT });
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        if (seen.length === 1) throw new Error("first failure");
      });
      const retries = retryQueue(name, 60_000);
      // Logged once the retry is confirmed (checkQueue before the queue declares it would close the channel).
      await until(() => logs.some((line) => line.endsWith("delivered again in 60000 ms")));
      // The queue's retry, taken off its retry queue: marked for its queue, its message id and its count.
      const retry = await broker.channel.get(retries, { noAck: true });
      assert.ok(retry);
      const id = retry.properties.messageId as string;
      assert.deepEqual(
        { ...retry.properties.headers },
        {
          traceparent: TRACEPARENT,
          ...counted(name, id, "retried", 1),
          "last-error": "first failure",
        },
      );
      const headers = { ...retry.properties.headers };
      broker.channel.sendToQueue(name, retry.content, { headers, messageId: "republished" });
      broker.channel.sendToQueue(name, retry.content, { headers });
      await broker.channel.waitForConfirms();
      await until(() => seen.length === 3);
      assert.deepEqual(
        seen.map((s) => [s.id, s.deliveryCount, s.redelivered]),
        [
          [id, 1, false],
          ["republished", 1, false],
          [undefined, 1, false],
        ],
      );
      assert.equal(await messageCount(deadLetterQueue(name)), 0);
    });
  });

  test("a dead letter moved back as it is (a shovel of <queue>.dead: same body, message id and headers) is handled from delivery 1, not dead-lettered unhandled", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ maxAttempts: 2, retryDelayMs: 0 }, async ({ queue, name, logs }) => {
      await queue.publish("jobs", "dies", { traceparent: TRACEPARENT });
      const seen: Seen[] = [];
      let healed = false;
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        if (!healed) throw new Error(`failure ${seen.length}`);
      });
      await until(async () => (await messageCount(deadLetterQueue(name))) === 1);
      healed = true;
      const dead = await takeDeadLetter(name);
      assert.equal(dead.properties.headers?.[ATTEMPTS_HEADER], 2);
      broker.channel.sendToQueue(name, dead.content, {
        headers: { ...dead.properties.headers },
        messageId: dead.properties.messageId as string,
      });
      await broker.channel.waitForConfirms();
      await until(() => seen.length === 3);
      await until(async () => (await messageCount(name)) === 0);
      assert.deepEqual(counts(seen), [
        ["dies", 1, false],
        ["dies", 2, true],
        ["dies", 1, false],
      ]);
      assert.equal(await messageCount(deadLetterQueue(name)), 0);
      assert.ok(!logs.some((line) => line.includes("consumer died")), logs.join("\n"));
    });
  });

  test("a message without a message id (none, or empty) is named the same on every delivery in the log, by a hash of its body, not by its delivery tag", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ maxAttempts: 3, retryDelayMs: 0 }, async ({ queue, name, logs }) => {
      broker.channel.sendToQueue(name, Buffer.from("no id"), {});
      broker.channel.sendToQueue(name, Buffer.from("empty id"), { messageId: "" });
      await broker.channel.waitForConfirms();
      const seen: { id: string | undefined; label: string }[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push({ id: message.id, label: message.label });
        throw new Error("fails");
      });
      await until(async () => (await messageCount(deadLetterQueue(name))) === 2);
      await until(() => logs.filter((line) => line.includes("moved to")).length === 2);
      const hash = (body: string) => createHash("sha256").update(body).digest("hex").slice(0, 12);
      const noId = `a message without an id (body sha256 ${hash("no id")})`;
      const emptyId = `a message without an id (body sha256 ${hash("empty id")})`;
      // No id is made up for the handler (messaging.message.id): it has none.
      assert.deepEqual(
        seen.filter((s) => s.label === noId),
        Array.from({ length: 3 }, () => ({ id: undefined, label: noId })),
      );
      assert.deepEqual(
        seen.filter((s) => s.label === emptyId),
        Array.from({ length: 3 }, () => ({ id: undefined, label: emptyId })),
      );
      for (const [label, n, outcome] of [
        [noId, 1, "delivered again in 0 ms"],
        [noId, 2, "delivered again in 0 ms"],
        [noId, 3, `moved to ${deadLetterQueue(name)}`],
        [emptyId, 1, "delivered again in 0 ms"],
        [emptyId, 3, `moved to ${deadLetterQueue(name)}`],
      ] as const)
        assert.ok(
          logs.includes(`amqp queue: handler failed on ${label} of ${name} (delivery ${n} of 3); ${outcome}`),
          `${label} ${n}: ${logs.join("\n")}`,
        );
      assert.equal(logs.length, 6, logs.join("\n"));
    });
  });

  test("headers near amqplib's 64 KiB limit: a full table can be published, one byte more cannot", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({}, async ({ name }) => {
      broker.channel.sendToQueue(name, Buffer.from("full"), { headers: nearlyFullHeaders(0) });
      await broker.channel.waitForConfirms();
      assert.throws(
        () => broker.channel.sendToQueue(name, Buffer.from("over"), { headers: nearlyFullHeaders(-1) }),
        { name: "RangeError", message: /exceeds the 65536 byte encoding buffer/ },
      );
      const got = await broker.channel.get(name, { noAck: true });
      assert.ok(got);
      assert.deepEqual({ ...got.properties.headers }, nearlyFullHeaders(0));
    });
  });

  test("headers that leave room for the count but not for the whole error: retried with the count and a cut last-error, dead after maxAttempts", async (t) => {
    if (!broker.requireBroker(t)) return;
    const options = { maxAttempts: 3, retryDelayMs: 20 };
    await withQueue(options, async ({ queue, name, logs }) => {
      const headers = nearlyFullHeaders(200);
      await queue.publish("jobs", "large headers", headers);
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        throw new Error(`failure ${seen.length}: ${"e".repeat(990)}`);
      });
      await until(async () => (await messageCount(deadLetterQueue(name))) === 1 || seen.length > 3);
      await until(() => logs.length === 3); // the dead letter's line comes once it is confirmed
      assert.deepEqual(counts(seen), [
        ["large headers", 1, false],
        ["large headers", 2, true],
        ["large headers", 3, true],
      ]);
      const dead = await takeDeadLetter(name);
      const { "last-error": lastError, ...rest } = dead.properties.headers ?? {};
      assert.deepEqual(rest, { ...headers, [ATTEMPTS_HEADER]: 3 });
      // Cut to fit (halved until it does), marked by an ellipsis: the start of the handler's last error.
      assert.equal(typeof lastError, "string");
      assert.match(lastError as string, /^failure 3: e+…$/);
      assert.ok((lastError as string).length < 200, `${(lastError as string).length} characters`);
      assert.equal(logs.length, 3, logs.join("\n"));
      assert.match(
        logs[0]!,
        /\(delivery 1 of 3\); delivered again in 20 ms \(its last-error cut to \d+ characters to fit\)$/,
      );
      assert.match(
        logs[2]!,
        /\(delivery 3 of 3\); moved to \S+\.dead \(its last-error cut to \d+ characters to fit\)$/,
      );
    });
  });

  test("headers that leave no room for the count: dead-lettered at once with its headers as they were and the reason logged, not requeued forever", async (t) => {
    if (!broker.requireBroker(t)) return;
    const options = { maxAttempts: 3, retryDelayMs: 20 };
    await withQueue(options, async ({ queue, name, logs }) => {
      const headers = nearlyFullHeaders(0);
      await queue.publish("jobs", "full headers", headers);
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        throw new Error("handler failure");
      });
      await until(async () => (await messageCount(deadLetterQueue(name))) === 1 || seen.length > 3);
      // Logged once the dead letter is confirmed, a moment after the broker counts it (a loaded CI
      // machine asserted before the line came).
      await until(() => logs.length > 0);
      assert.deepEqual(counts(seen), [["full headers", 1, false]]);
      const dead = await takeDeadLetter(name);
      assert.deepEqual({ ...dead.properties.headers }, headers);
      assert.equal(dead.properties.messageId, seen[0]!.id);
      assert.deepEqual(logs, [
        `amqp queue: handler failed on message ${seen[0]!.id} of ${name} (delivery 1 of 3), and a retry with its count is too large to publish (its headers exceed amqplib's 65536-byte field table); moved to ${deadLetterQueue(name)} at once (with its headers as they were: its count and last-error do not fit)`,
      ]);
      assert.equal(await messageCount(name), 0);
    });
  });

  test("a redelivered message whose count cannot be written (headers too large) is dead-lettered at once, not handled uncounted", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ maxAttempts: 3 }, async ({ queue, name, logs }) => {
      const headers = nearlyFullHeaders(0);
      await queue.publish("jobs", "full headers", headers);
      await dieWith(name, 1);
      const seen: Seen[] = [];
      await queue.consume("jobs", async (message) => void seen.push(delivery(message)));
      await until(async () => (await messageCount(deadLetterQueue(name))) === 1 || seen.length > 0);
      // Logged once the dead letter is confirmed, a moment after the broker counts it.
      await until(() => logs.length > 0);
      assert.deepEqual(seen, []);
      const dead = await takeDeadLetter(name);
      assert.deepEqual({ ...dead.properties.headers }, headers);
      assert.equal(logs.length, 1, logs.join("\n"));
      assert.match(
        logs[0]!,
        /^amqp queue: message \S+ of \S+ not acknowledged: its consumer died or lost its channel with it in hand, and a copy with its count is too large to publish \(delivery 1 of 3\); moved to \S+\.dead \(with its headers as they were: its count and last-error do not fit\)$/,
      );
    });
  });

  test("a dead letter the dead-letter queue refuses for a while keeps its real reason when it comes back (not 'its consumer died')", async (t) => {
    if (!broker.requireBroker(t)) return;
    const noCtl = await rabbitmqctlSkipReason();
    if (noCtl !== undefined) return t.skip(noCtl);
    await withQueue({ maxAttempts: 1 }, async ({ queue, name, logs }) => {
      const dead = deadLetterQueue(name);
      const pattern = `^${dead.replaceAll(".", "\\.")}$`;
      // The dead-letter queue refuses every message for now (a full queue that rejects publishes): the copy
      // is nacked by the broker, so the message is requeued, and comes back `redelivered`.
      await withPolicy(
        `tracehop-test-${name}`,
        pattern,
        { "max-length": 0, overflow: "reject-publish" },
        async (clear) => {
          await queue.publish("jobs", "refused dead letter", { traceparent: TRACEPARENT });
          let calls = 0;
          await queue.consume("jobs", async () => {
            calls++;
            throw new Error("the handler's own error");
          });
          await until(() => logs.some((line) => line.includes("requeued in")));
          await clear();
          await until(async () => (await messageCount(dead)) === 1);
          assert.equal(calls, 1);
        },
      );
      const letter = await broker.channel.get(dead, { noAck: true });
      assert.ok(letter);
      assert.deepEqual(
        { ...letter.properties.headers },
        { traceparent: TRACEPARENT, [ATTEMPTS_HEADER]: 1, "last-error": "the handler's own error" },
      );
      assert.ok(!logs.some((line) => line.includes("consumer died")), logs.join("\n"));
    });
  });

  test("a dead letter the dead-letter queue keeps refusing is requeued after 1 s, then 2 s, then 4 s (doubled, at most 30 s), not once a second forever; each line names the message and why", async (t) => {
    if (!broker.requireBroker(t)) return;
    const noCtl = await rabbitmqctlSkipReason();
    if (noCtl !== undefined) return t.skip(noCtl);
    await withQueue({ maxAttempts: 1 }, async ({ queue, name, logs }) => {
      const dead = deadLetterQueue(name);
      const pattern = `^${dead.replaceAll(".", "\\.")}$`;
      // The dead-letter queue refuses every message (a full queue that rejects publishes) until cleared.
      await withPolicy(
        `tracehop-test-${name}`,
        pattern,
        { "max-length": 0, overflow: "reject-publish" },
        async (clear) => {
          await queue.publish("jobs", "refused dead letter", { traceparent: TRACEPARENT });
          let calls = 0;
          let id: string | undefined;
          await queue.consume("jobs", async (message) => {
            calls++;
            id = message.id;
            throw new Error("the handler's own error");
          });
          const requeued = () => logs.filter((line) => line.includes("; requeued in "));
          /** When each "requeued in" line was first seen. */
          const seenAt: number[] = [];
          await until(() => {
            while (seenAt.length < requeued().length) seenAt.push(Date.now());
            return seenAt.length >= 3;
          });
          const doubling = (n: number) =>
            ` (requeue ${n} in a row: the pause doubles each time, at most ${REQUEUE_PAUSE_MAX_MS / 1_000} s)`;
          assert.deepEqual(
            requeued()
              .slice(0, 3)
              .map((line) => line.slice(line.lastIndexOf("; requeued in "))),
            [
              "; requeued in 1000 ms",
              `; requeued in 2000 ms${doubling(2)}`,
              `; requeued in 4000 ms${doubling(3)}`,
            ],
          );
          // Which message, and why: its handler's error, and the broker's refusal of its dead letter.
          const nacked = `could not be published to ${dead} (the broker refused it with a basic.nack, which gives no reason: a queue at its max-length that rejects publishes, for one)`;
          const givenBack = `amqp queue: message ${id} of ${name}, given back when its dead letter was refused (delivery 1 of 1: the handler's own error)`;
          assert.deepEqual(requeued().slice(0, 2), [
            `amqp queue: handler failed on message ${id} of ${name} (delivery 1 of 1), and its dead letter ${nacked}; requeued in 1000 ms`,
            `${givenBack}, and its dead letter ${nacked}; requeued in 2000 ms${doubling(2)}`,
          ]);
          assert.ok(seenAt[1]! - seenAt[0]! >= 950, `requeued again after ${seenAt[1]! - seenAt[0]!} ms`);
          assert.ok(seenAt[2]! - seenAt[1]! >= 1_950, `requeued again after ${seenAt[2]! - seenAt[1]!} ms`);
          await clear();
          // Taken once the 4 s pause is over: dead with its count and its real reason, its handler run once.
          await until(async () => (await messageCount(dead)) === 1);
          assert.ok(Date.now() - seenAt[2]! >= 3_900, `dead-lettered ${Date.now() - seenAt[2]!} ms after`);
          assert.equal(calls, 1);
          await until(() => logs.includes(`${givenBack}; moved to ${dead}`));
        },
      );
      const letter = await broker.channel.get(dead, { noAck: true });
      assert.ok(letter);
      assert.deepEqual(
        { ...letter.properties.headers },
        { traceparent: TRACEPARENT, [ATTEMPTS_HEADER]: 1, "last-error": "the handler's own error" },
      );
    });
  });

  test("close() waits for the handlers of every consume() call, and no handled message comes back", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({}, async ({ queue, name, close }) => {
      await queue.publish("slow", "slow one", {});
      await queue.publish("fast", "fast one", {});
      const done: string[] = [];
      const started: string[] = [];
      await queue.consume("slow", async (message) => {
        started.push(message.body);
        await new Promise((resolve) => setTimeout(resolve, 800));
        done.push(message.body);
      });
      await queue.consume("fast", async (message) => {
        started.push(message.body);
        await new Promise((resolve) => setTimeout(resolve, 200));
        done.push(message.body);
      });
      await until(() => started.length === 2);
      await close();
      assert.deepEqual(done.sort(), ["fast one", "slow one"]);
      const slow = queue.destination("slow");
      try {
        assert.equal(await messageCount(slow), 0); // acknowledged, not requeued with the channel
        assert.equal(await messageCount(name), 0);
      } finally {
        await broker.channel.deleteQueue(slow);
        await broker.channel.deleteQueue(queue.destination("fast"));
      }
    });
  });

  /** `queue.lost` once it resolves, or a rejection after `ms` (the old queue had no `lost`: undefined). */
  async function lostWithin(queue: AmqpQueue, ms = HANG_GUARD_MS): Promise<LostQueueError> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        queue.lost,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`queue.lost did not resolve within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  test("a channel the broker closes (a retry queue declared elsewhere with other arguments): `lost` says why and what to fix (a QueueRefusedError), the message goes back with the channel (not requeued), publish rejects, close() returns", async (t) => {
    if (!broker.requireBroker(t)) return;
    const options = { retryDelayMs: 100 };
    await withQueue(options, async ({ queue, name, close, logs }) => {
      // Declared by someone else without the TTL: AmqpQueue's declaration of it fails (406 PRECONDITION_FAILED).
      await broker.channel.assertQueue(retryQueue(name, 100), { durable: true });
      await queue.publish("jobs", "fails once", {});
      let calls = 0;
      let label = "";
      await queue.consume("jobs", async (message) => {
        calls++;
        label = message.label;
        throw new Error("first failure");
      });
      const lost = await lostWithin(queue);
      // A configuration to fix, not a loss a restart mends (the worker exits 2 on it).
      assert.ok(lost instanceof QueueRefusedError, String(lost));
      const retry = retryQueue(name, 100);
      const refusal =
        `amqp queue: RabbitMQ refused the queue ${retry} (406 PRECONDITION_FAILED - inequivalent arg ` +
        `'x-message-ttl' for queue '${retry}' in vhost '/': received the value '100' of type 'byte' but ` +
        `current is none): it exists with other arguments (declared by another program, or by hand): ` +
        `delete it (its messages go with it) or set TRACEHOP_QUEUE to another name`;
      assert.equal(lost.message, refusal);
      // Its handler had ended: the queue was moving it to the retry queue when the channel went.
      assert.match(label, /^message \S+$/);
      assert.deepEqual(lost.inHand, [label]);
      await assert.rejects(queue.publish("jobs", "after the loss", {}), {
        message: `amqp queue: cannot publish: ${refusal.slice("amqp queue: ".length)}`,
      });
      await close();
      assert.equal(calls, 1);
      assert.equal(await messageCount(name), 1); // back in the queue with the lost channel, not dropped
      // Said as it is: nothing was requeued by the queue, nothing left unsettled by mistake.
      assert.equal(logs.length, 1, logs.join("\n"));
      assert.match(
        logs[0]!,
        /^amqp queue: handler failed on message \S+ of \S+ \(delivery 1 of 5\), and its retry could not be published: the channel was lost; the broker has it again$/,
      );
    });
  });

  test("a connection the broker closes (CONNECTION_FORCED, as when it restarts): `lost` says why, the message in hand goes back, close() returns", async (t) => {
    if (!broker.requireBroker(t)) return;
    const noCtl = await rabbitmqctlSkipReason();
    if (noCtl !== undefined) return t.skip(noCtl);
    await withQueue({}, async ({ queue, name, close, logs }) => {
      await queue.publish("jobs", "in hand", {});
      let started = false;
      let label = "";
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await queue.consume("jobs", async (message) => {
        started = true;
        label = message.label;
        await released; // succeeds only after the connection is gone: it cannot be acknowledged
      });
      await until(() => started);
      try {
        const tag = name.slice(name.lastIndexOf(".") + 1);
        assert.equal(
          await closeConnectionsNamed(`pid ${process.pid} ${tag}`, "a test restarts the broker"),
          1,
        );
        const lost = await lostWithin(queue);
        assert.match(
          lost.message,
          /^amqp queue: the connection to RabbitMQ was closed: .*CONNECTION_FORCED - a test restarts the broker/,
        );
        assert.deepEqual(lost.inHand, [label]);
      } finally {
        release();
      }
      await close();
      assert.equal(await messageCount(name), 1);
      assert.deepEqual(logs, []);
    });
  });

  test("a queue name amqplib cannot encode (over 255 bytes with its tag): the call rejects, and so do the calls behind it and after it, instead of waiting for the reply to a frame never sent; `lost` says why", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({}, async ({ queue, close }) => {
      // 247 bytes and `.<8-character tag>`: 256, one more than an AMQP short string holds.
      const long = "q".repeat(247);
      const encodeError = /^Field 'queue' is the wrong type; must be a string \(up to 255 chars\)$/;
      // The second declaration waits behind the first, whose frame amqplib could not encode.
      const [first, behind] = await within(
        Promise.allSettled([queue.publish(long, "too long", {}), queue.publish("jobs", "behind it", {})]),
        HANG_GUARD_MS,
        "the publishes",
      );
      assert.equal(first.status, "rejected");
      assert.match(String((first as PromiseRejectedResult).reason?.message), encodeError);
      assert.equal(behind.status, "rejected");
      const lost = await lostWithin(queue);
      assert.equal(
        lost.message,
        "amqp queue: amqplib could not encode a frame of queue.declare (Field 'queue' is the wrong type; must be a string (up to 255 chars)): its channel would wait forever for the reply to a frame never sent, so it is closed",
      );
      await assert.rejects(within(queue.publish("jobs", "after it", {}), HANG_GUARD_MS, "a later publish"), {
        message: /^amqp queue: cannot publish: amqplib could not encode a frame of queue.declare/,
      });
      await within(close(), HANG_GUARD_MS, "close()");
    });
  });

  test("a broker that stops answering: a publish waiting for its confirm rejects when the queue closes (a relay keeps its row), and close() gives up after TRACEHOP_CONNECT_TIMEOUT_MS", async (t) => {
    if (!broker.requireBroker(t)) return;
    const proxy = await switchingProxy(...targetOf(AMQP_URL));
    const saved = process.env.TRACEHOP_CONNECT_TIMEOUT_MS;
    const queue = await AmqpQueue.open(
      throughProxy(AMQP_URL, proxy.port),
      `file:./amqp-queue-test-${randomBytes(6).toString("hex")}.db`,
    );
    const name = queue.destination("jobs");
    try {
      const lines = await quietly(async () => {
        await queue.publish("jobs", "confirmed", {});
        proxy.mode = "stall"; // the broker frozen: no confirm, no reply to channel.close or connection.close
        const unconfirmed = queue.publish("jobs", "not confirmed", {});
        unconfirmed.catch(() => undefined);
        await until(() => proxy.held.includes("not confirmed")); // sent, waiting for its confirm
        process.env.TRACEHOP_CONNECT_TIMEOUT_MS = "600";
        const started = Date.now();
        // Timing-free on a slow machine: the frozen broker never answers, so close() ends only by its
        // TRACEHOP_CONNECT_TIMEOUT_MS bound (without it, never: the describe's timeout fails the test), which
        // the line below names with the setting's value. The lower bound is the setting (a slow machine only
        // makes the close longer); no upper bound is asserted.
        await queue.close();
        const took = Date.now() - started;
        assert.ok(took >= 550, `close() took ${took} ms`);
        await assert.rejects(unconfirmed, {
          message: `amqp queue: the queue closed before the broker confirmed the message to ${name}: it may or may not be in the queue`,
        });
      });
      assert.ok(
        lines.includes(
          "amqp queue: RabbitMQ did not answer within 600 ms while the queue closed (TRACEHOP_CONNECT_TIMEOUT_MS): its connection is dropped; the broker requeues the messages in hand",
        ),
        lines.join("\n"),
      );
    } finally {
      if (saved === undefined) delete process.env.TRACEHOP_CONNECT_TIMEOUT_MS;
      else process.env.TRACEHOP_CONNECT_TIMEOUT_MS = saved;
      await proxy.close();
      await broker.channel.deleteQueue(name);
    }
  });

  test("a handler that fails while the queue closes gives its message back at once, that delivery not counted", async (t) => {
    if (!broker.requireBroker(t)) return;
    // maxAttempts 1 and a minute's delay: counted, the message would be dead; delayed, it would wait.
    const options = { maxAttempts: 1, retryDelayMs: 60_000 };
    await withQueue(options, async ({ queue, name, database, close, logs }) => {
      await queue.publish("jobs", "cut short", {});
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let started = false;
      await queue.consume("jobs", async () => {
        started = true;
        await released;
        throw new Error("stopping");
      });
      await until(() => started);
      const closed = close();
      release();
      await closed;
      assert.equal(await messageCount(deadLetterQueue(name)), 0);
      assert.equal(await messageCount(name), 1);
      // The next worker of the same database (the same RabbitMQ queue) takes it at once, as a first delivery.
      const next = await AmqpQueue.open(AMQP_URL, database, options);
      const seen: Seen[] = [];
      try {
        await next.consume("jobs", async (message) => void seen.push(delivery(message)));
        await until(() => seen.length === 1);
      } finally {
        await next.close();
      }
      assert.deepEqual(counts(seen), [["cut short", 1, false]]);
      assert.equal(logs.length, 1, logs.join("\n"));
      assert.match(
        logs[0]!,
        /^amqp queue: closing: message \S+ of \S+ given back uncounted \(its handler ended with: stopping\)$/,
      );
    });
  });

  /** Why a copy the broker nacked was not published, as the queue's lines say it. */
  const NACKED =
    "the broker refused it with a basic.nack, which gives no reason: a queue at its max-length that rejects publishes, for one";

  /** Runs `fn` while `name`, a RabbitMQ queue, refuses every publish (a full queue that rejects them). */
  const refusingPublishes = (name: string, fn: (clear: () => Promise<void>) => Promise<void>) =>
    withPolicy(
      `tracehop-test-${name}`,
      `^${name.replaceAll(".", "\\.")}$`,
      { "max-length": 0, overflow: "reject-publish" },
      fn,
    );

  test("a redelivered message whose copy with its count the broker refuses is handled as it is, with that delivery counted, said in one line naming it and why", async (t) => {
    if (!broker.requireBroker(t)) return;
    const noCtl = await rabbitmqctlSkipReason();
    if (noCtl !== undefined) return t.skip(noCtl);
    await withQueue({ maxAttempts: 5, retryDelayMs: 0 }, async ({ queue, name, logs }) => {
      await queue.publish("jobs", "count refused", { traceparent: TRACEPARENT });
      // A consumer takes it and dies with it in hand once the queue refuses publishes (the policy, set on a
      // queue holding the message ready, would drop it).
      const dying = (await connectOrSkipReason()) as amqplib.ChannelModel;
      const channel = await dying.createChannel();
      let taken = 0;
      await channel.consume(name, () => void taken++);
      await until(() => taken === 1);
      await refusingPublishes(name, async () => {
        await dying.close(); // back in the queue, redelivered
        await until(async () => (await messageCount(name)) === 1);
        const seen: Seen[] = [];
        await queue.consume("jobs", async (message) => void seen.push(delivery(message)));
        await until(() => seen.length === 1);
        // Its death counted (delivery 2), though the copy that would carry that count was refused.
        assert.deepEqual(counts(seen), [["count refused", 2, true]]);
        assert.deepEqual(logs, [
          `amqp queue: a copy of message ${seen[0]!.id} of ${name} with its count could not be published (${NACKED}); handled as it is`,
        ]);
        // Acknowledged once handled: nothing left, nothing dead.
        await until(async () => (await messageCount(name)) === 0);
        assert.equal(await messageCount(deadLetterQueue(name)), 0);
      });
    });
  });

  test("a handler that fails while the queue closes, its give-back copy refused by the broker: left to the broker, which requeues it with the channel, counted as a redelivery, said in one line", async (t) => {
    if (!broker.requireBroker(t)) return;
    const noCtl = await rabbitmqctlSkipReason();
    if (noCtl !== undefined) return t.skip(noCtl);
    const options = { maxAttempts: 3, retryDelayMs: 60_000 };
    await withQueue(options, async ({ queue, name, database, close, logs }) => {
      await queue.publish("jobs", "give-back refused", {});
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let id: string | undefined;
      await queue.consume("jobs", async (message) => {
        id = message.id;
        await released;
        throw new Error("stopping");
      });
      await until(() => id !== undefined);
      await refusingPublishes(name, async () => {
        const closed = close();
        release();
        await closed;
        // Not lost: the broker took it back when the channel closed.
        assert.equal(await messageCount(name), 1);
      });
      assert.deepEqual(logs, [
        `amqp queue: closing: message ${id} of ${name}: left to the broker, which requeues it when the channel closes, counted as a redelivery (delivery 1 of 3; a copy could not be published: ${NACKED}) (its handler ended with: stopping)`,
      ]);
      // The next worker of the same database takes it as its second delivery, not dead, not delayed.
      const next = await AmqpQueue.open(AMQP_URL, database, options);
      const seen: Seen[] = [];
      try {
        await next.consume("jobs", async (message) => void seen.push(delivery(message)));
        await until(() => seen.length === 1);
      } finally {
        await next.close();
      }
      assert.deepEqual(counts(seen), [["give-back refused", 2, true]]);
      assert.equal(seen[0]!.id, id);
      assert.equal(await messageCount(deadLetterQueue(name)), 0);
    });
  });

  test("redrive moves the dead letters back, their count reset and last error kept; they are delivered from 1 again", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ maxAttempts: 2, retryDelayMs: 0 }, async ({ queue, name }) => {
      assert.equal(await queue.redrive("jobs"), 0); // nothing dead yet
      await queue.publish("jobs", "poison", { traceparent: TRACEPARENT });
      await queue.publish("jobs", "poison too", {});
      const seen: Seen[] = [];
      let healed = false;
      await queue.consume("jobs", async (message) => {
        seen.push(delivery(message));
        if (!healed) throw new Error(`not yet: ${message.body}`);
      });
      await until(async () => (await messageCount(deadLetterQueue(name))) === 2);
      healed = true; // the fix is deployed: the dead letters can be handled now
      assert.equal(await queue.redrive("jobs"), 2);
      await until(() => seen.length === 6);
      const redriven = seen.slice(4).sort((a, b) => a.body.localeCompare(b.body));
      assert.deepEqual(counts(redriven), [
        ["poison", 1, false],
        ["poison too", 1, false],
      ]);
      await until(async () => (await messageCount(name)) === 0);
      assert.equal(await messageCount(deadLetterQueue(name)), 0);
      // Same message ids as before they died.
      assert.deepEqual(new Set(seen.map((s) => s.id)).size, 2);
      assert.equal(await queue.redrive("jobs"), 0);
    });
  });

  test("redrive keeps the headers and the last error of a dead letter, its count reset to 0", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ maxAttempts: 1 }, async ({ queue, name, database, close }) => {
      await queue.publish("jobs", "dies once", { traceparent: TRACEPARENT });
      await queue.consume("jobs", async () => {
        throw new Error("the only failure");
      });
      await until(async () => (await messageCount(deadLetterQueue(name))) === 1);
      await close(); // no consumer: the redriven message stays in the queue to be looked at
      const again = await AmqpQueue.open(AMQP_URL, database);
      try {
        assert.equal(await again.redrive("jobs"), 1);
      } finally {
        await again.close();
      }
      const moved = await broker.channel.get(name, { noAck: true });
      assert.ok(moved);
      assert.equal(moved.content.toString("utf8"), "dies once");
      assert.deepEqual(
        { ...moved.properties.headers },
        { traceparent: TRACEPARENT, [ATTEMPTS_HEADER]: 0, "last-error": "the only failure" },
      );
    });
  });

  test("the retries of a message continue its trace: each process span a child of the relay's publish span", async (t) => {
    if (!broker.requireBroker(t)) return;
    await withQueue({ retryDelayMs: 50 }, async ({ queue }) => {
      const destination = queue.destination("jobs");
      let sendSpan: { traceId: string; spanId: string } | undefined;
      await withSendSpan({ system: "rabbitmq", destination }, async (headers, span) => {
        sendSpan = span.spanContext();
        await queue.publish("jobs", "retried", headers);
      });
      exporter.reset();
      let deliveries = 0;
      await queue.consume("jobs", (message) =>
        withProcessSpan(
          message.headers,
          { system: "rabbitmq", destination, messageId: message.id },
          async () => {
            deliveries++;
            if (message.deliveryCount < 3) throw new Error(`delivery ${message.deliveryCount}`);
          },
        ),
      );
      await until(() => deliveries === 3);
      const spans = exporter.getFinishedSpans().filter((s) => s.name === `process ${destination}`);
      assert.deepEqual(
        spans.map((s) => [s.spanContext().traceId, s.parentSpanContext?.spanId, s.status.code]),
        [
          [sendSpan!.traceId, sendSpan!.spanId, 2],
          [sendSpan!.traceId, sendSpan!.spanId, 2],
          [sendSpan!.traceId, sendSpan!.spanId, 0],
        ],
      );
      assert.equal(new Set(spans.map((s) => s.spanContext().spanId)).size, 3);
      assert.equal(new Set(spans.map((s) => s.attributes["messaging.message.id"])).size, 1);
    });
  });
});

describe("AmqpQueue options", () => {
  // A port nothing listens on: the options are checked before connecting, so the error is theirs.
  const nowhere = "amqp://guest:guest@127.0.0.1:1";
  const rejects = (options: unknown, message: RegExp) =>
    assert.rejects(AmqpQueue.open(nowhere, "file:x.db", options as AmqpQueueOptions), {
      name: "TypeError",
      message,
    });

  test("the table queue's names and ranges, checked before connecting", async () => {
    await rejects({ maxAttempts: 0 }, /^AmqpQueue: maxAttempts must be a positive integer, got 0$/);
    await rejects(
      { retryDelayMs: -1 },
      /^AmqpQueue: retryDelayMs must be a number >= 0 and <= 2147483647, in ms, got -1$/,
    );
    await rejects(
      { leaseMs: 1_000 },
      /^AmqpQueue: there is no option "leaseMs"; the options are maxAttempts, retryDelayMs$/,
    );
    await rejects(
      { retryDelay: 1_000 },
      /^AmqpQueue: there is no option "retryDelay"; did you mean retryDelayMs\?$/,
    );
    await rejects(null, /^AmqpQueue: options must be a plain object, got null$/);
    await rejects(new Map(), /^AmqpQueue: options must be a plain object, got a Map$/);
    await rejects(
      { maxAttempts: new Number(5) },
      /^AmqpQueue: maxAttempts must be a positive integer, got a Number object$/,
    );
    await rejects(
      { retryDelayMs: 5n },
      /^AmqpQueue: retryDelayMs must be a number >= 0 and <= 2147483647, in ms, got a bigint 5n$/,
    );
    await assert.rejects(AmqpQueue.open(nowhere, "file:x.db", { maxAttempts: 1, retryDelayMs: 0 }), {
      message: /^cannot connect to RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/,
    });
  });
});

describe("AmqpQueue.open and npm start's check (connectAmqp): a bad AMQP_URL says what to fix, by kind", () => {
  const broker = useRabbitMQ();
  const OR_UNSET = ", or unset AMQP_URL to use the embedded queue";
  /** AMQP_URL of the tests with `change` applied (a wrong password, a vhost that does not exist). */
  const changed = (change: (url: URL) => void) => {
    const url = new URL(AMQP_URL);
    change(url);
    return url.href;
  };
  /** Asserts that AmqpQueue.open(url) and connectAmqp(url) reject with BadInputError `message`. */
  async function refused(url: string, message: string): Promise<void> {
    for (const attempt of [
      () => AmqpQueue.open(url, "file:x.db"),
      // The hang guard, within the test's own bound (boundedTest: two attempts of it fit): a 5 s timeout
      // made a loaded machine's slow handshake fail with the timeout's message instead of the one asserted.
      () => connectAmqp(url, { timeout: HANG_GUARD_MS }),
    ])
      await assert.rejects(attempt(), (error: unknown) => {
        assert.ok(error instanceof BadInputError, String(error));
        assert.equal(error.message, message);
        return true;
      });
  }

  test("nothing listening: start the broker, or fix the host or port", async () => {
    await refused(
      "amqp://guest:secret@127.0.0.1:1",
      `cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:1: nothing listens at 127.0.0.1:1 (ECONNREFUSED): start the broker, or fix the host or port in AMQP_URL${OR_UNSET}`,
    );
  });

  test("the login refused by the broker (guest with a wrong password, 403 ACCESS_REFUSED): fix the user or password, the password hidden", async (t) => {
    if (!broker.requireBroker(t)) return;
    const url = changed((u) => (u.password = "not-the-password-h2"));
    const user = decodeURIComponent(new URL(url).username) || "guest";
    await refused(
      url,
      `cannot connect to RabbitMQ at ${redact(url)}: RabbitMQ refused the login of user ${JSON.stringify(user)} (403 ACCESS_REFUSED): fix the user or password in AMQP_URL${OR_UNSET}`,
    );
    assert.match(redact(url), /:\*\*\*@/);
  });

  test("a vhost that does not exist (530 NOT_ALLOWED): fix the vhost", async (t) => {
    if (!broker.requireBroker(t)) return;
    const vhost = `tracehop-test-no-such-vhost-${randomBytes(4).toString("hex")}`;
    const url = changed((u) => (u.pathname = `/${vhost}`));
    const user = decodeURIComponent(new URL(url).username) || "guest";
    await refused(
      url,
      `cannot connect to RabbitMQ at ${redact(url)}: RabbitMQ refused the virtual host "${vhost}" (530 NOT_ALLOWED: it does not exist, or user ${JSON.stringify(user)} may not use it): fix the vhost in AMQP_URL (the path after host:port, percent-encoded; none for the default vhost "/")${OR_UNSET}`,
    );
  });

  test("a bad URL: the part to fix, before connecting, nothing of a text that is no URL shown", async () => {
    const at = (shown: string, why: string) => `cannot connect to RabbitMQ at ${shown}: ${why}${OR_UNSET}`;
    await refused(
      "http://guest:secret@127.0.0.1:5672",
      at(
        "http://guest:***@127.0.0.1:5672",
        "the scheme of AMQP_URL is http:, not amqp: or amqps: — fix the scheme in AMQP_URL",
      ),
    );
    await refused(
      "localhost:5672",
      at(
        "localhost:5672",
        "AMQP_URL is not a URL (no scheme://): write it as amqp://user:password@host:port/vhost",
      ),
    );
    await refused(
      "127.0.0.1:5672",
      at(NOT_A_URL, "AMQP_URL is not a URL (no scheme://): write it as amqp://user:password@host:port/vhost"),
    );
    await refused(
      "guest:secret@localhost",
      at(NOT_A_URL, "AMQP_URL is not a URL (no scheme://): write it as amqp://user:password@host:port/vhost"),
    );
    await refused(
      "amqp://guest:secret@127.0.0.1:99999",
      at(NOT_A_URL, "the port of AMQP_URL (99999) is not a number from 0 to 65535: fix the port in AMQP_URL"),
    );
    await refused(
      "amqp://guest:secret@127.0.0.1:56x2",
      at(NOT_A_URL, "the port of AMQP_URL is not a number from 0 to 65535: fix the port in AMQP_URL"),
    );
    // A "/" or "#" in the password ends the host early: the parser refuses the rest, or reads no user.
    const userPart =
      "its user or password holds a / ? or # (percent-encode them as %2F %3F %23): fix the user or password in AMQP_URL";
    await refused("amqp://guest:se/cret@127.0.0.1:5672", at(NOT_A_URL, userPart));
    await refused("amqp://guest:12#cret@127.0.0.1:5672", at(NOT_A_URL, userPart));
    await refused(
      "amqp:///vhost",
      at("amqp:///vhost", "AMQP_URL names no host: fix it to amqp://user:password@host:port/vhost"),
    );
  });

  test("white space before or after the URL: said to be removed, not a missing scheme, in one line", async () => {
    const at = (why: string) =>
      `cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:5999: AMQP_URL has white space ${why}: remove it${OR_UNSET}`;
    // Guards against " amqp://…" answered "AMQP_URL is not a URL (no scheme://)" with the scheme shown,
    // "…\n" breaking the line, and the parser dropping a trailing space or line break and connecting to
    // what it had read.
    await refused(" amqp://guest:secret@127.0.0.1:5999", at("at its start (a space)"));
    await refused("amqp://guest:secret@127.0.0.1:5999 ", at("at its end (a space)"));
    await refused("amqp://guest:secret@127.0.0.1:5999\r\n", at("at its end (a line break)"));
    await refused("\tamqp://guest:secret@127.0.0.1:5999\u00a0", at("at its start and end (a tab, U+00A0)"));
    // Nothing but white space: no URL, said as for any value that is not a URL.
    await refused(
      " ",
      `cannot connect to RabbitMQ at ${NOT_A_URL}: AMQP_URL is not a URL (no scheme://): write it as amqp://user:password@host:port/vhost${OR_UNSET}`,
    );
  });

  test("a query parameter amqplib refuses: named", async (t) => {
    if (!broker.requireBroker(t)) return;
    const url = changed((u) => (u.search = "?heartbeat=often"));
    await refused(
      url,
      `cannot connect to RabbitMQ at ${redact(url)}: its query parameter heartbeat is not a number (Field 'heartbeat' is the wrong type; must be a number (but not NaN)): fix heartbeat in AMQP_URL${OR_UNSET}`,
    );
    // A negative one: Node's buffer says the range and the value only (review rN: the field was not named).
    for (const [field, range] of [
      ["heartbeat", ">= 0 and <= 65535"],
      ["frameMax", ">= 0 and <= 4294967295"],
    ] as const) {
      const negative = changed((u) => (u.search = `?${field}=-5`));
      await refused(
        negative,
        `cannot connect to RabbitMQ at ${redact(negative)}: its query parameter ${field}=-5 is out of range (it must be ${range}): fix ${field} in AMQP_URL${OR_UNSET}`,
      );
    }
  });
});

describe("AmqpQueue queue names (as TableQueue checks them)", () => {
  const broker = useRabbitMQ();

  test("a queue name that is not a string, empty or holds a control character: publish, consume and redrive refuse it, naming what to write; no RabbitMQ queue is declared, and the queue goes on", async (t) => {
    if (!broker.requireBroker(t)) return;
    const database = `file:./h3-amqp-names-${randomBytes(6).toString("hex")}.db`;
    const queue = await AmqpQueue.open(AMQP_URL, database);
    const good = queue.destination("h3-names");
    broker.deleteAfter(t, good, deadLetterQueue(good));
    try {
      const message = (shown: string) =>
        `AmqpQueue: queue must be a non-empty queue name without a control character (C0, DEL or C1), such as "preprocess-jobs", got ${shown}`;
      for (const [name, shown] of [
        ["", '""'],
        ["jobs\n", '"jobs\\n"'],
        ["jo\u001bbs", '"jo\\u001bbs"'],
        ["jobs\u007f", '"jobs\\u007f"'],
        ["\u202ejobs\u0085", '"\\u202ejobs\\u0085"'],
        [42, "42"],
        [undefined, "undefined"],
      ] as const) {
        const bad = name as unknown as string;
        await assert.rejects(queue.publish(bad, "{}", {}), { name: "TypeError", message: message(shown) });
        await assert.rejects(queue.redrive(bad), { name: "TypeError", message: message(shown) });
        await assert.rejects(
          queue.consume(bad, async () => {}),
          { name: "TypeError", message: message(shown) },
        );
        // Nothing declared under that name: a passive check on a channel of its own is refused with 404.
        if (typeof name === "string") {
          broker.deleteAfter(t, queue.destination(name), deadLetterQueue(queue.destination(name)));
          const probe = await connectOrSkipReason();
          assert.ok(typeof probe !== "string", probe as string);
          try {
            const channel = await probe.createChannel();
            channel.on("error", () => {});
            await assert.rejects(channel.checkQueue(queue.destination(name)), { code: 404 });
          } finally {
            await probe.close();
          }
        }
      }
      // The queue was not lost: a good name is published and counted.
      await queue.publish("h3-names", "{}", {});
      assert.equal((await broker.channel.checkQueue(good)).messageCount, 1);
    } finally {
      await queue.close();
    }
  });
});
