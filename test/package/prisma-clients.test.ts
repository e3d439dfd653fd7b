// The Prisma clients of the main job (generated/, not in the repository) are generated on demand by
// scripts/prisma-generate.ts --if-stale, there being no `prepare` script: every npm script that compiles a
// project holding code that imports them must run it first, or a fresh clone's first `npm run typecheck`
// (right after `npm install`) fails with dozens of TS2307 "Cannot find module '../../generated/prisma/…'"
// errors and nothing saying why.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const GENERATE = "node --import tsx scripts/prisma-generate.ts --if-stale";

/** The `include` folders of the tsconfig file `name` (JSON with comments), following `extends`. */
function includes(name: string): string[] {
  const text = readFileSync(join(ROOT, name), "utf8").replace(/^\s*\/\/.*$/gm, "");
  const config = JSON.parse(text) as { include?: string[]; extends?: string };
  if (config.include !== undefined) return config.include;
  return config.extends === undefined ? [] : includes(config.extends);
}

/** scripts/build.ts, which builds these two projects (`npm start`, `npm test`, `npm run build`). */
const BUILD = "node --import tsx scripts/build.ts";

/**
 * The tsconfig files a `tsc` command names (`-p FILE`, `--project FILE`, or `-b FILE...`), or the two that
 * scripts/build.ts builds.
 */
function projects(command: string): string[] {
  if (command.startsWith(BUILD)) return ["tsconfig.build.json", "tsconfig.examples.json"];
  const words = command.split(/\s+/);
  const found = words.filter((word) => /^tsconfig[\w.-]*\.json$/.test(word));
  return found.length > 0 ? found : ["tsconfig.json"];
}

test("every npm script that compiles code importing the generated Prisma clients generates them first", () => {
  const scripts = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
  ).scripts;
  // The folders whose code imports generated/prisma (the example and its tests).
  const importing = ["examples", "test"];
  const checked: string[] = [];
  for (const [name, script] of Object.entries(scripts)) {
    for (const command of script.split("&&").map((part) => part.trim())) {
      if (!command.startsWith("tsc ") && !command.startsWith(BUILD)) continue;
      const needs = projects(command).some((project) =>
        includes(project).some((dir) => importing.includes(dir)),
      );
      if (!needs) continue;
      checked.push(name);
      const before = script.slice(0, script.indexOf(command));
      assert.ok(
        before.includes(GENERATE),
        `scripts.${name} compiles ${command} without ${GENERATE} first: ${script}`,
      );
    }
  }
  for (const name of ["start", "test", "build", "typecheck"])
    assert.ok(checked.includes(name), `${name} not checked; checked: ${checked.join(", ")}`);
});
