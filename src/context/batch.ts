import { ambientLinkOf, consumerContext, withoutEndedSpan } from "./consumer-context.js";
import { cleanSpanName } from "../clean-text.js";
import {
  context as contextApi,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type Link,
  type Span,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { ATTR_MESSAGING_BATCH_MESSAGE_COUNT } from "./attributes.js";
import { extractRowOrCarrier, tracehopTracer, warnCarrierFromFailed } from "./carrier-context.js";
import { FROM_CARRIER_FROM, warnIfCarrierInOtherField } from "./carrier-in-other-field.js";
import { describeValue } from "../describe-value.js";
import { getExtractionLinks, markExtractionTaken } from "../propagation/extraction-result.js";
import { inheritRandomFlag } from "../propagation/w3c/random-flag.js";
import { markOwnSpan } from "./own-spans.js";
import { runInSpan } from "./run-in-span.js";
import { warnIfLinksDropped } from "./links-dropped.js";
import {
  assertCallable,
  assertOptions,
  startRestoredSpan,
  tryStart,
  untracedSpan,
  type WithCarrierOptions,
} from "./with-carrier.js";

/** Options of {@link withBatch}. */
export interface WithBatchOptions<M = unknown> {
  /** Propagator that reads the carriers. Default: `createPropagator()`. */
  propagator?: TextMapPropagator | undefined;
  /** Kind of the batch span. Default: `SpanKind.INTERNAL`. */
  kind?: SpanKind | undefined;
  /** Attributes given at span creation. */
  attributes?: Attributes | undefined;
  /** Extra span links, before the per-message ones. */
  links?: Link[] | undefined;
  /**
   * The carrier of one message (a carrier object, its JSON text, or a row with `traceContext`).
   * Default: the message itself, or its `traceContext` field when it has one.
   */
  carrierFrom?: ((message: M) => unknown) | undefined;
  /** `true`: the batch span starts a new trace even inside an active span. Default: `false`. */
  root?: boolean | undefined;
}

/** The names of {@link WithBatchOptions}. */
const WITH_BATCH_OPTION_NAMES: readonly string[] = [
  "propagator",
  "kind",
  "attributes",
  "links",
  "carrierFrom",
  "root",
];

/**
 * Runs `fn` inside ONE span for a batch of messages (or rows), with one span link per message whose
 * carrier holds a valid span context, in message order — never parented on any one message, since a
 * batch mixes unrelated traces (OTel messaging conventions; OTel kafkajs `eachBatch`;
 * DataDog/dd-trace-js#5342, DataDog/dd-trace-js#7479).
 *
 * The batch span is a child of the active context (a poll loop's span, say), or a new root with
 * `root: true`. Of kind CONSUMER, not of a span there that has ended, nor under a `withSendSpan`'s
 * suppression: amqplib runs a consume callback in the context its connection was opened in
 * (`consumerContext`, docs/messaging.md). Each link carries the message's span context as extracted
 * (trace flags included, so a dropped message stays unsampled on its link, DataDog/dd-trace-py#9159).
 * Messages without a valid context add no link, and each creation context is linked once: messages that
 * share one (the same trace id, span id and trace flags: published in one send span, a bulk producer's one
 * set of headers) add one link between them, in the order of the first, and a link `options.links` holds
 * already (the same context and attributes) is not added again (a copy of a link tells nothing more and
 * takes a place under the SDK's link limit; the conventions link the batch span to the messages'
 * creation contexts, OpenTelemetry messaging spans, "Consumer spans"). A link is its context and its
 * attributes (OpenTelemetry trace API, "Link"): a link to a context linked already but with other
 * attributes is kept (a `restart` extraction's `reason=propagation_behavior_extract` link beside a plain
 * one of `options.links`; a message's plain link beside a link of the user's with attributes).
 * `options.links` themselves are kept as given. The SDK keeps at most its `linkCountLimit` links of a
 * span (`OTEL_SPAN_LINK_COUNT_LIMIT`, default 128; a TracerProvider's `spanLimits.linkCountLimit`) and
 * drops the rest, the earliest first (`options.links`, then the first messages'): said once per process
 * (`TRACEHOP_LINKS_DROPPED`, from the span's `droppedLinksCount`, naming the limit in force). `messaging.batch.message_count` is set to
 * `messages.length`, a batch of one (or none) included, unless `options.attributes` gives it (a
 * caller that knows the batch's size better: a count of the messages polled where `messages` holds
 * the traced ones). The convention asks batching APIs to set it and single-message APIs not to ("When
 * a messaging client library supports both batch and single-message API for the same operation,
 * instrumentations SHOULD use `messaging.batch.message_count` for batching APIs"; its examples are 0, 1
 * and 2): `withBatch` is a batching API whatever the size of the batch, as contrib kafkajs's
 * `eachBatch` span, which sets `batch.messages.length` for every batch. For a span per message inside
 * the batch, call {@link withBatchItem} from `fn`.
 *
 * The span ends, records errors and passes results through exactly as in `withCarrier`. Carriers are
 * untrusted and never make the call throw.
 *
 * `name` is cleaned as withCarrier's is (a control character or lone surrogate becomes U+FFFD, `""` is
 * `"anonymous"`; docs/restore.md "Span names").
 *
 * @throws TypeError when `messages` is not an array, `name` not a string, `fn` not a function, an
 *   option is of the wrong kind (`kind`, `attributes`, `links`, `propagator`, `carrierFrom`, `root`), or
 *   `options` holds a name `WithBatchOptions` does not have.
 */
export function withBatch<M, T>(
  messages: readonly M[],
  name: string,
  fn: (span: Span) => T,
  options: WithBatchOptions<M> = {},
): T {
  if (!Array.isArray(messages)) {
    throw new TypeError(
      `tracehop withBatch: messages must be an array, got ${describeValue(messages)}` +
        (typeof messages === "string" && Array.isArray(name)
          ? "; the messages come first: withBatch(messages, name, fn, options?)"
          : ""),
    );
  }
  assertCallable(name, fn, "withBatch", "messages", messages, options);
  // kind, links, propagator: the checks withCarrier makes (WithBatchOptions has none of its others).
  // The options as checked: its links copied, each read once.
  const checked = assertOptions(options as WithCarrierOptions, "withBatch", WITH_BATCH_OPTION_NAMES);
  if (options.root !== undefined && typeof options.root !== "boolean")
    throw new TypeError(`tracehop withBatch: root must be true or false, got ${describeValue(options.root)}`);
  if (options.carrierFrom !== undefined && typeof options.carrierFrom !== "function")
    throw new TypeError(
      `tracehop withBatch: carrierFrom must be a function of one message, got ${describeValue(options.carrierFrom)}`,
    );
  return withBatchIn(messages, cleanSpanName(name), fn, checked as WithBatchOptions<M>, "withBatch");
}

/**
 * Internal: what withBatchProcessSpan's reader (batch-process-span.ts) tells {@link withBatchIn} of the
 * message its `carrierFrom` just read.
 */
export interface MessageReadNotes {
  /** Says where the carrier of a message that adds no link may be (`warnIfCarrierInOtherField`). */
  warnIfMisplaced: () => void;
  /**
   * Whether reading it left out an id amqplib rounded, said already (`TRACEHOP_JSON_NUMBER_ID`,
   * `headerNumbersAsText`): handed to the restore, so that it is not said again as a missing id.
   */
  roundedIdSaid: () => boolean;
  /**
   * The headers of the message just read as they were before the carrier was made of them (numbers as
   * text, `headerNumbersAsText`): handed to the restore as what the carrier was read from, so that its
   * warnings name a value as the message holds it (an `x-datadog-tags` table holding a `_dd.p.tid`:
   * `TRACEHOP_TRACE_ID_TRUNCATED`), as `withProcessSpan`'s restore does.
   */
  headersRead: () => unknown;
}

/**
 * Internal: {@link withBatch} for arguments its caller has checked (`options.links` are the checked
 * copies, `assertOptions`, or `requireOptions` for `withBatchProcessSpan`: this call's own array, to which
 * the messages' links are appended); `caller`, the helper the
 * user called, is named by the warnings of a missing context manager (`runInSpan`), of a throwing
 * `carrierFrom` / `headersFrom` (`safeCarrierFrom`) and of a carrier in another field
 * (`warnIfCarrierInOtherField`). That warning looks, for a message that adds no link, at its carrier
 * for `withBatch`; for `withBatchProcessSpan`, `read.warnIfMisplaced()` looks at what it kept of the
 * message just read (`options.carrierFrom` reads each message once and hands this function a Map of its
 * headers, never the object its `headersFrom` returned), and `read.roundedIdSaid()` tells whether an id
 * left out of it was said already ({@link MessageReadNotes}): batch-process-span.ts.
 */
export function withBatchIn<M, T>(
  messages: readonly M[],
  name: string,
  fn: (span: Span) => T,
  options: WithBatchOptions<M>,
  caller: "withBatch" | "withBatchProcessSpan",
  read?: MessageReadNotes,
): T {
  const started = tryStart(() => {
    // The checked copy is this call's own: the messages' links are appended to it.
    const links = options.links ?? [];
    // Each link is added once: messages of one send (a bulk publish, one span's headers on every
    // message) share their creation context, and a copy of a link (the same context and attributes) adds
    // nothing but takes a place under the SDK's link limit (docs/messaging.md, "One link per creation
    // context"). A link options.links holds already is not added again; options.links are kept as given.
    const linked = new LinkedContexts();
    for (const link of links) linked.add(link);
    const addLink = (link: Link) => {
      if (linked.add(link)) links.push(link);
    };
    for (const message of messages) {
      const carrier = options.carrierFrom ? safeCarrierFrom(options.carrierFrom, message, caller) : message;
      // withBatchProcessSpan's carrier is a message's headers: a rejection is said as the sender's.
      const restored = extractRowOrCarrier(
        carrier,
        { propagator: options.propagator },
        caller === "withBatch" ? "stored" : "message",
        read?.roundedIdSaid() ?? false,
        read?.headersRead(),
      );
      markExtractionTaken(restored);
      const spanContext = trace.getSpanContext(restored);
      if (spanContext && isSpanContextValid(spanContext)) addLink({ context: spanContext });
      else {
        // The restart extract behavior restores no parent but links the message's context.
        for (const link of getExtractionLinks(restored)) addLink(link);
        // A row whose carrier column has another name says so, naming the helper called. For
        // withBatchProcessSpan, whose carrier is the message's headers as a Map (normalizeCarrier), its
        // own look at what its headersFrom returned or at a message without headers.
        if (caller === "withBatch") {
          if (carrier !== null && typeof carrier === "object")
            warnIfCarrierInOtherField(carrier, caller, options.carrierFrom ? FROM_CARRIER_FROM : 0);
        } else read?.warnIfMisplaced();
      }
    }
    const attributes: Attributes = { ...options.attributes };
    if (attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] === undefined)
      attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = messages.length;
    // A consumer's batch is not part of a span that ended where the client's connection was opened
    // (consumerContext: amqplib's consume callback).
    const parent = options.root
      ? ROOT_CONTEXT
      : options.kind === SpanKind.CONSUMER
        ? consumerContext(contextApi.active())
        : contextApi.active();
    const span = tracehopTracer().startSpan(
      name,
      { kind: options.kind ?? SpanKind.INTERNAL, attributes, links, root: options.root },
      parent,
    );
    inheritRandomFlag(span, parent);
    markOwnSpan(span);
    warnIfLinksDropped(span, links.length, caller);
    return { span, active: trace.setSpan(parent, span) };
  });
  if (!started) return fn(untracedSpan());
  return runInSpan(started.span, started.active, fn, caller);
}

