/**
 * Builds dist/: the package (tsconfig.build.json → dist/src) and the example (tsconfig.examples.json →
 * dist/example), whole, with `tsc -b --force`, after removing dist/ (an output whose source was deleted or
 * renamed does not stay behind to be tested or packed).
 *
 *   node --import tsx scripts/build.ts             build whole (`npm run build`, `npm pack`)
 *   node --import tsx scripts/build.ts --if-stale  build whole only when dist/ was not built from the
 *                                                   sources as they are now (`npm start` and `npm test`,
 *                                                   one rule: either after the other builds nothing);
 *                                                   else one line
 *
 * Stale means: the stamp (dist/build-stamp.json) is missing or records another digest of the build's inputs
 * (the text of every file of src/, examples/ and generated/, the tsconfigs, package.json, package-lock.json
 * and the TypeScript version; a symbolic link's target), or a source has no output, or dist/ holds other
 * files than the build wrote (the stamp records their digest too: an output edited by hand). A digest of the text, not the files' dates:
 * `tsc -b` compares dates, and a file put back with an older date (`git stash pop`, `cp -p`, `tar -x`) would
 * leave yesterday's dist/ in place. The stamp is removed when a build starts and written when it succeeded,
 * so a build that failed or was stopped part way is redone. Why `--force`: `tsc -b` alone would skip a
 * project by dates for the same reason (the state it reads, `*.tsbuildinfo`, is still written, for an
 * editor's or a hand-typed `tsc -b`).
 *
 * One build at a time: the whole of a run (the look at the stamp, the removal of dist/, tsc, the stamp) holds
 * the build lock, `.tmp/build.lock`, which the Prisma generation takes too; a second build started meanwhile
 * says it waits, for which process, then looks at the stamp again (so `npm test` started during `npm start`'s
 * build waits for it and builds nothing). The stamp is written under another name and renamed into place.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { runChild, withBuildLock } from "./build-lock.js";

/** The folders whose files are the build's sources. */
const SOURCE_FOLDERS = ["src", "examples", "generated"] as const;
/** The single files that shape the build. */
const CONFIG_FILES = [
  "tsconfig.json",
  "tsconfig.build.json",
  "tsconfig.examples.json",
  "package.json",
  "package-lock.json",
] as const;
/** Where the stamp is, relative to the root. */
export const BUILD_STAMP = "dist/build-stamp.json";

/**
 * The files of `folder` under `root`, recursively, as sorted paths relative to `root` with `/`. A symbolic
 * link is followed, as tsc follows it (a link to a file, or a folder, outside the hashed folders: its
 * target's text is what is built); a link that leads back into a folder already walked is not walked twice.
 */
function filesOf(root: string, folder: string): string[] {
  const files: string[] = [];
  const walked = new Set<string>();
  const walk = (path: string) => {
    const real = realpathSync(path);
    if (walked.has(real)) return;
    walked.add(real);
    for (const name of readdirSync(path)) {
      const entry = join(path, name);
      const stat = statSync(entry, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(entry);
      else if (stat?.isFile()) files.push(relative(root, entry).split(sep).join("/"));
    }
  };
  const path = join(root, folder);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) walk(path);
  return files.sort();
}

/**
 * The digest (sha256, hex) of what dist/ under `root` holds: each file's path and bytes, but the stamp's
 * and tsc's own state (`*.tsbuildinfo`, which `npm start`'s `tsc -b` rewrites). A file of dist/ edited,
 * added or removed by hand after the build changes it.
 */
export function outputsDigest(root: string): string {
  const digest = createHash("sha256");
  for (const file of filesOf(root, "dist")) {
    if (file === BUILD_STAMP || file.endsWith(".tsbuildinfo")) continue;
    digest.update(`${file}\0`);
    digest.update(readFileSync(join(root, file)));
    digest.update("\0");
  }
  return digest.digest("hex");
}

/**
 * The digest (sha256, hex) of what the build of the repository at `root` is made from: each source file's
 * path and text, each config file's text (`absent` when missing) and the TypeScript version installed.
 */
