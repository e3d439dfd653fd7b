// The example's processes as the tests start them: the compiled JavaScript `npm run build` writes to
// dist/examples/preprocess (tsconfig.examples.json), which `npm start` runs too. Node starts one in a third
// of the time tsx takes with the sources, and the end-to-end files start hundreds. The sources through tsx,
// as README's "by hand" runs them, stay covered: test/tracing/main-job-export.test.ts runs main.ts so, and
// it starts api.ts, relay.ts and worker.ts through tsx in turn.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");
/** What the compiled example is built from. */
const SOURCES = ["src", "examples", "generated"].map((folder) => join(ROOT, folder));
/** Written by each build of the package and of the example (tsc -b, tsconfig.build.json and tsconfig.examples.json). */
const BUILD_INFO = ["dist/tsconfig.build.tsbuildinfo", "dist/examples.tsbuildinfo"].map((file) =>
  join(ROOT, file),
);

let checked = false;

/**
 * The node arguments that run `examples/preprocess/<name>.ts` compiled (`dist/examples/preprocess/<name>.js`,
 * relative to the repository root). Throws when the build is missing or older than a file of src/,
 * examples/ or generated/ (a test would run yesterday's code): `npm test` builds first; a test file run
 * alone needs `npm run build` before it.
 */
export function exampleArgs(name: string): string[] {
  if (!checked) {
    const newest = Math.max(
      0,
      ...SOURCES.flatMap((folder) =>
        readdirSync(folder, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs),
      ),
    );
    const built = Math.min(
      ...BUILD_INFO.map((file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1),
    );
    if (built < newest)
      throw new Error(
        `the tests run the compiled example (dist/examples), which is ${built < 0 ? "missing" : "older than src/, examples/ or generated/"}: ` +
          "run npm run build first (npm test does)",
      );
    checked = true;
  }
  return [`dist/examples/preprocess/${name}.js`];
}
