/**
 * The SDK's span limits keep 128 links of a span by default (OTEL_SPAN_LINK_COUNT_LIMIT,
 * spanLimits.linkCountLimit): a batch span of more messages loses the links past it. tracehop says
 * so once per process (TRACEHOP_LINKS_DROPPED), with the counts the SDK span reports
 * (droppedLinksCount); with the limit raised every message is linked. Real SDK (BasicTracerProvider).
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { withBatch } from "../../src/index.js";
import { withBatchProcessSpan } from "../../src/messaging/index.js";
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
  `tracehop ${caller}: the batch span keeps ${kept} of its ${given} links, ${given - kept} dropped by ` +
  `the SDK's span limit (OTEL_SPAN_LINK_COUNT_LIMIT, spanLimits.linkCountLimit; default 128): the ` +
  `messages past it are not linked to the batch span. Raise the limit to at least your largest batch ` +
  `(OTEL_SPAN_LINK_COUNT_LIMIT=${given}, or linkCountLimit in your TracerProvider's spanLimits), or ` +
  `start a batch span per at most ${kept} messages. Said once per process.`;

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
