// The main job on PostgreSQL (DATABASE_URL=postgresql://...): three real processes, a dedicated
// schema created by the driver migrations and dropped afterwards; one trace across the processes,
// and the job and its outbox row hold the same carrier of that trace.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { readSpansFile, type FileSpan } from "../../examples/preprocess/trace-tree.js";
import { PG_URL } from "./databases.js";

const ROOT = join(import.meta.dirname, "../..");

function runMain(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/preprocess/main.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => done({ code, out }));
  });
}

describe("main job on PostgreSQL", { timeout: 120_000 }, () => {
  const schema = `tracehop_main_${process.pid}`;
  let admin: pg.Client | undefined;
  let skip: string | undefined;
  let dir: string;
  let result: { code: number | null; out: string };
  let spans: FileSpan[];

  before(async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      admin = client;
    } catch (err) {
      skip = `PostgreSQL not reachable at ${PG_URL} (${(err as Error).message}): start it or set TRACEHOP_TEST_PG_URL`;
      return;
    }
    dir = mkdtempSync(join(tmpdir(), "tracehop-main-pg-"));
    const doc = join(dir, "doc.txt");
    writeFileSync(doc, "Eins. Zwei! Drei?");
    const url = new URL(PG_URL);
    url.searchParams.set("schema", schema);
    result = await runMain([doc], {
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
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /doc\.txt: job [0-9a-f-]+ done, 3 sentences/);
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
});
