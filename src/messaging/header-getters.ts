/** The TextMap getters and setters over kafkajs and amqplib message headers. */
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import {
  headerObjectKind,
  readKind,
  writeKind,
  type HeaderAccessKind,
} from "../carrier/header-object-kind.js";
import { holdHeaderTextSetter } from "../carrier/header-text-setter.js";
import {
  MAX_CARRIER_FIELD_VALUES,
  MAX_CARRIER_KEYS,
  MAX_CARRIER_VALUE_LENGTH,
} from "../carrier/trace-carrier.js";
import { NOT_TEXT_VALUE } from "../carrier/normalize-carrier.js";
import { X_DATADOG_PARENT_ID, X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { idTextFromNumber, isDatadogIdName, isUnexactIdNumber } from "../propagation/datadog/ids.js";
import { isPropagationHeaderName, PROPAGATION_HEADER_SET } from "../propagation/header-names.js";
import { isBaggageHeader, PER_ENTRY_BAGGAGE_PREFIXES } from "../context/baggage-policy.js";
import { BAGGAGE_HEADER } from "../propagation/w3c/constants.js";
import { assertKnownOptions } from "../known-options.js";
import { quoteWritten } from "../describe-value.js";
import { warnOnce } from "../warn-once.js";
import type { AmqpFrameMaxOptions } from "./header-writer.js";
import {
  entryNames,
  HTTP_TOKEN,
  isHeadersObject,
  removeNameInAnyCase,
  sameNameInOtherCase,
  setEntry,
  warnIfHeadersNotSent,
  warnHeadersNotAnObject,
  type FetchHeadersLike,
  type HeaderEntries,
  type HeaderMethods,
} from "./header-entries.js";
import {
  amqpTableBytes,
  amqpTableLimit,
  assertFrameMax,
  MAX_AMQP_TABLE_BYTES,
  sendableFieldFault,
  type AmqpFieldMeasure,
  type FieldFault,
  warnFieldLeftOut,
} from "./sendable-field.js";

/**
 * Message headers as kafkajs types them (`IHeaders`): header name -> string, Buffer, or an array of
 * those for a header repeated in the record. A consumer receives Buffers (tulios/kafkajs#1024); a
 * producer may pass strings. Declared here so that tracehop's public types do not depend on kafkajs
 * (opentelemetry-js-contrib GUIDELINES.md: no type dependency on the instrumented library).
 */
export type KafkaHeaders = Record<string, string | Buffer | (string | Buffer)[] | undefined>;

/**
 * AMQP 0-9-1 message headers as amqplib delivers them in `properties.headers`: a field table whose
 * values are strings (long strings), Buffers (byte arrays), numbers (integer and float types; `long`
 * already converted to a JS number), booleans, `null`, arrays, nested tables and
 * `{ "!": "timestamp", value }` objects (amqplib `lib/codec.js`).
 */
export type AmqpHeaders = Record<string, unknown>;

/**
 * UTF-8 with a leading U+FEFF kept as data (`ignoreBOM`), as the stored-carrier reader decodes bytes: a
 * header whose bytes start with a BOM reads as the same text sent as a string (refused where its
 * grammar refuses U+FEFF), not as the text without it.
 */
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * One header value as text: strings as they are, byte arrays decoded whole as UTF-8 (never element by
 * element); a value over `MAX_CARRIER_VALUE_LENGTH` (UTF-16 code units or bytes) is absent, as in a
 * stored carrier. With `numbers` (an AMQP field table, {@link amqpFieldText}) the other AMQP field
 * types of header `name` (lower case) too; without, they are absent. Internal to tracehop/messaging:
 * also how a `messageId` given as bytes is read (`messageIdText`, message-restore-options.ts).
 */
export function valueToText(value: unknown, numbers: boolean, name = ""): string | undefined {
  if (typeof value === "string") return value.length <= MAX_CARRIER_VALUE_LENGTH ? value : undefined;
  if (value instanceof Uint8Array)
    return value.byteLength <= MAX_CARRIER_VALUE_LENGTH ? decoder.decode(value) : undefined;
  return numbers ? amqpFieldText(value, name) : undefined;
}

/**
 * An AMQP field value of another type than text or bytes, in header `name` (lower case), as text, read
 * as the stored-carrier reader reads the same JSON value (`valueText`, normalize-carrier.ts), so that
 * a header judged invalid there is judged invalid here, never taken for a missing one:
 * - a number that is a safe integer as its decimal text: the value sent (an AMQP `short` or `long`, or
 *   a `double` / `float` 1.0, which amqplib delivers as the number 1);
 * - an integer beyond 2^53 (or an infinite number) in `x-datadog-trace-id` / `x-datadog-parent-id`:
 *   absent, the id refused and said ({@link messageNumberText}): amqplib reads an AMQP `long` through a
 *   JS number (`Number(readBigInt64BE)`, amqplib `lib/codec.js`), so its digits are rounded, and Datadog
 *   ids never pass through a JS number (DataDog/dd-trace-js#344);
 * - any other number as its text (`2.5`, `NaN`, `1152921504606846976`), which the header's grammar
 *   then refuses (a sampling priority must be an integer of at most 10 digits);
 * - a boolean and a bigint as their text (`"true"`: an invalid priority or id, but `x-b3-sampled: true`
 *   is sampled, as `@opentelemetry/propagator-b3` reads it);
 * - a table, a timestamp or decimal (`{ "!": "timestamp", value }`) in a propagation header as
 *   `NOT_TEXT_VALUE` (invalid); in another header, and `null`: absent.
 */
function amqpFieldText(value: unknown, name: string): string | undefined {
  switch (typeof value) {
    case "number":
      return messageNumberText(value, name);
    case "boolean":
    case "bigint":
      return String(value);
    case "object":
      return value !== null && PROPAGATION_HEADER_SET.has(name) ? NOT_TEXT_VALUE : undefined;
    default:
      return undefined;
  }
}

/**
 * Internal to tracehop/messaging: a number in message header `name` (any case), as both readers of
 * message headers read it (the AMQP getter, {@link amqpFieldText}, and `headerNumbersAsText`,
 * consumed-message.ts): its text (a safe integer's decimal text, another number's `String`), or
 * `undefined` for an integer beyond 2^53 (or an infinite number) in `x-datadog-trace-id` /
 * `x-datadog-parent-id`, an AMQP `long` amqplib rounded, refused and said by `idTextFromNumber`
 * (`diag.warn`, and `TRACEHOP_JSON_NUMBER_ID` once per process, as a message header).
 */
export function messageNumberText(value: number, name: string): string | undefined {
  if (!isUnexactIdNumber(value) || !isDatadogIdHeader(name)) return String(value);
  idTextFromNumber(value, name.toLowerCase(), "message");
  return undefined;
}

/**
 * Internal to tracehop/messaging: the rule both readers of message headers (the AMQP getter,
 * {@link amqpHeadersGetter}, and `headerNumbersAsText`, consumed-message.ts) apply to a repeated
 * `x-datadog-trace-id` / `x-datadog-parent-id` (any case: `name`), an AMQP field array: whether its last
 * value `last`, read as `lastText` (`undefined`: a number {@link messageNumberText} refused, an AMQP
 * `long` amqplib rounded), refuses the whole header. A repeated id's last value is the one the Datadog
 * style reads (as dd-trace-js): one amqplib rounded there refuses the header, as an invalid last text
 * does, never falling back to the value sent before it.
 */
export function roundedLastIdRefuses(name: string, last: unknown, lastText: unknown): boolean {
  return lastText === undefined && typeof last === "number" && isDatadogIdHeader(name);
}

/**
 * Internal to tracehop/messaging: the values of a repeated message header (an AMQP field array, an
 * array of header values) that both readers of message headers read (the getters, {@link readHeader},
 * and `headerNumbersAsText`, consumed-message.ts): its first `MAX_CARRIER_FIELD_VALUES`, in order
 * (`values` itself when it has no more); the later ones are never read, converted nor said. So the last
 * value read of a repeated id, the one the Datadog style reads (as dd-trace-js; `DatadogPropagator`
 * reads a getter's array the same way), is the one at index `min(length, MAX_CARRIER_FIELD_VALUES) - 1`
 * for both, and {@link roundedLastIdRefuses} is asked of that one.
 */
export function valuesRead<T>(values: readonly T[]): readonly T[] {
  return values.length > MAX_CARRIER_FIELD_VALUES ? values.slice(0, MAX_CARRIER_FIELD_VALUES) : values;
}

/** `x-datadog-trace-id` or `x-datadog-parent-id` in any case: a 64-bit Datadog id. */
export function isDatadogIdHeader(name: string): boolean {
  // Only a name of an id's length is lowered (a header table holds many other names).
  return (
    (name.length === X_DATADOG_TRACE_ID.length || name.length === X_DATADOG_PARENT_ID.length) &&
    isDatadogIdName(name.toLowerCase())
  );
}

/**
 * Lower-cased name -> name, of the first `MAX_CARRIER_KEYS` names of a headers object that has more
 * names than that: built on its first any-case look-up, so that every later one costs a Map look-up
 * instead of listing a million names again (listing the names of a large object costs it all, however
 * few are read). A name added to such an object afterwards in another case is not found this way.
 */
const largeHeaderIndexes = new WeakMap<object, Map<string, string>>();

/**
 * The name of `headers` that equals `key` (lower case) in another case, among its first
 * `MAX_CARRIER_KEYS`.
 */
function otherCaseName(headers: Record<string, unknown>, key: string): string | undefined {
  const index = largeHeaderIndexes.get(headers);
  if (index !== undefined) return index.get(key);
  const names = Object.keys(headers);
  const count = Math.min(names.length, MAX_CARRIER_KEYS);
  if (names.length <= MAX_CARRIER_KEYS) {
    for (let i = 0; i < count; i++) {
      const name = names[i]!;
      if (sameNameInOtherCase(name, key)) return name;
    }
    return undefined;
  }
  const built = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const name = names[i]!;
    const lower = name.toLowerCase();
    if (!built.has(lower)) built.set(lower, name);
  }
  largeHeaderIndexes.set(headers, built);
  return built.get(key);
}

