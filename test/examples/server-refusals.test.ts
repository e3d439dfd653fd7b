// What the example says and does when a database server that is running refuses DATABASE_URL: a database
// that does not exist (`npm run migrate` and `npm start` create it, as `prisma migrate deploy` does; the
// api, relay and worker started by hand say to run it), a login refused, a user who may not create the
// database. None is answered "Start the database server": the server is running and has answered.
// Real PostgreSQL and MariaDB servers (skipped, saying so, when one is missing).
import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import mariadb, { type Connection } from "mariadb";
import type pg from "pg";
import { createServerDatabase, mysqlTarget } from "../../examples/preprocess/migrate-server.js";
import { connectPostgres, MYSQL_URL, PG_URL } from "../prisma/databases.js";
import { runExample } from "../support/main-job.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

/** `base` (a server URL) naming the database `database` and, when given, the user `user`. */
function urlOf(base: string, database: string, user?: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  if (user !== undefined) {
    u.username = user;
    u.password = "";
  }
  return u.href;
}

/**
 * The example's line for a database the server says does not exist, when the worker is started by hand: its
 * code last, as a named process's exit-2 line ends (config.ts exitForBadInput).
 */
const runMigrateFirst = (url: string, said: string) =>
  `tracehop preprocess: worker: cannot open the database of DATABASE_URL (${url}): ${said}. Create it and its tables ` +
  `with npm run migrate (same DATABASE_URL), fix the database name in DATABASE_URL, or unset it to use the ` +
  `embedded SQLite file; exiting with code 2\n`;

/**
 * The example's line for a login the server refused: `npm run migrate`'s (prepare), the worker's (open: its code
 * last, as a named process's exit-2 line ends, config.ts exitForBadInput).
 */
const loginRefused = (step: "prepare" | "open", url: string, said: string) =>
  `tracehop preprocess: ${step === "open" ? "worker: " : ""}cannot ${step} the database of DATABASE_URL (${url}): ${said}. The server refused the ` +
  `login: fix the user or password in DATABASE_URL (or the server's access rules), or unset it to use the ` +
  `embedded SQLite file${step === "open" ? "; exiting with code 2" : "."}\n`;

