// The hand-written scanners of the Datadog codecs against reference models written here with regular
// expressions straight from the rules Datadog's tracers follow (the `x-datadog-tags` grammar of
// dd-trace-java `DatadogPTagsCodec`'s eBNF comment and `DatadogPropagationTagsTest`, dd-trace-js
// `text_map.js` `_extractTags`; the `dd=` member's `p:`, Datadog system-tests
// `test_tracestate_w3c_p_extract`): the scanners validate in place for speed, the models say what they
// must answer for any input.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { LaxTraceState, oddDatadogTags, oddPriority, runParameters } from "../hardening/arbitraries.js";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  type Context,
} from "@opentelemetry/api";
import {
  createPropagator,
  getDatadogContext,
  setDatadogContext,
  type DatadogContext,
} from "../../src/index.js";
import { bindDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { describeValue } from "../../src/describe-value.js";
import { EncodedFields } from "../../src/propagation/datadog/injection-fields.js";
import { decodeTagsHeader, encodeTagsHeader, type DecodedTags } from "../../src/propagation/datadog/tags.js";
import {
  decodeDdLastParentId,
  decodeDdMember,
  encodeDdMemberValue,
  parseSamplingPriority,
  relayedDdEntries,
} from "../../src/propagation/datadog/tracestate-dd.js";
import { isValidTraceStateValue } from "../../src/propagation/w3c/tracestate.js";
import { W3CTraceState } from "../../src/propagation/w3c/W3CTraceState.js";

/**
 * Reference `x-datadog-tags` decoder: one trailing comma tolerated; every member must be
 * `key=value` with a key of 0x21-0x7E without `,` `=` and a value of 0x20-0x7E without `,` (dd-trace-java
 * `DatadogPTagsCodec`), else no tags at all (`DatadogPropagationTagsTest`); only `_dd.p.*` keys with a
 * name after the prefix, never the deprecated `_dd.p.upstream_services` (`DatadogPropagationTagsTest`
 * "non p tag dropped", dd-trace-py `_X_DATADOG_TAGS_EXTRACT_REJECT`);
 * `_dd.p.tid` 16 lowercase hex, all-zero skipped (system-tests `test_datadog_128_bit_propagation_tid_*`,
 * dd-trace-java `DatadogHttpCodec`); `_dd.p.dm` `-<digits>` or `<10 lowercase hex>-<digits>`
 * (dd-trace-java `PTagsCodec.validateDecisionMakerTag`); a repeated key keeps its last value.
 */
function referenceDecode(header: string | undefined, maxLength: number): DecodedTags {
  if (header === undefined || header === "") return { tags: {} };
  if (maxLength <= 0) return { tags: {}, error: "disabled" };
  if (header.length > maxLength) return { tags: {}, error: "extract_max_size" };
  const body = header.endsWith(",") ? header.slice(0, -1) : header;
  const tags: Record<string, string> = {};
  let error: string | undefined;
  // Spaces and tabs after a comma are skipped (a header repeated and joined as Node joins it, ", ").
  for (const [index, part] of body.split(",").entries()) {
    const member = index === 0 ? part : part.replace(/^[ \t]+/, "");
    const match = /^([\x21-\x2b\x2d-\x3c\x3e-\x7e]+)=([\x20-\x2b\x2d-\x7e]+)$/.exec(member);
    if (!match) return { tags: {}, error: "decoding_error" };
    const [, key, value] = match as unknown as [string, string, string];
    if (!key.startsWith("_dd.p.") || key === "_dd.p." || key === "_dd.p.upstream_services") continue;
    if (key === "_dd.p.tid") {
      if (!/^[0-9a-f]{16}$/.test(value)) {
        error = `malformed_tid ${value}`;
        continue;
      }
      if (value === "0000000000000000") continue;
    } else if (key === "_dd.p.dm" && !/^([0-9a-f]{10})?-[0-9]+$/.test(value)) {
      error = "decoding_error";
      continue;
    }
    tags[key] = value;
  }
  return error === undefined ? { tags } : { tags, error };
}

const KEYS = [
  "_dd.p.dm",
  "_dd.p.tid",
  "_dd.p.ts",
  "_dd.p.usr.id",
  "_dd.p.upstream_services",
  "_dd.p.",
  "_dd.p",
  "_dd.p.dmx",
  "_dd.p.ti",
  "other",
  "a b",
  "",
  "k=v",
  "_dd.p.é",
];
const VALUES = [
  "-4",
  "-0",
  "-",
  "-12x",
  "abcdef0123-5",
  "ABCDEF0123-5",
  "abcdef012-5",
  "abcdef01234-5",
  "abcdef0123-",
  "640cfd8d00000000",
  "0000000000000000",
  "640CFD8D00000000",
  "640cfd8d0000000",
  "640cfd8d000000000",
  " x ",
  "a=b",
  "",
  "é",
  "\t",
];
const member = fc.oneof(
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)).map(([k, v]) => `${k}=${v}`),
  fc.string({ unit: "binary-ascii", maxLength: 12 }),
  fc.constantFrom("", "=", "==", "k"),
);
const tagsHeader = fc.oneof(
  fc
    .array(member, { minLength: 1, maxLength: 6 })
    .chain((members) => fc.constantFrom("", ",").map((tail) => members.join(",") + tail)),
  fc.string({ unit: "binary-ascii", maxLength: 60 }),
  // Repeated keys, empty members, `,,`, spaces, non-`_dd.p.` keys, `=` in values, non-ASCII, over-length.
  oddDatadogTags,
);

describe("x-datadog-tags decoding (in-place scanner)", () => {
  test("answers as the reference model for any header and limit", () => {
    fc.assert(
      fc.property(tagsHeader, fc.constantFrom(512, 40, 0), (header, max) => {
        const got = decodeTagsHeader(header, max);
        const want = referenceDecode(header, max);
        assert.deepEqual(got, want);
        assert.deepEqual(Object.keys(got.tags), Object.keys(want.tags), "keys in header order");
      }),
      runParameters(3000),
    );
  });

  test("the usual header decodes to its tags, and each rule's edge has its own answer", () => {
    assert.deepEqual(decodeTagsHeader("_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000", 512), {
      tags: { "_dd.p.dm": "-4", "_dd.p.tid": "640cfd8d00000000" },
    });
    assert.deepEqual(decodeTagsHeader("_dd.p.dm=abcdef0123-5", 512), {
      tags: { "_dd.p.dm": "abcdef0123-5" },
    });
    assert.deepEqual(decodeTagsHeader("_dd.p.dm=abcdef0123-", 512), { tags: {}, error: "decoding_error" });
    assert.deepEqual(decodeTagsHeader("_dd.p.tid=640CFD8D00000000,_dd.p.ts=02", 512), {
      tags: { "_dd.p.ts": "02" },
      error: "malformed_tid 640CFD8D00000000",
    });
    assert.deepEqual(decodeTagsHeader("_dd.p.ts=02,", 512), { tags: { "_dd.p.ts": "02" } });
    assert.deepEqual(decodeTagsHeader("_dd.p.ts=02,,", 512), { tags: {}, error: "decoding_error" });
  });
});

describe("dd= member: p: alone", () => {
  test("decodeDdLastParentId gives decodeDdMember's lastParentId for any value", () => {
    const element = fc.oneof(
      fc.constantFrom("p:", "p:891087b8e3b70cb1", "p", ":p", "pp:1", "s:2", "o:rum", "t.dm:-4", ""),
      fc.constantFrom(" p:1", "p :2", "p: 3", "p:4 ", "p:  ", "p p:5"),
      fc.string({ unit: fc.constantFrom("p", ":", ";", "a", "0", " "), maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 6 }), (elements) => {
        const value = elements.join(";");
        assert.equal(decodeDdLastParentId(value), decodeDdMember(value).lastParentId, value);
      }),
      { numRuns: 3000 },
    );
    // dd-trace-js: the first p: with a value.
    assert.equal(decodeDdLastParentId("s:1;p:0000000000000001;p:891087b8e3b70cb1"), "0000000000000001");
    assert.equal(decodeDdLastParentId("p:;s:1;p:891087b8e3b70cb1"), "891087b8e3b70cb1");
    assert.equal(decodeDdLastParentId("s:1;p: ;p:891087b8e3b70cb1"), "891087b8e3b70cb1");
  });
});

