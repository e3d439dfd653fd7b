/**
 * `attempt`, `run` and `capturedAt`, read from the data (a delivery count column or header, a run
 * counter, a row's timestamp): a value that is a count a number holds exactly (a time `toEpochMs`
 * reads) is taken; another is left out, said once, never an error (`TRACEHOP_MESSAGE_OPTION_IGNORED`).
 */
import { describeValue } from "../describe-value.js";
import { warnOnce } from "../warn-once.js";
import { toEpochMs } from "./carrier-source.js";

/** Code of the process warning of an option read from the data and left out ({@link warnOptionIgnored}). */
export const OPTION_IGNORED_WARNING = "TRACEHOP_MESSAGE_OPTION_IGNORED";

/** What `attempt` and `run` take ({@link ordinalValue}), as the warning says it. */
export const ORDINAL_HINT =
  "an integer from 1 to Number.MAX_SAFE_INTEGER (2^53 - 1): a number, a bigint or a text of its decimal digits";

/** What `capturedAt` takes ({@link capturedAtOption}), as the warning says it. */
export const CAPTURED_AT_HINT =
  "a valid Date, epoch milliseconds within a Date's range (a number, a bigint, a text of digits; at most 8.64e15 either way) or an ISO 8601 extended-format text (2026-12-04T12:00:00Z) of a real calendar date (2026-02-28, not 2026-02-30; see withCarrier's capturedAt)";

/** `Number.MAX_SAFE_INTEGER` as a bigint: the largest `attempt` or `run` a bigint may give. */
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** A text of decimal digits alone: no sign, no space, no point, no exponent, no `0x`. */
const DECIMAL_DIGITS = /^[0-9]+$/;

/**
 * Longest text of digits read: `Number.MAX_SAFE_INTEGER` has 16 digits; a few leading zeros (a
 * fixed-width counter) are allowed, and a longer text is not scanned.
 */
const MAX_DIGITS_TEXT_LENGTH = 32;

/**
 * An `attempt` or `run` as the number `tracehop.attempt` / `tracehop.run` record and the relation
 * policy reads: an integer from 1 to `Number.MAX_SAFE_INTEGER` (a count a number holds exactly, so that
 * the attribute shows the value given), given as
 * - a number;
 * - a bigint (a Prisma `BigInt` column), as its number;
 * - a text of decimal digits alone, at most 32 characters (node-postgres gives an `int8` column as
 *   text; a header value is text), as its number: `"3"`, `"007"`.
 * As `messageId` takes any value whose form is its text exactly (a number as its decimal text), these
 * take any value whose form is the count exactly; bytes are not decoded (decode a header's Buffer
 * yourself). `undefined` for anything else: `0` (attempts and runs count from 1), `NaN` (`Number()` of a
 * missing header), `2.5`, a negative, beyond `Number.MAX_SAFE_INTEGER`, `" 3"`, `"3.0"`, `"+3"`, `""`,
 * a Buffer, an object. Never throws.
 */
export function ordinalValue(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
  if (typeof value === "bigint") return value >= 1n && value <= MAX_SAFE_BIGINT ? Number(value) : undefined;
  if (typeof value !== "string" || value.length > MAX_DIGITS_TEXT_LENGTH || !DECIMAL_DIGITS.test(value))
    return undefined;
  const count = Number(value);
  return count >= 1 && Number.isSafeInteger(count) ? count : undefined;
}

/**
 * `options` with its `attempt` and `run` as numbers ({@link ordinalValue}): `options` itself when each is
 * absent or a number already taken, else a copy in which a usable one is its number and an unusable one
 * is left out — as if not given: no `tracehop.attempt` / `tracehop.run`, and the relation policy reads
 * no run — said once per process, `entry` and option ({@link warnOptionIgnored}; `hints` says what each
 * takes, `ORDINAL_HINT` by default; `handled`, what happens to the work). `null` (a nullable column
 * without a value) is absent too, said nothing. `options` itself is never changed. Never throws.
 */
