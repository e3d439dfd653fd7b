// The worker's work on one job (worker.ts handleMessage): the split of its text into sentences, their
// store a chunk at a time, and the mark of a failed job. Apart from worker.ts, which starts a process when
// imported, so that tests run each step on a database of their own.
import { counted, MAX_SENTENCES, say } from "./config.js";
import { type Database, databaseKindOf } from "./db.js";
import { errorText } from "./queue.js";
import { sentencesOf } from "./sentences.js";
import {
  adapterCause,
  databaseErrorCode,
  isDeadlockOrWriteConflict,
  retryTransient,
  type RetryOptions,
} from "./transient.js";

/**
 * A document the worker will not store, with why and what to do (its message is the job's
 * failureReason): more sentences than {@link MAX_SENTENCES}.
 */
export class DocumentRefusedError extends Error {
  override readonly name = "DocumentRefusedError";
}

/**
 * Most sentences written per transaction. Prisma's createMany gets slower per row the more rows one
 * call holds (44 000 rows in one call took 20 s and 600 MB here, the event loop blocked all along) and
 * costs about the same per row from 100 to 5 000 (about 65 µs of CPU on SQLite on a 2-core VM). 1 000
 * rows of three values are 3 000 bound values, far under each database's limit on one statement
 * (SQLite 32 766, PostgreSQL and MariaDB 65 535).
 */
export const SENTENCE_CHUNK = 1000;

/**
 * Most text, in UTF-16 code units, a chunk of long sentences holds before it is written anyway (and the
 * split gives the event loop a turn): one statement's size stays far under MariaDB's 16 MiB
 * max_allowed_packet, and a SIGTERM waits for no more than that much text.
 */
export const CHUNK_TEXT = 256 * 1024;

/**
 * Called between chunks, of the split and of the store: gives the event loop a turn (the table queue's
 * lease renewal, signals, I/O) and throws to stop the job there (the worker's WorkerStoppingError).
 */
export type Between = () => Promise<void>;

/**
 * The sentences of `text` (sentences.ts sentencesOf), in order, split a chunk at a time with
 * `between` called after each (a 5 MiB document takes seconds to segment).
 * @throws DocumentRefusedError as soon as there are more than `limit` (default {@link MAX_SENTENCES}):
 *   nothing was stored. Whatever `between` throws.
 */
export async function splitJob(text: string, between: Between, limit = MAX_SENTENCES): Promise<string[]> {
  const sentences: string[] = [];
  let size = 0; // text since the last turn
  for (const sentence of sentencesOf(text)) {
    if (sentences.length === limit)
      throw new DocumentRefusedError(
        `the document has more than ${counted(limit, "sentence")}, the limit of a job: send it as several smaller documents`,
      );
    sentences.push(sentence);
    size += sentence.length;
    if (sentences.length % SENTENCE_CHUNK === 0 || size >= CHUNK_TEXT) {
      size = 0;
      await between();
    }
  }
  return sentences;
}

/** Options of {@link storeSentences}. */
export interface StoreOptions {
  /** Retries of a transient database failure of each transaction (transient.ts retryTransient). */
  retry: RetryOptions;
  /** Called after each chunk's transaction but the last ({@link Between}). */
  between: Between;
  /**
   * Called before a chunk's transaction is tried again after a collision ({@link isCollision}), with the
   * error and the attempt that comes next (2, 3, ...).
   */
  onCollision?: (error: unknown, nextAttempt: number) => void;
}

/**
 * Attempts in all of one chunk's transaction that collides with another writer of the same job
 * ({@link isCollision}), the first included.
 */
export const COLLISION_ATTEMPTS = 3;

/**
 * {@link COLLISION_ATTEMPTS} of a chunk on a MySQL/MariaDB client that was refused READ COMMITTED (a
 * STATEMENT binary log: {@link storeSentences}), whose chunks run at InnoDB's REPEATABLE READ: there
 * writers of different jobs whose ranges share a gap of the index deadlock too, and a chunk can lose
 * several times in a row to the others' next chunks. Measured on MariaDB 10.11 with a STATEMENT binary
 * log, two runs each (writers of jobs with adjacent ids, 2 001 sentences each, three chunks written back to
 * back, all started together): 2 writers, 100 rounds, 600 chunks: 130 and 121 chunks collided, 9 and 14 of
 * them twice or more, 1 and 3 three times or more; 4 writers, 40 rounds, 480 chunks: 148 and 141 collided,
 * 56 and 53 twice or more, 25 and 24 three times or more, 5 and 4 four times or more. At 3 attempts each
 * chunk that collided three times fails its job (1 store of 80 failed in a shorter run of 2 writers); at
 * this many none did, and none needed more than 6.
 */
