// Scripts of the main job (examples/preprocess/<name>.ts) started by hand on a temporary SQLite file (or
// PostgreSQL schema), as the README shows, for the tests that drive one of them alone: the set-up those tests
// share.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { TestContext } from "node:test";
import Database from "better-sqlite3";
import type pg from "pg";
import { openDatabase, type Database as ExampleDatabase } from "../../examples/preprocess/db.js";
import { migratePostgres } from "../../examples/preprocess/migrate-server.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { connectPostgres, PG_URL } from "../prisma/databases.js";
import { ended, startExample, type MainJobResult, type RunningExample } from "./main-job.js";
import { HANG_GUARD_MS, within } from "../examples/tcp-servers.js";
import { until } from "../examples/queue-helpers.js";
import { tempDir } from "./temp-dir.js";

/** A migrated SQLite file holding one job whose message the table queue has handed out before. */
export interface LeasedOutJob {
  /** The file's path. */
  file: string;
  /** A plain connection to it, closed by the test. */
  raw: Database.Database;
  /** The QueueMessage row id of the job's message. */
  messageId: number | bigint;
}

/**
 * A new migrated SQLite file `x.db` in `dir` holding the pending job `job-1` ("One. Two.") and its message on
 * the table queue (`preprocess-jobs`, body `{"jobId":"job-1"}`, headers `{traceparent}`), `deliveries`
 * deliveries begun, the last one's lease run out an hour ago: its worker died with it in hand. The lease is
 * written as Prisma writes a DateTime (`+00:00`, not `Z`).
 */
export function seedLeasedOutJob(dir: string, deliveries: number, traceparent: string): LeasedOutJob {
  const file = join(dir, "x.db");
  migrateSqlite(file);
  const raw = new Database(file);
  raw
    .prepare("INSERT INTO PreprocessJob (id, status, text, updatedAt) VALUES (?, 'pending', ?, ?)")
    .run("job-1", "One. Two.", new Date().toISOString());
  const { lastInsertRowid } = raw
    .prepare(
      "INSERT INTO QueueMessage (queue, body, headers, attempts, consumedAt) VALUES ('preprocess-jobs', ?, ?, ?, ?)",
    )
    .run(
      JSON.stringify({ jobId: "job-1" }),
      JSON.stringify({ traceparent }),
      deliveries,
      new Date(Date.now() - 3_600_000).toISOString().replace("Z", "+00:00"),
    );
  return { file, raw, messageId: lastInsertRowid };
}

/**
 * The worker started on the SQLite file `file` with the embedded table queue (AMQP_URL empty, polled every
 * 20 ms), its spans written to the file `spans` and none exported over OTLP; no kill timer (the tests' waits
 * are bounded by the hang guard, and the process ends with the test file at the latest). Resolves once it
 * said READY, within the hang guard.
 */
export async function startTableQueueWorker(file: string, spans: string): Promise<RunningExample> {
  const run = startExample("worker", {
    DATABASE_URL: `file:${file}`,
    AMQP_URL: "",
    TRACEHOP_POLL_MS: "20",
    TRACEHOP_SPANS_FILE: spans,
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
  });
  await within(run.ready, HANG_GUARD_MS, "the worker's READY");
  return run;
}

/**
 * Waits for `check` to be true (a hang guard only: {@link until}), then stops `run` with SIGTERM and returns how
 * it ended (within the hang guard: {@link ended}). When `check` is still false when the wait gives up, kills
 * `run` (SIGKILL) and rejects with the wait's error.
 */
export async function stopOnce(run: RunningExample, check: () => boolean): Promise<MainJobResult> {
  await until(check).catch((error: unknown) => {
    run.child.kill("SIGKILL");
    throw error;
  });
  run.child.kill("SIGTERM");
  return ended(run, "the process's exit on SIGTERM");
}

/** The relay started by hand by {@link startRelay}, and the file it reads. */
export interface RelayByHand {
  /** The relay, READY. */
  run: RunningExample;
  /** The example's client of its SQLite file, to write outbox rows; disconnected by the test. */
  db: ExampleDatabase;
  /** The queue it publishes to, as its READY line names it. */
  queue: string;
}

/**
 * The relay started on a new migrated SQLite file `<name>.db` in `dir`, publishing to RabbitMQ at `amqpUrl`,
 * as {@link startRelayOn} starts it. Resolves once it said READY; when it exits before, disconnects the
 * client and rejects.
 */
export async function startRelay(
  dir: string,
  name: string,
  amqpUrl: string,
  env: Record<string, string> = {},
): Promise<RelayByHand> {
  const file = join(dir, `${name}.db`);
  migrateSqlite(file);
  const url = `file:${file}`;
  const db = await openDatabase(url);
  try {
    return { ...(await startRelayOn(url, dir, amqpUrl, env)), db };
  } catch (error) {
    await db.$disconnect();
    throw error;
  }
}

