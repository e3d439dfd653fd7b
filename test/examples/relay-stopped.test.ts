// A relay stopped (SIGTERM) in the middle of a batch it claimed: it ends the publish under way, marks that
// row, and releases the rows of the batch it has not sent (relay.ts relayOnce's `finally`), so that the next
// relay sends them at once rather than once the claim has run out (three minutes, CLAIM_MS). Started by hand
// on PostgreSQL with the embedded table queue, each publish slowed by a trigger on the queue's table, so
// that the stop reaches the relay while a publish is under way.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { postgresBacklog, startRelayOn } from "../support/by-hand.js";
import { ended } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "./queue-helpers.js";
import { SUITE_BOUND_MS } from "./tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/** Outbox rows waiting when the relay starts: more than the 10 it claims in one pass (BATCH_ROWS). */
const ROWS = 12;

/**
 * How long each publish (the table queue's insert into QueueMessage) takes, in seconds: the test's window
 * to see the first row marked and stop the relay while the second row's publish is under way.
 */
const PUBLISH_S = 1;

/** The trigger of schema `s` (quoted) that makes every publish take {@link PUBLISH_S}. */
const SLOW_PUBLISH = (s: string) => `
  CREATE FUNCTION ${s}.slow_publish() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_sleep(${PUBLISH_S});
    RETURN NEW;
  END $$;
  CREATE TRIGGER slow_publish BEFORE INSERT ON ${s}."QueueMessage"
    FOR EACH ROW EXECUTE FUNCTION ${s}.slow_publish();`;

/** An outbox row as the test reads it back. */
interface OutboxRow {
  id: string;
  published: boolean;
  claimedBy: string | null;
  claimedUntil: Date | null;
}

describe(
  "a relay stopped in the middle of a batch (PostgreSQL, table queue)",
  { timeout: SUITE_BOUND_MS },
  () => {
    test(`a backlog of ${ROWS} rows, SIGTERM after the first publish: the row under way is published and marked, the rest of the batch released at once`, async (t) => {
      const backlog = await postgresBacklog(t, "relay_stopped", ROWS);
      if (typeof backlog === "string") return t.skip(backlog);
      const { admin, s, url } = backlog;
      await admin.query(SLOW_PUBLISH(s));
      const { run: relay } = await startRelayOn(url, tempDir(t, "relay-stopped"), "");
      t.after(() => relay.child.kill("SIGKILL"));
      const published = async () =>
        Number(
          (await admin.query(`SELECT count(*) AS n FROM ${s}."Outbox" WHERE "publishedAt" IS NOT NULL`))
            .rows[0].n,
        );
      // row-0 marked: the relay is in row-1's publish, for a second.
      await until(async () => (await published()) > 0);
      relay.child.kill("SIGTERM");
      const { code, stderr } = await ended(relay, "the relay's exit");
      assert.deepEqual(
        [code, stderr],
        [0, "tracehop preprocess: relay: stopped on SIGTERM: exiting with code 0\n"],
      );

      // Read as the relay left them: a claim still held would run until three minutes after the pass began.
      const rows = (
        await admin.query<OutboxRow>(
          `SELECT id, "publishedAt" IS NOT NULL AS published, "claimedBy", "claimedUntil"
         FROM ${s}."Outbox" ORDER BY "createdAt"`,
        )
      ).rows;
      // row-0, and the row whose publish the stop found under way (row-1, unless a loaded machine saw row-0
      // marked late): published and marked, no claim left. The rest of the batch (to row-9) released; row-10
      // and row-11, not in the batch, never claimed.
      const sent = rows.filter((r) => r.published).length;
      assert.ok(sent >= 2 && sent < 10, `${sent} rows published before the stop ended`);
      assert.deepEqual(
        rows,
        Array.from({ length: ROWS }, (_, i) => ({
          id: `row-${i}`,
          published: i < sent,
          claimedBy: null,
          claimedUntil: null,
        })),
      );
      // Each published once: one message per published row, none sent again.
      const messages = (
        await admin.query<{ body: string }>(`SELECT body FROM ${s}."QueueMessage" ORDER BY id`)
      ).rows;
      assert.deepEqual(
        messages.map((m) => (JSON.parse(m.body) as { jobId: string }).jobId),
        Array.from({ length: sent }, (_, i) => `job-${i}`),
      );
    });
  },
);
