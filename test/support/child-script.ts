// A script run as a user runs one: an ES module (through tsx) in a child process started from the
// repository root, so that it imports "./src/..." and the project's packages.
import {
  spawnSync,
  type SpawnSyncOptionsWithStringEncoding,
  type SpawnSyncReturns,
} from "node:child_process";
import { join } from "node:path";
import { RUN_GUARD_MS } from "./main-job.js";

/** The repository root, the child's working folder. */
export const ROOT = join(import.meta.dirname, "../..");

/** This process's environment without any OTEL_* or TRACEHOP_* variable: a child configured by its test alone. */
export const envWithoutOtel = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(OTEL_|TRACEHOP_)/.test(key)));

/**
 * Runs `lines` (joined by newlines) as an ES module in a child process from {@link ROOT}, with `env`
 * as its whole environment; its status, signal, stdout and stderr (UTF-8). Bounded by the hang guard, as
 * {@link spawnSyncGuarded} bounds it.
 */
export function runModuleScript(lines: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSyncGuarded(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", lines.join("\n")],
    { cwd: ROOT, env },
    "a module script run in a child process",
  );
}

/**
 * `spawnSync(command, args, options)`, UTF-8, for a child that ends by itself: its status, signal, stdout and
 * stderr. Bounded by {@link RUN_GUARD_MS} (a hang guard, not a speed test: far past what a loaded machine
 * takes): a child still running then is killed (SIGKILL, which it cannot outlive nor hand on; the children
 * these tests run start no process of their own) and this throws an Error naming `what` hung, with what it
 * wrote so far. (A fixed 30 s kill failed a healthy run on a loaded machine, as a status null that said
 * nothing of a hang.)
 */
export function spawnSyncGuarded(
  command: string,
  args: readonly string[],
  options: Omit<SpawnSyncOptionsWithStringEncoding, "encoding" | "timeout" | "killSignal">,
  what: string,
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    ...options,
    encoding: "utf8",
    timeout: RUN_GUARD_MS,
    killSignal: "SIGKILL",
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT")
    throw new Error(
      `gave up after ${RUN_GUARD_MS} ms (a hang guard) waiting for ${what} to end (killed); ` +
        `its stdout: ${JSON.stringify(result.stdout)}; its stderr: ${JSON.stringify(result.stderr)}`,
    );
  return result;
}