export const COLLISION_ATTEMPTS_AT_DEFAULT_LEVEL = 10;

/**
 * Whether `error`, a failure of one chunk's transaction in {@link storeSentences}, is a collision with
 * another party on the same job: a duplicate key on the unique (jobId, index) (Prisma P2002), or a
 * deadlock or a write conflict (transient.ts isDeadlockOrWriteConflict: P2034, MySQL/MariaDB 1213,
 * PostgreSQL 40P01, 40001). The chunk's transaction locks only keys of its own job ({@link storeSentences}
 * says why, the MySQL/MariaDB isolation level included), and the relay and the api write no Sentence
 * row, so a deadlock there is always with a writer of the same job (a second delivery) or the mark of it
 * failed; not a busy database. (On a MySQL/MariaDB server that refuses READ COMMITTED, at REPEATABLE READ,
 * also with a writer of another job whose range shares a gap of the index: another writer all the same.)
 * A deadlock anywhere else (the removal of a failed job's rows, the queue, the relay) stays a transient
 * failure, retried and logged as one.
 */
export function isCollision(error: unknown): boolean {
  return databaseErrorCode(error) === "P2002" || isDeadlockOrWriteConflict(error);
}

/**
 * A chunk of a job's sentences that collided with another writer of the job ({@link isCollision}) on each of
 * its attempts ({@link COLLISION_ATTEMPTS}, more at the server's default level): thrown by
 * {@link storeSentences}, the last collision in `collision`. No outage of the database, even when that
 * collision is a deadlock, which anywhere else is one: the collision is not its `cause`, so that
 * transient.ts databaseFailure, which follows causes, finds no database failure in it (the worker says it
 * in full, not as a database that stayed busy, and nothing retries it as transient).
 */
export class ChunkCollisionError extends Error {
  override readonly name = "ChunkCollisionError";
  /**
   * @param first the chunk's first index; `end` the index after its last (`first` for a job of no
   *   sentence, whose one transaction is the mark).
   * @param attempts the attempts it was given ({@link COLLISION_ATTEMPTS}, or
   *   {@link COLLISION_ATTEMPTS_AT_DEFAULT_LEVEL}).
   * @param collision the last attempt's failure (Prisma P2002, P2034, a driver's deadlock).
   */
  constructor(
    readonly first: number,
    readonly end: number,
    attempts: number,
    readonly collision: unknown,
  ) {
    const what = end > first ? `the sentences ${first} to ${end - 1}` : "the job's done mark";
    super(
      `${what} collided with another writer of the job on ${attempts === 1 ? "its one attempt" : `each of ${attempts} attempts`}; the last: ${errorText(collision)}`,
    );
  }
}

/**
 * The clients ({@link storeSentences}' `db`) on which a chunk's transaction was refused READ COMMITTED
 * (error 1665, {@link refusesReadCommitted}): their chunks run at the server's default level from then on.
 */
const readCommittedRefused = new WeakSet<Database>();

/**
 * The isolation level of a chunk's transaction on `db` ({@link storeSentences}): READ COMMITTED on
 * MySQL/MariaDB, where InnoDB's default REPEATABLE READ takes gap locks, unless the server refused it to
 * this client before ({@link readCommittedRefused}); the database's default elsewhere (PostgreSQL's is READ
 * COMMITTED already; SQLite's transactions are serializable, the only level Prisma takes there).
 */
function chunkIsolation(db: Database): TransactionOptions {
  // A level of the MySQL client's, which the type of db.ts Database (the SQLite client's) does not list.
  return databaseKindOf(db) === "mysql" && !readCommittedRefused.has(db)
    ? ({ isolationLevel: "ReadCommitted" } as unknown as TransactionOptions)
    : undefined;
}

