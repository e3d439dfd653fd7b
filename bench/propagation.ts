/**
 * Section 1: inject and extract per style and for the full default carrier, tracehop against
 * @opentelemetry/core (W3C), @opentelemetry/propagator-b3 and dd-trace's `text_map` propagator, on
 * the same contexts and the same carriers (each task rotates over `INPUT_COUNT` distinct ones), in one
 * process.
 */
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { B3InjectEncoding, B3Propagator } from "@opentelemetry/propagator-b3";
import { createPropagator, TraceContextPropagator } from "tracehop";
import { ddTextMap, ddTracer, type DdSpanContext, type DdStyle, type DdTextMap } from "./dd-trace-anchor.js";
import { BAGGAGE_ITEMS, INPUT_MASK, referenceInputs, w3cCarriers } from "./fixtures.js";
import {
  checkTarget,
  formatNs,
  measureSync,
  pairedRatio,
  printTable,
  type Measured,
  type SyncTask,
} from "./harness.js";

/** A style (or style list) compared in this section. */
interface StyleCase {
  label: string;
  /** tracehop's styles; `undefined` means `createPropagator()` (the defaults). */
  styles: string[] | undefined;
  /** dd-trace's spelling of the same list. */
  dd: DdStyle[];
  /** The OpenTelemetry propagator doing the same, when one exists. */
  otel?: { name: string; propagator: TextMapPropagator };
  /** Target ratio against an anchor. */
  target?: { anchor: "dd-trace" | "otel"; limit: number; id: string };
}

const CASES: StyleCase[] = [
  // T1 first (after T2, see benchPropagation): measured in the state of a process that runs these two
  // styles, before the per-style cases below make the shared call sites megamorphic.
  {
    label: "datadog+tracecontext",
    styles: ["datadog", "tracecontext"],
    dd: ["datadog", "tracecontext"],
    target: { anchor: "dd-trace", limit: 0.25, id: "T1" },
  },
  {
    label: "tracecontext",
    styles: ["tracecontext"],
    dd: ["tracecontext"],
    otel: {
      name: "@opentelemetry/core W3CTraceContextPropagator",
      propagator: new W3CTraceContextPropagator(),
    },
    // Informational: every context here carries Datadog fields, which core cannot represent (T2 is
    // measured on W3C-only inputs by benchW3cOnly).
  },
  {
    label: "baggage",
    styles: ["baggage"],
    dd: ["baggage"],
    otel: { name: "@opentelemetry/core W3CBaggagePropagator", propagator: new W3CBaggagePropagator() },
  },
  { label: "datadog", styles: ["datadog"], dd: ["datadog"] },
  {
    label: "b3",
    styles: ["b3"],
    dd: ["b3 single header" as DdStyle],
    otel: {
      name: "@opentelemetry/propagator-b3 (single)",
      propagator: new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
    },
  },
  {
    label: "b3multi",
    styles: ["b3multi"],
    dd: ["b3multi"],
    otel: {
      name: "@opentelemetry/propagator-b3 (multi)",
      propagator: new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
    },
  },
  {
    label: "default (tracecontext,baggage,datadog)",
    styles: undefined,
    dd: ["tracecontext", "baggage", "datadog"],
    otel: {
      name: "@opentelemetry/core W3C trace context + baggage",
      propagator: new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
      }),
    },
  },
];

/** One implementation under test, bound to its inputs (one per prepared context / carrier). */
interface Side {
  name: string;
  inject: () => unknown;
  extract: () => unknown;
  /**
   * Extract then inject what was extracted into a new carrier: a service forwarding each trace once.
   * Every call starts from a new extraction, so nothing either side keeps per trace or per span (dd-trace's
   * ids keep their decimal text, tracehop's stored Datadog context its encoded fields) helps it.
   */
  forward: () => unknown;
  injectedKeys: string[];
}

/**
 * A side from its two operations on input number `i`: each call takes the next input of the cycle
 * (`INPUT_COUNT` distinct ones), so no call repeats the previous one's input.
 */
function rotating(
  name: string,
  inject: (i: number) => Record<string, string>,
  extract: (i: number) => unknown,
  forward: (i: number) => Record<string, string>,
): Side {
  let injected = 0;
  let extracted = 0;
  let forwarded = 0;
  return {
    name,
    inject: () => inject(injected++ & INPUT_MASK),
    extract: () => extract(extracted++ & INPUT_MASK),
    forward: () => forward(forwarded++ & INPUT_MASK),
    injectedKeys: Object.keys(inject(0)).sort(),
  };
}

