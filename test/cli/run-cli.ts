// `tracehop inspect` for the CLI tests, and temporary folders that are removed when their test ends.
//
// Two ways to run it, both on the build (dist/, refused when older than src/: builtCli):
// - In-process: `run` and `runMany` call the command itself (dist/src/cli/command.js `runTracehop`, what
//   the bin runs) in a worker thread of this process, with buffers for standard output and error, the
//   input as a pipe that ends, and the environment given: a run takes milliseconds, where starting Node
//   for one takes a fifth of a second, and most tests are about what the command says. A worker thread,
//   so that `run` stays synchronous (this thread waits on it with Atomics.wait) and the command's
//   module state (the library's warn-once, process.env, process.exitCode) is never this process's; each
//   run forgets the warnings given, as a new process would. A run that shows what only a process shows (a
//   process warning, a write to the thread's own standard output or error, a rejection:
//   in-process-worker.mjs) is made again through the bin. Files are named relative to this process's
//   directory, as a child process started here would read them.
// - Through the bin, dist/src/cli/main.js (package.json `bin`) in a child process, as a user runs it,
//   wherever the process itself is under test: `run` with a timeout, or with arguments or an environment
//   too large to start a process with (E2BIG); `runBin` with its options (another directory; a fault
//   preloaded; file descriptors as standard streams, such as /dev/full, or output larger than a string),
//   and for a test whose value is the process's (what overflows its stack: a worker thread's is larger)
//   and a few ordinary cases (inspect.test.ts, "tracehop inspect through the bin": its output and exit
//   codes, compared with the in-process runs'), so that the bin's wiring of its arguments, streams,
//   environment and exit code stays tested end to end; `start` (signals, pipes held open, a reader that
//   stops).
// TRACEHOP_TEST_CLI_SPAWN=1 runs every case through the bin, as all did before the in-process runs.
import { spawn, spawnSync } from "node:child_process";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { staleBuild } from "../support/build.js";
import { twoAtATime } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";

/** The CLI's source. */
export const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
/** The CLI as npm installs it (package.json `bin`): what the tests of a process run. */
const BIN = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
const WORKER = new URL("./in-process-worker.mjs", import.meta.url);

/**
 * The built CLI, refused when the package's build (the bin, the command) is missing or older than a file of
 * src/ (a test would run yesterday's code: build.ts staleBuild): `npm test` builds first; a test file run
 * alone needs `npm run build` before it. Running the build's JavaScript rather than src/ through tsx is
 * also a third of the start-up of each run through the bin.
 */
function builtCli(): string {
  const stale = staleBuild("package");
  if (stale !== undefined)
    throw new Error(
      `test/cli runs the built CLI (${BIN}): ${stale}; run npm run build first (npm test does)`,
    );
  return BIN;
}

/** Node's arguments before the CLI's. */
const NODE_ARGS = [builtCli()];

/** What a run of the CLI ended with. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI with `args` to its end, `input` written to its standard input (then closed; none: closed
 * at once), in `env` (default: this process's), and returns its exit code and what it wrote. In-process
 * (the module header), unless `timeoutMs` is given: then through the bin, killed after `timeoutMs` (its
 * `code` is then `null`: a run that would not end).
 */
export function run(
  args: string[],
  input?: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs?: number,
): CliResult {
  return (
    (timeoutMs === undefined ? runInProcess(args, input, env) : undefined) ??
    runBin(args, { input, env, timeoutMs })
  );
}

/** How {@link runBin} starts the bin; every field optional. */
export interface BinOptions {
  /** Written to its standard input, which is then closed (none: closed at once). */
  input?: string;
  /** Its environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Killed after this many ms (its `code` is then `null`: a run that would not end). */
  timeoutMs?: number;
  /** Its working folder (default: this process's). */
  cwd?: string;
  /**
   * Open file descriptors for its standard input, output or error instead of pipes (a folder, /dev/full,
   * a file opened read-only, a file for output longer than a string can hold); a stream given so reads
   * as "" in the result. `stdin` replaces `input`.
   */
  stdin?: number;
  stdout?: number;
  stderr?: number;
  /**
   * JavaScript run first in the same process (`--import` of a data: URL): a fault put in, as a bug in
   * inspect would be, for a test of what the CLI does with an error of its own.
   */
  preload?: string;
}

