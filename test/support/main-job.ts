// The main job (examples/preprocess/main.ts: api, relay and worker in three processes) run as a user
// runs it (`npm start`: compiled, build.ts), for the end-to-end tests.
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { after } from "node:test";
import { HANG_GUARD_MS, within } from "../examples/tcp-servers.js";
import { exampleArgs } from "./build.js";

const ROOT = join(import.meta.dirname, "../..");

/**
 * Calls each of `starts` (each starts a process and resolves once it has ended), at most two at a time,
 * and resolves to their results in order. A process of the example spends its start-up on the CPU: the
 * suite's machine has two, so two at a time take half the time of one after another, while more at once
 * would only stretch each start towards its hang guard on a loaded machine.
 */
export async function twoAtATime<T>(starts: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const lane = async () => {
    while (next < starts.length) {
      const i = next++;
      results[i] = await starts[i]!();
    }
  };
  await Promise.all([lane(), lane()]);
  return results;
}

/** The processes started by {@link spawnTracked} that have not ended yet. */
const running = new Set<ChildProcess>();

/**
 * `roots` and every process descended from them, from the process list (`ps`): main.ts starts the api,
 * relay and worker in process groups of their own (detached), so that its group does not hold them.
 */
function withDescendants(roots: readonly number[]): number[] {
  let table: string;
  try {
    table = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" });
  } catch {
    return [...roots];
  }
  const pairs = table
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found = [...roots];
  for (let i = 0; i < found.length; i++)
    for (const [pid, ppid] of pairs) if (ppid === found[i] && !found.includes(pid)) found.push(pid);
  return found;
}

/**
 * Kills (SIGKILL) `children`, the processes they started, and each one's process group: all listed before
 * any is killed (a process whose parent is killed is adopted by init, and no longer found under it).
 */
function killTrees(children: Iterable<ChildProcess>): void {
  const pids = withDescendants([...children].map((child) => child.pid!));
  for (const pid of pids)
    for (const target of [-pid, pid])
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // Gone already, or no group of that id (ESRCH).
      }
}

/** Kills every process still running that a test of this file started: none outlives the file. */
function killAll(): void {
  killTrees(running);
  running.clear();
}

// Whatever happens to the test (a failed assertion before its `finally`, a suite cancelled by its timeout, the
// file's process ended by a signal), its processes end with the file: a process left running keeps the file's
// own process alive (its pipes), so that the whole run hangs, saying nothing.
after(killAll);
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });

/**
 * `spawn(command, args, options)`, the process in a process group of its own (`detached`, not `unref`-ed),
 * killed with that group and the processes it started (SIGKILL) when the test file ends, whatever ended it:
 * the tests' root `after` hook, the process's `exit`, or SIGINT, SIGTERM or SIGHUP (then raised again). A test still stops the processes it
 * started itself, in a `finally`; this only keeps a failure or a hang from leaving one running.
 */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid !== undefined) {
    running.add(child);
    child.on("exit", () => running.delete(child));
  }
  return child;
}

/**
 * The bound of a run of one of the example's processes to its end ({@link runExample}, {@link runMainJob}): two
 * hang guards (a run is a start and a stop, each bounded by a guard where the test waits for it by hand).
 * A hang guard, not a speed test: past it the run is killed and the test fails saying which run hung.
 */
export const RUN_GUARD_MS = 2 * HANG_GUARD_MS;

/** What a run of the main job ended with. */
export interface MainJobResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the main job with `args` (the document files) from the repository root, `env` added to this
 * process's environment, as {@link runExample} runs it (bounded by {@link RUN_GUARD_MS}, a hang guard).
 */
export function runMainJob(args: string[], env: Record<string, string>): Promise<MainJobResult> {
  return runExample("main", args, env);
}

