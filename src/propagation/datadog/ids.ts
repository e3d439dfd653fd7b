/**
 * Conversions between Datadog's unsigned 64-bit decimal ids and OpenTelemetry's hex ids.
 * Ids never pass through a JS number (53-bit mantissa): see ../shared/cases B01.
 */

const MAX_UINT64 = (1n << 64n) - 1n;
/** `^[0-9]{1,20}$`: the strictest grammar the Datadog tracers share (research rules 7-12, section L). */
const DECIMAL_ID = /^[0-9]{1,20}$/;
const HEX16 = /^[0-9a-f]{16}$/;

/**
 * Parses an unsigned 64-bit decimal id (`"0"` .. `"18446744073709551615"`, leading zeros allowed,
 * at most 20 characters, no sign or whitespace) into 16 lowercase hex digits.
 * Returns `undefined` for anything else (including values >= 2^64). Never throws.
 */
export function decimalToHex16(value: string): string | undefined {
  if (!DECIMAL_ID.test(value)) return undefined;
  const n = BigInt(value);
  if (n > MAX_UINT64) return undefined;
  return n.toString(16).padStart(16, "0");
}

/** 16 hex digits (any case) to the unsigned decimal string Datadog writes (no padding). */
export function hex16ToDecimal(hex: string): string {
  return BigInt("0x" + hex).toString(10);
}

/** True for exactly 16 lowercase hex digits (the `_dd.p.tid` grammar, research rule 17). */
export function isHex16(value: string): boolean {
  return HEX16.test(value);
}
