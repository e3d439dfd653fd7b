/**
 * `npm run build && node --import tsx bench/instructions.ts [t2e,t2i] [SIDES]`: machine instructions per
 * call of target T2's W3C-only tasks (`bench/quick.ts` `t2e`, `t2i`), counted by valgrind's callgrind
 * (`valgrind` on the PATH), for A/B work on a machine that others load: the counts do not move with
 * the load, where `quick.ts`'s times do. SIDES (default `mine,bare,core`): `mine` is
 * `createPropagator("tracecontext")`, `bare` tracehop's `TraceContextPropagator`, `core`
 * @opentelemetry/core's `W3CTraceContextPropagator`, on the same inputs as `quick.ts`.
 *
 * Each side runs in its own process twice under callgrind, its task called `BENCH_INSTR_CALLS` times
 * (default 300 000) and three times as often; the difference of the two program totals, divided by
 * the difference of the calls, is the steady state (start-up, compilation and warm-up cancel out).
 * Node runs with `--single-threaded` (compilation and GC on the main thread). Two runs of the same
 * code still differed by 2.5% (`t2e mine` 4413 and 4302, 2026-12-04): V8 does not always optimise the
 * same way, so a smaller change needs several runs of each side. Instructions are not time (core's
 * regular expressions and allocations run at another rate than tracehop's character scans): compare a
 * side with itself before and after a change, and keep `quick.ts` for the ratios. A side takes a few
 * minutes.
 *
 * `node --import tsx bench/instructions.ts --run TASK SIDE CALLS` is one such process (what callgrind runs).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, type Context } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { createPropagator, TraceContextPropagator } from "tracehop";
import { INPUT_MASK, w3cCarriers } from "./fixtures.js";

const TASKS = ["t2e", "t2i"];
const SIDES = ["mine", "bare", "core"];

/** One side's task, as `quick.ts` calls it: `t2i` injects the contexts that side's own extract gives. */
function task(name: string, side: string): () => unknown {
  const carriers = w3cCarriers();
  const propagator =
    side === "core"
      ? new W3CTraceContextPropagator()
      : side === "bare"
        ? new TraceContextPropagator()
        : createPropagator("tracecontext");
  let i = 0;
  if (name === "t2e")
    return () => propagator.extract(ROOT_CONTEXT, carriers[i++ & INPUT_MASK], defaultTextMapGetter);
  // quick.ts injects tracehop's contexts as the bare class extracts them (no Datadog fields).
  const extractor = side === "core" ? propagator : new TraceContextPropagator();
  const contexts: Context[] = carriers.map((c) => extractor.extract(ROOT_CONTEXT, c, defaultTextMapGetter));
  return () => {
    const carrier: Record<string, string> = {};
    propagator.inject(contexts[i++ & INPUT_MASK]!, carrier, defaultTextMapSetter);
    return carrier;
  };
}

/** Calls `fn` `calls` times from one loop (kept from dead-code elimination by the returned value). */
function run(fn: () => unknown, calls: number): unknown {
  let last: unknown;
  for (let k = 0; k < calls; k++) last = fn();
  return last;
}

/** Program total of instructions of one `--run` process under callgrind. */
function countInstructions(dir: string, name: string, side: string, calls: number): number {
  const out = join(dir, `${name}.${side}.${calls}.out`);
  const result = spawnSync(
    "valgrind",
    [
      "--tool=callgrind",
      `--callgrind-out-file=${out}`,
      process.execPath,
      "--single-threaded",
      "--import",
      "tsx",
      import.meta.filename,
      "--run",
      name,
      side,
      String(calls),
    ],
    { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" },
  );
  if (result.error)
    throw new Error(`bench/instructions.ts: valgrind could not run (${result.error.message})`);
  if (result.status !== 0)
    throw new Error(
      `bench/instructions.ts: ${name} ${side} failed under callgrind:\n${result.stderr.slice(-2000)}`,
    );
  const total = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, "utf8"));
  if (!total) throw new Error(`bench/instructions.ts: no instruction total in ${out}`);
  return Number(total[1]);
}

function check(list: string[], known: string[], what: string): string[] {
  const unknown = list.filter((item) => !known.includes(item));
  if (unknown.length)
    throw new Error(
      `bench/instructions.ts: unknown ${what} ${unknown.join(", ")}; the ${what}s are ${known.join(", ")}`,
    );
  return list;
}

if (process.argv[2] === "--run") {
  const [name, side, calls] = process.argv.slice(3);
  const last = run(task(check([name!], TASKS, "task")[0]!, check([side!], SIDES, "side")[0]!), Number(calls));
  if (last === undefined) throw new Error("bench/instructions.ts: the task returned nothing");
} else {
  const tasks = check((process.argv[2] ?? "t2e").split(","), TASKS, "task");
  const sides = check((process.argv[3] ?? SIDES.join(",")).split(","), SIDES, "side");
  const calls = Number(process.env.BENCH_INSTR_CALLS ?? 300_000);
  const dir = mkdtempSync(join(tmpdir(), "tracehop-instructions-"));
  try {
    for (const name of tasks) {
      for (const side of sides) {
        const low = countInstructions(dir, name, side, calls);
        const high = countInstructions(dir, name, side, 3 * calls);
        console.log(
          `${name.padEnd(4)} ${side.padEnd(5)} ${((high - low) / (2 * calls)).toFixed(0).padStart(6)} instructions per call`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
