/** Writing a context into message headers: inject, a stored carrier's fields, the stale headers removed. */
import type { CaptureCarrierOptions, TraceCarrier } from "../index.js";
import {
  headerObjectKind,
  writeKind,
  writeKindOf,
  type HeaderAccessKind,
} from "../carrier/header-object-kind.js";
import { readStoredCarrier, storedCarrierGetter } from "../carrier/stored-carrier.js";
import type { FieldSource } from "../carrier/header-text-fields.js";
import { CAPTURE_OPTION_NAMES, checkedCapture } from "../context/carrier-context.js";
import { storedCarrierOf } from "../context/carrier-source.js";
import { isPropagationHeaderName } from "../propagation/header-names.js";
import { isBaggageHeader } from "../context/baggage-policy.js";
import { isPrintableAscii } from "../propagation/header-text.js";
import { isClassInstance, isPlainObject, MAX_PROTOTYPE_DEPTH } from "../plain-object.js";
import { countMiss, hasWarned, warnOnce } from "../warn-once.js";
import { MESSAGE_HEADERS_PLACES, messageShapeOf } from "./consumed-message.js";
import {
  entryNames,
  HTTP_TOKEN,
  isHeadersObject,
  isStaleHeader,
  sameNameInOtherCase,
  removeStaleEntries,
  setEntry,
  warnIfHeadersNotSent,
  type FetchHeadersLike,
  type HeaderEntries,
  type HeaderMethods,
  warnHeadersNotAnObject,
} from "./header-entries.js";
import type { AmqpHeaders, KafkaHeaders } from "./header-getters.js";
import { assertSystemName, type MessagingSystem } from "./messaging-options.js";
import { MESSAGING_SYSTEM_VALUE_RABBITMQ } from "./semconv.js";
import { assertKnownOptions } from "../known-options.js";
import { describeValue } from "../describe-value.js";
import {
  amqpFieldBytes,
  amqpTableBytes,
  amqpTableLimit,
  assertFrameMax,
  keptTableFieldBytes,
  MAX_AMQP_TABLE_BYTES,
  type AmqpFieldMeasure,
  type FieldFault,
  sendableFieldFault,
  warnFieldLeftOut,
} from "./sendable-field.js";

/**
 * {@link writeFields} for a headers object kept in entries: removes the propagation headers there (any
 * case) and the names `replaces` holds, then sets the carrier's fields, all through the object's methods.
 * `false` when a method threw or a value did not stick (an immutable `Headers` object, a Map subclass
 * that refuses, a client's header object that refuses a propagation field: its headers locked, a
 * WeakMap, an immutable map whose `set` returns a new one): the caller then writes a copy. A client's
 * header object ({@link HeaderEntries}) that refuses another field (nats.js throws for a name with a
 * `:`) is written without that field: it cannot carry it.
 */
function writeEntries(
  headers: HeaderEntries,
  kind: HeaderAccessKind,
  carrier: TraceCarrier,
  replaces: TraceCarrier,
): boolean {
  if (!removeStaleEntries(headers, kind, replaces)) return false;
  try {
    return setCarrierFields(headers, kind, carrier);
  } catch {
    return false;
  }
}

/**
 * Sets the carrier's fields in `target`, a headers object kept in entries of `kind`, through its
 * methods (a name that is no HTTP token is left out of a `Headers` object: it cannot travel in one).
 * `false` when a value did not stick (a Map subclass that refuses) or a client's header object refused
 * a propagation field ({@link setRefusable}). Throws what `target`'s methods throw.
 */
function setCarrierFields(target: HeaderEntries, kind: HeaderAccessKind, carrier: TraceCarrier): boolean {
  for (const name of Object.keys(carrier)) {
    if (kind === "fetch" && !HTTP_TOKEN.test(name)) continue;
    if (kind === "methods") {
      if (!setRefusable(target, name, carrier[name])) return false;
      continue;
    }
    setEntry(target, kind, name, carrier[name]);
    if (kind === "map" && (target as Map<unknown, unknown>).get(name) !== carrier[name]) return false;
  }
  return true;
}

/**
 * {@link setEntry} of a client's header object. A field it refuses (its `set` throws, or returns
 * another object) is left out; `false` when that field is a propagation header (the context would not
 * travel), else `true`.
 */
function setRefusable(headers: HeaderEntries, name: string, value: unknown): boolean {
  try {
    if (setEntry(headers, "methods", name, value)) return true;
  } catch {
    // a name or value this client cannot send
  }
  return !isPropagationHeaderName(name);
}

/**
 * A new object of the same sort as `headers` (a `Map`, a `Headers` object of the global class, a new
 * instance of a client's header class made with no arguments) holding its entries except the
 * propagation headers and the names `replaces` holds, then the carrier's fields. Entries that cannot be read
 * are left out. Never throws: when even a new object of its sort cannot be made or written (a client's
 * class that refuses a propagation field), a plain object of its readable entries
 * ({@link plainCopyOfEntries}) and the carrier's fields.
 */
function copyEntriesWithCarrier(
  headers: HeaderEntries,
  kind: HeaderAccessKind,
  carrier: TraceCarrier,
  replaces: TraceCarrier,
): HeaderEntries | Record<string, unknown> {
  try {
    const copy: HeaderEntries =
      kind === "map" ? new Map<string, unknown>() : kind === "fetch" ? new Headers() : newOfClass(headers);
    if (fillCopy(copy, headers, kind, carrier, replaces)) return copy;
  } catch {
    // no new object of its sort, or one that throws
  }
  return copyWithCarrier(plainCopyOfEntries(headers), carrier, replaces);
}

/**
 * Writes into `copy`, a new empty object of the sort of `headers`, the entries of `headers` except the
 * propagation headers and the names `replaces` holds (those read before an entry or iterator threw), then the
 * carrier's fields. `false` when a client's header object refused a propagation field
 * ({@link setRefusable}): the copy would not carry the context. Throws what `copy`'s methods throw.
 */
function fillCopy(
  copy: HeaderEntries,
  headers: HeaderEntries,
  kind: HeaderAccessKind,
  carrier: TraceCarrier,
  replaces: TraceCarrier,
): boolean {
  try {
    for (const [name, value] of entriesOf(headers)) {
      if (isStaleHeader(name, replaces)) continue;
      if (kind === "map") (copy as Map<string, unknown>).set(name, value);
      else if (kind === "fetch") (copy as FetchHeadersLike).append(name, String(value));
      else setRefusable(copy, name, value);
    }
  } catch {
    // an entry or an iterator that throws: the entries read so far
  }
  return setCarrierFields(copy, kind, carrier);
}

