import {
  createContextKey,
  isSpanContextValid,
  trace,
  type Context,
  type SpanContext,
} from "@opentelemetry/api";
import { isContext } from "../../is-context.js";
import { isSampledFlags } from "../trace-flags.js";
import { describeNotPlain, describeValue } from "../../describe-value.js";
import { isPlainObject } from "../../plain-object.js";
import { firstUnknownKey, knownNameHint } from "../../known-options.js";
import { warnOnce } from "../../warn-once.js";
import { DECISION_MAKER_TAG, TID_TAG } from "./constants.js";
import { isPropagatablePriority } from "./tracestate-dd.js";
import { ZERO_HEX16 } from "./ids.js";
import type { EncodedFields } from "./injection-fields.js";

/**
 * The Datadog fields of one trace that OpenTelemetry's SpanContext has no slot for.
 *
 * What each field may hold, and the source of each rule: {@link setDatadogContext}.
 */
export interface DatadogContext {
  /**
   * Datadog sampling priority: `-1` user reject, `0` auto reject, `1` auto keep, `2` user keep; any
   * other integer is carried unchanged. Keep <=> priority > 0 (dd-trace-java `PrioritySampling`).
   * On the wire: `x-datadog-sampling-priority`, tracestate `dd=` `s:`.
   */
  samplingPriority?: number;
  /**
   * The product that started the trace (`synthetics`, `rum`, ...), copied verbatim. On the wire:
   * `x-datadog-origin`, tracestate `dd=` `o:`.
   */
  origin?: string;
  /**
   * The `_dd.p.*` propagated tags with their full key names
   * (`{"_dd.p.dm": "-4", "_dd.p.tid": "640cfd8d00000000"}`), as `x-datadog-tags` carries them.
   */
  propagationTags: Record<string, string>;
  /**
   * The last Datadog parent span id (16 lowercase hex as Datadog sends it in tracestate `dd=` `p:`;
   * copied unvalidated), exported as the `_dd.parent_id` span attribute (as dd-trace-js
   * `_resolveTraceContextConflicts` sets it).
   */
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
   * @param _traceFlags the trace flags of that extraction's span context as it holds them (used only
   *   when `fields` is undefined): a number from tracehop's traceparent reader, any value from a
   *   wrapped W3C propagator or untyped code ({@link fieldsOfW3CTrace} reads it with `knownTraceFlags`)
   * @param derivedFromW3C true for a W3C-only extraction's value (default: when `fields` is undefined;
   *   `createPropagator`'s composite passes its derived fields with true): the trace has no Datadog state
   *   of its own, its fields are what any reader derives from the traceparent, and the `tracecontext`
   *   style writes no `dd=` member for it (`hasDatadogFields`)
   */
  constructor(
    readonly traceId: string | undefined,
    fields: DatadogContext | undefined,
    readonly traceIdDecimal: string | undefined,
    private readonly _traceFlags: unknown,
    readonly derivedFromW3C: boolean = fields === undefined,
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
 * (32 lowercase hex) unless they are zero. `traceFlags`: the span context's, as it holds them — any
 * value, as a wrapped W3C propagator or untyped code gives it — read as every inject style reads it
 * (`knownTraceFlags`). A fresh object.
 */
export function fieldsOfW3CTrace(traceId: string, traceFlags: unknown): DatadogContext {
  const high = traceId.slice(0, 16);
  return {
    samplingPriority: isSampledFlags(traceFlags) ? 1 : 0,
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
 * one, so a later change of `propagationTags` would reach some headers and not others. Injection reads
 * it defensively all the same, so that a change in place never makes it throw or write what a header's
 * grammar forbids: a field of another type than its own (a priority `"2"`, an origin `{}`, tags `null`)
 * is injected as absent, a tag whose value is not text as an invalid tag (`x-datadog-tags` left out,
 * no `t.` entry in `dd=`; said once per process, `TRACEHOP_DATADOG_TAG_INVALID`), and fields that throw
 * when read (a getter, a Proxy) as absent, said once per process (`TRACEHOP_DATADOG_CONTEXT_UNREADABLE`,
 * docs/warnings.md). Never throws: a `ctx` that is not a
 * Context (`undefined`, `null`, another value from an untyped caller, no `getValue` method) gives
 * `undefined`, as `logCorrelationFields` does (a reader of the context is never the place a request
 * fails; the setter, {@link setDatadogContext}, answers the same mistake with a TypeError).
 */
export function getDatadogContext(ctx: Context): DatadogContext | undefined {
  if (!isContext(ctx)) return undefined;
  try {
    const stored = ctx.getValue(DATADOG_CONTEXT_KEY) as StoredDatadogContext | undefined;
    if (!(stored instanceof StoredDatadogContext)) return undefined;
    if (stored.traceId !== undefined) {
      const traceId = trace.getSpanContext(ctx)?.traceId;
      if (traceId !== undefined && !isSameTraceId(stored.traceId, traceId)) return undefined;
    }
    return stored.fields;
  } catch {
    return undefined; // a getValue that throws: a Context of nobody's making
  }
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
 * What {@link setDatadogContext} takes: the fields of {@link DatadogContext}, every one optional
 * (no `propagationTags`: no tags).
 */
export type DatadogContextFields = { [K in keyof DatadogContext]?: DatadogContext[K] | undefined };

/** The fields {@link setDatadogContext} knows, in the order its errors list them. */
const FIELD_NAMES: readonly string[] = ["samplingPriority", "origin", "propagationTags", "lastParentId"];
/** The shape its errors show: every field optional. */
const FIELDS_SHAPE = "{ samplingPriority?, origin?, propagationTags?, lastParentId? }";

/**
 * A copy of `ctx` carrying `fields` as the Datadog fields of the trace of the span in `ctx`: bind the
 * span first, then the fields (`setDatadogContext(trace.setSpanContext(ctx, sc), fields)`). The fields
 * are copied (`propagationTags` too). With no span in `ctx` the fields are bound to no trace and apply
 * to whatever span is later set in the context.
 *
 * The fields given replace those `ctx` had, whole: `setDatadogContext(ctx, { origin: "rum" })` leaves
 * no priority and no tags. To change one field, spread the others in
 * (`{ ...getDatadogContext(ctx), origin: "rum" }`).
 *
 * Every field is optional; an `undefined` one is left out. A field given must have its type, and a
 * name that is no field is refused. The values themselves are not judged here (except the priority):
 * injection writes what the wire allows and leaves out or escapes the rest, as for extracted fields,
 * so `setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority: 2 })` always works.
 *
 * - `samplingPriority`: an integer from -9999999999 to 9999999999 (at most 10 digits, what the extract
 *   side reads back; dd-trace-java `PrioritySampling`: `-1` user reject, `0` auto reject, `1` auto keep,
 *   `2` user keep, others carried unchanged). `-0` is stored as 0.
 *   The span's sampled flag stays the decision: a priority that disagrees with it is injected as 1 or
 *   0 from the flag (docs/conformance.md, "W3C sampled flag against `s:`"), so `-1` on a sampled span
 *   goes out as `1`. To drop a trace, make its span unsampled (a sampler), not only its priority. Set
 *   so on the span of `ctx`, it is said once per process (`TRACEHOP_PRIORITY_AGAINST_SAMPLED_FLAG`).
 *   A priority other than the one `ctx` holds is a manual decision, and the decision maker `_dd.p.dm`
 *   follows it as dd-trace's manual keep and drop (dd-trace-js `priority_sampler.js` `setPriority` and
 *   `#addDecisionMaker`; Datadog's `SamplingMechanism` 4, manual): on keep (priority > 0) it becomes
 *   `-4`, on drop (priority <= 0) it is removed. This applies only to the priorities dd-trace's
 *   `setPriority` takes, -1, 0, 1 and 2 (another it ignores: 3 or -5 leave `_dd.p.dm` as given), and
 *   only when the `propagationTags` given hold
 *   the same `_dd.p.dm` as `ctx` (or neither has one: the caller left it as it was, the usual
 *   `{ ...getDatadogContext(ctx), samplingPriority: 2 }`) and the priority agrees with the span's
 *   sampled flag (against it, injection sends the flag's decision, with a decision maker `-0` on keep
 *   and none on drop, as for an extracted priority). The priority `ctx` holds: that of
 *   {@link getDatadogContext} (of fields without one, the sampled flag's 1 or 0); a context without
 *   Datadog fields (a span started here, or none) holds no decision to change and takes the fields as
 *   given. A `_dd.p.dm` the caller changed, added or left out is kept as given.
 * - `origin`: text. Injection writes `x-datadog-origin` only when it is printable ASCII (`isValidOrigin`;
 *   Datadog's tracers copy it verbatim, system-tests `test_headers_tracestate_dd_propagate_origin`) and
 *   escapes it in the `dd=` member (dd-trace-js `tracestateOriginFilter`). `""` is no origin.
 * - `propagationTags`: a plain object of text values. Only `_dd.p.*` keys are propagated; one tag key or
 *   value outside `x-datadog-tags`' grammar makes injection leave out every tag of that header, as
 *   dd-trace-js `_injectTags` does (said once per process, `TRACEHOP_DATADOG_TAG_INVALID`) (the header then carries `_dd.p.tid` alone for a 128-bit trace id:
 *   docs/conformance.md), while the `dd=` member escapes it (dd-trace-js `tracestateTagKeyFilter`);
 *   `_dd.p.tid` is never taken from here (injection writes the upper half of the span's own trace id),
 *   and a `_dd.p.dm` that is no decision maker (`-<digits>` or `<10 lowercase hex>-<digits>`, the
 *   grammar of dd-trace-java `PTagsCodec.validateDecisionMakerTag`, which drops the whole header for
 *   another) is left out alone, in both headers, the other tags still sent (as extraction drops it); so is
 *   the deprecated `_dd.p.upstream_services`, which extraction skips as dd-trace-java and dd-trace-py do
 *   (docs/conformance.md, "`_dd.p.upstream_services`"). Injection says each once per process
 *   (`TRACEHOP_DECISION_MAKER_NOT_INJECTED`, `TRACEHOP_UPSTREAM_SERVICES_NOT_INJECTED`).
 * - `lastParentId`: text, kept as given: tracestate `p:` is copied unvalidated and exported as
 *   `_dd.parent_id` (system-tests `test_tracestate_w3c_p_extract`); it is written into `p:` only when
 *   it is 16 hex digits. `""` is none.
 *
 * @throws TypeError naming this function, the field and what to give, with the value given:
 *   `ctx` is not a Context (no `getValue` method); `fields` is not a plain object (its prototype
 *   Object.prototype, or none); `fields` has a key that is no field (`samplingPrio`); or a field's
 *   value is not of its type.
 * @throws RangeError naming `samplingPriority`: a number that is not an integer of at most 10 digits.
 */
export function setDatadogContext(ctx: Context, fields: DatadogContextFields): Context {
  if (!isContext(ctx))
    throw new TypeError(
      `tracehop setDatadogContext: ctx must be a Context from @opentelemetry/api (context.active(), trace.setSpan(...)), got ${describeValue(ctx)}`,
    );
  const checked = checkedFields(fields);
  const spanContext = trace.getSpanContext(ctx);
  if (checked.samplingPriority !== undefined && spanContext !== undefined)
    warnIfPriorityAgainstFlag(checked.samplingPriority, spanContext);
  followManualDecision(checked, ctx, spanContext);
  return ctx.setValue(DATADOG_CONTEXT_KEY, storedDatadogContext(checked, boundTraceId(spanContext?.traceId)));
}

/**
 * The priorities of a manual decision: user reject, auto reject, auto keep, user keep (-1, 0, 1, 2), the
 * only ones dd-trace-js `priority_sampler.js` `setPriority` takes (`validate`; another it ignores).
 */
const MANUAL_PRIORITIES: ReadonlySet<number> = new Set([-1, 0, 1, 2]);

/** Decision maker of a manual keep (Datadog `SamplingMechanism.MANUAL`, 4; dd-trace-js `SAMPLING_MECHANISM_MANUAL`). */
const DECISION_MAKER_MANUAL = "-4";

/**
 * The decision maker of `fields` (the checked copy {@link setDatadogContext} stores, changed in place)
 * after a manual decision, as dd-trace's manual keep and drop leave it (dd-trace-js `priority_sampler.js`
 * `setPriority`: the mechanism becomes manual, and `#addDecisionMaker(root, true)` writes `-4` on keep,
 * priority > 0, and removes `_dd.p.dm` on drop; Datadog's `SamplingMechanism` 4). Only for a priority
 * `setPriority` takes ({@link MANUAL_PRIORITIES}: another, 3 or -5, is carried as given), when it
 * differs from the one the Datadog fields of `ctx` hold ({@link heldPriority}; a context without
 * Datadog fields holds no decision to change: the fields are taken as given), the `_dd.p.dm` given is
 * the one `ctx` holds
 * (none in either counts: the caller did not change it), and the priority agrees with the sampled flag
 * of a valid span in `ctx` (against it, injection's `decisionOfFlag` decides the decision maker).
 * Never throws: fields of `ctx` that throw when read leave `fields` as given.
 */
function followManualDecision(
  fields: DatadogContext,
  ctx: Context,
  spanContext: SpanContext | undefined,
): void {
  const priority = fields.samplingPriority;
  // dd-trace's setPriority takes these four alone (`validate`): another priority is no manual decision.
  if (priority === undefined || !MANUAL_PRIORITIES.has(priority)) return;
  try {
    const valid = spanContext !== undefined && isSpanContextValid(spanContext);
    const sampled = valid && isSampledFlags(spanContext.traceFlags);
    if (valid && priority > 0 !== sampled) return;
    const held = getDatadogContext(ctx);
    if (held === undefined) return;
    const heldDecisionMaker: unknown = held.propagationTags?.[DECISION_MAKER_TAG];
    if (fields.propagationTags[DECISION_MAKER_TAG] !== heldDecisionMaker) return;
    const before = heldPriority(held, valid, sampled);
    if (before === undefined || priority === before) return;
    if (priority > 0) fields.propagationTags[DECISION_MAKER_TAG] = DECISION_MAKER_MANUAL;
    else delete fields.propagationTags[DECISION_MAKER_TAG];
  } catch {
    // Stored fields changed in place into something that throws: the fields stay as given.
  }
}

/**
 * The sampling priority `ctx` holds before {@link setDatadogContext} changes it: its Datadog fields'
 * (`held`), else (fields without a priority) the 1 or 0 of the sampled flag of a valid span, what
 * injection writes for it; else none.
 */
function heldPriority(held: DatadogContext, valid: boolean, sampled: boolean): unknown {
  const priority: unknown = held.samplingPriority;
  if (priority !== undefined) return priority;
  return valid ? (sampled ? 1 : 0) : undefined;
}

/** Process warning code of {@link warnIfPriorityAgainstFlag}. */
export const PRIORITY_AGAINST_FLAG_WARNING = "TRACEHOP_PRIORITY_AGAINST_SAMPLED_FLAG";

/**
 * Says so once per process (`diag.warn` and the process warning {@link PRIORITY_AGAINST_FLAG_WARNING})
 * when `setDatadogContext` is given a sampling priority that disagrees with the sampled flag of the valid
 * span context it binds the fields to (keep is priority > 0): injection writes the flag's 1 or 0, as
 * Datadog's tracers read a W3C flag that disagrees with `s:` (docs/conformance.md), so the priority set
 * is lost without a word. dd-trace-ot's manual keep and drop (`setSamplingPriority`, `manual.drop`)
 * changed a started span's decision; OpenTelemetry's sampler decides at a span's start, and the span
 * records or not from then on. Never throws.
 */
function warnIfPriorityAgainstFlag(priority: number, spanContext: SpanContext): void {
  try {
    if (!isSpanContextValid(spanContext)) return;
    const sampled = isSampledFlags(spanContext.traceFlags);
    if (priority > 0 === sampled) return;
    warnOnce(
      "priority-against-flag",
      `tracehop setDatadogContext: samplingPriority ${priority} on a span that is ${sampled ? "sampled" : "not sampled"} ` +
        `(trace flags ${sampled ? "01" : "00"}) is injected as ${sampled ? 1 : 0}: the span's sampled flag is the decision. ` +
        (sampled
          ? "A sampled span cannot be dropped after its start: drop the trace with a sampler when its span starts " +
            "(a ParentBased sampler keeps a stored -1), or set -1 only on an unsampled span."
          : "An unsampled span records nothing: keep the trace with a sampler when its span starts " +
            "(a ParentBased sampler keeps a stored 2), or set 2 only on a sampled span.") +
        ' docs/migration.md, "Manual keep and drop".',
      PRIORITY_AGAINST_FLAG_WARNING,
    );
  } catch {
    // A span context whose fields throw: nothing to say.
  }
}

/**
 * The stored copy of the fields given to {@link setDatadogContext}, checked by its rules.
 *
 * @throws TypeError as {@link setDatadogContext} documents.
 */
function checkedFields(fields: DatadogContextFields): DatadogContext {
  if (!isPlainObject(fields))
    throw new TypeError(
      `tracehop setDatadogContext: fields must be a plain object (${FIELDS_SHAPE}), got ${describeNotPlain(fields)}`,
    );
  const unknown = firstUnknownKey(fields, FIELD_NAMES);
  if (unknown !== undefined)
    throw new TypeError(
      `tracehop setDatadogContext: there is no field ${describeValue(unknown)}; ${knownNameHint(unknown, FIELD_NAMES, "the fields are")}`,
    );
  const { samplingPriority, origin, propagationTags, lastParentId } = fields;
  const copy: DatadogContext = { propagationTags: checkedTags(propagationTags) };
  if (samplingPriority !== undefined) {
    if (typeof samplingPriority !== "number")
      fieldError(
        "samplingPriority",
        "a number (-1 user reject, 0 auto reject, 1 auto keep, 2 user keep)",
        samplingPriority,
      );
    // What the extract side reads back (parseSamplingPriority: at most 10 digits), so what injection
    // writes; anything else would be injected as the sampled flag says, not as given.
    if (!isPropagatablePriority(samplingPriority))
      throw new RangeError(
        `tracehop setDatadogContext: samplingPriority must be an integer from -9999999999 to 9999999999 (at most 10 digits: ` +
          `what x-datadog-sampling-priority and tracestate dd=s: are read back as; -1 user reject, ` +
          `0 auto reject, 1 auto keep, 2 user keep), got ${describeValue(samplingPriority)}`,
      );
    copy.samplingPriority = samplingPriority || 0; // -0 is 0
  }
  if (origin !== undefined) {
    if (typeof origin !== "string") fieldError("origin", 'text ("synthetics", "rum"; "" for none)', origin);
    if (origin.length !== 0) copy.origin = origin;
  }
  if (lastParentId !== undefined) {
    if (typeof lastParentId !== "string")
      fieldError("lastParentId", 'text, the last Datadog span id as 16 hex ("" for none)', lastParentId);
    if (lastParentId.length !== 0) copy.lastParentId = lastParentId;
  }
  return copy;
}

/**
 * A copy of the `propagationTags` given to {@link setDatadogContext} (`{}` for `undefined`), checked by
 * its rules. `Object.fromEntries` defines own properties: a `__proto__` tag (from parsed JSON) stays a
 * tag and never becomes the copy's prototype.
 *
 * @throws TypeError as {@link setDatadogContext} documents.
 */
function checkedTags(tags: unknown): Record<string, string> {
  if (tags === undefined) return {};
  if (!isPlainObject(tags))
    throw new TypeError(
      `tracehop setDatadogContext: propagationTags must be a plain object of "_dd.p.*" tags ({ "_dd.p.dm": "-4" }), got ${describeNotPlain(tags)}`,
    );
  const entries = Object.entries(tags);
  for (const [key, value] of entries)
    if (typeof value !== "string") fieldError(`propagationTags[${describeValue(key)}]`, "text", value);
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Throws the TypeError of a field of {@link setDatadogContext} whose `value` is not `what` it must be. */
function fieldError(field: string, what: string, value: unknown): never {
  throw new TypeError(`tracehop setDatadogContext: ${field} must be ${what}, got ${describeValue(value)}`);
}

/** A span's trace id as fields are bound to it: in lower case (upper-case hex names the same trace). */
function boundTraceId(traceId: string | undefined): string | undefined {
  return typeof traceId === "string" ? traceId.toLowerCase() : undefined;
}

/**
 * Internal: a copy of `ctx` carrying a copy of `fields` bound to `traceId` explicitly (a restored
 * root, parent id 0), for fields tracehop built (extracted, or read back with `getDatadogContext`):
 * they hold what {@link setDatadogContext} would accept, and are copied without its checks (never
 * throws: it runs on the restore path). The sampling priority is kept unless `undefined`; an origin
 * or last parent id only when it is a string; `propagationTags` copied with a spread (own properties:
 * a `__proto__` tag stays a tag).
 */
export function bindDatadogContext(
  ctx: Context,
  fields: DatadogContext,
  traceId: string | undefined,
): Context {
  const copy: DatadogContext = { propagationTags: { ...fields.propagationTags } };
  if (fields.samplingPriority !== undefined) copy.samplingPriority = fields.samplingPriority;
  if (typeof fields.origin === "string") copy.origin = fields.origin;
  if (typeof fields.lastParentId === "string") copy.lastParentId = fields.lastParentId;
  return ctx.setValue(DATADOG_CONTEXT_KEY, storedDatadogContext(copy, boundTraceId(traceId)));
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
  derivedFromW3C = false,
): Context {
  return ctx.setValue(
    DATADOG_CONTEXT_KEY,
    storedDatadogContext(fields, traceId, traceIdDecimal, derivedFromW3C),
  );
}

/**
 * Internal: the value {@link storeDatadogContext} stores under {@link DATADOG_CONTEXT_KEY} (`fields`
 * as they are, no copy), for callers that build the Context themselves.
 */
export function storedDatadogContext(
  fields: DatadogContext,
  traceId: string | undefined,
  traceIdDecimal?: string,
  derivedFromW3C = false,
): StoredDatadogContext {
  return new StoredDatadogContext(traceId, fields, traceIdDecimal, 0, derivedFromW3C);
}

/**
 * Internal: the stored value of a W3C-only extraction (a traceparent without a `dd=` member): bound to
 * `traceId` (32 lowercase hex), its fields derived from it and `traceFlags` on first read
 * ({@link fieldsOfW3CTrace}).
 */
export function storedW3CDatadogContext(traceId: string, traceFlags: unknown): StoredDatadogContext {
  return new StoredDatadogContext(traceId, undefined, undefined, traceFlags);
}
