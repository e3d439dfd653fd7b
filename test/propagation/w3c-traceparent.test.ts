// traceparent parsing and formatting (Trace Context Level 2 §3.2) and TraceContextPropagator edge cases
// that the vectors do not cover: getters returning odd shapes, suppression, flags of future versions.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { runParameters } from "../hardening/arbitraries.js";
import { defaultTextMapGetter, ROOT_CONTEXT, trace, type TextMapGetter } from "@opentelemetry/api";
import { suppressTracing, W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  formatTraceParent,
  isValidHexId,
  normalizeHexId,
  parseTraceParent,
} from "../../src/propagation/w3c/traceparent.js";
import { TraceContextPropagator } from "../../src/propagation/w3c/TraceContextPropagator.js";
import { contextFromCarrier } from "../../src/context/carrier-context.js";
import { W3CTraceState } from "../../src/propagation/w3c/W3CTraceState.js";
import { traceCarrierSetter } from "../../src/carrier/carrier-setter.js";
import { type TraceCarrier } from "../../src/carrier/trace-carrier.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const hex = (n: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n });

describe("parseTraceParent", () => {
  test("reads the spec example and keeps sampled and random bits only", () => {
    assert.deepEqual(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-01`), {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
    });
    assert.equal(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-03`)?.traceFlags, 3);
    assert.equal(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-ff`)?.traceFlags, 3);
    assert.equal(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-fc`)?.traceFlags, 0);
  });

  test("ignores any run of SP/HTAB on both sides, nothing else", () => {
    assert.equal(parseTraceParent(` \t \t00-${TRACE_ID}-${SPAN_ID}-01\t\t  `)?.traceId, TRACE_ID);
    assert.equal(parseTraceParent(`\n00-${TRACE_ID}-${SPAN_ID}-01`), undefined);
    assert.equal(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-01\r`), undefined);
    assert.equal(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-01 x`), undefined);
  });

  test("future versions: 00 layout, extra fields after a dash, unknown flags cleared", () => {
    assert.equal(parseTraceParent(`01-${TRACE_ID}-${SPAN_ID}-01-anything-at-all`)?.spanId, SPAN_ID);
    assert.equal(parseTraceParent(`fe-${TRACE_ID}-${SPAN_ID}-07`)?.traceFlags, 3);
    assert.equal(parseTraceParent(`01-${TRACE_ID}-${SPAN_ID}-01x`), undefined);
    assert.equal(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-01-`), undefined);
    assert.equal(parseTraceParent(`ff-${TRACE_ID}-${SPAN_ID}-01`), undefined);
    assert.equal(parseTraceParent(`0g-${TRACE_ID}-${SPAN_ID}-01`), undefined);
  });

  test("a future version is read with version 00's field grammar: upper-case hex is refused in every field, as @opentelemetry/core does", () => {
    // Trace Context Level 2 §3.2.4 "Versioning of traceparent": a higher version is parsed as 00's first
    // fields; the ABNF of those fields is 2HEXDIGLC / 32HEXDIGLC / 16HEXDIGLC (§3.2.2), and "version" is
    // 2HEXDIGLC, so `CC` is no version. A field that is not version 00's grammar restarts the trace, as
    // an upper-case id of version 00 does (§3.2.2.4 "non-lowercase hex characters"). dd-trace-js accepts
    // upper case anywhere (`traceparentExpr` has the `i` flag), OpenTelemetry JS does not: the spec wins.
    const core = new W3CTraceContextPropagator();
    const upper = TRACE_ID.toUpperCase();
    const cases: [string, string | undefined][] = [
      [`cc-${TRACE_ID}-${SPAN_ID}-01`, SPAN_ID],
      [`cc-${TRACE_ID}-${SPAN_ID}-01-`, SPAN_ID], // end of string or a dash after the flags
      [`cc-${TRACE_ID}-${SPAN_ID}-01-Future-FIELDS`, SPAN_ID], // unknown fields are never read
      [`CC-${TRACE_ID}-${SPAN_ID}-01`, undefined],
      [`Cc-${TRACE_ID}-${SPAN_ID}-01`, undefined],
      [`cc-${upper}-${SPAN_ID}-01`, undefined],
      [`cc-${TRACE_ID}-${SPAN_ID.toUpperCase()}-01`, undefined],
      [`cc-${TRACE_ID}-${SPAN_ID}-0B`, undefined],
      [`00-${upper}-${SPAN_ID}-01`, undefined],
      [`cc-${TRACE_ID}-${SPAN_ID}-01.x`, undefined],
    ];
    for (const [value, spanId] of cases) {
      assert.equal(parseTraceParent(value)?.spanId, spanId, value);
      assert.equal(trace.getSpanContext(contextFromCarrier({ traceparent: value }))?.spanId, spanId, value);
      const coreSpanId = trace.getSpanContext(
        core.extract(ROOT_CONTEXT, { traceparent: value }, defaultTextMapGetter),
      )?.spanId;
      assert.equal(coreSpanId, spanId, `@opentelemetry/core on ${value}`);
    }
  });

  test("property: the scanner agrees with a model of version 00's grammar on near-canonical values", () => {
    // The same value padded with OWS must parse the same (§3.2, RFC 9110 OWS). The model below is
    // version 00's grammar (after OWS), written independently as a regular expression.
    const model = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]([0-9a-f])$/;
    const part = (n: number) =>
      fc.oneof(
        { weight: 8, arbitrary: hex(n) },
        fc.constant("0".repeat(n)), // all zero
        hex(n).map((h) => h.toUpperCase()), // upper-case hex
        fc.string({
          unit: fc.constantFrom(..."0123456789abcdefABCDEFg-"),
          minLength: n - 1,
          maxLength: n + 1,
        }),
      );
    const value = fc
      .tuple(
        fc.oneof({ weight: 4, arbitrary: fc.constant("00") }, fc.constantFrom("01", "ff", "0A", "0")),
        part(32),
        part(16),
        part(2),
        fc.oneof({ weight: 4, arbitrary: fc.constant("") }, fc.constantFrom("-", "-x", " ", "\t")),
        // Whitespace that is OWS (SP, HTAB) and that is not (CR, LF, NBSP, BOM, VT), before and after.
        fc.oneof(
          { weight: 6, arbitrary: fc.constant(["", ""]) },
          fc.tuple(
            fc.constantFrom("", " ", "\t", "  \t", "\n", "\r\n", "\u00a0", "\ufeff", "\u000b"),
            fc.constantFrom("", " ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u000b"),
          ),
        ),
      )
      .map(
        ([version, traceId, spanId, flags, tail, [before, after]]) =>
          `${before}${version}-${traceId}-${spanId}-${flags}${tail}${after}`,
      );
    let canonical = 0;
    let runs = 0;
    fc.assert(
      fc.property(value, (text) => {
        runs++;
        if (/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(text)) canonical++;
        const parsed = parseTraceParent(text);
        assert.deepEqual(parsed, parseTraceParent(` ${text}\t`), JSON.stringify(text));
        const core = text.replace(/^[ \t]+|[ \t]+$/g, "");
        const m = model.exec(core);
        if (m && /[1-9a-f]/.test(m[1]!) && /[1-9a-f]/.test(m[2]!))
          assert.deepEqual(parsed, { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3]!, 16) & 3 });
        else if (core.startsWith("00-") || /^\s/.test(core) || !/^[0-9a-f]{2}-/.test(core))
          assert.equal(parsed, undefined, JSON.stringify(text));
      }),
      runParameters(3000),
    );
    // The generator must keep reaching the valid form (about a third of its values), whatever FC_NUM_RUNS is.
    assert.ok(canonical > runs / 10, `canonical values generated: ${canonical} of ${runs}`);
  });

  test("a value made only of digits is valid (dd-trace-py#4791, case a)", () => {
    assert.deepEqual(parseTraceParent("00-12345678901234567890123456789012-1234567890123456-01"), {
      traceId: "12345678901234567890123456789012",
      spanId: "1234567890123456",
      traceFlags: 1,
    });
  });

  test("property: every well-formed version-00 value parses to its own fields", () => {
    fc.assert(
      fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 255 }), (traceId, spanId, flags) => {
        fc.pre(/[1-9a-f]/.test(traceId) && /[1-9a-f]/.test(spanId));
        const value = `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, "0")}`;
        assert.deepEqual(parseTraceParent(value), { traceId, spanId, traceFlags: flags & 3 });
      }),
    );
  });

  test("property: never throws; whatever it accepts formats back to a valid 55-character header", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const parsed = parseTraceParent(text);
        if (parsed) assert.match(formatTraceParent(parsed)!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/);
      }),
    );
  });
});

describe("formatTraceParent", () => {
  test("always two flag digits, unknown bits cleared (core writes -011 and -0ff)", () => {
    for (const [flags, text] of [
      [0x11, "01"],
      [0xff, "03"],
      [0x04, "00"],
      [0x02, "02"],
    ] as const) {
      assert.equal(
        formatTraceParent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: flags }),
        `00-${TRACE_ID}-${SPAN_ID}-${text}`,
      );
    }
  });

  test("lower-cases ids; refuses all-zero, short or non-hex ids", () => {
    assert.equal(
      formatTraceParent({ traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase(), traceFlags: 1 }),
      `00-${TRACE_ID}-${SPAN_ID}-01`,
    );
    assert.equal(normalizeHexId("0".repeat(32), 32), undefined);
    assert.equal(normalizeHexId(TRACE_ID.slice(1), 32), undefined);
    assert.equal(normalizeHexId(`${SPAN_ID.slice(1)}g`, 16), undefined);
    assert.equal(normalizeHexId(undefined, 16), undefined);
  });

  test("every character of an id is checked, wherever it stands (the scan reads four at a time)", () => {
    // One character replaced at each position of ids of every length up to 33 (remainders of the
    // four-character steps included), against the rule as a regular expression.
    const replacements = [
      "g",
      "G",
      "-",
      " ",
      "\0",
      "/",
      ":",
      "@",
      "`",
      "\u0130",
      "\u00e9",
      "\ud83d",
      "A",
      "f",
      "0",
    ];
    for (let length = 1; length <= 33; length++) {
      for (let at = 0; at < length; at++) {
        for (const zeros of [false, true]) {
          const base = zeros ? "0".repeat(length) : "0123456789abcdef".repeat(3).slice(0, length);
          for (const char of replacements) {
            const id = base.slice(0, at) + char + base.slice(at + 1);
            const valid = /^[0-9a-f]+$/i.test(id) && /[1-9a-f]/i.test(id);
            const what = `${JSON.stringify(id)} (length ${length})`;
            assert.equal(isValidHexId(id, length), valid, what);
            assert.equal(normalizeHexId(id, length), valid ? id.toLowerCase() : undefined, what);
            if (length === 32)
              assert.equal(
                parseTraceParent(`00-${id}-${SPAN_ID}-01`)?.traceId,
                valid && id === id.toLowerCase() ? id : undefined,
                what,
              );
            if (length === 16)
              assert.equal(
                parseTraceParent(`00-${TRACE_ID}-${id}-01`)?.spanId,
                valid && id === id.toLowerCase() ? id : undefined,
                what,
              );
          }
        }
      }
    }
  });
});

