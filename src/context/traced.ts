import { context as contextApi, diag, trace } from "@opentelemetry/api";
import {
  type CarrierPosition,
  FROM_CARRIER_FROM,
  warnIfCarrierInOtherField,
} from "./carrier-in-other-field.js";
import { type CarrierSource, rowSourceOf, rowSourceWithCarrier } from "./carrier-source.js";
import { warnCarrierFromFailed } from "./carrier-context.js";
import { describeValue } from "../describe-value.js";
import { uncleanCharacterNote } from "../clean-text.js";
import { runInSpan } from "./run-in-span.js";
import {
  assertOptions,
  WITH_CARRIER_OPTION_NAMES,
  startRestoredSpan,
  tryStart,
  type StartedSpan,
  type WithCarrierOptions,
} from "./with-carrier.js";

/**
 * Options of {@link traced}: those of `withCarrier`, plus where the carrier and per-call options
 * come from.
 *
 * @typeParam A the argument tuple of the wrapped function, for typed `carrierFrom` / `optionsFrom`:
 *   what their parameter is annotated with (`([outbox]: [Outbox]) => ...`), else `unknown[]` (each
 *   argument `unknown`: read a field only after annotating the tuple).
 */
// `unknown[]` by default, never `any[]`: an unannotated `([job]) => job.row` is then a type error
// that asks for the tuple (`([job]: [Job])`), not an unchecked read (`job.rwo` compiled).
export interface TracedOptions<A extends readonly unknown[] = unknown[]> extends WithCarrierOptions {
  /**
   * Span name. Default: `Class.method` for a decorated method, the function's name for
   * `traced(opts)(fn)`.
   */
  name?: string | undefined;
  /**
   * Picks the stored carrier (or a row holding it) from the call's arguments. Returning `undefined`
   * or `null` means "no carrier": the span is then a child of the active context. Default: the first
   * argument with a non-null `traceContext` field (a `TraceCarrierProvider`, e.g. a Prisma row).
   */
  carrierFrom?: ((args: A) => unknown) | undefined;
  /**
   * Per-call options merged over these (e.g. `attempt` or `capturedAt` from a job object); one it
   * gives as `undefined` is absent, and the static option stays. A throw here is reported through
   * `diag` and the call runs with the static options.
   */
  optionsFrom?: ((args: A) => WithCarrierOptions | undefined) | undefined;
}

/** The names of {@link TracedOptions}. */
const TRACED_OPTION_NAMES: readonly string[] = [
  ...WITH_CARRIER_OPTION_NAMES,
  "name",
  "carrierFrom",
  "optionsFrom",
];

/**
 * What `traced(options)` returns: call it with a function (`traced(opts)(fn)`) or use it as a TC39
 * standard method decorator (`@traced(opts)`, TypeScript 5 decorators without
 * `experimentalDecorators`). Either way the result has the signature of what it wraps.
 *
 * @typeParam A the argument tuple of `options.carrierFrom` / `optionsFrom` when they are annotated
 *   (`([outbox]: [Outbox]) => ...`), else `unknown[]`:
 *   - `traced(opts)(fn)`: `fn`'s unannotated parameters are typed from `A` (`unknown` when `A` is
 *     `unknown[]`, never `any`), and a `fn` whose parameters do not take `A` is a type error; with
 *     `A` `unknown[]` any `fn` is accepted, typed by its own annotations;
 *   - `@traced(opts)` on a method: the method's parameter list must be assignable to `A` (each call's
 *     arguments are what `carrierFrom` / `optionsFrom` receive); a method that does not fit is a type
 *     error naming `A` and the method's parameters (`MethodParametersMustFitCarrierFrom<P, A>`: `P` the
 *     method's parameters, `A` the tuple they must be assignable to).
 *
 *   A decorator on anything but a method (a field, an accessor, a getter or setter, a class) is a
 *   type error, as it is a `TypeError` at class definition.
 */
