// `npm test [-- FILE… | FOLDER… | --node-test-flag…]`: every test/**/*.test.ts with node:test through tsx, two
// files at a time, or only the files given, a folder given its **/*.test.ts files (`npm test --
// test/examples/sentences.test.ts` ran the whole suite and the file again: npm appends the arguments to the
// script). Flags (`--test-name-pattern=…`, or with the value
// as the next argument, `--test-name-pattern …`, for those of VALUE_FLAGS) go to node's test runner, after
// this script's, so that `--test-concurrency=1` runs one file at a time again. The exit code is the
// runner's.
//
// Two files at a time: every test that needs a server makes what it uses its own (a PostgreSQL schema, a
// MariaDB database, queues named after a tag of its own, temporary folders, ports the system picks), so
// files do not meet; the suite's machine has two cores and most of a file's time is processes starting,
// which two files at a time overlap with another file's waits (on an idle 2-core machine: 702 s, against
// 983 s one file at a time; 471 s since the example's processes start compiled and most CLI cases run
// in-process). Three at a time was tried: on a loaded machine it failed timed stops and MariaDB writes
// that two at a time pass. A test that changes a server for everyone (a RabbitMQ setting) keeps it
// changed for seconds and puts it back (test/examples/relay-message-refused.test.ts).
//
// `--test-force-exit`: a file's process ends once its tests have, even when a failed or cancelled test left a
// handle open (a CI run hung for good on an AMQP connection a cancelled test never closed); the failure is
// still reported. `--test-timeout`: a test with no bound of its own fails after ten minutes instead of
// waiting for ever (the suite's longest file takes about three). Given again after `npm test --`, either
// flag is the runner's last word. A process ends with `process.exit()` there, which dropped what was still
// queued on its stdout (a file's last results: a run counted 3 050 tests for 3 055; the runner's summary):
// scripts/blocking-stdout.cjs, loaded into the runner and each file's process, makes their stdout's writes
// blocking, so nothing is left queued. The runner's stdout, unless a terminal, is a pipe to this process,
// which passes the report on without blocking (below): a pager left paused stalls nothing.
//
// The runner counts the results that reach it and fails nothing for one that does not: a second reporter
// (scripts/test-results-reporter.mjs, scripts/test-results.ts) counts per file the tests started and those reported, and a run where a test
// started with no result fails (exit code 1) with a line naming the file, even when every result that
// arrived passed.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { type FileTests, lostResults, RESULTS_FILE_VARIABLE } from "./test-results.js";

const ROOT = join(import.meta.dirname, "..");
/**
 * node's flags (those of its test runner and the loaders') that take a value, which may also be given as the
 * next argument (`--test-name-pattern second`): that argument is the flag's, not a file to run.
 */
