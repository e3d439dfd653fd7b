// A second SIGTERM or SIGINT while a process of the main job is stopping (its stop waiting on a server that
// stopped answering: here an OTLP endpoint that never answers, so flushing the spans waits for its timeout)
// ends it at once, with the code a shell gives a process killed by that signal (143, 130) and a last line
// that says so; `npm start` alike, and a first signal to `npm start` exits with that signal's code too.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import Database from "better-sqlite3";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { until } from "../examples/queue-helpers.js";
import {
  boundedTest,
  HANG_GUARD_MS,
  silentServer,
  within,
  type SilentServer,
} from "../examples/tcp-servers.js";
import {
  childPid,
  runExample,
  runs,
  spawnTracked,
  startExample,
  type RunningExample,
} from "../support/main-job.js";
import { exampleArgs, requireBuild } from "../support/build.js";
import { tempDir } from "../support/temp-dir.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, runExample's RUN_GUARD_MS), which names what hung; the suites are not bounded as a whole
// (a suite's bound covers all its tests together, 300 s for eight tests that each start and stop processes: on a loaded machine it runs out in the middle of a
// healthy test, cancelled without its `finally`).
const test = boundedTest();

/** The last line a process wrote on stderr. */
const lastLine = (stderr: string) => stderr.trimEnd().split("\n").at(-1);

/**
 * The shutdown bound each process is given here (TRACEHOP_SHUTDOWN_TIMEOUT_MS), with the OTLP request timeout
 * (OTEL_EXPORTER_OTLP_TIMEOUT) as long: the spans' flush waits on the silent endpoint, which never answers
 * until a test says so, so a stop that goes on by itself cannot end before this bound, twice the hang guard:
 * a wait for an exit that the second signal did not bring gives up (saying what it waited for) first.
 */
const SHUTDOWN_BOUND_MS = 2 * HANG_GUARD_MS;

/**
 * Sends `first` to `run`, waits for `stopping` (the event that shows the first signal was taken: the stop has
 * begun, so the second is a signal of its own, not merged with the first by a machine too loaded to run the
 * process in between), checks that it is still stopping (the spans' flush waits on the silent endpoint), then
 * sends `second`; the result. The second signal ended the process when its code is the signal's and its last
 * line says so: a stop that ran to its end exits 0 with another line, and could not end before
 * {@link SHUTDOWN_BOUND_MS}. So nothing is timed: each wait is bounded by the hang guard only, which a
 * process the second signal did not end crosses first, saying so.
 */
async function signalTwice(
  run: RunningExample,
  first: NodeJS.Signals,
  second: NodeJS.Signals,
  stopping: { what: string; seen: () => boolean },
): Promise<{ code: number | null; stderr: string }> {
  run.child.kill(first);
  await until(stopping.seen, stopping.what);
  assert.equal(run.child.exitCode, null, "still stopping after the first signal");
  run.child.kill(second);
  const result = await within(run.result, HANG_GUARD_MS, `the exit after the second signal (${second})`);
  return { code: result.code, stderr: result.stderr };
}

/**
 * The stop of a process started by hand has begun: its flush of the spans it holds opened a connection to
 * `endpoint` (its first: the environment's OTEL_BSP_SCHEDULE_DELAY keeps every span for the stop's flush).
 */
function flushing(endpoint: SilentServer, name: string): { what: string; seen: () => boolean } {
  const before = endpoint.accepted;
  return {
    what: `the ${name}'s stop flushing its spans to the silent OTLP endpoint`,
    seen: () => endpoint.accepted > before,
  };
}

