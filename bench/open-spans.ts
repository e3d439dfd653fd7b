/**
 * `npm run build && node --import tsx bench/open-spans.ts [plain,consumer,counted]`: what counting the
 * spans open at shutdown (`TRACEHOP_SPANS_OPEN_AT_SHUTDOWN`) costs per span, side by side in paired
 * rounds in one process (the harness of the other benchmarks), as a ratio to the same span without it.
 * Two tracer providers of the real SDK that differ only in startTracing's `OpenSpanProcessor`, both with
 * no export processor (so that only the counting differs), sampled spans:
 *
 * - `plain`: an INTERNAL span started and ended, not counted (an instrumentation's span): with the
 *   processor (one comparison at its start, one WeakMap look-up at its end) vs without;
 * - `consumer`: the same with a CONSUMER span, the kind `withProcessSpan` takes over and counts when it
 *   holds the provider's resource (a per-span WeakSet there cost about 200 ns: kept as a check);
 * - `counted`: a helper's span as `runInSpan` counts it (started, counted open, ended and uncounted),
 *   counting on, with the processor vs a span started and ended with neither.
 *
 * Imports the built package's internal modules (`dist/`), as bench/t3-floor.ts does. Not one of
 * `npm run bench`'s targets.
 */
import { SpanKind, type Span, type Tracer } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { formatNs, measureSync, pairedRatio } from "./harness.js";
import type * as OpenSpanCounts from "../src/context/open-span-counts.js";
import type * as OpenSpans from "../src/tracing/open-spans.js";

const built = (path: string) => new URL(`../dist/src/${path}`, import.meta.url).href;
const { countOpen, openSpanCounts, restartOpenSpanCounts } = (await import(
  built("context/open-span-counts.js")
)) as typeof OpenSpanCounts;
const { OpenSpanProcessor } = (await import(built("tracing/open-spans.js"))) as typeof OpenSpans;

const modes = ["plain", "consumer", "counted"] as const;
type Mode = (typeof modes)[number];
const only = (process.argv[2] ?? modes.join(",")).split(",");
const unknown = only.filter((mode) => !(modes as readonly string[]).includes(mode));
if (unknown.length)
  throw new Error(
    `bench/open-spans.ts: unknown mode ${unknown.join(", ")}; the modes are ${modes.join(", ")}`,
  );

const withProcessor = new BasicTracerProvider({ spanProcessors: [new OpenSpanProcessor()] }).getTracer(
  "bench",
);
const without = new BasicTracerProvider().getTracer("bench");
// Counting on, as from a startTracing to its shutdown().
restartOpenSpanCounts();

const tasks: Record<Mode, [() => unknown, () => unknown]> = {
  plain: [() => startEnd(withProcessor, SpanKind.INTERNAL), () => startEnd(without, SpanKind.INTERNAL)],
  consumer: [() => startEnd(withProcessor, SpanKind.CONSUMER), () => startEnd(without, SpanKind.CONSUMER)],
  counted: [
    () => {
      const span = withProcessor.startSpan("job");
      countOpen(span, "traced");
      span.end();
      return span;
    },
    () => startEnd(without, SpanKind.INTERNAL),
  ],
};

/** A span of `tracer` of `kind`, started and ended. */
function startEnd(tracer: Tracer, kind: SpanKind): Span {
  const span = tracer.startSpan("job", { kind });
  span.end();
  return span;
}

/** A difference of medians, signed (noise can make it negative). */
const signedNs = (ns: number) => `${ns < 0 ? "-" : "+"}${formatNs(Math.abs(ns))}`;

for (const mode of only as Mode[]) {
  const [mine, anchor] = tasks[mode];
  const [m, n] = await measureSync([
    { name: "with", fn: mine },
    { name: "without", fn: anchor },
  ]);
  console.log(
    `${mode.padEnd(8)} ${formatNs(m!.medianNs).padStart(9)} vs ${formatNs(n!.medianNs).padStart(9)} = ` +
      `${pairedRatio(m!, n!).toFixed(3)}× (${signedNs(m!.medianNs - n!.medianNs)} per span)`,
  );
}
// Every counted span ended: none is left counted (the processor saw each end).
if (openSpanCounts().length !== 0) throw new Error("bench/open-spans.ts: counted spans left open");
