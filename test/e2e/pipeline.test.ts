// The main job end to end: three real processes on a temporary SQLite file, with the embedded queue and
// with RabbitMQ; the spans file must hold one trace per job in which worker -> relay -> api SERVER span
// form one chain.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { SpanKind } from "@opentelemetry/api";
import type amqplib from "amqplib";
import Database from "better-sqlite3";
import mariadb from "mariadb";
import { redact } from "../../examples/preprocess/config.js";
import { readSpansFile, type FileSpan } from "../../src/spans/index.js";
import { AMQP_URL, connectOrSkipReason } from "../messaging/rabbitmq.js";
import { migrateSqlite, unappliedSqliteMigrations } from "../../examples/preprocess/migrate-sqlite.js";
import { migrationsFolder, readMigrations } from "../../examples/preprocess/migrations.js";
import { connectPostgres, MYSQL_URL, PG_URL } from "../prisma/databases.js";
import {
  RUN_GUARD_MS,
  runExample,
  runMainJob,
  startExample,
  twoAtATime,
  type MainJobResult,
} from "../support/main-job.js";
import { boundedTest, HANG_GUARD_MS, within } from "../examples/tcp-servers.js";
import { until } from "../examples/queue-helpers.js";
import { storedQueueTag } from "../support/queue-tag.js";
import { requireBuild } from "../support/build.js";
import { run } from "../cli/run-cli.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, runExample's RUN_GUARD_MS), which names what hung; no suite is bounded as a whole (a
// suite's bound covers all its tests together: 180 s for five to seven tests that each start processes ran
// out in the middle of a healthy test on a loaded machine).
const test = boundedTest();

/**
 * Runs one of the main job's processes (`api`, `relay`, `worker`) alone, as started by hand; killed after
 * RUN_GUARD_MS (a hang guard, runExample's: two started at a time on a loaded machine outlasted 20 s).
 */
const runProcess = (name: string, env: Record<string, string>) => runExample(name, [], env);
/** The preload that says when a process of the main job begins to wait between polls (its stop tests). */
const IDLE_WAIT_HOOK = new URL("../support/idle-wait-hook.mjs", import.meta.url).href;

