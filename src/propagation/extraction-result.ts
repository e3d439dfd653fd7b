import type { Baggage, SpanContext, TraceFlags } from "@opentelemetry/api";
import { isContext } from "../is-context.js";
import { createContextKey, ROOT_CONTEXT, type Attributes, type Context, type Link } from "@opentelemetry/api";
import { DATADOG_CONTEXT_KEY, getDatadogContext, type DatadogContext } from "./datadog/datadog-context.js";
import { ZERO_HEX16 } from "./datadog/ids.js";
import { withoutValues } from "./context-values.js";

/**
 * What an extraction found besides the winning span context, for the code that starts the span
 * (`withCarrier`, `traced`). Written by `createPropagator`'s composite and by `DatadogPropagator`;
 * read through the functions below. Every reader returns a fresh value and never throws: a `ctx` that
 * is not a Context (`undefined`, `null`, another value from an untyped caller) reads as one on which
 * nothing was extracted (`[]`, `undefined`, `{}`), as `logCorrelationFields` and propagation read bad
 * input; only the explicit setter `setDatadogContext` answers it with a TypeError.
 */

/** Span attribute holding the last Datadog parent id (as dd-trace-js and dd-trace-java name it). */
const DD_PARENT_ID_ATTRIBUTE = "_dd.parent_id";
/** Link attribute naming why the link exists (as dd-trace-js `_extractSpanContext` writes it). */
export const LINK_REASON_ATTRIBUTE = "reason";
/** Link reason for a conflicting style (Datadog system-tests `Test_Span_Links_From_Conflicting_Contexts`). */
export const LINK_REASON_TERMINATED_CONTEXT = "terminated_context";
/**
 * Link reason for the context a `restart` extraction left behind
 * (`DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=restart`, as dd-trace-js writes it).
 */
export const LINK_REASON_PROPAGATION_BEHAVIOR_EXTRACT = "propagation_behavior_extract";
/** Link attribute naming the style that produced the linked context (as dd-trace-js writes it). */
export const LINK_CONTEXT_HEADERS_ATTRIBUTE = "context_headers";

/**
 * A trace that arrived without a usable parent span: Datadog parent id 0, as Synthetics sends it
 * (Datadog system-tests `Test_Synthetics_APM_Datadog`: the trace id, priority and origin are kept with
 * no parent). OpenTelemetry has no span context with span id 0, so the span started from such a
 * context must be a ROOT span (no parent) whose trace id is `traceId`, sampled as `traceFlags` says.
 */
export interface RestoredRoot {
  /** 32 lowercase hex, never all zero. */
  traceId: string;
  /**
   * `TraceFlags.SAMPLED` when the sampling priority is > 0 (or unknown), else `TraceFlags.NONE`; with
   * the W3C random flag (0x02) added when a traceparent of exactly this trace carried it.
   */
  traceFlags: TraceFlags;
}

interface ExtractionResult {
  links?: readonly Link[];
  /**
   * The extracted parent the links belong to (the very SpanContext object the extraction put in its
   * Context); `undefined` when the extraction left no parent (a `restart`, a restored root).
   */
  anchor?: SpanContext;
  restoredRoot?: RestoredRoot;
  /**
   * Set once a span has been started for this extraction: by `ExtractionSpanProcessor` (see
   * {@link takeExtraction}) or by a helper that starts it itself ({@link markExtractionTaken}).
   */
  taken?: boolean;
  /** The Context the extraction returned (see {@link noteExtractedContext}). */
  context?: Context;
}

const EXTRACTION_RESULT_KEY = createContextKey("tracehop.extraction-result");

/**
 * Internal: @opentelemetry/propagator-b3's context key of an extracted B3 debug flag (`common.js`
 * `B3_DEBUG_FLAG_KEY`, not exported): the same key, as `createContextKey` is `Symbol.for` of the
 * description. Its extract stores the flag as written (`"d"` from the `b3` header, `"1"` from
 * `x-b3-flags`), and each of its injectors checks only its own spelling (`B3SinglePropagator`: any
 * truthy value is written as the sampling state; `B3MultiPropagator`: `"1"` only). Kept here, with the
 * other values an extraction leaves on a Context, so that {@link clearExtractionResult} removes it.
 */
export const B3_DEBUG_FLAG_KEY = createContextKey("OpenTelemetry Context Key B3 Debug Flag");

