// The stored-carrier reader (`normalizeCarrier`, src/carrier/normalize-carrier.ts): names in any case, arrays for
// repeated fields, Buffers decoded whole, JSON text, limits, hostile input (prototype keys, throwing
// getters, proxies).
import { test, describe } from "node:test";
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Headers as UndiciHeaders } from "undici";
import { traceCarrierSetter } from "../../src/carrier/carrier-setter.js";
import {
  NOT_TEXT_VALUE,
  normalizeCarrier,
  normalizedCarrierGetter,
} from "../../src/carrier/normalize-carrier.js";
import {
  MAX_CARRIER_FIELD_VALUES,
  MAX_CARRIER_KEYS,
  MAX_CARRIER_VALUE_LENGTH,
  type TraceCarrier,
} from "../../src/carrier/trace-carrier.js";
import { PROPAGATION_HEADER_NAMES } from "../../src/propagation/header-names.js";

const TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const get = (carrier: unknown, key: string) => normalizedCarrierGetter.get(normalizeCarrier(carrier), key);

describe("normalizeCarrier: names", () => {
  test("header names are ASCII case-insensitive, on the carrier and on lookup", () => {
    for (const name of ["traceparent", "TraceParent", "TRACEPARENT", "tRaCePaReNt"]) {
      assert.equal(get({ [name]: TP }, "traceparent"), TP, name);
      assert.equal(get({ traceparent: TP }, name), TP, name);
    }
  });

  test("names with non-ASCII characters are ignored, never Unicode-lower-cased onto a header", () => {
    // U+212A KELVIN SIGN lower-cases to "k" in Unicode.
    const map = normalizeCarrier({ "x-datadog-\u212Aey": "1", "trace-parent": TP, "trace.parent": TP });
    assert.deepEqual([...map.keys()], ["trace-parent", "trace.parent"]);
    assert.equal(normalizedCarrierGetter.get(map, "traceparent"), undefined);
  });

  test("unknown keys are kept out of the way: only the looked-up name is returned", () => {
    const map = normalizeCarrier({ "content-type": "application/json", traceparent: TP, Host: "x" });
    assert.equal(normalizedCarrierGetter.get(map, "traceparent"), TP);
    assert.deepEqual(normalizedCarrierGetter.keys(map), ["content-type", "traceparent", "host"]);
  });
});

describe("normalizeCarrier: repeated fields", () => {
  test("an array is repeated fields in order; several spellings combine in key order", () => {
    assert.deepEqual(get({ tracestate: ["a=1", "b=2"] }, "tracestate"), ["a=1", "b=2"]);
    assert.deepEqual(get({ tracestate: "a=1", TraceState: ["b=2", "c=3"] }, "tracestate"), [
      "a=1",
      "b=2",
      "c=3",
    ]);
    assert.equal(get({ tracestate: ["only"] }, "tracestate"), "only");
    assert.equal(get({ tracestate: [] }, "tracestate"), undefined);
  });

  test("elements: numbers and booleans as their text, a structure as an invalid value, null skipped; nested arrays are not flattened", () => {
    assert.deepEqual(get({ baggage: ["a=1", 1.5, null, { x: 1 }, ["b=2"], true, "c=3"] }, "baggage"), [
      "a=1",
      "1.5",
      NOT_TEXT_VALUE,
      NOT_TEXT_VALUE,
      "true",
      "c=3",
    ]);
    // Not a propagation header: a structure is no value there.
    assert.deepEqual(get({ "x-app": ["a", { x: 1 }, ["b"]] }, "x-app"), "a");
  });

  test(`at most ${MAX_CARRIER_FIELD_VALUES} values per name`, () => {
    const values = Array.from({ length: MAX_CARRIER_FIELD_VALUES + 5 }, (_, i) => `k${i}=1`);
    const got = get({ baggage: values, BAGGAGE: "late=1" }, "baggage") as string[];
    assert.equal(got.length, MAX_CARRIER_FIELD_VALUES);
    assert.deepEqual(got, values.slice(0, MAX_CARRIER_FIELD_VALUES));
  });
});

