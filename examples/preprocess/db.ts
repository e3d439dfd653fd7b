import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as MysqlClient } from "../../generated/prisma/mysql/client.js";
import { PrismaClient as PostgresClient } from "../../generated/prisma/postgresql/client.js";
import { PrismaClient } from "../../generated/prisma/sqlite/client.js";
import { BadInputError, databaseUrl, firstLine, redact } from "./config.js";
import {
  migrateMysql,
  migratePostgres,
  mysqlTables,
  mysqlTarget,
  postgresTables,
  unappliedMysqlMigrations,
  unappliedPostgresMigrations,
} from "./migrate-server.js";
import { migrateSqlite, sqliteTables, unappliedSqliteMigrations } from "./migrate-sqlite.js";
import { migrationsFolder, readMigrations } from "./migrations.js";

/**
 * The pipeline's Prisma client. Typed as the SQLite client: the PostgreSQL and MySQL clients are
 * generated from schemas derived from the same prisma/schema.prisma (scripts/prisma-schemas.ts,
 * checked by test/prisma/prisma-schemas.test.ts), so their models have the same shapes.
 */
export type Database = PrismaClient;

/** The database kinds DATABASE_URL may name, by URL scheme. */
export type DatabaseKind = "sqlite" | "postgresql" | "mysql";

const UNSUPPORTED = (url: string) =>
  `DATABASE_URL (${redact(url)}) is not supported: use file:PATH (SQLite), postgresql://... (PostgreSQL, ` +
  `optional ?schema=NAME) or mysql://... (MySQL/MariaDB)`;

const EMPTY =
  "DATABASE_URL is empty: unset it to use the embedded SQLite file, or set it to file:PATH (SQLite), " +
  "postgresql://USER:PASSWORD@HOST:PORT/DATABASE (PostgreSQL, optional ?schema=NAME) or " +
  "mysql://USER:PASSWORD@HOST:PORT/DATABASE (MySQL/MariaDB)";

/**
 * A server URL the WHATWG URL parser refuses (the drivers read it with that parser), or whose user name or
 * password is not percent-decodable: almost always a user name or password with a character that ends the
 * part it is in (`/`, `#`, `?`) or a `%` left unencoded.
 */
const NOT_PARSABLE = (url: string, why: string) =>
  `DATABASE_URL (${redact(url)}) cannot be read as a URL (${why}): percent-encode the special characters ` +
  `of the user name and password (/ as %2F, # as %23, ? as %3F, @ as %40, : as %3A, % as %25), ` +
  `e.g. postgresql://user:p%2Fss%23word@host:5432/db`;

/**
 * The kind of database a DATABASE_URL names. Throws an Error saying what is wrong and what to write
 * (password hidden): an empty URL, a kind not supported, or a server URL that cannot be parsed.
 */
export function databaseKind(url: string): DatabaseKind {
  if (url === "") throw new Error(EMPTY);
  if (url.startsWith("file:")) return "sqlite";
  const kind: DatabaseKind | undefined =
    url.startsWith("postgresql://") || url.startsWith("postgres://")
      ? "postgresql"
      : url.startsWith("mysql://") || url.startsWith("mariadb://")
        ? "mysql"
        : undefined;
  if (kind === undefined) throw new Error(UNSUPPORTED(url));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new Error(NOT_PARSABLE(url, firstLine(err)), { cause: err });
  }
  try {
    // What the drivers do with them (openDatabase; pg's parser too).
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch (err) {
    throw new Error(NOT_PARSABLE(url, `its user part: ${firstLine(err)}`), { cause: err });
  }
  return kind;
}

/** Path of the SQLite file named by a `file:` URL. */
export function sqlitePath(url: string): string {
  return url.startsWith("file://") ? fileURLToPath(url) : url.replace(/^file:/, "");
}

/**
 * A PostgreSQL URL split into the connection string for `pg` and the schema Prisma uses (the
 * `schema` query parameter, as in Prisma's own URLs; default `public`).
 */
export function postgresTarget(url: string): { connectionString: string; schema: string } {
  const u = new URL(url);
  const schema = u.searchParams.get("schema") ?? "public";
  u.searchParams.delete("schema");
  return { connectionString: u.toString(), schema };
}

/**
 * Applies the checked-in migrations to the database of DATABASE_URL (default: the embedded SQLite
 * file): prisma/migrations for SQLite, prisma/postgresql/migrations for PostgreSQL (in the URL's
 * schema, created when missing), prisma/mysql/migrations for MySQL/MariaDB. Returns the names of the
 * migrations this call applied. Throws an Error naming the URL when the database kind is not supported.
 */
export async function migrateDatabase(url = databaseUrl()): Promise<string[]> {
  switch (databaseKind(url)) {
    case "sqlite":
      return migrateSqlite(sqlitePath(url));
    case "postgresql": {
      const { connectionString, schema } = postgresTarget(url);
      return migratePostgres(connectionString, { schema });
    }
    case "mysql":
      return migrateMysql(url);
  }
}

