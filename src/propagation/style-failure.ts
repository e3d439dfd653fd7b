import { diag } from "@opentelemetry/api";

/**
 * Internal: says with `diag.warn` that the inject of propagation style `style` (`"datadog"`,
 * `"tracecontext"`, `"baggage"`, `"b3"`, `"b3multi"`) threw and was stopped there: `tracehop: <style>
 * inject failed`, with the error. What the style wrote before the throw stays; the caller's call goes
 * on. Said the same whether the style class was called alone or through `createPropagator`'s composite,
 * so that one log filter finds both. Said at each call, not once per process (`warnOnce`): the carrier
 * and setter that refuse a write (a frozen object, a string, a setter that throws) are the caller's.
 */
export function warnInjectFailed(style: string, error: unknown): void {
  diag.warn(`tracehop: ${style} inject failed`, error);
}

/**
 * Internal: says with `diag.warn` that the extract of propagation style `style` threw and was stopped:
 * `tracehop: <style> extract failed`, with the error; the extract then yields no context (the context it
 * was given). Said the same alone or through `createPropagator`'s composite (see {@link warnInjectFailed}).
 */
export function warnExtractFailed(style: string, error: unknown): void {
  diag.warn(`tracehop: ${style} extract failed`, error);
}
