/** The options of the messaging span helpers, and the checks every entry point makes before `fn` runs. */
import { assertFrameMax } from "./sendable-field.js";
import type { Attributes, Link, TextMapPropagator } from "@opentelemetry/api";
import type { BaggagePolicy, TraceCarrier, WithCarrierOptions } from "../index.js";
import { assertKnownOptions, assertPlainOptions } from "../known-options.js";
import { describeValue, escapeUnprintable, quoteWritten } from "../describe-value.js";
import { uncleanCharacterNote } from "../clean-text.js";
import { assertOptionValues } from "../context/with-carrier.js";
import type { HeaderEntries } from "./header-entries.js";
import { MESSAGE_TEXT_OPTIONS, messageTextOption } from "./message-restore-options.js";
import { MESSAGING_SYSTEM_VALUE_RABBITMQ } from "./semconv.js";
import { RABBITMQ_DEFAULT_EXCHANGE_NAME } from "./rabbitmq.js";

/** What the span describes; the attributes are set when the span starts, as samplers need them. */
export interface MessagingSpanOptions {
  /**
   * `messaging.system` (and `messaging.system.name`), e.g. `"rabbitmq"`, `"kafka"`: a well-known value in
   * lower case, as the semantic conventions write it ({@link MessagingSystem}, offered by editors), or
   * your own system's name (any non-empty text). A well-known value in another case (`"Kafka"`) is a
   * `TypeError`. Required.
   */
  // `string & {}`: any text is legal, and MessagingSystem's names are still offered.
  system: MessagingSystem | (string & {});
  /**
   * `messaging.destination.name`: the Kafka topic; for RabbitMQ the name `rabbitmqDestinationName` gives
   * (`{exchange}:{routing key}`, the routing key alone through the default exchange, `amq.default`
   * with neither: RabbitMQ conventions, note on `messaging.destination.name`). Required. `""` under
   * system `"rabbitmq"` is the default exchange, as amqplib takes it (a message's `fields.exchange`),
   * and is named as the conventions name it, never `""`: by `routingKey` when a send span is given a
   * non-empty one, else `amq.default` (a consumer's `rabbitmqDestinationName(msg, queue)` gives the
   * routing key from the message); for another system it names no destination, and the span name is
   * the operation name.
   * The span name uses `messaging.destination.template` instead when `attributes` gives one, and
   * leaves the destination out when `attributes` sets `messaging.destination.anonymous` or
   * `messaging.destination.temporary` to `true` (messaging conventions, "Span name").
   */
  destination: string;
  /**
   * `messaging.operation.name`, a non-empty string: your system's name of the helper's operation
   * (`basic.publish`, `consume`, `process_batch`). Default: `publish` for rabbitmq, `send` otherwise;
   * `process` on consume. Your configuration: another value is a `TypeError`, and so is the name of
   * another operation type (`receive`, `send`, `settle`... on `withProcessSpan`: its span stays a
   * CONSUMER span of type `process`; the conventions' receive span is a CLIENT span around the pull).
   */
  operationName?: string | undefined;
  /**
   * `messaging.message.id`, when the application or the broker gives one. Usually read from the
   * message, so no value fails it: a string as it is; a Buffer or Uint8Array (a kafkajs header) decoded
   * as UTF-8, as the header getters decode a header value; a safe integer or a bigint as its decimal
   * text; `null`, `undefined`, `""` or empty bytes: no id (a whole message's own id, an amqplib
   * `properties.messageId`, then stays), said nothing. Anything else (an array: a header or MQTT 5 user property
   * repeated; an object, `NaN`, `2.5`) gives no id, said once per process
   * (`TRACEHOP_MESSAGE_OPTION_IGNORED`), and the message is handled as usual.
   */
  messageId?: string | Uint8Array | number | bigint | null | undefined;
  /**
   * `messaging.message.conversation_id`: the message's correlation id (amqplib's `correlationId`
   * property; the conventions' "Sometimes called Correlation ID", Recommended on the RabbitMQ and Kafka
   * spans of one message). Taken as `messageId` is: read from the message, so no value fails it; a
   * value that is none of those said once per process (`TRACEHOP_MESSAGE_OPTION_IGNORED`). A whole
   * amqplib message given to `withProcessSpan` sets it from `properties.correlationId`; this wins.
   */
  conversationId?: string | Uint8Array | number | bigint | null | undefined;
  /**
   * More attributes (`server.address`; `messaging.message.body.size`, which the conventions make Opt-In:
   * tracehop sets it only when given here, or on `withProcessSpan` with its `bodySize` option); they win
   * over tracehop's.
   */
  attributes?: Attributes | undefined;
  /** More span links, given at span creation. */
  links?: Link[] | undefined;
  /** Default: `createPropagator()`. */
  propagator?: TextMapPropagator | undefined;
}

