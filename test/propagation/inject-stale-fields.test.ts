/**
 * Inject into a carrier that already holds another context's fields (a consumed message's headers
 * re-published: OpenTelemetry's amqplib instrumentation calls `propagation.inject(ctx, headers)` with
 * `@opentelemetry/api`'s `defaultTextMapSetter`): each style removes its own stale fields, in any case,
 * before it writes; other fields, other setters and class instances are left alone
 * (docs/conformance.md, "Inject into a carrier that holds another context").
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import vm from "node:vm";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { B3StylePropagator } from "../../src/propagation/B3StylePropagator.js";
import { createPropagator, type PropagationStyle } from "../../src/propagation/create-propagator.js";
import { getDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { DatadogPropagator } from "../../src/propagation/datadog/DatadogPropagator.js";
import { DatadogTraceContextPropagator } from "../../src/propagation/datadog/DatadogTraceContextPropagator.js";
import { isDefaultTextMapSetter } from "../../src/propagation/stale-fields.js";
import { BaggagePropagator } from "../../src/propagation/w3c/BaggagePropagator.js";
import { TraceContextPropagator } from "../../src/propagation/w3c/TraceContextPropagator.js";

const require = createRequire(import.meta.url);
const apiDir = dirname(require.resolve("@opentelemetry/api"));

/**
 * `defaultTextMapSetter` of another copy of `@opentelemetry/api`: the api's own CommonJS module loaded
 * a second time (what a nested `node_modules/@opentelemetry/api` gives an instrumentation).
 */
function secondCopySetter(): TextMapSetter {
  const file = join(apiDir, "propagation", "TextMapPropagator.js");
  const cached = require.cache[file];
  delete require.cache[file];
  try {
    return (require(file) as { defaultTextMapSetter: TextMapSetter }).defaultTextMapSetter;
  } finally {
    if (cached !== undefined) require.cache[file] = cached;
  }
}

/** `defaultTextMapSetter` of the api's ES module build, evaluated in another realm (a `vm` context). */
function otherRealmEsmSetter(): TextMapSetter {
  const source = readFileSync(join(apiDir, "..", "esm", "propagation", "TextMapPropagator.js"), "utf8");
  const script = source.replace(/export const /g, "exports.");
  const sandbox = vm.createContext({ exports: {} as Record<string, unknown> });
  vm.runInContext(script, sandbox);
  return (sandbox.exports as { defaultTextMapSetter: TextMapSetter }).defaultTextMapSetter;
}

const SECOND_COPY = secondCopySetter();
const OTHER_REALM = otherRealmEsmSetter();

/** The fields each style owns (what it removes), lower case. */
const OWNED: Record<PropagationStyle, string[]> = {
  tracecontext: ["traceparent", "tracestate"],
  baggage: ["baggage"],
  datadog: [
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "x-datadog-origin",
    "x-datadog-tags",
    "ot-baggage-user",
  ],
  b3: ["b3"],
  b3multi: ["x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags"],
};
const ALL_STYLES = Object.keys(OWNED) as PropagationStyle[];

/** Stale values: another trace (…bbbb upper bits 640cfd8d00000000), Synthetics, priority 2. */
const STALE_VALUE: Record<string, string> = {
  traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
  tracestate: "dd=s:2;o:synthetics;t.dm:-4,vendor=abc",
  baggage: "stale=1",
  "x-datadog-trace-id": "12345678901234567890",
  "x-datadog-parent-id": "9876543210987654321",
  "x-datadog-sampling-priority": "2",
  "x-datadog-origin": "synthetics",
  "x-datadog-tags": "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4",
  "ot-baggage-user": "stale",
  b3: "640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-d-1111111111111111",
  "x-b3-traceid": "640cfd8d00000000ab54a98ceb1f0ad2",
  "x-b3-spanid": "891087b8e3b70cb1",
  "x-b3-parentspanid": "1111111111111111",
  "x-b3-sampled": "0",
  "x-b3-flags": "1",
};

