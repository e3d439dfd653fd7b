import { setTimeout as sleep } from "node:timers/promises";
import { databaseUrl, POLL_INTERVAL_MS } from "./config.js";
import type { Database } from "./db.js";

/** A message as the worker receives it: body text and the headers it was published with. */
export interface QueueMessage {
  id: string;
  body: string;
  /** Header values as the transport delivers them (strings, Buffers, ...): read them as a carrier. */
  headers: Record<string, unknown>;
}

/** The small queue interface the relay and the worker use. */
export interface Queue {
  /** Queue system name for `messaging.system` (`rabbitmq`, or tracehop's embedded table queue). */
  readonly system: string;
  /** The transport's name of `queue` (`messaging.destination.name`) when it is not `queue` itself. */
  destination?(queue: string): string;
  publish(queue: string, body: string, headers: Record<string, string>): Promise<void>;
  /** Calls `handler` for each message, one at a time; a message is acknowledged when it resolves. */
  consume(queue: string, handler: (message: QueueMessage) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/**
 * The embedded default: a table (`QueueMessage`) in the same database, so the main job needs no broker.
 * A consumer claims the oldest unconsumed message with a conditional update, so several consumers never
 * take the same message. A message is claimed before its handler runs: it is delivered at most once (a
 * handler that fails is logged, not called again; the worker retries transient failures itself).
 */
export class TableQueue implements Queue {
  readonly system = "tracehop-table";
  private _closed = false;
  private _consuming: Promise<void> | undefined;

  constructor(private readonly _db: Database) {}

  async publish(queue: string, body: string, headers: Record<string, string>): Promise<void> {
    await this._db.queueMessage.create({ data: { queue, body, headers } });
  }

  consume(queue: string, handler: (message: QueueMessage) => Promise<void>): Promise<void> {
    this._consuming = (async () => {
      while (!this._closed) {
        let next;
        try {
          next = await this._claimNext(queue);
        } catch (error) {
          // A failed poll or claim (the file locked by another process) leaves the message unclaimed:
          // the consumer keeps going and polls again a little later.
          const code = (error as { code?: unknown } | null)?.code;
          console.error(`table queue: poll failed (${String(code ?? error)}), retrying`);
          await sleep(POLL_INTERVAL_MS * 10);
          continue;
        }
        if (next === null) {
          await sleep(POLL_INTERVAL_MS);
          continue;
        }
        if (next === undefined) continue; // another consumer claimed it first
        try {
          await handler({
            id: String(next.id),
            body: next.body,
            headers: (next.headers ?? {}) as Record<string, unknown>,
          });
        } catch (error) {
          console.error(`table queue: handler failed on message ${next.id}`, error);
        }
      }
    })();
    return Promise.resolve();
  }

  /** The oldest unconsumed message of `queue` once claimed; `null` when there is none, `undefined` when another consumer took it first. */
  private async _claimNext(queue: string) {
    const next = await this._db.queueMessage.findFirst({
      where: { queue, consumedAt: null },
      orderBy: { id: "asc" },
    });
    if (!next) return null;
    const claimed = await this._db.queueMessage.updateMany({
      where: { id: next.id, consumedAt: null },
      data: { consumedAt: new Date() },
    });
    return claimed.count === 1 ? next : undefined;
  }

  async close(): Promise<void> {
    this._closed = true;
    await this._consuming?.catch(() => undefined);
  }
}

/** The queue of this run: RabbitMQ (queue-amqp.ts) when AMQP_URL is set, else the embedded table queue. */
export async function openQueue(db: Database): Promise<Queue> {
  const amqpUrl = process.env.AMQP_URL;
  if (amqpUrl) {
    const { AmqpQueue } = await import("./queue-amqp.js");
    return AmqpQueue.open(amqpUrl, databaseUrl());
  }
  return new TableQueue(db);
}
