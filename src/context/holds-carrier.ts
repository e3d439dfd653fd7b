/**
 * Whether a value holds a stored carrier, judged from its start: what the carrier-in-another-field
 * check (carrier-in-other-field.ts) and the row-versus-headers test (carrier-source.ts) ask.
 */
import { B3_CONTEXT_HEADER, X_B3_TRACE_ID } from "@opentelemetry/propagator-b3";
import { MAX_CARRIER_KEYS, MAX_CARRIER_TEXT_LENGTH } from "../carrier/trace-carrier.js";
import { X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { isPropagationHeaderName, PROPAGATION_HEADER_NAMES } from "../propagation/header-names.js";
import { TRACE_PARENT_HEADER } from "../propagation/w3c/constants.js";

/** Internal: own fields of a source looked at for a carrier held under another name: a row has a few dozen. */
export const MAX_FIELDS_LOOKED_AT = MAX_CARRIER_KEYS;

/** Internal: an object whose own fields may be a row's columns: not an array, bytes, a Map or fetch Headers. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  try {
    return !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Map);
  } catch {
    return false;
  }
}

/**
 * Most characters of the first key of a JSON text read as a field name ({@link firstKeyIsPropagationName}):
 * the longest fixed propagation name, `x-datadog-sampling-priority`, has 27; an `ot-baggage-<key>` one
 * may be longer.
 */
const MAX_FIRST_KEY_LENGTH = 256;
/** Blank characters skipped around the first key of a JSON text: a pretty-printed carrier indents it. */
const MAX_INDENT = 64;

/**
 * Internal: true for the JSON text of an object (a byte order mark and blanks before its `{` allowed) whose first
 * key is a propagation field name ({@link firstKeyIsPropagationName}): what `JSON.stringify` of a
 * carrier gives (tracehop's carriers hold propagation fields alone). Only the start of the text is read,
 * a few hundred characters whatever its length: never a scan of a long free-text column.
 */
export function isCarrierText(text: string): boolean {
  const i = skipBlanks(text, 0);
  return text.charCodeAt(i) === 0x7b /* { */ && firstKeyIsPropagationName(text, i + 1, false);
}

/**
 * Skips up to 8 blanks and byte order marks (U+FEFF) from `i` in `text`: what may precede a JSON text's
 * `{` (RFC 8259 §2, §8.1). Returns the index of the first other character.
 */
function skipBlanks(text: string, i: number): number {
  const end = Math.min(text.length, i + 8);
  while (i < end && (text.charCodeAt(i) <= 0x20 || text.charCodeAt(i) === 0xfeff)) i++;
  return i;
}

/**
 * True for JSON text that holds a carrier's JSON text as a string (`"{\"traceparent\":...}"`: what
 * `JSON.stringify` of an already stringified carrier gives, into a `json` column or a message body),
 * which the carrier reader parses twice: a `"`, then the `{` of the inner text, whose first key, its
 * quotes escaped, is a propagation field name ({@link firstKeyIsPropagationName}).
 */
function isEncodedCarrierText(text: string): boolean {
  let i = skipBlanks(text, 0);
  if (text.charCodeAt(i) !== 0x22 /* " */) return false;
  i = skipBlanks(text, i + 1);
  return text.charCodeAt(i) === 0x7b /* { */ && firstKeyIsPropagationName(text, i + 1, true);
}

/**
 * True when the JSON object whose `{` ends just before `start` in `text` names a propagation field
 * first: blanks ({@link skipIndent}), its first key quoted — the quotes escaped (`\"`) when `escaped`,
 * the object's text being itself the content of a JSON string — of 1 to {@link MAX_FIRST_KEY_LENGTH}
 * characters without an escape, blanks, then `:`; the key, in any case, one
 * `isPropagationHeaderName` takes (src/propagation/header-names.ts: the names every reader of a carrier
 * knows). Reads at most a few hundred characters from `start`.
 */
function firstKeyIsPropagationName(text: string, start: number, escaped: boolean): boolean {
  let i = skipIndent(text, start, escaped);
  if (escaped && text.charCodeAt(i++) !== 0x5c /* \ */) return false;
  if (text.charCodeAt(i) !== 0x22 /* " */) return false;
  const keyStart = i + 1;
  const end = Math.min(text.length, keyStart + MAX_FIRST_KEY_LENGTH + 1);
  let keyEnd = keyStart;
  while (keyEnd < end && text.charCodeAt(keyEnd) !== 0x22 && text.charCodeAt(keyEnd) !== 0x5c) keyEnd++;
  if (keyEnd === keyStart || keyEnd - keyStart > MAX_FIRST_KEY_LENGTH) return false;
  i = keyEnd;
  if (escaped && text.charCodeAt(i++) !== 0x5c /* \ */) return false;
  if (text.charCodeAt(i) !== 0x22 /* " */) return false;
  i = skipIndent(text, i + 1, escaped);
  if (text.charCodeAt(i) !== 0x3a /* : */) return false;
  return isPropagationHeaderName(text.slice(keyStart, keyEnd).toLowerCase());
}

/**
 * Skips up to {@link MAX_INDENT} blanks (space, tab, CR, LF: RFC 8259 §2) from `i` in `text`, and when
 * `escaped` (JSON text inside a JSON string) the escapes `\n`, `\r`, `\t` that stand for them as well.
 * Returns the index of the first other character.
 */
function skipIndent(text: string, i: number, escaped: boolean): number {
  const end = Math.min(text.length, i + MAX_INDENT);
  while (i < end) {
    const code = text.charCodeAt(i);
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) i++;
    else if (escaped && code === 0x5c /* \ */ && BLANK_ESCAPES.has(text.charCodeAt(i + 1))) i += 2;
    else break;
  }
  return i;
}

