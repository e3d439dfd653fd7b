// The relay process: polls unpublished Outbox rows and publishes each row's event with
// tracehop/messaging's withSendSpan: a PRODUCER span, child of the row's stored carrier (the api's
// context), whose own context travels as the message headers (the default relay forwarding, as
// Debezium's outbox router does); then marks the row published.
// Several relays can run on one database: each claims a batch of rows in one write (Outbox.claimedUntil
// and claimedBy, its pass's token) before it publishes them, and skips a row another relay holds, so that
// a row is published once, not once per relay.
import { randomUUID } from "node:crypto";
import { withSendSpan } from "tracehop/messaging";
import {
  exitOnBadInput,
  exitOnStartFailure,
  exitOnSettingProblems,
  formatDuration,
  pause,
  POLL_INTERVAL_MS,
  QUEUE_NAME,
  QUEUE_PROCESS_SETTINGS,
  SERVICE_NAMES,
  say,
} from "./config.js";
import { checkDatabase, databaseName, openDatabase } from "./db.js";
import {
  errorText,
  MessageRefusedError,
  openQueue,
  QueueRefusedError,
  UnroutedMessageError,
} from "./queue.js";
import { isTransientDatabaseError, OutageLog, RepeatedFailureLog, retryTransient } from "./transient.js";
import { onShutdownSignal, startProcessTracing, stopOnSignalWhileStarting } from "./tracing.js";
import { SET_ASIDE_CLAIM } from "./set-aside.js";

// A signal while starting ends the process at once, saying so (tracing.ts).
stopOnSignalWhileStarting("relay");
// Started by hand too: a bad setting is refused as `npm start` refuses it, not replaced by its default.
exitOnSettingProblems(QUEUE_PROCESS_SETTINGS);
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
 * after that); cut short when the relay stops (a row whose publish was cut short is released at once with
 * the rest of its batch, one published but not marked is published again once its claim runs out: at
 * least once).
 */
const RELAY_RETRY = {
  attempts: Infinity,
  maxElapsedMs: 30_000,
  signal: stopping.signal,
  onRetry: (error: unknown) => outage.failed(error),
};
/** A database outage said in a line when it starts, one every 30 s while it lasts, one when it ends. */
const outage = new OutageLog("a pass", databaseName(), say);
/** A pass failure that is no outage (a table gone, a bug): in full once, not at every pass. */
const failures = new RepeatedFailureLog("a pass", errorText, say);
/** How long the relay waits after a failed pass before the next, in milliseconds. */
const RETRY_PASS_MS = POLL_INTERVAL_MS * 10;
/**
 * How long a relay holds the outbox rows of a batch it is publishing (Outbox.claimedUntil), in
 * milliseconds: the other relays on the database skip the rows meanwhile. Three minutes: more than the
 * longest the relay can hold a row of a batch before it is done with it, with 50 s to spare, so that no
 * second relay takes a row still being sent: the last row of a batch is started up to BATCH_MS (10 s) into
 * the claim; its publish's retries start no new attempt after RELAY_RETRY.maxElapsedMs (30 s), and the
 * attempt under way then ends within QUERY_TIMEOUT_MS (30 s, a database statement's bound: the table
 * queue's insert), and its mark's the same: 130 s in all. (Two minutes, before, counted the retries'
 * windows only.) On RabbitMQ a publish waits for its confirm with no bound of its own but the connection's
 * loss: a broker that stops answering may hold a row longer, and a second relay then sends it too (at
 * least once). Short enough that a row held by a relay that died is sent by another within minutes (at
 * least once). The relays' clocks are taken to agree to well within it (each writes and compares claims
 * by its own).
 */
const CLAIM_MS = 3 * 60_000;

/**
 * Outbox rows a relay claims in one pass, in one write: the oldest unclaimed rows it read. Ten: the claim's
 * write is shared by ten rows (a tenth of a write each; fifty would save eight hundredths more), while a
 * burst is still shared by the relays on the database: the rows after a relay's ten stay free for the
 * next relay's pass meanwhile (before batches, each row was claimed just before its publish, so a row
 * further down stayed free for another relay until then), and a relay holds no more rows than it sends in
 * a moment.
 */
const BATCH_ROWS = 10;
/**
 * How long into its claim a relay still starts publishing the next row of its batch, in milliseconds. A
 * batch of publishes that answer in milliseconds ends far sooner; one that gets here is meeting retries
 * (an outage), and its rows not started yet are released to the next pass. So the last row a relay starts
 * still ends (its publish's and its mark's retries and their last attempts: two minutes at most) within
 * CLAIM_MS, as the first row does.
 */
