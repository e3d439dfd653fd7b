/**
 * The set-up the left-out-field tests share (left-out-warnings, stale-left-out-fields,
 * setter-sendable-fields, unsendable-fields): a propagator that writes a vendor's own fields beside the
 * default styles, and a round trip of AMQP headers through the real RabbitMQ (the NATS server's:
 * nats.ts).
 */
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import {
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import type amqplib from "amqplib";
import { createPropagator } from "../../src/index.js";
import type { RabbitMQ } from "./rabbitmq.js";

/** `label`, then this process's id and random hex: a queue name no other run uses. */
const uniqueQueueName = (label: string) => `${label}-${process.pid}-${randomBytes(4).toString("hex")}`;

/** The default styles, then `extra`'s fields in order (a vendor's own headers, of any size or name). */
export class ExtraFieldsPropagator implements TextMapPropagator {
  private readonly inner = createPropagator();
  constructor(private readonly extra: [string, string][]) {}
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    this.inner.inject(ctx, carrier, setter);
    for (const [name, value] of this.extra) setter.set(carrier, name, value);
  }
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.inner.extract(ctx, carrier, getter);
  }
  fields(): string[] {
    return [...this.inner.fields(), ...this.extra.map(([name]) => name)];
  }
}

/** Round trips of AMQP headers through `broker`: {@link amqpRoundTrip}. */
export interface AmqpRoundTrip {
  /**
   * Sends `headers` through a new queue (`label`-…, deleted when `t` ends) and gets the message back as
   * a consumer would; throws what amqplib throws (a RangeError for a table it cannot encode).
   */
  roundTrip(t: TestContext, headers: Record<string, unknown>): Promise<amqplib.GetMessage>;
  /** The headers of a consumed message another service published: a copy (own fields) to forward. */
  consumedHeaders(t: TestContext, headers: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** {@link AmqpRoundTrip} on `broker`'s channel, each queue named `label`-pid-hex. */
export function amqpRoundTrip(broker: RabbitMQ, label: string): AmqpRoundTrip {
  async function roundTrip(t: TestContext, headers: Record<string, unknown>): Promise<amqplib.GetMessage> {
    const queue = uniqueQueueName(label);
    await broker.channel.assertQueue(queue);
    broker.deleteAfter(t, queue);
    broker.channel.sendToQueue(queue, Buffer.from("body"), { headers });
    await broker.channel.waitForConfirms();
    let msg: amqplib.GetMessage | false = false;
    while (!msg) msg = await broker.channel.get(queue, { noAck: true });
    return msg;
  }
  return {
    roundTrip,
    consumedHeaders: async (t, headers) => ({ ...(await roundTrip(t, headers)).properties.headers! }),
  };
}
