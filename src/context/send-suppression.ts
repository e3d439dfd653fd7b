import { createContextKey, type Context } from "@opentelemetry/api";
import { isTracingSuppressed, suppressTracing, unsuppressTracing } from "@opentelemetry/core";

/**
 * The context key `withSendSpan` sets (to `true`) together with the suppression it puts on its
 * callback. It tells that suppression (there only so that an OpenTelemetry kafkajs or
 * amqplib instrumentation starts no second send span and injects no second context) from one the
 * user set with `suppressTracing`: the flag of @opentelemetry/core is the same `true` for both.
 */
const SEND_SUPPRESSION_KEY = createContextKey("tracehop send span suppression");

/**
 * Internal: `ctx` with tracing suppressed for the callback of `withSendSpan`, marked as the
 * suppression of a send span. A context already suppressed is returned as it is: a
 * suppression of the user's stays the user's (unmarked, so tracehop's captures respect it), and one
 * of an outer `withSendSpan` keeps its mark.
 */
export function suppressForSend(ctx: Context): Context {
  return isTracingSuppressed(ctx) ? ctx : suppressTracing(ctx).setValue(SEND_SUPPRESSION_KEY, true);
}

/**
 * Internal: the context tracehop's own captures inject from (`captureCarrier`, the Prisma
 * extension's carrier, the header helpers, a nested `withSendSpan`): `ctx` without the suppression
 * `withSendSpan` set ({@link suppressForSend}), so that a message sent or a row written inside the
 * send span carries its context; `ctx` itself otherwise, a suppression of the user's included (the
 * propagators then write nothing, @opentelemetry/core's `isTracingSuppressed`). Outside a send span
 * this is one context read.
 */
export function withoutSendSuppression(ctx: Context): Context {
  return ctx.getValue(SEND_SUPPRESSION_KEY) !== undefined && isTracingSuppressed(ctx)
    ? unsuppressTracing(ctx)
    : ctx;
}
