/**
 * Headers objects the messaging helpers read and write: any-case names, and headers kept in entries
 * (a `Map`, a WHATWG `Headers` object, a client's header object such as NATS `MsgHdrs`) that are read
 * and written through their own methods.
 */
import type { TraceCarrier } from "../index.js";
import type { HeaderAccessKind } from "../carrier/header-object-kind.js";
import { MAX_CARRIER_KEYS } from "../carrier/trace-carrier.js";
import { isClassInstance, isPlainObjectOfAnyRealm } from "../plain-object.js";
import { describeValue } from "../describe-value.js";
import {
  isPropagationHeaderName,
  JAEGER_TRACE_HEADER,
  PROPAGATION_HEADER_NAMES,
} from "../propagation/header-names.js";
import { isBaggageHeader } from "../context/baggage-policy.js";
import { hasWarned, warnOnce } from "../warn-once.js";

/**
 * Whether header name `name` is `lowerCaseName` in some case (`TraceParent` for `traceparent`; the same
 * text too). `lowerCaseName` must be lower-case already. Header names are case-insensitive.
 */
export function sameNameInOtherCase(name: string, lowerCaseName: string): boolean {
  return name.length === lowerCaseName.length && name.toLowerCase() === lowerCaseName;
}

/** A headers object the helpers can read or write: any non-null object (a Proxy included). */
export function isHeadersObject(headers: unknown): headers is Record<string, unknown> {
  return headers !== null && typeof headers === "object";
}

/**
 * The methods of a WHATWG `Headers` object (fetch's; Node's global one or another copy of undici's)
 * the writers use. Names are case-insensitive and stored in lower case; values are strings. Such an
 * object is recognised as a real `Headers` is, by its tag (`Object.prototype.toString` gives
 * `[object Headers]`); a class of your own with such methods is a {@link HeaderMethods} object.
 */
export interface FetchHeadersLike {
  /** The value of field `name` (a repeated field's values joined with `, `), or `null` when absent. */
  get(name: string): string | null;
  /** Replaces the values of field `name` with `value`. */
  set(name: string, value: string): void;
  /** Adds `value` to field `name`: one more value of a repeated field. */
  append(name: string, value: string): void;
  /** Removes field `name`. */
  delete(name: string): void;
  /** The `[name, value]` pairs, names in lower case. */
  [Symbol.iterator](): Iterator<[string, string]>;
}

/**
 * A message client's own header object, written and read through its methods: NATS `MsgHdrs`
 * (nats.js v2 `headers()`, v3 `@nats-io/nats-core`), a `Map` of another realm, any class with
 * `set(name, value)` and `delete(name)` (written; `append(name, value)`, when it has one, for each value
 * of a repeated field) or with `get(name)` and an iterator of `[name, value | values[]]` (read), or with
 * `get`, `set` and `delete` and no iterator (read through `get(name)` for each name asked). Its
 * names are listed by `keys()` or its iterator (none when it has neither). `set`, `append` and `delete`
 * wrote in place unless they return another object than the headers object itself (an immutable map,
 * whose methods give a new one): `undefined`, `true` or the object itself all mean written. Such a
 * client sends only what its methods hold: a property set on the object is no header, and would not
 * travel.
 */
export interface HeaderMethods {
  /**
   * Sets field `name` to `value`. Returning `undefined`, `true` or the object itself means written in
   * place; another object (an immutable map's new one) means not.
   */
  set(name: string, value: string): unknown;
  /** Removes field `name`; what it returns means what `set`'s does. */
  delete(name: string): unknown;
  /**
   * Adds `value` to field `name`, one value of a repeated field; without it a repeated field is `set`
   * to its values joined by `,`. What it returns means what `set`'s does.
   */
  append?(name: string, value: string): unknown;
  /** The value of field `name`, for reading (with the iterator, or for each name asked without one). */
  get?(name: string): unknown;
  /** The field names, listed before they are read or removed (else the iterator's names). */
  keys?(): Iterable<unknown>;
  /** The `[name, value | values[]]` pairs, for reading. */
  [Symbol.iterator]?(): Iterator<unknown>;
}

