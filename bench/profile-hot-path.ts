/**
 * `node --cpu-prof --import tsx bench/profile-hot-path.ts MODE`: runs one hot path in a tight loop
 * (`PROFILE_MS`, default 2000 ms) for a CPU profile (open the .cpuprofile in Chrome DevTools, or
 * summarise it with `node bench/profile-summary.ts FILE`). MODE: `inject`, `extract`, `roundtrip` of
 * the default propagator, `restore` (`contextFromCarrier` of the carriers after a JSON round trip, as
 * bench/low-tier.ts times it; run it under `--max-opt=1` to profile V8's baseline tier), or
 * `t1-inject`, `t1-extract` of target T1's (datadog + tracecontext).
 */
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT } from "@opentelemetry/api";
import { captureCarrier, contextFromCarrier, createPropagator } from "tracehop";
import { fullCarriers, fullContext, INPUT_MASK } from "./fixtures.js";

const mode = process.argv[2] ?? "inject";
/** `t1-*` modes run target T1's propagator (datadog + tracecontext); the others the defaults. */
const propagator = mode.startsWith("t1-")
  ? createPropagator(["datadog", "tracecontext"])
  : createPropagator();
const carriers = fullCarriers();
const contexts = carriers.map((carrier) => fullContext(carrier));
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
ops["t1-inject"] = ops.inject!; // the same loop; `propagator` is T1's in the t1-* modes
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
