// `npm run build` (which `npm test` runs) must leave the state that `npm start`'s
// `tsc -b tsconfig.build.json tsconfig.examples.json` reads (dist/tsconfig.build.tsbuildinfo,
// dist/example/tsconfig.examples.tsbuildinfo): built with `tsc -p`, it left none, so the first `npm start` after an
// install rebuilt the whole package (10 to 20 s) for nothing (new-user trial). And that `tsc -b` must build
// the example again when its output is gone or the package changed under it (a new-user trial: a deleted
// dist/example stayed deleted, and an export removed from src/ was a SyntaxError at a process's start).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../support/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

test("after npm run build (npm test runs it first), npm start's tsc -b finds the package and the example up to date", () => {
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

test("npm start's tsc -b builds the example again when its output is gone, or the package changed under it", (t) => {
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
