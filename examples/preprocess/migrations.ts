import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./config.js";

/** The database kinds whose migrations this project checks in. */
export type MigrationsProvider = "sqlite" | "postgresql" | "mysql";

/**
 * The folder of this project's checked-in migrations for `provider`: prisma/migrations for SQLite (the
 * provider of prisma/schema.prisma), prisma/<provider>/migrations for the schemas derived from it.
 */
export function migrationsFolder(provider: MigrationsProvider): string {
  const prisma = join(PROJECT_ROOT, "prisma");
  return provider === "sqlite" ? join(prisma, "migrations") : join(prisma, provider, "migrations");
}

/** One checked-in Prisma migration: folder name, SQL text, and Prisma's checksum of it. */
export interface Migration {
  name: string;
  sql: string;
  /** SHA-256 hex of migration.sql, as Prisma Migrate records it in `_prisma_migrations.checksum`. */
  checksum: string;
}

/**
 * The migrations of a Prisma migrations folder (`<dir>/<name>/migration.sql`), in name order (Prisma's
 * timestamped names sort chronologically). Throws the fs error when the folder or a file is missing.
 */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * The names of the migrations of folder `dir` ({@link readMigrations}) that are not in `applied` (the
 * finished, not rolled back, rows of `_prisma_migrations`), in order: what a database still lacks.
 */
export function unappliedMigrations(dir: string, applied: Iterable<string>): string[] {
  const done = new Set(applied);
  return readMigrations(dir)
    .map((m) => m.name)
    .filter((name) => !done.has(name));
}
