import type { SpanContext } from "@opentelemetry/api";
import { knownTraceFlags } from "../trace-flags.js";
import { KNOWN_FLAGS_MASK, TRACE_PARENT_LENGTH, TRACE_PARENT_VERSION } from "./constants.js";

/** The fields of a parsed traceparent: lower-case hex ids and flags reduced to the known bits. */
interface TraceParent {
  /** 32 lower-case hex characters, not all zero. */
  traceId: string;
  /** 16 lower-case hex characters, not all zero. */
  spanId: string;
  /** `sampled` (0x01) and `random` (0x02) bits only; unknown bits are cleared. */
  traceFlags: number;
}

// Character codes used by the hand-written scanner (no regular expression on the hot path).
const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_A_LOWER = 0x61;
const CHAR_F_LOWER = 0x66;
const CHAR_A_UPPER = 0x41;
const CHAR_DASH = 0x2d;
const CHAR_SPACE = 0x20;
const CHAR_TAB = 0x09;

/**
 * The end of a traceparent for each value of {@link KNOWN_FLAGS_MASK}: `-` and the flags, always exactly
 * two digits. With {@link TRACE_PARENT_PREFIX}, a traceparent is four concatenations (six with a
 * template literal: each is a string allocation on every inject).
 */
const FLAGS_SUFFIX = ["-00", "-01", "-02", "-03"] as const;
/** `00-`: the version and its separator. */
const TRACE_PARENT_PREFIX = `${TRACE_PARENT_VERSION}-`;

/** Value of one lower-case hex digit, or -1 (`HEXDIGLC`, Trace Context §3.2.2). */
function lowerHexValue(code: number): number {
  if (code >= CHAR_0 && code <= CHAR_9) return code - CHAR_0;
  if (code >= CHAR_A_LOWER && code <= CHAR_F_LOWER) return code - CHAR_A_LOWER + 10;
  return -1;
}

/** Marks an upper-case digit in {@link HEX_CLASS} (`A`-`F`: its value | `UPPER_HEX`). */
const UPPER_HEX = 0x10;
/**
 * `HEX_CLASS[code]` for an ASCII code: the digit's value 0-15 for `0-9a-f`, `value | UPPER_HEX` for
 * `A-F`, -1 for anything else. OR-ing the classes of a whole id tells in one pass whether it is hex
 * (no -1), whether it has upper-case digits, and whether any digit is non-zero (low four bits).
 */
const HEX_CLASS = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) HEX_CLASS[CHAR_0 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX_CLASS[CHAR_A_LOWER + d] = 10 + d;
  HEX_CLASS[CHAR_A_UPPER + d] = (10 + d) | UPPER_HEX;
}
/** Result of {@link hexClassOf} for text that is not hex. */
const NOT_HEX = -1;

/**
 * The OR of the {@link HEX_CLASS} of `text[start, start+length)`, or {@link NOT_HEX} when a character
 * is not a hex digit (either case). The caller checks that the text is long enough.
 *
 * Four characters per step, one range test for the four: the ids on every inject and extract are 16
 * and 32 characters, and their check, a test per character, is more than half of a W3C inject
 * (BENCHMARKS.md "Fourteenth pass"). A code above 0x7f in any of the four makes their OR above 0x7f.
 */
function hexClassOf(text: string, start: number, length: number): number {
  let acc = 0;
  const end = start + length;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    if ((a | b | c | d) > 0x7f) return NOT_HEX;
    acc |= HEX_CLASS[a]! | HEX_CLASS[b]! | HEX_CLASS[c]! | HEX_CLASS[d]!;
  }
  for (; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return NOT_HEX;
    acc |= HEX_CLASS[code]!;
  }
  return acc;
}

/** True when `text[start, start+length)` is lower-case hex and not all zeros. */
function isLowerHexId(text: string, start: number, length: number): boolean {
  const acc = hexClassOf(text, start, length);
  return acc > 0 && (acc & UPPER_HEX) === 0;
}

