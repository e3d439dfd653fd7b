// The relay and the worker on RabbitMQ (the real broker) whose queue the broker refuses: it exists already,
// declared by another program with other arguments (406 PRECONDITION_FAILED), or the user may not publish
// (403 ACCESS_REFUSED). A configuration the user must fix, which a restart meets again: each ends as it ends
// on a lost queue (its stop done, spans flushed, its last line saying why and the code), but with exit code 2
// and what to fix. Before, the worker said `cannot consume …` and called process.exit(1) at once (nothing
// flushed, the database left connected, no line with the code), and the relay ended as on a lost broker,
// exit 1 "to be started again". At most three RabbitMQ connections at once: the test's, and the processes'
// of one run.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "node:test";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { AMQP_URL, uniqueQueue, useRabbitMQ } from "../messaging/rabbitmq.js";
import { requestedEvent, startRelay } from "../support/by-hand.js";
import { runExample, runMainJob, ended } from "../support/main-job.js";
import { boundedTest } from "./tcp-servers.js";
import { storeQueueTag } from "../support/queue-tag.js";
import { rabbitmqctl, rabbitmqctlSkipReason } from "../support/rabbitmqctl.js";
import { tempDir } from "../support/temp-dir.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

/** The message TTL the queue was declared with elsewhere, in ms: an argument the example never gives it. */
const TTL_MS = 60_000;

/** What the relay and the worker say of their queue `queue`, declared elsewhere with a TTL of {@link TTL_MS}. */
const refused = (queue: string) =>
  `amqp queue: RabbitMQ refused the queue ${queue} (406 PRECONDITION_FAILED - inequivalent arg ` +
  `'x-message-ttl' for queue '${queue}' in vhost '/': received none but current is the value '${TTL_MS}' of ` +
  `type 'signedint'): it exists with other arguments (declared by another program, or by hand): delete it ` +
  `(its messages go with it) or set TRACEHOP_QUEUE to another name`;

/** The environment of a process of the example on the SQLite file `file`, spans to `dir`, none exported. */
const envOf = (dir: string, file: string, base: string) => ({
  DATABASE_URL: `file:${file}`,
  AMQP_URL,
  TRACEHOP_QUEUE: base,
  TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
  OTEL_EXPORTER_OTLP_ENDPOINT: "",
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
});

