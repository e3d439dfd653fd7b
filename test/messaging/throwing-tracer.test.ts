/**
 * Tracing never fails the message: with a real SDK provider whose sampler throws when a span starts
 * (a faulty sampler, as `startTracing({ sampler })` may be given), every messaging helper still runs
 * its callback exactly once, with a non-recording span, and a send's headers carry whatever context can
 * still be injected. docs/restore.md ("if the tracer itself throws … fn still runs"), docs/messaging.md.
 */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, isSpanContextValid, propagation, trace, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type Sampler,
} from "@opentelemetry/sdk-trace-base";
import {
  withBatchProcessSpan,
  withProcessSpan,
  withSendSpan,
  type SendSpanOptions,
} from "../../src/messaging/index.js";

/** Throws from `shouldSample` while `boom` is set; samples everything otherwise. */
let boom = false;
const sampler: Sampler = {
  shouldSample() {
    if (boom) throw new Error("sampler boom");
    return new AlwaysOnSampler().shouldSample();
  },
  toString: () => "ThrowingSampler",
};
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  sampler,
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = trace.getTracer("throwing-tracer-test");

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;
const options = { system: "rabbitmq", destination: "orders" } as const;

afterEach(() => {
  boom = false;
  exporter.reset();
});

/** Runs `fn` inside a started, recording span (started before the sampler throws). */
function inParent<T>(fn: (parent: Span) => T): T {
  return tracer.startActiveSpan("parent", (parent) => {
    boom = true;
    try {
      return fn(parent);
    } finally {
      boom = false;
      parent.end();
    }
  });
}

function assertUntraced(span: Span): void {
  assert.equal(span.isRecording(), false);
  assert.equal(isSpanContextValid(span.spanContext()), false);
}

describe("withSendSpan with a tracer that throws on start", () => {
  test("no creationContext: fn runs once, with the active context in the headers", async () => {
    const calls: Array<{ headers: Record<string, unknown>; span: Span }> = [];
    const parentId = await inParent(async (parent) => {
      const result = await withSendSpan(options, async (headers, span) => {
        calls.push({ headers, span });
        return "sent";
      });
      assert.equal(result, "sent");
      return parent.spanContext().spanId;
    });
    assert.equal(calls.length, 1);
    assertUntraced(calls[0]!.span);
    const traceparent = String(calls[0]!.headers.traceparent);
    assert.match(traceparent, new RegExp(`^00-[0-9a-f]{32}-${parentId}-01$`));
  });

  test("no creationContext, no active span: fn runs once, headers without a context", () => {
    boom = true;
    let calls = 0;
    const headers: Record<string, unknown> = { app: "x" };
    const result = withSendSpan({ ...options, headers }, (h, span) => {
      calls++;
      assertUntraced(span);
      return h;
    });
    assert.equal(calls, 1);
    // A plain object is copied for fn, never written (one object can serve every send).
    assert.notEqual(result, headers);
    assert.deepEqual(result, { app: "x" });
    assert.deepEqual(Object.keys(headers), ["app"]);
  });

  test("errors of fn still pass through unchanged, and fn is not run again", () => {
    boom = true;
    let calls = 0;
    const err = new Error("send failed");
    assert.throws(
      () =>
        withSendSpan(options, () => {
          calls++;
          throw err;
        }),
      (thrown) => thrown === err,
    );
    assert.equal(calls, 1);
  });

  for (const forward of ["send-span", "creation-context"] as const) {
    test(`creationContext, forward ${forward}: fn runs once, the stored context travels`, async () => {
      boom = true;
      let calls = 0;
      const sendOptions: SendSpanOptions = {
        ...options,
        creationContext: { traceparent: TRACEPARENT, baggage: "tenant=a" },
        forward,
      };
      const headers = await withSendSpan(sendOptions, async (h, span) => {
        calls++;
        assertUntraced(span);
        return h;
      });
      assert.equal(calls, 1);
      assert.equal(headers.traceparent, TRACEPARENT);
      assert.equal(headers.baggage, "tenant=a");
      assert.equal(exporter.getFinishedSpans().length, 0);
    });
  }
});

describe("consumer helpers with a tracer that throws on start", () => {
  test("withProcessSpan: fn runs once with a non-recording span", async () => {
    boom = true;
    let calls = 0;
    const result = await withProcessSpan({ traceparent: TRACEPARENT }, options, async (span) => {
      calls++;
      assertUntraced(span);
      return 7;
    });
    assert.equal(result, 7);
    assert.equal(calls, 1);
  });

  test("withBatchProcessSpan: fn runs once with a non-recording span", () => {
    boom = true;
    let calls = 0;
    const result = withBatchProcessSpan([{ headers: { traceparent: TRACEPARENT } }], options, (span) => {
      calls++;
      assertUntraced(span);
      return "done";
    });
    assert.equal(result, "done");
    assert.equal(calls, 1);
  });

  test("the baggage of a send without a span is the active one", () => {
    const bag = propagation.createBaggage({ tenant: { value: "b" } });
    boom = true;
    const headers = context.with(propagation.setBaggage(context.active(), bag), () =>
      withSendSpan(options, (h) => h),
    );
    assert.equal(headers.baggage, "tenant=b");
  });
});
