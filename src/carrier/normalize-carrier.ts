import type { TextMapGetter } from "@opentelemetry/api";
import { idTextFromNumber, isDatadogIdName, isUnexactIdNumber } from "../propagation/datadog/ids.js";
import { PROPAGATION_HEADER_NAMES, PROPAGATION_HEADER_SET } from "../propagation/header-names.js";
import { asciiLowerName } from "./ascii-lower-name.js";
import { asBytes, carrierObject, utf8 } from "./carrier-object.js";
import { MAX_CARRIER_FIELD_VALUES, MAX_CARRIER_KEYS, MAX_CARRIER_VALUE_LENGTH } from "./trace-carrier.js";

/** ASCII-lower-cased header name -> its values in order, read from an untrusted carrier. */
export type NormalizedCarrier = Map<string, string[]>;

/**
 * Reads an untrusted stored carrier into a {@link NormalizedCarrier}: ASCII-lower-cased header name ->
 * its values in order. The rules are those of docs/restore.md, section "How a stored carrier is read".
 *
 * - Shapes: a plain object or `Map` of header name -> value; a WHATWG `Headers` object (at most 4096
 *   entries iterated, the propagation headers not reached asked through `get`); JSON text of such an
 *   object, or that text once more as a JSON string, or its UTF-8 bytes, at most
 *   `MAX_CARRIER_TEXT_LENGTH` (a leading U+FEFF skipped: RFC 8259 §8.1).
 * - Names: ASCII case-insensitive (RFC 9110 §5.1; Trace Context §3.2.1); a name with a non-ASCII
 *   character is ignored. The first {@link MAX_CARRIER_KEYS} keys are scanned; in a larger object or
 *   `Map`, the names of `PROPAGATION_HEADER_NAMES` and any name a getter asks for are looked up by name
 *   ({@link OverflowCarrier}), as asked or in lower case.
 * - Values, each at most {@link MAX_CARRIER_VALUE_LENGTH}: a string; bytes (a Buffer, typed array,
 *   `ArrayBuffer`, or the JSON form `{ "type": "Buffer", "data": [...] }`: tulios/kafkajs#1024) decoded
 *   as UTF-8; a safe integer or a bigint as its decimal text; any other number and a boolean as its
 *   text (`"1.5"`, `"true"`), judged by each style as that string (a Datadog id beyond 2^53 is refused:
 *   DataDog/dd-trace-js#344); an array of those, in order (RFC 9110 §5.3), at most
 *   {@link MAX_CARRIER_FIELD_VALUES} per name. An object that is not bytes, or an array inside an array,
 *   in a propagation header is an invalid value ({@link NOT_TEXT_VALUE}); `null`, an empty array and
 *   anything else are no value (the field is missing).
 *
 * The result is a `Map`, so no key (`__proto__`) reaches an object prototype. Never throws: a carrier
 * whose keys or values cannot be read yields what could be read, or an empty map.
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

/**
 * Internal: {@link normalizeCarrier} of the object or Map a carrier holds. `ownKeys`: `Object.keys` of an
 * object `source` when the caller listed them already (listing is linear in the object's size, the one
 * step of a read that is: a carrier of 100 000 keys is listed once, not twice). Never throws.
 */
export function normalizeSource(
  source: Record<string, unknown> | Map<unknown, unknown> | undefined,
  ownKeys?: readonly string[],
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
      const keys = ownKeys ?? Object.keys(source);
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
 * Internal: the text a propagation header holding a structure (an object that is not bytes, an array
 * inside an array) is read as: a value no style's grammar accepts (it starts with U+0000, which no
 * header value, id, priority, origin or tag may hold), so the field is judged as a present, invalid
 * one — an invalid `x-datadog-sampling-priority` drops the Datadog context, as the text `"1.5"` does —
 * never as a missing one.
 */
export const NOT_TEXT_VALUE = "\u0000(not text)";

