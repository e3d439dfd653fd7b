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
 *
 * Bundlers: webpack reads `createRequire(import.meta.url)` and bundles the packages `require`d through
 * it. esbuild leaves those calls to run, and empties `import.meta` in a CommonJS bundle (`--format=cjs`):
 * there `__filename` is the bundle's file, so the packages load from node_modules beside the bundle, as
 * from an ES module bundle, instead of `createRequire(undefined)` throwing when the bundle loads
 * (docs/export.md, "Bundling"; test/package/bundle.test.ts).
 */
const require = createRequire((import.meta as { url?: string }).url ?? __filename);

export const sdkNode = (): typeof SdkNode => require("@opentelemetry/sdk-node") as typeof SdkNode;
export const otlpHttp = (): typeof OtlpHttp =>
  require("@opentelemetry/exporter-trace-otlp-http") as typeof OtlpHttp;
export const otlpTransformer = (): typeof OtlpTransformer =>
  require("@opentelemetry/otlp-transformer") as typeof OtlpTransformer;
export const resources = (): typeof Resources => require("@opentelemetry/resources") as typeof Resources;
export const sdkTraceBase = (): typeof SdkTraceBase =>
  require("@opentelemetry/sdk-trace-base") as typeof SdkTraceBase;
