import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import { idTextFromNumber } from "../propagation/datadog/ids.js";
import {
  isPropagationHeaderName,
  PROPAGATION_HEADER_NAMES,
  TRACEHOP_HEADER_NAMES,
} from "../propagation/header-names.js";
import { isPrintableAscii } from "../propagation/header-text.js";
import { describeValue } from "../describe-value.js";
import { warnOnce } from "../warn-once.js";

/**
 * A trace carrier at rest: lower-case propagation header name -> string value, exactly what would
 * travel as HTTP headers. Stored in a JSON column or sent as message headers.
 */
export type TraceCarrier = Record<string, string>;

/**
 * Longest value read from a stored carrier, in UTF-16 code units (strings) or bytes (binary); longer
 * values are ignored.
 */
export const MAX_CARRIER_VALUE_LENGTH = 16 * 1024;
/**
 * Most keys scanned in one stored carrier; later keys are ignored, except the fields a propagator asks
 * for by name, which are looked up wherever they sit (see {@link normalizeCarrier}).
 */
export const MAX_CARRIER_KEYS = 128;
/**
 * Most values kept for one header name (repeated fields, several spellings of the name); later ones are
 * ignored.
 */
export const MAX_CARRIER_FIELD_VALUES = 64;
/**
 * Longest carrier given as JSON text (or as the bytes of JSON text), in UTF-16 code units or bytes;
 * longer is ignored.
 */
export const MAX_CARRIER_TEXT_LENGTH = 256 * 1024;

