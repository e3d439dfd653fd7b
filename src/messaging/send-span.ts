/** The send span of one message: `withSendSpan`, a producer's or a relay's (docs/messaging.md, "The relay"). */
import {
  context as contextApi,
  isSpanContextValid,
  SpanKind,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from "@opentelemetry/api";
import type { TraceCarrier, WithCarrierOptions } from "../index.js";
import { compileBaggagePolicy } from "../context/baggage-policy.js";
import { extractSource, injectAllowedBaggage, tracehopTracer } from "../context/carrier-context.js";
import { recordingFailures, runInSpan } from "../context/run-in-span.js";
import { readCarrierSource, type CarrierSource } from "../context/carrier-source.js";
import { assertCallable, tryStart, untracedSpan, withCarrierIn } from "../context/with-carrier.js";
import { isOwnSpan, markOwnSpan } from "../context/own-spans.js";
import { warnIfLinksDropped } from "../context/links-dropped.js";
import { withoutSendSuppression, suppressForSend } from "../context/send-suppression.js";
import { addMissingAttributes, isRecordingSpanOfKind } from "./active-span.js";
import { ambientLinkOf } from "../context/consumer-context.js";
import { MESSAGING_OPERATION_TYPE_VALUE_SEND } from "./semconv.js";
import type { HeaderEntries } from "./header-entries.js";
import { writeFieldsToSend } from "./header-writer.js";
import { writeKindOf } from "../carrier/header-object-kind.js";
import { sendsNoUserProperty } from "./mqtt.js";
import {
  requireOptions,
  type RelayForwarding,
  type SendSpanOptions,
  type MessagingSystem,
  type RoutingKeyUnderSystem,
  type OperationNameOfType,
  type SystemAsConventionsWrite,
  type SentHeaders,
} from "./messaging-options.js";
import { messageRestoreOptions } from "./message-restore-options.js";
import { assertUserPropertiesShape } from "./mqtt.js";
import {
  spanName,
  messagingAttributes,
  SEND_OPERATION_NAME_BY_SYSTEM,
  DEFAULT_SEND_OPERATION_NAME,
} from "./span-description.js";

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
    if (links !== undefined && links.length > 0) warnIfLinksDropped(span, links.length, "withSendSpan");
    return { span, active: trace.setSpan(parent, span) };
  });
  if (!started) return fn(untracedSpan(), parent);
  return runInSpan(started.span, started.active, (span) => fn(span, started.active), "withSendSpan");
}

