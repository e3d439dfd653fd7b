// An inject inside an inject: an application's Baggage (the api's interface, its own class) whose
// entries, when iterated again, inject another baggage first (a propagator, an instrumentation or a
// logger that calls inject while the baggage style writes). The outer header is the one the same
// entries give without that inner inject: what the baggage style counts of one serialization is not
// taken from another.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type Baggage,
  type BaggageEntry,
} from "@opentelemetry/api";
import { BaggagePropagator } from "../../src/index.js";

/** Entries over the limits: one too large for 8192 bytes (skipped), a value with a `+`, then 64 small. */
function entries(): [string, BaggageEntry][] {
  const list: [string, BaggageEntry][] = [
    ["big", { value: "b".repeat(9000) }],
    ["plus", { value: "a+b" }],
  ];
  for (let i = 0; i < 64; i++) list.push([`k${i}`, { value: "v" }]);
  return list;
}

/** A Baggage of the application's own whose getAllEntries gives `all` as `iterable` makes it. */
function baggageOf(iterable: () => Iterable<[string, BaggageEntry]>): Baggage {
  const base = propagation.createBaggage(Object.fromEntries(entries()));
  return {
    getEntry: (key) => base.getEntry(key),
    getAllEntries: () => iterable() as [string, BaggageEntry][],
    setEntry: (key, entry) => base.setEntry(key, entry),
    removeEntry: (key) => base.removeEntry(key),
    removeEntries: (...keys) => base.removeEntries(...keys),
    clear: () => base.clear(),
  };
}

test("baggage inject whose entries inject another baggage when iterated again: the same header as without", () => {
  const style = new BaggagePropagator();
  const inner = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ a: { value: "1" } }));
  let innerHeader: unknown;
  const reentrant = baggageOf(() => {
    let calls = 0;
    const list = entries();
    return {
      [Symbol.iterator]() {
        // Iterated again (the second look at the entries): an inject of another baggage first.
        if (++calls > 1) {
          const carrier: Record<string, string> = {};
          style.inject(inner, carrier, defaultTextMapSetter);
          innerHeader = carrier.baggage;
        }
        return list[Symbol.iterator]();
      },
    };
  });
  const plain = baggageOf(entries);
  const written: Record<string, string> = {};
  const expected: Record<string, string> = {};
  style.inject(propagation.setBaggage(ROOT_CONTEXT, reentrant), written, defaultTextMapSetter);
  style.inject(propagation.setBaggage(ROOT_CONTEXT, plain), expected, defaultTextMapSetter);
  assert.equal(innerHeader, "a=1", "the inner inject ran");
  assert.equal(expected.baggage!.split(",").length, 64);
  assert.ok(expected.baggage!.startsWith("plus=a%2Bb,k0=v,"), expected.baggage);
  assert.equal(written.baggage, expected.baggage);
});
