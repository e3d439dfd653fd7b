/** One CONSUMER span for a batch of consumed messages: `withBatchProcessSpan`. */
import { SpanKind, type Span } from "@opentelemetry/api";
import { withBatchIn, type MessageReadNotes } from "../context/batch.js";
import { normalizeCarrier } from "../carrier/normalize-carrier.js";
import { describeValue } from "../describe-value.js";
import { assertCallable } from "../context/with-carrier.js";
import { MESSAGING_OPERATION_TYPE_VALUE_PROCESS } from "./semconv.js";
import {
  headerNumbersAsText,
  headersOfMessage,
  headersOfShapeOr,
  MESSAGE_HEADERS_PLACES,
  messageShapeOf,
  type MessageKind,
} from "./consumed-message.js";
import {
  endCarrierFieldScan,
  FROM_CARRIER_FROM,
  warnIfCarrierInOtherField,
  type CarrierPosition,
  type CarrierWithin,
} from "../context/carrier-in-other-field.js";
import {
  requireOptions,
  type BatchProcessSpanOptions,
  type MessagingSystem,
  type OperationNameOfType,
  type SystemAsConventionsWrite,
} from "./messaging-options.js";
import {
  spanName,
  messagingAttributes,
  messageKindOf,
  DEFAULT_PROCESS_OPERATION_NAME,
} from "./span-description.js";
import { warnIfMessageOfOtherSystem } from "./other-system-message.js";

/**
 * Runs `fn` in ONE CONSUMER span for a batch of consumed messages (kafkajs `eachBatch`), with a link
 * to each message's context, once per context (messages published in one send span share one: the same
 * trace id, span id and flags, and the same attributes, make one link; a link of `options.links` with
 * attributes does not stand for a message's plain one; docs/messaging.md, "One link per creation context") — up to the SDK's `linkCountLimit` (default 128; raise it with
 * `OTEL_SPAN_LINK_COUNT_LIMIT` or a TracerProvider's `spanLimits.linkCountLimit`), past which the SDK
 * drops the earliest, said once per process with the limit in force (`TRACEHOP_LINKS_DROPPED`): `withBatch` with the messaging conventions' batch span. Call
 * `withProcessSpan` inside `fn` for each message: each gets its own CONSUMER span,
 * child of its message's context and linked to the batch span.
 *
 *     eachBatch: ({ batch }) =>
 *       withBatchProcessSpan(batch.messages, { system: "kafka", destination: batch.topic }, async () => {
 *         for (const m of batch.messages)
 *           await withProcessSpan(m.headers, { system: "kafka", destination: batch.topic }, () => handle(m));
 *       })
 *
 * Span name `{operation} {destination}` (default operation `process`), kind CONSUMER, never parented
 * on one message (messaging conventions "Batch processing"; DataDog/dd-trace-js#5342). Attributes at start:
 * `messaging.system`, `messaging.system.name`, `messaging.destination.name`, `messaging.operation.type`
 * and `messaging.operation` = `process`, `messaging.operation.name`, `messaging.batch.message_count` (= `messages.length`, a
 * batch of one included: the convention makes it conditionally required on a span of a batch
 * operation and asks batching APIs such as kafkajs `eachBatch` to set it, single-message APIs not to;
 * an empty batch gets its span with 0, among the convention's example values; every entry counts,
 * one without a context or given twice too, and each context the entries carry is linked once: docs/messaging.md),
 * plus `options.attributes` (which win). Each
 * message's headers are read as headers (never as a row, whatever their names) with the stored-carrier
 * reader's rules. The default `headersFrom` reads a whole message through its headers as
 * `withProcessSpan` does: under `system: "rabbitmq"` an amqplib message, under `"kafka"` a kafkajs
 * message, any other system those, a nats.js `Msg`/`JsMsg` (`msg.headers`) and an mqtt.js PUBLISH
 * packet (`properties.userProperties`). `headersFrom` is called once per message. A message without
 * a valid context adds no link, and a carrier misplaced is said once per process
 * (`TRACEHOP_CARRIER_IN_OTHER_FIELD`): another client's whole message under `options.system`, whose
 * headers the default `headersFrom` does not find, or which your own `headersFrom` returned
 * (`(m) => m`), naming its client, the system to give and the `headersFrom` that returns its headers; a message of no
 * client in which the default finds no headers (`headers` missing or `null`) but a field holds a
 * carrier (a row holding its stored carrier under `traceContext`), naming the `headersFrom` to pass
 * (`(message) => message.traceContext`); headers your own
 * `headersFrom` returned wrapped in an object (`(m) => ({ headers: m.properties.headers })`), naming
 * the field to return (`warnIfCarrierInOtherField`, as for `withProcessSpan`'s headers: given up
 * after 64 messages that hold nothing to say; a message with a context is never looked into); headers
 * the default `headersFrom` found (a whole message's, a `headers` field) holding a carrier in a field
 * (an application header `traceContext`), naming the path from the message
 * (`(message) => message.properties.headers.traceContext`). Errors
 * of `fn` are recorded and passed through, as in `withBatch`. Tracing never fails the batch.
 * @throws TypeError when `options` is not a plain object (`null`, a number, an array, a Map), when
 *   `options.system` or `options.destination` is missing, `options.system` is a
 *   well-known system in another case (`"Kafka"`: write `"kafka"`), `options.operationName` is given
 *   and not a non-empty string or names another operation type (`receive`, `send`), `options` holds a name (`messageId` among them: a batch span is no
 *   one message's)
 *   `BatchProcessSpanOptions` does not have, `options.propagator` is not a TextMapPropagator,
 *   `options.links` is not an array, `messages` is not an array (a `Set`, `null`) or `fn` is not a
 *   function (programming errors, before `fn` runs; each message names `withBatchProcessSpan`).
 */
