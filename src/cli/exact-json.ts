// JSON text parsed as JSON.parse parses it, with the exact digits of its integers beyond 2^53 kept on
// the side: a Datadog id stored as a JSON number (a dd-trace-ot row) is refused by `tracehop inspect` as a
// restore refuses it, and the digits the text holds are said (not only the double JSON.parse rounds it to).
import { isLosslessNumber, parse as parseLossless } from "lossless-json";

/**
 * The numbers of parsed JSON text, by the object holding them and their key: each as the text writes it
 * (`12345678901234567890`, `1e3`, `5.0`). Objects not in it hold none, or came from text that could not
 * be read a second time (see {@link parseJsonExact}).
 */
const WRITTEN_NUMBERS = new WeakMap<object, Map<string, string>>();

/**
 * A number value, after `:`, `,` or `[` (and JSON whitespace, a minus sign): text without one has no
 * number to keep, and the common case (ids as strings, whose digits follow a quote) costs this one search.
 */
const NUMBER_VALUE = /[:,[][ \t\n\r]*-?[0-9]/;

/** An integer as JSON text writes it: an optional minus sign and digits, no fraction or exponent. */
const INTEGER_TEXT = /^-?[0-9]+$/;

/**
 * `text` parsed as `JSON.parse(text)` parses it (the same value, the same SyntaxError: its result is
 * that of JSON.parse, RFC 8259), and each number as the text writes it kept ({@link writtenNumberText}),
 * the digits of integers at or beyond 2^53 in magnitude for {@link exactIntegerText}. A JSON reader rounds such an integer to the
 * nearest double (RFC 8259 §6 allows it; ECMA-262 JSON.parse does it), so a Datadog id stored as a JSON
 * number (`{"x-datadog-trace-id": 12345678901234567890}`, which PostgreSQL jsonb and MySQL/MariaDB JSON
 * keep exact and psql and mysql print exactly) would be said only as rounded; the digits are read with lossless-json
 * (Node 20 has no `context.source` in JSON.parse's reviver). Only integers written as digits are exact
 * (`1.2e19` is not); repeated keys keep the last value, as JSON.parse does. When the second reading
 * fails (a text nested deeper than its parser's stack), nothing is kept: the ids are said as the rounded
 * numbers (refused either way). Never throws but JSON.parse's own errors.
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  keepExactIntegers(value, text);
  return value;
}

/**
 * Keeps, for {@link writtenNumberText} and {@link exactIntegerText}, each number as `text` writes it in
 * `value`, the result of `JSON.parse(text)` (or of reading it as the library does: the same value).
 * Nothing is kept when the text holds no number value, or when it cannot be read a second time.
 * Never throws.
 */
export function keepExactIntegers(value: unknown, text: string): void {
  if (value === null || typeof value !== "object" || !NUMBER_VALUE.test(text)) return;
  let exact: unknown;
  try {
    // A leading byte order mark, which the library's reader skips (RFC 8259 §8.1), skipped here too.
    exact = parseLossless(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, null, {
      onDuplicateKey: ({ newValue }) => newValue,
    });
  } catch {
    // A text nested deeper than the parser's stack (a RangeError): no digits kept (ids refused either way).
    return;
  }
  // Both values walked together, without recursion (a text may nest thousands of levels deep).
  const pending: [unknown, unknown][] = [[value, exact]];
  while (pending.length > 0) {
    const [parsed, read] = pending.pop()!;
    if (parsed === null || typeof parsed !== "object" || read === null || typeof read !== "object") continue;
    if (Array.isArray(parsed)) {
      if (!Array.isArray(read)) continue;
      for (let i = 0; i < parsed.length; i++) pending.push([parsed[i], read[i]]);
      continue;
    }
    const holder = parsed as Record<string, unknown>;
    const source = read as Record<string, unknown>;
    for (const key of Object.keys(holder)) {
      if (!Object.hasOwn(source, key)) continue;
      const inner = holder[key];
      const written = source[key];
      if (typeof inner === "number") {
        if (!isLosslessNumber(written)) continue;
        let kept = WRITTEN_NUMBERS.get(holder);
        if (kept === undefined) WRITTEN_NUMBERS.set(holder, (kept = new Map()));
        kept.set(key, written.toString());
      } else if (inner !== null && typeof inner === "object") pending.push([inner, written]);
    }
  }
}

/**
 * The digits as written in its JSON text of the integer beyond 2^53 that `holder[key]` holds as a
 * rounded number (`"12345678901234567890"`; a minus sign kept), when `holder` came from
 * {@link parseJsonExact} or {@link keepExactIntegers}; else `undefined`.
 */
export function exactIntegerText(holder: object, key: string): string | undefined {
  const written = writtenNumberText(holder, key);
  const value: unknown = (holder as Record<string, unknown>)[key];
  return written !== undefined && !Number.isSafeInteger(value) && INTEGER_TEXT.test(written)
    ? written
    : undefined;
}

/**
 * The number `holder[key]` holds as its JSON text writes it (`1e3`, `5.0`, `-0`; a repeated key's last
 * value, as JSON.parse keeps it), when `holder` came from {@link parseJsonExact} or
 * {@link keepExactIntegers}; else `undefined` (a text nested too deep to read a second time).
 */
export function writtenNumberText(holder: object, key: string): string | undefined {
  return WRITTEN_NUMBERS.get(holder)?.get(key);
}
