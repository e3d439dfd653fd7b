/** The process span of one consumed message: `withProcessSpan`, and an instrumentation's span it takes over. */
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
} from "@opentelemetry/api";
import { recordingFailures } from "../context/run-in-span.js";
import { countAdoptedOpen } from "../context/open-span-counts.js";
import { endCarrierFieldScan, warnIfCarrierInOtherField } from "../context/carrier-in-other-field.js";
import { holdsStoredCarrier } from "../context/holds-carrier.js";
import {
  addRestoreAttributes,
  assertCallable,
  carrierAgeMs,
  markAdoptedRestore,
  relationOf,
  withCarrierIn,
} from "../context/with-carrier.js";
import { isOwnSpan, markOwnSpan } from "../context/own-spans.js";
import { linkCounts, warnIfLinksDropped } from "../context/links-dropped.js";
import { ATTR_TRACEHOP_MQTT_RETAINED, ATTR_TRACEHOP_RELATION } from "../context/attributes.js";
import {
  currentRestoreDefaults,
  warnIfMaxParentAgeUnused,
  type ResolvedRelation,
} from "../context/relation.js";
import { hasWarned, warnOnce } from "../warn-once.js";
import { getRestoredRoot, restartedFrom, restoredRootLinkContext } from "../propagation/extraction-result.js";
import { amqplibStoredSpanOf, continuationOf, isRecordingSpanOfKind } from "./active-span.js";
import { ambientLinkOf, consumerContext } from "../context/consumer-context.js";
import { MESSAGING_OPERATION_TYPE_VALUE_PROCESS } from "./semconv.js";
import {
  attributesOfMessage,
  contextFromMessageHeaders,
  headersOfShape,
  MESSAGE_HEADERS_PLACES,
  messageShapeOf,
  type MessageKind,
} from "./consumed-message.js";
import {
  requireOptions,
  type ProcessSpanOptions,
  type MessagingSystem,
  type OperationNameOfType,
  type SystemAsConventionsWrite,
} from "./messaging-options.js";
import { messageRestoreOptions, type MessageRestore } from "./message-restore-options.js";
import {
  spanName,
  messageKindOf,
  messagingAttributes,
  DEFAULT_PROCESS_OPERATION_NAME,
} from "./span-description.js";
import { warnIfMessageOfOtherSystem } from "./other-system-message.js";

