/**
 * The main job (examples/preprocess, three processes) against a real local OTLP/HTTP receiver: with
 * the receiver up, the spans of all three services arrive there as one trace; with the endpoint
 * down, the job still exits 0 on its own and its spans file holds the whole trace. The main job
 * imports the package by name, so it needs `dist/` (`npm test` builds it first).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readSpansFile, refusedUrl, startOtlpReceiver, type ReceivedSpan } from "./otlp-helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "examples/preprocess/main.ts");
const DIST = join(ROOT, "dist/src/index.js");
/** Failsafe only: a main job still running after this is killed, and the test fails on the signal. */
const KILL_AFTER_MILLIS = 180_000;
const SERVICES = ["tracehop-preprocess-api", "tracehop-preprocess-relay", "tracehop-preprocess-worker"];

function runMainJob(
  dir: string,
  endpoint: string,
): Promise<{ code: number | null; signal: string | null; output: string }> {
  const document = join(dir, "document.txt");
  writeFileSync(document, "Spans leave through OTLP. The collector may be down. The job still finishes.\n");
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !/^(OTEL_|DD_|TRACEHOP_|DATABASE_URL$|AMQP_URL$)/.test(key)) env[key] = value;
  Object.assign(env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
    DATABASE_URL: `file:${join(dir, "jobs.db")}`,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--", document], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MILLIS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, output });
    });
  });
}

/** The trace that spans all three services; asserts its tree is whole (every parent present). */
function jobTrace(spans: ReceivedSpan[]): ReceivedSpan[] {
  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const span of spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
  const full = [...byTrace.values()].filter((trace) =>
    SERVICES.every((service) => trace.some((s) => s.serviceName === service)),
  );
  assert.equal(full.length, 1, "one trace crosses api, relay and worker");
  const trace = full[0]!;
  const ids = new Set(trace.map((s) => s.spanId));
  const roots = trace.filter((s) => s.parentSpanId === undefined);
  assert.equal(roots.length, 1, "one root");
  assert.equal(roots[0]!.serviceName, "tracehop-preprocess-api");
  for (const span of trace)
    if (span.parentSpanId !== undefined)
      assert.ok(
        ids.has(span.parentSpanId),
        `${span.serviceName} ${span.name}: parent ${span.parentSpanId} is in the trace`,
      );
  return trace;
}

describe("the main job exports over OTLP/HTTP", () => {
  test("receiver up: all three services arrive as one trace; endpoint down: exit 0, spans file whole", async (t) => {
    if (!existsSync(MAIN)) return t.skip(`${MAIN} not found: the main job is not in this tree yet`);
    if (!existsSync(DIST)) return t.skip(`${DIST} not found: run \`npm run build\` first (npm test does)`);
    const receiver = await startOtlpReceiver();
    const upDir = mkdtempSync(join(tmpdir(), "tracehop-main-up-"));
    const downDir = mkdtempSync(join(tmpdir(), "tracehop-main-down-"));
    t.after(async () => {
      await receiver.close();
      rmSync(upDir, { recursive: true, force: true });
      rmSync(downDir, { recursive: true, force: true });
    });
    // One after the other: six processes starting at once can outrun the main job's own start timeout
    // on a small machine.
    const up = await runMainJob(upDir, receiver.url);
    const down = await runMainJob(downDir, await refusedUrl());

    assert.equal(up.signal, null, `receiver up: killed\n${up.output}`);
    assert.equal(up.code, 0, `receiver up: exit code\n${up.output}`);
    const received = jobTrace(receiver.spans());
    assert.ok(
      receiver.requests.every(
        (r) => r.path === "/v1/traces" && /^application\/json/.test(r.contentType ?? ""),
      ),
    );
    const upFile = jobTrace(readSpansFile(join(upDir, "spans.jsonl")).spans);
    assert.deepEqual(
      received.map((s) => s.spanId).sort(),
      upFile.map((s) => s.spanId).sort(),
      "the receiver and the spans file hold the same job trace",
    );

    assert.equal(down.signal, null, `endpoint down: killed (did not exit on its own)\n${down.output}`);
    assert.equal(down.code, 0, `endpoint down: exit code\n${down.output}`);
    const downTrace = jobTrace(readSpansFile(join(downDir, "spans.jsonl")).spans);
    assert.equal(downTrace.length, upFile.length, "the same spans as with the receiver up");
  });
});
