import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { migrationsFolder, readMigrations, unappliedMigrations } from "./migrations.js";

/** The migrations recorded as applied: the same query for {@link migrateSqlite} and its check. */
const APPLIED = `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`;

/**
 * Applies the checked-in Prisma migrations (prisma/migrations/<name>/migration.sql) to a SQLite file
 * with the driver, recording each in Prisma's `_prisma_migrations` table with the same SHA-256
 * checksum Prisma uses, so a later `prisma migrate deploy` sees them as applied. Why not the Prisma
 * CLI: its native schema engine is downloaded at first use, which a machine without internet
 * cannot do (DEVELOPERS.md). Idempotent: applied migrations are skipped.
 *
 * @param dbFile path of the SQLite file (created with its folder when missing)
 * @param migrationsDir folder of the migrations (default: prisma/migrations of this project)
 * @returns the names (folder names) of the migrations applied by this call, in order
 * @throws the driver's error when the file or its folder cannot be created or opened as a database, or
 *   when a migration's SQL fails (for example a table that already exists in a database made by
 *   `prisma db push`); the failing migration is rolled back and those before it stay applied
 */
export function migrateSqlite(dbFile: string, migrationsDir = migrationsFolder("sqlite")): string[] {
  mkdirSync(dirname(dbFile), { recursive: true });
  const db = new Database(dbFile);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
    const applied = new Set(
      (
        db.prepare(APPLIED).all() as {
          migration_name: string;
        }[]
      ).map((r) => r.migration_name),
    );
    const done: string[] = [];
    for (const { name, sql, checksum } of readMigrations(migrationsDir)) {
      if (applied.has(name)) continue;
      db.transaction(() => {
        db.exec(sql);
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, ?, current_timestamp, ?, 1)`,
        ).run(randomUUID(), checksum, name);
      })();
      done.push(name);
    }
    return done;
  } finally {
    db.close();
  }
}

/**
 * The names of the migrations an existing SQLite file records as applied (finished, in
 * `_prisma_migrations`; none when it has no such table). Reads only: never creates the file, its folder or
 * a table.
 *
 * @param dbFile path of the SQLite file
 * @throws the driver's error when the file does not exist or cannot be opened or read as a database
 */
export function appliedSqliteMigrations(dbFile: string): string[] {
  const db = new Database(dbFile, { fileMustExist: true });
  try {
    const table = db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`)
      .get();
    return table
      ? (db.prepare(APPLIED).all() as { migration_name: string }[]).map((r) => r.migration_name)
      : [];
  } finally {
    db.close();
  }
}

/**
 * The folder names of the checked-in migrations an existing SQLite file lacks (all of them when it
 * has no `_prisma_migrations` table), in order. Reads only ({@link appliedSqliteMigrations}).
 *
 * @param dbFile path of the SQLite file
 * @param migrationsDir folder of the migrations (default: prisma/migrations of this project)
 * @throws the driver's error when the file does not exist or cannot be opened or read as a database
 */
export function unappliedSqliteMigrations(
  dbFile: string,
  migrationsDir = migrationsFolder("sqlite"),
): string[] {
  return unappliedMigrations(migrationsDir, appliedSqliteMigrations(dbFile));
}

/**
 * The names of the tables of an existing SQLite file (`_prisma_migrations` among them when it has one),
 * in name order. Reads only.
 *
 * @param dbFile path of the SQLite file
 * @throws the driver's error when the file does not exist or cannot be opened or read as a database
 */
export function sqliteTables(dbFile: string): string[] {
  const db = new Database(dbFile, { fileMustExist: true, readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
      )
      .all() as { name: string }[];
    return rows.map((r) => r.name);
  } finally {
    db.close();
  }
}
