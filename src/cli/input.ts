// The input of `tracehop inspect`: the text (an argument, a file, standard input) and the carriers in
// it (a carrier, a row, an array of rows, one row per line as psql -At prints them, JSON text in JSON).
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { carrierObject, withoutByteOrderMark } from "../carrier/carrier-object.js";
import { MAX_CARRIER_TEXT_LENGTH } from "../carrier/trace-carrier.js";
import { isTraceCarrierProvider, TRACE_CONTEXT_FIELD } from "../context/carrier-source.js";
import { X_DATADOG_PARENT_ID, X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { describeField, hasPropagationHeader, isJsonObject, MAX_LISTED } from "./carrier-shape.js";

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
}

/** The input of `tracehop inspect`: its carriers, and whether they came as several rows. */
export interface InspectInputs {
  rows: boolean;
  carriers: InspectInput[];
}

/** What an empty line of line-per-row input is: `psql -At` prints a NULL column so. */
const NULL_ROW = "NULL: written outside a span, or by a service without the extension";
/** What a line `NULL` of line-per-row input is: `mysql --batch` (`-B`, `-N -e`) prints a NULL column so. */
const MYSQL_NULL_ROW =
  "NULL: a NULL column as mysql --batch prints it; written outside a span, or by a service without the extension";
/**
 * What input of one empty line is: `psql -t` prints "\n" for a query that returns no rows, and
 * `psql -At` prints the same "\n" for one row whose column is NULL (checked with psql 15:
 * test/fixtures/inspect-clients/psql-t-no-rows.txt and psql-At-one-null.txt are the same byte), so
 * the text cannot say which: both are said.
 */
const EMPTY_LINE_ROW =
  "an empty line: no rows, or one row whose carrier is NULL (psql -t prints an empty line for a query that returns no rows, " +
  "psql -At for one NULL column; a NULL carrier was written outside a span, or by a service without the extension)";
/** What a line `null` of line-per-row input is (a Json column holding JSON null). */
const JSON_NULL_ROW = "JSON null: the row was written without a carrier";

/**
 * Parses the text given to `tracehop inspect` into the carriers to inspect. The text (a leading byte
 * order mark is skipped, RFC 8259 §8.1) is one of:
 * - line-per-row input, as `psql -At` prints one JSON column over several rows: every line is a row
 *   (see {@link rowLines} for when the text is read so): a JSON object, a JSON string holding an
 *   object's JSON text (how psql prints a jsonb string), `null`, or an empty line (a NULL column; the
 *   final newline ends the last line and is no row; one empty line alone is {@link EMPTY_LINE_ROW});
 *   `psql -t` (aligned) output of one column is read too: a row's leading space is JSON whitespace,
 *   and its final empty line is no row ({@link psqlAlignedRows}); `mysql --batch` output of one
 *   column is read too: a line `NULL` is a NULL column, and a line that is JSON only once the
 *   client's escapes are undone ({@link mysqlUnescaped}) is read so, with a diagnostic;
 * - one JSON value: an object is one carrier or one row (see {@link carrierOfValue});
 * - a JSON array, as `sqlite3 -json` or `psql` with `json_agg` print a query's rows: a row each, in order.
 * A value that holds no carrier (`null`, a number, a string that is not a carrier's JSON text) is a
 * row without a carrier, the same alone, in an array or on a line ({@link valueRow}).
 *
 * `field` (`--field NAME`): the field of a row that holds its carrier (see {@link carrierFieldOf}).
 * @throws {@link InspectInputError} for empty text, an empty array, text that is not JSON (nor rows
 *   of it: the message names the first bad line, with a hint for a client's output it resembles).
 */
export function parseInspectInput(text: string, field?: string): InspectInputs {
  text = withoutByteOrderMark(text);
  const rows = rowLines(text);
  // One line that is JSON as it is is one value (read already), as the text itself.
  const one =
    rows?.lines.length === 1 && rows.first?.read.mysql === false && !rows.first.read.bytea
      ? rows.first.read
      : undefined;
  // One empty line: no rows under psql -t, or one NULL row under psql -At (EMPTY_LINE_ROW).
  if (rows !== undefined && rows.lines.length === 1 && rows.lines[0] === "")
    return { rows: false, carriers: [{ carrier: {}, diagnostics: [], noCarrier: EMPTY_LINE_ROW }] };
  if (rows !== undefined && one === undefined)
    return {
      rows: rows.lines.length > 1,
      carriers: rows.lines.map((line, index) => {
        // What mysqlOutput parsed of the line, let go once its row is made (not held to the end).
        const escaped = rows.escaped[index];
        rows.escaped[index] = undefined;
        return lineRow(
          line,
          index + 1,
          field,
          index === rows.first?.index ? rows.first.read : undefined,
          rows.lines,
          rows.mysql,
          escaped,
        );
      }),
    };
  if (text.trim() === "")
    throw new InspectInputError(
      "the input is empty (a query that returns no rows prints nothing); give a JSON object or an array of rows",
    );
  let parsed: unknown;
  try {
    parsed = one !== undefined ? one.value : JSON.parse(text);
  } catch (err) {
    const lines = text.split(/\r?\n/);
    // The first line that is not a NULL column: the first row of line-per-row text.
    const first = lines.find((line) => nullLine(line) === undefined) ?? "";
    const table = clientTableHint(lines);
    throw new InspectInputError(
      `the carrier is not valid JSON (${(err as Error).message}); give a JSON object of header -> value, an array of rows, or one row per line${table || psqlWrappedHint(lines) || prettyValuesHint(lines) || prettyRowsHint(lines) || columnNamesHint(lines) || lineHint(first) + unquotedNamesHint(text) + columnNameHint(lines)}`,
    );
  }
  // One value: the row of a query over one row (a JSON null, a number: that row's finding, as on a line).
  if (!Array.isArray(parsed)) return { rows: false, carriers: [valueRow(parsed, one?.text ?? text, field)] };
  if (parsed.length === 0)
    throw new InspectInputError("the JSON array holds no rows; give at least one row or carrier object");
  // json_agg over a column: a NULL column is null, a Json column holding a string is that string. A
  // number written in an element is reported with its parsed value, not its digits as written: the
  // input's text could hold the same key in another row. A traceContext field holding JSON text
  // (sqlite3 -json) is its own text, read as for one row.
  const carriers = parsed.map((row: unknown): InspectInput =>
    row === null
      ? { carrier: {}, diagnostics: [], noCarrier: JSON_NULL_ELEMENT }
      : valueRow(row, undefined, field),
  );
  return { rows: true, carriers };
}

