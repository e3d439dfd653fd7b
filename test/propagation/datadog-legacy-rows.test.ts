// Issue item 6: flat maps written by Java dd-trace-ot and by dd-trace restore unchanged.
import { readFileSync } from "node:fs";
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  baggageEntryMetadataFromString,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
} from "@opentelemetry/api";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/normalize-carrier.js";
import { MAX_CARRIER_KEYS } from "../../src/carrier/trace-carrier.js";
import { contextFromCarrier } from "../../src/index.js";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { DatadogPropagator } from "../../src/propagation/datadog/DatadogPropagator.js";
import { getDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { MAX_LEGACY_BAGGAGE_HEADERS } from "../../src/propagation/header-names.js";
import { parseBaggageHeader } from "../../src/propagation/w3c/baggage.js";
import { BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS } from "../../src/propagation/w3c/constants.js";

const extract = (carrier: unknown, styles?: string[]) =>
  createPropagator(styles).extract(ROOT_CONTEXT, normalizeCarrier(carrier), normalizedCarrierGetter);
const baggageOf = (ctx: Context) =>
  Object.fromEntries((propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k, e]) => [k, e.value]));

describe("legacy rows", () => {
  test("a dd-trace-ot Map<String,String> row (mixed-case names, ot-baggage-*) restores with its baggage", () => {
    const row = {
      "X-Datadog-Trace-Id": "1234567890123456789",
      "X-Datadog-Parent-Id": "987654321",
      "X-Datadog-Sampling-Priority": "2",
      "X-Datadog-Origin": "synthetics",
      "ot-baggage-Tenant": "t-001",
      "ot-baggage-plan": "gold",
    };
    const ctx = extract(row);
    const sc = trace.getSpanContext(ctx);
    assert.equal(sc?.traceId, "0000000000000000112210f47de98115");
    assert.equal(sc?.spanId, "000000003ade68b1");
    assert.equal(getDatadogContext(ctx)?.samplingPriority, 2);
    assert.equal(getDatadogContext(ctx)?.origin, "synthetics");
    assert.deepEqual(baggageOf(ctx), { tenant: "t-001", plan: "gold" });
  });

  test("W3C baggage and ot-baggage-* merge; the W3C entry wins on the same key", () => {
    const ctx = extract({
      "x-datadog-trace-id": "1",
      "x-datadog-parent-id": "2",
      "ot-baggage-plan": "silver",
      "ot-baggage-region": "eu",
      baggage: "plan=gold",
    });
    assert.deepEqual(baggageOf(ctx), { plan: "gold", region: "eu" });
  });

  test("ot-baggage-* of an invalid Datadog context is not restored", () => {
    assert.deepEqual(baggageOf(extract({ "x-datadog-trace-id": "0", "ot-baggage-plan": "gold" })), {});
  });

  test("a dd-trace (Node) row with 128-bit id, tags and W3C headers restores to one context", () => {
    const row = {
      "x-datadog-trace-id": "12379814468735227512",
      "x-datadog-parent-id": "987654321",
      "x-datadog-sampling-priority": "1",
      "x-datadog-tags": "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-0",
      traceparent: "00-640cfd8d00000000abcdefab12345678-000000003ade68b1-01",
      tracestate: "dd=t.dm:-0;t.tid:640cfd8d00000000;s:1;p:000000003ade68b1,ot=rv:49bd7a274365c1;th:0",
    };
    const ctx = extract(row);
    assert.equal(trace.getSpanContext(ctx)?.traceId, "640cfd8d00000000abcdefab12345678");
    assert.deepEqual(getDatadogContext(ctx), {
      samplingPriority: 1,
      propagationTags: { "_dd.p.tid": "640cfd8d00000000", "_dd.p.dm": "-0" },
    });
    assert.equal(trace.getSpanContext(ctx)?.traceState?.get("ot"), "rv:49bd7a274365c1;th:0");
  });
});

