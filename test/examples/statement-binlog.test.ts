// The worker's store of a job's sentences (examples/preprocess/job-sentences.ts storeSentences) on a
// MariaDB server whose binary log is in the STATEMENT format, which refuses writes at READ COMMITTED on
// InnoDB (error 1665): a server of the test's own (test/support/private-mariadb.ts), for the shared one
// has no binary log and must not be changed; and on the shared one, READ COMMITTED as before.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import mariadb, { type Connection } from "mariadb";
import { openDatabase, type Database } from "../../examples/preprocess/db.js";
import { migrateMysql } from "../../examples/preprocess/migrate-server.js";
import {
  SENTENCE_CHUNK,
  storeSentences,
  type StoreOptions,
} from "../../examples/preprocess/job-sentences.js";
import { createDatabase, mysqlConnection, type TestDatabase } from "../prisma/databases.js";
import { privateMariaDbFixture, type PrivateMariaDb } from "../support/private-mariadb.js";
import { quietly } from "./queue-helpers.js";
import { HANG_GUARD_MS } from "./tcp-servers.js";
import { expectedRows, jobOf, PLAIN, sentencesOf } from "./store-helpers.js";

/**
 * The line the worker says once per client when the server refuses READ COMMITTED writes (here, in the test's
 * own process, not named: the worker's starts `tracehop preprocess: worker: `, config.ts say).
 */
const FALLBACK_LINE =
  "this MySQL/MariaDB server's binary log is in the STATEMENT format, which refuses writes at READ " +
  "COMMITTED (error 1665): the sentences are written at the server's default isolation level instead, " +
  "where writers of different jobs deadlock more often (each a collision, written again); set " +
  "binlog_format=ROW or MIXED, then restart the worker, to write at READ COMMITTED";

/**
 * Stores job `id`'s three sentences on `db` while `admin` (a connection to the same database) holds an
 * uncommitted row 0 of the job, which the store's transaction waits on; resolves to the isolation level of
 * that waiting transaction (information_schema.INNODB_TRX, `READ COMMITTED`, `REPEATABLE READ`) once the
 * row is rolled back and the store ended (one chunk).
 */
async function isolationOfStore(db: Database, admin: Connection, id: string): Promise<string> {
  await admin.query("BEGIN");
  await admin.query("INSERT INTO `Sentence` (`jobId`, `index`, `text`) VALUES (?, 0, 'N0.')", [id]);
  const stored = storeSentences(db, id, sentencesOf(3), PLAIN);
  let ended = false; // failed at once, or not waiting
  stored.then(
    () => (ended = true),
    () => (ended = true),
  );
  let level: string | undefined;
  try {
    // InnoDB refreshes what INNODB_TRX shows only when it was not read for 100 ms: read less often.
    for (
      const deadline = Date.now() + HANG_GUARD_MS; // a hang guard: far past what a loaded machine takes
      level === undefined && !ended && Date.now() < deadline;
      await sleep(150)
    ) {
      const rows = (await admin.query(
        "SELECT t.`trx_isolation_level` AS `level` FROM information_schema.INNODB_TRX t " +
          "JOIN information_schema.PROCESSLIST p ON p.`ID` = t.`trx_mysql_thread_id` " +
          "WHERE t.`trx_state` = 'LOCK WAIT' AND p.`DB` = DATABASE()",
      )) as { level: string }[];
      level = rows[0]?.level;
    }
  } finally {
    await admin.query("ROLLBACK");
  }
  assert.equal(await stored, 1);
  assert.ok(level !== undefined, "the store's transaction was not seen waiting on the row");
  return level;
}

/** The server's count of ROLLBACK statements since it started (each refused chunk transaction's one). */
async function rollbacks(admin: Connection): Promise<number> {
  const [row] = (await admin.query("SHOW GLOBAL STATUS LIKE 'Com_rollback'")) as { Value: string }[];
  return Number(row!.Value);
}