/**
 * Starts the send span of one message and runs `fn(headers, span)` with it active; `headers` already
 * hold the context the message must carry. Put them on the message inside `fn`:
 *
 *     await withSendSpan({ system: "kafka", destination: "jobs" }, (headers) =>
 *       producer.send({ topic: "jobs", messages: [{ value, headers }] }));
 *
 * Send the object `fn` receives, not `options.headers`: the object given there is never written
 * unless it is a `Map`, fetch `Headers` or client's header object (NATS `MsgHdrs`: filled in place
 * through its methods and handed back, one per message) or a class instance (written as
 * properties); any other object (plain, or inheriting data fields) gives `fn` a new plain object of
 * the fields a `for…in` client sends, with the context, and stays as it was. So one module-level
 * object of application headers can serve every send, concurrent ones included
 * ({@link SendSpanOptions.headers}; docs/messaging.md, "Writing headers"). Under `system: "mqtt"` an
 * empty plain object (nothing injected, no application user property) is handed as `undefined`, so that
 * `properties: { userProperties }` publishes: mqtt.js 5 drops a packet whose `userProperties` is `{}`
 * and never settles its publish ({@link SentHeaders}).
 *
 * Which span and which context (messaging conventions, "Messaging spans"):
 * - no `creationContext`: a PRODUCER span `{operation} {destination}`, child of the active context,
 *   whose context goes into the headers. An active recording PRODUCER span (an instrumentation's, the
 *   caller's own, an enclosing `withSendSpan`'s) is used instead: no second span; one tracehop started
 *   keeps its attributes, another gets those of this call it lacks (docs/messaging.md, "Coexistence").
 * - with `creationContext` (a relay sending a stored outbox row): `forward: "send-span"` (default) — a
 *   PRODUCER span, child of the stored context, its own context in the headers; `"creation-context"` —
 *   a CLIENT span, the stored context in the headers (see `RelayForwarding`). A stored carrier
 *   without a valid span context gives a PRODUCER span whose context goes into the headers: a child of
 *   the active span (not one that has ended), else a new trace. The span active at the call (the
 *   relay's batch or poll loop span) is linked by the ambient-link rule (docs/messaging.md, "The span
 *   active at the call").
 *
 * Baggage: the headers carry all of the context's baggage by default (`baggage: "all"`: messages are
 * the wire, as HTTP headers are); `options.baggage` keeps less: `"none"` or a list of baggage keys
 * ({@link SendSpanOptions.baggage}), the policy, checks and messages of `captureCarrier`'s `baggage`
 * option. amqplib refuses a header table over 65 536 bytes when encoded (a RangeError from
 * `publish`/`sendToQueue`): with large application headers, pass `"none"` or the keys the consumer needs.
 * A connection whose negotiated `frame_max` is under 68 128 bytes takes a smaller table (RabbitMQ closes
 * the connection on a larger content header frame): pass it as `options.frameMax`
 * ({@link SendSpanOptions.frameMax}).
 *
 * `fn` runs with tracing suppressed (see {@link SendSpanOptions.suppressInstrumentation}), except for
 * tracehop's own captures. Attributes (set at start): `messaging.system`, `messaging.system.name`,
 * `messaging.destination.name`, `messaging.operation.type` = `send`, `messaging.operation` = `publish`
 * (its name before semantic conventions 1.26, which Datadog names the span from), `messaging.operation.name`,
 * `messaging.message.id`, `messaging.message.conversation_id` and (RabbitMQ) `rabbitmq.destination.routing_key`
 * when given (`messageId`, `conversationId`, `routingKey`: what a process span reads from a whole
 * message), plus `options.attributes` (`messaging.message.body.size`, Opt-In in the conventions, only
 * from there). Errors of `fn` are recorded (exception
 * event, ERROR status, `error.type`) and passed through; the span ends when `fn` returns or settles.
 * Tracing never fails the send: a bad stored carrier means a new trace, and a tracer that throws while
 * starting the span leaves `fn` to run once with a non-recording span and headers holding what the span
 * would have continued (the active context; with `creationContext`, the stored one).
 * @throws TypeError when `options` is not a plain object, `options.system` or `options.destination` is
 *   missing, `options.system` is a well-known system in another case (`"Kafka"`), `options.operationName`
 *   is given and not a non-empty string or names another operation type
 *   (`receive` on a process span, `process` on a send span), `options` holds a name
 *   `SendSpanOptions` does not have, `fn` is not a function, `options.forward` is neither `"send-span"`
 *   nor `"creation-context"`, `options.propagator` is not a TextMapPropagator, `options.links` is not
 *   an array, `options.baggage` is not `"none"`, `"all"` or an array of baggage keys (the message
 *   names them; a bad key is named by its index, as `captureCarrier` names it), or `relation` or
 *   `maxParentAge` is out of range (on every path) — programming errors,
 *   before `fn` runs. A bad `messageId`, `attempt`, `run` or `capturedAt` (values of the message or the
 *   row) is no error: left out, said once per process (`TRACEHOP_MESSAGE_OPTION_IGNORED`; see
 *   `MessagingSpanOptions.messageId` and `RestoreOptions`); nor a bad `conversationId` or `routingKey`,
 *   taken as `messageId`. A `routingKey` under a system other than `"rabbitmq"` is a TypeError, and so are
 *   `headers` under `"mqtt"` that mqtt.js cannot send as user properties (a Map, a WHATWG `Headers`, a
 *   client's header object, an array, text: it reads an object's own properties, and a publish with none is
 *   dropped and never settles; a user property that is `undefined`, `null` or an object, named: mqtt.js
 *   fails the publish or sends `"[object Object]"`). `attempt`, `run` and `capturedAt` are read
 *   only with a `creationContext` (the relay's restore uses them); without one they are not read, not
 *   recorded and not warned about.
 */
