// `npm test [-- FILE… | --node-test-flag…]`: every test/**/*.test.ts with node:test through tsx, one file at a
// time, or only the files given (`npm test -- test/examples/sentences.test.ts` ran the whole suite and the
// file again: npm appends the arguments to the script). Flags (`--test-name-pattern=…`) go to node's test
// runner. The exit code is the runner's.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { constants } from "node:os";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const args = process.argv.slice(2);
const flags = args.filter((arg) => arg.startsWith("-"));
const given = args.filter((arg) => !arg.startsWith("-"));
const files =
  given.length > 0
    ? given
    : readdirSync(join(ROOT, "test"), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
        .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
        .sort();
const { status, signal } = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=1", ...flags, ...files],
  { cwd: ROOT, stdio: "inherit" },
);
// Killed by a signal: the code a shell gives (128 + its number).
process.exit(status ?? 128 + (signal === null ? 0 : constants.signals[signal]));
