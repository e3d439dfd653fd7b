// The RabbitMQ queue of the main job (AMQP_URL set): the same small Queue interface as the embedded table
// queue, with amqplib. Messages are persistent on a durable queue and published on a confirm channel, so
// `publish` resolves only once the broker has taken the message; the worker acknowledges a message after
// its handler resolves, one message at a time (prefetch 1). A failed message is retried as the table
// queue retries it: counted, after a backoff, and dead-lettered after maxAttempts (see AmqpQueue).
import { createHash, randomUUID } from "node:crypto";
import amqplib from "amqplib";
import { BadInputError, pause } from "./config.js";
import {
  backoffMs,
  deadLetterQueue,
  errorText,
  queueOptions,
  unacknowledgedError,
  type Queue,
  type QueueMessage,
} from "./queue.js";

/** Unacknowledged messages the broker hands one consumer at a time: one job at a time, as the table queue. */
const PREFETCH = 1;
/** Length of the database tag in a queue name, in hex characters (32 bits: enough to keep runs apart). */
const DATABASE_TAG_LENGTH = 8;

/**
 * Header of the copies AmqpQueue publishes of a message (a retry, a dead letter, a message given back on
 * close): how many deliveries of the message ended without an acknowledgement, an AMQP integer. A
 * message without it (as the relay publishes it) had none.
 */
export const ATTEMPTS_HEADER = "tracehop-attempts";
/** Header of a retry or a dead letter: the text of the handler's last error ({@link errorText}). */
export const LAST_ERROR_HEADER = "last-error";
/** Longest wait before a retry, in ms: 2 minutes, the table queue's cap with its default lease. */
export const MAX_RETRY_DELAY_MS = 2 * 60_000;
/**
 * Pause before a message whose copy could not be published is requeued, in ms: the broker delivers it
 * again at once, and a copy that can never be published (headers too large) would otherwise loop.
 */
const REQUEUE_PAUSE_MS = 1_000;
/** Headers RabbitMQ adds when it dead-letters or redelivers a message: left off a copy. */
const BROKER_HEADERS: ReadonlySet<string> = new Set([
  "x-death",
  "x-first-death-exchange",
  "x-first-death-queue",
  "x-first-death-reason",
  "x-last-death-exchange",
  "x-last-death-queue",
  "x-last-death-reason",
  "x-delivery-count",
]);

/**
 * Options of {@link AmqpQueue}, a plain object: the table queue's options that a broker's queue has, with
 * the same names, defaults and ranges. Anything else given as the options, a misspelt name or a value out
 * of range is a TypeError that says what it got.
 */
export interface AmqpQueueOptions {
  /**
   * Deliveries of a message in all, the first included (default 5; a positive integer). A message whose
   * handler failed this many times is moved to the dead-letter queue `<RabbitMQ name>.dead`.
   */
  maxAttempts?: number;
  /**
   * Wait before the delivery that follows a handler failure, in milliseconds (default 1 s; >= 0 and
   * <= 2147483647): doubled after each further failure, never more than {@link MAX_RETRY_DELAY_MS},
   * rounded up to a whole millisecond (RabbitMQ's TTLs are whole milliseconds).
   */
  retryDelayMs?: number;
}

/**
 * The queue where a failed message of the RabbitMQ queue `queue` waits `delayMs` milliseconds before the
 * broker moves it back to `queue`: `<queue>.retry.<delayMs>ms`.
 */
export const retryQueue = (queue: string, delayMs: number): string => `${queue}.retry.${delayMs}ms`;

