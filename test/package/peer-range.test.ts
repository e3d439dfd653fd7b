// The peer range tracehop declares for @opentelemetry/api must be one that every package it depends on
// (however deep) accepts: npm checks each package's own peer range, so an api version inside tracehop's
// range but outside a dependency's is an ERESOLVE warning, or a failed install with strict peer
// dependencies. Read from the installed tree, so that an OpenTelemetry upgrade that narrows a range fails
// here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import semver from "semver";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const API = "@opentelemetry/api";

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
}

/** The folder Node resolves the package `name` to from `fromDir`: the first node_modules/name upwards. */
function packageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Every package in tracehop's production dependency tree, by folder. */
function productionTree(): Map<string, Manifest> {
  const seen = new Map<string, Manifest>();
  const visit = (dir: string): void => {
    if (seen.has(dir)) return;
    const manifest = readManifest(dir);
    seen.set(dir, manifest);
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const child = packageDir(name, dir);
      if (child !== undefined) visit(child);
    }
  };
  visit(ROOT);
  seen.delete(ROOT);
  return seen;
}

test(`the declared ${API} peer range is inside every dependency's own peer range`, () => {
  const ours = readManifest(ROOT).peerDependencies?.[API];
  assert.ok(ours !== undefined, `package.json declares no ${API} peer dependency`);
  const checked: string[] = [];
  const narrower: string[] = [];
  for (const manifest of productionTree().values()) {
    const theirs = manifest.peerDependencies?.[API];
    if (theirs === undefined || manifest.peerDependenciesMeta?.[API]?.optional === true) continue;
    checked.push(manifest.name);
    if (!semver.subset(ours, theirs)) narrower.push(`${manifest.name} (${theirs})`);
  }
  // The SDK packages tracehop starts spans with are among those checked.
  assert.ok(checked.includes("@opentelemetry/sdk-node"), `checked only: ${checked.join(", ")}`);
  assert.ok(checked.includes("@opentelemetry/sdk-metrics"), `checked only: ${checked.join(", ")}`);
  assert.deepEqual(narrower, [], `"${ours}" allows versions these refuse: ${narrower.join(", ")}`);
});

test("README states the declared peer range", () => {
  const ours = readManifest(ROOT).peerDependencies?.[API];
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.match(
    readme,
    new RegExp(`\`${API}\` is a peer dependency, \`${ours?.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\``),
  );
});
