import type { BaggageEntry } from "@opentelemetry/api";
import { BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, BAGGAGE_MAX_READ_LENGTH } from "./constants.js";
import { isOws } from "../header-text.js";

/**
 * One baggage list-member read from a header: key as sent, value percent-decoded, properties in wire
 * form.
 */
interface BaggageMember {
  /** An RFC 7230 token, never percent-decoded (Baggage §3.2.1.2 "key"). */
  key: string;
  /** The decoded value (UTF-8, U+FFFD for invalid sequences); may be empty. */
  value: string;
  /**
   * Properties after the first `;`, normalized to `k1=v1;k2` with values still percent-encoded; `""`
   * for none.
   */
  properties: string;
}

/** One decoded baggage property (Baggage §3.2.1.4): `key` or `key=value`. */
export interface BaggageProperty {
  /** The property's key (an RFC 7230 token, as a baggage key). */
  key: string;
  /** Percent-decoded value; absent for a key-only property. */
  value?: string;
}

const CHAR_COMMA = 0x2c;
const CHAR_PERCENT = 0x25;
const CHAR_PLUS = 0x2b;

const HEX_UPPER = "0123456789ABCDEF";
// fatal: false replaces invalid sequences with U+FFFD (Baggage §3.2.1.3 "MUST be replaced");
// ignoreBOM keeps a leading U+FEFF as data instead of stripping it.
const utf8Decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * True for an RFC 7230 §3.2.6 `tchar`: `!#$%&'*+-.^_`|~`, DIGIT, ALPHA. Baggage keys are tokens
 * (Baggage §3.2.1.2) and travel verbatim: `a#b` and `it's` are valid keys, `a%20b` is the literal key
 * `a%20b`. (@opentelemetry/core 2.12 percent-encodes and decodes keys.)
 */
function isTchar(c: number): boolean {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  switch (c) {
    case 0x21: // !
    case 0x23: // #
    case 0x24: // $
    case 0x25: // %
    case 0x26: // &
    case 0x27: // '
    case 0x2a: // *
    case 0x2b: // +
    case 0x2d: // -
    case 0x2e: // .
    case 0x5e: // ^
    case 0x5f: // _
    case 0x60: // `
    case 0x7c: // |
    case 0x7e: // ~
      return true;
    default:
      return false;
  }
}

/** True when `text` is a non-empty RFC 7230 token: a valid baggage key or property key (Baggage §3.2.1.2). */
export function isBaggageToken(text: string): boolean {
  if (typeof text !== "string" || text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTchar(text.charCodeAt(i))) return false;
  return true;
}

/**
 * True for a `baggage-octet` (Baggage §3.2.1 ABNF): `%x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E`,
 * i.e. printable US-ASCII except SP, DQUOTE, `,`, `;` and `\`.
 */
function isBaggageOctet(c: number): boolean {
  return (
    c === 0x21 ||
    (c >= 0x23 && c <= 0x2b) ||
    (c >= 0x2d && c <= 0x3a) ||
    (c >= 0x3c && c <= 0x5b) ||
    (c >= 0x5d && c <= 0x7e)
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** True when every character of `text` is a baggage-octet (`value = *baggage-octet`). */
function isBaggageValueText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isBaggageOctet(text.charCodeAt(i))) return false;
  return true;
}

/** True when `text[i]` is `%` followed by two hex digits. */
function isEscapeAt(text: string, i: number): boolean {
  return (
    text.charCodeAt(i) === CHAR_PERCENT &&
    hexValue(text.charCodeAt(i + 1)) >= 0 &&
    hexValue(text.charCodeAt(i + 2)) >= 0
  );
}

/** `%XX` (upper-case hex) of every byte value: one string per byte written, no formatting per byte. */
const PERCENT_BYTE: readonly string[] = Array.from(
  { length: 256 },
  (_, byte) => `%${HEX_UPPER[byte >> 4]}${HEX_UPPER[byte & 0xf]}`,
);
/** U+FFFD in UTF-8, percent-encoded: what a lone surrogate is written as (as `TextEncoder` does). */
const ENCODED_REPLACEMENT = "%EF%BF%BD";

