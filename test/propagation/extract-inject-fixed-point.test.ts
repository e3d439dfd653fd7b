// tracehop reads back its own output as it wrote it: for every propagator that extracts and injects
// both `tracecontext` and `datadog`, c1 = inject(extract(c0)) and c2 = inject(extract(c1)) are equal.
// A traceparent alone gives x-datadog-* headers derived from it and no `dd=` member (docs/conformance.md
// "No decision maker for a local root"); reading those headers back must not turn them into Datadog
// state of their own, or the next hop adds a `dd=` member, and a full tracestate (32 members, 512
// characters) loses a vendor's member on a hop where nothing changed (docs/conformance.md "Datadog
// headers that only repeat the traceparent").
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type TextMapPropagator,
} from "@opentelemetry/api";
import fc from "fast-check";
import { createPropagator, getDatadogContext, type PropagationStyleName } from "../../src/index.js";
import { runParameters } from "../hardening/arbitraries.js";

/** One hop: what `propagator` writes for what it reads from `carrier`. */
function hop(propagator: TextMapPropagator, carrier: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  propagator.inject(
    propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
    out,
    defaultTextMapSetter,
  );
  return out;
}

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });
const decimal64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
/** Trace ids with a zero upper half (64-bit), or a full 128-bit one. */
const traceId = fc.oneof(
  hex(16).map((low) => "0".repeat(16) + low),
  hex(32),
);
const traceparent = fc
  .tuple(traceId, hex(16), fc.constantFrom("00", "01", "02", "03", "ff"))
  .map(([t, s, f]) => `00-${t}-${s}-${f}`);
const vendorMember = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9_*/-]{0,8}$/), fc.stringMatching(/^[!-+--<>-~]{1,12}$/))
  .map(([k, v]) => `${k}=${v}`);
const ddMember = fc
  .tuple(fc.integer({ min: -1, max: 2 }), fc.constantFrom("synthetics", ""), hex(16), fc.boolean())
  .map(([s, o, p, dm]) => `dd=s:${s}${o ? `;o:${o}` : ""};p:${p}${dm ? ";t.dm:-4" : ""}`);
const tracestate = fc.oneof(
  fc.array(fc.oneof(ddMember, vendorMember), { maxLength: 6 }).map((m) => m.join(",")),
  // At the list's limits: 31 to 33 vendor members.
  fc.integer({ min: 31, max: 33 }).map((n) => Array.from({ length: n }, (_, i) => `v${i}=x${i}`).join(",")),
);
const datadogTags = fc
  .array(
    fc.oneof(
      hex(16).map((tid) => `_dd.p.tid=${tid}`),
      fc.constantFrom("_dd.p.dm=-4", "_dd.p.dm=-0", "_dd.p.usr.id=baz64==", "_dd.p.upstream_services=x"),
    ),
    { maxLength: 3 },
  )
  .map((tags) => tags.join(","));

/** A W3C context, often with Datadog headers of the same trace (same or another parent), or another. */
const carrier: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      traceparent,
      tracestate,
      sameTrace: fc.boolean(),
      sameParent: fc.boolean(),
      datadog: fc.boolean(),
      "x-datadog-trace-id": decimal64,
      "x-datadog-parent-id": decimal64,
      "x-datadog-sampling-priority": fc.integer({ min: -1, max: 2 }).map(String),
      "x-datadog-origin": fc.constantFrom("synthetics", "rum"),
      "x-datadog-tags": datadogTags,
      baggage: fc.constantFrom("k=v", "a=1,b=2"),
    },
    { requiredKeys: ["traceparent", "sameTrace", "sameParent", "datadog"] },
  )
  .map(({ sameTrace, sameParent, datadog, ...fields }) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
    if (!datadog)
      for (const key of Object.keys(out))
        if (key.startsWith("x-datadog-")) delete out[key];
        else if (sameTrace) {
          const [, id, span] = out.traceparent!.split("-");
          out["x-datadog-trace-id"] = BigInt(`0x${id!.slice(16)}`).toString();
          if (sameParent) out["x-datadog-parent-id"] = BigInt(`0x${span}`).toString();
        }
    return out;
  });

/** A W3C context of other vendors only (no `dd=` member, no Datadog headers). */
const w3cCarrier: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    traceparent,
    tracestate: fc.oneof(
      fc.array(vendorMember, { maxLength: 6 }).map((m) => m.join(",")),
      fc
        .integer({ min: 31, max: 33 })
        .map((n) => Array.from({ length: n }, (_, i) => `v${i}=x${i}`).join(",")),
    ),
    baggage: fc.constantFrom("k=v", "a=1,b=2"),
  },
  { requiredKeys: ["traceparent"] },
);