// The suite's six tests each start the api, relay and worker (four of them under npm start): 80-90 s on an idle
// machine with two cores. A bound of 120 s was crossed in a CI run at load average 15 (every test passed, the last
// ones cancelled). Each wait inside has its own bound, so this one only ends a suite that hangs.
describe("a second SIGTERM or SIGINT while stopping exits at once", () => {
  let dir: string;
  let otlp: SilentServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tracehop-e2e-signals-"));
    otlp = await silentServer();
  });
  after(async () => {
    await otlp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The environment of a run on the SQLite file `name` in `dir`, its spans also sent to the silent endpoint. */
  function envOf(name: string): Record<string, string> {
    const file = join(dir, `${name}.db`);
    migrateSqlite(file);
    return {
      DATABASE_URL: `file:${file}`,
      AMQP_URL: "",
      TRACEHOP_POLL_MS: "20",
      TRACEHOP_SPANS_FILE: join(dir, `${name}.jsonl`),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp.port}`,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TIMEOUT: String(SHUTDOWN_BOUND_MS),
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "",
      TRACEHOP_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_BOUND_MS),
      // No export before the stop's flush (the SDK's 5 s): its connection is the sign that the stop began.
      OTEL_BSP_SCHEDULE_DELAY: String(SHUTDOWN_BOUND_MS),
    };
  }

  test("the api, relay and worker started by hand: 143 after a second SIGTERM, 130 after a SIGINT, the last line says so", async () => {
    const env = envOf("by-hand");
    const started = ["api", "relay", "worker"].map((name) => startExample(name, env));
    const [api, relay, worker] = started as [RunningExample, RunningExample, RunningExample];
    try {
      const base = /(http:\/\/\S+)/.exec(await within(api.ready, HANG_GUARD_MS, "the api's READY"))![1]!;
      await within(Promise.all([relay.ready, worker.ready]), HANG_GUARD_MS, "the relay's and worker's READY");
      // One job through all three: each then holds spans that its stop flushes to the silent endpoint.
      const res = await fetch(`${base}/preprocess-jobs`, { method: "POST", body: "One. Two." });
      assert.equal(res.status, 201);
      const { id } = (await res.json()) as { id: string };
      const db = new Database(env.DATABASE_URL!.slice("file:".length), { readonly: true });
      try {
        const status = db.prepare("SELECT status FROM PreprocessJob WHERE id = ?");
        await until(() => (status.get(id) as { status: string }).status === "done");
      } finally {
        db.close();
      }
      for (const [name, run, second, code] of [
        ["api", api, "SIGTERM", 143],
        ["relay", relay, "SIGTERM", 143],
        ["worker", worker, "SIGINT", 130],
      ] as const) {
        const r = await signalTwice(run, "SIGTERM", second, flushing(otlp, name));
        assert.equal(r.code, code, `${name}: ${r.stderr}`);
        assert.equal(
          lastLine(r.stderr),
          `tracehop preprocess: ${name}: ${second} while stopping: exiting at once with code ${code}`,
        );
      }
    } finally {
      for (const run of started) run.child.kill("SIGKILL");
    }
  });

  test("TRACEHOP_SHUTDOWN_TIMEOUT_MS is the api's shutdown bound: one SIGTERM's flush to an endpoint that never answers is given up at it, saying so; a bad one exits 2", async () => {
    const env = { ...envOf("bound"), TRACEHOP_SHUTDOWN_TIMEOUT_MS: "300" };
    const api = startExample("api", env);
    try {
      const base = /(http:\/\/\S+)/.exec(await within(api.ready, HANG_GUARD_MS, "the api's READY"))![1]!;
      // The request's spans: the stop's flush sends them to the silent endpoint.
      const res = await fetch(`${base}/preprocess-jobs`, { method: "POST", body: "One." });
      assert.equal(res.status, 201);
      api.child.kill("SIGTERM");
      const r = await within(api.result, HANG_GUARD_MS, "the api's exit after its stop's bound");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /did not finish within the shutdown bound \(300 ms\)/);
      assert.equal(lastLine(r.stderr), "tracehop preprocess: api: stopped on SIGTERM: exiting with code 0");
    } finally {
      api.child.kill("SIGKILL");
    }
    const bad = await runExample("api", [], { ...env, TRACEHOP_SHUTDOWN_TIMEOUT_MS: "5s" });
    assert.deepEqual(
      [bad.code, bad.stderr],
      [
        2,
        'tracehop preprocess: api: TRACEHOP_SHUTDOWN_TIMEOUT_MS="5s" is not a shutdown bound: write a whole number of milliseconds from 1 to 2147483647 in decimal digits, or unset it for 5000; exiting with code 2\n',
      ],
    );
  });

  test("the api, relay and worker started by hand: one SIGTERM or SIGINT stops them, exit 0, the last line saying so", async () => {
    const env = { ...envOf("by-hand-once"), OTEL_EXPORTER_OTLP_ENDPOINT: "" };
    const started = ["api", "relay", "worker"].map((name) => startExample(name, env));
    const [api, relay, worker] = started as [RunningExample, RunningExample, RunningExample];
    try {
      await within(Promise.all(started.map((run) => run.ready)), HANG_GUARD_MS, "the three READY lines");
      for (const [name, run, signal] of [
        ["api", api, "SIGTERM"],
        ["relay", relay, "SIGINT"],
        ["worker", worker, "SIGTERM"],
      ] as const) {
        run.child.kill(signal);
        const r = await within(run.result, HANG_GUARD_MS, `the ${name}'s exit on ${signal}`);
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        // Said once, last: nothing else on an idle process's stop.
        assert.equal(
          r.stderr,
          `tracehop preprocess: ${name}: stopped on ${signal}: exiting with code 0\n`,
          name,
        );
      }
    } finally {
      for (const run of started) run.child.kill("SIGKILL");
    }
  });

  test("npm start: a second SIGTERM while it stops its processes exits 143 at once, saying so last", async (t) => {
    // An endpoint of its own, which this test makes answer in the end; closed whatever happens (an open server
    // keeps the file's process running after its tests, saying nothing).
    const endpoint = await silentServer();
    t.after(() => endpoint.close());
    const env = { ...envOf("main"), OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${endpoint.port}` };
    const document = join(dir, "doc.txt");
    writeFileSync(document, "One. Two.");
    const run = startExample("main", env, [document]);
    let stdout = "";
    let stderr = "";
    run.child.stdout!.on("data", (d) => (stdout += d));
    run.child.stderr!.on("data", (d) => (stderr += d));
    const pids: number[] = [];
    try {
      // Submitted: the api holds spans, so its stop waits on the silent endpoint.
      await until(() => / submitted$/m.test(stdout));
      for (const name of ["api", "relay", "worker"]) {
        const pid = await childPid(run.child.pid!, name);
        if (pid !== undefined) pids.push(pid);
      }
      const r = await signalTwice(run, "SIGTERM", "SIGTERM", {
        what: "npm start's line saying it stops its processes",
        seen: () =>
          stderr.includes(
            "tracehop preprocess: SIGTERM: stopping the api, relay and worker (SIGTERM again: at once)\n",
          ),
      });
      assert.equal(r.code, 143, r.stderr);
      assert.equal(
        lastLine(r.stderr),
        "tracehop preprocess: SIGTERM while stopping: exiting at once with code 143 (the api, relay and worker stop on their own)",
      );
      // It did not wait for them: their stops still wait on the silent endpoint.
      assert.equal(pids.length, 3, "the api, relay and worker ran");
      assert.deepEqual(
        pids.map(runs),
        [true, true, true],
        "the api, relay and worker still stopping as npm start exits",
      );
      // They stop on their own: their IPC channel closed, each ends its own stop once the endpoint answers.
      endpoint.answerFromNow(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
      );
      await until(() => !pids.some(runs));
    } finally {
      run.child.kill("SIGKILL");
      for (const pid of pids.filter(runs)) process.kill(pid, "SIGKILL");
    }
  });

  test("npm start: one SIGTERM stops the processes and exits 143, one SIGINT 130, the last line saying which", async () => {
    for (const [signal, code] of [
      ["SIGTERM", 143],
      ["SIGINT", 130],
    ] as const) {
      const env = { ...envOf(`main-${signal}`), OTEL_EXPORTER_OTLP_ENDPOINT: "" };
      const document = join(dir, "doc.txt");
      writeFileSync(document, "One. Two.");
      const run = startExample("main", env, [document]);
      try {
        await within(run.ready, HANG_GUARD_MS, "npm start's READY");
        run.child.kill(signal);
        const r = await within(run.result, HANG_GUARD_MS, `npm start's exit on ${signal}`);
        assert.equal(r.code, code, r.stderr);
        assert.equal(
          lastLine(r.stderr),
          `tracehop preprocess: stopped on ${signal}: exiting with code ${code}`,
        );
        // The processes' own closing lines are not shown: main.ts stopped them, and its line says how.
        assert.doesNotMatch(r.stderr, /^\[(api|relay|worker)\] .*stopped on SIGTERM/m, r.stderr);
      } finally {
        run.child.kill("SIGKILL");
      }
    }
  });

  test("npm start whose shell is killed (npm passes its SIGTERM to the shell alone): the main job stops its processes and ends, not orphaned", async () => {
    const env = { ...envOf("main-orphan"), OTEL_EXPORTER_OTLP_ENDPOINT: "", TRACEHOP_POLL_MS: "600000" };
    const document = join(dir, "doc.txt");
    writeFileSync(document, "One. Two.");
    // As npm runs the script: a shell that waits for node (`; exit $?` keeps it from exec-ing node).
    const shell = spawnTracked(
      "sh",
      ["-c", `"${process.execPath}" ${exampleArgs("main")[0]} "$1"; exit $?`, "sh", document],
      {
        cwd: join(import.meta.dirname, "../.."),
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    shell.stdout!.on("data", (d) => (stdout += d));
    shell.stderr!.on("data", (d) => (stderr += d));
    const pids: number[] = [];
    try {
      await until(() => / submitted$/m.test(stdout));
      const main = await childPid(shell.pid!, "main");
      assert.ok(main !== undefined, "main.ts runs under the shell");
      pids.push(main);
      for (const name of ["api", "relay", "worker"]) {
        const pid = await childPid(main, name);
        if (pid !== undefined) pids.push(pid);
      }
      assert.equal(pids.length, 4, "main, api, relay and worker run");
      shell.kill("SIGTERM");
      await until(() => !pids.some(runs));
      assert.match(
        stderr,
        /^tracehop preprocess: the process that started this one \(pid \d+\) ended: taken as a SIGTERM$/m,
      );
    } finally {
      shell.kill("SIGKILL");
      for (const pid of pids.filter(runs)) process.kill(pid, "SIGKILL");
    }
  });

  test("npm start stopped while its processes start: no line says one of them exited before it was ready", async () => {
    const env = { ...envOf("main-starting"), OTEL_EXPORTER_OTLP_ENDPOINT: "" };
    const document = join(dir, "doc.txt");
    writeFileSync(document, "One. Two.");
    const run = startExample("main", env, [document]);
    // The signal as soon as the first process (the api) runs, before the others are started or any is
    // ready (they take seconds to load); main.ts's handlers must already be in place by then (a signal
    // between two spawns ended it by the default action, no line said). (ps exits 1 while main has
    // no child yet.)
    const apiRuns = () => childPid(run.child.pid!, "api").catch(() => undefined);
    try {
      await until(async () => (await apiRuns()) !== undefined, "the api started by npm start");
      run.child.kill("SIGINT");
      const r = await within(run.result, HANG_GUARD_MS, "npm start's exit on SIGINT");
      assert.equal(r.code, 130, r.stderr);
      assert.doesNotMatch(r.stderr, /before it was ready/);
      assert.equal(lastLine(r.stderr), "tracehop preprocess: stopped on SIGINT: exiting with code 130");
    } finally {
      run.child.kill("SIGKILL");
    }
  });
});