export function withBatchProcessSpan<
  M,
  T,
  S extends MessagingSystem | (string & {}) = MessagingSystem | (string & {}),
  O extends string = string,
>(
  messages: readonly M[],
  options: BatchProcessSpanOptions<M> & { system: S & SystemAsConventionsWrite<S> } & {
    operationName?: (O & OperationNameOfType<"process", O>) | undefined;
  },
  fn: (span: Span) => T,
): T {
  options = requireOptions("withBatchProcessSpan", options, { name: "messages", value: messages });
  assertBatchArguments(messages, options, fn);
  const operationName = options.operationName ?? DEFAULT_PROCESS_OPERATION_NAME;
  // The count is set for a batch of one too, as withBatch sets it (a batching API). No `messageId`:
  // requireOptions refuses one here.
  const attributes = messagingAttributes(
    options,
    MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
    operationName,
    messages.length,
  );
  const reader = batchMessageReader(messageKindOf(options.system), options.system, options.headersFrom);
  return withBatchIn(
    messages,
    spanName(operationName, options),
    fn,
    {
      kind: SpanKind.CONSUMER,
      attributes,
      links: options.links,
      propagator: options.propagator,
      root: options.root,
      carrierFrom: reader.carrierFrom,
    },
    "withBatchProcessSpan",
    reader,
  );
}

/**
 * The checks of `withBatchProcessSpan`'s arguments that `requireOptions` does not make, here rather than
 * left to withBatch so that each error names the helper that was called.
 * @throws TypeError when `messages` is not an array, `fn` not a function, or `options.headersFrom`
 *   given and not a function.
 */
function assertBatchArguments<M>(messages: unknown, options: BatchProcessSpanOptions<M>, fn: unknown): void {
  if (!Array.isArray(messages))
    throw new TypeError(
      `tracehop withBatchProcessSpan: messages must be an array (kafkajs eachBatch's batch.messages), got ${describeValue(messages)}`,
    );
  assertCallable("", fn, "withBatchProcessSpan");
  if (options.headersFrom !== undefined && typeof options.headersFrom !== "function")
    throw new TypeError(
      `tracehop withBatchProcessSpan: headersFrom must be a function of one message returning its headers, got ${describeValue(options.headersFrom)}`,
    );
}

/** How a batch's messages are read, for withBatchIn: see {@link batchMessageReader}. */
interface BatchMessageReader<M> extends MessageReadNotes {
  /** The carrier of one message: a Map of its header fields (withBatch reads it as a carrier, never as a row). */
  carrierFrom: (message: M) => unknown;
}

/**
 * Reads each message of a batch of `system` through its headers (`headersFrom`, the user's, else the
 * default: a whole message of a client `kind` recognises through its own headers, as in withProcessSpan;
 * another object through its `headers` field), and keeps what the message just read leaves to look into
 * for a carrier in one of its fields, so that nothing is read twice: what the user's `headersFrom`
 * returned, when read as headers (not a whole message read through its own), whose fix extends the
 * `headersFrom` (`FROM_CARRIER_FROM`); or a message in which the default found no headers (position 0:
 * a row holding its stored carrier under `traceContext`), whose fix passes a `headersFrom`; and whether
 * reading it left out an id amqplib rounded, said already (`roundedIdSaid`).
 */