describe("storeSentences on a MariaDB server whose binary log is in the STATEMENT format (a server of the test's own)", () => {
  let server: PrivateMariaDb;
  let admin: Connection;
  let db: Database;
  const fixture = privateMariaDbFixture(
    ["--log-bin", "--binlog-format=STATEMENT", "--server-id=1"],
    async (started) => {
      server = started;
      admin = await server.connect();
      await admin.query("CREATE DATABASE `tracehop`");
      await admin.query("USE `tracehop`");
      await migrateMysql(server.url("tracehop"));
      db = await openDatabase(server.url("tracehop"));
      return () => Promise.all([db.$disconnect(), admin.end()]);
    },
  );

  test("the server is what the test needs: binary log on, STATEMENT format", async (t) => {
    if (fixture.skipped(t)) return;
    const [row] = (await admin.query("SELECT @@log_bin AS `on`, @@binlog_format AS `format`")) as {
      on: bigint;
      format: string;
    }[];
    assert.deepEqual(row, { on: 1n, format: "STATEMENT" });
  });

  test("a job of several chunks is stored and done: READ COMMITTED refused once (1665), the rest at the server's default level, said in one line", async (t) => {
    if (fixture.skipped(t)) return;
    const count = 2 * SENTENCE_CHUNK + 5;
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    const before = await rollbacks(admin);
    let stored: number | undefined;
    const lines = await quietly(async () => {
      stored = await storeSentences(db, job.id, sentencesOf(count), PLAIN);
    });
    assert.equal(stored, 3);
    assert.deepEqual(await jobOf(db, job.id), { status: "done", rows: expectedRows(count) });
    assert.deepEqual(lines, [FALLBACK_LINE]);
    // Only the first chunk's first transaction was refused: the client remembers.
    assert.equal((await rollbacks(admin)) - before, 1);
  });

  test("later jobs on the same client: no chunk refused first, nothing said again, written at the server's default level", async (t) => {
    if (fixture.skipped(t)) return;
    const count = 2 * SENTENCE_CHUNK + 5;
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    const other = await db.preprocessJob.create({ data: { text: "unused" } });
    const before = await rollbacks(admin);
    let level: string | undefined;
    const lines = await quietly(async () => {
      assert.equal(await storeSentences(db, job.id, sentencesOf(count), PLAIN), 3);
      level = await isolationOfStore(db, admin, other.id);
    });
    assert.deepEqual([lines, (await rollbacks(admin)) - before - 1], [[], 0]); // the one: isolationOfStore's
    assert.equal(level, "REPEATABLE READ");
    assert.deepEqual(await jobOf(db, job.id), { status: "done", rows: expectedRows(count) });
    assert.deepEqual(await jobOf(db, other.id), { status: "done", rows: expectedRows(3) });
  });
  test("four stores of four jobs whose ranges share a gap of the index, each its own client: their deadlocks are collisions, written again; every job done", async (t) => {
    if (fixture.skipped(t)) return;
    const clients = await Promise.all([1, 2, 3, 4].map(() => openDatabase(server.url("tracehop"))));
    t.after(() => Promise.all(clients.map((client) => client.$disconnect())));
    const count = 2 * SENTENCE_CHUNK + 1;
    const collisions: number[] = [];
    const busy: number[] = [];
    const options: StoreOptions = {
      retry: { attempts: 5, baseDelayMs: 1, onRetry: (_error, attempt) => busy.push(attempt) },
      between: async () => {},
      onCollision: (_error, attempt) => collisions.push(attempt),
    };
    const lines = await quietly(async () => {
      for (let round = 0; round < 6; round++) {
        // Ids next to each other in the index, no row between: one gap holds the four jobs' ranges.
        const ids = ["a", "b", "c", "d"].map((end) => `gap-${process.pid}-${round}-${end}`);
        for (const id of ids) await db.preprocessJob.create({ data: { id, text: "unused" } });
        assert.deepEqual(
          await Promise.all(ids.map((id, i) => storeSentences(clients[i]!, id, sentencesOf(count), options))),
          [3, 3, 3, 3],
        );
        for (const id of ids)
          assert.deepEqual(await jobOf(db, id), { status: "done", rows: expectedRows(count) });
      }
    });
    assert.deepEqual(lines, Array(4).fill(FALLBACK_LINE), "said once per client");
    assert.deepEqual(busy, [], "a collision was retried as a busy database");
    assert.ok(collisions.length > 0, "no chunk collided: the test did not test the collision");
  });
});

describe("storeSentences on the shared MariaDB/MySQL server (binary log off or not STATEMENT)", () => {
  let made: TestDatabase | string = "not made";
  let db: Database;
  let admin: Connection;
  before(async () => {
    made = await createDatabase("mysql");
    if (typeof made === "string") return;
    db = await openDatabase(made.url);
    admin = await mariadb.createConnection({
      ...mysqlConnection(made.url),
      database: new URL(made.url).pathname.slice(1),
    });
  });
  after(async () => {
    if (typeof made === "string") return;
    await Promise.all([db.$disconnect(), admin.end()]);
    await made.drop();
  });

  test("a chunk's transaction runs at READ COMMITTED, nothing said", async (t) => {
    if (typeof made === "string") return t.skip(made);
    const [row] = (await admin.query("SELECT @@log_bin AS `on`, @@binlog_format AS `format`")) as {
      on: bigint;
      format: string;
    }[];
    if (row!.on === 1n && row!.format === "STATEMENT")
      return t.skip(
        "the shared server's binary log is in the STATEMENT format: READ COMMITTED is refused there",
      );
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    let level: string | undefined;
    const lines = await quietly(async () => {
      level = await isolationOfStore(db, admin, job.id);
    });
    assert.deepEqual([level, lines], ["READ COMMITTED", []]);
    assert.deepEqual(await jobOf(db, job.id), { status: "done", rows: expectedRows(3) });
  });
});