/** Index of the first character that is not SP or HTAB, from `start` moving by `step`. */
function skipOws(text: string, start: number, end: number, step: 1 | -1): number {
  let i = start;
  while (i !== end) {
    const code = text.charCodeAt(i);
    if (code !== CHAR_SPACE && code !== CHAR_TAB) break;
    i += step;
  }
  return i;
}

/**
 * Parses one traceparent field value (Trace Context Level 2 §3.2 and §3.2.4 "Versioning").
 *
 * - Runs of SP/HTAB around the value are ignored (RFC 9110 §5.6.3 OWS); @opentelemetry/core 2.12
 *   allows at most one such character per side, which a carrier read back from a database column
 *   breaks (its regular expression is `^\s?...\s?$`).
 * - version: two lower-case hex digits, `ff` forbidden. Version `00` must be exactly 55 characters;
 *   a higher version is parsed with the `00` layout and must have end of string or `-` after the flags
 *   (§3.2.4); its extra fields are ignored, never interpreted.
 * - trace-id (32) and parent-id (16): lower-case hex only, not all zero (§3.2.2.3, §3.2.2.4).
 * - trace-flags: two lower-case hex digits; only `sampled` and `random` are kept, every other bit is
 *   cleared (§3.2.2.5.3 "Vendors MUST set those to zero"; processing model step 2.2).
 *
 * Returns `undefined` for anything else. Never throws.
 */
export function parseTraceParent(value: string): TraceParent | undefined {
  const spanContext = traceParentSpanContext(value);
  if (spanContext === undefined) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId, traceFlags: spanContext.traceFlags };
}

/**
 * Internal: the remote SpanContext of a traceparent (`isRemote: true`, no traceState) with the fields
 * {@link parseTraceParent} gives, for extraction (no intermediate object); `undefined` for anything
 * that function rejects. Never throws.
 */
export function traceParentSpanContext(value: string): SpanContext | undefined {
  // One hand scan for every form. A regular expression for the canonical form was tried (BENCHMARKS.md
  // "Eighth pass"): it saves ≈ 1.5 µs per call in V8's baseline tier but costs ≈ 150-250 ns per call
  // once optimised on this project's benchmark machine (T2 extract 0.55× → 0.70× of core's).
  const start = validTraceParentStart(value);
  if (start < 0) return undefined;
  return {
    traceId: value.slice(start + 3, start + 35),
    spanId: value.slice(start + 36, start + 52),
    traceFlags: traceParentFlags(value, start),
    isRemote: true,
  };
}

/**
 * The known flag bits of the valid traceparent starting at `start` (after {@link validTraceParentStart}):
 * both flag digits are lower-case hex there, and the two known bits (`sampled` 0x01, `random` 0x02,
 * §3.2.2.5) are the low bits of the second digit.
 */
function traceParentFlags(value: string, start: number): number {
  return HEX_CLASS[value.charCodeAt(start + 54)]! & KNOWN_FLAGS_MASK;
}

/**
 * Index of the version of a traceparent that passes every rule of {@link parseTraceParent} (after
 * leading OWS), or -1. No allocation.
 */
function validTraceParentStart(value: string): number {
  if (typeof value !== "string") return -1;
  const start = skipOws(value, 0, value.length, 1);
  const end = skipOws(value, value.length - 1, start - 1, -1) + 1;
  const length = end - start;
  if (length < TRACE_PARENT_LENGTH) return -1;
  const v0 = lowerHexValue(value.charCodeAt(start));
  const v1 = lowerHexValue(value.charCodeAt(start + 1));
  if (v0 < 0 || v1 < 0 || (v0 === 15 && v1 === 15)) return -1;
  if (
    value.charCodeAt(start + 2) !== CHAR_DASH ||
    value.charCodeAt(start + 35) !== CHAR_DASH ||
    value.charCodeAt(start + 52) !== CHAR_DASH
  ) {
    return -1;
  }
  if (v0 === 0 && v1 === 0) {
    if (length !== TRACE_PARENT_LENGTH) return -1;
  } else if (length > TRACE_PARENT_LENGTH && value.charCodeAt(start + TRACE_PARENT_LENGTH) !== CHAR_DASH) {
    return -1;
  }
  if (!isLowerHexId(value, start + 3, 32) || !isLowerHexId(value, start + 36, 16)) return -1;
  if (lowerHexValue(value.charCodeAt(start + 53)) < 0 || lowerHexValue(value.charCodeAt(start + 54)) < 0)
    return -1;
  return start;
}

