import type { Link } from "@opentelemetry/api";
import { describeValue, isPlainObject } from "../describe-value.js";

/** A trace id as OTLP carries it: 32 hex characters (W3C Trace Context §3.2.2.3). */
const TRACE_ID = /^[0-9a-f]{32}$/i;
/** A span id as OTLP carries it: 16 hex characters (W3C Trace Context §3.2.2.4, parent-id). */
const SPAN_ID = /^[0-9a-f]{16}$/i;

/**
 * What is wrong with `link` as a span link (`{ context: SpanContext, attributes? }`), as the end of a
 * sentence starting "got" (`{ context: null }`), or `undefined` when it is one: its `context` holds a
 * `traceId` of 32 and a `spanId` of 16 hex characters (all zeros allowed: the OpenTelemetry
 * specification lets a link to an invalid SpanContext be recorded when it carries attributes), and its
 * `attributes`, when given, are a plain object. The SDK takes any value as a link; its OTLP serializer
 * then throws on a link without ids (failing its whole export batch), and a collector refuses a request
 * whose ids are not hex. Never throws: a link whose fields cannot be read (a revoked Proxy) is no link.
 */
export function spanLinkProblem(link: unknown): string | undefined {
  try {
    if (typeof link !== "object" || link === null) return describeValue(link);
    const { context, attributes } = link as Link;
    if (typeof context !== "object" || context === null) return `{ context: ${describeValue(context)} }`;
    const { traceId, spanId } = context;
    if (typeof traceId !== "string" || !TRACE_ID.test(traceId))
      return `{ context: { traceId: ${describeValue(traceId)}, ... } }`;
    if (typeof spanId !== "string" || !SPAN_ID.test(spanId))
      return `{ context: { spanId: ${describeValue(spanId)}, ... } }`;
    if (attributes !== undefined && !isPlainObject(attributes))
      return `{ context, attributes: ${describeValue(attributes)} }`;
    return undefined;
  } catch {
    return "a link whose fields cannot be read";
  }
}
