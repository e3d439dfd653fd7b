import { TraceFlags, type Span } from "@opentelemetry/api";
import type { SpanHelper } from "./run-in-span.js";

/**
 * The sampled spans tracehop's helpers started through `runInSpan` (withCarrier, traced, withSendSpan,
 * withProcessSpan, the batch helpers), and the instrumentation spans `withProcessSpan` took over, that
 * have not ended, counted by helper and by the span's name as it was counted ({@link openSpanCounts}),
 * while a `startTracing` runs (from its start, {@link restartOpenSpanCounts}, to its shutdown,
 * {@link stopOpenSpanCounts}): one counter per helper and name, made when the first such span is
 * counted. An instrumentation's span is counted only when startTracing's tracer provider started it
 * (it holds that provider's resource: {@link countAdoptedOpen}): the end of a span of another provider (an instrumentation given its own
 * `tracerProvider`) never reaches startTracing's span processor, and startTracing's shutdown does not
 * stop its export. A span is uncounted when it ends, whoever ends it (the helper when its function settles,
 * your own `span.end()` inside that function, an instrumentation at the message's ack): startTracing's
 * span processor reports each end ({@link spanEnded}). `counters` holds the counter that counted a span
 * (its one entry), so that its end is uncounted once, there: a span of an earlier start ending now
 * leaves the present counts as they are. A WeakMap: a span that never ends (a promise that never
 * settles, a generator dropped unfinished) is not kept alive by it, and stays counted until the next
 * start, as it is never exported. Without a running `startTracing` (your own SDK) nothing is counted.
 */
let openCounts = new Map<SpanHelper, Map<string, OpenCount>>();
const counters = new WeakMap<object, OpenCount>();
/** True from a `startTracing` to its `shutdown()`. */
let counting = false;
/**
 * The resource of this start's tracer provider, as its span processor saw it on the first span it started
 * ({@link providerStarted}): every span of that provider holds this one object (the SDK gives each of
 * its tracers the provider's), a span of another provider its own. `undefined` until then.
 */
let resourceHere: object | undefined;

/** How many spans of one helper and name are open ({@link openCounts}). */
interface OpenCount {
  count: number;
}

/**
 * Counts `span` open for `caller` while a `startTracing` runs, when it records and is sampled (a span
 * that does not is never exported: the SDK's export processors take only sampled spans). Each span is
 * counted once: runInSpan's are new, and an instrumentation's span is taken over once. Never throws.
 */
export function countOpen(span: Span, caller: SpanHelper): void {
  if (!counting) return;
  let name: unknown;
  try {
    if (!span.isRecording() || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    name = (span as unknown as { name?: unknown }).name; // the SDK's Span; the API's has no getter
  } catch {
    return; // a span of a faulty tracer: not counted, never failing the work
  }
  const named = typeof name === "string" ? name : "";
  let byName = openCounts.get(caller);
  if (byName === undefined) openCounts.set(caller, (byName = new Map()));
  let open = byName.get(named);
  if (open === undefined) byName.set(named, (open = { count: 0 }));
  open.count++;
  counters.set(span, open);
}

/**
 * Counts `span`, an instrumentation's span that `withProcessSpan` took over, open as `withProcessSpan`'s
 * ({@link countOpen}), when startTracing's tracer provider started it (so that its end reaches
 * startTracing's span processor, {@link spanEnded}); a span of another tracer provider (an
 * instrumentation given its own `tracerProvider`), whose end startTracing never sees and whose export its
 * shutdown does not stop, is not counted. Never throws.
 */
export function countAdoptedOpen(span: Span): void {
  if (!counting || resourceHere === undefined) return; // no span of startTracing's provider started yet
  let resource: unknown;
  try {
    resource = (span as unknown as { resource?: unknown }).resource; // the SDK's span (ReadableSpan)
  } catch {
    return; // a span of a faulty tracer: not counted, never failing the work
  }
  if (resource === resourceHere) countOpen(span, "withProcessSpan");
}

/**
 * Internal: startTracing's tracer provider started its first span, whose resource is `resource` (its
 * span processor's `onStart`): a span that `withProcessSpan` takes over is counted when it holds the
 * same resource object ({@link countAdoptedOpen}).
 */
export function providerStarted(resource: object): void {
  resourceHere = resource;
}

/**
 * Internal: `span` ended (startTracing's span processor, at each span's end, tracehop's or not): one
 * counted by {@link countOpen} is uncounted where it was counted. One WeakMap look-up for a span that
 * was not counted. Never throws.
 */
export function spanEnded(span: object): void {
  const open = counters.get(span);
  if (open === undefined) return;
  counters.delete(span);
  open.count--;
}

/**
 * Internal: the spans counted by {@link countOpen} since the last {@link restartOpenSpanCounts} that
 * have not ended, as `[helper, [[span name, count], ...]]`, names in the order they were first counted
 * (a span renamed while it runs: by its name when counted; one the tracer gives no name: `""`). Helpers
 * and names with none open are left out. Read by `startTracing`'s `shutdown()`
 * (src/tracing/open-spans.ts).
 */
export function openSpanCounts(): [SpanHelper, [string, number][]][] {
  const open: [SpanHelper, [string, number][]][] = [];
  for (const [helper, byName] of openCounts) {
    const names: [string, number][] = [];
    for (const [name, { count }] of byName) if (count > 0) names.push([name, count]);
    if (names.length > 0) open.push([helper, names]);
  }
  return open;
}

/**
 * Internal: counts open spans afresh, called by each `startTracing`. A span left open under an earlier
 * start (a promise that never settled, a generator dropped unfinished) was said at that start's
 * `shutdown()` and belongs to its stopped tracer provider: the shutdown of a later start loses nothing
 * of it, and does not say it again. When it ends, it is uncounted where it was counted.
 */
export function restartOpenSpanCounts(): void {
  openCounts = new Map();
  resourceHere = undefined;
  counting = true;
}

/** Internal: `startTracing`'s `shutdown()` is over: spans started from now on are not counted. */
export function stopOpenSpanCounts(): void {
  counting = false;
}