/**
 * Which context a relay puts on the message it sends for a stored creation context
 * ({@link SendSpanOptions.creationContext}):
 * - `"send-span"` (default): the relay's own PRODUCER send span, a child of the stored context. The
 *   consumer's span becomes a child of the relay's, so the hop shows in the trace and in Datadog's
 *   service map (edges come from parent/child spans). Debezium's outbox event router and
 *   tomorrow-one/transactional-outbox do this (Debezium's `ActivateTracingSpan`, tomorrow-one's
 *   `MicrometerTracingService`).
 * - `"creation-context"`: the stored context itself, re-encoded but unchanged (same trace, span id,
 *   flags, tracestate members, baggage and Datadog fields; its `dd=` member written again from those
 *   fields, docs/conformance.md; the baggage kept to
 *   {@link SendSpanOptions.baggage}), as the messaging semantic conventions ask of a
 *   creation context supplied by the user ("Messaging spans", context propagation). The send span is
 *   then a CLIENT span (its context is not the creation context) related to the stored context by
 *   `relation`; with `relation: "link"` it links to it, as the conventions recommend.
 */
export type RelayForwarding = "send-span" | "creation-context";

/**
 * Options `withCarrier` takes besides the span's description: `relation` (`"parent"` | `"link"` |
 * `"none"` | `"auto"`, default `setRestoreDefaults`' relation, initially `"parent"`; not given inside a
 * restore of the same context, that restore's: docs/restore.md "Nested restores"), and whatever else
 * the core restore accepts (`maxParentAge`, `capturedAt`, `attempt`, ...). Passed through unchanged,
 * except a value of `attempt`, `run` or `capturedAt` that is unusable (`NaN`, `"3.5"`, `2.5`, an
 * `attempt` or `run` beyond `Number.MAX_SAFE_INTEGER`, a text that is no time): these usually come
 * from the message (a delivery count header, a timestamp), so such a value is left out with a
 * once-per-process warning (`TRACEHOP_MESSAGE_OPTION_IGNORED`) and `fn` runs as usual, as `withCarrier`
 * leaves out a bad `attempt` or `run`. (`withSendSpan` reads them only with a `creationContext`:
 * without one they are not used, and nothing is said.)
 */
export interface RestoreOptions extends Omit<
  WithCarrierOptions,
  "kind" | "attributes" | "links" | "propagator" | "attempt" | "run" | "capturedAt"
> {
  /**
   * 1-based attempt number of this delivery (a delivery count): an integer from 1 to
   * `Number.MAX_SAFE_INTEGER`, a number, a bigint or a text of its decimal digits (taken as its
   * number), as `withCarrier` takes it; becomes `tracehop.attempt`. `null` is none, said nothing.
   * Another value (`NaN` from `Number()` of a missing header, `0`, `"3.5"`, a Buffer: decode it) is
   * left out, said once per process (`TRACEHOP_MESSAGE_OPTION_IGNORED`), and the message handled: a
   * value read from a message must never fail it.
   */
  attempt?: number | bigint | string | null | undefined;
  /**
   * 1-based run number of a repeating job: taken as `attempt` is; another value is left out with the
   * warning, as `attempt`.
   */
  run?: number | bigint | string | null | undefined;
  /**
   * When the message's carrier was captured, as `withCarrier`'s `capturedAt` (a `Date`, epoch
   * milliseconds as a number, a bigint or a text of digits, ISO 8601 text; `null`: unknown, said
   * nothing). A value that is no time (`"yesterday"`, an invalid `Date`) is left out, said once per
   * process (`TRACEHOP_MESSAGE_OPTION_IGNORED`): a relay's queue wait then comes from the row's
   * `createdAt`.
   */
  capturedAt?: Date | number | bigint | string | null | undefined;
}

