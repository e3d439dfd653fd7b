/**
 * Section 2: the capture -> JSON text -> restore cycle of a stored carrier (what a job row or an
 * outbox row goes through), tracehop's public functions against the same cycle with dd-trace's
 * `tracer.inject` / `tracer.extract`, on the same traces (`INPUT_COUNT` distinct ones, rotated) and the
 * same default styles. Two reference rows bound the target: the JSON step alone, and @opentelemetry/core's
 * W3C trace context + baggage doing the cycle without any Datadog field.
 */
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { captureCarrier, contextFromCarrier } from "tracehop";
import { ddTracer } from "./dd-trace-anchor.js";
import { BAGGAGE_ITEMS, INPUT_MASK, referenceInputs } from "./fixtures.js";
import { checkTarget, formatNs, measureSync, pairedRatio, printTable, type Measured } from "./harness.js";

/** Target T3 (BENCHMARKS.md "Results"): the cycle costs at most this fraction of dd-trace's. */
const ROUNDTRIP_LIMIT = 0.2;

/** Runs section 2 and prints its table; records target T3. */
export async function benchRoundtrip(): Promise<Record<string, Measured>> {
  const tracer = ddTracer();
  const { contexts, ddSpanContexts } = referenceInputs();
  // Each cycle takes the next of INPUT_COUNT distinct contexts (the same list on both sides).
  let mineIndex = 0;
  let ddIndex = 0;
  tracer.removeAllBaggageItems();
  for (const [key, value] of Object.entries(BAGGAGE_ITEMS)) tracer.setBaggageItem(key, value);

  // Two references that bound what the target can ask for (no target of their own): the JSON text
  // step alone, which every implementation pays, and @opentelemetry/core's W3C trace context + baggage
  // doing the same cycle while carrying no Datadog field at all.
  const core = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
  const captured = contexts.map((ctx) => captureCarrier({ context: ctx }));
  let jsonIndex = 0;
  let coreIndex = 0;
  const [mine, dd, json, coreCycle] = await measureSync([
    {
      name: "tracehop captureCarrier -> JSON -> contextFromCarrier",
      fn: () =>
        contextFromCarrier(
          JSON.parse(JSON.stringify(captureCarrier({ context: contexts[mineIndex++ & INPUT_MASK] }))),
        ),
    },
    {
      name: "dd-trace inject -> JSON -> extract",
      fn: () => {
        const carrier: Record<string, string> = {};
        tracer.inject(ddSpanContexts[ddIndex++ & INPUT_MASK]!, "text_map", carrier);
        return tracer.extract("text_map", JSON.parse(JSON.stringify(carrier)) as Record<string, unknown>);
      },
    },
    {
      name: "reference: JSON.stringify -> JSON.parse of the same carrier alone",
      fn: () => JSON.parse(JSON.stringify(captured[jsonIndex++ & INPUT_MASK])) as unknown,
    },
    {
      name: "reference: @opentelemetry/core W3C trace context + baggage inject -> JSON -> extract",
      fn: () => {
        const carrier: Record<string, string> = {};
        core.inject(contexts[coreIndex++ & INPUT_MASK]!, carrier, defaultTextMapSetter);
        return core.extract(ROOT_CONTEXT, JSON.parse(JSON.stringify(carrier)), defaultTextMapGetter);
      },
    },
  ]);
  const ratio = pairedRatio(mine!, dd!);
  console.log("\n## 2. capture -> JSON -> restore (median per cycle; ratio: median of the rounds' ratios)\n");
  printTable([
    ["cycle", "median", "ratio", "target"],
    [mine!.name, formatNs(mine!.medianNs), `${ratio.toFixed(3)}×`, ""],
    [dd!.name, formatNs(dd!.medianNs), "1×", ""],
    [json!.name, formatNs(json!.medianNs), `${pairedRatio(json!, dd!).toFixed(3)}×`, ""],
    [coreCycle!.name, formatNs(coreCycle!.medianNs), `${pairedRatio(coreCycle!, dd!).toFixed(3)}×`, ""],
    [
      "",
      "",
      "",
      `${checkTarget({ id: "T3", label: `capture -> JSON -> restore vs dd-trace ≤ ${ROUNDTRIP_LIMIT}×`, value: ratio, limit: ROUNDTRIP_LIMIT, unit: "ratio" })} (≤ ${ROUNDTRIP_LIMIT}×)`,
    ],
  ]);
  return { tracehop: mine!, "dd-trace": dd!, "json-only": json!, "core-w3c-baggage": coreCycle! };
}