/**
 * One value as text, or `undefined` when it is not a kind a carrier may hold (or is too long), for a
 * header of lower-case `name`:
 * - a string as it is; a bigint and a safe integer as decimal text;
 * - any other number as its text (`String(n)`: `1.5`, `-1.5`, `1e+21`), judged then as that string is
 *   (the priority `1.5` is invalid as `"1.5"` is), except an integer beyond 2^53 in `x-datadog-trace-id`
 *   or `x-datadog-parent-id`: JSON.parse rounded it, and it is refused with a diagnostic, never read
 *   rounded (DataDog/dd-trace-js#344, prisma/orm#20205; `idTextFromNumber`); so is `Infinity` there
 *   (a JSON number past the largest double, `1e400`), said as too large, not read as the text "Infinity";
 * - a boolean as its text (`"true"`, `"false"`: `x-b3-sampled: true` is sampled, as
 *   `@opentelemetry/propagator-b3` reads a boolean; a priority `true` is invalid);
 * - bytes decoded as UTF-8;
 * - another object (a structure) in a header of `PROPAGATION_HEADER_NAMES` as {@link NOT_TEXT_VALUE},
 *   an invalid value; in any other header, nothing;
 * - `null`, `undefined` and anything else: nothing (a missing value).
 */
function valueText(value: unknown, name: string): string | undefined {
  switch (typeof value) {
    case "string":
      return value.length <= MAX_CARRIER_VALUE_LENGTH ? value : undefined;
    case "number":
      if (Number.isSafeInteger(value)) return String(value);
      // An integer beyond 2^53 was rounded by JSON.parse: refused with a diagnostic, never rounded
      // silently (DataDog/dd-trace-js#344, prisma/orm#20205).
      // So is one past the largest double, which JSON.parse reads as Infinity (`1e400`): no id either.
      if (isUnexactIdNumber(value) && isDatadogIdName(name)) return idTextFromNumber(value, name);
      return String(value);
    case "bigint":
    case "boolean":
      return String(value);
    case "object": {
      if (value === null) return undefined;
      const bytes = asBytes(value, MAX_CARRIER_VALUE_LENGTH);
      if (bytes) return utf8.decode(bytes);
      return bytes === undefined && PROPAGATION_HEADER_SET.has(name) ? NOT_TEXT_VALUE : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The carriers {@link addField} dropped a value of for its length (a string or bytes over
 * {@link MAX_CARRIER_VALUE_LENGTH}): marked on that rare drop only, so a restore asks in one look-up
 * whether the reader dropped a field the warnings of src/context/carrier-rejected.ts may have to name.
 */
const OVER_LENGTH = new WeakSet<NormalizedCarrier>();

/** Internal: whether the reader dropped a value of `carrier` for its length ({@link OVER_LENGTH}). */
export function droppedOverLength(carrier: NormalizedCarrier): boolean {
  return OVER_LENGTH.has(carrier);
}

/**
 * Internal: the length of a value the reader drops for it (`"characters"` of a string, `"bytes"` of
 * binary: over {@link MAX_CARRIER_VALUE_LENGTH}), or `undefined` for any other value. Reads lengths
 * only, never the value. Never throws.
 */
export function overLength(value: unknown): { length: number; unit: "characters" | "bytes" } | undefined {
  try {
    if (typeof value === "string")
      return value.length > MAX_CARRIER_VALUE_LENGTH
        ? { length: value.length, unit: "characters" }
        : undefined;
    if (typeof value !== "object" || value === null) return undefined;
    let length: number | undefined;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) length = value.byteLength;
    else {
      const json = value as { type?: unknown; data?: unknown };
      if (json.type === "Buffer" && Array.isArray(json.data)) length = json.data.length;
    }
    return length !== undefined && length > MAX_CARRIER_VALUE_LENGTH ? { length, unit: "bytes" } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the reader drops `value` for its length ({@link overLength}). */
function isOverLengthValue(value: unknown): boolean {
  return overLength(value) !== undefined;
}

/** Adds the value(s) of one carrier key under its ASCII-lower-cased name. */
function addField(out: NormalizedCarrier, key: string, raw: unknown): void {
  const name = asciiLowerName(key);
  if (name === undefined) return;
  let values = out.get(name);
  const push = (item: unknown) => {
    const text = valueText(item, name);
    if (text === undefined) {
      if (isOverLengthValue(item)) OVER_LENGTH.add(out);
      return;
    }
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
