/**
 * `npm run build && node --import tsx bench/api-job-layers.ts`: where tracing's cost in the pipeline
 * (target T5) comes from on the api's side, without HTTP. The api's database work for one job (one
 * interactive transaction writing the job row and its outbox row, on a SQLite file) under each tracing layer,
 * interleaved operation by operation, as process CPU time per job (user + system, all threads):
 * - none: no context manager, no SDK (what OTEL_SDK_DISABLED=true gives);
 * - context manager: @opentelemetry/context-async-hooks' AsyncLocalStorage manager enabled, no
 *   context entered (Node's promise hooks stay off until a store is entered);
 * - + an active context: the transaction inside `context.with` of a context with one value (the
 *   promise hooks behind AsyncLocalStorage now run for every promise), no span;
 * - + span: an SDK span (BatchSpanProcessor, an exporter that drops) active around the transaction
 *   instead;
 * - + carriers by the caller: `captureCarrier()` written into both rows' `traceContext` Json column
 *   by the caller (Prisma's cost of the column);
 * - + pass-through extension: those carriers by the caller through a client with a pass-through
 *   `$allOperations` query extension (Prisma's own cost of an extension, in an interactive transaction);
 * - + traceCarrierExtension: the same carriers written by tracehop's Prisma extension instead.
 * Informational (no target): each layer's median CPU per job and its difference from the previous one.
 */
import { context, createContextKey, ROOT_CONTEXT } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { captureCarrier } from "tracehop";
import { traceCarrierExtension } from "tracehop/prisma";
import { createDatabase } from "../test/prisma/databases.js";
import { median, printTable } from "./harness.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3000);
const WARMUP_ROUNDS = 300;
const TEXT = "tracehop keeps one trace unbroken across asynchronous hops. An HTTP request writes a job row.";

const db = await createDatabase("sqlite");
if (typeof db === "string") throw new Error(db);
const plain = db.client;
const extended = plain.$extends(traceCarrierExtension());
const passThrough = plain.$extends({
  query: { $allModels: { $allOperations: ({ args, query }: any) => query(args) } },
});
const dropAll: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const tracer = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] }).getTracer(
  "bench",
);
const contextManager = new AsyncLocalStorageContextManager();
const BENCH_KEY = createContextKey("bench");

/** The api's transaction for one job; `carriers`: the caller writes a captured carrier into both rows. */
const job = (client: any, carriers: boolean) =>
  client.$transaction(async (tx: any) => {
    const traceContext = carriers ? captureCarrier() : undefined;
    const created = await tx.preprocessJob.create({ data: { text: TEXT, traceContext } });
    await tx.outbox.create({
      data: {
        aggregateType: "job",
        aggregateId: created.id,
        eventType: "requested",
        payload: {},
        traceContext,
      },
    });
  });
/** Runs `fn` with the context manager on, then off again (the next layer may want it off). */
const managed = async (fn: () => Promise<unknown>) => {
  context.setGlobalContextManager(contextManager.enable());
  try {
    await fn();
  } finally {
    context.disable();
  }
};
const inSpan = (fn: () => Promise<unknown>) =>
  tracer.startActiveSpan("request", async (span) => {
    try {
      await fn();
    } finally {
      span.end();
    }
  });

const LAYERS: [string, () => Promise<unknown>][] = [
  ["none", () => job(plain, false)],
  ["context manager", () => managed(() => job(plain, false))],
  [
    "+ an active context (AsyncLocalStorage.run)",
    () => managed(() => context.with(ROOT_CONTEXT.setValue(BENCH_KEY, 1), () => job(plain, false))),
  ],
  ["+ span", () => managed(() => inSpan(() => job(plain, false)))],
  ["+ carriers by the caller", () => managed(() => inSpan(() => job(plain, true)))],
  ["+ pass-through extension (Prisma's own)", () => managed(() => inSpan(() => job(passThrough, true)))],
  ["+ traceCarrierExtension", () => managed(() => inSpan(() => job(extended, false)))],
];
const cpu: number[][] = LAYERS.map(() => []);
try {
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    for (let k = 0; k < LAYERS.length; k++) {
      const i = (round + k) % LAYERS.length;
      const start = process.cpuUsage();
      await LAYERS[i]![1]();
      const used = process.cpuUsage(start);
      if (round >= WARMUP_ROUNDS) cpu[i]!.push(used.user + used.system);
    }
  }
} finally {
  await db.drop();
}
const medians = cpu.map((samples) => median(samples));
printTable([
  ["layer", "CPU per job (median, µs)", "difference from the row above (µs)"],
  ...LAYERS.map(([name], i) => [
    name,
    medians[i]!.toFixed(0),
    i === 0 ? "" : (medians[i]! - medians[i - 1]!).toFixed(0),
  ]),
]);
