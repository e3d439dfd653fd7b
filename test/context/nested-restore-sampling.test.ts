// Nested restores under an outer restore the sampler dropped (docs/restore.md, "Nested restores"): the
// inner span keeps the outer's sampling decision, in its trace, instead of starting a trace the sampler
// decides again (a stray sampled trace for part of one job). A real SDK provider with real samplers
// (ParentBased, TraceIdRatioBased, AlwaysOff roots, LinkAwareSampler), registered globally in this test
// process; a sampler wrapper records the parent each span was started under, since a dropped span is
// never exported; an id generator hands out chosen trace ids so that a ratio sampler's decision is known.
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, ROOT_CONTEXT, trace, type Context, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  RandomIdGenerator,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type IdGenerator,
  type Sampler,
} from "@opentelemetry/sdk-trace-base";
import { LinkAwareSampler, traced, withBatchItem, withCarrier } from "../../src/index.js";

const exporter = new InMemorySpanExporter();
/** What the sampler was asked, per span name: the trace id and the parent span id (undefined: a root). */
const asked = new Map<string, { traceId: string; parentId: string | undefined }>();
const recording: Sampler & { current: Sampler } = {
  current: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  shouldSample(ctx: Context, traceId, name, ...rest) {
    asked.set(name, { traceId, parentId: trace.getSpanContext(ctx)?.spanId });
    return this.current.shouldSample(ctx, traceId, name, ...rest);
  },
};
/** Trace ids handed out before random ones: a test puts the ids whose ratio decision it needs here. */
const nextTraceIds: string[] = [];
const random = new RandomIdGenerator();
const ids: IdGenerator = {
  generateTraceId: () => nextTraceIds.shift() ?? random.generateTraceId(),
  generateSpanId: () => random.generateSpanId(),
};
trace.setGlobalTracerProvider(
  new BasicTracerProvider({
    sampler: recording,
    idGenerator: ids,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

beforeEach(() => {
  exporter.reset();
  asked.clear();
  nextTraceIds.length = 0;
});

const STORED_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const STORED_SPAN = "00f067aa0ba902b7";
const rowWithFlags = (flags: "00" | "01") => ({
  id: 1,
  traceContext: { traceparent: `00-${STORED_TRACE}-${STORED_SPAN}-${flags}` },
  createdAt: new Date(),
});

/** A trace id a TraceIdRatioBasedSampler(0.5) drops (`drop`) or keeps, found with the sampler itself. */
function traceIdDecided(drop: boolean): string {
  const ratio = new TraceIdRatioBasedSampler(0.5);
  for (;;) {
    const id = random.generateTraceId();
    const dropped = ratio.shouldSample(ROOT_CONTEXT, id).decision === SamplingDecision.NOT_RECORD;
    if (dropped === drop) return id;
  }
}

/** The span id of the active span, read inside the work (a dropped span is never exported). */
const activeIds = () => trace.getActiveSpan()!.spanContext();

describe("a restore nested in an outer restore the sampler dropped", () => {
  test("parent, stored context unsampled (ParentBased): the inner span is a child of the outer span, in its trace, dropped", async () => {
    recording.current = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const row = rowWithFlags("00");
    let outer!: { traceId: string; spanId: string };
    class Worker {
      @traced({ name: "process" })
      async process(job: typeof row) {
        outer = activeIds();
        await this.step(job);
      }
      @traced({ name: "step" })
      async step(_job: typeof row) {}
    }
    await new Worker().process(row);
    assert.deepEqual(asked.get("process"), { traceId: STORED_TRACE, parentId: STORED_SPAN });
    assert.deepEqual(asked.get("step"), { traceId: STORED_TRACE, parentId: outer.spanId });
    assert.equal(exporter.getFinishedSpans().length, 0);
  });

  test("link, root TraceIdRatioBased(0.5): an outer root the ratio drops has no inner root the ratio keeps (no stray trace)", async () => {
    recording.current = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.5) });
    const row = rowWithFlags("01");
    // The outer root gets a trace id the ratio drops; a second root would get one it keeps.
    nextTraceIds.push(traceIdDecided(true), traceIdDecided(false));
    let outer!: { traceId: string; spanId: string };
    let inner!: { traceId: string; spanId: string };
    await withCarrier(
      row,
      "outer",
      async () => {
        outer = activeIds();
        await withCarrier(row, "inner", () => (inner = activeIds()));
        await withCarrier(row, "inner link", () => undefined, { relation: "link" });
      },
      { relation: "link" },
    );
    // Nothing of the job is exported: no stray root of its own for the inner link restore.
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.name),
      [],
    );
    assert.deepEqual(asked.get("outer")?.parentId, undefined);
    assert.deepEqual(asked.get("inner"), { traceId: outer.traceId, parentId: outer.spanId });
    assert.deepEqual(asked.get("inner link"), { traceId: outer.traceId, parentId: outer.spanId });
    assert.equal(inner.traceId, outer.traceId);
  });

  test("link, LinkAwareSampler over an AlwaysOff root, stored context unsampled: the inner span stays in the outer's dropped trace", async () => {
    recording.current = new LinkAwareSampler(new ParentBasedSampler({ root: new AlwaysOffSampler() }));
    const row = rowWithFlags("00");
    let outer!: { traceId: string; spanId: string };
    await withCarrier(
      row,
      "outer",
      () => {
        outer = activeIds();
        return trace.getTracer("user").startActiveSpan("user step", (span) => {
          withCarrier(row, "inner", () => undefined);
          span.end();
        });
      },
      { relation: "link" },
    );
    assert.notEqual(outer.traceId, STORED_TRACE);
    assert.equal(asked.get("inner")?.traceId, outer.traceId);
    assert.equal(asked.get("user step")?.parentId, outer.spanId);
    assert.equal(exporter.getFinishedSpans().length, 0);
  });

  test("after the dropped outer span ended (a callback run later): not nested, the stored parent restored again", async () => {
    recording.current = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const row = rowWithFlags("00");
    let later!: Promise<unknown>;
    await withCarrier(row, "outer", () => {
      later = new Promise((resolve) =>
        setImmediate(() => resolve(withCarrier(row, "later", () => undefined))),
      );
    });
    await later;
    assert.deepEqual(asked.get("later"), { traceId: STORED_TRACE, parentId: STORED_SPAN });
  });

  test("the dropped outer span ended early by its function: a restore after that is not nested, as under a sampled one", async () => {
    recording.current = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const row = rowWithFlags("00");
    let outer!: { traceId: string; spanId: string };
    await withCarrier(row, "outer", async (span) => {
      outer = activeIds();
      await withCarrier(row, "before end", () => undefined);
      span.end(); // the step is over, though fn goes on
      await withCarrier(row, "after end", () => undefined);
    });
    assert.deepEqual(asked.get("before end"), { traceId: STORED_TRACE, parentId: outer.spanId });
    assert.deepEqual(asked.get("after end"), { traceId: STORED_TRACE, parentId: STORED_SPAN });
  });

  test("the sampled outer span ended early by its function: a restore after that is not nested (what the dropped case agrees with)", async () => {
    recording.current = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const row = rowWithFlags("01");
    await withCarrier(row, "outer", async (span) => {
      span.end();
      await withCarrier(row, "after end", () => undefined);
    });
    assert.deepEqual(asked.get("after end"), { traceId: STORED_TRACE, parentId: STORED_SPAN });
    assert.equal(exporter.getFinishedSpans().length, 2);
  });

  test("a dropped outer span ended early, under link with a ratio root sampler: the later restore is a restore of its own (the default relation, a child of the stored span), as under a sampled one", async () => {
    recording.current = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.5) });
    const row = rowWithFlags("01");
    nextTraceIds.push(traceIdDecided(true));
    let outer!: { traceId: string; spanId: string };
    await withCarrier(
      row,
      "outer",
      async (span) => {
        outer = activeIds();
        span.end();
        await withCarrier(row, "after end", () => undefined);
      },
      { relation: "link" },
    );
    assert.notEqual(outer.traceId, STORED_TRACE);
    assert.deepEqual(asked.get("after end"), { traceId: STORED_TRACE, parentId: STORED_SPAN });
    // The same under a sampled outer root ended early: the ratio keeps this trace id.
    exporter.reset();
    nextTraceIds.push(traceIdDecided(false));
    await withCarrier(
      row,
      "sampled outer",
      async (span) => {
        span.end();
        await withCarrier(row, "after sampled end", () => undefined);
      },
      { relation: "link" },
    );
    assert.deepEqual(asked.get("after sampled end"), { traceId: STORED_TRACE, parentId: STORED_SPAN });
  });

  test("a message without a context (withBatchItem) after the dropped outer span ended early: not under the ended span, as under a sampled one", async () => {
    recording.current = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    for (const flags of ["00", "01"] as const) {
      asked.clear();
      let outer!: { traceId: string; spanId: string };
      await withCarrier(rowWithFlags(flags), "outer", async (span) => {
        outer = activeIds();
        withBatchItem({ id: 2 }, "before end", () => undefined);
        span.end();
        withBatchItem({ id: 3 }, "after end", () => undefined);
      });
      assert.deepEqual(asked.get("before end"), { traceId: outer.traceId, parentId: outer.spanId }, flags);
      assert.equal(asked.get("after end")?.parentId, undefined, flags);
      assert.notEqual(asked.get("after end")?.traceId, outer.traceId, flags);
    }
  });

  test("the dropped span fn gets is the active span inside fn, across awaits, in the stored trace", async () => {
    recording.current = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const row = rowWithFlags("00");
    let given!: Span;
    let active: Span | undefined;
    await withCarrier(row, "outer", async (span) => {
      given = span;
      await Promise.resolve();
      active = trace.getActiveSpan();
    });
    assert.equal(active, given);
    assert.equal(given.isRecording(), false);
    assert.equal(given.spanContext().traceId, STORED_TRACE);
    assert.equal(asked.get("outer")?.parentId, STORED_SPAN);
  });

  test("a sampled outer restore: nesting as before, both exported in one trace", async () => {
    recording.current = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const row = rowWithFlags("01");
    await withCarrier(row, "outer", () => withCarrier(row, "inner", () => undefined));
    const [inner, outer] = exporter.getFinishedSpans();
    assert.equal(outer!.name, "outer");
    assert.equal(inner!.parentSpanContext?.spanId, outer!.spanContext().spanId);
    assert.equal(inner!.spanContext().traceId, STORED_TRACE);
  });
});
