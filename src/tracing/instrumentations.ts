import { diag } from "@opentelemetry/api";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { warnOnce } from "../warn-once.js";
import type { StartTracingOptions } from "./tracing-config.js";

/**
 * Disables each instrumentation (unpatching its module) and marks its config `enabled: false`, the
 * state of one constructed that way: a later `startTracing` (the NodeSDK's registration,
 * `registerInstrumentations`, enables only those) enables it again. One that throws is reported
 * through `diag`, `when` naming the occasion, and skipped.
 */
export function disableInstrumentations(
  instrumentations: StartTracingOptions["instrumentations"],
  when: string,
): void {
  for (const instrumentation of instrumentations?.flat() ?? []) {
    try {
      instrumentation.disable();
      instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: false });
    } catch (error) {
      diag.warn(`tracehop: ${when}: could not disable ${instrumentation.instrumentationName}`, error);
    }
  }
}

/**
 * The first instance of each instrumentation (by name) that a start in this process was given,
 * recorded by `shutdown()`, for {@link warnOnNewInstances}. Its require hook, registered first, sees
 * every load of its modules, so it can always patch them again.
 */
const usedBefore = new Map<string, Instrumentation>();

/** Code of the process warning of {@link warnOnNewInstances}. */
const INSTRUMENTATION_NOT_APPLIED_WARNING = "TRACEHOP_INSTRUMENTATION_NOT_APPLIED";

/** At shutdown: records the instrumentations of this start, for {@link warnOnNewInstances}. */
export function rememberInstrumentations(instrumentations: StartTracingOptions["instrumentations"]): void {
  for (const instrumentation of instrumentations?.flat() ?? [])
    if (!usedBefore.has(instrumentation.instrumentationName))
      usedBefore.set(instrumentation.instrumentationName, instrumentation);
}

/**
 * Warns (`warnOnce`: `diag.warn` and the process warning `TRACEHOP_INSTRUMENTATION_NOT_APPLIED`) about
 * an instrumentation that is another instance than the first one of its name a start in this process
 * was given.
 * OpenTelemetry patches a module when it is loaded, through one require-in-the-middle hook per process
 * that keeps the module it patched and does not call later hooks for it (OpenTelemetry's rule: create
 * an instrumentation before its module is first required): a module loaded while the earlier instance
 * was enabled (`node:http` for the HTTP instrumentation, once a server was created) is never patched
 * by the new instance, and its calls are not traced, without an error. The first instance patches
 * it again when given to `startTracing` (its `enable()` re-applies its patch to the module it saw).
 * Whether the module was loaded is not public API, so this warns on every new instance.
 */
export function warnOnNewInstances(instrumentations: StartTracingOptions["instrumentations"]): void {
  for (const instrumentation of instrumentations?.flat() ?? []) {
    const before = usedBefore.get(instrumentation.instrumentationName);
    if (before === undefined || before === instrumentation) continue;
    const name = instrumentation.instrumentationName;
    const message =
      `tracehop: startTracing was given a new ${name} instance, but an earlier startTracing in this ` +
      `process was given another one: OpenTelemetry patches a module once, when it is first loaded, so ` +
      `a module the earlier instance patched is not patched by the new one and its calls are not traced. ` +
      `Give each startTracing the instance the first startTracing was given (shutdown() disabled it; ` +
      `startTracing enables it and it patches its modules again), or start each SDK in its own process`;
    warnOnce(message, message, INSTRUMENTATION_NOT_APPLIED_WARNING);
  }
}