/**
 * Restores the context a consumed message carries in its headers and runs `fn(span)` in a CONSUMER
 * span `{operation} {destination}` (default operation `process`), active for `fn` and everything it
 * awaits (DataDog/dd-trace-java#3397), with the message's baggage (the extracted context is the base,
 * open-telemetry/opentelemetry-js-contrib#1351).
 *
 * `headers`: kafkajs `message.headers` or amqplib `msg.properties.headers` as delivered (untrusted: a
 * missing or garbled context gives a new trace, never an error), or the whole message, recognised by
 * its shape and read through its headers: under `system: "rabbitmq"` only an amqplib message, under
 * `"kafka"` only a kafkajs one, any other system any of those, a nats.js `Msg`/`JsMsg` (`msg.headers`)
 * and an mqtt.js PUBLISH packet (`properties.userProperties`) (docs/messaging.md, "The whole
 * message"). A
 * carrier found elsewhere (a field of the headers, the other client's whole message) is said once per
 * process (`TRACEHOP_CARRIER_IN_OTHER_FIELD`).
 *
 * Relation to the message's creation context: `options.relation`, default `"parent"` (see
 * {@link ProcessSpanOptions}). A whole mqtt.js packet with `retain` set (a retained message delivered
 * on subscribe, of an age MQTT does not give) is linked under `"auto"` when no `capturedAt` is given,
 * and its span carries `tracehop.mqtt.retained` = `true` (docs/messaging.md, "Old contexts"). The span active at the call (a batch's, a poll loop's; not one that has
 * ended) is the parent of a message without a context, and is linked by the ambient-link rule
 * otherwise (docs/messaging.md, "The span active at the call").
 *
 * An instrumentation's recording CONSUMER span that already continues this message (the OpenTelemetry
 * amqplib or kafkajs instrumentation's) is taken over once: no second span; tracehop's attributes, the
 * restore attributes and `links` are added to it and `fn` runs in it. A relation it cannot take is said
 * once per process (`TRACEHOP_RELATION_NOT_APPLIED`); tracehop's own spans and batch spans are never
 * taken. A whole amqplib message tells more: the amqplib instrumentation's span is taken over only while
 * the message holds it for its ack (not under `noAck`, where it ends when the consume callback returns:
 * tracehop's own span then records `fn`'s outcome), and then also for a message without a context
 * (docs/messaging.md, "Coexistence").
 *
 * Attributes (set at start): as `withSendSpan`, with `messaging.operation.type` and
 * `messaging.operation` = `process`, and from a whole message what the conventions ask of it (docs/messaging.md, "Reading headers");
 * `options.messageId` and `options.attributes` win over them. Errors of `fn` are recorded (exception
 * event, ERROR status, `error.type`) and passed through unchanged.
 * @throws TypeError when `options` is not a plain object, `options.system` or `options.destination` is
 *   missing, `options.system` is a well-known system in another case (`"Kafka"`), `options.operationName`
 *   is given and not a non-empty string or names another operation type
 *   (`receive` on a process span, `process` on a send span), `options` holds a name
 *   `ProcessSpanOptions` does not have, `fn` is not a function, `options.propagator` is not a
 *   TextMapPropagator, `links` is not an array, or `relation` or `maxParentAge` is out of range
 *   (programming errors, before `fn` runs). A bad `messageId` (an array from a repeated header; a Buffer
 *   is decoded, a number given as its text), `attempt`, `run` or `capturedAt` (values of the message)
 *   is no error: left out, said once per process (`TRACEHOP_MESSAGE_OPTION_IGNORED`; see
 *   `MessagingSpanOptions.messageId` and `RestoreOptions`).
 */
export function withProcessSpan<
  T,
  S extends MessagingSystem | (string & {}) = MessagingSystem | (string & {}),
  O extends string = string,
