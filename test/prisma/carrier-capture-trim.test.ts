// Trimming of a carrier over maxCarrierBytes (captureStoredCarrier rule 2, src/prisma/carrier-capture.ts):
// of the sets of header units that fit and restore the same trace (a tracestate cut as W3C Trace Context
// §3.3.1.5 cuts one when it does not fit whole), the one that restores the most of what the whole carrier
// restores (the same sampling decision first, then the most whole styles), holding no unit whose removal
// leaves what the set restores unchanged, unless that unit restores the trace on its own (the Datadog
// ids, traceparent, b3: kept for a reader of that style alone).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import {
  contextFromCarrier,
  createPropagator,
  getDatadogContext,
  getExtractionLinks,
  getRestoredRoot,
  setDatadogContext,
  type TraceCarrier,
} from "../../src/index.js";
import { captureStoredCarrier, storedCarrierBytes } from "../../src/prisma/carrier-capture.js";
import { runParameters } from "../hardening/arbitraries.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const reader = createPropagator();

/**
 * A propagator that injects exactly `carrier` (names lower-cased by the carrier's setter, as a real
 * one's are) and extracts as `createPropagator()` does: a carrier of any shape through the real path.
 */
const replaying = (carrier: Readonly<Record<string, string>>): TextMapPropagator => ({
  inject: (_ctx, out, setter) => {
    for (const [key, value] of Object.entries(carrier)) setter.set(out, key, value);
  },
  extract: (ctx, input, getter) => reader.extract(ctx, input, getter),
  fields: () => Object.keys(carrier),
});

/** `captureStoredCarrier` of `carrier` (baggage all allowed) under `maxBytes`. */
function trimmed(carrier: Readonly<Record<string, string>>, maxBytes: number): TraceCarrier | undefined {
  return captureStoredCarrier(undefined, maxBytes, { context: ROOT_CONTEXT, propagator: replaying(carrier) });
}

function pick(carrier: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, carrier[key]!]));
}

/** What a reader of the context `carrier` restores sees (the test's own model of what must not change). */
function restoredView(carrier: TraceCarrier): string {
  const ctx: Context = contextFromCarrier(carrier, { propagator: reader });
  const sc = trace.getSpanContext(ctx);
  const dd = getDatadogContext(ctx);
  return JSON.stringify({
    span: sc && { ...sc, traceState: sc.traceState?.serialize() },
    root: getRestoredRoot(ctx),
    dd: dd && { ...dd, propagationTags: Object.entries(dd.propagationTags).sort() },
    links: getExtractionLinks(ctx),
    baggage: propagation.getBaggage(ctx)?.getAllEntries().sort(),
  });
}

/** Trace id, parent span id and sampled flag restored from `carrier`, or undefined. */
function identity(carrier: TraceCarrier): string | undefined {
  const sc = trace.getSpanContext(contextFromCarrier(carrier, { propagator: reader }));
  return sc && `${sc.traceId}-${sc.spanId}-${sc.traceFlags & TraceFlags.SAMPLED}`;
}

/** The header units a carrier is trimmed by: the Datadog ids, priority and tags together; the x-b3-* together. */
function unitsOf(carrier: TraceCarrier): string[][] {
  const units = new Map<string, string[]>();
  for (const key of Object.keys(carrier)) {
    const unit =
      key.startsWith("x-datadog-") && key !== "x-datadog-origin"
        ? "x-datadog-*"
        : key.startsWith("x-b3-")
          ? "x-b3-*"
          : key;
    units.set(unit, [...(units.get(unit) ?? []), key]);
  }
  return [...units.values()];
}

/**
 * Asserts `kept` is `header` or a cut of it in the order of Trace Context §3.3.1.5: members over 128
 * characters removed first, right-most first, then members from the end.
 */
