import {
  diag,
  propagation,
  ROOT_CONTEXT,
  type Baggage,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { legacyBaggage } from "../datadog/DatadogPropagator.js";
import { BaggagePropagator } from "../w3c/BaggagePropagator.js";
import { baggageEntries } from "../w3c/W3CBaggage.js";

/**
 * The baggage the `baggage` style reads from the carrier, or (when it reads none) the baggage of
 * `context`: what `propagation.getBaggage(style.extract(context, carrier, getter))` gives, without
 * the Context in between for tracehop's own BaggagePropagator.
 */
export function extractBaggage(
  style: TextMapPropagator,
  context: Context,
  carrier: unknown,
  getter: TextMapGetter,
): Baggage | undefined {
  if (style instanceof BaggagePropagator) return style.extractBaggage(carrier, getter) ?? baggageOf(context);
  return propagation.getBaggage(style.extract(context, carrier, getter));
}

/**
 * The baggage of `context`: none for `ROOT_CONTEXT` (an empty context whose values never change,
 * where extraction usually starts), without the lookup, which costs a megamorphic `getValue` call
 * (every Context class has its own); `propagation.getBaggage` otherwise.
 */
export function baggageOf(context: Context): Baggage | undefined {
  return context === ROOT_CONTEXT ? undefined : propagation.getBaggage(context);
}

/**
 * {@link legacyBaggage} that never throws: a getter that throws (its `keys`, listing the `ot-baggage-*`
 * headers, or its `get`) gives no entries, said with `diag.warn` (`tracehop: ot-baggage-* extract failed`,
 * with the error) at each extract, not once per process: the same getter's throw on a carrier with Datadog
 * headers is the datadog style's `tracehop: datadog extract failed`, said at each extract
 * (`warnExtractFailed`: whether a getter throws may depend on the carrier it is given, a message without
 * headers), and one getter bug is said the same way whichever carrier meets it. The trace of the
 * `traceparent` is continued all the same.
 */
export function safeLegacyBaggage(
  context: Context,
  carrier: unknown,
  getter: TextMapGetter,
  over: Baggage | undefined,
): Baggage | undefined {
  try {
    return legacyBaggage(context, carrier, getter, over);
  } catch (err) {
    diag.warn("tracehop: ot-baggage-* extract failed", err);
    return undefined;
  }
}

/** `current` with the entries of `w3c` set over it (W3C entries win over legacy `ot-baggage-*` ones). */
export function mergeBaggage(current: Baggage | undefined, w3c: Baggage): Baggage {
  let merged = current ?? w3c;
  if (merged !== w3c) for (const [key, entry] of baggageEntries(w3c)) merged = merged.setEntry(key, entry);
  return merged;
}