/**
 * Percent-encodes a baggage value (Baggage §3.2.1.3): its UTF-8 bytes, with every byte that is not a
 * baggage-octet written as `%XX`, and `%` itself always encoded. `+` is encoded too (allowed: "MAY be
 * percent-encoded"), because form decoders such as Java's `URLDecoder` read a bare `+` as a space.
 * A lone UTF-16 surrogate is written as U+FFFD. The result is ASCII, so its length is its size in bytes.
 * `keepEscapes` leaves existing `%XX` sequences alone (for property values that are already in wire form),
 * except a run of escapes of bytes 0x80-0xFF that is not UTF-8: it is written as the UTF-8 of its
 * decoding, U+FFFD for each invalid sequence (`%FF` as `%EF%BF%BD`; Baggage §3.2.1.3 "MUST be
 * replaced", the rule of values, which a property value is by the §3.2.1 grammar), so that every value
 * written, a member's or a property's, is percent-encoded UTF-8.
 *
 * `maxBytes` (default: no limit): the room left for the encoding, in bytes; `undefined` is returned as
 * soon as the encoding is known to be longer (a value that cannot fit in the 8192 bytes of a baggage
 * header, Baggage §3.3.1, is dropped whole). Every character gives at least one byte, so at most
 * `maxBytes + 1` characters are read and at most `maxBytes` bytes written, whatever the value's length:
 * a 1M-character value set through the API costs what its first 8 KiB do.
 *
 * `encodePlus` (default `true`): `false` writes `+` as itself, the minimal encoding (`+` is a
 * baggage-octet), which {@link serializeBaggage} falls back to when the `%2B`s alone would cost a
 * member its place in the 8192 bytes. Never throws.
 */
export function encodeBaggageValue(value: string, keepEscapes?: boolean): string;
export function encodeBaggageValue(
  value: string,
  keepEscapes: boolean,
  maxBytes: number,
  encodePlus?: boolean,
): string | undefined;
export function encodeBaggageValue(
  value: string,
  keepEscapes = false,
  maxBytes = Infinity,
  encodePlus = true,
): string | undefined {
  // `+` is compared with this code: -1 (no character) when it is written as itself.
  const plus = encodePlus ? CHAR_PLUS : -1;
  // The prefix that is its own encoding (the usual value), found without building anything.
  const scanEnd = Math.min(value.length, maxBytes + 1);
  let i = 0;
  for (; i < scanEnd; i++) {
    const c = value.charCodeAt(i);
    // An escape kept is `%XX` of a byte under 0x80: one of a UTF-8 sequence is checked on the slow path.
    if (
      !isBaggageOctet(c) ||
      c === plus ||
      (c === CHAR_PERCENT && !(keepEscapes && isAsciiEscapeAt(value, i)))
    )
      break;
  }
  if (i === value.length) return i <= maxBytes ? value : undefined;
  if (i > maxBytes) return undefined;
  let out = value.slice(0, i);
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) {
      if (c === CHAR_PERCENT && keepEscapes && isEscapeAt(value, i) && !isAsciiEscapeAt(value, i)) {
        // A run of escapes of bytes 0x80-0xFF: as received when it is UTF-8, else re-encoded with U+FFFD
        // for each invalid sequence (Baggage §3.2.1.3), as a member's value is written on.
        const end = escapeRunEnd(value, i);
        out += utf8EscapeRun(value, i, end);
        i = end - 1;
      } else if (
        isBaggageOctet(c) &&
        c !== plus &&
        (c !== CHAR_PERCENT || (keepEscapes && isEscapeAt(value, i)))
      ) {
        out += value[i];
      } else {
        out += PERCENT_BYTE[c];
      }
    } else if (c < 0x800) {
      out += PERCENT_BYTE[0xc0 | (c >> 6)]! + PERCENT_BYTE[0x80 | (c & 0x3f)]!;
    } else if (c < 0xd800 || c > 0xdfff) {
      out +=
        PERCENT_BYTE[0xe0 | (c >> 12)]! +
        PERCENT_BYTE[0x80 | ((c >> 6) & 0x3f)]! +
        PERCENT_BYTE[0x80 | (c & 0x3f)]!;
    } else {
      // A surrogate: a pair is one code point of 4 bytes; a lone one is U+FFFD.
      const low = c <= 0xdbff && i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (low >= 0xdc00 && low <= 0xdfff) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        out +=
          PERCENT_BYTE[0xf0 | (point >> 18)]! +
          PERCENT_BYTE[0x80 | ((point >> 12) & 0x3f)]! +
          PERCENT_BYTE[0x80 | ((point >> 6) & 0x3f)]! +
          PERCENT_BYTE[0x80 | (point & 0x3f)]!;
        i++;
      } else {
        out += ENCODED_REPLACEMENT;
      }
    }
    if (out.length > maxBytes) return undefined;
  }
  return out;
}