function tracehopSide(
  styles: string[] | undefined,
  contexts: readonly Context[],
  inputs: readonly Record<string, string>[],
): Side {
  const propagator = styles === undefined ? createPropagator() : createPropagator(styles);
  return otelSide("tracehop", propagator, contexts, inputs);
}

function otelSide(
  name: string,
  propagator: TextMapPropagator,
  contexts: readonly Context[],
  inputs: readonly Record<string, string>[],
): Side {
  return rotating(
    name,
    (i) => {
      const carrier: Record<string, string> = {};
      propagator.inject(contexts[i]!, carrier, defaultTextMapSetter);
      return carrier;
    },
    (i) => propagator.extract(ROOT_CONTEXT, inputs[i], defaultTextMapGetter),
    (i) => {
      const carrier: Record<string, string> = {};
      propagator.inject(
        propagator.extract(ROOT_CONTEXT, inputs[i], defaultTextMapGetter),
        carrier,
        defaultTextMapSetter,
      );
      return carrier;
    },
  );
}

function ddSide(
  textMap: DdTextMap,
  spanContexts: readonly DdSpanContext[],
  inputs: readonly Record<string, string>[],
): Side {
  setDdBaggage();
  return rotating(
    "dd-trace text_map",
    (i) => {
      const carrier: Record<string, string> = {};
      textMap.inject(spanContexts[i]!, carrier);
      return carrier;
    },
    (i) => textMap.extract(inputs[i]!),
    (i) => {
      const carrier: Record<string, string> = {};
      const spanContext = textMap.extract(inputs[i]!);
      if (spanContext) textMap.inject(spanContext, carrier);
      return carrier;
    },
  );
}

/**
 * dd-trace keeps baggage in a process-wide async store, not in the span context, and its extract
 * replaces that store: the reference baggage is set again before each inject measurement.
 */
function setDdBaggage(): void {
  const tracer = ddTracer();
  tracer.removeAllBaggageItems();
  for (const [key, value] of Object.entries(BAGGAGE_ITEMS)) tracer.setBaggageItem(key, value);
}

/** Per-operation medians of this section, by `<case>/<side>/<inject|extract>`, for BENCHMARKS.md. */
export type PropagationResults = Record<string, Measured>;

/** Runs section 1 and prints its tables; records targets T1 and T2. */
export async function benchPropagation(): Promise<PropagationResults> {
  const { contexts, ddSpanContexts } = referenceInputs();
  const results: PropagationResults = {};

  console.log(
    "\n## 1. inject / extract per style (median per operation; ratio = tracehop / anchor, median of the rounds' ratios)\n",
  );
  const rows: string[][] = [["style", "op", "tracehop", "anchor", "anchor median", "ratio", "target"]];
  const notes: string[] = [];
  // T2 first: a W3C-only user's process never runs the Datadog paths, so this is measured before the
  // other cases make the shared call sites (composite inject, context reads) megamorphic. T1 next (the
  // first of CASES) for the same reason; the per-style cases, informational, come after.
  await benchW3cOnly(rows, results);
  for (const c of CASES) {
    // The carriers every extractor of this case reads: what tracehop injects for these styles.
    const writer = c.styles === undefined ? createPropagator() : createPropagator(c.styles);
    const inputs = contexts.map((ctx) => {
      const input: Record<string, string> = {};
      writer.inject(ctx, input, defaultTextMapSetter);
      return input;
    });
    const sides: Side[] = [
      tracehopSide(c.styles, contexts, inputs),
      ddSide(ddTextMap(c.dd), ddSpanContexts, inputs),
    ];
    if (c.otel) sides.push(otelSide(c.otel.name, c.otel.propagator, contexts, inputs));
    for (const side of sides.slice(1)) {
      if (side.injectedKeys.join() !== sides[0]!.injectedKeys.join())
        notes.push(
          `${c.label}: tracehop writes [${sides[0]!.injectedKeys.join(", ")}], ${side.name} writes [${side.injectedKeys.join(", ")}]`,
        );
    }
    for (const op of ["inject", "extract", "forward"] as const) {
      if (op === "inject") setDdBaggage();
      const tasks: SyncTask[] = sides.map((side) => ({ name: side.name, fn: side[op] }));
      const measured = await measureSync(tasks);
      const mine = measured[0]!;
      results[`${c.label}/tracehop/${op}`] = mine;
      for (const anchor of measured.slice(1)) {
        results[`${c.label}/${anchor.name}/${op}`] = anchor;
        const ratio = pairedRatio(mine, anchor);
        const isTarget =
          op !== "forward" &&
          c.target !== undefined &&
          (c.target.anchor === "dd-trace") === anchor.name.startsWith("dd-trace");
        const verdict = isTarget
          ? `${checkTarget({
              id: `${c.target!.id} ${op}`,
              label: `${c.label} ${op} vs ${anchor.name} ≤ ${c.target!.limit}×`,
              value: ratio,
              limit: c.target!.limit,
              unit: "ratio",
            })} (≤ ${c.target!.limit}×)`
          : "";
        rows.push([
          c.label,
          op === "forward" ? "extract → inject" : op,
          formatNs(mine.medianNs),
          anchor.name,
          formatNs(anchor.medianNs),
          `${ratio.toFixed(3)}×`,
          verdict,
        ]);
      }
    }
  }
  printTable(rows);
  console.log(
    "\ninject re-injects the same 256 contexts: what each side keeps per trace (dd-trace: its ids' decimal text; " +
      "tracehop: the trace's encoded Datadog fields) is warm, as for the second and later injections of a trace. " +
      "extract → inject: a trace injected once, nothing kept helps either side.",
  );
  if (notes.length) {
    console.log("\nHeaders written differ (same context, each implementation's own rules):");
    for (const note of notes) console.log(`- ${note}`);
  }
  return results;
}

