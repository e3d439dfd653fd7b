// scripts/prisma-generate.ts --if-stale (npm start, npm run build and so npm test run it) regenerates the
// Prisma clients only when its stamp (generated/prisma/stamp.json: the schemas and Prisma versions they
// were generated from) is not the current one. A generation that fails, or is stopped, part way through
// may leave generated/ half-written while the stamp of the previous generation still matches: the stamp
// must be gone from the start of a generation until its end, so the next --if-stale generates again.
// Run in a copy of the script and the schemas, with a prisma.config.ts that makes the third schema's
// `prisma generate` fail on demand (the real Prisma CLI).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../support/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("a prisma generate that fails part way leaves no stamp: the next --if-stale generates again", (t) => {
  const dir = tempDir(t, "prisma-generate-");
  mkdirSync(join(dir, "scripts"));
  for (const file of ["prisma-generate.ts", "build-lock.ts"])
    cpSync(join(ROOT, "scripts", file), join(dir, "scripts", file));
  cpSync(join(ROOT, "prisma"), join(dir, "prisma"), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  // Read by the Prisma CLI at each generate: the mysql schema's fails when asked to.
  writeFileSync(
    join(dir, "prisma.config.ts"),
    [
      'import { defineConfig } from "prisma/config";',
      'if (process.env.R1_FAIL_MYSQL_GENERATE && process.argv.some((a) => a.includes("mysql")))',
      '  throw new Error("generate stopped part way");',
      'export default defineConfig({ schema: "prisma/schema.prisma" });',
      "",
    ].join("\n"),
  );
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/prisma-generate.ts", ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
  const stamp = join(dir, "generated/prisma/stamp.json");

  const first = run(["--if-stale"]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /generating the Prisma clients/);
  assert.ok(existsSync(stamp));
  // Nothing changed: silent.
  const again = run(["--if-stale"]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, "");

  // npm run prisma:generate, stopped at the third schema: the first two clients were written again.
  const failed = run([], { R1_FAIL_MYSQL_GENERATE: "1" });
  assert.notEqual(failed.status, 0);
  assert.match(failed.stderr, /prisma generate --schema prisma\/mysql\/schema\.prisma failed/);
  assert.equal(existsSync(stamp), false, "the stamp of the earlier generation outlived a failed one");

  const next = run(["--if-stale"]);
  assert.equal(next.status, 0, next.stderr);
  assert.match(next.stdout, /generating/);
  assert.ok(existsSync(stamp));
});
