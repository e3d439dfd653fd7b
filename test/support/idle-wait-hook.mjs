// Preloaded (NODE_OPTIONS=--import) into a process of the main job by the tests of its stop: says on stderr
// when the process arms a timer of TRACEHOP_TEST_IDLE_WAIT_MS (its poll interval, or the relay's retry wait
// after a failed pass), so that a test can send its signal while the process waits, not before that wait has
// begun. A test hook, not the process's.
import { createHook } from "node:async_hooks";
import { writeSync } from "node:fs";
import process from "node:process";

const waitMs = Number(process.env.TRACEHOP_TEST_IDLE_WAIT_MS);
createHook({
  init(_id, type, _trigger, resource) {
    // writeSync, not console: an asynchronous write in an init hook would start resources of its own.
    if (type === "Timeout" && resource._idleTimeout === waitMs)
      writeSync(2, `test hook: waiting ${waitMs} ms\n`);
  },
}).enable();
