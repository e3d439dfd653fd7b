import {
  context as contextApi,
  diag,
  isSpanContextValid,
  SpanKind,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { withBatch, type TraceCarrier, type WithCarrierOptions } from "../index.js";
import { normalizeCarrier } from "../carrier/carrier.js";
import { extractSource, injectCarrier, tracehopTracer } from "../context/carrier-context.js";
import { assertKnownOptions, assertPlainOptions } from "../known-options.js";
import { describeValue } from "../describe-value.js";
import { recordingFailures, runInSpan } from "../context/run-in-span.js";
import {
  CARRIER_IN_OTHER_FIELD_WARNING,
  endCarrierFieldScan,
  holdsCarrier,
  readCarrierSource,
  toEpochMs,
  warnIfCarrierInOtherField,
  type CarrierSource,
} from "../context/carrier-source.js";
import {
  addRestoreAttributes,
  assertCallable,
  assertOptionValues,
  relationOf,
  tryStart,
  untracedSpan,
  withCarrierIn,
} from "../context/with-carrier.js";
import { isOwnSpan, markOwnSpan } from "../context/own-spans.js";
import { ATTR_TRACEHOP_RELATION } from "../context/attributes.js";
import { isOrdinal, type ResolvedRelation } from "../context/relation.js";
import { hasWarned, warnOnce } from "../warn-once.js";
import { withoutSendSuppression, suppressForSend } from "../context/send-suppression.js";
import { getRestoredRoot, restartedFrom, restoredRootLinkContext } from "../propagation/extraction-result.js";
import { addMissingAttributes, continuationOf, isRecordingSpanOfKind } from "./active-span.js";
import { ambientLinkOf, consumerContext } from "../context/consumer-context.js";
import {
  amqpHeadersToCarrier,
  attributesOfMessage,
  contextFromMessageHeaders,
  headersOfMessage,
  type HeaderEntries,
  type MessageKind,
  writeFields,
} from "./header-carriers.js";
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_ANONYMOUS,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_TEMPLATE,
  ATTR_MESSAGING_DESTINATION_TEMPORARY,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_SYSTEM_NAME,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
  MESSAGING_SYSTEM_VALUE_KAFKA,
  MESSAGING_SYSTEM_VALUE_RABBITMQ,
} from "./semconv.js";

/** `messaging.operation.name` of a send: AMQP's method is `basic.publish`, Kafka's is `send`. */
const SEND_OPERATION_NAME_BY_SYSTEM: Readonly<Record<string, string>> = {
  [MESSAGING_SYSTEM_VALUE_RABBITMQ]: "publish",
};
const DEFAULT_SEND_OPERATION_NAME = "send";
const DEFAULT_PROCESS_OPERATION_NAME = "process";

/** What the span describes; the attributes are set when the span starts, as samplers need them. */
export interface MessagingSpanOptions {
  /**
   * `messaging.system` (and `messaging.system.name`), e.g. `"rabbitmq"`, `"kafka"`: a well-known value in
   * lower case, as the semantic conventions write it, or your own system's name. Required.
   */
  system: string;
  /**
   * `messaging.destination.name`: the Kafka topic; for RabbitMQ see {@link rabbitmqDestinationName}.
   * Required; may be `""` (RabbitMQ's default exchange), then the span name is the operation name.
   * The span name uses `messaging.destination.template` instead when `attributes` gives one, and
   * leaves the destination out when `attributes` sets `messaging.destination.anonymous` or
   * `messaging.destination.temporary` to `true` (messaging conventions, "Span name").
   */
  destination: string;
  /** `messaging.operation.name`. Default: `publish` for rabbitmq, `send` otherwise; `process` on consume. */
  operationName?: string;
  /** `messaging.message.id`, when the application or the broker gives one. */
  messageId?: string;
  /** More attributes (e.g. `rabbitmq.destination.routing_key`); they win over tracehop's. */
  attributes?: Attributes;
  /** More span links, given at span creation. */
  links?: Link[];
  /** Default: `createPropagator()`. */
  propagator?: TextMapPropagator;
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
 *   flags, tracestate, baggage and Datadog fields), as the messaging semantic conventions ask of a
 *   creation context supplied by the user ("Messaging spans", context propagation). The send span is
 *   then a CLIENT span (its context is not the creation context) related to the stored context by
 *   `relation`; with `relation: "link"` it links to it, as the conventions recommend.
 */
export type RelayForwarding = "send-span" | "creation-context";

/**
 * Options `withCarrier` takes besides the span's description: `relation` (`"parent"` | `"link"` |
 * `"none"` | `"auto"`, default `setRestoreDefaults`' relation, initially `"parent"`), and whatever else
 * the core restore accepts (`maxParentAge`, `capturedAt`, `attempt`, ...). Passed through unchanged,
 * except a value of `attempt`, `run` or `capturedAt` that is unusable (`NaN`, `"3"`, `2.5`, a text that
 * is no time): these usually come from the message (a delivery count header, a timestamp), so such a
 * value is left out with a once-per-process warning (`TRACEHOP_MESSAGE_OPTION_IGNORED`) and `fn` runs
 * as usual, where `withCarrier` throws a TypeError for a bad `attempt` or `run`. (`withSendSpan` reads
 * them only with a `creationContext`: without one they are not used, and nothing is said.)
 */
export type RestoreOptions = Omit<WithCarrierOptions, "kind" | "attributes" | "links" | "propagator">;