describe("normalizeCarrier: binary values", () => {
  test("Buffer, Uint8Array, other typed arrays and ArrayBuffer are decoded whole as UTF-8", () => {
    const bytes = Buffer.from("userId=Amélie€");
    assert.equal(get({ baggage: bytes }, "baggage"), "userId=Amélie€");
    assert.equal(get({ baggage: new Uint8Array(bytes) }, "baggage"), "userId=Amélie€");
    assert.equal(get({ baggage: new Uint8Array(bytes).buffer }, "baggage"), "userId=Amélie€");
    const view = new DataView(new Uint8Array([0, ...bytes, 0]).buffer, 1, bytes.length);
    assert.equal(get({ baggage: view }, "baggage"), "userId=Amélie€");
  });

  test("a Buffer passed through JSON ({type: 'Buffer', data}) is decoded (tulios/kafkajs#1024)", () => {
    const stored = JSON.parse(JSON.stringify({ "x-datadog-trace-id": Buffer.from("3723113666305865006") }));
    assert.equal(stored["x-datadog-trace-id"].type, "Buffer");
    assert.equal(get(stored, "x-datadog-trace-id"), "3723113666305865006");
    assert.equal(get({ k: { type: "Buffer", data: [49, 256] } }, "k"), undefined);
    assert.equal(get({ k: { type: "Buffer", data: [49, "2"] } }, "k"), undefined);
  });

  test("arrays of Buffers: each field decoded whole, order kept", () => {
    assert.deepEqual(get({ tracestate: [Buffer.from("a=é"), Buffer.from("b=2")] }, "tracestate"), [
      "a=é",
      "b=2",
    ]);
  });

  test("invalid UTF-8 becomes U+FFFD (then fails the header grammar), never throws", () => {
    assert.equal(get({ k: Buffer.from([0x61, 0xff, 0x62]) }, "k"), "a\uFFFDb");
  });
});

