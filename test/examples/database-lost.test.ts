// A server database whose connection is lost in the middle of a query (a restart, a failover, an
// administrator's pg_terminate_backend): what the example's Prisma client then throws is a transient
// failure, retried as a busy database is (examples/preprocess/transient.ts); on the real PostgreSQL server.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { describe, test } from "node:test";
import type pg from "pg";
import { openDatabase, type Database } from "../../examples/preprocess/db.js";
import {
  databaseFailure,
  isTransientDatabaseError,
  retryTransient,
} from "../../examples/preprocess/transient.js";
import { connectPostgres, exampleSchemaFixture, PG_URL } from "../prisma/databases.js";
import { ended, startExample } from "../support/main-job.js";
import { until } from "./queue-helpers.js";
import { countingProxy, HANG_GUARD_MS, within } from "./tcp-servers.js";
import { exampleArgs, requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

const SCHEMA = `tracehop_lost_${process.pid}`;
/** The application_name of the client under test: only its backends are terminated. */
const APP = `tracehop_lost_test_${process.pid}`;
const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${SCHEMA}&application_name=${APP}`;

/**
 * A TCP proxy on 127.0.0.1 (any free port) to the PostgreSQL server of PG_URL; `reset()` resets each
 * connection open through it (a TCP RST to the client: its socket fails with ECONNRESET), as a proxy, a
 * firewall or a load balancer dropping connections does; new connections are relayed again.
 */
async function resettingProxy(): Promise<{ port: number; reset(): void; close(): Promise<void> }> {
  const upstream = new URL(PG_URL);
  const clients = new Set<Socket>();
  const proxy = createServer((client) => {
    const server = connect(Number(upstream.port || 5432), upstream.hostname);
    clients.add(client);
    for (const s of [client, server]) s.on("error", () => {});
    client.on("close", () => {
      clients.delete(client);
      server.destroy();
    });
    server.on("close", () => client.destroy());
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return {
    port: (proxy.address() as AddressInfo).port,
    reset: () => {
      for (const client of clients) client.resetAndDestroy();
    },
    close: () => {
      for (const client of clients) client.destroy();
      return new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

describe("PostgreSQL: a connection terminated during a query", () => {
  let admin: pg.Client;
  let db: Database;
  const postgres = exampleSchemaFixture(url, SCHEMA, async (opened) => {
    admin = opened;
    db = await openDatabase(url);
    return () => db.$disconnect();
  });

  /** Terminates this test's backends (57P01, as a server shutdown or failover sends) once `ms` passed. */
  const terminateAfter = async (ms: number) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [
      APP,
    ]);
  };

  /** `operation`'s rejection, once the backend serving it is terminated while it waits for a row lock. */
  const failureWhileLocked = async (operation: (jobId: string) => PromiseLike<unknown>) => {
    const job = await db.preprocessJob.create({ data: { text: "locked" } });
    await admin.query("BEGIN");
    try {
      await admin.query(`SELECT id FROM ${SCHEMA}."PreprocessJob" WHERE id = $1 FOR UPDATE`, [job.id]);
      // Started now (a Prisma promise runs only once awaited).
      const pending = Promise.resolve(operation(job.id)).then(
        () => assert.fail("the operation succeeded through a held lock"),
        (error: unknown) => error,
      );
      await terminateAfter(300);
      return await pending;
    } finally {
      await admin.query("ROLLBACK");
    }
  };

  /**
   * `operation`'s rejection, once the connections through `proxy` are reset (ECONNRESET) while it waits
   * for job `jobId`'s row lock, which the test's own client holds.
   */
  const failureAfterReset = async (
    proxy: { reset(): void },
    jobId: string,
    operation: () => PromiseLike<unknown>,
    what: string,
  ) => {
    await admin.query("BEGIN");
    try {
      await admin.query(`SELECT id FROM ${SCHEMA}."PreprocessJob" WHERE id = $1 FOR UPDATE`, [jobId]);
      let settled = false;
      const pending = Promise.resolve(operation()).then(
        () => assert.fail(`${what} succeeded through a held lock`),
        (error: unknown) => error,
      );
      void pending.finally(() => (settled = true));
      // (Or its failure before: shown by the assertions below.)
      await until(
        async () =>
          settled ||
          (
            await admin.query(
              "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
              [APP],
            )
          ).rowCount === 1,
        `${what} to wait for the lock`,
      );
      proxy.reset();
      return await within(pending, HANG_GUARD_MS, `${what}'s failure`);
    } finally {
      await admin.query("ROLLBACK");
      // The server's side of a reset connection runs on until it writes: its statement, given the lock
      // now, ends it. None is left waiting for the next operation's wait to be told from it.
      await until(
        async () =>
          (
            await admin.query(
              "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
              [APP],
            )
          ).rowCount === 0,
        "the reset connections' statements to end on the server",
      );
    }
  };

  test("a model query (Prisma P2039 holding 57P01) is transient, said as the database unavailable", async (t) => {
    if (postgres.skipped(t)) return;
    const error = await failureWhileLocked((id) =>
      db.preprocessJob.update({ where: { id }, data: { status: "done" } }),
    );
    assert.equal((error as { code?: string }).code, "P2039");
    assert.equal(isTransientDatabaseError(error), true);
    assert.deepEqual(databaseFailure(error), {
      code: "57P01",
      meaning: "the server ended the connection (administrator command: a shutdown, a failover)",
      state: "unavailable",
    });
  });

  test("a batch transaction (pg's lost connection, in whichever wording the timing gives) is transient", async (t) => {
    if (postgres.skipped(t)) return;
    const error = await failureWhileLocked((id) =>
      db.$transaction([
        db.sentence.deleteMany({ where: { jobId: id } }),
        db.preprocessJob.update({ where: { id }, data: { status: "done" } }),
      ]),
    );
    // Which error comes depends on the order the server's ErrorResponse (57P01), the socket's end and the
    // batch's next statement reach pg in, which a loaded machine changes: pg's "Connection terminated
    // unexpectedly" (no code) most often, its "Client has encountered a connection error and is not
    // queryable", or the adapter's DriverAdapterError holding 57P01. Each is the same kind: a lost connection.
    t.diagnostic(`the batch failed with: ${String(error)}`);
    assert.equal(isTransientDatabaseError(error), true, String(error));
    assert.equal(databaseFailure(error)?.state, "unavailable");
    // The pool connects again: the next query works.
    assert.equal(typeof (await db.preprocessJob.count()), "number");
  });

  // The errors node-postgres itself gives for a connection the server ends, on a client the test owns (no pool,
  // no Prisma): each is a lost connection, transient, the database unavailable.
  test("pg's own errors of a terminated connection (the query's 57P01, the client's 'error' events, the next query's): each transient", async (t) => {
    if (postgres.skipped(t)) return;
    const { default: pgModule } = await import("pg");
    const client = new pgModule.Client({ connectionString: PG_URL, application_name: APP });
    const emitted: unknown[] = [];
    client.on("error", (error) => emitted.push(error));
    await within(client.connect(), HANG_GUARD_MS, "a pg connection");
    try {
      const running = client.query("SELECT pg_sleep(30)").then(
        () => assert.fail("the query outlived its backend"),
        (error: unknown) => error,
      );
      await until(
        async () =>
          (
            await admin.query(
              "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'SELECT pg_sleep%'",
              [APP],
            )
          ).rowCount === 1,
        "the query to run on the server",
      );
      await terminateAfter(0);
      const errors = [await within(running, HANG_GUARD_MS, "the terminated query's failure")];
      errors.push(
        await within(
          client.query("SELECT 1").then(
            () => assert.fail("a query on a terminated connection succeeded"),
            (error: unknown) => error,
          ),
          HANG_GUARD_MS,
          "the next query's failure",
        ),
        ...emitted,
      );
      // The query's error is the server's own (a DatabaseError with its SQLSTATE); what follows has no code.
      assert.deepEqual(
        [(errors[0] as { code?: unknown }).code, (errors[0] as { severity?: unknown }).severity],
        ["57P01", "FATAL"],
      );
      for (const error of errors)
        assert.equal(databaseFailure(error)?.state, "unavailable", `${String(error)} is not transient`);
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  // A connection reset (ECONNRESET: a proxy, a firewall, a load balancer dropping it) under a model query: the
  // adapter turns the socket's error into a DriverAdapterError of kind ConnectionClosed, which Prisma wraps
  // as P1017 "Server has closed the connection".
  test("a connection reset under a model query (Prisma P1017 holding the adapter's kind ConnectionClosed) is transient", async (t) => {
    if (postgres.skipped(t)) return;
    const proxy = await resettingProxy();
    t.after(() => proxy.close());
    const proxied = new URL(url);
    proxied.port = String(proxy.port);
    const viaProxy = await openDatabase(proxied.href);
    t.after(() => viaProxy.$disconnect());
    const job = await viaProxy.preprocessJob.create({ data: { text: "reset" } });
    const failed = (operation: () => PromiseLike<unknown>, what: string) =>
      failureAfterReset(proxy, job.id, operation, what);
    const error = await failed(
      () => viaProxy.preprocessJob.update({ where: { id: job.id }, data: { status: "done" } }),
      "a model query",
    );
    assert.deepEqual(
      [
        (error as { code?: unknown }).code,
        (error as { meta?: { driverAdapterError?: { cause?: unknown } } }).meta?.driverAdapterError?.cause,
      ],
      ["P1017", { kind: "ConnectionClosed" }],
    );
    assert.deepEqual(databaseFailure(error), {
      code: "P1017",
      meaning: "the connection was reset (ECONNRESET)",
      state: "unavailable",
    });
    // The pool connects again: the next query works.
    assert.equal(typeof (await viaProxy.preprocessJob.count()), "number");
  });

  // A batch transaction (the worker's sentences: deleteMany, then createMany) whose statement waits longer
  // than Prisma's transaction timeout (a row lock held long, or its connection reset and the failure seen only
  // once the server's statement_timeout ends it): Prisma's transaction manager closes the transaction at its
  // timeout with a ROLLBACK, and the rollback the failed batch then asks for is refused as on an expired
  // transaction (P2028). Nothing committed: the batch may run again. The example's statement_timeout (29 s)
  // is past Prisma's default timeout (5 s); here 2 s and 1 s.
  test("a batch transaction whose statement outlasts the transaction timeout (Prisma P2028, a rollback on an expired transaction) is transient, nothing committed", async (t) => {
    if (postgres.skipped(t)) return;
    const slow = await openDatabase(url, { queryTimeoutMs: 3_000 });
    t.after(() => slow.$disconnect());
    const job = await slow.preprocessJob.create({ data: { text: "expired" } });
    const batch = () =>
      slow.$transaction(
        [
          slow.sentence.deleteMany({ where: { jobId: job.id } }),
          slow.preprocessJob.update({ where: { id: job.id }, data: { status: "done" } }),
        ],
        { timeout: 1_000 },
      );
    await admin.query("BEGIN");
    let error: unknown;
    try {
      await admin.query(`SELECT id FROM ${SCHEMA}."PreprocessJob" WHERE id = $1 FOR UPDATE`, [job.id]);
      error = await batch().then(
        () => assert.fail("the batch went through a held lock"),
        (e: unknown) => e,
      );
    } finally {
      await admin.query("ROLLBACK");
    }
    assert.equal((error as { code?: unknown }).code, "P2028");
    assert.match(String((error as Error).message), /A rollback cannot be executed on an expired transaction/);
    assert.deepEqual(databaseFailure(error), {
      code: "P2028",
      meaning:
        "the transaction's statement did not end before Prisma's transaction timeout (a lock held long, a connection lost under it, a server not answering); Prisma rolled it back, nothing was committed",
      state: "unavailable",
    });
    // Nothing committed; run again, the batch commits.
    assert.equal((await slow.preprocessJob.findUniqueOrThrow({ where: { id: job.id } })).status, job.status);
    let calls = 0;
    await retryTransient(
      () => {
        calls++;
        return calls === 1 ? Promise.reject(error) : batch();
      },
      { baseDelayMs: 1 },
    );
    assert.equal((await slow.preprocessJob.findUniqueOrThrow({ where: { id: job.id } })).status, "done");
  });

  test("a connection reset under a batch transaction is transient", async (t) => {
    if (postgres.skipped(t)) return;
    const proxy = await resettingProxy();
    t.after(() => proxy.close());
    const proxied = new URL(url);
    proxied.port = String(proxy.port);
    const viaProxy = await openDatabase(proxied.href);
    t.after(() => viaProxy.$disconnect());
    const job = await viaProxy.preprocessJob.create({ data: { text: "reset" } });
    const error = await failureAfterReset(
      proxy,
      job.id,
      () =>
        viaProxy.$transaction([
          viaProxy.sentence.deleteMany({ where: { jobId: job.id } }),
          viaProxy.preprocessJob.update({ where: { id: job.id }, data: { status: "done" } }),
        ]),
      "a batch transaction",
    );
    t.diagnostic(`the batch failed with: ${String(error)}`);
    assert.equal(isTransientDatabaseError(error), true, String(error));
    assert.equal(databaseFailure(error)?.state, "unavailable");
    // Nothing committed: the job is as it was, and the pool connects again.
    assert.equal(
      (await viaProxy.preprocessJob.findUniqueOrThrow({ where: { id: job.id } })).status,
      job.status,
    );
  });

  test("a server not listening (P1001) is the database unavailable, not busy", async () => {
    const refused = await openDatabase(`postgresql://postgres@127.0.0.1:1/test?schema=${SCHEMA}`);
    try {
      const error = await refused.preprocessJob.count().then(
        () => assert.fail("a query on a closed port succeeded"),
        (e: unknown) => e,
      );
      assert.deepEqual(databaseFailure(error), {
        code: "P1001",
        meaning: "the database server cannot be reached (127.0.0.1:1 refused the connection or is not known)",
        state: "unavailable",
      });
    } finally {
      await refused.$disconnect();
    }
  });
});

describe("PostgreSQL: a server that stops answering on an open connection", () => {
  test("a query fails after the query timeout with a transient error (the database unavailable), not a silent hang; the pool connects again", async (t) => {
    const admin = await connectPostgres();
    if (typeof admin === "string") return t.skip(admin);
    await admin.end();
    const upstream = new URL(PG_URL);
    // Relays to PostgreSQL until `stalled`: from then on nothing passes either way, the sockets open, as
    // with a server frozen or packets dropped on the path.
    let stalled = false;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const server = connect(Number(upstream.port || 5432), upstream.hostname);
      for (const s of [client, server]) {
        sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => sockets.delete(s));
      }
      client.on("data", (chunk) => stalled || server.write(chunk));
      server.on("data", (chunk) => stalled || client.write(chunk));
      client.on("close", () => server.destroy());
      server.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const port = (proxy.address() as AddressInfo).port;
    const proxied = new URL(PG_URL);
    proxied.port = String(port);
    const db = await openDatabase(proxied.href, { queryTimeoutMs: 500 });
    try {
      assert.deepEqual(await db.$queryRawUnsafe("SELECT 1::int AS one"), [{ one: 1 }]);
      stalled = true;
      const started = Date.now();
      const error = await within(
        db.$queryRawUnsafe("SELECT 2::int AS two"),
        HANG_GUARD_MS,
        "the stalled query",
      ).then(
        () => assert.fail("a query through a stalled connection succeeded"),
        (e: unknown) => e,
      );
      // Timing-free: the stalled connection never answers, so the query ends only by query_timeout (its
      // own code below); the lower bound is the 500 ms set (a slow machine only makes it longer).
      const took = Date.now() - started;
      assert.ok(took >= 400, `took ${took} ms`);
      assert.deepEqual(databaseFailure(error), {
        code: "Query read timeout",
        meaning: "the server did not answer the query in time (query_timeout)",
        state: "unavailable",
      });
      // The server answers again: the connection that timed out was dropped, a new one works.
      stalled = false;
      assert.deepEqual(
        await within(db.$queryRawUnsafe("SELECT 3::int AS three"), HANG_GUARD_MS, "the next query"),
        [{ three: 3 }],
      );
    } finally {
      await within(db.$disconnect(), HANG_GUARD_MS, "the client's disconnect").catch(() => {});
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe("the worker, started by hand, whose PostgreSQL connection is terminated mid-job", () => {
  const schema = `tracehop_lost_worker_${process.pid}`;
  const app = `tracehop_lost_worker_${process.pid}`;
  const workerUrl = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${schema}&application_name=${app}`;

  test("retries the job (it ends done, not failed), says the outage in one line and its end in another, no stack", async (t) => {
    const admin = await connectPostgres();
    if (typeof admin === "string") return t.skip(admin);
    const dir = mkdtempSync(join(tmpdir(), "tracehop-lost-worker-"));
    try {
      execFileSync(process.execPath, exampleArgs("migrate"), {
        env: { ...process.env, DATABASE_URL: workerUrl },
        stdio: "ignore",
      });
      const table = (name: string) => `${schema}."${name}"`;
      await admin.query(
        `INSERT INTO ${table("PreprocessJob")} (id, status, text, "updatedAt") VALUES ('job-1', 'pending', 'One. Two.', now())`,
      );
      await admin.query(
        `INSERT INTO ${table("QueueMessage")} (queue, body, headers) VALUES ('preprocess-jobs', '{"jobId":"job-1"}', '{}')`,
      );
      // The worker waits on this lock in its write of the sentences, its backend terminated there (57P01,
      // what a server shutdown or failover sends).
      await admin.query("BEGIN");
      await admin.query(`SELECT id FROM ${table("PreprocessJob")} WHERE id = 'job-1' FOR UPDATE`);
      const run = startExample("worker", {
        DATABASE_URL: workerUrl,
        AMQP_URL: "",
        TRACEHOP_POLL_MS: "20",
        TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
        OTEL_EXPORTER_OTLP_ENDPOINT: "",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
      });
      try {
        await within(run.ready, HANG_GUARD_MS, "the worker's READY");
        // (A second client: the admin's own connection is in its transaction.)
        const watcher = await connectPostgres();
        if (typeof watcher === "string") throw new Error(watcher);
        try {
          await until(
            async () =>
              (
                await watcher.query(
                  "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
                  [app],
                )
              ).rows[0].n > 0,
          );
          await watcher.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            [app],
          );
        } finally {
          await watcher.end();
        }
        await admin.query("ROLLBACK");
        const status = async () =>
          (await admin.query(`SELECT status FROM ${table("PreprocessJob")} WHERE id = 'job-1'`)).rows[0]
            .status as string;
        await until(async () => (await status()) !== "pending");
        assert.equal(await status(), "done");
      } finally {
        run.child.kill("SIGTERM");
      }
      const { stderr } = await ended(run, "the worker's exit on SIGTERM");
      const lines = stderr.split("\n").filter((line) => line !== "");
      const shown = `DATABASE_URL (${workerUrl})`;
      // Terminated while waiting for the lock inside the batch transaction: pg's own error, no code.
      assert.ok(
        lines.some(
          (line) =>
            line ===
            `tracehop preprocess: worker: a job failed: the database of ${shown} is unavailable: Connection terminated unexpectedly (the connection was closed during a query); retrying, said again every 30 s while it lasts`,
        ),
        stderr,
      );
      assert.ok(
        lines.some((line) =>
          line.startsWith(
            `tracehop preprocess: worker: a job: the database of ${shown} answers again after `,
          ),
        ),
        stderr,
      );
      assert.doesNotMatch(stderr, /worker: job |^\s+at /m);
      assert.equal(
        lines.at(-1),
        "tracehop preprocess: worker: stopped on SIGTERM: exiting with code 0",
        stderr,
      );
      assert.ok(lines.length <= 4, stderr);
    } finally {
      await admin.query("ROLLBACK").catch(() => {});
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the api, started by hand, whose PostgreSQL server goes away", () => {
  test("answers 503 saying the database is unavailable, with Retry-After, in one log line: no 500, no stack", async (t) => {
    const admin = await connectPostgres();
    if (typeof admin === "string") return t.skip(admin);
    const schema = `tracehop_lost_api_${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), "tracehop-lost-api-"));
    const upstream = new URL(PG_URL);
    const proxy = await countingProxy(Number(upstream.port || 5432), upstream.hostname);
    const proxied = new URL(PG_URL);
    proxied.port = String(proxy.port);
    proxied.searchParams.set("schema", schema);
    try {
      const direct = new URL(PG_URL);
      direct.searchParams.set("schema", schema);
      execFileSync(process.execPath, exampleArgs("migrate"), {
        env: { ...process.env, DATABASE_URL: direct.href },
        stdio: "ignore",
      });
      const run = startExample("api", {
        DATABASE_URL: proxied.href,
        AMQP_URL: "",
        TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
        OTEL_EXPORTER_OTLP_ENDPOINT: "",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
        TRACEHOP_CONNECT_TIMEOUT_MS: "1000",
      });
      try {
        const base = /(http:\/\/\S+)/.exec(await within(run.ready, HANG_GUARD_MS, "the api's READY"))![1]!;
        const answer = (what: string) => within(fetch(`${base}/preprocess-jobs/none`), HANG_GUARD_MS, what);
        assert.equal((await answer("the api's answer with its database up")).status, 404);
        // The server goes away: its connections are cut, and nothing listens there any more.
        await proxy.close();
        const answers = [];
        for (let i = 0; i < 3; i++) {
          const res = await answer(`the api's answer ${i + 1} with its database gone`);
          answers.push([
            res.status,
            res.headers.get("retry-after"),
            ((await res.json()) as { error: string }).error,
          ]);
        }
        for (const answer of answers)
          assert.deepEqual(answer, [
            503,
            "5",
            "the database is unavailable (it cannot be reached, does not answer, or the connection was lost): ask again",
          ]);
      } finally {
        run.child.kill("SIGTERM");
      }
      const { stderr } = await ended(run, "the api's exit on SIGTERM");
      const lines = stderr.split("\n").filter((line) => line !== "");
      assert.equal(lines.length, 2, stderr);
      assert.equal(lines[1], "tracehop preprocess: api: stopped on SIGTERM: exiting with code 0");
      assert.match(
        lines[0]!,
        new RegExp(
          `^tracehop preprocess: api: a request failed: the database of DATABASE_URL \\(${proxied.href.replace(/[.?*+()[\]\\/]/g, "\\$&")}\\) is unavailable: `,
        ),
      );
    } finally {
      await proxy.close().catch(() => {});
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
