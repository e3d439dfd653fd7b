import { createContextKey, trace, type Context } from "@opentelemetry/api";
import { knownTraceFlags } from "../trace-flags.js";
import { FLAG_SAMPLED } from "../w3c/constants.js";
import { describeValue, isPlainObject } from "../../describe-value.js";
import { TID_TAG } from "./constants.js";
import { ZERO_HEX16 } from "./ids.js";
import type { EncodedFields } from "./injection-fields.js";

/**
 * The Datadog fields of one trace that OpenTelemetry's SpanContext has no slot for.
 *
 * - `samplingPriority`: Datadog sampling priority (-1 user reject, 0 auto reject, 1 auto keep,
 *   2 user keep; any other integer is carried unchanged). Keep <=> priority > 0
 *   (dd-trace-java `PrioritySampling`).
 * - `origin`: product that started the trace (`synthetics`, `rum`, ...), `x-datadog-origin`, copied verbatim.
 * - `propagationTags`: the `_dd.p.*` propagated tags with their full key names
 *   (`{"_dd.p.dm": "-4", "_dd.p.tid": "640cfd8d00000000"}`), as `x-datadog-tags` carries them.
 * - `lastParentId`: the last Datadog parent span id (16 lowercase hex as Datadog sends it in
 *   tracestate `p:`; copied unvalidated), exported as the `_dd.parent_id` span attribute
 *   (as dd-trace-js `_resolveTraceContextConflicts` sets it).
 */
export interface DatadogContext {
  samplingPriority?: number;
  origin?: string;
  propagationTags: Record<string, string>;
  lastParentId?: string;
}

/** Internal: context key of the Datadog fields (values are {@link StoredDatadogContext}). */
export const DATADOG_CONTEXT_KEY = createContextKey("tracehop.datadog-context");

/**
 * Internal: the value stored under {@link DATADOG_CONTEXT_KEY}. One class for every stored value, so
 * that the readers on the inject path see one shape.
 */
export class StoredDatadogContext {
  /**
   * The encoded forms of `fields` for injection (`x-datadog-tags`, the fixed parts of `dd=`), kept by
   * the first injection of the trace for the next ones (every span of a request shares this value):
   * set by `resolveStoredInjection`, never by extraction. Relies on `fields` being read-only once stored.
   */
  encoded: EncodedFields | undefined = undefined;
  private _fields: DatadogContext | undefined;

  /**
   * @param traceId the trace the fields belong to (32 lowercase hex); undefined: the trace of whatever
   *   span is in the context
   * @param fields the fields, or `undefined` for a W3C-only extraction (a traceparent without a `dd=`
   *   member): then they are derived on first read from `traceId` and `_traceFlags`
   *   ({@link fieldsOfW3CTrace}), which most such extractions never need
   * @param traceIdDecimal the unsigned decimal of the low 64 bits of `traceId` (`x-datadog-trace-id`),
   *   when the extraction read it in canonical form: re-injecting this trace writes it without
   *   converting the id again
   * @param _traceFlags the W3C trace flags of that extraction (used only when `fields` is undefined)
   */
  constructor(
    readonly traceId: string | undefined,
    fields: DatadogContext | undefined,
    readonly traceIdDecimal: string | undefined,
    private readonly _traceFlags: number,
  ) {
    this._fields = fields;
  }

  get fields(): DatadogContext {
    // Without fields the constructor was given the extracted trace id (W3C-only extraction).
    return (this._fields ??= fieldsOfW3CTrace(this.traceId ?? ZERO_TRACE_ID, this._traceFlags));
  }
}

/** 32 zeros: the trace id of {@link fieldsOfW3CTrace} when none was bound (never the case in use). */
const ZERO_TRACE_ID = ZERO_HEX16 + ZERO_HEX16;

