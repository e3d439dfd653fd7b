import {
  context as contextApi,
  createContextKey,
  diag,
  ROOT_CONTEXT,
  SpanStatusCode,
  type Context,
  type Span,
} from "@opentelemetry/api";
import { tracingDisabled, warnOnce } from "../warn-once.js";
import { ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_OTHER } from "./attributes.js";
import type { CarrierCaller } from "./carrier-in-other-field.js";
import { countOpen } from "./open-span-counts.js";
import { type DroppedRestore, endDroppedRestore } from "./own-spans.js";

/**
 * Runs `fn(span)` with `active` (a context holding `span`) as the active context, and ends `span`
 * exactly once when the work is over:
 *
 * - a plain value: at return;
 * - a thrown error: the exception is recorded (an `exception` event, ERROR status and `error.type`:
 *   {@link recordFailure}), the span ends, and the same error object is rethrown;
 * - a promise (any thenable): when it settles; a rejection is recorded as above and the returned
 *   promise rejects with the same reason. A thenable that is not a native promise gets its `then`
 *   called with `active` active: a lazy query (a Prisma query returned without `await`, a Knex
 *   builder) starts its work on `then`, and that work belongs to the span;
 * - a generator or async generator object (what a `function*` / `async function*` returns): each
 *   `next`/`throw`/`return` step runs with `active` active; the span ends when the generator
 *   finishes, throws, or is closed early (`break` out of `for…of` calls `return`). A generator that
 *   is dropped without being finished or closed leaves its span open, as the language gives no
 *   signal for it. The object returned in its place inherits what the generator inherits
 *   (`instanceof` its function, Node 22's iterator helpers, `Symbol.dispose`), whose steps are the
 *   wrapped ones;
 *
 * Tracing never fails the work: an error thrown by the span itself (a faulty span processor) is
 * reported through `diag` and swallowed. `caller` is the helper the user called, named by the
 * once-per-process warning of a missing context manager ({@link checkContextManager}). `dropped`: the
 * record of a restore whose span the sampler dropped (`markDroppedRestore`), ended with the span.
 */
export function runInSpan<T>(
  span: Span,
  active: Context,
  fn: (span: Span) => T,
  caller: SpanHelper,
  dropped?: DroppedRestore,
): T {
  if (!contextManagerChecked) checkContextManager(caller);
  countOpen(span, caller);
  let result: T;
  try {
    result = contextApi.with(active, fn, undefined, span);
  } catch (err) {
    recordFailure(span, err);
    endSpan(span, dropped);
    throw err;
  }
  if (isThenable(result)) return settleThenable(span, result, active, true, dropped) as T;
  const tag = generatorTag(result);
  if (tag === "Generator")
    return wrapGenerator(generatorSpanEnder(span, dropped), active, result as Generator) as T;
  if (tag === "AsyncGenerator")
    return wrapAsyncGenerator(generatorSpanEnder(span, dropped), active, result as AsyncGenerator) as T;
  endSpan(span, dropped);
  return result;
}

/** The helper a user called that runs its function in a span of its own (`runInSpan`'s `caller`). */
export type SpanHelper = CarrierCaller | "withBatchProcessSpan";

/** Whether {@link checkContextManager} has run in this process (it runs once). */
let contextManagerChecked = false;

/** A context only {@link contextManagerRegistered} makes active. */
const PROBE = ROOT_CONTEXT.setValue(createContextKey("tracehop context manager probe"), true);
const probeIsActive = (): boolean => contextApi.active() === PROBE;

/**
 * Internal: true when a global context manager is registered, i.e. a context made active with
 * `context.with` is active inside it (@opentelemetry/api's no-op manager keeps ROOT_CONTEXT active).
 * Read by the check below and by `startTracing` (which refuses to start over another setup's manager).
 * @throws what a registered manager's `with` throws.
 */
export function contextManagerRegistered(): boolean {
  return contextApi.with(PROBE, probeIsActive);
}

/** Process warning code of {@link checkContextManager}. */
export const NO_CONTEXT_MANAGER_WARNING = "TRACEHOP_NO_CONTEXT_MANAGER";

