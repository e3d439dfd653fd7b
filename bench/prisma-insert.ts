/**
 * Section 4: what the carrier adds to a database write. One `preprocessJob.create` inside an active
 * span, through a plain Prisma client and through the same client extended with
 * `traceCarrierExtension()` (which captures the carrier and writes it to the `traceContext` JSON
 * column), per database: SQLite (a file, always), PostgreSQL and MariaDB when reachable.
 */
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { traceCarrierExtension } from "tracehop/prisma";
import { createDatabase, PROVIDERS, type Provider } from "../test/prisma/databases.js";
import { checkTarget, formatNs, measureAsync, printTable, type Measured } from "./harness.js";

/** Target T4 (issue 9): the carrier adds at most 5% to an insert. */
const INSERT_LIMIT = 1.05;
/** Alternating rounds per database (see `measureAsync`). */
const ROUNDS = 3;
/** Time per task and round, in milliseconds. */
const ROUND_TIME_MS = Number(process.env.BENCH_DB_TIME_MS ?? 700);

/** A document as the example's api stores it: a few sentences. */
const TEXT =
  "tracehop keeps one trace unbroken across asynchronous hops. An HTTP request writes a job row. " +
  "A relay publishes it later. A worker consumes it minutes later in another process.";

const NAMES: Record<Provider, string> = {
  sqlite: "SQLite (file)",
  postgresql: "PostgreSQL",
  mysql: "MariaDB",
};

/** Runs section 4 and prints its table; records target T4 per database. */
export async function benchPrismaInsert(): Promise<Record<string, Measured>> {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const provider = new BasicTracerProvider();
  const tracer = provider.getTracer("tracehop-bench");
  const span = tracer.startSpan("bench.request");
  const active = trace.setSpan(context.active(), span);
  const results: Record<string, Measured> = {};
  const rows: string[][] = [
    [
      "database",
      "plain create",
      "with traceCarrierExtension",
      "ratio",
      "target",
      "pass-through extension (Prisma's share)",
    ],
  ];
  console.log(
    `\n## 4. Prisma insert with and without the carrier (median of ${ROUNDS} alternating rounds)\n`,
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
        rows.push([NAMES[name], "skipped", db, "", "SKIPPED", ""]);
        continue;
      }
      try {
        const plain = db.client;
        const extended = plain.$extends(traceCarrierExtension());
        // Prisma's own cost of a query extension, without tracehop's work: a pass-through hook.
        const passThrough = plain.$extends({
          query: { $allModels: { $allOperations: ({ args, query }: any) => query(args) } },
        });
        const create = (client: any) => () =>
          // A Prisma call is a lazy promise: it runs when awaited, so it is awaited inside the context.
          context.with(
            active,
            async () => await client.preprocessJob.create({ data: { text: TEXT }, select: { id: true } }),
          );
        // One write each before timing: connections open, statements prepared, the carrier written.
        const probe = await context.with(
          active,
          async () => await extended.preprocessJob.create({ data: { text: TEXT } }),
        );
        if (!probe.traceContext?.traceparent) throw new Error(`${name}: the extension wrote no carrier`);
        await create(plain)();
        const [without, withCarrier, empty] = await measureAsync(
          [
            { name: `${name}/plain`, fn: create(plain) },
            { name: `${name}/traceCarrierExtension`, fn: create(extended) },
            { name: `${name}/pass-through extension`, fn: create(passThrough) },
          ],
          ROUNDS,
          ROUND_TIME_MS,
        );
        results[without!.name] = without!;
        results[withCarrier!.name] = withCarrier!;
        results[empty!.name] = empty!;
        const ratio = withCarrier!.medianNs / without!.medianNs;
        const verdict = checkTarget({
          id: `T4 ${name}`,
          label: `${NAMES[name]} insert with carrier ≤ ${INSERT_LIMIT}×`,
          value: ratio,
          limit: INSERT_LIMIT,
          unit: "ratio",
        });
        rows.push([
          NAMES[name],
          formatNs(without!.medianNs),
          formatNs(withCarrier!.medianNs),
          `${ratio.toFixed(3)}×`,
          `${verdict} (≤ ${INSERT_LIMIT}×)`,
          `${formatNs(empty!.medianNs)} (${(empty!.medianNs / without!.medianNs).toFixed(3)}×)`,
        ]);
      } finally {
        await db.drop();
      }
    }
  } finally {
    span.end();
    context.disable();
  }
  printTable(rows);
  return results;
}
