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
import type { TraceCarrier } from "../index.js";
import { extractSource, injectCarrier, tracehopTracer } from "../context/carrier-context.js";
import { recordingFailures, runInSpan } from "../context/run-in-span.js";
import { readCarrierSource, type CarrierSource } from "../context/carrier-source.js";
import { assertCallable, tryStart, untracedSpan, withCarrierIn } from "../context/with-carrier.js";
import { isOwnSpan, markOwnSpan } from "../context/own-spans.js";
import { withoutSendSuppression, suppressForSend } from "../context/send-suppression.js";
import { addMissingAttributes, isRecordingSpanOfKind } from "./active-span.js";
import { ambientLinkOf } from "../context/consumer-context.js";
import { MESSAGING_OPERATION_TYPE_VALUE_SEND } from "./semconv.js";
import type { HeaderEntries } from "./header-entries.js";
import { writeFields } from "./header-writer.js";
import { requireOptions, type SendSpanOptions } from "./messaging-options.js";
import { messageRestoreOptions } from "./message-restore-options.js";
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