// Found trying the README as a new user: a signal while a process started by hand was still starting (its
// database check waiting on the server) ended it by the signal's default action, with no line and 143 or
// 130, where docs/example.md "Exit codes" promises 0 after one signal and the stop's last line.
describe("a signal while a process started by hand is starting", () => {
  let database: SilentServer;
  before(async () => {
    database = await silentServer();
  });
  after(() => database.close());

  for (const [name, signal] of [
    ["api", "SIGTERM"],
    ["relay", "SIGINT"],
    ["worker", "SIGTERM"],
  ] as const)
    test(`${name}, ${signal} while its database does not answer yet: exit 0, one line saying it stopped`, async (t) => {
      const connected = database.accepted;
      const run = startExample(name, {
        // A server that accepts and never answers: the start-up's database check waits on it.
        DATABASE_URL: "postgresql://u@127.0.0.1:" + database.port + "/x",
        // Past the hang guard: a signal not taken is said by the wait for the exit, not by this bound.
        TRACEHOP_CONNECT_TIMEOUT_MS: String(2 * HANG_GUARD_MS),
        AMQP_URL: "",
        TRACEHOP_SPANS_FILE: join(tempDir(t, "e2e-starting"), "spans.jsonl"),
        OTEL_EXPORTER_OTLP_ENDPOINT: "",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
      });
      try {
        await until(() => database.accepted > connected, `the ${name}'s database check connected`);
        run.child.kill(signal);
        const { code, stderr } = await within(run.result, HANG_GUARD_MS, `the ${name}'s exit on ${signal}`);
        assert.deepEqual(
          [code, stderr],
          [0, `tracehop preprocess: ${name}: stopped on ${signal}: exiting with code 0\n`],
        );
      } finally {
        run.child.kill("SIGKILL");
      }
    });
});
