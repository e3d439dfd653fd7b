/**
 * Where a stored carrier comes from: a carrier object, its JSON text, or a row holding it.
 */
import { B3_CONTEXT_HEADER, X_B3_TRACE_ID } from "@opentelemetry/propagator-b3";
import { MAX_CARRIER_KEYS, MAX_CARRIER_TEXT_LENGTH } from "../carrier/trace-carrier.js";
import { X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { isPropagationHeaderName, PROPAGATION_HEADER_NAMES } from "../propagation/header-names.js";
import { TRACE_PARENT_HEADER } from "../propagation/w3c/constants.js";
import { countMiss, hasWarned, markWarned, warnOnce } from "../warn-once.js";

/** Field of a row (or any object) that holds its stored carrier: the Prisma column of tracehop/prisma. */
export const TRACE_CONTEXT_FIELD = "traceContext";
/** Field of a row that holds its creation time, read as the capture time of its carrier. */
const CREATED_AT_FIELD = "createdAt";

/**
 * The shape of a row or message that carries its own trace carrier — a Prisma row of a model with
 * the `traceContext Json?` column, or any object built the same way.
 *
 * - `traceContext`: the stored carrier (a `TraceCarrier` object, its JSON text, or `null` when
 *   the row was written without one). Read as untrusted input; nothing in it can make a call throw.
 * - `createdAt` (optional): when the row was written — a `Date`, epoch milliseconds (a number, a
 *   `bigint` as Prisma gives a `BigInt` column, or a text of digits alone), or an ISO 8601 text, as
 *   `WithCarrierOptions.capturedAt` takes them. `withCarrier` takes it as the capture time of the
 *   carrier (queue wait, `relation: "auto"`).
 *
 * An object with a header that gives a span context at its top level (`traceparent`,
 * `x-datadog-trace-id`, `b3`, `x-b3-traceid`, in any case) is not one unless its `traceContext` holds a
 * carrier: it is message headers with an application header named `traceContext`, read as headers
 * ({@link isTraceCarrierProvider}).
 */
export interface TraceCarrierProvider {
  traceContext: unknown;
  createdAt?: Date | number | bigint | string | null;
}

/** A stored carrier and, when known, when it was captured (epoch milliseconds). */
export interface CarrierSource {
  carrier: unknown;
  capturedAtMs: number | undefined;
}

/**
 * True for a row: an object that has a {@link TRACE_CONTEXT_FIELD} property (the
 * {@link TraceCarrierProvider} shape), unless it also has, at its top level, a header that gives a span
 * context (`traceparent`, `x-datadog-trace-id`, `b3`, `x-b3-traceid`, in any case) while its
 * `traceContext` holds no carrier (an object, even `{}`, or the JSON text of a carrier). That is what
 * a user hands over in each case: raw message headers that happen to carry an application header
 * named `traceContext` (a tenant id, another system's header; `null`, bytes, text) are headers, and
 * were read as a row whose carrier holds nothing, losing the trace in the headers without a word; an
 * object whose `traceContext` holds a carrier is a row whatever else it holds (a column named
 * `traceparent` beside it is not read: pass `row.traceContext` or the headers to choose), so a row
 * that restored its context before still restores the same one. Only a row is looked at for those
 * headers, at most its first {@link MAX_FIELDS_LOOKED_AT} own fields besides the four names. Never
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

/** The header names that give a span context on their own, one per style family (lower case). */
const SPAN_CONTEXT_HEADER_NAMES: readonly string[] = [
  TRACE_PARENT_HEADER,
  X_DATADOG_TRACE_ID,
  B3_CONTEXT_HEADER,
  X_B3_TRACE_ID,
];
/** Their lengths: a key of another length is not compared (no lower-cased copy of it). */
const SPAN_CONTEXT_HEADER_LENGTHS: ReadonlySet<number> = new Set(
  SPAN_CONTEXT_HEADER_NAMES.map((name) => name.length),
);

/**
 * True when `value` (an object with a `traceContext` field, whose value `stored` is) is message headers
 * rather than a row: its `traceContext` holds no carrier — not an object (a Json column's value, even
 * `{}`), nor the JSON text of one, its first key a propagation field: `null`, a number, bytes (every kafkajs
 * header), other text — and it has a span-context header at its top level
 * ({@link SPAN_CONTEXT_HEADER_NAMES}: by exact name, then in any case among the first
 * {@link MAX_FIELDS_LOOKED_AT} own fields). The object test comes first: a Prisma row costs no
 * property read here. Never throws (a throwing getter or proxy trap: false, `value` is read as a row).
 */
function isHeadersBesideTraceContext(value: Record<string, unknown>, stored: unknown): boolean {
  try {
    if (stored !== null && typeof stored === "object" && !ArrayBuffer.isView(stored)) return false;
    if (!hasSpanContextHeader(value)) return false;
    return typeof stored !== "string" || !isCarrierText(stored);
  } catch {
    return false;
  }
}

/** See {@link isHeadersBesideTraceContext}. May throw (a hostile object). */
function hasSpanContextHeader(value: Record<string, unknown>): boolean {
  for (const name of SPAN_CONTEXT_HEADER_NAMES) if (Object.hasOwn(value, name)) return true;
  let looked = 0;
  for (const key in value) {
    if (++looked > MAX_FIELDS_LOOKED_AT) return false;
    if (
      SPAN_CONTEXT_HEADER_LENGTHS.has(key.length) &&
      Object.hasOwn(value, key) &&
      SPAN_CONTEXT_HEADER_NAMES.includes(key.toLowerCase())
    )
      return true;
  }
  return false;
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
 * `int8` column as such text); or a text that starts as an ISO 8601 date ({@link ISO_DATE_START}) and
 * that `Date.parse` reads. `undefined` for anything else, and for a time of 2^53 ms or more either way.
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
    // Only a date that starts as ISO 8601 does: `Date.parse` also reads "May 5", "-5" or "1 2" (as 2001).
    if (!ISO_DATE_START.test(value)) return undefined;
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** A text of decimal digits alone, at most 16 (epoch milliseconds stay below 2^53 until the year 287586). */
const DIGITS_ONLY = /^[0-9]{1,16}$/;

/**
 * The start of an ISO 8601 date, `YYYY-MM-DD` (or the expanded years `±YYYYYY-MM-DD` of ECMAScript's date
 * time string format, ECMA-262 §21.4.1.32), as `toISOString()` writes it and SQL timestamps print
 * (`2026-12-01 10:00:00`). `Date.parse` reads a date and time without a zone in the process's local time
 * zone, as node-postgres reads a `timestamp without time zone`, and a date alone as UTC.
 */
const ISO_DATE_START = /^(?:[0-9]{4}|[+-][0-9]{6})-[0-9]{2}-[0-9]{2}/;

/**
 * `value` as epoch milliseconds when it is finite and exact (at most `Number.MAX_SAFE_INTEGER` in size),
 * else `undefined`; warned about when it looks like seconds ({@link SECONDS_LIKELY_BELOW}).
 */
function epochMsOfNumber(value: number): number | undefined {
  if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) return undefined;
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

/** Own fields of a source looked at for a carrier held under another name: a row has a few dozen. */
const MAX_FIELDS_LOOKED_AT = MAX_CARRIER_KEYS;
/**
 * Own keys never named as a carrier's field: no column is named so, an object has them only from
 * untrusted parsed JSON (`JSON.parse` keeps `"__proto__"` an own key), and the advice
 * `row.__proto__` / `row.constructor` reads the prototype or the class wherever the own key is lost
 * (a copy by `Object.assign`, an object literal): the warning would send the user to read it.
 */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Process warning code of {@link warnIfCarrierInOtherField}. */
export const CARRIER_IN_OTHER_FIELD_WARNING = "TRACEHOP_CARRIER_IN_OTHER_FIELD";

/** Once-per-process key of {@link warnIfCarrierInOtherField}. */
const CARRIER_FIELD_WARNING_KEY = "carrier-field";

/** The tracehop helpers that read a carrier a caller hands them, as a carrier-in-another-field warning names them. */
export type CarrierCaller =
  "withCarrier" | "traced" | "withBatch" | "withBatchItem" | "withSendSpan" | "withProcessSpan";

/**
 * Where the source a carrier-in-another-field warning looks at came from, for the fix it gives: the
 * argument at this index of the `traced` function (from 0), or {@link FROM_CARRIER_FROM}, what the
 * caller's own `carrierFrom` returned (`traced`, `withBatch`), at no position tracehop knows.
 */
export type CarrierPosition = number | typeof FROM_CARRIER_FROM;
/** {@link CarrierPosition}: the source is what the user's `carrierFrom` returned. */
export const FROM_CARRIER_FROM = "carrierFrom";

/** The call that passes the field `access` (`.carrier`, `["x-y"]`) to each {@link CarrierCaller}, for the warning. */
const CARRIER_FIXES: Record<CarrierCaller, (access: string, position: CarrierPosition) => string> = {
  withCarrier: (access) => `withCarrier(row${access}, ...)`,
  // The row as the `position`-th argument: `([row])`, `([, row])`, `([, , row])`; a carrierFrom's
  // result is extended by the field, whatever that carrierFrom reads.
  traced: (access, position) =>
    position === FROM_CARRIER_FROM
      ? `return it from your carrierFrom, traced({ carrierFrom: (args) => <what it returns now>${access} })`
      : `traced({ carrierFrom: ([${", ".repeat(position)}row]) => row${access} })`,
  withBatch: (access, position) =>
    position === FROM_CARRIER_FROM
      ? `return it from your carrierFrom, withBatch(rows, ..., { carrierFrom: (row) => <what it returns now>${access} })`
      : `withBatch(rows, ..., { carrierFrom: (row) => row${access} })`,
  withBatchItem: (access) => `withBatchItem(row${access}, ...)`,
  withSendSpan: (access) => `withSendSpan({ creationContext: row${access}, ... })`,
  withProcessSpan: (access) => `withProcessSpan(message${access}, ...)`,
};

/**
 * Says so (once per process, naming the first such field: `diag.warn` and the process warning
 * `TRACEHOP_CARRIER_IN_OTHER_FIELD`) when `source` — what was handed to `withCarrier`, `traced`,
 * `withBatch`, as `withSendSpan`'s `creationContext` or as `withProcessSpan`'s headers, and yielded no
 * context — is an object whose `traceContext` field holds no carrier (it has none, or an own data field
 * that is `null`, `undefined` or anything else without a propagation field: what a row written
 * without a carrier holds) and that has no propagation header of its own, but one of its own fields
 * holds a carrier under another name: an object with a propagation field (`traceparent`,
 * `x-datadog-*`, `b3`, ...), its JSON text (or that text stringified once more), or the UTF-8 bytes of
 * either, judged from their start ({@link holdsStoredCarrier}: every shape `withCarrier` reads). That
 * is an outbox row whose carrier column is named otherwise (the Prisma extension's
 * `models: { Outbox: "carrier" }`, a table that kept both columns), restored as a new trace without a
 * word. Failing that, a whole amqplib message (`properties.headers`) or kafkajs `eachMessage` payload
 * (`message.headers`) whose headers hold a carrier is named by that path (not for `withProcessSpan`,
 * which names the system to give instead). A `traceContext` that holds a carrier (a bad one) was the
 * right field: nothing is said; one that is a getter or inherited is not read again (the restore read
 * it once) and nothing is said either.
 * Called only when nothing was restored, never on the path of a row whose carrier is found; for each
 * caller, only until {@link MAX_SCANS_WITHOUT_CARRIER} calls have found nothing to say. Looks at
 * the first {@link MAX_FIELDS_LOOKED_AT} own fields, never at a field named `__proto__`,
 * `constructor` or `prototype` ({@link PROTOTYPE_KEYS}: the carrier reader never takes those for a
 * carrier, and the advice would read the prototype). The message names `caller` and the call that
 * passes the field to it (`position`: which argument of the `traced` function held `source`, from 0;
 * {@link FROM_CARRIER_FROM} when `source` is what the caller's own `carrierFrom` returned, which the
 * fix then extends by the field instead of naming an argument).
 * Never throws.
 */
export function warnIfCarrierInOtherField(
  source: unknown,
  caller: CarrierCaller,
  position: CarrierPosition = 0,
): void {
  // Said once per process, or given up for this caller: no scan after that (withProcessSpan calls this
  // for every untraced message, withCarrier for every row written without a carrier).
  const scanKey = SCAN_KEYS[caller];
  if (hasWarned(CARRIER_FIELD_WARNING_KEY) || hasWarned(scanKey) || !isPlainRecord(source)) return;
  if (!carrierInOtherFieldWarned(source, caller, position)) countMiss(scanKey, MAX_SCANS_WITHOUT_CARRIER);
}

/**
 * Scans of {@link warnIfCarrierInOtherField} for one caller that find nothing to say before it stops
 * scanning for that caller for good: the mistake it tells of (a carrier column of another name, the
 * headers wrapped in an object) is in the code, so it shows in the first rows or messages restored
 * without a context; a healthy table of untraced rows (a `traceContext` of `null` or `{}`) or a
 * consumer of untraced messages then costs nothing after these.
 */
const MAX_SCANS_WITHOUT_CARRIER = 64;

/**
 * Internal: ends the scans of {@link warnIfCarrierInOtherField} for `caller`, as if they had found
 * nothing {@link MAX_SCANS_WITHOUT_CARRIER} times: for a caller that has said where the carrier of
 * its input is in another way (`withProcessSpan` handed the other client's whole message names the
 * system to give), so that the same mistake is not said twice.
 */
export function endCarrierFieldScan(caller: CarrierCaller): void {
  markWarned(SCAN_KEYS[caller]);
}

/** Once-per-process keys marking the scans of each caller given up ({@link MAX_SCANS_WITHOUT_CARRIER}). */
const SCAN_KEYS: Record<CarrierCaller, string> = {
  withCarrier: "carrier-field-scan:withCarrier",
  traced: "carrier-field-scan:traced",
  withBatch: "carrier-field-scan:withBatch",
  withBatchItem: "carrier-field-scan:withBatchItem",
  withSendSpan: "carrier-field-scan:withSendSpan",
  withProcessSpan: "carrier-field-scan:withProcessSpan",
};

/** The scan of {@link warnIfCarrierInOtherField}: true when it gave the warning. Never throws. */
function carrierInOtherFieldWarned(
  source: Record<string, unknown>,
  caller: CarrierCaller,
  position: CarrierPosition,
): boolean {
  try {
    // A `traceContext` that holds a carrier, only a bad one, was the right field. One that holds none
    // (`null`, `undefined`: a row written without a carrier) is no answer either: looked past, as a
    // missing one. An accessor or an inherited field is not read again (a getter with side effects:
    // the restore read it once already) and counts as holding one.
    let emptyField = false;
    if (TRACE_CONTEXT_FIELD in source) {
      const own = Object.getOwnPropertyDescriptor(source, TRACE_CONTEXT_FIELD);
      if (own === undefined || !("value" in own) || namesCarrier(own.value)) return false;
      emptyField = true;
    }
    const names = Object.keys(source);
    const count = Math.min(names.length, MAX_FIELDS_LOOKED_AT);
    let field: string | undefined;
    for (let i = 0; i < count; i++) {
      const name = names[i]!;
      if (isPropagationHeaderName(name.toLowerCase())) return false; // a carrier itself, only a bad one
      if (
        field === undefined &&
        name !== TRACE_CONTEXT_FIELD &&
        !PROTOTYPE_KEYS.has(name) &&
        holdsStoredCarrier((source as Record<string, unknown>)[name])
      )
        field = name;
    }
    let access: string;
    let shown: string;
    if (field !== undefined) {
      shown = JSON.stringify(field.length > 64 ? `${field.slice(0, 64)}…` : field);
      access = /^[A-Za-z_$][\w$]*$/.test(field) ? `.${field}` : `[${shown}]`;
    } else {
      // A whole message of a client whose headers sit one level further down: an amqplib message
      // (`properties.headers`), a kafkajs `eachMessage` payload (`message.headers`). withProcessSpan
      // says that case itself, with the system to give (warnIfMessageOfOtherSystem).
      if (caller === "withProcessSpan") return false;
      const nested = NESTED_HEADERS.find(
        (outer) =>
          Object.hasOwn(source, outer) &&
          isPlainRecord(source[outer]) &&
          Object.hasOwn(source[outer], "headers") &&
          holdsStoredCarrier(source[outer].headers),
      );
      if (nested === undefined) return false;
      shown = JSON.stringify(`${nested}.headers`);
      access = `.${nested}.headers`;
    }
    let fix = CARRIER_FIXES[caller](access, position);
    // The row's capture time goes with its carrier, or the restore loses its age (relation "auto",
    // tracehop.queue.wait): said where the call takes the capturedAt option beside the carrier.
    if (field !== undefined && Object.hasOwn(source, CREATED_AT_FIELD)) {
      if (caller === "withCarrier" || caller === "withBatchItem")
        fix = fix.replace(/, \.\.\.\)$/, `, ..., { capturedAt: row.${CREATED_AT_FIELD} })`);
      else if (caller === "withSendSpan")
        fix = fix.replace(/, \.\.\. \}\)$/, `, capturedAt: row.${CREATED_AT_FIELD}, ... })`);
    }
    return warnOnce(
      CARRIER_FIELD_WARNING_KEY,
      `tracehop: a carrier handed to ${caller}` +
        (position === FROM_CARRIER_FROM ? " by its carrierFrom" : "") +
        " held no trace context" +
        (caller === "withProcessSpan"
          ? ""
          : emptyField
            ? ` and its ${TRACE_CONTEXT_FIELD} field holds none`
            : ` and has no ${TRACE_CONTEXT_FIELD} field`) +
        `, but its field ${shown} holds a trace carrier, which was not read: the stored context was not ` +
        `restored. Pass that field: ${fix}.`,
      CARRIER_IN_OTHER_FIELD_WARNING,
    );
  } catch {
    return false; // a throwing getter or proxy trap: nothing to say
  }
}

