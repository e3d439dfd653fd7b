// The one classifier of header objects (src/carrier/header-object-kind.ts) that the stored-carrier
// reader, the carrier-in-another-field check and the messaging getters and writers share: each shape's
// kind on each side, and the property look-ups a plain object costs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runInNewContext } from "node:vm";
import { carrierObject } from "../../src/carrier/carrier-object.js";
import {
  headerObjectKind,
  isHeaderEntriesObject,
  readKind,
  writeKind,
  writeKindOf,
} from "../../src/carrier/header-object-kind.js";
import { isPlainObjectOfAnyRealm } from "../../src/plain-object.js";
import { LookUpHeaders, SetDeleteHeaders } from "../support/header-classes.js";

const W3C_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** A NATS `MsgHdrs`-like class: get/set/delete, keys() and an iterator of `[name, values[]]`. */
class EntriesHeaders {
  readonly #fields = new Map<string, string[]>();
  get(name: string): string {
    return this.#fields.get(name)?.[0] ?? "";
  }
  set(name: string, value: string): void {
    this.#fields.set(name, [value]);
  }
  delete(name: string): void {
    this.#fields.delete(name);
  }
  keys(): IterableIterator<string> {
    return this.#fields.keys();
  }
  [Symbol.iterator](): IterableIterator<[string, string[]]> {
    return this.#fields.entries();
  }
}

/** A class with get and an iterator, no set/delete: read through its entries, written as properties. */
class ReadOnlyEntries {
  get(): undefined {
    return undefined;
  }
  *[Symbol.iterator](): Generator<[string, string]> {}
}

/** A class without header methods (an envelope). */
class Envelope {
  traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
}

type Row = [
  label: string,
  value: object,
  kind: ReturnType<typeof headerObjectKind>,
  read: ReturnType<typeof readKind>,
  write: ReturnType<typeof writeKind>,
  entries: boolean,
  noClass: boolean,
];

const ROWS: Row[] = [
  ["a plain object", { traceparent: "x" }, undefined, undefined, undefined, false, true],
  ["a null-prototype object", Object.create(null) as object, undefined, undefined, undefined, false, true],
  [
    "a plain object of another realm",
    runInNewContext("({})") as object,
    undefined,
    undefined,
    undefined,
    false,
    true,
  ],
  ["a Map", new Map(), "map", "map", "map", true, false],
  ["a Map of another realm", runInNewContext("new Map()") as object, "map", "map", "map", true, false],
  ["a WHATWG Headers", new Headers(), "fetch", "fetch", "fetch", true, false],
  ["a MsgHdrs-like class", new EntriesHeaders(), "entries", "methods", "methods", true, false],
  [
    "a get/set/delete class without an iterator",
    new LookUpHeaders(),
    "lookup",
    "methods",
    "methods",
    false,
    false,
  ],
  ["a set/delete class", new SetDeleteHeaders(), undefined, undefined, "methods", false, false],
  [
    "a get + iterator class without set/delete",
    new ReadOnlyEntries(),
    "entries",
    "methods",
    undefined,
    true,
    false,
  ],
  [
    "a plain object with get and an iterator",
    { get: () => "", [Symbol.iterator]: () => [][Symbol.iterator]() },
    "entries",
    "methods",
    undefined,
    true,
    true,
  ],
  [
    "a plain object with get, set and delete",
    { get: () => "", set: () => undefined, delete: () => undefined },
    undefined,
    undefined,
    undefined,
    false,
    true,
  ],
  ["an array", [["traceparent", "x"]], undefined, undefined, undefined, false, false],
  ["a class without header methods", new Envelope(), undefined, undefined, undefined, false, false],
];

describe("headerObjectKind: one classifier for the reader and the messaging helpers", () => {
  for (const [label, value, kind, read, write, entries, noClass] of ROWS) {
    const how = `read ${read ?? "as properties"}, written ${write ?? "as properties"}`;
    test(`${label}: ${kind ?? "a plain record"} (${how})`, () => {
      assert.equal(headerObjectKind(value), kind);
      assert.equal(readKind(value), read);
      assert.equal(writeKind(value), write);
      assert.equal(writeKindOf(value), write);
      assert.equal(isHeaderEntriesObject(value), entries);
      assert.equal(isPlainObjectOfAnyRealm(value), noClass);
    });
  }

  test("a plain object with get, set and delete is a plain record whatever its realm (a vm context's), read as its properties", () => {
    const source = `({ traceparent: "${W3C_TRACEPARENT}", get(n) { return this[n]; }, set() {}, delete() {} })`;
    const local = runInNewContext(source) as object;
    const other = runInNewContext(source, runInNewContext("({})") as object) as object;
    for (const [label, value] of [
      ["this realm", { ...local }],
      ["another realm", other],
    ] as const) {
      assert.equal(headerObjectKind(value), undefined, label);
      assert.equal(readKind(value), undefined, label);
      assert.equal(carrierObject(value), value, label);
    }
  });

  test("a proxy whose traps throw: headerObjectKind and readKind throw, the others say no header object", () => {
    const traps = ["get", "getPrototypeOf", "has", "ownKeys", "getOwnPropertyDescriptor"];
    const handler = Object.fromEntries(traps.map((trap) => [trap, () => assert.fail(`${trap} trap`)]));
    const hostile = new Proxy({}, handler);
    assert.throws(() => headerObjectKind(hostile), /get trap/);
    assert.throws(() => readKind(hostile), /get trap/);
    assert.throws(() => writeKind(hostile), /getPrototypeOf trap/);
    assert.equal(writeKindOf(hostile), undefined);
    assert.equal(isHeaderEntriesObject(hostile), false);
    assert.equal(isPlainObjectOfAnyRealm(hostile), false);
  });

  test("a plain object costs two property look-ups to read, one to tell from entries, none to write", () => {
    const looked: PropertyKey[] = [];
    let prototypes = 0;
    const counted = new Proxy(
      { traceparent: "x" },
      {
        get: (target, key, receiver) => (looked.push(key), Reflect.get(target, key, receiver) as unknown),
        getPrototypeOf: (target) => (prototypes++, Reflect.getPrototypeOf(target)),
      },
    );
    assert.equal(headerObjectKind(counted), undefined);
    assert.deepEqual(looked.splice(0), [Symbol.iterator, "get"]);
    assert.equal(readKind(counted), undefined);
    assert.deepEqual(looked.splice(0), [Symbol.iterator, "get"]);
    assert.equal(isHeaderEntriesObject(counted), false);
    assert.deepEqual(looked.splice(0), [Symbol.iterator]);
    assert.equal(prototypes, 0);
    assert.equal(writeKind(counted), undefined);
    assert.deepEqual(looked, []);
    assert.equal(prototypes, 1);
  });
});