/** Options of {@link withSendSpan}. `H` is the type of the message headers object. */
export interface SendSpanOptions<H extends Record<string, unknown> | HeaderEntries = TraceCarrier>
  extends MessagingSpanOptions, RestoreOptions {
  /**
   * The message's headers, filled in place: propagation headers already there (copied from a consumed
   * message, say) are removed, then the context's are written (never a mix,
   * DataDog/dd-trace-dotnet#3832). Default: `{}`. Headers that cannot take the context in place
   * (frozen, sealed, a throwing setter or proxy trap) are copied: `fn` receives the copy with the
   * context, never an error (`writeCarrierToHeaders`). A `Map` or a WHATWG `Headers` object is filled
   * through its `set`/`delete` (the readers take both), never with properties that would not travel.
   */
  headers?: H;
  /**
   * A stored carrier (an outbox row's `traceContext`, or the row itself; untrusted) holding the
   * message's creation context: the relay case. Absent: the send span is a child of the active context
   * and its context is the creation context. `relation` and the other {@link RestoreOptions} say how
   * the send span relates to it (as in `withCarrier`).
   */
  creationContext?: unknown;
  /** With `creationContext`: which context the message carries. Default `"send-span"`. */
  forward?: RelayForwarding;
  /**
   * Run `fn` with tracing suppressed (`suppressTracing` of @opentelemetry/core), default `true`: an
   * OpenTelemetry kafkajs or amqplib instrumentation then starts no second send span and injects no
   * second context into the headers tracehop wrote. Spans of any other work inside `fn` are
   * suppressed as well (a database instrumentation's, `traced`'s), so keep `fn` to handing the message
   * to the client. tracehop's own captures see through this suppression, and through no other:
   * `captureCarrier`, `injectKafkaHeaders`/`injectAmqpHeaders`, a nested `withSendSpan` (which uses
   * the send span, whose context its headers carry) and the `tracehop/prisma` extension's carrier give
   * the send span's context inside `fn`; under a suppression of your own (`suppressTracing`, set
   * before `withSendSpan` is called) they give `{}` as everywhere. tracehop tells the two apart by a
   * context key it sets with its suppression (@opentelemetry/core's flag is the same `true` for
   * both), so a `suppressTracing` of yours inside `fn` is not told apart and is seen through too.
   * `false`: nothing is suppressed, and any instrumentation inside `fn` traces (and injects) as usual.
   */
  suppressInstrumentation?: boolean;
}

/**
 * Options of {@link withProcessSpan}. `relation` (see {@link RestoreOptions}) relates the process span
 * to the message's creation context: `"parent"` (the default; single-message processing MAY parent,
 * messaging conventions, and Datadog shows one trace), `"link"` (new trace linked to it: batches,
 * delayed or repeated work), `"none"`, `"auto"`.
 */
export interface ProcessSpanOptions extends MessagingSpanOptions, RestoreOptions {}

/** Names of {@link MessagingSpanOptions}, and those each entry point takes besides them. */
const MESSAGING_OPTION_NAMES = [
  "system",
  "destination",
  "operationName",
  "messageId",
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
    "suppressInstrumentation",
  ],
  withProcessSpan: [...MESSAGING_OPTION_NAMES, ...RESTORE_OPTION_NAMES],
  withBatchProcessSpan: [
    ...MESSAGING_OPTION_NAMES.filter((name) => name !== "messageId"),
    "headersFrom",
    "root",
  ],
};

/**
 * The well-known values of `messaging.system.name` (semantic conventions 1.45 attribute registry,
 * "messaging") and the older `messaging.system` spellings they replaced. Another value is the
 * user's own system and is written as given; one of these in another case is a mistake that would
 * stop Datadog and the conventions' tooling from recognising the system.
 */
const WELL_KNOWN_SYSTEMS: ReadonlySet<string> = new Set([
  "activemq",
  "aws.sns",
  "aws.sqs",
  "aws_sqs",
  "azure.eventgrid",
  "azure.eventhubs",
  "azure.servicebus",
  "eventgrid",
  "eventhubs",
  "servicebus",
  "gcp.pubsub",
  "gcp_pubsub",
  "jms",
  "kafka",
  "pulsar",
  "rabbitmq",
  "rocketmq",
]);

function requireOptions(entry: string, options: MessagingSpanOptions | undefined): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `tracehop/messaging: ${entry} needs an options object with system and destination, got ${describeValue(options)}`,
    );
  }
  // An array, a Map: its own fields are not options (the message of every entry point).
  assertPlainOptions(options, `tracehop/messaging: ${entry}`);
  if (typeof options.system !== "string" || options.system === "") {
    throw new TypeError(`tracehop/messaging: ${entry} needs options.system, e.g. "rabbitmq" or "kafka"`);
  }
  if (!WELL_KNOWN_SYSTEMS.has(options.system)) {
    const lower = options.system.toLowerCase();
    if (WELL_KNOWN_SYSTEMS.has(lower))
      throw new TypeError(
        `tracehop/messaging: ${entry}: write options.system as ${JSON.stringify(lower)}, not ${JSON.stringify(options.system)} (the semantic conventions' messaging.system.name values are lower case; Datadog and the conventions' tooling match them exactly)`,
      );
  }
  if (typeof options.destination !== "string") {
    throw new TypeError(
      `tracehop/messaging: ${entry} needs options.destination (the topic or queue name; "" for RabbitMQ's default exchange)`,
    );
  }
  assertKnownOptions(options, OPTION_NAMES[entry]!, `tracehop/messaging: ${entry}`);
  // One check of the values every entry point shares with withCarrier (`links`, `propagator`, and the
  // restore options `relation`, `maxParentAge`), before anything starts: whichever path the call takes
  // (a new span, an instrumentation's span, a relay's CLIENT span), a bad value is the same TypeError
  // or RangeError naming the option. Not `attempt`, `run` or `capturedAt`: read from the message
  // (messageRestoreOptions), a bad one is left out, never a failed message.
  assertOptionValues(options as RestoreOptions & MessagingSpanOptions, entry, false);
  const forward = (options as SendSpanOptions).forward;
  if (forward !== undefined && forward !== "send-span" && forward !== "creation-context")
    throw new TypeError(
      `tracehop/messaging: ${entry}: forward must be "send-span" or "creation-context", got ${describeValue(forward)}`,
    );
}

/** Code of the process warning {@link messageRestoreOptions} gives. */
const MESSAGE_OPTION_IGNORED_WARNING = "TRACEHOP_MESSAGE_OPTION_IGNORED";

