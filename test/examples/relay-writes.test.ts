// The relay's database writes per outbox row, counted by PostgreSQL itself: statement-level triggers on the
// Outbox and QueueMessage tables log each write statement (its transaction id, and what it did to how many
// rows) while the relay, started by hand on the embedded table queue, publishes a backlog. On SQLite (the
// embedded default) every such write takes the file's single write lock, which the api's POSTs and the
// worker's stores wait for. Before the relay claimed a batch of rows in one write, it claimed each row in a
// write of its own: three write transactions per row (claim, publish, mark), not about two.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { postgresBacklog, startRelayOn } from "../support/by-hand.js";
import { ended } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "./queue-helpers.js";
import { requireBuild } from "../support/build.js";
import { boundedTest } from "./tcp-servers.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

/** Outbox rows waiting when the relay starts. */
const ROWS = 20;

/** One logged write statement: its transaction, its table, what it did, to how many rows. */
interface Write {
  txid: string;
  table: string;
  kind: "claim" | "mark" | "release" | "publish" | "mixed";
  rows: number;
}

/**
 * The triggers of schema `s` (quoted): a row in `relay_writes` per UPDATE statement on Outbox (a claim: no
 * row published, each claimed; a mark: each published; a release: none published nor claimed; a statement
 * that matched no row is a claim that lost them) and per INSERT statement on QueueMessage (a publish).
 */
const TRIGGERS = (s: string) => `
  CREATE TABLE ${s}.relay_writes (n SERIAL PRIMARY KEY, txid BIGINT, "table" TEXT, kind TEXT, "rows" INT);
  CREATE FUNCTION ${s}.log_outbox_update() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO ${s}.relay_writes (txid, "table", kind, "rows")
      SELECT txid_current(), 'Outbox',
        CASE WHEN count(*) = 0 THEN 'claim'
             WHEN bool_and("publishedAt" IS NOT NULL) THEN 'mark'
             WHEN bool_and("claimedUntil" IS NOT NULL) THEN 'claim'
             WHEN bool_and("claimedUntil" IS NULL) THEN 'release'
             ELSE 'mixed' END,
        count(*)
      FROM new_rows;
    RETURN NULL;
  END $$;
  CREATE TRIGGER log_outbox_update AFTER UPDATE ON ${s}."Outbox"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${s}.log_outbox_update();
  CREATE FUNCTION ${s}.log_queue_insert() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO ${s}.relay_writes (txid, "table", kind, "rows")
      SELECT txid_current(), 'QueueMessage', 'publish', count(*) FROM new_rows;
    RETURN NULL;
  END $$;
  CREATE TRIGGER log_queue_insert AFTER INSERT ON ${s}."QueueMessage"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${s}.log_queue_insert();`;

describe("the relay's database writes per outbox row (PostgreSQL, table queue)", () => {
  test(`a backlog of ${ROWS} rows: claimed in batches of 10, one write each; published and marked one row at a time`, async (t) => {
    const backlog = await postgresBacklog(t, "relay_writes", ROWS);
    if (typeof backlog === "string") return t.skip(backlog);
    const { admin, s, url } = backlog;
    await admin.query(TRIGGERS(s));
    const { run: relay } = await startRelayOn(url, tempDir(t, "relay-writes"), "");
    t.after(() => relay.child.kill("SIGKILL"));
    const published = async () =>
      Number(
        (await admin.query(`SELECT count(*) AS n FROM ${s}."Outbox" WHERE "publishedAt" IS NOT NULL`)).rows[0]
          .n,
      );
    await until(async () => (await published()) === ROWS);
    relay.child.kill("SIGTERM");
    const { code, stderr } = await ended(relay, "the relay's exit");
    assert.deepEqual(
      [code, stderr],
      [0, "tracehop preprocess: relay: stopped on SIGTERM: exiting with code 0\n"],
    );

    const writes = (
      await admin.query<Write>(`SELECT txid::text, "table", kind, "rows" FROM ${s}.relay_writes ORDER BY n`)
    ).rows;
    const of = (kind: Write["kind"]) => writes.filter((w) => w.kind === kind);
    const transactions = new Set(writes.map((w) => w.txid)).size;
    t.diagnostic(
      `${writes.length} write statements in ${transactions} transactions for ${ROWS} rows ` +
        `(${(transactions / ROWS).toFixed(2)} per row): ${of("claim").length} claims, ` +
        `${of("publish").length} publishes, ${of("mark").length} marks, ${of("release").length} releases`,
    );
    // Each row published once and marked once, in a write of its own each (a crash between a publish and its
    // mark sends that one row again, no more).
    assert.deepEqual(
      of("publish").map((w) => w.rows),
      Array(ROWS).fill(1),
    );
    assert.deepEqual(
      of("mark").map((w) => w.rows),
      Array(ROWS).fill(1),
    );
    // Claimed ten at a time: two writes for the backlog, not one per row.
    assert.deepEqual(
      of("claim").map((w) => w.rows),
      [10, 10],
    );
    assert.deepEqual(of("release").concat(of("mixed")), []);
    // One transaction per write statement: ROWS + ROWS / 10 besides the publishes (2 × ROWS before).
    assert.equal(transactions, writes.length);
    assert.equal(transactions - ROWS, ROWS + ROWS / 10);
  });
});
