// A message the worker gets again (its earlier delivery's worker died with it, its lease ran out): the
// worker says so in one line naming the message and the delivery, and its process span carries the
// delivery as `tracehop.attempt`; the embedded table queue, the worker started by hand.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { readSpansFile } from "../../examples/preprocess/trace-tree.js";
import { until } from "../examples/queue-helpers.js";
import { startExample } from "../support/main-job.js";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-redelivered-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("a message delivered a third time: one line names it and the delivery, its process span has tracehop.attempt 3", async () => {
  const file = join(dir, "x.db");
  migrateSqlite(file);
  const spans = join(dir, "spans.jsonl");
  const raw = new Database(file);
  try {
    raw
      .prepare("INSERT INTO PreprocessJob (id, status, text, updatedAt) VALUES (?, 'pending', ?, ?)")
      .run("job-1", "One. Two.", new Date().toISOString());
    // Two deliveries begun, the second's lease run out long ago: its worker died with it.
    const { lastInsertRowid } = raw
      .prepare(
        "INSERT INTO QueueMessage (queue, body, headers, attempts, consumedAt) VALUES ('preprocess-jobs', ?, ?, 2, ?)",
      )
      .run(
        JSON.stringify({ jobId: "job-1" }),
        JSON.stringify({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }),
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
    const status = () =>
      (raw.prepare("SELECT status FROM PreprocessJob WHERE id = 'job-1'").get() as { status: string }).status;
    await until(() => status() === "done", 5_000).catch((error: unknown) => {
      run.child.kill("SIGKILL");
      throw error;
    });
    run.child.kill("SIGTERM");
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `worker: message ${lastInsertRowid} delivered again (delivery 3)\n`);
    const processSpan = readSpansFile(spans).find(
      (s) => s.attributes["preprocess.job.id"] === "job-1" && s.service.endsWith("-worker"),
    );
    assert.ok(processSpan, "the job's process span");
    assert.equal(processSpan.attributes["tracehop.attempt"], 3);
  } finally {
    raw.close();
  }
});
