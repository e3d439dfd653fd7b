// The input of `tracehop inspect` parsed into carriers: one JSON value, an array of rows, or one row
// per line (`rowLines`), each row read as withCarrier reads it (`valueRow`); input that is none
// of these is refused with a hint from the client output it resembles (`lineHint` and the other hints).
import { withoutByteOrderMark } from "../carrier/carrier-object.js";
import { TRACE_CONTEXT_FIELD } from "../context/carrier-source.js";
import { hasPropagationHeader, isJsonObject, parseJson } from "./carrier-shape.js";
import { parseJsonExact } from "./exact-json.js";
import {
  clientTableHint,
  columnNameHint,
  columnNamesHint,
  copyLinesHint,
  csvHint,
  cutShortHint,
  jsonAggArraysHint,
  lineHint,
  markupHint,
  mysqlRawHint,
  mysqlRawValuesHint,
  mysqlVerticalHint,
  preambleHint,
  prettyRowsHint,
  prettyValuesHint,
  psqlExpandedBorderHint,
  recordSeparatorHint,
  psqlExpandedHint,
  psqlRowsHint,
  psqlWrappedHint,
  sqliteModeHint,
  unquotedNamesHint,
  valueOverLinesHint,
} from "./input-hints.js";
import {
  bareTraceparentValue,
  isBareTraceparent,
  mysqlReadsOtherwise,
  nullLine,
  readLine,
  rowLines,
  type EscapedLine,
  type LineJson,
  type LineValue,
  type PsqlNullDisplay,
} from "./line-rows.js";
import { valueRow } from "./row-carrier.js";

/** A usage or input error: exit code 2 with this message. */
export class InspectInputError extends Error {}

/** One carrier of the input of `tracehop inspect`, with what reading it noted. */
export interface InspectInput {
  carrier: Record<string, unknown>;
  diagnostics: string[];
  /**
   * Set when the row holds no carrier at all (a NULL column, JSON null, a value that is no carrier: a
   * number, an array, a string that is not a carrier's JSON text; or a whole row whose carrier field
   * holds such a value, or lacks the `--field` named): why, for the report.
   */
  noCarrier?: string;
  /**
   * Set when the carrier was read from a field of the row that `withCarrier(row)` does not read (one
   * found by its content, or named by `--field`): what `withCarrier` must be handed instead, as the
   * diagnostics write it (`row.carrier`, `row.meta.trace`, `JSON.parse(row.payload).traceContext`).
   */
  carrierFrom?: string;
  /**
   * Set when the input was not a carrier but one header's value, read as a carrier of that header alone
   * (a bare traceparent line: {@link BARE_TRACEPARENT_READ}): what it was read as, for the report's first line.
   */
  readAs?: string;
  /**
   * Set when the input was one JSON array read as rows (`--array rows`, the default): this row's place in
   * it, from 1.
   */
  arrayElement?: number;
}

/**
 * How input that is one JSON array (the whole text, or its one line) is read: `rows`, a row per element
 * (what `json_agg` and `sqlite3 -json` print: the default), or `value`, one column's value that is an
 * array (a Json column holding an array), which `withCarrier` and `contextFromCarrier` read no carrier
 * from. The text cannot tell them apart: `psql -At` prints both as the same line.
 */
export type ArrayReading = "rows" | "value";

/** The input of `tracehop inspect`: its carriers, and whether they came as several rows. */
interface InspectInputs {
  rows: boolean;
  carriers: InspectInput[];
  /**
   * Set when the input was one JSON array read as rows (`--array rows`): what the text report says of it
   * first ({@link arrayRowsLine}).
   */
  readNote?: string;
}

/**
 * What input of one empty line is: `psql -t` prints "\n" for a query that returns no rows, and
 * `psql -At` prints the same "\n" for one row whose column is NULL (checked with psql 15: the same one
 * byte), so
 * the text cannot say which: both are said.
 */
const EMPTY_LINE_ROW =
  "an empty line: no rows, or one row whose carrier is NULL (psql -t prints an empty line for a query that returns no rows, " +
  "psql -At for one NULL column; a NULL carrier was written outside a span, or by a service without the extension)";

