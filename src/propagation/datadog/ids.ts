import { diag } from "@opentelemetry/api";
import { emitProcessWarningOnce } from "../../warn-once.js";
import { X_DATADOG_PARENT_ID, X_DATADOG_TRACE_ID } from "./constants.js";

/**
 * Conversions between Datadog's unsigned 64-bit decimal ids and OpenTelemetry's hex ids.
 * Ids never pass through a JS number (53-bit mantissa): see DataDog/dd-trace-js#344.
 */

/** Longest accepted decimal id, in characters: `18446744073709551615` has 20 (as dd-trace-java checks). */
const MAX_DECIMAL_ID_LENGTH = 20;
/** 16 hex digits, the width of a span id and of each half of a trace id. */
export const HEX16_LENGTH = 16;
/** Sixteen zeros: an all-zero half is "absent" (an id 0 is no id; dd-trace-js `_extract128BitTraceId`). */
export const ZERO_HEX16 = "0000000000000000";

/** 2^32: the 64-bit id is handled as two 32-bit halves (or four 16-bit limbs) of plain Numbers. */
const TWO_POW_32 = 0x100000000;
/** Ids whose upper 32-bit half is below this (2^21) are below 2^53 and exact as one Number. */
const SAFE_HIGH_LIMIT = 0x200000;
/** Decimal digits split off the bottom of a 64-bit id so that the rest is a safe integer (10^7). */
const LOW_DECIMAL_DIGITS = 7;
const LOW_DECIMAL_DIVISOR = 10_000_000;
/** Decimal digits folded into the limbs per step (10^4 keeps `limb * 10^4 + carry` below 2^30). */
const DECIMAL_CHUNK_DIGITS = 4;
const DECIMAL_CHUNK_SCALE = 10_000;

const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_A_LOWER = 0x61;
const CHAR_F_LOWER = 0x66;
const CHAR_A_UPPER = 0x41;
/** `HEX_VALUES[code]`: the value of the hex digit with character code `code` (either case), else 0. */
const HEX_VALUES = new Uint8Array(128);
for (let d = 0; d < 10; d++) HEX_VALUES[CHAR_0 + d] = d;
for (let d = 0; d < 6; d++) HEX_VALUES[CHAR_A_LOWER + d] = HEX_VALUES[CHAR_A_UPPER + d] = 10 + d;

/** `HEX_CODES[v]`: the character code of the lowercase hex digit of value `v` (0-15). */
const HEX_CODES = Uint16Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
/** Seven zeros, the padding source of the low decimal digits. */
const ZEROS = "0000000";

/**
 * Parses an unsigned 64-bit decimal id (`"0"` .. `"18446744073709551615"`, leading zeros allowed,
 * 1 to 20 digits, no sign, whitespace or other characters) into 16 lowercase hex digits.
 * Returns `undefined` for anything else, including values >= 2^64. Never throws.
 * Grammar: the strictest subset the Datadog tracers share (dd-trace-java `LongStringUtils`, dd-trace-go
 * `strconv.ParseUint`, dd-trace-py `int`; dd-trace-js is more lenient, docs/conformance.md).
 *
 * Exact without BigInt (proved against BigInt by test/propagation/datadog-ids.test.ts): the digits
 * are accumulated in four 16-bit limbs, four decimal digits at a time, in 32-bit integer arithmetic
 * (every intermediate stays below 2^30); a carry out of the top limb means >= 2^64.
 */
