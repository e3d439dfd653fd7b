/** The real NATS server of the messaging tests; tests skip with this reason when it is missing. */
import { randomBytes } from "node:crypto";
import { after, before, type TestContext } from "node:test";
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import { connect, type MsgHdrs, type NatsConnection } from "nats";
import { HANG_GUARD_MS } from "../examples/tcp-servers.js";

/** Server URL; override with TRACEHOP_TEST_NATS_URL. */
export const NATS_URL = process.env.TRACEHOP_TEST_NATS_URL ?? "127.0.0.1:4222";

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
      // The connect's own timeout is the hang guard, not 3 s: a server that is not there refuses at once,
      // and a loaded machine that takes longer to connect to one that is must not skip every test.
      nc = await context.with(ROOT_CONTEXT, () =>
        connect({ servers: NATS_URL, reconnect: false, timeout: HANG_GUARD_MS }),
      );
    } catch (err) {
      skipReason = `NATS not reachable at ${NATS_URL} (${err instanceof Error ? err.message : String(err)}): start nats-server -js or set TRACEHOP_TEST_NATS_URL`;
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
      const subject = `${label}.${process.pid}.${randomBytes(4).toString("hex")}`;
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