/**
 * A RabbitMQ queue behind the main job's Queue interface.
 *
 * The broker is shared by every run and machine that points at it, while the embedded queue lives in
 * the run's own database. To keep that meaning, the queue `jobs` of a database is the RabbitMQ queue
 * `jobs.<tag>`, where `<tag>` is a short hash of the database URL: runs on different databases never
 * take each other's messages, and a run on the same database finds the messages a stopped worker left.
 * `destination(name)` gives that RabbitMQ name, for `messaging.destination.name`.
 *
 * Failures, as the table queue bounds them ({@link AmqpQueueOptions}):
 * - every delivery is counted: `QueueMessage.deliveryCount` is the message's {@link ATTEMPTS_HEADER}
 *   plus one, plus the broker's redeliveries (a consumer that died or lost its channel with it
 *   unacknowledged): a quorum queue's `x-delivery-count` says how many; a classic queue says only that
 *   it redelivered, so such a message is first republished with that delivery in its count (to the
 *   tail of the queue) and handled from the copy — a message that kills every consumer is dead-lettered
 *   after `maxAttempts` like one whose handler fails;
 * - a message whose handler fails is acknowledged and a copy published (same body, headers — the trace
 *   context among them, so the retry's process span continues the same trace — and message id) with
 *   the count and `last-error`, into the retry queue of its delay ({@link retryQueue}): `retryDelayMs`
 *   doubled per failure, at most {@link MAX_RETRY_DELAY_MS}. A retry queue has a queue TTL of its
 *   delay and dead-letters expired messages through the default exchange back to the queue. One retry
 *   queue per delay, because RabbitMQ expires messages only at the head of a queue: a message with a
 *   1 s TTL behind one with 8 s in the same queue would wait the 8 s. A zero delay republishes straight
 *   to the queue (its tail). The main queue keeps no queue arguments: RabbitMQ refuses to redeclare an
 *   existing queue (of an earlier run) with new ones;
 * - once `maxAttempts` deliveries have ended without an acknowledgement, the message is moved to
 *   `<RabbitMQ name>.dead` ({@link deadLetterQueue}): a copy with the count and `last-error` (for a
 *   message whose last delivery's consumer died: `not acknowledged: …`, with the handler's last error
 *   kept), then the original acknowledged;
 * - a handler that fails while the queue is closing (the worker stopped mid-job) gives its message back
 *   at once, that delivery not counted: a copy at the tail of the queue with the count it came with.
 * The copy is published (and confirmed) before the original is acknowledged: at least once. When it
 * cannot be published, a retry or a dead letter is requeued after a pause of a second (never dropped),
 * a redelivery whose count cannot be written is handled as it is, and a message given back on close is
 * left to the broker (requeued when the channel closes, counted as a redelivery). A lost channel or
 * connection is logged (the process is not ended by it); the queue then consumes no more.
 * Retry and dead-letter queues stay on the broker until deleted, as the queues do.
 */
export class AmqpQueue implements Queue {
  readonly system = "rabbitmq";
  private readonly _declared = new Set<string>();
  /** One per consume() call: close() cancels them all. */
  private readonly _consumerTags: string[] = [];
  /** Deliveries whose handler or settlement is still running: close() waits for them all. */
  private readonly _inFlight = new Set<Promise<void>>();
  private _closing = false;
  /** Aborted by close(): ends the pause before a message whose copy could not be published is requeued. */
  private readonly _closed = new AbortController();
  /** Why the channel closed without close() (a channel or connection error), else undefined. */
  private _lost: string | undefined;

  private constructor(
    private readonly _connection: amqplib.ChannelModel,
    private readonly _channel: amqplib.ConfirmChannel,
    private readonly _databaseTag: string,
    private readonly _maxAttempts: number,
    private readonly _retryDelayMs: number,
  ) {}

