// Which models of a Prisma Client carry a trace: the carrier field of each, whether a create must give
// it, and the relations through which a nested write reaches one; read from the client's runtime data
// model and schema text, with the errors and warnings that say what to change.
import { TRACE_CONTEXT_FIELD } from "../context/carrier-source.js";
import { describeNotPlain, describeValue, escapeUnprintable, quoteWritten } from "../describe-value.js";
import { isPlainObject } from "../plain-object.js";
import { warnOnce } from "../warn-once.js";
import type { CarrierModel, CarrierModels, FieldShape } from "./carrier-writes.js";
import { requiredOnCreate, schemaModelFields, type SchemaField } from "./schema-text.js";

/** A field of Prisma's runtime data model (the generated client's `runtimeDataModel`). */
interface RuntimeField {
  name: string;
  kind: string;
  type: string;
  /** Name of the relation an `object` field belongs to (both sides share it). */
  relationName?: string;
  /** The column's name, for a field mapped with `@map("column")`. */
  dbName?: string | null;
}

/** Prisma's runtime data model: each model's fields (name, kind, type). */
export interface RuntimeDataModel {
  /** Model name -> its fields, and its table's name when the model is mapped with `@@map("table")`. */
  models: Record<string, { fields: RuntimeField[]; dbName?: string | null }>;
}

/** `models` of `TraceCarrierExtensionOptions`: model names, or model name -> carrier field. */
export type ChosenModels = readonly string[] | Readonly<Record<string, string>>;

/**
 * Builds the {@link CarrierModels} of a client: the carrier field of each chosen model (`chosen`, the
 * `models` option; else every model with a `Json` field named `field`), whether a create must give it
 * (from `schemaText`, the client's schema: `Json` without `?` nor `@default`; without the text, never),
 * and for every model the relation fields through which a nested write can reach a carrier model and
 * the shape of each of its fields (from `rdm`).
 *
 * @throws Error with what to change, for the cases listed on `traceCarrierExtension`
 */
export function carrierModels(
  rdm: RuntimeDataModel | undefined,
  field: string,
  chosen: ChosenModels | undefined,
  schemaText?: string,
): CarrierModels {
  const schema = schemaLookup(schemaText);
  const fieldOf = new Map<string, string>(chosen === undefined ? [] : modelEntries(chosen, field));
  if (!rdm) return listedModelsOnly(fieldOf, schema);
  if (fieldOf.size) checkChosenModels(rdm, fieldOf, schema);
  else detectCarrierModels(rdm, field, fieldOf, schema);
  return withRelations(rdm, fieldOf, schema);
}

/** What the client's schema text says of a field, read on first use. */
interface SchemaLookup {
  /** The field as the schema text declares it; `undefined` without the text or the field. */
  declared(model: string, field: string): SchemaField | undefined;
  /** A create must give the field: `Json` without `?` nor `@default` (never without the text). */
  required(model: string, field: string): boolean;
  /** `def` can hold a carrier: a scalar `Json` field, not a `Json[]` list. */
  isCarrierField(model: string, def: RuntimeField | undefined): boolean;
}

/** The {@link SchemaLookup} of `schemaText`, parsed once, on first use. */
function schemaLookup(schemaText: string | undefined): SchemaLookup {
  let schema: Map<string, Map<string, SchemaField>> | undefined;
  const declared = (model: string, field: string): SchemaField | undefined => {
    if (schemaText === undefined) return undefined;
    schema ??= schemaModelFields(schemaText);
    return schema.get(model)?.get(field);
  };
  return {
    declared,
    required: (model, field) => requiredOnCreate(declared(model, field)),
    // A `Json[]` field (PostgreSQL scalar list) is `Json` in the runtime data model, which has no list
    // flag: the schema text tells. A carrier object written there fails the write (Prisma validation:
    // the field takes an array), so it is no carrier field.
    isCarrierField: (model, def) =>
      def !== undefined &&
      def.kind === "scalar" &&
      def.type === "Json" &&
      declared(model, def.name)?.list !== true,
  };
}

