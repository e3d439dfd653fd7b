// Exactness of the Datadog id conversions (decimal <-> 16 hex) against BigInt over the full unsigned
// 64-bit range, the 2^53 boundary and 2^64 - 1 included (ids never pass through a JS number, which holds
// integers exactly only up to 2^53: DataDog/dd-trace-js#344).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { decimalToHex16, hex16ToDecimal } from "../../src/propagation/datadog/ids.js";

const MAX_UINT64 = (1n << 64n) - 1n;
const TWO_POW_53 = 1n << 53n;

/** Values around every power of two and of ten in range, where carries and digit counts change. */
function boundaries(): bigint[] {
  const out = new Set<bigint>([0n, 1n, MAX_UINT64, MAX_UINT64 - 1n]);
  for (let bit = 0n; bit <= 64n; bit++) {
    const p = 1n << bit;
    for (const v of [p - 1n, p, p + 1n]) if (v >= 0n && v <= MAX_UINT64) out.add(v);
  }
  for (let digits = 0n; digits <= 20n; digits++) {
    const p = 10n ** digits;
    for (const v of [p - 1n, p, p + 1n]) if (v >= 0n && v <= MAX_UINT64) out.add(v);
  }
  for (const v of [TWO_POW_53 - 1n, TWO_POW_53, TWO_POW_53 + 1n]) out.add(v);
  return [...out];
}

const hexOf = (v: bigint) => v.toString(16).padStart(16, "0");

/** Any 64-bit value, with extra weight on small ones and on the region around 2^53. */
const uint64 = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_UINT64 }),
  fc.bigInt({ min: 0n, max: TWO_POW_53 * 4n }),
  fc.bigInt({ min: TWO_POW_53 - 1_000_000n, max: TWO_POW_53 + 1_000_000n }),
  fc.bigInt({ min: MAX_UINT64 - 1_000_000n, max: MAX_UINT64 }),
  fc.bigInt({ min: 0n, max: 1n << 32n }),
);

describe("Datadog id conversions", () => {
  test("boundary values convert exactly both ways", () => {
    for (const v of boundaries()) {
      assert.equal(hex16ToDecimal(hexOf(v)), v.toString(10), `hex16ToDecimal(${hexOf(v)})`);
      assert.equal(hex16ToDecimal(hexOf(v).toUpperCase()), v.toString(10), "upper-case hex");
      assert.equal(decimalToHex16(v.toString(10)), hexOf(v), `decimalToHex16(${v})`);
    }
  });

  test("property: hex16ToDecimal equals BigInt over the full 64-bit range", () => {
    fc.assert(
      fc.property(uint64, (v) => {
        assert.equal(hex16ToDecimal(hexOf(v)), v.toString(10));
      }),
      { numRuns: 20_000 },
    );
  });

  test("property: decimalToHex16 equals BigInt, with and without leading zeros", () => {
    fc.assert(
      fc.property(uint64, fc.nat({ max: 19 }), (v, zeros) => {
        const text = v.toString(10);
        assert.equal(decimalToHex16(text), hexOf(v));
        const padded = "0".repeat(zeros) + text;
        assert.equal(decimalToHex16(padded), padded.length <= 20 ? hexOf(v) : undefined);
      }),
      { numRuns: 20_000 },
    );
  });

  test("property: values of 2^64 and above (up to 20 digits) are refused", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MAX_UINT64 + 1n, max: 10n ** 20n - 1n }), (v) => {
        assert.equal(decimalToHex16(v.toString(10)), undefined);
      }),
      { numRuns: 5_000 },
    );
    assert.equal(decimalToHex16("18446744073709551616"), undefined);
    assert.equal(decimalToHex16("99999999999999999999"), undefined);
    assert.equal(decimalToHex16("18446744073709551615"), "ffffffffffffffff");
  });

  test("anything but 1-20 ASCII digits is refused", () => {
    for (const bad of ["", "-1", "+1", " 1", "1 ", "1e3", "0x10", "１", "123456789012345678901", "1.0"])
      assert.equal(decimalToHex16(bad), undefined, JSON.stringify(bad));
  });
});
