// Real dd-trace interop (dd-trace 5, in process, no agent): hundreds of random contexts both ways,
// exact on 128-bit ids, sampling priority, origin and decision maker, for the default styles and for
// W3C-only carriers.
import { createRequire } from "node:module";
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ROOT_CONTEXT,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  trace,
  TraceFlags,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/normalize-carrier.js";
import { createPropagator, type PropagationStyle } from "../../src/propagation/create-propagator.js";
import { getDatadogContext, setDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { getExtractionAttributes, getExtractionLinks } from "../../src/propagation/extraction-result.js";
import {
  numRuns,
  oddDatadogCarrier,
  oddTraceparent,
  oddTracestate,
  runParameters,
} from "../hardening/arbitraries.js";
import { ORIGIN } from "../hardening/checks.js";
import { datadogSpanId, datadogTraceId } from "../support/datadog-ids.js";
import { ddBaggage, ddPropagator, ddSpanContext, ddTracer, type DdContextSpec } from "./dd-trace-helpers.js";

const RUNS = 300;
const ZERO = "0000000000000000";

const hex16 = fc.stringMatching(/^[0-9a-f]{16}$/);
const nonZeroHex16 = hex16.filter((h) => h !== ZERO);
/** Origins as Datadog products send them, plus `=` (encoded `~` in tracestate) and blanks. */
const origin = fc.option(
  fc.oneof(
    fc.constantFrom("synthetics", "rum", "synthetics-browser", "lambda", "ciapp-test"),
    fc.stringMatching(/^[a-z0-9][a-z0-9 =._-]{0,20}[a-z0-9]$/),
  ),
  { nil: undefined },
);
/** `_dd.p.dm` decision makers, `-<mechanism>` (dd-trace-java `SamplingMechanism`). */
const decisionMaker = fc.constantFrom(
  "-0",
  "-1",
  "-2",
  "-3",
  "-4",
  "-5",
  "-6",
  "-8",
  "-10",
  "-11",
  "-12",
  "-13",
);

const spec: fc.Arbitrary<DdContextSpec> = fc
  .record({
    traceIdHigh: fc.oneof(fc.constant(ZERO), hex16),
    traceIdLow: nonZeroHex16,
    spanId: nonZeroHex16,
    priority: fc.constantFrom(-1, 0, 1, 2),
    origin,
    decisionMaker,
  })
  // The decision maker is present only for keep decisions (dd-trace-js `priority_sampler.js`
  // `#addDecisionMaker`).
  .map((s) => (s.priority > 0 ? s : { ...s, decisionMaker: undefined }));

const setter = { set: (c: unknown, k: string, v: string) => ((c as Record<string, string>)[k] = v) };

/** What `propagator` extracts from `carrier`, read as tracehop reads a stored carrier. */
const extractFrom = (propagator: TextMapPropagator, carrier: Record<string, string>) =>
  propagator.extract(ROOT_CONTEXT, normalizeCarrier(carrier), normalizedCarrierGetter);

/** The default extract styles of dd-trace and tracehop. */
const DEFAULT_STYLES = ["datadog", "tracecontext", "baggage"];

/** A link as [trace id (32 hex), span id (16 hex), attributes], the form both sides are compared in. */
type LinkRow = [traceId: string, spanId: string, attributes: unknown];

/** The links dd-trace's extraction recorded on its span context (`_links`). */
function ddLinkRows(extracted: unknown): LinkRow[] {
  const { _links } = extracted as {
    _links: {
      context: { toTraceId(full: boolean): string; toSpanId(full: boolean): string };
      attributes: object;
    }[];
  };
  return _links.map((link) => [
    link.context.toTraceId(true).padStart(32, "0"),
    link.context.toSpanId(true),
    link.attributes,
  ]);
}

/** The links tracehop's extraction recorded in `ctx`. */
function ourLinkRows(ctx: Context): LinkRow[] {
  return getExtractionLinks(ctx).map((link) => [link.context.traceId, link.context.spanId, link.attributes]);
}

/** `x-datadog-trace-id` / `x-datadog-parent-id` (decimal) of a trace id's low half and a parent, in hex. */
const datadogIds = (traceIdLow: string, parentId: string) => ({
  "x-datadog-trace-id": datadogTraceId(ZERO + traceIdLow),
  "x-datadog-parent-id": datadogSpanId(parentId),
});

const STYLE_SETS = [
  {
    label: "default styles",
    dd: ["datadog", "tracecontext", "baggage"],
    ours: undefined as string[] | undefined,
  },
  { label: "W3C only", dd: ["tracecontext"], ours: ["tracecontext"] },
];

describe("dd-trace writes -> tracehop reads", () => {
  for (const styles of STYLE_SETS) {
    test(`${styles.label}: ${RUNS} random contexts`, () => {
      const dd = ddPropagator(styles.dd);
      // Without styles: the environment / default extract order (datadog, tracecontext, baggage).
      const ours = createPropagator(styles.ours);
      fc.assert(
        fc.property(spec, (s) => {
          const carrier: Record<string, string> = {};
          dd.inject(ddSpanContext(s), carrier);
          const ctx = extractFrom(ours, carrier);
          const sc = trace.getSpanContext(ctx);
          assert.ok(sc, `no context from ${JSON.stringify(carrier)}`);
          assert.equal(sc.traceId, s.traceIdHigh + s.traceIdLow);
          assert.equal(sc.spanId, s.spanId);
          assert.equal(sc.traceFlags & TraceFlags.SAMPLED, s.priority > 0 ? 1 : 0);
          const fields = getDatadogContext(ctx);
          assert.equal(fields?.samplingPriority, s.priority);
          assert.equal(fields?.origin, s.origin);
          assert.equal(fields?.propagationTags["_dd.p.dm"], s.decisionMaker);
          assert.equal(
            fields?.propagationTags["_dd.p.tid"],
            s.traceIdHigh === ZERO ? undefined : s.traceIdHigh,
          );
          assert.deepEqual(getExtractionLinks(ctx), [], "one context, written twice, is no conflict");
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe("odd Datadog headers: tracehop reads what dd-trace reads, except the documented differences", () => {
  // The Datadog style alone, on headers with ids at the 2^53/2^63/2^64 edges, leading zeros, signs and
  // spaces, odd priorities, origins and x-datadog-tags (hardening/arbitraries.ts `oddDatadogCarrier`).
  // Left out of the comparison, as docs/conformance.md "Datadog propagation" lists them:
  // - ids: tracehop takes 1-20 decimal digits up to 2^64 - 1 only; dd-trace-js parses a sign,
  //   whitespace, trailing junk or 2^64 leniently ("Ids");
  // - priority: one that is not an integer, or has more than 10 significant digits, makes tracehop's
  //   Datadog style invalid; dd-trace-js continues the trace ("Priority");
  // - x-datadog-tags: tracehop tolerates empty members, keys outside `_dd.p.*` and the bare prefix
  //   `_dd.p.` (skipped alone) and drops an invalid
  //   `_dd.p.dm` and an upper-case or all-zero `_dd.p.tid` alone, where dd-trace-js drops the whole
  //   header or keeps them ("x-datadog-tags");
  // - origin: a non-ASCII, control-character or empty origin is dropped by tracehop ("Origin");
  // - a comma in an origin separates joined repeated values, the first read ("Repeated fields").
  const CANONICAL_ID = /^[0-9]{1,20}$/;
  const canonicalId = (text: string | undefined) =>
    text !== undefined && CANONICAL_ID.test(text) && BigInt(text) < 2n ** 64n;
  /** What tracehop reads as a priority: a sign, leading zeros, then at most 10 digits. */
  const INTEGER = /^[-+]?0*[0-9]{1,10}$/;

  test(`${numRuns(RUNS)} odd Datadog carriers, datadog style only`, () => {
    const dd = ddPropagator(["datadog"]);
    const ours = createPropagator(["datadog"]);
    fc.assert(
      fc.property(oddDatadogCarrier, (carrier) => {
        const label = JSON.stringify(carrier);
        const theirs = dd.extract({ ...carrier });
        const ctx = extractFrom(ours, carrier);
        const sc = trace.getSpanContext(ctx);
        const fields = getDatadogContext(ctx);
        const traceIdText = carrier["x-datadog-trace-id"];
        const parentIdText = carrier["x-datadog-parent-id"];
        const priorityText = carrier["x-datadog-sampling-priority"];
        const documentedIdDifference = !canonicalId(traceIdText) || !canonicalId(parentIdText);
        const documentedPriorityDifference = priorityText !== undefined && !INTEGER.test(priorityText);
        if (fields === undefined) {
          // tracehop refused the context: dd-trace refuses it too, or a documented difference decides.
          if (theirs !== null)
            assert.ok(
              documentedIdDifference || documentedPriorityDifference || BigInt(traceIdText!) === 0n,
              `refused by tracehop only: ${label}`,
            );
          return;
        }
        assert.ok(theirs, `read by tracehop only: ${label}`);
        if (sc !== undefined) {
          assert.equal(datadogTraceId(sc.traceId), theirs.toTraceId(), label);
          assert.equal(sc.spanId, theirs.toSpanId(true).padStart(16, "0"), label);
        } else {
          // A restored root (parent id 0, docs/conformance.md "Links"): dd-trace's span id is 0.
          assert.equal(theirs.toSpanId(), "0", label);
        }
        // dd-trace-js's parseInt reads `-0` as -0; tracehop keeps 0 (pinned in hardening/properties.test.ts).
        const theirPriority = theirs._sampling.priority;
        assert.equal(
          fields.samplingPriority,
          theirPriority === undefined ? undefined : theirPriority + 0,
          label,
        );
        // A comma separates the values of a repeated field joined in one string: tracehop reads the
        // first origin (none when a part is empty), dd-trace-js the whole text ("Repeated fields").
        const whole: string | undefined = theirs._trace.origin;
        const parts = whole?.split(",").map((p) => p.replace(/^[ \t]+|[ \t]+$/g, ""));
        const theirOrigin = !whole?.includes(",") ? whole : parts!.includes("") ? undefined : parts![0];
        if (theirOrigin !== undefined && ORIGIN.test(theirOrigin))
          assert.equal(fields.origin, theirOrigin, label);
        else assert.equal(fields.origin, undefined, label);
        const theirTags = theirs._trace.tags;
        for (const [key, value] of Object.entries(fields.propagationTags)) {
          // dd-trace-js keeps an upper-case or all-zero tid and a `_dd.p.dm` that is no decision maker,
          // which tracehop drops alone (an earlier valid one of a repeated key then stays).
          const droppedByTracehop =
            key in theirTags &&
            ((key === "_dd.p.tid" && !/^(?!0{16})[0-9a-f]{16}$/.test(theirTags[key] ?? "")) ||
              (key === "_dd.p.dm" && !/^([0-9a-f]{10})?-[0-9]+$/.test(theirTags[key] ?? "")));
          if (droppedByTracehop) continue;
          if (key in theirTags) assert.equal(value, theirTags[key], `${key}, ${label}`);
          else {
            // dd-trace-js dropped the whole header: an empty member, a key outside `_dd.p.*` or the
            // bare prefix `_dd.p.`, which tracehop skips alone.
            const members = (carrier["x-datadog-tags"] ?? "").split(",");
            assert.ok(
              members.some((m) => m === "" || !m.startsWith("_dd.p.") || m.startsWith("_dd.p.=")),
              `${key} kept by tracehop only: ${label}`,
            );
          }
        }
      }),
      runParameters(RUNS),
    );
  });
});

describe("odd traceparent and tracestate: what tracehop reads, dd-trace reads the same", () => {
  // tracecontext style alone. tracehop reads Trace Context Level 2 strictly (§3.2.2: lower-case hex,
  // version ff invalid, version 00 exactly 55 characters, OWS only around the value), while dd-trace-js
  // (text_map.js `#extractTraceparentContext`) matches hex in any case: a traceparent only dd-trace-js
  // reads is a leniency of dd-trace-js, left out of the comparison. Whatever tracehop reads, dd-trace-js
  // reads with the same ids and sampled flag, and the Datadog fields of a `dd=` member agree where
  // docs/conformance.md lists no difference (`s:` as an integer only; `o:` printable ASCII).
  test(`${numRuns(RUNS)} odd traceparent / tracestate pairs`, () => {
    const dd = ddPropagator(["tracecontext"]);
    const ours = createPropagator(["tracecontext"]);
    fc.assert(
      fc.property(oddTraceparent, fc.option(oddTracestate, { nil: undefined }), (traceparent, tracestate) => {
        const carrier: Record<string, string> = { traceparent };
        if (tracestate !== undefined) carrier.tracestate = tracestate;
        const label = JSON.stringify(carrier);
        const theirs = dd.extract({ ...carrier });
        const sc = trace.getSpanContext(extractFrom(ours, carrier));
        if (sc === undefined) return;
        // Repeated identical fields joined in one value (`a,a`, `a, a`) count as one for tracehop
        // (docs/conformance.md "Repeated traceparent fields"); dd-trace-js reads no such value.
        if (traceparent.includes(",")) return;
        assert.ok(theirs, `read by tracehop only: ${label}`);
        assert.equal(sc.traceId, theirs.toTraceId(true).padStart(32, "0").toLowerCase(), label);
        assert.equal(sc.spanId, theirs.toSpanId(true).padStart(16, "0").toLowerCase(), label);
        assert.equal((sc.traceFlags & TraceFlags.SAMPLED) !== 0, theirs._sampling.priority! > 0, label);
      }),
      runParameters(RUNS),
    );
  });
});

describe("DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=restart: the same link as dd-trace's", () => {
  // dd-trace's extraction under restart keeps the winner and records one link to it
  // (`_links`, reason propagation_behavior_extract); its span then starts a new trace.
  const styles = DEFAULT_STYLES;
  const conflicting = fc.option(fc.tuple(hex16, nonZeroHex16, nonZeroHex16), { nil: undefined });
  test(`${RUNS} random contexts, some with a traceparent of another trace`, () => {
    const dd = ddPropagator(styles, "restart");
    const ours = createPropagator(styles, { extractBehavior: "restart" });
    fc.assert(
      fc.property(spec, conflicting, (s, other) => {
        const carrier: Record<string, string> = {};
        ddPropagator(styles).inject(ddSpanContext(s), carrier);
        if (other !== undefined) carrier.traceparent = `00-${other[0]}${other[1]}-${other[2]}-01`;
        const theirs = ddLinkRows(dd.extract({ ...carrier }));
        const ctx = extractFrom(ours, carrier);
        assert.equal(theirs.length, 1, "dd-trace links the extracted context");
        assert.equal(trace.getSpanContext(ctx), undefined, "restart: no parent");
        assert.equal(getDatadogContext(ctx), undefined);
        assert.deepEqual(ourLinkRows(ctx), theirs);
      }),
      { numRuns: RUNS },
    );
  });
});

test("restart of a Synthetics context (parent id 0): the same span-id-0 link as dd-trace's", () => {
  const styles = DEFAULT_STYLES;
  const carrier = {
    "x-datadog-trace-id": "123",
    "x-datadog-parent-id": "0",
    "x-datadog-sampling-priority": "-1",
    "x-datadog-origin": "synthetics",
  };
  const expected = ddLinkRows(ddPropagator(styles, "restart").extract({ ...carrier }));
  const ctx = extractFrom(createPropagator(styles, { extractBehavior: "restart" }), carrier);
  assert.equal(expected.length, 1);
  assert.deepEqual(ourLinkRows(ctx), expected);
});

test("a Synthetics context (parent id 0) of another trace that does not win: the same span-id-0 link as dd-trace's", () => {
  const styles = ["tracecontext", "datadog", "baggage"];
  const carrier = {
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "x-datadog-trace-id": "1234",
    "x-datadog-parent-id": "0",
    "x-datadog-sampling-priority": "1",
    "x-datadog-origin": "synthetics",
  };
  const expected = ddLinkRows(ddPropagator(styles).extract({ ...carrier }));
  const ctx = extractFrom(createPropagator(styles), carrier);
  assert.deepEqual(expected, [
    [
      "000000000000000000000000000004d2",
      "0000000000000000",
      { reason: "terminated_context", context_headers: "datadog" },
    ],
  ]);
  assert.deepEqual(ourLinkRows(ctx), expected);
  assert.equal(trace.getSpanContext(ctx)?.traceId, "0af7651916cd43dd8448eb211c80319c");
});

test("a W3C parent replacing the Datadog parent of the same trace: _dd.parent_id as dd-trace's, parent id 0 included", () => {
  const styles = DEFAULT_STYLES;
  const dd = ddPropagator(styles);
  const ours = createPropagator(styles);
  fc.assert(
    fc.property(
      nonZeroHex16,
      fc.oneof(fc.constant(ZERO), nonZeroHex16),
      nonZeroHex16,
      fc.option(nonZeroHex16, { nil: undefined }),
      (traceIdLow, ddParent, w3cParent, p) => {
        const carrier: Record<string, string> = {
          ...datadogIds(traceIdLow, ddParent),
          "x-datadog-sampling-priority": "1",
          traceparent: `00-${ZERO}${traceIdLow}-${w3cParent}-01`,
          tracestate: p === undefined ? "dd=s:1" : `dd=s:1;p:${p}`,
        };
        const theirs = dd.extract({ ...carrier });
        const ctx = extractFrom(ours, carrier);
        assert.equal(trace.getSpanContext(ctx)?.spanId, theirs!.toSpanId(true).padStart(16, "0"));
        assert.equal(
          getExtractionAttributes(ctx)["_dd.parent_id"],
          theirs!._trace.tags["_dd.parent_id"],
          JSON.stringify(carrier),
        );
      },
    ),
    { numRuns: RUNS },
  );
});

test("Datadog headers without a priority, traceparent of the same trace: the W3C keep or drop, as dd-trace's", () => {
  // dd-trace-js 5 #mergeTraceContextState: a winner without a priority takes the W3C context's
  // decision. Guards against keeping such a trace sampled (an upstream drop turned into a keep). tracehop
  // keeps the priority itself unset (the handed vectors, system-tests w3c_p_extract_datadog_w3c) and
  // takes the sampled flag, so the next injection writes the same keep (1) or drop (0).
  const styles = DEFAULT_STYLES;
  const dd = ddPropagator(styles);
  const ours = createPropagator(styles);
  fc.assert(
    fc.property(
      nonZeroHex16,
      fc.oneof(fc.constant(ZERO), nonZeroHex16),
      nonZeroHex16,
      fc.constantFrom("00", "01"),
      fc.option(fc.constantFrom(-1, 0, 1, 2), { nil: undefined }),
      (traceIdLow, ddParent, w3cParent, flags, s) => {
        const carrier: Record<string, string> = {
          ...datadogIds(traceIdLow, ddParent),
          traceparent: `00-${ZERO}${traceIdLow}-${w3cParent}-${flags}`,
        };
        if (s !== undefined) carrier.tracestate = `dd=s:${s}`;
        const theirs = dd.extract({ ...carrier })!;
        const ctx = extractFrom(ours, carrier);
        const label = JSON.stringify(carrier);
        assert.equal(getDatadogContext(ctx)?.samplingPriority, undefined, label);
        const keep = theirs._sampling.priority! > 0;
        assert.equal((trace.getSpanContext(ctx)!.traceFlags & TraceFlags.SAMPLED) !== 0, keep, label);
        const injected: Record<string, string> = {};
        ours.inject(ctx, injected, setter);
        assert.equal(injected["x-datadog-sampling-priority"], keep ? "1" : "0", label);
        assert.equal(injected.traceparent!.slice(-2), keep ? "01" : "00", label);
      },
    ),
    { numRuns: RUNS },
  );
});

describe("tracehop writes -> dd-trace reads", () => {
  for (const styles of STYLE_SETS) {
    test(`${styles.label}: ${RUNS} random contexts`, () => {
      const dd = ddPropagator(styles.dd);
      const ours = createPropagator(styles.ours ?? ["tracecontext", "baggage", "datadog"]);
      fc.assert(
        fc.property(spec, (s) => {
          let ctx = trace.setSpanContext(ROOT_CONTEXT, {
            traceId: s.traceIdHigh + s.traceIdLow,
            spanId: s.spanId,
            traceFlags: s.priority > 0 ? TraceFlags.SAMPLED : TraceFlags.NONE,
            isRemote: false,
          });
          ctx = setDatadogContext(ctx, {
            samplingPriority: s.priority,
            ...(s.origin !== undefined ? { origin: s.origin } : {}),
            propagationTags: s.decisionMaker !== undefined ? { "_dd.p.dm": s.decisionMaker } : {},
          });
          const carrier: Record<string, string> = {};
          ours.inject(ctx, carrier, setter);
          const read = dd.extract(carrier);
          assert.ok(read, `dd-trace extracted nothing from ${JSON.stringify(carrier)}`);
          assert.equal(read.toTraceId(true), s.traceIdHigh + s.traceIdLow);
          assert.equal(read.toTraceId(), datadogTraceId(s.traceIdHigh + s.traceIdLow));
          assert.equal(read.toSpanId(true), s.spanId);
          assert.equal(read._sampling.priority, s.priority);
          assert.equal(read._trace.origin, s.origin);
          assert.equal(read._trace.tags["_dd.p.dm"], s.decisionMaker);
        }),
        { numRuns: RUNS },
      );
    });
  }

  test("a span started by dd-trace round-trips through tracehop and back (ids dd-trace reports)", () => {
    const span = ddTracer().startSpan("interop");
    const carrier: Record<string, string> = {};
    ddTracer().inject(span, "text_map", carrier);
    const ctx = extractFrom(createPropagator(), carrier);
    const again: Record<string, string> = {};
    createPropagator(["datadog", "tracecontext"]).inject(ctx, again, setter);
    const read = ddTracer().extract("text_map", again);
    assert.equal(read?.toTraceId(true), span.context().toTraceId(true));
    assert.equal(read?.toSpanId(), span.context().toSpanId());
    assert.equal(again["x-datadog-trace-id"], carrier["x-datadog-trace-id"]);
    span.finish();
  });
});

/**
 * What each tracer's child span of the context extracted from `carrier` injects: dd-trace's, a span it
 * starts (`theirSpanId`), and tracehop's, span id `childSpanId` on the extracted parent's trace id,
 * flags and tracestate, as the SDK starts a child span.
 */
function childCarriers(
  dd: ReturnType<typeof ddPropagator>,
  ours: TextMapPropagator,
  carrier: Record<string, string>,
  childSpanId: string,
): { theirs: Record<string, string>; theirSpanId: string; mine: Record<string, string> } {
  const span = ddTracer().startSpan("child", { childOf: dd.extract({ ...carrier }) });
  const theirs: Record<string, string> = {};
  dd.inject(span.context(), theirs);
  const theirSpanId = span.context().toSpanId(true);
  span.finish();
  const ctx = extractFrom(ours, carrier);
  const parent = trace.getSpanContext(ctx)!;
  const mine: Record<string, string> = {};
  ours.inject(trace.setSpanContext(ctx, { ...parent, spanId: childSpanId, isRemote: false }), mine, setter);
  return { theirs, theirSpanId, mine };
}

describe("the dd= tracestate member re-injected by a child span: the same elements as dd-trace's", () => {
  // dd-trace-js keeps the extracted tracestate on the span context and rebuilds its `dd` member on every
  // inject (text_map.js `#injectTraceparent`, tracestate.js `TraceState.forVendor` / `parseEntries`):
  // elements it does not know are relayed, a key given twice keeps its first value. tracehop writes the
  // known elements in Java/Go order (s, o, p, t.dm, t.tid, other t.*) and the relayed ones after them,
  // so the two members are compared as their elements: the same keys and values (p: each side's own
  // child span), and the relayed elements in the same order. Values stay below the 256-character
  // limits, which differ (docs/conformance.md).
  const READ_KEY = /^(s|o|p|t\..+)$/s;
  /**
   * Keys of elements neither tracer reads: a future Datadog key, another vendor's, odd but valid text.
   * Not `t.` with no name: dd-trace reads it as a tag, tracehop skips it (a test below).
   */
  const unknownKey = fc.oneof(
    fc.constantFrom("x", "ab", "t", "tt", "S", "t_x", "s.x", "o1", "pp", "x~", "k.v", "_u", "t-x"),
    fc.stringMatching(/^[a-z][a-z0-9_.-]{0,5}$/).filter((k) => !READ_KEY.test(k) && !k.startsWith("t.")),
  );
  /** Element values: tracestate value characters without `,` `=` `;`, no leading or trailing space. */
  const itemValue = fc.stringMatching(/^[!-+\-:<>-~]([ !-+\-:<>-~]{0,10}[!-+\-:<>-~])?$/);
  const tagName = fc.constantFrom("usr", "usr.id", "ts", "a", "b_c");
  /** An element text, with spaces a tracestate may hold around the key and after the value. */
  const padded = (key: string, value: string, pad: number) =>
    `${pad & 1 ? " " : ""}${key}${pad & 2 ? " " : ""}:${value}${pad & 4 ? "  " : ""}`;
  const noise = fc.constantFrom("", "x", ":", ":v", "u:", "u: ", "a b:1", " ");

  const memberCase = fc
    .record({
      high: fc.oneof(fc.constant(ZERO), nonZeroHex16),
      low: nonZeroHex16,
      parent: nonZeroHex16,
      priority: fc.option(fc.constantFrom(-1, 0, 1, 2), { nil: undefined }),
      origin: fc.option(itemValue, { nil: undefined }),
      dm: fc.option(fc.constantFrom("-0", "-1", "-3", "-4", "-8"), { nil: undefined }),
      tid: fc.boolean(),
      tags: fc.dictionary(tagName, itemValue, { maxKeys: 2 }),
      unknown: fc.array(fc.tuple(unknownKey, itemValue), { maxLength: 5 }),
      /** Later elements of keys already given, with other values (the first value must win). */
      repeats: fc.array(fc.tuple(fc.constantFrom("s", "o", "t.dm", "t.usr", "x", "ab"), itemValue), {
        maxLength: 3,
      }),
      noise: fc.array(noise, { maxLength: 3 }),
      pads: fc.array(fc.nat(7), { minLength: 20, maxLength: 20 }),
      order: fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
      others: fc.constantFrom("", "rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE,rojo=1"),
      sampledWithout: fc.boolean(),
    })
    .map((c) => {
      const firsts: [string, string][] = [];
      if (c.priority !== undefined) firsts.push(["s", String(c.priority)]);
      if (c.origin !== undefined) firsts.push(["o", c.origin]);
      if (c.dm !== undefined) firsts.push(["t.dm", c.dm]);
      if (c.tid && c.high !== ZERO) firsts.push(["t.tid", c.high]);
      for (const [name, value] of Object.entries(c.tags)) firsts.push([`t.${name}`, value]);
      const seen = new Set<string>();
      for (const [key, value] of c.unknown) {
        if (seen.has(key)) continue;
        seen.add(key);
        firsts.push([key, value]);
      }
      // Shuffled, then each repeat placed after the first element of its key.
      const elements = firsts
        .map((kv, i) => ({ kv, rank: c.order[i % c.order.length]! + i / 100 }))
        .sort((a, b) => a.rank - b.rank)
        .map((e, i) => padded(e.kv[0], e.kv[1], c.pads[i % c.pads.length]!));
      for (const [key, value] of c.repeats) {
        const first = elements.findIndex((e) => e.trim().split(":")[0]!.trim() === key);
        if (first !== -1) elements.push(padded(key, value, c.pads[elements.length % c.pads.length]!));
      }
      elements.splice(1, 0, ...c.noise);
      const dd = elements.join(";");
      const sampled = c.priority === undefined ? c.sampledWithout : c.priority > 0;
      const tracestate = [dd === "" ? "" : `dd=${dd}`, c.others].filter((m) => m !== "").join(",");
      return { ...c, dd, sampled, tracestate };
    })
    // A tracestate value ends with a visible character (W3C §3.3.1.3.2) and is at most 256 long; the
    // rebuilt member stays below both tracers' limits.
    .filter((c) => c.dd.length <= 160 && !c.dd.endsWith(" ") && !c.dd.startsWith(" "));

  /** The elements of a `dd=` member as dd-trace-js writes them: `[key, value]` in member order. */
  const elementsOf = (tracestate: string | undefined) => {
    const dd = (tracestate ?? "").split(",").find((m) => m.startsWith("dd="));
    if (dd === undefined) return [];
    return dd
      .slice(3)
      .split(";")
      .map((e) => [e.slice(0, e.indexOf(":")), e.slice(e.indexOf(":") + 1)] as const);
  };
  const othersOf = (tracestate: string | undefined) =>
    (tracestate ?? "").split(",").filter((m) => m !== "" && !m.startsWith("dd="));

  for (const styles of [
    { label: "W3C only", names: ["tracecontext"], datadogHeaders: false },
    {
      label: "default styles, Datadog headers of the same trace",
      names: DEFAULT_STYLES,
      datadogHeaders: true,
    },
  ]) {
    test(`${styles.label}: ${RUNS} random dd= members with unknown, repeated and malformed elements`, () => {
      const dd = ddPropagator(styles.names);
      const ours = createPropagator(styles.names);
      fc.assert(
        fc.property(memberCase, nonZeroHex16, (c, childSpanId) => {
          const carrier: Record<string, string> = {
            traceparent: `00-${c.high}${c.low}-${c.parent}-${c.sampled ? "01" : "00"}`,
          };
          if (c.tracestate !== "") carrier.tracestate = c.tracestate;
          if (styles.datadogHeaders) {
            Object.assign(carrier, datadogIds(c.low, c.parent));
            if (c.priority !== undefined) carrier["x-datadog-sampling-priority"] = String(c.priority);
            if (c.origin !== undefined) carrier["x-datadog-origin"] = c.origin.replaceAll("~", "=");
            const tags = Object.entries(c.tags).map(([k, v]) => `_dd.p.${k}=${v.replaceAll("~", "=")}`);
            if (c.dm !== undefined) tags.push(`_dd.p.dm=${c.dm}`);
            if (c.high !== ZERO) tags.push(`_dd.p.tid=${c.high}`);
            if (tags.length > 0) carrier["x-datadog-tags"] = tags.join(",");
          }
          const label = JSON.stringify(carrier);
          const { theirs, theirSpanId, mine } = childCarriers(dd, ours, carrier, childSpanId);
          const theirElements = elementsOf(theirs.tracestate);
          const myElements = elementsOf(mine.tracestate);
          assert.equal(new Map(theirElements).get("p"), theirSpanId, label);
          if (!styles.datadogHeaders && c.dd === "") {
            // A W3C-only trace (no dd= member, no Datadog headers): tracehop writes it on as plain W3C, no
            // dd= member, where dd-trace writes dd=s:…;p:… (docs/migration.md "Mixed fleets"). The rare
            // case of a member whose elements all came out empty (a CI run drew it).
            assert.deepEqual(myElements, [], label);
            assert.deepEqual(othersOf(mine.tracestate), othersOf(theirs.tracestate), label);
            return;
          }
          assert.equal(new Map(myElements).get("p"), childSpanId, label);
          const withoutP = (elements: readonly (readonly [string, string])[]) =>
            Object.fromEntries(elements.filter(([key]) => key !== "p"));
          assert.deepEqual(withoutP(myElements), withoutP(theirElements), label);
          const relayed = (elements: readonly (readonly [string, string])[]) =>
            elements.filter(([key]) => !READ_KEY.test(key)).map(([key, value]) => `${key}:${value}`);
          assert.deepEqual(relayed(myElements), relayed(theirElements), `relayed order, ${label}`);
          assert.deepEqual(othersOf(mine.tracestate), othersOf(theirs.tracestate), label);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe("the dd= member at its limits: where tracehop and dd-trace differ, as docs/conformance.md says", () => {
  /** The tracestate each tracer's child span (span id `child` for tracehop) injects after extracting it. */
  const childTracestates = (tracestate: string, child: string) => {
    const carrier = { traceparent: `00-${ZERO}000000000000abcd-00000000000000f1-01`, tracestate };
    const { theirs, theirSpanId, mine } = childCarriers(
      ddPropagator(["tracecontext"]),
      createPropagator(["tracecontext"]),
      carrier,
      child,
    );
    return { theirs: theirs.tracestate?.replaceAll(theirSpanId, "<span>"), mine: mine.tracestate };
  };
  const child = "00000000000000c1";

  test("within the limits: the same elements, the relayed ones in dd-trace's order", () => {
    const { theirs, mine } = childTracestates(
      "dd=x:1;s:2;y:a b;x:2;o:rum;t.usr:bob;t.usr:eve;z:3,rojo=1",
      child,
    );
    assert.equal(theirs, "dd=p:<span>;s:2;y:a b;x:1;o:rum;t.usr:bob;z:3,rojo=1");
    assert.equal(mine, `dd=s:2;o:rum;p:${child};t.usr:bob;y:a b;x:1;z:3,rojo=1`);
  });

  test("over 256 characters: tracehop keeps s, o, p and the tags and skips a relayed element that does not fit; dd-trace drops its t.* tags first, then the whole member", () => {
    const a = "a".repeat(100);
    const b = "b".repeat(100);
    // With p: the rebuilt value is 254 characters long: over tracehop's 253 (256 with `dd=`, as
    // dd-trace-java and -go count it), within dd-trace-js's 256 for the value alone.
    const c = "c".repeat(23);
    const { theirs, mine } = childTracestates(`dd=s:1;y:${b};w:${a};v:${c}`, child);
    assert.equal(theirs, `dd=p:<span>;s:1;y:${b};w:${a};v:${c}`);
    assert.equal(mine, `dd=s:1;p:${child};y:${b};w:${a}`);
    // 249 characters with two tags: dd-trace drops t.* tags from the left until the value fits.
    const withTags = childTracestates(`dd=s:1;t.k:1;y:${b};t.x:${a};t.z:1;w:${"c".repeat(20)}`, child);
    assert.equal(withTags.theirs, `dd=p:<span>;s:1;y:${b};t.z:1;w:${"c".repeat(20)}`);
    assert.equal(withTags.mine, `dd=s:1;p:${child};t.k:1;t.x:${a};t.z:1;y:${b}`);
    // Relayed elements that cannot fit beside the known ones: dd-trace writes no dd= member at all
    // (here an empty tracestate header).
    const noRoom = childTracestates(`dd=s:1;t.dm:-4;y:${b};w:${a};v:${"c".repeat(20)}`, child);
    assert.equal(noRoom.theirs, "");
    assert.equal(noRoom.mine, `dd=s:1;p:${child};t.dm:-4;y:${b};w:${a}`);
  });
});

test("`t.` with no tag name in a dd= member: dd-trace writes it back and drops its x-datadog-tags; tracehop skips it, as it skips `_dd.p.`", () => {
  // A W3C parent whose dd= member holds `t.:x`, injected by a child span in both Datadog-aware styles.
  const carrier = {
    traceparent: `00-${ZERO}000000000000abcd-00000000000000f1-01`,
    tracestate: "dd=s:1;t.:x;t.usr:bob;t.dm:-4,rojo=1",
  };
  const span = ddTracer().startSpan("child", {
    childOf: ddPropagator(["tracecontext"]).extract({ ...carrier }),
  });
  // dd-trace-js reads `t.:x` as its tag `_dd.p.` (text_map.js: any `t.` key), then refuses its own tags.
  assert.equal(span.context()._trace.tags["_dd.p."], "x");
  const theirs: Record<string, string> = {};
  ddPropagator(["datadog", "tracecontext"]).inject(span.context(), theirs);
  const theirSpanId = span.context().toSpanId(true);
  span.finish();
  assert.equal(theirs["x-datadog-tags"], undefined);
  assert.equal(theirs.tracestate, `dd=p:${theirSpanId};s:1;t.:x;t.usr:bob;t.dm:-4,rojo=1`);

  const ours = createPropagator(["datadog", "tracecontext"]);
  const ctx = ours.extract(ROOT_CONTEXT, normalizeCarrier(carrier), normalizedCarrierGetter);
  const child = "00000000000000c1";
  const mine: Record<string, string> = {};
  const parent = trace.getSpanContext(ctx)!;
  ours.inject(trace.setSpanContext(ctx, { ...parent, spanId: child, isRemote: false }), mine, setter);
  assert.equal(mine["x-datadog-tags"], "_dd.p.dm=-4,_dd.p.usr=bob");
  assert.equal(mine.tracestate, `dd=s:1;p:${child};t.dm:-4;t.usr:bob,rojo=1`);
});

test("a local root sampled by the OpenTelemetry SDK: no decision maker from tracehop, none added by dd-trace continuing it; dd-trace's own root writes -0 (docs/conformance.md)", () => {
  // Fixed ids, so the expected headers are literal (the SDK's default sampler: ParentBased(AlwaysOn)).
  const traceId = "640cfd8d00000000abcdefab12345678";
  const spanId = "000000003ade68b1";
  const provider = new BasicTracerProvider({
    idGenerator: { generateTraceId: () => traceId, generateSpanId: () => spanId },
  });
  const root = provider.getTracer("interop").startSpan("root");
  const mine: Record<string, string> = {};
  createPropagator(DEFAULT_STYLES).inject(trace.setSpan(ROOT_CONTEXT, root), mine, setter);
  root.end();
  assert.deepEqual(mine, {
    traceparent: `00-${traceId}-${spanId}-01`,
    ...datadogIds(traceId.slice(16), spanId),
    "x-datadog-sampling-priority": "1",
    "x-datadog-tags": "_dd.p.tid=640cfd8d00000000",
  });

  // dd-trace continues the decision it reads and adds no decision maker (PrioritySampler.sample returns
  // when the trace already has a priority; #addDecisionMaker runs only after its own decision).
  const child = ddTracer().startSpan("child", { childOf: ddPropagator(DEFAULT_STYLES).extract({ ...mine }) });
  const theirs: Record<string, string> = {};
  ddTracer().inject(child, "text_map", theirs);
  child.finish();
  assert.equal(theirs["x-datadog-sampling-priority"], "1");
  assert.equal(theirs["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
  assert.doesNotMatch(theirs.tracestate ?? "", /t\.dm:/);

  // Its own local root: its sampler decides and records the mechanism (-0: no agent rates in this test).
  const own = ddTracer().startSpan("root");
  const ownHeaders: Record<string, string> = {};
  ddTracer().inject(own, "text_map", ownHeaders);
  own.finish();
  assert.match(ownHeaders["x-datadog-tags"] ?? "", /(^|,)_dd\.p\.dm=-0(,|$)/);
});

describe("manual keep and drop: the decision maker dd-trace's manual.keep / manual.drop writes (docs/migration.md)", () => {
  /**
   * The headers dd-trace's child span of `carrier` injects after `tag` (`manual.keep`, `manual.drop`), and
   * tracehop's child span after `setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority })`.
   */
  function afterManualDecision(
    carrier: Record<string, string>,
    tag: string,
    samplingPriority: number,
  ): { theirs: Record<string, string>; mine: Record<string, string> } {
    const dd = ddPropagator(DEFAULT_STYLES);
    const span = ddTracer().startSpan("child", { childOf: dd.extract({ ...carrier }) });
    (span as unknown as { setTag(key: string, value: unknown): void }).setTag(tag, true);
    const theirs: Record<string, string> = {};
    dd.inject(span.context(), theirs);
    span.finish();
    const ours = createPropagator(DEFAULT_STYLES);
    const ctx = extractFrom(ours, carrier);
    const child = trace.setSpanContext(ctx, {
      ...trace.getSpanContext(ctx)!,
      spanId: "00000000000000aa",
      isRemote: false,
    });
    const decided = setDatadogContext(child, { ...getDatadogContext(child), samplingPriority });
    const mine: Record<string, string> = {};
    ours.inject(decided, mine, setter);
    return { theirs, mine };
  }
  const dm = (carrier: Record<string, string>) => /(?:=|;)t\.dm:([^;,]*)/.exec(carrier.tracestate ?? "")?.[1];
  const stored = (priority: string, tags: string) => ({
    ...datadogIds("ab54a98ceb1f0ad2", "000000000000002a"),
    "x-datadog-sampling-priority": priority,
    "x-datadog-tags": tags,
  });

  for (const [priority, tags] of [
    ["1", "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-1"],
    ["1", "_dd.p.dm=-0"],
    ["1", "_dd.p.tid=640cfd8d00000000"],
  ] as const)
    test(`keep (2) of priority ${priority}, x-datadog-tags ${tags}: _dd.p.dm=-4 as dd-trace's`, () => {
      const { theirs, mine } = afterManualDecision(stored(priority, tags), "manual.keep", 2);
      assert.equal(mine["x-datadog-sampling-priority"], theirs["x-datadog-sampling-priority"]);
      assert.equal(mine["x-datadog-sampling-priority"], "2");
      assert.equal(ddPropagator(DEFAULT_STYLES).extract(mine)?._trace.tags["_dd.p.dm"], "-4");
      assert.equal(
        theirs["x-datadog-tags"]?.split(",").find((t) => t.startsWith("_dd.p.dm=")),
        "_dd.p.dm=-4",
      );
      assert.equal(dm(mine), "-4");
      assert.equal(dm(theirs), "-4");
    });

  test("drop (-1) of an unsampled trace that carried _dd.p.dm: x-datadog-tags without it, as dd-trace's; dd-trace's dd= still says t.dm:-4, tracehop's does not", () => {
    const { theirs, mine } = afterManualDecision(
      stored("0", "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-1"),
      "manual.drop",
      -1,
    );
    assert.equal(mine["x-datadog-sampling-priority"], "-1");
    assert.equal(theirs["x-datadog-sampling-priority"], "-1");
    assert.equal(mine["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.equal(theirs["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.equal(dm(mine), undefined);
    // dd-trace-js `_injectTraceparent` writes t.dm from the sampling mechanism whatever the priority;
    // its own x-datadog-tags and Datadog's rule (removed on a drop decision) say none.
    assert.equal(dm(theirs), "-4");
  });
});

describe("B3 debug flag: the priority dd-trace and tracehop read from the same carrier", () => {
  // dd-trace 5 text_map.js `getB3Priority`: debug is USER_KEEP (2), sampled 1 AUTO_KEEP, 0 AUTO_REJECT;
  // no decision maker. Each carrier is read by both with the same extract order (tracehop's `b3` is
  // dd-trace 5's `b3 single header`) and injected again by both as datadog + tracecontext.
  const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  const SPAN = "00f067aa0ba902b7";
  const W3C_PARENT = "b7ad6b7169203331";
  const datadog = {
    "x-datadog-trace-id": datadogTraceId(TRACE),
    "x-datadog-parent-id": datadogSpanId(SPAN),
    "x-datadog-sampling-priority": "0",
  };
  const cases: [PropagationStyle[], Record<string, string>][] = [
    [["b3"], { b3: `${TRACE}-${SPAN}-d` }],
    [["b3"], { b3: `${TRACE.slice(16)}-${SPAN}-d` }],
    [["b3"], { b3: `${TRACE}-${SPAN}-D` }],
    [["b3"], { b3: `${TRACE}-${SPAN}-1` }],
    [["b3"], { b3: `${TRACE}-${SPAN}-0` }],
    [["b3multi"], { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "1" }],
    [["b3multi"], { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "1", "x-b3-sampled": "0" }],
    [["b3multi"], { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-sampled": "1" }],
    [
      ["b3", "tracecontext"],
      {
        b3: `${TRACE}-${SPAN}-d`,
        traceparent: `00-${TRACE}-${W3C_PARENT}-01`,
        tracestate: `dd=s:1;p:${W3C_PARENT};t.dm:-4,congo=t61rcWkgMzE`,
      },
    ],
    [["b3", "datadog"], { b3: `${TRACE}-${SPAN}-d`, ...datadog }],
    [["datadog", "b3"], { b3: `${TRACE}-${SPAN}-d`, ...datadog }],
    [["datadog", "b3multi"], { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "1", ...datadog }],
  ];
  const ddName = (style: PropagationStyle) => (style === "b3" ? "b3 single header" : style);
  /** The `s:` and whether a `t.dm:` is there, of the `dd=` member of a tracestate. */
  const ddMember = (tracestate: string | undefined) => {
    const dd = (tracestate ?? "").split(",").find((m) => m.startsWith("dd=")) ?? "";
    return { s: /(?:=|;)s:(-?\d+)/.exec(dd)?.[1], dm: /t\.dm:/.test(dd) };
  };

  test("same priority read and written (x-datadog-sampling-priority, dd=s:), no decision maker", () => {
    for (const [styles, carrier] of cases) {
      const label = `${styles.join(",")} ${JSON.stringify(carrier)}`;
      const read = ddPropagator(styles.map(ddName)).extract({ ...carrier });
      assert.ok(read !== null, label);
      const theirs: Record<string, string> = {};
      ddPropagator(["datadog", "tracecontext"]).inject(read, theirs);
      const ctx = extractFrom(createPropagator(styles), carrier);
      const mine: Record<string, string> = {};
      createPropagator(["datadog", "tracecontext"]).inject(ctx, mine, setter);
      assert.equal(mine["x-datadog-sampling-priority"], String(read._sampling.priority), label);
      assert.equal(mine["x-datadog-sampling-priority"], theirs["x-datadog-sampling-priority"], label);
      assert.equal(mine["x-datadog-parent-id"], theirs["x-datadog-parent-id"], label);
      assert.equal(mine.traceparent?.slice(35), theirs.traceparent?.slice(35), label);
      assert.doesNotMatch(mine["x-datadog-tags"] ?? "", /_dd\.p\.dm=/, label);
      assert.equal(theirs["x-datadog-tags"]?.includes("_dd.p.dm=") ?? false, false, label);
      // A B3 debug decision is in the context as dd-trace has it (a datadog winner has its own).
      if (read._sampling.priority === 2)
        assert.equal(getDatadogContext(ctx)?.samplingPriority, read._sampling.priority, label);
      // tracehop writes dd= only for a trace with Datadog fields (not after a plain B3 keep or drop).
      if (mine.tracestate !== undefined)
        assert.deepEqual(ddMember(mine.tracestate), ddMember(theirs.tracestate), label);
    }
  });

  test("the same B3 headers written again (x-b3-flags: 1 for priority 2), read from any form", () => {
    // dd-trace 5 text_map.js `#injectB3MultipleHeaders`: x-b3-flags: 1 for a priority above AUTO_KEEP,
    // `#injectB3SingleHeader`: 1 or 0 only. Two deliberate differences (docs/conformance.md, B3 styles):
    // with x-b3-flags tracehop writes no x-b3-sampled (OpenTelemetry's injector, the B3 spec: debug
    // implies sampled), and a B3 debug flag read from either form is `d` in the b3 header.
    const more: [PropagationStyle[], Record<string, string>][] = [
      [["datadog"], { ...datadog, "x-datadog-sampling-priority": "2" }],
      [["datadog"], { ...datadog, "x-datadog-sampling-priority": "1" }],
      [["tracecontext"], { traceparent: `00-${TRACE}-${W3C_PARENT}-01`, tracestate: "dd=s:2" }],
    ];
    for (const [styles, carrier] of [...cases, ...more]) {
      const read = ddPropagator(styles.map(ddName)).extract({ ...carrier });
      assert.ok(read !== null);
      const ctx = extractFrom(createPropagator(styles), carrier);
      const b3Debug = styles.some((style) => style.startsWith("b3")) && read._sampling.priority === 2;
      for (const out of ["b3multi", "b3"] as const) {
        const label = `${styles.join(",")} ${JSON.stringify(carrier)} -> ${out}`;
        const theirs: Record<string, string> = {};
        ddPropagator([ddName(out)]).inject(read, theirs);
        const mine: Record<string, string> = {};
        createPropagator([out]).inject(ctx, mine, setter);
        // Compared: the span id and the sampled and debug flags; the trace ids by their low 64 bits
        // (dd-trace writes a 64-bit one as 16 digits and keeps a datadog winner's upper bits, where
        // tracehop writes 32 digits and the upper bits the B3 header had). The parent id dd-trace adds
        // (x-b3-parentspanid, the 4th b3 field) is not compared.
        if (out === "b3multi") {
          const { "x-b3-traceid": traceId, ...rest } = mine;
          const { "x-b3-traceid": ddTraceId, "x-b3-parentspanid": _parent, ...expected } = theirs;
          if (expected["x-b3-flags"] === "1") delete expected["x-b3-sampled"];
          assert.deepEqual(rest, expected, label);
          assert.equal(traceId?.slice(16), ddTraceId?.slice(-16), label);
        } else {
          const [traceId, ...rest] = mine.b3!.split("-");
          const [ddTraceId, spanId, sampled] = theirs.b3!.split("-");
          assert.deepEqual(rest, [spanId, b3Debug ? "d" : sampled], label);
          assert.equal(traceId?.slice(16), ddTraceId?.slice(-16), label);
        }
      }
    }
  });
});

describe("B3 extraction: the headers each style reads and the ids it accepts, as dd-trace's", () => {
  // dd-trace 5 text_map.js: `b3multi` reads the x-b3-* headers only, `b3 single header` the b3 header
  // only (tracehop's `b3`, dd-trace 6's `b3`); ids of 16 or 32 hex digits (span 16), any case.
  const TRACE = "0af7651916cd43dd8448eb211c80319c";
  const SPAN = "b7ad6b7169203331";
  const carriers: Record<string, string>[] = [
    { b3: `${TRACE}-${SPAN}-1` },
    { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-sampled": "1" },
    { b3: `80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1`, "x-b3-traceid": TRACE, "x-b3-spanid": SPAN },
    { b3: `${TRACE}-${SPAN}-0`.toUpperCase() },
    { "x-b3-traceid": TRACE.toUpperCase(), "x-b3-spanid": SPAN.toUpperCase(), "x-b3-sampled": "0" },
    { "x-b3-traceid": TRACE.slice(16), "x-b3-spanid": SPAN, "x-b3-sampled": "1" },
    { b3: `${TRACE.slice(16)}-${SPAN}-1` },
    // Invalid ids without a sampled flag: with one, dd-trace starts a new trace carrying that decision
    // (B3 sampling-only headers), which tracehop does not (docs/conformance.md).
    { "x-b3-traceid": "A", "x-b3-spanid": "000000000000000c" },
    { "x-b3-traceid": TRACE.slice(4), "x-b3-spanid": SPAN },
    { b3: `x${TRACE}-${SPAN}-1` },
    // Unpadded ids, shorter than the B3 spec's 16/32 (trace) and 16 (span) lower-hex: refused, not
    // left-padded (dd-trace-java, -go and -py pad them: docs/conformance.md, "B3 styles").
    { "x-b3-traceid": TRACE.slice(17), "x-b3-spanid": SPAN },
    { "x-b3-traceid": TRACE.slice(1), "x-b3-spanid": SPAN },
    { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN.slice(1) },
    { "x-b3-traceid": TRACE, "x-b3-spanid": "c" },
    { b3: `${TRACE.slice(17)}-${SPAN}-1` },
    { b3: `${TRACE.slice(1)}-${SPAN}-1` },
    { b3: `${TRACE}-${SPAN.slice(1)}-1` },
    { b3: `${TRACE.slice(12)}-${SPAN}-1` }, // 20 digits: @opentelemetry/propagator-b3 finds 16 inside
  ];
  for (const [ours, theirs] of [
    ["b3multi", "b3multi"],
    ["b3", "b3 single header"],
  ] as const) {
    test(`${ours} (dd-trace ${theirs})`, () => {
      const dd = ddPropagator([theirs]);
      for (const carrier of carriers) {
        const read = dd.extract({ ...carrier });
        const sc = trace.getSpanContext(extractFrom(createPropagator([ours]), carrier));
        const label = JSON.stringify(carrier);
        assert.equal(sc === undefined, read === null, `${label}: extracted by one only`);
        if (sc === undefined || read === null) continue;
        assert.equal(sc.traceId, read.toTraceId(true).padStart(32, "0"), label);
        assert.equal(sc.spanId, read.toSpanId(true), label);
        // No priority (no sampling state, B3 Defer): dd-trace's sampler keeps it; tracehop reads it sampled.
        assert.equal(
          (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
          read._sampling.priority === undefined || read._sampling.priority > 0,
          label,
        );
      }
    });
  }
});

test("B3 without a sampling state (Defer): dd-trace's child span and tracehop's write the same keep; dd-trace adds _dd.p.dm=-0 (docs/conformance.md, B3 styles)", () => {
  // dd-trace 5 text_map.js `getB3Priority`: no priority for an absent sampled state (and x-b3-flags other
  // than 1); its priority sampler decides on the first injection of a child span (keep, `-0` before agent
  // rates). tracehop reads it as a Datadog context without a priority: sampled, priority unset.
  const TRACE = "0af7651916cd43dd8448eb211c80319c";
  const SPAN = "b7ad6b7169203331";
  const CHILD = "00000000000000c1";
  const ALL: PropagationStyle[] = ["datadog", "tracecontext", "b3multi", "b3"];
  const ddName = (style: PropagationStyle) => (style === "b3" ? "b3 single header" : style);
  const cases: [PropagationStyle, Record<string, string>][] = [
    ["b3multi", { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN }],
    ["b3multi", { "x-b3-traceid": TRACE.slice(16), "x-b3-spanid": SPAN }],
    ["b3multi", { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "0" }],
    ["b3", { b3: `${TRACE}-${SPAN}` }],
    ["b3", { b3: `${TRACE.slice(16)}-${SPAN}` }],
  ];
  for (const [style, carrier] of cases) {
    const label = `${style} ${JSON.stringify(carrier)}`;
    const read = ddPropagator([ddName(style)]).extract({ ...carrier });
    assert.ok(read !== null, label);
    assert.equal(read._sampling.priority, undefined, label);
    const span = ddTracer().startSpan("child", { childOf: read });
    // The tracer's inject runs its priority sampler (a text_map propagator alone does not), then every
    // style writes the decision.
    ddTracer().inject(span, "text_map", {});
    const theirs: Record<string, string> = {};
    ddPropagator(ALL.map(ddName)).inject(span.context(), theirs);
    span.finish();

    const ctx = extractFrom(createPropagator([style]), carrier);
    assert.equal(getDatadogContext(ctx)?.samplingPriority, undefined, label);
    const parent = trace.getSpanContext(ctx)!;
    const mine: Record<string, string> = {};
    createPropagator(ALL).inject(
      trace.setSpanContext(ctx, { ...parent, spanId: CHILD, isRemote: false }),
      mine,
      setter,
    );
    assert.equal(mine["x-datadog-sampling-priority"], "1", label);
    assert.equal(mine["x-datadog-sampling-priority"], theirs["x-datadog-sampling-priority"], label);
    assert.equal(mine["x-datadog-trace-id"], theirs["x-datadog-trace-id"], label);
    assert.equal(mine["x-b3-sampled"], "1", label);
    assert.equal(mine["x-b3-sampled"], theirs["x-b3-sampled"], label);
    assert.equal(mine["x-b3-flags"], theirs["x-b3-flags"], label);
    assert.equal(mine.b3?.split("-")[2], theirs.b3?.split("-")[2], label);
    assert.equal(mine.traceparent?.slice(-2), "01", label);
    assert.equal(mine.traceparent?.slice(-2), theirs.traceparent?.slice(-2), label);
    // The differences (docs/conformance.md, B3 styles): as after any B3 keep without the debug flag,
    // tracehop writes no dd= member (a Datadog reader takes priority 1 from the traceparent's flag);
    // dd-trace's own sampler decided and says so (`_dd.p.dm=-0`), where tracehop leaves the decision to
    // the OpenTelemetry SDK's sampler and names no mechanism (as for a local root).
    assert.match(theirs.tracestate ?? "", /^dd=(?:.*;)?s:1(?:;|,|$)/, label);
    assert.equal(mine.tracestate, undefined, label);
    const tags = (header: string | undefined) => (header ?? "").split(",").filter((tag) => tag !== "");
    assert.deepEqual(tags(theirs["x-datadog-tags"]), [...tags(mine["x-datadog-tags"]), "_dd.p.dm=-0"], label);
  }
});

test("B3 without a sampling state and a traceparent of the same trace: the W3C keep or drop, as dd-trace's", () => {
  // dd-trace 5 `_resolveTraceContextConflicts` copies the W3C priority onto the B3 context (it has none).
  const TRACE = "0af7651916cd43dd8448eb211c80319c";
  const SPAN = "b7ad6b7169203331";
  const W3C_PARENT = "00f067aa0ba902b7";
  for (const [style, b3] of [
    ["b3multi", { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN }],
    ["b3", { b3: `${TRACE}-${SPAN}` }],
  ] as const) {
    for (const flags of ["00", "01"]) {
      const carrier = { ...b3, traceparent: `00-${TRACE}-${W3C_PARENT}-${flags}` };
      const label = `${style} ${JSON.stringify(carrier)}`;
      const read = ddPropagator([style === "b3" ? "b3 single header" : style, "tracecontext"]).extract({
        ...carrier,
      });
      assert.ok(read !== null, label);
      const ctx = extractFrom(createPropagator([style, "tracecontext"]), carrier);
      const mine: Record<string, string> = {};
      createPropagator(["datadog"]).inject(ctx, mine, setter);
      assert.equal(mine["x-datadog-sampling-priority"], String(Number(flags)), label);
      assert.equal(mine["x-datadog-sampling-priority"], String(read._sampling.priority), label);
    }
  }
});

test("tags that cannot be sent (an invalid value, a header over 512 characters): dd-trace reads tracehop's headers as the same 128-bit trace, _dd.p.tid kept alone", () => {
  // dd-trace-js drops every tag then, the tid too, and its next reader continues a 64-bit trace that
  // the traceparent beside it contradicts (trial t6): tracehop keeps the trace id's upper half.
  const dd = ddPropagator(DEFAULT_STYLES);
  const ours = createPropagator(DEFAULT_STYLES);
  const spanContext = {
    traceId: "640cfd8d00000000000000000000007b",
    spanId: "00000000000001c8",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  };
  for (const tags of <Record<string, string>[]>[
    { "_dd.p.a": "x,y" },
    { "_dd.p.a": "é" },
    { "_dd.p.a b": "1" },
    { "_dd.p.a": "x".repeat(600) },
  ]) {
    const ctx = setDatadogContext(trace.setSpanContext(ROOT_CONTEXT, spanContext), {
      samplingPriority: 1,
      propagationTags: tags,
    });
    const carrier: Record<string, string> = {};
    ours.inject(ctx, carrier, defaultTextMapSetter);
    assert.equal(carrier["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000", JSON.stringify(tags));
    const theirs = dd.extract({ ...carrier })!;
    assert.equal(theirs.toTraceId(true), spanContext.traceId, JSON.stringify(tags));
    assert.deepEqual(ddLinkRows(theirs), [], "no terminated_context link: one trace");
  }
});

test("a tags limit under 26 characters (DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH / tagsMaxLength): no room for _dd.p.tid alone, which neither writes nor reads, as dd-trace's", () => {
  // `_dd.p.tid=<16 hex>` is 26 characters: dd-trace-js `_injectTags` drops a header over the limit
  // whole, the tid with it, and `_extractTags` reads none; the traceparent still holds all 128 bits.
  const spanContext = {
    traceId: "640cfd8d00000000000000000000007b",
    spanId: "00000000000001c8",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  };
  const lone = { "x-datadog-trace-id": "123", "x-datadog-parent-id": "456" };
  for (const limit of [1, 25, 26, 27]) {
    const dd = ddPropagator(["datadog"], "continue", limit);
    const ours = createPropagator(["datadog"], { tagsMaxLength: limit });
    for (const dm of [undefined, "-4"]) {
      const ctx = setDatadogContext(trace.setSpanContext(ROOT_CONTEXT, spanContext), {
        samplingPriority: 1,
        propagationTags: dm === undefined ? {} : { "_dd.p.dm": dm },
      });
      const carrier: Record<string, string> = {};
      ours.inject(ctx, carrier, defaultTextMapSetter);
      const theirs: Record<string, string> = {};
      dd.inject(
        ddSpanContext({
          traceIdHigh: "640cfd8d00000000",
          traceIdLow: "000000000000007b",
          spanId: "00000000000001c8",
          priority: 1,
          decisionMaker: dm,
        }),
        theirs,
      );
      // With a dm (38 characters) dd-trace drops the tid with the tags under 38; tracehop keeps it alone
      // when it fits (docs/conformance.md): the same header only below 26.
      const expected =
        limit < 26
          ? undefined
          : dm === undefined || limit >= 38
            ? theirs["x-datadog-tags"]
            : "_dd.p.tid=640cfd8d00000000";
      assert.equal(carrier["x-datadog-tags"], expected, `limit ${limit}, dm ${dm}`);
      if (dm === undefined || limit < 26) assert.equal(carrier["x-datadog-tags"], theirs["x-datadog-tags"]);
    }
    const header = { ...lone, "x-datadog-tags": "_dd.p.tid=640cfd8d00000000" };
    const read = ours.extract(ROOT_CONTEXT, header, defaultTextMapGetter);
    assert.equal(
      trace.getSpanContext(read)?.traceId,
      dd.extract({ ...header })!.toTraceId(true),
      `limit ${limit}`,
    );
    assert.equal(
      trace.getSpanContext(read)?.traceId,
      (limit < 26 ? ZERO : "640cfd8d00000000") + "000000000000007b",
    );
  }
});

test("_dd.p.dm edge values (-0, -00, +1, '-' then no digits): tracehop keeps what dd-trace-java's grammar accepts, verbatim, and drops the rest alone; dd-trace-js's readings beside them", () => {
  // dd-trace-java `PTagsCodec.validateDecisionMakerTag`: [10 lowercase hex] "-" digit {digit}; any other
  // dm makes Java drop the whole x-datadog-tags (`decoding_error`), `_dd.p.tid` included, so tracehop
  // never writes one on. dd-trace-js copies any x-datadog-tags dm verbatim and reads a dd= t.dm as
  // `-${Math.abs(parseInt(value, 10))}` (docs/conformance.md).
  const styles = ["datadog", "tracecontext"];
  const dd = ddPropagator(styles);
  const ours = createPropagator(styles);
  const ids = {
    "x-datadog-trace-id": "123",
    "x-datadog-parent-id": "456",
    "x-datadog-sampling-priority": "2",
  };
  const tid = "_dd.p.tid=640cfd8d00000000";
  const traceparent = "00-640cfd8d00000000000000000000007b-00000000000001c8-01";
  // value -> [tracehop's dm, dd-trace-js's dm from x-datadog-tags, dd-trace-js's dm from t.dm]
  const cases: [string, string | undefined, string | undefined][] = [
    ["-0", "-0", "-0"],
    ["-00", "-00", "-0"],
    ["-01", "-01", "-1"],
    ["934086a686-4", "934086a686-4", "-934086"],
    ["+1", undefined, "-1"],
    ["4", undefined, "-4"],
    ["-4a", undefined, "-4"],
    ["-1.5", undefined, "-1"],
    ["-", undefined, undefined],
    ["-a", undefined, undefined],
    ["--4", undefined, undefined],
    ["- 4", undefined, undefined],
    ["934086A686-4", undefined, "-934086"],
  ];
  for (const [value, kept, fromTracestate] of cases) {
    const headers = { ...ids, "x-datadog-tags": `_dd.p.dm=${value},${tid}` };
    const ctx = ours.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    assert.deepEqual(
      getDatadogContext(ctx)?.propagationTags,
      kept === undefined
        ? { "_dd.p.tid": "640cfd8d00000000" }
        : { "_dd.p.dm": kept, "_dd.p.tid": "640cfd8d00000000" },
      value,
    );
    const written: Record<string, string> = {};
    ours.inject(ctx, written, defaultTextMapSetter);
    assert.equal(written["x-datadog-tags"], kept === undefined ? tid : `_dd.p.dm=${kept},${tid}`, value);
    assert.equal(/t\.dm:([^;]*)/.exec(written.tracestate ?? "")?.[1], kept, value);
    assert.equal(dd.extract({ ...headers })!._trace.tags["_dd.p.dm"], value, `dd-trace-js keeps ${value}`);

    const w3c = { traceparent, tracestate: `dd=s:2;t.dm:${value}` };
    const fromW3C = ours.extract(ROOT_CONTEXT, w3c, defaultTextMapGetter);
    assert.equal(getDatadogContext(fromW3C)?.propagationTags["_dd.p.dm"], kept, `t.dm:${value}`);
    assert.equal(
      dd.extract({ ...w3c })!._trace.tags["_dd.p.dm"],
      fromTracestate,
      `dd-trace-js t.dm:${value}`,
    );
  }
});

test("a _dd.p.dm set through setDatadogContext that is no decision maker: left out alone on inject, as on extract; dd-trace reads the same 128-bit trace and the other tags", () => {
  // dd-trace-java `PTagsCodec.validateDecisionMakerTag` drops a whole x-datadog-tags for such a dm
  // (`decoding_error`), `_dd.p.tid` included, and its reader then continues a 64-bit trace that the
  // traceparent beside it contradicts. tracehop's reader drops the dm alone (dd-trace-py
  // `validate_sampling_decision`); the writer must not send one either, in x-datadog-tags or as `t.dm`.
  const styles = ["datadog", "tracecontext"];
  const dd = ddPropagator(styles);
  const ours = createPropagator(styles);
  const spanContext = {
    traceId: "640cfd8d00000000000000000000007b",
    spanId: "00000000000001c8",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  };
  for (const dm of ["4", "+1", "-4a", "-", "-1.5", "0000000000000000", "934086A686-4", "a,b", "-4 "]) {
    const ctx = setDatadogContext(trace.setSpanContext(ROOT_CONTEXT, spanContext), {
      samplingPriority: 2,
      propagationTags: { "_dd.p.dm": dm, "_dd.p.usr": "bob" },
    });
    const carrier: Record<string, string> = {};
    ours.inject(ctx, carrier, defaultTextMapSetter);
    assert.equal(carrier["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000,_dd.p.usr=bob", dm);
    assert.equal(carrier.tracestate, "dd=s:2;p:00000000000001c8;t.tid:640cfd8d00000000;t.usr:bob", dm);
    const theirs = dd.extract({ ...carrier })!;
    assert.equal(theirs.toTraceId(true), spanContext.traceId, dm);
    assert.deepEqual(theirs._trace.tags, { "_dd.p.tid": "640cfd8d00000000", "_dd.p.usr": "bob" }, dm);
    const back = getDatadogContext(ours.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
    assert.deepEqual(back?.propagationTags, { "_dd.p.tid": "640cfd8d00000000", "_dd.p.usr": "bob" }, dm);
  }
});

describe("W3C baggage both ways, through a stored JSON carrier: the same entries as dd-trace's", () => {
  // dd-trace-js's `baggage` style (text_map.js `#injectBaggageItems`, `#extractBaggageItems`): token
  // keys, values written with encodeURIComponent and read with decodeURIComponent. Values: any Unicode
  // text with the characters a baggage value must escape (`,` `;` `=` `%` `+`, spaces), never empty
  // (the test below).
  const key = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/);
  const value = fc
    .oneof(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
      fc.stringMatching(/^[ -~]{1,12}$/),
      fc.constantFrom("a,b", "k=v", "x;y", "100%", "%41", "a+b", " lead", "trail ", "é", "😀"),
    )
    .filter((v) => v.trim() !== "");
  const items = fc.dictionary(key, value, { minKeys: 1, maxKeys: 6, noNullPrototype: true });
  const styles = DEFAULT_STYLES;
  const stored = (carrier: Record<string, string>) =>
    JSON.parse(JSON.stringify(carrier)) as Record<string, string>;
  const entriesOf = (ctx: Context) =>
    Object.fromEntries((propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k, e]) => [k, e.value]));
  const parent = ddSpanContext({
    traceIdHigh: ZERO,
    traceIdLow: "000000000000007b",
    spanId: "00000000000001c8",
    priority: 1,
  });

  test(`dd-trace writes -> tracehop reads: ${RUNS} random baggages`, () => {
    const dd = ddPropagator(styles);
    const ours = createPropagator(styles);
    const bag = ddBaggage();
    fc.assert(
      fc.property(items, (it) => {
        bag.removeAllBaggageItems();
        for (const [k, v] of Object.entries(it)) bag.setBaggageItem(k, v);
        const carrier: Record<string, string> = {};
        dd.inject(parent, carrier);
        const row = stored(carrier);
        assert.deepEqual(entriesOf(extractFrom(ours, row)), it, JSON.stringify(carrier));
        dd.extract({ ...row });
        assert.deepEqual({ ...bag.getAllBaggageItems() }, it, "dd-trace reads its own the same");
      }),
      { numRuns: RUNS },
    );
    bag.removeAllBaggageItems();
  });

  test(`tracehop writes -> dd-trace reads: ${RUNS} random baggages`, () => {
    const dd = ddPropagator(styles);
    const ours = createPropagator(["tracecontext", "baggage", "datadog"]);
    const bag = ddBaggage();
    fc.assert(
      fc.property(items, (it) => {
        let baggage = propagation.createBaggage();
        for (const [k, v] of Object.entries(it)) baggage = baggage.setEntry(k, { value: v });
        const ctx = trace.setSpanContext(propagation.setBaggage(ROOT_CONTEXT, baggage), {
          traceId: ZERO + "000000000000007b",
          spanId: "00000000000001c8",
          traceFlags: TraceFlags.SAMPLED,
          isRemote: false,
        });
        const carrier: Record<string, string> = {};
        ours.inject(ctx, carrier, setter);
        bag.removeAllBaggageItems();
        dd.extract(stored(carrier));
        assert.deepEqual({ ...bag.getAllBaggageItems() }, it, JSON.stringify(carrier));
      }),
      { numRuns: RUNS },
    );
    bag.removeAllBaggageItems();
  });
});

test("a baggage entry with an empty value: tracehop keeps and writes it (`e=`, W3C Baggage value = *baggage-octet); dd-trace-js then drops every entry, of a header it wrote itself too (docs/conformance.md)", () => {
  // dd-trace-js 5.132 text_map.js `#extractBaggageItems`: `!value` counts as malformed and returns
  // before any entry is kept.
  const dd = ddPropagator(DEFAULT_STYLES);
  const ours = createPropagator(["tracecontext", "baggage", "datadog"]);
  const bag = ddBaggage();
  const baggage = propagation.createBaggage({ a: { value: "1" }, e: { value: "" } });
  const ctx = trace.setSpanContext(propagation.setBaggage(ROOT_CONTEXT, baggage), {
    traceId: ZERO + "000000000000007b",
    spanId: "00000000000001c8",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });
  const mine: Record<string, string> = {};
  ours.inject(ctx, mine, setter);
  assert.equal(mine.baggage, "a=1,e=");
  const back = propagation.getBaggage(extractFrom(createPropagator(DEFAULT_STYLES), mine));
  assert.deepEqual(
    back?.getAllEntries().map(([k, e]) => [k, e.value]),
    [
      ["a", "1"],
      ["e", ""],
    ],
  );
  bag.removeAllBaggageItems();
  dd.extract({ ...mine });
  assert.deepEqual({ ...bag.getAllBaggageItems() }, {}, "dd-trace-js keeps no entry");

  bag.setBaggageItem("a", "1");
  bag.setBaggageItem("e", "");
  const theirs: Record<string, string> = {};
  dd.inject(ddSpanContext({ traceIdHigh: ZERO, traceIdLow: "7b", spanId: "1c8", priority: 1 }), theirs);
  assert.equal(theirs.baggage, "a=1,e=", "dd-trace-js writes the same header");
  dd.extract({ ...theirs });
  assert.deepEqual({ ...bag.getAllBaggageItems() }, {}, "and reads nothing of its own");
  bag.removeAllBaggageItems();
});

test("a remote context re-injected without a local span: p: as it came when 16 hex digits (lower-cased), else the remote span id; dd-trace-js writes back any p: (docs/conformance.md)", () => {
  const styles = ["tracecontext"];
  const dd = ddPropagator(styles);
  const ours = createPropagator(styles);
  const traceparent = "00-0000000000000000000000000000abcd-00000000000000f1-01";
  // p: that came in -> [tracehop's _dd.parent_id, tracehop's p: written back, dd-trace-js's p: written back]
  const cases: [string, string, string][] = [
    ["00000000000000e1", "00000000000000e1", "00000000000000e1"],
    ["00000000000000E1", "00000000000000e1", "00000000000000E1"],
    ["XX!X", "00000000000000f1", "XX!X"],
  ];
  for (const [p, mine, theirs] of cases) {
    const carrier = { traceparent, tracestate: `dd=s:2;p:${p}` };
    const ctx = extractFrom(ours, carrier);
    assert.equal(getDatadogContext(ctx)?.lastParentId, p);
    const written: Record<string, string> = {};
    ours.inject(ctx, written, setter);
    assert.equal(written.tracestate, `dd=s:2;p:${mine}`, p);
    const read = dd.extract({ ...carrier })!;
    assert.equal(read._trace.tags["_dd.parent_id"], p, "dd-trace-js reports it as it came");
    const again: Record<string, string> = {};
    dd.inject(read, again);
    assert.equal(/p:([^;]*)/.exec(again.tracestate ?? "")?.[1], theirs, p);
  }
});

describe("dd-trace writes, a stored JSON row, tracehop reads and writes it on, dd-trace reads: what dd-trace reads from its own row", () => {
  // A relay hop: dd-trace's carrier stored as JSON, restored by tracehop and injected again with no new
  // span (a relay's "creation-context" forward), read by dd-trace. Every field dd-trace reads must be
  // what it reads from its own row: ids (128-bit), priority (any integer), origin (printable ASCII with
  // `=` `~` `;` and spaces, never a comma: docs/conformance.md "Repeated fields"), and every `_dd.p.*`
  // tag (values with `=`, `~`, `;`, spaces).
  const tagValue = fc.stringMatching(/^[\x20-\x2b\x2d-\x7e]{1,12}$/);
  const tagName = fc
    .stringMatching(/^[a-z][a-z0-9._]{0,6}$/)
    .filter((n) => !["dm", "tid", "upstream_services"].includes(n));
  const row = fc.record({
    high: fc.oneof(fc.constant(ZERO), nonZeroHex16),
    low: nonZeroHex16,
    span: nonZeroHex16,
    priority: fc.integer({ min: -20, max: 20 }),
    origin: fc.option(fc.stringMatching(/^[\x20-\x2b\x2d-\x7e]{1,12}$/), { nil: undefined }),
    dm: decisionMaker,
    tags: fc.dictionary(tagName, tagValue, { maxKeys: 3, noNullPrototype: true }),
  });
  const id = createRequire(import.meta.url)("dd-trace/packages/dd-trace/src/id") as (
    v: string,
    r: number,
  ) => unknown;
  for (const styles of [DEFAULT_STYLES, ["tracecontext"], ["datadog"]]) {
    test(`${styles.join(",")}: ${RUNS} random contexts`, () => {
      const dd = ddPropagator(styles);
      const ours = createPropagator(styles);
      fc.assert(
        fc.property(row, (r) => {
          const tags: Record<string, string> = {};
          if (r.high !== ZERO) tags["_dd.p.tid"] = r.high;
          if (r.priority > 0) tags["_dd.p.dm"] = r.dm;
          for (const [name, value] of Object.entries(r.tags)) tags[`_dd.p.${name}`] = value;
          const written: Record<string, string> = {};
          dd.inject(ddSpanContextWith(id, r, tags), written);
          const stored = JSON.parse(JSON.stringify(written)) as Record<string, string>;
          const direct = dd.extract({ ...stored })!;
          const relayed: Record<string, string> = {};
          ours.inject(extractFrom(ours, stored), relayed, setter);
          const label = JSON.stringify({ stored, relayed });
          const again = dd.extract(JSON.parse(JSON.stringify(relayed)) as Record<string, string>);
          assert.ok(again, label);
          assert.equal(again.toTraceId(true), direct.toTraceId(true), label);
          assert.equal(again.toSpanId(true), direct.toSpanId(true), label);
          assert.equal(again._sampling.priority, direct._sampling.priority, label);
          assert.equal(again._trace.origin, direct._trace.origin, label);
          assert.deepEqual(again._trace.tags, direct._trace.tags, label);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

/** A dd-trace span context with these ids (hex), priority, origin and trace tags (span_context.js). */
function ddSpanContextWith(
  id: (value: string, radix: number) => unknown,
  r: { low: string; span: string; priority: number; origin?: string },
  tags: Record<string, string>,
): unknown {
  ddTracer();
  const DatadogSpanContext = createRequire(import.meta.url)(
    "dd-trace/packages/dd-trace/src/opentracing/span_context",
  ) as new (props: Record<string, unknown>) => unknown;
  return new DatadogSpanContext({
    traceId: id(r.low, 16),
    spanId: id(r.span, 16),
    isRemote: false,
    sampling: { priority: r.priority },
    trace: { started: [], finished: [], tags, origin: r.origin },
  });
}
