import {
  context as contextApi,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapPropagator,
} from "@opentelemetry/api";
import {
  normalizeCarrier,
  normalizedCarrierGetter,
  traceCarrierSetter,
  type TraceCarrier,
} from "../carrier/carrier.js";
import { createPropagator } from "../propagation/create-propagator.js";

/** Tracer name of the spans tracehop starts. */
export const TRACER_NAME = "tracehop";

let defaultPropagator: TextMapPropagator | undefined;
/** The default propagator of the carrier functions: `createPropagator()` (built once). */
export function getDefaultPropagator(): TextMapPropagator {
  return (defaultPropagator ??= createPropagator());
}

/** Options of {@link captureCarrier} and {@link contextFromCarrier}. */
export interface CarrierOptions {
  /** The context to inject from / extract onto. Default: the active context / ROOT_CONTEXT. */
  context?: Context;
  /** Default: `createPropagator()` (styles from the environment, else tracecontext, baggage, datadog). */
  propagator?: TextMapPropagator;
}

/**
 * Injects the given (default: active) context into a new {@link TraceCarrier}: a flat object of
 * lower-case header names and string values, ready for a JSON column or message headers.
 * Returns `{}` when there is nothing to propagate. Never throws.
 */
export function captureCarrier(options: CarrierOptions = {}): TraceCarrier {
  const carrier: TraceCarrier = {};
  try {
    (options.propagator ?? getDefaultPropagator()).inject(
      options.context ?? contextApi.active(),
      carrier,
      traceCarrierSetter,
    );
  } catch {
    return {};
  }
  return carrier;
}

/**
 * Extracts a stored carrier (untrusted: any case, arrays, Buffers, a JSON text) onto the given
 * (default: ROOT) context. Returns that context unchanged when nothing valid is found. Never throws.
 */
export function contextFromCarrier(carrier: unknown, options: CarrierOptions = {}): Context {
  const base = options.context ?? ROOT_CONTEXT;
  try {
    return (options.propagator ?? getDefaultPropagator()).extract(
      base,
      normalizeCarrier(carrier),
      normalizedCarrierGetter,
    );
  } catch {
    return base;
  }
}

/** Options of {@link withCarrier}. */
export interface WithCarrierOptions {
  propagator?: TextMapPropagator;
  kind?: SpanKind;
  attributes?: Attributes;
  /** `parent` (default): continue the stored trace; `link`: new trace linked to it; `none`: new trace. */
  relation?: "parent" | "link" | "none";
  links?: Link[];
}

/**
 * Runs `fn` inside a new span whose parent is the context restored from `carrier` (or, with
 * `relation: "link"`, a new root that links to it). The span is active for `fn`, records an exception
 * and ERROR status when `fn` throws or its promise rejects, and always ends (when a returned promise
 * settles). The result or error of `fn` is passed through unchanged.
 */
export function withCarrier<T>(
  carrier: unknown,
  name: string,
  fn: (span: Span) => T,
  options: WithCarrierOptions = {},
): T {
  const restored = contextFromCarrier(carrier, { propagator: options.propagator });
  const stored = trace.getSpanContext(restored);
  const relation = options.relation ?? "parent";
  const links = [...(options.links ?? [])];
  let parent = restored;
  if (relation !== "parent") {
    if (relation === "link" && stored) links.push({ context: stored });
    parent = trace.deleteSpan(restored);
  }
  const tracer = trace.getTracer(TRACER_NAME);
  const span = tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links },
    parent,
  );
  const active = trace.setSpan(parent, span);
  const fail = (err: unknown) => {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  };
  let result: T;
  try {
    result = contextApi.with(active, fn, undefined, span);
  } catch (err) {
    fail(err);
    span.end();
    throw err;
  }
  if (result && typeof (result as { then?: unknown }).then === "function") {
    return (result as unknown as PromiseLike<unknown>).then(
      (value) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        fail(err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}
