import { isPlainPrototype } from "./plain-object.js";

/** Longest text of a value that a description quotes; longer text is cut and marked with `…`. */
const MAX_SHOWN_CHARACTERS = 40;

/** The boxed primitives, tried in order: `valueOf` of each prototype throws for any other value. */
const BOXED: readonly [kind: string, valueOf: (this: unknown) => unknown][] = [
  ["Number", Number.prototype.valueOf],
  ["String", String.prototype.valueOf],
  ["Boolean", Boolean.prototype.valueOf],
  ["BigInt", BigInt.prototype.valueOf],
  ["Symbol", Symbol.prototype.valueOf],
];

/**
 * Internal: a short description of a bad option value for the "got …" of an error message. Never
 * throws (not for a bigint, which JSON.stringify refuses, nor a null-prototype object, which String
 * refuses, nor a revoked Proxy): a string is JSON-quoted, a bigint written `5n`, an other primitive
 * as String writes it (`-0` kept), except an integer beyond Number.MAX_SAFE_INTEGER, written so that
 * the user recognises it ({@link unsafeInteger}); an object is told by its kind: `null`, `an array`,
 * `a function`, `an object` (a plain or null-prototype one), `a Number object` (a boxed primitive), `a Map`,
 * `a Date` (an instance, by its constructor's name; `an object that is not a plain one` when that name
 * is not an identifier). Text longer than `max` characters (default 40) is cut to its first `max`
 * (`max - 1` when the last would split a surrogate pair) and marked `…`: a string as
 * `"<head>"… (<length> characters)`, a bigint as `<head>…n`, a symbol or a constructor name as `<head>…`.
 * A string is quoted as {@link quoteWritten} quotes a setting, and a symbol's text escaped the same way:
 * every character outside printable ASCII escaped (`\u007f`, `"c\u043entinue"`, `"5000\u200b"`), so that
 * neither a control character (CR LF, an escape sequence, a bidirectional override) nor a letter of
 * another alphabet that looks Latin nor an invisible character is written as is: the user sees why
 * the value is refused (docs/warnings.md).
 */
export function describeValue(value: unknown, max: number = MAX_SHOWN_CHARACTERS): string {
  switch (typeof value) {
    case "string":
      return quoteWritten(value, max);
    case "bigint":
      return `${cut(String(value), max)}n`;
    case "number":
      if (Object.is(value, -0)) return "-0";
      return Number.isInteger(value) && !Number.isSafeInteger(value) ? unsafeInteger(value) : String(value);
    case "symbol":
      return escapeUnprintable(cut(String(value), max));
    case "function":
      return "a function";
    case "object":
      return value === null ? "null" : describeObject(value, max);
    default:
      return String(value);
  }
}

/**
 * Internal: {@link describeValue} of a value refused because it is not a plain object of this realm
 * (`isPlainObject`, src/plain-object.ts, says why such objects are refused), which also says what to
 * pass instead when the description alone would not: a plain object of another realm (a `vm`
 * context's literal: its prototype is that realm's `Object.prototype`) and an object whose prototype
 * is another object without a class (`Object.create({ kind })`), both of which `describeValue` calls
 * `an Object`. Other values as `describeValue` describes them (`null`, `a Map`, `a Cfg`). Never throws.
 */
export function describeNotPlain(value: unknown): string {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    try {
      const prototype: unknown = Object.getPrototypeOf(value);
      if (typeof prototype === "object" && prototype !== null && !isPlainPrototype(prototype)) {
        if (isForeignObjectPrototype(prototype))
          return (
            "an object of another realm (a vm context): pass a plain object literal made in this realm " +
            "({ ...object } copies it)"
          );
        if (!Object.hasOwn(prototype, "constructor"))
          return (
            "an object whose prototype is not Object.prototype (Object.create(...)): its fields are inherited, " +
            "not its own; pass an object literal of the fields ({ ...object } copies its own fields alone)"
          );
      }
    } catch {
      // a revoked Proxy, a throwing trap: described below
    }
  }
  return describeValue(value);
}