/**
 * Headers kept in entries rather than in properties: a `Map` of header name -> value, a WHATWG
 * `Headers` object, or a client's header object ({@link HeaderMethods}: NATS `MsgHdrs`). The readers
 * (`contextFromKafkaHeaders`, `contextFromAmqpHeaders`, `withProcessSpan`, `withCarrier`, the getters)
 * read them through their entries (a client's object with `get` and an iterator, or with `get`, `set`
 * and `delete`; one with `set`/`delete` alone through its own properties), and the writers write them
 * through their own methods (`set`, `append`, `delete`): a property set on such an object is no entry,
 * and would not travel.
 */
export type HeaderEntries = Map<string, unknown> | FetchHeadersLike | HeaderMethods;

/** An HTTP field name (RFC 9110 §5.1, `token`): what a `Headers` object takes as a name. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Sets entry `name` (lower case) of a headers object kept in entries to `value`: for a `Headers`
 * object a repeated field (an array) is appended value by value, as its fields repeat; a Map keeps the
 * array (the readers take an array as a repeated field) and loses its other-case spellings of `name`;
 * a client's header object ({@link HeaderMethods}) takes `set(name, value)`, or for an array
 * `delete(name)` then `append` of each value (with no `append`: `set` of the values joined by `,`, as
 * HTTP combines a repeated field).
 * Returns false when a client's header object did not take the value: its `set`, `append` or `delete`
 * returned another object than itself ({@link wroteInPlace}: an immutable map, whose `set` gives a new
 * one). Throws what the object's methods throw (an immutable `Headers` object, a value it refuses, a
 * WeakMap's non-object key).
 */
export function setEntry(
  headers: HeaderEntries,
  kind: HeaderAccessKind,
  name: string,
  value: unknown,
): boolean {
  if (kind === "map") {
    removeNameInAnyCase(headers as unknown as Record<string, unknown>, kind, name);
    (headers as Map<unknown, unknown>).set(name, value);
    return true;
  }
  const methods = headers as HeaderMethods;
  if (!Array.isArray(value)) return wroteInPlace(headers, methods.set(name, String(value)));
  if (typeof methods.append !== "function")
    return wroteInPlace(headers, methods.set(name, value.map(String).join(",")));
  let wrote = wroteInPlace(headers, methods.delete(name));
  for (const item of value) wrote = wroteInPlace(headers, methods.append(name, String(item))) && wrote;
  return wrote;
}

/**
 * Internal: the one removal of a header name in any case, for the setters (a field written replaces its
 * name in another case; a field left out, with `exact`, its exact name too: a forwarded `traceparent`
 * must not travel on where the new value could not) and {@link setEntry} (a `Map`'s other-case keys).
 * Deletes from `headers` — written as properties when `kind` is `undefined` (the names `for…in` lists),
 * else through the `delete` of its entries kind, each by the name the object lists — every field named
 * `name` (lower case) in another case, and with `exact` the field of exactly that name. A `Headers`
 * object (`"fetch"`) keeps names in lower case: nothing in another case, the exact name deleted. Of a
 * client's header object the first `MAX_CARRIER_KEYS` names listed are looked at; with `exact` its
 * exact name is deleted all the same. Returns whether a value was removed: an own property deleted (an
 * inherited one stays), a listed entry whose `delete` wrote in place, a `Map` key or `Headers` field
 * that was there, or a `delete` of the exact name that answered `true`. Throws what the headers throw
 * (a frozen object, a throwing proxy trap or method).
 */
