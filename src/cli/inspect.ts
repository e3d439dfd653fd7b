import {
  diag,
  DiagLogLevel,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
} from "@opentelemetry/api";
import {
  carrierObject,
  MAX_CARRIER_FIELD_VALUES,
  MAX_CARRIER_KEYS,
  MAX_CARRIER_TEXT_LENGTH,
  MAX_CARRIER_VALUE_LENGTH,
  withoutByteOrderMark,
  normalizeCarrier,
  normalizedCarrierGetter,
  type NormalizedCarrier,
} from "../carrier/carrier.js";
import { isTraceCarrierProvider, TRACE_CONTEXT_FIELD } from "../context/carrier-source.js";
import {
  createPropagator,
  DEFAULT_EXTRACT_STYLES,
  extractBehaviorFromEnvironment,
  extractStylesFromEnvironment,
  type PropagationStyle,
} from "../propagation/create-propagator.js";
import {
  DEFAULT_TAGS_MAX_LENGTH,
  ENV_PROPAGATION_BEHAVIOR_EXTRACT,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_TAGS,
  X_DATADOG_TRACE_ID,
} from "../propagation/datadog/constants.js";
import { getDatadogContext } from "../propagation/datadog/datadog-context.js";
import { decimalToHex16, hex16ToDecimal, isLowerHex16, ZERO_HEX16 } from "../propagation/datadog/ids.js";
import { decodeTagsHeader } from "../propagation/datadog/tags.js";
import { parseSamplingPriority } from "../propagation/datadog/tracestate-dd.js";
import {
  getExtractionAttributes,
  getExtractionLinks,
  getRestoredRoot,
} from "../propagation/extraction-result.js";
import { isPropagationHeaderName } from "../propagation/header-names.js";
import { trimOws } from "../propagation/w3c/baggage.js";
import { parseBaggageHeader } from "../propagation/w3c/baggage.js";
import {
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  TRACE_STATE_MAX_MEMBERS,
} from "../propagation/w3c/constants.js";
import {
  isValidTraceStateKey,
  isValidTraceStateValue,
  parseTraceStateMembers,
} from "../propagation/w3c/tracestate.js";

/** Exit codes of `tracehop inspect` (documented in `--help` and docs/migration.md). */
export const EXIT_VALID = 0;
export const EXIT_NO_CONTEXT = 1;
export const EXIT_USAGE = 2;

/** Every style inspected one by one. */
const ALL_STYLES: readonly PropagationStyle[] = ["datadog", "tracecontext", "baggage", "b3", "b3multi"];
/** Names of the Datadog priorities (dd-trace-java `PrioritySampling`). */
const PRIORITY_NAMES: Record<string, string> = {
  "-1": "user reject",
  "0": "auto reject",
  "1": "auto keep",
  "2": "user keep",
};

/** The decoded view of one carrier; also the `--json` output. */
export interface InspectReport {
  valid: boolean;
  /** Set when the row holds no carrier at all (a NULL column, JSON null): why. */
  noCarrier?: string;
  /** Extract order used for `context`. */
  extractOrder: PropagationStyle[];
  /** Where the extract order came from: `default`, `--styles`, or the environment variable's name. */
  extractOrderSource: string;
  context?: {
    /** Style that won (first valid in the extract order). */
    style: PropagationStyle;
    root: boolean;
    traceId: string;
    datadogTraceId: string;
    datadogTid?: string;
    parentId?: string;
    datadogParentId?: string;
    sampled: boolean;
    samplingPriority?: number;
    samplingPriorityName?: string;
    origin?: string;
    tags: Record<string, string>;
    tracestate: string[];
    lastParentId?: string;
    links: { traceId: string; spanId: string; style: string }[];
  };
  baggageKeys: string[];
  styles: Record<string, { status: "valid" | "absent" | "rejected"; detail: string }>;
  diagnostics: string[];
}

/** A usage or input error: exit code 2 with this message. */
export class InspectInputError extends Error {}

/** One carrier of the input of `tracehop inspect`, with what reading it noted. */
export interface InspectInput {
  carrier: Record<string, unknown>;
  diagnostics: string[];
  /** Set when the row holds no carrier at all (a NULL column, JSON null): why, for the report. */
  noCarrier?: string;
}

/** The input of `tracehop inspect`: its carriers, and whether they came as several rows. */
export interface InspectInputs {
  rows: boolean;
  carriers: InspectInput[];
}

/** What an empty line of line-per-row input is: `psql -At` prints a NULL column so. */
export const NULL_ROW = "NULL: written outside a span, or by a service without the extension";
/** What a line `null` of line-per-row input is (a Json column holding JSON null). */
export const JSON_NULL_ROW = "JSON null: the row was written without a carrier";

/**
 * Parses the text given to `tracehop inspect` into the carriers to inspect. The text (a leading byte
 * order mark is skipped, RFC 8259 §8.1) is one of:
 * - line-per-row input, as `psql -At` prints one JSON column over several rows: every line is a row
 *   (see {@link rowLines} for when the text is read so): a JSON object, a JSON string holding an
 *   object's JSON text (how psql prints a jsonb string), `null`, or an empty line (a NULL column; the
 *   final newline ends the last line and is no row);
 * - a JSON object: one carrier or one row (see {@link carrierOfValue});
 * - a JSON array of such objects, as `sqlite3 -json` or `psql` with `json_agg` print a query's rows:
 *   one carrier each, in order.
 * @throws {@link InspectInputError} for empty text, text that is not JSON, JSON that is neither an
 *   object nor a non-empty array of objects (the message names the first bad element or line).
 * `field` (`--field NAME`): the field of a row that holds its carrier (see {@link carrierFieldOf}).
 */