function assertTraceStateCut(header: string, kept: string, label: string): void {
  const all = header.split(",");
  const members = kept.split(",");
  const isLong = (member: string) => member.length > 128;
  const short = all.filter((member) => !isLong(member));
  if (members.every((member) => !isLong(member)) && members.length < short.length) {
    // Short members dropped: every long one went before them, and the short ones left are the first.
    assert.deepEqual(members, short.slice(0, members.length), label);
    return;
  }
  // Only long members dropped, the right-most ones: the rest is the header up to a long member, minus it
  // and the long ones after it.
  const dropped = all.filter((member) => !members.includes(member));
  assert.ok(dropped.every(isLong), label);
  const firstDropped = dropped.length ? all.indexOf(dropped[0]!) : all.length;
  assert.deepEqual(
    members,
    all.filter((member, i) => i < firstDropped || !isLong(member)),
    label,
  );
}

const without = (carrier: TraceCarrier, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(carrier).filter(([key]) => !keys.includes(key)));

/** The carrier the default propagator writes for a span with a foreign tracestate and Datadog fields. */
function defaultCarrier(): Record<string, string> {
  const span = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "640cfd8d00000000ab54a98ceb1f0ad2",
    spanId: "891087b8e3b70cb1",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
    traceState: new TraceState("rojo=00f067aa0ba902b7"),
  });
  const ctx = setDatadogContext(span, {
    samplingPriority: 2,
    origin: "rum",
    propagationTags: { "_dd.p.dm": "-4" },
  });
  const carrier: Record<string, string> = {};
  createPropagator().inject(ctx, carrier, {
    set: (c, key, value) => ((c as Record<string, string>)[key] = value),
  });
  return carrier;
}

const DATADOG_IDS = [
  "x-datadog-trace-id",
  "x-datadog-parent-id",
  "x-datadog-sampling-priority",
  "x-datadog-tags",
];

/**
 * Limits and the exact carrier kept for {@link defaultCarrier} (378 bytes; units: the Datadog ids 179
 * bytes, tracestate 99, traceparent 71, x-datadog-origin 24, each with its JSON punctuation). The
 * tracestate is `dd=…,rojo=00f067aa0ba902b7`; cut from the right (Trace Context §3.3.1.5) it is `dd=…`
 * alone (77 bytes).
 */
const DEFAULT_CARRIER_LIMITS: [maxBytes: number, kept: string[] | undefined, cutTraceState?: true][] = [
  [378, ["traceparent", "tracestate", ...DATADOG_IDS, "x-datadog-origin"]],
  // Both styles stay from 253 bytes on (a reader of either alone restores the trace; more room never
  // takes one away). Was tracestate + traceparent from 377 down to 173: a Datadog-only reader restored
  // nothing though the Datadog ids fitted. Here the cut tracestate and the origin (356 bytes) lose the
  // rojo member, the whole tracestate without the origin (353) the origin: as many parts, more bytes.
  [377, [...DATADOG_IDS, "tracestate", "traceparent", "x-datadog-origin"], true],
  [356, [...DATADOG_IDS, "tracestate", "traceparent", "x-datadog-origin"], true],
  [355, [...DATADOG_IDS, "tracestate", "traceparent"]],
  [353, [...DATADOG_IDS, "tracestate", "traceparent"]],
  [352, [...DATADOG_IDS, "traceparent", "x-datadog-origin"]],
  [278, [...DATADOG_IDS, "traceparent", "x-datadog-origin"]],
  [277, [...DATADOG_IDS, "traceparent"]],
  [253, [...DATADOG_IDS, "traceparent"]],
  // One style fits: tracestate + traceparent (173 bytes) restore all the full carrier restores but the
  // Datadog ids' last parent id (none, as a reading of one span: equal to the parent span id): the
  // priority, origin and tags from the dd= member, the foreign member. The Datadog ids alone (181 bytes)
  // would lose the foreign member and, without x-datadog-origin, the origin.
  [252, ["tracestate", "traceparent"]],
  [173, ["tracestate", "traceparent"]],
  // The dd= member alone still carries priority 2 (a lone traceparent restores 1): kept, cut.
  [172, ["tracestate", "traceparent"], true],
  [151, ["tracestate", "traceparent"], true],
  // Was traceparent and x-datadog-origin (98 bytes): extraction ignores an origin without the Datadog ids.
  [150, ["traceparent"]],
  [98, ["traceparent"]],
  [73, ["traceparent"]],
  [72, undefined],
];

