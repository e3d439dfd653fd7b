/**
 * `npm run build && node --import tsx bench/cold-start.ts`: inject + extract of target T1's styles
 * (datadog + tracecontext) in a fresh process, tracehop against dd-trace: the mean of the first 200,
 * 1 000 and 5 000 cycles, before V8 has optimised the code. A low-rate service (a relay, a worker doing
 * a few jobs a second) runs in this regime for minutes; sections 1-2 of `npm run bench` measure the
 * optimised code. Each figure is the median of {@link REPEATS} child processes (printed with their
 * range: cold figures move by tens of percent between processes); both sides have extracted the same
 * 256 reference carriers once before timing (`referenceInputs`).
 */
import { spawnSync } from "node:child_process";
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT } from "@opentelemetry/api";
import { createPropagator } from "tracehop";
import { ddTextMap } from "./dd-trace-anchor.js";
import { INPUT_MASK, referenceInputs } from "./fixtures.js";
import { median, printTable } from "./harness.js";

const COUNTS = [200, 1000, 5000];
/** Fresh processes per figure and side. */
const REPEATS = 3;

/** One side's mean microseconds per inject + extract cycle over its first `count` cycles. */
function measureHere(side: string, count: number): number {
  const { contexts, ddSpanContexts } = referenceInputs();
  let cycle: (i: number) => unknown;
  if (side === "tracehop") {
    const propagator = createPropagator(["datadog", "tracecontext"]);
    cycle = (i) => {
      const carrier: Record<string, string> = {};
      propagator.inject(contexts[i & INPUT_MASK]!, carrier, defaultTextMapSetter);
      return propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    };
  } else {
    const textMap = ddTextMap(["datadog", "tracecontext"]);
    cycle = (i) => {
      const carrier: Record<string, string> = {};
      textMap.inject(ddSpanContexts[i & INPUT_MASK]!, carrier);
      return textMap.extract(carrier);
    };
  }
  let sink: unknown;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) sink = cycle(i);
  const micros = Number(process.hrtime.bigint() - start) / 1000 / count;
  if (sink === undefined) throw new Error("no result");
  return micros;
}

const [side, count] = process.argv.slice(2);
if (side !== undefined) {
  console.log(JSON.stringify(measureHere(side, Number(count))));
} else {
  const rows = [["first cycles", "tracehop (µs per cycle)", "dd-trace (µs per cycle)", "ratio of medians"]];
  const once = (s: string, n: number): number => {
    const run = spawnSync(process.execPath, ["--import", "tsx", import.meta.filename, s, String(n)], {
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`${s} ${n}: ${run.stderr}`);
    return JSON.parse(run.stdout.trim().split("\n").pop()!) as number;
  };
  const cell = (values: number[]) =>
    `${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;
  for (const n of COUNTS) {
    const mine: number[] = [];
    const dd: number[] = [];
    // Interleaved, so that a drift of the machine falls on both sides.
    for (let r = 0; r < REPEATS; r++) {
      mine.push(once("tracehop", n));
      dd.push(once("dd-trace", n));
    }
    rows.push([String(n), cell(mine), cell(dd), `${(median(mine) / median(dd)).toFixed(2)}×`]);
  }
  console.log("\n## cold start: datadog + tracecontext inject + extract in a fresh process\n");
  printTable(rows);
}
