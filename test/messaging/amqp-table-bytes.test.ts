/**
 * amqpHeadersSetter counts the headers table as amqplib encodes it: a field is left out exactly when,
 * with it, amqplib's own encoder (`encodeTable` of amqplib's lib/codec.js) would go past its 65 536-byte
 * buffer and throw at publish. The oracle is amqplib's encoder itself, over tables fast-check makes of
 * every value amqplib encodes: strings (any UTF-16, lone surrogates included), numbers of every size,
 * booleans, `null`, `undefined` (skipped), Buffers, arrays, nested tables and `{ "!": type, value }`
 * typed values — those nested in one another too (`{ "!": "object", value: { "!": "long", value: 1 } }`,
 * which amqplib encodes as a table of two fields, never as a long).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { amqpHeadersSetter } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const require = createRequire(import.meta.url);
const { encodeTable } = require(join(dirname(require.resolve("amqplib")), "lib", "codec.js")) as {
  encodeTable(buffer: Buffer, table: unknown, offset: number): number;
};

/** The bytes amqplib encodes `table` into, or `undefined` when it throws (a value it cannot encode). */
function encodedBytes(table: unknown): number | undefined {
  try {
    return encodeTable(Buffer.alloc(1 << 20), table, 0);
  } catch {
    return undefined;
  }
}

/** Field names: any text (amqplib throws past 255 UTF-8 bytes: such tables are not kept). */
const name = fc.string({ unit: "binary", maxLength: 12 });

/** Every `{ "!": type, value }` amqplib encodes, with a value of its type. */
const typedScalar = fc.oneof(
  fc.record({ "!": fc.constantFrom("long", "int64"), value: fc.maxSafeInteger() }),
  fc.record({ "!": fc.constant("timestamp"), value: fc.nat() }),
  fc.record({ "!": fc.constantFrom("double", "float64", "float"), value: fc.double() }),
  fc.record({ "!": fc.constantFrom("byte", "int8"), value: fc.integer({ min: -128, max: 127 }) }),
  fc.record({ "!": fc.constantFrom("unsignedbyte", "uint8"), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ "!": fc.constantFrom("short", "int16"), value: fc.integer({ min: -0x8000, max: 0x7fff }) }),
  fc.record({ "!": fc.constantFrom("unsignedshort", "uint16"), value: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ "!": fc.constantFrom("int", "int32"), value: fc.integer() }),
  fc.record({ "!": fc.constantFrom("unsignedint", "uint32"), value: fc.nat() }),
  fc.record({
    "!": fc.constant("decimal"),
    value: fc.record({ places: fc.integer({ min: 0, max: 255 }), digits: fc.nat() }),
  }),
  fc.record({ "!": fc.constant("string"), value: fc.string({ unit: "binary", maxLength: 40 }) }),
  fc.record({ "!": fc.constant("number"), value: fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger()) }),
  fc.record({ "!": fc.constant("boolean"), value: fc.boolean() }),
);

/** A field value amqplib encodes, nested up to a few levels (tables, arrays, typed values in typed values). */
const { value } = fc.letrec<{ value: unknown; table: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger(), fc.constant(2 ** 63), fc.constant(2 ** 40)),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
    fc.array(tie("value"), { maxLength: 4 }),
    tie("table"),
    typedScalar,
    // A typed value whose value is itself typed, a table, an array, a Buffer, a string or a number:
    // amqplib takes the outer type and encodes the inner value by it, without looking for "!" again.
    fc.record({ "!": fc.constant("object"), value: tie("value") }),
    fc.record({ "!": fc.constantFrom("string", "number", "boolean"), value: tie("value") }),
  ),
  table: fc.dictionary(name, fc.oneof(tie("value"), fc.constant(undefined)), { maxKeys: 5 }),
}));

/** Tables of application headers amqplib encodes (those it throws on are not kept). */
const encodableTable = fc
  .dictionary(name, fc.oneof(value, fc.constant(undefined)), { maxKeys: 6 })
  .filter((table) => !Object.hasOwn(table, "x-fill") && encodedBytes(table) !== undefined);

/** Bytes amqplib encodes a string field `name` = `text` into: length octet, name, tag, length, UTF-8. */
const stringFieldBytes = (fieldName: string, text: string) =>
  1 + Buffer.byteLength(fieldName) + 1 + 4 + Buffer.byteLength(text);

beforeEach(() => resetWarnings());

describe("amqpHeadersSetter counts a headers table as amqplib's own encoder does", () => {
  test('a typed value wrapped in an "object" typed value is a table to amqplib, and counted as one', async () => {
    // amqplib: type "object" with value { "!": "long", value: 1 } → a table of the fields "!" and
    // "value" (24 bytes with its tag), not the 9 bytes of a long.
    const wrapped = { "!": "object", value: { "!": "long", value: 1 } };
    const app = { "x-typed": wrapped, "x-state": "s".repeat(60_000) };
    const base = encodedBytes(app)!;
    const room = 65_536 - base - stringFieldBytes("x-vendor", "");
    const headers: Record<string, unknown> = { ...app };
    const told = await recordWarnings(() => amqpHeadersSetter.set(headers, "x-vendor", "v".repeat(room + 1)));
    assert.equal(Object.hasOwn(headers, "x-vendor"), false);
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      'tracehop amqpHeadersSetter: the header "x-vendor" is left out of the message headers, so that the client does not refuse the send: with it the headers table would be over 65536 bytes, the most amqplib encodes one into, and amqplib throws at publish past them. The other headers are written, and the trace goes on when they carry it. Keep the application headers smaller, or make the propagator write shorter fields',
    ]);
    amqpHeadersSetter.set(headers, "x-vendor", "v".repeat(room));
    assert.equal(encodedBytes(headers), 65_536);
  });

  test("a field that fills the table to 65 536 bytes exactly is written, one byte more is left out, whatever the other fields", () => {
    fc.assert(
      fc.property(encodableTable, fc.integer({ min: 0, max: 8_000 }), (app, vendorLength) => {
        const base = encodedBytes(app)!;
        // A filler field brings the table to what leaves room for exactly `vendorLength` characters.
        const fill =
          65_536 - base - stringFieldBytes("x-fill", "") - stringFieldBytes("x-vendor", "") - vendorLength;
        fc.pre(fill >= 0);
        const headers = (extra: number) => {
          const copy: Record<string, unknown> = { ...app, "x-fill": "f".repeat(fill) };
          amqpHeadersSetter.set(copy, "x-vendor", "v".repeat(vendorLength + extra));
          return copy;
        };
        const fits = headers(0);
        assert.equal(fits["x-vendor"], "v".repeat(vendorLength));
        assert.equal(encodedBytes(fits), 65_536);
        const over = headers(1);
        assert.equal(Object.hasOwn(over, "x-vendor"), false);
        assert.equal(encodedBytes({ ...over, "x-vendor": "v".repeat(vendorLength + 1) }), 65_537);
      }),
      { numRuns: 300 },
    );
  });
});