/**
 * The value of header `key` (lower case): the own property of exactly that name, else the first of
 * the first `MAX_CARRIER_KEYS` names that equals it in another case (for an object of more names, an
 * index of those built once: a hostile object of a million names is listed once, not once per field
 * asked). A repeated header (an array) gives the readable ones of its values read ({@link valuesRead}).
 * `undefined` when there is none or reading throws (a getter, a proxy trap, a detached buffer).
 */
function readHeader(
  headers: Record<string, unknown>,
  key: string,
  numbers: boolean,
): string | string[] | undefined {
  try {
    const kind = headerObjectKind(headers);
    let raw: unknown;
    if (kind === "fetch") raw = (headers as unknown as FetchHeadersLike).get(key) ?? undefined;
    else if (kind === "map") raw = mapValue(headers as unknown as Map<unknown, unknown>, key);
    else if (kind !== undefined) raw = methodsValue(headers as unknown as HeaderMethods, kind, key);
    else {
      raw = Object.hasOwn(headers, key) ? headers[key] : undefined;
      if (raw === undefined) {
        // Header names are case-sensitive on Kafka and AMQP; a carrier's are not (HTTP header names).
        const name = otherCaseName(headers, key);
        if (name !== undefined) raw = headers[name];
      }
    }
    if (!Array.isArray(raw)) return valueToText(raw, numbers, key);
    const values: string[] = [];
    const read = valuesRead(raw as unknown[]);
    const count = read.length;
    for (let i = 0; i < count; i++) {
      const text = valueToText(read[i], numbers, key);
      if (text !== undefined) values.push(text);
      else if (numbers && i === count - 1 && roundedLastIdRefuses(key, read[i], text)) return undefined;
    }
    return values.length ? values : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The value of entry `key` (lower case) of a Map: the entry of exactly that name, else
 * {@link otherCaseEntry}.
 */
function mapValue(map: Map<unknown, unknown>, key: string): unknown {
  return map.has(key) ? map.get(key) : otherCaseEntry(map, key);
}

/**
 * The value of header `key` (lower case) of a client's header object with `get` and an iterator of
 * `[name, value | values[]]` (`kind` "entries": NATS `MsgHdrs`, entries `[name, values[]]`, names
 * case-sensitive): the entry of exactly that name, else {@link otherCaseEntry}; one without an iterator
 * (`kind` "lookup": {@link lookedUpValue}) through its `get`. An array of one value reads as that value,
 * as a plain object's would.
 */
function methodsValue(headers: HeaderMethods, kind: "entries" | "lookup", key: string): unknown {
  const value =
    kind === "entries" ? otherCaseEntry(headers as Iterable<unknown>, key) : lookedUpValue(headers, key);
  return Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
}

/**
 * The value of header `key` (lower case) of a client's header object with `get` but no iterator (its
 * fields kept out of reach, a class's `#private` Map): `get(key)`, else `get` of the first of the first
 * `MAX_CARRIER_KEYS` names of its `keys()` (when it has one) that equals `key` in another case. A `get`
 * giving `undefined`, `null` or `""` (MsgHdrs' answer for a missing name) finds nothing.
 */
function lookedUpValue(headers: HeaderMethods, key: string): unknown {
  const get = headers.get as (name: string) => unknown;
  const value = get.call(headers, key);
  if (value !== undefined && value !== null && value !== "") return value;
  for (const name of entryNames(headers, "methods", MAX_CARRIER_KEYS))
    if (name !== key && sameNameInOtherCase(name, key)) return get.call(headers, name) ?? undefined;
  return undefined;
}

/**
 * The value of the entry named `key` (lower case) among the first `MAX_CARRIER_KEYS` `[name, value]`
 * entries of `entries`, else of the first whose name equals it in another case.
 */
function otherCaseEntry(entries: Iterable<unknown>, key: string): unknown {
  let seen = 0;
  let otherCase: unknown;
  for (const entry of entries) {
    if (++seen > MAX_CARRIER_KEYS) break;
    if (!Array.isArray(entry)) continue;
    const name: unknown = entry[0];
    if (name === key) return entry[1];
    if (otherCase === undefined && typeof name === "string" && sameNameInOtherCase(name, key))
      otherCase = entry[1];
  }
  return otherCase;
}

/**
 * The first `MAX_CARRIER_KEYS` names of `headers` (own enumerable names; a Map's string keys; a
 * `Headers` object's field names); `[]` when they cannot be read.
 */
function headerNames(headers: unknown): string[] {
  if (!isHeadersObject(headers)) return [];
  try {
    const kind = readKind(headers);
    const names =
      kind === undefined
        ? Object.keys(headers)
        : entryNames(headers as unknown as HeaderEntries, kind, MAX_CARRIER_KEYS);
    return names.length > MAX_CARRIER_KEYS ? names.slice(0, MAX_CARRIER_KEYS) : names;
  } catch {
    return [];
  }
}

function makeGetter<H extends object>(numbers: boolean): TextMapGetter<H> {
  return {
    keys: (headers) => headerNames(headers),
    get: (headers, key) =>
      isHeadersObject(headers) && typeof key === "string"
        ? readHeader(headers, key.toLowerCase(), numbers)
        : undefined,
  };
}

/**
 * One field a setter writes into plain-object headers, for {@link amqpTableBytes}: its lower-case name
 * and text, and (`otherCase`, set by {@link replacedBySetter} while the table is counted) whether the
 * headers hold a field of that name in another case, which the setter removes.
 */
interface SetterWrite {
  readonly name: string;
  readonly text: string;
  otherCase: boolean;
}

/**
 * Whether a setter's `write` replaces field `existing` of the headers: the field of its name, or of its
 * name in another case (noted in `write.otherCase`: the setter removes those).
 */
function replacedBySetter(existing: string, write: SetterWrite): boolean {
  if (existing === write.name) return true;
  if (!sameNameInOtherCase(existing, write.name)) return false;
  write.otherCase = true;
  return true;
}

/** Bytes (by `measure`) of the one field a setter's `write` adds. */
function setterFieldBytes(write: SetterWrite, measure: AmqpFieldMeasure): number {
  return measure(write.name, write.text);
}

/**
 * A setter's field left out (`fault`): its name, in any case, is removed from `headers` (a forwarded
 * message's old `traceparent` must not travel on where the new value could not: the consumer would
 * continue the stale trace), then it is said, with whether a value was removed. `otherCase`: headers
 * written as properties hold the name in another case (the setter's one look at their fields); the
 * exact name is looked up, entries always looked at. `amqp`: the setter writes AMQP headers, for the
 * wording of the `:` rule. `forwardedBaggage`: a trace header left out of a full table beside a baggage
 * header the setter did not write, as the headers name it (said, with how to make room). Never throws:
 * headers that refuse the delete keep the field, and the warning is still given.
 */
function leaveOut(
  headers: Record<string, unknown>,
  kind: HeaderAccessKind | undefined,
  name: string,
  otherCase: boolean,
  helper: string,
  amqp: boolean,
  fault: FieldFault,
  text: string,
  frameMax = 0,
  forwardedBaggage?: string,
): void {
  let removed = false;
  try {
    if (otherCase || kind !== undefined || name in headers)
      removed = removeNameInAnyCase(headers, kind, name, true);
  } catch {
    // a frozen object, a throwing proxy trap or method: the old field stays
  }
  warnFieldLeftOut(
    fault,
    name,
    text,
    forwardedBaggage === undefined
      ? { helper, source: "propagator", amqp, removed }
      : { helper, source: "propagator", amqp, removed, forwardedBaggage },
    frameMax,
  );
}

/**
 * The setter `helper`: each field written under its lower-case name, as a string, unless a client
 * would refuse it at send (`sendableFieldFault`, with `amqpTable` counting a plain object's AMQP
 * headers table as amqplib encodes it: left out and said, `warnFieldLeftOut`). `headerText`: the
 * variant `createPropagator`'s composite writes its own styles' fields through (`headerTextSetter`),
 * whose characters are not looked at again; the setter made without it holds that variant.
 */
function makeSetter<H extends object>(
  helper: string,
  amqpTable: boolean,
  headerText = false,
  frameMax = 0,
): TextMapSetter<H> {
  const tableLimit = amqpTableLimit(frameMax);
  const setter: TextMapSetter<H> = {
    set: (headers, key, value) => {
      if (!isHeadersObject(headers)) return warnHeadersNotAnObject(headers, helper, false);
      if (typeof key !== "string") return;
      try {
        const name = key.toLowerCase();
        const text = typeof value === "string" ? value : String(value);
        const kind = writeKind(headers);
        // Headers written as properties: one look at their fields, for a field of this name in another
        // case (removed once the field is written) and, with `amqpTable`, the table amqplib would encode
        // with this field (amqpTableBytes: a length read per string field of the usual headers).
        let otherCase = false;
        let tableBytes = 0;
        if (kind === undefined) {
          if (amqpTable) {
            const write: SetterWrite = { name, text, otherCase: false };
            tableBytes = amqpTableBytes(headers, write, replacedBySetter, setterFieldBytes, tableLimit);
            otherCase = write.otherCase;
          } else
            for (const existing in headers)
              if (existing !== name && sameNameInOtherCase(existing, name)) {
                otherCase = true;
                break;
              }
        }
        const fault = tableFault(
          sendableFieldFault(name, text, tableBytes, headerText),
          tableBytes,
          tableLimit,
        );
        // A trace header past the table's limit may fit once the baggage the setter wrote is out
        // (traceHeaderPastTable, out of this function: the usual write never runs it).
        if (fault !== undefined) {
          // Left out, the field still replaces its name, in any case: a stale `traceparent` of forwarded
          // headers must not travel on where the new value could not.
          if (!((fault === "table" || fault === "frame") && isTraceHeader(name)))
            return leaveOut(headers, kind, name, otherCase, helper, amqpTable, fault, text, frameMax);
          const fit = traceHeaderPastTable(
            headers as Record<string, unknown>,
            name,
            text,
            otherCase,
            helper,
            fault,
            headerText,
            tableLimit,
            frameMax,
          );
          if (fit === LEFT_OUT) return;
          otherCase = fit === FITS_OTHER_CASE;
        }
        if (kind === "methods") {
          // A client's header object may keep names case-sensitively (NATS MsgHdrs): one field per name.
          removeNameInAnyCase(headers, kind, name);
          setEntry(headers as unknown as HeaderMethods, kind, name, text);
          return;
        }
        if (kind === "map" || kind === "fetch") {
          if (kind === "map" || HTTP_TOKEN.test(name))
            setEntry(headers as unknown as HeaderEntries, kind, name, text);
          return;
        }
        warnIfHeadersNotSent(headers, helper);
        if (otherCase) removeNameInAnyCase(headers, kind, name);
        (headers as Record<string, unknown>)[name] = text;
        if (amqpTable && BAGGAGE_FIRST_CODES[name.charCodeAt(0)] === 1 && isBaggageHeader(name))
          noteBaggageWritten(headers, name, text);
      } catch {
        // A frozen object, a throwing setter or proxy trap: the field is not written, said once.
        warnHeadersNotWritable(helper, amqpTable, key);
      }
    },
  };
  if (!headerText) holdHeaderTextSetter(setter, makeSetter<H>(helper, amqpTable, true, frameMax));
  return setter;
}

/**
 * Says so (once per process and setter: `diag.warn` and the process warning
 * `TRACEHOP_HEADERS_NOT_WRITABLE`) when the setter `helper` (of AMQP tables when `amqpTable`, else of
 * Kafka headers) could not write field `key` (the first one
 * refused, as the propagator named it) into headers that refuse it: a frozen, sealed or non-extensible
 * object, a read-only field, a throwing setter or proxy trap (assignment throws in a module's strict
 * code). A TextMapSetter writes in place and cannot copy, so the message leaves without the field; the
 * fix names the writer that puts the context on a copy (`injectAmqpHeaders`, `injectKafkaHeaders`).
 * A trace lost without an error is said, never thrown (docs/warnings.md). Never throws.
 */
function warnHeadersNotWritable(helper: string, amqpTable: boolean, key: string): void {
  const writer = amqpTable ? "injectAmqpHeaders" : "injectKafkaHeaders";
  warnOnce(
    `headers-not-writable:${helper}`,
    `tracehop ${helper}: the headers refused the field ${quoteWritten(key.toLowerCase())} (a frozen, sealed or ` +
      "non-extensible object, a read-only field, or a setter or proxy trap that threw), so the message leaves " +
      "without it, and without the trace context when every field was refused: hand the setter headers it can " +
      `write (a new object per message: { ...headers }), or write them with ${writer}, which puts the context ` +
      "on a copy of headers that cannot take it",
    "TRACEHOP_HEADERS_NOT_WRITABLE",
  );
}

/**
 * A setter's fault for a field (`fault`, from `sendableFieldFault` against amqplib's 65 536-byte table)
 * under a table limit of `tableLimit` bytes (`amqpTableLimit` of a `frameMax`): `"frame"` when the table
 * with the field, `tableBytes`, is over a limit lowered by a `frameMax`, as the writers say it.
 */
function tableFault(
  fault: FieldFault | undefined,
  tableBytes: number,
  tableLimit: number,
): FieldFault | undefined {
  if (tableLimit >= MAX_AMQP_TABLE_BYTES) return fault;
  if (fault === "table" || (fault === undefined && tableBytes > tableLimit)) return "frame";
  return fault;
}

/**
 * The plain object an AMQP setter last wrote a baggage header (`isBaggageHeader`) into, and
 * ({@link baggageWritten}) the baggage headers it wrote there with the text it wrote: the only ones a
 * trace header that would not fit may leave out. One slot, not a note per headers object: a
 * propagator's inject writes its fields into one carrier in one synchronous call (`baggage` before the
 * `x-datadog-*` headers), and a `WeakMap` entry per message's headers cost more than the rest of the
 * inject (about 4 µs a message, its ephemeron table collected by the GC). So a baggage header the setter
 * wrote into these headers before it wrote one into others (an earlier publish of headers reused) is
 * no longer known as its own: it is then kept as the application's, and the trace header that does not
 * fit beside it is left out, said with it named. A strong reference to one headers object, the last
 * given a baggage header, until the next.
 */
let baggageHeaders: object | undefined;

/**
 * The baggage headers the setter wrote into {@link baggageHeaders}: `[name, text, name, text, ...]`,
 * names as written (lower case), one pair per name (its last write). Only those still holding that
 * text ({@link baggageStillWritten}) may be left out. A baggage header the object held before (a
 * consumed message's headers, forwarded), or that the application set again after the setter wrote it
 * (one headers object reused for several publishes: another text, a Buffer), is the application's, as
 * any other header it holds: a setter replaces only the names it writes.
 */
let baggageWritten: string[] = [];

/**
 * `1` at the character code each baggage header name starts with (`baggage`, `ot-baggage-`, `uberctx-`):
 * a name that starts with another is none, told without `isBaggageHeader`'s prefix comparisons (the
 * trace headers a setter writes on every inject start with `t` or `x`).
 */
const BAGGAGE_FIRST_CODES = new Uint8Array(128);
for (const name of [BAGGAGE_HEADER, ...PER_ENTRY_BAGGAGE_PREFIXES])
  BAGGAGE_FIRST_CODES[name.charCodeAt(0)] = 1;

/** Notes that a setter wrote the baggage header `name`=`text` into `headers` ({@link baggageWritten}). */
function noteBaggageWritten(headers: object, name: string, text: string): void {
  if (headers !== baggageHeaders) {
    baggageHeaders = headers;
    baggageWritten = [name, text];
    return;
  }
  const written = baggageWritten;
  for (let i = 0; i < written.length; i += 2)
    if (written[i] === name) {
      written[i + 1] = text;
      return;
    }
  written.push(name, text);
}

/** Forgets the baggage headers noted ({@link baggageHeaders}): left out, or refused by the headers. */
function forgetBaggageWritten(): void {
  baggageHeaders = undefined;
  baggageWritten = [];
}

/**
 * The names of the baggage headers a setter wrote into plain-object `headers`, when they are the ones it
 * last wrote a baggage header into ({@link baggageHeaders}), that are still own fields holding the text it wrote: a name the application set again since (another
 * text, bytes) is the application's. `[]` when there are none. Never throws (a throwing getter or proxy
 * trap: the names found so far).
 */
function baggageStillWritten(headers: Record<string, unknown>): string[] {
  const names: string[] = [];
  if (headers !== baggageHeaders) return names;
  const written = baggageWritten;
  try {
    for (let i = 0; i < written.length; i += 2) {
      const name = written[i]!;
      if (Object.prototype.hasOwnProperty.call(headers, name) && headers[name] === written[i + 1])
        names.push(name);
    }
  } catch {
    // a throwing getter or proxy trap: those found so far
  }
  return names;
}

/**
 * Whether the field `name`=`text` fits a plain object's AMQP table `headers` under `tableLimit` once the
 * baggage headers a setter wrote into it (`written`, {@link baggageStillWritten}) are out, as
 * {@link tableFault} counts it. Never throws (a throwing getter or proxy trap: the fields counted so far,
 * as `amqpTableBytes` counts them).
 */
function fitsWithoutBaggage(
  headers: Record<string, unknown>,
  written: readonly string[],
  name: string,
  text: string,
  headerText: boolean,
  tableLimit: number,
): boolean {
  const write: SetterWrite = { name, text, otherCase: false };
  const bytes = amqpTableBytes(
    headers,
    write,
    (existing, w) => written.includes(existing) || replacedBySetter(existing, w),
    setterFieldBytes,
    tableLimit,
  );
  return tableFault(sendableFieldFault(name, text, bytes, headerText), bytes, tableLimit) === undefined;
}

/** A trace header: a propagation header that is no baggage (`traceparent`, `x-datadog-*`, B3, ...). */
function isTraceHeader(lowerCaseName: string): boolean {
  return isPropagationHeaderName(lowerCaseName) && !isBaggageHeader(lowerCaseName);
}

/**
 * Removes from plain-object AMQP headers the baggage headers a setter wrote into them and that still
 * hold what it wrote (`written`, {@link baggageStillWritten}) so that a trace header the setter is writing fits the table, each said left out
 * for `fault` (the writers keep the trace headers first: the setter writes fields in the order a
 * propagator calls it, `baggage` before the `x-datadog-*` headers under the default styles). A baggage
 * header the headers held before is not one of them and stays. `true` when one was removed. Never throws.
 */
function leaveOutBaggage(
  headers: Record<string, unknown>,
  written: string[],
  helper: string,
  fault: FieldFault,
  frameMax: number,
): boolean {
  let removed = false;
  // Left out now (or refused by the headers): none of them is the setter's to leave out again.
  forgetBaggageWritten();
  try {
    for (const name of written) {
      if (!Object.prototype.hasOwnProperty.call(headers, name)) continue;
      const value = headers[name];
      if (!Reflect.deleteProperty(headers, name) || name in headers) continue;
      removed = true;
      warnFieldLeftOut(
        fault,
        name,
        typeof value === "string" ? value : String(value),
        {
          helper,
          source: "propagator",
          amqp: true,
          removed: false,
        },
        frameMax,
      );
    }
  } catch {
    // a frozen object, a throwing proxy trap: what was removed
  }
  return removed;
}

/** {@link traceHeaderPastTable}: the trace header was left out (and said). */
const LEFT_OUT = 0;
/** {@link traceHeaderPastTable}: it fits now; the headers hold no other spelling of its name. */
const FITS = 1;
/** {@link traceHeaderPastTable}: it fits now; the headers hold its name in another case, to remove. */
const FITS_OTHER_CASE = 2;

/**
 * A setter's trace header `name`=`text` past plain-object AMQP `headers`' table limit (`fault`): the
 * baggage headers the setter wrote into them before it (a propagator writes `baggage` before the
 * `x-datadog-*` headers) are left out first, as the writers leave them out, when the trace header then
 * fits (else the baggage stays: leaving it out would carry nothing more); `otherCase` as the setter
 * found it (its name in another case in the headers, removed with it when left out); {@link FITS} or
 * {@link FITS_OTHER_CASE} then, for the caller to write it. A baggage header the headers came with (a
 * consumed message's, forwarded) is the application's and stays: the trace header is then left out
 * ({@link LEFT_OUT}), said with that baggage named. Never throws.
 */
function traceHeaderPastTable(
  headers: Record<string, unknown>,
  name: string,
  text: string,
  otherCase: boolean,
  helper: string,
  fault: FieldFault,
  headerText: boolean,
  tableLimit: number,
  frameMax: number,
): number {
  const written = baggageStillWritten(headers);
  if (
    written.length > 0 &&
    fitsWithoutBaggage(headers, written, name, text, headerText, tableLimit) &&
    leaveOutBaggage(headers, written, helper, fault, frameMax)
  ) {
    const write: SetterWrite = { name, text, otherCase: false };
    const tableBytes = amqpTableBytes(headers, write, replacedBySetter, setterFieldBytes, tableLimit);
    const now = tableFault(sendableFieldFault(name, text, tableBytes, headerText), tableBytes, tableLimit);
    if (now === undefined) return write.otherCase ? FITS_OTHER_CASE : FITS;
    fault = now;
    otherCase = write.otherCase;
  }
  leaveOut(
    headers,
    undefined,
    name,
    otherCase,
    helper,
    true,
    fault,
    text,
    frameMax,
    forwardedBaggageName(headers, written),
  );
  return LEFT_OUT;
}

/**
 * The first baggage header (`isBaggageHeader`, any case) of plain-object `headers` that a setter did not
 * write, or wrote and the application set again (not in `written`, {@link baggageStillWritten}), as the headers name it: what a trace header left out of a
 * full table is said beside. `undefined` when there is none. Never throws.
 */
function forwardedBaggageName(
  headers: Record<string, unknown>,
  written: readonly string[],
): string | undefined {
  try {
    for (const existing in headers)
      if (isBaggageHeader(existing.toLowerCase()) && !written.includes(existing)) return existing;
  } catch {
    // a throwing proxy trap: none found
  }
  return undefined;
}

/**
 * A TextMapSetter over amqplib `properties.headers`, as {@link amqpHeadersSetter}, whose headers table
 * is kept within the content header frame of a connection whose negotiated `frame_max` is
 * `options.frameMax` (`AmqpFrameMaxOptions.frameMax`, as `injectAmqpHeaders` takes it): a field with
 * which a plain object's table would be over `frameMax` minus 2 592 bytes is left out, said once
 * (`TRACEHOP_HEADER_FIELD_TOO_LARGE`), so that RabbitMQ does not close the connection (501 FRAME_ERROR:
 * amqplib does not check the frame). The setter writes fields in the order the propagator calls it; a
 * trace header that would not fit first leaves out the baggage headers the setter wrote before it into
 * the same headers (in the same inject: since it last wrote a baggage header into other headers), when
 * it then fits (else that baggage stays, and the trace header alone is left out), so the trace headers
 * are kept before the baggage, as the writers keep them. A baggage header the headers held before (a
 * consumed message's, forwarded), or that the application set again after the setter wrote it (one
 * headers object reused for several publishes), is left as it came, as any other
 * header the setter does not write: a trace header that does not fit beside it is left out, said with that
 * baggage named (to replace every propagation header of forwarded headers, use `injectAmqpHeaders`).
 * For `propagation.inject(ctx, headers, setter)`; `injectAmqpHeaders(headers, { frameMax })` does the
 * same in one call. Without `frameMax` (or 0): `amqpHeadersSetter` itself. docs/messaging.md, "The
 * connection's frameMax".
 * @throws TypeError for options that are not a plain object, an unknown option, or a `frameMax` that is
 *   not 0 or an integer from 4 096 to 2^32 - 1.
 */
export function createAmqpHeadersSetter(
  options?: AmqpFrameMaxOptions,
): TextMapSetter<AmqpHeaders | HeaderEntries> {
  if (options === undefined) return amqpHeadersSetter;
  assertKnownOptions(options, FRAME_MAX_OPTION_NAMES, "tracehop createAmqpHeadersSetter");
  const { frameMax } = options;
  assertFrameMax(frameMax, "createAmqpHeadersSetter");
  if (frameMax === undefined || frameMax === 0) return amqpHeadersSetter;
  return makeSetter<AmqpHeaders | HeaderEntries>("amqpHeadersSetter", true, false, frameMax);
}

/** The option names of {@link createAmqpHeadersSetter}. */
const FRAME_MAX_OPTION_NAMES: readonly string[] = ["frameMax"];

/**
 * TextMapGetter over kafkajs message headers ({@link KafkaHeaders}), for `propagation.extract` or any
 * TextMapPropagator. Names match in any case (exact name first); Buffer values are decoded whole as
 * UTF-8, never byte by byte (tulios/kafkajs#1024); a repeated header (an array) is returned
 * as an array of strings in record order, which the propagators combine or reject as their spec says
 * (tracestate and baggage fields combine in order; two different traceparent values are invalid).
 * Values of other types, and values over `MAX_CARRIER_VALUE_LENGTH`, are
 * absent. A `Map` (names in any case, exact name first), a WHATWG `Headers` object (`get`: repeated
 * fields joined with `, `) and a client's header object with `get` and an iterator of
 * `[name, value | values[]]` (NATS `MsgHdrs`; names in any case, exact name first) are read through
 * their entries. Limits as the stored-carrier reader's: a
 * name in another case is looked for among the first `MAX_CARRIER_KEYS` names only (an exact name
 * anywhere; for an object of more names, those first names are indexed on the first such look-up and
 * the index reused), `keys` lists at most `MAX_CARRIER_KEYS` names, a repeated header gives at most
 * `MAX_CARRIER_FIELD_VALUES` values. Never throws: headers that are not an object, a throwing getter or
 * proxy trap read as absent.
 */
export const kafkaHeadersGetter: TextMapGetter<KafkaHeaders | HeaderEntries> = makeGetter<
  KafkaHeaders | HeaderEntries
>(false);

/**
 * TextMapSetter over kafkajs message headers: writes a lower-case name and a string value, and removes
 * a header of the same name in another case so that the record carries one value per field. A `Map`,
 * a WHATWG `Headers` object or a client's header object with `set` and `delete` (NATS `MsgHdrs`) is
 * written through `set` (a name that is no HTTP field name is not written to a `Headers` object);
 * another instance of a class gets a property, said once (`TRACEHOP_HEADERS_AS_PROPERTIES`). A field
 * a message client would refuse at send is left out, whatever propagator writes it (and the value
 * already there under its name, in any case, removed: a forwarded `traceparent` never travels on in its
 * place), and said once: a
 * name empty, outside 0x21-0x7E, holding a `:` or over 255 characters (an AMQP short string holds 255 bytes; nats.js
 * refuses a space, `:` or control), a value outside printable ASCII 0x20-0x7E (a CR/LF: nats.js
 * throws, Mosquitto closes an MQTT 5 connection) or over 16 384 characters (`TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT`,
 * `TRACEHOP_HEADER_FIELD_TOO_LARGE`; docs/messaging.md, "What the setters leave out"). Never
 * throws: headers that are not an object (said once: `TRACEHOP_HEADERS_NOT_AN_OBJECT`), or refuse the
 * write (frozen, a throwing setter or proxy trap), are left without the field.
 */
export const kafkaHeadersSetter: TextMapSetter<KafkaHeaders | HeaderEntries> = makeSetter<
  KafkaHeaders | HeaderEntries
>("kafkaHeadersSetter", false);

/**
 * TextMapGetter over amqplib `properties.headers` ({@link AmqpHeaders}). As {@link kafkaHeadersGetter},
 * and in addition the other AMQP field types read as the stored-carrier reader reads the same values: a
 * number that is a safe integer as its decimal text (a header another client published as an AMQP
 * integer, or a `double` 1.0); a Datadog id beyond 2^53 (an AMQP `long` amqplib rounded) is absent,
 * never read rounded, and said as `contextFromAmqpHeaders` says it (`diag.warn` at each read, and the
 * process warning `TRACEHOP_JSON_NUMBER_ID` once per process); any other number, a boolean and a bigint as their text, which the header's
 * grammar judges (a priority `2.5` or `true` is invalid: the Datadog context is refused, as for a stored
 * carrier); a table or timestamp in a propagation header as an invalid value.
 */
export const amqpHeadersGetter: TextMapGetter<AmqpHeaders | HeaderEntries> = makeGetter<
  AmqpHeaders | HeaderEntries
>(true);

/**
 * TextMapSetter over amqplib `properties.headers`: as {@link kafkaHeadersSetter}; values are AMQP long
 * strings. A field with which a plain object's headers would encode into more than 65 536 bytes, the
 * AMQP field table amqplib encodes (its length and every field of every type, as amqplib encodes them),
 * is left out too, since amqplib throws at publish past that: said once,
 * `TRACEHOP_HEADER_FIELD_TOO_LARGE`.
 */
export const amqpHeadersSetter: TextMapSetter<AmqpHeaders | HeaderEntries> = makeSetter<
  AmqpHeaders | HeaderEntries
>("amqpHeadersSetter", true);
