/**
 * Stale fields of another context in a carrier that a style is about to write: what each of tracehop's
 * styles removes before it writes a context into a plain object through `@opentelemetry/api`'s
 * `defaultTextMapSetter` (what `propagation.inject(context, carrier)` passes: OpenTelemetry's amqplib,
 * http and other instrumentations).
 */
import { defaultTextMapSetter, type TextMapSetter } from "@opentelemetry/api";
import { isPlainObjectOfAnyRealm } from "../plain-object.js";
import { isLegacyBaggageHeaderName } from "./header-names.js";

/**
 * The source text of `@opentelemetry/api`'s `defaultTextMapSetter.set`, whitespace removed, in every
 * build the api has published (1.x `build/src`, `build/esm`, `build/esnext`: a method
 * `set(carrier, key, value) { if (carrier == null) { return; } carrier[key] = value; }`; the ES5 builds of
 * 1.0–1.4: `function (carrier, key, value) { ... }`), with any parameter names.
 */
const DEFAULT_SET_SOURCE =
  /^(?:set|function)\(([\w$]+),([\w$]+),([\w$]+)\)\{if\(\1==null\)\{return;?\}\1\[\2\]=\3;?\}$/;

/** Setters already compared with `defaultTextMapSetter` ({@link isDefaultTextMapSetter}). */
const knownSetters = new WeakMap<object, boolean>();
/** The last setter looked up in {@link knownSetters} and what it was found to be: no lookup for it. */
let lastSetter: unknown;
let lastSetterIsDefault = false;

/**
 * Internal: true when `setter` is `@opentelemetry/api`'s `defaultTextMapSetter`: this copy's (one
 * comparison), or another copy's of the api (a second, nested `@opentelemetry/api` whose
 * `propagation.inject` an instrumentation calls; a bundle's), recognised by its shape: a plain object
 * whose one own property is a `set` function with the api's source text ({@link DEFAULT_SET_SOURCE}).
 * Its `set` is never called. A setter of your own is not one, even one that writes the same way (unless its `set` is the api's to the letter). Each setter
 * is compared once (kept in a WeakMap; the last one asked needs no lookup). Never throws.
 */
export function isDefaultTextMapSetter(setter: TextMapSetter): boolean {
  if (setter === defaultTextMapSetter) return true;
  if (setter === lastSetter) return lastSetterIsDefault;
  if (typeof setter !== "object" || setter === null) return false;
  let found = knownSetters.get(setter);
  if (found === undefined) {
    found = hasDefaultSetterShape(setter);
    knownSetters.set(setter, found);
  }
  lastSetter = setter;
  lastSetterIsDefault = found;
  return found;
}

/** {@link isDefaultTextMapSetter}'s test of another copy's setter. Never throws. */
function hasDefaultSetterShape(setter: object): boolean {
  try {
    if (!isPlainObjectOfAnyRealm(setter)) return false;
    const names = Reflect.ownKeys(setter);
    if (names.length !== 1 || names[0] !== "set") return false;
    const set = Object.getOwnPropertyDescriptor(setter, "set")?.value as unknown;
    if (typeof set !== "function") return false;
    return DEFAULT_SET_SOURCE.test(Function.prototype.toString.call(set).replace(/\s+/g, ""));
  } catch {
    return false;
  }
}

/**
 * Whether a style that writes a context into `carrier` through `setter` must first remove its
 * own stale fields there ({@link clearOwnFields}): `setter` is `@opentelemetry/api`'s
 * `defaultTextMapSetter` ({@link isDefaultTextMapSetter}), which writes `carrier[name] = value` and so
 * leaves every field the new context does not write (another trace's `tracestate`, `x-datadog-origin`,
 * `_dd.p.tid`), and `carrier` is an object. A setter of another kind (tracehop's own, a client's) decides itself what it writes. Whether the carrier is a
 * plain object is asked by {@link clearOwnFields}, only of a carrier that holds such a field (a fresh
 * carrier costs no prototype look-up). Never throws.
 */
