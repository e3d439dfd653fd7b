// Real tracing for the restore tests: BasicTracerProvider (default sampler: ParentBased(AlwaysOn)),
// InMemorySpanExporter behind a SimpleSpanProcessor, AsyncLocalStorageContextManager.
import { publicCases } from "../support/public-cases.js";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { exporter } from "../support/sdk.js";

export { exporter, provider } from "../support/sdk.js";

/** The finished span named `name` (exactly one must exist). */
export function finishedSpan(name: string): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((s) => s.name === name);
  if (spans.length !== 1) throw new Error(`expected one finished span "${name}", found ${spans.length}`);
  return spans[0]!;
}

/** Parent span id of an exported span, or undefined for a root. */
export function parentIdOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Links of an exported span as {traceId, spanId, traceFlags}. */
export function linksOf(span: ReadableSpan): { traceId: string; spanId: string; traceFlags: number }[] {
  return span.links.map((l) => ({
    traceId: l.context.traceId,
    spanId: l.context.spanId,
    traceFlags: l.context.traceFlags,
  }));
}

export type { PublicCase } from "../support/public-cases.js";

/** A public bug case copied from ../shared/cases into test/fixtures/cases-restore.json. */
export const publicCase = publicCases("cases-restore.json");

/** The JSON carrier inside a scenario line such as `restore {"x-datadog-trace-id": ...}`. */
export function carrierInLine(line: string): Record<string, string> {
  return JSON.parse(line.slice(line.indexOf("{"), line.lastIndexOf("}") + 1));
}

/** Decimal (Datadog) form of the low 64 bits of a 32-hex trace id. */
export { datadogTraceId as lowDecimal } from "../support/datadog-ids.js";

export const W3C_CARRIER = {
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
};
/** Trace id and parent span id written in {@link W3C_CARRIER} (W3C Trace Context's own example). */
export const [, W3C_TRACE_ID, W3C_PARENT_ID] = W3C_CARRIER.traceparent.split("-") as [string, string, string];
