import {
  context as contextApi,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapPropagator,
  type Tracer,
} from "@opentelemetry/api";
import { traceCarrierSetter } from "../carrier/carrier-setter.js";
import { warnIfPromiseCarrier } from "../carrier/promise-carrier.js";
import { keepHeaderTextFields } from "../carrier/header-text-fields.js";
import {
  heldOverLengthValue,
  readStoredCarrier,
  storedCarrierGetter,
  type StoredCarrier,
} from "../carrier/stored-carrier.js";
import { type TraceCarrier } from "../carrier/trace-carrier.js";
import {
  createPropagator,
  isCreatedPropagator,
  propagatorHint,
  warnIfStoredCarrierCut,
} from "../propagation/create-propagator.js";
import { isContext } from "../is-context.js";
import {
  compileBaggagePolicy,
  dropDeniedBaggageHeaders,
  withAllowedBaggage,
  type BaggagePolicy,
} from "./baggage-policy.js";
import { storedCarrierOf, type CarrierSource } from "./carrier-source.js";
import { withoutSendSuppression } from "./send-suppression.js";
import { assertKnownOptions, firstUnknownKey } from "../known-options.js";
import { describeError, describeValue } from "../describe-value.js";
import { isPlainObject } from "../plain-object.js";
import { VERSION } from "../version.js";
import { warnOnce } from "../warn-once.js";
import { checkContextManagerOnCapture } from "./run-in-span.js";
import {
  tagsErrorCount,
  warnIfCarrierRejected,
  warnIfTraceIdTruncated,
  type CarrierOrigin,
} from "./carrier-rejected.js";
import { warnIfForeignPropagatorRejected } from "./foreign-propagator-rejected.js";
import { getRestoredRoot } from "../propagation/extraction-result.js";

export { describeError };

/** Tracer name (instrumentation scope) of the spans tracehop starts; its version is {@link VERSION}. */
export const TRACER_NAME = "tracehop";

/**
 * The tracer of the spans tracehop starts, from the global tracer provider as it is at the call. The
 * tracer is kept while the global provider is the same API proxy with the same delegate (the SDK's
 * provider gives one tracer per name and version: building its key and finding it was ≈ 4% of a
 * `withProcessSpan`; BENCHMARKS.md, optimisation log, helper h9); a new global provider
 * (`trace.setGlobalTracerProvider` after `trace.disable()`, a new delegate) is asked again. Before a
 * provider is registered, nothing is kept: the API's `ProxyTracer` then finds the provider later.
 */
export function tracehopTracer(): Tracer {
  const provider = trace.getTracerProvider() as Partial<ProxyTracerProvider>;
  if (typeof provider.getDelegate !== "function") return provider.getTracer!(TRACER_NAME, VERSION);
  const delegate = provider.getDelegate();
  if (provider === tracerOf.provider && delegate === tracerOf.delegate) return tracerOf.tracer;
  const tracer = provider.getTracer!(TRACER_NAME, VERSION);
  // No provider registered yet (the API's no-op one): a fresh ProxyTracer each call, as the API gives.
  if (delegate !== NOOP_DELEGATE) tracerOf = { provider, delegate, tracer };
  return tracer;
}

/** The tracer {@link tracehopTracer} last got, and the global provider and delegate it came from. */
let tracerOf: { provider: unknown; delegate: unknown; tracer: Tracer } = {
  provider: undefined,
  delegate: undefined,
  tracer: undefined as unknown as Tracer,
};

/** What the API's proxy provider delegates to before a provider is registered. */
const NOOP_DELEGATE = new ProxyTracerProvider().getDelegate();

let defaultPropagator: TextMapPropagator | undefined;

/** Internal: the default propagator of the carrier functions: `createPropagator()`, built once. */
export function getDefaultPropagator(): TextMapPropagator {
  return (defaultPropagator ??= createPropagator());
}

/** Options of {@link captureCarrier} and {@link contextFromCarrier}. */
export interface CarrierOptions {
  /** The context to inject from / extract onto. Default: the active context / `ROOT_CONTEXT`. */
  context?: Context | undefined;
  /** Default: `createPropagator()` (styles from the environment, else tracecontext, baggage, datadog). */
  propagator?: TextMapPropagator | undefined;
}