/**
 * The fields whose `headers` hold the carrier of a whole message handed over in place of its headers:
 * amqplib's `ConsumeMessage.properties`, kafkajs's `EachMessagePayload.message`.
 */
const NESTED_HEADERS = ["properties", "message"] as const;

/** An object whose own fields may be a row's columns: not an array, bytes, a Map or fetch Headers. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  try {
    return !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Map);
  } catch {
    return false;
  }
}

/**
 * Most characters of the first key of a JSON text read as a field name ({@link firstKeyIsPropagationName}):
 * the longest fixed propagation name, `x-datadog-sampling-priority`, has 27; an `ot-baggage-<key>` one
 * may be longer.
 */
const MAX_FIRST_KEY_LENGTH = 256;
/** Blank characters skipped around the first key of a JSON text: a pretty-printed carrier indents it. */
const MAX_INDENT = 64;

/**
 * True for the JSON text of an object (a byte order mark and blanks before its `{` allowed) whose first
 * key is a propagation field name ({@link firstKeyIsPropagationName}): what `JSON.stringify` of a
 * carrier gives (tracehop's carriers hold propagation fields alone). Only the start of the text is read,
 * a few hundred characters whatever its length: never a scan of a long free-text column.
 */
function isCarrierText(text: string): boolean {
  const i = skipBlanks(text, 0);
  return text.charCodeAt(i) === 0x7b /* { */ && firstKeyIsPropagationName(text, i + 1, false);
}

