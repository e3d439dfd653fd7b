import { createContextKey, trace, type Context } from "@opentelemetry/api";

/**
 * The Datadog fields of one trace that OpenTelemetry's SpanContext has no slot for.
 *
 * - `samplingPriority`: Datadog sampling priority (-1 user reject, 0 auto reject, 1 auto keep,
 *   2 user keep; any other integer is carried unchanged). Keep <=> priority > 0.
 * - `origin`: product that started the trace (`synthetics`, `rum`, ...), `x-datadog-origin`.
 * - `propagationTags`: the `_dd.p.*` propagated tags with their full key names
 *   (`{"_dd.p.dm": "-4", "_dd.p.tid": "640cfd8d00000000"}`).
 * - `lastParentId`: the last Datadog parent span id (16 lowercase hex as Datadog sends it in
 *   tracestate `p:`; copied unvalidated), exported as the `_dd.parent_id` span attribute.
 */
export interface DatadogContext {
  samplingPriority?: number;
  origin?: string;
  propagationTags: Record<string, string>;
  lastParentId?: string;
}

/** Context key; `Symbol.for` so that two copies of tracehop in one process agree. */
const DATADOG_CONTEXT_KEY = createContextKey("tracehop.datadog-context");

interface StoredDatadogContext {
  /** The trace the fields belong to: a new root started inside must not inherit them. */
  traceId: string | undefined;
  fields: DatadogContext;
}

/**
 * The Datadog fields of the trace active in `ctx`, or `undefined` when none were set or extracted.
 *
 * The fields belong to one trace: when the span in `ctx` belongs to another trace than the one the
 * fields were recorded for (a new root started inside), nothing is returned.
 */
export function getDatadogContext(ctx: Context): DatadogContext | undefined {
  const stored = ctx.getValue(DATADOG_CONTEXT_KEY) as StoredDatadogContext | undefined;
  if (!stored) return undefined;
  const traceId = trace.getSpanContext(ctx)?.traceId;
  if (stored.traceId !== undefined && traceId !== undefined && traceId !== stored.traceId) return undefined;
  return stored.fields;
}

/**
 * A copy of `ctx` carrying `fields` as the Datadog fields of the trace of the span in `ctx` (bind the
 * span first, then the fields). `propagationTags` is copied; unknown keys are kept as given.
 */
export function setDatadogContext(ctx: Context, fields: DatadogContext): Context {
  const copy: DatadogContext = { propagationTags: { ...(fields.propagationTags ?? {}) } };
  if (fields.samplingPriority !== undefined) copy.samplingPriority = fields.samplingPriority;
  if (fields.origin !== undefined) copy.origin = fields.origin;
  if (fields.lastParentId !== undefined) copy.lastParentId = fields.lastParentId;
  const stored: StoredDatadogContext = { traceId: trace.getSpanContext(ctx)?.traceId, fields: copy };
  return ctx.setValue(DATADOG_CONTEXT_KEY, stored);
}