/**
 * Runs the CLI with `args` to its end through the bin, in a child process started as `options` says, and
 * returns its exit code and what it wrote: {@link run}'s runs that need a process (a timeout), a test whose
 * value is the process's (what overflows its stack), one in another folder, with a fault preloaded or with
 * file descriptors as its streams, and the few ordinary cases that keep the bin's wiring (its arguments,
 * standard streams, environment and exit code) tested end to end.
 */
export function runBin(args: string[], options: BinOptions = {}): CliResult {
  const { input, env = process.env, timeoutMs, cwd, stdin, stdout, stderr, preload } = options;
  const first =
    preload === undefined ? [] : ["--import", `data:text/javascript,${encodeURIComponent(preload)}`];
  const result = spawnSync(process.execPath, [...first, ...NODE_ARGS, ...args], {
    input: stdin === undefined ? input : undefined,
    encoding: "utf8",
    env,
    cwd,
    timeout: timeoutMs,
    stdio: [stdin ?? "pipe", stdout ?? "pipe", stderr ?? "pipe"],
  });
  return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** One run of {@link runMany}: the CLI's arguments and what is written to its standard input. */
export interface CliRun {
  args: string[];
  input?: string;
  /** The CLI's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the CLI once for each of `runs`, as {@link run} does (`input` written to standard input, which is
 * then closed; `env`, else this process's environment), and resolves to their results in the order of
 * `runs`. A run made through the bin (one that shows what only a process shows) is made two at a time
 * with the others (`twoAtATime`: the CLI's start-up is on the CPU, and the suite's machine has two). For
 * a test that checks many independent runs: its assertions, made afterwards in order, are those of one
 * run after another.
 */
export function runMany(runs: readonly CliRun[]): Promise<CliResult[]> {
  return twoAtATime(
    runs.map(({ args, input, env = process.env }) => async () => {
      const inProcess = runInProcess(args, input, env);
      if (inProcess !== undefined) return inProcess;
      const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
        env,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
      child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
      // A CLI that exits before reading all of it closes the pipe: not this run's failure.
      child.stdin.on("error", () => undefined);
      child.stdin.end(input);
      return new Promise<CliResult>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    }),
  );
}

/** Every case through the bin (TRACEHOP_TEST_CLI_SPAWN=1), to compare with the in-process runs. */
const SPAWN_ALL = process.env.TRACEHOP_TEST_CLI_SPAWN === "1";

/**
 * How long one in-process run may take before its worker is taken for lost: this thread waits on it
 * blocked, where node:test's timeouts cannot end the wait.
 */
const IN_PROCESS_TIMEOUT_MS = 120_000;

/**
 * Linux's limits on what a process is started with (execve's E2BIG), in bytes: one argument or one
 * `NAME=value` of its environment (MAX_ARG_STRLEN, 32 pages with the terminating NUL), and a bound
 * under all of them together (ARG_MAX: a quarter of the stack limit, 2 MiB under the usual 8 MiB).
 * A run past them, or with a NUL (which spawn refuses), is left to the bin, to fail as it would.
 */
const MAX_ARG_BYTES = 128 * 1024;
const MAX_ALL_ARGS_BYTES = 1024 * 1024;

/** The worker thread of the in-process runs (in-process-worker.mjs), its port and its wake-up word. */
interface InProcessWorker {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

/** What in-process-worker.mjs answers a run with. */
type WorkerReply =
  { code: number; stdout: Uint8Array; stderr: Uint8Array } | { spawn: string } | { error: string };

let inProcessWorker: InProcessWorker | undefined;
/** How many in-process runs were asked for: the number of the last ({@link runInProcess}). */
let requests = 0;

/** The worker of the in-process runs, started at the first (it loads the built command once). */
function startedWorker(): InProcessWorker {
  if (inProcessWorker !== undefined) return inProcessWorker;
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  // execArgv: none of this process's (tsx's loader): the worker runs the build's JavaScript.
  const worker = new Worker(WORKER, {
    workerData: { port: port2, signal },
    transferList: [port2],
    execArgv: [],
  });
  // Neither keeps this process alive; a worker that failed is started again at the next run.
  worker.unref();
  port1.unref();
  const started: InProcessWorker = { worker, port: port1, signal };
  worker.on("exit", () => {
    if (inProcessWorker === started) inProcessWorker = undefined;
  });
  inProcessWorker = started;
  return started;
}

/** `text` as a process gets it: encoded as UTF-8 (a lone surrogate becomes U+FFFD). */
const asProcessGets = (text: string): string => Buffer.from(text, "utf8").toString("utf8");

/**
 * `env` as a child process is started with it: each name and value a string as a process gets it, a
 * name whose value is `undefined` left out.
 */
function processEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined) strings[asProcessGets(name)] = asProcessGets(String(value));
  return strings;
}

/**
 * The run of the CLI with `args`, `input` on standard input and `env`, made in-process by the worker;
 * `undefined` when it is one for the bin: every run under TRACEHOP_TEST_CLI_SPAWN=1, arguments or an
 * environment a process could not be started with ({@link MAX_ARG_BYTES}), and a run that showed what
 * only a process shows (in-process-worker.mjs).
 * @throws Error when the worker cannot load the built command or does not answer within
 *   {@link IN_PROCESS_TIMEOUT_MS}.
 */
function runInProcess(
  args: readonly string[],
  input: string | undefined,
  env: NodeJS.ProcessEnv,
): CliResult | undefined {
  if (SPAWN_ALL) return undefined;
  const strings = processEnv(env);
  const all = [...args, ...Object.entries(strings).map(([name, value]) => `${name}=${value}`)];
  const sizes = all.map((text) => Buffer.byteLength(text) + 1);
  if (
    all.some((text) => text.includes("\0")) ||
    sizes.some((size) => size > MAX_ARG_BYTES) ||
    sizes.reduce((sum, size) => sum + size, 0) > MAX_ALL_ARGS_BYTES
  )
    return undefined;
  const { worker, port, signal } = startedWorker();
  // Each request numbered, its answer carrying the number: an answer of an earlier run that came late is
  // dropped, never taken for this run's (a run woken at once, "not-equal", found no answer on the port, and
  // the runs after it each got the one before's result).
  const id = ++requests;
  Atomics.store(signal, 0, 0);
  port.postMessage({ id, args: args.map(asProcessGets), input, env: strings });
  const deadline = Date.now() + IN_PROCESS_TIMEOUT_MS;
  let reply: WorkerReply | undefined;
  for (;;) {
    for (let got = receiveMessageOnPort(port); got !== undefined; got = receiveMessageOnPort(port)) {
      const message = got.message as WorkerReply & { id?: number };
      if (message.id === id) reply = message;
    }
    if (reply !== undefined) break;
    const left = deadline - Date.now();
    if (left <= 0) {
      void worker.terminate();
      inProcessWorker = undefined;
      throw new Error(
        `the in-process CLI (${WORKER.pathname}) did not answer within ${IN_PROCESS_TIMEOUT_MS} ms`,
      );
    }
    // Woken by the signal (the answer is posted before it is set), or every 50 ms to look at the port again:
    // a woken run once found no answer on it yet.
    Atomics.wait(signal, 0, 0, Math.min(left, 50));
    Atomics.store(signal, 0, 0);
  }
  if ("error" in reply) {
    // The worker could not load the command, or ended mid-run: the next run starts another.
    void worker.terminate();
    inProcessWorker = undefined;
    throw new Error(`the in-process CLI: ${reply.error}`);
  }
  if ("spawn" in reply) return undefined;
  const text = (bytes: Uint8Array) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  return { code: reply.code, stdout: text(reply.stdout), stderr: text(reply.stderr) };
}

/**
 * Starts the CLI with `args` (standard input a pipe, or ignored), for a test that writes to it or reads
 * from it while it runs; `exited` resolves once it has closed, with its exit code and standard error.
 * `preload`: JavaScript run first in the same process (as {@link BinOptions.preload}).
 */
export function start(args: string[], stdin: "pipe" | "ignore", preload?: string) {
  const first =
    preload === undefined ? [] : ["--import", `data:text/javascript,${encodeURIComponent(preload)}`];
  const child = spawn(process.execPath, [...first, ...NODE_ARGS, ...args], {
    stdio: [stdin, "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stderr })),
  );
  return { child, exited };
}

/** A new temporary folder `tracehop-inspect-*`, removed with what it holds when the test `t` ends. */
export const inspectDir = (t: TestContext): string => tempDir(t, "inspect");
