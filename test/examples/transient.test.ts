import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  databaseFailure,
  isDeadlockOrWriteConflict,
  isTransientDatabaseError,
  OutageLog,
  RepeatedFailureLog,
  retryTransient,
} from "../../examples/preprocess/transient.js";
import type { PrismaClient } from "../../generated/prisma/sqlite/client.js";
import { openExampleSqliteFile, type ExampleSqliteFile } from "./sqlite-file.js";

// A real SQLite file locked by a second connection, as the relay or the worker lock the pipeline's file.
describe("transient database failures (examples/preprocess/transient.ts)", () => {
  let file: ExampleSqliteFile;
  let db: PrismaClient;
  let holder: ExampleSqliteFile["raw"];

  before(() => {
    file = openExampleSqliteFile("transient");
    ({ db, raw: holder } = file);
  });
  after(() => file.close());

  const lock = () => holder.exec("BEGIN IMMEDIATE");
  const unlock = () => holder.exec("COMMIT");
  const count = () => db.preprocessJob.count();
  /** A write for retryTransient (`run`) that counts its attempts (`calls`); it never goes through a held lock. */
  const countedWrite = () => {
    const write = {
      calls: 0,
      run: () => {
        write.calls++;
        return db.preprocessJob.create({ data: { text: "never" } });
      },
    };
    return write;
  };
  /** Whether a rejection is the Prisma error `code`. */
  const withCode = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

  test("a write on a locked file fails with P1008 and is transient", async () => {
    lock();
    const error = await db.preprocessJob.create({ data: { text: "locked" } }).then(
      () => assert.fail("the write went through a held lock"),
      (e: unknown) => e,
    );
    unlock();
    assert.equal((error as { code?: string }).code, "P1008");
    assert.equal(isTransientDatabaseError(error), true);
    // The adapter calls SQLITE_BUSY a "SocketTimeout": a locked file is busy, not a connection timed out.
    assert.deepEqual(databaseFailure(error), {
      code: "P1008",
      meaning: "the SQLite file is locked by another process (SQLITE_BUSY)",
      state: "busy",
    });
    assert.equal(await count(), 0);
  });

  test("retryTransient runs the transaction again once the lock is gone", async () => {
    const before = await count();
    lock();
    const retries: number[] = [];
    const job = await retryTransient(
      () => db.$transaction(async (tx) => tx.preprocessJob.create({ data: { text: "retried" } })),
      {
        baseDelayMs: 5,
        onRetry: (error, attempt) => {
          assert.equal(isTransientDatabaseError(error), true);
          retries.push(attempt);
          if (attempt === 3) unlock();
        },
      },
    );
    assert.deepEqual(retries, [2, 3]);
    assert.equal(job.text, "retried");
    assert.equal(await count(), before + 1);
  });

  test("the last transient failure is rethrown after `attempts` tries, nothing written", async () => {
    const before = await count();
    lock();
    const write = countedWrite();
    await assert.rejects(retryTransient(write.run, { attempts: 3, baseDelayMs: 1 }), withCode("P1008"));
    unlock();
    assert.equal(write.calls, 3);
    assert.equal(await count(), before);
  });

  test("maxElapsedMs ends the retries of an outage that lasts, however many attempts are allowed", async () => {
    // Timing-free: retryTransient measures maxElapsedMs by its `now` clock, here one that moves 100 ms per
    // attempt (the real database's real failure, on a clock the machine's speed does not move). With
    // maxElapsedMs 300 and delays of at most 40 ms, attempts start at 0, 100 and 200 ms and the one at 300
    // would be past the bound: exactly 3 attempts on any machine. With the bound ignored, attempts:
    // Infinity retries for as long as the lock is held (never ending); measured by the wall clock instead,
    // the count would be whatever the machine's speed makes it.
    lock();
    let clock = 0;
    const startedAt: number[] = [];
    const write = countedWrite();
    const run = () => {
      startedAt.push(clock);
      clock += 100;
      return write.run();
    };
    try {
      await assert.rejects(
        retryTransient(run, {
          attempts: Infinity,
          maxElapsedMs: 300,
          baseDelayMs: 10,
          maxDelayMs: 40,
          now: () => clock,
        }),
        withCode("P1008"),
      );
    } finally {
      unlock();
    }
    assert.deepEqual(startedAt, [0, 100, 200]);
    assert.equal(write.calls, 3);
  });

  test("an aborted signal (the process stopping) ends the retries with the last failure, also mid-delay", async () => {
    lock();
    try {
      const stopping = new AbortController();
      const write = countedWrite();
      const retries: number[] = [];
      const run = retryTransient(
        write.run,
        // One long delay after the first failure: the abort has to end it. It aborts once that delay has
        // begun (onRetry runs just before it; setImmediate after it started), whatever the machine's speed.
        {
          attempts: Infinity,
          baseDelayMs: 60_000,
          maxDelayMs: 60_000,
          signal: stopping.signal,
          onRetry: (_, next) => {
            retries.push(next);
            setImmediate(() => stopping.abort());
          },
        },
      );
      await assert.rejects(run, withCode("P1008"));
      // Timing-free: a delay the abort did not cut would end in a second attempt (the lock still held), so
      // one attempt in all proves the delay was cut short, however long anything took.
      assert.deepEqual(retries, [2]);
      assert.equal(write.calls, 1);
      // Already aborted: the first failure is final.
      const again = countedWrite();
      await assert.rejects(retryTransient(again.run, { signal: stopping.signal }));
      assert.equal(again.calls, 1);
    } finally {
      unlock();
    }
  });

  test("any other failure is not retried", async () => {
    const job = await db.preprocessJob.create({ data: { text: "unique" } });
    let calls = 0;
    await assert.rejects(
      retryTransient(() => {
        calls++;
        return db.preprocessJob.create({ data: { id: job.id, text: "duplicate id" } });
      }),
      withCode("P2002"),
    );
    assert.equal(calls, 1);
    assert.equal(isTransientDatabaseError(new Error("plain")), false);
    assert.equal(isTransientDatabaseError({ code: "P2028", message: "Transaction already closed" }), false);
    // A rollback after the transaction's timeout: Prisma rolled it back at the timeout, nothing committed
    // (the real error is made on PostgreSQL by the lost-connection tests). A commit refused so is the
    // caller's slow work.
    const expired = (operation: string) => ({
      code: "P2028",
      message: `Transaction API error: Transaction already closed: A ${operation} cannot be executed on an expired transaction. The timeout for this transaction was 5000 ms, however 29012 ms passed since the start of the transaction. Consider increasing the interactive transaction timeout or doing less work in the transaction.`,
    });
    assert.equal(isTransientDatabaseError(expired("rollback")), true);
    assert.equal(databaseFailure(expired("rollback"))?.state, "unavailable");
    assert.equal(isTransientDatabaseError(expired("commit")), false);
    assert.equal(
      isTransientDatabaseError({
        code: "P2028",
        message: "Transaction API error: Unable to start a transaction in the given time.",
      }),
      true,
    );
    assert.equal(isTransientDatabaseError(null), false);
    assert.equal(isTransientDatabaseError({ code: "P1001", message: "Can't reach database server" }), true);
    assert.equal(isTransientDatabaseError({ code: "P2002", message: "Unique constraint failed" }), false);
  });

  test("a deadlock or a write conflict, as Prisma and each driver surface it: busy, and told apart from the rest", () => {
    const adapter = (cause: object) => ({ code: "P2010", meta: { driverAdapterError: { cause } } });
    const conflicts = [
      { code: "P2034" },
      { code: "P2034", meta: { driverAdapterError: { cause: { kind: "TransactionWriteConflict" } } } },
      adapter({ kind: "mysql", code: 1213, state: "40001" }),
      adapter({ kind: "postgres", code: "40P01" }),
      adapter({ kind: "postgres", code: "40001" }),
      Object.assign(new Error("Deadlock found"), { errno: 1213, sqlState: "40001" }),
    ];
    for (const error of conflicts) {
      assert.equal(databaseFailure(error)?.state, "busy", JSON.stringify(error));
      assert.equal(isDeadlockOrWriteConflict(error), true, JSON.stringify(error));
    }
    // Busy, but no conflict: a lock wait that timed out, a locked SQLite file; and what is not transient.
    for (const error of [
      adapter({ kind: "mysql", code: 1205, state: "HY000" }),
      adapter({ kind: "postgres", code: "55P03" }),
      { code: "P1008" },
      { code: "P2002" },
      { code: "P1001" },
      null,
    ])
      assert.equal(isDeadlockOrWriteConflict(error), false, JSON.stringify(error));
  });

  test("retryTransient's onSuccess: after the attempt that succeeds, a retry's or the first; not after a failure given up", async () => {
    let successes = 0;
    let calls = 0;
    const onSuccess = () => successes++;
    assert.equal(await retryTransient(async () => "first", { onSuccess }), "first");
    assert.equal(successes, 1);
    const flaky = async () => {
      if (++calls < 3) throw { code: "P2034" };
      return "third";
    };
    assert.equal(await retryTransient(flaky, { baseDelayMs: 1, onSuccess }), "third");
    assert.deepEqual([calls, successes], [3, 2]);
    await assert.rejects(
      retryTransient(async () => Promise.reject({ code: "P1001" }), {
        attempts: 2,
        baseDelayMs: 1,
        onSuccess,
      }),
    );
    assert.equal(successes, 2);
  });

  test("OutageLog fed by retryTransient: busy failures each over at its retry, seconds apart, are no outage", async () => {
    // The worker's wiring (worker.ts JOB_RETRY): a large job's chunks, a deadlock now and then, each retried
    // at once. Ended only at the job's end, they were said as one outage: "busy for 12 s", "answers again".
    const lines: string[] = [];
    let now = 0;
    const log = new OutageLog(
      "worker: a job",
      "DATABASE_URL (mysql://db/app)",
      (l) => lines.push(l),
      30_000,
      () => now,
    );
    const retry = {
      baseDelayMs: 1,
      onRetry: (error: unknown) => log.failed(error),
      onSuccess: () => log.recovered(),
    };
    for (let chunk = 0; chunk < 20; chunk++, now += 1_000) {
      let calls = 0;
      await retryTransient(async () => {
        if (chunk % 4 === 0 && ++calls === 1) throw { code: "P2034" };
      }, retry);
    }
    assert.deepEqual(lines, []);
  });

  test("the whole kind of a lost connection is transient, as the mariadb adapter, pg and Node surface it", () => {
    // @prisma/adapter-mariadb passes the driver's SqlError as kind "mysql": its lost connections have
    // SQLSTATE 08S01 (45009 ER_SOCKET_UNEXPECTED_CLOSE), a server shutdown 1053, a killed connection 1927.
    const mysql = (code: number, state: string) => ({
      code: "P2039",
      meta: { driverAdapterError: { cause: { kind: "mysql", code, state, message: "x" } } },
    });
    assert.equal(databaseFailure(mysql(45009, "08S01"))?.state, "unavailable");
    assert.equal(databaseFailure(mysql(1927, "70100"))?.state, "unavailable");
    assert.equal(databaseFailure(mysql(1213, "40001"))?.state, "busy");
    assert.equal(databaseFailure(mysql(1062, "23000")), undefined);
    // @prisma/adapter-pg: ECONNRESET becomes kind ConnectionClosed; a server error keeps its SQLSTATE.
    const pg = (cause: object) => ({ code: "P2010", meta: { driverAdapterError: { cause } } });
    assert.equal(databaseFailure(pg({ kind: "ConnectionClosed" }))?.state, "unavailable");
    for (const code of ["57P01", "57P02", "57P03", "08006"])
      assert.equal(databaseFailure(pg({ kind: "postgres", code }))?.state, "unavailable", code);
    assert.equal(databaseFailure(pg({ kind: "postgres", code: "23505" })), undefined);
    // Plain errors the drivers pass on, and a cause under a wrapper.
    for (const code of ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"])
      assert.equal(databaseFailure(Object.assign(new Error("x"), { code }))?.state, "unavailable", code);
    assert.deepEqual(
      databaseFailure(new Error("wrapped", { cause: new Error("Connection terminated unexpectedly") })),
      {
        code: "Connection terminated unexpectedly",
        meaning: "the connection was closed during a query",
        state: "unavailable",
      },
    );
    assert.equal(databaseFailure(new Error("Connection terminated unexpectedly, or not")), undefined);
    // The adapter's DriverAdapterError thrown as it is, not wrapped in a Prisma error (a batch transaction
    // throws it so: seen with 57P01 in test/examples/database-lost.test.ts): @prisma/driver-adapter-utils'
    // class (name "DriverAdapterError", the payload in `cause`), with the kinds @prisma/adapter-pg gives
    // ECONNRESET, ETIMEDOUT and ECONNREFUSED, as the wrapped ones are read.
    const raw = (cause: object) => Object.assign(new Error("x"), { name: "DriverAdapterError", cause });
    assert.deepEqual(databaseFailure(raw({ kind: "ConnectionClosed" })), {
      code: "ConnectionClosed",
      meaning: "the connection was reset (ECONNRESET)",
      state: "unavailable",
    });
    assert.equal(databaseFailure(raw({ kind: "SocketTimeout" }))?.state, "unavailable");
    assert.equal(
      databaseFailure(raw({ kind: "DatabaseNotReachable", host: "db", port: 5432 }))?.meaning,
      "the database server cannot be reached (db:5432 refused the connection or is not known)",
    );
    assert.equal(databaseFailure(raw({ kind: "postgres", code: "57P01" }))?.code, "57P01");
    assert.equal(databaseFailure(raw({ kind: "UniqueConstraintViolation" })), undefined);
    // Another error that merely has a `cause` with a kind is not read as the adapter's.
    assert.equal(databaseFailure(new Error("x", { cause: { kind: "ConnectionClosed" } })), undefined);
    assert.equal(databaseFailure({ code: "P1008" })?.state, "busy");
  });

  test("OutageLog: one line when an outage starts, one every 30 s at most while it lasts, one when it ends", () => {
    const lines: string[] = [];
    let now = 0;
    const log = new OutageLog(
      "relay: a pass",
      "DATABASE_URL (postgresql://u:***@db:5432/app)",
      (l) => lines.push(l),
      30_000,
      () => now,
    );
    const refused = {
      code: "P1001",
      meta: { driverAdapterError: { cause: { kind: "DatabaseNotReachable", host: "db", port: 5432 } } },
    };
    log.recovered();
    for (; now < 65_000; now += 1_000) log.failed(refused);
    log.recovered();
    log.recovered();
    assert.deepEqual(lines, [
      "relay: a pass failed: the database of DATABASE_URL (postgresql://u:***@db:5432/app) is unavailable: P1001 (the database server cannot be reached (db:5432 refused the connection or is not known)); retrying, said again every 30 s while it lasts",
      "relay: a pass: the database of DATABASE_URL (postgresql://u:***@db:5432/app) still unavailable after 30 s (31 failed attempts, the last P1001: the database server cannot be reached (db:5432 refused the connection or is not known)); retrying",
      "relay: a pass: the database of DATABASE_URL (postgresql://u:***@db:5432/app) still unavailable after 60 s (61 failed attempts, the last P1001: the database server cannot be reached (db:5432 refused the connection or is not known)); retrying",
      "relay: a pass: the database of DATABASE_URL (postgresql://u:***@db:5432/app) answers again after 65 s (65 failed attempts, the last P1001)",
    ]);
  });

  test("OutageLog: a database only busy is said once it has lasted 2 s, and its end only then; unavailable is said at once", () => {
    const lines: string[] = [];
    let now = 0;
    const log = new OutageLog(
      "worker: a job",
      "DATABASE_URL (file:./dev.db)",
      (l) => lines.push(l),
      30_000,
      () => now,
    );
    const locked = { code: "P1008" };
    // Contention: busy twice, then a success, within 2 s: nothing said.
    log.failed(locked);
    now += 100;
    log.failed(locked);
    now += 100;
    log.recovered();
    assert.deepEqual(lines, []);
    // A lock held longer: said at the first failure 2 s after the outage began, then its end.
    for (let i = 0; i < 25; i++, now += 100) log.failed(locked);
    log.recovered();
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(
      lines[0]!,
      /^worker: a job failed: the database of DATABASE_URL \(file:\.\/dev\.db\) is busy for 2 s: P1008 \(/,
    );
    assert.match(lines[1]!, /answers again after 3 s \(25 failed attempts, the last P1008\)$/);
    // Unavailable: said at its first failure, as before.
    lines.length = 0;
    log.failed({ code: "P1001" });
    assert.match(lines[0]!, /^worker: a job failed: the database of .+ is unavailable: P1001 /);
  });

  test("RepeatedFailureLog: a failure in full once, the same again counted with a line every 30 s, a new one in full, the end in one line", () => {
    const lines: [string, unknown][] = [];
    let now = 0;
    const log = new RepeatedFailureLog(
      "relay: a pass",
      (error) => (error as Error).message,
      (line, error) => lines.push([line, error]),
      30_000,
      () => now,
    );
    const gone = new Error("P2021: The table `main.Outbox` does not exist in the current database.");
    log.recovered();
    for (; now <= 65_000; now += 1_000) log.failed(new Error(gone.message));
    const other = new Error("something else");
    log.failed(other);
    now += 5_000;
    log.recovered();
    log.recovered();
    assert.deepEqual(
      lines.map(([line, error]) => [line, error === undefined ? undefined : (error as Error).message]),
      [
        ["relay: a pass failed, retrying; said again every 30 s while it fails the same way:", gone.message],
        [
          `relay: a pass: still failing after 30 s (31 times, the same error: ${gone.message}); retrying`,
          undefined,
        ],
        [
          `relay: a pass: still failing after 60 s (61 times, the same error: ${gone.message}); retrying`,
          undefined,
        ],
        [
          "relay: a pass failed, retrying; said again every 30 s while it fails the same way:",
          "something else",
        ],
        ["relay: a pass: succeeds again after 5 s (1 failed time, the last: something else)", undefined],
      ],
    );
  });

  test("OutageLog: P2028 (a full pool, or a server that never answers) is said busy until nothing has succeeded for 30 s, then unavailable", () => {
    const lines: string[] = [];
    let now = 0;
    const log = new OutageLog(
      "api: a request",
      "DATABASE_URL (postgresql://u:***@db:5432/app)",
      (l) => lines.push(l),
      30_000,
      () => now,
    );
    const p2028 = {
      code: "P2028",
      message: "Transaction API error: Unable to start a transaction in the given time.",
    };
    const said: string[] = [];
    for (; now <= 32_000; now += 2_000) said.push(log.failed(p2028).state);
    assert.deepEqual(said, [...Array<string>(15).fill("busy"), "unavailable", "unavailable"]);
    assert.deepEqual(lines, [
      "api: a request failed: the database of DATABASE_URL (postgresql://u:***@db:5432/app) is busy for 2 s: P2028 (a transaction could not start in time); retrying, said again every 30 s while it lasts",
      "api: a request: the database of DATABASE_URL (postgresql://u:***@db:5432/app) still unavailable after 32 s (17 failed attempts, the last P2028: a transaction could not start in time, and nothing has succeeded for 30 s: the server does not answer); retrying",
    ]);
    // A success ends the outage: the next P2028 is busy again.
    log.recovered();
    assert.equal(log.failed(p2028).state, "busy");
    // Any other failure keeps its own state however long the outage lasts.
    now += 60_000;
    assert.equal(log.failed({ code: "P1008" }).state, "busy");
  });
});