/**
 * Once per process, on the first restore: whether a context manager is registered, i.e. whether the
 * context `runInSpan` makes active is active inside `fn`. Without one (@opentelemetry/api's no-op
 * manager: no `startTracing()` and no SDK in this process) `fn` still runs, but nothing is active in
 * it, so `captureCarrier()` there gives `{}` and spans started there are new roots: the trace ends at
 * this hop. That is said once (`diag.warn` and the process warning `TRACEHOP_NO_CONTEXT_MANAGER`,
 * naming `caller`, the helper whose call found it), never thrown; not under OTEL_SDK_DISABLED=true
 * (tracing off on purpose). A manager registered later is not looked for again.
 */
function checkContextManager(caller: SpanHelper): void {
  if (!findsNoContextManager()) return;
  warnOnce(
    "no-context-manager",
    `tracehop ${caller}: no OpenTelemetry context manager is registered, so the span of ${caller} is not ` +
      "active inside your function: captureCarrier() there returns {} and spans started there begin new " +
      "traces, so the trace ends at this hop. Call " +
      "startTracing() first in every process that restores or captures a carrier (the relay and the " +
      "worker too), or register a context manager before the first message: " +
      "context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()) " +
      "(@opentelemetry/context-async-hooks; through the same major version of @opentelemetry/api as tracehop's).",
    NO_CONTEXT_MANAGER_WARNING,
  );
}

/**
 * Internal: the capture side of {@link checkContextManager}, for a capture that injects `ROOT_CONTEXT`
 * (`captureCarrier()`, `traceCarrierExtension`'s write, `injectKafkaHeaders` / `injectAmqpHeaders`
 * with nothing active). Without a context manager (@opentelemetry/api's no-op one) `ROOT_CONTEXT` is the
 * active context everywhere, inside `tracer.startActiveSpan(...)` too, so every carrier is `{}` (a NULL
 * column) with no error. Looked for once per process, shared with the restore's check (whichever runs
 * first): no manager is said with the same warning key and code, `TRACEHOP_NO_CONTEXT_MANAGER`, naming
 * `caller`; a registered one (the usual capture outside any span after `startTracing()`) ends the check
 * for good. The caller tests for `ROOT_CONTEXT` first, so a capture with a span active costs one
 * comparison. Never throws; nothing under OTEL_SDK_DISABLED=true.
 */
export function checkContextManagerOnCapture(caller: string): void {
  if (contextManagerChecked || !findsNoContextManager()) return;
  warnOnce(
    "no-context-manager",
    `tracehop ${caller}: no OpenTelemetry context manager is registered, so no span is ever active, not even ` +
      "inside tracer.startActiveSpan(...): the carrier captured is {} (the Prisma extension stores NULL), so " +
      "the trace ends at this hop. Call startTracing() first in every process that captures or restores a " +
      "carrier, or register a context manager before the first write: " +
      "context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()) " +
      "(@opentelemetry/context-async-hooks; through the same major version of @opentelemetry/api as tracehop's).",
    NO_CONTEXT_MANAGER_WARNING,
  );
}

/**
 * The once-per-process look of {@link checkContextManager} and {@link checkContextManagerOnCapture}
 * (marks it done): true when no context manager is registered, false when one is, when tracing is
 * switched off on purpose (OTEL_SDK_DISABLED=true, as the NodeSDK and startTracing read it: no context
 * manager is what was asked for), or when the registered one throws (not the problem looked for).
 */
function findsNoContextManager(): boolean {
  contextManagerChecked = true;
  if (tracingDisabled()) return false;
  try {
    return !contextManagerRegistered();
  } catch {
    return false;
  }
}

/** Test-only: the next restore checks for a context manager again. */
export function resetContextManagerCheckForTests(): void {
  contextManagerChecked = false;
}

/**
 * Records `err` on `span`: an `exception` event, ERROR status with the error's message, and
 * `error.type` = the error's `name` (`TypeError`; a subclass's name when it sets `name`; the value
 * the OpenTelemetry JS SDK and instrumentation-http record), or `_OTHER` for a thrown value that is
 * not an Error or has an empty name (semantic conventions, "Recording errors" and the `error.type`
 * registry entry: "SHOULD set the `error.type` attribute" on a failed operation).
 */
