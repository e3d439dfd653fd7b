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
  /** A confirm channel on the connection (only once `requireBroker` said the broker is there). */
  readonly channel: amqplib.ConfirmChannel;
  /** True when the broker is there; else skips `t` with the reason and returns false. */
  requireBroker(t: TestContext): boolean;
  /**
   * Deletes `queues` (those a test declared, or a process it started did) on {@link channel} when test `t`
   * ends, passed or failed, before the connection closes; a queue that does not exist is no error.
   */
  deleteAfter(t: TestContext, ...queues: string[]): void;
}

/**
 * Connects in a `before` hook of the calling file or suite (amqplib is loaded then, after any
 * instrumentation the file enabled) and closes in an `after` hook; tests call `requireBroker(t)` first.
 */
export function useRabbitMQ(): RabbitMQ {
  let connection: amqplib.ChannelModel | undefined;
  let channel: amqplib.ConfirmChannel | undefined;
  let skipReason = "RabbitMQ was not connected";
  before(async () => {
    const result = await connectOrSkipReason();
    if (typeof result === "string") skipReason = result;
    else {
      connection = result;
      channel = await connection.createConfirmChannel();
    }
  });
  after(async () => {
    await connection?.close();
  });
  return {
    get channel() {
      if (channel === undefined) throw new Error(`no RabbitMQ channel: ${skipReason}`);
      return channel;
    },
    requireBroker(t) {
      if (connection) return true;
      t.skip(skipReason);
      return false;
    },
    deleteAfter(t, ...queues) {
      t.after(async () => {
        for (const queue of queues) await channel?.deleteQueue(queue);
      });
    },
  };
}
