import { createRequire } from "node:module";
import type * as OtlpHttp from "@opentelemetry/exporter-trace-otlp-http";
import type * as OtlpTransformer from "@opentelemetry/otlp-transformer";
import type * as Resources from "@opentelemetry/resources";
import type * as SdkNode from "@opentelemetry/sdk-node";
import type * as SdkNodeFromEnv from "@opentelemetry/sdk-node/build/src/create-from-env.js";
import type * as SdkTraceBase from "@opentelemetry/sdk-trace-base";

/**
 * The OpenTelemetry SDK packages `startTracing` and the spans-file exporter use, loaded when first
 * asked for, not when `tracehop` is imported: `@opentelemetry/sdk-node` pulls in every exporter it
 * supports (gRPC, protobuf, Zipkin, Prometheus, logs, metrics) and the others add tens of
 * milliseconds each — ≈ 200 ms of module loading that a process using only the carrier functions, its
 * own SDK setup, or `tracehop inspect` never needs (bench/startup.ts measures it). Each package is
 * CommonJS only in Node (no `exports` map; Node ignores their `module` field), so `require` gives the
 * very module instance an `import` would. Types are imported as types only.
 * test/tracing/lazy-load.test.ts checks that an import of the entry points loads none of them.
 */
const require = createRequire(import.meta.url);

export const sdkNode = (): typeof SdkNode => require("@opentelemetry/sdk-node") as typeof SdkNode;
export const otlpHttp = (): typeof OtlpHttp =>
  require("@opentelemetry/exporter-trace-otlp-http") as typeof OtlpHttp;
export const otlpTransformer = (): typeof OtlpTransformer =>
  require("@opentelemetry/otlp-transformer") as typeof OtlpTransformer;
export const resources = (): typeof Resources => require("@opentelemetry/resources") as typeof Resources;
export const sdkTraceBase = (): typeof SdkTraceBase =>
  require("@opentelemetry/sdk-trace-base") as typeof SdkTraceBase;

/**
 * The sampler OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG name, built by the NodeSDK's own
 * `createSamplerFromEnv` (the same names, defaults and `diag` errors as a NodeSDK given no sampler);
 * `undefined` when the variable is unset or names no sampler the SDK knows. The function is not in the
 * package's index, so it is required from its module file (sdk-node is pinned to one version in
 * package.json; test/tracing/tracing-config.test.ts checks each name).
 */
export const samplerFromEnv = (): SdkTraceBase.Sampler | undefined =>
  (
    require("@opentelemetry/sdk-node/build/src/create-from-env.js") as typeof SdkNodeFromEnv
  ).createSamplerFromEnv();
