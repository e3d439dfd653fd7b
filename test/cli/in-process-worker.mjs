// The worker thread of run-cli.ts's in-process runs: the built command (dist/src/cli/command.js
// `runTracehop`, what the bin dist/src/cli/main.js runs) run once per request, as one run of the bin
// would run it. Plain JavaScript: a worker thread does not take tsx's loader, and the code it runs is
// the build's JavaScript anyway.
//
// workerData: `port`, the MessagePort requests come on and results go back on; `signal`, an Int32Array
// on shared memory, set to 1 and notified once a result is posted (run-cli.ts waits on it with
// Atomics.wait, so that its `run` stays synchronous, as spawnSync was).
//
// A request `{ args, input, env }`: the arguments; the text on standard input (a pipe that holds it,
// then ends; none: a pipe that ends at once, as spawnSync's); the environment, as process.env too (the
// library reads OTEL_SDK_DISABLED there). Each run starts as a process would: the library's warn-once
// state forgotten. Its result `{ code, stdout, stderr }` (stdout and stderr the bytes written, each
// chunk encoded as UTF-8 as a process's standard streams encode it), or `{ spawn: reason }` when the
// run did what only a process shows as it would (a process warning, a write to the thread's own
// standard output or error, a rejection): run-cli.ts then runs it again through the bin.
import { Buffer } from "node:buffer";
import process from "node:process";
import { setImmediate } from "node:timers";
import { URL } from "node:url";
import { workerData } from "node:worker_threads";

const { port, signal } = workerData;
/** Why the current run must be made again in a process, or undefined. */
let spawnReason;
process.on(
  "warning",
  (warning) => (spawnReason ??= `a process warning (${warning.name}: ${warning.message})`),
);
for (const stream of [process.stdout, process.stderr])
  stream.write = () => {
    spawnReason ??= "a write to the thread's own standard output or error";
    return true;
  };

let loaded;
try {
  loaded = {
    command: await import(new URL("../../dist/src/cli/command.js", import.meta.url).href),
    warnings: await import(new URL("../../dist/src/warn-once.js", import.meta.url).href),
  };
} catch (err) {
  loaded = err;
}

/** Whether a run is going on: run-cli.ts waits, blocked, for its answer. */
let running = false;
/** The number of the run going on (or the last), which its answer carries: run-cli.ts drops any other. */
let runId;

/** Posts `result` to run-cli.ts, with the run's number, and wakes it. */
function answer(result) {
  running = false;
  port.postMessage({ ...result, id: runId });
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

// A thread that ends in the middle of a run (an uncaught exception of the command, process.exit called
// by it) answers the run with why, at once: run-cli.ts, blocked in Atomics.wait, would otherwise wait
// its whole timeout, and node:test's timeouts cannot end that wait.
process.on("uncaughtException", (err) => {
  if (running) answer({ error: `the run threw where nothing caught it: ${err?.stack ?? String(err)}` });
  process.exit(1);
});
process.on("exit", (code) => {
  if (running) answer({ error: `the worker thread exited with code ${code} during the run` });
});

/** Standard input holding `bytes`, then its end: a pipe (no size), as spawnSync's `input` gives. */
function pipeOf(bytes) {
  let at = 0;
  return {
    fileSize: () => undefined,
    read: (buffer, offset, length) => {
      const n = Math.min(length, bytes.length - at);
      bytes.copy(buffer, offset, at, at + n);
      at += n;
      return n;
    },
    isPiped: () => true,
  };
}

port.on("message", async ({ id, args, input, env }) => {
  runId = id;
  if (loaded instanceof Error) return answer({ error: `cannot load the built command: ${loaded.message}` });
  const { runTracehop } = loaded.command;
  running = true;
  spawnReason = undefined;
  loaded.warnings.resetWarningsForTests();
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, env);
  const stdout = [];
  const stderr = [];
  let code;
  try {
    code = await runTracehop(args, {
      writeOut: (chunk) => void stdout.push(Buffer.from(chunk, "utf8")),
      writeErr: (chunk) => void stderr.push(Buffer.from(chunk, "utf8")),
      env: process.env,
      stdin: pipeOf(Buffer.from(input ?? "", "utf8")),
    });
  } catch (err) {
    spawnReason ??= `a rejection (${err instanceof Error ? err.message : String(err)})`;
  }
  // Warnings are emitted on a later tick: let them come before the result is taken.
  await new Promise((resolve) => setImmediate(resolve));
  if (spawnReason !== undefined) return answer({ spawn: spawnReason });
  answer({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
});
