// The hints of an input error: which client output the text resembles (psql aligned or with several
// columns, a mysql table, mysql --batch escapes, pretty-printed JSON, a line cut
// short), and the query that prints the carrier column as `tracehop inspect` reads it.
import { TRACE_CONTEXT_FIELD } from "../context/carrier-source.js";
import { quoteWritten } from "../describe-value.js";
import { isJson, isJsonObject } from "./carrier-shape.js";
import { copyUnescaped, mysqlUnescaped, nullLine, readLine } from "./line-rows.js";

// The hints' example queries name the carrier column as the input names it, when it does (a line of
// column names first: columnNamesHint), else as a user of this project's schema types it:
// `traceContext` (prisma/schema.prisma, and its migrations). PostgreSQL folds an unquoted name to lower
// case, so there it is "traceContext" (any name the client printed is quoted so: it is the name as
// stored), and the query is in single quotes for the shell; MySQL and MariaDB column names are not
// case-sensitive, so it is plain there. The table is left as `...`.

/**
 * The hint for a line of input that is not JSON: a client's output of several columns
 * ({@link psqlColumnsHint}, {@link mysqlColumnsHint}), else a value still escaped by `mysql --batch`
 * ({@link mysqlRawHint}), else whole rows over several
 * lines when the text's `lines` are given ({@link prettyRowsHint}), else a line cut short
 * ({@link cutShortHint}), else "". `rows`: the text's lines that tell which client printed tab-separated
 * columns ({@link mysqlColumnsHint}; `lines` when given, else the line alone).
 */
export function lineHint(line: string, lines?: readonly string[], rows = lines): string {
  return (
    (lines === undefined ? "" : copyLinesHint(lines)) ||
    copyTextHint(line) ||
    byteOrderMarkHint(line) ||
    psqlColumnsHint(line) ||
    mysqlColumnsHint(line, rows ?? [line]) ||
    mysqlRawHint(line) ||
    (lines === undefined ? "" : prettyRowsHint(lines)) ||
    separatedColumnsHint(line) ||
    cutShortHint(line)
  );
}

/** How many `}` from the end of a line {@link separatedColumnsHint} tries as the end of its first column's object. */
const OBJECT_ENDS_TRIED = 8;

/**
 * A hint for a line of several columns separated by characters of their own choosing, else "": a JSON
 * object after another column and a separator (`1,{"traceparent":…}`), between two (`1,{…},2026-12-05`, the
 * same separator after it), or before one (`{…};1`), what
 * `psql -At -F ','`, `sqlite3 -separator ';'` (or `-csv` of a value without quotes) print; a separator is
 * a run of characters other than letters, digits and `_` (a space too), `"` and `{` left out (checked with
 * psql 15 and sqlite3 3.40). The `|` of psql -At and sqlite3's list mode, and the tab of mysql --batch,
 * have hints of their own ({@link psqlColumnsHint}, {@link mysqlColumnsHint}).
 */
