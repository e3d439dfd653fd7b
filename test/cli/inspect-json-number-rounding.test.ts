// What `tracehop inspect` says of a Datadog id stored as a JSON integer at or beyond 2^53, checked against
// exact arithmetic as a property: the integers it names as indistinguishable from the stored value (its
// "rounding range") are exactly the integers JSON.parse reads as the same double, found here by bisection
// over bigints with JSON.parse itself as the judge (IEEE 754 round to nearest, ties to the even
// significand: ECMA-262 "RoundMVResult"); the rounded number it names is JSON.parse's; "at 2^53" is said
// only of the digits 9007199254740992 (negatives mirrored). Values are drawn around every power of two from
// 2^53 to 2^65 (where the spacing of doubles doubles), on the halfway points (ties) and just below 2^64
// (whose double, 2^64, is past the largest unsigned 64-bit id).
// Failures print fast-check's seed and path (FC_SEED=... replays one; arbitraries.ts `runParameters`).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { runParameters } from "../hardening/arbitraries.js";
import { run } from "./run-cli.js";

const TWO_53 = 2n ** 53n;

/** The double JSON.parse reads the integer `n` as, as an exact bigint. */
function parsed(n: bigint): bigint {
  return BigInt(JSON.parse(n.toString()) as number);
}

/** The integers JSON.parse reads as the same double as `n`: [low, high], by bisection (parsing is monotone). */
function roundingRange(n: bigint): [bigint, bigint] {
  const d = parsed(n);
  const edge = (step: bigint): bigint => {
    // The farthest integer from n in the direction of `step` that still parses to d: doubling, then bisection.
    let outside = 1n;
    while (parsed(n + step * outside) === d) outside *= 2n;
    let inside = outside / 2n;
    while (outside - inside > 1n) {
      const middle = (inside + outside) / 2n;
      if (parsed(n + step * middle) === d) inside = middle;
      else outside = middle;
    }
    return n + step * inside;
  };
  return [edge(-1n), edge(1n)];
}

/** The diagnostic inspect --json gives of `x-datadog-trace-id` stored as the JSON number `digits`. */
function diagnosticOf(digits: string): { code: number | null; diagnostic: string } {
  const result = run(["inspect", "--json", `{"x-datadog-trace-id": ${digits}, "x-datadog-parent-id": "1"}`]);
  const diagnostics = JSON.parse(result.stdout).diagnostics as string[];
  const diagnostic = diagnostics.find((d) =>
    d.startsWith("x-datadog-trace-id is stored as the JSON number "),
  );
  assert.ok(diagnostic !== undefined, diagnostics.join(" | "));
  return { code: result.code, diagnostic };
}

/** The integers a diagnostic names as "cannot tell it from ...", as a set test, or `undefined` when it names none. */
function namedOthers(diagnostic: string): { low: bigint; high: bigint; count: bigint } | undefined {
  const m = /cannot tell it from (.*?), which JSON\.parse rounds to it/.exec(diagnostic);
  if (m === null) return undefined;
  const text = m[1]!;
  const range = /^the other integers from (-?\d+) to (-?\d+)$/.exec(text);
  if (range !== null) return { low: BigInt(range[1]!), high: BigInt(range[2]!), count: -1n };
  const two = /^(-?\d+) or (-?\d+)$/.exec(text);
  if (two !== null) return { low: BigInt(two[1]!), high: BigInt(two[2]!), count: 2n };
  assert.match(text, /^-?\d+$/);
  return { low: BigInt(text), high: BigInt(text), count: 1n };
}

/** Integers around the powers of two 2^53..2^65: on them, a few spacings away, and on the halfway points. */
const nearPowersOfTwo = fc
  .tuple(
    fc.integer({ min: 53, max: 65 }),
    fc.bigInt({ min: -8n, max: 8n }),
    fc.constantFrom(0n, -1n, 1n),
    fc.boolean(),
  )
  .map(([k, spacings, nudge, negative]) => {
    const power = 2n ** BigInt(k);
    // The spacing of doubles just above 2^k, and half of it (where a tie falls).
    const spacing = 2n ** BigInt(k - 52);
    const halfway = spacing / 2n;
    const n = power + spacings * halfway + nudge;
    const magnitude = n < TWO_53 ? TWO_53 + (TWO_53 - n) : n;
    return negative ? -magnitude : magnitude;
  });