/**
 * dd-trace-js 5's reading of a `dd` member value, written here from its source
 * (packages/dd-trace/src/opentracing/propagation/tracestate.js `parseEntries`, `TraceStateData`): the
 * elements as the Map it keeps, in the order its `toString` writes them back. Split on `;`; an element
 * needs a `:`; the key is trimmed and must be non-empty without a space or tab; the value is trimmed at
 * its end and must be non-empty; the entries go into a Map in reverse order, so a key given twice
 * keeps its first value at the place of its last element.
 */
function ddTraceJsEntries(value: string): [string, string][] {
  const entries: [string, string][] = [];
  for (const segment of value.split(";")) {
    const split = segment.indexOf(":");
    if (split === -1) continue;
    const key = segment.slice(0, split).trim();
    if (!key || /[ \t]/.test(key)) continue;
    const entryValue = segment.slice(split + 1).trimEnd();
    if (!entryValue) continue;
    entries.push([key, entryValue]);
  }
  entries.reverse();
  return [...new Map(entries)].reverse();
}

/** Keys tracehop reads from a `dd` member (`s`, `o`, `p`, `t.<name>`). */
const isReadKey = (key: string) => key === "s" || key === "o" || key === "p" || /^t\..+/s.test(key);
/**
 * Keys tracehop relays: neither read nor a tag key (`t.` with no name is one: dd-trace-js reads every
 * `t.` key as a tag, dd-trace-java relays no `t.` element).
 */
const isRelayedKey = (key: string) => !isReadKey(key) && !key.startsWith("t.");

/**
 * The model of tracehop's decoding on top of dd-trace-js's entries: `s` an integer of at most 10
 * digits, `o` and `t.*` with `~` decoded, `p` as is, a malformed `t.dm` dropped alone, the deprecated
 * `t.upstream_services` skipped (dd-trace-java `W3CPTagsCodec`; dd-trace-js keeps it).
 */
function referenceDdMember(value: string): ReturnType<typeof decodeDdMember> {
  const member: ReturnType<typeof decodeDdMember> = { tags: {} };
  for (const [key, item] of ddTraceJsEntries(value)) {
    if (key === "s") {
      // Set even when not an integer (undefined): the flag then decides.
      member.samplingPriority = /^[-+]?[0-9]{1,10}$/.test(item) ? Number(item) : undefined;
    } else if (key === "o") member.origin = item.replaceAll("~", "=");
    else if (key === "p") member.lastParentId = item;
    else if (isReadKey(key)) {
      const tag = `_dd.p.${key.slice(2)}`;
      const tagValue = item.replaceAll("~", "=");
      if (tag === "_dd.p.upstream_services") continue;
      if (tag !== "_dd.p.dm" || /^([0-9a-f]{10})?-[0-9]+$/.test(tagValue)) member.tags[tag] = tagValue;
    }
  }
  return member;
}

/** The model of {@link relayedDdEntries}: dd-trace-js's entries whose key tracehop does not read. */
function referenceRelayed(value: string): string {
  return ddTraceJsEntries(value)
    .filter(([key, item]) => isRelayedKey(key) && isValidTraceStateValue(`${key}:${item}`))
    .map(([key, item]) => `;${key}:${item}`)
    .join("");
}

/** `dd` member values: known and unknown keys, repeated keys, spaces, empty and malformed elements. */
const ddMemberValue = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constantFrom("s:1", "s:2", "s:-1", "s:x", "o:rum", "o:a~b", "p:891087b8e3b70cb1", "p:XX!X"),
        fc.constantFrom(
          "t.dm:-4",
          "t.dm:abc",
          "t.usr:bob",
          "t.tid:640cfd8d00000000",
          "t.:v",
          "t.",
          "t.upstream_services:abc",
        ),
        fc.constantFrom("x:1", "x:2", "y:abc", "ab:c:d", "z~:~", "k.v:1", "t:1", "s.x:1", "S:1", "tt:1"),
        fc.constantFrom("", "x", ":", ":v", "x:", " x:1", "x :1", "x: 1", "x:1 ", "x y:1", " s:1", "o:rum "),
        fc.string({
          unit: fc.constantFrom("s", "t", ".", ":", "x", "1", " ", "~", "é", "\u0000"),
          maxLength: 6,
        }),
      ),
      { maxLength: 8 },
    )
    .map((elements) => elements.join(";")),
  fc.string({ unit: fc.constantFrom("s", "o", "p", "t", ".", ":", ";", "x", "1", " "), maxLength: 30 }),
);

describe("dd= member: dd-trace-js's element grammar", () => {
  test("decodeDdMember and relayedDdEntries answer as the model of dd-trace-js's parse for any value", () => {
    fc.assert(
      fc.property(ddMemberValue, (value) => {
        assert.deepEqual(decodeDdMember(value), referenceDdMember(value), JSON.stringify(value));
        assert.equal(relayedDdEntries(value), referenceRelayed(value), JSON.stringify(value));
      }),
      { numRuns: 5000 },
    );
  });

  test("a key given twice takes its first value; elements dd-trace-js skips are skipped", () => {
    assert.deepEqual(decodeDdMember("s:2;o:rum;s:1;o:web;p:0000000000000001;p:2;t.usr:a;t.usr:b"), {
      samplingPriority: 2,
      origin: "rum",
      lastParentId: "0000000000000001",
      tags: { "_dd.p.usr": "a" },
    });
    // The first t.dm decides, even when it is not a decision maker (then there is none).
    assert.deepEqual(decodeDdMember("t.dm:abc;t.dm:-4").tags, {});
    // Empty values, a key with a space inside, no colon: skipped; keys trimmed, values trimmed at the end.
    assert.deepEqual(decodeDdMember("s:;s :2;o:rum ;x y:1;p"), {
      samplingPriority: 2,
      origin: "rum",
      tags: {},
    });
  });

  test("unknown keys are relayed as dd-trace-js writes them back: trimmed, first value, last place", () => {
    assert.equal(relayedDdEntries("s:1;o:rum;p:891087b8e3b70cb1;t.dm:-4;t.usr:bob"), "");
    assert.equal(relayedDdEntries("s:1;x:abc;p:00000000000000aa;t.foo:bar;z:1"), ";x:abc;z:1");
    assert.equal(relayedDdEntries("x:1;y:1;x:2"), ";y:1;x:1");
    assert.equal(relayedDdEntries("s:1; k:v;k k:v;z: v ;x;y:;:z;t.:w"), ";k:v;z: v");
    // `t.` (also `t. ` trimmed) is a tag key with no name: neither read nor relayed.
    assert.equal(relayedDdEntries("s:1;t. :w;t.x y:1;s :2"), "");
    assert.equal(relayedDdEntries("t.:w;x:1;t. :v"), ";x:1");
    // A character no tracestate value holds (a TraceState built by other code): not relayed.
    assert.equal(relayedDdEntries("a:1;b:é;c:x=y;d:2"), ";a:1;d:2");
  });
});

