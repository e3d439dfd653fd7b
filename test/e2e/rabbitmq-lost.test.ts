// The main job's processes when RabbitMQ goes away under them: the worker and the relay, started by hand,
// whose connection the broker closes (CONNECTION_FORCED, as on a broker restart), and `npm start` whose
// worker loses its channel mid-run (the broker refuses its dead-letter queue, a 406: the worker exits 2, a
// configuration to fix). Each must end with one line saying why, not run on idle.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, type TestContext } from "node:test";
import { attemptsMark } from "../../examples/preprocess/queue-amqp.js";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { ended, runMainJob, startExample } from "../support/main-job.js";
import { closeConnectionsNamed, rabbitmqctlSkipReason } from "../support/rabbitmqctl.js";
import { tempDir } from "../support/temp-dir.js";
import { rabbitmqDatabase } from "../examples/queue-helpers.js";
import {
  boundedTest,
  HANG_GUARD_MS,
  methodCutProxy,
  targetOf,
  throughProxy,
  within,
} from "../examples/tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

describe("RabbitMQ lost under the main job's processes", () => {
  const rabbitmq = useRabbitMQ();
  /** Why rabbitmqctl cannot be used, if it cannot. */
  let noRabbitmqctl: string | undefined;
  before(async () => {
    noRabbitmqctl = await rabbitmqctlSkipReason();
  });

  /**
   * The environment of a run of test `t` on a migrated SQLite file of its own, in a folder of its own `dir`
   * (removed when `t` ends), and that file's queue names (deleted when `t` ends).
   */
  function freshRun(t: TestContext): {
    env: Record<string, string>;
    tag: string;
    queue: string;
    dir: string;
  } {
    const dir = tempDir(t, "e2e-lost");
    const file = join(dir, "lost.db");
    const { tag, queue } = rabbitmqDatabase(t, rabbitmq, file);
    const env = {
      DATABASE_URL: `file:${file}`,
      AMQP_URL,
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    };
    return { env, tag, queue, dir };
  }

  /** Skips `t` when RabbitMQ or its rabbitmqctl is missing, saying why. */
  const skipped = (t: TestContext) => {
    if (!rabbitmq.requireBroker(t)) return true;
    if (noRabbitmqctl !== undefined) t.skip(noRabbitmqctl);
    return noRabbitmqctl !== undefined;
  };

  for (const { name, line } of [
    {
      // Idle: it holds no message, so the line names none.
      name: "worker",
      line: "exiting with code 1 to be started again",
    },
    {
      name: "relay",
      line: "exiting with code 1 to be started again (the rows not yet published are published then)",
    },
  ])
    test(`the ${name}, started by hand, whose connection the broker closes exits 1 with one line saying why`, async (t) => {
      if (skipped(t)) return;
      const { env, tag } = freshRun(t);
      // Its exit waited for from the close, within the hang guard (which kills it and says so): a process that
      // runs on without its broker. Not a kill 10 s after the close: on a loaded machine a process that exits
      // 0.4 s after it was killed as if it ran on, and the start (~8 s) and rabbitmqctl's two runs (~10 s)
      // once took all of a bound counted from the start.
      const run = startExample(name, env);
      t.after(() => run.child.kill("SIGKILL"));
      await within(run.ready, HANG_GUARD_MS, `the ${name}'s READY`);
      assert.equal(await closeConnectionsNamed(`pid ${run.child.pid} ${tag}`, "the broker restarts"), 1);
      const result = await ended(run, `the ${name}'s exit after the broker closed its connection`);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(
        result.stderr,
        `tracehop preprocess: ${name}: amqp queue: the connection to RabbitMQ was closed: Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - the broker restarts"; ${line}\n`,
      );
    });

  test("npm start whose worker loses its channel mid-run (its dead-letter queue refused) says which process ended and exits 1 without waiting for the job timeout", async (t) => {
    if (skipped(t)) return;
    const { env, queue, dir } = freshRun(t);
    // A message already dead by its count (marked as the queue marks its own retries) is moved to `<queue>.dead` as soon as the worker takes it; that
    // queue, declared here without `durable`, makes the worker's declaration of it fail (406
    // PRECONDITION_FAILED), which closes the worker's channel: a refusal of its queue, which the worker ends
    // on with exit 2 and what to fix.
    const { channel } = rabbitmq;
    await channel.assertQueue(queue, { durable: true });
    await channel.assertQueue(`${queue}.dead`, { durable: false });
    const body = Buffer.from(JSON.stringify({ jobId: "none" }));
    channel.sendToQueue(queue, body, {
      headers: {
        "tracehop-attempts": 5,
        "tracehop-attempts-mark": attemptsMark(queue, "already-dead", body, 5),
      },
      messageId: "already-dead",
    });
    await channel.waitForConfirms();
    const document = join(dir, "doc.txt");
    writeFileSync(document, "One sentence. Another one.");
    // A job timeout the run must not wait out: had it waited, the summary would say "still pending after"
    // (asserted absent below) — no clock is read, so a loaded machine cannot fail this test.
    const result = await runMainJob([document], { ...env, TRACEHOP_JOB_TIMEOUT_MS: "60000" });
    assert.equal(result.code, 1, result.stderr);
    // The message named though its handler never ran: the queue was moving it to its dead-letter queue.
    assert.match(
      result.stderr,
      /^\[worker\] tracehop preprocess: worker: amqp queue: RabbitMQ refused the queue \S+\.dead \(406 PRECONDITION_FAILED - inequivalent arg 'durable' .*\): it exists with other arguments .*; exiting with code 2 \(message already-dead in hand, delivered again\)$/m,
    );
    assert.match(
      result.stderr,
      /^tracehop preprocess: the worker exited with code 2 before every job was done \(its last messages are above, prefixed \[worker\]\)$/m,
    );
    // The worker ends as soon as it takes that message, before or after the document is submitted:
    // either way the summary says what happened to it.
    assert.match(
      result.stderr,
      /^tracehop preprocess: (1 of 1 job did not finish: \S*doc\.txt \(pending\)|1 of 1 document not submitted \(a process had ended\): \S*doc\.txt)$/m,
    );
    assert.doesNotMatch(result.stderr, /still pending after/);
  });

  test("npm start whose broker check loses its connection while closing it runs on: the broker answered", async (t) => {
    if (skipped(t)) return;
    const { env, dir } = freshRun(t);
    // The run's first connection.close is its broker check's (the relay and the worker keep theirs open):
    // the connection is cut there. Before, its 'error' event, heard by nobody, ended npm start with exit 1 and
    // amqplib's stack trace.
    const proxy = await methodCutProxy(10, 50, ...targetOf(AMQP_URL));
    t.after(() => proxy.close());
    const document = join(dir, "check.txt");
    writeFileSync(document, "One sentence. Another one.");
    const result = await runMainJob([document], { ...env, AMQP_URL: throughProxy(AMQP_URL, proxy.port) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(proxy.cuts, 1);
    assert.doesNotMatch(result.stderr, /Unexpected close|safe_emit/);
  });

  test("npm start whose worker loses its connection before it is ready says so once, the worker's line first", async (t) => {
    if (skipped(t)) return;
    const { env, dir } = freshRun(t);
    // The run's first queue.declare is the worker's, before its READY (the relay declares at its first
    // publish): the connection is cut there, as by a broker restarting then.
    const proxy = await methodCutProxy(50, 10, ...targetOf(AMQP_URL));
    t.after(() => proxy.close());
    const document = join(dir, "early.txt");
    writeFileSync(document, "One sentence.");
    const result = await runMainJob([document], { ...env, AMQP_URL: throughProxy(AMQP_URL, proxy.port) });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(proxy.cuts, 1);
    // The worker's own line: a lost queue's ending, not `cannot consume …: Channel ended, no reply will be
    // forthcoming`.
    assert.match(
      result.stderr,
      /^\[worker\] tracehop preprocess: worker: amqp queue: the connection to RabbitMQ (failed|was closed): .+; exiting with code 1 to be started again$/m,
    );
    assert.doesNotMatch(result.stderr, /cannot consume/);
    // Said once: no job was submitted, and the line that the worker ended before it was ready says it all.
    assert.match(result.stderr, /^tracehop preprocess: worker exited with code 1 before it was ready$/m);
    assert.ok(
      result.stderr.indexOf("[worker]") < result.stderr.indexOf("before it was ready"),
      result.stderr,
    );
    assert.doesNotMatch(result.stderr, /before every job was done/);
  });
});
