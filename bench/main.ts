/**
 * `npm run bench`: tracehop's measured qualities against its anchors (targets: BENCHMARKS.md), in one process
 * (the pipeline section starts the example's three processes). Prints each section's table and,
 * at the end, PASS / MISS / SKIPPED per target. Environment: BENCH_TIME_MS (time per task, default
 * 400), BENCH_ONLY (comma-separated sections: propagation, roundtrip, hostile, prisma, pipeline),
 * BENCH_JSON (write all medians and targets to that file).
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { benchHostile } from "./hostile.js";
import { benchPipeline } from "./pipeline.js";
import { benchPrismaInsert } from "./prisma-insert.js";
import { benchPropagation } from "./propagation.js";
import { benchRoundtrip } from "./roundtrip.js";
import { formatValue, sinkValue, targets, verdict } from "./harness.js";

const version = (name: string): string => {
  try {
    const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
};

const SECTIONS = ["propagation", "roundtrip", "hostile", "prisma", "pipeline"] as const;
const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const unknown = only?.filter((name) => !(SECTIONS as readonly string[]).includes(name)) ?? [];
if (unknown.length) {
  console.error(`BENCH_ONLY: unknown section ${unknown.join(", ")}; use ${SECTIONS.join(", ")}`);
  process.exit(2);
}
const enabled = (section: (typeof SECTIONS)[number]) => !only || only.includes(section);

console.log("# tracehop benchmarks");
console.log(
  `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, ${os.platform()} ${os.release()}`,
);
console.log(
  [
    "@opentelemetry/core",
    "@opentelemetry/api",
    "@opentelemetry/propagator-b3",
    "dd-trace",
    "@prisma/client",
    "tinybench",
  ]
    .map((n) => `${n} ${version(n)}`)
    .join(", "),
);

const started = performance.now();
const results: Record<string, unknown> = {};
if (enabled("propagation")) results.propagation = await benchPropagation();
if (enabled("roundtrip")) results.roundtrip = await benchRoundtrip();
if (enabled("hostile")) await benchHostile();
if (enabled("prisma")) results.prisma = await benchPrismaInsert();
if (enabled("pipeline")) results.pipeline = await benchPipeline();

console.log("\n## Targets\n");
for (const target of targets)
  console.log(
    `${verdict(target).padEnd(7)} ${target.id.padEnd(10)} ${target.label}: ${target.skipped ?? formatValue(target)}`,
  );
// Reading the sink keeps the benchmarked results observable (no dead-code elimination).
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (sinkValue() === null) console.log("(the benchmarks produced no value)");
if (process.env.BENCH_JSON)
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ results, targets }, null, 2));
process.exit(0);
