/*
 * Messaging semantic-convention names tracehop writes, pinned here because they are still incubating
 * (`@opentelemetry/semantic-conventions/incubating` 1.45.0, which may rename them in a minor release).
 * This is the practice of opentelemetry-js-contrib instrumentations (`src/semconv.ts`). Stable names
 * (`server.*`, `error.type`) are imported from the package itself where they are used.
 * Source: OpenTelemetry semantic conventions, "Messaging spans" and the messaging attribute registry.
 */

/**
 * The messaging system as the client knows it (`rabbitmq`, `kafka`). Deprecated in the registry in
 * favour of {@link ATTR_MESSAGING_SYSTEM_NAME}, but still the name Datadog's OTLP mapping and the
 * contrib kafkajs/amqplib instrumentations read, so tracehop writes both (a "dup" migration).
 */
export const ATTR_MESSAGING_SYSTEM = "messaging.system" as const;
/** The messaging system, newest registry name; same value as {@link ATTR_MESSAGING_SYSTEM}. */
export const ATTR_MESSAGING_SYSTEM_NAME = "messaging.system.name" as const;
/** Queue or topic name (for RabbitMQ: the exchange on publish, the queue on consume). */
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name" as const;
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
/** RabbitMQ routing key, when it differs from the destination name. */
export const ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY =
  "messaging.rabbitmq.destination.routing_key" as const;
/** RabbitMQ delivery tag of a consumed message. */
export const ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG =
  "messaging.rabbitmq.message.delivery_tag" as const;
/** Kafka message key (when it is not the message id). */
export const ATTR_MESSAGING_KAFKA_MESSAGE_KEY = "messaging.kafka.message.key" as const;
/** Kafka partition, as a string. */
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = "messaging.destination.partition.id" as const;
/** Kafka offset of a consumed message. */
export const ATTR_MESSAGING_KAFKA_OFFSET = "messaging.kafka.offset" as const;

/** `messaging.operation.type` values used by tracehop. */
export const MESSAGING_OPERATION_TYPE_VALUE_SEND = "send" as const;
export const MESSAGING_OPERATION_TYPE_VALUE_PROCESS = "process" as const;

/** `messaging.system` values of the two supported clients. */
export const MESSAGING_SYSTEM_VALUE_RABBITMQ = "rabbitmq" as const;
export const MESSAGING_SYSTEM_VALUE_KAFKA = "kafka" as const;