/**
 * Runs `fn` inside a span for one message of a batch: `withCarrier(message, name, fn, options)`,
 * with two differences that make it right inside {@link withBatch}:
 *
 * - the active span (the batch span) is linked when the message holds a context and the relation is
 *   `parent` or `link` (not `none`; not a span that has ended, nor the message's context itself): the
 *   ambient-link rule, docs/messaging.md "The span active at the call";
 * - a message whose carrier holds no context gives a child of the active span, not a new root (a new
 *   trace when that span has ended).
 *
 * So with the default relation each message's span is a child of its own message context
 * (DataDog/dd-trace-js#5342). All `withCarrier` options apply (relation, attempt, capturedAt, ...).
 *
 * `name` is cleaned as withCarrier's is (docs/restore.md "Span names"). @throws TypeError as `withCarrier` does.
 */
export function withBatchItem<T>(
  message: unknown,
  name: string,
  fn: (span: Span) => T,
  options: WithCarrierOptions = {},
): T {
  assertCallable(name, fn, "withBatchItem", "message", message, options);
  const checked = assertOptions(options, "withBatchItem");
  const ambient = contextApi.active();
  const ambientLink = ambientLinkOf(ambient);
  // A span that has ended is no parent: a message without a context then starts a new trace.
  const fallback = withoutEndedSpan(ambient);
  const started = tryStart(() =>
    startRestoredSpan(message, cleanSpanName(name), checked, {
      fallback,
      ambientLink,
      caller: "withBatchItem",
    }),
  );
  if (!started) return fn(untracedSpan());
  return runInSpan(started.span, started.active, fn, "withBatchItem", started.dropped);
}