/** What each per-message option is, for the warning that leaves a bad one out. */
const MESSAGE_OPTION_HINTS: Readonly<Record<"attempt" | "run" | "capturedAt", string>> = {
  attempt:
    'an integer >= 1 (a delivery count read from a header may be missing: Number(headers["x-delivery-count"]) is NaN on a RabbitMQ quorum queue\'s first delivery, which has no such header; pass attempt only when you have one)',
  run: "an integer >= 1",
  capturedAt:
    "a Date, epoch milliseconds (a number, a bigint, a text of digits) or an ISO 8601 text (see withCarrier's capturedAt)",
};

/** The options {@link messageRestoreOptions} checks: those that come from the message. */
const MESSAGE_OPTIONS = ["attempt", "run", "capturedAt"] as const;

/**
 * `restore` without the options that come from the message (`attempt`, `run`, `capturedAt`: a
 * delivery count, a run number, a timestamp read from its headers or properties) whose value is
 * unusable — `attempt` or `run` not an integer >= 1 (`NaN`, `"3"`, `2.5`, `0`), `capturedAt` no time
 * `toEpochMs` reads (`"yesterday"`, `NaN`, an invalid Date, an object) — as if they were not given:
 * the span has no `tracehop.attempt`, `tracehop.run` or `tracehop.queue.wait` from them (a relay's
 * queue wait then comes from the row's `createdAt`, as without `capturedAt`), and `fn` runs as usual
 * (tracing never fails the message; `withCarrier`, whose options are the caller's own, throws for a
 * bad `attempt` or `run` instead). Each is said once per process and helper: `diag.warn` and the
 * process warning `TRACEHOP_MESSAGE_OPTION_IGNORED`, naming the option, the value and what it takes.
 * A usable `capturedAt` text is handed on as the epoch milliseconds it reads as, so that the restore
 * does not parse it again. `restore` itself is not changed (a copy is, when needed). Never throws.
 */
function messageRestoreOptions<R extends RestoreOptions>(restore: R, entry: string): R {
  let kept: R | undefined;
  for (const name of MESSAGE_OPTIONS) {
    const value: unknown = restore[name];
    if (value === undefined) continue;
    if (name !== "capturedAt") {
      if (isOrdinal(value)) continue;
    } else {
      let ms: number | undefined;
      try {
        ms = toEpochMs(value);
      } catch {
        // A proxy whose traps throw: no time.
      }
      if (ms !== undefined) {
        // A text is handed on as the milliseconds it reads as: parsed once, not again by the restore.
        if (typeof value === "string") (kept ??= { ...restore }).capturedAt = ms;
        continue;
      }
    }
    kept ??= { ...restore };
    delete kept[name];
    warnOnce(
      `${entry}-message-option-${name}`,
      `tracehop/messaging: ${entry}: options.${name} must be ${MESSAGE_OPTION_HINTS[name]}, got ` +
        `${describeValue(value)}: left out (no tracehop.${name === "capturedAt" ? "queue.wait from it" : name} ` +
        `on the span), the message handled as usual. Said once per process; later messages with such a ` +
        `value are treated the same.`,
      MESSAGE_OPTION_IGNORED_WARNING,
    );
  }
  return kept ?? restore;
}

/**
 * Span name `{messaging.operation.name} {destination}` (messaging conventions, "Span name"): the
 * `{destination}` is `messaging.destination.template` when `options.attributes` gives one, else the
 * destination name unless `options.attributes` marks the destination anonymous or temporary (a
 * broker-generated `amq.gen-*` queue: a name per connection, no low-cardinality span name) or it is
 * `""`; without one the span name is the operation name alone.
 */
function spanName(operationName: string, options: MessagingSpanOptions): string {
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
 * The attributes a messaging span starts with: tracehop's, then `batchMessageCount` as
 * `messaging.batch.message_count` when given, then `options.attributes` (which win). A fresh object.
 */
function messagingAttributes(
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
    [ATTR_MESSAGING_OPERATION_NAME]: operationName,
  };
  if (options.messageId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_ID] = options.messageId;
  if (batchMessageCount !== undefined) attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = batchMessageCount;
  return options.attributes === undefined ? attributes : Object.assign(attributes, options.attributes);
}

/**
 * Runs `fn(span, active)` in a new span of the active context (parent: the active span, if any), as
 * `runInSpan` does: active across awaits, failures recorded, ended when `fn` returns, throws or
 * settles. `active` is the context holding the span (the one to inject, context manager or not).
 * Inside the callback of another `withSendSpan` (a relay's CLIENT span) the span is started through
 * the suppression that one set (`withoutSendSuppression`), so it records; `active` keeps it.
 * A tracer that throws while starting the span (a faulty sampler or span processor: `tryStart`, as
 * `withCarrier` does) leaves `fn` to run once, untraced: `fn(untracedSpan(), parent)`, `parent` being
 * the active context (what the span would have been a child of).
 */
function runInNewSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  links: Link[] | undefined,
  fn: (span: Span, active: Context) => T,
): T {
  const parent: Context = contextApi.active();
  const started = tryStart(() => {
    const span = markOwnSpan(
      tracehopTracer().startSpan(name, { kind, attributes, links }, withoutSendSuppression(parent)),
    );
    return { span, active: trace.setSpan(parent, span) };
  });
  if (!started) return fn(untracedSpan(), parent);
  return runInSpan(started.span, started.active, (span) => fn(span, started.active));
}

