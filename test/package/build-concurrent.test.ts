// `npm start` and `npm test` build dist/ by one rule (scripts/build.ts --if-stale), so that either after the
// other builds nothing (a new user's README order, npm start then npm test, rebuilt everything: about 100 s),
// and builds started together (two terminals, an editor's task, CI steps) take turns under one lock
// (scripts/build-lock.ts) rather than removing and writing each other's dist/. The real scripts, the real tsc,
// on a package of one export and an example of one file.
import assert from "node:assert/strict";
import { execFileSync, execSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { BUILD_LOCK } from "../../scripts/build-lock.js";
import { buildStaleness } from "../../scripts/build.js";
import { HANG_GUARD_MS } from "../examples/tcp-servers.js";
import { signalOwnGroup } from "../support/process-group.js";
import { tempDir } from "../support/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};

/** A clone in miniature: the project's package.json, tsconfigs and build scripts; one export, one example. */
function miniClone(t: Parameters<typeof tempDir>[0], prefix: string): string {
  const dir = tempDir(t, prefix);
  for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json", "tsconfig.examples.json"])
    cpSync(join(ROOT, file), join(dir, file));
  mkdirSync(join(dir, "scripts"));
  for (const file of ["build.ts", "build-lock.ts"])
    cpSync(join(ROOT, "scripts", file), join(dir, "scripts", file));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "examples/preprocess"), { recursive: true });
  writeFileSync(join(dir, "src/index.ts"), "export const greeting = 'hello';\n");
  writeFileSync(
    join(dir, "examples/preprocess/main.ts"),
    'import { greeting } from "tracehop";\nconsole.log(greeting);\n',
  );
  return dir;
}

/**
 * The steps of npm script `name` that build dist/ (all but the Prisma generation, which needs the real schemas,
 * the run of the example and the test runner).
 */
function buildSteps(name: string): string[] {
  const steps = scripts[name]!.split(" && ").filter(
    (step) =>
      !step.includes("prisma-generate") && !step.startsWith("node dist/") && !step.includes("run-tests"),
  );
  assert.ok(steps.length > 0, `npm ${name} has no build step: ${scripts[name]}`);
  return steps;
}

/** Runs `steps` as npm would (a shell, in `dir`); what they printed. */
function runSteps(dir: string, steps: string[]): string {
  return steps.map((step) => execSync(step, { cwd: dir, encoding: "utf8" })).join("");
}

/** Each output file of dist/ with the time it was written: a compile writes them all again. */
function writtenTimes(dir: string): Record<string, number> {
  return Object.fromEntries(
    ["dist/src/index.js", "dist/example/examples/preprocess/main.js", "dist/build-stamp.json"].map((file) => [
      file,
      statSync(join(dir, file)).mtimeMs,
    ]),
  );
}

const exampleSays = (dir: string) =>
  execFileSync(process.execPath, ["dist/example/examples/preprocess/main.js"], {
    cwd: dir,
    encoding: "utf8",
  });

test("npm start's build then npm test's build: the second compiles nothing; a changed source is built by either", (t) => {
  const dir = miniClone(t, "start-then-test");
  const start = buildSteps("start");
  const tests = buildSteps("test");
  assert.ok(!/\btsc\b/.test(scripts.start!), `npm start runs tsc itself: ${scripts.start}`);

  let out = runSteps(dir, start);
  assert.match(out, /building dist\/ whole/);
  assert.equal(exampleSays(dir), "hello\n");
  const built = writtenTimes(dir);

  // npm test right after npm start (the README's order): no compile.
  out = runSteps(dir, tests);
  assert.equal(out, "build: dist/ is up to date with the sources (npm run build rebuilds it whole)\n");
  assert.deepEqual(writtenTimes(dir), built);

  // npm start again: no compile either.
  out = runSteps(dir, start);
  assert.match(out, /dist\/ is up to date/);
  assert.deepEqual(writtenTimes(dir), built);

  // A source edited: npm start builds it, and npm test after it does not build again.
  writeFileSync(join(dir, "src/index.ts"), "export const greeting = 'bonjour';\n");
  out = runSteps(dir, start);
  assert.match(
    out,
    /src\/, examples\/, generated\/ or the build's configuration changed: building dist\/ whole/,
  );
  assert.equal(exampleSays(dir), "bonjour\n");
  const rebuilt = writtenTimes(dir);
  assert.match(runSteps(dir, tests), /dist\/ is up to date/);
  assert.deepEqual(writtenTimes(dir), rebuilt);

  // And the other way round: npm test builds the change, npm start after it does not.
  writeFileSync(
    join(dir, "examples/preprocess/main.ts"),
    'import { greeting } from "tracehop";\nconsole.log(`${greeting}!`);\n',
  );
  assert.match(runSteps(dir, tests), /building dist\/ whole/);
  const again = writtenTimes(dir);
  assert.match(runSteps(dir, start), /dist\/ is up to date/);
  assert.deepEqual(writtenTimes(dir), again);
  assert.equal(exampleSays(dir), "bonjour!\n");
});