const BATCH_MS = 10_000;

/**
 * How long an outbox row whose message the broker refused (MessageRefusedError: larger than RabbitMQ's
 * max_message_size), on a fresh channel too (publish), is set aside, in milliseconds: its claim held that
 * long (Outbox.claimedUntil), no relay takes it meanwhile, and it is sent again then (on a fresh channel
 * again if the relay's channel, opened before the setting was raised, refuses it). An hour: the broker's setting or the row is changed by
 * hand, seldom within minutes; the row is tried again without anyone resetting it (a claim left to run
 * out), and a row still refused costs one line and one refused publish an hour. Set claimedUntil to null
 * to send it at once.
 */
const SET_ASIDE_MS = 60 * 60_000;

/** Outbox rows no relay holds: never claimed, released, or their claim ran out before `now`. */
const unclaimed = (now: Date) => ({ OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] });

type OutboxRow = Awaited<ReturnType<typeof db.outbox.findMany>>[number];

async function relayOnce(): Promise<number> {
  // Still on the (publishedAt, createdAt) index: the claim is checked on the rows it yields.
  const rows = await db.outbox.findMany({
    where: { publishedAt: null, ...unclaimed(new Date()) },
    orderBy: { createdAt: "asc" },
    take: BATCH_ROWS,
  });
  if (rows.length === 0) return 0;
  // The rows read are claimed in one conditional write, each row only where still unpublished and
  // unclaimed, so that only one relay sends a row; the rows this relay won are those that hold its claim's
  // token (Outbox.claimedBy: new at each pass). A claim is not told by its claimedUntil: two relays racing
  // on a row compute the same millisecond often enough. The token also recognises the rows of a claim
  // retried because its first answer was lost (that attempt may have claimed them: the retry then matches
  // none of them, and they are read back by token).
  const claimedBy = randomUUID();
  const claimedAt = Date.now();
  const claimedUntil = new Date(claimedAt + CLAIM_MS);
  const ids = rows.map((row) => row.id);
  const destination = queue.destination?.(QUEUE_NAME) ?? QUEUE_NAME;
  // The rows of the batch not sent yet: when the pass ends before them (a publish failed, the relay is
  // stopping, the batch is past BATCH_MS, a mark or the claim failed), their claim is released in one
  // write, so that the next pass of any relay sends them at once rather than once the claim has run out.
  // Only this pass's own claims (its token), on rows still unpublished. A release that fails (the
  // database down) leaves the claims to run out: the rows are sent then (at least once).
  const unsent = new Set(ids);
  try {
    const claimed = await retryTransient(
      () =>
        db.outbox.updateMany({
          where: { id: { in: ids }, publishedAt: null, ...unclaimed(new Date()) },
          data: { claimedUntil, claimedBy },
        }),
      RELAY_RETRY,
    );
    // Every row matched: all of them are this relay's, no read needed. Fewer: another relay claimed or
    // published the others since the read (or a lost answer hides some of this relay's).
    if (claimed.count !== rows.length) {
      const mine = await retryTransient(
        () => db.outbox.findMany({ where: { id: { in: ids }, claimedBy }, select: { id: true } }),
        RELAY_RETRY,
      );
      const won = new Set(mine.map((row) => row.id));
      for (const id of ids) if (!won.has(id)) unsent.delete(id);
    }
    for (const row of rows) {
      if (!unsent.has(row.id)) continue;
      if (!running || Date.now() - claimedAt > BATCH_MS) break;
      try {
        await publish(row, destination);
      } catch (error) {
        if (!(error instanceof MessageRefusedError)) throw error;
        // Refused for itself (its size): sent again as it is, it would be refused again, and the rows
        // behind it would wait; so it is set aside, and the batch goes on.
        unsent.delete(row.id);
        await setAside(row, claimedBy, error);
        continue;
      }
      unsent.delete(row.id);
      // Marked published only after the publish, one row at a time: a failure between the two publishes
      // that one row again on a later pass, once its claim has run out (at least once; the worker skips a
      // job already done). A mark per batch would save a write per row but send again every row of the
      // batch published before such a failure.
      await retryTransient(
        () =>
          db.outbox.update({
            where: { id: row.id },
            data: { publishedAt: new Date(), claimedUntil: null, claimedBy: null },
          }),
        RELAY_RETRY,
      );
    }
  } finally {
    if (unsent.size > 0)
      await db.outbox
        .updateMany({
          where: { id: { in: [...unsent] }, claimedBy, publishedAt: null },
          data: { claimedUntil: null, claimedBy: null },
        })
        .catch(() => undefined);
  }
  return rows.length;
}

