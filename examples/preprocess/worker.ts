// The worker process: consumes job events and, in tracehop/messaging's withProcessSpan (a CONSUMER span,
// child of the context the message headers carry), splits the job's text into sentences (sentences.ts:
// Intl.Segmenter, plus rules for wrapped lines and English abbreviations), stores them a chunk at a time
// and marks the job done (job-sentences.ts splitJob, storeSentences).
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { withProcessSpan } from "tracehop/messaging";
import {
  exitOnBadInput,
  exitOnSettingProblems,
  exitOnStartFailure,
  QUEUE_NAME,
  QUEUE_PROCESS_SETTINGS,
  quotedText,
  SERVICE_NAMES,
  say,
} from "./config.js";
import { checkDatabase, databaseName, openDatabase } from "./db.js";
import {
  type DeadLetter,
  errorText,
  openQueue,
  PermanentMessageError,
  QueueLostError,
  type QueueMessage,
  QueueRefusedError,
} from "./queue.js";
import {
  DocumentRefusedError,
  dropRowsIfFailed,
  markJobFailed,
  splitJob,
  storeSentences,
} from "./job-sentences.js";
import { databaseErrorCode, databaseFailure, OutageLog, retryTransient } from "./transient.js";
import { onShutdownSignal, startProcessTracing, stopOnSignalWhileStarting } from "./tracing.js";

// A signal while starting ends the process at once, saying so (tracing.ts).
stopOnSignalWhileStarting("worker");
// Started by hand too: a bad setting is refused as `npm start` refuses it, not replaced by its default.
exitOnSettingProblems(QUEUE_PROCESS_SETTINGS);
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
 * Each step that succeeds ends the outage log's outage: not the job's end, which a large job reaches
 * after many chunks, so that two busy failures seconds apart, each over at its retry, were said as one
 * outage that long ("busy for 12 s", then "answers again").
 */
const JOB_RETRY = {
  attempts: Infinity,
  maxElapsedMs: 5 * 60_000,
  signal: stopping.signal,
  onRetry: (error: unknown) => outage.failed(error),
  onSuccess: () => outage.recovered(),
};
/** A database outage said in a line when it starts, one every 30 s while it lasts, one when it ends. */
const outage = new OutageLog("a job", databaseName(), say);

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
 * Thrown between chunks when the worker is told to stop: the job's message goes back to the queue
 * (handleMessage's catch sees `stopping` aborted), what was stored stays, and the next delivery
 * writes every chunk again. Its stack is its one line, and a stop is no fault to trace: the queue's
 * line of the give-back quotes its message.
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

/** Between two chunks of a job (job-sentences.ts Between): a turn of the event loop, then the stop check. */
async function betweenChunks(): Promise<void> {
  await yieldToEventLoop(); // timers (the table queue's lease renewal), signals, I/O
  stopIfStopping();
}

async function handleMessage(message: QueueMessage): Promise<void> {
  /** The message's job, once its body was read. */
  let jobId: string | undefined;
  /** Set when the worker was told to stop mid-job: thrown once the process span has ended. */
  let stopped: WorkerStoppingError | undefined;
  // A delivery after one that ended without an acknowledgement (a failure, a worker that died with it).
  if (message.deliveryCount > 1) say(`${message.label} delivered again (delivery ${message.deliveryCount})`);
  await withProcessSpan(
    message.headers,
    // The delivery as `tracehop.attempt` on the span, so that a trace shows which try this is.
    { system: queue.system, destination, messageId: message.id, attempt: message.deliveryCount },
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
            `unknown job: no job has the id ${quotedText(jobId)} in this database (published for another database, or deleted)`,
          );
        // The outbox relay delivers at least once: a second message for a finished job changes nothing,
        // but for the rows of a failed job that a writer left when it crashed after another party's mark.
        if (job.status !== "pending") {
          span.setAttribute("preprocess.job.redelivered", true);
          if (job.status === "failed") await dropRowsIfFailed(db, id, retry);
          return;
        }
        const sentences = await tracer.startActiveSpan("sentences.split", async (split) => {
          try {
            const all = await splitJob(job.text, betweenChunks);
            split.setAttribute("preprocess.sentence.count", all.length);
            return all;
          } finally {
            split.end();
          }
        });
        await tracer.startActiveSpan("sentences.store", async (store) => {
          try {
            store.setAttribute("preprocess.sentence.count", sentences.length);
            // A chunk written again after it collided with another worker's on the same job: an event too.
            const onCollision = (error: unknown, attempt: number) =>
              span.addEvent("retry", { attempt, "error.type": databaseErrorCode(error) });
            store.setAttribute(
              "preprocess.sentence.chunks",
              await storeSentences(db, id, sentences, { retry, between: betweenChunks, onCollision }),
            );
          } finally {
            store.end();
          }
        });
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
      // back at once, that delivery not counted, for the next worker, and says so in one line (`closing:
      // message N given back uncounted`; a line here too said the stop twice).
      if (stopping.signal.aborted) throw err;
      // A malformed message or an unknown job (no job to mark): the queue dead-letters it at once and logs
      // it in one line.
      if (err instanceof PermanentMessageError) throw err;
      // A document over a limit: the job is marked failed with the limit and what to do, said in one line.
      const refused = err instanceof DocumentRefusedError;
      // The span already recorded the error; the job is marked failed so its client sees it.
      // A database that stayed unavailable through the retries in one line (the outage was said as it went);
      // a refused document once marked, by the worker that marks it (a message delivered twice reaches two
      // workers); anything else in full, with its stack.
      // (A chunk that collided with another writer on each of its attempts, by a deadlock too, is no outage:
      // job-sentences.ts ChunkCollisionError; a deadlock anywhere else that outlasted the retries is.)
      const failure = databaseFailure(err);
      if (failure !== undefined)
        say(
          `job ${jobId} failed: the database stayed ${failure.state} through its retries (${failure.code}: ${failure.meaning})`,
        );
      else if (!refused) say("job failed", err);
      // Only a pending job: a redelivered message that fails must not undo a job already done. The chunks
      // it stored go with the mark (the job is not delivered again).
      if (jobId !== undefined)
        await markJobFailed(
          db,
          jobId,
          refused ? err.message : `processing failed: ${errorText(err)}`,
          "pending",
          JOB_RETRY,
        ).then(
          (marked) => {
            if (marked && refused) say(`job ${jobId} failed: ${err.message}`);
          },
          (markError: unknown) => {
            // Not acknowledged either: the message comes back (after the queue's backoff, up to its
            // maxAttempts, then to its dead-letter queue) instead of leaving the job pending for good.
            say(`job ${jobId} could not be marked failed; its message is left to be delivered again`);
            throw markError;
          },
        );
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
      // Its stored chunks go with the mark, as a failed delivery's do.
      if (await markJobFailed(db, jobId, reason, "not done", JOB_RETRY))
        say(`job ${jobId} marked failed: ${reason}`);
    },
  );
}