export function withSendSpan<
  T,
  H extends Record<string, unknown> | HeaderEntries = TraceCarrier,
  S extends MessagingSystem | (string & {}) = MessagingSystem | (string & {}),
  O extends string = string,
>(
  options: SendSpanOptions<H> & { system: S & SystemAsConventionsWrite<S> } & RoutingKeyUnderSystem<S> & {
      operationName?: (O & OperationNameOfType<"send", O>) | undefined;
    },
  fn: (headers: SentHeaders<S, H>, span: Span) => T,
): T {
  options = requireOptions("withSendSpan", options);
  // Headers mqtt.js cannot send (a Map, a header object): a mistake of the calling code, said before the span.
  if (options.system === "mqtt")
    assertUserPropertiesShape(options.headers, "withSendSpan", 'options.headers under system "mqtt"', true);
  // `undefined`: all of the baggage (messages are the wire, as HTTP headers are).
  const allowedBaggage = compileBaggagePolicy(options.baggage, "tracehop withSendSpan", "all");
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
    conversationId: _conversationId,
    attributes: _attributes,
    links,
    propagator,
    headers = {} as H,
    creationContext,
    forward,
    suppressInstrumentation,
    baggage: _baggage,
    routingKey: _routingKey,
    frameMax,
    ...given
  } = options;
  const system = options.system;
  const send = sender(
    headers,
    suppressInstrumentation !== false,
    system === "rabbitmq",
    frameMax ?? 0,
    system === "mqtt",
    fn as (headers: H | undefined, span: Span) => T,
  );
  const inject: Inject = (context) =>
    injectAllowedBaggage({ context, propagator }, allowedBaggage, "withSendSpan");
  if (creationContext === undefined) return sendInActiveContext(name, attributes, links, inject, send);
  // A bad attempt, run or capturedAt (read from the message or the row) is left out, said once. Only
  // a relay's restore reads them: without a creationContext they are not used, and nothing is said.
  const { restore, capturedAtMs } = messageRestoreOptions(given, "withSendSpan");
  const relay = { ...restore, propagator, attributes, links } as WithCarrierOptions;
  return relaySend(name, creationContext, forward, relay, capturedAtMs, inject, send);
}

/**
 * The carrier of a context (`undefined`: the active one) for the message: injected with the call's
 * propagator, its baggage kept to {@link SendSpanOptions.baggage}.
 */
type Inject = (context: Context | undefined) => TraceCarrier;

/** What runs `fn` for one send span: the headers filled with `carrier`, then `fn(headers, span)`. */
type Send<T> = (span: Span, carrier: TraceCarrier) => T;

/**
 * The {@link Send} of `fn`: the carrier written for `fn` (`writeFieldsToSend`: a record of fields
 * copied, never written, so one object can serve concurrent sends; a `Map`, `Headers`, client's header
 * object or class instance filled in place, a copy when it cannot take the context, frozen say) and `fn` called with
 * them, under tracehop's send suppression when `suppress` ({@link SendSpanOptions.suppressInstrumentation}).
 * `amqpTable` (system `"rabbitmq"`): headers written as an AMQP table get no field that would take it
 * over what amqplib encodes, or past the content header frame of a connection whose `frame_max` is
 * `frameMax` (0: none given), as `injectAmqpHeaders` writes them. `emptyAsUndefined` (system `"mqtt"`):
 * headers of which mqtt.js would write no user property ({@link sendsNothingToMqtt}: the copy of
 * nothing, `{}`) are handed as `undefined`, which mqtt.js leaves out of the packet, where
 * `userProperties: {}` would drop the packet and never settle the publish ({@link SentHeaders}).
 */
