/**
 * Section 2: the capture -> JSON text -> restore cycle of a stored carrier (what a job row or an
 * outbox row goes through), tracehop's public functions against the same cycle with dd-trace's
 * `tracer.inject` / `tracer.extract`, on the same trace and the same default styles.
 */
import { captureCarrier, contextFromCarrier } from "tracehop";
import { ddTextMap, ddTracer } from "./dd-trace-anchor.js";
import { BAGGAGE_ITEMS, FULL_CARRIER, fullContext } from "./fixtures.js";
import { checkTarget, formatNs, measureSync, printTable, type Measured } from "./harness.js";

/** Target T3 (issue 9): the cycle costs at most this fraction of dd-trace's. */
const ROUNDTRIP_LIMIT = 0.2;

/** Runs section 2 and prints its table; records target T3. */
export async function benchRoundtrip(): Promise<Record<string, Measured>> {
  const tracer = ddTracer();
  const ctx = fullContext();
  const ddSpanContext = ddTextMap(["datadog", "tracecontext", "baggage"]).extract({ ...FULL_CARRIER });
  if (!ddSpanContext) throw new Error("dd-trace did not extract the reference carrier");
  tracer.removeAllBaggageItems();
  for (const [key, value] of Object.entries(BAGGAGE_ITEMS)) tracer.setBaggageItem(key, value);

  const [mine, dd] = await measureSync([
    {
      name: "tracehop captureCarrier -> JSON -> contextFromCarrier",
      fn: () => contextFromCarrier(JSON.parse(JSON.stringify(captureCarrier({ context: ctx })))),
    },
    {
      name: "dd-trace inject -> JSON -> extract",
      fn: () => {
        const carrier: Record<string, string> = {};
        tracer.inject(ddSpanContext, "text_map", carrier);
        return tracer.extract("text_map", JSON.parse(JSON.stringify(carrier)) as Record<string, unknown>);
      },
    },
  ]);
  const ratio = mine!.medianNs / dd!.medianNs;
  console.log("\n## 2. capture -> JSON -> restore (median per cycle)\n");
  printTable([
    ["cycle", "median", "ratio", "target"],
    [mine!.name, formatNs(mine!.medianNs), `${ratio.toFixed(3)}×`, ""],
    [dd!.name, formatNs(dd!.medianNs), "1×", ""],
    [
      "",
      "",
      "",
      `${checkTarget({ id: "T3", label: `capture -> JSON -> restore vs dd-trace ≤ ${ROUNDTRIP_LIMIT}×`, value: ratio, limit: ROUNDTRIP_LIMIT, unit: "ratio" })} (≤ ${ROUNDTRIP_LIMIT}×)`,
    ],
  ]);
  return { tracehop: mine!, "dd-trace": dd! };
}