/**
 * The carrier models of a client without a runtime data model: the models listed in `models` (`fieldOf`),
 * whose top-level writes alone are filled (no nested writes).
 *
 * @throws Error when no model is listed: nothing tells which models carry a trace.
 */
function listedModelsOnly(fieldOf: ReadonlyMap<string, string>, schema: SchemaLookup): CarrierModels {
  if (!fieldOf.size) {
    throw new Error(
      "tracehop traceCarrierExtension: this Prisma Client exposes no runtime data model to detect the models with a carrier field; pass traceCarrierExtension({ models: [...] })",
    );
  }
  const out = new Map<string, CarrierModel>();
  for (const [name, f] of fieldOf)
    out.set(name, { field: f, required: schema.required(name, f), relations: new Map() });
  return out;
}

/**
 * Checks each model of the `models` option (`fieldOf`: model -> carrier field) against the client.
 *
 * @throws Error for a model the client does not have, or whose carrier field is missing or not `Json`,
 *   naming the fix (the field of a mapped column, the model's Json fields, the type to declare)
 */
function checkChosenModels(
  rdm: RuntimeDataModel,
  fieldOf: ReadonlyMap<string, string>,
  schema: SchemaLookup,
): void {
  for (const [name, f] of fieldOf) {
    // The client's own models only: "constructor" names Object.prototype's field, no model.
    const model = Object.hasOwn(rdm.models, name) ? rdm.models[name] : undefined;
    if (!model) {
      // The client's property (`db.t4Job`) in place of the model's name (`T4Job`), or the table of a
      // model mapped with `@@map("t4_jobs")` (the runtime data model's `dbName`): said so.
      const lower = name.toLowerCase();
      const meant = Object.keys(rdm.models).filter((m) => m.toLowerCase() === lower);
      const tables = Object.keys(rdm.models).filter((m) => {
        const table = rdm.models[m]!.dbName;
        return typeof table === "string" && table.toLowerCase() === lower;
      });
      const model = meant.length === 1 ? meant[0]! : tables.length === 1 ? tables[0]! : undefined;
      const camel = meant.length === 1 && name === model!.charAt(0).toLowerCase() + model!.slice(1);
      const table = meant.length !== 1 && model !== undefined ? rdm.models[model]!.dbName : undefined;
      throw new Error(
        `tracehop traceCarrierExtension: model ${quoteWritten(name)} is not in this Prisma Client` +
          (model === undefined
            ? ""
            : `: models takes the model's name as the schema writes it, "${model}"` +
              (camel ? ` (the client's property, db.${name}, is written in camel case)` : "") +
              (table ? ` (the table ${quoteWritten(table)} is its @@map)` : "")) +
          ` (models: ${Object.keys(rdm.models).join(", ")})`,
      );
    }
    const def = model.fields.find((x) => x.name === f);
    if (schema.isCarrierField(name, def)) continue;
    const needs = `tracehop traceCarrierExtension: model "${name}" needs a Json field ${quoteWritten(f)} to hold the carrier`;
    // The model's Json fields other than `f`: what to name in models instead.
    // The likeliest first: `f` in another case, then the default `traceContext`, then the schema's order.
    const json = model.fields
      .filter((x) => x.name !== f && schema.isCarrierField(name, x))
      .map((x) => x.name);
    const likeliest =
      json.find((x) => x.toLowerCase() === f.toLowerCase()) ??
      json.find((x) => x === TRACE_CONTEXT_FIELD) ??
      json[0];
    const otherJson = json.length
      ? `its Json field${json.length > 1 ? "s are" : " is"} ${json.map((x) => `"${x}"`).join(", ")}: to store the carrier there, pass { models: { ${name}: "${likeliest}" } }`
      : undefined;
    if (def) {
      const type = fieldTypeOf(rdm, name, f, schema);
      throw new Error(
        otherJson !== undefined
          ? `${needs}, found ${def.kind === "object" ? "" : "scalar "}${type}; ${otherJson}`
          : def.kind === "object"
            ? `${needs}, found ${type}: name a Json field of the model in models, or add \`${escapeUnprintable(f)} Json?\` to it`
            : `${needs}, found scalar ${type}: change its type to \`Json?\` (or \`Json\`; a single value, not a list) and migrate the column, or name another field in models`,
      );
    }
    // `f` may be the column of a field mapped with @map("f"): the extension takes field names.
    const mapped = model.fields.find((x) => x.dbName === f);
    if (mapped)
      throw new Error(
        `${needs}, found no such field: column ${quoteWritten(f)} is the field "${mapped.name}" (@map(${quoteWritten(f)})); models takes field names: pass { ${name}: "${mapped.name}" }`,
      );
    throw new Error(
      otherJson !== undefined
        ? `${needs}, found no such field; ${otherJson} (or add \`${escapeUnprintable(f)} Json?\` to the model)`
        : `${needs}, found no such field: add \`${escapeUnprintable(f)} Json?\` to the model (and migrate the column)`,
    );
  }
}

