// The README and docs ship in the package (package.json "files"), and a user reads them in
// node_modules/tracehop: every relative link in them must lead to a file the package ships, or it is dead
// there (a fresh-user review found README's links to BENCHMARKS.md, DEVELOPERS.md and the Prisma schema
// dead in the installed package).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { markdownFiles } from "../support/markdown-files.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The paths `npm pack` puts in the package (from the root), without building or running scripts. */
function packedPaths(): Set<string> {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [pack] = JSON.parse(out) as [{ files: { path: string }[] }];
  return new Set(pack.files.map((file) => file.path));
}

/** Relative link targets of a markdown text (`[text](target)`), without their `#fragment`. */
function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  // Code spans and fenced blocks hold no links.
  const text = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
    links.push(target.split("#")[0]!);
  }
  return links;
}

test("every relative link of the packed README.md and docs/*.md leads to a file the package ships", () => {
  const packed = packedPaths();
  const dead: string[] = [];
  for (const file of markdownFiles()) {
    assert.ok(packed.has(file), `${file} is not in the package`);
    for (const link of relativeLinks(readFileSync(join(ROOT, file), "utf8"))) {
      const target = normalize(join(dirname(file), decodeURIComponent(link))).replace(/\/$/, "");
      const shipped = packed.has(target) || [...packed].some((path) => path.startsWith(`${target}/`));
      if (!shipped) dead.push(`${file}: ${link}`);
    }
  }
  assert.deepEqual(dead, []);
});
