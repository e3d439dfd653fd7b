/** The real RabbitMQ broker of the messaging tests; tests skip with this reason when it is missing. */
import { randomBytes } from "node:crypto";
import { after, before, type TestContext } from "node:test";
import type amqplib from "amqplib";

/** Broker URL; override with TRACEHOP_TEST_AMQP_URL. */
export const AMQP_URL = process.env.TRACEHOP_TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** Connects, or returns the reason to skip. */
export async function connectOrSkipReason(): Promise<amqplib.ChannelModel | string> {
  try {
    // Loaded on first use, so that a test can enable an OpenTelemetry instrumentation first.
    const { connect } = await import("amqplib");
    return await connect(AMQP_URL);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `RabbitMQ not reachable at ${AMQP_URL} (${why}): start it or set TRACEHOP_TEST_AMQP_URL`;
  }
}

/** A queue name no other run uses. */
export const uniqueQueue = (label: string) =>
  `tracehop-test-${label}-${process.pid}-${randomBytes(4).toString("hex")}`;

/** The broker of a test file or suite: {@link useRabbitMQ}. */
export interface RabbitMQ {
  /**
   * A confirm channel on the connection (only once `requireBroker` said the broker is there). Once the broker
   * closed it (a test that made it refuse something on it) or the connection was lost, reading it throws an
   * Error that says so and why, instead of handing a closed channel.
   */
  readonly channel: amqplib.ConfirmChannel;
  /** True when the broker is there; else skips `t` with the reason and returns false. */
  requireBroker(t: TestContext): boolean;
  /**
   * Deletes `queues` (those a test declared, or a process it started did) on {@link channel} when test `t`
   * ends, passed or failed, before the connection closes; a queue that does not exist is no error. When the
   * broker has closed {@link channel} meanwhile, on a channel opened for it.
   */
  deleteAfter(t: TestContext, ...queues: string[]): void;
}

/** The first line of an error's message (amqplib's), for a reason. */
const said = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0]!;

/**
 * Connects in a `before` hook of the calling file or suite (amqplib is loaded then, after any
 * instrumentation the file enabled) and closes in an `after` hook; tests call `requireBroker(t)` first.
 *
 * The connection and the channel have 'error' listeners: amqplib (2.x) emits 'error' when the broker closes
 * a channel (a 404 of a checkQueue on a missing queue, a 406 of a publish it refuses) or the connection with
 * an error, and an 'error' without a listener is thrown from amqplib's frame handler: it ended the whole test
 * file with a stack trace, or left it waiting. The error is kept, for what {@link RabbitMQ.channel} throws.
 */
export function useRabbitMQ(): RabbitMQ {
  let connection: amqplib.ChannelModel | undefined;
  let channel: amqplib.ConfirmChannel | undefined;
  let skipReason = "RabbitMQ was not connected";
  /** Why `connection` ended before the `after` hook closed it, if it did. */
  let connectionLost: string | undefined;
  /** Why `channel` was closed, if it was. */
  let channelClosed: string | undefined;
  let closing = false;
  before(async () => {
    const result = await connectOrSkipReason();
    if (typeof result === "string") skipReason = result;
    else {
      connection = result;
      connection.on(
        "error",
        (error: unknown) => (connectionLost ??= `the connection failed: ${said(error)}`),
      );
      connection.on("close", () => {
        if (!closing) connectionLost ??= "the connection was closed";
      });
      channel = await connection.createConfirmChannel();
      channel.on("error", (error: unknown) => (channelClosed ??= `closed by the broker: ${said(error)}`));
      channel.on("close", () => (channelClosed ??= connectionLost ?? "closed"));
    }
  });
  after(async () => {
    closing = true;
    if (connectionLost === undefined) await connection?.close();
  });
  return {
    get channel() {
      if (channel === undefined) throw new Error(`no RabbitMQ channel: ${skipReason}`);
      if (channelClosed !== undefined)
        throw new Error(
          `the test's RabbitMQ channel is closed (${channelClosed}): a test made the broker close it, or the connection was lost`,
        );
      return channel;
    },
    requireBroker(t) {
      if (connection) return true;
      t.skip(skipReason);
      return false;
    },
    deleteAfter(t, ...queues) {
      t.after(async () => {
        if (channel === undefined || connectionLost !== undefined) return;
        if (channelClosed === undefined) {
          for (const queue of queues) await channel.deleteQueue(queue);
          return;
        }
        const own = await connection!.createChannel();
        own.on("error", () => undefined);
        try {
          for (const queue of queues) await own.deleteQueue(queue);
        } finally {
          await own.close().catch(() => undefined);
        }
      });
    },
  };
}
