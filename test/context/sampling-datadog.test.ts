// Sampling through restore, and what the Datadog extraction hands to the restored span: the root of
// a Synthetics trace (parent id 0), links for conflicting styles, `_dd.parent_id`. Expected values come
// from the Datadog vectors in test/fixtures/datadog-vectors.json.
import { describe, test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { context, trace, TraceFlags, type Span } from "@opentelemetry/api";
import { captureCarrier, createPropagator, getDatadogContext, withCarrier } from "../../src/index.js";
import { exporter, finishedSpan, linksOf, parentIdOf, W3C_TRACE_ID } from "./tracing.js";

beforeEach(() => exporter.reset());

interface Vector {
  id: string;
  styles: string[];
  carrier: Record<string, string>;
  expect: Record<string, any>;
}
const vectors: Vector[] = JSON.parse(
  readFileSync(new URL("../fixtures/datadog-vectors.json", import.meta.url), "utf8"),
);
const vector = (id: string): Vector => {
  const found = vectors.find((v) => v.id === id);
  if (!found) throw new Error(`vector ${id} missing from test/fixtures/datadog-vectors.json`);
  return found;
};

describe("sampling: an unsampled stored context gives non-recording spans (ParentBased sampler)", () => {
  const unsampled: [string, Record<string, string>, string][] = [
    ["W3C flags 00", { traceparent: `00-${W3C_TRACE_ID}-00f067aa0ba902b7-00` }, "0"],
    [
      "Datadog priority 0",
      {
        "x-datadog-trace-id": "1234567890123456789",
        "x-datadog-parent-id": "987654321",
        "x-datadog-sampling-priority": "0",
      },
      "0",
    ],
  ];
  for (const [label, carrier, priority] of unsampled) {
    test(`${label}: not recorded, not exported, and the next hop stays unsampled`, () => {
      const seen = withCarrier(carrier, "unsampled", (span: Span) => {
        const child = trace.getTracer("app").startSpan("child");
        child.end();
        return { recording: span.isRecording(), childRecording: child.isRecording(), out: captureCarrier() };
      });
      assert.equal(seen.recording, false);
      assert.equal(seen.childRecording, false);
      assert.equal(exporter.getFinishedSpans().length, 0);
      assert.ok(seen.out.traceparent?.endsWith("-00"), seen.out.traceparent);
      assert.equal(seen.out["x-datadog-sampling-priority"], priority);
    });
  }

  test("link mode with an automatic drop (0): the new trace gets its own decision; the link keeps flags 00", () => {
    const carrier = { traceparent: `00-${W3C_TRACE_ID}-00f067aa0ba902b7-00` };
    withCarrier(carrier, "fresh-decision", () => undefined, { relation: "link" });
    const span = finishedSpan("fresh-decision");
    assert.equal(span.spanContext().traceFlags, TraceFlags.SAMPLED, "the default sampler keeps the new root");
    assert.deepEqual(linksOf(span), [{ traceId: W3C_TRACE_ID, spanId: "00f067aa0ba902b7", traceFlags: 0 }]);
  });
});

describe("Datadog parent id 0 (Synthetics): a root span that keeps the stored trace id", () => {
  const v = vector("dd-parent-zero-synthetics");
  const propagator = createPropagator(v.styles);

  test("parent relation: the exported span has the stored trace id and no parent; origin is kept", () => {
    const dd = withCarrier(v.carrier, "synthetics", () => getDatadogContext(context.active()), {
      propagator,
    });
    const span = finishedSpan("synthetics");
    assert.equal(span.spanContext().traceId, v.expect.traceId);
    assert.equal(parentIdOf(span), undefined);
    assert.equal(
      (span.spanContext().traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
      v.expect.sampled,
    );
    assert.equal(dd?.origin, v.expect.origin);
    assert.equal(dd?.samplingPriority, v.expect.samplingPriority);
    assert.equal(span.attributes["tracehop.relation"], "parent");
  });

  test("the next hop continues the Synthetics trace with the new span as parent", () => {
    const out = withCarrier(v.carrier, "synthetics-hop", () => captureCarrier({ propagator }), {
      propagator,
    });
    const span = finishedSpan("synthetics-hop");
    assert.equal(out["x-datadog-trace-id"], v.carrier["x-datadog-trace-id"]);
    assert.equal(out["x-datadog-parent-id"], BigInt("0x" + span.spanContext().spanId).toString(10));
    assert.equal(out["x-datadog-origin"], v.expect.origin);
  });

  test("a root span started inside withCarrier's function does not take the trace (ExtractionSpanProcessor registered)", () => {
    const inner = withCarrier(
      v.carrier,
      "synthetics-inner",
      () => trace.getTracer("app").startSpan("inner", { root: true }).spanContext().traceId,
      { propagator },
    );
    assert.equal(finishedSpan("synthetics-inner").spanContext().traceId, v.expect.traceId);
    assert.notEqual(inner, v.expect.traceId);
  });

  test("link relation: a new trace linked to the Synthetics trace with span id 0 (as dd-trace); the origin carries over", () => {
    const dd = withCarrier(v.carrier, "synthetics-link", () => getDatadogContext(context.active()), {
      propagator,
      relation: "link",
    });
    const span = finishedSpan("synthetics-link");
    assert.notEqual(span.spanContext().traceId, v.expect.traceId);
    assert.equal(parentIdOf(span), undefined);
    assert.deepEqual(
      span.links.map((link) => [link.context.traceId, link.context.spanId]),
      [[v.expect.traceId, "0000000000000000"]],
    );
    assert.equal(dd?.origin, v.expect.origin);
  });
});

describe("what the extraction found goes on the span", () => {
  test("conflicting styles: the losing contexts become span links (parent and link relation)", () => {
    const v = vector("both-disagree-datadog-first");
    const propagator = createPropagator(v.styles);
    withCarrier(v.carrier, "conflict", () => undefined, { propagator });
    withCarrier(v.carrier, "conflict-link", () => undefined, { propagator, relation: "link" });
    const span = finishedSpan("conflict");
    assert.equal(span.spanContext().traceId, v.expect.traceId);
    assert.deepEqual(
      span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
      v.expect.links,
    );
    assert.equal(span.links[0]?.attributes?.reason, "terminated_context");
    const linked = finishedSpan("conflict-link");
    assert.deepEqual(
      linked.links.map((l) => l.context.traceId),
      [...v.expect.links.map((l: { traceId: string }) => l.traceId), v.expect.traceId],
    );
  });

  test("_dd.parent_id carries the last Datadog parent in parent relation, not in link relation", () => {
    const v = vector("both-agree-parent-differs-p-mismatch");
    const propagator = createPropagator(v.styles);
    withCarrier(v.carrier, "dd-parent", () => undefined, { propagator });
    withCarrier(v.carrier, "dd-parent-link", () => undefined, { propagator, relation: "link" });
    assert.equal(finishedSpan("dd-parent").attributes["_dd.parent_id"], v.expect.lastParentId);
    assert.equal(finishedSpan("dd-parent-link").attributes["_dd.parent_id"], undefined);
  });
});