function mayClear(carrier: unknown, setter: TextMapSetter): boolean {
  if (setter !== defaultTextMapSetter && (setter === plainWriteSetter || !isDefaultTextMapSetter(setter)))
    return false;
  return typeof carrier === "object" && carrier !== null;
}

/**
 * Internal: when {@link mayClear} says so, removes from `carrier` each field whose name, in any ASCII
 * case, is one of `names` (lower case), and with `legacyBaggage` each `ot-baggage-<key>` field
 * (`isLegacyBaggageHeaderName`) — only from a plain object (of no class, any realm:
 * `isPlainObjectOfAnyRealm`): an instance of a class keeps its fields. Inherited fields are not the
 * carrier's own and stay. Never throws: a field that cannot be deleted (non-configurable, a proxy that
 * refuses) stays, and the style's write that follows replaces its value when it can.
 */
export function clearOwnFields(
  carrier: unknown,
  setter: TextMapSetter,
  names: ReadonlySet<string>,
  legacyBaggage: boolean,
): void {
  if (!mayClear(carrier, setter)) return;
  removeOwnFields(carrier as Record<string, unknown>, names, legacyBaggage);
}

/** {@link clearOwnFields} once {@link mayClear} said so. Never throws. */
function removeOwnFields(
  carrier: Record<string, unknown>,
  names: ReadonlySet<string>,
  legacyBaggage: boolean,
): void {
  try {
    let plain: boolean | undefined;
    for (const name in carrier) {
      if (!isOwnedName(name, names, legacyBaggage)) continue;
      plain ??= isPlainObjectOfAnyRealm(carrier);
      if (!plain) return;
      Reflect.deleteProperty(carrier, name);
    }
  } catch {
    // a proxy's trap that throws: the fields removed so far
  }
}

/** Whether field `name` is one of `names` (lower case) in any case, or with `legacyBaggage` `ot-baggage-*`. */
function isOwnedName(name: string, names: ReadonlySet<string>, legacyBaggage: boolean): boolean {
  return (
    names.has(name) || names.has(name.toLowerCase()) || (legacyBaggage && isLegacyBaggageHeaderName(name))
  );
}

/**
 * Internal: a setter that writes as `@opentelemetry/api`'s `defaultTextMapSetter` does (`carrier[key] =
 * value`; nothing for a `null` or `undefined` carrier) but is not taken for it ({@link mayClear}): what
 * `createPropagator`'s composite hands its styles for a carrier it found to hold none of their fields
 * ({@link setterForStyles}), so that no style looks at the carrier again.
 */
export const plainWriteSetter: TextMapSetter = {
  set(carrier: unknown, key: string, value: string): void {
    if (carrier === null || carrier === undefined) return;
    (carrier as Record<string, unknown>)[key] = value;
  },
};

/**
 * Internal: the setter `createPropagator`'s composite hands its styles for an inject into `carrier`
 * through `setter` (and the bare `TraceContextPropagator` hands `writeTraceContext`, so that the writer
 * sees the same setter from both). One look at the carrier ({@link mayClear}: the api's default setter,
 * an object) for a field of one of `names` (lower case; any case in the carrier) or, with
 * `legacyBaggage`, an `ot-baggage-*` one: when there is none (a fresh carrier, a request's own headers),
 * {@link plainWriteSetter}, so that no style looks again (the fields one style writes are not scanned by
 * the next); else `setter` itself, and each style removes its own stale fields by its own rule. Never
 * throws.
 */
export function setterForStyles(
  carrier: unknown,
  setter: TextMapSetter,
  names: ReadonlySet<string>,
  legacyBaggage: boolean,
): TextMapSetter {
  if (!mayClear(carrier, setter)) return setter;
  try {
    for (const name in carrier as object) if (isOwnedName(name, names, legacyBaggage)) return setter;
  } catch {
    return setter;
  }
  return plainWriteSetter;
}
