/**
 * docs/example.md "Operating it" gives a query per database for the outbox backlog (unpublished rows and the age of
 * the oldest, in seconds): each is run here as written, on an Outbox holding one row published and two
 * not, the oldest stored 42 s ago (SQLite: the example's migrated file, rows written by its Prisma client;
 * PostgreSQL and MariaDB: a temporary Outbox of the migration's column types, times in UTC as Prisma
 * stores them). Each server's test skips with the reason when it is missing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import mariadb from "mariadb";
import { connectPostgres, MYSQL_URL, mysqlConnection } from "../prisma/databases.js";
import { openExampleSqliteFile, type ExampleSqliteFile } from "./sqlite-file.js";

/** docs/example.md's backlog query whose comment line starts `-- <database>`, its indented lines joined. */
function backlogQuery(database: string): string {
  const page = readFileSync(join(import.meta.dirname, "../../docs/example.md"), "utf8").split("\n");
  const start = page.findIndex((line) => line.trim().startsWith(`-- ${database}`));
  assert.ok(start !== -1, `docs/example.md has a backlog query for ${database}`);
  const lines: string[] = [];
  for (const line of page.slice(start + 1)) {
    if (!line.startsWith("    ")) break;
    lines.push(line.trim());
  }
  return lines.join(" ");
}

/**
 * The answer every database must give: two unpublished, the oldest 42 s old when the rows were written,
 * older by at most the time the test took since `startedAt` (taken just before the rows were written;
 * a loaded machine may take seconds between the insert and the query), a second either way for the
 * query's rounding. Bounded by the test's own clock, not by how fast the machine is.
 */
function assertBacklog(row: { unpublished: unknown; oldest_seconds: unknown }, startedAt: number): void {
  assert.equal(Number(row.unpublished), 2);
  const oldest = Number(row.oldest_seconds);
  const since = Math.ceil((Date.now() - startedAt) / 1000);
  assert.ok(oldest >= 41 && oldest <= 43 + since, `oldest_seconds ${oldest}, ${since} s after the writes`);
}

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000);

describe("docs/example.md's outbox backlog queries, run as written", () => {
  let file: ExampleSqliteFile;
  before(() => {
    file = openExampleSqliteFile("backlog-queries");
  });
  after(() => file.close());

  test("SQLite", async () => {
    const event = { aggregateType: "PreprocessJob", aggregateId: "j", eventType: "E", payload: {} };
    const startedAt = Date.now();
    await file.db.outbox.create({ data: { ...event, createdAt: secondsAgo(42) } });
    await file.db.outbox.create({ data: { ...event, createdAt: secondsAgo(5) } });
    await file.db.outbox.create({ data: { ...event, createdAt: secondsAgo(90), publishedAt: new Date() } });
    assertBacklog(
      file.raw.prepare(backlogQuery("SQLite")).get() as { unpublished: unknown; oldest_seconds: unknown },
      startedAt,
    );
  });

  test("PostgreSQL", async (t) => {
    const client = await connectPostgres();
    if (typeof client === "string") return t.skip(client);
    try {
      // A temporary table comes first in the search path: the page's unqualified "Outbox" is it.
      await client.query(
        `CREATE TEMP TABLE "Outbox" ("createdAt" TIMESTAMP(3) NOT NULL, "publishedAt" TIMESTAMP(3))`,
      );
      const startedAt = Date.now();
      await client.query(`INSERT INTO "Outbox" VALUES
        ((now() AT TIME ZONE 'UTC') - interval '42 seconds', NULL),
        ((now() AT TIME ZONE 'UTC') - interval '5 seconds', NULL),
        ((now() AT TIME ZONE 'UTC') - interval '90 seconds', now() AT TIME ZONE 'UTC')`);
      assertBacklog((await client.query(backlogQuery("PostgreSQL"))).rows[0], startedAt);
    } finally {
      await client.end();
    }
  });

  test("MySQL / MariaDB", async (t) => {
    let connection: Awaited<ReturnType<typeof mariadb.createConnection>>;
    try {
      connection = await mariadb.createConnection({
        ...mysqlConnection(MYSQL_URL),
        database: new URL(MYSQL_URL).pathname.slice(1),
        connectTimeout: 15_000,
      });
    } catch (err) {
      return t.skip(
        `MariaDB/MySQL not reachable at ${MYSQL_URL} (${(err as Error).message}): start it or set TRACEHOP_TEST_MYSQL_URL`,
      );
    }
    try {
      await connection.query(
        "CREATE TEMPORARY TABLE Outbox (createdAt DATETIME(3) NOT NULL, publishedAt DATETIME(3) NULL)",
      );
      const startedAt = Date.now();
      await connection.query(`INSERT INTO Outbox VALUES
        (UTC_TIMESTAMP(3) - INTERVAL 42 SECOND, NULL),
        (UTC_TIMESTAMP(3) - INTERVAL 5 SECOND, NULL),
        (UTC_TIMESTAMP(3) - INTERVAL 90 SECOND, UTC_TIMESTAMP(3))`);
      const [row] = (await connection.query(backlogQuery("MySQL"))) as {
        unpublished: unknown;
        oldest_seconds: unknown;
      }[];
      assertBacklog(row!, startedAt);
    } finally {
      await connection.end();
    }
  });
});