/**
 * Starts the send span of one message and runs `fn(headers, span)` with it active; `headers` already
 * hold the context the message must carry. Put them on the message inside `fn`:
 *
 *     await withSendSpan({ system: "kafka", destination: "jobs" }, (headers) =>
 *       producer.send({ topic: "jobs", messages: [{ value, headers }] }));
 *
 * Which span and which context (messaging conventions, "Messaging spans"):
 * - no `creationContext`: a PRODUCER span `{operation} {destination}`, child of the active context,
 *   whose context goes into the headers. If the active span is already a recording PRODUCER span (an
 *   instrumentation's, the caller's own send span, or that of an enclosing `withSendSpan`), that span
 *   is used: no second span, and its context goes into the headers. The enclosing span of a
 *   `withSendSpan` (any span tracehop started, `isOwnSpan`) keeps its name and attributes: this call's
 *   `destination`, `messageId` and `attributes` are not set on it (they would describe another send
 *   than the one it was started for). Another PRODUCER span (an instrumentation's, the caller's own)
 *   gets those of this call's attributes it lacks, never replacing one it has (`addMissingAttributes`;
 *   none when its SDK does not show its attributes); its name stays.
 * - with `creationContext` (a relay sending a stored outbox row): see {@link RelayForwarding}; default
 *   `forward: "send-span"` — PRODUCER span, child of the stored context, its own context in the headers.
 *   `forward: "creation-context"` — CLIENT span, the stored context in the headers. A stored carrier
 *   without a valid span context gives a PRODUCER span whose context goes into the headers: a child of
 *   the active span (not one that has ended), as `withBatchItem` makes a message without a context,
 *   else a new trace.
 *   A span active when `withSendSpan` is called (the relay's batch span, `withBatch`, or its poll
 *   loop's) is linked from the send span in either mode, as `withProcessSpan` and `withBatchItem` link
 *   theirs (a link without attributes), unless it has ended or is the stored context itself, the send
 *   span's parent; not for a stored carrier without a context.
 *
 * `fn` runs with tracing suppressed (see {@link SendSpanOptions.suppressInstrumentation}), except for
 * tracehop's own captures: a `captureCarrier()`, a row the `tracehop/prisma` extension writes or a
 * nested `withSendSpan` inside `fn` carries the send span's context.
 *
 * Attributes (set at start): `messaging.system`, `messaging.system.name`, `messaging.destination.name`,
 * `messaging.operation.type` = `send`, `messaging.operation.name`, `messaging.message.id` when given,
 * plus `options.attributes`. The span records an exception, ERROR status and `error.type` (the error's
 * `name`, `_OTHER` for a thrown non-Error; the messaging conventions require it on a failed
 * operation) when `fn` throws or its
 * promise rejects, ends when `fn` returns or settles, and passes the result or error through.
 * Tracing never fails the send: a bad stored carrier only means a new trace, and a tracer that throws
 * while starting the span (a faulty sampler or span processor) leaves `fn` to run once, untraced, with
 * a non-recording span and headers holding what the span would have continued (the active context;
 * with `creationContext`, the stored one), as `withCarrier` runs `fn` then.
 * @throws TypeError when `options` is not a plain object (`null`, a number, an array, a Map), when
 *   `options.system` or `options.destination` is missing, `options.system` is a
 *   well-known system in another case (`"Kafka"`: write `"kafka"`), `options` holds a name
 *   `SendSpanOptions` does not have, `fn` is not a function, `options.forward` is neither `"send-span"` nor
 *   `"creation-context"`, `options.propagator` is not a TextMapPropagator, `options.links` is not an
 *   array, or `relation` or `maxParentAge` is out of range (the checks of `withCarrier`, on every
 *   path, with or without `creationContext` or an active PRODUCER span) — programming errors, before
 *   `fn` runs. A bad `attempt`, `run` or `capturedAt` (values of the message or the row) is no error:
 *   left out, said once per process (`TRACEHOP_MESSAGE_OPTION_IGNORED`; see {@link RestoreOptions}).
 */
export function withSendSpan<T, H extends Record<string, unknown> | HeaderEntries = TraceCarrier>(
  options: SendSpanOptions<H>,
  fn: (headers: H, span: Span) => T,
): T {
  requireOptions("withSendSpan", options);
  // Checked before the span starts: `fn` is called only inside it (under the instrumentations' suppression).
  assertCallable("", fn, "withSendSpan");
  const operationName =
    options.operationName ?? SEND_OPERATION_NAME_BY_SYSTEM[options.system] ?? DEFAULT_SEND_OPERATION_NAME;
  const name = spanName(operationName, options);
  const attributes = messagingAttributes(options, MESSAGING_OPERATION_TYPE_VALUE_SEND, operationName);
  const {
    system: _system,
    destination: _destination,
    operationName: _operationName,
    messageId: _messageId,
    attributes: _attributes,
    links,
    propagator,
    headers = {} as H,
    creationContext,
    forward,
    suppressInstrumentation,
    ...given
  } = options;
  const suppress = suppressInstrumentation !== false;
  const send = (span: Span, carrier: TraceCarrier): T => {
    // The same object, filled in place; a copy when it cannot take the context (frozen, say).
    const message = writeFields(headers, carrier);
    if (!suppress) return fn(message, span);
    return contextApi.with(suppressForSend(contextApi.active()), fn, undefined, message, span);
  };

  if (creationContext === undefined) {
    const ambient = trace.getActiveSpan();
    if (ambient !== undefined && isRecordingSpanOfKind(ambient, SpanKind.PRODUCER)) {
      // An enclosing send span of tracehop's own (an outer withSendSpan's) keeps its attributes: it
      // describes the send it was started for, and a nested send only carries its context. Another
      // PRODUCER span (an instrumentation's, the caller's own) gets those it lacks, never replacing one
      // it has.
      if (!isOwnSpan(ambient)) addMissingAttributes(ambient, attributes);
      return recordingFailures(ambient, () => send(ambient, injectCarrier({ propagator })));
    }
    // Injected from the span's context itself, not the active one: without a context manager
    // (no startTracing() in this process) the active context inside is ROOT and the trace would end.
    return runInNewSpan(name, SpanKind.PRODUCER, attributes, links, (span, active) =>
      send(span, injectCarrier({ context: active, propagator })),
    );
  }

  // A bad attempt, run or capturedAt (read from the message or the row) is left out, said once. Only
  // a relay's restore reads them: without a creationContext they are not used, and nothing is said.
  const restore = messageRestoreOptions(given, "withSendSpan");
  const common = { ...restore, propagator, attributes, links };
  // The stored context, extracted once for both forwarding modes (withCarrierIn does not extract it
  // again), from one read of the row's `traceContext` (`source`, as `withCarrier` makes).
  const source: CarrierSource = readCarrierSource(creationContext);
  const restored: Context = extractSource(source, propagator);
  // A span active around the relay's send (its batch or poll loop span: `withBatch`) is linked, as
  // withProcessSpan and withBatchItem link theirs: not one that has ended, nor the stored context itself
  // (the send span is then its child already: startRestoredSpan leaves it out).
  const callerContext = contextApi.active();
  const ambientLink = ambientLinkOf(callerContext);
  if (forward === "creation-context") {
    const stored = trace.getSpanContext(restored);
    if (stored !== undefined && isSpanContextValid(stored)) {
      const carrier = injectCarrier({ context: restored, propagator });
      return withCarrierIn(
        creationContext,
        name,
        (span) => send(span, carrier),
        { ...common, kind: SpanKind.CLIENT },
        { restored, source, ambientLink, caller: "withSendSpan" },
      );
    }
  }
  // The send span's own context travels (and without a stored context it starts a new trace), taken
  // from the context withCarrierIn runs `fn` in, not the active one: without a context manager (no
  // startTracing() in the relay) the active context inside is ROOT, and the trace would end here.
  // When the span could not be started (a throwing tracer: `fn` runs untraced), the stored context
  // travels as it is, what the send span would have been a child of.
  let sendContext: Context | undefined;
  return withCarrierIn(
    creationContext,
    name,
    (span) => send(span, injectCarrier({ context: sendContext ?? restored, propagator })),
    { ...common, kind: SpanKind.PRODUCER },
    {
      restored,
      source,
      ambientLink,
      // A row without a usable context: the send span is the active span's child (the relay's batch or
      // poll loop span), as withBatchItem makes a message without one; a new trace when none is active.
      fallback: ambientLink === undefined ? undefined : callerContext,
      caller: "withSendSpan",
      onStart: (active) => {
        sendContext = active;
      },
    },
  );
}