/**
 * Internal: the context key that marks a B3 extraction without a sampling state (B3 "Defer"), whose
 * sampled flag is tracehop's reading, not a decision (`isDeferredB3`).
 */
export const B3_DEFERRED_KEY = createContextKey("tracehop.b3-deferred");

/**
 * The values a style's extraction keeps on a Context besides the span and the baggage: the links and
 * restored root (this module), the Datadog fields of the trace (`datadog`, `tracecontext`, and a B3
 * debug flag's priority 2), the B3 debug flag and the B3 Defer mark. The baggage is not one: an
 * extraction merges the carrier's into the base context's (W3C Baggage), it does not replace it.
 */
const EARLIER_EXTRACTION_KEYS: readonly symbol[] = [
  EXTRACTION_RESULT_KEY,
  DATADOG_CONTEXT_KEY,
  B3_DEBUG_FLAG_KEY,
  B3_DEFERRED_KEY,
];

/**
 * What the extraction recorded in `ctx`; `undefined` when nothing was, or when `ctx` is not a Context
 * (no `getValue` method: `undefined`, `null` or another value from an untyped caller) or its
 * `getValue` throws. Never throws, so neither does any reader below.
 */
function read(ctx: Context): ExtractionResult | undefined {
  if (!isContext(ctx)) return undefined;
  try {
    return ctx.getValue(EXTRACTION_RESULT_KEY) as ExtractionResult | undefined;
  } catch {
    return undefined;
  }
}

/**
 * Span links the extraction produced: one per later style whose valid context named another trace
 * than the winning one. Each link has attributes `reason=terminated_context` and
 * `context_headers=<style name>` (`datadog`, `tracecontext`, `b3`, `b3multi`), the sampled bit in
 * its trace flags, and the tracestate only for `tracecontext` links (as dd-trace-js `_extractSpanContext`;
 * Datadog system-tests `tests/test_distributed.py`, `Test_Span_Links_*`). Empty when there was no
 * conflict or `DD_TRACE_PROPAGATION_EXTRACT_FIRST` was set. Under the `restart` extract behavior
 * (`DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT`) the only link is the one to the extracted context,
 * with `reason=propagation_behavior_extract` and `context_headers=<winning style>`. `[]` for a `ctx`
 * that is not a Context. Never throws.
 */
export function getExtractionLinks(ctx: Context): Link[] {
  const links = read(ctx)?.links;
  return links ? links.map((link) => ({ ...link, attributes: { ...link.attributes } })) : [];
}

/**
 * The trace to keep when the extracted context has no valid parent span: the trace id (32 lowercase
 * hex) of a Datadog context whose parent id was 0 (Synthetics sends it; OpenTelemetry has no span
 * id 0), else `undefined` (also for a `ctx` that is not a Context). The span started from `ctx` must
 * be a root span with this trace id. Never throws.
 */
export function getRestoredRootTraceId(ctx: Context): string | undefined {
  return read(ctx)?.restoredRoot?.traceId;
}

/**
 * As {@link getRestoredRootTraceId}, with the sampling decision of that trace: a fresh object, or
 * `undefined` (also for a `ctx` that is not a Context). Never throws.
 */
export function getRestoredRoot(ctx: Context): RestoredRoot | undefined {
  const root = read(ctx)?.restoredRoot;
  return root ? { ...root } : undefined;
}

/**
 * Attributes the span started from `ctx` must carry because of the extraction:
 * `{"_dd.parent_id": <last Datadog parent id>}` when the W3C parent replaced a different Datadog
 * parent of the same trace (as dd-trace-js `_resolveTraceContextConflicts` sets it); `{}` otherwise.
 * Never throws: a last parent id that is not text, or that throws when read (the object
 * `getDatadogContext` hands out, changed in place), gives `{}`.
 */
export function getExtractionAttributes(ctx: Context): Attributes {
  let lastParentId: unknown;
  try {
    lastParentId = getDatadogContext(ctx)?.lastParentId;
  } catch {
    return {};
  }
  return typeof lastParentId === "string" ? { [DD_PARENT_ID_ATTRIBUTE]: lastParentId } : {};
}

/** What an extraction recorded for the span started from it (see {@link takeExtraction}). */
interface TakenExtraction {
  /** The extraction's links, as stored (read-only); `undefined` when it has none. */
  links: readonly Link[] | undefined;
  /** The trace a root span must keep (Datadog parent id 0); `undefined` when there is none. */
  restoredRoot: RestoredRoot | undefined;
}

