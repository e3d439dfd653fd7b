// The RabbitMQ queue of the main job (AMQP_URL set): the same small Queue interface as the embedded table
// queue, with amqplib. Messages are persistent on a durable queue and published on a confirm channel, so
// `publish` resolves only once the broker has taken the message; the worker acknowledges a message after
// its handler resolves, one message at a time (prefetch 1).
import { createHash } from "node:crypto";
import amqplib from "amqplib";
import { deadLetterQueue, errorText, type Queue, type QueueMessage } from "./queue.js";

/** Unacknowledged messages the broker hands one consumer at a time: one job at a time, as the table queue. */
const PREFETCH = 1;
/** Length of the database tag in a queue name, in hex characters (32 bits: enough to keep runs apart). */
const DATABASE_TAG_LENGTH = 8;

/**
 * A RabbitMQ queue behind the main job's Queue interface.
 *
 * The broker is shared by every run and machine that points at it, while the embedded queue lives in
 * the run's own database. To keep that meaning, the queue `jobs` of a database is the RabbitMQ queue
 * `jobs.<tag>`, where `<tag>` is a short hash of the database URL: runs on different databases never
 * take each other's messages, and a run on the same database finds the messages a stopped worker left.
 * `destination(name)` gives that RabbitMQ name, for `messaging.destination.name`.
 */
export class AmqpQueue implements Queue {
  readonly system = "rabbitmq";
  private readonly _declared = new Set<string>();
  private _consumerTag: string | undefined;
  private _inFlight: Promise<void> = Promise.resolve();
  private _closing = false;

  private constructor(
    private readonly _connection: amqplib.ChannelModel,
    private readonly _channel: amqplib.ConfirmChannel,
    private readonly _databaseTag: string,
  ) {}

  /**
   * Connects to `url` (`amqp://user:password@host:port/vhost`) and opens a confirm channel. `databaseUrl`
   * names the database whose jobs the messages refer to (see the class comment).
   * @throws Error naming the URL (password hidden) when the broker cannot be reached.
   */
  static async open(url: string, databaseUrl: string): Promise<AmqpQueue> {
    let connection: amqplib.ChannelModel;
    try {
      connection = await amqplib.connect(url);
    } catch (err) {
      throw new Error(
        `cannot connect to RabbitMQ at ${redact(url)}: ${(err as Error).message}; start the broker or unset AMQP_URL to use the embedded queue`,
        { cause: err },
      );
    }
    const channel = await connection.createConfirmChannel();
    await channel.prefetch(PREFETCH);
    const tag = createHash("sha256").update(databaseUrl).digest("hex").slice(0, DATABASE_TAG_LENGTH);
    return new AmqpQueue(connection, channel, tag);
  }

  /** The RabbitMQ queue that holds the main job's queue `queue` for this database. */
  destination(queue: string): string {
    return `${queue}.${this._databaseTag}`;
  }

  async publish(queue: string, body: string, headers: Record<string, string>): Promise<void> {
    const name = await this._declare(queue);
    this._channel.sendToQueue(name, Buffer.from(body, "utf8"), {
      headers,
      persistent: true,
      contentType: "application/json",
    });
    await this._channel.waitForConfirms();
  }

  async consume(queue: string, handler: (message: QueueMessage) => Promise<void>): Promise<void> {
    const name = await this._declare(queue);
    const { consumerTag } = await this._channel.consume(name, (msg) => {
      if (!msg) return; // the broker cancelled the consumer (queue deleted)
      const message: QueueMessage = {
        id: msg.properties.messageId ?? String(msg.fields.deliveryTag),
        body: msg.content.toString("utf8"),
        // Header values as amqplib delivers them (strings, Buffers, numbers): tracehop reads them all.
        headers: (msg.properties.headers ?? {}) as Record<string, unknown>,
        redelivered: msg.fields.redelivered,
        deliveryCount: deliveryCount(msg),
      };
      // While closing, a failed message is left unacknowledged: the broker requeues it when the channel
      // closes. Otherwise see _failed.
      this._inFlight = handler(message).then(
        () => this._channel.ack(msg),
        (error: unknown) => (this._closing ? undefined : this._failed(name, msg, error)),
      );
    });
    this._consumerTag = consumerTag;
  }

  async close(): Promise<void> {
    this._closing = true;
    if (this._consumerTag !== undefined) await this._channel.cancel(this._consumerTag);
    await this._inFlight;
    await this._channel.close();
    await this._connection.close();
  }

  /**
   * A message whose handler failed: requeued once (its first delivery), else moved to the dead-letter
   * queue `<RabbitMQ name>.dead` ({@link deadLetterQueue}; a copy published there with the headers as
   * delivered plus `last-error`, then the original acknowledged). Only twice, not the table queue's
   * `maxAttempts`, because a classic queue counts no deliveries (it says only `redelivered`), and a
   * quorum queue (`x-delivery-limit`, `x-delivery-count`) or a dead-letter exchange would need queue
   * arguments that an existing durable queue of an earlier run, declared without them, refuses
   * (PRECONDITION_FAILED). The requeued delivery comes straight back (RabbitMQ has no delay). When the
   * copy cannot be published the message is dropped, as a rejection without dead-lettering does.
   */
  private async _failed(name: string, msg: amqplib.ConsumeMessage, error: unknown): Promise<void> {
    if (!msg.fields.redelivered) {
      this._channel.nack(msg, false, true);
      return;
    }
    const dead = deadLetterQueue(name);
    try {
      await this._declareName(dead);
      this._channel.sendToQueue(dead, msg.content, {
        headers: { ...msg.properties.headers, "last-error": errorText(error) },
        persistent: true,
        contentType: msg.properties.contentType as string | undefined,
        messageId: msg.properties.messageId as string | undefined,
      });
      await this._channel.waitForConfirms();
      this._channel.ack(msg);
      console.error(
        `amqp queue: handler failed on a redelivered message of ${name}; moved to ${dead}`,
        error,
      );
    } catch (moveError) {
      console.error(
        `amqp queue: a failed message of ${name} could not be moved to ${dead}; dropped`,
        moveError,
      );
      this._channel.nack(msg, false, false);
    }
  }

  private async _declare(queue: string): Promise<string> {
    return this._declareName(this.destination(queue));
  }

  /** Declares the RabbitMQ queue `name` (durable) once per AmqpQueue. */
  private async _declareName(name: string): Promise<string> {
    if (!this._declared.has(name)) {
      await this._channel.assertQueue(name, { durable: true });
      this._declared.add(name);
    }
    return name;
  }
}

/**
 * The delivery's number, 1 for the first: a first delivery (`redelivered` false) is 1; a quorum queue's
 * `x-delivery-count` header counts the earlier failed deliveries of a redelivered one; a classic queue
 * says only that it was redelivered (`undefined`).
 */
function deliveryCount(msg: amqplib.ConsumeMessage): number | undefined {
  if (!msg.fields.redelivered) return 1;
  const earlier: unknown = msg.properties.headers?.["x-delivery-count"];
  return typeof earlier === "number" && Number.isSafeInteger(earlier) && earlier >= 0
    ? earlier + 1
    : undefined;
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
