import type { Link, Span, SpanContext, SpanKind } from "@opentelemetry/api";
import { isRestoredRootLinkContext } from "../propagation/extraction-result.js";

/**
 * What the OpenTelemetry SDK's span object exposes beyond the API `Span` (sdk-trace-base `Span`
 * implements `ReadableSpan`: `kind`, `parentSpanContext` since SDK 2.0, `parentSpanId` before, `links`).
 * Read by duck typing, so that a span from another SDK or a no-op span simply does not match.
 */
interface ReadableSpanShape {
  kind?: unknown;
  parentSpanContext?: SpanContext;
  parentSpanId?: unknown;
  links?: unknown;
}

/** True when `span` records and is of `kind` (read from the SDK span; false when unknown). */
export function isRecordingSpanOfKind(span: Span, kind: SpanKind): boolean {
  return span.isRecording() && (span as unknown as ReadableSpanShape).kind === kind;
}

/**
 * True when `span` already continues the message whose creation context is `message`: its parent is
 * that context, or it links to it (an instrumentation in link mode, e.g. contrib amqplib
 * `useLinksForConsume`), or, for a message whose context is a restored root (Datadog parent id 0:
 * `message` has span id 0), it is a root span of that trace (`ExtractionSpanProcessor` gave it the
 * trace id). This is how a consumer helper notices that an OpenTelemetry instrumentation has already
 * started the CONSUMER span for the same message.
 */
export function continuesMessage(span: Span, message: SpanContext): boolean {
  const readable = span as unknown as ReadableSpanShape;
  if (span.spanContext().traceId === message.traceId) {
    const parent = readable.parentSpanContext;
    if (parent !== undefined && parent.spanId === message.spanId) return true;
    if (readable.parentSpanId === message.spanId) return true;
    if (isRestoredRootLinkContext(message) && parent === undefined && !readable.parentSpanId) return true;
  }
  const links = readable.links;
  if (!Array.isArray(links)) return false;
  for (const link of links as Link[]) {
    const ctx = link?.context;
    if (ctx !== undefined && ctx.spanId === message.spanId && ctx.traceId === message.traceId) return true;
  }
  return false;
}
