import { quoteWritten } from "../describe-value.js";
import { getStringFromEnv } from "@opentelemetry/core";
import type { Sampler } from "@opentelemetry/sdk-trace-base";
import { warnSetting } from "../warn-once.js";
import { sdkTraceBase } from "./sdk-modules.js";

/** Code of the process warning for an OTEL_TRACES_SAMPLER value the NodeSDK does not know. */
const UNKNOWN_SAMPLER_WARNING = "TRACEHOP_UNKNOWN_SAMPLER";

/** Code of the process warning for an OTEL_TRACES_SAMPLER_ARG that is not a ratio from 0 to 1. */
const BAD_SAMPLER_ARG_WARNING = "TRACEHOP_BAD_SAMPLER_ARG";

/**
 * The sampler `startTracing` uses before it wraps it: `sampler` (the option) when given, else the one
 * OTEL_TRACES_SAMPLER (+ OTEL_TRACES_SAMPLER_ARG) names, else ParentBased(AlwaysOn) — the NodeSDK's
 * choices in its order. The name is read case-insensitively (`ALWAYS_OFF` is always_off: an enum
 * value, OpenTelemetry environment variable specification, "Enum"), which the NodeSDK's own
 * `createSamplerFromEnv` does not do; startTracing always hands the NodeSDK this sampler, so the
 * NodeSDK never reads the variable itself. Called after the OTEL_SDK_DISABLED check: it loads the SDK.
 */
export function resolveSampler(sampler: Sampler | undefined): Sampler {
  if (sampler !== undefined) return sampler;
  const name = getStringFromEnv("OTEL_TRACES_SAMPLER");
  if (name === undefined) return defaultSampler();
  const lowerName = name.toLowerCase();
  const known = [...ENV_SAMPLERS.keys()];
  const fromEnv = ENV_SAMPLERS.get(lowerName)?.(sdkTraceBase());
  if (fromEnv === undefined)
    warnSetting(
      `tracehop: unknown OTEL_TRACES_SAMPLER value ${quoteWritten(name)} (known: ${known.join(", ")}); ` +
        `using the default, parentbased_always_on: every trace started here is sampled`,
      UNKNOWN_SAMPLER_WARNING,
    );
  else if (lowerName.endsWith("traceidratio")) checkSamplerArg();
  return fromEnv ?? defaultSampler();
}

/** OTEL_TRACES_SAMPLER_ARG as a ratio sampler's ratio: a number from 0 to 1, else 1 (the default). */
function samplerRatio(): number {
  return ratioOf(getStringFromEnv("OTEL_TRACES_SAMPLER_ARG")) ?? 1;
}

/** `raw` as a sampling ratio, a number from 0 to 1; `undefined` when unset or anything else. */
function ratioOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ratio = Number(raw);
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : undefined;
}

/**
 * The OTEL_TRACES_SAMPLER values (lower case) the NodeSDK's `createSamplerFromEnv` knows, in its order,
 * each with the sampler it builds from @opentelemetry/sdk-trace-base (@opentelemetry/sdk-node,
 * create-from-env.ts: a ratio sampler's OTEL_TRACES_SAMPLER_ARG unset, blank, not a number or outside
 * [0, 1] is ratio 1). test/tracing/tracing-config.test.ts compares each with the NodeSDK's.
 */
const ENV_SAMPLERS = new Map<string, (sdk: ReturnType<typeof sdkTraceBase>) => Sampler>([
  ["always_on", (sdk) => new sdk.AlwaysOnSampler()],
  ["always_off", (sdk) => new sdk.AlwaysOffSampler()],
  ["traceidratio", (sdk) => new sdk.TraceIdRatioBasedSampler(samplerRatio())],
  ["parentbased_always_on", (sdk) => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() })],
  ["parentbased_always_off", (sdk) => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() })],
  [
    "parentbased_traceidratio",
    (sdk) => new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(samplerRatio()) }),
  ],
]);

/**
 * OTEL_TRACES_SAMPLER_ARG of a ratio sampler, set but not a number in [0, 1]: the NodeSDK samples
 * every trace then (ratio 1) and says so only through `diag.error`. Unset or blank, the ratio is 1 by
 * the specification: nothing to say.
 */
function checkSamplerArg(): void {
  const raw = getStringFromEnv("OTEL_TRACES_SAMPLER_ARG");
  if (raw === undefined || ratioOf(raw) !== undefined) return;
  warnSetting(
    `tracehop: OTEL_TRACES_SAMPLER_ARG=${quoteWritten(raw)} is not a sampling ratio from 0 to 1; the sampler uses ` +
      `ratio 1 instead: every trace started here is sampled`,
    BAD_SAMPLER_ARG_WARNING,
  );
}

/** ParentBased(AlwaysOn): the SDK's default sampler when OTEL_TRACES_SAMPLER is unset or unknown. */
function defaultSampler(): Sampler {
  const { AlwaysOnSampler, ParentBasedSampler } = sdkTraceBase();
  return new ParentBasedSampler({ root: new AlwaysOnSampler() });
}