/**
 * Restores the context a consumed message carries in its headers and runs `fn(span)` in a CONSUMER
 * span `{operation} {destination}` (default operation `process`), active for `fn` and everything it
 * awaits (DataDog/dd-trace-java#3397), with the message's baggage (the extracted context is the base,
 * open-telemetry/opentelemetry-js-contrib#1351).
 *
 * `headers`: kafkajs `message.headers` or amqplib `msg.properties.headers` as delivered (strings,
 * Buffers, arrays, AMQP integers; untrusted: a missing or garbled context gives a new trace, never an
 * error). The whole message — an amqplib `ConsumeMessage`, a kafkajs `KafkaMessage` or `eachMessage`
 * payload — is recognised by its shape and read through its headers (`headersOfMessage`): under
 * `system: "rabbitmq"` only an amqplib message, under `"kafka"` only a kafkajs one, any other system
 * either. Relation to the message's creation context: `options.relation` (see
 * {@link ProcessSpanOptions}), default `"parent"`; unless it is `"link"` or `"none"`, a span already
 * active when `withProcessSpan` is called becomes a link (messaging conventions: parenting from the
 * creation context inside an ambient span links the ambient one).
 *
 * Headers that hold no context but one of whose fields holds a carrier (`{ headers: msg.headers }`,
 * an object wrapping the headers) are said once per process, as `withCarrier` says it: `diag.warn`
 * and the process warning `TRACEHOP_CARRIER_IN_OTHER_FIELD`, naming the field. So is the other
 * client's whole message whose headers hold a carrier (an amqplib message under `system: "kafka"`, its
 * carrier at `properties.headers`), naming the system to give (`warnIfMessageOfOtherSystem`).
 *
 * A message without a context gives a new trace, or, when a span is active (a batch span, a poll
 * loop's), a child of that span. An active span that has ended is no parent and no link: amqplib calls
 * a consume callback in the context its connection was opened in, whose span (a start-up span, the first
 * send's) is long over; nor does the suppression of a `withSendSpan` whose callback opened the
 * connection make the process span non-recording.
 *
 * Coexistence: when the active span is a recording CONSUMER span that already continues this message
 * (its parent is the message's context, or it links to this message and no other) — the span the
 * OpenTelemetry amqplib or kafkajs instrumentation started — no second span is started: tracehop's
 * attributes are added to that span and `fn` runs in it (its owner ends it: the amqplib
 * instrumentation on `ack`/`nack`, so ack or nack after `fn` settles — an error after an ack inside
 * `fn` lands on an ended span and is lost, and `nack` replaces the status description;
 * docs/messaging.md). Of the restore options, `attempt`, `run` and `capturedAt` (`tracehop.attempt`,
 * `tracehop.run`, `tracehop.queue.wait`) are set on it, `tracehop.relation` says what it is (`parent`,
 * or `link` for a span that links the message), and `links` are added to it (`Span.addLinks`: after its
 * start, so its sampler has not seen them). A relation a started span cannot take — `link` or `none`
 * (given, from `setRestoreDefaults`, or `auto` resolving to `link`) for a child of the message, `none`
 * for a linked one — is warned about once per process (`TRACEHOP_RELATION_NOT_APPLIED`) and the span
 * stays as it is. Such a span is taken over once, and a span tracehop started itself never
 * (`isOwnSpan`): a retry that a failed attempt runs inside its own handler, or a second attempt in the
 * same handler, gets its own span, a sibling of the failed one under the message's context, linked to
 * it as an active span is. Neither is a batch span (`withBatch` with `kind: SpanKind.CONSUMER`, an
 * instrumentation's `eachBatch` span), which links every message of the batch: each message gets its
 * own CONSUMER span, child of the message's context and linked to the batch span (messaging
 * conventions, "Batch processing"; `continuationOf`).
 *
 * Attributes (set at start): as {@link withSendSpan}, with `messaging.operation.type` = `process`.
 * Given the whole message, the span also gets what the conventions ask of it and the message tells
 * (`attributesOfMessage`): for an amqplib message `rabbitmq.destination.routing_key` (when not
 * empty), `rabbitmq.message.delivery_tag`, `messaging.message.id` (`properties.messageId`),
 * `messaging.message.conversation_id` (`properties.correlationId`), `messaging.message.body.size`; for
 * a kafkajs message `kafka.offset`, `kafka.message.key` (UTF-8 keys), `kafka.message.tombstone`,
 * `messaging.message.body.size`, and from an `eachMessage` payload `messaging.destination.partition.id`.
 * `options.messageId` and `options.attributes` win over them.
 * Errors of `fn` are recorded (exception event, ERROR status, `error.type`) and passed through unchanged.
 * @throws TypeError when `options` is not a plain object (`null`, a number, an array, a Map), when
 *   `options.system` or `options.destination` is missing, `options.system` is a
 *   well-known system in another case (`"Kafka"`: write `"kafka"`), `options` holds a name
 *   `ProcessSpanOptions` does not have, `fn` is not a function, `options.propagator` is not a TextMapPropagator, or `relation`
 *   or `maxParentAge` is out of range, or `links` is not an array, with or without an instrumentation's
 *   span (programming errors, before `fn` runs). A bad `attempt`, `run` or `capturedAt` — values of the
 *   message: `Number(headers["x-delivery-count"])` is `NaN` on a RabbitMQ quorum queue's first
 *   delivery — is no error: the attribute is left out, said once per process
 *   (`TRACEHOP_MESSAGE_OPTION_IGNORED`), and the message is handled (see {@link RestoreOptions}).
 */
