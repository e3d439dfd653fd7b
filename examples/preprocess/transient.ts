// Transient database failures and their retry, shared by the api, the worker and the table queue.
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Prisma error codes of failures that the same operation can get past when tried again
 * (https://www.prisma.io/docs/orm/reference/error-reference):
 * - P1008 "Operations timed out": what the better-sqlite3 adapter reports for SQLITE_BUSY ("database is
 *   locked"). Three processes write one SQLite file; under load (bench/pipeline.ts under a CPU
 *   profiler) a write sometimes failed so within milliseconds, long before the busy timeout of then (10 s).
 * - P2034 "Transaction failed due to a write conflict or a deadlock": Prisma's documented advice is to
 *   retry the transaction (PostgreSQL serialization failures, MySQL deadlocks).
 * - P1001 "Can't reach database server" and P1017 "Server has closed the connection": a server
 *   database restarting or a connection dropped; the driver adapter's pool connects again.
 * - P2028 "Transaction API error" when the transaction could not start in time (Prisma's maxWait).
 */
const TRANSIENT_CODES = new Set(["P1008", "P2034", "P1001", "P1017"]);

/**
 * The errors of pg-pool (node-postgres' pool, behind Prisma's PostgreSQL adapter) for a connection that
 * did not open within `connectionTimeoutMillis` (TRACEHOP_CONNECT_TIMEOUT_MS, db.ts openDatabase): a new
 * client's connect timed out, or no client came free in time. They reach the query's caller as plain
 * errors, without a Prisma code.
 */
const POOL_CONNECT_TIMEOUT_MESSAGES: ReadonlySet<unknown> = new Set([
  "Connection terminated due to connection timeout",
  "timeout exceeded when trying to connect",
]);

/**
 * Whether `error` is a transient database failure (see TRANSIENT_CODES): a Prisma error with one of
 * those codes, P2028 saying the transaction could not start in the given time, or a pool's connect
 * timeout ({@link POOL_CONNECT_TIMEOUT_MESSAGES}: a server that stopped answering, the same case as
 * P1001). Anything else (a constraint violation, a missing row, a bug) is not retried.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === undefined && POOL_CONNECT_TIMEOUT_MESSAGES.has(message)) return true;
  if (typeof code !== "string") return false;
  if (TRANSIENT_CODES.has(code)) return true;
  return code === "P2028" && typeof message === "string" && message.includes("Unable to start a transaction");
}

/**
 * The Prisma error code of `error` (`"P1008"`, ...) for logs and span events; the error's text when it
 * has no code.
 */
export function databaseErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(error);
}

/** Options of {@link retryTransient}. Retrying stops at whichever of `attempts` and `maxElapsedMs` comes first. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 5; `Infinity` to retry until `maxElapsedMs`). */
  attempts?: number;
  /** No retry starts once this many milliseconds have passed since the first attempt began (default: no limit). */
  maxElapsedMs?: number;
  /** Delay before the second attempt in milliseconds; it doubles after each further failure, with ±50% jitter (default 25). */
  baseDelayMs?: number;
  /** Upper bound of one delay in milliseconds, jitter included (default 500). */
  maxDelayMs?: number;
  /** Called before each retry with the failure and the number of the attempt that comes next (2, 3, ...). */
  onRetry?: (error: unknown, nextAttempt: number) => void;
  /** Once aborted (the process is stopping), no retry starts and a delay under way ends: the last failure is rethrown. */
  signal?: AbortSignal;
}

/**
 * Runs `operation` and runs it again after a transient database failure ({@link isTransientDatabaseError}),
 * within `attempts` and `maxElapsedMs`; rethrows the last failure, and any other failure at once. The
 * delays between attempts are timers, so the process serves other work meanwhile (a SQLite busy wait
 * inside an attempt does block it: db.ts keeps that wait short). `operation`
 * must be safe to run again: a transaction that failed was rolled back, so running it whole again is.
 * One case is not: a P1008 from a server database while COMMIT was on the wire (the connection timed
 * out) leaves it unknown whether the first attempt committed; the api may then store a second job for
 * the same request (each with its own id and outbox row, both processed), which this example accepts.
 */
export async function retryTransient<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const maxElapsedMs = options.maxElapsedMs ?? Infinity;
  const baseDelayMs = options.baseDelayMs ?? 25;
  const maxDelayMs = options.maxDelayMs ?? 500;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !isTransientDatabaseError(error)) throw error;
      const delay = Math.min(
        maxDelayMs,
        baseDelayMs * 2 ** Math.min(attempt - 1, 30) * (0.5 + Math.random()),
      );
      if (Date.now() - started + delay >= maxElapsedMs || options.signal?.aborted) throw error;
      options.onRetry?.(error, attempt + 1);
      try {
        await sleep(delay, undefined, { signal: options.signal });
      } catch {
        throw error; // aborted during the delay
      }
    }
  }
}
