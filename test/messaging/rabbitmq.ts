/** The real RabbitMQ broker of the messaging tests; tests skip with this reason when it is missing. */
import { randomBytes } from "node:crypto";
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
