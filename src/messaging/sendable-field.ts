/**
 * What a message client sends in a header field, whatever propagator writes it through tracehop's
 * setters: a field the client would refuse at send (throw, or have the broker drop the connection) is
 * left out of the headers, and said, so that tracing never fails the message.
 */
import { OWN_HEADER_NAMES } from "../carrier/ascii-lower-name.js";
import {
  MAX_SHOWN_NAME_LENGTH,
  REMOVED_WITH_IT,
  warnDroppedField,
  type HeaderLeftOut,
} from "../carrier/header-text-fields.js";
import { describeValue, quoteWritten } from "../describe-value.js";
import { MAX_CARRIER_VALUE_LENGTH } from "../carrier/trace-carrier.js";
import { isPrintableAscii } from "../propagation/header-text.js";
import { warnOnce } from "../warn-once.js";

/**
 * Internal: longest header name written into message headers, 255 characters of 0x21-0x7E (one UTF-8
 * byte each): the most an AMQP 0-9-1 field-table name holds (a short string, one length octet: the
 * grammar's `field-name = short-string`, and a short string's length counts octets). amqplib writes that
 * octet with `writeUInt8` of `Buffer.byteLength(name)` (its `lib/codec.js` `encodeTable`), so a longer
 * name, in bytes, made `sendToQueue` / `publish` throw a RangeError and fail the message. Every name
 * written is ASCII ({@link sendableFieldFault}), so its characters are its bytes.
 */
export const MAX_HEADER_NAME_LENGTH = 255;

/**
 * Internal: most bytes amqplib encodes a message's `headers` table into (its length prefix included):
 * `encodeBasicProperties` encodes it at the start of its 65 536-byte `SCRATCH` buffer (amqplib
 * `lib/defs.js`), and `checkSpace` (`lib/codec.js`) throws a RangeError past it, failing the send. A
 * table of exactly 65 536 bytes is published (tried on RabbitMQ).
 */
export const MAX_AMQP_TABLE_BYTES = 65_536;

/**
 * Internal: bytes of an AMQP content header frame that are not its headers table, at their largest
 * (AMQP 0-9-1 §4.2.3 and the `basic` class's properties): 8 of the frame (type, channel, size, frame-end
 * octet), 14 of the content header (class id, weight, body size, property flags), and 2 570 of the other
 * properties (ten short strings of up to 256 bytes with their length octet: content type and encoding,
 * correlation id, reply-to, expiration, message id, type, user id, app id, cluster id; delivery mode,
 * priority, an 8-byte timestamp). A headers table within `frameMax` minus these fits in the frame
 * whatever other properties `publish` / `sendToQueue` is given.
 */
export const CONTENT_HEADER_OTHER_BYTES = 2592;

/**
 * Internal: the AMQP 0-9-1 frame-min-size, the least `frame_max` a peer may negotiate (RabbitMQ refuses
 * a lower one, and amqplib's `connect` takes it).
 */
export const AMQP_FRAME_MIN_SIZE = 4096;

/**
 * Internal: the most bytes a message's headers table may take as amqplib encodes it, for a connection
 * whose negotiated `frame_max` is `frameMax` (`undefined` or 0: not given, or no limit): the
 * {@link MAX_AMQP_TABLE_BYTES} amqplib encodes, or less, so that the content header frame fits in
 * `frameMax` ({@link CONTENT_HEADER_OTHER_BYTES} kept for the rest of it). amqplib sends a larger
 * frame unchecked and RabbitMQ closes the connection (501 FRAME_ERROR, `frame_too_large`).
 */
export function amqpTableLimit(frameMax: number | undefined): number {
  return frameMax === undefined || frameMax === 0
    ? MAX_AMQP_TABLE_BYTES
    : Math.min(MAX_AMQP_TABLE_BYTES, frameMax - CONTENT_HEADER_OTHER_BYTES);
}

/**
 * Internal: the `frameMax` option of `injectAmqpHeaders`, `withSendSpan`, `writeCarrierToHeaders` and
 * `createAmqpHeadersSetter` checked: `undefined`, 0 (no
 * limit, as amqplib and the AMQP tune method read 0) or an integer from {@link AMQP_FRAME_MIN_SIZE} to
 * 2^32 - 1 (a long, the tune method's `frame-max` field).
 * @throws TypeError naming `where` and what to pass.
 */
