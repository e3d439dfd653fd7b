// A MariaDB server of the test's own, for a server setting the shared one (TRACEHOP_TEST_MYSQL_URL) does not
// have and a test must not change there (its binary log, a global variable): a data folder initialised in
// a temporary folder by mariadb-install-db, mariadbd started on it on a free port of 127.0.0.1 with the
// test's options, stopped and the folder removed afterwards. On a 2-core VM the initialisation and start
// took 0.9 s (2.4 s with other tests running), a stop 0.2 s.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import {
  accessSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext } from "node:test";
import { promisify } from "node:util";
import mariadb, { type Connection } from "mariadb";
import { runs } from "./main-job.js";

/** The MariaDB server binary; override with TRACEHOP_TEST_MARIADBD. */
export const MARIADBD = process.env.TRACEHOP_TEST_MARIADBD ?? "/usr/sbin/mariadbd";
/** The script that initialises a data folder; override with TRACEHOP_TEST_MARIADB_INSTALL_DB. */
export const MARIADB_INSTALL_DB =
  process.env.TRACEHOP_TEST_MARIADB_INSTALL_DB ?? "/usr/bin/mariadb-install-db";

/** Longest wait for the server to accept connections after it was started, in milliseconds. */
const READY_WITHIN_MS = 30_000;

/**
 * Options of both the initialisation and the server: no option file of the machine's (its datadir,
 * port, socket, user are the shared server's), a small redo log (96 MiB by default: written in full by the
 * initialisation) and buffer pool.
 */
const COMMON = ["--no-defaults", "--innodb-log-file-size=8M", "--innodb-buffer-pool-size=32M"];

