#!/usr/bin/env node
// The `tracehop` bin (package.json `bin`): `runTracehop` on this process's arguments,
// standard streams and environment; what the process does when standard output or standard error cannot
// be written; and its exit code.
import { runTracehop } from "./command.js";
import { fdInput } from "./read-input.js";
import { EXIT_USAGE, EXIT_VALID, printable } from "./report.js";

/**
 * Standard output that cannot be written (a report, --help or --version): a reader that stopped reading
 * (`tracehop inspect rows.json | head`, EPIPE) wanted no more, so the process ends quietly with the
 * report's exit code; another failure (ENOSPC) is said in one line, exit {@link EXIT_USAGE}. Never
 * Node's unhandled 'error' stack trace.
 */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code !== "EPIPE")
    process.stderr.write(
      `tracehop: cannot write to standard output: ${printable(err.code ?? err.message)}\n`,
    );
  process.exit(err.code === "EPIPE" ? (process.exitCode ?? EXIT_VALID) : EXIT_USAGE);
}

/**
 * `chunk` written to standard output; when it holds more than its buffer (a pipe whose reader is
 * slower, or stopped reading), a promise of its 'drain': the next report is made only then, so a large
 * input's reports are never buffered whole, and a reader that closed (`| head`) ends inspect at its
 * 'error' ({@link onStdoutError}) after a buffer's worth of reports, not after all of them.
 */
function writeOut(chunk: string): Promise<void> | undefined {
  return process.stdout.write(chunk)
    ? undefined
    : new Promise((resolve) => process.stdout.once("drain", () => resolve()));
}

process.stdout.on("error", onStdoutError);
// Standard error that cannot be written (2>/dev/full, a closed pipe): the message is lost, the exit
// code still says what happened (never Node's exit 1 for an unhandled 'error').
process.stderr.on("error", () => {});
void runTracehop(process.argv.slice(2), {
  writeOut,
  writeErr: (chunk) => void process.stderr.write(chunk),
  env: process.env,
  stdin: fdInput(0),
  // The exit code of the reports made so far: the code onStdoutError ends with when the reader stops.
  reportsExitCode: (code) => (process.exitCode = code),
}).then((code) => {
  process.exitCode = code;
});