/** Starts scripts/build.ts with `args` in `dir`; resolves with its exit code and output once it ends. */
function startBuild(dir: string, args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/build.ts", ...args], { cwd: dir });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const ended = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, output })),
  );
  return { child, ended, output: () => output };
}

/** The pid in the lock file at `path`, `undefined` while there is none (or it is being written). */
function lockPid(path: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { pid?: number }).pid;
  } catch {
    return undefined;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two builds of `dir` with `args` that certainly overlap, whatever the machine's load: the first is stopped
 * (SIGSTOP) as soon as its lock file names it, the second started then and the first let go on (SIGCONT)
 * only once the second has said it waits. The first's compiler, if already started, may finish meanwhile:
 * the first still holds the lock until it runs again. A hang guard, not a speed bound, fails the test
 * rather than waiting for ever.
 */
async function overlappingBuilds(t: Parameters<typeof tempDir>[0], dir: string, args: string[]) {
  const lock = join(dir, BUILD_LOCK);
  const first = startBuild(dir, args);
  const firstPid = first.child.pid!;
  let firstEnded = false;
  void first.ended.then(() => (firstEnded = true));
  t.after(() => {
    first.child.kill("SIGCONT");
    first.child.kill("SIGKILL");
  });
  const guard = Date.now() + HANG_GUARD_MS;
  while (lockPid(lock) !== firstPid) {
    assert.ok(!firstEnded, `the first build ended before its lock was seen:\n${first.output()}`);
    assert.ok(Date.now() < guard, `the first build never took the lock:\n${first.output()}`);
    await pause(10);
  }
  first.child.kill("SIGSTOP");
  const second = startBuild(dir, args);
  t.after(() => second.child.kill("SIGKILL"));
  while (!second.output().includes("\n")) {
    assert.ok(Date.now() < guard, `the second build said nothing:\n${second.output()}`);
    await pause(50);
  }
  first.child.kill("SIGCONT");
  const [one, two] = await Promise.all([first.ended, second.ended]);
  return { first: one, second: two, firstPid };
}

test("two builds at once (npm test's and npm start's): one compiles, the other waits, says so, and finds dist/ up to date", async (t) => {
  const dir = miniClone(t, "build-twice");
  const { first, second, firstPid } = await overlappingBuilds(t, dir, ["--if-stale"]);
  assert.equal(first.code, 0, first.output);
  assert.equal(second.code, 0, second.output);
  assert.match(first.output, /building dist\/ whole/);
  assert.doesNotMatch(first.output, /waiting/);
  assert.doesNotMatch(second.output, /building dist\/ whole/);
  assert.match(
    second.output,
    new RegExp(
      `^build: waiting for another build of dist/ \\(process ${firstPid}, since [^)]+\\) to finish; it holds \\.tmp/build\\.lock\\n` +
        "build: dist/ is up to date",
    ),
  );
  assert.equal(buildStaleness(dir), undefined);
  assert.equal(exampleSays(dir), "hello\n");
  assert.ok(!existsSync(join(dir, BUILD_LOCK)), "the lock stayed after both builds");
});

test("two whole builds at once (npm run build twice): they take turns, and the stamp fits the dist/ left", async (t) => {
  const dir = miniClone(t, "build-whole-twice");
  const { first, second, firstPid } = await overlappingBuilds(t, dir, []);
  assert.equal(first.code, 0, first.output);
  assert.equal(second.code, 0, second.output);
  // A whole build says nothing; the second said only that it waited for the first, then built in turn.
  assert.equal(first.output, "");
  assert.match(
    second.output,
    new RegExp(
      `^build: waiting for another build of dist/ \\(process ${firstPid}, since [^)]+\\) to finish; it holds \\.tmp/build\\.lock\\n$`,
    ),
  );
  assert.equal(buildStaleness(dir), undefined);
  assert.equal(exampleSays(dir), "hello\n");
});

test("a build waits while the lock's holder runs, and takes over a lock whose holder no longer runs", async (t) => {
  const dir = miniClone(t, "build-lock-held");
  mkdirSync(join(dir, ".tmp"));
  const lock = join(dir, BUILD_LOCK);
  // Held by this test's process, which runs: the build waits, and says for whom.
  writeFileSync(
    lock,
    JSON.stringify({
      pid: process.pid,
      host: hostname(),
      what: "editor's build",
      since: "then",
      token: "t1",
    }),
  );
  const build = startBuild(dir, ["--if-stale"]);
  while (!build.output().includes("\n")) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(
    build.output(),
    `build: waiting for another editor's build (process ${process.pid}, since then) to finish; it holds .tmp/build.lock\n`,
  );
  assert.ok(!existsSync(join(dir, "dist")), "the build went on while the lock was held");
  // Released: it builds.
  writeFileSync(
    lock,
    JSON.stringify({
      pid: 2 ** 22 + 1,
      host: hostname(),
      what: "build of dist/",
      since: "then",
      token: "t2",
    }),
  );
  const { code, output } = await build.ended;
  assert.equal(code, 0, output);
  assert.match(
    output,
    /\nbuild: \.tmp\/build\.lock was left by process 4194305 \(build of dist\/\), which no longer runs: taking it over\nbuild: dist\/ has no build stamp/,
  );
  assert.equal(exampleSays(dir), "hello\n");
  assert.ok(!existsSync(lock));
});

test("a lock file that names no holder (left empty by a crash or a full disk) is said, with the fix, not waited on silently", async (t) => {
  const dir = miniClone(t, "build-lock-empty");
  mkdirSync(join(dir, ".tmp"));
  const lock = join(dir, BUILD_LOCK);
  // What a machine that stopped right after the lock's creation (its text not yet on disk), or a write that
  // failed (ENOSPC), leaves: the file, empty.
  writeFileSync(lock, "");
  const build = startBuild(dir, ["--if-stale"]);
  // A hang guard, not a speed bound: without the line the build waits for ever, saying nothing.
  const guard = Date.now() + HANG_GUARD_MS;
  while (!build.output().includes("\n") && Date.now() < guard)
    await new Promise((resolve) => setTimeout(resolve, 50));
  build.child.kill("SIGKILL");
  await build.ended;
  assert.equal(
    build.output(),
    "build: waiting for .tmp/build.lock, which names no holder (a build starting, or one stopped by a crash or a full disk " +
      "while it wrote the file): if no build of this clone runs, remove .tmp/build.lock\n",
  );
  assert.ok(!existsSync(join(dir, "dist")), "the build went on while the lock was there");
});

/** The command lines of process `pid`'s children (Linux: /proc), empty when it has none or has ended. */
function childCommands(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter((child) => child !== "")
      .map((child) => {
        try {
          return readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").join(" ");
        } catch {
          return "";
        }
      });
  } catch {
    return [];
  }
}