function sender<T, H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  suppress: boolean,
  amqpTable: boolean,
  frameMax: number,
  emptyAsUndefined: boolean,
  fn: (headers: H | undefined, span: Span) => T,
): Send<T> {
  return (span, carrier) => {
    const written = writeFieldsToSend(headers, carrier, "withSendSpan", amqpTable, frameMax);
    const message = emptyAsUndefined && sendsNothingToMqtt(written) ? undefined : written;
    if (!suppress) return fn(message, span);
    return contextApi.with(suppressForSend(contextApi.active()), fn, undefined, message, span);
  };
}

/**
 * Whether mqtt.js would write no user property of `value`, the headers handed under `system: "mqtt"`:
 * an object of no header-entries kind (not a Map or a client's header object, written through their
 * methods) without an own property, or whose own properties are all empty arrays (`sendsNoUserProperty`):
 * what mqtt-packet sizes as a property of length 0.
 */
function sendsNothingToMqtt(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    writeKindOf(value) === undefined &&
    sendsNoUserProperty(value)
  );
}

/**
 * A send without a stored creation context: in the active PRODUCER span when there is one recording
 * (an enclosing send span), else in a new PRODUCER span, child of the active context; its context goes
 * into the headers.
 */
function sendInActiveContext<T>(
  name: string,
  attributes: Attributes,
  links: Link[] | undefined,
  inject: Inject,
  send: Send<T>,
): T {
  const ambient = trace.getActiveSpan();
  if (ambient !== undefined && isRecordingSpanOfKind(ambient, SpanKind.PRODUCER)) {
    // An enclosing send span of tracehop's own (an outer withSendSpan's) keeps its attributes: it
    // describes the send it was started for, and a nested send only carries its context. Another
    // PRODUCER span (an instrumentation's, the caller's own) gets those it lacks, never replacing one
    // it has.
    if (!isOwnSpan(ambient)) addMissingAttributes(ambient, attributes);
    return recordingFailures(ambient, () => send(ambient, inject(undefined)));
  }
  // Injected from the span's context itself, not the active one: without a context manager
  // (no startTracing() in this process) the active context inside is ROOT and the trace would end.
  return runInNewSpan(name, SpanKind.PRODUCER, attributes, links, (span, active) =>
    send(span, inject(active)),
  );
}

/**
 * A relay's send of a message whose creation context is stored in `creationContext` (an outbox row or
 * its carrier): `forward` says which context the message carries ({@link RelayForwarding}). The span
 * active at the call (the relay's batch or poll loop span: `withBatch`) is linked by the ambient-link
 * rule (docs/messaging.md, "The span active at the call"), and is the parent of the send span of a row
 * without a usable context.
 */
function relaySend<T>(
  name: string,
  creationContext: unknown,
  forward: RelayForwarding | undefined,
  options: WithCarrierOptions,
  capturedAtMs: number | undefined,
  inject: Inject,
  send: Send<T>,
): T {
  const { propagator } = options;
  // The stored context, extracted once for both forwarding modes (withCarrierIn does not extract it
  // again), from one read of the row's `traceContext` (`source`, as `withCarrier` makes).
  const source: CarrierSource = readCarrierSource(creationContext);
  const restored: Context = extractSource(source, propagator);
  const callerContext = contextApi.active();
  const ambientLink = ambientLinkOf(callerContext);
  if (forward === "creation-context") {
    const stored = trace.getSpanContext(restored);
    if (stored !== undefined && isSpanContextValid(stored)) {
      const carrier = inject(restored);
      return withCarrierIn(
        creationContext,
        name,
        (span) => send(span, carrier),
        { ...options, kind: SpanKind.CLIENT },
        { restored, source, capturedAtMs, ambientLink, caller: "withSendSpan" },
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
    (span) => send(span, inject(sendContext ?? restored)),
    { ...options, kind: SpanKind.PRODUCER },
    {
      restored,
      source,
      capturedAtMs,
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
