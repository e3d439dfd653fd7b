import { createRequire } from "node:module";
import type * as OtlpHttp from "@opentelemetry/exporter-trace-otlp-http";
import type * as OtlpTransformer from "@opentelemetry/otlp-transformer";
import type * as Resources from "@opentelemetry/resources";
import type * as SdkNode from "@opentelemetry/sdk-node";
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