export function parseInspectInput(text: string, field?: string): InspectInputs {
  text = withoutByteOrderMark(text);
  const lines = rowLines(text);
  if (lines !== undefined)
    return { rows: lines.length > 1, carriers: lines.map((line, index) => lineRow(line, index + 1, field)) };
  if (text.trim() === "")
    throw new InspectInputError(
      "the input is empty (a query that returns no rows prints nothing); give a JSON object or an array of rows",
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InspectInputError(
      `the carrier is not valid JSON (${(err as Error).message}); give a JSON object of header -> value, an array of rows, or one row per line`,
    );
  }
  if (!Array.isArray(parsed)) {
    if (typeof parsed === "string")
      return { rows: false, carriers: [jsonTextRow(parsed, "the input", field)] };
    if (!isJsonObject(parsed))
      throw new InspectInputError(
        "the carrier must be a JSON object of header name -> value (or a JSON array of rows)",
      );
    const diagnostics: string[] = [];
    return {
      rows: false,
      carriers: [{ carrier: carrierOfValue(parsed, text, diagnostics, field), diagnostics }],
    };
  }
  if (parsed.length === 0)
    throw new InspectInputError("the JSON array holds no rows; give at least one row or carrier object");
  const bad = parsed.findIndex((row) => !isJsonObject(row) && row !== null && typeof row !== "string");
  if (bad >= 0)
    throw new InspectInputError(
      `element ${bad + 1} of the JSON array is not an object; give an array of rows or carrier objects (null for a NULL column)`,
    );
  const carriers = parsed.map((row: unknown, index): InspectInput => {
    // json_agg over a column: a NULL column is null, a Json column holding a string is that string.
    if (row === null) return { carrier: {}, diagnostics: [], noCarrier: JSON_NULL_ELEMENT };
    if (typeof row === "string") return jsonTextRow(row, `element ${index + 1} of the JSON array`, field);
    const diagnostics: string[] = [];
    // A number written in the element itself is reported with its parsed value, not its digits as
    // written: the input's text could hold the same key in another row. A traceContext field holding
    // JSON text (sqlite3 -json) is its own text, read as for one row.
    return {
      carrier: carrierOfValue(row as Record<string, unknown>, undefined, diagnostics, field),
      diagnostics,
    };
  });
  return { rows: true, carriers };
}

/** What a null element of a JSON array of rows is (`json_agg` over a column with a NULL). */
export const JSON_NULL_ELEMENT = "null: a NULL column, or JSON null";

/**
 * A carrier given as a JSON string (`value`, parsed) holding its JSON text: what
 * `traceContext: JSON.stringify(carrier)` stores in a Json column. Read exactly as `withCarrier` and
 * `contextFromCarrier` read that column's value ({@link carrierObject}: its JSON text, or JSON text of
 * that once more, within {@link MAX_CARRIER_TEXT_LENGTH}), with a diagnostic saying so.
 * @throws {@link InspectInputError} naming `where`, why, and `advice` (what to give) when the library
 *   reads no carrier from it.
 */
function jsonTextRow(
  value: string,
  where: string,
  field: string | undefined,
  advice = "give a JSON object of header -> value, or a JSON string holding its JSON text",
): InspectInput {
  const inner = carrierObject(value);
  if (inner === undefined || inner instanceof Map)
    throw new InspectInputError(
      `${where} is a JSON string that is not the JSON text of an object (${whyNotCarrierText(value)}); ${advice}`,
    );
  const diagnostics = [JSON_TEXT_IN_JSON];
  return { carrier: carrierOfValue(inner, innermostText(value), diagnostics, field), diagnostics };
}

/**
 * The rows of line-per-row text, or `undefined` when the text is one JSON value (an object, an array,
 * pretty-printed JSON) or empty. Line-per-row: the text holds a line break, and either every line is
 * blank (NULL rows only: `psql -At` of one NULL column prints "\n") or it has two or more lines and its
 * first non-blank line alone parses as a complete JSON value (a pretty-printed object's first line
 * `{` does not). The final line break ends the last line; it starts no row.
 */
function rowLines(text: string): string[] | undefined {
  if (!text.includes("\n")) return undefined;
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  const first = lines.find((line) => line.trim() !== "");
  if (first === undefined) return lines;
  if (lines.length < 2) return undefined;
  try {
    JSON.parse(first);
  } catch {
    return undefined;
  }
  return lines;
}

/**
 * One row of line-per-row input (line `number`, from 1): an empty line is a NULL column, `null` a
 * JSON null, an object a carrier or a row (read with its own line's text), a string the JSON text of
 * one (as `withCarrier` reads a Json column holding a string, {@link carrierObject}).
 * @throws {@link InspectInputError} naming the line when it is none of these.
 */
