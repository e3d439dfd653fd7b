// The Datadog cases of ../shared/cases/public-bug-cases.json (copied to test/fixtures/cases-datadog.json),
// each asserted with its expected value.
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { publicCases } from "../support/public-cases.js";
import {
  defaultTextMapGetter,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type DiagLogger,
} from "@opentelemetry/api";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/normalize-carrier.js";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { DatadogPropagator } from "../../src/propagation/datadog/DatadogPropagator.js";
import { getDatadogContext, setDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import {
  getExtractionAttributes,
  getExtractionLinks,
  getRestoredRoot,
  getRestoredRootTraceId,
} from "../../src/propagation/extraction-result.js";
import { isPropagationHeaderName } from "../../src/propagation/header-names.js";
import { logCorrelationFields } from "../../src/log-correlation.js";
import { resetWarningsForTests } from "../../src/warn-once.js";

const caseOf = publicCases("cases-datadog.json");

const setter = { set: (c: unknown, k: string, v: string) => ((c as Record<string, string>)[k] = v) };
const extract = (carrier: unknown, styles?: string[]): Context =>
  createPropagator(styles).extract(ROOT_CONTEXT, normalizeCarrier(carrier), normalizedCarrierGetter);
const inject = (ctx: Context, styles?: string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  createPropagator(styles ?? ["tracecontext", "baggage", "datadog"]).inject(ctx, out, setter);
  return out;
};
/** A local child span of the context (what a handler would inject from). */
const child = (ctx: Context, spanId = "1111222233334444"): Context => {
  const sc = trace.getSpanContext(ctx)!;
  return trace.setSpanContext(ctx, { ...sc, spanId, isRemote: false });
};

let warnings: string[] = [];
const logger: DiagLogger = {
  error: () => {},
  warn: (m: string) => void warnings.push(m),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};
beforeEach(() => {
  warnings = [];
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
});
afterEach(() => diag.disable());

describe("Datadog public cases", () => {
  test("B01: exact 64-bit decimal ids; a JSON number beyond 2^53 is refused with a diagnostic", () => {
    const { input, expected } = caseOf("B01");
    const ctx = extract(input.carrier, ["datadog"]);
    const sc = trace.getSpanContext(ctx);
    assert.equal(sc?.traceId, expected.carrier.traceId);
    assert.equal(sc?.spanId, expected.carrier.parentSpanId);
    assert.equal(getDatadogContext(ctx)?.samplingPriority, expected.carrier.samplingPriority);
    assert.equal(sc!.traceFlags & TraceFlags.SAMPLED, expected.carrier.sampled ? 1 : 0);
    // Stored as JSON numbers: the stored-carrier path never reads a number as an id (nothing rounded),
    // and says why for each refused id.
    assert.equal(trace.getSpanContext(extract(input.carrierJsonText, ["datadog"])), undefined);
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[0],
      /x-datadog-trace-id is a JSON number read as 7660829067201367000 \(exactly 7660829067201367040\): at or beyond 2\^53 the JSON reader rounds/,
    );
    assert.match(
      warnings[1],
      /x-datadog-parent-id is a JSON number read as 3667278417456668700 \(exactly 3667278417456668672\): /,
    );
    warnings.length = 0;
    // A raw carrier object handed to the propagator: refused, and the diagnostic says what to fix.
    const parsed = JSON.parse(input.carrierJsonText as string) as Record<string, unknown>;
    const raw = new DatadogPropagator().extract(ROOT_CONTEXT, parsed, defaultTextMapGetter);
    assert.equal(trace.getSpanContext(raw), undefined, expected.carrierJsonText.reason);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /x-datadog-trace-id is a JSON number read as 7660829067201367000 \(exactly 7660829067201367040\): at or beyond 2\^53 the JSON reader rounds/,
    );
    assert.match(warnings[0], /decimal strings/);
    // What the writer produces: exact decimal strings.
    const out = inject(child(ctx, expected.carrier.parentSpanId), ["datadog"]);
    assert.equal(out["x-datadog-trace-id"], input.carrier["x-datadog-trace-id"]);
    assert.equal(out["x-datadog-parent-id"], input.carrier["x-datadog-parent-id"]);
  });

  test("B01/B22: JSON numbers up to 2^53 are exact and accepted", () => {
    const raw = {
      "x-datadog-trace-id": 2 ** 53 - 1,
      "x-datadog-parent-id": 42,
      "x-datadog-sampling-priority": 1,
    };
    const sc = trace.getSpanContext(new DatadogPropagator().extract(ROOT_CONTEXT, raw, defaultTextMapGetter));
    assert.equal(sc?.traceId, "0000000000000000001fffffffffffff");
    assert.equal(sc?.spanId, "000000000000002a");
    assert.deepEqual(warnings, []);
    const over = { ...raw, "x-datadog-parent-id": 2 ** 53 };
    assert.equal(
      trace.getSpanContext(new DatadogPropagator().extract(ROOT_CONTEXT, over, defaultTextMapGetter)),
      undefined,
    );
    assert.match(warnings[0], /x-datadog-parent-id is a JSON number read as 9007199254740992: /);
    // A number that is no id at all (not rounded: a fraction, a negative safe integer).
    for (const id of [1.5, -1]) {
      warnings.length = 0;
      const bad = { ...raw, "x-datadog-trace-id": id };
      assert.equal(
        trace.getSpanContext(new DatadogPropagator().extract(ROOT_CONTEXT, bad, defaultTextMapGetter)),
        undefined,
      );
      assert.deepEqual(warnings, [
        `tracehop: x-datadog-trace-id is the JSON number ${id}, which is no 64-bit id; the id is refused. ` +
          "Store Datadog ids as decimal strings (captureCarrier() does).",
      ]);
    }
  });

  test("B22: what tracehop writes holds only exact decimal strings", () => {
    const { expected } = caseOf("B22");
    const ctx = extract(expected.stored, ["datadog"]);
    const out = inject(ctx, ["datadog"]);
    for (const [key, value] of Object.entries(expected.stored)) assert.equal(out[key], value);
    for (const value of Object.values(out)) assert.equal(typeof value, "string");
    assert.deepEqual(JSON.parse(JSON.stringify(out)), out);
  });

  test("B03: oversized, non-numeric and negative trace ids yield no Datadog context; a valid traceparent still wins", () => {
    const { input } = caseOf("B03");
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    for (const carrier of input.cases as Record<string, string>[]) {
      assert.equal(trace.getSpanContext(extract(carrier, ["datadog"])), undefined, JSON.stringify(carrier));
      const both = extract({ ...carrier, traceparent });
      assert.equal(trace.getSpanContext(both)?.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
      assert.deepEqual(getExtractionLinks(both), []);
    }
  });

  test("B04: hex <-> decimal conversion, 32-hex padding, priority is not trace flags", () => {
    const { input, expected } = caseOf("B04");
    const sc = { ...input.inject.spanContext, isRemote: false };
    const out = inject(trace.setSpanContext(ROOT_CONTEXT, sc), ["datadog"]);
    assert.deepEqual(out, expected.inject);
    const ctx = extract(input.extract, ["datadog"]);
    const got = trace.getSpanContext(ctx);
    assert.equal(got?.traceId, expected.extract.traceId);
    assert.equal(got?.spanId, expected.extract.spanId);
    assert.equal(got?.traceFlags, expected.extract.traceFlags);
    assert.equal(getDatadogContext(ctx)?.samplingPriority, expected.extract.samplingPriority);
    for (const [priority, flags] of [
      ["-1", 0],
      ["0", 0],
      ["1", 1],
      ["2", 1],
    ] as const) {
      const c = extract({ ...input.extract, "x-datadog-sampling-priority": priority }, ["datadog"]);
      assert.equal(trace.getSpanContext(c)?.traceFlags, flags, `priority ${priority}`);
    }
  });

  test("B05: the 128-bit trace id is rebuilt from _dd.p.tid and re-injected in both styles", () => {
    const { input, expected } = caseOf("B05");
    const ctx = extract(input.carrier);
    const sc = trace.getSpanContext(ctx);
    assert.equal(sc?.traceId, expected.traceId);
    assert.equal(sc?.spanId, expected.parentSpanId);
    assert.equal(getDatadogContext(ctx)?.samplingPriority, expected.samplingPriority);
    const out = inject(child(ctx));
    assert.equal(out.traceparent, `00-${expected.traceId}-1111222233334444-01`);
    assert.equal(out["x-datadog-trace-id"], expected.reinject["x-datadog-trace-id"]);
    assert.ok(out["x-datadog-tags"].split(",").includes(expected.reinject["x-datadog-tags contains"]));
  });

  test("B08: log correlation puts decimal ids in dd.* and the hex ids in otel.trace_id and otel.span_id", () => {
    const { expected } = caseOf("B08");
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "88fbc3df6201cf40ca3de6411f0f456e",
      spanId: "00f067aa0ba902b7",
      traceFlags: TraceFlags.SAMPLED,
    });
    assert.deepEqual(logCorrelationFields(ctx), {
      "dd.trace_id": expected["dd.trace_id"],
      "dd.span_id": expected["dd.span_id"],
      "otel.trace_id": expected.optional["otel.trace_id"],
      // The span id in hex too, for a backend that is not Datadog (OpenTelemetry's `span_id`).
      "otel.span_id": "00f067aa0ba902b7",
    });
    assert.equal(logCorrelationFields(ROOT_CONTEXT), undefined);
    // A span context set with upper-case hex gives the same fields (otel.trace_id in lower case).
    const upper = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "88FBC3DF6201CF40CA3DE6411F0F456E",
      spanId: "00F067AA0BA902B7",
      traceFlags: TraceFlags.SAMPLED,
    });
    assert.deepEqual(logCorrelationFields(upper), logCorrelationFields(ctx));
  });

  // Documented "never throws" (a log line must not fail): null and other values that are not a
  // Context, from an untyped caller, threw "Cannot read properties of null (reading 'getValue')".
  test("log correlation of a value that is not a Context is undefined, never a throw", () => {
    for (const notContext of [null, 5, "x", [], {}])
      assert.equal(logCorrelationFields(notContext as never), undefined);
    // A Context whose span or span context throws when read (a Proxy), or whose trace id changes type
    // between two reads.
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
      },
    );
    let reads = 0;
    const fickle = {
      get traceId() {
        return reads++ === 0 ? "0af7651916cd43dd8448eb211c80319c" : 42;
      },
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
    };
    for (const ctx of [
      trace.setSpanContext(ROOT_CONTEXT, trap as never),
      trace.setSpan(ROOT_CONTEXT, { spanContext: () => trap } as never),
      trace.setSpanContext(ROOT_CONTEXT, fickle as never),
    ])
      assert.doesNotThrow(() => logCorrelationFields(ctx));
  });

  // The same rule for the other public readers of a Context: they threw "ctx.getValue is not a
  // function" / "Cannot read properties of undefined (reading 'getValue')" before.
  test("the readers of a Context give nothing for a value that is not one, never a throw; the setter a TypeError", () => {
    const throwing = {
      getValue() {
        throw new Error("getValue failed");
      },
    };
    // A Proxy whose every lookup throws (its getValue cannot even be looked up).
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
      },
    );
    for (const notContext of [undefined, null, 5, "x", [], {}, { getValue: 1 }, throwing, trap]) {
      const label = notContext === trap ? "a throwing Proxy" : String(notContext);
      assert.equal(logCorrelationFields(notContext as never), undefined, label);
      assert.equal(getDatadogContext(notContext as never), undefined, label);
      assert.deepEqual(getExtractionLinks(notContext as never), [], label);
      assert.equal(getRestoredRoot(notContext as never), undefined, label);
      assert.equal(getRestoredRootTraceId(notContext as never), undefined, label);
      assert.deepEqual(getExtractionAttributes(notContext as never), {}, label);
      if (notContext !== throwing)
        assert.throws(() => setDatadogContext(notContext as never, {}), {
          name: "TypeError",
          message: /^tracehop setDatadogContext: ctx must be a Context from @opentelemetry\/api/,
        });
    }
    for (const notName of [undefined, null, 5, {}, Symbol("traceparent")])
      assert.equal(isPropagationHeaderName(notName as never), false, String(notName));
    assert.equal(isPropagationHeaderName("traceparent"), true);
    assert.equal(isPropagationHeaderName("ot-baggage-k"), true);
  });

  test("B09: dd-trace-ot carriers (low 64 bits only) restore, re-inject without tid, correlate in decimal", () => {
    const { input, expected } = caseOf("B09");
    const ctx = extract(input.carrier);
    const sc = trace.getSpanContext(ctx);
    assert.equal(sc?.traceId, expected.traceId);
    assert.equal(sc?.spanId, expected.parentSpanId);
    assert.equal(getDatadogContext(ctx)?.samplingPriority, expected.samplingPriority);
    const out = inject(child(ctx));
    assert.equal(out["x-datadog-tags"], undefined, expected.reinject);
    assert.equal(out["x-datadog-trace-id"], input.carrier["x-datadog-trace-id"]);
    assert.equal(logCorrelationFields(child(ctx))?.["dd.trace_id"], expected.logCorrelation["dd.trace_id"]);
  });

  test("B13: traceparent and x-datadog-* from different traces: never mixed, the loser is a link", () => {
    const { input, expected } = caseOf("B13");
    const tcFirst = extract(input.carrier, ["tracecontext", "datadog"]);
    const a = trace.getSpanContext(tcFirst);
    assert.equal(a?.traceId, expected.orderTracecontextFirst.traceId);
    assert.equal(a?.spanId, expected.orderTracecontextFirst.parentSpanId);
    assert.equal(a!.traceFlags & 1, expected.orderTracecontextFirst.sampled ? 1 : 0);
    assert.equal(
      getDatadogContext(tcFirst)?.samplingPriority,
      0,
      "tracecontext's own priority, not Datadog's 1",
    );
    assert.deepEqual(
      getExtractionLinks(tcFirst).map((l) => [l.context.traceId, l.attributes?.context_headers]),
      [[expected.orderDatadogFirst.traceId, "datadog"]],
    );
    const ddFirst = extract(input.carrier, ["datadog", "tracecontext"]);
    const b = trace.getSpanContext(ddFirst);
    assert.equal(b?.traceId, expected.orderDatadogFirst.traceId);
    assert.equal(b?.spanId, expected.orderDatadogFirst.parentSpanId);
    assert.equal(getDatadogContext(ddFirst)?.samplingPriority, expected.orderDatadogFirst.samplingPriority);
    assert.equal(b?.traceState, undefined, "the other trace's tracestate is not adopted");
    assert.deepEqual(
      getExtractionLinks(ddFirst).map((l) => [l.context.traceId, l.attributes?.context_headers]),
      [[expected.orderTracecontextFirst.traceId, "tracecontext"]],
    );
    // The writer derives every style from one span context.
    const out = inject(child(ddFirst));
    assert.equal(
      out.traceparent.slice(19, 35),
      BigInt(out["x-datadog-trace-id"]).toString(16).padStart(16, "0"),
    );
  });

  test("B14: one invalid tracestate member never costs the traceparent, nor the dd= member's priority and origin", () => {
    const { input, expected } = caseOf("B14");
    // The rule of the case: "drop only the bad member (dropping all of tracestate is tolerable); never
    // drop traceparent because of tracestate". The W3C vectors (ts-key-space-before-equals: `foo =1,bar=2`
    // gives no tracestate) take the tolerated branch, so the foreign members go; the dd= member is kept
    // alone, as dd-trace-js keeps it (W3CTraceState.fromHeaderKeeping).
    for (const styles of [undefined, ["tracecontext"], ["datadog", "tracecontext"]]) {
      const ctx = extract(input.carrier, styles);
      const sc = trace.getSpanContext(ctx);
      const dd = getDatadogContext(ctx);
      const at = JSON.stringify(styles);
      assert.equal(sc?.traceId, expected.traceId, at);
      assert.equal(sc?.spanId, expected.parentSpanId, at);
      assert.equal((sc!.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED, expected.sampled, at);
      assert.equal(dd?.samplingPriority, expected.samplingPriority, at);
      assert.equal(dd?.origin, expected.origin, at);
      // Of the expected tracestate, the dd= member is kept and the foreign ones are dropped with the bad one.
      const [ddMember] = (expected.tracestate as string).split(",");
      assert.equal(sc?.traceState?.serialize(), ddMember, at);
      // Re-injected from a child: the origin and priority travel on, in both styles.
      const out = inject(child(ctx));
      assert.match(out.tracestate!, /^dd=s:1;o:synthetics;/, at);
      assert.equal(out["x-datadog-origin"], expected.origin, at);
      assert.equal(out["x-datadog-sampling-priority"], String(expected.samplingPriority), at);
      assert.equal(out.traceparent, `00-${expected.traceId}-1111222233334444-01`, at);
    }
  });

  test("B14, the whole kind: a member of another vendor breaking the grammar keeps dd=; a dd= member cut or broken itself, 33 members or a piece without = keep nothing", () => {
    const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const origin = (tracestate: string) =>
      getDatadogContext(extract({ traceparent: tp, tracestate }))?.origin;
    // Another vendor's bad key or value (upper case, a dot, a tab, "=" in the value, an empty value, a
    // key over 256 characters or starting with @): dd= is still read, in any position.
    for (const bad of [
      "Bad=1",
      "foo.bar=1",
      "foo=a\tb",
      "foo=bar=baz",
      "foo=",
      `${"k".repeat(257)}=1`,
      "@foo=1",
    ]) {
      assert.equal(origin(`dd=s:2;o:rum,${bad},rojo=1`), "rum", bad);
      assert.equal(origin(`rojo=1,${bad},dd=s:2;o:rum`), "rum", bad);
    }
    // A piece without "=" (a "," inside a value: the list was not split where its writer split it) or an
    // empty key: the dd= member may be a piece of one, so nothing is kept.
    for (const header of ["dd=s:2;o:r,um", "dd=s:2;o:rum,rojo", "dd=s:2;o:rum,=1"])
      assert.equal(origin(header), undefined, header);
    // The dd= member broken itself, or repeated with the left-most broken: none (the left-most is read).
    assert.equal(origin("dd=s:2;o:r\tum,rojo=1"), undefined);
    assert.equal(origin("dd=s:2;o:r=um,Bad=1,dd=s:1;o:rum"), undefined);
    // More than 32 members: discarded whole, dd= included (dd-trace-java W3CPTagsCodec).
    const many = Array.from({ length: 32 }, (_, i) => `v${i}=${i}`).join(",");
    assert.equal(origin(`dd=s:2;o:rum,${many}`), undefined);
    // 32 with the bad one: dd= kept.
    assert.equal(origin(`dd=s:2;o:rum,${many.split(",").slice(2).join(",")},Bad=1`), "rum");
  });

  test("B18: x-datadog-tags over 512 characters: no tag applied on extract, header omitted on inject", () => {
    const { input, expected } = caseOf("B18");
    const ctx = extract(input.carrier, ["datadog"]);
    const sc = trace.getSpanContext(ctx);
    assert.equal(sc?.traceId, expected.extract.traceId);
    assert.equal(sc?.spanId, expected.extract.parentSpanId);
    assert.equal(getDatadogContext(ctx)?.samplingPriority, expected.extract.samplingPriority);
    assert.deepEqual(getDatadogContext(ctx)?.propagationTags, {});
    // Inject the same oversized tags: ids, priority, origin, traceparent, tracestate still go out.
    const tags = Object.fromEntries(
      (input.carrier["x-datadog-tags"] as string)
        .split(",")
        .map((m) => [m.slice(0, m.indexOf("=")), m.slice(m.indexOf("=") + 1)]),
    );
    const big = setDatadogContext(child(ctx), { samplingPriority: 2, origin: "rum", propagationTags: tags });
    resetWarningsForTests(); // said once per process (TRACEHOP_DATADOG_TAGS_OVER_LIMIT): said here
    const out = inject(big);
    assert.equal(out["x-datadog-tags"], undefined);
    assert.equal(out["x-datadog-trace-id"], input.carrier["x-datadog-trace-id"]);
    assert.equal(out["x-datadog-sampling-priority"], "2");
    assert.equal(out["x-datadog-origin"], "rum");
    assert.match(out.traceparent, /-01$/);
    assert.ok(out.tracestate.startsWith("dd=s:2;o:rum;p:1111222233334444;t.dm:-4"));
    assert.ok(out.tracestate.length <= 256, "the dd member keeps its own 256-character limit");
    assert.ok(
      warnings.some((w) =>
        /x-datadog-tags not injected: \d+ characters exceed the limit of 512 .*\(Said once per process\.\)$/.test(
          w,
        ),
      ),
    );
  });

  test("B19: the sampled flag wins over a disagreeing s: and resets _dd.p.dm; member order does not matter", () => {
    const { input, expected } = caseOf("B19");
    for (const key of ["a", "b", "c", "d"]) {
      const ctx = extract(input.cases[key], ["tracecontext"]);
      const dd = getDatadogContext(ctx);
      assert.equal((trace.getSpanContext(ctx)!.traceFlags & 1) === 1, expected[key].sampled, key);
      assert.equal(dd?.samplingPriority, expected[key].samplingPriority, key);
      assert.equal(dd?.propagationTags["_dd.p.dm"] ?? null, expected[key]["_dd.p.dm"], key);
    }
  });

  test("B20: a user reject (-1) stays a drop: link flags 00, traceparent -00, priority -1 and s:-1", () => {
    const { expected } = caseOf("B20");
    const carrier = {
      "x-datadog-trace-id": "1234567890123456789",
      "x-datadog-parent-id": "987654321",
      "x-datadog-sampling-priority": "-1",
    };
    const ctx = extract(carrier);
    const sc = trace.getSpanContext(ctx)!;
    assert.deepEqual(
      { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags },
      expected.link,
      "the restored context as a link keeps flags 0",
    );
    const out = inject(child(ctx));
    assert.ok(out.traceparent.endsWith(expected.injected["traceparent ends with"]));
    assert.equal(out["x-datadog-sampling-priority"], expected.injected["x-datadog-sampling-priority"]);
    assert.ok(out.tracestate.includes(expected.injected["tracestate contains"]));
  });
});
