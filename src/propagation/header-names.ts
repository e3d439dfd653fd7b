import {
  B3_CONTEXT_HEADER,
  X_B3_FLAGS,
  X_B3_PARENT_SPAN_ID,
  X_B3_SAMPLED,
  X_B3_SPAN_ID,
  X_B3_TRACE_ID,
} from "@opentelemetry/propagator-b3";
import {
  X_DATADOG_ORIGIN,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_TAGS,
  X_DATADOG_TRACE_ID,
} from "./datadog/constants.js";
import { BAGGAGE_HEADER, TRACE_PARENT_HEADER, TRACE_STATE_HEADER } from "./w3c/constants.js";

// The propagation header names, in one place (all lower-case ASCII, as written on the wire).

/**
 * The header names tracehop's own styles write: W3C Trace Context (§3.2, §3.3), W3C Baggage (§3) and
 * Datadog's `x-datadog-*` (Datadog docs, "Propagating trace context"). The carrier layer recognises
 * them by one set lookup.
 */
export const TRACEHOP_HEADER_NAMES: readonly string[] = [
  TRACE_PARENT_HEADER,
  TRACE_STATE_HEADER,
  BAGGAGE_HEADER,
  X_DATADOG_TRACE_ID,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_ORIGIN,
  X_DATADOG_TAGS,
];

/** The B3 header names (single `b3` and multi `x-b3-*`), as @opentelemetry/propagator-b3 names them. */
const B3_HEADER_NAMES: readonly string[] = [
  B3_CONTEXT_HEADER,
  X_B3_TRACE_ID,
  X_B3_SPAN_ID,
  X_B3_PARENT_SPAN_ID,
  X_B3_SAMPLED,
  X_B3_FLAGS,
];

/**
 * Every fixed header name a style of `createPropagator` reads or writes, in lower case:
 * `traceparent`, `tracestate`, `baggage` (W3C); `x-datadog-trace-id`, `x-datadog-parent-id`,
 * `x-datadog-sampling-priority`, `x-datadog-origin`, `x-datadog-tags` (Datadog); `b3`, `x-b3-traceid`,
 * `x-b3-spanid`, `x-b3-parentspanid`, `x-b3-sampled`, `x-b3-flags` (B3, as
 * `@opentelemetry/propagator-b3` names them). The `datadog` style also reads the `ot-baggage-<key>`
 * headers of OpenTracing-era carriers (one per baggage entry; never written);
 * {@link isPropagationHeaderName} covers both.
 */
export const PROPAGATION_HEADER_NAMES: readonly string[] = [...TRACEHOP_HEADER_NAMES, ...B3_HEADER_NAMES];

/**
 * Prefix of the baggage headers OpenTracing tracers wrote, one header per entry (dd-trace-ot, dd-trace;
 * dd-trace-java `DatadogHttpCodec` `OT_BAGGAGE_PREFIX`, dd-trace-js `carrier.js`): read by the
 * `datadog` style, never written.
 */
export const LEGACY_BAGGAGE_PREFIX = "ot-baggage-";

/**
 * Prefix of Jaeger's baggage headers, one header `uberctx-<key>` per entry (Jaeger's "Propagation
 * Format"; `@opentelemetry/propagator-jaeger`'s `UBER_BAGGAGE_HEADER_PREFIX`): read by no style of
 * `createPropagator`, but written and read by a Jaeger propagator beside it, and baggage to tracehop's
 * baggage policy, to the trim of a stored carrier and to the message writers.
 */
export const JAEGER_BAGGAGE_PREFIX = "uberctx-";

/**
 * Jaeger's trace context header, `uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}`
 * (Jaeger's "Propagation Format"; `@opentelemetry/propagator-jaeger`'s `UBER_TRACE_ID_HEADER`): read by
 * no style of `createPropagator`, but written and read by a Jaeger propagator beside it, as its
 * `uberctx-<key>` baggage is ({@link JAEGER_BAGGAGE_PREFIX}); so a propagation header name to
 * {@link isPropagationHeaderName}, which the message writers remove from forwarded headers.
 */
export const JAEGER_TRACE_HEADER = "uber-trace-id";