/**
 * Adds to `fieldOf` every model of the client with a `Json` field named `field`; warns once for each
 * model whose field of that name is not `Json` ({@link warnNotJson}).
 *
 * @throws Error when no model has such a field, naming the field of a column mapped so (`@map`) or the
 *   types found
 */
function detectCarrierModels(
  rdm: RuntimeDataModel,
  field: string,
  fieldOf: Map<string, string>,
  schema: SchemaLookup,
): void {
  const known = Object.keys(rdm.models);
  const notJson: string[] = [];
  for (const name of known) {
    const def = rdm.models[name]!.fields.find((x) => x.name === field);
    if (schema.isCarrierField(name, def)) fieldOf.set(name, field);
    else if (def) notJson.push(name);
  }
  if (!fieldOf.size) {
    // A mapped column named instead of its field: say which field it is.
    const mapped = known.flatMap((model) =>
      rdm.models[model]!.fields.filter((x) => x.dbName === field && schema.isCarrierField(model, x)).map(
        (x) => ({ model, field: x.name }),
      ),
    );
    if (mapped.length)
      throw new Error(
        `tracehop traceCarrierExtension: no model of this Prisma Client has a Json field ${quoteWritten(field)}: column ${quoteWritten(field)} is the field ${mapped.map((x) => `"${x.model}.${x.field}"`).join(", ")} (@map(${quoteWritten(field)})); field takes field names: pass { field: "${mapped[0]!.field}" }`,
      );
    const found = notJson.length
      ? ` (found ${notJson.map((name) => `${name}.${field}: ${fieldTypeOf(rdm, name, field, schema)}`).join(", ")})`
      : "";
    throw new Error(
      `tracehop traceCarrierExtension: no model of this Prisma Client has a Json field ${quoteWritten(field)}${found}; add \`${escapeUnprintable(field)} Json?\` to the models that should carry the trace, or pass { field } or { models }`,
    );
  }
  // Not an error: the app may have an unrelated field of that name. But a carrier column declared
  // `String` (say) would silently stay NULL and the trace be lost at that hop: say so, once.
  for (const name of notJson) warnNotJson(name, field, fieldTypeOf(rdm, name, field, schema));
}

/**
 * The {@link CarrierModels} of the carrier models (`fieldOf`) and of every model from which a nested
 * write can reach one ({@link modelsReaching}), each with the relations a nested write is walked
 * through and the shape of each of its fields.
 */
