import { fileURLToPath } from "node:url";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../../generated/prisma/sqlite/client.js";
import { databaseUrl } from "./config.js";
import { migrateSqlite } from "./migrate-sqlite.js";

export type Database = PrismaClient;

/** Path of the SQLite file named by a `file:` URL. */
export function sqlitePath(url: string): string {
  return url.startsWith("file://") ? fileURLToPath(url) : url.replace(/^file:/, "");
}

/**
 * Applies the checked-in migrations to the database of DATABASE_URL (default: the embedded SQLite
 * file). Throws an Error naming the URL when the database kind is not supported.
 */
export async function migrateDatabase(url = databaseUrl()): Promise<void> {
  if (url.startsWith("file:")) {
    migrateSqlite(sqlitePath(url));
    return;
  }
  throw new Error(`DATABASE_URL ${JSON.stringify(url)} is not supported: use file:PATH (SQLite)`);
}

/** A Prisma client on DATABASE_URL (default: the embedded SQLite file, WAL, 10 s busy timeout). */
export function openDatabase(url = databaseUrl()): Database {
  if (url.startsWith("file:")) {
    const adapter = new PrismaBetterSqlite3({ url: sqlitePath(url), timeout: 10_000 });
    return new PrismaClient({ adapter });
  }
  throw new Error(`DATABASE_URL ${JSON.stringify(url)} is not supported: use file:PATH (SQLite)`);
}
