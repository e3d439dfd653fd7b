import { trace, TraceFlags, type Context, type SpanContext } from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { normalizeHexId } from "../w3c/traceparent.js";
import { DECISION_MAKER_EXTERNAL_OVERRIDE, DECISION_MAKER_TAG, TRACESTATE_DD_KEY } from "./constants.js";
import { storedDatadogContextFor, type DatadogContext } from "./datadog-context.js";
import { decodeDdMember, isPropagatablePriority } from "./tracestate-dd.js";

/** The Datadog fields one injection writes, identical for the `datadog` and `tracecontext` styles. */
export interface InjectionFields {
  /** Always set: the stored priority when it agrees with the sampled flag, else 1 or 0. */
  samplingPriority: number;
  origin?: string;
  /** `_dd.p.*` tags (read-only; may be the stored object). */
  tags?: Readonly<Record<string, string>>;
  lastParentId?: string;
}

/**
 * Internal: one context's injection, read once for every Datadog-aware style that writes it
 * (`datadog`, `tracecontext`): `createPropagator`'s composite resolves it once per inject and hands
 * it to each of those styles, which would otherwise each read the span, check suppression and
 * validity, and derive the same {@link InjectionFields}. Each style's own `inject` resolves it too.
 */
export interface ResolvedInjection {
  /** The context injected. */
  context: Context;
  /** Its span context: ids valid (`isSpanContextValid`), tracing not suppressed. */
  spanContext: SpanContext;
  /** The span context's trace id (32) and span id (16), lower-case hex ({@link normalizeHexId}). */
  traceId: string;
  spanId: string;
  /**
   * False for a W3C-only trace (no Datadog fields in the context, no `dd=` member in tracestate):
   * the `tracecontext` style then writes plain W3C headers.
   */
  hasDatadogFields: boolean;
  /** {@link fieldsFrom} of the span context (priority from the flag for a W3C-only trace). */
  fields: InjectionFields;
  /** `x-datadog-trace-id` kept by the extraction of this very trace, when there is one. */
  traceIdDecimal: string | undefined;
}

/**
 * Internal: the {@link ResolvedInjection} of `context`, or `undefined` when neither Datadog-aware
 * style writes anything for it (no span context, invalid ids, or suppressed tracing).
 */
export function resolveInjection(context: Context): ResolvedInjection | undefined {
  const spanContext = trace.getSpanContext(context);
  if (!spanContext || isTracingSuppressed(context)) return undefined;
  const stored = storedDatadogContextFor(context, spanContext.traceId);
  const dd = stored?.fields;
  const resolved = resolveSpanInjection(
    context,
    spanContext,
    dd,
    dd === undefined ? spanContext.traceState?.get(TRACESTATE_DD_KEY) : undefined,
  );
  if (resolved !== undefined && stored !== undefined && stored.traceId === resolved.traceId)
    resolved.traceIdDecimal = stored.traceIdDecimal;
  return resolved;
}

/**
 * Internal: the {@link ResolvedInjection} of an unsuppressed `spanContext` of `context` whose stored
 * Datadog fields `dd` (else `dd=` member value `raw`) the caller has read; `undefined` when an id is
 * not valid hex or is all zero (the test of `isSpanContextValid`).
 */
export function resolveSpanInjection(
  context: Context,
  spanContext: SpanContext,
  dd: DatadogContext | undefined,
  raw: string | undefined,
): ResolvedInjection | undefined {
  const traceId = normalizeHexId(spanContext.traceId, 32);
  const spanId = normalizeHexId(spanContext.spanId, 16);
  if (traceId === undefined || spanId === undefined) return undefined;
  return {
    context,
    spanContext,
    traceId,
    spanId,
    hasDatadogFields: dd !== undefined || raw !== undefined,
    fields: fieldsFrom(spanContext, dd, raw),
    traceIdDecimal: undefined,
  };
}

/**
 * The Datadog fields to inject for `spanContext` (research sections E, G, I):
 *
 * - `dd`, the fields of `getDatadogContext(ctx)`; when there are none (a context restored by another
 *   W3C propagator, or a span that only inherited a tracestate), the `dd=` member of the span's
 *   tracestate (`raw`, the member's value);
 * - priority: the stored one when its sign agrees with the sampled flag (keep <=> priority > 0,
 *   rule 31); otherwise the flag decides (1 or 0, rules 33-34) and a stored decision maker becomes
 *   `-0` on keep or is removed on drop (rule 36), so both styles always describe one decision. A
 *   stored priority that is not an integer of at most 10 digits is unknown: the flag decides (rule 32).
 */
function fieldsFrom(
  spanContext: SpanContext,
  dd: DatadogContext | undefined,
  raw: string | undefined,
): InjectionFields {
  const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  let priority: number | undefined;
  let origin: string | undefined;
  let tags: Readonly<Record<string, string>> | undefined;
  let lastParentId: string | undefined;
  if (dd !== undefined) {
    priority = dd.samplingPriority;
    origin = dd.origin;
    tags = dd.propagationTags;
    lastParentId = dd.lastParentId;
  } else {
    if (raw) {
      const member = decodeDdMember(raw);
      priority = member.samplingPriority;
      origin = member.origin;
      tags = member.tags;
      lastParentId = member.lastParentId;
    }
  }
  // A priority the extractors would refuse (rule 32) counts as unknown: the flag decides.
  if (priority === undefined || !isPropagatablePriority(priority)) {
    priority = sampled ? 1 : 0;
  } else if (priority > 0 !== sampled) {
    priority = sampled ? 1 : 0;
    tags = overrideDecisionMaker(tags, sampled);
  }
  const fields: InjectionFields = { samplingPriority: priority };
  if (origin) fields.origin = origin;
  if (tags) fields.tags = tags;
  if (lastParentId !== undefined) fields.lastParentId = lastParentId;
  return fields;
}

/**
 * Tags after the W3C sampled flag overrode the Datadog priority: a decision maker becomes `-0` on
 * keep and is removed on drop (research rule 36, section L). Tags without a decision maker are
 * returned unchanged. Never mutates `tags`.
 */
export function overrideDecisionMaker(
  tags: Readonly<Record<string, string>> | undefined,
  sampled: boolean,
): Record<string, string> | undefined {
  if (tags === undefined || tags[DECISION_MAKER_TAG] === undefined) return tags;
  const copy = { ...tags };
  if (sampled) copy[DECISION_MAKER_TAG] = DECISION_MAKER_EXTERNAL_OVERRIDE;
  else delete copy[DECISION_MAKER_TAG];
  return copy;
}
