// The span `withCarrier` hands its function is the very object the tracer returned, sampled or dropped
// by the sampler (docs/restore.md "Nested restores"): no wrapper of the Span interface, so a method a
// later @opentelemetry/api adds, the SDK's own fields and `instanceof` behave the same either way. A real
// SDK provider (ParentBased(AlwaysOff) root), registered globally, whose tracers record what they return.
import { test } from "node:test";
import assert from "node:assert/strict";
import { context, trace, type Span, type Tracer, type TracerProvider } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AlwaysOffSampler, BasicTracerProvider, ParentBasedSampler } from "@opentelemetry/sdk-trace-base";
import { withCarrier } from "../../src/index.js";

const sdk = new BasicTracerProvider({ sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) });
/** Every span the SDK's tracers returned, in order. */
const returned: Span[] = [];
const recordingProvider: TracerProvider = {
  getTracer(name, version, options): Tracer {
    const tracer = sdk.getTracer(name, version, options);
    return {
      startSpan(...args: Parameters<Tracer["startSpan"]>) {
        const span = tracer.startSpan(...args);
        returned.push(span);
        return span;
      },
      startActiveSpan: tracer.startActiveSpan.bind(tracer) as Tracer["startActiveSpan"],
    };
  },
};
trace.setGlobalTracerProvider(recordingProvider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const row = (flags: "00" | "01") => ({
  id: 1,
  traceContext: { traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flags}` },
});

for (const [label, flags, recording] of [
  ["sampled", "01", true],
  ["dropped by the sampler", "00", false],
] as const) {
  test(`withCarrier hands fn the tracer's own span when ${label}`, () => {
    returned.length = 0;
    const seen = withCarrier(row(flags), "job", (span) => ({ span, active: trace.getActiveSpan() }));
    assert.equal(returned.length, 1);
    const own = returned[0]!;
    assert.equal(own.isRecording(), false, "ended by now (a dropped span never records)");
    assert.strictEqual(seen.span, own);
    assert.strictEqual(seen.active, own);
    assert.equal(own.constructor.name, recording ? "SpanImpl" : "NonRecordingSpan");
  });

  test(`a restore nested in one ${label} gets the tracer's own span too, a child of the outer`, () => {
    returned.length = 0;
    const seen = withCarrier(row(flags), "outer", (outer) =>
      withCarrier(row(flags), "inner", (inner) => ({ outer, inner, active: trace.getActiveSpan() })),
    );
    assert.equal(returned.length, 2);
    assert.strictEqual(seen.outer, returned[0]);
    assert.strictEqual(seen.inner, returned[1]);
    assert.strictEqual(seen.active, returned[1]);
  });
}