/** True when `text[i]` is `%` followed by two hex digits of a byte under 0x80 (an ASCII character). */
function isAsciiEscapeAt(text: string, i: number): boolean {
  return isEscapeAt(text, i) && hexValue(text.charCodeAt(i + 1)) < 8;
}

/** The end of the run of `%XX` escapes of bytes 0x80-0xFF that starts at `start` in `text`. */
function escapeRunEnd(text: string, start: number): number {
  let end = start;
  while (isEscapeAt(text, end) && hexValue(text.charCodeAt(end + 1)) >= 8) end += 3;
  return end;
}

/** Decodes UTF-8, throwing on an invalid sequence: tells a valid escape run from one to re-encode. */
const strictUtf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The escapes `text.slice(start, end)` (a run of `%XX` of bytes 0x80-0xFF) as written on: as received
 * when their bytes are UTF-8, else the UTF-8 of their decoding (U+FFFD for each invalid sequence,
 * Baggage §3.2.1.3 "MUST be replaced") percent-encoded in upper case. Non-ASCII bytes end at an ASCII
 * one, so a run decodes as the whole value would.
 */
function utf8EscapeRun(text: string, start: number, end: number): string {
  const bytes = new Uint8Array((end - start) / 3);
  for (let i = start, n = 0; i < end; i += 3, n++)
    bytes[n] = (hexValue(text.charCodeAt(i + 1)) << 4) | hexValue(text.charCodeAt(i + 2));
  try {
    strictUtf8Decoder.decode(bytes);
    return text.slice(start, end);
  } catch {
    // Every character decoded is non-ASCII: its encoding is escapes only.
    return encodeBaggageValue(utf8Decoder.decode(bytes));
  }
}

/**
 * Percent-decodes a baggage value (Baggage §3.2.1.3): `%XX` sequences are bytes, other characters are
 * themselves, and the bytes are read as UTF-8 with U+FFFD for every invalid sequence ("MUST be
 * replaced"). A `%` not followed by two hex digits stays a literal `%`, as in the W3C reference parser
 * (Python `urllib.parse.unquote`). @opentelemetry/core 2.12 uses `decodeURIComponent`, which throws
 * on invalid UTF-8, and drops the member. `text` must be ASCII (baggage-octets).
 */
export function decodeBaggageValue(text: string): string {
  if (text.indexOf("%") === -1) return text;
  const bytes = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isEscapeAt(text, i)) {
      bytes[n++] = (hexValue(text.charCodeAt(i + 1)) << 4) | hexValue(text.charCodeAt(i + 2));
      i += 2;
    } else {
      bytes[n++] = c;
    }
  }
  return utf8Decoder.decode(bytes.subarray(0, n));
}

/** `text` without SP / HTAB at both ends (RFC 9110 §5.6.3 OWS, as the W3C headers allow it). */
export function trimOws(text: string): string {
  let first = 0;
  let last = text.length - 1;
  while (first <= last && isOws(text.charCodeAt(first))) first++;
  while (last >= first && isOws(text.charCodeAt(last))) last--;
  return first === 0 && last === text.length - 1 ? text : text.slice(first, last + 1);
}

/**
 * Normalizes a property list (the text after a member's first `;`, Baggage §3.2.1.4) to
 * `k1=v1;k2`: OWS around `;` and `=` removed, empty properties skipped, property values kept in wire
 * form (still percent-encoded).
 *
 * - `mode: "extract"`: a property that breaks the grammar (key not a token, a value character that is
 *   not a baggage-octet) is dropped; the member and its other properties are kept.
 * - `mode: "inject"` (metadata set by application code, opaque to OpenTelemetry): a property whose
 *   key is not a token is dropped; value characters outside baggage-octet are percent-encoded as UTF-8,
 *   escapes are kept as they are unless their bytes are not UTF-8 (then U+FFFD, {@link encodeBaggageValue}).
 *   So no control character, space, `,` or `;` of metadata is ever written raw (@opentelemetry/core
 *   2.12 writes metadata verbatim).
 */
