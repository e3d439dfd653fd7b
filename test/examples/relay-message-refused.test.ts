// The relay, started by hand on RabbitMQ (the real broker), one of whose outbox rows the broker refuses for
// the message itself: larger than its max_message_size, RabbitMQ closes the channel with 406
// PRECONDITION_FAILED on the basic.publish. RabbitMQ reads max_message_size when a channel opens, so a channel
// opened before an operator raised it still refuses: the relay publishes a refused row once more, on the new
// channel its queue opens after a refusal (which reads the setting then), and that is taken. Refused there
// too, started again as it is, the relay would claim that row first and be refused again, forever, the rows
// behind it waiting: so the row is set aside (its claim held for an hour, Outbox.claimedBy saying why), said
// in one line naming it and what to change, and the relay goes on with the other rows on a new channel.
// Before, a row refused on a channel opened before the limit was raised was set aside for an hour all the
// same (no fresh-channel retry), and earlier still the relay ended with exit 1 (a restart loop). Two RabbitMQ
// connections: the test's and the relay's.
//
// max_message_size is a global setting of the broker (shared with other runs), which a channel reads when it
// opens: it is lowered only while the relay starts (its channel opened), and put back at once; for the
// relay's second channel, only until the broker has seen that channel open (openWithMaxMessageSize). The
// queue has a name of its own. The tests of this file run one at a time.
import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import { messageRefusal } from "../../examples/preprocess/queue-amqp.js";
import { AMQP_URL, uniqueQueue, useRabbitMQ } from "../messaging/rabbitmq.js";
import { requestedEvent, startRelay } from "../support/by-hand.js";
import { ended } from "../support/main-job.js";
import {
  lowerMaxMessageSize,
  openWithMaxMessageSize,
  rabbitmqctlSkipReason,
} from "../support/rabbitmqctl.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "./queue-helpers.js";
import { SUITE_BOUND_MS } from "./tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/** The broker's max_message_size while the relay opens its channel, in bytes. */
const MAX_SIZE = 4096;

