// The example's connections to a server that accepts TCP and never answers (another service's port, a
// proxy that holds the connection): RabbitMQ (queue-amqp.ts connectAmqp), PostgreSQL and MySQL/MariaDB
// (migrate-server.ts, db.ts), each bounded by TRACEHOP_CONNECT_TIMEOUT_MS and answered with one line
// saying what to fix; on a real local TCP server (node:net) that stays silent.
// Timing-free: each bound is proven by what was said (the line names the timeout's value, and another
// bound, a driver's own, says another line) and by a lower bound on the time (a slow machine only makes
// it longer); the `within` guards only turn a hang into a failure, after HANG_GUARD_MS.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import mariadb from "mariadb";
import { afterEach, beforeEach, describe, test } from "node:test";
import { checkDatabase, openDatabase, prepareDatabase } from "../../examples/preprocess/db.js";
import { isTransientDatabaseError } from "../../examples/preprocess/transient.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { AmqpQueue, connectAmqp } from "../../examples/preprocess/queue-amqp.js";
import { AMQP_URL, connectOrSkipReason } from "../messaging/rabbitmq.js";
import { MYSQL_URL } from "../prisma/databases.js";
import { runExample, runMainJob, twoAtATime } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import { HANG_GUARD_MS, refusedWith, silentServer, within, type SilentServer } from "./tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/** Active timers of this process (Node's `Timeout` resources). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** The AMQP 0-9-1 protocol header, what amqplib sends first once TCP is connected. */
const AMQP_HEADER = Buffer.from("AMQP\x00\x00\x09\x01", "latin1");

const OR_UNSET = ", or unset AMQP_URL to use the embedded queue";
const amqpNoAnswer = (port: number, within: string) =>
  `cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:${port}: no answer from 127.0.0.1:${port} ` +
  `within ${within} (TCP connect and AMQP handshake): fix the host or port in AMQP_URL (RabbitMQ's AMQP ` +
  `port: 5672, 5671 for amqps:; 15672 is its management UI), start the broker or raise ` +
  `TRACEHOP_CONNECT_TIMEOUT_MS${OR_UNSET}`;

const dbNoAnswer = (action: "prepare" | "open", url: string, port: number, server: string, def: number) =>
  `cannot ${action} the database of DATABASE_URL (${url}): no answer from 127.0.0.1:${port} within 300 ms ` +
  `(TCP connect and ${server} handshake). Fix the host or port in DATABASE_URL (${server}'s port: ${def} by ` +
  `default), start the database server or raise TRACEHOP_CONNECT_TIMEOUT_MS, or unset DATABASE_URL to use ` +
  `the embedded SQLite file.`;

/** Sets the environment variables of `vars` for one test, restoring them after it. */
function useEnv(vars: () => Record<string, string>): void {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const [name, value] of Object.entries(vars())) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });
}

describe("connectAmqp: a server that accepts TCP and never answers", () => {
  let server: SilentServer;
  beforeEach(async () => (server = await silentServer()));
  afterEach(() => server.close());
  useEnv(() => ({ TRACEHOP_CONNECT_TIMEOUT_MS: "300" }));

  test("is refused after the timeout, in one line saying what to fix; its socket is closed and no timer is left", async () => {
    const before = timers();
    const url = `amqp://guest:secret@127.0.0.1:${server.port}`;
    // Guards against no timeout at all: a promise that never settles (the worker and the relay hang on it).
    // At least the timeout (less the clock's rounding): `took` starts before connectAmqp arms its timer.
    const took = await refusedWith(() => connectAmqp(url, {}, 300), amqpNoAnswer(server.port, "300 ms"));
    assert.ok(took >= 290, `took ${took} ms`); // a slow machine only makes it longer
    // The TCP connection was open and amqplib had started its handshake: the deadline covers both.
    assert.deepEqual(server.received, [AMQP_HEADER]);
    await within(server.allClosed(), HANG_GUARD_MS, "the client's close of its socket");
    assert.equal(server.open, 0);
    assert.equal(timers(), before, "a timer of the connection is left");
  });

  test("AmqpQueue.open (the worker, the relay) is bounded by TRACEHOP_CONNECT_TIMEOUT_MS; whole seconds are said in s", async () => {
    process.env.TRACEHOP_CONNECT_TIMEOUT_MS = "1000";
    const url = `amqp://guest:secret@127.0.0.1:${server.port}`;
    const took = await refusedWith(() => AmqpQueue.open(url, "file:x.db"), amqpNoAnswer(server.port, "1 s"));
    assert.ok(took >= 990, `took ${took} ms`); // a slow machine only makes it longer
    await within(server.allClosed(), HANG_GUARD_MS, "the client's close of its socket");
  });

  test("the time counts from the connect to the end of the handshake, not from the last byte: a server that trickles bytes is refused too", async () => {
    await server.close();
    // A frame header announcing 1 KiB of payload, then one byte of it every 50 ms: amqplib's own
    // `timeout` (the socket's idle timeout, 250 ms here) never fires on it.
    server = await silentServer((socket) => {
      socket.write(Buffer.from([1, 0, 0, 0, 0, 4, 0]));
      const drip = setInterval(() => socket.write(Buffer.from([0])), 50);
      socket.on("close", () => clearInterval(drip));
    });
    const url = `amqp://guest:secret@127.0.0.1:${server.port}`;
    const took = await refusedWith(
      () => connectAmqp(url, { timeout: 250 }, 600),
      amqpNoAnswer(server.port, "600 ms"),
    );
    assert.ok(took >= 590, `took ${took} ms`); // a slow machine only makes it longer
    await within(server.allClosed(), HANG_GUARD_MS, "the client's close of its socket");
  });

  test("a broker that answers: the connection opens and outlives the timeout, which leaves no timer behind", async (t) => {
    const probe = await connectOrSkipReason();
    if (typeof probe === "string") return t.skip(probe);
    await probe.close();
    const before = timers();
    const connection = await connectAmqp(AMQP_URL, {}, 1_000);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      // A deadline left armed would have destroyed the socket by now.
      const channel = await connection.createChannel();
      assert.deepEqual(await channel.checkExchange("amq.direct"), {});
      await channel.close();
    } finally {
      await connection.close();
    }
    assert.equal(timers(), before, "a timer of the connection is left");
  });
});

