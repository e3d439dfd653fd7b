// Transient database failures and their retry, shared by the api, the worker and the table queue.
import { setTimeout as sleep } from "node:timers/promises";
import { QUERY_TIMEOUT_MS } from "./db-timeouts.js";

/**
 * What a transient database failure is ({@link databaseFailure}): the most precise code there is (the
 * server's SQLSTATE or error number, else Prisma's code, else the socket's or the driver's), what it means,
 * and whether the database is `unavailable` (not reachable, the connection lost: down, restarting, failing
 * over, not answering) or `busy` (reachable, but a lock, a conflict or its connection limit stood in the way).
 */
export interface DatabaseFailure {
  code: string;
  meaning: string;
  state: "unavailable" | "busy";
  /**
   * Set on a deadlock or a write conflict (`busy`): the server rolled the transaction back because another
   * held what it needed while waiting on what it held ({@link isDeadlockOrWriteConflict}); not on a lock
   * wait that timed out, which a lock held long causes.
   */
  conflict?: true;
}

type Known = Omit<DatabaseFailure, "code">;
const unavailable = (meaning: string): Known => ({ meaning, state: "unavailable" });
const busy = (meaning: string): Known => ({ meaning, state: "busy" });
const conflict = (meaning: string): Known => ({ meaning, state: "busy", conflict: true });

/**
 * Prisma error codes of failures that the same operation can get past when tried again
 * (https://www.prisma.io/docs/orm/reference/error-reference):
 * - P1008 "Operations timed out": what the better-sqlite3 adapter reports for SQLITE_BUSY ("database is
 *   locked"). Three processes write one SQLite file; under load (bench/pipeline.ts under a CPU
 *   profiler) a write sometimes failed so within milliseconds, long before the busy timeout of then (10 s).
 * - P2034 "Transaction failed due to a write conflict or a deadlock": Prisma's documented advice is to
 *   retry the transaction (PostgreSQL serialization failures, MySQL deadlocks).
 * - P1001 "Can't reach database server", P1002 "The database server was reached but timed out" and P1017
 *   "Server has closed the connection": a server database restarting or a connection dropped; the driver
 *   adapter's pool connects again. P2024 "Timed out fetching a new connection from the connection pool".
 * - P2028 "Transaction API error" when the transaction could not start in time (Prisma's maxWait), below;
 *   and when the rollback of a failed transaction comes after its timeout ("A rollback cannot be executed
 *   on an expired transaction"): Prisma's transaction manager closes a transaction at its timeout with a
 *   ROLLBACK (its status "timed_out"), and refuses what is asked of it after (the reference: "Transaction
 *   API error", P2028), so nothing of it was committed and the whole transaction may run again. A batch
 *   transaction whose statement waits past the timeout (a lock held long, a connection reset whose failure
 *   shows only once the server's statement_timeout, 29 s here, ends the statement) fails so, not with the
 *   statement's own error. Any other P2028 (a transaction already committed or rolled back, not found) is
 *   no transient failure.
 * A server error Prisma passes on under a generic code (P2039, P2010: the driver adapter's error in
 * `meta.driverAdapterError.cause`) is read from that cause ({@link ADAPTER_KINDS}, {@link POSTGRES_CODES},
 * {@link MYSQL_CODES}).
 */
const PRISMA_CODES: ReadonlyMap<string, Known> = new Map([
  ["P1008", busy("an operation timed out (SQLite: the file is locked by another process)")],
  ["P2034", conflict("a write conflict or a deadlock; the transaction was rolled back")],
  ["P1001", unavailable("the database server cannot be reached")],
  ["P1002", unavailable("the database server was reached but did not answer in time")],
  ["P1017", unavailable("the server closed the connection")],
  ["P2024", unavailable("no connection of the pool could be had in time")],
]);

/**
 * The text of Prisma's P2028 for a rollback refused because the transaction's timeout had passed: Prisma
 * had already rolled it back (@prisma/client's transaction manager, its "timed_out" status).
 */
const EXPIRED_ROLLBACK = "A rollback cannot be executed on an expired transaction";