export interface TracedWrapper<A extends readonly unknown[] = unknown[]> {
  // `any` as in lib.decorators.d.ts' own constraint on ClassMethodDecoratorContext's Value.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  <This, F extends (this: This, ...args: any) => any>(
    method: F & TracedMethodFits<F, A>,
    context: ClassMethodDecoratorContext<This, F>,
  ): F;
  // `(...args: A)`, not `never[]`: the constraint is the contextual type of an unannotated
  // `async (outbox) => ...`, which `never[]` typed `never` (uncallable).
  // `context?: never`: tsc calls an ES decorator with as many arguments as its signature has
  // parameters (one or two), so without it this signature would accept a decorated method or getter
  // by itself, unchecked against `A` and whatever the member's kind.
  <F extends (...args: A) => unknown>(fn: F, context?: never): F;
  // With `A` `unknown[]` (unannotated options, or none), a `fn` whose own annotations the signature
  // above rejects (`(text: string) => ...`: `unknown` is no `string`) is taken as it is declared; an
  // unannotated parameter still gets `unknown` from the signature above, tried first.
  <F extends (...args: never) => unknown>(fn: F & TracedFunctionFits<A>, context?: never): F;
}

/**
 * `unknown` when `A` is `unknown[]` (the carrier callbacks' tuple unannotated, or no callbacks), so that
 * any function is wrapped; else a {@link FunctionMustTakeCarrierFromArguments} that no function is, so
 * that a function that does not take an annotated `A` is a type error (the signature with
 * `(...args: A)` is the one that fits it).
 */
type TracedFunctionFits<A extends readonly unknown[]> = unknown[] extends A
  ? unknown
  : FunctionMustTakeCarrierFromArguments<A>;

/**
 * What `traced(options)(fn)` requires of a `fn` that does not take `A` (the tuple that the annotated
 * `carrierFrom` / `optionsFrom` take), and `fn` lacks. tsc then reports, beside the signature that
 * takes `A`: "... is not assignable to type 'FunctionMustTakeCarrierFromArguments<[Outbox]>'".
 */
interface FunctionMustTakeCarrierFromArguments<A> {
  "@traced: the function must take the arguments carrierFrom / optionsFrom take": { mustTake: A };
}

/**
 * `unknown` when the parameters of the decorated method `F` are assignable to `A` (the argument
 * tuple of an annotated `carrierFrom` / `optionsFrom`), else a
 * {@link MethodParametersMustFitCarrierFrom} that the method lacks, which makes `@traced(options)` a
 * type error on it.
 */
type TracedMethodFits<F, A extends readonly unknown[]> = F extends (...args: infer P) => unknown
  ? [P] extends [A]
    ? unknown
    : MethodParametersMustFitCarrierFrom<P, A>
  : unknown;

/**
 * What a decorated method whose parameters `P` do not fit `A` (the tuple that the annotated
 * `carrierFrom` / `optionsFrom` take) is required to be, and lacks. tsc then reports, under
 * "Unable to resolve signature of method decorator": "Type '(x: Job) => Promise<void>' is not
 * assignable to type 'MethodParametersMustFitCarrierFrom<[x: Job], [Outbox]>'".
 */
interface MethodParametersMustFitCarrierFrom<P, A> {
  "@traced: the method's parameters must be assignable to what carrierFrom / optionsFrom take": {
    parameters: P;
    mustBeAssignableTo: A;
  };
}

/**
 * Throws unless `name`, traced's `name` option, is a span name: not empty or blank, and without a
 * control character or lone surrogate (`uncleanCharacterNote`). Refused, not cleaned as the `name`
 * of each withCarrier call is: it is written once in code and checked at wrapping time, where an
 * error fails no business call (docs/restore.md, "Span names").
 *
 * @throws TypeError `tracehop traced: name must be a non-empty span name such as "Worker.process" (or
 *   left out for the function's name), got ""`; `tracehop traced: name must not hold a control character
 *   or a lone surrogate: its character 4 is U+000A (line feed), got "job\nprocess"; remove it`.
 */
