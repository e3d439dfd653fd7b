// The package's entry points as a consumer's tools find them, for the tests of test/package/.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The `types` file of each entry point of the exports map of the package.json in `root`. */
export function entryPoints(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    exports: Record<string, string | { types?: string }>;
  };
  return Object.values(pkg.exports)
    .map((entry) => (typeof entry === "string" ? undefined : entry.types))
    .filter((types): types is string => types !== undefined)
    .map((types) => join(root, types));
}