/**
 * Skips up to 8 blanks and byte order marks (U+FEFF) from `i` in `text`: what may precede a JSON text's
 * `{` (RFC 8259 §2, §8.1). Returns the index of the first other character.
 */
function skipBlanks(text: string, i: number): number {
  const end = Math.min(text.length, i + 8);
  while (i < end && (text.charCodeAt(i) <= 0x20 || text.charCodeAt(i) === 0xfeff)) i++;
  return i;
}

/**
 * True for JSON text that holds a carrier's JSON text as a string (`"{\"traceparent\":...}"`: what
 * `JSON.stringify` of an already stringified carrier gives, into a `json` column or a message body),
 * which the carrier reader parses twice: a `"`, then the `{` of the inner text, whose first key, its
 * quotes escaped, is a propagation field name ({@link firstKeyIsPropagationName}).
 */
function isEncodedCarrierText(text: string): boolean {
  let i = skipBlanks(text, 0);
  if (text.charCodeAt(i) !== 0x22 /* " */) return false;
  i = skipBlanks(text, i + 1);
  return text.charCodeAt(i) === 0x7b /* { */ && firstKeyIsPropagationName(text, i + 1, true);
}

/**
 * True when the JSON object whose `{` ends just before `start` in `text` names a propagation field
 * first: blanks ({@link skipIndent}), its first key quoted — the quotes escaped (`\"`) when `escaped`,
 * the object's text being itself the content of a JSON string — of 1 to {@link MAX_FIRST_KEY_LENGTH}
 * characters without an escape, blanks, then `:`; the key, in any case, one
 * `isPropagationHeaderName` takes (src/propagation/header-names.ts: the names every reader of a carrier
 * knows). Reads at most a few hundred characters from `start`.
 */
