// The README's "Propagators": the carrier functions use tracehop's propagator from the environment, not a
// global one an SDK of the user's registers in code (found in a messaging trial: a global B3 propagator was
// ignored without a word), and `{ propagator: propagation }` hands them the global one.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { propagation, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { captureCarrier, contextFromCarrier } from "../../src/index.js";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const ctx = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: "b7ad6b7169203331",
  traceFlags: TraceFlags.SAMPLED,
});

propagation.setGlobalPropagator(new W3CTraceContextPropagator());
after(() => propagation.disable());

test("captureCarrier uses tracehop's propagator by default, the global one when given `propagation`", () => {
  assert.deepEqual(Object.keys(captureCarrier({ context: ctx })), [
    "traceparent",
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "x-datadog-tags",
  ]);
  assert.deepEqual(captureCarrier({ context: ctx, propagator: propagation }), { traceparent: TRACEPARENT });
});

test("contextFromCarrier with `propagation` reads what the global propagator reads, and only that", () => {
  const datadogOnly = { "x-datadog-trace-id": "1234", "x-datadog-parent-id": "5678" };
  assert.equal(
    trace.getSpanContext(contextFromCarrier(datadogOnly))?.traceId,
    "000000000000000000000000000004d2",
  );
  assert.equal(trace.getSpanContext(contextFromCarrier(datadogOnly, { propagator: propagation })), undefined);
  assert.equal(
    trace.getSpanContext(contextFromCarrier({ traceparent: TRACEPARENT }, { propagator: propagation }))
      ?.traceId,
    TRACE_ID,
  );
});