/**
 * `carrierFrom(message)`; `undefined` when it throws (tracing never fails the batch: this message adds no
 * link), said once per process (`warnCarrierFromFailed`: for `withBatchProcessSpan`, whose own
 * `carrierFrom` runs the user's `headersFrom`, naming that).
 */
function safeCarrierFrom<M>(
  carrierFrom: (message: M) => unknown,
  message: M,
  caller: "withBatch" | "withBatchProcessSpan",
): unknown {
  try {
    return carrierFrom(message);
  } catch (err) {
    warnCarrierFromFailed(
      caller,
      caller === "withBatch" ? "carrierFrom" : "headersFrom",
      err,
      "the message adds no link to the batch span",
    );
    return undefined;
  }
}

/**
 * The links a batch span holds, to add each once. Two links are one when their span contexts have the same
 * trace id, span id and trace flags and their attributes are the same (a link is its context and its
 * attributes, OpenTelemetry trace API, "Link"): a context seen once sampled and once not keeps both links,
 * so that a link-aware sampler still sees the sampled one; a link to a context linked already but with
 * other attributes (a `restart` extraction's `reason=propagation_behavior_extract`, a link of the user's
 * with attributes beside a message's plain one) says something the first does not, and is kept. Empty
 * attributes are none. Looked up by the span id alone, a string the extraction made already (no key
 * string built per message); the rare links that share a span id but differ otherwise are kept in a list
 * beside.
 */