/**
 * Whether `prototype` is the `Object.prototype` of another realm: it has no prototype and its own
 * `constructor` is a function named `Object`. Throws what a proxy trap throws.
 */
function isForeignObjectPrototype(prototype: object): boolean {
  if (Object.getPrototypeOf(prototype) !== null || !Object.hasOwn(prototype, "constructor")) return false;
  const constructor = (prototype as { constructor: unknown }).constructor;
  return typeof constructor === "function" && constructor.name === "Object";
}

/**
 * An integer beyond Number.MAX_SAFE_INTEGER as the user can recognise it: String writes the shortest
 * digits that read back as the same number (`2 ** 60` as `1152921504606847000`), which are not its value
 * and which a limit of "at most 2^53 - 1" does not explain. Written with its exact digits (String's form
 * when that has an exponent: `1e+21` and beyond), said to be beyond the safe integers, named `2^k` when
 * it is a power of two (`2 ** 60`, `2 ** 64`), and with String's digits when they differ (what
 * console.log shows): `1152921504606846976 (2^60, above Number.MAX_SAFE_INTEGER, which JavaScript
 * prints as 1152921504606847000)`.
 */
function unsafeInteger(value: number): string {
  const printed = String(value);
  const exact = printed.includes("e") ? printed : BigInt(value).toString();
  const magnitude = Math.abs(value);
  const exponent = Math.log2(magnitude);
  const power =
    Number.isInteger(exponent) && 2 ** exponent === magnitude ? `${value < 0 ? "-" : ""}2^${exponent}, ` : "";
  const beyond = value < 0 ? "below Number.MIN_SAFE_INTEGER" : "above Number.MAX_SAFE_INTEGER";
  const shown = exact === printed ? "" : `, which JavaScript prints as ${printed}`;
  return `${exact} (${power}${beyond}${shown})`;
}

function describeObject(value: object, max: number): string {
  for (const [kind, valueOf] of BOXED) {
    try {
      valueOf.call(value);
      return `a ${kind} object`;
    } catch {
      // not this kind
    }
  }
  try {
    if (Array.isArray(value)) return "an array";
    const prototype: unknown = Object.getPrototypeOf(value);
    if (isPlainPrototype(prototype)) return "an object";
    const kind = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof kind !== "string" || !/^[A-Za-z_$][\w$]*$/.test(kind))
      return "an object that is not a plain one";
    return `${/^[AEIOU]/.test(kind) ? "an" : "a"} ${cut(kind, max)}`;
  } catch {
    return "an object"; // a revoked Proxy, a constructor getter that throws
  }
}

/** `text`, or its first `max` characters and `…` when it is longer. */
function cut(text: string, max: number): string {
  return text.length > max ? `${head(text, max)}…` : text;
}

/**
 * Internal: the first `max` characters of `text` (default: the shown length), `max - 1` when the last of
 * them would be the first half of a surrogate pair (never splitting one).
 */