describe("a `_dd.p.` key with no tag name", () => {
  test("is skipped alone on extract and never written (x-datadog-tags and dd=)", () => {
    // Found by the interop property "odd Datadog headers": `x-datadog-tags: _dd.p.=x` was kept as the
    // tag `_dd.p.`, written back as `t.:x` in the dd= member (which no tracehop reader takes as a tag)
    // while dd-trace-js refuses such a header (`tagKeyExpr` needs a name after the prefix).
    assert.deepEqual(decodeTagsHeader("_dd.p.=x", 512), { tags: {} });
    assert.deepEqual(decodeTagsHeader("_dd.p.=x,_dd.p.a=1,_dd.p.dm=-4", 512), {
      tags: { "_dd.p.a": "1", "_dd.p.dm": "-4" },
    });
    const propagator = createPropagator(["datadog", "tracecontext"]);
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      { "x-datadog-trace-id": "1", "x-datadog-parent-id": "1", "x-datadog-tags": "_dd.p.=x,_dd.p.a=1" },
      defaultTextMapGetter,
    );
    assert.deepEqual(getDatadogContext(ctx)?.propagationTags, { "_dd.p.a": "1" });
    // Given by code (setDatadogContext): not written either.
    const set = setDatadogContext(ctx, { propagationTags: { "_dd.p.": "y", "_dd.p.b": "2" } });
    const carrier: Record<string, string> = {};
    propagator.inject(set, carrier, defaultTextMapSetter);
    assert.equal(carrier["x-datadog-tags"], "_dd.p.b=2");
    assert.equal(carrier.tracestate, "dd=s:1;p:0000000000000001;t.b:2");
  });

  test("`t.` in a dd= member (`t.:x`, `t. :x`) is skipped the same way: not read, not relayed", () => {
    // `t.` with no name is no `_dd.p.*` tag, as `_dd.p.=x` is none in x-datadog-tags: relayed as an
    // unknown element, it would travel on with every injection.
    const child = "00000000000000c1";
    const tracestate = "dd=s:1;t.:x;t.a:1;t. :y;k:v,rojo=1";
    for (const [label, extracted] of [
      ["tracecontext wins", { traceparent: `00-${"0".repeat(28)}abcd-00000000000000f1-01`, tracestate }],
      [
        "datadog wins, tracestate of the same trace adopted",
        {
          "x-datadog-trace-id": String(0xabcd),
          "x-datadog-parent-id": String(0xf1),
          "x-datadog-sampling-priority": "1",
          "x-datadog-tags": "_dd.p.a=1",
          traceparent: `00-${"0".repeat(28)}abcd-00000000000000f1-01`,
          tracestate,
        },
      ],
    ] as const) {
      const propagator = createPropagator(["datadog", "tracecontext"]);
      const ctx = propagator.extract(ROOT_CONTEXT, extracted, defaultTextMapGetter);
      assert.deepEqual(getDatadogContext(ctx)?.propagationTags, { "_dd.p.a": "1" }, label);
      const parent = trace.getSpanContext(ctx)!;
      const carrier: Record<string, string> = {};
      propagator.inject(
        trace.setSpanContext(ctx, { ...parent, spanId: child, isRemote: false }),
        carrier,
        defaultTextMapSetter,
      );
      assert.equal(carrier["x-datadog-tags"], "_dd.p.a=1", label);
      assert.equal(carrier.tracestate, `dd=s:1;p:${child};t.a:1;k:v,rojo=1`, label);
    }
    // Without a known element before it (the scan that finds no relayed element in the usual case).
    assert.equal(relayedDdEntries("t.:x"), "");
    assert.equal(relayedDdEntries("t. :x;t.:y"), "");
  });
});

describe("sampling priority text", () => {
  test("-0 is read as 0, never as the number -0 (x-datadog-sampling-priority and s:)", () => {
    // Found by the hardening property "inject after extract is stable" (contextFromCarrier, a Buffer
    // `2d 30`): -0 was kept, written back as "0", and deepStrictEqual tells -0 from 0.
    for (const text of ["-0", "+0", "0", "-00", "00"])
      assert.ok(Object.is(parseSamplingPriority(text), 0), text);
    assert.ok(Object.is(decodeDdMember("s:-0").samplingPriority, 0));
    const ctx = createPropagator(["datadog"]).extract(
      ROOT_CONTEXT,
      { "x-datadog-trace-id": "1", "x-datadog-parent-id": "1", "x-datadog-sampling-priority": "-0" },
      defaultTextMapGetter,
    );
    assert.ok(Object.is(getDatadogContext(ctx)?.samplingPriority, 0));
    assert.equal(parseSamplingPriority("-1"), -1);
  });

  test("property: parseSamplingPriority answers as a model (sign, leading zeros, at most 10 digits)", () => {
    const model = (text: string) => (/^[-+]?0*[0-9]{1,10}$/.test(text) ? Number(text) + 0 : undefined);
    fc.assert(
      fc.property(
        fc.oneof(
          oddPriority,
          fc
            .tuple(fc.constantFrom("", "+", "-"), fc.nat(15), fc.integer({ min: 0, max: 2 ** 40 }))
            .map(([sign, zeros, n]) => `${sign}${"0".repeat(zeros)}${n}`),
        ),
        (text) => {
          const got = parseSamplingPriority(text);
          assert.equal(got, model(text), JSON.stringify(text));
          assert.ok(!Object.is(got, -0));
          // The same text as a dd= member's `s:` (only signs and digits: what no element grammar trims).
          if (/^[-+0-9]+$/.test(text)) assert.equal(decodeDdMember(`s:${text}`).samplingPriority, got);
        },
      ),
      runParameters(2000),
    );
  });

  test("leading zeros do not count toward the 10-digit limit (x-datadog-sampling-priority and s:)", () => {
    // Found by the interop property "odd Datadog headers" (dd-trace-js, Java, Go and Python read
    // `00000000000` as 0): the 11 characters were counted as 11 digits and the whole context refused.
    assert.equal(parseSamplingPriority("00000000000"), 0);
    assert.equal(parseSamplingPriority("00000000001"), 1);
    assert.equal(parseSamplingPriority("-000000000002"), -2);
    assert.equal(parseSamplingPriority("+0000000000000000000001"), 1);
    assert.equal(parseSamplingPriority("0001234567890"), 1234567890);
    // Still at most 10 significant digits, and still only digits.
    assert.equal(parseSamplingPriority("12345678901"), undefined);
    assert.equal(parseSamplingPriority("0012345678901"), undefined);
    for (const text of ["", "+", "-", "0x1", "0 ", "00 1", "-+1", "1.0"])
      assert.equal(parseSamplingPriority(text), undefined, JSON.stringify(text));
    assert.equal(decodeDdMember("s:0002").samplingPriority, 2);
    const ctx = createPropagator(["datadog"]).extract(
      ROOT_CONTEXT,
      { "x-datadog-trace-id": "1", "x-datadog-parent-id": "0", "x-datadog-sampling-priority": "00000000000" },
      defaultTextMapGetter,
    );
    assert.equal(getDatadogContext(ctx)?.samplingPriority, 0);
    const carrier: Record<string, string> = {};
    const withParent = createPropagator(["datadog"]).extract(
      ROOT_CONTEXT,
      {
        "x-datadog-trace-id": "1",
        "x-datadog-parent-id": "5",
        "x-datadog-sampling-priority": "000000000002",
      },
      defaultTextMapGetter,
    );
    createPropagator(["datadog"]).inject(withParent, carrier, defaultTextMapSetter);
    assert.deepEqual(carrier, {
      "x-datadog-trace-id": "1",
      "x-datadog-parent-id": "5",
      "x-datadog-sampling-priority": "2",
    });
  });
});

