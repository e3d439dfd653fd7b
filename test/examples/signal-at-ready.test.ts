// A SIGTERM that comes while a process of the main job goes from its start-up stop to its own (tracing.ts
// stopOnSignalWhileStarting, then onShutdownSignal) stops it as any SIGTERM does. The relay and the worker
// say READY right before onShutdownSignal, and `npm start` or a test that signals one as soon as it reads
// that line sent its SIGTERM there: about one relay in ten then ran on, its SIGTERM lost (the start-up
// handlers were removed before the new ones were added, and Node drops a signal caught by a handler removed
// before the signal is dispatched), until `npm start` killed it 15 s later ("did not stop within 15000 ms:
// killed", counted as a process that ended on its own).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { stoppedLine } from "../../examples/preprocess/config.js";
import { envWithoutOtel, ROOT, spawnSyncGuarded } from "../support/child-script.js";

const FIXTURE = join(import.meta.dirname, "fixtures/signal-while-handlers-change.ts");

// No bound on the suite nor the test: the test waits synchronously for the fixture, bounded by the hang guard
// of spawnSyncGuarded (a fixed 30 s kill once, which a loaded machine could run out).
describe("a SIGTERM while a process's start-up stop gives way to its own", () => {
  test("is not lost: the process stops on it, saying so, and exits 0", () => {
    const r = spawnSyncGuarded(
      process.execPath,
      ["--import", "tsx", FIXTURE],
      { cwd: ROOT, env: envWithoutOtel() },
      "the fixture signalled at READY",
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, `stopped\n${stoppedLine("SIGTERM", 0, "relay")}\n`);
  });
});
