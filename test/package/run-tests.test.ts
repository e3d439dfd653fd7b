// `npm test -- FILE…` runs those files alone (scripts/run-tests.ts): npm appends the arguments to the
// script, which ran the whole suite and then the file (a new user's trial). Flags go to node's runner, and
// the exit code is the runner's.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { HANG_GUARD_MS } from "../examples/tcp-servers.js";

const ROOT = join(import.meta.dirname, "../..");
const FIXTURE = "test/package/fixtures/run-tests/two-tests.ts";

/**
 * scripts/run-tests.ts with `args`: its exit code and the runner's summary counts (`status` null and `signal`
 * set when it was still running after the hang guard and killed).
 */
function runTests(args: string[], env: Record<string, string> = {}) {
  const { status, signal, stdout } = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/run-tests.ts", ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      // Without this test's own runner context, which would make the nested runner report to it.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, ...env },
      timeout: HANG_GUARD_MS,
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
  };
}

test("npm test -- FILE runs that file alone; a flag goes to the runner; a failure is the exit code", () => {
  assert.deepEqual(runTests([FIXTURE]), { status: 0, tests: 2, pass: 2, fail: 0, skipped: 0, cancelled: 0 });
  // The other test not run: skipped.
  assert.deepEqual(runTests([FIXTURE, "--test-name-pattern=second"]), {
    status: 0,
    tests: 2,
    pass: 1,
    fail: 0,
    skipped: 1,
    cancelled: 0,
  });
  assert.deepEqual(runTests([FIXTURE], { FAIL: "1" }), {
    status: 1,
    tests: 2,
    pass: 1,
    fail: 1,
    skipped: 0,
    cancelled: 0,
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
  });
});