export function normalizeBaggageProperties(text: string, mode: "extract" | "inject"): string;
/**
 * As above, stopping once the result is known to be longer than `maxBytes`, in which case
 * `undefined` is returned: {@link serializeBaggage} gives the room its member has left, so that huge
 * metadata is never encoded whole only to be dropped. `encodePlus` (inject mode, default `true`):
 * `false` writes `+` in property values as itself ({@link encodeBaggageValue}).
 */
export function normalizeBaggageProperties(
  text: string,
  mode: "extract" | "inject",
  maxBytes: number,
  encodePlus?: boolean,
): string | undefined;
export function normalizeBaggageProperties(
  text: string,
  mode: "extract" | "inject",
  maxBytes = Infinity,
  encodePlus = true,
): string | undefined {
  if (typeof text !== "string" || text.length === 0) return "";
  let out = "";
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf(";", start);
    if (end === -1) end = text.length;
    const part = text.slice(start, end);
    start = end + 1;
    const property = trimOws(part);
    if (property.length === 0) continue;
    const equals = property.indexOf("=");
    let key = equals === -1 ? property : trimOws(property.slice(0, equals));
    if (!isBaggageToken(key)) continue;
    const separator = out.length === 0 ? 0 : 1;
    if (equals !== -1) {
      let value: string | undefined = trimOws(property.slice(equals + 1));
      if (mode === "extract") {
        if (!isBaggageValueText(value)) continue;
      } else {
        value = encodeBaggageValue(
          value,
          true,
          maxBytes - out.length - separator - key.length - 1,
          encodePlus,
        );
        if (value === undefined) return undefined;
      }
      key = `${key}=${value}`;
    }
    out += separator === 0 ? key : `;${key}`;
    if (out.length > maxBytes) return undefined;
  }
  return out;
}

/**
 * Decodes a property list (`k1=v1;k2`, as in an entry's metadata string: the properties after a
 * baggage member's first `;`) into `{ key, value? }` pairs in order, values percent-decoded (Baggage §3.2.1.4: "the rules
 * for baggage values also apply"; invalid UTF-8 becomes U+FFFD). Repeated keys are kept. Invalid
 * properties are skipped; a non-string or empty `text` gives `[]`. Never throws.
 */
export function parseBaggageProperties(text: string): BaggageProperty[] {
  const out: BaggageProperty[] = [];
  const normalized = normalizeBaggageProperties(text, "extract");
  if (!normalized) return out;
  for (const property of normalized.split(";")) {
    const equals = property.indexOf("=");
    if (equals === -1) out.push({ key: property });
    else out.push({ key: property.slice(0, equals), value: decodeBaggageValue(property.slice(equals + 1)) });
  }
  return out;
}

/**
 * Parses a combined baggage header (repeated fields joined with `,` in order; Baggage §3: limits apply
 * to the combination) into list-members, in order.
 *
 * `list-member = key OWS "=" OWS value *( OWS ";" OWS property )` (Baggage §3.2.1): OWS around keys,
 * `=`, values, `;` and `,` is ignored; a value may contain `=` and may be empty (`k=`, which
 * @opentelemetry/core 2.12 drops). A member that breaks the grammar (no `=`, a key that is not a
 * token, a value character that is not a baggage-octet) is dropped and the others kept; the spec
 * leaves this undefined ("MAY remove an offending list-member").
 *
 * Limits (Baggage §3.3.1): members are accepted in order while there are at most 64 of them and their
 * total size (member text plus one comma between members) is at most 8192 (counted in characters of
 * the member as received: keys and values are ASCII, so these are its bytes unless a property holds
 * non-ASCII text, which is then dropped from the properties; or, when larger, of the member as
 * {@link serializeBaggage} writes it on: invalid UTF-8 read as U+FFFD takes 9 bytes for 3, a lone `%`
 * 3 for 1, so what extract keeps inject writes whole); a member that would
 * overflow is skipped whole, never cut. A single valid 8192-byte member is kept (core drops any
 * member over 4096). A list-member whose first character (after OWS) lies past the first
 * {@link BAGGAGE_MAX_READ_LENGTH} characters is not read (no compliant sender writes one). Never throws.
 */