/**
 * The kinds of a Prisma driver adapter's error (`meta.driverAdapterError.cause.kind`, @prisma/adapter-pg
 * and @prisma/adapter-mariadb convertDriverError) that are transient; `postgres` and `mysql`, the server's
 * own errors, are read by their code below.
 */
const ADAPTER_KINDS: ReadonlyMap<string, Known> = new Map([
  ["DatabaseNotReachable", unavailable("the database server cannot be reached")],
  ["ConnectionClosed", unavailable("the connection was reset (ECONNRESET)")],
  ["SocketTimeout", unavailable("the connection timed out (ETIMEDOUT)")],
  ["TooManyConnections", busy("the server has no connection left for another client")],
  ["TransactionWriteConflict", conflict("a write conflict or a deadlock; the transaction was rolled back")],
]);

/**
 * PostgreSQL SQLSTATEs of transient failures (https://www.postgresql.org/docs/current/errcodes-appendix.html);
 * all of class 08 (connection exception) too, in {@link postgresFailure}.
 */
const POSTGRES_CODES: ReadonlyMap<string, Known> = new Map([
  ["57P01", unavailable("the server ended the connection (administrator command: a shutdown, a failover)")],
  ["57P02", unavailable("the server ended the connection (crash shutdown)")],
  ["57P03", unavailable("the server cannot accept connections now (starting up or shutting down)")],
  ["57P05", unavailable("the server ended the connection (idle session timeout)")],
  ["53300", busy("the server has no connection left for another client (too_many_connections)")],
  ["40001", conflict("a serialization failure; the transaction was rolled back")],
  ["40P01", conflict("a deadlock; the transaction was rolled back")],
  ["55P03", busy("a lock could not be had (lock_not_available)")],
  ["57014", busy("the statement was cancelled (its statement_timeout passed)")],
]);

/**
 * MySQL/MariaDB error numbers of transient failures (server errors, and the mariadb driver's own 45xxx);
 * all of SQLSTATE class 08 too (the driver gives its lost connections 08S01), in {@link mysqlFailure}.
 */
const MYSQL_CODES: ReadonlyMap<number, Known> = new Map([
  [1053, unavailable("the server is shutting down")],
  [1927, unavailable("the server killed the connection")],
  [2006, unavailable("the server has gone away")],
  [2013, unavailable("the connection was lost during a query")],
  [45028, unavailable("no connection of the pool could be had in time")],
  [1040, busy("the server has no connection left for another client")],
  [1203, busy("the user has no connection left")],
  [1205, busy("a lock wait timed out")],
  [1213, conflict("a deadlock; the transaction was rolled back")],
  [1969, busy("the statement ran longer than max_statement_time")],
  [3024, busy("the statement ran longer than max_execution_time")],
]);

/**
 * The errors of node-postgres (pg and pg-pool, behind Prisma's PostgreSQL adapter) for a connection lost or
 * not had in time, which reach the caller as plain errors without a code: the socket closed under a query
 * (a server restart, a failover, a proxy or firewall cutting it), a new connection that did not open within
 * `connectionTimeoutMillis` (TRACEHOP_CONNECT_TIMEOUT_MS, db.ts openDatabase), a query not answered within
 * `query_timeout`.
 */
const PG_MESSAGES: ReadonlyMap<unknown, string> = new Map([
  ["Connection terminated unexpectedly", "the connection was closed during a query"],
  ["Connection terminated", "the connection was closed"],
  ["Connection terminated due to connection timeout", "a new connection did not open in time"],
  ["timeout exceeded when trying to connect", "no connection of the pool came free in time"],
  ["Query read timeout", "the server did not answer the query in time (query_timeout)"],
  ["Client has encountered a connection error and is not queryable", "the connection was lost"],
]);

