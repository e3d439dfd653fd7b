// `npm start` whose worker fails the stop the run asks of it once every job is done: its SIGTERM handled, it
// exits 1 (a flush that failed, a crash in its shutdown), having said nothing of ending on its own. The run
// says so and exits 1 (docs/example.md "Exit codes"): a process that did not stop cleanly may have lost what it was to
// write (its spans). Before, such an exit counted only when another process had ended on its own: the run
// exited 0 below the worker's own "exiting with code 1".
//
// The failing stop is played by fixtures/ending-worker.mjs (TRACEHOP_TEST_ENDING=stop-fails). The embedded
// queue: no RabbitMQ.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "node:test";
import { pathToFileURL } from "node:url";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { runMainJob } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import { requireBuild } from "../support/build.js";
import { boundedTest } from "../examples/tcp-servers.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

const FIXTURE = join(import.meta.dirname, "../examples/fixtures/ending-worker.mjs");

describe("npm start whose worker exits 1 as the run stops it", () => {
  test("every job done, the worker's stop failed: the run says which process and how, and exits 1", async (t) => {
    const dir = tempDir(t, "hC-stop-failed");
    const document = join(dir, "doc.txt");
    writeFileSync(document, "One sentence. Another one.");
    const file = join(dir, "x.db");
    migrateSqlite(file);
    const result = await runMainJob([document], {
      DATABASE_URL: `file:${file}`,
      AMQP_URL: "",
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
      TRACEHOP_START_TIMEOUT_MS: "600000",
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${pathToFileURL(FIXTURE).href}`.trim(),
      TRACEHOP_TEST_ENDING: "stop-fails",
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /doc\.txt: job [0-9a-f-]+ done, 2 sentences\n/);
    assert.deepEqual(
      result.stderr.split("\n").filter((l) => l !== ""),
      [
        "[worker] tracehop preprocess: worker: stopping failed (the test's failure while stopping): exiting with code 1",
        "tracehop preprocess: every job is done, but the worker exited with code 1 as the run stopped it (its last messages are above, prefixed [worker])",
      ],
    );
  });
});