/**
 * Parses the text given to `tracehop inspect` into the carriers to inspect. The text (a leading byte
 * order mark is skipped, RFC 8259 §8.1) is one of:
 * - line-per-row input, as `psql -At` prints one JSON column over several rows: every line is a row
 *   (see {@link rowLines} for when the text is read so): a JSON object, a JSON string holding an
 *   object's JSON text (how psql prints a jsonb string), `null`, or an empty line (a NULL column; the
 *   final newline ends the last line and is no row; one empty line alone is {@link EMPTY_LINE_ROW});
 *   `psql -t` (aligned) output of one column is read too: a row's leading space is JSON whitespace,
 *   and its final empty line is no row (`psqlAlignedRows`); `mysql --batch` output of one
 *   column is read too: a line `NULL` is a NULL column, and a line that is JSON only once the
 *   client's escapes are undone (`mysqlUnescaped`) is read so, with a diagnostic;
 *   a line that is a traceparent value alone (`bareTraceparentLine`: what
 *   `select "traceContext"->>'traceparent'` prints) is read as the carrier `{"traceparent": <it>}`, with
 *   a diagnostic and `readAs`;
 * - one JSON value: an object is one carrier or one row (`carrierOfValue`);
 * - a JSON array, as `sqlite3 -json` or `psql` with `json_agg` print a query's rows: a row each, in order.
 * A value that holds no carrier (`null`, a number, a string that is not a carrier's JSON text) is a
 * row without a carrier, the same alone, in an array or on a line ({@link valueRow}).
 *
 * `field` (`--field NAME`, or a dotted path `--field payload.traceContext`): the field of a row that holds its
 * carrier (`carrierFieldOf`). `argument`: the text is the command line's argument, not a
 * file or standard input: a traceparent value alone there is one value ({@link bareTraceparentArgument}).
 * `array` (`--array`, {@link ArrayReading}): input that is one JSON array is rows (each report then has
 * `arrayElement`, and `readNote` says so) or one value, a row without a carrier ({@link ARRAY_VALUE}).
 * @throws {@link InspectInputError} for empty text, an empty array, text that is not JSON (nor rows
 *   of it: the message names the first bad line, with a hint for a client's output it resembles).
 */
export function parseInspectInput(
  text: string,
  field?: string,
  argument = false,
  array: ArrayReading = "rows",
): InspectInputs {
  text = withoutByteOrderMark(text);
  const bare = argument ? bareTraceparentArgument(text) : undefined;
  if (bare !== undefined) return { rows: false, carriers: [bareTraceparentRow(bare, field)] };
  const rows = rowLines(text);
  // One line that is JSON as it is is one value (read already), as the text itself.
  const one =
    rows?.lines.length === 1 &&
    rows.first !== undefined &&
    "value" in rows.first.read &&
    !rows.first.read.mysql &&
    !rows.first.read.bytea &&
    !rows.first.read.traceparent
      ? rows.first.read
      : undefined;
  // One empty line: no rows under psql -t, or one NULL row under psql -At (EMPTY_LINE_ROW).
  if (rows !== undefined && rows.lines.length === 1 && rows.lines[0] === "")
    return { rows: false, carriers: [{ carrier: {}, diagnostics: [], noCarrier: EMPTY_LINE_ROW }] };
  if (rows !== undefined && one === undefined) {
    const groups = groupArraysNote(rows.lines, field);
    return {
      rows: rows.lines.length > 1,
      carriers: rows.lines.map((line, index) => {
        // What mysqlOutput parsed of the line, let go once its row is made (not held to the end).
        const escaped = rows.escaped[index];
        rows.escaped[index] = undefined;
        const row = lineRow(
          line,
          index + 1,
          field,
          index === rows.first?.index ? rows.first.read : undefined,
          rows.lines,
          rows.mysql,
          escaped,
          rows.crlf,
          rows.copy,
          rows.sqliteAlike,
          rows.psqlNull,
          rows.unknownClient,
        );
        return groups !== undefined && row.noCarrier === AN_ARRAY ? { ...row, noCarrier: groups } : row;
      }),
    };
  }
  if (text.trim() === "")
    throw new InspectInputError(
      "the input is empty (a query that returns no rows prints nothing); give a JSON object or an array of rows",
    );
  let parsed: unknown;
  try {
    parsed = one !== undefined ? one.value : parseJsonExact(text);
  } catch (err) {
    throw notJsonError(text, (err as Error).message);
  }
  // One value: the row of a query over one row (a JSON null, a number: that row's finding, as on a line).
  if (!Array.isArray(parsed)) {
    const row = valueRow(parsed, one?.text ?? text, field);
    // One line holding a backslash that mysql --batch may have printed escaped: read as printed, said.
    const guessed = one !== undefined && rows?.unknownClient === true && mysqlReadsOtherwise(rows.lines[0]!);
    return { rows: false, carriers: [guessed ? withDiagnostic(row, AS_PRINTED_OR_MYSQL) : row] };
  }
  // --array value: one column's value that is an array, which the library reads no carrier from.
  if (array === "value")
    return { rows: false, carriers: [{ carrier: {}, diagnostics: [], noCarrier: ARRAY_VALUE }] };
  if (parsed.length === 0)
    throw new InspectInputError(
      "the JSON array holds no rows; give at least one row or carrier object (one column's value that is an empty array: --array value reads it as one value)",
    );
  // json_agg over a column: a NULL column is null, a Json column holding a string is that string. A
  // number written in an element is reported with its parsed value, not its digits as written: the
  // input's text could hold the same key in another row. A traceContext field holding JSON text
  // (sqlite3 -json) is its own text, read as for one row.
  const carriers = parsed.map((row: unknown, index): InspectInput => ({
    ...(row === null
      ? { carrier: {}, diagnostics: [], noCarrier: JSON_NULL_ELEMENT }
      : valueRow(row, undefined, field)),
    arrayElement: index + 1,
  }));
  return {
    rows: true,
    carriers,
    readNote: arrayRowsLine(parsed.length, rowsColumns(parsed, carriers, field)),
  };
}

