// Nested restores under a restore the sampler dropped (docs/restore.md, "Nested restores") when the tracer
// hands out ONE span object for every span its sampler drops (a custom tracer, or a tracer provider
// returning a shared non-recording singleton; OTel's SDK makes one per call). Whether a dropped restore is
// open is a fact of that restore, not of the object: the end of another restore (or of any span) that got
// the same object must not end it. A real SDK provider (ParentBased(AlwaysOff) root) under a provider that
// returns the shared object in place of each span the SDK dropped; a sampler wrapper records the parent
// each span was started under (a dropped span is never exported).
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  type Sampler,
} from "@opentelemetry/sdk-trace-base";
import { withBatchItem, withCarrier } from "../../src/index.js";

const STORED_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const STORED_SPAN = "00f067aa0ba902b7";
/** The span id of the one object the tracer hands out for every dropped span. */
const SHARED_SPAN = "aaaaaaaaaaaaaaaa";

/** What the sampler was asked, per span name: the parent span id (undefined: a root). */
const asked = new Map<string, string | undefined>();
const inner = new ParentBasedSampler({ root: new AlwaysOffSampler() });
const recording: Sampler = {
  shouldSample(ctx: Context, traceId, name, ...rest) {
    asked.set(name, trace.getSpanContext(ctx)?.spanId);
    return inner.shouldSample(ctx, traceId, name, ...rest);
  },
};
const sdk = new BasicTracerProvider({ sampler: recording });
/** The one dropped span object, in the stored trace, not sampled. */
const shared: Span = trace.wrapSpanContext({
  traceId: STORED_TRACE,
  spanId: SHARED_SPAN,
  traceFlags: TraceFlags.NONE,
});
const sharingProvider: TracerProvider = {
  getTracer(name, version, options): Tracer {
    const tracer = sdk.getTracer(name, version, options);
    const startSpan: Tracer["startSpan"] = (...args) => {
      const span = tracer.startSpan(...args);
      return span.isRecording() ? span : shared;
    };
    return { startSpan, startActiveSpan: tracer.startActiveSpan.bind(tracer) as Tracer["startActiveSpan"] };
  },
};
trace.setGlobalTracerProvider(sharingProvider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

beforeEach(() => asked.clear());

const row = { id: 1, traceContext: { traceparent: `00-${STORED_TRACE}-${STORED_SPAN}-00` } };
const noop = () => undefined;

/** A promise and the function that settles it. */
function gate(): [Promise<void>, () => void] {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return [promise, open];
}

describe("dropped restores that share one span object", () => {
  test("the tracer does hand out one object: two dropped restores get the same span", () => {
    const first = withCarrier(row, "first", (span) => span);
    const second = withCarrier(row, "second", (span) => span);
    assert.strictEqual(first, second);
    assert.strictEqual(first, shared);
  });

  test("another restore that ended while A runs does not end A: a step of A still nests into it", async () => {
    const [bDone, letAGoOn] = gate();
    const a = withCarrier(row, "A", async () => {
      await bDone;
      withCarrier(row, "A step", noop);
      withBatchItem({ id: 2 }, "A item", noop);
    });
    withCarrier(row, "B", noop);
    letAGoOn();
    await a;
    assert.equal(asked.get("A step"), SHARED_SPAN, "nested into A, whose work is not over");
    assert.equal(asked.get("A item"), SHARED_SPAN, "a message without a context is under A, not ended");
  });

  test("A ending while B runs does not end B: a step of B still nests into it", async () => {
    const [bStarted, bStart] = gate();
    const [aEnded, aEnd] = gate();
    const b = withCarrier(row, "B", async () => {
      bStart();
      await aEnded;
      withCarrier(row, "B step", noop);
    });
    await bStarted;
    withCarrier(row, "A", noop);
    aEnd();
    await b;
    assert.equal(asked.get("B step"), SHARED_SPAN);
  });

  test("the end of a nested step (the same object) does not end the restore it nests in", async () => {
    await withCarrier(row, "A", async () => {
      withCarrier(row, "step 1", noop);
      await Promise.resolve();
      withCarrier(row, "step 2", noop);
    });
    assert.equal(asked.get("step 1"), SHARED_SPAN);
    assert.equal(asked.get("step 2"), SHARED_SPAN);
  });

  test("a restore whose work is over is not nested into: a callback run later restores the stored parent", async () => {
    let later!: Promise<unknown>;
    const [otherDone, finishOther] = gate();
    // Another restore keeps the shared object in use while A ends and its callback runs.
    const other = withCarrier(row, "other", () => otherDone);
    await withCarrier(row, "A", () => {
      later = new Promise((resolve) => setImmediate(() => resolve(withCarrier(row, "later", noop))));
    });
    await later;
    finishOther();
    await other;
    assert.equal(asked.get("later"), STORED_SPAN);
  });

  test("a message without a context in a callback run after A's work is over is not put under A's ended span", async () => {
    let later!: Promise<unknown>;
    const [otherDone, finishOther] = gate();
    const other = withCarrier(row, "other", () => otherDone);
    await withCarrier(row, "A", () => {
      later = new Promise((resolve) =>
        setImmediate(() => resolve(withBatchItem({ id: 3 }, "later item", noop))),
      );
    });
    await later;
    finishOther();
    await other;
    assert.ok(asked.has("later item"));
    assert.equal(asked.get("later item"), undefined, "a new trace, as after a span of A's own that ended");
  });
});
