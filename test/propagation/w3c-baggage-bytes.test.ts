// W3C Baggage values percent-encoded from arbitrary bytes — invalid UTF-8 (`%FF`, a lone lead byte
// `%C3`, a cut sequence `%E2%82`) and lone `%` among them: extraction never throws and drops no other
// member, what inject writes is baggage by the grammar of W3C Baggage §3.2.1 (every value percent-encoded
// UTF-8, §3.2.1.3) within its limits (§3.3.1), and extract(inject(extract(x))) is extract(x).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  baggageEntryMetadataFromString,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type Context,
} from "@opentelemetry/api";
import fc from "fast-check";
import { createPropagator } from "../../src/index.js";
import { parseBaggageProperties } from "../../src/propagation/w3c/baggage.js";
import { runParameters } from "../hardening/arbitraries.js";

const propagator = createPropagator("baggage");

function extract(header: string): Context {
  return propagator.extract(ROOT_CONTEXT, { baggage: header }, defaultTextMapGetter);
}

function inject(context: Context): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier.baggage;
}

/** The entries of a context as `[key, value, decoded properties]`, in order. */
function entries(context: Context): [string, string, { key: string; value?: string }[]][] {
  return (propagation.getBaggage(context)?.getAllEntries() ?? []).map(([key, entry]) => [
    key,
    entry.value,
    parseBaggageProperties(entry.metadata?.toString() ?? ""),
  ]);
}

// W3C Baggage §3.2.1, with no OWS (tracehop writes none): key and property keys are RFC 7230 tokens,
// values baggage-octets.
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const OCTETS = "[\\x21\\x23-\\x2b\\x2d-\\x3a\\x3c-\\x5b\\x5d-\\x7e]*";
const PROPERTY = `${TOKEN}(?:=${OCTETS})?`;
const MEMBER = `${TOKEN}=${OCTETS}(?:;${PROPERTY})*`;
const BAGGAGE_STRING = new RegExp(`^${MEMBER}(?:,${MEMBER})*$`);
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Why `header` is not baggage a W3C receiver accepts whole, or `undefined`: the grammar of §3.2.1, at
 * most 64 members and 8192 bytes (§3.3.1), and each value percent-encoded UTF-8 (§3.2.1.3: every `%`
 * starts a `%XX` escape, and the bytes decode as UTF-8).
 */
function baggageFault(header: string): string | undefined {
  if (!BAGGAGE_STRING.test(header)) return "not a baggage-string (§3.2.1)";
  if (Buffer.byteLength(header) > 8192) return "over 8192 bytes (§3.3.1)";
  const members = header.split(",");
  if (members.length > 64) return "over 64 list-members (§3.3.1)";
  for (const member of members) {
    const [pair, ...properties] = member.split(";");
    // The member's value and each property value: the property grammar's value is `value` (§3.2.1.4).
    const values = [pair!.slice(pair!.indexOf("=") + 1)];
    for (const property of properties)
      if (property.includes("=")) values.push(property.slice(property.indexOf("=") + 1));
    for (const value of values) {
      if (/%(?![0-9A-Fa-f]{2})/.test(value)) return `a lone % in ${member}`;
      const bytes = Buffer.from(
        value.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        "latin1",
      );
      try {
        strictUtf8.decode(bytes);
      } catch {
        return `a value that is not UTF-8 in ${member}`;
      }
    }
  }
  return undefined;
}

const hex = (byte: number, lower: boolean) => {
  const text = byte.toString(16).padStart(2, "0");
  return `%${lower ? text : text.toUpperCase()}`;
};

/**
 * A value made of arbitrary bytes: each one percent-encoded (either hex case), or written as itself when
 * it is a baggage-octet other than `%`; now and then a lone `%` (`%`, `%4`, `%zz`) between them.
 */
const byteValue: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean(), fc.boolean()) },
      { weight: 1, arbitrary: fc.constantFrom("%", "%4", "%zz", "%%") },
    ),
    { maxLength: 40 },
  )
  .map((parts) =>
    parts
      .map((part) => {
        if (typeof part === "string") return part;
        const [byte, raw, lower] = part;
        const octet =
          byte === 0x21 || (byte >= 0x23 && byte <= 0x7e && byte !== 0x2c && byte !== 0x3b && byte !== 0x5c);
        return raw && octet && byte !== 0x25 ? String.fromCharCode(byte) : hex(byte, lower);
      })
      .join(""),
  );

/** A header of 1 to 80 members `k<i>=<bytes>`, some with a property `p=<bytes>`. */
const byteHeader: fc.Arbitrary<string> = fc
  .array(fc.tuple(byteValue, fc.option(byteValue, { freq: 4 })), { minLength: 1, maxLength: 80 })
  .map((members) =>
    members
      .map(([value, property], i) => (property === null ? `k${i}=${value}` : `k${i}=${value};p=${property}`))
      .join(","),
  );

/** Headers near the 8192-byte limit: values of many invalid bytes (`%FF`, 3 bytes, is 9 as U+FFFD). */
const bigByteHeader: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 2, max: 64 }), fc.constantFrom("%FF", "%C3", "%E2%82", "%ff", "a%80"))
  .chain(([n, unit]) =>
    fc
      .array(fc.integer({ min: 1, max: Math.floor(8192 / n / unit.length) }), { minLength: n, maxLength: n })
      .map((counts) => counts.map((count, i) => `k${i}=${unit.repeat(count)}`).join(",")),
  )
  .map((header) => {
    const members = header.split(",");
    while (members.join(",").length > 8192) members.pop();
    return members.join(",");
  });

