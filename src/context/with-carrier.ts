import {
  context as contextApi,
  createContextKey,
  diag,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  TraceFlags,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { cleanSpanName } from "../clean-text.js";
import { DECISION_MAKER_TAG, KNUTH_SAMPLING_RATE_TAG, TID_TAG } from "../propagation/datadog/constants.js";
import {
  getDatadogContext,
  bindDatadogContext,
  type DatadogContext,
} from "../propagation/datadog/datadog-context.js";
import {
  type RestoredRoot,
  getExtractionAttributes,
  getExtractionLinks,
  getRestoredRoot,
  markExtractionTaken,
  restartedFrom,
  restoredRootLinkContext,
} from "../propagation/extraction-result.js";
import {
  ATTR_TRACEHOP_ATTEMPT,
  ATTR_TRACEHOP_QUEUE_WAIT,
  ATTR_TRACEHOP_RELATION,
  ATTR_TRACEHOP_RUN,
  MS_PER_SECOND,
} from "./attributes.js";
import { describeNotPlain, describeValue } from "../describe-value.js";
import { isPlainObject } from "../plain-object.js";
import { readSpanLink } from "./span-link.js";
import { assertKnownOptions } from "../known-options.js";
import { assertPropagatorOption, extractSource, tracehopTracer } from "./carrier-context.js";
import {
  type CarrierCaller,
  type CarrierPosition,
  warnIfCarrierInOtherField,
} from "./carrier-in-other-field.js";
import { type CarrierSource, readCarrierSource, toEpochMs } from "./carrier-source.js";
import { randomTraceId, startRootWithTraceId, withDecidedTrace } from "./root-with-trace-id.js";
import { withOwnValue } from "../propagation/context-values.js";
import {
  assertMaxParentAge,
  ordinalNumber,
  assertRelation,
  currentRestoreDefaults,
  resolveRelation,
  warnIfMaxParentAgeUnused,
  type Relation,
  type ResolvedRelation,
} from "./relation.js";
import { inheritRandomFlag } from "../propagation/w3c/random-flag.js";
import { type DroppedRestore, isUnsampledOpen, markDroppedRestore, markOwnSpan } from "./own-spans.js";
import { runInSpan } from "./run-in-span.js";
import { warnIfLinksDropped } from "./links-dropped.js";
import { capturedAtOption, ordinalOptions } from "./ordinal-options.js";

/** Options of {@link withCarrier} (and of `traced`, `withBatchItem`). */
export interface WithCarrierOptions {
  /** Propagator that reads the carrier. Default: `createPropagator()`. */
  propagator?: TextMapPropagator | undefined;
  /**
   * Kind of the span, given at creation. Default: `SpanKind.INTERNAL` (OpenTelemetry's default: work in
   * one process); `withProcessSpan` starts CONSUMER spans, `withSendSpan` PRODUCER ones, with the
   * `messaging.*` attributes (docs/export.md, "The kind of each span tracehop starts").
   */
  kind?: SpanKind | undefined;
  /** Attributes given at span creation (so samplers see them, as the messaging conventions ask). */
  attributes?: Attributes | undefined;
  /**
   * How the span relates to the stored context: `parent`, `link`, `none` or `auto`
   * (see `Relation`). Default: `setRestoreDefaults`' relation, initially `parent`; not given (or
   * `undefined`) inside a restore of the same stored context, the enclosing restore's relation
   * (docs/restore.md "Nested restores").
   */
  relation?: Relation | undefined;
  /**
   * `relation: "auto"` parents only while the stored context is at most this old, in milliseconds.
   * Default: `setRestoreDefaults`' value, initially 5 minutes.
   */
  maxParentAge?: number | undefined;
  /**
   * When the carrier was captured: a `Date`, epoch milliseconds (a number, a `bigint` or a text of
   * digits alone, as a `BigInt` column or node-postgres' `int8` text gives them), or ISO 8601 text, the
   * extended format read whole (`2026-12-01T10:00:00Z`; a space for the `T`, as SQL timestamps print,
   * and a zone `Z`, `±hh`, `±hhmm` or `±hh:mm` or none: docs/restore.md). Default (`undefined`): the
   * `createdAt` field of the row handed in as carrier. `null` (a nullable column without a value: Prisma's `DateTime?`)
   * is an unknown capture time, and the row's `createdAt` is then not read. Drives `relation: "auto"`
   * and the `tracehop.queue.wait` attribute. Any other value (`"yesterday"`, `{}`, an invalid `Date`, an
   * impossible calendar date such as `"2026-02-30"`, which `Date` would roll over to March 2), or a time
   * outside a `Date`'s range (beyond ±8.64e15 ms, in any form), is no error (a capture time is data,
   * often a row's `createdAt`): it is left out as if not given (the row's `createdAt` is then read),
   * `fn` runs as usual, said once per process, helper and option (`TRACEHOP_MESSAGE_OPTION_IGNORED`).
   * A time below 1e11 (before March 1973: what a Unix time in seconds looks like) is read as milliseconds all the same, and warned about
   * once per process (`TRACEHOP_CAPTURED_AT_SECONDS`).
   */
  capturedAt?: Date | number | bigint | string | null | undefined;
  /**
   * 1-based attempt number of this delivery (1 = first try), usually read from the row or message (a
   * delivery count column or header): an integer from 1 to `Number.MAX_SAFE_INTEGER`, given as a
   * number, a bigint (a Prisma `BigInt` column) or a text of its decimal digits alone (node-postgres'
   * `int8`, a header: `"3"`), taken as its number; becomes `tracehop.attempt`. `null` (a nullable
   * column without a value) is none. Anything else (`0`, `NaN`, `2.5`, `" 3"`, a Buffer: decode it) is
   * no error, as nothing read from the data is: left out, `fn` runs as usual, said once per process,
   * helper and option (`TRACEHOP_MESSAGE_OPTION_IGNORED`).
   */
  attempt?: number | bigint | string | null | undefined;
  /**
   * 1-based run number of a repeating job restored from one carrier (`auto` links every run after 1):
   * taken as `attempt` is; becomes `tracehop.run`. A bad one is left out with the warning, as
   * `attempt`, and `auto` then reads no run.
   */
  run?: number | bigint | string | null | undefined;
  /**
   * Extra span links, given at creation: each `{ context: SpanContext, attributes? }` with hex ids, else
   * a TypeError. Each link is read once, at the call, and the span gets a plain copy of what was checked,
   * its `traceFlags` the number tracehop's inject styles write for them (`"1"` → 1; docs/restore.md).
   * The SDK keeps at most its `linkCountLimit` links of a span (`OTEL_SPAN_LINK_COUNT_LIMIT`, default
   * 128) and drops the earliest: said once per process (`TRACEHOP_LINKS_DROPPED`).
   */
  links?: Link[] | undefined;
}

/** A started span and the context to run the work in (the span is active in it). */
export interface StartedSpan {
  span: Span;
  active: Context;
  /**
   * A restore whose span the sampler dropped: its record, which `runInSpan` ends with the span
   * (`markRestore`); `undefined` otherwise.
   */
  dropped?: DroppedRestore | undefined;
}

/**
 * Runs `fn` inside a new span related to the context stored in `carrier`, and ends the span when
 * `fn`'s work is over.
 *
 * `carrier` is untrusted input: a carrier object, its JSON text, or a row
 * or message with a `traceContext` field holding either (`TraceCarrierProvider`; its `createdAt` is
 * the capture time). Message headers with a span-context header at their top level (`traceparent`,
 * `x-datadog-trace-id`, `b3`, `x-b3-traceid`) and an application header named `traceContext` that
 * holds no carrier are headers, not a row. It is extracted from `ROOT_CONTEXT`, never from the active
 * context, so a retry scheduled from inside a failed attempt still restores the stored parent
 * (open-telemetry/opentelemetry-js#4001). A missing or invalid carrier starts a new root span, in a new
 * trace, even inside an active span (unlike `withProcessSpan` and `withBatchItem`, which make a child of
 * the active span then: docs/restore.md "When the carrier holds nothing" has the table); nothing in the
 * carrier can make the call throw. A propagator whose extract behavior is `restart`
 * (`DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT`, as in dd-trace-js) restores no parent: the span starts a
 * new trace, linked to the stored context, with its baggage.
 *
 * The span, by `options.relation` (docs/restore.md "Relation policy"): `parent` (default), a child of
 * the stored span context in the context the carrier restored, so baggage and Datadog fields are
 * present inside `fn` (open-telemetry/opentelemetry-js-contrib#1351), with the extraction's links and
 * `_dd.parent_id`; a Datadog context with parent id 0 (Synthetics) gives a root span that keeps the
 * stored trace id. `link`: the root of a new trace linked to the stored context, with its baggage, the
 * trace-independent Datadog fields and a user's sampling decision (DataDog/dd-trace-py#9159). `none`:
 * the root of a new trace with no link, with its baggage. `auto`: `parent` while the carrier is younger
 * than `maxParentAge` and `run` is 1 or unset, else `link` (taskforcesh/bullmq#2942). Nested in work
 * that already continues the same stored span context (for a `restart` extraction or a Datadog parent
 * id 0, the same context its span links; a restore of it active at the call whose span is still
 * recording, or was dropped by the sampler and has not ended, not even by `fn`'s own `span.end()`; no
 * relation given, the same one or `auto`; no other `attempt`, `run` or capture time: a traced method
 * handing its row to another), the span is a child of the active span instead, without
 * `tracehop.relation`, keeping its trace and sampling decision (docs/restore.md "Nested restores").
 *
 * The span is of kind INTERNAL unless `options.kind` gives another (a worker's job restored from a row
 * may be a CONSUMER), and carries no `messaging.*` attributes: `withProcessSpan` (`tracehop/messaging`)
 * starts a CONSUMER span with them for a broker's message (docs/export.md, "The kind of each span
 * tracehop starts").
 *
 * The span is active for `fn` — across awaits, and in each step of a generator (see `runInSpan`). A
 * throw or rejection is recorded (exception event, ERROR status, `error.type`) and rethrown
 * unchanged; the span always ends (return, throw, settled promise, finished or closed generator), so
 * nothing leaks into the next job (keepsuit/laravel-opentelemetry#89). Attributes:
 * `options.attributes`, `tracehop.relation` (when the carrier held a context, not nested), `tracehop.attempt`,
 * `tracehop.run`, `tracehop.queue.wait` (seconds, when the capture time is known).
 *
 * @returns what `fn` returns (a promise settles to the same value; a generator is wrapped).
 * `name` is cleaned (`cleanSpanName`: a control character or lone surrogate becomes U+FFFD, `""` is
 * `"anonymous"`; docs/restore.md "Span names"), never refused: it is often business data.
 *
 * @throws TypeError when `name` is not a string, `fn` is not a function, an option is out of range
 *   (`relation`, `maxParentAge`) or of the wrong kind, or `options` holds a name it does not have (a
 *   misspelt `relaton`) — programming errors, reported before `fn` runs. A bad `attempt`, `run` or
 *   `capturedAt` (read from the data) is no error: left out, said once
 *   (`TRACEHOP_MESSAGE_OPTION_IGNORED`).
 *   Errors of `fn` pass through unchanged. A failure of tracing itself never fails `fn`.
 */
export function withCarrier<T>(
  carrier: unknown,
  name: string,
  fn: (span: Span) => T,
  options: WithCarrierOptions = {},
): T {
  assertCallable(name, fn, "withCarrier", "carrier", carrier, options);
  return withCarrierIn(carrier, cleanSpanName(name), fn, assertOptions(options, "withCarrier"), {});
}

/**
 * Internal: {@link withCarrier} with a {@link RestoreScope} (the messaging helpers pass the context
 * they have already restored from the same carrier, so that it is not extracted twice), for `name`,
 * `fn` and `options` its caller has checked (`assertCallable`, and `assertOptions` or the messaging
 * helpers' `requireOptions`: `options.links` are the checked copies, not read again, this call's own:
 * the span's other links are appended to them, unless `scope.sharedLinks`).
 */
export function withCarrierIn<T>(
  carrier: unknown,
  name: string,
  fn: (span: Span) => T,
  options: WithCarrierOptions,
  scope: RestoreScope,
): T {
  const started = tryStart(() => startRestoredSpan(carrier, name, options, scope));
  if (!started) return fn(untracedSpan());
  scope.onStart?.(started.active);
  return runInSpan(started.span, started.active, fn, scope.caller ?? "withCarrier", started.dropped);
}

/** Where a restored span sits when it is started inside other work (`traced`, `withBatchItem`). */
export interface RestoreScope {
  /** A carrier that holds no context gives a child of this context instead of a new root. */
  fallback?: Context;
  /**
   * The span active at the call (the batch span of `withBatchItem`, a relay's around `withSendSpan`, a
   * poll loop's around `withProcessSpan`: `ambientLinkOf`), linked by the ambient-link rule
   * ({@link linksAmbient}): when the carrier held a context and the relation is `parent` or `link`.
   */
  ambientLink?: SpanContext;
  /**
   * What `contextFromCarrier` gives for the carrier with `options.propagator`, when the caller has
   * already extracted it (not extracted again).
   */
  restored?: Context;
  /**
   * `options.capturedAt` already read as epoch milliseconds (the messaging helpers read it once, from
   * the message): used instead of reading it again.
   */
  capturedAtMs?: number;
  /**
   * What `readCarrierSource` gives for the carrier, when the caller has read it already (`traced`
   * found the row by its `traceContext`): not read again, so a row's getter sees one read.
   */
  source?: CarrierSource;
  /**
   * Called with the context `fn` runs in (the span active in it) just before `fn`, so that a caller can
   * inject from it explicitly: without a context manager it is not the active context inside `fn`.
   */
  onStart?: (active: Context) => void;
  /**
   * The helper the user called, as its warnings name it (a carrier in another field:
   * `warnIfCarrierInOtherField`; no context manager: `runInSpan`); default `withCarrier`.
   */
  caller?: CarrierCaller;
  /**
   * Where `traced` found the carrier, for that warning's fix: the index of the argument (default 0), or
   * `FROM_CARRIER_FROM` when its `carrierFrom` returned it.
   */
  carrierPosition?: CarrierPosition;
  /**
   * `options.links` is shared by many calls (`traced`'s, checked once when it wraps): the span's links
   * are a copy of it. Otherwise it is this call's own array (the checked copy of `assertOptions` or
   * `requireOptions`), to which the span's other links are appended.
   */
  sharedLinks?: boolean;
}

/**
 * Starts the span {@link withCarrier} describes, without running anything (see {@link RestoreScope}
 * for `scope`), recorded as tracehop's own (`markOwnSpan`: `withProcessSpan` never takes it for an
 * instrumentation's span). Never throws on bad carriers.
 */
export function startRestoredSpan(
  input: unknown,
  name: string,
  options: WithCarrierOptions,
  scope: RestoreScope = {},
): StartedSpan {
  warnIfMaxParentAgeUnused(options, scope.caller ?? "withCarrier");
  const source = scope.source ?? readCarrierSource(input);
  const restored = scope.restored ?? extractSource(source, options.propagator);
  // This helper places the extraction's links itself (or drops them, relation none) and keeps a restored
  // root's trace id itself: no other span started from this extraction gets them from
  // ExtractionSpanProcessor.
  markExtractionTaken(restored);
  const stored = validSpanContext(restored);
  const root = stored ? undefined : getRestoredRoot(restored);
  const hasStoredContext = stored !== undefined || root !== undefined;
  // Only when nothing was restored: a row whose carrier column has another name says so.
  if (!hasStoredContext && input !== null && typeof input === "object")
    warnIfCarrierInOtherField(input, scope.caller ?? "withCarrier", scope.carrierPosition);

  const capturedAtMs =
    scope.capturedAtMs ??
    (options.capturedAt !== undefined ? toEpochMs(options.capturedAt) : source.capturedAtMs);
  const attributes: Attributes = { ...options.attributes };
  const ageMs = carrierAgeMs(capturedAtMs);
  addRestoreAttributes(attributes, options, ageMs);
  // One copy of the caller's links per call: assertOptions' checked copy is this call's own.
  const links = options.links === undefined ? [] : scope.sharedLinks ? [...options.links] : options.links;
  const spanOptions: SpanOptions = { kind: options.kind ?? SpanKind.INTERNAL, attributes, links };

  let started: StartedSpan;
  const { given, resolved: relation } = relationOf(options, hasStoredContext, ageMs);
  // What a nested restore of the same carrier is recognised by: the stored span context, or, for a
  // carrier that restores no parent, what the span links instead (a restored root: its trace with span
  // id 0; a `restart` extraction: the context it cut).
  const restoredFrom = stored ?? (root ? restoredRootLinkContext(root) : restartedFrom(restored));
  const continuing =
    restoredFrom && continuingRestore(restoredFrom, given, relation, attributes, capturedAtMs);
  if (continuing) started = startNested(name, spanOptions, continuing);
  else if (!hasStoredContext && scope.fallback)
    started = startUnderFallback(name, spanOptions, restored, scope.fallback);
  else {
    if (hasStoredContext) attributes[ATTR_TRACEHOP_RELATION] = relation;
    if (hasStoredContext && linksAmbient(scope.ambientLink, stored, relation))
      links.push({ context: scope.ambientLink });
    switch (relation) {
      case "parent":
        started = startChild(name, spanOptions, restored, root);
        break;
      case "link":
        started = startLinkedRoot(
          name,
          spanOptions,
          restored,
          stored ?? (root && restoredRootLinkContext(root)),
        );
        break;
      case "none":
        started = startDetachedRoot(name, spanOptions, restored);
        break;
    }
  }
  // Every link the span was given (the caller's, then tracehop's) is in `links` by now.
  if (links.length > 0) warnIfLinksDropped(started.span, links.length, scope.caller ?? "withCarrier");
  // Marked as tracehop's before a dropped restore is recorded on it (markOwnSpan: a shared object).
  markOwnSpan(started.span);
  if (restoredFrom && !continuing) markRestore(started, restoredFrom, relation, attributes, capturedAtMs);
  return started;
}

/**
 * What a restore of a stored span context leaves on the context its function runs in (and so on every
 * context below it: a span the function starts keeps it), for a later restore of the same stored context
 * inside ({@link continuingRestore}).
 */
interface RestoreMark {
  /**
   * The stored span context restored (its ids); for a carrier that restores no parent, what the
   * restore's span links instead: the context a `restart` extraction cut, or a restored root's trace
   * with span id 0 (`restoredRootLinkContext`).
   */
  storedTraceId: string;
  storedSpanId: string;
  /** The restore's span, and its trace: the stored trace (`parent`) or a new one (`link`, `none`). */
  span: Span;
  traceId: string;
  /** The relation of that restore, resolved (`auto` as `parent` or `link`). */
  relation: ResolvedRelation;
  /** `tracehop.attempt` and `tracehop.run` of that restore (`undefined`: not given). */
  attempt: unknown;
  run: unknown;
  /** The capture time of what it restored, epoch milliseconds (`undefined`: unknown). */
  capturedAtMs: number | undefined;
  /** When the sampler dropped the restore's span: the record of whether that restore is still open. */
  dropped: DroppedRestore | undefined;
}

const RESTORE_MARK = createContextKey("tracehop restore of a stored span context");

/**
 * Marks `started` in place as a restore of `stored` (nothing returned): `started.active` becomes the
 * context `fn` runs in holding the {@link RestoreMark}, and, for a span the sampler dropped,
 * `started.dropped` the record of this restore ({@link markDroppedRestore}), open until `runInSpan` ends
 * it with the span (or the function's own `span.end()` on a span object this restore alone has), since a
 * non-recording span does not tell: the function still gets the tracer's own span object. Never throws on
 * a faulty span (an `isRecording` that throws: not recorded as dropped, so not nested into when dropped).
 */
function markRestore(
  started: StartedSpan,
  stored: SpanContext,
  relation: ResolvedRelation,
  attributes: Attributes,
  capturedAtMs: number | undefined,
): void {
  try {
    if (!started.span.isRecording()) started.dropped = markDroppedRestore(started.span);
  } catch {
    // A span whose isRecording throws (a faulty SDK): not nested into when dropped, as before.
  }
  const mark = restoreMark(started.span, stored, relation, attributes, capturedAtMs, started.dropped);
  // started.active was just made (trace.setSpan), by this restore alone: marked without another copy.
  started.active = withOwnValue(started.active, RESTORE_MARK, mark);
}

/**
 * Internal: true when `ctx` is (or is below) the context of a restore whose span the sampler dropped,
 * `span` is that restore's span object, and that restore has ended (`runInSpan` ended it, or the
 * function's own `span.end()` on an object the restore alone had: {@link markDroppedRestore}). What a span
 * object several restores share cannot tell of itself (`isDroppedRestoreEnded` is false for it): a
 * callback run after the restore's work is over finds it over here. Never throws.
 */
export function droppedRestoreEndedIn(ctx: Context, span: Span): boolean {
  try {
    const mark = ctx.getValue(RESTORE_MARK) as RestoreMark | undefined;
    return mark !== undefined && mark.span === span && mark.dropped?.ended === true;
  } catch {
    return false;
  }
}

/**
 * Internal: `active` (the context `fn` runs in) marked as that of a restore of `stored` whose span is
 * `span`, a recording instrumentation span `withProcessSpan` took over, which continues the message
 * (`relation`: as its child or through a link), with the restore `options` (`attempt`, `run`) and the
 * capture time (`capturedAtMs`, epoch milliseconds) given: a restore of the same context inside nests in
 * it as in a span of tracehop's own (docs/restore.md "Nested restores"). `active` itself is unchanged;
 * on a failure, `active` is returned. Never throws.
 */
export function markAdoptedRestore(
  active: Context,
  span: Span,
  stored: SpanContext,
  relation: ResolvedRelation,
  options: Pick<WithCarrierOptions, "attempt" | "run">,
  capturedAtMs: number | undefined,
): Context {
  try {
    const attributes: Attributes = {};
    addRestoreAttributes(attributes, options, undefined);
    const mark = restoreMark(span, stored, relation, attributes, capturedAtMs, undefined);
    return active.setValue(RESTORE_MARK, mark);
  } catch {
    return active;
  }
}

/**
 * The {@link RestoreMark} of a restore of `stored` whose span is `span` (`attributes`: its restore
 * attributes; `dropped`: its record when the sampler dropped the span).
 */
function restoreMark(
  span: Span,
  stored: SpanContext,
  relation: ResolvedRelation,
  attributes: Attributes,
  capturedAtMs: number | undefined,
  dropped: DroppedRestore | undefined,
): RestoreMark {
  return {
    storedTraceId: stored.traceId,
    storedSpanId: stored.spanId,
    span,
    traceId: span.spanContext().traceId,
    relation,
    attempt: attributes[ATTR_TRACEHOP_ATTEMPT],
    run: attributes[ATTR_TRACEHOP_RUN],
    capturedAtMs,
    dropped,
  };
}

/**
 * The active context, when a restore of `stored` there is nested in work that already continues it (a
 * traced method handing its row to another, `process(job)` calling `step(job)`; a `withCarrier` of the
 * row inside another), docs/restore.md "Nested restores": an earlier restore of the same stored span
 * context marked it ({@link markRestore}), and
 * - the active span is in that restore's trace (not a `root: true` span or another restore in between)
 *   and still recording (not ended: a retry scheduled from a failed attempt's handler runs after its
 *   span ended, and restores the stored parent, open-telemetry/opentelemetry-js#4001); or, when that
 *   restore's span was dropped by the sampler, that span is still open (`isUnsampledOpen`): the inner
 *   span then keeps its sampling decision instead of starting a trace the sampler decides again;
 * - this call gives no relation (`given` undefined: `setRestoreDefaults`' relation does not count),
 *   `auto`, or the relation the enclosing restore resolved to: the first two take the enclosing
 *   restore's (the row's age grows during the work: a step that starts past `maxParentAge` is still that
 *   work; a plain `@traced()` step in a `relation: "link"` job is that job's work);
 * - it gives no other `attempt` or `run` (a retry's), and no other capture time (`capturedAtMs`: another
 *   row that holds the same carrier, written in the same request). An enclosing restore that gave no
 *   `attempt` is the first attempt (`attempt` 1 is the first delivery): `attempt: 1` nests in it, another
 *   attempt is a retry; one that gave no `run` is no particular run, so any `run` given is another.
 * Then the new span is a child of the active one rather than a second child of the stored span (or,
 * under `link`, the root of yet another trace). Never throws.
 */
function continuingRestore(
  stored: SpanContext,
  given: Relation | undefined,
  relation: ResolvedRelation,
  attributes: Attributes,
  capturedAtMs: number | undefined,
): Context | undefined {
  try {
    const active = contextApi.active();
    const mark = active.getValue(RESTORE_MARK) as RestoreMark | undefined;
    if (
      mark === undefined ||
      mark.storedSpanId !== stored.spanId ||
      mark.storedTraceId !== stored.traceId ||
      (given !== undefined && given !== "auto" && mark.relation !== relation)
    )
      return undefined;
    const attempt = attributes[ATTR_TRACEHOP_ATTEMPT];
    const run = attributes[ATTR_TRACEHOP_RUN];
    // An enclosing restore that gave no attempt is the first (1 = first delivery): attempt 1 inside it is
    // the same attempt, another one a retry. A run has no such default: any run inside one without is another.
    if ((attempt !== undefined && attempt !== (mark.attempt ?? 1)) || (run !== undefined && run !== mark.run))
      return undefined;
    if (capturedAtMs !== undefined && mark.capturedAtMs !== undefined && capturedAtMs !== mark.capturedAtMs)
      return undefined;
    const span = trace.getSpan(active);
    if (span === undefined || span.spanContext().traceId !== mark.traceId) return undefined;
    return span.isRecording() || isUnsampledOpen(mark.dropped) ? active : undefined;
  } catch {
    return undefined;
  }
}

/** A restore nested in one of the same stored context ({@link continuingRestore}): a child of `active`. */
function startNested(name: string, spanOptions: SpanOptions, active: Context): StartedSpan {
  const span = tracehopTracer().startSpan(name, spanOptions, active);
  return { span, active: trace.setSpan(active, span), dropped: undefined };
}

/**
 * The ambient-link rule (docs/messaging.md, "The span active at the call"): a span started for a
 * stored context inside other work links `ambient` (the span active at the call, valid and not ended:
 * `ambientLinkOf`) when the span relates to the stored context (`relation` parent or link, as resolved),
 * for it is then not the ambient span's child (messaging conventions, "Messaging spans": a process span
 * parented on the creation context inside an ambient span links the ambient one); not under `none`,
 * whose promise is a new trace with no link, nor when `ambient` is the stored context itself (the
 * span's parent, or its link, already), nor when the sampler dropped it (not sampled: never exported, a
 * link no backend can follow; "only link when the source was sampled", getoutreach/gobox#243).
 */
function linksAmbient(
  ambient: SpanContext | undefined,
  stored: SpanContext | undefined,
  relation: ResolvedRelation,
): ambient is SpanContext {
  return (
    ambient !== undefined &&
    relation !== "none" &&
    (ambient.traceFlags & TraceFlags.SAMPLED) !== 0 &&
    !isSameSpan(ambient, stored)
  );
}

/**
 * A carrier without a stored context inside other work (`RestoreScope.fallback`): a child of
 * `fallback`, with the message's own baggage over the fallback's. Only a `restart` extraction (no parent
 * by configuration) leaves links without a stored context: they are added.
 */
function startUnderFallback(
  name: string,
  spanOptions: SpanOptions,
  restored: Context,
  fallback: Context,
): StartedSpan {
  spanOptions.links!.push(...getExtractionLinks(restored));
  const baggage = propagation.getBaggage(restored);
  const base = baggage === undefined ? fallback : propagation.setBaggage(fallback, baggage);
  const span = tracehopTracer().startSpan(name, spanOptions, base);
  return { span, active: trace.setSpan(base, span), dropped: undefined };
}

/**
 * Relation `parent`: a child of the stored context, in the context the carrier restored, with the
 * extraction's links and attributes; a restored root (Datadog parent id 0) gives a root span that keeps
 * the stored trace id.
 */
function startChild(
  name: string,
  spanOptions: SpanOptions,
  restored: Context,
  root: RestoredRoot | undefined,
): StartedSpan {
  spanOptions.links!.push(...getExtractionLinks(restored));
  Object.assign(spanOptions.attributes!, getExtractionAttributes(restored));
  const tracer = tracehopTracer();
  const span = root
    ? startRootWithTraceId(tracer, name, spanOptions, restored, root.traceId, root.traceFlags)
    : tracer.startSpan(name, spanOptions, restored);
  // The SDK derives a child's flags from its sampler and drops the W3C random flag (Level 2 §3.2.2.5.2).
  if (!root) inheritRandomFlag(span, restored);
  return { span, active: trace.setSpan(restored, span), dropped: undefined };
}

/**
 * Relation `link`: the root of a new trace linked to `storedLink`, when given (the stored span context; for a
 * restored root, its trace with span id 0, as dd-trace links such a context, so that the incoming trace
 * stays findable), keeping the trace-independent Datadog fields and a user's sampling decision
 * (docs/restore.md "Link mode").
 */
function startLinkedRoot(
  name: string,
  spanOptions: SpanOptions,
  restored: Context,
  storedLink: SpanContext | undefined,
): StartedSpan {
  spanOptions.links!.push(...getExtractionLinks(restored));
  if (storedLink) spanOptions.links!.push({ context: storedLink });
  const tracer = tracehopTracer();
  const base = trace.deleteSpan(restored);
  const carried = fieldsForNewTrace(getDatadogContext(restored));
  const span =
    carried?.samplingPriority !== undefined
      ? startRootWithTraceId(
          tracer,
          name,
          spanOptions,
          base,
          randomTraceId(),
          flagsOf(carried.samplingPriority),
        )
      : tracer.startSpan(name, { ...spanOptions, root: true }, base);
  let active = trace.setSpan(base, span);
  // The stored fields belong to the stored trace; give the new root its own (or none).
  if (carried || getDatadogContext(active))
    active = bindDatadogContext(active, carried ?? { propagationTags: {} }, span.spanContext().traceId);
  // A kept user decision governs the whole new trace, not only its root.
  if (carried?.samplingPriority !== undefined) active = withDecidedTrace(active, span.spanContext().traceId);
  return { span, active, dropped: undefined };
}

/** Relation `none`: the root of a new trace with no link; only the stored baggage carries over. */
function startDetachedRoot(name: string, spanOptions: SpanOptions, restored: Context): StartedSpan {
  const baggage = propagation.getBaggage(restored);
  const base = baggage ? propagation.setBaggage(ROOT_CONTEXT, baggage) : ROOT_CONTEXT;
  const span = tracehopTracer().startSpan(name, { ...spanOptions, root: true }, base);
  return { span, active: trace.setSpan(base, span), dropped: undefined };
}

/**
 * Internal: the age of a carrier captured at `capturedAtMs` (epoch milliseconds; `undefined`: unknown),
 * in milliseconds, now, never below 0 (a capture clock ahead of this one); `undefined` when the capture
 * time is unknown.
 */
export function carrierAgeMs(capturedAtMs: number | undefined): number | undefined {
  return capturedAtMs === undefined ? undefined : Math.max(0, Date.now() - capturedAtMs);
}

/**
 * Internal: adds to `attributes` the restore attributes of `options` and of a carrier `ageMs` old
 * ({@link carrierAgeMs}; `undefined`: unknown): `tracehop.attempt`, `tracehop.run`, and
 * `tracehop.queue.wait` (seconds). For withCarrier's span and the instrumentation span
 * `withProcessSpan` adopts.
 */
export function addRestoreAttributes(
  attributes: Attributes,
  options: Pick<WithCarrierOptions, "attempt" | "run">,
  ageMs: number | undefined,
): void {
  // Checked options hold numbers (ordinalOptions); ordinalNumber reads anything else by the same rules.
  const attempt = ordinalNumber(options.attempt);
  if (attempt !== undefined) attributes[ATTR_TRACEHOP_ATTEMPT] = attempt;
  const run = ordinalNumber(options.run);
  if (run !== undefined) attributes[ATTR_TRACEHOP_RUN] = run;
  if (ageMs !== undefined) attributes[ATTR_TRACEHOP_QUEUE_WAIT] = ageMs / MS_PER_SECOND;
}

/**
 * Internal: the relation `options` give (`given`, read once: `undefined` when not given), the one they ask
 * for (`requested`: theirs, else `setRestoreDefaults`') and what it
 * resolves to for a carrier that holds a context or not, `ageMs` old (`undefined`: unknown), with
 * `options.maxParentAge`, else the default's ({@link resolveRelation}).
 */
export function relationOf(
  options: Pick<WithCarrierOptions, "relation" | "run" | "maxParentAge">,
  hasStoredContext: boolean,
  ageMs: number | undefined,
): { given: Relation | undefined; requested: Relation; resolved: ResolvedRelation } {
  const defaults = currentRestoreDefaults();
  const given = options.relation;
  const requested = given ?? defaults.relation;
  const resolved = resolveRelation(requested, {
    hasStoredContext,
    ageMs,
    run: ordinalNumber(options.run),
    maxParentAge: options.maxParentAge ?? defaults.maxParentAge,
  });
  return { given, requested, resolved };
}

/**
 * The Datadog fields a new trace linked to a stored one keeps (docs/restore.md "Link mode"): the
 * origin; the `_dd.p.*` tags except `_dd.p.tid`, which is part of the stored trace id (its
 * upper 64 bits); and a user's sampling decision — priority < 0 (user drop) or > 1 (user keep) — with its
 * decision maker `_dd.p.dm` and the rate of that decision, `_dd.p.ksr` (a sampling rule's decision is a
 * user one: priority 2 or -1, `-3`, its rate). An automatic decision (0, 1), its decision maker and its
 * rate stay with the stored trace: the new trace gets its own decision from the sampler, and a rate
 * left beside it would describe a sampling the new trace never had. `undefined` when nothing is kept.
 */
function fieldsForNewTrace(fields: DatadogContext | undefined): DatadogContext | undefined {
  if (!fields) return undefined;
  const priority = fields.samplingPriority;
  const userDecision = priority !== undefined && (priority < 0 || priority > 1);
  const carried: DatadogContext = { propagationTags: {} };
  let kept = false;
  for (const [key, value] of Object.entries(fields.propagationTags)) {
    if (key === TID_TAG) continue;
    if (!userDecision && (key === DECISION_MAKER_TAG || key === KNUTH_SAMPLING_RATE_TAG)) continue;
    carried.propagationTags[key] = value;
    kept = true;
  }
  if (fields.origin !== undefined) {
    carried.origin = fields.origin;
    kept = true;
  }
  if (userDecision) {
    carried.samplingPriority = priority;
    kept = true;
  }
  return kept ? carried : undefined;
}

/**
 * Trace flags of a Datadog sampling priority: sampled exactly when priority > 0 (as dd-trace-java
 * `W3CHttpCodec` writes the traceparent flag).
 */
function flagsOf(priority: number): TraceFlags {
  return priority > 0 ? TraceFlags.SAMPLED : TraceFlags.NONE;
}

/** True when `a` and `b` (when given) are the same span: the same trace id and span id. */
function isSameSpan(a: SpanContext, b: SpanContext | undefined): boolean {
  return b !== undefined && a.traceId === b.traceId && a.spanId === b.spanId;
}

function validSpanContext(ctx: Context): SpanContext | undefined {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * Internal: the span `fn` gets when its span could not be started ({@link tryStart} gave `undefined`):
 * a non-recording span of the invalid span context, so that `fn` runs once, untraced, instead of failing.
 */
export function untracedSpan(): Span {
  return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
}

/** Runs `start`; a throwing tracer (a faulty SDK or processor) yields `undefined` and a diag warning. */
export function tryStart(start: () => StartedSpan): StartedSpan | undefined {
  try {
    return start();
  } catch (err) {
    diag.warn("tracehop: starting the restored span failed; running without it", err);
    return undefined;
  }
}

/**
 * @param firstName the argument `where` takes before `name` (`carrier`, `message`; `withCarrier(carrier,
 *   name, fn)`), when it has one, and `first` what it was given: a string there while `name` is none is
 *   the order of `tracer.startActiveSpan(name, fn)` or of another helper, and the error says to swap them.
 *   A function as `name` and a string as `fn` (`withCarrier(row, fn, "name")`: the name put last, as
 *   some job libraries take it) is the other swap, and the error says that the name comes before fn.
 * @param options what `where` was given after `fn`, for the helpers that take their options last: an
 *   object as `fn` and a function there is the order of `tracer.startActiveSpan(name, options, fn)`, and
 *   the error says that the options come after fn.
 * @throws TypeError when `name` is not a string or `fn` not a function.
 */
export function assertCallable(
  name: unknown,
  fn: unknown,
  where: string,
  firstName?: string,
  first?: unknown,
  options?: unknown,
): void {
  if (typeof name !== "string") {
    const swapped =
      firstName !== undefined && typeof first === "string"
        ? `; the ${firstName} comes first: ${where}(${firstName}, name, fn, options?), and ${describeValue(first)} was given there`
        : typeof name === "function" && typeof fn === "string"
          ? `; the name comes before fn: ${where}(${firstName ?? "..."}, name, fn, options?), and ${describeValue(fn)} was given after the function`
          : "";
    throw new TypeError(
      `tracehop ${where}: name must be a string (the span name), got ${describeValue(name)}${swapped}`,
    );
  }
  if (typeof fn !== "function") {
    const swapped =
      firstName !== undefined && typeof fn === "object" && fn !== null && typeof options === "function"
        ? `; the options come after fn: ${where}(${firstName}, name, fn, options?), not before it as in tracer.startActiveSpan(name, options, fn)`
        : "";
    throw new TypeError(`tracehop ${where}: fn must be a function, got ${describeValue(fn)}${swapped}`);
  }
}

/** The names of {@link WithCarrierOptions}. */
export const WITH_CARRIER_OPTION_NAMES: readonly string[] = [
  "propagator",
  "kind",
  "attributes",
  "relation",
  "maxParentAge",
  "capturedAt",
  "attempt",
  "run",
  "links",
];

/**
 * The options to use: `options` itself, or, when it gives `links`, a copy whose `links` are the plain
 * copies that were checked ({@link assertOptionValues}).
 * @throws TypeError when an option of {@link WithCarrierOptions} is out of range, or `options` holds a
 *   name not in `names` (default: the names of WithCarrierOptions), a misspelt option.
 */
export function assertOptions<O extends WithCarrierOptions>(
  options: O,
  where: string,
  names: readonly string[] = WITH_CARRIER_OPTION_NAMES,
): O {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`tracehop ${where}: options must be an object, got ${describeValue(options)}`);
  }
  assertKnownOptions(options, names, `tracehop ${where}`);
  return assertOptionValues(options, where);
}

