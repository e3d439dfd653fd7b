import {
  trace,
  TraceFlags,
  type Baggage,
  type Context,
  type SpanContext,
  type TextMapGetter,
} from "@opentelemetry/api";
import { isDeferredB3 } from "../B3StylePropagator.js";
import { TID_TAG } from "../datadog/constants.js";
import { bindDatadogContext, getDatadogContext } from "../datadog/datadog-context.js";
import { lentLastParentId } from "../datadog/DatadogTraceContextPropagator.js";
import { ZERO_HEX16 } from "../datadog/ids.js";
import { getRestoredRoot, setRestoredRoot, type StyleExtraction } from "../extraction-result.js";
import { FLAG_RANDOM } from "../w3c/constants.js";
import { isValidSpanContext } from "../w3c/traceparent.js";
import { warnExtractFailed } from "../style-failure.js";
import type { StyleMember } from "./style-member.js";
import type { PropagationStyle } from "./style-names.js";

/**
 * One style's valid extraction. `spanContext` is undefined for a restored root (parent id 0).
 * Exactly one of `context` (a style from elsewhere: the Context it returned) and `parts` (tracehop's
 * own styles: not yet in a Context) is set.
 */
export interface Candidate {
  name: PropagationStyle;
  traceId: string;
  spanContext: SpanContext | undefined;
  context?: Context;
  parts?: StyleExtraction;
}

/**
 * The {@link Candidate} of one style from `carrier`: through `member.parts` for tracehop's own styles
 * (`lendOnly` and `baggage` passed on), else through its propagator's `extract` (a context it left
 * unchanged, or whose span context is `baseSpan`'s or invalid without a restored root, is none).
 * `undefined` when the style finds nothing; a style that throws is none, said with `diag.warn` (`warnExtractFailed`).
 */
export function extractCandidate(
  member: StyleMember,
  context: Context,
  carrier: unknown,
  getter: TextMapGetter,
  baseSpan: SpanContext | undefined,
  lendOnly: boolean,
  baggage: Baggage | undefined,
): Candidate | undefined {
  const name = member.name;
  if (member.parts !== undefined) {
    let parts: StyleExtraction | undefined;
    try {
      parts = member.parts.extractParts(context, carrier, getter, lendOnly, baggage);
    } catch (err) {
      warnExtractFailed(name, err);
      return undefined;
    }
    return parts === undefined
      ? undefined
      : { name, traceId: parts.traceId, spanContext: parts.spanContext, parts };
  }
  let extracted: Context;
  try {
    extracted = member.propagator.extract(context, carrier, getter);
  } catch (err) {
    warnExtractFailed(name, err);
    return undefined;
  }
  if (extracted === context) return undefined;
  const spanContext = trace.getSpanContext(extracted);
  if (spanContext !== undefined && spanContext !== baseSpan && isValidSpanContext(spanContext))
    return { name, context: extracted, traceId: spanContext.traceId, spanContext };
  const root = getRestoredRoot(extracted);
  if (root !== undefined) return { name, context: extracted, traceId: root.traceId, spanContext: undefined };
  return undefined;
}

/**
 * Internal: true when the 128-bit hex trace ids `a` and `b` name the same trace as extraction compares
 * them (dd-trace-java `HttpCodec.traceIdMatch`): the full ids when both carry upper bits, else the low
 * 64 bits. Also read by `tracehop inspect`.
 */
export function sameTrace(a: string, b: string): boolean {
  if (a === b) return true;
  const aHigh = a.slice(0, 16);
  const bHigh = b.slice(0, 16);
  if (aHigh !== ZERO_HEX16 && bHigh !== ZERO_HEX16) return false;
  return a.slice(16) === b.slice(16);
}

/**
 * The winner after a later `candidate` of its trace (`sameTrace`; `exactTraceId`: the ids are equal):
 * a 64-bit winner (its `_dd.p.tid` lost upstream) takes the candidate's full id
 * ({@link upgradeTraceId}); a later `tracecontext` lends a winner of another style its tracestate and
 * parent ({@link adoptTraceContext}). A traceparent always carries all 128 bits: a W3C winner whose
 * upper half is zero keeps its id.
 */
export function joinSameTrace(winner: Candidate, candidate: Candidate, exactTraceId: boolean): Candidate {
  if (!exactTraceId && winner.name !== "tracecontext" && winner.traceId.startsWith(ZERO_HEX16)) {
    winner = upgradeTraceId(winner, candidate.traceId);
    exactTraceId = true;
  }
  if (candidate.name === "tracecontext" && winner.name !== "tracecontext" && candidate.spanContext)
    winner = adoptTraceContext(winner, candidate.spanContext, exactTraceId);
  return winner;
}

