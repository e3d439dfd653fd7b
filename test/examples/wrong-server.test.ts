// The example's database start-up (db.ts prepareDatabase and checkDatabase) against a DATABASE_URL whose
// host:port is a server that misbehaves: one that closes each connection, or another real service (MariaDB
// for a PostgreSQL URL, RabbitMQ, PostgreSQL for a MySQL URL). One connection attempt, one line naming
// host:port, what it said and the usual port, exit 2, nothing written. And the same line of AMQP_URL's
// connection (queue-amqp.ts), whose wording the databases' share.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test, type TestContext } from "node:test";
import { checkDatabase, prepareDatabase } from "../../examples/preprocess/db.js";
import { connectAmqp } from "../../examples/preprocess/queue-amqp.js";
import { PG_URL } from "../prisma/databases.js";
import { runExample, runMainJob } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import {
  closingServer,
  countingProxy,
  listening,
  refusedWith,
  silentServer,
  type SilentServer,
} from "./tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

const SERVERS = {
  postgresql: { server: "PostgreSQL", port: 5432 },
  mysql: { server: "MySQL/MariaDB", port: 3306 },
} as const;
type Scheme = keyof typeof SERVERS;

/** The line of a server at 127.0.0.1:`port` that answered as no server of `scheme` does, `said` what. */
const notThisServer = (action: "prepare" | "open", url: string, scheme: Scheme, port: number, said: string) =>
  `cannot ${action} the database of DATABASE_URL (${url}): the server at 127.0.0.1:${port} does not answer ` +
  `as a ${SERVERS[scheme].server} server (${said}). Fix the host or port in DATABASE_URL ` +
  `(${SERVERS[scheme].server}'s port: ${SERVERS[scheme].port} by default), or unset DATABASE_URL to use the ` +
  `embedded SQLite file.`;

/** The line of a server at 127.0.0.1:`port` that did not answer within 300 ms. */
const noAnswer = (action: "prepare" | "open", url: string, scheme: Scheme, port: number) =>
  `cannot ${action} the database of DATABASE_URL (${url}): no answer from 127.0.0.1:${port} within 300 ms ` +
  `(TCP connect and ${SERVERS[scheme].server} handshake). Fix the host or port in DATABASE_URL ` +
  `(${SERVERS[scheme].server}'s port: ${SERVERS[scheme].port} by default), start the database server or ` +
  `raise TRACEHOP_CONNECT_TIMEOUT_MS, or unset DATABASE_URL to use the embedded SQLite file.`;

