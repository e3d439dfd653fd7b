// The worker process: consumes job events and, in tracehop/messaging's withProcessSpan (a CONSUMER span,
// child of the context the message headers carry), splits the job's text into sentences (sentences.ts:
// Intl.Segmenter, plus rules for wrapped lines and English abbreviations), stores them a chunk at a time
// (storeSentences) and marks the job done.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { withProcessSpan } from "tracehop/messaging";
import {
  exitOnBadInput,
  exitOnSettingProblems,
  exitOnStartFailure,
  MAX_SENTENCES,
  QUEUE_NAME,
  SERVICE_NAMES,
} from "./config.js";
import { checkDatabase, databaseName, openDatabase } from "./db.js";
import { type DeadLetter, errorText, openQueue, PermanentMessageError, type QueueMessage } from "./queue.js";
import { sentencesOf } from "./sentences.js";
import { databaseErrorCode, databaseFailure, OutageLog, retryTransient } from "./transient.js";
import { onShutdownSignal, startProcessTracing } from "./tracing.js";

// Started by hand too: a bad setting is refused as `npm start` refuses it, not replaced by its default
// (the embedded queue polls every TRACEHOP_POLL_MS; the database and the broker are connected to within
// TRACEHOP_CONNECT_TIMEOUT_MS).
exitOnSettingProblems(["TRACEHOP_POLL_MS", "TRACEHOP_CONNECT_TIMEOUT_MS"]);
// So is a database that cannot be opened or is not migrated (one line, exit 2); one that fails after this
// check is retried, as a busy one is.
await checkDatabase().catch(exitOnBadInput);
const tracing = startProcessTracing(SERVICE_NAMES.worker);
const db = await openDatabase();
// A bad AMQP_URL (the login or vhost refused, not a URL) is bad input: one line saying what to fix and exit
// 2, as `npm start` answers it (queue-amqp.ts connectAmqp). A broker that cannot be reached now (nothing
// listening, reset, no answer in time) may be restarting: one line and exit 1, to be started again.
const queue = await openQueue(db).catch(exitOnStartFailure("worker"));
const tracer = trace.getTracer("tracehop-example");
const destination = queue.destination?.(QUEUE_NAME) ?? QUEUE_NAME;

/** Aborted when the worker is told to stop: retries end, and the message in hand is left to the queue. */
const stopping = new AbortController();

/**
 * Retries of a transient database failure in one step of a job (its read, its write, the mark of a
 * failure): until it has lasted five minutes, so that a short outage does not leave the job failed.
 */
const JOB_RETRY = {
  attempts: Infinity,
  maxElapsedMs: 5 * 60_000,
  signal: stopping.signal,
  onRetry: (error: unknown) => outage.failed(error),
};
/** A database outage said in a line when it starts, one every 30 s while it lasts, one when it ends. */
const outage = new OutageLog("worker: a job", databaseName());

/**
 * The job id of a message body, `{"jobId": "<id>"}` as the relay publishes it.
 * @throws PermanentMessageError (the queue dead-letters the message at once) when the body is not JSON,
 *   not a JSON object, or its `jobId` is not a non-empty string: such a message can never succeed.
 */
function jobIdOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new PermanentMessageError(`malformed message: its body is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new PermanentMessageError(`malformed message: its body is ${kind(parsed)}, not a JSON object`);
  const { jobId } = parsed as { jobId?: unknown };
  if (typeof jobId !== "string" || jobId === "")
    throw new PermanentMessageError(
      `malformed message: its jobId is ${jobId === undefined ? "missing" : kind(jobId)}, not a non-empty string`,
    );
  return jobId;
}

/** What kind of JSON value `value` is, for an error message: `a number`, `an array`, `an empty string`... */
function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === "") return "an empty string";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * A document the worker will not store, with why and what to do (its message is the job's
 * failureReason): more sentences than {@link MAX_SENTENCES}.
 */
class DocumentRefusedError extends Error {
  override readonly name = "DocumentRefusedError";
}

/**
 * Most sentences written per transaction. Prisma's createMany gets slower per row the more rows one
 * call holds (44 000 rows in one call took 20 s and 600 MB here, the event loop blocked all along) and
 * costs about the same per row from 100 to 5 000 (about 65 µs of CPU on SQLite on a 2-core VM). 1 000
 * rows of three values are 3 000 bound values, far under each database's limit on one statement
 * (SQLite 32 766, PostgreSQL and MariaDB 65 535).
 */
const SENTENCE_CHUNK = 1000;

/**
 * Most text, in UTF-16 code units, a chunk of long sentences holds before it is written anyway (and the
 * count gives the event loop a turn): one statement's size stays far under MariaDB's 16 MiB
 * max_allowed_packet, and a SIGTERM waits for no more than that much text.
 */
const CHUNK_TEXT = 256 * 1024;

/**
 * Thrown between chunks when the worker is told to stop: the job's message goes back to the queue
 * (handleMessage's catch sees `stopping` aborted), what was stored stays, and the next delivery
 * writes every chunk again. Its stack is its one line: the queue logs the error it was given back with,
 * and a stop is no fault to trace.
 */
class WorkerStoppingError extends Error {
  override readonly name = "WorkerStoppingError";
  constructor() {
    super("the worker is stopping: the job is left to be delivered again");
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Throws {@link WorkerStoppingError} once the worker was told to stop. */
function stopIfStopping(): void {
  if (stopping.signal.aborted) throw new WorkerStoppingError();
}

/**
 * The number of sentences of `text`, counted a chunk at a time with turns of the event loop in
 * between (a 5 MiB document takes seconds to segment), nothing kept.
 * @throws DocumentRefusedError as soon as the count passes {@link MAX_SENTENCES}: nothing was stored.
 * @throws WorkerStoppingError when the worker is told to stop meanwhile.
 */
async function countSentences(text: string): Promise<number> {
  let count = 0;
  let size = 0; // text since the last turn
  for (const sentence of sentencesOf(text)) {
    if (++count > MAX_SENTENCES)
      throw new DocumentRefusedError(
        `the document has more than ${MAX_SENTENCES} sentences, the limit of a job: send it as several smaller documents`,
      );
    size += sentence.length;
    if (count % SENTENCE_CHUNK === 0 || size >= CHUNK_TEXT) {
      size = 0;
      await yieldToEventLoop(); // timers (the table queue's lease renewal), signals, I/O
      stopIfStopping();
    }
  }
  return count;
}

/**
 * Stores the `count` sentences of `text` as job `id`'s rows (`index` 0 to count - 1), then marks the
 * job done; resolves to the number of chunks written.
 *
 * Each chunk of {@link SENTENCE_CHUNK} rows (fewer when they hold {@link CHUNK_TEXT} of text) is a
 * transaction of its own that replaces that range of indexes (deleteMany of the range, then
 * createMany), not one transaction for the whole job: an interactive transaction holds SQLite's one
 * write lock from its first write to its commit, so the api's POSTs and the relay would wait on it (and
 * give up: the api after 8 s) for as long as a large job is written, and Prisma ends an interactive
 * transaction after 5 s by default. A batch transaction per chunk holds the lock for one chunk
 * (milliseconds), and the event loop gets a turn between chunks (the table queue renews its lease, a
 * SIGTERM is heard and the job left after the current chunk).
 *
 * Correct under at-least-once delivery, a second worker on the job included (a lease that ran out): the
 * sentences are a function of the text, so every writer writes the same rows, and each chunk replaces
 * its range whole, atomically; no step deletes rows it does not write again in the same transaction.
 * The last transaction removes rows past `count` (none, unless written by other splitting rules) and
 * marks the job done: GET shows the job pending, its sentences counted as far as written, until every
 * chunk is stored, and done only with all of them. A job stopped or failed halfway keeps its rows until
 * a later delivery writes them again. (Two workers writing the same chunk at the same moment on a server
 * database may collide on the unique (jobId, index): the loser's delivery fails and marks the job failed
 * while pending; the other's last transaction marks it done.)
 * @throws WorkerStoppingError when the worker is told to stop between chunks; a database error that
 *   lasted through `retry`'s retries.
 */
async function storeSentences(
  id: string,
  text: string,
  count: number,
  retry: Parameters<typeof retryTransient>[1],
): Promise<number> {
  let chunk: string[] = [];
  let size = 0; // chunk's text
  let start = 0; // index of chunk[0]
  let chunks = 0;
  const write = async () => {
    const rows = chunk.map((sentence, i) => ({ jobId: id, index: start + i, text: sentence }));
    const end = start + rows.length;
    await retryTransient(
      () =>
        db.$transaction([
          db.sentence.deleteMany({ where: { jobId: id, index: { gte: start, lt: end } } }),
          db.sentence.createMany({ data: rows }),
        ]),
      retry,
    );
    chunks++;
    start = end;
    chunk = [];
    size = 0;
    await yieldToEventLoop(); // timers (the table queue's lease renewal), signals, I/O
    stopIfStopping();
  };
  for (const sentence of sentencesOf(text)) {
    chunk.push(sentence);
    size += sentence.length;
    if (chunk.length === SENTENCE_CHUNK || size >= CHUNK_TEXT) await write();
  }
  if (chunk.length > 0) await write();
  // The same text gives the same sentences: a count that differs is a bug, not a job to mark done.
  if (start !== count)
    throw new Error(`the document's sentences were counted ${count}, then stored ${start}`);
  await retryTransient(
    () =>
      db.$transaction([
        db.sentence.deleteMany({ where: { jobId: id, index: { gte: count } } }),
        db.preprocessJob.update({ where: { id }, data: { status: "done" } }),
      ]),
    retry,
  );
  return chunks;
}

