/**
 * `npm run build && node --import tsx bench/low-tier.ts`: what a restore costs before V8 optimises it,
 * as in a relay or worker that handles a few hundred messages (BENCHMARKS.md, T5: the extraction glue
 * never reaches TurboFan there). A fresh child process (plain `node`, no tsx) imports the built package,
 * reads {@link COUNT} distinct {@link fullCarriers} carriers that went through JSON (`JSON.parse` of
 * their text, as a row's Json column gives them back; parsed before timing) and times each of its first
 * `contextFromCarrier` calls alone; a figure is the median per call over the first 200 and the first
 * 1 000 calls. Three V8 tier settings: default flags (the optimising tier may join during the run),
 * `--max-opt=1` (Sparkplug, the baseline compiler, at most) and `--no-opt --no-sparkplug` (the
 * interpreter only). dd-trace's facade `extract` (its default styles datadog, tracecontext, baggage;
 * `init` without plugins) runs on the same carriers the same way, as the anchor. Each figure is the
 * median of `LOW_TIER_REPEATS` (default 5) child processes per side, interleaved, printed with its
 * range. A timed call includes one `process.hrtime.bigint()` pair (≈ 0.1 µs optimised, more in the
 * interpreter; the same on both sides).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fullCarriers } from "./fixtures.js";
import { median, printTable } from "./harness.js";

/** Calls timed per process; the figures are medians over its first {@link PREFIXES} calls. */
const COUNT = 1000;
const PREFIXES = [200, 1000];
const REPEATS = Math.max(1, Number(process.env.LOW_TIER_REPEATS ?? 5));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The V8 tier settings, by the name printed. */
const TIERS: Record<string, string[]> = {
  "default flags": [],
  "Sparkplug only (--max-opt=1)": ["--max-opt=1"],
  "interpreter (--no-opt --no-sparkplug)": ["--no-opt", "--no-sparkplug"],
};

/** The timing loop both sides share: `extract(carrier)` per call; prints the per-call microseconds. */
const TIMING = `
  const carriers = JSON.parse(readFileSync(process.argv[1], "utf8")).map((text) => JSON.parse(text));
  const micros = new Array(carriers.length);
  let sink;
  for (let i = 0; i < carriers.length; i++) {
    const start = process.hrtime.bigint();
    sink = extract(carriers[i]);
    micros[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  if (sink === undefined || sink === null) throw new Error("nothing extracted");
  console.log(JSON.stringify(micros));`;

/** Each side's child script (ES module text); `process.argv[1]` is the JSON file of carrier texts. */
const SCRIPTS: Record<string, string> = {
  tracehop: `
    import { readFileSync } from "node:fs";
    const { contextFromCarrier } = await import("tracehop");
    const extract = (carrier) => contextFromCarrier(carrier);
    ${TIMING}`,
  "dd-trace": `
    import { readFileSync } from "node:fs";
    import { createRequire } from "node:module";
    Object.assign(process.env, { DD_TRACE_TELEMETRY_ENABLED: "false", DD_INSTRUMENTATION_TELEMETRY_ENABLED: "false",
      DD_REMOTE_CONFIGURATION_ENABLED: "false", DD_TRACE_STARTUP_LOGS: "false", DD_RUNTIME_METRICS_ENABLED: "false",
      DD_PROFILING_ENABLED: "false", DD_DATA_STREAMS_ENABLED: "false", DD_TRACE_STATS_COMPUTATION_ENABLED: "false" });
    const tracer = createRequire(import.meta.url)("dd-trace").init({ startupLogs: false, plugins: false,
      flushInterval: 86400000, tracePropagationStyle: { inject: ["tracecontext", "baggage", "datadog"],
      extract: ["datadog", "tracecontext", "baggage"] } });
    const extract = (carrier) => tracer.extract("text_map", carrier);
    ${TIMING}
    process.exit(0);`,
};

/** One child process: the per-call microseconds of its first {@link COUNT} extractions. */
function once(side: string, flags: readonly string[], file: string): number[] {
  const run = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", SCRIPTS[side]!, file], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`${side} ${flags.join(" ")}: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as number[];
}

const dir = mkdtempSync(join(tmpdir(), "tracehop-low-tier-"));
const file = join(dir, "carriers.json");
writeFileSync(file, JSON.stringify(fullCarriers(COUNT).map((carrier) => JSON.stringify(carrier))));
const only = process.env.LOW_TIER_SIDES?.split(",") ?? Object.keys(SCRIPTS);
const cell = (values: number[]) =>
  `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})`;
const rows = [["tier", "first calls", ...only.map((side) => `${side} (µs per call)`), "ratio of medians"]];
try {
  for (const [tier, flags] of Object.entries(TIERS)) {
    // medians[side][prefix]: one per-call median per process.
    const medians = new Map(only.map((side) => [side, PREFIXES.map((): number[] => [])]));
    for (let r = 0; r < REPEATS; r++) {
      for (const side of only) {
        const micros = once(side, flags, file);
        PREFIXES.forEach((n, k) => medians.get(side)![k]!.push(median(micros.slice(0, n))));
      }
    }
    PREFIXES.forEach((n, k) => {
      const figures = only.map((side) => medians.get(side)![k]!);
      const ratio = figures.length === 2 ? `${(median(figures[0]!) / median(figures[1]!)).toFixed(2)}×` : "—";
      rows.push([tier, String(n), ...figures.map(cell), ratio]);
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `\n## low tier: contextFromCarrier of the full default carrier, first calls (${REPEATS} processes)\n`,
);
printTable(rows);
