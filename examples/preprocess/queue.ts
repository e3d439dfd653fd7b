import { setTimeout as sleep } from "node:timers/promises";
import { databaseUrl, POLL_INTERVAL_MS } from "./config.js";
import type { Database } from "./db.js";
import { databaseErrorCode, retryTransient } from "./transient.js";

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

/** Options of {@link TableQueue}. */
export interface TableQueueOptions {
  /**
   * How long a claim lasts without renewal, in milliseconds (default 2 minutes). The consumer renews
   * the claim of the message in hand every third of this; a message whose consumer died (no renewal)
   * or whose handler failed is delivered again once its lease has run out.
   */
  leaseMs?: number;
  /** Poll interval while the queue is empty, in milliseconds (default POLL_INTERVAL_MS). */
  pollMs?: number;
}

/**
 * The embedded default: a table (`QueueMessage`) in the same database, so the main job needs no broker.
 * At least once, as a broker with acknowledgements: a consumer claims the oldest available message with
 * a conditional update (`consumedAt`, the start of its lease), so several consumers never take the same
 * one, and renews the lease while its handler runs; a message whose handler resolves is acknowledged
 * (its row deleted); one whose handler fails, or whose consumer dies, is delivered again once its lease
 * has run out. Handlers must therefore be idempotent (the worker skips a job that is no longer pending).
 */
export class TableQueue implements Queue {
  readonly system = "tracehop-table";
  private _consuming: Promise<void> | undefined;
  /** Aborted by close(): the loop stops, and retries of a lease renewal or an acknowledgement end. */
  private readonly _closing = new AbortController();
  private readonly _leaseMs: number;
  private readonly _pollMs: number;

  constructor(
    private readonly _db: Database,
    options: TableQueueOptions = {},
  ) {
    this._leaseMs = options.leaseMs ?? 2 * 60_000;
    this._pollMs = options.pollMs ?? POLL_INTERVAL_MS;
  }

  async publish(queue: string, body: string, headers: Record<string, string>): Promise<void> {
    await this._db.queueMessage.create({ data: { queue, body, headers } });
  }

  consume(queue: string, handler: (message: QueueMessage) => Promise<void>): Promise<void> {
    this._consuming = (async () => {
      while (!this._closing.signal.aborted) {
        let claim;
        try {
          claim = await this._claimNext(queue);
        } catch (error) {
          // A failed poll or claim (the file locked by another process) leaves the message where it
          // was: the consumer keeps going and polls again a little later.
          console.error(`table queue: poll failed (${databaseErrorCode(error)}), retrying`);
          await sleep(this._pollMs * 10);
          continue;
        }
        // None available, or another consumer claimed it first (or a row this claim cannot match):
        // poll again after the interval, never in a tight loop.
        if (claim === null || claim === undefined) {
          await sleep(this._pollMs);
          continue;
        }
        await this._handle(claim.message, claim.claimedAt, handler);
      }
    })();
    return Promise.resolve();
  }

  /** Runs `handler` on a claimed message while renewing its lease, then acknowledges it. */
  private async _handle(
    message: { id: number; body: string; headers: unknown },
    claimedAt: Date,
    handler: (message: QueueMessage) => Promise<void>,
  ): Promise<void> {
    let lease = claimedAt;
    let renewing = Promise.resolve();
    const retry = { attempts: Infinity, maxElapsedMs: this._leaseMs / 3, signal: this._closing.signal };
    const renewal = setInterval(() => {
      renewing = renewing.then(async () => {
        const renewed = new Date();
        const { count } = await retryTransient(
          () =>
            this._db.queueMessage.updateMany({
              where: { id: message.id, consumedAt: lease },
              data: { consumedAt: renewed },
            }),
          retry,
        ).catch(() => ({ count: -1 })); // a later renewal tries again
        if (count === 1) lease = renewed;
        else if (count === 0) {
          // Taken over by another consumer: nothing left to renew.
          clearInterval(renewal);
          console.error(`table queue: lost the lease of message ${message.id}`);
        }
      });
    }, this._leaseMs / 3);
    let handled = false;
    try {
      await handler({
        id: String(message.id),
        body: message.body,
        headers: (message.headers ?? {}) as Record<string, unknown>,
      });
      handled = true;
    } catch (error) {
      console.error(
        `table queue: handler failed on message ${message.id}; delivered again after its lease`,
        error,
      );
    } finally {
      clearInterval(renewal);
      await renewing;
    }
    if (!handled) return;
    // Acknowledged: the row goes, only under this consumer's lease (a lease that ran out may have been
    // taken over). Not done when the queue is closing or the database stays busy: delivered again later.
    const acked = await retryTransient(
      () => this._db.queueMessage.deleteMany({ where: { id: message.id, consumedAt: lease } }),
      { attempts: Infinity, maxElapsedMs: 60_000, signal: this._closing.signal },
    ).catch((error: unknown) => {
      console.error(
        `table queue: message ${message.id} not acknowledged (${databaseErrorCode(error)}); delivered again after its lease`,
      );
      return undefined;
    });
    if (acked?.count === 0)
      console.error(
        `table queue: message ${message.id} handled after its lease was taken over; it is handled again`,
      );
  }

  /**
   * The oldest available message of `queue` (never claimed, or its lease run out) once claimed, with the
   * time of the claim; `null` when there is none, `undefined` when another consumer took it first.
   */
  private async _claimNext(queue: string) {
    const message = await this._db.queueMessage.findFirst({
      where: {
        queue,
        OR: [{ consumedAt: null }, { consumedAt: { lt: new Date(Date.now() - this._leaseMs) } }],
      },
      orderBy: { id: "asc" },
    });
    if (!message) return null;
    const claimedAt = new Date();
    const claimed = await this._db.queueMessage.updateMany({
      where: { id: message.id, consumedAt: message.consumedAt },
      data: { consumedAt: claimedAt },
    });
    return claimed.count === 1 ? { message, claimedAt } : undefined;
  }

  async close(): Promise<void> {
    this._closing.abort();
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