describe("TraceContextPropagator", () => {
  const propagator = new TraceContextPropagator();
  const getterOf = (value: unknown): TextMapGetter => ({
    keys: () => ["traceparent"],
    get: (_carrier, key) => (key === "traceparent" ? (value as string) : undefined),
  });

  test("odd getter results yield the given context unchanged", () => {
    for (const value of [undefined, 42, [], [42], {}, null, ["", `00-${TRACE_ID}-${SPAN_ID}-01`]]) {
      assert.equal(
        propagator.extract(ROOT_CONTEXT, {}, getterOf(value)),
        ROOT_CONTEXT,
        JSON.stringify(value),
      );
    }
  });

  test("a throwing getter yields the given context unchanged", () => {
    const getter: TextMapGetter = {
      keys: () => [],
      get: () => {
        throw new Error("boom");
      },
    };
    assert.equal(propagator.extract(ROOT_CONTEXT, {}, getter), ROOT_CONTEXT);
  });

  test("two identical traceparent fields are one value; two different ones restart the trace", () => {
    const value = `00-${TRACE_ID}-${SPAN_ID}-01`;
    const same = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, {}, getterOf([value, value])));
    assert.equal(same?.traceId, TRACE_ID);
    const other = `00-${TRACE_ID.replace("4", "5")}-${SPAN_ID}-01`;
    assert.equal(propagator.extract(ROOT_CONTEXT, {}, getterOf([value, other])), ROOT_CONTEXT);
  });

  test("repeated fields joined in one string (Node's req.headers, Headers) follow the same rule as an array", () => {
    const value = `00-${TRACE_ID}-${SPAN_ID}-01`;
    const other = `00-${TRACE_ID.replace("4", "5")}-${SPAN_ID}-01`;
    const extract = (traceparent: string) =>
      trace.getSpanContext(propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter));
    for (const joined of [`${value}, ${value}`, `${value},${value}`, ` ${value} ,\t${value} , ${value}`])
      assert.deepEqual(
        extract(joined),
        { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true },
        joined,
      );
    for (const joined of [`${value}, ${other}`, `${value}, ${value}, ${other}`, `${value},`, `,${value}`])
      assert.equal(extract(joined), undefined, joined);
    // Node's HTTP server joins two traceparent lines into one string, as a real request shows it.
    const headers = new Headers();
    headers.append("traceparent", value);
    headers.append("traceparent", value);
    assert.equal(headers.get("traceparent"), `${value}, ${value}`);
    assert.equal(trace.getSpanContext(contextFromCarrier(headers))?.spanId, SPAN_ID);
    headers.append("traceparent", other);
    assert.equal(trace.getSpanContext(contextFromCarrier(headers)), undefined);
  });

  test("repeated fields: only SP/HTAB is trimmed, empty parts and different future versions are invalid, arrays and joined strings agree", () => {
    const a = `00-${TRACE_ID}-${SPAN_ID}-01`;
    const b = `00-${TRACE_ID}-${"1".repeat(16)}-01`;
    const futureA = `cc-${TRACE_ID}-${SPAN_ID}-01-x`;
    const futureB = `cc-${TRACE_ID.replace("4", "5")}-${SPAN_ID}-01-y`;
    const cases: [string, string | string[], string | undefined][] = [
      ["tab separators", `${a},\t${a}`, SPAN_ID],
      ["an empty part", `${a}, , ${a}`, undefined],
      ["a trailing comma", `${a},`, undefined],
      ["no-break space is not OWS", `\u00a0${a}, ${a}`, undefined],
      ["line feeds are not OWS", `${a}\n,\n${a}`, undefined],
      ["vertical tab is not OWS", `${a},\v${a}`, undefined],
      ["a byte order mark is not OWS", `\ufeff${a},${a}`, undefined],
      ["two different future versions", `${futureA}, ${futureB}`, undefined],
      ["one future version twice", `${futureA}, ${futureA}`, SPAN_ID],
      ["a comma in a future version's tail", `${futureA},z`, SPAN_ID],
      ["array: OWS around one copy", [a, ` ${a}`], SPAN_ID],
      ["array: a joined copy and a copy", [`${a}, ${a}`, a], SPAN_ID],
      ["array: two different", [a, b], undefined],
      ["16 copies joined with two tabs", Array<string>(16).fill(a).join(",\t\t"), SPAN_ID],
      ["40 copies: longer than any proxy's repetition", Array<string>(40).fill(a).join(", "), undefined],
    ];
    for (const [name, traceparent, spanId] of cases) {
      const extracted = trace.getSpanContext(contextFromCarrier({ traceparent }));
      assert.equal(extracted?.spanId, spanId, name);
    }
  });

  test("inject writes nothing when tracing is suppressed or the context has no valid span", () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    const suppressed: TraceCarrier = {};
    propagator.inject(suppressTracing(ctx), suppressed, traceCarrierSetter);
    assert.deepEqual(suppressed, {});
    const invalid: TraceCarrier = {};
    propagator.inject(
      trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: "0".repeat(16), traceFlags: 1 }),
      invalid,
      traceCarrierSetter,
    );
    assert.deepEqual(invalid, {});
  });

  test("inject survives a TraceState whose serialize() throws: traceparent only", () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      traceState: {
        set: () => {
          throw new Error("x");
        },
        unset: () => {
          throw new Error("x");
        },
        get: () => undefined,
        serialize: () => {
          throw new Error("x");
        },
      },
    });
    const out: TraceCarrier = {};
    propagator.inject(ctx, out, traceCarrierSetter);
    assert.deepEqual(out, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
  });

  test("extract then inject keeps trace id, flags 03 and the tracestate, with the dd member", () => {
    const carrier = {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-03`,
      tracestate: "dd=s:2;o:rum,rojo=00f067aa0ba902b7",
    };
    const getter: TextMapGetter<typeof carrier> = {
      keys: (c) => Object.keys(c),
      get: (c, k) => c[k as keyof typeof carrier],
    };
    const sc = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, getter))!;
    assert.ok(sc.traceState instanceof W3CTraceState);
    assert.equal(sc.traceState.get("dd"), "s:2;o:rum");
    const out: TraceCarrier = {};
    propagator.inject(
      trace.setSpanContext(ROOT_CONTEXT, { ...sc, spanId: "b7ad6b7169203331" }),
      out,
      traceCarrierSetter,
    );
    assert.deepEqual(out, {
      traceparent: `00-${TRACE_ID}-b7ad6b7169203331-03`,
      tracestate: "dd=s:2;o:rum,rojo=00f067aa0ba902b7",
    });
  });

  test("fields() names both headers", () => {
    assert.deepEqual(propagator.fields(), ["traceparent", "tracestate"]);
  });
});