  /**
   * Connects to `url` (`amqp://user:password@host:port/vhost`) and opens a confirm channel. `databaseUrl`
   * names the database whose jobs the messages refer to (see the class comment).
   * @throws TypeError when an option is unknown or out of range ({@link AmqpQueueOptions}), before
   *   connecting
   * @throws BadInputError naming the URL (password hidden) when the broker cannot be reached.
   */
  static async open(url: string, databaseUrl: string, options: AmqpQueueOptions = {}): Promise<AmqpQueue> {
    const { maxAttempts, retryDelayMs } = queueOptions("AmqpQueue", options, ["maxAttempts", "retryDelayMs"]);
    let connection: amqplib.ChannelModel;
    try {
      connection = await amqplib.connect(url);
    } catch (err) {
      throw new BadInputError(
        `cannot connect to RabbitMQ at ${redact(url)}: ${(err as Error).message}; start the broker or unset AMQP_URL to use the embedded queue`,
        { cause: err },
      );
    }
    const channel = await connection.createConfirmChannel();
    await channel.prefetch(PREFETCH);
    const tag = createHash("sha256").update(databaseUrl).digest("hex").slice(0, DATABASE_TAG_LENGTH);
    const queue = new AmqpQueue(connection, channel, tag, maxAttempts, retryDelayMs);
    // Without a listener an 'error' event would end the process (a 406 PRECONDITION_FAILED on a queue
    // declared elsewhere with other arguments, a broker that went away); the messages in hand go back to
    // the broker with the channel, and close() still returns.
    const lost = (what: string) => (error: unknown) => {
      queue._lost ??= `${what}: ${error instanceof Error ? error.message : String(error)}`;
      console.error(`amqp queue: ${queue._lost}; no more messages are consumed: restart the process`);
    };
    connection.on("error", lost("the connection to RabbitMQ failed"));
    channel.on("error", lost("the RabbitMQ channel failed"));
    return queue;
  }

  /** The RabbitMQ queue that holds the main job's queue `queue` for this database. */
  destination(queue: string): string {
    return `${queue}.${this._databaseTag}`;
  }

  /** Publishes with a new message id (a UUID), which the message's retries keep. */
  async publish(queue: string, body: string, headers: Record<string, string>): Promise<void> {
    const name = await this._declare(queue);
    this._channel.sendToQueue(name, Buffer.from(body, "utf8"), {
      headers,
      persistent: true,
      contentType: "application/json",
      messageId: randomUUID(),
    });
    await this._channel.waitForConfirms();
  }

  async consume(queue: string, handler: (message: QueueMessage) => Promise<void>): Promise<void> {
    const name = await this._declare(queue);
    const { consumerTag } = await this._channel.consume(name, (msg) => {
      if (!msg) return; // the broker cancelled the consumer (queue deleted)
      const delivered: Promise<void> = this._deliver(name, msg, handler)
        .catch((error: unknown) =>
          // The channel closed under it (ack and nack throw then): the broker requeues the message.
          console.error(`amqp queue: a message of ${name} was left unsettled`, error),
        )
        .finally(() => this._inFlight.delete(delivered));
      this._inFlight.add(delivered);
    });
    this._consumerTags.push(consumerTag);
  }

  /**
   * Moves the messages of the dead-letter queue of `queue` ({@link deadLetterQueue} of its RabbitMQ name)
   * back to `queue`, their count of attempts reset and `last-error` kept, as `TableQueue.redrive` does
   * (SQS's dead-letter queue redrive). Each copy is published and confirmed before its dead letter is
   * acknowledged. Moves at most the messages the dead-letter queue held when it started, so a message
   * that fails again meanwhile is not moved twice.
   *
   * @returns the number of messages moved
   * @throws Error when a copy cannot be published: that message stays in the dead-letter queue, the ones
   *   moved before it stay moved.
   */
  async redrive(queue: string): Promise<number> {
    const name = await this._declare(queue);
    const dead = await this._declareName(deadLetterQueue(name));
    const { messageCount } = await this._channel.checkQueue(dead);
    for (let moved = 0; moved < messageCount; moved++) {
      const msg = await this._channel.get(dead, { noAck: false });
      if (msg === false) return moved; // another consumer of the dead-letter queue took the rest
      if (!(await this._move(dead, msg, async () => name, 0, undefined, "requeue")))
        throw new Error(
          `amqp queue: redrive of ${dead} stopped after ${moved} message(s): a copy could not be published to ${name} (logged above); the rest stay in ${dead}`,
        );
    }
    return messageCount;
  }

  /**
   * Stops every consumer of this queue, waits for the handlers in hand to settle their messages, and
   * closes the channel and the connection. Returns also when the channel or the connection was lost
   * before (their messages went back to the broker then).
   */
  async close(): Promise<void> {
    this._closing = true;
    this._closed.abort();
    if (this._lost === undefined)
      for (const tag of this._consumerTags) await this._channel.cancel(tag).catch(() => undefined);
    await Promise.all(this._inFlight);
    await this._channel.close().catch(() => undefined); // already closed when lost
    await this._connection.close().catch(() => undefined);
  }