async function handleMessage(message: QueueMessage): Promise<void> {
  /** The message's job, once its body was read. */
  let jobId: string | undefined;
  /** Set when the worker was told to stop mid-job: thrown once the process span has ended. */
  let stopped: WorkerStoppingError | undefined;
  await withProcessSpan(
    message.headers,
    { system: queue.system, destination, messageId: message.id },
    async (span) => {
      try {
        jobId = jobIdOf(message.body);
        span.setAttribute("preprocess.job.id", jobId);
        // Transient failures (the SQLite file locked by another process) are tried again, each retry an
        // event on this span; the job is marked failed only when they persist or for any other error.
        const retry = {
          ...JOB_RETRY,
          onRetry: (error: unknown, attempt: number) => {
            outage.failed(error);
            span.addEvent("retry", { attempt, "error.type": databaseErrorCode(error) });
          },
        };
        const id = jobId;
        const job = await retryTransient(() => db.preprocessJob.findUnique({ where: { id } }), retry);
        // No such job (a message published for another database, or a job deleted since): no retry can find
        // it, and there is no job to mark failed.
        if (!job)
          throw new PermanentMessageError(
            `unknown job: no job has the id ${JSON.stringify(jobId)} in this database (published for another database, or deleted)`,
          );
        // The outbox relay delivers at least once: a second message for a finished job changes nothing.
        if (job.status !== "pending") {
          span.setAttribute("preprocess.job.redelivered", true);
          return;
        }
        const count = await tracer.startActiveSpan("sentences.split", async (split) => {
          try {
            const n = await countSentences(job.text);
            split.setAttribute("preprocess.sentence.count", n);
            return n;
          } finally {
            split.end();
          }
        });
        await tracer.startActiveSpan("sentences.store", async (store) => {
          try {
            store.setAttribute("preprocess.sentence.count", count);
            store.setAttribute(
              "preprocess.sentence.chunks",
              await storeSentences(id, job.text, count, retry),
            );
          } finally {
            store.end();
          }
        });
        outage.recovered();
      } catch (err) {
        if (!(err instanceof WorkerStoppingError)) throw err;
        // A stop is no fault of the job: the span ends with its status unset and an event saying the
        // message goes back to the queue, not as an ERROR span in the job's trace.
        span.addEvent("worker.stopping", { "preprocess.job.left": true });
        stopped = err;
      }
    },
  )
    .then(() => {
      if (stopped) throw stopped; // not acknowledged: the queue gives the message back (the catch below)
    })
    .catch(async (err: unknown) => {
      // Stopping in the middle of a job (its retries cut short): not acknowledged, so the queue gives it
      // back at once, that delivery not counted, for the next worker.
      if (stopping.signal.aborted) {
        console.error(`worker: stopping; ${message.label} is left to be delivered again`);
        throw err;
      }
      // A malformed message or an unknown job (no job to mark): the queue dead-letters it at once and logs
      // it in one line.
      if (err instanceof PermanentMessageError) throw err;
      // A document over a limit: the job is marked failed with the limit and what to do, said in one line.
      const refused = err instanceof DocumentRefusedError;
      // The span already recorded the error; the job is marked failed so its client sees it.
      // A database that stayed unavailable through the retries in one line (the outage was said as it went);
      // anything else in full, with its stack.
      const failure = databaseFailure(err);
      if (refused) console.error(`worker: job ${jobId} failed: ${err.message}`);
      else if (failure !== undefined)
        console.error(
          `worker: job ${jobId} failed: the database stayed ${failure.state} through its retries (${failure.code}: ${failure.meaning})`,
        );
      else console.error("worker: job failed", err);
      // Only a pending job: a redelivered message that fails must not undo a job already done.
      if (jobId !== undefined)
        await retryTransient(
          () =>
            db.preprocessJob.updateMany({
              where: { id: jobId, status: "pending" },
              data: {
                status: "failed",
                failureReason: refused ? err.message : `processing failed: ${errorText(err)}`,
              },
            }),
          JOB_RETRY,
        ).catch((markError: unknown) => {
          // Not acknowledged either: the message comes back (after the queue's backoff, up to its
          // maxAttempts, then to its dead-letter queue) instead of leaving the job pending for good.
          console.error(
            `worker: job ${jobId} could not be marked failed; its message is left to be delivered again`,
          );
          throw markError;
        });
    });
}