/** Node's socket error codes of a connection that failed or was lost (the drivers pass them on as they are). */
const SOCKET_CODES: ReadonlyMap<string, string> = new Map([
  ["ECONNREFUSED", "the connection was refused (nothing listening)"],
  ["ECONNRESET", "the connection was reset"],
  ["ECONNABORTED", "the connection was aborted"],
  ["ETIMEDOUT", "the connection timed out"],
  ["EPIPE", "the connection was closed while writing"],
  ["EHOSTUNREACH", "the host cannot be reached"],
  ["ENETUNREACH", "the network cannot be reached"],
  ["ENOTFOUND", "the host name is not known"],
  ["EAI_AGAIN", "the host name could not be looked up now"],
]);

/**
 * The driver adapter's error that a Prisma error carries (`meta.driverAdapterError.cause`: `kind`, and for a
 * server's own error `code` and `state`; @prisma/adapter-pg and @prisma/adapter-mariadb convertDriverError),
 * or that the adapter's DriverAdapterError thrown as it is holds (its `cause`; @prisma/driver-adapter-utils:
 * a batch transaction throws it unwrapped), or undefined when there is none.
 */
export function adapterCause(error: object): Record<string, unknown> | undefined {
  const cause =
    (error as { name?: unknown }).name === "DriverAdapterError"
      ? (error as { cause?: unknown }).cause
      : (error as { meta?: { driverAdapterError?: { cause?: unknown } } }).meta?.driverAdapterError?.cause;
  return typeof cause === "object" && cause !== null ? (cause as Record<string, unknown>) : undefined;
}

function postgresFailure(code: unknown): Known | undefined {
  if (typeof code !== "string") return undefined;
  return (
    POSTGRES_CODES.get(code) ??
    (code.startsWith("08") ? unavailable(`a connection failure (SQLSTATE ${code})`) : undefined)
  );
}

function mysqlFailure(code: unknown, state: unknown): Known | undefined {
  const known = typeof code === "number" ? MYSQL_CODES.get(code) : undefined;
  if (known !== undefined) return known;
  return typeof state === "string" && state.startsWith("08")
    ? unavailable(`a connection failure (SQLSTATE ${state})`)
    : undefined;
}

/** {@link databaseFailure} of one error of the chain, its `cause`s not followed. */
function oneFailure(error: object): DatabaseFailure | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const cause = adapterCause(error);
  if (cause !== undefined) {
    const kind = cause.kind;
    if (kind === "postgres") {
      const known = postgresFailure(cause.code);
      if (known !== undefined) return { code: String(cause.code), ...known };
    } else if (kind === "mysql") {
      const known = mysqlFailure(cause.code, cause.state);
      if (known !== undefined) return { code: String(cause.code), ...known };
    } else if (kind === "SocketTimeout" && String(cause.originalCode).startsWith("SQLITE_BUSY")) {
      // @prisma/adapter-better-sqlite3 gives SQLITE_BUSY this kind: a file locked, not a connection.
      return {
        code: typeof code === "string" ? code : String(cause.originalCode),
        ...busy(`the SQLite file is locked by another process (${String(cause.originalCode)})`),
      };
    } else if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) {
      const known = ADAPTER_KINDS.get(kind)!;
      const where =
        cause.host !== undefined
          ? ` (${String(cause.host)}:${String(cause.port)} refused the connection or is not known)`
          : "";
      return { code: typeof code === "string" ? code : kind, ...known, meaning: known.meaning + where };
    }
  }
  if (typeof code === "string") {
    const known = PRISMA_CODES.get(code);
    if (known !== undefined) return { code, ...known };
    if (code === "P2028" && typeof message === "string" && message.includes("Unable to start a transaction"))
      return { code, ...busy("a transaction could not start in time") };
    if (code === "P2028" && typeof message === "string" && message.includes(EXPIRED_ROLLBACK))
      return {
        code,
        ...unavailable(
          "the transaction's statement did not end before Prisma's transaction timeout (a lock held long, a connection lost under it, a server not answering); Prisma rolled it back, nothing was committed",
        ),
      };
    const socket = SOCKET_CODES.get(code);
    if (socket !== undefined) return { code, ...unavailable(socket) };
    // pg's own errors of the server (an ErrorResponse: severity and an SQLSTATE), as pg-pool passes them.
    if (typeof (error as { severity?: unknown }).severity === "string") {
      const pg = postgresFailure(code);
      if (pg !== undefined) return { code, ...pg };
    }
  }
  // The mariadb driver's SqlError (errno, sqlState), as the pool passes it on.
  const { errno, sqlState } = error as { errno?: unknown; sqlState?: unknown };
  if (typeof sqlState === "string") {
    const known = mysqlFailure(errno, sqlState);
    if (known !== undefined) return { code: String(errno), ...known };
  }
  // No code: pg's message stands for it.
  if (code === undefined && PG_MESSAGES.has(message))
    return { code: message as string, ...unavailable(PG_MESSAGES.get(message)!) };
  return undefined;
}

