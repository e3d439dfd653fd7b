// `npm pack` ships dist/src (package.json "files"): its `prepack` must build it as `npm run build` does, from a
// removed dist/, so that the output of a source deleted or renamed since the last build is not packed (with
// `tsc -b --force` alone, dist/ kept such files, and the tarball shipped modules no source makes).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../support/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What a checkout holds that the build and the pack read (generated/: the Prisma clients, up to date). */
const COPIED = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "tsconfig.examples.json",
  "prisma.config.ts",
  "otel-collector.yaml",
  "README.md",
  "BENCHMARKS.md",
  "DEVELOPERS.md",
  "src",
  "examples",
  "scripts",
  "generated",
  "prisma",
  "docs",
];

test("prepack builds dist/ clean, as npm run build does: an output whose source is gone is not packed", (t) => {
  const dir = tempDir(t, "prepack");
  for (const entry of COPIED)
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  // The output of a source deleted since the last build.
  mkdirSync(join(dir, "dist/src"), { recursive: true });
  writeFileSync(join(dir, "dist/src/deleted-module.js"), "export const stale = true;\n");
  writeFileSync(join(dir, "dist/src/deleted-module.d.ts"), "export declare const stale: boolean;\n");
  execFileSync("npm", ["run", "prepack"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [pack] = JSON.parse(out) as [{ files: { path: string }[] }];
  const paths = pack.files.map((file) => file.path);
  assert.deepEqual(
    paths.filter((path) => path.startsWith("dist/src/deleted-module")),
    [],
    "the stale output is packed",
  );
  // The package itself is packed, built.
  assert.ok(paths.includes("dist/src/index.js"), "dist/src/index.js is packed");
  assert.ok(paths.includes("dist/src/index.d.ts"), "dist/src/index.d.ts is packed");
});