/**
 * Returns `id` in lower case when it is `length` hex characters (either case) and not all zero,
 * else `undefined`. Upper-case ids can reach a SpanContext from a stored record; the W3C grammar
 * allows only lower-case on the wire (Trace Context §3.2.2 `HEXDIGLC`), and @opentelemetry/api's
 * `isSpanContextValid` accepts A-F, so they would otherwise be written verbatim.
 */
export function normalizeHexId(id: unknown, length: number): string | undefined {
  if (typeof id !== "string" || id.length !== length) return undefined;
  const acc = hexClassOf(id, 0, length);
  if (acc < 0 || (acc & 0x0f) === 0) return undefined;
  return (acc & UPPER_HEX) === 0 ? id : id.toLowerCase();
}

/**
 * Internal: the case of the hex digits `text[start, start+length)`: -1 when one is not a hex digit
 * (either case) or the text is shorter, 1 when they are hex with an upper-case one (`A-F`), 0 when all are
 * lower-case hex (all zeros allowed). The test of `/^[0-9a-f]{length}$/i` and of `/[A-F]/` in one
 * table-driven pass. Never throws.
 */
export function hexDigitsCase(text: string, start: number, length: number): -1 | 0 | 1 {
  if (start + length > text.length) return -1;
  const acc = hexClassOf(text, start, length);
  if (acc < 0) return -1;
  return (acc & UPPER_HEX) === 0 ? 0 : 1;
}

/**
 * True when `id` is `length` hex characters (either case) and not all zero: the test of
 * @opentelemetry/api's `isValidTraceId` / `isValidSpanId` (`/^[0-9a-f]{n}$/i`, not all zero), in one
 * table-driven pass instead of a regular expression.
 */
export function isValidHexId(id: unknown, length: number): boolean {
  if (typeof id !== "string" || id.length !== length) return false;
  const acc = hexClassOf(id, 0, length);
  return acc > 0 && (acc & 0x0f) !== 0;
}

/**
 * @opentelemetry/api's `isSpanContextValid` (trace id of 32 and span id of 16 hex characters in
 * either case, neither all zero) with {@link isValidHexId}: same answer, no regular expression.
 */
export function isValidSpanContext(spanContext: Pick<SpanContext, "traceId" | "spanId">): boolean {
  return isValidHexId(spanContext.traceId, 32) && isValidHexId(spanContext.spanId, 16);
}

/**
 * Writes the version-00 traceparent of a SpanContext (Trace Context §3.2.2):
 * `00-<trace-id>-<parent-id>-<flags>`, ids in lower case, flags masked to `sampled|random`
 * ({@link knownTraceFlags}: a non-number is read as the OpenTelemetry SDK's sampler reads it) and always
 * two hex digits (§3.2.2.5.3; @opentelemetry/core 2.12 writes `"0" + flags.toString(16)`, which is
 * three digits for flags >= 0x10). Returns `undefined` when an id is not valid hex or is all zero.
 */
export function formatTraceParent(
  spanContext: Pick<SpanContext, "traceId" | "spanId" | "traceFlags">,
): string | undefined {
  const traceId = normalizeHexId(spanContext.traceId, 32);
  const spanId = normalizeHexId(spanContext.spanId, 16);
  if (!traceId || !spanId) return undefined;
  return traceParentOf(traceId, spanId, spanContext.traceFlags);
}

/**
 * The traceparent {@link formatTraceParent} writes, for ids the caller has already validated and
 * lower-cased ({@link normalizeHexId}): flags as {@link knownTraceFlags} reads them (`sampled|random`,
 * a string or boolean converted as the OpenTelemetry SDK's sampler converts it), two digits.
 */
export function traceParentOf(traceId: string, spanId: string, traceFlags: unknown): string {
  return TRACE_PARENT_PREFIX + traceId + "-" + spanId + FLAGS_SUFFIX[knownTraceFlags(traceFlags)]!;
}