/** The letters of the JSON escapes of blanks: `\n`, `\r`, `\t`. */
const BLANK_ESCAPES: ReadonlySet<number> = new Set([0x6e, 0x72, 0x74]);

/**
 * Bytes of a binary field decoded to look for a carrier's JSON text: more than the blanks, quotes and
 * first key that {@link isCarrierText} and {@link isEncodedCarrierText} read take in UTF-8 (at most 3
 * bytes a character).
 */
const CARRIER_BYTES_PREFIX = 1536;

/** Decodes the first bytes of a binary field; a leading U+FEFF kept (`isCarrierText` skips it). */
const utf8Prefix = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * The first {@link CARRIER_BYTES_PREFIX} bytes of a binary value as the carrier reader takes one
 * (`carrierObject` in src/carrier/carrier-object.ts: a `Buffer`/`Uint8Array`/other typed array or `DataView`,
 * an `ArrayBuffer`, or the JSON form of a Buffer `{ type: "Buffer", data: [...] }`): `undefined` when
 * `value` is not binary; `null` when it is but the reader reads nothing from it — longer than
 * {@link MAX_CARRIER_TEXT_LENGTH}, or a JSON Buffer whose first bytes are not all integers 0-255 (the
 * ones past the prefix are not looked at). Never a copy or a decode of the whole value. May throw (a
 * hostile object).
 */
function bytesPrefix(value: object): Uint8Array | null | undefined {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    const view = ArrayBuffer.isView(value)
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : new Uint8Array(value);
    return view.byteLength > MAX_CARRIER_TEXT_LENGTH ? null : view.subarray(0, CARRIER_BYTES_PREFIX);
  }
  const json = value as { type?: unknown; data?: unknown };
  if (json.type !== "Buffer" || !Array.isArray(json.data)) return undefined;
  const data = json.data as unknown[];
  if (data.length > MAX_CARRIER_TEXT_LENGTH) return null;
  const bytes = new Uint8Array(Math.min(data.length, CARRIER_BYTES_PREFIX));
  for (let i = 0; i < bytes.length; i++) {
    const byte = data[i];
    if (typeof byte !== "number" || !Number.isInteger(byte) || byte < 0 || byte > 255) return null;
    bytes[i] = byte;
  }
  return bytes;
}

/**
 * True when `bytes`, after at most 24 blanks or byte order mark bytes (EF BB BF: the 8 characters
 * {@link skipBlanks} passes, each a BOM at most), start with `{` or `"`: what the UTF-8 bytes of a
 * carrier's JSON text, or of that text stringified once more, start with. Lets a binary value that
 * is no JSON (a kafkajs header, an id) go without a decode.
 */
function startsAsJson(bytes: Uint8Array): boolean {
  let i = 0;
  while (
    i < bytes.length &&
    i < 24 &&
    (bytes[i]! <= 0x20 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)
  )
    i++;
  return bytes[i] === 0x7b /* { */ || bytes[i] === 0x22; /* " */
}

