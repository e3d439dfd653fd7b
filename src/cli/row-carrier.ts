// The carrier of one row of `tracehop inspect` input, read as withCarrier reads a row: the row itself,
// its traceContext field, a field named by --field, or its one field holding a carrier; with
// diagnostics for JSON text inside JSON and ids stored as JSON numbers.
import { carrierObject, withoutByteOrderMark } from "../carrier/carrier-object.js";
import { MAX_CARRIER_TEXT_LENGTH } from "../carrier/trace-carrier.js";
import { PROTOTYPE_KEYS, PROTOTYPE_KEYS_NEVER_READ } from "../context/carrier-in-other-field.js";
import { isTraceCarrierProvider, TRACE_CONTEXT_FIELD } from "../context/carrier-source.js";
import { X_DATADOG_PARENT_ID, X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { describeField, hasPropagationHeader, isJsonObject, MAX_LISTED } from "./carrier-shape.js";
import type { InspectInput } from "./input.js";

/** What a line `null` of line-per-row input is (a Json column holding JSON null). */
const JSON_NULL_ROW = "JSON null: the row was written without a carrier";

/**
 * The row of one JSON value a column can hold (`text`: its JSON text, for the digits of its numbers):
 * an object is a carrier or a row ({@link carrierOfValue}), a string the JSON text of one
 * ({@link jsonTextRow}); `null`, and any other value, a row without a carrier, its own finding (the
 * other rows are still reported). The same in every shape of input: one value, an element of an
 * array, a line. `diagnostics`: what reading the value noted before.
 */
export function valueRow(
  value: unknown,
  text: string | undefined,
  field: string | undefined,
  diagnostics: string[] = [],
): InspectInput {
  if (value === null) return { carrier: {}, diagnostics, noCarrier: JSON_NULL_ROW };
  if (typeof value === "string") return jsonTextRow(value, field, diagnostics);
  if (!isJsonObject(value))
    return { carrier: {}, diagnostics, noCarrier: `${describeField(value)}, not a carrier` };
  return { ...carrierOfValue(value, text, diagnostics, field), diagnostics };
}

/**
 * A carrier given as a JSON string (`value`, parsed) holding its JSON text: what
 * `traceContext: JSON.stringify(carrier)` stores in a Json column. Read exactly as `withCarrier` and
 * `contextFromCarrier` read that column's value ({@link carrierObject}: its JSON text, or JSON text of
 * that once more, within {@link MAX_CARRIER_TEXT_LENGTH}), with a diagnostic saying so (after
 * `diagnostics`, what reading it noted before); a row without a carrier, saying why, when the library
 * reads no carrier from it.
 */
function jsonTextRow(value: string, field: string | undefined, diagnostics: string[]): InspectInput {
  const inner = carrierObject(value);
  if (inner === undefined || inner instanceof Map)
    return {
      carrier: {},
      diagnostics,
      noCarrier: `a JSON string that is not the JSON text of an object (${whyNotCarrierText(value)})`,
    };
  diagnostics.push(JSON_TEXT_IN_JSON);
  return { ...carrierOfValue(inner, innermostText(value), diagnostics, field), diagnostics };
}

/** The diagnostic of a carrier given as a JSON string holding its JSON text. */
const JSON_TEXT_IN_JSON =
  "the carrier is a JSON string holding the carrier's JSON text (JSON text inside JSON, as " +
  "traceContext: JSON.stringify(carrier) stores it in a Json column); read as withCarrier and contextFromCarrier read it";

/**
 * Why {@link carrierObject} gives no object for `text`: over {@link MAX_CARRIER_TEXT_LENGTH}, not
 * JSON, or JSON of something other than an object (or its JSON text once more).
 */
function whyNotCarrierText(text: string): string {
  if (text.length > MAX_CARRIER_TEXT_LENGTH)
    return `${text.length} characters, over the carrier reader's limit of ${MAX_CARRIER_TEXT_LENGTH} for JSON text`;
  let value: unknown;
  try {
    value = JSON.parse(withoutByteOrderMark(text));
  } catch {
    return "it is not JSON";
  }
  if (typeof value === "string") {
    try {
      value = JSON.parse(withoutByteOrderMark(value));
    } catch {
      return "it is JSON text of a string that is not JSON";
    }
    if (typeof value === "string") return "it is JSON text nested three times; the reader takes two levels";
  }
  return `it is JSON text of ${describeField(value)}`;
}

/**
 * The carrier to inspect in one parsed JSON object: the object itself (header name -> value), or, for a
 * whole row (an object with a `traceContext` field, unless it is headers beside it: see
 * `isTraceCarrierProvider`), read exactly as `withCarrier` reads a row: its
 * `traceContext` field is the carrier (an object, its JSON text, or JSON text of that). A row whose
 * carrier field holds no carrier (null: a NULL column, as `row_to_json` or `sqlite3 -json` print it; a
 * number; other text), or lacks the `--field` named, is a row without a carrier: `carrier` `{}` and
 * `noCarrier` saying why, the same finding as a NULL column alone ({@link valueRow}). Ids
 * stored as JSON numbers are reported (beyond 2^53 they were rounded by every JSON reader and are
 * refused, DataDog/dd-trace-js#344, prisma/orm#20205), with their digits as written in `text` when it
 * is the object's own JSON text. Notes what it did in `diagnostics`.
 */
function carrierOfValue(
  parsed: Record<string, unknown>,
  text: string | undefined,
  diagnostics: string[],
  field?: string,
): Pick<InspectInput, "carrier" | "noCarrier"> {
  const { name, found } = carrierFieldOf(parsed, field, diagnostics);
  // The carrier's JSON text, when it is an object: the text given for a carrier read as it is, else
  // the compact text JSON.stringify writes of the field's object.
  let textLength = name === undefined ? text?.length : undefined;
  if (name !== undefined) {
    const read = readCarrierField(parsed, name, found === true, diagnostics);
    if ("noCarrier" in read) return { carrier: {}, noCarrier: read.noCarrier };
    parsed = read.carrier;
    // Text was read within the limit already; an object has its own JSON text. The text the field's
    // numbers were written in (for their exact digits): the row's own text for an object, the
    // innermost JSON text for a string.
    if (read.text !== undefined) {
      textLength = 0;
      text = read.text;
    }
  }
  textLength ??= jsonTextLength(parsed);
  if (textLength !== undefined && textLength > MAX_CARRIER_TEXT_LENGTH)
    diagnostics.push(
      `the carrier's JSON text is ${textLength} characters, over the carrier reader's limit of ${MAX_CARRIER_TEXT_LENGTH} ` +
        "for JSON text: stored as text (a String column, or JSON text given to contextFromCarrier or withCarrier) it is " +
        "refused whole, no context; shown is how it reads as an object (a Json column), which has no such limit",
    );
  // Numbers of an object that is no carrier at all (a row's id) are not stored ids: not reported.
  if (name !== undefined || hasPropagationHeader(parsed)) numberDiagnostics(parsed, text, diagnostics);
  return { carrier: parsed };
}

/**
 * The carrier in field `name` of `row` (found by its content when `found`: {@link carrierFieldOf}), read
 * as `withCarrier` reads it: an object, its JSON text, or JSON text of that; with `text`, the innermost
 * JSON text, when the field is text. Else why it is no carrier: `row` lacks the field (`--field NAME`),
 * or it holds null, a number, or text that is not an object's JSON text. Notes in `diagnostics` that the
 * row's top-level propagation headers are ignored, and which field was read.
 */
function readCarrierField(
  row: Record<string, unknown>,
  name: string,
  found: boolean,
  diagnostics: string[],
): { carrier: Record<string, unknown>; text?: string } | { noCarrier: string } {
  // `--field NAME` on a row without it (carrierFieldOf): no carrier.
  if (!Object.hasOwn(row, name)) {
    const fields = Object.keys(row);
    return {
      noCarrier: `the row has no ${name} field (--field ${name}; its fields: ${fields.length ? fields.join(", ") : "none"})`,
    };
  }
  // A field the library never reads a carrier from (carrier-in-other-field.ts PROTOTYPE_KEYS): no
  // carrier, said with the fix, rather than advice to read row.__proto__.
  if (PROTOTYPE_KEYS.has(name))
    return { noCarrier: prototypeKeyFinding(name, found || holdsCarrier(row[name])) };
  const value = row[name];
  // A whole row (`{"id": 1, "traceContext": {...}}`, the TraceCarrierProvider shape) is read exactly
  // as withCarrier and traced read it: its traceContext field is the carrier (an object, or its JSON
  // text), whatever else the row holds (a traceContext that holds no carrier beside a span-context
  // header is headers: carrierFieldOf); another field as withCarrier(row.<field>) reads it.
  const how =
    name === TRACE_CONTEXT_FIELD ? "as withCarrier reads the row" : `as withCarrier(row.${name}) reads it`;
  if (hasPropagationHeader(row))
    diagnostics.push(
      name === TRACE_CONTEXT_FIELD
        ? "the row's top-level propagation headers are ignored: its traceContext field is the carrier, as withCarrier reads a row"
        : `the row's top-level propagation headers are ignored: its ${name} field is the carrier (--field ${name})`,
    );
  // A value parsed from JSON: carrierObject neither throws nor gives a Map here.
  const inner = carrierObject(value);
  if (inner === undefined || inner instanceof Map) {
    const what =
      typeof value === "string"
        ? `text that is not the JSON text of an object (${whyNotCarrierText(value)})`
        : describeField(value);
    return {
      noCarrier:
        value === null
          ? `the row's ${name} field is null (a NULL column, or JSON null): written outside a span, or by a service without the extension`
          : `the row's ${name} field is ${what}, not a carrier (${how})`,
    };
  }
  const asText = typeof value === "string" ? " (JSON text)" : "";
  // One diagnostic for a field found by its content: that it was, and how it was read.
  diagnostics.push(
    found
      ? `the row has no propagation header at its top level and no traceContext field: read its one field ` +
          `holding a carrier, ${name}${asText}, as withCarrier(row.${name}) reads it (withCarrier(row) reads only ` +
          `traceContext); say --field NAME to choose the field`
      : `read the row's ${name} field${asText}`,
  );
  // A carrier one level down, under a name the library never reads a carrier from
  // ({"traceContext": {"__proto__": {"traceparent": ...}}}): no context, said with the fix, as for
  // such a field of the row itself.
  const nested = hasPropagationHeader(inner)
    ? undefined
    : Object.keys(inner).find((key) => PROTOTYPE_KEYS.has(key) && holdsCarrier(inner[key]));
  if (nested !== undefined) diagnostics.push(nestedPrototypeKeyFinding(name, nested));
  return typeof value === "string" ? { carrier: inner, text: innermostText(value) } : { carrier: inner };
}

/**
 * Why field `name` of a row, one of `__proto__`, `constructor` and `prototype`, gives no carrier
 * (`holds`: it holds a carrier), and the fix.
 * `JSON.parse` keeps such a key an own property, but the library never reads a carrier from it
 * (`withCarrier(row)` reads `traceContext`; the `TRACEHOP_CARRIER_IN_OTHER_FIELD` warning never points
 * there): they are the names JavaScript gives an object's prototype and class, and a copy by
 * `Object.assign` turns a `__proto__` field into the copy's prototype.
 */
function prototypeKeyFinding(name: string, holds: boolean): string {
  return (
    `the row's ${name} field ${holds ? "holds a carrier, which tracehop never reads" : "is never read as a carrier by tracehop"}: ` +
    `withCarrier(row) reads only traceContext, and ${PROTOTYPE_KEYS_NEVER_READ}; rename the field, to traceContext`
  );
}

/**
 * Why the carrier read from field `name` of a row gives no context when it holds no propagation header
 * itself but its field `key`, one of `__proto__`, `constructor` and `prototype`, holds a carrier
 * (`{"traceContext": {"__proto__": {"traceparent": ...}}}`), and the fix: the same reason as
 * {@link prototypeKeyFinding}'s.
 */
function nestedPrototypeKeyFinding(name: string, key: string): string {
  const reader = name === TRACE_CONTEXT_FIELD ? "withCarrier(row)" : `withCarrier(row.${name})`;
  return (
    `the row's ${name} field holds a carrier only under its ${key} field, which tracehop never reads: ` +
    `${reader} reads the propagation headers of ${name} itself, and ${PROTOTYPE_KEYS_NEVER_READ}; ` +
    `store the carrier's headers as the ${name} field itself, not under ${key}`
  );
}

/**
 * One diagnostic for each value of `carrier` stored as a JSON number (its digits as written in `text`,
 * the carrier's JSON text, when given): ids beyond 2^53 were rounded by every JSON reader and are
 * refused (DataDog/dd-trace-js#344, prisma/orm#20205); other numbers are read as their decimal text, or
 * ignored when not exact integers. The ids are always said; other numbers up to {@link MAX_LISTED},
 * then counted (each is a search of `text`).
 */
function numberDiagnostics(
  carrier: Record<string, unknown>,
  text: string | undefined,
  diagnostics: string[],
): void {
  let numbers = 0;
  for (const [key, value] of Object.entries(carrier)) {
    if (typeof value !== "number") continue;
    const lowerKey = key.toLowerCase();
    const id = lowerKey === X_DATADOG_TRACE_ID || lowerKey === X_DATADOG_PARENT_ID;
    if (!id && ++numbers > MAX_LISTED) continue;
    const digits =
      text === undefined
        ? undefined
        : new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\s*:\\s*(-?[0-9.eE+-]+)`).exec(
            text,
          )?.[1];
    if (id && Number.isInteger(value) && !Number.isSafeInteger(value))
      diagnostics.push(
        (digits === undefined
          ? `${key} is stored as a JSON number beyond 2^53 (read as ${String(value)}, already rounded)`
          : `${key} is stored as the JSON number ${digits}, beyond 2^53`) +
          `: every JSON reader rounds it, so the id cannot be exact and is refused; store ids as decimal strings`,
      );
    else
      diagnostics.push(
        Number.isSafeInteger(value)
          ? `${key} is stored as a JSON number (${digits ?? value}); it is exact and read as "${value}", ` +
              `but carriers hold strings: store it as a string`
          : `${key} is stored as a JSON number (${digits ?? value}) that is not an exact integer; it is ignored; ` +
              `store it as a string`,
      );
  }
  if (numbers > MAX_LISTED)
    diagnostics.push(
      `${numbers - MAX_LISTED} more fields are stored as JSON numbers (not listed); carriers hold strings: store them as strings`,
    );
}

/**
 * The field of `row` that holds its carrier (`name`), or `undefined` when `row` is the carrier itself:
 * - `field` (`--field NAME`) when the row has it; a row without it is the carrier itself when it holds
 *   a propagation header (a diagnostic says so), else a row without a carrier (`NAME` is returned and
 *   the row has no such field: {@link carrierOfValue} says so);
 * - `traceContext` when the row has it (the shape `withCarrier` reads: `TraceCarrierProvider`,
 *   carrier-source.ts);
 * - for a row with neither a propagation header at its top level nor `traceContext`, the one field
 *   that holds a carrier (an object, or JSON text of one, with a propagation header), as a model of
 *   the Prisma extension's `models: { Outbox: "carrier" }` stores it, with `found` set: the one
 *   diagnostic of {@link carrierOfValue} says so, and how the field was read.
 */
function carrierFieldOf(
  row: Record<string, unknown>,
  field: string | undefined,
  diagnostics: string[],
): { name: string | undefined; found?: true } {
  if (field !== undefined) {
    if (Object.hasOwn(row, field)) return { name: field };
    if (hasPropagationHeader(row)) {
      diagnostics.push(
        `the object has no ${field} field (--field ${field}): it is read as the carrier itself, since it holds propagation headers`,
      );
      return { name: undefined };
    }
    // A row without the field: no carrier (carrierOfValue says so).
    return { name: field };
  }
  if (isTraceCarrierProvider(row)) return { name: TRACE_CONTEXT_FIELD };
  if (hasPropagationHeader(row)) {
    // Message headers with an application header named traceContext (isTraceCarrierProvider).
    if (Object.hasOwn(row, TRACE_CONTEXT_FIELD))
      diagnostics.push(
        `the object's traceContext field is ${describeField(row[TRACE_CONTEXT_FIELD])}, not a carrier, beside propagation headers at its top level: it is read as headers, the carrier itself, as withCarrier reads it`,
      );
    return { name: undefined };
  }
  const holding = Object.keys(row).filter((key) => holdsCarrier(row[key]));
  // The library never takes a __proto__, constructor or prototype field for a carrier's
  // (TRACEHOP_CARRIER_IN_OTHER_FIELD never names one): nor does inspect. When only such fields hold
  // one, the row is a row without a carrier that says why (readCarrierField).
  const holders = holding.filter((key) => !PROTOTYPE_KEYS.has(key));
  if (holders.length === 0 && holding.length > 0) return { name: holding[0], found: true };
  if (holders.length > 1)
    diagnostics.push(
      `the row has no propagation header at its top level and no traceContext field; several fields hold a carrier (${holders.join(", ")}): say --field NAME to choose one`,
    );
  if (holders.length === 0) {
    const nulls = Object.keys(row).filter((key) => row[key] === null);
    diagnostics.push(
      "the object holds no propagation header and no field holding a carrier: no context" +
        (nulls.length
          ? `; ${nulls.join(", ")} ${nulls.length > 1 ? "are" : "is"} null (a NULL carrier column, written outside a span or by a service without the extension? --field NAME reads that field as the carrier)`
          : ""),
    );
  }
  // The one holder: carrierOfValue says it was found so, with how it was read, in one diagnostic.
  return holders.length === 1 ? { name: holders[0], found: true } : { name: undefined };
}

/** Whether a row's field `value` holds a carrier: an object, or JSON text of one, with a propagation header. */
function holdsCarrier(value: unknown): boolean {
  const inner = carrierObject(value);
  return inner !== undefined && !(inner instanceof Map) && hasPropagationHeader(inner);
}

/**
 * The length of `JSON.stringify(value)`, or `undefined` when a value nested thousands of levels deep
 * overflows the stack of `JSON.stringify` (a RangeError; `JSON.parse` read it): the carrier reader
 * reads only the carrier's top-level keys, so such a carrier is still reported, without its length.
 */
function jsonTextLength(value: unknown): number | undefined {
  try {
    return JSON.stringify(value).length;
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

/** `text`, or the JSON text it holds when it is the JSON text of a string (JSON text of JSON text). */
function innermostText(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "string" ? value : text;
  } catch {
    return text;
  }
}