describe("x-datadog-tags encoding of tags bound by untyped code", () => {
  test("a tag value that is not a string is never written, whatever its toString says (no CR/LF injection)", () => {
    // setDatadogContext refuses such values (a TypeError); the encoder must not rely on it (extraction
    // and internal binding are other ways in). An object has no length, so a check of its characters finds
    // none to refuse, and its toString would write "\r\nx-evil: 1" into the header.
    const evil = { toString: () => "\r\nx-evil: 1" };
    for (const value of [evil, 5, true, null, ["a"], new String("ok")] as unknown[]) {
      const tags = { "_dd.p.usr": value } as unknown as Record<string, string>;
      assert.equal(encodeTagsHeader(tags, "0000000000000000", 512), undefined, String(value));
      // The trace id's upper half is no tag of the trace: it is sent alone.
      assert.equal(
        encodeTagsHeader({ "_dd.p.dm": value } as unknown as Record<string, string>, "640cfd8d00000000", 512),
        "_dd.p.tid=640cfd8d00000000",
        `dm ${String(value)}`,
      );
    }
    assert.equal(encodeTagsHeader({ "_dd.p.usr": "ok" }, "0000000000000000", 512), "_dd.p.usr=ok");
    const ctx = bindDatadogContext(
      ROOT_CONTEXT,
      { propagationTags: { "_dd.p.usr": evil as unknown as string } },
      undefined,
    );
    const carrier: Record<string, string> = {};
    createPropagator(["datadog"]).inject(
      trace.setSpanContext(ctx, {
        traceId: "640cfd8d00000000ab54a98ceb1f0ad2",
        spanId: "891087b8e3b70cb1",
        traceFlags: 1,
        isRemote: false,
      }),
      carrier,
      defaultTextMapSetter,
    );
    assert.equal(carrier["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    // The rest of the carrier is still written: only the tags are left out.
    assert.equal(carrier["x-datadog-trace-id"], BigInt("0xab54a98ceb1f0ad2").toString());
    assert.equal(carrier["x-datadog-sampling-priority"], "1");
  });
});

describe("dd= member encoding", () => {
  test("encodeDdMemberValue always gives a valid tracestate value, whatever the origin and tags", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: "binary", maxLength: 8 }),
      fc.constantFrom("synthetics", "rum ", " ", "a=b", "x,y;z~", "\u0000", "é", ""),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 1e9 }),
        fc.option(text, { nil: undefined }),
        fc.constantFrom("891087b8e3b70cb1", "00f067aa0ba902b7"),
        fc.dictionary(
          fc.oneof(
            fc.constantFrom("_dd.p.dm", "_dd.p.ts", "_dd.p.tid", "other"),
            text.map((k) => `_dd.p.${k}`),
          ),
          text,
          { maxKeys: 5 },
        ),
        fc.constantFrom("640cfd8d00000000", "0000000000000000"),
        (priority, origin, parentId, tags, high) => {
          const value = encodeDdMemberValue(priority, origin, parentId, tags, high);
          assert.ok(isValidTraceStateValue(value), JSON.stringify(value));
          assert.ok(value.startsWith(`s:${priority};`) && value.includes(`;p:${parentId}`), value);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test("the encodings kept for a trace (EncodedFields) equal the encoders' output for every priority, parent and limit", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ maxLength: 120 }),
      fc.constantFrom("synthetics", "rum ", "a=b", "x,y;z~", "\u0000", "é", "", "v".repeat(200)),
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(9_999_999_999, -9_999_999_999)),
        fc.option(text, { nil: undefined }),
        fc.array(fc.constantFrom("891087b8e3b70cb1", "00f067aa0ba902b7", "ffffffffffffffff"), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.dictionary(
          fc.oneof(
            fc.constantFrom("_dd.p.dm", "_dd.p.ts", "_dd.p.usr"),
            text.map((k) => `_dd.p.${k}`),
          ),
          text,
          { maxKeys: 4 },
        ),
        fc.constantFrom("640cfd8d00000000", "0000000000000000"),
        fc.constantFrom(0, 40, 512),
        (priority, origin, parentIds, tags, high, maxLength) => {
          const encoded = new EncodedFields(`${high}ab54a98ceb1f0ad2`, origin, tags, undefined);
          // Asked more than once (later spans of the trace): the same answers.
          for (const parentId of [...parentIds, ...parentIds]) {
            assert.equal(
              encoded.ddMemberValue(priority, parentId),
              encodeDdMemberValue(priority, origin, parentId, tags, high),
            );
            assert.equal(encoded.tagsHeader(maxLength), encodeTagsHeader(tags, high, maxLength));
          }
          assert.equal(encoded.traceIdDecimal(), BigInt("0xab54a98ceb1f0ad2").toString(10));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("relayed elements come after the known ones; one that would overflow 256 characters is skipped alone", () => {
    const none = "0000000000000000";
    assert.equal(
      encodeDdMemberValue(1, "rum", "891087b8e3b70cb1", { "_dd.p.dm": "-4" }, none, ";x:abc;y:1"),
      "s:1;o:rum;p:891087b8e3b70cb1;t.dm:-4;x:abc;y:1",
    );
    const long = `;big:${"v".repeat(200)}`;
    const value = encodeDdMemberValue(
      1,
      undefined,
      "891087b8e3b70cb1",
      { "_dd.p.usr": "bob" },
      none,
      `;a:1${long};b:2`,
    );
    assert.equal(value, `s:1;p:891087b8e3b70cb1;t.usr:bob;a:1${long};b:2`);
    const longer = `;big:${"v".repeat(221)}`;
    assert.equal(
      encodeDdMemberValue(
        1,
        undefined,
        "891087b8e3b70cb1",
        { "_dd.p.usr": "bob" },
        none,
        `;a:1${longer};b:2`,
      ),
      "s:1;p:891087b8e3b70cb1;t.usr:bob;a:1;b:2",
    );
    // Exactly at the limit (256 with `dd=`): kept; one character more: skipped.
    const known = "s:1;p:891087b8e3b70cb1;t.usr:bob";
    const fits = `;big:${"v".repeat(253 - known.length - 5)}`;
    const tags = { "_dd.p.usr": "bob" };
    assert.equal(encodeDdMemberValue(1, undefined, "891087b8e3b70cb1", tags, none, fits), known + fits);
    assert.equal(encodeDdMemberValue(1, undefined, "891087b8e3b70cb1", tags, none, `${fits}v`), known);
  });

  test("the dd= value kept for a trace relays the elements of the injected span's tracestate, re-read when it changes", () => {
    const none = "0000000000000000";
    const encoded = new EncodedFields(`${none}ab54a98ceb1f0ad2`, "rum", { "_dd.p.dm": "-4" }, undefined);
    const stateA = W3CTraceState.fromHeader("dd=s:1;x:abc;o:rum,rojo=1")!;
    const stateB = W3CTraceState.fromHeader("dd=s:1;o:rum;y:2")!;
    const plain = W3CTraceState.fromHeader("dd=s:1;o:rum")!;
    const base = "s:2;o:rum;p:891087b8e3b70cb1;t.dm:-4";
    for (const [state, relayed] of [
      [undefined, ""],
      [stateA, ";x:abc"],
      [stateA, ";x:abc"],
      [stateB, ";y:2"],
      [plain, ""],
      [stateA, ";x:abc"],
      [undefined, ""],
    ] as const)
      assert.equal(encoded.ddMemberValue(2, "891087b8e3b70cb1", state), base + relayed, String(relayed));
  });

  test("an origin or tag value ending in a space is skipped alone, like an entry that would overflow", () => {
    const none = "0000000000000000";
    assert.equal(encodeDdMemberValue(1, "rum ", "891087b8e3b70cb1", {}, none), "s:1;p:891087b8e3b70cb1");
    assert.equal(
      encodeDdMemberValue(1, "rum", "891087b8e3b70cb1", { "_dd.p.usr": "bob ", "_dd.p.dm": "-4" }, none),
      "s:1;o:rum;p:891087b8e3b70cb1;t.dm:-4",
    );
    const long = "v".repeat(250);
    assert.equal(
      encodeDdMemberValue(2, undefined, "891087b8e3b70cb1", { "_dd.p.usr": long, "_dd.p.dm": "-4" }, none),
      "s:2;p:891087b8e3b70cb1;t.dm:-4",
    );
    assert.equal(
      encodeDdMemberValue(2, "rum", "891087b8e3b70cb1", { "_dd.p.dm": "-4" }, "640cfd8d00000000"),
      "s:2;o:rum;p:891087b8e3b70cb1;t.dm:-4;t.tid:640cfd8d00000000",
    );
  });
  test("an empty origin or tag value is skipped alone: dd-trace-java refuses the whole dd member for an element without a value", () => {
    const none = "0000000000000000";
    assert.equal(
      encodeDdMemberValue(1, "rum", "891087b8e3b70cb1", { "_dd.p.usr": "", "_dd.p.dm": "-4" }, none),
      "s:1;o:rum;p:891087b8e3b70cb1;t.dm:-4",
    );
    assert.equal(
      encodeDdMemberValue(1, undefined, "891087b8e3b70cb1", { "_dd.p.dm": "" }, none),
      "s:1;p:891087b8e3b70cb1",
    );
  });

  test("p: is always written: an origin that would leave it no room is skipped", () => {
    const none = "0000000000000000";
    // 230 characters of origin: `s:1;o:` + 230 fits the 253 of a dd value, `;p:` + 16 hex then does not.
    const origin = "o".repeat(230);
    assert.equal(encodeDdMemberValue(1, origin, "891087b8e3b70cb1", {}, none), "s:1;p:891087b8e3b70cb1");
    const fits = "o".repeat(253 - "s:1;o:".length - ";p:891087b8e3b70cb1".length);
    assert.equal(
      encodeDdMemberValue(1, fits, "891087b8e3b70cb1", {}, none),
      `s:1;o:${fits};p:891087b8e3b70cb1`,
    );
  });

  test("a foreign TraceState's member under a key with OWS (` dd`) is not sent as the dd member of a W3C-only trace", () => {
    // get("dd") finds no member, so the trace has no Datadog fields; its serialisation ` dd=t.dm:-4`
    // reads as `dd=t.dm:-4` once OWS is trimmed, a dd member tracehop never looked at.
    const traceState = new LaxTraceState([
      ["rojo", "1"],
      [" dd", "t.dm:-4"],
    ]);
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
      isRemote: true,
      traceState,
    });
    const carrier: Record<string, string> = {};
    createPropagator(["tracecontext"]).inject(ctx, carrier, defaultTextMapSetter);
    assert.deepEqual(carrier, {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      tracestate: "rojo=1",
    });
  });
});