function lineRow(line: string, number: number, field: string | undefined): InspectInput {
  if (line.trim() === "") return { carrier: {}, diagnostics: [], noCarrier: NULL_ROW };
  const what =
    "with one row per line, every line must be a JSON object, a JSON string holding an object's JSON text, null, or empty (a NULL column)";
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new InspectInputError(`line ${number} is not valid JSON (${(err as Error).message}); ${what}`);
  }
  if (parsed === null) return { carrier: {}, diagnostics: [], noCarrier: JSON_NULL_ROW };
  const diagnostics: string[] = [];
  // A value a Json column can hold that is no carrier (a string that is not a carrier's JSON text, a
  // number, an array) is that row's finding, not an input error: the other rows are still reported.
  if (typeof parsed === "string") {
    const inner = carrierObject(parsed);
    if (inner === undefined || inner instanceof Map)
      return {
        carrier: {},
        diagnostics: [],
        noCarrier: `a JSON string that is not the JSON text of an object (${whyNotCarrierText(parsed)})`,
      };
    return jsonTextRow(parsed, `line ${number}`, field, what);
  }
  if (!isJsonObject(parsed))
    return { carrier: {}, diagnostics: [], noCarrier: `${describeField(parsed)}, not a carrier` };
  return { carrier: carrierOfValue(parsed, line, diagnostics, field), diagnostics };
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

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The carrier to inspect in one parsed JSON object: the object itself (header name -> value), or,
 * for a whole row (an object with a `traceContext` field), read exactly as `withCarrier` reads a row:
 * its `traceContext` field is the carrier (an object, its JSON text, or JSON text of that); a field
 * that holds no carrier (null, a number, other text) gives `{}` (no context) and a diagnostic saying
 * so. Ids stored as JSON numbers are reported (beyond 2^53 they were rounded by every JSON reader and
 * are refused, DataDog/dd-trace-js#344, prisma/orm#20205), with their digits as written in `text` when
 * it is the object's own JSON text. Notes what it did in `diagnostics`.
 */
function carrierOfValue(
  parsed: Record<string, unknown>,
  text: string | undefined,
  diagnostics: string[],
  field?: string,
): Record<string, unknown> {
  const name = carrierFieldOf(parsed, field, diagnostics);
  // The carrier's JSON text, when it is an object: the text given for a carrier read as it is, else
  // the compact text JSON.stringify writes of the field's object.
  let textLength = name === undefined ? text?.length : undefined;
  if (name !== undefined) {
    // `--field NAME` on a row without it: said by carrierFieldOf; no carrier.
    if (!Object.hasOwn(parsed, name)) return {};
    const value = parsed[name];
    // A whole row (`{"id": 1, "traceContext": {...}}`, the TraceCarrierProvider shape) is read exactly
    // as withCarrier and traced read it: its traceContext field is the carrier (an object, or its JSON
    // text), whatever else the row holds; another field as withCarrier(row.<field>) reads it.
    const how =
      name === TRACE_CONTEXT_FIELD ? "as withCarrier reads the row" : `as withCarrier(row.${name}) reads it`;
    if (hasPropagationHeader(parsed))
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
      diagnostics.push(`the row's ${name} field is ${what}, not a carrier: no context (${how})`);
      return {};
    }
    // Text was read within the limit already; an object has its own JSON text.
    textLength = typeof value === "string" ? 0 : undefined;
    diagnostics.push(
      typeof value === "string" ? `read the row's ${name} field (JSON text)` : `read the row's ${name} field`,
    );
    parsed = inner;
    // The text the field's numbers were written in (for their exact digits): the row's own text for an
    // object, the innermost JSON text for a string.
    if (typeof value === "string") text = innermostText(value);
  }
  textLength ??= JSON.stringify(parsed).length;
  if (textLength > MAX_CARRIER_TEXT_LENGTH)
    diagnostics.push(
      `the carrier's JSON text is ${textLength} characters, over the carrier reader's limit of ${MAX_CARRIER_TEXT_LENGTH} ` +
        "for JSON text: stored as text (a String column, or JSON text given to contextFromCarrier or withCarrier) it is " +
        "refused whole, no context; shown is how it reads as an object (a Json column), which has no such limit",
    );
  // Numbers of an object that is no carrier at all (a row's id) are not stored ids: not reported.
  const isCarrier = name !== undefined || hasPropagationHeader(parsed);
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "number" || !isCarrier) continue;
    const name = key.toLowerCase();
    const digits =
      text === undefined
        ? undefined
        : new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\s*:\\s*(-?[0-9.eE+-]+)`).exec(
            text,
          )?.[1];
    if ((name === X_DATADOG_TRACE_ID || name === X_DATADOG_PARENT_ID) && !Number.isSafeInteger(value))
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
  return parsed;
}

/**
 * The field of `row` that holds its carrier, or `undefined` when `row` is the carrier itself:
 * - `field` (`--field NAME`) when the row has it; a row without it is the carrier itself when it holds
 *   a propagation header, else a row without a carrier (a diagnostic says which; `NAME` is returned
 *   and the row has no such field);
 * - `traceContext` when the row has it (the {@link TraceCarrierProvider} shape `withCarrier` reads);
 * - for a row with neither a propagation header at its top level nor `traceContext`, the one field
 *   that holds a carrier (an object, or JSON text of one, with a propagation header), as a model of
 *   the Prisma extension's `models: { Outbox: "carrier" }` stores it; a diagnostic says so.
 */
function carrierFieldOf(
  row: Record<string, unknown>,
  field: string | undefined,
  diagnostics: string[],
): string | undefined {
  if (field !== undefined) {
    if (Object.hasOwn(row, field)) return field;
    if (hasPropagationHeader(row)) {
      diagnostics.push(
        `the object has no ${field} field (--field ${field}): it is read as the carrier itself, since it holds propagation headers`,
      );
      return undefined;
    }
    const fields = Object.keys(row);
    diagnostics.push(
      `the row has no ${field} field (--field ${field}; its fields: ${fields.length ? fields.join(", ") : "none"}): no carrier`,
    );
    return field;
  }
  if (isTraceCarrierProvider(row)) return TRACE_CONTEXT_FIELD;
  if (hasPropagationHeader(row)) return undefined;
  const holders = Object.keys(row).filter((key) => {
    const inner = carrierObject(row[key]);
    return inner !== undefined && !(inner instanceof Map) && hasPropagationHeader(inner);
  });
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
  if (holders.length !== 1) return undefined;
  diagnostics.push(
    `the row has no propagation header at its top level and no traceContext field; its one field holding a carrier, ${holders[0]}, is read ` +
      `(as withCarrier(row.${holders[0]}) reads it; withCarrier(row) reads only traceContext). Say --field NAME to choose the field`,
  );
  return holders[0];
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

/** What a row's traceContext field is, for a diagnostic. */
function describeField(field: unknown): string {
  if (field === null) return "null";
  if (Array.isArray(field)) return "an array";
  if (typeof field === "string") return "text that is not the JSON text of an object";
  return `a ${typeof field === "object" ? "JSON object" : typeof field}`;
}

/** True when `row` holds a propagation header at its top level (reported when it is read as a row). */
function hasPropagationHeader(row: Record<string, unknown>): boolean {
  return Object.keys(row).some(isPropagationKey);
}

/** True for a carrier key naming a propagation header, in any case. */
function isPropagationKey(key: string): boolean {
  const name = key.toLowerCase();
  // Any x-datadog-* / x-b3-* name too: a carrier of another tracer version is still a carrier.
  return isPropagationHeaderName(name) || name.startsWith("x-datadog-") || name.startsWith("x-b3-");
}

/**
 * The propagation headers of `raw` that the carrier reader ({@link normalizeCarrier}, the rules of
 * every restore) drops, wholly or some of their values, each with the reason in `notes`; `dropped`
 * holds the lower-case names of those it drops wholly. Reasons: beyond the first
 * {@link MAX_CARRIER_KEYS} keys and not spelt in lower case (the reader looks those up by name), a value over {@link MAX_CARRIER_VALUE_LENGTH}, beyond
 * {@link MAX_CARRIER_FIELD_VALUES} values, a value that is not a string (numbers are said by
 * {@link carrierOfValue}). The reader itself decides what is dropped; this only says why.
 */
function readerDrops(raw: Record<string, unknown>): { dropped: Set<string>; notes: string[] } {
  const dropped = new Set<string>();
  const notes: string[] = [];
  const keys = Object.keys(raw);
  // Past the first keys the reader looks up the propagation headers by their lower-case names only.
  const whole = keys.length > MAX_CARRIER_KEYS ? normalizeCarrier(raw) : undefined;
  for (const [index, key] of keys.entries()) {
    if (!isPropagationKey(key)) continue;
    const name = key.toLowerCase();
    const value = raw[key];
    if (index >= MAX_CARRIER_KEYS && !whole!.has(name)) {
      dropped.add(name);
      notes.push(
        `${key} is ignored by the carrier reader: it is key ${index + 1} of the carrier; past the first ${MAX_CARRIER_KEYS} keys only the propagation headers spelt in lower case are looked up`,
      );
      continue;
    }
    if (typeof value === "number") continue;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    const read = normalizeCarrier({ [key]: value }).get(name)?.length ?? 0;
    if (read === values.length) continue;
    const reasons: string[] = [];
    values.forEach((item, i) => {
      if (i >= MAX_CARRIER_FIELD_VALUES) return;
      if (normalizeCarrier({ [key]: item }).has(name)) return;
      reasons.push(`${values.length > 1 ? `value ${i + 1}: ` : ""}${whyValueRefused(item)}`);
    });
    if (values.length > MAX_CARRIER_FIELD_VALUES)
      reasons.push(`only the first ${MAX_CARRIER_FIELD_VALUES} of its ${values.length} values are read`);
    if (read === 0) dropped.add(name);
    notes.push(
      (read === 0
        ? `${key} is ignored by the carrier reader: `
        : `${key}: the carrier reader keeps ${read} of its ${values.length} values: `) + reasons.join("; "),
    );
  }
  return { dropped, notes };
}

/** Why the carrier reader refuses one value (not a number: those are said with their digits). */
function whyValueRefused(value: unknown): string {
  if (typeof value === "string")
    return value.length > MAX_CARRIER_VALUE_LENGTH
      ? `its value is ${value.length} characters, over the limit of ${MAX_CARRIER_VALUE_LENGTH} for one value`
      : "its value was refused";
  if (typeof value === "number") return "its value is a JSON number that is not an exact integer";
  if (Array.isArray(value)) return "an array inside an array; repeated values are one array of strings";
  const binary = value as { type?: unknown; data?: unknown } | null;
  if (binary !== null && typeof binary === "object" && binary.type === "Buffer" && Array.isArray(binary.data))
    return binary.data.length > MAX_CARRIER_VALUE_LENGTH
      ? `a Buffer of ${binary.data.length} bytes, over the limit of ${MAX_CARRIER_VALUE_LENGTH} for one value`
      : "a Buffer whose data are not bytes (0-255)";
  return `its value is ${describeField(value)}; a carrier value is a string (or an array of strings)`;
}

/** `text` in quotes for a diagnostic, cut after 80 characters. */
function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? text.slice(0, 80) + "…" : text);
}

/**
 * Why the tracecontext style discards a whole `tracestate` header (Trace Context Level 2 §3.3.1: more
 * than 32 list-members, or the first member that breaks the grammar), or `undefined` when it keeps it.
 * `parseTraceStateMembers`, the reader's own check, decides; this only says why.
 */
function tracestateDiscarded(header: string): string | undefined {
  if (parseTraceStateMembers(header, true) !== undefined) return undefined;
  const members = header.split(",").map(trimOws).filter(Boolean);
  for (const [index, member] of members.entries()) {
    if (index >= TRACE_STATE_MAX_MEMBERS)
      return `it has ${members.length} members, more than ${TRACE_STATE_MAX_MEMBERS} (W3C Trace Context §3.3.1.1)`;
    const equals = member.indexOf("=");
    if (equals <= 0) return `member ${index + 1} ${shown(member)} is not key=value`;
    if (!isValidTraceStateKey(member.slice(0, equals)))
      return (
        `member ${index + 1} ${shown(member)} breaks the Level 2 grammar: a key is 1-256 lower-case letters, ` +
        "digits and _ - * / @, starting with a letter or digit (W3C Trace Context Level 2 §3.3.1.3.1)"
      );
    if (!isValidTraceStateValue(member.slice(equals + 1)))
      return (
        `member ${index + 1} ${shown(member)} breaks the grammar: a value is 1-256 printable ASCII characters ` +
        "other than , and =, not ending in a space (W3C Trace Context §3.3.1.3.2)"
      );
  }
  return "it breaks the Level 2 grammar";
}

/**
 * How many members of a `baggage` header the baggage style drops, and why (W3C Baggage §3.3.1: at most
 * 64 members and 8192 bytes, a member that would overflow skipped whole; a member that breaks the
 * grammar dropped alone), or `undefined` when it keeps them all. `parseBaggageHeader`, the style's
 * own reader, decides; each member is asked alone for the reason.
 */
function baggageDropped(header: string): string | undefined {
  const members = header.split(",").map(trimOws).filter(Boolean);
  const kept = parseBaggageHeader(header).length;
  if (kept >= members.length) return undefined;
  const bad = members.filter((m) => m.length <= BAGGAGE_MAX_BYTES && parseBaggageHeader(m).length === 0);
  const overLimit = members.length - kept - bad.length;
  const reasons: string[] = [];
  if (overLimit > 0)
    reasons.push(
      `${overLimit} over the limits of ${BAGGAGE_MAX_MEMBERS} members and ${BAGGAGE_MAX_BYTES} bytes (W3C Baggage §3.3.1; the first members that fit are kept, a member that would overflow is skipped whole)`,
    );
  if (bad.length > 0)
    reasons.push(`${bad.length} breaking the baggage grammar key=value (the first: ${shown(bad[0])})`);
  return `baggage: ${members.length - kept} of its ${members.length} members dropped: ${reasons.join("; ")}`;
}

function first(carrier: NormalizedCarrier, key: string): string | undefined {
  const values = carrier.get(key);
  return values ? values[values.length - 1] : undefined;
}

/** Why the Datadog style rejected the carrier (the rules of `DatadogPropagator`), or undefined. */
function datadogReason(carrier: NormalizedCarrier): string | undefined {
  const traceId = first(carrier, X_DATADOG_TRACE_ID);
  if (traceId === undefined)
    return "no usable x-datadog-trace-id (missing, or not a string: see the diagnostics)";
  const low = decimalToHex16(traceId);
  if (low === undefined)
    return `x-datadog-trace-id ${JSON.stringify(traceId)} is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)`;
  if (low === ZERO_HEX16) return "x-datadog-trace-id is 0: the whole Datadog context is invalid";
  const parent = first(carrier, X_DATADOG_PARENT_ID);
  if (parent === undefined)
    return "no usable x-datadog-parent-id (missing, or not a string: see the diagnostics)";
  if (decimalToHex16(parent) === undefined)
    return `x-datadog-parent-id ${JSON.stringify(parent)} is not an unsigned 64-bit decimal`;
  const priority = first(carrier, X_DATADOG_SAMPLING_PRIORITY);
  if (priority !== undefined && parseSamplingPriority(priority) === undefined)
    return `x-datadog-sampling-priority ${JSON.stringify(priority)} is not an integer`;
  return undefined;
}

function traceparentReason(carrier: NormalizedCarrier): string {
  const values = carrier.get("traceparent") ?? [];
  if (values.length > 1 && new Set(values).size > 1) return "several different traceparent values";
  const value = values[0]?.trim() ?? "";
  const parts = value.split("-");
  if (parts.length < 4) return `traceparent ${JSON.stringify(value)} is not version-traceid-parentid-flags`;
  if (parts[0] === "ff") return "traceparent version ff is forbidden";
  if (!/^[0-9a-f]{32}$/.test(parts[1]) || /^0+$/.test(parts[1]))
    return "traceparent trace id is not 32 lowercase hex, not all zero";
  if (!/^[0-9a-f]{16}$/.test(parts[2]) || /^0+$/.test(parts[2]))
    return "traceparent parent id is not 16 lowercase hex, not all zero";
  return `traceparent ${JSON.stringify(value)} rejected by W3C Trace Context`;
}

/** The row is read as it is: the extract behavior of the environment would hide it (restart, ignore). */
const AS_STORED = { extractBehavior: "continue" } as const;

function styleResult(
  style: PropagationStyle,
  carrier: NormalizedCarrier,
  dropped: ReadonlySet<string>,
): InspectReport["styles"][string] {
  const result = styleReading(style, carrier);
  if (result.status !== "absent") return result;
  // Absent because the carrier reader dropped it: said instead of "no ... header".
  const names = {
    datadog: [X_DATADOG_TRACE_ID, X_DATADOG_PARENT_ID],
    tracecontext: ["traceparent"],
    baggage: ["baggage"],
    b3: ["b3"],
    b3multi: ["x-b3-traceid", "x-b3-spanid"],
  }[style].filter((name) => dropped.has(name));
  return names.length
    ? { status: "absent", detail: `${names.join(", ")} ignored by the carrier reader (see the diagnostics)` }
    : result;
}

function styleReading(style: PropagationStyle, carrier: NormalizedCarrier): InspectReport["styles"][string] {
  const ctx = createPropagator([style], AS_STORED).extract(ROOT_CONTEXT, carrier, normalizedCarrierGetter);
  if (style === "baggage") {
    const keys = (propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k]) => k);
    if (keys.length)
      return { status: "valid", detail: `${keys.length} entr${keys.length === 1 ? "y" : "ies"}` };
    return carrier.has("baggage")
      ? { status: "rejected", detail: "no valid baggage entry" }
      : { status: "absent", detail: "no baggage header" };
  }
  const sc = trace.getSpanContext(ctx);
  if (sc && isSpanContextValid(sc))
    return { status: "valid", detail: `trace ${sc.traceId} parent ${sc.spanId}` };
  const root = getRestoredRoot(ctx);
  if (root)
    return { status: "valid", detail: `trace ${root.traceId}, parent id 0 (root span, e.g. Synthetics)` };
  if (style === "datadog") {
    if (!carrier.has(X_DATADOG_TRACE_ID) && !carrier.has(X_DATADOG_PARENT_ID))
      return { status: "absent", detail: "no x-datadog-* ids" };
    return { status: "rejected", detail: datadogReason(carrier) ?? "rejected" };
  }
  if (style === "tracecontext")
    return carrier.has("traceparent")
      ? { status: "rejected", detail: traceparentReason(carrier) }
      : { status: "absent", detail: "no traceparent" };
  const b3 = style === "b3" ? carrier.has("b3") : carrier.has("x-b3-traceid");
  return b3
    ? { status: "rejected", detail: "invalid B3 headers" }
    : { status: "absent", detail: "no B3 headers" };
}

/**
 * What the Datadog style does with an `x-datadog-tags` header that `decodeTagsHeader` reports `error`
 * for (its `_dd.propagation_error` value), in words: the header dropped whole (over the length limit,
 * or a member that breaks the `key=value` grammar) or one tag dropped. The context stays valid.
 */
function describeTagsError(error: string, header: string): string {
  const kept = "; the context itself stays valid";
  if (error === "extract_max_size")
    return (
      `x-datadog-tags dropped whole: ${header.length} characters, over the limit of ${DEFAULT_TAGS_MAX_LENGTH} ` +
      `(DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH; Datadog's tracers drop it whole too, never truncate it)${kept}`
    );
  if (error === "disabled")
    return `x-datadog-tags ignored: DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH is 0 (tag propagation off)${kept}`;
  if (error.startsWith("malformed_tid "))
    return (
      `x-datadog-tags: _dd.p.tid ${JSON.stringify(error.slice("malformed_tid ".length))} is not 16 lower-case ` +
      `hex digits, so it is dropped and the other tags kept${kept}`
    );
  // A bad _dd.p.dm is dropped alone: without it the header decodes cleanly.
  const withoutDm = header
    .split(",")
    .filter((member) => !member.startsWith("_dd.p.dm="))
    .join(",");
  if (withoutDm !== header && decodeTagsHeader(withoutDm, DEFAULT_TAGS_MAX_LENGTH).error === undefined)
    return `x-datadog-tags: _dd.p.dm is not a decision maker (-<digits>), so it is dropped and the other tags kept${kept}`;
  return (
    "x-datadog-tags dropped whole: a member breaks the key=value grammar (an empty key or value, no =, " +
    "a space or a non-ASCII character) " +
    `(docs/conformance.md, "Datadog propagation: where tracehop differs from dd-trace-js")${kept}`
  );
}

