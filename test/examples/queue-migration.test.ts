import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { Database } from "../../examples/preprocess/db.js";
import { migrateMysql, migratePostgres } from "../../examples/preprocess/migrate-server.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { migrationsFolder, readMigrations } from "../../examples/preprocess/migrations.js";
import { TableQueue } from "../../examples/preprocess/queue.js";
import { databaseFixture, PROVIDERS, STOCK, type Provider, type TestSchema } from "../prisma/databases.js";
import { until } from "./queue-helpers.js";

const FIRST = "20261130000000_init";
const ATTEMPTS = "20261130224000_queue_message_attempts";

// A database made before the queue counted deliveries (the first migration only) takes the migration
// that adds QueueMessage.attempts, availableAt and lastError, keeping its queued messages.
describe("the QueueMessage attempts migration on a database of the first migration", () => {
  const firstOnly = mkdtempSync(join(tmpdir(), "tracehop-first-migration-"));
  after(() => rmSync(firstOnly, { recursive: true, force: true }));
  const firstOnlyOf = (provider: Provider) => {
    const dir = join(firstOnly, provider);
    cpSync(join(migrationsFolder(provider), FIRST), join(dir, FIRST), { recursive: true });
    return dir;
  };

  const firstOnlySchema: TestSchema = {
    load: STOCK.load,
    migrations: {
      sqlite: firstOnlyOf("sqlite"),
      postgresql: firstOnlyOf("postgresql"),
      mysql: firstOnlyOf("mysql"),
    },
  };

  for (const provider of PROVIDERS) {
    const { need } = databaseFixture(provider, firstOnlySchema);
    test(`${provider}: a message queued before is kept, counted from 0, and delivered`, async (t) => {
      const database = need(t);
      if (!database) return;
      const q = (name: string) => (provider === "mysql" ? `\`${name}\`` : `"${name}"`);
      // A raw query names the PostgreSQL schema itself (the adapter's `schema` applies to the models).
      const table = (name: string) => (database.schema ? `${q(database.schema)}.${q(name)}` : q(name));
      await database.client.$executeRawUnsafe(
        `INSERT INTO ${table("QueueMessage")} (${q("queue")}, ${q("body")}, ${q("headers")}) VALUES ('jobs', 'queued before', '{}')`,
      );
      const applied =
        provider === "sqlite"
          ? migrateSqlite(database.url)
          : provider === "postgresql"
            ? await migratePostgres(database.url, { schema: database.schema })
            : await migrateMysql(database.url);
      // The attempts migration, then every later one.
      assert.deepEqual(
        applied,
        readMigrations(migrationsFolder(provider))
          .map((m) => m.name)
          .slice(1),
      );
      assert.equal(applied[0], ATTEMPTS);
      const recorded = (await database.client.$queryRawUnsafe(
        `SELECT migration_name, checksum FROM ${table("_prisma_migrations")} ORDER BY migration_name`,
      )) as { migration_name: string; checksum: string }[];
      assert.deepEqual(
        recorded.map((r) => ({ name: r.migration_name, checksum: r.checksum })),
        readMigrations(migrationsFolder(provider)).map((m) => ({ name: m.name, checksum: m.checksum })),
      );
      const db = database.client as Database;
      assert.deepEqual(
        await db.queueMessage.findMany({
          select: { queue: true, body: true, attempts: true, availableAt: true, lastError: true },
        }),
        [{ queue: "jobs", body: "queued before", attempts: 0, availableAt: null, lastError: null }],
      );
      const queue = new TableQueue(db, { pollMs: 5 });
      const seen: (number | undefined)[] = [];
      await queue.consume("jobs", async (message) => {
        seen.push(message.deliveryCount);
      });
      await until(async () => (await db.queueMessage.count()) === 0, 10_000); // acknowledged
      await queue.close();
      assert.deepEqual(seen, [1]);
    });
  }
});
