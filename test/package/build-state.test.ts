// `npm run build` (which `npm start` and `npm test` run when dist/ is stale) must leave the state that a
// hand-typed or an editor's `tsc -b tsconfig.build.json tsconfig.examples.json` reads
// (dist/tsconfig.build.tsbuildinfo, dist/example/tsconfig.examples.tsbuildinfo): built with `tsc -p`, it left
// none, so the first such `tsc -b` (then `npm start`'s own build) rebuilt the whole package (10 to 20 s) for
// nothing (new-user trial). And that `tsc -b` (whose rule test/support/build.ts applies) must build
// the example again when its output is gone or the package changed under it (a new-user trial: a deleted
// dist/example stayed deleted, and an export removed from src/ was a SyntaxError at a process's start).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildStaleness } from "../../scripts/build.js";
import { tempDir } from "../support/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

test("after npm run build (npm start and npm test run it when stale), a hand-typed tsc -b finds the package and the example up to date", () => {
  // --dry: what a build would do, without doing it.
  const out = execFileSync(
    process.execPath,
    [TSC, "-b", "tsconfig.build.json", "tsconfig.examples.json", "--dry"],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  for (const project of ["tsconfig.build.json", "tsconfig.examples.json"])
    assert.match(
      out,
      new RegExp(`Project '.*${project.replaceAll(".", "\\.")}' is up to date`),
      `${out.trim()}\n(run alone after a change of src/ or examples/: npm run build first, as npm test does)`,
    );
});

test("a hand-typed tsc -b builds the example again when its output is gone, or the package changed under it", (t) => {
  // The project's own tsconfigs and package.json on a package of one export and an example of one file.
  const dir = tempDir(t, "build-state");
  for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json", "tsconfig.examples.json"])
    cpSync(join(ROOT, file), join(dir, file));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "examples/preprocess"), { recursive: true });
  writeFileSync(join(dir, "src/index.ts"), "export const greeting = 'hello';\n");
  writeFileSync(
    join(dir, "examples/preprocess/main.ts"),
    'import { greeting } from "tracehop";\nconsole.log(greeting);\n',
  );
  const build = (...args: string[]) =>
    spawnSync(process.execPath, [TSC, "-b", "tsconfig.build.json", "tsconfig.examples.json", ...args], {
      cwd: dir,
      encoding: "utf8",
    });
  assert.equal(build().status, 0);
  const run = () =>
    execFileSync(process.execPath, ["dist/example/examples/preprocess/main.js"], {
      cwd: dir,
      encoding: "utf8",
    });
  assert.equal(run(), "hello\n");
  assert.match(build("--dry").stdout, /Project '.*tsconfig\.examples\.json' is up to date/);

  // Its output deleted: built again.
  rmSync(join(dir, "dist/example"), { recursive: true });
  assert.match(build("--dry").stdout, /A non-dry build would build project '.*tsconfig\.examples\.json'/);
  assert.equal(build().status, 0);
  assert.equal(run(), "hello\n");

  // The package changed: the example is compiled against it again (here a type error: the export is gone).
  writeFileSync(join(dir, "src/index.ts"), "export const welcome = 'hello';\n");
  const broken = build();
  assert.notEqual(broken.status, 0);
  assert.match(
    broken.stdout,
    /examples\/preprocess\/main\.ts.*error TS2305: Module '"tracehop"' has no exported member 'greeting'/,
  );
  // Nothing emitted on a type error: the example's last output stays, older than the package it no longer
  // fits, and the next tsc -b (npm start) checks it again, failing again.
  assert.match(build("--dry").stdout, /A non-dry build would build project '.*tsconfig\.examples\.json'/);
});

test("npm test's build (scripts/build.ts --if-stale) skips an up-to-date dist/ and rebuilds on any change of the sources' text, whatever its date", (t) => {
  // The project's own tsconfigs, package.json and build script on a package of one export and an example of
  // one file: the real script, the real tsc.
  const dir = tempDir(t, "build-if-stale");
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
  const buildIfStale = () =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/build.ts", "--if-stale"], {
      cwd: dir,
      encoding: "utf8",
    });
  const run = () =>
    execFileSync(process.execPath, ["dist/example/examples/preprocess/main.js"], {
      cwd: dir,
      encoding: "utf8",
    });

  let out = buildIfStale();
  assert.equal(out.status, 0, out.stdout + out.stderr);
  assert.match(out.stdout, /build: dist\/ has no build stamp .*: building dist\/ whole/);
  assert.equal(run(), "hello\n");

  // Nothing changed: no build.
  out = buildIfStale();
  assert.equal(out.status, 0);
  assert.equal(out.stdout, "build: dist/ is up to date with the sources (npm run build rebuilds it whole)\n");

  // A source changed and put back with an older date than its output (cp -p, git stash pop): tsc -b's dates
  // would skip it; the digest of the text does not.
  const stamp = statSync(join(dir, "dist/src/index.js")).mtime;
  writeFileSync(join(dir, "src/index.ts"), "export const greeting = 'bonjour';\n");
  const old = new Date(stamp.getTime() - 3_600_000);
  utimesSync(join(dir, "src/index.ts"), old, old);
  out = buildIfStale();
  assert.match(
    out.stdout,
    /build: src\/, examples\/, generated\/ or the build's configuration changed: building/,
  );
  assert.equal(run(), "bonjour\n");

  // An output deleted: built again.
  rmSync(join(dir, "dist/src/index.js"));
  out = buildIfStale();
  assert.match(out.stdout, /build: dist\/src\/index\.js is missing: building dist\/ whole/);
  assert.equal(run(), "bonjour\n");

  // A source removed: its output does not stay behind (dist/ is built anew).
  writeFileSync(join(dir, "src/extra.ts"), "export const extra = 1;\n");
  assert.equal(buildIfStale().status, 0);
  assert.ok(existsSync(join(dir, "dist/src/extra.js")));
  rmSync(join(dir, "src/extra.ts"));
  assert.equal(buildIfStale().status, 0);
  assert.ok(
    !existsSync(join(dir, "dist/src/extra.js")),
    "dist/src/extra.js stayed after src/extra.ts was removed",
  );

  // A type error: exit code not 0, and no stamp, so the next run builds again rather than calling it up to date.
  writeFileSync(join(dir, "src/index.ts"), "export const welcome = 'hello';\n");
  out = buildIfStale();
  assert.notEqual(out.status, 0);
  assert.ok(!existsSync(join(dir, "dist/build-stamp.json")));
  assert.match(buildIfStale().stdout, /build: dist\/ has no build stamp/);
});