describe("the relay and the worker on a RabbitMQ queue the broker refuses", () => {
  const broker = useRabbitMQ();

  /**
   * A migrated SQLite file in a new folder, its queue tag stored, and its queue (TRACEHOP_QUEUE `base`)
   * declared on the broker with a message TTL, deleted after the test.
   */
  async function declaredElsewhere(t: Parameters<typeof tempDir>[0], label: string) {
    const dir = tempDir(t, label);
    const file = join(dir, "x.db");
    migrateSqlite(file);
    const base = uniqueQueue(label);
    const queue = `${base}.${storeQueueTag(file)}`;
    await broker.channel.assertQueue(queue, { durable: true, messageTtl: TTL_MS });
    t.after(() => broker.channel.deleteQueue(queue).then(() => undefined));
    return { dir, file, base, queue };
  }

  test("the worker started by hand: stopped, its last line says what to fix, exit 2, not READY", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { dir, file, base, queue } = await declaredElsewhere(t, "refused-worker");
    const { code, stdout, stderr } = await runExample("worker", [], envOf(dir, file, base));
    assert.deepEqual(
      [code, stdout, stderr],
      [2, "", `tracehop preprocess: worker: ${refused(queue)}; exiting with code 2\n`],
    );
    // The queue is as it was declared: nothing of the example deleted or changed it.
    const { messageCount } = await broker.channel.checkQueue(queue);
    assert.equal(messageCount, 0);
  });

  test("the worker started by hand, its dead-letter queue refused mid-run: the message's span flushed, exit 2", async (t) => {
    if (!broker.requireBroker(t)) return;
    const dir = tempDir(t, "refused-dead");
    const file = join(dir, "x.db");
    migrateSqlite(file);
    const base = uniqueQueue("refused-dead");
    const queue = `${base}.${storeQueueTag(file)}`;
    const dead = `${queue}.dead`;
    await broker.channel.assertQueue(dead, { durable: true, messageTtl: TTL_MS });
    t.after(() => broker.channel.deleteQueue(dead).then(() => undefined));
    await broker.channel.assertQueue(queue, { durable: true });
    t.after(() => broker.channel.deleteQueue(queue).then(() => undefined));
    // A malformed message: its handler refuses it at once, and the queue moves it to its dead-letter queue.
    broker.channel.sendToQueue(queue, Buffer.from("not json"), {
      messageId: "malformed-1",
      persistent: true,
    });
    await broker.channel.waitForConfirms();
    const { code, stdout, stderr } = await runExample("worker", [], envOf(dir, file, base));
    assert.equal(code, 2, stderr);
    assert.match(stdout, / READY\n$/);
    const lines = stderr.split("\n").filter((line) => line !== "");
    assert.deepEqual(lines, [
      `tracehop preprocess: worker: amqp queue: message malformed-1 of ${queue} can never be handled (delivery 1 ` +
        `of 5): malformed message: its body is not JSON (Unexpected token 'o', "not json" is not valid JSON); ` +
        "the broker has it again with the lost channel",
      `tracehop preprocess: worker: ${refused(dead)}; exiting with code 2 (message malformed-1 in hand, delivered again)`,
    ]);
    // Stopped before it exited: the process span of the message, ended, is in the spans file.
    const spans = readFileSync(join(dir, "spans.jsonl"), "utf8");
    assert.match(spans, /"malformed-1"/);
    // The message is back in its queue, not lost.
    assert.equal((await broker.channel.checkQueue(queue)).messageCount, 1);
  });

  test("the relay started by hand, refused at its first publish: its last line says what to fix, exit 2; the row stays unpublished, its claim released", async (t) => {
    if (!broker.requireBroker(t)) return;
    const dir = tempDir(t, "refused-relay");
    const base = uniqueQueue("refused-relay");
    const { run, db, queue } = await startRelay(dir, "x", AMQP_URL, { TRACEHOP_QUEUE: base });
    t.after(() => db.$disconnect());
    t.after(() => run.child.kill("SIGKILL"));
    assert.ok(queue.startsWith(`${base}.`), queue);
    await broker.channel.assertQueue(queue, { durable: true, messageTtl: TTL_MS });
    t.after(() => broker.channel.deleteQueue(queue).then(() => undefined));
    const row = await db.outbox.create({ data: requestedEvent("job-1") });
    const { code, stderr } = await ended(run, "the relay's exit");
    assert.deepEqual(
      [code, stderr],
      [
        2,
        `tracehop preprocess: relay: ${refused(queue)}; exiting with code 2 (the rows not yet published stay in the outbox)\n`,
      ],
    );
    const after = await db.outbox.findUniqueOrThrow({ where: { id: row.id } });
    assert.deepEqual([after.publishedAt, after.claimedBy, after.claimedUntil], [null, null, null]);
  });

  test("the relay started by hand as a user that may not write: refused at its first publish, exit 2", async (t) => {
    if (!broker.requireBroker(t)) return;
    const skip = await rabbitmqctlSkipReason();
    if (skip !== undefined) return void t.skip(skip);
    const user = `tracehop-test-reader-${process.pid}-${randomBytes(4).toString("hex")}`;
    await rabbitmqctl("add_user", user, "secret");
    t.after(() => rabbitmqctl("delete_user", user).then(() => undefined));
    // Configure (the declaration) and read, but no write: the publish through the default exchange is refused.
    await rabbitmqctl("set_permissions", "-p", "/", user, ".*", "^$", ".*");
    const url = new URL(AMQP_URL);
    url.username = user;
    url.password = "secret";
    const dir = tempDir(t, "refused-write");
    const base = uniqueQueue("refused-write");
    const { run, db, queue } = await startRelay(dir, "x", url.href, { TRACEHOP_QUEUE: base });
    t.after(() => db.$disconnect());
    t.after(() => run.child.kill("SIGKILL"));
    t.after(() => broker.channel.deleteQueue(queue).then(() => undefined));
    const row = await db.outbox.create({ data: requestedEvent("job-1") });
    const { code, stderr } = await ended(run, "the relay's exit");
    assert.deepEqual(
      [code, stderr],
      [
        2,
        `tracehop preprocess: relay: amqp queue: RabbitMQ refused to let the user of AMQP_URL publish (403 ` +
          `ACCESS_REFUSED - access to exchange 'amq.default' in vhost '/' refused for user '${user}'): ` +
          "grant the user write permission on the exchange amq.default (rabbitmqctl set_permissions), or use " +
          "another user in AMQP_URL; exiting with code 2 (the rows not yet published stay in the outbox)\n",
      ],
    );
    const after = await db.outbox.findUniqueOrThrow({ where: { id: row.id } });
    assert.deepEqual([after.publishedAt, after.claimedBy], [null, null]);
  });

  test("npm start: the worker's refusal shown once, exit 2, no trace shown", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { dir, file, base, queue } = await declaredElsewhere(t, "refused-main");
    const r = await runMainJob([], envOf(dir, file, base));
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `[worker] tracehop preprocess: worker: ${refused(queue)}; exiting with code 2\n`);
    assert.doesNotMatch(r.stdout, /\[worker\]|spans:|trace /);
  });
});