export function assertFrameMax(frameMax: unknown, where: string): void {
  if (
    frameMax === undefined ||
    frameMax === 0 ||
    (Number.isInteger(frameMax) &&
      (frameMax as number) >= AMQP_FRAME_MIN_SIZE &&
      (frameMax as number) <= 0xffffffff)
  )
    return;
  throw new TypeError(
    `tracehop ${where}: frameMax must be the frame_max the connection negotiated, an integer from ` +
      `${AMQP_FRAME_MIN_SIZE} (AMQP 0-9-1 frame-min-size) to 4294967295, or 0 for none ` +
      `(amqplib: connection.connection.frameMax), got ${describeValue(frameMax)}`,
  );
}

/** Why a header field is left out ({@link sendableFieldFault}; `frame`: a writer's `frameMax`). */
export type FieldFault = "name" | "value" | "name-length" | "value-length" | "table" | "frame";

/**
 * A header name every client sends: 1 or more characters 0x21-0x7E but `:` (0x3A), one compiled matcher
 * (the readers' `HEADER_NAME_TEXT` set without the `:` nats.js refuses).
 */
const SENDABLE_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * Internal: the one rule of what a message client can send, for the setters (`amqpHeadersSetter`,
 * `kafkaHeadersSetter`) and the writers (`injectAmqpHeaders`, `injectKafkaHeaders`,
 * `writeCarrierToHeaders`, `withSendSpan`) alike: why header field `name` = `value` (a string, or the
 * strings of a repeated field) cannot be sent by every client tracehop writes for, or `undefined` when
 * it can:
 * - `name`: empty, a character outside 0x21-0x7E, or a `:` (nats.js throws on a space, a `:`, a control
 *   or non-ASCII character in `headers().set`, its `canonicalMIMEHeaderKey`; Mosquitto drops the
 *   connection of an MQTT 5 user property holding a control character or U+FFFF, MQTT 5.0 §1.5.4);
 * - `name-length`: over {@link MAX_HEADER_NAME_LENGTH} (amqplib throws at publish);
 * - `value-length`: a value over `MAX_CARRIER_VALUE_LENGTH` (16 KiB, the most a reader of tracehop
 *   reads; an MQTT 5 string holds 65 535 bytes and mqtt.js throws past them, a NATS message with its
 *   headers `max_payload`, 1 MiB by default, and nats.js throws past it);
 * - `value`: a character outside printable ASCII 0x20-0x7E (a CR or LF: nats.js throws, MQTT 5 user
 *   properties make Mosquitto drop the connection, and no propagation header's grammar holds one);
 * - `table`: `tableBytes`, the bytes of the AMQP headers table with this field as amqplib encodes it
 *   ({@link amqpFieldBytes}; 0 for headers that are no such table), is over {@link MAX_AMQP_TABLE_BYTES}.
 *
 * `headerText`: the field's characters are known header text already — written by `createPropagator`'s
 * styles (names of lower-case ASCII, values of printable ASCII by each header's grammar), or checked as
 * a carrier's are (`keepHeaderTextFields`, the stored-carrier reader) — so only the `:` and the lengths
 * are looked at (a name of tracehop's own styles by one set lookup). Never throws.
 */
export function sendableFieldFault(
  name: string,
  value: string | readonly string[],
  tableBytes = 0,
  headerText = false,
): FieldFault | undefined {
  if (!OWN_HEADER_NAMES.has(name) && (headerText ? name.includes(":") : !SENDABLE_NAME.test(name)))
    return "name";
  if (name.length > MAX_HEADER_NAME_LENGTH) return "name-length";
  if (typeof value === "string") {
    if (value.length > MAX_CARRIER_VALUE_LENGTH) return "value-length";
    if (!headerText && !isPrintableAscii(value)) return "value";
  } else
    for (const item of value) {
      if (item.length > MAX_CARRIER_VALUE_LENGTH) return "value-length";
      if (!headerText && !isPrintableAscii(item)) return "value";
    }
  return tableBytes > MAX_AMQP_TABLE_BYTES ? "table" : undefined;
}

/**
 * Internal: bytes amqplib encodes field `name` = `value` of a headers table into (`encodeTable`, amqplib
 * `lib/codec.js`): one length octet, the name's UTF-8 bytes, then the value's type octet and its
 * encoding; a field whose value is `undefined` is not encoded. A value amqplib cannot encode (a
 * function, a bigint: it throws whatever the setter writes) counts nothing. The count stops once it is
 * over `room` bytes (default {@link MAX_AMQP_TABLE_BYTES}), as amqplib's encoder throws there: a value
 * over it gives some count over `room`, never its whole size, so that a table sharing one object on many
 * paths, or holding a cycle, costs at most what amqplib reads of it before it throws.
 */
export function amqpFieldBytes(name: string, value: unknown, room = MAX_AMQP_TABLE_BYTES): number {
  if (value === undefined) return 0;
  const bytes = 1 + Buffer.byteLength(name);
  return bytes > room ? bytes : bytes + amqpValueBytes(value, 0, room - bytes);
}

/**
 * Internal: at least the bytes amqplib encodes field `name` = `value` of a headers table into
 * ({@link amqpFieldBytes}), counted without encoding a string: 3 bytes per UTF-16 code unit, the most
 * UTF-8 takes for one. A table whose fields count at most `MAX_AMQP_TABLE_BYTES` this way fits; only a
 * larger one is counted exactly, so that the setter, which counts the table on every field written,
 * costs a length read per string field of the usual headers.
 */
export function amqpFieldBytesBound(name: string, value: unknown, room = MAX_AMQP_TABLE_BYTES): number {
  return typeof value === "string" ? 6 + 3 * (name.length + value.length) : amqpFieldBytes(name, value, room);
}

/**
 * A count of one field's bytes in an AMQP headers table: {@link amqpFieldBytes} or its bound, which may
 * stop once over `room` bytes.
 */
export type AmqpFieldMeasure = (name: string, value: unknown, room?: number) => number;

/**
 * Internal: the one count of an AMQP headers table, for the setter (`amqpHeadersSetter`, one field) and
 * the writers (`injectAmqpHeaders`, `withSendSpan` with `system: "rabbitmq"`, a carrier's fields): bytes
 * amqplib encodes plain-object headers `table` into (`encodeTable`, amqplib `lib/codec.js`: its 4-byte
 * length, then every field `for…in` lists) once `write` is done — the fields of `table` that
 * `replaces(name, write)` names removed, the fields `written(write, measure)` counts added. Counted from
 * above first ({@link amqpFieldBytesBound}: a length read per string field), and exactly
 * ({@link amqpFieldBytes}) only when that bound is over `limit` (default {@link MAX_AMQP_TABLE_BYTES}; a
 * writer's `frameMax` lowers it, {@link amqpTableLimit}): so the result is over `limit` exactly when the
 * table is (a count that stops past {@link MAX_AMQP_TABLE_BYTES}: never the whole size of a larger
 * table), and at most `limit` (an upper bound) for one within it.
 * `replaces` and `written` are called once per field in each count (twice over when the bound is over);
 * a throwing getter or proxy trap of `table` ends the count of its fields there ({@link keptTableFieldBytes}).
 */
export function amqpTableBytes<W>(
  table: Record<string, unknown>,
  write: W,
  replaces: (name: string, write: W) => boolean,
  written: (write: W, measure: AmqpFieldMeasure) => number,
  limit = MAX_AMQP_TABLE_BYTES,
): number {
  const bound =
    4 +
    written(write, amqpFieldBytesBound) +
    keptTableFieldBytes(table, write, replaces, amqpFieldBytesBound);
  if (bound <= limit) return bound;
  return 4 + written(write, amqpFieldBytes) + keptTableFieldBytes(table, write, replaces, amqpFieldBytes);
}

/**
 * Internal: bytes (by `measure`) of the fields of `table` that `for…in` lists and `replaces(name, write)`
 * does not name ({@link amqpTableBytes}). A throwing getter or proxy trap: the fields counted so far.
 * The count stops once over {@link MAX_AMQP_TABLE_BYTES} (a table amqplib refuses whatever is added).
 */
export function keptTableFieldBytes<W>(
  table: Record<string, unknown>,
  write: W,
  replaces: (name: string, write: W) => boolean,
  measure: AmqpFieldMeasure,
): number {
  let bytes = 0;
  try {
    for (const name in table) {
      if (replaces(name, write)) continue;
      bytes += measure(name, table[name], MAX_AMQP_TABLE_BYTES - bytes);
      if (bytes > MAX_AMQP_TABLE_BYTES) break;
    }
  } catch {
    // what was counted
  }
  return bytes;
}

/**
 * Most tables and arrays nested in one another {@link amqpValueBytes} follows: a guard of the call
 * stack. amqplib's encoder, which recurses as this count does, encodes a small table nested up to some
 * 3 000 levels under Node's default stack, then throws its own `RangeError` (call stack): a small table
 * nested deeper than this guard is counted as `Infinity`, over the limit, though amqplib may still
 * encode it. A cycle ends by the count's 65 536 bytes when its levels are wide (32 bytes or more each,
 * counted before the field that cycles), else here.
 */
const MAX_AMQP_DEPTH = 2_048;

/** Bytes of the encoded AMQP field types amqplib picks with `{ "!": type, value }`, beyond the type octet. */
const AMQP_TYPED_BYTES: Record<string, number> = {
  double: 8,
  float64: 8,
  long: 8,
  int64: 8,
  timestamp: 8,
  byte: 1,
  int8: 1,
  unsignedbyte: 1,
  uint8: 1,
  short: 2,
  int16: 2,
  unsignedshort: 2,
  uint16: 2,
  int: 4,
  int32: 4,
  unsignedint: 4,
  uint32: 4,
  float: 4,
  decimal: 5,
};

/**
 * Bytes amqplib's `encodeFieldValue` (its `lib/codec.js`) writes for `value` (its type octet included),
 * by amqplib's own steps: `{ "!": type, value }` (an object with an own `"!"`) gives the type and the
 * value to encode, looked at once (a typed value inside is not unwrapped again: `{ "!": "object", value:
 * { "!": "long", value: 1 } }` is a table of the fields `"!"` and `value`); otherwise a number is the
 * smallest integer type holding it or a double, and an object is `null`, a field array, a Buffer (byte
 * array) or a table of the fields `for…in` lists — for any value typed `"object"`, a string's indices
 * included. A string is a long string (4-byte length and its UTF-8 bytes). A value amqplib cannot encode
 * (it throws whatever the setter writes: a bigint, a function, an unknown type) counts nothing. Past
 * {@link MAX_AMQP_DEPTH} levels: `Infinity`. Past
 * `room` bytes the count stops (some count over `room`): each table or array counts 5 bytes at least, so
 * one count looks at no more than `room / 5` of them, however often the value holds one object.
 */
function amqpValueBytes(value: unknown, depth: number, room: number): number {
  let type: unknown = typeof value;
  let inner = value;
  if (type === "object" && value !== null && Object.hasOwn(value as object, "!")) {
    type = (value as { "!": unknown })["!"];
    inner = (value as { value: unknown }).value;
  }
  switch (type) {
    case "string":
      return typeof inner === "string" ? 5 + Buffer.byteLength(inner) : 0;
    case "number":
      return 1 + amqpNumberBytes(inner as number);
    case "boolean":
      return 2;
    case "object":
      return amqpObjectBytes(inner, depth, room);
    default:
      return typeof type === "string" && Object.hasOwn(AMQP_TYPED_BYTES, type)
        ? 1 + AMQP_TYPED_BYTES[type]!
        : 0;
  }
}

/**
 * Bytes of `value` encoded as amqplib's `object` type (its tag included): `null` (1), a field array, a
 * Buffer (byte array), else a table of the fields `for…in` lists of it (`undefined` ones skipped). Stops
 * once over `room` bytes ({@link amqpValueBytes}).
 */
function amqpObjectBytes(value: unknown, depth: number, room: number): number {
  if (value === null) return 1;
  if (depth >= MAX_AMQP_DEPTH) return Infinity;
  if (Buffer.isBuffer(value)) return 5 + value.length;
  let bytes = 5;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (bytes > room) return bytes;
      bytes += amqpValueBytes(item, depth + 1, room - bytes);
    }
    return bytes;
  }
  const table = value as Record<string, unknown>;
  for (const key in table) {
    if (bytes > room) return bytes;
    const field = table[key];
    if (field === undefined) continue;
    bytes += 1 + Buffer.byteLength(key);
    if (bytes <= room) bytes += amqpValueBytes(field, depth + 1, room - bytes);
  }
  return bytes;
}

/**
 * Bytes of a number as amqplib encodes it: a double, else the smallest signed integer holding it (its
 * comparisons, so a typed `"number"` whose value is no number is counted as amqplib types it).
 */
function amqpNumberBytes(n: number): number {
  if (n >= 0x8000000000000000 || (Math.abs(n) < 0x4000000000000 && Math.floor(n) !== n)) return 8;
  if (n < 128 && n >= -128) return 1;
  if (n >= -0x8000 && n < 0x8000) return 2;
  if (n >= -0x80000000 && n < 0x80000000) return 4;
  return 8;
}

/** Code of the process warning of a header field left out for its size. */
const FIELD_TOO_LARGE_WARNING = "TRACEHOP_HEADER_FIELD_TOO_LARGE";

/** Why each size fault makes the client refuse the send, as its warning says it: one rule per clause. */
const SIZE_FAULTS = {
  "name-length": `its name is over ${MAX_HEADER_NAME_LENGTH} characters, the most every client takes: an AMQP table's field name is a short string of at most ${MAX_HEADER_NAME_LENGTH} bytes, and amqplib throws at publish past them`,
  "value-length": `its value is over ${MAX_CARRIER_VALUE_LENGTH} characters, the most a reader of tracehop reads; an MQTT 5 string holds at most 65 535 bytes, and mqtt.js throws past them; a NATS message, headers included, holds at most the server's max_payload`,
  table: `with it the headers table would be over ${MAX_AMQP_TABLE_BYTES} bytes, the most amqplib encodes one into, and amqplib throws at publish past them`,
  budget: `with it the context's fields would be over ${MAX_CARRIER_VALUE_LENGTH} characters in all, the most tracehop writes into message headers, the propagation headers first; amqplib throws at publish past a ${MAX_AMQP_TABLE_BYTES}-byte headers table, and NATS and Kafka refuse a message over 1 MiB`,
} as const;

/** A fault of a field's size, said as {@link FIELD_TOO_LARGE_WARNING}. */
type SizeFault = keyof typeof SIZE_FAULTS | "frame";

/** Why a field past a writer's `frameMax` ({@link amqpTableLimit}) would fail the send, as its warning says it. */
function frameRule(frameMax: number): string {
  return (
    `with it the message's content header frame could be over the frameMax of ${frameMax} bytes given, ` +
    `its headers table over ${amqpTableLimit(frameMax)} bytes (the rest kept for the frame and the other ` +
    `properties at their largest), and RabbitMQ closes the connection (FRAME_ERROR) on a larger frame`
  );
}

/**
 * The writer whose `baggage` option a setter's user can switch to: a setter has no options (a
 * propagator calls it), the writer for its headers does (`BaggagePolicy`, with a `propagator` option).
 */
const WRITER_OF_SETTER: Readonly<Record<string, string>> = {
  amqpHeadersSetter: "injectAmqpHeaders",
  kafkaHeadersSetter: "injectKafkaHeaders",
};

/** The helpers that take a `baggage` option (`BaggagePolicy`), which their warning names. */
const BAGGAGE_OPTION_HELPERS: ReadonlySet<string> = new Set([
  "injectAmqpHeaders",
  "injectKafkaHeaders",
  "injectMqttUserProperties",
  "withSendSpan",
]);

/** What the `baggage` option takes to trim the baggage, as the advice says it. */
const BAGGAGE_OPTION_VALUES = '("none", or the keys the next hop needs)';

/**
 * What to change for a field left out for `fault`, by `leftOut.helper`, only what that helper can do:
 * for the `baggage` header, the helper's own `baggage` option (the writers that take one: the policy
 * that trims what is written, `"none"` or the keys the next hop needs), or for a setter a context that
 * holds less or the writer of its headers, which takes that option, or for a stored carrier
 * (`writeCarrierToHeaders`) the `baggage` option of what captured it (`captureCarrier`, the Prisma
 * extension); for a full table, the application headers too; for a setter's trace header left out of a
 * full table beside a baggage header it did not write (`leftOut.forwardedBaggage`), that header, named,
 * and the writer that replaces it; else the fields `leftOut.source` writes.
 */
function sizeFix(fault: SizeFault, name: string, leftOut: HeaderLeftOut): string {
  const table = fault === "table" || fault === "frame";
  const { helper } = leftOut;
  const writer = WRITER_OF_SETTER[helper];
  if (table && leftOut.forwardedBaggage !== undefined && writer !== undefined)
    return (
      `The headers held a baggage header this setter did not write (${quoteWritten(leftOut.forwardedBaggage, MAX_SHOWN_NAME_LENGTH)}, ` +
      `forwarded from a consumed message?), which it leaves as it came: remove it before the inject, or write the ` +
      `headers with ${writer}, which removes every propagation header first; or keep the application headers smaller`
    );
  if (name === "baggage" && (table || fault === "budget")) {
    const trim =
      leftOut.source === "stored carrier"
        ? `Keep less baggage in the stored carrier: the baggage option of captureCarrier or of the Prisma extension ${BAGGAGE_OPTION_VALUES} trims it`
        : BAGGAGE_OPTION_HELPERS.has(helper)
          ? `Keep less baggage: the baggage option of ${helper} ${BAGGAGE_OPTION_VALUES} trims it`
          : writer !== undefined
            ? `Keep less baggage: inject a context that holds less, or write the headers with ${writer}, whose baggage option ${BAGGAGE_OPTION_VALUES} trims it`
            : undefined;
    if (trim !== undefined) return trim + (table ? "; or keep the application headers smaller" : "");
  }
  const fields =
    leftOut.source === "propagator"
      ? "make the propagator write shorter fields"
      : "write shorter fields into the stored carrier";
  return table
    ? `Keep the application headers smaller, or ${fields}`
    : fields[0]!.toUpperCase() + fields.slice(1);
}

/**
 * Internal: the one way a field left out of message headers is said, by the setters and the writers
 * alike (`leftOut`: the public function called, which names it; where the field came from, a
 * propagator's inject or the stored carrier `writeCarrierToHeaders` was given; the transport, for the
 * `:` rule; whether a value of that name the headers already held was removed, said only then): a
 * {@link sendableFieldFault} of its name or value characters as `TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT`
 * (once per field name, for the first 16 names), a name or value too long, (`"table"`) a field that
 * would overflow an AMQP headers table, (`"frame"`, a writer given `frameMax`) its content header frame,
 * or (`"budget"`, a writer) a field past the 16 KiB a writer
 * writes in all, as {@link FIELD_TOO_LARGE_WARNING} (once per process, helper and fault: the fault's
 * rule, then what to change, for the `baggage` header what that helper can do, {@link sizeFix}). Never
 * throws.
 */
export function warnFieldLeftOut(
  fault: FieldFault | "budget",
  name: string,
  value: string,
  leftOut: HeaderLeftOut,
  frameMax = 0,
): void {
  if (fault === "name" || fault === "value") return warnDroppedField(name, value, leftOut);
  try {
    const shown = quoteWritten(name, MAX_SHOWN_NAME_LENGTH);
    const removed = leftOut.removed
      ? ` ${REMOVED_WITH_IT[0]!.toUpperCase()}${REMOVED_WITH_IT.slice(1)}.`
      : "";
    warnOnce(
      `header field too large ${leftOut.helper} ${fault}`,
      `tracehop ${leftOut.helper}: the header ${shown} is left out of the message headers, so that the client ` +
        `does not refuse the send: ${fault === "frame" ? frameRule(frameMax) : SIZE_FAULTS[fault]}.${removed} The other headers are written, and the ` +
        `trace goes on when they carry it. ${sizeFix(fault, name, leftOut)}`,
      FIELD_TOO_LARGE_WARNING,
    );
  } catch {
    // nothing to say
  }
}
