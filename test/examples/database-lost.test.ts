// A server database whose connection is lost in the middle of a query (a restart, a failover, an
// administrator's pg_terminate_backend): what the example's Prisma client then throws is a transient
// failure, retried as a busy database is (examples/preprocess/transient.ts); on the real PostgreSQL server.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type pg from "pg";
import { openDatabase, type Database } from "../../examples/preprocess/db.js";
import { databaseFailure, isTransientDatabaseError } from "../../examples/preprocess/transient.js";
import { connectPostgres, PG_URL } from "../prisma/databases.js";

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