/**
 * Whether `error` is MySQL/MariaDB's error 1665 (ER_BINLOG_STMT_MODE_AND_ROW_ENGINE): the server's binary
 * log is in the STATEMENT format, which cannot log a write to an InnoDB table at READ COMMITTED. Prisma
 * passes it on as P2039 with the driver adapter's error in `meta.driverAdapterError.cause` (`kind`
 * `mysql`, `code` 1665, `state` HY000).
 */
function refusesReadCommitted(error: unknown): boolean {
  const cause = typeof error === "object" && error !== null ? adapterCause(error) : undefined;
  return cause?.kind === "mysql" && cause.code === 1665;
}

/**
 * What the worker says, once per client, when the server refused READ COMMITTED ({@link storeSentences}):
 * why, what it does instead, and what to change for READ COMMITTED.
 */
const READ_COMMITTED_REFUSED =
  "this MySQL/MariaDB server's binary log is in the STATEMENT format, which refuses writes at READ " +
  "COMMITTED (error 1665): the sentences are written at the server's default isolation level instead, " +
  "where writers of different jobs deadlock more often (each a collision, written again); set " +
  "binlog_format=ROW or MIXED, then restart the worker, to write at READ COMMITTED";

/** The options of a batch transaction (`$transaction([...], options)`). */
type TransactionOptions = Parameters<Database["$transaction"]>[1];

/**
 * Stores `sentences` as job `id`'s rows (`index` 0 to length - 1) and marks the job done; resolves to
 * the number of chunks written.
 *
 * Each chunk of {@link SENTENCE_CHUNK} rows (fewer when they hold {@link CHUNK_TEXT} of text) is a
 * batch transaction that replaces that range of indexes (deleteMany of the range, then createMany), not
 * one transaction for the whole job: an interactive transaction holds SQLite's one write lock from its
 * first write to its commit, so the api's POSTs and the relay would wait on it (and give up: the api
 * after 8 s) for as long as a large job is written, and Prisma ends an interactive transaction after 5 s
 * by default. A batch transaction per chunk holds the lock for one chunk (milliseconds), and `between`
 * runs between chunks (the table queue renews its lease, a SIGTERM is heard and the job left after the
 * current chunk). The last chunk's transaction also removes rows past the count (none, unless written
 * by other splitting rules) and marks the job done, so that a job of one chunk takes one transaction:
 * GET shows the job pending, its sentences counted as far as written, until every chunk is stored, and
 * done only with all of them. Only a pending job is marked done; a job that is failed by then (by another
 * party meanwhile: a dead-lettering after this delivery's lease ran out) has its rows removed after that
 * transaction, as it has when the store stops or fails halfway ({@link dropRowsIfFailed}), so that a
 * failed job keeps no rows.
 *
 * Correct under at-least-once delivery, a second worker on the job included (a lease that ran out, a
 * message published twice): the sentences are a function of the text, so every writer writes the same
 * rows, and each chunk replaces its range whole, atomically; no step deletes rows it does not write again
 * in the same transaction. Two writers of the same chunk at the same moment on a server database collide
 * on the unique (jobId, index): the second insert waits for the first writer's commit, then fails
 * (Prisma P2002). Its transaction was rolled back, and run again it replaces the range the other wrote,
 * so it is tried again, up to {@link COLLISION_ATTEMPTS} attempts in all (`onCollision` before each
 * retry); both deliveries then end, the job done once. (SQLite has one writer at a time: no collision.)
 *
 * On MySQL/MariaDB the chunk's transaction runs at READ COMMITTED, not InnoDB's default REPEATABLE READ.
 * At REPEATABLE READ the range's deleteMany takes next-key and gap locks on the unique (jobId, index)
 * index, rows or none, and the gap of a range with no rows yet reaches to the next key of the index:
 * another job's row (the ids are random UUIDs) or the end of the table. Gap locks do not exclude each
 * other, but an insert waits on another transaction's gap lock over its key, so two chunk transactions
 * that both deleted in one gap then both wait to insert into it: a deadlock (1213, Prisma P2034), one of
 * them rolled back. Between two writers of one job, that is the collision above in another form; between
 * writers of two jobs whose ranges share a gap it is no collision at all, and it was as frequent (two
 * chunk writes of two jobs with adjacent ids, started together: 29 deadlocks in 40). At READ COMMITTED,
 * PostgreSQL's default, InnoDB takes no gap lock for a search: the deleteMany locks the rows it deletes,
 * an insert waits only on a row of the same (jobId, index) (then fails with a duplicate key, P2002, as on
 * PostgreSQL), the foreign key check locks the job's row shared, and the mark the job's row: keys of this
 * job alone (a range's scan may wait on the row after it, another job's, while that row's insert is not
 * committed: a wait up the index only, which closes no cycle). Two writers of the last chunk of one job can still deadlock (both hold the job's row shared
 * from their inserts' foreign key check, and the mark needs it exclusive: 3 in 40 in the same trial, the
 * others P2002), and so a deadlock or a write conflict of a chunk's transaction is a collision
 * ({@link isCollision}): tried again as a P2002 is, and `onCollision`, not `retry`'s transient retries
 * (which the worker's OutageLog said as a database busy). (The same on PostgreSQL, where row locks of
 * the job's own keys are the only ones the transaction takes.)
 *
 * READ COMMITTED needs MySQL's binary log, where it is on, in the ROW or MIXED format (the defaults): a
 * server whose binary log is in the STATEMENT format refuses a write to an InnoDB table at READ COMMITTED
 * (error 1665, Prisma P2039 with the server's error in `meta.driverAdapterError.cause`), before it writes
 * anything. The chunk's transaction is then run again at once at the server's default level (REPEATABLE
 * READ, unless set otherwise), and so is each later chunk of the same client `db` (remembered for the
 * client's life, so that no later chunk is refused first); the worker says so once per client on stderr,
 * in one line that names binlog_format=ROW or MIXED. Told by the refusal, not by reading @@binlog_format
 * when the worker starts: the format is each connection's session variable, set from the global one when
 * it opens, so that after a change of the global format (SET GLOBAL, no restart) the pool's connections
 * differ and what one read said does not hold for the next; a refusal is exact and costs one rollback.
 * (Back at ROW or MIXED, the client stays at the default level until the worker is restarted: its pooled
 * connections keep the old format anyway.) At REPEATABLE READ, writers of two jobs deadlock as described
 * above: each deadlock a collision, its chunk tried again up to {@link COLLISION_ATTEMPTS_AT_DEFAULT_LEVEL}
 * attempts in all (3 were too few: that constant's docstring has the trial).
 * @throws whatever `between` throws; a database error that lasted through `retry`'s retries; a
 *   {@link ChunkCollisionError} for a chunk that collided on each of its attempts; error 1665 at the server's
 *   default level (a server whose default level is READ COMMITTED refuses every write so).
 */