/** True for a `Map` with a propagation name among its first {@link MAX_FIELDS_LOOKED_AT} keys (any case). */
function mapHoldsCarrier(map: Map<unknown, unknown>): boolean {
  let looked = 0;
  for (const key of map.keys()) {
    if (++looked > MAX_FIELDS_LOOKED_AT) return false;
    if (typeof key === "string" && isPropagationHeaderName(key.toLowerCase())) return true;
  }
  return false;
}

/**
 * Internal: true for a field value that holds a carrier in any shape the carrier reader takes one
 * (`carrierObject` in src/carrier/carrier-object.ts, what `withCarrier(row.field)` restores), judged from its
 * start alone: an object with a propagation field of one of the spellings {@link CARRIER_FIELD_NAMES}
 * lists ({@link holdsCarrier}), a `Map` with one among its first {@link MAX_FIELDS_LOOKED_AT} keys (any
 * case); its JSON text ({@link isCarrierText}) or that JSON text stringified once more
 * ({@link isEncodedCarrierText}), at most {@link MAX_CARRIER_TEXT_LENGTH} long, whose first key is a
 * propagation field; or the UTF-8 bytes of either (a BLOB or `bytea` column, a Buffer: {@link bytesPrefix}),
 * of which the first {@link CARRIER_BYTES_PREFIX} are decoded. Nothing is parsed, and no object's keys
 * are listed: the cost is bounded whatever the value's size. (A WHATWG `Headers` object, which no row
 * column holds, is not looked at.) May throw (a hostile object).
 */
export function holdsStoredCarrier(value: unknown): boolean {
  if (typeof value === "string") return value.length <= MAX_CARRIER_TEXT_LENGTH && textHoldsCarrier(value);
  if (value === null || typeof value !== "object") return false;
  if (value instanceof Map) return mapHoldsCarrier(value);
  const bytes = bytesPrefix(value);
  if (bytes === null) return false;
  if (bytes !== undefined) return startsAsJson(bytes) && textHoldsCarrier(utf8Prefix.decode(bytes));
  return holdsCarrier(value);
}

/**
 * Internal: true for a `traceContext` value that is a carrier, a bad one included: {@link holdsStoredCarrier}, or
 * an object, JSON text or bytes of it with a propagation field among the names {@link CARRIER_FIELD_NAMES}
 * lists whatever its value (`{ traceparent: "garbage" }`: the right field, written badly). May throw (a
 * hostile object).
 */
export function namesCarrier(value: unknown): boolean {
  if (holdsStoredCarrier(value)) return true;
  if (typeof value === "string") return isCarrierText(value) || isEncodedCarrierText(value);
  if (value === null || typeof value !== "object" || value instanceof Map) return false;
  const bytes = bytesPrefix(value);
  if (bytes === null) return false;
  if (bytes !== undefined) {
    if (!startsAsJson(bytes)) return false;
    const text = utf8Prefix.decode(bytes);
    return isCarrierText(text) || isEncodedCarrierText(text);
  }
  return isPlainRecord(value) && CARRIER_FIELD_NAMES.some((name) => Object.hasOwn(value, name));
}

/**
 * Text up to this long is parsed to judge it ({@link textHoldsCarrier}): a carrier's JSON is a few
 * hundred bytes; longer text (or the first {@link CARRIER_BYTES_PREFIX} bytes of a longer value) is
 * judged from its first key alone.
 */
const PARSED_TEXT_LIMIT = 4096;

/**
 * True for the JSON text of an object {@link holdsCarrier} takes, or that text stringified once more:
 * parsed when at most {@link PARSED_TEXT_LIMIT} long (a leading byte order mark skipped; text that does
 * not parse, such as the cut prefix of a longer value, is judged from its first key), else judged from
 * its first key ({@link isCarrierText}, {@link isEncodedCarrierText}). May throw (never in practice).
 */
function textHoldsCarrier(text: string): boolean {
  if (text.length <= PARSED_TEXT_LIMIT) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      if (typeof parsed === "string" && parsed.length <= PARSED_TEXT_LIMIT) parsed = JSON.parse(parsed);
    } catch {
      parsed = undefined;
    }
    // Text stringified a third time is a string still: the reader parses twice only.
    if (parsed !== undefined) return typeof parsed === "object" && holdsCarrier(parsed);
  }
  return isCarrierText(text) || isEncodedCarrierText(text);
}

