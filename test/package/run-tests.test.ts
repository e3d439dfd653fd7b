// `npm test -- FILE…` runs those files alone (scripts/run-tests.ts): npm appends the arguments to the
// script, which ran the whole suite and then the file (a new user's trial). Flags go to node's runner, and
// the exit code is the runner's.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { type TestContext, test } from "node:test";
import { HANG_GUARD_MS } from "../examples/tcp-servers.js";
import { signalOwnGroup } from "../support/process-group.js";
import { tempDir } from "../support/temp-dir.js";

const ROOT = join(import.meta.dirname, "../..");
const FIXTURE = "test/package/fixtures/run-tests/two-tests.ts";

/**
 * scripts/run-tests.ts with `args`: its exit code and the runner's summary counts (`status` null and `signal`
 * set when it was still running after the hang guard and killed).
 */
function runTests(args: string[], env: Record<string, string> = {}, timeout = HANG_GUARD_MS) {
  const { status, signal, stdout, stderr } = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/run-tests.ts", ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      // Without this test's own runner context, which would make the nested runner report to it.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, ...env },
      timeout,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const count = (name: string) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, "m").exec(stdout)?.[1]);
  return {
    status,
    ...(signal === null ? {} : { signal }),
    tests: count("tests"),
    pass: count("pass"),
    fail: count("fail"),
    skipped: count("skipped"),
    cancelled: count("cancelled"),
    lost: lostLines(stderr),
  };
}

/** What scripts/run-tests.ts says of results lost (the lines after its heading), each cut after the count. */
function lostLines(stderr: string): string[] {
  const at = stderr.indexOf("Results lost:");
  if (at === -1) return [];
  return stderr
    .slice(at)
    .split("\n")
    .slice(1)
    .filter((line) => line.startsWith("  "))
    .map((line) => line.trim());
}

test("npm test -- FILE runs that file alone; a flag goes to the runner; a failure is the exit code", () => {
  assert.deepEqual(runTests([FIXTURE]), {
    status: 0,
    tests: 2,
    pass: 2,
    fail: 0,
    skipped: 0,
    cancelled: 0,
    lost: [],
  });
  // The other test not run: skipped.
  assert.deepEqual(runTests([FIXTURE, "--test-name-pattern=second"]), {
    status: 0,
    tests: 2,
    pass: 1,
    fail: 0,
    skipped: 1,
    cancelled: 0,
    lost: [],
  });
  // A flag's value as the next argument, as node's runner takes it too (was taken for a file to run, and the
  // flags put together before the files: `--test-name-pattern --test-concurrency second FILE 1`).
  assert.deepEqual(runTests(["--test-name-pattern", "second", FIXTURE, "--test-concurrency", "1"]), {
    status: 0,
    tests: 2,
    pass: 1,
    fail: 0,
    skipped: 1,
    cancelled: 0,
    lost: [],
  });
  assert.deepEqual(runTests([FIXTURE], { FAIL: "1" }), {
    status: 1,
    tests: 2,
    pass: 1,
    fail: 1,
    skipped: 0,
    cancelled: 0,
    lost: [],
  });
});

test("npm test -- FOLDER runs the test files under it (*.test.ts, in its subfolders too), its path read from the repository's root", (t) => {
  // Node 20's runner does not expand a folder: `npm test -- test/spans` ran no test and exited 0.
  const dir = tempDir(t, "folder");
  mkdirSync(join(dir, "nested/deeper"), { recursive: true });
  copyFileSync(join(ROOT, FIXTURE), join(dir, "a.test.ts"));
  copyFileSync(join(ROOT, FIXTURE), join(dir, "nested/deeper/b.test.ts"));
  // Not a test file by the suite's pattern: not run (it would fail the run).
  writeFileSync(join(dir, "nested/helper.ts"), 'throw new Error("not a test file, yet run");\n');
  const counts = { tests: 4, pass: 4, fail: 0, skipped: 0, cancelled: 0, lost: [] };
  // Relative to the repository's root, as npm runs its scripts there; absolute too; with a file beside it.
  assert.deepEqual(runTests([relative(ROOT, dir)]), { status: 0, ...counts });
  assert.deepEqual(runTests([`${dir}/`]), { status: 0, ...counts });
  assert.deepEqual(runTests([join(dir, "nested"), FIXTURE], { FAIL: "1" }), {
    status: 1,
    tests: 4,
    pass: 2,
    fail: 2,
    skipped: 0,
    cancelled: 0,
    lost: [],
  });
});