>(
  headers: unknown,
  options: ProcessSpanOptions & { system: S & SystemAsConventionsWrite<S> } & {
    operationName?: (O & OperationNameOfType<"process", O>) | undefined;
  },
  fn: (span: Span) => T,
): T {
  options = requireOptions("withProcessSpan", options, { name: "headers", value: headers });
  // Checked here, not left to withCarrier, so that the error names the helper that was called.
  assertCallable("", fn, "withProcessSpan");
  const operationName = options.operationName ?? DEFAULT_PROCESS_OPERATION_NAME;
  const kind = messageKindOf(options.system);
  // What a whole message tells (routing key, delivery tag, ids, the body size when asked; Kafka offset,
  // key, partition), under the caller's: `messageId` and `attributes` win.
  const retained = isRetainedDelivery(headers, kind);
  const attributes = {
    ...attributesOfMessage(headers, kind, options.bodySize === true),
    ...(retained ? { [ATTR_TRACEHOP_MQTT_RETAINED]: true } : undefined),
    ...messagingAttributes(options, MESSAGING_OPERATION_TYPE_VALUE_PROCESS, operationName),
  };
  const {
    system: _system,
    destination: _destination,
    operationName: _operationName,
    messageId: _messageId,
    conversationId: _conversationId,
    attributes: _attributes,
    bodySize: _bodySize,
    propagator,
    links,
    ...given
  } = options;
  // A bad attempt, run or capturedAt (read from the message: a delivery count header missing on the
  // first delivery) is left out, said once: never a message that is not handled.
  const { restore: read, capturedAtMs } = messageRestoreOptions(given, "withProcessSpan");
  const restore = retained ? retainedRestore(read, capturedAtMs) : read;
  // The message's context, extracted once: compared with an active CONSUMER span, then restored. Read
  // as header fields only (an application header named `traceContext` is not a row's carrier).
  const restored = contextFromMessageHeaders(headers, { propagator }, kind, "withProcessSpan");
  const restoredSomething = holdsContext(restored);
  if (!restoredSomething) warnIfCarrierMisplaced(headers, kind, options.system);
  else if (!retained && options.system === "mqtt") warnIfRetainUnseen(headers, kind, read, capturedAtMs);

  // A client library may call its handler in the context its connection was opened in (amqplib's consume
  // callback runs in the context of `amqp.connect()`): a span that has ended there is not the work this
  // message is part of, neither a parent for a message without a context nor a link (consumerContext).
  const base = consumerContext(contextApi.active());
  const adopted = instrumentationSpanOf(base, restored, headers, kind);
  if (adopted !== undefined) {
    adopted.span.setAttributes(attributes);
    adoptInto(adopted.span, adopted.continuation, restore, capturedAtMs, links);
    // Taken over once: a later withProcessSpan in it (a retry that this attempt runs when it fails, a
    // second attempt in the same handler) gets its own span instead of overwriting this one's.
    markOwnSpan(adopted.span);
    // Counted open until it ends (its instrumentation ends it: amqplib's at the message's ack), so that
    // a shutdown() before that says it (TRACEHOP_SPANS_OPEN_AT_SHUTDOWN) as it says tracehop's own; only
    // when startTracing's tracer provider started it (an instrumentation given its own provider ends
    // its span there, unseen by startTracing, whose shutdown does not stop that export).
    countAdoptedOpen(adopted.span);
    // A restore of the message inside (a traced step handed it) nests in this span, as in tracehop's own.
    const inAdopted =
      adopted.stored !== undefined && adopted.continuation !== undefined
        ? markAdoptedRestore(
            contextApi.active(),
            adopted.span,
            adopted.stored,
            adopted.continuation,
            restore,
            capturedAtMs,
          )
        : undefined;
    return recordingFailures(
      adopted.span,
      inAdopted === undefined
        ? () => fn(adopted.span)
        : () => contextApi.with(inAdopted, fn, undefined, adopted.span),
      "withProcessSpan",
    );
  }
  // The span active here (a batch's, a poll loop's): the parent of a message without a context, as
  // withBatchItem gives, rather than a new trace (not under the suppression of a `withSendSpan` whose
  // callback opened the connection: consumerContext); else linked by the ambient-link rule.
  const ambientLink = ambientLinkOf(base);
  // No carrier is handed on: the restore uses `restored` (a headers object is never read as a row,
  // so neither its `traceContext` nor its `createdAt` header means anything to it).
  return withCarrierIn(
    undefined,
    spanName(operationName, options),
    fn,
    { ...restore, propagator, kind: SpanKind.CONSUMER, attributes, links },
    {
      restored,
      capturedAtMs,
      ambientLink,
      fallback: ambientLink === undefined ? undefined : base,
      caller: "withProcessSpan",
    },
  );
}

/**
 * Whether `headers` is a whole mqtt.js PUBLISH packet (`messageShapeOf`, under a system other than
 * `"rabbitmq"` and `"kafka"`) delivered as a retained message: `retain` is `true`, which an MQTT 5
 * server sets on a retained message it sends because of a new subscription, and not on a message
 * published while the subscription existed (unless it asked for Retain As Published) (MQTT 5.0
 * §3.3.1.3). A user properties object alone tells nothing: `false`. Never throws (a throwing getter or
 * proxy trap: `false`).
 */
function isRetainedDelivery(headers: unknown, kind: MessageKind): boolean {
  if (kind !== "any" || headers === null || typeof headers !== "object") return false;
  try {
    return (headers as { retain?: unknown }).retain === true && messageShapeOf(headers, kind) === "mqtt.js";
  } catch {
    return false;
  }
}

