/** What a messaging span is called and the attributes it starts with (messaging conventions). */
import type { Attributes } from "@opentelemetry/api";
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_ANONYMOUS,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_TEMPLATE,
  ATTR_MESSAGING_DESTINATION_TEMPORARY,
  ATTR_MESSAGING_MESSAGE_CONVERSATION_ID,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_SYSTEM_NAME,
  ATTR_RABBITMQ_DESTINATION_ROUTING_KEY,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
  MESSAGING_SYSTEM_VALUE_KAFKA,
  MESSAGING_SYSTEM_VALUE_RABBITMQ,
} from "./semconv.js";
import type { MessageKind } from "./consumed-message.js";
import type { MessagingSpanOptions } from "./messaging-options.js";

/** `messaging.operation.name` of a send: AMQP's method is `basic.publish`, Kafka's is `send`. */
export const SEND_OPERATION_NAME_BY_SYSTEM: Readonly<Record<string, string>> = {
  [MESSAGING_SYSTEM_VALUE_RABBITMQ]: "publish",
};
export const DEFAULT_SEND_OPERATION_NAME = "send";
export const DEFAULT_PROCESS_OPERATION_NAME = "process";

/**
 * Span name `{messaging.operation.name} {destination}` (messaging conventions, "Span name"): the
 * `{destination}` is `messaging.destination.template` when `options.attributes` gives one, else the
 * destination name unless `options.attributes` marks the destination anonymous or temporary (a
 * broker-generated `amq.gen-*` queue: a name per connection, no low-cardinality span name) or it is
 * `""`; without one the span name is the operation name alone.
 */
export function spanName(operationName: string, options: MessagingSpanOptions): string {
  const attributes = options.attributes;
  if (attributes !== undefined) {
    const template = attributes[ATTR_MESSAGING_DESTINATION_TEMPLATE];
    if (typeof template === "string" && template !== "") return `${operationName} ${template}`;
    if (
      attributes[ATTR_MESSAGING_DESTINATION_ANONYMOUS] === true ||
      attributes[ATTR_MESSAGING_DESTINATION_TEMPORARY] === true
    )
      return operationName;
  }
  return options.destination === "" ? operationName : `${operationName} ${options.destination}`;
}

/**
 * The attributes a messaging span starts with: tracehop's (with `messageId`, `conversationId` and
 * withSendSpan's `routingKey` when given), then `batchMessageCount` as
 * `messaging.batch.message_count` when given, then `options.attributes` (which win). A fresh object.
 * Beside `messaging.operation.type`, the deprecated `messaging.operation` with its pre-1.26 value
 * ({@link operationBefore126}): Datadog's OTLP mapping names the span and its resource from it
 * (datadog-agent pkg/trace/traceutil/otel_util.go, `GetOTelOperationNameV2`, `GetOTelResourceV2`).
 */
export function messagingAttributes(
  options: MessagingSpanOptions,
  operationType: string,
  operationName: string,
  batchMessageCount?: number,
): Attributes {
  const attributes: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: options.system,
    [ATTR_MESSAGING_SYSTEM_NAME]: options.system,
    [ATTR_MESSAGING_DESTINATION_NAME]: options.destination,
    [ATTR_MESSAGING_OPERATION_TYPE]: operationType,
    [ATTR_MESSAGING_OPERATION]: operationBefore126(operationType),
    [ATTR_MESSAGING_OPERATION_NAME]: operationName,
  };
  // Strings here: requireOptions made any other value its text or left it out (messageTextOption).
  if (typeof options.messageId === "string") attributes[ATTR_MESSAGING_MESSAGE_ID] = options.messageId;
  if (typeof options.conversationId === "string")
    attributes[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = options.conversationId;
  // withSendSpan's only; set when not empty (the RabbitMQ conventions: Conditionally Required, if not empty).
  const routingKey = (options as { routingKey?: unknown }).routingKey;
  if (typeof routingKey === "string") attributes[ATTR_RABBITMQ_DESTINATION_ROUTING_KEY] = routingKey;
  if (batchMessageCount !== undefined) attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = batchMessageCount;
  return options.attributes === undefined ? attributes : Object.assign(attributes, options.attributes);
}

/**
 * The `messaging.operation` value of a `messaging.operation.type` (the conventions before 1.26, which
 * Datadog's OTLP mapping still reads): `publish` for `send` (the 1.45 registry keeps `publish` as a
 * deprecated operation type, "Replaced by `send`"); `process`, the other type tracehop writes, and
 * `receive` are the same word in both.
 */
function operationBefore126(operationType: string): string {
  return operationType === MESSAGING_OPERATION_TYPE_VALUE_SEND ? "publish" : operationType;
}

/**
 * The whole messages a helper of `system` recognises (`headersOfMessage`, consumed-message.ts):
 * RabbitMQ's helpers only an amqplib message, Kafka's only a kafkajs one (headers a bridge copied from
 * the other system stay headers); any other system both.
 */
export function messageKindOf(system: string): MessageKind {
  return system === MESSAGING_SYSTEM_VALUE_RABBITMQ
    ? "amqp"
    : system === MESSAGING_SYSTEM_VALUE_KAFKA
      ? "kafka"
      : "any";
}
