import type { Context } from "@opentelemetry/api";

/**
 * Internal: whether `value` can be read as an OpenTelemetry `Context` (it has a `getValue` method), for
 * the public readers that take one from untyped callers (`getDatadogContext`, the extraction readers,
 * `logCorrelationFields`) and the setter that refuses anything else (`setDatadogContext`). `undefined`,
 * `null`, a number, an object without `getValue`, and a Proxy or getter that throws when `getValue` is
 * looked up all give false. Never throws.
 */
export function isContext(value: unknown): value is Context {
  try {
    return typeof (value as Partial<Context> | null | undefined)?.getValue === "function";
  } catch {
    return false;
  }
}
