/**
 * One build of a clone at a time: `npm start`, `npm test`, `npm run build` and `npm pack` each generate the
 * Prisma clients (scripts/prisma-generate.ts) and build dist/ (scripts/build.ts) under this lock, so that two
 * of them started together (two terminals, an editor's task, CI steps) do not remove or write each other's
 * files: without it, one build removed dist/ while the other's tsc wrote it, and the stamp of one recorded
 * outputs the other then changed. The one that waits says so once, with the holder's process id, and then
 * looks again at what is stale (the other build has usually just made it up to date).
 *
 * The lock is the file `.tmp/build.lock` (written under another name and linked into place: only one process
 * can create it, and it appears whole), holding `{ pid, host, what, since, token }`; it is removed when its
 * holder ends, on an error or Ctrl-C too. A lock whose holder is no longer running on this host (a build
 * killed with SIGKILL, a machine restarted) is taken over, with a line saying so, by one waiter only: the
 * one that creates the claim `.tmp/build.lock.<token>` removes it, so that waiters racing over it still build
 * one at a time. A lock that names no holder (left empty by a crash or a full disk) is said, with
 * the fix, and never taken over: no process to wait for is known. A lock written on another host (a clone shared over a network) is never taken over:
 * the message says to remove the file when no build runs there. Not under dist/ (the build removes dist/)
 * nor node_modules/ (a link shared by several clones in some setups).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants, hostname } from "node:os";
import { join } from "node:path";

/** Where the lock is, relative to the clone's root. */
export const BUILD_LOCK = ".tmp/build.lock";

/** What a lock file holds. */
interface LockHolder {
  pid: number;
  host: string;
  what: string;
  since: string;
  token: string;
}

/** After how many looks in a row (100 ms apart) a lock naming no holder is said ({@link withBuildLock}). */
const UNNAMED_LOOKS = 10;

/**
 * A pause (ms) after each step of a takeover (the look that found the holder dead, the claim), from
 * TRACEHOP_TEST_LOCK_TAKEOVER_PAUSE_MS: test/package/build-lock-race.test.ts widens there the gaps in which
 * other waiters act, so that their race happens on most runs rather than rarely. 0 (none) otherwise.
 */
const takeoverPause = Number(process.env.TRACEHOP_TEST_LOCK_TAKEOVER_PAUSE_MS) || 0;