/**
 * Options of {@link captureCarrier}: those of {@link CarrierOptions}, and which baggage the carrier
 * keeps.
 */
export interface CaptureCarrierOptions extends CarrierOptions {
  /**
   * Which baggage entries the carrier keeps: `"all"` (default: the carrier is what would travel as
   * HTTP headers, the baggage style's `baggage` header included), `"none"` (no `baggage`,
   * `ot-baggage-*` nor `uberctx-*` header), or a list of baggage keys (exact, case-sensitive; each an RFC 7230 token,
   * W3C Baggage §3.2.1.2), as the `baggage` option of `traceCarrierExtension` (`tracehop/prisma`)
   * takes them (see {@link BaggagePolicy}). That one keeps none by default: baggage is free-form user
   * data (user ids, e-mail addresses) and a row outlives the request by months. For a carrier you
   * store yourself (a JSON column, an outbox row), pass `"none"` or the keys you need, as it does.
   */
  baggage?: BaggagePolicy | undefined;
}

/**
 * Internal: the checks of a {@link CarrierOptions} argument — an object (or undefined / null) with only
 * the option names `names` (default: `context` and `propagator`), `context` and `propagator` each of the
 * right kind. `where` names the function in the message.
 * @throws TypeError saying what to pass.
 */
export function assertCarrierOptions(
  options: unknown,
  where: string,
  names: readonly string[] = CARRIER_OPTION_NAMES,
): void {
  // A null options object is the same as none (untyped callers; test/roundtrip/capture-restore.test.ts):
  // these run per call where tracing must not fail the work.
  if (options === undefined || options === null) return;
  if (typeof options !== "object")
    throw new TypeError(
      `tracehop ${where}: options must be an object such as { propagator: createPropagator("datadog") }, got ${describeValue(options)}`,
    );
  // The message's prefix is built only for options that fail the check (not on every call).
  if (!isPlainObject(options) || firstUnknownKey(options, names) !== undefined)
    assertKnownOptions(options, names, `tracehop ${where}`);
  const given = options as CarrierOptions;
  assertPropagatorOption(given.propagator, `tracehop ${where}`);
  assertContextOption(given.context, where);
}

/** The names of {@link CarrierOptions}. */
const CARRIER_OPTION_NAMES: readonly string[] = ["context", "propagator"];

/** The names of {@link CaptureCarrierOptions}. */
export const CAPTURE_OPTION_NAMES: readonly string[] = [...CARRIER_OPTION_NAMES, "baggage"];

/**
 * Internal: throws the TypeError of an options object's `propagator` that is not a TextMapPropagator
 * (a style name such as `"datadog"`, a number): a mistake in the caller's code, answered where it is
 * made instead of as a carrier that is always empty or a context that is never restored. `label` is
 * the message's prefix, naming the entry point (`tracehop captureCarrier`,
 * `tracehop traceCarrierExtension`).
 */
export function assertPropagatorOption(propagator: unknown, label: string): void {
  if (propagator === undefined) return;
  const candidate = propagator as Partial<TextMapPropagator> | null;
  if (
    candidate === null ||
    typeof candidate.inject !== "function" ||
    typeof candidate.extract !== "function"
  ) {
    throw new TypeError(
      `${label}: propagator must be a TextMapPropagator (inject and extract methods), got ${describeValue(propagator)}${propagatorHint(propagator)}`,
    );
  }
}

/**
 * Internal: throws the TypeError of an options `context` that is not a Context ({@link isContext}: no
 * getValue method, or a Proxy or getter that throws when it is looked up).
 */
function assertContextOption(ctx: unknown, where: string): void {
  if (ctx !== undefined && !isContext(ctx))
    throw new TypeError(
      `tracehop ${where}: context must be a Context from @opentelemetry/api (context.active(), trace.setSpan(...)), got ${describeValue(ctx)}`,
    );
}

