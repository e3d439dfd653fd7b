// checkDatabase and prepareDatabase (examples/preprocess/db.ts) on a database made by `prisma db push`: the
// schema's tables but no `_prisma_migrations` table. Refused, as `prisma migrate deploy` refuses it, with a
// message saying how to baseline it, on a real SQLite file and a real PostgreSQL schema.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import Database from "better-sqlite3";
import { BadInputError } from "../../examples/preprocess/config.js";
import {
  checkDatabase,
  databaseTables,
  prepareDatabase,
  SCHEMA_TABLES,
} from "../../examples/preprocess/db.js";
import { migrateSqlite, sqliteTables } from "../../examples/preprocess/migrate-sqlite.js";
import { migrationsFolder, readMigrations } from "../../examples/preprocess/migrations.js";
import { connectPostgres, PG_URL } from "../prisma/databases.js";
import { tempDir } from "../support/temp-dir.js";

/** The SQLite migrations' names, in order. */
const MIGRATIONS = readMigrations(migrationsFolder("sqlite")).map((m) => m.name);
const [INIT, ATTEMPTS, PIPELINE, FAILURE_REASON, OUTBOX_CLAIM, IDEMPOTENCY_KEY, OUTBOX_CLAIMED_BY] =
  MIGRATIONS;

/**
 * The message both give for a database made by `prisma db push` that has all the schema's tables, `--schema`
 * being that of its kind.
 */
const notBaselined = (shown: string, schema: string) =>
  `the database of DATABASE_URL (${shown}) has tables of this project (PreprocessJob, Outbox, Sentence, QueueMessage, PipelineSetting) ` +
  "but no record of its migrations (no _prisma_migrations table, as `prisma db push` leaves it), so which of them it has cannot be told: " +
  `if its tables match prisma/schema.prisma, baseline it (same DATABASE_URL): npx prisma migrate resolve --applied ${INIT}${schema}, ` +
  `then npx prisma migrate resolve --applied ${ATTEMPTS}${schema}, ` +
  `then npx prisma migrate resolve --applied ${PIPELINE}${schema}, ` +
  `then npx prisma migrate resolve --applied ${FAILURE_REASON}${schema}, ` +
  `then npx prisma migrate resolve --applied ${OUTBOX_CLAIM}${schema}, ` +
  `then npx prisma migrate resolve --applied ${IDEMPOTENCY_KEY}${schema}, ` +
  `then npx prisma migrate resolve --applied ${OUTBOX_CLAIMED_BY}${schema}; or use a new database and create it with npm run migrate. Then start again.`;

/** Asserts that `promise` rejects with a BadInputError whose message is `message`. */
async function refused(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof BadInputError, String(err));
    assert.equal(err.message, message);
    return true;
  });
}

