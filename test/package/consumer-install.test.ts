// What a consumer gets from `npm install tracehop-0.1.0.tgz` (README, "Using the library"): the packed
// package.json is this one, so it must hold no install lifecycle script (npm 11 lists every package with
// a `preinstall`, `install`, `postinstall` or `prepare` among the install scripts `allowScripts` does not
// cover; `prepare` listed tracehop itself, and ran `prisma generate` and the build for a git install),
// and the packages its `dependencies` pull in (package-lock.json: those not marked `dev`) hold no build
// tool and no install script but protobufjs's version check (README).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), "utf8")) as Record<string, unknown>;

interface LockEntry {
  dev?: boolean;
  hasInstallScript?: boolean;
}

/** The package names (the path after the last `node_modules/`) a consumer's install holds. */
function productionPackages(): Map<string, LockEntry> {
  const lock = read("package-lock.json") as { packages: Record<string, LockEntry> };
  const found = new Map<string, LockEntry>();
  for (const [path, entry] of Object.entries(lock.packages))
    if (path !== "" && entry.dev !== true)
      found.set(path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length), entry);
  return found;
}

test("the packed package.json has no install lifecycle script: a consumer's npm offers none to allow", () => {
  const scripts = (read("package.json").scripts ?? {}) as Record<string, string>;
  for (const name of ["preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare"])
    assert.equal(scripts[name], undefined, `scripts.${name}: ${scripts[name]}`);
});

test("a consumer's install holds no build tool, and no install script but protobufjs's (an OTLP exporter's dependency)", () => {
  const packages = productionPackages();
  assert.ok(packages.has("@opentelemetry/sdk-trace-base"), "the runtime dependencies are read");
  for (const tool of ["typescript", "tsx", "esbuild", "prisma", "@prisma/client", "@prisma/engines"])
    assert.equal(packages.has(tool), false, `${tool} is installed for a consumer`);
  const withScripts = [...packages]
    .filter(([, entry]) => entry.hasInstallScript === true)
    .map(([name]) => name);
  assert.deepEqual(withScripts, ["protobufjs"]);
});
