// The types as a consumer sees them: tsc (the project's TypeScript, strict, NodeNext) compiles
// test/package/fixtures/*.ts, which import tracehop by name through the package's exports map (the
// declarations in dist/, which `npm test` builds first). Any diagnostic fails the test, including an
// unused `@ts-expect-error` (a mistake that stopped being a type error).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

test("a consumer's typed calls compile: traced(options)(fn) and the callback helpers (docs/restore.md), tracehop in an own NodeSDK (docs/export.md)", () => {
  const child = spawnSync(process.execPath, [TSC, "-p", "test/package/fixtures/tsconfig.json"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(child.stdout + child.stderr, "");
  assert.equal(child.status, 0);
});
