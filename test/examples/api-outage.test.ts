// The api, started by hand on the real PostgreSQL server behind a proxy that a test switches: what its
// answers and its log lines say while the server is gone or does not answer (examples/preprocess/api.ts,
// OutageLog in transient.ts).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, test, type TestContext } from "node:test";
import { connectPostgres, PG_URL } from "../prisma/databases.js";
import { ended, startExample, type RunningExample } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";
import {
  HANG_GUARD_MS,
  proxiedDatabase,
  SUITE_BOUND_MS,
  within,
  type SwitchingProxy,
} from "./tcp-servers.js";
import { exampleArgs, requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/** One answer of the api: status, Retry-After, the error, and when it came (ms after the outage began). */
type Answer = [status: number, retryAfter: string | null, error: string, at: number];

/**
 * Runs `fn` on the api started by hand on a PostgreSQL schema of its own (migrated), through a
 * {@link proxiedDatabase}; the api's stderr lines each with the time it came, stopped and dropped after.
 */
async function withApi(
  t: TestContext,
  schema: string,
  fn: (api: {
    base: string;
    proxy: SwitchingProxy;
    lines: [string, number][];
    run: RunningExample;
  }) => Promise<void>,
): Promise<[string, number][] | undefined> {
  const admin = await connectPostgres();
  if (typeof admin === "string") {
    t.skip(admin);
    return undefined;
  }
  const dir = tempDir(t, "api-outage");
  const { proxy, proxied, direct } = await proxiedDatabase(PG_URL, schema);
  const lines: [string, number][] = [];
  try {
    execFileSync(process.execPath, exampleArgs("migrate"), {
      env: { ...process.env, DATABASE_URL: direct.href },
      stdio: "ignore",
    });
    const env: Record<string, string> = {
      DATABASE_URL: proxied.href,
      AMQP_URL: "",
      TRACEHOP_SPANS_FILE: join(dir, "spans.jsonl"),
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
      // Its default (10 s), as an operator runs it.
      TRACEHOP_CONNECT_TIMEOUT_MS: "10000",
    };
    const run = startExample("api", env);
    let pending = "";
    run.child.stderr!.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const line of parts) if (line !== "") lines.push([line, Date.now()]);
    });
    try {
      const base = /(http:\/\/\S+)/.exec(await within(run.ready, HANG_GUARD_MS, "the api's READY"))![1]!;
      await fn({ base, proxy, lines, run });
    } finally {
      run.child.kill("SIGTERM");
      await ended(run, "the api's exit on SIGTERM");
    }
    return lines;
  } finally {
    await proxy.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

/** POSTs a document; the answer, its time counted from `since`. */
async function post(base: string, since: number): Promise<Answer> {
  const res = await fetch(`${base}/preprocess-jobs`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: "One. Two.",
  });
  const { error } = (await res.json()) as { error?: string };
  return [res.status, res.headers.get("retry-after"), error ?? "", Date.now() - since];
}

/** The bound of the test below that asks a silent server's api for 40 s by design: those, and three hang guards. */
const SILENT_SERVER_BOUND_MS = 40_000 + SUITE_BOUND_MS;

const BUSY =
  "the database is busy (a lock, a conflict or no connection left): nothing was stored, send the request again";