export function removeNameInAnyCase(
  headers: Record<string, unknown>,
  kind: HeaderAccessKind | undefined,
  name: string,
  exact = false,
): boolean {
  let removed = false;
  if (kind === undefined) {
    for (const existing in headers) {
      if (existing === name ? !exact : !sameNameInOtherCase(existing, name)) continue;
      const own = Object.hasOwn(headers, existing);
      delete headers[existing];
      removed ||= own;
    }
  } else if (kind === "methods") {
    const methods = headers as unknown as HeaderMethods;
    for (const existing of entryNames(methods, kind, MAX_CARRIER_KEYS))
      if (existing === name ? exact : sameNameInOtherCase(existing, name))
        removed = wroteInPlace(methods, methods.delete(existing)) || removed;
    // A name past the first MAX_CARRIER_KEYS listed is still deleted by its exact spelling.
    if (exact) removed = methods.delete(name) === true || removed;
  } else if (kind === "map") {
    const map = headers as unknown as Map<unknown, unknown>;
    // Deleting during a Map's iteration is defined (the deleted key is simply not visited): no copy.
    for (const key of map.keys())
      if (typeof key === "string" && (key === name ? exact : sameNameInOtherCase(key, name)))
        removed = map.delete(key) || removed;
  } else if (exact) {
    const fetchHeaders = headers as unknown as FetchHeadersLike;
    removed = fetchHeaders.get(name) !== null;
    fetchHeaders.delete(name);
  }
  return removed;
}

/**
 * True when what a client's header method (`set`, `append`, `delete`) returned says it wrote into
 * `headers` itself: anything but another object (`undefined`, a boolean, `headers` for chaining).
 * Another object is the changed copy of an immutable map, `headers` left as it was.
 */
function wroteInPlace(headers: object, result: unknown): boolean {
  return (
    result === headers || result === null || (typeof result !== "object" && typeof result !== "function")
  );
}

/**
 * The names of a Map's string keys, a `Headers` object's fields, or a client's header object's names
 * (its `keys()`, else the names of its iterator's entries), the first `limit` of them (default: all);
 * the iteration stops there. Throws what their iterators throw.
 */
export function entryNames(headers: HeaderEntries, kind: HeaderAccessKind, limit = Infinity): string[] {
  const names: string[] = [];
  if (kind === "map") {
    for (const key of (headers as Map<unknown, unknown>).keys()) {
      if (typeof key !== "string") continue;
      if (names.push(key) >= limit) break;
    }
    return names;
  }
  const methods = headers as HeaderMethods;
  if (kind === "methods" && typeof methods.keys === "function") {
    for (const key of methods.keys()) {
      if (typeof key !== "string") continue;
      if (names.push(key) >= limit) break;
    }
    return names;
  }
  if (typeof methods[Symbol.iterator] !== "function") return names;
  for (const entry of methods as Iterable<unknown>) {
    const name: unknown = Array.isArray(entry) ? entry[0] : undefined;
    if (typeof name !== "string") continue;
    if (names.push(name) >= limit) break;
  }
  return names;
}

/**
 * `removePropagationHeaders` (header-writer.ts) for a headers object kept in entries whose kind is
 * known: deletes the propagation headers and the names of `also` (any case, each by the name the
 * object lists) through its `delete`; a client's header object that cannot list its names (no `keys()`,
 * no iterator) has each lower-case name of `PROPAGATION_HEADER_NAMES`, `uber-trace-id` and of `also`
 * deleted. `false`
 * when a method or iterator threw (an immutable `Headers` object), a `delete` returned another object
 * ({@link wroteInPlace}: an immutable map, left unchanged) or the object has no `delete`.
 */
export function removeStaleEntries(
  entries: HeaderEntries,
  kind: HeaderAccessKind,
  also?: TraceCarrier,
): boolean {
  try {
    if (typeof (entries as { delete?: unknown }).delete !== "function") return false;
    const names = listsNames(entries, kind)
      ? entryNames(entries, kind).filter((name) => isStaleHeader(name, also))
      : [...PROPAGATION_HEADER_NAMES, JAEGER_TRACE_HEADER, ...Object.getOwnPropertyNames(also ?? {})];
    let removed = true;
    for (const name of names) if (!wroteInPlace(entries, entries.delete(name))) removed = false;
    return removed;
  } catch {
    return false; // an immutable Headers object, a throwing iterator
  }
}

