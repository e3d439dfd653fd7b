import { TraceFlags, type Context, type SpanContext } from "@opentelemetry/api";
import { DECISION_MAKER_EXTERNAL_OVERRIDE, DECISION_MAKER_TAG, TRACESTATE_DD_KEY } from "./constants.js";
import { getDatadogContext, type DatadogContext } from "./datadog-context.js";
import { decodeDdMember } from "./tracestate-dd.js";

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
 * The Datadog fields to inject for `spanContext` in `ctx` (research sections E, G, I); `dd` is
 * `getDatadogContext(ctx)`, passed by a caller that has already read it:
 *
 * - the fields of {@link getDatadogContext}; when there are none (a context restored by another
 *   W3C propagator, or a span that only inherited a tracestate), the `dd=` member of the span's
 *   tracestate;
 * - priority: the stored one when its sign agrees with the sampled flag (keep <=> priority > 0,
 *   rule 31); otherwise the flag decides (1 or 0, rules 33-34) and a stored decision maker becomes
 *   `-0` on keep or is removed on drop (rule 36), so both styles always describe one decision.
 */
export function injectionFields(
  ctx: Context,
  spanContext: SpanContext,
  dd: DatadogContext | undefined = getDatadogContext(ctx),
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
    const raw = spanContext.traceState?.get(TRACESTATE_DD_KEY);
    if (raw) {
      const member = decodeDdMember(raw);
      priority = member.samplingPriority;
      origin = member.origin;
      tags = member.tags;
      lastParentId = member.lastParentId;
    }
  }
  if (priority === undefined) {
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
