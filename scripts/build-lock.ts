/**
 * One build of a clone at a time: `npm start`, `npm test`, `npm run build` and `npm pack` each generate the
 * Prisma clients (scripts/prisma-generate.ts) and build dist/ (scripts/build.ts) under this lock, so that two
 * of them started together (two terminals, an editor's task, CI steps) do not remove or write each other's
 * files: without it, one build removed dist/ while the other's tsc wrote it, and the stamp of one recorded
 * outputs the other then changed. The one that waits says so once, with the holder's process id, and then
 * looks again at what is stale (the other build has usually just made it up to date).
 *
 * The lock is the file `.tmp/build.lock` (created with O_EXCL: only one process can create it), holding
 * `{ pid, host, what, since }`; it is removed when its holder ends, on an error or Ctrl-C too. A lock whose
 * holder is no longer running on this host (a build killed with SIGKILL, a machine restarted) is taken over,
 * with a line saying so. A lock that names no holder (left empty by a crash or a full disk) is said, with
 * the fix, and never taken over: no process to wait for is known. A lock written on another host (a clone shared over a network) is never taken over:
 * the message says to remove the file when no build runs there. Not under dist/ (the build removes dist/)
 * nor node_modules/ (a link shared by several clones in some setups).
 */
import { randomUUID } from "node:crypto";
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
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
 * Runs `work` holding the build lock of the clone at `root` and returns what it returns; waits (polling every
 * 100 ms, without a limit: the message names the process to stop) while another process holds it. `what`
 * names this holder in the message another waiter prints (e.g. "build of dist/"). The lock is released when
 * `work` returns or throws, and when the process is stopped by SIGINT, SIGTERM or SIGHUP (it then exits
 * 128 + the signal's number, as a shell reports it). Writes its messages with `log` (one line each).
 */
export function withBuildLock<T>(
  root: string,
  what: string,
  work: () => T,
  log: (line: string) => void = console.log,
): T {
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
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, JSON.stringify(me) + "\n");
      } catch (error) {
        // Not written (a full disk): removed, else it would stay, naming no holder, for every later build.
        closeSync(fd);
        rmSync(path, { force: true });
        throw error;
      }
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(path);
    if (holder !== undefined && holder.host === me.host && !running(holder.pid)) {
      if (takeoverPause > 0) sleep(takeoverPause);
      // Taken aside under a name of our own before it is removed: of two waiters that both found it stale,
      // only one moves it, and neither removes a lock the other has just created in its place.
      const aside = `${path}.${me.token}`;
      try {
        renameSync(path, aside);
      } catch {
        continue; // Another waiter moved it first.
      }
      if (takeoverPause > 0) sleep(takeoverPause);
      const moved = readHolder(aside);
      if (moved?.token === holder.token) {
        rmSync(aside, { force: true });
        log(
          `build: ${BUILD_LOCK} was left by process ${holder.pid} (${holder.what}), which no longer runs: taking it over`,
        );
      } else {
        // A live lock created between the look and the move: put it back (a link, unlike a rename, does not
        // replace a lock created since), and its holder finds it in place when it releases it.
        try {
          linkSync(aside, path);
        } catch {
          // A third process created one meanwhile: that one holds the lock now.
        }
        rmSync(aside, { force: true });
      }
      continue;
    }
    // A lock naming no holder is one being written (for a moment), or one left empty: a machine stopped right
    // after its creation, before its text reached the disk. Said once it stays so for ten looks (a second):
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
      release();
      process.exit(128 + number);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return work();
  } finally {
    release();
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