describe("DATABASE_URL of a PostgreSQL or MySQL server that accepts TCP and never answers", () => {
  let server: SilentServer;
  beforeEach(async () => (server = await silentServer()));
  afterEach(() => server.close());
  useEnv(() => ({ TRACEHOP_CONNECT_TIMEOUT_MS: "300" }));

  for (const { kind, scheme, name, port } of [
    { kind: "PostgreSQL", scheme: "postgresql", name: "PostgreSQL", port: 5432 },
    { kind: "MySQL", scheme: "mysql", name: "MySQL/MariaDB", port: 3306 },
  ])
    test(`${kind}: checkDatabase and prepareDatabase are refused after the timeout, in one line, each waiting once`, async () => {
      const url = `${scheme}://u:secret@127.0.0.1:${server.port}/db`;
      const shown = `${scheme}://u:***@127.0.0.1:${server.port}/db`;
      process.env.DATABASE_URL = url;
      try {
        // Guards against PostgreSQL's "timeout expired" after 10 s (20 s for a prepareDatabase that connects
        // twice) and MySQL's "failed to create socket after 1001ms", though the socket is open.
        // It waited for the 300 ms timeout, not refused at once: measured from before the call that arms the
        // timer, so at least the timeout less the clock's rounding.
        let took = await refusedWith(
          () => checkDatabase(),
          dbNoAnswer("open", shown, server.port, name, port),
        );
        assert.ok(took >= 290, `took ${took} ms`); // a slow machine only makes it longer
        assert.equal(server.accepted, 1);
        took = await refusedWith(
          () => prepareDatabase(),
          dbNoAnswer("prepare", shown, server.port, name, port),
        );
        assert.ok(took >= 290, `took ${took} ms`); // a slow machine only makes it longer
        // Refused at its first connection (the check for tables without a migration history), not tried
        // again.
        assert.equal(server.accepted, 2);
        await within(server.allClosed(), HANG_GUARD_MS, "the driver's close of its sockets");
      } finally {
        delete process.env.DATABASE_URL;
      }
    });

  test("PostgreSQL: a query of the pipeline's Prisma client fails after the timeout instead of waiting without end", async () => {
    const db = await openDatabase(`postgresql://u@127.0.0.1:${server.port}/db`);
    try {
      // Guards against pg's pool waiting for the connection without end.
      const failure: unknown = await within(db.preprocessJob.count(), HANG_GUARD_MS, "the query").then(
        () => assert.fail("the query against a server that never answers succeeded"),
        (error: unknown) => error,
      );
      assert.match((failure as Error).message, /Connection terminated due to connection timeout/);
      // The server may come back: retried as P1001 "Can't reach database server" is.
      assert.equal(isTransientDatabaseError(failure), true);
    } finally {
      // (Bounded too: guards against the pool's end waiting for the connection that never opened.)
      await within(db.$disconnect(), HANG_GUARD_MS, "the client's disconnect");
    }
    await within(server.allClosed(), HANG_GUARD_MS, "the pool's close of its socket");
  });
});