/** Options of `withSendSpan`. `H` is the type of the message headers object. */
export interface SendSpanOptions<H extends Record<string, unknown> | HeaderEntries = TraceCarrier>
  extends MessagingSpanOptions, RestoreOptions {
  /**
   * The message's headers (default: `{}`). Send the object `fn` receives, never this one: `fn`
   * receives them with the context, propagation headers already there (copied from a consumed message,
   * say) removed first (any case; never a mix, DataDog/dd-trace-dotnet#3832).
   *
   * The object given is never written, unless it is a header-entries object filled through its own
   * methods — a `Map`, a WHATWG `Headers` object, a client's header object with `set`/`delete` (NATS
   * `MsgHdrs`): `fn` receives the same object with the context, never properties that would not
   * travel; one per message, never shared between sends — or an instance of a class, written as
   * properties in place (said once per process, `TRACEHOP_HEADERS_AS_PROPERTIES`). Any other object
   * (plain, null-prototype, or inheriting data fields: `Object.create(defaults)`, amqplib's consumed
   * headers whose `__proto__` header became their prototype) gives `fn` a new plain object of the fields
   * a client encoding with `for…in` sends (own and inherited, own first), except the propagation
   * headers, then the context; the given object and its prototypes stay exactly as they were. One
   * module-level object of application headers can so serve every send, concurrent ones included, and
   * a consumed message's headers can be redriven unchanged. One of those filled in place that cannot
   * take the context (frozen, sealed, a throwing setter, method or proxy trap, an immutable `Headers`)
   * is copied: `fn` receives the copy with the context, never an error (`writeCarrierToHeaders`). Headers that are not an object (text, a number, a boolean) cannot take
   * the context: `fn` receives them unchanged, and it is said once per process
   * (`TRACEHOP_HEADERS_NOT_AN_OBJECT`), not thrown.
   */
  headers?: H | undefined;
  /**
   * A stored carrier (an outbox row's `traceContext`, or the row itself; untrusted) holding the
   * message's creation context: the relay case. Absent: the send span is a child of the active context
   * and its context is the creation context. `relation` and the other {@link RestoreOptions} say how
   * the send span relates to it (as in `withCarrier`).
   */
  creationContext?: unknown;
  /**
   * RabbitMQ's routing key of the publish (`publish(exchange, routingKey, ...)`; `sendToQueue(queue)`'s
   * is the queue): `rabbitmq.destination.routing_key`, which the RabbitMQ conventions make Conditionally
   * Required, "if not empty", on the send span as on the consumer's (set from a whole message there).
   * Only under system `"rabbitmq"` (another system is a `TypeError`). Taken as `messageId` is: `""`,
   * `null` or `undefined` set nothing, another value that is no text is left out with the warning.
   */
  routingKey?: string | Uint8Array | number | bigint | null | undefined;
  /**
   * Under system `"rabbitmq"`: the `frame_max` the connection negotiated with the broker, in bytes
   * (amqplib: `connection.connection.frameMax`; 131 072 by default in RabbitMQ and in amqplib's
   * `connect` from 0.10.6 on, 4 096 in amqplib 0.10.5 and older; as low as 4 096, the AMQP 0-9-1
   * frame-min-size, 8 192 on RabbitMQ 4.1 and later). The headers then get no field with which their
   * table would be over `frameMax` minus 2 592 bytes, so that the content header frame fits (AMQP 0-9-1
   * §4.2.3: amqplib does not check it, and RabbitMQ closes the whole connection, 501 FRAME_ERROR, on a
   * larger one): `injectAmqpHeaders`'s option (docs/messaging.md, "The connection's frameMax"). Unset or
   * 0: only amqplib's 65 536-byte table limit. Not 0 nor an integer from 4 096 to 2^32 - 1, or given
   * under another system: a TypeError.
   */
  frameMax?: number | undefined;
  /** With `creationContext`: which context the message carries. Default `"send-span"`. */
  forward?: RelayForwarding | undefined;
  /**
   * Which baggage entries the headers get: `"all"` (default: message headers are the wire, as HTTP
   * headers are, and carry the context's whole baggage as the propagator writes it), `"none"` (no
   * `baggage`, `ot-baggage-*` nor `uberctx-*` header), or a list of baggage keys (exact, case-sensitive; each an
   * RFC 7230 token, W3C Baggage §3.2.1.2; `[]` keeps none): the policy, checks and messages of
   * `captureCarrier`'s `baggage` option (`BaggagePolicy`), on every path (a new span, an enclosing
   * PRODUCER span, a relay's `forward: "creation-context"`, whose stored baggage is filtered as well).
   * A broker or client that limits the size of a message's headers may need it: amqplib encodes the
   * whole header table into a 65 536-byte buffer and throws a RangeError from `publish`/`sendToQueue`
   * for a larger one (docs/messaging.md, "Writing headers"), and a baggage may be up to 8 192 bytes
   * (W3C Baggage §3.3.1). A bad value is a TypeError before `fn` runs.
   */
  baggage?: BaggagePolicy | undefined;
  /**
   * Run `fn` with tracing suppressed (`suppressTracing` of `@opentelemetry/core`), default `true`: an
   * OpenTelemetry kafkajs or amqplib instrumentation then starts no second send span and injects no
   * second context into the headers tracehop wrote. Spans of any other work inside `fn` are
   * suppressed as well (a database instrumentation's, `traced`'s), so keep `fn` to handing the message
   * to the client. tracehop's own captures see through this suppression, and through no other:
   * `captureCarrier`, `injectKafkaHeaders`/`injectAmqpHeaders`, a nested `withSendSpan` (which uses
   * the send span, whose context its headers carry) and the `tracehop/prisma` extension's carrier give
   * the send span's context inside `fn`; under a suppression of your own (`suppressTracing`, set
   * before `withSendSpan` is called) they give `{}` as everywhere. tracehop tells the two apart by a
   * context key it sets with its suppression (`@opentelemetry/core`'s flag is the same `true` for
   * both), so a `suppressTracing` of yours inside `fn` is not told apart and is seen through too.
   * `false`: nothing is suppressed, and any instrumentation inside `fn` traces (and injects) as usual.
   */
  suppressInstrumentation?: boolean | undefined;
}

