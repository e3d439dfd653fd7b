import { randomUUID } from "node:crypto";
import { connectTimeoutMs, firstLine } from "./config.js";
import { migrationsFolder, readMigrations, type MigrationsProvider } from "./migrations.js";
import mariadb, { type Connection as MysqlConnection } from "mariadb";
import pg from "pg";

/** Database servers whose migrations live in prisma/<provider>/migrations. */
export type ServerProvider = Exclude<MigrationsProvider, "sqlite">;

/** Options of {@link migratePostgres} and {@link migrateMysql}. */
export interface MigrateOptions {
  /** Folder of the migrations. Default: prisma/<provider>/migrations of this project. */
  migrationsDir?: string;
  /** PostgreSQL only: schema to migrate (created when missing). Default: the URL's `schema` parameter, else `public`. */
  schema?: string;
}

/** Lock ids Prisma Migrate itself takes, so a concurrent `prisma migrate deploy` waits for us. */
const PG_ADVISORY_LOCK_ID = 72707369;
const MYSQL_LOCK_NAME = "prisma_migrate";
/** Seconds to wait for the MySQL migration lock. */
const MYSQL_LOCK_TIMEOUT_S = 10;
/**
 * The migrations recorded as applied (finished, not rolled back): the same query for the migration and
 * the check, on either server.
 */
const APPLIED = `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;

/**
 * The SSL modes `pg` (pg-connection-string 2.x) reads as `verify-full` while printing a multi-line SECURITY
 * WARNING (through process.emitWarning) that its next major version (pg 9) will read them as libpq does, with
 * weaker guarantees: libpq's `prefer` and `require` check no certificate, `verify-ca` no host name
 * (https://www.postgresql.org/docs/current/libpq-ssl.html).
 */
const PG_VERIFY_FULL_ALIASES: ReadonlySet<string> = new Set(["prefer", "require", "verify-ca"]);

/**
 * The `sslmode` of a PostgreSQL URL's parameters that pg reads as `verify-full` ({@link PG_VERIFY_FULL_ALIASES}),
 * or undefined: the last `sslmode` and the last `uselibpqcompat` count, as pg-connection-string reads them, and
 * `uselibpqcompat=true` gives libpq's meaning instead.
 */
function verifyFullAlias(params: URLSearchParams): string | undefined {
  const sslmode = params.getAll("sslmode").at(-1);
  const libpq = params.getAll("uselibpqcompat").at(-1) === "true";
  return sslmode !== undefined && !libpq && PG_VERIFY_FULL_ALIASES.has(sslmode) ? sslmode : undefined;
}

/**
 * A PostgreSQL URL split into the connection string for `pg` and the schema Prisma uses (the `schema` query
 * parameter, as in Prisma's own URLs; default `public`; removed from the connection string). The one place
 * a `postgresql://` URL is read, for the migration, the check and the Prisma adapter alike.
 *
 * `sslmode=prefer`, `require` and `verify-ca` are written `sslmode=verify-full` unless `uselibpqcompat=true`
 * is set ({@link verifyFullAlias}): the meaning pg 8 gives them, the server's certificate and host name
 * verified, kept and said explicitly, as pg's warning recommends to keep it ("explicitly use
 * 'sslmode=verify-full'"). So nothing is weakened, now or when pg 9 reads them as libpq does, and pg prints
 * no multi-line SECURITY WARNING before the pipeline's own one-line messages. Whoever wants
 * libpq's weaker meaning (encrypted, certificate not verified) adds `uselibpqcompat=true`, as that warning
 * says; a connection that fails says so in its one line ({@link pgSslNote}).
 */
export function postgresTarget(url: string): { connectionString: string; schema: string } {
  const u = new URL(url);
  const schema = u.searchParams.get("schema") ?? "public";
  u.searchParams.delete("schema");
  if (verifyFullAlias(u.searchParams) !== undefined) u.searchParams.set("sslmode", "verify-full");
  return { connectionString: u.toString(), schema };
}

/**
 * The `sslmode` values pg-connection-string 2.x acts on (case-sensitive, as libpq's): `disable` (no SSL),
 * `prefer`, `require`, `verify-ca`, `verify-full` ({@link PG_VERIFY_FULL_ALIASES}) and pg's own `no-verify`
 * (SSL, certificate not verified). Any other value, libpq's `allow` among them, turns SSL on with the
 * certificate and host name verified, silently: no value falls back to an unencrypted connection.
 */
