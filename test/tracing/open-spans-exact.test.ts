/**
 * TRACEHOP_SPANS_OPEN_AT_SHUTDOWN counts exactly the spans that a shutdown() does not export: those of
 * tracehop's helpers (and the instrumentation spans withProcessSpan took over) not ended when the SDK's
 * shutdown stopped the span processors. A span ended by `span.end()` while the helper's function keeps
 * running is not open; an instrumentation's CONSUMER span taken over and never ended is; a span ended
 * right after shutdown() was called, before the processors stopped, is exported and not counted; a span
 * not sampled is never counted. The real SDK through startTracing, its spans read back from the real
 * spans file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { context, propagation, SpanKind, trace, type Span } from "@opentelemetry/api";
import { AlwaysOffSampler, SamplingDecision, type Sampler } from "@opentelemetry/sdk-trace-base";
import { traced } from "../../src/context/traced.js";
import { withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { tempDir } from "../support/temp-dir.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";
import { readSpansFile, refusedUrl } from "./otlp-helpers.js";

const OPEN = "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN";

/** A promise and the function that resolves it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** The names of the spans in the spans file `path`. */
const namesIn = (path: string) => readSpansFile(path).spans.map((span) => span.name);

test("a span ended with span.end() while its function still runs is not open at shutdown, and is exported", async (t) => {
  resetWarnings();
  const file = join(tempDir(t, "open-exact-end"), "spans.jsonl");
  const tracing = startTracing({ serviceName: "open-exact", spansFile: file });
  const release = gate();
  // The span ends at once (the job's reply is sent); the function goes on with its clean-up.
  const early = traced({ name: "reply sent" })(async () => {
    trace.getActiveSpan()!.end();
    await release.wait;
  });
  const still = traced({ name: "still working" })(() => release.wait);
  const pending = [early(), still()];
  const told = await recordWarnings(() => tracing.shutdown());
  assert.deepEqual(said(told, OPEN), [
    `tracehop: shutdown() stopped the span processors while 1 span (1 of traced: "still working") was still ` +
      "open (not ended: a function not settled, such as a publish waiting for the broker's confirm or a " +
      "handler still running; an instrumentation's span that withProcessSpan took over, whose message was not " +
      "acked): an open span is never exported, and the spans under it (its children that ended, the process " +
      "span of a message it sent) then name a parent missing from the trace. Stop taking new work and let " +
      "the work in hand settle, or cut its wait short so that it fails and its span ends with the error, " +
      'before calling shutdown() (docs/export.md, "Work in hand at shutdown")',
  ]);
  assert.deepEqual(namesIn(file), ["reply sent"]);
  release.open();
  await Promise.all(pending);
});

