// A relay or worker process that never called startTracing(): a tracer provider may be there (or not),
// but no context manager, so @opentelemetry/api's no-op manager makes nothing active inside `fn`.
// This file registers NO context manager (it does not import test/support/sdk.ts).
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { captureCarrier, traced, withBatch, withBatchItem, withCarrier } from "../../src/index.js";
import { withBatchProcessSpan, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const row = { id: 1, traceContext: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } };
const CODE = "TRACEHOP_NO_CONTEXT_MANAGER";
/** The warning, naming the helper whose call found no context manager. */
const message = (helper: string) =>
  `tracehop ${helper}: no OpenTelemetry context manager is registered, so the span of ${helper} is not active ` +
  "inside your function: captureCarrier() there returns {} and spans started there begin new traces, so the " +
  "trace ends at this hop. Call startTracing() first in every process that restores or captures a carrier " +
  "(the relay and the worker too), or register a context manager before the first message: " +
  "context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()) " +
  "(@opentelemetry/context-async-hooks; through the same major version of @opentelemetry/api as tracehop's).";
const MESSAGE = message("withCarrier");

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});
afterEach(() => resetWarnings());

describe("no context manager registered", () => {
  test("withCarrier runs fn, and says once (diag + process warning) that the trace ends at this hop", async () => {
    const told = await recordWarnings(() => {
      const first = withCarrier(row, "job", () => captureCarrier());
      const second = withCarrier(row, "job", () => 2);
      return [first, second];
    });
    // What is lost without a context manager: nothing is active inside fn.
    assert.deepEqual(told.result, [{}, 2]);
    assert.deepEqual(told.processWarnings, [[CODE, MESSAGE]]);
    assert.deepEqual(told.diagWarnings, [MESSAGE]);
    // The span itself is still the stored context's child.
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => [s.spanContext().traceId, s.parentSpanContext?.spanId]),
      [
        [TRACE_ID, PARENT_ID],
        [TRACE_ID, PARENT_ID],
      ],
    );
  });

  // [the helper the warning names, a call of it, the call's title when the helper is called twice]
  const entries: [string, () => unknown, string?][] = [
    ["traced", () => traced({ name: "t" })((job: typeof row) => job.id)(row)],
    ["withBatch", () => withBatch([row], "batch", () => 1)],
    ["withBatchItem", () => withBatchItem(row, "item", () => 1)],
    [
      "withProcessSpan",
      () => withProcessSpan(row.traceContext, { system: "kafka", destination: "jobs" }, () => 1),
    ],
    ["withSendSpan", () => withSendSpan({ system: "kafka", destination: "jobs" }, () => 1)],
    [
      "withSendSpan",
      () => withSendSpan({ system: "kafka", destination: "jobs", creationContext: row }, () => 1),
      "withSendSpan relaying a row",
    ],
    [
      "withBatchProcessSpan",
      () =>
        withBatchProcessSpan(
          [{ headers: row.traceContext }],
          { system: "kafka", destination: "jobs" },
          () => 1,
        ),
    ],
  ];
  for (const [name, call, title = name] of entries) {
    test(`${title} warns too, naming ${name}, once per process`, async () => {
      const told = await recordWarnings(() => [call(), call(), withCarrier(row, "job", () => 3)]);
      assert.deepEqual(told.processWarnings, [[CODE, message(name)]]);
      assert.deepEqual(told.diagWarnings, [message(name)]);
    });
  }

  test("withSendSpan forwarding its send span: the headers still carry the trace (injected from the span's own context)", async () => {
    const told = await recordWarnings(() =>
      withSendSpan(
        {
          system: "rabbitmq",
          destination: "jobs",
          creationContext: { ...row.traceContext, baggage: "tenant=acme" },
        },
        (headers, span) => ({ headers: { ...headers }, spanId: span.spanContext().spanId }),
      ),
    );
    const { headers, spanId } = told.result;
    assert.equal(headers.traceparent, `00-${TRACE_ID}-${spanId}-01`);
    assert.equal(headers.baggage, "tenant=acme");
    assert.equal(headers["x-datadog-parent-id"], BigInt(`0x${spanId}`).toString(10));
    const [span] = exporter.getFinishedSpans();
    assert.equal(span!.kind, SpanKind.PRODUCER);
    assert.equal(span!.parentSpanContext?.spanId, PARENT_ID);
    assert.equal(told.processWarnings.length, 1);
  });

  test("withSendSpan without a creation context: the headers carry the new send span", async () => {
    const { result } = await recordWarnings(() =>
      withSendSpan({ system: "kafka", destination: "jobs" }, (headers, span) => ({
        headers: { ...headers },
        sc: span.spanContext(),
      })),
    );
    assert.equal(result.headers.traceparent, `00-${result.sc.traceId}-${result.sc.spanId}-01`);
  });

  test("under OTEL_SDK_DISABLED=true (tracing off on purpose) nothing is said", async () => {
    process.env.OTEL_SDK_DISABLED = " TRUE";
    try {
      const told = await recordWarnings(() => withCarrier(row, "job", () => captureCarrier()));
      assert.deepEqual(told.result, {});
      assert.deepEqual(told.processWarnings, []);
      assert.deepEqual(told.diagWarnings, []);
    } finally {
      delete process.env.OTEL_SDK_DISABLED;
    }
  });

  /** The capture side's warning, naming the entry point whose capture found no context manager. */
  const captureMessage = (caller: string) =>
    `tracehop ${caller}: no OpenTelemetry context manager is registered, so no span is ever active, not even ` +
    "inside tracer.startActiveSpan(...): the carrier captured is {} (the Prisma extension stores NULL), so " +
    "the trace ends at this hop. Call startTracing() first in every process that captures or restores a " +
    "carrier, or register a context manager before the first write: " +
    "context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()) " +
    "(@opentelemetry/context-async-hooks; through the same major version of @opentelemetry/api as tracehop's).";

  test("captureCarrier inside tracer.startActiveSpan gives {} and says so once, with the same code", async () => {
    const tracer = trace.getTracer("writer");
    const told = await recordWarnings(() => [
      tracer.startActiveSpan("POST /jobs", (span) => {
        const carrier = captureCarrier();
        span.end();
        return carrier;
      }),
      captureCarrier(),
      captureCarrier({ baggage: "none" }),
    ]);
    assert.deepEqual(told.result, [{}, {}, {}]);
    assert.deepEqual(told.processWarnings, [[CODE, captureMessage("captureCarrier")]]);
    assert.deepEqual(told.diagWarnings, [captureMessage("captureCarrier")]);
    // The restore's check is the same one: already done, nothing more is said.
    const after = await recordWarnings(() => withCarrier(row, "job", () => 1));
    assert.deepEqual(after.processWarnings, []);
  });

  test("a capture of an explicit context holding a span: the carrier, no warning", async () => {
    const span = trace.getTracer("writer").startSpan("POST /jobs");
    const told = await recordWarnings(() =>
      captureCarrier({ context: trace.setSpan(context.active(), span) }),
    );
    span.end();
    assert.equal(told.result.traceparent, `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    assert.deepEqual(told.processWarnings, []);
  });

  test("with a context manager registered: captureCarrier outside any span gives {} without a warning", async () => {
    assert.ok(context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
    try {
      const told = await recordWarnings(() => ({
        outside: captureCarrier(),
        inside: trace.getTracer("writer").startActiveSpan("POST /jobs", (span) => {
          span.end();
          return captureCarrier();
        }),
      }));
      assert.deepEqual(told.result.outside, {});
      assert.match(told.result.inside.traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.deepEqual(told.processWarnings, []);
      assert.deepEqual(told.diagWarnings, []);
    } finally {
      context.disable();
    }
  });

  test("with a context manager registered: no warning, captureCarrier inside fn sees the span", async () => {
    assert.ok(context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
    try {
      const told = await recordWarnings(() => withCarrier(row, "job", () => captureCarrier()));
      assert.match(told.result.traceparent ?? "", new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      assert.deepEqual(told.processWarnings, []);
      assert.deepEqual(told.diagWarnings, []);
    } finally {
      context.disable();
    }
  });
});