/**
 * The names of the carrier columns of the `elements` of one JSON array (read as `carriers`) when they
 * plainly are rows, else `undefined`: every element is null or an object with no propagation header at
 * its top level (a carrier has them) that holds a carrier column, the field named by `--field` (`field`,
 * or the first step of its path), `traceContext`, or the one field a carrier was read from in some
 * element (`carrierFrom` `row.NAME`: `models: { Outbox: "carrier" }`, whose NULL rows hold the same
 * name), and one element at least is such an object. What `jsonb_agg(t)` and `sqlite3 -json` print of
 * whole rows; a Json column holding an array of rows is no place a carrier is stored or read from.
 */
function rowsColumns(
  elements: readonly unknown[],
  carriers: readonly InspectInput[],
  field: string | undefined,
): string[] | undefined {
  const names = new Set<string>();
  if (field !== undefined) names.add(field).add(field.split(".")[0]!);
  names.add(TRACE_CONTEXT_FIELD);
  for (const carrier of carriers) {
    const from = /^row\.([A-Za-z_$][\w$]*)$/.exec(carrier.carrierFrom ?? "");
    if (from !== null) names.add(from[1]!);
  }
  const held = new Set<string>();
  for (const element of elements) {
    if (element === null) continue;
    if (!isJsonObject(element) || hasPropagationHeader(element)) return undefined;
    const name = [...names].find((candidate) => Object.hasOwn(element, candidate));
    if (name === undefined) return undefined;
    held.add(name);
  }
  return held.size > 0 ? [...held] : undefined;
}

/** What `valueRow` says of a line holding an array. */
const AN_ARRAY = "an array, not a carrier";

/**
 * What a line holding an array is when every line of line-per-row `lines` (several; NULL columns aside)
 * is a JSON array and some element of one is a carrier or a row holding one (an object with a
 * propagation header, the carrier column, `traceContext` or the `--field` named, or a field holding a
 * carrier object): what `psql -At` prints of `json_agg` with `group by`, an array a group, each on one
 * line when its elements are no rows of a composite type (`json_agg("traceContext")`, `jsonb_agg(t)`;
 * checked with psql 15). Still a row without a
 * carrier, as a Json column holding arrays prints the same, and withCarrier reads none from an array;
 * the note gives what to run to read its carriers. `undefined` otherwise.
 */
