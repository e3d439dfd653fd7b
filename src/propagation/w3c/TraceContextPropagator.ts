import {
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { contextWithSpan } from "../context-values.js";
import { joinedFieldValue, MAX_FIELD_VALUES } from "../header-text.js";
import {
  JOINED_TRACE_PARENT_MAX_LENGTH,
  TRACE_PARENT_HEADER,
  TRACE_PARENT_LENGTH,
  TRACE_STATE_HEADER,
} from "./constants.js";
import { trimOws } from "./baggage.js";
import { clearOwnFields, setterForStyles } from "../stale-fields.js";
import { isContext } from "../../is-context.js";
import { notAContext, warnExtractFailed, warnInjectFailed } from "../style-failure.js";
import { formatTraceParent, traceParentSpanContext } from "./traceparent.js";
import { serializeTraceStateForWire } from "./tracestate.js";
import { W3CTraceState } from "./W3CTraceState.js";

/**
 * TextMapPropagator for W3C Trace Context Level 2 (https://www.w3.org/TR/trace-context-2/):
 *
 *     traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03
 *     tracestate: rojo=00f067aa0ba902b7,congo=t61rcWkgMzE
 *
 * tracehop's own implementation: `@opentelemetry/core` 2.12's `W3CTraceContextPropagator` passes 37
 * of the 41 cases of the w3c/trace-context test suite (`test/test.py`, STRICT_LEVEL=2) and misreads
 * stored carriers. What differs, and the rule each follows:
 *
 * Extract (never throws; on any failure the given context is returned unchanged):
 * - traceparent: any run of SP/HTAB around the value (RFC 9110 §5.6.3 OWS), future
 *   versions, `ff` and all-zero ids rejected, lower-case hex only, flags reduced to sampled|random.
 * - Repeated traceparent fields (an array from the getter, or joined with `,` in one string as Node's
 *   `req.headers` and `Headers` give them): one distinct value is used; two different values are
 *   invalid and restart the trace (harness test_traceparent_duplicated; core takes `[0]`).
 * - tracestate is read only when traceparent is valid (§3.3 "MUST NOT attempt to parse"), repeated
 *   fields are joined with `,` in order (§3.3.1, RFC 9110 §5.3), and the whole header is discarded when
 *   it breaks the Level 2 grammar or has more than 32 members (as `W3CTraceState.fromHeader` reads it).
 *   The restored SpanContext's `traceState` is a `W3CTraceState` (exported by tracehop) holding every valid member
 *   (the Datadog `dd=` member included); it is left unset when no member remains.
 *
 * Inject (writes nothing for an invalid or missing SpanContext, or when tracing is suppressed):
 * - traceparent version 00 with lower-case ids and flags masked to sampled|random, always two digits
 *   (§3.2.2.5.3); core writes `-011` for flags 0x11 and keeps unknown bits.
 * - tracestate from any `TraceState` implementation, at most 32 members and 512 characters truncated
 *   in the order of §3.3.1.5; no empty tracestate is sent (§3.3.1.1 "SHOULD avoid sending" empty headers).
 * - A plain-object carrier written through `@opentelemetry/api`'s `defaultTextMapSetter` (what
 *   `propagation.inject(context, carrier)` passes; another copy of the api's included) first loses its
 *   `traceparent` and `tracestate` fields in any case (`Traceparent`), when a traceparent is written:
 *   another context's tracestate is never left beside the new traceparent (one carrier, one context,
 *   as tracehop/messaging's writers: DataDog/dd-trace-dotnet#3832). Other fields, other carriers
 *   (a class instance) and other setters (which cannot delete: `TextMapSetter` has only `set`) are left
 *   as they are (docs/conformance.md, "Inject into a carrier that holds another context").
 */
export class TraceContextPropagator implements TextMapPropagator {
  /**
   * Writes `traceparent` and `tracestate` for the span context of `context` (see the class comment).
   * Never throws: a carrier or setter that refuses a write (a frozen object, a string, `null` with a
   * setter that indexes it, a setter or Proxy trap that throws) keeps the headers written before the
   * refusal, and the refusal is said with `diag.warn` as `createPropagator` says it: `tracehop:
   * tracecontext inject failed`.
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
      // One look at the carrier, as createPropagator's composite takes it (setterForStyles): a fresh carrier
      // is written through plainWriteSetter, so that writeTraceContext sees one setter whichever of the two
      // injects (BENCHMARKS.md "Fortieth pass"); a carrier holding a stale field keeps `setter` and is cleared.
      writeTraceContext(spanContext, carrier, setterForStyles(carrier, setter, TRACE_CONTEXT_FIELDS, false));
    } catch (err) {
      warnInjectFailed("tracecontext", err);
    }
  }

  /**
   * `context` with the remote span context of the carrier's `traceparent` and `tracestate`, or `context`
   * unchanged (see the class comment). Never throws: a carrier or getter that throws yields `context`, said with
   * `diag.warn` as `createPropagator` says it: `tracehop: tracecontext extract failed` (the header reads catch
   * most such throws first and read the header as missing).
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) yields ROOT_CONTEXT, nothing
   * extracted, said once as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (!isContext(context)) return notAContext("tracecontext", "extract", context);
    try {
      const spanContext = this.extractSpanContext(carrier, getter);
      return spanContext === undefined
        ? context
        : contextWithSpan(context, undefined, spanContext, undefined, undefined);
    } catch (err) {
      warnExtractFailed("tracecontext", err);
      return context;
    }
  }

  /**
   * Internal: the remote SpanContext {@link TraceContextPropagator.extract} would put into the
   * context (a fresh object), or `undefined` when it would return the context unchanged. `keepOnDiscard`:
   * a vendor key whose valid member is kept from a tracestate discarded for another member's grammar
   * (`W3CTraceState.fromHeaderKeeping`; the Datadog-aware style passes `dd`). Never throws.
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  extractSpanContext(
    carrier: unknown,
    getter: TextMapGetter,
    keepOnDiscard?: string,
  ): SpanContext | undefined {
    try {
      const spanContext = readTraceParent(getter.get(carrier, TRACE_PARENT_HEADER));
      if (spanContext === undefined) return undefined;
      const header = joinedFieldValue(getter.get(carrier, TRACE_STATE_HEADER));
      if (header) {
        const traceState =
          keepOnDiscard === undefined
            ? W3CTraceState.fromHeader(header)
            : W3CTraceState.fromHeaderKeeping(header, keepOnDiscard);
        if (traceState && traceState.size > 0) spanContext.traceState = traceState;
      }
      return spanContext;
    } catch {
      return undefined;
    }
  }

  fields(): string[] {
    return [TRACE_PARENT_HEADER, TRACE_STATE_HEADER];
  }
}

/**
 * The remote SpanContext of the traceparent field(s) a getter returned, or `undefined`. One value (a
 * string) is parsed as it is. Repeated fields — an array, or one string joined with `,` as Node's
 * `req.headers` and WHATWG `Headers` give them (RFC 9110 §5.3) — count as one field when their parts,
 * OWS (SP / HTAB) trimmed, are all the same; two or more parts that each parse as a traceparent and
 * differ are invalid (harness test_traceparent_duplicated). Of an array, the first `MAX_FIELD_VALUES`
 * fields are read. A comma that only sits in the tail of a
 * future-version traceparent (the one part that parses) leaves that value as it is.
 */
function readTraceParent(value: string | string[] | undefined): SpanContext | undefined {
  if (typeof value === "string") {
    const spanContext = traceParentSpanContext(value);
    // A canonical value (55 characters) holds no comma: the hot path asks nothing more.
    if (value.length === TRACE_PARENT_LENGTH || !value.includes(",")) return spanContext;
    return repeatedTraceParent([value], spanContext);
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const fields = value.length > MAX_FIELD_VALUES ? value.slice(0, MAX_FIELD_VALUES) : value;
  for (const field of fields) if (typeof field !== "string") return undefined;
  if (fields.length === 1) return readTraceParent(fields[0]);
  return repeatedTraceParent(fields, undefined);
}

/**
 * {@link readTraceParent}'s rule for several fields or a field with commas. `whole`: the parse of the
 * single string field as it is (a future version may carry a comma in its tail).
 */
function repeatedTraceParent(fields: string[], whole: SpanContext | undefined): SpanContext | undefined {
  const parts: string[] = [];
  for (const field of fields) {
    if (field.length > JOINED_TRACE_PARENT_MAX_LENGTH) return fields.length === 1 ? whole : undefined;
    for (const part of field.split(",")) parts.push(trimOws(part));
  }
  const first = parts[0]!;
  if (parts.every((part) => part === first)) return traceParentSpanContext(first);
  let parsed = 0;
  for (const part of parts) if (traceParentSpanContext(part) !== undefined) parsed++;
  return parsed <= 1 && fields.length === 1 ? whole : undefined;
}

/** The fields of the W3C Trace Context styles, in lower case. */
const TRACE_CONTEXT_FIELDS: ReadonlySet<string> = new Set([TRACE_PARENT_HEADER, TRACE_STATE_HEADER]);

/**
 * Internal: removes the `traceparent` and `tracestate` fields (any case) of a plain-object `carrier`
 * written through `@opentelemetry/api`'s `defaultTextMapSetter` (`clearOwnFields`), before a new
 * traceparent is written there; anything else is left alone. Never throws.
 */
export function clearTraceContextFields(carrier: unknown, setter: TextMapSetter): void {
  clearOwnFields(carrier, setter, TRACE_CONTEXT_FIELDS, false);
}

/**
 * Internal: the headers {@link TraceContextPropagator.inject} writes for `spanContext` (the caller has
 * checked suppression): `traceparent` ({@link formatTraceParent}; nothing is written when an id is
 * invalid) and `tracestate` when there is something to send. `withoutKey`: a member key a TraceState
 * of another implementation must not send ({@link serializeTraceStateForWire}; a {@link W3CTraceState}
 * the caller found no such member in has none). Before a traceparent is written, the carrier's stale
 * `traceparent`/`tracestate` fields are removed ({@link clearTraceContextFields}). Never throws on bad
 * ids.
 */
export function writeTraceContext(
  spanContext: SpanContext,
  carrier: unknown,
  setter: TextMapSetter,
  withoutKey?: string,
): void {
  const traceParent = formatTraceParent(spanContext);
  if (!traceParent) return;
  clearTraceContextFields(carrier, setter);
  setter.set(carrier, TRACE_PARENT_HEADER, traceParent);
  const traceState = spanContext.traceState;
  const header =
    traceState instanceof W3CTraceState
      ? traceState.wireValue()
      : serializeTraceStateForWire(traceState, withoutKey);
  if (header) setter.set(carrier, TRACE_STATE_HEADER, header);
}
