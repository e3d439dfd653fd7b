import { context as contextApi, isSpanContextValid, trace, type Context } from "@opentelemetry/api";
import { isContext } from "./is-context.js";
import { hex16ToDecimal } from "./propagation/datadog/ids.js";

/**
 * Field names of {@link logCorrelationFields} (Datadog log/trace correlation;
 * open-telemetry/opentelemetry-collector-contrib#3758), and the hex ids under `otel.` (OpenTelemetry,
 * "Trace Context in non-OTLP Log Formats": `trace_id` and `span_id`, lowercase hex).
 */
const LOG_DD_TRACE_ID = "dd.trace_id";
const LOG_DD_SPAN_ID = "dd.span_id";
const LOG_OTEL_TRACE_ID = "otel.trace_id";
const LOG_OTEL_SPAN_ID = "otel.span_id";

/**
 * The fields a log line needs so that Datadog links it to its trace (`dd.*`, decimal), and the same ids
 * in hex for any other backend (`otel.*`).
 */
export interface LogCorrelationFields {
  /** Low 64 bits of the trace id as an unsigned decimal string: the id Datadog files the trace under. */
  "dd.trace_id": string;
  /** Span id as an unsigned decimal string. */
  "dd.span_id": string;
  /** The full OpenTelemetry trace id, 32 lowercase hex (the log data model's `trace_id`). */
  "otel.trace_id": string;
  /** The span id, 16 lowercase hex (the log data model's `span_id`). */
  "otel.span_id": string;
}

/**
 * Log correlation for the span active in `ctx` (default: the active context): `dd.trace_id` is the
 * low 64 bits of the trace id in decimal and `dd.span_id` the span id in decimal, as Datadog's
 * tracers write them (dd-trace-js `span_context.js` `toTraceId`; the Datadog Agent's OTLP conversion,
 * datadog-agent `pkg/trace/transform/transform.go`, keeps the low 64 bits); `otel.trace_id` and
 * `otel.span_id` are the OpenTelemetry ids in lowercase hex, 32 and 16 digits: the values OpenTelemetry's
 * "Trace Context in non-OTLP Log Formats" (stable; the log data model's TraceId and SpanId) records,
 * but under other names. That page names them `trace_id`, `span_id` and `trace_flags` (the third is not
 * given here), as OpenTelemetry's log instrumentations (instrumentation-pino, -winston, -bunyan) inject
 * them: a backend that reads those names needs them renamed, or one of those instrumentations. The hex ids are never put where Datadog expects a decimal id
 * (open-telemetry/opentelemetry-collector-contrib#3758). Returns `undefined` when no valid span is
 * active, or when `ctx` is not a Context (`null` from an untyped caller). Never throws.
 *
 * Shape: `{ "dd.trace_id": "14573057136609150318", "dd.span_id": "67667974448284343",
 * "otel.trace_id": "88fbc3df6201cf40ca3de6411f0f456e", "otel.span_id": "00f067aa0ba902b7" }`.
 *
 * Example (pino): `logger.child(logCorrelationFields() ?? {})`.
 */
export function logCorrelationFields(ctx: Context = contextApi.active()): LogCorrelationFields | undefined {
  if (!isContext(ctx)) return undefined;
  try {
    const spanContext = trace.getSpanContext(ctx);
    if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
    // Read once: a getter could answer differently the second time.
    const { traceId, spanId } = spanContext;
    return {
      [LOG_DD_TRACE_ID]: hex16ToDecimal(traceId.slice(16)),
      [LOG_DD_SPAN_ID]: hex16ToDecimal(spanId),
      // Lower case as documented: a span context set with A-F ids names the same trace.
      [LOG_OTEL_TRACE_ID]: traceId.toLowerCase(),
      [LOG_OTEL_SPAN_ID]: spanId.toLowerCase(),
    };
  } catch {
    return undefined; // a Context, span or span context of nobody's making (a getter or Proxy that throws)
  }
}
