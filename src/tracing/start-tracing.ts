import { diag, type TextMapPropagator } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { createPropagator } from "../propagation/create-propagator.js";
import { JsonLinesFileSpanExporter } from "./file-exporter.js";

/** `deployment.environment.name` (semantic conventions, incubating); Datadog's `env` tag. */
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = "deployment.environment.name";

/** Options of {@link startTracing}. */
export interface StartTracingOptions {
  /** `service.name` (Datadog `service`). Required unless OTEL_SERVICE_NAME is set. */
  serviceName?: string;
  /** `service.version` (Datadog `version`). Default: OTEL_* / none. */
  serviceVersion?: string;
  /** `deployment.environment.name` (Datadog `env`). */
  environment?: string;
  /** Path of an OTLP JSON-lines spans file to append to. Default: none (unless no endpoint is set). */
  spansFile?: string;
  /**
   * OTLP/HTTP traces endpoint base (e.g. `http://127.0.0.1:4318`). Default: OTEL_EXPORTER_OTLP_ENDPOINT /
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; when neither is set, no OTLP export is made.
   */
  otlpEndpoint?: string;
  /** Default: `createPropagator()`. */
  propagator?: TextMapPropagator;
  /** Default: ParentBased(AlwaysOn). */
  sampler?: Sampler;
  instrumentations?: (Instrumentation | Instrumentation[])[];
  /** Upper bound of `shutdown()` in milliseconds (default 5000): pending spans past it are dropped. */
  shutdownTimeoutMillis?: number;
}

/** Handle returned by {@link startTracing}. */
export interface TracingHandle {
  /** Flushes and stops the SDK; resolves within `shutdownTimeoutMillis` even if the collector hangs. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK with tracehop's propagator, a ParentBased sampler, resource
 * attributes for Datadog unified service tagging, and span export to an OTLP JSON-lines file and/or
 * over OTLP/HTTP. Throws a TypeError that says what to fix when no service name is given.
 */
export function startTracing(options: StartTracingOptions = {}): TracingHandle {
  const serviceName = options.serviceName ?? process.env.OTEL_SERVICE_NAME;
  if (!serviceName) throw new TypeError("startTracing: pass { serviceName } or set OTEL_SERVICE_NAME");
  const attributes: Record<string, string> = { [ATTR_SERVICE_NAME]: serviceName };
  if (options.serviceVersion) attributes[ATTR_SERVICE_VERSION] = options.serviceVersion;
  if (options.environment) attributes[ATTR_DEPLOYMENT_ENVIRONMENT_NAME] = options.environment;

  const spanProcessors: SpanProcessor[] = [];
  if (options.spansFile)
    spanProcessors.push(new BatchSpanProcessor(new JsonLinesFileSpanExporter(options.spansFile)));
  const endpoint =
    options.otlpEndpoint ??
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) {
    const url = options.otlpEndpoint ? `${options.otlpEndpoint.replace(/\/$/, "")}/v1/traces` : undefined; // the exporter reads OTEL_EXPORTER_OTLP_* itself
    spanProcessors.push(
      new BatchSpanProcessor(
        new OTLPTraceExporter(url ? { url, timeoutMillis: 2000 } : { timeoutMillis: 2000 }),
      ),
    );
  }

  const sdk = new NodeSDK({
    resource: resourceFromAttributes(attributes),
    autoDetectResources: false,
    spanProcessors,
    textMapPropagator: options.propagator ?? createPropagator(),
    sampler: options.sampler ?? new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    instrumentations: options.instrumentations ?? [],
  });
  sdk.start();
  const timeout = options.shutdownTimeoutMillis ?? 5000;
  return {
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeout);
        timer.unref();
      });
      try {
        await Promise.race([
          sdk.shutdown().catch((err: unknown) => diag.warn("tracehop: shutdown failed", err)),
          bound,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
