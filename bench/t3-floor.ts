/**
 * `npm run build && node --import tsx bench/t3-floor.ts`: how far target T3 can go (BENCHMARKS.md,
 * "Fifteenth pass"). T3's cycle and its parts side by side with dd-trace's cycle, in paired rounds in
 * one process, each as a ratio to dd-trace's cycle:
 *
 * - `capture`, `JSON`, `restore`: the three steps of tracehop's cycle alone, on the same 256 inputs;
 * - `parsers`: what any restore of the default carrier must do at the least — the traceparent, the
 *   tracestate (validated: the winner adopts it), both decimal ids, `x-datadog-tags` and the baggage
 *   parsed by tracehop's own parsers from the properties read directly, and one Context built — with
 *   no carrier reader, no precedence, no checks of shape or options (not a correct restore: a floor);
 * - `capture -> JSON`: the cycle without any restore. In the cycle JSON.stringify reads the strings the
 *   capture has just concatenated, which costs more than the `JSON` row's (flat, already read) strings;
 * - `floor cycle`: `captureCarrier` -> JSON -> `parsers`, the cheapest cycle with today's capture.
 *
 * Imports the built package's internal modules (`dist/`), as the other benchmarks import the package.
 */
import { ROOT_CONTEXT, type Context } from "@opentelemetry/api";
import { captureCarrier, contextFromCarrier } from "tracehop";
import { ddTracer } from "./dd-trace-anchor.js";
import { BAGGAGE_ITEMS, INPUT_MASK, referenceInputs } from "./fixtures.js";
import { formatNs, measureSync, pairedRatio, printTable } from "./harness.js";
import type * as ContextValues from "../src/propagation/context-values.js";
import type * as DatadogContext from "../src/propagation/datadog/datadog-context.js";
import type * as Ids from "../src/propagation/datadog/ids.js";
import type * as Tags from "../src/propagation/datadog/tags.js";
import type * as Baggage from "../src/propagation/w3c/baggage.js";
import type * as TraceParent from "../src/propagation/w3c/traceparent.js";
import type * as W3CBaggageModule from "../src/propagation/w3c/W3CBaggage.js";
import type * as W3CTraceStateModule from "../src/propagation/w3c/W3CTraceState.js";

const built = (path: string) => new URL(`../dist/src/${path}`, import.meta.url).href;
const { contextWithSpan } = (await import(built("propagation/context-values.js"))) as typeof ContextValues;
const { DATADOG_CONTEXT_KEY, storedDatadogContext } = (await import(
  built("propagation/datadog/datadog-context.js")
)) as typeof DatadogContext;
const { decimalToHex16 } = (await import(built("propagation/datadog/ids.js"))) as typeof Ids;
const { decodeTagsHeader } = (await import(built("propagation/datadog/tags.js"))) as typeof Tags;
const { canonicalBaggageEntries } = (await import(built("propagation/w3c/baggage.js"))) as typeof Baggage;
const { traceParentSpanContext } = (await import(
  built("propagation/w3c/traceparent.js")
)) as typeof TraceParent;
const { W3CBaggage } = (await import(built("propagation/w3c/W3CBaggage.js"))) as typeof W3CBaggageModule;
const { W3CTraceState } = (await import(
  built("propagation/w3c/W3CTraceState.js")
)) as typeof W3CTraceStateModule;

const { contexts, ddSpanContexts } = referenceInputs();
const tracer = ddTracer();
tracer.removeAllBaggageItems();
for (const [key, value] of Object.entries(BAGGAGE_ITEMS)) tracer.setBaggageItem(key, value);
const captured = contexts.map((ctx) => captureCarrier({ context: ctx }));
const parsed = captured.map((carrier) => JSON.parse(JSON.stringify(carrier)) as Record<string, string>);

/** The parsers every restore of the default carrier runs, and one Context: a floor, not a restore. */
function parsers(carrier: Record<string, string>): Context | undefined {
  const spanContext = traceParentSpanContext(carrier.traceparent!);
  if (spanContext === undefined) return undefined;
  const traceState = W3CTraceState.fromHeader(carrier.tracestate!);
  if (traceState !== undefined) spanContext.traceState = traceState;
  const low = decimalToHex16(carrier["x-datadog-trace-id"]!);
  const parent = decimalToHex16(carrier["x-datadog-parent-id"]!);
  if (low === undefined || parent === undefined) return undefined;
  const tags = decodeTagsHeader(carrier["x-datadog-tags"], 512).tags;
  const entries = canonicalBaggageEntries(carrier.baggage!);
  const baggage = entries === undefined ? undefined : new W3CBaggage(entries);
  const fields = { samplingPriority: Number(carrier["x-datadog-sampling-priority"]), propagationTags: tags };
  const stored = storedDatadogContext(fields, spanContext.traceId);
  return contextWithSpan(ROOT_CONTEXT, baggage, spanContext, DATADOG_CONTEXT_KEY, stored);
}

let i = 0;
const tasks = [
  {
    name: "dd-trace cycle",
    fn: () => {
      const carrier: Record<string, string> = {};
      tracer.inject(ddSpanContexts[i++ & INPUT_MASK]!, "text_map", carrier);
      return tracer.extract("text_map", JSON.parse(JSON.stringify(carrier)) as Record<string, unknown>);
    },
  },
  {
    name: "T3 cycle",
    fn: () =>
      contextFromCarrier(JSON.parse(JSON.stringify(captureCarrier({ context: contexts[i++ & INPUT_MASK] })))),
  },
  { name: "capture", fn: () => captureCarrier({ context: contexts[i++ & INPUT_MASK] }) },
  { name: "JSON", fn: () => JSON.parse(JSON.stringify(captured[i++ & INPUT_MASK])) as unknown },
  { name: "restore", fn: () => contextFromCarrier(parsed[i++ & INPUT_MASK]) },
  { name: "parsers", fn: () => parsers(parsed[i++ & INPUT_MASK]!) },
  {
    name: "capture -> JSON",
    fn: () => JSON.parse(JSON.stringify(captureCarrier({ context: contexts[i++ & INPUT_MASK] }))) as unknown,
  },
  {
    name: "floor cycle",
    fn: () =>
      parsers(
        JSON.parse(JSON.stringify(captureCarrier({ context: contexts[i++ & INPUT_MASK] }))) as Record<
          string,
          string
        >,
      ),
  },
];
const results = await measureSync(tasks);
const dd = results[0]!;
printTable([
  ["task", "median", "vs dd-trace cycle"],
  ...results.map((r) => [r.name, formatNs(r.medianNs), `${pairedRatio(r, dd).toFixed(3)}×`]),
]);