/**
 * The `[name, value]` entries of a headers object with a string name, for its copy
 * ({@link copyEntriesWithCarrier}: an object the writers write through methods, `writeKind` "map",
 * "fetch" or "methods"), by its `headerObjectKind` (one look-up of its iterator and `get`): for
 * "lookup" (a class with `get`/`set`/`delete`, no iterator), the names of its `keys()` (none without
 * one) and what `get` gives for each, not empty; for any object with an iterator, what it gives — a
 * class with an iterator and `set`/`delete` but no `get` included, which the readers read as its own
 * properties (no `get` to read a header by): for the copy, written through its `set`, its iterator lists
 * its headers and its own fields are its internals (a private Map); else (a class with `set`/`delete`
 * alone) its own fields whose value a header can hold ({@link isCopiedFieldValue}); none for a
 * WeakMap. Throws what its iterator, methods or a getter throw.
 */
function* entriesOf(headers: HeaderEntries): Generator<[string, unknown]> {
  const kind = headerObjectKind(headers);
  if (kind === "lookup") {
    const methods = headers as HeaderMethods & { get(name: string): unknown };
    for (const name of entryNames(methods, "methods")) {
      const value = methods.get(name);
      if (value !== undefined && value !== null && value !== "") yield [name, value];
    }
    return;
  }
  // "map", "fetch", "entries"; or no kind but an iterator all the same (no get).
  if (kind !== undefined || typeof (headers as Partial<Iterable<unknown>>)[Symbol.iterator] === "function") {
    for (const entry of headers as Iterable<unknown>)
      if (Array.isArray(entry) && typeof entry[0] === "string") yield [entry[0], entry[1]];
    return;
  }
  const fields = headers as unknown as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (isCopiedFieldValue(value)) yield [name, value];
  }
}

/**
 * A value a copied header field can hold: text, a number, bytes, or an array of such values (not the
 * carrier reader's `isHeaderValue`, carrier-object.ts, which takes text alone: what a `Headers`
 * object or `MsgHdrs` gives).
 */
function isCopiedFieldValue(value: unknown): boolean {
  return (
    typeof value === "string" ||
    typeof value === "number" ||
    ArrayBuffer.isView(value) ||
    Array.isArray(value)
  );
}

/**
 * A null-prototype object of the entries of `headers` ({@link entriesOf}) that can be read; a
 * `__proto__` name stays a field. Never throws.
 */
function plainCopyOfEntries(headers: HeaderEntries): Record<string, unknown> {
  const copy = Object.create(null) as Record<string, unknown>;
  try {
    for (const [name, value] of entriesOf(headers)) copy[name] = value;
  } catch {
    // an iterator that throws: the entries read so far
  }
  return copy;
}

/**
 * A new, empty object of the class of `headers` (a client's header object: nats.js `MsgHdrsImpl`
 * takes no argument), written through its methods. Throws when it cannot be made or is not one.
 */
function newOfClass(headers: HeaderEntries): HeaderEntries {
  const HeaderClass = (Object.getPrototypeOf(headers) as { constructor: new () => HeaderEntries })
    .constructor;
  const copy = new HeaderClass();
  if (writeKind(copy) !== "methods" || entryNames(copy, "methods", 1).length > 0)
    throw new TypeError("not an empty header object");
  return copy;
}

/**
 * Removes every propagation header from `headers`, in place: the names `isPropagationHeaderName`
 * accepts (`PROPAGATION_HEADER_NAMES` and the legacy `ot-baggage-<key>` headers the
 * datadog style reads), the other baggage headers (`isBaggageHeader`: Jaeger's `uberctx-<key>`) and the keys of `also` (a carrier about to be written), in any case.
 * A `Map`, a WHATWG `Headers` object or a client's header object (NATS `MsgHdrs`:
 * {@link HeaderEntries}) loses those entries through its `delete`, each by the name it lists.
 * Used before a new context is written, so that headers copied from a consumed message never mix an
 * old context with the new one (DataDog/dd-trace-dotnet#3832). Never throws: anything but an object is
 * left alone.
 *
 * Inherited fields are listed too (`for…in`, as amqplib encodes headers), but only an own property can
 * be deleted: a propagation field inherited from the prototype chain (an object whose prototype is a
 * table, as amqplib decodes a header named `__proto__`) stays, and the result says so.
 *
 * @returns `true` when every such header is gone; `false` when one could not be removed (a frozen or
 *   sealed object, a non-configurable property, a throwing proxy trap, a field inherited from the
 *   prototype chain), so that the caller can tell.
 */
export function removePropagationHeaders(
  headers: Record<string, unknown> | HeaderEntries,
  also?: TraceCarrier,
): boolean {
  if (!isHeadersObject(headers)) return true;
  const kind = writeKindOf(headers);
  if (kind !== undefined) return removeStaleEntries(headers as unknown as HeaderEntries, kind, also);
  let removed = true;
  try {
    for (const name in headers) {
      if (!isStaleHeader(name, also)) continue;
      try {
        // Still there after the delete: inherited (a prototype that holds it: amqplib makes an AMQP table
        // header named `__proto__` the prototype), listed by a client that encodes with for...in.
        if (!Reflect.deleteProperty(headers, name) || name in headers) removed = false;
      } catch {
        removed = false;
      }
    }
  } catch {
    return false; // the names could not be listed
  }
  return removed;
}

/**
 * The fields of a stored carrier as header values: what the stored-carrier reader
 * (`readStoredCarrier`, the reader of `contextFromCarrier`) reads from it — a carrier object or `Map`
 * (names in any case, string / Buffer / safe-integer / array values), its JSON text or UTF-8 bytes, or a
 * row holding one in its `traceContext` field (`isTraceCarrierProvider`, as `contextFromCarrier` and
 * `withSendSpan`'s `creationContext` read it). Each name in ASCII lower case (a null-prototype object:
 * a `__proto__` name stays a field), each value a string, or an array of strings for a repeated field.
 * `null`, `undefined`, numbers, arrays, text that is not a carrier's JSON: no fields. The propagation
 * headers come first. Not cut to {@link MAX_WRITTEN_CARRIER_LENGTH}: the writer cuts what it gets
 * (`cutToSendable`), says each field left out (`TRACEHOP_HEADER_FIELD_TOO_LARGE`) and removes the value
 * the headers held under its name; a field dropped here was lost without a word, and a forwarded value
 * of its name sent on. Never throws.
 */