function head(text: string, max: number = MAX_SHOWN_CHARACTERS): string {
  const last = text.charCodeAt(max - 1); // NaN past the end: no high surrogate
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * Internal: `text`, a name or setting the user wrote (a propagation style name, an entry or word of a
 * style variable, the variable's value), quoted for a message or warning that echoes it: JSON-quoted,
 * with every code unit outside printable ASCII escaped ({@link escapeUnprintable}: `"datad\u043eg"`),
 * so that a letter of another alphabet that looks like a Latin one, or an invisible character (a zero
 * width space, a soft hyphen), is seen rather than echoed as what looks like the right name, or as
 * nothing; and, when longer than `max` characters (default 40), cut as {@link describeValue} cuts a
 * string, `"<head>"… (<length> characters)` (the head never ends inside a surrogate pair), so that a
 * pasted megabyte does not flood the log. {@link quoteCut} without the escapes. Never throws.
 */
export function quoteWritten(text: string, max: number = MAX_SHOWN_CHARACTERS): string {
  return quoted(text, max, true);
}

/**
 * Internal: `text`, a value read from a carrier, quoted for a reason or diagnostic that `tracehop
 * inspect` reports and a warning repeats: {@link quoteWritten}'s rule without its escapes, JSON-quoted and
 * cut past `max` characters, `"<head>"… (<length> characters)` (the head never ends inside a surrogate
 * pair), so that the length is said and a long value does not flood the report; its characters are kept
 * as stored (the report's JSON keeps the value as stored; its text report and the warnings escape every
 * character outside printable ASCII as they print it). Never throws.
 */
export function quoteCut(text: string, max: number): string {
  return quoted(text, max, false);
}

/**
 * Longest carrier value or key a reason or diagnostic quotes whole ({@link quoteValue}), in characters: a
 * traceparent (55), a 128-bit trace id (32 hex digits, 39 decimal), a B3 header (up to 68) are shown whole;
 * a value or key of up to 16 KiB, which the carrier reader keeps, is cut (docs/migration.md, "Checking a row").
 */
export const MAX_QUOTED_VALUE_CHARACTERS = 80;

/**
 * Internal: `text`, a value or key read from a carrier (a header's value, a part of one, a header name),
 * quoted for a reason or diagnostic by {@link quoteCut} at {@link MAX_QUOTED_VALUE_CHARACTERS}. Never throws.
 */
export function quoteValue(text: string): string {
  return quoted(text, MAX_QUOTED_VALUE_CHARACTERS, false);
}

/**
 * `text` JSON-quoted, its first `max` characters when it is longer (never ending inside a surrogate pair),
 * then `… (<length> characters)`; every code unit outside printable ASCII escaped when `escape`
 * ({@link escapeUnprintable}): the one rule of {@link quoteWritten}, {@link quoteCut} and {@link quoteValue}.
 */
function quoted(text: string, max: number, escape: boolean): string {
  const long = text.length > max;
  const json = JSON.stringify(long ? head(text, max) : text);
  const shown = escape ? escapeUnprintable(json) : json;
  return long ? `${shown}… (${text.length} characters)` : shown;
}

/**
 * Longest file path or URL a message quotes whole ({@link quoteLocation}), in characters: 1024, the
 * longest path macOS opens (PATH_MAX) and four times Windows' MAX_PATH (260), far above an ordinary
 * file path or OTLP endpoint URL (under 200), so that such a value is always seen whole; a pasted
 * blob (a PEM certificate's text where its path belongs, a megabyte) is cut there.
 */
export const MAX_SHOWN_LOCATION_CHARACTERS = 1024;

/**
 * Internal: `text`, a file path or URL the user wrote (a spans file, an OTLP endpoint with its secrets
 * masked before, a TLS file), quoted for a message or warning by the rule of {@link quoteWritten}
 * (JSON-quoted, every character outside printable ASCII escaped: a line break, an escape sequence or a
 * bidirectional override is seen, never written into the log as is), cut only past
 * {@link MAX_SHOWN_LOCATION_CHARACTERS}. Never throws.
 */
export function quoteLocation(text: string): string {
  return quoteWritten(text, MAX_SHOWN_LOCATION_CHARACTERS);
}

/**
 * Internal: `text`, a URL or path tracehop built or parsed from one the user wrote (the URL an exporter
 * requests, `new URL(...).href`, masked; a fix to copy), shown unquoted in a message or warning by the
 * rule of {@link quoteLocation} otherwise: every character outside printable ASCII escaped, cut past
 * {@link MAX_SHOWN_LOCATION_CHARACTERS} as `<head>… (<length> characters)` (the head never ends inside a
 * surrogate pair), so that a megabyte endpoint is no more a megabyte in the URL parsed from it than in
 * the value quoted beside it. Never throws.
 */
export function showLocation(text: string): string {
  if (text.length <= MAX_SHOWN_LOCATION_CHARACTERS) return escapeUnprintable(text);
  return `${escapeUnprintable(head(text, MAX_SHOWN_LOCATION_CHARACTERS))}… (${text.length} characters)`;
}

/**
 * Internal: the message of `error`, a failed file system call's, for a message or warning that repeats
 * it: the path (and destination) that Node's message ends with between single quotes
 * (`ENOENT: no such file or directory, open '/srv/ca.pem'`) quoted by {@link quoteLocation}
 * (`ENOENT: no such file or directory, open "/srv/ca.pem"`), the rest with every character outside
 * printable ASCII escaped, blanks around the message trimmed (OpenSSL's end with a line break); a message
 * of another shape escaped so and cut past 4096 characters, marked
 * `…` (one whose paths tracehop quoted already keeps them as quoted). Never throws.
 */
export function fileErrorText(error: unknown): string {
  let message: string;
  let path: unknown;
  let dest: unknown;
  try {
    ({ path, dest } = error as { path?: unknown; dest?: unknown });
    message = (error instanceof Error ? error.message : String(error)).trim();
  } catch {
    return "an error that cannot be read";
  }
  if (typeof path === "string") {
    const hasDest = typeof dest === "string";
    const tail = hasDest ? ` '${path}' -> '${dest}'` : ` '${path}'`;
    if (message.endsWith(tail))
      return (
        `${escapeUnprintable(message.slice(0, -tail.length))} ${quoteLocation(path)}` +
        (hasDest ? ` -> ${quoteLocation(dest as string)}` : "")
      );
  }
  return escapeUnprintable(cut(message, MAX_SHOWN_ERROR_CHARACTERS));
}

/**
 * Longest error message of another shape {@link fileErrorText} repeats whole: room for tracehop's own
 * messages that quote two paths (`"<folder>" is a symbolic link to "<target>", which does not exist`).
 */
const MAX_SHOWN_ERROR_CHARACTERS = 4 * MAX_SHOWN_LOCATION_CHARACTERS;

/**
 * Internal: `text` as tracehop shows a value it quotes, in a warning (`TRACEHOP_CARRIER_REJECTED`) or a
 * line of `tracehop inspect`'s text report and messages: each UTF-16 code unit outside printable ASCII
 * (0x20-0x7E) written as a JSON escape, `\u00a0` — C0 and C1 controls (an escape sequence, a line break
 * that would start a line of its own), U+2028 and U+2029, the bidirectional controls that reorder what
 * is shown, a no-break or zero width space, a byte order mark, any other non-ASCII character — but for
 * `§` and `…`, which tracehop's own texts write. What a value holds is then seen, whatever the terminal
 * or log viewer. `which`, a global pattern of one code unit, escapes another set instead (the CLI's
 * messages on standard error: report.ts `printable`). Never throws.
 */
export function escapeUnprintable(text: string, which: RegExp = NOT_SHOWN_AS_IS): string {
  return text.replace(which, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** What {@link escapeUnprintable} escapes: a code unit outside printable ASCII, but `§` and `…`. */
const NOT_SHOWN_AS_IS = /[^\x20-\x7e§…]/g;

/**
 * Characters a terminal would act on rather than show: C0 and C1 controls (an escape sequence, a line
 * break that would start a line of its own) and the bidirectional overrides that reorder what is shown;
 * and those it shows as nothing (a soft hyphen, zero width spaces and joiners, the directional marks, a
 * word joiner, a byte order mark), which a message quoting the input would echo unseen. Internal (the CLI's messages, the spans tree); the
 * example's main job escapes the same set in the paths it names (a copy, pinned equal by a test).
 */
export const TERMINAL_CONTROLS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;

/**
 * Longest error text ({@link describeError}: `<name>: <message>`) a warning quotes; a longer one (a
 * propagator that throws with a megabyte of text) is cut there and marked as `describeValue` marks a
 * long string, never splitting a surrogate pair.
 */
const MAX_ERROR_TEXT_LENGTH = 200;

/**
 * Internal: an error for a warning: `"<name>: <message>"` of an Error (cut after
 * {@link MAX_ERROR_TEXT_LENGTH} characters, as `describeValue` cuts a long string), `describeValue` of
 * any other thrown value. Never throws.
 */
export function describeError(err: unknown): string {
  try {
    return err instanceof Error
      ? describeValue(`${err.name}: ${err.message}`, MAX_ERROR_TEXT_LENGTH)
      : describeValue(err);
  } catch {
    return "an error that cannot be described";
  }
}