/** The expected carrier of a {@link DEFAULT_CARRIER_LIMITS} row. */
function expectedKept(full: TraceCarrier, kept: string[] | undefined, cut?: true): TraceCarrier | undefined {
  if (!kept) return undefined;
  const out = pick(full, kept);
  if (cut) out.tracestate = full.tracestate!.split(",")[0]!;
  return out;
}

describe("trimming a stored carrier over maxCarrierBytes", () => {
  test("the default carrier: the exact keys kept at each limit, no unit whose removal changes nothing unless it restores the trace alone", () => {
    const full = defaultCarrier();
    assert.equal(storedCarrierBytes(full), 378);
    for (const [maxBytes, kept, cut] of DEFAULT_CARRIER_LIMITS)
      assert.deepEqual(trimmed(full, maxBytes), expectedKept(full, kept, cut), `limit ${maxBytes}`);
  });

  test("a set that keeps the sampling decision wins over a larger one that changes it (tracecontext first)", () => {
    // A fresh user's case: with tracecontext before datadog, the Datadog ids + traceparent (274 bytes)
    // restored priority 1 (traceparent's flag, no tracestate), while tracestate + traceparent (222
    // bytes) restore priority 2, the origin, the tags and the foreign members: a larger limit restored
    // less than a smaller one.
    const propagator = createPropagator(["tracecontext", "datadog"]);
    const span = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "640cfd8d00000000ab54a98ceb1f0ad2",
      spanId: "891087b8e3b70cb1",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: false,
      traceState: new TraceState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
    });
    const context = setDatadogContext(span, {
      samplingPriority: 2,
      origin: "synthetics-browser",
      propagationTags: { "_dd.p.dm": "-4", "_dd.p.usr.id": "baz64" },
    });
    const full = captureStoredCarrier(undefined, 10_000, { context, propagator })!;
    const priorityOf = (carrier: TraceCarrier) =>
      getDatadogContext(contextFromCarrier(carrier, { propagator }))?.samplingPriority;
    assert.equal(priorityOf(full), 2);
    const fullBytes = storedCarrierBytes(full);
    for (let limit = fullBytes - 1; limit >= 100; limit -= 7) {
      const kept = captureStoredCarrier(undefined, limit, { context, propagator });
      if (kept === undefined) continue;
      assert.ok(storedCarrierBytes(kept) <= limit, `limit ${limit}`);
      // Every fitting set that restores the trace here can keep priority 2: traceparent + tracestate do.
      if (limit >= storedCarrierBytes(pick(full, ["traceparent", "tracestate"])))
        assert.equal(priorityOf(kept), 2, `limit ${limit}: ${Object.keys(kept).join(", ")}`);
    }
    assert.deepEqual(Object.keys(captureStoredCarrier(undefined, 300, { context, propagator })!).sort(), [
      "traceparent",
      "tracestate",
    ]);
  });

  test("more room never drops a style a reader of it alone restores: Datadog headers, 21 tracestate members", async () => {
    // A reviewer's case: a context restored from all the Datadog headers and a tracestate of dd= and 20
    // other vendors' members. At 400 bytes the Datadog ids, origin and traceparent were kept; at 600 only
    // traceparent + tracestate (589 bytes): the more tracestate members outranked the Datadog ids, and a
    // Datadog-only reader (dd-trace-ot during a migration) restored nothing with more room.
    const members = Array.from({ length: 20 }, (_, i) => `vendor${i}=${"x".repeat(18)}`);
    const inbound = {
      traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
      tracestate: ["dd=s:2;o:rum;t.dm:-4", ...members].join(","),
      baggage: "user=alice,tenant=t1",
      "x-datadog-trace-id": "12345678901234567890",
      "x-datadog-parent-id": "9876543210987654321",
      "x-datadog-sampling-priority": "2",
      "x-datadog-origin": "rum",
      "x-datadog-tags": "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4",
    };
    const context = contextFromCarrier(inbound, { context: ROOT_CONTEXT });
    const capture = (maxBytes: number) => captureStoredCarrier(new Set(["tenant"]), maxBytes, { context });
    const full = capture(10_000)!;
    assert.equal(storedCarrierBytes(full), 816);
    const dd = "dd=s:2;o:rum;p:891087b8e3b70cb1;t.dm:-4;t.tid:640cfd8d00000000";
    // The injected tracestate is itself cut to 512 characters (§3.3.1.5): dd= and 16 of the 20 members.
    assert.equal(full.tracestate, [dd, ...members.slice(0, 16)].join(","));
    const datadogAndTraceparent = pick(full, [...DATADOG_IDS, "traceparent", "x-datadog-origin"]);
    assert.deepEqual(capture(355), datadogAndTraceparent);
    assert.equal(storedCarrierBytes(capture(355)!), 278);
    // From 356 bytes both styles stay, and the tracestate keeps what fits of it, cut as Trace Context
    // §3.3.1.5 cuts one: whole members from the right, dd= (at the left) last.
    const withTraceState = (kept: number) => ({
      ...datadogAndTraceparent,
      tracestate: [dd, ...members.slice(0, kept)].join(","),
    });
    assert.deepEqual(capture(356), withTraceState(0));
    assert.deepEqual(capture(400), withTraceState(1));
    assert.equal(storedCarrierBytes(capture(400)!), 383);
    const { result: at600, diagWarnings } = await recordWarnings(() => capture(600));
    assert.deepEqual(at600, withTraceState(9));
    assert.deepEqual(diagWarnings, [
      "tracehop traceCarrierExtension: carrier of 816 bytes trimmed to 599 (limit 600): tracestate (10 of 17 members), " +
        "x-datadog-trace-id, x-datadog-parent-id, x-datadog-sampling-priority, x-datadog-tags, traceparent, " +
        "x-datadog-origin kept",
    ]);
    assert.deepEqual(capture(815), withTraceState(16));
    assert.deepEqual(capture(816), full);
    const readers = [createPropagator(["datadog"]), createPropagator(["tracecontext"])];
    for (const maxBytes of [279, 400, 599, 600, 700, 815])
      for (const [i, propagator] of readers.entries())
        assert.equal(
          trace.getSpanContext(contextFromCarrier(capture(maxBytes), { propagator }))?.spanId,
          "891087b8e3b70cb1",
          `limit ${maxBytes}, reader ${i}`,
        );
  });

  test("trimming reads its carrier back, which is no restore: no extract-behavior warning under restart", async () => {
    // An HTTP edge with DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=restart writing a row over the limit.
    const saved = process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT;
    process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT = "restart";
    resetWarnings();
    try {
      const propagator = createPropagator();
      const context = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: "640cfd8d00000000ab54a98ceb1f0ad2",
        spanId: "891087b8e3b70cb1",
        traceFlags: TraceFlags.SAMPLED,
      });
      const told = await recordWarnings(() => captureStoredCarrier(undefined, 150, { context, propagator }));
      assert.ok(told.result !== undefined && storedCarrierBytes(told.result) <= 150);
      assert.deepEqual(
        told.processWarnings.filter(([code]) => code === "TRACEHOP_EXTRACT_BEHAVIOR_ON_STORED_CARRIER"),
        [],
      );
    } finally {
      if (saved === undefined) delete process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT;
      else process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT = saved;
      resetWarnings();
    }
  });

  test("a dd-trace-ot flat carrier (upper-case names, ot-baggage-*): baggage first, then the origin, the ids together", () => {
    // test/fixtures/prisma-legacy-rows.json B09-ot-baggage, with an origin.
    const row = {
      "X-Datadog-Trace-Id": "1234567890123456789",
      "X-Datadog-Parent-Id": "987654321",
      "X-Datadog-Sampling-Priority": "1",
      "X-Datadog-Origin": "synthetics",
      "ot-baggage-tenant": "acme",
    };
    const lower = Object.fromEntries(Object.entries(row).map(([key, value]) => [key.toLowerCase(), value]));
    const ids = ["x-datadog-trace-id", "x-datadog-parent-id", "x-datadog-sampling-priority"];
    const limits: [number, string[] | undefined][] = [
      [171, [...ids, "x-datadog-origin", "ot-baggage-tenant"]],
      [170, [...ids, "x-datadog-origin"]],
      [144, [...ids, "x-datadog-origin"]],
      [143, ids],
      [112, ids],
      // The ids never go apart (x-datadog-trace-id alone restores no trace), nor the origin alone.
      [111, undefined],
      [40, undefined],
    ];
    for (const [maxBytes, kept] of limits)
      assert.deepEqual(trimmed(row, maxBytes), kept && pick(lower, kept), `limit ${maxBytes}`);
  });

  test("over 8 units: headers no reader uses go first, then the same keys as for the carrier without them", () => {
    // Twelve headers extraction never reads, 27 to 82 bytes each, beside the seven of the default
    // carrier: 16 units, more than the 8 whose every subset is tried. The old reduction dropped the
    // largest units that kept the trace (the Datadog ids, then tracestate) and kept the unread ones.
    const full = defaultCarrier();
    const pads = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`x-pad-${String(i).padStart(2, "0")}`, "p".repeat(20 + 5 * i)]),
    );
    const padded = { ...full, ...pads };
    assert.equal(unitsOf(padded).length, 16);
    assert.equal(storedCarrierBytes(padded), 1116);
    assert.deepEqual(trimmed(padded, 1116), padded);
    assert.deepEqual(trimmed(padded, 1115), full);
    for (const [maxBytes, kept, cut] of DEFAULT_CARRIER_LIMITS)
      assert.deepEqual(trimmed(padded, maxBytes), expectedKept(full, kept, cut), `limit ${maxBytes}`);
  });

  test("property: a kept carrier fits, restores the full carrier's trace, and needs every unit it keeps but whole styles", () => {
    const hex = (length: number) =>
      fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((id) => !/^0+$/.test(id));
    const scenario = fc.record({
      traceId: hex(32),
      spanId: hex(16),
      sampled: fc.boolean(),
      traceState: fc.constantFrom(undefined, "rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE,rojo=1"),
      datadog: fc.option(
        fc.record(
          {
            samplingPriority: fc.integer({ min: -1, max: 2 }),
            origin: fc.constantFrom("rum", "synthetics", "synthetics;=web,z"),
            propagationTags: fc.record(
              { "_dd.p.dm": fc.constantFrom("-4", "-0"), "_dd.p.usr": fc.stringMatching(/^[a-z]{1,60}$/) },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
      // Headers the carrier loses (a propagator that writes fewer), and headers no reader uses.
      dropped: fc.subarray([
        "traceparent",
        "tracestate",
        "x-datadog-tags",
        "x-datadog-origin",
        "x-datadog-trace-id",
      ]),
      pads: fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 3 }),
      // A traceparent of another trace (a link of the Datadog winner), sometimes.
      otherTrace: fc.boolean(),
      // The limit, in thousandths of the carrier's size (and a little over it).
      limit: fc.integer({ min: 0, max: 1000 }),
    });
    const toCase = (s: typeof scenario extends fc.Arbitrary<infer T> ? T : never) => {
      let ctx = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: s.traceId,
        spanId: s.spanId,
        traceFlags: s.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: false,
        traceState: s.traceState === undefined ? undefined : new TraceState(s.traceState),
      });
      if (s.datadog) ctx = setDatadogContext(ctx, s.datadog);
      const carrier: Record<string, string> = {};
      createPropagator().inject(ctx, carrier, {
        set: (c, key, value) => ((c as Record<string, string>)[key] = value),
      });
      for (const key of s.dropped) delete carrier[key];
      s.pads.forEach((size, i) => (carrier[`x-pad-${i}`] = "p".repeat(size)));
      if (s.otherTrace && carrier.traceparent)
        carrier.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
      return { carrier, limit: Math.floor((s.limit * (storedCarrierBytes(carrier) + 10)) / 1000) };
    };
    fc.assert(
      fc.property(scenario.map(toCase), ({ carrier, limit }) => {
        const label = `${JSON.stringify(carrier)} under ${limit}`;
        const kept = trimmed(carrier, limit);
        const want = identity(carrier);
        if (storedCarrierBytes(carrier) <= limit) {
          assert.deepEqual(kept, carrier, label);
          return;
        }
        if (kept === undefined) {
          // Nothing stored: then no single unit that fits restores the trace on its own either.
          if (want !== undefined)
            for (const keys of unitsOf(carrier)) {
              const unit = pick(carrier, keys);
              assert.ok(
                storedCarrierBytes(unit) > limit || identity(unit) !== want,
                `${label}: ${keys.join()}`,
              );
            }
          return;
        }
        assert.ok(storedCarrierBytes(kept) <= limit, label);
        for (const [key, value] of Object.entries(kept))
          if (key === "tracestate") assertTraceStateCut(carrier.tracestate!, value, label);
          else assert.equal(carrier[key], value, label);
        // A carrier that restores no trace (its ids dropped) has none to keep: it is cut as an inject-only
        // propagator's is, longest value first (captureStoredCarrier rule 2).
        if (want === undefined) return;
        assert.equal(identity(kept), want, label);
        // Every kept unit changes what the carrier restores, or restores the trace on its own (a whole
        // style, kept for a reader of that style alone).
        const view = restoredView(kept);
        for (const keys of unitsOf(kept))
          if (identity(pick(kept, keys)) !== want)
            assert.notEqual(
              restoredView(without(kept, keys)),
              view,
              `${label}: ${keys.join()} changes nothing`,
            );
      }),
      runParameters(150),
    );
  });

  test("one style fits, then the other: the smaller style is kept until both fit, whatever the priority (each reader, every limit)", () => {
    // A new user's trial: the Datadog headers and a 20-member tracestate restored at an edge, captured
    // at every limit from 50 to 1 000 bytes. Between 204 and 228 bytes the Datadog ids alone fit as well
    // as a traceparent with a cut tracestate; they restore more parts, so they were kept, and a
    // tracecontext-only reader that restored from 73 bytes lost the trace there (and a datadog-only one
    // from 229 to 275). Of as many whole styles, the smaller ones are kept now: each reader that restores
    // at a limit restores at every larger one.
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const spanId = "00f067aa0ba902b7";
    const readers = {
      datadog: createPropagator(["datadog"]),
      tracecontext: createPropagator(["tracecontext"]),
    };
    for (const [priority, withDd] of [
      ["0", true],
      ["1", true],
      ["2", true],
      ["1", false],
    ] as const) {
      const members = withDd ? [`dd=s:${priority};o:rum;p:${spanId};t.dm:-4`] : [];
      for (let i = 1; i < 20; i++) members.push(`vendor${i}=${"v".repeat(16)}${i}`);
      const inbound = {
        traceparent: `00-${traceId}-${spanId}-${priority === "0" ? "00" : "01"}`,
        tracestate: members.join(","),
        "x-datadog-trace-id": BigInt(`0x${traceId.slice(16)}`).toString(),
        "x-datadog-parent-id": BigInt(`0x${spanId}`).toString(),
        "x-datadog-sampling-priority": priority,
        "x-datadog-origin": "rum",
        "x-datadog-tags": `_dd.p.tid=${traceId.slice(0, 16)},_dd.p.dm=-4`,
      };
      const context = contextFromCarrier(inbound, { context: ROOT_CONTEXT });
      const firstAt: Record<string, number | undefined> = {};
      for (let limit = 50; limit <= 1000; limit++) {
        const kept = captureStoredCarrier(undefined, limit, { context, propagator: createPropagator() });
        for (const [style, propagator] of Object.entries(readers)) {
          const restores =
            kept !== undefined &&
            trace.getSpanContext(contextFromCarrier(kept, { propagator }))?.spanId === spanId;
          if (restores) firstAt[style] ??= limit;
          else
            assert.equal(
              firstAt[style],
              undefined,
              `priority ${priority}${withDd ? "" : ", no dd="}: a ${style}-only reader restores from ${firstAt[style]} bytes, not at ${limit}`,
            );
        }
      }
      assert.deepEqual(firstAt, { tracecontext: 73, datadog: 251 }, `priority ${priority}`);
    }
  });

  test("property: more room never loses a single-style reader, and the capture never exceeds its limit", () => {
    // A context as an HTTP edge restores it from an inbound carrier with both styles: the Datadog ids,
    // priority, origin and tags, and a tracestate of dd= and other vendors' members. For two limits
    // N < N', each reader of one style alone (createPropagator(["datadog"]), (["tracecontext"])) that
    // restores the trace from the capture at N does so at N' too (captureStoredCarrier rule 2: the whole
    // styles kept rank before the other parts; a tracestate may be cut to its dd= member, which keeps the
    // sampling decision beside the Datadog ids when tracecontext is read first); every capture fits.
    const readers = [createPropagator(["datadog"]), createPropagator(["tracecontext"])];
    const hex = (length: number) =>
      fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((id) => !/^0+$/.test(id));
    const scenario = fc.record({
      traceId: hex(32),
      spanId: hex(16),
      samplingPriority: fc.integer({ min: -1, max: 2 }),
      origin: fc.option(fc.constantFrom("rum", "synthetics", "synthetics-browser"), { nil: undefined }),
      tags: fc.array(fc.stringMatching(/^[a-z]{1,12}=[a-z0-9]{1,40}$/), { maxLength: 4 }),
      // Other vendors' members: key, value length (up to 140: some over §3.3.1.5's 128 characters).
      members: fc.array(
        fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.integer({ min: 1, max: 140 })),
        {
          maxLength: 24,
        },
      ),
      ddFirst: fc.boolean(),
      // The capturing propagator: the default (datadog first) or tracecontext first.
      tracecontextFirst: fc.boolean(),
      // The limits, in thousandths of the whole carrier's size (and a little over it).
      limits: fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 })),
    });
    fc.assert(
      fc.property(scenario, (s) => {
        const sampled = s.samplingPriority > 0;
        const dd = `dd=s:${s.samplingPriority}${s.origin ? `;o:${s.origin}` : ""}`;
        const keys = new Set<string>(["dd"]);
        const members = s.members
          .filter(([key]) => !keys.has(key) && keys.add(key))
          .map(([key, length], i) => `${key}=${String.fromCharCode(0x61 + (i % 26)).repeat(length)}`);
        const inbound: Record<string, string> = {
          traceparent: `00-${s.traceId}-${s.spanId}-${sampled ? "01" : "00"}`,
          tracestate: (s.ddFirst ? [dd, ...members] : [...members, dd]).join(","),
          "x-datadog-trace-id": BigInt(`0x${s.traceId.slice(16)}`).toString(),
          "x-datadog-parent-id": BigInt(`0x${s.spanId}`).toString(),
          "x-datadog-sampling-priority": String(s.samplingPriority),
          "x-datadog-tags": [`_dd.p.tid=${s.traceId.slice(0, 16)}`, ...s.tags.map((t) => `_dd.p.${t}`)].join(
            ",",
          ),
        };
        if (s.origin) inbound["x-datadog-origin"] = s.origin;
        const context = contextFromCarrier(inbound, { context: ROOT_CONTEXT });
        const propagator = s.tracecontextFirst
          ? createPropagator(["tracecontext", "datadog"])
          : createPropagator();
        const full = captureStoredCarrier(undefined, 100_000, { context, propagator })!;
        const fullBytes = storedCarrierBytes(full);
        const [low, high] = (s.limits[0] <= s.limits[1] ? s.limits : [s.limits[1], s.limits[0]]).map(
          (limit) => Math.floor((limit * (fullBytes + 10)) / 1000),
        ) as [number, number];
        const restoring = (maxBytes: number): number => {
          const kept = captureStoredCarrier(undefined, maxBytes, { context, propagator });
          if (kept === undefined) return 0;
          const label = `${JSON.stringify(kept)} under ${maxBytes}`;
          assert.ok(storedCarrierBytes(kept) <= maxBytes, label);
          if (kept.tracestate !== undefined) assertTraceStateCut(full.tracestate!, kept.tracestate, label);
          return readers.filter(
            (reader) =>
              trace.getSpanContext(contextFromCarrier(kept, { propagator: reader }))?.spanId === s.spanId,
          ).length;
        };
        const atLow = restoring(low);
        const atHigh = restoring(high);
        assert.ok(atHigh >= atLow, `${atLow} readers restore at ${low} bytes, ${atHigh} at ${high}`);
      }),
      runParameters(100),
    );
  });
});