export function withProcessSpan<T>(headers: unknown, options: ProcessSpanOptions, fn: (span: Span) => T): T {
  requireOptions("withProcessSpan", options);
  // Checked here, not left to withCarrier, so that the error names the helper that was called.
  assertCallable("", fn, "withProcessSpan");
  const operationName = options.operationName ?? DEFAULT_PROCESS_OPERATION_NAME;
  const kind = messageKindOf(options.system);
  // What a whole message tells (routing key, delivery tag, ids, body size; Kafka offset, key,
  // partition), under the caller's: `messageId` and `attributes` win.
  const attributes = {
    ...attributesOfMessage(headers, kind),
    ...messagingAttributes(options, MESSAGING_OPERATION_TYPE_VALUE_PROCESS, operationName),
  };
  const {
    system: _system,
    destination: _destination,
    operationName: _operationName,
    messageId: _messageId,
    attributes: _attributes,
    propagator,
    links: givenLinks,
    ...given
  } = options;
  // A bad attempt, run or capturedAt (read from the message: a delivery count header missing on the
  // first delivery) is left out, said once: never a message that is not handled.
  const restore = messageRestoreOptions(given, "withProcessSpan");
  let links = givenLinks;
  let fallback: Context | undefined;
  // The message's context, extracted once: compared with an active CONSUMER span, then restored. Read
  // as header fields only (an application header named `traceContext` is not a row's carrier).
  const restored = contextFromMessageHeaders(headers, { propagator }, kind);
  // Headers that restore nothing but wrap a carrier in one of their fields (`{ headers: msg.headers }`):
  // said once per process, as withCarrier, withBatch and withSendSpan say it
  // (TRACEHOP_CARRIER_IN_OTHER_FIELD).
  const restoredSomething = holdsContext(restored);
  if (headers !== null && typeof headers === "object" && !restoredSomething) {
    // The other client's whole message (an amqplib message under system "kafka": its carrier two levels
    // down, where no field scan looks) is said with the system to give. The field scan then says nothing
    // of it (a kafkajs message's `headers` field), nor of later messages: one warning.
    if (warnIfMessageOfOtherSystem(headers, kind, options.system, "withProcessSpan"))
      endCarrierFieldScan("withProcessSpan");
    else warnIfCarrierInOtherField(headersOfMessage(headers, kind), "withProcessSpan");
  }

  // A client library may call its handler in the context its connection was opened in (amqplib's consume
  // callback runs in the context of `amqp.connect()`): a span that has ended there is not the work this
  // message is part of, neither a parent for a message without a context nor a link (consumerContext).
  const base = consumerContext(contextApi.active());
  const ambient = trace.getSpan(base);
  if (ambient !== undefined) {
    // tracehop's own span is never taken for an instrumentation's, nor one taken over already: a retry
    // that a failed attempt runs inside its handler gets its own span, a sibling under the message's
    // context (docs/restore.md).
    if (isRecordingSpanOfKind(ambient, SpanKind.CONSUMER) && !isOwnSpan(ambient)) {
      const parent = trace.getSpanContext(restored);
      // Under the restart extract behavior the message restores no parent: the instrumentation's span
      // then links to the message's context, which the restart link names (span id 0 for a Synthetics
      // context, a parent id 0: compared as it is). A restored root (parent id 0) has no parent either:
      // the instrumentation's span is then the root of its trace (span id 0 stands for it).
      const message =
        parent !== undefined && isSpanContextValid(parent)
          ? parent
          : (restartedFrom(restored) ?? rootOf(restored));
      const continuation = message === undefined ? undefined : continuationOf(ambient, message);
      if (continuation !== undefined) {
        ambient.setAttributes(attributes);
        adoptInto(ambient, continuation, restore, givenLinks);
        // Taken over once: a later withProcessSpan in it (a retry that this attempt runs when it fails,
        // a second attempt in the same handler) gets its own span instead of overwriting this one's.
        markOwnSpan(ambient);
        return recordingFailures(ambient, () => fn(ambient));
      }
    }
    const ambientContext = ambient.spanContext();
    if (isSpanContextValid(ambientContext)) {
      if (!restoredSomething) {
        // No context in the message: a child of the active span (a batch's, a poll loop's), as
        // withBatchItem gives, rather than a new trace; not under the suppression of a `withSendSpan`
        // whose callback opened the connection (consumerContext).
        fallback = base;
      } else if (restore.relation !== "link" && restore.relation !== "none") {
        links = [...(links ?? []), { context: ambientContext }];
      }
    }
  }
  // No carrier is handed on: the restore uses `restored` (a headers object is never read as a row,
  // so neither its `traceContext` nor its `createdAt` header means anything to it).
  return withCarrierIn(
    undefined,
    spanName(operationName, options),
    fn,
    {
      ...restore,
      propagator,
      kind: SpanKind.CONSUMER,
      attributes,
      links,
    },
    { restored, fallback },
  );
}