/**
 * Injects the given (default: active) context into a new carrier: a flat object of lower-case
 * propagation header names and string values, exactly what would travel as HTTP headers, ready for a
 * JSON column or message headers.
 *
 * Baggage: by default the carrier holds all of the context's baggage, as the propagator writes it
 * (DESIGN's carrier: what would travel as HTTP headers). `options.baggage` keeps less: `"none"` or a
 * list of keys ({@link CaptureCarrierOptions}), the policy and checks of `traceCarrierExtension`'s
 * `baggage` option, whose default is `"none"` (baggage at rest may hold personal data: user ids, e-mail
 * addresses). For a carrier stored at rest by hand, pass `{ baggage: "none" }` or the keys you need.
 * The entries are removed from the context before inject, and a baggage header a propagator still
 * writes for them (`baggage` when none is kept, `ot-baggage-<key>` and Jaeger's `uberctx-<key>` by key,
 * in any case) after.
 *
 * @returns the carrier; `{}` when there is nothing to propagate (no valid span context, tracing
 *   suppressed) or the propagator threw (a warning, once per process: `diag.warn` and the process
 *   warning `TRACEHOP_PROPAGATOR_INJECT_FAILED`). Only header text is kept: a field whose name is not
 *   0x21-0x7E or whose value is not printable ASCII (0x20-0x7E), which a third-party propagator may
 *   write, is left out with a warning (`keepHeaderTextFields`). Never throws on what it propagates.
 *   Inside the callback of `withSendSpan` (tracehop/messaging) the suppression that one sets for the
 *   client's instrumentation is seen through: the carrier holds the send span's context. The first
 *   capture of an empty context (`ROOT_CONTEXT`) in a process with no context manager registered — where
 *   nothing is active even inside `tracer.startActiveSpan(...)`, so every carrier is `{}` — says so once
 *   (`diag.warn` and the process warning `TRACEHOP_NO_CONTEXT_MANAGER`, the restore helpers' check;
 *   docs/warnings.md); nothing with a manager registered.
 * @throws TypeError when `options.propagator` is not a TextMapPropagator (a style name such as
 *   `"datadog"` instead of `createPropagator("datadog")`), `options.context` is not a Context, or
 *   `options.baggage` is not `"none"`, `"all"` or an array of baggage keys (the message names them; a
 *   bad key is named by its index, as `traceCarrierExtension` names it): a mistake in the calling code,
 *   not a failure of tracing.
 */
export function captureCarrier(options: CaptureCarrierOptions = {}): TraceCarrier {
  return checkedCapture(options, "captureCarrier");
}

/**
 * Internal: {@link captureCarrier} under the name of the entry point the user called (`where`:
 * `captureCarrier`, `injectKafkaHeaders`, `injectAmqpHeaders`), which its messages give: `options` checked
 * (`context`, `propagator`, `baggage`, default `"all"`), then the context injected with the baggage they
 * keep. `names`: the option names `where` takes (a helper's own beside these: `injectAmqpHeaders`'s
 * `frameMax`, which it checks itself).
 * @throws TypeError as {@link captureCarrier} documents, naming `where`.
 */
export function checkedCapture(
  options: CaptureCarrierOptions,
  where: string,
  names: readonly string[] = CAPTURE_OPTION_NAMES,
): TraceCarrier {
  assertCarrierOptions(options, where, names);
  // `null` is no options to untyped callers, as assertCarrierOptions takes it.
  const baggage = (options as CaptureCarrierOptions | null)?.baggage;
  if (baggage === undefined) return injectCarrier(options, where);
  return injectAllowedBaggage(options, compileBaggagePolicy(baggage, `tracehop ${where}`, "all"), where);
}

/**
 * Internal: {@link injectCarrier} keeping only the baggage `allowed` keeps (a policy compiled by
 * `compileBaggagePolicy` at the caller's entry point; `undefined`: all of it, as the propagator writes
 * it): `captureCarrier`'s `baggage` option, and that of the helpers that write a context into message
 * headers. Never throws.
 */
export function injectAllowedBaggage(
  options: CarrierOptions | null,
  allowed: ReadonlySet<string> | undefined,
  caller?: string,
): TraceCarrier {
  if (allowed === undefined) return injectCarrier(options, caller);
  // Filtered before inject (every propagator sees only the entries kept), and what a propagator still
  // writes for a removed entry (an `ot-baggage-*` header of its own) after.
  const context = withAllowedBaggage(options?.context, allowed);
  return dropDeniedBaggageHeaders(
    injectCarrier({ context, propagator: options?.propagator }, caller),
    allowed,
  );
}

