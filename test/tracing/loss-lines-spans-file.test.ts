/**
 * The lines on spans an OTLP export lost say exactly where the spans file stands on those spans, while the
 * process runs as at the end: the file has them (written), or has some of them and why not the others
 * (dropped by its own full export queue, in writes there that failed). A file whose queue was full only
 * with a batch on its way (waiting for the resource's asynchronous attributes), or that dropped other
 * spans, or whose writes failed for other spans, has the spans OTLP lost: it was said to "may lack some
 * of them". The real SDK through startTracing, the real spans file, a refused OTLP endpoint.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type BufferConfig,
} from "@opentelemetry/sdk-trace-base";
import { traced } from "../../src/context/traced.js";
import { CountingExporter } from "../../src/tracing/CountingExporter.js";
import { DropCountingProcessor, QueueFullCounter } from "../../src/tracing/dropped-spans.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { tempDir } from "../support/temp-dir.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";
import { readSpansFile, refusedUrl } from "./otlp-helpers.js";

/** The end of each line that says a failure while the process runs (CountingExporter.ts). */
const LINE_END =
  "Later failed exports there are counted, not said one by one (a failure after exporting works again " +
  "is said, at most once in 5 minutes); shutdown() says how many spans were lost in all";

/** Resolves at the first process warning of `code` (given while the process runs). */
function warned(code: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (warning: Error) => {
      if ((warning as NodeJS.ErrnoException).code !== code) return;
      process.off("warning", listener);
      resolve();
    };
    process.on("warning", listener);
  });
}

/** Queues of two, batches of two, and no timer flush before shutdown(). */
/**
 * The exporter retries a refused connection until its timeout (10 s by default): the final export must give
 * up well within shutdown's 5 s bound, or a loaded machine reads "did not finish within the shutdown bound"
 * instead of the refusal (a CI run under load 15-22 did).
 */
const EXPORT_TIMEOUT_MS = 1500;
const SMALL_QUEUES = { maxQueueSize: 2, maxExportBatchSize: 2, scheduledDelayMillis: 60_000 };

test("while running, a queue full only with a batch on its way: the first failure's line says the spans file has them", async (t) => {
  resetWarnings();
  const file = join(tempDir(t, "loss-running-not-dropped"), "spans.jsonl");
  const endpoint = await refusedUrl();
  const tracing = startTracing({
    serviceName: "loss-running",
    spansFile: file,
    otlpEndpoint: endpoint,
    batch: SMALL_QUEUES,
    exportTimeoutMillis: EXPORT_TIMEOUT_MS,
  });
  t.after(() => tracing.shutdown());
  const job = traced({ name: "burst job" })(() => undefined);
  // Three spans at once: each processor takes the first two as a batch (which waits for the resource's
  // asynchronous attributes) and queues the third; nothing is dropped.
  const running = await recordWarnings(async () => {
    const failed = warned("TRACEHOP_EXPORT_FAILED");
    for (let i = 0; i < 3; i++) job();
    await failed;
  });
  const { port } = new URL(endpoint);
  assert.deepEqual(said(running, "TRACEHOP_EXPORT_FAILED"), [
    `tracehop: an export of 2 spans to ${endpoint}/v1/traces failed: connect ECONNREFUSED 127.0.0.1:${port}; ` +
      `those spans are lost there; the spans file "${file}" has them. ${LINE_END}`,
  ]);
  const told = await recordWarnings(() => tracing.shutdown());
  assert.deepEqual(said(told, "TRACEHOP_SPANS_DROPPED"), []);
  assert.deepEqual(said(told, "TRACEHOP_FINAL_EXPORT_FAILED"), [
    `tracehop: the final export of 1 span to ${endpoint}/v1/traces failed: connect ECONNREFUSED ` +
      `127.0.0.1:${port}; those spans are lost there, as were 2 spans of earlier exports that failed while ` +
      `the process ran (3 in all); the spans file "${file}" has them all`,
  ]);
  assert.equal(readSpansFile(file).spans.length, 3);
});

