import {
  context as contextApi,
  ROOT_CONTEXT,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import {
  readStoredCarrier,
  storedCarrierGetter,
  traceCarrierSetter,
  type TraceCarrier,
} from "../carrier/carrier.js";
import { createPropagator } from "../propagation/create-propagator.js";
import { isTraceCarrierProvider } from "./carrier-source.js";

/** Tracer name (instrumentation scope) of the spans tracehop starts. */
export const TRACER_NAME = "tracehop";

let defaultPropagator: TextMapPropagator | undefined;

/** The default propagator of the carrier functions: `createPropagator()`, built once (DESIGN.md "Defaults"). */
function getDefaultPropagator(): TextMapPropagator {
  return (defaultPropagator ??= createPropagator());
}

/** Options of {@link captureCarrier} and {@link contextFromCarrier}. */
export interface CarrierOptions {
  /** The context to inject from / extract onto. Default: the active context / `ROOT_CONTEXT`. */
  context?: Context;
  /** Default: `createPropagator()` (styles from the environment, else tracecontext, baggage, datadog). */
  propagator?: TextMapPropagator;
}

/**
 * Injects the given (default: active) context into a new carrier: a flat object of lower-case
 * propagation header names and string values (DESIGN.md "The carrier"), ready for a JSON column or
 * message headers.
 *
 * @returns the carrier; `{}` when there is nothing to propagate (no valid span context, tracing
 *   suppressed) or the propagator failed. Never throws.
 */
export function captureCarrier(options: CarrierOptions = {}): TraceCarrier {
  const carrier: TraceCarrier = {};
  try {
    (options?.propagator ?? getDefaultPropagator()).inject(
      options?.context ?? contextApi.active(),
      carrier,
      traceCarrierSetter,
    );
  } catch {
    return {};
  }
  return carrier;
}

/**
 * Extracts a stored carrier onto the given (default: `ROOT_CONTEXT`) context.
 *
 * `carrier` is untrusted input (DESIGN.md "The carrier"): a carrier object (header names in any case,
 * string / Buffer / array values), its JSON text, or a row with a `traceContext` field holding
 * either (the `TraceCarrierProvider` shape). Extraction starts from `ROOT_CONTEXT`, never from the
 * active context, so nothing of the caller's trace leaks into the restored one (case B29).
 *
 * @returns the context with the extracted span context, baggage and Datadog fields; the base context
 *   unchanged when nothing valid is found. Never throws.
 */
export function contextFromCarrier(carrier: unknown, options: CarrierOptions = {}): Context {
  // `options?.`: a null options object (from untyped callers) must not make this throw.
  const base = options?.context ?? ROOT_CONTEXT;
  try {
    const stored = isTraceCarrierProvider(carrier) ? carrier.traceContext : carrier;
    return (options?.propagator ?? getDefaultPropagator()).extract(
      base,
      readStoredCarrier(stored),
      storedCarrierGetter,
    );
  } catch {
    return base;
  }
}
