// The types as a consumer sees them: tsc (the project's TypeScript, strict, NodeNext) compiles
// test/package/fixtures/*.ts, which import tracehop by name through the package's exports map (the
// declarations in dist/, which `npm test` builds first). Any diagnostic fails the test, including an
// unused `@ts-expect-error` (a mistake that stopped being a type error).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

test("a consumer's typed calls compile: traced(options)(fn), @traced on methods (test/package/fixtures/traced-decorators.ts) and the callback helpers (docs/restore.md), tracehop in an own NodeSDK (docs/export.md)", () => {
  const child = spawnSync(process.execPath, [TSC, "-p", "test/package/fixtures/tsconfig.json"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(child.stdout + child.stderr, "");
  assert.equal(child.status, 0);
});

test("tsc's error for a decorated method whose parameters do not fit carrierFrom's tuple names both", (t) => {
  // Under the package root, so that `tracehop` resolves through the exports map as in the fixtures.
  const dir = join(ROOT, ".tmp", `types-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: "../../tsconfig.json",
      compilerOptions: { noEmit: true },
      include: [],
      files: ["mismatch.ts"],
    }),
  );
  writeFileSync(
    join(dir, "mismatch.ts"),
    [
      'import { traced } from "tracehop";',
      "interface Outbox { id: number; carrier: Record<string, string> }",
      "interface Job { id: string }",
      "export class Relay {",
      "  @traced({ carrierFrom: ([outbox]: [Outbox]) => outbox.carrier })",
      "  async relay(job: Job) { return job.id; }",
      "}",
      "",
    ].join("\n"),
  );
  const child = spawnSync(process.execPath, [TSC, "-p", join(dir, "tsconfig.json")], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const output = child.stdout + child.stderr;
  assert.equal(child.status, 2, output);
  // One diagnostic, at the decorator, whose overload text names the method's parameters and the tuple.
  assert.equal(output.match(/error TS/g)?.length, 1, output);
  assert.match(output, /mismatch\.ts\(5,4\): error TS1241: Unable to resolve signature of method decorator/);
  assert.match(
    output,
    /Type '\(job: Job\) => Promise<string>' is not assignable to type 'MethodParametersMustFitCarrierFrom<\[job: Job\], \[Outbox\]>'/,
  );
});