export function decimalToHex16(value: string): string | undefined {
  const length = value.length;
  if (length === 0 || length > MAX_DECIMAL_ID_LENGTH) return undefined;
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  // The first chunk takes the odd digits so that every later one has exactly four.
  let i = 0;
  let chunkEnd = length % DECIMAL_CHUNK_DIGITS || DECIMAL_CHUNK_DIGITS;
  let scale = 1;
  for (let k = chunkEnd; k > 0; k--) scale *= 10;
  while (i < length) {
    let chunk = 0;
    for (; i < chunkEnd; i++) {
      const digit = value.charCodeAt(i) - CHAR_0;
      if (digit < 0 || digit > 9) return undefined;
      chunk = chunk * 10 + digit;
    }
    let x = l0 * scale + chunk;
    l0 = x & 0xffff;
    x = l1 * scale + (x >>> 16);
    l1 = x & 0xffff;
    x = l2 * scale + (x >>> 16);
    l2 = x & 0xffff;
    x = l3 * scale + (x >>> 16);
    l3 = x & 0xffff;
    if (x > 0xffff) return undefined; // >= 2^64 (dd-trace-java, -py and -go reject it)
    chunkEnd += DECIMAL_CHUNK_DIGITS;
    scale = DECIMAL_CHUNK_SCALE;
  }
  // One flat string from its sixteen character codes: a concatenation would leave a tree of pieces
  // that the first comparison (`=== ZERO_HEX16`, the precedence's same-trace test) must copy out.
  // The table is read in place, not through a helper: sixteen calls cost ≈ 0.4 µs in V8's baseline
  // tier, where a restore runs in a process that handles few messages.
  const c = HEX_CODES;
  // prettier-ignore
  return String.fromCharCode(
    c[l3 >>> 12]!, c[(l3 >>> 8) & 0xf]!, c[(l3 >>> 4) & 0xf]!, c[l3 & 0xf]!,
    c[l2 >>> 12]!, c[(l2 >>> 8) & 0xf]!, c[(l2 >>> 4) & 0xf]!, c[l2 & 0xf]!,
    c[l1 >>> 12]!, c[(l1 >>> 8) & 0xf]!, c[(l1 >>> 4) & 0xf]!, c[l1 & 0xf]!,
    c[l0 >>> 12]!, c[(l0 >>> 8) & 0xf]!, c[(l0 >>> 4) & 0xf]!, c[l0 & 0xf]!,
  );
}

/** The value of the 8 hex digits of `hex` from `start` (either case), as an unsigned 32-bit integer. */
function hex8Value(hex: string, start: number): number {
  return (
    ((HEX_VALUES[hex.charCodeAt(start)]! << 28) |
      (HEX_VALUES[hex.charCodeAt(start + 1)]! << 24) |
      (HEX_VALUES[hex.charCodeAt(start + 2)]! << 20) |
      (HEX_VALUES[hex.charCodeAt(start + 3)]! << 16) |
      (HEX_VALUES[hex.charCodeAt(start + 4)]! << 12) |
      (HEX_VALUES[hex.charCodeAt(start + 5)]! << 8) |
      (HEX_VALUES[hex.charCodeAt(start + 6)]! << 4) |
      HEX_VALUES[hex.charCodeAt(start + 7)]!) >>>
    0
  );
}

/**
 * 16 hex digits (either case) to the unsigned decimal string Datadog writes (no padding, as
 * dd-trace-java `DatadogHttpCodec` and dd-trace-js `span_context.js` `toTraceId` do). The
 * caller guarantees the input is 16 hex digits (a valid OpenTelemetry id half).
 *
 * Exact without BigInt (proved against BigInt by test/propagation/datadog-ids.test.ts): the two
 * 32-bit halves are read as Numbers; below 2^53 their combination is exact; above, a long division
 * by 10^7 in 16-bit steps (every intermediate below 2^40) leaves a quotient below 2^41 and the last
 * seven digits (the technique of dd-trace-js `id.js`, written anew).
 */
export function hex16ToDecimal(hex: string): string {
  const high = hex8Value(hex, 0);
  const low = hex8Value(hex, 8);
  if (high < SAFE_HIGH_LIMIT) return String(high * TWO_POW_32 + low);
  let r = high >>> 16;
  const q3 = Math.floor(r / LOW_DECIMAL_DIVISOR);
  r = (r - q3 * LOW_DECIMAL_DIVISOR) * 0x10000 + (high & 0xffff);
  const q2 = Math.floor(r / LOW_DECIMAL_DIVISOR);
  r = (r - q2 * LOW_DECIMAL_DIVISOR) * 0x10000 + (low >>> 16);
  const q1 = Math.floor(r / LOW_DECIMAL_DIVISOR);
  r = (r - q1 * LOW_DECIMAL_DIVISOR) * 0x10000 + (low & 0xffff);
  const q0 = Math.floor(r / LOW_DECIMAL_DIVISOR);
  const digits = String(r - q0 * LOW_DECIMAL_DIVISOR);
  const quotient = ((q3 * 0x10000 + q2) * 0x10000 + q1) * 0x10000 + q0;
  return String(quotient) + ZEROS.slice(0, LOW_DECIMAL_DIGITS - digits.length) + digits;
}

