import type { Attributes, Link, Span, SpanContext, SpanKind } from "@opentelemetry/api";
import {
  isRestoredRootLinkContext,
  LINK_REASON_ATTRIBUTE,
  LINK_REASON_TERMINATED_CONTEXT,
} from "../propagation/extraction-result.js";

/**
 * What the OpenTelemetry SDK's span object exposes beyond the API `Span` (sdk-trace-base `Span`
 * implements `ReadableSpan`: `kind`, `parentSpanContext` since SDK 2.0, `parentSpanId` before, `links`).
 * Read by duck typing, so that a span from another SDK or a no-op span simply does not match.
 */
interface ReadableSpanShape {
  kind?: unknown;
  attributes?: unknown;
  parentSpanContext?: SpanContext;
  parentSpanId?: unknown;
  links?: unknown;
}

/**
 * Sets on `span` those of `attributes` it does not have yet (read from the SDK span's `attributes`),
 * never replacing one it has: for a span someone else started and described (an instrumentation's,
 * the caller's own), to which tracehop adds what the conventions ask and the span lacks. A span whose
 * attributes cannot be read (another SDK) gets none, since any of them might replace one of its own.
 * Never throws.
 */
export function addMissingAttributes(span: Span, attributes: Attributes): void {
  try {
    const own = (span as unknown as ReadableSpanShape).attributes;
    if (own === null || typeof own !== "object") return;
    const missing: Attributes = {};
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== undefined && (own as Attributes)[name] === undefined) missing[name] = value;
    }
    span.setAttributes(missing);
  } catch {
    // A span whose getters or setAttributes throw: it keeps what it has.
  }
}

/** True when `span` records and is of `kind` (read from the SDK span; false when unknown). */
export function isRecordingSpanOfKind(span: Span, kind: SpanKind): boolean {
  return span.isRecording() && (span as unknown as ReadableSpanShape).kind === kind;
}

/**
 * How `span` already continues the message whose creation context is `message` — the span an
 * OpenTelemetry consumer instrumentation started for that one message — or `undefined` when it does not:
 * - `"parent"`: its parent is that context (the instrumentation's default); or, for a message whose
 *   context is a restored root (Datadog parent id 0: `message` has span id 0), it is a root span of
 *   that trace (`ExtractionSpanProcessor` gave it the trace id);
 * - `"link"`: it links to that context and to no other message (an instrumentation in link mode, e.g.
 *   contrib amqplib `useLinksForConsume`, or a `restart` extraction's `propagation_behavior_extract`
 *   link). Links with `reason=terminated_context` (other styles of the same message, as dd-trace-js
 *   links them) do not count as other messages.
 *
 * A span that links several messages is a batch span (contrib kafkajs `eachBatch`): it continues none
 * of them, so each message gets its own process span. The caller rules out tracehop's own spans
 * first (`isOwnSpan`): a failed attempt's process span, in which a retry runs, has the message's
 * context as its parent too, and `withBatch`'s span of a batch of one links exactly one message.
 */
export function continuationOf(span: Span, message: SpanContext): "parent" | "link" | undefined {
  const readable = span as unknown as ReadableSpanShape;
  if (span.spanContext().traceId === message.traceId) {
    const parent = readable.parentSpanContext;
    if (parent !== undefined && parent.spanId === message.spanId) return "parent";
    if (readable.parentSpanId === message.spanId) return "parent";
    if (isRestoredRootLinkContext(message) && parent === undefined && !readable.parentSpanId) return "parent";
  }
  const links = readable.links;
  if (!Array.isArray(links)) return undefined;
  let linksMessage = false;
  for (const link of links as Link[]) {
    const ctx = link?.context;
    if (ctx === undefined || link.attributes?.[LINK_REASON_ATTRIBUTE] === LINK_REASON_TERMINATED_CONTEXT)
      continue;
    if (ctx.spanId === message.spanId && ctx.traceId === message.traceId) linksMessage = true;
    else return undefined; // another message: a batch span
  }
  return linksMessage ? "link" : undefined;
}

/**
 * The description of the symbol under which `@opentelemetry/instrumentation-amqplib` stores its CONSUMER
 * span on a consumed message, to end it on ack, nack or reject (`MESSAGE_STORED_SPAN =
 * Symbol('opentelemetry.amqplib.message.stored-span')`, `build/src/utils.js` of 0.70). The symbol is not
 * exported: it is found on the message by this description.
 */
const AMQPLIB_STORED_SPAN_DESCRIPTION = "opentelemetry.amqplib.message.stored-span";

/**
 * The span `@opentelemetry/instrumentation-amqplib` stored on the amqplib message `message` (an own
 * symbol property described {@link AMQPLIB_STORED_SPAN_DESCRIPTION}), or `undefined` when it holds none.
 * In 0.70 (`getConsumePatch` in `build/src/amqplib.js`) the consume patch stores its span there before
 * the consume callback runs, unless the consumer is `noAck`, and `endConsumerSpan` sets it to
 * `undefined` when it ends the span at `ack`/`nack`/`reject`; under `noAck` it stores nothing and ends
 * the span as soon as the callback returns. So the span is on the message exactly while its end waits
 * for an ack. A message of another client, a copy of the message, or a later version that keeps the
 * span elsewhere holds none. Never throws (a proxy trap or getter that throws: `undefined`).
 */
export function amqplibStoredSpanOf(message: object): unknown {
  try {
    for (const symbol of Object.getOwnPropertySymbols(message)) {
      if (symbol.description === AMQPLIB_STORED_SPAN_DESCRIPTION)
        return (message as Record<symbol, unknown>)[symbol];
    }
  } catch {
    // a hostile message: nothing is known to be stored on it
  }
  return undefined;
}
