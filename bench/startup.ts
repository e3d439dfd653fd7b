/**
 * `npm run build && node --import tsx bench/startup.ts`: what a fresh process pays before its first
 * restore and capture — the import of the package and the first `contextFromCarrier` (JSON text of the
 * full default carrier) and `captureCarrier` of the result — tracehop against dd-trace (import, `init`
 * without plugins, the first text_map extract and inject) and @opentelemetry/core's W3C trace context +
 * baggage propagators (import, first extract and inject). A serverless function or a short-lived job
 * pays this on every cold start. Each side runs in {@link REPEATS} fresh child processes, interleaved,
 * under plain `node` (no tsx: its loader would be counted); medians with their range.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FULL_CARRIER } from "./fixtures.js";
import { median, printTable } from "./harness.js";

const REPEATS = 7;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CARRIER = JSON.stringify(FULL_CARRIER);

/** Each side's script: prints `[importMs, firstExtractMs, firstInjectMs]` as JSON. */
const SCRIPTS: Record<string, string> = {
  tracehop: `
    let t = performance.now();
    const { captureCarrier, contextFromCarrier } = await import("tracehop");
    const imported = performance.now() - t;
    t = performance.now();
    const ctx = contextFromCarrier(${JSON.stringify(CARRIER)});
    const extracted = performance.now() - t;
    t = performance.now();
    const carrier = captureCarrier({ context: ctx });
    const injected = performance.now() - t;
    if (!carrier.traceparent) throw new Error("nothing captured");
    console.log(JSON.stringify([imported, extracted, injected]));`,
  "dd-trace": `
    import { createRequire } from "node:module";
    Object.assign(process.env, { DD_TRACE_TELEMETRY_ENABLED: "false", DD_INSTRUMENTATION_TELEMETRY_ENABLED: "false",
      DD_REMOTE_CONFIGURATION_ENABLED: "false", DD_TRACE_STARTUP_LOGS: "false", DD_RUNTIME_METRICS_ENABLED: "false",
      DD_PROFILING_ENABLED: "false", DD_DATA_STREAMS_ENABLED: "false", DD_TRACE_STATS_COMPUTATION_ENABLED: "false" });
    let t = performance.now();
    const tracer = createRequire(import.meta.url)("dd-trace").init({ startupLogs: false, plugins: false,
      flushInterval: 86400000, tracePropagationStyle: { inject: ["tracecontext", "baggage", "datadog"],
      extract: ["datadog", "tracecontext", "baggage"] } });
    const imported = performance.now() - t;
    t = performance.now();
    const sc = tracer.extract("text_map", JSON.parse(${JSON.stringify(CARRIER)}));
    const extracted = performance.now() - t;
    t = performance.now();
    const carrier = {};
    tracer.inject(sc, "text_map", carrier);
    const injected = performance.now() - t;
    if (!carrier.traceparent) throw new Error("nothing injected");
    console.log(JSON.stringify([imported, extracted, injected]));
    process.exit(0);`,
  "OTel core (W3C + baggage)": `
    let t = performance.now();
    const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = await import("@opentelemetry/core");
    const { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter } = await import("@opentelemetry/api");
    const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
    const imported = performance.now() - t;
    t = performance.now();
    const ctx = propagator.extract(ROOT_CONTEXT, JSON.parse(${JSON.stringify(CARRIER)}), defaultTextMapGetter);
    const extracted = performance.now() - t;
    t = performance.now();
    const carrier = {};
    propagator.inject(ctx, carrier, defaultTextMapSetter);
    const injected = performance.now() - t;
    if (!carrier.traceparent) throw new Error("nothing injected");
    console.log(JSON.stringify([imported, extracted, injected]));`,
};

function once(side: string): number[] {
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", SCRIPTS[side]!], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`${side}: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as number[];
}

const sides = Object.keys(SCRIPTS);
const results = new Map<string, number[][]>(sides.map((side) => [side, []]));
for (let r = 0; r < REPEATS; r++) for (const side of sides) results.get(side)!.push(once(side));

const cell = (values: number[]) =>
  `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;
const totals = new Map(sides.map((side) => [side, results.get(side)!.map((r) => r[0]! + r[1]! + r[2]!)]));
const rows = [
  ["side", "import (ms)", "first extract (ms)", "first inject (ms)", "total (ms)", "total vs dd-trace"],
];
for (const side of sides) {
  const runs = results.get(side)!;
  rows.push([
    side,
    cell(runs.map((r) => r[0]!)),
    cell(runs.map((r) => r[1]!)),
    cell(runs.map((r) => r[2]!)),
    cell(totals.get(side)!),
    `${(median(totals.get(side)!) / median(totals.get("dd-trace")!)).toFixed(2)}×`,
  ]);
}
console.log(
  `\n## start-up: import, first extract and first inject in a fresh process (${REPEATS} processes each)\n`,
);
printTable(rows);
