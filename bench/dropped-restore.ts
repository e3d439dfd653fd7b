/**
 * `npm run build && node --import tsx bench/dropped-restore.ts [hung] [run,sampled,dropped,nested]`: what
 * restores cost around a restore span the sampler dropped (docs/restore.md "Nested restores"), each as a
 * ratio to an anchor in paired rounds in one process (the harness of the other benchmarks). A real SDK
 * (`BasicTracerProvider`, `ParentBased(AlwaysOff)`, no span processor), the async-hooks context manager:
 *
 * - `run`: a sampled span run and ended by `runInSpan` (what every helper's span end goes through), vs the
 *   same span started and ended directly;
 * - `sampled`: `withCarrier` of a row whose stored context is sampled, a plain function;
 * - `dropped`: `withCarrier` of a row whose stored context is not sampled (the span is dropped);
 * - `nested`: a dropped `withCarrier` with a second one of the same row inside (nested into it).
 *
 * The anchor of `sampled`, `dropped` and `nested`: what a user would write without tracehop, the row's
 * carrier read with `contextFromCarrier` and a span started from it and ended (twice for `nested`).
 * With `hung`, a dropped restore whose promise never settles is left open first (its span never ends):
 * the state a process reaches once one job hangs. Run it before and after a change in two checkouts
 * (this file imports the checkout's own build) and compare the ratios side by side.
 */
import { context, trace, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AlwaysOffSampler, BasicTracerProvider, ParentBasedSampler } from "@opentelemetry/sdk-trace-base";
import { contextFromCarrier, withCarrier } from "tracehop";
import { formatNs, measureSync, pairedRatio } from "./harness.js";
import type * as RunInSpan from "../src/context/run-in-span.js";

const built = (path: string) => new URL(`../dist/src/${path}`, import.meta.url).href;
const { runInSpan } = (await import(built("context/run-in-span.js"))) as typeof RunInSpan;

const modes = ["run", "sampled", "dropped", "nested"] as const;
type Mode = (typeof modes)[number];
const args = process.argv.slice(2);
const hung = args[0] === "hung";
if (hung) args.shift();
const only = (args[0] ?? modes.join(",")).split(",");
const unknown = only.filter((mode) => !(modes as readonly string[]).includes(mode));
if (unknown.length)
  throw new Error(
    `bench/dropped-restore.ts: unknown mode ${unknown.join(", ")}; the modes are ${modes.join(", ")}`,
  );

trace.setGlobalTracerProvider(
  new BasicTracerProvider({ sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = trace.getTracer("bench");

const rowOf = (flags: string) => ({
  id: 1,
  traceContext: { traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flags}` },
});
const sampledRow = rowOf("01");
const droppedRow = rowOf("00");
const sampledContext = contextFromCarrier(sampledRow.traceContext);
const one = () => 1;

if (hung) void withCarrier(droppedRow, "hung", () => new Promise<never>(() => undefined));

/** The anchor: the row's carrier read and `times` spans started from it and ended. */
function byHand(row: typeof sampledRow, times: number): Span {
  const ctx = contextFromCarrier(row.traceContext);
  let span!: Span;
  for (let i = 0; i < times; i++) (span = tracer.startSpan("job", {}, ctx)).end();
  return span;
}

const tasks: Record<Mode, [() => unknown, () => unknown]> = {
  run: [
    () => {
      const span = tracer.startSpan("job", {}, sampledContext);
      return runInSpan(span, trace.setSpan(sampledContext, span), one, "withCarrier");
    },
    () => tracer.startSpan("job", {}, sampledContext).end(),
  ],
  sampled: [() => withCarrier(sampledRow, "job", one), () => byHand(sampledRow, 1)],
  dropped: [() => withCarrier(droppedRow, "job", one), () => byHand(droppedRow, 1)],
  nested: [
    () => withCarrier(droppedRow, "job", () => withCarrier(droppedRow, "step", one)),
    () => byHand(droppedRow, 2),
  ],
};

/** A difference of medians, signed (noise can make it negative). */
const signedNs = (ns: number) => `${ns < 0 ? "-" : "+"}${formatNs(Math.abs(ns))}`;

for (const mode of only as Mode[]) {
  const [mine, anchor] = tasks[mode];
  const [m, n] = await measureSync([
    { name: "tracehop", fn: mine },
    { name: "anchor", fn: anchor },
  ]);
  console.log(
    `${(hung ? "hung " : "") + mode}`.padEnd(13) +
      ` ${formatNs(m!.medianNs).padStart(9)} vs ${formatNs(n!.medianNs).padStart(9)} = ` +
      `${pairedRatio(m!, n!).toFixed(3)}× (${signedNs(m!.medianNs - n!.medianNs)} per call)`,
  );
}
