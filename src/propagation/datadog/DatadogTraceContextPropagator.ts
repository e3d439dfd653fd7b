import {
  createTraceState,
  diag,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type TraceState,
} from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import {
  clearTraceContextFields,
  TraceContextPropagator,
  writeTraceContext,
} from "../w3c/TraceContextPropagator.js";
import { TID_TAG, TRACESTATE_DD_KEY } from "./constants.js";
import {
  DATADOG_CONTEXT_KEY,
  fieldsOfW3CTrace,
  storedDatadogContext,
  storedW3CDatadogContext,
  type StoredDatadogContext,
  storedDatadogContextFor,
  type DatadogContext,
} from "./datadog-context.js";
import { contextWithSpan, layerOver } from "../context-values.js";
import { clearExtractionResult, type StyleExtraction } from "../extraction-result.js";
import { asLowerHex16, ZERO_HEX16 } from "./ids.js";
import {
  decisionOfFlag,
  resolveDdMemberInjection,
  resolveStoredInjection,
  type ResolvedInjection,
} from "./injection-fields.js";
import { isSampledFlags, withKnownFlags } from "../trace-flags.js";
import { TRACE_PARENT_HEADER, TRACE_STATE_HEADER, TRACE_STATE_MAX_MEMBERS } from "../w3c/constants.js";
import { isValidSpanContext, traceParentOf } from "../w3c/traceparent.js";
import { W3CTraceState } from "../w3c/W3CTraceState.js";
import { DD_MEMBER_PREFIX, decodeDdLastParentId, decodeDdMember } from "./tracestate-dd.js";
import { describeValue } from "../../describe-value.js";
import { isContext } from "../../is-context.js";
import { notAContext, warnExtractFailed, warnInjectFailed } from "../style-failure.js";

/**
 * The `tracecontext` style made Datadog-aware, as Datadog's tracers do it (Datadog docs, "Propagating
 * trace context"; dd-trace-java `W3CHttpCodec`, dd-trace-js `_extractTraceparentContext`):
 * a wrapper around a strict W3C Trace Context propagator (default: tracehop's
 * `TraceContextPropagator`) that moves the Datadog fields through the `dd=` member of tracestate.
 *
 * Extract (after the W3C propagator accepted `traceparent`):
 * - priority: tracestate `s:` when its sign agrees with the sampled flag, else the flag (1 or 0);
 *   when the flag overrides `s:`, `_dd.p.dm` becomes `-0` on keep and is removed on drop (Datadog
 *   system-tests `test_headers_tracestate_dd_propagate_samplingpriority` and `..._change_sampling_*`);
 * - origin from `o:` and `_dd.p.<name>` from `t.<name>`, with `~` decoded to `=`;
 * - `_dd.p.tid` from the upper 64 bits of `traceparent` unless they are zero; `t.tid` never overrides
 *   them (system-tests `test_tracestate_w3c_context_leak`, `test_w3c_128_bit_propagation_tid_*`);
 * - `p:` copied unvalidated to `lastParentId`, exported as `_dd.parent_id` (system-tests
 *   `test_tracestate_w3c_p_extract`).
 * The tracestate itself (all members, `dd` included) stays on the SpanContext for re-injection.
 *
 * Inject: a new `dd=` member first in tracestate, replacing the old one, with `s`, `o`, `p` (the
 * injecting span, or the stored `_dd.parent_id` for a remote context re-injected as is), `t.dm`,
 * `t.tid`, other `t.*`, then the elements of the span's old `dd` member whose keys are none of these
 * (relayed as dd-trace-js's `tracestate.js` relays them), at most 256 characters
 * (dd-trace-java `W3CPTagsCodec`); at most 32 members, dropped from the right (W3C Trace Context
 * tracestate limits; Datadog system-tests `test_headers_tracestate_dd_keeps_32_or_fewer_list_members`).
 * The `traceparent` sampled flag and `s:` always agree (dd-trace-java `W3CHttpCodec.injectTraceParent`):
 * both come from the same flags (a `traceFlags` that is not a number read as the OpenTelemetry SDK's
 * sampler reads it), and a wrapped W3C propagator is given those flags.
 * A plain-object carrier written through `@opentelemetry/api`'s `defaultTextMapSetter` first loses its
 * `traceparent`/`tracestate` fields in any case, when a traceparent is written (as
 * `TraceContextPropagator` does; docs/conformance.md, "Inject into a carrier that holds another context").
 * Never throws on bad input.
 */
