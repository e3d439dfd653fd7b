import type { Span } from "@opentelemetry/api";
import { TRACER_NAME } from "./carrier-context.js";

/**
 * The spans tracehop's helpers started (`withCarrier`, `traced`, `withBatch`, `withBatchItem`, the
 * messaging helpers), and the instrumentation spans `withProcessSpan` already took over, told apart by
 * identity: the span object the tracer returned is the one `trace.getActiveSpan()` gives back inside
 * the helper's `fn`, whatever the SDK. Weak, so an ended span is collected as usual.
 */
const ownSpans = new WeakSet<object>();

/**
 * Records `span` as one of tracehop's own and returns it: a span tracehop started, or an
 * instrumentation's span `withProcessSpan` took over, which a later `withProcessSpan` in it (a retry
 * the failed attempt runs, a second attempt in the same handler) must not take over again.
 */
export function markOwnSpan<S extends Span>(span: S): S {
  // A span is an object in every SDK; a broken tracer's primitive is simply not recorded.
  if (span !== null && typeof span === "object") ownSpans.add(span);
  return span;
}

/**
 * What an SDK span exposes of the tracer that started it (sdk-trace-base 2.x `instrumentationScope`,
 * 1.x `instrumentationLibrary`). Read by duck typing: a span of another SDK simply has neither.
 */
interface ScopedSpanShape {
  instrumentationScope?: { name?: unknown };
  instrumentationLibrary?: { name?: unknown };
}

/**
 * True when tracehop started `span`: recorded by {@link markOwnSpan} in this copy of tracehop, or,
 * where the SDK shows it, started by a tracer named `tracehop` (another copy of the package in the
 * same process, whose own record this copy cannot see). Never throws.
 */
export function isOwnSpan(span: Span): boolean {
  if (ownSpans.has(span)) return true;
  try {
    const shape = span as unknown as ScopedSpanShape;
    const scope = shape.instrumentationScope ?? shape.instrumentationLibrary;
    return scope?.name === TRACER_NAME;
  } catch {
    // A span whose getters throw: not known to be tracehop's.
    return false;
  }
}

/**
 * Restore spans the sampler dropped that have not ended: a non-recording span cannot tell whether it has
 * ended, and a restore nested in an open one keeps its sampling decision (docs/restore.md "Nested
 * restores"). Weak, so a span never ended (a leak) is collected as usual.
 */
const unsampledOpen = new WeakSet<object>();
/** How many spans {@link markUnsampledOpen} added that {@link markEnded} has not removed. */
let unsampledOpenCount = 0;

/** Records `span`, a restore span the sampler dropped, as open until {@link markEnded}. */
export function markUnsampledOpen(span: Span): void {
  if (span === null || typeof span !== "object" || unsampledOpen.has(span)) return;
  unsampledOpen.add(span);
  unsampledOpenCount++;
}

/** True while `span`, recorded by {@link markUnsampledOpen}, has not ended. */
export function isUnsampledOpen(span: Span): boolean {
  return unsampledOpen.has(span);
}

/** Says that `span` has ended (one comparison while no dropped restore span is open). */
export function markEnded(span: Span): void {
  if (unsampledOpenCount !== 0 && unsampledOpen.delete(span)) unsampledOpenCount--;
}