describe(
  "the relay on RabbitMQ, a row's message refused by the broker for its size",
  { timeout: SUITE_BOUND_MS },
  () => {
    const broker = useRabbitMQ();

    /**
     * The relay started with max_message_size lowered to MAX_SIZE while it opens its channel (put back
     * then: the channel keeps the lower limit for its life, as one opened before an operator raised it);
     * undefined when the test is skipped (no broker, no rabbitmqctl).
     */
    async function startLimitedRelay(t: TestContext, label: string) {
      if (!broker.requireBroker(t)) return undefined;
      const skip = await rabbitmqctlSkipReason();
      if (skip !== undefined) return void t.skip(skip);
      const dir = tempDir(t, label);
      const base = uniqueQueue(label);
      const restore = await lowerMaxMessageSize(MAX_SIZE);
      t.after(restore);
      let relay: Awaited<ReturnType<typeof startRelay>>;
      try {
        relay = await startRelay(dir, "x", AMQP_URL, { TRACEHOP_QUEUE: base });
      } finally {
        await restore();
      }
      t.after(() => relay.db.$disconnect());
      t.after(() => relay.run.child.kill("SIGKILL"));
      broker.deleteAfter(t, relay.queue);
      return relay;
    }

    /** An event of another producer on the same outbox, its payload larger than MAX_SIZE, and its body's size. */
    const bigEvent = (jobId: string) => {
      const data = { ...requestedEvent(jobId), payload: { jobId, note: "x".repeat(MAX_SIZE) } };
      const size = Buffer.byteLength(JSON.stringify({ eventType: data.eventType, ...data.payload }));
      return { data, size };
    };

    /** The job ids of the messages in `queue`, taken from it. */
    async function jobIdsIn(queue: string): Promise<string[]> {
      const ids: string[] = [];
      for (;;) {
        const got = await broker.channel.get(queue, { noAck: true });
        if (got === false) return ids;
        ids.push(JSON.parse(got.content.toString()).jobId);
      }
    }

    test("refused on the channel opened before the limit was raised: published again on a fresh channel, which takes it; nothing set aside, nothing said", async (t) => {
      const relay = await startLimitedRelay(t, "hC-message-raised");
      if (!relay) return;
      const { run, db, queue } = relay;
      const big = await db.outbox.create({ data: bigEvent("job-big").data });
      const small = await db.outbox.create({ data: requestedEvent("job-small") });
      await until(async () => {
        const rows = await db.outbox.findMany({ where: { id: { in: [big.id, small.id] } } });
        return rows.every((row) => row.publishedAt !== null);
      });
      const published = await db.outbox.findUniqueOrThrow({ where: { id: big.id } });
      assert.equal(published.claimedBy, null);
      assert.equal(published.claimedUntil, null);
      assert.deepEqual(await jobIdsIn(queue), ["job-big", "job-small"]);
      assert.equal(run.child.exitCode, null);
      run.child.kill("SIGTERM");
      const { code, stderr } = await ended(run, "the relay's exit");
      assert.equal(code, 0, stderr);
      assert.equal(stderr, "tracehop preprocess: relay: stopped on SIGTERM: exiting with code 0\n");
    });

    test("refused on the fresh channel too: the row is set aside (Outbox.claimedBy says why, tried again in an hour) and said in one line with what to change; the relay goes on with the other rows and stops with exit 0", async (t) => {
      const relay = await startLimitedRelay(t, "hC-message-refused");
      if (!relay) return;
      const { run, db, queue } = relay;
      const { data, size } = bigEvent("job-big");
      const startedAt = Date.now();
      // The limit lowered again until the broker sees the relay's next channel open: the one its queue
      // opens after the first refusal, on which the row is published again.
      const big = await openWithMaxMessageSize(MAX_SIZE, `pid ${run.child.pid} `, () =>
        db.outbox.create({ data }),
      );
      const small = await db.outbox.create({ data: requestedEvent("job-small") });
      await until(
        async () => (await db.outbox.findUniqueOrThrow({ where: { id: small.id } })).publishedAt !== null,
      );
      const aside = await db.outbox.findUniqueOrThrow({ where: { id: big.id } });
      const reason = `406 PRECONDITION_FAILED - message size ${size} is larger than configured max size ${MAX_SIZE}`;
      const fix = `raise the broker's max_message_size (rabbitmq.conf) to ${size} bytes or more, or make the message smaller`;
      assert.equal(aside.publishedAt, null);
      assert.equal(aside.claimedBy, `unpublishable: ${reason}: ${fix}`);
      const until_ = aside.claimedUntil!.getTime();
      assert.ok(
        until_ >= startedAt + 3_600_000 && until_ <= Date.now() + 3_600_000,
        String(aside.claimedUntil),
      );
      // The small row's message is in the queue; the big one's is not.
      assert.deepEqual(await jobIdsIn(queue), ["job-small"]);
      // Still running: stopped by a signal, it ends as usual.
      assert.equal(run.child.exitCode, null);
      run.child.kill("SIGTERM");
      const { code, stderr } = await ended(run, "the relay's exit");
      assert.equal(code, 0, stderr);
      assert.equal(
        stderr,
        `tracehop preprocess: relay: outbox row ${big.id}: the broker refused its message to ${queue} (${reason}), ` +
          `on a fresh channel too: ${fix}; the row is set aside until ${aside.claimedUntil!.toISOString()} ` +
          `(Outbox.claimedBy says why), then sent again; the other rows go on\n` +
          "tracehop preprocess: relay: stopped on SIGTERM: exiting with code 0\n",
      );
    });
  },
);

test("messageRefusal: a 406 on basic.publish is the message's (what to change by its text); a 406 on a declaration or a 403 on a publish is not", () => {
  const closed = (code: number, classId: number, methodId: number, text: string) =>
    Object.assign(new Error(`Channel closed by server: ${code} (X) with message "${text}"`), {
      code,
      classId,
      methodId,
    });
  assert.deepEqual(
    messageRefusal(
      closed(406, 60, 40, "PRECONDITION_FAILED - message size 5000 is larger than configured max size 4096"),
    ),
    {
      reason: "406 PRECONDITION_FAILED - message size 5000 is larger than configured max size 4096",
      fix: "raise the broker's max_message_size (rabbitmq.conf) to 5000 bytes or more, or make the message smaller",
    },
  );
  assert.deepEqual(
    messageRefusal(
      closed(406, 60, 40, "PRECONDITION_FAILED - message size 600000000 is larger than max size 536870912"),
    ),
    {
      reason: "406 PRECONDITION_FAILED - message size 600000000 is larger than max size 536870912",
      fix: "make the message smaller: RabbitMQ takes no message over 536870912 bytes",
    },
  );
  assert.deepEqual(messageRefusal(closed(406, 60, 40, "PRECONDITION_FAILED - invalid expiration")), {
    reason: "406 PRECONDITION_FAILED - invalid expiration",
    fix: "change the message or the broker's setting that refuses it (see its text)",
  });
  assert.equal(messageRefusal(closed(406, 50, 10, "PRECONDITION_FAILED - inequivalent arg")), undefined);
  assert.equal(messageRefusal(closed(403, 60, 40, "ACCESS_REFUSED - access to exchange")), undefined);
  assert.equal(messageRefusal(new Error("socket closed")), undefined);
  assert.equal(messageRefusal(undefined), undefined);
});