const PG_SSLMODES: ReadonlySet<string> = new Set([
  "disable",
  "prefer",
  "require",
  "verify-ca",
  "verify-full",
  "no-verify",
]);

/**
 * What is wrong with the `sslmode` of a PostgreSQL URL's query parameters `params` (the last one counts, as
 * pg reads it; an empty one is none), as one clause saying what to write instead, or undefined when there is
 * nothing wrong. `allow` (libpq: try without SSL first) and an unknown value are refused:
 * pg would read either as SSL required, the certificate and host name verified ({@link PG_SSLMODES}), the
 * opposite of `allow` and a silent guess for a misspelt value (libpq refuses one: `invalid sslmode value`).
 * Never throws.
 */
export function pgSslmodeProblem(params: URLSearchParams): string | undefined {
  const sslmode = params.getAll("sslmode").at(-1);
  if (sslmode === undefined || sslmode === "" || PG_SSLMODES.has(sslmode)) return undefined;
  const instead =
    "use sslmode=disable (or leave sslmode out) for an unencrypted connection, or sslmode=verify-full for an " +
    "encrypted one, the server's certificate verified (sslmode=require&uselibpqcompat=true: not verified)";
  return sslmode === "allow"
    ? `sslmode=allow is not supported by the pg driver: it would require SSL, the server's certificate verified, ` +
        `instead of trying without SSL first as libpq does: ${instead}`
    : `sslmode=${sslmode} is not an SSL mode (disable, prefer, require, verify-ca, verify-full, or pg's no-verify; ` +
        `the pg driver would require SSL, the certificate verified): ${instead}`;
}

/**
 * Whether `err` is the pg driver's error for a server that answered its SSL request with "N" (no SSL):
 * "The server does not support SSL connections" (pg/lib/connection.js).
 */
export function pgServerRefusedSsl(err: unknown): boolean {
  return /server does not support SSL/i.test(String((err as Error | null | undefined)?.message ?? ""));
}

/** The URL parameters other than `sslmode` that turn SSL on in pg-connection-string. */
const PG_SSL_PARAMETERS = ["ssl", "sslcert", "sslkey", "sslrootcert", "sslnegotiation"];

/**
 * For the one-line message about a PostgreSQL URL whose database could not be reached or opened (`err`, the
 * driver's error), what to do about its SSL settings, or "" when they are not in question:
 * - the server refused SSL (pg's "The server does not support SSL connections"): pg never falls back to an
 *   unencrypted connection, for no `sslmode` (`prefer` and `uselibpqcompat=true` included), so the fix is
 *   `sslmode=disable` or SSL on the server;
 * - else, when {@link postgresTarget} wrote the URL's `sslmode` `verify-full`, what it was read as and how to
 *   have libpq's meaning instead (`uselibpqcompat=true`).
 *
 * Never throws.
 */
export function pgSslNote(url: string, err?: unknown): string {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return "";
  }
  if (pgServerRefusedSsl(err)) {
    const others = PG_SSL_PARAMETERS.some((name) => params.has(name));
    const leaveOut = params.get("sslmode") && !others ? " (or leave sslmode out)" : "";
    return (
      `The pg driver does not fall back to an unencrypted ` +
      `connection: use sslmode=disable${leaveOut} for an unencrypted connection, or enable SSL on the server`
    );
  }
  const sslmode = verifyFullAlias(params);
  if (sslmode === undefined) return "";
  return (
    `sslmode=${sslmode} was used as sslmode=verify-full, as the pg driver reads it (the server's certificate ` +
    `and host name verified): add uselibpqcompat=true for libpq's meaning (encrypted, certificate not verified)`
  );
}

/**
 * A connected `pg` client on the PostgreSQL URL `url` ({@link postgresTarget}), the schema to work in
 * (`options.schema`, else the URL's) and its quoted name. The connection, TCP and PostgreSQL's startup and
 * login until ReadyForQuery, may take TRACEHOP_CONNECT_TIMEOUT_MS (config.ts connectTimeoutMs; pg waits
 * without end by default, so a server that never answers would hang the start-up); then pg destroys the
 * socket and throws "timeout expired" ({@link connectTimedOut}).
 */
