import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";

/**
 * A trace carrier at rest: lower-case propagation header name -> string value, exactly what would
 * travel as HTTP headers (DESIGN.md "The carrier"). Stored in a JSON column or sent as message headers.
 */
export type TraceCarrier = Record<string, string>;

/** Longest value read from a stored carrier, in UTF-16 code units; longer values are ignored. */
export const MAX_CARRIER_VALUE_LENGTH = 16 * 1024;
/** Most keys looked at in one stored carrier; later keys are ignored. */
export const MAX_CARRIER_KEYS = 128;

/** Lower-cased header name -> its value(s), read from an untrusted carrier. */
export type NormalizedCarrier = Map<string, string[]>;

const decoder = new TextDecoder("utf-8");

function toText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return decoder.decode(value); // Buffer included: decoded whole.
  return undefined;
}

/**
 * Reads an untrusted stored carrier (DESIGN.md "The carrier"): a plain object whose keys are header
 * names in any case and whose values are strings, Buffers/Uint8Arrays (decoded whole as UTF-8) or
 * arrays of those (repeated fields, kept in order). Anything else — numbers, nested objects, values
 * over {@link MAX_CARRIER_VALUE_LENGTH}, keys past {@link MAX_CARRIER_KEYS} — is ignored.
 * A JSON text is parsed first. Never throws; returns an empty map for non-objects.
 */
export function normalizeCarrier(carrier: unknown): NormalizedCarrier {
  const out: NormalizedCarrier = new Map();
  try {
    if (typeof carrier === "string") carrier = JSON.parse(carrier);
    if (carrier === null || typeof carrier !== "object" || Array.isArray(carrier)) return out;
    let seen = 0;
    for (const key of Object.keys(carrier)) {
      if (++seen > MAX_CARRIER_KEYS) break;
      const raw = (carrier as Record<string, unknown>)[key];
      const values: string[] = [];
      for (const item of Array.isArray(raw) ? raw : [raw]) {
        const text = toText(item);
        if (text !== undefined && text.length <= MAX_CARRIER_VALUE_LENGTH) values.push(text);
      }
      if (!values.length) continue;
      const name = key.toLowerCase();
      const existing = out.get(name);
      if (existing) existing.push(...values);
      else out.set(name, values);
    }
  } catch {
    out.clear();
  }
  return out;
}

/** Getter over a {@link NormalizedCarrier}: one value as a string, repeated values as an array. */
export const normalizedCarrierGetter: TextMapGetter<NormalizedCarrier> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => {
    const values = carrier.get(key.toLowerCase());
    if (!values) return undefined;
    return values.length === 1 ? values[0] : values;
  },
};

/** Setter that always writes lower-case names and string values into a {@link TraceCarrier}. */
export const traceCarrierSetter: TextMapSetter<TraceCarrier> = {
  set: (carrier, key, value) => {
    carrier[key.toLowerCase()] = String(value);
  },
};