/** scripts/run-tests.ts refusing its arguments: its exit code and what it wrote (the runner never started). */
function refused(args: string[]) {
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/run-tests.ts", ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NODE_TEST_CONTEXT: undefined },
      timeout: HANG_GUARD_MS,
    },
  );
  return { status, stdout, stderr };
}

test("npm test -- PATH refuses, before any test runs, a path that is neither a file nor a folder, or a folder holding no test file (exit code 2)", (t) => {
  // Was node's `Could not find '…'`, then a `Results lost` line that only said the runner counted nothing, exit 1.
  const missing = "test/no-such-folder/none.test.ts";
  assert.deepEqual(refused([FIXTURE, missing]), {
    status: 2,
    stdout: "",
    stderr: `npm test: ${missing} is neither a file nor a folder (paths are read from the repository's root, ${ROOT})\n`,
  });
  // A folder whose files are none of them *.test.ts (these fixtures are named *.ts so that the suite skips them).
  const fixtures = "test/package/fixtures/run-tests";
  assert.deepEqual(refused([fixtures]), {
    status: 2,
    stdout: "",
    stderr: `npm test: the folder ${fixtures} holds no test file (*.test.ts, in its subfolders too)\n`,
  });
  const empty = tempDir(t, "empty-folder");
  mkdirSync(join(empty, "sub"));
  assert.deepEqual(refused(["--test-name-pattern", "first", empty]), {
    status: 2,
    stdout: "",
    stderr: `npm test: the folder ${empty} holds no test file (*.test.ts, in its subfolders too)\n`,
  });
});

test("a file whose cancelled test left a handle open ends, the cancellation reported and the exit code 1, not a run that never ends", () => {
  // A CI run hung for good: a suite of test/examples/amqp-queue.test.ts ran past its bound on a loaded machine,
  // its cancelled tests left an AMQP connection open, and the file's process never exited.
  assert.deepEqual(runTests(["test/package/fixtures/run-tests/left-open.ts"]), {
    status: 1,
    tests: 1,
    pass: 0,
    fail: 0,
    skipped: 0,
    cancelled: 1,
    lost: [],
  });
});

test("a file whose tests' results never reach the runner fails the run, naming the file and the tests, where node's runner alone passes it", () => {
  // node's runner counts the one result it got, fails nothing and exits 0; the check names what is missing.
  assert.deepEqual(runTests(["test/package/fixtures/run-tests/exits-mid-test.ts"]), {
    status: 1,
    tests: 1,
    pass: 1,
    fail: 0,
    skipped: 0,
    cancelled: 0,
    lost: [
      'test/package/fixtures/run-tests/exits-mid-test.ts: 2 tests started, no result reached the runner ("exits the process", "never runs")',
    ],
  });
});

// Four files of a thousand quick tests with 2 000-character names at a time: each file's process writes its
// results (megabytes) faster than the runner reads them, and `--test-force-exit` ends it right after its last
// write. A run takes about 30 s on an idle 2-core machine.
const MANY_RESULTS = "test/package/fixtures/run-tests/many-results.ts";
const MANY_RESULTS_BOUND_MS = 5 * 60_000;

/** `copies` copies of the many-results fixture in a folder of test `t`'s own (node's runner runs a path once). */
function manyResultsFiles(t: TestContext, copies: number): string[] {
  const dir = tempDir(t, "many-results");
  return Array.from({ length: copies }, (_, i) => {
    const file = join(dir, `many-results-${i + 1}.ts`);
    copyFileSync(join(ROOT, MANY_RESULTS), file);
    return file;
  });
}

test("every result of files that write megabytes of results and end at once reaches the summary", (t) => {
  // Was 3 994 to 3 997 of 4 000 with the exit code 0 (scripts/blocking-stdout.cjs).
  assert.deepEqual(runTests(manyResultsFiles(t, 4), {}, MANY_RESULTS_BOUND_MS), {
    status: 0,
    tests: 4_000,
    pass: 4_000,
    fail: 0,
    skipped: 0,
    cancelled: 0,
    lost: [],
  });
});

