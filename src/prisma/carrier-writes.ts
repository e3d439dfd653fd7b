import type { TraceCarrier } from "../index.js";
import { isPlainObject } from "../plain-object.js";

/**
 * What a value given for a field can be, as far as telling a row from a nested-write wrapper goes:
 * `relation` (a nested-write object), `json` (anything), `scalar` (a value, or an update operation
 * such as `{ set }`), `other` (a composite type: anything).
 */
export type FieldShape = "relation" | "json" | "scalar" | "other";

/**
 * The part of a Prisma schema the write rewriting needs, per model name: the carrier field (when
 * the model has one) and the relation fields that lead, directly or through other relations, to a
 * model with a carrier field (field name -> related model name).
 */
export interface CarrierModel {
  field?: string;
  /**
   * The carrier field must be given on create (`Json`, neither `?` nor `@default`): a create with
   * nothing to capture writes `{}` instead of leaving it unset, which Prisma would reject.
   */
  required: boolean;
  relations: ReadonlyMap<string, string>;
  /**
   * Every field of the model (from the runtime data model), to tell a nested to-one `update`'s row
   * from its `{ where?, data }` wrapper; `undefined` without a data model (nothing nested is walked).
   */
  fields?: ReadonlyMap<string, FieldShape>;
}

/** Model name -> {@link CarrierModel}; models absent from the map are never rewritten. */
export type CarrierModels = ReadonlyMap<string, CarrierModel>;

/** One top-level write: the carrier to fill (captured at most once, lazily) and the update rule. */
export interface CarrierWrite {
  models: CarrierModels;
  /** Returns the carrier to store, or `undefined` to leave the field unset. Called at most once. */
  carrier: () => TraceCarrier | undefined;
  /** `true` (`onUpdate: "capture"`): updates fill the field too (when the caller did not set it). */
  captureOnUpdate: boolean;
}

type Row = Record<string, unknown>;

/**
 * Whether Prisma reads `value` field by field, so that a field can be added to a copy of it: an object,
 * not an array, without a `toJSON` method. Prisma 7.10 writes an object that has one (a Date, a
 * Decimal, a class instance with `toJSON`) as what `toJSON()` returns; such a value is sent as given.
 */
export function isRow(value: unknown): value is Row {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    typeof (value as Row).toJSON !== "function"
  );
}

/**
 * `row` with `key` set to `value`, as a new plain object that Prisma reads as it reads `row`: every
 * enumerable property, own and inherited (Prisma 7.10 reads an argument object with `for...in`, so the
 * defaults of a prototype are written too, which a spread would drop), then `key`. Never mutates `row`.
 */
export function withField(row: Row, key: string, value: unknown): Row {
  const out: Row = {};
  for (const k in row) if (k !== key) define(out, k, row[k]);
  define(out, key, value);
  return out;
}

/** Sets an own enumerable property, a key `__proto__` (JSON.parse makes one) included. */
function define(out: Row, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Keys of a scalar field's update operation (Prisma's `*FieldUpdateOperationsInput`: `set`,
 * `increment`, `decrement`, `multiply`, `divide`; `push` for scalar lists, `unset` on MongoDB).
 */
const SCALAR_OPERATIONS = new Set(["set", "increment", "decrement", "multiply", "divide", "push", "unset"]);
/** Keys of a relation field's nested-write object (Prisma's `*NestedInput` types). */
const NESTED_OPERATIONS = new Set([
  "create",
  "createMany",
  "connectOrCreate",
  "connect",
  "set",
  "disconnect",
  "delete",
  "update",
  "updateMany",
  "deleteMany",
  "upsert",
]);

/** Applies `fn` to a value or to each item of an array, copying only when something changed. */
export function mapOneOrMany(value: unknown, fn: (row: Row) => Row): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const next = isRow(item) ? fn(item) : item;
      if (next !== item) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  return isRow(value) ? fn(value) : value;
}

/**
 * Returns `row` with `key` set to `value`: copies `original` on the first change ({@link withField}),
 * then reuses the copy.
 */
function assign(row: Row, original: Row, key: string, value: unknown): Row {
  if (row === original) return withField(original, key, value);
  define(row, key, value);
  return row;
}

/** Makes a lazily captured, memoized carrier supplier. */
export function once(capture: () => TraceCarrier | undefined): () => TraceCarrier | undefined {
  let done = false;
  let carrier: TraceCarrier | undefined;
  return () => {
    if (!done) {
      done = true;
      carrier = capture();
    }
    return carrier;
  };
}

/**
 * A row being created in `model` (the `data` of `create`, an item of `createMany`, the `create`
 * branch of `upsert` / `connectOrCreate`, a nested `create`): fills the carrier field when it is
 * `undefined` (an explicit value, `null`, `Prisma.DbNull`, `Prisma.JsonNull` or Prisma's `skip`
 * included, wins) with the captured carrier, or `{}` when there is none and the field is required
 * ({@link CarrierModel.required}), then walks its relation fields. Never mutates `row`; returns it
 * unchanged when nothing changed.
 */
export function fillCreate(write: CarrierWrite, model: string, row: Row): Row {
  const meta = write.models.get(model);
  if (!meta) return row;
  let out = row;
  if (meta.field !== undefined && row[meta.field] === undefined) {
    const carrier = write.carrier() ?? (meta.required ? {} : undefined);
    if (carrier) out = assign(out, row, meta.field, carrier);
  }
  return walkRelations(write, meta, row, out);
}

/**
 * A row being updated in `model` (the `data` of `update` / `updateMany`, the `update` branch of
 * `upsert`, a nested `update`): fills the carrier field only with
 * {@link CarrierWrite.captureOnUpdate}, and walks its relation fields for nested creates. Never
 * mutates `row`.
 */