/**
 * `value` as 16 lowercase hex digits when it is 16 hex digits in either case (all zero included),
 * else `undefined`: a stored `p:` (copied unvalidated, as dd-trace-js does) is re-injected in the case
 * Datadog writes.
 */
export function asLowerHex16(value: string): string | undefined {
  if (isLowerHex16(value)) return value;
  if (value.length !== HEX16_LENGTH) return undefined;
  const lower = value.toLowerCase();
  return isLowerHex16(lower) ? lower : undefined;
}

/** True for exactly 16 lowercase hex digits (the `_dd.p.tid` grammar of dd-trace-java, -py and -go). */
export function isLowerHex16(value: string): boolean {
  return hexClass16(value, 0, value.length) !== NOT_LOWER_HEX16;
}

/** Result of {@link hexClass16}: not 16 lowercase hex digits. */
export const NOT_LOWER_HEX16 = 0;
/** Result of {@link hexClass16}: 16 zeros. */
export const ALL_ZERO_HEX16 = 1;
/** Result of {@link hexClass16}: 16 lowercase hex digits, not all zero. */
export const NONZERO_HEX16 = 2;

/** Whether `text[start, end)` is 16 lowercase hex digits (the `_dd.p.tid` grammar), and all zero. */
export function hexClass16(text: string, start: number, end: number): number {
  if (end - start !== HEX16_LENGTH) return NOT_LOWER_HEX16;
  let zero = true;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === CHAR_0) continue;
    zero = false;
    if (!((code > CHAR_0 && code <= CHAR_9) || (code >= CHAR_A_LOWER && code <= CHAR_F_LOWER)))
      return NOT_LOWER_HEX16;
  }
  return zero ? ALL_ZERO_HEX16 : NONZERO_HEX16;
}

/**
 * The decimal text of an id that a stored carrier holds as a JSON number (a row written by code that
 * put the id through `Number`). Safe integers (0 .. 2^53-1) are exact and returned as text; any other
 * number cannot be exact (JSON.parse rounds any integer at or beyond 2^53; one past 1.8e308 is read as
 * Infinity, said as too large) and is refused with a `diag.warn` that
 * says how to fix the writer — it is never rounded silently (DataDog/dd-trace-js#344,
 * prisma/orm#20205). An integer beyond ±2^53 is named as read, said to be rounded already (the digits
 * stored may differ: 9007199254740993 is read as 9007199254740992), with `tracehop inspect`, which
 * shows the digits as stored in the JSON text. A rounded `x-datadog-trace-id` / `x-datadog-parent-id`
 * is also said once per process as the Node process warning `TRACEHOP_JSON_NUMBER_ID`, seen without
 * a diag logger.
 *
 * `source` `"message"`: the number is a consumed message's header, an AMQP integer (`long`) that amqplib
 * read through a JS number (`Number(readBigInt64BE)`, amqplib `lib/codec.js`): only an integer beyond
 * 2^53 or an infinite number is passed, and the warnings (the same code) say that instead of a JSON
 * reader, with the producer as what to fix.
 *
 * `source` `"getter"`: the number is what a TextMapGetter other than OpenTelemetry's default one returned
 * to `DatadogPropagator.extract` (a getter of the user's, over any carrier): the warnings (the same code)
 * say that the getter returned a number, and that it is to return the header's text, the id's decimal
 * digits, rather than naming a JSON reader and a stored row.
 */
