// The worker, started by hand, given messages that can never be handled (a body that is not JSON, not an
// object, or whose jobId is not a string or names no job): each goes to the dead-letter queue on its first delivery, its
// reason in the last error, in one log line, with both queues (the embedded table queue and RabbitMQ).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import type amqplib from "amqplib";
import Database from "better-sqlite3";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { AMQP_URL, connectOrSkipReason } from "../messaging/rabbitmq.js";
import { startExample } from "../support/main-job.js";
import { boundedTest, HANG_GUARD_MS, within } from "../examples/tcp-servers.js";
import { until } from "../examples/queue-helpers.js";
import { storeQueueTag } from "../support/queue-tag.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

/** Malformed bodies and the last error the worker's PermanentMessageError gives each. */
const MALFORMED: [body: string, lastError: string][] = [
  ["not json", "malformed message: its body is not JSON ("],
  ['{"jobId":42}', "malformed message: its jobId is a number, not a non-empty string"],
  ["[1,2]", "malformed message: its body is an array, not a JSON object"],
  ['{"jobId":""}', "malformed message: its jobId is an empty string, not a non-empty string"],
  // Well formed, but no job has that id: no retry can find it (it was logged as "job failed", with a
  // stack, and acknowledged).
  [
    '{"jobId":"no-such-job"}',
    'unknown job: no job has the id "no-such-job" in this database (published for another database, or deleted)',
  ],
];

describe("the worker given malformed messages", () => {
  let dir: string;
  let databases = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-malformed-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A migrated SQLite file of its own and the worker's environment on it. */
  function freshDatabase(): { file: string; url: string; env: Record<string, string> } {
    const file = join(dir, `malformed-${++databases}.db`);
    migrateSqlite(file);
    const url = `file:${file}`;
    const env = {
      DATABASE_URL: url,
      AMQP_URL: "",
      TRACEHOP_POLL_MS: "20",
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    };
    return { file, url, env };
  }

  /** Checks the worker's log: one line per malformed message, naming it, its delivery 1 and its reason. */
  function assertOneLineEach(stderr: string, prefix: string, dead: string): void {
    const lines = stderr.split("\n").filter((line) => line !== "");
    // One a message, then the worker's line saying it stopped on the test's SIGTERM.
    assert.equal(lines.length, MALFORMED.length + 1, stderr);
    assert.equal(lines.at(-1), "tracehop preprocess: worker: stopped on SIGTERM: exiting with code 0");
    for (const [, lastError] of MALFORMED)
      assert.ok(
        lines.some(
          (line) =>
            line.startsWith(prefix) &&
            line.includes(`can never be handled (delivery 1 of 5): ${lastError}`) &&
            line.endsWith(`; moved to ${dead} at once, not retried`),
        ),
        `${lastError}\n${stderr}`,
      );
    assert.doesNotMatch(stderr, /could not be marked failed|job failed|delivered again/);
  }

  test("the embedded table queue: each malformed message is dead on its first delivery with its reason", async () => {
    const { file, env } = freshDatabase();
    const raw = new Database(file);
    try {
      const insert = raw.prepare("INSERT INTO QueueMessage (queue, body, headers) VALUES (?, ?, '{}')");
      for (const [body] of MALFORMED) insert.run("preprocess-jobs", body);
      const run = startExample("worker", env);
      try {
        await within(run.ready, HANG_GUARD_MS, "the worker's READY");
        const dead = () =>
          raw
            .prepare("SELECT body, attempts, lastError FROM QueueMessage WHERE queue = ? ORDER BY id")
            .all("preprocess-jobs.dead") as { body: string; attempts: number; lastError: string }[];
        // Dead at once is shown by each dead row's count of deliveries (1, asserted below), not by a clock:
        // retried, each would be dead only after its fifth delivery, counted 5. The wait is a hang guard.
        await until(
          () => dead().length === MALFORMED.length,
          "every malformed message in preprocess-jobs.dead",
        );
        run.child.kill("SIGTERM");
        const result = await within(run.result, HANG_GUARD_MS, "the worker's exit on SIGTERM");
        assert.deepEqual(
          dead().map((row) => [
            row.body,
            row.attempts,
            row.lastError.startsWith(MALFORMED.find(([b]) => b === row.body)![1]),
          ]),
          MALFORMED.map(([body]) => [body, 1, true]),
        );
        const left = raw
          .prepare("SELECT COUNT(*) AS n FROM QueueMessage WHERE queue = 'preprocess-jobs'")
          .get() as {
          n: number;
        };
        assert.equal(left.n, 0);
        assertOneLineEach(
          result.stderr,
          "tracehop preprocess: worker: table queue: message ",
          "preprocess-jobs.dead",
        );
      } finally {
        run.child.kill("SIGKILL");
      }
    } finally {
      raw.close();
    }
  });

  test("RabbitMQ: each malformed message is dead on its first delivery with its reason in last-error", async (t) => {
    const connected = await connectOrSkipReason();
    if (typeof connected === "string") return t.skip(connected);
    const connection = connected as amqplib.ChannelModel;
    const { file, env } = freshDatabase();
    // The database's queue tag (pipeline.ts), stored before the worker starts: the queue is known.
    const queue = `preprocess-jobs.${storeQueueTag(file)}`;
    const channel = await connection.createConfirmChannel();
    try {
      for (const q of [queue, `${queue}.dead`]) await channel.assertQueue(q, { durable: true });
      MALFORMED.forEach(([body], i) =>
        channel.sendToQueue(queue, Buffer.from(body), { messageId: `malformed-${i}`, persistent: true }),
      );
      await channel.waitForConfirms();
      const run = startExample("worker", { ...env, AMQP_URL });
      let result;
      try {
        await within(run.ready, HANG_GUARD_MS, "the worker's READY");
        await until(
          async () => (await channel.checkQueue(`${queue}.dead`)).messageCount === MALFORMED.length,
          `every malformed message in ${queue}.dead`,
        );
        run.child.kill("SIGTERM");
        result = await within(run.result, HANG_GUARD_MS, "the worker's exit on SIGTERM");
      } finally {
        run.child.kill("SIGKILL");
      }
      const dead: [string, unknown, boolean][] = [];
      for (;;) {
        const msg = await channel.get(`${queue}.dead`, { noAck: true });
        if (msg === false) break;
        const body = msg.content.toString();
        const lastError = String(msg.properties.headers?.["last-error"]);
        dead.push([
          body,
          msg.properties.headers?.["tracehop-attempts"],
          lastError.startsWith(MALFORMED.find(([b]) => b === body)![1]),
        ]);
      }
      assert.deepEqual(
        dead,
        MALFORMED.map(([body]) => [body, 1, true]),
      );
      assert.equal((await channel.checkQueue(queue)).messageCount, 0);
      assertOneLineEach(
        result.stderr,
        "tracehop preprocess: worker: amqp queue: message malformed-",
        `${queue}.dead`,
      );
    } finally {
      // (The retry queues too: a worker that retries them, as one did before malformed messages were
      // dead at once, declares them.)
      const retries = [1_000, 2_000, 4_000, 8_000].map((ms) => `${queue}.retry.${ms}ms`);
      for (const q of [queue, `${queue}.dead`, ...retries]) await channel.deleteQueue(q);
      await connection.close();
    }
  });
});
