// How the example (examples/preprocess) connects to a server database: a PostgreSQL URL's sslmode, as the
// pg driver reads it, and the user of a MySQL URL that names none; on the real servers.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import mariadb, { type Connection } from "mariadb";
import { databaseKind, openDatabase, prepareDatabase } from "../../examples/preprocess/db.js";
import { mysqlTarget, postgresTarget } from "../../examples/preprocess/migrate-server.js";
import { connectPostgres, MYSQL_URL, PG_URL } from "../prisma/databases.js";
import { runExample } from "../support/main-job.js";
import { requireBuild } from "../support/build.js";

// The file runs the compiled example: a missing or stale build fails it at once, saying to build.
requireBuild();

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

  test("a server without SSL: the line says to use sslmode=disable or enable SSL, for prefer and uselibpqcompat=true too, not to start the server", async (t) => {
    const admin = await connectPostgres();
    if (typeof admin === "string") return t.skip(admin);
    const { rows } = await admin.query<{ ssl: string }>("SHOW ssl").finally(() => admin.end());
    if (rows[0]?.ssl !== "off") return t.skip("this test needs a PostgreSQL server without TLS");
    const advice =
      "The pg driver does not fall back to an unencrypted connection: " +
      "use sslmode=disable (or leave sslmode out) for an unencrypted connection, or enable SSL on the server. " +
      "Or unset DATABASE_URL to use the embedded SQLite file.";
    // Guards against "sslmode=prefer was used as sslmode=verify-full ...: add uselibpqcompat=true ... Start
    // the database server, ...": pg with uselibpqcompat=true fails the same way, and the server is running.
    for (const sslmode of ["require", "prefer", "prefer&uselibpqcompat=true", "verify-full", "no-verify"]) {
      const url = pgUrl(`schema=tracehop_sslmode_none_h7&sslmode=${sslmode}`);
      const r = await runExample("migrate", [], { DATABASE_URL: url });
      assert.equal(r.code, 2, r.stderr);
      // No multi-line warning of pg before the line (pg's SECURITY WARNING for prefer, require, verify-ca).
      assert.equal(
        r.stderr,
        `tracehop preprocess: cannot prepare the database of DATABASE_URL (${url}): The server does not support SSL connections. ${advice}\n`,
        sslmode,
      );
    }
    // SSL asked for by another parameter: leaving sslmode out would not help.
    const url = pgUrl("schema=tracehop_sslmode_none_h7&ssl=true&sslmode=prefer");
    const r = await runExample("migrate", [], { DATABASE_URL: url });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /: use sslmode=disable for an unencrypted connection, or enable SSL on the server\. /,
    );
  });

  test("sslmode=allow and an unknown sslmode are refused before connecting, saying what to write (pg would require SSL, verified)", async () => {
    const instead =
      "use sslmode=disable (or leave sslmode out) for an unencrypted connection, or sslmode=verify-full for an " +
      "encrypted one, the server's certificate verified (sslmode=require&uselibpqcompat=true: not verified)";
    const url = (sslmode: string) => `postgresql://u:secret@127.0.0.1:5432/db?sslmode=${sslmode}`;
    const shown = (sslmode: string) => `postgresql://u:***@127.0.0.1:5432/db?sslmode=${sslmode}`;
    assert.throws(() => databaseKind(url("allow")), {
      message:
        `DATABASE_URL (${shown("allow")}): sslmode=allow is not supported by the pg driver: it would require SSL, ` +
        `the server's certificate verified, instead of trying without SSL first as libpq does: ${instead}`,
    });
    for (const bad of ["bogus", "REQUIRE", "disable&sslmode=allow"]) {
      const last = bad.split("=").at(-1) ?? bad;
      assert.throws(
        () => databaseKind(url(bad)),
        {
          message:
            last === "allow"
              ? new RegExp(`sslmode=allow is not supported by the pg driver`)
              : `DATABASE_URL (${shown(bad)}): sslmode=${last} is not an SSL mode (disable, prefer, require, verify-ca, ` +
                `verify-full, or pg's no-verify; the pg driver would require SSL, the certificate verified): ${instead}`,
        },
        bad,
      );
    }
    for (const good of [
      "disable",
      "prefer",
      "require",
      "verify-ca",
      "verify-full",
      "no-verify",
      "",
      "allow&sslmode=disable",
    ])
      assert.equal(databaseKind(url(good)), "postgresql", good);
    // Through npm run migrate: exit 2, that one line, nothing tried.
    const r = await runExample("migrate", [], { DATABASE_URL: url("bogus") });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^tracehop preprocess: DATABASE_URL \(postgresql:\/\/u:\*\*\*@127\.0\.0\.1:5432\/db\?sslmode=bogus\): sslmode=bogus is not an SSL mode .*\n$/,
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
      admin = await mariadb.createConnection({ ...mysqlTarget(MYSQL_URL), connectTimeout: 15_000 });
    } catch (err) {
      return t.skip(`MariaDB/MySQL not reachable at ${MYSQL_URL} (${(err as Error).message})`);
    }
    await admin.query(`CREATE DATABASE \`${database}\``);
    const url = `mysql://${server.host}/${database}`;
    process.env.DATABASE_URL = url;
    const db = await openDatabase(url);
    try {
      assert.equal((await prepareDatabase()).length > 0, true);
      // Guards against the migration connecting as root and the adapter with no user name: each query
      // would fail after the pool's 10 s wait ("pool timeout: failed to retrieve a connection from pool").
      assert.equal(await db.preprocessJob.count(), 0);
    } finally {
      await db.$disconnect();
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    }
  });
});