function carrierFields(carrier: unknown): TraceCarrier {
  const fields = Object.create(null) as Record<string, string | string[]>;
  try {
    const read = readStoredCarrier(storedCarrierOf(carrier));
    const names = storedCarrierGetter.keys(read);
    // The propagation headers first, as the writer keeps them first past its 16 KiB in all.
    for (const propagation of [true, false])
      for (const name of names) {
        if (isPropagationHeaderName(name) !== propagation) continue;
        const value = storedCarrierGetter.get(read, name);
        if (value !== undefined && isHeaderText(value)) fields[name] = value;
      }
  } catch {
    // a throwing getter or proxy trap past the reader's own guards: what was read
  }
  return fields as TraceCarrier;
}

/**
 * Most characters (names and values, each value of a repeated field with its name) of the fields a
 * writer writes into headers (a propagator's inject, a stored carrier's fields): 16 KiB, as one value
 * may hold; the fields past it are left out, said ({@link cutToSendable}). Every
 * carrier captureCarrier stores fits (at most `MAX_STORED_CARRIER_BYTES`, 9.5 KiB of JSON); a larger
 * one, which tracehop never wrote (128 fields of 16 KiB each pass the reader: 2 MiB), failed the send
 * as headers — amqplib encodes a headers table into 65 536 bytes and throws past them, nats.js refuses
 * a message over the server's `max_payload` (1 MiB by default), a Kafka broker a batch over
 * `message.max.bytes` (1 MiB by default).
 */
const MAX_WRITTEN_CARRIER_LENGTH = 16_384;

/**
 * Characters of field `name` written as headers: its name and its value, or for a repeated field its
 * name once per value and the values.
 */
function fieldLength(name: string, value: string | readonly string[]): number {
  if (typeof value === "string") return name.length + value.length;
  let length = 0;
  for (const item of value) length += name.length + item.length;
  return length;
}

/**
 * True when a stored value (a string, or the strings of a repeated field) is printable ASCII
 * ({@link isPrintableAscii}: a CR or LF would split the header; no propagator writes a control or
 * non-ASCII character).
 */
function isHeaderText(value: string | string[]): boolean {
  return typeof value === "string" ? isPrintableAscii(value) : value.every(isPrintableAscii);
}

/** Sets own field `name` of `target` (a `__proto__` header stays a field, never the prototype). */
function setField(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === "__proto__")
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

/**
 * Writes a stored carrier into message headers, in place: first removes every propagation header
 * already there (any case), then sets each carrier field under its lower-case name
 * (DataDog/dd-trace-dotnet#3832: one message, one context). Returns `headers` (the same object) when
 * it took the context in place; else a new object (below): put the returned object on the message.
 *
 * `carrier` is untrusted (a row's `traceContext Json?` column, say) and read as `contextFromCarrier`
 * reads a stored carrier: a carrier object or `Map` (names in any case), its JSON text, its UTF-8 bytes,
 * or a row holding one in `traceContext` (only that column is read, once). What is written is what that
 * reader reads, every field by name whatever its style (a custom propagator's `uber-trace-id`, a
 * dd-trace-ot row's `ot-baggage-*`): string values (Buffers decoded as UTF-8, numbers and booleans as
 * their text), an array of strings for a repeated field; over-long values, names outside 0x21-0x7E or
 * over 255 characters (what an AMQP table's name holds: amqplib throws on a longer one, failing the
 * send) and values outside printable ASCII are left out, and so are the fields past 16 KiB in all
 * (the propagation headers first; every carrier captureCarrier stores fits; said once,
 * `TRACEHOP_HEADER_FIELD_TOO_LARGE`) (a field left out still removes
 * the value already there under its name, in any case) (docs/messaging.md, "A stored carrier into headers"). A carrier
 * that holds no fields writes none, and the propagation headers already there are still removed.
 *
 * A `Map`, a WHATWG `Headers` object or a client's header object with `set` and `delete` methods (NATS
 * `MsgHdrs` from `headers()`: {@link HeaderEntries}) is written through its own methods, never as
 * properties, which its client would not send; a `Headers` object takes HTTP field names only, a
 * client's object the names it accepts. Any other instance of a class (`isClassInstance`: a class's
 * prototype in its chain) is written as properties, said once (`TRACEHOP_HEADERS_AS_PROPERTIES`): its
 * client may not send them. An object whose prototypes are plain data is written as a plain object
 * is, nothing said.
 *
 * Never throws, whatever `headers` and `carrier` are (tracing never fails the message): `null` or
 * `undefined` headers give a new object holding the carrier's fields; anything that is not an object
 * (text, a number, a boolean) is returned unchanged, without the context, said once per process
 * (`TRACEHOP_HEADERS_NOT_AN_OBJECT`); headers that cannot take the context in place (frozen, sealed, a
 * throwing setter or proxy trap, a non-configurable propagation header, a propagation header inherited
 * from the prototype chain (an object whose prototype is a table: amqplib decodes a header named
 * `__proto__` so, and encodes inherited fields), an immutable `Headers` object, a
 * Map whose `set` throws, a client's header object refusing a propagation field: its `set` or `delete`
 * throws or returns another object, an immutable map) give a NEW object with their readable fields except the
 * propagation headers, and the carrier's fields: of their sort when one can be made and written (a
 * `Map`, a `Headers` object, a new instance of the client's header class), else a PLAIN object
 * (null, `undefined` headers and a plain object's copy are plain too). The return type says `H`; that
 * plain object is not one (no `set`, no class): check what you got when `H` is a class. Put the
 * returned object on the message.
 *
 * `options.system` ({@link WriteCarrierOptions}): the messaging system the headers go with; `"rabbitmq"`
 * writes them as an AMQP table, as `injectAmqpHeaders` does (kept within the 65 536 bytes amqplib
 * encodes, and a name holding a `:` said as such a table takes it), and with `options.frameMax`, the
 * connection's negotiated `frame_max`, within its content header frame (a relay forwarding stored
 * carriers onto a connection with a small `frame_max`: docs/messaging.md, "The connection's frameMax").
 * @throws TypeError for `options` that are a mistake in the calling code (not a plain object, an
 *   unknown option, a `system` that is no non-empty string or a well-known one in another case, a
 *   `frameMax` that is not 0 or an integer from 4 096 to 2^32 - 1, or given under another system),
 *   never for the headers nor the carrier.
 */