/**
 * The restore options of a retained MQTT delivery ({@link isRetainedDelivery}): it carries the context
 * of its publish, which may be hours old, and MQTT gives no capture time. Under relation `"auto"` (given,
 * or `setRestoreDefaults`' default when none is given) with no capture time (`capturedAtMs` undefined:
 * none given, `null`, or one left out as unreadable) its age is unknown and possibly great, so it is
 * linked (`relation: "link"`, its `maxParentAge`, now unread, dropped so that it is not said unused)
 * instead of parented, as `auto` links a context older than `maxParentAge` (docs/messaging.md, "Old
 * contexts"). A capture time given (a user property of the publisher's) decides by age as usual; any
 * other relation, given or default, is kept: `"parent"` parents whatever the age. `restore` is not
 * changed (a copy is returned).
 */
function retainedRestore(
  restore: MessageRestore["restore"],
  capturedAtMs: number | undefined,
): MessageRestore["restore"] {
  if (capturedAtMs !== undefined) return restore;
  if ((restore.relation ?? currentRestoreDefaults().relation) !== "auto") return restore;
  const { maxParentAge: _unread, ...kept } = restore;
  return { ...kept, relation: "link" };
}

/**
 * Said once per process (`diag.warn` and the process warning `TRACEHOP_MQTT_RETAIN_UNSEEN`): under system
 * `"mqtt"` and relation `"auto"` (given, or `setRestoreDefaults`' default when none is given), with no
 * capture time (`capturedAtMs` undefined), `withProcessSpan` restored a context from `headers` that are
 * not a whole mqtt.js packet (its user properties, `packet.properties.userProperties`, as most handlers
 * pass them): it cannot see `retain` (MQTT 5.0 §3.3.1.3), so a retained message delivered on subscribe,
 * possibly hours old, is parented as a live one instead of linked ({@link retainedRestore}). The fix
 * names the call that sees it (the whole packet) and the manual relation (docs/messaging.md, "Old
 * contexts"). A whole packet (its `retain` seen: `false` here), another relation or a capture time say
 * nothing: retain would change nothing there. Never throws.
 */
function warnIfRetainUnseen(
  headers: unknown,
  kind: MessageKind,
  restore: MessageRestore["restore"],
  capturedAtMs: number | undefined,
): void {
  if (capturedAtMs !== undefined || hasWarned(RETAIN_UNSEEN_WARNING_KEY)) return;
  if ((restore.relation ?? currentRestoreDefaults().relation) !== "auto") return;
  if (messageShapeOf(headers, kind) === "mqtt.js") return;
  warnOnce(
    RETAIN_UNSEEN_WARNING_KEY,
    'tracehop withProcessSpan: under relation "auto" it was handed MQTT user properties, not the whole mqtt.js ' +
      "packet, so it cannot see whether the message was retained (delivered on subscribe, possibly published " +
      "hours ago) and parents its context as that of a live message, whose age MQTT does not give either. " +
      'Hand it the whole packet (the "message" event\'s third argument): withProcessSpan(packet, ...) reads its ' +
      "user properties and links a retained message (tracehop.mqtt.retained); or pass " +
      'relation: packet.retain ? "link" : "parent", or a capturedAt the publisher sent as a user property.',
    "TRACEHOP_MQTT_RETAIN_UNSEEN",
  );
}

/** Once-per-process key of {@link warnIfRetainUnseen}. */
const RETAIN_UNSEEN_WARNING_KEY = "withProcessSpan-mqtt-retain-unseen";

/**
 * Under system `"mqtt"`, headers that restored nothing and are an mqtt.js PUBLISH packet's properties
 * (`packet.properties`: its `userProperties` hold a carrier): said once per process (`diag.warn` and the
 * process warning `TRACEHOP_CARRIER_IN_OTHER_FIELD`) with the whole packet as the fix, not the field
 * (`packet.properties.userProperties` would restore the context, but never show `retain`:
 * {@link warnIfRetainUnseen}). `true` when `headers` are such properties (said now or before), so that
 * the general field scan says nothing more of them. Never throws.
 */