/**
 * Options of `withProcessSpan`. `relation` (see {@link RestoreOptions}) relates the
 * process span to the message's creation context: `"parent"` (the default; single-message processing
 * MAY parent, messaging conventions, and Datadog shows one trace), `"link"` (new trace linked to it: batches,
 * delayed or repeated work), `"none"`, `"auto"`.
 */
export interface ProcessSpanOptions extends MessagingSpanOptions, RestoreOptions {
  /**
   * `true`: set `messaging.message.body.size` from a whole message handed in (an amqplib message's
   * `content`, a kafkajs message's or `eachMessage` payload's `value`: its bytes). The conventions make
   * it Opt-In (attribute requirement levels: not included by default, included by configuration), so it
   * is set only when asked, as on a send span (where `attributes` gives it). Default: `false`. Headers
   * alone, or another client's message, have no body to measure: nothing is set.
   */
  bodySize?: boolean | undefined;
}

/** Options of `withBatchProcessSpan`. `M` is the type of one message. */
export interface BatchProcessSpanOptions<M = unknown> extends Omit<
  MessagingSpanOptions,
  "messageId" | "conversationId"
> {
  /**
   * The headers of one message, as delivered (kafkajs `message.headers`, amqplib
   * `msg.properties.headers`). Default: `msg.properties.headers` of an amqplib message, else
   * `message.headers` (kafkajs). Called once per message. A throwing function counts as a message
   * without headers; headers it returns wrapped in an object (`{ headers: msg.properties.headers }`)
   * restore nothing, said once per process (`TRACEHOP_CARRIER_IN_OTHER_FIELD`).
   */
  headersFrom?: ((message: M) => unknown) | undefined;
  /**
   * `true`: the batch span is the root of a new trace even when a span is active at the call (a poll
   * loop's), instead of that span's child; the messages are linked all the same, and the new trace is
   * sampled by the root sampler (docs/restore.md, "Batches", "Sampling"). Default: `false`.
   */
  root?: boolean | undefined;
}

/** The options read as text from the message ({@link messageTextOption}). */
const MESSAGE_TEXT_OPTION_NAMES = Object.keys(MESSAGE_TEXT_OPTIONS) as (keyof typeof MESSAGE_TEXT_OPTIONS)[];

/** Names of {@link MessagingSpanOptions}, and those each entry point takes besides them. */
const MESSAGING_OPTION_NAMES = [
  "system",
  "destination",
  "operationName",
  "messageId",
  "conversationId",
  "attributes",
  "links",
  "propagator",
];
/** The names of `RestoreOptions` (`withCarrier`'s options that a messaging span passes on). */
const RESTORE_OPTION_NAMES = ["relation", "maxParentAge", "capturedAt", "attempt", "run"];
const OPTION_NAMES: Record<string, readonly string[]> = {
  withSendSpan: [
    ...MESSAGING_OPTION_NAMES,
    ...RESTORE_OPTION_NAMES,
    "headers",
    "creationContext",
    "forward",
    "routingKey",
    "frameMax",
    "suppressInstrumentation",
    "baggage",
  ],
  withProcessSpan: [...MESSAGING_OPTION_NAMES, ...RESTORE_OPTION_NAMES, "bodySize"],
  withBatchProcessSpan: [
    // A batch span is no one message's.
    ...MESSAGING_OPTION_NAMES.filter((name) => name !== "messageId" && name !== "conversationId"),
    "headersFrom",
    "root",
  ],
};

/**
 * The well-known values of `messaging.system.name` (semantic conventions 1.45 attribute registry,
 * "messaging").
 */
const REGISTRY_SYSTEMS = [
  "activemq",
  "aws.sns",
  "aws.sqs",
  "azure.eventgrid",
  "azure.eventhubs",
  "azure.servicebus",
  "gcp.pubsub",
  "jms",
  "kafka",
  "pulsar",
  "rabbitmq",
  "rocketmq",
] as const;

/**
 * The `system` names editors offer for the messaging helpers' {@link MessagingSpanOptions.system}: the
 * well-known values of `messaging.system.name` (semantic conventions 1.45 attribute registry), and
 * `"nats"` and `"mqtt"`, which the registry lacks and tracehop's messages name for nats.js and mqtt.js
 * messages. The option takes any other non-empty text too (your own system's name).
 */
export type MessagingSystem = (typeof REGISTRY_SYSTEMS)[number] | (typeof TRACEHOP_SYSTEMS)[number];

/**
 * The systems the registry lacks that tracehop names itself: nats.js and mqtt.js messages
 * (other-system-message.ts), written in lower case as the registry's names are.
 */
const TRACEHOP_SYSTEMS = ["nats", "mqtt"] as const;