/**
 * A message the queue gave up on (moved to its dead-letter queue: its handler failed on each allowed
 * delivery, or its consumer died with it on the last one, as a job that kills the worker would): its job, if
 * not done, is marked failed with why, so that its client's poll ends (GET shows the reason). The
 * dead-lettering is recorded in the message's trace: a process span (child of its headers' context) with a
 * `dead-lettered` event and an error status, the reason in both.
 */
async function giveUp(letter: DeadLetter): Promise<void> {
  let jobId: string;
  try {
    jobId = jobIdOf(letter.body);
  } catch {
    return; // a malformed message: no job to mark (its line was said by the queue)
  }
  const reason = `given up after ${letter.deliveryCount} ${letter.deliveryCount === 1 ? "delivery" : "deliveries"}: ${letter.reason}`;
  await withProcessSpan(
    letter.headers,
    { system: queue.system, destination, messageId: letter.id },
    async (span) => {
      span.setAttribute("preprocess.job.id", jobId);
      span.addEvent("dead-lettered", {
        "preprocess.delivery.count": letter.deliveryCount,
        "error.message": letter.reason,
      });
      span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
      const marked = await retryTransient(
        () =>
          db.preprocessJob.updateMany({
            where: { id: jobId, status: { not: "done" } },
            data: { status: "failed", failureReason: reason },
          }),
        JOB_RETRY,
      );
      if (marked.count === 1) console.error(`worker: job ${jobId} marked failed: ${reason}`);
    },
  );
}

try {
  await queue.consume(QUEUE_NAME, handleMessage, { onDeadLetter: giveUp });
} catch (err) {
  // The broker refused the queue or the consumer (a queue declared elsewhere with other arguments).
  console.error(`tracehop preprocess: worker: cannot consume ${destination}: ${(err as Error).message}`);
  process.exit(1);
}
// The queue's full name (RabbitMQ: `<TRACEHOP_QUEUE>.<the database's tag>`), as the relay says its own.
console.log(`worker consuming ${queue.system} queue ${destination} READY`);

const shutdown = onShutdownSignal(async () => {
  stopping.abort();
  await queue.close();
  await db.$disconnect();
  await tracing.shutdown();
});
// A lost broker connection or channel (RabbitMQ restarted, a channel error): nothing more can be
// consumed, and the message in hand, if any, is already back in the queue. The worker says so in one
// line (naming the message in hand only when there is one: its handler running, or the queue moving it
// to a retry or dead-letter queue when the channel went) and exits 1 once its handler has stopped
// (spans flushed), to be started again by whoever runs it.
void queue.lost?.then((error) => {
  const held = error.inHand.length > 0 ? ` (${error.inHand.join(", ")} in hand, delivered again)` : "";
  console.error(
    `tracehop preprocess: worker: ${error.message}; exiting with code 1 to be started again${held}`,
  );
  shutdown(1);
});
