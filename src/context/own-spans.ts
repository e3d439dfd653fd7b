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
 * The restore spans the sampler dropped, each the tracer's own object (what the restore's function gets
 * and what is active there), mapped to whether it has ended. A dropped span does not say so
 * (`isRecording()` is false from its start), and a restore nested in one that has not ended keeps its
 * sampling decision (docs/restore.md "Nested restores"). It has ended at its first `end()`: the helper's
 * when the work is over, or the function's own (a step the function ends early is over, as a sampled span
 * that ended is). Weak: a span never ended (a promise that never settles, a generator dropped unfinished)
 * costs nothing past itself, and the end of any other span costs nothing.
 */
const droppedRestores = new WeakMap<object, boolean>();

/**
 * Records `span`, a restore span the sampler dropped, as open until its first `end()`: its own `end` is
 * wrapped on that one object (an own property that calls the original with the same `this` and
 * arguments), so that the function gets the tracer's own span, whatever its class or
 * methods. True when recorded; false for a span that cannot be (a frozen object, a primitive of a broken
 * tracer), which is then not nested into, as before this record existed. A span recorded before (a
 * tracer that hands out one object for every dropped span) is open again, its `end` wrapped once.
 * Never throws.
 */
export function markDroppedRestore(span: Span): boolean {
  try {
    if (span === null || typeof span !== "object") return false;
    if (!droppedRestores.has(span)) {
      const end = span.end;
      if (typeof end !== "function") return false;
      // A plain assignment: defineProperty (to keep it non-enumerable) made a dropped restore ~10% slower.
      span.end = function end_(this: Span, ...args: Parameters<Span["end"]>): void {
        droppedRestores.set(span, true);
        return end.apply(this, args);
      };
    }
    droppedRestores.set(span, false);
    return true;
  } catch {
    return false;
  }
}

/** True while `span` is a restore span the sampler dropped ({@link markDroppedRestore}) that has not ended. */
export function isUnsampledOpen(span: Span): boolean {
  return droppedRestores.get(span) === false;
}

/** True when `span` is a restore span the sampler dropped ({@link markDroppedRestore}) that has ended. */
export function isDroppedRestoreEnded(span: Span): boolean {
  return droppedRestores.get(span) === true;
}