/** The extract order `tracehop inspect` uses, where it came from, and what reading it warned. */
export interface ExtractOrder {
  styles: PropagationStyle[];
  /** `default`, `--styles`, or the environment variable it was read from. */
  source: string;
  /** The library's warnings about the variable (an unknown style, no known style): diagnostics. */
  diagnostics: string[];
}

/**
 * The extract order a service started in `env` would use: what `createPropagator()` reads
 * (`DD_TRACE_PROPAGATION_STYLE_EXTRACT`, `DD_TRACE_PROPAGATION_STYLE`, `OTEL_PROPAGATORS`, else the
 * default; `extractStylesFromEnvironment`), with the warnings the library gives about it (its
 * `diag.warn` messages) as diagnostics. A process warning is printed on stderr as well, as in a service.
 */
export function extractOrderFromEnvironment(env: NodeJS.ProcessEnv = process.env): ExtractOrder {
  const warnings: string[] = [];
  const note = (message: string) => warnings.push(message.replace(/^tracehop: /, ""));
  const noop = () => {};
  diag.setLogger({ warn: note, error: note, info: noop, debug: noop, verbose: noop }, DiagLogLevel.WARN);
  let read: ReturnType<typeof extractStylesFromEnvironment>;
  try {
    read = extractStylesFromEnvironment(env);
  } finally {
    diag.disable();
  }
  const source = read.variable ?? "default";
  // The library's messages name the variable only when it names no known style.
  for (const [i, message] of warnings.entries())
    if (read.variable !== undefined && !message.startsWith(read.variable))
      warnings[i] = `${read.variable}: ${message}`;
  if (read.variable !== undefined && read.styles.length === 0 && warnings.length === 0)
    warnings.push(
      `${read.variable}=${JSON.stringify(env[read.variable])}: a service with this setting extracts nothing`,
    );
  return { styles: read.styles, source, diagnostics: warnings };
}

