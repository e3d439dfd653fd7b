// The carrier of one row of `tracehop inspect` input, read as withCarrier reads a row: the row itself,
// its traceContext field, a field named by --field (or a dotted path to one deeper: payload.traceContext),
// or its one field holding a carrier, failing that its one field two levels down holding one; with
// diagnostics for JSON text inside JSON and ids stored as JSON numbers.
import { carrierObject, withoutByteOrderMark } from "../carrier/carrier-object.js";
import { MAX_CARRIER_TEXT_LENGTH } from "../carrier/trace-carrier.js";
import {
  MAX_FIELDS_LOOKED_INTO,
  PROTOTYPE_KEYS,
  PROTOTYPE_KEYS_NEVER_READ,
  propertyAccess,
} from "../context/carrier-in-other-field.js";
import { MAX_FIELDS_LOOKED_AT } from "../context/holds-carrier.js";
import { isTraceCarrierProvider, TRACE_CONTEXT_FIELD } from "../context/carrier-source.js";
import { otherTraceFormat } from "../context/carrier-rejected.js";
import {
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_TRACE_ID,
} from "../propagation/datadog/constants.js";
import { MAX_QUOTED_VALUE_CHARACTERS, quoteValue, quoteWritten } from "../describe-value.js";
import { decimalToHex16 } from "../propagation/datadog/ids.js";
import { keepExactIntegers, exactIntegerText, writtenNumberText } from "./exact-json.js";
import { describeField, hasPropagationHeader, isJsonObject, MAX_LISTED } from "./carrier-shape.js";
import type { InspectInput } from "./input.js";
import { isBareTraceparent } from "./line-rows.js";

/**
 * A field's name or path (`--field`'s, or a row's own field), or the expression that reads it
 * (`row.payload.traceContext`), as a finding or diagnostic names it: as written when it is printable ASCII
 * of at most {@link MAX_QUOTED_VALUE_CHARACTERS} characters; else quoted, every character outside printable
 * ASCII escaped and cut after that many characters with its length (`"payload.xxx…"… (308 characters)`),
 * as a file name and a carrier's values are (docs/migration.md, "Checking a row"), so that a long path is
 * not repeated whole in every line that names it. Never throws.
 */
export function shownName(name: string): string {
  return name.length <= MAX_QUOTED_VALUE_CHARACTERS && /^[\x20-\x7e]*$/.test(name)
    ? name
    : quoteWritten(name, MAX_QUOTED_VALUE_CHARACTERS);
}

/**
 * The `--field` value a finding gives for `name`, a field's name or path: the word to paste
 * ({@link shellWord}) when {@link shownName} names it as written; else as {@link shownName} names it, cut.
 */
function fieldOption(name: string): string {
  const shown = shownName(name);
  return shown === name ? shellWord(name) : shown;
}

/** The query that prints the whole carrier column, for a row that is one header's value alone. */
const WHOLE_CARRIER = `inspect the whole carrier column, psql -At -c 'select "traceContext" from ...'`;

/**
 * Added to the finding of a non-negative integer: it may be one header's value alone, an
 * `x-datadog-trace-id` or `-parent-id` selected with `->>`; not read as such a carrier, since a number
 * alone does not say which header it was (a trace id or a parent id, and Datadog ids need both).
 */
const BARE_ID = ` (one header's value alone, as select "traceContext"->>'x-datadog-trace-id' prints an id? ${WHOLE_CARRIER})`;

/**
 * Added to the finding of a JSON string holding a traceparent value alone (`isBareTraceparent`): what `select "traceContext"->'traceparent'` prints. A Json column holding it
 * restores nothing, so it is no carrier; the same value unquoted (`->>`) is read as one.
 */
const QUOTED_TRACEPARENT =
  `: a traceparent value alone, as select "traceContext"->'traceparent' prints it; ${WHOLE_CARRIER}, ` +
  `or the value without its quotes (->>), which is read as the carrier {"traceparent": <it>}`;

/**
 * Added to the finding of a JSON string holding a decimal id alone, up to 20 digits (2^64-1): what
 * `select "traceContext"->'x-datadog-trace-id'` prints (the carrier's values are JSON strings), as
 * {@link BARE_ID} for the same id without its quotes (`->>`).
 */
