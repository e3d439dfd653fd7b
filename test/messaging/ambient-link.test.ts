// The ambient-link rule (docs/messaging.md, "The span active at the call"), helper by helper and
// relation by relation: a span started for one message inside other work links the span active at the
// call when the message holds a stored context and the span relates to it (relation parent or link,
// given or resolved); never under `none`, never the stored context itself, never an ended span.
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, trace, TraceFlags, type Span } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { setRestoreDefaults, withBatchItem, withCarrier, type Relation } from "../../src/index.js";
import { withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { exporter, onlySpan, tracer } from "./tracing.js";

const STORED_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const STORED_SPAN = "00f067aa0ba902b7";
const STORED = { traceparent: `00-${STORED_TRACE}-${STORED_SPAN}-01` };
/** A capture time older than the default maxParentAge: `auto` resolves to `link`. */
const OLD = Date.now() - 60 * 60 * 1000;
const kafka = { system: "kafka", destination: "jobs" };

beforeEach(() => exporter.reset());

/** The helpers, each starting span `name` for `carrier` with `relation`. */
const HELPERS: Record<string, (carrier: unknown, relation: Relation, name: string) => void> = {
  withProcessSpan: (carrier, relation, name) =>
    withProcessSpan(carrier, { ...kafka, operationName: name, relation, capturedAt: OLD }, () => undefined),
  withBatchItem: (carrier, relation, name) =>
    withBatchItem(carrier, name, () => undefined, { relation, capturedAt: OLD }),
  'withSendSpan forward "send-span"': (carrier, relation, name) =>
    withSendSpan(
      { ...kafka, operationName: name, creationContext: carrier, relation, capturedAt: OLD },
      () => undefined,
    ),
  'withSendSpan forward "creation-context"': (carrier, relation, name) =>
    withSendSpan(
      {
        ...kafka,
        operationName: name,
        creationContext: carrier,
        forward: "creation-context",
        relation,
        capturedAt: OLD,
      },
      () => undefined,
    ),
};

/** The span named `name` (its span name starts with the operation name given). */
function started(name: string): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((s) => s.name === name || s.name.startsWith(`${name} `));
  assert.equal(spans.length, 1, `one span ${name}`);
  return spans[0]!;
}

const linkedSpanIds = (span: ReadableSpan) => span.links.map((l) => l.context.spanId);

/** Runs `fn` inside a new span "ambient" and returns that span's id. */
function inAmbient(fn: () => void): string {
  return tracer.startActiveSpan("ambient", (ambient: Span) => {
    try {
      fn();
      return ambient.spanContext().spanId;
    } finally {
      ambient.end();
    }
  });
}

describe("the ambient-link rule, each helper under each relation", () => {
  const expected: Record<Relation, { parent: boolean; links: "ambient" | "stored+ambient" | "none" }> = {
    parent: { parent: true, links: "ambient" },
    link: { parent: false, links: "stored+ambient" },
    auto: { parent: false, links: "stored+ambient" }, // an old capture time: auto resolves to link
    none: { parent: false, links: "none" },
  };
  for (const [helper, run] of Object.entries(HELPERS)) {
    for (const relation of ["parent", "link", "auto", "none"] as const) {
      test(`${helper}, relation ${relation}`, () => {
        const ambientId = inAmbient(() => run(STORED, relation, "op"));
        const span = started("op");
        const want = expected[relation];
        assert.equal(span.parentSpanContext?.spanId, want.parent ? STORED_SPAN : undefined);
        const ids = linkedSpanIds(span);
        if (want.links === "none") assert.deepEqual(ids, []);
        else if (want.links === "ambient") assert.deepEqual(ids, [ambientId]);
        // The ambient span first, then the stored context (extraction links come after the given ones).
        else assert.deepEqual(new Set(ids), new Set([ambientId, STORED_SPAN]));
        assert.equal(ids.length, new Set(ids).size, "no link twice");
      });
    }
  }

  test("the relation set by setRestoreDefaults counts as a given one (none: no ambient link)", () => {
    const previous = setRestoreDefaults({ relation: "none" });
    try {
      for (const [helper, run] of Object.entries(HELPERS)) {
        exporter.reset();
        inAmbient(() => run(STORED, undefined as unknown as Relation, "op"));
        assert.deepEqual(linkedSpanIds(started("op")), [], helper);
      }
    } finally {
      setRestoreDefaults(previous);
    }
  });

  for (const [helper, run] of Object.entries(HELPERS)) {
    test(`${helper}: a message without a context is the ambient span's child, not linked to it`, () => {
      const ambientId = inAmbient(() => run({ other: "header" }, "parent", "op"));
      const span = started("op");
      assert.equal(span.parentSpanContext?.spanId, ambientId);
      assert.deepEqual(linkedSpanIds(span), []);
    });

    test(`${helper}: the ambient span that is the stored context itself is not linked`, () => {
      tracer.startActiveSpan("creator", (creator: Span) => {
        const sc = creator.spanContext();
        run({ traceparent: `00-${sc.traceId}-${sc.spanId}-01` }, "parent", "op");
        creator.end();
      });
      assert.deepEqual(linkedSpanIds(started("op")), []);
    });

    test(`${helper}: an ended ambient span is not linked`, () => {
      const ended = tracer.startSpan("ended");
      ended.end();
      context.with(trace.setSpan(context.active(), ended), () => run(STORED, "parent", "op"));
      assert.deepEqual(linkedSpanIds(started("op")), []);
    });

    test(`${helper}: an ambient span the sampler dropped is not linked (never exported), and a message without a context is still its child`, () => {
      // A consumer whose connection was opened inside a request the sampler dropped (a health check).
      const dropped = trace.wrapSpanContext({
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: TraceFlags.NONE,
      });
      context.with(trace.setSpan(context.active(), dropped), () => run(STORED, "parent", "op"));
      const span = started("op");
      assert.equal(span.parentSpanContext?.spanId, STORED_SPAN);
      assert.deepEqual(linkedSpanIds(span), []);
      exporter.reset();
      // Its child is unsampled, as the dropped span's would be: nothing exported.
      context.with(trace.setSpan(context.active(), dropped), () => run({ other: "header" }, "parent", "op"));
      assert.deepEqual(exporter.getFinishedSpans(), []);
    });
  }

  test("withCarrier restores a job on its own: it links no ambient span, under any relation", () => {
    for (const relation of ["parent", "link", "auto", "none"] as const) {
      exporter.reset();
      inAmbient(() => withCarrier(STORED, "job", () => undefined, { relation, capturedAt: OLD }));
      assert.ok(!linkedSpanIds(onlySpan("job")).some((id) => id !== STORED_SPAN), relation);
    }
  });
});