test("an instrumentation's CONSUMER span withProcessSpan took over is open until its instrumentation ends it", async (t) => {
  resetWarnings();
  const dir = tempDir(t, "open-exact-adopted");
  const system = { system: "rabbitmq", destination: "h2-jobs" } as const;
  /** A consumer instrumentation's span of a message sent with withSendSpan, active for `fn`. */
  const consume = <T>(fn: (instrumentation: Span) => T): T => {
    let headers: Record<string, unknown> = {};
    withSendSpan(system, (h) => {
      headers = { ...h };
    });
    const parent = propagation.extract(context.active(), headers);
    const span = trace
      .getTracer("an-amqp-instrumentation")
      .startSpan("h2-jobs process", { kind: SpanKind.CONSUMER }, parent);
    return context.with(trace.setSpan(parent, span), () => withProcessSpan(headers, system, () => fn(span)));
  };

  // Handled, not acked before shutdown(): the instrumentation's span (taken over, no span of tracehop's
  // own) is open, and said as withProcessSpan's.
  const unacked = join(dir, "unacked.jsonl");
  let tracing = startTracing({ serviceName: "open-exact", spansFile: unacked });
  let taken: Span | undefined;
  consume((instrumentation) => {
    taken = instrumentation;
    assert.equal(trace.getActiveSpan(), instrumentation, "taken over: no span of tracehop's own");
  });
  let told = await recordWarnings(() => tracing.shutdown());
  assert.equal(said(told, OPEN).length, 1);
  assert.match(
    said(told, OPEN)[0]!,
    /^tracehop: shutdown\(\) stopped the span processors while 1 span \(1 of withProcessSpan: "h2-jobs process"\) was still open \(/,
  );
  assert.deepEqual(namesIn(unacked), ["publish h2-jobs"]);
  taken!.end();

  // Acked (the instrumentation ends its span) before shutdown(): exported, nothing said.
  const acked = join(dir, "acked.jsonl");
  tracing = startTracing({ serviceName: "open-exact", spansFile: acked });
  consume((instrumentation) => instrumentation).end();
  told = await recordWarnings(() => tracing.shutdown());
  assert.deepEqual(said(told, OPEN), []);
  assert.deepEqual(namesIn(acked).sort(), ["h2-jobs process", "publish h2-jobs"]);
});

test("a span ended after shutdown() was called, before the span processors stopped, is exported and not said", async (t) => {
  resetWarnings();
  const file = join(tempDir(t, "open-exact-late"), "spans.jsonl");
  const tracing = startTracing({ serviceName: "open-exact", spansFile: file });
  const release = gate();
  const last = traced({ name: "last job" })(() => release.wait);
  const stuck = gate();
  const never = traced({ name: "stuck job" })(() => stuck.wait);
  const pending = [last(), never()];
  const told = await recordWarnings(async () => {
    const stopping = tracing.shutdown();
    release.open(); // the job settles while the spans file is flushed
    await stopping;
  });
  assert.equal(said(told, OPEN).length, 1);
  assert.match(
    said(told, OPEN)[0]!,
    /^tracehop: shutdown\(\) stopped the span processors while 1 span \(1 of traced: "stuck job"\) was still open \(/,
  );
  assert.deepEqual(namesIn(file), ["last job"]);
  stuck.open();
  await Promise.all(pending);
});

test("a span not sampled is never counted open: recorded only, or not recorded", async (t) => {
  resetWarnings();
  const dir = tempDir(t, "open-exact-unsampled");
  // RECORD without SAMPLED (a sampler that records for local processors only): the export processors
  // take only sampled spans, so it would never be exported either way. Then a sampler that drops.
  const recordOnly: Sampler = {
    shouldSample: () => ({ decision: SamplingDecision.RECORD }),
    toString: () => "RecordOnly",
  };
  for (const [label, sampler] of [
    ["record-only", recordOnly],
    ["always-off", new AlwaysOffSampler()],
  ] as const) {
    const tracing = startTracing({
      serviceName: "open-exact",
      spansFile: join(dir, `${label}.jsonl`),
      sampler,
    });
    const release = gate();
    let recording: boolean | undefined;
    const pending = traced({ name: "unsampled job" })(() => {
      recording = trace.getActiveSpan()?.isRecording();
      return release.wait;
    })();
    const told = await recordWarnings(() => tracing.shutdown());
    assert.equal(recording, label === "record-only", label);
    assert.deepEqual(said(told, OPEN), [], label);
    release.open();
    await pending;
  }
});

test("the file's own full queue dropped spans OTLP's dropped too: the lines on the spans OTLP lost say the spans file has them", async (t) => {
  resetWarnings();
  const file = join(tempDir(t, "file-queue-dropped"), "spans.jsonl");
  const endpoint = await refusedUrl();
  const tracing = startTracing({
    serviceName: "file-dropped",
    spansFile: file,
    otlpEndpoint: endpoint,
    batch: { maxQueueSize: 2, maxExportBatchSize: 2, scheduledDelayMillis: 60_000 },
  });
  // Five spans at once into queues of two: each processor hands the first two to its exporter, queues
  // the next two and drops the fifth; the spans file keeps four, every OTLP export is refused.
  const job = traced({ name: "burst job" })(() => undefined);
  for (let i = 0; i < 5; i++) job();
  const told = await recordWarnings(() => tracing.shutdown());
  assert.equal(readSpansFile(file).spans.length, 4);
  // Every line on the spans OTLP lost (the final export's, an earlier export's when it failed first)
  // says the file has them: the span its own queue dropped is one OTLP's queue dropped too, never
  // handed to OTLP's exporter, and said by TRACEHOP_SPANS_DROPPED for both.
  const lossLines = told.processWarnings.filter(([code]) => code !== "TRACEHOP_SPANS_DROPPED");
  assert.equal(lossLines.length >= 1, true);
  assert.deepEqual(said(told, "TRACEHOP_FINAL_EXPORT_FAILED").length, 1);
  for (const [code, message] of lossLines) {
    assert.match(code, /^TRACEHOP_(FINAL_EXPORT_FAILED|EXPORT_FAILED|SPANS_LOST)$/);
    assert.match(message, new RegExp(`; the spans file "${file}" has them( all)?$`), message);
  }
  assert.deepEqual(
    said(told, "TRACEHOP_SPANS_DROPPED").map((m) => m.split(" was full")[0]),
    [
      `tracehop: 1 span ended while the export queue for the spans file "${file}"`,
      `tracehop: 1 span ended while the export queue for ${endpoint}/v1/traces`,
    ],
  );
});

test("a burst that filled the queue with a batch still on its way, nothing dropped: the lines say the spans file has the spans OTLP lost", async (t) => {
  resetWarnings();
  const file = join(tempDir(t, "file-queue-not-dropped"), "spans.jsonl");
  const endpoint = await refusedUrl();
  const tracing = startTracing({
    serviceName: "file-not-dropped",
    spansFile: file,
    otlpEndpoint: endpoint,
    batch: { maxQueueSize: 2, maxExportBatchSize: 2, scheduledDelayMillis: 60_000 },
  });
  // Three spans at once into queues of two: each processor takes the first two as a batch (which waits
  // for the resource's asynchronous attributes before it reaches the exporter) and queues the third;
  // none is dropped, and the spans file keeps all three.
  const job = traced({ name: "burst job" })(() => undefined);
  for (let i = 0; i < 3; i++) job();
  const told = await recordWarnings(() => tracing.shutdown());
  assert.equal(readSpansFile(file).spans.length, 3);
  assert.deepEqual(said(told, "TRACEHOP_SPANS_DROPPED"), []);
  const [finalExport = ""] = said(told, "TRACEHOP_FINAL_EXPORT_FAILED");
  const end = finalExport.slice(finalExport.lastIndexOf("; "));
  assert.ok(
    end === `; the spans file "${file}" has them` || end === `; the spans file "${file}" has them all`,
    finalExport,
  );
});
