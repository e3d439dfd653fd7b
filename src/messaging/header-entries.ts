/**
 * Headers objects the messaging helpers read and write: any-case names, and headers kept in entries
 * (a `Map`, a WHATWG `Headers` object) that are written through their own methods.
 */
import type { TraceCarrier } from "../index.js";
import { isFetchHeaders } from "../carrier/carrier-object.js";
import { isPropagationHeaderName } from "../propagation/header-names.js";

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
export function entriesKind(headers: object): "map" | "fetch" | undefined {
  try {
    if (headers instanceof Map) return "map";
    return isFetchHeaders(headers) ? "fetch" : undefined;
  } catch {
    return undefined;
  }
}

/** An HTTP field name (RFC 9110 §5.1, `token`): what a `Headers` object takes as a name. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Sets entry `name` (lower case) of a Map or `Headers` object to `value`: for a `Headers` object a
 * repeated field (an array) is appended value by value, as its fields repeat; a Map keeps the array
 * (the readers take an array as a repeated field) and loses its other-case spellings of `name`.
 * Throws what the object's methods throw (an immutable `Headers` object, a value it refuses).
 */
export function setEntry(headers: HeaderEntries, kind: "map" | "fetch", name: string, value: unknown): void {
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
export function entryNames(headers: HeaderEntries, kind: "map" | "fetch", limit = Infinity): string[] {
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
 * `removePropagationHeaders` (header-writer.ts) for a Map or a `Headers` object whose kind is known:
 * deletes the propagation headers and the names of `also` through its `delete`. `false` when a method
 * or iterator threw (an immutable `Headers` object).
 */
export function removeStaleEntries(
  entries: HeaderEntries,
  kind: "map" | "fetch",
  also?: TraceCarrier,
): boolean {
  try {
    for (const name of entryNames(entries, kind).filter((name) => isStaleHeader(name, also)))
      entries.delete(name);
    return true;
  } catch {
    return false; // an immutable Headers object, a throwing iterator
  }
}

/** True for a propagation header name (any case) or a name of `also`. */
export function isStaleHeader(name: string, also: TraceCarrier | undefined): boolean {
  const lower = name.toLowerCase();
  return isPropagationHeaderName(lower) || (also !== undefined && Object.hasOwn(also, lower));
}