function separatedColumnsHint(line: string): string {
  const said = (separator: string) =>
    ` (it looks like several columns, a JSON object beside another, separated by ${JSON.stringify(separator)}, as psql -At -F or sqlite3 -separator print them: ` +
    `select the carrier column alone, psql -At -c 'select "${TRACE_CONTEXT_FIELD}" from ...', sqlite3 FILE 'select ${TRACE_CONTEXT_FIELD} from ...', ` +
    `mysql -N -B -e 'select ${TRACE_CONTEXT_FIELD} from ...')`;
  const open = line.indexOf("{");
  if (open > 0) {
    const before = /^[^{"]*?[\p{L}\p{N}_]([^\p{L}\p{N}_{"]+)$/u.exec(line.slice(0, open));
    if (before !== null && before[1]!.trim() !== "|" && before[1] !== "\t") {
      const separator = before[1]!;
      if (isJsonObject(parseValue(line.slice(open)))) return said(separator);
      // The carrier between two columns (`1,{…},2026-12-05`): the same separator after the object.
      let end = line.length;
      for (let tried = 0; tried < OBJECT_ENDS_TRIED; tried++) {
        end = line.lastIndexOf("}", end - 1);
        if (end <= open) break;
        if (line.startsWith(separator, end + 1) && isJsonObject(parseValue(line.slice(open, end + 1))))
          return said(separator);
      }
    }
  }
  if (open === 0) {
    let end = line.length;
    for (let tried = 0; tried < OBJECT_ENDS_TRIED; tried++) {
      end = line.lastIndexOf("}", end - 1);
      if (end < 0) break;
      const after = /^([^\p{L}\p{N}_{"]+)[\p{L}\p{N}_"{-]/u.exec(line.slice(end + 1));
      if (
        after !== null &&
        after[1]!.trim() !== "|" &&
        after[1] !== "\t" &&
        isJsonObject(parseValue(line.slice(0, end + 1)))
      )
        return /^ +$/.test(after[1]!) ? textAfterObject(line.slice(end + 1).trim()) : said(after[1]!);
    }
  }
  return "";
}

/** How many records {@link recordSeparatorHint} reads before it takes the rest for more of them. */
const RECORDS_LOOKED_AT = 16;
/** The longest run of characters {@link recordSeparatorHint} takes for a record separator (or several). */
const MAX_RECORD_SEPARATOR_LENGTH = 16;
/** How many `}` or `"` {@link jsonValueEnd} tries as the end of one value. */
const VALUE_ENDS_TRIED = 64;

/**
 * The hint for rows printed on one line with a record separator of their own, else "": `psql -At -R ';'`
 * (`--record-separator`: the separator between rows, the last row ended by a line feed) and
 * `sqlite3 -newline ';'` (after every row, the last too), checked with psql 15 and sqlite3 3.40. `lines`: one
 * line (a final empty one left out), read from its start as records: each a carrier's JSON text (an object
 * or a string holding one's text) or nothing (a NULL column, an empty record), separated by the same run
 * of characters that are no letter, digit, `{` or `"` (the run after the first value, or the shortest
 * unit it repeats: `;;` is a NULL row between two; a separator of several characters that repeat one is
 * read as that one). At least two carriers, or one ended by the separator (sqlite3's one row); every
 * record a carrier's text, which a row of several columns (an id, a date) is not.
 */
export function recordSeparatorHint(lines: readonly string[]): string {
  const rows = lines[lines.length - 1] === "" ? lines.slice(0, -1) : lines;
  if (rows.length !== 1) return "";
  const line = rows[0]!;
  const open = line.search(/[{"]/);
  if (open < 0) return "";
  const end = jsonValueEnd(line, open);
  if (end === undefined) return "";
  const run = /^[^\p{L}\p{N}{"]+/u.exec(line.slice(end))?.[0];
  // A separator is a few characters (`;`, `\x1e`): a longer run is no record separator, and is not
  // searched for the unit it repeats (a regular expression over a long run takes its square).
  if (run === undefined || run.length > MAX_RECORD_SEPARATOR_LENGTH) return "";
  const unit = /^(.+?)\1*$/su.exec(run)![1]!;
  for (const separator of unit === run ? [run] : [unit, run]) {
    if (!separatedRecords(line, separator)) continue;
    return (
      ` (it looks like rows on one line, each ended or separated by ${JSON.stringify(separator)} (a NULL column an empty record), ` +
      `as psql -R (--record-separator) or sqlite3 -newline print them: print a row a line, ` +
      `psql -At -c 'select "${TRACE_CONTEXT_FIELD}" from ...' without -R, or sqlite3 FILE 'select ${TRACE_CONTEXT_FIELD} from ...' without -newline)`
    );
  }
  return "";
}

/**
 * Whether `line` is records separated (or each ended) by `separator` ({@link recordSeparatorHint}):
 * every one of its first {@link RECORDS_LOOKED_AT} records empty or a carrier's JSON text, two at least,
 * or one that starts the line and is ended by the separator at its end (`sqlite3 -newline ';'` of one
 * row: `{...};`), unless that is `,` (an element copied out of a JSON array with its comma); JSON text
 * in quotes a shell kept (`'{...}'`) starts with its quote, and is no row.
 */
function separatedRecords(line: string, separator: string): boolean {
  let at = 0;
  let carriers = 0;
  for (let record = 0; record < RECORDS_LOOKED_AT && at < line.length; record++) {
    if (line.startsWith(separator, at)) {
      at += separator.length;
      continue;
    }
    const end = jsonValueEnd(line, at);
    if (end === undefined || !carrierText(line.slice(at, end))) return false;
    carriers++;
    if (end < line.length && !line.startsWith(separator, end)) return false;
    at = end + separator.length;
  }
  return (
    carriers >= 2 ||
    (carriers === 1 && separator !== "," && !line.startsWith(separator) && line.endsWith(separator))
  );
}

/**
 * The index after the JSON object or string that starts at `start` of `line` (the first `}` or `"`
 * after which the text read is one), or `undefined`.
 */
function jsonValueEnd(line: string, start: number): number | undefined {
  const close = line[start] === "{" ? "}" : line[start] === '"' ? '"' : undefined;
  if (close === undefined) return undefined;
  let end = start;
  for (let tried = 0; tried < VALUE_ENDS_TRIED; tried++) {
    end = line.indexOf(close, end + 1);
    if (end < 0) return undefined;
    if (parseValue(line.slice(start, end + 1)) !== undefined) return end + 1;
  }
  return undefined;
}

/**
 * The hint for a JSON object followed by spaces and other `text` (`{"a":1} x`): no separator a client
 * chose, but text after the object, as the quoted text (escaped and cut, as a setting is quoted); columns
 * with spaces between (`psql -At -F ' '`) are said second.
 */
function textAfterObject(text: string): string {
  return (
    ` (it is a JSON object followed by other text, ${quoteWritten(text)}: give the object alone, nothing after its closing }; ` +
    `if they are columns printed with blanks between them (psql -At -F ' '), select the carrier column alone, ` +
    `psql -At -c 'select "${TRACE_CONTEXT_FIELD}" from ...')`
  );
}

/** `text` parsed as JSON, or `undefined` when it is none. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The {@link psqlColumnsHint} of the first of the first {@link PSQL_ROWS_LOOKED_AT} `lines` that has
 * one, else "": psql output of several columns whose first row shows no carrier (`|2`, its carrier
 * column NULL, then `{"traceparent":…}|3`), read from a later row.
 */
export function psqlRowsHint(lines: readonly string[]): string {
  for (const line of lines.slice(0, PSQL_ROWS_LOOKED_AT)) {
    const hint = psqlColumnsHint(line);
    if (hint !== "") return hint;
  }
  return "";
}

/** How many lines {@link psqlRowsHint} looks at: a few rows, not the whole input. */
const PSQL_ROWS_LOOKED_AT = 5;

/**
 * A hint for a line that is not JSON, with the escapes of `mysql --batch` undone either, but whose
 * every backslash starts one (`\n`, `\t`, `\0`, `\\`), as in that client's output, else "": a value
 * that is no JSON text, or a line cut short.
 */
export function mysqlRawHint(line: string): string {
  return mysqlUnescaped(line) !== undefined
    ? " (it holds the escapes mysql --batch writes, \\n \\t \\0 \\\\, and is not JSON with them undone either: mysql -r (--raw) prints the column as stored)"
    : "";
}

/**
 * A hint for a line that starts a JSON object or string but ends inside one (an unterminated string,
 * the end of the input where a value or `}` was expected), else "": a carrier cut short by a column
 * too narrow for it (`varchar(255)`) or by a client's width limit.
 */
export function cutShortHint(line: string): string {
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

/**
 * A hint for a line that reads like psql output of several columns (psql separates columns with `|`),
 * the JSON value in any column: `42|{"traceparent":…}` or `{"traceparent":…}|42` as `psql -At` prints
 * them (and sqlite3 in its default list mode, whose advice is added), `  42 | {"traceparent":…}` as `psql -t` (aligned, each row's line starting with a space) prints
 * it; or an integer id and a NULL carrier after it, which psql prints as nothing: `42|` (`psql -At`),
 * `  42 | ` (`psql -t`), a row written before the carrier column was filled (checked with psql 15: a NULL
 * column prints as nothing after its `|`, in every row of a column that is all NULL too); else "". A
 * JSON value at the start of the line must end right before a `|` (`…}|42`), so that a broken JSON text
 * with a `|` inside a string is not taken for columns. `nullCarrier: false` takes only a row showing a
 * JSON value ({@link columnNamesHint}'s rows, whose all-NULL case its footer's count decides).
 */
function psqlColumnsHint(line: string, nullCarrier = true): string {
  const valueAfterSeparator = /\|\s*[{"]/.test(line);
  const valueBeforeSeparator = /^\s*[{"]/.test(line) && /[}"]\s*\|/.test(line);
  const idBeforeNull = nullCarrier && /^\s*-?\d+\s*\|\s*$/.test(line);
  if (!valueAfterSeparator && !valueBeforeSeparator && !idBeforeNull) return "";
  // psql -t (aligned) starts its lines with a space; psql -At and sqlite3's default list mode do not.
  if (line.startsWith(" "))
    return ` (it looks like psql -t output (aligned) of several columns, separated by "|": ${psqlOneColumn()})`;
  return (
    ` (it looks like psql -At or sqlite3 output of several columns, separated by "|": ${psqlOneColumn()}; ` +
    `from sqlite3, the carrier column alone, sqlite3 FILE 'select traceContext from ...', or whole rows as ` +
    `JSON, sqlite3 -json FILE 'select * from ...')`
  );
}

/**
 * What to run instead of psql output of several columns: `column` is the carrier column's name when the
 * input gives it ({@link columnNamesHint}), else `traceContext`; `null` when the input names the columns
 * but no row shows which holds the carrier (all NULL): the query's generic form then; `traceContext` for
 * `?column?` too ({@link UNNAMED_COLUMN}, an expression's name, which no query selects). Any name is put in
 * double quotes, its double quotes doubled (PostgreSQL's quoted identifier), inside the shell's single
 * quotes.
 */
function psqlOneColumn(column: string | null = TRACE_CONTEXT_FIELD): string {
  // ?column? is the name of an expression, not of a column a query can select: traceContext then.
  if (column === UNNAMED_COLUMN) column = TRACE_CONTEXT_FIELD;
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
 * True when `row` holds tab-separated columns only `mysql --batch` prints: a `NULL` field (psql prints
 * a NULL column empty), or a carrier that is JSON only with that client's escapes undone.
 */
function mysqlColumns(row: string): boolean {
  const fields = row.split("\t");
  return (
    fields.length > 1 && fields.some((field) => field === "NULL" || (carrierText(field) && !isJson(field)))
  );
}

/**
 * A hint for a line that reads like `mysql --batch` output of several columns (`7\t{"traceparent":…}`:
 * the client separates columns with a tab and writes a tab inside a value as `\t`, so a tab in its
 * output is always a separator), else "": the line has a tab, and a field is `NULL` (a NULL column)
 * or a JSON object or string, as it is or with the client's escapes undone ({@link readLine}).
 * A field `\N` is PostgreSQL's COPY text format's NULL column: said so. `psql -At -F $'\t'` and
 * `sqlite3 -tabs` print such a line too (a NULL column empty, a value unescaped; checked with sqlite3
 * 3.40): unless the line or one of the first
 * {@link PSQL_ROWS_LOOKED_AT} `rows` shows mysql's own marks ({@link mysqlColumns}), the text could be
 * any of the three clients', and the hint gives each one's queries.
 */
function mysqlColumnsHint(line: string, rows: readonly string[]): string {
  const fields = line.split("\t");
  if (fields.length < 2) return "";
  // A field \N: PostgreSQL's COPY text format (mysql writes a value \N as \\N, psql -At a NULL empty).
  if ([line, ...rows.slice(0, PSQL_ROWS_LOOKED_AT)].some((row) => row.split("\t").includes("\\N")))
    return (
      ` (it looks like PostgreSQL's COPY text format of several columns, separated by tabs (\\N is a NULL column): select the carrier column alone, ` +
      `COPY (select "${TRACE_CONTEXT_FIELD}" from ...) TO STDOUT, or psql -At -c 'select "${TRACE_CONTEXT_FIELD}" from ...', or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t')`
    );
  if ([line, ...rows.slice(0, PSQL_ROWS_LOOKED_AT)].some(mysqlColumns))
    return ` (it looks like mysql --batch output of several columns, separated by tabs: ${mysqlOneColumn()})`;
  return fields.some(carrierText)
    ? ` (it looks like output of several columns separated by tabs, as mysql --batch, psql -At -F $'\\t' or sqlite3 -tabs print: ` +
        `from mysql, ${mysqlOneColumn()}; from psql, ${psqlOneColumn()}; from sqlite3, ${sqliteOneColumn()})`
    : "";
}

/**
 * What to run instead of sqlite3 output of several columns: its default list mode prints one column's
 * value as stored, a row a line (a NULL column an empty line), and `-json` whole rows as one JSON array.
 * `column` as {@link psqlOneColumn} takes it; a name other than a plain one is put in double quotes.
 */
function sqliteOneColumn(column: string | null = TRACE_CONTEXT_FIELD): string {
  const name =
    column === null
      ? "<carrier column>"
      : /^[A-Za-z_][\w$]*$/.test(column)
        ? column
        : shellSingle(`"${column.replace(/"/g, '""')}"`);
  return `select the carrier column alone, sqlite3 FILE 'select ${name} from ...', or whole rows as JSON, sqlite3 -json FILE 'select * from ...'`;
}

/**
 * A hint for `mysql -r` (`--raw`) output of a JSON column holding pretty-printed text, else "": the
 * client writes a value's line breaks as they are, so each value goes over several lines, and a NULL
 * column is a line `NULL`. Told by a line `NULL`, and the first other line being `{` or `[` alone that
 * a later `}` or `]` alone ends as a JSON value. `mysql --batch` without `-r` writes a line break in a
 * value as `\n` (MySQL 8.0 Reference Manual, 6.5.1.1 mysql Client Options, `--raw`), one row per line,
 * which {@link mysqlUnescaped} undoes. `lines`: the text's lines.
 */
export function mysqlRawValuesHint(lines: readonly string[]): string {
  if (!lines.includes("NULL")) return "";
  const start = lines.findIndex((line) => nullLine(line) === undefined);
  const open = lines[start]?.trimEnd();
  if (open !== "{" && open !== "[") return "";
  const close = open === "{" ? "}" : "]";
  const end = lines.findIndex((line, index) => index > start && line.trimEnd() === close);
  if (end < 0 || !isJson(lines.slice(start, end + 1).join("\n"))) return "";
  return ' (it looks like mysql -r (--raw) output of a JSON column holding pretty-printed text, each value over several lines: print one row per line, mysql -N -B -e "select ..." without -r (--batch writes a line break in a value as \\n, which tracehop inspect undoes))';
}

/**
 * A hint for psql's aligned output of a value over several lines (what `psql -t` prints for
 * pretty-printed JSON: each row's line starts with a space, and every line of a value but its last
 * ends with ` +`), else "". `lines`: the text's lines.
 */
export function psqlWrappedHint(lines: readonly string[]): string {
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
 * of a whole row; `row_to_json(t)` keeps a json column's text as stored, line breaks and all, and so does
 * `psql -At` of the json column itself (psql 15). `lines`: the text's lines.
 */
export function prettyValuesHint(lines: readonly string[]): string {
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
 * A hint for several JSON arrays one after another, some over several lines, else "": what `psql -At`
 * prints for `json_agg(t)` of whole rows with `group by` (or several such queries' output joined), an
 * array a row, whose elements json_agg of a row type separates with `, ` and a line break, the next
 * element's line starting with a space (PostgreSQL's json_agg writes ", \n " between composite
 * elements and ", " between others; checked with psql 15).
 * Told by every line that is not empty (a NULL row) starting an array at its first character or going
 * on one with a space, the lines of each ending in `]` where they are a JSON array, two arrays at least,
 * one over more than one line. `lines`: the text's lines.
 */
export function jsonAggArraysHint(lines: readonly string[]): string {
  let arrays = 0;
  let overLines = false;
  for (let start = 0; start < lines.length;) {
    const line = lines[start]!.trimEnd();
    if (line === "") {
      start++;
      continue;
    }
    if (!line.startsWith("[")) return "";
    let end = start;
    // Only a line ending in "]" can end the array: the joined text is parsed there alone.
    while (!(lines[end]!.trimEnd().endsWith("]") && isJson(lines.slice(start, end + 1).join("\n")))) {
      end++;
      if (end === lines.length || !lines[end]!.startsWith(" ")) return "";
    }
    arrays++;
    overLines ||= end > start;
    start = end + 1;
  }
  return arrays >= 2 && overLines
    ? " (it looks like several json_agg arrays one after another, each over several lines (json_agg of whole rows puts a line break between its elements), as psql -At prints a json_agg with group by: aggregate once, psql -At -c 'select json_agg(t) from ... t' without group by, or print a row a line, psql -At -c 'select to_jsonb(t) from ... t')"
    : "";
}

/**
 * A hint for whole rows as JSON, each over several lines, else "": what `psql -At` prints for
 * `row_to_json(t)` over rows whose `json` column holds pretty-printed text (the column's text as
 * stored, line breaks and all: `{"id":1,"pretty":{`, its lines, `}}`; a NULL one is `{"id":2,"pretty":null}`;
 * checked with psql 15). Told by its first line that
 * is not empty and one more starting a JSON object with a name (`{"`), one of them ending in a field
 * whose object or array goes on over the next lines: that field's name is the column's, used in the
 * hint's query when it is a plain name (else `traceContext`). `lines`: the text's lines.
 */
export function prettyRowsHint(lines: readonly string[]): string {
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
 * `psql -c "select ..."` prints) or mysql's table (`+----+` borders: `mysql -t`, or its prompt, whose
 * line may come first). `lines`: the text's lines.
 */
export function clientTableHint(lines: readonly string[]): string {
  const second = lines[1];
  if (second !== undefined && /^-+(?:\+-+)*$/.test(second))
    return lines.some((line) => /^\(\d+ rows?\)$/.test(line))
      ? ` (it looks like psql's aligned output, a header, a line of dashes, the rows and a (N rows) footer: ${PSQL_ROWS})`
      : ` (it looks like psql's aligned output with its footer off (\\pset footer off), a header, a line of dashes and the rows: ${PSQL_ROWS})`;
  // The border may follow the client's prompt line (`MariaDB [test]> select ...`), copied with the table.
  if (lines.slice(0, 3).some((line) => /^\+-+(?:\+-+)*\+$/.test(line.trim())))
    return ` (it looks like mysql's table output, in +----+ borders: print the rows alone, mysql -N -B -e "select ..." (-N no column names, -B batch))`;
  return "";
}

/** The line mysql -v (`--verbose`) writes before and after the query it echoes. */
const MYSQL_ECHO_LINE = "--------------";

/** psql's footer: `(3 rows)`, `(1 row)`. */
const PSQL_FOOTER = /^\(\d+ rows?\)$/;

/**
 * A hint for a client's output after the lines it writes before it, else "": the query `mysql -v`
 * (`--verbose`, `-vv`, `-vvv`) echoes between two lines of 14 dashes, then an empty line (checked with the
 * MariaDB 10.11 client; a table after it is mysql's, which `-vvv` draws even with `-B`); or one line psql
 * writes above its
 * output, a title (`\pset title`, centred over an aligned table) or the note of `\x auto`
 * (`Expanded display is used automatically.`), taken as such only when psql's own marks follow: its
 * `(N rows)` footer, or the line of dashes (or the border) under the names (psql 15: a title over one
 * and several columns, aligned and `-A`, and `\x auto`'s note). `-t` leaves the title and the footer out.
 * `restHint`: the hint for the lines after them; psql -A's one column (its name, the rows, the footer),
 * which has none, is said here.
 */
export function preambleHint(
  lines: readonly string[],
  restHint: (rest: readonly string[]) => string,
): string {
  const unwrap = (hint: string): string => hint.replace(/^ \(([\s\S]*)\)$/, "$1");
  if (lines[0] === MYSQL_ECHO_LINE) {
    const end = lines.indexOf(MYSQL_ECHO_LINE, 2);
    if (end < 0) return "";
    const start = lines.findIndex((line, index) => index > end && line !== "");
    // A table after it is mysql's (-vvv draws one even with -B), whatever its layout shares with others'.
    const hint =
      start < 0
        ? ""
        : /^\+-+(?:\+-+)*\+$/.test(lines[start]!.trim())
          ? ` (it looks like mysql's table output, in +----+ borders: ${MYSQL_ROWS})`
          : restHint(lines.slice(start));
    return hint === ""
      ? ""
      : ` (it starts with the query mysql -v (--verbose) echoes between lines of dashes: leave -v out; after it, ${unwrap(hint)})`;
  }
  const first = lines[0] ?? "";
  if (first.trim() === "" || /^\s*[[{"]/.test(first) || first.length > MAX_TITLE_LENGTH) return "";
  const rest = lines.slice(1);
  const footer = rest.some((line) => PSQL_FOOTER.test(line));
  const under = /^[-─]+(?:[+┼ ][-─]+)*$/.test(rest[1] ?? "") || /^[+┌]-/.test(rest[0] ?? "");
  if (!footer && !under) return "";
  let hint = restHint(rest);
  const name = rest[0]?.trim() ?? "";
  if (!under && footer && !name.includes("|") && columnName(name) && nullLine(rest[1] ?? "x") === undefined)
    hint = ` (it looks like psql -A output, the column's name, the rows and a (N rows) footer: ${PSQL_ROWS})`;
  return hint === ""
    ? ""
    : ` (its first line is no row but one psql writes above its output, a title (\\pset title) or the note of \\x auto (-t leaves it out); after it, ${unwrap(hint)})`;
}

/** The longest first line {@link preambleHint} takes for psql's title line (a title, centred over a wide table). */
const MAX_TITLE_LENGTH = 4096;

/**
 * A hint for line-per-row text whose first line is a column's name (`traceContext`, then a row per
 * line): what `mysql -B -e` prints, and `psql -A` without `-t`; or a column's name then a value over
 * several lines ({@link valueOverLinesHint}): `mysql -r -e`; else "". `lines`: the text's lines.
 */
export function columnNameHint(lines: readonly string[]): string {
  const [first, second] = lines;
  if (
    first === undefined ||
    second === undefined ||
    first.length > MAX_COLUMN_NAME_LENGTH ||
    !/^[A-Za-z_][\w$]*$/.test(first.trim())
  )
    return "";
  // `mysql -r -e` (--raw, the names first) of a pretty-printed column: its value goes on over lines.
  const overLines = valueOverLinesHint(lines, 1) !== "";
  if (!overLines && nullLine(second) === undefined && !("value" in readLine(second))) return "";
  return overLines
    ? ` (its first line, ${first.trim()}, looks like a column name, and the value after it goes on over several lines, as mysql -r (--raw) prints a pretty-printed JSON column: print a row a line without the names, mysql -N -B -e "select ${TRACE_CONTEXT_FIELD} from ..." without -r (--batch writes a line break in a value as \\n, which tracehop inspect undoes))`
    : ` (its first line, ${first.trim()}, looks like a column name: leave it out, mysql -N (--skip-column-names), psql -At (--no-align --tuples-only), sqlite3 without -header)`;
}

/**
 * A hint for output of several columns that starts with a line of their names, else "": what
 * `mysql -B -e` prints (`id<TAB>traceContext`, then a row per line, columns separated by tabs) and
 * `psql -A` without `-t` (`id|traceContext`, the rows, a `(N rows)` footer; `psql -A -F $'\t'` the same
 * separated by tabs): the first line is two or more names separated so ({@link columnName}: any name the
 * clients print, spaces and non-ASCII letters too), and one of the next lines reads as a row of such
 * columns ({@link mysqlColumnsHint}, {@link psqlColumnsHint}: the first row may be NULL), or psql's
 * footer follows rows of as many columns at least (every carrier NULL: psql prints an empty field).
 * The footer tells psql's output from the others', whatever the separator. Without it, names separated by
 * `|` are `sqlite3 -header` output (its default list mode) or psql's with `\pset footer off`, never mysql's;
 * by tabs, mysql's when a row shows its marks ({@link mysqlColumns}), else any of `mysql -B`,
 * `sqlite3 -tabs -header` and `psql -A -F $'\t'` with its footer off. Checked with the MariaDB 10.11 and
 * psql 15 clients and sqlite3 3.40 (a name with a space or an accent, a NULL carrier in every row, the
 * carrier first or last). The queries it suggests name the carrier column as
 * the first line does ({@link carrierColumn}). `lines`: the text's lines.
 */
export function columnNamesHint(lines: readonly string[]): string {
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
        ? psqlColumnsHint(row, false) !== ""
        : psql
          ? psqlColumnsHint(row.replace(/\t/g, "|"), false) !== ""
          : mysqlColumnsHint(row, rows) !== "",
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
    const separated = `several columns, separated by ${separator === "|" ? '"|"' : "tabs"}, with their names on its first line (${names.join(", ")})`;
    if (psql) return ` (it looks like psql -A output of ${separated}: ${psqlOneColumn(column)})`;
    // Without psql's footer: mysql never separates with "|"; a tab, with no mysql mark, any of the three.
    const mysql = separator === "\t" && rows.some(mysqlColumns);
    if (mysql)
      return ` (it looks like mysql --batch output of ${separated}: ${mysqlOneColumn(column, names)})`;
    return separator === "|"
      ? ` (it looks like sqlite3 -header output of ${separated}, or psql -A output with its footer off, which prints the same: ` +
          `from sqlite3, ${sqliteOneColumn(column)}; from psql, ${psqlOneColumn(column)})`
      : ` (it looks like output of ${separated}, as mysql --batch, sqlite3 -tabs -header or psql -A -F $'\\t' with its footer off print: ` +
          `from mysql, ${mysqlOneColumn(column, names)}; from sqlite3, ${sqliteOneColumn(column)}; from psql, ${psqlOneColumn(column)})`;
  }
  return "";
}

/**
 * True when `text`, a field of a first line, can be a column's name as psql and mysql print it (any
 * name: spaces, non-ASCII letters), not a row's value: not empty, not `NULL` (mysql's NULL column), not
 * JSON text (a number, a JSON object or string, as it is or with the escapes of `mysql --batch` undone).
 */
function columnName(text: string): boolean {
  return (
    text !== "" &&
    text.length <= MAX_COLUMN_NAME_LENGTH &&
    text !== "NULL" &&
    !isJson(text) &&
    !carrierText(text)
  );
}

/**
 * Longest first line (or name in it) taken for a column's name, with room for the spaces a client pads
 * it with: MySQL's identifiers have at most 64 characters, PostgreSQL's 63 bytes (`NAMEDATALEN` - 1). A
 * longer line is no column name, and is never quoted back in a hint (a 1 MiB line was, whole).
 */
const MAX_COLUMN_NAME_LENGTH = 128;

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
export function unquotedNamesHint(text: string): string {
  return /^\s*\{\s*[A-Za-z_][\w.-]*\s*:/.test(text)
    ? ` (its names and values have no double quotes: on a command line, put the JSON text in single quotes, tracehop inspect '{"traceparent":"…"}', or the shell removes them)`
    : "";
}

/**
 * The name PostgreSQL gives the output column of an expression selected without an alias
 * (`payload->'traceContext'`, `"traceContext" || '{}'`; PostgreSQL manual, SELECT, "The SELECT List"):
 * psql prints it as a column's name, and no column's value is likely to be this text.
 */
const UNNAMED_COLUMN = "?column?";

/** psql's expanded output's record header (`-x`, `\x`): `-[ RECORD 1 ]-----+-----` (aligned). */
const PSQL_RECORD_HEADER = /^-\[ RECORD \d+ \]-*(?:\+-*)?$/;

/** A line of psql's expanded aligned output: a column's name, padded, ` | ` and its value (NULL: empty). */
const PSQL_EXPANDED_FIELD = /^(\S(?:.*?\S)?) +\| ?(.*)$/;

/**
 * A line of psql's aligned value without the `+` that ends a line of a value going on (and the spaces
 * padding it): the trimmed end, not a regular expression, which backtracks over a long run of spaces.
 */
function withoutWrapMark(value: string): string {
  return value.endsWith("+") ? value.slice(0, -1).trimEnd() : value;
}

/** How many lines {@link psqlExpandedHint} looks at for the column holding JSON. */
const EXPANDED_LINES_LOOKED_AT = 1000;

/** mysql's vertical output's row header (`-E`, `--vertical`, a query ended with `\G`): 27 stars each side. */
const MYSQL_ROW_HEADER = /^\*{27} \d+\. row \*{27}$/;

/**
 * A hint for psql's expanded output (`psql -x`, or `\x` on, as a psqlrc may set it), else "": aligned, a
 * `-[ RECORD 1 ]---+---` line before each record (`-x -t`: a `----+----` line between records instead),
 * then a `name | value` line per column, the name padded (a value over several lines goes on in lines of
 * a blank name, each but its last ending with `+`); unaligned (`-x -A`), `name|value` lines, a record's
 * after an empty line. Told by a record header among the first lines; without one (`-x -t`, `-x -A`), by a
 * first line of a name, ` | ` or `|` and a JSON object or string (or nothing: NULL), whose name starts
 * a line again after a `----+----` line or an empty line, or is `traceContext` or `?column?` (psql -At prints
 * a column's value after a `|`, not these names). Checked with psql 15 (`-x`, `-x -t`, `-x -A`, `\x auto`, values
 * pretty-printed, NULL).
 * The query it suggests names the column whose value is a JSON object or string (else `traceContext`).
 * `lines`: the text's lines.
 */
export function psqlExpandedHint(lines: readonly string[]): string {
  lines = expandedInBorderOne(lines);
  const header = lines.slice(0, PSQL_ROWS_LOOKED_AT).some((line) => PSQL_RECORD_HEADER.test(line));
  // The field separator of unaligned output: `|`, or the one `-F` gave (`-x -A -F ,`).
  let separator = "|";
  if (!header) {
    const first = lines[0] ?? "";
    const found = expandedFirstField(first, lines);
    if (found === undefined) return "";
    separator = found.separator;
  }
  // The column whose value is a JSON object or string (a value going on over lines: its first line is
  // none), among the first lines: a few records, not the whole input.
  // Each line read both ways, aligned (`name | value`) and unaligned (`-x -A`: `name|value`), as a value
  // may hold " | " (a baggage) or the padded name "|": the reading whose value is one. A value that starts
  // a pretty-printed object (`{` alone) is one too.
  // A value naming a propagation header first (a business JSON column may come before the carrier's).
  const fields = lines
    .slice(0, EXPANDED_LINES_LOOKED_AT)
    .flatMap((line) => [
      PSQL_EXPANDED_FIELD.exec(line),
      /^([^|\s][^|]*)\|(.*)$/.exec(line),
      separator === "|"
        ? null
        : separator.trim() === ""
          ? /^(\S+) +(.*)$/.exec(line)
          : separatedField(line, separator),
    ])
    .filter((field) => field !== null && expandedCarrierValue(field[2]!));
  const column = (fields.find((field) => PROPAGATION_KEY.test(field![2]!)) ?? fields[0])?.[1]?.trimEnd();
  return (
    ` (it looks like psql's expanded output (-x, or \\x on), a line per column of each record: print the rows one per line, ` +
    `not expanded: ${psqlOneColumn(column ?? TRACE_CONTEXT_FIELD)} (-X skips a psqlrc that turns \\x on))`
  );
}

/**
 * {@link psqlExpandedHint} for psql's expanded output drawn with another border or line style than its
 * default ({@link expandedInBorderOne}), else "": looked for before the tables of sqlite3 and mysql
 * ({@link sqliteModeHint}), which `-x -t` with border 2 resembles.
 */
export function psqlExpandedBorderHint(lines: readonly string[]): string {
  return expandedInBorderOne(lines) === lines ? "" : psqlExpandedHint(lines);
}

/**
 * `lines` of psql's expanded aligned output drawn with another border or line style, written as psql
 * draws them by default (border 1, ASCII: a `-[ RECORD 1 ]-+-` header, `name | value` lines), else
 * `lines` as they are. Checked with psql 15: with
 * `\pset border 2`, `+-[ RECORD 1 ]-+---+` headers and `| name | value |` lines; with `\pset linestyle
 * unicode`, `─[ RECORD 1 ]┬───` (border 2: `┌─[ RECORD 1 ]─┬───┐`, `├…┤` between records) and `│` for
 * `|`; with `\pset border 0`, `* Record 1` headers and `name value` lines (the name read up to its first
 * space); with `-x -t` and border 2, no header but the table's first border line between records, read
 * as border 1 draws that line (`-+-`). Looked for among the first lines, as the header is.
 */
function expandedInBorderOne(lines: readonly string[]): readonly string[] {
  const head = lines.slice(0, PSQL_ROWS_LOOKED_AT);
  const records =
    recordsInBorderTwo(lines) ??
    // The same under `\pset linestyle unicode`: `┌─┬─┐` first, `├─┼─┤` between records, `│` for `|`.
    (/^┌─+┬─+┐$/.test(lines[0]?.trimEnd() ?? "") ? recordsInBorderTwo(lines.map(asciiBorderTwo)) : undefined);
  if (records !== undefined) return records;
  // `-x -t` under `\pset linestyle unicode` with border 1: `name │ value` lines, `─┼─` between records.
  if (head.some((line) => /^─+┼─+$/.test(line.trimEnd())))
    return lines.map((line) =>
      /^─+┼─+$/.test(line.trimEnd())
        ? line.trimEnd().replace(/─/g, "-").replace("┼", "+")
        : line.replace(/ │(?= |$)/, " |").replace(/↵$/, "+"),
    );
  const record = (line: string): string | undefined =>
    /^(?:\+-|[┌├]─|─)\[ RECORD (\d+) \]|^\* Record (\d+)\s*$/.exec(line)?.slice(1).find(Boolean);
  if (!head.some((line) => record(line) !== undefined)) return oneRecordGoingOn(lines) ?? lines;
  if (head.some((line) => /^\* Record \d+\s*$/.test(line)))
    return lines.map((line) => {
      const number = record(line);
      if (number !== undefined) return `-[ RECORD ${number} ]-`;
      const field = /^(\S+)(?: +(.*))?$/.exec(line);
      return field === null ? line : `${field[1]} | ${field[2] ?? ""}`;
    });
  return lines.map((line) => {
    const number = record(line);
    if (number !== undefined) return `-[ RECORD ${number} ]-`;
    const text = line.replace(/^[|│] /, "").replace(/ *[|│]$/, "");
    return text.replace(/ [│|](?: |$)/, " | ");
  });
}

/**
 * `lines` of psql's expanded output under `-x -t` with border 2 (ASCII), written as border 1 draws them
 * ({@link expandedInBorderOne}), else `undefined`: no record header, the first border line again between
 * records (sqlite3's and mysql's tables draw it after their names only), each record's `| name | value |`
 * lines between; one record by its first cells, which are column names ({@link expandedRecordInBorder});
 * two, one border line between them, by the same names in both ({@link twoRecordsInBorder}).
 */
function recordsInBorderTwo(lines: readonly string[]): string[] | undefined {
  const border = lines[0]?.trimEnd() ?? "";
  if (!/^\+-+\+-+\+$/.test(border)) return undefined;
  const last = lines.findLastIndex((line) => line.trim() !== "");
  const between = lines.filter((line, index) => index > 0 && index < last && line.trimEnd() === border);
  // One record has no border between records: told from a table without names (psql -t, border 2)
  // by its first cells, which are column names (expandedRecordInBorder); written with border 1's
  // record header, which names its column as the first line of a later record would.
  const one = between.length === 0 && expandedRecordInBorder(lines.slice(1, last), border);
  // Two records have one border between them, as a table's names have above its rows: told by the same
  // names in both, which a table's names and rows are not (twoRecordsInBorder).
  const two = between.length === 1 && twoRecordsInBorder(lines.slice(1, last), border);
  if ((between.length >= 2 || one || two) && lines[1]?.startsWith("| ") === true) {
    const fields = lines.slice(1, last).map((line) =>
      line.trimEnd() === border
        ? "-+-"
        : line
            .replace(/^\| /, "")
            .replace(/ *\|$/, "")
            .replace(/ \|(?: |$)/, " | "),
    );
    return one ? ["-[ RECORD 1 ]-", ...fields] : fields;
  }
  return undefined;
}

/**
 * Whether `fields`, the lines between the first and last `border` line of a table of two columns, holding
 * that border line once, are two records of psql's expanded output under `-x -t` with border 2 (checked
 * with psql 15, ASCII and unicode lines): the same column names, in the same order, in the lines before
 * and after the border ({@link borderRecordNames}), and one of the two a record ({@link expandedRecordInBorder}:
 * the other's carrier may be NULL). A table with its names (sqlite3 -table, mysql -t, psql's border 2) has
 * one border line between its names and its rows, whose first cells are values, not those names again.
 */
function twoRecordsInBorder(fields: readonly string[], border: string): boolean {
  const at = fields.findIndex((line) => line.trimEnd() === border);
  const [first, second] = [fields.slice(0, at), fields.slice(at + 1)];
  const names = borderRecordNames(first, border);
  return (
    names !== undefined &&
    names.length > 0 &&
    borderRecordNames(second, border)?.join("\n") === names.join("\n") &&
    (expandedRecordInBorder(first, border) || expandedRecordInBorder(second, border))
  );
}

/**
 * The name cells of `fields`, lines `| name | value |` with their inner `|` under `border`'s inner `+`,
 * in order, blank ones (a value going on) left out; `undefined` when a line is drawn otherwise.
 */
function borderRecordNames(fields: readonly string[], border: string): string[] | undefined {
  const inner = border.indexOf("+", 1);
  const names: string[] = [];
  for (const line of fields) {
    const text = line.trimEnd();
    if (!text.startsWith("| ") || !/[ +]\|$/.test(text) || text.length !== border.length) return undefined;
    if (text.slice(inner - 1, inner + 2) !== " | ") return undefined;
    const name = text.slice(2, inner - 1).trimEnd();
    if (name !== "") names.push(name);
  }
  return names;
}

/**
 * A line of psql's expanded output drawn with `\pset linestyle unicode` and border 2, in ASCII as border
 * 2 draws it: `┌ ├ └ ┬ ┼ ┴ ┐ ┤ ┘` are `+`, `─` is `-`, the `│` that bound and split a line `|`, and the
 * wrap mark `↵` a `+` (a value's own `│` kept).
 */
function asciiBorderTwo(line: string): string {
  if (/^[┌├└]─[─┬┼┴]*[┐┤┘]$/.test(line.trimEnd()))
    return line
      .trimEnd()
      .replace(/[┌├└┬┼┴┐┤┘]/g, "+")
      .replace(/─/g, "-");
  return line
    .replace(/^│ /, "| ")
    .replace(/ │(?= )/, " |")
    .replace(/(?:↵| ) *│$/, (end) => end.replace("↵", "+").replace("│", "|"));
}

/**
 * Whether `fields`, the lines between the first and last `border` line (`+----+----+`) of a table of
 * two columns, are one record of psql's expanded output under `-x -t` with border 2 (checked with psql
 * 15): every line `| name | value |` with its
 * inner `|` under the border's inner `+`, each name a column's ({@link columnName}: no number, NULL or
 * JSON text), no name twice, and a value a carrier's text ({@link expandedCarrierValue}), another
 * value not a carrier's when there are several lines. psql -t with border 2 (not expanded) and
 * `mysql -t -N` draw the same lines for two columns, whose first cells are values: a number or JSON
 * there is no record, nor are lines that each hold a carrier (rows of a name and a carrier: one
 * record's other columns hold an id, a date, its data).
 */
function expandedRecordInBorder(fields: readonly string[], border: string): boolean {
  const inner = border.indexOf("+", 1);
  if (fields.length === 0) return false;
  const names = new Set<string>();
  let carriers = 0;
  // Whether the line before ended with psql's wrap mark, `+` against the border: the value goes on in a
  // line whose name cell is blank.
  let goesOn = false;
  for (const line of fields) {
    const text = line.trimEnd();
    if (!text.startsWith("| ") || !/[ +]\|$/.test(text) || text.length !== border.length) return false;
    if (text.slice(inner - 1, inner + 2) !== " | ") return false;
    const name = text.slice(2, inner - 1).trimEnd();
    if (name === "" ? !goesOn : !columnName(name) || names.has(name)) return false;
    if (name !== "") {
      names.add(name);
      if (expandedCarrierValue(text.slice(inner + 2, -2).trimEnd())) carriers++;
    }
    goesOn = text.at(-2) === "+";
  }
  return carriers > 0 && (names.size === 1 || carriers < names.size);
}

/**
 * `lines` of one record of psql's expanded aligned output without its header (`-x -t`) in which a value
 * goes on over lines (a pretty-printed JSON value: `jsonb_pretty`, a json column stored so), or of
 * several columns, not each a carrier's (`id 1`, `traceContext {…}`), written as
 * {@link expandedInBorderOne} writes them (a `-[ RECORD 1 ]-` header, `name | value` lines), else
 * `undefined`. psql writes a line per column, its name padded to the longest, and each further line of a
 * value with the name cell blank, the line before ending with its wrap mark (`+`; `↵` under `\pset
 * linestyle unicode`); border 1 (the default) puts ` | ` (` │ `) after the name cell, border 0 a space.
 * Told by: the record alone (an empty line, or nothing, after it), every line's separator in the same
 * column as the first line's, each name cell a column's name ({@link columnName}, none twice) or blank
 * after a wrap mark, a value going on at least once or another column's value no carrier's, and a
 * column's value a carrier's text or the `{` of a pretty-printed one ({@link expandedCarrierValue}): rows
 * of a text and a carrier each (psql -t with border 0, sqlite3 -column) are no record. psql -t without -x starts each row with a space
 * (border 1) or a `|` (border 2): no name there; with border 0 it prints a row of a text and a
 * pretty-printed value as these lines, said as expanded output too (what to run is the same). Checked with psql 15.
 */
function oneRecordGoingOn(lines: readonly string[]): readonly string[] | undefined {
  const blank = lines.indexOf("");
  const record = blank < 0 ? lines : lines.slice(0, blank);
  if (record.length < 2 || lines.slice(record.length).some((line) => line.trim() !== "")) return undefined;
  const first = record[0]!;
  // Border 1: the name, padded, then ` | ` (` │ `); border 0: the name, padded, then a space.
  const bar = /^\S(?:.*?\S)? +([|│])(?: |$)/.exec(first);
  const padded = bar === null ? /^\S+ +(?=\S)/.exec(first) : null;
  if (bar === null && padded === null) return undefined;
  // The column the separator is in, and where a value starts.
  const at = bar === null ? padded![0].length - 1 : bar[0].length - (bar[0].endsWith(" ") ? 2 : 1);
  const separator = bar === null ? " " : bar[1]!;
  const start = at + (bar === null ? 1 : 2);
  const names = new Set<string>();
  const fields: string[] = [];
  let goesOn = false;
  let wentOn = false;
  let carriers = 0;
  for (const line of record) {
    if (line.length <= at || line[at] !== separator || (bar !== null && line[at - 1] !== " "))
      return undefined;
    const name = line.slice(0, at).trimEnd();
    const value = line.slice(start);
    if (name === "") {
      if (!goesOn) return undefined;
      wentOn = true;
    } else {
      if (/^\s/.test(line) || !columnName(name) || names.has(name)) return undefined;
      names.add(name);
      if (expandedCarrierValue(value.replace(/↵$/, "+"))) carriers++;
    }
    goesOn = /[+↵]$/.test(value);
    fields.push(`${name === "" ? " ".repeat(at) : name} | ${value.replace(/↵$/, "+")}`);
  }
  // Without a value going on: several columns, not each a carrier (a table of text and carrier rows
  // is not a record).
  const isRecord = carriers > 0 && (wentOn || (names.size > 1 && carriers < names.size));
  return isRecord ? ["-[ RECORD 1 ]-", ...fields] : undefined;
}

/**
 * How the first line of output without psql's record header reads as psql's expanded output (`-x -t`
 * aligned, `name | value`; `-x -A` unaligned, `name|value`, or `name<SEP>value` with the separator `-F`
 * gave: `-x -A -F ,` prints `traceContext,{…}`), else `undefined`: the name must be a column's, and
 * either it starts a line again after a `----+----` line (aligned) or an empty line (unaligned: psql
 * puts one between records), or it is `traceContext` or `?column?` (an expression's: {@link UNNAMED_COLUMN})
 * and its value a JSON object or string, or nothing (NULL). `separator`: the unaligned output's (`|` for aligned output, whose records it does not read).
 * The separator of `-F` is read as the characters after the name's letters, digits, `_` and `$` (or after
 * `?column?`) up to the
 * value (a JSON value's `{`, `"`, `[`, `-`, a letter or a digit), as psql writes them (checked with psql 15,
 * `-F ,`, `-F ';'` and `-F $'\t'`). Under `\pset border 0` the separator is spaces: the name padded to the longest, a
 * line of spaces between records.
 */
function expandedFirstField(first: string, lines: readonly string[]): { separator: string } | undefined {
  const aligned = PSQL_EXPANDED_FIELD.exec(first);
  // Each reading tried: aligned, `|`, and the separator read after a name (a value may hold a `|`).
  const other = /^(?:\?column\?|[\p{L}\p{N}_$]+)([^\p{L}\p{N}_${["-]+)/u.exec(first)?.[1];
  const readings: [RegExpExecArray | [string, string, string] | null, string, boolean][] = [
    [aligned, "|", true],
    [/^([^|\s][^|]*)\|(.*)$/.exec(first), "|", false],
    [other === undefined ? null : separatedField(first, other), other ?? "", false],
  ];
  for (const [field, separator, isAligned] of readings) {
    if (field === null || !columnName(field[1]!)) continue;
    const [, name, value] = field as unknown as [string, string, string];
    // The same name again at the start of a later record: after psql's `----+----` (aligned) or an
    // empty line (unaligned).
    const again = lines.some(
      (line, index) =>
        index > 0 &&
        (isAligned
          ? /^-+\+-+$/.test(lines[index - 1]!)
          : // Border 0 (`-x -t -P border=0`): a line of spaces between records, the name padded with spaces.
            lines[index - 1] === "" || (separator.trim() === "" && lines[index - 1]!.trim() === "")) &&
        line.startsWith(isAligned ? `${name} ` : `${name}${separator}`),
    );
    const carrier = value === "" || carrierText(withoutWrapMark(value));
    if (again || ((name === TRACE_CONTEXT_FIELD || name === UNNAMED_COLUMN) && carrier)) return { separator };
  }
  return undefined;
}

/**
 * `line` read as `name<separator>value` (a line of psql's unaligned expanded output), as a match of
 * `[line, name, value]`, or `null` when it holds no separator after a name.
 */
function separatedField(line: string, separator: string): [string, string, string] | null {
  const at = line.indexOf(separator);
  return at > 0 ? [line, line.slice(0, at), line.slice(at + separator.length)] : null;
}

/**
 * A JSON object key that is a propagation header's name (`"traceparent":`, `"x-datadog-trace-id":`, any
 * case), in a client's output of a JSON value: what tells a carrier's column from another JSON column.
 */
const PROPAGATION_KEY = /"(?:traceparent|tracestate|baggage|x-datadog-[a-z-]+|b3|x-b3-[a-z]+)"\s*:/i;

/** {@link PROPAGATION_KEY} in a CSV field, whose double quotes CSV doubles (`""traceparent"":`). */
const CSV_PROPAGATION_FIELD =
  /(?:^|,)"\{\s*""(?:traceparent|tracestate|baggage|x-datadog-[a-z-]+|b3|x-b3-[a-z]+)""\s*:/i;

/**
 * Whether `value`, a value of psql's expanded output (its wrap mark left out), is a carrier's: JSON text of
 * an object or string, or `{` alone, the first line of a pretty-printed object (jsonb_pretty, a json column
 * stored so).
 */
function expandedCarrierValue(value: string): boolean {
  const text = withoutWrapMark(value);
  return text.trim() === "{" || carrierText(text);
}

/**
 * A hint for mysql's vertical output (`mysql -E`, `--vertical`, or a query ended with `\G`), else "": a
 * `*************************** 1. row ***************************` line before each row, then a
 * `name: value` line per column, the names padded on the left (`-N`: the values alone). Checked with the
 * MariaDB 10.11 client (`-E`, and `\G` over several columns). The queries it
 * suggests name the columns as the first row does, the carrier column the one whose value is a JSON object
 * or string (else `traceContext`). `lines`: the text's lines.
 */
export function mysqlVerticalHint(lines: readonly string[]): string {
  const start = lines.slice(0, PSQL_ROWS_LOOKED_AT).findIndex((line) => MYSQL_ROW_HEADER.test(line));
  if (start < 0) return "";
  const names: string[] = [];
  let column: string | undefined;
  for (const line of lines.slice(start + 1, start + 1 + EXPANDED_LINES_LOOKED_AT)) {
    if (MYSQL_ROW_HEADER.test(line)) break;
    const field = /^ *([^:]+?): (.*)$/.exec(line);
    if (field === null) continue;
    names.push(field[1]!);
    if (column === undefined && carrierText(field[2]!)) column = field[1]!;
  }
  const fix =
    names.length > 0 && names.every(columnName)
      ? mysqlOneColumn(column ?? TRACE_CONTEXT_FIELD, names)
      : mysqlOneColumn();
  return ` (it looks like mysql's vertical output (-E, --vertical, or a query ended with \\G), a line per column of each row: print the rows one per line, ${fix} (end the query with ; not \\G))`;
}

/**
 * A quoted CSV field holding a JSON object, at a line's start or after a comma: `"{""traceparent"":…}"`
 * (CSV writes a value's double quotes doubled, RFC 4180 §2), or `"{` ending the line (pretty-printed
 * JSON goes on over the next lines inside the quotes).
 */
const CSV_JSON_FIELD = /(?:^|,)"\{\s*(?:""|$)/;

/**
 * A hint for CSV output (`psql --csv`, with or without `-t`; PostgreSQL's `COPY ... TO STDOUT (FORMAT csv)`,
 * which prints what `psql --csv -t` prints; `sqlite3 -csv`, with or without `-header`: the same quoting),
 * else "": among the first lines (a NULL is an empty line or field), a quoted field holding a JSON object
 * ({@link CSV_JSON_FIELD}). Checked with psql 15 (`--csv`, with and without `-t`), PostgreSQL 15 (`COPY ...
 * (FORMAT csv)`) and sqlite3 3.40 (`-csv`). COPY's text format,
 * which inspect reads, is what to run instead of COPY's CSV. Not read: a quoted one-column CSV line
 * without doubled quotes (`"abc"`) is JSON too, a JSON string, and means another value; so the hint
 * gives the command whose output is read. The query names the column as a first line of names does
 * (`psql --csv` without `-t`, `sqlite3 -csv -header`: {@link csvCarrierColumn}), else `traceContext`.
 * `lines`: the text's lines.
 */
export function csvHint(lines: readonly string[]): string {
  const rows = lines.filter((line) => line !== "").slice(0, PSQL_ROWS_LOOKED_AT);
  if (!rows.some((line) => CSV_JSON_FIELD.test(line))) return "";
  const column = csvCarrierColumn(rows) ?? TRACE_CONTEXT_FIELD;
  return (
    ` (it looks like CSV output, psql --csv, COPY ... TO STDOUT (FORMAT csv) or sqlite3 -csv, which double a value's double quotes: ` +
    `print the carrier column as it is, one row per line, psql -At -c '${psqlSelect(column)}' (-A unaligned, -t rows only), ` +
    `or COPY (${psqlSelect(column)}) TO STDOUT without FORMAT csv (its text format, which tracehop inspect reads), or from sqlite3, ` +
    `sqlite3 FILE 'select ${/^[A-Za-z_]\w*$/.test(column) ? column : shellSingle(`"${column.replace(/"/g, '""')}"`)} from ...' (its default list mode, without -csv))`
  );
}

/**
 * The name of the carrier column of CSV `rows` (empty lines left out) when a first line of names gives
 * it (`psql --csv` without `-t`, `sqlite3 -csv -header`): its one name, or of several, the one at the
 * place of the first row's quoted field holding a JSON object ({@link CSV_JSON_FIELD}, its place counted
 * by the commas outside quotes before it); `undefined` when the first line is no names (`-t`: a row), or
 * a name is quoted (a name CSV quotes holds a comma or a quote: not read here).
 */
function csvCarrierColumn(rows: readonly string[]): string | undefined {
  const [first = "", ...rest] = rows;
  if (CSV_JSON_FIELD.test(first)) return undefined;
  const names = first.split(",");
  if (!names.every((name) => columnName(name) && !name.startsWith('"'))) return undefined;
  if (names.length === 1) return names[0];
  // The field naming a propagation header first (a business JSON column may come before the
  // carrier's), else the first JSON object.
  const found =
    rest.map((row) => [row, CSV_PROPAGATION_FIELD.exec(row)] as const).find(([, f]) => f !== null) ??
    rest.map((row) => [row, CSV_JSON_FIELD.exec(row)] as const).find(([, f]) => f !== null);
  if (found !== undefined) {
    const [row, match] = found as readonly [string, RegExpExecArray];
    const before = row.slice(0, match.index + (row[match.index] === "," ? 1 : 0));
    let quoted = false;
    let place = 0;
    for (const character of before)
      if (character === '"') quoted = !quoted;
      else if (character === "," && !quoted) place++;
    return names[place];
  }
  return undefined;
}

/** `select "column" from ...` for psql, inside the shell's single quotes. */
function psqlSelect(column: string): string {
  return `select ${shellSingle(`"${column.replace(/"/g, '""')}"`)} from ...`;
}

/**
 * A hint for a client's output in markup, else "": mysql's XML output (`-X`, `--xml`: `<?xml ...?>`, then
 * `<resultset ...>` and a `<field name="...">` per column), mysql's HTML output (`-H`, `--html`: one
 * `<TABLE BORDER=1>` line) or `sqlite3 -html` (a `<TR><TD>` line per row). Their values are escaped
 * for the markup (`&quot;` for `"`), so none is a carrier's JSON text as stored: the hint names the
 * client's mode that prints the column as it is, a row a line (checked with MariaDB 10.11 and sqlite3
 * 3.40). `lines`: the text's lines.
 */
export function markupHint(lines: readonly string[]): string {
  const start = lines.slice(0, 3).map((line) => line.trimStart());
  const mysql = `mysql -N -B -e "select ${TRACE_CONTEXT_FIELD} from ..." (-N no column names, -B batch: a row a line)`;
  const said = (what: string, instead: string) =>
    ` (it looks like ${what}, whose values are escaped for the markup (&quot; for "): print the carrier column as text, a row a line, ${instead})`;
  if (start.some((line) => /^<\?xml\b|^<resultset\b/i.test(line)))
    return said("mysql's XML output (-X, --xml)", mysql);
  // psql -H writes <table border="1"> alone on its line, in lower case; mysql -H its table on one line.
  if (/^<table border="1">$/.test(start[0] ?? ""))
    return said(
      "psql's HTML output (-H, --html, \\pset format html)",
      `psql -At -c 'select "${TRACE_CONTEXT_FIELD}" from ...'`,
    );
  if (/^<TABLE\b/i.test(start[0] ?? "")) return said("mysql's HTML output (-H, --html)", mysql);
  if (/^<TR>/i.test(start[0] ?? ""))
    return said(
      "sqlite3 -html output",
      `sqlite3 FILE 'select ${TRACE_CONTEXT_FIELD} from ...' (its default list mode)`,
    );
  return "";
}

/** A client that draws tables for a person: which of them may have drawn one ({@link tableLayoutHint}). */
type TableClient = "sqlite3" | "psql" | "mysql";

/** What to run instead of psql's aligned output. */
const PSQL_ROWS = `print the rows alone, psql -At -c "select ..." (-A unaligned, -t rows only; -X -A -t also skips psqlrc)`;

/** What to run instead of mysql's table. */
const MYSQL_ROWS = `print the rows alone, mysql -N -B -e "select ..." (-N no column names, -B batch)`;

/**
 * A hint for a table drawn for a person that sqlite3, psql and mysql draw alike, else "", naming the
 * client by a real difference of their output, or every client it may be (checked with sqlite3 3.40,
 * psql 15 and the MariaDB 10.11 client, each over one and several columns):
 * - `+----+` borders: `sqlite3 -table`, psql with `\pset border 2`, `mysql -t`; `┌───┐` box characters:
 *   `sqlite3 -box`, psql with `\pset linestyle unicode` and `\pset border 2`. sqlite3 and psql centre a
 *   column's name, mysql writes it after one space (told where a name is two narrower than its column at
 *   least); psql and mysql right-align a number, sqlite3 left-aligns it; psql writes a `(N rows)` footer
 *   unless `\pset footer off`. psql also ends its output with an empty line, but that tells nothing: a
 *   table of sqlite3 pasted with an empty line after it is the same text.
 * - the names over a line of dashes: `sqlite3 -column -header` puts two spaces between the columns' dashes
 *   and writes a name from the column's start; psql's aligned output, `|` (`+` in the dashes) or one space
 *   (`\pset border 0`) between them, centres a name (border 1, the default, after one space at least); with
 *   unicode lines, `─` and `┼`.
 * `list`: what to run instead of sqlite3's. `lines`: the text's lines.
 */
function tableLayoutHint(lines: readonly string[], list: string): string {
  const footer = lines.some((line) => /^\(\d+ rows?\)$/.test(line));
  // psql's output ends with an empty line (after the table, or its footer) and sqlite3's and mysql's do
  // not, but a table pasted with an empty line after it ends so too: only the footer is psql's own.
  const sqlite = `print the carrier column alone, ${list}`;
  const said = (clients: TableClient[], what: Record<TableClient, string>, drawn: string): string => {
    const fix: Record<TableClient, string> = { sqlite3: sqlite, psql: PSQL_ROWS, mysql: MYSQL_ROWS };
    const [one, ...others] = clients as [TableClient, ...TableClient[]];
    if (others.length === 0) return ` (it looks like ${what[one]}, ${drawn}: ${fix[one]})`;
    return (
      ` (it looks like ${what[one]}, ${drawn}, or ${others.map((c) => what[c]).join(" or ")}, which draw${others.length > 1 ? "" : "s"} the same: ` +
      `${clients.map((c) => `from ${c}, ${fix[c]}`).join("; ")})`
    );
  };
  // Bordered: +----+ (the border may follow a client's prompt line) or ┌───┐.
  const border = lines.slice(0, 3).findIndex((line) => /^\+-+(?:\+-+)*\+$/.test(line.trim()));
  const box = /^┌─+(?:┬─+)*┐$/.test(lines[0]?.trim() ?? "");
  if (border >= 0 || box) {
    const bar = box ? "│" : "|";
    const start = box ? 0 : border;
    const clients = new Set<TableClient>(box ? ["sqlite3", "psql"] : ["sqlite3", "mysql", "psql"]);
    const keep = (...only: TableClient[]) => {
      for (const client of [...clients]) if (!only.includes(client)) clients.delete(client);
    };
    // The cells of a row, each without the space on either side of it (a value holding the bar splits
    // into more cells: only names and numbers are looked at).
    const cells = (line: string | undefined): string[] => {
      const text = line?.trimEnd() ?? "";
      if (!text.startsWith(bar) || !text.endsWith(bar) || text.length < 2) return [];
      return text
        .slice(1, -1)
        .split(bar)
        .filter((cell) => cell.length >= 2 && cell.startsWith(" ") && cell.endsWith(" "))
        .map((cell) => cell.slice(1, -1));
    };
    const padding = (cell: string) => [
      cell.length - cell.trimStart().length,
      cell.length - cell.trimEnd().length,
    ];
    // A header (its names, then a border) or none (mysql -N -t, psql -t): the rows start after it.
    const headed = /^[+├]/.test(lines[start + 2]?.trim() ?? "");
    const names = headed ? cells(lines[start + 1]).filter((cell) => cell.trim() !== "") : [];
    if (names.some((name) => padding(name)[0]! >= 1)) keep("sqlite3", "psql");
    else if (names.some((name) => padding(name)[1]! >= 2)) keep("mysql");
    const numbers = lines
      .slice(start + (headed ? 3 : 1), start + (headed ? 3 : 1) + PSQL_ROWS_LOOKED_AT)
      .flatMap(cells)
      .filter((cell) => /^\s*-?\d+\s*$/.test(cell));
    if (numbers.some((cell) => padding(cell)[0]! >= 1 && padding(cell)[1] === 0)) clients.delete("sqlite3");
    if (numbers.some((cell) => padding(cell)[0] === 0 && padding(cell)[1]! >= 1)) keep("sqlite3");
    if (footer) keep("psql");
    const order: TableClient[] = (["sqlite3", "mysql", "psql"] as const).filter((c) => clients.has(c));
    const what: Record<TableClient, string> = box
      ? {
          sqlite3: "sqlite3 -box output",
          psql: "psql's aligned output with \\pset linestyle unicode and border 2",
          mysql: "",
        }
      : {
          sqlite3: "sqlite3 -table output",
          psql: "psql's aligned output with \\pset border 2",
          mysql: "mysql's table output",
        };
    return said(
      order.length > 0 ? order : box ? ["sqlite3", "psql"] : ["sqlite3", "mysql", "psql"],
      what,
      box ? "a table drawn with box characters" : "in +----+ borders",
    );
  }
  // The names over a line of dashes.
  const dashes = lines[1] ?? "";
  const what: Record<TableClient, string> = {
    sqlite3: "sqlite3 -column -header output",
    psql: footer ? "psql's aligned output" : "psql's aligned output with its footer off (\\pset footer off)",
    mysql: "",
  };
  const drawn = "the column names over a line of dashes";
  if (/^─+(?:[┼ ]─+)*$/.test(dashes) || /^-+(?: -+)+$/.test(dashes)) return said(["psql"], what, drawn);
  if (!/^-+(?: {2}-+)*$/.test(dashes)) return "";
  // psql's own (N rows) footer under a single run of dashes: clientTableHint says so.
  if (footer) return "";
  if (/ {2}-/.test(dashes)) return said(["sqlite3"], what, drawn);
  const header = lines[0] ?? "";
  const left = header.length - header.trimStart().length;
  const narrower = dashes.length - header.trim().length;
  if (left >= 1 || footer) return said(["psql"], what, drawn);
  return said(narrower >= 2 ? ["sqlite3"] : ["sqlite3", "psql"], what, drawn);
}

/**
 * A hint for `sqlite3` output in one of its modes for a person, else "": `-line` (a `column = value`
 * line per column, an empty line between rows), `-quote` (each value in SQL single quotes, `NULL` for a
 * NULL column; several columns separated by commas), `.mode insert` (an `INSERT INTO` statement a row, as
 * `pg_dump --inserts` and mysqldump write too), `-markdown` (`| name |`, then `|---|`); and the tables
 * `-box`, `-table` and `-column -header`,
 * which psql and mysql draw alike, told apart by {@link tableLayoutHint}; `-column` without `-header` of
 * several columns ({@link paddedColumns}). Checked with sqlite3 3.40.
 * `lines`: the text's lines.
 */
export function sqliteModeHint(lines: readonly string[]): string {
  const first = lines.find((line) => line.trim() !== "") ?? "";
  const list = `sqlite3 FILE 'select ${TRACE_CONTEXT_FIELD} from ...' (its default list mode: a row a line, a NULL column an empty line), or whole rows, sqlite3 -json FILE 'select ...'`;
  const said = (what: string) => ` (it looks like ${what}: print the carrier column alone, ${list})`;
  if (/^[A-Za-z_][\w$]* = /.test(first.trimStart()))
    return said('sqlite3 -line output, a "column = value" line per column');
  if (
    /^'.*'$/.test(first.trim()) &&
    lines.every((line) => line === "" || line === "NULL" || /^'.*'$/.test(line))
  )
    return said(
      "sqlite3 -quote output, each value in SQL single quotes (or JSON text in single quotes that a shell kept, as cmd.exe does: remove them)",
    );
  // Several columns: SQL literals separated by commas, one at least quoted.
  if (
    lines.some((line) => line.includes("'")) &&
    lines.every((line) => line === "" || SQL_LITERALS.test(line))
  )
    return said("sqlite3 -quote output of several columns, each value a SQL literal separated by commas");
  if (/^INSERT INTO /i.test(first))
    return (
      ` (it looks like SQL INSERT statements, as sqlite3 prints them in .mode insert (or .dump), or pg_dump --inserts and mysqldump write them, ` +
      `each value a SQL literal: print the carrier column alone, a row a line, sqlite3 FILE 'select ${TRACE_CONTEXT_FIELD} from ...', ` +
      `psql -At -c 'select "${TRACE_CONTEXT_FIELD}" from ...', mysql -N -B -e 'select ${TRACE_CONTEXT_FIELD} from ...')`
    );
  const table = tableLayoutHint(lines, list);
  if (table !== "") return table;
  if (/^[╭│]/.test(first)) return said("sqlite3 -box output, a table drawn with box characters");
  if (/^\|(?:[ :]*-+[ :]*\|)+$/.test(lines[1]?.trim() ?? ""))
    return said("sqlite3 -markdown output, a Markdown table");
  if (lines.slice(0, SQLITE_COLUMN_ROWS_LOOKED_AT).some(paddedColumns))
    return said("sqlite3 -column output of several columns, padded with spaces");
  return "";
}

/**
 * A line of `sqlite3 -quote` output of several columns: SQL literals separated by commas, each a string in
 * single quotes (a quote inside doubled), `NULL`, a number, or a blob `X'…'` (checked with sqlite3 3.40).
 */
const SQL_LITERALS =
  /^(?:'[^']*(?:''[^']*)*'|NULL|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|X'[0-9A-Fa-f]*')(?:,(?:'[^']*(?:''[^']*)*'|NULL|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|X'[0-9A-Fa-f]*'))+$/;

/** How many lines {@link sqliteModeHint} looks at for `sqlite3 -column` rows of several columns. */
const SQLITE_COLUMN_ROWS_LOOKED_AT = 8;

/**
 * True when `line` reads as a row of `sqlite3 -column` output of several columns, without `-header`:
 * fields separated by two or more spaces (the client pads each column to its width and puts two
 * spaces between columns; a NULL column is blank), two or more of them, one a JSON object (the carrier
 * column, `1   {"traceparent":…}` or `{"traceparent":…}  1`).
 */
function paddedColumns(line: string): boolean {
  const fields = line.trim().split(/ {2,}/);
  return fields.length >= 2 && fields.some((field) => field.startsWith("{") && isJson(field));
}

/**
 * A hint for line `index` of `lines` (line-per-row text) that opens a JSON value left open on it (`{` or
 * `[` alone) and that lines after it close (`}` or `]` alone) as one JSON value, else "": a value printed
 * over several lines among rows printed on one, what `mysql -r` (`--raw`) prints for a JSON column holding
 * pretty-printed text beside compact ones (it writes a value's line breaks as they are), or `psql -At`
 * for such a `json` column. Not a row cut short, which {@link cutShortHint} would call it.
 */
export function valueOverLinesHint(lines: readonly string[], index: number): string {
  const open = lines[index]?.trim();
  if (open !== "{" && open !== "[") return "";
  const close = open === "{" ? "}" : "]";
  const end = lines.findIndex((line, at) => at > index && line.trimEnd() === close);
  if (end < 0 || !isJson(lines.slice(index, end + 1).join("\n"))) return "";
  return (
    ` (it starts a JSON value printed over several lines, to line ${end + 1}, among rows printed on one: a JSON column holding pretty-printed text, ` +
    `as mysql -r (--raw) prints it, or psql -At a json column: print a row a line, mysql -N -B -e "select ${TRACE_CONTEXT_FIELD} from ..." ` +
    `without -r (--batch writes a line break in a value as \\n, which tracehop inspect undoes), psql -At -c 'select "${TRACE_CONTEXT_FIELD}"::jsonb from ...')`
  );
}

/**
 * A hint for a line `\N`, else "": how PostgreSQL's COPY text format writes a NULL column (`\copy (select
 * ...) to stdout`, a pg_dump data section; PostgreSQL manual, COPY, "Text Format"), whose values are
 * escaped besides (`\\`, `\n`, `\t`): the hint gives the query that prints the column as stored.
 */
export function copyTextHint(line: string): string {
  return line === "\\N"
    ? ` (it looks like PostgreSQL's COPY text format, \\copy ... to stdout, where \\N is a NULL column and a value's backslashes are escaped: print the column as stored, a row a line, psql -At -c 'select "${TRACE_CONTEXT_FIELD}" from ...')`
    : "";
}

/**
 * A hint for PostgreSQL's COPY text format (a line `\N`, its NULL column: `copyOutput`) that
 * is not read, else "": a line holding a backslash that starts none of the escapes COPY writes with its
 * default delimiter (`\,` of `DELIMITER ','`: `copyUnescaped`), or a line that is not JSON with
 * them undone; named by its number, with what to run. `lines`: the text's lines.
 */
export function copyLinesHint(lines: readonly string[]): string {
  if (!lines.includes("\\N") || lines.includes("NULL")) return "";
  const column = `psql -At -c 'select "${TRACE_CONTEXT_FIELD}" from ...'`;
  for (const [index, line] of lines.entries()) {
    if (line === "\\N" || nullLine(line) !== undefined) continue;
    const text = copyUnescaped(line);
    if (text === undefined) {
      const escape = /\\[^\\bfnrtv]/.exec(line.replace(/\\\\/g, ""))?.[0] ?? "\\";
      return (
        ` (it looks like PostgreSQL's COPY text format (a line \\N, its NULL), but its line ${index + 1} holds a backslash that ` +
        `starts none of the escapes COPY writes with its default delimiter (\\\\ \\n \\r \\t \\b \\f \\v): ${escape} ` +
        `(a DELIMITER of its own? COPY ... TO STDOUT without one reads), or print the column as stored, ${column})`
      );
    }
    if (!isJson(text))
      return (
        ` (it looks like PostgreSQL's COPY text format (a line \\N, its NULL), but its line ${index + 1} is not JSON with the ` +
        `escapes COPY writes (\\\\ \\n \\r \\t \\b \\f \\v) undone: print the column as stored, ${column})`
      );
  }
  return "";
}

/**
 * A hint for a line that starts with a byte order mark (U+FEFF), else "": text joined from files each
 * saved with one (`cat a.json b.json`; Windows Notepad and PowerShell write it), whose mark is then at the
 * start of a line inside the text, where it is no JSON (only the text's own first one is skipped).
 */
export function byteOrderMarkHint(line: string): string {
  return line.startsWith("\ufeff")
    ? " (it starts with a byte order mark, U+FEFF: files joined with cat, each saved with one? Remove the marks (sed 's/^\\xEF\\xBB\\xBF//' FILE), or give each file alone)"
    : "";
}
