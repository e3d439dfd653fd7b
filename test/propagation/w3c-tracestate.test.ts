// W3CTraceState and the tracestate wire rules (Trace Context Level 2 §3.3): grammar, whole-header
// discard, 32 members, truncation order at 512 characters, no empty header, foreign TraceState input.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { oddTracestate, runParameters } from "../hardening/arbitraries.js";
import { createTraceState } from "@opentelemetry/api";
import { TraceState as CoreTraceState } from "@opentelemetry/core";
import { W3CTraceState } from "../../src/propagation/w3c/W3CTraceState.js";
import {
  isValidTraceStateKey,
  isValidTraceStateValue,
  serializeTraceStateForWire,
} from "../../src/propagation/w3c/tracestate.js";

const members = (n: number, prefix = "k") =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, "0")}=${i}`).join(",");

describe("tracestate grammar (Level 2)", () => {
  test("keys: lcalpha or digit first, keychars after, 256 at most, @ anywhere but first", () => {
    for (const key of [
      "a",
      "1foo",
      "foo@",
      "foo@@bar",
      "foo@bar@baz",
      "a_-*/@z",
      `t${"x".repeat(240)}@${"v".repeat(14)}`,
      "z".repeat(256),
    ]) {
      assert.ok(isValidTraceStateKey(key), key);
    }
    for (const key of ["", "@foo", "Foo", "foo.bar", "foo ", "_a", "z".repeat(257), "fo=o", "é"]) {
      assert.ok(!isValidTraceStateKey(key), key);
    }
  });

  test("values: 0x20-0x7E except , and =, no trailing space, 256 at most", () => {
    for (const value of [" 1", "a b", "!~", "v".repeat(256)]) assert.ok(isValidTraceStateValue(value), value);
    for (const value of ["", " ", "1 ", "a,b", "a=b", "a\tb", "é", "v".repeat(257)]) {
      assert.ok(!isValidTraceStateValue(value), JSON.stringify(value));
    }
  });
});

describe("W3CTraceState.fromHeader", () => {
  test("32 members kept in order; 33 discard the whole header", () => {
    assert.equal(W3CTraceState.fromHeader(members(32))?.serialize(), members(32));
    assert.equal(W3CTraceState.fromHeader(members(33)), undefined);
  });

  test("empty and whitespace-only members are skipped; OWS around members removed", () => {
    const ts = W3CTraceState.fromHeader(" , \t,foo=1 \t, ,\tbar= 2 ,");
    assert.equal(ts?.serialize(), "foo=1,bar= 2");
    assert.equal(W3CTraceState.fromHeader(" \t ")?.size, 0);
  });

  test("one invalid member discards the whole header (strict harness rule)", () => {
    for (const header of [
      "@foo=1,bar=2",
      "foo=,bar=3",
      "foo =1,bar=2",
      "FOO=1",
      "bar=2,foo=bar=baz",
      "foo",
      "=1",
      "foo=a\tb",
    ]) {
      assert.equal(W3CTraceState.fromHeader(header), undefined, header);
    }
  });

  test("a repeated key keeps its left-most member", () => {
    assert.equal(W3CTraceState.fromHeader("foo=1,bar=2,foo=3")?.serialize(), "foo=1,bar=2");
  });

  test("property: any list of valid members serializes back to itself", () => {
    const key = fc.stringMatching(/^[a-z0-9][a-z0-9_\-*/@]{0,20}$/);
    const value = fc.stringMatching(/^[ -+\--<>-~]{0,10}[!-+\--<>-~]$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 32 }), (pairs) => {
        const header = pairs.map(([k, v]) => `${k}=${v}`).join(",");
        assert.equal(W3CTraceState.fromHeader(header)?.serialize(), header);
      }),
    );
  });
});

describe("W3CTraceState parsing against a split-based model of §3.3.1", () => {
  test("property: odd tracestates (OWS, empty members, 32+ members, repeated keys, t@s keys, odd dd=) parse as the model says", () => {
    // The model: split on ",", SP/HTAB trimmed around each member (a value's leading spaces are part
    // of it), empty members skipped; each other member `key=value` with a Level 2 key (§3.3.1.3.1) and
    // a value of printable ASCII without `,` `=`, not ending in a space (§3.3.1.3.2); one invalid
    // member or more than 32 members discards the whole header (docs/conformance.md); a repeated key
    // keeps its left-most member.
    const MEMBER = /^([a-z0-9][a-z0-9_*/@-]{0,255})=([ !-+\--<>-~]{0,255}[!-+\--<>-~])$/;
    const model = (header: string): string | undefined => {
      const kept = new Map<string, string>();
      let count = 0;
      for (const part of header.split(",")) {
        const member = part.replace(/^[ \t]+|[ \t]+$/g, "");
        if (member === "") continue;
        const m = MEMBER.exec(member);
        if (!m) return undefined;
        if (++count > 32) return undefined;
        if (!kept.has(m[1]!)) kept.set(m[1]!, m[2]!);
      }
      return [...kept].map(([k, v]) => `${k}=${v}`).join(",");
    };
    fc.assert(
      fc.property(oddTracestate, (header) => {
        const parsed = W3CTraceState.fromHeader(header);
        const expected = model(header);
        if (expected === undefined || expected === "")
          assert.equal(parsed?.serialize() ?? "", expected ?? "", header);
        else assert.equal(parsed?.serialize(), expected, JSON.stringify(header));
      }),
      runParameters(2000),
    );
  });
});

describe("W3CTraceState mutation (§3.5)", () => {
  test("set moves the key to the left; invalid input leaves the list unchanged", () => {
    const ts = W3CTraceState.fromHeader("rojo=1,congo=2")!;
    assert.equal(ts.set("congo", "3").serialize(), "congo=3,rojo=1");
    assert.equal(
      ts.set("dd", "s:1;p:00f067aa0ba902b7").serialize(),
      "dd=s:1;p:00f067aa0ba902b7,rojo=1,congo=2",
    );
    assert.equal(ts.set("Bad", "1"), ts);
    assert.equal(ts.set("ok", "a,b"), ts);
    assert.equal(ts.serialize(), "rojo=1,congo=2");
  });

  test("a 33rd member pushes out the right-most one", () => {
    const ts = W3CTraceState.fromHeader(members(32))!.set("new", "x");
    assert.equal(ts.size, 32);
    assert.equal(ts.get("new"), "x");
    assert.equal(ts.get("k31"), undefined);
    assert.equal(ts.get("k30"), "30");
  });

  test("unset removes only that key; get reads values", () => {
    const ts = W3CTraceState.fromHeader("a=1,b=2,c=3")!;
    assert.equal(ts.unset("b").serialize(), "a=1,c=3");
    assert.equal(ts.unset("zz"), ts);
    assert.equal(ts.get("c"), "3");
    assert.deepEqual(ts.members(), [
      { key: "a", value: "1" },
      { key: "b", value: "2" },
      { key: "c", value: "3" },
    ]);
  });

  test("fromMembers skips invalid pairs and repeated keys, stops at 32", () => {
    const ts = W3CTraceState.fromMembers([
      { key: "a", value: "1" },
      { key: "A", value: "1" },
      { key: "a", value: "2" },
      { key: "b", value: "" },
      { key: "c", value: "3" },
    ]);
    assert.equal(ts.serialize(), "a=1,c=3");
    const many = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    assert.equal(W3CTraceState.fromMembers(many).size, 32);
  });

  test("fromMembers never throws: no iterable, members that are no pair, a throwing iterator give what was read", () => {
    for (const bad of [null, undefined, 5, {}, { key: "a", value: "1" }])
      assert.equal(W3CTraceState.fromMembers(bad as never).serialize(), "", String(bad));
    const mixed = [
      null,
      5,
      "a=1",
      { key: "a", value: "1" },
      {
        get key(): string {
          throw new Error("x");
        },
        value: "2",
      },
    ];
    assert.equal(W3CTraceState.fromMembers(mixed as never).serialize(), "a=1");
    function* throwing() {
      yield { key: "b", value: "2" };
      throw new Error("iterator");
    }
    assert.equal(W3CTraceState.fromMembers(throwing()).serialize(), "b=2");
    assert.equal(W3CTraceState.fromMembers("ab" as never).serialize(), "");
  });
});

describe("tracestate on the wire (§3.3.1.1, §3.3.1.5)", () => {
  test("an empty list sends no header", () => {
    assert.equal(W3CTraceState.empty().wireValue(), undefined);
    assert.equal(serializeTraceStateForWire(new CoreTraceState("")), undefined);
    assert.equal(serializeTraceStateForWire(createTraceState("Invalid=1")), undefined);
    assert.equal(serializeTraceStateForWire(undefined), undefined);
  });

  test("over 512 characters: entries over 128 characters go first (right-most first), then from the right", () => {
    const long1 = `long1=${"a".repeat(150)}`;
    const long2 = `long2=${"b".repeat(150)}`;
    const shorts = Array.from({ length: 8 }, (_, i) => `s${i}=${"c".repeat(30)}`); // 8 x 33 characters
    const header = [shorts[0], long1, ...shorts.slice(1, 4), long2, ...shorts.slice(4)].join(",");
    assert.ok(header.length > 512);
    const wire = W3CTraceState.fromHeader(header)!.wireValue()!;
    // 585 characters; removing long2 (156 + a comma) leaves 428: long1 stays and no short entry goes.
    assert.equal(wire, [shorts[0], long1, ...shorts.slice(1, 4), ...shorts.slice(4)].join(","));
    assert.ok(wire.length <= 512);
  });

  test("when removing long entries is not enough, entries are removed from the end", () => {
    const header = Array.from(
      { length: 20 },
      (_, i) => `m${String(i).padStart(2, "0")}=${"x".repeat(40)}`,
    ).join(",");
    const wire = W3CTraceState.fromHeader(header)!.wireValue()!;
    // 44 characters per member plus commas: 11 members = 11*44 + 10 = 494 <= 512 < 12 members (539).
    assert.equal(wire, header.split(",").slice(0, 11).join(","));
  });

  test("a foreign TraceState is re-read: invalid members dropped, 32 members at most", () => {
    const raw = {
      set: () => raw,
      unset: () => raw,
      get: () => undefined,
      serialize: () => `ok=1, Bad=2 ,${members(40, "m")},ok=dup`,
    };
    const wire = serializeTraceStateForWire(raw)!;
    const keys = wire.split(",").map((m) => m.split("=")[0]);
    assert.equal(keys.length, 32);
    assert.equal(keys[0], "ok");
    assert.ok(!keys.includes("Bad"));
    assert.equal(keys.filter((k) => k === "ok").length, 1);
  });

  test("@opentelemetry/core's TraceState is accepted as input", () => {
    assert.equal(serializeTraceStateForWire(new CoreTraceState("rojo=1,congo=2")), "rojo=1,congo=2");
  });
});