function firstKeyIsPropagationName(text: string, start: number, escaped: boolean): boolean {
  let i = skipIndent(text, start, escaped);
  if (escaped && text.charCodeAt(i++) !== 0x5c /* \ */) return false;
  if (text.charCodeAt(i) !== 0x22 /* " */) return false;
  const keyStart = i + 1;
  const end = Math.min(text.length, keyStart + MAX_FIRST_KEY_LENGTH + 1);
  let keyEnd = keyStart;
  while (keyEnd < end && text.charCodeAt(keyEnd) !== 0x22 && text.charCodeAt(keyEnd) !== 0x5c) keyEnd++;
  if (keyEnd === keyStart || keyEnd - keyStart > MAX_FIRST_KEY_LENGTH) return false;
  i = keyEnd;
  if (escaped && text.charCodeAt(i++) !== 0x5c /* \ */) return false;
  if (text.charCodeAt(i) !== 0x22 /* " */) return false;
  i = skipIndent(text, i + 1, escaped);
  if (text.charCodeAt(i) !== 0x3a /* : */) return false;
  return isPropagationHeaderName(text.slice(keyStart, keyEnd).toLowerCase());
}

/**
 * Skips up to {@link MAX_INDENT} blanks (space, tab, CR, LF: RFC 8259 §2) from `i` in `text`, and when
 * `escaped` (JSON text inside a JSON string) the escapes `\n`, `\r`, `\t` that stand for them as well.
 * Returns the index of the first other character.
 */
