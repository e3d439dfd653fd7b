// The `b3` and `b3multi` styles (src/propagation/B3StylePropagator.ts): which B3 ids they accept and how they keep them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  type Context,
} from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { contextFromCarrier, injectCarrier } from "../../src/context/carrier-context.js";
import { createPropagator, type PropagationStyle } from "../../src/propagation/create-propagator.js";
import { getDatadogContext, setDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { getExtractionLinks } from "../../src/propagation/extraction-result.js";
import { isDeferredB3 } from "../../src/propagation/B3StylePropagator.js";
import { DatadogPropagator, DatadogTraceContextPropagator } from "../../src/index.js";
import { datadogSpanId, datadogTraceId } from "../support/datadog-ids.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";
/** @opentelemetry/propagator-b3's debug key (`createContextKey` is `Symbol.for` of the description). */
const B3_DEBUG_KEY = createContextKey("OpenTelemetry Context Key B3 Debug Flag");

function extracted(style: "b3" | "b3multi", carrier: Record<string, unknown>) {
  const sc = trace.getSpanContext(
    createPropagator([style]).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
  );
  return sc && { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags };
}

const multi = (traceId: unknown, spanId: unknown, sampled: unknown = "1") => ({
  "x-b3-traceid": traceId,
  "x-b3-spanid": spanId,
  "x-b3-sampled": sampled,
});

describe("B3 ids are read as dd-trace-js reads them", () => {
  test("upper-case ids are accepted and lower-cased (the API and every writer use lower case)", () => {
    const expected = { traceId: TRACE, spanId: SPAN, traceFlags: 1 };
    assert.deepEqual(extracted("b3multi", multi(TRACE.toUpperCase(), SPAN.toUpperCase())), expected);
    assert.deepEqual(extracted("b3", { b3: `${TRACE}-${SPAN}-1`.toUpperCase() }), expected);
    // Written back lower-case, so a traceparent written from it is valid.
    const ctx = createPropagator(["b3multi"]).extract(
      ROOT_CONTEXT,
      multi(TRACE.toUpperCase(), SPAN.toUpperCase()),
      defaultTextMapGetter,
    );
    const carrier: Record<string, string> = {};
    createPropagator(["tracecontext", "b3multi"]).inject(ctx, carrier, defaultTextMapSetter);
    assert.equal(carrier.traceparent, `00-${TRACE}-${SPAN}-01`);
    assert.equal(carrier["x-b3-traceid"], TRACE);
  });

  test("a 64-bit trace id (16 digits) is zero-padded; any other length is refused", () => {
    assert.equal(
      extracted("b3multi", multi(TRACE.slice(16), SPAN))?.traceId,
      `${"0".repeat(16)}${TRACE.slice(16)}`,
    );
    assert.equal(
      extracted("b3", { b3: `${TRACE.slice(16)}-${SPAN}` })?.traceId,
      `${"0".repeat(16)}${TRACE.slice(16)}`,
    );
    // The property-test counterexamples (test/hardening/properties.test.ts): @opentelemetry/propagator-b3
    // padded any length ("A" became 0000…000A).
    assert.equal(extracted("b3multi", multi("A", "000000000000000c")), undefined);
    assert.equal(extracted("b3multi", multi(["A"], "0000000000000002")), undefined);
    for (const traceId of ["abc", TRACE.slice(8), `${TRACE}00`, `${TRACE.slice(1)}`])
      assert.equal(extracted("b3multi", multi(traceId, SPAN)), undefined, traceId);
    for (const spanId of ["abc", SPAN.slice(1), `${SPAN}0`, "g".repeat(16)])
      assert.equal(extracted("b3multi", multi(TRACE, spanId)), undefined, spanId);
  });

  test("a single header is the whole value: no id found inside a longer text", () => {
    for (const b3 of [
      `x${TRACE}-${SPAN}-1`,
      `${TRACE}-${SPAN}-1x`,
      `a${TRACE}-${SPAN}`,
      `${TRACE}-${SPAN}-2`,
    ])
      assert.equal(extracted("b3", { b3 }), undefined, b3);
    assert.deepEqual(extracted("b3", { b3: `${TRACE}-${SPAN}-d-${"1".repeat(16)}` }), {
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
    });
  });

  test("SP/HTAB around a value are ignored; the first of repeated values is read", () => {
    assert.equal(extracted("b3multi", multi(` ${TRACE}\t`, `\t${SPAN} `))?.traceId, TRACE);
    assert.equal(extracted("b3", { b3: ` ${TRACE}-${SPAN}-0 ` })?.traceFlags, 0);
    assert.equal(
      extracted("b3multi", multi([TRACE, "ffffffffffffffffffffffffffffffff"], [SPAN]))?.traceId,
      TRACE,
    );
  });

  test("sampled and debug flags are OpenTelemetry's; the debug flag is written back", () => {
    assert.equal(extracted("b3multi", multi(TRACE, SPAN, "0"))?.traceFlags, 0);
    assert.equal(extracted("b3multi", multi(TRACE, SPAN, "true"))?.traceFlags, 1);
    assert.equal(extracted("b3multi", multi(TRACE, SPAN, "maybe")), undefined);
    const debug = { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "1" };
    const b3multi = createPropagator(["b3multi"]);
    const carrier: Record<string, string> = {};
    b3multi.inject(b3multi.extract(ROOT_CONTEXT, debug, defaultTextMapGetter), carrier, defaultTextMapSetter);
    assert.deepEqual(carrier, debug);
    const b3 = createPropagator(["b3"]);
    const single: Record<string, string> = {};
    b3.inject(
      b3.extract(ROOT_CONTEXT, { b3: `${TRACE}-${SPAN}-d` }, defaultTextMapGetter),
      single,
      defaultTextMapSetter,
    );
    assert.deepEqual(single, { b3: `${TRACE}-${SPAN}-d` });
  });
});

describe("each B3 style reads only its own headers, as dd-trace-js (docs/conformance.md, B3 styles)", () => {
  // dd-trace-js text_map.js: b3multi -> _extractB3MultiContext (x-b3-* only); b3 (dd-trace 6) and
  // "b3 single header" -> _extractB3SingleContext (b3 only). OpenTelemetry's B3Propagator reads both.
  const OTHER = "80f198ee56343ba864fe8b2a57d3eff7";
  const single = { b3: `${OTHER}-e457b5a2e4d86bd1-1` };
  const multiple = multi(TRACE, SPAN);

  test("b3multi does not read a single b3 header; b3 does not read x-b3-*", () => {
    assert.equal(extracted("b3multi", single), undefined);
    assert.equal(extracted("b3", multiple), undefined);
    assert.equal(extracted("b3multi", { ...single, ...multiple })?.traceId, TRACE);
    assert.equal(extracted("b3", { ...single, ...multiple })?.traceId, OTHER);
    const both = createPropagator("b3 single header");
    assert.equal(trace.getSpanContext(both.extract(ROOT_CONTEXT, multiple, defaultTextMapGetter)), undefined);
  });

  test("a service that accepts both forms lists both styles; a second trace becomes a link", () => {
    const both = createPropagator(["b3", "b3multi"]);
    assert.equal(
      trace.getSpanContext(both.extract(ROOT_CONTEXT, single, defaultTextMapGetter))?.traceId,
      OTHER,
    );
    assert.equal(
      trace.getSpanContext(both.extract(ROOT_CONTEXT, multiple, defaultTextMapGetter))?.traceId,
      TRACE,
    );
    const ctx = both.extract(ROOT_CONTEXT, { ...single, ...multiple }, defaultTextMapGetter);
    assert.equal(trace.getSpanContext(ctx)?.traceId, OTHER);
    assert.deepEqual(
      getExtractionLinks(ctx).map((link) => [link.context.traceId, link.attributes?.["context_headers"]]),
      [[TRACE, "b3multi"]],
    );
  });

  test("fields() are the headers each style writes and reads", () => {
    assert.deepEqual(createPropagator(["b3"]).fields(), ["b3"]);
    assert.deepEqual(createPropagator(["b3multi"]).fields().sort(), [
      "x-b3-flags",
      "x-b3-parentspanid",
      "x-b3-sampled",
      "x-b3-spanid",
      "x-b3-traceid",
    ]);
  });
});

describe("B3 injection", () => {
  test("ids an application set in upper case are written in lower case (B3 ids are lower-hex; Brave refuses A-F)", () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE.toUpperCase(),
      spanId: SPAN.toUpperCase(),
      traceFlags: 1,
      isRemote: false,
    });
    const written = (style: "b3" | "b3multi") => {
      const carrier: Record<string, string> = {};
      createPropagator([style]).inject(ctx, carrier, defaultTextMapSetter);
      return carrier;
    };
    assert.deepEqual(written("b3"), { b3: `${TRACE}-${SPAN}-1` });
    assert.deepEqual(written("b3multi"), { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-sampled": "1" });
  });

  test("nothing is written for ids that are not hex or are all zero", () => {
    for (const [traceId, spanId] of [
      ["0".repeat(32), SPAN],
      [TRACE, "0".repeat(16)],
      [`${TRACE.slice(1)}g`, SPAN],
      [TRACE, SPAN.slice(1)],
    ]) {
      const carrier: Record<string, string> = {};
      const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: 1 });
      createPropagator(["b3", "b3multi"]).inject(ctx, carrier, defaultTextMapSetter);
      assert.deepEqual(carrier, {}, `${traceId}-${spanId}`);
    }
  });
});

