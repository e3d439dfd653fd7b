// In-process dd-trace (a devDependency) for interop tests: the real tracer, initialised with no agent
// traffic (no startup logs, telemetry, remote configuration or plugins; flush interval of an hour;
// the agent URL points at a closed port and nothing is flushed during a test run). Only its
// propagation code is used: tracer.inject/extract with the text_map format.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The parts of dd-trace's span context these tests read (dd-trace 5 `DatadogSpanContext`). */
export interface DdSpanContext {
  toTraceId(get128bitId?: boolean): string;
  toSpanId(get128bitId?: boolean): string;
  _sampling: { priority?: number; mechanism?: number };
  _trace: { origin?: string; tags: Record<string, string> };
}

interface DdTracer {
  inject(spanOrContext: unknown, format: string, carrier: Record<string, string>): void;
  extract(format: string, carrier: Record<string, string>): DdSpanContext | null;
  startSpan(name: string, options?: unknown): { context(): DdSpanContext; finish(): void };
  _tracer: { _config: Record<string, unknown> };
}

type TextMapCtor = new (config: unknown) => {
  inject(ctx: unknown, carrier: Record<string, string>): void;
  extract(carrier: Record<string, string>): DdSpanContext | null;
};

let tracer: DdTracer | undefined;

/** The process-wide dd-trace tracer, initialised once with default propagation styles. */
export function ddTracer(): DdTracer {
  if (tracer) return tracer;
  const ddtrace = require("dd-trace") as { init(options: Record<string, unknown>): DdTracer };
  tracer = ddtrace.init({
    startupLogs: false,
    telemetry: { enabled: false },
    remoteConfig: { enabled: false },
    plugins: false,
    flushInterval: 3_600_000,
    url: "http://127.0.0.1:9",
    tracePropagationStyle: {
      inject: ["datadog", "tracecontext", "baggage"],
      extract: ["datadog", "tracecontext", "baggage"],
    },
  });
  return tracer;
}

/**
 * A dd-trace text_map propagator limited to `styles` (its config is the tracer's, styles replaced),
 * with `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` set to `behavior` and, when given,
 * `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` set to `tagsMaxLength`.
 */
export function ddPropagator(
  styles: string[],
  behavior: "continue" | "restart" | "ignore" = "continue",
  tagsMaxLength?: number,
): {
  inject: TextMapCtor["prototype"]["inject"];
  extract: TextMapCtor["prototype"]["extract"];
} {
  const config = ddTracer()._tracer._config;
  const TextMapPropagator =
    require("dd-trace/packages/dd-trace/src/opentracing/propagation/text_map") as TextMapCtor;
  const scoped = Object.create(config, {
    tracePropagationStyle: { value: { inject: styles, extract: styles } },
    DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT: { value: behavior },
    ...(tagsMaxLength === undefined ? {} : { DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: { value: tagsMaxLength } }),
  }) as unknown;
  const propagator = new TextMapPropagator(scoped);
  return { inject: propagator.inject.bind(propagator), extract: propagator.extract.bind(propagator) };
}

/** Fields of a dd-trace context to build (ids in hex). */
export interface DdContextSpec {
  traceIdHigh: string;
  traceIdLow: string;
  spanId: string;
  priority: number;
  origin?: string;
  decisionMaker?: string;
}

/** A dd-trace span context with exactly these fields, as dd-trace builds one (span_context.js). */
export function ddSpanContext(spec: DdContextSpec): unknown {
  ddTracer();
  const id = require("dd-trace/packages/dd-trace/src/id") as (value: string, radix?: number) => unknown;
  const DatadogSpanContext = require("dd-trace/packages/dd-trace/src/opentracing/span_context") as new (
    props: Record<string, unknown>,
  ) => unknown;
  const tags: Record<string, string> = {};
  if (spec.traceIdHigh !== "0000000000000000") tags["_dd.p.tid"] = spec.traceIdHigh;
  if (spec.decisionMaker !== undefined) tags["_dd.p.dm"] = spec.decisionMaker;
  return new DatadogSpanContext({
    traceId: id(spec.traceIdLow, 16),
    spanId: id(spec.spanId, 16),
    isRemote: false,
    sampling: { priority: spec.priority },
    trace: { started: [], finished: [], tags, origin: spec.origin },
  });
}

/** dd-trace's W3C baggage store (the `baggage` style's items, in its async local storage). */
export interface DdBaggage {
  setBaggageItem(key: string, value: string): unknown;
  getAllBaggageItems(): Readonly<Record<string, string>>;
  removeAllBaggageItems(): unknown;
}

/** dd-trace's baggage store, which its `baggage` style injects from and extracts into (dd-trace 5). */
export function ddBaggage(): DdBaggage {
  ddTracer();
  return require("dd-trace/packages/dd-trace/src/baggage") as DdBaggage;
}