/** Whether {@link entryNames} can list the names of `headers`: it has `keys()` or an iterator. */
function listsNames(headers: HeaderEntries, kind: HeaderAccessKind): boolean {
  const methods = headers as HeaderMethods;
  return (
    kind !== "methods" || typeof methods.keys === "function" || typeof methods[Symbol.iterator] === "function"
  );
}

/**
 * Says so (once per process: `diag.warn` and the process warning `TRACEHOP_HEADERS_AS_PROPERTIES`) when
 * `helper` writes a context as the own properties of `headers`, an instance of a class that has no
 * `set`/`delete` methods: a client that serializes its header object (NATS `MsgHdrs`, an HTTP client's
 * headers class) sends what its methods hold, and properties set beside them never travel. The
 * properties are still written (a class whose client sends its own enumerable properties loses
 * nothing). A plain object (of no class, of any realm: `isPlainObjectOfAnyRealm`) says nothing, nor does
 * an object whose prototypes are plain data with no `constructor` and no method (`isClassInstance`
 * false: `Object.create({ a: "1" })`, a null-prototype table, an amqplib headers object whose
 * `__proto__` header became its prototype), which a client sends as a plain record (amqplib encodes
 * with `for…in`); a `Map`, `Headers` or {@link HeaderMethods} object is never written as properties.
 */
export function warnIfHeadersNotSent(headers: object, helper: string): void {
  if (isPlainObjectOfAnyRealm(headers) || hasWarned(HEADERS_AS_PROPERTIES_KEY) || !isClassInstance(headers))
    return;
  warnOnce(
    HEADERS_AS_PROPERTIES_KEY,
    `tracehop ${helper}: the headers object (${describeValue(headers)}) has no set/delete methods, ` +
      "so the trace context was written as its own properties, which its client may never send (the " +
      "trace would end there): pass a plain object of header name -> value, a Map, or the client's " +
      "header object with set and delete methods (NATS headers()), or copy the fields into the " +
      "client's header object yourself",
    "TRACEHOP_HEADERS_AS_PROPERTIES",
  );
}

/** Once-per-process key of {@link warnIfHeadersNotSent}. */
const HEADERS_AS_PROPERTIES_KEY = "headers-as-properties";

/**
 * Says so (once per process: `diag.warn` and the process warning `TRACEHOP_HEADERS_NOT_AN_OBJECT`) when
 * `helper` is handed headers that are not an object (text, a number, a boolean, a symbol, a bigint, a
 * function; for a setter, `null` and `undefined` too): no field can be written to them, so the message
 * leaves without the trace context. The writers return such headers unchanged and the setters write
 * nothing (tracing never fails the message, docs/messaging.md "Writing headers"), as an array or a class
 * instance is written and said (`TRACEHOP_HEADERS_AS_PROPERTIES`) rather than thrown. `fresh`: the
 * helper makes a new object of `undefined` headers (the writers), which the message then names.
 */
export function warnHeadersNotAnObject(headers: unknown, helper: string, fresh: boolean): void {
  warnOnce(
    "headers-not-an-object",
    `tracehop ${helper}: the headers (${describeValue(headers)}) are not an object, so the trace context ` +
      "was not written to them (the trace would end there): pass a plain object of header name -> value, a " +
      "Map, or the client's header object with set and delete methods (NATS headers())" +
      (fresh ? ", or no headers for a new object" : ""),
    "TRACEHOP_HEADERS_NOT_AN_OBJECT",
  );
}

/**
 * True for a propagation header name (any case), a baggage header (`isBaggageHeader`, the baggage
 * policy's rule: Jaeger's `uberctx-<key>` too, the baggage of the message's old context) or a name of
 * `also`.
 */
export function isStaleHeader(name: string, also: TraceCarrier | undefined): boolean {
  const lower = name.toLowerCase();
  return (
    isPropagationHeaderName(lower) ||
    isBaggageHeader(lower) ||
    (also !== undefined && Object.hasOwn(also, lower))
  );
}
