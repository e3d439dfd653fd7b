// Local TCP servers (node:net) that stand for a server at a wrong address, for the tests of the example's
// connections: one that never answers, one that closes each connection, a proxy that counts connections
// to a real service; and the assertion of the one-line refusal the example answers them with.
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { test, type TestContext } from "node:test";
import { BadInputError } from "../../examples/preprocess/config.js";

/** A TCP server of {@link silentServer}. */
export interface SilentServer {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Connections accepted and not closed yet. */
  readonly open: number;
  /** The bytes each accepted connection sent, in order. */
  received: Buffer[];
  /** Resolves once every accepted connection has been closed by its client. */
  allClosed(): Promise<void>;
  /**
   * From now on, writes `response` on each connection that has sent or sends a byte, then ends it: the
   * server starts answering (`HTTP/1.1 200 OK` and a `connection: close`, for an HTTP client).
   */
  answerFromNow(response: string): void;
  close(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1 (any free port) that accepts every connection, counts it and keeps what it sends;
 * `onConnection` may answer or close it (by default it never writes a byte).
 */
export async function silentServer(onConnection?: (socket: Socket) => void): Promise<SilentServer> {
  /** Each open connection, with its index in `received`. */
  const sockets = new Map<Socket, number>();
  let closedAll: (() => void) | undefined;
  let answer: string | undefined;
  const answerOn = (socket: Socket) => {
    if (answer !== undefined && !socket.writableEnded) socket.end(answer);
  };
  const state: SilentServer = {
    port: 0,
    accepted: 0,
    get open() {
      return sockets.size;
    },
    received: [],
    allClosed: () =>
      sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (closedAll = resolve)),
    answerFromNow: (response) => {
      answer = response;
      for (const [socket, index] of sockets) if (state.received[index]!.length > 0) answerOn(socket);
    },
    close: () => {
      for (const socket of sockets.keys()) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((socket) => {
    const index = state.accepted++;
    state.received[index] = Buffer.alloc(0);
    sockets.set(socket, index);
    socket.on("data", (data) => {
      state.received[index] = Buffer.concat([state.received[index]!, data]);
      answerOn(socket);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) closedAll?.();
    });
    onConnection?.(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as { port: number }).port;
  return state;
}

/**
 * A {@link silentServer} that closes each connection `afterMs` milliseconds after accepting it, without
 * writing a byte: a server that hangs up on a protocol it does not speak.
 */
export function closingServer(afterMs: number): Promise<SilentServer> {
  return silentServer((socket) => {
    const timer = setTimeout(() => socket.destroy(), afterMs);
    socket.on("close", () => clearTimeout(timer));
  });
}

/**
 * A {@link silentServer} that relays each connection to `host:port` (a real service), so that the
 * connections a client opens to that service can be counted (`accepted`). `relay(index)` says whether to
 * relay the connection of that index (from 0); one it does not relay is closed at once, no byte written.
 */
export function countingProxy(
  port: number,
  host = "127.0.0.1",
  relay: (index: number) => boolean = () => true,
): Promise<SilentServer> {
  let index = 0;
  return silentServer((socket) => {
    if (!relay(index++)) {
      socket.destroy();
      return;
    }
    const upstream = connect(port, host);
    upstream.on("error", () => socket.destroy());
    socket.on("close", () => upstream.destroy());
    upstream.on("close", () => socket.destroy());
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
}

/** Whether something accepts TCP connections at `host:port` (within 2 s). */
export function listening(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on("connect", () => {
      resolve(true);
      socket.destroy();
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(false));
  });
}

/**
 * The bound of a {@link within} that guards against a hang only (the alternative is a promise that never
 * settles, or one that fails with another value): a minute, far past what a loaded machine takes for what
 * does settle, so that no result depends on the machine's speed (tests assert values, not time).
 */
export const HANG_GUARD_MS = 60_000;

/**
 * The timeout of a `describe` whose tests wait with the hang guard: three of its waits, so that a hang is said
 * by the guard (which names what it waited for), not by the suite's cancellation (which names nothing).
 */
export const SUITE_BOUND_MS = 3 * HANG_GUARD_MS;

/**
 * node:test's `test(name, fn)`, each test bounded on its own by `ms` ({@link SUITE_BOUND_MS} unless said), for a
 * file to use as its `test` in a suite that has no bound: node:test's bound on a `describe` covers all its tests
 * together, so that on a loaded machine it runs out in the middle of a healthy test, cancelled without its
 * `finally` (a connection or a process left behind) and saying nothing of what was slow. Each wait of a test
 * is bounded by the hang guard, which names what hung; this bounds what is left (a step of the test's own).
 */
export function boundedTest(ms = SUITE_BOUND_MS) {
  return (name: string, fn: (t: TestContext) => void | Promise<void>) => test(name, { timeout: ms }, fn);
}

/** `promise`, or a failure after `ms` milliseconds (`what` settled too late: a connection left unbounded). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Asserts that the promise `start` returns rejects (within {@link HANG_GUARD_MS}: a hang guard, not a speed
 * test) with a BadInputError whose message is `message`, and returns how long it took from before `start`
 * was called, in milliseconds (for a lower bound only: a slow machine makes it longer, never shorter; the
 * clock starts before the call, so a deadline armed inside it cannot have run part of its time already).
 */
export async function refusedWith(start: () => Promise<unknown>, message: string): Promise<number> {
  const started = Date.now();
  await assert.rejects(within(start(), HANG_GUARD_MS, "the connection"), (error: unknown) => {
    assert.ok(error instanceof BadInputError, String(error));
    assert.equal(error.message, message);
    return true;
  });
  return Date.now() - started;
}

/** What a {@link switchingProxy} does with its connections now. */
export type ProxyMode = "relay" | "stall" | "mute" | "refuse";

/** A proxy of {@link switchingProxy}. */
export interface SwitchingProxy {
  port: number;
  /**
   * `relay`: bytes pass both ways; `stall`: nothing passes any more, the sockets stay open and new ones are
   * accepted (a server frozen, or its packets dropped on the path); `mute`: the client's bytes still reach
   * the server, nothing of the server's comes back (a server that stopped answering what it takes: a publish
   * reaches the queue, its confirm never comes back); `refuse`: every connection is closed, new ones at once
   * (a server gone).
   */
  mode: ProxyMode;
  /** Connections closed at once because they came in `refuse` mode (attempts made while "gone"). */
  readonly refused: number;
  /**
   * The client's bytes that did not reach the server (`stall`, `refuse`), in order, as latin1 text: what a
   * client sent that the proxy held back (a publish, with its body, sent to a server that stopped answering).
   */
  readonly held: string;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 (any free port) to `host:port` (a real service) whose {@link SwitchingProxy.mode}
 * a test changes while a client uses it: a server that goes away, stops answering, and comes back on the
 * same address.
 */
export async function switchingProxy(port: number, host = "127.0.0.1"): Promise<SwitchingProxy> {
  const sockets = new Set<Socket>();
  let mode: ProxyMode = "relay";
  let refused = 0;
  let held = "";
  const server: Server = createServer((client) => {
    if (mode === "refuse") {
      refused++;
      return void client.destroy();
    }
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("data", (chunk: Buffer) => {
      if (mode === "relay" || mode === "mute") upstream.write(chunk);
      else held += chunk.toString("latin1");
    });
    upstream.on("data", (chunk) => mode === "relay" && client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    get mode() {
      return mode;
    },
    get refused() {
      return refused;
    },
    set mode(next: ProxyMode) {
      mode = next;
      if (next === "refuse") for (const socket of sockets) socket.destroy();
    },
    get held() {
      return held;
    },
    close: () => {
      mode = "refuse";
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A {@link switchingProxy} in front of the server of `url`, and `url` with `schema` through it and direct. */
export interface ProxiedDatabase {
  proxy: SwitchingProxy;
  /** `url` with the proxy's port and `?schema=`: what the process under test is given. */
  proxied: URL;
  /** `url` with `?schema=`: for what the test does behind the process's back (migrations, checks). */
  direct: URL;
}

/** Starts a {@link switchingProxy} (relaying) in front of the PostgreSQL server of `url`, for `schema`. */
export async function proxiedDatabase(url: string, schema: string): Promise<ProxiedDatabase> {
  const upstream = new URL(url);
  const proxy = await switchingProxy(Number(upstream.port || 5432), upstream.hostname);
  const proxied = new URL(url);
  proxied.port = String(proxy.port);
  proxied.searchParams.set("schema", schema);
  const direct = new URL(url);
  direct.searchParams.set("schema", schema);
  return { proxy, proxied, direct };
}

/** A proxy of {@link methodCutProxy}. */
export interface MethodCutProxy {
  port: number;
  /** How many connections it has cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 (any free port) to an AMQP 0-9-1 server at `host:port` (RabbitMQ) that cuts a
 * connection, both its sockets closed, when its client sends the method `classId`.`methodId` (channel.open
 * is 20.10, confirm.select 85.10, basic.qos 60.10, queue.declare 50.10, channel.close 20.40, connection.close
 * 10.50), that frame not passed on: the broker lost right then, for the client. Only the `nth` such frame of
 * the proxy (from 1) cuts; every other byte passes both ways. It reads the client's bytes as AMQP frames:
 * the 8-byte protocol header, then frames of type(1) channel(2) size(4) payload(size) end(1, 0xCE), a method
 * frame (type 1) beginning its payload with class(2) method(2). `answer`, if given, is written to the client
 * before the cut, as the broker's last words (a connection.close: {@link connectionCloseFrame}).
 */
export async function methodCutProxy(
  classId: number,
  methodId: number,
  port: number,
  host = "127.0.0.1",
  nth = 1,
  answer?: Buffer,
): Promise<MethodCutProxy> {
  const sockets = new Set<Socket>();
  let seen = 0;
  let cuts = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    upstream.on("data", (chunk) => client.write(chunk));
    let pending = Buffer.alloc(0);
    let headerPassed = false;
    let cut = false;
    client.on("data", (chunk: Buffer) => {
      if (cut) return;
      pending = Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      if (!headerPassed && pending.length >= 8) {
        out.push(pending.subarray(0, 8));
        pending = pending.subarray(8);
        headerPassed = true;
      }
      while (headerPassed && pending.length >= 7 && pending.length >= 8 + pending.readUInt32BE(3)) {
        const frame = pending.subarray(0, 8 + pending.readUInt32BE(3));
        pending = pending.subarray(frame.length);
        if (
          frame[0] === 1 &&
          frame.readUInt16BE(7) === classId &&
          frame.readUInt16BE(9) === methodId &&
          ++seen === nth
        ) {
          cut = true;
          cuts++;
          if (out.length > 0) upstream.write(Buffer.concat(out));
          upstream.destroy();
          if (answer === undefined) client.destroy();
          else client.end(answer);
          return;
        }
        out.push(frame);
      }
      if (out.length > 0) upstream.write(Buffer.concat(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    get cuts() {
      return cuts;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An AMQP 0-9-1 connection.close frame (channel 0, class 10, method 50) with `replyCode` and `replyText` (at
 * most 255 bytes of UTF-8), as a broker sends it: type 1, channel 0, size, payload (class, method, reply-code,
 * reply-text as a shortstr, class-id 0, method-id 0), frame end 0xCE.
 */
export function connectionCloseFrame(replyCode: number, replyText: string): Buffer {
  const text = Buffer.from(replyText, "utf8");
  const payload = Buffer.alloc(4 + 2 + 1 + text.length + 4);
  payload.writeUInt16BE(10, 0);
  payload.writeUInt16BE(50, 2);
  payload.writeUInt16BE(replyCode, 4);
  payload.writeUInt8(text.length, 6);
  text.copy(payload, 7);
  const header = Buffer.alloc(7);
  header.writeUInt8(1, 0);
  header.writeUInt32BE(payload.length, 3);
  return Buffer.concat([header, payload, Buffer.from([0xce])]);
}

/**
 * The port and host of the server `url` names (`amqp://…`, 5672 when it gives none): what a proxy put in front
 * of it ({@link switchingProxy}, {@link methodCutProxy}) connects to.
 */
export function targetOf(url: string): [port: number, host: string] {
  const target = new URL(url);
  return [Number(target.port || 5672), target.hostname];
}

/** `url` with its host and port those of a proxy listening on 127.0.0.1:`port`: the URL through that proxy. */
export function throughProxy(url: string, port: number): string {
  const through = new URL(url);
  through.hostname = "127.0.0.1";
  through.port = String(port);
  return through.href;
}