export async function storeSentences(
  db: Database,
  id: string,
  sentences: readonly string[],
  { retry, between, onCollision }: StoreOptions,
): Promise<number> {
  const count = sentences.length;
  let chunks = 0;
  let start = 0;
  do {
    let end = start;
    let size = 0;
    while (end < count && end - start < SENTENCE_CHUNK && size < CHUNK_TEXT) size += sentences[end++]!.length;
    const rows = sentences.slice(start, end).map((text, i) => ({ jobId: id, index: start + i, text }));
    const range = { jobId: id, index: { gte: start, lt: end } };
    const last = end === count;
    /** The chunk's transaction at `isolation`: resolves to whether it marked the job done (the last chunk's), else undefined. */
    const writeAt = async (isolation: TransactionOptions): Promise<boolean | undefined> => {
      const deleteRange = db.sentence.deleteMany({ where: range });
      const insert = db.sentence.createMany({ data: rows });
      if (!last) {
        await db.$transaction([deleteRange, insert], isolation);
        return undefined;
      }
      const [, , , markDone] = await db.$transaction(
        [
          deleteRange,
          insert,
          db.sentence.deleteMany({ where: { jobId: id, index: { gte: count } } }),
          db.preprocessJob.updateMany({ where: { id, status: "pending" }, data: { status: "done" } }),
        ],
        isolation,
      );
      return markDone.count === 1;
    };
    // Refused READ COMMITTED (1665): rolled back before any write, written again at the server's default.
    const write = async (): Promise<boolean | undefined> => {
      const isolation = chunkIsolation(db);
      try {
        return await writeAt(isolation);
      } catch (error) {
        if (isolation === undefined || !refusesReadCommitted(error)) throw error;
        if (!readCommittedRefused.has(db)) {
          readCommittedRefused.add(db);
          say(READ_COMMITTED_REFUSED);
        }
        return writeAt(undefined);
      }
    };
    // A collision is the attempt's outcome, not a failure for retryTransient: tried again here, at once.
    const attemptWrite = () =>
      write().then(
        (markedDone) => ({ markedDone }),
        (error: unknown) => {
          if (isCollision(error)) return { collision: error };
          throw error;
        },
      );
    try {
      for (let attempt = 1; ; attempt++) {
        const outcome = await retryTransient(attemptWrite, retry);
        if ("collision" in outcome) {
          const attempts = readCommittedRefused.has(db)
            ? COLLISION_ATTEMPTS_AT_DEFAULT_LEVEL
            : COLLISION_ATTEMPTS;
          if (attempt >= attempts) throw new ChunkCollisionError(start, end, attempts, outcome.collision);
          onCollision?.(outcome.collision, attempt + 1);
          continue;
        }
        // Not marked done: failed meanwhile by another party (or done by another writer, rows alike).
        if (outcome.markedDone === false) await dropRowsIfFailed(db, id, retry);
        break;
      }
      if (rows.length > 0) chunks++;
      start = end;
      if (!last) await between();
    } catch (error) {
      // Stopped or failed halfway: the chunks written after another party failed the job go now, tried
      // once (the store's own failure may be a database outage that outlasted its retries; a crash, or a
      // failure of this, leaves them to the next delivery, which finds the job failed: worker.ts
      // handleMessage).
      await dropRowsIfFailed(db, id, { attempts: 1 }).catch(() => undefined);
      throw error;
    }
  } while (start < count);
  return chunks;
}