export function writeCarrierToHeaders<H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  carrier: unknown,
  options?: WriteCarrierOptions,
): H {
  const { amqpTable, frameMax } = amqpTableOptions(options);
  const writer: Writer = {
    helper: "writeCarrierToHeaders",
    source: "stored carrier",
    amqpTable,
    frameMax,
  };
  return writeSendable(headers, carrierFields(carrier), writer, writeInPlace);
}

/** The options of {@link writeCarrierToHeaders}. */
export interface WriteCarrierOptions {
  /**
   * The messaging system the headers are sent with, as `withSendSpan` takes it (`messaging.system.name`:
   * `"rabbitmq"`, `"kafka"`, `"nats"`, `"mqtt"`, or your own system's name). Only `"rabbitmq"` changes the
   * write: the headers are an amqplib headers table, written as `injectAmqpHeaders` writes one — kept
   * within the 65 536 bytes amqplib encodes (a field with which the table would be over them is left out,
   * said as `TRACEHOP_HEADER_FIELD_TOO_LARGE`), and a name holding a `:` said as left out for the other
   * clients (an AMQP table takes one). Without it (or under another system) a `:` is said as nats.js
   * refuses it, and the table is not counted. docs/messaging.md, "A stored carrier into headers".
   */
  system?: MessagingSystem | (string & {}) | undefined;
  /**
   * With `system: "rabbitmq"`: the `frame_max` the connection negotiated, in bytes, as
   * `injectAmqpHeaders` takes it ({@link AmqpFrameMaxOptions.frameMax}): the headers table is kept within
   * `frameMax` minus 2 592 bytes, so that the content header frame fits (RabbitMQ closes the whole
   * connection on a larger one, 501 FRAME_ERROR, and amqplib does not check it), the trace headers kept
   * first and the baggage left out before them, said as `TRACEHOP_HEADER_FIELD_TOO_LARGE`. Unset or 0:
   * only the 65 536-byte table limit. Under another system (or none), a `frameMax` other than 0 is a
   * `TypeError`. docs/messaging.md, "The connection's frameMax".
   */
  frameMax?: number | undefined;
}

/** The names of {@link WriteCarrierOptions}. */
const WRITE_CARRIER_OPTION_NAMES: readonly string[] = ["system", "frameMax"];

/**
 * How {@link writeCarrierToHeaders} writes: as an AMQP table (`options.system` is `"rabbitmq"`), within
 * the frame of `options.frameMax` (0: none given), its options checked first.
 * @throws TypeError for options that are not a plain object, an unknown option, a `system` that is
 *   not a non-empty string written as the conventions write it (`assertSystemName`), a `frameMax` that is
 *   no frame_max (`assertFrameMax`), or one other than 0 under a system other than `"rabbitmq"`.
 */
function amqpTableOptions(options: WriteCarrierOptions | undefined): {
  amqpTable: boolean;
  frameMax: number;
} {
  if (options === undefined) return { amqpTable: false, frameMax: 0 };
  assertKnownOptions(options, WRITE_CARRIER_OPTION_NAMES, "tracehop writeCarrierToHeaders");
  if (options.system !== undefined) assertSystemName("writeCarrierToHeaders", options.system);
  const amqpTable = options.system === MESSAGING_SYSTEM_VALUE_RABBITMQ;
  const { frameMax } = options;
  assertFrameMax(frameMax, "writeCarrierToHeaders");
  if (frameMax !== undefined && frameMax !== 0 && !amqpTable)
    throw new TypeError(
      `tracehop writeCarrierToHeaders: frameMax is an AMQP connection's frame_max, for system "rabbitmq" only, got system ${describeValue(options.system)}`,
    );
  return { amqpTable, frameMax: frameMax ?? 0 };
}

/**
 * Says so (once per process: `diag.warn` and the process warning `TRACEHOP_HEADERS_AS_PROPERTIES`) when
 * `helper` is handed a whole consumed message as the headers to write (an amqplib message forwarded as
 * it was consumed: `withSendSpan({ headers: msg })`): the context is written as the message's own
 * properties, beside its headers, where its client never sends it. The properties are still written
 * (tracing never fails the message). Looked for only until {@link MAX_SENDS_WITHOUT_MESSAGE} writes have
 * found none (the mistake is in the code: it shows in the first sends), as the carrier-in-other-field
 * scans stop. Never throws.
 */
function warnIfWholeMessage(headers: object, helper: string): void {
  if (hasWarned(WHOLE_MESSAGE_WARNING_KEY)) return;
  const shape = messageShapeOf(headers);
  // Headers of the messages a producer sends: the mistake shows in its first sends, and the check stops
  // costing anything after MAX_SENDS_WITHOUT_MESSAGE that found none.
  if (shape === undefined) return countMiss(WHOLE_MESSAGE_WARNING_KEY, MAX_SENDS_WITHOUT_MESSAGE);
  const { name, path } = MESSAGE_HEADERS_PLACES[shape];
  warnOnce(
    WHOLE_MESSAGE_WARNING_KEY,
    `tracehop ${helper}: the headers object is a whole ${shape} ${name}, so the trace context was written as ` +
      `top-level properties, beside its headers (withSendSpan: of the copy fn receives), where its client never sends it (the trace would end there): ` +
      `pass the ${name}'s headers, ${name}${path}, or a new object`,
    "TRACEHOP_HEADERS_AS_PROPERTIES",
  );
}

/**
 * A field a writer leaves out of the headers ({@link cutToSendable}): its name (lower case), why (a
 * {@link sendableFieldFault}, the 16 KiB in all, or the AMQP table), and its value as its warning shows it.
 */
interface LeftOutField {
  readonly name: string;
  readonly fault: FieldFault | "budget";
  readonly shown: string;
}

/**
 * Whether `carrier` is sent as it is, whatever propagator wrote it: every field passes the setters' one
 * rule (`sendableFieldFault`: its characters are header text already, checked when the carrier was
 * captured or read), the fields are within {@link MAX_WRITTEN_CARRIER_LENGTH} in all, and with `table`
 * (the plain-object headers amqplib will encode them into) that table is within `tableLimit` (the
 * `MAX_AMQP_TABLE_BYTES` amqplib encodes, or less for a writer's `frameMax`: `amqpTableLimit`) as
 * `amqpHeadersSetter` counts it (its fields but the propagation headers and the carrier's names,
 * which the write replaces). True for every inject of tracehop's styles and every carrier
 * {@link carrierFields} gives, into headers with room: the writers' usual path, a length read per field.
 */
