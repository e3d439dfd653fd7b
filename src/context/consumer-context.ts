import { isSpanContextValid, trace, type Context, type Span, type SpanContext } from "@opentelemetry/api";
import { isDroppedRestoreEnded } from "./own-spans.js";
import { droppedRestoreEndedIn } from "./with-carrier.js";
import { withoutSendSuppression } from "./send-suppression.js";

/**
 * Internal: true when `span` is an SDK span that has ended (sdk-trace-base `Span` implements
 * `ReadableSpan.ended`), or a restore span the sampler dropped that has ended (`isDroppedRestoreEnded`,
 * as a sampled one that ended); false for one still open, another non-recording span (sampled out,
 * remote: such a span has no end to tell) and a span of another kind of tracer (unknown). Never throws.
 */
export function hasEnded(span: Span): boolean {
  try {
    return (span as unknown as { ended?: unknown }).ended === true || isDroppedRestoreEnded(span);
  } catch {
    return false;
  }
}

/**
 * Internal: the context a consumer's span starts under when its message gives it no parent
 * (`withProcessSpan` for a message without a context, `withBatch` of kind CONSUMER, hence
 * `withBatchProcessSpan`): `ctx` without its span when that span has ended, and without the suppression
 * of a `withSendSpan` (`withoutSendSuppression`). A client library may call its handler in the context
 * its connection was opened in: amqplib runs a consume callback in the context of `amqp.connect()`, so a
 * start-up span long over, or the first send's span with its suppression (a connection opened lazily
 * inside `withSendSpan`), would otherwise be the parent of every message, or make its span not record.
 * A span still open (a poll loop's, a batch's) stays the parent. Never throws.
 */
export function consumerContext(ctx: Context): Context {
  return withoutSendSuppression(withoutEndedSpan(ctx));
}

/**
 * Internal: `ctx` without its span when that span has ended (`hasEnded`, or, for a span object the
 * sampler dropped that several restores share, the restore `ctx` belongs to has ended:
 * `droppedRestoreEndedIn`), else `ctx` itself: a span that has ended is no parent for a message without
 * a context (`withBatchItem`, {@link consumerContext}), which then starts a new trace, keeping the rest of
 * `ctx` (its baggage). Never throws.
 */
export function withoutEndedSpan(ctx: Context): Context {
  const span = trace.getSpan(ctx);
  return span !== undefined && (hasEnded(span) || droppedRestoreEndedIn(ctx, span))
    ? trace.deleteSpan(ctx)
    : ctx;
}

/**
 * Internal: the span context a span started for one message or row inside other work links to (a link
 * without attributes, as the messaging conventions ask of the ambient span when the message's creation
 * context becomes the parent): that of the span active in `ctx` — `withBatchItem`'s batch span, the
 * batch or poll loop span around a relay's `withSendSpan` — when it is valid and has not ended;
 * `undefined` else. An ended span is not the work the message is part of (amqplib runs a consume
 * callback in the context its connection was opened in: {@link consumerContext}), as `withProcessSpan`
 * and `withBatch` of kind CONSUMER take it. `startRestoredSpan` leaves the link out when it is the stored
 * context itself (the span's parent already). Never throws.
 */
export function ambientLinkOf(ctx: Context): SpanContext | undefined {
  try {
    const span = trace.getSpan(ctx);
    if (span === undefined || hasEnded(span)) return undefined;
    const spanContext = span.spanContext();
    return isSpanContextValid(spanContext) ? spanContext : undefined;
  } catch {
    return undefined; // a span whose spanContext throws: nothing to link
  }
}