describe("PostgreSQL refuses DATABASE_URL", () => {
  /**
   * A connection to the server of PG_URL, closed after the test once `cleanup` (undoing what the test made
   * on the server) has run; undefined after skipping `t`.
   */
  async function admin(t: TestContext, cleanup?: (client: pg.Client) => Promise<unknown>) {
    const client = await connectPostgres();
    if (typeof client === "string") {
      t.skip(client);
      return undefined;
    }
    t.after(async () => {
      await cleanup?.(client);
      await client.end();
    });
    return client;
  }

  test("a database that does not exist: npm run migrate creates and migrates it; the worker by hand says to run it", async (t) => {
    const database = `tracehop_created_${process.pid}`;
    const drop = (c: pg.Client) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    const pg = await admin(t, drop);
    if (!pg) return;
    const url = urlOf(PG_URL, database);
    await drop(pg);

    const worker = await runExample("worker", [], { DATABASE_URL: url });
    assert.equal(worker.code, 2, worker.stderr);
    assert.equal(worker.stderr, runMigrateFirst(url, `database "${database}" does not exist`));

    const migrate = await runExample("migrate", [], { DATABASE_URL: url });
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.equal(
      migrate.stdout.split("\n")[0],
      `tracehop preprocess: created the database ${database} of DATABASE_URL (${url})`,
    );
    assert.match(migrate.stdout.split("\n")[1]!, /^tracehop preprocess: applied 20261130000000_init, /);
    const { rows } = await pg.query("SELECT datname FROM pg_database WHERE datname = $1", [database]);
    assert.equal(rows.length, 1);
    // A second run finds it, creates nothing.
    const again = await runExample("migrate", [], { DATABASE_URL: url });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      again.stdout,
      `tracehop preprocess: the database of DATABASE_URL (${url}) has every migration already\n`,
    );
  });

  test("a role that does not exist: the login is refused, said as such, for npm run migrate and the worker", async (t) => {
    if (!(await admin(t))) return;
    const role = `tracehop_nosuch_${process.pid}`;
    const url = urlOf(PG_URL, new URL(PG_URL).pathname.slice(1), role);
    const said = `role "${role}" does not exist`;
    const migrate = await runExample("migrate", [], { DATABASE_URL: url });
    assert.equal(migrate.code, 2, migrate.stderr);
    assert.equal(migrate.stderr, loginRefused("prepare", url, said));
    const worker = await runExample("worker", [], { DATABASE_URL: url });
    assert.equal(worker.code, 2, worker.stderr);
    assert.equal(worker.stderr, loginRefused("open", url, said));
  });

  test("a user who may not create databases: one line with both refusals, nothing created", async (t) => {
    const role = `tracehop_nocreatedb_${process.pid}`;
    const database = `tracehop_notcreated_${process.pid}`;
    const drop = (c: pg.Client) => c.query(`DROP ROLE IF EXISTS ${role}`);
    const pg = await admin(t, drop);
    if (!pg) return;
    await drop(pg);
    await pg.query(`CREATE ROLE ${role} LOGIN NOCREATEDB`);
    const url = urlOf(PG_URL, database, role);
    const r = await runExample("migrate", [], { DATABASE_URL: url });
    if (r.stderr.includes("authentication failed"))
      return t.skip(`the server at ${PG_URL} asks ${role} for a password (this test needs trust auth)`);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      `tracehop preprocess: cannot prepare the database of DATABASE_URL (${url}): database "${database}" does not ` +
        `exist, and creating it failed (permission denied to create database). Create it on the server as a user ` +
        `allowed to, fix the database name in DATABASE_URL, or unset it to use the embedded SQLite file.\n`,
    );
    assert.equal(r.stdout, "");
    const { rows } = await pg.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    assert.equal(rows.length, 0);
  });

  test("a name pg reads with a %2F left encoded: created under the name the migration then opens", async (t) => {
    const database = `tracehop_enc%2Fname_${process.pid}`;
    const drop = (c: pg.Client) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    const pg = await admin(t, drop);
    if (!pg) return;
    await drop(pg);
    const url = urlOf(PG_URL, database);
    const r = await runExample("migrate", [], { DATABASE_URL: url });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout.split("\n")[0],
      `tracehop preprocess: created the database ${database} of DATABASE_URL (${url})`,
    );
    const { rows } = await pg.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `tracehop_enc%name_${process.pid}`,
    ]);
    assert.deepEqual(
      rows.map((row: { datname: string }) => row.datname),
      [database],
    );
  });

  test("several processes creating the same missing database at once: each finds it made", async (t) => {
    const database = `tracehop_race_${process.pid}`;
    const drop = (c: pg.Client) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    const pg = await admin(t, drop);
    if (!pg) return;
    await drop(pg);
    const url = urlOf(PG_URL, database);
    // CREATE DATABASE run at the same moment fails with 23505 (unique_violation), not 42P04.
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => createServerDatabase("postgresql", url)),
    );
    assert.deepEqual(
      results.map((r) => (r.status === "fulfilled" ? r.value : String(r.reason))),
      Array(6).fill(database),
    );
  });
});

