// The relay process: polls unpublished Outbox rows and publishes each row's event with
// tracehop/messaging's withSendSpan: a PRODUCER span, child of the row's stored carrier (the api's
// context), whose own context travels as the message headers (the default relay forwarding, as
// Debezium's outbox router does); then marks the row published.
import { ATTR_RABBITMQ_DESTINATION_ROUTING_KEY, withSendSpan } from "tracehop/messaging";
import {
  exitOnBadInput,
  exitOnStartFailure,
  exitOnSettingProblems,
  formatDuration,
  pause,
  POLL_INTERVAL_MS,
  QUEUE_NAME,
  SERVICE_NAMES,
} from "./config.js";
import { checkDatabase, databaseName, openDatabase } from "./db.js";
import { openQueue, UnroutedMessageError } from "./queue.js";
import { isTransientDatabaseError, OutageLog, retryTransient } from "./transient.js";
import { onShutdownSignal, startProcessTracing } from "./tracing.js";

// Started by hand too: a bad setting is refused as `npm start` refuses it, not replaced by its default.
exitOnSettingProblems(["TRACEHOP_POLL_MS", "TRACEHOP_CONNECT_TIMEOUT_MS"]);
// So is a database that cannot be opened or is not migrated (one line, exit 2), instead of a failed pass
// every second; one that fails after this check is retried, as a busy one is.
await checkDatabase().catch(exitOnBadInput);
const tracing = startProcessTracing(SERVICE_NAMES.relay);
const db = await openDatabase();
// A bad AMQP_URL (the login or vhost refused, not a URL) is bad input: one line saying what to fix and exit
// 2, as `npm start` answers it (queue-amqp.ts connectAmqp). A broker that cannot be reached now (nothing
// listening, reset, no answer in time) may be restarting: one line and exit 1, to be started again.
const queue = await openQueue(db).catch(exitOnStartFailure("relay"));
let running = true;
/** Aborted when the relay is told to stop: retries end. */
const stopping = new AbortController();
/**
 * Retries of a transient database failure of one publish or one mark (the pass is retried after that);
 * cut short when the relay stops (a row not marked is published again by the next relay: at least once).
 */
const RELAY_RETRY = {
  attempts: Infinity,
  maxElapsedMs: 30_000,
  signal: stopping.signal,
  onRetry: (error: unknown) => outage.failed(error),
};
/** A database outage said in a line when it starts, one every 30 s while it lasts, one when it ends. */
const outage = new OutageLog("relay: a pass", databaseName());
/** How long the relay waits after a failed pass before the next, in milliseconds. */
const RETRY_PASS_MS = POLL_INTERVAL_MS * 10;

async function relayOnce(): Promise<number> {
  const rows = await db.outbox.findMany({
    where: { publishedAt: null },
    orderBy: { createdAt: "asc" },
    take: 50,
  });
  const destination = queue.destination?.(QUEUE_NAME) ?? QUEUE_NAME;
  for (const row of rows) {
    const body = JSON.stringify({ eventType: row.eventType, ...(row.payload as object) });
    await withSendSpan(
      {
        system: queue.system,
        destination,
        operationName: "publish",
        messageId: row.id,
        // The row itself: its traceContext is the creation context, its createdAt the capture time
        // (tracehop.queue.wait on the span shows how long the event waited in the outbox).
        creationContext: row,
        // RabbitMQ: published through the default exchange, so the routing key is the queue.
        attributes:
          queue.system === "rabbitmq" ? { [ATTR_RABBITMQ_DESTINATION_ROUTING_KEY]: destination } : {},
      },
      // A publish that failed transiently (the table queue's insert found the file locked) stored
      // nothing: it is sent again.
      (headers) => retryTransient(() => queue.publish(QUEUE_NAME, body, headers), RELAY_RETRY),
    ).catch((error: unknown) => {
      // Returned unrouted (RabbitMQ: the queue was deleted): nothing is lost, so one line, no stack; the
      // pass ends, and the next one declares the queue again and sends the row again.
      if (error instanceof UnroutedMessageError)
        console.error(
          `relay: outbox row ${row.id}: the broker returned its message to ${error.queue} unrouted: the queue ` +
            `does not exist (deleted while the relay ran?); nothing was delivered: the row stays unpublished ` +
            `and is sent again in ${formatDuration(RETRY_PASS_MS)}, to the queue declared again`,
        );
      throw error;
    });
    // Marked published only after the publish: a failure between the two publishes the row again on a
    // later pass (at least once; the worker skips a job already done).
    await retryTransient(
      () => db.outbox.update({ where: { id: row.id }, data: { publishedAt: new Date() } }),
      RELAY_RETRY,
    );
  }
  return rows.length;
}

const loop = (async () => {
  while (running) {
    try {
      const relayed = await relayOnce();
      outage.recovered();
      if (relayed === 0) await pause(POLL_INTERVAL_MS, stopping.signal);
    } catch (err) {
      if (!running) break; // stopping (a publish cut short, or the queue lost): said by the stop
      // A database busy or unavailable is said when it starts, then every 30 s at most (it can last, and the
      // pass is retried); a publish returned unrouted was said where it failed, in one line; anything else
      // in full, with its stack.
      if (isTransientDatabaseError(err)) outage.failed(err);
      else if (!(err instanceof UnroutedMessageError)) console.error("relay: pass failed, retrying", err);
      await pause(RETRY_PASS_MS, stopping.signal);
    }
  }
})();
// The queue's full name (RabbitMQ: `<TRACEHOP_QUEUE>.<the database's tag>`), so that an operator sees at
// once when a relay and a worker are not on the same queue.
console.log(
  `relay polling the outbox, publishing to ${queue.system} queue ${queue.destination?.(QUEUE_NAME) ?? QUEUE_NAME} READY`,
);

const shutdown = onShutdownSignal(async () => {
  running = false;
  stopping.abort();
  await loop;
  await queue.close();
  await db.$disconnect();
  await tracing.shutdown();
});
// A lost broker connection or channel (RabbitMQ restarted, a channel error): every publish would fail.
// The relay says so in one line and exits 1 (spans flushed), to be started again by whoever runs it; a
// row not marked published yet is published by the next relay.
void queue.lost?.then((error) => {
  console.error(
    `tracehop preprocess: relay: ${error.message}; exiting with code 1 to be started again (the rows not yet published are published then)`,
  );
  shutdown(1);
});