function assertCleanSpanName(name: string): void {
  if (name.trim() === "")
    throw new TypeError(
      `tracehop traced: name must be a non-empty span name such as "Worker.process" (or left out for the function's name), got ${describeValue(name)}`,
    );
  const note = uncleanCharacterNote(name);
  if (note !== undefined)
    throw new TypeError(
      `tracehop traced: name must not hold a control character or a lone surrogate: ${note}, got ${describeValue(name)}; remove it`,
    );
}

/**
 * Wraps a function or a method so that each call runs inside a span, as `withCarrier` runs `fn` —
 * the TypeScript answer to a tracing aspect on methods (dd-trace-java's `@Trace` annotation). As a
 * method decorator, `@traced({ kind: SpanKind.CONSUMER, relation: "auto" })` on the method
 * `async process(job: PreprocessJob)` of `class Worker` gives each call a span "Worker.process", a
 * child of `job.traceContext`; around a function:
 *
 *     const handle = traced({ name: "handle" })(async (row: Outbox) => { ... });
 *
 * - The carrier comes from `options.carrierFrom(args)`, else from the first argument with a non-null
 *   `traceContext` field (the `TraceCarrierProvider` shape: a Prisma row with the carrier column,
 *   whose `createdAt` is the capture time). It is restored exactly as `withCarrier` restores it
 *   (relation policy, retries, sampling).
 * - Without a carrier, the span is a child of the context active at the call. Without `carrierFrom`,
 *   the first argument that is a row whose `traceContext` is `null` (written before tracehop) still
 *   gives its `createdAt` as the capture time, so `tracehop.queue.wait` is set as `withCarrier(row, ...)`
 *   sets it (docs/restore.md "Queue wait"; the rule of `ATTR_TRACEHOP_QUEUE_WAIT`).
 * - Span name: `options.name` (non-empty, without a control character: a TypeError otherwise, see
 *   docs/restore.md "Span names"), else `Class.method` for a method (the class that declares it, or for a
 *   private method the class of `this`; `Class` alone is the static side's name), else the function's
 *   name (`"anonymous"` when it has none).
 * - `this` and the arguments pass through; the result is what the function returns (promises and
 *   generators as `withCarrier` handles them); errors are recorded and rethrown unchanged.
 * - Types ({@link TracedWrapper}): the result has the type of what it wraps. When `carrierFrom` /
 *   `optionsFrom` annotate their argument tuple `A` (`([outbox]: [Outbox]) => ...`), `traced(opts)(fn)`
 *   types `fn`'s unannotated parameters from `A` and rejects a `fn` that does not take `A`, and
 *   `@traced(opts)` rejects a method whose parameter list is not assignable to `A` (tsc: "Unable to
 *   resolve signature of method decorator ... is not assignable to type
 *   'MethodParametersMustFitCarrierFrom<[job: Job], [Outbox]>'"); a method with more parameters than
 *   the carrier's says so in the tuple (`[Outbox, ...unknown[]]`). Unannotated, `A` is `unknown[]`:
 *   `carrierFrom` / `optionsFrom` see each argument as `unknown` (annotate the tuple to read a field),
 *   `fn`'s unannotated parameters are `unknown` (never `any`), and any method or annotated `fn` is
 *   accepted. `@traced` on a field, accessor, getter, setter or class is a type error.
 *
 * @throws TypeError at wrapping time when an option is out of range or is a name `TracedOptions` does
 *   not have, the wrapped value is not a function, or the decorator is put on something other than a
 *   method (a type error too, above; the message names the decorator context's kind — `"field"`,
 *   `"accessor"`, `"getter"` — whatever value that member holds), or was compiled as a legacy
 *   (`experimentalDecorators`) one.
 */
