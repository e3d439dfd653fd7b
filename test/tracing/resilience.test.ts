/**
 * A collector that is down or never answers must not hurt the application: the process exits on its
 * own with code 0, no unhandled rejection, shutdown() resolves, and the local spans file is whole.
 * Each case runs fixtures/hop-process.ts as a child process, so "exits on its own" is observed at
 * the process level (no process.exit() in the child).
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  lostOverOtlp,
  readSpansFile,
  refusedFinalExportLine,
  refusedUrl,
  runHop,
  splitStderr,
  startOtlpReceiver,
  type HopResult,
} from "./otlp-helpers.js";

/** `text` as a regular expression that matches it literally. */
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function assertExitedCleanly(result: HopResult): Record<string, any> {
  assert.equal(result.signal, null, `child was killed (did not exit on its own): ${result.stderr}`);
  assert.equal(result.code, 0, `exit code (stderr: ${result.stderr})`);
  assert.ok(result.report, `no report (stderr: ${result.stderr})`);
  assert.deepEqual(result.report.unhandled, []);
  assert.equal(result.report.shutdown, "done");
  return result.report;
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "tracehop-resilience-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A local HTTP server answering as `handler` does, closed when the test ends; its port. */
async function listeningCollector(t: TestContext, handler: RequestListener): Promise<number> {
  const collector = createServer(handler);
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => collector.close(() => resolve())));
  return (collector.address() as AddressInfo).port;
}

