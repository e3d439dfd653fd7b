import type { Attributes, Context, TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import type { CarrierOptions, TraceCarrier } from "../index.js";
import {
  isFetchHeaders,
  MAX_CARRIER_FIELD_VALUES,
  MAX_CARRIER_KEYS,
  MAX_CARRIER_VALUE_LENGTH,
  readStoredCarrier,
  storedCarrierGetter,
} from "../carrier/carrier.js";
import { assertCarrierOptions, extractCarrier, injectCarrier } from "../context/carrier-context.js";
import { storedCarrierOf } from "../context/carrier-source.js";
import { isPropagationHeaderName } from "../propagation/header-names.js";
import { isPrintableAscii } from "../propagation/header-text.js";
import {
  ATTR_KAFKA_MESSAGE_KEY,
  ATTR_KAFKA_MESSAGE_TOMBSTONE,
  ATTR_KAFKA_OFFSET,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_MESSAGE_CONVERSATION_ID,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_RABBITMQ_DESTINATION_ROUTING_KEY,
  ATTR_RABBITMQ_MESSAGE_DELIVERY_TAG,
} from "./semconv.js";

/**
 * Message headers as kafkajs types them (`IHeaders`): header name -> string, Buffer, or an array of
 * those for a header repeated in the record. A consumer receives Buffers (tulios/kafkajs#1024); a
 * producer may pass strings. Declared here so that tracehop's public types do not depend on kafkajs
 * (opentelemetry-js-contrib GUIDELINES.md: no type dependency on the instrumented library).
 */
export type KafkaHeaders = Record<string, string | Buffer | (string | Buffer)[] | undefined>;

/**
 * AMQP 0-9-1 message headers as amqplib delivers them in `properties.headers`: a field table whose
 * values are strings (long strings), Buffers (byte arrays), numbers (integer and float types; `long`
 * already converted to a JS number), booleans, `null`, arrays, nested tables and
 * `{ "!": "timestamp", value }` objects (amqplib `lib/codec.js`).
 */
export type AmqpHeaders = Record<string, unknown>;

/**
 * UTF-8 with a leading U+FEFF kept as data (`ignoreBOM`), as the stored-carrier reader decodes bytes: a
 * header whose bytes start with a BOM reads as the same text sent as a string (refused where its
 * grammar refuses U+FEFF), not as the text without it.
 */
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Whether header name `name` is `lowerCaseName` in some case (`TraceParent` for `traceparent`; the same
 * text too). `lowerCaseName` must be lower-case already. Header names are case-insensitive.
 */
function sameNameInOtherCase(name: string, lowerCaseName: string): boolean {
  return name.length === lowerCaseName.length && name.toLowerCase() === lowerCaseName;
}

/** A headers object the helpers can read or write: any non-null object (a Proxy included). */
function isHeadersObject(headers: unknown): headers is Record<string, unknown> {
  return headers !== null && typeof headers === "object";
}

/**
 * The methods of a WHATWG `Headers` object (fetch's; Node's global one or another copy of undici's)
 * the writers use. Names are case-insensitive and stored in lower case; values are strings. Such an
 * object is recognised as a real `Headers` is, by its tag (`Object.prototype.toString` gives
 * `[object Headers]`, `isFetchHeaders`): a class of your own with these methods is written through them
 * only when its `Symbol.toStringTag` is `"Headers"`, else as a plain object (its properties).
 */
export interface FetchHeadersLike {
  get(name: string): string | null;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  delete(name: string): void;
  [Symbol.iterator](): Iterator<[string, string]>;
}

/**
 * Headers kept in entries rather than in properties: a `Map` of header name -> value, or a WHATWG
 * `Headers` object. The readers (`contextFromKafkaHeaders`, `contextFromAmqpHeaders`, `withProcessSpan`,
 * the getters) take them as the stored-carrier reader does, so the writers write them through their own
 * methods (`set`, `append`, `delete`): a property set on such an object is no entry, and would not
 * travel.
 */
export type HeaderEntries = Map<string, unknown> | FetchHeadersLike;

/**
 * `"map"` for a `Map`, `"fetch"` for a WHATWG `Headers` object (told as the stored-carrier reader tells
 * it, `isFetchHeaders`), else `undefined` (a plain headers object). Never throws (a proxy whose traps
 * throw: `undefined`).
 */
function entriesKind(headers: object): "map" | "fetch" | undefined {
  try {
    if (headers instanceof Map) return "map";
    return isFetchHeaders(headers) ? "fetch" : undefined;
  } catch {
    return undefined;
  }
}

/** An HTTP field name (RFC 9110 §5.1, `token`): what a `Headers` object takes as a name. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Sets entry `name` (lower case) of a Map or `Headers` object to `value`: for a `Headers` object a
 * repeated field (an array) is appended value by value, as its fields repeat; a Map keeps the array
 * (the readers take an array as a repeated field) and loses its other-case spellings of `name`.
 * Throws what the object's methods throw (an immutable `Headers` object, a value it refuses).
 */
function setEntry(headers: HeaderEntries, kind: "map" | "fetch", name: string, value: unknown): void {
  if (kind === "map") {
    const map = headers as Map<unknown, unknown>;
    // Deleting during a Map's iteration is defined (the deleted key is simply not visited): no copy.
    for (const key of map.keys())
      if (typeof key === "string" && key !== name && sameNameInOtherCase(key, name)) map.delete(key);
    map.set(name, value);
    return;
  }
  const fetchHeaders = headers as FetchHeadersLike;
  if (Array.isArray(value)) {
    fetchHeaders.delete(name);
    for (const item of value) fetchHeaders.append(name, String(item));
  } else fetchHeaders.set(name, String(value));
}

/**
 * The names of a Map's string keys or a `Headers` object's fields, the first `limit` of them (default:
 * all); the iteration stops there. Throws what their iterators throw.
 */
function entryNames(headers: HeaderEntries, kind: "map" | "fetch", limit = Infinity): string[] {
  const names: string[] = [];
  if (kind === "map") {
    for (const key of (headers as Map<unknown, unknown>).keys()) {
      if (typeof key !== "string") continue;
      if (names.push(key) >= limit) break;
    }
  } else {
    for (const [name] of headers as FetchHeadersLike) if (names.push(name) >= limit) break;
  }
  return names;
}

/**
 * {@link removePropagationHeaders} for a Map or a `Headers` object whose kind is known: deletes the
 * propagation headers and the names of `also` through its `delete`. `false` when a method or iterator
 * threw (an immutable `Headers` object).
 */
function removeStaleEntries(entries: HeaderEntries, kind: "map" | "fetch", also?: TraceCarrier): boolean {
  try {
    for (const name of entryNames(entries, kind).filter((name) => isStaleHeader(name, also)))
      entries.delete(name);
    return true;
  } catch {
    return false; // an immutable Headers object, a throwing iterator
  }
}

/**
 * {@link writeFields} for a Map or a `Headers` object: removes the propagation headers there (any case)
 * and the carrier's names, then sets the carrier's fields, all through the object's methods. `false`
 * when a method threw or a value did not stick (an immutable `Headers` object, a Map subclass that
 * refuses): the caller then writes a copy.
 */
function writeEntries(headers: HeaderEntries, kind: "map" | "fetch", carrier: TraceCarrier): boolean {
  if (!removeStaleEntries(headers, kind, carrier)) return false;
  try {
    for (const name of Object.keys(carrier)) {
      if (kind === "fetch" && !HTTP_TOKEN.test(name)) continue; // no HTTP field: cannot travel in one
      setEntry(headers, kind, name, carrier[name]);
      if (kind === "map" && (headers as Map<unknown, unknown>).get(name) !== carrier[name]) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * A new object of the same sort as `headers` (a `Map`, or a `Headers` object of the global class)
 * holding its entries except the propagation headers and the carrier's names, then the carrier's
 * fields. Entries that cannot be read are left out. Never throws: when even a new `Headers` object
 * cannot be made, a plain object of the carrier's fields.
 */
function copyEntriesWithCarrier(
  headers: HeaderEntries,
  kind: "map" | "fetch",
  carrier: TraceCarrier,
): HeaderEntries | Record<string, unknown> {
  try {
    const copy: HeaderEntries = kind === "map" ? new Map<string, unknown>() : new Headers();
    try {
      const entries: Iterable<[unknown, unknown]> =
        kind === "map" ? (headers as Map<unknown, unknown>) : (headers as FetchHeadersLike);
      for (const [name, value] of entries) {
        if (typeof name !== "string" || isStaleHeader(name, carrier)) continue;
        if (kind === "map") (copy as Map<string, unknown>).set(name, value);
        else (copy as FetchHeadersLike).append(name, String(value));
      }
    } catch {
      // an entry or an iterator that throws: the entries read so far
    }
    for (const name of Object.keys(carrier))
      if (kind === "map" || HTTP_TOKEN.test(name)) setEntry(copy, kind, name, carrier[name]);
    return copy;
  } catch {
    return copyWithCarrier({}, carrier);
  }
}

/**
 * One header value as text: strings as they are, byte arrays decoded whole as UTF-8 (never element by
 * element); a value over `MAX_CARRIER_VALUE_LENGTH` (UTF-16 code units or bytes) is absent, as in a
 * stored carrier.
 */
function valueToText(value: unknown, numbers: boolean): string | undefined {
  if (typeof value === "string") return value.length <= MAX_CARRIER_VALUE_LENGTH ? value : undefined;
  if (value instanceof Uint8Array)
    return value.byteLength <= MAX_CARRIER_VALUE_LENGTH ? decoder.decode(value) : undefined;
  // A JS number is exact only up to 2^53: a safe integer is the value that was sent (e.g. a sampling
  // priority published as an AMQP short); anything else may have been rounded and is ignored, because
  // Datadog ids never pass through a JS number (DataDog/dd-trace-js#344).
  if (numbers && typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * Lower-cased name -> name, of the first `MAX_CARRIER_KEYS` names of a headers object that has more
 * names than that: built on its first any-case look-up, so that every later one costs a Map look-up
 * instead of listing a million names again (listing the names of a large object costs it all, however
 * few are read). A name added to such an object afterwards in another case is not found this way.
 */
const largeHeaderIndexes = new WeakMap<object, Map<string, string>>();

/**
 * The name of `headers` that equals `key` (lower case) in another case, among its first
 * `MAX_CARRIER_KEYS`.
 */
function otherCaseName(headers: Record<string, unknown>, key: string): string | undefined {
  const index = largeHeaderIndexes.get(headers);
  if (index !== undefined) return index.get(key);
  const names = Object.keys(headers);
  const count = Math.min(names.length, MAX_CARRIER_KEYS);
  if (names.length <= MAX_CARRIER_KEYS) {
    for (let i = 0; i < count; i++) {
      const name = names[i]!;
      if (sameNameInOtherCase(name, key)) return name;
    }
    return undefined;
  }
  const built = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const name = names[i]!;
    const lower = name.toLowerCase();
    if (!built.has(lower)) built.set(lower, name);
  }
  largeHeaderIndexes.set(headers, built);
  return built.get(key);
}

/**
 * The value of header `key` (lower case): the own property of exactly that name, else the first of
 * the first `MAX_CARRIER_KEYS` names that equals it in another case (for an object of more names, an
 * index of those built once: a hostile object of a million names is listed once, not once per field
 * asked). A repeated header (an array) gives its first `MAX_CARRIER_FIELD_VALUES` readable values.
 * `undefined` when there is none or reading throws (a getter, a proxy trap, a detached buffer).
 */
function readHeader(
  headers: Record<string, unknown>,
  key: string,
  numbers: boolean,
): string | string[] | undefined {
  try {
    const kind = entriesKind(headers);
    let raw: unknown;
    if (kind === "fetch") raw = (headers as unknown as FetchHeadersLike).get(key) ?? undefined;
    else if (kind === "map") raw = mapValue(headers as unknown as Map<unknown, unknown>, key);
    else {
      raw = Object.hasOwn(headers, key) ? headers[key] : undefined;
      if (raw === undefined) {
        // Header names are case-sensitive on Kafka and AMQP; a carrier's are not (HTTP header names).
        const name = otherCaseName(headers, key);
        if (name !== undefined) raw = headers[name];
      }
    }
    if (!Array.isArray(raw)) return valueToText(raw, numbers);
    const values: string[] = [];
    const count = Math.min(raw.length, MAX_CARRIER_FIELD_VALUES);
    for (let i = 0; i < count; i++) {
      const text = valueToText(raw[i], numbers);
      if (text !== undefined) values.push(text);
    }
    return values.length ? values : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The value of entry `key` (lower case) of a Map: the entry of exactly that name, else the first of
 * its first `MAX_CARRIER_KEYS` string keys that equals it in another case.
 */
function mapValue(map: Map<unknown, unknown>, key: string): unknown {
  if (map.has(key)) return map.get(key);
  let seen = 0;
  for (const [name, value] of map) {
    if (++seen > MAX_CARRIER_KEYS) break;
    if (typeof name === "string" && sameNameInOtherCase(name, key)) return value;
  }
  return undefined;
}

/**
 * The first `MAX_CARRIER_KEYS` names of `headers` (own enumerable names; a Map's string keys; a
 * `Headers` object's field names); `[]` when they cannot be read.
 */
function headerNames(headers: unknown): string[] {
  if (!isHeadersObject(headers)) return [];
  try {
    const kind = entriesKind(headers);
    const names =
      kind === undefined
        ? Object.keys(headers)
        : entryNames(headers as unknown as HeaderEntries, kind, MAX_CARRIER_KEYS);
    return names.length > MAX_CARRIER_KEYS ? names.slice(0, MAX_CARRIER_KEYS) : names;
  } catch {
    return [];
  }
}

function makeGetter<H extends Record<string, unknown>>(numbers: boolean): TextMapGetter<H> {
  return {
    keys: (headers) => headerNames(headers),
    get: (headers, key) =>
      isHeadersObject(headers) && typeof key === "string"
        ? readHeader(headers, key.toLowerCase(), numbers)
        : undefined,
  };
}

function makeSetter<H extends Record<string, unknown>>(): TextMapSetter<H> {
  return {
    set: (headers, key, value) => {
      if (!isHeadersObject(headers) || typeof key !== "string") return;
      try {
        const name = key.toLowerCase();
        const kind = entriesKind(headers);
        if (kind !== undefined) {
          if (kind === "map" || HTTP_TOKEN.test(name))
            setEntry(headers as unknown as HeaderEntries, kind, name, String(value));
          return;
        }
        for (const existing in headers) {
          if (existing !== name && sameNameInOtherCase(existing, name)) {
            delete headers[existing];
          }
        }
        (headers as Record<string, unknown>)[name] = String(value);
      } catch {
        // A frozen object, a throwing setter or proxy trap: the field is not written.
      }
    },
  };
}

/**
 * TextMapGetter over kafkajs message headers ({@link KafkaHeaders}), for `propagation.extract` or any
 * TextMapPropagator. Names match in any case (exact name first); Buffer values are decoded whole as
 * UTF-8, never byte by byte (tulios/kafkajs#1024); a repeated header (an array) is returned
 * as an array of strings in record order, which the propagators combine or reject as their spec says
 * (tracestate and baggage fields combine in order; two different traceparent values are invalid).
 * Values of other types, and values over `MAX_CARRIER_VALUE_LENGTH`, are
 * absent. A `Map` (names in any case, exact name first) and a WHATWG `Headers` object (`get`: repeated
 * fields joined with `, `) are read through their entries. Limits as the stored-carrier reader's: a
 * name in another case is looked for among the first `MAX_CARRIER_KEYS` names only (an exact name
 * anywhere; for an object of more names, those first names are indexed on the first such look-up and
 * the index reused), `keys` lists at most `MAX_CARRIER_KEYS` names, a repeated header gives at most
 * `MAX_CARRIER_FIELD_VALUES` values. Never throws: headers that are not an object, a throwing getter or
 * proxy trap read as absent.
 */
export const kafkaHeadersGetter: TextMapGetter<KafkaHeaders> = makeGetter<KafkaHeaders>(false);

/**
 * TextMapSetter over kafkajs message headers: writes a lower-case name and a string value, and removes
 * a header of the same name in another case so that the record carries one value per field. A `Map`
 * or a WHATWG `Headers` object is written through `set` (a name that is no HTTP field name is not
 * written to a `Headers` object). Never
 * throws: headers that are not an object, or refuse the write (frozen, a throwing setter or proxy
 * trap), are left without the field.
 */
export const kafkaHeadersSetter: TextMapSetter<KafkaHeaders> = makeSetter<KafkaHeaders>();

/**
 * TextMapGetter over amqplib `properties.headers` ({@link AmqpHeaders}). As {@link kafkaHeadersGetter},
 * and in addition a number that is a safe integer reads as its decimal text (a header another client
 * published as an AMQP integer); other numbers, booleans, tables and timestamps are absent.
 */
export const amqpHeadersGetter: TextMapGetter<AmqpHeaders> = makeGetter<AmqpHeaders>(true);

/**
 * TextMapSetter over amqplib `properties.headers`: as {@link kafkaHeadersSetter}; values are AMQP long
 * strings.
 */
export const amqpHeadersSetter: TextMapSetter<AmqpHeaders> = makeSetter<AmqpHeaders>();

/**
 * Removes every propagation header from `headers`, in place: the names {@link isPropagationHeaderName}
 * accepts (`PROPAGATION_HEADER_NAMES` and the legacy `ot-baggage-<key>` headers the datadog style
 * reads) and the keys of `also` (a carrier about to be written), in any case.
 * A `Map` or a WHATWG `Headers` object loses those entries through its `delete`.
 * Used before a new context is written, so that headers copied from a consumed message never mix an
 * old context with the new one (DataDog/dd-trace-dotnet#3832). Never throws: anything but an object is
 * left alone.
 *
 * @returns `true` when every such header is gone; `false` when one could not be removed (a frozen or
 *   sealed object, a non-configurable property, a throwing proxy trap), so that the caller can tell.
 */
export function removePropagationHeaders(
  headers: Record<string, unknown> | HeaderEntries,
  also?: TraceCarrier,
): boolean {
  if (!isHeadersObject(headers)) return true;
  const kind = entriesKind(headers);
  if (kind !== undefined) return removeStaleEntries(headers as unknown as HeaderEntries, kind, also);
  let removed = true;
  try {
    for (const name in headers) {
      if (!isStaleHeader(name, also)) continue;
      try {
        if (!Reflect.deleteProperty(headers, name)) removed = false;
      } catch {
        removed = false;
      }
    }
  } catch {
    return false; // the names could not be listed
  }
  return removed;
}

/** True for a propagation header name (any case) or a name of `also`. */
function isStaleHeader(name: string, also: TraceCarrier | undefined): boolean {
  const lower = name.toLowerCase();
  return isPropagationHeaderName(lower) || (also !== undefined && Object.hasOwn(also, lower));
}

/**
 * The fields of a stored carrier as header values: what the stored-carrier reader
 * (`readStoredCarrier`, the reader of `contextFromCarrier`) reads from it — a carrier object or `Map`
 * (names in any case, string / Buffer / safe-integer / array values), its JSON text or UTF-8 bytes, or a
 * row holding one in its `traceContext` field (`isTraceCarrierProvider`, as `contextFromCarrier` and
 * `withSendSpan`'s `creationContext` read it). Each name in ASCII lower case (a null-prototype object:
 * a `__proto__` name stays a field), each value a string, or an array of strings for a repeated field.
 * `null`, `undefined`, numbers, arrays, text that is not a carrier's JSON: no fields. Never throws.
 */
function carrierFields(carrier: unknown): TraceCarrier {
  const fields = Object.create(null) as Record<string, string | string[]>;
  try {
    const read = readStoredCarrier(storedCarrierOf(carrier));
    for (const name of storedCarrierGetter.keys(read)) {
      const value = storedCarrierGetter.get(read, name);
      if (value !== undefined && isHeaderText(value)) fields[name] = value;
    }
  } catch {
    // a throwing getter or proxy trap past the reader's own guards: what was read
  }
  return fields as TraceCarrier;
}

/**
 * True when a stored value (a string, or the strings of a repeated field) is printable ASCII
 * ({@link isPrintableAscii}: a CR or LF would split the header; no propagator writes a control or
 * non-ASCII character).
 */
function isHeaderText(value: string | string[]): boolean {
  return typeof value === "string" ? isPrintableAscii(value) : value.every(isPrintableAscii);
}

/** Sets own field `name` of `target` (a `__proto__` header stays a field, never the prototype). */
function setField(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === "__proto__")
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

/**
 * Writes a stored carrier into message headers, in place: first removes every propagation header
 * already there (any case), then sets each carrier field under its lower-case name
 * (DataDog/dd-trace-dotnet#3832: one message, one context). Returns `headers` (the same object).
 *
 * `carrier` is untrusted (a row's `traceContext Json?` column, say) and read as `contextFromCarrier` reads a
 * stored carrier (the stored-carrier reader, `normalizeCarrier` in src/carrier/carrier.ts): a carrier object
 * or `Map` (names in any case), its JSON text, its UTF-8 bytes (a `Buffer` of a BLOB column), or a row
 * holding one in `traceContext`. What is written is what that reader reads: each field under its ASCII
 * lower-case name, a string value (Buffers decoded as UTF-8, safe integers as decimal text) or, for a field
 * the carrier repeats, an array of strings (kafkajs and amqplib headers take arrays; their getters read them
 * as repeated fields); values over `MAX_CARRIER_VALUE_LENGTH`, names with a character outside 0x21-0x7E (a
 * space, a control or non-ASCII character), values with a character outside printable ASCII (a CR or LF would
 * split the header; no propagator writes a control or non-ASCII character) and values of other kinds are left
 * out. Every other field is copied by name as stored, whatever its style: in the carrier format
 * (`TraceCarrier`, src/carrier/carrier.ts: lower-case header name -> value, exactly what would travel as HTTP
 * headers; it has no field that is not a header, no version, no timestamp) each field is a header — a custom
 * propagator's (the `propagator` option of `captureCarrier` or the Prisma extension: Jaeger's
 * `uber-trace-id`, another vendor's), a dd-trace-ot row's `ot-baggage-*` — and a consumer with that
 * propagator needs it (test/messaging/stored-carrier-headers.test.ts). Of a row, only `traceContext` is read
 * (once), never its other columns. A carrier that holds no fields (`null` or `undefined`, as a row without
 * one stores; a number; text that is not a carrier's JSON) writes no field, and the propagation headers
 * already there are still removed: the message carries the carrier's context, here none, never an older one.
 *
 * A `Map` or a WHATWG `Headers` object ({@link HeaderEntries}: the readers take both) is written
 * through its own methods (`delete`, `set`; a repeated field `append`ed value by value to a `Headers`
 * object, kept as an array in a Map), never as properties, which would not travel; the same object is
 * returned. A `Headers` object takes HTTP field names only: a carrier field of another name is left out.
 *
 * Never throws, whatever `headers` and `carrier` are (tracing never fails the message):
 * - `headers` `null` or `undefined`: returns a new object holding the carrier's fields.
 * - not an object (a string, a number): returned unchanged, nothing written.
 * - an object that cannot take the context in place — frozen, sealed or not extensible, or one that
 *   refuses a write or a delete (a throwing setter or proxy trap, a non-configurable propagation
 *   header): returns a NEW plain object with the headers' own readable fields except the propagation
 *   headers, and the carrier's fields; `headers` itself may keep part of the write. Put the returned
 *   object on the message.
 * - a `Headers` object that refuses the write (an immutable one: a fetch `Response`'s) or a Map whose
 *   `set` throws: a NEW object of the same sort (a global `Headers`, a `Map`) with its entries except
 *   the propagation headers, and the carrier's fields.
 */
export function writeCarrierToHeaders<H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  carrier: unknown,
): H {
  return writeFields(headers, carrierFields(carrier));
}

/**
 * Internal to tracehop/messaging: {@link writeCarrierToHeaders} of fields already read
 * ({@link carrierFields}) or just injected (`injectCarrier`: lower-case names, string values), not
 * read again. Never throws.
 */
export function writeFields<H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  carrier: TraceCarrier,
): H {
  const names = Object.keys(carrier);
  if (headers === null || headers === undefined) {
    const fresh: Record<string, unknown> = {};
    for (const name of names) setField(fresh, name, carrier[name]);
    return fresh as H;
  }
  if (!isHeadersObject(headers)) return headers;
  const kind = entriesKind(headers);
  if (kind !== undefined) {
    const entries = headers as unknown as HeaderEntries;
    return (
      writeEntries(entries, kind, carrier) ? headers : copyEntriesWithCarrier(entries, kind, carrier)
    ) as H;
  }
  let written = false;
  try {
    if (Object.isExtensible(headers) && removePropagationHeaders(headers, carrier)) {
      written = true;
      for (const name of names) {
        setField(headers, name, carrier[name]);
        // A setter kept its own value: the carrier is not written there.
        if ((headers as Record<string, unknown>)[name] !== carrier[name]) written = false;
      }
    }
  } catch {
    written = false;
  }
  return written ? headers : (copyWithCarrier(headers, carrier) as H);
}

/**
 * A new plain object: the own readable fields of `headers` except the propagation headers and the
 * carrier's names (any case), then the carrier's fields. A field whose getter throws is left out; a
 * headers object whose names cannot be listed gives the carrier's fields alone. Never throws.
 */
function copyWithCarrier(headers: Record<string, unknown>, carrier: TraceCarrier): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  let names: string[] = [];
  try {
    names = Object.keys(headers);
  } catch {
    // nothing to copy
  }
  for (const name of names) {
    if (isStaleHeader(name, carrier)) continue;
    try {
      // defineProperty: a "__proto__" header stays an own field of the copy.
      Object.defineProperty(copy, name, {
        value: headers[name],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } catch {
      // a throwing getter: that field is left out
    }
  }
  for (const name of Object.keys(carrier)) setField(copy, name, carrier[name]);
  return copy;
}

/**
 * Injects the given (default: active) context into kafkajs message headers, in place, and returns them
 * (a new object when `headers` is undefined or `null`). Propagation headers already present are
 * replaced, never mixed with the new ones (DataDog/dd-trace-dotnet#3832). Values are strings (kafkajs
 * encodes them as UTF-8 bytes). Styles: `options.propagator`, default `createPropagator()`. A `Map` or a
 * WHATWG `Headers` object (which `contextFromKafkaHeaders` reads) is written through `set`/`delete`
 * and returned, the same object. Never throws: headers that cannot take the context in place (frozen,
 * a throwing setter or proxy trap, an immutable `Headers` object) give a new object of their sort with
 * their fields and the context — use the returned object — and anything that is not an object is
 * returned unchanged (see {@link writeCarrierToHeaders}).
 * @throws TypeError for `options` that are a mistake in the calling code (an unknown option, a
 *   propagator that is not a TextMapPropagator), never for the headers.
 */
export function injectKafkaHeaders(headers?: KafkaHeaders, options?: CarrierOptions): KafkaHeaders;
/**
 * {@link injectKafkaHeaders} into a `Map` or a fetch `Headers` (`HeaderEntries`): written through its
 * `set`/`delete` (`append` for each value of a repeated field), the same object returned; an immutable
 * `Headers` gives a new one with its fields and the context. Never throws on the headers.
 */
export function injectKafkaHeaders<H extends HeaderEntries>(headers: H, options?: CarrierOptions): H;
export function injectKafkaHeaders(
  headers: KafkaHeaders | HeaderEntries = {},
  options: CarrierOptions = {},
): KafkaHeaders | HeaderEntries {
  assertCarrierOptions(options, "injectKafkaHeaders");
  return writeFields(headers, injectCarrier(options));
}

/**
 * Extracts the context a kafkajs message carries (`message.headers` of `eachMessage`/`eachBatch`,
 * Buffer values and repeated headers included, tulios/kafkajs#1024) onto the given (default: ROOT)
 * context. A whole kafkajs message (or the `eachMessage` payload) is read through its headers too
 * (`headersOfMessage`); an object shaped like an amqplib message is read as headers.
 * The headers are read as headers only: an application header named `traceContext` is never taken
 * for a row's carrier column (as `contextFromCarrier` would take an object with that field). Tracing
 * headers are found wherever they sit, after any number of application headers. Returns that context
 * unchanged when the headers hold no valid context. Never throws on the headers; `options` as
 * {@link injectKafkaHeaders}.
 */
export function contextFromKafkaHeaders(headers: unknown, options: CarrierOptions = {}): Context {
  assertCarrierOptions(options, "contextFromKafkaHeaders");
  return contextFromMessageHeaders(headers, options, "kafka");
}

/**
 * Injects the given (default: active) context into amqplib message headers (`options.headers` of
 * `publish`/`sendToQueue`), in place, and returns them (a new object when `headers` is undefined or
 * `null`). As {@link injectKafkaHeaders}, never throws on the headers.
 */
export function injectAmqpHeaders(headers?: AmqpHeaders, options?: CarrierOptions): AmqpHeaders;
/**
 * {@link injectAmqpHeaders} into a `Map` or a fetch `Headers` (`HeaderEntries`), as
 * {@link injectKafkaHeaders} writes one. Never throws on the headers.
 */
export function injectAmqpHeaders<H extends HeaderEntries>(headers: H, options?: CarrierOptions): H;
export function injectAmqpHeaders(
  headers: AmqpHeaders | HeaderEntries = {},
  options: CarrierOptions = {},
): AmqpHeaders | HeaderEntries {
  assertCarrierOptions(options, "injectAmqpHeaders");
  return writeFields(headers, injectCarrier(options));
}

/**
 * Extracts the context an amqplib message carries (`msg.properties.headers`, or the whole `msg`, read
 * through its headers; headers shaped like a kafkajs message, as a Kafka bridge may copy them, stay
 * headers) onto the given (default: ROOT) context: strings, Buffers, arrays, and safe-integer numbers
 * as decimal text (see {@link amqpHeadersGetter}). Read as headers only, as
 * {@link contextFromKafkaHeaders}. Returns that context unchanged when there is no valid context.
 * Never throws on the headers; `options` as {@link injectKafkaHeaders}.
 */
export function contextFromAmqpHeaders(headers: unknown, options: CarrierOptions = {}): Context {
  assertCarrierOptions(options, "contextFromAmqpHeaders");
  return contextFromMessageHeaders(headers, options, "amqp");
}

/**
 * Internal to tracehop/messaging: the context message headers (kafkajs or amqplib, as delivered)
 * carry, read by the stored-carrier reader (any-case names, Buffers, arrays, limits) as header fields
 * only — never as a row with a `traceContext` column. A whole consumed message handed instead of its
 * headers is read through its headers ({@link headersOfMessage}). Never throws.
 */
export function contextFromMessageHeaders(
  headers: unknown,
  options: CarrierOptions = {},
  kind: MessageKind = "any",
): Context {
  return extractCarrier(amqpHeadersToCarrier(headersOfMessage(headers, kind)), options, false);
}

/** Which whole messages {@link headersOfMessage} recognises: a helper of one client only its own. */
export type MessageKind = "amqp" | "kafka" | "any";

/**
 * The headers of a whole consumed message handed where its headers belong (`withProcessSpan(msg, ...)`
 * instead of `withProcessSpan(msg.properties.headers, ...)`): the parameter takes any value, so the
 * slip typechecks, and read as headers such a message holds no context — a new trace, without a word.
 * Recognised by shapes no headers object has:
 * - an amqplib message (`ConsumeMessage`, `GetMessage`: amqplib `lib/channel.js`): own `content`, a
 *   Buffer (Uint8Array), and `fields` and `properties` objects, `fields` holding the string
 *   `exchange` and `routingKey` of every delivery → `properties.headers`;
 * - a kafkajs message as its decoder delivers it (`KafkaMessage`: kafkajs
 *   `src/protocol/recordBatch/record/v0/decoder.js`, `messageSet/decoder.js`): `offset` and
 *   `timestamp` strings, `attributes` a number, `headers` an object, `key` and `value` Buffers or
 *   `null` → `headers` (a v0/v1 message set has no headers, so no context either way);
 * - a kafkajs `eachMessage` payload: `topic` a string, `partition` a number, `message` a kafkajs
 *   message as above → `message.headers`.
 * A header value is a string, a Buffer or an array in kafkajs, never a number, and an AMQP headers
 * table never holds a Buffer `content` beside `fields` and `properties` tables of that shape; anything
 * else is returned as it is. `kind` narrows the shapes to one client's (`contextFromAmqpHeaders`
 * recognises only an amqplib message, `contextFromKafkaHeaders` only kafkajs's), so that headers a
 * bridge copied from the other system are read as headers. Never throws (a throwing getter or proxy
 * trap: returned as it is).
 */
export function headersOfMessage(value: unknown, kind: MessageKind = "any"): unknown {
  if (value === null || typeof value !== "object") return value;
  try {
    const message = value as Record<string, unknown>;
    if (kind !== "kafka" && isAmqpMessage(message))
      return (message.properties as Record<string, unknown>).headers;
    if (kind === "amqp") return value;
    if (isKafkaMessage(message)) return message.headers;
    if (
      typeof message.topic === "string" &&
      typeof message.partition === "number" &&
      isObject(message.message) &&
      isKafkaMessage(message.message)
    )
      return message.message.headers;
  } catch {
    // a throwing getter or proxy trap: not a message we can read
  }
  return value;
}

/**
 * The attributes the messaging semantic conventions ask of a consumed message (1.45 "RabbitMQ" and
 * "Kafka" pages, attribute registry), read from a whole message that {@link headersOfMessage}
 * recognises (with the same `kind`); `{}` for headers or anything else. Each only when the message has
 * it in the type the registry gives:
 * - amqplib message: `rabbitmq.destination.routing_key` (`fields.routingKey`, conditionally required
 *   when not empty), `rabbitmq.message.delivery_tag` (`fields.deliveryTag`, an int, conditionally
 *   required when available), `messaging.message.id` (`properties.messageId`),
 *   `messaging.message.conversation_id` (`properties.correlationId`: the conventions' "Sometimes called
 *   Correlation ID"), `messaging.message.body.size` (`content.byteLength`).
 * - kafkajs message (`KafkaMessage`): `kafka.offset` (the decimal `offset`, as an int when it is a safe
 *   integer), `kafka.message.key` (a key whose bytes are valid UTF-8, as that text: the conventions
 *   leave out a key with no unambiguous string form), `kafka.message.tombstone` (`true` for a `null`
 *   value, set only then), `messaging.message.body.size` (`value.byteLength`);
 *   an `eachMessage` payload adds `messaging.destination.partition.id` (`partition` as text).
 * Never throws (a throwing getter or proxy trap: what was read so far).
 */
export function attributesOfMessage(value: unknown, kind: MessageKind = "any"): Attributes {
  const attributes: Attributes = {};
  if (value === null || typeof value !== "object") return attributes;
  try {
    const message = value as Record<string, unknown>;
    if (kind !== "kafka" && isAmqpMessage(message)) {
      addAmqpAttributes(attributes, message);
      return attributes;
    }
    if (kind === "amqp") return attributes;
    if (isKafkaMessage(message)) addKafkaAttributes(attributes, message);
    else if (
      typeof message.topic === "string" &&
      typeof message.partition === "number" &&
      isObject(message.message) &&
      isKafkaMessage(message.message)
    ) {
      if (Number.isSafeInteger(message.partition) && message.partition >= 0)
        attributes[ATTR_MESSAGING_DESTINATION_PARTITION_ID] = String(message.partition);
      addKafkaAttributes(attributes, message.message);
    }
  } catch {
    // a throwing getter or proxy trap: what was read
  }
  return attributes;
}

/** UTF-8 that refuses invalid bytes: a Kafka key that is not text has no string form to record. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A non-empty string of at most `MAX_CARRIER_VALUE_LENGTH` UTF-16 units, else `undefined`. */
function shortText(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value.length <= MAX_CARRIER_VALUE_LENGTH
    ? value
    : undefined;
}

function addAmqpAttributes(attributes: Attributes, message: Record<string, unknown>): void {
  const fields = message.fields as Record<string, unknown>;
  const properties = message.properties as Record<string, unknown>;
  const routingKey = shortText(fields.routingKey);
  if (routingKey !== undefined) attributes[ATTR_RABBITMQ_DESTINATION_ROUTING_KEY] = routingKey;
  const deliveryTag = fields.deliveryTag;
  if (typeof deliveryTag === "number" && Number.isSafeInteger(deliveryTag) && deliveryTag >= 0)
    attributes[ATTR_RABBITMQ_MESSAGE_DELIVERY_TAG] = deliveryTag;
  const messageId = shortText(properties.messageId);
  if (messageId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_ID] = messageId;
  const correlationId = shortText(properties.correlationId);
  if (correlationId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = correlationId;
  attributes[ATTR_MESSAGING_MESSAGE_BODY_SIZE] = (message.content as Uint8Array).byteLength;
}

/** A kafkajs offset as it gives one: a text of decimal digits alone. */
const DECIMAL_OFFSET = /^\d+$/;

function addKafkaAttributes(attributes: Attributes, message: Record<string, unknown>): void {
  const offset = Number(message.offset);
  if (DECIMAL_OFFSET.test(message.offset as string) && Number.isSafeInteger(offset))
    attributes[ATTR_KAFKA_OFFSET] = offset;
  const key = message.key;
  if (key instanceof Uint8Array && key.byteLength <= MAX_CARRIER_VALUE_LENGTH) {
    try {
      attributes[ATTR_KAFKA_MESSAGE_KEY] = strictUtf8.decode(key);
    } catch {
      // not UTF-8: no unambiguous string form
    }
  }
  if (message.value === null) attributes[ATTR_KAFKA_MESSAGE_TOMBSTONE] = true;
  else attributes[ATTR_MESSAGING_MESSAGE_BODY_SIZE] = (message.value as Uint8Array).byteLength;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** amqplib's `ConsumeMessage` / `GetMessage` (see {@link headersOfMessage}). */
function isAmqpMessage(message: Record<string, unknown>): boolean {
  const fields = message.fields;
  return (
    message.content instanceof Uint8Array &&
    isObject(message.properties) &&
    isObject(fields) &&
    typeof fields.exchange === "string" &&
    typeof fields.routingKey === "string"
  );
}

/** kafkajs's `KafkaMessage` as decoded (see {@link headersOfMessage}). */
function isKafkaMessage(message: Record<string, unknown>): boolean {
  return (
    typeof message.offset === "string" &&
    typeof message.timestamp === "string" &&
    typeof message.attributes === "number" &&
    isObject(message.headers) &&
    (message.key === null || message.key instanceof Uint8Array) &&
    (message.value === null || message.value instanceof Uint8Array)
  );
}

/**
 * The headers of an AMQP message as a stored-carrier input: the same object when no value is a
 * number (no copy on the usual path), else a shallow copy whose safe-integer numbers are decimal text
 * and whose other numbers are left out (an AMQP `long` above 2^53 was rounded by amqplib: ignored
 * silently, not reported as a rounded JSON id). Anything that is not a plain headers object (bytes,
 * arrays, `null`) is returned as it is; an object whose keys or values throw when read is returned as
 * it is too (the reader skips what it cannot read). Internal to tracehop/messaging. Never throws.
 */
export function amqpHeadersToCarrier(headers: unknown): unknown {
  if (headers === null || typeof headers !== "object") return headers;
  try {
    // Array.isArray and instanceof consult a proxy's traps: inside the try.
    if (Array.isArray(headers) || ArrayBuffer.isView(headers) || headers instanceof ArrayBuffer)
      return headers;
    const source = headers as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const name of Object.keys(source)) {
      let value: unknown;
      try {
        value = source[name];
      } catch {
        continue; // a throwing getter: the reader skips it too
      }
      if (typeof value !== "number") continue;
      copy ??= { ...source };
      if (Number.isSafeInteger(value)) copy[name] = String(value);
      else delete copy[name];
    }
    return copy ?? headers;
  } catch {
    return headers; // a throwing proxy trap or getter while copying: read as it is
  }
}
