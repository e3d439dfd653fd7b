// What an extraction found beyond the parent, on spans that OpenTelemetry instrumentations start
// (ExtractionSpanProcessor): span links, a Synthetics root's trace id, `_dd.parent_id`. Unit tests on a
// real SDK provider, then the HTTP server span of @opentelemetry/instrumentation-http under
// startTracing, read back from the spans file.
import { tempDir } from "../support/temp-dir.js";
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type * as HttpModule from "node:http";

import { createRequire } from "node:module";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import {
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
} from "@opentelemetry/api";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
} from "@opentelemetry/sdk-trace-base";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/normalize-carrier.js";
import { captureCarrier } from "../../src/context/carrier-context.js";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { getExtractionLinks } from "../../src/propagation/extraction-result.js";
import { ExtractionSpanProcessor } from "../../src/tracing/ExtractionSpanProcessor.js";
import { LinkAwareSampler } from "../../src/tracing/LinkAwareSampler.js";
import { RestoredRootSampler } from "../../src/tracing/RestoredRootSampler.js";
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
  spanProcessors: [new ExtractionSpanProcessor(), new SimpleSpanProcessor(exporter)],
}).getTracer("test");
const extract = (
  carrier: object,
  options?: Parameters<typeof createPropagator>[1],
  styles?: Parameters<typeof createPropagator>[0],
): Context =>
  createPropagator(styles, options).extract(ROOT_CONTEXT, normalizeCarrier(carrier), normalizedCarrierGetter);
const linksOf = (span: unknown) =>
  (span as { links: { context: { traceId: string; spanId: string }; attributes?: object }[] }).links.map(
    (link) => [link.context.traceId, link.context.spanId, link.attributes],
  );