describe("startTracing with a collector that is down or slow", () => {
  test("connection refused: exits 0, no unhandled rejection, spans file holds every span; the lost export is said in one line, a process warning without any diag logger", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const endpoint = await refusedUrl();
    const result = await runHop({
      HOP_ROLE: "api",
      HOP_SERVICE: "api",
      HOP_SPANS_FILE: spansFile,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      HOP_SHUTDOWN_MS: "2000",
    });
    const report = assertExitedCleanly(result);
    const file = readSpansFile(spansFile);
    assert.deepEqual(file.spans.map((s) => s.spanId).sort(), [report.rootSpanId, report.spanId].sort());
    assert.deepEqual(new Set(file.spans.map((s) => s.traceId)), new Set([report.traceId]));
    // Said without any OTEL_LOG_LEVEL: not through diag alone.
    const line = refusedFinalExportLine(endpoint, "2 spans", spansFile);
    assert.deepEqual(splitStderr(result.stderr), {
      warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", line]],
      lines: [],
    });
  });

  test("the final export's failure names the URL requested, not the base endpoint as written", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const endpoint = await refusedUrl();
    const result = await runHop({
      HOP_ROLE: "api",
      HOP_SERVICE: "api",
      HOP_SPANS_FILE: spansFile,
      // v1/traces is appended inside the fragment, which is never sent: the request goes to the base.
      OTEL_EXPORTER_OTLP_ENDPOINT: `${endpoint}#s3cret`,
      HOP_SHUTDOWN_MS: "2000",
    });
    assertExitedCleanly(result);
    const { port } = new URL(endpoint);
    const { warnings } = splitStderr(result.stderr);
    assert.deepEqual(
      warnings.map(([code]) => code),
      ["TRACEHOP_OTLP_ENDPOINT_QUERY", "TRACEHOP_FINAL_EXPORT_FAILED"],
    );
    assert.equal(
      warnings[1]![1],
      `tracehop: the final export of 2 spans to ${endpoint}/ failed: connect ECONNREFUSED ` +
        `127.0.0.1:${port}; ${lostOverOtlp(spansFile)}`,
    );
  });

  test("connection refused with OTEL_LOG_LEVEL=warn: the same line through diag too", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const endpoint = await refusedUrl();
    const result = await runHop({
      HOP_ROLE: "api",
      HOP_SERVICE: "api",
      HOP_SPANS_FILE: spansFile,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_LOG_LEVEL: "warn",
      HOP_SHUTDOWN_MS: "2000",
    });
    assertExitedCleanly(result);
    const line = refusedFinalExportLine(endpoint, "2 spans", spansFile);
    assert.deepEqual(splitStderr(result.stderr), {
      warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", line]],
      lines: [line],
    });
  });

  test("the collector answers an error: the final export's failure names the HTTP status", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const port = await listeningCollector(t, (request, response) => {
      request.resume();
      request.on("end", () => response.writeHead(400).end("bad"));
    });
    const result = await runHop({
      HOP_ROLE: "api",
      HOP_SERVICE: "api",
      HOP_SPANS_FILE: spansFile,
      HOP_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_LOG_LEVEL: "warn",
    });
    assertExitedCleanly(result);
    const line =
      `tracehop: the final export of 2 spans to http://127.0.0.1:${port}/v1/traces failed: HTTP 400 Bad ` +
      `Request; ${lostOverOtlp(spansFile)}`;
    assert.deepEqual(splitStderr(result.stderr), {
      warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", line]],
      lines: [line],
    });
  });

  test("an endpoint's password and secret query values are masked in the final export's failure", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const port = await listeningCollector(t, (request, response) => {
      request.resume();
      request.on("end", () => response.writeHead(400).end("bad"));
    });
    const result = await runHop({
      HOP_ROLE: "api",
      HOP_SERVICE: "api",
      HOP_SPANS_FILE: spansFile,
      HOP_OTLP_ENDPOINT: `http://user:s3cret@127.0.0.1:${port}/?api_key=k3y&region=eu`,
    });
    assertExitedCleanly(result);
    const line =
      `tracehop: the final export of 2 spans to http://user:***@127.0.0.1:${port}/v1/traces?api_key=***&region=eu ` +
      `failed: HTTP 400 Bad Request; ${lostOverOtlp(spansFile)}`;
    assert.deepEqual(splitStderr(result.stderr), {
      warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", line]],
      lines: [],
    });
  });

  test("the collector answers a retryable status (503, 429): the final export's failure names it and its Retry-After", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const answers: [number, Record<string, string>][] = [
      // Retry-After beyond the export timeout: the exporter gives up at once (not retried).
      [503, { "retry-after": "30" }],
      // No Retry-After: retried with backoff until the export timeout, then given up.
      [429, {}],
    ];
    for (const [status, headers] of answers) {
      let requests = 0;
      const port = await listeningCollector(t, (request, response) => {
        request.resume();
        request.on("end", () => {
          requests++;
          response.writeHead(status, headers).end();
        });
      });
      const result = await runHop({
        HOP_ROLE: "api",
        HOP_SERVICE: "api",
        HOP_SPANS_FILE: spansFile,
        HOP_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        HOP_EXPORT_TIMEOUT_MS: "1500",
      });
      assertExitedCleanly(result);
      const answer =
        status === 503 ? "HTTP 503 Service Unavailable (Retry-After: 30)" : "HTTP 429 Too Many Requests";
      const line =
        `tracehop: the final export of 2 spans to http://127.0.0.1:${port}/v1/traces failed: ${answer}, ` +
        `a retryable status: the exporter gave up retrying; ${lostOverOtlp(spansFile)}`;
      assert.deepEqual(splitStderr(result.stderr), {
        warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", line]],
        lines: [],
      });
      if (status === 503) assert.equal(requests, 1, "Retry-After beyond the timeout: not retried");
      else assert.ok(requests >= 2, `429 without Retry-After is retried (${requests} requests)`);
    }
  });

  test("an https:// endpoint on a plain-HTTP port: OpenSSL's message (ending in a newline) stays on the warning's one line", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const port = await listeningCollector(t, (_request, response) => response.end());
    const result = await runHop({
      HOP_ROLE: "api",
      HOP_SERVICE: "api",
      HOP_SPANS_FILE: spansFile,
      HOP_OTLP_ENDPOINT: `https://127.0.0.1:${port}`,
      HOP_SHUTDOWN_MS: "3000",
    });
    assertExitedCleanly(result);
    const { warnings, lines } = splitStderr(result.stderr);
    assert.deepEqual(lines, [], "no line of a warning split off");
    assert.equal(warnings.length, 1, result.stderr);
    const [code, message] = warnings[0]!;
    assert.equal(code, "TRACEHOP_FINAL_EXPORT_FAILED");
    assert.match(
      message,
      new RegExp(
        `^tracehop: the final export of 2 spans to https://127\\.0\\.0\\.1:${port}/v1/traces failed: ` +
          `\\S.*(wrong version number|packet length too long|SSL).*\\S; ${escapeRegExp(lostOverOtlp(spansFile))}$`,
      ),
    );
  });

  test("collector never answers: shutdown() resolves at its bound while the request is still open; the lost spans are said in one line, not again when the request times out", async (t) => {
    const receiver = await startOtlpReceiver("hang");
    t.after(() => receiver.close());
    const spansFile = join(tempDir(t), "spans.jsonl");
    const result = await runHop({
      HOP_ROLE: "api",
      HOP_SERVICE: "api",
      HOP_SPANS_FILE: spansFile,
      HOP_OTLP_ENDPOINT: receiver.url,
      HOP_SHUTDOWN_MS: "1000",
      // Asked for more than the bound: startTracing caps it, so the process can still exit.
      HOP_EXPORT_TIMEOUT_MS: "600000",
      OTEL_LOG_LEVEL: "warn",
    });
    const report = assertExitedCleanly(result);
    // The child exits only once the open request timed out (it keeps the event loop alive): a line
    // said then would be in its stderr. There is no second line ("the final export of 1 span … failed:
    // Request timed out") after shutdown() returned.
    // The request's timeout is capped at the bound, so the two end together: the bound's line is the
    // usual one, and on a loaded machine (a CI run at load 8.5) the request's timer, set when a batch was
    // already on its way, may fire first and its failure is the one line. Either way: one line, said once.
    const lost = `tracehop: the final export of 2 spans to ${receiver.url}/v1/traces`;
    const atBound = `${lost} did not finish within the shutdown bound (1000 ms); ${lostOverOtlp(spansFile)}`;
    const timedOut = `${lost} failed: Request timed out; ${lostOverOtlp(spansFile)}`;
    const said = splitStderr(result.stderr);
    const line = said.lines[0] === timedOut ? timedOut : atBound;
    assert.deepEqual(said, {
      warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", line]],
      lines: [line],
    });
    assert.ok(receiver.requests.length >= 1, "the exporter reached the receiver");
    assert.ok(
      receiver.requests.every((r) => !r.answered),
      "no request was ever answered, yet shutdown resolved and the process exited",
    );
    assert.equal(receiver.requests[0]!.spans.length, 2, "the receiver got and decoded the whole batch");
    const file = readSpansFile(spansFile);
    assert.deepEqual(file.spans.map((s) => s.spanId).sort(), [report.rootSpanId, report.spanId].sort());
  });

  test("spans a full queue dropped are said once per destination at shutdown, with their count and what to change", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const spansFile = join(tempDir(t), "spans.jsonl");
    const result = await runHop({
      HOP_ROLE: "burst",
      HOP_SERVICE: "burst",
      HOP_SPANS: "20",
      HOP_SPANS_FILE: spansFile,
      HOP_OTLP_ENDPOINT: receiver.url,
      HOP_BATCH: JSON.stringify({ maxQueueSize: 5 }),
    });
    assertExitedCleanly(result);
    const exported = receiver.spans().length;
    const written = readSpansFile(spansFile).spans.length;
    assert.ok(exported < 20 && written < 20, `some spans dropped (OTLP ${exported}, file ${written})`);
    const line = (dropped: number, destination: string) =>
      `tracehop: ${dropped} spans ended while the export queue for ${destination} was full (5 spans, ` +
      `batch.maxQueueSize) and were dropped, never exported (said once per process; the count is up to ` +
      `now). Raise batch.maxQueueSize, or lower batch.scheduledDelayMillis so batches leave sooner`;
    assert.deepEqual(splitStderr(result.stderr), {
      warnings: [
        ["TRACEHOP_SPANS_DROPPED", line(20 - written, `the spans file "${spansFile}"`)],
        ["TRACEHOP_SPANS_DROPPED", line(20 - exported, `${receiver.url}/v1/traces`)],
      ],
      lines: [],
    });
  });

  test("spans dropped from a queue OTEL_BSP_MAX_QUEUE_SIZE sized: the warning names that variable", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const result = await runHop({
      HOP_ROLE: "burst",
      HOP_SERVICE: "burst",
      HOP_SPANS: "20",
      HOP_SPANS_FILE: spansFile,
      OTEL_BSP_MAX_QUEUE_SIZE: "5",
    });
    assertExitedCleanly(result);
    const dropped = 20 - readSpansFile(spansFile).spans.length;
    assert.ok(dropped > 0, "some spans dropped");
    assert.deepEqual(splitStderr(result.stderr), {
      warnings: [
        [
          "TRACEHOP_SPANS_DROPPED",
          `tracehop: ${dropped} spans ended while the export queue for the spans file "${spansFile}" was full ` +
            `(5 spans, OTEL_BSP_MAX_QUEUE_SIZE) and were dropped, never exported (said once per process; the ` +
            `count is up to now). Raise OTEL_BSP_MAX_QUEUE_SIZE, or lower batch.scheduledDelayMillis so ` +
            `batches leave sooner`,
        ],
      ],
      lines: [],
    });
  });

  test("no word of dropped spans when the queue never overflowed", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const result = await runHop({
      HOP_ROLE: "burst",
      HOP_SERVICE: "burst",
      HOP_SPANS: "20",
      HOP_SPANS_FILE: spansFile,
      HOP_OTLP_ENDPOINT: receiver.url,
      HOP_BATCH: JSON.stringify({ maxQueueSize: 50 }),
    });
    assertExitedCleanly(result);
    assert.equal(receiver.spans().length, 20);
    assert.deepEqual(splitStderr(result.stderr), { warnings: [], lines: [] });
  });

  test("memory is bounded: spans beyond maxQueueSize are dropped, not buffered", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const spansFile = join(tempDir(t), "spans.jsonl");
    const maxQueueSize = 100;
    const maxExportBatchSize = 50;
    const ended = 5000;
    const report = assertExitedCleanly(
      await runHop({
        HOP_ROLE: "burst",
        HOP_SERVICE: "burst",
        HOP_SPANS: String(ended),
        HOP_SPANS_FILE: spansFile,
        HOP_OTLP_ENDPOINT: receiver.url,
        HOP_BATCH: JSON.stringify({ maxQueueSize, maxExportBatchSize }),
      }),
    );
    assert.equal(report.ended, ended);
    // All spans end in one synchronous loop: one full batch leaves for the exporter, then the queue
    // fills to maxQueueSize and every further span is dropped.
    const bound = maxQueueSize + maxExportBatchSize;
    const exported = receiver.spans().length;
    assert.ok(exported > 0 && exported <= bound, `OTLP got ${exported} spans, bound ${bound}`);
    for (const request of receiver.requests)
      assert.ok(request.spans.length <= maxExportBatchSize, "one request holds at most one batch");
    const file = readSpansFile(spansFile);
    assert.ok(file.spans.length > 0 && file.spans.length <= bound, `file got ${file.spans.length} spans`);
  });
});
