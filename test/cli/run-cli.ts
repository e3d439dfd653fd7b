// `tracehop inspect` as a user runs it, for the CLI tests: the package's bin, the built
// dist/src/cli/main.js, in a child process, and temporary folders that are removed when their test ends.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { twoAtATime } from "../support/main-job.js";
import { tempDir } from "../support/temp-dir.js";

/** The CLI's source. */
export const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
/** The CLI as npm installs it (package.json `bin`): what every test runs. */
const BIN = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
const SRC = fileURLToPath(new URL("../../src", import.meta.url));

/**
 * The built CLI, refused when it is missing or older than a file of src/ (a test would run yesterday's
 * code): `npm test` builds first; a test file run alone needs `npm run build` before it. Running the
 * build's JavaScript rather than src/ through tsx is also a third of the start-up of each run.
 */
function builtCli(): string {
  const newest = Math.max(
    0,
    ...readdirSync(SRC, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs),
  );
  const built = statSync(BIN, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  if (built < newest)
    throw new Error(
      `test/cli runs the built CLI (${BIN}), which is ${built < 0 ? "missing" : "older than src/"}: ` +
        "run npm run build first (npm test does)",
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
 * Runs the CLI with `args` to its end, `input` written to its standard input, in `env` (default: this
 * process's); killed after `timeoutMs` when given (its `code` is then `null`: a run that would not end).
 */
export function run(
  args: string[],
  input?: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs?: number,
): CliResult {
  const result = spawnSync(process.execPath, [...NODE_ARGS, ...args], {
    input,
    encoding: "utf8",
    env,
    timeout: timeoutMs,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
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
 * then closed; `env`, else this process's environment), two at a time (`twoAtATime`: the CLI's start-up is on the
 * CPU, and the suite's machine has two), and resolves to their results in the order of `runs`. For a test
 * that checks many independent runs: its assertions, made afterwards in order, are those of one run
 * after another.
 */
export function runMany(runs: readonly CliRun[]): Promise<CliResult[]> {
  return twoAtATime(
    runs.map(({ args, input, env = process.env }) => () => {
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

/**
 * Runs the CLI with `args` to its end after `preload`, JavaScript run first in the same process (a
 * fault put in, as a bug in inspect would be: a test of what the CLI does with an error of its own).
 */
export function runAfter(preload: string, args: string[]): CliResult {
  const code = `data:text/javascript,${encodeURIComponent(preload)}`;
  const result = spawnSync(process.execPath, ["--import", code, ...NODE_ARGS, ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI with `args` to its end in `cwd`, standard input the open file descriptor `stdin` (default: a pipe). */
export function runIn(cwd: string, args: string[], stdin?: number): CliResult {
  const result = spawnSync(process.execPath, [...NODE_ARGS, ...args], {
    cwd,
    encoding: "utf8",
    stdio: [stdin ?? "pipe", "pipe", "pipe"],
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Starts the CLI with `args` (standard input a pipe, or ignored), for a test that writes to it or reads
 * from it while it runs; `exited` resolves once it has closed, with its exit code and standard error.
 * `preload`: JavaScript run first in the same process (as for {@link runAfter}).
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

/**
 * Runs the CLI with `args` to its end, `input` written to its standard input, in `env`, its standard
 * output the open file descriptor `stdout` (for output longer than a string can hold).
 */
export function runTo(args: string[], input: string, env: NodeJS.ProcessEnv, stdout: number) {
  const result = spawnSync(process.execPath, [...NODE_ARGS, ...args], {
    input,
    encoding: "utf8",
    env,
    stdio: ["pipe", stdout, "pipe"],
  });
  return { code: result.status, stderr: result.stderr };
}

/** Runs the CLI with `args` to its end, its standard error the open file descriptor `stderr` (one it cannot write to). */
export function runWithStderr(args: string[], stderr: number): Pick<CliResult, "code" | "stdout"> {
  const result = spawnSync(process.execPath, [...NODE_ARGS, ...args], {
    encoding: "utf8",
    stdio: ["pipe", "pipe", stderr],
  });
  return { code: result.status, stdout: result.stdout };
}

/** Runs the CLI with `args` to its end, its standard output the open file descriptor `stdout` (`/dev/full`). */
export function runWithStdout(args: string[], stdout: number): Pick<CliResult, "code" | "stderr"> {
  const result = spawnSync(process.execPath, [...NODE_ARGS, ...args], {
    encoding: "utf8",
    stdio: ["pipe", stdout, "pipe"],
  });
  return { code: result.status, stderr: result.stderr };
}

/** A new temporary folder `tracehop-inspect-*`, removed with what it holds when the test `t` ends. */
export const inspectDir = (t: TestContext): string => tempDir(t, "inspect");
