/**
 * Where a stored carrier comes from: a carrier object, its JSON text, or a row holding it.
 */
import { B3_CONTEXT_HEADER, X_B3_TRACE_ID } from "@opentelemetry/propagator-b3";
import { X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { TRACE_PARENT_HEADER } from "../propagation/w3c/constants.js";
import { warnOnce } from "../warn-once.js";
import { isCarrierText, spellingsOf } from "./holds-carrier.js";

/** Field of a row (or any object) that holds its stored carrier: the Prisma column of tracehop/prisma. */
export const TRACE_CONTEXT_FIELD = "traceContext";
/** Internal: field of a row that holds its creation time, read as the capture time of its carrier. */
export const CREATED_AT_FIELD = "createdAt";

/**
 * The shape of a row or message that carries its own trace carrier — a Prisma row of a model with
 * the `traceContext Json?` column, or any object built the same way.
 *
 * An object with a header that gives a span context at its top level (`traceparent`,
 * `x-datadog-trace-id`, `b3`, `x-b3-traceid`, in lower case, Title-Case, upper case or each word
 * capitalised: `TraceParent`) is not one unless its `traceContext` holds a
 * carrier: it is message headers with an application header named `traceContext`, read as headers.
 */
export interface TraceCarrierProvider {
  /**
   * The stored carrier (a `TraceCarrier` object, its JSON text, or `null` when the row was written
   * without one). Read as untrusted input; nothing in it can make a call throw.
   */
  traceContext: unknown;
  /**
   * When the row was written — a `Date`, epoch milliseconds (a number, a `bigint` as Prisma gives a
   * `BigInt` column, or a text of digits alone), or an ISO 8601 text, as `WithCarrierOptions.capturedAt`
   * takes them. `withCarrier` takes it as the capture time of the carrier (queue wait,
   * `relation: "auto"`).
   */
  createdAt?: Date | number | bigint | string | null | undefined;
}

/** A stored carrier and, when known, when it was captured (epoch milliseconds). */
export interface CarrierSource {
  carrier: unknown;
  capturedAtMs: number | undefined;
}

/**
 * True for a row: an object that has a {@link TRACE_CONTEXT_FIELD} property (the
 * {@link TraceCarrierProvider} shape), unless it also has, at its top level, a header that gives a span
 * context (`traceparent`, `x-datadog-trace-id`, `b3`, `x-b3-traceid`, spelt as
 * {@link isHeadersBesideTraceContext} looks them up) while its
 * `traceContext` holds no carrier (an object, even `{}`, or the JSON text of a carrier). That is what
 * a user hands over in each case: raw message headers that happen to carry an application header
 * named `traceContext` (a tenant id, another system's header; `null`, bytes, text) are headers, and
 * were read as a row whose carrier holds nothing, losing the trace in the headers without a word; an
 * object whose `traceContext` holds a carrier is a row whatever else it holds (a column named
 * `traceparent` beside it is not read: pass `row.traceContext` or the headers to choose), so a row
 * that restored its context before still restores the same one. Only a row is looked at for those
 * headers, each looked up by name (a fixed number of reads, whatever the row's size). Never
 * throws: a throwing getter or proxy trap after the `traceContext in value` test leaves a row; one
 * before it or in it (a revoked proxy, whose every trap throws) is not a row (`false`), so it is read
 * as the carrier itself, which holds nothing.
 */
export function isTraceCarrierProvider(value: unknown): value is TraceCarrierProvider {
  return rowCarrier(value) !== NOT_A_ROW;
}

/** {@link rowCarrier}: the value is not a row ({@link isTraceCarrierProvider} false). */
const NOT_A_ROW: unique symbol = Symbol("tracehop.not-a-row");
/** {@link rowCarrier}: a row whose `traceContext` getter or proxy trap threw: it holds no carrier. */
const UNREADABLE_CARRIER: unique symbol = Symbol("tracehop.unreadable-carrier");

/**
 * The row-or-carrier choice of every reader of a stored carrier in this module, with the row's
 * `traceContext` read exactly once (a getter with side effects, a proxy that counts or revokes itself
 * sees one read): {@link NOT_A_ROW} when `value` is not a row as {@link isTraceCarrierProvider} says,
 * {@link UNREADABLE_CARRIER} for a row whose `traceContext` could not be read, else the value of its
 * `traceContext` (any value, `null` and `undefined` included). Never throws.
 */
function rowCarrier(value: unknown): unknown {
  if (value === null || typeof value !== "object") return NOT_A_ROW;
  try {
    // Array.isArray, instanceof and `in` consult a proxy's traps: a revoked proxy throws in each.
    if (Array.isArray(value) || value instanceof Uint8Array || !(TRACE_CONTEXT_FIELD in value))
      return NOT_A_ROW;
  } catch {
    return NOT_A_ROW;
  }
  let stored: unknown;
  try {
    stored = (value as Record<string, unknown>)[TRACE_CONTEXT_FIELD];
  } catch {
    return UNREADABLE_CARRIER;
  }
  return isHeadersBesideTraceContext(value as Record<string, unknown>, stored) ? NOT_A_ROW : stored;
}

/**
 * Internal: the stored carrier `input` stands for, as `contextFromCarrier` reads it: a row's
 * `traceContext` (read once; `undefined` when it cannot be read), anything else itself. Never throws.
 */
export function storedCarrierOf(input: unknown): unknown {
  const stored = rowCarrier(input);
  if (stored === NOT_A_ROW) return input;
  return stored === UNREADABLE_CARRIER ? undefined : stored;
}

/**
 * The header names that give a span context on their own, one per style family, in each spelling
 * looked up by name (`spellingsOf`: lower, Title-Case, upper case, each word capitalised).
 */
const SPAN_CONTEXT_HEADER_SPELLINGS: readonly string[] = [
  TRACE_PARENT_HEADER,
  X_DATADOG_TRACE_ID,
  B3_CONTEXT_HEADER,
  X_B3_TRACE_ID,
].flatMap(spellingsOf);

/**
 * True when `value` (an object with a `traceContext` field, whose value `stored` is) is message headers
 * rather than a row: its `traceContext` holds no carrier — not an object (a Json column's value, even
 * `{}`), nor the JSON text of one, its first key a propagation field: `null`, a number, bytes (every kafkajs
 * header), other text — and it has a span-context header at its top level
 * ({@link SPAN_CONTEXT_HEADER_SPELLINGS}, each looked up by name: never a walk of the row's keys, so a
 * row of a million fields costs what a row of ten does). The object test comes first: a Prisma row
 * costs no property read here. Never throws (a throwing getter or proxy trap: false, `value` is read as
 * a row).
 */
function isHeadersBesideTraceContext(value: Record<string, unknown>, stored: unknown): boolean {
  try {
    if (stored !== null && typeof stored === "object" && !ArrayBuffer.isView(stored)) return false;
    if (!SPAN_CONTEXT_HEADER_SPELLINGS.some((name) => Object.hasOwn(value, name))) return false;
    return typeof stored !== "string" || !isCarrierText(stored);
  } catch {
    return false;
  }
}

/**
 * Splits what a caller handed to `withCarrier` into the carrier and its capture time: a
 * {@link TraceCarrierProvider} gives its `traceContext` (read once: {@link rowCarrier}) and
 * `createdAt` (a row whose `traceContext` cannot be read: neither); anything else is the carrier
 * itself (object or JSON text) with no known capture time. Never throws.
 */
export function readCarrierSource(input: unknown): CarrierSource {
  const stored = rowCarrier(input);
  if (stored === NOT_A_ROW) return { carrier: input, capturedAtMs: undefined };
  // A hostile getter on the row: no carrier, and its `createdAt` is not read.
  if (stored === UNREADABLE_CARRIER) return { carrier: undefined, capturedAtMs: undefined };
  return rowSource(input as Record<string, unknown>, stored);
}

/**
 * Internal: {@link readCarrierSource} of `value` when it is a row whose `traceContext` holds something
 * (not `null` or `undefined`, and readable): `traced`'s default carrier, the first such argument.
 * `undefined` for anything else, whose `createdAt` is then not read. Never throws.
 */
export function rowSourceWithCarrier(value: unknown): CarrierSource | undefined {
  const stored = rowCarrier(value);
  if (stored === NOT_A_ROW || stored === UNREADABLE_CARRIER || stored === null || stored === undefined)
    return undefined;
  return rowSource(value as Record<string, unknown>, stored);
}

/**
 * Internal: {@link readCarrierSource} of `value` when it is a row (a {@link TraceCarrierProvider} whose
 * `traceContext` can be read), whatever that field holds: `null` or `undefined` too (a row written
 * before tracehop, or without a context), whose `createdAt` is still the time it was queued. `traced`
 * reads the capture time of its first such argument when no argument holds a carrier, as `withCarrier`
 * reads it from the row it is handed (docs/restore.md "Queue wait"). `undefined` for anything else.
 * Never throws.
 */
export function rowSourceOf(value: unknown): CarrierSource | undefined {
  const stored = rowCarrier(value);
  if (stored === NOT_A_ROW || stored === UNREADABLE_CARRIER) return undefined;
  return rowSource(value as Record<string, unknown>, stored);
}

/** The source of a row whose `traceContext` was read as `stored`: that value and its `createdAt`. */
function rowSource(row: Record<string, unknown>, stored: unknown): CarrierSource {
  let capturedAtMs: number | undefined;
  try {
    capturedAtMs = toEpochMs(row[CREATED_AT_FIELD]);
  } catch {
    capturedAtMs = undefined; // A hostile getter on the row: no capture time.
  }
  return { carrier: stored, capturedAtMs };
}

/**
 * A time as epoch milliseconds: a valid `Date`; a finite number or a `bigint` (epoch milliseconds: a
 * Prisma `BigInt` column); a text of decimal digits alone (epoch milliseconds: node-postgres returns an
 * `int8` column as such text); or an ISO 8601 extended-format text of a real date and time
 * ({@link epochMsOfIsoText}: not `2026-02-30`, not "May 5"). `undefined` for
 * anything else, and for a time outside a `Date`'s range ({@link MAX_DATE_MS} either way), given in any form.
 * Never throws.
 *
 * A time below {@link SECONDS_LIKELY_BELOW} is still read as milliseconds, as documented, but
 * warned about once per process (`TRACEHOP_CAPTURED_AT_SECONDS`): it is a time before March 1973, which no
 * carrier was captured at, and is what a Unix time in seconds (an integer `createdAt` column, `Date.now() /
 * 1000`) looks like. Read as milliseconds it makes every restore decades old, so `relation: "auto"` links
 * instead of parenting and `tracehop.queue.wait` is wrong, without an error.
 */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) return epochMsOfNumber(value.getTime());
  if (typeof value === "number") return epochMsOfNumber(value);
  if (typeof value === "bigint") return epochMsOfNumber(Number(value));
  if (typeof value === "string" && value.length > 0) {
    // Digits alone are a number of milliseconds, not the year or the odd date `Date.parse` makes of some.
    if (DIGITS_ONLY.test(value)) return epochMsOfNumber(Number(value));
    return epochMsOfIsoText(value);
  }
  return undefined;
}

