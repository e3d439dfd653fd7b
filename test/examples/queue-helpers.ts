// Helpers of the queue tests (table-queue, amqp-queue, queue-migration): waiting for a condition, the
// part of a delivery a handler saw, and the queue's log lines kept off the test output; and of the tests of
// the main job's processes on RabbitMQ (a database whose queue names are known before they start).
import type { TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import type { QueueMessage } from "../../examples/preprocess/queue.js";
import type { RabbitMQ } from "../messaging/rabbitmq.js";
import { storeQueueTag } from "../support/queue-tag.js";
import { HANG_GUARD_MS } from "./tcp-servers.js";

/**
 * Resolves once `check` returns or resolves true (polled every 10 ms). A wait, not a time bound: it gives up
 * only after {@link HANG_GUARD_MS} (a hang guard, far past what a loaded machine takes), with an error saying
 * what it waited for: `what`, else the source of `check`. A test that must show something happens soon
 * asserts what "soon" stands for (a count of attempts, a delivery count, an order of events), never a time.
 */
export async function until(check: () => boolean | Promise<boolean>, what?: string): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(
        `gave up after ${HANG_GUARD_MS} ms (a hang guard) waiting for ${what ?? String(check).replace(/\s+/g, " ")}`,
      );
    await sleep(10);
  }
}

/** What a handler saw of one delivery. */
export const delivery = (m: QueueMessage) => ({
  body: m.body,
  deliveryCount: m.deliveryCount,
  redelivered: m.redelivered,
});
export type Delivery = ReturnType<typeof delivery>;

/**
 * Runs `fn` with console.error captured (the queues log every failed delivery and poll); returns the
 * lines' first arguments. `fn` gets the array the lines go to, to wait for one while it runs.
 */
export async function quietly(fn: (lines: readonly string[]) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const logged = console.error;
  console.error = (...args: unknown[]) => lines.push(String(args[0]));
  try {
    await fn(lines);
  } finally {
    console.error = logged;
  }
  return lines;
}

/**
 * Migrates the SQLite file `file` for a run of the main job's processes on RabbitMQ and stores its queue tag
 * (test/support/queue-tag.ts), so that the test knows its queue, `preprocess-jobs.<tag>`, before a relay or
 * worker starts on it; that queue and its dead-letter queue are deleted from `broker` when test `t` ends.
 */
export function rabbitmqDatabase(
  t: TestContext,
  broker: RabbitMQ,
  file: string,
): { tag: string; queue: string } {
  migrateSqlite(file);
  // The database's queue tag (pipeline.ts): its queues are `preprocess-jobs.<tag>…`.
  const tag = storeQueueTag(file);
  const queue = `preprocess-jobs.${tag}`;
  broker.deleteAfter(t, queue, `${queue}.dead`);
  return { tag, queue };
}