  /** Hands one delivery of the queue `name` to `handler` and settles it (the class comment). */
  private async _deliver(
    name: string,
    msg: amqplib.ConsumeMessage,
    handler: (message: QueueMessage) => Promise<void>,
  ): Promise<void> {
    const attempts = earlierAttempts(msg);
    const id = (msg.properties.messageId as string | undefined) ?? String(msg.fields.deliveryTag);
    const dead = deadLetterQueue(name);
    if (attempts >= this._maxAttempts) {
      // Its last allowed delivery ended without a verdict: its consumer died, or lost its channel, with it.
      const lastError = unacknowledgedError(
        `not acknowledged: its consumer died or lost its channel with it in hand (delivery ${attempts} of ${this._maxAttempts})`,
        headerText(msg, LAST_ERROR_HEADER),
      );
      if (await this._move(name, msg, () => this._declareName(dead), attempts, lastError, "requeue"))
        console.error(`amqp queue: message ${id} of ${name} ${lastError}; moved to ${dead}`);
      return;
    }
    if (msg.fields.redelivered && count(msg.properties.headers?.["x-delivery-count"]) === undefined) {
      // A classic queue says only that it delivered this copy before, not how often. The delivery that
      // ended without a verdict is written into a copy's count, at the tail of the queue, before the
      // handler runs: a message that kills every consumer that takes it then counts each of them and is
      // dead-lettered after maxAttempts, instead of coming back forever at the same count.
      if (await this._move(name, msg, async () => name, attempts, undefined, "keep")) return;
    }
    const deliveryCount = attempts + 1;
    try {
      await handler({
        id,
        body: msg.content.toString("utf8"),
        // Header values as amqplib delivers them (strings, Buffers, numbers): tracehop reads them all.
        headers: (msg.properties.headers ?? {}) as Record<string, unknown>,
        redelivered: deliveryCount > 1,
        deliveryCount,
      });
    } catch (error) {
      const delivery = `delivery ${deliveryCount} of ${this._maxAttempts}`;
      if (this._closing) {
        if (await this._move(name, msg, async () => name, attempts, undefined, "leave"))
          console.error(
            `amqp queue: handler failed on message ${id} of ${name} (${delivery}); given back (the queue is closing)`,
            error,
          );
      } else if (deliveryCount >= this._maxAttempts) {
        if (
          await this._move(
            name,
            msg,
            () => this._declareName(dead),
            deliveryCount,
            errorText(error),
            "requeue",
          )
        )
          console.error(
            `amqp queue: handler failed on message ${id} of ${name} (${delivery}); moved to ${dead}`,
            error,
          );
      } else {
        const delayMs = this._delayMs(deliveryCount);
        const target = async () => (delayMs === 0 ? name : this._declareRetry(name, delayMs));
        if (await this._move(name, msg, target, deliveryCount, errorText(error), "requeue"))
          console.error(
            `amqp queue: handler failed on message ${id} of ${name} (${delivery}); delivered again in ${delayMs} ms`,
            error,
          );
      }
      return;
    }
    this._channel.ack(msg);
  }

  /** The wait after the failure of delivery `count`, in whole ms: retryDelayMs × 2^(count-1), capped. */
  private _delayMs(count: number): number {
    return Math.ceil(backoffMs(this._retryDelayMs, count, MAX_RETRY_DELAY_MS));
  }

