// A large document of short sentences through the api, relay and worker started by hand (embedded
// defaults: SQLite, table queue): the worker stores its sentences a chunk at a time, so that a SIGTERM in
// the middle of the job stops it at once and a restarted worker completes the job with exactly the
// right sentences; a document over the sentence limit is failed with the limit in its reason. Before,
// the worker wrote all the sentences in one createMany: 44 000 took 20 s and 600 MB with the event loop
// blocked, a 5 MiB document never finished and a SIGTERM went unheard.
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { SpanKind } from "@opentelemetry/api";
import Database from "better-sqlite3";
import { MAX_SENTENCES, PROJECT_ROOT } from "../../examples/preprocess/config.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { readSpansFile } from "../../src/spans/index.js";
import { ended, type RunningExample, startExample } from "../support/main-job.js";
import { until } from "./queue-helpers.js";
import { HANG_GUARD_MS, SUITE_BOUND_MS, within } from "./tcp-servers.js";
import { tempDir } from "../support/temp-dir.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/** A document of `count` short sentences, `N0. N1. N2. …` (the sentence at index i is `N<i>.`). */
const document = (count: number) => Array.from({ length: count }, (_, i) => `N${i}.`).join(" ");

/**
 * Resolves once `check` is true (polled every 50 ms). A hang guard, not a time bound: it gives up, saying
 * `what` it waited for, only when `progress` (a count that grows while the work goes on: the sentences stored)
 * has not changed for {@link HANG_GUARD_MS}, so that a slow machine only makes the wait longer.
 */
async function whileProgressing(
  what: string,
  check: () => Promise<boolean>,
  progress: () => number,
): Promise<void> {
  let last = progress();
  let since = Date.now();
  while (!(await check())) {
    const now = progress();
    if (now !== last) [last, since] = [now, Date.now()];
    else if (Date.now() - since > HANG_GUARD_MS)
      throw new Error(
        `gave up after ${HANG_GUARD_MS} ms (a hang guard) without progress (${now} stored) waiting for ${what}`,
      );
    await sleep(50);
  }
}

