// A job whose message the queue gives up on (its last allowed delivery's worker died with it in hand, as a
// document that kills the worker would) is marked failed with the reason, in the message's trace, so that
// its client's poll ends; the embedded table queue, the worker started by hand.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { seedLeasedOutJob, startTableQueueWorker, stopOnce } from "../support/by-hand.js";
import { tempDir } from "../support/temp-dir.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

test("a message dead-lettered unhandled (delivery 5 of 5 not acknowledged): its job is failed with the reason, a span records it", async (t) => {
  const dir = tempDir(t, "dead-letter");
  const spans = join(dir, "spans.jsonl");
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  // Its fifth delivery's lease ran out long ago: its worker died with it.
  const { file, raw } = seedLeasedOutJob(dir, 5, `00-${traceId}-00f067aa0ba902b7-01`);
  try {
    const run = await startTableQueueWorker(file, spans);
    const job = () =>
      raw.prepare("SELECT status, failureReason FROM PreprocessJob WHERE id = 'job-1'").get() as {
        status: string;
        failureReason: string | null;
      };
    const result = await stopOnce(run, () => job().status !== "pending");
    assert.deepEqual(job(), {
      status: "failed",
      failureReason: "given up after 5 deliveries: not acknowledged within its lease (delivery 5 of 5)",
    });
    assert.match(
      result.stderr,
      /^tracehop preprocess: worker: job job-1 marked failed: given up after 5 deliveries: not acknowledged within its lease \(delivery 5 of 5\)$/m,
    );
    // The dead-lettering is in the message's trace: a span with an error status and the event.
    const recorded = readFileSync(spans, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const text = JSON.stringify(recorded);
    assert.ok(text.includes(traceId), text.slice(0, 2000));
    assert.ok(text.includes("dead-lettered"), text.slice(0, 2000));
  } finally {
    raw.close();
  }
});
