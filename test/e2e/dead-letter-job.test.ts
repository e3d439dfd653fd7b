// A job whose message the queue gives up on (its last allowed delivery's worker died with it in hand, as a
// document that kills the worker would) is marked failed with the reason, in the message's trace, so that
// its client's poll ends; the embedded table queue, the worker started by hand.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { until } from "../examples/queue-helpers.js";
import { startExample } from "../support/main-job.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tracehop-dead-letter-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("a message dead-lettered unhandled (delivery 5 of 5 not acknowledged): its job is failed with the reason, a span records it", async () => {
  const file = join(dir, "x.db");
  migrateSqlite(file);
  const spans = join(dir, "spans.jsonl");
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const raw = new Database(file);
  try {
    raw
      .prepare("INSERT INTO PreprocessJob (id, status, text, updatedAt) VALUES (?, 'pending', ?, ?)")
      .run("job-1", "One. Two.", new Date().toISOString());
    // Its fifth delivery's lease ran out long ago: its worker died with it.
    raw
      .prepare(
        "INSERT INTO QueueMessage (queue, body, headers, attempts, consumedAt) VALUES ('preprocess-jobs', ?, ?, 5, ?)",
      )
      .run(
        JSON.stringify({ jobId: "job-1" }),
        JSON.stringify({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` }),
        new Date(Date.now() - 3_600_000).toISOString().replace("Z", "+00:00"), // as Prisma writes it
      );
    const run = startExample(
      "worker",
      {
        DATABASE_URL: `file:${file}`,
        AMQP_URL: "",
        TRACEHOP_POLL_MS: "20",
        TRACEHOP_SPANS_FILE: spans,
        OTEL_EXPORTER_OTLP_ENDPOINT: "",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
      },
      30_000,
    );
    await run.ready;
    const job = () =>
      raw.prepare("SELECT status, failureReason FROM PreprocessJob WHERE id = 'job-1'").get() as {
        status: string;
        failureReason: string | null;
      };
    await until(() => job().status !== "pending", 5_000).catch((error: unknown) => {
      run.child.kill("SIGKILL");
      throw error;
    });
    run.child.kill("SIGTERM");
    const result = await run.result;
    assert.deepEqual(job(), {
      status: "failed",
      failureReason: "given up after 5 deliveries: not acknowledged within its lease (delivery 5 of 5)",
    });
    assert.match(
      result.stderr,
      /worker: job job-1 marked failed: given up after 5 deliveries: not acknowledged within its lease \(delivery 5 of 5\)\n/,
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