/**
 * Internal: {@link captureCarrier} for callers that checked their options already (at their own entry
 * point, under their own name): no check again on the path every write or message takes. `caller` is the
 * entry point the no-context-manager warning names (`checkContextManagerOnCapture`, looked for only when
 * the context injected is `ROOT_CONTEXT`). Never throws.
 */
export function injectCarrier(options: CarrierOptions | null, caller = "captureCarrier"): TraceCarrier {
  const carrier: TraceCarrier = {};
  const propagator = options?.propagator ?? getDefaultPropagator();
  const ctx = options?.context ?? contextApi.active();
  // An empty context: perhaps no context manager, which makes every capture empty (said once; one
  // comparison when a span is active).
  if (ctx === ROOT_CONTEXT) checkContextManagerOnCapture(caller);
  try {
    // Through the suppression withSendSpan sets on its callback (not through the user's).
    propagator.inject(withoutSendSuppression(ctx), carrier, traceCarrierSetter);
  } catch (err) {
    warnPropagatorFailed("inject", err);
    return {};
  }
  // A third-party propagator may write what no header holds (a NUL, a lone surrogate): dropped here,
  // before it reaches a row (PostgreSQL refuses such jsonb, failing the write) or a message.
  // createPropagator's styles write header text only: not checked again on every capture.
  return isCreatedPropagator(propagator) ? carrier : keepHeaderTextFields(carrier);
}

/** Codes of the process warnings of a propagator whose `inject` or `extract` threw. */
const PROPAGATOR_FAILED_WARNINGS = {
  inject: "TRACEHOP_PROPAGATOR_INJECT_FAILED",
  extract: "TRACEHOP_PROPAGATOR_EXTRACT_FAILED",
} as const;

/** What is lost when the propagator throws in each method, as its warning says it. */
const PROPAGATOR_FAILED_LOSSES = {
  inject:
    "the carrier is left empty, so the trace is not continued from this row or message (the write itself goes on)",
  extract:
    "no stored context is restored from this row or message, so its work starts a new trace (the work itself goes on)",
} as const;

/**
 * The warning of a propagator whose `inject` or `extract` threw (a third-party one, the `propagator`
 * option): in inject the carrier is empty, so the row or message holds no trace and the next hop starts
 * a new one; in extract the stored context is not restored, so the work starts a new trace. Every
 * other way a trace is lost without an error says so; these do too: `diag.warn` and the process
 * warning of {@link PROPAGATOR_FAILED_WARNINGS}, once per process and method (`warnOnce`), naming the
 * first error (`describeError`: its text cut after 200 characters).
 * Never throws.
 */
function warnPropagatorFailed(method: "inject" | "extract", err: unknown): void {
  const why = describeError(err);
  warnOnce(
    `propagator ${method} failed`,
    `tracehop: the propagator threw in ${method} (${why}); ${PROPAGATOR_FAILED_LOSSES[method]}. ` +
      "Fix or replace the propagator passed as the propagator option",
    PROPAGATOR_FAILED_WARNINGS[method],
  );
}

/** Code of the process warning of a caller's function that threw while picking a carrier. */
const CARRIER_FROM_FAILED_WARNING = "TRACEHOP_CARRIER_FROM_FAILED";

/**
 * Internal: the warning of the caller's own function that picks a carrier (`option`: `traced`'s and
 * `withBatch`'s `carrierFrom`, `withBatchProcessSpan`'s `headersFrom`) having thrown: the call goes on
 * without that carrier (`lost`: what it does instead), so the stored trace is lost without an error.
 * Said once per process and helper (`diag.warn` and the process warning `TRACEHOP_CARRIER_FROM_FAILED`),
 * naming the first error. Never throws.
 */
export function warnCarrierFromFailed(
  caller: string,
  option: "carrierFrom" | "headersFrom",
  err: unknown,
  lost: string,
): void {
  warnOnce(
    `carrier-from-failed:${caller}`,
    `tracehop ${caller}: ${option} threw (${describeError(err)}); ${lost}, so its stored trace is not continued ` +
      `(the work itself goes on). Fix ${option}: return ${option === "carrierFrom" ? "the carrier" : "the message's headers"}, or undefined for none`,
    CARRIER_FROM_FAILED_WARNING,
  );
}