function groupArraysNote(lines: readonly string[], field: string | undefined): string | undefined {
  const values = lines.filter((line) => nullLine(line) === undefined);
  if (lines.length < 2 || values.length === 0 || !values.every((line) => line.trimStart().startsWith("[")))
    return undefined;
  const column = field?.split(".")[0] ?? TRACE_CONTEXT_FIELD;
  const holds = (element: unknown): boolean =>
    isJsonObject(element) &&
    (hasPropagationHeader(element) ||
      Object.hasOwn(element, column) ||
      Object.values(element).some((value) => isJsonObject(value) && hasPropagationHeader(value)));
  const some = values.some((line) => {
    const read = parseJson(line);
    return "value" in read && Array.isArray(read.value) && read.value.some(holds);
  });
  return some
    ? `${AN_ARRAY} (withCarrier reads none from an array); every line is an array, some holding carriers or rows: ` +
        "if each is one group's json_agg (psql -At prints json_agg with group by a line per group), aggregate once, " +
        "psql -At -c 'select json_agg(t) from ... t' without group by (its rows are read), or print a row a line, " +
        `psql -At -c 'select "${TRACE_CONTEXT_FIELD}" from ...'`
    : undefined;
}

/**
 * The line the text report starts with for one JSON array read as `count` rows: what it read, and how to
 * read it as one value instead (`--array value`), for a Json column holding an array, which the library
 * restores nothing from (`psql -At` prints it as it prints `json_agg`'s rows); when its elements plainly
 * are rows holding the carrier `columns` ({@link rowsColumns}), those, and no other reading.
 */
function arrayRowsLine(count: number, columns: readonly string[] | undefined): string {
  const read = `input: one JSON array, read as ${count} row${count === 1 ? "" : "s"}, a report each (as json_agg and sqlite3 -json print a query's rows`;
  return columns !== undefined
    ? `${read}; its elements are rows, each holding the carrier column ${columns.join(" or ")})`
    : `${read}); if it is one column's value (a Json column holding an array), withCarrier reads no carrier from it: --array value reads it so`;
}

/**
 * What one JSON array read as one value (`--array value`) is: no carrier, as `withCarrier` and
 * `contextFromCarrier` read none from an array (`carrierObject`).
 */
const ARRAY_VALUE =
  "a JSON array, read as one value (--array value): withCarrier and contextFromCarrier read no carrier from an array, " +
  "so a Json column holding it restores nothing; without --array value, its elements are read as rows (json_agg, sqlite3 -json)";

/** What a null element of a JSON array of rows is (`json_agg` over a column with a NULL). */
const JSON_NULL_ELEMENT = "null: a NULL column, or JSON null";

/**
 * The error of `text` that is neither line-per-row text nor JSON (`error`: the parser's message for the
 * whole text), with a hint for the client output it resembles (psql's expanded output, mysql's vertical
 * output, CSV, a client's table; psql output of several columns read from
 * its first rows, {@link psqlRowsHint}, when the first shows no carrier); when it is rows whose first is cut short
 * ({@link firstRowCutShort}), the error names that line, as a later row cut short is named. The hint,
 * what to run, comes first, the parser's message last ({@link hintClause}).
 */
function notJsonError(text: string, error: string): InspectInputError {
  const lines = text.split(/\r?\n/);
  // The first line that is not a NULL column: the first row of line-per-row text.
  const index = lines.findIndex((line) => nullLine(line) === undefined);
  const first = lines[index] ?? "";
  const hint = clientOutputHint(lines) || preambleHint(lines, restHint);
  // Rows whose first is cut short: that line is named, as a later row cut short is.
  if (hint === "" && firstRowCutShort(first, lines)) {
    const read = readLine(first);
    return lineError(first, index + 1, "error" in read ? read.error : error, lines);
  }
  const said =
    hint !== ""
      ? hintClause(hint)
      : hintClause(
          lineHint(first, undefined, lines) || psqlRowsHint(lines),
          unquotedNamesHint(text),
          columnNameHint(lines),
        );
  return new InspectInputError(
    `the carrier is not valid JSON${said}; give a JSON object of header -> value, an array of rows, or one row per line (${error})`,
  );
}

/**
 * The hint for `lines` of a client's output that is no JSON, told by the whole text (its markup, table,
 * records, quoting, names), else "".
 */
function clientOutputHint(lines: readonly string[]): string {
  return (
    recordSeparatorHint(lines) ||
    copyLinesHint(lines) ||
    markupHint(lines) ||
    psqlExpandedBorderHint(lines) ||
    sqliteModeHint(lines) ||
    psqlExpandedHint(lines) ||
    mysqlVerticalHint(lines) ||
    csvHint(lines) ||
    clientTableHint(lines) ||
    psqlWrappedHint(lines) ||
    mysqlRawValuesHint(lines) ||
    prettyValuesHint(lines) ||
    prettyRowsHint(lines) ||
    jsonAggArraysHint(lines) ||
    columnNamesHint(lines)
  );
}

