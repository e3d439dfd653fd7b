import type { TraceCarrier } from "../index.js";

/**
 * The part of a Prisma schema the write rewriting needs, per model name: the carrier field (when
 * the model has one) and the relation fields that lead, directly or through other relations, to a
 * model with a carrier field (field name -> related model name).
 */
export interface CarrierModel {
  field?: string;
  relations: ReadonlyMap<string, string>;
  /** The model has a scalar named `data` (then a nested to-one `update: { data }` is not a wrapper). */
  hasDataField: boolean;
}

/** Model name -> {@link CarrierModel}; models absent from the map are never rewritten. */
export type CarrierModels = ReadonlyMap<string, CarrierModel>;

/** One top-level write: the carrier to fill (captured at most once, lazily) and the update rule. */
export interface CarrierWrite {
  models: CarrierModels;
  /** Returns the carrier to store, or `undefined` to leave the field unset. Called at most once. */
  carrier: () => TraceCarrier | undefined;
  /** `true`: updates fill the field too (when the caller did not set it). */
  onUpdate: boolean;
}

type Row = Record<string, unknown>;

const isRow = (value: unknown): value is Row =>
  value !== null && typeof value === "object" && !Array.isArray(value);

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

/** Returns `row` with `key` set to `value`: copies `original` on the first change, then reuses the copy. */
function assign(row: Row, original: Row, key: string, value: unknown): Row {
  const out = row === original ? { ...original } : row;
  out[key] = value;
  return out;
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
 * `undefined` (an explicit value, `null`, `Prisma.DbNull` or `Prisma.JsonNull` included, wins),
 * then walks its relation fields. Never mutates `row`; returns it unchanged when nothing changed.
 */
export function fillCreate(write: CarrierWrite, model: string, row: Row): Row {
  const meta = write.models.get(model);
  if (!meta) return row;
  let out = row;
  if (meta.field !== undefined && row[meta.field] === undefined) {
    const carrier = write.carrier();
    if (carrier) out = assign(out, row, meta.field, carrier);
  }
  return walkRelations(write, meta, row, out);
}

/**
 * A row being updated in `model` (the `data` of `update` / `updateMany`, the `update` branch of
 * `upsert`, a nested `update`): fills the carrier field only with `onUpdate`, and walks its
 * relation fields for nested creates. Never mutates `row`.
 */
export function fillUpdate(write: CarrierWrite, model: string, row: Row): Row {
  const meta = write.models.get(model);
  if (!meta) return row;
  let out = row;
  if (write.onUpdate && meta.field !== undefined && row[meta.field] === undefined) {
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
 */
function fillNested(write: CarrierWrite, target: string, nested: Row): Row {
  let out = nested;
  const create = (row: Row) => fillCreate(write, target, row);
  const update = (row: Row) => fillUpdate(write, target, row);
  const set = (key: string, value: unknown) => {
    if (value !== nested[key]) out = assign(out, nested, key, value);
  };
  const meta = write.models.get(target);

  if (nested.create !== undefined) set("create", mapOneOrMany(nested.create, create));
  if (isRow(nested.createMany)) {
    const many = nested.createMany;
    const data = mapOneOrMany(many.data, create);
    if (data !== many.data) set("createMany", { ...many, data });
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
    // To-many: `{ where, data }` items. To-one: the data itself, or `{ where?, data }`.
    set(
      "update",
      mapOneOrMany(nested.update, (item) =>
        isRow(item.data) && !meta?.hasDataField ? withKey(item, "data", update) : update(item),
      ),
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

function withKey(item: Row, key: string, fn: (row: Row) => Row): Row {
  const value = item[key];
  if (!isRow(value)) return item;
  const next = fn(value);
  return next === value ? item : { ...item, [key]: next };
}
