import { context as contextApi, diag, type Context, type TextMapPropagator } from "@opentelemetry/api";
import type { TraceCarrier } from "../index.js";
import { Prisma } from "@prisma/client/extension";
import {
  assertPrismaNames,
  carrierModels,
  modelEntries,
  type ChosenModels,
  type RuntimeDataModel,
} from "./carrier-models.js";
import {
  fillCreate,
  fillUpdate,
  isRow,
  mapOneOrMany,
  once,
  withField,
  type CarrierModels,
  type CarrierWrite,
} from "./carrier-writes.js";
import { TRACE_CONTEXT_FIELD } from "../context/carrier-source.js";
import { assertPropagatorOption } from "../context/carrier-context.js";
import { assertKnownOptions } from "../known-options.js";
import { describeValue } from "../describe-value.js";
import { captureStoredCarrier, MAX_STORED_CARRIER_BYTES, type BaggagePolicy } from "./carrier-capture.js";
import { compileBaggagePolicy } from "../context/baggage-policy.js";

/**
 * Name of the carrier field looked for when no `field` option is given (`traceContext`): the field
 * `withCarrier` and `traced` read from a row (`TraceCarrierProvider`), so both sides agree.
 */
export const DEFAULT_CARRIER_FIELD = TRACE_CONTEXT_FIELD;

/**
 * Options of {@link traceCarrierExtension}.
 *
 * @typeParam M the model names `models` may give: any text by default; your client's own names when
 *   given as `traceCarrierExtension<Prisma.ModelName>(...)`, so that a misspelt model is a type error.
 */
export interface TraceCarrierExtensionOptions<M extends string = string> {
  /** The carrier field of every model (a `Json` / `Json?` field). Default `"traceContext"`. */
  field?: string | undefined;
  /**
   * Which models carry a trace. Default: every model of the client with a `Json` field named
   * `field`, found in the client's runtime data model. A list of model names opts in those models
   * only (each must have the field); an object maps model name -> its carrier field. A name the
   * client does not have is an `Error` when `$extends` applies the extension, listing the client's
   * models; to have tsc check the names first, give the client's names as the type argument:
   * `traceCarrierExtension<Prisma.ModelName>({ models: ["Outbox"] })`.
   */
  // Optional keys, so that the client's names as `M` do not require every model (`{ Outbox: undefined }`
  // then compiles, and is the TypeError naming models.Outbox at creation).
  models?: readonly M[] | { readonly [K in M]?: string } | undefined;
  /**
   * `"keep"` (default): `update`, `updateMany` and the update branch of `upsert` leave the carrier
   * field alone (the row keeps the trace that created it). `"capture"`: they fill it with the
   * current context when the caller did not set it. An explicit value is always written.
   */
  onUpdate?: "keep" | "capture" | undefined;
  /** Baggage kept at rest. Default `"none"` (see {@link BaggagePolicy}). */
  baggage?: BaggagePolicy | undefined;
  /**
   * Largest stored carrier, UTF-8 bytes of its JSON text: an integer from 1 to
   * `Number.MAX_SAFE_INTEGER` (else a RangeError). Default `MAX_STORED_CARRIER_BYTES` (9728). The
   * column must hold this much (`jsonb`, `JSON`, `TEXT`): over a bounded column (a hand-made
   * `VARCHAR(250)`), set it to the column's length, or a longer carrier fails the write (Prisma P2000).
   */
  maxCarrierBytes?: number | undefined;
  /** Propagator used to capture. Default: the default of `captureCarrier` (`createPropagator()`). */
  propagator?: TextMapPropagator | undefined;
}

/** What a query component receives from Prisma (`$extends({ query: { model: { op(...) } } })`). */
interface QueryParams {
  /** Prisma's deep copy of the call's arguments (see {@link callArguments}). */
  args: unknown;
  query: (args: unknown) => unknown;
  /** Prisma's own request (internal): its `args` are the call's arguments as given, not copied. */
  __internalParams?: { args?: unknown };
}
/** A query component: rewrites the arguments, then runs the query. */
type QueryHook = (params: QueryParams) => unknown;
/** Rewrites one call's arguments; returns them unchanged when there is nothing to fill. */
type Rewrite = (args: Record<string, unknown>) => Record<string, unknown>;

/** The keys of {@link TraceCarrierExtensionOptions}: a misspelt one (`modles`) is refused, not ignored. */
const EXTENSION_OPTION_NAMES: readonly string[] = [
  "field",
  "models",
  "onUpdate",
  "baggage",
  "maxCarrierBytes",
  "propagator",
];

