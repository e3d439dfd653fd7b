// The relay process: polls unpublished Outbox rows and publishes each row's event with
// tracehop/messaging's withSendSpan: a PRODUCER span, child of the row's stored carrier (the api's
// context), whose own context travels as the message headers (the default relay forwarding, as
// Debezium's outbox router does); then marks the row published.
// Several relays can run on one database: each claims a row (Outbox.claimedUntil) before it publishes
// it, and skips a row another relay holds, so that a row is published once, not once per relay.
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
import { errorText, openQueue, UnroutedMessageError } from "./queue.js";
import { isTransientDatabaseError, OutageLog, RepeatedFailureLog, retryTransient } from "./transient.js";
import { onShutdownSignal, startProcessTracing } from "./tracing.js";

// Started by hand too: a bad setting is refused as `npm start` refuses it, not replaced by its default.
exitOnSettingProblems(["TRACEHOP_POLL_MS", "TRACEHOP_CONNECT_TIMEOUT_MS", "TRACEHOP_QUEUE"]);
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
 * Retries of a transient database failure of one claim, one publish or one mark (the pass is retried
 * after that); cut short when the relay stops (a row whose publish was cut short is released at once, one
 * published but not marked is published again once its claim runs out: at least once).
 */
const RELAY_RETRY = {
  attempts: Infinity,
  maxElapsedMs: 30_000,
  signal: stopping.signal,
  onRetry: (error: unknown) => outage.failed(error),
};
/** A database outage said in a line when it starts, one every 30 s while it lasts, one when it ends. */
const outage = new OutageLog("relay: a pass", databaseName());
/** A pass failure that is no outage (a table gone, a bug): in full once, not at every pass. */
const failures = new RepeatedFailureLog("relay: a pass", errorText);
/** How long the relay waits after a failed pass before the next, in milliseconds. */
const RETRY_PASS_MS = POLL_INTERVAL_MS * 10;
/**
 * How long a relay holds an outbox row it is publishing (Outbox.claimedUntil), in milliseconds: the other
 * relays on the database skip the row meanwhile. Two minutes: twice what the relay can spend on a row it
 * holds (the publish's retries end after RELAY_RETRY.maxElapsedMs, 30 s, the mark's after as long), so
 * that no second relay takes a row still being sent; short enough that a row held by a relay that died
 * is sent by another within minutes (at least once). The relays' clocks are taken to agree to well within
 * it (each writes and compares claims by its own).
 */
const CLAIM_MS = 2 * 60_000;

/** Outbox rows no relay holds: never claimed, released, or their claim ran out before `now`. */
const unclaimed = (now: Date) => ({ OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] });

async function relayOnce(): Promise<number> {
  // Still on the (publishedAt, createdAt) index: the claim is checked on the rows it yields.
  const rows = await db.outbox.findMany({
    where: { publishedAt: null, ...unclaimed(new Date()) },
    orderBy: { createdAt: "asc" },
    take: 50,
  });
  const destination = queue.destination?.(QUEUE_NAME) ?? QUEUE_NAME;
  for (const row of rows) {
    // Claimed just before its publish, one row at a time (a row further down the list stays free for
    // another relay meanwhile): only the relay whose conditional update matched the row sends it. None
    // matched: another relay claimed or published it since the read. (Not "or holds this relay's own
    // claimedUntil", for a retried claim whose first answer was lost: two relays racing on a row compute
    // the same millisecond often enough, and both would send it. Such a row waits for its claim to run out.)
    const claimedUntil = new Date(Date.now() + CLAIM_MS);
    const claimed = await retryTransient(
      () =>
        db.outbox.updateMany({
          where: { id: row.id, publishedAt: null, ...unclaimed(new Date()) },
          data: { claimedUntil },
        }),
      RELAY_RETRY,
    );
    if (claimed.count === 0) continue;
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
    ).catch(async (error: unknown) => {
      // The publish failed: the claim is released, so that the next pass of any relay sends the row (only
      // this relay's own claim: the row still holds the claimedUntil it wrote). A release that fails (the
      // database down) leaves the claim to run out.
      await db.outbox
        .updateMany({ where: { id: row.id, publishedAt: null, claimedUntil }, data: { claimedUntil: null } })
        .catch(() => undefined);
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
    // later pass, once its claim has run out (at least once; the worker skips a job already done).
    await retryTransient(
      () =>
        db.outbox.update({ where: { id: row.id }, data: { publishedAt: new Date(), claimedUntil: null } }),
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
      failures.recovered();
      if (relayed === 0) await pause(POLL_INTERVAL_MS, stopping.signal);
    } catch (err) {
      if (!running) break; // stopping (a publish cut short, or the queue lost): said by the stop
      // A database busy or unavailable is said when it starts, then every 30 s at most (it can last, and the
      // pass is retried); a publish returned unrouted was said where it failed, in one line; anything else
      // in full, with its stack, once, then counted while it fails the same way.
      if (isTransientDatabaseError(err)) outage.failed(err);
      else if (!(err instanceof UnroutedMessageError)) failures.failed(err);
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
  // Closed while the pass ends: a publish waiting for a confirm from a broker that stopped answering
  // rejects when close() gives up (its row stays unpublished), instead of holding the stop forever.
  const closed = queue.close();
  await loop;
  await closed;
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
