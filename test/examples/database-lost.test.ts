// A server database whose connection is lost in the middle of a query (a restart, a failover, an
// administrator's pg_terminate_backend): what the example's Prisma client then throws is a transient
// failure, retried as a busy database is (examples/preprocess/transient.ts); on the real PostgreSQL server.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import type pg from "pg";
import { openDatabase, type Database } from "../../examples/preprocess/db.js";
import { databaseFailure, isTransientDatabaseError } from "../../examples/preprocess/transient.js";
import { connectPostgres, PG_URL } from "../prisma/databases.js";
import { within } from "./tcp-servers.js";

const SCHEMA = "hl2_lost";
/** The application_name of the client under test: only its backends are terminated. */
const APP = "hl2_lost_test";
const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${SCHEMA}&application_name=${APP}`;

describe("PostgreSQL: a connection terminated during a query", () => {
  let admin: pg.Client;
  let db: Database;
  let skip: string | undefined;

  before(async () => {
    const client = await connectPostgres();
    if (typeof client === "string") {
      skip = client;
      return;
    }
    admin = client;
    execFileSync(process.execPath, ["--import", "tsx", "examples/preprocess/migrate.ts"], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: "ignore",
    });
    db = openDatabase(url);
  });
  after(async () => {
    if (skip !== undefined) return;
    await db.$disconnect();
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await admin.end();
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

  test("a model query (Prisma P2039 holding 57P01) is transient, said as the database unavailable", async (t) => {
    if (skip !== undefined) return t.skip(skip);
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

  test("a batch transaction (pg's 'Connection terminated unexpectedly', no code) is transient", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    const error = await failureWhileLocked((id) =>
      db.$transaction([
        db.sentence.deleteMany({ where: { jobId: id } }),
        db.preprocessJob.update({ where: { id }, data: { status: "done" } }),
      ]),
    );
    assert.equal((error as Error).message, "Connection terminated unexpectedly");
    assert.equal(isTransientDatabaseError(error), true);
    assert.equal(databaseFailure(error)?.state, "unavailable");
    // The pool connects again: the next query works.
    assert.equal(typeof (await db.preprocessJob.count()), "number");
  });

  test("a server not listening (P1001) is the database unavailable, not busy", async () => {
    const refused = openDatabase(`postgresql://postgres@127.0.0.1:1/test?schema=${SCHEMA}`);
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
    const db = openDatabase(proxied.href, { queryTimeoutMs: 500 });
    try {
      assert.deepEqual(await db.$queryRawUnsafe("SELECT 1::int AS one"), [{ one: 1 }]);
      stalled = true;
      const started = Date.now();
      const error = await within(db.$queryRawUnsafe("SELECT 2::int AS two"), 5_000, "the stalled query").then(
        () => assert.fail("a query through a stalled connection succeeded"),
        (e: unknown) => e,
      );
      const took = Date.now() - started;
      assert.ok(took >= 400 && took < 3_000, `took ${took} ms`);
      assert.deepEqual(databaseFailure(error), {
        code: "pg",
        meaning: "the server did not answer the query in time (query_timeout)",
        state: "unavailable",
      });
      // The server answers again: the connection that timed out was dropped, a new one works.
      stalled = false;
      assert.deepEqual(await within(db.$queryRawUnsafe("SELECT 3::int AS three"), 5_000, "the next query"), [
        { three: 3 },
      ]);
    } finally {
      await within(db.$disconnect(), 5_000, "the client's disconnect").catch(() => {});
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
