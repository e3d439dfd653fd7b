// How the example (examples/preprocess) connects to a server database: a PostgreSQL URL's sslmode, as the
// pg driver reads it, and the user of a MySQL URL that names none; on the real servers.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import mariadb, { type Connection } from "mariadb";
import { openDatabase, prepareDatabase } from "../../examples/preprocess/db.js";
import { mysqlTarget, postgresTarget } from "../../examples/preprocess/migrate-server.js";
import { connectPostgres, MYSQL_URL, PG_URL } from "../prisma/databases.js";
import { runExample } from "../support/main-job.js";

/** `PG_URL` with the query parameters `query` (`name=value&...`) added. */
const pgUrl = (query: string) => `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}${query}`;

describe("a PostgreSQL URL's sslmode", () => {
  test("prefer, require and verify-ca are given to pg as verify-full (what pg 8 does with them), unless uselibpqcompat=true asks for libpq's meaning", () => {
    for (const [query, sslmode] of [
      ["sslmode=require", "verify-full"],
      ["sslmode=prefer", "verify-full"],
      ["sslmode=verify-ca", "verify-full"],
      ["sslmode=require&uselibpqcompat=false", "verify-full"],
      // The last one counts, as pg reads it.
      ["sslmode=disable&sslmode=require", "verify-full"],
      ["sslmode=require&sslmode=disable", "disable"],
      ["sslmode=require&uselibpqcompat=true", "require"],
      ["sslmode=verify-full", "verify-full"],
      ["sslmode=disable", "disable"],
      ["sslmode=no-verify", "no-verify"],
      ["sslmode=REQUIRE", "REQUIRE"],
      ["", undefined],
    ] as const) {
      const { connectionString, schema } = postgresTarget(`postgresql://u:p@h:5432/db?schema=s&${query}`);
      const params = new URL(connectionString).searchParams;
      // pg reads the last one.
      assert.equal(params.getAll("sslmode").at(-1), sslmode, query);
      assert.deepEqual([schema, params.has("schema")], ["s", false], query);
    }
  });

  test("npm run migrate with sslmode=require: one line, no multi-line warning of pg before it, saying what it was read as", async (t) => {
    const admin = await connectPostgres();
    if (typeof admin === "string") return t.skip(admin);
    const { rows } = await admin.query<{ ssl: string }>("SHOW ssl").finally(() => admin.end());
    if (rows[0]?.ssl !== "off") return t.skip("this test needs a PostgreSQL server without TLS");
    const url = pgUrl("schema=tracehop_sslmode_none&sslmode=require");
    const r = await runExample("migrate", [], { DATABASE_URL: url }, 30_000);
    assert.equal(r.code, 2, r.stderr);
    // Before: pg's "(node:PID) Warning: SECURITY WARNING: The SSL modes 'prefer', 'require', and 'verify-ca'
    // are treated as aliases for 'verify-full'. ..." (nine lines) came first.
    assert.equal(
      r.stderr,
      `tracehop preprocess: cannot prepare the database of DATABASE_URL (${url}): The server does not support SSL connections. ` +
        "sslmode=require was used as sslmode=verify-full, as the pg driver reads it (the server's certificate and host name verified): " +
        "add uselibpqcompat=true for libpq's meaning (encrypted, certificate not verified). " +
        "Start the database server, fix DATABASE_URL, or unset it to use the embedded SQLite file.\n",
    );
  });
});

describe("a MySQL URL without a user", () => {
  const saved = process.env.DATABASE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });

  test("the migration and the pipeline's Prisma client connect as the same user, root", async (t) => {
    assert.equal(mysqlTarget("mysql://127.0.0.1:3306/db").user, "root");
    assert.equal(mysqlTarget("mysql://alice@127.0.0.1:3306/db").user, "alice");
    const server = new URL(MYSQL_URL);
    if (server.username !== "root" || server.password !== "")
      return t.skip(
        `needs a MySQL server whose root has no password (TRACEHOP_TEST_MYSQL_URL is ${server.host})`,
      );
    const database = `tracehop_no_user_${process.pid}`;
    let admin: Connection;
    try {
      admin = await mariadb.createConnection({ ...mysqlTarget(MYSQL_URL), connectTimeout: 3000 });
    } catch (err) {
      return t.skip(`MariaDB/MySQL not reachable at ${MYSQL_URL} (${(err as Error).message})`);
    }
    await admin.query(`CREATE DATABASE \`${database}\``);
    const url = `mysql://${server.host}/${database}`;
    process.env.DATABASE_URL = url;
    const db = openDatabase(url);
    try {
      assert.equal((await prepareDatabase()).length > 0, true);
      // Before: the migration connected as root, the adapter with no user name: each query failed after the
      // pool's 10 s wait ("pool timeout: failed to retrieve a connection from pool").
      assert.equal(await db.preprocessJob.count(), 0);
    } finally {
      await db.$disconnect();
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    }
  });
});