export function parseBaggageHeader(header: string): BaggageMember[] {
  const members: BaggageMember[] = [];
  if (typeof header !== "string") return members;
  if (header.length <= BAGGAGE_MAX_BYTES && CANONICAL_BAGGAGE.test(header)) {
    const canonical = canonicalMembers(header);
    if (canonical !== undefined) return canonical;
  }
  let total = 0;
  // Member by member (not `split`), so that a huge header stops being read at the 64th member, and
  // members that start past the read limit are not read.
  const readEnd = Math.min(header.length, BAGGAGE_MAX_READ_LENGTH);
  for (let start = 0; start < readEnd && members.length < BAGGAGE_MAX_MEMBERS;) {
    // Commas and OWS before a member are empty members or the member's own leading OWS: skipped
    // without slicing. A member is read when its first character is within the read limit.
    let c = header.charCodeAt(start);
    while (c === CHAR_COMMA || isOws(c)) {
      if (++start === readEnd) break;
      c = header.charCodeAt(start);
    }
    if (start === readEnd) break;
    let end = header.indexOf(",", start);
    if (end === -1) end = header.length;
    const from = start;
    start = end + 1;
    const text = trimOws(header.slice(from, end));
    if (text.length === 0) continue;
    // A member that would overflow is skipped whatever it holds: sized before it is validated.
    const size = text.length + (members.length > 0 ? 1 : 0);
    if (total + size > BAGGAGE_MAX_BYTES) continue;
    const semicolon = text.indexOf(";");
    const pair = semicolon === -1 ? text : text.slice(0, semicolon);
    const equals = pair.indexOf("=");
    if (equals === -1) continue;
    const key = trimOws(pair.slice(0, equals));
    const rawValue = trimOws(pair.slice(equals + 1));
    if (!isBaggageToken(key) || !isBaggageValueText(rawValue)) continue;
    const value = decodeBaggageValue(rawValue);
    const properties =
      semicolon === -1 ? "" : normalizeBaggageProperties(text.slice(semicolon + 1), "extract");
    // Sized as it is written on too, when that is longer (invalid UTF-8 read as U+FFFD, a lone `%`):
    // a member kept here is one inject can write, so extract(inject(extract(x))) is extract(x).
    const written =
      text.indexOf("%") === -1 ? size : Math.max(size, writtenSize(key, value, properties, members.length));
    if (total + written > BAGGAGE_MAX_BYTES) continue;
    total += written;
    members.push({ key, value, properties });
  }
  return members;
}

/**
 * Whether the value `raw` (baggage-octets as received), decoded to `value`, is written on longer than it
 * was read: only a value whose decoding holds U+FFFD (invalid UTF-8, Baggage §3.2.1.3 "MUST be
 * replaced": `%FF`, 3 bytes, is written as `%EF%BF%BD`, 9) or a literal `%` (a lone `%`, written as
 * `%25`) can be. Never throws.
 */
function writtenLonger(raw: string, value: string): boolean {
  // No `%` read: the value is its own encoding (ASCII baggage-octets).
  if (raw.indexOf("%") === -1 || (value.indexOf("\uFFFD") === -1 && value.indexOf("%") === -1)) return false;
  const encoded = encodeBaggageValue(value, false, raw.length, false);
  return encoded === undefined;
}

/**
 * The size a member read from a header takes in the header inject writes (its comma included when it is
 * not the first of `count` members kept), when that is more than its size as received: the member
 * {@link serializeBaggageMember} writes with `+` as itself (the minimal encoding, which
 * {@link serializeBaggage} falls back to before it drops a member). Otherwise its size as received
 * is the larger, which the caller takes.
 */
function writtenSize(key: string, value: string, properties: string, count: number): number {
  const member = serializeBaggageMember(key, { value, metadata: properties as never }, Infinity, false);
  return (member === undefined ? 0 : member.length) + (count > 0 ? 1 : 0);
}

