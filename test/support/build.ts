// The build the tests run, refused when it is not up to date: the package (dist/src: the CLI's bin and
// command, test/cli) and the example's processes (exampleArgs: the compiled JavaScript `npm run build` writes
// to dist/example/examples/preprocess, tsconfig.examples.json, which `npm start` runs too). Node starts one
// of the example's processes in a third of the time tsx takes with the sources, and the end-to-end files
// start hundreds. The sources through tsx, as README's "by hand" runs them, stay covered:
// test/tracing/main-job-export.test.ts runs main.ts so, and it starts api.ts, relay.ts and worker.ts through
// tsx in turn.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "../..");

/** A file of the repository: its path from the root, and when it was last written. */
interface DatedFile {
  path: string;
  mtimeMs: number;
}

const listed = new Map<string, DatedFile[]>();

/**
 * The files of `folder` (relative to the repository root), recursively, with their modification times;
 * listed once per process (src/ is a source of both projects).
 */
function filesOf(folder: string): DatedFile[] {
  let files = listed.get(folder);
  if (files === undefined) {
    const path = join(ROOT, folder);
    files =
      statSync(path, { throwIfNoEntry: false }) === undefined
        ? []
        : readdirSync(path, { recursive: true, withFileTypes: true })
            .filter((entry) => entry.isFile())
            .map((entry) => {
              const file = join(entry.parentPath, entry.name);
              return { path: relative(ROOT, file), mtimeMs: statSync(file).mtimeMs };
            });
    listed.set(folder, files);
  }
  return files;
}

/** The two projects `npm run build` builds, each with what it compiles, where to, and what it reads. */
const PROJECTS = {
  package: { name: "the package (dist/src)", outDir: "dist", sources: ["src"], inputs: ["src"] },
  example: {
    name: "the example (dist/example)",
    outDir: "dist/example",
    sources: ["examples", "generated"],
    inputs: ["src", "examples", "generated"],
  },
} as const;

/**
 * What is wrong with `project`'s build, or undefined when it is up to date. `tsc -b`'s own rule for a project
 * that is not incremental, on the files it reads (TypeScript: an editor's swap file or a note beside them is
 * none): every source has its output, and the oldest output is newer than the newest source — the package
 * (src/ → dist/src), and the example (examples/ and generated/ → dist/example, whose sources include the
 * package's declarations: a change of src/ builds it again).
 */
export function staleBuild(project: keyof typeof PROJECTS): string | undefined {
  const { name, outDir, sources, inputs } = PROJECTS[project];
  const typeScript = (file: DatedFile) => file.path.endsWith(".ts");
  const outputs = sources
    .flatMap(filesOf)
    .filter((file) => typeScript(file) && !file.path.endsWith(".d.ts"))
    .map((file) => {
      const path = join(outDir, file.path.replace(/\.ts$/, ".js"));
      return { path, mtimeMs: statSync(join(ROOT, path), { throwIfNoEntry: false })?.mtimeMs };
    });
  const missing = outputs.find((output) => output.mtimeMs === undefined);
  if (missing !== undefined) return `${name} is not built (no ${missing.path})`;
  const oldest = Math.min(...outputs.map((output) => output.mtimeMs!));
  const newer = inputs.flatMap(filesOf).find((file) => typeScript(file) && file.mtimeMs > oldest);
  return newer === undefined ? undefined : `${name} is older than ${newer.path}`;
}

let checked = false;

/**
 * Throws when the build the tests run is missing or older than its sources ({@link staleBuild}: a test
 * would run yesterday's code), with a message saying to run `npm run build`; checked once per process.
 * `npm test` builds first; a test file run alone needs `npm run build` (or `npm start`, which builds as `npm test` does) before
 * it. A test file that runs the compiled example calls it as it loads, so that it fails at once, before a
 * test has started a server or a process, rather than test after test.
 */
export function requireBuild(): void {
  if (checked) return;
  const stale = staleBuild("package") ?? staleBuild("example");
  if (stale !== undefined)
    throw new Error(`the tests run the compiled example: ${stale}; run npm run build first (npm test does)`);
  checked = true;
}

/**
 * The node arguments that run `examples/preprocess/<name>.ts` compiled (`dist/example/examples/preprocess/<name>.js`,
 * relative to the repository root). Throws when the build is missing or older than its sources
 * ({@link requireBuild}).
 */
export function exampleArgs(name: string): string[] {
  requireBuild();
  return [`dist/example/examples/preprocess/${name}.js`];
}