/** Options of {@link inspectCarrier}. */
export interface InspectOptions {
  /** Extract order. Default: the default order (`datadog, tracecontext, baggage`). */
  order?: Pick<ExtractOrder, "styles" | "source">;
  /** What reading the input noted; the report's diagnostics continue it. */
  diagnostics?: string[];
  /** The row holds no carrier at all (why, e.g. {@link NULL_ROW}); `raw` is then `{}`. */
  noCarrier?: string;
}

/**
 * Decodes a stored carrier for an engineer: each style valid or why not, and the context the
 * extract order (`options.order`, default {@link DEFAULT_EXTRACT_STYLES}) restores: trace id in
 * 128-bit hex and Datadog decimal (+ tid), parent id in both, sampling decision and priority, origin,
 * `_dd.p.*` tags, tracestate members, baggage keys, conflict links and `_dd.parent_id`; what the
 * carrier reader and the styles drop for their limits, with the reason, in the diagnostics. Never
 * throws on a carrier object.
 */
export function inspectCarrier(raw: Record<string, unknown>, options: InspectOptions = {}): InspectReport {
  const styles = options.order?.styles ?? DEFAULT_EXTRACT_STYLES;
  const diagnostics = options.diagnostics ?? [];
  const noCarrier = options.noCarrier;
  const carrier = normalizeCarrier(raw);
  const report: InspectReport = {
    valid: false,
    ...(noCarrier !== undefined ? { noCarrier } : {}),
    extractOrder: [...styles],
    extractOrderSource: options.order?.source ?? "default",
    baggageKeys: [],
    styles: {},
    diagnostics,
  };
  const drops = readerDrops(raw);
  diagnostics.push(...drops.notes);
  for (const style of ALL_STYLES) report.styles[style] = styleResult(style, carrier, drops.dropped);
  const tracestate = carrier.get("tracestate")?.join(",");
  const discarded =
    tracestate !== undefined && report.styles.tracecontext.status === "valid"
      ? tracestateDiscarded(tracestate)
      : undefined;
  if (discarded !== undefined)
    diagnostics.push(`tracestate discarded whole: ${discarded}; the traceparent is still used`);
  const baggage = carrier.get("baggage")?.join(",");
  const baggageNote = baggage === undefined ? undefined : baggageDropped(baggage);
  if (baggageNote !== undefined) {
    diagnostics.push(baggageNote);
    report.styles.baggage.detail += " (members dropped: see the diagnostics)";
  }
  const tagsHeader = carrier.get(X_DATADOG_TAGS)?.join(",");
  const decodedTags = decodeTagsHeader(tagsHeader, DEFAULT_TAGS_MAX_LENGTH);
  if (decodedTags.error !== undefined && tagsHeader !== undefined)
    diagnostics.push(describeTagsError(decodedTags.error, tagsHeader));

  const behavior = extractBehaviorFromEnvironment(process.env[ENV_PROPAGATION_BEHAVIOR_EXTRACT]);
  if (behavior !== "continue")
    diagnostics.push(
      `${ENV_PROPAGATION_BEHAVIOR_EXTRACT}=${behavior} here: shown is what the row holds; a service with this setting ${
        behavior === "restart" ? "starts a new trace linked to it" : "ignores it"
      } (docs/migration.md, "Configuration")`,
    );
  // An empty order ("none", or a variable that names no known style) extracts nothing.
  const ctx: Context = createPropagator(styles.length ? [...styles] : "none", AS_STORED).extract(
    ROOT_CONTEXT,
    carrier,
    normalizedCarrierGetter,
  );
  report.baggageKeys = (propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k]) => k);
  const sc = trace.getSpanContext(ctx);
  const root = getRestoredRoot(ctx);
  const traceId = sc && isSpanContextValid(sc) ? sc.traceId : root?.traceId;
  if (traceId === undefined) return report;
  const winner = styles.find((s) => s !== "baggage" && report.styles[s].status === "valid") ?? styles[0];
  const dd = getDatadogContext(ctx);
  const high = traceId.slice(0, 16);
  const flags = sc && isSpanContextValid(sc) ? sc.traceFlags : (root?.traceFlags ?? TraceFlags.NONE);
  report.valid = true;
  report.context = {
    style: winner,
    root: !(sc && isSpanContextValid(sc)),
    traceId,
    datadogTraceId: hex16ToDecimal(traceId.slice(16)),
    ...(high !== ZERO_HEX16 ? { datadogTid: high } : {}),
    ...(sc && isSpanContextValid(sc)
      ? { parentId: sc.spanId, datadogParentId: hex16ToDecimal(sc.spanId) }
      : {}),
    sampled: (flags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    ...(dd?.samplingPriority !== undefined
      ? {
          samplingPriority: dd.samplingPriority,
          samplingPriorityName: PRIORITY_NAMES[String(dd.samplingPriority)] ?? "custom",
        }
      : {}),
    ...(dd?.origin ? { origin: dd.origin } : {}),
    tags: { ...(dd?.propagationTags ?? {}) },
    tracestate: (sc?.traceState?.serialize() ?? "").split(",").filter(Boolean),
    ...(getExtractionAttributes(ctx)["_dd.parent_id"] !== undefined
      ? { lastParentId: dd?.lastParentId }
      : {}),
    links: getExtractionLinks(ctx).map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      style: String(l.attributes?.context_headers),
    })),
  };
  return report;
}

