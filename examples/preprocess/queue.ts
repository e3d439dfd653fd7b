import { setTimeout as sleep } from "node:timers/promises";
import { databaseUrl, POLL_INTERVAL_MS } from "./config.js";
import type { Database } from "./db.js";
import { retryTransient } from "./transient.js";

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
   * How long a claimed message stays hidden from consumers, in milliseconds (default 10 minutes, above
   * the worker's 5 minutes of retries per job): a message not acknowledged by then — its consumer died
   * or its handler failed — is delivered again.
   */
  leaseMs?: number;
  /** Poll interval while the queue is empty, in milliseconds (default POLL_INTERVAL_MS). */
  pollMs?: number;
}

/**
 * The embedded default: a table (`QueueMessage`) in the same database, so the main job needs no broker.
 * At least once, as a broker with acknowledgements: a consumer claims the oldest available message with
 * a conditional update (`consumedAt`, the start of its lease), so several consumers never take the same
 * one; a message whose handler resolves is acknowledged (its row deleted); one whose handler fails, or
 * whose consumer dies, is delivered again once its lease has run out. Handlers must therefore be
 * idempotent (the worker skips a job that is no longer pending).
 */
export class TableQueue implements Queue {
  readonly system = "tracehop-table";
  private _closed = false;
  private _consuming: Promise<void> | undefined;
  private readonly _leaseMs: number;
  private readonly _pollMs: number;

  constructor(
    private readonly _db: Database,
    options: TableQueueOptions = {},
  ) {
    this._leaseMs = options.leaseMs ?? 10 * 60_000;
    this._pollMs = options.pollMs ?? POLL_INTERVAL_MS;
  }

  async publish(queue: string, body: string, headers: Record<string, string>): Promise<void> {
    await this._db.queueMessage.create({ data: { queue, body, headers } });
  }

  consume(queue: string, handler: (message: QueueMessage) => Promise<void>): Promise<void> {
    this._consuming = (async () => {
      while (!this._closed) {
        let claim;
        try {
          claim = await this._claimNext(queue);
        } catch (error) {
          // A failed poll or claim (the file locked by another process) leaves the message where it
          // was: the consumer keeps going and polls again a little later.
          console.error(`table queue: poll failed (${errorCode(error)}), retrying`);
          await sleep(this._pollMs * 10);
          continue;
        }
        if (claim === null) {
          await sleep(this._pollMs);
          continue;
        }
        if (claim === undefined) continue; // another consumer claimed it first
        const { message, claimedAt } = claim;
        try {
          await handler({
            id: String(message.id),
            body: message.body,
            headers: (message.headers ?? {}) as Record<string, unknown>,
          });
        } catch (error) {
          console.error(
            `table queue: handler failed on message ${message.id}; delivered again after its lease`,
            error,
          );
          continue;
        }
        // Acknowledged: the row goes. Only this claim's (a lease that ran out may have been taken over).
        await retryTransient(
          () => this._db.queueMessage.deleteMany({ where: { id: message.id, consumedAt: claimedAt } }),
          { attempts: Infinity, maxElapsedMs: 60_000 },
        ).catch((error: unknown) =>
          console.error(
            `table queue: message ${message.id} not acknowledged (${errorCode(error)}); delivered again after its lease`,
          ),
        );
      }
    })();
    return Promise.resolve();
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
    this._closed = true;
    await this._consuming?.catch(() => undefined);
  }
}

/** The Prisma error code of `error` (`P1008`, ...), else its text. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(error);
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