const QUOTED_ID = `: one header's value alone, as select "traceContext"->'x-datadog-trace-id' prints an id? ${WHOLE_CARRIER}`;

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
    return {
      carrier: {},
      diagnostics,
      noCarrier: `${describeField(value)}, not a carrier${typeof value === "number" && Number.isInteger(value) && value >= 0 ? BARE_ID : ""}`,
    };
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
  const inner = exactCarrierObject(value);
  if (inner === undefined || inner instanceof Map)
    return {
      carrier: {},
      diagnostics,
      noCarrier: `a JSON string that is not the JSON text of an object (${whyNotCarrierText(value)})${
        isBareTraceparent(value) ? QUOTED_TRACEPARENT : /^[0-9]{1,20}$/.test(value) ? QUOTED_ID : ""
      }`,
    };
  diagnostics.push(JSON_TEXT_IN_JSON);
  const parses = innermostText(value) === value ? 1 : 2;
  return { ...carrierOfValue(inner, innermostText(value), diagnostics, field, parses), diagnostics };
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
 * number; other text), or lacks the `--field` named (a field, or a step of its dotted path), is a row without a carrier: `carrier` `{}` and
 * `noCarrier` saying why, the same finding as a NULL column alone ({@link valueRow}). Ids
 * stored as JSON numbers are reported (beyond 2^53 a reader through JSON.parse rounds them and a restore
 * refuses them, DataDog/dd-trace-js#344, prisma/orm#20205, and so does this report), with their digits
 * as written in `text` when it is the object's own JSON text. Notes what it did in `diagnostics`.
 */
function carrierOfValue(
  parsed: Record<string, unknown>,
  text: string | undefined,
  diagnostics: string[],
  field?: string,
  fromText = 0,
): Pick<InspectInput, "carrier" | "noCarrier" | "carrierFrom"> {
  // Whether the row itself holds a propagation header (what a restore of JSON text reads), before
  // `parsed` becomes the carrier read.
  const rowHasHeaders = hasPropagationHeader(parsed);
  const where =
    fromText > 0 && field === undefined && rowHasHeaders
      ? textHeaders(parsed, diagnostics)
      : carrierFieldOf(parsed, field, diagnostics);
  if ("noCarrier" in where) return { carrier: {}, noCarrier: where.noCarrier };
  const { place, found } = where;
  // The carrier's JSON text, when it is an object: the text given for a carrier read as it is, else
  // the compact text JSON.stringify writes of the field's object.
  let textLength = place === undefined ? text?.length : undefined;
  if (place !== undefined) {
    // The row's own traceContext is read as withCarrier(row) reads it, taken out of its row; any other
    // place is a value handed to withCarrier as it is (so is every place of a row that is JSON text).
    const handed = fromText > 0 || place.nested || place.name !== TRACE_CONTEXT_FIELD;
    const read = readCarrierField(
      parsed,
      handed ? handedPlace(place, diagnostics) : place,
      found,
      diagnostics,
    );
    if ("noCarrier" in read) return { carrier: {}, noCarrier: read.noCarrier };
    parsed = read.carrier;
    // Text was read within the limit already; an object has its own JSON text. The text the field's
    // numbers were written in: the row's own text for an object, the innermost JSON text for a string.
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
  if (place !== undefined || hasPropagationHeader(parsed))
    parsed = numberDiagnostics(parsed, text, diagnostics);
  // The row's own traceContext is what withCarrier(row) reads; any other place is handed to it. A row
  // that is JSON text is never read as a row by the library: whatever field was read is handed to it.
  if (place === undefined) return { carrier: parsed };
  if (fromText === 0 && !place.nested && place.name === TRACE_CONTEXT_FIELD) return { carrier: parsed };
  if (fromText > 0)
    diagnostics.push(
      `${TEXT_IS_NO_ROW}: ${
        rowHasHeaders
          ? "the value as stored restores what the headers at its top level give, not this field"
          : "its object holds no propagation header at its top level, so the value as stored restores no context"
      }; the field read here is restored only when handed over parsed`,
    );
  return { carrier: parsed, carrierFrom: fromText > 0 ? textReader(place.reader, fromText) : place.reader };
}

/**
 * The diagnostic of JSON text (a JSON string: a Json column holding a string, a line of it) whose object
 * holds its carrier in a field: contextFromCarrier and withCarrier read JSON text as the carrier itself
 * (`carrierObject`, after the row-or-carrier choice, which is made on the value handed
 * over: a string is no row), so the field read here restores nothing from the value as it is.
 */
const TEXT_IS_NO_ROW =
  "the value is JSON text, which contextFromCarrier and withCarrier read as the carrier itself (its keys as " +
  "header names), never as a row";

/**
 * `reader` (`row.traceContext`, what reads a field of a row) for a row that is JSON text parsed `parses`
 * times: `JSON.parse(row).traceContext`.
 */
function textReader(reader: string, parses: number): string {
  return parsed("row", parses) + reader.slice("row".length);
}

/**
 * The place of the carrier of `parsed`, an object read from JSON text (a JSON string) with a propagation
 * header at its top level: the object itself, as the library reads JSON text (`carrierObject`: a string is
 * never a row, so a `traceContext` field beside the headers is one more header name, not read), said in a
 * diagnostic when it has that field.
 */
function textHeaders(
  parsed: Record<string, unknown>,
  diagnostics: string[],
): { place: undefined; found?: FoundBy } {
  if (Object.hasOwn(parsed, TRACE_CONTEXT_FIELD))
    diagnostics.push(
      "the value is JSON text, which contextFromCarrier and withCarrier read as the carrier itself, never as a row: " +
        "its propagation headers are read and its traceContext field is not (hand the parsed row to read that)",
    );
  return { place: undefined };
}

/**
 * Where a row's carrier is ({@link carrierFieldOf}): a field of the row, or one deeper, reached by a
 * path of field names (`--field payload.traceContext`, or found two levels down).
 */
interface CarrierPlace {
  /** The field as diagnostics name it: `carrier`, `payload.traceContext`. */
  name: string;
  /**
   * What `withCarrier` is handed to read it: `row.carrier`, `row.payload.traceContext`, with
   * `JSON.parse(...)` around a step that holds JSON text (`JSON.parse(row.payload).traceContext`).
   */
  reader: string;
  /** Whether it is deeper than the row's own fields. */
  nested: boolean;
  /** Its value. */
  value: unknown;
}

/**
 * `place` as the library reads the value handed to it (`withCarrier(row.carrier)`, `contextFromCarrier`): a
 * value that is itself a row (an object with a `traceContext` field, unless it is headers beside it:
 * `isTraceCarrierProvider`) is read through its `traceContext`, its propagation headers
 * beside it, if any, not read; said in `diagnostics`. The place's `reader` stays what is handed over.
 */
function handedPlace(place: CarrierPlace, diagnostics: string[]): CarrierPlace {
  const { value } = place;
  if (!isJsonObject(value) || !isTraceCarrierProvider(value)) return place;
  diagnostics.push(
    `the row's ${shownName(place.name)} field is itself a row, with a traceContext field: withCarrier(${shownName(place.reader)}) ` +
      `reads that field as the carrier${hasPropagationHeader(value) ? ", not the propagation headers beside it" : ""}, as it reads any row`,
  );
  return {
    ...place,
    name: `${place.name}.${TRACE_CONTEXT_FIELD}`,
    nested: true,
    value: value[TRACE_CONTEXT_FIELD],
  };
}

/** The {@link CarrierPlace} of the row's own field `name`: read as `withCarrier(row.<name>)`. */
function topLevelPlace(row: Record<string, unknown>, name: string): CarrierPlace {
  return { name, reader: `row${propertyAccess(name)}`, nested: false, value: row[name] };
}

/**
 * How a row's field found by its content was found ({@link carrierFieldOf}): the one field of the row
 * holding a carrier (`"field"`), or the one place two levels down holding one (`"nested"`).
 */
type FoundBy = "field" | "nested" | undefined;

/**
 * The carrier at `place` in `row` (found by its content when `found`: {@link carrierFieldOf}), read
 * as `withCarrier` reads it: an object, its JSON text, or JSON text of that; with `text`, the innermost
 * JSON text, when the field is text. Else why it is no carrier: it holds null, a number, or text that
 * is not an object's JSON text, or it is one of the row's fields the library never reads. Notes in
 * `diagnostics` that the row's top-level propagation headers are ignored, and which field was read; a
 * carrier one level inside that field under another name, which no restore reads (with the `--field`
 * that does); and, for the one field of an object found by its content, the call on a row whose
 * `traceContext` column's value that object may be.
 */
function readCarrierField(
  row: Record<string, unknown>,
  place: CarrierPlace,
  found: FoundBy,
  diagnostics: string[],
): { carrier: Record<string, unknown>; text?: string } | { noCarrier: string } {
  const { name, reader, value } = place;
  // A field the library never reads a carrier from (`PROTOTYPE_KEYS`): no
  // carrier, said with the fix, rather than advice to read row.__proto__. (A path through one is
  // refused before: fieldAtPath.)
  if (!place.nested && PROTOTYPE_KEYS.has(name))
    return { noCarrier: prototypeKeyFinding(name, found !== undefined || holdsCarrier(value)) };
  // A whole row (`{"id": 1, "traceContext": {...}}`, the TraceCarrierProvider shape) is read exactly
  // as withCarrier and traced read it: its traceContext field is the carrier (an object, or its JSON
  // text), whatever else the row holds (a traceContext that holds no carrier beside a span-context
  // header is headers: carrierFieldOf); another field as withCarrier(row.<field>) reads it.
  const how =
    !place.nested && name === TRACE_CONTEXT_FIELD
      ? "as withCarrier reads the row"
      : `as withCarrier(${shownName(reader)}) reads it`;
  if (hasPropagationHeader(row))
    diagnostics.push(
      !place.nested && name === TRACE_CONTEXT_FIELD
        ? "the row's top-level propagation headers are ignored: its traceContext field is the carrier, as withCarrier reads a row"
        : `the row's top-level propagation headers are ignored: its ${shownName(name)} field is the carrier (--field ${fieldOption(name)})`,
    );
  // A value parsed from JSON: carrierObject neither throws nor gives a Map here.
  const inner = exactCarrierObject(value);
  if (inner === undefined || inner instanceof Map) {
    const what =
      typeof value === "string"
        ? `text that is not the JSON text of an object (${whyNotCarrierText(value)})`
        : describeField(value);
    return {
      noCarrier:
        (value === null
          ? `the row's ${shownName(name)} field is null (a NULL column, or JSON null): written outside a span, or by a service without the extension`
          : `the row's ${shownName(name)} field is ${what}, not a carrier (${how})`) +
        (!place.nested && name === TRACE_CONTEXT_FIELD ? otherFieldNote(row) : ""),
    };
  }
  const asText = typeof value === "string" ? " (JSON text)" : "";
  // One diagnostic for a field found by its content: that it was, and how it was read.
  diagnostics.push(
    found === "field"
      ? `the row has no propagation header at its top level and no traceContext field: read its one field ` +
          `holding a carrier, ${shownName(name)}${asText}, as withCarrier(${shownName(reader)}) reads it (withCarrier(row) reads only ` +
          `traceContext); say --field NAME to choose the field`
      : found === "nested"
        ? `the row has no propagation header at its top level, no traceContext field and no field holding a ` +
          `carrier: read the one field two levels down holding a carrier, ${shownName(name)}${asText}, as ` +
          `withCarrier(${shownName(reader)}) reads it (withCarrier(row) reads only traceContext); ` +
          // --field takes a name holding a dot for the row's own field of that name, not a path.
          (name.split(".").length === 2 && !Object.hasOwn(row, name)
            ? `say --field ${fieldOption(name)} to read it so, or --field PATH to choose another`
            : `--field cannot name it, since a field's name holds a dot: pass ${shownName(reader)} to withCarrier`)
        : `read the row's ${shownName(name)} field${asText}` +
          (place.nested ? `, as withCarrier(${shownName(reader)}) reads it` : ""),
  );
  // A carrier one level down, under a name the library never reads a carrier from
  // ({"traceContext": {"__proto__": {"traceparent": ...}}}): no context, said with the fix, as for
  // such a field of the row itself.
  const nested = hasPropagationHeader(inner)
    ? undefined
    : Object.keys(inner).find((key) => PROTOTYPE_KEYS.has(key) && holdsCarrier(inner[key]));
  if (nested !== undefined)
    diagnostics.push(
      nestedPrototypeKeyFinding(
        name,
        !place.nested && name === TRACE_CONTEXT_FIELD
          ? "withCarrier(row)"
          : `withCarrier(${shownName(reader)})`,
        nested,
      ),
    );
  // A carrier one level down under another name ({"traceContext": {"trace": {...}}}: a carrier its
  // writer wrapped in the column): no context, said with the --field that reads it, as the library's
  // TRACEHOP_CARRIER_IN_OTHER_FIELD names it.
  const wrapped =
    nested !== undefined || hasPropagationHeader(inner)
      ? undefined
      : Object.keys(inner)
          .slice(0, MAX_FIELDS_LOOKED_AT)
          .find((key) => !PROTOTYPE_KEYS.has(key) && holdsCarrier(inner[key]));
  if (wrapped !== undefined) {
    const reads =
      !place.nested && name === TRACE_CONTEXT_FIELD
        ? "withCarrier(row)"
        : `withCarrier(${shownName(reader)})`;
    const parses = typeof value !== "string" ? 0 : innermostText(value) === value ? 1 : 2;
    const innerReader = parsed(reader, parses) + propertyAccess(wrapped);
    diagnostics.push(
      `the row's ${shownName(name)} field holds no propagation header, but its field ${wrapped} holds a carrier, which ` +
        `${reads} does not read (TRACEHOP_CARRIER_IN_OTHER_FIELD): --field ${fieldOption(`${name}.${wrapped}`)} ` +
        `reads it, as withCarrier(${innerReader})`,
    );
  }
  // The row's traceContext read, while another of its fields holds a carrier too: named, with the --field
  // that reads it (as the library's TRACEHOP_CARRIER_IN_OTHER_FIELD does when traceContext holds no header).
  if (!place.nested && name === TRACE_CONTEXT_FIELD && nested === undefined && wrapped === undefined) {
    const holds = hasPropagationHeader(inner);
    const note = otherFieldNote(row, holds);
    if (note !== "")
      diagnostics.push(
        (holds
          ? "the row's traceContext field is the carrier withCarrier(row) reads"
          : "the row's traceContext field holds no propagation header") + note,
      );
  }
  // The one field of an object, found by its content (no traceContext field): the object may be a
  // carrier column's value alone (psql -At 'select "traceContext" ...'), not a row, and its row reads
  // it one level further in. (A whole row has other fields, its id: not said there.)
  if (found === "field" && !place.nested && Object.keys(row).length === 1)
    diagnostics.push(
      `if this is the value of a row's traceContext column (psql -At 'select "traceContext" ...'), ` +
        `withCarrier(row) restores nothing from it: hand withCarrier(row.${TRACE_CONTEXT_FIELD}${propertyAccess(name)})`,
    );
  return typeof value === "string" ? { carrier: inner, text: innermostText(value) } : { carrier: inner };
}

/**
 * The end of the finding of a row whose `traceContext` holds no carrier while another of its fields
 * holds one (the first {@link MAX_FIELDS_LOOKED_AT}, as {@link carrierFieldOf} looks): the field and the
 * `--field` that reads it, as the library's `TRACEHOP_CARRIER_IN_OTHER_FIELD` warning names it on such a
 * row (a table that kept both columns, an extension writing another one); "" when none does. `too`: the
 * row's traceContext holds a carrier itself (a row holding two: the library reads traceContext and says
 * nothing of the other).
 */
function otherFieldNote(row: Record<string, unknown>, too = false): string {
  const holders = Object.keys(row)
    .slice(0, MAX_FIELDS_LOOKED_AT)
    .filter((key) => key !== TRACE_CONTEXT_FIELD && !PROTOTYPE_KEYS.has(key) && holdsCarrier(row[key]));
  if (holders.length === 0) return "";
  const [first] = holders as [string];
  if (too)
    return holders.length === 1
      ? `; its ${shownName(first)} field holds a carrier too, which withCarrier(row) does not read: --field ${fieldOption(first)} reads it`
      : `; its fields ${listNames(holders)} hold a carrier too, which withCarrier(row) does not read: say --field NAME to read one`;
  return holders.length === 1
    ? `; its ${shownName(first)} field holds a carrier, which withCarrier(row) does not read (TRACEHOP_CARRIER_IN_OTHER_FIELD): --field ${fieldOption(first)} reads it`
    : `; its fields ${listNames(holders)} hold a carrier, which withCarrier(row) does not read: say --field NAME to read one`;
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
    `the row's ${shownName(name)} field ${holds ? "holds a carrier, which tracehop never reads" : "is never read as a carrier by tracehop"}: ` +
    `withCarrier(row) reads only traceContext, and ${PROTOTYPE_KEYS_NEVER_READ}; rename the field, to traceContext`
  );
}

/**
 * Why the carrier read from field `name` of a row gives no context when it holds no propagation header
 * itself but its field `key`, one of `__proto__`, `constructor` and `prototype`, holds a carrier
 * (`{"traceContext": {"__proto__": {"traceparent": ...}}}`), and the fix: the same reason as
 * {@link prototypeKeyFinding}'s. `reader`: the call that reads it, `withCarrier(row.carrier)`.
 */
function nestedPrototypeKeyFinding(name: string, reader: string, key: string): string {
  return (
    `the row's ${shownName(name)} field holds a carrier only under its ${key} field, which tracehop never reads: ` +
    `${shownName(reader)} reads the propagation headers of ${shownName(name)} itself, and ${PROTOTYPE_KEYS_NEVER_READ}; ` +
    `store the carrier's headers as the ${shownName(name)} field itself, not under ${key}`
  );
}

/** 2^53, the first integer past Number.MAX_SAFE_INTEGER, in decimal. */
const TWO_53_DIGITS = "9007199254740992";

/**
 * One diagnostic for each value of `carrier` stored as a JSON number (as its JSON text writes it, when
 * read from text: `writtenNumberText`, else {@link writtenOnce} in `text`, the JSON text it was read
 * from, when given), and the carrier to inspect: `carrier` itself, every value as the
 * library reads it, so that the verdict is the restore's. An id (`x-datadog-trace-id`,
 * `x-datadog-parent-id`, any case) that is an integer at or beyond 2^53 is refused, as a restore refuses
 * it (JSON.parse, as Prisma's Json fields and pg read the column, rounds it; DataDog/dd-trace-js#344,
 * prisma/orm#20205): when the JSON text writes it as an integer (`exactIntegerText`), the diagnostic
 * gives the digits as stored, the number a service reads instead, the id those digits name in hex (the
 * trace or span a fixed row continues), and the fix (docs/migration.md, "Ids stored as JSON numbers");
 * else (an exponent form, a text nested past the second reader's stack, bytes) that it is refused and
 * the fix. An id past the largest double (`1e400`, read as Infinity) is refused as too large. A safe
 * integer is exact and read as its decimal text, as the library reads it; other numbers are read as
 * their text (`String(n)`: `"1.5"`), judged as that string. The ids are always said; other numbers up to
 * {@link MAX_LISTED}, then counted.
 */
function numberDiagnostics(
  carrier: Record<string, unknown>,
  text: string | undefined,
  diagnostics: string[],
): Record<string, unknown> {
  let numbers = 0;
  for (const [key, value] of Object.entries(carrier)) {
    if (typeof value !== "number") continue;
    const lowerKey = key.toLowerCase();
    const id = lowerKey === X_DATADOG_TRACE_ID || lowerKey === X_DATADOG_PARENT_ID;
    if (!id && ++numbers > MAX_LISTED) continue;
    // A key or a number of any length (a megabyte of digits) is quoted cut, as a value is.
    const name = key.length > MAX_QUOTED_VALUE_CHARACTERS ? quoteValue(key) : key;
    // The number as its JSON text writes it (that field's, the last of a repeated key), when kept.
    const written = writtenNumberText(carrier, key) ?? writtenOnce(text, key);
    const digits = written === undefined ? undefined : numberText(written);
    const exact = id ? exactIntegerText(carrier, key) : undefined;
    // Where the number stands: by the digits stored when kept (9007199254740993 is beyond 2^53, though
    // JSON.parse reads it as 2^53), else by the number read (text that reads as 2^53 may be on either side).
    const sign = value < 0 ? "-" : "";
    const where =
      exact !== undefined
        ? `${exact.replace(/^-/, "") === TWO_53_DIGITS ? "at" : "beyond"} ${sign}2^53`
        : Math.abs(value) === 2 ** 53
          ? `read as ${sign}${TWO_53_DIGITS} (${sign}2^53)`
          : `beyond ${sign}2^53`;
    if (exact !== undefined && Number.isFinite(value)) {
      // The number JSON.parse gives, an integer (past the largest double it is Infinity, said below).
      const rounded = BigInt(value).toString();
      const named = decimalToHex16(exact);
      diagnostics.push(
        `${name} is stored as the JSON number ${numberText(exact)}, ${where}: refused, as a restore refuses it ` +
          `(a service that reads the value through JSON.parse, such as a Prisma Json field or pg, ` +
          (rounded === exact
            ? `gets this number${roundedToIt(exact)}`
            : `gets it rounded to ${rounded}` +
              // An id below 2^64 that rounds up to 2^64 (the last 1024 of them): the reader's number is no id.
              (named !== undefined && decimalToHex16(rounded) === undefined
                ? `, past the largest unsigned 64-bit id (2^64 - 1)`
                : "")) +
          `), so a row with no other valid context starts a new trace; ` +
          (named === undefined
            ? `the digits stored are no unsigned 64-bit id either`
            : `the digits stored are exact, the id ${named} in hex, which the row continues once they are a string`) +
          `: store ids as decimal strings (the statements in docs/migration.md, "Ids stored as JSON numbers")`,
      );
    } else if (id && Number.isInteger(value) && !Number.isSafeInteger(value))
      diagnostics.push(
        (digits === undefined
          ? `${name} is stored as a JSON number beyond 2^53 (read as ${String(value)}, already rounded)`
          : `${name} is stored as the JSON number ${digits}, ${where}`) +
          `: refused, as a restore refuses it (a reader through JSON.parse, such as a Prisma Json field or pg, gets ` +
          `it rounded), so a row with no other valid context starts a new trace; inspect gives an id's exact ` +
          `digits only when written as an integer (no fraction or exponent) in JSON text it can read again; ` +
          `store ids as decimal strings (docs/migration.md, "Ids stored as JSON numbers")`,
      );
    else if (id && Math.abs(value) === Infinity)
      diagnostics.push(
        `${name} is stored as the JSON number ${digits ?? "(too large)"}, too large for JSON readers (read as ` +
          `${value}): it is no id and is refused; store ids as decimal strings`,
      );
    else
      diagnostics.push(
        Number.isSafeInteger(value)
          ? `${name} is stored as a JSON number (${digits ?? value}); it is exact and read as "${value}", ` +
              `but carriers hold strings: store it as a string`
          : `${name} is stored as a JSON number (${digits ?? value}) that is not a safe integer; it is read as its ` +
              `text ${JSON.stringify(String(value))} and judged as that string` +
              (lowerKey === X_DATADOG_SAMPLING_PRIORITY
                ? ` (an invalid priority drops the Datadog context)`
                : "") +
              `; store it as a string`,
      );
  }
  if (numbers > MAX_LISTED)
    diagnostics.push(
      `${numbers - MAX_LISTED} more fields are stored as JSON numbers (not listed); carriers hold strings: store them as strings`,
    );
  return carrier;
}

/** The longest key whose number {@link writtenOnce} looks up in the text, in characters. */
const MAX_KEY_LOOKED_UP = 1024;

/**
 * The number written after the key `key` in `text`, when the text writes that key once (a text its
 * second reader could not read, nested too deep: `writtenNumberText` has nothing); `undefined` when it
 * writes it more than once (another object's field of that name, or a repeated key: which one is the
 * carrier's, the text alone does not say), never, or only escaped (`\u0078-datadog-trace-id`), or when
 * the key is too long for a regular expression (V8 refuses a pattern of a megabyte).
 */
function writtenOnce(text: string | undefined, key: string): string | undefined {
  if (text === undefined || key.length > MAX_KEY_LOOKED_UP) return undefined;
  const quoted = `"${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\s*:`;
  const pattern = new RegExp(`${quoted}\\s*(-?[0-9.eE+-]+)?`, "g");
  const first = pattern.exec(text);
  return first !== null && pattern.exec(text) === null ? first[1] : undefined;
}

/**
 * The digits of a JSON number as written, for a diagnostic: whole up to
 * {@link MAX_QUOTED_VALUE_CHARACTERS} characters, else the first of them and `… (<length> characters)`,
 * as a long value is quoted (docs/migration.md, "Checking a row").
 */
function numberText(digits: string): string {
  return digits.length > MAX_QUOTED_VALUE_CHARACTERS
    ? `${digits.slice(0, MAX_QUOTED_VALUE_CHARACTERS)}… (${digits.length} characters)`
    : digits;
}

/**
 * Where the carrier of `row` is (`place`), or `undefined` when `row` is the carrier itself:
 * - `field` (`--field NAME`) when the row has a field of that name (a name holding a dot included);
 *   else, for a name holding dots, the path of fields it names ({@link fieldAtPath}:
 *   `--field payload.traceContext`); a row without either is the carrier itself when it holds a
 *   propagation header (a diagnostic says so), else a row without a carrier (`noCarrier` says which
 *   step is missing);
 * - `traceContext` when the row has it (the shape `withCarrier` reads: `TraceCarrierProvider`);
 * - for a row with neither a propagation header at its top level nor `traceContext`, the one field
 *   that holds a carrier (an object, or JSON text of one, with a propagation header), as a model of
 *   the Prisma extension's `models: { Outbox: "carrier" }` stores it, with `found` `"field"`: the one
 *   diagnostic of {@link carrierOfValue} says so, and how the field was read;
 * - failing that, the one place two levels down that holds one ({@link nestedPlaces}:
 *   `{"payload": {"traceContext": {...}}}`), with `found` `"nested"`; several are listed, and no
 *   carrier is read.
 */
function carrierFieldOf(
  row: Record<string, unknown>,
  field: string | undefined,
  diagnostics: string[],
): { place: CarrierPlace | undefined; found?: FoundBy } | { noCarrier: string } {
  if (field !== undefined) {
    // A field whose own name is the whole text given wins over the path its dots name.
    if (Object.hasOwn(row, field)) {
      const first = field.split(".")[0]!;
      if (field.includes(".") && Object.hasOwn(row, first))
        diagnostics.push(
          `the row has a field named ${shownName(field)} itself: it is read, not the path ${shownName(field)} through its ${shownName(first)} field`,
        );
      return { place: topLevelPlace(row, field) };
    }
    const path = field.includes(".") ? fieldAtPath(row, field) : undefined;
    if (path !== undefined && "place" in path) return { place: path.place };
    if (path !== undefined && "refused" in path) return { noCarrier: path.refused };
    if (hasPropagationHeader(row)) {
      diagnostics.push(
        `the object has no ${shownName(field)} field (--field ${shownName(field)}): it is read as the carrier itself, since it holds propagation headers`,
      );
      return { place: undefined };
    }
    // A row without the field: no carrier.
    if (path !== undefined) return { noCarrier: path.missing };
    const fields = Object.keys(row);
    return {
      noCarrier: `the row has no ${shownName(field)} field (--field ${shownName(field)}; its fields: ${fields.length ? listNames(fields.map(shownName)) : "none"})`,
    };
  }
  if (isTraceCarrierProvider(row)) return { place: topLevelPlace(row, TRACE_CONTEXT_FIELD) };
  if (hasPropagationHeader(row)) {
    // Message headers with an application header named traceContext (isTraceCarrierProvider).
    if (Object.hasOwn(row, TRACE_CONTEXT_FIELD))
      diagnostics.push(
        `the object's traceContext field is ${describeField(row[TRACE_CONTEXT_FIELD])}, not a carrier, beside propagation headers at its top level: it is read as headers, the carrier itself, as withCarrier reads it`,
      );
    return { place: undefined };
  }
  const holding = Object.keys(row).filter((key) => holdsCarrier(row[key]));
  // The library never takes a __proto__, constructor or prototype field for a carrier's
  // (TRACEHOP_CARRIER_IN_OTHER_FIELD never names one): nor does inspect. When only such fields hold
  // one, the row is a row without a carrier that says why (readCarrierField).
  const holders = holding.filter((key) => !PROTOTYPE_KEYS.has(key));
  if (holders.length === 0 && holding.length > 0)
    return { place: topLevelPlace(row, holding[0]!), found: "field" };
  if (holders.length > 1)
    diagnostics.push(
      `the row has no propagation header at its top level and no traceContext field; several fields hold a carrier (${holders.join(", ")}): say --field NAME to choose one`,
    );
  // The one holder: carrierOfValue says it was found so, with how it was read, in one diagnostic.
  if (holders.length === 1) return { place: topLevelPlace(row, holders[0]!), found: "field" };
  if (holders.length > 1) return { place: undefined };
  // None among the row's own fields: one two levels down is read the same way, with its path.
  const nested = nestedPlaces(row);
  if (nested.length === 1) return { place: nested[0], found: "nested" };
  if (nested.length > 1) {
    const listed = nested.slice(0, MAX_LISTED).map((place) => place.name);
    const more = nested.length > MAX_LISTED ? `, and ${nested.length - MAX_LISTED} more` : "";
    diagnostics.push(
      "the row has no propagation header at its top level, no traceContext field and no field holding a carrier; " +
        `several fields two levels down hold a carrier (${listed.join(", ")}${more}): say --field PATH to choose one`,
    );
    return { place: undefined };
  }
  // The trace headers of a format tracehop builds in no style for (Jaeger's uber-trace-id): the object
  // is that carrier, which the report names with the propagator that reads it (`inspectCarrier`).
  if (otherTraceFormat(textFieldGetter(row)) !== undefined) return { place: undefined };
  const nulls = Object.keys(row).filter((key) => row[key] === null);
  diagnostics.push(
    "the object holds no propagation header and no field holding a carrier" +
      deeperHint(deeperPlaces(row)) +
      (nulls.length
        ? `; ${nulls.join(", ")} ${nulls.length > 1 ? "are" : "is"} null (a NULL carrier column, written outside a span or by a service without the extension? --field NAME reads that field as the carrier)`
        : ""),
  );
  return { place: undefined };
}

/** A getter of `row`'s text fields by name in any case (the first field of a name), for {@link otherTraceFormat}. */
function textFieldGetter(row: Record<string, unknown>): (name: string) => string | undefined {
  const fields = new Map<string, string>();
  for (const [key, value] of Object.entries(row))
    if (typeof value === "string" && !fields.has(key.toLowerCase())) fields.set(key.toLowerCase(), value);
  return (name) => fields.get(name);
}

/**
 * The rest of the no-carrier diagnostic when {@link deeperPlaces} found carriers further in than
 * inspect reads by itself ({@link nestedPlaces}): their paths and the `--field PATH` that reads one (no
 * carrier is read unasked from so deep: a carrier of another record nested in a row is as likely as
 * the row's own).
 * `: no context` when none was found.
 */
function deeperHint(paths: readonly string[]): string {
  if (paths.length === 0) return ": no context";
  const where = ` where inspect looks unasked (its fields, and the fields of its first ${MAX_FIELDS_LOOKED_INTO} fields holding an object); further in,`;
  if (paths.length === 1)
    return `${where} ${shownName(paths[0]!)} holds one: --field ${fieldOption(paths[0]!)} reads it`;
  return `${where} ${listNames(paths)} hold one: say --field PATH to read one`;
}

/**
 * `text` as one word of a POSIX shell command line, for a `--field` a diagnostic tells to pass: as it is
 * when it holds only characters no shell treats specially (letters, digits, `_ . - / : @ % + = ,`),
 * else in single quotes, each `'` written `'\''` (a field named `trace meta` or `a'b`).
 */
export function shellWord(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/** How many levels below the row {@link deeperPlaces} looks at, at most. */
const MAX_DEEPER_LEVELS = 8;
/** How many objects {@link deeperPlaces} looks into, at most, whatever the row's size. */
const MAX_OBJECTS_LOOKED_INTO = 256;

/**
 * The dotted paths (as `--field PATH` reads them: {@link fieldAtPath}) of the fields two to
 * {@link MAX_DEEPER_LEVELS} levels below `row` that hold a carrier ({@link holdsCarrier}), nearest
 * first (breadth first), up to {@link MAX_LISTED} + 1 of them; for the no-carrier diagnostic, so that a
 * row whose carrier sits at `meta.trace.carrier`, or two levels down beyond the bounds of
 * {@link nestedPlaces} (which found none when this runs), is not reported as holding none. Goes through
 * objects, and JSON text of one as a path's step does ({@link stepInto}), never an array's elements,
 * a field named `__proto__`, `constructor` or `prototype` ({@link PROTOTYPE_KEYS}) or a name holding a
 * dot (no path names it); looks into at most {@link MAX_OBJECTS_LOOKED_INTO} objects and, of each, its
 * first {@link MAX_FIELDS_LOOKED_AT} fields, so a row of any size or depth costs a bounded time.
 */
function deeperPlaces(row: Record<string, unknown>): string[] {
  const found: string[] = [];
  let level: { object: Record<string, unknown>; path: string }[] = [{ object: row, path: "" }];
  let lookedInto = 0;
  for (let depth = 1; depth <= MAX_DEEPER_LEVELS && level.length > 0; depth++) {
    const next: typeof level = [];
    for (const { object, path } of level) {
      if (++lookedInto > MAX_OBJECTS_LOOKED_INTO) return found;
      for (const key of Object.keys(object).slice(0, MAX_FIELDS_LOOKED_AT)) {
        if (PROTOTYPE_KEYS.has(key) || key.includes(".") || key === "") continue;
        const value = object[key];
        const at = path === "" ? key : `${path}.${key}`;
        if (depth >= 2 && holdsCarrier(value)) {
          found.push(at);
          if (found.length > MAX_LISTED) return found;
          continue;
        }
        const inner = stepInto(value);
        if (inner !== undefined) next.push({ object: inner.object, path: at });
      }
    }
    level = next;
  }
  return found;
}

/**
 * The object a step of a path goes through: `value` itself when it is a JSON object, or the object
 * whose JSON text (or JSON text of that) it is, read as the carrier reader reads a text field
 * ({@link carrierObject}, within {@link MAX_CARRIER_TEXT_LENGTH}); with `parses`, how many times
 * `JSON.parse` gives it (0 for an object). `undefined` for anything else.
 */
function stepInto(value: unknown): { object: Record<string, unknown>; parses: number } | undefined {
  if (isJsonObject(value)) return { object: value, parses: 0 };
  if (typeof value !== "string") return undefined;
  const inner = exactCarrierObject(value);
  if (inner === undefined || inner instanceof Map) return undefined;
  return { object: inner, parses: innermostText(value) === value ? 1 : 2 };
}

/** `reader` (what reads a JSON text field) parsed `parses` times: `JSON.parse(row.payload)`. */
function parsed(reader: string, parses: number): string {
  for (let i = 0; i < parses; i++) reader = `JSON.parse(${reader})`;
  return reader;
}

/** The first {@link MAX_LISTED} of `names`, and how many more, for a diagnostic. */
function listNames(names: readonly string[]): string {
  if (names.length === 0) return "none";
  const more = names.length > MAX_LISTED ? `, and ${names.length - MAX_LISTED} more` : "";
  return names.slice(0, MAX_LISTED).join(", ") + more;
}

/**
 * The field at the dotted `path` of `row` (`--field payload.traceContext`, `--field meta.trace.carrier`),
 * its name not being one of the row's own: each step but the last goes through an object, or the JSON
 * text of one (as a carrier field's text is read: {@link stepInto}), and the last is the carrier field,
 * read as any other ({@link readCarrierField}). `missing`: which step is not there, or not an object,
 * with the fields there. `refused`: a step named `__proto__`, `constructor` or `prototype`, which the
 * library never reads a carrier through ({@link PROTOTYPE_KEYS}), whatever the row holds.
 */
function fieldAtPath(
  row: Record<string, unknown>,
  path: string,
): { place: CarrierPlace } | { missing: string } | { refused: string } {
  const steps = path.split(".");
  const key = steps.find((step) => PROTOTYPE_KEYS.has(step));
  if (key !== undefined)
    return {
      refused:
        `the row's ${shownName(path)} field is never read as a carrier by tracehop: the path goes through a field named ${key}, ` +
        `and ${PROTOTYPE_KEYS_NEVER_READ}; rename the field`,
    };
  if (steps.includes(""))
    return {
      missing: `the row has no ${shownName(path)} field, nor is ${shownName(path)} a path of fields: a step of it is empty (--field ${shownName(path)}; its fields: ${listNames(Object.keys(row).map(shownName))})`,
    };
  let object = row;
  let reader = "row";
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const at = steps.slice(0, i).join(".");
    if (!Object.hasOwn(object, step)) {
      const where = i === 0 ? "it has" : `its ${shownName(at)} field has`;
      const there = i === 0 ? "its fields" : `the fields of ${shownName(at)}`;
      return {
        missing:
          `the row has no ${shownName(path)} field: ${where} no ${shownName(step)} field ` +
          `(--field ${shownName(path)}; ${there}: ${listNames(Object.keys(object).map(shownName))})`,
      };
    }
    const value = object[step];
    reader += propertyAccess(step);
    if (i === steps.length - 1) return { place: { name: path, reader, nested: true, value } };
    const inner = stepInto(value);
    if (inner === undefined) {
      const what =
        typeof value === "string"
          ? `text that is not the JSON text of an object (${whyNotCarrierText(value)})`
          : describeField(value);
      return {
        missing: `the row has no ${shownName(path)} field: its ${shownName(steps.slice(0, i + 1).join("."))} field is ${what}, not an object holding fields (--field ${shownName(path)})`,
      };
    }
    object = inner.object;
    reader = parsed(reader, inner.parses);
  }
  // A path has one step at least ("".split(".") is [""]).
  throw new Error("unreachable: a path without steps");
}

/**
 * The places two levels down in `row` that hold a carrier (`{"payload": {"traceContext": {...}}}`:
 * `payload.traceContext`), looked at only when none of the row's own fields holds one, within the
 * bounds of the library's warning of a carrier in another field (`fieldHoldingCarrier`), so that a row of any size is looked at in a bounded time: the first
 * {@link MAX_FIELDS_LOOKED_AT} fields of the row, of those the first {@link MAX_FIELDS_LOOKED_INTO}
 * that are objects or JSON text of one ({@link stepInto}), and of each, its first
 * {@link MAX_FIELDS_LOOKED_AT} fields, judged as the row's own ({@link holdsCarrier}); never a field
 * named `__proto__`, `constructor` or `prototype`, nor an array's elements, nor deeper (`--field PATH`
 * reads any depth). Unlike the library's warning, which looks at the second level for the names
 * `traceContext`, `headers` and `userProperties` only (it runs in a service, for every row restored
 * without a context), any name is looked at: the row is parsed already, and the command is asked
 * where the carrier is.
 */
function nestedPlaces(row: Record<string, unknown>): CarrierPlace[] {
  const places: CarrierPlace[] = [];
  const names = Object.keys(row).slice(0, MAX_FIELDS_LOOKED_AT);
  let lookedInto = 0;
  for (const outer of names) {
    if (PROTOTYPE_KEYS.has(outer)) continue;
    const inner = stepInto(row[outer]);
    if (inner === undefined) continue;
    if (++lookedInto > MAX_FIELDS_LOOKED_INTO) break;
    const reader = parsed(`row${propertyAccess(outer)}`, inner.parses);
    for (const key of Object.keys(inner.object).slice(0, MAX_FIELDS_LOOKED_AT)) {
      if (PROTOTYPE_KEYS.has(key) || !holdsCarrier(inner.object[key])) continue;
      places.push({
        name: `${outer}.${key}`,
        reader: reader + propertyAccess(key),
        nested: true,
        value: inner.object[key],
      });
    }
  }
  return places;
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

/**
 * What {@link carrierObject} reads of `value` (a value parsed from JSON), the digits of the integers
 * beyond 2^53 of an object read from JSON text kept (`keepExactIntegers`: a field holding the carrier's
 * JSON text, whose Datadog ids may be JSON numbers).
 */
function exactCarrierObject(value: unknown): ReturnType<typeof carrierObject> {
  const inner = carrierObject(value);
  if (typeof value === "string" && inner !== undefined && !(inner instanceof Map))
    keepExactIntegers(inner, innermostText(withoutByteOrderMark(value)));
  return inner;
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

/**
 * What a reader through JSON.parse cannot tell of `exact` (an integer's decimal digits, at or beyond 2^53
 * in magnitude, that JSON.parse reads exactly), as the end of "gets this number": the other integers it
 * rounds to the same double (IEEE 754 round to nearest, ties to the even significand; ECMA-262
 * "RoundMVResult"), e.g. only 2^53 + 1 for 2^53, none for 2^53 + 2, 2^53 + 3 and 2^53 + 5 for 2^53 + 4.
 * Never throws for such digits.
 */
function roundedToIt(exact: string): string {
  const value = BigInt(exact);
  const abs = value < 0n ? -value : value;
  const bits = abs.toString(2).length;
  // The spacing of doubles above abs, and below it (half that at a power of two, 1 at 2^53).
  const above = 1n << BigInt(bits - 53);
  const below = abs === 1n << BigInt(bits - 1) ? above / 2n : above;
  const even = (abs / above) % 2n === 0n;
  let low = abs - below / 2n + (even ? 0n : 1n);
  let high = abs + above / 2n - (even ? 0n : 1n);
  if (value < 0n) [low, high] = [-high, -low];
  const others = high - low;
  if (others === 0n) return ", which no other integer rounds to, but cannot tell that it was not rounded";
  const named =
    others === 1n
      ? (low === value ? high : low).toString()
      : others === 2n
        ? `${low} or ${high}`
        : `the other integers from ${low} to ${high}`;
  return ` but cannot tell it from ${named}, which JSON.parse rounds to it`;
}
