// `npm start` whose worker ends on its own (it lost RabbitMQ) as the run ends: every job is done, but the
// worker says it is ending (config.ts ENDING_MESSAGE) after main.ts's last poll, or in the same moment as the
// poll that reads the last job done. The run exits 1 either way (docs/example.md "Exit codes": a process ended on its
// own), and its summary says that every job is done and that the worker ended before the run stopped it, not
// that it ended "before every job was done". Before, a message read after the last poll (main.ts had begun to
// stop the processes) was not counted: the run exited 0 below the worker's own "exiting with code 1" line.
//
// The worker's loss is played by fixtures/ending-worker.mjs, at a moment a real broker cut cannot hit: the
// message sent only when main.ts's SIGTERM comes (`on-term`: always after the last poll), or as soon as the
// database holds the job done (`on-done`: before or after main.ts reads it, as it happens; the verdict must
// not depend on which). The embedded queue: no RabbitMQ.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "node:test";
import { pathToFileURL } from "node:url";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { runMainJob, twoAtATime } from "../support/main-job.js";
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

describe("npm start whose worker ends on its own as the run ends, every job done", () => {
  test("exits 1 and says every job is done but the worker ended, whenever its message came", async (t) => {
    const dir = tempDir(t, "ending-as-run-ends");
    const document = join(dir, "doc.txt");
    writeFileSync(document, "One sentence. Another one.");
    const modes = ["on-term", "on-done"] as const;
    const results = await twoAtATime(
      modes.map((mode) => () => {
        const file = join(dir, `${mode}.db`);
        migrateSqlite(file);
        return runMainJob([document], {
          DATABASE_URL: `file:${file}`,
          AMQP_URL: "",
          TRACEHOP_SPANS_FILE: join(dir, `${mode}.jsonl`),
          OTEL_EXPORTER_OTLP_ENDPOINT: "",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
          TRACEHOP_START_TIMEOUT_MS: "600000",
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${pathToFileURL(FIXTURE).href}`.trim(),
          TRACEHOP_TEST_ENDING: mode,
        });
      }),
    );
    for (const [i, result] of results.entries()) {
      const mode = modes[i]!;
      assert.equal(result.code, 1, `${mode}: ${result.stderr}`);
      assert.match(result.stdout, /doc\.txt: job [0-9a-f-]+ done, 2 sentences\n/, mode);
      // The worker's ending line, shown as it said it, then the summary: nothing else, and no job named
      // as not done.
      assert.deepEqual(
        result.stderr.split("\n").filter((l) => l !== ""),
        [
          "[worker] tracehop preprocess: worker: amqp queue: the connection to RabbitMQ was closed: (the test's) lost as the run ended; exiting with code 1 to be started again",
          "tracehop preprocess: every job is done, but the worker exited with code 1 before the run stopped it (its last messages are above, prefixed [worker])",
        ],
        mode,
      );
    }
  });
});
