import { trace, type Context, type SpanContext, type TraceState } from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { isSampledFlags } from "../trace-flags.js";
import { normalizeHexId } from "../w3c/traceparent.js";
import { DECISION_MAKER_EXTERNAL_OVERRIDE, DECISION_MAKER_TAG, TRACESTATE_DD_KEY } from "./constants.js";
import { storedDatadogContextFor, type StoredDatadogContext } from "./datadog-context.js";
import { hex16ToDecimal } from "./ids.js";
import { encodeTagsHeader } from "./tags.js";
import { describeError } from "../../describe-value.js";
import { hasWarned, warnOnce } from "../../warn-once.js";
import {
  DD_PARENT_PREFIX,
  DD_PRIORITY_PREFIX,
  decodeDdMember,
  encodeDdMemberFixedParts,
  encodeDdMemberValue,
  isPropagatablePriority,
  relayedDdEntries,
} from "./tracestate-dd.js";

/** The Datadog fields one injection writes, identical for the `datadog` and `tracecontext` styles. */
interface InjectionFields {
  /** Always set: the stored priority when it agrees with the sampled flag, else 1 or 0. */
  samplingPriority: number;
  origin?: string;
  /**
   * `_dd.p.*` tags (read-only; may be the stored object, whose values an application may have changed
   * in place to any type: the encoders check each value they read).
   */
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
   * False for a W3C-only trace (no Datadog fields in the context, no `dd=` member in tracestate, or
   * only the fields a W3C-only extraction derived from its traceparent: `derivedFromW3C`): the
   * `tracecontext` style then writes plain W3C headers, no `dd=` member (docs/migration.md "Mixed
   * fleets": a `dd=` member once the trace has Datadog state).
   */
  hasDatadogFields: boolean;
  /** {@link fieldsFrom} of the span context (priority from the flag for a W3C-only trace). */
  fields: InjectionFields;
  /**
   * The encodings of `fields` for this trace id (`x-datadog-trace-id`, `x-datadog-tags`, the fixed
   * parts of `dd=`): the trace's kept ones when `fields` are its stored fields unchanged, else made
   * for this injection alone (a decision maker override, fields from a `dd=` member).
   */
  encoded: EncodedFields;
}

/**
 * Internal: the {@link ResolvedInjection} of `context`, or `undefined` when neither Datadog-aware
 * style writes anything for it (no span context, invalid ids, or suppressed tracing).
 */
export function resolveInjection(context: Context): ResolvedInjection | undefined {
  const spanContext = trace.getSpanContext(context);
  if (!spanContext || isTracingSuppressed(context)) return undefined;
  const stored = storedDatadogContextFor(context, spanContext.traceId);
  if (stored !== undefined) return resolveStoredInjection(context, spanContext, stored);
  return resolveDdMemberInjection(context, spanContext, spanContext.traceState?.get(TRACESTATE_DD_KEY));
}

/**
 * Internal: the Datadog sampling priority {@link resolveInjection} gives an unsuppressed, sampled
 * `spanContext` of `context` with valid ids (`fields.samplingPriority`), or `undefined` when it finds no
 * Datadog fields (`hasDatadogFields` false): what the B3 styles' debug flag follows, read without the
 * encodings and objects of a whole resolution. Stored fields are read as {@link resolveStoredInjection}
 * reads them (one that throws makes the priority unknown: that resolution, and its warning, decides
 * then); a `dd=` member of the tracestate through {@link resolveDdMemberInjection}.
 */
export function sampledDatadogPriority(context: Context, spanContext: SpanContext): number | undefined {
  const stored = storedDatadogContextFor(context, spanContext.traceId);
  if (stored === undefined) {
    const raw = spanContext.traceState?.get(TRACESTATE_DD_KEY);
    return raw === undefined
      ? undefined
      : resolveDdMemberInjection(context, spanContext, raw)?.fields.samplingPriority;
  }
  if (stored.derivedFromW3C) return undefined;
  let priority: unknown;
  try {
    const dd = stored.fields;
    priority = dd.samplingPriority;
    // Read as resolveStoredInjection reads them: a field that throws makes every field unknown.
    void dd.origin;
    void dd.propagationTags;
    void dd.lastParentId;
  } catch {
    return resolveStoredInjection(context, spanContext, stored)?.fields.samplingPriority;
  }
  return priorityOfFlag(typeof priority === "number" ? priority : undefined, true);
}

/**
 * Internal: the {@link ResolvedInjection} of an unsuppressed `spanContext` of `context` that has no
 * stored Datadog context: its Datadog fields, if any, come from the `dd=` member value `raw` of its
 * tracestate (a trace restored by another W3C propagator, or a span that only inherited a tracestate);
 * `hasDatadogFields` is false without one. `undefined` when an id is not valid hex or is all zero (the
 * test of `isSpanContextValid`).
 */
export function resolveDdMemberInjection(
  context: Context,
  spanContext: SpanContext,
  raw: string | undefined,
): ResolvedInjection | undefined {
  const traceId = normalizeHexId(spanContext.traceId, 32);
  const spanId = normalizeHexId(spanContext.spanId, 16);
  if (traceId === undefined || spanId === undefined) return undefined;
  const member = raw ? decodeDdMember(raw) : undefined;
  const fields = fieldsFrom(
    spanContext,
    member?.samplingPriority,
    member?.origin,
    member?.tags,
    member?.lastParentId,
  );
  return {
    context,
    spanContext,
    traceId,
    spanId,
    hasDatadogFields: raw !== undefined,
    fields,
    encoded: new EncodedFields(traceId, fields.origin, fields.tags, undefined),
  };
}

/**
 * Internal: the {@link ResolvedInjection} of an unsuppressed `spanContext` of `context` with the
 * Datadog context `stored` bound to its trace (`storedDatadogContextFor`). The encoded forms of the
 * fields are kept on `stored` ({@link EncodedFields}): the next injection of the same trace (a child
 * span, another downstream call) skips the trace id's validation and reuses them. `undefined` as in
 * {@link resolveDdMemberInjection}.
 */
export function resolveStoredInjection(
  context: Context,
  spanContext: SpanContext,
  stored: StoredDatadogContext,
): ResolvedInjection | undefined {
  let encoded = stored.encoded;
  // The trace id these encodings were made for was validated then; the same text needs no new check.
  const traceId =
    encoded !== undefined && encoded.traceId === spanContext.traceId
      ? encoded.traceId
      : normalizeHexId(spanContext.traceId, 32);
  const spanId = normalizeHexId(spanContext.spanId, 16);
  if (traceId === undefined || spanId === undefined) return undefined;
  // The stored fields are the object getDatadogContext hands out. Changing it in place is not supported,
  // but an application can: each field is read once and used only when it has its type (a number, text,
  // an object of tags); a field that throws when read (a getter, a Proxy) makes them all unknown, as for
  // a trace without Datadog fields, said once per process (warnUnreadableFields). The values in the tags
  // object are checked by the encoders.
  const dd = stored.fields;
  let priority: number | undefined;
  let origin: string | undefined;
  let tags: Readonly<Record<string, string>> | undefined;
  let lastParentId: string | undefined;
  try {
    const p = dd.samplingPriority;
    if (typeof p === "number") priority = p;
    const o = dd.origin;
    if (typeof o === "string") origin = o;
    const t = dd.propagationTags;
    if (typeof t === "object" && t !== null) tags = t;
    const l = dd.lastParentId;
    if (typeof l === "string") lastParentId = l;
  } catch (err) {
    warnUnreadableFields(err);
    priority = origin = tags = lastParentId = undefined;
  }
  const fields = fieldsFrom(spanContext, priority, origin, tags, lastParentId);
  // `x-datadog-trace-id` as the extraction of this very trace read it, if it did.
  const traceIdDecimal = stored.traceId === traceId ? stored.traceIdDecimal : undefined;
  // Tags other than the stored object: the sampled flag overrode the stored decision maker, and these
  // tags are this injection's own (encoded for it alone, never kept).
  const keep = fields.tags === tags;
  if (!keep || encoded === undefined || !encoded.encodes(traceId, fields.origin, fields.tags)) {
    encoded = new EncodedFields(traceId, fields.origin, fields.tags, traceIdDecimal);
    if (keep) stored.encoded = encoded;
  }
  return {
    context,
    spanContext,
    traceId,
    spanId,
    hasDatadogFields: !stored.derivedFromW3C,
    fields,
    encoded,
  };
}

/**
 * Internal: the encoded forms of one trace's Datadog fields (origin and `_dd.p.*` tags) and trace id
 * for injection, each computed on first use. A trace's stored context keeps its instance
 * (`StoredDatadogContext.encoded`) so that every later injection of the trace — each child span, each
 * downstream call — reuses them (dd-trace keeps its ids' decimal text on its span contexts the same
 * way); only for fields that are read-only once stored, as `getDatadogContext` documents. Fields
 * that belong to one injection only get an instance of their own.
 */
export class EncodedFields {
  /** `maxLength` {@link EncodedFields.tagsHeader} was computed for; -1 before the first call. */
  private _tagsHeaderLimit = -1;
  private _tagsHeader: string | undefined = undefined;
  /**
   * `encodeDdMemberFixedParts` of the fields: `undefined` before the first call, `null` when there are
   * none.
   */
  private _ddParts: { origin: string; tags: string } | null | undefined = undefined;
  /** The tracestate {@link EncodedFields._relayed} was read from (`undefined`: none, nothing relayed). */
  private _relayedFrom: TraceState | undefined = undefined;
  /** `relayedDdEntries` of the `dd` member of `_relayedFrom` (`""`: none), part of `_ddParts`. */
  private _relayed = "";
  private _traceIdDecimal: string | undefined;
  /**
   * The tags the encoders read: `tags`, or `undefined` once reading them threw (stored tags changed in
   * place into a Proxy or an object with a throwing getter, which `getDatadogContext` hands out): then
   * both encodings go on without them.
   */
  private _readableTags: Readonly<Record<string, string>> | undefined;