/**
 * The Datadog fields of a W3C trace without a `dd=` member, as dd-trace-js `_extractTraceparentContext`
 * derives them: priority from the sampled flag, and `_dd.p.tid` from the upper 64 bits of `traceId`
 * (32 lowercase hex) unless they are zero. The sampled flag as every inject style reads it
 * (`knownTraceFlags`). A fresh object.
 */
export function fieldsOfW3CTrace(traceId: string, traceFlags: number): DatadogContext {
  const high = traceId.slice(0, 16);
  return {
    samplingPriority: (knownTraceFlags(traceFlags) & FLAG_SAMPLED) !== 0 ? 1 : 0,
    propagationTags: high === ZERO_HEX16 ? {} : { [TID_TAG]: high },
  };
}

/**
 * The Datadog fields of the trace active in `ctx`, or `undefined` when none were set or extracted.
 *
 * The fields belong to one trace: when the span in `ctx` belongs to another trace than the one the
 * fields were recorded for (a new root started inside), nothing is returned. The returned object is
 * the stored one: treat it as read-only and use {@link setDatadogContext} to change fields. Changing it
 * in place is not supported: the trace's injections keep its encoded tags and origin from the first
 * one, so a later change of `propagationTags` would reach some headers and not others. Never throws.
 */
export function getDatadogContext(ctx: Context): DatadogContext | undefined {
  const stored = ctx.getValue(DATADOG_CONTEXT_KEY) as StoredDatadogContext | undefined;
  if (stored === undefined) return undefined;
  if (stored.traceId !== undefined) {
    const traceId = trace.getSpanContext(ctx)?.traceId;
    if (traceId !== undefined && !isSameTraceId(stored.traceId, traceId)) return undefined;
  }
  return stored.fields;
}

/**
 * The stored trace id (32 lowercase hex) against a span's, which a caller may have set in upper case
 * (`trace.setSpanContext` accepts A-F): the same trace either way.
 */
function isSameTraceId(stored: string, traceId: string): boolean {
  return stored === traceId || (typeof traceId === "string" && stored === traceId.toLowerCase());
}

/**
 * Internal: what {@link getDatadogContext} gives for a `ctx` whose span's trace id the caller has
 * already read (`traceId`), without reading the span again; the stored value itself, or `undefined`.
 */
export function storedDatadogContextFor(ctx: Context, traceId: string): StoredDatadogContext | undefined {
  const stored = ctx.getValue(DATADOG_CONTEXT_KEY) as StoredDatadogContext | undefined;
  if (stored === undefined || (stored.traceId !== undefined && !isSameTraceId(stored.traceId, traceId)))
    return undefined;
  return stored;
}

/**
 * A copy of `ctx` carrying `fields` as the Datadog fields of the trace of the span in `ctx`: bind the
 * span first, then the fields (`setDatadogContext(trace.setSpanContext(ctx, sc), fields)`). The fields
 * are copied (`propagationTags` too); `undefined` members are left out. With no span in `ctx` the
 * fields are bound to no trace and apply to whatever span is later set in the context.
 *
 * An `origin`, `lastParentId` or tag value that is not a string (possible from JavaScript or through
 * a cast) is left out as well, and so are `propagationTags` that are not a plain object (a string, an
 * array, a Map: no tags): a header value is text, and writing such a value would hand the carrier
 * a number or an object, whose `toString` may hold anything (`"\r\nx-evil: 1"`). A string is kept as
 * given; injection writes it only where its header's grammar admits it.
 *
 * @throws TypeError when `ctx` is not a Context (no `getValue` method) or `fields` is not a plain
 *   object (its prototype Object.prototype, or none): `null`, `undefined`, a number, a string, an array,
 *   a Map. A mistake in the calling code, answered as every entry point answers options that are not a
 *   plain object (src/known-options.ts), naming this function and the value given. Values inside a
 *   plain object are never refused, only left out as above.
 */