/** Target T2 (BENCHMARKS.md): tracehop's W3C Trace Context costs at most this fraction of core's. */
const T2_LIMIT = 0.75;

/**
 * Target T2 on W3C-only inputs ({@link w3cCarriers}: traceparent + a foreign tracestate, no `dd=`
 * member, no Datadog context), the case where @opentelemetry/core's `W3CTraceContextPropagator` does
 * the same job: tracehop's `createPropagator("tracecontext")` (the Datadog-aware style) and the bare
 * `TraceContextPropagator` against core. Every side extracts the same 256 carriers; every side
 * injects the contexts its own extract gives for those carriers (the span context with the
 * TraceState implementation that side keeps: tracehop's `W3CTraceState` from the bare
 * `TraceContextPropagator`, so no Datadog fields, or core's `TraceState`). Rows are appended to `rows`.
 */
export async function benchW3cOnly(rows: string[][], results: PropagationResults): Promise<void> {
  const carriers = w3cCarriers();
  const core = new W3CTraceContextPropagator();
  const bare = new TraceContextPropagator();
  const contextsOf = (propagator: TextMapPropagator) =>
    carriers.map((carrier) => {
      const ctx = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      if (ctx === ROOT_CONTEXT) throw new Error("a W3C-only bench carrier did not extract");
      return ctx;
    });
  const mineContexts = contextsOf(bare);
  const coreContexts = contextsOf(core);
  const sides: Side[] = [
    otelSide(
      "tracehop createPropagator(tracecontext)",
      createPropagator("tracecontext"),
      mineContexts,
      carriers,
    ),
    otelSide("tracehop TraceContextPropagator", bare, mineContexts, carriers),
    otelSide("@opentelemetry/core W3CTraceContextPropagator", core, coreContexts, carriers),
  ];
  for (const side of sides.slice(1))
    if (side.injectedKeys.join() !== sides[0]!.injectedKeys.join())
      throw new Error(
        `W3C-only: ${side.name} writes [${side.injectedKeys.join()}], not [${sides[0]!.injectedKeys.join()}]`,
      );
  for (const op of ["inject", "extract"] as const) {
    const measured = await measureSync(sides.map((side) => ({ name: side.name, fn: side[op] })));
    const anchor = measured[2]!;
    results[`w3c-only/core/${op}`] = anchor;
    for (const [index, mine] of measured.slice(0, 2).entries()) {
      const id = index === 0 ? `T2 ${op}` : `T2 ${op} (bare)`;
      results[`w3c-only/${mine.name}/${op}`] = mine;
      const ratio = pairedRatio(mine, anchor);
      const verdict = checkTarget({
        id,
        label: `W3C-only ${op}: ${mine.name} vs core ≤ ${T2_LIMIT}×`,
        value: ratio,
        limit: T2_LIMIT,
        unit: "ratio",
      });
      rows.push([
        `W3C only (${index === 0 ? "createPropagator" : "bare class"})`,
        op,
        formatNs(mine.medianNs),
        anchor.name,
        formatNs(anchor.medianNs),
        `${ratio.toFixed(3)}×`,
        `${verdict} (≤ ${T2_LIMIT}×)`,
      ]);
    }
  }
}