/**
 * `text` as epoch milliseconds when it is an ISO 8601 extended-format date or date and time
 * ({@link ISO_DATE_TIME}), as `toISOString()` writes it and SQL databases print timestamps; else
 * `undefined`. The text is checked whole and rewritten into ECMAScript's date time string format
 * (ECMA-262 §21.4.1.32) before `Date.parse` reads it, because V8 falls back to a lenient parser of its own
 * for any other text: it reads "May 5", "-5", "1 2" (as 2001), "2026-12-01 10:00 PM" and
 * "2026-12-01 GMT+0200", and refuses the ISO 8601 zone `+00` after a `T` while taking it after a space.
 * A day the month has not (`2026-02-30`, `2025-02-29`, `2026-04-31`), which `Date.parse` rolls over into
 * the next month, an hour above 23 (24 only as `24:00:00`, the end of the day), a minute or second above
 * 59, or a zone offset above 23:59 is no time. Fractions of a second beyond milliseconds (PostgreSQL's
 * microseconds) are cut to milliseconds. Without a zone, a date and time is local time and a date alone
 * UTC, as `Date.parse` reads them (and node-postgres a `timestamp without time zone`).
 *
 * Why not a library's parser: the format is ECMAScript's own with ISO 8601's zone forms, and `Date.parse`
 * still does the arithmetic; what is ours is the check. date-fns 4's `parseISO`, the well-kept candidate,
 * reads a different set (checked 2026-12-04): a date alone as local midnight (ECMA-262 and `Date.parse`:
 * UTC), hours alone (`2026-12-01T10`), the basic format (`20261204T120000Z`), week and ordinal dates
 * (`2026-W49-5`, `2026-338`), and refuses RFC 3339's lower-case `t` and `z`; wrapping it to keep the
 * documented forms would take more code than this check. Temporal (a polyfill on Node 20) reads no
 * zone-less text as an instant.
 */
