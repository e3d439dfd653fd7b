// Line-per-row text, as database clients print one column over several rows: `psql -At` and `psql -t`
// lines, `mysql --batch` lines with their escapes, psql's hex output of a bytea column.
import { trimOws } from "../propagation/w3c/baggage.js";
import { isJson, parseJson } from "./carrier-shape.js";
import { parseJsonExact } from "./exact-json.js";

/** What an empty line of line-per-row input is: `psql -At` prints a NULL column so. */
const NULL_ROW = "NULL: written outside a span, or by a service without the extension";

/**
 * What a line `NULL` of line-per-row input is: `mysql --batch` (`-B`, `-N -e`) prints a NULL column so,
 * and so does `sqlite3` in its list mode after `.nullvalue NULL` (its default prints an empty line).
 */
const MYSQL_NULL_ROW =
  "NULL: a NULL column as mysql --batch or sqlite3 with .nullvalue NULL prints it; written outside a span, or by a service without the extension";

/**
 * What a NULL column of `psql -t` output is when psql writes its null display of its own, `NULL`
 * (`-P null=NULL`, `\pset null NULL` in a psqlrc; checked with psql 15).
 */
const PSQL_NULL_ROW =
  "NULL: a NULL column as psql prints it with its null display set to NULL (-P null=NULL, \\pset null NULL); written outside a span, or by a service without the extension";

/**
 * What a line `NULL` is among rows that print as psql prints a jsonb column ({@link psqlJsonbLines}):
 * `psql -At -P null=NULL` most likely, though mysql --batch and sqlite3 print the same bytes for a column
 * stored in that form.
 */
const PSQL_OR_MYSQL_NULL_ROW =
  "NULL: a NULL column as psql prints it with its null display set to NULL (-P null=NULL, \\pset null NULL; " +
  "the other rows are printed as psql prints a jsonb column), or as mysql --batch or sqlite3 with .nullvalue NULL prints it; " +
  "written outside a span, or by a service without the extension";

/**
 * Which client's null display of its own a NULL column of line-per-row text is ({@link nullLine}):
 * `aligned`, psql's, in `psql -t` output (a line ` NULL`); `jsonb`, psql's most likely, in text whose
 * other rows print as psql prints a jsonb column (`psql -At -P null=NULL`).
 */
export type PsqlNullDisplay = "aligned" | "jsonb";

