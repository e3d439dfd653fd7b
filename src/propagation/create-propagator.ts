import {
  diag,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { B3InjectEncoding, B3Propagator } from "@opentelemetry/propagator-b3";
import { DatadogPropagator, type DatadogPropagatorOptions } from "./datadog/DatadogPropagator.js";

/** A propagation style name accepted by {@link createPropagator}. */
export type PropagationStyle = "tracecontext" | "baggage" | "datadog" | "b3" | "b3multi";

/** Options of {@link createPropagator}; passed on to the Datadog style. */
export type CreatePropagatorOptions = DatadogPropagatorOptions;

/** Default styles: inject and extract (DESIGN.md "Defaults"). */
export const DEFAULT_STYLES: readonly PropagationStyle[] = ["tracecontext", "baggage", "datadog"];

const KNOWN_STYLES = new Set<string>(["tracecontext", "baggage", "datadog", "b3", "b3multi"]);

/**
 * Builds the TextMapPropagator for a list of styles.
 *
 * `styles` is an array or a comma-separated string of style names (case-insensitive, blanks
 * ignored): `tracecontext` (W3C Trace Context), `baggage` (W3C Baggage), `datadog`
 * (`x-datadog-*`), `b3` (single `b3` header) and `b3multi` (`x-b3-*`). Unknown names are ignored
 * with a diag warning. Without styles the default list is used.
 *
 * Extraction follows the list order: the first style that yields a valid span context wins (as in
 * Datadog's tracers, research rule 48); `baggage` always contributes. Injection writes every style.
 */
export function createPropagator(
  styles?: string | readonly string[],
  options: CreatePropagatorOptions = {},
): TextMapPropagator {
  const names = parseStyles(styles) ?? [...DEFAULT_STYLES];
  const members = names.map((name) => ({ name, propagator: makeStyle(name, options) }));
  return new StylePropagator(members);
}

/** Parses a style list; `undefined` when it names no known style. */
export function parseStyles(styles: string | readonly string[] | undefined): PropagationStyle[] | undefined {
  if (styles === undefined) return undefined;
  const list = typeof styles === "string" ? styles.split(",") : styles;
  const out: PropagationStyle[] = [];
  for (const raw of list) {
    const name = String(raw).trim().toLowerCase();
    if (!name) continue;
    if (!KNOWN_STYLES.has(name)) {
      diag.warn(`tracehop: unknown propagation style "${name}" ignored`);
      continue;
    }
    if (!out.includes(name as PropagationStyle)) out.push(name as PropagationStyle);
  }
  return out.length ? out : undefined;
}

function makeStyle(name: PropagationStyle, options: CreatePropagatorOptions): TextMapPropagator {
  switch (name) {
    case "tracecontext":
      return new W3CTraceContextPropagator();
    case "baggage":
      return new W3CBaggagePropagator();
    case "datadog":
      return new DatadogPropagator(options);
    case "b3":
      return new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
    case "b3multi":
      return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  }
}

interface StyleMember {
  name: PropagationStyle;
  propagator: TextMapPropagator;
}

/** Composite in which the first style with a valid span context wins extraction. */
class StylePropagator implements TextMapPropagator {
  private readonly _fields: string[];

  constructor(private readonly _members: StyleMember[]) {
    this._fields = [...new Set(_members.flatMap((m) => m.propagator.fields()))];
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    for (const { name, propagator } of this._members) {
      try {
        propagator.inject(context, carrier, setter);
      } catch (err) {
        diag.warn(`tracehop: ${name} inject failed`, err);
      }
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = context;
    let found = false;
    for (const { name, propagator } of this._members) {
      try {
        if (name === "baggage") {
          const bag = propagation.getBaggage(propagator.extract(context, carrier, getter));
          if (bag) result = propagation.setBaggage(result, bag);
          continue;
        }
        if (found) continue;
        const extracted = propagator.extract(context, carrier, getter);
        const sc = trace.getSpanContext(extracted);
        if (sc && isSpanContextValid(sc)) {
          const bag = propagation.getBaggage(result);
          result = bag ? propagation.setBaggage(extracted, bag) : extracted;
          found = true;
        }
      } catch (err) {
        diag.warn(`tracehop: ${name} extract failed`, err);
      }
    }
    return result;
  }

  fields(): string[] {
    return this._fields;
  }
}
