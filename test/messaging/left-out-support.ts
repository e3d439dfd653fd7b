/**
 * The set-up the left-out-field tests share (left-out-warnings, stale-left-out-fields,
 * setter-sendable-fields, unsendable-fields): a propagator that writes a vendor's own fields beside the
 * default styles, a round trip of AMQP headers through the real RabbitMQ, and a publish of nats.js
 * headers through the real NATS server.
 */
import { randomBytes } from "node:crypto";
import { after, before, type TestContext } from "node:test";
import {
  context,
  ROOT_CONTEXT,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import type amqplib from "amqplib";
import { connect, type MsgHdrs, type NatsConnection } from "nats";
import { createPropagator } from "../../src/index.js";
import type { RabbitMQ } from "./rabbitmq.js";

/** NATS server URL; override with TRACEHOP_TEST_NATS_URL. */
export const NATS_URL = process.env.TRACEHOP_TEST_NATS_URL ?? "127.0.0.1:4222";

/** `label`, then this process's id and random hex: a queue or subject part no other run uses. */
const uniqueName = (label: string, separator: string) =>
  [label, process.pid, randomBytes(4).toString("hex")].join(separator);

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
    const queue = uniqueName(label, "-");
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

/** The real NATS server of a test file or suite: {@link useNats}. */
export interface Nats {
  /** The connection (only once `requireNats` said the server is there). */
  readonly connection: NatsConnection;
  /** True when the server is there; else skips `t` with the reason and returns false. */
  requireNats(t: TestContext): boolean;
  /**
   * Publishes "order 1" with `headers` on a new subject (`label`.pid.hex) and resolves with the headers
   * delivered (name -> values); throws what nats.js throws at publish.
   */
  publish(headers: MsgHdrs | undefined, label?: string): Promise<Record<string, string[]>>;
}

/**
 * Connects to NATS in a `before` hook of the calling file or suite (outside any active context: a
 * test's span never becomes the connection's) and closes in an `after` hook; tests call
 * `requireNats(t)` first.
 */
export function useNats(defaultLabel = "h4.nats"): Nats {
  let nc: NatsConnection | undefined;
  let skipReason = "NATS was not connected";
  before(async () => {
    try {
      nc = await context.with(ROOT_CONTEXT, () =>
        connect({ servers: NATS_URL, reconnect: false, timeout: 3000 }),
      );
    } catch (err) {
      skipReason = `NATS not reachable at ${NATS_URL} (${err instanceof Error ? err.message : String(err)})`;
    }
  });
  after(async () => {
    await nc?.close();
  });
  return {
    get connection() {
      if (nc === undefined) throw new Error(`no NATS connection: ${skipReason}`);
      return nc;
    },
    requireNats(t) {
      if (nc) return true;
      t.skip(skipReason);
      return false;
    },
    async publish(headers, label = defaultLabel) {
      const connection = this.connection;
      const subject = uniqueName(label, ".");
      const delivered = new Promise<Record<string, string[]>>((resolve) => {
        connection.subscribe(subject, {
          max: 1,
          callback: (_err, msg) => resolve(Object.fromEntries(msg.headers ?? [])),
        });
      });
      await connection.flush();
      connection.publish(subject, "order 1", { headers });
      return delivered;
    },
  };
}