test("npm start and npm test build only when stale, by one rule; npm run build always; all generate the Prisma clients first when stale", () => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  assert.equal(
    scripts.test,
    "node --import tsx scripts/prisma-generate.ts --if-stale && node --import tsx scripts/build.ts --if-stale && node --import tsx scripts/run-tests.ts",
  );
  assert.equal(
    scripts.start,
    "node --import tsx scripts/prisma-generate.ts --if-stale && node --import tsx scripts/build.ts --if-stale && node dist/example/examples/preprocess/main.js",
  );
  assert.equal(
    scripts.build,
    "node --import tsx scripts/prisma-generate.ts --if-stale && node --import tsx scripts/build.ts",
  );
});

test("build.ts --if-stale: a source that is a symbolic link, whose target changed, and an output edited or added by hand, are stale", (t) => {
  const dir = tempDir(t, "build-stamp-holes");
  for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json", "tsconfig.examples.json"])
    cpSync(join(ROOT, file), join(dir, file));
  mkdirSync(join(dir, "scripts"));
  for (const file of ["build.ts", "build-lock.ts"])
    cpSync(join(ROOT, "scripts", file), join(dir, "scripts", file));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "shared"));
  mkdirSync(join(dir, "examples/preprocess"), { recursive: true });
  // src/greeting.ts is a link to a file outside the hashed folders (a shared module, a monorepo's package).
  writeFileSync(join(dir, "shared/greeting.ts"), "export const greeting = 'hello';\n");
  symlinkSync(join(dir, "shared/greeting.ts"), join(dir, "src/greeting.ts"));
  writeFileSync(join(dir, "src/index.ts"), 'export { greeting } from "./greeting.js";\n');
  writeFileSync(
    join(dir, "examples/preprocess/main.ts"),
    'import { greeting } from "tracehop";\nconsole.log(greeting);\n',
  );
  const out = spawnSync(process.execPath, ["--import", "tsx", "scripts/build.ts", "--if-stale"], {
    cwd: dir,
    encoding: "utf8",
  });
  assert.equal(out.status, 0, out.stdout + out.stderr);
  assert.equal(buildStaleness(dir), undefined);

  // The link's target changed: the build's input changed.
  writeFileSync(join(dir, "shared/greeting.ts"), "export const greeting = 'bonjour';\n");
  assert.match(buildStaleness(dir) ?? "up to date", /changed/);
  writeFileSync(join(dir, "shared/greeting.ts"), "export const greeting = 'hello';\n");
  assert.equal(buildStaleness(dir), undefined);

  // An output edited by hand (a quick fix tried in dist/), or a file added there: not what the build wrote.
  const js = join(dir, "dist/src/greeting.js");
  const built = readFileSync(js, "utf8");
  writeFileSync(js, built.replace("hello", "hi"));
  assert.match(buildStaleness(dir) ?? "up to date", /dist\/ was changed since it was built/);
  writeFileSync(js, built);
  assert.equal(buildStaleness(dir), undefined);
  writeFileSync(join(dir, "dist/src/extra.js"), "export {};\n");
  assert.match(buildStaleness(dir) ?? "up to date", /dist\/ was changed since it was built/);
});

test("npm run build leaves the package's bin executable, so npx tracehop in the clone works after a rebuild", () => {
  // npx links the clone once and keeps that link; the build removes dist/ and tsc writes main.js as 0644, so
  // `npx tracehop` then failed with "Permission denied" (exit 127) after any rebuild (new-user trial).
  const bins = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> }
  ).bin;
  for (const [name, path] of Object.entries(bins)) {
    const mode = statSync(join(ROOT, path)).mode & 0o777;
    assert.equal(mode & 0o111, 0o111, `bin ${name} (${path}) is mode ${mode.toString(8)}, not executable`);
  }
});
