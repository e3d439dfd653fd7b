import { trace, type Context, type Span } from "@opentelemetry/api";
import { withoutSendSuppression } from "./send-suppression.js";

/**
 * Internal: true when `span` is an SDK span that has ended (sdk-trace-base `Span` implements
 * `ReadableSpan.ended`); false for one still open, a non-recording span (sampled out, remote: such a
 * span has no end to tell) and a span of another kind of tracer (unknown). Never throws.
 */
export function hasEnded(span: Span): boolean {
  try {
    return (span as unknown as { ended?: unknown }).ended === true;
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
  const span = trace.getSpan(ctx);
  return withoutSendSuppression(span !== undefined && hasEnded(span) ? trace.deleteSpan(ctx) : ctx);
}