/**
 * A 64-bit winner (no `_dd.p.tid`: dropped with an invalid or oversized x-datadog-tags, or tag
 * propagation disabled) moved to the full 128-bit `traceId` that a later style of the same trace
 * (`tracecontext`, `b3`, `b3multi`) carries, with `_dd.p.tid` set from its upper half, as a traceparent
 * alone gives it (dd-trace-js `_extract128BitTraceId`): the trace keeps its id across the hop.
 * Datadog's tracers keep the 64-bit id there; their backend joins a 64-bit id and its 128-bit form as
 * one trace (Datadog docs "Trace IDs"), an OpenTelemetry backend would see a new trace. Never for a
 * `tracecontext` winner: its zero upper half is its id, which the W3C services upstream know it by.
 * tracehop's own winner (parts) is updated in place; another style's gets a new candidate whose Context
 * holds the new span context (and its Datadog fields, if any).
 */
function upgradeTraceId(winner: Candidate, traceId: string): Candidate {
  const high = traceId.slice(0, 16);
  const spanContext = winner.spanContext === undefined ? undefined : { ...winner.spanContext, traceId };
  const parts = winner.parts;
  if (parts !== undefined) {
    parts.traceId = traceId;
    parts.spanContext = spanContext;
    if (parts.root !== undefined) parts.root = { ...parts.root, traceId };
    parts.fields.propagationTags[TID_TAG] = high;
    parts.derivedFromW3C = false;
    winner.traceId = traceId;
    winner.spanContext = spanContext;
    return winner;
  }
  // Another style's winner always has a span context (only the datadog style restores a root).
  if (spanContext === undefined) return winner;
  let context = trace.setSpanContext(winner.context!, spanContext);
  const fields = getDatadogContext(winner.context!);
  if (fields !== undefined)
    context = bindDatadogContext(
      context,
      { ...fields, propagationTags: { ...fields.propagationTags, [TID_TAG]: high } },
      traceId,
    );
  return { name: winner.name, context, traceId, spanContext };
}

/**
 * Under `extractFirst` (`DD_TRACE_PROPAGATION_EXTRACT_FIRST`: nothing of a later style is adopted), a
 * later `tracecontext` candidate still gives the winner its W3C `random` flag when its traceparent
 * carries exactly the winner's trace id: "If the flag is set in the incoming traceparent header, it
 * MUST also be set in all outgoing traceparent headers which use the same trace-id" (Trace Context
 * Level 2 §3.2.2.5.2). The winner is returned unchanged otherwise (no candidate, another trace, no
 * flag); a restored root keeps the flag in its trace flags.
 */
export function keepRandomFlag(winner: Candidate, w3c: Candidate | undefined): Candidate {
  const winnerSpan = winner.spanContext;
  const w3cSpan = w3c?.spanContext;
  if (w3cSpan === undefined || w3c!.traceId !== winner.traceId || (w3cSpan.traceFlags & FLAG_RANDOM) === 0)
    return winner;
  const parts = winner.parts;
  if (winnerSpan === undefined) {
    // A restored root (Datadog parent id 0, only tracehop's datadog style restores one): the root
    // span started for it keeps the flag (startRootWithTraceId).
    if (parts?.root !== undefined)
      parts.root = { ...parts.root, traceFlags: parts.root.traceFlags | FLAG_RANDOM };
    return winner;
  }
  if ((winnerSpan.traceFlags & FLAG_RANDOM) !== 0) return winner;
  const spanContext: SpanContext = { ...winnerSpan, traceFlags: winnerSpan.traceFlags | FLAG_RANDOM };
  if (parts !== undefined) {
    // tracehop's own winner: built for this extraction alone, updated in place.
    parts.spanContext = spanContext;
    winner.spanContext = spanContext;
    return winner;
  }
  return {
    name: winner.name,
    context: trace.setSpanContext(winner.context!, spanContext),
    traceId: winner.traceId,
    spanContext,
  };
}

/**
 * The W3C Level 2 `random` flag (0x02) of the traceparent when it carries exactly the winner's trace id
 * (`exactTraceId`): "If the flag is set in the incoming traceparent header, it MUST also be set in all
 * outgoing traceparent headers which use the same trace-id" (Trace Context Level 2 §3.2.2.5.2).
 * Datadog headers have no such bit.
 */
function randomFlagOf(exactTraceId: boolean, w3cSpan: SpanContext): number {
  return exactTraceId ? w3cSpan.traceFlags & FLAG_RANDOM : 0;
}

/**
 * The flags of a winner that adopts a later `tracecontext` context of its trace: its own sampled flag,
 * or the W3C one when `adoptDecision` (a winner without a priority, whose flag only says "not dropped
 * yet"); plus the W3C `random` flag when the trace ids are exactly equal ({@link randomFlagOf}).
 */
function adoptedFlags(
  winnerFlags: number,
  adoptDecision: boolean,
  w3cSpan: SpanContext,
  exactTraceId: boolean,
): number {
  const flags = adoptDecision
    ? (winnerFlags & ~TraceFlags.SAMPLED) | (w3cSpan.traceFlags & TraceFlags.SAMPLED)
    : winnerFlags;
  return flags | randomFlagOf(exactTraceId, w3cSpan);
}

