// A message the worker gets again (its earlier delivery's worker died with it, its lease ran out): the
// worker says so in one line naming the message and the delivery, and its process span carries the
// delivery as `tracehop.attempt`; the embedded table queue, the worker started by hand.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { readSpansFile } from "../../src/spans/index.js";
import { seedLeasedOutJob, startTableQueueWorker, stopOnce } from "../support/by-hand.js";
import { tempDir } from "../support/temp-dir.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

test("a message delivered a third time: one line names it and the delivery, its process span has tracehop.attempt 3", async (t) => {
  const dir = tempDir(t, "e2e-redelivered");
  const spans = join(dir, "spans.jsonl");
  // Two deliveries begun, the second's lease run out long ago: its worker died with it.
  const { file, raw, messageId } = seedLeasedOutJob(
    dir,
    2,
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  );
  try {
    const run = await startTableQueueWorker(file, spans);
    const status = () =>
      (raw.prepare("SELECT status FROM PreprocessJob WHERE id = 'job-1'").get() as { status: string }).status;
    const result = await stopOnce(run, () => status() === "done");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stderr,
      `tracehop preprocess: worker: message ${messageId} delivered again (delivery 3)\n` +
        "tracehop preprocess: worker: stopped on SIGTERM: exiting with code 0\n",
    );
    const processSpan = readSpansFile(spans).find(
      (s) => s.attributes["preprocess.job.id"] === "job-1" && s.service.endsWith("-worker"),
    );
    assert.ok(processSpan, "the job's process span");
    assert.equal(processSpan.attributes["tracehop.attempt"], 3);
  } finally {
    raw.close();
  }
});
