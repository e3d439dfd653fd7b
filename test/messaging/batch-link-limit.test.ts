/**
 * The SDK's span limits keep 128 links of a span by default (OTEL_SPAN_LINK_COUNT_LIMIT,
 * spanLimits.linkCountLimit): a batch span of more messages loses the links past it. tracehop says
 * so once per process (TRACEHOP_LINKS_DROPPED), with the counts the SDK span reports
 * (droppedLinksCount) and the limit in force; with the limit raised every message is linked. A
 * single-message helper given more links than the limit says so too. Real SDK (BasicTracerProvider).
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { traced, withBatch, withBatchItem, withCarrier } from "../../src/index.js";
import { withBatchProcessSpan, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, provider } from "./tracing.js";

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
/** `count` kafkajs-like messages, each with a context of its own trace. */
const messages = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    headers: { traceparent: `00-${hex(i + 1, 32)}-${hex(i + 1, 16)}-01` },
  }));
const kafka = { system: "kafka", destination: "orders" } as const;

const warning = (caller: string, kept: number, given: number) =>
  `tracehop ${caller}: the batch span keeps ${kept} of its ${given} links: the SDK's span link limit here ` +
  `is ${kept}, and it dropped ${given - kept} (the OpenTelemetry SDK drops the earliest: options.links ` +
  `first, then the first messages'), so those messages are not linked to the batch span. Raise the limit ` +
  `to at least your largest batch (OTEL_SPAN_LINK_COUNT_LIMIT=${given}, or spanLimits: { linkCountLimit: ` +
  `${given} } of your TracerProvider, which wins over the variable), or start a batch span per at most ` +
  `${kept} messages. Said once per process for this helper.`;

/** The warning of a single-message helper whose span kept `kept` of its `given` links. */
const spanWarning = (caller: string, kept: number, given: number) =>
  `tracehop ${caller}: its span keeps ${kept} of its ${given} links: the SDK's span link limit here is ` +
  `${kept}, and it dropped ${given - kept} (the OpenTelemetry SDK drops the earliest: options.links ` +
  `first). Raise the limit to at least ${given} (OTEL_SPAN_LINK_COUNT_LIMIT=${given}, or spanLimits: { ` +
  `linkCountLimit: ${given} } of your TracerProvider, which wins over the variable), or pass fewer links. ` +
  `Said once per process for this helper.`;

/** `count` span links, each to a span of its own trace. */
const spanLinks = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    context: { traceId: hex(i + 1, 32), spanId: hex(i + 1, 16), traceFlags: 1 },
  }));

beforeEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  exporter.reset();
  resetWarnings();
});

