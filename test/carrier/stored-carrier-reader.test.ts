// readStoredCarrier (the lazy reader contextFromCarrier uses) answers exactly as normalizeCarrier does,
// on every kind of carrier input: lower-case string carriers take its fast path, everything else the Map.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/normalize-carrier.js";
import { readStoredCarrier, storedCarrierGetter } from "../../src/carrier/stored-carrier.js";
import { MAX_CARRIER_VALUE_LENGTH } from "../../src/carrier/trace-carrier.js";
import {
  anyCarrierInput,
  HEADER_NAMES,
  oddHeaders,
  respelled,
  runParameters,
  validCarrier,
} from "../hardening/arbitraries.js";

/** Every name a propagator may ask for, in several spellings. */
const NAMES = [
  ...HEADER_NAMES,
  ...HEADER_NAMES.map((n) => n.toUpperCase()),
  ...HEADER_NAMES.map((n) =>
    n.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()),
  ),
  "ot-baggage-userid",
  "__proto__",
  "",
];

function assertSameAnswers(input: unknown): void {
  const lazy = readStoredCarrier(input);
  const map = normalizeCarrier(input);
  assert.deepEqual(storedCarrierGetter.keys(lazy), normalizedCarrierGetter.keys(map));
  for (const name of [...NAMES, ...normalizedCarrierGetter.keys(map)])
    assert.deepEqual(storedCarrierGetter.get(lazy, name), normalizedCarrierGetter.get(map, name), name);
}

describe("readStoredCarrier", () => {
  test("property: the same keys and values as normalizeCarrier for any input", () => {
    fc.assert(fc.property(anyCarrierInput, assertSameAnswers), runParameters(500));
  });

  test("property: the same for lower-case string carriers, their JSON text and bytes", () => {
    fc.assert(
      fc.property(validCarrier, (carrier) => {
        assertSameAnswers(carrier);
        assertSameAnswers(JSON.stringify(carrier));
        assertSameAnswers(Buffer.from(JSON.stringify(carrier)));
      }),
      runParameters(300),
    );
  });

  test("property: the same for odd headers respelled (names in any case; arrays, Buffers, numbers) and their JSON text", () => {
    fc.assert(
      fc.property(respelled(fc.oneof(validCarrier, oddHeaders)), ({ original, respelled }) => {
        assertSameAnswers(respelled);
        assertSameAnswers(original);
        assertSameAnswers(JSON.stringify(original));
        // Every name as asked reads the original's value (a one-element list or the string).
        const map = normalizeCarrier(respelled);
        for (const [name, value] of Object.entries(original)) {
          const read = normalizedCarrierGetter.get(map, name);
          assert.deepEqual(Array.isArray(read) ? read : [read], [value], name);
        }
      }),
      runParameters(300),
    );
  });

  test("limits and spellings: an oversized value is absent, other spellings are combined in key order", () => {
    const long = "x".repeat(MAX_CARRIER_VALUE_LENGTH + 1);
    const oversized = readStoredCarrier({ traceparent: long, tracestate: "a=1" });
    assert.equal(storedCarrierGetter.get(oversized, "traceparent"), undefined);
    assert.deepEqual(storedCarrierGetter.keys(oversized), ["tracestate"]);
    assert.equal(storedCarrierGetter.get(oversized, "TraceState"), "a=1");
    const mixed = readStoredCarrier({ tracestate: "a=1", TraceState: "b=2" });
    assert.deepEqual(storedCarrierGetter.get(mixed, "tracestate"), ["a=1", "b=2"]);
    const many = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`k${i}`, "v"]));
    assert.equal(storedCarrierGetter.keys(readStoredCarrier(many)).length, 128);
  });

  test("keys gives a new array each call: a caller that changes it changes no later answer", () => {
    const read = readStoredCarrier({ traceparent: "tp", "x-datadog-trace-id": "1" });
    const keys = storedCarrierGetter.keys(read);
    keys.length = 0;
    keys.push("baggage");
    assert.deepEqual(storedCarrierGetter.keys(read), ["traceparent", "x-datadog-trace-id"]);
    assert.equal(storedCarrierGetter.get(read, "traceparent"), "tp");
    assert.equal(storedCarrierGetter.get(read, "baggage"), undefined);
  });
});

describe("readStoredCarrier on a large object", () => {
  test("lists the keys of an object of more than 128 keys once (listing is linear in its size)", () => {
    const source: Record<string, string> = {};
    for (let i = 0; i < 200; i++) source[`app-header-${i}`] = "v";
    source.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let listed = 0;
    const counting = new Proxy(source, {
      ownKeys(target) {
        listed++;
        return Reflect.ownKeys(target);
      },
    });
    const read = readStoredCarrier(counting);
    assert.equal(storedCarrierGetter.get(read, "traceparent"), source.traceparent);
    assert.equal(listed, 1);
  });
});