const VALUE_FLAGS = new Set([
  "--test-name-pattern",
  "--test-skip-pattern",
  "--test-reporter",
  "--test-reporter-destination",
  "--test-concurrency",
  "--test-timeout",
  "--test-shard",
  "--test-coverage-include",
  "--test-coverage-exclude",
  "--test-coverage-branches",
  "--test-coverage-functions",
  "--test-coverage-lines",
  "--import",
  "--require",
  "-r",
  "--loader",
  "--experimental-loader",
  "--conditions",
  "-C",
  "--env-file",
]);
const flags: string[] = [];
const given: string[] = [];
for (const args = process.argv.slice(2); args.length > 0;) {
  const arg = args.shift()!;
  if (!arg.startsWith("-")) given.push(arg);
  else if (VALUE_FLAGS.has(arg) && args.length > 0) flags.push(arg, args.shift()!);
  else flags.push(arg);
}
// The paths given, checked before the runner starts: a folder is its test files (node 20's runner does not
// expand one: it ran no test and exited 0); a path that is neither a file nor a folder, or a folder holding no
// test file, is refused with exit code 2 (node's runner said `Could not find '…'`, then this script that its
// count of tests was lost, exit code 1). Relative paths are read from the repository's root, where npm runs its
// scripts and the runner here runs, whatever folder `npm test` was typed in.
const files: string[] = [];
const refused: string[] = [];
for (const path of given.length > 0 ? given : ["test"]) {
  const kind = pathKind(resolve(ROOT, path));
  if (kind === "file") files.push(path);
  else if (kind === "missing")
    refused.push(
      `${path} is neither a file nor a folder (paths are read from the repository's root, ${ROOT})`,
    );
  else {
    const found = testFiles(path);
    if (found.length === 0)
      refused.push(`the folder ${path} holds no test file (*.test.ts, in its subfolders too)`);
    files.push(...found);
  }
}
if (refused.length > 0) {
  // Written out before the exit (a pipe's writes may be queued).
  const said = refused.map((line) => `npm test: ${line}\n`).join("");
  await new Promise((written) => process.stderr.write(said, written));
  process.exit(2);
}
const resultsDir = mkdtempSync(join(tmpdir(), "tracehop-test-results-"));
const resultsFile = join(resultsDir, "tests.json");
// The runner's stdout: this terminal itself when it is one (the report in colour); else a pipe to this
// process, which always reads it and writes it on (see below).
const tty = process.stdout.isTTY === true;
const runner = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    "--require",
    join(ROOT, "scripts/blocking-stdout.cjs"),
    "--test",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=${join(ROOT, "scripts/test-results-reporter.mjs")}`,
    "--test-reporter-destination=stderr",
    "--test-concurrency=2",
    "--test-force-exit",
    "--test-timeout=600000",
    ...flags,
    ...files,
  ],
  {
    cwd: ROOT,
    stdio: ["inherit", tty ? "inherit" : "pipe", "inherit"],
    env: { ...process.env, [RESULTS_FILE_VARIABLE]: resultsFile },
  },
);
// Written on as it comes, never waiting for the reader: a pager left paused (`npm test | less`) then holds up
// only this process's queue (in memory, the report's few megabytes), where the runner's stdout, blocking
// (scripts/blocking-stdout.cjs) and written straight to the pager's pipe, stopped the runner, which then
// stopped reading its files' processes, whose blocking writes stopped them: the whole suite stalled. The
// runner's blocking writes to this pipe do not wait long: it is read at once. What is queued here is written
// out before this process ends: it ends by itself, not with process.exit() (test/package/run-tests.test.ts).
// A reader gone (`npm test | head`): the rest is dropped, the run goes on to its exit code.
let readerGone = false;
process.stdout.on("error", () => (readerGone = true));
runner.stdout?.on("data", (chunk: Buffer) => {
  if (!readerGone) process.stdout.write(chunk);
});
// Ctrl-C reaches the runner too (the terminal signals the whole process group); a SIGTERM or SIGHUP sent to
// this process alone is passed on. Either way this process waits for the runner, its report written out, and
// exits as a shell reports a stopped command (128 + the signal's number: 130 for Ctrl-C; node's runner ends
// 1 then), without counting the tests it stopped as results lost.
let stoppedBy: NodeJS.Signals | undefined;
for (const name of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(name, () => {
    stoppedBy ??= name;
    if (name !== "SIGINT") runner.kill(name);
  });
const { status, signal } = await new Promise<{ status: number | null; signal: NodeJS.Signals | null }>(
  (resolve) => runner.on("close", (status, signal) => resolve({ status, signal })),
);
const lost = stoppedBy === undefined ? lostTests() : [];
rmSync(resultsDir, { recursive: true, force: true });
if (lost.length > 0) {
  console.error(`\nResults lost: tests started whose result never reached the runner's summary:`);
  for (const line of lost) console.error(`  ${line}`);
}
// The runner's exit code; 1 when it passed with results lost; stopped by a signal (this process or the
// runner): the code a shell gives (128 + its number). An exit code, not process.exit(), so that the lines
// above and the report are written out first.
const stopSignal = stoppedBy ?? signal;
process.exitCode =
  stopSignal !== null
    ? 128 + constants.signals[stopSignal]
    : status === 0 && lost.length > 0
      ? 1
      : (status ?? 1);

/** `lostResults` of what the reporter wrote; its own line when it wrote nothing (the runner's process died). */
function lostTests(): string[] {
  let tests: FileTests;
  try {
    tests = JSON.parse(readFileSync(resultsFile, "utf8")) as FileTests;
  } catch (error) {
    return [`the runner wrote no count of its tests (${(error as Error).message})`];
  }
  return lostResults(tests, ROOT);
}

/** What `path` (absolute) names, following symbolic links: "missing" when nothing, or it cannot be read. */
function pathKind(path: string): "file" | "folder" | "missing" {
  try {
    return statSync(path).isDirectory() ? "folder" : "file";
  } catch {
    return "missing";
  }
}

/**
 * The test files under `folder` (as given: relative to the repository's root, or absolute), in its subfolders
 * too: every `*.test.ts`, outside `node_modules` (as node's runner searches), named from `folder` as given
 * (`test/spans/x.test.ts` for `test/spans`), sorted. The suite's files when `folder` is `test`.
 */
function testFiles(folder: string): string[] {
  const at = resolve(ROOT, folder);
  return readdirSync(at, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
    .map((entry) => relative(at, join(entry.parentPath, entry.name)))
    .filter((path) => !path.split(sep).includes("node_modules"))
    .map((path) => join(folder, path))
    .sort();
}
