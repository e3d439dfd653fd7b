import { trace, type Context, type Span } from "@opentelemetry/api";
import { FLAG_RANDOM } from "./constants.js";

/**
 * Keeps the W3C Level 2 `random` trace flag (0x02) on a span started under `parent`.
 *
 * Trace Context Level 2 §3.2.2.5.2: "If the flag is set in the incoming traceparent header, it MUST
 * also be set in all outgoing traceparent headers which use the same trace-id". The OpenTelemetry JS
 * SDK (`@opentelemetry/sdk-trace` 2.12 `Tracer.startSpan`) gives every new span exactly `SAMPLED`
 * or `NONE`, so a child of a restored `-02`/`-03` parent would send `-00`/`-01` (the w3c/trace-context
 * test suite's `test_propagates_random_flag` fails for an SDK service). Call this right after
 * `tracer.startSpan(name, options, parent)`.
 *
 * It sets the bit on the span's SpanContext when the parent carries it and both share the trace id;
 * otherwise it changes nothing. It relies on `span.spanContext()` returning the span's own object, as
 * the SDK's `SpanImpl` and the API's `NonRecordingSpan` do; with any other span it has no effect.
 * Returns whether the span now carries the flag. Never throws.
 */
export function inheritRandomFlag(span: Span, parent: Context): boolean {
  try {
    const parentContext = trace.getSpanContext(parent);
    if (!parentContext || (parentContext.traceFlags & FLAG_RANDOM) === 0) return false;
    const spanContext = span.spanContext();
    if (spanContext.traceId !== parentContext.traceId) return false;
    if ((spanContext.traceFlags & FLAG_RANDOM) === 0) {
      (spanContext as { traceFlags: number }).traceFlags = spanContext.traceFlags | FLAG_RANDOM;
    }
    return (span.spanContext().traceFlags & FLAG_RANDOM) !== 0;
  } catch {
    return false;
  }
}