function withRelations(
  rdm: RuntimeDataModel,
  fieldOf: ReadonlyMap<string, string>,
  schema: SchemaLookup,
): CarrierModels {
  const reaches = modelsReaching(rdm, fieldOf);
  // A relation is walked when its target holds a carrier, or can reach one through a relation other
  // than the way back: a nested create never names the back relation (Prisma's `...Without<Relation>`
  // input types), so PreprocessJob.sentences -> Sentence (whose only relation is `job`, back) is not.
  const leadsOn = (via: RuntimeField): boolean =>
    fieldOf.has(via.type) ||
    rdm.models[via.type]!.fields.some(
      (y) =>
        y.kind === "object" &&
        reaches.has(y.type) &&
        (via.relationName === undefined || y.relationName !== via.relationName),
    );
  const out = new Map<string, CarrierModel>();
  for (const name of reaches) {
    const fields = rdm.models[name]!.fields;
    const relations = new Map<string, string>();
    for (const x of fields)
      if (x.kind === "object" && reaches.has(x.type) && leadsOn(x)) relations.set(x.name, x.type);
    const f = fieldOf.get(name);
    out.set(name, {
      field: f,
      required: f !== undefined && schema.required(name, f),
      relations,
      fields: new Map(fields.map((x): [string, FieldShape] => [x.name, fieldShape(rdm, x)])),
    });
  }
  return out;
}

/** The models from which a nested write can reach a carrier model (`fieldOf`'s keys): a fixed point over relations. */
function modelsReaching(rdm: RuntimeDataModel, fieldOf: ReadonlyMap<string, string>): Set<string> {
  const known = Object.keys(rdm.models);
  const reaches = new Set(fieldOf.keys());
  for (let changed = true; changed;) {
    changed = false;
    for (const name of known) {
      if (reaches.has(name)) continue;
      if (rdm.models[name]!.fields.some((x) => x.kind === "object" && reaches.has(x.type))) {
        reaches.add(name);
        changed = true;
      }
    }
  }
  return reaches;
}

/**
 * The `[model, carrier field]` pairs of a `models` option: an array of model names (each paired with
 * `field`, the extension's `field` option) or an object `{ Model: "field" }`.
 *
 * @throws TypeError naming the bad entry and what is expected there: an empty or non-array,
 *   non-object value; an element that is not a non-empty string, a hole (`["A", , "B"]`,
 *   `new Array(2)`) included (by index); a field that is not a non-empty string (by model)
 */
export function modelEntries(chosen: unknown, field: string): [string, string][] {
  const shapes =
    'a non-empty array of model names such as ["Outbox"] or an object { Model: "field" } such as { Outbox: "traceContext" }';
  if (Array.isArray(chosen)) {
    if (!chosen.length)
      throw new TypeError(`tracehop traceCarrierExtension: models must be ${shapes}, got an empty array`);
    // An index loop, not `map`: `map` skips the holes of a sparse array, which would pass unchecked.
    const entries: [string, string][] = [];
    for (let i = 0; i < chosen.length; i++) {
      const name: unknown = chosen[i];
      if (typeof name !== "string" || !name)
        throw new TypeError(
          `tracehop traceCarrierExtension: models[${i}] must be a model name (a non-empty string such as "Outbox"), got ${describeValue(name)}`,
        );
      entries.push([name, field]);
    }
    return entries;
  }
  if (!isPlainObject(chosen))
    throw new TypeError(
      `tracehop traceCarrierExtension: models must be ${shapes}, got ${describeNotPlain(chosen)}`,
    );
  const entries = Object.entries(chosen);
  if (!entries.length)
    throw new TypeError(`tracehop traceCarrierExtension: models must be ${shapes}, got an empty object`);
  for (const [name, f] of entries)
    if (typeof f !== "string" || !f)
      throw new TypeError(
        `tracehop traceCarrierExtension: models.${name} must be the name of the model's carrier field (a non-empty string such as "traceContext"), got ${describeValue(f)}`,
      );
  return entries as [string, string][];
}

/**
 * A name a Prisma schema can declare for a model or a field: a letter (of any script), then letters,
 * digits 0-9 or `_` (Prisma's schema grammar, as `prisma validate` of Prisma 7 takes it: `_tc`, `1tc`,
 * `t-c` and a name holding a control character or a space are refused, `t_c` and `té` taken).
 */
const PRISMA_NAME = /^\p{L}[\p{L}0-9_]*$/u;

/** What a Prisma name is made of, as the errors of {@link assertPrismaNames} say it. */
const PRISMA_NAME_RULE = 'a letter, then letters, digits 0-9 or "_"';

