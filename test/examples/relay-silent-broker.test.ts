// The relay, started by hand on RabbitMQ (the real broker, through a proxy that stops passing bytes: a
// broker frozen, or its packets dropped), told to stop while a publish waits for its confirm: the stop
// gives up on the broker after TRACEHOP_CONNECT_TIMEOUT_MS, the publish rejects and the row stays
// unpublished (the next relay sends it). Two RabbitMQ connections: the test's and the relay's.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, test } from "node:test";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { requestedEvent, startRelay } from "../support/by-hand.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "./queue-helpers.js";
import { switchingProxy, targetOf, throughProxy } from "./tcp-servers.js";

describe("the relay, started by hand on RabbitMQ, whose broker stops answering", { timeout: 60_000 }, () => {
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
      await until(async () => (await publishedAt(first.id)) !== null, 15_000);
      proxy.mode = "stall";
      const second = await db.outbox.create({ data: requestedEvent("job-2") });
      await sleep(500); // its pass has sent it and waits for the confirm
      const sent = Date.now();
      run.child.kill("SIGTERM");
      const { code, stderr } = await run.result;
      const took = Date.now() - sent;
      assert.equal(code, 0, stderr);
      assert.ok(took < 5_000, `the relay stopped after ${took} ms`);
      assert.equal(await publishedAt(second.id), null);
      assert.match(
        stderr,
        /^tracehop preprocess: relay: amqp queue: RabbitMQ did not answer within 1 s while the queue closed \(TRACEHOP_CONNECT_TIMEOUT_MS\): its connection is dropped; the broker requeues the messages in hand$/m,
      );
    } finally {
      run.child.kill("SIGKILL");
      await run.result;
      await db.$disconnect();
      await broker.channel.deleteQueue(queue);
    }
  });
});