export function setDatadogContext(ctx: Context, fields: DatadogContext): Context {
  if (typeof (ctx as Partial<Context> | null | undefined)?.getValue !== "function")
    throw new TypeError(
      `tracehop setDatadogContext: ctx must be a Context from @opentelemetry/api (context.active(), trace.setSpan(...)), got ${describeValue(ctx)}`,
    );
  if (!isPlainObject(fields))
    throw new TypeError(
      `tracehop setDatadogContext: fields must be a plain object ({ samplingPriority?, origin?, propagationTags, lastParentId? }), got ${describeValue(fields)}`,
    );
  // Tags from a plain object only: Object.entries of a string ("abc") gives the tags 0, 1 and 2.
  const tags = isPlainObject(fields.propagationTags) ? fields.propagationTags : {};
  const propagationTags = Object.fromEntries(
    Object.entries(tags).filter(([, value]) => typeof value === "string"),
  );
  return storeCopy(ctx, fields, propagationTags, trace.getSpanContext(ctx)?.traceId);
}

/**
 * Internal: as {@link setDatadogContext}, bound to `traceId` explicitly (a restored root, parent id 0),
 * for fields tracehop built (extracted, or read back with `getDatadogContext`): their tags are text
 * already and are copied as they are.
 */
export function bindDatadogContext(
  ctx: Context,
  fields: DatadogContext,
  traceId: string | undefined,
): Context {
  return storeCopy(ctx, fields, { ...fields.propagationTags }, traceId);
}

/**
 * The common body of {@link setDatadogContext} and {@link bindDatadogContext}: `ctx` with a copy of
 * `fields` stored for `traceId` (bound in lower case), `propagationTags` the copy of its tags the
 * caller made (`Object.fromEntries` or a spread: both define own properties, so a `__proto__` tag stays
 * a tag and never becomes the prototype; a loop of assignments would drop it). The sampling priority
 * is kept unless `undefined`; an origin or last parent id only when it is a string (a header value is
 * text: see {@link setDatadogContext}; the fields tracehop builds hold strings or `undefined` there).
 */
function storeCopy(
  ctx: Context,
  fields: DatadogContext,
  propagationTags: Record<string, string>,
  traceId: string | undefined,
): Context {
  const copy: DatadogContext = { propagationTags };
  if (fields.samplingPriority !== undefined) copy.samplingPriority = fields.samplingPriority;
  if (typeof fields.origin === "string") copy.origin = fields.origin;
  if (typeof fields.lastParentId === "string") copy.lastParentId = fields.lastParentId;
  // Bound in lower case: a span context set with upper-case hex names the same trace.
  const bound = typeof traceId === "string" ? traceId.toLowerCase() : undefined;
  return ctx.setValue(DATADOG_CONTEXT_KEY, storedDatadogContext(copy, bound));
}

/**
 * Internal: `ctx` with `fields` stored as they are (no copy) as the Datadog fields of `traceId`. Only
 * for a fields object the caller has just built and owns, whose `undefined` members are left out.
 */
export function storeDatadogContext(
  ctx: Context,
  fields: DatadogContext,
  traceId: string | undefined,
  traceIdDecimal?: string,
): Context {
  return ctx.setValue(DATADOG_CONTEXT_KEY, storedDatadogContext(fields, traceId, traceIdDecimal));
}

/**
 * Internal: the value {@link storeDatadogContext} stores under {@link DATADOG_CONTEXT_KEY} (`fields`
 * as they are, no copy), for callers that build the Context themselves.
 */
export function storedDatadogContext(
  fields: DatadogContext,
  traceId: string | undefined,
  traceIdDecimal?: string,
): StoredDatadogContext {
  return new StoredDatadogContext(traceId, fields, traceIdDecimal, 0);
}

/**
 * Internal: the stored value of a W3C-only extraction (a traceparent without a `dd=` member): bound to
 * `traceId` (32 lowercase hex), its fields derived from it and `traceFlags` on first read
 * ({@link fieldsOfW3CTrace}).
 */
export function storedW3CDatadogContext(traceId: string, traceFlags: number): StoredDatadogContext {
  return new StoredDatadogContext(traceId, undefined, undefined, traceFlags);
}