export function ordinalOptions<O extends { attempt?: unknown; run?: unknown }>(
  options: O,
  entry: string,
  handled: string,
  hints: Readonly<Partial<Record<"attempt" | "run", string>>> = {},
): O {
  let kept: O | undefined;
  for (const name of ["attempt", "run"] as const) {
    const value = options[name];
    if (value === undefined) continue;
    const count = value === null ? undefined : ordinalValue(value);
    if (count === value) continue;
    kept ??= { ...options };
    if (count !== undefined) kept[name] = count as O[typeof name];
    else {
      delete kept[name];
      if (value !== null)
        warnOptionIgnored(entry, name, hints[name] ?? ORDINAL_HINT, value, `tracehop.${name}`, handled);
    }
  }
  return kept ?? options;
}

/**
 * Says once per process, `entry` and option `name` that its `value`, read from the data, was left out
 * (the span has no `attribute` from it; `handled`: what happened to the work, "the message handled as
 * usual"): `diag.warn` and `TRACEHOP_MESSAGE_OPTION_IGNORED`, with what it takes (`hint`).
 */
export function warnOptionIgnored(
  entry: string,
  name: string,
  hint: string,
  value: unknown,
  attribute: string,
  handled: string,
): void {
  const what = handled.startsWith("the message") ? "messages" : "calls";
  warnOnce(
    `${entry}-message-option-${name}`,
    `tracehop ${entry}: options.${name} must be ${hint}, got ${describeValue(value)}: left out (no ` +
      `${attribute} on the span), ${handled}. Said once per process for this helper and option; later ${what} with such a value ` +
      `are treated the same.`,
    OPTION_IGNORED_WARNING,
  );
}

/** What {@link capturedAtOption} reads of the `capturedAt` of an options object `O`. */
export interface CapturedAtOption<O> {
  /**
   * The options to use: the ones given, a copy without a `capturedAt` left out, or a copy whose text
   * `capturedAt` is replaced by its epoch milliseconds (parsed once).
   */
  options: O;
  /** Its epoch milliseconds; `undefined` for `undefined`, `null` (an unknown time) or a value left out. */
  ms: number | undefined;
}

/**
 * The `capturedAt` of `options`, usually a row's or a message's timestamp (`{ capturedAt: row.createdAt }`),
 * as epoch milliseconds (`toEpochMs`: a valid `Date`, epoch milliseconds as a number, a bigint or a text
 * of digits within a `Date`'s range, an ISO 8601 extended-format text of a real date and time).
 * `undefined` and `null` (a nullable column without a value: an unknown time) are no time, said nothing.
 * Any other value that is no time (`"yesterday"`, `{}`, an invalid `Date`, `"2026-02-30"`, `NaN`,
 * `8.64e15 + 1`) is left out: the options returned are a copy without it, as if not given (no
 * `tracehop.queue.wait` from it; `handled`: what happens to the work), said once per process, `entry`
 * and option ({@link warnOptionIgnored}). `options` itself is never changed. Never throws (a Proxy whose
 * traps throw is no time).
 */
export function capturedAtOption<O extends { capturedAt?: unknown }>(
  options: O,
  entry: string,
  handled: string,
): CapturedAtOption<O> {
  const value = options.capturedAt;
  if (value === undefined || value === null) return { options, ms: undefined };
  let ms: number | undefined;
  try {
    ms = toEpochMs(value);
  } catch {
    // A proxy whose traps throw: no time.
  }
  // A text is parsed here once: the copy returned holds its epoch milliseconds, which the restore reads
  // again for nothing (`toEpochMs` of a number), not the text it would parse a second time.
  if (ms !== undefined)
    return { options: typeof value === "string" ? { ...options, capturedAt: ms } : options, ms };
  warnOptionIgnored(entry, "capturedAt", CAPTURED_AT_HINT, value, "tracehop.queue.wait from it", handled);
  const kept = { ...options };
  delete kept.capturedAt;
  return { options: kept, ms: undefined };
}
