// The text of the input of `tracehop inspect`: an argument, a file or standard input, read within a
// size limit and decoded as UTF-8 (or UTF-16 after its byte order mark).
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { isJson } from "./carrier-shape.js";
import { InspectInputError } from "./input.js";
import { isBareTraceparent } from "./line-rows.js";
import { MAX_QUOTED_VALUE_CHARACTERS, quoteWritten } from "../describe-value.js";

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
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * An input read as a stream of bytes: standard input (the bin: {@link fdInput}`(0)`; a test: bytes in
 * memory), or an open file.
 */
export interface InputSource {
  /**
   * Its size in bytes when it is a regular file (one redirected to standard input, `< rows.json`, too),
   * refused before it is read when over the limit; `undefined` for anything else (a pipe, a device).
   * @throws what `fstatSync` throws (EBADF), said as input that cannot be read.
   */
  fileSize(): number | undefined;
  /**
   * Reads up to `length` bytes into `buffer` at `offset`, as `readSync` does: the number of bytes read,
   * `0` at its end.
   * @throws what `readSync` throws (EISDIR, EAGAIN), said as input that cannot be read.
   */
  read(buffer: Buffer, offset: number, length: number): number;
  /** True when it is a pipe, a file or a socket (`psql ... | tracehop inspect`), not a terminal; never throws. */
  isPiped(): boolean;
}

/** The open file descriptor `fd` (standard input is `0`) as an {@link InputSource}; it is not closed. */
export function fdInput(fd: number): InputSource {
  return {
    fileSize: () => {
      const stat = fstatSync(fd);
      return stat.isFile() ? stat.size : undefined;
    },
    read: (buffer, offset, length) => readSync(fd, buffer, offset, length, null),
    isPiped: () => {
      try {
        const stat = fstatSync(fd);
        return stat.isFIFO() || stat.isFile() || stat.isSocket();
      } catch {
        return false;
      }
    },
  };
}

/**
 * A file name as a message names it: as typed when it is printable ASCII of at most
 * {@link MAX_QUOTED_VALUE_CHARACTERS} characters, else quoted, every character outside printable ASCII
 * escaped and cut after that many characters with its length (`"a\ufffdb.json"`), as a carrier's values
 * are quoted (docs/migration.md, "Checking a row"). A name that is not valid UTF-8 reaches Node with
 * U+FFFD in place of its bytes, shown so as `\ufffd`.
 */
function shownFileName(name: string): string {
  return name.length <= MAX_QUOTED_VALUE_CHARACTERS && /^[\x20-\x7e]*$/.test(name)
    ? name
    : quoteWritten(name, MAX_QUOTED_VALUE_CHARACTERS);
}

/** What to give instead, ending every message about input that cannot be read. */
const GIVE = "give JSON text, a file name, or - for standard input";

/**
 * The text of the one input argument: `-` standard input (`stdin`), JSON text as it is (it starts like a
 * JSON value, names no file and is not a file name with an extension; a traceparent value alone too),
 * else the file it names. Files and
 * standard input are decoded as UTF-8, or UTF-16 when they start with its byte order mark (what
 * Windows PowerShell's `>` writes). `argument`: the text is the argument itself, not a file's or standard
 * input's (`parseInspectInput` reads a traceparent value alone there as one value).
 * @throws {@link InspectInputError} when the input cannot be read (no such file, a directory, over
 *   {@link MAX_INPUT_BYTES}) or is not text (invalid UTF-8, a control character JSON text cannot
 *   hold), naming the input and what to give.
 */
