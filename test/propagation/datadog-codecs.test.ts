// The hand-written scanners of the Datadog codecs against reference models written here with regular
// expressions straight from the rules (../shared/research/datadog-propagation.md section D, rules
// 24-30; section G, rule 42): the scanners validate in place for speed, the models say what they must
// answer for any input.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { decodeTagsHeader, type DecodedTags } from "../../src/propagation/datadog/tags.js";
import { decodeDdLastParentId, decodeDdMember } from "../../src/propagation/datadog/tracestate-dd.js";

/**
 * Reference `x-datadog-tags` decoder: one trailing comma tolerated; every member must be
 * `key=value` with a key of 0x21-0x7E without `,` `=` and a value of 0x20-0x7E without `,` (rule 24),
 * else no tags at all (rule 26); only `_dd.p.*` keys, never `_dd.p.upstream_services` (rule 25);
 * `_dd.p.tid` 16 lowercase hex, all-zero skipped (rules 17-19); `_dd.p.dm` `-<digits>` or
 * `<10 lowercase hex>-<digits>` (rule 30); a repeated key keeps its last value.
 */
function referenceDecode(header: string | undefined, maxLength: number): DecodedTags {
  if (header === undefined || header === "") return { tags: {} };
  if (maxLength <= 0) return { tags: {}, error: "disabled" };
  if (header.length > maxLength) return { tags: {}, error: "extract_max_size" };
  const body = header.endsWith(",") ? header.slice(0, -1) : header;
  const tags: Record<string, string> = {};
  let error: string | undefined;
  for (const member of body.split(",")) {
    const match = /^([\x21-\x2b\x2d-\x3c\x3e-\x7e]+)=([\x20-\x2b\x2d-\x7e]+)$/.exec(member);
    if (!match) return { tags: {}, error: "decoding_error" };
    const [, key, value] = match as unknown as [string, string, string];
    if (!key.startsWith("_dd.p.") || key === "_dd.p.upstream_services") continue;
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
      { numRuns: 3000 },
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
      fc.string({ unit: fc.constantFrom("p", ":", ";", "a", "0", " "), maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 6 }), (elements) => {
        const value = elements.join(";");
        assert.equal(decodeDdLastParentId(value), decodeDdMember(value).lastParentId, value);
      }),
      { numRuns: 3000 },
    );
    assert.equal(decodeDdLastParentId("s:1;p:0000000000000001;p:891087b8e3b70cb1"), "891087b8e3b70cb1");
  });
});