describe("a database made by prisma db push (tables, no migration history)", () => {
  const saved = process.env.DATABASE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });

  test("SQLite: checkDatabase and prepareDatabase refuse it, saying how to baseline it, and change nothing", async (t) => {
    const file = join(tempDir(t, "db-push"), "pushed.db");
    // What `prisma db push` leaves: the schema's tables, made here by the migrations' own SQL.
    const raw = new Database(file);
    for (const { sql } of readMigrations(migrationsFolder("sqlite"))) raw.exec(sql);
    raw.close();
    process.env.DATABASE_URL = `file:${file}`;
    const before = await databaseTables();
    await refused(checkDatabase(), notBaselined(`file:${file}`, ""));
    // `npm start` and `npm run migrate` say the same, instead of the driver's "table already exists".
    await refused(prepareDatabase(), notBaselined(`file:${file}`, ""));
    assert.deepEqual(await databaseTables(), before);
    assert.ok(!before.includes("_prisma_migrations"), before.join());
  });

  test("SQLite: the schema's tables it lacks are named after those it has", async (t) => {
    const file = join(tempDir(t, "db-push"), "partly.db");
    // A `prisma db push` of an older schema, or tables dropped by hand.
    const raw = new Database(file);
    for (const { sql } of readMigrations(migrationsFolder("sqlite"))) raw.exec(sql);
    raw.exec(`DROP TABLE "Sentence"; DROP TABLE "QueueMessage"`);
    raw.close();
    process.env.DATABASE_URL = `file:${file}`;
    // Guards against "(PreprocessJob, Outbox)" with the missing ones unsaid, followed by the resolve
    // commands, which would mark applied the migrations that create Sentence and QueueMessage on a
    // database without them.
    const message =
      `the database of DATABASE_URL (file:${file}) has tables of this project (PreprocessJob, Outbox, PipelineSetting; not Sentence, QueueMessage) ` +
      "but no record of its migrations (no _prisma_migrations table, as `prisma db push` leaves it), " +
      "and it lacks tables the migrations create, so it cannot be baselined: create the missing tables to match " +
      "prisma/schema.prisma, then start again to be told how to baseline it; or use a new database and create it with npm run migrate.";
    await refused(checkDatabase(), message);
    await refused(prepareDatabase(), message);
    assert.doesNotMatch(message, /resolve|\n/);
  });

  test("SQLite: an empty file and a migrated one are told apart from it", async (t) => {
    const dir = tempDir(t, "db-push");
    const empty = join(dir, "empty.db");
    new Database(empty).close();
    process.env.DATABASE_URL = `file:${empty}`;
    await refused(
      checkDatabase(),
      `the database of DATABASE_URL (file:${empty}) is not migrated (none of the ${MIGRATIONS.length} migrations of this project applied): apply them with npm run migrate (same DATABASE_URL), then start again.`,
    );
    const migrated = join(dir, "migrated.db");
    migrateSqlite(migrated);
    process.env.DATABASE_URL = `file:${migrated}`;
    await checkDatabase();
    // A file that does not exist yet: prepareDatabase creates it and applies every migration.
    const fresh = join(dir, "new", "fresh.db");
    process.env.DATABASE_URL = `file:${fresh}`;
    assert.deepEqual(await prepareDatabase(), [
      INIT,
      ATTEMPTS,
      PIPELINE,
      FAILURE_REASON,
      OUTBOX_CLAIM,
      IDEMPOTENCY_KEY,
      OUTBOX_CLAIMED_BY,
    ]);
    assert.ok(existsSync(fresh));
  });

  test("PostgreSQL: checkDatabase and prepareDatabase refuse it, saying how to baseline it", async (t) => {
    const admin = await connectPostgres();
    if (typeof admin === "string") return t.skip(admin);
    const schema = `tracehop_hd_push_${process.pid}`;
    try {
      await admin.query(`CREATE SCHEMA "${schema}"`);
      await admin.query(`SET search_path TO "${schema}"`);
      for (const { sql } of readMigrations(migrationsFolder("postgresql"))) await admin.query(sql);
      const url = new URL(PG_URL);
      url.searchParams.set("schema", schema);
      process.env.DATABASE_URL = url.href;
      await refused(checkDatabase(), notBaselined(url.href, " --schema prisma/postgresql/schema.prisma"));
      await refused(prepareDatabase(), notBaselined(url.href, " --schema prisma/postgresql/schema.prisma"));
      assert.deepEqual(await databaseTables(), [
        "Outbox",
        "PipelineSetting",
        "PreprocessJob",
        "QueueMessage",
        "Sentence",
      ]);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});

describe("SCHEMA_TABLES (the models of the generated client)", () => {
  test("are the tables the migrations of each kind create, and those a migrated SQLite file has", (t) => {
    const sorted = [...SCHEMA_TABLES].sort();
    for (const kind of ["sqlite", "postgresql", "mysql"] as const) {
      const sql = readMigrations(migrationsFolder(kind))
        .map((m) => m.sql)
        .join("\n");
      // SQLite's table redefinitions (none yet) create "new_X" and rename it to X.
      const created = [...sql.matchAll(/CREATE TABLE\s+["`]([^"`]+)["`]/gi)].map((m) =>
        m[1]!.replace(/^new_/, ""),
      );
      assert.deepEqual([...new Set(created)].sort(), sorted, kind);
    }
    const file = join(tempDir(t, "schema-tables"), "x.db");
    migrateSqlite(file);
    assert.deepEqual(
      sqliteTables(file).filter((n) => n !== "_prisma_migrations"),
      sorted,
    );
  });
});
