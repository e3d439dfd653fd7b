// The worker, started by hand on RabbitMQ (the real broker, through a proxy the test owns), that loses its
// broker while a handler runs (a large document, stored a chunk at a time): its line saying why it exits is
// its last, after every line its stop said (the handler that ended after the loss, the queue's closing).
// Before, that line came first and the queue's `handler failed on …, after the channel was lost` followed
// it, so that the process's last words were not how it ended. Two RabbitMQ connections: the test's and the
// worker's.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { ended, startExample } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import { rabbitmqDatabase, until } from "./queue-helpers.js";
import {
  HANG_GUARD_MS,
  SUITE_BOUND_MS,
  switchingProxy,
  targetOf,
  throughProxy,
  within,
} from "./tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/** A document of `count` short sentences, `N0. N1. N2. …`: seconds of splitting and storing. */
const document = (count: number) => Array.from({ length: count }, (_, i) => `N${i}.`).join(" ");

describe(
  "the worker, started by hand on RabbitMQ, that loses its broker mid-job",
  { timeout: SUITE_BOUND_MS },
  () => {
    const broker = useRabbitMQ();

    test("its exit line is its last line, after the lines of its stop", async (t) => {
      if (!broker.requireBroker(t)) return;
      const dir = tempDir(t, "worker-lost-broker");
      const file = join(dir, "x.db");
      const { queue } = rabbitmqDatabase(t, broker, file);
      const raw = new Database(file);
      t.after(() => raw.close());
      raw
        .prepare("INSERT INTO PreprocessJob (id, status, text, updatedAt) VALUES (?, 'pending', ?, ?)")
        .run("job-1", document(100_000), new Date().toISOString());
      await broker.channel.assertQueue(queue, { durable: true });
      broker.channel.sendToQueue(queue, Buffer.from(JSON.stringify({ jobId: "job-1" })), {
        messageId: "cut-mid-job",
        persistent: true,
      });
      await broker.channel.waitForConfirms();

      const proxy = await switchingProxy(...targetOf(AMQP_URL));
      t.after(() => proxy.close());
      const run = startExample("worker", {
        DATABASE_URL: `file:${file}`,
        AMQP_URL: throughProxy(AMQP_URL, proxy.port),
        TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
        OTEL_EXPORTER_OTLP_ENDPOINT: "",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
      });
      t.after(() => run.child.kill("SIGKILL"));
      await within(run.ready, HANG_GUARD_MS, "the worker's READY");
      // The handler is storing the job's sentences (a chunk at a time) when the broker goes away.
      const stored = raw.prepare("SELECT COUNT(*) AS n FROM Sentence WHERE jobId = 'job-1'");
      await until(() => (stored.get() as { n: number }).n > 0);
      proxy.mode = "refuse";
      const { code, stderr } = await ended(run, "the worker's exit after it lost the broker");
      assert.equal(code, 1, stderr);
      const lines = stderr.split("\n").filter((line) => line.trim() !== "");
      // Every line of its stop, then its exit line, each naming the worker: the handler the loss cut short
      // (the broker has its message again with the lost channel), then why it exits and the message in hand.
      assert.equal(lines.length, 2, stderr);
      assert.equal(
        lines[0],
        `tracehop preprocess: worker: amqp queue: handler failed on message cut-mid-job of ${queue} (delivery 1 of ` +
          "5), after the channel was lost; the broker has it again [WorkerStoppingError: the worker is stopping: " +
          "the job is left to be delivered again]",
      );
      assert.match(
        lines[1]!,
        /^tracehop preprocess: worker: amqp queue: the connection to RabbitMQ (failed|was closed): .+; exiting with code 1 to be started again \(message cut-mid-job in hand, delivered again\)$/,
      );
    });
  },
);