function warnIfMqttPropertiesHanded(headers: object): boolean {
  try {
    if (!Object.hasOwn(headers, "userProperties")) return false;
    const userProperties = (headers as { userProperties?: unknown }).userProperties;
    if (userProperties === null || typeof userProperties !== "object") return false;
    if (hasWarned(MQTT_PROPERTIES_WARNING_KEY)) return true;
    if (!holdsStoredCarrier(userProperties)) return false;
  } catch {
    return false; // a throwing getter or proxy trap: left to the general scan
  }
  warnOnce(
    MQTT_PROPERTIES_WARNING_KEY,
    "tracehop withProcessSpan: it was handed an MQTT PUBLISH packet's properties (packet.properties), not its " +
      "user properties, and read no trace context: the context is in properties.userProperties. Hand it the " +
      'whole packet (the "message" event\'s third argument): withProcessSpan(packet, ...) reads its user ' +
      "properties and sees retain.",
    "TRACEHOP_CARRIER_IN_OTHER_FIELD",
  );
  return true;
}

/** Once-per-process key of {@link warnIfMqttPropertiesHanded}. */
const MQTT_PROPERTIES_WARNING_KEY = "withProcessSpan-mqtt-properties";

/**
 * An array handed to `withProcessSpan` as headers, that restored nothing: a batch for the single-message
 * helper (kafkajs `eachBatch`'s `batch.messages`, messages a `prefetch` collected). When its first
 * element is a whole message whose headers hold a carrier, or headers holding one, that is said once per
 * process (`diag.warn` and the process warning `TRACEHOP_CARRIER_IN_OTHER_FIELD`) with the two calls to
 * use; an array of anything else (an untraced batch) is said nothing of. Never throws.
 */
function warnIfBatchHanded(messages: readonly unknown[], kind: MessageKind): void {
  if (hasWarned(BATCH_HANDED_WARNING_KEY)) return;
  try {
    const first = messages[0];
    const shape = messageShapeOf(first, kind);
    const carrier = shape === undefined ? first : headersOfShape(first as Record<string, unknown>, shape);
    if (!holdsStoredCarrier(carrier)) return;
    warnOnce(
      BATCH_HANDED_WARNING_KEY,
      `tracehop withProcessSpan: it was handed an array of ${messages.length} (a batch?) for the headers of one ` +
        `message, and the array holds no trace context, though its first ${shape === undefined ? "element holds a trace carrier" : "message's headers hold one"}: ` +
        "the work started a new trace. Hand withProcessSpan one message (withProcessSpan(messages[i], ...)), " +
        "or the batch to withBatchProcessSpan(messages, ...), which links each message's context.",
      "TRACEHOP_CARRIER_IN_OTHER_FIELD",
    );
  } catch {
    // A throwing getter or proxy trap in the array: nothing to say.
  }
}

/** `Array.isArray(value)`, false for a revoked proxy (on which it throws). */
function isArray(value: object): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** Once-per-process key of {@link warnIfBatchHanded}. */
const BATCH_HANDED_WARNING_KEY = "withProcessSpan-batch-handed";

/**
 * Headers that restore nothing but wrap a carrier in one of their fields (`{ headers: msg.headers }`):
 * said once per process and field, as withCarrier, withBatch and withSendSpan say it
 * (TRACEHOP_CARRIER_IN_OTHER_FIELD). The other client's whole message (an amqplib message under system
 * "kafka": its carrier two levels down, at `properties.headers`) is said with the system to give;
 * the field scan then says nothing of that path (`properties.headers`, a kafkajs message's `headers`
 * field), nor of later messages with it: one warning. A whole message of a client the system reads is looked into
 * through its headers, and the fix names the field from the message as the user passed it
 * (`message.properties.headers.traceContext`, `payload.message.headers.traceContext`:
 * `MESSAGE_HEADERS_PLACES`). Never throws.
 */