/** The three spellings a stale field is tested in. */
const SPELLINGS: Record<string, (name: string) => string> = {
  "lower case": (name) => name,
  "Title-Case": (name) =>
    name.replace(/(^|-)([a-z0-9])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()),
  "UPPER CASE": (name) => name.toUpperCase(),
};

/** A carrier holding every style's stale fields in `spell`, and an application header. */
function staleCarrier(spell: (name: string) => string): Record<string, string> {
  const carrier: Record<string, string> = { "content-type": "application/json", App: "1" };
  for (const name of Object.keys(STALE_VALUE)) carrier[spell(name)] = STALE_VALUE[name]!;
  return carrier;
}

/** A new local trace: 64-bit trace id (upper bits zero), no Datadog fields, sampled, with baggage. */
const NEW_TRACE_ID = "0000000000000000aaaaaaaaaaaaaaaa";
const NEW_SPAN_ID = "2222222222222222";
const newContext = (withBaggage = true): Context => {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: NEW_TRACE_ID,
    spanId: NEW_SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });
  return withBaggage
    ? propagation.setBaggage(ctx, propagation.createBaggage({ fresh: { value: "2" } }))
    : ctx;
};

/** The single-style propagators, by style (the tracecontext style: the Datadog-aware one and the bare one). */
const singles: [PropagationStyle, string, () => TextMapPropagator][] = [
  ["tracecontext", "DatadogTraceContextPropagator", () => new DatadogTraceContextPropagator()],
  ["tracecontext", "TraceContextPropagator", () => new TraceContextPropagator()],
  [
    "tracecontext",
    "DatadogTraceContextPropagator around a subclass",
    () => new DatadogTraceContextPropagator(new (class extends TraceContextPropagator {})()),
  ],
  ["baggage", "BaggagePropagator", () => new BaggagePropagator()],
  ["datadog", "DatadogPropagator", () => new DatadogPropagator()],
  ["b3", "B3StylePropagator (b3)", () => new B3StylePropagator(true)],
  ["b3multi", "B3StylePropagator (b3multi)", () => new B3StylePropagator(false)],
];

/** Asserts that `carrier` holds no field of `owned` in another spelling than lower case, nor a stale value. */
function assertNoStale(carrier: Record<string, string>, owned: string[], label: string): void {
  for (const name of Object.keys(carrier)) {
    const lower = name.toLowerCase();
    if (!owned.includes(lower)) continue;
    assert.equal(name, lower, `${label}: ${name} left beside the new context`);
    assert.notEqual(carrier[name], STALE_VALUE[lower], `${label}: stale ${name} kept`);
  }
}

/** Asserts that `carrier` still holds the stale fields of `others` (styles not injected), as spelled. */
function assertKept(
  carrier: Record<string, string>,
  others: PropagationStyle[],
  spell: (name: string) => string,
  label: string,
): void {
  for (const style of others)
    for (const name of OWNED[style])
      assert.equal(carrier[spell(name)], STALE_VALUE[name], `${label}: another style's ${name} removed`);
  assert.equal(carrier["content-type"], "application/json", label);
  assert.equal(carrier.App, "1", label);
}

