/**
 * Section 4: what the carrier adds to a database write. One `preprocessJob.create` of the same row,
 * each inside a new span (as one request would make it), per database: SQLite (a file, always),
 * PostgreSQL and MariaDB when reachable. Four ways, interleaved operation by operation (A B C D,
 * B C D A, ...) so that the machine's drift (disk cache, WAL checkpoints, other processes) falls on
 * all of them alike:
 * - plain client;
 * - the same client with a pass-through `$allOperations` query extension: Prisma's own cost of an
 *   extension, without tracehop's work;
 * - plain client, a carrier of the usual size written by the caller: Prisma's own cost of the `Json`
 *   column (serialising and binding ≈ 250 bytes of JSON);
 * - the same client with `traceCarrierExtension()`.
 * Reported: the median of each, the target ratio (extension / plain), and the overheads in
 * microseconds as medians of per-round paired differences (steadier than a difference of medians).
 */
import { context, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { captureCarrier } from "tracehop";
import { traceCarrierExtension } from "tracehop/prisma";
import { createDatabase, PROVIDERS, type Provider } from "../test/prisma/databases.js";
import { checkTarget, formatNs, median, printTable, type Measured } from "./harness.js";

/** Target T4 (BENCHMARKS.md "Results"): the carrier adds at most 5% to an insert. */
const INSERT_LIMIT = 1.05;
/** Time per database, in milliseconds: split evenly between the four ways, operation by operation. */
const DB_TIME_MS = 4 * 3 * Number(process.env.BENCH_DB_TIME_MS ?? 700);
/** Untimed operations per way before timing: connections open, statements prepared, code optimised. */
const WARMUP_OPS = 50;

/** A document as the example's api stores it: a few sentences. */
const TEXT =
  "tracehop keeps one trace unbroken across asynchronous hops. An HTTP request writes a job row. " +
  "A relay publishes it later. A worker consumes it minutes later in another process.";

const NAMES: Record<Provider, string> = {
  sqlite: "SQLite (file)",
  postgresql: "PostgreSQL",
  mysql: "MariaDB",
};

const WAYS = [
  "plain",
  "pass-through extension",
  "carrier written by the caller",
  "traceCarrierExtension",
] as const;
type Way = (typeof WAYS)[number];

/** Nanoseconds per operation of each way, and per round (one operation of every way). */
interface Samples {
  ns: Record<Way, number[]>;
}

/** Runs section 4 and prints its table; records target T4 per database. */
export async function benchPrismaInsert(): Promise<Record<string, Measured>> {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const tracer = new BasicTracerProvider().getTracer("tracehop-bench");
  const results: Record<string, Measured> = {};
  const rows: string[][] = [
    [
      "database",
      "plain",
      "pass-through ext. (Prisma)",
      "carrier by caller (Prisma's Json)",
      "traceCarrierExtension",
      "ratio",
      "target",
      "added (µs)",
      "tracehop's own (µs)",
    ],
  ];
  console.log(
    `\n## 4. Prisma insert with and without the carrier (new span per insert; the four ways interleaved per operation, medians)\n`,
  );
  try {
    for (const name of PROVIDERS) {
      const db = await createDatabase(name);
      if (typeof db === "string") {
        checkTarget({
          id: `T4 ${name}`,
          label: `${NAMES[name]} insert with carrier ≤ ${INSERT_LIMIT}×`,
          value: NaN,
          limit: INSERT_LIMIT,
          unit: "ratio",
          skipped: db,
        });
        rows.push([NAMES[name], "skipped", db, "", "", "", "SKIPPED", "", ""]);
        continue;
      }
      try {
        const measuredWays = await measureDatabase(name, db.client, tracer);
        Object.assign(results, measuredWays.results);
        rows.push(measuredWays.row);
      } finally {
        await db.drop();
      }
    }
  } finally {
    context.disable();
  }
  printTable(rows);
  console.log(
    "\nadded: median over rounds of (traceCarrierExtension − plain); tracehop's own: median of (traceCarrierExtension − carrier written by the caller), i.e. the extension's hook, capture and copies beyond Prisma's cost of the Json column.",
  );
  return results;
}

/**
 * Measures the four ways of inserting one row on the database `name` (its generated client `plain`), each
 * insert in a new span of `tracer`; records target T4; returns the per-way measurements and the table row.
 */
async function measureDatabase(
  name: Provider,
  plain: any,
  tracer: Tracer,
): Promise<{ results: Record<string, Measured>; row: string[] }> {
  const clients: Record<Way, any> = {
    plain,
    "pass-through extension": plain.$extends({
      query: { $allModels: { $allOperations: ({ args, query }: any) => query(args) } },
    }),
    "carrier written by the caller": plain,
    traceCarrierExtension: plain.$extends(traceCarrierExtension()),
  };
  // A Prisma call is a lazy promise: it runs when awaited, so it is awaited inside the span.
  const insert = async (way: Way): Promise<void> => {
    const span = tracer.startSpan("bench.request");
    try {
      await context.with(trace.setSpan(context.active(), span), async () => {
        const data =
          way === "carrier written by the caller"
            ? { text: TEXT, traceContext: captureCarrier() }
            : { text: TEXT };
        await clients[way].preprocessJob.create({ data, select: { id: true } });
      });
    } finally {
      span.end();
    }
  };
  const probe = await context.with(
    trace.setSpan(context.active(), tracer.startSpan("probe")),
    async () => await clients.traceCarrierExtension.preprocessJob.create({ data: { text: TEXT } }),
  );
  if (!probe.traceContext?.traceparent) throw new Error(`${name}: the extension wrote no carrier`);
  for (const way of WAYS) for (let i = 0; i < WARMUP_OPS; i++) await insert(way);

  const samples = await interleave(insert);
  const m = Object.fromEntries(
    WAYS.map((way) => [way, measured(`${name}/${way}`, samples.ns[way])]),
  ) as Record<Way, Measured>;
  const results = Object.fromEntries(WAYS.map((way) => [m[way].name, m[way]]));
  const ratio = m.traceCarrierExtension.medianNs / m.plain.medianNs;
  const added = pairedMedian(samples.ns.traceCarrierExtension, samples.ns.plain);
  const own = pairedMedian(samples.ns.traceCarrierExtension, samples.ns["carrier written by the caller"]);
  const verdict = checkTarget({
    id: `T4 ${name}`,
    label: `${NAMES[name]} insert with carrier ≤ ${INSERT_LIMIT}×`,
    value: ratio,
    limit: INSERT_LIMIT,
    unit: "ratio",
  });
  const vsPlain = (way: Way) =>
    `${formatNs(m[way].medianNs)} (${(m[way].medianNs / m.plain.medianNs).toFixed(3)}×)`;
  const row = [
    NAMES[name],
    formatNs(m.plain.medianNs),
    vsPlain("pass-through extension"),
    vsPlain("carrier written by the caller"),
    formatNs(m.traceCarrierExtension.medianNs),
    `${ratio.toFixed(3)}×`,
    `${verdict} (≤ ${INSERT_LIMIT}×)`,
    `${(added / 1000).toFixed(1)} (${m.plain.samples} rounds)`,
    (own / 1000).toFixed(1),
  ];
  return { results, row };
}

/** Runs one operation of every way per round, rotating the order, for {@link DB_TIME_MS}. */
async function interleave(insert: (way: Way) => Promise<void>): Promise<Samples> {
  const ns = Object.fromEntries(WAYS.map((way) => [way, [] as number[]])) as Record<Way, number[]>;
  const deadline = performance.now() + DB_TIME_MS;
  for (let round = 0; performance.now() < deadline; round++) {
    for (let k = 0; k < WAYS.length; k++) {
      const way = WAYS[(round + k) % WAYS.length]!;
      const t0 = performance.now();
      await insert(way);
      ns[way].push((performance.now() - t0) * 1e6);
    }
  }
  return { ns };
}

/** Median of the per-round differences `a[i] - b[i]`, in nanoseconds. */
function pairedMedian(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x - b[i]!));
}

function measured(name: string, ns: readonly number[]): Measured {
  const mean = ns.reduce((sum, x) => sum + x, 0) / ns.length;
  const sd = Math.sqrt(ns.reduce((sum, x) => sum + (x - mean) ** 2, 0) / Math.max(1, ns.length - 1));
  return {
    name,
    medianNs: median(ns),
    roundMediansNs: [median(ns)],
    meanNs: mean,
    rme: (100 * 1.96 * sd) / Math.sqrt(ns.length) / mean,
    samples: ns.length,
  };
}
