import assert from "node:assert/strict";
import { setImmediate, setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../examples/preprocess/db.js";
import {
  deadLetterQueue,
  errorText,
  PermanentMessageError,
  TableQueue,
  type QueueMessage,
  type TableQueueOptions,
} from "../../examples/preprocess/queue.js";
import { withProcessSpan } from "../../src/messaging/index.js";
import { databaseFixture, openClient } from "../prisma/databases.js";
import { exporter, inSpanOf } from "../support/sdk.js";
import { delivery, quietly, until, type Delivery } from "./queue-helpers.js";
import { HANG_GUARD_MS, within } from "./tcp-servers.js";
import { openExampleSqliteFile, type ExampleSqliteFile } from "./sqlite-file.js";

// The embedded queue of the main job on a real SQLite file (examples/preprocess/queue.ts).
describe("TableQueue (the main job's embedded queue)", () => {
  let file: ExampleSqliteFile;
  let db: Database;
  let raw: ExampleSqliteFile["raw"];

  before(() => {
    file = openExampleSqliteFile("table-queue");
    ({ db, raw } = file);
  });
  after(() => file.close());

  const rows = (queue: string) =>
    raw.prepare("SELECT id, consumedAt FROM QueueMessage WHERE queue = ? ORDER BY id").all(queue) as {
      id: number;
      consumedAt: unknown;
    }[];

  test("a queue name that is empty or holds a control character: publish, consume and redrive refuse it, naming what to write; nothing is written", async () => {
    const queue = new TableQueue(db);
    const message = (shown: string) =>
      `TableQueue: queue must be a non-empty queue name without a control character (C0, DEL or C1), such as "preprocess-jobs", got ${shown}`;
    // Quoted with DEL, a C1 control and a bidi override escaped, as JSON escapes the C0 ones.
    for (const [name, shown] of [
      ["", '""'],
      ["jobs\n", '"jobs\\n"'],
      ["jo\u001bbs", '"jo\\u001bbs"'],
      ["jobs\u0085", '"jobs\\u0085"'],
      ["jobs\u007f", '"jobs\\u007f"'],
      ["\u202ejobs\u009b", '"\\u202ejobs\\u009b"'],
    ] as const) {
      await assert.rejects(queue.publish(name, "{}", {}), { name: "TypeError", message: message(shown) });
      await assert.rejects(queue.redrive(name), { name: "TypeError", message: message(shown) });
      await assert.rejects(
        queue.consume(name, async () => {}),
        { name: "TypeError", message: message(shown) },
      );
      assert.deepEqual(rows(name), []);
    }
    await queue.close();
  });

  /**
   * The example's client `db` with its queueMessage calls counted as they are tried: `polls` (findFirst, the
   * consumer's look for a message), `updates` (updateMany: a claim, a lease renewal, a recorded failure) and
   * `deletes` (deleteMany: an acknowledgement). What a test waits for instead of a sleep.
   */
  function counted() {
    const counts = { polls: 0, updates: 0, deletes: 0 };
    const client = db.$extends({
      query: {
        queueMessage: {
          findFirst({ args, query }) {
            counts.polls++;
            return query(args);
          },
          updateMany({ args, query }) {
            counts.updates++;
            return query(args);
          },
          deleteMany({ args, query }) {
            counts.deletes++;
            return query(args);
          },
        },
      },
    }) as unknown as Database;
    return { client, counts };
  }

  /**
   * A clock for {@link TableQueueOptions.clock} that stands still until the test moves it: a lease runs out,
   * or a backoff ends, when the test says, to the millisecond, however slow the machine.
   */
  function testClock() {
    let now = Date.UTC(2030, 0, 1);
    return {
      now: () => now,
      advance: (ms: number) => void (now += ms),
    };
  }

  /** Resolves once `counts.polls` has grown by `n` from now: the consumer looked `n` more times. */
  async function polledAgain(counts: { polls: number }, n = 2): Promise<void> {
    const from = counts.polls;
    await until(() => counts.polls >= from + n, `${n} more polls`);
  }

  test("errorText keeps of a Prisma error its code and what failed, not the code frame with the source's paths", async () => {
    const job = await db.preprocessJob.create({ data: { text: "One." } });
    await db.sentence.create({ data: { jobId: job.id, index: 0, text: "One." } });
    const error = await db.sentence.createMany({ data: [{ jobId: job.id, index: 0, text: "One." }] }).then(
      () => assert.fail("a second row of the same index was stored"),
      (e: unknown) => e,
    );
    // What Prisma said: "\nInvalid `.createMany()` invocation in\n/…/table-queue.test.ts:…".
    assert.match((error as Error).message, /invocation in\n\//);
    assert.equal(errorText(error), "P2002: Unique constraint failed on the fields: (`jobId`, `index`)");
    // Any other error: its message as it is.
    assert.equal(errorText(new Error("line one\nline two")), "line one\nline two");
  });

  test("delivers in order with the published headers, and an acknowledged message's row goes", async () => {
    const queue = new TableQueue(db, { pollMs: 5 });
    await queue.publish("in-order", "one", {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    await queue.publish("in-order", "two", {});
    const seen: QueueMessage[] = [];
    await queue.consume("in-order", async (message) => {
      seen.push(message);
    });
    await until(() => seen.length === 2 && rows("in-order").length === 0);
    await queue.close();
    assert.deepEqual(
      seen.map((m) => [m.body, m.headers]),
      [
        ["one", { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }],
        ["two", {}],
      ],
    );
  });

  test("a handler that runs longer than the lease keeps its message: the lease is renewed, a second consumer waits", async () => {
    // A lease of 300 ms on a clock the test moves. Four times, the clock goes 200 ms on (a lease not renewed
    // since the claim has then run out by the second time), the second consumer looks twice, and the first
    // renews twice (renewals run one after another, so the second read the clock after it moved): counted,
    // not slept, so a loaded machine only makes it longer.
    const time = testClock();
    const a = counted();
    const b = counted();
    const first = new TableQueue(a.client, { pollMs: 5, leaseMs: 300, clock: time.now });
    const second = new TableQueue(b.client, { pollMs: 5, leaseMs: 300, clock: time.now });
    await first.publish("renewed", "slow", {});
    const handledBy: string[] = [];
    let secondConsumes!: () => void;
    const consuming = new Promise<void>((resolve) => (secondConsumes = resolve));
    await first.consume("renewed", async () => {
      handledBy.push("first");
      await consuming;
      for (let step = 0; step < 4 && handledBy.length === 1; step++) {
        time.advance(200);
        await polledAgain(b.counts);
        // updateMany: a renewal (the claim was before the handler).
        const renewals = a.counts.updates;
        await until(
          () => a.counts.updates >= renewals + 2 || handledBy.length > 1,
          "two renewals of the lease, or the message taken over",
        );
      }
    });
    await until(() => handledBy.length === 1);
    await second.consume("renewed", async () => void handledBy.push("second"));
    secondConsumes();
    await until(() => rows("renewed").length === 0);
    await polledAgain(b.counts);
    await Promise.all([first.close(), second.close()]);
    // 800 ms of the clock in the handler: more than two leases, renewed.
    assert.deepEqual(handledBy, ["first"]);
  });

  test("close() does not wait on an acknowledgement the database keeps refusing: it ends the acknowledgement's retries", async () => {
    // The example's client with every acknowledgement (a deleteMany of queueMessage) counted as it is tried.
    let ackAttempts = 0;
    const counted = db.$extends({
      query: {
        queueMessage: {
          deleteMany({ args, query }) {
            ackAttempts++;
            return query(args);
          },
        },
      },
    }) as unknown as Database;
    const queue = new TableQueue(counted, { pollMs: 5 });
    await queue.publish("ack-locked", "done but locked", {});
    await queue.consume("ack-locked", async () => {
      raw.exec("BEGIN EXCLUSIVE"); // the acknowledgement that follows finds the file locked
    });
    let attemptsAtClose = 0;
    const lines = await quietly(async () => {
      try {
        // Refused and retried (each attempt fails on the lock after the client's 20 ms busy timeout).
        await until(() => ackAttempts >= 2, "the acknowledgement refused and tried again");
        attemptsAtClose = ackAttempts;
        // The lock is held until close() returns: without close() ending the retries, they would go on for
        // their 60 s, one every 25-500 ms. A count, not a clock: close() lets at most the attempt already on
        // its way start after it (its retry's pause over, not yet run).
        await within(queue.close(), HANG_GUARD_MS, "close() while the acknowledgement is refused");
      } finally {
        raw.exec("COMMIT");
      }
    });
    assert.ok(
      ackAttempts - attemptsAtClose <= 1,
      `${ackAttempts - attemptsAtClose} acknowledgement attempts after close() (${attemptsAtClose} before)`,
    );
    assert.ok(
      lines.some((line) =>
        /^table queue: message \d+ not acknowledged \(.+\); delivered again after its lease$/.test(line),
      ),
      lines.join("\n"),
    );
    assert.equal(rows("ack-locked").length, 1); // not acknowledged: delivered again after its lease
  });

  test("a message claimed by a consumer that died is delivered again once its lease has run out, to the millisecond", async () => {
    // Claims as dead consumers left them, the row still there: one a millisecond more than the lease
    // (30 s) ago by the queue's clock, one exactly the lease ago (not run out yet).
    const time = testClock();
    const lease = 30_000;
    await db.queueMessage.create({
      data: { queue: "orphan", body: "left", headers: {}, consumedAt: new Date(time.now() - lease - 1) },
    });
    await db.queueMessage.create({
      data: { queue: "orphan", body: "held", headers: {}, consumedAt: new Date(time.now() - lease) },
    });
    const { client, counts } = counted();
    const queue = new TableQueue(client, { pollMs: 5, leaseMs: lease, clock: time.now });
    const seen: string[] = [];
    try {
      await queue.consume("orphan", async (message) => {
        seen.push(message.body);
      });
      await until(() => seen.length >= 1);
      await polledAgain(counts); // looked again: the message within its lease is there, not taken
      // The expired claim is taken over; the message still within its lease is not.
      assert.deepEqual(seen, ["left"]);
      assert.equal(rows("orphan").length, 1);
      // A millisecond later by the clock, its lease has run out too.
      time.advance(1);
      await until(() => seen.length >= 2 && rows("orphan").length === 0);
    } finally {
      await queue.close();
    }
    assert.deepEqual(seen, ["left", "held"]);
  });

  test("the consumer survives a poll on a locked file and delivers once the lock goes", async () => {
    const queue = new TableQueue(db, { pollMs: 5 });
    await queue.publish("locked", "after the lock", {});
    const seen: string[] = [];
    raw.exec("BEGIN EXCLUSIVE");
    const errors = await quietly(async (lines) => {
      try {
        await queue.consume("locked", async (message) => {
          seen.push(message.body);
        });
        await until(() => lines.length > 0);
        raw.exec("COMMIT");
        await until(() => seen.length === 1);
        await queue.close();
      } finally {
        if (raw.inTransaction) raw.exec("ROLLBACK");
      }
    });
    assert.deepEqual(seen, ["after the lock"]);
    // Said as an outage of the database (OutageLog), once it has lasted BUSY_QUIET_MS (2 s): once when it
    // is said, once when it ends.
    assert.equal(errors.length, 2, errors.join("\n"));
    assert.match(
      errors[0]!,
      /^table queue: a poll failed: the database of .+ is busy for 2 s: P1008 \(.+\); retrying, said again every 30 s while it lasts$/,
    );
    assert.match(
      errors[1]!,
      /^table queue: a poll: the database of .+ answers again after \d+ s \(\d+ failed attempts, the last P1008\)$/,
    );
  });

  test("a lock held for less than 2 s (BUSY_QUIET_MS) is retried and not said: contention, not an outage", async () => {
    const { client, counts } = counted();
    const queue = new TableQueue(client, { pollMs: 5 });
    await queue.publish("briefly-locked", "after a short lock", {});
    const seen: string[] = [];
    raw.exec("BEGIN EXCLUSIVE");
    const errors = await quietly(async () => {
      try {
        await queue.consume("briefly-locked", async (message) => {
          seen.push(message.body);
        });
        // Two polls refused by the lock (a poll after a failure waits 10 poll intervals): a lock that lasts
        // some 100 ms, counted rather than slept, so that a loaded machine does not stretch it past 2 s.
        await polledAgain(counts);
        raw.exec("COMMIT");
        await until(() => seen.length === 1);
        await queue.close();
      } finally {
        if (raw.inTransaction) raw.exec("ROLLBACK");
      }
    });
    assert.deepEqual(seen, ["after a short lock"]);
    assert.deepEqual(errors, []);
  });

  const stored = (queue: string) =>
    db.queueMessage.findMany({
      where: { queue },
      orderBy: { id: "asc" },
      select: { body: true, attempts: true, consumedAt: true, availableAt: true, lastError: true },
    });

  test("a handler that throws PermanentMessageError (a malformed message): dead at once on its first delivery, its reason kept, one log line, not retried", async () => {
    const queue = new TableQueue(db, { pollMs: 5, maxAttempts: 5, retryDelayMs: 0 });
    await queue.publish("malformed", "not json", {});
    await queue.publish("malformed", "fine", {});
    const seen: Delivery[] = [];
    const logs = await quietly(async () => {
      await queue.consume("malformed", async (message) => {
        seen.push(delivery(message));
        if (message.body === "not json") throw new PermanentMessageError("malformed message: not JSON");
      });
      await until(() => rows("malformed.dead").length === 1 && rows("malformed").length === 0);
      await queue.close();
    });
    assert.deepEqual(seen, [
      { body: "not json", deliveryCount: 1, redelivered: false },
      { body: "fine", deliveryCount: 1, redelivered: false },
    ]);
    assert.deepEqual(await stored("malformed.dead"), [
      {
        body: "not json",
        attempts: 1,
        consumedAt: null,
        availableAt: null,
        lastError: "malformed message: not JSON",
      },
    ]);
    const id = rows("malformed.dead")[0]!.id;
    assert.deepEqual(logs, [
      `table queue: message ${id} can never be handled (delivery 1 of 5): malformed message: not JSON; moved to malformed.dead at once, not retried`,
    ]);
  });

  test("a row whose headers are not JSON (written into SQLite by hand) is dead-lettered with the reason, and the messages behind it are delivered", async () => {
    const queue = new TableQueue(db, { pollMs: 5, maxAttempts: 5, retryDelayMs: 0 });
    // Prisma parses the column's text on every read: this row failed every poll, the rest waited forever.
    raw
      .prepare(
        "INSERT INTO QueueMessage (queue, body, headers) VALUES ('bad-headers', 'blocked?', 'not json')",
      )
      .run();
    await queue.publish("bad-headers", "behind it", {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    const seen: QueueMessage[] = [];
    const logs = await quietly(async () => {
      await queue.consume("bad-headers", async (message) => {
        seen.push(message);
      });
      await until(() => rows("bad-headers.dead").length === 1 && rows("bad-headers").length === 0);
      await queue.close();
    });
    assert.deepEqual(
      seen.map((m) => [m.body, m.headers, m.deliveryCount]),
      [["behind it", { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }, 1]],
    );
    const reason = `its headers are not JSON (Unexpected token 'o', "not json" is not valid JSON)`;
    assert.deepEqual(await stored("bad-headers.dead"), [
      { body: "blocked?", attempts: 1, consumedAt: null, availableAt: null, lastError: reason },
    ]);
    // Kept as they were, to be looked at.
    assert.deepEqual(raw.prepare("SELECT headers FROM QueueMessage WHERE queue = 'bad-headers.dead'").all(), [
      { headers: "not json" },
    ]);
    const id = rows("bad-headers.dead")[0]!.id;
    assert.deepEqual(logs, [
      `table queue: message ${id} can never be handled (delivery 1 of 5): ${reason}; moved to bad-headers.dead at once, not retried`,
    ]);
  });

  test("a row whose columns Prisma cannot read (attempts holding text, written by hand) is dead-lettered as it is, and the messages behind it are delivered", async () => {
    const queue = new TableQueue(db, { pollMs: 5, maxAttempts: 5, retryDelayMs: 0 });
    // Prisma failed every poll on this row (P2023), and the rest waited forever.
    raw
      .prepare(
        "INSERT INTO QueueMessage (queue, body, headers, attempts) VALUES ('bad-row', 'blocked?', '{}', 'abc')",
      )
      .run();
    await queue.publish("bad-row", "behind it", {});
    const seen: string[] = [];
    const logs = await quietly(async () => {
      await queue.consume("bad-row", async (message) => {
        seen.push(message.body);
      });
      await until(() => rows("bad-row.dead").length === 1 && rows("bad-row").length === 0);
      await queue.close();
    });
    assert.deepEqual(seen, ["behind it"]);
    const dead = raw
      .prepare("SELECT id, body, attempts, lastError FROM QueueMessage WHERE queue = 'bad-row.dead'")
      .all() as { id: number; body: string; attempts: unknown; lastError: string }[];
    assert.equal(dead.length, 1);
    assert.deepEqual([dead[0]!.body, dead[0]!.attempts], ["blocked?", "abc"]);
    assert.match(dead[0]!.lastError, /^its row cannot be read \(P2023: .*attempts.*\)$/);
    assert.deepEqual(logs, [
      `table queue: message ${dead[0]!.id} can never be handled: ${dead[0]!.lastError}; moved to bad-row.dead at once, not retried`,
    ]);
  });

  test("a handler that always fails: its deliveries are counted, and after maxAttempts the message is dead", async () => {
    const queue = new TableQueue(db, { pollMs: 5, maxAttempts: 3, retryDelayMs: 0 });
    await queue.publish("poison", "always fails", {});
    await queue.publish("poison", "fine", {});
    const seen: Delivery[] = [];
    const logs = await quietly(async () => {
      await queue.consume("poison", async (message) => {
        seen.push(delivery(message));
        if (message.body === "always fails") throw new Error(`failure ${message.deliveryCount}`);
      });
      await until(() => rows("poison.dead").length === 1 && rows("poison").length === 0);
      await queue.close();
    });
    // Delivered again at once after each failure (retryDelayMs 0), so ahead of the later message.
    assert.deepEqual(seen, [
      { body: "always fails", deliveryCount: 1, redelivered: false },
      { body: "always fails", deliveryCount: 2, redelivered: true },
      { body: "always fails", deliveryCount: 3, redelivered: true },
      { body: "fine", deliveryCount: 1, redelivered: false },
    ]);
    assert.equal(deadLetterQueue("poison"), "poison.dead");
    assert.deepEqual(await stored("poison.dead"), [
      { body: "always fails", attempts: 3, consumedAt: null, availableAt: null, lastError: "failure 3" },
    ]);
    const id = rows("poison.dead")[0]!.id;
    assert.deepEqual(
      logs.filter((line) => line.includes(`message ${id} `)),
      [
        `table queue: handler failed on message ${id} (delivery 1 of 3); delivered again in 0 ms`,
        `table queue: handler failed on message ${id} (delivery 2 of 3); delivered again in 0 ms`,
        `table queue: handler failed on message ${id} (delivery 3 of 3); moved to poison.dead`,
      ],
    );
  });

  test("a dead message is redriven to its queue with its count reset, and then acknowledged", async () => {
    const queue = new TableQueue(db, { pollMs: 5, maxAttempts: 1, retryDelayMs: 0 });
    await queue.publish("redrive", "fails once", {});
    const seen: Delivery[] = [];
    let fail = true;
    await quietly(async () => {
      await queue.consume("redrive", async (message) => {
        seen.push(delivery(message));
        if (fail) throw new Error("not yet");
      });
      await until(() => rows("redrive.dead").length === 1);
      fail = false;
      assert.equal(await queue.redrive("redrive"), 1);
      await until(() => seen.length === 2 && rows("redrive").length === 0);
      await queue.close();
    });
    assert.deepEqual(seen, [
      { body: "fails once", deliveryCount: 1, redelivered: false },
      { body: "fails once", deliveryCount: 1, redelivered: false },
    ]);
    assert.equal(rows("redrive.dead").length, 0);
  });

  test("a handler that fails once and then succeeds: the message is acknowledged on its second delivery", async () => {
    const queue = new TableQueue(db, { pollMs: 5, retryDelayMs: 0 });
    await queue.publish("flaky", "flaky", {});
    const seen: Delivery[] = [];
    await quietly(async () => {
      await queue.consume("flaky", async (message) => {
        seen.push(delivery(message));
        if (seen.length === 1) throw new Error("first delivery fails");
      });
      await until(() => seen.length === 2 && rows("flaky").length === 0);
      await queue.close();
    });
    assert.deepEqual(seen, [
      { body: "flaky", deliveryCount: 1, redelivered: false },
      { body: "flaky", deliveryCount: 2, redelivered: true },
    ]);
    assert.equal(rows("flaky.dead").length, 0);
  });

  test("after a failure the message waits out its backoff (retryDelayMs doubled per delivery, at most the lease)", async () => {
    // A third delivery (two before it) waits 4 × retryDelayMs; an eighth would wait 128 × but the lease caps it.
    await db.queueMessage.create({ data: { queue: "backoff", body: "third", headers: {}, attempts: 2 } });
    await db.queueMessage.create({
      data: { queue: "backoff-cap", body: "eighth", headers: {}, attempts: 7 },
    });
    // The queues' clock stands still: availableAt is the time of the failure by it plus the delay, exactly.
    const time = testClock();
    const one = counted();
    const other = counted();
    const options = { pollMs: 5, retryDelayMs: 5_000, leaseMs: 60_000, maxAttempts: 10, clock: time.now };
    const queue = new TableQueue(one.client, options);
    const capped = new TableQueue(other.client, options);
    let failures = 0;
    const failing = async () => {
      failures++;
      throw new Error("busy elsewhere");
    };
    await quietly(async () => {
      await queue.consume("backoff", failing);
      await capped.consume("backoff-cap", failing);
      // Failed and recorded: given back (consumedAt null) with the error.
      const recorded = (queue: string) =>
        raw
          .prepare(
            "SELECT 1 FROM QueueMessage WHERE queue = ? AND consumedAt IS NULL AND lastError IS NOT NULL",
          )
          .all(queue).length === 1;
      await until(() => recorded("backoff") && recorded("backoff-cap"));
      // Each consumer looked twice since: a message that was available would have been taken.
      await Promise.all([polledAgain(one.counts), polledAgain(other.counts)]);
      await Promise.all([queue.close(), capped.close()]);
    });
    assert.equal(failures, 2); // one delivery each: the next is not due yet
    const [third] = await stored("backoff");
    const [eighth] = await stored("backoff-cap");
    assert.deepEqual([third!.attempts, third!.lastError, eighth!.attempts], [3, "busy elsewhere", 8]);
    // availableAt = the clock's time when the failure was recorded + the delay: 4 × 5 s; capped at the lease.
    assert.deepEqual(
      [third!.availableAt!.getTime() - time.now(), eighth!.availableAt!.getTime() - time.now()],
      [20_000, 60_000],
    );
  });

  test("a message whose consumer died on its last allowed delivery is dead-lettered, not delivered again", async () => {
    // Claimed a millisecond more than the lease ago by the queue's clock: run out.
    const time = testClock();
    const longAgo = new Date(time.now() - 30_001);
    await db.queueMessage.create({
      data: { queue: "died", body: "killed its consumers", headers: {}, attempts: 2, consumedAt: longAgo },
    });
    await db.queueMessage.create({
      data: { queue: "died", body: "one more try", headers: {}, attempts: 1, consumedAt: longAgo },
    });
    const queue = new TableQueue(db, { pollMs: 5, leaseMs: 30_000, maxAttempts: 2, clock: time.now });
    const seen: Delivery[] = [];
    const logs = await quietly(async () => {
      await queue.consume("died", async (message) => {
        seen.push(delivery(message));
      });
      await until(() => seen.length === 1 && rows("died").length === 0);
      await queue.close();
    });
    assert.deepEqual(seen, [{ body: "one more try", deliveryCount: 2, redelivered: true }]);
    assert.deepEqual(await stored("died.dead"), [
      {
        body: "killed its consumers",
        attempts: 2,
        consumedAt: null,
        availableAt: null,
        lastError: "not acknowledged within its lease (delivery 2 of 2)",
      },
    ]);
    assert.match(
      logs.join("\n"),
      /not acknowledged within its lease \(delivery 2 of 2\); moved to died\.dead/,
    );
  });

  test("maxAttempts lowered while a retry waits: a message whose count has reached the new limit is dead-lettered at once, unhandled, with the numbers", async () => {
    // A consumer with maxAttempts 5 fails deliveries 1 and 2 (the retry after 2 waits 10 s), and stops; the
    // next one runs with maxAttempts 2.
    const first = new TableQueue(db, { pollMs: 5, maxAttempts: 5, retryDelayMs: 5_000 });
    await first.publish("lowered", "limit lowered", {});
    const seen: Delivery[] = [];
    const logs = await quietly(async (lines) => {
      await first.consume("lowered", async (message) => {
        seen.push(delivery(message));
        throw new Error(`failure ${message.deliveryCount}`);
      });
      await until(() => lines.some((line) => line.endsWith("(delivery 1 of 5); delivered again in 5000 ms")));
      // (its backoff cut short, as if the 5 s had passed, for delivery 2)
      await db.queueMessage.updateMany({ where: { queue: "lowered" }, data: { availableAt: new Date() } });
      await until(() =>
        lines.some((line) => line.endsWith("(delivery 2 of 5); delivered again in 10000 ms")),
      );
      await first.close();
      const lowered = new TableQueue(db, { pollMs: 5, maxAttempts: 2 });
      await db.queueMessage.updateMany({ where: { queue: "lowered" }, data: { availableAt: new Date() } });
      try {
        await lowered.consume("lowered", async (message) => void seen.push(delivery(message)));
        // Dead, or (the fault) delivered a third time.
        await until(() => rows("lowered.dead").length === 1 || seen.length === 3);
      } finally {
        await lowered.close();
      }
    });
    assert.deepEqual(seen, [
      { body: "limit lowered", deliveryCount: 1, redelivered: false },
      { body: "limit lowered", deliveryCount: 2, redelivered: true },
    ]);
    const lastError =
      "delivery 3 of at most 2: maxAttempts was lowered to 2 while the message waited for a retry after 2 deliveries, so it is not delivered again; last handler error: failure 2";
    assert.deepEqual(await stored("lowered.dead"), [
      { body: "limit lowered", attempts: 2, consumedAt: null, availableAt: null, lastError },
    ]);
    const id = rows("lowered.dead")[0]!.id;
    assert.equal(logs.at(-1), `table queue: message ${id}: ${lastError}; moved to lowered.dead at once`);
  });

  test("a message dead-lettered because its consumer died keeps the handler's last error after the reason", async () => {
    // Claimed a millisecond more than the lease ago by the queues' clock: run out.
    const time = testClock();
    const longAgo = new Date(time.now() - 30_001);
    // Delivery 1 failed in its handler; delivery 2's consumer died (its lease ran out).
    await db.queueMessage.create({
      data: {
        queue: "died-after-failing",
        body: "poison",
        headers: {},
        attempts: 2,
        consumedAt: longAgo,
        lastError: "out of memory in sentences.split",
      },
    });
    const queue = new TableQueue(db, { pollMs: 5, leaseMs: 30_000, maxAttempts: 2, clock: time.now });
    const logs = await quietly(async () => {
      await queue.consume("died-after-failing", async () => assert.fail("not delivered again"));
      await until(() => rows("died-after-failing.dead").length === 1);
      await queue.close();
    });
    const lastError =
      "not acknowledged within its lease (delivery 2 of 2); last handler error: out of memory in sentences.split";
    assert.deepEqual(await stored("died-after-failing.dead"), [
      { body: "poison", attempts: 2, consumedAt: null, availableAt: null, lastError },
    ]);
    assert.ok(
      logs.some((line) => line.endsWith(`${lastError}; moved to died-after-failing.dead`)),
      logs.join("\n"),
    );
    // Redriven and dead again the same way: the handler's error is kept once, not nested.
    assert.equal(await queue.redrive("died-after-failing"), 1);
    await db.queueMessage.updateMany({
      where: { queue: "died-after-failing" },
      data: { attempts: 2, consumedAt: longAgo },
    });
    const again = new TableQueue(db, { pollMs: 5, leaseMs: 30_000, maxAttempts: 2, clock: time.now });
    await quietly(async () => {
      await again.consume("died-after-failing", async () => assert.fail("not delivered again"));
      await until(() => rows("died-after-failing.dead").length === 1);
      await again.close();
    });
    assert.equal((await stored("died-after-failing.dead"))[0]!.lastError, lastError);
  });

  /**
   * The clock of the late-handler tests' queues (lease 30 s): {@link leaseRunsOut} moves it past the lease
   * of the message in hand, as when its consumer stops renewing it (a renewal is due only after 10 s).
   */
  const lateClock = testClock();
  const LATE_LEASE_MS = 30_000;
  /** Makes the lease of the message in hand run out now: the clock a millisecond past its lease. */
  const leaseRunsOut = () => lateClock.advance(LATE_LEASE_MS + 1);

  test("a handler that succeeds after its lease ran out and its message was dead-lettered meanwhile: acknowledged there", async () => {
    // The first consumer's lease runs out while its handler runs (its renewals stopped: the process stood
    // still); a second consumer finds the message on its last allowed delivery and dead-letters it.
    const late = { pollMs: 5, leaseMs: LATE_LEASE_MS, maxAttempts: 1, clock: lateClock.now };
    const slow = new TableQueue(db, late);
    const other = new TableQueue(db, late);
    await slow.publish("late", "slow but done", {});
    let id = "";
    let handled = false;
    const logs = await quietly(async () => {
      await slow.consume("late", async (message) => {
        id = message.id!;
        leaseRunsOut();
        await other.consume("late", async () => assert.fail("not delivered again"));
        await until(() => rows("late.dead").length === 1);
        handled = true;
      });
      try {
        await until(() => handled && rows("late.dead").length === 0);
      } finally {
        await Promise.all([slow.close(), other.close()]);
      }
    });
    // It was handled: neither delivered again nor left dead.
    assert.deepEqual([rows("late").length, rows("late.dead").length], [0, 0]);
    assert.deepEqual(logs, [
      `table queue: message ${id} not acknowledged within its lease (delivery 1 of 1); moved to late.dead`,
      `table queue: message ${id} handled after its lease ran out, when it had been moved to late.dead; acknowledged there`,
    ]);
  });

  test("a handler that succeeds after its lease ran out and another consumer took its message: left to that one", async () => {
    const late = { pollMs: 5, leaseMs: LATE_LEASE_MS, clock: lateClock.now };
    const slow = new TableQueue(db, late);
    const other = new TableQueue(db, late);
    await slow.publish("late-taken", "handled twice", {});
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const seen: ReturnType<typeof delivery>[] = [];
    let id = "";
    let slowDone = false;
    const logs = await quietly(async (lines) => {
      await slow.consume("late-taken", async (message) => {
        id = message.id!;
        leaseRunsOut();
        await other.consume("late-taken", async (taken) => {
          seen.push(delivery(taken));
          await released;
        });
        await until(() => seen.length === 1);
        slowDone = true;
      });
      try {
        await until(() => slowDone && lines.length === 1);
        assert.equal(rows("late-taken").length, 1); // the other consumer's, not acknowledged by the slow one
      } finally {
        release();
      }
      try {
        await until(() => rows("late-taken").length === 0);
      } finally {
        await Promise.all([slow.close(), other.close()]);
      }
    });
    assert.deepEqual(seen, [{ body: "handled twice", deliveryCount: 2, redelivered: true }]);
    assert.deepEqual(logs, [
      `table queue: message ${id} handled after its lease ran out; another consumer has it, so it is handled again`,
    ]);
  });

  test("a handler that fails while the queue closes gives its message back at once, that delivery not counted", async () => {
    const queue = new TableQueue(db, { pollMs: 5, retryDelayMs: 60_000, maxAttempts: 1 });
    await queue.publish("closing", "cut short", {});
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    let closed!: Promise<void>;
    const logs = await quietly(async () => {
      await queue.consume("closing", async () => {
        started = true;
        await released;
        throw new Error("stopping");
      });
      await until(() => started);
      closed = queue.close();
      release();
      await closed;
    });
    // Neither dead (maxAttempts 1) nor held back by the backoff: the next consumer takes it at once.
    assert.deepEqual(await stored("closing"), [
      { body: "cut short", attempts: 0, consumedAt: null, availableAt: null, lastError: null },
    ]);
    const id = rows("closing")[0]!.id;
    const next = new TableQueue(db, { pollMs: 5, maxAttempts: 1 });
    const seen: Delivery[] = [];
    await next.consume("closing", async (message) => void seen.push(delivery(message)));
    await until(() => seen.length === 1);
    await next.close();
    assert.deepEqual(seen, [{ body: "cut short", deliveryCount: 1, redelivered: false }]);
    // Said as a stop, in one line: no delivery count that reads as an attempt used.
    assert.deepEqual(logs, [
      `table queue: closing: message ${id} given back uncounted (its handler ended with: stopping)`,
    ]);
  });

  test("a give-back on close that the database refuses (the file locked) is one line, no stack: the message comes back after its lease", async () => {
    const queue = new TableQueue(db, { pollMs: 5, maxAttempts: 5 });
    await queue.publish("closing-locked", "cut short", {});
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const logs = await quietly(async () => {
      await queue.consume("closing-locked", async () => {
        started = true;
        await released;
        throw new Error("the database of the handler is unavailable");
      });
      await until(() => started);
      raw.exec("BEGIN EXCLUSIVE");
      try {
        const closed = queue.close();
        release();
        await closed;
      } finally {
        raw.exec("ROLLBACK");
      }
    });
    const id = rows("closing-locked")[0]!.id;
    // Still held under the cut delivery's lease: delivered again once it runs out, that delivery counted.
    assert.deepEqual(
      (await stored("closing-locked")).map(({ attempts, consumedAt }) => [attempts, consumedAt !== null]),
      [[1, true]],
    );
    assert.deepEqual(logs, [
      `table queue: closing: message ${id} could not be given back (P1008); delivered again after its lease, ` +
        `this delivery counted (its handler ended with: the database of the handler is unavailable)`,
    ]);
  });

  test("the retried deliveries of a message restore the same trace: each process span a child of the publisher's", async () => {
    const inSpan = inSpanOf("table-queue-test");
    const queue = new TableQueue(db, { pollMs: 5, retryDelayMs: 0 });
    const published = await inSpan("publish jobs", async (span) => {
      const sc = span.spanContext();
      await queue.publish("traced", "retried", { traceparent: `00-${sc.traceId}-${sc.spanId}-01` });
      return sc;
    });
    exporter.reset();
    let deliveries = 0;
    await quietly(async () => {
      await queue.consume("traced", (message) =>
        withProcessSpan(
          message.headers,
          { system: queue.system, destination: "traced", messageId: message.id },
          async () => {
            deliveries++;
            if (message.deliveryCount! < 3) throw new Error(`delivery ${message.deliveryCount}`);
          },
        ),
      );
      await until(() => deliveries === 3 && rows("traced").length === 0);
      await queue.close();
    });
    const spans = exporter.getFinishedSpans().filter((s) => s.name === "process traced");
    assert.deepEqual(
      spans.map((s) => [s.spanContext().traceId, s.parentSpanContext?.spanId, s.status.code]),
      [
        [published.traceId, published.spanId, 2],
        [published.traceId, published.spanId, 2],
        [published.traceId, published.spanId, 0],
      ],
    );
    assert.equal(new Set(spans.map((s) => s.spanContext().spanId)).size, 3);
  });
});

/** Consumers of one queue on `clients` (each its own connection): which delivery each handler held, and when. */
async function concurrentConsumers(clients: Database[], label: string): Promise<void> {
  const queues = clients.map((client) => new TableQueue(client, { pollMs: 2, retryDelayMs: 0 }));
  const count = 30;
  for (let i = 0; i < count; i++) await queues[0]!.publish(label, String(i), {});
  const inHand = new Set<string>();
  const overlaps: string[] = [];
  const deliveries = new Map<string, number[]>();
  let acknowledged = 0;
  await quietly(async () => {
    for (const queue of queues)
      await queue.consume(label, async (message) => {
        if (inHand.has(message.body)) overlaps.push(message.body);
        inHand.add(message.body);
        deliveries.set(message.body, [...(deliveries.get(message.body) ?? []), message.deliveryCount!]);
        try {
          await sleep(1);
          // Every third message fails on its first delivery: the failure path runs concurrently too.
          if (Number(message.body) % 3 === 0 && message.deliveryCount === 1) throw new Error("first try");
          acknowledged++;
        } finally {
          inHand.delete(message.body);
        }
      });
    await until(() => acknowledged >= count);
    await Promise.all(queues.map((queue) => queue.close()));
  });
  assert.deepEqual(overlaps, []);
  assert.equal(acknowledged, count);
  const expected = new Map(
    Array.from({ length: count }, (_, i) => [String(i), i % 3 === 0 ? [1, 2] : [1]] as const),
  );
  assert.deepEqual(new Map([...deliveries].sort(([a], [b]) => Number(a) - Number(b))), expected);
  assert.equal(
    await clients[0]!.queueMessage.count({ where: { queue: { in: [label, deadLetterQueue(label)] } } }),
    0,
  );
}

describe("TableQueue: concurrent consumers never hold the same message", () => {
  test("SQLite file, three clients", async () => {
    const file = openExampleSqliteFile("table-queue-concurrent");
    try {
      await concurrentConsumers([file.db, file.connect(), file.connect()], "concurrent");
    } finally {
      await file.close();
    }
  });

  for (const [provider, title] of [
    ["postgresql", "PostgreSQL"],
    ["mysql", "MySQL/MariaDB"],
  ] as const) {
    const { need } = databaseFixture(provider);
    test(`${title}, three clients`, async (t) => {
      const database = need(t);
      if (!database) return;
      const more = await Promise.all([1, 2].map(async () => (await openClient(database)).client as Database));
      try {
        await concurrentConsumers([database.client as Database, ...more], "concurrent");
      } finally {
        await Promise.all(more.map((client) => client.$disconnect()));
      }
    });
  }
});

describe("TableQueue: a row whose headers are not JSON", () => {
  // Only SQLite keeps the JSON column as text that a hand-written row can fill with anything (the
  // SQLite test above); these databases refuse such a row, so the queue never reads one there.
  const values = "('bad-headers', 'b', 'not json')";
  for (const [provider, title, insert, refusal] of [
    [
      "postgresql",
      "PostgreSQL",
      (schema?: string) =>
        `INSERT INTO "${schema}"."QueueMessage" ("queue", "body", "headers") VALUES ${values}`,
      /invalid input syntax for type json/,
    ],
    [
      "mysql",
      "MySQL/MariaDB",
      () => `INSERT INTO \`QueueMessage\` (\`queue\`, \`body\`, \`headers\`) VALUES ${values}`,
      // MariaDB's JSON is text with a json_valid() check; MySQL's a type of its own.
      /CONSTRAINT `QueueMessage.headers` failed|Invalid JSON text/,
    ],
  ] as const) {
    const { need } = databaseFixture(provider);
    test(`${title} refuses to store it`, async (t) => {
      const database = need(t);
      if (!database) return;
      const client = database.client as Database;
      await assert.rejects(client.$executeRawUnsafe(insert(database.schema)), { message: refusal });
      assert.equal(await client.queueMessage.count({ where: { queue: "bad-headers" } }), 0);
    });
  }
});

describe("TableQueue options", () => {
  const db = {} as Database; // never reached: the options are checked first
  const rejects = (options: unknown, message: RegExp) =>
    assert.throws(() => new TableQueue(db, options as TableQueueOptions), { name: "TypeError", message });

  test("maxAttempts must be a positive integer", () => {
    for (const [value, shown] of [
      [0, "0"],
      [-1, "-1"],
      [2.5, "2.5"],
      [Number.NaN, "NaN"],
      [Infinity, "Infinity"],
      ["5", '"5"'],
    ] as const)
      rejects(
        { maxAttempts: value },
        new RegExp(`^TableQueue: maxAttempts must be a positive integer, got ${shown.replace(".", "\\.")}$`),
      );
    assert.doesNotThrow(() => new TableQueue(db, { maxAttempts: 1 }));
  });

  test("what is not a number or a plain object is shown for what it is, never as the number it looks like", () => {
    // A Number object and a bigint were refused "(got 5)", which reads as if 5 had been refused.
    rejects(
      { maxAttempts: new Number(5) },
      /^TableQueue: maxAttempts must be a positive integer, got a Number object$/,
    );
    rejects({ maxAttempts: 5n }, /^TableQueue: maxAttempts must be a positive integer, got a bigint 5n$/);
    rejects(
      { leaseMs: 5n },
      /^TableQueue: leaseMs must be a number > 0 and <= 6442450941, in ms, got a bigint 5n$/,
    );
    rejects(
      { pollMs: new String("5") },
      /^TableQueue: pollMs must be a number > 0 and <= 2147483647, in ms, got a String object$/,
    );
    rejects(
      { retryDelayMs: { ms: 5 } },
      /^TableQueue: retryDelayMs must be a number >= 0 and <= 2147483647, in ms, got an object$/,
    );
    rejects({ maxAttempts: () => 5 }, /^TableQueue: maxAttempts must be a positive integer, got a function$/);
    rejects({ maxAttempts: null }, /^TableQueue: maxAttempts must be a positive integer, got null$/);
    // The clock is a function (Date.now, or a test's), not a time.
    rejects(
      { clock: 1_700_000_000_000 },
      /^TableQueue: clock must be a function that returns the time in ms since the epoch \(as Date\.now\), got 1700000000000$/,
    );
    rejects(
      { clock: new Date() },
      /^TableQueue: clock must be a function that returns the time in ms since the epoch \(as Date\.now\), got a Date$/,
    );
    assert.doesNotThrow(() => new TableQueue(db, { clock: Date.now }));
  });

  test("the options must be a plain object: a Map or a Date is refused, not taken as {}", () => {
    rejects(new Map([["maxAttempts", 0]]), /^TableQueue: options must be a plain object, got a Map$/);
    rejects(new Date(), /^TableQueue: options must be a plain object, got a Date$/);
    rejects(new Number(5), /^TableQueue: options must be a plain object, got a Number object$/);
    rejects(5n, /^TableQueue: options must be a plain object, got a bigint 5n$/);
    rejects("fast", /^TableQueue: options must be a plain object, got "fast"$/);
    class Options {
      maxAttempts = 3;
    }
    rejects(new Options(), /^TableQueue: options must be a plain object, got an Options$/);
    // Plain objects, with or without a prototype, are options.
    assert.doesNotThrow(() => new TableQueue(db, Object.assign(Object.create(null), { maxAttempts: 3 })));
    assert.doesNotThrow(() => new TableQueue(db, { maxAttempts: 3 }));
  });

  test("a failed poll waits ten poll intervals, at most a Node.js timer's longest, and close() does not wait it out", async () => {
    // pollMs at its largest: ten intervals overflow a timer, which Node.js then fires after 1 ms (a poll
    // loop failing every millisecond before this was capped). Whether the retry came before a 50 ms timer
    // armed once the consumer waits on its own: Node.js runs due timers in the order of their deadlines,
    // with the promises they settle in between, so a retry timer of 1 ms (or of 10 ms, the control) has
    // polled again before the 50 ms one ends, however slow the machine. A count, not a time.
    assert.equal(await pollsBefore(2 ** 31 - 1, 50), 1);
    // The control: a retry that is due first (10 × 1 ms) is seen polling again.
    assert.ok((await pollsBefore(1, 50)) >= 2);
  });

  test("durations must be finite numbers in range, and a misspelt option is named", () => {
    rejects({ leaseMs: 0 }, /^TableQueue: leaseMs must be a number > 0 and <= 6442450941, in ms, got 0$/);
    rejects(
      { pollMs: Infinity },
      /^TableQueue: pollMs must be a number > 0 and <= 2147483647, in ms, got Infinity$/,
    );
    rejects(
      { retryDelayMs: -1 },
      /^TableQueue: retryDelayMs must be a number >= 0 and <= 2147483647, in ms, got -1$/,
    );
    // Longer than a Node.js timer runs (it would fire after 1 ms: a poll or renewal every millisecond),
    // or a lease whose end is not a date (every poll failed).
    rejects(
      { pollMs: 1e10 },
      /^TableQueue: pollMs must be a number > 0 and <= 2147483647, in ms, got 10000000000$/,
    );
    rejects(
      { leaseMs: 1e300 },
      /^TableQueue: leaseMs must be a number > 0 and <= 6442450941, in ms, got 1e\+300$/,
    );
    // A misspelt name: did you mean, as tracehop's own option checks say it (knownNameHint).
    rejects({ maxAttempt: 3 }, /^TableQueue: there is no option "maxAttempt"; did you mean maxAttempts\?$/);
    rejects({ lease_ms: 3 }, /^TableQueue: there is no option "lease_ms"; did you mean leaseMs\?$/);
    rejects(
      { timeout: 3 },
      /^TableQueue: there is no option "timeout"; the options are leaseMs, pollMs, maxAttempts, retryDelayMs, clock$/,
    );
    rejects(null, /^TableQueue: options must be a plain object, got null$/);
    rejects([], /^TableQueue: options must be a plain object, got an array$/);
    assert.doesNotThrow(() => new TableQueue(db, { leaseMs: 3 * (2 ** 31 - 1), pollMs: 2 ** 31 - 1 }));
    assert.doesNotThrow(() => new TableQueue(db, { retryDelayMs: 0, leaseMs: 1, pollMs: 1 }));
  });
});

/**
 * The polls a TableQueue with `pollMs` makes of a database that fails every one (SQLITE_BUSY) until a timer of
 * `witnessMs`, armed once the consumer waits to retry its first poll, has fired; then the queue is closed
 * (at once: close() cuts the wait short, or the test would hang on it).
 */
async function pollsBefore(pollMs: number, witnessMs: number): Promise<number> {
  let polls = 0;
  const failing = {
    queueMessage: {
      findFirst: () => {
        polls++;
        return Promise.reject(Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }));
      },
    },
  } as unknown as Database;
  const queue = new TableQueue(failing, { pollMs });
  await quietly(async () => {
    await queue.consume("locked", () => Promise.resolve());
    // The first poll is made as consume() starts, and its failure is handled in promise callbacks alone:
    // after one turn of the event loop the consumer is waiting on its retry timer.
    await setImmediate();
    assert.equal(polls, 1);
    await sleep(witnessMs);
    await within(queue.close(), HANG_GUARD_MS, "close()");
  });
  return polls;
}