/** The older `messaging.system` spellings of registry systems (before semantic conventions 1.30's renames). */
const OLDER_SYSTEM_NAMES = ["aws_sqs", "eventgrid", "eventhubs", "servicebus", "gcp_pubsub"] as const;

/** The names whose other spellings in case the runtime refuses ({@link WELL_KNOWN_SYSTEMS}). */
type WellKnownSystemName =
  (typeof REGISTRY_SYSTEMS)[number] | (typeof OLDER_SYSTEM_NAMES)[number] | (typeof TRACEHOP_SYSTEMS)[number];

/** {@link OPERATION_TYPE_OF_WORD} as a type: each well-known operation word and its type. */
type OperationTypeOfWord = typeof OPERATION_TYPE_OF_WORD;

/**
 * What the messaging helpers check a literal `operationName` `O` against, at compile time, as the
 * runtime checks it (`assertOperationOfType`): `unknown` for a name of the span's own operation type `T`
 * (`"send"` for `withSendSpan`, `"process"` for the others), a system's own name (`"basic.publish"`) or a
 * `string` read from configuration; for a well-known word of another type (`"receive"` or `"send"` on a
 * process span, in any case), which the runtime refuses with a `TypeError`, an object type naming
 * both types, so that tsc says `Type '"receive"' is not assignable to type '"receive" & {
 * "options.operationName: names another operation type than the span's": ... }'`. White space around
 * the word is not looked at here (the runtime trims it).
 */
export type OperationNameOfType<T extends string, O extends string> = string extends O
  ? unknown
  : Lowercase<O> extends keyof OperationTypeOfWord
    ? OperationTypeOfWord[Lowercase<O>] extends T
      ? unknown
      : {
          "options.operationName: names another operation type than the span's": `${Lowercase<O>} is a ${OperationTypeOfWord[Lowercase<O>]} operation, not ${T}`;
        }
    : unknown;

/**
 * What `withSendSpan` checks its options against for a literal `system` `S`, at compile time, as the
 * runtime checks them (`requireOptions`): `unknown` (no constraint) under `"rabbitmq"` and for a
 * `string` read from configuration (checked at run time only); under another literal system, whose
 * `routingKey` the runtime refuses with a `TypeError`, `routingKey` may only be `""`, `null` or
 * `undefined` (set nothing), so that tsc says `Type '"k"' is not assignable to type '"options.routingKey is
 * RabbitMQ's: system \"rabbitmq\"" | "" | null | undefined'`. A union is refused unless every member
 * is `"rabbitmq"`. A wrapper generic over the system (`<S extends string>(system: S) => withSendSpan({
 * system, ... })`) cannot be checked so: pass `system as string` there (checked at run time).
 */
export type RoutingKeyUnderSystem<S extends string> = string extends S
  ? unknown
  : [S] extends [typeof MESSAGING_SYSTEM_VALUE_RABBITMQ]
    ? unknown
    : { routingKey?: 'options.routingKey is RabbitMQ\'s: system "rabbitmq"' | "" | null | undefined };

/**
 * What `withSendSpan` hands its callback under `system` `S`, for headers of type `H`: `H`, or
 * `H | undefined` when `S` is `"mqtt"` (or a union of literals holding it). Under `"mqtt"` an empty
 * plain object (nothing injected and no application user property: tracing suppressed, no context
 * manager, a propagator that writes nothing such as `OTEL_PROPAGATORS=none`) is handed as `undefined`,
 * so that `properties: { userProperties }` leaves it out of the packet: mqtt.js 5 (mqtt-packet 9)
 * sizes `userProperties: {}` as a property of length 0, drops the packet and never settles the
 * publish, while it skips an `undefined` property. Under any other system `fn` receives the object
 * as before. A `system` typed `string` (read from configuration, `SendSpanOptions` without a type
 * argument, `withSendSpan<H>(...)`) gives `H`, as {@link SystemAsConventionsWrite} leaves such a value
 * to the run-time check: code that may send under `"mqtt"` so checks for `undefined` itself
 * (docs/messaging.md, "Other clients").
 */
export type SentHeaders<S extends string, H> = string extends S ? H : "mqtt" extends S ? H | undefined : H;

/**
 * What the messaging helpers check a literal `system` `S` against, at compile time, as the runtime
 * checks it (`requireOptions`): `unknown` (no constraint) for any name the runtime takes — a well-known
 * one as the conventions write it, your own system's, or a `string` read from configuration (checked at
 * run time only) — and, for a well-known name in another case (`"RabbitMQ"`, `"Kafka"`), which the
 * runtime refuses with a `TypeError`, an object type naming the spelling to use, so that tsc says
 * `Type '"RabbitMQ"' is not assignable to type '"RabbitMQ" & { "options.system: a well-known system is
 * written in lower case": "rabbitmq"; }'`. A union is refused when any member is.
 */
