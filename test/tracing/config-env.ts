// startTracing's configuration under a given environment, for the tests of its options and variables.
import assert from "node:assert/strict";
import { resolveSampler } from "../../src/tracing/sampler-config.js";
import { resources } from "../../src/tracing/sdk-modules.js";
import { resolveTracingConfig, type StartTracingOptions } from "../../src/tracing/tracing-config.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

/**
 * Runs `fn` with exactly `vars` as the OTEL_* / TRACEHOP_* environment (and DD_SERVICE, DD_ENV,
 * DD_VERSION), then restores it.
 */
export function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env))
    if (/^(OTEL_|TRACEHOP_|DD_(SERVICE|ENV|VERSION)$)/.test(key)) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
  for (const [key, value] of Object.entries(vars)) {
    saved[key] ??= process.env[key];
    process.env[key] = value;
  }
  try {
    return fn();
  } finally {
    for (const key of Object.keys(vars)) delete process.env[key];
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}

/** `resolveTracingConfig(options)` under exactly `vars`. */
export const resolveWith = (options: StartTracingOptions | undefined, vars: Record<string, string> = {}) =>
  withEnv(vars, () => resolveTracingConfig(options));

/**
 * The process warnings (code, message) of resolving the options and the sampler under `vars`; checks
 * that diag was told the same.
 */
export const warningsOf = async (vars: Record<string, string>, options: StartTracingOptions = {}) => {
  // A process warning is emitted on the next tick: let those of an earlier test's resolve go first.
  await new Promise((resolve) => setImmediate(resolve));
  resetWarnings();
  const told = await recordWarnings(() =>
    withEnv(vars, () => {
      const config = resolveTracingConfig({ serviceName: "s", ...options });
      return { config, sampler: String(resolveSampler(config.sampler)) };
    }),
  );
  assert.deepEqual(
    // Not the SDK's own (a non-number OTEL_TRACES_SAMPLER_ARG is also said by @opentelemetry/core).
    told.diagWarnings.filter((message) => message.startsWith("tracehop:")),
    told.processWarnings.map(([, message]) => message),
    "the same text through diag",
  );
  return told;
};

/**
 * The attributes the resource detectors of `resolveTracingConfig(options)` find under exactly `vars`
 * (run under them too: the env detector reads the environment when it detects).
 */
export const detectedWith = (options: StartTracingOptions | undefined, vars: Record<string, string>) =>
  withEnv(vars, () => {
    const { detectors } = resolveTracingConfig(options);
    return resources().detectResources({ detectors }).attributes;
  });