async function connectPostgres(
  url: string,
  options: MigrateOptions,
): Promise<{ client: pg.Client; schema: string; quoted: string }> {
  const target = postgresTarget(url);
  const schema = options.schema ?? target.schema;
  const client = new pg.Client({
    connectionString: target.connectionString,
    connectionTimeoutMillis: connectTimeoutMs(),
  });
  await client.connect().catch(connectionFailed);
  return { client, schema, quoted: `"${schema.replace(/"/g, '""')}"` };
}

/** The MySQL user of a `mysql://` or `mariadb://` URL that names none. */
const MYSQL_DEFAULT_USER = "root";

/**
 * Where a `mysql://` or `mariadb://` URL points, as the `mariadb` driver and Prisma's mariadb adapter take
 * it: host, port (default 3306), percent-decoded user name ({@link MYSQL_DEFAULT_USER} when none), password
 * and database name. The migration, the start-up check and the pipeline's Prisma adapter all connect with
 * it, so they connect as the same user: left to itself the driver would send the user of the environment
 * variable USERNAME (Windows), else no user name at all, which a server that let the migration
 * in as root refuses: each query of the pipeline would fail after the pool's 10 s wait (the mariadb
 * driver's error 45028, "pool timeout") although the migration and the check pass.
 */
export function mysqlTarget(url: string): {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
} {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username) || MYSQL_DEFAULT_USER,
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
  };
}

/**
 * A `mariadb` connection to the database a `mysql://` or `mariadb://` URL names ({@link mysqlTarget}). The
 * connection, TCP and MySQL's greeting and login, may take TRACEHOP_CONNECT_TIMEOUT_MS (config.ts
 * connectTimeoutMs; the driver's own default is 1 s); then the driver closes the socket and throws its
 * ER_CONNECTION_TIMEOUT ({@link connectTimedOut}).
 */
function connectMysql(url: string): Promise<MysqlConnection> {
  return mariadb
    .createConnection({
      ...mysqlTarget(url),
      multipleStatements: true,
      connectTimeout: connectTimeoutMs(),
    })
    .catch(connectionFailed);
}

/** The errors thrown while a connection was being opened ({@link connectionFailed}). */
const CONNECTION_FAILURES = new WeakSet<object>();

/**
 * Records `err`, thrown by a driver while it opened a connection,
 * as such ({@link failedToConnect}), and throws it.
 */
function connectionFailed(err: unknown): never {
  if (typeof err === "object" && err !== null) CONNECTION_FAILURES.add(err);
  throw err;
}

/**
 * Whether `err` was thrown while a connection of {@link connectPostgres} or {@link connectMysql} was being
 * opened (TCP, the protocol's opening handshake, the login, the database chosen), before any query: the
 * server could not be reached, did not answer, closed the connection, answered in another protocol, or
 * refused the login or the database. Another connection to the same URL would fail the same way (after the
 * same wait, for a timeout). An error of a query on an open connection is not such a failure.
 */
export function failedToConnect(err: unknown): boolean {
  return typeof err === "object" && err !== null && CONNECTION_FAILURES.has(err);
}

/**
 * The pg driver's errors (pg 8, pg-protocol) for a server that answered its startup message as no PostgreSQL
 * server does: it closed the connection without an ErrorResponse (pg/lib/client.js), sent a message that has
 * no place in the startup (client.js `_handleUnexpectedMessage`) or is no PostgreSQL message at all
 * (pg-protocol's "received invalid response", a DatabaseError although no server sent it), or answered the
 * SSLRequest with neither S nor N (pg/lib/connection.js). A PostgreSQL server that refuses a connection says
 * why in an ErrorResponse first (a login refused, too many clients, a shutdown).
 */
const PG_NOT_POSTGRES = new RegExp(
  "^(" +
    [
      "Connection terminated unexpectedly",
      "Received unexpected \\w+ message from backend",
      "received invalid response: ",
      "There was an error establishing an SSL connection",
      "Unknown authenticationOk message type",
    ].join("|") +
    ")",
);