describe("fields set by an untyped caller (setDatadogContext from JavaScript)", () => {
  const span = {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: 1,
    isRemote: false,
  };
  const evil = { toString: () => "\r\nx-evil: 1" };

  test("fields that are not a plain object: a TypeError naming setDatadogContext and the value, ctx unchanged", () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, span);
    const given: [unknown, string][] = [
      [null, "null"],
      [undefined, "undefined"],
      [5, "5"],
      ["x", '"x"'],
      [[{ samplingPriority: 2 }], "an array"],
      [new Map([["samplingPriority", 2]]), "a Map"],
    ];
    for (const [fields, shown] of given)
      assert.throws(() => setDatadogContext(ctx, fields as never), {
        name: "TypeError",
        message:
          "tracehop setDatadogContext: fields must be a plain object " +
          `({ samplingPriority?, origin?, propagationTags?, lastParentId? }), got ${shown}`,
      });
    assert.equal(getDatadogContext(ctx), undefined);
    // A ctx that is not a Context: the same kind of answer, not "Cannot read properties of null".
    assert.throws(() => setDatadogContext(null as never, { propagationTags: {} }), {
      name: "TypeError",
      message:
        "tracehop setDatadogContext: ctx must be a Context from @opentelemetry/api " +
        "(context.active(), trace.setSpan(...)), got null",
    });
    // A plain object without a prototype is fields like any other.
    const bare = Object.assign(Object.create(null) as DatadogContext, {
      samplingPriority: 2,
      propagationTags: {},
    });
    assert.deepEqual(getDatadogContext(setDatadogContext(ctx, bare)), {
      samplingPriority: 2,
      propagationTags: {},
    });
  });

  test("a misspelt field name is a TypeError naming it and the field meant (or listing the fields), not ignored", () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, span);
    const fieldList = "the fields are samplingPriority, origin, propagationTags, lastParentId";
    for (const [fields, key, hint] of [
      [{ samplingPrio: 2 }, "samplingPrio", fieldList],
      [{ propagationTag: { "_dd.p.dm": "-4" } }, "propagationTag", "did you mean propagationTags?"],
      [{ samplingPriority: 2, Origin: "rum" }, "Origin", "did you mean origin?"],
      [{ sampling_priority: 2 }, "sampling_priority", "did you mean samplingPriority?"],
      [{ "_dd.p.dm": "-4" }, "_dd.p.dm", fieldList],
    ] as const)
      assert.throws(() => setDatadogContext(ctx, fields as never), {
        name: "TypeError",
        message: `tracehop setDatadogContext: there is no field "${key}"; ${hint}`,
      });
  });

  test("every field is optional: {} and undefined members store no priority, no origin, no tags", () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, span);
    assert.deepEqual(getDatadogContext(setDatadogContext(ctx, {})), { propagationTags: {} });
    assert.deepEqual(
      getDatadogContext(
        setDatadogContext(ctx, {
          samplingPriority: undefined,
          origin: undefined,
          propagationTags: undefined,
          lastParentId: undefined,
        }),
      ),
      { propagationTags: {} },
    );
  });

  test("a value of the wrong type is a TypeError naming the field, what to give and the value", () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, span);
    const PRIORITY =
      "samplingPriority must be a number (-1 user reject, 0 auto reject, 1 auto keep, 2 user keep)";
    const ORIGIN = 'origin must be text ("synthetics", "rum"; "" for none)';
    const PARENT = 'lastParentId must be text, the last Datadog span id as 16 hex ("" for none)';
    const TAGS = 'propagationTags must be a plain object of "_dd.p.*" tags ({ "_dd.p.dm": "-4" })';
    const tagValue = (key: string) => `propagationTags[${JSON.stringify(key)}] must be text`;
    const cases: [fields: Record<string, unknown>, message: string][] = [
      // The header's text for the number, not the number: stored, it would be injected as the sampled
      // flag's 1.
      [{ samplingPriority: "2" }, `${PRIORITY}, got "2"`],
      [{ samplingPriority: null }, `${PRIORITY}, got null`],
      [{ samplingPriority: true }, `${PRIORITY}, got true`],
      [{ samplingPriority: 2n }, `${PRIORITY}, got 2n`],
      [{ origin: 42 }, `${ORIGIN}, got 42`],
      [{ origin: evil }, `${ORIGIN}, got an object`],
      [{ origin: null }, `${ORIGIN}, got null`],
      [{ lastParentId: 42 }, `${PARENT}, got 42`],
      [{ propagationTags: "abc" }, `${TAGS}, got "abc"`],
      [{ propagationTags: ["_dd.p.x=1"] }, `${TAGS}, got an array`],
      [{ propagationTags: new Map([["_dd.p.x", "1"]]) }, `${TAGS}, got a Map`],
      [{ propagationTags: null }, `${TAGS}, got null`],
      // A tag that is not text: refused here, not left out without a word at injection.
      [{ propagationTags: { "_dd.p.usr": 42 } }, `${tagValue("_dd.p.usr")}, got 42`],
      [{ propagationTags: { "_dd.p.usr": evil } }, `${tagValue("_dd.p.usr")}, got an object`],
    ];
    for (const [fields, message] of cases)
      assert.throws(
        () => setDatadogContext(ctx, { samplingPriority: 2, ...fields } as never),
        { name: "TypeError", message: `tracehop setDatadogContext: ${message}` },
        JSON.stringify(fields, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
      );
  });

  test("values of the right type are stored as given, and injection answers for what the wire cannot carry", () => {
    // setDatadogContext judges types, not values: a tag or origin outside the wire grammar is left out
    // or escaped by injection, as for an extracted one (the handed vectors inject-tags-invalid-value-
    // omitted and inject-tag-key-value-sanitised set such tags through it).
    const ctx = trace.setSpanContext(ROOT_CONTEXT, span);
    const fields: DatadogContext = {
      origin: "rüm\r\n",
      propagationTags: { "_dd.p.usr": "a,b", "_dd.p.a b": "x", "usr.id": "bob" },
      lastParentId: "b7ad\n6b71",
    };
    const set = setDatadogContext(ctx, fields);
    assert.deepEqual(getDatadogContext(set), fields);
    const carrier: Record<string, string> = {};
    createPropagator(["datadog", "tracecontext"]).inject(set, carrier, defaultTextMapSetter);
    // The tags are left out; the trace id's upper half is not one of them.
    assert.equal(carrier["x-datadog-tags"], `_dd.p.tid=${span.traceId.slice(0, 16)}`);
    assert.equal(carrier["x-datadog-origin"], undefined);
    for (const value of Object.values(carrier)) assert.match(value, /^[\x20-\x7e]*$/);
  });

  test("samplingPriority: an integer of at most 10 digits (what extraction reads back), anything else a RangeError naming it", () => {
    // 1.5, NaN, Infinity and 2^40 are no priority extraction reads back: stored, they would be injected
    // as the sampled flag's "1".
    const ctx = trace.setSpanContext(ROOT_CONTEXT, span);
    for (const priority of [
      1.5,
      -0.5,
      NaN,
      Infinity,
      -Infinity,
      2 ** 40,
      1e10,
      -1e10,
      Number.MAX_SAFE_INTEGER,
    ])
      assert.throws(() => setDatadogContext(ctx, { samplingPriority: priority }), {
        name: "RangeError",
        message: `tracehop setDatadogContext: samplingPriority must be an integer from -9999999999 to 9999999999 (at most 10 digits: what x-datadog-sampling-priority and tracestate dd=s: are read back as; -1 user reject, 0 auto reject, 1 auto keep, 2 user keep), got ${describeValue(priority)}`,
      });
    // Every accepted priority is injected as given and extracted back as given.
    const propagator = createPropagator(["datadog", "tracecontext"]);
    for (const priority of [2 ** 31, -(2 ** 31), 9_999_999_999, -9_999_999_999, 3, -2]) {
      const carrier: Record<string, string> = {};
      // The span's sampled flag agrees with the priority (injection lets the flag win a conflict).
      const decided = trace.setSpanContext(ROOT_CONTEXT, { ...span, traceFlags: priority > 0 ? 1 : 0 });
      propagator.inject(
        setDatadogContext(decided, { samplingPriority: priority }),
        carrier,
        defaultTextMapSetter,
      );
      assert.equal(carrier["x-datadog-sampling-priority"], String(priority));
      const back = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      assert.equal(getDatadogContext(back)?.samplingPriority, priority);
    }
  });

  test("fields whose prototype is another object or of another realm: the TypeError says why they are no plain object", () => {
    const SHAPE = "({ samplingPriority?, origin?, propagationTags?, lastParentId? })";
    assert.throws(() => setDatadogContext(ROOT_CONTEXT, Object.create({ samplingPriority: 2 }) as never), {
      name: "TypeError",
      message:
        `tracehop setDatadogContext: fields must be a plain object ${SHAPE}, got an object whose prototype is not ` +
        "Object.prototype (Object.create(...)): its fields are inherited, not its own; pass an object literal of " +
        "the fields ({ ...object } copies its own fields alone)",
    });
    const foreign = runInNewContext("({ samplingPriority: 2 })") as never;
    assert.throws(() => setDatadogContext(ROOT_CONTEXT, foreign), {
      name: "TypeError",
      message:
        `tracehop setDatadogContext: fields must be a plain object ${SHAPE}, got an object of another realm (a vm ` +
        "context): pass a plain object literal made in this realm ({ ...object } copies it)",
    });
    assert.throws(
      () => setDatadogContext(ROOT_CONTEXT, { propagationTags: runInNewContext("({})") as never }),
      {
        name: "TypeError",
        message:
          'tracehop setDatadogContext: propagationTags must be a plain object of "_dd.p.*" tags ({ "_dd.p.dm": "-4" }), ' +
          "got an object of another realm (a vm context): pass a plain object literal made in this realm ({ ...object } copies it)",
      },
    );
    // Prototype-less objects are plain (as every entry point takes them).
    const bare = Object.assign(Object.create(null) as object, { samplingPriority: 2 });
    assert.equal(getDatadogContext(setDatadogContext(ROOT_CONTEXT, bare))?.samplingPriority, 2);
  });

  test("the values extraction could store are kept as given; -0 becomes 0 and an empty origin or parent id none", () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, span);
    const kept: DatadogContext[] = [
      { samplingPriority: -1, propagationTags: {} },
      { samplingPriority: -2, propagationTags: {} },
      { samplingPriority: 9_999_999_999, propagationTags: {} },
      { samplingPriority: -9_999_999_999, propagationTags: {} },
      // x-datadog-origin is copied verbatim, `,` and `=` included (the dd= member escapes them).
      { origin: "synthetics;=web,z", propagationTags: {} },
      { origin: " ", propagationTags: {} },
      // tracestate p: is copied unvalidated (and written back only when it is 16 hex).
      { lastParentId: "XX!X", propagationTags: {} },
      { lastParentId: "ABCDEF0123456789", propagationTags: {} },
      {
        propagationTags: {
          "_dd.p.dm": "abcdef0123-5",
          "_dd.p.tid": "640cfd8d00000000",
          "_dd.p.usr.id": "baz64==",
          "_dd.p.ts": "02",
          "_dd.p.x": " a b ",
        },
      },
    ];
    for (const fields of kept) assert.deepEqual(getDatadogContext(setDatadogContext(ctx, fields)), fields);
    assert.deepEqual(
      getDatadogContext(setDatadogContext(ctx, { samplingPriority: -0, origin: "", lastParentId: "" })),
      { samplingPriority: 0, propagationTags: {} },
    );
    assert.ok(
      Object.is(getDatadogContext(setDatadogContext(ctx, { samplingPriority: -0 }))!.samplingPriority, 0),
    );
  });

  test("whatever extraction stored is accepted back: setDatadogContext(ctx, {...getDatadogContext(ctx)}) keeps it", () => {
    const propagator = createPropagator(["datadog", "tracecontext"]);
    const carrier = fc.record(
      {
        "x-datadog-trace-id": fc.oneof(fc.constant("12345678901234567890"), fc.constant("1")),
        "x-datadog-parent-id": fc.constantFrom("1", "0"),
        "x-datadog-sampling-priority": oddPriority,
        "x-datadog-origin": fc.string({ unit: "binary-ascii", maxLength: 12 }),
        "x-datadog-tags": oddDatadogTags,
        traceparent: fc.constantFrom(
          "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
          "00-0000000000000000ab54a98ceb1f0ad2-891087b8e3b70cb1-00",
        ),
        tracestate: fc.oneof(
          fc.string({ unit: "binary-ascii", maxLength: 40 }).map((v) => `dd=${v}`),
          fc
            .array(
              fc.tuple(fc.constantFrom("s", "o", "p", "t.dm", "t.tid", "t.usr", "t.", "x"), fc.string()),
              {
                maxLength: 5,
              },
            )
            .map((elements) => `dd=${elements.map(([k, v]) => `${k}:${v}`).join(";")},rojo=1`),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(carrier, (headers) => {
        const ctx = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
        const stored = getDatadogContext(ctx);
        if (stored === undefined) return;
        assert.deepEqual(getDatadogContext(setDatadogContext(ctx, { ...stored })), stored);
      }),
      runParameters(500),
    );
  });
});