describe("ot-baggage-* values: URL-encoded by the Java writers, read as they read them", () => {
  const { pairs } = JSON.parse(
    readFileSync(new URL("../fixtures/ot-baggage-java-encoded.json", import.meta.url), "utf8"),
  ) as { pairs: [string, string][] };
  const ids = { "x-datadog-trace-id": "1234567890123456789", "x-datadog-parent-id": "987654321" };

  test("each value dd-trace-java's URLEncoder wrote restores as the value it encoded", () => {
    const row: Record<string, string> = { ...ids };
    pairs.forEach(([, encoded], i) => (row[`ot-baggage-k${i}`] = encoded));
    const expected = Object.fromEntries(pairs.map(([value], i) => [`k${i}`, value]));
    assert.deepEqual(baggageOf(extract(row)), expected);
  });

  test("and is written on as W3C baggage once, not encoded twice", () => {
    const ctx = extract({ ...ids, "ot-baggage-user": "J%C3%BCrgen+M%C3%BCller" });
    const out: Record<string, string> = {};
    createPropagator(["baggage"]).inject(ctx, out, {
      set: (c, k, v) => ((c as Record<string, string>)[k] = v),
    });
    assert.equal(out.baggage, "user=J%C3%BCrgen%20M%C3%BCller");
  });

  test("a value that is no URL encoding (dd-trace-js writes values unencoded) is kept as it is", () => {
    const ctx = extract({
      ...ids,
      "ot-baggage-percent": "100%",
      "ot-baggage-bad-escape": "%zz",
      "ot-baggage-not-utf8": "%C3%28",
      "ot-baggage-plain": "t-001",
    });
    assert.deepEqual(baggageOf(ctx), {
      percent: "100%",
      "bad-escape": "%zz",
      "not-utf8": "%C3%28",
      plain: "t-001",
    });
  });
});

describe("ot-baggage-* through DatadogPropagator with a getter of another's", () => {
  /** A plain-object getter that counts its calls: the work the propagator asks of it. */
  const countingGetter = () => {
    const calls = { get: 0, keys: 0 };
    const getter: TextMapGetter<Record<string, string>> = {
      keys: (c) => (calls.keys++, Object.keys(c)),
      get: (c, k) => (calls.get++, Object.hasOwn(c, k) ? c[k] : undefined),
    };
    return { calls, getter };
  };
  const ids = { "x-datadog-trace-id": "1", "x-datadog-parent-id": "2" };

  test("at most MAX_LEGACY_BAGGAGE_HEADERS headers are read, one get each: the stored-carrier reader's bound", () => {
    // Reading every one of 5000 headers (5005 gets) and setting them one by one on an immutable
    // Baggage, each setEntry copying the entries before it, takes seconds: the gets are counted.
    assert.equal(MAX_LEGACY_BAGGAGE_HEADERS, MAX_CARRIER_KEYS);
    const carrier: Record<string, string> = { ...ids };
    for (let i = 0; i < 5000; i++) carrier[`ot-baggage-k${i}`] = `v${i}`;
    const { calls, getter } = countingGetter();
    const ctx = new DatadogPropagator().extract(ROOT_CONTEXT, carrier, getter);
    assert.equal(trace.getSpanContext(ctx)?.spanId, "0000000000000002");
    const entries = propagation.getBaggage(ctx)!.getAllEntries();
    // W3C Baggage's 64 members: the reading stops at the first header past them.
    assert.deepEqual(
      entries.map(([k, e]) => [k, e.value]),
      Array.from({ length: BAGGAGE_MAX_MEMBERS }, (_, i) => [`k${i}`, `v${i}`]),
    );
    assert.equal(calls.keys, 1);
    // The five x-datadog-* fields, then one per ot-baggage-* header read.
    assert.equal(calls.get, 5 + BAGGAGE_MAX_MEMBERS + 1);
    // With no entry taken, the bound of MAX_LEGACY_BAGGAGE_HEADERS headers still stops the reading.
    const context = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage(
        Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, { value: "set" }])),
      ),
    );
    const counted = countingGetter();
    new DatadogPropagator().extract(context, carrier, counted.getter);
    assert.equal(counted.calls.get, 5 + MAX_LEGACY_BAGGAGE_HEADERS);
    // Through the stored-carrier reader the same carrier gives no more (it scans 128 keys).
    const read = extract(carrier, ["datadog"]);
    assert.ok(Object.keys(baggageOf(read)).length <= MAX_LEGACY_BAGGAGE_HEADERS);
  });

  test("the headers past the bound count read or not: an invalid value or an existing key uses one read", () => {
    const carrier: Record<string, unknown> = { ...ids };
    for (let i = 0; i < MAX_LEGACY_BAGGAGE_HEADERS - 1; i++) carrier[`ot-baggage-k${i}`] = i % 2 ? "v" : 7;
    carrier["ot-baggage-last"] = "in";
    carrier["ot-baggage-over"] = "out";
    const ctx = new DatadogPropagator().extract(
      ROOT_CONTEXT,
      carrier,
      countingGetter().getter as TextMapGetter<unknown>,
    );
    const got = baggageOf(ctx);
    assert.equal(got.last, "in");
    assert.equal(got.over, undefined);
    assert.equal(got.k0, undefined); // a number: no value
    assert.equal(got.k1, "v");
  });

  test("the context's entries win and keep their place and metadata; of two spellings of one key the first; order kept", () => {
    const base = propagation.createBaggage({
      plan: { value: "gold", metadata: baggageEntryMetadataFromString("p=1") },
      region: { value: "us" },
    });
    const carrier = {
      ...ids,
      "ot-baggage-z": "1",
      "ot-baggage-plan": "silver",
      "OT-BAGGAGE-Tenant": "first",
      "ot-baggage-tenant": "second",
      "ot-baggage-a": "2",
    };
    const ctx = new DatadogPropagator().extract(
      propagation.setBaggage(ROOT_CONTEXT, base),
      carrier,
      countingGetter().getter,
    );
    const bag = propagation.getBaggage(ctx)!;
    assert.deepEqual(
      bag.getAllEntries().map(([k, e]) => [k, e.value, e.metadata?.toString()]),
      [
        ["plan", "gold", "p=1"],
        ["region", "us", undefined],
        ["z", "1", undefined],
        ["tenant", "first", undefined],
        ["a", "2", undefined],
      ],
    );
    // The api's Baggage semantics: immutable, setEntry gives a new one.
    assert.equal(bag.setEntry("x", { value: "y" }).getEntry("x")?.value, "y");
    assert.equal(bag.getEntry("x"), undefined);
  });

  test("no ot-baggage-* header, or none with a value: the context's baggage is left as it is", () => {
    const base = propagation.createBaggage({ plan: { value: "gold" } });
    const context = propagation.setBaggage(ROOT_CONTEXT, base);
    for (const carrier of [{ ...ids }, { ...ids, "ot-baggage-plan": "silver" }]) {
      const ctx = new DatadogPropagator().extract(context, carrier, countingGetter().getter);
      assert.equal(propagation.getBaggage(ctx), base);
    }
  });
});