/**
 * What a transient database failure `error` is ({@link DatabaseFailure}), or undefined for any other
 * failure (a constraint violation, a missing row, a bug: not retried). Transient: a connection lost or
 * refused (a server restarting, failing over, down, a connection cut; the pools connect again), a pool's
 * or the server's timeout, a lock, a write conflict, a deadlock, no connection left. Read from the error,
 * the driver adapter's error a Prisma error carries (`meta.driverAdapterError.cause`), and the `cause`s
 * under them (four deep). Never throws.
 */
export function databaseFailure(error: unknown): DatabaseFailure | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    try {
      const failure = oneFailure(current);
      if (failure !== undefined) return failure;
      current = (current as { cause?: unknown }).cause;
    } catch {
      return undefined; // a getter that throws: not a driver's error
    }
  }
  return undefined;
}

/**
 * Whether `error` is a transient database failure ({@link databaseFailure}): the same operation may get
 * past it when tried again. Anything else (a constraint violation, a missing row, a bug) is not retried.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  return databaseFailure(error) !== undefined;
}

/**
 * Whether `error` is a deadlock or a write conflict: the server rolled the transaction back, because
 * another transaction held what it needed while waiting on what it held. A `busy` failure
 * ({@link databaseFailure}), retried by {@link retryTransient} as any other; a caller that knows which
 * other writers can hold the same rows (job-sentences.ts storeSentences: only another writer of the same
 * job) may tell it apart. Never throws.
 */
export function isDeadlockOrWriteConflict(error: unknown): boolean {
  return databaseFailure(error)?.conflict === true;
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
  /**
   * Called when an attempt succeeds, the first or a retry: the database answers (an {@link OutageLog}'s
   * `recovered`, so that an outage ends with the operation that got past it, not with the caller's whole
   * work).
   */
  onSuccess?: () => void;
  /** Once aborted (the process is stopping), no retry starts and a delay under way ends: the last failure is rethrown. */
  signal?: AbortSignal;
  /** The clock `maxElapsedMs` is measured by, in milliseconds (default `Date.now`; tests give their own). */
  now?: () => number;
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
  const now = options.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    let result: T;
    try {
      result = await operation();
    } catch (error) {
      if (attempt >= attempts || !isTransientDatabaseError(error)) throw error;
      const delay = Math.min(
        maxDelayMs,
        baseDelayMs * 2 ** Math.min(attempt - 1, 30) * (0.5 + Math.random()),
      );
      if (now() - started + delay >= maxElapsedMs || options.signal?.aborted) throw error;
      options.onRetry?.(error, attempt + 1);
      try {
        await sleep(delay, undefined, { signal: options.signal });
      } catch {
        throw error; // aborted during the delay
      }
      continue;
    }
    options.onSuccess?.();
    return result;
  }
}

/** `1 failed attempt`, `2 failed attempts`: each failed database operation, a retry's included. */
const failures = (n: number) => `${n} failed ${n === 1 ? "attempt" : "attempts"}`;

/**
 * How long an outage of Prisma P2028 failures ("a transaction could not start in time") lasts with no
 * success, in milliseconds, before {@link OutageLog} says the database unavailable rather than busy: a
 * full pool frees a connection as each transaction ends, a server that never answers frees none. As long
 * as a query waits for a silent server before it fails ({@link QUERY_TIMEOUT_MS}).
 */
