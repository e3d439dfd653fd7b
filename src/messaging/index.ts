/**
 * tracehop/messaging: keep the trace across a message broker. Header carriers for kafkajs message
 * headers and amqplib `properties.headers`, and any client's headers given as a plain object (MQTT 5
 * user properties), a `Map` or its own header object (NATS `MsgHdrs`) (TextMapGetter/TextMapSetter pairs
 * and inject/extract helpers; MQTT 5 user properties left out when they hold nothing, as mqtt.js needs),
 * and send/process span helpers with the OpenTelemetry messaging semantic conventions,
 * including the relay's choice of forwarding the stored creation context or its own send span.
 * See docs/messaging.md.
 */
export {
  amqpHeadersGetter,
  amqpHeadersSetter,
  createAmqpHeadersSetter,
  kafkaHeadersGetter,
  kafkaHeadersSetter,
  type AmqpHeaders,
  type KafkaHeaders,
} from "./header-getters.js";
export {
  injectAmqpHeaders,
  injectKafkaHeaders,
  type AmqpFrameMaxOptions,
  removePropagationHeaders,
  writeCarrierToHeaders,
  type WriteCarrierOptions,
} from "./header-writer.js";
export { injectMqttUserProperties, mqttUserProperties, type MqttUserProperties } from "./mqtt.js";
export { contextFromAmqpHeaders, contextFromKafkaHeaders } from "./consumed-message.js";
export type { FetchHeadersLike, HeaderEntries, HeaderMethods } from "./header-entries.js";
export { isPropagationHeaderName, PROPAGATION_HEADER_NAMES } from "../propagation/header-names.js";
export { withBatchProcessSpan } from "./batch-process-span.js";
export { withProcessSpan } from "./process-span.js";
export { withSendSpan } from "./send-span.js";
export type {
  BatchProcessSpanOptions,
  MessagingSpanOptions,
  MessagingSystem,
  OperationNameOfType,
  ProcessSpanOptions,
  RelayForwarding,
  RestoreOptions,
  RoutingKeyUnderSystem,
  SendSpanOptions,
  SentHeaders,
  SystemAsConventionsWrite,
} from "./messaging-options.js";
export {
  rabbitmqDestinationName,
  RABBITMQ_DEFAULT_EXCHANGE_NAME,
  type RabbitmqDelivery,
} from "./rabbitmq.js";
export {
  ATTR_KAFKA_MESSAGE_KEY,
  ATTR_KAFKA_MESSAGE_TOMBSTONE,
  ATTR_KAFKA_OFFSET,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_ANONYMOUS,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_DESTINATION_TEMPLATE,
  ATTR_MESSAGING_DESTINATION_TEMPORARY,
  ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
  ATTR_MESSAGING_KAFKA_OFFSET,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_MESSAGE_CONVERSATION_ID,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY,
  ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG,
  ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_SYSTEM_NAME,
  ATTR_RABBITMQ_DESTINATION_ROUTING_KEY,
  ATTR_RABBITMQ_MESSAGE_DELIVERY_TAG,
  MESSAGING_SYSTEM_VALUE_KAFKA,
  MESSAGING_SYSTEM_VALUE_RABBITMQ,
} from "./semconv.js";