// The same run on each queue: the embedded table queue, and RabbitMQ when a broker is there (skipped with
// the reason otherwise).
for (const { title, amqp } of [
  { title: "embedded SQLite and queue", amqp: false },
  { title: "SQLite and RabbitMQ", amqp: true },
])
  describe(`main job (three processes, ${title})`, () => {
    let dir: string;
    let result: MainJobResult;
    let spans: FileSpan[];
    let skip: string | undefined;
    let databaseUrl: string;
    const docs = ["First sentence. Second one! A third?", "Ein Satz. Noch ein Satz."];

    before(async () => {
      if (amqp) {
        const connection = await connectOrSkipReason();
        if (typeof connection === "string") {
          skip = connection;
          return;
        }
        await connection.close();
      }
      dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
      databaseUrl = `file:${join(dir, "e2e.db")}`;
      const files = docs.map((text, i) => {
        const file = join(dir, `doc${i}.txt`);
        writeFileSync(file, text);
        return file;
      });
      result = await runMainJob(files, {
        DATABASE_URL: databaseUrl,
        // Empty: the embedded queue, whatever the environment says.
        AMQP_URL: amqp ? AMQP_URL : "",
        TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
        OTEL_EXPORTER_OTLP_ENDPOINT: "",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
        // Longer than the run's hang guard (RUN_GUARD_MS): a start-timeout timer left pending after the processes are up
        // would keep main.ts alive past it (it once lingered a minute after the job was done).
        TRACEHOP_START_TIMEOUT_MS: "600000",
      });
      spans = readSpansFile(join(dir, "spans.jsonl"));
    });
    after(async () => {
      if (skip !== undefined) return;
      // The queue tag the run stored in its database (pipeline.ts), read before the file goes.
      const tag = amqp ? storedQueueTag(join(dir, "e2e.db")) : undefined;
      rmSync(dir, { recursive: true, force: true });
      if (amqp) {
        // The run's RabbitMQ queues (AmqpQueue's names for this database) stay on the broker otherwise.
        const connection = (await connectOrSkipReason()) as amqplib.ChannelModel;
        const channel = await connection.createChannel();
        if (tag !== undefined)
          for (const queue of [`preprocess-jobs.${tag}`, `preprocess-jobs.${tag}.dead`])
            await channel.deleteQueue(queue);
        await connection.close();
      }
    });
    test("exits 0 and reports every job done with its sentence count", (t) => {
      if (skip !== undefined) return t.skip(skip);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /doc0\.txt: job [0-9a-f-]+ done, 3 sentences/);
      assert.match(result.stdout, /doc1\.txt: job [0-9a-f-]+ done, 2 sentences/);
    });

    test("the spans file holds one trace per job: api SERVER -> relay PRODUCER -> worker CONSUMER", (t) => {
      if (skip !== undefined) return t.skip(skip);
      // The traces of the jobs; the client's status polls (GET) are traces of their own.
      const jobTraces = (s: FileSpan) =>
        s.service !== "tracehop-preprocess-api" || s.attributes["preprocess.job.id"] !== undefined;
      const traceIds = [...new Set(spans.filter(jobTraces).map((s) => s.traceId))];
      assert.equal(traceIds.length, docs.length, `one trace per job, got ${traceIds.length}`);
      const jobIds = new Set(
        spans
          .filter((s) => s.service.endsWith("-api") && s.attributes["preprocess.job.id"])
          .map((s) => s.attributes["preprocess.job.id"]),
      );
      assert.equal(jobIds.size, docs.length);
      for (const traceId of traceIds) {
        const inTrace = spans.filter((s) => s.traceId === traceId);
        const byId = new Map(inTrace.map((s) => [s.spanId, s]));
        const roots = inTrace.filter((s) => !s.parentSpanId);
        assert.equal(roots.length, 1, "exactly one root span");
        assert.equal(roots[0]!.service, "tracehop-preprocess-api");
        assert.equal(roots[0]!.kind - 1, SpanKind.SERVER, "the root is the api's HTTP SERVER span");
        for (const s of inTrace)
          if (s.parentSpanId) assert.ok(byId.has(s.parentSpanId), `parent of ${s.name} is in the trace`);

        const consumer = inTrace.find(
          (s) => s.service === "tracehop-preprocess-worker" && s.kind - 1 === SpanKind.CONSUMER,
        );
        assert.ok(consumer, "the worker's CONSUMER span is in the trace");
        assert.equal(consumer.attributes["messaging.system"], amqp ? "rabbitmq" : "tracehop-table");
        const producer = byId.get(consumer.parentSpanId!)!;
        assert.equal(producer.service, "tracehop-preprocess-relay");
        assert.equal(producer.kind - 1, SpanKind.PRODUCER);
        // Walk from the relay span up to the root: it must reach the api SERVER span through api spans.
        let cursor: FileSpan | undefined = byId.get(producer.parentSpanId!);
        assert.equal(cursor?.service, "tracehop-preprocess-api");
        while (cursor?.parentSpanId) cursor = byId.get(cursor.parentSpanId);
        assert.equal(cursor, roots[0]);
        assert.deepEqual(
          new Set(inTrace.map((s) => s.service)),
          new Set(["tracehop-preprocess-api", "tracehop-preprocess-relay", "tracehop-preprocess-worker"]),
        );
      }
    });

    test("prints each trace id in W3C hex and Datadog decimal", (t) => {
      if (skip !== undefined) return t.skip(skip);
      const traceIds = new Set(spans.filter((s) => s.service.endsWith("-worker")).map((s) => s.traceId));
      assert.equal(traceIds.size, docs.length);
      for (const traceId of traceIds) {
        const decimal = BigInt("0x" + traceId.slice(16)).toString(10);
        // The whole line, spelt as tracehop spans's header starts (traceIdLine): the upper half as _dd.p.tid.
        const line = `trace ${traceId} (W3C)  =  ${decimal} (Datadog x-datadog-trace-id, _dd.p.tid=${traceId.slice(0, 16)})`;
        assert.ok(result.stdout.split("\n").includes(line), `${line} printed`);
      }
    });

    test("ends with the command that prints a job's trace again, which prints that job's tree", (t) => {
      if (skip !== undefined) return t.skip(skip);
      const spansFile = join(dir, "spans.jsonl");
      const jobTraces = new Set(
        spans
          .filter((s) => s.service.endsWith("-api") && s.attributes["preprocess.job.id"] !== undefined)
          .map((s) => s.traceId),
      );
      const line = result.stdout.trimEnd().split("\n").at(-1)!;
      const [, traceId] =
        /^a job's trace again: npx tracehop spans --trace ([0-9a-f]{32}) (.*)$/.exec(line) ?? [];
      assert.equal(line, `a job's trace again: npx tracehop spans --trace ${traceId} ${spansFile}`);
      assert.ok(jobTraces.has(traceId!), `${traceId} is one of the jobs' traces ${[...jobTraces]}`);
      const shown = run(["spans", "--trace", traceId!, spansFile]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`^trace ${traceId} `, "m"));
      for (const service of ["api", "relay", "worker"])
        assert.match(shown.stdout, new RegExp(`tracehop-preprocess-${service} `));
    });
  });

