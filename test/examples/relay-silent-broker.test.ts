// The relay, started by hand on RabbitMQ (the real broker, through a proxy that stops passing bytes: a
// broker frozen, or its packets dropped), told to stop while a publish waits for its confirm: the stop
// gives up on the broker after TRACEHOP_CONNECT_TIMEOUT_MS, the publish rejects and the row stays
// unpublished (the next relay sends it). Two RabbitMQ connections: the test's and the relay's.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { requestedEvent, startRelay } from "../support/by-hand.js";
import { ended } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "./queue-helpers.js";
import { SUITE_BOUND_MS, switchingProxy, targetOf, throughProxy } from "./tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

describe(
  "the relay, started by hand on RabbitMQ, whose broker stops answering",
  { timeout: SUITE_BOUND_MS },
  () => {
    const broker = useRabbitMQ();

    test("told to stop while a publish waits for its confirm: it exits within TRACEHOP_CONNECT_TIMEOUT_MS, the row unpublished", async (t) => {
      if (!broker.requireBroker(t)) return;
      const dir = tempDir(t, "relay-silent-broker");
      const proxy = await switchingProxy(...targetOf(AMQP_URL));
      t.after(() => proxy.close());
      const { run, db, queue } = await startRelay(dir, "x", throughProxy(AMQP_URL, proxy.port), {
        TRACEHOP_CONNECT_TIMEOUT_MS: "1000",
      });
      try {
        const publishedAt = async (id: string) =>
          (await db.outbox.findUniqueOrThrow({ where: { id } })).publishedAt;
        // The first publish declares the queue, through the proxy still passing bytes.
        const first = await db.outbox.create({ data: requestedEvent("job-1") });
        await until(async () => (await publishedAt(first.id)) !== null);
        proxy.mode = "stall";
        const second = await db.outbox.create({ data: requestedEvent("job-2") });
        // Its pass has sent it (the proxy holds the publish, its body naming job-2) and waits for the confirm:
        // seen in the bytes, not guessed from a sleep, so the stop below comes while the publish waits.
        await until(() => proxy.held.includes('"jobId":"job-2"'));
        run.child.kill("SIGTERM");
        // Timing-free: the stalled broker never confirms nor answers the close, so without the
        // TRACEHOP_CONNECT_TIMEOUT_MS bound the relay never exits (the describe's timeout fails the test). It
        // exiting at all, 0, with the line only that bound's path prints ("within 1 s": the setting's value,
        // not the 10 s default) proves the stop gave up on the broker at that bound, however slow the machine.
        const { code, stderr } = await ended(run, "the relay's exit");
        assert.equal(code, 0, stderr);
        assert.equal(await publishedAt(second.id), null);
        assert.match(
          stderr,
          /^tracehop preprocess: relay: amqp queue: RabbitMQ did not answer within 1 s while the queue closed \(TRACEHOP_CONNECT_TIMEOUT_MS\): its connection is dropped; the broker requeues the messages in hand$/m,
        );
      } finally {
        run.child.kill("SIGKILL");
        await ended(run, "the relay's exit");
        await db.$disconnect();
        await broker.channel.deleteQueue(queue);
      }
    });
  },
);
