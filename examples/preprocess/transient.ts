// Transient database failures and their retry, shared by the api, the worker and the table queue.
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Prisma error codes of failures that the same operation can get past when tried again
 * (https://www.prisma.io/docs/orm/reference/error-reference):
 * - P1008 "Operations timed out": what the better-sqlite3 adapter reports for SQLITE_BUSY ("database is
 *   locked"). Three processes write one SQLite file; under load (bench/pipeline.ts under a CPU
 *   profiler) a write sometimes fails so within milliseconds, long before the 10 s busy timeout.
 * - P2034 "Transaction failed due to a write conflict or a deadlock": Prisma's documented advice is to
 *   retry the transaction (PostgreSQL serialization failures, MySQL deadlocks).
 * - P2028 "Transaction API error" when the transaction could not start in time (Prisma's maxWait).
 */
const TRANSIENT_CODES = new Set(["P1008", "P2034"]);

/**
 * Whether `error` is a transient database failure (see TRANSIENT_CODES): a Prisma error with one of
 * those codes, or P2028 saying the transaction could not start in the given time. Anything else
 * (a constraint violation, a missing row, a bug) is not retried.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== "string") return false;
  if (TRANSIENT_CODES.has(code)) return true;
  return code === "P2028" && typeof message === "string" && message.includes("Unable to start a transaction");
}

/** Options of {@link retryTransient}. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** Delay before the second attempt in milliseconds; it doubles after each further failure, with ±50% jitter (default 25). */
  baseDelayMs?: number;
  /** Called before each retry with the failure and the number of the attempt that comes next (2, 3, ...). */
  onRetry?: (error: unknown, nextAttempt: number) => void;
}

/**
 * Runs `operation` and runs it again after a transient database failure ({@link isTransientDatabaseError}),
 * up to `attempts` times in all; rethrows the last failure, and any other failure at once. `operation`
 * must be safe to run again: a transaction that failed was rolled back, so running it whole again is.
 * One case is not: a P1008 from a server database while COMMIT was on the wire (the connection timed
 * out) leaves it unknown whether the first attempt committed; the api may then store a second job for
 * the same request (each with its own id and outbox row, both processed), which this example accepts.
 */
export async function retryTransient<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 25;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !isTransientDatabaseError(error)) throw error;
      options.onRetry?.(error, attempt + 1);
      await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
}
