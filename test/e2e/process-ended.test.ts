// `npm start` when one of its processes ends mid-run (killed, or its RabbitMQ connection closed by the
// broker): it stops submitting, names every process that ended, and reports each job as the database
// holds it (done, failed or pending), not every job as pending.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { counted } from "../../examples/preprocess/config.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { childPid, ended, startExample, type MainJobResult } from "../support/main-job.js";
import { HANG_GUARD_MS, SUITE_BOUND_MS, within } from "../examples/tcp-servers.js";
import { until } from "../examples/queue-helpers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/**
 * Enough documents that the main job is still submitting when the first job is done (embedded queue), or
 * when rabbitmqctl has closed a connection (about a second, RabbitMQ).
 */
const DOCUMENTS = { embedded: 400, amqp: 2000 };

// Its one test waits three times, each within the hang guard (READY, a job done, npm start's exit), which
// names what hung: the suite is bounded by three guards.
describe("npm start when a process ends mid-run", { timeout: SUITE_BOUND_MS }, () => {
  let dir: string;
  let files: string[];
  let runs = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-ended-"));
    files = Array.from({ length: DOCUMENTS.amqp }, (_, i) => {
      const file = join(dir, `doc${i}.txt`);
      writeFileSync(file, `Document ${i}. A second sentence.`);
      return file;
    });
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs the main job on a fresh SQLite file with every document; once the database holds a job done,
   * calls `end` with the main job's pid (it ends a process; at once when not `waitForDone`), then waits for
   * the run to end.
   */
  async function runAndEnd(
    env: Record<string, string>,
    end: (mainPid: number, url: string) => Promise<void>,
    waitForDone = true,
  ): Promise<{ result: MainJobResult; statuses: Map<string, string>; documents: string[] }> {
    const documents = files.slice(0, waitForDone ? DOCUMENTS.embedded : DOCUMENTS.amqp);
    const file = join(dir, `run-${++runs}.db`);
    migrateSqlite(file);
    const url = `file:${file}`;
    const run = startExample(
      "main",
      {
        DATABASE_URL: url,
        TRACEHOP_SPANS_FILE: join(dir, `spans-${runs}.jsonl`),
        TRACEHOP_POLL_MS: "10",
        OTEL_EXPORTER_OTLP_ENDPOINT: "",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
        ...env,
      },
      documents,
    );
    const db = new Database(file, { readonly: true });
    try {
      await within(run.ready, HANG_GUARD_MS, "npm start's READY");
      if (waitForDone) {
        const done = db.prepare("SELECT count(*) AS n FROM PreprocessJob WHERE status = 'done'");
        // A hang guard, not a time bound: until() gives up after HANG_GUARD_MS, saying what it waited for.
        await until(() => (done.get() as { n: number }).n > 0, "a job done");
      }
      await end(run.child.pid!, url);
      const result = await ended(run, "npm start's exit after a process ended");
      const rows = db.prepare("SELECT id, status FROM PreprocessJob").all() as {
        id: string;
        status: string;
      }[];
      return { result, statuses: new Map(rows.map((r) => [r.id, r.status])), documents };
    } finally {
      db.close();
      run.child.kill("SIGKILL");
    }
  }

  /** What the run said must be what the database holds: each job's status, and what was not submitted. */
  function assertTruthful(
    {
      result,
      statuses,
      documents,
    }: { result: MainJobResult; statuses: Map<string, string>; documents: string[] },
    stoppedEarly = true,
  ): void {
    assert.equal(result.code, 1, result.stderr);
    const submitted = [...result.stdout.matchAll(/^(\S+): job (\S+) submitted$/gm)].map((m) => ({
      file: m[1]!,
      id: m[2]!,
    }));
    // Every job the database holds was said to be submitted, and no other.
    assert.deepEqual(submitted.map((j) => j.id).sort(), [...statuses.keys()].sort());
    // Each trace's header says the job's status in the database.
    for (const { file, id } of submitted) {
      const header = new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}  job ${id}  (\\S+)$`,
        "m",
      ).exec(result.stdout);
      if (header) assert.equal(header[1], statuses.get(id), `${file} ${id}`);
    }
    const unfinished = submitted.filter(({ id }) => statuses.get(id) !== "done");
    const done = submitted.length - unfinished.length;
    if (stoppedEarly) assert.ok(done > 0, "the database holds a job done");
    if (unfinished.length) {
      assert.match(
        result.stderr,
        new RegExp(
          `^tracehop preprocess: of the ${counted(submitted.length, "job")} submitted, ${done} done`,
          "m",
        ),
      );
      const line = /^tracehop preprocess: (\d+) of (\d+) jobs? did not finish: (.*)$/m.exec(result.stderr);
      assert.ok(line, result.stderr);
      assert.deepEqual(
        line[3]!.split(", ").sort(),
        unfinished.map(({ file, id }) => `${file} (${statuses.get(id)})`).sort(),
      );
    } else assert.doesNotMatch(result.stderr, /did not finish/);
    // The documents not submitted are named, and there are some: the run stopped submitting.
    const names = new Set(submitted.map((j) => basename(j.file)));
    const notSubmitted = documents.filter((f) => !names.has(basename(f)));
    if (!stoppedEarly && notSubmitted.length === 0) return;
    assert.ok(
      notSubmitted.length > 0,
      `all ${documents.length} documents were submitted after a process had ended`,
    );
    const line =
      /^tracehop preprocess: (\d+) of (\d+) documents? not submitted \(a process had ended\): (.*)$/m.exec(
        result.stderr,
      );
    assert.ok(line, result.stderr);
    assert.deepEqual(
      line[3]!
        .split(", ")
        .map((f) => basename(f))
        .sort(),
      notSubmitted.map((f) => basename(f)).sort(),
    );
    assert.equal(line[2], String(documents.length));
  }

  test("embedded queue: the relay and the worker killed; both named, every job as the database holds it", async () => {
    const run = await runAndEnd({ AMQP_URL: "" }, async (mainPid) => {
      // Both pids first, then both kills back to back: looking the relay's up between the kills let the
      // run see the worker ended alone on a loaded machine (a CI run named only the worker).
      const pids = [await childPid(mainPid, "worker"), await childPid(mainPid, "relay")];
      for (const pid of pids) process.kill(pid!, "SIGKILL");
    });
    assertTruthful(run);
    assert.match(
      run.result.stderr,
      /^tracehop preprocess: the (worker|relay) was killed \(SIGKILL\) and the (worker|relay) was killed \(SIGKILL\) before every job was done \(their last messages are above, prefixed \[\w+\] and \[\w+\]\)$/m,
    );
    assert.match(run.result.stderr, /the worker was killed/);
    assert.match(run.result.stderr, /the relay was killed/);
  });
});
