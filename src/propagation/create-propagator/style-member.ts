import type { Baggage, Context, TextMapGetter, TextMapPropagator, TextMapSetter } from "@opentelemetry/api";
import { B3StylePropagator } from "../B3StylePropagator.js";
import { DatadogPropagator, type DatadogPropagatorOptions } from "../datadog/DatadogPropagator.js";
import { DatadogTraceContextPropagator } from "../datadog/DatadogTraceContextPropagator.js";
import type { ResolvedInjection } from "../datadog/injection-fields.js";
import type { StyleExtraction } from "../extraction-result.js";
import { BaggagePropagator } from "../w3c/BaggagePropagator.js";
import type { PropagationStyle } from "./style-names.js";

/** One style of `createPropagator`'s composite: its name and its propagator. */
export interface StyleMember {
  name: PropagationStyle;
  propagator: TextMapPropagator;
  /** tracehop's Datadog-aware styles (`datadog`, `tracecontext`): extraction as parts. */
  parts?: PartsExtractor;
  /** The styles that read a context's Datadog fields (the Datadog-aware ones, `b3`, `b3multi`). */
  injector?: ResolvedInjector;
}

/**
 * A style of tracehop's own that reads a context's Datadog fields on inject: it injects a context the
 * composite has resolved once for all such styles ({@link ResolvedInjection}).
 */
interface ResolvedInjector {
  injectResolved(resolved: ResolvedInjection, carrier: unknown, setter: TextMapSetter): void;
}

/** A Datadog-aware style of tracehop's own: it reports its extraction as parts ({@link StyleExtraction}). */
interface PartsExtractor {
  /**
   * `lendOnly`: a winner is chosen; the fields may be empty (adoption reads what it needs itself).
   * `baggage`: what the `baggage` style extracted (the carrier's W3C baggage, else the context's),
   * which the `datadog` style's `ot-baggage-*` entries join and are limited with.
   */
  extractParts(
    context: Context,
    carrier: unknown,
    getter: TextMapGetter,
    lendOnly: boolean,
    baggage: Baggage | undefined,
  ): StyleExtraction | undefined;
}

/** The composite's member for the style `name`, its Datadog `options` given to the `datadog` style. */
export function styleMember(name: PropagationStyle, options: DatadogPropagatorOptions): StyleMember {
  const propagator = makeStyle(name, options);
  const parts =
    propagator instanceof DatadogPropagator || propagator instanceof DatadogTraceContextPropagator
      ? propagator
      : undefined;
  const injector = parts ?? (propagator instanceof B3StylePropagator ? propagator : undefined);
  return { name, propagator, parts, injector };
}

function makeStyle(name: PropagationStyle, options: DatadogPropagatorOptions): TextMapPropagator {
  switch (name) {
    case "tracecontext":
      return new DatadogTraceContextPropagator();
    case "baggage":
      return new BaggagePropagator();
    case "datadog":
      return new DatadogPropagator(options);
    case "b3":
      return new B3StylePropagator(true);
    case "b3multi":
      return new B3StylePropagator(false);
  }
}