function warnIfCarrierMisplaced(headers: unknown, kind: MessageKind, system: string): void {
  if (headers === null || typeof headers !== "object") return;
  if (isArray(headers)) return warnIfBatchHanded(headers as unknown[], kind);
  const saidPath = warnIfMessageOfOtherSystem(headers, kind, system, "withProcessSpan");
  if (saidPath !== undefined) return endCarrierFieldScan("withProcessSpan", saidPath);
  // A whole message: its headers are looked into, and the fix names the path from the message.
  const shape = messageShapeOf(headers, kind);
  if (shape === undefined && system === "mqtt" && warnIfMqttPropertiesHanded(headers)) return;
  if (shape === undefined) return warnIfCarrierInOtherField(headers, "withProcessSpan");
  let found: unknown;
  try {
    found = headersOfShape(headers as Record<string, unknown>, shape);
  } catch {
    return warnIfCarrierInOtherField(headers, "withProcessSpan"); // a getter that threw: as headers
  }
  warnIfCarrierInOtherField(found, "withProcessSpan", 0, MESSAGE_HEADERS_PLACES[shape]);
}

/**
 * The span active in `base` when it is an instrumentation's recording CONSUMER span that already
 * continues the message whose context is `restored` (`continuationOf`), with how it continues it (and
 * `stored`, the message's span context, else what the span links under a `restart` or for a parent id
 * 0, as withCarrier recognises its own: a restore of it inside nests);
 * `undefined` else. tracehop's own span is never taken for an instrumentation's, nor one taken over
 * already: a retry that a failed attempt runs inside its handler gets its own span, a sibling under the
 * message's context (docs/restore.md).
 *
 * `headers` as the caller handed it: when it is a whole amqplib message (`messageShapeOf` under `kind`),
 * the span is taken only if it is the one `@opentelemetry/instrumentation-amqplib` stored on that
 * message to end at its ack (`amqplibStoredSpanOf`). Under `noAck` the instrumentation stores none and
 * ends its span as soon as the consume callback returns, before an async `fn` settles: `fn`'s error
 * would be recorded on an ended span and lost, so tracehop starts its own span (a child of the message's
 * context, linked to the instrumentation's, as for a span that does not continue the message). A span
 * stored nowhere that the message shows (a later version of the instrumentation that keeps it
 * elsewhere) gives the same: a second span, never a lost error. A synchronous `fn` would be safe in it
 * but cannot be told before it runs. That stored span is this message's span by identity, so it is also
 * taken for a message without a context (continuation `undefined`: no `tracehop.relation`, as on
 * tracehop's own span of such a message); a span the caller started (a poll loop's root CONSUMER span)
 * is never stored there. Headers alone tell none of this: the span is taken when it continues the
 * message, whatever the consumer's ack mode.
 */
function instrumentationSpanOf(
  base: Context,
  restored: Context,
  headers: unknown,
  kind: MessageKind,
): { span: Span; continuation: ResolvedRelation | undefined; stored?: SpanContext } | undefined {
  const span = trace.getSpan(base);
  if (span === undefined || !isRecordingSpanOfKind(span, SpanKind.CONSUMER) || isOwnSpan(span))
    return undefined;
  const wholeAmqpMessage = messageShapeOf(headers, kind) === "amqplib";
  if (wholeAmqpMessage && amqplibStoredSpanOf(headers as object) !== span) return undefined;
  const parent = trace.getSpanContext(restored);
  // Under the restart extract behavior the message restores no parent: the instrumentation's span
  // then links to the message's context, which the restart link names (span id 0 for a Synthetics
  // context, a parent id 0: compared as it is). A restored root (parent id 0) has no parent either:
  // the instrumentation's span is then the root of its trace (span id 0 stands for it).
  const message =
    parent !== undefined && isSpanContextValid(parent)
      ? parent
      : (restartedFrom(restored) ?? rootOf(restored));
  if (message === undefined) return wholeAmqpMessage ? { span, continuation: undefined } : undefined;
  const continuation = continuationOf(span, message);
  if (continuation === undefined) return undefined;
  // `stored`: what a restore of the message inside is recognised by, as withCarrier keys its own (the
  // parent, else the context the restart link names or the root's span id 0: docs/restore.md "Nested
  // restores").
  return { span, continuation, stored: message };
}