describe("the B3 debug flag is Datadog priority 2 (USER_KEEP), as dd-trace-js 5 reads it", () => {
  // dd-trace-js text_map.js `getB3Priority`: debug -> USER_KEEP (2), sampled 1 -> AUTO_KEEP (1),
  // 0 -> AUTO_REJECT (0); `extractB3Context` sets no decision maker (`_dd.p.dm`).
  const debugSingle = { b3: `${TRACE}-${SPAN}-d` };
  const debugMulti = { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "1" };
  const DATADOG_OUT: PropagationStyle[] = ["datadog", "tracecontext"];

  /** What `extractStyles` restores from `carrier`, injected again by the datadog and tracecontext styles. */
  function reinjected(extractStyles: PropagationStyle[], carrier: Record<string, unknown>) {
    const ctx = createPropagator(extractStyles).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    const out: Record<string, string> = {};
    createPropagator(DATADOG_OUT).inject(ctx, out, defaultTextMapSetter);
    return { ctx, out };
  }

  /** What the `styles` inject styles write for `ctx`. */
  function b3Out(styles: PropagationStyle[], ctx: Context): Record<string, string> {
    const out: Record<string, string> = {};
    createPropagator(styles).inject(ctx, out, defaultTextMapSetter);
    return out;
  }

  test("x-b3-flags: 1 and b3 `d` give priority 2 in every style order, written by datadog and dd=s:", () => {
    for (const [styles, carrier] of [
      [["b3"], debugSingle],
      [["b3", "datadog"], debugSingle],
      [["datadog", "b3"], debugSingle],
      [["tracecontext", "datadog", "b3", "baggage"], debugSingle],
      [["b3multi"], debugMulti],
      [["b3multi", "datadog"], debugMulti],
      [["datadog", "b3multi"], debugMulti],
      [["datadog", "tracecontext", "b3multi", "b3"], debugMulti],
    ] as const) {
      const label = `${styles.join(",")} ${JSON.stringify(carrier)}`;
      const { ctx, out } = reinjected([...styles], carrier);
      assert.deepEqual(
        getDatadogContext(ctx),
        { samplingPriority: 2, propagationTags: { "_dd.p.tid": TRACE.slice(0, 16) } },
        label,
      );
      assert.equal(out["x-datadog-sampling-priority"], "2", label);
      assert.equal(out["x-datadog-trace-id"], datadogTraceId(TRACE), label);
      assert.equal(out["x-datadog-parent-id"], datadogSpanId(SPAN), label);
      // No decision maker: dd-trace-js sets none for a B3 extraction.
      assert.equal(out["x-datadog-tags"], `_dd.p.tid=${TRACE.slice(0, 16)}`, label);
      assert.equal(out.traceparent, `00-${TRACE}-${SPAN}-01`, label);
      assert.equal(out.tracestate, `dd=s:2;p:${SPAN};t.tid:${TRACE.slice(0, 16)}`, label);
    }
  });

  test("a 64-bit B3 trace id gives priority 2 without _dd.p.tid", () => {
    const { ctx, out } = reinjected(["b3"], { b3: `${TRACE.slice(16)}-${SPAN}-d` });
    assert.deepEqual(getDatadogContext(ctx), { samplingPriority: 2, propagationTags: {} });
    assert.equal(out["x-datadog-sampling-priority"], "2");
    assert.equal(out["x-datadog-tags"], undefined);
  });

  test("without the debug flag the sampled flag decides: 1 and 0; a single-header `D` is a keep, not debug", () => {
    for (const [styles, carrier, priority] of [
      [["b3", "datadog"], { b3: `${TRACE}-${SPAN}-1` }, "1"],
      [["b3", "datadog"], { b3: `${TRACE}-${SPAN}-0` }, "0"],
      [["b3multi", "datadog"], multi(TRACE, SPAN, "1"), "1"],
      [["b3multi", "datadog"], multi(TRACE, SPAN, "0"), "0"],
      // dd-trace-js `extractB3SingleHeader`: only a lower-case `d` sets the debug flag; `D` is sampled.
      [["b3", "datadog"], { b3: `${TRACE}-${SPAN}-D` }, "1"],
      [["b3multi", "datadog"], { ...multi(TRACE, SPAN, "1"), "x-b3-flags": "0" }, "1"],
    ] as const) {
      const label = `${styles.join(",")} ${JSON.stringify(carrier)}`;
      const { ctx, out } = reinjected([...styles], carrier);
      assert.equal(getDatadogContext(ctx), undefined, label);
      assert.equal(out["x-datadog-sampling-priority"], priority, label);
    }
    const b3 = createPropagator(["b3"]);
    const single: Record<string, string> = {};
    b3.inject(
      b3.extract(ROOT_CONTEXT, { b3: `${TRACE}-${SPAN}-D` }, defaultTextMapGetter),
      single,
      defaultTextMapSetter,
    );
    assert.deepEqual(single, { b3: `${TRACE}-${SPAN}-1` });
  });

  test("a datadog context of the same trace that wins precedence keeps its own priority", () => {
    const datadog = (priority: string) => ({
      "x-datadog-trace-id": datadogTraceId(TRACE),
      "x-datadog-parent-id": datadogSpanId(SPAN),
      "x-datadog-sampling-priority": priority,
      "x-datadog-tags": `_dd.p.dm=-4,_dd.p.tid=${TRACE.slice(0, 16)}`,
    });
    for (const [styles, carrier] of [
      [["datadog", "b3"], debugSingle],
      [["datadog", "b3multi"], debugMulti],
      [["datadog", "b3multi", "b3"], { ...debugSingle, ...debugMulti }],
    ] as const) {
      for (const priority of ["1", "0"]) {
        const label = `${styles.join(",")} priority ${priority}`;
        const { ctx, out } = reinjected([...styles], { ...datadog(priority), ...carrier });
        assert.equal(getDatadogContext(ctx)?.samplingPriority, Number(priority), label);
        assert.equal(out["x-datadog-sampling-priority"], priority, label);
        assert.match(out.tracestate ?? "", new RegExp(`^dd=s:${priority};`), label);
        assert.equal(out["x-datadog-tags"], `_dd.p.dm=-4,_dd.p.tid=${TRACE.slice(0, 16)}`, label);
      }
    }
    // The B3 style first: its decision wins over the later datadog one (dd-trace-js: the first style's
    // context, a later datadog one of the same trace is not merged).
    const { out } = reinjected(["b3", "datadog"], { ...datadog("0"), ...debugSingle });
    assert.equal(out["x-datadog-sampling-priority"], "2");
    assert.equal(out["x-datadog-tags"], `_dd.p.tid=${TRACE.slice(0, 16)}`);
  });

  test("a later traceparent of the trace is adopted; the debug decision stays 2, the W3C t.dm is not kept", () => {
    const other = "00f067aa0ba902b7";
    const { ctx, out } = reinjected(["b3", "tracecontext"], {
      ...debugSingle,
      traceparent: `00-${TRACE}-${other}-01`,
      tracestate: `dd=s:1;p:${other};t.dm:-4,congo=t61rcWkgMzE`,
    });
    assert.equal(getDatadogContext(ctx)?.samplingPriority, 2);
    assert.equal(out["x-datadog-sampling-priority"], "2");
    assert.equal(out["x-datadog-tags"], `_dd.p.tid=${TRACE.slice(0, 16)}`);
    assert.equal(out.tracestate, `dd=s:2;p:${other};t.tid:${TRACE.slice(0, 16)},congo=t61rcWkgMzE`);
  });

  test("a later traceparent of another span: the B3 span id is no last Datadog parent; the tracestate's p: is", () => {
    const w3cSpan = "00000000000000a3";
    const carrier = { ...multi(TRACE, SPAN), traceparent: `00-${TRACE}-${w3cSpan}-01` };
    const read = (extra: Record<string, string>) =>
      createPropagator(["b3multi", "tracecontext"]).extract(
        ROOT_CONTEXT,
        { ...carrier, ...extra },
        defaultTextMapGetter,
      );
    const plain = read({});
    assert.equal(trace.getSpanContext(plain)?.spanId, w3cSpan);
    assert.equal(getDatadogContext(plain)?.lastParentId, undefined);
    assert.equal(
      getDatadogContext(read({ tracestate: "dd=p:00000000000000aa" }))?.lastParentId,
      "00000000000000aa",
    );
  });

  test("the debug flag is written in the form injected, whichever form it was read from", () => {
    // @opentelemetry/propagator-b3 keeps the flag as written ("d" or "1") and each of its injectors
    // checks only its own spelling: b3 `d` was written as `x-b3-sampled: 1`, x-b3-flags as `-1`.
    for (const [styles, carrier] of [
      [["b3"], debugSingle],
      [["b3multi"], debugMulti],
      [["b3multi"], { ...debugMulti, "x-b3-sampled": "0" }],
    ] as const) {
      const ctx = createPropagator([...styles]).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      const label = `${styles.join(",")} ${JSON.stringify(carrier)}`;
      assert.deepEqual(b3Out(["b3multi"], ctx), debugMulti, label);
      assert.deepEqual(b3Out(["b3"], ctx), debugSingle, label);
      assert.deepEqual(b3Out(["b3", "b3multi"], ctx), { ...debugSingle, ...debugMulti }, label);
    }
  });

  test("a later extraction without the debug flag onto a base context that holds one is not debug", () => {
    // A consumer that restores each message onto one base context (here, one restored from a debug
    // request): @opentelemetry/propagator-b3's single-header extract sets its debug key only for `d` and
    // never clears it, so an earlier `d` stayed and the next message's trace was written as debug.
    const other = { trace: "4bf92f3577b34da6a3ce929d0e0e4736", span: "00f067aa0ba902b7" };
    for (const styles of [["b3"], ["b3multi"], ["b3", "b3multi"]] as PropagationStyle[][]) {
      const propagator = createPropagator(styles);
      for (const earlier of [debugSingle, debugMulti]) {
        const base = createPropagator(["b3", "b3multi"]).extract(ROOT_CONTEXT, earlier, defaultTextMapGetter);
        for (const [later, sampled] of [
          [{ b3: `${other.trace}-${other.span}-1` }, "1"],
          [{ b3: `${other.trace}-${other.span}-0` }, "0"],
          [{ b3: `${other.trace}-${other.span}` }, "1"],
          [{ "x-b3-traceid": other.trace, "x-b3-spanid": other.span, "x-b3-sampled": "1" }, "1"],
        ] as const) {
          const label = `${styles.join(",")} ${JSON.stringify(earlier)} then ${JSON.stringify(later)}`;
          const ctx = propagator.extract(base, later, defaultTextMapGetter);
          if (trace.getSpanContext(ctx)?.traceId !== other.trace) continue; // the style does not read this form
          assert.deepEqual(b3Out(["b3"], ctx), { b3: `${other.trace}-${other.span}-${sampled}` }, label);
          assert.deepEqual(
            b3Out(["b3multi"], ctx),
            { "x-b3-traceid": other.trace, "x-b3-spanid": other.span, "x-b3-sampled": sampled },
            label,
          );
          // The earlier trace's priority 2 is bound to that trace: none for this one.
          assert.equal(getDatadogContext(ctx), undefined, label);
        }
      }
    }
  });

  test("a later extraction won by another style onto a base context that holds a B3 debug flag is not debug", () => {
    // A consumer that restores each message onto one base context: the B3 debug flag (OpenTelemetry's
    // debug key) of an earlier B3 message stayed when tracecontext or datadog won the next extraction, and
    // a later B3 inject wrote the debug flag for a trace that was never debug.
    const other = { trace: "4bf92f3577b34da6a3ce929d0e0e4736", span: "00f067aa0ba902b7" };
    const laters: [string, Record<string, string>, string, string][] = [
      // The traceparent of another trace, and of the debug trace itself (a new span, W3C-only: sampled 1).
      [
        "traceparent of another trace",
        { traceparent: `00-${other.trace}-${other.span}-01` },
        other.trace,
        other.span,
      ],
      ["traceparent of the same trace", { traceparent: `00-${TRACE}-${other.span}-01` }, TRACE, other.span],
      [
        "datadog headers, priority 1",
        {
          "x-datadog-trace-id": datadogTraceId(other.trace),
          "x-datadog-parent-id": datadogSpanId(other.span),
          "x-datadog-sampling-priority": "1",
          "x-datadog-tags": `_dd.p.tid=${other.trace.slice(0, 16)}`,
        },
        other.trace,
        other.span,
      ],
    ];
    for (const styles of [
      ["b3", "tracecontext"],
      ["tracecontext", "b3"],
      ["b3multi", "tracecontext"],
      ["datadog", "tracecontext", "b3", "b3multi"],
      ["b3", "b3multi", "datadog"],
      ["tracecontext"],
      ["datadog"],
    ] as PropagationStyle[][]) {
      const propagator = createPropagator(styles);
      for (const earlier of [debugSingle, debugMulti]) {
        const base = createPropagator(["b3", "b3multi"]).extract(ROOT_CONTEXT, earlier, defaultTextMapGetter);
        for (const [what, later, traceId, spanId] of laters) {
          const label = `${styles.join(",")}: ${JSON.stringify(earlier)} then ${what}`;
          const ctx = propagator.extract(base, later, defaultTextMapGetter);
          if (trace.getSpanContext(ctx)?.spanId !== spanId) continue; // no style of these reads it
          assert.deepEqual(b3Out(["b3"], ctx), { b3: `${traceId}-${spanId}-1` }, label);
          assert.deepEqual(
            b3Out(["b3multi"], ctx),
            { "x-b3-traceid": traceId, "x-b3-spanid": spanId, "x-b3-sampled": "1" },
            label,
          );
          assert.equal(b3Out(["datadog"], ctx)["x-datadog-sampling-priority"], "1", label);
          assert.equal(ctx.getValue(B3_DEBUG_KEY), undefined, label);
        }
      }
    }
  });

  test("DatadogPropagator and DatadogTraceContextPropagator alone leave no earlier B3 debug flag either", () => {
    const base = createPropagator(["b3"]).extract(ROOT_CONTEXT, debugSingle, defaultTextMapGetter);
    const other = { trace: "4bf92f3577b34da6a3ce929d0e0e4736", span: "00f067aa0ba902b7" };
    for (const ctx of [
      new DatadogPropagator().extract(
        base,
        {
          "x-datadog-trace-id": datadogTraceId(other.trace),
          "x-datadog-parent-id": datadogSpanId(other.span),
          "x-datadog-sampling-priority": "1",
        },
        defaultTextMapGetter,
      ),
      new DatadogTraceContextPropagator().extract(
        base,
        { traceparent: `00-${other.trace}-${other.span}-01` },
        defaultTextMapGetter,
      ),
    ]) {
      assert.equal(trace.getSpanContext(ctx)?.spanId, other.span);
      assert.equal(ctx.getValue(B3_DEBUG_KEY), undefined);
      assert.equal(b3Out(["b3"], ctx).b3?.endsWith("-1"), true);
    }
  });

  test("what an earlier extraction kept on the base context goes when another extraction wins", () => {
    // Each style-held value of an earlier extraction: the B3 debug flag and Defer mark, a Datadog context
    // of the same trace (priority 2, origin), links and a restored root. A later winner of any style
    // replaces them all; an extraction that finds nothing returns the base context itself.
    const other = "00f067aa0ba902b7";
    const deferred = createPropagator(["b3"]).extract(
      ROOT_CONTEXT,
      { b3: `${TRACE}-${SPAN}` },
      defaultTextMapGetter,
    );
    assert.equal(isDeferredB3(deferred), true);
    const w3cLater = { traceparent: `00-${TRACE}-${other}-01` };
    for (const styles of [
      ["b3", "tracecontext"],
      ["tracecontext"],
      ["tracecontext", "b3multi"],
    ] as PropagationStyle[][]) {
      const ctx = createPropagator(styles).extract(deferred, w3cLater, defaultTextMapGetter);
      assert.equal(trace.getSpanContext(ctx)?.spanId, other, styles.join(","));
      assert.equal(isDeferredB3(ctx), false, styles.join(","));
    }
    // A Datadog context of the trace (priority 2, origin synthetics), then a B3 message of the same trace
    // sampled 1: the B3 winner's decision, not the earlier priority 2 and origin.
    const datadogBase = createPropagator(["tracecontext"]).extract(
      ROOT_CONTEXT,
      { traceparent: `00-${TRACE}-${other}-01`, tracestate: "dd=s:2;o:synthetics" },
      defaultTextMapGetter,
    );
    assert.equal(getDatadogContext(datadogBase)?.samplingPriority, 2);
    for (const [styles, later] of [
      [["b3multi"], multi(TRACE, SPAN, "1")],
      [["b3"], { b3: `${TRACE}-${SPAN}-1` }],
      [["b3multi", "tracecontext"], multi(TRACE, SPAN, "1")],
      [["datadog", "b3"], { b3: `${TRACE}-${SPAN}-1` }],
    ] as [PropagationStyle[], Record<string, unknown>][]) {
      const label = `${styles.join(",")} onto a priority-2 synthetics base`;
      const ctx = createPropagator(styles).extract(datadogBase, later, defaultTextMapGetter);
      assert.equal(trace.getSpanContext(ctx)?.spanId, SPAN, label);
      assert.equal(getDatadogContext(ctx), undefined, label);
      const out = b3Out(["datadog", "b3multi"], ctx);
      assert.equal(out["x-datadog-sampling-priority"], "1", label);
      assert.equal(out["x-datadog-origin"], undefined, label);
      assert.equal(out["x-b3-flags"], undefined, label);
      assert.equal(out["x-b3-sampled"], "1", label);
    }
    // Nothing found: the base context itself, its values kept (they belong to its span).
    const debugBase = createPropagator(["b3"]).extract(ROOT_CONTEXT, debugSingle, defaultTextMapGetter);
    for (const styles of [["b3", "tracecontext"], ["tracecontext"], ["b3"]] as PropagationStyle[][])
      assert.equal(createPropagator(styles).extract(debugBase, {}, defaultTextMapGetter), debugBase);
    // The restart behavior: the new trace is not debug either.
    const restarted = createPropagator(["b3", "tracecontext"], { extractBehavior: "restart" }).extract(
      debugBase,
      w3cLater,
      defaultTextMapGetter,
    );
    assert.equal(restarted.getValue(B3_DEBUG_KEY), undefined);
  });

  test("a Datadog priority above 1 is x-b3-flags: 1, a plain 1 in the b3 header (dd-trace-js)", () => {
    // dd-trace-js text_map.js: `#injectB3MultipleHeaders` writes x-b3-flags: 1 for a priority above
    // AUTO_KEEP; `#injectB3SingleHeader` writes only 1 or 0.
    const datadog = (priority: string) => ({
      "x-datadog-trace-id": datadogTraceId(TRACE),
      "x-datadog-parent-id": datadogSpanId(SPAN),
      "x-datadog-sampling-priority": priority,
      "x-datadog-tags": `_dd.p.tid=${TRACE.slice(0, 16)}`,
    });
    for (const [styles, carrier, multiOut, singleState] of [
      [["datadog"], datadog("2"), debugMulti, "1"],
      [["datadog"], datadog("3"), debugMulti, "1"],
      [["datadog"], datadog("1"), multi(TRACE, SPAN, "1"), "1"],
      [["datadog"], datadog("-1"), multi(TRACE, SPAN, "0"), "0"],
      [["tracecontext"], { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "dd=s:2" }, debugMulti, "1"],
      // A datadog winner of the same trace keeps its own priority: the B3 debug flag read with it is not.
      [["datadog", "b3multi"], { ...datadog("1"), ...debugMulti }, multi(TRACE, SPAN, "1"), "1"],
    ] as const) {
      const label = `${styles.join(",")} ${JSON.stringify(carrier)}`;
      const ctx = createPropagator([...styles]).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      assert.deepEqual(b3Out(["b3multi"], ctx), multiOut, label);
      assert.deepEqual(b3Out(["b3"], ctx), { b3: `${TRACE}-${SPAN}-${singleState}` }, label);
    }
    // setDatadogContext on a sampled span; on an unsampled one the sampled flag decides (no debug).
    for (const [traceFlags, multiOut, singleState] of [
      [1, debugMulti, "1"],
      [0, multi(TRACE, SPAN, "0"), "0"],
    ] as const) {
      const span = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags });
      const ctx = setDatadogContext(span, { samplingPriority: 2 });
      assert.deepEqual(b3Out(["b3multi"], ctx), multiOut, `flags ${traceFlags}`);
      assert.deepEqual(b3Out(["b3"], ctx), { b3: `${TRACE}-${SPAN}-${singleState}` }, `flags ${traceFlags}`);
    }
  });

  test("one inject with Datadog and B3 styles reads the trace's Datadog fields once", () => {
    // The composite resolves a context's Datadog fields once for every style that writes them: the
    // priority the B3 debug flag follows included. The stored fields are the object getDatadogContext
    // hands out; a getter on it counts the reads.
    const span = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags: 1 });
    const ctx = setDatadogContext(span, { samplingPriority: 2 });
    let reads = 0;
    Object.defineProperty(getDatadogContext(ctx)!, "samplingPriority", {
      get: () => (reads++, 2),
      enumerable: true,
    });
    for (const styles of [
      ["datadog", "tracecontext", "b3multi"],
      ["tracecontext", "b3"],
      ["b3multi", "b3", "datadog"],
    ]) {
      reads = 0;
      const carrier: Record<string, string> = {};
      createPropagator(styles).inject(ctx, carrier, defaultTextMapSetter);
      assert.equal(reads, 1, styles.join(","));
      if (styles.includes("b3multi")) assert.equal(carrier["x-b3-flags"], "1", styles.join(","));
      assert.equal(carrier["x-datadog-sampling-priority"], styles.includes("datadog") ? "2" : undefined);
    }
  });

  test("a stored carrier restored by contextFromCarrier with b3 styles keeps priority 2", () => {
    const propagator = createPropagator(["datadog", "tracecontext", "b3multi", "b3"]);
    for (const stored of [
      JSON.stringify(debugSingle),
      { traceContext: { B3: [debugSingle.b3] } },
      JSON.stringify({ "X-B3-TraceId": TRACE, "X-B3-SpanId": SPAN, "X-B3-Flags": "1" }),
      { traceContext: JSON.stringify(debugMulti) },
    ]) {
      const label = JSON.stringify(stored);
      const ctx = contextFromCarrier(stored, { propagator });
      assert.equal(getDatadogContext(ctx)?.samplingPriority, 2, label);
      const out = injectCarrier({ context: ctx, propagator: createPropagator(DATADOG_OUT) });
      assert.equal(out["x-datadog-sampling-priority"], "2", label);
    }
  });
});