  /**
   * @param traceId the validated trace id (32 lowercase hex) the fields are injected with
   * @param origin, tags the fields (`InjectionFields.origin` / `.tags`)
   * @param traceIdDecimal `x-datadog-trace-id` of `traceId` when already known (read in canonical
   *   form by the extraction of this trace: exactly what {@link hex16ToDecimal} would give), else
   *   `undefined`: converted on first use
   */
  constructor(
    readonly traceId: string,
    readonly origin: string | undefined,
    readonly tags: Readonly<Record<string, string>> | undefined,
    traceIdDecimal: string | undefined,
  ) {
    this._traceIdDecimal = traceIdDecimal;
    this._readableTags = tags;
  }

  /** True when these are the encodings of exactly these fields (same tags object) for `traceId`. */
  encodes(
    traceId: string,
    origin: string | undefined,
    tags: Readonly<Record<string, string>> | undefined,
  ): boolean {
    return this.traceId === traceId && this.origin === origin && this.tags === tags;
  }

  /**
   * `x-datadog-tags` for `maxLength` ({@link encodeTagsHeader}, its warning given once per trace);
   * tags that throw when read count as none (`_dd.p.tid` alone), as in the `dd=` member.
   */
  tagsHeader(maxLength: number): string | undefined {
    if (this._tagsHeaderLimit !== maxLength) {
      const high = this.traceId.slice(0, 16);
      this._tagsHeader = this._withTags((tags) => encodeTagsHeader(tags, high, maxLength));
      this._tagsHeaderLimit = maxLength;
    }
    return this._tagsHeader;
  }