/**
 * Runs one script of the main job, `examples/preprocess/<name>.ts` (`main`, or `api`, `relay`, `worker`
 * alone, as started by hand), with `args` from the repository root and `env` added to this process's
 * environment, and resolves to how it ended. Throws at once when the build is missing or stale
 * (`exampleArgs`). A run still going after {@link RUN_GUARD_MS} (a hang guard, not a speed test) is killed
 * with its process group, and the promise rejects saying which run hung, with what it wrote so far.
 */
export function runExample(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<MainJobResult> {
  const command = [...exampleArgs(name), ...args];
  return new Promise((done, fail) => {
    const child = spawnTracked(process.execPath, command, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const guard = setTimeout(() => {
      killTrees([child]);
      fail(
        new Error(
          `gave up after ${RUN_GUARD_MS} ms (a hang guard) waiting for node ${command.join(" ")} to end; ` +
            `its stdout: ${JSON.stringify(stdout)}; its stderr: ${JSON.stringify(stderr)}`,
        ),
      );
    }, RUN_GUARD_MS);
    // On "close", not "exit": every line the process wrote, its last one too, has been read by then.
    child.on("close", (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}

/** One script of the main job started by hand and still running, for tests that stop it themselves. */
export interface RunningExample {
  child: ChildProcess;
  /** The first stdout line ending in READY; rejects when the process exits before it. */
  ready: Promise<string>;
  /** How it ended. */
  result: Promise<MainJobResult>;
}

/**
 * Starts `examples/preprocess/<name>.ts` (with `args`) as {@link runExample} does, but returns at once: the test waits
 * for `ready`, signals `child` and awaits `result`. No timer kills it: the test bounds each of its waits with the
 * hang guard (`within(run.ready, HANG_GUARD_MS, …)`, `until`, {@link ended}), which says what it waited for, and
 * stops the process in a `finally`; the process is killed with the file's end whatever happens
 * ({@link spawnTracked}). (A fixed kill bounded the whole run by the machine's speed instead, and said nothing of
 * what hung.)
 */
export function startExample(name: string, env: Record<string, string>, args: string[] = []): RunningExample {
  const child = spawnTracked(process.execPath, [...exampleArgs(name), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      stdout += d;
      const line = stdout.split("\n").find((l) => l.endsWith("READY"));
      if (line !== undefined) resolve(line);
    });
    child.on("exit", (code) => reject(new Error(`${name} exited with code ${code} before READY: ${stderr}`)));
  });
  ready.catch(() => undefined);
  // On "close", not "exit": every line the process wrote, its last one too, has been read by then.
  const result = new Promise<MainJobResult>((done) =>
    child.on("close", (code) => done({ code, stdout, stderr })),
  );
  return { child, ready, result };
}

/**
 * How `run` ended, waited for within `ms` from this call ({@link HANG_GUARD_MS} unless said: a hang guard, not a
 * speed test; the test has told it to stop, or knows it ends by itself; {@link RUN_GUARD_MS} for a whole run, its
 * start and its stop, that the test did not start with {@link startExample}). Past that the process is killed with
 * what it started, and the promise rejects with the guard's error, which names `what` it waited for.
 */
export async function ended(
  run: Pick<RunningExample, "child" | "result">,
  what: string,
  ms = HANG_GUARD_MS,
): Promise<MainJobResult> {
  try {
    return await within(run.result, ms, what);
  } catch (error) {
    killTrees([run.child]);
    throw error;
  }
}

/** Whether a process `pid` still runs (signal 0: delivered to none, refused for a pid that is gone). */
export function runs(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pid of the main job's process `name` (`api`, `relay`, `worker`), a child of the main job `mainPid`,
 * read from the process list (`ps`); undefined when there is none.
 */
export async function childPid(mainPid: number, name: string): Promise<number | undefined> {
  const { stdout } = await promisify(execFile)("ps", ["-o", "pid=,args=", "--ppid", String(mainPid)]);
  // main.ts starts api.ts through tsx, or api.js compiled (exampleArgs).
  const line = stdout.split("\n").find((l) => new RegExp(`examples/preprocess/${name}\\.[jt]s\\b`).test(l));
  return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0]);
}
