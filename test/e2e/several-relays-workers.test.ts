// Two relays and two workers on one database (with the api, five processes started by hand, the embedded
// table queue): on a SQLite file, on PostgreSQL and on MariaDB, every job is done with its sentences, each outbox row
// is published once, and no worker collides with another on a job's sentences. Before the relay claimed a
// row before publishing it, both relays read the same unpublished rows and published most of them twice;
// on PostgreSQL the two deliveries of a job then had two workers write its sentences at once
// (`Unique constraint failed on Sentence_jobId_index_key`, ERROR spans).
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, test, type TestContext } from "node:test";
import { SpanKind } from "@opentelemetry/api";
import Database from "better-sqlite3";
import mariadb from "mariadb";
import { migrateMysql, migratePostgres } from "../../examples/preprocess/migrate-server.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { readSpansFile } from "../../src/spans/index.js";
import { connectPostgres, MYSQL_URL, mysqlConnection, PG_URL } from "../prisma/databases.js";
import { ended, type RunningExample, startExample } from "../support/main-job.js";
import { HANG_GUARD_MS, SUITE_BOUND_MS, within } from "../examples/tcp-servers.js";
import { tempDir } from "../support/temp-dir.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/** How many times a job is posted while the api answers 503 (busy: send the request again). */
const MAX_POSTS = 5;
/** Jobs posted at once, so that both relays find the same unpublished rows. */
const JOBS = 20;

/** Job i's document: (i % 4) + 1 sentences. */
const documentOf = (i: number) =>
  Array.from({ length: (i % 4) + 1 }, (_, k) => `Job ${i} sentence ${k}.`).join(" ");

/** What a process said on stderr that shows a fault: a unique-constraint failure or a stack frame. */
const FAULT = /Unique constraint|^\s+at /m;

/** The Outbox rows of a database: how many there are, how many are published, how many hold a claim. */
interface OutboxState {
  rows: number;
  published: number;
  claimed: number;
}

/**
 * Starts the api, two relays and two workers on `databaseUrl` (migrated; `dir` holds the spans file),
 * posts {@link JOBS} jobs at once, waits (30 s at most) until none is pending, stops the processes
 * (SIGTERM), and checks that every job is done with its sentences, every process exited 0 without a
 * unique-constraint failure or a stack, each outbox row was published once (one relay PRODUCER span
 * each) and left with no claim (`outbox()`), and no span is an ERROR.
 */
async function severalRelaysAndWorkers(
  t: TestContext,
  dir: string,
  databaseUrl: string,
  outbox: () => Promise<OutboxState>,
): Promise<void> {
  const spansFile = join(dir, "spans.jsonl");
  const env = {
    DATABASE_URL: databaseUrl,
    AMQP_URL: "",
    PORT: "0",
    TRACEHOP_POLL_MS: "20",
    TRACEHOP_SPANS_FILE: spansFile,
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
  };
  const names = ["api", "relay", "relay", "worker", "worker"] as const;
  const runs: RunningExample[] = names.map((name) => startExample(name, env));
  t.after(() => runs.forEach((run) => run.child.kill("SIGKILL")));
  const base = /(http:\/\/\S+) READY$/.exec(
    await within(runs[0]!.ready, HANG_GUARD_MS, "the api's READY"),
  )![1]!;
  await within(Promise.all(runs.map((run) => run.ready)), HANG_GUARD_MS, "the five processes' READY");

  const ids = await Promise.all(
    Array.from({ length: JOBS }, async (_, i) => {
      // A 503 (the database busy: a lock, a conflict, no connection left, as on a loaded machine) stored
      // nothing and asks for the request again after Retry-After (docs/example.md): a client does so.
      let answer: Response;
      for (let attempt = 1; ; attempt++) {
        answer = await fetch(`${base}/preprocess-jobs`, {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: documentOf(i),
        });
        if (answer.status !== 503 || attempt === MAX_POSTS) break;
        await answer.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, Number(answer.headers.get("retry-after")) * 1000));
      }
      assert.equal(answer.status, 201, await answer.clone().text());
      return ((await answer.json()) as { id: string }).id;
    }),
  );
  const get = async (id: string) =>
    (await (await fetch(`${base}/preprocess-jobs/${id}`)).json()) as Record<string, unknown>;
  // A hang guard only (the jobs' states are what is asserted): far past what a loaded machine takes.
  const deadline = Date.now() + HANG_GUARD_MS;
  let jobs = await Promise.all(ids.map(get));
  while (jobs.some((job) => job.status === "pending")) {
    if (Date.now() > deadline) break;
    await sleep(100);
    jobs = await Promise.all(ids.map(get));
  }
  for (const run of runs) run.child.kill("SIGTERM");
  const results = await Promise.all(runs.map((run, i) => ended(run, `${names[i]} ${i}'s exit on SIGTERM`)));

  // Every job done, with its document's sentences.
  assert.deepEqual(
    jobs,
    ids.map((id, i) => ({ id, status: "done", sentences: (i % 4) + 1 })),
  );
  for (const [i, { code, stderr }] of results.entries()) {
    assert.equal(code, 0, `${names[i]} ${i}: ${stderr}`);
    assert.doesNotMatch(stderr, FAULT, `${names[i]} ${i}`);
  }
  const spans = readSpansFile(spansFile);
  // One publish per outbox row: no row published twice, none left out.
  const publishes = new Map<unknown, number>();
  for (const span of spans)
    if (span.service === "tracehop-preprocess-relay" && span.kind - 1 === SpanKind.PRODUCER) {
      const row = span.attributes["messaging.message.id"];
      publishes.set(row, (publishes.get(row) ?? 0) + 1);
    }
  const twice = [...publishes].filter(([, n]) => n > 1);
  assert.equal(twice.length, 0, `${twice.length} of ${publishes.size} outbox rows published more than once`);
  assert.equal(publishes.size, JOBS);
  assert.deepEqual(await outbox(), { rows: JOBS, published: JOBS, claimed: 0 });
  // A POST the api answered 503 (the database busy; the client sent it again, above) is an ERROR span by
  // the HTTP instrumentation's rule for a 5xx answer: what a loaded machine gives, no fault. Any other ERROR is.
  const busy = (span: (typeof spans)[number]) =>
    span.service === "tracehop-preprocess-api" &&
    span.name === "POST" &&
    span.attributes["http.response.status_code"] === 503;
  const errors = spans.filter((span) => span.statusCode === 2 && !busy(span));
  assert.deepEqual(
    errors.map((span) => `${span.service} ${span.name}`),
    [],
    "no ERROR span",
  );
}