  /**
   * `encode` of the readable tags; when reading them throws, said once, and `encode` of no tags, and
   * neither encoding reads them again.
   */
  private _withTags<T>(encode: (tags: Readonly<Record<string, string>> | undefined) => T): T {
    try {
      return encode(this._readableTags);
    } catch (err) {
      warnUnreadableTags(err);
      this._readableTags = undefined;
      this._ddParts = undefined;
      return encode(undefined);
    }
  }

  /**
   * The `dd=` value for `priority` and `parentId` (16 hex), relaying the elements of the `dd` member of
   * `traceState` (the injected span context's) that tracehop does not read: exactly
   * {@link encodeDdMemberValue}`(…, relayedDdEntries(traceState.get("dd")))`. dd-trace-js keeps those
   * elements in the span context's tracestate the same way and writes them again on every inject
   * (text_map.js `#injectTraceparent`, `TraceState.forVendor`). The relayed elements are read again
   * only when `traceState` is another object than the last call's: the spans of one trace share their
   * parent's.
   */
  ddMemberValue(priority: number, parentId: string, traceState?: TraceState): string {
    if (traceState !== this._relayedFrom) this._readRelayed(traceState);
    let parts = this._ddParts;
    if (parts === undefined) {
      const high = this.traceId.slice(0, 16);
      parts = this._withTags(
        (tags) => encodeDdMemberFixedParts(this.origin, tags, high, this._relayed) ?? null,
      );
      this._ddParts = parts;
    }
    if (parts === null) {
      const high = this.traceId.slice(0, 16);
      return this._withTags((tags) =>
        encodeDdMemberValue(priority, this.origin, parentId, tags, high, this._relayed),
      );
    }
    return DD_PRIORITY_PREFIX + priority + parts.origin + DD_PARENT_PREFIX + parentId + parts.tags;
  }

