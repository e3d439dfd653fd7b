// The extraction's span links on spans that OpenTelemetry instrumentations start
// (ExtractionLinksSpanProcessor): unit tests on a real SDK provider, then the HTTP server span of
// @opentelemetry/instrumentation-http under startTracing, read back from the spans file.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type * as HttpModule from "node:http";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT_CONTEXT, SpanKind, trace, type Context } from "@opentelemetry/api";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/carrier.js";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { getExtractionLinks } from "../../src/propagation/extraction-result.js";
import { ExtractionLinksSpanProcessor } from "../../src/tracing/ExtractionLinksSpanProcessor.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { readSpansFile } from "./otlp-helpers.js";

// Datadog and W3C headers of two different traces (../shared/cases B13): Datadog wins, W3C is a link.
const CONFLICT = {
  "x-datadog-trace-id": "8329154629666547108",
  "x-datadog-parent-id": "6580157064720572566",
  "x-datadog-sampling-priority": "1",
  traceparent: "00-0a2a0c59c2587e265bba634e1b9bdfbb-539116310397210c-01",
};
const W3C_TRACE = "0a2a0c59c2587e265bba634e1b9bdfbb";
const W3C_SPAN = "539116310397210c";
const DD_TRACE = "000000000000000073971a01849325a4";

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({
  spanProcessors: [new ExtractionLinksSpanProcessor(), new SimpleSpanProcessor(exporter)],
}).getTracer("test");
const extract = (carrier: object, options?: Parameters<typeof createPropagator>[1]): Context =>
  createPropagator(undefined, options).extract(
    ROOT_CONTEXT,
    normalizeCarrier(carrier),
    normalizedCarrierGetter,
  );
const linksOf = (span: unknown) =>
  (span as { links: { context: { traceId: string; spanId: string }; attributes?: object }[] }).links.map(
    (link) => [link.context.traceId, link.context.spanId, link.attributes],
  );

describe("ExtractionLinksSpanProcessor", () => {
  test("the first span started from an extracted context gets its conflict link; its children do not", () => {
    const extracted = extract(CONFLICT);
    const server = tracer.startSpan("server", { kind: SpanKind.SERVER }, extracted);
    const child = tracer.startSpan("child", {}, trace.setSpan(extracted, server));
    assert.equal(server.spanContext().traceId, DD_TRACE);
    assert.deepEqual(linksOf(server), [
      [W3C_TRACE, W3C_SPAN, { reason: "terminated_context", context_headers: "tracecontext" }],
    ]);
    assert.deepEqual(linksOf(child), []);
  });

  test("restart: the new root gets the link to the extracted context", () => {
    const span = tracer.startSpan("server", {}, extract(CONFLICT, { extractBehavior: "restart" }));
    assert.notEqual(span.spanContext().traceId, DD_TRACE);
    assert.deepEqual(linksOf(span), [
      [DD_TRACE, "5b5169fcb8f26096", { reason: "propagation_behavior_extract", context_headers: "datadog" }],
    ]);
  });

  test("one span per extraction: a root span, a sibling or a span of a later extraction inside the request get nothing", () => {
    for (const behavior of ["continue", "restart"] as const) {
      const extracted = extract(CONFLICT, { extractBehavior: behavior });
      const server = tracer.startSpan("server", { kind: SpanKind.SERVER }, extracted);
      const inRequest = trace.setSpan(extracted, server);
      const background = tracer.startSpan("background", { root: true }, inRequest);
      const sibling = tracer.startSpan("sibling", {}, extracted);
      // A job's own carrier extracted onto the request's context: its trace, none of the request's links.
      const job = createPropagator(undefined, { extractBehavior: behavior }).extract(
        inRequest,
        normalizeCarrier({ traceparent: "00-11111111111111111111111111111111-2222222222222222-01" }),
        normalizedCarrierGetter,
      );
      const jobSpan = tracer.startSpan("job", {}, job);
      assert.equal(linksOf(server).length, 1, behavior);
      assert.deepEqual(linksOf(background), [], behavior);
      assert.deepEqual(linksOf(sibling), [], behavior);
      assert.deepEqual(
        linksOf(jobSpan).map(([, , attributes]) => (attributes as { reason: string }).reason),
        behavior === "restart" ? ["propagation_behavior_extract"] : [],
        behavior,
      );
      if (behavior === "restart")
        assert.equal(linksOf(jobSpan)[0]![0], "11111111111111111111111111111111", "the job's own context");
    }
  });

  test("an unsampled request: its span is not recorded, and a recording root span inside it gets no links", () => {
    const unsampled = extract({ ...CONFLICT, "x-datadog-sampling-priority": "0" });
    const server = tracer.startSpan("server", { kind: SpanKind.SERVER }, unsampled);
    assert.equal(server.isRecording(), false);
    const background = tracer.startSpan("background", { root: true }, trace.setSpan(unsampled, server));
    assert.equal(background.isRecording(), true);
    assert.deepEqual(linksOf(background), []);
  });

  test("links the starter gave already (withCarrier, traced) are not added twice", () => {
    const extracted = extract(CONFLICT);
    const span = tracer.startSpan("restored", { links: getExtractionLinks(extracted) }, extracted);
    assert.equal(linksOf(span).length, 1);
  });

  test("nothing for a context without extraction links, and never a throw", () => {
    assert.deepEqual(
      linksOf(tracer.startSpan("plain", {}, extract({ traceparent: CONFLICT.traceparent }))),
      [],
    );
    const processor = new ExtractionLinksSpanProcessor();
    const throwing = {
      links: [],
      addLinks() {
        throw new Error("span gone");
      },
    };
    assert.doesNotThrow(() => processor.onStart(throwing as never, extract(CONFLICT)));
    assert.doesNotThrow(() => processor.onStart(throwing as never, undefined as never));
  });
});

describe("startTracing: the HTTP server span of @opentelemetry/instrumentation-http", () => {
  test("carries the conflict link of the request's headers, in the spans file", async () => {
    const spansFile = join(mkdtempSync(join(tmpdir(), "tracehop-links-")), "spans.jsonl");
    const http = new HttpInstrumentation();
    const handle = startTracing({ serviceName: "links", spansFile, instrumentations: [http] });
    try {
      // Required after tracing starts, so that the instrumentation patches it (examples/preprocess/api.ts).
      const { createServer } = createRequire(import.meta.url)("node:http") as typeof HttpModule;
      const server = createServer((_req, res) => res.end("ok"));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as { port: number };
      // fetch (undici) is not patched by the HTTP instrumentation: the headers arrive as sent.
      const response = await fetch(`http://127.0.0.1:${port}/jobs`, { headers: CONFLICT });
      assert.equal(await response.text(), "ok");
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } finally {
      await handle.shutdown();
      http.disable();
    }
    const serverSpans = readSpansFile(spansFile).spans.filter((span) => span.kind === SpanKind.SERVER + 1);
    assert.equal(serverSpans.length, 1);
    assert.equal(serverSpans[0]!.traceId, DD_TRACE);
    assert.deepEqual(serverSpans[0]!.links, [
      {
        traceId: W3C_TRACE,
        spanId: W3C_SPAN,
        attributes: { reason: "terminated_context", context_headers: "tracecontext" },
      },
    ]);
  });
});