/** ASCII-lower-cased header name -> its values in order, read from an untrusted carrier. */
export type NormalizedCarrier = Map<string, string[]>;

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
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * Reads an untrusted stored carrier into a {@link NormalizedCarrier}.
 *
 * Accepted shapes:
 * - a plain object or a `Map` of header name -> value;
 * - a WHATWG `Headers` object (`request.headers` of fetch-style servers: Hono, Next.js route
 *   handlers; Node's global one or another copy of undici): its names come lower-cased and repeated
 *   fields joined with `, ` (so two `traceparent` fields are one invalid value); its first 4096
 *   entries are iterated, and in a larger one the propagation headers not reached are asked by name
 *   (`get`), so they are found however many headers sort before them;
 * - JSON text of such an object (also JSON text holding that JSON text once more), or its UTF-8 bytes
 *   (a `Buffer`/`Uint8Array`/`ArrayBuffer`, e.g. a BLOB column), at most {@link MAX_CARRIER_TEXT_LENGTH};
 *   a leading byte order mark (U+FEFF) is skipped, as RFC 8259 §8.1 allows a JSON parser to.
 *
 * Names: ASCII case-insensitive (RFC 9110 §5.1; Trace Context §3.2.1): `TraceParent` and `traceparent`
 * are the same field. Names with non-ASCII characters are ignored (no header has one, and Unicode
 * lower-casing could turn them into ASCII names). Only the first {@link MAX_CARRIER_KEYS} keys are
 * scanned; in a larger object or `Map` (a message with many application headers, tracing headers
 * appended last) the fields a propagator asks for are looked up by name besides: every name of
 * `PROPAGATION_HEADER_NAMES` before the scan, and any other name a getter asks for when it is asked,
 * each spelled exactly as asked or in lower case (a name in another case beyond the scan is not
 * found). Each look-up is one own-property read, so a hostile carrier costs at most the scan plus a
 * constant per field asked.
 *
 * Values, each at most {@link MAX_CARRIER_VALUE_LENGTH}:
 * - a string;
 * - a `Buffer`/`Uint8Array`/other typed array/`ArrayBuffer`, or its JSON form
 *   `{ "type": "Buffer", "data": [...] }` (a kafkajs header object passed through `JSON.stringify`,
 *   tulios/kafkajs#1024), decoded whole as UTF-8;
 * - a safe integer or a bigint, written as its exact decimal text (a Datadog id stored as a JSON number
 *   above 2^53 was already rounded by `JSON.parse` and is ignored: dd-trace-js#344, prisma/orm#20205);
 * - an array of the above: repeated header fields, kept in order (RFC 9110 §5.3).
 * Values under several spellings of one name are combined in key order. Anything else (objects,
 * booleans, nested arrays, oversized values) is ignored.
 *
 * The result is a `Map`, so no key (`__proto__`, `constructor`) reaches an object prototype. Never
 * throws: a carrier whose keys or values cannot be read yields what could be read, or an empty map.
 */
export function normalizeCarrier(carrier: unknown): NormalizedCarrier {
  let source: Record<string, unknown> | Map<unknown, unknown> | undefined;
  try {
    source = carrierObject(carrier);
  } catch {
    return new Map();
  }
  return normalizeSource(source);
}

/** {@link normalizeCarrier} of the object or Map a carrier holds. Never throws. */
function normalizeSource(
  source: Record<string, unknown> | Map<unknown, unknown> | undefined,
): NormalizedCarrier {
  let out: NormalizedCarrier = new Map();
  try {
    if (source instanceof Map) {
      let found: ReadonlySet<string> | undefined;
      if (source.size > MAX_CARRIER_KEYS) {
        const overflow = new OverflowCarrier(source);
        found = overflow.lookUpPropagationFields();
        out = overflow;
      }
      let seen = 0;
      for (const [key, value] of source) {
        if (++seen > MAX_CARRIER_KEYS) break;
        if (typeof key === "string" && found?.has(key) !== true) addField(out, key, value);
      }
    } else if (source) {
      const keys = Object.keys(source);
      let found: ReadonlySet<string> | undefined;
      if (keys.length > MAX_CARRIER_KEYS) {
        const overflow = new OverflowCarrier(source);
        found = overflow.lookUpPropagationFields();
        out = overflow;
      }
      let seen = 0;
      for (const key of keys) {
        if (++seen > MAX_CARRIER_KEYS) break;
        if (found?.has(key) === true) continue; // read already, by name
        let value: unknown;
        try {
          value = source[key];
        } catch {
          continue; // a throwing getter or proxy trap: skip that key
        }
        addField(out, key, value);
      }
    }
  } catch {
    // Object.keys or Map iteration threw: keep what was read.
  }
  return out;
}

/**
 * A {@link NormalizedCarrier} read from an object or `Map` of more than {@link MAX_CARRIER_KEYS} keys:
 * the scanned keys, plus the fields looked up by name in `source` (the propagation header names before
 * the scan, any other name when a getter asks for it). Reading a header by name costs one property
 * read however large the carrier, so tracing headers appended after many application headers (what
 * an inject into a message's headers does) are found while the scan stays bounded.
 */
class OverflowCarrier extends Map<string, string[]> {
  /** Names already looked up in `source` (found or not): each is read at most once. */
  private readonly looked = new Set<string>();

  constructor(private readonly source: Record<string, unknown> | Map<unknown, unknown>) {
    super();
  }

  /**
   * Reads every name of `PROPAGATION_HEADER_NAMES` that `source` holds under exactly that
   * (lower-case) name; returns the names found, which the bounded scan then skips. Never throws.
   */
  lookUpPropagationFields(): ReadonlySet<string> {
    const found = new Set<string>();
    for (const name of PROPAGATION_HEADER_NAMES) if (this.lookUp(name, name)) found.add(name);
    return found;
  }

  /**
   * The values of `name` (ASCII lower case of `key`, as the getter was asked), looked up in `source`
   * under `key` and under `name` when the scan did not find it. `undefined` when neither is there.
   */
  valuesOf(key: string, name: string): string[] | undefined {
    const values = this.get(name);
    if (values !== undefined) return values;
    this.lookUp(key, name);
    if (key !== name) this.lookUp(name, name);
    return this.get(name);
  }

  /** Adds the value of own key `key` of `source` under `name`; true when the key is there. Never throws. */
  private lookUp(key: string, name: string): boolean {
    if (this.looked.has(key)) return false;
    this.looked.add(key);
    const source = this.source;
    try {
      let value: unknown;
      if (source instanceof Map) {
        if (!source.has(key)) return false;
        value = source.get(key);
      } else {
        if (!Object.hasOwn(source, key)) return false;
        value = source[key];
      }
      addField(this, name, value);
      return true;
    } catch {
      return false; // a throwing getter or proxy trap: not there
    }
  }
}

/**
 * Internal: the object or Map a stored carrier holds, as the readers take it: JSON text (and JSON text
 * of JSON text, one level more) or UTF-8 bytes parsed; `undefined` for anything else (null, numbers,
 * arrays, unparseable or oversized text). `tracehop inspect` reads a row's field through it.
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
  if (isFetchHeaders(carrier)) return headersMap(carrier);
  return carrier as Record<string, unknown>;
}

/** The shape of a WHATWG `Headers` object that the reader uses. */
export interface FetchHeaders {
  [Symbol.iterator](): Iterator<[string, string]>;
}

/**
 * True for a WHATWG `Headers` object: Node's global one, or one from another copy of undici (a
 * bundled or npm `undici`), told by its iterator and its `Symbol.toStringTag`, which every
 * implementation sets to `Headers` (WHATWG Fetch; Web IDL class string). Never by `instanceof` the
 * global `Headers`: its first access loads Node's fetch implementation (undici), ≈ 10 ms on the first
 * restore of a process that never uses fetch. A plain object costs one property lookup (no iterator).
 */
export function isFetchHeaders(value: object): value is FetchHeaders {
  return (
    typeof (value as Partial<FetchHeaders>)[Symbol.iterator] === "function" &&
    Object.prototype.toString.call(value) === "[object Headers]"
  );
}

/** Most entries iterated in one `Headers` object (a real one holds what an HTTP request allowed). */
const MAX_HEADERS_ENTRIES = 4096;

/**
 * The entries of a `Headers` object (lower-case names, repeated fields joined) as a Map of at most
 * {@link MAX_CARRIER_KEYS} names: the propagation headers first,
 * wherever they are (a `Headers` object iterates in name order, so the `x-datadog-*` ones come after
 * up to a hundred others), then the others in order. At most {@link MAX_HEADERS_ENTRIES} entries are
 * iterated; an entry that is not a pair of strings is skipped; an iterator that throws ends the
 * reading with what was read. When the iteration stops at that bound (more entries), each name of
 * `PROPAGATION_HEADER_NAMES` it did not reach is asked by name through the object's `get` (one
 * look-up each, as `Headers.get`), so a request of thousands of headers keeps its trace context; a
 * `get` that throws or gives no string gives no field. `ot-baggage-*` headers past the bound are not
 * read (they cannot be asked by name).
 */
function headersMap(headers: FetchHeaders): Map<unknown, unknown> {
  const propagation = new Map<string, string>();
  const others = new Map<string, string>();
  let truncated = false;
  try {
    let seen = 0;
    for (const entry of headers as Iterable<unknown>) {
      if (++seen > MAX_HEADERS_ENTRIES) {
        truncated = true;
        break;
      }
      if (!Array.isArray(entry)) continue;
      const [name, value] = entry as unknown[];
      if (typeof name !== "string" || typeof value !== "string") continue;
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
 * Adds to `found` (name -> value, from the iteration of `headers`) each name of
 * `PROPAGATION_HEADER_NAMES` that it lacks in any case, asked through `headers.get(name)`: at most one
 * call per name. Never throws.
 */
function lookUpHeaders(headers: FetchHeaders, found: Map<string, string>): void {
  try {
    const get = (headers as { get?: unknown }).get;
    if (typeof get !== "function") return;
    const have = new Set<string>();
    for (const name of found.keys()) have.add(asciiLowerName(name) ?? name);
    for (const name of PROPAGATION_HEADER_NAMES) {
      if (have.has(name)) continue;
      try {
        const value: unknown = get.call(headers, name);
        if (typeof value === "string") found.set(name, value);
      } catch {
        // a throwing get (not a real Headers object): that field is not read
      }
    }
  } catch {
    // reading `get` threw (a proxy trap): nothing more is read
  }
}

/**
 * The bytes of a binary value: `undefined` when `value` is not binary, `null` when it is binary but
 * longer than `limit` or malformed.
 */
function asBytes(value: object, limit: number): Uint8Array | null | undefined {
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

/** One value as text, or `undefined` when it is not a kind a carrier may hold or is too long. */
function valueText(value: unknown, name: string): string | undefined {
  switch (typeof value) {
    case "string":
      return value.length <= MAX_CARRIER_VALUE_LENGTH ? value : undefined;
    case "number":
      if (Number.isSafeInteger(value)) return String(value);
      // An integer beyond 2^53 was rounded by JSON.parse: refused with a diagnostic, never rounded
      // silently (DataDog/dd-trace-js#344, prisma/orm#20205).
      return Number.isInteger(value) ? idTextFromNumber(value, name) : undefined;
    case "bigint":
      return String(value);
    case "object": {
      if (value === null) return undefined;
      const bytes = asBytes(value, MAX_CARRIER_VALUE_LENGTH);
      return bytes ? utf8.decode(bytes) : undefined;
    }
    default:
      return undefined;
  }
}

/** Adds the value(s) of one carrier key under its ASCII-lower-cased name. */
function addField(out: NormalizedCarrier, key: string, raw: unknown): void {
  const name = asciiLowerName(key);
  if (name === undefined) return;
  let values = out.get(name);
  const push = (item: unknown) => {
    const text = valueText(item, name);
    if (text === undefined) return;
    if (!values) out.set(name, (values = []));
    if (values.length < MAX_CARRIER_FIELD_VALUES) values.push(text);
  };
  if (Array.isArray(raw)) {
    const count = Math.min(raw.length, MAX_CARRIER_FIELD_VALUES);
    for (let i = 0; i < count; i++) push(raw[i]);
  } else {
    push(raw);
  }
}

/**
 * The header names tracehop's own styles write (all lower-case ASCII already): recognised by one set
 * lookup instead of a scan on every carrier write and read. B3 names are not here: the B3 styles are
 * @opentelemetry/propagator-b3's; they take the general path.
 */
const OWN_HEADER_NAMES: ReadonlySet<string> = new Set(TRACEHOP_HEADER_NAMES);

/** `name` lower-cased in ASCII only; `undefined` for an empty name or one with non-ASCII characters. */
function asciiLowerName(name: string): string | undefined {
  if (OWN_HEADER_NAMES.has(name)) return name;
  if (name.length === 0) return undefined;
  let upper = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7e || c < 0x21) return undefined;
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  return upper ? name.toLowerCase() : name;
}

/**
 * Getter over a {@link NormalizedCarrier}: the name is matched ASCII case-insensitively (in a carrier
 * over {@link MAX_CARRIER_KEYS} keys, a name beyond the scan is looked up as asked and in lower case,
 * see {@link normalizeCarrier}); one value is
 * returned as a string, repeated values as an array in order (each propagator decides how to combine
 * them: tracestate and baggage join with `,`, two different traceparent values are invalid).
 * Returns `undefined` for a missing name or a carrier that is not a `Map`. Never throws.
 */
export const normalizedCarrierGetter: TextMapGetter<NormalizedCarrier> = {
  keys: (carrier) => (carrier instanceof Map ? [...carrier.keys()] : []),
  get: (carrier, key) => {
    if (!(carrier instanceof Map) || typeof key !== "string") return undefined;
    const name = asciiLowerName(key);
    if (name === undefined) return undefined;
    const values = carrier instanceof OverflowCarrier ? carrier.valuesOf(key, name) : carrier.get(name);
    if (!values || values.length === 0) return undefined;
    return values.length === 1 ? values[0] : values;
  },
};

/**
 * Setter that writes into a {@link TraceCarrier}: names in ASCII lower case, values as strings
 * (writing always produces lower-case names and string values). A later write to the same name
 * replaces the earlier one, so a carrier never holds two traceparent values. Never throws: a value
 * that cannot be made a string (its `toString` throws) is left out with the header-text warning
 * ({@link FIELD_NOT_HEADER_TEXT_WARNING}), and the carrier keeps every other field.
 */
export const traceCarrierSetter: TextMapSetter<TraceCarrier> = {
  set: (carrier, key, value) => {
    let name: string | undefined;
    let text: string;
    try {
      name = asciiLowerName(key) ?? key.toLowerCase();
      text = typeof value === "string" ? value : String(value);
    } catch {
      // A value whose toString throws (or a key that is no string), from a third-party propagator:
      // this field alone is left out, with the header-text warning; the fields written before and
      // after it stay (a throw here would end the propagator's inject and lose the whole carrier).
      warnDroppedField(typeof name === "string" ? name : safeName(key), value);
      return;
    }
    if (name === "__proto__") {
      // An own property, never the object's prototype.
      Object.defineProperty(carrier, name, {
        value: text,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      carrier[name] = text;
    }
  },
};

/** A key given to the setter, as text for a warning; never throws. */
function safeName(key: unknown): string {
  try {
    return typeof key === "string" ? key : String(key);
  } catch {
    return "";
  }
}

/**
 * Most distinct field names {@link keepHeaderTextFields} warns about in one process (then it drops
 * silently).
 */
const MAX_WARNED_FIELDS = 16;
/** Field names {@link keepHeaderTextFields} has warned about. */
let warnedFields = 0;
/** Code of the process warning of a dropped carrier field. */
export const FIELD_NOT_HEADER_TEXT_WARNING = "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT";

/**
 * Internal: `carrier` (changed in place and returned) without the fields that are not header text: a
 * field is kept when its name is 1 or more characters 0x21-0x7E (what the readers take as a header
 * name, {@link asciiLowerName}; RFC 9110 §5.1 tokens are drawn from them) and its value a string of
 * printable ASCII, 0x20-0x7E ({@link isPrintableAscii}: every propagation header's value grammar, W3C
 * Trace Context §3.2-3.3, W3C Baggage §3 percent-encoded, Datadog's `x-datadog-*`, B3).
 *
 * tracehop's own styles never write anything else (`injectCarrier` skips this for a propagator of
 * `createPropagator`); a third-party propagator (the `propagator` option) may: a NUL or lone surrogate
 * in a value makes PostgreSQL refuse the row's `jsonb` (22P05 "unsupported Unicode escape sequence",
 * "invalid input syntax for type json") and fail the business write, a CR/LF splits a message header.
 * Such a field is dropped before it reaches a database or a message, with a `diag.warn` and a process
 * warning ({@link FIELD_NOT_HEADER_TEXT_WARNING}) naming it, once per field name (for the first
 * {@link MAX_WARNED_FIELDS} names). Never throws.
 */
export function keepHeaderTextFields(carrier: TraceCarrier): TraceCarrier {
  for (const name in carrier) {
    if (!Object.hasOwn(carrier, name)) continue;
    const value: unknown = carrier[name];
    if (typeof value === "string" && isPrintableAscii(value) && isHeaderNameText(name)) continue;
    delete carrier[name];
    warnDroppedField(name, value);
  }
  return carrier;
}

/** A header name as the carrier readers take one: non-empty, every character 0x21-0x7E. */
const HEADER_NAME_TEXT = /^[\x21-\x7e]+$/;

/**
 * Internal: a header name as the carrier readers take one (`HEADER_NAME_TEXT`: non-empty, every character
 * 0x21-0x7E); tracehop's own by one set lookup. `tracehop inspect` says why a name is ignored by it.
 */
export function isHeaderNameText(name: string): boolean {
  return OWN_HEADER_NAMES.has(name) || HEADER_NAME_TEXT.test(name);
}

/** The warning of {@link keepHeaderTextFields} for the field `name`, once per name. Never throws. */
function warnDroppedField(name: string, value: unknown): void {
  try {
    if (warnedFields >= MAX_WARNED_FIELDS) return;
    const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
    const why =
      typeof value !== "string"
        ? `its value is ${describeValue(value)}, not text`
        : isHeaderNameText(name)
          ? "its value holds a character outside printable ASCII 0x20-0x7E: a control character, NUL or non-ASCII text"
          : "its name is empty or holds a character outside 0x21-0x7E";
    const message =
      `tracehop: the propagator wrote the carrier field ${shown}, which is not header text (${why}); ` +
      `it is left out of the carrier so that it cannot fail a database write or split a message header`;
    if (warnOnce(`carrier field ${name}`, message, FIELD_NOT_HEADER_TEXT_WARNING)) warnedFields++;
  } catch {
    // describing the value failed: nothing to say
  }
}

/**
 * A stored carrier whose header names are all lower-case already and whose values are all strings —
 * what `captureCarrier` writes, so nearly every stored carrier. Read without building a
 * {@link NormalizedCarrier}: the names and values, in key order, as the carrier held them.
 */
class LowerCaseCarrier {
  /**
   * @param names the carrier's own keys (`Object.keys`), in order
   * @param values their values, read once
   * @param oversized true when a value is longer than {@link MAX_CARRIER_VALUE_LENGTH} (its name is
   *   then not among the keys the getter gives)
   */
  constructor(
    readonly names: readonly string[],
    readonly values: readonly string[],
    readonly oversized: boolean,
  ) {}
}

/** A stored carrier read by {@link readStoredCarrier}, for {@link storedCarrierGetter}. */
export type StoredCarrier = NormalizedCarrier | LowerCaseCarrier;

/**
 * Reads an untrusted stored carrier for extraction, with exactly the rules of
 * {@link normalizeCarrier} (shapes, names in any case, arrays, Buffers, numbers, limits, no
 * prototype pollution), read through {@link storedCarrierGetter}.
 *
 * The common carrier — a plain object (or its JSON text) of at most {@link MAX_CARRIER_KEYS} keys,
 * every name already lower-case ASCII and every value a string — is kept as its names and values:
 * no Map, no array per header. Anything else (a name in another case or with other characters, a
 * non-string value, a `Map`, more keys) goes through {@link normalizeCarrier}. Each value is read
 * once, in key order, as there. Never throws.
 */
export function readStoredCarrier(carrier: unknown): StoredCarrier {
  let source: Record<string, unknown> | Map<unknown, unknown> | undefined;
  try {
    source = carrierObject(carrier);
  } catch {
    return new Map();
  }
  if (source === undefined || source instanceof Map) return normalizeSource(source);
  let names: string[];
  try {
    names = Object.keys(source);
  } catch {
    return new Map(); // As normalizeCarrier: Object.keys threw, nothing read.
  }
  if (names.length > MAX_CARRIER_KEYS) return normalizeSource(source);
  const values: string[] = new Array<string>(names.length);
  let oversized = false;
  for (let i = 0; i < names.length; i++) {
    if (!isLowerCaseName(names[i]!)) return normalizeSource(source);
    let value: unknown;
    try {
      value = source[names[i]!];
    } catch {
      return normalizeSource(source); // a throwing getter: the general path skips that key
    }
    if (typeof value !== "string") return normalizeSource(source);
    if (value.length > MAX_CARRIER_VALUE_LENGTH) oversized = true;
    values[i] = value;
  }
  return new LowerCaseCarrier(names, values, oversized);
}

/** True for a name that {@link asciiLowerName} returns unchanged: printable ASCII without A-Z. */
function isLowerCaseName(name: string): boolean {
  return asciiLowerName(name) === name;
}

/**
 * Getter over a {@link StoredCarrier}: the same answers as {@link normalizedCarrierGetter} over
 * `normalizeCarrier` of the same carrier (names ASCII case-insensitive; one value a string, repeated
 * values an array in order; `undefined` for a missing name). Never throws.
 */
export const storedCarrierGetter: TextMapGetter<StoredCarrier> = {
  keys: (carrier) => {
    if (!(carrier instanceof LowerCaseCarrier))
      return normalizedCarrierGetter.keys(carrier as NormalizedCarrier);
    // Usually every value is within the limit: a copy of the names (a caller may change its array).
    if (!carrier.oversized) return carrier.names.slice();
    const keys: string[] = [];
    for (let i = 0; i < carrier.names.length; i++)
      if (carrier.values[i]!.length <= MAX_CARRIER_VALUE_LENGTH) keys.push(carrier.names[i]!);
    return keys;
  },
  get: (carrier, key) => {
    if (!(carrier instanceof LowerCaseCarrier))
      return normalizedCarrierGetter.get(carrier as NormalizedCarrier, key);
    if (typeof key !== "string") return undefined;
    const names = carrier.names;
    // A name asked as the carrier spells it (what every style asks, lower case): found without
    // lower-casing it first. Every name of the carrier is its own asciiLowerName, so a name equal to
    // `key` is the one the lower-cased key would find.
    let at = names.indexOf(key);
    if (at === -1) {
      const name = asciiLowerName(key);
      if (name === undefined || name === key) return undefined;
      at = names.indexOf(name);
      if (at === -1) return undefined;
    }
    const value = carrier.values[at]!;
    return value.length <= MAX_CARRIER_VALUE_LENGTH ? value : undefined;
  },
};