/** Undefined when both binaries are there and executable; else which is missing, for t.skip. */
export function privateMariaDbSkipReason(): string | undefined {
  const missing = [
    [MARIADBD, "TRACEHOP_TEST_MARIADBD"],
    [MARIADB_INSTALL_DB, "TRACEHOP_TEST_MARIADB_INSTALL_DB"],
  ].filter(([file]) => {
    try {
      accessSync(file!, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return undefined;
  return (
    `${missing.map(([file]) => file).join(" and ")} not found or not executable: these tests start a ` +
    `MariaDB server of their own (install the MariaDB server package, or set ` +
    `${missing.map(([, variable]) => variable).join(" and ")})`
  );
}

/** A running server of {@link startPrivateMariaDb}. */
export interface PrivateMariaDb {
  /** `mysql://root@127.0.0.1:<port>/<database>`: root, no password, the database made and migrated by the caller. */
  url(database: string): string;
  port: number;
  /** A connection as root to no database (closed by the caller with `end()`). */
  connect(): Promise<Connection>;
  /** Stops the server (SIGTERM, SIGKILL after 10 s) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** A TCP port of 127.0.0.1 that nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The number in `file`, or undefined. */
function pidIn(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the folders (and kills the servers) that a test process which ended without its `after` left
 * (killed by a signal, a crash): each `tracehop-mariadb-*` folder whose `owner.pid` names a process that
 * no longer runs; its server (`mariadb.pid`) is killed when that process is a mariadbd of that folder.
 */
function sweepLeftovers(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith("tracehop-mariadb-")) continue;
    const dir = join(tmpdir(), name);
    const owner = pidIn(join(dir, "owner.pid"));
    if (owner === undefined || runs(owner)) continue;
    const server = pidIn(join(dir, "mariadb.pid"));
    try {
      if (server !== undefined && readFileSync(`/proc/${server}/cmdline`, "utf8").includes(dir))
        process.kill(server, "SIGKILL");
    } catch {
      // gone already, or not ours
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The last `lines` lines of `file`, or "" when it cannot be read. */
function tailOf(file: string, lines = 8): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/**
 * Initialises a data folder in a new temporary folder (`<os temp>/tracehop-mariadb-XXXXXX`, root with no
 * password) and starts mariadbd on it, listening on a free port of 127.0.0.1 and a socket in that folder,
 * with `options` added (`--log-bin`, `--binlog-format=STATEMENT`); resolves once it accepts a connection.
 * Run as the current user (`--user`: mariadbd refuses to run as root without it).
 * @throws Error with the end of the server's error log when it fails to start or does not accept a
 *   connection within 30 s (the folder is removed then). Call {@link privateMariaDbSkipReason} first.
 */
export async function startPrivateMariaDb(options: readonly string[] = []): Promise<PrivateMariaDb> {
  const started = performance.now();
  sweepLeftovers();
  const dir = mkdtempSync(join(tmpdir(), "tracehop-mariadb-"));
  writeFileSync(join(dir, "owner.pid"), String(process.pid));
  const user = userInfo().username;
  const errorLog = join(dir, "error.log");
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  // A test process that ends without its `after` (an exit, a signal) kills the server and removes the
  // folder on its way out; one killed outright leaves them to the next start's sweepLeftovers.
  const leaveNothing = () => {
    server?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    leaveNothing();
    process.off(signal, onSignal);
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once("exit", leaveNothing);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const stop = async () => {
    process.off("exit", leaveNothing);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (server !== undefined && server.exitCode === null && server.signalCode === null) {
      const killer = setTimeout(() => server?.kill("SIGKILL"), 10_000);
      server.kill("SIGTERM");
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await promisify(execFile)(MARIADB_INSTALL_DB, [
      ...COMMON,
      `--datadir=${join(dir, "data")}`,
      `--user=${user}`,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ]).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`${MARIADB_INSTALL_DB} failed: ${err.stderr?.trim() || err.message}`, { cause: err });
    });
    const port = await freePort();
    server = spawn(
      MARIADBD,
      [
        ...COMMON,
        `--datadir=${join(dir, "data")}`,
        `--user=${user}`,
        "--bind-address=127.0.0.1",
        `--port=${port}`,
        `--socket=${join(dir, "mariadb.sock")}`,
        `--pid-file=${join(dir, "mariadb.pid")}`,
        `--log-error=${errorLog}`,
        ...options,
      ],
      { stdio: "ignore" },
    );
    exited = new Promise((resolve) => server!.once("exit", () => resolve()));
    const connect = () =>
      mariadb.createConnection({ host: "127.0.0.1", port, user: "root", connectTimeout: 1_000 });
    for (;;) {
      if (server.exitCode !== null || server.signalCode !== null)
        throw new Error(`${MARIADBD} exited (${server.exitCode ?? server.signalCode}):\n${tailOf(errorLog)}`);
      if (performance.now() - started > READY_WITHIN_MS)
        throw new Error(
          `${MARIADBD} accepted no connection within ${READY_WITHIN_MS} ms:\n${tailOf(errorLog)}`,
        );
      const probe = await connect().catch(() => undefined);
      if (probe !== undefined) {
        // Another server may have taken the port between freePort and the bind: then ours exits, and
        // this one must not be the test's (its databases would be made there and never dropped).
        const [{ datadir }] = (await probe
          .query("SELECT @@datadir AS datadir")
          .finally(() => probe.end())) as [{ datadir: string }];
        if (datadir.replace(/\/$/, "") !== join(dir, "data"))
          throw new Error(
            `port ${port} was taken by another MariaDB server (datadir ${datadir}) before ${MARIADBD} bound it: run the test again`,
          );
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      url: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
      port,
      connect,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The private server of one describe block ({@link startPrivateMariaDb} with `options`): started in
 * `before`, then `open(server)` run (it makes the block's databases and clients and returns what closes
 * them); in `after`, that close, then the server stopped. Each test starts with
 * `if (fixture.skipped(t)) return;`: true after skipping `t` with {@link privateMariaDbSkipReason}.
 */
export function privateMariaDbFixture(
  options: readonly string[],
  open: (server: PrivateMariaDb) => Promise<() => Promise<unknown>>,
): { skipped(t: TestContext): boolean } {
  let started: PrivateMariaDb | string = "the private MariaDB server was not started";
  let close: () => Promise<unknown> = async () => undefined;
  before(async () => {
    started = privateMariaDbSkipReason() ?? (await startPrivateMariaDb(options));
    if (typeof started === "string") return;
    const server = started;
    close = await open(server).catch(async (err: unknown) => {
      await server.stop();
      throw err;
    });
  });
  after(async () => {
    if (typeof started === "string") return;
    await close();
    await started.stop();
  });
  return {
    skipped(t) {
      if (typeof started !== "string") return false;
      t.skip(started);
      return true;
    },
  };
}