/** Sets DATABASE_URL and TRACEHOP_CONNECT_TIMEOUT_MS for `fn`, restoring them after it. */
async function withEnv(url: string, timeoutMs: string, fn: () => Promise<unknown>): Promise<void> {
  const saved = [process.env.DATABASE_URL, process.env.TRACEHOP_CONNECT_TIMEOUT_MS];
  process.env.DATABASE_URL = url;
  process.env.TRACEHOP_CONNECT_TIMEOUT_MS = timeoutMs;
  try {
    await fn();
  } finally {
    for (const [name, value] of [
      ["DATABASE_URL", saved[0]],
      ["TRACEHOP_CONNECT_TIMEOUT_MS", saved[1]],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  }
}

/** Skips `t` unless something listens at 127.0.0.1:`port` (`what`, for the reason). */
async function needs(t: TestContext, port: number, what: string): Promise<boolean> {
  if (await listening(port)) return true;
  t.skip(`${what} does not listen at 127.0.0.1:${port}`);
  return false;
}

describe("DATABASE_URL of a server that accepts TCP and closes the connection without a word", () => {
  let server: SilentServer;
  beforeEach(async () => (server = await closingServer(200)));
  afterEach(() => server.close());

  for (const [scheme, said] of [
    ["postgresql", "Connection terminated unexpectedly"],
    ["mysql", "socket has unexpectedly been closed"],
  ] as const)
    test(`${scheme}: prepareDatabase and checkDatabase connect once each and say what the server did`, async () => {
      const url = `${scheme}://u:secret@127.0.0.1:${server.port}/db`;
      const shown = `${scheme}://u:***@127.0.0.1:${server.port}/db`;
      // A timeout well after the close: the close, not the timeout, ends the attempt.
      await withEnv(url, "3000", async () => {
        // Guards against two connections (the tables check swallowing the close, the migration connecting
        // again) and the driver's words with "Start the database server".
        await refusedWith(
          () => prepareDatabase(),
          notThisServer("prepare", shown, scheme, server.port, said),
        );
        assert.equal(server.accepted, 1);
        await refusedWith(() => checkDatabase(), notThisServer("open", shown, scheme, server.port, said));
        assert.equal(server.accepted, 2);
      });
    });

  test("npm start: exit 2, the one line, one connection, nothing written", async (t) => {
    const dir = tempDir(t, "closing");
    const url = `mysql://root@127.0.0.1:${server.port}/test`;
    const r = await runMainJob([], {
      DATABASE_URL: url,
      TRACEHOP_CONNECT_TIMEOUT_MS: "3000",
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    });
    const line = notThisServer("prepare", url, "mysql", server.port, "socket has unexpectedly been closed");
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, "", `tracehop preprocess: ${line}\n`]);
    assert.equal(server.accepted, 1);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe("AMQP_URL of a server that closes the connection in the AMQP handshake", () => {
  for (const { name, start } of [
    {
      name: "connectAmqp: the server at host:port does not answer as an AMQP broker",
      start: () => closingServer(200),
    },
    {
      // Not the broker lost mid-handshake (queue-amqp.ts handshakeDropped): amqplib never read a
      // connection.start there, so it wrote nothing after its protocol header.
      name: "connectAmqp: a server that answers a few bytes, less than a frame, then closes: still a wrong address",
      start: () => silentServer((socket) => socket.end("HTTP/")),
    },
  ]) {
    test(name, async () => {
      const server = await start();
      try {
        await refusedWith(
          () => connectAmqp(`amqp://guest:secret@127.0.0.1:${server.port}`, {}, 3_000),
          `cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:${server.port}: the server at ` +
            `127.0.0.1:${server.port} does not answer as an AMQP broker (Socket closed abruptly during opening ` +
            `handshake): fix the host or port in AMQP_URL, or unset AMQP_URL to use the embedded queue`,
        );
        assert.equal(server.accepted, 1);
      } finally {
        await server.close();
      }
    });
  }
});

describe("DATABASE_URL of another real service (MariaDB, RabbitMQ, PostgreSQL) on its own port", () => {
  for (const { scheme, port, what, timeoutMs, said } of [
    {
      scheme: "postgresql",
      port: 3306,
      what: "MariaDB",
      timeoutMs: "3000",
      said: "Received unexpected copyData message from backend",
    },
    {
      scheme: "postgresql",
      port: 5672,
      what: "RabbitMQ",
      timeoutMs: "3000",
      said: "Connection terminated unexpectedly",
    },
    // Both wait for the client to speak first: no answer, said as such.
    { scheme: "mysql", port: 5432, what: "PostgreSQL", timeoutMs: "300", said: undefined },
    { scheme: "mysql", port: 5672, what: "RabbitMQ", timeoutMs: "300", said: undefined },
  ] as const)
    test(`${scheme} URL at ${what}'s port: one connection each for prepareDatabase and checkDatabase, one line`, async (t) => {
      if (!(await needs(t, port, what))) return;
      // Through a local proxy that counts the connections to the real service.
      const proxy = await countingProxy(port);
      try {
        const url = `${scheme}://u@127.0.0.1:${proxy.port}/test`;
        const line = (action: "prepare" | "open") =>
          said === undefined
            ? noAnswer(action, url, scheme, proxy.port)
            : notThisServer(action, url, scheme, proxy.port, said);
        await withEnv(url, timeoutMs, async () => {
          await refusedWith(() => prepareDatabase(), line("prepare"));
          assert.equal(proxy.accepted, 1);
          await refusedWith(() => checkDatabase(), line("open"));
          assert.equal(proxy.accepted, 2);
        });
      } finally {
        await proxy.close();
      }
    });

  test("npm run migrate and the worker by hand with a PostgreSQL URL at MariaDB's and RabbitMQ's ports: exit 2, one line", async (t) => {
    if (!(await needs(t, 3306, "MariaDB")) || !(await needs(t, 5672, "RabbitMQ"))) return;
    const dir = tempDir(t, "wrong-service");
    const env = { TRACEHOP_CONNECT_TIMEOUT_MS: "3000", TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl") };
    const mariadb = "postgresql://u@127.0.0.1:3306/test";
    const rabbit = "postgresql://u@127.0.0.1:5672/test";
    const [migrate, worker] = await Promise.all([
      runExample("migrate", [], { ...env, DATABASE_URL: mariadb }),
      runExample("worker", [], { ...env, DATABASE_URL: rabbit }),
    ]);
    // Guards against "Received unexpected copyData message from backend.. Start the database server, fix
    // DATABASE_URL, …" (a doubled full stop; a server is running there) and "Connection terminated
    // unexpectedly. Start the database server, …".
    const copyData = "Received unexpected copyData message from backend";
    const closed = "Connection terminated unexpectedly";
    assert.deepEqual(
      [migrate.code, migrate.stdout, migrate.stderr],
      [2, "", `tracehop preprocess: ${notThisServer("prepare", mariadb, "postgresql", 3306, copyData)}\n`],
    );
    // RabbitMQ closes a connection that sent it no AMQP header, or resets it when the client's startup
    // message is still unread there (seen both ways on the same broker): either is said.
    assert.deepEqual([worker.code, worker.stdout], [2, ""]);
    assert.ok(
      [closed, "read ECONNRESET"]
        .map(
          (said) =>
            `tracehop preprocess: worker: ${notThisServer("open", rabbit, "postgresql", 5672, said).replace(/\.$/, "")}; exiting with code 2\n`,
        )
        .includes(worker.stderr),
      worker.stderr,
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe("checkDatabase: a server that lets the first connection in and closes the next", () => {
  test("a database without migrations whose tables cannot then be read: one line, not the driver's error thrown", async (t) => {
    const upstream = new URL(PG_URL);
    const port = Number(upstream.port || 5432);
    if (!(await needs(t, port, "PostgreSQL"))) return;
    // The first connection (the migrations applied: none, in a schema that does not exist) reaches
    // PostgreSQL; the second (the tables of the schema) is closed at once.
    const proxy = await countingProxy(port, upstream.hostname, (index) => index === 0);
    try {
      upstream.port = String(proxy.port);
      upstream.searchParams.set("schema", "tracehop_no_such_schema");
      const url = upstream.toString();
      // The closed second connection is no database without tables ("is not migrated"): the one line
      // says the server closed it, as a BadInputError, not the driver's error thrown as it is.
      await withEnv(url, "3000", () =>
        refusedWith(
          () => checkDatabase(),
          notThisServer("open", url, "postgresql", proxy.port, "Connection terminated unexpectedly"),
        ),
      );
      assert.equal(proxy.accepted, 2);
    } finally {
      await proxy.close();
    }
  });
});