function epochMsOfIsoText(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [, year, month, day, hour, minute, second = "00", fraction = "", zone, zoneHour, zoneMinute = "00"] =
    m;
  // "-000000" is no year (ECMA-262 §21.4.1.32.1): V8's own parser would read it as 2001.
  if (year === "-000000" || !isCalendarDate(Number(year), Number(month), Number(day))) return undefined;
  if (hour === undefined) return Date.parse(`${year}-${month}-${day}`);
  const h = Number(hour);
  const endOfDay = h === 24 && minute === "00" && second === "00" && /^0*$/.test(fraction);
  if ((h > 23 && !endOfDay) || Number(minute) > 59 || Number(second) > 59) return undefined;
  if (zoneHour !== undefined && (Number(zoneHour) > 23 || Number(zoneMinute) > 59)) return undefined;
  const offset =
    zone === undefined ? "" : zoneHour === undefined ? "Z" : `${zone[0]}${zoneHour}:${zoneMinute}`;
  const ms = Date.parse(
    `${year}-${month}-${day}T${hour}:${minute}:${second}.${fraction.slice(0, 3).padEnd(3, "0")}${offset}`,
  );
  return Number.isFinite(ms) ? ms : undefined;
}

/** A text of decimal digits alone, at most 16 (the last time a `Date` holds, {@link MAX_DATE_MS}, has 16). */
const DIGITS_ONLY = /^[0-9]{1,16}$/;

