// The main job end to end: three real processes on a temporary SQLite file, with the embedded queue and
// with RabbitMQ; the spans file must hold one trace per job in which worker -> relay -> api SERVER span
// form one chain.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SpanKind } from "@opentelemetry/api";
import type amqplib from "amqplib";
import { readSpansFile, type FileSpan } from "../../examples/preprocess/trace-tree.js";
import { AMQP_URL, connectOrSkipReason } from "../messaging/rabbitmq.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { runExample, runMainJob, startExample, type MainJobResult } from "../support/main-job.js";

/** Runs one of the main job's processes (`api`, `relay`, `worker`) alone, as started by hand; killed after 20 s. */
const runProcess = (name: string, env: Record<string, string>) => runExample(name, [], env, 20_000);

// The same run on each queue: the embedded table queue, and RabbitMQ when a broker is there (skipped with
// the reason otherwise).
for (const { title, amqp } of [
  { title: "embedded SQLite and queue", amqp: false },
  { title: "SQLite and RabbitMQ", amqp: true },
])
  describe(`main job (three processes, ${title})`, { timeout: 120_000 }, () => {
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
        // Longer than this suite's timeout: a start-timeout timer left pending after the processes are up
        // would keep main.ts alive past it (it once lingered a minute after the job was done).
        TRACEHOP_START_TIMEOUT_MS: "600000",
      });
      spans = readSpansFile(join(dir, "spans.jsonl"));
    });
    after(async () => {
      if (skip !== undefined) return;
      rmSync(dir, { recursive: true, force: true });
      if (amqp) {
        // The run's RabbitMQ queues (AmqpQueue's names for this database) stay on the broker otherwise.
        const connection = (await connectOrSkipReason()) as amqplib.ChannelModel;
        const channel = await connection.createChannel();
        const tag = createHash("sha256").update(databaseUrl).digest("hex").slice(0, 8);
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
        assert.ok(
          result.stdout.includes(`trace ${traceId} (W3C)  =  ${decimal} (Datadog`),
          `trace ${traceId} printed`,
        );
      }
    });
  });

describe("main job: bad input", { timeout: 120_000 }, () => {
  test("a missing file is a usage error (exit 2) that names the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    try {
      const missing = join(dir, "nope.txt");
      const r = await runMainJob([missing], {
        DATABASE_URL: `file:${join(dir, "x.db")}`,
        TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
      });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /cannot read .*nope\.txt/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** What a bad TRACEHOP_POLL_MS is told. */
  const badPollMs = (value: string) =>
    `tracehop preprocess: TRACEHOP_POLL_MS=${JSON.stringify(value)} is not a poll interval: write a whole number of milliseconds from 1 to 2147483647 in decimal digits, or unset it for 100\n`;
  /** Values Number() reads as numbers (16, 50, 1000, 5) but that are no plain decimal integer, and out-of-range ones. */
  const BAD_POLL_MS = ["abc", "0", "1e10", "0x10", " 50 ", "1e3", "+5", "5.0"];

  test("a TRACEHOP_POLL_MS that is not a poll interval is a usage error (exit 2) naming the variable, before anything starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    try {
      for (const value of BAD_POLL_MS) {
        const r = await runMainJob([], {
          DATABASE_URL: `file:${join(dir, "x.db")}`,
          TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
          TRACEHOP_POLL_MS: value,
        });
        assert.equal(r.code, 2, value);
        assert.equal(r.stderr, badPollMs(value));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the relay and the worker started by hand refuse a bad TRACEHOP_POLL_MS as npm start does, and the api a bad PORT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
    try {
      const env = { DATABASE_URL: `file:${join(dir, "x.db")}`, TRACEHOP_SPANS_FILE: join(dir, "s.jsonl") };
      for (const name of ["relay", "worker"])
        for (const value of ["0x10", " 50 ", "0"]) {
          // A process that took the default instead would run until this run's timeout kills it.
          const r = await runProcess(name, { ...env, TRACEHOP_POLL_MS: value });
          assert.deepEqual([r.code, r.stderr], [2, badPollMs(value)], `${name} ${JSON.stringify(value)}`);
        }
      const r = await runProcess("api", { ...env, PORT: "0x50" });
      assert.deepEqual(
        [r.code, r.stderr],
        [
          2,
          'tracehop preprocess: PORT="0x50" is not a TCP port: write a whole number from 0 to 65535 in decimal digits, or unset it for 0 (any free port)\n',
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

describe("processes told to stop exit at once, whatever their poll interval", { timeout: 120_000 }, () => {
  /** Longest a process told to stop may take here: far below its 60 s poll interval. */
  const STOP_WITHIN_MS = 5_000;

  /** Starts `name` by hand with a 60 s poll interval, sends SIGTERM once it is up, and times its exit. */
  async function stopAfterReady(name: string, env: Record<string, string>) {
    const run = startExample(name, { ...env, TRACEHOP_POLL_MS: "60000" }, 30_000);
    await run.ready;
    // Past its first pass: the relay is in its wait between polls.
    await new Promise((r) => setTimeout(r, 1_000));
    const sent = Date.now();
    run.child.kill("SIGTERM");
    const result = await run.result;
    return { ...result, stopMs: Date.now() - sent };
  }

  for (const { name, migrated } of [
    { name: "relay", migrated: true },
    // No tables: every pass fails, and the relay waits ten poll intervals before the next.
    { name: "relay", migrated: false },
    { name: "worker", migrated: true },
  ])
    test(`the ${name} (${migrated ? "idle" : "after a failed pass"}) exits 0 within ${STOP_WITHIN_MS} ms of SIGTERM`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-"));
      try {
        const dbFile = join(dir, "stop.db");
        if (migrated) migrateSqlite(dbFile);
        const r = await stopAfterReady(name, {
          DATABASE_URL: `file:${dbFile}`,
          AMQP_URL: "",
          TRACEHOP_SPANS_FILE: join(dir, "s.jsonl"),
          OTEL_EXPORTER_OTLP_ENDPOINT: "",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
        });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stopMs < STOP_WITHIN_MS, `stopped after ${r.stopMs} ms`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});

describe("start-up failures: exit 2 and one line, by hand as under npm start", { timeout: 120_000 }, () => {
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

  test("the relay and the worker with a broker that does not answer: one line naming it, password hidden", async () => {
    // Nothing listens on 127.0.0.1:1.
    const url = "amqp://guest:secret@127.0.0.1:1";
    for (const name of ["relay", "worker"]) {
      const r = await runProcess(name, { ...env, AMQP_URL: url });
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^tracehop preprocess: cannot connect to RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1[^\n]*unset AMQP_URL[^\n]*\n$/,
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
    `tracehop preprocess: PORT=${port}: the port is taken on 127.0.0.1 (EADDRINUSE): set PORT to a free one, or unset it for 0 (any free port)\n`;

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
});