  /**
   * Publishes a copy of `msg`, a message of the queue `name`, to the queue `declare` declares and names,
   * with `attempts` in {@link ATTEMPTS_HEADER} and `lastError` in `last-error` (unchanged when
   * undefined), then acknowledges `msg`. When the copy cannot be published (the channel lost, a queue
   * declared elsewhere with other arguments, headers beyond AMQP's 64 KiB field table), the error is
   * logged and `msg` is, by `otherwise`: requeued after {@link REQUEUE_PAUSE_MS} (`requeue`: never
   * dropped, and never in a tight loop: the consumer pauses, close() ends the pause), left unsettled
   * (`leave`: the broker requeues it with the channel), or kept in hand for the caller (`keep`).
   * @returns whether the copy was published
   */
  private async _move(
    name: string,
    msg: amqplib.Message,
    declare: () => Promise<string>,
    attempts: number,
    lastError: string | undefined,
    otherwise: "requeue" | "leave" | "keep",
  ): Promise<boolean> {
    const headers: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(msg.properties.headers ?? {}))
      if (!BROKER_HEADERS.has(key)) headers[key] = value;
    headers[ATTEMPTS_HEADER] = attempts;
    if (lastError !== undefined) headers[LAST_ERROR_HEADER] = lastError;
    const p = msg.properties as amqplib.MessageProperties;
    let target = "its destination";
    try {
      target = await declare();
      this._channel.sendToQueue(target, msg.content, {
        headers,
        persistent: true,
        contentType: p.contentType as string | undefined,
        contentEncoding: p.contentEncoding as string | undefined,
        messageId: p.messageId as string | undefined,
        correlationId: p.correlationId as string | undefined,
        timestamp: p.timestamp as number | undefined,
        type: p.type as string | undefined,
        appId: p.appId as string | undefined,
        priority: p.priority as number | undefined,
      });
      await this._channel.waitForConfirms();
    } catch (publishError) {
      const outcome = {
        requeue: `requeued in ${REQUEUE_PAUSE_MS} ms`,
        leave: "left to the broker",
        keep: "handled as it is",
      }[otherwise];
      console.error(
        `amqp queue: a copy of a message of ${name} could not be published to ${target}; ${outcome}`,
        publishError,
      );
      if (otherwise === "requeue") {
        await pause(REQUEUE_PAUSE_MS, this._closed.signal);
        this._channel.nack(msg, false, true);
      }
      return false;
    }
    this._channel.ack(msg);
    return true;
  }

  private async _declare(queue: string): Promise<string> {
    return this._declareName(this.destination(queue));
  }

  /**
   * Declares the RabbitMQ queue `name` once per AmqpQueue: durable, with the queue arguments of
   * `options` (default none). Returns `name`.
   */
  private async _declareName(name: string, options: amqplib.Options.AssertQueue = {}): Promise<string> {
    if (!this._declared.has(name)) {
      await this._channel.assertQueue(name, { durable: true, ...options });
      this._declared.add(name);
    }
    return name;
  }

  /**
   * Declares the retry queue of `queue` for `delayMs` once per AmqpQueue: durable, its messages expiring
   * after `delayMs` and dead-lettered through the default exchange to `queue`.
   */
  private _declareRetry(queue: string, delayMs: number): Promise<string> {
    return this._declareName(retryQueue(queue, delayMs), {
      messageTtl: delayMs,
      deadLetterExchange: "",
      deadLetterRoutingKey: queue,
    });
  }
}

/**
 * The deliveries of `msg` that ended without an acknowledgement before this one: its
 * {@link ATTEMPTS_HEADER} (a non-negative integer, as a number or decimal text; else 0), plus the
 * broker's redeliveries of this copy (a quorum queue's `x-delivery-count`; else 1 when `redelivered`).
 */
function earlierAttempts(msg: amqplib.ConsumeMessage): number {
  const headers = msg.properties.headers ?? {};
  const counted = count(headers[ATTEMPTS_HEADER]) ?? 0;
  const redeliveries = count(headers["x-delivery-count"]) ?? (msg.fields.redelivered ? 1 : 0);
  return counted + redeliveries;
}

/** A header value as a count: a non-negative safe integer, or its decimal text; else undefined. */
function count(value: unknown): number | undefined {
  const n = typeof value === "string" && /^[0-9]{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The header `name` of `msg` as text (a string, or a Buffer decoded as UTF-8), else undefined. */
function headerText(msg: amqplib.ConsumeMessage, name: string): string | undefined {
  const value: unknown = msg.properties.headers?.[name];
  return typeof value === "string" ? value : Buffer.isBuffer(value) ? value.toString("utf8") : undefined;
}

/** `url` with its password replaced by `***`, for error messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an AMQP_URL that is not a URL)";
  }
}