/**
 * Extracts a stored carrier onto the given (default: `ROOT_CONTEXT`) context.
 *
 * `carrier` is untrusted input: a carrier object (header names in any case,
 * string / Buffer / array values), its JSON text, or a row with a `traceContext` field holding
 * either (the `TraceCarrierProvider` shape; headers with a span-context header such as `traceparent`
 * at their top level and an application header named `traceContext` that holds no carrier are read as
 * headers, not as a row). Extraction starts from `ROOT_CONTEXT`, never from the
 * active context, so nothing of the caller's trace leaks into the restored one
 * (open-telemetry/opentelemetry-js#4001).
 *
 * A `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` of `restart` or `ignore` applies here too, for a
 * `createPropagator` propagator given no `extractBehavior` (the default one included): it cuts the
 * trace at the stored carrier, and the first restore it cuts in the process says so (`diag.warn` and
 * the process warning `TRACEHOP_EXTRACT_BEHAVIOR_ON_STORED_CARRIER`, once per behavior).
 *
 * A carrier that holds a style's ids and restores no context (`x-datadog-trace-id` `"+12345"`, a
 * sampling priority `"1.0"`, an upper-case traceparent) is said once per process and style, with the
 * reason `tracehop inspect` gives (`diag.warn` and the process warning `TRACEHOP_CARRIER_REJECTED`; through
 * a propagator of your own, what its `fields()` tell: a style it does not read, or one it refused; a
 * Jaeger, X-Ray or OT trace carrier, through a propagator that does not read that format, too); one
 * whose `x-datadog-tags` is dropped with its `_dd.p.tid`, so that the trace id restored lost its upper
 * half, once per kind (`TRACEHOP_TRACE_ID_TRUNCATED`). docs/warnings.md, "Capturing and restoring a
 * carrier".
 *
 * @returns the context with the extracted span context, baggage and Datadog fields; the base context
 *   unchanged when nothing valid is found. Never throws on the carrier, whatever it holds.
 * @throws TypeError when `options.propagator` is not a TextMapPropagator or `options.context` is not a
 *   Context (see {@link captureCarrier}).
 */
export function contextFromCarrier(carrier: unknown, options?: CarrierOptions): Context {
  // No default `{}`: a call without options (the usual restore) builds and checks no options object.
  assertCarrierOptions(options, "contextFromCarrier");
  const restored = extractRowOrCarrier(carrier, options ?? null);
  // Nothing extracted (every style returns its base unchanged): a Promise handed over is said.
  if (restored === (options?.context ?? ROOT_CONTEXT) && carrier !== null && typeof carrier === "object")
    warnIfPromiseCarrier(
      carrier,
      "the carrier handed to contextFromCarrier",
      "the context returned holds none",
    );
  return restored;
}

/**
 * Internal: {@link contextFromCarrier} for callers that checked their options already: a row
 * (`isTraceCarrierProvider`: an object with a `traceContext` field, unless it is headers beside it) is
 * read through that field, read once (`storedCarrierOf`), as `contextFromCarrier` reads it; anything
 * else as a carrier. Same shapes, base context and result, and the warnings of a restore
 * ({@link restoreStored}: `origin`, a message's headers for `withBatchProcessSpan`, says them as that;
 * `input`, what the carrier was made of when that is not `carrier` itself: the headers a batch's carrier
 * was read from, whose values the warnings name as the message holds them); never throws.
 */
export function extractRowOrCarrier(
  carrier: unknown,
  options: CarrierOptions | null,
  origin: CarrierOrigin = "stored",
  roundedIdSaid = false,
  input?: unknown,
): Context {
  const stored = storedCarrierOf(carrier);
  return restoreStored(readStoredCarrier(stored), options, input ?? stored, origin, roundedIdSaid);
}

/**
 * Internal: {@link extractRowOrCarrier} for message headers, or a carrier already taken out of its row:
 * every key is a header name, so that an application header named `traceContext` is a header like any
 * other. Same shapes, base context, result and warnings (`origin`: `message` for a consumed message's
 * headers, `stored` for a row's carrier taken out of it; `roundedIdSaid`, as {@link restoreStored});
 * never throws.
 */
