import { diag } from "@opentelemetry/api";

/**
 * Conversions between Datadog's unsigned 64-bit decimal ids and OpenTelemetry's hex ids.
 * Ids never pass through a JS number (53-bit mantissa): see ../shared/cases B01.
 */

/** 2^64 - 1, the largest Datadog id (research rule 7). */
const MAX_UINT64 = (1n << 64n) - 1n;
/** Longest accepted decimal id, in characters: `18446744073709551615` has 20 (research rule 12). */
const MAX_DECIMAL_ID_LENGTH = 20;
/** 16 hex digits, the width of a span id and of each half of a trace id. */
const HEX16_LENGTH = 16;
/** Sixteen zeros: an all-zero half is "absent" (research rules 6, 19, 21). */
export const ZERO_HEX16 = "0000000000000000";

const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_A_LOWER = 0x61;
const CHAR_F_LOWER = 0x66;

/**
 * Parses an unsigned 64-bit decimal id (`"0"` .. `"18446744073709551615"`, leading zeros allowed,
 * 1 to 20 digits, no sign, whitespace or other characters) into 16 lowercase hex digits.
 * Returns `undefined` for anything else, including values >= 2^64. Never throws.
 * Grammar: research section L (the strictest subset the Datadog tracers share, rules 7-12).
 */
export function decimalToHex16(value: string): string | undefined {
  const length = value.length;
  if (length === 0 || length > MAX_DECIMAL_ID_LENGTH) return undefined;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < CHAR_0 || code > CHAR_9) return undefined;
  }
  const n = BigInt(value);
  if (n > MAX_UINT64) return undefined;
  return n.toString(16).padStart(HEX16_LENGTH, "0");
}

/**
 * 16 hex digits to the unsigned decimal string Datadog writes (no padding, research rule 15).
 * The caller guarantees the input is 16 hex digits (a valid OpenTelemetry id half).
 */
export function hex16ToDecimal(hex: string): string {
  return BigInt("0x" + hex).toString(10);
}

/** True for exactly 16 lowercase hex digits (the `_dd.p.tid` grammar, research rule 17). */
export function isLowerHex16(value: string): boolean {
  if (value.length !== HEX16_LENGTH) return false;
  for (let i = 0; i < HEX16_LENGTH; i++) {
    const code = value.charCodeAt(i);
    if (!((code >= CHAR_0 && code <= CHAR_9) || (code >= CHAR_A_LOWER && code <= CHAR_F_LOWER))) return false;
  }
  return true;
}

/**
 * The decimal text of an id that a stored carrier holds as a JSON number (a row written by code that
 * put the id through `Number`). Safe integers (0 .. 2^53-1) are exact and returned as text; any other
 * number cannot be exact (JSON.parse has already rounded it) and is refused with a `diag.warn` that
 * says how to fix the writer — it is never rounded silently (../shared/cases B01, B22).
 */
export function idTextFromNumber(value: number, field: string): string | undefined {
  if (Number.isSafeInteger(value) && value >= 0) return String(value);
  diag.warn(
    `tracehop: ${field} is the JSON number ${String(value)}, which cannot hold a 64-bit id exactly ` +
      `(beyond 2^53 it was already rounded when the JSON was parsed); the id is refused. ` +
      `Store Datadog ids as decimal strings (captureCarrier() does).`,
  );
  return undefined;
}