/**
 * Internal: for `ExtractionSpanProcessor`, what the extraction recorded in `ctx` for a span whose
 * parent in `ctx` is `parent` (then marked used):
 * - its links, only when `parent` is the extracted parent itself (the same object; `undefined` for an
 *   extraction that left none: a `restart`, a restored root), and only the first time, so that they
 *   go on the first span started from the extracted context and never on a span started elsewhere
 *   from a context that still holds them (a `root: true` span inside the request, also when the
 *   request's own span was not recorded);
 * - its restored root, for a span with no parent started from the very Context the extraction
 *   returned (every such span: each is a root of the incoming trace, as every span dd-trace starts
 *   from a parent-id-0 context is), or the first span started from a context derived from it.
 */
export function takeExtraction(ctx: Context, parent: SpanContext | undefined): TakenExtraction | undefined {
  const result = read(ctx);
  if (result === undefined) return undefined;
  const links =
    result.taken !== true && result.anchor === parent && result.links !== undefined && result.links.length > 0
      ? result.links
      : undefined;
  const restoredRoot = parent === undefined ? restoredRootOf(result, ctx) : undefined;
  if (links === undefined && restoredRoot === undefined) return undefined;
  result.taken = true;
  return { links, restoredRoot };
}

/**
 * The restored root of `result` for a span without parent started from `ctx` (see
 * {@link takeExtraction}).
 */
function restoredRootOf(result: ExtractionResult, ctx: Context): RestoredRoot | undefined {
  return result.restoredRoot !== undefined && (ctx === result.context || result.taken !== true)
    ? result.restoredRoot
    : undefined;
}

/**
 * Internal: the restored root a span with no parent started from `ctx` continues, as
 * {@link takeExtraction} would give it, without marking anything (for the samplers, which decide
 * before `ExtractionSpanProcessor` sees the span).
 */
export function pendingRestoredRoot(ctx: Context): RestoredRoot | undefined {
  const result = read(ctx);
  return result === undefined ? undefined : restoredRootOf(result, ctx);
}

/**
 * Internal: records `ctx`, the Context an extraction returns, in what that extraction recorded (a
 * restored root), so that every span started right from it continues the restored trace; returns
 * `ctx`. A Context that holds an earlier extraction's record is left as it is.
 */
export function noteExtractedContext(ctx: Context): Context {
  const result = read(ctx);
  if (result?.restoredRoot !== undefined && result.context === undefined) result.context = ctx;
  return ctx;
}

/**
 * Internal: marks what the extraction recorded in `ctx` as used, for a helper that starts the span
 * itself, places the links on it (or decides they go nowhere: `relation: "none"`) and keeps a
 * restored root's trace id by its own means, so that `ExtractionSpanProcessor` applies them to no
 * other span started from the same extraction (a span under a placeholder parent, a root span inside
 * the helper's function, a span after a sampled-out one).
 */
export function markExtractionTaken(ctx: Context): void {
  const result = read(ctx);
  if (result !== undefined) result.taken = true;
}

/**
 * Internal: `ctx` without what an earlier extraction kept there besides its span and baggage: links and
 * restored root, the Datadog fields, the B3 debug flag and Defer mark ({@link EARLIER_EXTRACTION_KEYS}).
 * A new extraction onto a context that holds them (a consumer that restores each message onto one base
 * context) replaces them, never adds to them: an earlier B3 debug flag left beside a later `tracecontext`
 * or `datadog` winner made the next B3 inject write the debug flag for a trace that was never debug; an
 * earlier Datadog context of the same trace left beside a B3 winner gave it that context's priority and
 * origin. The extractors call it on the base context before their styles read the carrier (the
 * composite, `tracecontext`) or once something is found (`datadog`), and return the base context itself,
 * not this one, when nothing is found: its values then belong to its span. `ctx` itself when it holds
 * none; `ROOT_CONTEXT`, where extraction usually starts, is returned without a lookup. Otherwise one
 * Context over `ctx` that hides them: `ctx`'s `setValue` and `deleteValue` are not called, nor its values
 * copied (BENCHMARKS.md "Forty-seventh pass"). A `getValue` that throws is thrown: the extract that calls
 * this catches it.
 */
