import { PROPAGATION_HEADER_NAMES, isPropagationHeaderName } from "../propagation/header-names.js";
import { asciiLowerName } from "./ascii-lower-name.js";
import { headerObjectKind, type HeaderObjectKind } from "./header-object-kind.js";
import { MAX_CARRIER_KEYS, MAX_CARRIER_TEXT_LENGTH } from "./trace-carrier.js";

/** U+FEFF: skipped at the start of JSON text (RFC 8259 §8.1), kept anywhere else. */
const BYTE_ORDER_MARK = 0xfeff;

/**
 * Internal: `text` without a leading byte order mark (U+FEFF), which RFC 8259 §8.1 lets a JSON parser
 * skip (a file saved by some editors, a column filled from one); the text itself otherwise.
 */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text;
}

// Decoded whole, never element by element; invalid UTF-8 becomes U+FFFD (then fails the header grammar);
// a leading U+FEFF is kept as data.
export const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * Internal: the object or Map a stored carrier holds, as the readers take it: JSON text (and JSON text
 * of JSON text, one level more) or UTF-8 bytes parsed; a header object read through its entries
 * (`headerObjectKind` "map", "fetch" or "entries", header-object-kind.ts: a `Map` of another realm, a
 * WHATWG `Headers`, NATS `MsgHdrs`) or through its `get` ("lookup") as a Map; `undefined` for anything
 * else (null, numbers, arrays, unparseable or oversized text).
 * `tracehop inspect` reads a row's field through it.
 */
export function carrierObject(
  carrier: unknown,
  depth = 0,
): Record<string, unknown> | Map<unknown, unknown> | undefined {
  if (carrier === null || carrier === undefined) return undefined;
  if (typeof carrier === "string") {
    if (depth > 1 || carrier.length > MAX_CARRIER_TEXT_LENGTH) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(withoutByteOrderMark(carrier));
    } catch {
      return undefined;
    }
    return carrierObject(parsed, depth + 1);
  }
  if (typeof carrier !== "object") return undefined;
  if (carrier instanceof Map) return carrier;
  const bytes = asBytes(carrier, MAX_CARRIER_TEXT_LENGTH);
  if (bytes) return depth === 0 ? carrierObject(utf8.decode(bytes), depth) : undefined;
  if (Array.isArray(carrier) || bytes === null) return undefined;
  let kind: HeaderObjectKind | undefined;
  try {
    kind = headerObjectKind(carrier); // a plain object: two look-ups (no iterator, no get)
  } catch {
    return carrier as Record<string, unknown>; // a throwing proxy trap: read as a plain record
  }
  if (kind === undefined) return carrier as Record<string, unknown>;
  // Read through get(name) (lookedUpEntries), never iterated: the entries given stand for its iterator.
  if (kind === "lookup")
    return headersMap(carrier as IterableHeaders, false, lookedUpEntries(carrier), false);
  // A Map of another realm (instanceof Map is false there) keeps any value, as a local Map does.
  return headersMap(carrier as IterableHeaders, kind === "map");
}

/**
 * The shape of a header object the reader reads as entries: one it iterates (a WHATWG `Headers`, NATS
 * `MsgHdrs`, a `Map`), or one read through `get` whose looked-up entries stand for its iterator.
 */
interface IterableHeaders {
  [Symbol.iterator](): Iterator<[string, string]>;
}

/**
 * The `[name, get(name)]` entries of a header object read through `get` (`headerObjectKind` "lookup"),
 * for each name of its `keys()`; none without one. Throws what its methods throw.
 */
function* lookedUpEntries(headers: object): Generator<[unknown, unknown]> {
  const { keys, get } = headers as { keys?: unknown; get: (name: unknown) => unknown };
  if (typeof keys !== "function") return;
  for (const name of keys.call(headers) as Iterable<unknown>) yield [name, get.call(headers, name)];
}

/** Most entries iterated in one `Headers` object (a real one holds what an HTTP request allowed). */
const MAX_HEADERS_ENTRIES = 4096;