function skipIndent(text: string, i: number, escaped: boolean): number {
  const end = Math.min(text.length, i + MAX_INDENT);
  while (i < end) {
    const code = text.charCodeAt(i);
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) i++;
    else if (escaped && code === 0x5c /* \ */ && BLANK_ESCAPES.has(text.charCodeAt(i + 1))) i += 2;
    else break;
  }
  return i;
}

/** The letters of the JSON escapes of blanks: `\n`, `\r`, `\t`. */
const BLANK_ESCAPES: ReadonlySet<number> = new Set([0x6e, 0x72, 0x74]);

/**
 * Bytes of a binary field decoded to look for a carrier's JSON text: more than the blanks, quotes and
 * first key that {@link isCarrierText} and {@link isEncodedCarrierText} read take in UTF-8 (at most 3
 * bytes a character).
 */
const CARRIER_BYTES_PREFIX = 1536;

/** Decodes the first bytes of a binary field; a leading U+FEFF kept (`isCarrierText` skips it). */
const utf8Prefix = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * The first {@link CARRIER_BYTES_PREFIX} bytes of a binary value as the carrier reader takes one
 * (`carrierObject` in src/carrier/carrier-object.ts: a `Buffer`/`Uint8Array`/other typed array or `DataView`,
 * an `ArrayBuffer`, or the JSON form of a Buffer `{ type: "Buffer", data: [...] }`): `undefined` when
 * `value` is not binary; `null` when it is but the reader reads nothing from it — longer than
 * {@link MAX_CARRIER_TEXT_LENGTH}, or a JSON Buffer whose first bytes are not all integers 0-255 (the
 * ones past the prefix are not looked at). Never a copy or a decode of the whole value. May throw (a
 * hostile object).
 */