/**
 * The `_dd.parent_id` line of the text report: the id in hex and Datadog decimal, and what it is — the
 * last Datadog span before the W3C parent that tracecontext gave (tracestate `dd=` `p:`), which
 * Datadog's tracers record as `_dd.parent_id` (dd-trace-js `_resolveTraceContextConflicts`); all zeros
 * when the Datadog headers named no parent span (Synthetics).
 */
function describeLastParentId(id: string): string {
  if (id === ZERO_HEX16)
    return `_dd.parent_id=${id}  (the Datadog headers named no parent span, parent id 0; the W3C parent is used)`;
  const decimal = isLowerHex16(id) ? `  ${hex16ToDecimal(id)}  (Datadog decimal)` : "";
  return `_dd.parent_id=${id}  (hex)${decimal}: the last Datadog span before this W3C parent (tracestate dd=p:)`;
}

/** "extract order a, b from SOURCE" (or ", the default") for the first line of a text report. */
function describeOrder(report: InspectReport): string {
  const order = report.extractOrder.length ? report.extractOrder.join(", ") : "none";
  const source = report.extractOrderSource;
  return `extract order ${order}${source === "default" ? ", the default" : ` from ${source}`}`;
}

/** Human-readable rendering of an {@link InspectReport}. */
export function formatReport(report: InspectReport): string {
  const lines: string[] = [];
  const c = report.context;
  if (c) {
    lines.push(`valid context (${describeOrder(report)}; ${c.style} wins)`);
    lines.push(`  trace id     ${c.traceId}  (128-bit hex)`);
    lines.push(
      `               ${c.datadogTraceId}  (Datadog decimal, low 64 bits)${c.datadogTid ? ` + _dd.p.tid=${c.datadogTid}` : ""}`,
    );
    if (c.root) lines.push("  parent id    0: no parent span; a root span keeps this trace id (Synthetics)");
    else lines.push(`  parent id    ${c.parentId}  (hex)  ${c.datadogParentId}  (Datadog decimal)`);
    if (c.lastParentId !== undefined) lines.push(`               ${describeLastParentId(c.lastParentId)}`);
    // Without a priority nothing was decided yet: the sampled flag is the default a Datadog tracer's
    // own sampler replaces, not a keep.
    lines.push(
      c.samplingPriority !== undefined
        ? `  sampling     ${c.sampled ? "sampled (keep)" : "not sampled (drop)"}, priority ${c.samplingPriority} (${c.samplingPriorityName})`
        : `  sampling     ${c.style === "datadog" ? "" : `sampled flag ${c.sampled ? "set" : "not set"}, `}priority not set (the next Datadog tracer's sampler decides)`,
    );
    lines.push(`  origin       ${c.origin ?? "-"}`);
    const tags = Object.entries(c.tags).map(([k, v]) => `${k}=${v}`);
    lines.push(`  tags         ${tags.length ? tags.join(", ") : "-"}`);
    lines.push(`  tracestate   ${c.tracestate.length ? c.tracestate.join("\n               ") : "-"}`);
    for (const link of c.links)
      lines.push(`  link         ${link.traceId}/${link.spanId} (${link.style}, terminated_context)`);
  } else if (report.noCarrier !== undefined) {
    // Nothing to decode: the styles would all say absent.
    lines.push(`no carrier (${report.noCarrier})`);
    for (const d of report.diagnostics) lines.push(`  - ${d}`);
    return lines.join("\n");
  } else {
    lines.push(`no valid context (${describeOrder(report)})`);
  }
  lines.push(`  baggage keys ${report.baggageKeys.length ? report.baggageKeys.join(", ") : "-"}`);
  lines.push("styles:");
  for (const [style, result] of Object.entries(report.styles))
    lines.push(`  ${style.padEnd(13)}${result.status.padEnd(9)}${result.detail}`);
  if (report.diagnostics.length) {
    lines.push("diagnostics:");
    for (const d of report.diagnostics) lines.push(`  - ${d}`);
  }
  return lines.join("\n");
}
