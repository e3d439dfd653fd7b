// The reporter half of scripts/test-results.ts (which says why), loaded by node's runner
// (`--test-reporter`) in its own process: JavaScript, because that process does not load tsx (a reporter is
// imported by node alone).
//
// Counts, per file that defines tests (an absolute path: the test file, or a helper whose function calls
// `test()`) and per test name, the tests started (`test:enqueue`) minus those reported (`test:pass` /
// `test:fail`), and writes them (JSON) to the file named by TRACEHOP_TEST_RESULTS when the process exits:
// with `--test-force-exit` the runner's process exits as soon as its last event is out, before a reporter's
// code after its loop would run. Yields nothing. The runner's own entry for a test file (a test named after
// the file's path, at nesting 0, reported only when the file's process failed outside its tests) is left
// out.
import { writeFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** A test event's file as an absolute path (`file:` URLs too), or undefined. */
function eventFile(file) {
  if (typeof file !== "string") return undefined;
  if (file.startsWith("file:")) return fileURLToPath(file);
  return isAbsolute(file) ? file : resolve(file);
}

export default async function* recordTests(source) {
  /** @type {Record<string, Record<string, number>>} */
  const tests = {};
  const destination = process.env.TRACEHOP_TEST_RESULTS;
  if (destination !== undefined)
    process.once("exit", () => writeFileSync(destination, JSON.stringify(tests)));
  for await (const { type, data } of source) {
    const step = type === "test:enqueue" ? 1 : type === "test:pass" || type === "test:fail" ? -1 : 0;
    if (step === 0 || data === undefined) continue;
    const file = eventFile(data.file);
    if (file === undefined || typeof data.name !== "string") continue;
    if (data.nesting === 0 && resolve(data.name) === file) continue;
    const byName = (tests[file] ??= {});
    const key = `${String(data.nesting)} ${data.name}`;
    byName[key] = (byName[key] ?? 0) + step;
  }
  yield* [];
}