function isSendable(
  carrier: TraceCarrier,
  table: Record<string, unknown> | undefined,
  tableLimit: number,
): boolean {
  let length = 0;
  for (const name in carrier) {
    const value = carrier[name] as string | string[];
    length += fieldLength(name, value);
    if (length > MAX_WRITTEN_CARRIER_LENGTH || sendableFieldFault(name, value, 0, true) !== undefined)
      return false;
  }
  return (
    table === undefined || amqpTableBytes(table, carrier, isStaleHeader, carrierFieldBytes) <= tableLimit
  );
}

/** Bytes (by `measure`) of the fields of `carrier` as an AMQP headers table's fields. */
function carrierFieldBytes(carrier: TraceCarrier, measure: AmqpFieldMeasure): number {
  let bytes = 0;
  for (const name in carrier) bytes += measure(name, carrier[name]);
  return bytes;
}

/**
 * The order in which {@link cutToSendable} keeps a carrier's fields: 0, the trace headers (a propagation
 * header that is no baggage: `traceparent`, `tracestate`, `x-datadog-*`, B3, `uber-trace-id`), which
 * continue the trace; 1, the baggage headers (`baggage`, `ot-baggage-*`, `uberctx-*`: `isBaggageHeader`);
 * 2, any other field. So a limit that cannot take all of them leaves the baggage out before a trace
 * header: a `baggage` written between `tracestate` and the `x-datadog-*` headers (the default inject
 * order) had kept the room the Datadog headers needed, and a Datadog consumer lost the trace.
 */
function fieldRank(name: string): number {
  if (!isPropagationHeaderName(name)) return 2;
  return isBaggageHeader(name) ? 1 : 0;
}

/** The ranks of {@link fieldRank}, in the order they are kept. */
const FIELD_RANKS = [0, 1, 2] as const;

/**
 * A carrier that is not sent as it is ({@link isSendable}) cut to what the client sends: `kept`, a
 * null-prototype copy of the fields written, and `leftOut`, the fields left out, in the order they are
 * said — a name holding a `:` (nats.js refuses it) or over 255 characters (an AMQP short string:
 * amqplib throws at publish), the fields past {@link MAX_WRITTEN_CARRIER_LENGTH} in all, and with
 * `table` the fields with which that AMQP table would be over `tableLimit` as amqplib counts it (`"table"`;
 * `"frame"` when a writer's `frameMax` set a lower limit), kept in the order of {@link fieldRank}: the trace
 * headers, then the baggage headers, then the other fields (a third-party propagator's 70 KiB value, or five of 15 KiB,
 * made amqplib throw "Encoded field table ... exceeds the 65536 byte encoding buffer"). Never throws (a
 * throwing getter or proxy trap: the fields looked at so far).
 */
function cutToSendable(
  carrier: TraceCarrier,
  table: Record<string, unknown> | undefined,
  tableLimit: number,
): { kept: TraceCarrier; leftOut: LeftOutField[] } {
  const kept = Object.create(null) as Record<string, string | string[]>;
  const leftOut: LeftOutField[] = [];
  try {
    const names = Object.keys(carrier);
    let budget = MAX_WRITTEN_CARRIER_LENGTH;
    let tableBytes =
      table === undefined ? 0 : 4 + keptTableFieldBytes(table, carrier, isStaleHeader, amqpFieldBytes);
    for (const rank of FIELD_RANKS)
      for (const name of names) {
        if (fieldRank(name) !== rank) continue;
        const value = carrier[name] as string | string[];
        const shown = typeof value === "string" ? value : value.join(",");
        // The causes in the order the user fixes them: the field itself (its name, its length), then the
        // 16 KiB in all (the propagator or carrier writes too much: smaller application headers would
        // not let the field in), then the table the application's own headers fill.
        const fault = sendableFieldFault(name, value, 0, true);
        if (fault !== undefined) {
          leftOut.push({ name, fault, shown });
          continue;
        }
        const length = fieldLength(name, value);
        if (length > budget) {
          leftOut.push({ name, fault: "budget", shown });
          continue;
        }
        const bytes = table === undefined ? 0 : amqpFieldBytes(name, value);
        if (tableBytes + bytes > tableLimit) {
          leftOut.push({ name, fault: tableLimit < MAX_AMQP_TABLE_BYTES ? "frame" : "table", shown });
          continue;
        }
        budget -= length;
        tableBytes += bytes;
        kept[name] = value;
      }
  } catch {
    // a throwing getter or proxy trap: the fields kept so far
  }
  return { kept: kept as TraceCarrier, leftOut };
}

/**
 * Whether `headers` hold a field named `name` (lower case) in any case, as the writers remove it: the
 * names `for…in` lists of headers written as properties, the names a headers object kept in entries
 * lists (a client's header object that lists none: not known, `false`). Inherited names count: no writer
 * sends one on (the in-place write cannot delete it, so `writeInPlace` hands back a copy of the own
 * fields, and `writeToSend` copies the inherited fields but the names it replaces), so a value the
 * headers held only through their prototype (an amqplib `__proto__` table) is not in what the writer
 * returns, and the warning's "removed" is true of the headers sent. Never throws (`false`).
 */
function holdsName(headers: unknown, name: string): boolean {
  try {
    if (!isHeadersObject(headers)) return false;
    const kind = writeKindOf(headers);
    if (kind === undefined) {
      for (const existing in headers) if (sameNameInOtherCase(existing, name)) return true;
      return false;
    }
    return entryNames(headers as unknown as HeaderEntries, kind).some((existing) =>
      sameNameInOtherCase(existing, name),
    );
  } catch {
    return false;
  }
}

/** Who writes (the public function called, named in warnings), where the fields came from, and into what. */
interface Writer {
  readonly helper: string;
  readonly source: FieldSource;
  /**
   * AMQP headers (`injectAmqpHeaders`, `withSendSpan` and `writeCarrierToHeaders` with system
   * `"rabbitmq"`): a table to count.
   */
  readonly amqpTable: boolean;
  /**
   * The connection's negotiated `frame_max` the writer was given (its `frameMax` option; 0: none): the
   * table is kept within the content header frame (`amqpTableLimit`).
   */
  readonly frameMax: number;
}

