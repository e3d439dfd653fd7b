// A script run as a user runs one: an ES module (through tsx) in a child process started from the
// repository root, so that it imports "./src/..." and the project's packages.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { join } from "node:path";

/** The repository root, the child's working folder. */
export const ROOT = join(import.meta.dirname, "../..");

/** This process's environment without any OTEL_* or TRACEHOP_* variable: a child configured by its test alone. */
export const envWithoutOtel = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(OTEL_|TRACEHOP_)/.test(key)));

/**
 * Runs `lines` (joined by newlines) as an ES module in a child process from {@link ROOT}, with `env`
 * as its whole environment; its status, signal, stdout and stderr (UTF-8). Bounded: a child still
 * running after 30 s is killed (signal SIGTERM, status null) instead of hanging the suite.
 */
export function runModuleScript(lines: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", lines.join("\n")], {
    cwd: ROOT,
    encoding: "utf8",
    env,
    timeout: 30_000,
  });
}