  /** Reads the relayed `dd` elements of `traceState`; the fixed parts are redone when they changed. */
  private _readRelayed(traceState: TraceState | undefined): void {
    this._relayedFrom = traceState;
    const raw = traceState?.get(TRACESTATE_DD_KEY);
    const relayed = raw ? relayedDdEntries(raw) : "";
    if (relayed !== this._relayed) {
      this._relayed = relayed;
      this._ddParts = undefined;
    }
  }

  /** `x-datadog-trace-id`: the unsigned decimal of the trace id's low 64 bits. */
  traceIdDecimal(): string {
    return (this._traceIdDecimal ??= hex16ToDecimal(this.traceId.slice(16)));
  }
}

/** Process warning code of {@link warnUnreadableFields} and {@link warnUnreadableTags}. */
export const DATADOG_CONTEXT_UNREADABLE_WARNING = "TRACEHOP_DATADOG_CONTEXT_UNREADABLE";

/** Once-per-process keys of the two kinds: the fields object, and its tags object. */
const UNREADABLE_FIELDS_KEY = "datadog context unreadable:fields";
const UNREADABLE_TAGS_KEY = "datadog context unreadable:tags";

/**
 * A field of the trace's stored Datadog context (the object `getDatadogContext` hands out) threw when
 * read: the application's own code changed it in place (a getter, a Proxy), the same way on every request,
 * and every inject of the trace reads it again, so it is said once per process (`diag.warn` and the process
 * warning {@link DATADOG_CONTEXT_UNREADABLE_WARNING}; docs/warnings.md), naming the first error
 * (`describeError`); nothing is built or said after the first. Never throws.
 */
function warnUnreadableFields(err: unknown): void {
  if (hasWarned(UNREADABLE_FIELDS_KEY)) return;
  warnOnce(
    UNREADABLE_FIELDS_KEY,
    `tracehop: the Datadog context of the trace could not be read (${describeError(err)}); injected without it ` +
      "(no priority, origin or tags: the sampled flag decides). The object getDatadogContext returns was changed in " +
      "place; set the fields with setDatadogContext instead. (Said once per process.)",
    DATADOG_CONTEXT_UNREADABLE_WARNING,
  );
}

/**
 * The tags of the trace's stored Datadog context threw when read (changed in place into a Proxy, or given a
 * throwing getter): said once per process as {@link warnUnreadableFields}, counted apart from it. Never
 * throws.
 */
function warnUnreadableTags(err: unknown): void {
  if (hasWarned(UNREADABLE_TAGS_KEY)) return;
  warnOnce(
    UNREADABLE_TAGS_KEY,
    `tracehop: the Datadog tags of the trace could not be read (${describeError(err)}); injected without them. ` +
      "The object getDatadogContext returns was changed in place; set the tags with setDatadogContext's " +
      "propagationTags instead. (Said once per process.)",
    DATADOG_CONTEXT_UNREADABLE_WARNING,
  );
}

/**
 * The Datadog fields to inject for `spanContext`, in both the `datadog` and the `tracecontext` style
 * (`dd=` member of tracestate) as Datadog's tracers write them, from the fields read for it: those of
 * `getDatadogContext(ctx)`, each only when it has its type ({@link resolveStoredInjection}); when there
 * are none (a context restored by another W3C propagator, or a span that only inherited a tracestate),
 * the `dd=` member of the span's tracestate ({@link resolveDdMemberInjection}); the priority and tags
 * made to agree with the sampled flag ({@link decisionOfFlag}), so both styles always describe one
 * decision. The sampled flag is read with `knownTraceFlags`, as the traceparent writer reads it: a `traceFlags`
 * that is not a number (`"1"`, `true` from untyped code) gives the same answer in every header.
 */
function fieldsFrom(
  spanContext: SpanContext,
  priority: number | undefined,
  origin: string | undefined,
  tags: Readonly<Record<string, string>> | undefined,
  lastParentId: string | undefined,
): InjectionFields {
  const decision = decisionOfFlag(priority, isSampledFlags(spanContext.traceFlags), tags);
  const fields: InjectionFields = { samplingPriority: decision.samplingPriority };
  if (origin) fields.origin = origin;
  if (decision.tags) fields.tags = decision.tags;
  if (lastParentId !== undefined) fields.lastParentId = lastParentId;
  return fields;
}

/** A sampling decision as both Datadog-aware styles write it: a priority and its `_dd.p.*` tags. */
interface SamplingDecision<Tags> {
  samplingPriority: number;
  tags: Tags | Record<string, string> | undefined;
}

/**
 * Internal: the priority and tags that agree with the W3C sampled flag (`sampled`), the one rule of the
 * `datadog` and `tracecontext` styles on inject and of the `tracecontext` style on extract: `priority`
 * when its sign agrees with the flag (keep <=> priority > 0, dd-trace-java `PrioritySampling`); else
 * the flag decides (1 or 0, as dd-trace-java `W3CHttpCodec` and dd-trace-js
 * `_extractTraceparentContext` do) and a decision maker in `tags` becomes `-0` on keep or is removed on
 * drop (Datadog system-tests `test_headers_tracestate_dd_propagate_propagatedtags_change_sampling_*`;
 * dd-trace-js keeps the old one). A priority that is undefined or not an integer of at most 10 digits
 * is unknown: the flag decides, `tags` unchanged (dd-trace-java, -py and -go refuse such a priority on
 * extract). Never mutates `tags` (a changed decision maker is written on a copy); tags that throw when
 * read (stored tags an application changed in place) give no tags, said once per process
 * (`TRACEHOP_DATADOG_CONTEXT_UNREADABLE`, docs/warnings.md).
 */
export function decisionOfFlag<Tags extends Readonly<Record<string, string>>>(
  priority: number | undefined,
  sampled: boolean,
  tags: Tags | undefined,
): SamplingDecision<Tags> {
  const samplingPriority = priorityOfFlag(priority, sampled);
  // The flag decided against a priority it could propagate: its decision maker follows.
  if (priority === undefined || !isPropagatablePriority(priority) || samplingPriority === priority)
    return { samplingPriority, tags };
  try {
    return { samplingPriority, tags: overrideDecisionMaker(tags, sampled) };
  } catch (err) {
    warnUnreadableTags(err);
    return { samplingPriority, tags: undefined };
  }
}

/**
 * Internal: the sampling priority of {@link decisionOfFlag} alone: `priority` when it is known (an
 * integer of at most 10 digits) and its sign agrees with the W3C sampled flag (`sampled`; keep <=>
 * priority > 0), else the flag's own priority, 1 or 0. Never throws.
 */
export function priorityOfFlag(priority: number | undefined, sampled: boolean): number {
  return priority !== undefined && isPropagatablePriority(priority) && priority > 0 === sampled
    ? priority
    : sampled
      ? 1
      : 0;
}

/**
 * Tags after the W3C sampled flag overrode the Datadog priority: a decision maker becomes `-0` on
 * keep and is removed on drop. Tags without a decision maker are returned unchanged. Never mutates
 * `tags`.
 */
function overrideDecisionMaker<Tags extends Readonly<Record<string, string>>>(
  tags: Tags | undefined,
  sampled: boolean,
): Tags | Record<string, string> | undefined {
  if (tags === undefined || tags[DECISION_MAKER_TAG] === undefined) return tags;
  const copy: Record<string, string> = { ...tags };
  if (sampled) copy[DECISION_MAKER_TAG] = DECISION_MAKER_EXTERNAL_OVERRIDE;
  else delete copy[DECISION_MAKER_TAG];
  return copy;
}