describe("normalizeCarrier: whole-carrier shapes", () => {
  test("JSON text, JSON text inside JSON text, and the bytes of JSON text", () => {
    const text = JSON.stringify({ TraceParent: TP });
    assert.equal(get(text, "traceparent"), TP);
    assert.equal(get(JSON.stringify(text), "traceparent"), TP);
    assert.equal(get(Buffer.from(text), "traceparent"), TP);
    assert.equal(get(JSON.stringify(JSON.stringify(text)), "traceparent"), undefined);
  });

  test("a leading byte order mark is skipped in JSON text and its bytes (RFC 8259 §8.1), kept in values", () => {
    const text = JSON.stringify({ traceparent: TP });
    assert.equal(get("\ufeff" + text, "traceparent"), TP);
    assert.equal(get(Buffer.from("\ufeff" + text), "traceparent"), TP);
    assert.equal(get(JSON.stringify("\ufeff" + text), "traceparent"), TP);
    assert.equal(get({ traceparent: "\ufeff" + TP }, "traceparent"), "\ufeff" + TP);
    assert.equal(get("\ufeff\ufeff" + text, "traceparent"), undefined);
  });

  test("a WHATWG Headers carrier (fetch-style request.headers): names any case, repeated fields joined", () => {
    const headers = new Headers({ TraceParent: TP });
    headers.append("tracestate", "a=1");
    headers.append("TraceState", "b=2");
    assert.equal(get(headers, "traceparent"), TP);
    assert.equal(get(headers, "TRACESTATE"), "a=1, b=2");
    assert.equal(normalizeCarrier(new Headers()).size, 0);
  });

  test("reading a plain carrier never loads Node's fetch implementation (≈ 10 ms on a process's first restore)", () => {
    // Node loads undici on the first access to the global Headers; a child process starts clean.
    const script = [
      `import { contextFromCarrier } from ${JSON.stringify(new URL("../../src/context/carrier-context.ts", import.meta.url).pathname)};`,
      `contextFromCarrier({ traceparent: ${JSON.stringify(TP)} });`,
      `contextFromCarrier(JSON.stringify({ traceparent: ${JSON.stringify(TP)} }));`,
      `console.log(process.moduleLoadList.some((name) => name.includes("undici")));`,
    ].join("\n");
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), "false");
  });

  test(`Headers with more than ${MAX_CARRIER_KEYS} fields: the propagation headers are read wherever they sort`, () => {
    const headers = new Headers();
    for (let i = 0; i < MAX_CARRIER_KEYS + 50; i++) headers.set(`a-${String(i).padStart(3, "0")}`, "x");
    headers.set("x-datadog-trace-id", "123");
    headers.set("traceparent", TP);
    const carrier = normalizeCarrier(headers);
    assert.equal(carrier.size, MAX_CARRIER_KEYS);
    assert.equal(normalizedCarrierGetter.get(carrier, "x-datadog-trace-id"), "123");
    assert.equal(normalizedCarrierGetter.get(carrier, "traceparent"), TP);
  });

  test("Headers or a Map of more than 4096 entries: the propagation headers sorting after them are still read, by name", () => {
    // A Headers object iterates in name order and the reader iterates 4096 entries at most: traceparent
    // and x-datadog-* after 5000 `a-*` headers are past that bound, so they must be asked for by name.
    const headers = new Headers();
    const map = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      headers.set(`a-${String(i).padStart(4, "0")}`, "x");
      map.set(`a-${i}`, "x");
    }
    for (const entries of [headers, map]) {
      entries.set("traceparent", TP);
      entries.set("x-datadog-trace-id", "123");
      entries.set("x-datadog-parent-id", "456");
      const carrier = normalizeCarrier(entries);
      const kind = entries instanceof Map ? "Map" : "Headers";
      assert.equal(normalizedCarrierGetter.get(carrier, "traceparent"), TP, kind);
      assert.equal(normalizedCarrierGetter.get(carrier, "x-datadog-trace-id"), "123", kind);
      assert.equal(normalizedCarrierGetter.get(carrier, "x-datadog-parent-id"), "456", kind);
      assert.equal(
        normalizedCarrierGetter.get(carrier, "a-0000") ?? normalizedCarrierGetter.get(carrier, "a-0"),
        "x",
      );
      assert.equal(normalizedCarrierGetter.get(carrier, "tracestate"), undefined, kind);
    }
  });

  test("a Headers look-alike of more entries than the reader iterates: at most 4096 entries pulled and one get per propagation name", () => {
    const calls = { next: 0, get: [] as string[] };
    const lookAlike = {
      [Symbol.toStringTag]: "Headers",
      [Symbol.iterator]: () => ({
        next: () => (calls.next++, { done: false, value: [`a-${calls.next}`, "x"] }),
      }),
      get: (name: string) => (
        calls.get.push(name),
        name === "traceparent" ? TP : name === "tracestate" ? 7 : null
      ),
    };
    const carrier = normalizeCarrier(lookAlike);
    assert.equal(normalizedCarrierGetter.get(carrier, "traceparent"), TP);
    assert.equal(normalizedCarrierGetter.get(carrier, "tracestate"), undefined); // not a string
    assert.equal(calls.next, 4097);
    assert.deepEqual(calls.get, [...PROPAGATION_HEADER_NAMES]);
    // A get that throws gives no field and ends nothing else; a name the iteration read is not asked.
    const throwing = {
      [Symbol.toStringTag]: "Headers",
      *[Symbol.iterator]() {
        yield ["B3", "1"];
        for (let i = 0; i < 5000; i++) yield [`z-${i}`, "x"];
      },
      get: (name: string) => {
        calls.get.push(name);
        if (name === "traceparent") throw new Error("no");
        return name === "baggage" ? "k=v" : null;
      },
    };
    calls.get = [];
    const read = normalizeCarrier(throwing);
    assert.equal(normalizedCarrierGetter.get(read, "traceparent"), undefined);
    assert.equal(normalizedCarrierGetter.get(read, "baggage"), "k=v");
    assert.equal(normalizedCarrierGetter.get(read, "b3"), "1");
    assert.deepEqual(
      calls.get,
      PROPAGATION_HEADER_NAMES.filter((name) => name !== "b3"),
    );
  });

  test("a Headers look-alike: bad entries skipped, an endless or throwing iterator ends the reading", () => {
    const tagged = (entries: () => Iterator<unknown>) => ({
      [Symbol.toStringTag]: "Headers",
      [Symbol.iterator]: entries,
    });
    const garbage = tagged(() =>
      [["traceparent", TP], "junk", [1, 2], ["tracestate", 7], ["baggage", "k=v"]][Symbol.iterator](),
    );
    assert.equal(get(garbage, "traceparent"), TP);
    assert.equal(get(garbage, "baggage"), "k=v");
    assert.equal(get(garbage, "tracestate"), undefined);
    const endless = tagged(() => ({ next: () => ({ done: false, value: ["traceparent", TP] }) }));
    assert.equal(get(endless, "traceparent"), TP);
    let calls = 0;
    const throwing = tagged(() => ({
      next: () => {
        if (++calls > 1) throw new Error("gone");
        return { done: false, value: ["traceparent", TP] };
      },
    }));
    assert.equal(get(throwing, "traceparent"), TP);
  });

  test("Headers of another copy of undici (the npm package, not Node's global class) are read too", () => {
    const headers = new UndiciHeaders({ TraceParent: TP });
    assert.equal(headers instanceof Headers, false, "a class of its own");
    assert.equal(get(headers, "traceparent"), TP);
    // An object that only claims the tag, without an iterator, is not taken for Headers.
    assert.equal(normalizeCarrier({ [Symbol.toStringTag]: "Headers", traceparent: TP }).size, 1);
  });

  test("a Map carrier", () => {
    assert.equal(
      get(
        new Map<unknown, unknown>([
          ["TraceParent", TP],
          [1, "x"],
        ]),
        "traceparent",
      ),
      TP,
    );
  });

  test("anything else yields an empty carrier", () => {
    for (const carrier of [
      undefined,
      null,
      42,
      true,
      "not json",
      "[1,2]",
      "null",
      '"x"',
      [TP],
      Symbol("x"),
      () => TP,
    ]) {
      assert.equal(normalizeCarrier(carrier).size, 0, String(carrier));
    }
  });
});