/**
 * Removes the rows of job `id` when it is failed: a failed job keeps none (GET would count them, and no
 * delivery writes them again). `failed` is final (no step moves a failed job to another status), so the
 * status read and the delete need no transaction: a job read failed is failed when its rows go. Not one
 * statement with a relation filter (`deleteMany` where `job: { status: "failed" }`): MariaDB runs that
 * as `DELETE … WHERE EXISTS (dependent subquery)` over the job's whole range, locking each row (0.37 s
 * and 136 921 row locks for a 100 000-sentence job), even for a job that is not failed.
 * @returns whether the job is failed.
 * @throws a database error that lasted through `retry`'s retries.
 */
export async function dropRowsIfFailed(db: Database, id: string, retry: RetryOptions): Promise<boolean> {
  const job = await retryTransient(
    () => db.preprocessJob.findUnique({ where: { id }, select: { status: true } }),
    retry,
  );
  if (job?.status !== "failed") return false;
  await retryTransient(() => db.sentence.deleteMany({ where: { jobId: id } }), retry);
  return true;
}

/**
 * Marks job `id` failed with `reason` when its status is `from` (`pending`: a delivery that failed, not
 * to undo a job done meanwhile; `not done`: a message given up on), then removes its rows when it is
 * failed ({@link dropRowsIfFailed}): a failed job is not delivered again, so the chunks stored before
 * the failure would stay for good (GET would count them). A job not marked keeps its rows unless it was
 * failed already (by another party), which leaves none either. Two steps, not one transaction (see
 * dropRowsIfFailed); a delete that fails after the mark throws, so that the message comes back and its
 * delivery, finding the job failed, removes them.
 * @returns whether it was marked.
 * @throws a database error that lasted through `retry`'s retries.
 */
export async function markJobFailed(
  db: Database,
  id: string,
  reason: string,
  from: "pending" | "not done",
  retry: RetryOptions,
): Promise<boolean> {
  const status = from === "pending" ? "pending" : { not: "done" };
  const marked = await retryTransient(
    () =>
      db.preprocessJob.updateMany({
        where: { id, status },
        data: { status: "failed", failureReason: reason },
      }),
    retry,
  );
  if (marked.count === 1) await retryTransient(() => db.sentence.deleteMany({ where: { jobId: id } }), retry);
  else await dropRowsIfFailed(db, id, retry);
  return marked.count === 1;
}