/**
 * The spellings of a propagation field looked up by name in an object ({@link holdsCarrier}): each of
 * `PROPAGATION_HEADER_NAMES` (src/propagation/header-names.ts) in lower case, as tracehop, Node's HTTP
 * server and HTTP/2 write them (`traceparent`, `x-datadog-trace-id`), in Title-Case, as HTTP/1.1 clients
 * and Java's Kafka and AMQP clients often do (`Traceparent`, `X-Datadog-Trace-Id`), and in upper case;
 * and B3's own spellings (`X-B3-TraceId`, `X-B3-SpanId`, `X-B3-ParentSpanId`: openzipkin/b3-propagation,
 * README "Multiple Headers"). Another mixed case is not seen.
 */
const CARRIER_FIELD_NAMES: readonly string[] = [
  ...new Set([
    ...PROPAGATION_HEADER_NAMES.flatMap((name) => [name, titleCase(name), name.toUpperCase()]),
    "X-B3-TraceId",
    "X-B3-SpanId",
    "X-B3-ParentSpanId",
  ]),
];

/** `name` with the first letter of each `-`-separated word upper-cased: `x-b3-traceid` → `X-B3-Traceid`. */
function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * Internal: true for an object with an own propagation field in one of the spellings of
 * {@link CARRIER_FIELD_NAMES} (one `Object.hasOwn` each: never a walk of its keys, which for an object
 * of a million keys, a large JSON column, takes a second), or JSON text whose first key is a propagation
 * field ({@link isCarrierText}). May throw (a hostile object).
 */
export function holdsCarrier(value: unknown): boolean {
  if (typeof value === "string") return textHoldsCarrier(value);
  if (!isPlainRecord(value)) return false;
  for (const name of CARRIER_FIELD_NAMES)
    if (Object.hasOwn(value, name)) {
      const lower = name.toLowerCase();
      const pattern = CONTEXT_VALUE_PATTERNS.get(lower);
      if (pattern === undefined || !pattern.test(contextValueText(value[name]))) continue;
      // A trace id alone gives no context (Datadog needs its parent id, B3's multi headers their span id).
      const partner = PARTNER_HEADERS.get(lower);
      if (partner === undefined || spellings(partner).some((spelt) => Object.hasOwn(value, spelt)))
        return true;
    }
  return false;
}

/** The header a trace id header needs beside it to give a span context, by the trace id's name. */
const PARTNER_HEADERS: ReadonlyMap<string, string> = new Map([
  [X_DATADOG_TRACE_ID, "x-datadog-parent-id"],
  [X_B3_TRACE_ID, "x-b3-spanid"],
]);

/** The spellings of a lower-case header name {@link CARRIER_FIELD_NAMES} looks up (B3's own included). */
function spellings(name: string): string[] {
  const spelt = [name, titleCase(name), name.toUpperCase()];
  if (name === "x-b3-spanid") spelt.push("X-B3-SpanId");
  return spelt;
}

/**
 * What a span-context header's value must start with for {@link holdsCarrier} to take the object for a
 * carrier: a field of that name holding something else (`{ b3: 12 }` of a vitamins table, `{ baggage:
 * "2 bags" }`) is no carrier. W3C Trace Context §3.2 (`version-traceid-parentid-flags`), Datadog's
 * decimal id, B3 single (openzipkin/b3-propagation "Single Header": `traceid-spanid...`) and multi
 * (`X-B3-TraceId`: 16 or 32 hex digits). Headers that give no span context on their own (`tracestate`,
 * `baggage`, `x-datadog-origin`, ...) do not make a carrier either.
 */
const CONTEXT_VALUE_PATTERNS: ReadonlyMap<string, RegExp> = new Map([
  [TRACE_PARENT_HEADER, /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}/i],
  [X_DATADOG_TRACE_ID, /^\d{1,20}$/],
  [B3_CONTEXT_HEADER, /^(?:[0-9a-f]{16}|[0-9a-f]{32})-[0-9a-f]{16}(?:-|$)/i],
  [X_B3_TRACE_ID, /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i],
]);

/**
 * A header value as text to test against {@link CONTEXT_VALUE_PATTERNS}: a string (trimmed), a number
 * (a JSON number id), the first of an array, the first 64 bytes of a Buffer (a kafkajs header) as
 * UTF-8; `""` for anything else.
 */
function contextValueText(value: unknown): string {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first === "string") return first.trim();
  if (typeof first === "number" || typeof first === "bigint") return String(first);
  if (ArrayBuffer.isView(first))
    return utf8Prefix
      .decode(new Uint8Array(first.buffer, first.byteOffset, Math.min(first.byteLength, 64)))
      .trim();
  return "";
}
