// The worker's steps on one job (examples/preprocess/job-sentences.ts): the split, the store a chunk at
// a time with the mark of the job done, and the mark of a failed job; on a SQLite file, and on the real
// PostgreSQL and MariaDB servers for two writers at once.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import mariadb from "mariadb";
import type pg from "pg";
import { openDatabase, type Database } from "../../examples/preprocess/db.js";
import {
  ChunkCollisionError,
  COLLISION_ATTEMPTS,
  DocumentRefusedError,
  dropRowsIfFailed,
  markJobFailed,
  SENTENCE_CHUNK,
  splitJob,
  storeSentences,
  type StoreOptions,
} from "../../examples/preprocess/job-sentences.js";
import {
  connectPostgres,
  createDatabase,
  exampleSchemaFixture,
  mysqlConnection,
  PG_URL,
  type TestDatabase,
} from "../prisma/databases.js";
import { databaseFailure, isTransientDatabaseError } from "../../examples/preprocess/transient.js";
import { openExampleSqliteFile, type ExampleSqliteFile } from "./sqlite-file.js";
import { expectedRows, jobOf, PLAIN, sentencesOf } from "./store-helpers.js";
import { HANG_GUARD_MS } from "./tcp-servers.js";

/** `db` with its `$transaction` calls counted in `calls.transactions`. */
function counting(db: Database) {
  const calls = { transactions: 0 };
  const counted = new Proxy(db, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== "$transaction" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.transactions++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { db: counted, calls };
}

describe("the worker's steps on one job (SQLite)", () => {
  let file: ExampleSqliteFile;
  let db: Database;
  before(() => {
    file = openExampleSqliteFile("hW-job-sentences");
    db = file.db;
  });
  after(() => file.close());

  test("splitJob keeps the sentences, a turn between chunks; over the limit it refuses before any turn past it", async () => {
    let turns = 0;
    const text = sentencesOf(2 * SENTENCE_CHUNK + 5).join(" ");
    const sentences = await splitJob(text, async () => void turns++);
    assert.deepEqual(sentences, sentencesOf(2 * SENTENCE_CHUNK + 5));
    assert.equal(turns, 2);
    await assert.rejects(
      splitJob("One. Two. Three.", async () => {}, 2),
      new DocumentRefusedError(
        "the document has more than 2 sentences, the limit of a job: send it as several smaller documents",
      ),
    );
    // A limit of one sentence is said in the singular (it said "more than 1 sentences").
    await assert.rejects(
      splitJob("One. Two.", async () => {}, 1),
      new DocumentRefusedError(
        "the document has more than 1 sentence, the limit of a job: send it as several smaller documents",
      ),
    );
  });

  test("a ChunkCollisionError says its count of attempts as a sentence, one attempt in the singular", () => {
    const collision = new Error("deadlock");
    assert.match(
      new ChunkCollisionError(0, 3, 1, collision).message,
      /^the sentences 0 to 2 collided with another writer of the job on its one attempt; the last: /,
    );
    assert.match(
      new ChunkCollisionError(3, 3, 2, collision).message,
      /^the job's done mark collided with another writer of the job on each of 2 attempts; the last: /,
    );
  });

  test("a job of one chunk is stored and marked done in one transaction", async () => {
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    const { db: counted, calls } = counting(db);
    assert.equal(await storeSentences(counted, job.id, sentencesOf(3), PLAIN), 1);
    assert.equal(calls.transactions, 1);
    assert.deepEqual(await jobOf(db, job.id), { status: "done", rows: expectedRows(3) });
  });

  test("a job of several chunks: a transaction per chunk, the last one marks it done; rows past the count go", async () => {
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    // A row past the count (other splitting rules, an earlier delivery): removed with the mark.
    await db.sentence.create({ data: { jobId: job.id, index: 2 * SENTENCE_CHUNK + 7, text: "stale" } });
    const { db: counted, calls } = counting(db);
    let turns = 0;
    const stored = await storeSentences(counted, job.id, sentencesOf(2 * SENTENCE_CHUNK + 5), {
      ...PLAIN,
      between: async () => void turns++,
    });
    assert.deepEqual([stored, calls.transactions, turns], [3, 3, 2]);
    assert.deepEqual(await jobOf(db, job.id), { status: "done", rows: expectedRows(2 * SENTENCE_CHUNK + 5) });
  });

  test("a job failed before its store ends is not marked done, and keeps no rows", async () => {
    const failed = await db.preprocessJob.create({ data: { text: "unused", status: "failed" } });
    await storeSentences(db, failed.id, sentencesOf(3), PLAIN);
    assert.deepEqual(await jobOf(db, failed.id), { status: "failed", rows: [] });
    // Failed by another party (a dead-lettering after a lease ran out) between two chunks.
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    await storeSentences(db, job.id, sentencesOf(SENTENCE_CHUNK + 1), {
      ...PLAIN,
      between: async () => {
        await db.preprocessJob.update({ where: { id: job.id }, data: { status: "failed" } });
      },
    });
    assert.deepEqual(await jobOf(db, job.id), { status: "failed", rows: [] });
  });

  // Found in review (rW): the writer stopped after another party's mark left the chunks it wrote since.
  test("a job failed by another party, then left by a stopping writer before its last chunk, keeps no rows", async () => {
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    let turns = 0;
    await assert.rejects(
      storeSentences(db, job.id, sentencesOf(3 * SENTENCE_CHUNK), {
        ...PLAIN,
        between: async () => {
          turns++;
          if (turns === 1) await markJobFailed(db, job.id, "given up", "not done", PLAIN.retry);
          if (turns === 2) throw new Error("the worker is stopping");
        },
      }),
      /stopping/,
    );
    assert.deepEqual(await jobOf(db, job.id), { status: "failed", rows: [] });
  });

  test("dropRowsIfFailed removes the rows of a failed job only (a crashed writer's, found by the next delivery)", async () => {
    const failed = await db.preprocessJob.create({ data: { text: "unused", status: "failed" } });
    const pending = await db.preprocessJob.create({ data: { text: "unused" } });
    for (const { id } of [failed, pending])
      await db.sentence.createMany({ data: [0, 1].map((index) => ({ jobId: id, index, text: "x" })) });
    assert.equal(await dropRowsIfFailed(db, failed.id, PLAIN.retry), true);
    assert.equal(await dropRowsIfFailed(db, pending.id, PLAIN.retry), false);
    assert.equal(await dropRowsIfFailed(db, "no-such-job", PLAIN.retry), false);
    assert.deepEqual(await jobOf(db, failed.id), { status: "failed", rows: [] });
    assert.equal((await jobOf(db, pending.id)).rows.length, 2);
  });

  test("markJobFailed removes the rows of the job it marks, no transaction held over the job's rows; a job it does not mark keeps them", async () => {
    const { db: counted, calls } = counting(db);
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    await db.sentence.createMany({ data: [0, 1].map((index) => ({ jobId: job.id, index, text: "x" })) });
    assert.equal(
      await markJobFailed(counted, job.id, "processing failed: boom", "pending", PLAIN.retry),
      true,
    );
    assert.equal(calls.transactions, 0);
    assert.deepEqual(await jobOf(db, job.id), { status: "failed", rows: [] });
    assert.equal(
      (await db.preprocessJob.findUniqueOrThrow({ where: { id: job.id } })).failureReason,
      "processing failed: boom",
    );
    // A done job is never failed, and keeps its rows, whichever mark.
    const done = await db.preprocessJob.create({ data: { text: "unused", status: "done" } });
    await db.sentence.create({ data: { jobId: done.id, index: 0, text: "kept" } });
    assert.equal(await markJobFailed(db, done.id, "late", "pending", PLAIN.retry), false);
    assert.equal(await markJobFailed(db, done.id, "late", "not done", PLAIN.retry), false);
    assert.deepEqual(await jobOf(db, done.id), { status: "done", rows: [[0, "kept"]] });
    // A given-up message fails a job failed before too (its reason then the dead-lettering's), rows gone.
    await db.sentence.create({ data: { jobId: job.id, index: 0, text: "again" } });
    assert.equal(await markJobFailed(db, job.id, "given up", "not done", PLAIN.retry), true);
    assert.deepEqual(await jobOf(db, job.id), { status: "failed", rows: [] });
  });
});

const SCHEMA = `tracehop_job_sentences_${process.pid}`;
const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${SCHEMA}`;

describe("two writers of one job (PostgreSQL)", () => {
  let admin: pg.Client;
  let db: Database;
  let other: Database;
  const postgres = exampleSchemaFixture(url, SCHEMA, async (opened) => {
    admin = opened;
    db = await openDatabase(url);
    other = await openDatabase(url);
    return () => Promise.all([db.$disconnect(), other.$disconnect()]);
  });

  test("a chunk that collides on (jobId, index) with a writer that commits first is written again, a retry event each", async (t) => {
    if (postgres.skipped(t)) return;
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    const retries: [number, string][] = [];
    await admin.query("BEGIN");
    let stored: Promise<number>;
    try {
      // The other writer's row 0, not committed yet: the store's insert waits on it, then collides.
      await admin.query(
        `INSERT INTO "${SCHEMA}"."Sentence" ("jobId", "index", "text") VALUES ($1, 0, 'N0.')`,
        [job.id],
      );
      stored = storeSentences(db, job.id, sentencesOf(3), {
        ...PLAIN,
        onCollision: (error, attempt) => retries.push([attempt, (error as { code?: string }).code ?? "?"]),
      });
      // Committed once the store's insert waits on that row's lock, as PostgreSQL itself says, not after a
      // wait of the clock (300 ms were too few on a loaded machine: the insert came after the commit).
      await waitForLockWaiter(`"${SCHEMA}"`);
    } finally {
      await admin.query("COMMIT");
    }
    assert.equal(await stored, 1);
    assert.deepEqual(retries, [[2, "P2002"]]);
    assert.deepEqual(await jobOf(db, job.id), { status: "done", rows: expectedRows(3) });
  });

  /**
   * A trigger on `Sentence` that fails every `op` (INSERT or DELETE) of a row of job `jobId` with the SQLSTATE
   * `code`, as a writer that always commits first (23505) or a deadlock (40P01) would; dropped by the returned
   * function.
   */
  async function failingTrigger(op: "INSERT" | "DELETE", jobId: string, code: string) {
    const name = `fail_${op.toLowerCase()}_${code}`;
    const row = op === "INSERT" ? "NEW" : "OLD";
    await admin.query(
      `CREATE FUNCTION "${SCHEMA}".${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
         IF ${row}."jobId" = '${jobId}' THEN RAISE EXCEPTION 'made to fail' USING ERRCODE = '${code}'; END IF;
         RETURN ${row};
       END $$`,
    );
    await admin.query(
      `CREATE TRIGGER ${name} BEFORE ${op} ON "${SCHEMA}"."Sentence" FOR EACH ROW EXECUTE FUNCTION "${SCHEMA}".${name}()`,
    );
    return () => admin.query(`DROP FUNCTION "${SCHEMA}".${name}() CASCADE`);
  }

  for (const [code, prisma, kind] of [
    ["23505", "P2002", "a duplicate key"],
    ["40P01", "P2034", "a deadlock"],
  ] as const)
    test(`a chunk that collides on each of its attempts (${kind}): a ChunkCollisionError naming its sentences, no outage`, async (t) => {
      if (postgres.skipped(t)) return;
      const job = await db.preprocessJob.create({ data: { text: "unused" } });
      const drop = await failingTrigger("INSERT", job.id, code);
      const attempts: number[] = [];
      try {
        const error: unknown = await storeSentences(db, job.id, sentencesOf(SENTENCE_CHUNK + 2), {
          ...PLAIN,
          onCollision: (_error, attempt) => attempts.push(attempt),
        }).then(
          () => assert.fail("stored"),
          (e: unknown) => e,
        );
        assert.ok(error instanceof ChunkCollisionError, String(error));
        assert.deepEqual([error.first, error.end], [0, SENTENCE_CHUNK]);
        assert.equal((error.collision as { code?: string }).code, prisma);
        assert.match(
          error.message,
          new RegExp(
            `^the sentences 0 to ${SENTENCE_CHUNK - 1} collided with another writer of the job on each of ${COLLISION_ATTEMPTS} attempts; the last: ${prisma}: `,
          ),
        );
        assert.deepEqual(attempts, [2, 3]);
        // The worker's line for it (worker.ts): the error in full, not "the database stayed busy"; nothing
        // retries it as a transient failure.
        assert.equal(databaseFailure(error), undefined);
        assert.equal(isTransientDatabaseError(error), false);
        assert.deepEqual(await jobOf(db, job.id), { status: "pending", rows: [] });
      } finally {
        await drop();
      }
    });

  test("a deadlock removing a failed job's rows is no collision: thrown as it is, a busy database for the worker's line", async (t) => {
    if (postgres.skipped(t)) return;
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    // Failed by another party before the store: its one chunk is written, not marked, then its rows removed.
    await db.preprocessJob.update({ where: { id: job.id }, data: { status: "failed" } });
    const drop = await failingTrigger("DELETE", job.id, "40P01");
    try {
      const error: unknown = await storeSentences(db, job.id, sentencesOf(2), PLAIN).then(
        () => assert.fail("stored"),
        (e: unknown) => e,
      );
      assert.ok(!(error instanceof ChunkCollisionError), String(error));
      assert.equal((error as { code?: string }).code, "P2034");
      assert.deepEqual(databaseFailure(error), {
        code: "P2034",
        meaning: "a write conflict or a deadlock; the transaction was rolled back",
        state: "busy",
        conflict: true,
      });
    } finally {
      await drop();
    }
    await db.sentence.deleteMany({ where: { jobId: job.id } });
  });

  test("two stores of one job at once, chunk by chunk in step: both end, the job done with exactly its rows", async (t) => {
    if (postgres.skipped(t)) return;
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    const count = 3 * SENTENCE_CHUNK + 1;
    // Both writers start each chunk together: most chunks collide.
    const collisions: number[] = [];
    const options: StoreOptions = {
      ...PLAIN,
      between: inStep(),
      onCollision: (_error, attempt) => collisions.push(attempt),
    };
    const stored = await Promise.all([
      storeSentences(db, job.id, sentencesOf(count), options),
      storeSentences(other, job.id, sentencesOf(count), options),
    ]);
    assert.deepEqual(stored, [4, 4]);
    assert.ok(collisions.length > 0, "no chunk collided: the test did not test the collision");
    assert.deepEqual(await jobOf(db, job.id), { status: "done", rows: expectedRows(count) });
  });
});

/** Resolves each caller's promise once two callers wait: two writers that start each chunk together. */
function inStep(): () => Promise<void> {
  let waiting: (() => void) | undefined;
  return () =>
    new Promise<void>((resolve) => {
      if (waiting === undefined) waiting = resolve;
      else {
        waiting();
        waiting = undefined;
        resolve();
      }
    });
}

// Found in review: on MariaDB two writers of one job deadlock (InnoDB's gap locks of the range's
// deleteMany, then the inserts), which was retried as a busy database and said as an outage.
describe("two writers at once (MariaDB/MySQL, InnoDB)", () => {
  let made: TestDatabase | string = "not made";
  let db: Database;
  let other: Database;
  before(async () => {
    made = await createDatabase("mysql");
    if (typeof made === "string") return;
    db = await openDatabase(made.url);
    other = await openDatabase(made.url);
  });
  after(async () => {
    if (typeof made === "string") return;
    await Promise.all([db.$disconnect(), other.$disconnect()]);
    await made.drop();
  });
  const skipped = (t: { skip(reason: string): void }) => typeof made === "string" && (t.skip(made), true);

  /** Options that record each busy retry (`busy`) and each collision (`collisions`) as `[attempt, code]`. */
  function recording(between: StoreOptions["between"]) {
    const busy: [number, string][] = [];
    const collisions: [number, string][] = [];
    const code = (error: unknown) => (error as { code?: string }).code ?? String(error);
    const options: StoreOptions = {
      retry: { attempts: 5, baseDelayMs: 1, onRetry: (error, attempt) => busy.push([attempt, code(error)]) },
      between,
      onCollision: (error, attempt) => collisions.push([attempt, code(error)]),
    };
    return { busy, collisions, options };
  }

  test("a chunk's transaction that deadlocks with another writer of the job is a collision: written again, a collision event, no busy retry", async (t) => {
    if (skipped(t)) return;
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    const { busy, collisions, options } = recording(async () => {});
    const { url } = made as TestDatabase;
    const admin = await mariadb.createConnection({
      ...mysqlConnection(url),
      database: new URL(url).pathname.slice(1),
    });
    t.after(() => admin.end());
    // The other writer: the job's row held shared (as its inserts' foreign key check holds it), and more
    // written than the store will have (rows of another table, far from the job's keys), so that InnoDB
    // rolls the store's transaction back, not its.
    await admin.query("BEGIN");
    await admin.batch(
      "INSERT INTO `QueueMessage` (`queue`, `body`, `headers`) VALUES ('weight', 'x', '{}')",
      Array.from({ length: 500 }, () => []),
    );
    await admin.query("SELECT `id` FROM `PreprocessJob` WHERE `id` = ? LOCK IN SHARE MODE", [job.id]);
    // Its rows written, the store's mark waits on the job's row; the other writer's row 0 then waits on the
    // store's: a deadlock.
    const stored = storeSentences(db, job.id, sentencesOf(3), options);
    // Until the store's mark runs (a connection to this database on the UPDATE), which waits on the job's row.
    const markWaits = async () =>
      (
        (await admin.query(
          "SELECT COUNT(*) AS `n` FROM information_schema.PROCESSLIST WHERE `DB` = DATABASE() AND `INFO` LIKE " +
            "'UPDATE `PreprocessJob`%'",
        )) as { n: bigint }[]
      )[0]!.n > 0n;
    while (!(await markWaits())) await new Promise((resolve) => setTimeout(resolve, 20));
    await admin.query("INSERT INTO `Sentence` (`jobId`, `index`, `text`) VALUES (?, 0, 'N0.')", [job.id]);
    await admin.query("COMMIT");
    assert.equal(await stored, 1);
    assert.deepEqual([busy, collisions], [[], [[2, "P2034"]]]);
    assert.deepEqual(await jobOf(db, job.id), { status: "done", rows: expectedRows(3) });
  });

  test("two stores of one job at once, chunk by chunk in step: no busy retry; the job done with exactly its rows", async (t) => {
    if (skipped(t)) return;
    const job = await db.preprocessJob.create({ data: { text: "unused" } });
    const count = 3 * SENTENCE_CHUNK + 1;
    // Most chunks collide (a P2002 or a deadlock), some not, by timing: each collision is tried again.
    const { busy, options } = recording(inStep());
    const stored = await Promise.all([
      storeSentences(db, job.id, sentencesOf(count), options),
      storeSentences(other, job.id, sentencesOf(count), options),
    ]);
    assert.deepEqual(busy, [], "a collision was retried as a busy database");
    assert.deepEqual(stored, [4, 4]);
    assert.deepEqual(await jobOf(db, job.id), { status: "done", rows: expectedRows(count) });
  });

  test("two stores of two jobs whose ranges share a gap of the index, chunk by chunk in step: neither waits on the other", async (t) => {
    if (skipped(t)) return;
    const count = 2 * SENTENCE_CHUNK + 1;
    const { busy, collisions, options } = recording(inStep());
    for (let round = 0; round < 8; round++) {
      // Ids next to each other in the index, no row between: one gap holds both jobs' ranges.
      const [a, b] = await Promise.all(
        ["a", "b"].map((end) =>
          db.preprocessJob.create({ data: { id: `gap-${process.pid}-${round}-${end}`, text: "unused" } }),
        ),
      );
      assert.deepEqual(
        await Promise.all([
          storeSentences(db, a!.id, sentencesOf(count), options),
          storeSentences(other, b!.id, sentencesOf(count), options),
        ]),
        [3, 3],
      );
      for (const { id } of [a!, b!])
        assert.deepEqual(await jobOf(db, id), { status: "done", rows: expectedRows(count) });
    }
    assert.deepEqual([busy, collisions], [[], []], "two jobs' writers deadlocked");
  });
});

/**
 * Resolves once a PostgreSQL backend waits on a lock (`pg_stat_activity.wait_event_type` `Lock`) in a
 * statement naming `schema`, asked on a connection of its own (the statistics views are a snapshot per
 * transaction). Throws after HANG_GUARD_MS (a hang guard).
 */
async function waitForLockWaiter(schema: string): Promise<void> {
  const watcher = await connectPostgres();
  if (typeof watcher === "string") throw new Error(watcher);
  try {
    const deadline = Date.now() + HANG_GUARD_MS; // a hang guard, far past what a loaded machine takes
    for (;;) {
      const { rows } = await watcher.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 in query) > 0",
        [schema],
      );
      if ((rows[0] as { n: number }).n > 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `gave up after ${HANG_GUARD_MS} ms (a hang guard) waiting for a statement on ${schema} waiting on a lock`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await watcher.end();
  }
}