export function idTextFromNumber(
  value: number,
  field: string,
  source: "stored" | "message" | "getter" = "stored",
): string | undefined {
  if (Number.isSafeInteger(value) && value >= 0) return String(value);
  const rounded = Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER;
  if (source === "getter") {
    const said =
      (rounded
        ? `tracehop: the TextMapGetter returned a number for ${field}, read as ${readAs(value)}: a ` +
          `JavaScript number holds an id exactly only below 2^53, so the digits may differ from those sent, ` +
          `and the id is refused. `
        : `tracehop: the TextMapGetter returned the number ${String(value)} for ${field}, which is no ` +
          `64-bit id; the id is refused. `) +
      `Fix the getter: return the header's text, a Datadog id as its decimal digits in a string ` +
      `("12345678901234567890"; an array of strings for a repeated header), never through a number.`;
    sayRefusedId(
      said,
      "A carrier with no other context restores none: the work starts a new trace.",
      Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER && ROUNDED_ID_FIELDS.has(field),
    );
    return undefined;
  }
  if (source === "message") {
    const said =
      `tracehop: ${field} is a number in the message headers, read as ${readAs(value)}: amqplib reads an ` +
      `AMQP integer through a JavaScript number, exact only below 2^53, so the digits sent may differ, and ` +
      `the id is refused. Fix the producer: send Datadog ids as decimal strings (withSendSpan and the header ` +
      `writers write them so).`;
    sayRefusedId(said, "A message with no other context restores none: its work starts a new trace.", true);
    return undefined;
  }
  const message =
    (rounded
      ? `tracehop: ${field} is a JSON number read as ${readAs(value)}: at or beyond 2^53 the JSON reader ` +
        `rounds, so the digits stored may differ (\`tracehop inspect\` on the row shows them as stored); ` +
        `a JSON number holds an id exactly only below 2^53, and the id is refused. `
      : Math.abs(value) === Infinity
        ? `tracehop: ${field} is a JSON number too large for the JSON reader (read as ${value}), which is ` +
          `no 64-bit id; the id is refused. `
        : `tracehop: ${field} is the JSON number ${String(value)}, which is no 64-bit id; the id is ` +
          `refused. `) + `Store Datadog ids as decimal strings (captureCarrier() does).`;
  // An id that was rounded (an integer beyond 2^53 in x-datadog-trace-id / -parent-id) is data loss
  // nobody sees without a diag logger (OTEL_LOG_LEVEL): said once per process on stderr too.
  sayRefusedId(
    message,
    "A carrier with no other context restores none: the work starts a new trace.",
    Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER && ROUNDED_ID_FIELDS.has(field),
  );
  return undefined;
}

/**
 * Says a refused id: `message` with `diag.warn` at each refusal, and, when `rounded` (an id's digits
 * lost), once per process as the process warning `TRACEHOP_JSON_NUMBER_ID` too, `lost` (what the
 * refusal costs the trace) after it.
 */
function sayRefusedId(message: string, lost: string, rounded: boolean): void {
  diag.warn(message);
  if (rounded)
    emitProcessWarningOnce(
      JSON_NUMBER_ID_WARNING,
      `${message} ${lost} (Said once per process; every such id goes to diag.warn.)`,
      JSON_NUMBER_ID_WARNING,
    );
}

/**
 * How a rounded id is named: JavaScript's shortest text of the number (`7660829067201367000`, what
 * `String` and a log print), and, when that is not its exact value, the integer the number is
 * (`exactly 7660829067201367040`), so that neither is taken for digits that were stored; a number
 * JavaScript prints in exponent form (1e+21 and beyond) as printed, its hundreds of digits no help.
 */
function readAs(value: number): string {
  const shortest = String(value);
  // 1e+21 and beyond print in exponent form, no digits anyone stored: said as printed.
  if (shortest.includes("e")) return shortest;
  const exact = BigInt(value).toString();
  return exact === shortest ? shortest : `${shortest} (exactly ${exact})`;
}

/** The id fields whose JSON number beyond 2^53 {@link idTextFromNumber} reports as a process warning. */
const ROUNDED_ID_FIELDS: ReadonlySet<string> = new Set([X_DATADOG_TRACE_ID, X_DATADOG_PARENT_ID]);

/**
 * True for `x-datadog-trace-id` and `x-datadog-parent-id` (`name` in lower case), the 64-bit ids of a
 * Datadog carrier: the fields whose numbers the readers hand to {@link idTextFromNumber}.
 */
export function isDatadogIdName(name: string): boolean {
  return ROUNDED_ID_FIELDS.has(name);
}

/**
 * True for a number that cannot be an id as it was sent: an integer at or beyond 2^53 in magnitude (a
 * JSON reader, or amqplib reading an AMQP `long` through a JS number, rounded its digits) or an infinite
 * one (a JSON number past the largest double). The readers of stored carriers and of message headers
 * refuse such a number in an id field ({@link isDatadogIdName}) through {@link idTextFromNumber}; a safe
 * integer is exact, and a fraction or NaN is read as its text, which the id grammar refuses.
 */
export function isUnexactIdNumber(value: number): boolean {
  return !Number.isSafeInteger(value) && (Number.isInteger(value) || Math.abs(value) === Infinity);
}

/** Process warning code (and once-per-process key) of {@link idTextFromNumber}. */
export const JSON_NUMBER_ID_WARNING = "TRACEHOP_JSON_NUMBER_ID";
