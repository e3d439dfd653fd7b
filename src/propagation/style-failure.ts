import { diag, ROOT_CONTEXT, type Context } from "@opentelemetry/api";
import { describeValue } from "../describe-value.js";
import { warnOnce } from "../warn-once.js";

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

/** Code of the process warning for an extract or inject given a context that is not a Context. */
const NOT_A_CONTEXT_WARNING = "TRACEHOP_NOT_A_CONTEXT";

/**
 * Internal: the answer of a propagator's `extract` or `inject` (`direction`) given a `context` that is not an
 * OpenTelemetry Context (`isContext`: no `getValue` method; `undefined`, `null`, `{}`, a number), a bug in the
 * calling code: nothing is read from or written to the carrier (propagation never throws on bad input, as
 * OpenTelemetry's TextMapPropagator contract asks; there is no base context to put an extraction in, nor a
 * span to write), and the bug is said once per process, style and direction through `diag.warn` and the
 * process warning `TRACEHOP_NOT_A_CONTEXT` (warn-once.ts `warnOnce`), naming the value given:
 * `tracehop: datadog extract was given a context that is not a Context from @opentelemetry/api (got
 * undefined): nothing was extracted and ROOT_CONTEXT returned; pass context.active(), ROOT_CONTEXT or a
 * context from trace.setSpan(...)`. `style` names the style class as {@link warnExtractFailed} does
 * (`"datadog"`, `"tracecontext"`, `"baggage"`, `"b3"`, `"b3multi"`), or `"createPropagator"` for its
 * composite. Returns what `extract` returns then: ROOT_CONTEXT, the Context with nothing in it, so that
 * the caller's next step (a span started in it, `context.with`) does not throw further from the bug. The
 * carrier helpers that take a context option (`contextFromCarrier`, `captureCarrier`) throw a TypeError
 * for the same value instead: their options are checked where the call is written.
 */
export function notAContext(style: string, direction: "extract" | "inject", context: unknown): Context {
  const message =
    `tracehop: ${style} ${direction} was given a context that is not a Context from @opentelemetry/api ` +
    `(got ${describeValue(context)}): ` +
    (direction === "extract"
      ? "nothing was extracted and ROOT_CONTEXT returned"
      : "nothing was written to the carrier") +
    "; pass context.active(), ROOT_CONTEXT or a context from trace.setSpan(...)";
  warnOnce(`not a context:${style}:${direction}`, message, NOT_A_CONTEXT_WARNING);
  return ROOT_CONTEXT;
}