export class DatadogTraceContextPropagator implements TextMapPropagator {
  private readonly _w3c: TextMapPropagator;
  /** True when `_w3c` is tracehop's own TraceContextPropagator: inject may then write the headers itself. */
  private readonly _direct: boolean;

  /**
   * A propagator of the `tracecontext` style that reads and writes the Datadog `dd=` tracestate member
   * around a W3C Trace Context propagator.
   *
   * @param w3c the strict W3C Trace Context propagator to wrap (default `new TraceContextPropagator()`).
   * @throws TypeError when `w3c` is not a TextMapPropagator (an object with `inject` and `extract`).
   */
  constructor(w3c: TextMapPropagator = new TraceContextPropagator()) {
    const given = w3c as Partial<TextMapPropagator> | null;
    if (given === null || typeof given.inject !== "function" || typeof given.extract !== "function")
      throw new TypeError(
        `tracehop DatadogTraceContextPropagator: w3c must be a TextMapPropagator (inject and extract methods), got ${describeValue(w3c)}`,
      );
    this._w3c = w3c;
    this._direct = w3c.constructor === TraceContextPropagator;
  }

  /**
   * Writes `traceparent` and `tracestate` with the `dd=` member for `context` (see the class comment).
   * Never throws: a carrier or setter that refuses a write (a frozen object, a string, `null` with a
   * setter that indexes it, a setter or Proxy trap that throws), or a wrapped W3C propagator that
   * throws, keeps the headers written before the refusal, and the refusal is said with `diag.warn` as
   * `createPropagator` says it: `tracehop: tracecontext inject failed`.
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) writes nothing and is said once
   * as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (!isContext(context)) {
      notAContext("tracecontext", "inject", context);
      return;
    }
    try {
      const spanContext = trace.getSpanContext(context);
      if (!spanContext || isTracingSuppressed(context)) return;
      let stored = storedDatadogContextFor(context, spanContext.traceId);
      // A W3C-only extraction's fields are derived from the traceparent alone: no Datadog state to write.
      if (stored?.derivedFromW3C) stored = undefined;
      const raw = stored === undefined ? spanContext.traceState?.get(TRACESTATE_DD_KEY) : undefined;
      // A trace without a Datadog context (started locally by an OpenTelemetry-only service, or restored
      // from a traceparent without a dd= member): plain W3C headers, without resolving Datadog fields
      // nobody writes. This is resolveInjection's lookup, kept inline so that this path (target T2)
      // allocates no ResolvedInjection.
      if (stored === undefined && raw === undefined)
        return this._injectW3C(context, spanContext, carrier, setter);
      const resolved =
        stored === undefined
          ? resolveDdMemberInjection(context, spanContext, raw)
          : resolveStoredInjection(context, spanContext, stored);
      if (resolved !== undefined) this.injectResolved(resolved, carrier, setter);
    } catch (err) {
      warnInjectFailed("tracecontext", err);
    }
  }

  /**
   * Internal: {@link DatadogTraceContextPropagator.inject} of a context already resolved by
   * `resolveInjection` (injection-fields.ts): `createPropagator`'s composite resolves it once for both
   * Datadog-aware styles.
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  injectResolved(resolved: ResolvedInjection, carrier: unknown, setter: TextMapSetter): void {
    const { context, spanContext, fields } = resolved;
    if (!resolved.hasDatadogFields) return this._injectW3C(context, spanContext, carrier, setter);
    const traceState = spanContext.traceState;
    const lastParentId = fields.lastParentId;
    const parentId =
      (spanContext.isRemote && lastParentId !== undefined ? asLowerHex16(lastParentId) : undefined) ??
      resolved.spanId;
    const value = resolved.encoded.ddMemberValue(fields.samplingPriority, parentId, traceState);
    // The headers written directly: traceparent from the span context, tracestate as `dd=<value>`
    // followed by the other members (what the W3C propagator would write for the span context with
    // `withDdMember(traceState, value)`, without building that TraceState and Context).
    // `value` is a valid tracestate value by construction (encodeDdMemberValue): not scanned again.
    if (this._direct && (traceState === undefined || traceState instanceof W3CTraceState)) {
      const header =
        traceState === undefined
          ? DD_MEMBER_PREFIX + value
          : traceState.wireValueWithPair(TRACESTATE_DD_KEY, value, true);
      clearTraceContextFields(carrier, setter);
      setter.set(
        carrier,
        TRACE_PARENT_HEADER,
        traceParentOf(resolved.traceId, resolved.spanId, spanContext.traceFlags),
      );
      if (header !== undefined) setter.set(carrier, TRACE_STATE_HEADER, header);
      return;
    }
    // The wrapped propagator gets the flags `s:` followed (knownTraceFlags), not a "1" or a `true` it
    // might read otherwise.
    const withDd = withDdMember(traceState, value);
    clearTraceContextFields(carrier, setter);
    this._w3c.inject(withKnownFlags(context, spanContext, { traceState: withDd }), carrier, setter);
  }

  /**
   * A trace without Datadog fields (no Datadog context, no dd= member): plain W3C, no tracestate
   * header when the context has none (W3C Trace Context: vendors SHOULD avoid sending an empty
   * tracestate). tracehop's own W3C propagator: its headers written here (formatTraceParent
   * validates the ids), without a `dd` member that a TraceState of another implementation serialises
   * although its `get("dd")` found none (a key with OWS around it): the `dd` member is only written
   * from the Datadog fields.
   */
  private _injectW3C(
    context: Context,
    spanContext: SpanContext,
    carrier: unknown,
    setter: TextMapSetter,
  ): void {
    if (this._direct) writeTraceContext(spanContext, carrier, setter, TRACESTATE_DD_KEY);
    else if (isValidSpanContext(spanContext)) {
      clearTraceContextFields(carrier, setter);
      this._w3c.inject(withKnownFlags(context, spanContext), carrier, setter);
    }
  }