/**
 * The mariadb driver's errors (3.x, lib/misc/errors.js) for a server that answered as no MySQL or MariaDB
 * server does: it closed the connection without an error packet (ER_SOCKET_UNEXPECTED_CLOSE, 45009), or sent
 * what is no packet of the handshake (ER_UNEXPECTED_PACKET, 45011, such as a length over the 1 MiB allowed
 * before the login; ER_AUTHENTICATION_BAD_PACKET, 45024). A MySQL server speaks first, its greeting, and
 * sends an error packet before it closes a connection it refuses (a host blocked, too many connections).
 */
const MYSQL_NOT_MYSQL: ReadonlySet<string> = new Set([
  "ER_SOCKET_UNEXPECTED_CLOSE",
  "ER_UNEXPECTED_PACKET",
  "ER_AUTHENTICATION_BAD_PACKET",
]);

/**
 * What the driver said, briefly, when `err` ({@link failedToConnect}) says that the server at the other end
 * of the connection does not answer as a PostgreSQL (`pg`) or MySQL/MariaDB (`mariadb`) server
 * ({@link PG_NOT_POSTGRES}, {@link MYSQL_NOT_MYSQL}; for either, a connection reset in the handshake,
 * ECONNRESET, as RabbitMQ resets one that sent no AMQP header within its handshake timeout): another
 * service's port (MariaDB's greeting read by pg as "Received unexpected copyData message from backend";
 * RabbitMQ's, which closes the connection), or a server that closes every connection. The driver's first
 * line, without the mariadb driver's `(conn:-1, no: 45009, SQLState: 08S01) ` and a closing full stop;
 * undefined for any other error. A server that never answers is {@link connectTimedOut}, not this.
 */
export function notThisProtocol(kind: ServerProvider, err: unknown): string | undefined {
  if (!failedToConnect(err)) return undefined;
  const { message, code } = err as { message?: unknown; code?: unknown };
  if (typeof message !== "string") return undefined;
  const line = message.split("\n")[0]!;
  const said =
    code === "ECONNRESET" ||
    (kind === "postgresql"
      ? PG_NOT_POSTGRES.test(line)
      : typeof code === "string" && MYSQL_NOT_MYSQL.has(code));
  return said ? driverSaid(err) : undefined;
}

/**
 * What a database driver's error `err` says, for a one-line message: its first line ({@link firstLine})
 * without the mariadb driver's `(conn:8, no: 1049, SQLState: 42000) ` and without a closing full stop.
 */
export function driverSaid(err: unknown): string {
  return firstLine(err)
    .replace(/^\(conn:[^)]*\) /, "")
    .replace(/\.$/, "");
}

/**
 * Whether `err` is a driver's error for a connection to a database server that did not open within its
 * connect timeout, from {@link connectPostgres} or {@link connectMysql} (the connections of the start-up
 * check and the migration: db.ts failure): pg's "timeout expired"
 * (pg/lib/client.js, `connectionTimeoutMillis`); the mariadb driver's ER_CONNECTION_TIMEOUT (errno 45012,
 * "Connection timeout: failed to create socket after N ms", whether or not the TCP connection opened).
 * The pools of the pipeline's Prisma client (db.ts openDatabase) fail with their own messages, which
 * reach the query's caller as they are (transient.ts retries them).
 */
export function connectTimedOut(err: unknown): boolean {
  const { message, code } = (err ?? {}) as { message?: unknown; code?: unknown };
  return code === "ER_CONNECTION_TIMEOUT" || message === "timeout expired";
}

/**
 * How a database server that answered refused a connection of {@link connectPostgres} or {@link connectMysql}
 * ({@link serverRefusal}): the database the URL names does not exist, the login was refused (user or
 * password), the user may not use that database (MySQL answers so for a database that does not exist
 * too, when the user has no rights on that name), or another refusal of the server's own (too many
 * connections, a shutdown, a host blocked).
 */
export type ServerRefusal = "no database" | "login" | "database denied" | "other";

/**
 * The SQLSTATEs a PostgreSQL server refuses a connection with, by {@link ServerRefusal}: the database does
 * not exist (3D000, invalid_catalog_name); no such role or no pg_hba.conf entry (28000), a wrong password
 * (28P01); the role lacks CONNECT on the database (42501, insufficient_privilege). Any other: "other".
 */