export function fillUpdate(write: CarrierWrite, model: string, row: Row): Row {
  const meta = write.models.get(model);
  if (!meta) return row;
  let out = row;
  if (write.captureOnUpdate && meta.field !== undefined && row[meta.field] === undefined) {
    const carrier = write.carrier();
    if (carrier) out = assign(out, row, meta.field, carrier);
  }
  return walkRelations(write, meta, row, out);
}

function walkRelations(write: CarrierWrite, meta: CarrierModel, row: Row, out: Row): Row {
  for (const [field, target] of meta.relations) {
    const nested = row[field];
    if (!isRow(nested)) continue;
    const next = fillNested(write, target, nested);
    if (next !== nested) out = assign(out, row, field, next);
  }
  return out;
}

/**
 * A relation field's nested-write object (Prisma "nested writes"): `create`, `createMany.data`,
 * `connectOrCreate[].create` and `upsert[].create` are creates; `update`, `updateMany` and
 * `upsert[].update` are updates. `connect`, `disconnect`, `set`, `delete*` carry no row.
 *
 * The keys read here are those of Prisma's input types, never of a row: `createMany`
 * (`{ data, skipDuplicates? }`), `connectOrCreate` (`{ where, create }`), `upsert`
 * (`{ create, update, where? }`) and `updateMany` (`{ where, data }`) have one shape each, so a
 * model's own fields named `data`, `where`, `create` or `update` cannot be mistaken for them. Only a
 * nested `update` has two (the to-one row, or `{ where?, data }`): {@link updateShape} decides.
 */
function fillNested(write: CarrierWrite, target: string, nested: Row): Row {
  let out = nested;
  const create = (row: Row) => fillCreate(write, target, row);
  const update = (row: Row) => fillUpdate(write, target, row);
  const set = (key: string, value: unknown) => {
    if (value !== nested[key]) out = assign(out, nested, key, value);
  };
  const fields = write.models.get(target)?.fields;

  if (nested.create !== undefined) set("create", mapOneOrMany(nested.create, create));
  if (isRow(nested.createMany)) {
    const many = nested.createMany;
    const data = mapOneOrMany(many.data, create);
    if (data !== many.data) set("createMany", withField(many, "data", data));
  }
  if (nested.connectOrCreate !== undefined) {
    set(
      "connectOrCreate",
      mapOneOrMany(nested.connectOrCreate, (item) => withKey(item, "create", create)),
    );
  }
  if (nested.upsert !== undefined) {
    set(
      "upsert",
      mapOneOrMany(nested.upsert, (item) => withKey(withKey(item, "create", create), "update", update)),
    );
  }
  if (nested.update !== undefined) {
    // To-many: `{ where, data }` items. To-one: the row itself, or `{ where?, data }`.
    set(
      "update",
      mapOneOrMany(nested.update, (item) => {
        const shape = updateShape(fields, item);
        return shape === "wrapper" ? withKey(item, "data", update) : shape === "row" ? update(item) : item;
      }),
    );
  }
  if (nested.updateMany !== undefined) {
    set(
      "updateMany",
      mapOneOrMany(nested.updateMany, (item) => withKey(item, "data", update)),
    );
  }
  return out;
}

/**
 * How a nested `update` value reads, decided from the target model's fields (`fields`) rather than
 * from key names alone, since a model may have scalars named `data` or `where`:
 * - `"wrapper"`: `{ where?, data }` (Prisma's `*UpdateToOneWithWhere*Input`, and every to-many
 *   item, `*UpdateWithWhereUniqueWithout*Input`): only those keys, `data` a plain object of the
 *   model's fields, `where` (when given) a plain object;
 * - `"row"`: the update data itself (`*UpdateWithout*Input`, to-one only): every key a field of the
 *   model, each value plausible for its field (a relation takes a nested-write object, a non-`Json`
 *   scalar a value or an update operation such as `{ set }`);
 * - `undefined` when both readings fit (`{ data: {...} }` on a model with a `Json` field `data`) or
 *   neither does: the item is left as given, without a carrier, rather than risk a failing write.
 */
export function updateShape(
  fields: ReadonlyMap<string, FieldShape> | undefined,
  item: Row,
): "wrapper" | "row" | undefined {
  if (!fields) return undefined;
  // Keys whose value is `undefined` are not sent (Prisma drops them), so they decide nothing.
  let wrapper = isPlainObject(item.data) && (item.where === undefined || isPlainObject(item.where));
  let row = true;
  for (const key in item) {
    const value = item[key];
    if (value === undefined) continue;
    if (key !== "data" && key !== "where") wrapper = false;
    const shape = fields.get(key);
    if (shape === undefined || !plausible(shape, value)) row = false;
  }
  if (wrapper) {
    const data = item.data as Row;
    for (const key in data) if (data[key] !== undefined && !fields.has(key)) wrapper = false;
  }
  return wrapper === row ? undefined : wrapper ? "wrapper" : "row";
}

/** Whether `value` can be what an update gives a field of this shape (see {@link updateShape}). */
function plausible(shape: FieldShape, value: unknown): boolean {
  switch (shape) {
    case "json":
    case "other":
      return true;
    case "relation":
      return isPlainObject(value) && keysIn(value, NESTED_OPERATIONS);
    case "scalar":
      return !isPlainObject(value) || keysIn(value, SCALAR_OPERATIONS);
  }
}

function keysIn(value: Row, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function withKey(item: Row, key: string, fn: (row: Row) => Row): Row {
  const value = item[key];
  if (!isRow(value)) return item;
  const next = fn(value);
  return next === value ? item : withField(item, key, next);
}