test("spans the file's writes lost are counted among those OTLP lost; spans written after that are not", async (t) => {
  resetWarnings();
  const file = join(tempDir(t, "loss-running-unwritten"), "spans.jsonl");
  const endpoint = await refusedUrl();
  const tracing = startTracing({
    serviceName: "loss-unwritten",
    spansFile: file,
    otlpEndpoint: endpoint,
    batch: SMALL_QUEUES,
    exportTimeoutMillis: EXPORT_TIMEOUT_MS,
  });
  t.after(() => tracing.shutdown());
  // The spans file made a folder: the first batch's write there fails, as its OTLP export does.
  rmSync(file, { force: true });
  mkdirSync(file);
  const job = traced({ name: "job" })(() => undefined);
  const running = await recordWarnings(async () => {
    const failed = warned("TRACEHOP_EXPORT_FAILED");
    job();
    job();
    await failed;
  });
  const { port } = new URL(endpoint);
  const refused = `connect ECONNREFUSED 127.0.0.1:${port}`;
  assert.equal(said(running, "TRACEHOP_SPANS_FILE_UNWRITABLE").length, 1);
  assert.deepEqual(said(running, "TRACEHOP_EXPORT_FAILED"), [
    `tracehop: an export of 2 spans to ${endpoint}/v1/traces failed: ${refused}; those spans are lost ` +
      `there; the spans file "${file}" has none of them (2 in writes there that failed, ` +
      `TRACEHOP_SPANS_FILE_UNWRITABLE). ${LINE_END}`,
  ]);
  // A file again: the next span is written there, and only OTLP loses it.
  rmSync(file, { recursive: true });
  job();
  const told = await recordWarnings(() => tracing.shutdown());
  assert.deepEqual(said(told, "TRACEHOP_FINAL_EXPORT_FAILED"), [
    `tracehop: the final export of 1 span to ${endpoint}/v1/traces failed: ${refused}; those spans are ` +
      `lost there, as were 2 spans of earlier exports that failed while the process ran (3 in all); the ` +
      `spans file "${file}" has 1 of them (2 in writes there that failed, TRACEHOP_SPANS_FILE_UNWRITABLE)`,
  ]);
  assert.deepEqual(
    readSpansFile(file).spans.map((s) => s.name),
    ["job"],
  );
});

test("the spans a BatchSpanProcessor's full queue drops are marked one by one, as it drops them", async () => {
  const exporter = new InMemorySpanExporter();
  const counting = new CountingExporter(exporter, "the spans file /tmp/h2.jsonl", true);
  const otlp = new CountingExporter(new InMemorySpanExporter(), "http://127.0.0.1:4318/v1/traces");
  otlp.copy = counting; // so that `counting` keeps what became of each span
  const drops = new QueueFullCounter();
  const config: BufferConfig & { selfObsMeterProvider: QueueFullCounter } = {
    maxQueueSize: 2,
    maxExportBatchSize: 2,
    scheduledDelayMillis: 60_000,
    selfObsMeterProvider: drops,
  };
  const processor = new DropCountingProcessor(
    new BatchSpanProcessor(counting, config),
    counting,
    {
      destination: counting.destination,
      queue: { size: 2, setting: undefined },
    },
    drops,
  );
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer("h2");
  // Batches of two leave at once (no resource attributes to wait for): the third span is queued, the
  // fourth too, and the fifth and sixth are dropped while the queue holds two.
  const spans = Array.from({ length: 6 }, (_, i) => tracer.startSpan(`span ${i}`));
  for (const span of spans) span.end();
  assert.equal(drops.reporting, true);
  await provider.forceFlush();
  const exported = exporter.getFinishedSpans().map((s) => s.name);
  await provider.shutdown();
  assert.equal(drops.drops, 2);
  assert.equal(processor.dropped(), 2);
  assert.equal(counting.mayHaveDropped, false);
  assert.deepEqual(counting.whereIs(spans), { written: 4, dropped: 2, unwritten: 0, pending: 0 });
  assert.deepEqual(exported, ["span 0", "span 1", "span 2", "span 3"]);
  // The spans dropped are the last two, each marked as it was dropped.
  assert.deepEqual(counting.whereIs(spans.slice(4)), { written: 0, dropped: 2, unwritten: 0, pending: 0 });
});