/**
 * How a writer writes `fields` into `headers`, removing from them the propagation headers and the names
 * `replaces` holds (any case): {@link writeInPlace} or {@link writeToSend}.
 */
type Write = <H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  fields: TraceCarrier,
  replaces: TraceCarrier,
  helper: string,
) => H;

/**
 * The writers' one path: `carrier` written into `headers` by `write`, as the client sends it whatever
 * propagator wrote it ({@link isSendable}). A carrier that is not is cut ({@link cutToSendable}): its
 * fields kept are written, and the write still removes from the headers every name of `carrier` (any
 * case), the fields left out included — the forwarded value of a name whose new value could not be
 * written must not travel on, or the consumer would continue the earlier trace. Each field left out is
 * said (`warnFieldLeftOut`, naming `writer.helper`, where the field came from, the `:` rule for the
 * transport, and whether the headers held a value of that name, which the write removes). Never throws.
 */
function writeSendable<H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  carrier: TraceCarrier,
  writer: Writer,
  write: Write,
): H {
  const table = amqpTableOf(headers, writer.amqpTable);
  const tableLimit = amqpTableLimit(writer.frameMax);
  if (isSendable(carrier, table, tableLimit)) return write(headers, carrier, carrier, writer.helper);
  const { kept, leftOut } = cutToSendable(carrier, table, tableLimit);
  const { helper, source, amqpTable: amqp, frameMax } = writer;
  for (const { name, fault, shown } of leftOut)
    warnFieldLeftOut(
      fault,
      name,
      shown,
      { helper, source, amqp, removed: holdsName(headers, name) },
      frameMax,
    );
  // Every name of the carrier is replaced, its fields left out too.
  return write(headers, kept, carrier, helper);
}

/**
 * `headers` when a writer for amqplib (`amqpTable`) writes them as the properties of an AMQP headers
 * table (an object of no entries kind: `writeKindOf`), else `undefined`: no table to count.
 */
function amqpTableOf(headers: unknown, amqpTable: boolean): Record<string, unknown> | undefined {
  return amqpTable && isHeadersObject(headers) && writeKindOf(headers) === undefined ? headers : undefined;
}

/** Once-per-process key of {@link warnIfWholeMessage}. */
const WHOLE_MESSAGE_WARNING_KEY = "headers-whole-message";

/** Header writes in which {@link warnIfWholeMessage} found no whole message before it stops looking. */
const MAX_SENDS_WITHOUT_MESSAGE = 64;

/**
 * Internal to tracehop/messaging: {@link writeCarrierToHeaders} of fields just injected
 * (`injectCarrier`: lower-case names, string values), not read again; `helper`, the public function
 * called, names it in a warning; `amqpTable`: the headers are AMQP headers, whose table is counted,
 * within the content header frame of a connection whose `frame_max` is `frameMax` (0: none given).
 * Never throws.
 */
export function writeFields<H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  carrier: TraceCarrier,
  helper: string,
  amqpTable = false,
  frameMax = 0,
): H {
  return writeSendable(headers, carrier, { helper, source: "propagator", amqpTable, frameMax }, writeInPlace);
}

/**
 * {@link writeFields} of a carrier as the client sends it: `headers` with `carrier`'s fields, in place
 * when they take them, after the propagation headers and the names `replaces` holds (any case) are
 * removed. Never throws.
 */
function writeInPlace<H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  carrier: TraceCarrier,
  replaces: TraceCarrier,
  helper: string,
): H {
  const names = Object.keys(carrier);
  if (headers === null || headers === undefined) {
    const fresh: Record<string, unknown> = {};
    for (const name of names) setField(fresh, name, carrier[name]);
    return fresh as H;
  }
  if (!isHeadersObject(headers)) {
    warnHeadersNotAnObject(headers, helper, true);
    return headers;
  }
  const kind = writeKindOf(headers);
  if (kind !== undefined) {
    const entries = headers as unknown as HeaderEntries;
    return (
      writeEntries(entries, kind, carrier, replaces)
        ? headers
        : copyEntriesWithCarrier(entries, kind, carrier, replaces)
    ) as H;
  }
  warnIfWholeMessage(headers, helper);
  let written = false;
  try {
    if (Object.isExtensible(headers) && removePropagationHeaders(headers, replaces)) {
      written = true;
      for (const name of names) {
        setField(headers, name, carrier[name]);
        // A setter kept its own value: the carrier is not written there.
        if ((headers as Record<string, unknown>)[name] !== carrier[name]) written = false;
      }
    }
  } catch {
    written = false;
  }
  // Said only of headers written as properties: a class instance that could not take them (frozen)
  // gives way to a plain copy, which its client sends as it sends any plain object.
  if (written) warnIfHeadersNotSent(headers, helper);
  return written ? headers : (copyWithCarrier(headers, carrier, replaces) as H);
}

/**
 * Internal to tracehop/messaging: the headers `withSendSpan` hands its callback, `headers` with the
 * carrier's fields. The rule: `headers` is never written unless it is a header-entries object filled
 * through its own methods (a `Map`, a `Headers` object, a client's header object with `set`/`delete`
 * such as NATS `MsgHdrs`: one per message, filled in place as {@link writeFields} fills it) or an
 * instance of a class (`isClassInstance`: written as properties in place, said once,
 * `TRACEHOP_HEADERS_AS_PROPERTIES`; its client may need its class, which a plain copy would not have).
 * Every other object — plain (of any realm, or null-prototype), or inheriting data fields from plain
 * prototypes (`Object.create(defaults)`, amqplib's `__proto__` table) — gives a new plain object of the
 * fields a client encoding with `for…in` sends, except the propagation headers, then the carrier's
 * ({@link copyFieldsToSend}), and stays exactly as given. So one object of application headers (a
 * module-level constant) can serve concurrent sends: filled in place, each send wrote its context and
 * baggage into the one object, and a message sent after another request's inject carried that
 * request's trace. The whole-message warning of {@link writeFields} is given either way. Never throws.
 */
export function writeFieldsToSend<H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  carrier: TraceCarrier,
  helper: string,
  amqpTable = false,
  frameMax = 0,
): H {
  return writeSendable(headers, carrier, { helper, source: "propagator", amqpTable, frameMax }, writeToSend);
}