/**
 * A later `tracecontext` context of the winner's trace (dd-trace-js `_resolveTraceContextConflicts`,
 * dd-trace-java `applyTraceContextToFirstContext`): its tracestate is
 * adopted for re-injection; a different parent replaces the winner's, and the winner's parent is
 * kept as `lastParentId` (tracestate `p:` when present, else the winner's parent id). The winner's
 * priority, origin and tags stay. A Datadog winner without a priority (no
 * `x-datadog-sampling-priority`), and a B3 one without a sampling state (B3 "Defer", `isDeferredB3`;
 * dd-trace-js reads no priority there either), takes the W3C sampled flag, so an
 * upstream drop stays a drop: the priority stays unset, as Datadog system-tests
 * `test_tracestate_w3c_p_extract_datadog_w3c` expect, and the next injection writes 1 or 0 from the
 * flag. dd-trace-js 5 (`#mergeTraceContextState`) copies the W3C priority and `_dd.p.dm` as well: the
 * same keep or drop, `s:2` / `s:-1` written as 1 / 0. tracehop's own winner (parts) is updated in place
 * and returned; another style's gets a new candidate. `exactTraceId`: the winner's trace id is exactly
 * `w3cSpan`'s (then the W3C `random` flag is kept too).
 */
function adoptTraceContext(winner: Candidate, w3cSpan: SpanContext, exactTraceId: boolean): Candidate {
  const parts = winner.parts;
  const winnerSpan = winner.spanContext;
  // The `tracecontext` style (always tracehop's DatadogTraceContextPropagator) leaves its `p:` in its
  // tracestate: read below only when needed.
  let lastParentId: string | undefined;
  let spanContext: SpanContext;
  // A winner without a priority (a Datadog one, or B3 without a sampling state) takes the W3C sampled
  // flag (adoptedFlags).
  const adoptDecision =
    parts !== undefined ? parts.fields.samplingPriority === undefined : isDeferredB3(winner.context!);
  if (winnerSpan === undefined) {
    const root = parts !== undefined ? parts.root : getRestoredRoot(winner.context!);
    spanContext = {
      traceId: winner.traceId,
      spanId: w3cSpan.spanId,
      traceFlags:
        root === undefined
          ? w3cSpan.traceFlags | randomFlagOf(exactTraceId, w3cSpan)
          : adoptedFlags(root.traceFlags, adoptDecision, w3cSpan, exactTraceId),
      isRemote: true,
      traceState: w3cSpan.traceState,
    };
    // The Datadog parent the W3C one replaces was 0 (a restored root): `_dd.parent_id` names it too,
    // as 16 lowercase hex, as dd-trace-js does (`_dd.parent_id` 0000000000000000 without a `p:`).
    lastParentId = lentLastParentId(w3cSpan) ?? ZERO_HEX16;
  } else {
    const traceFlags = adoptedFlags(winnerSpan.traceFlags, adoptDecision, w3cSpan, exactTraceId);
    // tracehop's own winner has exactly these members (no spread needed); another style's may have more.
    spanContext =
      parts !== undefined
        ? {
            traceId: winnerSpan.traceId,
            spanId: winnerSpan.spanId,
            traceFlags,
            isRemote: winnerSpan.isRemote,
            traceState: w3cSpan.traceState,
          }
        : { ...winnerSpan, traceFlags, traceState: w3cSpan.traceState };
    if (winnerSpan.spanId !== w3cSpan.spanId) {
      spanContext.spanId = w3cSpan.spanId;
      // `_dd.parent_id` names the last Datadog span: the tracestate's `p:`, else a Datadog winner's
      // parent. A B3 winner's span id is no Datadog span (dd-trace-js `#resolveTraceContextConflicts`
      // takes only `p:` or the `x-datadog-parent-id` header).
      lastParentId = lentLastParentId(w3cSpan) ?? (parts !== undefined ? winnerSpan.spanId : undefined);
    }
  }
  if (parts !== undefined) {
    // tracehop's own winner: its parts and fields were built for this extraction alone, so they are
    // updated in place.
    if (lastParentId !== undefined) {
      parts.fields.lastParentId = lastParentId;
      parts.derivedFromW3C = false;
    }
    parts.spanContext = spanContext;
    parts.root = undefined;
    parts.clearRoot = true;
    winner.spanContext = spanContext;
    return winner;
  }
  const fields = getDatadogContext(winner.context!) ?? { propagationTags: {} };
  const adopted = lastParentId === undefined ? fields : { ...fields, lastParentId };
  let context = setRestoredRoot(trace.setSpanContext(winner.context!, spanContext), undefined);
  context = bindDatadogContext(context, adopted, winner.traceId);
  return { name: winner.name, context, traceId: winner.traceId, spanContext };
}