/**
 * Why consuming could not begin, when it could not: the queue lost or refused meanwhile (ended as every loss
 * is, below), or anything else (ended below too). The worker is not READY then.
 */
let failedAtStart: unknown;
try {
  await queue.consume(QUEUE_NAME, handleMessage, { onDeadLetter: giveUp });
} catch (err) {
  failedAtStart = err;
}
// The queue's full name (RabbitMQ: `<TRACEHOP_QUEUE>.<the database's tag>`), as the relay says its own.
if (failedAtStart === undefined) console.log(`worker consuming ${queue.system} queue ${destination} READY`);

const shutdown = onShutdownSignal(async () => {
  stopping.abort();
  await queue.close();
  await db.$disconnect();
  await tracing.shutdown();
});
// A lost broker connection or channel (RabbitMQ restarted, a channel error): nothing more can be
// consumed, and the message in hand, if any, is already back in the queue. The worker stops (its handler
// cut short, spans flushed) and exits 1, to be started again by whoever runs it, saying so in its last line
// (tracing.ts onShutdownSignal), after every line of its stop: why, and the message in hand only when there
// is one (its handler running, or the queue moving it to a retry or dead-letter queue when the channel went).
// Its queue refused by the broker (declared elsewhere with other arguments, not permitted: QueueRefusedError),
// at start or when a retry or dead-letter queue is declared: ended the same way, but exit 2, the line saying
// what to fix: started again as it is, it would be refused again.
void queue.lost?.then((error) => {
  const held = error.inHand.length > 0 ? ` (${error.inHand.join(", ")} in hand, delivered again)` : "";
  shutdown(error instanceof QueueRefusedError ? 2 : 1, { why: error.message, after: held });
});
// Consuming could not begin for another reason than the queue's loss (which the line above ends it on, the
// loss of its connection a QueueLostError, a refusal a QueueRefusedError): stopped all the same, spans
// flushed, exit 1, said in its last line.
if (
  failedAtStart !== undefined &&
  !(failedAtStart instanceof QueueLostError) &&
  !(failedAtStart instanceof QueueRefusedError)
)
  shutdown(1, { why: `cannot consume ${destination}: ${errorText(failedAtStart)}` });