/**
 * {@link writeFieldsToSend} of a carrier as the client sends it: in place ({@link writeInPlace}) for a
 * header-entries object or a class instance, else a copy ({@link copyFieldsToSend}) without the
 * propagation headers and the names `replaces` holds. Never throws.
 */
function writeToSend<H extends Record<string, unknown> | HeaderEntries>(
  headers: H,
  carrier: TraceCarrier,
  replaces: TraceCarrier,
  helper: string,
): H {
  if (!isHeadersObject(headers)) return writeInPlace(headers, carrier, replaces, helper);
  // The usual plain object (one comparison), else no entries kind and no class: a record of fields.
  if (!isPlainObject(headers) && (writeKindOf(headers) !== undefined || isClassInstance(headers)))
    return writeInPlace(headers, carrier, replaces, helper);
  // No class instance here: TRACEHOP_HEADERS_AS_PROPERTIES has nothing to say of a copy.
  warnIfWholeMessage(headers, helper);
  return copyFieldsToSend(headers, carrier, replaces) as H;
}

/**
 * A new plain object (prototype `Object.prototype`) of the fields a client encoding `headers` with
 * `for…in` sends (amqplib; kafkajs's `Object.keys` sends the own ones): the enumerable string-keyed
 * fields of `headers` and of its prototypes, an own field shadowing an inherited one of its name (an
 * own non-enumerable one too, as `for…in` skips it), each as an own field of the copy (a `__proto__`
 * name stays a field), except the propagation headers and the names `replaces` holds (any case), then
 * the carrier's fields. The walk stops at `Object.prototype` (the copy inherits it as well) and after
 * `MAX_PROTOTYPE_DEPTH` objects of the chain (the bound `isClassInstance` puts on it: a longer chain is
 * taken for a class instance and never copied). A field whose getter or proxy trap throws is left out;
 * an object whose names or prototype cannot be read ends the walk there. Never throws.
 */
function copyFieldsToSend(
  headers: Record<string, unknown>,
  carrier: TraceCarrier,
  replaces: TraceCarrier,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  let shadowed: Set<string> | undefined;
  try {
    let level: object | null = headers;
    // The object itself, then at most MAX_PROTOTYPE_DEPTH prototypes.
    for (let depth = 0; depth <= MAX_PROTOTYPE_DEPTH; depth++) {
      const names = Object.keys(level);
      for (const name of names) {
        if (shadowed?.has(name) || isStaleHeader(name, replaces)) continue;
        copyField(copy, headers, name);
      }
      const next = Object.getPrototypeOf(level) as object | null;
      if (next === null || next === Object.prototype) break;
      shadowed ??= new Set();
      for (const name of Object.getOwnPropertyNames(level)) shadowed.add(name);
      level = next;
    }
  } catch {
    // names or a prototype that cannot be read (a throwing proxy trap): the fields read so far
  }
  for (const name of Object.keys(carrier)) setField(copy, name, carrier[name]);
  return copy;
}

/**
 * Copies field `name` of `headers` (read through `headers`, as a client reads it) into `copy` as an own
 * field (defineProperty: a `__proto__` header stays a field). A throwing getter or proxy trap: left out.
 */
