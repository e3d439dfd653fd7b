/*
 * Messaging semantic-convention names tracehop writes or exports, copied here because they are still
 * incubating (`@opentelemetry/semantic-conventions/incubating`, which may rename them in a minor
 * release), as opentelemetry-js-contrib instrumentations do (`src/semconv.ts`). Checked against the
 * installed @opentelemetry/semantic-conventions 1.45.0 (package.json allows ^1.45.0: a later minor may
 * deprecate more; test/messaging/semconv.test.ts compares every name with the installed package and
 * fails on a name it deprecates). Stable names are imported from the package itself where they are used
 * (`server.*`), except `error.type`, written in src/context/attributes.ts so that the restore path does
 * not load the package (semconv.test.ts compares it with the package too).
 * Source: OpenTelemetry semantic conventions, "Messaging spans", "Kafka", "RabbitMQ", and the attribute
 * registry (messaging, kafka, rabbitmq).
 */

import { ATTR_MESSAGING_BATCH_MESSAGE_COUNT } from "../context/attributes.js";

/**
 * The messaging system as the client knows it (`rabbitmq`, `kafka`). Deprecated in the 1.45 registry
 * for {@link ATTR_MESSAGING_SYSTEM_NAME} (same value for `kafka` and `rabbitmq`). The conventions do
 * not ask for both names (their `messaging/dup` transition is for instrumentations that emitted
 * v1.24); tracehop writes the old one as well because Datadog's OTLP mapping and the contrib
 * kafkajs/amqplib instrumentations still read it. A project choice, to drop once they read the new one.
 */
export const ATTR_MESSAGING_SYSTEM = "messaging.system" as const;
/** The messaging system, the registry's current name; same value as {@link ATTR_MESSAGING_SYSTEM}. */
export const ATTR_MESSAGING_SYSTEM_NAME = "messaging.system.name" as const;
/** Queue or topic name (for RabbitMQ: see `rabbitmqDestinationName`). */
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name" as const;
/**
 * Low-cardinality form of a destination name built from a template (`/customers/{customerId}`); when
 * given in `options.attributes`, the span name uses it instead of the destination name.
 */
export const ATTR_MESSAGING_DESTINATION_TEMPLATE = "messaging.destination.template" as const;
/**
 * `true` for an anonymous destination (unnamed, or a name the broker generated: RabbitMQ's
 * `amq.gen-*` queues); when `true` in `options.attributes`, the span name leaves the destination out.
 */
export const ATTR_MESSAGING_DESTINATION_ANONYMOUS = "messaging.destination.anonymous" as const;
/**
 * `true` for a temporary destination (may not exist after the messages are processed: an exclusive
 * reply queue); when `true` in `options.attributes`, the span name leaves the destination out.
 */
export const ATTR_MESSAGING_DESTINATION_TEMPORARY = "messaging.destination.temporary" as const;
/**
 * The operation under its name before semantic conventions 1.26 (`publish`, `receive`, `process`).
 * Deprecated in the 1.45 registry for {@link ATTR_MESSAGING_OPERATION_TYPE}. tracehop writes it beside
 * the new name because Datadog's OTLP mapping reads only this one: the operation name
 * `<messaging.system>.<messaging.operation>` (`rabbitmq.publish`, `kafka.process`) and the resource
 * `<messaging.operation> <messaging.destination.name>` (`publish orders`); without it Datadog names
 * every messaging span by its kind (`producer`, `consumer`). A project choice, as for
 * {@link ATTR_MESSAGING_SYSTEM}, to drop once Datadog reads the new name.
 */
