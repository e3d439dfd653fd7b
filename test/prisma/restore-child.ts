/**
 * The second process of the restore test: opens the database the parent wrote to, reads one row
 * through the extended client, continues its trace with withCarrier(row, ...), and prints the span it made
 * as one JSON line. Argument: JSON `{ loc: Location, model: string, id: string }`.
 */
import { SpanKind } from "@opentelemetry/api";
import { withCarrier } from "../../src/index.js";
import { traceCarrierExtension } from "../../src/prisma/index.js";
import { openClient, type Location } from "./databases.js";
import { exporter } from "./tracing.js";

const { loc, model, id } = JSON.parse(process.argv[2]!) as { loc: Location; model: string; id: string };
const { client } = await openClient(loc);
const db = client.$extends(traceCarrierExtension());
try {
  const row = await db[model].findUniqueOrThrow({ where: { id } });
  // The row itself is a TraceCarrierProvider: withCarrier reads its traceContext (and createdAt).
  await withCarrier(row, "process job", async () => db[model].count(), {
    kind: SpanKind.CONSUMER,
  });
  const span = exporter.getFinishedSpans().find((s) => s.name === "process job")!;
  process.stdout.write(
    JSON.stringify({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      parentSpanId: span.parentSpanContext?.spanId,
      parentIsRemote: span.parentSpanContext?.isRemote,
      stored: row.traceContext,
    }) + "\n",
  );
} finally {
  await client.$disconnect();
}