describe(
  "the api, started by hand, whose PostgreSQL server goes away or stops answering",
  // Side by side: each its own schema, proxy and api, and most of each a wait (8 s, 40 s). Each test is
  // bounded on its own (its waits for READY, for a line and for the exit each by the hang guard, which
  // names what hung), not the suite as a whole.
  { concurrency: true },
  () => {
    test(
      "the outage is said at its first failure, not when the request gives up 8 s later; the lines count failed attempts",
      { timeout: SUITE_BOUND_MS },
      async (t) => {
        const schema = `tracehop_api_refused_${process.pid}`;
        let posted: { sent: number; answer: Answer; refused: number } | undefined;
        const lines = await withApi(t, schema, async ({ base, proxy, lines }) => {
          assert.equal((await fetch(`${base}/preprocess-jobs/none`)).status, 404);
          proxy.mode = "refuse";
          const sent = Date.now();
          const answer = await post(base, sent);
          // Each attempt of the POST's retries is a connection the proxy refused: counted there, not guessed
          // from the 8 s they last (a loaded machine makes fewer).
          posted = { sent, answer, refused: proxy.refused };
          proxy.mode = "relay";
          assert.equal((await fetch(`${base}/preprocess-jobs/none`)).status, 404);
          // The recovery line is written before the 404 is sent, but its pipe may be read after the answer.
          // A wait, not a speed test: up to HANG_GUARD_MS, however loaded the machine (the count is what is asserted).
          for (let waited = 0; lines.length < 2 && waited < HANG_GUARD_MS; waited += 50) await sleep(50);
          assert.equal(lines.length, 2, lines.join("\n"));
          // An id PostgreSQL cannot hold (text refuses NUL: 22021) is no job's: 404, as on SQLite, not a 500.
          const nul = await fetch(`${base}/preprocess-jobs/%00`);
          assert.equal(nul.status, 404, await nul.text());
          assert.equal(lines.length, 2, lines.join("\n"));
        });
        if (lines === undefined) return;
        const { sent, answer, refused } = posted!;
        assert.equal(answer[0], 503);
        assert.ok(answer[3] >= 7_000, `the POST was answered after ${answer[3]} ms`);
        const [first, second] = lines;
        assert.match(
          first![0],
          /^tracehop preprocess: api: a request failed: the database of DATABASE_URL \(.*\) is unavailable: /,
        );
        // Said at the first failure (a refused connection fails within milliseconds), not with the 503 its
        // retries end in (an order, not a clock bound: a loaded machine cannot fail it).
        assert.ok(
          first![1] < sent + answer[3],
          `the first line came ${first![1] - sent} ms after the POST was sent, its 503 after ${answer[3]} ms`,
        );
        // The recovery line counts each failed attempt of the POST's retries, as many as the proxy refused
        // (several: the retries go on for 8 s), and says so: not "1 failure" for the one request.
        const counted = /answers again after \d+ s \((\d+) failed attempts, the last /.exec(second![0]);
        assert.ok(counted, second![0]);
        assert.ok(refused >= 2, `the proxy refused ${refused} connection`);
        assert.equal(Number(counted[1]), refused, second![0]);
      },
    );

    test(
      "a server that accepts connections and never answers: said busy at first (P2028 is a full pool or a silent server), unavailable with Retry-After 5 once nothing has succeeded for 30 s",
      { timeout: SILENT_SERVER_BOUND_MS },
      async (t) => {
        const schema = `tracehop_api_silent_${process.pid}`;
        const answers: Answer[] = [];
        const lines = await withApi(t, schema, async ({ base, proxy }) => {
          assert.equal((await fetch(`${base}/preprocess-jobs/none`)).status, 404);
          proxy.mode = "stall";
          const since = Date.now();
          while (Date.now() - since < 40_000) answers.push(await post(base, since));
        });
        if (lines === undefined) return;
        const states = answers.map(([status, retryAfter, error]) => [status, retryAfter, error]);
        assert.deepEqual(states[0], [503, "1", BUSY], JSON.stringify(answers));
        assert.deepEqual(
          states.at(-1),
          [
            503,
            "5",
            "the database is unavailable (it cannot be reached, does not answer, or the connection was lost): nothing was stored, send the request again",
          ],
          JSON.stringify(answers),
        );
        // Once unavailable, not busy again while nothing succeeds; unavailable only 30 s after the first failure.
        const firstUnavailable = answers.findIndex(([, retryAfter]) => retryAfter === "5");
        assert.ok(
          answers.slice(firstUnavailable).every(([, retryAfter]) => retryAfter === "5"),
          JSON.stringify(answers),
        );
        assert.ok(answers[firstUnavailable]![3] >= 30_000, JSON.stringify(answers));
        const text = lines.map(([line]) => line);
        // Busy is said once it has lasted 2 s (BUSY_QUIET_MS): at the failure that ends later.
        assert.match(
          text[0]!,
          / is busy for \d+ s: P2028 \(a transaction could not start in time\); retrying/,
        );
        assert.ok(
          text.some((line) =>
            / still unavailable after \d+ s \(\d+ failed attempts, the last P2028: a transaction could not start in time, and nothing has succeeded for 30 s: the server does not answer\); retrying$/.test(
              line,
            ),
          ),
          text.join("\n"),
        );
        assert.doesNotMatch(text.join("\n"), /^\s+at /m);
      },
    );
  },
);
