import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Database } from "../../examples/preprocess/db.js";
import { TableQueue } from "../../examples/preprocess/queue.js";
import { databaseFixture, PROVIDERS } from "../prisma/databases.js";
import { migrateFrom, rawNames, schemaBefore } from "../support/earlier-migrations.js";
import { until } from "./queue-helpers.js";

const ATTEMPTS = "20261130224000_queue_message_attempts";

// A database made before the queue counted deliveries (the first migration only) takes the migration
// that adds QueueMessage.attempts, availableAt and lastError, keeping its queued messages.
describe("the QueueMessage attempts migration on a database of the first migration", () => {
  const schema = schemaBefore(ATTEMPTS);

  for (const provider of PROVIDERS) {
    const { need } = databaseFixture(provider, schema);
    test(`${provider}: a message queued before is kept, counted from 0, and delivered`, async (t) => {
      const database = need(t);
      if (!database) return;
      const { q, table } = rawNames(database);
      await database.client.$executeRawUnsafe(
        `INSERT INTO ${table("QueueMessage")} (${q("queue")}, ${q("body")}, ${q("headers")}) VALUES ('jobs', 'queued before', '{}')`,
      );
      await migrateFrom(database, ATTEMPTS);
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
      await until(async () => (await db.queueMessage.count()) === 0); // acknowledged
      await queue.close();
      assert.deepEqual(seen, [1]);
    });
  }
});