describe("ExtractionSpanProcessor", () => {
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
    const processor = new ExtractionSpanProcessor();
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

// Expected values from test/fixtures/datadog-vectors.json (dd-parent-zero-synthetics,
// both-agree-parent-differs-p-mismatch), copied from ../shared/vectors/datadog.json.
const vectors = JSON.parse(
  readFileSync(new URL("../fixtures/datadog-vectors.json", import.meta.url), "utf8"),
) as { id: string; styles: string[]; carrier: Record<string, string>; expect: Record<string, any> }[];
const vector = (id: string) => vectors.find((v) => v.id === id)!;
const SYNTHETICS = vector("dd-parent-zero-synthetics");

/** The span's parent span id, whichever SDK field holds it (`undefined` for a root). */
const parentOf = (span: unknown) =>
  (span as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;

describe("ExtractionSpanProcessor: a Synthetics root (Datadog parent id 0) started by the SDK", () => {
  test("keeps the incoming trace id and priority on a root span; children and outgoing calls continue it", () => {
    exporter.reset();
    const extracted = extract(SYNTHETICS.carrier);
    const server = tracer.startSpan("server", { kind: SpanKind.SERVER }, extracted);
    const inRequest = trace.setSpan(extracted, server);
    const child = tracer.startSpan("child", {}, inRequest);
    const outgoing: Record<string, string> = {};
    createPropagator().inject(trace.setSpan(inRequest, child), outgoing, defaultTextMapSetter);
    child.end();
    server.end();

    assert.equal(server.spanContext().traceId, SYNTHETICS.expect.traceId);
    assert.equal(parentOf(server), undefined);
    assert.equal(server.spanContext().traceFlags, TraceFlags.SAMPLED);
    assert.equal(child.spanContext().traceId, SYNTHETICS.expect.traceId);
    assert.equal(parentOf(child), server.spanContext().spanId);
    assert.equal(outgoing["x-datadog-trace-id"], SYNTHETICS.carrier["x-datadog-trace-id"]);
    assert.equal(outgoing["x-datadog-parent-id"], BigInt(`0x${child.spanContext().spanId}`).toString());
    assert.equal(outgoing["x-datadog-origin"], "synthetics");
    assert.equal(outgoing["x-datadog-sampling-priority"], String(SYNTHETICS.expect.samplingPriority));
    assert.equal(outgoing.traceparent, `00-${SYNTHETICS.expect.traceId}-${child.spanContext().spanId}-01`);
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => [s.name, s.spanContext().traceId]),
      [
        ["child", SYNTHETICS.expect.traceId],
        ["server", SYNTHETICS.expect.traceId],
      ],
    );
  });

  test("a 128-bit trace (_dd.p.tid) keeps all 128 bits", () => {
    const span = tracer.startSpan(
      "server",
      {},
      extract({ ...SYNTHETICS.carrier, "x-datadog-tags": "_dd.p.tid=640cfd8d00000000" }),
    );
    assert.equal(span.spanContext().traceId, "640cfd8d0000000000000000499602d2");
  });

  test("priority 0: the span keeps the trace but is not sampled (not exported, children unsampled)", () => {
    exporter.reset();
    const extracted = extract({ ...SYNTHETICS.carrier, "x-datadog-sampling-priority": "0" });
    const server = tracer.startSpan("server", {}, extracted);
    const child = tracer.startSpan("child", {}, trace.setSpan(extracted, server));
    server.end();
    child.end();
    assert.equal(server.spanContext().traceId, SYNTHETICS.expect.traceId);
    assert.equal(server.spanContext().traceFlags, TraceFlags.NONE);
    assert.equal(child.isRecording(), false);
    assert.deepEqual(exporter.getFinishedSpans(), []);
  });

  test("every span started from the extracted context is a root of the incoming trace; a root span inside the request is not", () => {
    const extracted = extract(SYNTHETICS.carrier);
    const server = tracer.startSpan("server", { kind: SpanKind.SERVER }, extracted);
    const background = tracer.startSpan("background", { root: true }, trace.setSpan(extracted, server));
    // A second span from the same headers (a retry, a second handler), as dd-trace keeps it in the trace.
    const sibling = tracer.startSpan("sibling", {}, extracted);
    assert.equal(server.spanContext().traceId, SYNTHETICS.expect.traceId);
    assert.equal(sibling.spanContext().traceId, SYNTHETICS.expect.traceId);
    assert.equal(parentOf(sibling), undefined);
    assert.notEqual(background.spanContext().traceId, SYNTHETICS.expect.traceId);
  });

  test("a span from a context derived from the extracted one (baggage added) takes the trace once", () => {
    const derived = extract(SYNTHETICS.carrier).setValue(Symbol("app value"), 1);
    const first = tracer.startSpan("first", {}, derived);
    const second = tracer.startSpan("second", {}, derived);
    assert.equal(first.spanContext().traceId, SYNTHETICS.expect.traceId);
    assert.notEqual(second.spanContext().traceId, SYNTHETICS.expect.traceId);
  });

  test("restart: no restored root, a new trace linked to the Synthetics trace with span id 0", () => {
    const span = tracer.startSpan("server", {}, extract(SYNTHETICS.carrier, { extractBehavior: "restart" }));
    assert.notEqual(span.spanContext().traceId, SYNTHETICS.expect.traceId);
    assert.deepEqual(linksOf(span), [
      [
        SYNTHETICS.expect.traceId,
        "0000000000000000",
        { reason: "propagation_behavior_extract", context_headers: "datadog" },
      ],
    ]);
  });

  test("an SDK whose span context cannot be written: the span keeps its own trace id, no throw", () => {
    const frozen = Object.freeze({ traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 1 });
    const span = { spanContext: () => frozen, links: [], attributes: {} };
    assert.doesNotThrow(() =>
      new ExtractionSpanProcessor().onStart(span as never, extract(SYNTHETICS.carrier)),
    );
    assert.equal(frozen.traceId, "1".repeat(32));
  });
});

describe("ExtractionSpanProcessor: _dd.parent_id", () => {
  const v = vector("both-agree-parent-differs-p-mismatch");
  test("the span started from the extracted parent carries the last Datadog parent id; its children do not", () => {
    const extracted = extract(v.carrier, undefined, v.styles);
    const server = tracer.startSpan("server", {}, extracted);
    const child = tracer.startSpan("child", {}, trace.setSpan(extracted, server));
    assert.equal(parentOf(server), v.expect.spanId);
    assert.equal((server as unknown as ReadableSpan).attributes["_dd.parent_id"], v.expect.lastParentId);
    assert.equal((child as unknown as ReadableSpan).attributes["_dd.parent_id"], undefined);
  });

  test("an attribute the starter set is kept", () => {
    const span = tracer.startSpan(
      "server",
      { attributes: { "_dd.parent_id": "mine" } },
      extract(v.carrier, undefined, v.styles),
    );
    assert.equal((span as unknown as ReadableSpan).attributes["_dd.parent_id"], "mine");
  });
});

describe("LinkAwareSampler: a Synthetics root follows its priority", () => {
  const dropAll = new BasicTracerProvider({
    sampler: new LinkAwareSampler(new TraceIdRatioBasedSampler(0)),
    spanProcessors: [new ExtractionSpanProcessor()],
  }).getTracer("test");

  test("priority 1 is kept under a root sampler that drops everything, with the incoming trace id", () => {
    const span = dropAll.startSpan("server", {}, extract(SYNTHETICS.carrier));
    assert.equal(span.isRecording(), true);
    assert.equal(span.spanContext().traceId, SYNTHETICS.expect.traceId);
  });

  test("restart: a root the wrapped sampler drops gives the restart link up; a later recording root gets none", () => {
    // A wrapped sampler that drops the first span and keeps the rest (as a ratio sampler may).
    const decisions = [SamplingDecision.NOT_RECORD];
    const tracer = new BasicTracerProvider({
      sampler: new LinkAwareSampler({
        shouldSample: () => ({ decision: decisions.shift() ?? SamplingDecision.RECORD_AND_SAMPLED }),
      }),
      spanProcessors: [new ExtractionSpanProcessor()],
    }).getTracer("test");
    const extracted = extract(CONFLICT, { extractBehavior: "restart" });
    const server = tracer.startSpan("server", {}, extracted);
    assert.equal(server.isRecording(), false);
    const background = tracer.startSpan("background", { root: true }, trace.setSpan(extracted, server));
    assert.equal(background.isRecording(), true);
    assert.deepEqual(linksOf(background), []);
  });

  for (const priority of ["0", "-1"]) {
    test(`priority ${priority}: recorded but not sampled, in the incoming trace; a later root in the request is the root sampler's`, () => {
      const extracted = extract({ ...SYNTHETICS.carrier, "x-datadog-sampling-priority": priority });
      const server = dropAll.startSpan("server", {}, extracted);
      assert.equal(server.isRecording(), true);
      assert.equal(server.spanContext().traceId, SYNTHETICS.expect.traceId);
      assert.equal(server.spanContext().traceFlags, TraceFlags.NONE);
      const outgoing: Record<string, string> = {};
      createPropagator().inject(trace.setSpan(extracted, server), outgoing, defaultTextMapSetter);
      assert.equal(outgoing["x-datadog-trace-id"], SYNTHETICS.carrier["x-datadog-trace-id"]);
      assert.equal(outgoing["x-datadog-sampling-priority"], priority);
      assert.equal(outgoing["x-datadog-origin"], "synthetics");
      const keepAll = new BasicTracerProvider({
        sampler: new LinkAwareSampler(new AlwaysOnSampler()),
        spanProcessors: [new ExtractionSpanProcessor()],
      }).getTracer("test");
      const later = keepAll.startSpan("later", { root: true }, trace.setSpan(extracted, server));
      assert.equal(later.isRecording(), true);
      assert.notEqual(later.spanContext().traceId, SYNTHETICS.expect.traceId);
    });
  }
});

describe("RestoredRootSampler", () => {
  const ratioZero = (sampler: Sampler) =>
    new BasicTracerProvider({ sampler, spanProcessors: [new ExtractionSpanProcessor()] }).getTracer("test");

  test("under samplers that keep nothing, a Synthetics root follows its priority; other spans are the wrapped sampler's", () => {
    for (const wrapped of [
      new TraceIdRatioBasedSampler(0),
      new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }),
    ]) {
      const tracer = ratioZero(new RestoredRootSampler(wrapped));
      for (const [priority, sampled] of [
        ["2", TraceFlags.SAMPLED],
        ["1", TraceFlags.SAMPLED],
        ["0", TraceFlags.NONE],
        ["-1", TraceFlags.NONE],
      ] as const) {
        const span = tracer.startSpan(
          "server",
          {},
          extract({ ...SYNTHETICS.carrier, "x-datadog-sampling-priority": priority }),
        );
        assert.equal(span.isRecording(), true, `${wrapped} priority ${priority}`);
        assert.equal(span.spanContext().traceId, SYNTHETICS.expect.traceId);
        assert.equal(span.spanContext().traceFlags, sampled);
      }
      assert.equal(tracer.startSpan("plain", {}, ROOT_CONTEXT).isRecording(), false);
      assert.equal(
        tracer.startSpan("from-w3c", {}, extract({ traceparent: CONFLICT.traceparent })).isRecording(),
        wrapped instanceof ParentBasedSampler,
      );
    }
  });

  test("the spans below a Synthetics root in the request follow its flag, not a sampler that ignores parents", () => {
    for (const [wrapped, priority, kept] of [
      [new AlwaysOnSampler(), "-1", false],
      [new AlwaysOnSampler(), "0", false],
      [new TraceIdRatioBasedSampler(0), "1", true],
      [new TraceIdRatioBasedSampler(0), "2", true],
    ] as const) {
      const tracer = ratioZero(new RestoredRootSampler(wrapped));
      const extracted = extract({ ...SYNTHETICS.carrier, "x-datadog-sampling-priority": priority });
      const server = tracer.startSpan("server", {}, extracted);
      const child = tracer.startSpan("child", {}, trace.setSpan(extracted, server));
      const grandchild = tracer.startSpan(
        "grandchild",
        {},
        trace.setSpan(trace.setSpan(extracted, server), child),
      );
      assert.deepEqual(
        [child.isRecording(), grandchild.isRecording()],
        [kept, kept],
        `${wrapped} priority ${priority}`,
      );
      const outgoing: Record<string, string> = {};
      createPropagator().inject(trace.setSpan(extracted, child), outgoing, defaultTextMapSetter);
      assert.equal(outgoing["x-datadog-trace-id"], SYNTHETICS.carrier["x-datadog-trace-id"]);
      assert.equal(outgoing["x-datadog-sampling-priority"], priority);
      assert.ok(outgoing.traceparent!.endsWith(kept ? "-01" : "-00"), outgoing.traceparent);
    }
  });

  test("a TypeError names what to pass when root is not a sampler", () => {
    assert.throws(
      () => new RestoredRootSampler({} as Sampler),
      /^TypeError: tracehop RestoredRootSampler: root must be a Sampler/,
    );
  });
});

