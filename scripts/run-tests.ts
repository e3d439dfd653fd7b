// `npm test [-- FILE… | --node-test-flag…]`: every test/**/*.test.ts with node:test through tsx, two files at
// a time, or only the files given (`npm test -- test/examples/sentences.test.ts` ran the whole suite and the
// file again: npm appends the arguments to the script). Flags (`--test-name-pattern=…`) go to node's test
// runner, after this script's, so that `--test-concurrency=1` runs one file at a time again. The exit code is
// the runner's.
//
// Two files at a time: every test that needs a server makes what it uses its own (a PostgreSQL schema, a
// MariaDB database, queues named after a tag of its own, temporary folders, ports the system picks), so
// files do not meet; the suite's machine has two cores and most of a file's time is processes starting,
// which two files at a time overlap with another file's waits (on an idle 2-core machine: 702 s, against
// 983 s one file at a time; 471 s since the example's processes start compiled and most CLI cases run
// in-process). Three at a time was tried: on a loaded machine it failed timed stops and MariaDB writes
// that two at a time pass. A test that changes a server for everyone (a RabbitMQ setting) keeps it
// changed for seconds and puts it back (test/examples/relay-message-refused.test.ts).
//
// `--test-force-exit`: a file's process ends once its tests have, even when a failed or cancelled test left a
// handle open (a CI run hung for good on an AMQP connection a cancelled test never closed); the failure is
// still reported. `--test-timeout`: a test with no bound of its own fails after ten minutes instead of
// waiting for ever (the suite's longest file takes about three). Given again after `npm test --`, either
// flag is the runner's last word.
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
  [
    "--import",
    "tsx",
    "--test",
    "--test-reporter=spec",
    "--test-concurrency=2",
    "--test-force-exit",
    "--test-timeout=600000",
    ...flags,
    ...files,
  ],
  { cwd: ROOT, stdio: "inherit" },
);
// Killed by a signal: the code a shell gives (128 + its number).
process.exit(status ?? 128 + (signal === null ? 0 : constants.signals[signal]));
