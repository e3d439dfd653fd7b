// LinkAwareSampler on a real SDK provider (registered globally in this test process, so that
// withCarrier and withBatch start their spans through it), with a root sampler that keeps nothing: a
// span is recorded only where the link rule keeps it.
import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { context, ROOT_CONTEXT, trace, TraceFlags, type Link } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
} from "@opentelemetry/sdk-trace-base";
import {
  captureCarrier,
  LinkAwareSampler,
  RestoredRootSampler,
  withBatch,
  withBatchItem,
  withCarrier,
} from "../../src/index.js";

const exporter = new InMemorySpanExporter();
const sampler = new LinkAwareSampler(new ParentBasedSampler({ root: new AlwaysOffSampler() }));
/** The provider's sampler: `sampler` unless a test puts another in `current` (restored by beforeEach). */
const switchable: Sampler & { current: Sampler } = {
  current: sampler,
  shouldSample(...args) {
    return this.current.shouldSample(...args);
  },
};
const provider = new BasicTracerProvider({
  sampler: switchable,
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = trace.getTracer("link-aware-test");
beforeEach(() => {
  exporter.reset();
  switchable.current = sampler;
});

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const link = (traceFlags: number, attributes?: Link["attributes"]): Link => ({
  context: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags, isRemote: true },
  ...(attributes ? { attributes } : {}),
});
/** Whether a span started with `links` (in `parent`) is recorded. */
const recorded = (links: Link[], parent = ROOT_CONTEXT): boolean => {
  const span = tracer.startSpan("s", { links }, parent);
  const recording = span.isRecording();
  span.end();
  return recording;
};

describe("LinkAwareSampler", () => {
  test("a root span linked to a sampled context is kept; to an unsampled one, the root sampler decides", () => {
    assert.equal(tracer.startSpan("kept", { links: [link(TraceFlags.SAMPLED)] }).isRecording(), true);
    assert.equal(tracer.startSpan("dropped", { links: [link(TraceFlags.NONE)] }).isRecording(), false);
    assert.equal(tracer.startSpan("no links").isRecording(), false);
    assert.equal(
      tracer
        .startSpan("one of two", { links: [link(TraceFlags.NONE), link(TraceFlags.SAMPLED)] })
        .isRecording(),
      true,
    );
  });

  test("the extraction's bookkeeping links (reason=...) and invalid contexts do not count", () => {
    for (const reason of ["terminated_context", "propagation_behavior_extract"])
      assert.equal(
        recorded([link(TraceFlags.SAMPLED, { reason, context_headers: "tracecontext" })]),
        false,
        reason,
      );
    const invalid: Link = {
      context: { traceId: "0".repeat(32), spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED },
    };
    assert.equal(recorded([invalid]), false);
  });

  test("a span with a parent follows the root sampler (ParentBased: the parent's flag), links or not", () => {
    const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    assert.equal(
      tracer.startSpan("child", { links: [link(TraceFlags.SAMPLED)] }, unsampledParent).isRecording(),
      false,
    );
  });

  test("withCarrier in link mode keeps the new trace of a sampled stored context; withBatch of sampled messages", () => {
    const sampled = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` };
    const unsampled = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` };
    withCarrier(sampled, "linked-sampled", () => undefined, { relation: "link" });
    withCarrier(unsampled, "linked-unsampled", () => undefined, { relation: "link" });
    withBatch([unsampled, sampled], "batch", () => undefined, { root: true });
    assert.deepEqual(
      exporter
        .getFinishedSpans()
        .map((span) => span.name)
        .sort(),
      ["batch", "linked-sampled"],
    );
    const kept = exporter.getFinishedSpans().find((span) => span.name === "linked-sampled")!;
    assert.notEqual(kept.spanContext().traceId, TRACE_ID, "a new trace");
    assert.equal(kept.parentSpanContext, undefined);
  });

  test("links to local spans do not count: an unsampled message's item span inside a sampled batch is dropped", () => {
    const unsampled = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` };
    const sampled = { traceparent: `00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01` };
    withBatch(
      [sampled, unsampled],
      "batch",
      () => withBatchItem(unsampled, "item", () => undefined, { relation: "link" }),
      { root: true },
    );
    assert.deepEqual(
      exporter.getFinishedSpans().map((span) => span.name),
      ["batch"],
    );
  });

  test("link mode from a sampled Synthetics context (parent id 0, linked with span id 0) keeps the new trace", () => {
    const synthetics = (priority: string) => ({
      "x-datadog-trace-id": "42",
      "x-datadog-parent-id": "0",
      "x-datadog-sampling-priority": priority,
    });
    withCarrier(synthetics("1"), "from-synthetics", () => undefined, { relation: "link" });
    withCarrier(synthetics("0"), "from-dropped-synthetics", () => undefined, { relation: "link" });
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((span) => span.name),
      ["from-synthetics"],
    );
    assert.deepEqual(
      spans[0]!.links.map((l) => [l.context.traceId, l.context.spanId]),
      [["0000000000000000000000000000002a", "0000000000000000"]],
    );
  });

  test("a Datadog user decision kept in link mode wins over links and over the root sampler", () => {
    // A root sampler that distrusts remote parents: the user's keep must still keep.
    switchable.current = new LinkAwareSampler(
      new ParentBasedSampler({ root: new AlwaysOffSampler(), remoteParentSampled: new AlwaysOffSampler() }),
    );
    const datadog = (priority: string) => ({
      "x-datadog-trace-id": "11803532876627986230",
      "x-datadog-parent-id": "67667974448284343",
      "x-datadog-sampling-priority": priority,
    });
    withCarrier(datadog("2"), "user-keep", () => undefined, { relation: "link" });
    withCarrier(datadog("-1"), "user-drop", () => undefined, { relation: "link" });
    withCarrier(datadog("1"), "auto-keep", () => undefined, { relation: "link" });
    // The user's drop stays a drop; an automatic keep is kept through the sampled link.
    assert.deepEqual(
      exporter
        .getFinishedSpans()
        .map((span) => span.name)
        .sort(),
      ["auto-keep", "user-keep"],
    );
  });

  test("every decision is a fresh object (a wrapping sampler may add attributes to it)", () => {
    const decide = () => sampler.shouldSample(ROOT_CONTEXT, TRACE_ID, "s", 0, {}, [link(TraceFlags.SAMPLED)]);
    const first = decide();
    const second = decide();
    assert.notEqual(first, second);
    assert.deepEqual(first, second);
  });

  test("a root that is not a Sampler is a TypeError; toString names the root sampler", () => {
    assert.throws(
      () => new LinkAwareSampler({} as never),
      /^TypeError: tracehop LinkAwareSampler: root must be a Sampler/,
    );
    assert.equal(
      String(sampler),
      "LinkAwareSampler{root=ParentBased{root=AlwaysOffSampler, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}}",
    );
  });
});

describe("RestoredRootSampler around samplers that ignore parents (withCarrier's placeholder parents)", () => {
  const synthetics = (priority: string) => ({
    "x-datadog-trace-id": "1234567890",
    "x-datadog-parent-id": "0",
    "x-datadog-sampling-priority": priority,
    "x-datadog-origin": "synthetics",
  });
  /** What withCarrier's span and a child inside it do under `wrapped`, and what goes downstream. */
  const restoreUnder = (wrapped: Sampler, carrier: Record<string, string>, relation?: "link") => {
    switchable.current = new RestoredRootSampler(wrapped);
    return withCarrier(
      carrier,
      "restored",
      (span) => {
        const child = tracer.startSpan("child");
        const seen = { restored: span.isRecording(), child: child.isRecording(), out: captureCarrier() };
        child.end();
        return seen;
      },
      relation ? { relation } : {},
    );
  };

  test("a Synthetics restore follows its priority, not AlwaysOn / AlwaysOff / a ratio of 0", () => {
    for (const wrapped of [new AlwaysOnSampler(), new AlwaysOffSampler(), new TraceIdRatioBasedSampler(0)]) {
      for (const [priority, kept] of [
        ["2", true],
        ["1", true],
        ["0", false],
        ["-1", false],
      ] as const) {
        const seen = restoreUnder(wrapped, synthetics(priority));
        assert.deepEqual([seen.restored, seen.child], [kept, kept], `${wrapped} priority ${priority}`);
        assert.equal(seen.out["x-datadog-trace-id"], "1234567890");
        assert.equal(seen.out["x-datadog-sampling-priority"], priority, `${wrapped} priority ${priority}`);
        assert.equal(seen.out["x-datadog-origin"], "synthetics");
      }
    }
  });

  test("link mode keeps a user's decision (2 / -1) over AlwaysOff / AlwaysOn", () => {
    const stored = (priority: string) => ({ ...synthetics(priority), "x-datadog-parent-id": "99" });
    const kept = restoreUnder(new AlwaysOffSampler(), stored("2"), "link");
    assert.deepEqual([kept.restored, kept.child, kept.out["x-datadog-sampling-priority"]], [true, true, "2"]);
    const dropped = restoreUnder(new AlwaysOnSampler(), stored("-1"), "link");
    assert.deepEqual(
      [dropped.restored, dropped.child, dropped.out["x-datadog-sampling-priority"]],
      [false, false, "-1"],
    );
  });

  test("ordinary traffic is the wrapped sampler's: a child of a sampled W3C parent under AlwaysOff is dropped", () => {
    const seen = restoreUnder(new AlwaysOffSampler(), {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    assert.deepEqual([seen.restored, seen.child], [false, false]);
  });
});
