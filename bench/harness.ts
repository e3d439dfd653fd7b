/**
 * Measurement and reporting shared by the benchmark sections: tinybench runs each task for a fixed
 * time; every task call runs a batch of operations, so that a sample is far longer than the timer's
 * resolution, and the per-operation median is the sample median divided by the batch size.
 *
 * Tasks compared with each other run in alternating rounds (A B C, B C A, ...), each round a short
 * tinybench run per task: a machine whose speed drifts (a shared VM, frequency scaling) slows both
 * sides of a ratio alike, and {@link pairedRatio} divides the two sides round by round. (Section 4's
 * database writes interleave operation by operation instead: bench/prisma-insert.ts.)
 */
import { Bench } from "tinybench";

/** Time budget per task, in milliseconds (BENCH_TIME_MS). */
export const TASK_TIME_MS = Number(process.env.BENCH_TIME_MS ?? 400);
/** Warm-up per task, in milliseconds: lets V8 optimise before samples are kept. */
export const WARMUP_TIME_MS = Math.max(50, Math.round(TASK_TIME_MS / 4));
/** Rounds per synchronous measurement (BENCH_SYNC_ROUNDS): each task runs TASK_TIME_MS / ROUNDS per round. */
export const ROUNDS = Math.max(1, Number(process.env.BENCH_SYNC_ROUNDS ?? 8));

/** Values a task returns are kept here, so V8 cannot drop the work as dead code. */
let sink: unknown;
/** The last value a task produced (read it once at the end so the sink is observable). */
export function sinkValue(): unknown {
  return sink;
}

/** One synchronous operation to time. */
export interface SyncTask {
  name: string;
  fn: () => unknown;
  /** Operations per sample (default {@link DEFAULT_BATCH}). */
  batch?: number;
}

/** Result of one task: median and mean cost of one operation, in nanoseconds. */
export interface Measured {
  name: string;
  /** Median of {@link roundMediansNs} (the median of the only run for a single-round measurement). */
  medianNs: number;
  /** Median per operation in each round, in round order (see {@link pairedRatio}). */
  roundMediansNs: number[];
  meanNs: number;
  /** Relative margin of error of the mean, in percent (tinybench `rme`). */
  rme: number;
  samples: number;
}

/** Operations per sample for sub-microsecond operations: a sample then lasts tens of microseconds. */
export const DEFAULT_BATCH = 64;

/**
 * Runs synchronous tasks in the same process and heap and returns their per-operation medians.
 * `rounds` rounds of `timeMs / rounds` per task, the order rotated each round (A B C, B C A, C A B,
 * ...); only the first round warms up (WARMUP_TIME_MS per task).
 */
export async function measureSync(
  tasks: readonly SyncTask[],
  timeMs = TASK_TIME_MS,
  rounds = ROUNDS,
): Promise<Measured[]> {
  const perTask = new Map<string, Measured[]>(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: timeMs / rounds,
      warmup: round === 0,
      warmupTime: Math.min(WARMUP_TIME_MS, timeMs),
      throws: true,
    });
    for (let k = 0; k < tasks.length; k++) {
      const task = tasks[(k + round) % tasks.length]!;
      const batch = task.batch ?? DEFAULT_BATCH;
      const fn = task.fn;
      bench.add(task.name, () => {
        let last: unknown;
        for (let i = 0; i < batch; i++) last = fn();
        sink = last;
      });
    }
    await bench.run();
    for (const task of tasks)
      perTask.get(task.name)!.push(resultOf(bench, task.name, task.batch ?? DEFAULT_BATCH));
  }
  return tasks.map((task) => combineRounds(task.name, perTask.get(task.name)!));
}

/**
 * `mine` over `anchor` as the median of their round-by-round ratios (both from one
 * {@link measureSync} call, so that round i of each ran back to back); the ratio of the medians when
 * the round counts differ.
 */
export function pairedRatio(mine: Measured, anchor: Measured): number {
  const a = mine.roundMediansNs;
  const b = anchor.roundMediansNs;
  if (a.length !== b.length || a.length === 0) return mine.medianNs / anchor.medianNs;
  return median(a.map((ns, i) => ns / b[i]!));
}

/** One task's rounds as one result: medians of the round medians and means, every sample counted. */
function combineRounds(name: string, results: readonly Measured[]): Measured {
  return {
    name,
    medianNs: median(results.map((r) => r.medianNs)),
    roundMediansNs: results.map((r) => r.medianNs),
    meanNs: median(results.map((r) => r.meanNs)),
    rme: Math.max(...results.map((r) => r.rme)),
    samples: results.reduce((sum, r) => sum + r.samples, 0),
  };
}

function resultOf(bench: Bench, name: string, batch: number): Measured {
  const task = bench.getTask(name);
  const result = task?.result;
  if (!result || (result.state !== "completed" && result.state !== "aborted-with-statistics")) {
    const error = result && "error" in result ? result.error : undefined;
    throw new Error(`bench task ${name} did not complete${error ? `: ${error.message}` : ""}`);
  }
  const msToNs = 1e6 / batch;
  const medianNs = result.latency.p50 * msToNs;
  return {
    name,
    medianNs,
    roundMediansNs: [medianNs],
    meanNs: result.latency.mean * msToNs,
    rme: result.latency.rme,
    samples: result.latency.samplesCount,
  };
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A duration in nanoseconds, with a unit that keeps three significant digits. */
export function formatNs(ns: number): string {
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toPrecision(3)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toPrecision(3)} ms`;
  return `${(ns / 1_000_000_000).toPrecision(3)} s`;
}

/** A target of the issue: `value` (a ratio, or milliseconds) must be at most `limit`. */
export interface TargetResult {
  id: string;
  label: string;
  value: number;
  limit: number;
  /** How the value reads: a ratio `0.21×` or a duration. */
  unit: "ratio" | "ms" | "share";
  /** Set when the target could not be measured (a server missing): reported, never a PASS. */
  skipped?: string;
}

/** Collected targets of one run, printed together at the end. */
export const targets: TargetResult[] = [];

/** Records a target result and returns its verdict text. */
export function checkTarget(target: TargetResult): string {
  targets.push(target);
  return verdict(target);
}

export function verdict(target: TargetResult): string {
  if (target.skipped !== undefined) return "SKIPPED";
  return target.value <= target.limit ? "PASS" : "MISS";
}

export function formatValue(target: Pick<TargetResult, "value" | "unit">): string {
  if (target.unit === "share") return `${(target.value * 100).toFixed(1)}%`;
  return target.unit === "ratio" ? `${target.value.toFixed(3)}×` : `${target.value.toFixed(3)} ms`;
}

/** Prints a table: the first row is the header; columns are padded to their widest cell. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  rows.forEach((row, index) => {
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
    if (index === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  });
}