export function clearExtractionResult(ctx: Context): Context {
  if (ctx === ROOT_CONTEXT) return ctx;
  let held: symbol[] | undefined;
  for (const key of EARLIER_EXTRACTION_KEYS) if (ctx.getValue(key) !== undefined) (held ??= []).push(key);
  // One Context hiding them over `ctx`, which is read, never copied (withoutValues).
  return held === undefined ? ctx : withoutValues(ctx, held);
}

/**
 * Internal: the span context a link to a restored root (Datadog parent id 0) points to: its trace,
 * span id 0, its trace flags, remote — how dd-trace-js links such a context, so that the incoming
 * trace stays findable (OpenTelemetry's trace API: links with a zero span id SHOULD still be recorded).
 */
export function restoredRootLinkContext(root: RestoredRoot): SpanContext {
  return { traceId: root.traceId, spanId: ZERO_HEX16, traceFlags: root.traceFlags, isRemote: true };
}

/**
 * Internal: true for a span context shaped as {@link restoredRootLinkContext} makes it (and dd-trace-js
 * links a Datadog parent-id-0 context): span id 0; the trace id is not checked here.
 */
export function isRestoredRootLinkContext(spanContext: Pick<SpanContext, "spanId">): boolean {
  return spanContext.spanId === ZERO_HEX16;
}

/**
 * Internal: the context of the span link a `restart` extraction recorded in `ctx`
 * (`reason=propagation_behavior_extract`), or `undefined`: what a consumer helper compares with an
 * instrumentation's span when the extraction left no parent.
 */
export function restartedFrom(ctx: Context): SpanContext | undefined {
  const links = read(ctx)?.links;
  return links?.find(
    (link) => link.attributes?.[LINK_REASON_ATTRIBUTE] === LINK_REASON_PROPAGATION_BEHAVIOR_EXTRACT,
  )?.context;
}

/**
 * Internal: a copy of `ctx` recording `links` (replacing earlier ones) for the span that starts from
 * the extracted parent `anchor` (the SpanContext object in `ctx`; `undefined` when there is none).
 */
export function setExtractionLinks(
  ctx: Context,
  links: readonly Link[],
  anchor: SpanContext | undefined,
): Context {
  const previous = read(ctx);
  return ctx.setValue(EXTRACTION_RESULT_KEY, { restoredRoot: previous?.restoredRoot, links, anchor });
}

/**
 * Internal: a copy of `ctx` recording the trace a root span must keep (parent id 0), or clearing it
 * (`undefined`: a later style supplied a parent for that trace).
 */
export function setRestoredRoot(ctx: Context, root: RestoredRoot | undefined): Context {
  const previous = read(ctx);
  if (root === undefined && previous?.restoredRoot === undefined) return ctx;
  return ctx.setValue(EXTRACTION_RESULT_KEY, {
    links: previous?.links,
    anchor: previous?.anchor,
    restoredRoot: root && { ...root },
  });
}

/**
 * Internal: what one style's extraction found, before anything is put into a Context. tracehop's own
 * styles (`datadog`, `tracecontext`) report this through `extractParts`, so that `createPropagator`'s
 * composite builds a single Context from the winner instead of one Context per style and per field.
 * The objects are fresh and owned by the receiver (stored without a copy).
 */
export interface StyleExtraction {
  /** 32 lowercase hex. */
  traceId: string;
  /** The remote parent; `undefined` for a restored root (Datadog parent id 0). */
  spanContext: SpanContext | undefined;
  /** Set for a restored root (Datadog parent id 0, as Synthetics sends it). */
  root: RestoredRoot | undefined;
  /** True when a restored root of the base context must be cleared (a W3C parent was adopted). */
  clearRoot: boolean;
  /** The Datadog fields of the trace. */
  fields: DatadogContext;
  /**
   * True when `fields` are only what a traceparent without a `dd=` member implies (the `tracecontext`
   * style's W3C-only extraction): stored as derived (`StoredDatadogContext.derivedFromW3C`), so the
   * `tracecontext` style writes no `dd=` member for them. Set false by whoever changes `fields` in place.
   */
  derivedFromW3C?: boolean;
  /** The baggage to set (the base's plus legacy `ot-baggage-*` entries); `undefined`: unchanged. */
  baggage: Baggage | undefined;
  /** `x-datadog-trace-id` as read, when it is the canonical decimal of the low 64 bits of `traceId`. */
  traceIdDecimal: string | undefined;
}