function bytesPrefix(value: object): Uint8Array | null | undefined {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    const view = ArrayBuffer.isView(value)
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : new Uint8Array(value);
    return view.byteLength > MAX_CARRIER_TEXT_LENGTH ? null : view.subarray(0, CARRIER_BYTES_PREFIX);
  }
  const json = value as { type?: unknown; data?: unknown };
  if (json.type !== "Buffer" || !Array.isArray(json.data)) return undefined;
  const data = json.data as unknown[];
  if (data.length > MAX_CARRIER_TEXT_LENGTH) return null;
  const bytes = new Uint8Array(Math.min(data.length, CARRIER_BYTES_PREFIX));
  for (let i = 0; i < bytes.length; i++) {
    const byte = data[i];
    if (typeof byte !== "number" || !Number.isInteger(byte) || byte < 0 || byte > 255) return null;
    bytes[i] = byte;
  }
  return bytes;
}

/**
 * True when `bytes`, after at most 24 blanks or byte order mark bytes (EF BB BF: the 8 characters
 * {@link skipBlanks} passes, each a BOM at most), start with `{` or `"`: what the UTF-8 bytes of a
 * carrier's JSON text, or of that text stringified once more, start with. Lets a binary value that
 * is no JSON (a kafkajs header, an id) go without a decode.
 */
function startsAsJson(bytes: Uint8Array): boolean {
  let i = 0;
  while (
    i < bytes.length &&
    i < 24 &&
    (bytes[i]! <= 0x20 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)
  )
    i++;
  return bytes[i] === 0x7b /* { */ || bytes[i] === 0x22; /* " */
}