describe("MySQL/MariaDB refuses DATABASE_URL", () => {
  /** A connection to the server of MYSQL_URL without a database: as the PostgreSQL one. */
  async function admin(t: TestContext, cleanup?: (conn: Connection) => Promise<unknown>) {
    try {
      const conn = await mariadb.createConnection({
        ...mysqlTarget(MYSQL_URL),
        database: "",
        connectTimeout: 15_000,
      });
      t.after(async () => {
        await cleanup?.(conn);
        await conn.end();
      });
      return conn;
    } catch (err) {
      t.skip(
        `MariaDB/MySQL not reachable at ${MYSQL_URL} (${(err as Error).message}): start it or set TRACEHOP_TEST_MYSQL_URL`,
      );
      return undefined;
    }
  }

  test("a database that does not exist: npm run migrate creates it (utf8mb4), the worker by hand says to run it", async (t) => {
    const database = `tracehop_created_${process.pid}`;
    const drop = (c: Connection) => c.query(`DROP DATABASE IF EXISTS \`${database}\``);
    const my = await admin(t, drop);
    if (!my) return;
    const url = urlOf(MYSQL_URL, database);
    await drop(my);

    const worker = await runExample("worker", [], { DATABASE_URL: url });
    assert.equal(worker.code, 2, worker.stderr);
    assert.equal(worker.stderr, runMigrateFirst(url, `Unknown database '${database}'`));

    const migrate = await runExample("migrate", [], { DATABASE_URL: url });
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.equal(
      migrate.stdout.split("\n")[0],
      `tracehop preprocess: created the database ${database} of DATABASE_URL (${url})`,
    );
    const rows = (await my.query(
      "SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
      [database],
    )) as { cs: string }[];
    assert.deepEqual(
      rows.map((r) => r.cs),
      ["utf8mb4"],
    );
  });

  test("a wrong password: the login is refused, said as such", async (t) => {
    if (!(await admin(t))) return;
    const u = new URL(MYSQL_URL);
    u.username = `tracehop_nosuch_${process.pid}`;
    u.password = "wrong";
    const shown = u.href.replace(":wrong@", ":***@");
    const r = await runExample("migrate", [], { DATABASE_URL: u.href });
    assert.equal(r.code, 2, r.stderr);
    // MariaDB adds "(using password: YES)" or not, depending on how far the login got (seen both ways
    // on the same server): the server's words are quoted, whichever they are.
    const lines = ["", " (using password: YES)"].map((said) =>
      loginRefused("prepare", shown, `Access denied for user '${u.username}'@'${u.hostname}'${said}`),
    );
    assert.ok(lines.includes(r.stderr), r.stderr);
  });

  test("a user with no rights on the database's name: said as a database refused to that user, not a login", async (t) => {
    const user = `tracehop_norights_${process.pid}`;
    const dropUser = (c: Connection) => c.query(`DROP USER IF EXISTS '${user}'@'%'`);
    const my = await admin(t, dropUser);
    if (!my) return;
    await dropUser(my);
    await my.query(`CREATE USER '${user}'@'%'`);
    const u = new URL(MYSQL_URL);
    u.username = user;
    u.password = "";
    u.pathname = `/tracehop_missing_${process.pid}`;
    const r = await runExample("migrate", [], { DATABASE_URL: u.href });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      `tracehop preprocess: cannot prepare the database of DATABASE_URL (${u.href}): Access denied for user ` +
        `'${user}'@'%' to database 'tracehop_missing_${process.pid}'. The server does not let this user use that ` +
        `database (or, on MySQL, create it): grant the user access to it (or create it as a user allowed to), fix ` +
        `the database name or the user in DATABASE_URL, or unset it to use the embedded SQLite file.\n`,
    );
  });
});

test("a server URL that names no database is refused before connecting, saying to add it", async () => {
  for (const [url, shape] of [
    ["postgresql://postgres@127.0.0.1:5432", "postgresql://USER:PASSWORD@HOST:5432/DATABASE"],
    ["mysql://root@127.0.0.1:3306/", "mysql://USER:PASSWORD@HOST:3306/DATABASE"],
  ]) {
    const r = await runExample("migrate", [], { DATABASE_URL: url! });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      `tracehop preprocess: DATABASE_URL (${url}) names no database: add its name after the host and port (${shape})\n`,
    );
  }
});