/** Line-per-row text: its lines, and the first line that is not a NULL column read as JSON (read once). */
interface RowLines {
  lines: string[];
  /** Whether the lines are `mysql --batch` output, each read with its escapes undone ({@link mysqlOutput}). */
  mysql: boolean;
  /**
   * Whether the lines are PostgreSQL's COPY text format ({@link copyOutput}), each read with its escapes
   * undone ({@link copyUnescaped}), a line `\N` a NULL column.
   */
  copy?: boolean;
  /** When they are, what {@link mysqlOutput} parsed of each line holding a backslash, by index. */
  escaped: (EscapedLine | undefined)[];
  /**
   * Whether, read as `mysql --batch` output, they print as `sqlite3` list output with `.nullvalue NULL`
   * prints too ({@link mysqlOutput}: only a line `NULL` says mysql), so that either client may have
   * written them.
   */
  sqliteAlike?: boolean;
  /**
   * Whether nothing in the lines tells `mysql --batch` output from a client's that prints a column as
   * stored (`psql -At`, `sqlite3`, `mysql -r`): no line `NULL` or JSON only with mysql's escapes undone,
   * none that rules mysql out ({@link mysqlOutput}) and no empty line (a NULL column as psql -At and
   * sqlite3 print it), not psql's aligned or COPY output. A line holding a
   * backslash that is JSON both ways is then read as printed on a guess ({@link mysqlReadsOtherwise}).
   */
  unknownClient?: boolean;
  /** The index of the first line that is not a NULL column, and that line read ({@link readLine}). */
  first?: { index: number; read: LineValue | LineNoCarrier };
  /** Set when a NULL column is psql's null display of its own, `NULL` ({@link PsqlNullDisplay}). */
  psqlNull?: PsqlNullDisplay;
  /**
   * Whether the lines were split at CR LF ({@link textLines}: every line break of the text is one), a
   * carriage return taken off each line as part of its line break.
   */
  crlf: boolean;
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
export function rowLines(text: string): RowLines | undefined {
  if (!text.includes("\n")) {
    if (text.trim() === "") return undefined;
    if (nullLine(text) !== undefined) return { lines: [text], mysql: false, escaped: [], crlf: false };
  }
  const lines = textLines(text);
  const crlf = text.includes("\r\n") && !/(?:^|[^\r])\n/.test(text);
  if (lines[lines.length - 1] === "") lines.pop();
  let psqlNull: PsqlNullDisplay | undefined;
  const aligned = psqlAlignedRows(lines);
  if (aligned) {
    lines.pop();
    // psql's null display of its own (-P null=NULL, \pset null NULL), after the row's leading space: a
    // NULL column, as its default null display " " is.
    for (const [index, line] of lines.entries())
      if (line === " NULL") {
        lines[index] = " ";
        psqlNull = "aligned";
      }
  }
  const copy = copyOutput(lines);
  const index = lines.findIndex((line) => nullLine(line, copy) === undefined);
  if (index < 0) return { lines, mysql: false, copy, escaped: [], crlf, psqlNull };
  const client = copy ? { mysql: false, escaped: [] } : mysqlOutput(lines);
  let { mysql, escaped, sqliteAlike } = client;
  // A line JSON only with mysql's escapes undone is mysql's (sqliteAlike false): psql prints none.
  if (
    psqlNull === undefined &&
    !copy &&
    (sqliteAlike ?? !mysql) &&
    lines.includes("NULL") &&
    psqlJsonbLines(lines)
  ) {
    psqlNull = "jsonb";
    // psql -At prints a value as stored, with no escapes: a line holding a backslash that is JSON both
    // as printed and with mysql's escapes undone is read as printed when it is jsonb text as printed too
    // (`{"tracestate": "h5=C:\\tmp"}` holds a backslash, not the tab that undoing `\\` then `\t`
    // would make).
    if (mysql && lines.every((line, at) => escaped[at] === undefined || isJsonbText(line))) {
      mysql = false;
      escaped = [];
      sqliteAlike = undefined;
    }
  }
  const read = readLine(lines[index]!, mysql, escaped[index], copy);
  if ("error" in read) return undefined;
  // An empty line is a NULL column as psql -At and sqlite3 print it (mysql --batch prints NULL): theirs.
  const unknownClient =
    !copy &&
    !aligned &&
    !client.mysql &&
    client.notMysql !== true &&
    !lines.some((line) => line.trim() === "");
  return { lines, mysql, copy, escaped, sqliteAlike, unknownClient, first: { index, read }, crlf, psqlNull };
}

/**
 * Whether `line`, read as printed (JSON as it is), holds a backslash and is JSON also with the escapes
 * `mysql --batch` writes undone (`\\` `\t` `\n` `\0`), a column storing another value: `mysql -N -B`
 * writes a MySQL / MariaDB JSON column's `\` as `\\`, while `psql -At`, `sqlite3` and `mysql -r` print
 * a column as stored, so such a line alone cannot say which it is (checked with MariaDB 10.11, psql 15,
 * sqlite3 3.40).
 */
export function mysqlReadsOtherwise(line: string): boolean {
  const unescaped = mysqlUnescaped(line);
  return unescaped !== undefined && isJson(unescaped);
}

/**
 * Whether the first rows of `lines` that are not NULL columns (at most five, one at least) are each a JSON
 * object written as PostgreSQL writes a jsonb value's text ({@link jsonbText}): what `psql -At` prints
 * of a jsonb column. A json or text column holding text written otherwise (`JSON.stringify`'s, with no
 * spaces) prints as stored, and mysql --batch and sqlite3 print a column as stored: such text is told by
 * nothing, and not taken for psql's.
 */
function psqlJsonbLines(lines: readonly string[]): boolean {
  const rows = lines.filter((line) => nullLine(line) === undefined).slice(0, 5);
  return rows.length > 0 && rows.every(isJsonbText);
}

/** Whether `line` is a JSON object written as PostgreSQL writes a jsonb value's text ({@link jsonbText}). */
function isJsonbText(line: string): boolean {
  const read = parseJson(line);
  return (
    "value" in read &&
    typeof read.value === "object" &&
    read.value !== null &&
    !Array.isArray(read.value) &&
    jsonbText(read.value) === line
  );
}

/**
 * `value`, parsed JSON, written as PostgreSQL writes a jsonb value's text (PostgreSQL 15's `jsonb_out` and
 * `escape_json`): `": "` after a key and `", "` between members
 * and elements, an object's keys ordered by their length in UTF-8 bytes and then by those bytes, a
 * string's `"` and `\` escaped, its controls as `\b \f \n \r \t` or `\u00XX`, every other character as
 * it is; a number as JavaScript writes it (jsonb keeps a number's digits as written: `1.0` is not this).
 * `undefined` for a value nested too deep to write.
 */
function jsonbText(value: unknown): string | undefined {
  try {
    return jsonbWritten(value);
  } catch {
    return undefined; // a value nested thousands of levels deep overflows the stack
  }
}

function jsonbWritten(value: unknown): string {
  if (typeof value === "string") return jsonbString(value);
  if (Array.isArray(value)) return `[${value.map(jsonbWritten).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => {
      const [x, y] = [Buffer.from(a), Buffer.from(b)];
      return x.length - y.length || Buffer.compare(x, y);
    });
    return `{${entries.map(([key, item]) => `${jsonbString(key)}: ${jsonbWritten(item)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}

/** `text` as PostgreSQL's `escape_json` writes it ({@link jsonbText}). */
function jsonbString(text: string): string {
  const escapes: Record<string, string> = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
  };
  return `"${text.replace(/["\\]|[^\x20-\uffff]/g, (c) => escapes[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

/**
 * Whether line-per-row `lines` are PostgreSQL's COPY text format (`COPY (select ...) TO STDOUT`,
 * `\copy ... to stdout`, a pg_dump data section; PostgreSQL manual, COPY, "Text Format"): a line is `\N`,
 * how it writes a NULL column (no other client prints it: `mysql --batch` writes a value `\N` as `\\N`,
 * psql -At a NULL as an empty line), and no line is `NULL` (mysql's NULL column; COPY of a JSON column
 * never prints it). Its every line is then read with COPY's escapes undone ({@link copyUnescaped}); a line
 * that is not JSON so is named, with the hint `copyTextHint` gives. Output without a line
 * `\N` is read as before: as it is, or as `mysql --batch` output, whose escapes `\\ \n \t` COPY writes
 * alike (the values read are the same).
 */
function copyOutput(lines: readonly string[]): boolean {
  return lines.includes("\\N") && !lines.includes("NULL");
}

/**
 * The lines of `text`, split at each LF; a CR before an LF is part of the line break only when every
 * line break of the text is CR LF (a file saved with Windows line ends). psql and mysql end each row
 * with an LF alone, so in their output a CR before an LF is the value's own (`psql -At` of a stored
 * traceparent ending in CR LF prints `…-01\r\n\n`): kept, it is judged as the restore judges it (a
 * traceparent ending in a CR is refused), never read as valid.
 */
export function textLines(text: string): string[] {
  return /(?:^|[^\r])\n/.test(text) ? text.split("\n") : text.split(/\r?\n/);
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
 * it is, said when it holds a backslash ({@link mysqlReadsOtherwise}). `escaped`: when they are, each line holding a backslash as it was parsed here (by index), for
 * {@link readLine}, so that no line is parsed twice the same way; empty when they are not.
 * `sqliteAlike`: when only a line `NULL` says so, `sqlite3` list output with `.nullvalue NULL` prints the
 * same bytes (it writes a column as stored: no escapes, a line break in a value as it is, so a line JSON
 * only with the escapes undone is mysql's alone); the lines are read as mysql's, and the reader says
 * both (`parseInspectInput`). `notMysql`: when a line rules mysql --batch out (a backslash that starts
 * none of its escapes, a line JSON only as printed); without it or `mysql`, a line holding a backslash
 * that is JSON both ways is read as printed on a guess, said ({@link mysqlReadsOtherwise}).
 */
function mysqlOutput(lines: readonly string[]): {
  mysql: boolean;
  escaped: (EscapedLine | undefined)[];
  sqliteAlike?: boolean;
  notMysql?: boolean;
} {
  const no = { mysql: false, escaped: [] };
  const notMysql = { ...no, notMysql: true };
  let mysql = false;
  // A line JSON only with the escapes undone: what no sqlite3 output holds.
  let escapedOnly = false;
  const escaped: (EscapedLine | undefined)[] = [];
  for (const [index, line] of lines.entries()) {
    if (line === "NULL") mysql = true;
    else if (line.includes("\\")) {
      const unescaped = mysqlUnescaped(line);
      if (unescaped === undefined) return notMysql;
      const read: EscapedLine = { asIs: isJson(line), undone: parseJson(unescaped) };
      const undone = "value" in read.undone;
      // JSON only as printed: `mysql -r` (--raw) output, which writes a value as stored.
      if (read.asIs && !undone) return notMysql;
      escapedOnly ||= undone && !read.asIs;
      escaped[index] = read;
    }
  }
  mysql ||= escapedOnly;
  return mysql ? { mysql, escaped, sqliteAlike: !escapedOnly } : no;
}

/**
 * A line of `mysql --batch` output holding a backslash, as {@link mysqlOutput} parsed it: with the
 * escapes undone (`undone`: its value, or the parser's error), and whether it is JSON as it is (`asIs`).
 */
export interface EscapedLine {
  undone: { value: unknown } | { error: string };
  asIs: boolean;
}

/**
 * Whether `lines` (the final line break's empty line left out already) are what `psql -t` prints in
 * its default aligned format for one column: every row's line starts with a space (a value ` {…}`, a
 * NULL column ` `), and the table ends with an empty line, which is no row (psql's empty footer line).
 * `psql -At` (unaligned) writes a value with no leading space and a NULL column as an empty line, the
 * last row too (`{…}\n\n` is a row and a NULL row): its lines start with no space, so its empty lines
 * stay NULL columns. Checked with psql 15 (`-t` over rows, a NULL row among them, values pretty-printed).
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
 * blank ({@link NULL_ROW}, `psql -At`), `NULL` ({@link MYSQL_NULL_ROW}, `mysql --batch`), or in
 * PostgreSQL's COPY text format (`copy`: {@link copyOutput}) `\N` ({@link COPY_NULL_ROW}).
 */
export function nullLine(line: string, copy = false, psqlNull?: PsqlNullDisplay): string | undefined {
  return line.trim() === ""
    ? psqlNull === "aligned"
      ? PSQL_NULL_ROW
      : NULL_ROW
    : line === "NULL"
      ? psqlNull === "jsonb"
        ? PSQL_OR_MYSQL_NULL_ROW
        : MYSQL_NULL_ROW
      : copy && line === "\\N"
        ? COPY_NULL_ROW
        : undefined;
}

/** What a line `\N` of PostgreSQL's COPY text format is ({@link copyOutput}): a NULL column. */
const COPY_NULL_ROW =
  "NULL: a NULL column as PostgreSQL's COPY text format prints it (\\N); written outside a span, or by a service without the extension";

/**
 * A line read as JSON: its `value`, and the `text` it was read from (the line, or the line with the
 * escapes of `mysql --batch` undone: `mysql`, or the bytes of a bytea value: `bytea`); a bytea value
 * that holds no JSON text, a row without a carrier (`noCarrier`: why); or, when it is none of these,
 * the parser's `error` for the line as it is.
 */
export type LineJson = LineValue | LineNoCarrier | { error: string };

/**
 * A line read as JSON ({@link LineJson}); `traceparent`: the line was a bare traceparent value, read as the
 * carrier `{"traceparent": <it>}` ({@link bareTraceparentLine}).
 */
export type LineValue = {
  value: unknown;
  text: string;
  mysql: boolean;
  /** Read as a line of PostgreSQL's COPY text format with escapes in it, undone ({@link copyUnescaped}). */
  copy?: true;
  asIs?: boolean;
  bytea?: true;
  traceparent?: true;
};

/** A line that is a row without a carrier, though no NULL column ({@link LineJson}). */
type LineNoCarrier = { noCarrier: string };

/** What an empty bytea value is (`\x`: no bytes). */
const EMPTY_BYTEA = "an empty bytea value (\\x, psql's hex output of no bytes): no carrier";
/** What a bytea value whose bytes are not UTF-8 is. */
const BYTEA_NOT_UTF8 =
  "a bytea value (\\x…, psql's hex output) whose bytes are not UTF-8 text: no carrier (a carrier stored as bytes is its UTF-8 JSON text; convert_from(column, 'UTF8') selects it as text)";
/** What a bytea value whose UTF-8 text is not JSON is. */
const BYTEA_NOT_JSON = "a bytea value (\\x…, psql's hex output) whose UTF-8 text is not JSON: no carrier";

/**
 * `line` read as JSON as it is, else with the escapes of `mysql --batch` undone ({@link mysqlUnescaped});
 * a line of PostgreSQL's COPY text format (`copy`, {@link copyOutput}) with its escapes undone
 * ({@link copyUnescaped}), an error when one of its backslashes starts none;
 * a line of `mysql --batch` output (`mysql`, {@link mysqlOutput}) with its escapes undone first (`asIs`:
 * the line was JSON as it is too, read otherwise so), taking what `mysqlOutput` parsed of it
 * (`escaped`) instead of parsing it again.
 */
export function readLine(line: string, mysql = false, escaped?: EscapedLine, copy = false): LineJson {
  if (copy) {
    const text = copyUnescaped(line);
    if (text === undefined) return { error: COPY_NO_ESCAPE };
    const read = parseJson(text);
    if (!("value" in read)) return read;
    return text === line
      ? { value: read.value, text, mysql: false }
      : { value: read.value, text, mysql: false, copy: true };
  }
  const unescaped = mysql ? mysqlUnescaped(line) : undefined;
  if (unescaped !== undefined) {
    const undone = escaped?.undone ?? parseJson(unescaped);
    if (!("value" in undone)) return undone;
    return { value: undone.value, text: unescaped, mysql: true, asIs: escaped?.asIs ?? isJson(line) };
  }
  try {
    return { value: parseJsonExact(line), text: line, mysql: false };
  } catch (err) {
    const unescaped = mysqlUnescaped(line);
    if (unescaped !== undefined)
      try {
        return { value: parseJsonExact(unescaped), text: unescaped, mysql: true };
      } catch {
        // Not JSON either way: the line's own error is said.
      }
    return byteaLine(line) ?? bareTraceparentLine(line) ?? { error: (err as Error).message };
  }
}

/**
 * A traceparent value alone, or what tries to be one: two hex digits (the version), `-`, and eight hex
 * digits (the start of a trace-id), any case, after SP/HTAB (W3C Trace Context §3.2.2). What follows is
 * not looked at: the traceparent style then says whether the value is valid, and why not (a no-break
 * space in it, a carriage return at its end, a field cut short), rather than the input being refused as no
 * JSON. Only one JSON text starts so (a number such as `1e-12345678`), which {@link isBareTraceparent}
 * leaves to JSON.
 */
const TRACEPARENT_ATTEMPT = /^[ \t]*[0-9a-f]{2}-[0-9a-f]{8}/i;

/** True when `text` is a traceparent value alone, or an attempt at one, and no JSON ({@link TRACEPARENT_ATTEMPT}). */
export function isBareTraceparent(text: string): boolean {
  return TRACEPARENT_ATTEMPT.test(text) && !isJson(text);
}

/**
 * `line` read as the carrier `{"traceparent": <it>}` when it is a traceparent value alone (what
 * `select "traceContext"->>'traceparent' from ...` prints: one header's value, not the carrier;
 * {@link isBareTraceparent}), the spaces and tabs around it left out (`psql -t` starts a row with one;
 * the style ignores them too) and every other character kept, for the style to judge (a no-break space, a
 * carriage return not part of the line break); else `undefined`.
 */
function bareTraceparentLine(line: string): LineValue | undefined {
  if (!isBareTraceparent(line)) return undefined;
  return bareTraceparentValue(trimOws(line));
}

/**
 * `value`, a traceparent value alone ({@link isBareTraceparent}), read as the carrier
 * `{"traceparent": <value>}`, its characters as they are.
 */
export function bareTraceparentValue(value: string): LineValue {
  const carrier = { traceparent: value };
  return { value: carrier, text: JSON.stringify(carrier), mysql: false, traceparent: true };
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
export function mysqlUnescaped(line: string): string | undefined {
  return line.includes("\\") ? unescaped(line, MYSQL_BATCH_ESCAPES) : undefined;
}

/** The characters PostgreSQL's COPY text format writes escaped in a column's value, by the letter after the backslash. */
const COPY_ESCAPES = new Map([
  ["\\", "\\"],
  ["b", "\b"],
  ["f", "\f"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
  ["v", "\v"],
]);

/** The error of a line of COPY text holding a backslash that starts none of its escapes. */
export const COPY_NO_ESCAPE =
  "a backslash that starts none of the escapes PostgreSQL's COPY text format writes with its default delimiter";

/**
 * `line` with the escapes PostgreSQL's COPY text format writes in a column's value undone, in one pass
 * from the left: `\\` a backslash, `\b` `\f` `\n` `\r` `\t` `\v` backspace, form feed, line feed, carriage
 * return, tab, vertical tab (PostgreSQL manual, COPY, "Text Format": what COPY TO writes, with the default
 * delimiter, a tab). `undefined` when a backslash starts none of these: the escaped delimiter of
 * `DELIMITER ','` (`\,`), or the octal and hex escapes only COPY FROM reads. A line without one is itself.
 */
export function copyUnescaped(line: string): string | undefined {
  return line.includes("\\") ? unescaped(line, COPY_ESCAPES) : line;
}

/** `line` with the escapes of `escapes` undone, or `undefined` at a backslash that starts none. */
function unescaped(line: string, escapes: ReadonlyMap<string, string>): string | undefined {
  // One pass over the code units into one buffer, stopped by the first backslash that starts no escape (a
  // JSON string's `\"`, which no mysql output holds): a string per escape would cost seconds of garbage
  // collection on a few MB of them.
  const out = new Uint16Array(line.length);
  let length = 0;
  for (let i = 0; i < line.length; i++) {
    let unit = line.charCodeAt(i);
    if (unit === BACKSLASH) {
      const character = escapes.get(line.charAt(++i)); // "" past the end: no escape
      if (character === undefined) return undefined;
      unit = character.charCodeAt(0);
    }
    out[length++] = unit;
  }
  const chunks: string[] = [];
  for (let at = 0; at < length; at += DECODE_CHUNK)
    chunks.push(String.fromCharCode(...out.subarray(at, Math.min(at + DECODE_CHUNK, length))));
  return chunks.join("");
}

/** `\\`, which starts each escape of `mysql --batch`. */
const BACKSLASH = 0x5c;
/** Code units turned into a string per `String.fromCharCode` call (its arguments go on the stack). */
const DECODE_CHUNK = 8192;

/** PostgreSQL's hex output of a `bytea` column: `\x` and pairs of hex digits (none: an empty value). */
const BYTEA_HEX = /^\\x(?:[0-9a-fA-F]{2})*$/;

/**
 * `line` read when it is PostgreSQL's hex output of a `bytea` column (`\x7b22…`, what `psql -At` prints
 * for a carrier stored as bytes; PostgreSQL manual, "Binary Data Types", hex format): the JSON value of
 * its bytes decoded as UTF-8; a row without a carrier, saying why, when it has no bytes (`\x`), bytes
 * that are not UTF-8, or UTF-8 text that is not JSON (that row alone: the other rows are still read);
 * `undefined` when it is no such output.
 */
function byteaLine(line: string): LineValue | LineNoCarrier | undefined {
  if (!BYTEA_HEX.test(line)) return undefined;
  if (line.length === 2) return { noCarrier: EMPTY_BYTEA };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(line.slice(2), "hex"));
  } catch {
    return { noCarrier: BYTEA_NOT_UTF8 };
  }
  const read = parseJson(text);
  return "value" in read
    ? { value: read.value, text, mysql: false, bytea: true }
    : { noCarrier: BYTEA_NOT_JSON };
}