export function extractHeaders(
  headers: unknown,
  options: CarrierOptions | null,
  origin: CarrierOrigin = "stored",
  roundedIdSaid = false,
): Context {
  return restoreStored(readStoredCarrier(headers), options, headers, origin, roundedIdSaid);
}

/**
 * Internal: what `carrier` (read as {@link extractHeaders} reads it) restores with `propagator`
 * (`undefined`: the default) onto `ROOT_CONTEXT`, for a reading that restores nothing (the Prisma
 * capture's comparison of what a write would store): no warning, for no trace is lost — neither a
 * propagator that throws (nothing restored) nor a `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` that cuts.
 * Never throws.
 */
export function extractWithoutWarnings(carrier: unknown, propagator: TextMapPropagator | undefined): Context {
  try {
    return (propagator ?? getDefaultPropagator()).extract(
      ROOT_CONTEXT,
      readStoredCarrier(carrier),
      storedCarrierGetter,
    );
  } catch {
    return ROOT_CONTEXT;
  }
}

/**
 * The restore of a carrier the stored-carrier reader read, onto `options.context` (default
 * `ROOT_CONTEXT`) with `options.propagator` (default: the global one). A propagator that throws (a
 * third-party one: createPropagator's styles never throw on a carrier) restores nothing, said once per
 * process (`TRACEHOP_PROPAGATOR_EXTRACT_FAILED`); a `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` of
 * `restart` / `ignore` that cut the trace is warned about (`warnIfStoredCarrierCut`); a carrier whose
 * ids were refused, or not read by a propagator not tracehop's (`warnIfCarrierRejected`,
 * `warnIfForeignPropagatorRejected`: looked for only when no context was restored) or whose
 * `_dd.p.tid` was dropped (`warnIfTraceIdTruncated`: only when an `x-datadog-tags` was dropped) too.
 * `input`: what `stored` was read from, for the reasons of an id the reader kept no value of; `origin`,
 * a row's carrier or a message's headers, for what the rejection and truncation warnings name;
 * `roundedIdSaid`, whether the reader of message headers left out an id amqplib rounded and said so
 * (`headerNumbersAsText`'s), which the rejection warnings then do not say again. Never throws.
 */
function restoreStored(
  stored: StoredCarrier,
  options: CarrierOptions | null,
  input: unknown,
  origin: CarrierOrigin,
  roundedIdSaid: boolean,
): Context {
  // `options?.`: a null options object (from untyped callers) must not make this throw.
  const base = options?.context ?? ROOT_CONTEXT;
  const propagator = options?.propagator ?? getDefaultPropagator();
  let restored: Context;
  const tagsErrors = tagsErrorCount();
  try {
    restored = propagator.extract(base, stored, storedCarrierGetter);
  } catch (err) {
    warnPropagatorFailed("extract", err);
    return base;
  }
  // No context restored: a carrier whose ids a style refused, or a propagator not tracehop's did not read
  // or refused, says so (each looks only at its own kind of propagator). A restored one costs one look-up.
  if (
    restored === base ||
    (trace.getSpanContext(restored) === undefined && getRestoredRoot(restored) === undefined)
  ) {
    warnIfCarrierRejected(propagator, stored, input, origin, roundedIdSaid);
    warnIfForeignPropagatorRejected(propagator, stored, input, origin, roundedIdSaid);
  }
  // An x-datadog-tags header dropped (rare), by the datadog style or by the reader for its length
  // (`heldOverLengthValue`, one flag): a trace id that lost its upper half says so.
  else if (tagsErrorCount() !== tagsErrors || heldOverLengthValue(stored))
    warnIfTraceIdTruncated(tagsErrors, restored, stored, input, propagator, origin);
  warnIfStoredCarrierCut(propagator, base, stored, storedCarrierGetter, restored);
  return restored;
}

/**
 * Internal: the context of a carrier `readCarrierSource` read (`withCarrier`'s restore, `withSendSpan`'s
 * `creationContext`): `source.carrier` extracted as it is, onto `ROOT_CONTEXT` — a row's
 * `traceContext`, already taken out of its row, is not looked into for a row again. Never throws.
 */
export function extractSource(source: CarrierSource, propagator: TextMapPropagator | undefined): Context {
  return extractHeaders(source.carrier, { propagator });
}