describe("a batch of more messages than the SDK's link limit", () => {
  test("withBatchProcessSpan, 200 messages, default limits: 128 links, said once with the counts", async () => {
    const told = await recordWarnings(() => {
      const ran: number[] = [];
      for (let i = 0; i < 2; i++) ran.push(withBatchProcessSpan(messages(200), kafka, () => i));
      return ran;
    });
    assert.deepEqual(told.result, [0, 1], "fn runs once per batch");
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 2);
    assert.equal(spans[0]!.links.length, 128);
    assert.equal(spans[0]!.droppedLinksCount, 72);
    assert.equal(spans[0]!.attributes["messaging.batch.message_count"], 200);
    assert.deepEqual(told.processWarnings, [
      ["TRACEHOP_LINKS_DROPPED", warning("withBatchProcessSpan", 128, 200)],
    ]);
    // The SDK's own diag.warn, once per span, shows only with a diag logger set.
    assert.deepEqual(told.diagWarnings, [
      warning("withBatchProcessSpan", 128, 200),
      "Dropped 72 links because linkCountLimit reached",
      "Dropped 72 links because linkCountLimit reached",
    ]);
  });

  test("withBatch says it too; a batch within the limit says nothing", async () => {
    const told = await recordWarnings(() => {
      withBatchProcessSpan(messages(128), kafka, () => 0);
      withBatch(messages(130), "rows", () => 0, { carrierFrom: (m) => m.headers });
    });
    assert.deepEqual(told.processWarnings, [["TRACEHOP_LINKS_DROPPED", warning("withBatch", 128, 130)]]);
  });

  describe("with a limit set elsewhere (spanLimits.linkCountLimit: 3)", () => {
    const small = new InMemorySpanExporter();
    beforeEach(() => {
      small.reset();
      trace.disable();
      trace.setGlobalTracerProvider(
        new BasicTracerProvider({
          spanLimits: { linkCountLimit: 3 },
          spanProcessors: [new SimpleSpanProcessor(small)],
        }),
      );
    });
    afterEach(() => {
      trace.disable();
      trace.setGlobalTracerProvider(provider);
    });

    test("the warning names the limit in force (3), not the default", async () => {
      const told = await recordWarnings(() =>
        withBatch(messages(5), "rows", () => 0, { carrierFrom: (m) => m.headers }),
      );
      const [span] = small.getFinishedSpans();
      assert.equal(span!.links.length, 3);
      // The SDK keeps the last links: the first messages are the ones lost.
      assert.deepEqual(
        span!.links.map((l) => l.context.traceId),
        [hex(3, 32), hex(4, 32), hex(5, 32)],
      );
      assert.deepEqual(told.processWarnings, [["TRACEHOP_LINKS_DROPPED", warning("withBatch", 3, 5)]]);
    });

    test("a single-message helper given more links than the limit says so too, once per helper", async () => {
      const carrier = { traceparent: `00-${hex(99, 32)}-${hex(99, 16)}-01` };
      const told = await recordWarnings(() => {
        withCarrier(carrier, "job", () => 0, { links: spanLinks(5) });
        withCarrier(carrier, "job", () => 0, { links: spanLinks(6) });
        withBatchItem(carrier, "item", () => 0, { links: spanLinks(4) });
        traced({ name: "t", links: spanLinks(4) })(() => 0)();
        withProcessSpan(carrier, { ...kafka, links: spanLinks(5) }, () => 0);
        withSendSpan({ ...kafka, links: spanLinks(5) }, () => 0);
        withSendSpan({ ...kafka, creationContext: carrier, links: spanLinks(7) }, () => 0);
        // Within the limit: nothing.
        withCarrier(carrier, "job", () => 0, { links: spanLinks(3) });
      });
      assert.deepEqual(
        small.getFinishedSpans().map((s) => [s.name, s.links.length, s.droppedLinksCount]),
        [
          ["job", 3, 2],
          ["job", 3, 3],
          ["item", 3, 1],
          ["t", 3, 1],
          ["process orders", 3, 2],
          ["send orders", 3, 2],
          ["send orders", 3, 4],
          ["job", 3, 0],
        ],
      );
      assert.deepEqual(told.processWarnings, [
        ["TRACEHOP_LINKS_DROPPED", spanWarning("withCarrier", 3, 5)],
        ["TRACEHOP_LINKS_DROPPED", spanWarning("withBatchItem", 3, 4)],
        ["TRACEHOP_LINKS_DROPPED", spanWarning("traced", 3, 4)],
        ["TRACEHOP_LINKS_DROPPED", spanWarning("withProcessSpan", 3, 5)],
        ["TRACEHOP_LINKS_DROPPED", spanWarning("withSendSpan", 3, 5)],
      ]);
    });

    test("withProcessSpan in an instrumentation's CONSUMER span: links added past the limit are said", async () => {
      const carrier = { traceparent: `00-${hex(99, 32)}-${hex(99, 16)}-01` };
      const messageContext = propagation.extract(ROOT_CONTEXT, carrier);
      const instrumentation = trace
        .getTracer("instrumentation")
        .startSpan("orders process", { kind: SpanKind.CONSUMER, links: spanLinks(1) }, messageContext);
      const told = await recordWarnings(() =>
        context.with(trace.setSpan(messageContext, instrumentation), () =>
          withProcessSpan(carrier, { ...kafka, links: spanLinks(4) }, (span) => span === instrumentation),
        ),
      );
      instrumentation.end();
      assert.equal(told.result, true, "the instrumentation's span was taken over");
      const [span] = small.getFinishedSpans();
      assert.deepEqual([span!.links.length, span!.droppedLinksCount], [3, 2]);
      assert.deepEqual(told.processWarnings, [
        ["TRACEHOP_LINKS_DROPPED", spanWarning("withProcessSpan", 3, 5)],
      ]);
    });
  });

  describe("with the limit raised (spanLimits.linkCountLimit)", () => {
    const raised = new InMemorySpanExporter();
    beforeEach(() => {
      trace.disable();
      trace.setGlobalTracerProvider(
        new BasicTracerProvider({
          spanLimits: { linkCountLimit: 1000 },
          spanProcessors: [new SimpleSpanProcessor(raised)],
        }),
      );
    });
    afterEach(() => {
      trace.disable();
      trace.setGlobalTracerProvider(provider);
    });

    test("500 messages: 500 links, nothing said", async () => {
      const told = await recordWarnings(() => withBatchProcessSpan(messages(500), kafka, () => "done"));
      assert.equal(told.result, "done");
      const [span] = raised.getFinishedSpans();
      assert.equal(span!.links.length, 500);
      assert.equal(span!.droppedLinksCount, 0);
      assert.deepEqual(
        span!.links.slice(-1).map((l) => l.context.traceId),
        [hex(500, 32)],
      );
      assert.deepEqual(told.processWarnings, []);
    });
  });
});