export function traced<A extends readonly unknown[] = unknown[]>(
  options: TracedOptions<A> = {},
): TracedWrapper<A> {
  // The options as checked, once, at wrapping time: each call's span gets the links that were checked.
  options = assertOptions(options, "traced", TRACED_OPTION_NAMES);
  if (options.name !== undefined && typeof options.name !== "string") {
    throw new TypeError(`tracehop traced: name must be a string, got ${describeValue(options.name)}`);
  }
  if (options.name !== undefined) assertCleanSpanName(options.name);
  for (const key of ["carrierFrom", "optionsFrom"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "function")
      throw new TypeError(
        `tracehop traced: ${key} must be a function of the call's arguments, got ${describeValue(options[key])}`,
      );
  }
  return function wrap(
    fn: (this: unknown, ...args: unknown[]) => unknown,
    context?: ClassMethodDecoratorContext,
  ) {
    // experimentalDecorators (TypeScript's legacy decorators, NestJS's default) call a decorator with
    // (prototype or constructor, member name, descriptor): the second argument is a string or symbol.
    if (typeof context === "string" || typeof context === "symbol")
      throw new TypeError(
        'tracehop traced: @traced must be compiled as a TC39 standard decorator (turn "experimentalDecorators" off, or wrap the method by hand: traced(options)(fn)), ' +
          `got a legacy decorator call for ${describeValue(context)}`,
      );
    // The decorator context first: a field decorator is given undefined, an accessor one { get, set },
    // and what is wrong there is the member decorated, not the value.
    if (context !== undefined && context.kind !== "method") {
      const kind = describeValue(context.kind);
      throw new TypeError(
        `tracehop traced: @traced must decorate a method, got ${/^"[aeiou]/i.test(kind) ? "an" : "a"} ${kind} decorator context`,
      );
    }
    if (typeof fn !== "function") {
      throw new TypeError(`tracehop traced: the value wrapped must be a function, got ${describeValue(fn)}`);
    }
    const method = context ? memberName(context.name) : undefined;
    let owner: string | undefined;
    const spanName = (self: unknown): string => {
      if (options.name !== undefined) return options.name;
      if (method === undefined) return fn.name || "anonymous";
      // A private method is not on the prototype: name the class of `this`, uncached.
      const found = owner ?? declaringClassName(self, method, wrapper, context!.static);
      if (!context!.private) owner = found;
      return found ? `${found}.${method}` : method;
    };
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      const callOptions = options.optionsFrom ? mergeCallOptions(options, args as unknown as A) : options;
      const found = findCarrier(args, options.carrierFrom);
      // No argument with a traceContext field: one whose carrier column has another name says so —
      // unless a span is active (a request's, a Lambda invocation's), which the span then continues:
      // an event with headers is then the active trace's input, not a row to restore.
      if (found === undefined && !options.carrierFrom && trace.getActiveSpan() === undefined)
        for (let position = 0; position < args.length; position++) {
          const arg: unknown = args[position];
          if (arg !== null && typeof arg === "object") warnIfCarrierInOtherField(arg, "traced", position);
        }
      const name = spanName(this);
      // The links checked when wrapping serve every call: each span gets a copy. An optionsFrom's are
      // checked, so copied, for this call alone.
      const sharedLinks = callOptions.links === options.links;
      const started: StartedSpan | undefined = tryStart(() =>
        found === undefined
          ? startRestoredSpan(undefined, name, callOptions, {
              fallback: contextApi.active(),
              caller: "traced",
              sharedLinks,
              // A row without a carrier (NULL: written before tracehop) still tells when it was queued.
              source: options.carrierFrom ? undefined : firstRowSource(args),
            })
          : startRestoredSpan(found.input, name, callOptions, {
              source: found.source,
              caller: "traced",
              carrierPosition: found.position,
              sharedLinks,
            }),
      );
      const call = () => fn.apply(this, args);
      if (!started) return call();
      return runInSpan(started.span, started.active, call, "traced", started.dropped);
    };
    Object.defineProperty(wrapper, "name", { value: fn.name, configurable: true });
    return wrapper;
  } as TracedWrapper<A>;
}

