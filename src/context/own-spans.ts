import type { Span } from "@opentelemetry/api";
import { TRACER_NAME } from "./carrier-context.js";

/**
 * The spans tracehop's helpers started (`withCarrier`, `traced`, `withBatch`, `withBatchItem`, the
 * messaging helpers), and the instrumentation spans `withProcessSpan` already took over, told apart by
 * identity: the span object the tracer returned is the one `trace.getActiveSpan()` gives back inside
 * the helper's `fn`, whatever the SDK. Weak, so an ended span is collected as usual.
 */
const ownSpans = new WeakSet<object>();
// A WeakSet entry per short-lived span cost 0.5-1.3 µs in a GC-heavy loop (an ephemeron table slows
// every scavenge: helper h3's pass), and a symbol-keyed property on the span object would change the SDK
// span's hidden class for every other reader of it. A span whose instrumentation scope already says
// `tracehop` (every SDK span tracehop's tracer starts) is told by that scope ({@link isOwnSpan}), so only
// the other spans (an instrumentation's span taken over, a span of an SDK that shows no scope) are
// recorded here (optimisation log, helper h9).

/**
 * Records `span` as one of tracehop's own and returns it: a span tracehop started, or an
 * instrumentation's span `withProcessSpan` took over, which a later `withProcessSpan` in it (a retry
 * the failed attempt runs, a second attempt in the same handler) must not take over again. Marked
 * before it is recorded as a dropped restore ({@link markDroppedRestore}): a span object that is one
 * already (a tracer that hands out one object for every span its sampler drops) is shared from then on.
 */
export function markOwnSpan<S extends Span>(span: S): S {
  // A span is an object in every SDK; a broken tracer's primitive is simply not recorded.
  if (span !== null && typeof span === "object") {
    // The object of a dropped restore handed out again (a tracer that shares one dropped span object): its
    // end is no longer any one restore's (markDroppedRestore). Looked up first: a fresh object has no
    // identity hash yet, so the look-up misses at once.
    if (droppedRestores.has(span)) droppedRestores.set(span, null);
    // Told apart by its scope already (isOwnSpan): no entry for it.
    if (!startedByTracehopTracer(span)) ownSpans.add(span);
  }
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
  return ownSpans.has(span) || startedByTracehopTracer(span);
}

/**
 * True when `span` shows an instrumentation scope named `tracehop` (sdk-trace-base's
 * `instrumentationScope`, 1.x `instrumentationLibrary`: the scope of the tracer that started it, fixed
 * at its start). Never throws (a getter that throws: false).
 */
function startedByTracehopTracer(span: object): boolean {
  try {
    const shape = span as ScopedSpanShape;
    const scope = shape.instrumentationScope ?? shape.instrumentationLibrary;
    return scope?.name === TRACER_NAME;
  } catch {
    // A span whose getters throw: not known to be tracehop's.
    return false;
  }
}

/**
 * One restore whose span the sampler dropped, open until its work is over: a record of that restore, not
 * of its span object (a tracer may hand one object out for every span its sampler drops). It ends at the
 * helper's end of the span (`runInSpan`, when the work is over: {@link endDroppedRestore}), or earlier at
 * the function's own `span.end()` when the span object is this restore's alone (a step the function ends
 * early is over, as a sampled span that ended is): docs/restore.md "Nested restores".
 */
export interface DroppedRestore {
  ended: boolean;
}

/**
 * Each span object the sampler dropped for a restore, mapped to that restore ({@link DroppedRestore})
 * while the object is known to be that restore's alone, or to `null` once the tracer handed the same
 * object out again (a second restore, any span tracehop started: {@link markOwnSpan}): then no call of
 * its `end` is taken for any one restore's, and each restore on it ends at its helper's end alone. Weak:
 * a span never ended (a promise that never settles, a generator dropped unfinished) costs nothing past
 * itself, and the end of any other span costs nothing.
 */
const droppedRestores = new WeakMap<object, DroppedRestore | null>();

/**
 * A record of a restore whose span the sampler dropped (`span`, the tracer's own object, what the
 * function gets and finds active): open until {@link endDroppedRestore} or, while `span` is this
 * restore's alone, its first `end()`. A dropped span does not say whether it has ended
 * (`isRecording()` is false from its start), so the first restore of an object wraps that object's own
 * `end` (an own property, by plain assignment: `Object.defineProperty`, to keep it non-enumerable, made a
 * dropped restore about 10% slower; it calls the original with the same `this` and arguments), so that
 * the function still gets the tracer's own span whatever its class or methods. An object seen before (a
 * tracer that hands out one object for every dropped span) is shared from then on: its `end` is not
 * taken for any restore's. `undefined` for a span that cannot be recorded (a primitive of a broken
 * tracer, an object without an `end` method, a frozen object), which is then not nested into, as before
 * this record existed. Never throws.
 */
export function markDroppedRestore(span: Span): DroppedRestore | undefined {
  try {
    if (span === null || typeof span !== "object") return undefined;
    const known = droppedRestores.get(span);
    if (known === undefined) {
      const end = span.end;
      if (typeof end !== "function") return undefined;
      span.end = function end_(this: Span, ...args: Parameters<Span["end"]>): void {
        const restore = droppedRestores.get(span);
        if (restore) restore.ended = true;
        return end.apply(this, args);
      };
      const restore: DroppedRestore = { ended: false };
      droppedRestores.set(span, restore);
      return restore;
    }
    if (known !== null) droppedRestores.set(span, null);
    return { ended: false };
  } catch {
    return undefined;
  }
}

/** Ends `restore` ({@link markDroppedRestore}): its helper ended its span, the work is over. */
export function endDroppedRestore(restore: DroppedRestore): void {
  restore.ended = true;
}

/** True while `restore` (a restore whose span the sampler dropped: {@link markDroppedRestore}) has not ended. */
export function isUnsampledOpen(restore: DroppedRestore | undefined): boolean {
  return restore !== undefined && !restore.ended;
}

/**
 * True when `span` is a restore span the sampler dropped ({@link markDroppedRestore}), that restore's
 * alone, and it has ended. False for a span object shared by several restores (which of them ended is
 * not the object's to tell), as for any other non-recording span.
 */
export function isDroppedRestoreEnded(span: Span): boolean {
  return droppedRestores.get(span)?.ended === true;
}