/** What a null element of a JSON array of rows is (`json_agg` over a column with a NULL). */
const JSON_NULL_ELEMENT = "null: a NULL column, or JSON null";

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

/** Line-per-row text: its lines, and the first line that is not a NULL column read as JSON (read once). */
interface RowLines {
  lines: string[];
  /** Whether the lines are `mysql --batch` output, each read with its escapes undone ({@link mysqlOutput}). */
  mysql: boolean;
  /** When they are, what {@link mysqlOutput} parsed of each line holding a backslash, by index. */
  escaped: (EscapedLine | undefined)[];
  /** The index of the first line that is not a NULL column, and that line read ({@link readLine}). */
  first?: { index: number; read: LineValue };
}

/**
 * The rows of line-per-row text, or `undefined` when the text is blank or its first line that is not
 * a NULL column is no JSON value (pretty-printed JSON: its first line `{` is none). Line-per-row:
 * every line is a NULL column (blank, or `NULL`: `psql -At` of one NULL column prints "\n",
 * `mysql --batch` "NULL\n"; text without a line break is so only when it is `NULL`), or the first
 * other line is a complete JSON value, as it is or with the escapes of `mysql --batch` undone
 * ({@link mysqlUnescaped}: one line of its output, with or without its line break, is a row). One
 * line that is JSON as it is, is the text's one JSON value (an object, or an array of rows): the
 * caller reads it so, without parsing it again. The final line break ends the last line; it starts
 * no row.
 */
function rowLines(text: string): RowLines | undefined {
  if (!text.includes("\n")) {
    if (text.trim() === "") return undefined;
    if (nullLine(text) !== undefined) return { lines: [text], mysql: false, escaped: [] };
  }
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  if (psqlAlignedRows(lines)) lines.pop();
  const index = lines.findIndex((line) => nullLine(line) === undefined);
  if (index < 0) return { lines, mysql: false, escaped: [] };
  const { mysql, escaped } = mysqlOutput(lines);
  const read = readLine(lines[index]!, mysql, escaped[index]);
  return "value" in read ? { lines, mysql, escaped, first: { index, read } } : undefined;
}

/**
 * Whether line-per-row `lines` are `mysql --batch` output (`mysql -N -B`), whose every line is then read
 * with the client's escapes undone before it is parsed ({@link readLine}), a line that is JSON as it is
 * too (`{"tracestate":"a=b\\tc"}` is the column `{"tracestate":"a=b\tc"}`, a tab in the value): a line
 * is `NULL` (how the client prints a NULL column; `psql -At` prints an empty line), or a line is JSON
 * only with the escapes undone (a pretty-printed column, a JSON string); and no line holds a backslash
 * that starts none of its escapes (the client writes a value's every backslash as `\\`, so a line
 * holding `\"` or `\u` is another client's JSON, read as it is), and no line is JSON as it is but not
 * with the escapes undone (`mysql -r`, --raw, output: `{"a":"b\tc"}`, a JSON escape the column stores).
 * Output of one line without `NULL` that is JSON as it is cannot be told from `psql -At`'s: it is read as
 * it is. `escaped`: when they are, each line holding a backslash as it was parsed here (by index), for
 * {@link readLine}, so that no line is parsed twice the same way; empty when they are not.
 */
function mysqlOutput(lines: readonly string[]): { mysql: boolean; escaped: (EscapedLine | undefined)[] } {
  const no = { mysql: false, escaped: [] };
  let mysql = false;
  const escaped: (EscapedLine | undefined)[] = [];
  for (const [index, line] of lines.entries()) {
    if (line === "NULL") mysql = true;
    else if (line.includes("\\")) {
      const unescaped = mysqlUnescaped(line);
      if (unescaped === undefined) return no;
      const read: EscapedLine = { asIs: isJson(line), undone: parseJson(unescaped) };
      const undone = "value" in read.undone;
      // JSON only as printed: `mysql -r` (--raw) output, which writes a value as stored.
      if (read.asIs && !undone) return no;
      mysql ||= undone && !read.asIs;
      escaped[index] = read;
    }
  }
  return mysql ? { mysql, escaped } : no;
}

/**
 * A line of `mysql --batch` output holding a backslash, as {@link mysqlOutput} parsed it: with the
 * escapes undone (`undone`: its value, or the parser's error), and whether it is JSON as it is (`asIs`).
 */
interface EscapedLine {
  undone: { value: unknown } | { error: string };
  asIs: boolean;
}