/**
 * The value checks of {@link assertOptions}, for callers that check the names themselves (the
 * messaging helpers, whose options hold more names): `relation`, `maxParentAge`, `kind`, `links` (an
 * array) and `propagator` (a TextMapPropagator), each when given. `attempt`, `run` and `capturedAt`,
 * read from the data, are no error: when `ordinals`, a usable attempt or run is made its number, and a
 * bad one, or a `capturedAt` that is no time, left out, said once (`ordinalOptions`,
 * `capturedAtOption`; the messaging helpers read them with `messageRestoreOptions` instead). Returns
 * the options to use: `options` itself, or a copy with those numbers and, when it gives
 * `links`, whose `links` are the links as they were checked, each read once
 * (`readSpanLink`, span-link.ts: a getter that answers otherwise on a later read changes nothing, and
 * a link's `traceFlags` is the number tracehop's inject styles write for it); `options` is not changed.
 * @throws TypeError or RangeError naming the option and what it accepts.
 */
export function assertOptionValues<O extends WithCarrierOptions>(
  options: O,
  where: string,
  ordinals = true,
): O {
  if (options.relation !== undefined) assertRelation(options.relation, where);
  if (options.maxParentAge !== undefined) assertMaxParentAge(options.maxParentAge, where);
  if (options.kind !== undefined && !SPAN_KINDS.has(options.kind)) {
    throw new TypeError(
      `tracehop ${where}: kind must be a SpanKind from @opentelemetry/api (SpanKind.CONSUMER, ...: a number 0-4), got ${describeValue(options.kind)}`,
    );
  }
  if (options.attributes !== undefined && !isPlainObject(options.attributes))
    throw new TypeError(
      `tracehop ${where}: attributes must be a plain object of span attributes ({ "job.id": id }), got ${describeNotPlain(options.attributes)}`,
    );
  const links = options.links;
  let checked = links === undefined ? options : { ...options, links: checkedLinks(links, where) };
  assertPropagatorOption(options.propagator, `tracehop ${where}`);
  // Read from the data (a delivery count, a run counter, a row's timestamp): a bad one left out, said
  // once, never an error.
  if (ordinals)
    checked = capturedAtOption(ordinalOptions(checked, where, CALL_HANDLED), where, CALL_HANDLED).options;
  return checked;
}