export const SILENT_AFTER_MS = QUERY_TIMEOUT_MS;

/**
 * How long a database only busy (a locked SQLite file, a write conflict, a deadlock, a full pool: the
 * state `busy`) is retried, in milliseconds, before {@link OutageLog} says it: three processes on one
 * SQLite file meet its one write lock many times a run, and a retry 100 ms later succeeds. A wait that
 * short is no outage to tell an operator about (each retry is still a `retry` event on its span).
 */
export const BUSY_QUIET_MS = 2_000;

/** Seconds, whole, for a log line: `30 s`. */
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * The log of one process's database outage (not a line per failure, which
 * made 300 lines of Prisma codes alone for a 5-minute outage). Each transient failure is given to {@link failed}, a retry's included (its lines count
 * failed attempts, and the first comes with the first failure, not when the operation gives up), and each
 * success to {@link recovered}; it says one line when failures start (what failed, the database with its
 * password hidden, the code and what it means), then at most one "still failing" line every
 * `summaryEveryMs`, then one line when the database answers again. Silent while nothing fails. Only
 * transient failures belong here: any other is said in full, with its stack, by the caller.
 *
 * Prisma's P2028 "a transaction could not start in time" cannot tell a full pool (busy) from a server that
 * accepts connections and never answers: it is said busy until the outage has lasted `silentAfterMs` with
 * no success, then unavailable ("the server does not answer"), so that a silent server is not said busy
 * for as long as it lasts (an operator's review: Retry-After 1 for the whole outage).
 *
 * An outage of `busy` failures alone is said only once it has lasted `busyQuietMs` (a failure after that
 * says its first line), and its end only when its start was said: the lock contention of processes
 * sharing a SQLite file, over at the next retry, was logged as "failed" and "answers again" pairs.
 */
export class OutageLog {
  #since: number | undefined;
  /** Whether the outage under way was said (its first line). */
  #said = false;
  #lastSaid = 0;
  #failures = 0;
  #last: DatabaseFailure | undefined;

  /**
   * @param who what was being done, starting the lines: `a pass` (the relay's, whose `log` is config.ts say:
   *   `tracehop preprocess: relay: a pass failed: …`), `a request` (the api's).
   * @param database the database as shown to the user, its password hidden (config.ts redact).
   * @param log where the lines go (default console.error; the api, the relay, the worker and the table queue
   *   give config.ts say, which starts each with the process's name).
   * @param summaryEveryMs at least this many milliseconds between two lines of one outage (default 30 s).
   * @param now the clock, in milliseconds (tests).
   * @param silentAfterMs how long an outage of P2028 failures lasts, in milliseconds, with no success,
   *   before P2028 is said unavailable (default {@link SILENT_AFTER_MS}).
   * @param busyQuietMs how long an outage of `busy` failures alone lasts, in milliseconds, before it is
   *   said (default {@link BUSY_QUIET_MS}).
   */
  constructor(
    private readonly who: string,
    private readonly database: string,
    private readonly log: (line: string) => void = (line) => console.error(line),
    private readonly summaryEveryMs = 30_000,
    private readonly now: () => number = Date.now,
    private readonly silentAfterMs = SILENT_AFTER_MS,
    private readonly busyQuietMs = BUSY_QUIET_MS,
  ) {}

  /** Whether an outage is under way (a failure since the last success). */
  get failing(): boolean {
    return this.#since !== undefined;
  }

  /**
   * Notes a transient failure (`error`: {@link databaseFailure} reads it); says a line when one is due.
   * @returns the failure as said: a P2028 once the outage has lasted `silentAfterMs` is `unavailable`.
   */
  failed(error: unknown): DatabaseFailure {
    const now = this.now();
    let failure: DatabaseFailure = databaseFailure(error) ?? {
      code: databaseErrorCode(error),
      meaning: "a failure",
      state: "unavailable",
    };
    // Only the P2028 of a transaction that could not start (busy): the expired one is unavailable already.
    if (
      failure.code === "P2028" &&
      failure.state === "busy" &&
      this.#since !== undefined &&
      now - this.#since >= this.silentAfterMs
    )
      failure = {
        ...failure,
        meaning: `${failure.meaning}, and nothing has succeeded for ${seconds(this.silentAfterMs)}: the server does not answer`,
        state: "unavailable",
      };
    this.#failures++;
    this.#last = failure;
    this.#since ??= now;
    if (!this.#said) {
      if (failure.state === "busy" && now - this.#since < this.busyQuietMs) return failure;
      this.#said = true;
      this.#lastSaid = now;
      const lasted = now === this.#since ? "" : ` for ${seconds(now - this.#since)}`;
      this.log(
        `${this.who} failed: the database of ${this.database} is ${failure.state}${lasted}: ${failure.code} (${failure.meaning}); ` +
          `retrying, said again every ${seconds(this.summaryEveryMs)} while it lasts`,
      );
    } else if (now - this.#lastSaid >= this.summaryEveryMs) {
      this.#lastSaid = now;
      this.log(
        `${this.who}: the database of ${this.database} still ${failure.state} after ${seconds(now - this.#since)} ` +
          `(${failures(this.#failures)}, the last ${failure.code}: ${failure.meaning}); retrying`,
      );
    }
    return failure;
  }

  /** Notes a success: says one line when it ends an outage that was said. */
  recovered(): void {
    if (this.#since === undefined) return;
    if (this.#said)
      this.log(
        `${this.who}: the database of ${this.database} answers again after ${seconds(this.now() - this.#since)} ` +
          `(${failures(this.#failures)}, the last ${this.#last?.code})`,
      );
    this.#since = undefined;
    this.#said = false;
    this.#failures = 0;
  }
}

/**
 * The log of a loop's failures that are no database outage (a table gone, a bug): not the same stack at
 * every pass (the relay printed one every 10 s for as long as it lasted). Each failure is given to
 * {@link failed}, each success to {@link recovered}. A failure is said in full, with its stack, when it
 * is not the one said last (compared by its one-line text, `describe`); the same failure again
 * is counted, with one "still fails" line every `summaryEveryMs` while it lasts; a success after
 * failures says one line with their count.
 */
export class RepeatedFailureLog {
  #last: { text: string; since: number; count: number; saidAt: number } | undefined;

  /**
   * @param who what failed, starting the lines: `a pass` (the relay's, its `log` config.ts say).
   * @param describe a failure's one-line text (queue.ts errorText: a Prisma error's code and last line).
   * @param log where the lines go (default console.error); given the error as a second argument for the
   *   line in full.
   * @param summaryEveryMs at least this many milliseconds between two lines of one failure (default 30 s).
   * @param now the clock, in milliseconds (tests).
   */
  constructor(
    private readonly who: string,
    private readonly describe: (error: unknown) => string,
    private readonly log: (line: string, error?: unknown) => void = (line, error) =>
      error === undefined ? console.error(line) : console.error(line, error),
    private readonly summaryEveryMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Notes a failure: in full when it is a new one, else counted (a line every `summaryEveryMs`). */
  failed(error: unknown): void {
    const now = this.now();
    const text = this.describe(error);
    const last = this.#last;
    if (last === undefined || last.text !== text) {
      this.#last = { text, since: now, count: 1, saidAt: now };
      this.log(
        `${this.who} failed, retrying; said again every ${seconds(this.summaryEveryMs)} while it fails the same way:`,
        error,
      );
      return;
    }
    last.count++;
    if (now - last.saidAt < this.summaryEveryMs) return;
    last.saidAt = now;
    this.log(
      `${this.who}: still failing after ${seconds(now - last.since)} (${last.count} times, the same error: ${text}); retrying`,
    );
  }

  /** Notes a success: one line when it ends failures. */
  recovered(): void {
    const last = this.#last;
    if (last === undefined) return;
    this.#last = undefined;
    this.log(
      `${this.who}: succeeds again after ${seconds(this.now() - last.since)} (${last.count} failed ${last.count === 1 ? "time" : "times"}, the last: ${last.text})`,
    );
  }
}