/**
 * The hint for `lines` that follow what a client writes before its output (`preambleHint`): {@link clientOutputHint}, else a column's name first, else the hint of its first row.
 */
function restHint(lines: readonly string[]): string {
  const first = lines.find((line) => nullLine(line) === undefined) ?? "";
  return (
    clientOutputHint(lines) ||
    columnNameHint(lines) ||
    lineHint(first, undefined, lines) ||
    psqlRowsHint(lines)
  );
}

/**
 * The hints of an input error (each written ` (…)`) as the clause that follows what is
 * wrong, before the general advice and the parser's message: `: ` and each hint without its parentheses,
 * joined with `; `; "" when there is none. What to run comes first, the parser's detail last.
 */
function hintClause(...hints: string[]): string {
  const said = hints.filter((hint) => hint !== "").map((hint) => hint.replace(/^ \(([\s\S]*)\)$/, "$1"));
  return said.length === 0 ? "" : `: ${said.join("; ")}`;
}

/**
 * True when `first`, the first line of `lines` that is not a NULL column, is a row cut short (it starts
 * a JSON object or string and ends inside it, {@link cutShortHint}, or holds the escapes of
 * `mysql --batch` and is not JSON with them undone either, {@link mysqlRawHint}) and more lines follow
 * (the final line break's empty line left out): line-per-row text, whose first row is then named by its
 * line. The first line of pretty-printed JSON (`{` or `[` alone) is none.
 */
