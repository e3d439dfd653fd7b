// Loaded by scripts/run-tests.ts (`--require`, which node runs in its test runner's process and in every test
// file's process the runner starts, where `--import` reaches only the latter): makes the process's stdout
// writes blocking when stdout is a pipe.
//
// A test file's process sends its results to the runner as serialized events on its stdout, a pipe, and the
// runner writes its report (spec) on its own stdout: the terminal, or a pipe to scripts/run-tests.ts, which
// reads it at once and writes it on without waiting for its own reader (so a paused pager holds up no one). With `--test-force-exit` each ends with
// `process.exit()` as soon as its last event is handed over. On Linux a write to a pipe the reader has not
// emptied yet waits in the process's own queue, and `process.exit()` drops that queue: a file's last results
// never reached the runner, whose summary counted fewer tests and failed nothing (a CI run reported 3 050
// tests for 3 055, a suite stopping after 5 of its 10 tests; node's issue 64833), and the runner's own summary
// lines could be cut from the log. Blocking writes leave nothing queued when the process exits: a write
// returns once the pipe holds its bytes, as node makes a TTY's or a file's. TRACEHOP_TEST_NONBLOCKING_STDOUT
// set leaves stdout as node made it: test/package/run-tests.test.ts reproduces the loss that way.
"use strict";

const { process } = globalThis;

const handle = process.stdout._handle;
if (
  process.env.TRACEHOP_TEST_NONBLOCKING_STDOUT === undefined &&
  handle !== undefined &&
  handle !== null &&
  handle.constructor.name === "Pipe" &&
  typeof handle.setBlocking === "function"
) {
  handle.setBlocking(true);
}