const PG_REFUSALS: ReadonlyMap<string, ServerRefusal> = new Map([
  ["3D000", "no database"],
  ["28000", "login"],
  ["28P01", "login"],
  ["42501", "database denied"],
]);

/**
 * The error numbers a MySQL/MariaDB server refuses a connection with, by {@link ServerRefusal}:
 * ER_BAD_DB_ERROR (1049, the database does not exist); ER_ACCESS_DENIED_ERROR (1045, user or password),
 * ER_ACCESS_DENIED_NO_PASSWORD_ERROR (1698, a socket-auth user); ER_DBACCESS_DENIED_ERROR (1044, the user
 * may not use the database — given also for a database that does not exist when the user has no rights on
 * its name, so the two cannot be told apart). Any other: "other".
 */
const MYSQL_REFUSALS: ReadonlyMap<number, ServerRefusal> = new Map([
  [1049, "no database"],
  [1045, "login"],
  [1698, "login"],
  [1044, "database denied"],
]);
/**
 * A MySQL/MariaDB server's error numbers (its error packet) are from 1000 up to the mariadb driver's own,
 * numbered from 45001 (lib/misc/errors.js); a socket's error keeps its negative errno (ECONNREFUSED -111).
 */
const MYSQL_SERVER_ERRNO = { min: 1000, max: 45000 };

/**
 * How the server refused the connection that failed with `err` ({@link failedToConnect}), when it is a
 * PostgreSQL or MySQL/MariaDB server that said why: pg's error of a server ErrorResponse (a `severity` and a
 * SQLSTATE `code`), the mariadb driver's error of a server error packet (an `errno` from 1000, below the
 * driver's own; {@link MYSQL_SERVER_ERRNO}).
 * Undefined for any other error: no server reached, none that answered in time, one that answered in another
 * protocol ({@link notThisProtocol}), a query's error on an open connection. Never throws.
 */
export function serverRefusal(kind: ServerProvider, err: unknown): ServerRefusal | undefined {
  if (!failedToConnect(err) || notThisProtocol(kind, err) !== undefined) return undefined;
  const { code, severity, errno } = err as { code?: unknown; severity?: unknown; errno?: unknown };
  if (kind === "postgresql") {
    if (typeof severity !== "string" || typeof code !== "string") return undefined;
    return PG_REFUSALS.get(code) ?? "other";
  }
  if (typeof errno !== "number" || errno < MYSQL_SERVER_ERRNO.min || errno >= MYSQL_SERVER_ERRNO.max)
    return undefined;
  return MYSQL_REFUSALS.get(errno) ?? "other";
}

/**
 * PostgreSQL's errors of a CREATE DATABASE that another connection made first: duplicate_database (42P04),
 * or, when both ran at once, unique_violation (23505) on `pg_database_datname_index`.
 */
const PG_CREATED_MEANWHILE: ReadonlySet<string> = new Set(["42P04", "23505"]);

/**
 * Creates the database that the server URL `url` names and that does not exist ({@link serverRefusal} "no
 * database"), as `prisma migrate deploy` does (Prisma's schema engine, `create_database`): PostgreSQL, from
 * a connection to the server's `postgres` database, else `template1`, `CREATE DATABASE "name"`, the name as
 * pg reads it from the URL (pg-connection-string: `decodeURI`, so `%2F` stays as it is); a database
 * created meanwhile by another process is fine ({@link PG_CREATED_MEANWHILE}). MySQL/MariaDB, from a
 * connection without a database,
 * `CREATE DATABASE IF NOT EXISTS` with Prisma's `utf8mb4` / `utf8mb4_unicode_ci`. Connects as the URL's user,
 * within TRACEHOP_CONNECT_TIMEOUT_MS.
 *
 * @returns the name of the database
 * @throws the driver's error when the user may not create a database (PostgreSQL 42501, MySQL 1044), or the
 *   server cannot be reached; an Error when the URL names no database (PostgreSQL then uses the user's name)
 */