/** True for a `Map` with a propagation name among its first {@link MAX_FIELDS_LOOKED_AT} keys (any case). */
function mapHoldsCarrier(map: Map<unknown, unknown>): boolean {
  let looked = 0;
  for (const key of map.keys()) {
    if (++looked > MAX_FIELDS_LOOKED_AT) return false;
    if (typeof key === "string" && isPropagationHeaderName(key.toLowerCase())) return true;
  }
  return false;
}

/**
 * True for a field value that holds a carrier in any shape the carrier reader takes one
 * (`carrierObject` in src/carrier/carrier-object.ts, what `withCarrier(row.field)` restores), judged from its
 * start alone: an object with a propagation field of one of the spellings {@link CARRIER_FIELD_NAMES}
 * lists ({@link holdsCarrier}), a `Map` with one among its first {@link MAX_FIELDS_LOOKED_AT} keys (any
 * case); its JSON text ({@link isCarrierText}) or that JSON text stringified once more
 * ({@link isEncodedCarrierText}), at most {@link MAX_CARRIER_TEXT_LENGTH} long, whose first key is a
 * propagation field; or the UTF-8 bytes of either (a BLOB or `bytea` column, a Buffer: {@link bytesPrefix}),
 * of which the first {@link CARRIER_BYTES_PREFIX} are decoded. Nothing is parsed, and no object's keys
 * are listed: the cost is bounded whatever the value's size. (A WHATWG `Headers` object, which no row
 * column holds, is not looked at.) May throw (a hostile object).
 */
function holdsStoredCarrier(value: unknown): boolean {
  if (typeof value === "string") return value.length <= MAX_CARRIER_TEXT_LENGTH && textHoldsCarrier(value);
  if (value === null || typeof value !== "object") return false;
  if (value instanceof Map) return mapHoldsCarrier(value);
  const bytes = bytesPrefix(value);
  if (bytes === null) return false;
  if (bytes !== undefined) return startsAsJson(bytes) && textHoldsCarrier(utf8Prefix.decode(bytes));
  return holdsCarrier(value);
}

/**
 * True for a `traceContext` value that is a carrier, a bad one included: {@link holdsStoredCarrier}, or
 * an object, JSON text or bytes of it with a propagation field among the names {@link CARRIER_FIELD_NAMES}
 * lists whatever its value (`{ traceparent: "garbage" }`: the right field, written badly). May throw (a
 * hostile object).
 */
function namesCarrier(value: unknown): boolean {
  if (holdsStoredCarrier(value)) return true;
  if (typeof value === "string") return isCarrierText(value) || isEncodedCarrierText(value);
  if (value === null || typeof value !== "object" || value instanceof Map) return false;
  const bytes = bytesPrefix(value);
  if (bytes === null) return false;
  if (bytes !== undefined) {
    if (!startsAsJson(bytes)) return false;
    const text = utf8Prefix.decode(bytes);
    return isCarrierText(text) || isEncodedCarrierText(text);
  }
  return isPlainRecord(value) && CARRIER_FIELD_NAMES.some((name) => Object.hasOwn(value, name));
}

/**
 * Text up to this long is parsed to judge it ({@link textHoldsCarrier}): a carrier's JSON is a few
 * hundred bytes; longer text (or the first {@link CARRIER_BYTES_PREFIX} bytes of a longer value) is
 * judged from its first key alone.
 */
const PARSED_TEXT_LIMIT = 4096;

/**
 * True for the JSON text of an object {@link holdsCarrier} takes, or that text stringified once more:
 * parsed when at most {@link PARSED_TEXT_LIMIT} long (a leading byte order mark skipped; text that does
 * not parse, such as the cut prefix of a longer value, is judged from its first key), else judged from
 * its first key ({@link isCarrierText}, {@link isEncodedCarrierText}). May throw (never in practice).
 */
function textHoldsCarrier(text: string): boolean {
  if (text.length <= PARSED_TEXT_LIMIT) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      if (typeof parsed === "string" && parsed.length <= PARSED_TEXT_LIMIT) parsed = JSON.parse(parsed);
    } catch {
      parsed = undefined;
    }
    // Text stringified a third time is a string still: the reader parses twice only.
    if (parsed !== undefined) return typeof parsed === "object" && holdsCarrier(parsed);
  }
  return isCarrierText(text) || isEncodedCarrierText(text);
}