export const ATTR_MESSAGING_OPERATION = "messaging.operation" as const;
/** Generic operation type: `create`, `send`, `receive`, `process`, `settle`. */
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type" as const;
/** System-specific operation name (`publish`, `send`, `process`); first word of the span name. */
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name" as const;
/** Message id given by the application or the broker. */
export const ATTR_MESSAGING_MESSAGE_ID = "messaging.message.id" as const;
/** Size of the message body in bytes. */
export const ATTR_MESSAGING_MESSAGE_BODY_SIZE = "messaging.message.body.size" as const;
/** Consumer group (Kafka) or subscription. */
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name" as const;
/** Kafka partition, as a string. */
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = "messaging.destination.partition.id" as const;
/**
 * Number of messages a batch span sends, receives or processes; not set on a single-message span
 * (the convention's note: batching APIs set it, single-message APIs do not). `withBatchProcessSpan`
 * and the core's `withBatch` set it for every batch, one message included.
 */
export { ATTR_MESSAGING_BATCH_MESSAGE_COUNT };
/** Kafka offset of a consumed record (an int). Replaces `messaging.kafka.offset`. */
export const ATTR_KAFKA_OFFSET = "kafka.offset" as const;
/** Kafka message key, when it is not `null` (its string form). Replaces `messaging.kafka.message.key`. */
export const ATTR_KAFKA_MESSAGE_KEY = "kafka.message.key" as const;
/** `true` for a Kafka tombstone (a record whose value is `null`); set only when `true`. */
export const ATTR_KAFKA_MESSAGE_TOMBSTONE = "kafka.message.tombstone" as const;
/** The conversation (correlation) id of a message: AMQP `properties.correlationId`. */
export const ATTR_MESSAGING_MESSAGE_CONVERSATION_ID = "messaging.message.conversation_id" as const;
/** RabbitMQ routing key. Replaces `messaging.rabbitmq.destination.routing_key`. */
export const ATTR_RABBITMQ_DESTINATION_ROUTING_KEY = "rabbitmq.destination.routing_key" as const;
/** RabbitMQ delivery tag of a consumed message. Replaces `messaging.rabbitmq.message.delivery_tag`. */
export const ATTR_RABBITMQ_MESSAGE_DELIVERY_TAG = "rabbitmq.message.delivery_tag" as const;

/**
 * Kafka offset of a consumed record, under its name before semantic conventions 1.45.
 *
 * @deprecated Replaced by {@link ATTR_KAFKA_OFFSET} (`kafka.offset`) in semantic conventions 1.45.
 * Kept so that code importing it still builds; tracehop writes neither.
 */
export const ATTR_MESSAGING_KAFKA_OFFSET = "messaging.kafka.offset" as const;
/**
 * Kafka message key, under its name before semantic conventions 1.45.
 *
 * @deprecated Replaced by {@link ATTR_KAFKA_MESSAGE_KEY} (`kafka.message.key`) in semantic conventions
 * 1.45.
 */
export const ATTR_MESSAGING_KAFKA_MESSAGE_KEY = "messaging.kafka.message.key" as const;
/**
 * RabbitMQ routing key, under its name before semantic conventions 1.45.
 *
 * @deprecated Replaced by {@link ATTR_RABBITMQ_DESTINATION_ROUTING_KEY}
 * (`rabbitmq.destination.routing_key`) in semantic conventions 1.45.
 */
export const ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY =
  "messaging.rabbitmq.destination.routing_key" as const;
/**
 * RabbitMQ delivery tag of a consumed message, under its name before semantic conventions 1.45.
 *
 * @deprecated Replaced by {@link ATTR_RABBITMQ_MESSAGE_DELIVERY_TAG} (`rabbitmq.message.delivery_tag`)
 * in semantic conventions 1.45.
 */
export const ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG =
  "messaging.rabbitmq.message.delivery_tag" as const;

/** `messaging.operation.type` values used by tracehop. */
export const MESSAGING_OPERATION_TYPE_VALUE_SEND = "send" as const;
export const MESSAGING_OPERATION_TYPE_VALUE_PROCESS = "process" as const;

/** `messaging.system` value of RabbitMQ (amqplib), one of the two supported clients. */
export const MESSAGING_SYSTEM_VALUE_RABBITMQ = "rabbitmq" as const;
/** `messaging.system` value of Kafka (kafkajs), one of the two supported clients. */
export const MESSAGING_SYSTEM_VALUE_KAFKA = "kafka" as const;