export function recordFailure(span: Span, err: unknown): void {
  try {
    const message = err instanceof Error ? err.message : String(err);
    span.recordException(err instanceof Error ? err : message);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute(ATTR_ERROR_TYPE, errorType(err));
  } catch (tracingError) {
    diag.warn("tracehop: recording an exception on a span failed", tracingError);
  }
}

/** `error.type` of a thrown value (see {@link recordFailure}); a `name` getter that throws: `_OTHER`. */
function errorType(err: unknown): string {
  if (!(err instanceof Error)) return ERROR_TYPE_VALUE_OTHER;
  try {
    const name: unknown = err.name;
    return typeof name === "string" && name !== "" ? name : ERROR_TYPE_VALUE_OTHER;
  } catch {
    return ERROR_TYPE_VALUE_OTHER;
  }
}

/**
 * Ends `span`, and `dropped` with it (a restore whose span the sampler dropped: its work is over); a
 * failure of the span processor never reaches the caller.
 */
function endSpan(span: Span, dropped?: DroppedRestore): void {
  if (dropped !== undefined) endDroppedRestore(dropped);
  try {
    span.end();
  } catch (tracingError) {
    diag.warn("tracehop: ending a span failed", tracingError);
  }
}

/**
 * True for a promise or any thenable (an object or function with a `then` method). Never throws: a
 * value whose `then` cannot be read (a throwing getter or proxy trap) is not a thenable here, so the
 * span ends and the value is returned as it is (awaiting it fails in the caller, as without tracehop).
 */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  try {
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/**
 * `"Generator"` / `"AsyncGenerator"` for the objects generator functions return (their toStringTag).
 * Never throws (a throwing getter or proxy trap: not a generator).
 */
function generatorTag(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  try {
    const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
    return tag === "Generator" || tag === "AsyncGenerator" ? tag : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The promise of `thenable`'s outcome; a rejection is recorded on `span` ({@link recordFailure}) and
 * passed on with the same reason. `ends`: `span` (and `dropped`) ends when it settles, either way (`runInSpan`'s own
 * span); else it is left open for its owner ({@link recordingFailures}). A native promise's work has
 * started already; any other thenable may be lazy (Prisma's `PrismaPromise` sends its query only when
 * `then` is called, and `Promise.resolve` would call it from a later job, outside `active`), so its
 * `then` is called here, synchronously, with two functions (a minimal thenable may call either, and
 * need not return anything; never `then(undefined, ...)`), with `active` active when given (else in
 * the caller's context). A `then` that throws rejects the result.
 */
function settleThenable(
  span: Span,
  thenable: PromiseLike<unknown>,
  active: Context | undefined,
  ends: boolean,
  dropped?: DroppedRestore,
): Promise<unknown> {
  return thenableOutcome(thenable, active).then(
    ends
      ? (value) => {
          endSpan(span, dropped);
          return value;
        }
      : undefined,
    (err: unknown) => {
      recordFailure(span, err);
      if (ends) endSpan(span, dropped);
      throw err;
    },
  );
}

/**
 * A promise of `thenable`'s outcome: a native promise itself; any other thenable's `then` called here,
 * synchronously, with `active` active when given ({@link settleThenable} says why).
 */
function thenableOutcome(thenable: PromiseLike<unknown>, active: Context | undefined): Promise<unknown> {
  if (thenable instanceof Promise) return thenable;
  return new Promise<unknown>((resolve, reject) => {
    if (active === undefined) thenable.then(resolve, reject);
    else contextApi.with(active, () => thenable.then(resolve, reject));
  });
}

/**
 * Internal: runs `fn` inside a span that someone else started and will end (an instrumentation's
 * PRODUCER or CONSUMER span reused as the messaging span), in the caller's context: a throw or a
 * rejection is recorded on `span` and passed through unchanged; the span is left open for its owner.
 * A thenable result is returned as a promise of the same outcome, as {@link runInSpan} returns it
 * ({@link settleThenable}); a generator or async generator as a generator whose every step runs in the
 * context `fn` ran in (wherever it is iterated: another job's context, none) and whose first throw is
 * recorded on `span`, as {@link runInSpan} wraps one (without ending `span`). A failure that comes after its owner ended `span` (an ack inside `fn`, which
 * ends the amqplib instrumentation's span; its noAck mode, which ends it when the consume callback
 * returns) reaches no exported span: `caller`, when given, says so once per process
 * ({@link ERROR_ON_ENDED_SPAN_WARNING}).
 */
export function recordingFailures<T>(span: Span, fn: () => T, caller?: "withProcessSpan"): T {
  // The context `fn` runs in (the span's): a generator's steps run in it wherever it is iterated.
  const active = contextApi.active();
  let result: T;
  try {
    result = fn();
  } catch (err) {
    recordFailureOnAdopted(span, err, caller);
    throw err;
  }
  if (!isThenable(result)) {
    const tag = generatorTag(result);
    if (tag === "Generator")
      return wrapGenerator(failureRecorder(span, caller), active, result as Generator) as T;
    if (tag === "AsyncGenerator")
      return wrapAsyncGenerator(failureRecorder(span, caller), active, result as AsyncGenerator) as T;
    return result;
  }
  const settled = thenableOutcome(result, undefined);
  return settled.then(undefined, (err: unknown) => {
    recordFailureOnAdopted(span, err, caller);
    throw err;
  }) as T;
}

/** Process warning code of {@link recordingFailures}: an error recorded on a span that had ended. */
export const ERROR_ON_ENDED_SPAN_WARNING = "TRACEHOP_ERROR_ON_ENDED_SPAN";

/**
 * {@link recordFailure} on `span`, an instrumentation's span run in ({@link recordingFailures}); one that
 * no longer records (it ended: the SDK drops what is added to it) is said once per process for `caller`.
 */
function recordFailureOnAdopted(span: Span, err: unknown, caller: "withProcessSpan" | undefined): void {
  let ended = false;
  try {
    ended = caller !== undefined && !span.isRecording();
  } catch {
    // A span whose isRecording throws: recorded on as any other.
  }
  recordFailure(span, err);
  if (!ended) return;
  warnOnce(
    "error-on-ended-span",
    `tracehop ${caller}: its function failed after the instrumentation's CONSUMER span it runs in had ended, ` +
      "so the error is on no exported span: the amqplib instrumentation ends that span at the message's ack " +
      "or nack, and under noAck when the consume callback returns. Ack or nack after withProcessSpan's " +
      "promise settles; under noAck hand withProcessSpan the whole message, not its headers; or turn the " +
      "client's instrumentation off where tracehop's helpers run (docs/messaging.md, \"Coexistence\").",
    ERROR_ON_ENDED_SPAN_WARNING,
  );
}

type StepMethod = "next" | "throw" | "return";

/**
 * What a generator wrapper does with its span after each step: `failed` when a step threw, `stepped`
 * after each step that returned. Once the generator is over (a step threw, or returned `done`), later
 * calls do nothing.
 */
interface GeneratorSteps {
  failed(err: unknown): void;
  stepped(result: IteratorResult<unknown, unknown>): void;
}

/**
 * Ends `span` once, for a generator wrapper: `failed` when a step threw (the error recorded), `stepped`
 * after each step that returned (the span ends at the step whose result is `done`). Later calls do nothing.
 */
function generatorSpanEnder(span: Span, dropped: DroppedRestore | undefined): GeneratorSteps {
  let open = true;
  return {
    failed(err) {
      if (!open) return;
      open = false;
      recordFailure(span, err);
      endSpan(span, dropped);
    },
    stepped(result) {
      if (!result.done || !open) return;
      open = false;
      endSpan(span, dropped);
    },
  };
}

/**
 * For a generator run in a span someone else owns ({@link recordingFailures}): the first error a step
 * throws is recorded on `span` (as `recordFailureOnAdopted` records a throw of `fn`), which is never
 * ended here. Later calls, and any call once the generator is `done`, do nothing.
 */
function failureRecorder(span: Span, caller: "withProcessSpan" | undefined): GeneratorSteps {
  let open = true;
  return {
    failed(err) {
      if (!open) return;
      open = false;
      recordFailureOnAdopted(span, err, caller);
    },
    stepped(result) {
      if (result.done) open = false;
    },
  };
}

/**
 * A generator in `gen`'s place whose every `next`/`throw`/`return` step runs `gen`'s with `active`
 * active, reporting each to `ender` ({@link GeneratorSteps}); it keeps `gen`'s prototype ({@link inheriting}).
 */
function wrapGenerator<Y, R, N>(
  ender: GeneratorSteps,
  active: Context,
  gen: Generator<Y, R, N>,
): Generator<Y, R, N> {
  const step = (method: StepMethod, arg: unknown): IteratorResult<Y, R> => {
    let result: IteratorResult<Y, R>;
    try {
      result = contextApi.with(active, () => (gen[method] as (arg: unknown) => IteratorResult<Y, R>)(arg));
    } catch (err) {
      ender.failed(err);
      throw err;
    }
    ender.stepped(result);
    return result;
  };
  const wrapper: Generator<Y, R, N> = inheriting(gen, {
    next: (...args: [] | [N]) => step("next", args[0]),
    throw: (err: unknown) => step("throw", err),
    return: (value: R) => step("return", value),
    [Symbol.iterator]: () => wrapper,
    [Symbol.toStringTag]: "Generator",
  });
  return wrapper;
}

/** {@link wrapGenerator} for an async generator: each step's awaits run with `active` active. */
function wrapAsyncGenerator<Y, R, N>(
  ender: GeneratorSteps,
  active: Context,
  gen: AsyncGenerator<Y, R, N>,
): AsyncGenerator<Y, R, N> {
  const step = async (method: StepMethod, arg: unknown): Promise<IteratorResult<Y, R>> => {
    let result: IteratorResult<Y, R>;
    try {
      // The generator body resumes synchronously inside `next`, so its awaits inherit `active`.
      result = await contextApi.with(active, () =>
        (gen[method] as (arg: unknown) => Promise<IteratorResult<Y, R>>)(arg),
      );
    } catch (err) {
      ender.failed(err);
      throw err;
    }
    ender.stepped(result);
    return result;
  };
  const wrapper: AsyncGenerator<Y, R, N> = inheriting(gen, {
    next: (...args: [] | [N]) => step("next", args[0]),
    throw: (err: unknown) => step("throw", err),
    return: (value: R | PromiseLike<R>) => step("return", value),
    [Symbol.asyncIterator]: () => wrapper,
    [Symbol.toStringTag]: "AsyncGenerator",
  });
  return wrapper;
}

/**
 * A new object that inherits what the generator object `gen` inherits ({@link prototypeOf}) and has
 * `own` as its own properties (writable, configurable, not enumerable, as a generator's methods are):
 * the wrapper `runInSpan` returns in the generator's place. Defined, not assigned: the
 * `Symbol.toStringTag` it inherits is read-only. Never throws.
 */
function inheriting<G extends object>(gen: G, own: Record<string | symbol, unknown>): G {
  const descriptors: PropertyDescriptorMap = {};
  for (const key of Reflect.ownKeys(own))
    descriptors[key] = { value: own[key], writable: true, configurable: true, enumerable: false };
  return Object.create(prototypeOf(gen), descriptors) as G;
}

/**
 * The prototype of the generator object `gen` (its generator function's `prototype`, inheriting
 * `%GeneratorPrototype%` or `%AsyncGeneratorPrototype%`), for the wrapper `runInSpan` returns in its
 * place: the wrapper's own `next`/`throw`/`return` shadow the generator's, and everything else a
 * generator inherits keeps working on it and steps through those — `instanceof` the generator
 * function, the iterator helpers (`toArray`, `map`, ... : ECMAScript 2025 `%Iterator.prototype%`, Node
 * 22+), `Symbol.dispose` / `Symbol.asyncDispose` (explicit resource management, which call
 * `this.return()`), methods set on the function's prototype. `Object.prototype` when it cannot be read
 * (a proxy whose trap throws, an object posing as a generator): never throws.
 */
function prototypeOf(gen: object): object {
  try {
    const proto: unknown = Object.getPrototypeOf(gen);
    return proto !== null && typeof proto === "object" ? proto : Object.prototype;
  } catch {
    return Object.prototype;
  }
}