/**
 * The checked-in migrations the database of DATABASE_URL lacks, in order, read without changing anything
 * (see {@link migrateDatabase} for where each kind's migrations are). Throws the driver's error when the
 * database cannot be reached or opened (a SQLite file that does not exist among them).
 */
export async function unappliedDatabaseMigrations(url = databaseUrl()): Promise<string[]> {
  switch (databaseKind(url)) {
    case "sqlite":
      return unappliedSqliteMigrations(sqlitePath(url));
    case "postgresql": {
      const { connectionString, schema } = postgresTarget(url);
      return unappliedPostgresMigrations(connectionString, { schema });
    }
    case "mysql":
      return unappliedMysqlMigrations(url);
  }
}

/**
 * The names of the tables of the database of DATABASE_URL (of its schema for PostgreSQL), in name order,
 * `_prisma_migrations` among them when it has one. Reads only. Throws the driver's error when the database
 * cannot be reached or opened (a SQLite file that does not exist among them).
 */
export async function databaseTables(url = databaseUrl()): Promise<string[]> {
  switch (databaseKind(url)) {
    case "sqlite":
      return sqliteTables(sqlitePath(url));
    case "postgresql": {
      const { connectionString, schema } = postgresTarget(url);
      return postgresTables(connectionString, { schema });
    }
    case "mysql":
      return mysqlTables(url);
  }
}

/** The tables of prisma/schema.prisma, which the api, the relay and the worker use. */
export const SCHEMA_TABLES = ["PreprocessJob", "Outbox", "Sentence", "QueueMessage"] as const;

/**
 * The tables of prisma/schema.prisma that the database of `url` has while it has no `_prisma_migrations`
 * table (made by `prisma db push`, or by hand); none when it has that table or none of them. Such a
 * database cannot be migrated (its first migration's CREATE TABLE fails) until it is baselined: its
 * migrations marked applied (Prisma Migrate's baselining, `prisma migrate resolve --applied`).
 */
async function tablesWithoutHistory(url: string): Promise<string[]> {
  const tables = await databaseTables(url);
  // MySQL on a case-insensitive file system (lower_case_table_names) gives the names in lower case.
  const present = new Set(tables.map((t) => t.toLowerCase()));
  if (present.has("_prisma_migrations")) return [];
  return SCHEMA_TABLES.filter((t) => present.has(t.toLowerCase()));
}

/**
 * The message about a database that has the schema's `tables` but no `_prisma_migrations` table: what it
 * is, and the two ways out (baseline it with Prisma's `migrate resolve --applied`, each migration named,
 * the `--schema` of its kind added; or a new database and {@link MIGRATE_COMMAND}).
 */
function notBaselined(name: string, kind: DatabaseKind, tables: readonly string[]): string {
  const migrations = readMigrations(migrationsFolder(kind)).map((m) => m.name);
  const schema = kind === "sqlite" ? "" : ` --schema prisma/${kind}/schema.prisma`;
  const resolve = migrations.map((m) => `npx prisma migrate resolve --applied ${m}${schema}`).join(", then ");
  return (
    `the database of ${name} has tables of this project (${tables.join(", ")}) but no record of its migrations ` +
    `(no _prisma_migrations table, as \`prisma db push\` leaves it), so which of them it has cannot be told: ` +
    `if its tables match prisma/schema.prisma, baseline it (same DATABASE_URL): ${resolve}; ` +
    `or use a new database and create it with ${MIGRATE_COMMAND}. Then start again.`
  );
}

/** How the start-up messages name the database: DATABASE_URL (password hidden), or the default file (unset only: an empty one is refused by {@link databaseKind}). */
export function databaseName(): string {
  const url = process.env.DATABASE_URL;
  return url === undefined
    ? `the embedded SQLite file (${sqlitePath(databaseUrl())}; DATABASE_URL is unset)`
    : `DATABASE_URL (${redact(url)})`;
}

/** What to run to migrate the database of DATABASE_URL, for the messages. */
const MIGRATE_COMMAND = "npm run migrate";

/** The kind of DATABASE_URL; a kind not supported is bad input, said as {@link databaseKind} says it. */
function startKind(url: string): DatabaseKind {
  try {
    return databaseKind(url);
  } catch (err) {
    throw new BadInputError((err as Error).message, { cause: err });
  }
}

/** The end of a message about a database that could not be reached or opened: what to do. */
function whatToDo(kind: DatabaseKind): string {
  if (kind !== "sqlite")
    return "Start the database server, fix DATABASE_URL, or unset it to use the embedded SQLite file.";
  return process.env.DATABASE_URL === undefined
    ? "Set DATABASE_URL to another file:PATH."
    : "Fix DATABASE_URL (file:PATH), or unset it to use the embedded SQLite file.";
}

/**
 * What `npm start` and `npm run migrate` do first: applies the checked-in migrations to the database of
 * DATABASE_URL ({@link migrateDatabase}; a SQLite file is created with its folder). Returns the names of
 * the migrations it applied.
 * @throws BadInputError (config.ts) when DATABASE_URL is not supported or its database cannot be reached
 *   or migrated, or has the schema's tables but no `_prisma_migrations` table (made by `prisma db push`:
 *   its first migration would fail; nothing is changed): one line naming DATABASE_URL (password hidden),
 *   what failed and what to do (config.exitOnBadInput answers it with exit 2).
 */