describe("inject into a carrier that holds another context, through the api's default setter", () => {
  for (const [style, label, make] of singles)
    for (const [spelling, spell] of Object.entries(SPELLINGS))
      for (const [setterLabel, setter] of [
        ["defaultTextMapSetter", defaultTextMapSetter],
        ["another copy's", SECOND_COPY],
        ["another realm's ES build", OTHER_REALM],
      ] as const)
        test(`${label}, stale fields in ${spelling}, ${setterLabel}: its own are replaced, others kept`, () => {
          const carrier = staleCarrier(spell);
          make().inject(newContext(), carrier, setter);
          const what = `${label} ${spelling} ${setterLabel}`;
          assertNoStale(carrier, OWNED[style], what);
          assertKept(
            carrier,
            ALL_STYLES.filter((s) => s !== style),
            spell,
            what,
          );
          // It wrote the new context.
          const written = style === "datadog" ? "x-datadog-trace-id" : OWNED[style][0]!;
          assert.ok(carrier[written] !== undefined, `${what}: ${written} written`);
        });

  for (const styles of [
    ["datadog", "tracecontext"],
    ["tracecontext"],
    ["datadog"],
    ["tracecontext", "baggage", "datadog"],
    ["tracecontext", "baggage", "datadog", "b3", "b3multi"],
  ] as PropagationStyle[][])
    for (const [spelling, spell] of Object.entries(SPELLINGS))
      test(`createPropagator(${styles.join(",")}), stale fields in ${spelling}: one context, the others' fields kept`, () => {
        const carrier = staleCarrier(spell);
        const propagator = createPropagator(styles);
        propagator.inject(newContext(), carrier, defaultTextMapSetter);
        const owned = styles.flatMap((s) => OWNED[s]);
        assertNoStale(carrier, owned, styles.join(","));
        assertKept(
          carrier,
          ALL_STYLES.filter((s) => !styles.includes(s)),
          spell,
          styles.join(","),
        );
        // Read back with the same styles: the new trace, no Synthetics origin, the new priority only.
        const injectedOnly = Object.fromEntries(
          Object.entries(carrier).filter(([name]) => owned.includes(name.toLowerCase())),
        );
        const back = propagator.extract(ROOT_CONTEXT, injectedOnly, defaultTextMapGetter);
        assert.equal(trace.getSpanContext(back)?.traceId, NEW_TRACE_ID);
        assert.equal(getDatadogContext(back)?.origin, undefined);
        if (styles.includes("baggage"))
          assert.deepEqual(
            propagation
              .getBaggage(back)
              ?.getAllEntries()
              .map(([k]) => k),
            ["fresh"],
          );
      });

  test("the trial's redrive: a 64-bit trace over an old dd-trace-ot row keeps no _dd.p.tid, origin or tracestate", () => {
    const carrier: Record<string, string> = {
      traceparent: STALE_VALUE.traceparent!,
      tracestate: STALE_VALUE.tracestate!,
      "x-datadog-trace-id": STALE_VALUE["x-datadog-trace-id"]!,
      "x-datadog-parent-id": STALE_VALUE["x-datadog-parent-id"]!,
      "x-datadog-sampling-priority": "2",
      "x-datadog-origin": "synthetics",
      "x-datadog-tags": STALE_VALUE["x-datadog-tags"]!,
    };
    const propagator = createPropagator();
    propagator.inject(newContext(false), carrier, defaultTextMapSetter);
    assert.deepEqual(carrier, {
      traceparent: `00-${NEW_TRACE_ID}-${NEW_SPAN_ID}-01`,
      "x-datadog-trace-id": BigInt(`0x${NEW_TRACE_ID.slice(16)}`).toString(),
      "x-datadog-parent-id": BigInt(`0x${NEW_SPAN_ID}`).toString(),
      "x-datadog-sampling-priority": "1",
    });
    const back = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    assert.equal(trace.getSpanContext(back)?.traceId, NEW_TRACE_ID);
  });

  test("the datadog style removes its fields for a trace it cannot carry (low 64 bits zero), and writes none", () => {
    const carrier = staleCarrier(SPELLINGS["Title-Case"]!);
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "aaaaaaaaaaaaaaaa0000000000000000",
      spanId: NEW_SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    new DatadogPropagator().inject(ctx, carrier, defaultTextMapSetter);
    for (const name of Object.keys(carrier))
      assert.ok(!OWNED.datadog.includes(name.toLowerCase()), `${name} left`);
  });

  test("the baggage style replaces the header when it writes one; a context without baggage leaves it", () => {
    // An application may set a baggage header itself: kept when the context has no baggage to write.
    const carrier = staleCarrier(SPELLINGS["UPPER CASE"]!);
    new BaggagePropagator().inject(newContext(false), carrier, defaultTextMapSetter);
    assert.equal(carrier.BAGGAGE, STALE_VALUE.baggage);
    assert.equal(carrier.baggage, undefined);
    const other = staleCarrier(SPELLINGS["Title-Case"]!);
    const onlyBaggage = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage({ fresh: { value: "2" } }),
    );
    createPropagator().inject(onlyBaggage, other, defaultTextMapSetter);
    assert.equal(other.Baggage, undefined);
    assert.equal(other.baggage, "fresh=2");
    // No trace in the context: the trace styles write nothing and remove nothing.
    assert.equal(other.Traceparent, STALE_VALUE.traceparent);
    assert.equal(other["X-Datadog-Origin"], "synthetics");
  });
});

