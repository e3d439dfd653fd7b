// `npm test`'s check that every test a file's process started reached the runner's summary
// (scripts/run-tests.ts). node's runner adds up the results each test file's process sends it; a result that
// never arrives is not counted and fails nothing, so a run could pass with a file's last tests missing (a CI
// run reported 3 050 tests for 3 055: scripts/blocking-stdout.cjs says how they were lost). A test's
// process reports each test as started (`test:enqueue`) before it runs it, and its result (`test:pass` or
// `test:fail`) once it ended, skipped, todo and cancelled tests included: a test started with no result
// means the file's events were cut short. scripts/test-results-reporter.mjs counts both; `lostResults`
// says what is missing.

/** The environment variable naming the file scripts/test-results-reporter.mjs writes its counts to. */
export const RESULTS_FILE_VARIABLE = "TRACEHOP_TEST_RESULTS";

/**
 * What scripts/test-results-reporter.mjs writes: per file that defines tests (an absolute path), per key
 * `<nesting> <test name>`, the tests started minus those reported (0 once each reported).
 */
export type FileTests = Record<string, Record<string, number>>;

/**
 * One line per file with tests started and never reported, naming the file (relative to `root` when under
 * it), how many, and up to three of their names (cut at 60 characters); empty when every result arrived.
 */
export function lostResults(tests: FileTests, root: string): string[] {
  const lines: string[] = [];
  for (const [file, byName] of Object.entries(tests).sort(([a], [b]) => a.localeCompare(b))) {
    const lost = Object.entries(byName).filter(([, count]) => count > 0);
    if (lost.length === 0) continue;
    const total = lost.reduce((sum, [, count]) => sum + count, 0);
    const names = lost.slice(0, 3).map(([key]) => JSON.stringify(shortName(key.slice(key.indexOf(" ") + 1))));
    const shown = names.join(", ") + (lost.length > 3 ? ", …" : "");
    const path = file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
    lines.push(
      `${path}: ${total} test${total === 1 ? "" : "s"} started, no result reached the runner (${shown})`,
    );
  }
  return lines;
}

/** A test's name cut at 60 characters (`…` ending the cut). */
function shortName(name: string): string {
  return name.length <= 60 ? name : `${name.slice(0, 59)}…`;
}