/**
 * Checks, when the extension is created, that the `field` option and the names of `chosen` (the
 * `models` option, its shape already checked by {@link modelEntries}) are names a Prisma schema can
 * declare ({@link PRISMA_NAME}; docs/prisma.md): any other name (a line break, a hyphen, an empty key)
 * could never match a model or field of the client, and would only fail when the client is extended.
 *
 * @throws TypeError `tracehop traceCarrierExtension: field must be a field name as a Prisma schema
 *   declares it (...), got "a\nb"; for a column mapped with @map, pass its field's name`;
 *   `models.Outbox must be a field name ...`; `models has the key "", which is no model name: ...`;
 *   `models[1] must be a model name as the schema declares it (...), got "_jobs"; ...`.
 */
export function assertPrismaNames(chosen: ChosenModels | undefined, field: string): void {
  const fieldError = (what: string, f: string) =>
    new TypeError(
      `tracehop traceCarrierExtension: ${what} must be a field name as a Prisma schema declares it (${PRISMA_NAME_RULE}, such as "traceContext"), got ${describeValue(f)}; for a column mapped with @map, pass its field's name`,
    );
  const tableHint = "for a table mapped with @@map, its model's name";
  if (!PRISMA_NAME.test(field)) throw fieldError("field", field);
  if (chosen === undefined) return;
  if (Array.isArray(chosen)) {
    chosen.forEach((name: string, i) => {
      if (!PRISMA_NAME.test(name))
        throw new TypeError(
          `tracehop traceCarrierExtension: models[${i}] must be a model name as the schema declares it (${PRISMA_NAME_RULE}, such as "Outbox"), got ${describeValue(name)}; ${tableHint}`,
        );
    });
    return;
  }
  for (const [name, f] of Object.entries(chosen)) {
    if (!PRISMA_NAME.test(name))
      throw new TypeError(
        `tracehop traceCarrierExtension: models has the key ${quoteWritten(name)}, which is no model name: write the model's name as the schema declares it (${PRISMA_NAME_RULE}, such as "Outbox"); ${tableHint}`,
      );
    if (!PRISMA_NAME.test(f)) throw fieldError(`models.${name}`, f);
  }
}

/**
 * How the type of `model.field` reads in the schema: `String`, `Role` (an enum), `Json[]` (a list, as
 * the schema text says), `a relation to Item`.
 */
function fieldTypeOf(rdm: RuntimeDataModel, model: string, field: string, schema: SchemaLookup): string {
  const def = rdm.models[model]!.fields.find((x) => x.name === field)!;
  if (def.kind === "object") return `a relation to ${def.type}`;
  return schema.declared(model, field)?.list === true ? `${def.type}[]` : def.type;
}

/**
 * `diag.warn` and a Node process warning (code `TRACEHOP_PRISMA_CARRIER_NOT_JSON`, printed on stderr
 * by default), once per model, field and type in the process (none under OTEL_SDK_DISABLED=true):
 * default detection skips `model` because its carrier-named field is not `Json`.
 */
function warnNotJson(model: string, field: string, type: string): void {
  const message =
    `tracehop traceCarrierExtension: model "${model}" has a field "${field}" of type ${type}, not Json, so traceCarrierExtension() leaves it out: ` +
    `its rows store no carrier and the trace is lost at that hop. To carry the trace, declare it \`${field} Json?\` (and migrate the column); ` +
    `if the field is unrelated, or your code writes the carrier there itself, pass traceCarrierExtension({ models: [...] }) to name the carrier models`;
  warnOnce(message, message, "TRACEHOP_PRISMA_CARRIER_NOT_JSON");
}

/**
 * The {@link FieldShape} of a runtime data model field: a relation is an `object` field whose type is a
 * model.
 */
function fieldShape(rdm: RuntimeDataModel, x: RuntimeField): FieldShape {
  if (x.kind === "object") return Object.hasOwn(rdm.models, x.type) ? "relation" : "other";
  return x.kind === "scalar" && x.type === "Json" ? "json" : "scalar";
}
