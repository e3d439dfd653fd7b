// The table queue (examples/preprocess/queue.ts) polling a PostgreSQL database that goes away and comes
// back (the real server behind a switching proxy): its outage is said as the api's, the relay's and the
// worker's are (OutageLog, transient.ts), not once per failed poll.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { setImmediate } from "node:timers/promises";
import { describe, test } from "node:test";
import { openDatabase, type Database } from "../../examples/preprocess/db.js";
import { TableQueue } from "../../examples/preprocess/queue.js";
import { connectPostgres, PG_URL } from "../prisma/databases.js";
import { quietly, until } from "./queue-helpers.js";
import { proxiedDatabase, SUITE_BOUND_MS } from "./tcp-servers.js";
import { exampleArgs, requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

describe("TableQueue: its database gone while it polls", { timeout: SUITE_BOUND_MS }, () => {
  test("one line when the outage starts, none for the polls that fail while it lasts, one when it ends", async (t) => {
    const admin = await connectPostgres();
    if (typeof admin === "string") return t.skip(admin);
    const schema = `tracehop_queue_outage_${process.pid}`;
    const { proxy, proxied, direct } = await proxiedDatabase(PG_URL, schema);
    const saved = process.env.DATABASE_URL;
    // As the worker runs it: the lines name DATABASE_URL.
    process.env.DATABASE_URL = proxied.href;
    const db = await openDatabase(proxied.href);
    try {
      execFileSync(process.execPath, exampleArgs("migrate"), {
        env: { ...process.env, DATABASE_URL: direct.href },
        stdio: "ignore",
      });
      let refused = 0;
      const lines = await quietly(async (lines) => {
        // The queue's polls (of an empty queue: findFirst alone), counted as they answer. The outage starts
        // as the second answers, so between two polls: a poll in flight when the connections are cut would
        // fail without a connection refused. The answer is held for two turns of the event loop, so that
        // the pool has read the end of its idle connection (cut at once, over loopback) before the next poll
        // asks it for one.
        let answered = 0;
        let outageStarted!: () => void;
        const outage = new Promise<void>((resolve) => (outageStarted = resolve));
        const polled = {
          queueMessage: {
            findFirst: async (args: Parameters<typeof db.queueMessage.findFirst>[0]) => {
              const row = await db.queueMessage.findFirst(args);
              if (++answered === 2) {
                proxy.mode = "refuse";
                await setImmediate();
                await setImmediate();
                outageStarted();
              }
              return row;
            },
          },
        } as unknown as Database;
        const queue = new TableQueue(polled, { pollMs: 20 });
        await queue.consume("jobs", async () => undefined);
        try {
          // Polling before the outage, saying nothing.
          await outage;
          assert.deepEqual(lines, []);
          // A failed poll is tried again after 10 poll intervals (200 ms), each on a new connection the
          // proxy refuses: several fail, counted by the proxy rather than waited for by the clock (a loaded
          // machine made one attempt in 2.5 s), and only the first is said.
          await until(() => proxy.refused >= 6);
          assert.equal(lines.length, 1, lines.join("\n"));
          proxy.mode = "relay";
          refused = proxy.refused; // every connection of the outage: each a failed poll
          await until(() => lines.length === 2);
          // Nothing more is said once it answers again: counted in polls, not waited for by the clock, two
          // more polls that answered after the one that said so (each says what it says as it answers).
          const said = answered;
          await until(() => answered >= said + 2);
        } finally {
          await queue.close();
        }
      });
      const name = `DATABASE_URL (${proxied.href})`;
      assert.equal(lines.length, 2, lines.join("\n"));
      assert.match(
        lines[0]!,
        new RegExp(
          `^table queue: a poll failed: the database of ${escape(name)} is unavailable: .+; retrying, said again every 30 s while it lasts$`,
        ),
      );
      const end = new RegExp(
        `^table queue: a poll: the database of ${escape(name)} answers again after \\d+ s \\((\\d+) failed attempts, the last .+\\)$`,
      ).exec(lines[1]!);
      assert.ok(end, lines[1]);
      // The line counts every failed poll of the outage: each one a connection the proxy refused.
      assert.equal(Number(end[1]), refused, lines[1]);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
      await db.$disconnect();
      await proxy.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});

/** `text` as a literal part of a regular expression. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
