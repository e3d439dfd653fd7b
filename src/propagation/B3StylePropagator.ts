import {
  defaultTextMapGetter,
  isValidSpanId,
  isValidTraceId,
  ROOT_CONTEXT,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import {
  B3_CONTEXT_HEADER,
  B3InjectEncoding,
  B3Propagator,
  X_B3_FLAGS,
  X_B3_PARENT_SPAN_ID,
  X_B3_SAMPLED,
  X_B3_SPAN_ID,
  X_B3_TRACE_ID,
} from "@opentelemetry/propagator-b3";
import { isTracingSuppressed } from "@opentelemetry/core";
import { fieldsOfW3CTrace, storeDatadogContext } from "./datadog/datadog-context.js";
import { sampledDatadogPriority, type ResolvedInjection } from "./datadog/injection-fields.js";
import { isSampledFlags, withKnownFlags } from "./trace-flags.js";
import { clearOwnFields, plainWriteSetter } from "./stale-fields.js";
import { isContext } from "../is-context.js";
import { layerOver, withoutValues } from "./context-values.js";
import { isOws } from "./header-text.js";
import { B3_DEBUG_FLAG_KEY, B3_DEFERRED_KEY } from "./extraction-result.js";
import { notAContext, warnExtractFailed, warnInjectFailed } from "./style-failure.js";
import { trimOws } from "./w3c/baggage.js";
import { hexDigitsCase } from "./w3c/traceparent.js";

/**
 * Internal: a B3 trace id: 16 or 32 hex digits, any case (dd-trace-js `b3TraceExpr`); also what
 * `tracehop inspect` checks a rejected B3 id against.
 */
export const B3_TRACE_ID = /^(?:[0-9a-f]{16}){1,2}$/i;
/**
 * Internal: a B3 span id: 16 hex digits, any case (dd-trace-js `b3SpanExpr`); also what
 * `tracehop inspect` checks a rejected B3 id against.
 */
export const B3_SPAN_ID = /^[0-9a-f]{16}$/i;
/**
 * The Datadog priority of a B3 debug decision: USER_KEEP (dd-trace-js `getB3Priority`, `ext/priority`).
 */
const B3_DEBUG_PRIORITY = 2;
/** The field of the `b3` style, removed from a carrier before a context is written there. */
const B3_SINGLE_FIELDS: ReadonlySet<string> = new Set([B3_CONTEXT_HEADER]);
/** The fields of the `b3multi` style, removed from a carrier before a context is written there. */
const B3_MULTI_FIELDS: ReadonlySet<string> = new Set([
  X_B3_TRACE_ID,
  X_B3_SPAN_ID,
  X_B3_PARENT_SPAN_ID,
  X_B3_SAMPLED,
  X_B3_FLAGS,
]);

/**
 * Internal: true when `context` is a B3 style's extraction without a sampling state (B3 "Defer"): its
 * sampled flag says only "not dropped yet", as that of a Datadog context without a priority, so
 * `createPropagator`'s precedence lets a later traceparent of the trace decide (`adoptTraceContext`).
 */
export function isDeferredB3(context: Context): boolean {
  return context.getValue(B3_DEFERRED_KEY) === true;
}

/**
 * The `b3` and `b3multi` styles of `createPropagator`: @opentelemetry/propagator-b3's `B3Propagator`
 * (single-header or multi-header injection), with the headers checked and normalized before its
 * extract reads them (docs/conformance.md, section "B3 styles").
 *
 * - Each style reads only the form it writes, as dd-trace-js does (`text_map.js`,
 *   `_extractSpanContext`: `b3multi` the `x-b3-*` headers, `b3` / `b3 single header` the `b3` header);
 *   a service that must accept both forms lists both styles (`b3,b3multi`).
 * - Ids as dd-trace-js reads them (`b3TraceExpr`, `b3SpanExpr`, `b3HeaderExpr`): a trace id of 16 or 32
 *   hex digits, a span id of 16, any case, lower-cased; SP/HTAB around a value ignored. The sampled and
 *   debug flags are OpenTelemetry's (an absent state aside, below); a single-header `D` is a plain
 *   keep (only a lower-case `d` is debug, as in dd-trace-js); a sampling-only header (`b3: 1`) gives
 *   no context.
 * - The debug flag (`x-b3-flags: 1`, `d`) is a user decision to keep the trace: the extraction carries
 *   the Datadog fields `{ samplingPriority: 2 }` (USER_KEEP, plus `_dd.p.tid` of a 128-bit trace id),
 *   as dd-trace-js 5 `getB3Priority` reads it, without a decision maker.
 * - No sampling state (B3 "Defer": no `x-b3-sampled` and no `x-b3-flags: 1`; a `b3` header
 *   `{trace}-{span}`) leaves the decision to the receiver (openzipkin/b3-propagation). It is read as the
 *   `datadog` style reads headers without `x-datadog-sampling-priority`: sampled flag set, no Datadog
 *   priority, so an SDK's ParentBased sampler keeps the trace and the next injection writes its
 *   decision (`x-b3-sampled: 1`, `x-datadog-sampling-priority: 1`), as dd-trace-js does once its
 *   sampler has decided (`getB3Priority` gives no priority). OpenTelemetry's B3 propagator reads it as
 *   not sampled, which ParentBased drops.
 * - Without the debug flag nothing Datadog-specific is stored (the `tracecontext` style then writes no
 *   `dd=` member).
 * - Injection writes the debug flag in the form of the style whichever form it was read from, and
 *   `x-b3-flags: 1` for a Datadog priority above 1, as dd-trace-js (see `debugState`).
 * - Injection into a plain-object carrier through `@opentelemetry/api`'s `defaultTextMapSetter` first
 *   removes the style's own stale fields there, in any case (`b3`; `x-b3-traceid`, `x-b3-spanid`,
 *   `x-b3-parentspanid`, `x-b3-sampled`, `x-b3-flags`): another trace's parent span id or debug flag
 *   never stays beside the new ids (docs/conformance.md, "Inject into a carrier that holds another
 *   context").
 *
 * Neither `inject` nor `extract` ever throws, also when the class is called alone (as `createPropagator`
 * calls its only style): a Context whose `getValue`, `setValue` or `deleteValue` throws, a span or span
 * context whose members throw when read, a getter or setter that throws, are each said with `diag.warn`
 * as `createPropagator` says a style's failure (`tracehop: b3 inject failed`, `tracehop: b3multi extract
 * failed`); inject then keeps what it wrote before the throw, extract returns `context` unchanged, as it
 * does when nothing valid is found.
 */
export class B3StylePropagator implements TextMapPropagator {
  private readonly _b3: B3Propagator;

  /** `single`: the `b3` style (one `b3` header); else `b3multi` (`x-b3-*`). */
  constructor(private readonly _single: boolean) {
    this._b3 = new B3Propagator({
      injectEncoding: _single ? B3InjectEncoding.SINGLE_HEADER : B3InjectEncoding.MULTI_HEADER,
    });
  }

  /**
   * OpenTelemetry's B3 injection, with the ids in lower case: B3 ids are lower-hex
   * (openzipkin/b3-propagation; Brave refuses `A-F`), and `trace.setSpanContext` takes upper-case
   * hex from an application (`isSpanContextValid` accepts it), which OpenTelemetry's B3 propagator
   * writes as given. Nothing is written for ids that are not valid hex or are all zero.
   *
   * The sampled state (`x-b3-sampled`, the third field of `b3`) is the sampled bit of
   * `knownTraceFlags`, as every other style writes it: OpenTelemetry's B3 propagator reads
   * `traceFlags & 1` itself, which agrees for a number, but throws a TypeError for a bigint and
   * writes no `x-b3-sampled` for `undefined` (a deferred decision, where the traceparent says not
   * sampled); the span context is therefore handed over with its known flags (`withKnownFlags`).
   *
   * The debug flag ({@link debugState}) is handed over in the spelling of the form written (`"1"`
   * for `x-b3-flags`, `"d"` for the single header), whichever form it was read from.
   *
   * Never throws: a carrier or setter that refuses a write (a frozen object, a string, a setter that
   * throws) keeps the headers written before the refusal, said with `diag.warn` as `createPropagator`
   * says it: `tracehop: b3 inject failed` (`b3multi`).
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) writes nothing and is said once
   * as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (!isContext(context)) {
      notAContext(this._single ? "b3" : "b3multi", "inject", context);
      return;
    }
    try {
      const spanContext = trace.getSpanContext(context);
      if (spanContext === undefined) return;
      // Lower-cased only: OpenTelemetry's inject checks the ids (isSpanContextValid), once.
      const traceId = lowerCaseId(spanContext.traceId, 32);
      const spanId = lowerCaseId(spanContext.spanId, 16);
      if (traceId === undefined || spanId === undefined) return;
      this._inject(context, spanContext, traceId, spanId, undefined, carrier, setter);
    } catch (err) {
      warnInjectFailed(this._single ? "b3" : "b3multi", err);
    }
  }

  /**
   * Internal: {@link B3StylePropagator.inject} of a context already resolved by `resolveInjection`
   * (`createPropagator`'s composite resolves it once for every style that reads the Datadog fields).
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  injectResolved(resolved: ResolvedInjection, carrier: unknown, setter: TextMapSetter): void {
    const { context, spanContext, traceId, spanId } = resolved;
    this._inject(context, spanContext, traceId, spanId, resolved, carrier, setter);
  }

  /**
   * OpenTelemetry's injection of `spanContext` with the lower-case ids `traceId` and `spanId` (checked by
   * `resolved`, when given; else by OpenTelemetry's inject, whose check is the same: hex digits, not all
   * zero, and before the style's stale fields are removed), and the
   * debug flag {@link debugState} gives (from `resolved`, the composite's resolution of the context, when
   * it made one). `context` itself is handed over when it already holds what is written (lower-case
   * ids, known flags, the debug key of the form written): a span of an OpenTelemetry SDK without a debug
   * decision; else one copy of it.
   */
  private _inject(
    context: Context,
    spanContext: SpanContext,
    traceId: string,
    spanId: string,
    resolved: ResolvedInjection | undefined,
    carrier: unknown,
    setter: TextMapSetter,
  ): void {
    const ids =
      traceId === spanContext.traceId && spanId === spanContext.spanId ? undefined : { traceId, spanId };
    // OpenTelemetry's B3 injection writes nothing under suppressed tracing: nothing is removed then.
    if (
      setter !== plainWriteSetter &&
      !isTracingSuppressed(context) &&
      (resolved !== undefined || (isValidTraceId(traceId) && isValidSpanId(spanId)))
    )
      clearOwnFields(carrier, setter, this._single ? B3_SINGLE_FIELDS : B3_MULTI_FIELDS, false);
    const held = context.getValue(B3_DEBUG_FLAG_KEY);
    const state = debugState(context, spanContext, held, resolved);
    let debug: string | undefined;
    if (state === "b3") debug = this._single ? "d" : "1";
    else if (state === "datadog" && !this._single) debug = "1";
    let injected = withKnownFlags(context, spanContext, ids);
    if (held !== debug)
      injected =
        debug === undefined
          ? injected.deleteValue(B3_DEBUG_FLAG_KEY)
          : injected.setValue(B3_DEBUG_FLAG_KEY, debug);
    this._b3.inject(injected, carrier, setter);
  }

  /**
   * OpenTelemetry's B3 extraction of the checked headers; with the debug flag, the trace also carries
   * Datadog priority 2 (USER_KEEP); without a sampling state (B3 "Defer") it is sampled (see the class
   * comment).
   *
   * Never throws: a carrier or getter that throws yields `context`, said with `diag.warn` as
   * `createPropagator` says it: `tracehop: b3 extract failed` (`b3multi`).
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) yields ROOT_CONTEXT, nothing
   * extracted, said once as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (!isContext(context)) return notAContext(this._single ? "b3" : "b3multi", "extract", context);
    try {
      if (this._single) {
        const b3 = singleValue(firstValue(carrier, getter, B3_CONTEXT_HEADER));
        if (b3 === undefined) return context;
        const state = singleState(b3);
        // A Defer is read as sampled (see the class comment): OpenTelemetry is given that state.
        return this._extracted(context, state === "defer" ? `${b3}-1` : b3, B3_VALUE_GETTER, state);
      }
      const headers = multiHeaders(carrier, getter);
      if (headers === undefined) return context;
      const state =
        headers[X_B3_FLAGS] === "1" ? "debug" : headers[X_B3_SAMPLED] === undefined ? "defer" : "decided";
      if (state === "defer") headers[X_B3_SAMPLED] = "1";
      return this._extracted(context, headers, defaultTextMapGetter, state);
    } catch (err) {
      warnExtractFailed(this._single ? "b3" : "b3multi", err);
      return context;
    }
  }

  /**
   * OpenTelemetry's B3 extraction onto `context` of the checked headers (`carrier`, read by `getter`),
   * whose sampling state is `state` ({@link singleState}); `context` itself when it refuses them (all-zero
   * ids, a sampled value it does not know). One context copy besides OpenTelemetry's, for a Defer (its
   * mark) or a debug flag (the Datadog fields); a base context's earlier Defer mark or, for a `b3` header
   * without `d`, its debug flag is hidden (this extraction has neither). Onto a base other than
   * `ROOT_CONTEXT` every copy is of a layer over it (`layerOver`, `withoutValues`), never of the base's
   * values: OpenTelemetry's extract sets its values one `setValue` at a time.
   */
  private _extracted(
    context: Context,
    carrier: unknown,
    getter: TextMapGetter,
    state: "debug" | "defer" | "decided",
  ): Context {
    let base = context;
    // ROOT_CONTEXT holds no earlier extraction, and its copies are of no values.
    if (context !== ROOT_CONTEXT) {
      let hidden: symbol[] | undefined;
      // A base context that holds an earlier deferred extraction: this one is not.
      if (state !== "defer" && isDeferredB3(context)) (hidden ??= []).push(B3_DEFERRED_KEY);
      // Nor an earlier debug flag, which OpenTelemetry's single-header extract keeps (it sets its key for
      // `d` only; the multi-header one sets it every time).
      if (state !== "debug" && this._single && context.getValue(B3_DEBUG_FLAG_KEY) !== undefined)
        (hidden ??= []).push(B3_DEBUG_FLAG_KEY);
      base = hidden === undefined ? layerOver(context) : withoutValues(context, hidden);
    }
    if (state === "defer") base = base.setValue(B3_DEFERRED_KEY, true);
    const extracted = this._b3.extract(base, carrier, getter);
    if (extracted === base) return context;
    if (state !== "debug") return extracted;
    const spanContext = trace.getSpanContext(extracted);
    if (spanContext === undefined) return extracted;
    const fields = fieldsOfW3CTrace(spanContext.traceId, spanContext.traceFlags);
    fields.samplingPriority = B3_DEBUG_PRIORITY;
    return storeDatadogContext(extracted, fields, spanContext.traceId);
  }

  fields(): string[] {
    return this._b3.fields();
  }
}

/**
 * Whether the trace of `context` is injected with the B3 debug flag, and why, as dd-trace-js writes
 * it (`text_map.js` `#injectB3MultipleHeaders`: `x-b3-flags: 1` for a priority above AUTO_KEEP;
 * `#injectB3SingleHeader` writes only `1` or `0`):
 *
 * - `"b3"`: a B3 debug flag was extracted (OpenTelemetry's debug key, `"d"` or `"1"`): written in
 *   either form (`x-b3-flags: 1`, or `d` in the `b3` header), so that the flag survives a change of
 *   form;
 * - `"datadog"`: the trace has a Datadog priority above 1 (USER_KEEP, from `x-datadog-sampling-priority`,
 *   `dd=s:`, `setDatadogContext`) without a B3 debug flag: `x-b3-flags: 1` in the multi-header form,
 *   a plain `1` in the single header, as dd-trace-js writes them;
 * - `undefined`: no debug flag.
 *
 * The priority is the one the `datadog` style writes for the context (`resolved`, the composite's
 * `resolveInjection`, when it made one; else `sampledDatadogPriority`, the same priority read alone):
 * when the trace has Datadog fields, they decide (a `datadog` context that won extraction with priority 1
 * has no debug flag even if the `x-b3-*` headers read with it had one). `held`: the context's
 * OpenTelemetry debug key. Debug is a keep decision: never for a span context whose sampled flag is
 * clear. Throws when the context, its span context or the tracestate throws when read: its callers catch
 * that (`inject`; the composite around `injectResolved`), so the style never throws.
 */
function debugState(
  context: Context,
  spanContext: SpanContext,
  held: unknown,
  resolved: ResolvedInjection | undefined,
): "b3" | "datadog" | undefined {
  if (!isSampledFlags(spanContext.traceFlags)) return undefined;
  const b3Debug = held === "1" || held === "d";
  const priority =
    resolved === undefined
      ? sampledDatadogPriority(context, spanContext)
      : resolved.hasDatadogFields
        ? resolved.fields.samplingPriority
        : undefined;
  if (priority === undefined) return b3Debug ? "b3" : undefined;
  if (priority <= 1) return undefined;
  return b3Debug ? "b3" : "datadog";
}

/**
 * `id` in lower case when it is text of `length` characters, else `undefined`: B3 ids are lower-hex
 * (openzipkin/b3-propagation; Brave refuses `A-F`), and `trace.setSpanContext` takes upper-case hex.
 * Whether it is hex, and not all zero, is OpenTelemetry's inject's check (`isSpanContextValid`): no
 * character outside `A-F` lower-cases into a hex digit, so the check gives the same answer before and
 * after. Never throws.
 */
function lowerCaseId(id: unknown, length: number): string | undefined {
  return typeof id === "string" && id.length === length ? id.toLowerCase() : undefined;
}

/** The first value of a header, as OpenTelemetry's B3 propagator takes it (`[0]` of an array). */
function firstValue(carrier: unknown, getter: TextMapGetter, key: string): unknown {
  const value = getter.get(carrier, key);
  return Array.isArray(value) ? (value as unknown[])[0] : value;
}

/**
 * A well-formed id header (a trace id of 16 or 32 hex digits with `trace`, else a span id of 16, any
 * case: dd-trace-js `b3TraceExpr`, `b3SpanExpr`), trimmed and lower-cased, or undefined.
 */
function idValue(carrier: unknown, getter: TextMapGetter, key: string, trace: boolean): string | undefined {
  const value = firstValue(carrier, getter, key);
  if (typeof value !== "string") return undefined;
  const text = trimOws(value);
  const length = text.length;
  if (length !== 16 && (!trace || length !== 32)) return undefined;
  const digits = hexDigitsCase(text, 0, length);
  if (digits < 0) return undefined;
  return digits === 0 ? text : text.toLowerCase();
}

/** The `-` between the fields of a `b3` header. */
const DASH = 0x2d;
/** The sampling states of a `b3` header: `0`, `1`, `d` (debug), and `D`, read as `1` (see singleValue). */
const STATE_0 = 0x30;
const STATE_1 = 0x31;
const STATE_DEBUG = 0x64;
const STATE_UPPER_D = 0x44;

/**
 * The `b3` header `value` in the form OpenTelemetry's B3 propagator is given, when it has ids:
 * `{trace}-{span}[-{state}[-{parent}]]` (dd-trace-js `b3HeaderExpr`: a trace id of 16 or 32 hex digits,
 * span and parent ids of 16, any case; a state `0`, `1`, `d` or `D`), SP/HTAB around it ignored; else
 * `undefined`. That form is `value` itself when it is already one OpenTelemetry reads as dd-trace-js does
 * (no SP/HTAB, lower case, no `D`): no copy. Else it is trimmed and lower-cased, and its state `D` given as
 * `1`: dd-trace-js reads only a lower-case `d` as debug (`extractB3SingleHeader`; `b3HeaderExpr` accepts
 * `D`, read as sampled). Never throws.
 */
function singleValue(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  // The trace id is the 16 or 32 digits before the first `-`.
  const traceLength = value.charCodeAt(start + 16) === DASH ? 16 : 32;
  const ids = traceLength + 17;
  const length = end - start;
  if (length !== ids && length !== ids + 2 && length !== ids + 19) return undefined;
  const traceCase = hexDigitsCase(value, start, traceLength);
  const spanCase = hexDigitsCase(value, start + traceLength + 1, 16);
  if (traceCase < 0 || spanCase < 0 || value.charCodeAt(start + traceLength) !== DASH) return undefined;
  let upper = traceCase + spanCase;
  let state = -1;
  if (length > ids) {
    state = value.charCodeAt(start + ids + 1);
    if (value.charCodeAt(start + ids) !== DASH) return undefined;
    if (state !== STATE_0 && state !== STATE_1 && state !== STATE_DEBUG && state !== STATE_UPPER_D)
      return undefined;
    if (length > ids + 2) {
      const parentCase = hexDigitsCase(value, start + ids + 3, 16);
      if (parentCase < 0 || value.charCodeAt(start + ids + 2) !== DASH) return undefined;
      upper += parentCase;
    }
  }
  if (start === 0 && end === value.length && upper === 0 && state !== STATE_UPPER_D) return value;
  const b3 = value.slice(start, end).toLowerCase();
  return state === STATE_UPPER_D ? `${b3.slice(0, ids + 1)}1${b3.slice(ids + 2)}` : b3;
}

/**
 * A getter whose carrier is the checked `b3` header value itself ({@link singleValue}): what
 * OpenTelemetry's B3 extract reads when the `b3` style hands it that value (no second carrier object).
 */
const B3_VALUE_GETTER: TextMapGetter<string> = {
  get: (value, key) => (key === B3_CONTEXT_HEADER ? value : undefined),
  keys: () => [B3_CONTEXT_HEADER],
};

/**
 * The sampling state of a checked `b3` value ({@link singleValue}; openzipkin/b3-propagation,
 * "Sampling State"), as dd-trace-js reads it (`extractB3SingleHeader`): `"debug"` for `d`, `"defer"`
 * without a state (`{trace}-{span}`), `"decided"` for `0` or `1`.
 */
function singleState(b3: string): "debug" | "defer" | "decided" {
  const ids = b3.charCodeAt(16) === DASH ? 33 : 49;
  if (b3.length === ids) return "defer";
  return b3.charCodeAt(ids + 1) === STATE_DEBUG ? "debug" : "decided";
}

/**
 * The `x-b3-*` headers as a carrier of their own, when the trace and span ids are well-formed: the ids
 * lower-cased, the sampling state as {@link stateValue} reads it. Their sampling state (openzipkin/b3-
 * propagation, "Sampling State"), as dd-trace-js reads it (`getB3Priority`): debug for `x-b3-flags`
 * exactly `1`; Defer without `x-b3-sampled` (absent, empty, or an empty array) and without that flag;
 * else accept or deny (a value OpenTelemetry refuses gives no context).
 */
function multiHeaders(carrier: unknown, getter: TextMapGetter): Record<string, unknown> | undefined {
  const traceId = idValue(carrier, getter, X_B3_TRACE_ID, true);
  if (traceId === undefined) return undefined;
  const spanId = idValue(carrier, getter, X_B3_SPAN_ID, false);
  if (spanId === undefined) return undefined;
  return {
    [X_B3_TRACE_ID]: traceId,
    [X_B3_SPAN_ID]: spanId,
    [X_B3_SAMPLED]: stateValue(carrier, getter, X_B3_SAMPLED),
    [X_B3_FLAGS]: stateValue(carrier, getter, X_B3_FLAGS),
  };
}

/**
 * A sampling-state header (`x-b3-sampled`, `x-b3-flags`), SP/HTAB around it ignored as around the ids;
 * `undefined` when it is empty, as dd-trace-js reads an empty one (`if (carrier[b3SampledKey])`: no
 * state, so a Defer), where OpenTelemetry's B3 propagator refuses the whole context.
 */
function stateValue(carrier: unknown, getter: TextMapGetter, key: string): unknown {
  const value = firstValue(carrier, getter, key);
  if (typeof value !== "string") return value;
  const text = trimOws(value);
  return text === "" ? undefined : text;
}