export type SystemAsConventionsWrite<S extends string> = string extends S
  ? unknown
  : true extends (
        S extends WellKnownSystemName ? false : Lowercase<S> extends WellKnownSystemName ? true : false
      )
    ? { "options.system: a well-known system is written in lower case": Lowercase<S> }
    : unknown;

/**
 * The well-known values of `messaging.system.name` ({@link REGISTRY_SYSTEMS}), the older
 * `messaging.system` spellings they replaced, and tracehop's `nats` and `mqtt`. Another value is the
 * user's own system and is written as given; one of these in another case is a mistake that would stop
 * Datadog and the conventions' tooling from recognising the system, and give one system two names
 * (`NATS` beside the `nats` tracehop's own spans of nats.js messages carry).
 */
const WELL_KNOWN_SYSTEMS: ReadonlySet<string> = new Set([
  ...REGISTRY_SYSTEMS,
  ...OLDER_SYSTEM_NAMES,
  ...TRACEHOP_SYSTEMS,
]);

/**
 * The `messaging.operation.type` values of the 1.45 registry (`create`, `send`, `receive`, `process`,
 * `settle`) and the deprecated ones it maps to them (`publish`: "Replaced by `send`"; `deliver`:
 * "Replaced by `process`"), each with its type: an `operationName` that is one of them names that type's
 * operation.
 */
const OPERATION_TYPE_OF_WORD = {
  create: "create",
  send: "send",
  publish: "send",
  receive: "receive",
  process: "process",
  deliver: "process",
  settle: "settle",
} as const;

/** What the span of each entry point is: its `messaging.operation.type` and the default name to give. */
const SPAN_OPERATION: Readonly<Record<string, { type: string; what: string; name: string }>> = {
  withSendSpan: {
    type: "send",
    what: "sends the message (kind PRODUCER)",
    name: 'the default: "publish" for rabbitmq, "send" otherwise',
  },
  withProcessSpan: {
    type: "process",
    what: "processes the message (kind CONSUMER)",
    name: 'the default: "process"',
  },
  withBatchProcessSpan: {
    type: "process",
    what: "processes the batch (kind CONSUMER)",
    name: 'the default: "process"',
  },
};

/**
 * Refuses an `operationName` that is a well-known operation type other than the span's own
 * (`receive` on `withProcessSpan`: the span would be named a receive while its
 * `messaging.operation.type` is `process` and its kind CONSUMER; the conventions' receive span is a
 * CLIENT span around the pull itself, `channel.get`, and processing a pulled message is a process
 * span: "Messaging spans", "Consumer spans"). Compared in lower case, around white space trimmed. Another name (`consume`,
 * `process_batch`, `basic.publish`) is the system's own name of the operation, taken as it is.
 * @throws TypeError naming the helper, the name and what to pass.
 */
function assertOperationOfType(entry: string, operationName: string): void {
  const own = SPAN_OPERATION[entry];
  const word = operationName.trim().toLowerCase();
  // Own words only: "constructor" or "__proto__" is a system's own name, not Object.prototype's field.
  const type = Object.hasOwn(OPERATION_TYPE_OF_WORD, word)
    ? (OPERATION_TYPE_OF_WORD as Readonly<Record<string, string>>)[word]
    : undefined;
  if (own === undefined || type === undefined || type === own.type) return;
  throw new TypeError(
    `tracehop ${entry}: options.operationName ${quoteWritten(operationName)} names a ${type} operation (messaging.operation.type ${JSON.stringify(type)}${type === "receive" ? ": a CLIENT span around the pull itself, channel.get" : ""}), while ${entry}'s span ${own.what}, messaging.operation.type ${JSON.stringify(own.type)}; leave operationName out (${own.name}) or give your system's own name of that operation` +
      (type === "receive"
        ? ` (a message pulled with channel.get is processed in a process span, as one pushed to a consume callback)`
        : ""),
  );
}

/**
 * The error message of options passed where an entry point takes the message (`first`, the argument
 * named `firstName`) and the message where it takes the options: `withProcessSpan(options, msg, fn)`,
 * the order of `withSendSpan(options, fn)` with the message put in. Said when `first` is an object with
 * a `system` string of its own (message headers have none: `system` is not a header a client writes)
 * and `options` has none, so only a call that fails anyway; else "". The message names the order to use.
 * Never throws (a Proxy or a getter that throws: "").
 */
function swappedOptionsHint(entry: string, options: unknown, firstName: string, first: unknown): string {
  try {
    // The usual call, options with a system: one look at them, none at the message.
    const given =
      options !== null && typeof options === "object"
        ? Object.getOwnPropertyDescriptor(options, "system")
        : undefined;
    if (given !== undefined && (given.get !== undefined || typeof given.value === "string")) return "";
    if (first === null || typeof first !== "object") return "";
    const system = Object.getOwnPropertyDescriptor(first, "system")?.value as unknown;
    if (typeof system !== "string") return "";
    return (
      `tracehop ${entry}: the options come second: ${entry}(${firstName}, options, fn), and the options ` +
      `({ system: ${quoteWritten(system)}, ... }) were given first, ${describeValue(options)} second`
    );
  } catch {
    return "";
  }
}

