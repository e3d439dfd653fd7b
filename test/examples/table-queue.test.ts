import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { TableQueue, type QueueMessage } from "../../examples/preprocess/queue.js";
import type { PrismaClient } from "../../generated/prisma/sqlite/client.js";
import { openExampleSqliteFile, type ExampleSqliteFile } from "./sqlite-file.js";

/** Resolves once `check` holds (polled every 10 ms), or rejects after `ms`. */
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

// The embedded queue of the main job on a real SQLite file (examples/preprocess/queue.ts).
describe("TableQueue (the main job's embedded queue)", () => {
  let file: ExampleSqliteFile;
  let db: PrismaClient;
  let raw: ExampleSqliteFile["raw"];

  before(() => {
    file = openExampleSqliteFile("table-queue");
    ({ db, raw } = file);
  });
  after(() => file.close());

  const rows = (queue: string) =>
    raw.prepare("SELECT id, consumedAt FROM QueueMessage WHERE queue = ? ORDER BY id").all(queue) as {
      id: number;
      consumedAt: unknown;
    }[];

  test("delivers in order with the published headers, and an acknowledged message's row goes", async () => {
    const queue = new TableQueue(db, { pollMs: 5 });
    await queue.publish("in-order", "one", {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    await queue.publish("in-order", "two", {});
    const seen: QueueMessage[] = [];
    await queue.consume("in-order", async (message) => {
      seen.push(message);
    });
    await until(() => seen.length === 2 && rows("in-order").length === 0);
    await queue.close();
    assert.deepEqual(
      seen.map((m) => [m.body, m.headers]),
      [
        ["one", { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }],
        ["two", {}],
      ],
    );
  });

  test("a message whose handler fails is delivered again once its lease has run out, not before", async () => {
    const queue = new TableQueue(db, { pollMs: 5, leaseMs: 300 });
    await queue.publish("lease", "flaky", {});
    const attempts: number[] = [];
    await queue.consume("lease", async () => {
      attempts.push(Date.now());
      if (attempts.length === 1) throw new Error("handler failed");
    });
    await until(() => attempts.length === 2 && rows("lease").length === 0);
    await queue.close();
    assert.ok(attempts[1]! - attempts[0]! >= 250, `delivered again after ${attempts[1]! - attempts[0]!} ms`);
  });

  test("a handler that runs longer than the lease keeps its message: the lease is renewed, a second consumer waits", async () => {
    // A lease of 600 ms renewed every 200 ms, a handler of 2 s: three leases long.
    const first = new TableQueue(db, { pollMs: 5, leaseMs: 600 });
    const second = new TableQueue(db, { pollMs: 5, leaseMs: 600 });
    await first.publish("renewed", "slow", {});
    const handledBy: string[] = [];
    const slow = (name: string) => async () => {
      handledBy.push(name);
      await sleep(2_000);
    };
    await first.consume("renewed", slow("first"));
    await until(() => handledBy.length === 1);
    await second.consume("renewed", slow("second"));
    await until(() => rows("renewed").length === 0);
    await sleep(100);
    await Promise.all([first.close(), second.close()]);
    assert.deepEqual(handledBy, ["first"]);
  });

  test("close() does not wait on an acknowledgement the database keeps refusing", async () => {
    const queue = new TableQueue(db, { pollMs: 5 });
    await queue.publish("ack-locked", "done but locked", {});
    let handled = false;
    await queue.consume("ack-locked", async () => {
      raw.exec("BEGIN EXCLUSIVE"); // the acknowledgement that follows finds the file locked
      handled = true;
    });
    await until(() => handled);
    const logged = console.error;
    console.error = () => undefined;
    try {
      const started = Date.now();
      await queue.close();
      // The acknowledgement retries for up to 60 s unless close() ends them.
      assert.ok(Date.now() - started < 10_000, `close took ${Date.now() - started} ms`);
    } finally {
      console.error = logged;
      raw.exec("COMMIT");
    }
    assert.equal(rows("ack-locked").length, 1); // not acknowledged: delivered again after its lease
  });

  test("a message claimed by a consumer that died is delivered again after the lease", async () => {
    // A claim as the dead consumer left it: consumedAt set long ago, the row still there.
    await db.queueMessage.create({
      data: { queue: "orphan", body: "left", headers: {}, consumedAt: new Date(Date.now() - 60_000) },
    });
    await db.queueMessage.create({
      data: { queue: "orphan", body: "held", headers: {}, consumedAt: new Date() },
    });
    const queue = new TableQueue(db, { pollMs: 5, leaseMs: 30_000 });
    const seen: string[] = [];
    await queue.consume("orphan", async (message) => {
      seen.push(message.body);
    });
    await until(() => seen.length === 1);
    await sleep(100);
    await queue.close();
    // The expired claim is taken over; the message still within its lease is not.
    assert.deepEqual(seen, ["left"]);
    assert.equal(rows("orphan").length, 1);
  });

  test("the consumer survives a poll on a locked file and delivers once the lock goes", async () => {
    const queue = new TableQueue(db, { pollMs: 5 });
    await queue.publish("locked", "after the lock", {});
    const errors: unknown[] = [];
    const logged = console.error;
    console.error = (...args: unknown[]) => errors.push(args[0]);
    raw.exec("BEGIN EXCLUSIVE");
    try {
      const seen: string[] = [];
      await queue.consume("locked", async (message) => {
        seen.push(message.body);
      });
      await until(() => errors.length > 0);
      raw.exec("COMMIT");
      await until(() => seen.length === 1);
      await queue.close();
      assert.deepEqual(seen, ["after the lock"]);
      assert.match(String(errors[0]), /^table queue: poll failed \(P1008\), retrying$/);
    } finally {
      if (raw.inTransaction) raw.exec("ROLLBACK");
      console.error = logged;
    }
  });
});
