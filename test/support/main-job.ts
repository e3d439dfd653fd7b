// The main job (examples/preprocess/main.ts: api, relay and worker in three processes) run as a user
// runs it (`npm start`: compiled, build.ts), for the end-to-end tests.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
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

/** What a run of the main job ended with. */
export interface MainJobResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the main job with `args` (the document files) from the repository root, `env` added to this
 * process's environment. A hang guard for the 120 s suites: a main.ts still running after 100 s is
 * killed, and the exit-code assertion fails with a null code instead of the run hanging.
 */
export function runMainJob(args: string[], env: Record<string, string>): Promise<MainJobResult> {
  return runExample("main", args, env, 100_000);
}

/**
 * Runs one script of the main job, `examples/preprocess/<name>.ts` (`main`, or `api`, `relay`, `worker`
 * alone, as started by hand), with `args` from the repository root and `env` added to this process's
 * environment; killed after `timeoutMs` (the result's code is then null).
 */
export function runExample(
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<MainJobResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...exampleArgs(name), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => done({ code, stdout, stderr }));
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

/** The `timeoutMs` of {@link startExample} that arms no kill timer (Node's `spawn` arms none for 0). */
export const NO_KILL_TIMER = 0;

/**
 * Starts `examples/preprocess/<name>.ts` (with `args`) as {@link runExample} does, but returns at once: the test waits
 * for `ready`, signals `child` and awaits `result`. Killed (SIGKILL) after `timeoutMs` (the result's code is
 * then null); never by a timer when `timeoutMs` is {@link NO_KILL_TIMER}: the test then bounds each of its
 * waits with the hang guard (`within(run.ready, HANG_GUARD_MS, …)`, `until`), which says what it waited for,
 * and kills the process in a `finally`. A fixed kill bounds the whole run by the machine's speed instead.
 */
export function startExample(
  name: string,
  env: Record<string, string>,
  timeoutMs: number,
  args: string[] = [],
): RunningExample {
  const child = spawn(process.execPath, [...exampleArgs(name), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
    // The test's SIGTERM is what is under test: the hang guard must not depend on it.
    killSignal: "SIGKILL",
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d) => {
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