/**
 * A Prisma Client extension (for `$extends`) that stores the active trace in the carrier field of
 * every row it creates, so that another process can continue the trace from the row later
 * (`withCarrier(row.traceContext, ...)`).
 *
 * ```ts
 * const db = new PrismaClient({ adapter }).$extends(traceCarrierExtension());
 * await db.$transaction([db.preprocessJob.create({ data }), db.outbox.create({ data: event })]);
 * // both rows hold the same carrier: { traceparent, tracestate, x-datadog-trace-id, ... }
 * ```
 *
 * - Models: every model with a `Json` field named `field`, read from the client's runtime data model,
 *   or those of `models`; a model whose field of that name is not `Json` is left out with a warning
 *   (`TRACEHOP_PRISMA_CARRIER_NOT_JSON`, once per model). docs/prisma.md, "Which models".
 * - Writes: creates (top-level, nested at any depth, the create branch of `upsert`) fill the field when
 *   it is `undefined`, with one capture per call, from the context where Prisma runs the write; an
 *   explicit value wins; updates only with `onUpdate: "capture"`. The call's own values are sent on,
 *   not Prisma's copy of them (which loses a `toJSON`); a row with a `toJSON` method is sent as given.
 *   docs/prisma.md, "What is written".
 * - Tracing never fails the write: no trace, or a capture that throws, leaves an optional field unset
 *   and gives a required one `{}`; the one exception is a column narrower than the carrier (Prisma
 *   P2000: set `maxCarrierBytes`). docs/prisma.md, "The column".
 * - At rest: baggage follows `baggage` (default none), and a carrier over `maxCarrierBytes` (default
 *   9.5 KiB) is trimmed to headers that restore the same trace, or not stored. docs/prisma.md,
 *   "Safe at rest". Reads are untouched.
 *
 * @throws TypeError, when `traceCarrierExtension(...)` is called (before `$extends`), for options that
 *   are not an object, an unknown option, or an option of the wrong type or shape (an entry of
 *   `models` or `baggage` is named by position; a `baggage` key must be an RFC 7230 token, W3C Baggage
 *   §3.2.1.2; a `maxCarrierBytes` that is not a number, `"100"`); RangeError, then too, for a number
 *   `maxCarrierBytes` that is not an integer from 1 to `Number.MAX_SAFE_INTEGER`; Error, when `$extends` applies it, for a model of `models` the client
 *   lacks or whose carrier field is missing or not `Json`, or a client where no model has the field
 *   (each message names the fix); TypeError for `$extends(traceCarrierExtension)` without the call.
 *   Every message begins `tracehop traceCarrierExtension: `.
 */
