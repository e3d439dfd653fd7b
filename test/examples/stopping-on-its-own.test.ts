// A signal to a process of the main job that is already stopping on its own (the relay or the worker that
// lost the broker: it exits 1 once its spans are flushed) is not a second signal: `npm start` stops every
// process once, and one that was ending by then took that SIGTERM for a second one, exiting at once with 143
// and its spans lost. It ends with 1, its last line saying why, after the lines of its stop; a second signal
// still ends it at once, saying why it was ending.
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe } from "node:test";
import { ENDING_MESSAGE } from "../../examples/preprocess/config.js";
import { ended, RUN_GUARD_MS, spawnTracked, type MainJobResult } from "../support/main-job.js";
import { until } from "./queue-helpers.js";
import { boundedTest } from "./tcp-servers.js";

// Each test is bounded on its own (SUITE_BOUND_MS, boundedTest), each of its waits and runs by a hang guard
// (`within`, `until`, `ended`, runExample's RUN_GUARD_MS), which names what hung; not the suite as a whole (a
// bound on all its tests together runs out on a loaded machine in the middle of a healthy test, which is
// cancelled without its `finally` and says nothing of what was slow).
const test = boundedTest();

const FIXTURE = join(import.meta.dirname, "fixtures/stopping-on-its-own.ts");
const LOST_LINE =
  "tracehop preprocess: worker: the broker closed the connection; exiting with code 1 to be started again " +
  "(message 7 in hand, delivered again)";

/**
 * Starts the fixture, sends the first of `signals` 300 ms after its stop has begun and each next one once the
 * process has said it took the one before (its `while ending on its own` line: two signals sent close
 * together to a process the loaded machine does not run in between would be merged into one), and resolves
 * to how it ended and how long it took from its stop's start; past {@link RUN_GUARD_MS} (a hang guard) the fixture is
 * killed and this rejects, naming it.
 */
async function signalWhileEnding(
  signals: NodeJS.Signals[],
  stopMs: number,
): Promise<{ code: number | null; stderr: string; ms: number }> {
  const child = spawnTracked(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { ...process.env, STOP_MS: String(stopMs) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  let began = 0;
  child.stdout!.on("data", async (d: Buffer) => {
    if (began !== 0 || !d.toString().includes("ENDING")) return;
    began = Date.now();
    await sleep(300);
    for (const [i, signal] of signals.entries()) {
      // (Or its exit: a process that ended on the signal before is not waited on.)
      if (i > 0)
        await until(
          () =>
            stderr.includes(" while ending on its own: ") ||
            child.exitCode !== null ||
            child.signalCode !== null,
          "the first signal taken",
        );
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
    }
  });
  const result = new Promise<MainJobResult>((done) =>
    child.on("close", (code) => done({ code, stdout: "", stderr })),
  );
  const { code } = await ended(
    { child, result },
    `the fixture stopping on its own, signalled ${signals.join(", ") || "no signal"}`,
    RUN_GUARD_MS,
  );
  return { code, stderr, ms: Date.now() - began };
}

describe("a signal to a process already stopping on its own", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    test(`one ${signal}: the process says it finishes its stop, and exits 1, saying why last`, async () => {
      const r = await signalWhileEnding([signal], 1_500);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr,
        `tracehop preprocess: worker: ${signal} while ending on its own: finishing the stop (a second signal exits at once)\n` +
          `a line of the stop\n${LOST_LINE}\n`,
      );
      assert.ok(r.ms >= 1_400, `ended ${r.ms} ms after its stop began, before the stop was done`);
    });

  test("no signal: the lines of its stop come first, the line saying why it exits 1 last", async () => {
    const r = await signalWhileEnding([], 300);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `a line of the stop\n${LOST_LINE}\n`);
  });

  test("a second signal after that ends it at once with the signal's code, said in one line with why it was ending", async () => {
    const r = await signalWhileEnding(["SIGTERM", "SIGTERM"], 20_000);
    assert.equal(r.code, 143, r.stderr);
    assert.equal(
      r.stderr,
      "tracehop preprocess: worker: SIGTERM while ending on its own: finishing the stop (a second signal exits at once)\n" +
        "tracehop preprocess: worker: the broker closed the connection; SIGTERM while stopping: exiting at once with code 143\n",
    );
  });

  test("started by npm start (an IPC channel): it tells main.ts at once that it is ending, its line coming only after its stop", async () => {
    const child = spawnTracked(process.execPath, ["--import", "tsx", FIXTURE], {
      env: { ...process.env, STOP_MS: "1500" },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    // Never told: `message` undefined, at the end.
    const told = new Promise<{ message: unknown; at: number }>((done) => {
      child.once("message", (message) => done({ message, at: Date.now() }));
      child.once("close", () => done({ message: undefined, at: Date.now() }));
    });
    const result = new Promise<MainJobResult>((done) =>
      child.on("close", (c) => done({ code: c, stdout: "", stderr })),
    );
    const { code } = await ended(
      { child, result },
      "the fixture started with an IPC channel, stopping on its own",
      RUN_GUARD_MS,
    );
    const { message, at } = await told;
    assert.equal(code, 1, stderr);
    assert.deepEqual(message, ENDING_MESSAGE);
    assert.equal(stderr, `a line of the stop\n${LOST_LINE}\n`);
    const before = Date.now() - at;
    assert.ok(before >= 1_000, `told only ${before} ms before it ended, not as its stop began`);
  });
});
