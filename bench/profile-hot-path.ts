/**
 * `node --cpu-prof --import tsx bench/profile-hot-path.ts MODE`: runs one hot path in a tight loop
 * (`PROFILE_MS`, default 2000 ms) for a CPU profile (open the .cpuprofile in Chrome DevTools, or
 * summarise it with `node bench/profile-summary.ts FILE`). MODE: `inject`, `extract`, `roundtrip` of
 * the default propagator, `restore` (`contextFromCarrier` of the carriers after a JSON round trip, as
 * bench/low-tier.ts times it; run it under `--max-opt=1` to profile V8's baseline tier), or
 * `t1-inject`, `t1-extract` of target T1's (datadog + tracecontext), or `t2-inject`, `t2-extract` of
 * target T2's (`createPropagator("tracecontext")` on the W3C-only inputs, as `bench/quick.ts` `t2i`/`t2e`;
 * `t2-inject-bare`, `t2-extract-bare`: the bare `TraceContextPropagator` on the same inputs), or
 * `b3-inject`, `b3-extract`, `b3multi-inject`, `b3multi-extract` of `createPropagator("b3")` /
 * `createPropagator("b3multi")` on section 1's inputs (as `bench/quick.ts` `b3i`/`b3e`/`b3mi`/`b3me`: the
 * full contexts, and the carriers the style writes for them).
 */
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT } from "@opentelemetry/api";
import { captureCarrier, contextFromCarrier, createPropagator, TraceContextPropagator } from "tracehop";
import { fullCarriers, fullContext, INPUT_MASK, w3cCarriers } from "./fixtures.js";

const mode = process.argv[2] ?? "inject";
/**
 * `t1-*` modes run target T1's propagator (datadog + tracecontext), `t2-*` target T2's (tracecontext, or
 * the bare W3C class for `-bare`), `b3-*` / `b3multi-*` that style alone; the others the defaults.
 */
const b3Style = mode.startsWith("b3multi-") ? "b3multi" : mode.startsWith("b3-") ? "b3" : undefined;
const propagator = mode.startsWith("t1-")
  ? createPropagator(["datadog", "tracecontext"])
  : b3Style !== undefined
    ? createPropagator(b3Style)
    : mode.startsWith("t2-")
      ? mode.endsWith("-bare")
        ? new TraceContextPropagator()
        : createPropagator("tracecontext")
      : createPropagator();
/** T2's inputs are W3C-only; its contexts are the bare class's extractions, as in `bench/quick.ts`. */
const t2 = mode.startsWith("t2-");
const carriers = t2 ? w3cCarriers() : fullCarriers();
const bare = new TraceContextPropagator();
const contexts = carriers.map((carrier) =>
  t2 ? bare.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter) : fullContext(carrier),
);
const injected = contexts.map((ctx) => {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
});
const stored = carriers.map((carrier) => JSON.parse(JSON.stringify(carrier)) as unknown);
let i = 0;
const ops: Record<string, () => unknown> = {
  inject: () => {
    const carrier: Record<string, string> = {};
    propagator.inject(contexts[i++ & INPUT_MASK]!, carrier, defaultTextMapSetter);
    return carrier;
  },
  extract: () => propagator.extract(ROOT_CONTEXT, carriers[i++ & INPUT_MASK], defaultTextMapGetter),
  "t1-extract": () => propagator.extract(ROOT_CONTEXT, injected[i++ & INPUT_MASK], defaultTextMapGetter),
  restore: () => contextFromCarrier(stored[i++ & INPUT_MASK]),
  roundtrip: () =>
    contextFromCarrier(JSON.parse(JSON.stringify(captureCarrier({ context: contexts[i++ & INPUT_MASK] })))),
};
// The same loops; `propagator` and the inputs are the target's in the t1-*, t2-* and b3 modes.
ops["t1-inject"] =
  ops["b3-inject"] =
  ops["b3multi-inject"] =
  ops["t2-inject"] =
  ops["t2-inject-bare"] =
    ops.inject!;
ops["t2-extract"] = ops["t2-extract-bare"] = ops.extract!;
// The b3 styles extract what they write (section 1's inputs), as T1's.
ops["b3-extract"] = ops["b3multi-extract"] = ops["t1-extract"]!;
const op = ops[mode];
if (!op) throw new Error(`mode must be one of ${Object.keys(ops).join(", ")}`);
const durationMs = Number(process.env.PROFILE_MS ?? 2000);
const end = performance.now() + durationMs;
let n = 0;
let last: unknown;
while (performance.now() < end) {
  for (let i = 0; i < 1000; i++) last = op();
  n += 1000;
}
console.log(
  `${mode}: ${n} operations, ${(((durationMs * 1e6) / n) | 0).toString()} ns each (last: ${typeof last})`,
);
