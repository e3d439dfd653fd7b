// A database migrated before the relay claimed its outbox rows by batch (the migrations before
// 20261203090000_outbox_claimed_by) takes that migration with the example's driver (npm run migrate's
// migrate-sqlite.ts / migrate-server.ts), keeping its outbox rows: a row a relay of the previous version
// holds keeps its claim (a relay of this version skips it until it runs out), and the others are claimed
// by batch as this version's relay claims them.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { Database } from "../../examples/preprocess/db.js";
import { migrateMysql, migratePostgres } from "../../examples/preprocess/migrate-server.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { migrationsFolder, readMigrations } from "../../examples/preprocess/migrations.js";
import { databaseFixture, PROVIDERS, STOCK, type Provider, type TestSchema } from "../prisma/databases.js";

const CLAIMED_BY = "20261203090000_outbox_claimed_by";

describe("the Outbox.claimedBy migration on a database migrated before it", () => {
  const before = mkdtempSync(join(tmpdir(), "tracehop-before-claimed-by-"));
  after(() => rmSync(before, { recursive: true, force: true }));
  /** A folder of `provider`'s migrations up to the one before CLAIMED_BY. */
  const migrationsBefore = (provider: Provider) => {
    const dir = join(before, provider);
    for (const { name } of readMigrations(migrationsFolder(provider)))
      if (name < CLAIMED_BY)
        cpSync(join(migrationsFolder(provider), name), join(dir, name), { recursive: true });
    return dir;
  };
  const schemaBefore: TestSchema = {
    load: STOCK.load,
    migrations: {
      sqlite: migrationsBefore("sqlite"),
      postgresql: migrationsBefore("postgresql"),
      mysql: migrationsBefore("mysql"),
    },
  };

  for (const provider of PROVIDERS) {
    const { need } = databaseFixture(provider, schemaBefore);
    test(`${provider}: applied; a row held by a relay of the previous version stays held, the others are claimed by batch`, async (t) => {
      const database = need(t);
      if (!database) return;
      const q = (name: string) => (provider === "mysql" ? `\`${name}\`` : `"${name}"`);
      // A raw query names the PostgreSQL schema itself (the adapter's `schema` applies to the models).
      const table = (name: string) => (database.schema ? `${q(database.schema)}.${q(name)}` : q(name));
      // Written as the previous version wrote them (its client has no claimedBy, so raw SQL): one row a
      // relay holds for another minute, one no relay holds. Times as Prisma writes them: UTC without a zone
      // in TIMESTAMP(3) / DATETIME(3), ISO text with `+00:00` in SQLite (compared as text there).
      const held = new Date(Date.now() + 60_000);
      const at = (date: Date) =>
        provider === "sqlite"
          ? date.toISOString().replace("Z", "+00:00")
          : date.toISOString().replace("T", " ").replace("Z", "");
      const insert = (id: string, claimedUntil: Date | null) =>
        database.client.$executeRawUnsafe(
          `INSERT INTO ${table("Outbox")} (${["id", "aggregateType", "aggregateId", "eventType", "payload", "createdAt", "claimedUntil"].map(q).join(", ")}) ` +
            `VALUES ('${id}', 'PreprocessJob', '${id}', 'preprocess-job.requested', '{}', '${at(new Date())}', ` +
            `${claimedUntil === null ? "NULL" : `'${at(claimedUntil)}'`})`,
        );
      await insert("held", held);
      await insert("free", null);

      const applied =
        provider === "sqlite"
          ? migrateSqlite(database.url)
          : provider === "postgresql"
            ? await migratePostgres(database.url, { schema: database.schema })
            : await migrateMysql(database.url);
      // This migration, then any later one.
      assert.deepEqual(
        applied,
        readMigrations(migrationsFolder(provider))
          .map((m) => m.name)
          .filter((name) => name >= CLAIMED_BY),
      );
      assert.equal(applied[0], CLAIMED_BY);
      const recorded = (await database.client.$queryRawUnsafe(
        `SELECT migration_name, checksum FROM ${table("_prisma_migrations")} ORDER BY migration_name`,
      )) as { migration_name: string; checksum: string }[];
      assert.deepEqual(
        recorded.map((r) => ({ name: r.migration_name, checksum: r.checksum })),
        readMigrations(migrationsFolder(provider)).map((m) => ({ name: m.name, checksum: m.checksum })),
      );

      const db = database.client as Database;
      const rows = () =>
        db.outbox.findMany({
          select: { id: true, claimedUntil: true, claimedBy: true },
          orderBy: { id: "asc" },
        });
      assert.deepEqual(await rows(), [
        { id: "free", claimedUntil: null, claimedBy: null },
        { id: "held", claimedUntil: held, claimedBy: null },
      ]);
      // Claimed as examples/preprocess/relay.ts claims a batch: the held row is not taken.
      const now = new Date();
      const claimedBy = randomUUID();
      const claimedUntil = new Date(now.getTime() + 120_000);
      const claimed = await db.outbox.updateMany({
        where: {
          id: { in: ["free", "held"] },
          publishedAt: null,
          OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }],
        },
        data: { claimedUntil, claimedBy },
      });
      assert.equal(claimed.count, 1);
      assert.deepEqual(await rows(), [
        { id: "free", claimedUntil, claimedBy },
        { id: "held", claimedUntil: held, claimedBy: null },
      ]);
    });
  }
});