/**
 * The entries of a header object (`headerObjectKind` "map", "fetch" or "entries": a `Headers`
 * object's lower-case names and joined repeated fields, MsgHdrs' names and value arrays) as a Map of at
 * most {@link MAX_CARRIER_KEYS} names: the propagation headers first, wherever they are (a `Headers`
 * object iterates in name order, so the `x-datadog-*` ones come after up to a hundred others), then
 * the others in order. At most {@link MAX_HEADERS_ENTRIES} entries are
 * iterated; an entry that is not a pair of a string name and a string or an array of strings (a
 * repeated field) is skipped, unless `anyValue` (a `Map` of another realm, whose values the reader
 * takes as a local Map's: Buffers, safe integers); an iterator that throws ends the
 * reading with what was read. When the iteration stops at that bound (more entries), each name of
 * `PROPAGATION_HEADER_NAMES` it did not reach is asked by name through the object's `get` (one
 * look-up each, as `Headers.get`), so a request of thousands of headers keeps its trace context; a
 * `get` that throws or gives no string or `""` gives no field. `ot-baggage-*` headers past the bound are not
 * read (they cannot be asked by name). `entries` other than the object's own iterator (the names of
 * one read through `get`, {@link lookedUpEntries}) may not list every name (`complete` false): the
 * propagation names not found there are asked by name too.
 */
function headersMap(
  headers: IterableHeaders,
  anyValue: boolean,
  entries: Iterable<unknown> = headers as Iterable<unknown>,
  complete = true,
): Map<unknown, unknown> {
  const propagation = new Map<string, unknown>();
  const others = new Map<string, unknown>();
  let truncated = !complete;
  try {
    let seen = 0;
    for (const entry of entries) {
      if (++seen > MAX_HEADERS_ENTRIES) {
        truncated = true;
        break;
      }
      if (!Array.isArray(entry)) continue;
      const [name, value] = entry as unknown[];
      if (typeof name !== "string" || !(anyValue || isHeaderValue(value))) continue;
      const lower = asciiLowerName(name);
      if (lower !== undefined && isPropagationHeaderName(lower)) propagation.set(name, value);
      else if (others.size < MAX_CARRIER_KEYS) others.set(name, value);
    }
  } catch {
    // A throwing iterator (not a real Headers object): keep what was read.
  }
  if (truncated) lookUpHeaders(headers, propagation);
  const map = new Map<unknown, unknown>(propagation);
  for (const [name, value] of others) {
    if (map.size >= MAX_CARRIER_KEYS) break;
    map.set(name, value);
  }
  return map;
}

/**
 * A header object's value: text, or the texts of a repeated field (MsgHdrs keeps every field as an
 * array). A WHATWG `Headers` object gives nothing else; anything else in a look-alike (a number, an
 * object) is no header and is skipped, as the entry's name is.
 */
function isHeaderValue(value: unknown): value is string | string[] {
  return typeof value === "string" || (Array.isArray(value) && value.every((v) => typeof v === "string"));
}

/**
 * Adds to `found` (name -> value, from the iteration of `headers`) each name of
 * `PROPAGATION_HEADER_NAMES` that it lacks in any case, asked through `headers.get(name)`: at most one
 * call per name. Never throws.
 */
function lookUpHeaders(headers: IterableHeaders, found: Map<string, unknown>): void {
  try {
    const get = (headers as { get?: unknown }).get;
    if (typeof get !== "function") return;
    const have = new Set<string>();
    for (const name of found.keys()) have.add(asciiLowerName(name) ?? name);
    for (const name of PROPAGATION_HEADER_NAMES) {
      if (have.has(name)) continue;
      try {
        const value: unknown = get.call(headers, name);
        // MsgHdrs' get gives "" for a missing name: no field.
        if (typeof value === "string" && value !== "") found.set(name, value);
      } catch {
        // a throwing get (not a real Headers object): that field is not read
      }
    }
  } catch {
    // reading `get` threw (a proxy trap): nothing more is read
  }
}

/**
 * Internal: the bytes of a binary value: `undefined` when `value` is not binary, `null` when it is binary but
 * longer than `limit` or malformed.
 */
export function asBytes(value: object, limit: number): Uint8Array | null | undefined {
  if (value instanceof Uint8Array) return value.byteLength <= limit ? value : null;
  if (ArrayBuffer.isView(value)) {
    return value.byteLength <= limit
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : null;
  }
  if (value instanceof ArrayBuffer) return value.byteLength <= limit ? new Uint8Array(value) : null;
  const json = value as { type?: unknown; data?: unknown };
  if (json.type === "Buffer" && Array.isArray(json.data)) {
    const data = json.data as unknown[];
    if (data.length > limit) return null;
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const byte = data[i];
      if (typeof byte !== "number" || !Number.isInteger(byte) || byte < 0 || byte > 255) return null;
      bytes[i] = byte;
    }
    return bytes;
  }
  return undefined;
}