function batchMessageReader<M>(
  kind: MessageKind,
  system: string,
  ownHeadersFrom: ((message: M) => unknown) | undefined,
): BatchMessageReader<M> {
  // `undefined`: nothing to look into.
  let unread: unknown;
  let unreadPosition: CarrierPosition = FROM_CARRIER_FROM;
  let unreadWithin: CarrierWithin | undefined;
  let roundedIdSaid = false;
  // The headers of the message just read, numbers as text: what its carrier was made of.
  let headersRead: unknown;
  const leave: Leave = (value, position, within) => {
    unread = value;
    unreadPosition = position;
    unreadWithin = within;
  };
  const headersOf =
    ownHeadersFrom === undefined
      ? (message: M) => defaultHeaders(message, kind, system, leave)
      : (message: M) => ownHeaders(ownHeadersFrom(message), kind, leave);
  return {
    carrierFrom: (message) => {
      // Not the last message's when headersFrom throws for this one.
      unread = undefined;
      roundedIdSaid = false;
      headersRead = undefined;
      const read = headerNumbersAsText(headersOf(message));
      headersRead = read.headers;
      // An id amqplib rounded, said already (TRACEHOP_JSON_NUMBER_ID): withBatchIn hands that to the
      // restore of this message, so that TRACEHOP_CARRIER_REJECTED does not say it again as a missing id.
      roundedIdSaid = read.roundedIdSaid;
      return normalizeCarrier(read.headers);
    },
    roundedIdSaid: () => roundedIdSaid,
    headersRead: () => headersRead,
    warnIfMisplaced: () => {
      if (unread === undefined) return;
      // What the user's headersFrom returned is a whole message of a client `kind` does not read (a
      // nats.js message under system "kafka": headersFrom: (m) => m): said as withProcessSpan handed it
      // says it, with the system to give and the headersFrom that returns its headers. Its own fields
      // are not looked into: they are the client's (nats.js keeps its parsed headers in `_headers`,
      // filled only once read), never a path to pass.
      if (unreadPosition === FROM_CARRIER_FROM && messageShapeOf(unread, "any") !== undefined) {
        warnIfMessageOfOtherSystem(unread, kind, system, "withBatchProcessSpan", true);
        return;
      }
      warnIfCarrierInOtherField(unread, "withBatchProcessSpan", unreadPosition, unreadWithin);
    },
  };
}

/**
 * Keeps what a message just read leaves to look into: `value`, where it came from (`position`), and,
 * for headers the default `headersFrom` found in the message, their path in it (`within`).
 */
type Leave = (value: unknown, position: CarrierPosition, within?: CarrierWithin) => void;

/** The path the default `headersFrom` reads the headers of a message of no client at. */
const HEADERS_FIELD: CarrierWithin = { path: ".headers", name: "message" };

/**
 * The headers the default `headersFrom` reads of `message`. When it finds none (a message with headers
 * costs this one comparison): on the other client's whole message (an amqplib message under system
 * "kafka"), said once per process with the system to give, and then no field of a message is looked
 * into (not said twice); an object of no client (a row whose carrier is under `traceContext`) is left
 * (`leave`) to be looked into when it adds no link. A whole message of its own client without headers
 * holds no other carrier. Headers it finds (a whole message's, or the `headers` field of another
 * object) are left with their path in the message, for a carrier under another name in them (an
 * application header `traceContext`): the fix names the path from the message
 * (`(message) => message.properties.headers.traceContext`).
 */
function defaultHeaders(message: unknown, kind: MessageKind, system: string, leave: Leave): unknown {
  // The shape, a constant string: where its headers are is read only when a warning is given.
  const shape = messageShapeOf(message, kind);
  // A getter or proxy trap of a whole message that throws (nats.js's msg.headers on a header block it
  // cannot parse): no headers, that message adds no link, said once (TRACEHOP_MESSAGE_HEADERS_UNREADABLE).
  const headers =
    shape !== undefined
      ? headersOfShapeOr(message, shape, undefined, "withBatchProcessSpan")
      : headersField(message);
  if (headers == null) {
    const saidPath =
      headers === undefined
        ? warnIfMessageOfOtherSystem(message, kind, system, "withBatchProcessSpan")
        : undefined;
    if (saidPath !== undefined) endCarrierFieldScan("withBatchProcessSpan", saidPath);
    else if (shape === undefined) leave(message, 0);
  } else if (typeof headers === "object")
    leave(headers, 0, shape === undefined ? HEADERS_FIELD : MESSAGE_HEADERS_PLACES[shape]);
  return headersOfMessage(headers, kind);
}

/**
 * The headers of what the user's `headersFrom` returned: a whole message is read through its own, as
 * in withProcessSpan; anything else is read as headers and left (`leave`) to be looked into when it
 * adds no link (headers wrapped in an object: `(m) => ({ headers: m.properties.headers })`).
 */
function ownHeaders(headers: unknown, kind: MessageKind, leave: Leave): unknown {
  const read = headersOfMessage(headers, kind, "withBatchProcessSpan");
  if (read === headers) leave(headers, FROM_CARRIER_FROM);
  return read;
}

/**
 * The `headers` field of a message the default `headersFrom` does not read as a whole message of its
 * client (`headersOfMessage`); `undefined` for anything but an object, and for a message whose
 * `headers` getter or proxy trap throws (a fault of the message, read as no context: only a
 * `headersFrom` of the user's is said to have thrown). Never throws.
 */
function headersField(message: unknown): unknown {
  try {
    return message !== null && typeof message === "object"
      ? (message as { headers?: unknown }).headers
      : undefined;
  } catch {
    return undefined;
  }
}