/** `text` parsed as JSON: its value, or the parser's error. */
function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * Whether `lines` (the final line break's empty line left out already) are what `psql -t` prints in
 * its default aligned format for one column: every row's line starts with a space (a value ` {…}`, a
 * NULL column ` `), and the table ends with an empty line, which is no row (psql's empty footer line).
 * `psql -At` (unaligned) writes a value with no leading space and a NULL column as an empty line, the
 * last row too (`{…}\n\n` is a row and a NULL row): its lines start with no space, so its empty lines
 * stay NULL columns. Checked with psql 15 (test/fixtures/inspect-clients/psql-t*.txt).
 */
function psqlAlignedRows(lines: string[]): boolean {
  return (
    lines.length > 1 &&
    lines[lines.length - 1] === "" &&
    lines.slice(0, -1).every((line) => line.startsWith(" "))
  );
}

/**
 * Why a line of line-per-row input is a NULL column, or `undefined` when it is not one: empty or
 * blank ({@link NULL_ROW}, `psql -At`), or `NULL` ({@link MYSQL_NULL_ROW}, `mysql --batch`).
 */
function nullLine(line: string): string | undefined {
  return line.trim() === "" ? NULL_ROW : line === "NULL" ? MYSQL_NULL_ROW : undefined;
}

/**
 * A line read as JSON: its `value`, and the `text` it was read from (the line, or the line with the
 * escapes of `mysql --batch` undone: `mysql`); or, when it is neither, the parser's `error` for the
 * line as it is.
 */
type LineJson = LineValue | { error: string };
/** A line read as JSON ({@link LineJson}). */
type LineValue = { value: unknown; text: string; mysql: boolean; asIs?: boolean; bytea?: true };

/**
 * `line` read as JSON as it is, else with the escapes of `mysql --batch` undone ({@link mysqlUnescaped});
 * a line of `mysql --batch` output (`mysql`, {@link mysqlOutput}) with its escapes undone first (`asIs`:
 * the line was JSON as it is too, read otherwise so), taking what `mysqlOutput` parsed of it
 * (`escaped`) instead of parsing it again.
 */
function readLine(line: string, mysql = false, escaped?: EscapedLine): LineJson {
  const unescaped = mysql ? mysqlUnescaped(line) : undefined;
  if (unescaped !== undefined) {
    const undone = escaped?.undone ?? parseJson(unescaped);
    if (!("value" in undone)) return undone;
    return { value: undone.value, text: unescaped, mysql: true, asIs: escaped?.asIs ?? isJson(line) };
  }
  try {
    return { value: JSON.parse(line) as unknown, text: line, mysql: false };
  } catch (err) {
    const unescaped = mysqlUnescaped(line);
    if (unescaped !== undefined)
      try {
        return { value: JSON.parse(unescaped) as unknown, text: unescaped, mysql: true };
      } catch {
        // Not JSON either way: the line's own error is said.
      }
    // psql's hex output of a bytea column holding the carrier's UTF-8 JSON text.
    const decoded = byteaText(line);
    if (decoded !== undefined)
      try {
        return { value: JSON.parse(decoded) as unknown, text: decoded, mysql: false, bytea: true };
      } catch {
        // Bytes that are not JSON: the line's own error is said (byteaHint).
      }
    return { error: (err as Error).message };
  }
}

/** The characters `mysql --batch` writes escaped in a column's value, by the letter after the backslash. */
const MYSQL_BATCH_ESCAPES = new Map([
  ["\\", "\\"],
  ["n", "\n"],
  ["t", "\t"],
  ["0", "\0"],
]);

/**
 * `line` with the escapes `mysql --batch` writes in a column's value undone, in one pass from the left
 * (`\\n` is a backslash and an n): `\\` a backslash, `\n` a line feed, `\t` a tab, `\0` NUL; a carriage
 * return is written as it is. Its client writes every other character as it is (MySQL 8.0 Reference
 * Manual, 6.5.1.1 mysql Client Options, `--batch` and `--raw`; `safe_put_field` in client/mysql.cc of
 * MySQL and MariaDB; checked with the MariaDB 10.11 client). So a pretty-printed JSON column prints as
 * one line, `{\n  "traceparent": …\n}`, and a JSON column holding a JSON string as
 * `"{\\"traceparent\\": …}"`: neither is JSON as printed. `undefined` when the line holds no backslash,
 * or one that starts none of these (no output of `mysql --batch`).
 */
function mysqlUnescaped(line: string): string | undefined {
  if (!line.includes("\\")) return undefined;
  let escapes = true;
  const text = line.replace(/\\(.?)/g, (_, letter: string) => {
    const character = MYSQL_BATCH_ESCAPES.get(letter);
    if (character === undefined) escapes = false;
    return character ?? "";
  });
  return escapes ? text : undefined;
}

/**
 * One row of line-per-row input (line `number`, from 1; `read`: the line read already; `escaped`: what
 * {@link mysqlOutput} parsed of it): a NULL column ({@link nullLine}), `null` a JSON null, an object a
 * carrier or a row (read with its own line's text), a string the JSON text of one (as `withCarrier`
 * reads a Json column holding a string, {@link carrierObject}), another JSON value a row without a
 * carrier; a line of `mysql --batch` output is read with its escapes undone, with a diagnostic.
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
): InspectInput {
  const noCarrier = nullLine(line);
  if (noCarrier !== undefined) return { carrier: {}, diagnostics: [], noCarrier };
  read ??= readLine(line, mysql, escaped);
  if (!("value" in read))
    throw new InspectInputError(
      `line ${number} is not valid JSON (${read.error}); with one row per line, every line must be a JSON object, a JSON string holding an object's JSON text, null, or empty or NULL (a NULL column)${lineHint(line, lines)}`,
    );
  return valueRow(
    read.value,
    read.text,
    field,
    read.mysql ? [read.asIs ? MYSQL_ESCAPES_AS_IS : MYSQL_ESCAPES] : read.bytea ? [BYTEA] : [],
  );
}

/**
 * The row of one JSON value a column can hold (`text`: its JSON text, for the digits of its numbers):
 * an object is a carrier or a row ({@link carrierOfValue}), a string the JSON text of one
 * ({@link jsonTextRow}); `null`, and any other value, a row without a carrier, its own finding (the
 * other rows are still reported). The same in every shape of input: one value, an element of an
 * array, a line. `diagnostics`: what reading the value noted before.
 */
function valueRow(
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
 * A hint for a line that is not JSON, with the escapes of `mysql --batch` undone either, but whose
 * every backslash starts one (`\n`, `\t`, `\0`, `\\`), as in that client's output, else "": a value
 * that is no JSON text, or a line cut short.
 */
function mysqlRawHint(line: string): string {
  return mysqlUnescaped(line) !== undefined
    ? " (it holds the escapes mysql --batch writes, \\n \\t \\0 \\\\, and is not JSON with them undone either: mysql -r (--raw) prints the column as stored)"
    : "";
}

// The hints' example queries name the carrier column as the input names it, when it does (a line of
// column names first: columnNamesHint), else as a user of this project's schema types it:
// `traceContext` (prisma/schema.prisma, and its migrations). PostgreSQL folds an unquoted name to lower
// case, so there it is "traceContext" (any name the client printed is quoted so: it is the name as
// stored), and the query is in single quotes for the shell; MySQL and MariaDB column names are not
// case-sensitive, so it is plain there. The table is left as `...`.

/**
 * The hint for a line of input that is not JSON: a client's output of several columns
 * ({@link psqlColumnsHint}, {@link mysqlColumnsHint}), else a value still escaped by `mysql --batch`
 * ({@link mysqlRawHint}), else a bytea column's hex ({@link byteaHint}), else whole rows over several
 * lines when the text's `lines` are given ({@link prettyRowsHint}), else a line cut short
 * ({@link cutShortHint}), else "".
 */
function lineHint(line: string, lines?: readonly string[]): string {
  return (
    psqlColumnsHint(line) ||
    mysqlColumnsHint(line) ||
    mysqlRawHint(line) ||
    byteaHint(line) ||
    (lines === undefined ? "" : prettyRowsHint(lines)) ||
    cutShortHint(line)
  );
}

/**
 * A hint for a line that starts a JSON object or string but ends inside one (an unterminated string,
 * the end of the input where a value or `}` was expected), else "": a carrier cut short by a column
 * too narrow for it (`varchar(255)`) or by a client's width limit.
 */
function cutShortHint(line: string): string {
  const text = line.trim();
  if (!/^[{"]/.test(text)) return "";
  try {
    JSON.parse(text);
    return "";
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    return /Unterminated string|Unexpected end of JSON input/.test(message) ||
      (at !== null && Number(at[1]) >= text.length)
      ? " (it looks cut short, ending inside a string or an object: check the carrier column's type or length; a varchar(255), or a client's width limit, cuts a carrier)"
      : "";
  }
}

/** PostgreSQL's hex output of a `bytea` column: `\x` and pairs of hex digits. */
const BYTEA_HEX = /^\\x(?:[0-9a-fA-F]{2})+$/;

/**
 * The text of `line` when it is PostgreSQL's hex output of a `bytea` column (`\x7b22…`, what `psql -At`
 * prints for a carrier stored as bytes): its bytes decoded as UTF-8; `undefined` when it is not that,
 * or its bytes are not UTF-8.
 */
function byteaText(line: string): string | undefined {
  if (!BYTEA_HEX.test(line)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(line.slice(2), "hex"));
  } catch {
    return undefined;
  }
}

/** A hint for PostgreSQL's hex output of a `bytea` column that is not UTF-8 JSON text, else "". */
function byteaHint(line: string): string {
  return BYTEA_HEX.test(line)
    ? ` (it looks like psql's hex output of a bytea column, and is not UTF-8 JSON text decoded either: select the carrier as text, psql -At -c '${shellSingle(`select convert_from("traceContext", 'UTF8') from ...`)}')`
    : "";
}

/**
 * A hint for a line that reads like psql output of several columns (psql separates columns with `|`),
 * the JSON value in any column: `42|{"traceparent":…}` or `{"traceparent":…}|42` as `psql -At` prints
 * them, `  42 | {"traceparent":…}` as `psql -t` (aligned, each row's line starting with a space) prints
 * it; else "". A JSON value at the start of the line must end right before a `|` (`…}|42`), so that a
 * broken JSON text with a `|` inside a string is not taken for columns.
 */
function psqlColumnsHint(line: string): string {
  const valueAfterSeparator = /\|\s*[{"]/.test(line);
  const valueBeforeSeparator = /^\s*[{"]/.test(line) && /[}"]\s*\|/.test(line);
  if (!valueAfterSeparator && !valueBeforeSeparator) return "";
  const how = line.startsWith(" ") ? "psql -t output (aligned)" : "psql -At output";
  return ` (it looks like ${how} of several columns, separated by "|": ${psqlOneColumn()})`;
}

/**
 * What to run instead of psql output of several columns: `column` is the carrier column's name when the
 * input gives it ({@link columnNamesHint}), else `traceContext`; `null` when the input names the columns
 * but no row shows which holds the carrier (all NULL): the query's generic form then. Any name is put in
 * double quotes, its double quotes doubled (PostgreSQL's quoted identifier), inside the shell's single
 * quotes.
 */
function psqlOneColumn(column: string | null = TRACE_CONTEXT_FIELD): string {
  const name = column === null ? "<carrier column>" : shellSingle(`"${column.replace(/"/g, '""')}"`);
  return `select the carrier column alone, psql -At -c 'select ${name} from ...', or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t'`;
}

/**
 * What to run instead of `mysql --batch` output of several columns: `column` is the carrier column's
 * name and `names` every column's, when the input gives them ({@link columnNamesHint}); else
 * `traceContext` beside an `id`; `null` when the input names the columns but no row shows which holds
 * the carrier (all NULL): the query's generic form then. A name other than a plain one (letters, digits,
 * `_`, `$`) is put in backticks, its backticks doubled (MySQL's quoted identifier), and escaped for the
 * shell's quotes around the query.
 */
function mysqlOneColumn(
  column: string | null = TRACE_CONTEXT_FIELD,
  names: readonly string[] = ["id", TRACE_CONTEXT_FIELD],
): string {
  const identifier = (name: string): string =>
    /^[A-Za-z_][\w$]*$/.test(name) ? name : `\`${name.replace(/`/g, "``")}\``;
  const pairs = names
    .map((name) => shellDouble(`'${name.replace(/'/g, "''")}', ${identifier(name)}`))
    .join(", ");
  const name = column === null ? "<carrier column>" : shellSingle(identifier(column));
  return `select the carrier column alone, mysql -N -B -e 'select ${name} from ...', or whole rows as JSON, mysql -N -B -e "select json_object(${pairs}) from ..."`;
}

/** `text` written inside a POSIX shell's single quotes: each `'` as `'\''`. */
function shellSingle(text: string): string {
  return text.replace(/'/g, "'\\''");
}

/** `text` written inside a POSIX shell's double quotes: `$`, `` ` ``, `"` and `\` after a backslash. */
function shellDouble(text: string): string {
  return text.replace(/[$`"\\]/g, "\\$&");
}

/**
 * True when `field`, a column's value in a client's output, is a JSON object or string, as it is or
 * with the escapes of `mysql --batch` undone ({@link readLine}): what a carrier column prints.
 */
function carrierText(field: string): boolean {
  const read = readLine(field);
  return "value" in read && (typeof read.value === "string" || isJsonObject(read.value));
}

/**
 * A hint for a line that reads like `mysql --batch` output of several columns (`7\t{"traceparent":…}`:
 * the client separates columns with a tab and writes a tab inside a value as `\t`, so a tab in its
 * output is always a separator), else "": the line has a tab, and a field is `NULL` (a NULL column)
 * or a JSON object or string, as it is or with the client's escapes undone ({@link readLine}).
 */
function mysqlColumnsHint(line: string): string {
  const fields = line.split("\t");
  return fields.length > 1 && fields.some((field) => field === "NULL" || carrierText(field))
    ? ` (it looks like mysql --batch output of several columns, separated by tabs: ${mysqlOneColumn()})`
    : "";
}

/**
 * A hint for psql's aligned output of a value over several lines (what `psql -t` prints for
 * pretty-printed JSON: each row's line starts with a space, and every line of a value but its last
 * ends with ` +`), else "". `lines`: the text's lines.
 */
function psqlWrappedHint(lines: readonly string[]): string {
  return lines.some((line) => /^ .*\+$/.test(line)) &&
    lines.every((line) => line === "" || line.startsWith(" "))
    ? ` (it looks like psql's aligned output of a value over several lines, each but its last ending with "+": print the rows unaligned, one per line, psql -At -c 'select "traceContext"::jsonb from ...' (-A unaligned, -t rows only; jsonb prints on one line))`
    : "";
}

/**
 * A hint for several pretty-printed JSON values one after another, else "": what `psql -At` prints for
 * a `json` column (not `jsonb`) that holds pretty-printed text, over more than one row (it prints a
 * json value's text as stored, line breaks and all; a NULL row is an empty line between them), and what
 * `jq` prints without `-c`. Told by its first line that is not empty (a NULL row), `{` or `[` alone,
 * the first line after it that is `}` or `]` alone ending a JSON value there, and the next line that
 * is not empty starting another object or array. `jsonb` prints on one line, and so does `to_jsonb(t)`
 * of a whole row; `row_to_json(t)` keeps a json column's text as stored, line breaks and all (psql 15:
 * test/fixtures/inspect-clients/psql-At-json-pretty.txt). `lines`: the text's lines.
 */
function prettyValuesHint(lines: readonly string[]): string {
  // Empty lines before it are NULL rows.
  const start = lines.findIndex((line) => line.trim() !== "");
  const open = lines[start]?.trimEnd();
  if (open !== "{" && open !== "[") return "";
  const close = open === "{" ? "}" : "]";
  const end = lines.findIndex((line, index) => index > start && line.trimEnd() === close);
  if (end < 0) return "";
  const next = lines.slice(end + 1).find((line) => line.trim() !== "");
  if (next === undefined || !/^\s*[{[]/.test(next)) return "";
  try {
    JSON.parse(lines.slice(start, end + 1).join("\n"));
  } catch {
    return "";
  }
  return ` (it looks like several JSON values one after another, each over several lines, as psql -At prints a json column holding pretty-printed text: print one row per line, psql -At -c 'select "traceContext"::jsonb from ...' (jsonb prints on one line), or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t')`;
}

/**
 * A hint for whole rows as JSON, each over several lines, else "": what `psql -At` prints for
 * `row_to_json(t)` over rows whose `json` column holds pretty-printed text (the column's text as
 * stored, line breaks and all: `{"id":1,"pretty":{`, its lines, `}}`; a NULL one is `{"id":2,"pretty":null}`;
 * psql 15: test/fixtures/inspect-clients/psql-At-row_to_json-pretty.txt). Told by its first line that
 * is not empty and one more starting a JSON object with a name (`{"`), one of them ending in a field
 * whose object or array goes on over the next lines: that field's name is the column's, used in the
 * hint's query when it is a plain name (else `traceContext`). `lines`: the text's lines.
 */
function prettyRowsHint(lines: readonly string[]): string {
  const first = lines.find((line) => line.trim() !== "");
  const rows = lines.filter((line) => line.startsWith('{"'));
  if (first === undefined || !first.startsWith('{"') || rows.length < 2) return "";
  const open = rows
    .map((row) => /"([A-Za-z_][\w$]*)"\s*:\s*[{[]$/.exec(row.trimEnd())?.[1])
    .find((name) => name !== undefined);
  if (open === undefined) return "";
  return ` (it looks like whole rows as JSON, each over several lines, as psql -At prints row_to_json(t) of a json column holding pretty-printed text, here ${open}: print one row per line, psql -At -c 'select to_jsonb(t) from ... t' (jsonb prints on one line), or the carrier column alone, psql -At -c 'select "${open}"::jsonb from ...')`;
}

/**
 * A hint for a table a database client prints for a person, else "": psql's aligned output (a header,
 * a line of dashes, `---+---` between columns, the rows indented, a `(N rows)` footer: what plain
 * `psql -c "select ..."` prints) or mysql's table (`+----+` borders: `mysql -t`, or its prompt).
 * `lines`: the text's lines.
 */
function clientTableHint(lines: readonly string[]): string {
  const [first, second] = lines;
  if (second !== undefined && /^-+(?:\+-+)*$/.test(second))
    return ` (it looks like psql's aligned output, a header, a line of dashes, the rows and a (N rows) footer: print the rows alone, psql -At -c "select ..." (-A unaligned, -t rows only; -X -A -t also skips psqlrc))`;
  if (first !== undefined && /^\+-+(?:\+-+)*\+$/.test(first.trim()))
    return ` (it looks like mysql's table output, in +----+ borders: print the rows alone, mysql -N -B -e "select ..." (-N no column names, -B batch))`;
  return "";
}

/**
 * A hint for line-per-row text whose first line is a column's name (`traceContext`, then a row per
 * line): what `mysql -B -e` prints, and `psql -A` without `-t`; else "". `lines`: the text's lines.
 */
function columnNameHint(lines: readonly string[]): string {
  const [first, second] = lines;
  return first !== undefined &&
    second !== undefined &&
    /^[A-Za-z_][\w$]*$/.test(first.trim()) &&
    (nullLine(second) !== undefined || "value" in readLine(second))
    ? ` (its first line, ${first.trim()}, looks like a column name: leave it out, mysql -N (--skip-column-names), psql -At (--no-align --tuples-only))`
    : "";
}

/**
 * A hint for output of several columns that starts with a line of their names, else "": what
 * `mysql -B -e` prints (`id<TAB>traceContext`, then a row per line, columns separated by tabs) and
 * `psql -A` without `-t` (`id|traceContext`, the rows, a `(N rows)` footer; `psql -A -F $'\t'` the same
 * separated by tabs): the first line is two or more names separated so ({@link columnName}: any name the
 * clients print, spaces and non-ASCII letters too), and one of the next lines reads as a row of such
 * columns ({@link mysqlColumnsHint}, {@link psqlColumnsHint}: the first row may be NULL), or psql's
 * footer follows rows of as many columns at least (every carrier NULL: psql prints an empty field).
 * The footer tells psql's output from mysql's, whatever the separator. Checked with the MariaDB 10.11
 * and psql 15 clients (test/fixtures/inspect-clients/mysql-B-columns*.txt, psql-A-columns*.txt,
 * psql-A-F-tab-columns.txt). The queries it suggests name the carrier column as the first line does
 * ({@link carrierColumn}). `lines`: the text's lines.
 */
function columnNamesHint(lines: readonly string[]): string {
  const [first, ...rest] = lines;
  if (first === undefined) return "";
  // psql's footer, `(N rows)` (`(1 row)`), after the rows: the last line that is not empty.
  const last = rest.findLastIndex((line) => line.trim() !== "");
  const footer = /^\((\d+) rows?\)$/.exec(rest[last] ?? "");
  const psql = footer !== null;
  for (const separator of ["\t", "|"] as const) {
    const names = first.split(separator).map((name) => name.trim());
    if (names.length < 2 || !names.every(columnName)) continue;
    const body = psql ? rest.slice(0, last) : rest;
    const rows = body.slice(0, 5);
    // A row of such columns (psql -A -F $'\t' read as psql -At with its tabs for "|").
    const hinted = rows.some((row) =>
      separator === "|"
        ? psqlColumnsHint(row) !== ""
        : psql
          ? psqlColumnsHint(row.replace(/\t/g, "|")) !== ""
          : mysqlColumnsHint(row) !== "",
    );
    // Rows all NULL: as many rows as the footer counts, each of the header's columns (more: a separator
    // inside a value).
    const counted =
      psql &&
      body.length > 0 &&
      Number(footer[1]) === body.length &&
      body.every((row) => row.split(separator).length >= names.length);
    if (!hinted && !counted) continue;
    const column = carrierColumn(names, rows, separator);
    const client = psql ? "psql -A output" : "mysql --batch output";
    const fix = psql ? psqlOneColumn(column) : mysqlOneColumn(column, names);
    return ` (it looks like ${client} of several columns, separated by ${separator === "|" ? '"|"' : "tabs"}, with their names on its first line (${names.join(", ")}): ${fix})`;
  }
  return "";
}

/**
 * True when `text`, a field of a first line, can be a column's name as psql and mysql print it (any
 * name: spaces, non-ASCII letters), not a row's value: not empty, not `NULL` (mysql's NULL column), not
 * JSON text (a number, a JSON object or string, as it is or with the escapes of `mysql --batch` undone).
 */
function columnName(text: string): boolean {
  return text !== "" && text !== "NULL" && !isJson(text) && !carrierText(text);
}

/** The most separators inside a row's values for which {@link carrierColumn} looks for the carrier's run. */
const MAX_SEPARATORS_IN_VALUES = 8;

/**
 * The name, of `names`, of the column whose value is a JSON object or string ({@link carrierText}) in
 * the first of `rows` (lines of columns separated by `separator`) that has one. A row with more fields
 * than `names` holds the separator inside values (psql writes a `|` in a value as it is: `k=a|b` in a
 * carrier's baggage, or a text column `a|b`): each column is then tried over each run of fields it could
 * span, the other columns taking the rest, so the carrier's JSON value is found where it starts and ends.
 * Else `traceContext` when it is one of `names`, else `null` (no row shows it: every carrier NULL).
 */
function carrierColumn(names: readonly string[], rows: readonly string[], separator: string): string | null {
  for (const row of rows) {
    const fields = row.split(separator);
    const extra = fields.length - names.length;
    // The runs tried grow with the square of the separators inside values, each read whole: a row with
    // more than a few is skipped, so that a long line of them (a value full of `|`) stays cheap.
    if (extra < 0 || extra > MAX_SEPARATORS_IN_VALUES) continue;
    for (let column = 0; column < names.length; column++)
      // The column's fields start at `start` (the columns before it take at least one each) and span
      // `1 + more` fields (the columns after it take at least one each).
      for (let start = column; start <= column + extra; start++)
        for (let more = 0; start + more <= column + extra; more++)
          if (carrierText(fields.slice(start, start + more + 1).join(separator))) return names[column]!;
  }
  return names.includes(TRACE_CONTEXT_FIELD) ? TRACE_CONTEXT_FIELD : null;
}

/**
 * A hint for text that starts like a JSON object whose names lost their double quotes
 * (`{traceparent:00-…}`: what a shell passes for JSON text that was not put in single quotes), else "".
 */
function unquotedNamesHint(text: string): string {
  return /^\s*\{\s*[A-Za-z_][\w.-]*\s*:/.test(text)
    ? ` (its names and values have no double quotes: on a command line, put the JSON text in single quotes, tracehop inspect '{"traceparent":"…"}', or the shell removes them)`
    : "";
}

/** The diagnostic of a line read with the escapes of `mysql --batch` undone. */
const MYSQL_ESCAPES =
  "the line is JSON once the escapes mysql --batch writes (\\n \\t \\0 \\\\) are undone: read as mysql --batch prints a column (mysql -r, --raw, prints it as stored)";

/**
 * The diagnostic of a line of `mysql --batch` output that is JSON as it is too, read with the escapes
 * undone ({@link mysqlOutput}).
 */
const MYSQL_ESCAPES_AS_IS =
  "the input is mysql --batch output (a line NULL, or a line JSON only with its escapes undone): this line is read with " +
  "the escapes it writes (\\n \\t \\0 \\\\) undone, as the column stores it, not as the JSON it also is as printed (mysql -r, --raw, prints the column as stored)";

/** The diagnostic of a line of psql's hex output of a bytea column ({@link byteaText}). */
const BYTEA =
  "the line is psql's hex output of a bytea column (\\x…): read as the UTF-8 JSON text its bytes hold (convert_from(column, 'UTF8') selects it as text)";

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
    // `--field NAME` on a row without it (carrierFieldOf): no carrier.
    if (!Object.hasOwn(parsed, name)) {
      const fields = Object.keys(parsed);
      return {
        carrier: {},
        noCarrier: `the row has no ${name} field (--field ${name}; its fields: ${fields.length ? fields.join(", ") : "none"})`,
      };
    }
    const value = parsed[name];
    // A whole row (`{"id": 1, "traceContext": {...}}`, the TraceCarrierProvider shape) is read exactly
    // as withCarrier and traced read it: its traceContext field is the carrier (an object, or its JSON
    // text), whatever else the row holds (a traceContext that holds no carrier beside a span-context
    // header is headers: carrierFieldOf); another field as withCarrier(row.<field>) reads it.
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
      return {
        carrier: {},
        noCarrier:
          value === null
            ? `the row's ${name} field is null (a NULL column, or JSON null): written outside a span, or by a service without the extension`
            : `the row's ${name} field is ${what}, not a carrier (${how})`,
      };
    }
    // Text was read within the limit already; an object has its own JSON text.
    textLength = typeof value === "string" ? 0 : undefined;
    const asText = typeof value === "string" ? " (JSON text)" : "";
    // One diagnostic for a field found by its content: that it was, and how it was read.
    diagnostics.push(
      found
        ? `the row has no propagation header at its top level and no traceContext field: read its one field ` +
            `holding a carrier, ${name}${asText}, as withCarrier(row.${name}) reads it (withCarrier(row) reads only ` +
            `traceContext); say --field NAME to choose the field`
        : `read the row's ${name} field${asText}`,
    );
    parsed = inner;
    // The text the field's numbers were written in (for their exact digits): the row's own text for an
    // object, the innermost JSON text for a string.
    if (typeof value === "string") text = innermostText(value);
  }
  textLength ??= jsonTextLength(parsed);
  if (textLength !== undefined && textLength > MAX_CARRIER_TEXT_LENGTH)
    diagnostics.push(
      `the carrier's JSON text is ${textLength} characters, over the carrier reader's limit of ${MAX_CARRIER_TEXT_LENGTH} ` +
        "for JSON text: stored as text (a String column, or JSON text given to contextFromCarrier or withCarrier) it is " +
        "refused whole, no context; shown is how it reads as an object (a Json column), which has no such limit",
    );
  // Numbers of an object that is no carrier at all (a row's id) are not stored ids: not reported.
  const isCarrier = name !== undefined || hasPropagationHeader(parsed);
  // The ids are always said; other numbers up to MAX_LISTED, then counted (each is a search of `text`).
  let numbers = 0;
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "number" || !isCarrier) continue;
    const lowerKey = key.toLowerCase();
    const id = lowerKey === X_DATADOG_TRACE_ID || lowerKey === X_DATADOG_PARENT_ID;
    if (!id && ++numbers > MAX_LISTED) continue;
    const digits =
      text === undefined
        ? undefined
        : new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\s*:\\s*(-?[0-9.eE+-]+)`).exec(
            text,
          )?.[1];
    if (id && !Number.isSafeInteger(value))
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
  return { carrier: parsed };
}

/**
 * The field of `row` that holds its carrier (`name`), or `undefined` when `row` is the carrier itself:
 * - `field` (`--field NAME`) when the row has it; a row without it is the carrier itself when it holds
 *   a propagation header (a diagnostic says so), else a row without a carrier (`NAME` is returned and
 *   the row has no such field: {@link carrierOfValue} says so);
 * - `traceContext` when the row has it (the {@link TraceCarrierProvider} shape `withCarrier` reads);
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
  // The one holder: carrierOfValue says it was found so, with how it was read, in one diagnostic.
  return holders.length === 1 ? { name: holders[0], found: true } : { name: undefined };
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

/**
 * JSON text given on the command line starts like a JSON value; anything else names a file (and so
 * does an argument that starts like one but is the name of a file here: `2024-06-rows.json`).
 */
const LOOKS_LIKE_JSON = /^\s*(?:[{["\d-]|null\b|true\b|false\b)/;
/**
 * A file name that starts like JSON text (`2024-07-rows.json`, `-row.json`): a word with a file
 * extension, no spaces. When no such file exists it is reported missing, not parsed as JSON.
 */
export const LOOKS_LIKE_FILE_NAME = /^[^\s{["][^\s]*\.[A-Za-z][A-Za-z0-9]{0,7}$/;

/**
 * The most input read, in bytes: 256 MiB. JSON text is parsed whole: a string of JSON text must stay
 * well under V8's limit of about 512 Mi characters, and parsing takes several times its size in memory.
 */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** What to give instead, ending every message about input that cannot be read. */
const GIVE = "give JSON text, a file name, or - for standard input";

/**
 * The text of the one input argument: `-` standard input, JSON text as it is (it starts like a JSON
 * value, names no file and is not a file name with an extension), else the file it names. Files and
 * standard input are decoded as UTF-8, or UTF-16 when they start with its byte order mark (what
 * Windows PowerShell's `>` writes).
 * @throws {@link InspectInputError} when the input cannot be read (no such file, a directory, over
 *   {@link MAX_INPUT_BYTES}) or is not text (invalid UTF-8, a control character JSON text cannot
 *   hold), naming the input and what to give.
 */
export function readInputText(arg: string): string {
  if (arg === "-") return decodeInput(readBytes(0, "standard input"), "standard input");
  if (arg.trim() === "")
    throw new InspectInputError(
      `the argument is ${arg === "" ? "empty" : "blank"} (a shell variable that is unset or empty?); ${GIVE}`,
    );
  if (LOOKS_LIKE_JSON.test(arg) && !LOOKS_LIKE_FILE_NAME.test(arg) && !existsSync(arg)) {
    // A bare word (`2024-07-rows`) that is not JSON either was meant as a file name.
    if (/^[^\s{["]+$/.test(arg) && !isJson(arg))
      throw new InspectInputError(
        `cannot read the file ${arg}: ENOENT, and it is not JSON text either (${GIVE})`,
      );
    return arg;
  }
  return decodeInput(readBytes(arg, `the file ${arg}`), `the file ${arg}`);
}

/** Whether `text` is JSON text (`JSON.parse` takes it). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The bytes of a file, or of standard input (`0`), at most {@link MAX_INPUT_BYTES}: a regular file's
 * size is checked before it is read; anything else (standard input, a pipe or FIFO, `/dev/stdin`,
 * `<(psql ...)`, a device such as `/dev/zero`: none has a size) is read with the limit checked as it is
 * read, so a larger one is refused once it has given one byte more, not buffered whole.
 * @throws {@link InspectInputError} naming `what`.
 */
function readBytes(source: string | 0, what: string): Buffer {
  let bytes: Buffer;
  try {
    if (source !== 0) {
      const stat = statSync(source);
      if (stat.isDirectory())
        throw new InspectInputError(
          `${what} is a directory; give a file holding the carrier's JSON (or JSON text, or -)`,
        );
      if (stat.size > MAX_INPUT_BYTES) throw tooLarge(what, stat.size);
      const fd = openSync(source, "r");
      try {
        bytes = readCapped(fd, what);
      } finally {
        closeSync(fd);
      }
    } else bytes = readCapped(0, what);
  } catch (err) {
    if (err instanceof InspectInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const hint =
      code === "EISDIR"
        ? ", it is a directory"
        : code === "EACCES"
          ? ", permission denied"
          : code === "EAGAIN"
            ? ", it is not ready (pipe the input, or save it to a file)"
            : code === "ERR_FS_FILE_TOO_LARGE"
              ? `, over ${MAX_INPUT_BYTES / 1024 / 1024} MiB`
              : "";
    throw new InspectInputError(`cannot read ${what}: ${code ?? (err as Error).message}${hint} (${GIVE})`);
  }
  if (bytes.length > MAX_INPUT_BYTES) throw tooLarge(what, bytes.length);
  return bytes;
}

/**
 * The open file `fd` (standard input is `0`), read until its end or until it has given more than
 * {@link MAX_INPUT_BYTES} (then refused, without reading the rest). A regular file (one redirected to
 * standard input, `< rows.json`, too) is refused by its size before it is read.
 * @throws {@link InspectInputError} when over the limit; the errors of `readSync` (EISDIR, EAGAIN)
 *   for {@link readBytes} to say.
 */
function readCapped(fd: number, what: string): Buffer {
  const stat = fstatSync(fd);
  if (stat.isFile() && stat.size > MAX_INPUT_BYTES) throw tooLarge(what, stat.size);
  // Grown by doubling up to one byte over the limit: the byte that says the input is too large.
  let buffer = Buffer.allocUnsafe(64 * 1024);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > MAX_INPUT_BYTES) throw tooLarge(what, MAX_INPUT_BYTES, true);
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, MAX_INPUT_BYTES + 1));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) return buffer.subarray(0, length);
    length += read;
  }
}

/**
 * The error for input over {@link MAX_INPUT_BYTES}: `size` bytes, or (`more`) more than `size` bytes
 * when reading stopped there.
 */
function tooLarge(what: string, size: number, more = false): InspectInputError {
  return new InspectInputError(
    `${what} is ${more ? "more than " : ""}${size} bytes, over the ${MAX_INPUT_BYTES / 1024 / 1024} MiB that tracehop inspect reads; select fewer rows`,
  );
}

/**
 * `bytes` as text: UTF-16 after its byte order mark, else UTF-8 (a leading byte order mark is kept,
 * for {@link parseInspectInput} to skip).
 * @throws {@link InspectInputError} for bytes that are not such text, or text holding a control
 *   character that JSON text cannot hold anywhere (U+0000-U+001F but tab, line feed and carriage return):
 *   a binary file, or UTF-16 without a byte order mark; said without echoing the bytes.
 */
function decodeInput(bytes: Buffer, what: string): string {
  const utf16 =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? "utf-16le"
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? "utf-16be"
        : undefined;
  let text: string;
  try {
    text = new TextDecoder(utf16 ?? "utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InspectInputError(
      `${what} is not ${utf16 === undefined ? "UTF-8" : "UTF-16"} text (a binary file?); give the carrier's JSON text`,
    );
  }
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.exec(text);
  if (control !== null) {
    const before = text.slice(0, control.index);
    const line = before.split("\n").length;
    const column = control.index - before.lastIndexOf("\n");
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    throw new InspectInputError(
      `${what} holds the control character U+${code} (line ${line}, column ${column}), which JSON text cannot hold: ` +
        `${code === "0000" ? "UTF-16 text without a byte order mark, or a binary file?" : "a binary file?"} ` +
        "Give the carrier's JSON text (UTF-8, or UTF-16 with a byte order mark)",
    );
  }
  return text;
}