describe("normalizeCarrier: values and limits", () => {
  test("safe integers and bigints become exact decimal text; rounded ids are refused (dd-trace-js#344); other numbers are their text", () => {
    const stored = JSON.parse('{"x-datadog-trace-id":7660829067201366963,"x-datadog-sampling-priority":1}');
    assert.equal(get(stored, "x-datadog-trace-id"), undefined);
    assert.equal(get(stored, "x-datadog-sampling-priority"), "1");
    assert.equal(get({ id: 7660829067201366963n }, "id"), "7660829067201366963");
    assert.equal(get({ p: -1 }, "p"), "-1");
    assert.equal(get({ p: 1.5 }, "p"), "1.5");
    assert.equal(get({ p: 1e21 }, "p"), "1e+21");
    // An integer beyond 2^53 is refused only as a Datadog id; elsewhere it is its text.
    assert.equal(
      get({ "x-datadog-sampling-priority": 1e20 }, "x-datadog-sampling-priority"),
      "100000000000000000000",
    );
  });

  test(`values over ${MAX_CARRIER_VALUE_LENGTH} characters or bytes are ignored; at the limit they are kept`, () => {
    const at = "v".repeat(MAX_CARRIER_VALUE_LENGTH);
    const over = `${at}v`;
    assert.equal(get({ baggage: at }, "baggage"), at);
    assert.equal(get({ baggage: over }, "baggage"), undefined);
    assert.equal(get({ baggage: Buffer.from(over) }, "baggage"), undefined);
    assert.equal(get({ baggage: [over, "a=1"] }, "baggage"), "a=1");
  });

  test(`only the first ${MAX_CARRIER_KEYS} keys are scanned; fields asked for by name are found beyond them`, () => {
    const carrier: Record<string, string> = {};
    for (let i = 0; i < MAX_CARRIER_KEYS; i++) carrier[`x-filler-${i}`] = "1";
    carrier["x-late"] = "late";
    carrier.traceparent = TP; // appended after the application headers, as an inject into them does
    carrier["x-datadog-trace-id"] = "123";
    carrier["Uber-Trace-Id"] = "u"; // beyond the scan in another case: not found under its lower-case name
    const map = normalizeCarrier(carrier);
    // The propagation header names are read before the scan; the scan stops at the limit.
    assert.deepEqual([...map.keys()].slice(0, 2), ["traceparent", "x-datadog-trace-id"]);
    assert.equal(map.has(`x-filler-${MAX_CARRIER_KEYS - 1}`), true);
    assert.equal(map.has("x-late"), false, "beyond the scan, not asked for yet");
    assert.equal(normalizedCarrierGetter.get(map, "traceparent"), TP);
    assert.equal(normalizedCarrierGetter.get(map, "x-datadog-trace-id"), "123");
    // Any other name a propagator asks for: looked up as asked, and in lower case.
    assert.equal(normalizedCarrierGetter.get(map, "x-late"), "late");
    assert.equal(normalizedCarrierGetter.get(map, "X-Late"), "late");
    assert.equal(normalizedCarrierGetter.get(map, "Uber-Trace-Id"), "u");
    assert.equal(normalizedCarrierGetter.get(normalizeCarrier(carrier), "uber-trace-id"), undefined);
    assert.equal(get(carrier, "traceparent"), TP);
    // A Map carrier as well.
    const asMap = normalizeCarrier(new Map(Object.entries(carrier)));
    assert.equal(normalizedCarrierGetter.get(asMap, "traceparent"), TP);
    assert.equal(normalizedCarrierGetter.get(asMap, "x-late"), "late");
    // A copy within the scan under another spelling combines with the one read by name (two values).
    const both = { TraceParent: TP, ...carrier };
    assert.deepEqual(normalizedCarrierGetter.get(normalizeCarrier(both), "traceparent"), [TP, TP]);
  });

  test("a hostile carrier of many keys stays bounded: the scan stops, each field asked costs one read", () => {
    let reads = 0;
    const target: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) target[`k${i}`] = "v";
    target.traceparent = TP;
    const counting = new Proxy(target, {
      get: (t, key) => {
        if (typeof key === "string" && Object.hasOwn(t, key)) reads++; // the carrier's own fields
        return Reflect.get(t, key);
      },
    });
    const map = normalizeCarrier(counting);
    assert.equal(normalizedCarrierGetter.get(map, "traceparent"), TP);
    for (let i = 0; i < 10; i++) normalizedCarrierGetter.get(map, `missing-${i}`);
    assert.equal(reads, MAX_CARRIER_KEYS + 1, "the scanned values and traceparent");
    const throwing = new Proxy(target, {
      getOwnPropertyDescriptor: () => {
        throw new Error("trap");
      },
    });
    assert.equal(normalizedCarrierGetter.get(normalizeCarrier(throwing), "traceparent"), undefined);
  });
});