class LinkedContexts {
  private readonly bySpanId = new Map<string, Link>();
  private others: Link[] | undefined;

  /** Adds `link`; false when a link of the same ids, flags and attributes was added before. */
  add(link: Link): boolean {
    const first = this.bySpanId.get(link.context.spanId);
    if (first === undefined) {
      this.bySpanId.set(link.context.spanId, link);
      return true;
    }
    if (sameLink(first, link)) return false;
    const others = (this.others ??= []);
    for (const seen of others) if (sameLink(seen, link)) return false;
    others.push(link);
    return true;
  }
}

const sameLink = (a: Link, b: Link) =>
  a.context.spanId === b.context.spanId &&
  a.context.traceId === b.context.traceId &&
  a.context.traceFlags === b.context.traceFlags &&
  sameAttributes(a.attributes, b.attributes);

/**
 * Whether link attributes `a` and `b` hold the same keys with the same values, in any order of keys
 * (`undefined` and `{}` are the same): a value compared with `Object.is`, an array value element by
 * element. Plain message links have none: their comparison is the first line.
 */
function sameAttributes(a: Attributes | undefined, b: Attributes | undefined): boolean {
  if (a === b) return true;
  const aKeys = a === undefined ? [] : Object.keys(a);
  const bKeys = b === undefined ? [] : Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b!, key)) return false;
    const x = a![key];
    const y = b![key];
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length || x.some((element, i) => !Object.is(element, y[i]))) return false;
    } else if (!Object.is(x, y)) return false;
  }
  return true;
}