test("results lost on a file's stdout fail the run, naming the file (the loss reproduced without blocking writes)", (t) => {
  const files = manyResultsFiles(t, 4);
  // The loss is a race: on an idle machine it took every one of three runs. Up to three runs, until one loses.
  for (let run = 1; run <= 3; run++) {
    const { status, tests, lost } = runTests(
      files,
      { TRACEHOP_TEST_NONBLOCKING_STDOUT: "1" },
      MANY_RESULTS_BOUND_MS,
    );
    // The runner's own stdout is left non-blocking too, so its summary may be cut as well (then `tests` is
    // NaN): what the check says is asserted either way, the count against the summary's only when it is there.
    const summary = !Number.isNaN(tests);
    if (lost.length === 0) {
      assert.equal(status, 0, `run ${run}: nothing said lost, and the exit code 0`);
      if (summary) assert.equal(tests, 4_000, `run ${run}: nothing said lost, every result counted`);
      continue;
    }
    assert.equal(status, 1, `run ${run}: ${tests} results of 4 000 and the exit code 1`);
    // Each line names one of the files and at least its suite, reported last.
    assert.ok(lost.length > 0);
    for (const line of lost) {
      assert.match(
        line,
        /^\/.+\/many-results-[1-4]\.ts: \d+ tests? started, no result reached the runner \("many results"/,
      );
    }
    // As many said missing as the summary lacks: its tests, and the suite of each file named.
    const missing = lost.reduce((sum, line) => sum + Number(/: (\d+) tests? started/.exec(line)?.[1]), 0);
    if (summary) assert.equal(missing, 4_000 - tests + lost.length);
    return;
  }
  // A race the machine may not lose (a fast reader empties the pipe in time): the check itself is proven by the
  // deterministic file above that exits mid-test; a run that loses nothing here proves nothing either way.
  t.skip("three runs without the blocking writes lost no result on this machine: the race did not happen");
});

test("a reader of npm test's output that pauses (npm test | less, left on its first page) stalls no test file, and reads the whole summary later", async (t) => {
  // The runner's stdout was made blocking so that its summary was not cut at exit on a pipe; written straight
  // to the pager's pipe, it then blocked the runner once the pager stopped reading, the runner stopped reading
  // the files' processes, and their blocking writes stopped them: the whole suite stalled.
  const files = manyResultsFiles(t, 2);
  const marks = join(tempDir(t, "exit-marks"), "marks");
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/run-tests.ts", ...files], {
    cwd: ROOT,
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, TRACEHOP_TEST_EXIT_MARKS: marks },
  });
  t.after(() => child.kill("SIGKILL"));
  // A real pipe whose reader reads nothing: its buffer (and node's, for this end) fills with the first
  // results, megabytes before the end.
  child.stdout.pause();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const exited = () => {
    try {
      return readFileSync(marks, "utf8").trim().split("\n").length;
    } catch {
      return 0;
    }
  };
  // A hang guard, not a speed bound: both files' processes end while nothing is read.
  const guard = Date.now() + MANY_RESULTS_BOUND_MS;
  while (exited() < files.length && Date.now() < guard)
    await new Promise((resolve) => setTimeout(resolve, 100));
  const exitedWhilePaused = exited();
  // Read late: everything, then the end.
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stdout.resume();
  const code = await ended;
  assert.equal(exitedWhilePaused, files.length, "the test files' processes stalled while the reader paused");
  assert.equal(code, 0, stderr);
  const count = (name: string) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, "m").exec(stdout)?.[1]);
  assert.deepEqual(
    { tests: count("tests"), pass: count("pass"), fail: count("fail") },
    { tests: 2_000, pass: 2_000, fail: 0 },
  );
  // The summary whole, to its last line.
  assert.match(stdout, /\nℹ duration_ms [\d.]+\n$/);
});

test("npm test stopped by Ctrl-C exits 130, and says no results lost for the tests it stopped", async (t) => {
  const started = join(tempDir(t, "stopped"), "started");
  // In a process group of its own, as a shell starts a command: Ctrl-C signals the whole group.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/run-tests.ts", "test/package/fixtures/run-tests/waits.ts"],
    {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, TRACEHOP_TEST_STARTED: started },
    },
  );
  t.after(() => signalOwnGroup(child, "SIGKILL"));
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const ended = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  // A hang guard, not a speed bound: the test runs.
  const guard = Date.now() + HANG_GUARD_MS;
  const running = () => {
    try {
      return readFileSync(started, "utf8") !== "";
    } catch {
      return false;
    }
  };
  while (!running()) {
    assert.equal(child.exitCode, null, `npm test ended before its test ran:\n${stderr}`);
    assert.ok(Date.now() < guard, `the test never ran:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(signalOwnGroup(child, "SIGINT"), `npm test ended before Ctrl-C:\n${stderr}`);
  // Was 1, with 'Results lost' naming the test Ctrl-C stopped.
  assert.deepEqual({ code: await ended, lost: lostLines(stderr) }, { code: 130, lost: [] });
});
