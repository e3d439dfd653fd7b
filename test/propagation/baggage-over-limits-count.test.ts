// The TRACEHOP_BAGGAGE_OVER_LIMITS warning of a baggage inject over W3C Baggage's 64 list-members
// (§3.3.1): the entries past the 64th member written are not walked to be counted (an application's
// baggage of 10^5 entries is read as far as its 65th entry, each inject), so the warning says the 64
// written ("wrote 64 of 100000"), or "at least" when it has no total; and the total it names comes from what the baggage handed over: an application's own Baggage
// whose getAllEntries() gives a Map or an iterator instead of an array (the API types an array) gets a
// real number or none, never "of undefined", and a value that cannot be read at all writes nothing and
// never throws.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import {
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type Baggage,
  type BaggageEntry,
} from "@opentelemetry/api";
import { BaggagePropagator } from "../../src/index.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const CODE = "TRACEHOP_BAGGAGE_OVER_LIMITS";

/** An application's own Baggage: `getAllEntries()` returns what `all()` gives (not always an array). */
class AppBaggage implements Baggage {
  constructor(private readonly all: () => unknown) {}
  getEntry(): BaggageEntry | undefined {
    return undefined;
  }
  getAllEntries(): [string, BaggageEntry][] {
    return this.all() as [string, BaggageEntry][];
  }
  setEntry(): Baggage {
    return this;
  }
  removeEntry(): Baggage {
    return this;
  }
  removeEntries(): Baggage {
    return this;
  }
  clear(): Baggage {
    return this;
  }
}

const pairs = (n: number): [string, BaggageEntry][] =>
  Array.from({ length: n }, (_, i): [string, BaggageEntry] => [`k${i}`, { value: `v${i}` }]);

/** The header `BaggagePropagator` writes for `baggage`, with what it said. */
async function inject(baggage: Baggage) {
  const carrier: Record<string, string> = {};
  const told = await recordWarnings(() =>
    new BaggagePropagator().inject(
      propagation.setBaggage(ROOT_CONTEXT, baggage),
      carrier,
      defaultTextMapSetter,
    ),
  );
  return { header: carrier.baggage, warnings: said(told, CODE), diag: told.diagWarnings };
}

const keysOf = (header: string | undefined) =>
  (header ?? "").split(",").map((m) => m.slice(0, m.indexOf("=")));

describe("baggage over 64 members on inject: the rest is not walked, the warning says what it knows", () => {
  beforeEach(resetWarnings);

  test("an array of 100 000 entries is read up to its 65th entry, and the warning says 64 of 100000 were written", async () => {
    const all = pairs(100_000);
    let read = 0;
    // Counts the entries read: the same array, each index read through the proxy.
    const counted = new Proxy(all, {
      get(target, property, receiver) {
        if (typeof property === "string" && /^\d+$/.test(property)) read++;
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const { header, warnings } = await inject(new AppBaggage(() => counted));
    assert.deepEqual(
      keysOf(header),
      all.slice(0, 64).map(([key]) => key),
    );
    assert.ok(read <= 65, `entries read: ${read}`);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /wrote 64 of 100000 baggage entries into the baggage header and left the others out/,
    );
  });

  test("entries skipped for their size before the limit: the total known, the warning says what was written", async () => {
    // Two entries too large for the 8192 bytes among the first, then 64 small ones and more.
    const all: [string, BaggageEntry][] = [
      ["big1", { value: "x".repeat(9000) }],
      ["big2", { value: "y".repeat(9000) }],
      ...pairs(70),
    ];
    const { header, warnings } = await inject(new AppBaggage(() => all));
    assert.equal(keysOf(header).length, 64);
    assert.match(
      warnings[0]!,
      /wrote 64 of 72 baggage entries into the baggage header and left the others out/,
    );
  });

  test("within 64 members, the count is exact (no 'at least')", async () => {
    const all: [string, BaggageEntry][] = [["big", { value: "x".repeat(9000) }], ...pairs(3)];
    const { header, warnings } = await inject(new AppBaggage(() => all));
    assert.deepEqual(keysOf(header), ["k0", "k1", "k2"]);
    assert.deepEqual(
      warnings.map((w) => /left (.*?) baggage entries out/.exec(w)?.[1]),
      ["1 of 4"],
    );
  });

  test("the noun agrees with each count said: 1 baggage entry, 1 of 1 baggage entry, 2 baggage entries", async () => {
    const big = (key: string): [string, BaggageEntry] => [key, { value: "x".repeat(9000) }];
    const cases: [() => unknown, string][] = [
      // An array: the total is known.
      [() => [big("a")], "left 1 of 1 baggage entry out of the baggage header"],
      [() => [big("a"), ...pairs(1)], "left 1 of 2 baggage entries out of the baggage header"],
      // An iterator: no total, the count alone.
      [() => [big("a"), ...pairs(1)][Symbol.iterator](), "left 1 baggage entry out of the baggage header"],
      [
        () => [big("a"), big("b"), ...pairs(1)][Symbol.iterator](),
        "left 2 baggage entries out of the baggage header",
      ],
      [
        () => [big("a"), ...pairs(70)][Symbol.iterator](),
        "wrote 64 baggage entries into the baggage header and left at least 2 baggage entries out",
      ],
    ];
    for (const [all, words] of cases) {
      resetWarnings();
      const { warnings } = await inject(new AppBaggage(all));
      assert.equal(warnings.length, 1, words);
      assert.ok(warnings[0]!.includes(`baggage inject ${words}`), warnings[0]);
    }
  });

  test("getAllEntries() giving a Map: its entries written, the total its size", async () => {
    const map = new Map(pairs(70));
    const { header, warnings } = await inject(new AppBaggage(() => map));
    assert.deepEqual(keysOf(header), [...map.keys()].slice(0, 64));
    assert.equal(warnings.length, 1);
    assert.doesNotMatch(warnings[0]!, /undefined/);
    assert.match(
      warnings[0]!,
      /wrote 64 of 70 baggage entries into the baggage header and left the others out/,
    );
  });

  test("getAllEntries() giving an iterator: its entries written, no total named (nor 'undefined')", async () => {
    let calls = 0;
    const { header, warnings } = await inject(
      new AppBaggage(() => {
        calls++;
        return pairs(70)[Symbol.iterator]();
      }),
    );
    assert.equal(keysOf(header).length, 64);
    assert.equal(warnings.length, 1);
    assert.doesNotMatch(warnings[0]!, /undefined|NaN/);
    assert.match(
      warnings[0]!,
      /wrote 64 baggage entries into the baggage header and left at least 1 baggage entry out/,
    );
    // The entries are asked for once: a second call is not needed for the total.
    assert.equal(calls, 1);
  });

  test("getAllEntries() giving nothing iterable (an object, a number, null, or throwing): no header, no throw", async () => {
    const values: (() => unknown)[] = [
      () => ({ length: 3 }),
      () => 3,
      () => null,
      () => {
        throw new Error("app baggage broke");
      },
    ];
    for (const all of values) {
      const { header, warnings, diag } = await inject(new AppBaggage(all));
      assert.equal(header, undefined);
      assert.deepEqual(warnings, []);
      assert.deepEqual(diag, ["tracehop: baggage inject failed"]);
    }
  });
});