function copyField(copy: Record<string, unknown>, headers: Record<string, unknown>, name: string): void {
  try {
    Object.defineProperty(copy, name, {
      value: headers[name],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } catch {
    // a throwing getter: that field is left out
  }
}

/**
 * {@link writeFields}' copy of headers that cannot take the context in place: a new plain object
 * (prototype `Object.prototype`: it inherits no field): the own readable fields of `headers` except the
 * propagation headers and the names `replaces` holds (any case), then the carrier's fields; inherited fields
 * are not copied. A field whose getter throws is left out; a headers object whose names cannot be
 * listed gives the carrier's fields alone. Never throws.
 */
function copyWithCarrier(
  headers: Record<string, unknown>,
  carrier: TraceCarrier,
  replaces: TraceCarrier,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  let names: string[] = [];
  try {
    names = Object.keys(headers);
  } catch {
    // nothing to copy
  }
  for (const name of names) if (!isStaleHeader(name, replaces)) copyField(copy, headers, name);
  for (const name of Object.keys(carrier)) setField(copy, name, carrier[name]);
  return copy;
}

/**
 * Injects the given (default: active) context into kafkajs message headers, in place, and returns them
 * (a new object when `headers` is undefined or `null`). Propagation headers already present are
 * replaced, never mixed with the new ones (DataDog/dd-trace-dotnet#3832). Values are strings (kafkajs
 * encodes them as UTF-8 bytes). Styles: `options.propagator`, default `createPropagator()`. A `Map` or a
 * WHATWG `Headers` object (which `contextFromKafkaHeaders` reads) is written through `set`/`delete`
 * and returned, the same object. Never throws: headers that cannot take the context in place (frozen,
 * a throwing setter or proxy trap, an immutable `Headers` object) give a new object of their sort with
 * their fields and the context — use the returned object — and anything that is not an object is
 * returned unchanged, said once (`TRACEHOP_HEADERS_NOT_AN_OBJECT`; see {@link writeCarrierToHeaders}).
 *
 * `options` are `captureCarrier`'s (`CaptureCarrierOptions`): `context`, `propagator` and `baggage`,
 * which baggage entries the headers get — `"all"` (default: message headers are the wire, as HTTP
 * headers are), `"none"` (no `baggage`, `ot-baggage-*` nor `uberctx-*` header), or a list of baggage keys (exact,
 * case-sensitive; each an RFC 7230 token, W3C Baggage §3.2.1.2): the policy, checks and messages of
 * `captureCarrier`'s option (`BaggagePolicy`). A broker that limits the size of a message's headers
 * (amqplib: 65 536 bytes for the whole encoded header table) may need `"none"` or a list. Of what the
 * propagator writes, a field the message header setters would leave out (a name holding a `:`, which
 * nats.js refuses, said as `TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT`; a name over 255 characters) and
 * the fields past 16 KiB in all (names and values, the propagation headers first) are left out, said
 * once (`TRACEHOP_HEADER_FIELD_TOO_LARGE`): a third-party propagator's larger fields made the client
 * throw at send (docs/messaging.md, "What the setters leave out").
 * @throws TypeError for `options` that are a mistake in the calling code (an unknown option, a
 *   propagator that is not a TextMapPropagator, a `baggage` that is not `"none"`, `"all"` or an array
 *   of baggage keys), never for the headers.
 */
export function injectKafkaHeaders(headers?: KafkaHeaders, options?: CaptureCarrierOptions): KafkaHeaders;
/**
 * Injects the given (default: active) context into Kafka message headers kept in a `Map` or a fetch
 * `Headers` object (`HeaderEntries`), as {@link injectKafkaHeaders} injects into a plain object. They
 * are written through their `set`/`delete` (`append` for each value of a repeated field) and the same
 * object is returned; an immutable `Headers` gives a new one with its fields and the context. Never
 * throws on the headers.
 */
export function injectKafkaHeaders<H extends HeaderEntries>(headers: H, options?: CaptureCarrierOptions): H;
export function injectKafkaHeaders(
  headers: KafkaHeaders | HeaderEntries = {},
  options: CaptureCarrierOptions = {},
): KafkaHeaders | HeaderEntries {
  return writeFields(headers, checkedCapture(options, "injectKafkaHeaders"), "injectKafkaHeaders");
}

/**
 * The option {@link injectAmqpHeaders} takes besides `captureCarrier`'s (`context`, `propagator`,
 * `baggage`): the connection's `frameMax`; `createAmqpHeadersSetter`'s one option.
 */
export interface AmqpFrameMaxOptions {
  /**
   * The `frame_max` the connection negotiated with the broker, in bytes (amqplib:
   * `connection.connection.frameMax` of the model `connect` resolves to, which its declarations do not
   * declare; 131 072 by default in RabbitMQ and in amqplib's `connect` from 0.10.6 on, 4 096 in amqplib
   * 0.10.5 and older, its lib/connect.js default; as low as 4 096, the AMQP 0-9-1 frame-min-size, 8 192
   * on RabbitMQ 4.1 and later). A message's headers
   * travel in one content header frame (AMQP 0-9-1 §4.2.3), which amqplib does not check against it:
   * RabbitMQ closes the whole connection on a larger one (501 FRAME_ERROR). Given, the headers table is
   * kept within `frameMax` minus 2 592 bytes (the frame, and the other properties at their largest),
   * fields past it left out as past amqplib's 65 536-byte table (the trace headers kept first, the
   * baggage left out before them). Unset or 0: only
   * that table limit, which a `frameMax` from 68 128 up never lowers (docs/messaging.md, "The
   * connection's frameMax").
   */
  frameMax?: number | undefined;
}

/** The option names {@link injectAmqpHeaders} takes. */
const AMQP_HEADERS_OPTION_NAMES: readonly string[] = [...CAPTURE_OPTION_NAMES, "frameMax"];

/**
 * Injects the given (default: active) context into amqplib message headers (`options.headers` of
 * `publish`/`sendToQueue`), in place, and returns them (a new object when `headers` is undefined or
 * `null`). As {@link injectKafkaHeaders}, never throws on the headers, and takes the same options:
 * `context`, `propagator`, and `baggage` (`"all"` by default, `"none"` or a list of baggage keys).
 * amqplib encodes the whole header table into a 65 536-byte buffer (`SCRATCH` of its `lib/defs.js`)
 * and throws a RangeError from `publish`/`sendToQueue` for a larger one: into a plain object, a field
 * with which the table would be over it (counted as amqplib encodes it, the headers' own fields
 * included) is left out, the propagation headers kept first, said once
 * (`TRACEHOP_HEADER_FIELD_TOO_LARGE`; docs/messaging.md, "Baggage in the headers, and amqplib's header
 * limit"): with large application headers, keep the baggage out (`"none"`) or to the keys the consumer
 * needs rather than lose it whole. A connection whose `frame_max` is lower than 68 128 bytes takes a
 * smaller table: pass `options.frameMax` ({@link AmqpFrameMaxOptions.frameMax}).
 * @throws TypeError for options `captureCarrier` refuses, or a `frameMax` that is not 0 or an integer
 *   from 4 096 to 2^32 - 1.
 */
export function injectAmqpHeaders(headers?: AmqpHeaders, options?: CaptureCarrierOptions): AmqpHeaders;
/**
 * Injects the given (default: active) context into AMQP message headers kept in a `Map` or a fetch
 * `Headers` object (`HeaderEntries`), as {@link injectAmqpHeaders} injects into a plain object. They
 * are written as {@link injectKafkaHeaders} writes such an object: through their `set`/`delete`, the
 * same object returned. Never throws on the headers.
 */
export function injectAmqpHeaders<H extends HeaderEntries>(headers: H, options?: CaptureCarrierOptions): H;
// The two signatures above are injectKafkaHeaders' own, so that a publisher that picks one writer or the
// other at run time (`overAmqp ? injectAmqpHeaders : injectKafkaHeaders`) calls either (TypeScript calls
// a union of overloaded functions only through signatures they share); the two below add `frameMax`.
/**
 * {@link injectAmqpHeaders} into a plain object, its table kept within the content header frame of a
 * connection whose `frame_max` is `options.frameMax` ({@link AmqpFrameMaxOptions.frameMax}).
 * @throws TypeError for options `captureCarrier` refuses, or a `frameMax` that is not 0 or an integer
 *   from 4 096 to 2^32 - 1.
 */
export function injectAmqpHeaders(
  headers: AmqpHeaders | undefined,
  options: CaptureCarrierOptions & AmqpFrameMaxOptions,
): AmqpHeaders;
/**
 * {@link injectAmqpHeaders} into a `Map` or a fetch `Headers` object, with `options.frameMax`
 * ({@link AmqpFrameMaxOptions.frameMax}).
 * @throws TypeError for options `captureCarrier` refuses, or a `frameMax` that is not 0 or an integer
 *   from 4 096 to 2^32 - 1.
 */
export function injectAmqpHeaders<H extends HeaderEntries>(
  headers: H,
  options: CaptureCarrierOptions & AmqpFrameMaxOptions,
): H;
export function injectAmqpHeaders(
  headers: AmqpHeaders | HeaderEntries = {},
  options: CaptureCarrierOptions & AmqpFrameMaxOptions = {},
): AmqpHeaders | HeaderEntries {
  // `null` is no options to untyped callers, as checkedCapture takes it.
  const frameMax = (options as AmqpFrameMaxOptions | null)?.frameMax;
  assertFrameMax(frameMax, "injectAmqpHeaders");
  const carrier = checkedCapture(options, "injectAmqpHeaders", AMQP_HEADERS_OPTION_NAMES);
  return writeFields(headers, carrier, "injectAmqpHeaders", true, frameMax);
}