function firstRowCutShort(first: string, lines: readonly string[]): boolean {
  const rows = lines[lines.length - 1] === "" ? lines.length - 1 : lines.length;
  if (rows < 2 || /^\s*[{[]\s*$/.test(first)) return false;
  return cutShortHint(first) !== "" || mysqlRawHint(first) !== "";
}

/**
 * The error of line `number` of line-per-row text, `line`, that is not JSON (`error`: the parser's
 * message), with a hint from the line or from all the text's `lines` ({@link lineHint}), the hint first
 * and the parser's message last ({@link hintClause}).
 */
function lineError(line: string, number: number, error: string, lines: readonly string[]): InspectInputError {
  const said = hintClause(
    valueOverLinesHint(lines, number - 1) || jsonAggArraysHint(lines) || lineHint(line, lines),
  );
  return new InspectInputError(
    `line ${number} is not valid JSON${said}; with one row per line, every line must be a JSON object, a JSON string holding an object's JSON text, null, or empty or NULL (a NULL column) (${error})`,
  );
}

/**
 * One row of line-per-row input (line `number`, from 1; `read`: the line read already; `escaped`: what
 * `mysqlOutput` parsed of it): a NULL column ({@link nullLine}), `null` a JSON null, an object a
 * carrier or a row (read with its own line's text), a string the JSON text of one (as `withCarrier`
 * reads a Json column holding a string: `carrierObject`), another JSON value a row
 * without a carrier; a line of `mysql --batch` output is read with its escapes undone, with a diagnostic
 * (naming `sqlite3 .nullvalue NULL` too, which prints the same bytes, when `sqliteAlike`); a NULL column
 * said as psql's null display of its own when `psqlNull` (`PsqlNullDisplay`); a line read as printed on a
 * guess, said, when `unknownClient` and the line is JSON with mysql's escapes undone too
 * (`mysqlReadsOtherwise`: {@link AS_PRINTED_OR_MYSQL}).
 * @throws {@link InspectInputError} naming the line when it is none of these (with a hint from the line,
 *   or from all the text's `lines`: {@link prettyRowsHint}).
 */
function lineRow(
  line: string,
  number: number,
  field: string | undefined,
  read: LineJson | undefined,
  lines: readonly string[],
  mysql = false,
  escaped?: EscapedLine,
  crlf = false,
  copy = false,
  sqliteAlike = false,
  psqlNull?: PsqlNullDisplay,
  unknownClient = false,
): InspectInput {
  const noCarrier = nullLine(line, copy, psqlNull);
  if (noCarrier !== undefined) return { carrier: {}, diagnostics: [], noCarrier };
  read ??= readLine(line, mysql, escaped, copy);
  if ("noCarrier" in read) return { carrier: {}, diagnostics: [], noCarrier: read.noCarrier };
  if ("error" in read) throw lineError(line, number, read.error, lines);
  // A carriage return taken off as part of a CR LF line break may be the stored value's own: said.
  if (read.traceparent)
    return crlf
      ? withDiagnostic(bareTraceparentRow(read, field), CR_BEFORE_LINE_FEED)
      : bareTraceparentRow(read, field);
  return valueRow(
    read.value,
    read.text,
    field,
    read.mysql
      ? [read.asIs ? (sqliteAlike ? MYSQL_OR_SQLITE : MYSQL_ESCAPES_AS_IS) : MYSQL_ESCAPES]
      : psqlNull === "jsonb" && line.includes("\\")
        ? [PSQL_JSONB_AS_PRINTED]
        : unknownClient && !read.bytea && mysqlReadsOtherwise(line)
          ? [AS_PRINTED_OR_MYSQL]
          : read.copy
            ? [COPY_ESCAPES]
            : read.bytea
              ? [BYTEA]
              : [],
  );
}

/**
 * The traceparent value alone that the argument `text` is, or `undefined`: an argument is one value, not
 * lines, and its characters are kept for the tracecontext style to judge (a carriage return or a
 * no-break space in it is refused by the style, and said so), but for one final line feed, which ends
 * the row `psql -At` prints (a shell's `$(...)` removes it already). A carriage return before it stays
 * part of the value: one line cannot tell CRLF text (whose line break it would be) from a value that ends
 * with it, and the value is not called valid when it may be refused. Text holding another line feed is
 * read as lines, as before (`rowLines`).
 */
function bareTraceparentArgument(text: string): string | undefined {
  const value = text.endsWith("\n") ? text.slice(0, -1) : text;
  return !value.includes("\n") && isBareTraceparent(value) ? value : undefined;
}

/**
 * The row of a traceparent value alone (`bare`: its text, or the line read as its carrier), read as the
 * carrier `{"traceparent": <it>}`, with its diagnostic and `readAs`.
 */
function bareTraceparentRow(bare: string | LineValue, field: string | undefined): InspectInput {
  const read = typeof bare === "string" ? bareTraceparentValue(bare) : bare;
  return { ...valueRow(read.value, read.text, field, [BARE_TRACEPARENT]), readAs: BARE_TRACEPARENT_READ };
}

/** `row` with `diagnostic` added after its own. */
function withDiagnostic(row: InspectInput, diagnostic: string): InspectInput {
  return { ...row, diagnostics: [...row.diagnostics, diagnostic] };
}

/**
 * The diagnostic of a traceparent line of text whose every line break is CR LF (`textLines`), read without the carriage return before its line feed, as a file saved with Windows line
 * ends (PowerShell's `>`) is read: psql and mysql end a row with a line feed alone, and print a stored
 * value that ends with a carriage return as that value and a line feed, so the text cannot say whether
 * the carriage return is the value's; a restore of such a stored value refuses it (the argument keeps it
 * and is judged so: `bareTraceparentArgument`).
 */
export const CR_BEFORE_LINE_FEED =
  "the line ends with CR LF, read as its line break (the text's every line break is CR LF, as in a file saved with " +
  "Windows line ends); psql and mysql end a row with a line feed alone, and print a stored value that ends with a " +
  "carriage return so: if the carriage return is the stored value's own, a restore refuses this traceparent (it " +
  "breaks the grammar); give the value as the argument, which keeps it, to see that verdict";

/** The diagnostic of a line read with the escapes of `mysql --batch` undone. */
const MYSQL_ESCAPES =
  "the line is JSON once the escapes mysql --batch writes (\\n \\t \\0 \\\\) are undone: read as mysql --batch prints a column (mysql -r, --raw, prints it as stored)";

/**
 * The diagnostic of a line of PostgreSQL's COPY text format read with its escapes undone (`copyOutput`,
 * `copyUnescaped`).
 */
const COPY_ESCAPES =
  "the input is PostgreSQL's COPY text format (a line \\N, its NULL): this line is read with the escapes it writes " +
  "(\\\\ \\n \\r \\t \\b \\f \\v) undone, as the column stores it";

/**
 * The diagnostic of a line of `mysql --batch` output that is JSON as it is too, read with the escapes
 * undone (`mysqlOutput`).
 */
const MYSQL_ESCAPES_AS_IS =
  "the input is mysql --batch output (a line NULL, or a line JSON only with its escapes undone): this line is read with " +
  "the escapes it writes (\\n \\t \\0 \\\\) undone, as the column stores it, not as the JSON it also is as printed (mysql -r, --raw, prints the column as stored)";

/**
 * The diagnostic of a line that is JSON as it is, read with the escapes of `mysql --batch` undone, in
 * output that `sqlite3` list mode with `.nullvalue NULL` prints alike (`mysqlOutput`,
 * `sqliteAlike`): only a line NULL says mysql, and sqlite3 writes a column as stored, so the line as
 * printed may be the column; what to run to tell them apart.
 */
const MYSQL_OR_SQLITE =
  "the input is mysql --batch output, or sqlite3 output with .nullvalue NULL, which print alike here (a line NULL; " +
  "every line holding a backslash is JSON both as printed and with mysql's escapes undone): this line is read as " +
  "mysql --batch prints a column, its escapes (\\n \\t \\0 \\\\) undone; from sqlite3, which prints a column as " +
  "stored, the line as printed is the column: print a NULL column as an empty line, sqlite3 FILE " +
  "'select traceContext from ...' without .nullvalue NULL, and inspect that";

/**
 * The diagnostic of a line holding a backslash in text that prints as `psql -At -P null=NULL` prints a
 * jsonb column (`psqlJsonbLines`: a line NULL, every other line jsonb text), read as printed:
 * psql's unaligned output has no escapes. `mysql --batch` prints a MySQL JSON column alike, every
 * backslash doubled; what to run then.
 */
const PSQL_JSONB_AS_PRINTED =
  "read as psql -At prints a jsonb column (a line NULL, every other line jsonb text), as stored: psql's unaligned output " +
  "has no escapes, so a \\ is JSON's own; if this is mysql --batch output of a MySQL JSON column, which prints alike " +
  "with every backslash doubled, print it as stored with mysql -N -B -r (--raw) and inspect that";

/**
 * The diagnostic of a line holding a backslash that is JSON both as printed and with the escapes of
 * `mysql --batch` undone, in text that tells no client (`unknownClient`): read as printed, as `psql -At`,
 * `sqlite3` and `mysql -r` print a column (as stored); `mysql -N -B` doubles every backslash of a MySQL /
 * MariaDB JSON column, so its line stores another value: what to run then. A line `NULL`, or a line JSON
 * only one way, tells the client, and the line is read so without this.
 */
const AS_PRINTED_OR_MYSQL =
  "read as printed, as psql -At, sqlite3 and mysql -r (--raw) print a column (as stored): the line holds a \\ and is " +
  "JSON also with the escapes mysql --batch writes (\\n \\t \\0 \\\\) undone, a column storing another value, and " +
  "nothing in the input tells which client printed it; if this is mysql --batch output (mysql -N -B, or -N -e piped), " +
  "which doubles every backslash, print the column as stored with mysql -N -B -r (--raw) and inspect that";

/**
 * What a bare traceparent line is read as (`readAs`, on the report's first line): the value
 * `select "traceContext"->>'traceparent' from ...` prints is one header of the carrier, not the carrier.
 */
const BARE_TRACEPARENT_READ = 'a bare traceparent value, read as the carrier {"traceparent": <it>}';

/** The diagnostic of a bare traceparent line: what the report leaves out, and the query for the whole carrier. */
const BARE_TRACEPARENT =
  "the input is a traceparent value alone (as select \"traceContext\"->>'traceparent' prints it), read as a carrier of that header alone: " +
  "the stored carrier's other headers (tracestate, with its dd= member, baggage, x-datadog-*) are not in it, and may change the context restored; " +
  "to inspect the whole carrier, psql -At -c 'select \"traceContext\" from ...', mysql -N -B -e 'select traceContext from ...'";

/** The diagnostic of a line of psql's hex output of a bytea column (`byteaLine`). */
const BYTEA =
  "the line is psql's hex output of a bytea column (\\x…): read as the UTF-8 JSON text its bytes hold (convert_from(column, 'UTF8') selects it as text)";
