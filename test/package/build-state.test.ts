// `npm run build` (which `npm install`'s prepare and `npm test` run) must leave the state that `npm start`'s
// `tsc -b tsconfig.build.json tsconfig.examples.json` reads (dist/tsconfig.build.tsbuildinfo,
// dist/examples.tsbuildinfo): built with `tsc -p`, it left none, so the first `npm start` after an install
// rebuilt the whole package (10 to 20 s) for nothing (new-user trial).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

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