describe("baggage values percent-encoded from arbitrary bytes (W3C Baggage §3.2.1.3)", () => {
  test("invalid UTF-8 and lone % are read as U+FFFD and literal %; the other members are kept", () => {
    const cases: [string, string][] = [
      ["%FF", "\uFFFD"],
      ["%C3", "\uFFFD"],
      ["%E2%82", "\uFFFD"],
      ["a%C3b", "a\uFFFDb"],
      ["%", "%"],
      ["x%4", "x%4"],
    ];
    for (const [value, decoded] of cases) {
      const context = extract(`a=1,b=${value},c=3`);
      assert.deepEqual(
        entries(context).map(([k, v]) => [k, v]),
        [
          ["a", "1"],
          ["b", decoded],
          ["c", "3"],
        ],
        value,
      );
      const written = inject(context)!;
      assert.equal(baggageFault(written), undefined, written);
    }
  });

  test("a property value of invalid UTF-8 is written on with U+FFFD, as a member's value is; valid escapes as received", () => {
    const cases: [string, string][] = [
      ["%FF", "%EF%BF%BD"],
      ["%C3", "%EF%BF%BD"],
      ["%E2%82x", "%EF%BF%BDx"],
      ["a%C3b%ff", "a%EF%BF%BDb%EF%BF%BD"],
      // Valid UTF-8 and ASCII escapes: the text as received, hex case included.
      ["%c3%a9", "%c3%a9"],
      ["%41%e2%82%ac", "%41%e2%82%ac"],
    ];
    for (const [property, written] of cases) {
      const context = extract(`a=1;p=${property},b=2`);
      assert.equal(inject(context), `a=1;p=${written},b=2`, property);
      // What an application reads is the same before and after the hop.
      assert.deepEqual(entries(extract(inject(context)!)), entries(context), property);
    }
    // Metadata set through the API is written by the same rule.
    const api = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage({
        a: { value: "1", metadata: baggageEntryMetadataFromString("p=%FF;q=%C3%A9") },
      }),
    );
    assert.equal(inject(api), "a=1;p=%EF%BF%BD;q=%C3%A9");
    // Sized as written on: 1000 x %FF is 3006 bytes read and 9006 written, over 8192: not kept on extract.
    for (const [count, kept] of [
      [900, ["a", "b"]],
      [1000, ["b"]],
    ] as const) {
      const context = extract(`a=1;p=${"%FF".repeat(count)},b=2`);
      assert.deepEqual(
        entries(context).map(([key]) => key),
        kept,
      );
      assert.deepEqual(entries(extract(inject(context)!)), entries(context));
    }
  });

  test("invalid UTF-8 near the limits: a member whose U+FFFD (9 bytes for 3) would not fit is not kept on extract, so re-inject drops none", () => {
    // Four members of 300 invalid bytes: 4 x 903 bytes read, 4 x 2703 written; three fit in 8192.
    const value = "%FF".repeat(300);
    const header = ["a", "b", "c", "d"].map((key) => `${key}=${value}`).join(",");
    assert.ok(header.length <= 8192);
    // The canonical form, and with OWS around the commas (the member-by-member path).
    for (const received of [header, header.replaceAll(",", " , ")]) {
      const first = extract(received);
      assert.deepEqual(
        entries(first).map(([key]) => key),
        ["a", "b", "c"],
      );
      const written = inject(first)!;
      assert.equal(baggageFault(written), undefined);
      assert.deepEqual(entries(extract(written)), entries(first));
    }
    // A later member that fits is still kept, as a member that would overflow is skipped whole.
    assert.deepEqual(
      entries(extract(`${header},e=1`)).map(([key]) => key),
      ["a", "b", "c", "e"],
    );
  });

  test("lone % near the limits: written on as %25 (3 bytes for 1), a member that would not fit is not kept on extract", () => {
    const value = "%".repeat(1500);
    const header = `a=${value},b=${value},c=x`;
    const first = extract(header);
    assert.deepEqual(
      entries(first).map(([key, v]) => [key, v.length]),
      [
        ["a", 1500],
        ["c", 1],
      ],
    );
    const written = inject(first)!;
    assert.equal(written.length, 2 + 4500 + 4);
    assert.deepEqual(entries(extract(written)), entries(first));
    // The same in a property value (kept in wire form, its lone % written on as %25).
    const withProperty = extract(`a=1;p=${value},b=1;p=${value},c=x`);
    assert.deepEqual(
      entries(withProperty).map(([key]) => key),
      ["a", "c"],
    );
    assert.deepEqual(entries(extract(inject(withProperty)!)), entries(withProperty));
  });

  test("property: extract never throws, inject(extract(x)) is baggage, extract(inject(extract(x))) is extract(x)", () => {
    fc.assert(
      fc.property(byteHeader, (header) => {
        const first = extract(header);
        const written = inject(first);
        const kept = entries(first);
        if (written === undefined) {
          assert.equal(kept.length, 0);
          return;
        }
        assert.equal(baggageFault(written), undefined, written);
        assert.deepEqual(entries(extract(written)), kept);
      }),
      runParameters(300),
    );
  });

  test("property: near the limits, a value whose invalid bytes grow as U+FFFD (3 bytes to 9) costs no member on re-inject", () => {
    fc.assert(
      fc.property(bigByteHeader, (header) => {
        const first = extract(header);
        const written = inject(first);
        // A member that cannot be written within 8192 bytes (invalid bytes as U+FFFD) is not kept.
        if (written === undefined) return assert.deepEqual(entries(first), []);
        assert.equal(baggageFault(written), undefined, written);
        assert.deepEqual(entries(extract(written)), entries(first));
      }),
      { ...runParameters(200), endOnFailure: true },
    );
  });
});
