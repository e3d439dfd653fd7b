// The example's RabbitMQ connections (examples/preprocess/queue-amqp.ts) lost at a given AMQP method, through
// a proxy the test owns that cuts the connection when its client sends that method (tcp-servers.ts
// methodCutProxy): in the opening handshake, after the broker's connection.start or connection.tune (the broker
// lost, not a wrong address: before, said as a server that does not answer as an AMQP broker, exit 2), right
// after the handshake (channel.open, confirm.select, basic.qos), while the queue
// closes (channel.close), while `npm start`'s broker check closes its connection (connection.close). Before,
// an 'error' event emitted before its listener was attached ended the process with amqplib's stack trace
// (`Error: Unexpected close … Emitted 'error' event on ChannelModel`), and a close whose connection dropped
// waited for the full TRACEHOP_CONNECT_TIMEOUT_MS. At most two RabbitMQ connections at once.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe } from "node:test";
import { UnreachableError } from "../../examples/preprocess/config.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { AmqpQueue, closeAmqp, connectAmqp } from "../../examples/preprocess/queue-amqp.js";
import { AMQP_URL, useRabbitMQ } from "../messaging/rabbitmq.js";
import { runExample, runMainJob } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import { quietly } from "./queue-helpers.js";
import { rabbitmqctl, rabbitmqctlSkipReason } from "../support/rabbitmqctl.js";
import {
  boundedTest,
  connectionCloseFrame,
  HANG_GUARD_MS,
  methodCutProxy,
  type MethodCutProxy,
  targetOf,
  throughProxy,
  within,
} from "./tcp-servers.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, runExample's RUN_GUARD_MS), which names what hung; the suites are not bounded as a whole
// (a suite's bound covers all its tests together, 240 s for some twenty tests, several of them starting processes: on a loaded machine it runs out in the middle of a
// healthy test, cancelled without its `finally`).
const test = boundedTest();

/** AMQP_URL through `proxy`. */
function through(proxy: MethodCutProxy): string {
  return throughProxy(AMQP_URL, proxy.port);
}

/** A proxy in front of the broker of AMQP_URL that cuts at `classId`.`methodId`, closed after the test. */
async function cutAt(t: { after(fn: () => Promise<void>): void }, classId: number, methodId: number) {
  const proxy = await methodCutProxy(classId, methodId, ...targetOf(AMQP_URL));
  t.after(() => proxy.close());
  return proxy;
}

/**
 * Runs the example's `name` (relay, worker) by hand on a fresh SQLite file, its AMQP_URL through `proxy`, no
 * OTLP export; resolves with its exit code and output once it ended (within 30 s).
 */
async function runThrough(t: Parameters<typeof tempDir>[0], name: string, proxy: MethodCutProxy) {
  const dir = tempDir(t, `broker-cut-${name}`);
  const file = join(dir, "x.db");
  migrateSqlite(file);
  return runExample(name, [], {
    DATABASE_URL: `file:${file}`,
    AMQP_URL: through(proxy),
    TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
  });
}

/** The methods right after the handshake that AmqpQueue.open sends, by name. */
const AFTER_HANDSHAKE = [
  { method: "channel.open", classId: 20, methodId: 10 },
  { method: "confirm.select", classId: 85, methodId: 10 },
  { method: "basic.qos", classId: 60, methodId: 10 },
] as const;

/** The client's methods of the opening handshake, each sent in answer to the broker's: where a cut falls. */
const IN_HANDSHAKE = [
  { after: "connection.start", method: "connection.start-ok", classId: 10, methodId: 11 },
  { after: "connection.tune", method: "connection.tune-ok", classId: 10, methodId: 31 },
] as const;

/**
 * What connectAmqp says of a broker behind the proxy on `port` that closed the connection in the handshake,
 * after it had answered as an AMQP broker: the broker lost, not a wrong address.
 */
/**
 * amqplib's own words for a connection cut in its handshake, which the line quotes: which one depends on
 * whether the reset reaches the socket before amqplib reads the end of the stream (on a loaded machine
 * the reset comes first). Both are the cut the proxy made.
 */
