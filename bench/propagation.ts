/**
 * Section 1: inject and extract per style and for the full default carrier, tracehop against
 * @opentelemetry/core (W3C), @opentelemetry/propagator-b3 and dd-trace's `text_map` propagator, on
 * the same context and the same carrier, in one process.
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
import { createPropagator } from "tracehop";
import { ddTextMap, ddTracer, type DdSpanContext, type DdStyle, type DdTextMap } from "./dd-trace-anchor.js";
import { BAGGAGE_ITEMS, FULL_CARRIER, fullContext } from "./fixtures.js";
import { checkTarget, formatNs, measureSync, printTable, type Measured, type SyncTask } from "./harness.js";

/** A style (or style list) compared in this section. */
interface StyleCase {
  label: string;
  /** tracehop's styles; `undefined` means `createPropagator()` (the defaults). */
  styles: string[] | undefined;
  /** dd-trace's spelling of the same list. */
  dd: DdStyle[];
  /** The OpenTelemetry propagator doing the same, when one exists. */
  otel?: { name: string; propagator: TextMapPropagator };
  /** Target ratio against an anchor (issue 9). */
  target?: { anchor: "dd-trace" | "otel"; limit: number; id: string };
}

const CASES: StyleCase[] = [
  {
    label: "tracecontext",
    styles: ["tracecontext"],
    dd: ["tracecontext"],
    otel: {
      name: "@opentelemetry/core W3CTraceContextPropagator",
      propagator: new W3CTraceContextPropagator(),
    },
    target: { anchor: "otel", limit: 0.75, id: "T2" },
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
    label: "datadog+tracecontext",
    styles: ["datadog", "tracecontext"],
    dd: ["datadog", "tracecontext"],
    target: { anchor: "dd-trace", limit: 0.25, id: "T1" },
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

/** One implementation under test, bound to its input. */
interface Side {
  name: string;
  inject: () => unknown;
  extract: () => unknown;
  injectedKeys: string[];
}

function tracehopSide(styles: string[] | undefined, ctx: Context, input: Record<string, string>): Side {
  const propagator = styles === undefined ? createPropagator() : createPropagator(styles);
  const probe: Record<string, string> = {};
  propagator.inject(ctx, probe, defaultTextMapSetter);
  return {
    name: "tracehop",
    inject: () => {
      const carrier: Record<string, string> = {};
      propagator.inject(ctx, carrier, defaultTextMapSetter);
      return carrier;
    },
    extract: () => propagator.extract(ROOT_CONTEXT, input, defaultTextMapGetter),
    injectedKeys: Object.keys(probe).sort(),
  };
}

function otelSide(
  name: string,
  propagator: TextMapPropagator,
  ctx: Context,
  input: Record<string, string>,
): Side {
  const probe: Record<string, string> = {};
  propagator.inject(ctx, probe, defaultTextMapSetter);
  return {
    name,
    inject: () => {
      const carrier: Record<string, string> = {};
      propagator.inject(ctx, carrier, defaultTextMapSetter);
      return carrier;
    },
    extract: () => propagator.extract(ROOT_CONTEXT, input, defaultTextMapGetter),
    injectedKeys: Object.keys(probe).sort(),
  };
}

function ddSide(textMap: DdTextMap, spanContext: DdSpanContext, input: Record<string, string>): Side {
  setDdBaggage();
  const probe: Record<string, string> = {};
  textMap.inject(spanContext, probe);
  return {
    name: "dd-trace text_map",
    inject: () => {
      const carrier: Record<string, string> = {};
      textMap.inject(spanContext, carrier);
      return carrier;
    },
    extract: () => textMap.extract(input),
    injectedKeys: Object.keys(probe).sort(),
  };
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
  const ctx = fullContext();
  const ddSpanContext = ddTextMap(["datadog", "tracecontext", "baggage"]).extract({ ...FULL_CARRIER });
  if (!ddSpanContext) throw new Error("dd-trace did not extract the reference carrier");
  const results: PropagationResults = {};

  console.log("\n## 1. inject / extract per style (median per operation; ratio = tracehop / anchor)\n");
  const rows: string[][] = [["style", "op", "tracehop", "anchor", "anchor median", "ratio", "target"]];
  const notes: string[] = [];
  for (const c of CASES) {
    // The carrier every extractor of this case reads: what tracehop injects for these styles.
    const input: Record<string, string> = {};
    (c.styles === undefined ? createPropagator() : createPropagator(c.styles)).inject(
      ctx,
      input,
      defaultTextMapSetter,
    );
    const sides: Side[] = [tracehopSide(c.styles, ctx, input), ddSide(ddTextMap(c.dd), ddSpanContext, input)];
    if (c.otel) sides.push(otelSide(c.otel.name, c.otel.propagator, ctx, input));
    for (const side of sides.slice(1)) {
      if (side.injectedKeys.join() !== sides[0]!.injectedKeys.join())
        notes.push(
          `${c.label}: tracehop writes [${sides[0]!.injectedKeys.join(", ")}], ${side.name} writes [${side.injectedKeys.join(", ")}]`,
        );
    }
    for (const op of ["inject", "extract"] as const) {
      if (op === "inject") setDdBaggage();
      const tasks: SyncTask[] = sides.map((side) => ({ name: side.name, fn: side[op] }));
      const measured = await measureSync(tasks);
      const mine = measured[0]!;
      results[`${c.label}/tracehop/${op}`] = mine;
      for (const anchor of measured.slice(1)) {
        results[`${c.label}/${anchor.name}/${op}`] = anchor;
        const ratio = mine.medianNs / anchor.medianNs;
        const isTarget =
          c.target !== undefined && (c.target.anchor === "dd-trace") === anchor.name.startsWith("dd-trace");
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
          op,
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
  if (notes.length) {
    console.log("\nHeaders written differ (same context, each implementation's own rules):");
    for (const note of notes) console.log(`- ${note}`);
  }
  return results;
}