const OTHER_STYLES: PropagationStyleName[] = ["baggage", "b3", "b3multi"];
/**
 * Every style list holding both `tracecontext` and `datadog`, in any order; with `b3Last`, no B3 style
 * before `datadog` (a B3 winner keeps nothing of a later style's Datadog fields but the tracestate, as
 * in Datadog's tracers: what it drops is dropped on every hop, not only on the second).
 */
const styleOrder = (b3Last: boolean): fc.Arbitrary<PropagationStyleName[]> =>
  fc.tuple(fc.subarray(OTHER_STYLES), fc.infiniteStream(fc.nat())).map(([others, stream]) => {
    const styles: PropagationStyleName[] = ["tracecontext", "datadog", ...others];
    // A Fisher-Yates shuffle from the stream's numbers.
    const it = stream[Symbol.iterator]();
    for (let i = styles.length - 1; i > 0; i--) {
      const j = it.next().value! % (i + 1);
      [styles[i], styles[j]] = [styles[j]!, styles[i]!];
    }
    if (!b3Last) return styles;
    const b3 = styles.filter((style) => style === "b3" || style === "b3multi");
    const rest = styles.filter((style) => style !== "b3" && style !== "b3multi");
    return [...rest.slice(0, rest.indexOf("datadog") + 1), ...b3, ...rest.slice(rest.indexOf("datadog") + 1)];
  });

describe("extract -> inject is a fixed point of tracehop's own output", () => {
  test("the default propagator writes on hop 2 exactly what it wrote on hop 1", () => {
    const propagator = createPropagator();
    fc.assert(
      fc.property(carrier, (c0) => {
        const c1 = hop(propagator, c0);
        assert.deepEqual(hop(propagator, c1), c1);
      }),
      runParameters(400),
    );
  });

  test("every style order with tracecontext and datadog writes on hop 2 what it wrote on hop 1", () => {
    fc.assert(
      fc.property(styleOrder(true), carrier, (styles, c0) => {
        const propagator = createPropagator(styles);
        const c1 = hop(propagator, c0);
        assert.deepEqual(hop(propagator, c1), c1);
      }),
      runParameters(400),
    );
  });

  test("every style order, B3 first too, writes on hop 2 what it wrote on hop 1 for a W3C context", () => {
    fc.assert(
      fc.property(styleOrder(false), w3cCarrier, (styles, c0) => {
        const propagator = createPropagator(styles);
        const c1 = hop(propagator, c0);
        assert.deepEqual(hop(propagator, c1), c1);
      }),
      runParameters(400),
    );
  });

  test("a traceparent alone: hop 2 adds no dd= member, and reads no Datadog fields of its own", () => {
    const propagator = createPropagator();
    const c1 = hop(propagator, { traceparent: TRACEPARENT });
    assert.deepEqual(c1, {
      traceparent: TRACEPARENT,
      "x-datadog-trace-id": "9532127138774266268",
      "x-datadog-parent-id": "13235353014750950193",
      "x-datadog-sampling-priority": "1",
      "x-datadog-tags": "_dd.p.tid=0af7651916cd43dd",
    });
    assert.deepEqual(hop(propagator, c1), c1);
    // The Datadog fields read back are the ones the traceparent alone gives.
    const alone = getDatadogContext(
      propagator.extract(ROOT_CONTEXT, { traceparent: TRACEPARENT }, defaultTextMapGetter),
    );
    const again = getDatadogContext(propagator.extract(ROOT_CONTEXT, c1, defaultTextMapGetter));
    assert.deepEqual(again, alone);
  });

  test("32 vendor members: hop 2 keeps all 32", () => {
    const propagator = createPropagator();
    const members = Array.from({ length: 32 }, (_, i) => `vendor${i}=v${i}`);
    assert.ok(members.join(",").length <= 512);
    const c1 = hop(propagator, { traceparent: TRACEPARENT, tracestate: members.join(",") });
    assert.equal(c1.tracestate, members.join(","));
    const c2 = hop(propagator, c1);
    assert.equal(c2.tracestate, members.join(","));
    assert.deepEqual(c2, c1);
  });

  test("a tracestate of 512 characters: hop 2 keeps its last member", () => {
    const propagator = createPropagator();
    // 15 members of 31 characters, one of 32 and the 15 commas between them: 512 characters.
    const members = Array.from({ length: 15 }, (_, i) => `k${String(i).padStart(2, "0")}=${"v".repeat(27)}`);
    members.push(`last=${"w".repeat(27)}`);
    const list = members.join(",");
    assert.equal(list.length, 512);
    const c1 = hop(propagator, { traceparent: TRACEPARENT, tracestate: list });
    assert.equal(c1.tracestate, list);
    const c2 = hop(propagator, c1);
    assert.equal(c2.tracestate, list);
    assert.deepEqual(c2, c1);
  });
});