function mergeCallOptions<A extends readonly unknown[]>(
  options: TracedOptions<A>,
  args: A,
): WithCarrierOptions {
  let extra: WithCarrierOptions | undefined;
  try {
    extra = options.optionsFrom!(args);
    if (extra !== undefined) extra = assertOptions(extra, "traced");
  } catch (err) {
    diag.warn("tracehop traced: optionsFrom failed; using the static options", err);
    return options;
  }
  if (!extra) return options;
  // An option `optionsFrom` gives as `undefined` is absent, as everywhere (`{ attempt: row.attempt ?? undefined }`
  // under exactOptionalPropertyTypes): the static option stays.
  const merged: Record<string, unknown> = { ...options };
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) merged[name] = value;
  return merged as WithCarrierOptions;
}

/**
 * What {@link findCarrier} found: the value to restore from; for a row found by its `traceContext`,
 * that field as read (`source`, not read again by `startRestoredSpan`); and where it was (`position`:
 * the argument's index, or `FROM_CARRIER_FROM`), which a carrier-in-another-field warning's fix names.
 */
interface FoundCarrier {
  input: unknown;
  source?: CarrierSource;
  position: CarrierPosition;
}

/**
 * The carrier of a call: `carrierFrom(args)` when given, else the first argument that is a row
 * (`isTraceCarrierProvider`) with a non-null `traceContext` field, that field read once. `undefined`
 * means none. A throwing `carrierFrom` counts as none, said once per process
 * (`TRACEHOP_CARRIER_FROM_FAILED`); an argument whose
 * `traceContext` getter or proxy trap throws holds none. Never throws.
 */
function findCarrier<A extends readonly unknown[]>(
  args: unknown[],
  carrierFrom: ((args: A) => unknown) | undefined,
): FoundCarrier | undefined {
  if (carrierFrom) {
    try {
      const found = carrierFrom(args as unknown as A);
      return found === null || found === undefined
        ? undefined
        : { input: found, position: FROM_CARRIER_FROM };
    } catch (err) {
      warnCarrierFromFailed("traced", "carrierFrom", err, "the call's span continues the active context");
      return undefined;
    }
  }
  for (let position = 0; position < args.length; position++) {
    const arg: unknown = args[position];
    const source = rowSourceWithCarrier(arg);
    if (source !== undefined) return { input: arg, source, position };
  }
  return undefined;
}

/**
 * The capture time of a call none of whose arguments holds a carrier: the first argument that is a row
 * (`rowSourceOf`: a `traceContext` field, here `null` or `undefined`), its `createdAt` as `withCarrier`
 * reads it, with no carrier (`{ carrier: undefined, capturedAtMs }`); `undefined` when no argument is
 * one. So `tracehop.queue.wait` is set for a pre-tracehop row by `traced` as by `withCarrier(row, ...)`
 * (docs/restore.md "Queue wait"; a `capturedAt` option still wins). Never throws.
 */
function firstRowSource(args: readonly unknown[]): CarrierSource | undefined {
  for (const arg of args) {
    const source = rowSourceOf(arg);
    if (source !== undefined) return { carrier: undefined, capturedAtMs: source.capturedAtMs };
  }
  return undefined;
}

function memberName(name: string | symbol): string {
  return typeof name === "symbol" ? (name.description ?? "") : name;
}

/**
 * Name of the class that declares the decorated method: for a static method the class itself; for
 * an instance method the constructor of the prototype that holds `wrapper`, else of `self`.
 */
function declaringClassName(
  self: unknown,
  method: string,
  wrapper: unknown,
  isStatic: boolean,
): string | undefined {
  if (isStatic) return typeof self === "function" ? self.name || undefined : undefined;
  if (self === null || (typeof self !== "object" && typeof self !== "function")) return undefined;
  for (let proto = Object.getPrototypeOf(self); proto; proto = Object.getPrototypeOf(proto)) {
    if (Object.getOwnPropertyDescriptor(proto, method)?.value === wrapper) {
      return (proto as { constructor?: { name?: string } }).constructor?.name || undefined;
    }
  }
  return (self as { constructor?: { name?: string } }).constructor?.name || undefined;
}