/**
 * What of the restore options applies to `span`, an instrumentation's CONSUMER span that already
 * continues the message (`continuation`: as its child, or through a link; `undefined` for a message
 * without a context, whose span the instrumentation stored on it): `tracehop.attempt`, `tracehop.run`,
 * `tracehop.queue.wait` (from `capturedAtMs`) and `tracehop.relation` (what the span really is; none
 * without a context, as on tracehop's own span) are set on it, and `links` are added to it (`addLinks`, after its start: a sampler has not
 * seen them). A relation it cannot have (`link` or `none`, given or resolved from `auto` or
 * `setRestoreDefaults`, for a child of the message; `none` for a linked span) is warned about once
 * per process (`TRACEHOP_RELATION_NOT_APPLIED`), as are links an SDK span cannot take. Never throws.
 */
function adoptInto(
  span: Span,
  continuation: ResolvedRelation | undefined,
  restore: MessageRestore["restore"],
  capturedAtMs: number | undefined,
  links: Link[] | undefined,
): void {
  try {
    const added: Attributes = continuation === undefined ? {} : { [ATTR_TRACEHOP_RELATION]: continuation };
    const ageMs = carrierAgeMs(capturedAtMs);
    addRestoreAttributes(added, restore, ageMs);
    span.setAttributes(added);

    warnIfMaxParentAgeUnused(restore, "withProcessSpan");
    const { requested, resolved: wanted } = relationOf(restore, true, ageMs);
    // `parent` under an instrumentation that links (its link mode, a restart extraction) is what
    // withCarrier itself gives under a restart, and the instrumentation's own setting: not warned.
    if (continuation !== undefined && wanted !== "parent" && wanted !== continuation) {
      const asked = requested === wanted ? `"${wanted}"` : `"${requested}" (here "${wanted}")`;
      warnOnce(
        `withProcessSpan-adopted-${continuation}-${wanted}`,
        `tracehop withProcessSpan: called in an instrumentation's CONSUMER span that already ` +
          `continues the message (${continuation === "parent" ? "a child of" : "linked to"} its context) ` +
          `and cannot give it relation ${asked}: the span keeps tracehop.relation="${continuation}". For a ` +
          `span of tracehop's own, turn the client's instrumentation off where tracehop's helpers run ` +
          `(docs/messaging.md, "Coexistence").`,
        "TRACEHOP_RELATION_NOT_APPLIED",
      );
    }
    if (links !== undefined && links.length > 0) {
      if (typeof span.addLinks === "function") {
        // The links it holds, and those it dropped, before: its own are counted among those it was given.
        const before = linkCounts(span);
        span.addLinks(links);
        if (before !== undefined)
          warnIfLinksDropped(span, before.kept + links.length, "withProcessSpan", before.dropped);
      } else
        warnOnce(
          "withProcessSpan-adopted-links",
          "tracehop withProcessSpan: called in an instrumentation's CONSUMER span whose SDK cannot " +
            "add links to a started span (no Span.addLinks): options.links were not added.",
          "TRACEHOP_RELATION_NOT_APPLIED",
        );
    }
  } catch (err) {
    diag.warn(
      "tracehop withProcessSpan: adding the restore attributes to the active CONSUMER span failed",
      err,
    );
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