/**
 * Throws unless `value`, the option `name` of `entry` written in code (`system`, `operationName`) and
 * exported as is in the attribute `attribute` and the span name, holds no control character or lone
 * surrogate (`uncleanCharacterNote`). Not the options read from a message (`destination`, `messageId`,
 * `routingKey`: data, never an error).
 *
 * @throws TypeError `tracehop <entry>: options.<name> must not hold a control character or a lone
 *   surrogate (<attribute>): its character 3 is U+0009 (tab), got "my\tbus"; remove it`.
 */
function assertCleanName(entry: string, name: string, attribute: string, value: string): void {
  const note = uncleanCharacterNote(value);
  if (note !== undefined)
    throw new TypeError(
      `tracehop ${entry}: options.${name} must not hold a control character or a lone surrogate (${attribute}): ${note}, got ${describeValue(value)}; remove it`,
    );
}

/**
 * Internal: throws unless `system`, the `options.system` of `entry` (a messaging entry point's, or
 * `writeCarrierToHeaders`'s), is a non-empty string without white space around it nor a control
 * character ({@link assertCleanName}), and a well-known system (`messaging.system.name` values, and
 * tracehop's `nats` and `mqtt`) in lower case, as the conventions write it.
 * @throws TypeError naming `entry`, the option, and the spelling to write.
 */
export function assertSystemName(entry: string, system: unknown): void {
  if (typeof system !== "string" || system.trim() === "") {
    throw new TypeError(
      `tracehop ${entry}: options.system must be a non-empty string, e.g. "rabbitmq" or "kafka", got ${describeValue(system)}`,
    );
  }
  // White space around a name (" nats", "kafka\n" read from configuration) would make a second system
  // of the same one: refused, as operationName's type check trims it.
  if (system.trim() !== system) {
    // The spelling to write in one step: trimmed, and a well-known name in lower case (" NATS ").
    const trimmed = system.trim();
    const write = WELL_KNOWN_SYSTEMS.has(trimmed.toLowerCase()) ? trimmed.toLowerCase() : trimmed;
    throw new TypeError(
      `tracehop ${entry}: options.system must have no white space around it (messaging.system.name), write ${escapeUnprintable(JSON.stringify(write))}, got ${escapeUnprintable(JSON.stringify(system))}`,
    );
  }
  assertCleanName(entry, "system", "messaging.system.name", system);
  if (!WELL_KNOWN_SYSTEMS.has(system)) {
    const lower = system.toLowerCase();
    if (WELL_KNOWN_SYSTEMS.has(lower))
      throw new TypeError(
        `tracehop ${entry}: options.system must be written ${JSON.stringify(lower)} (messaging.system.name values are lower case, the semantic conventions' and tracehop's nats and mqtt; Datadog and the conventions' tooling match them exactly), got ${quoteWritten(system)}`,
      );
  }
}

/**
 * Checks the options of the messaging entry point `entry` (`withSendSpan`, `withProcessSpan`,
 * `withBatchProcessSpan`) before anything starts: a plain object, `system` a non-empty string written as
 * the conventions spell it, `operationName` (when given) a non-empty string, both without a control
 * character ({@link assertCleanName}), `destination` a string (`""` under
 * system `"rabbitmq"` named as the default exchange: {@link MessagingSpanOptions.destination}), no
 * unknown name, and the values shared with `withCarrier` (`links`, `propagator`, `relation`,
 * `maxParentAge`) and `forward`: the caller's configuration. Returns the options to use: `options`, or
 * a copy whose `links` are the links as checked, each read once (`assertOptionValues`), and whose
 * `messageId`, `conversationId` and `routingKey`, read from the message, are their text or left out
 * (`messageTextOption`: never an error). A `routingKey` other than `""`, `null` or `undefined` under a
 * system other than `"rabbitmq"` is a `TypeError`, and so is a `frameMax` that is no frame_max
 * (`assertFrameMax`) or is given (not 0) under another system.
 * `before`, for an entry point that takes the message first (`withProcessSpan(headers, options, fn)`,
 * `withBatchProcessSpan(messages, options, fn)`), names that argument and gives what was passed there:
 * options there while `options` has no `system` is the arguments swapped ({@link swappedOptionsHint}).
 * @throws TypeError or RangeError naming `entry` and the option.
 */