  /**
   * `context` with the remote span context of the carrier's `traceparent` and `tracestate` and the
   * Datadog fields of its `dd=` member, or `context` unchanged (see the class comment). Never throws: a
   * carrier or getter that throws, or a wrapped W3C propagator that throws, yields `context`; a throw that
   * reaches this method (the wrapped propagator's) is said with `diag.warn` as `createPropagator` says
   * it: `tracehop: tracecontext extract failed`.
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) yields ROOT_CONTEXT, nothing
   * extracted, said once as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (!isContext(context)) return notAContext("tracecontext", "extract", context);
    try {
      // What an earlier extraction kept in `context` (links, restored root, Datadog fields, the B3 debug
      // flag) does not describe this one (clearExtractionResult).
      const base = clearExtractionResult(context);
      if (!this._direct) {
        // The wrapped propagator sets its values one at a time: onto a layer over the base (layerOver).
        const layer = layerOver(base);
        const extracted = this._w3c.extract(layer, carrier, getter);
        if (extracted === layer) return context;
        const spanContext = trace.getSpanContext(extracted);
        if (!spanContext || !isValidSpanContext(spanContext)) return context;
        return extracted.setValue(DATADOG_CONTEXT_KEY, storedContextOf(spanContext));
      }
      const spanContext = (this._w3c as TraceContextPropagator).extractSpanContext(
        carrier,
        getter,
        TRACESTATE_DD_KEY,
      );
      if (spanContext === undefined) return context;
      return contextWithSpan(base, undefined, spanContext, DATADOG_CONTEXT_KEY, storedContextOf(spanContext));
    } catch (err) {
      warnExtractFailed("tracecontext", err);
      return context;
    }
  }

  /**
   * Internal: what {@link DatadogTraceContextPropagator.extract} finds, before it is put into a
   * Context (for `createPropagator`'s composite); `undefined` when it would return `context` unchanged.
   * `lendOnly`: a winner is already chosen, so this context can only lend its tracestate and `p:` or
   * become a span link; its fields are then empty (the winner reads `p:` with {@link lentLastParentId}
   * only when it adopts a different parent).
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  extractParts(
    context: Context,
    carrier: unknown,
    getter: TextMapGetter,
    lendOnly = false,
  ): StyleExtraction | undefined {
    let spanContext: SpanContext | undefined;
    if (this._direct) {
      spanContext = (this._w3c as TraceContextPropagator).extractSpanContext(
        carrier,
        getter,
        TRACESTATE_DD_KEY,
      );
    } else {
      const extracted = this._w3c.extract(context, carrier, getter);
      if (extracted === context) return undefined;
      spanContext = trace.getSpanContext(extracted);
      if (spanContext && !isValidSpanContext(spanContext)) spanContext = undefined;
    }
    if (spanContext === undefined) return undefined;
    const raw = lendOnly ? undefined : spanContext.traceState?.get(TRACESTATE_DD_KEY);
    return {
      traceId: spanContext.traceId,
      spanContext,
      root: undefined,
      clearRoot: false,
      fields: lendOnly ? { propagationTags: {} } : datadogFieldsOf(spanContext, raw),
      // No dd= member: the fields are what the traceparent implies, no Datadog state to write back.
      derivedFromW3C: !lendOnly && !raw,
      baggage: undefined,
      traceIdDecimal: undefined,
    };
  }

  fields(): string[] {
    return this._w3c.fields();
  }
}

/**
 * The stored Datadog context of an extracted W3C span context: its fields decoded from the `dd=`
 * member; without one (a W3C-only extraction) the fields follow from the span context alone and are
 * derived when something reads them, not on every extraction.
 */
function storedContextOf(spanContext: SpanContext): StoredDatadogContext {
  const raw = spanContext.traceState?.get(TRACESTATE_DD_KEY);
  return raw
    ? storedDatadogContext(datadogFieldsOf(spanContext, raw), spanContext.traceId)
    : storedW3CDatadogContext(spanContext.traceId, spanContext.traceFlags);
}

/**
 * The Datadog fields of a W3C span context whose tracestate has the `dd=` member value `raw` (the rules
 * of the class comment): priority from `s:` made to agree with the sampled flag ({@link decisionOfFlag}:
 * else the flag, a stored decision maker becoming `-0` or removed); origin, `t.*` tags and `p:` from the member;
 * `_dd.p.tid` from the upper 64 bits of the trace id, never from `t.tid`. A fresh object.
 */
function datadogFieldsOf(spanContext: SpanContext, raw: string | undefined): DatadogContext {
  // No dd= member (a W3C-only trace): priority from the flag, only `_dd.p.tid` (as dd-trace-js).
  if (!raw) return fieldsOfW3CTrace(spanContext.traceId, spanContext.traceFlags);
  const high = spanContext.traceId.slice(0, 16);
  const member = decodeDdMember(raw);
  const tid = member.tags[TID_TAG];
  if (tid !== undefined) {
    if (tid !== high) diag.debug(`tracehop: tracestate t.tid ${tid} ignored: traceparent says ${high}`);
    delete member.tags[TID_TAG];
  }
  const decision = decisionOfFlag(
    member.samplingPriority,
    isSampledFlags(spanContext.traceFlags),
    member.tags,
  );
  // Decoded for this extraction alone (or copied by the decision): the tags object is this trace's own.
  const tags = decision.tags ?? {};
  if (high !== ZERO_HEX16) tags[TID_TAG] = high;
  const fields: DatadogContext = { samplingPriority: decision.samplingPriority, propagationTags: tags };
  if (member.origin) fields.origin = member.origin;
  if (member.lastParentId !== undefined) fields.lastParentId = member.lastParentId;
  return fields;
}

/**
 * Internal: the only Datadog field a `tracecontext` span context that is not the winner gives the
 * winner: the `p:` of its `dd=` member, as `lastParentId` (dd-trace-js
 * `_resolveTraceContextConflicts`), or `undefined`; its tracestate travels on the span context.
 */
export function lentLastParentId(spanContext: SpanContext): string | undefined {
  const raw = spanContext.traceState?.get(TRACESTATE_DD_KEY);
  return raw ? decodeDdLastParentId(raw) : undefined;
}

/**
 * `traceState` with `dd=<value>` as its first member and any old `dd` member removed; at most
 * {@link TRACE_STATE_MAX_MEMBERS} members, the rightmost dropped (Datadog system-tests
 * `test_headers_tracestate_dd_evicts_32_or_greater_list_members`).
 */
function withDdMember(traceState: TraceState | undefined, value: string): TraceState {
  if (traceState === undefined) return createTraceState(DD_MEMBER_PREFIX + value);
  const updated = traceState.unset(TRACESTATE_DD_KEY).set(TRACESTATE_DD_KEY, value);
  const serialized = updated.serialize();
  let commas = 0;
  for (let i = serialized.indexOf(","); i >= 0; i = serialized.indexOf(",", i + 1)) {
    if (++commas === TRACE_STATE_MAX_MEMBERS) return createTraceState(serialized.slice(0, i));
  }
  return updated;
}