/**
 * What of the restore options applies to `span`, an instrumentation's CONSUMER span that already
 * continues the message (`continuation`: as its child, or through a link): `tracehop.attempt`,
 * `tracehop.run`, `tracehop.queue.wait` (from `capturedAt`) and `tracehop.relation` (what the span
 * really is) are set on it, and `links` are added to it (`addLinks`, after its start: a sampler has not
 * seen them). A relation it cannot have (`link` or `none`, given or resolved from `auto` or
 * `setRestoreDefaults`, for a child of the message; `none` for a linked span) is warned about once
 * per process (`TRACEHOP_RELATION_NOT_APPLIED`), as are links an SDK span cannot take. Never throws.
 */
function adoptInto(
  span: Span,
  continuation: ResolvedRelation,
  restore: RestoreOptions,
  links: Link[] | undefined,
): void {
  try {
    const capturedAtMs = restore.capturedAt === undefined ? undefined : toEpochMs(restore.capturedAt);
    const added: Attributes = { [ATTR_TRACEHOP_RELATION]: continuation };
    const ageMs = addRestoreAttributes(added, restore, capturedAtMs);
    span.setAttributes(added);

    const { requested, resolved: wanted } = relationOf(restore, true, ageMs);
    // `parent` under an instrumentation that links (its link mode, a restart extraction) is what
    // withCarrier itself gives under a restart, and the instrumentation's own setting: not warned.
    if (wanted !== "parent" && wanted !== continuation) {
      const asked = requested === wanted ? `"${wanted}"` : `"${requested}" (here "${wanted}")`;
      warnOnce(
        `withProcessSpan-adopted-${continuation}-${wanted}`,
        `tracehop/messaging: withProcessSpan ran in an instrumentation's CONSUMER span that already ` +
          `continues the message (${continuation === "parent" ? "a child of" : "linked to"} its context) ` +
          `and cannot give it relation ${asked}: the span keeps tracehop.relation="${continuation}". For a ` +
          `span of tracehop's own, turn the client's instrumentation off where tracehop's helpers run ` +
          `(docs/messaging.md, "Coexistence").`,
        "TRACEHOP_RELATION_NOT_APPLIED",
      );
    }
    if (links !== undefined && links.length > 0) {
      if (typeof span.addLinks === "function") span.addLinks(links);
      else
        warnOnce(
          "withProcessSpan-adopted-links",
          "tracehop/messaging: withProcessSpan ran in an instrumentation's CONSUMER span whose SDK cannot " +
            "add links to a started span (no Span.addLinks): options.links were not added.",
          "TRACEHOP_RELATION_NOT_APPLIED",
        );
    }
  } catch (err) {
    diag.warn("tracehop/messaging: adding the restore attributes to the active CONSUMER span failed", err);
  }
}

/** True when `restored` holds a valid span context or a restored root (Datadog parent id 0). */
function holdsContext(restored: Context): boolean {
  const spanContext = trace.getSpanContext(restored);
  return (
    (spanContext !== undefined && isSpanContextValid(spanContext)) || getRestoredRoot(restored) !== undefined
  );
}

/** The link context of the restored root (Datadog parent id 0) `ctx` records, if any. */
function rootOf(ctx: Context): SpanContext | undefined {
  const root = getRestoredRoot(ctx);
  return root === undefined ? undefined : restoredRootLinkContext(root);
}

/** Options of {@link withBatchProcessSpan}. `M` is the type of one message. */
export interface BatchProcessSpanOptions<M = unknown> extends Omit<MessagingSpanOptions, "messageId"> {
  /**
   * The headers of one message, as delivered (kafkajs `message.headers`, amqplib
   * `msg.properties.headers`). Default: `msg.properties.headers` of an amqplib message, else
   * `message.headers` (kafkajs). A throwing function counts as a message without headers.
   */
  headersFrom?: (message: M) => unknown;
  /** `true`: the batch span starts a new trace even inside an active span. Default: `false`. */
  root?: boolean;
}

/**
 * Runs `fn` in ONE CONSUMER span for a batch of consumed messages (kafkajs `eachBatch`), with a link
 * to each message's context: `withBatch` with the messaging conventions' batch span. Call
 * {@link withProcessSpan} inside `fn` for each message: each gets its own CONSUMER span, child of its
 * message's context and linked to the batch span.
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
 * = `process`, `messaging.operation.name`, `messaging.batch.message_count` (= `messages.length`, a
 * batch of one included: the convention makes it conditionally required on a span of a batch
 * operation and asks batching APIs such as kafkajs `eachBatch` to set it, single-message APIs not to),
 * plus `options.attributes` (which win). Each
 * message's headers are read as headers (never as a row, whatever their names) with the stored-carrier
 * reader's rules; a message without a valid context adds no link (the other client's whole message
 * under `options.system`, whose headers the default `headersFrom` does not find, is said once per
 * process: `TRACEHOP_CARRIER_IN_OTHER_FIELD`). Errors of `fn` are recorded and
 * passed through, as in `withBatch`. Tracing never fails the batch.
 * @throws TypeError when `options` is not a plain object (`null`, a number, an array, a Map), when
 *   `options.system` or `options.destination` is missing, `options.system` is a
 *   well-known system in another case (`"Kafka"`: write `"kafka"`), `options` holds a name
 *   `BatchProcessSpanOptions` does not have, `options.propagator` is not a TextMapPropagator,
 *   `options.links` is not an array, `messages` is not an array (a `Set`, `null`) or `fn` is not a
 *   function (programming errors, before `fn` runs; each message names `withBatchProcessSpan`).
 */
