/**
 * Whether a value holds a stored carrier, judged from its start: what the carrier-in-another-field
 * check (carrier-in-other-field.ts) and the row-versus-headers test (carrier-source.ts) ask.
 */
import { B3_CONTEXT_HEADER, X_B3_TRACE_ID } from "@opentelemetry/propagator-b3";
import { asciiLowerName } from "../carrier/ascii-lower-name.js";
import { carrierObject } from "../carrier/carrier-object.js";
import { headerObjectKind } from "../carrier/header-object-kind.js";
import { MAX_CARRIER_KEYS, MAX_CARRIER_TEXT_LENGTH } from "../carrier/trace-carrier.js";
import { X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { isPropagationHeaderName, PROPAGATION_HEADER_NAMES } from "../propagation/header-names.js";
import { TRACE_PARENT_HEADER } from "../propagation/w3c/constants.js";

/** Internal: own fields of a source looked at for a carrier held under another name: a row has a few dozen. */
export const MAX_FIELDS_LOOKED_AT = MAX_CARRIER_KEYS;

/**
 * Internal: an object read through its own properties, of any class (unlike `isPlainObject`,
 * src/plain-object.ts: a row of an ORM's class is one), whose own fields may be a row's columns: not an
 * array, bytes, a Map or a header object (`headerObjectKind`, header-object-kind.ts: a fetch `Headers`,
 * NATS `MsgHdrs`, a Map of another realm, a class read through `get`), whose own fields are its
 * client's internals (MsgHdrs' `headers` Map), never a carrier put in another field. A plain object
 * costs two property look-ups (no iterator, no `get`; no prototype read: a proxy whose
 * `getPrototypeOf` alone throws is a record, its fields scanned). False when a proxy's `get` trap
 * throws.
 */
export function isPropertyRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  try {
    return !Array.isArray(value) && !ArrayBuffer.isView(value) && headerObjectKind(value) === undefined;
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

/**
 * For a `Map` or a header object kept in entries (`headerObjectKind`: NATS `MsgHdrs`, a Map of
 * another realm, a `Headers` object), judged from its first {@link MAX_FIELDS_LOOKED_AT} `[name, value]`
 * entries, names in any case: with `needContext`, whether their propagation fields give a span context
 * as a plain object's must ({@link fieldsGiveContext}: a value shaped like one, a trace id with its
 * partner), so that headers holding only `baggage` or a bad `traceparent` are no carrier; without it,
 * whether a propagation name is among them at all ({@link namesCarrier}: the right field, written
 * badly). May throw (a hostile iterator).
 */
function entriesHoldCarrier(entries: Iterable<unknown>, needContext: boolean): boolean {
  let looked = 0;
  let fields: Record<string, unknown> | undefined;
  for (const entry of entries) {
    if (++looked > MAX_FIELDS_LOOKED_AT) break;
    if (!Array.isArray(entry) || typeof entry[0] !== "string") continue;
    const name = entry[0].toLowerCase();
    if (!isPropagationHeaderName(name)) continue;
    if (!needContext) return true;
    fields ??= Object.create(null) as Record<string, unknown>;
    // The first of a name's values, as the reader reads a span-context field (MsgHdrs: an array).
    if (!Object.hasOwn(fields, name)) fields[name] = entry[1];
  }
  return fields !== undefined && fieldsGiveContext(fields, (name) => [name]);
}

/**
 * {@link entriesHoldCarrier} for a header object (`headerObjectKind`, header-object-kind.ts): a Map (of
 * any realm) or one kept in entries (`Headers`, NATS `MsgHdrs`) from its iterator; one read through
 * `get(name)` ("lookup") from what the carrier reader reads of it (`carrierObject`: the names of its
 * `keys()`, then each propagation name asked through `get`). `undefined` for any other value (a plain
 * object: two property look-ups), and when a proxy's trap throws. May throw (a hostile iterator).
 */
function entriesObjectHoldsCarrier(value: unknown, needContext: boolean): boolean | undefined {
  if (value === null || typeof value !== "object") return undefined;
  let kind: ReturnType<typeof headerObjectKind>;
  try {
    kind = headerObjectKind(value);
  } catch {
    return undefined;
  }
  if (kind === undefined) return undefined;
  if (kind !== "lookup") return entriesHoldCarrier(value as Iterable<unknown>, needContext);
  const read = carrierObject(value);
  return read instanceof Map && entriesHoldCarrier(read, needContext);
}

/**
 * Internal: true for a field value that holds a carrier in any shape the carrier reader takes one
 * (`carrierObject` in src/carrier/carrier-object.ts, what `withCarrier(row.field)` restores), judged
 * from its start alone: an object whose own fields give a span context, looked up by name
 * ({@link holdsCarrier}), a `Map` whose first {@link MAX_FIELDS_LOOKED_AT} entries give one the same way
 * ({@link entriesHoldCarrier}); its JSON text or that JSON text stringified once more, at most
 * {@link MAX_CARRIER_TEXT_LENGTH} long ({@link textHoldsCarrier}); or the UTF-8 bytes of either (a BLOB
 * or `bytea` column, a Buffer: {@link storedText}); or a header object kept in entries (NATS `MsgHdrs`,
 * a `Headers` object) or read through `get(name)` ({@link entriesObjectHoldsCarrier}), as the reader
 * reads one. No object's keys are listed
 * but those of one parsed from a few thousand characters, and at most {@link MAX_FIELDS_LOOKED_AT}
 * entries: the cost is bounded whatever the value's size. May throw (a hostile object).
 */
export function holdsStoredCarrier(value: unknown): boolean {
  const inEntries = entriesObjectHoldsCarrier(value, true);
  if (inEntries !== undefined) return inEntries;
  const text = storedText(value);
  if (text === undefined) return holdsCarrier(value);
  return text !== null && text.length <= MAX_CARRIER_TEXT_LENGTH && textHoldsCarrier(text);
}

/**
 * Internal: true for a `traceContext` value that is a carrier, a bad one included: {@link holdsStoredCarrier}, or
 * an object, JSON text or bytes of it with a propagation field among the names {@link CARRIER_FIELD_NAMES}
 * lists whatever its value (`{ traceparent: "garbage" }`: the right field, written badly). May throw (a
 * hostile object).
 */
export function namesCarrier(value: unknown): boolean {
  const inEntries = entriesObjectHoldsCarrier(value, false);
  if (inEntries !== undefined) return inEntries;
  const text = storedText(value);
  if (text === undefined)
    return (
      holdsCarrier(value) ||
      (isPropertyRecord(value) && CARRIER_FIELD_NAMES.some((name) => Object.hasOwn(value, name)))
    );
  if (text === null) return false;
  return (
    (text.length <= MAX_CARRIER_TEXT_LENGTH && textHoldsCarrier(text)) ||
    isCarrierText(text) ||
    isEncodedCarrierText(text)
  );
}

/**
 * The text a field value is judged by, decoded once: a string itself; the first
 * {@link CARRIER_BYTES_PREFIX} bytes of a binary value that starts as JSON ({@link startsAsJson}), as
 * UTF-8. `null` for a value without a carrier's text (not an object, binary that is no JSON or that the
 * reader reads nothing from: {@link bytesPrefix}); `undefined` for an object that is not binary, judged
 * by its fields. May throw (a hostile object).
 */
function storedText(value: unknown): string | null | undefined {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return null;
  const bytes = bytesPrefix(value);
  if (bytes === undefined) return undefined;
  return bytes !== null && startsAsJson(bytes) ? utf8Prefix.decode(bytes) : null;
}

/**
 * Text up to this long is parsed to judge it ({@link textHoldsCarrier}): a carrier's JSON is a few
 * hundred bytes; longer text (or the first {@link CARRIER_BYTES_PREFIX} bytes of a longer value) is
 * judged from its first key alone.
 */
const PARSED_TEXT_LIMIT = 4096;

/**
 * True for the JSON text of an object whose fields give a span context, or that text stringified once
 * more: parsed when at most {@link PARSED_TEXT_LIMIT} long (a leading byte order mark skipped; text that
 * does not parse, such as the cut prefix of a longer value, is judged from its first key), its keys
 * read in any case ({@link parsedHoldsCarrier}); else judged from its first key ({@link isCarrierText},
 * {@link isEncodedCarrierText}). May throw (never in practice).
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
    if (parsed !== undefined) return isPropertyRecord(parsed) && parsedHoldsCarrier(parsed);
  }
  return isCarrierText(text) || isEncodedCarrierText(text);
}

/**
 * Compound header names written with each word capitalised (`TraceParent`, as some .NET and Java code
 * spells them), and B3's own spellings of its multi headers (`X-B3-TraceId`: openzipkin/b3-propagation,
 * README "Multiple Headers").
 */
const CAPITALISED_WORDS: ReadonlyMap<string, string> = new Map([
  ["traceparent", "TraceParent"],
  ["tracestate", "TraceState"],
  ["x-b3-traceid", "X-B3-TraceId"],
  ["x-b3-spanid", "X-B3-SpanId"],
  ["x-b3-parentspanid", "X-B3-ParentSpanId"],
]);

/**
 * The spellings of each propagation field looked up by name in an object: each of
 * `PROPAGATION_HEADER_NAMES` (src/propagation/header-names.ts) in lower case, as tracehop, Node's HTTP
 * server and HTTP/2 write them (`traceparent`, `x-datadog-trace-id`), in Title-Case, as HTTP/1.1 clients
 * and Java's Kafka and AMQP clients often do (`Traceparent`, `X-Datadog-Trace-Id`), in upper case, and
 * with each word capitalised ({@link CAPITALISED_WORDS}). One `Object.hasOwn` each: never a walk of an
 * object's keys, which for an object of a million keys (a large JSON column, a wide row) takes a second.
 */
const SPELLINGS: ReadonlyMap<string, readonly string[]> = new Map(
  PROPAGATION_HEADER_NAMES.map((name) => {
    const capitalised = CAPITALISED_WORDS.get(name);
    const spelt = [name, titleCase(name), name.toUpperCase()];
    return [name, [...new Set(capitalised === undefined ? spelt : [...spelt, capitalised])]];
  }),
);

/** Every spelling of {@link SPELLINGS}, for a look-up of any propagation field by name. */
const CARRIER_FIELD_NAMES: readonly string[] = [...SPELLINGS.values()].flat();

/**
 * Internal: the spellings of the lower-case propagation header name `name` that are looked up by name
 * ({@link SPELLINGS}); `name` alone for another name.
 */
export function spellingsOf(name: string): readonly string[] {
  return SPELLINGS.get(name) ?? [name];
}

/** `name` with the first letter of each `-`-separated word upper-cased: `x-b3-traceid` → `X-B3-Traceid`. */
function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * Internal: true for an object whose own fields give a span context ({@link CONTEXT_VALUE_PATTERNS}, and
 * the partner a trace id needs), each field looked up by name in its spellings ({@link SPELLINGS}), or
 * JSON text of such an object ({@link textHoldsCarrier}). May throw (a hostile object).
 */
export function holdsCarrier(value: unknown): boolean {
  if (typeof value === "string") return textHoldsCarrier(value);
  return isPropertyRecord(value) && fieldsGiveContext(value, spellingsOf);
}

/**
 * {@link holdsCarrier} of an object parsed from at most {@link PARSED_TEXT_LIMIT} characters (so of a
 * few hundred keys at most): its keys read in any ASCII case, as the carrier reader reads them
 * (`asciiLowerName`), besides the spellings looked up by name.
 */
function parsedHoldsCarrier(record: Record<string, unknown>): boolean {
  const keys = new Map<string, string[]>();
  for (const key of Object.keys(record)) {
    const name = asciiLowerName(key);
    if (name === undefined || !JUDGED_NAMES.has(name)) continue;
    const spelt = keys.get(name);
    if (spelt === undefined) keys.set(name, [key]);
    else spelt.push(key);
  }
  return fieldsGiveContext(record, (name) => keys.get(name) ?? NO_KEYS);
}

/** No key of a name. */
const NO_KEYS: readonly string[] = [];

/**
 * True when own fields of `record` give a span context: a field of {@link CONTEXT_VALUE_PATTERNS}, under
 * one of the keys `keysOf` gives for its lower-case name, whose value matches its pattern, with the
 * partner a trace id needs beside it ({@link PARTNER_HEADERS}) under one of its keys. May throw (a
 * hostile object).
 */
function fieldsGiveContext(
  record: Record<string, unknown>,
  keysOf: (name: string) => readonly string[],
): boolean {
  for (const [name, pattern] of CONTEXT_VALUE_PATTERNS)
    for (const key of keysOf(name)) {
      if (!Object.hasOwn(record, key) || !pattern.test(contextValueText(record[key]))) continue;
      // A trace id alone gives no context (Datadog needs its parent id, B3's multi headers their span id).
      const partner = PARTNER_HEADERS.get(name);
      if (partner === undefined || keysOf(partner).some((spelt) => Object.hasOwn(record, spelt))) return true;
    }
  return false;
}

/** The header a trace id header needs beside it to give a span context, by the trace id's name. */
const PARTNER_HEADERS: ReadonlyMap<string, string> = new Map([
  [X_DATADOG_TRACE_ID, "x-datadog-parent-id"],
  [X_B3_TRACE_ID, "x-b3-spanid"],
]);

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

/** The names {@link fieldsGiveContext} reads: those of {@link CONTEXT_VALUE_PATTERNS} and their partners. */
const JUDGED_NAMES: ReadonlySet<string> = new Set([
  ...CONTEXT_VALUE_PATTERNS.keys(),
  ...PARTNER_HEADERS.values(),
]);

/**
 * A header value as text to test against {@link CONTEXT_VALUE_PATTERNS}: a string (trimmed), a number
 * (a JSON number id) or a bigint, the first of an array, the first 64 bytes of a Buffer (a kafkajs header) as
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