describe("re-injection of an extracted Datadog trace", () => {
  /** `base` with a local (not remote) span context of these ids and flags. */
  const localSpan = (base: Context, traceId: string, spanId: string, traceFlags: number) =>
    trace.setSpanContext(base, { traceId, spanId, traceFlags, isRemote: false });
  const propagator = createPropagator(["datadog", "tracecontext"]);
  const inject = (ctx: Context) => {
    const carrier: Record<string, string> = {};
    propagator.inject(ctx, carrier, defaultTextMapSetter);
    return carrier;
  };
  const uint64 = fc.bigInt({ min: 1n, max: (1n << 64n) - 1n });

  test("x-datadog-trace-id is the canonical decimal of the id read, leading zeros or not, for the trace and its children", () => {
    fc.assert(
      fc.property(uint64, uint64, fc.nat(3), (traceId, parentId, zeros) => {
        const text = "0".repeat(zeros) + traceId.toString(10);
        fc.pre(text.length <= 20); // 1 to 20 digits (dd-trace-java `LongStringUtils.parseUnsignedLong`)
        const ctx = propagator.extract(
          ROOT_CONTEXT,
          { "x-datadog-trace-id": text, "x-datadog-parent-id": parentId.toString(10) },
          defaultTextMapGetter,
        );
        assert.equal(inject(ctx)["x-datadog-trace-id"], traceId.toString(10));
        // A child span of the same trace (what a service injects downstream).
        const parent = trace.getSpanContext(ctx)!;
        const child = trace.setSpanContext(ctx, { ...parent, spanId: "00f067aa0ba902b7", isRemote: false });
        const injected = inject(child);
        assert.equal(injected["x-datadog-trace-id"], traceId.toString(10));
        assert.equal(injected["x-datadog-parent-id"], BigInt("0x00f067aa0ba902b7").toString(10));
      }),
      { numRuns: 500 },
    );
  });

  test("every span of a restored trace gets its own ids and the trace's fields, whatever the sampled flag says", () => {
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      {
        "x-datadog-trace-id": "12345678901234567890",
        "x-datadog-parent-id": "1",
        "x-datadog-sampling-priority": "2",
        "x-datadog-origin": "rum",
        "x-datadog-tags": "_dd.p.dm=-4,_dd.p.usr=bob,_dd.p.tid=640cfd8d00000000",
      },
      defaultTextMapGetter,
    );
    const traceId = trace.getSpanContext(ctx)!.traceId;
    const child = (spanId: string, flags: number) => inject(localSpan(ctx, traceId, spanId, flags));
    const expected = (spanId: string, kept: boolean) => ({
      "x-datadog-trace-id": "12345678901234567890",
      "x-datadog-parent-id": BigInt(`0x${spanId}`).toString(10),
      "x-datadog-sampling-priority": kept ? "2" : "0",
      "x-datadog-origin": "rum",
      // The flag overriding the priority drops the decision maker (system-tests
      // `test_headers_tracestate_dd_propagate_propagatedtags_change_sampling_*`), for that injection only.
      "x-datadog-tags": kept
        ? "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000,_dd.p.usr=bob"
        : "_dd.p.tid=640cfd8d00000000,_dd.p.usr=bob",
      traceparent: `00-${traceId}-${spanId}-0${kept ? 1 : 0}`,
      tracestate: kept
        ? `dd=s:2;o:rum;p:${spanId};t.dm:-4;t.tid:640cfd8d00000000;t.usr:bob`
        : `dd=s:0;o:rum;p:${spanId};t.tid:640cfd8d00000000;t.usr:bob`,
    });
    // Interleaved, so that an encoding kept from one injection would show up in the next.
    for (const [spanId, kept] of [
      ["00f067aa0ba902b7", true],
      ["891087b8e3b70cb1", true],
      ["00000000000000ff", false],
      ["00f067aa0ba902b7", true],
      ["ffffffffffffffff", false],
      ["891087b8e3b70cb1", true],
    ] as const)
      assert.deepEqual(child(spanId, kept ? 1 : 0), expected(spanId, kept), `${spanId} ${kept}`);
  });

  test("fields set for no particular trace give each trace it is used with that trace's own ids", () => {
    const unbound = setDatadogContext(ROOT_CONTEXT, {
      samplingPriority: 1,
      propagationTags: { "_dd.p.dm": "-3" },
    });
    for (const high of ["640cfd8d00000000", "0000000000000000", "640cfd8d00000000", "1111111111111111"]) {
      const carrier = inject(localSpan(unbound, `${high}ab54a98ceb1f0ad2`, "891087b8e3b70cb1", 1));
      const tid = high === "0000000000000000" ? "" : `,_dd.p.tid=${high}`;
      assert.equal(carrier["x-datadog-tags"], `_dd.p.dm=-3${tid}`, high);
      assert.equal(
        carrier.tracestate,
        `dd=s:1;p:891087b8e3b70cb1;t.dm:-3${tid.replace(",_dd.p.tid=", ";t.tid:")}`,
        high,
      );
    }
  });

  test("a W3C-only traceparent gives the Datadog fields its flag and upper bits imply (dd-trace-js `_extractTraceparentContext`)", () => {
    const w3c = createPropagator("tracecontext");
    const extract = (traceparent: string) =>
      w3c.extract(ROOT_CONTEXT, { traceparent, tracestate: "rojo=00f067aa0ba902b7" }, defaultTextMapGetter);
    const sampled = extract("00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01");
    assert.deepEqual(getDatadogContext(sampled), {
      samplingPriority: 1,
      propagationTags: { "_dd.p.tid": "640cfd8d00000000" },
    });
    assert.equal(getDatadogContext(sampled), getDatadogContext(sampled), "read twice: one object");
    assert.deepEqual(getDatadogContext(extract("00-0000000000000000ab54a98ceb1f0ad2-891087b8e3b70cb1-00")), {
      samplingPriority: 0,
      propagationTags: {},
    });
    // Bound to the extracted trace: a new root started inside has none.
    const other = localSpan(sampled, "0000000000000000000000000000002a", "00f067aa0ba902b7", 1);
    assert.equal(getDatadogContext(other), undefined);
    // A child span inherits the tracestate, as the SDK gives it. Those derived fields are no Datadog
    // state of the trace's own: the tracecontext style writes no dd= member for them, as for a trace
    // started here (docs/migration.md "Mixed fleets"; a reader derives the same from the traceparent),
    // and another vendor's members keep their places (no 33rd to push out). The datadog style writes them.
    const child = trace.setSpanContext(sampled, {
      ...trace.getSpanContext(sampled)!,
      spanId: "00f067aa0ba902b7",
      isRemote: false,
    });
    const carrier: Record<string, string> = {};
    w3c.inject(child, carrier, defaultTextMapSetter);
    assert.deepEqual(carrier, {
      traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-00f067aa0ba902b7-01",
      tracestate: "rojo=00f067aa0ba902b7",
    });
    const both: Record<string, string> = {};
    createPropagator(["datadog", "tracecontext"]).inject(child, both, defaultTextMapSetter);
    assert.deepEqual(both, {
      "x-datadog-trace-id": BigInt("0xab54a98ceb1f0ad2").toString(),
      "x-datadog-parent-id": BigInt("0x00f067aa0ba902b7").toString(),
      "x-datadog-sampling-priority": "1",
      "x-datadog-tags": "_dd.p.tid=640cfd8d00000000",
      traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-00f067aa0ba902b7-01",
      tracestate: "rojo=00f067aa0ba902b7",
    });
    // The same through every composite that holds the tracecontext style (the fields were stored as
    // derived there too; before, only the single style wrote no member): the default styles, with
    // baggage, before or after datadog or b3.
    for (const styles of [
      undefined,
      ["tracecontext", "baggage"],
      ["baggage", "tracecontext"],
      ["tracecontext", "datadog"],
      ["datadog", "tracecontext"],
      ["tracecontext", "b3"],
    ]) {
      const composite = createPropagator(styles);
      const restored = composite.extract(
        ROOT_CONTEXT,
        {
          traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
          tracestate: "rojo=00f067aa0ba902b7",
        },
        defaultTextMapGetter,
      );
      const childOf = trace.setSpanContext(restored, {
        ...trace.getSpanContext(restored)!,
        spanId: "00f067aa0ba902b7",
        isRemote: false,
      });
      const out: Record<string, string> = {};
      composite.inject(childOf, out, defaultTextMapSetter);
      assert.equal(out.tracestate, "rojo=00f067aa0ba902b7", JSON.stringify(styles));
      assert.equal(
        out.traceparent,
        "00-640cfd8d00000000ab54a98ceb1f0ad2-00f067aa0ba902b7-01",
        JSON.stringify(styles),
      );
      assert.deepEqual(
        getDatadogContext(restored),
        {
          samplingPriority: 1,
          propagationTags: { "_dd.p.tid": "640cfd8d00000000" },
        },
        JSON.stringify(styles),
      );
    }
    // A 32-member upstream list stays whole (no dd= pushes its last member out).
    const members = Array.from({ length: 32 }, (_, i) => `v${i}=x`).join(",");
    const long = createPropagator(["tracecontext", "baggage"]);
    const long32 = long.extract(
      ROOT_CONTEXT,
      { traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01", tracestate: members },
      defaultTextMapGetter,
    );
    const out32: Record<string, string> = {};
    long.inject(long32, out32, defaultTextMapSetter);
    assert.equal(out32.tracestate, members);
    // A priority set on it is Datadog state: then the member is written.
    const kept = setDatadogContext(child, { samplingPriority: 2, propagationTags: {} });
    const keptCarrier: Record<string, string> = {};
    w3c.inject(kept, keptCarrier, defaultTextMapSetter);
    assert.match(keptCarrier.tracestate!, /^dd=s:2;/);
  });

  test("a new trace started inside a restored context writes its own trace id, not the stored one", () => {
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      { "x-datadog-trace-id": "12345678901234567890", "x-datadog-parent-id": "1" },
      defaultTextMapGetter,
    );
    const other = localSpan(ctx, "0000000000000000000000000000002a", "00f067aa0ba902b7", 1);
    assert.equal(inject(other)["x-datadog-trace-id"], "42");
  });

  test("a stored priority the extractors would refuse (dd-trace-java `DatadogHttpCodec`) is injected as the flag says, and the carrier restores", () => {
    // setDatadogContext refuses such a priority; stored by another way (a caller changing the stored
    // fields in place, which getDatadogContext says is unsupported), injection still gives the flag.
    const withPriority = (samplingPriority: number, traceFlags: number) =>
      bindDatadogContext(
        localSpan(ROOT_CONTEXT, "640cfd8d00000000ab54a98ceb1f0ad2", "891087b8e3b70cb1", traceFlags),
        { samplingPriority, propagationTags: {} },
        "640cfd8d00000000ab54a98ceb1f0ad2",
      );
    for (const bad of [1.5, Infinity, -Infinity, NaN, 2 ** 40, -1e10])
      for (const flags of [0, 1]) {
        const carrier = inject(withPriority(bad, flags));
        assert.equal(carrier["x-datadog-sampling-priority"], String(flags), `${bad}, flags ${flags}`);
        assert.match(carrier.tracestate!, new RegExp(`^dd=s:${flags};`));
        const back = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
        assert.equal(trace.getSpanContext(back)?.traceId, "640cfd8d00000000ab54a98ceb1f0ad2", String(bad));
      }
    for (const [good, flags] of [
      [2, 1],
      [-1, 0],
      [9_999_999_999, 1],
    ] as const)
      assert.equal(inject(withPriority(good, flags))["x-datadog-sampling-priority"], String(good));
  });

  test("a stored p: in upper case is re-injected in lower case for the remote context (system-tests `test_tracestate_w3c_p_inject`)", () => {
    const w3c = createPropagator("tracecontext");
    const ctx = w3c.extract(
      ROOT_CONTEXT,
      {
        traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
        tracestate: "dd=s:1;p:ABCDEF0123456789,rojo=1",
      },
      defaultTextMapGetter,
    );
    const carrier: Record<string, string> = {};
    w3c.inject(ctx, carrier, defaultTextMapSetter);
    assert.equal(carrier.tracestate, "dd=s:1;p:abcdef0123456789;t.tid:640cfd8d00000000,rojo=1");
  });

  test("Datadog fields stay bound to their trace when the span context names it in upper case", () => {
    const lower = setDatadogContext(
      localSpan(ROOT_CONTEXT, "640cfd8d00000000ab54a98ceb1f0ad2", "891087b8e3b70cb1", 1),
      { samplingPriority: 2, origin: "rum", propagationTags: {} },
    );
    const upper = localSpan(lower, "640CFD8D00000000AB54A98CEB1F0AD2", "00F067AA0BA902B7", 1);
    assert.equal(getDatadogContext(upper)?.samplingPriority, 2);
    const carrier = inject(upper);
    assert.equal(carrier["x-datadog-sampling-priority"], "2");
    assert.equal(carrier["x-datadog-origin"], "rum");
    // Bound while the span is in upper case, read back with the same trace in lower case.
    const bound = setDatadogContext(upper, { samplingPriority: -1, propagationTags: {} });
    const relowered = localSpan(bound, "640cfd8d00000000ab54a98ceb1f0ad2", "891087b8e3b70cb1", 0);
    assert.equal(getDatadogContext(relowered)?.samplingPriority, -1);
  });

  test("a malformed t.dm in tracestate is dropped alone, as from x-datadog-tags (dd-trace-java `PTagsCodec.validateDecisionMakerTag`)", () => {
    const w3c = createPropagator("tracecontext");
    const tagsOf = (dm: string) =>
      getDatadogContext(
        w3c.extract(
          ROOT_CONTEXT,
          {
            traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
            tracestate: `dd=s:2;t.dm:${dm};t.usr:x`,
          },
          defaultTextMapGetter,
        ),
      )?.propagationTags;
    assert.deepEqual(tagsOf("bogus"), { "_dd.p.usr": "x", "_dd.p.tid": "640cfd8d00000000" });
    assert.deepEqual(tagsOf("-4"), { "_dd.p.dm": "-4", "_dd.p.usr": "x", "_dd.p.tid": "640cfd8d00000000" });
    assert.equal(tagsOf("abcdef0123-5")?.["_dd.p.dm"], "abcdef0123-5");
  });

  test("upper-case ids in a span context are written in lower case in every Datadog field", () => {
    const ctx = setDatadogContext(
      localSpan(ROOT_CONTEXT, "640CFD8D00000000AB54A98CEB1F0AD2", "891087B8E3B70CB1", 1),
      { samplingPriority: 2, propagationTags: { "_dd.p.dm": "-4" } },
    );
    assert.deepEqual(inject(ctx), {
      "x-datadog-trace-id": BigInt("0xab54a98ceb1f0ad2").toString(10),
      "x-datadog-parent-id": BigInt("0x891087b8e3b70cb1").toString(10),
      "x-datadog-sampling-priority": "2",
      "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000",
      traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
      tracestate: "dd=s:2;p:891087b8e3b70cb1;t.dm:-4;t.tid:640cfd8d00000000",
    });
  });
});