describe("a B3 context without a sampling state (B3 Defer) is continued, as a Datadog context without a priority", () => {
  // openzipkin/b3-propagation: an absent sampling state "means defer the decision to the receiver".
  // dd-trace-js 5 `getB3Priority` reads it as no priority and its sampler then decides (keep);
  // @opentelemetry/propagator-b3 reads it as not sampled, which ParentBased samplers drop.
  const HIGH = TRACE.slice(0, 16);
  const deferMulti = { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN };
  const deferSingle = { b3: `${TRACE}-${SPAN}` };
  const DATADOG_OUT: PropagationStyle[] = ["datadog", "tracecontext"];

  function written(styles: PropagationStyle[], ctx: Context): Record<string, string> {
    const out: Record<string, string> = {};
    createPropagator(styles).inject(ctx, out, defaultTextMapSetter);
    return out;
  }

  test("an empty x-b3-sampled is no sampling state (dd-trace-js reads it so); SP/HTAB around a state are ignored", () => {
    for (const sampled of ["", " ", "\t"])
      assert.deepEqual(
        extracted("b3multi", multi(TRACE, SPAN, sampled)),
        { traceId: TRACE, spanId: SPAN, traceFlags: 1 },
        JSON.stringify(sampled),
      );
    assert.equal(extracted("b3multi", multi(TRACE, SPAN, " 0 "))?.traceFlags, 0);
    assert.equal(extracted("b3multi", multi(TRACE, SPAN, " 1\t"))?.traceFlags, 1);
    const debug = createPropagator(["b3multi"]).extract(
      ROOT_CONTEXT,
      { ...deferMulti, "x-b3-flags": " 1 " },
      defaultTextMapGetter,
    );
    assert.equal(getDatadogContext(debug)?.samplingPriority, 2);
  });

  test("the reported case: b3multi,datadog extraction is sampled and written as a keep", () => {
    const propagator = createPropagator(["b3multi", "datadog"]);
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      { "x-b3-traceid": "0000000000000000000000000000abcd", "x-b3-spanid": "00000000000000ef" },
      defaultTextMapGetter,
    );
    assert.equal(trace.getSpanContext(ctx)?.traceFlags, 1);
    assert.deepEqual(written(["b3multi", "datadog"], ctx), {
      "x-b3-traceid": "0000000000000000000000000000abcd",
      "x-b3-spanid": "00000000000000ef",
      "x-b3-sampled": "1",
      "x-datadog-trace-id": "43981",
      "x-datadog-parent-id": "239",
      "x-datadog-sampling-priority": "1",
    });
  });

  test("both forms, any style order: sampled flag set, no Datadog priority stored, 1 written by every style", () => {
    // As a plain B3 keep: no Datadog fields, so no dd= member (docs/conformance.md, B3 styles).
    for (const [styles, carrier] of [
      [["b3multi"], deferMulti],
      [["b3multi", "datadog"], deferMulti],
      [["datadog", "b3multi"], deferMulti],
      [["tracecontext", "datadog", "b3multi", "baggage"], deferMulti],
      // x-b3-flags other than 1 is no debug flag (dd-trace-js, OpenTelemetry): still no sampling state.
      [["b3multi"], { ...deferMulti, "x-b3-flags": "0" }],
      [["b3multi"], { ...deferMulti, "x-b3-parentspanid": "00f067aa0ba902b7" }],
      [["b3multi"], { "x-b3-traceid": [TRACE], "x-b3-spanid": [SPAN], "x-b3-sampled": [] }],
      [["b3"], deferSingle],
      [["b3", "datadog"], deferSingle],
      [["datadog", "tracecontext", "b3"], deferSingle],
      [["b3"], { b3: ` ${TRACE}-${SPAN}\t`.toUpperCase() }],
    ] as const) {
      const label = `${styles.join(",")} ${JSON.stringify(carrier)}`;
      const ctx = createPropagator([...styles]).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      assert.deepEqual(
        trace.getSpanContext(ctx),
        { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true },
        label,
      );
      assert.equal(getDatadogContext(ctx), undefined, label);
      assert.deepEqual(
        written(DATADOG_OUT, ctx),
        {
          "x-datadog-trace-id": datadogTraceId(TRACE),
          "x-datadog-parent-id": datadogSpanId(SPAN),
          "x-datadog-sampling-priority": "1",
          "x-datadog-tags": `_dd.p.tid=${HIGH}`,
          traceparent: `00-${TRACE}-${SPAN}-01`,
        },
        label,
      );
      assert.deepEqual(written(["b3multi"], ctx), multi(TRACE, SPAN, "1"), label);
      assert.deepEqual(written(["b3"], ctx), { b3: `${TRACE}-${SPAN}-1` }, label);
    }
  });

  test("written as the datadog style's context without a priority, for a 64-bit B3 trace id too (no dd= member)", () => {
    const datadog = createPropagator(["datadog"]).extract(
      ROOT_CONTEXT,
      { "x-datadog-trace-id": datadogTraceId(TRACE), "x-datadog-parent-id": datadogSpanId(SPAN) },
      defaultTextMapGetter,
    );
    for (const [style, carrier] of [
      ["b3multi", { "x-b3-traceid": TRACE.slice(16), "x-b3-spanid": SPAN }],
      ["b3", { b3: `${TRACE.slice(16)}-${SPAN}` }],
    ] as const) {
      const ctx = createPropagator([style]).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      assert.equal(getDatadogContext(datadog)?.samplingPriority, undefined);
      assert.equal(getDatadogContext(ctx), undefined, style);
      const { tracestate, ...fromDatadog } = written(DATADOG_OUT, datadog);
      assert.equal(tracestate, `dd=s:1;p:${SPAN}`);
      assert.deepEqual(written(DATADOG_OUT, ctx), fromDatadog, style);
      assert.deepEqual(fromDatadog, {
        "x-datadog-trace-id": datadogTraceId(TRACE),
        "x-datadog-parent-id": datadogSpanId(SPAN),
        "x-datadog-sampling-priority": "1",
        traceparent: `00-${"0".repeat(16)}${TRACE.slice(16)}-${SPAN}-01`,
      });
    }
  });

  test("an OpenTelemetry SDK's default sampler (ParentBased) records the child span and writes a keep", () => {
    const provider = new BasicTracerProvider();
    const tracer = provider.getTracer("b3-defer");
    for (const [style, carrier] of [
      ["b3multi", deferMulti],
      ["b3", deferSingle],
    ] as const) {
      const parent = createPropagator([style, "datadog"]).extract(
        ROOT_CONTEXT,
        carrier,
        defaultTextMapGetter,
      );
      const span = tracer.startSpan("child", {}, parent);
      assert.equal(span.isRecording(), true, style);
      const out = written(["datadog", style], trace.setSpan(parent, span));
      span.end();
      assert.equal(out["x-datadog-sampling-priority"], "1", style);
      if (style === "b3multi") assert.equal(out["x-b3-sampled"], "1");
      else assert.match(out.b3 ?? "", /^[0-9a-f]{32}-[0-9a-f]{16}-1$/);
    }
  });

  test("a decision read stays: 0 a drop, debug priority 2, a sampling state without ids no context", () => {
    for (const [style, carrier, flags, priority] of [
      ["b3multi", multi(TRACE, SPAN, "0"), 0, "0"],
      ["b3multi", { ...multi(TRACE, SPAN, "0"), "x-b3-flags": "0" }, 0, "0"],
      ["b3multi", multi(TRACE, SPAN, "1"), 1, "1"],
      ["b3multi", { ...deferMulti, "x-b3-flags": "1" }, 1, "2"],
      ["b3", { b3: `${TRACE}-${SPAN}-0` }, 0, "0"],
      ["b3", { b3: `${TRACE}-${SPAN}-1` }, 1, "1"],
      ["b3", { b3: `${TRACE}-${SPAN}-d` }, 1, "2"],
    ] as const) {
      const label = `${style} ${JSON.stringify(carrier)}`;
      const ctx = createPropagator([style]).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      assert.equal(trace.getSpanContext(ctx)?.traceFlags, flags, label);
      assert.equal(written(["datadog"], ctx)["x-datadog-sampling-priority"], priority, label);
    }
    for (const [style, carrier] of [
      ["b3", { b3: "1" }],
      ["b3", { b3: "0" }],
      ["b3", { b3: "d" }],
      ["b3multi", { "x-b3-sampled": "1" }],
      ["b3multi", { "x-b3-flags": "1" }],
      ["b3multi", { "x-b3-traceid": "A", "x-b3-spanid": SPAN }],
    ] as const)
      assert.equal(extracted(style, carrier), undefined, `${style} ${JSON.stringify(carrier)}`);
  });

  test("precedence is unchanged: a datadog winner of the trace keeps its priority; a later one lends none", () => {
    const datadog = (priority: string) => ({
      "x-datadog-trace-id": datadogTraceId(TRACE),
      "x-datadog-parent-id": datadogSpanId("00f067aa0ba902b7"),
      "x-datadog-sampling-priority": priority,
    });
    const first = createPropagator(["datadog", "b3multi"]).extract(
      ROOT_CONTEXT,
      { ...datadog("0"), ...deferMulti },
      defaultTextMapGetter,
    );
    assert.equal(trace.getSpanContext(first)?.traceFlags, 0);
    assert.equal(getDatadogContext(first)?.samplingPriority, 0);
    // dd-trace-js: the first style's context; a later datadog one of the same trace is not merged.
    const later = createPropagator(["b3multi", "datadog"]).extract(
      ROOT_CONTEXT,
      { ...datadog("0"), ...deferMulti },
      defaultTextMapGetter,
    );
    assert.equal(trace.getSpanContext(later)?.spanId, SPAN);
    assert.equal(trace.getSpanContext(later)?.traceFlags, 1);
    assert.equal(written(["datadog"], later)["x-datadog-sampling-priority"], "1");
  });

  test("a later traceparent of the trace decides, as for a Datadog winner without a priority", () => {
    // dd-trace-js `_resolveTraceContextConflicts` copies the W3C priority onto a B3 context without one.
    const other = "00f067aa0ba902b7";
    for (const [styles, carrier] of [
      [["b3multi", "tracecontext"], deferMulti],
      [["b3", "tracecontext"], deferSingle],
      [["b3", "datadog", "tracecontext"], deferSingle],
    ] as const) {
      for (const flags of ["00", "01"]) {
        const label = `${styles.join(",")} traceparent -${flags}`;
        const ctx = createPropagator([...styles]).extract(
          ROOT_CONTEXT,
          { ...carrier, traceparent: `00-${TRACE}-${other}-${flags}` },
          defaultTextMapGetter,
        );
        assert.equal(trace.getSpanContext(ctx)?.traceFlags, Number(flags), label);
        assert.equal(trace.getSpanContext(ctx)?.spanId, other, label);
        assert.equal(getDatadogContext(ctx)?.samplingPriority, undefined, label);
        assert.equal(written(["datadog"], ctx)["x-datadog-sampling-priority"], String(Number(flags)), label);
        assert.equal(written(["b3multi"], ctx)["x-b3-sampled"], String(Number(flags)), label);
      }
    }
    // A decided B3 winner keeps its own flag; an extraction onto a deferred one's context is not deferred.
    const decided = createPropagator(["b3multi", "tracecontext"]).extract(
      ROOT_CONTEXT,
      { ...multi(TRACE, SPAN, "1"), traceparent: `00-${TRACE}-${other}-00` },
      defaultTextMapGetter,
    );
    assert.equal(trace.getSpanContext(decided)?.traceFlags, 1);
    const propagator = createPropagator(["b3multi", "tracecontext"]);
    const base = propagator.extract(ROOT_CONTEXT, deferMulti, defaultTextMapGetter);
    const onBase = propagator.extract(
      base,
      { ...multi(TRACE, SPAN, "1"), traceparent: `00-${TRACE}-${other}-00` },
      defaultTextMapGetter,
    );
    assert.equal(trace.getSpanContext(onBase)?.traceFlags, 1);
  });

  test("a stored carrier restored by contextFromCarrier with b3 styles is continued as a keep", () => {
    const propagator = createPropagator(["datadog", "tracecontext", "b3multi", "b3"]);
    for (const stored of [
      JSON.stringify(deferSingle),
      { traceContext: { B3: [deferSingle.b3] } },
      JSON.stringify({ "X-B3-TraceId": TRACE, "X-B3-SpanId": SPAN }),
      { traceContext: JSON.stringify(deferMulti) },
    ]) {
      const label = JSON.stringify(stored);
      const ctx = contextFromCarrier(stored, { propagator });
      assert.equal(trace.getSpanContext(ctx)?.traceFlags, 1, label);
      assert.equal(getDatadogContext(ctx), undefined, label);
      const out = injectCarrier({ context: ctx, propagator: createPropagator([...DATADOG_OUT, "b3multi"]) });
      assert.equal(out["x-datadog-sampling-priority"], "1", label);
      assert.equal(out["x-b3-sampled"], "1", label);
      assert.equal(out.traceparent, `00-${TRACE}-${SPAN}-01`, label);
    }
  });
});
