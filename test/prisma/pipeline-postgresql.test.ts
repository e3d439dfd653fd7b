// The main job on PostgreSQL (DATABASE_URL=postgresql://...): three real processes, a dedicated
// schema created by the driver migrations and dropped afterwards; one trace across the processes,
// and the job and its outbox row hold the same carrier of that trace.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import assert from "node:assert/strict";
import type pg from "pg";
import { readSpansFile, type FileSpan } from "../../src/spans/index.js";
import { runMainJob, type MainJobResult } from "../support/main-job.js";
import { boundedTest } from "../examples/tcp-servers.js";
import { connectPostgres, PG_URL } from "./databases.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

describe("main job on PostgreSQL", () => {
  const schema = `tracehop_main_${process.pid}`;
  let admin: pg.Client | undefined;
  let skip: string | undefined;
  let dir: string;
  let result: MainJobResult;
  let spans: FileSpan[];

  before(async () => {
    const connected = await connectPostgres();
    if (typeof connected === "string") {
      skip = connected;
      return;
    }
    admin = connected;
    dir = mkdtempSync(join(tmpdir(), "tracehop-main-pg-"));
    const doc = join(dir, "doc.txt");
    writeFileSync(doc, "Eins. Zwei! Drei?");
    const url = new URL(PG_URL);
    url.searchParams.set("schema", schema);
    result = await runMainJob([doc], {
      DATABASE_URL: url.toString(),
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    });
    spans = readSpansFile(join(dir, "spans.jsonl"));
  });
  after(async () => {
    if (!admin) return;
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  test("one trace across api, relay and worker; the job and outbox rows carry its carrier", async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /doc\.txt: job [0-9a-f-]+ done, 3 sentences/);
    const { rows } = await admin!.query(
      `SELECT j.id, j."traceContext" AS job, o."traceContext" AS outbox FROM "${schema}"."PreprocessJob" j JOIN "${schema}"."Outbox" o ON o."aggregateId" = j.id`,
    );
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].outbox, rows[0].job);
    const traceId = /^00-([0-9a-f]{32})-/.exec(rows[0].job.traceparent)?.[1];
    assert.ok(traceId, JSON.stringify(rows[0].job));
    const inTrace = spans.filter((s) => s.traceId === traceId);
    assert.deepEqual([...new Set(inTrace.map((s) => s.service))].sort(), [
      "tracehop-preprocess-api",
      "tracehop-preprocess-relay",
      "tracehop-preprocess-worker",
    ]);
    assert.equal(inTrace.filter((s) => !s.parentSpanId).length, 1, "one root span");
    const ids = new Set(inTrace.map((s) => s.spanId));
    for (const s of inTrace)
      if (s.parentSpanId) assert.ok(ids.has(s.parentSpanId), `${s.name} has its parent in the trace`);
  });

  test("the main job sends each document with an Idempotency-Key (a UUID): the job stores it and the document's fingerprint", async (t) => {
    if (skip) return t.skip(skip);
    const { rows } = await admin!.query(
      `SELECT "idempotencyKey", "idempotencyFingerprint" FROM "${schema}"."PreprocessJob"`,
    );
    assert.equal(rows.length, 1);
    assert.match(
      rows[0].idempotencyKey,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.equal(
      rows[0].idempotencyFingerprint,
      createHash("sha256").update("Eins. Zwei! Drei?", "utf8").digest("hex"),
    );
  });
});