describe("DATABASE_URL of a MySQL server that answers slowly", () => {
  useEnv(() => ({ TRACEHOP_CONNECT_TIMEOUT_MS: "60000" }));

  test("MySQL: the pipeline's Prisma client waits TRACEHOP_CONNECT_TIMEOUT_MS for a connection, as checkDatabase does", async (t) => {
    const upstream = new URL(MYSQL_URL);
    const probe = await mariadb
      .createConnection({
        host: upstream.hostname,
        port: Number(upstream.port || 3306),
        user: decodeURIComponent(upstream.username) || "root",
        password: decodeURIComponent(upstream.password),
        connectTimeout: 3_000,
      })
      .catch((err: Error) => err);
    if (probe instanceof Error)
      return t.skip(
        `MariaDB/MySQL not reachable at ${MYSQL_URL} (${probe.message}): start it or set TRACEHOP_TEST_MYSQL_URL`,
      );
    await probe.end();
    // A proxy to the real server that holds the server's greeting back for 1.5 s: a slow network or server,
    // longer than the mariadb driver's own 1 s connect timeout, well within the 60 s set (however slow the machine).
    const proxy = await silentServer((socket) => {
      const server = connect(Number(upstream.port || 3306), upstream.hostname);
      server.pause();
      server.on("error", () => socket.destroy());
      socket.on("close", () => server.destroy());
      socket.pipe(server);
      const held = setTimeout(() => server.pipe(socket), 1_500);
      server.on("close", () => clearTimeout(held));
    });
    const url = new URL(MYSQL_URL);
    url.port = String(proxy.port);
    const db = await openDatabase(url.toString());
    try {
      // Guards against each connection of the pool giving up after the driver's 1 s and the query failing
      // once the pool's 10 s to get one are over ("pool timeout: failed to retrieve a connection from pool").
      const started = Date.now();
      assert.deepEqual(
        await within(db.$queryRawUnsafe<{ one: number }[]>("select 1 as one"), HANG_GUARD_MS, "the query"),
        [{ one: 1 }],
      );
      const took = Date.now() - started;
      assert.ok(took >= 1_490, `took ${took} ms`); // a slow machine only makes it longer
    } finally {
      await within(db.$disconnect(), HANG_GUARD_MS, "the client's disconnect");
      await proxy.close();
    }
  });
});

describe("the entry points on a server that never answers: exit 2, one line, nothing written", () => {
  let server: SilentServer;
  beforeEach(async () => (server = await silentServer()));
  afterEach(() => server.close());

  test("npm start with AMQP_URL: refused before the database is prepared; the worker started by hand too", async (t) => {
    const dir = tempDir(t, "silent");
    const url = `amqp://guest:secret@127.0.0.1:${server.port}`;
    const env = {
      TRACEHOP_CONNECT_TIMEOUT_MS: "300",
      AMQP_URL: url,
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    };
    const fresh = join(dir, "not-created.db");
    const migrated = join(dir, "x.db");
    migrateSqlite(migrated);
    // Started together (each its own database and spans file: npm start's must stay unwritten), checked one
    // after the other.
    const [main, worker] = await twoAtATime([
      () => runMainJob([], { ...env, DATABASE_URL: `file:${fresh}` }),
      () =>
        runExample("worker", [], {
          ...env,
          DATABASE_URL: `file:${migrated}`,
          TRACEHOP_SPANS_FILE: join(dir, "worker-spans.jsonl"),
        }),
    ]);
    assert.deepEqual(
      [main.code, main.stdout, main.stderr],
      [2, "", `tracehop preprocess: ${amqpNoAnswer(server.port, "300 ms")}\n`],
    );
    assert.equal(existsSync(fresh), false, "the database was prepared before the broker was checked");
    assert.equal(existsSync(env.TRACEHOP_SPANS_FILE), false);

    // No answer: the broker may be restarting, so exit 1 (start again), not 2 (bad input) as npm start's check.
    assert.deepEqual(
      [worker.code, worker.stderr],
      [
        1,
        `tracehop preprocess: worker: ${amqpNoAnswer(server.port, "300 ms")}; exiting with code 1 to be started again\n`,
      ],
    );
    assert.equal(server.accepted, 2);
  });

  test("a bad TRACEHOP_CONNECT_TIMEOUT_MS: npm run migrate and each process started by hand refuse it before connecting", async (t) => {
    const dir = tempDir(t, "setting");
    const env = {
      TRACEHOP_CONNECT_TIMEOUT_MS: "10s",
      DATABASE_URL: `postgresql://u@127.0.0.1:${server.port}/db`,
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
    };
    const names = ["migrate", "api", "relay", "worker"];
    // Two at a time, checked in order.
    const runs = await twoAtATime(names.map((name) => () => runExample(name, [], env)));
    for (const [i, name] of names.entries()) {
      const r = runs[i]!;
      assert.deepEqual(
        [r.code, r.stderr],
        [
          2,
          `tracehop preprocess: ${name === "migrate" ? "" : `${name}: `}TRACEHOP_CONNECT_TIMEOUT_MS="10s" is not a ` +
            "timeout: write a whole number of milliseconds from 1 to 2147483647 in decimal digits, or unset it for " +
            // The api's, relay's and worker's line ends with its code (config.ts exitForBadInput).
            `10000${name === "migrate" ? "" : "; exiting with code 2"}\n`,
        ],
        name,
      );
    }
    assert.equal(server.accepted, 0);
  });

  test("npm run migrate with a PostgreSQL DATABASE_URL", async () => {
    const url = `postgresql://u@127.0.0.1:${server.port}/db`;
    const r = await runExample("migrate", [], { TRACEHOP_CONNECT_TIMEOUT_MS: "300", DATABASE_URL: url });
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [2, "", `tracehop preprocess: ${dbNoAnswer("prepare", url, server.port, "PostgreSQL", 5432)}\n`],
    );
    assert.equal(server.accepted, 1);
  });
});