export async function createServerDatabase(kind: ServerProvider, url: string): Promise<string> {
  if (kind === "mysql") {
    const target = mysqlTarget(url);
    if (target.database === "") throw new Error("the URL names no database");
    const conn = await mariadb
      .createConnection({ ...target, database: "", connectTimeout: connectTimeoutMs() })
      .catch(connectionFailed);
    try {
      await conn.query(
        `CREATE DATABASE IF NOT EXISTS \`${target.database.replace(/`/g, "``")}\` ` +
          "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
      );
    } finally {
      await conn.end();
    }
    return target.database;
  }
  const { connectionString } = postgresTarget(url);
  // The name pg connects to (its `database`), not one decoded otherwise: the two would differ.
  const name =
    new URL(connectionString).pathname.length > 1 ? new pg.Client({ connectionString }).database : "";
  if (!name) throw new Error("the URL names no database");
  const on = (database: string) => {
    const u = new URL(connectionString);
    u.pathname = `/${encodeURIComponent(database)}`;
    return connectPostgres(u.href, {});
  };
  const { client } = await on("postgres").catch((err: unknown) => {
    if (PG_REFUSALS.get(String((err as { code?: unknown }).code)) !== "no database") throw err;
    return on("template1");
  });
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: unknown) => {
      if (!PG_CREATED_MEANWHILE.has(String((err as { code?: unknown }).code))) throw err;
    });
  } finally {
    await client.end();
  }
  return name;
}

/**
 * Applies the checked-in migrations (prisma/postgresql/migrations/<name>/migration.sql) to a
 * PostgreSQL database with the `pg` driver, each in one transaction, recorded in Prisma's own
 * `_prisma_migrations` table with Prisma's checksum, so a later `prisma migrate deploy` treats them
 * as applied. Holds Prisma Migrate's advisory lock while it works. Idempotent.
 * Why not the Prisma CLI: its native schema engine is downloaded at first use (DEVELOPERS.md).
 *
 * @param url a `postgresql://` connection string
 * @returns the names of the migrations applied by this call
 * @throws the database error of a failing migration (that migration is rolled back)
 */
export async function migratePostgres(url: string, options: MigrateOptions = {}): Promise<string[]> {
  const { client, quoted } = await connectPostgres(url, options);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`SET search_path TO ${quoted}`);
    await client.query("SELECT pg_advisory_lock($1)", [PG_ADVISORY_LOCK_ID]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
        "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
        "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
      const { rows } = await client.query<{ migration_name: string }>(APPLIED);
      const applied = new Set(rows.map((r) => r.migration_name));
      const done: string[] = [];
      for (const m of readMigrations(options.migrationsDir ?? migrationsFolder("postgresql"))) {
        if (applied.has(m.name)) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
            [randomUUID(), m.checksum, m.name],
          );
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
        done.push(m.name);
      }
      return done;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PG_ADVISORY_LOCK_ID]);
    }
  } finally {
    await client.end();
  }
}

/**
 * Applies the checked-in migrations (prisma/mysql/migrations/<name>/migration.sql) to a MySQL or
 * MariaDB database with the `mariadb` driver, recorded in Prisma's `_prisma_migrations` table with
 * Prisma's checksum, under Prisma Migrate's named lock. MySQL commits each DDL statement, so a
 * failing migration is recorded unfinished with its error in `logs`, as Prisma does, and throws.
 * Idempotent.
 *
 * @param url a `mysql://` or `mariadb://` connection string naming the database
 * @returns the names of the migrations applied by this call
 */
