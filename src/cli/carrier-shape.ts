// What a JSON text or value is, for the input reader and the reader-limit notes of `tracehop inspect`.
import { isPropagationHeaderName } from "../propagation/header-names.js";
import { parseJsonExact } from "./exact-json.js";

/**
 * How many diagnostics of one kind that repeats per key (a header past the reader's key limit, a value
 * stored as a JSON number) a report lists; the rest are counted in one more line. A row of 100,000 keys
 * gives a readable report, in linear time.
 */
export const MAX_LISTED = 10;

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** What a JSON value is (a row's carrier field, a line, a header value), for a diagnostic. */
export function describeField(field: unknown): string {
  if (field === null) return "null";
  if (Array.isArray(field)) return "an array";
  if (typeof field === "string") return "text that is not the JSON text of an object";
  return `a ${typeof field === "object" ? "JSON object" : typeof field}`;
}

/** True when `row` holds a propagation header at its top level (reported when it is read as a row). */
export function hasPropagationHeader(row: Record<string, unknown>): boolean {
  return Object.keys(row).some(isPropagationKey);
}

/** True for a carrier key naming a propagation header, in any case. */
export function isPropagationKey(key: string): boolean {
  const name = key.toLowerCase();
  // Any x-datadog-* / x-b3-* name too: a carrier of another tracer version is still a carrier.
  return isPropagationHeaderName(name) || name.startsWith("x-datadog-") || name.startsWith("x-b3-");
}

/** Whether `text` is JSON text (`JSON.parse` takes it). */
export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * `text` parsed as JSON: its value, or the parser's error; the digits of its integers beyond 2^53 kept
 * (`parseJsonExact`).
 */
export function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: parseJsonExact(text) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
