/**
 * dd-trace (Datadog's Node tracer) as an in-process anchor: its `text_map` propagator, with no agent,
 * no network and no instrumentation. The environment switches below are set before dd-trace is loaded,
 * because it reads them at import time.
 */
import { createRequire } from "node:module";

/** A dd-trace span context (`DatadogSpanContext`); opaque here. */
export type DdSpanContext = object;

/** The two calls a propagation benchmark needs, bound to one style list. */
export interface DdTextMap {
  inject(spanContext: DdSpanContext, carrier: Record<string, string>): void;
  extract(carrier: Record<string, unknown>): DdSpanContext | null;
}

/** The dd-trace facade (`tracer`) after `init`. */
export interface DdTracer {
  inject(spanContext: DdSpanContext, format: "text_map", carrier: Record<string, string>): void;
  extract(format: "text_map", carrier: Record<string, unknown>): DdSpanContext | null;
  setBaggageItem(key: string, value: string): unknown;
  removeAllBaggageItems(): unknown;
}

/** Datadog style names, as dd-trace spells them in `tracePropagationStyle`. */
export type DdStyle = "datadog" | "tracecontext" | "baggage" | "b3" | "b3multi";

/** Environment that keeps dd-trace off the network (telemetry, remote configuration, agent). */
const QUIET_ENV: Record<string, string> = {
  DD_TRACE_TELEMETRY_ENABLED: "false",
  DD_INSTRUMENTATION_TELEMETRY_ENABLED: "false",
  DD_REMOTE_CONFIGURATION_ENABLED: "false",
  DD_TRACE_STARTUP_LOGS: "false",
  DD_RUNTIME_METRICS_ENABLED: "false",
  DD_PROFILING_ENABLED: "false",
  DD_DATA_STREAMS_ENABLED: "false",
  DD_TRACE_STATS_COMPUTATION_ENABLED: "false",
};

/** Flush interval far beyond the benchmark's run time, in milliseconds: nothing is ever sent. */
const NO_FLUSH_MS = 24 * 60 * 60 * 1000;

let initialized:
  { tracer: DdTracer; config: object; TextMapPropagator: new (config: object) => DdTextMap } | undefined;

/**
 * Loads and initialises dd-trace once, without plugins (nothing is patched), with telemetry and
 * remote configuration off and a flush interval of a day, with the default style lists of tracehop:
 * inject tracecontext, baggage, datadog; extract datadog, tracecontext, baggage (docs/migration.md).
 */
export function ddTracer(): DdTracer {
  return loadDdTrace().tracer;
}

function loadDdTrace(): NonNullable<typeof initialized> {
  if (initialized) return initialized;
  for (const [key, value] of Object.entries(QUIET_ENV)) process.env[key] ??= value;
  const require = createRequire(import.meta.url);
  const tracer = require("dd-trace") as DdTracer & {
    init(options: object): DdTracer;
    _tracer: { _config: object };
  };
  tracer.init({
    startupLogs: false,
    plugins: false,
    flushInterval: NO_FLUSH_MS,
    tracePropagationStyle: {
      inject: ["tracecontext", "baggage", "datadog"],
      extract: ["datadog", "tracecontext", "baggage"],
    },
  });
  // dd-trace's own TextMapPropagator class, to build one per style list with the tracer's config
  // (the facade has a single, process-wide style list). Internal path of dd-trace 5.
  const TextMapPropagator =
    require("dd-trace/packages/dd-trace/src/opentracing/propagation/text_map.js") as new (
      config: object,
    ) => DdTextMap;
  initialized = { tracer, config: tracer._tracer._config, TextMapPropagator };
  return initialized;
}

/**
 * dd-trace's `text_map` propagator restricted to `styles` (inject and extract in that order), built
 * with the initialised tracer's configuration: the same code `tracer.inject(sc, "text_map", c)` runs.
 */
export function ddTextMap(styles: readonly DdStyle[]): DdTextMap {
  const { config, TextMapPropagator } = loadDdTrace();
  const scoped = Object.create(config, {
    tracePropagationStyle: { value: { inject: [...styles], extract: [...styles] } },
  }) as object;
  return new TextMapPropagator(scoped);
}
