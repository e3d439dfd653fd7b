// What `npm install` in a clone runs and prints (README, "Requirements"): `allowScripts` in package.json
// reviews every dependency with an install script, so npm 11 lists none as unreviewed (a fresh clone on
// npm 11.19 printed only the EBADENGINE warning), and the README's table names each of them, its script and
// whether it runs, as package.json and the installed packages say. A new dependency with an install script,
// or a changed decision, fails here until both are written down.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), "utf8")) as Record<string, unknown>;

/** The package names of package-lock.json that have an install script (npm's `hasInstallScript`). */
function withInstallScripts(): string[] {
  const lock = read("package-lock.json") as { packages: Record<string, { hasInstallScript?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== "" && entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length))
    .sort();
}

/** The install lifecycle scripts the installed package `name` declares. */
function installScripts(name: string): string[] {
  const { scripts = {} } = JSON.parse(
    readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"),
  ) as { scripts?: Record<string, string> };
  return ["preinstall", "install", "postinstall"].filter((script) => scripts[script] !== undefined);
}

test("allowScripts decides for every dependency with an install script, and README's table says the same", () => {
  const packages = withInstallScripts();
  assert.ok(packages.includes("better-sqlite3"), `read: ${packages.join(", ")}`);
  const allow = read("package.json").allowScripts as Record<string, boolean>;
  assert.deepEqual(
    Object.keys(allow).sort(),
    packages,
    "allowScripts and package-lock.json's install scripts",
  );

  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const rows = new Map(
    [...readme.matchAll(/^\| `([^`]+)` \(`(\w+)`[^|]*\| (yes|no) +\|/gm)].map(([, name, script, run]) => [
      name!,
      { script, run },
    ]),
  );
  assert.deepEqual([...rows.keys()].sort(), packages, "the packages of README's install-script table");
  for (const name of packages) {
    const row = rows.get(name)!;
    assert.deepEqual([row.script], installScripts(name), `${name}'s script in README`);
    assert.equal(row.run, allow[name] ? "yes" : "no", `whether ${name}'s script runs, in README`);
  }
});
