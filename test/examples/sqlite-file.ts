import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import Database from "better-sqlite3";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { PrismaClient } from "../../generated/prisma/sqlite/client.js";

/** A migrated SQLite file of the main job, its Prisma client and a second plain connection. */
export interface ExampleSqliteFile {
  /** The example's client, with a 20 ms busy timeout so that a lock held by `raw` fails fast. */
  db: PrismaClient;
  /** A second connection to the same file (to hold a lock, or read rows as they are). */
  raw: Database.Database;
  /** Another client of the same file, as `db` is made; disconnected by `close`. */
  connect(): PrismaClient;
  /** Ends any transaction `raw` left open, closes every connection and removes the file. */
  close(): Promise<void>;
}

/** A client of the example's SQLite file at `path`, with a 20 ms busy timeout. */
const clientOf = (path: string) =>
  new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: path, timeout: 20 }) });

/** Creates a fresh SQLite file in a temporary folder named after `prefix` and applies the migrations. */
export function openExampleSqliteFile(prefix: string): ExampleSqliteFile {
  const dir = mkdtempSync(join(tmpdir(), `tracehop-${prefix}-`));
  const file = join(dir, "example.db");
  migrateSqlite(file);
  const db = clientOf(file);
  const raw = new Database(file);
  const more: PrismaClient[] = [];
  return {
    db,
    raw,
    connect() {
      const client = clientOf(file);
      more.push(client);
      return client;
    },
    async close() {
      if (raw.inTransaction) raw.exec("ROLLBACK");
      raw.close();
      await Promise.all([db, ...more].map((client) => client.$disconnect()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