/**
 * An ISO 8601 extended-format date (`YYYY-MM-DD`, or the expanded years `±YYYYYY-MM-DD` of ECMAScript's
 * date time string format, ECMA-262 §21.4.1.32), optionally followed by a time (`T`, or a space as SQL
 * prints timestamps: `2026-12-01 10:00:00`) of hours and minutes, optionally seconds and a fraction (`.`
 * or `,`, up to 9 digits), and a zone: `Z`, `±HH`, `±HHMM` or `±HH:MM` (ISO 8601 §4.2.5.1; PostgreSQL
 * prints `+00`). Groups: year, month, day, hour, minute, second, fraction, zone, zone hour, zone minute.
 */
const ISO_DATE_TIME =
  /^([0-9]{4}|[+-][0-9]{6})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?(Z|[+-]([0-9]{2})(?::?([0-9]{2}))?)?)?$/i;

/** Days of each month of a common year, January first. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Whether `year-month-day` is a day of the proleptic Gregorian calendar (ISO 8601 §4.2.1; ECMA-262
 * §21.4.1.32 asks for a day "01 to 31" alone, so `Date.parse` takes `02-30` and rolls it over): month
 * 1-12, day 1 to the month's length, February 29 in leap years only (divisible by 4, a century by 400;
 * year 0 and negative years alike, as `%` gives -0 for them).
 */
function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/**
 * The largest time a `Date` holds, either way from the epoch, in milliseconds: 100,000,000 days
 * (ECMA-262 §21.4.1.1, "Time Values and Time Range"), +275760-09-13T00:00:00Z. Below
 * `Number.MAX_SAFE_INTEGER`, so every time in range is exact.
 */
const MAX_DATE_MS = 8.64e15;

/**
 * `value` as epoch milliseconds when it is a time a `Date` holds (finite, at most {@link MAX_DATE_MS}
 * either way: as `Date.parse` reads `+275760-09-13T00:00:00.001Z`, a number beyond is no time, not a
 * far future), else `undefined`; warned about when it looks like seconds ({@link SECONDS_LIKELY_BELOW}).
 */
function epochMsOfNumber(value: number): number | undefined {
  if (!Number.isFinite(value) || Math.abs(value) > MAX_DATE_MS) return undefined;
  if (value < SECONDS_LIKELY_BELOW) warnSecondsLike(value);
  return value;
}

/**
 * Epoch milliseconds of 1973-03-03T09:46:40Z (1e11). Unix times in seconds stay below it until the year
 * 5138, and no carrier was captured before it: a capture time under it is taken for seconds.
 */
const SECONDS_LIKELY_BELOW = 1e11;

/** The once-per-process warning of a capture time that looks like seconds ({@link toEpochMs}). */
function warnSecondsLike(value: number): void {
  warnOnce(
    "captured-at-seconds",
    `tracehop: a capture time (the capturedAt option or a row's createdAt) of ${value} is read as epoch ` +
      `milliseconds, ${new Date(value).toISOString()}: if it is a Unix time in seconds, give ` +
      `milliseconds (seconds * 1000) or a Date; otherwise relation "auto" and tracehop.queue.wait take ` +
      `every restore for decades old`,
    "TRACEHOP_CAPTURED_AT_SECONDS",
  );
}