describe("what inject leaves alone", () => {
  test("a context with nothing to write (no span, suppressed tracing, an invalid span): the carrier is untouched", () => {
    const invalid = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0".repeat(32),
      spanId: NEW_SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    for (const [label, ctx] of [
      ["ROOT_CONTEXT", ROOT_CONTEXT],
      ["suppressed", suppressTracing(newContext())],
      ["invalid span context", invalid],
    ] as const) {
      for (const [name, make] of [
        ...singles.map(([, n, m]) => [n, m] as const),
        ["createPropagator(all styles)", () => createPropagator(ALL_STYLES)],
      ] as const) {
        const carrier = staleCarrier(SPELLINGS["Title-Case"]!);
        make().inject(ctx, carrier, defaultTextMapSetter);
        assert.deepEqual(carrier, staleCarrier(SPELLINGS["Title-Case"]!), `${name}, ${label}`);
      }
    }
  });

  test("a setter that is not the api's default one (even one that does the same): stale fields stay", () => {
    const lookalike: TextMapSetter = {
      set(carrier, key, value) {
        (carrier as Record<string, string>)[key] = value;
      },
    };
    for (const setter of [lookalike, { set: defaultTextMapSetter.set, extra: true } as TextMapSetter]) {
      assert.equal(isDefaultTextMapSetter(setter), false);
      const carrier = staleCarrier(SPELLINGS["lower case"]!);
      createPropagator(ALL_STYLES).inject(newContext(), carrier, setter);
      assert.equal(carrier.tracestate, STALE_VALUE.tracestate);
      assert.equal(carrier["x-datadog-origin"], "synthetics");
      assert.equal(carrier["x-b3-parentspanid"], STALE_VALUE["x-b3-parentspanid"]);
    }
  });

  test("the api's default setter is recognised in every copy, once each", () => {
    assert.equal(isDefaultTextMapSetter(defaultTextMapSetter), true);
    assert.equal(isDefaultTextMapSetter(SECOND_COPY), true);
    assert.notEqual(SECOND_COPY, defaultTextMapSetter);
    assert.equal(isDefaultTextMapSetter(OTHER_REALM), true);
    assert.equal(isDefaultTextMapSetter(null as unknown as TextMapSetter), false);
    const throwing = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("trap");
        },
      },
    );
    assert.equal(isDefaultTextMapSetter(throwing as TextMapSetter), false);
  });

  test("a carrier that is an instance of a class keeps its fields; a frozen carrier does not throw", () => {
    class Headers2 {
      [name: string]: string;
    }
    const carrier = Object.assign(new Headers2(), staleCarrier(SPELLINGS["lower case"]!));
    createPropagator(ALL_STYLES).inject(newContext(), carrier, defaultTextMapSetter);
    assert.equal(carrier.tracestate, STALE_VALUE.tracestate);
    assert.equal(carrier["x-datadog-origin"], "synthetics");
    const frozen = Object.freeze(staleCarrier(SPELLINGS["Title-Case"]!));
    assert.doesNotThrow(() =>
      createPropagator(ALL_STYLES).inject(newContext(), frozen, defaultTextMapSetter),
    );
    assert.equal(frozen.Tracestate, STALE_VALUE.tracestate);
  });

  test("a null-prototype carrier is cleared as a plain one; inherited fields are not the carrier's", () => {
    const carrier = Object.assign(Object.create(null) as Record<string, string>, {
      Tracestate: STALE_VALUE.tracestate!,
    });
    createPropagator().inject(newContext(), carrier, defaultTextMapSetter);
    assert.equal(carrier.Tracestate, undefined);
    const inherits = Object.create({ tracestate: "vendor=abc" }) as Record<string, string>;
    createPropagator().inject(newContext(), inherits, defaultTextMapSetter);
    assert.equal(inherits.tracestate, "vendor=abc");
    assert.ok(Object.hasOwn(inherits, "traceparent"));
  });
});
