import type {
  Exception,
  Link,
  Span,
  SpanAttributes,
  SpanAttributeValue,
  SpanContext,
  SpanStatus,
  TimeInput,
} from "@opentelemetry/api";
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
 * A restore span the sampler dropped, as tracehop hands it to the restore's function and makes it active
 * there: the dropped span itself (`inner`, what the tracer returned), with every call passed on to it, that
 * also knows whether it has ended. A dropped span does not say so (`isRecording()` is false from its start),
 * and a restore nested in one that has not ended keeps its sampling decision (docs/restore.md "Nested
 * restores"). It has ended at its first `end()`: the helper's when the work is over, or the function's own
 * (a step the function ends early is over, as a sampled span that ended is). Its state is its own: nothing
 * is recorded for the process, so a span never ended (a promise that never settles, a generator dropped
 * unfinished) costs nothing past itself, and the end of any other span costs nothing.
 */
export class DroppedRestoreSpan implements Span {
  /**
   * True from the first {@link end}: the field an SDK span has (`hasEnded` reads it, so that a dropped
   * restore that ended is no parent of a message without a context, as a sampled one that ended is not).
   */
  ended = false;

  constructor(readonly inner: Span) {}

  spanContext(): SpanContext {
    return this.inner.spanContext();
  }
  setAttribute(key: string, value: SpanAttributeValue): this {
    this.inner.setAttribute(key, value);
    return this;
  }
  setAttributes(attributes: SpanAttributes): this {
    this.inner.setAttributes(attributes);
    return this;
  }
  addEvent(name: string, attributesOrStartTime?: SpanAttributes | TimeInput, startTime?: TimeInput): this {
    this.inner.addEvent(name, attributesOrStartTime, startTime);
    return this;
  }
  addLink(link: Link): this {
    this.inner.addLink(link);
    return this;
  }
  addLinks(links: Link[]): this {
    this.inner.addLinks(links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.inner.setStatus(status);
    return this;
  }
  updateName(name: string): this {
    this.inner.updateName(name);
    return this;
  }
  end(endTime?: TimeInput): void {
    this.ended = true;
    this.inner.end(endTime);
  }
  isRecording(): boolean {
    return this.inner.isRecording();
  }
  recordException(exception: Exception, time?: TimeInput): void {
    this.inner.recordException(exception, time);
  }
}

/** True while `span` is a {@link DroppedRestoreSpan} that has not ended. */
export function isUnsampledOpen(span: Span): boolean {
  return span instanceof DroppedRestoreSpan && !span.ended;
}