/**
 * Most `ot-baggage-<key>` headers the `datadog` style reads from one carrier (the first ones in the
 * getter's `keys()` order; later ones are ignored): 128, the stored-carrier reader's own bound
 * (`MAX_CARRIER_KEYS`: it scans at most 128 keys, so no carrier it reads holds more), applied as well
 * when the propagator is used directly with a getter of another's. Of those read, at most W3C Baggage's
 * 64 members / 8192 bytes are restored, counted with the carrier's W3C baggage (Baggage §3.3.1; the
 * entries are written on as W3C baggage); Datadog's tracers set no bound of their own (dd-trace-js
 * `_extractLegacyBaggageItems` reads every key of the carrier).
 */
export const MAX_LEGACY_BAGGAGE_HEADERS = 128;

/** {@link PROPAGATION_HEADER_NAMES} as a set (one lookup per name; `tracehop inspect` uses it too). */
export const PROPAGATION_HEADER_SET: ReadonlySet<string> = new Set(PROPAGATION_HEADER_NAMES);

/**
 * True for a propagation header name: one of {@link PROPAGATION_HEADER_NAMES} (the fixed names the
 * styles of `createPropagator` read), a per-entry baggage header with its key, `ot-baggage-<key>`
 * (read by the `datadog` style) or Jaeger's `uberctx-<key>` (read by a Jaeger propagator beside it;
 * baggage to tracehop's baggage policy), or Jaeger's context header `uber-trace-id`
 * (the context that baggage goes with, read by that Jaeger propagator; a
 * forwarded one left beside a new context would continue the old trace at a Jaeger consumer). A bare
 * prefix (`uberctx-`) names no entry: false.
 * `lowerCaseName` must be lower-case already (header names are case-insensitive, RFC 9110 §5.1;
 * lower-case them first): `"TraceParent"` gives false. Never throws: a value that is not a string
 * (`undefined` from an untyped caller, a number, a Symbol) gives false. `tracehop/messaging` removes
 * exactly these headers from a message before writing a new context, so that every propagation header
 * of one message comes from one context (a stale `traceparent` beside new `x-datadog-*` headers split
 * traces: DataDog/dd-trace-dotnet#3832); `tracehop inspect` and the stored-carrier readers take a row
 * holding one at its top level for a carrier.
 */
export function isPropagationHeaderName(lowerCaseName: string): boolean {
  if (typeof lowerCaseName !== "string") return false;
  return (
    PROPAGATION_HEADER_SET.has(lowerCaseName) ||
    lowerCaseName === JAEGER_TRACE_HEADER ||
    isLegacyBaggageHeaderName(lowerCaseName) ||
    (lowerCaseName.length > JAEGER_BAGGAGE_PREFIX.length && lowerCaseName.startsWith(JAEGER_BAGGAGE_PREFIX))
  );
}

/** Character codes of {@link LEGACY_BAGGAGE_PREFIX}. */
const LEGACY_BAGGAGE_PREFIX_CODES = Array.from(LEGACY_BAGGAGE_PREFIX, (c) => c.charCodeAt(0));
const CHAR_A_UPPER = 0x41;
const CHAR_Z_UPPER = 0x5a;
/** `code | ASCII_CASE_BIT` is the lower-case form of an upper-case ASCII letter. */
const ASCII_CASE_BIT = 0x20;

/**
 * True when `name` is `ot-baggage-` in any ASCII case followed by at least one character (the key of
 * the entry): a legacy baggage header (as dd-trace-ot and dd-trace write it). Checked in place, no
 * lower-cased copy.
 */
export function isLegacyBaggageHeaderName(name: string): boolean {
  if (name.length <= LEGACY_BAGGAGE_PREFIX.length) return false;
  for (let i = 0; i < LEGACY_BAGGAGE_PREFIX_CODES.length; i++) {
    const code = name.charCodeAt(i);
    const lower = code >= CHAR_A_UPPER && code <= CHAR_Z_UPPER ? code | ASCII_CASE_BIT : code;
    if (lower !== LEGACY_BAGGAGE_PREFIX_CODES[i]) return false;
  }
  return true;
}
