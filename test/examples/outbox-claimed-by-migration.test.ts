// A database migrated before the relay claimed its outbox rows by batch (the migrations before
// 20261203090000_outbox_claimed_by) takes that migration with the example's driver (npm run migrate's
// migrate-sqlite.ts / migrate-server.ts), keeping its outbox rows: a row a relay of the previous version
// holds keeps its claim (a relay of this version skips it until it runs out), and the others are claimed
// by batch as this version's relay claims them.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import type { Database } from "../../examples/preprocess/db.js";
import { databaseFixture, PROVIDERS } from "../prisma/databases.js";
import { migrateFrom, rawNames, schemaBefore } from "../support/earlier-migrations.js";

const CLAIMED_BY = "20261203090000_outbox_claimed_by";

describe("the Outbox.claimedBy migration on a database migrated before it", () => {
  const schema = schemaBefore(CLAIMED_BY);
  for (const provider of PROVIDERS) {
    const { need } = databaseFixture(provider, schema);
    test(`${provider}: applied; a row held by a relay of the previous version stays held, the others are claimed by batch`, async (t) => {
      const database = need(t);
      if (!database) return;
      const { q, table } = rawNames(database);
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

      await migrateFrom(database, CLAIMED_BY);

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