// One startTracing for both requests: an HTTP instrumentation patches node:http once per process.
describe("startTracing: the HTTP server span of @opentelemetry/instrumentation-http", () => {
  test("carries the conflict link of a request's headers; a Synthetics request (parent id 0) gets the root of the incoming trace, which the request's own hops continue", async (t) => {
    const spansFile = join(tempDir(t, "extraction"), "spans.jsonl");
    const http = new HttpInstrumentation();
    // A sampler that keeps no new trace: requests with a sampled parent are kept (ParentBased), and a
    // Synthetics request by its priority (startTracing's RestoredRootSampler).
    process.env.OTEL_TRACES_SAMPLER = "parentbased_traceidratio";
    process.env.OTEL_TRACES_SAMPLER_ARG = "0";
    let handle: ReturnType<typeof startTracing>;
    try {
      handle = startTracing({ serviceName: "extraction", spansFile, instrumentations: [http] });
    } finally {
      delete process.env.OTEL_TRACES_SAMPLER;
      delete process.env.OTEL_TRACES_SAMPLER_ARG;
    }
    const stored = new Map<string, Record<string, string>>();
    try {
      // Required after tracing starts, so that the instrumentation patches it (examples/preprocess/api.ts).
      const { createServer } = createRequire(import.meta.url)("node:http") as typeof HttpModule;
      const server = createServer((req, res) => {
        // What a job row written in this request would store: the carrier of the active context.
        stored.set(req.url!, captureCarrier());
        res.end("ok");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as { port: number };
      // fetch (undici) is not patched by the HTTP instrumentation: the headers arrive as sent.
      for (const [path, headers] of [
        ["/conflict", CONFLICT],
        ["/synthetics", SYNTHETICS.carrier],
        ["/synthetics-dropped", { ...SYNTHETICS.carrier, "x-datadog-sampling-priority": "-1" }],
        ["/new-trace", {}],
      ] as const) {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
        assert.equal(await response.text(), "ok");
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } finally {
      await handle.shutdown();
      http.disable();
    }
    const serverSpans = readSpansFile(spansFile).spans.filter((span) => span.kind === SpanKind.SERVER + 1);
    // Not exported: the Synthetics request with priority -1 and the new trace (ratio 0).
    assert.equal(serverSpans.length, 2);
    const ofTrace = (traceId: string) => {
      const found = serverSpans.filter((span) => span.traceId === traceId);
      assert.equal(
        found.length,
        1,
        `one server span of trace ${traceId}: ${serverSpans.map((x) => x.traceId)}`,
      );
      return found[0]!;
    };
    const conflict = ofTrace(DD_TRACE);
    assert.deepEqual(conflict.links, [
      {
        traceId: W3C_TRACE,
        spanId: W3C_SPAN,
        attributes: { reason: "terminated_context", context_headers: "tracecontext" },
      },
    ]);

    const synthetics = ofTrace(SYNTHETICS.expect.traceId);
    assert.equal(synthetics.parentSpanId, undefined);
    const out = stored.get("/synthetics")!;
    assert.equal(out["x-datadog-trace-id"], SYNTHETICS.carrier["x-datadog-trace-id"]);
    assert.equal(out["x-datadog-parent-id"], BigInt(`0x${synthetics.spanId}`).toString());
    assert.equal(out["x-datadog-origin"], "synthetics");
    assert.equal(out["x-datadog-sampling-priority"], "1");
    // Priority -1: no span exported, but the request's own hops stay in the Synthetics trace, dropped.
    const dropped = stored.get("/synthetics-dropped")!;
    assert.equal(dropped["x-datadog-trace-id"], SYNTHETICS.carrier["x-datadog-trace-id"]);
    assert.equal(dropped["x-datadog-sampling-priority"], "-1");
    assert.equal(dropped["x-datadog-origin"], "synthetics");
    assert.match(dropped.traceparent!, new RegExp(`^00-${SYNTHETICS.expect.traceId}-[0-9a-f]{16}-00$`));
  });
});