export function buildInputsDigest(root: string): string {
  const digest = createHash("sha256");
  let typescript = "missing";
  try {
    const require = createRequire(join(root, "package.json"));
    typescript = (
      JSON.parse(readFileSync(require.resolve("typescript/package.json"), "utf8")) as { version: string }
    ).version;
  } catch {
    // No TypeScript: the build below says so.
  }
  digest.update(`typescript ${typescript}\0`);
  for (const file of CONFIG_FILES) {
    const path = join(root, file);
    digest.update(`${file}\0`);
    digest.update(existsSync(path) ? readFileSync(path) : "absent");
    digest.update("\0");
  }
  for (const folder of SOURCE_FOLDERS)
    for (const file of filesOf(root, folder)) {
      digest.update(`${file}\0`);
      digest.update(readFileSync(join(root, file)));
      digest.update("\0");
    }
  return digest.digest("hex");
}

/**
 * The first TypeScript source (not a declaration) of src/, examples/ or generated/ under `root` that has no
 * JavaScript output in dist/, as its output path, or `undefined`.
 */
export function missingOutput(root: string): string | undefined {
  for (const folder of SOURCE_FOLDERS) {
    const outDir = folder === "src" ? "dist" : "dist/example";
    for (const file of filesOf(root, folder)) {
      if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
      const output = `${outDir}/${file.replace(/\.ts$/, ".js")}`;
      if (!existsSync(join(root, output))) return output;
    }
  }
  return undefined;
}

/**
 * Why dist/ under `root` must be built again (a sentence), or `undefined` when it was built from the
 * sources as they are now.
 */
export function buildStaleness(root: string): string | undefined {
  const stampPath = join(root, BUILD_STAMP);
  if (!existsSync(stampPath)) return "dist/ has no build stamp (not built yet, or its last build failed)";
  let recorded: { inputs?: unknown; outputs?: unknown } = {};
  try {
    recorded = JSON.parse(readFileSync(stampPath, "utf8")) as typeof recorded;
  } catch {
    // Not JSON: stale below.
  }
  if (recorded.inputs !== buildInputsDigest(root))
    return "src/, examples/, generated/ or the build's configuration changed";
  const missing = missingOutput(root);
  if (missing !== undefined) return `${missing} is missing`;
  if (recorded.outputs !== outputsDigest(root))
    return "dist/ was changed since it was built (a file of it edited, added or removed by hand)";
  return undefined;
}

/**
 * Builds dist/ under `root` whole; resolves with tsc's exit code (0 when both projects built; 128 + the
 * signal's number when one stopped it, and then no stamp is written).
 */
export async function buildWhole(root: string): Promise<number> {
  const inputs = buildInputsDigest(root);
  rmSync(join(root, "dist"), { recursive: true, force: true });
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  // Run by the lock's runChild: a signal that stops this build stops tsc too (`kill PID` reaches this process
  // alone), and the exit code is the shell's for it (a tsc run by spawnSync stopped by Ctrl-C made it 1).
  const code = await runChild(
    process.execPath,
    [tsc, "-b", "tsconfig.build.json", "tsconfig.examples.json", "--force"],
    {
      cwd: root,
    },
  );
  if (code !== 0) return code;
  makeBinsExecutable(root);
  // The digest taken before the build: a file changed while it ran is built by the next one. Written under
  // another name and renamed: a reader never sees half a stamp.
  const stamp = join(root, BUILD_STAMP);
  writeFileSync(`${stamp}.${process.pid}`, JSON.stringify({ inputs, outputs: outputsDigest(root) }) + "\n");
  renameSync(`${stamp}.${process.pid}`, stamp);
  return 0;
}

/**
 * Adds the execute bits to each file package.json's `bin` names under `root` (tsc writes 0644): `npx tracehop`
 * in a clone runs the file through the link npx made once, so after a rebuild it failed with "Permission
 * denied" (exit 127). npm sets the bits itself when it installs the package. A bin not built is skipped.
 */
function makeBinsExecutable(root: string): void {
  const { bin } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    bin?: Record<string, string>;
  };
  for (const path of Object.values(bin ?? {})) {
    const file = join(root, path);
    // A bin the build did not write (a trimmed copy of the project in a test): nothing to mark.
    if (existsSync(file)) chmodSync(file, statSync(file).mode | 0o111);
  }
}

if (import.meta.filename === process.argv[1]) {
  const root = process.cwd();
  process.exit(
    await withBuildLock(root, "build of dist/", () => {
      if (process.argv.includes("--if-stale")) {
        // Looked at under the lock: a build that ran while this one waited has usually made dist/ up to date.
        const stale = buildStaleness(root);
        if (stale === undefined) {
          console.log("build: dist/ is up to date with the sources (npm run build rebuilds it whole)");
          return 0;
        }
        console.log(`build: ${stale}: building dist/ whole`);
      }
      return buildWhole(root);
    }),
  );
}
