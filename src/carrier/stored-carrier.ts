import type { TextMapGetter } from "@opentelemetry/api";
import { asciiLowerName } from "./ascii-lower-name.js";
import { carrierObject } from "./carrier-object.js";
import {
  droppedOverLength,
  normalizedCarrierGetter,
  normalizeSource,
  type NormalizedCarrier,
} from "./normalize-carrier.js";
import { MAX_CARRIER_KEYS, MAX_CARRIER_VALUE_LENGTH } from "./trace-carrier.js";

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
 * `normalizeCarrier` (shapes, names in any case, arrays, Buffers, numbers, limits, no
 * prototype pollution), read through {@link storedCarrierGetter}.
 *
 * The common carrier — a plain object (or its JSON text) of at most {@link MAX_CARRIER_KEYS} keys,
 * every name already lower-case ASCII and every value a string — is kept as its names and values:
 * no Map, no array per header. Anything else (a name in another case or with other characters, a
 * non-string value, a `Map`, more keys) goes through `normalizeCarrier`. Each value is read
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
  if (names.length > MAX_CARRIER_KEYS) return normalizeSource(source, names);
  const values: string[] = new Array<string>(names.length);
  let oversized = false;
  for (let i = 0; i < names.length; i++) {
    if (!isLowerCaseName(names[i]!)) return normalizeSource(source, names);
    let value: unknown;
    try {
      value = source[names[i]!];
    } catch {
      return normalizeSource(source, names); // a throwing getter: the general path skips that key
    }
    if (typeof value !== "string") return normalizeSource(source, names);
    if (value.length > MAX_CARRIER_VALUE_LENGTH) oversized = true;
    values[i] = value;
  }
  return new LowerCaseCarrier(names, values, oversized);
}

/**
 * Internal: whether the reader dropped a value of `carrier` for its length (over
 * {@link MAX_CARRIER_VALUE_LENGTH}): one flag read. Never throws.
 */
export function heldOverLengthValue(carrier: StoredCarrier): boolean {
  return carrier instanceof LowerCaseCarrier ? carrier.oversized : droppedOverLength(carrier);
}

/**
 * Internal: whether `carrier` may hold a field of one of `names` (lower case): `false` only when it
 * surely holds none: an empty carrier, or a lower-case one (its names are its own lower-case names)
 * without any of them; otherwise `true`, and the caller asks the getter (a carrier the reader rebuilt
 * may look names up beyond its scan). One pass over a lower-case carrier's names, no look-up by name
 * (what a check on every restore that found nothing costs). Never throws.
 */
export function mayHoldAnyOf(carrier: StoredCarrier, names: ReadonlySet<string>): boolean {
  if (!(carrier instanceof LowerCaseCarrier)) return carrier.size > 0;
  const held = carrier.names;
  for (let i = 0; i < held.length; i++) if (names.has(held[i]!)) return true;
  return false;
}

/**
 * Internal: the value of field `name` (lower case) of a lower-case carrier as stored, over the length
 * limit or not; `undefined` for a carrier the reader rebuilt (look into what it was read from) or
 * without that field. Never throws.
 */
export function storedValueOf(carrier: StoredCarrier, name: string): string | undefined {
  if (!(carrier instanceof LowerCaseCarrier)) return undefined;
  const at = carrier.names.indexOf(name);
  return at === -1 ? undefined : carrier.values[at];
}

/** Whether `carrier` is one kept as its names and values (every value a string, as stored). */
export function isLowerCaseCarrier(carrier: StoredCarrier): boolean {
  return carrier instanceof LowerCaseCarrier;
}

/** True for a name that `asciiLowerName` returns unchanged: printable ASCII without A-Z. */
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
