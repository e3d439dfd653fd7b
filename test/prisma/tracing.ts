/**
 * A real OpenTelemetry SDK for the Prisma tests (AsyncLocalStorage context, spans kept in memory), what a
 * stored carrier of a span holds, and a propagator that fails.
 */
import { inSpanOf } from "../support/sdk.js";

import assert from "node:assert/strict";
import type { TextMapPropagator } from "@opentelemetry/api";
import { datadogSpanId, datadogTraceId } from "../support/datadog-ids.js";
export { exporter } from "../support/sdk.js";

/** Runs `fn` inside a new active span (ended afterwards) and returns its result. */
export const inSpan = inSpanOf("tracehop-prisma-test");

/** Asserts that `carrier` continues `span`: W3C and Datadog ids are those of the span. */
export function assertCarrierOf(
  carrier: unknown,
  span: { spanContext(): { traceId: string; spanId: string } },
) {
  const { traceId, spanId } = span.spanContext();
  const c = carrier as Record<string, string>;
  assert.equal(c.traceparent, `00-${traceId}-${spanId}-01`);
  assert.equal(c["x-datadog-trace-id"], datadogTraceId(traceId));
  assert.equal(c["x-datadog-parent-id"], datadogSpanId(spanId));
}

/** A propagator whose inject always throws: the extension's capture fails. */
export const throwingPropagator: TextMapPropagator = {
  inject() {
    throw new Error("inject failed on purpose");
  },
  extract: (ctx) => ctx,
  fields: () => [],
};