describe("normalizeCarrier: hostile input", () => {
  test("__proto__ and constructor keys pollute no prototype", () => {
    const map = normalizeCarrier(
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"x":1}},"traceparent":"t"}',
    );
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(normalizedCarrierGetter.get(map, "__proto__"), undefined);
    assert.equal(normalizedCarrierGetter.get(map, "constructor"), undefined);
    assert.equal(normalizedCarrierGetter.get(map, "traceparent"), "t");
    assert.equal(get('{"__proto__":"x"}', "__proto__"), "x");
    assert.equal(get({}, "toString"), undefined);
  });

  test("a throwing getter skips that key; a throwing proxy yields what could be read", () => {
    const carrier = {
      get tracestate(): string {
        throw new Error("boom");
      },
      traceparent: TP,
    };
    assert.equal(get(carrier, "traceparent"), TP);
    assert.equal(get(carrier, "tracestate"), undefined);
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("boom");
        },
      },
    );
    assert.equal(normalizeCarrier(proxy).size, 0);
  });

  test("the getter never throws on a carrier that is not a Map", () => {
    assert.equal(normalizedCarrierGetter.get({ traceparent: TP } as never, "traceparent"), undefined);
    assert.deepEqual(normalizedCarrierGetter.keys(null as never), []);
  });

  test("property: never throws on any value, any JSON text", () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withTypedArray: true, withNullPrototype: true }),
        (value) => {
          normalizeCarrier(value);
          normalizeCarrier(
            JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "",
          );
        },
      ),
    );
  });
});

describe("traceCarrierSetter", () => {
  test("writes lower-case names and string values; a later write replaces an earlier one", () => {
    const carrier: TraceCarrier = {};
    traceCarrierSetter.set(carrier, "TraceParent", TP);
    traceCarrierSetter.set(carrier, "X-Datadog-Sampling-Priority", 2 as unknown as string);
    traceCarrierSetter.set(carrier, "traceparent", TP.replace("-01", "-00"));
    assert.deepEqual(carrier, { traceparent: TP.replace("-01", "-00"), "x-datadog-sampling-priority": "2" });
  });

  test("a __proto__ name is an own property, never the prototype", () => {
    const carrier: TraceCarrier = {};
    traceCarrierSetter.set(carrier, "__proto__", "x");
    assert.equal(Object.getPrototypeOf(carrier), Object.prototype);
    assert.deepEqual(Object.entries(carrier), [["__proto__", "x"]]);
  });
});