/**
 * The relay started on the migrated database of DATABASE_URL `databaseUrl`, publishing to RabbitMQ at
 * `amqpUrl` (empty: the embedded table queue), polling every 20 ms, its spans written to `dir`/spans.jsonl and
 * none exported over OTLP, `env` added; no kill timer (the tests' waits are bounded by the hang guard, and
 * the process ends with the test file at the latest). Resolves once it said READY (within the hang guard);
 * when it exits before, or the guard gives up, kills it and rejects.
 */
export async function startRelayOn(
  databaseUrl: string,
  dir: string,
  amqpUrl: string,
  env: Record<string, string> = {},
): Promise<Omit<RelayByHand, "db">> {
  const run = startExample("relay", {
    DATABASE_URL: databaseUrl,
    AMQP_URL: amqpUrl,
    TRACEHOP_POLL_MS: "20",
    TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    ...env,
  });
  try {
    return {
      run,
      queue: / queue (\S+) READY$/.exec(await within(run.ready, HANG_GUARD_MS, "the relay's READY"))![1]!,
    };
  } catch (error) {
    run.child.kill("SIGKILL");
    await run.result;
    throw error;
  }
}

/** A PostgreSQL schema holding a backlog of outbox rows, made by {@link postgresBacklog}. */
export interface PostgresBacklog {
  /** A plain connection to the server, for the test's own SQL; closed when the test ends. */
  admin: pg.Client;
  /** The schema's name, quoted, to qualify a table or a function in that SQL. */
  s: string;
  /** The DATABASE_URL of the schema (PG_URL naming it). */
  url: string;
}

/**
 * A new schema `tracehop_<name>_<pid>` of the PostgreSQL server of PG_URL (dropped first if there: a run killed
 * before its clean-up), migrated, holding `rows` unpublished outbox rows `row-<i>` (job `job-<i>`'s
 * `preprocess-job.requested` event, payload `{"jobId":"job-<i>"}`), created a second apart, so that the
 * relay's order (oldest first) is the rows' order; dropped when `t` ends. The skip reason of connectPostgres
 * when the server is not reachable.
 */
export async function postgresBacklog(
  t: TestContext,
  name: string,
  rows: number,
): Promise<PostgresBacklog | string> {
  const admin = await connectPostgres();
  if (typeof admin === "string") return admin;
  const schema = `tracehop_${name}_${process.pid}`;
  const s = `"${schema}"`;
  t.after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.end();
  });
  await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  const url = new URL(PG_URL);
  url.searchParams.set("schema", schema);
  await migratePostgres(url.href);
  const start = Date.now() - rows * 1000;
  for (let i = 0; i < rows; i++)
    await admin.query(
      `INSERT INTO ${s}."Outbox" (id, "aggregateType", "aggregateId", "eventType", payload, "createdAt")
       VALUES ($1, 'PreprocessJob', $2, 'preprocess-job.requested', $3, $4)`,
      [`row-${i}`, `job-${i}`, JSON.stringify({ jobId: `job-${i}` }), new Date(start + i * 1000)],
    );
  return { admin, s, url: url.href };
}

/** The outbox row the api writes for job `jobId` (a `preprocess-job.requested` event), as `db.outbox.create` takes it. */
export const requestedEvent = (jobId: string) => ({
  aggregateType: "PreprocessJob",
  aggregateId: jobId,
  eventType: "preprocess-job.requested",
  payload: { jobId },
});

/** The api started by hand by {@link startApi}. */
export interface ApiByHand {
  /** Its base URL, `http://127.0.0.1:<port>`, as its READY line names it. */
  base: string;
  /** The port it listens on. */
  port: number;
  /** The SQLite file made for it (absent when it was given a database). */
  db: string;
  /** The file its spans are written to. */
  spans: string;
  /** The process, for a test that stops it itself. */
  api: RunningExample;
  /** Stops it with SIGTERM and asserts a clean exit: code 0, nothing on stderr. */
  stop(): Promise<void>;
}

/**
 * The api started on `databaseUrl` (when not given, a new migrated SQLite file `x.db`) and any free port,
 * from a temporary folder named after `prefix` that holds the file and its spans file; killed (SIGKILL)
 * when `t` ends, the folder removed. Resolves once it said READY (within the hang guard).
 */
export async function startApi(t: TestContext, prefix: string, databaseUrl?: string): Promise<ApiByHand> {
  const dir = tempDir(t, prefix);
  const db = join(dir, "x.db");
  if (databaseUrl === undefined) migrateSqlite(db);
  const spans = join(dir, "spans.jsonl");
  const env = { DATABASE_URL: databaseUrl ?? `file:${db}`, PORT: "0", TRACEHOP_SPANS_FILE: spans };
  const api = startExample("api", env);
  t.after(() => api.child.kill("SIGKILL"));
  const base = /(http:\/\/\S+) READY$/.exec(await within(api.ready, HANG_GUARD_MS, "the api's READY"))![1]!;
  return {
    base,
    port: Number(new URL(base).port),
    db,
    spans,
    api,
    stop: async () => {
      api.child.kill("SIGTERM");
      const { code, stderr } = await ended(api, "the api's exit on SIGTERM");
      assert.deepEqual(
        [code, stderr],
        [0, "tracehop preprocess: api: stopped on SIGTERM: exiting with code 0\n"],
      );
    },
  };
}