const HANDSHAKE_CUT_CAUSES = ["Socket closed abruptly during opening handshake", "read ECONNRESET"] as const;

/**
 * The line for a cut in the handshake through the proxy on `port`, with the cause amqplib gave in
 * `actual` (one of {@link HANDSHAKE_CUT_CAUSES}; the first when `actual` holds neither, so that the
 * assertion shows the expected line).
 */
const handshakeCut = (port: number, actual: string) =>
  `cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:${port}: the broker at 127.0.0.1:${port} closed ` +
  `the connection during the AMQP handshake, after answering as an AMQP broker (${
    HANDSHAKE_CUT_CAUSES.find((cause) => actual.includes(`(${cause})`)) ?? HANDSHAKE_CUT_CAUSES[0]
  }): it may be restarting or at its connection limit, or something between cut ` +
  "the connection; try again, and see the broker's log if it persists, or unset AMQP_URL to use the " +
  "embedded queue";

// Timing-free: each test asserts what was said (the error, the line); the within() guards only turn a hang
// into a failure, after HANG_GUARD_MS (far past any slow machine's time).
describe("the example's RabbitMQ connection cut at a given AMQP method", () => {
  const broker = useRabbitMQ();

  for (const { method, classId, methodId } of AFTER_HANDSHAKE)
    test(`AmqpQueue.open cut at ${method}: an UnreachableError (start again), no 'error' event unheard`, async (t) => {
      if (!broker.requireBroker(t)) return;
      const proxy = await cutAt(t, classId, methodId);
      const url = through(proxy);
      const database = `file:./broker-cut-${randomBytes(6).toString("hex")}.db`;
      await assert.rejects(
        within(AmqpQueue.open(url, database), HANG_GUARD_MS, "AmqpQueue.open"),
        (error: unknown) => {
          assert.ok(error instanceof UnreachableError, String(error));
          assert.match(
            error.message,
            new RegExp(
              `^cannot connect to RabbitMQ at amqp://guest:\\*+@127\\.0\\.0\\.1:${proxy.port}: the connection was lost ` +
                `while its channel opened \\(.+\\): the broker may be restarting; start it, or fix the host or port in ` +
                `AMQP_URL, or unset AMQP_URL to use the embedded queue$`,
            ),
          );
          return true;
        },
      );
      assert.equal(proxy.cuts, 1);
    });

  for (const { after, method, classId, methodId } of IN_HANDSHAKE)
    test(`connectAmqp cut after the broker's ${after} (at ${method}): an UnreachableError saying the broker closed it`, async (t) => {
      if (!broker.requireBroker(t)) return;
      const proxy = await cutAt(t, classId, methodId);
      // Not `the server at … does not answer as an AMQP broker (…): fix the host or port in AMQP_URL`: it did.
      await assert.rejects(
        within(connectAmqp(through(proxy)), HANG_GUARD_MS, "connectAmqp"),
        (error: unknown) => {
          assert.ok(error instanceof UnreachableError, String(error));
          assert.equal(error.message, handshakeCut(proxy.port, error.message));
          return true;
        },
      );
      assert.equal(proxy.cuts, 1);
    });

  test("the worker and the relay started by hand, cut after connection.start: one line, exit 1 to be started again", async (t) => {
    if (!broker.requireBroker(t)) return;
    const [worker, relay] = await Promise.all([cutAt(t, 10, 11), cutAt(t, 10, 11)]);
    const results = await Promise.all([runThrough(t, "worker", worker), runThrough(t, "relay", relay)]);
    for (const [name, proxy, { code, stdout, stderr }] of [
      ["worker", worker, results[0]],
      ["relay", relay, results[1]],
    ] as const) {
      assert.deepEqual(
        [code, stdout, stderr],
        [
          1,
          "",
          `tracehop preprocess: ${name}: ${handshakeCut(proxy.port, stderr)}; exiting with code 1 to be started again\n`,
        ],
      );
      assert.equal(proxy.cuts, 1);
    }
  });

  test("connectAmqp answered connection.close 320 CONNECTION_FORCED in the handshake (a broker shutting down): an UnreachableError", async (t) => {
    if (!broker.requireBroker(t)) return;
    const said = "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'";
    const proxy = await methodCutProxy(10, 40, ...targetOf(AMQP_URL), 1, connectionCloseFrame(320, said));
    t.after(() => proxy.close());
    // Not `RabbitMQ refused the virtual host "/" (530 NOT_ALLOWED: …): fix the vhost in AMQP_URL`, which
    // amqplib's `Expected ConnectionOpenOk; got <ConnectionClose channel:0>` was taken for.
    await assert.rejects(
      within(connectAmqp(through(proxy)), HANG_GUARD_MS, "connectAmqp"),
      (error: unknown) => {
        assert.ok(error instanceof UnreachableError, String(error));
        assert.equal(
          error.message,
          `cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:${proxy.port}: the broker at ` +
            `127.0.0.1:${proxy.port} closed the connection during the AMQP handshake (320 ${said}): it is ` +
            "shutting down or restarting; try again, and see the broker's log if it persists, or unset AMQP_URL " +
            "to use the embedded queue",
        );
        return true;
      },
    );
    assert.equal(proxy.cuts, 1);
  });

  test("a vhost at its connection limit: connectAmqp's UnreachableError, the worker by hand exits 1", async (t) => {
    if (!broker.requireBroker(t)) return;
    const skip = await rabbitmqctlSkipReason();
    if (skip !== undefined) return void t.skip(skip);
    const vhost = `tracehop-test-limit-${process.pid}-${randomBytes(4).toString("hex")}`;
    await rabbitmqctl("add_vhost", vhost);
    t.after(() => rabbitmqctl("delete_vhost", vhost).then(() => undefined));
    await rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
    await rabbitmqctl("set_vhost_limits", "-p", vhost, '{"max-connections": 0}');
    const url = new URL(AMQP_URL);
    url.pathname = `/${vhost}`;
    const [port, host] = targetOf(AMQP_URL);
    const line =
      `cannot connect to RabbitMQ at amqp://guest:***@${host}:${port}/${vhost}: the broker at ${host}:${port} ` +
      `closed the connection during the AMQP handshake (530 NOT_ALLOWED - access to vhost '${vhost}' refused ` +
      `for user 'guest': connection limit (0) is reached): the virtual host or the user is at its connection ` +
      "limit (close other connections, or raise the limit: rabbitmqctl set_vhost_limits, set_user_limits); try " +
      "again, and see the broker's log if it persists, or unset AMQP_URL to use the embedded queue";
    await assert.rejects(within(connectAmqp(url.href), HANG_GUARD_MS, "connectAmqp"), (error: unknown) => {
      assert.ok(error instanceof UnreachableError, String(error));
      assert.equal(error.message, line);
      return true;
    });
    const dir = tempDir(t, "broker-cut-limit");
    const file = join(dir, "x.db");
    migrateSqlite(file);
    const worker = await runExample("worker", [], {
      DATABASE_URL: `file:${file}`,
      AMQP_URL: url.href,
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    });
    assert.deepEqual(
      [worker.code, worker.stdout, worker.stderr],
      [1, "", `tracehop preprocess: worker: ${line}; exiting with code 1 to be started again\n`],
    );
  });

  test("npm start's broker check cut after connection.tune: its one line, exit 2, nothing written", async (t) => {
    if (!broker.requireBroker(t)) return;
    const proxy = await cutAt(t, 10, 31);
    const dir = tempDir(t, "broker-cut-main");
    const database = join(dir, "not-created.db");
    const r = await runMainJob([], {
      DATABASE_URL: `file:${database}`,
      AMQP_URL: through(proxy),
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    });
    // As `npm start` answers a broker that resets the connection at its check (ECONNRESET): exit 2, before
    // anything is written; what it says is the broker's doing, not an address to fix.
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [2, "", `tracehop preprocess: ${handshakeCut(proxy.port, r.stderr)}\n`],
    );
    assert.equal(proxy.cuts, 1);
    assert.deepEqual(readdirSync(dir), []);
  });

  test("`npm start`'s broker check cut at connection.close: closeAmqp resolves, no 'error' event unheard", async (t) => {
    if (!broker.requireBroker(t)) return;
    const proxy = await cutAt(t, 10, 50);
    const connection = await connectAmqp(through(proxy));
    await within(closeAmqp(connection), HANG_GUARD_MS, "closeAmqp");
    assert.equal(proxy.cuts, 1);
  });

  test("the queue's close cut at channel.close: it ends at once, saying the connection was lost", async (t) => {
    if (!broker.requireBroker(t)) return;
    // Timing-free: close()'s only other way out is its TRACEHOP_CONNECT_TIMEOUT_MS bound, here an hour (read
    // at the call), which says another line ("did not answer within 1 h"). So a close that ends at all, with
    // the lost-connection line, ended on the loss, however slow the machine; one that missed the loss never
    // ends (the describe's timeout fails it).
    const before = process.env.TRACEHOP_CONNECT_TIMEOUT_MS;
    process.env.TRACEHOP_CONNECT_TIMEOUT_MS = String(3_600_000);
    t.after(() => {
      if (before === undefined) delete process.env.TRACEHOP_CONNECT_TIMEOUT_MS;
      else process.env.TRACEHOP_CONNECT_TIMEOUT_MS = before;
    });
    const proxy = await cutAt(t, 20, 40);
    const database = `file:./broker-cut-${randomBytes(6).toString("hex")}.db`;
    const queue = await AmqpQueue.open(through(proxy), database);
    const lines = await quietly(() => queue.close());
    assert.equal(proxy.cuts, 1);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0]!,
      /^amqp queue: the connection to RabbitMQ was lost while the queue closed \(.+\): the broker requeues the messages in hand$/,
    );
  });

  for (const name of ["worker", "relay"])
    test(`the ${name} started by hand, cut at confirm.select: its one line, exit 1 to be started again`, async (t) => {
      if (!broker.requireBroker(t)) return;
      const proxy = await cutAt(t, 85, 10);
      const { code, stdout, stderr } = await runThrough(t, name, proxy);
      assert.equal(code, 1, stderr);
      assert.doesNotMatch(stdout, /READY/);
      const lines = stderr.split("\n").filter((line) => line.trim() !== "");
      assert.equal(lines.length, 1, stderr);
      assert.match(
        lines[0]!,
        new RegExp(
          `^tracehop preprocess: ${name}: cannot connect to RabbitMQ at amqp://guest:\\*+@127\\.0\\.0\\.1:${proxy.port}: ` +
            "the connection was lost while its channel opened \\(.+\\): .+; exiting with code 1 to be started again$",
        ),
      );
    });

  for (const { method, classId, methodId } of [
    { method: "queue.declare", classId: 50, methodId: 10 },
    { method: "basic.consume", classId: 60, methodId: 20 },
  ])
    test(`the worker started by hand, cut at ${method}: a lost queue's ending, exit 1 to be started again`, async (t) => {
      if (!broker.requireBroker(t)) return;
      const proxy = await cutAt(t, classId, methodId);
      const { code, stdout, stderr } = await runThrough(t, "worker", proxy);
      assert.equal(code, 1, stderr);
      assert.equal(proxy.cuts, 1);
      assert.doesNotMatch(stdout, /READY/);
      // Not `cannot consume …: Channel ended, no reply will be forthcoming` (a queue refused), exiting at once.
      const lines = stderr.split("\n").filter((line) => line.trim() !== "");
      assert.equal(lines.length, 1, stderr);
      assert.match(
        lines[0]!,
        /^tracehop preprocess: worker: amqp queue: the connection to RabbitMQ (failed|was closed): .+; exiting with code 1 to be started again$/,
      );
    });
});