/**
 * Sets aside outbox row `row`, held by this pass's claim `claimedBy`, whose message the broker refused for
 * itself (`refused`: larger than its max_message_size), on a fresh channel too ({@link publish}): its claim is held for SET_ASIDE_MS more, Outbox.claimedBy
 * saying why (`unpublishable: <the broker's reason>: <what to change>`), so that no relay takes it meanwhile
 * (a restart included) and the rows behind it are sent; it is sent again once the claim has run out. Said in
 * one line naming the row, the broker's reason and what to change. A database failure that outlasts the
 * retries is said in that line too, not thrown: the row's claim then runs out within CLAIM_MS, and it is sent
 * again.
 */
async function setAside(row: OutboxRow, claimedBy: string, refused: MessageRefusedError): Promise<void> {
  const until = new Date(Date.now() + SET_ASIDE_MS);
  const refusal = `outbox row ${row.id}: the broker refused its message to ${refused.queue} (${refused.reason}), on a fresh channel too: ${refused.fix}`;
  try {
    await retryTransient(
      () =>
        db.outbox.updateMany({
          where: { id: row.id, claimedBy, publishedAt: null },
          data: { claimedUntil: until, claimedBy: `${SET_ASIDE_CLAIM}${refused.reason}: ${refused.fix}` },
        }),
      RELAY_RETRY,
    );
  } catch (error) {
    say(
      `${refusal}; the row could not be set aside (${errorText(error)}): it is sent again once its claim runs ` +
        `out, within ${formatDuration(CLAIM_MS)}; the other rows go on`,
    );
    return;
  }
  say(
    `${refusal}; the row is set aside until ${until.toISOString()} (Outbox.claimedBy says why), then sent ` +
      `again; the other rows go on`,
  );
}

/**
 * Publishes outbox row `row`'s event to the queue (`destination`: its full name) under a PRODUCER span;
 * rejects when the publish failed (after its retries), having said in one line a publish returned unrouted;
 * with a MessageRefusedError when the broker refused the message itself (its size) twice: on the channel it
 * was sent on, then on the fresh channel the queue opens after a refusal, which reads the broker's
 * max_message_size as it is now (a channel reads it when it opens: one opened before an operator raised it
 * still refuses), for the caller to set the row aside. Taken on the fresh channel, it is published, said
 * nothing.
 */
async function publish(row: OutboxRow, destination: string): Promise<void> {
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
      routingKey: queue.system === "rabbitmq" ? destination : undefined,
    },
    // A publish that failed transiently (the table queue's insert found the file locked) stored
    // nothing: it is sent again.
    async (headers) => {
      const send = () => retryTransient(() => queue.publish(QUEUE_NAME, body, headers), RELAY_RETRY);
      try {
        await send();
      } catch (error) {
        if (!(error instanceof MessageRefusedError)) throw error;
        // RabbitMQ reads max_message_size when a channel opens: a channel opened before an operator raised
        // it refuses all the same. The queue has opened a new channel since the refusal, which reads the
        // setting now: the message is sent once more on it; refused there too, the caller sets the row
        // aside.
        await send();
      }
    },
  ).catch((error: unknown) => {
    // Returned unrouted (RabbitMQ: the queue was deleted): nothing is lost, so one line, no stack; the
    // pass ends (the row's claim released), and the next one declares the queue again and sends the row
    // again.
    if (error instanceof UnroutedMessageError)
      say(
        `outbox row ${row.id}: the broker returned its message to ${error.queue} unrouted: the queue ` +
          `does not exist (deleted while the relay ran?); nothing was delivered: the row stays unpublished ` +
          `and is sent again in ${formatDuration(RETRY_PASS_MS)}, to the queue declared again`,
      );
    throw error;
  });
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
// The relay stops (spans flushed) and exits 1, to be started again by whoever runs it, saying why in its
// last line, after every line of its stop (tracing.ts onShutdownSignal); a row not marked published yet is
// published by the next relay. Its queue refused by the broker when a publish declared it (declared
// elsewhere with other arguments, not permitted: QueueRefusedError): ended the same way, but exit 2, the
// line saying what to fix: started again as it is, it would be refused again.
void queue.lost?.then((error) => {
  if (error instanceof QueueRefusedError)
    shutdown(2, { why: error.message, after: " (the rows not yet published stay in the outbox)" });
  else shutdown(1, { why: error.message, after: " (the rows not yet published are published then)" });
});
