// The relay process: polls unpublished Outbox rows, restores each row's stored carrier as the parent of
// its publish span, publishes the event with the carrier of that span as message headers, and marks the
// row published.
import { setTimeout as sleep } from "node:timers/promises";
import { SpanKind } from "@opentelemetry/api";
import { captureCarrier, withCarrier } from "tracehop";
import { POLL_INTERVAL_MS, QUEUE_NAME, SERVICE_NAMES } from "./config.js";
import { openDatabase } from "./db.js";
import { openQueue } from "./queue.js";
import { onShutdownSignal, startProcessTracing } from "./tracing.js";

const tracing = startProcessTracing(SERVICE_NAMES.relay);
const db = openDatabase();
const queue = await openQueue(db);
let running = true;

async function relayOnce(): Promise<number> {
  const rows = await db.outbox.findMany({
    where: { publishedAt: null },
    orderBy: { createdAt: "asc" },
    take: 50,
  });
  for (const row of rows) {
    await withCarrier(
      row.traceContext,
      `${QUEUE_NAME} publish`,
      async () => {
        // The message carries the context of this PRODUCER span, child of the api's stored context.
        await queue.publish(
          QUEUE_NAME,
          JSON.stringify({ eventType: row.eventType, ...(row.payload as object) }),
          captureCarrier(),
        );
        await db.outbox.update({ where: { id: row.id }, data: { publishedAt: new Date() } });
      },
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          "messaging.system": queue.system,
          "messaging.destination.name": QUEUE_NAME,
          "messaging.operation.type": "send",
          "messaging.operation.name": "publish",
          "messaging.message.id": row.id,
        },
      },
    );
  }
  return rows.length;
}

const loop = (async () => {
  while (running) {
    try {
      if ((await relayOnce()) === 0) await sleep(POLL_INTERVAL_MS);
    } catch (err) {
      console.error("relay: pass failed, retrying", err);
      await sleep(POLL_INTERVAL_MS * 10);
    }
  }
})();
console.log("relay polling the outbox READY");

onShutdownSignal(async () => {
  running = false;
  await loop;
  await queue.close();
  await db.$disconnect();
  await tracing.shutdown();
});