describe("ot-baggage-* entries obey W3C Baggage's limits when read (64 members, 8192 bytes)", () => {
  const ids = { "x-datadog-trace-id": "1", "x-datadog-parent-id": "2" };
  const setter = { set: (c: unknown, k: string, v: string) => ((c as Record<string, string>)[k] = v) };
  /** The baggage header the default styles write from `ctx` (what captureCarrier stores). */
  const written = (ctx: Context) => {
    const out: Record<string, string> = {};
    createPropagator().inject(ctx, out, setter);
    return out.baggage;
  };
  const writtenKeys = (ctx: Context) => parseBaggageHeader(written(ctx) ?? "").map((m) => m.key);

  test("130 headers restore the first 64 entries, and a carrier written from them holds every one", () => {
    // The W3C limit (Baggage §3.3.1: 64 members) applies on restore, not only when written: restoring
    // the 126 entries the reader's 128 keys hold would lose 62 of them without a word on the next inject.
    const row: Record<string, string> = { ...ids };
    for (let i = 0; i < 130; i++) row[`ot-baggage-k${i}`] = `v${i}`;
    const ctx = extract(row);
    const keys = Object.keys(baggageOf(ctx));
    assert.deepEqual(
      keys,
      Array.from({ length: BAGGAGE_MAX_MEMBERS }, (_, i) => `k${i}`),
    );
    assert.deepEqual(writtenKeys(ctx), keys);
  });

  test("counted with the carrier's W3C baggage, which comes first and wins on its keys without using room twice", () => {
    const w3c = Array.from({ length: 60 }, (_, i) => `w${i}=x`);
    const row: Record<string, string> = { ...ids, baggage: w3c.join(",") };
    // The W3C key w0 is taken from the W3C header: its ot-baggage-* twin uses no room.
    row["ot-baggage-w0"] = "legacy";
    for (let i = 0; i < 10; i++) row[`ot-baggage-k${i}`] = "v";
    const ctx = extract(row);
    const got = baggageOf(ctx);
    assert.equal(Object.keys(got).length, BAGGAGE_MAX_MEMBERS);
    assert.equal(got.w0, "x");
    assert.deepEqual(
      Object.keys(got).filter((k) => k.startsWith("k")),
      ["k0", "k1", "k2", "k3"],
    );
    assert.equal(writtenKeys(ctx).length, BAGGAGE_MAX_MEMBERS);
    // The datadog style alone (no baggage style) fills the room with its own entries.
    assert.equal(Object.keys(baggageOf(extract(row, ["datadog"]))).length, 11);
  });

  test("counted with the baggage of the base context too (options.context), which the restore keeps beside the carrier's W3C baggage", () => {
    // The base holds 49 entries of its own and w0, which the carrier's W3C baggage replaces: 49 + 10
    // entries, each counted once, leave room for 5 ot-baggage-* entries.
    const base = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage(
        Object.fromEntries([
          ...Array.from({ length: 49 }, (_, i) => [`b${i}`, { value: "x" }]),
          ["w0", { value: "base" }],
        ]),
      ),
    );
    const row: Record<string, string> = {
      ...ids,
      baggage: Array.from({ length: 10 }, (_, i) => `w${i}=x`).join(","),
    };
    for (let i = 0; i < 10; i++) row[`ot-baggage-k${i}`] = "v";
    const ctx = contextFromCarrier(row, { context: base });
    const got = baggageOf(ctx);
    assert.equal(Object.keys(got).length, BAGGAGE_MAX_MEMBERS);
    assert.deepEqual(
      Object.keys(got).filter((k) => k.startsWith("k")),
      ["k0", "k1", "k2", "k3", "k4"],
    );
    assert.equal(got.w0, "x", "the carrier's W3C entry wins over the base's");
    // The base's entries count too: taking all 10 ot-baggage-* entries (69 entries) would make the next
    // inject, which writes the first 64, lose w5..w9 — the carrier's own W3C entries.
    const keys = writtenKeys(ctx);
    assert.equal(keys.length, BAGGAGE_MAX_MEMBERS);
    assert.deepEqual(new Set(keys), new Set(Object.keys(got)));

    // The byte limit likewise: a base of one ~8 KiB entry leaves no room for an ot-baggage-* entry.
    const heavy = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage({ big: { value: "x".repeat(BAGGAGE_MAX_BYTES - "big=".length - 8) } }),
    );
    const small = contextFromCarrier({ ...ids, baggage: "w=1", "ot-baggage-k": "v1" }, { context: heavy });
    assert.deepEqual(Object.keys(baggageOf(small)).sort(), ["big", "w"]);
    assert.deepEqual(writtenKeys(small).sort(), ["big", "w"]);
    // Without a base, the same carrier restores the entry.
    assert.deepEqual(
      Object.keys(baggageOf(contextFromCarrier({ ...ids, baggage: "w=1", "ot-baggage-k": "v1" }))).sort(),
      ["k", "w"],
    );
  });

  test("counted with the base context's baggage when the carrier has no W3C baggage (the baggage style then answers the base's)", () => {
    // 62 base entries leave room for 2 of the 5 ot-baggage-* entries, with or without the baggage style.
    const base = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage(
        Object.fromEntries(Array.from({ length: 62 }, (_, i) => [`b${i}`, { value: "x" }])),
      ),
    );
    const row: Record<string, string> = { ...ids };
    for (let i = 0; i < 5; i++) row[`ot-baggage-k${i}`] = "v";
    for (const styles of [undefined, ["datadog", "tracecontext"]]) {
      const propagator = styles === undefined ? undefined : createPropagator(styles);
      const ctx = contextFromCarrier(row, { context: base, propagator });
      const got = baggageOf(ctx);
      assert.equal(Object.keys(got).length, BAGGAGE_MAX_MEMBERS, String(styles));
      assert.deepEqual(
        Object.keys(got).filter((k) => k.startsWith("k")),
        ["k0", "k1"],
        String(styles),
      );
      assert.deepEqual(new Set(writtenKeys(ctx)), new Set(Object.keys(got)), String(styles));
    }
  });

  test("sized as the W3C member each is written as (percent-encoded); one that would overflow is skipped whole", () => {
    // 1000 characters, 6000 bytes once encoded (é is %C3%A9): two such entries cannot both fit.
    const big = "é".repeat(1000);
    const ctx = extract({
      ...ids,
      "ot-baggage-a": big,
      "ot-baggage-b": big,
      "ot-baggage-c": "small",
      "ot-baggage-d": "x".repeat(BAGGAGE_MAX_BYTES - 6002 - 1 - "c=small".length - 1 - "d=".length),
      "ot-baggage-e": "",
    });
    assert.deepEqual(Object.keys(baggageOf(ctx)), ["a", "c", "d"]);
    const header = written(ctx)!;
    assert.equal(header.length, BAGGAGE_MAX_BYTES);
    assert.deepEqual(
      parseBaggageHeader(header).map((m) => m.key),
      ["a", "c", "d"],
    );
  });

  test("sized with '+' as itself, as the inject writes a header whose %2B would cost members: every entry that fits is restored and written", () => {
    // Java's URLEncoder wrote each '+' as %2B: the entries hold 1000 '+' each. As %2B the three take
    // 3 x 3002 bytes, over 8192; with '+' as itself (a baggage-octet, what serializeBaggage writes when
    // %2B would cost a member) 3 x 1002 + 2. They were sized as %2B: c was dropped on restore.
    const plus = "%2B".repeat(1000);
    const ctx = extract({ ...ids, "ot-baggage-a": plus, "ot-baggage-b": plus, "ot-baggage-c": plus });
    assert.deepEqual(Object.keys(baggageOf(ctx)), ["a", "b", "c"]);
    assert.equal(baggageOf(ctx).c, "+".repeat(1000));
    const header = written(ctx)!;
    assert.deepEqual(
      parseBaggageHeader(header).map((m) => [m.key, m.value.length]),
      [
        ["a", 1000],
        ["b", 1000],
        ["c", 1000],
      ],
    );
    assert.equal(header.length, 3 * 1002 + 2);
  });

  test("the carrier's W3C members holding '+' keep their room: ot-baggage-* entries never cost them their place", () => {
    // The W3C member w (3002 bytes, '+' as itself) was sized as %2B (9002 bytes, no fit) and given no
    // room: a, b and c all restored, and the next inject wrote them and lost the carrier's own w.
    const x = "x".repeat(2500);
    const ctx = extract({
      ...ids,
      baggage: `w=${"+".repeat(3000)}`,
      "ot-baggage-a": x,
      "ot-baggage-b": x,
      "ot-baggage-c": x,
    });
    assert.deepEqual(Object.keys(baggageOf(ctx)).sort(), ["a", "b", "w"]);
    assert.deepEqual(
      parseBaggageHeader(written(ctx)!)
        .map((m) => m.key)
        .sort(),
      ["a", "b", "w"],
    );
  });

  test("an entry whose key is no W3C token (it could never be written on) is dropped", () => {
    const getter: TextMapGetter<Record<string, string>> = {
      keys: (c) => Object.keys(c),
      get: (c, k) => c[k],
    };
    const ctx = new DatadogPropagator().extract(
      ROOT_CONTEXT,
      { ...ids, "ot-baggage-a b": "1", "ot-baggage-ok": "2" },
      getter,
    );
    assert.deepEqual(baggageOf(ctx), { ok: "2" });
  });

  test("ot-baggage-* entries join a traceparent winner's baggage too, as dd-trace-js reads them for a datadog or tracecontext winner", () => {
    const TP = "00-463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-01";
    const ids = { "x-datadog-trace-id": "5208512171318403364", "x-datadog-parent-id": "2" };
    const row = { ...ids, "ot-baggage-userid": "42", baggage: "w=1,userid=9", traceparent: TP };
    // tracecontext first in the extract order: it wins, the entries are read all the same (W3C wins on
    // the same key).
    const first = extract(row, ["tracecontext", "baggage", "datadog"]);
    assert.equal(trace.getSpanContext(first)?.spanId, "a2fb4a1d1a96d312");
    assert.deepEqual(baggageOf(first), { userid: "9", w: "1" });
    assert.deepEqual(baggageOf(extract({ ...row, baggage: "w=1" }, ["tracecontext", "baggage", "datadog"])), {
      userid: "42",
      w: "1",
    });
    // The Datadog ids missing: the traceparent wins under the default order, the entries still read.
    const noIds = { "ot-baggage-a": "1", traceparent: TP };
    assert.deepEqual(baggageOf(extract(noIds)), { a: "1" });
    // Without the datadog style nothing reads them; a B3 winner does not either (dd-trace-js).
    assert.deepEqual(baggageOf(extract(noIds, ["tracecontext", "baggage"])), {});
    const b3 = { "ot-baggage-a": "1", b3: "463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-1" };
    assert.deepEqual(baggageOf(extract(b3, ["b3", "datadog"])), {});
    // Under the restart behavior the baggage is kept, these entries included.
    const restarted = createPropagator(["datadog", "tracecontext", "baggage"], {
      extractBehavior: "restart",
    }).extract(ROOT_CONTEXT, normalizeCarrier({ ...noIds, baggage: "w=1" }), normalizedCarrierGetter);
    assert.equal(trace.getSpanContext(restarted), undefined);
    assert.deepEqual(baggageOf(restarted), { a: "1", w: "1" });
  });
});
