// The relay, started by hand on RabbitMQ (the real broker), one of whose outbox rows the broker refuses for
// the message itself: larger than its max_message_size, RabbitMQ closes the channel with 406
// PRECONDITION_FAILED on the basic.publish. Started again as it is, the relay would claim that row first and
// be refused again, forever, the rows behind it waiting: so the row is set aside (its claim held for
// an hour, Outbox.claimedBy saying why), said in one line naming it and what to change, and the relay goes
// on with the other rows on a new channel. Before, it ended with exit 1, "to be started again" (a restart
// loop). Two RabbitMQ connections: the test's and the relay's.
//
// max_message_size is a global setting of the broker, which a channel reads when it opens: it is lowered
// only while the relay starts (its channel opened), and put back at once; the queue has a name of its own.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { messageRefusal } from "../../examples/preprocess/queue-amqp.js";
import { AMQP_URL, uniqueQueue, useRabbitMQ } from "../messaging/rabbitmq.js";
import { requestedEvent, startRelay } from "../support/by-hand.js";
import { ended } from "../support/main-job.js";
import { lowerMaxMessageSize, rabbitmqctlSkipReason } from "../support/rabbitmqctl.js";
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

    test("the row is set aside (Outbox.claimedBy says why, tried again in an hour) and said in one line with what to change; the relay goes on with the other rows and stops with exit 0", async (t) => {
      if (!broker.requireBroker(t)) return;
      const skip = await rabbitmqctlSkipReason();
      if (skip !== undefined) return void t.skip(skip);
      const dir = tempDir(t, "hC-message-refused");
      const base = uniqueQueue("hC-message-refused");
      // Lowered only while the relay starts: its channel keeps the limit it opened with.
      const restore = await lowerMaxMessageSize(MAX_SIZE);
      t.after(restore);
      let relay: Awaited<ReturnType<typeof startRelay>>;
      try {
        relay = await startRelay(dir, "x", AMQP_URL, { TRACEHOP_QUEUE: base });
      } finally {
        await restore();
      }
      const { run, db, queue } = relay;
      t.after(() => db.$disconnect());
      t.after(() => run.child.kill("SIGKILL"));
      broker.deleteAfter(t, queue);
      // An event of another producer on the same outbox, its payload larger than the broker takes.
      const big = await db.outbox.create({
        data: { ...requestedEvent("job-big"), payload: { jobId: "job-big", note: "x".repeat(MAX_SIZE) } },
      });
      const body = JSON.stringify({ eventType: big.eventType, ...(big.payload as object) });
      const size = Buffer.byteLength(body);
      const small = await db.outbox.create({ data: requestedEvent("job-small") });
      const startedAt = Date.now();
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
      const got = await broker.channel.get(queue, { noAck: true });
      assert.ok(got, "the small row's message is not in the queue");
      assert.equal(JSON.parse(got.content.toString()).jobId, "job-small");
      assert.equal(await broker.channel.get(queue, { noAck: true }), false);
      // Still running: stopped by a signal, it ends as usual.
      assert.equal(run.child.exitCode, null);
      run.child.kill("SIGTERM");
      const { code, stderr } = await ended(run, "the relay's exit");
      assert.equal(code, 0, stderr);
      assert.equal(
        stderr,
        `tracehop preprocess: relay: outbox row ${big.id}: the broker refused its message to ${queue} (${reason}): ` +
          `${fix}; the row is set aside until ${aside.claimedUntil!.toISOString()} (Outbox.claimedBy says why), ` +
          `then sent again; the other rows go on\n` +
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
