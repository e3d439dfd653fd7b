import {
  context as contextApi,
  diag,
  propagation,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import type { TraceCarrier } from "../index.js";
import { injectCarrier } from "../context/carrier-context.js";
import { describeValue } from "../describe-value.js";

/**
 * Largest carrier written to a row, in UTF-8 bytes of its JSON text: 9.5 KiB.
 *
 * Worst case of what the default styles (tracecontext, baggage, datadog) can inject, in bytes:
 * - `traceparent` 55 (W3C Trace Context §3.2, version 00);
 * - `tracestate` 512 (the length @opentelemetry/core's TraceState keeps; W3C Trace Context §3.3.1.5
 *   asks vendors to propagate at least 512 characters);
 * - `baggage` 8192 (W3C Baggage §3.3.2 "Limits", the total @opentelemetry/core enforces);
 * - `x-datadog-tags` 512 (`DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` default, as dd-trace-js enforces it);
 * - `x-datadog-trace-id` and `x-datadog-parent-id` 20 each (unsigned 64-bit decimal; Datadog docs,
 *   "Propagating trace context"), `x-datadog-sampling-priority` 11 (signed 32-bit), `x-datadog-origin`
 *   32 (the values Datadog sends: `rum`, `synthetics`, `synthetics-browser`);
 * - the eight header names 122, JSON punctuation 50.
 *
 * That is 9526 bytes; the limit leaves about 200 bytes for a `b3` header or a longer origin.
 */
export const MAX_STORED_CARRIER_BYTES = 9.5 * 1024;

/** Header of W3C baggage (W3C Baggage §3.1). */
const BAGGAGE_HEADER = "baggage";
/** Prefix of OpenTracing baggage headers written by Datadog's tracers (dd-trace-ot, dd-trace-js). */
const OT_BAGGAGE_PREFIX = "ot-baggage-";

/**
 * What baggage a stored carrier may keep. Baggage is free-form user data (user ids, e-mail
 * addresses, tenant names end up there), and a row outlives the request by months, so the default
 * keeps none of it:
 * - `"none"` (default): no `baggage` nor `ot-baggage-*` header is stored;
 * - `"all"`: baggage is stored as the propagator writes it;
 * - a list of baggage keys (exact, case-sensitive as W3C Baggage §3.2.1.1 keys are): only those
 *   entries are stored.
 */
export type BaggagePolicy = "none" | "all" | readonly string[];

/** Options of {@link captureStoredCarrier}. */
export interface StoredCarrierOptions {
  /** Default `"none"`. */
  baggage?: BaggagePolicy;
  /** Default {@link MAX_STORED_CARRIER_BYTES}. */
  maxBytes?: number;
  /** Default: the default propagator of `captureCarrier` (`createPropagator()`). */
  propagator?: TextMapPropagator;
  /** Default: the active context. */
  context?: Context;
}

/**
 * Checks a {@link BaggagePolicy} given by a user and returns it in the form
 * {@link captureStoredCarrier} uses: `undefined` for "all", a Set of keys otherwise.
 *
 * @throws TypeError naming the accepted shapes when `policy` is none of them
 */
export function compileBaggagePolicy(policy: BaggagePolicy = "none"): ReadonlySet<string> | undefined {
  if (policy === "all") return undefined;
  if (policy === "none") return new Set();
  if (Array.isArray(policy) && policy.every((key) => typeof key === "string" && key.length > 0)) {
    return new Set(policy);
  }
  throw new TypeError(
    `tracehop/prisma: baggage must be "none", "all" or an array of baggage keys, got ${describeValue(policy)}`,
  );
}

/**
 * Captures the carrier of the given (default: active) context for storage at rest: baggage
 * filtered by the policy, size bounded by `maxBytes`. Returns `undefined` when there is nothing to
 * store (no active trace, or capture failed). Never throws: tracing must not fail a write.
 *
 * Order of the rules:
 * 1. baggage entries not allowed by the policy are removed from the context before injection, and
 *    any `baggage` / `ot-baggage-*` header the propagator still writes for them is removed after;
 * 2. when the JSON text is over `maxBytes`, baggage goes first, then the longest remaining value,
 *    one at a time, until it fits (an oversized inbound `tracestate` or `x-datadog-origin` must not
 *    bloat the row; the ids survive, being the shortest values).
 *
 * @param allowedBaggage compiled policy: `undefined` keeps all baggage, a Set keeps those keys
 */
export function captureStoredCarrier(
  allowedBaggage: ReadonlySet<string> | undefined,
  maxBytes: number,
  options: Pick<StoredCarrierOptions, "propagator" | "context"> = {},
): TraceCarrier | undefined {
  try {
    let ctx = options.context;
    if (allowedBaggage) ctx = filterBaggage(ctx, allowedBaggage);
    const carrier = injectCarrier({ context: ctx, propagator: options.propagator });
    return fitCarrier(carrier, maxBytes, allowedBaggage);
  } catch (err) {
    diag.warn("tracehop/prisma: carrier capture failed; the row is written without one", err);
    return undefined;
  }
}

function filterBaggage(ctx: Context | undefined, allowed: ReadonlySet<string>): Context | undefined {
  const active = ctx ?? contextApi.active();
  const baggage = propagation.getBaggage(active);
  if (!baggage) return ctx;
  if (allowed.size === 0) return propagation.deleteBaggage(active);
  const denied: string[] = [];
  for (const [key] of baggage.getAllEntries()) if (!allowed.has(key)) denied.push(key);
  if (!denied.length) return ctx;
  return propagation.setBaggage(active, baggage.removeEntries(...denied));
}

/** `baggage` (W3C Baggage §3.1) or an `ot-baggage-*` header (Datadog's OpenTracing baggage). */
function isBaggageHeader(key: string): boolean {
  return key === BAGGAGE_HEADER || key.startsWith(OT_BAGGAGE_PREFIX);
}

/** Whether the policy keeps a baggage header: `baggage` when any key is allowed, `ot-baggage-<key>` by key. */
function allowsHeader(allowed: ReadonlySet<string>, key: string): boolean {
  return key === BAGGAGE_HEADER ? allowed.size > 0 : allowed.has(key.slice(OT_BAGGAGE_PREFIX.length));
}

/**
 * Size of a carrier at rest: the UTF-8 length of its JSON text (`JSON.stringify`), in bytes — the
 * quantity {@link MAX_STORED_CARRIER_BYTES} and the `maxCarrierBytes` option bound. Never throws for
 * a {@link TraceCarrier} (string values only).
 */
export function storedCarrierBytes(carrier: TraceCarrier): number {
  return Buffer.byteLength(JSON.stringify(carrier), "utf8");
}

/** Most UTF-8 bytes one UTF-16 code unit can take in JSON text (`\u001f` escapes: 6 bytes). */
const MAX_JSON_BYTES_PER_CHAR = 6;
/** JSON punctuation per member (`"k":"v",`) and for the braces. */
const JSON_BYTES_PER_MEMBER = 6;

/**
 * Drops the baggage headers the policy does not allow (rule 1 of {@link captureStoredCarrier}), then
 * bounds the size (rule 2). One pass over the keys on the hot path: the usual carrier has no
 * baggage header and fits, which an upper bound of its JSON size from the string lengths shows
 * without serializing it.
 */
function fitCarrier(
  carrier: TraceCarrier,
  maxBytes: number,
  allowedBaggage: ReadonlySet<string> | undefined,
): TraceCarrier | undefined {
  let bound = 2;
  let members = 0;
  for (const key in carrier) {
    if (allowedBaggage && isBaggageHeader(key) && !allowsHeader(allowedBaggage, key)) {
      delete carrier[key];
      continue;
    }
    members++;
    bound += (key.length + carrier[key]!.length) * MAX_JSON_BYTES_PER_CHAR + JSON_BYTES_PER_MEMBER;
  }
  if (members === 0) return undefined;
  if (bound <= maxBytes) return carrier;
  let size = storedCarrierBytes(carrier);
  if (size <= maxBytes) return carrier;
  const original = size;
  for (const key in carrier) if (isBaggageHeader(key)) delete carrier[key];
  size = storedCarrierBytes(carrier);
  while (size > maxBytes) {
    const keys = Object.keys(carrier);
    if (!keys.length) break;
    let longest = keys[0]!;
    for (const key of keys) if (carrier[key]!.length > carrier[longest]!.length) longest = key;
    delete carrier[longest];
    size = storedCarrierBytes(carrier);
  }
  diag.warn(`tracehop/prisma: carrier of ${original} bytes trimmed to ${size} (limit ${maxBytes})`);
  return Object.keys(carrier).length ? carrier : undefined;
}