/** Sleeps `ms` milliseconds, blocking (the build scripts are synchronous). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The holder recorded in the lock file at `path`, `undefined` when it is gone or unreadable (being written). */
function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, "utf8")) as Partial<LockHolder>;
    return typeof holder.pid === "number" && typeof holder.token === "string"
      ? (holder as LockHolder)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether process `pid` of this host is running (EPERM: it runs under another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Creates the file `path` holding `holder`, whole or not at all: written under a name of its own, then linked
 * to `path` (a link, like O_EXCL, fails when `path` exists; unlike a file created empty and then written, no
 * reader ever finds it naming no holder). True when created; false when `path` exists. A failed write (a full
 * disk) throws, and leaves nothing.
 */
function createHolding(path: string, holder: LockHolder): boolean {
  const written = `${path}.${holder.token}.new`;
  try {
    writeFileSync(written, JSON.stringify(holder) + "\n", { flag: "wx" });
    linkSync(written, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(written, { force: true });
  }
}

/**
 * Removes the lock file `path` left by `holder`, a process of this host that no longer runs, when this waiter
 * wins the claim to it; true when it did. The claim is a file of its own, `<path>.<holder's token>`, created
 * as the lock is (only one waiter can): of several waiters that found the same dead holder, only the one that
 * created it removes the lock, after looking that the file still names that holder (the others may have
 * looked before a live lock replaced it). Nothing is moved aside and put back, so a live lock is never
 * absent for a moment in which a third waiter could create one (two builds then ran at once). A claim whose
 * maker died (killed during the takeover) is itself removed the same way, so no takeover stays stuck.
 */
function removeDeadLock(path: string, holder: LockHolder, me: LockHolder): boolean {
  const claim = `${path}.${holder.token}`;
  if (!createHolding(claim, me)) {
    const claimer = readHolder(claim);
    if (claimer !== undefined && claimer.host === me.host && !running(claimer.pid))
      removeDeadLock(claim, claimer, me);
    return false;
  }
  try {
    if (takeoverPause > 0) sleep(takeoverPause);
    // Only the claim's maker removes the lock it names: it still names the dead holder, unless removed by hand.
    if (readHolder(path)?.token !== holder.token) return false;
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(claim, { force: true });
  }
}

/** The child processes the lock's holder runs ({@link runChild}): a signal that stops the holder stops them. */
const children = new Set<ChildProcess>();
/** The number of the signal that stopped the holder while a child ran, once one did. */
let stoppedBy: number | undefined;

/**
 * Runs `command` with `args` as a child process of the lock's holder (its output the holder's), and resolves
 * with its exit code: 128 + the signal's number when a signal ended it, as a shell reports it. A child run
 * so is stopped with the signal that stops the holder (SIGINT, SIGTERM, SIGHUP; {@link withBuildLock}); once
 * one did, no other starts (it resolves with that code at once). Rejects when the child cannot be started.
 */
export function runChild(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<number> {
  if (stoppedBy !== undefined) return Promise.resolve(128 + stoppedBy);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: "inherit" });
    children.add(child);
    child.once("error", (error) => {
      children.delete(child);
      reject(error);
    });
    child.once("close", (code, signal) => {
      children.delete(child);
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}

/**
 * Runs `work` holding the build lock of the clone at `root` and resolves with its exit code; waits (polling every
 * 100 ms, without a limit: the message names the process to stop) while another process holds it. `what`
 * names this holder in the message another waiter prints (e.g. "build of dist/"). The lock is released when
 * `work` returns or throws, and when the process is stopped by SIGINT, SIGTERM or SIGHUP: at once, exiting
 * 128 + the signal's number as a shell reports it (130 for Ctrl-C, 143 for SIGTERM), when no child of
 * {@link runChild} runs; else the signal is passed to the children (Ctrl-C reached them already: it goes to
 * the whole process group; `kill PID` reaches the holder alone), `work` is let end (each of its `runChild`
 * calls resolves with that code) and the exit code is that code, whatever `work` returns. Writes its
 * messages with `log` (one line each).
 */
export async function withBuildLock(
  root: string,
  what: string,
  work: () => number | Promise<number>,
  log: (line: string) => void = console.log,
): Promise<number> {
  const path = join(root, BUILD_LOCK);
  mkdirSync(join(root, ".tmp"), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    what,
    since: new Date().toISOString(),
    token: randomUUID(),
  };
  let told = false;
  /** How many looks in a row found the lock naming no holder. */
  let unnamed = 0;
  for (;;) {
    if (createHolding(path, me)) break;
    const holder = readHolder(path);
    if (holder !== undefined && holder.host === me.host && !running(holder.pid)) {
      if (takeoverPause > 0) sleep(takeoverPause);
      if (removeDeadLock(path, holder, me))
        log(
          `build: ${BUILD_LOCK} was left by process ${holder.pid} (${holder.what}), which no longer runs: taking it over`,
        );
      continue;
    }
    // No holder read: the lock was released between the attempt and the look (for a moment), or it is empty: a
    // machine stopped right after its creation, before its text reached the disk. Said once it stays so for ten looks (a second):
    // no process to wait for is known, so it is never taken over.
    unnamed = holder === undefined ? unnamed + 1 : 0;
    if (!told && unnamed >= UNNAMED_LOOKS) {
      told = true;
      log(
        `build: waiting for ${BUILD_LOCK}, which names no holder (a build starting, or one stopped by a crash or a ` +
          `full disk while it wrote the file): if no build of this clone runs, remove ${BUILD_LOCK}`,
      );
    }
    if (!told && holder !== undefined) {
      told = true;
      log(
        holder.host === me.host
          ? `build: waiting for another ${holder.what} (process ${holder.pid}, since ${holder.since}) to finish; ` +
              `it holds ${BUILD_LOCK}`
          : `build: waiting for the ${holder.what} of host ${holder.host} (process ${holder.pid}, since ${holder.since}); ` +
              `if no build runs there, remove ${BUILD_LOCK}`,
      );
    }
    sleep(100);
  }

  const release = () => {
    if (readHolder(path)?.token === me.token) rmSync(path, { force: true });
  };
  const signals = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
  const handlers = Object.entries(signals).map(([signal, number]) => {
    const handler = () => {
      if (children.size === 0) {
        release();
        process.exit(128 + number);
      }
      // A child killed first: the lock is released once it has ended (it may still write dist/ until then).
      stoppedBy ??= number;
      for (const child of children) child.kill(signal as NodeJS.Signals);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const code = await work();
    return stoppedBy === undefined ? code : 128 + stoppedBy;
  } finally {
    release();
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