/**
 * The spellings of a propagation field looked up by name in an object ({@link holdsCarrier}): each of
 * `PROPAGATION_HEADER_NAMES` (src/propagation/header-names.ts) in lower case, as tracehop, Node's HTTP
 * server and HTTP/2 write them (`traceparent`, `x-datadog-trace-id`), in Title-Case, as HTTP/1.1 clients
 * and Java's Kafka and AMQP clients often do (`Traceparent`, `X-Datadog-Trace-Id`), and in upper case;
 * and B3's own spellings (`X-B3-TraceId`, `X-B3-SpanId`, `X-B3-ParentSpanId`: openzipkin/b3-propagation,
 * README "Multiple Headers"). Another mixed case is not seen.
 */
const CARRIER_FIELD_NAMES: readonly string[] = [
  ...new Set([
    ...PROPAGATION_HEADER_NAMES.flatMap((name) => [name, titleCase(name), name.toUpperCase()]),
    "X-B3-TraceId",
    "X-B3-SpanId",
    "X-B3-ParentSpanId",
  ]),
];

/** `name` with the first letter of each `-`-separated word upper-cased: `x-b3-traceid` → `X-B3-Traceid`. */
function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * Internal: true for an object with an own propagation field in one of the spellings of
 * {@link CARRIER_FIELD_NAMES} (one `Object.hasOwn` each: never a walk of its keys, which for an object
 * of a million keys, a large JSON column, takes a second), or JSON text whose first key is a propagation
 * field ({@link isCarrierText}). May throw (a hostile object).
 */
export function holdsCarrier(value: unknown): boolean {
  if (typeof value === "string") return textHoldsCarrier(value);
  if (!isPlainRecord(value)) return false;
  for (const name of CARRIER_FIELD_NAMES)
    if (Object.hasOwn(value, name)) {
      const lower = name.toLowerCase();
      const pattern = CONTEXT_VALUE_PATTERNS.get(lower);
      if (pattern === undefined || !pattern.test(contextValueText(value[name]))) continue;
      // A trace id alone gives no context (Datadog needs its parent id, B3's multi headers their span id).
      const partner = PARTNER_HEADERS.get(lower);
      if (partner === undefined || spellings(partner).some((spelt) => Object.hasOwn(value, spelt)))
        return true;
    }
  return false;
}

/** The header a trace id header needs beside it to give a span context, by the trace id's name. */
const PARTNER_HEADERS: ReadonlyMap<string, string> = new Map([
  [X_DATADOG_TRACE_ID, "x-datadog-parent-id"],
  [X_B3_TRACE_ID, "x-b3-spanid"],
]);

/** The spellings of a lower-case header name {@link CARRIER_FIELD_NAMES} looks up (B3's own included). */
function spellings(name: string): string[] {
  const spelt = [name, titleCase(name), name.toUpperCase()];
  if (name === "x-b3-spanid") spelt.push("X-B3-SpanId");
  return spelt;
}

/**
 * What a span-context header's value must start with for {@link holdsCarrier} to take the object for a
 * carrier: a field of that name holding something else (`{ b3: 12 }` of a vitamins table, `{ baggage:
 * "2 bags" }`) is no carrier. W3C Trace Context §3.2 (`version-traceid-parentid-flags`), Datadog's
 * decimal id, B3 single (openzipkin/b3-propagation "Single Header": `traceid-spanid...`) and multi
 * (`X-B3-TraceId`: 16 or 32 hex digits). Headers that give no span context on their own (`tracestate`,
 * `baggage`, `x-datadog-origin`, ...) do not make a carrier either.
 */
const CONTEXT_VALUE_PATTERNS: ReadonlyMap<string, RegExp> = new Map([
  [TRACE_PARENT_HEADER, /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}/i],
  [X_DATADOG_TRACE_ID, /^\d{1,20}$/],
  [B3_CONTEXT_HEADER, /^(?:[0-9a-f]{16}|[0-9a-f]{32})-[0-9a-f]{16}(?:-|$)/i],
  [X_B3_TRACE_ID, /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i],
]);

/**
 * A header value as text to test against {@link CONTEXT_VALUE_PATTERNS}: a string (trimmed), a number
 * (a JSON number id), the first of an array, the first 64 bytes of a Buffer (a kafkajs header) as
 * UTF-8; `""` for anything else.
 */
function contextValueText(value: unknown): string {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first === "string") return first.trim();
  if (typeof first === "number" || typeof first === "bigint") return String(first);
  if (ArrayBuffer.isView(first))
    return utf8Prefix
      .decode(new Uint8Array(first.buffer, first.byteOffset, Math.min(first.byteLength, 64)))
      .trim();
  return "";
}