export function readInput(arg: string, stdin: InputSource): { text: string; argument: boolean } {
  if (arg === "-")
    return { text: decodeInput(readBytes(stdin, "standard input"), "standard input"), argument: false };
  if (arg.trim() === "")
    throw new InspectInputError(
      `the argument is ${arg === "" ? "empty" : "blank"} (a shell variable that is unset or empty?); ${GIVE}`,
    );
  // '{"traceparent": ...}' with its quotes: cmd.exe, and PowerShell's native argument passing, keep them.
  if (/^'\s*[{[][\s\S]*'$/.test(arg) && isJson(arg.slice(1, -1)) && !existsSync(arg))
    throw new InspectInputError(
      "the argument is JSON text inside single quotes that reached tracehop (cmd.exe, and some PowerShell versions, pass them on): " +
        `give it without them (cmd.exe: "{\\"traceparent\\": \\"...\\"}"), or save it to a file and give the file name, or pipe it to -`,
    );
  if (
    (LOOKS_LIKE_JSON.test(arg) || isBareTraceparent(arg)) &&
    !LOOKS_LIKE_FILE_NAME.test(arg) &&
    !existsSync(arg)
  ) {
    // A bare word (`2024-07-rows`) that is not JSON either was meant as a file name; but for a traceparent
    // value alone, which inspect reads (`isBareTraceparent`).
    if (/^[^\s{["]+$/.test(arg) && !isJson(arg) && !isBareTraceparent(arg))
      throw new InspectInputError(
        `cannot read the file ${shownFileName(arg)}: ENOENT, and it is not JSON text either (${GIVE})`,
      );
    return { text: arg, argument: true };
  }
  const what = `the file ${shownFileName(arg)}`;
  return { text: decodeInput(readBytes(arg, what), what), argument: false };
}

/**
 * The bytes of a file (named by `source`), or of standard input (an {@link InputSource}), at most
 * {@link MAX_INPUT_BYTES}: a regular file's size is checked before it is read; anything else (standard
 * input, a pipe or FIFO, `/dev/stdin`, `<(psql ...)`, a device such as `/dev/zero`: none has a size) is
 * read with the limit checked as it is read, so a larger one is refused once it has given one byte more,
 * not buffered whole.
 * @throws {@link InspectInputError} naming `what`.
 */
function readBytes(source: string | InputSource, what: string): Buffer {
  let bytes: Buffer;
  try {
    if (typeof source === "string") {
      const stat = statSync(source);
      if (stat.isDirectory())
        throw new InspectInputError(
          `${what} is a directory; give a file holding the carrier's JSON (or JSON text, or -)`,
        );
      if (stat.size > MAX_INPUT_BYTES) throw tooLarge(what, stat.size);
      const fd = openSync(source, "r");
      try {
        bytes = readCapped(fdInput(fd), what);
      } finally {
        closeSync(fd);
      }
    } else bytes = readCapped(source, what);
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
 * The open file or standard input `input`, read until its end or until it has given more than
 * {@link MAX_INPUT_BYTES} (then refused, without reading the rest). A regular file (one redirected to
 * standard input, `< rows.json`, too) is refused by its size before it is read.
 * @throws {@link InspectInputError} when over the limit; the errors of the source's `fileSize` and
 *   `read` (`fstatSync`, `readSync`: EISDIR, EAGAIN) for {@link readBytes} to say.
 */
function readCapped(input: InputSource, what: string): Buffer {
  const size = input.fileSize();
  if (size !== undefined && size > MAX_INPUT_BYTES) throw tooLarge(what, size);
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
    const read = input.read(buffer, length, buffer.length - length);
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
 * for `parseInspectInput` to skip).
 * @throws {@link InspectInputError} for bytes that are not such text, or text holding a control
 *   character that JSON text cannot hold anywhere (U+0000-U+001F but tab, line feed and carriage return):
 *   a binary file, or UTF-16 without a byte order mark, or `sqlite3 -ascii` output (U+001E, U+001F
 *   between its rows and columns: said with the mode to use), or `psql -0`/`-z` output (a few NULs
 *   between records or fields: said so); said without echoing the bytes.
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
    // The unit and record separators: what sqlite3 -ascii writes between columns and rows.
    if (code === "001E" || code === "001F")
      throw new InspectInputError(
        `${what} holds the control character U+${code} (line ${line}, column ${column}), the ${code === "001E" ? "record" : "unit"} separator ` +
          "sqlite3 -ascii writes between rows and columns, which JSON text cannot hold: print the carrier column a row a line, " +
          "sqlite3 FILE 'select traceContext from ...' (its default list mode), or whole rows, sqlite3 -json FILE 'select ...'",
      );
    // A few NULs between text (UTF-16 of ASCII has one every other byte): psql's separator NUL.
    if (code === "0000" && countNul(text) * 4 < text.length)
      throw new InspectInputError(
        `${what} holds the control character U+${code} (line ${line}, column ${column}), which JSON text cannot hold: ` +
          "a NUL between records or fields, as psql -0 (--record-separator-zero) or -z (--field-separator-zero) writes: " +
          `print the carrier column a row a line, psql -At -c 'select "traceContext" from ...' without -0 or -z`,
      );
    throw new InspectInputError(
      `${what} holds the control character U+${code} (line ${line}, column ${column}), which JSON text cannot hold: ` +
        `${code === "0000" ? "UTF-16 text without a byte order mark, or a binary file?" : "a binary file?"} ` +
        "Give the carrier's JSON text (UTF-8, or UTF-16 with a byte order mark)",
    );
  }
  return text;
}

/** How many NUL characters `text` holds. */
function countNul(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\0"); at >= 0; at = text.indexOf("\0", at + 1)) count++;
  return count;
}