/** Integers just below 2^64 (their double is 2^64 when within 1024 of it) and anywhere in 2^53..2^64. */
const belowTwo64 = fc.oneof(
  fc.bigInt({ min: 2n ** 64n - 4096n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: TWO_53, max: 2n ** 64n - 1n }),
);

describe("tracehop inspect: the rounding of an id stored as a JSON number, against exact arithmetic", () => {
  test("the integers named as read as the same number are exactly those JSON.parse reads as it; the rounded number is JSON.parse's", () => {
    fc.assert(
      fc.property(fc.oneof(nearPowersOfTwo, belowTwo64), (n) => {
        const digits = n.toString();
        const { code, diagnostic } = diagnosticOf(digits);
        assert.equal(code, 1, diagnostic);
        const magnitude = n < 0n ? -n : n;
        assert.ok(
          diagnostic.startsWith(
            `x-datadog-trace-id is stored as the JSON number ${digits}, ${magnitude === TWO_53 ? "at" : "beyond"} ${n < 0n ? "-" : ""}2^53: refused`,
          ),
          diagnostic,
        );
        const d = parsed(n);
        const [low, high] = roundingRange(n);
        if (d !== n) {
          // Not a double: the number a reader gets instead is named, and said past 2^64 - 1 when it is.
          assert.ok(diagnostic.includes(`gets it rounded to ${d}`), diagnostic);
          assert.equal(
            diagnostic.includes("past the largest unsigned 64-bit id"),
            n <= 2n ** 64n - 1n && d > 2n ** 64n - 1n,
            diagnostic,
          );
          return;
        }
        const named = namedOthers(diagnostic);
        if (low === high) {
          assert.equal(named, undefined, diagnostic);
          assert.ok(diagnostic.includes("gets this number, which no other integer rounds to"), diagnostic);
          return;
        }
        assert.ok(named !== undefined, diagnostic);
        if (named.count === -1n) assert.deepEqual([named.low, named.high], [low, high], diagnostic);
        else {
          // One or two others: each named, none of them n, all of the range.
          const others = [] as bigint[];
          for (let m = low; m <= high; m++) if (m !== n) others.push(m);
          const said = named.count === 1n ? [named.low] : [named.low, named.high];
          assert.deepEqual(said, others, diagnostic);
        }
      }),
      runParameters(300),
    );
  });

  test("an id just below 2^64 that JSON.parse rounds to 2^64 is said to be read as a number past the largest 64-bit id", () => {
    const { diagnostic } = diagnosticOf("18446744073709551615");
    assert.ok(
      diagnostic.includes(
        "gets it rounded to 18446744073709551616, past the largest unsigned 64-bit id (2^64 - 1)",
      ),
      diagnostic,
    );
    assert.ok(diagnostic.includes("the id ffffffffffffffff in hex"), diagnostic);
  });

  test("digits next to 2^53 are said beyond it, not at it, though JSON.parse reads them as 2^53", () => {
    for (const digits of ["9007199254740993", "-9007199254740993"]) {
      const { diagnostic } = diagnosticOf(digits);
      assert.ok(
        diagnostic.startsWith(
          `x-datadog-trace-id is stored as the JSON number ${digits}, beyond ${digits.startsWith("-") ? "-" : ""}2^53: refused`,
        ),
        diagnostic,
      );
    }
    // Written with a fraction (no exact digits kept), read as 2^53: said as read, not placed at 2^53.
    for (const digits of ["9007199254740993.0", "9007199254740991.9"]) {
      const { diagnostic } = diagnosticOf(digits);
      assert.ok(
        diagnostic.startsWith(
          `x-datadog-trace-id is stored as the JSON number ${digits}, read as 9007199254740992 (2^53): refused`,
        ),
        diagnostic,
      );
    }
  });
});