export async function prepareDatabase(): Promise<string[]> {
  const url = databaseUrl();
  const kind = startKind(url);
  let tables: string[];
  try {
    // A database without a file is created by the migration: nothing to check.
    tables = kind === "sqlite" && !existsSync(sqlitePath(url)) ? [] : await tablesWithoutHistory(url);
  } catch {
    tables = []; // the migration says why the database cannot be opened
  }
  if (tables.length > 0) throw new BadInputError(notBaselined(databaseName(), kind, tables));
  try {
    return await migrateDatabase(url);
  } catch (err) {
    const message = `cannot prepare the database of ${databaseName()}: ${firstLine(err)}. ${whatToDo(kind)}`;
    throw new BadInputError(message, { cause: err });
  }
}

/**
 * What the api, the relay and the worker do first (started by `npm start`, after its
 * {@link prepareDatabase}, or by hand): checks, changing nothing, that the database of DATABASE_URL can be
 * reached and has every checked-in migration, so that a process started on a wrong or new database says
 * so at once instead of failing each pass or request. Only at start: a database that fails after it is
 * handled as before (a busy or unreachable one retried, transient.ts).
 * @throws BadInputError (config.ts) when DATABASE_URL is not supported, its server cannot be reached, its
 *   database or SQLite file (or the file's folder) does not exist, or it lacks a migration: one line
 *   naming DATABASE_URL (password hidden), what is wrong and what to do (config.exitOnBadInput answers it
 *   with exit 2). A database made by `prisma db push` (the schema's tables, no `_prisma_migrations` table)
 *   is refused too, as `prisma migrate deploy` refuses it (P3005), the message saying how to baseline it
 *   (`prisma migrate resolve --applied`, each migration named) or to start from a new database.
 */
export async function checkDatabase(): Promise<void> {
  const url = databaseUrl();
  const kind = startKind(url);
  const name = databaseName();
  if (kind === "sqlite") {
    // Told apart here: the driver's own words ("unable to open database file") do not say which is missing.
    const file = sqlitePath(url);
    const missing = !existsSync(dirname(file))
      ? `no folder ${dirname(file)}`
      : !existsSync(file)
        ? `no file ${file}`
        : "";
    if (missing)
      throw new BadInputError(
        `the database of ${name} does not exist (${missing}): create and migrate it with ${MIGRATE_COMMAND} (same DATABASE_URL), or fix DATABASE_URL.`,
      );
  }
  let unapplied: string[];
  try {
    unapplied = await unappliedDatabaseMigrations(url);
  } catch (err) {
    throw new BadInputError(`cannot open the database of ${name}: ${firstLine(err)}. ${whatToDo(kind)}`, {
      cause: err,
    });
  }
  if (unapplied.length === 0) return;
  const all = readMigrations(migrationsFolder(kind)).length;
  if (unapplied.length === all) {
    const tables = await tablesWithoutHistory(url).catch(() => []);
    if (tables.length > 0) throw new BadInputError(notBaselined(name, kind, tables));
  }
  const state =
    unapplied.length === all
      ? `is not migrated (none of the ${all} migrations of this project applied)`
      : `lacks ${unapplied.length} of the ${all} migrations of this project (${unapplied.join(", ")})`;
  throw new BadInputError(
    `the database of ${name} ${state}: apply them with ${MIGRATE_COMMAND} (same DATABASE_URL), then start again.`,
  );
}

/**
 * How long a SQLite statement waits for a lock another process holds, in milliseconds, before it fails
 * with SQLITE_BUSY (Prisma P1008). better-sqlite3 waits synchronously, blocking the process's event
 * loop: with the 10 s wait of before, a locked file froze the api (reads waited too, keep-alive sockets
 * were reset, Node's own timeouts answered 408). The wait covers the other processes' short write
 * transactions; longer locks are retried with timers in between (transient.ts), the loop free.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 100;

/**
 * A Prisma client on DATABASE_URL (default: the embedded SQLite file, WAL, {@link SQLITE_BUSY_TIMEOUT_MS}):
 * the better-sqlite3 adapter for `file:`, the pg adapter and the PostgreSQL client for
 * `postgresql://`, the mariadb adapter and the MySQL client for `mysql://`.
 */
export function openDatabase(url = databaseUrl()): Database {
  switch (databaseKind(url)) {
    case "sqlite": {
      const adapter = new PrismaBetterSqlite3({ url: sqlitePath(url), timeout: SQLITE_BUSY_TIMEOUT_MS });
      return new PrismaClient({ adapter });
    }
    case "postgresql": {
      const { connectionString, schema } = postgresTarget(url);
      const adapter = new PrismaPg({ connectionString }, { schema });
      return new PostgresClient({ adapter }) as unknown as Database;
    }
    case "mysql": {
      const adapter = new PrismaMariaDb(mysqlTarget(url));
      return new MysqlClient({ adapter }) as unknown as Database;
    }
  }
}