/** What happens to the call when an option read from the data is left out, as its warning says it. */
const CALL_HANDLED = "the call run as usual";

/**
 * `links` as they are checked: a new array of each link's plain copy ({@link readSpanLink}).
 * @throws TypeError naming `where` when `links` is not an array of span links (each
 *   `{ context: SpanContext, attributes? }` with hex ids, see `readSpanLink`), naming the first bad
 *   one's index.
 */
function checkedLinks(links: unknown, where: string): Link[] {
  if (!Array.isArray(links))
    throw new TypeError(
      `tracehop ${where}: links must be an array of span links, got ${describeValue(links)}`,
    );
  const checked: Link[] = [];
  const count = links.length;
  for (let i = 0; i < count; i++) {
    const link = readSpanLink(links[i]);
    if (typeof link === "string")
      throw new TypeError(
        `tracehop ${where}: links[${i}] must be a span link { context: SpanContext, attributes? } (the context of ` +
          `the span to link: span.spanContext()), got ${link}`,
      );
    checked.push(link);
  }
  return checked;
}

/** The values of @opentelemetry/api's `SpanKind` (INTERNAL 0 ... CONSUMER 4). */
const SPAN_KINDS: ReadonlySet<unknown> = new Set([
  SpanKind.INTERNAL,
  SpanKind.SERVER,
  SpanKind.CLIENT,
  SpanKind.PRODUCER,
  SpanKind.CONSUMER,
]);