export function traceCarrierExtension<M extends string = string>(
  options: TraceCarrierExtensionOptions<M> = {},
) {
  if (options === null || typeof options !== "object" || Array.isArray(options))
    throw new TypeError(
      `tracehop traceCarrierExtension: options must be an object such as { field: "traceContext" }, got ${describeValue(options)}`,
    );
  // `$extends(traceCarrierExtension)` without the call: Prisma calls it with the client.
  if (typeof (options as { $extends?: unknown }).$extends === "function")
    throw new TypeError(
      "tracehop traceCarrierExtension: call traceCarrierExtension() and pass its result: prisma.$extends(traceCarrierExtension()), not prisma.$extends(traceCarrierExtension)",
    );
  assertKnownOptions(options, EXTENSION_OPTION_NAMES, "tracehop traceCarrierExtension");
  const field = options.field ?? DEFAULT_CARRIER_FIELD;
  if (typeof field !== "string" || !field) {
    throw new TypeError(
      `tracehop traceCarrierExtension: field must be a non-empty string, got ${describeValue(field)}`,
    );
  }
  const onUpdate = options.onUpdate ?? "keep";
  if (onUpdate !== "keep" && onUpdate !== "capture") {
    throw new TypeError(
      `tracehop traceCarrierExtension: onUpdate must be "keep" or "capture", got ${describeValue(onUpdate)}`,
    );
  }
  const maxBytes = options.maxCarrierBytes ?? MAX_STORED_CARRIER_BYTES;
  if (typeof maxBytes !== "number")
    throw new TypeError(
      `tracehop traceCarrierExtension: maxCarrierBytes must be a number, a positive integer (bytes of JSON text), got ${describeValue(maxBytes)}`,
    );
  // A safe integer: above 2^53 byte counts are no longer exact (2**60 + 1 === 2**60), and no carrier
  // comes near (the default is 9.5 KiB).
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new RangeError(
      `tracehop traceCarrierExtension: maxCarrierBytes must be a positive integer (bytes of JSON text) from 1 to Number.MAX_SAFE_INTEGER (2^53 - 1), got ${describeValue(maxBytes)}`,
    );
  }
  // Its shape is checked here, when the extension is created; the models themselves when it is applied.
  // The names as the runtime takes them: any text (`M` only narrows what tsc accepts).
  const chosen = options.models as ChosenModels | undefined;
  if (chosen !== undefined) modelEntries(chosen, field);
  assertPrismaNames(chosen, field);
  const allowedBaggage = compileBaggagePolicy(options.baggage, "tracehop traceCarrierExtension", "none");
  const propagator = options.propagator;
  // Checked here, when the extension is created: at write time a bad propagator would only be a
  // carrier that is never written.
  assertPropagatorOption(propagator, "tracehop traceCarrierExtension");
  // Contexts are immutable and inject is a function of the context, so one capture per context
  // serves every write made in it (the job and its outbox row of one request: one inject, not two).
  // Each write gets its own copy; the WeakMap lets ended requests' contexts be collected.
  const captured = new WeakMap<Context, TraceCarrier | null>();
  // Never throws, so that a write always gets what "nothing captured" gives (a required field `{}`):
  // a context manager that throws, or answers something that is no context, captures nothing.
  const capture = (): TraceCarrier | undefined => {
    try {
      const active: unknown = contextApi.active();
      if (active === null || typeof active !== "object")
        throw new TypeError(`the context manager's active() gave ${describeValue(active)}, not a Context`);
      let stored = captured.get(active as Context);
      if (stored === undefined) {
        stored =
          captureStoredCarrier(allowedBaggage, maxBytes, { propagator, context: active as Context }) ?? null;
        captured.set(active as Context, stored);
      }
      return stored === null ? undefined : { ...stored };
    } catch (err) {
      try {
        diag.warn(
          "tracehop traceCarrierExtension: carrier capture failed; the row is written without one",
          err,
        );
      } catch {
        // A diag logger that throws: the write goes on.
      }
      return undefined;
    }
  };

  return Prisma.defineExtension((client) => {
    const models = carrierModels(runtimeDataModelOf(client), field, chosen, schemaTextOf(client));
    return client.$extends({
      name: "tracehop-trace-carrier",
      // Typed by hand: Prisma's generic component types cannot be named outside a generated client.
      query: queryComponents(models, onUpdate === "capture", capture) as never,
    });
  });
}

/**
 * The query components of the extension, computed once per client: for each model that can hold or
 * reach a carrier (key: the client's property name, `PreprocessJob` -> `preprocessJob`, as Prisma
 * looks components up), a hook per operation that can write a carrier there, and none for the rest
 * (reads and deletes never enter the extension; Prisma deep-copies the arguments of every hooked call
 * for its query component, a copy the hook does not send on: {@link callArguments}):
 * - `create`: the flat fast path (one property test, no walk) on a carrier model whose relations
 *   lead to no other carrier model; the nested-write walk otherwise;
 * - `createMany`, `createManyAndReturn`, `updateMany`, `updateManyAndReturn`: flat only (Prisma
 *   accepts no relation fields in their `data`), so hooked only where the model has the field;
 * - `update` and `upsert`'s update branch: with `onUpdate: "capture"` on a carrier model, or where
 *   a relation leads to one (nested creates inside an update).
 */
function queryComponents(
  models: CarrierModels,
  captureOnUpdate: boolean,
  capture: () => TraceCarrier | undefined,
): Record<string, Record<string, QueryHook>> {
  const components: Record<string, Record<string, QueryHook>> = {};
  for (const [model, meta] of models) {
    const hooks: Record<string, QueryHook> = {};
    const nested = meta.relations.size > 0;
    const write = (): CarrierWrite => ({ models, carrier: once(capture), captureOnUpdate });
    const walkCreate: Rewrite = (args) => withData(args, "data", write(), model, fillCreate);
    const walkUpdate: Rewrite = (args) => withData(args, "data", write(), model, fillUpdate);
    const flat = meta.field === undefined ? undefined : flatFill(meta.field, meta.required, capture);
    const updates = nested || (captureOnUpdate && flat !== undefined);

    if (flat && meta.field !== undefined) {
      hooks.create = hook(nested ? walkCreate : flat);
      hooks.createMany = hooks.createManyAndReturn = hook(flat);
      if (captureOnUpdate) {
        hooks.updateMany = hooks.updateManyAndReturn = hook(flatFill(meta.field, false, capture));
      }
    } else if (nested) {
      hooks.create = hook(walkCreate);
    }
    if (updates) hooks.update = hook(walkUpdate);
    if (flat || nested) {
      hooks.upsert = hook((args) => {
        const w = write();
        const created = withData(args, "create", w, model, fillCreate);
        return updates ? withData(created, "update", w, model, fillUpdate) : created;
      });
    }
    if (Object.keys(hooks).length) components[jsModelName(model)] = hooks;
  }
  return components;
}