test(
  "a document of MAX_SENTENCES short sentences: a SIGTERM mid-job stops the worker, a restarted one completes the job exactly; one more sentence is refused",
  // Its waits are each bounded by the hang guard (the large job's by its progress): this bound, past all of
  // them on a loaded machine, only ends a test that hangs elsewhere.
  { timeout: 2 * SUITE_BOUND_MS },
  async (t) => {
    const dir = tempDir(t, "large-document");
    const file = join(dir, "x.db");
    migrateSqlite(file);
    const env = {
      DATABASE_URL: `file:${file}`,
      AMQP_URL: "",
      PORT: "0",
      TRACEHOP_POLL_MS: "20",
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    };
    const runs: RunningExample[] = [];
    const start = (name: string) => {
      const run = startExample(name, env);
      runs.push(run);
      return run;
    };
    t.after(() => runs.forEach((run) => run.child.kill("SIGKILL")));
    const api = start("api");
    const relay = start("relay");
    let worker = start("worker");
    const base = /(http:\/\/\S+) READY$/.exec(await within(api.ready, HANG_GUARD_MS, "the api's READY"))![1]!;
    await within(Promise.all([relay.ready, worker.ready]), HANG_GUARD_MS, "the relay's and worker's READY");

    const post = async (text: string) => {
      const answer = await fetch(`${base}/preprocess-jobs`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: text,
      });
      assert.equal(answer.status, 201);
      return ((await answer.json()) as { id: string }).id;
    };
    const get = async (id: string) =>
      (await (await fetch(`${base}/preprocess-jobs/${id}`)).json()) as Record<string, unknown>;

    const db = new Database(file, { readonly: true });
    t.after(() => db.close());
    const stored = (id: string) =>
      (db.prepare("SELECT COUNT(*) AS n FROM Sentence WHERE jobId = ?").get(id) as { n: number }).n;

    // One sentence over the limit: failed, its reason saying the limit and what to do; nothing stored.
    const over = await post(document(MAX_SENTENCES + 1));
    const large = await post(document(MAX_SENTENCES));
    await until(async () => (await get(over)).status !== "pending", "the job over the limit failed");
    assert.deepEqual(await get(over), {
      id: over,
      status: "failed",
      sentences: 0,
      error: `the document has more than ${MAX_SENTENCES} sentences, the limit of a job: send it as several smaller documents`,
    });

    // Stopped once some of the large job's sentences are stored: the worker exits, the job pending.
    await until(() => stored(large) > 0, "the worker stored some of the large job's sentences");
    worker.child.kill("SIGTERM");
    const stopped = await ended(worker, "the worker's exit, told to stop mid-job");
    assert.equal(stopped.code, 0, stopped.stderr);
    // The queue says the stop as a stop, in one line (the worker says nothing more), and gives the message
    // back uncounted: a stop uses none of its 5 deliveries.
    const left =
      /^tracehop preprocess: worker: table queue: closing: message (\d+) given back uncounted \(its handler ended with: the worker is stopping: the job is left to be delivered again\)$/m.exec(
        stopped.stderr,
      );
    assert.ok(left, stopped.stderr);
    assert.doesNotMatch(stopped.stderr, /^tracehop preprocess: worker: stopping/m);
    assert.doesNotMatch(stopped.stderr, /handler failed/);
    assert.deepEqual(db.prepare("SELECT attempts, consumedAt FROM QueueMessage WHERE id = ?").get(left[1]), {
      attempts: 0,
      consumedAt: null,
    });
    assert.equal((await get(large)).status, "pending");
    assert.ok(stored(large) < MAX_SENTENCES, `${stored(large)} sentences stored before the stop`);

    // A worker started again completes it, with exactly the document's sentences in order.
    worker = start("worker");
    await within(worker.ready, HANG_GUARD_MS, "the restarted worker's READY");
    await whileProgressing(
      "the large job done",
      async () => (await get(large)).status === "done",
      () => stored(large),
    );
    assert.deepEqual(await get(large), { id: large, status: "done", sentences: MAX_SENTENCES });
    const rows = db
      .prepare('SELECT "index", text FROM Sentence WHERE jobId = ? ORDER BY "index"')
      .all(large) as { index: number; text: string }[];
    assert.equal(rows.length, MAX_SENTENCES);
    const wrong = rows.findIndex((row, i) => row.index !== i || row.text !== `N${i}.`);
    assert.equal(wrong, -1, `row ${wrong}: ${JSON.stringify(rows[wrong])}`);

    for (const run of [api, relay, worker]) run.child.kill("SIGTERM");
    for (const [run, name] of [
      [api, "api"],
      [relay, "relay"],
      [worker, "worker"],
    ] as const) {
      const { code, stderr } = await ended(run, `the ${name}'s exit on SIGTERM`);
      assert.equal(code, 0, `${name}: ${stderr}`);
    }
    // The stopped delivery's process span ends with an event saying the job was left, not as an ERROR span
    // (a stop is no fault of the job); the restarted worker's span for the same job ends unset too.
    const processSpans = readSpansFile(join(dir, "spans.jsonl"))
      .filter((span) => span.kind - 1 === SpanKind.CONSUMER && span.attributes["preprocess.job.id"] === large)
      .sort((a, b) => (a.startNanos < b.startNanos ? -1 : 1));
    assert.equal(processSpans.length, 2, JSON.stringify(processSpans.map((span) => span.name)));
    assert.deepEqual(
      processSpans.map((span) => [span.statusCode, span.events.map((event) => event.name)]),
      [
        [0, ["worker.stopping"]],
        [0, []],
      ],
    );
    // The refused job was said in one line.
    assert.match(
      stopped.stderr,
      new RegExp(
        `^tracehop preprocess: worker: job ${over} failed: the document has more than ${MAX_SENTENCES} sentences`,
        "m",
      ),
    );
  },
);

test("docs/example.md states the sentence limit and its error as the worker has them", () => {
  const page = readFileSync(join(PROJECT_ROOT, "docs", "example.md"), "utf8").replace(/\s+/g, " ");
  const limit = MAX_SENTENCES.toLocaleString("en").replaceAll(",", " ");
  assert.ok(page.includes(`at most ${limit} sentences (\`MAX_SENTENCES\``), `at most ${limit} sentences`);
  assert.ok(
    page.includes(
      `\`the document has more than ${MAX_SENTENCES} sentences, the limit of a job: send it as several smaller documents\``,
    ),
  );
});