/**
 * Starts a whole build of a new mini clone in a process group of its own, as a shell starts a command, and
 * resolves once its tsc runs (a child process whose command names tsc); a hang guard, not a speed bound.
 */
async function buildRunningTsc(t: Parameters<typeof tempDir>[0], prefix: string) {
  const dir = miniClone(t, prefix);
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/build.ts"], {
    cwd: dir,
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  t.after(() => signalOwnGroup(child, "SIGKILL"));
  const guard = Date.now() + HANG_GUARD_MS;
  while (!childCommands(child.pid!).some((command) => command.includes("typescript/bin/tsc"))) {
    assert.equal(child.exitCode, null, `the build ended before its tsc was seen:\n${output}`);
    assert.ok(Date.now() < guard, `the build's tsc never ran:\n${output}`);
    await pause(10);
  }
  return { dir, child, ended, output: () => output };
}

test("a build stopped during its tsc exits as a shell expects (Ctrl-C 130, SIGTERM 143), its lock released and no stamp written", async (t) => {
  // Ctrl-C: SIGINT to the whole foreground process group (the build and its tsc); `kill -TERM -PGID` the same
  // for SIGTERM; `kill PID`: SIGTERM to the build's process alone, its tsc left running.
  for (const [signal, code, group] of [
    ["SIGINT", 130, true],
    ["SIGTERM", 143, true],
    ["SIGTERM", 143, false],
  ] as const) {
    const build = await buildRunningTsc(t, `build-${signal}-${group ? "group" : "alone"}`);
    if (group) assert.ok(signalOwnGroup(build.child, signal), "the build ended before its signal");
    else build.child.kill(signal);
    const end = await build.ended;
    const what = `${signal} to the ${group ? "process group" : "build alone"}`;
    assert.deepEqual(end, { code, signal: null }, `${what}:\n${build.output()}`);
    assert.ok(!existsSync(join(build.dir, BUILD_LOCK)), `${what}: the lock stayed`);
    assert.equal(
      buildStaleness(build.dir),
      "dist/ has no build stamp (not built yet, or its last build failed)",
      `${what}: a stopped build was recorded as built`,
    );
  }
});
