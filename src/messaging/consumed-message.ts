/**
 * A consumed message and its headers: the context they carry, the whole message recognised where its
 * headers belong, and the attributes the conventions ask of it.
 */
import type { Attributes, Context } from "@opentelemetry/api";
import type { CarrierOptions } from "../index.js";
import { readKind } from "../carrier/header-object-kind.js";
import { MAX_CARRIER_KEYS, MAX_CARRIER_VALUE_LENGTH } from "../carrier/trace-carrier.js";
import { X_DATADOG_PARENT_ID, X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { isUnexactIdNumber } from "../propagation/datadog/ids.js";
import { isDatadogIdHeader, messageNumberText, roundedLastIdRefuses, valuesRead } from "./header-getters.js";
import { assertCarrierOptions, describeError, extractHeaders } from "../context/carrier-context.js";
import { warnOnce } from "../warn-once.js";
import type { CarrierWithin } from "../context/carrier-in-other-field.js";
import {
  ATTR_KAFKA_MESSAGE_KEY,
  ATTR_KAFKA_MESSAGE_TOMBSTONE,
  ATTR_KAFKA_OFFSET,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_MESSAGE_CONVERSATION_ID,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_RABBITMQ_DESTINATION_ROUTING_KEY,
  ATTR_RABBITMQ_MESSAGE_DELIVERY_TAG,
} from "./semconv.js";

/**
 * Extracts the context a kafkajs message carries (`message.headers` of `eachMessage`/`eachBatch`,
 * Buffer values and repeated headers included, tulios/kafkajs#1024) onto the given (default: ROOT)
 * context. A whole kafkajs message (or the `eachMessage` payload) is read through its headers too
 * (`headersOfMessage`); an object shaped like an amqplib message is read as headers.
 * The headers are read as headers only: an application header named `traceContext` is never taken
 * for a row's carrier column (as `contextFromCarrier` would take an object with that field). Tracing
 * headers are found wherever they sit, after any number of application headers. Returns that context
 * unchanged when the headers hold no valid context. Never throws on the headers; `options` as
 * `injectKafkaHeaders`.
 */
export function contextFromKafkaHeaders(headers: unknown, options: CarrierOptions = {}): Context {
  assertCarrierOptions(options, "contextFromKafkaHeaders");
  return contextFromMessageHeaders(headers, options, "kafka", "contextFromKafkaHeaders");
}

/**
 * Extracts the context an amqplib message carries (`msg.properties.headers`, or the whole `msg`, read
 * through its headers; headers shaped like a kafkajs message, as a Kafka bridge may copy them, stay
 * headers) onto the given (default: ROOT) context: strings, Buffers, arrays, and the other AMQP field
 * types as the stored-carrier reader reads the same JSON values (a safe-integer number as its decimal
 * text, another number or a boolean as its text, judged by the header's grammar; a Datadog id amqplib
 * rounded past 2^53 refused and said; see `amqpHeadersGetter`). Read as headers only, as
 * {@link contextFromKafkaHeaders}. Returns that context unchanged when there is no valid context.
 * Never throws on the headers; `options` as `injectKafkaHeaders`.
 */
export function contextFromAmqpHeaders(headers: unknown, options: CarrierOptions = {}): Context {
  assertCarrierOptions(options, "contextFromAmqpHeaders");
  return contextFromMessageHeaders(headers, options, "amqp", "contextFromAmqpHeaders");
}

/**
 * Internal to tracehop/messaging: the context message headers (kafkajs or amqplib, as delivered)
 * carry, read by the stored-carrier reader (any-case names, Buffers, arrays, limits) as header fields
 * only — never as a row with a `traceContext` column. A whole consumed message handed instead of its
 * headers is read through its headers ({@link headersOfMessage}; one whose headers cannot be read is
 * said, naming `caller`). Never throws.
 */
export function contextFromMessageHeaders(
  headers: unknown,
  options: CarrierOptions = {},
  kind: MessageKind = "any",
  caller?: string,
): Context {
  const read = headerNumbersAsText(headersOfMessage(headers, kind, caller));
  return extractHeaders(read.headers, options, "message", read.roundedIdSaid);
}

/** Which whole messages {@link headersOfMessage} recognises: a helper of one client only its own. */
export type MessageKind = "amqp" | "kafka" | "any";

/**
 * The headers of a whole consumed message handed where its headers belong (`withProcessSpan(msg, ...)`
 * instead of `withProcessSpan(msg.properties.headers, ...)`): the parameter takes any value, so the
 * slip typechecks, and read as headers such a message holds no context — a new trace, without a word.
 * Recognised by shapes no headers object has:
 * - an amqplib message (`ConsumeMessage`, `GetMessage`: amqplib `lib/channel.js`): own `content`, a
 *   Buffer (Uint8Array), and `fields` and `properties` objects, `fields` holding the string
 *   `exchange` and `routingKey` of every delivery → `properties.headers`;
 * - a kafkajs message as its decoder delivers it (`KafkaMessage`: kafkajs
 *   `src/protocol/recordBatch/record/v0/decoder.js`, `messageSet/decoder.js`): `offset` a string,
 *   `attributes` a number, `key` and `value` Buffers or `null`, and either `headers` an object and
 *   `timestamp` a string (a v2 record batch, Kafka 0.11 and later) → `headers`, or no `headers` at all
 *   with `magicByte` 0 or 1, `size` and `crc` numbers and `timestamp` a string in v1, none in v0 (a
 *   v0/v1 message set, from a broker before 0.11 or a log kept in that format) → `undefined`, no
 *   context (its Kafka attributes are still read: {@link attributesOfMessage});
 * - a kafkajs `eachMessage` payload: `topic` a string, `partition` a number, `message` a kafkajs
 *   message as above → `message.headers`.
 * - under `kind` "any" (another system's helper: `withProcessSpan` with `system: "nats"`, ...), a
 *   nats.js message (`Msg`, JetStream `JsMsg`: nats.js `MsgImpl`, `JsMsgImpl`): `subject` a string,
 *   `data` a Uint8Array, `sid` a number → `headers` (its `MsgHdrs`, or `undefined`: no context);
 * - and an mqtt.js PUBLISH packet (the `message` event's third argument, mqtt-packet): `cmd`
 *   `"publish"`, `topic` a string, `payload` a Uint8Array → `properties.userProperties` (MQTT 5).
 * A header value is a string, a Buffer or an array in kafkajs, never a number, and an AMQP headers
 * table never holds a Buffer `content` beside `fields` and `properties` tables of that shape (nor a
 * Uint8Array `data` or `payload` beside those strings); anything else is returned as it is. `kind`
 * narrows the shapes to one client's (`contextFromAmqpHeaders` recognises only an amqplib message,
 * `contextFromKafkaHeaders` only kafkajs's), so that headers a bridge copied from the other system are
 * read as headers. Never throws (a throwing getter or proxy trap: returned as it is; a recognised
 * message whose headers throw when read, a nats.js message whose header block nats.js cannot parse, is
 * said when `caller` is given: {@link headersOfShapeOr}).
 */
export function headersOfMessage(value: unknown, kind: MessageKind = "any", caller?: string): unknown {
  const shape = messageShapeOf(value, kind);
  // A throwing getter or proxy trap: not a message we can read, returned as it is.
  return shape === undefined ? value : headersOfShapeOr(value, shape, value, caller);
}

/**
 * The shapes of whole message {@link headersOfMessage} recognises: an amqplib message, a kafkajs
 * message, a kafkajs `eachMessage` payload, a nats.js message, an mqtt.js PUBLISH packet. A constant
 * string: telling a message's shape allocates nothing (it runs for every message handled).
 */
export type MessageShape = "amqplib" | "kafkajs" | "kafkajs-payload" | "nats.js" | "mqtt.js";

/**
 * Internal to tracehop/messaging: which whole message of `kind` `value` is ({@link headersOfMessage}
 * gives the shapes), or `undefined` for anything else (headers, a row). Allocates nothing. Never throws
 * (a throwing getter or proxy trap: `undefined`).
 */
export function messageShapeOf(value: unknown, kind: MessageKind = "any"): MessageShape | undefined {
  if (value === null || typeof value !== "object") return undefined;
  try {
    const message = value as Record<string, unknown>;
    if (kind !== "kafka" && isAmqpMessage(message)) return "amqplib";
    if (kind === "amqp") return undefined;
    if (isKafkaMessage(message)) return "kafkajs";
    if (kind === "any") {
      if (isNatsMessage(message)) return "nats.js";
      if (isMqttPublish(message)) return "mqtt.js";
    }
    if (isEachMessagePayload(message)) return "kafkajs-payload";
  } catch {
    // a throwing getter or proxy trap: not a message we can read
  }
  return undefined;
}

/**
 * Internal to tracehop/messaging: the headers of `message`, a whole message of `shape`
 * ({@link messageShapeOf}): `undefined` when it has none (a nats.js message without headers, an MQTT 3
 * packet). May throw (a throwing getter or proxy trap).
 */
export function headersOfShape(message: Record<string, unknown>, shape: MessageShape): unknown {
  switch (shape) {
    case "amqplib":
      return (message.properties as Record<string, unknown>).headers;
    case "kafkajs":
    case "nats.js":
      return message.headers;
    case "mqtt.js":
      return (message.properties as { userProperties?: unknown } | undefined)?.userProperties;
    case "kafkajs-payload":
      return (message.message as Record<string, unknown>).headers;
  }
}

/**
 * Internal to tracehop/messaging: {@link headersOfShape} of `message`, or `fallback` when a getter or
 * proxy trap of it throws: nats.js's own `msg.headers` throws (a `NatsError` "is not a valid character
 * for a header key") on a header block it cannot parse, one written by a producer that is not a NATS
 * client, which nats-server forwards as it is. Then, when `caller` is given (the helper the user called),
 * said once per process and client ({@link warnHeadersUnreadable}): the message is processed without its
 * trace, which would otherwise be lost without a word. Never throws.
 */
export function headersOfShapeOr(
  message: unknown,
  shape: MessageShape,
  fallback: unknown,
  caller?: string,
): unknown {
  try {
    return headersOfShape(message as Record<string, unknown>, shape);
  } catch (err) {
    if (caller !== undefined) warnHeadersUnreadable(shape, err, caller);
    return fallback;
  }
}

/** Code of the warning of {@link warnHeadersUnreadable}. */
const HEADERS_UNREADABLE_WARNING = "TRACEHOP_MESSAGE_HEADERS_UNREADABLE";

/**
 * Says (once per process and client: `diag.warn` and the process warning
 * `TRACEHOP_MESSAGE_HEADERS_UNREADABLE`) that reading the headers of a whole message of `shape`, handed
 * to `caller`, threw `err`, so that the message is processed without its trace context: the helper's
 * name, the client, the path read (`message.headers`), the error, and what to fix (for a nats.js
 * message, the producer or bridge that wrote a header block nats.js cannot parse; for another client, a
 * getter or Proxy around the message). docs/warnings.md. Never throws.
 */
function warnHeadersUnreadable(shape: MessageShape, err: unknown, caller: string): void {
  const client = shape === "kafkajs-payload" ? "kafkajs" : shape;
  const { name, path } = MESSAGE_HEADERS_PLACES[shape];
  const why =
    shape === "nats.js"
      ? "nats.js could not parse the header block the message arrived with (a header name with a space or a " +
        "character outside printable ASCII, a value with a bare CR or LF: a block written by a producer or " +
        "bridge that is not a NATS client, which nats-server forwards as it is). Fix that producer: write the " +
        "headers with a NATS client's headers(), as withSendSpan and the header writers fill it"
      : "Fix what makes reading them throw (a getter or a Proxy around the message), or pass the headers " +
        "themselves";
  warnOnce(
    `message-headers-unreadable:${client}`,
    `tracehop ${caller}: the headers of a ${client} message could not be read: ${name}${path} threw ` +
      `${describeError(err)}. The message is processed without its trace context (the trace it carries is ` +
      `not continued; the message itself is handled as usual). ${why}.`,
    HEADERS_UNREADABLE_WARNING,
  );
}

/**
 * Where the headers of a whole message of each shape are, for a warning whose fix names the path as
 * the user writes it from what they passed: their path from the message (`.properties.headers`,
 * `.headers`, `.message.headers`, `.properties.userProperties`), and the name a fix gives the message
 * (`payload` for a kafkajs `eachMessage` payload, as kafkajs names it; `message` else). Constants: read
 * only when a warning is given.
 */
export const MESSAGE_HEADERS_PLACES: Readonly<Record<MessageShape, Readonly<CarrierWithin>>> = {
  amqplib: { path: ".properties.headers", name: "message" },
  kafkajs: { path: ".headers", name: "message" },
  "nats.js": { path: ".headers", name: "message" },
  "mqtt.js": { path: ".properties.userProperties", name: "message" },
  "kafkajs-payload": { path: ".message.headers", name: "payload" },
};

/** A whole consumed message {@link clientMessageOf} recognises: its client, and where its headers are. */
export interface ClientMessage {
  /** The client whose message it is. */
  client: "amqplib" | "kafkajs" | "nats.js" | "mqtt.js";
  /** The path of its headers from the message, for a message: `.properties.headers`, ... */
  path: string;
  /** Its headers (`undefined` when it has none). */
  headers: unknown;
}

/**
 * Internal to tracehop/messaging: which client's whole message `value` is, of every shape
 * {@link headersOfMessage} knows whatever the kind (an amqplib message, a kafkajs message or
 * `eachMessage` payload, a nats.js message, an mqtt.js PUBLISH packet), with its headers; `undefined`
 * for anything else. For the warning that names the system to give. May throw (a hostile object).
 */
export function clientMessageOf(value: object): ClientMessage | undefined {
  const shape = messageShapeOf(value, "any");
  if (shape === undefined) return undefined;
  return {
    client: shape === "kafkajs-payload" ? "kafkajs" : shape,
    path: MESSAGE_HEADERS_PLACES[shape].path,
    headers: headersOfShape(value as Record<string, unknown>, shape),
  };
}

/**
 * The attributes the messaging semantic conventions ask of a consumed message (1.45 "RabbitMQ" and
 * "Kafka" pages, attribute registry), read from a whole message that {@link headersOfMessage}
 * recognises (with the same `kind`); `{}` for headers or anything else. Each only when the message has
 * it in the type the registry gives:
 * - amqplib message: `rabbitmq.destination.routing_key` (`fields.routingKey`, conditionally required
 *   when not empty), `rabbitmq.message.delivery_tag` (`fields.deliveryTag`, an int, conditionally
 *   required when available), `messaging.message.id` (`properties.messageId`),
 *   `messaging.message.conversation_id` (`properties.correlationId`: the conventions' "Sometimes called
 *   Correlation ID"), `messaging.message.body.size` (`content.byteLength`) when `bodySize`.
 * - kafkajs message (`KafkaMessage`): `kafka.offset` (the decimal `offset`, as an int when it is a safe
 *   integer), `kafka.message.key` (a key whose bytes are valid UTF-8, as that text: the conventions
 *   leave out a key with no unambiguous string form), `kafka.message.tombstone` (`true` for a `null`
 *   value, set only then), `messaging.message.body.size` (`value.byteLength`) when `bodySize`;
 *   an `eachMessage` payload adds `messaging.destination.partition.id` (`partition` as text).
 * - under `kind` "any", a nats.js message (`Msg`, JetStream `JsMsg`): `messaging.message.id`, its
 *   `Nats-Msg-Id` header (the name exactly, as nats-server reads it): the id JetStream deduplicates
 *   by, which the publisher gives (nats.js `js.publish(subject, data, { msgID })`). Not the stream
 *   sequence (`info.streamSequence`), unique only within its stream, as a Kafka offset is within its
 *   partition.
 * - an mqtt.js PUBLISH packet: nothing. MQTT 5 gives a message no id: its packet identifier
 *   (`messageId`) is the session's handle of one QoS 1/2 exchange, reused once acknowledged (MQTT 5.0
 *   §2.2.1), and absent at QoS 0.
 * `bodySize`: whether to set `messaging.message.body.size`, Opt-In in the conventions (the caller's
 * `bodySize` option). Never throws (a throwing getter or proxy trap: what was read so far).
 */
export function attributesOfMessage(value: unknown, kind: MessageKind = "any", bodySize = false): Attributes {
  const attributes: Attributes = {};
  if (value === null || typeof value !== "object") return attributes;
  try {
    const message = value as Record<string, unknown>;
    if (kind !== "kafka" && isAmqpMessage(message)) {
      addAmqpAttributes(attributes, message, bodySize);
      return attributes;
    }
    if (kind === "amqp") return attributes;
    if (isKafkaMessage(message)) addKafkaAttributes(attributes, message, bodySize);
    else if (kind === "any" && isNatsMessage(message)) addNatsAttributes(attributes, message);
    else if (isEachMessagePayload(message)) {
      const partition = message.partition as number;
      if (Number.isSafeInteger(partition) && partition >= 0)
        attributes[ATTR_MESSAGING_DESTINATION_PARTITION_ID] = String(partition);
      addKafkaAttributes(attributes, message.message as Record<string, unknown>, bodySize);
    }
  } catch {
    // a throwing getter or proxy trap: what was read
  }
  return attributes;
}

/** UTF-8 that refuses invalid bytes: a Kafka key that is not text has no string form to record. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A non-empty string of at most `MAX_CARRIER_VALUE_LENGTH` UTF-16 units, else `undefined`. */
function shortText(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value.length <= MAX_CARRIER_VALUE_LENGTH
    ? value
    : undefined;
}

function addAmqpAttributes(
  attributes: Attributes,
  message: Record<string, unknown>,
  bodySize: boolean,
): void {
  const fields = message.fields as Record<string, unknown>;
  const properties = message.properties as Record<string, unknown>;
  const routingKey = shortText(fields.routingKey);
  if (routingKey !== undefined) attributes[ATTR_RABBITMQ_DESTINATION_ROUTING_KEY] = routingKey;
  const deliveryTag = fields.deliveryTag;
  if (typeof deliveryTag === "number" && Number.isSafeInteger(deliveryTag) && deliveryTag >= 0)
    attributes[ATTR_RABBITMQ_MESSAGE_DELIVERY_TAG] = deliveryTag;
  const messageId = shortText(properties.messageId);
  if (messageId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_ID] = messageId;
  const correlationId = shortText(properties.correlationId);
  if (correlationId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = correlationId;
  if (bodySize) attributes[ATTR_MESSAGING_MESSAGE_BODY_SIZE] = (message.content as Uint8Array).byteLength;
}

/** A kafkajs offset as it gives one: a text of decimal digits alone. */
const DECIMAL_OFFSET = /^\d+$/;

function addKafkaAttributes(
  attributes: Attributes,
  message: Record<string, unknown>,
  bodySize: boolean,
): void {
  const offset = Number(message.offset);
  if (DECIMAL_OFFSET.test(message.offset as string) && Number.isSafeInteger(offset))
    attributes[ATTR_KAFKA_OFFSET] = offset;
  const key = message.key;
  if (key instanceof Uint8Array && key.byteLength <= MAX_CARRIER_VALUE_LENGTH) {
    try {
      attributes[ATTR_KAFKA_MESSAGE_KEY] = strictUtf8.decode(key);
    } catch {
      // not UTF-8: no unambiguous string form
    }
  }
  if (message.value === null) attributes[ATTR_KAFKA_MESSAGE_TOMBSTONE] = true;
  else if (bodySize) attributes[ATTR_MESSAGING_MESSAGE_BODY_SIZE] = (message.value as Uint8Array).byteLength;
}

/** The message id header of NATS JetStream (nats-server `JSMsgId`, nats.js `JsHeaders.MsgIdHdr`). */
const NATS_MSG_ID_HEADER = "Nats-Msg-Id";

function addNatsAttributes(attributes: Attributes, message: Record<string, unknown>): void {
  const headers = message.headers as { get?: unknown } | undefined;
  if (headers == null || typeof headers.get !== "function") return;
  const messageId = shortText((headers.get as (name: string) => unknown).call(headers, NATS_MSG_ID_HEADER));
  if (messageId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_ID] = messageId;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** amqplib's `ConsumeMessage` / `GetMessage` (see {@link headersOfMessage}). */
function isAmqpMessage(message: Record<string, unknown>): boolean {
  const fields = message.fields;
  return (
    message.content instanceof Uint8Array &&
    isObject(message.properties) &&
    isObject(fields) &&
    typeof fields.exchange === "string" &&
    typeof fields.routingKey === "string"
  );
}

/** A nats.js message, core or JetStream (see {@link headersOfMessage}). */
function isNatsMessage(message: Record<string, unknown>): boolean {
  return (
    typeof message.subject === "string" &&
    message.data instanceof Uint8Array &&
    typeof message.sid === "number"
  );
}

/** An mqtt.js PUBLISH packet (see {@link headersOfMessage}). */
function isMqttPublish(message: Record<string, unknown>): boolean {
  return (
    message.cmd === "publish" && typeof message.topic === "string" && message.payload instanceof Uint8Array
  );
}

/** A kafkajs `eachMessage` payload: `topic`, `partition` and a kafkajs `message` (see {@link headersOfMessage}). */
function isEachMessagePayload(message: Record<string, unknown>): boolean {
  return (
    typeof message.topic === "string" &&
    typeof message.partition === "number" &&
    isObject(message.message) &&
    isKafkaMessage(message.message)
  );
}

/**
 * kafkajs's `KafkaMessage` as decoded (see {@link headersOfMessage}): a record of a v2 record batch
 * (`headers` an object, `timestamp` a string), or a message of a v0/v1 message set, which has no
 * headers ({@link isMessageSetEntry}).
 */
function isKafkaMessage(message: Record<string, unknown>): boolean {
  if (
    typeof message.offset !== "string" ||
    typeof message.attributes !== "number" ||
    !(message.key === null || message.key instanceof Uint8Array) ||
    !(message.value === null || message.value instanceof Uint8Array)
  )
    return false;
  const headers = message.headers;
  return headers === undefined
    ? isMessageSetEntry(message)
    : isObject(headers) && typeof message.timestamp === "string";
}

/**
 * A message of a v0/v1 message set as kafkajs's decoder gives it (kafkajs `messageSet/decoder.js` and
 * `message/decoder.js`, typed `MessageSetEntry`: what a broker before Kafka 0.11, or a log kept in that
 * format, sends): besides the fields every kafkajs message has, `size` and `crc` numbers and `magicByte`
 * 0 or 1, and `timestamp` a string in v1, none in v0; no `headers`. Those fields are what tells it from
 * headers a bridge copied a record's offset, key and value into (`{ offset, timestamp, attributes, key,
 * value, traceparent }`), which stay headers.
 */
function isMessageSetEntry(message: Record<string, unknown>): boolean {
  const magicByte = message.magicByte;
  return (
    (magicByte === 0 || magicByte === 1) &&
    typeof message.size === "number" &&
    typeof message.crc === "number" &&
    (magicByte === 0 ? message.timestamp === undefined : typeof message.timestamp === "string")
  );
}

/** Message headers as {@link headerNumbersAsText} reads them, for a restore. */
export interface MessageHeadersRead {
  /** The headers as a stored-carrier input: numbers as text (the same object when none is a number). */
  headers: unknown;
  /**
   * Whether an `x-datadog-trace-id` / `x-datadog-parent-id` was left out as an AMQP integer amqplib
   * rounded, and said (`TRACEHOP_JSON_NUMBER_ID`): handed to the restore (`extractHeaders`), whose
   * rejection warning then does not say it again as a missing id (`TRACEHOP_CARRIER_REJECTED`).
   */
  roundedIdSaid: boolean;
}

/**
 * Internal to tracehop/messaging: a consumed message's headers (amqplib's, kafkajs', any client's) as a
 * stored-carrier input, their numbers read as the stored-carrier reader reads a JSON number.
 * - Shape: a plain headers object with no number is returned as it is (not copied); one with numbers, as
 *   a shallow copy whose numbers are text: a safe integer as its decimal digits (an AMQP integer, or a
 *   `double` 1.0 amqplib delivers as 1), any other number as `String` writes it (`2.5`, `NaN`), which the
 *   header's grammar then refuses. Booleans, bigints and tables are left for the reader.
 * - Ids: an integer beyond 2^53, or an infinite number, in `x-datadog-trace-id` / `x-datadog-parent-id`
 *   (an AMQP `long` amqplib rounded), alone or in a field array, is left out, said as
 *   `TRACEHOP_JSON_NUMBER_ID`, and `roundedIdSaid` is true.
 * - Limits: headers of more than `MAX_CARRIER_KEYS` names, which the reader reads as a scan of the first
 *   ones and by name beyond, are read for the ids only: among the first `MAX_CARRIER_KEYS` names, and the
 *   two ids by name beyond; no other value is read.
 * - A `Map` (whose numbers the reader reads as a plain object's) is copied only for an id amqplib
 *   rounded, left out and said the same way ({@link mapIdsAsText}).
 * - As they are: anything not a plain headers object (bytes, arrays, `null`), another headers object
 *   kept in entries (`Headers`, NATS `MsgHdrs`: text only), and one whose keys throw when listed. A value
 *   whose getter throws is copied as `undefined`, which the reader skips.
 * - Errors: never throws.
 * The rules: docs/messaging.md, "Reading headers"; docs/warnings.md, `TRACEHOP_JSON_NUMBER_ID`.
 */
export function headerNumbersAsText(headers: unknown): MessageHeadersRead {
  const asTheyAre = { headers, roundedIdSaid: false };
  if (headers === null || typeof headers !== "object") return asTheyAre;
  try {
    // Array.isArray and instanceof consult a proxy's traps: inside the try.
    if (Array.isArray(headers) || ArrayBuffer.isView(headers) || headers instanceof ArrayBuffer)
      return asTheyAre;
    // A Map, Headers or client's header object (NATS MsgHdrs): its own properties are no headers (the
    // reader reads its entries: a Map's, of any realm, with its numbers, as a plain object's; another's
    // text). A Map's id amqplib rounded is left out here and said as a message header, as an object's.
    const kind = readKind(headers);
    if (kind === "map") return mapIdsAsText(headers as Map<unknown, unknown>) ?? asTheyAre;
    if (kind !== undefined) return asTheyAre;
    const source = headers as Record<string, unknown>;
    const names = Object.keys(source);
    const read: NumbersRead = { copy: undefined, roundedIdSaid: false };
    // Headers of more names than the reader scans are read by name beyond the scan and never kept as
    // they are (readStoredCarrier), and the reader reads every other number as this does: only an id
    // amqplib rounded needs this reading, and no other value is looked at.
    const large = names.length > MAX_CARRIER_KEYS;
    const count = Math.min(names.length, MAX_CARRIER_KEYS);
    for (let i = 0; i < count; i++) numberAsText(source, names[i]!, read, large);
    // Beyond the reader's scan it looks up the propagation headers by their lower-case names only
    // (normalize-carrier.ts `OverflowCarrier`): the two ids are read there, no other value.
    if (large) {
      const scanned = new Set(names.slice(0, count));
      for (const name of ROUNDED_ID_NAMES)
        if (!scanned.has(name) && Object.hasOwn(source, name)) numberAsText(source, name, read, true);
    }
    return read.copy === undefined ? asTheyAre : { headers: read.copy, roundedIdSaid: read.roundedIdSaid };
  } catch {
    return asTheyAre; // a throwing proxy trap or getter while copying: read as it is
  }
}

/**
 * Whether `value` is, or is an array holding among its values read (`valuesRead`), a number no id can be
 * as sent (`isUnexactIdNumber`).
 */
function holdsUnexactNumber(value: unknown): boolean {
  if (typeof value === "number") return isUnexactIdNumber(value);
  return (
    Array.isArray(value) &&
    valuesRead(value).some((item) => typeof item === "number" && isUnexactIdNumber(item))
  );
}

/** The two id headers the reader looks up by name beyond its scan of `MAX_CARRIER_KEYS` names. */
const ROUNDED_ID_NAMES = [X_DATADOG_TRACE_ID, X_DATADOG_PARENT_ID] as const;

/** What {@link headerNumbersAsText} has made so far: the copy (once a number was read) and whether an id was refused. */
interface NumbersRead {
  copy: Record<string, unknown> | undefined;
  roundedIdSaid: boolean;
}

/**
 * {@link headerNumbersAsText} for header `name` of `source`: sets `read.copy` (made first from `source`
 * when still `undefined`) with the value's numbers as text ({@link numbersOfValueAsText}), and
 * `read.roundedIdSaid` when an id amqplib rounded was left out and said; leaves `read` as it is when the
 * value holds no number to convert (or its getter throws: the reader skips it too). `roundedIdsOnly`:
 * only an id amqplib rounded is converted (the value of any other name is not read).
 */
function numberAsText(
  source: Record<string, unknown>,
  name: string,
  read: NumbersRead,
  roundedIdsOnly: boolean,
): void {
  // Only an id's value is read then: no other getter is called.
  if (roundedIdsOnly && !isDatadogIdHeader(name)) return;
  let value: unknown;
  try {
    value = source[name];
  } catch {
    return; // a throwing getter: the reader skips it too
  }
  const converted = numbersOfValueAsText(value, name, read, roundedIdsOnly);
  if (converted === UNCHANGED) return;
  // Absent (undefined) for a rounded id, in its place: the names after it keep theirs among the
  // reader's first MAX_CARRIER_KEYS.
  const copy = (read.copy ??= copyOf(source));
  copy[name] = converted;
}

/** What {@link numbersOfValueAsText} gives for a value that holds no number to convert. */
const UNCHANGED: unique symbol = Symbol("unchanged");

/**
 * The value of header `name` (any case) as the reader is to read it, its numbers as text: a number as
 * `messageNumberText` gives it (`undefined`, absent, for an id amqplib rounded, refused and said: then
 * `read.roundedIdSaid`); an AMQP field array of ids (a header sent repeated) as its values read
 * (`valuesRead`: the first `MAX_CARRIER_FIELD_VALUES`, the later ones dropped) with their numbers read by
 * the same rule, a rounded last value refusing the header (`undefined`: `roundedLastIdRefuses`), an earlier
 * one left out. {@link UNCHANGED} for a value that holds no number to convert (an array in another
 * header is the reader's), and, when `roundedIdsOnly`, for one that holds no number no id can be as sent
 * ({@link holdsUnexactNumber}: only an id amqplib rounded is converted).
 */
function numbersOfValueAsText(
  value: unknown,
  name: string,
  read: NumbersRead,
  roundedIdsOnly: boolean,
): unknown {
  if (roundedIdsOnly && !holdsUnexactNumber(value)) return UNCHANGED;
  if (typeof value === "number") {
    const text = messageNumberText(value, name);
    if (text === undefined) read.roundedIdSaid = true;
    return text;
  }
  if (!Array.isArray(value) || !isDatadogIdHeader(name)) return UNCHANGED;
  // The values the getter reads, the same last one among them (valuesRead): the later ones are never
  // read nor said, and a value left out here does not bring one of them among the reader's values.
  const values = valuesRead(value as unknown[]);
  if (!values.some((item) => typeof item === "number")) return UNCHANGED;
  const texts = values.map((item: unknown) =>
    typeof item === "number" ? messageNumberText(item, name) : item,
  );
  if (!texts.includes(undefined)) return texts;
  read.roundedIdSaid = true;
  if (roundedLastIdRefuses(name, values.at(-1), texts.at(-1))) return undefined;
  return texts.filter((item) => item !== undefined);
}

/**
 * {@link headerNumbersAsText} for headers kept in a `Map` (of any realm: a framework's copy of
 * `msg.properties.headers`): the reader reads its numbers as a plain object's, so only an id amqplib
 * rounded (`x-datadog-trace-id` / `x-datadog-parent-id`, any case, alone or in an AMQP field array) is
 * looked for, among the entries the reader scans (the first `MAX_CARRIER_KEYS`) and, for a larger Map, by
 * the two lower-case names it looks up beyond them. A copy (a Map of this realm, entries in their order)
 * with such an id left out and said as a message header (`messageNumberText`); `undefined` when there is
 * none (the Map is read as it is). Throws what the Map's iterator throws (a proxy): the caller's `try`.
 */
function mapIdsAsText(map: Map<unknown, unknown>): MessageHeadersRead | undefined {
  const read: NumbersRead = { copy: undefined, roundedIdSaid: false };
  let copy: Map<unknown, unknown> | undefined;
  const convert = (name: string, value: unknown) => {
    if (!isDatadogIdHeader(name)) return;
    const converted = numbersOfValueAsText(value, name, read, true);
    if (converted !== UNCHANGED) (copy ??= new Map(map)).set(name, converted);
  };
  const large = map.size > MAX_CARRIER_KEYS;
  const scanned = large ? new Set<unknown>() : undefined;
  let seen = 0;
  for (const [key, value] of map) {
    if (++seen > MAX_CARRIER_KEYS) break;
    scanned?.add(key);
    if (typeof key === "string") convert(key, value);
  }
  if (scanned !== undefined)
    for (const name of ROUNDED_ID_NAMES)
      if (!scanned.has(name) && map.has(name)) convert(name, map.get(name));
  return copy === undefined ? undefined : { headers: copy, roundedIdSaid: read.roundedIdSaid };
}

/**
 * A shallow copy of `source`'s own enumerable properties, in their order. A value whose getter throws
 * is copied as `undefined` (the name kept in its place: the reader skips such a value, and scans the
 * same first `MAX_CARRIER_KEYS` names), so that one unreadable header does not leave an id amqplib
 * rounded to the reader, which would say it as a stored JSON number and again as a missing id. The
 * usual path is the spread; the slow one runs only when a getter threw. May throw (a proxy trap).
 */
function copyOf(source: Record<string, unknown>): Record<string, unknown> {
  try {
    return { ...source };
  } catch {
    const copy: Record<string, unknown> = {};
    for (const name of Object.keys(source)) {
      let value: unknown;
      try {
        value = source[name];
      } catch {
        value = undefined;
      }
      // defineProperty: a header named `__proto__` is a property, as the spread makes it.
      Object.defineProperty(copy, name, { value, writable: true, enumerable: true, configurable: true });
    }
    return copy;
  }
}
