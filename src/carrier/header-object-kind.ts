/**
 * What sort of header object a value is: the one place that tells a `Map`, a WHATWG `Headers` object, a
 * client's header object read through `get` and an iterator (NATS `MsgHdrs`), one read through `get`
 * alone, one written through `set`/`delete`, and a plain record (own properties) apart. The
 * stored-carrier reader (`carrierObject`, carrier-object.ts), the carrier-in-another-field check
 * (holds-carrier.ts) and the messaging getters and writers (header-entries.ts, header-getters.ts,
 * header-writer.ts) all ask here. A plain object is told in one or two property look-ups (the usual
 * carrier and headers object: no iterator, no `get`; for the writers, its prototype).
 */
import { isMap } from "node:util/types";
import { isPlainObjectOfAnyRealm, isPlainPrototype } from "../plain-object.js";

/**
 * How a header object keeps its fields ({@link headerObjectKind}), as the readers read it:
 * - `"map"`: a `Map`, of this realm or another (`util.types.isMap`), read through its entries;
 * - `"fetch"`: a WHATWG `Headers` object (Node's global one or another copy of undici's: its tag);
 * - `"entries"`: another object with a `get` method and an iterator of `[name, value | values[]]`
 *   (NATS `MsgHdrs`: nats.js v2 `headers()`, v3 `@nats-io/nats-core`), read through its iterator;
 * - `"lookup"`: an instance of a class (not a plain object of any realm) with `get`, `set` and `delete` and no
 *   iterator (its fields kept out of reach, a `#private` Map), read through `get(name)`, as the
 *   writers wrote it through `set`.
 */
export type HeaderObjectKind = "map" | "fetch" | "entries" | "lookup";

/**
 * How the messaging helpers read ({@link readKind}) or write ({@link writeKind}) a header object: `"map"`
 * and `"fetch"` as {@link HeaderObjectKind}; `"methods"` for a client's header object (for reading,
 * `"entries"` or `"lookup"`; for writing, an instance of a class with `set` and `delete`).
 */
export type HeaderAccessKind = "map" | "fetch" | "methods";

/** The methods the classifiers look up. */
type MethodLookups = Partial<Record<"get" | "set" | "delete" | typeof Symbol.iterator, unknown>>;

/**
 * The {@link HeaderObjectKind} of `value`, `undefined` for a plain record read through its own
 * properties (a plain object, and any object that is none of the kinds: an array, a class with
 * `set`/`delete` but no `get`, a plain object with `get`/`set`/`delete` but no iterator). Its iterator is
 * looked up first, then `get`: a plain object costs those two property look-ups. Throws what a proxy's
 * trap throws: the callers' own `try` covers it.
 */
export function headerObjectKind(value: object): HeaderObjectKind | undefined {
  const methods = value as MethodLookups;
  if (typeof methods[Symbol.iterator] === "function") {
    return mapOrFetchKind(value) ?? (typeof methods.get === "function" ? "entries" : undefined);
  }
  return typeof methods.get === "function" && isClassWithSetAndDelete(value) ? "lookup" : undefined;
}

/**
 * True for a header object read through its iterator of `[name, value]` pairs ({@link headerObjectKind}
 * `"map"`, `"fetch"` or `"entries"`: a `Map` of any realm, a WHATWG `Headers` object, NATS `MsgHdrs`),
 * whose own properties are its client's internals (MsgHdrs' `_code` and `headers` Map), never header
 * fields. A plain object costs one property look-up (no iterator). Never throws (a throwing proxy
 * trap: false).
 */
export function isHeaderEntriesObject(value: object): boolean {
  try {
    const methods = value as MethodLookups;
    if (typeof methods[Symbol.iterator] !== "function") return false;
    // `get` first: each of them but a Map whose `get` was replaced has one (its tag is not read).
    return typeof methods.get === "function" || mapOrFetchKind(value) !== undefined;
  } catch {
    return false;
  }
}

/**
 * How the readers (the getters, `contextFromKafkaHeaders`, `headerNumbersAsText`, ...) read
 * `headers`: {@link headerObjectKind} with `"entries"` and `"lookup"` both `"methods"`; `undefined` for
 * a plain headers object, read through its own properties (a class with `set`/`delete` but no `get`
 * included). A plain object costs two property look-ups (no iterator, no `get`). Throws what a proxy's
 * trap throws: the callers' own `try` covers it (no `try` here, on every header read).
 */
export function readKind(headers: object): HeaderAccessKind | undefined {
  const kind = headerObjectKind(headers);
  return kind === "entries" || kind === "lookup" ? "methods" : kind;
}

/**
 * How the writers (the setters, `injectKafkaHeaders`, `writeCarrierToHeaders`, ...) write `headers`:
 * `undefined` for an object of no class (prototype `Object.prototype` or `null`: one comparison, the
 * usual headers) and for any other object without such methods, written as own properties; `"map"` and
 * `"fetch"` as {@link headerObjectKind}; `"methods"` for another instance of a class with `set` and
 * `delete` methods (NATS `MsgHdrs`, written through them; `get` and an iterator not needed). Throws what
 * a proxy's trap throws: the callers' own `try` covers it ({@link writeKindOf} is the one that does not).
 */
export function writeKind(headers: object): HeaderAccessKind | undefined {
  if (isPlainPrototype(Object.getPrototypeOf(headers))) return undefined;
  if (typeof (headers as MethodLookups)[Symbol.iterator] === "function") {
    const kind = mapOrFetchKind(headers);
    if (kind !== undefined) return kind;
  }
  return hasSetAndDelete(headers) ? "methods" : undefined;
}

/** {@link writeKind}, or `undefined` (written as properties, in a `try`) when a proxy's trap throws. */
export function writeKindOf(headers: object): HeaderAccessKind | undefined {
  try {
    return writeKind(headers);
  } catch {
    return undefined;
  }
}

/**
 * `"map"` for an iterable `value` that is a `Map` (this realm's `instanceof`, or another realm's:
 * `util.types.isMap`), `"fetch"` for a WHATWG `Headers` object (its tag), else `undefined`. The caller
 * has found its iterator. May throw.
 */
function mapOrFetchKind(value: object): "map" | "fetch" | undefined {
  if (value instanceof Map || isMap(value)) return "map";
  return hasHeadersTag(value) ? "fetch" : undefined;
}

/**
 * True when `Object.prototype.toString` of `value` gives `[object Headers]`: the `Symbol.toStringTag`
 * every WHATWG `Headers` implementation sets (WHATWG Fetch; Web IDL class string): Node's global one, or
 * another copy of undici (a bundled or npm `undici`). Never by `instanceof` the global `Headers`: its
 * first access loads Node's fetch implementation (undici), ≈ 10 ms on the first restore of a process
 * that never uses fetch. May throw.
 */
function hasHeadersTag(value: object): boolean {
  return Object.prototype.toString.call(value) === "[object Headers]";
}

/**
 * True for an instance of a class with `set` and `delete` methods: not an object of no class of any
 * realm (`isPlainObjectOfAnyRealm`: a plain object of a `vm` context is a plain record, as one of this
 * realm is). Asked only of an object with a `get` method, never of the usual plain headers object. May
 * throw (a proxy's `get` trap).
 */
function isClassWithSetAndDelete(value: object): boolean {
  return !isPlainObjectOfAnyRealm(value) && hasSetAndDelete(value);
}

/** True for an object with `set` and `delete` methods. May throw. */
function hasSetAndDelete(value: object): boolean {
  const methods = value as MethodLookups;
  return typeof methods.set === "function" && typeof methods.delete === "function";
}
