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
 *
 * Named `requireSdk`, not `require`: a module-level `require` shadows CommonJS's own where a tool compiles
 * this module to CommonJS file by file, as babel-jest does for Jest on Node before 24.9. Babel renames it
 * `_require`, and babel-plugin-transform-import-meta's `require("url")` for `import.meta.url` in the same
 * statement then reads it before it is set: `ReferenceError: Cannot access '_require' before
 * initialization` when tracehop loads (README.md, "Using the library"; test/package/babel-commonjs.test.ts).
 */
const requireSdk = createRequire((import.meta as { url?: string }).url ?? __filename);

/**
 * One SDK package from `load` (a `require` of its name written out, which webpack follows), a
 * `MODULE_NOT_FOUND` said with what to fix: the package is missing beside an esbuild bundle that left it
 * out, or from an install. Other errors are rethrown as they are.
 */
function loadSdkPackage<T>(name: string, load: () => unknown): T {
  try {
    return load() as T;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== "MODULE_NOT_FOUND") throw error;
    const reason = String((error as { message?: unknown }).message).split("\n")[0];
    throw new Error(
      `tracehop: cannot load ${name}, which tracehop loads from node_modules when it starts tracing (${reason}). ` +
        `A bundle made by esbuild or rollup does not contain it: ship node_modules beside the bundle, or keep ` +
        `tracehop and @opentelemetry/* external (esbuild: --external:tracehop --external:@opentelemetry/*) and install them beside it ` +
        `(docs/export.md, "Bundling"); outside a bundle, install tracehop's dependencies again (npm install).`,
      { cause: error },
    );
  }
}

export const sdkNode = (): typeof SdkNode =>
  loadSdkPackage("@opentelemetry/sdk-node", () => requireSdk("@opentelemetry/sdk-node"));
export const otlpHttp = (): typeof OtlpHttp =>
  loadSdkPackage("@opentelemetry/exporter-trace-otlp-http", () =>
    requireSdk("@opentelemetry/exporter-trace-otlp-http"),
  );
export const otlpTransformer = (): typeof OtlpTransformer =>
  loadSdkPackage("@opentelemetry/otlp-transformer", () => requireSdk("@opentelemetry/otlp-transformer"));
export const resources = (): typeof Resources =>
  loadSdkPackage("@opentelemetry/resources", () => requireSdk("@opentelemetry/resources"));
export const sdkTraceBase = (): typeof SdkTraceBase =>
  loadSdkPackage("@opentelemetry/sdk-trace-base", () => requireSdk("@opentelemetry/sdk-trace-base"));
