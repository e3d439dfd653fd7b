// The relay, started by hand on RabbitMQ (the real broker), whose queue is deleted while it runs: the
// publish returned unrouted is sent again, and said in one line, no stack (examples/preprocess/relay.ts).
// Two RabbitMQ connections: the test's and the relay's.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { requestedEvent, startRelay } from "../support/by-hand.js";
import { ended } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "./queue-helpers.js";
import { boundedTest } from "./tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

describe("the relay, started by hand on RabbitMQ, whose queue is deleted while it runs", () => {
  const broker = useRabbitMQ();

  test("the publish returned unrouted is said in one line (why, and that the row is sent again), no stack; the row is published once the queue is declared again", async (t) => {
    if (!broker.requireBroker(t)) return;
    const dir = tempDir(t, "unrouted");
    const { run, db, queue } = await startRelay(dir, "unrouted", AMQP_URL);
    try {
      const published = (id: string) => async () =>
        (await db.outbox.findUniqueOrThrow({ where: { id } })).publishedAt !== null;
      // The first publish declares the queue.
      const first = await db.outbox.create({ data: requestedEvent("job-1") });
      await until(published(first.id), "job-1's outbox row marked published");
      await broker.channel.deleteQueue(queue);
      const second = await db.outbox.create({ data: requestedEvent("job-2") });
      await until(published(second.id), "job-2's outbox row marked published");
      const got = await broker.channel.get(queue, { noAck: true });
      assert.ok(got, "the row's message is not in the queue declared again");
      assert.equal(JSON.parse(got.content.toString()).jobId, "job-2");
      run.child.kill("SIGTERM");
      const { code, stderr } = await ended(run, "the relay's exit");
      assert.equal(code, 0, stderr);
      assert.equal(
        stderr,
        `tracehop preprocess: relay: outbox row ${second.id}: the broker returned its message to ${queue} unrouted: the queue does not ` +
          `exist (deleted while the relay ran?); nothing was delivered: the row stays unpublished and is sent ` +
          `again in 200 ms, to the queue declared again\n` +
          "tracehop preprocess: relay: stopped on SIGTERM: exiting with code 0\n",
      );
    } finally {
      run.child.kill("SIGTERM");
      await ended(run, "the relay's exit");
      await db.$disconnect();
      await broker.channel.deleteQueue(queue);
    }
  });

  test("a publish returned unrouted in a batch: the batch's rows not sent yet are released with it, not held for the claim's 3 minutes; each row sent once the queue is declared again", async (t) => {
    if (!broker.requireBroker(t)) return;
    const dir = tempDir(t, "unrouted-batch");
    const { run, db, queue } = await startRelay(dir, "unrouted-batch", AMQP_URL);
    try {
      const first = await db.outbox.create({ data: requestedEvent("job-0") });
      await until(
        async () => (await db.outbox.findUniqueOrThrow({ where: { id: first.id } })).publishedAt !== null,
      );
      await broker.channel.deleteQueue(queue);
      // Three rows at once: one pass claims them together, and the first publish comes back unrouted.
      const jobs = ["job-1", "job-2", "job-3"];
      await db.outbox.createMany({ data: jobs.map(requestedEvent) });
      await until(async () => (await db.outbox.count({ where: { publishedAt: null } })) === 0);
      const bodies: string[] = [];
      for (;;) {
        const got = await broker.channel.get(queue, { noAck: true });
        if (!got) break;
        bodies.push(JSON.parse(got.content.toString()).jobId);
      }
      assert.deepEqual(bodies.sort(), jobs);
      assert.deepEqual(
        await db.outbox.findMany({
          where: { OR: [{ claimedUntil: { not: null } }, { claimedBy: { not: null } }] },
        }),
        [],
      );
      run.child.kill("SIGTERM");
      const { code, stderr } = await ended(run, "the relay's exit");
      assert.equal(code, 0, stderr);
      assert.match(
        stderr,
        /^tracehop preprocess: relay: outbox row \S+: the broker returned its message to \S+ unrouted: [^\n]*\ntracehop preprocess: relay: stopped on SIGTERM: exiting with code 0\n$/,
      );
    } finally {
      run.child.kill("SIGTERM");
      await ended(run, "the relay's exit");
      await db.$disconnect();
      await broker.channel.deleteQueue(queue);
    }
  });
});