export function withBatchProcessSpan<M, T>(
  messages: readonly M[],
  options: BatchProcessSpanOptions<M>,
  fn: (span: Span) => T,
): T {
  requireOptions("withBatchProcessSpan", options);
  // Checked here, not left to withBatch, so that the error names the helper that was called.
  if (!Array.isArray(messages))
    throw new TypeError(
      `tracehop withBatchProcessSpan: messages must be an array (kafkajs eachBatch's batch.messages), got ${describeValue(messages)}`,
    );
  assertCallable("", fn, "withBatchProcessSpan");
  const operationName = options.operationName ?? DEFAULT_PROCESS_OPERATION_NAME;
  // The count is set for a batch of one too, as withBatch sets it (a batching API). No `messageId`:
  // requireOptions refuses one here.
  const attributes = messagingAttributes(
    options,
    MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
    operationName,
    messages.length,
  );
  const kind = messageKindOf(options.system);
  const headersFrom = options.headersFrom ?? ((message: M) => defaultHeadersFrom(message, kind));
  return withBatch(messages, spanName(operationName, options), fn, {
    kind: SpanKind.CONSUMER,
    attributes,
    links: options.links,
    propagator: options.propagator,
    root: options.root,
    // A Map of the header fields: withBatch reads it as a carrier, never as a row (a `traceContext`
    // header is only a header).
    // A whole message from `headersFrom` is read through its headers, as in withProcessSpan.
    carrierFrom: (message) => {
      const headers = headersFrom(message);
      // The default finds no headers on the other client's whole message (an amqplib message under
      // system "kafka"): said once per process. A message with headers costs this one comparison.
      if (headers === undefined && options.headersFrom === undefined)
        warnIfMessageOfOtherSystem(message, kind, options.system, "withBatchProcessSpan");
      return normalizeCarrier(amqpHeadersToCarrier(headersOfMessage(headers, kind)));
    },
  });
}

/**
 * The whole messages a helper of `system` recognises ({@link headersOfMessage}): RabbitMQ's helpers only
 * an amqplib message, Kafka's only a kafkajs one (headers a bridge copied from the other system stay
 * headers); any other system both.
 */
function messageKindOf(system: string): MessageKind {
  return system === MESSAGING_SYSTEM_VALUE_RABBITMQ
    ? "amqp"
    : system === MESSAGING_SYSTEM_VALUE_KAFKA
      ? "kafka"
      : "any";
}

/** Once-per-process key of {@link warnIfMessageOfOtherSystem}. */
const OTHER_SYSTEM_WARNING_KEY = "message-of-other-system";

/**
 * Says so (once per process: `diag.warn` and the process warning `TRACEHOP_CARRIER_IN_OTHER_FIELD`)
 * when `message`, handed to `caller` under `system` (whose helpers recognise only their own client's
 * message, `kind`: {@link messageKindOf}), is the other client's whole message whose headers hold a
 * trace carrier (an own propagation field, looked up by name: `holdsCarrier`): an amqplib
 * `ConsumeMessage` under `system: "kafka"` (its carrier at
 * `properties.headers`, two levels down, which neither the headers reader nor the field scan of
 * `warnIfCarrierInOtherField` reaches), a kafkajs message or `eachMessage` payload under
 * `system: "rabbitmq"`. The stored context is then not restored and the span starts a new trace. The
 * message names the system to give and the headers to pass instead. Called only when nothing was
 * restored; nothing but the `hasWarned` test once said. Returns true when it gave the warning (the
 * caller then says nothing more of the message). Never throws.
 */
function warnIfMessageOfOtherSystem(
  message: unknown,
  kind: MessageKind,
  system: string,
  caller: "withProcessSpan" | "withBatchProcessSpan",
): boolean {
  // Said once per process: no shape test after that (called for every message without a context).
  if (kind === "any" || hasWarned(OTHER_SYSTEM_WARNING_KEY)) return false;
  if (message === null || typeof message !== "object" || headersOfMessage(message, kind) !== message)
    return false;
  try {
    const headers = headersOfMessage(message, "any");
    if (headers === message || !holdsCarrier(headers)) return false;
    const amqp = kind === "kafka";
    const right = amqp ? MESSAGING_SYSTEM_VALUE_RABBITMQ : MESSAGING_SYSTEM_VALUE_KAFKA;
    const path = amqp
      ? ".properties.headers"
      : headers === (message as { headers?: unknown }).headers
        ? ".headers"
        : ".message.headers";
    const fix =
      caller === "withProcessSpan"
        ? `withProcessSpan(message${path}, ...)`
        : `withBatchProcessSpan(messages, { ..., headersFrom: (message) => message${path} })`;
    return warnOnce(
      OTHER_SYSTEM_WARNING_KEY,
      `tracehop/messaging: ${caller} was handed ${amqp ? "an amqplib" : "a kafkajs"} message under ` +
        `system ${JSON.stringify(system)}, which reads only ${amqp ? "a kafkajs" : "an amqplib"} message ` +
        `or headers: the trace carrier in its headers (message${path}) was not read, and the stored ` +
        `context was not restored. Give its system, system: "${right}", or pass its headers: ${fix}.`,
      CARRIER_IN_OTHER_FIELD_WARNING,
    );
  } catch {
    return false; // a throwing getter or proxy trap: nothing to say
  }
}

/**
 * A message's headers: an amqplib message's `properties.headers`, a kafkajs message's `headers`
 * (`headersOfMessage`); else the `headers` field of any object; `undefined` for anything else.
 */
function defaultHeadersFrom(message: unknown, kind: MessageKind): unknown {
  const headers = headersOfMessage(message, kind);
  if (headers !== message) return headers;
  return message !== null && typeof message === "object"
    ? (message as { headers?: unknown }).headers
    : undefined;
}