export async function migrateMysql(
  url: string,
  options: Omit<MigrateOptions, "schema"> = {},
): Promise<string[]> {
  const conn = await connectMysql(url);
  try {
    const [lock] = (await conn.query("SELECT GET_LOCK(?, ?) AS ok", [
      MYSQL_LOCK_NAME,
      MYSQL_LOCK_TIMEOUT_S,
    ])) as {
      ok: number | bigint;
    }[];
    if (Number(lock?.ok) !== 1)
      throw new Error(`migrateMysql: lock ${MYSQL_LOCK_NAME} not obtained in ${MYSQL_LOCK_TIMEOUT_S}s`);
    try {
      await conn.query(`CREATE TABLE IF NOT EXISTS _prisma_migrations (
        id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, finished_at DATETIME(3),
        migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at DATETIME(3),
        started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), applied_steps_count INTEGER UNSIGNED NOT NULL DEFAULT 0
      ) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      const rows = (await conn.query(APPLIED)) as { migration_name: string }[];
      const applied = new Set(rows.map((r) => r.migration_name));
      const done: string[] = [];
      for (const m of readMigrations(options.migrationsDir ?? migrationsFolder("mysql"))) {
        if (applied.has(m.name)) continue;
        const id = randomUUID();
        await conn.query("INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES (?, ?, ?)", [
          id,
          m.checksum,
          m.name,
        ]);
        try {
          await conn.query(m.sql);
        } catch (err) {
          await conn.query("UPDATE _prisma_migrations SET logs = ? WHERE id = ?", [String(err), id]);
          throw err;
        }
        await conn.query(
          "UPDATE _prisma_migrations SET finished_at = CURRENT_TIMESTAMP(3), applied_steps_count = 1 WHERE id = ?",
          [id],
        );
        done.push(m.name);
      }
      return done;
    } finally {
      await conn.query("SELECT RELEASE_LOCK(?)", [MYSQL_LOCK_NAME]);
    }
  } finally {
    await conn.end();
  }
}

/**
 * The names of the migrations a PostgreSQL database's schema records as applied (finished, not rolled back,
 * in `_prisma_migrations`; none when the schema or that table is missing). Reads only: creates no schema or
 * table, takes no lock.
 *
 * @param url a `postgresql://` connection string
 * @throws the driver's error when the server cannot be reached or the database opened
 */
export async function appliedPostgresMigrations(
  url: string,
  options: Pick<MigrateOptions, "schema"> = {},
): Promise<string[]> {
  const { client, quoted } = await connectPostgres(url, options);
  try {
    const { rows } = await client.query<{ present: boolean }>(
      "SELECT to_regclass($1) IS NOT NULL AS present",
      [`${quoted}."_prisma_migrations"`],
    );
    if (!rows[0]?.present) return [];
    await client.query(`SET search_path TO ${quoted}`);
    return (await client.query<{ migration_name: string }>(APPLIED)).rows.map((r) => r.migration_name);
  } finally {
    await client.end();
  }
}

/**
 * The names of the tables of a PostgreSQL database's schema (default: the URL's `schema` parameter, else
 * `public`), `_prisma_migrations` among them when it has one, in name order; none when the schema does not
 * exist. Reads only.
 *
 * @param url a `postgresql://` connection string
 * @throws the driver's error when the server cannot be reached or the database opened
 */
export async function postgresTables(
  url: string,
  options: Pick<MigrateOptions, "schema"> = {},
): Promise<string[]> {
  const { client, schema } = await connectPostgres(url, options);
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
      [schema],
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

/**
 * The names of the tables of the MySQL or MariaDB database a URL names (`_prisma_migrations` among them
 * when it has one), in name order. Reads only.
 *
 * @param url a `mysql://` or `mariadb://` connection string naming the database
 * @throws the driver's error when the server cannot be reached or the database does not exist
 */
export async function mysqlTables(url: string): Promise<string[]> {
  const conn = await connectMysql(url);
  try {
    const rows = (await conn.query(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )) as { name: string }[];
    return rows.map((r) => r.name);
  } finally {
    await conn.end();
  }
}

/** MySQL's error number for a table that does not exist (ER_NO_SUCH_TABLE). */
const ER_NO_SUCH_TABLE = 1146;

/**
 * The names of the migrations a MySQL or MariaDB database records as applied (finished, not rolled back,
 * in `_prisma_migrations`; none when it has no such table). Reads only: creates no table, takes no lock.
 *
 * @param url a `mysql://` or `mariadb://` connection string naming the database
 * @throws the driver's error when the server cannot be reached or the database does not exist
 */
export async function appliedMysqlMigrations(url: string): Promise<string[]> {
  const conn = await connectMysql(url);
  try {
    return ((await conn.query(APPLIED)) as { migration_name: string }[]).map((r) => r.migration_name);
  } catch (err) {
    if ((err as { errno?: unknown }).errno !== ER_NO_SUCH_TABLE) throw err;
    return [];
  } finally {
    await conn.end();
  }
}