/**
 * The form every tracer writes: `key=value` members joined by `,`, without OWS, empty members or
 * properties, every key a token and every value baggage-octets (Baggage §3.2.1). Tested by one regular
 * expression, whose compiled matcher costs the same whether or not V8 has optimised the caller — a
 * service restoring a few hundred carriers never gets this code optimised, and a loop per character
 * then costs ten times as much. Each member's end is its `,` (no octet is a comma) and its key ends at
 * its first `=` (no token character is `=`), so the match is linear.
 */
const CANONICAL_BAGGAGE =
  /^[\x21\x23-\x27\x2a\x2b\x2d\x2e0-9A-Z\x5e-\x7a\x7c\x7e]+=[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*(?:,[\x21\x23-\x27\x2a\x2b\x2d\x2e0-9A-Z\x5e-\x7a\x7c\x7e]+=[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*)*$/;

/**
 * The members of a header that matches {@link CANONICAL_BAGGAGE} and is at most 8192 characters long
 * (so every member fits the size limit, Baggage §3.3.1), exactly as {@link parseBaggageHeader}'s
 * general path reads them; `undefined` when it has more than 64 members (the general path then
 * applies the count limit).
 */
function canonicalMembers(header: string): BaggageMember[] | undefined {
  const members: BaggageMember[] = [];
  for (let start = 0; start < header.length;) {
    if (members.length === BAGGAGE_MAX_MEMBERS) return undefined;
    let end = header.indexOf(",", start);
    if (end === -1) end = header.length;
    const equals = header.indexOf("=", start);
    const raw = header.slice(equals + 1, end);
    const value = decodeBaggageValue(raw);
    if (writtenLonger(raw, value)) return undefined;
    members.push({ key: header.slice(start, equals), value, properties: "" });
    start = end + 1;
  }
  return members;
}

/**
 * Internal: the entries the `baggage` style keeps from a header in the canonical form
 * ({@link CANONICAL_BAGGAGE}, at most 8192 characters and 64 members), as a Map of key -> `{ value }`
 * in member order, a repeated key keeping its first position and its last value: exactly what
 * `BaggagePropagator` builds from {@link parseBaggageHeader}'s members, without the member array and
 * objects in between (every tracer writes this form, so nearly every restore takes this path).
 * `undefined` when the header is not canonical or has more than 64 members (the caller then reads it
 * with {@link parseBaggageHeader}). Never throws.
 */
export function canonicalBaggageEntries(header: string): Map<string, BaggageEntry> | undefined {
  if (header.length > BAGGAGE_MAX_BYTES || !CANONICAL_BAGGAGE.test(header)) return undefined;
  const entries = new Map<string, BaggageEntry>();
  let count = 0;
  for (let start = 0; start < header.length;) {
    // The same member count as canonicalMembers: over 64 members the general path applies the limit.
    if (count === BAGGAGE_MAX_MEMBERS) return undefined;
    let end = header.indexOf(",", start);
    if (end === -1) end = header.length;
    const equals = header.indexOf("=", start);
    const raw = header.slice(equals + 1, end);
    const value = decodeBaggageValue(raw);
    // Written on longer than read (the general path sizes such a member as written): not this path.
    if (writtenLonger(raw, value)) return undefined;
    entries.set(header.slice(start, equals), { value });
    count++;
    start = end + 1;
  }
  return entries;
}

/**
 * Internal: `header` when it is exactly what {@link serializeBaggage} writes for `entries`, the Map
 * {@link canonicalBaggageEntries} read from it; otherwise `undefined`. True when the header holds no
 * `%` (a decoded escape may be encoded again in another case, `%c3` as `%C3`), no `+` (which
 * serializeBaggage encodes) and no repeated key (the Map keeps one member per key): every value is
 * then its own encoding (baggage-octets other than `%` and `+`), every key a token, and the header
 * `key=value` joined by `,` in the Map's order, within the 64-member / 8192-byte limits. Kept for
 * re-injection of a baggage restored unchanged (what a service does with the baggage it received),
 * as the datadog style keeps the `x-datadog-trace-id` it read.
 */
export function canonicalBaggageWire(
  header: string,
  entries: ReadonlyMap<string, unknown>,
): string | undefined {
  if (header.indexOf("%") !== -1 || header.indexOf("+") !== -1) return undefined;
  let members = 1;
  for (let at = header.indexOf(","); at !== -1; at = header.indexOf(",", at + 1)) members++;
  return members === entries.size ? header : undefined;
}

/**
 * Serializes baggage entries (in the order given, as `Baggage.getAllEntries()` returns them) to a
 * baggage header (Baggage §3.2): `key=value[;properties]` joined by `,` with no whitespace.
 *
 * - Keys are written verbatim and must be RFC 7230 tokens; an entry with any other key is skipped
 *   (keys are never percent-encoded, Baggage §3.2.1.2).
 * - Values are percent-encoded with {@link encodeBaggageValue}; metadata is normalized with
 *   {@link normalizeBaggageProperties} in `inject` mode.
 * - Limits (Baggage §3.3.1): at most 64 members and 8192 bytes; an entry that would overflow is
 *   skipped whole ("MUST NOT propagate any partial list-members") and later, smaller ones still go.
 * - `+` is written as `%2B` (for form decoders) unless that costs members: when an entry is skipped
 *   for its size and the header written with every `+` as itself (the minimal encoding, `+` being a
 *   baggage-octet) holds more members, that header is returned. So a received baggage within 64
 *   members and 8192 bytes is written on whole ("MUST propagate all list-members ... whenever both
 *   of these conditions are met"), whatever its `+`s would cost as `%2B` (a member whose escapes of
 *   invalid UTF-8, each read as U+FFFD, Baggage §3.2.1.3, and written as its 9 bytes, would not fit is
 *   not kept on extract: {@link parseBaggageHeader}).
 *   This second pass needs `entries` to be iterable twice (an array, a Map); a one-shot iterator
 *   gets the first pass's header.
 * - Metadata text (`entry.metadata.toString()`) longer than 8192 characters, a whole header, drops
 *   its entry: the member it would give is never worked out. Such text fits only when most of it is
 *   whitespace, empty properties or properties that are dropped; a member read from a header is sized
 *   by its text as received too ({@link parseBaggageHeader}), and every metadata tracehop extracts is
 *   at most that long.
 *
 * Work per entry is bounded by the room left, whatever the length of its key, value or metadata: a
 * key longer than the room is dropped by its length, a value or property encoded until it is known
 * not to fit ({@link encodeBaggageValue}). Every entry written is exactly what an unbounded encoding
 * gives. Entries are read up to the first one past the 64th member written, not further: a baggage of
 * 10^6 entries costs what its first 65 do. Returns `undefined` when no entry can be written. `leftOut`,
 * when given, gets the number of entries this call left out for the limits ({@link BaggageLeftOut}).
 * Never throws.
 */
export function serializeBaggage(
  entries: Iterable<[string, BaggageEntry]>,
  leftOut?: BaggageLeftOut,
): string | undefined {
  // Each pass's counts are read into locals right after it, before anything else runs (an application's
  // iterable or metadata's toString may inject again, and its passes write the same scratch).
  const header = serializeEntries(entries, true);
  const firstCount = passCount;
  const firstSkipped = passSkipped;
  const firstOver = passOver;
  // Nothing skipped for its size (the usual case): no second pass.
  if (firstSkipped === 0 || (entries[Symbol.iterator]() as unknown) === entries) {
    if (leftOut !== undefined) {
      leftOut.count = firstSkipped + firstOver;
      leftOut.more = firstOver > 0;
    }
    return header;
  }
  const minimal = serializeEntries(entries, false);
  const secondUsed = passCount > firstCount;
  if (leftOut !== undefined) {
    const over = secondUsed ? passOver : firstOver;
    leftOut.count = (secondUsed ? passSkipped : firstSkipped) + over;
    leftOut.more = over > 0;
  }
  return secondUsed ? minimal : header;
}

/**
 * Internal: what {@link serializeBaggage} left out for the limits of Baggage §3.3.1 (set by the call it
 * is given to): `count`, the entries skipped for their size (a key that is no token is not counted: no
 * room would have let it be written) plus, when `more`, the first entry past the 64th member written.
 * `more`: the entries were not read past that one (they are not walked only to be counted), so `count`
 * is a lower bound; `false`: `count` is exact.
 */
export interface BaggageLeftOut {
  count: number;
  more: boolean;
}

/** Members written by the last {@link serializeEntries} pass (scratch: read right after it). */
let passCount = 0;
/** Entries the last {@link serializeEntries} pass skipped for their size (scratch). */
let passSkipped = 0;
/** 1 when the last {@link serializeEntries} pass stopped at an entry past its 64th member written, else 0 (scratch). */
let passOver = 0;

/**
 * {@link serializeBaggage}'s pass with `+` written as `%2B` (`encodePlus`) or as itself: the header
 * (`undefined` when no entry is written); the number of members in it goes to {@link passCount}, of
 * entries skipped for their size to {@link passSkipped}, and 1 to {@link passOver} when an entry came
 * after the 64th member written (the pass stops there: the rest is neither read nor counted), set when
 * the pass ends (no result object on the hot path; the caller reads them before anything else runs). A
 * key is read for that at most as far as the room left (a longer one is skipped for its size, unread).
 */
function serializeEntries(
  entries: Iterable<[string, BaggageEntry]>,
  encodePlus: boolean,
): string | undefined {
  let out = "";
  let count = 0;
  let skipped = 0;
  let over = 0;
  for (const [key, entry] of entries) {
    if (typeof key !== "string" || !entry || typeof entry.value !== "string") continue;
    // Past the 64th member: the first entry that could have been written (as counted for its size
    // below) ends the pass; the rest is not walked only to be counted.
    if (count === BAGGAGE_MAX_MEMBERS) {
      if (key.length >= BAGGAGE_MAX_BYTES || isBaggageToken(key)) {
        over = 1;
        break;
      }
      continue;
    }
    // The room this member has (after its comma): an entry that cannot fit is dropped as soon as
    // that is known, not encoded whole first (a 1M-character value costs what 8 KiB do).
    const room = BAGGAGE_MAX_BYTES - out.length - (count > 0 ? 1 : 0);
    const member = serializeBaggageMember(key, entry, room, encodePlus);
    if (member === undefined) {
      // Not written for its size (a key that is no token is never written, whatever the room).
      if (key.length + 1 > room || isBaggageToken(key)) skipped++;
      continue;
    }
    out += count > 0 ? `,${member}` : member;
    count++;
  }
  passCount = count;
  passSkipped = skipped;
  passOver = over;
  return count > 0 ? out : undefined;
}

/**
 * Internal: the list-member {@link serializeBaggage} writes for one entry (`key=value[;properties]`),
 * or `undefined` when it writes none: a key that is not a token, or a member longer than `room` (the
 * bytes left in the header after this member's comma; Baggage §3.3.1). The one encoding and sizing of
 * a member, also used to size the `ot-baggage-*` entries the `datadog` style restores. Work is bounded
 * by `room` (see serializeBaggage). `entry` must be an object whose `value` is a string. `encodePlus`
 * (default `true`): `false` writes `+` as itself in the value and property values
 * ({@link encodeBaggageValue}). Never throws.
 */
export function serializeBaggageMember(
  key: string,
  entry: BaggageEntry,
  room: number,
  encodePlus = true,
): string | undefined {
  // A key is written as it is, so one longer than the room is dropped by its length, unread.
  if (key.length + 1 > room || !isBaggageToken(key)) return undefined;
  const value = encodeBaggageValue(entry.value, false, room - key.length - 1, encodePlus);
  if (value === undefined) return undefined;
  let member = `${key}=${value}`;
  const metadata = entry.metadata === undefined ? "" : metadataText(entry.metadata);
  // Metadata longer than a whole baggage header is dropped with its entry, unread (see above).
  if (metadata.length > BAGGAGE_MAX_BYTES) return undefined;
  if (metadata) {
    const properties = normalizeBaggageProperties(metadata, "inject", room - member.length - 1, encodePlus);
    if (properties === undefined) return undefined;
    if (properties) member += `;${properties}`;
  }
  return member.length > room ? undefined : member;
}

function metadataText(metadata: unknown): string {
  // The api's metadata is an object with `toString()`; a string is taken as is. Any other value
  // (null, undefined, false, 0, NaN...) is no metadata: never a property named after it.
  if (typeof metadata === "string") return metadata;
  if (metadata === null || (typeof metadata !== "object" && typeof metadata !== "function")) return "";
  try {
    const text = String(metadata);
    return text === "[object Object]" ? "" : text;
  } catch {
    return "";
  }
}