/** Name of a model's property on the client (Prisma's `dmmfToJSModelName`: first letter lower-cased). */
function jsModelName(model: string): string {
  return model.charAt(0).toLowerCase() + model.slice(1);
}

/**
 * A query component around `rewrite`: the call's own arguments ({@link callArguments}), rewritten; a
 * failure to rewrite sends them unchanged.
 */
function hook(rewrite: Rewrite): QueryHook {
  return (params) => {
    const args = callArguments(params);
    let next = args;
    try {
      if (isRow(args)) next = rewrite(args);
    } catch {
      next = args;
    }
    return params.query(next);
  };
}

/**
 * The arguments of the call as the caller gave them (or as the extension before this one passed
 * them on), not the copy Prisma hands a query component as `args`. That copy (Prisma 7.10's
 * `deepCloneArgs`) rebuilds every object but a Date, Decimal, typed array or Prisma's own values from
 * its enumerable properties, own and inherited, so a `Json` value that Prisma writes through its
 * `toJSON` (its `InputJsonValue` type accepts `{ toJSON(): unknown }`: a class instance, a `URL`) loses
 * it: a class instance is stored as its fields, a `URL` fails the write. Sent on, the call's own
 * arguments are written exactly as the plain client writes them: the rewrites never mutate them, they
 * copy only the objects on the way to a carrier field (docs/prisma.md, "What is written"). Prisma's
 * copy when its request is not readable (another version of the client).
 */
function callArguments(params: QueryParams): unknown {
  try {
    const given = params.__internalParams?.args;
    if (given !== null && typeof given === "object") return given;
  } catch {
    // An unreadable request: Prisma's copy.
  }
  return params.args;
}

/**
 * Fills `field` of `data` (a row, or an array of rows) where it is `undefined`, without walking
 * relations: one capture per call, made only when a row needs it; copies only what changes. With
 * nothing captured, a `required` field gets `{}` (a create must give it) and an optional one is
 * left unset.
 */
function flatFill(field: string, required: boolean, capture: () => TraceCarrier | undefined): Rewrite {
  return (args) => {
    const data = args.data;
    if (Array.isArray(data)) {
      let copy: unknown[] | undefined;
      let carrier: TraceCarrier | undefined;
      let captured = false;
      for (let i = 0; i < data.length; i++) {
        const row = data[i];
        if (!isRow(row) || row[field] !== undefined) continue;
        if (!captured) {
          captured = true;
          carrier = capture();
          // Nothing to write, here or in a later row (no copy was made yet).
          if (carrier === undefined && !required) return args;
        }
        (copy ??= data.slice())[i] = withField(row, field, carrier ?? {});
      }
      return copy ? withField(args, "data", copy) : args;
    }
    if (!isRow(data) || data[field] !== undefined) return args;
    const carrier = capture() ?? (required ? {} : undefined);
    return carrier === undefined ? args : withField(args, "data", withField(data, field, carrier));
  };
}

/**
 * `args` with `args[key]` (a row, or an array of rows) passed through `fill`; `args` itself when
 * nothing changed.
 */
function withData(
  args: Record<string, unknown>,
  key: string,
  write: CarrierWrite,
  model: string,
  fill: typeof fillCreate,
): Record<string, unknown> {
  const data = args[key];
  const next = mapOneOrMany(data, (row) => fill(write, model, row));
  return next === data ? args : withField(args, key, next);
}

/**
 * The schema text a Prisma Client carries (internal `_engineConfig.inlineSchema` of the generated
 * client), if readable: the only place a Prisma 7 client keeps which fields are optional.
 */
function schemaTextOf(client: unknown): string | undefined {
  try {
    const text = (client as { _engineConfig?: { inlineSchema?: unknown } })._engineConfig?.inlineSchema;
    return typeof text === "string" ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The runtime data model of a Prisma Client (internal field of the generated client), if readable. */
function runtimeDataModelOf(client: unknown): RuntimeDataModel | undefined {
  try {
    const rdm = (client as { _runtimeDataModel?: unknown })._runtimeDataModel as RuntimeDataModel | undefined;
    return rdm && typeof rdm.models === "object" ? rdm : undefined;
  } catch {
    return undefined;
  }
}