export function requireOptions<O extends MessagingSpanOptions>(
  entry: string,
  options: O | undefined,
  before?: { name: string; value: unknown },
): O {
  if (before !== undefined) {
    const hint = swappedOptionsHint(entry, options, before.name, before.value);
    if (hint !== "") throw new TypeError(hint);
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `tracehop ${entry}: options must be an object with system and destination, got ${describeValue(options)}`,
    );
  }
  // An array, a Map: its own fields are not options (the message of every entry point).
  assertPlainOptions(options, `tracehop ${entry}`);
  // Names first: a misspelt `destnation` is said as that ("did you mean destination?"), not as a
  // missing destination.
  assertKnownOptions(options, OPTION_NAMES[entry]!, `tracehop ${entry}`);
  assertSystemName(entry, options.system);
  if (
    options.operationName !== undefined &&
    (typeof options.operationName !== "string" || options.operationName.trim() === "")
  )
    throw new TypeError(
      `tracehop ${entry}: options.operationName must be a non-empty string (messaging.operation.name, e.g. "process" or "publish"; leave it out for the default), got ${describeValue(options.operationName)}`,
    );
  if (options.operationName !== undefined) {
    assertCleanName(entry, "operationName", "messaging.operation.name", options.operationName);
    assertOperationOfType(entry, options.operationName);
  }
  if (typeof options.destination !== "string") {
    throw new TypeError(
      `tracehop ${entry}: options.destination must be a string (messaging.destination.name: the topic or queue name; for RabbitMQ, rabbitmqDestinationName(exchange, routingKey) when publishing, rabbitmqDestinationName(msg, queue) when consuming), got ${describeValue(options.destination)}`,
    );
  }
  // One check of the values every entry point shares with withCarrier (`links`, `propagator`, and the
  // restore options `relation`, `maxParentAge`), before anything starts: whichever path the call takes
  // (a new span, an instrumentation's span, a relay's CLIENT span), a bad value is the same TypeError
  // or RangeError naming the option. Not `attempt`, `run` or `capturedAt`: read from the message
  // (messageRestoreOptions), a bad one is left out, never a failed message.
  let checked = assertOptionValues(options as WithCarrierOptions, entry, false) as O;
  const routingKey = (options as SendSpanOptions).routingKey;
  // "" (or empty bytes) sets nothing (the conventions set the routing key only when not empty), under
  // any system: a configured `cfg.routingKey ?? ""` is no error.
  const emptyKey = routingKey === "" || (routingKey instanceof Uint8Array && routingKey.byteLength === 0);
  if (routingKey != null && !emptyKey && options.system !== MESSAGING_SYSTEM_VALUE_RABBITMQ)
    throw new TypeError(
      `tracehop ${entry}: options.routingKey is RabbitMQ's (rabbitmq.destination.routing_key) and takes system "rabbitmq", got system ${describeValue(options.system)}; give another system's routing attribute in options.attributes`,
    );
  const frameMax = (options as SendSpanOptions).frameMax;
  assertFrameMax(frameMax, entry);
  if (frameMax !== undefined && frameMax !== 0 && options.system !== MESSAGING_SYSTEM_VALUE_RABBITMQ)
    throw new TypeError(
      `tracehop ${entry}: frameMax is an AMQP connection's frame_max, for system "rabbitmq" only, got system ${describeValue(options.system)}`,
    );
  // Read from the message or its row (a header, a property, an MQTT user property, a column): never an
  // error (messageTextOption).
  for (const name of MESSAGE_TEXT_OPTION_NAMES) {
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined || (typeof value === "string" && value !== "")) continue;
    const text = messageTextOption(value, entry, name);
    const copy: Record<string, unknown> = { ...checked, [name]: text };
    if (text === undefined) delete copy[name];
    checked = copy as O;
  }
  // "" under RabbitMQ is the default exchange, as amqplib takes it (msg.fields.exchange of a message sent
  // to a queue): a value from the message, never an error; named as the conventions name it.
  if (options.destination === "" && options.system === MESSAGING_SYSTEM_VALUE_RABBITMQ) {
    const key = (checked as SendSpanOptions).routingKey;
    const destination = typeof key === "string" && key !== "" ? key : RABBITMQ_DEFAULT_EXCHANGE_NAME;
    checked = { ...checked, destination };
  }
  const root = (options as BatchProcessSpanOptions).root;
  if (root !== undefined && typeof root !== "boolean")
    throw new TypeError(`tracehop ${entry}: root must be true or false, got ${describeValue(root)}`);
  const bodySize = (options as ProcessSpanOptions).bodySize;
  if (bodySize !== undefined && typeof bodySize !== "boolean")
    throw new TypeError(
      `tracehop ${entry}: bodySize must be true or false (true: set messaging.message.body.size from the whole message), got ${describeValue(bodySize)}`,
    );
  const forward = (options as SendSpanOptions).forward;
  if (forward !== undefined && forward !== "send-span" && forward !== "creation-context")
    throw new TypeError(
      `tracehop ${entry}: forward must be "send-span" or "creation-context", got ${describeValue(forward)}`,
    );
  return checked;
}