describe("main job: bad input", () => {
  test("a missing file whose name holds a character a terminal shows as nothing is named with that character escaped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    try {
      // doc.txt exists; "doc\u200b.txt" (a zero width space pasted in) does not. Echoed as it is, the
      // line read "doc.txt does not exist" beside a doc.txt that does.
      writeFileSync(join(dir, "doc.txt"), "One. Two.");
      const missing = join(dir, "doc\u200b.txt");
      const r = await runMainJob([missing], {
        DATABASE_URL: `file:${join(dir, "x.db")}`,
        TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
      });
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        `tracehop preprocess: ${join(dir, "doc")}\\u200b.txt does not exist: pass text files to preprocess\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test("a missing file is a usage error (exit 2) that names the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    try {
      const missing = join(dir, "nope.txt");
      const r = await runMainJob([missing], {
        DATABASE_URL: `file:${join(dir, "x.db")}`,
        TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
      });
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        `tracehop preprocess: ${missing} does not exist: pass text files to preprocess\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * What a bad TRACEHOP_POLL_MS is told, by `npm start` or by the process `name` started by hand (its code last,
   * as a named process's exit-2 line ends: config.ts exitForBadInput).
   */
  const badPollMs = (value: string, name?: string) =>
    `tracehop preprocess: ${name === undefined ? "" : `${name}: `}TRACEHOP_POLL_MS=${JSON.stringify(value)} is not a poll interval: write a whole number of milliseconds from 10 to 2147483647 in decimal digits, or unset it for 100${name === undefined ? "" : "; exiting with code 2"}\n`;
  /** Values Number() reads as numbers (16, 50, 1000, 5) but that are no plain decimal integer, and out-of-range ones (below the minimum of 10 too). */
  const BAD_POLL_MS = ["abc", "0", "9", "1e10", "0x10", " 50 ", "1e3", "+5", "5.0"];

  test("a TRACEHOP_POLL_MS that is not a poll interval is a usage error (exit 2) naming the variable, before anything starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    try {
      const runs = await twoAtATime(
        BAD_POLL_MS.map(
          (value) => () =>
            runMainJob([], {
              DATABASE_URL: `file:${join(dir, "x.db")}`,
              TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
              TRACEHOP_POLL_MS: value,
            }),
        ),
      );
      for (const [i, value] of BAD_POLL_MS.entries()) {
        assert.equal(runs[i]!.code, 2, value);
        assert.equal(runs[i]!.stderr, badPollMs(value));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the relay and the worker started by hand refuse a bad TRACEHOP_POLL_MS as npm start does, and the api a bad PORT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    try {
      const env = { DATABASE_URL: `file:${join(dir, "x.db")}`, TRACEHOP_SPANS_FILE: join(dir, "s.jsonl") };
      const cases = ["relay", "worker"].flatMap((name) =>
        ["0x10", " 50 ", "9"].map((value) => ({ name, value })),
      );
      const [r, ...runs] = await twoAtATime([
        () => runProcess("api", { ...env, PORT: "0x50" }),
        ...cases.map(
          ({ name, value }) =>
            () =>
              runProcess(name, { ...env, TRACEHOP_POLL_MS: value }),
        ),
      ]);
      // A process that took the default instead would run until this run's timeout kills it.
      for (const [i, { name, value }] of cases.entries())
        assert.deepEqual(
          [runs[i]!.code, runs[i]!.stderr],
          [2, badPollMs(value, name)],
          `${name} ${JSON.stringify(value)}`,
        );
      assert.deepEqual(
        [r.code, r.stderr],
        [
          2,
          'tracehop preprocess: api: PORT="0x50" is not a TCP port: write a whole number from 0 to 65535 in decimal digits, or unset it for 0 (any free port); exiting with code 2\n',
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("with AMQP_URL, a TRACEHOP_QUEUE RabbitMQ cannot take is refused at start (exit 2, one line) by npm start, the relay and the worker", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    try {
      // Refused before any connection: no broker needs to listen there.
      const env = {
        DATABASE_URL: `file:${join(dir, "x.db")}`,
        TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
        AMQP_URL: "amqp://127.0.0.1:1",
      };
      const long = "q".repeat(247);
      const runs = await twoAtATime([
        () => runMainJob([], { ...env, TRACEHOP_QUEUE: long }),
        () => runProcess("relay", { ...env, TRACEHOP_QUEUE: "amq.jobs" }),
        () => runProcess("worker", { ...env, TRACEHOP_QUEUE: "jobs\r" }),
      ]);
      assert.deepEqual(
        runs.map((r) => [r.code, r.stderr]),
        [
          [
            2,
            "tracehop preprocess: TRACEHOP_QUEUE is 247 bytes of UTF-8 long: RabbitMQ takes queue names of at most 255 bytes and the example adds up to 80 (.<queue tag>.retry.120000ms): write a name of at most 175 bytes, or unset it for preprocess-jobs\n",
          ],
          [
            2,
            'tracehop preprocess: relay: TRACEHOP_QUEUE="amq.jobs" starts with amq., which RabbitMQ reserves for its own queues: write another name, or unset it for preprocess-jobs; exiting with code 2\n',
          ],
          [
            2,
            'tracehop preprocess: worker: TRACEHOP_QUEUE="jobs\\r" has a control character (U+000D): write a name without one, or unset it for preprocess-jobs; exiting with code 2\n',
          ],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an empty document is rejected by the api with a clear message, and the run exits non-zero", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    try {
      const empty = join(dir, "empty.txt");
      writeFileSync(empty, "  \n");
      const r = await runMainJob([empty], {
        DATABASE_URL: `file:${join(dir, "x.db")}`,
        TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
      });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /empty\.txt: rejected \(400\): the document is empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("processes told to stop exit at once, whatever their poll interval", () => {
  /**
   * The processes' poll interval: an hour (the failing relay's retry wait ten), so that a process that waited
   * for its next poll or retry before stopping could not end within the hang guard. Nothing here is timed
   * against the machine's speed (a bound of a few seconds failed under a loaded CI machine: 5.6 s for an idle
   * worker); a retry wait of 100 ms (a poll interval of 10 ms) let a stop that ignored it pass.
   */
  const IDLE_POLL_MS = "3600000";

  /**
   * Starts `name` by hand with poll interval `pollMs`, waits until it has begun its wait of `waitMs` (its poll
   * interval when idle, its retry wait after a failed pass: a test hook says when it arms a timer of that
   * length, test/support/idle-wait-hook.mjs), sends SIGTERM, and returns how it ended. A stop that did not cut
   * that wait short could only end after it: past the hang guard, which then says what it waited for.
   */
  async function stopWhileWaiting(name: string, env: Record<string, string>, pollMs: string, waitMs: string) {
    const hook = {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${IDLE_WAIT_HOOK}`.trim(),
      TRACEHOP_TEST_IDLE_WAIT_MS: waitMs,
    };
    const run = startExample(name, { ...env, ...hook, TRACEHOP_POLL_MS: pollMs });
    let stderr = "";
    run.child.stderr!.on("data", (d) => (stderr += d));
    try {
      await within(run.ready, HANG_GUARD_MS, `the ${name}'s READY`);
      await until(
        () => stderr.includes(`test hook: waiting ${waitMs} ms`),
        `the ${name}'s ${waitMs} ms wait begun`,
      );
      run.child.kill("SIGTERM");
      return await within(
        run.result,
        HANG_GUARD_MS,
        `the ${name}'s exit on SIGTERM, cutting its ${waitMs} ms wait short`,
      );
    } finally {
      run.child.kill("SIGKILL");
    }
  }

  for (const { name, failing } of [
    { name: "relay", failing: false },
    // Its Outbox table gone after the migrations (the start-up check passes, as for a database that fails
    // after it): every pass fails, and the relay waits ten poll intervals (ten hours) before the next.
    { name: "relay", failing: true },
    { name: "worker", failing: false },
  ])
    test(`the ${name} (${failing ? "after a failed pass" : "idle"}) exits 0 on SIGTERM, not after its next poll`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
      try {
        const dbFile = join(dir, "stop.db");
        migrateSqlite(dbFile);
        if (failing) {
          const db = new Database(dbFile);
          db.exec(`DROP TABLE "Outbox"`);
          db.close();
        }
        const r = await stopWhileWaiting(
          name,
          {
            DATABASE_URL: `file:${dbFile}`,
            AMQP_URL: "",
            TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
            OTEL_EXPORTER_OTLP_ENDPOINT: "",
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
          },
          IDLE_POLL_MS,
          // The relay's retry wait after a failed pass: ten poll intervals (RETRY_PASS_MS in relay.ts).
          String(Number(IDLE_POLL_MS) * (failing ? 10 : 1)),
        );
        assert.equal(r.code, 0, r.stderr);
        // The stop's line came last, the pass's failure said in full once before it: one pass ran, and the
        // stop ended the wait after it (a second pass would only come ten hours later).
        const lines = r.stderr.match(/^tracehop preprocess: .*$/gm) ?? [];
        assert.deepEqual(
          lines.map((line) => line.replace(/(PrismaClientKnownRequestError: ).*/, "$1")),
          [
            ...(failing
              ? [
                  "tracehop preprocess: relay: a pass failed, retrying; said again every 30 s while it fails the same way: PrismaClientKnownRequestError: ",
                ]
              : []),
            `tracehop preprocess: ${name}: stopped on SIGTERM: exiting with code 0`,
          ],
        );
        if (failing) assert.match(r.stderr, /The table `main\.Outbox` does not exist/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});

describe("start-up failures: exit 2 and one line, by hand as under npm start", () => {
  let dir: string;
  let env: Record<string, string>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    env = {
      DATABASE_URL: `file:${join(dir, "x.db")}`,
      TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    };
    migrateSqlite(join(dir, "x.db"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the relay and the worker with a broker that does not answer: one line naming it, password hidden, exit 1 (start again: the broker may be restarting)", async () => {
    // Nothing listens on 127.0.0.1:1.
    const url = "amqp://guest:secret@127.0.0.1:1";
    const names = ["relay", "worker"];
    const runs = await twoAtATime(names.map((name) => () => runProcess(name, { ...env, AMQP_URL: url })));
    for (const [i, name] of names.entries()) {
      const r = runs[i]!;
      // Not 2, bad input: a supervisor that takes 2 for a configuration error would not start them again.
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.equal(
        r.stderr,
        `tracehop preprocess: ${name}: cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1:1: nothing ` +
          "listens at 127.0.0.1:1 (ECONNREFUSED): start the broker, or fix the host or port in AMQP_URL, or unset " +
          "AMQP_URL to use the embedded queue; exiting with code 1 to be started again\n",
        name,
      );
      assert.doesNotMatch(r.stderr, /secret/);
    }
  });

  /** A port taken by a server of this test, for the duration of `body`. */
  async function withPortTaken(body: (port: number) => Promise<void>): Promise<void> {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      await body((server.address() as { port: number }).port);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }
  const portTaken = (port: number) =>
    `tracehop preprocess: api: PORT=${port}: the port is taken on 127.0.0.1 (EADDRINUSE): set PORT to a free one, or unset it for 0 (any free port); exiting with code 2\n`;

  test("the api on a port in use: one line saying the port is taken and what to do", async () => {
    await withPortTaken(async (port) => {
      const r = await runProcess("api", { ...env, PORT: String(port) });
      assert.deepEqual([r.code, r.stderr], [2, portTaken(port)]);
    });
  });

  test("npm start with PORT in use exits 2 with the api's line", async () => {
    await withPortTaken(async (port) => {
      const r = await runMainJob([], { ...env, AMQP_URL: "", PORT: String(port) });
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(`[api] ${portTaken(port)}`), r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    });
  });

  test("npm start with PORT on one of fetch's 'bad ports' (the Fetch standard's list: 6000, 6665, 10080, ...) runs its jobs, as curl reaches the api there", async () => {
    // A free port of the list: the api listens on any port, and only a client that follows the Fetch
    // standard (Node's fetch, a browser) refuses to connect to these.
    let port: number | undefined;
    for (const candidate of [10080, 6566, 6665, 6666, 6667, 6668, 6669, 6000, 4045, 5060]) {
      const server: Server = createServer();
      const free = await new Promise<boolean>((r) => {
        server.once("error", () => r(false));
        server.listen(candidate, "127.0.0.1", () => r(true));
      });
      if (free) await new Promise((r) => server.close(r));
      if (free) {
        port = candidate;
        break;
      }
    }
    assert.ok(port !== undefined, "every candidate port is taken on this machine");
    const doc = join(dir, "bad-port.txt");
    writeFileSync(doc, "One sentence. And another.");
    const r = await runMainJob([doc], { ...env, AMQP_URL: "", PORT: String(port) });
    // Guards against "tracehop preprocess: fetch failed", exit 1: npm start's client was Node's fetch, whose
    // cause ("bad port") was not even said.
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\\[api\\] api listening on http://127\\.0\\.0\\.1:${port} READY\\n`));
    assert.match(r.stdout, /bad-port\.txt: job [0-9a-f-]+ done, 2 sentences\n/);
    assert.match(r.stdout, /\ntracehop-preprocess-worker +process preprocess-jobs /);
  });

  test("a TRACEHOP_SPANS_FILE that cannot be written (a folder, a path under a file): one line, by hand and under npm start", async () => {
    // Guards against losing every span without a word while npm start exits 0 ("no spans found").
    const folder = join(dir, "spans-folder");
    mkdirSync(folder);
    const underFile = join(dir, "x.db", "spans.jsonl");
    const lines = {
      [folder]: `the spans file ${folder} is a folder, not a file`,
      [underFile]: `the spans file ${underFile} is under ${JSON.stringify(join(dir, "x.db"))}, which is a file, not a folder (no folder can be created there)`,
    };
    const fix =
      ": set TRACEHOP_SPANS_FILE to a file in a writable folder (missing folders are created); exiting with code 2\n";
    const names = ["api", "relay", "worker"];
    const paths = names.map((_, i) => (i === 1 ? underFile : folder));
    const [r, ...runs] = await twoAtATime([
      () => runMainJob([], { ...env, AMQP_URL: "", TRACEHOP_SPANS_FILE: folder }),
      ...names.map(
        (name, i) => () => runProcess(name, { ...env, AMQP_URL: "", TRACEHOP_SPANS_FILE: paths[i]! }),
      ),
    ]);
    for (const [i, name] of names.entries())
      assert.deepEqual(
        [runs[i]!.code, runs[i]!.stderr],
        [2, `tracehop preprocess: ${name}: ${lines[paths[i]!]}${fix}`],
        name,
      );
    assert.equal(r.code, 2, r.stderr);
    // Said once, by whichever of the three said it first, naming it (main.ts shows a start-up line said alike
    // once).
    const said = r.stderr.split("\n").filter((l) => l.endsWith(`: ${lines[folder]}${fix.trimEnd()}`));
    assert.equal(said.length, 1, r.stderr);
    assert.match(said[0]!, /^\[(api|relay|worker)\] tracehop preprocess: \1: the spans file /);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  });
});

// Each case is run by one of the three processes, in turn; the first by all three. Guards against a
// process that starts on any of these databases: the relay failing every pass, the api answering 500,
// until killed.
describe("a database the processes cannot use: exit 2 and one line, by hand as under npm start", () => {
  /** The migrations of this project, in order (the same names for each kind of database). */
  const MIGRATIONS = readMigrations(migrationsFolder("sqlite")).map((m) => m.name);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Starts `name` (`api`, `relay`, `worker`) by hand on DATABASE_URL=`url` and checks that it exits 2 with
   * `line` alone on stderr, no password in it. A process that starts anyway runs until the 45 s guard
   * kills it: code null.
   */
  async function refuses(name: string, url: string, line: string | RegExp): Promise<void> {
    const r = await runExample(name, [], {
      DATABASE_URL: url,
      TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
      AMQP_URL: "",
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    });
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    // Its code last, the line's full stop taken off, as a named process's exit-2 line ends (config.ts exitForBadInput).
    if (typeof line === "string")
      assert.equal(
        r.stderr,
        `tracehop preprocess: ${name}: ${line.replace(/\.$/, "")}; exiting with code 2\n`,
        name,
      );
    else assert.match(r.stderr, line, name);
    assert.doesNotMatch(r.stderr, /secret/, name);
  }
  const cannotOpen = (shown: string, why: string) =>
    `cannot open the database of DATABASE_URL (${shown}): ${why}. Start the database server, fix DATABASE_URL, or unset it to use the embedded SQLite file.`;
  /** The line of a server that answered that the database does not exist (test/examples/server-refusals.test.ts). */
  const noDatabase = (shown: string, why: string) =>
    `cannot open the database of DATABASE_URL (${shown}): ${why}. Create it and its tables with npm run migrate (same DATABASE_URL), fix the database name in DATABASE_URL, or unset it to use the embedded SQLite file.`;
  const doesNotExist = (file: string, missing: string) =>
    `the database of DATABASE_URL (file:${file}) does not exist (${missing}): create and migrate it with npm run migrate (same DATABASE_URL), or fix DATABASE_URL.`;
  const notMigrated = (shown: string) =>
    `the database of DATABASE_URL (${shown}) is not migrated (none of the ${MIGRATIONS.length} migrations of this project applied): apply them with npm run migrate (same DATABASE_URL), then start again.`;

  test("a PostgreSQL or MySQL server that does not answer: the driver's reason, password hidden", async () => {
    // Nothing listens on 127.0.0.1:1.
    const pgLine = cannotOpen("postgresql://u:***@127.0.0.1:1/x", "connect ECONNREFUSED 127.0.0.1:1");
    await Promise.all(
      ["api", "relay", "worker"].map((name) => refuses(name, "postgresql://u:secret@127.0.0.1:1/x", pgLine)),
    );
    await refuses(
      "relay",
      "mysql://root:secret@127.0.0.1:1/x",
      cannotOpen("mysql://root:***@127.0.0.1:1/x", "connect ECONNREFUSED 127.0.0.1:1"),
    );
  });

  test("a DATABASE_URL of no supported kind, by hand and under npm start: one line, password hidden", async () => {
    const url = "mongodb://u:secret@127.0.0.1:1/x";
    const unsupported =
      "DATABASE_URL (mongodb://u:***@127.0.0.1:1/x) is not supported: use file:PATH (SQLite), postgresql://... (PostgreSQL, optional ?schema=NAME) or mysql://... (MySQL/MariaDB)";
    // Guards against the worker's stack trace with exit 1, and npm start's line showing the password.
    await refuses("worker", url, unsupported);
    const r = await runMainJob([], { DATABASE_URL: url, TRACEHOP_SPANS_FILE: join(dir, "s.jsonl") });
    assert.deepEqual([r.code, r.stderr], [2, `tracehop preprocess: ${unsupported}\n`]);
  });

  test("an empty DATABASE_URL, or one the URL parser refuses: said so with what to write, not 'start the database server'", async () => {
    const empty =
      "DATABASE_URL is empty: unset it to use the embedded SQLite file, or set it to file:PATH (SQLite), postgresql://USER:PASSWORD@HOST:PORT/DATABASE (PostgreSQL, optional ?schema=NAME) or mysql://USER:PASSWORD@HOST:PORT/DATABASE (MySQL/MariaDB)";
    const encode = (shown: string, why: string) =>
      `DATABASE_URL (${shown}) cannot be read as a URL (${why}): percent-encode the special characters of the user name and password (/ as %2F, # as %23, ? as %3F, @ as %40, : as %3A, % as %25), e.g. postgresql://user:p%2Fss%23word@host:5432/db`;
    // Guards against "is not supported" for the empty one and "<not a URL>: Invalid URL. Start the
    // database server, ..." for a password with an unencoded "/" or "#".
    await Promise.all([
      refuses("worker", "", empty),
      refuses("api", "postgresql://u:se/cret@127.0.0.1:1/x", encode("<not a URL>", "Invalid URL")),
      refuses("relay", "mysql://u:se#cret@127.0.0.1:1/x", encode("<not a URL>", "Invalid URL")),
      refuses(
        "worker",
        "postgresql://u:secret%zz@127.0.0.1:1/x",
        encode("postgresql://u:***@127.0.0.1:1/x", "its user part: URI malformed"),
      ),
    ]);
    const migrations = [
      ["", empty],
      ["postgresql://u:se/cret@127.0.0.1:1/x", encode("<not a URL>", "Invalid URL")],
    ] as const;
    const migrateRuns = await twoAtATime(
      migrations.map(
        ([url]) =>
          () =>
            runExample("migrate", [], { DATABASE_URL: url }),
      ),
    );
    for (const [i, [url, line]] of migrations.entries()) {
      const r = migrateRuns[i]!;
      assert.deepEqual([r.code, r.stderr], [2, `tracehop preprocess: ${line}\n`], url);
    }
  });

  test("a SQLite file whose folder or file does not exist: said so, and nothing is created", async () => {
    const folder = join(dir, "no-such-folder");
    const file = join(dir, "no-such-file.db");
    await Promise.all([
      refuses(
        "api",
        `file:${join(folder, "x.db")}`,
        doesNotExist(join(folder, "x.db"), `no folder ${folder}`),
      ),
      refuses("relay", `file:${file}`, doesNotExist(file, `no file ${file}`)),
    ]);
    // Guards against the relay's first pass creating the file, empty.
    assert.equal(existsSync(file), false, "no file created");
    assert.equal(existsSync(folder), false, "no folder created");
    // What the line says to run: the folder, the file and every migration.
    const migrate = await runExample("migrate", [], { DATABASE_URL: `file:${join(folder, "x.db")}` });
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, new RegExp(`^tracehop preprocess: applied ${MIGRATIONS.join(", ")} to `));
    assert.deepEqual(unappliedSqliteMigrations(join(folder, "x.db")), []);
  });

  test("a SQLite file without the migrations, or with only some: said so, naming those it lacks", async () => {
    const empty = join(dir, "empty.db");
    new Database(empty).close();
    // A file of the first migration only (the later ones not applied yet).
    const firstOnly = join(dir, "first-migration");
    mkdirSync(firstOnly);
    cpSync(join(migrationsFolder("sqlite"), MIGRATIONS[0]!), join(firstOnly, MIGRATIONS[0]!), {
      recursive: true,
    });
    const older = join(dir, "older.db");
    migrateSqlite(older, firstOnly);
    await Promise.all([
      refuses("worker", `file:${empty}`, notMigrated(`file:${empty}`)),
      refuses(
        "api",
        `file:${older}`,
        `the database of DATABASE_URL (file:${older}) lacks ${MIGRATIONS.length - 1} of the ${MIGRATIONS.length} migrations of this project (${MIGRATIONS.slice(1).join(", ")}): apply them with npm run migrate (same DATABASE_URL), then start again.`,
      ),
    ]);
  });

  test("PostgreSQL: a database that does not exist, a schema without the migrations (not created by the check)", async (t) => {
    const admin = await connectPostgres();
    if (typeof admin === "string") return t.skip(admin);
    try {
      const name = `tracehop_none_${process.pid}`;
      const missing = new URL(PG_URL);
      missing.pathname = `/${name}`;
      const schema = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${name}`;
      await Promise.all([
        refuses("relay", missing.href, noDatabase(redact(missing.href), `database "${name}" does not exist`)),
        refuses("worker", schema, notMigrated(redact(schema))),
      ]);
      const { rows } = await admin.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [
        name,
      ]);
      assert.equal(rows.length, 0, "the check created no schema");
    } finally {
      await admin.end();
    }
  });

  test("MySQL/MariaDB: a database that does not exist, one without the migrations", async (t) => {
    const server = new URL(MYSQL_URL);
    let admin: Awaited<ReturnType<typeof mariadb.createConnection>>;
    try {
      admin = await mariadb.createConnection({
        host: server.hostname,
        port: Number(server.port || 3306),
        user: decodeURIComponent(server.username),
        password: decodeURIComponent(server.password),
        connectTimeout: 15_000,
      });
    } catch (err) {
      return t.skip(`MariaDB/MySQL not reachable at ${MYSQL_URL} (${(err as Error).message})`);
    }
    const missing = new URL(MYSQL_URL);
    missing.pathname = `/tracehop_none_${process.pid}`;
    const empty = new URL(MYSQL_URL);
    empty.pathname = `/tracehop_empty_${process.pid}`;
    try {
      await admin.query(`CREATE DATABASE \`tracehop_empty_${process.pid}\``);
      await Promise.all([
        refuses(
          "api",
          missing.href,
          new RegExp(
            `^tracehop preprocess: api: ${escape(noDatabase(redact(missing.href), "WHY").replace(/\.$/, "")).replace("WHY", `.*Unknown database 'tracehop_none_${process.pid}'`)}; exiting with code 2\\n$`,
          ),
        ),
        refuses("relay", empty.href, notMigrated(redact(empty.href))),
      ]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`tracehop_empty_${process.pid}\``);
      await admin.end();
    }
  });
});

/** `text` as a regular expression that matches it literally. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

// Its own suite: five processes, two at a time, each run bounded by RUN_GUARD_MS: three rounds, its test's bound.
const fiveRunsTest = boundedTest(3 * RUN_GUARD_MS);

describe("a refused AMQP login or vhost: what to fix, by hand as under npm start", () => {
  let dir: string;
  const env = () => ({
    DATABASE_URL: `file:${join(dir, "x.db")}`,
    TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
  });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    migrateSqlite(join(dir, "x.db"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  fiveRunsTest(
    "a refused login, a vhost that does not exist, nothing listening: the relay, the worker and npm start each say what to fix in AMQP_URL, in the same line",
    async (t) => {
      const connection = await connectOrSkipReason();
      if (typeof connection === "string") return t.skip(connection);
      await connection.close();
      /** AMQP_URL of the tests with `change` applied. */
      const changed = (change: (url: URL) => void) => {
        const url = new URL(AMQP_URL);
        change(url);
        return url.href;
      };
      const user = JSON.stringify(decodeURIComponent(new URL(AMQP_URL).username) || "guest");
      const vhost = `tracehop-test-no-such-vhost-${process.pid}`;
      const login = {
        url: changed((u) => (u.password = "not-the-password")),
        fix: `RabbitMQ refused the login of user ${user} (403 ACCESS_REFUSED): fix the user or password in AMQP_URL`,
      };
      const virtualHost = {
        url: changed((u) => (u.pathname = `/${vhost}`)),
        fix: `RabbitMQ refused the virtual host "${vhost}" (530 NOT_ALLOWED: it does not exist, or user ${user} may not use it): fix the vhost in AMQP_URL (the path after host:port, percent-encoded; none for the default vhost "/")`,
      };
      const nothing = {
        url: "amqp://guest:secret@127.0.0.1:1",
        fix: "nothing listens at 127.0.0.1:1 (ECONNREFUSED): start the broker, or fix the host or port in AMQP_URL",
      };
      // Each process started by hand once (they share AmqpQueue.open), npm start with each kind (its check
      // said "Start the broker, fix AMQP_URL, or unset it" to every kind; the processes "start the broker").
      // Every kind, bad URLs too, is checked in test/examples/amqp-queue.test.ts.
      const runs = [
        { name: "relay", ...login },
        { name: "worker", ...virtualHost },
        { name: "main", ...login },
        { name: "main", ...virtualHost },
        { name: "main", ...nothing },
      ];
      // npm start checks the broker before it prepares the database: a new SQLite file is not created
      // (were the database prepared first, the file would exist when the run ends on the broker).
      const fresh = join(dir, "not-created.db");
      // Two at a time; the file is looked for once they have all ended.
      const results = await twoAtATime(
        runs.map(
          ({ name, url }) =>
            () =>
              name === "main"
                ? runMainJob([], { ...env(), DATABASE_URL: `file:${fresh}`, AMQP_URL: url })
                : runProcess(name, { ...env(), AMQP_URL: url }),
        ),
      );
      assert.equal(existsSync(fresh), false, "npm start prepared the database before it checked the broker");
      for (const [i, { name, url, fix }] of runs.entries()) {
        const r = results[i]!;
        assert.equal(r.code, 2, `${name}: ${r.stderr}`);
        assert.equal(
          r.stderr,
          `tracehop preprocess: ${name === "main" ? "" : `${name}: `}cannot connect to RabbitMQ at ${redact(url)}: ${fix}, ` +
            `or unset AMQP_URL to use the embedded queue${name === "main" ? "" : "; exiting with code 2"}\n`,
          name,
        );
      }
    },
  );
});