/** The count of Outbox rows, of those published and of those holding a claim, by one SQL query. */
const OUTBOX_STATE = (table: string) =>
  `SELECT COUNT(*) AS "rows", COUNT("publishedAt") AS "published", COUNT("claimedUntil") AS "claimed" FROM ${table}`;

// Five processes each (about 10 s to start on a loaded 2-CPU machine), the jobs done in a few seconds. Each
// test is bounded on its own (SUITE_BOUND_MS), not the suite as a whole (a bound on its three tests together
// runs out on a loaded machine in the middle of a healthy test, cancelled without its clean-up).
describe("two relays and two workers on one database (table queue)", () => {
  test(
    "SQLite file: every job done once, each outbox row published once, no collision",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      const dir = tempDir(t, "several-relays");
      const file = join(dir, "x.db");
      migrateSqlite(file);
      await severalRelaysAndWorkers(t, dir, `file:${file}`, async () => {
        const raw = new Database(file, { readonly: true });
        try {
          return raw.prepare(OUTBOX_STATE(`"Outbox"`)).get() as OutboxState;
        } finally {
          raw.close();
        }
      });
    },
  );

  test(
    "PostgreSQL: every job done once, each outbox row published once, no collision",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      const admin = await connectPostgres();
      if (typeof admin === "string") return t.skip(admin);
      const schema = `tracehop_several_relays_${process.pid}`;
      t.after(async () => {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      });
      const url = new URL(PG_URL);
      url.searchParams.set("schema", schema);
      await migratePostgres(url.href);
      await severalRelaysAndWorkers(t, tempDir(t, "several-relays-pg"), url.href, async () => {
        const { rows } = await admin.query<Record<keyof OutboxState, string>>(
          OUTBOX_STATE(`"${schema}"."Outbox"`),
        );
        return {
          rows: Number(rows[0]!.rows),
          published: Number(rows[0]!.published),
          claimed: Number(rows[0]!.claimed),
        };
      });
    },
  );

  // The chunks' transactions at READ COMMITTED there (job-sentences.ts storeSentences), through the
  // processes as started by hand. (The deadlocks of REPEATABLE READ, rare at this load and retried at once,
  // are tested in test/examples/job-sentences.test.ts.)
  test(
    "MariaDB/MySQL: every job done once, each outbox row published once, no collision",
    { timeout: SUITE_BOUND_MS },
    async (t) => {
      let admin: Awaited<ReturnType<typeof mariadb.createConnection>>;
      try {
        admin = await mariadb.createConnection({ ...mysqlConnection(MYSQL_URL), connectTimeout: 15_000 });
      } catch (err) {
        return t.skip(`MariaDB/MySQL not reachable at ${MYSQL_URL} (${(err as Error).message})`);
      }
      const database = `tracehop_several_relays_${process.pid}`;
      t.after(async () => {
        await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await admin.end();
      });
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.query(`CREATE DATABASE \`${database}\``);
      const url = new URL(MYSQL_URL);
      url.pathname = `/${database}`;
      await migrateMysql(url.href);
      await severalRelaysAndWorkers(t, tempDir(t, "several-relays-mysql"), url.href, async () => {
        const rows = (await admin.query(
          OUTBOX_STATE(`\`${database}\`.\`Outbox\``).replaceAll('"', "`"),
        )) as Record<keyof OutboxState, bigint>[];
        return {
          rows: Number(rows[0]!.rows),
          published: Number(rows[0]!.published),
          claimed: Number(rows[0]!.claimed),
        };
      });
    },
  );
});
