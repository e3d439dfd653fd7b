// The build lock's takeover of a dead holder's lock (scripts/build-lock.ts) under a race: several real
// processes find the same dead holder's lock at once; one build at a time must still run. Was possible: two
// waiters both found the holder dead, the first took the lock over and created its own, the second then
// moved that live lock aside, and a third created one in the gap, so the first and the third both built.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BUILD_LOCK } from "../../scripts/build-lock.js";
import { tempDir } from "../support/temp-dir.js";

const ROOT = join(import.meta.dirname, "../..");
const RACER = join(ROOT, "test/package/fixtures/build-lock/racer.ts");
/** A process id above Linux's largest (2^22): no process runs under it. */
const DEAD_PID = 2 ** 22 + 1;

/** Runs `count` racers over `root`'s lock, released together by the file `go`; their exit codes and stderr. */
async function race(root: string, log: string, count: number) {
  const go = join(root, "go");
  const ready: Promise<void>[] = [];
  const racers = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ["--import", "tsx", RACER, root, log, go], {
      cwd: ROOT,
      env: { ...process.env, TRACEHOP_TEST_LOCK_TAKEOVER_PAUSE_MS: "30" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    ready.push(new Promise((resolve) => child.stdout.once("data", () => resolve())));
    return new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.on("close", (code) => resolve({ code, stderr })),
    );
  });
  // Released once every racer waits for `go` (each said `ready`: tsx and the lock's module loaded), so that
  // they look at the lock together rather than as each happens to finish starting.
  await Promise.race([Promise.all(ready), Promise.all(racers)]);
  writeFileSync(go, "");
  return Promise.all(racers);
}

/** The holders in `log` overlapping: an `enter` while another holder has not written its `exit`. */
function overlaps(log: string): string[] {
  const found: string[] = [];
  let inside: string | undefined;
  for (const line of readFileSync(log, "utf8").trim().split("\n")) {
    const [event, pid] = line.split(" ");
    if (event === "enter") {
      if (inside !== undefined) found.push(`${pid} entered while ${inside} held the lock`);
      inside = pid;
    } else if (inside === pid) inside = undefined;
  }
  return found;
}

test("processes racing over a dead holder's lock take it one at a time: exactly one holder at any moment", async (t) => {
  const dir = tempDir(t, "build-lock-race");
  const count = 8;
  // Each racer pauses after each step of a takeover (TRACEHOP_TEST_LOCK_TAKEOVER_PAUSE_MS), so that all act on
  // the same look and the others' polls fall in its gaps. One round: without an atomic takeover, eight of
  // eight such rounds overlapped (two holders at once), and three of three single-round runs (each racer a
  // process of its own through tsx: a round is some 8 s of CPU, which a CI of 2 CPUs shares with the suite).
  const rounds = 1;
  for (let round = 1; round <= rounds; round++) {
    const root = join(dir, `round-${round}`);
    mkdirSync(join(root, ".tmp"), { recursive: true });
    writeFileSync(
      join(root, BUILD_LOCK),
      JSON.stringify({
        pid: DEAD_PID,
        host: hostname(),
        what: "build of dist/",
        since: "then",
        token: "dead",
      }),
    );
    const log = join(root, "holders.log");
    const ends = await race(root, log, count);
    for (const { code, stderr } of ends) assert.equal(code, 0, stderr);
    assert.deepEqual(overlaps(log), [], `round ${round}`);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    assert.equal(lines.length, 2 * count, `round ${round}: every racer held the lock once`);
    // Said by exactly one racer: the one that took it over.
    const said = ends.filter(({ stderr }) => stderr.includes("which no longer runs: taking it over"));
    assert.equal(said.length, 1, `round ${round}: ${said.length} racers said they took the lock over`);
    assert.ok(!existsSync(join(root, BUILD_LOCK)), `round ${round}: the lock stayed`);
  }
});

test("a claim to a dead holder's lock left by a waiter killed during its takeover does not stop the takeover", async (t) => {
  const root = tempDir(t, "build-lock-dead-claim");
  mkdirSync(join(root, ".tmp"));
  const dead = { host: hostname(), what: "build of dist/", since: "then" };
  writeFileSync(join(root, BUILD_LOCK), JSON.stringify({ ...dead, pid: DEAD_PID, token: "dead" }));
  // What a waiter killed between its claim and its removal of the lock leaves: the claim, naming it.
  writeFileSync(
    join(root, `${BUILD_LOCK}.dead`),
    JSON.stringify({ ...dead, pid: DEAD_PID, token: "claimer" }),
  );
  const log = join(root, "holders.log");
  const [end] = await race(root, log, 1);
  assert.equal(end!.code, 0, end!.stderr);
  assert.match(end!.stderr, /which no longer runs: taking it over/);
  assert.deepEqual(readdirSync(join(root, ".tmp")), []);
});
