import { existsSync, lstatSync, readlinkSync, statSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
// The clients and their driver adapters are imported by openDatabase, only the one DATABASE_URL names:
// the three together made each process's start about 15% longer (0.12 s of 0.82 s on an idle 2-CPU
// machine, more under load). browser.js is the client's model names and enums without its runtime.
import { Prisma } from "../../generated/prisma/sqlite/browser.js";
import type { PrismaClient } from "../../generated/prisma/sqlite/client.js";
import {
  BadInputError,
  connectTimeoutMs,
  counted,
  databaseUrl,
  firstLine,
  noAnswerWithin,
  notAnsweringAs,
  redact,
  surroundingWhiteSpace,
} from "./config.js";
import {
  appliedMysqlMigrations,
  appliedPostgresMigrations,
  connectTimedOut,
  createServerDatabase,
  driverSaid,
  failedToConnect,
  migrateMysql,
  migratePostgres,
  mysqlTables,
  mysqlTarget,
  notThisProtocol,
  pgServerRefusedSsl,
  pgSslmodeProblem,
  pgSslNote,
  postgresTables,
  postgresTarget,
  serverRefusal,
  type ServerRefusal,
} from "./migrate-server.js";
import { appliedSqliteMigrations, migrateSqlite, sqliteTables } from "./migrate-sqlite.js";
import { KEEPALIVE_DELAY_MS, QUERY_TIMEOUT_MS, SQLITE_BUSY_TIMEOUT_MS } from "./db-timeouts.js";
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
 * (password hidden): an empty URL, white space before or after it, a kind not supported, a server URL that
 * cannot be parsed, or a PostgreSQL URL whose `sslmode` the pg driver would not read as written (`allow`, an
 * unknown value: {@link pgSslmodeProblem}).
 */
export function databaseKind(url: string): DatabaseKind {
  if (url === "") throw new Error(EMPTY);
  // Before the scheme test, which a leading space fails although the scheme is there.
  const space = surroundingWhiteSpace(`DATABASE_URL (${redact(url.trim())})`, url);
  if (space !== undefined) throw new Error(space);
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
  // Without one, pg would open the database named as the user and MySQL none at all ("No database
  // selected" at the first query); `npm run migrate` creates the one named.
  if (parsed.pathname === "" || parsed.pathname === "/")
    throw new Error(
      `DATABASE_URL (${redact(url)}) names no database: add its name after the host and port ` +
        `(${kind === "postgresql" ? "postgresql://USER:PASSWORD@HOST:5432/DATABASE" : "mysql://USER:PASSWORD@HOST:3306/DATABASE"})`,
    );
  const sslmode = kind === "postgresql" ? pgSslmodeProblem(parsed.searchParams) : undefined;
  if (sslmode !== undefined) throw new Error(`DATABASE_URL (${redact(url)}): ${sslmode}`);
  return kind;
}

/** Path of the SQLite file named by a `file:` URL. */
export function sqlitePath(url: string): string {
  return url.startsWith("file://") ? fileURLToPath(url) : url.replace(/^file:/, "");
}

/** What is wrong with the path of a SQLite file ({@link sqlitePathProblem}), and how to fix it. */
interface PathProblem {
  /** What is wrong, as a clause: `its folder /t/db is a symbolic link to /t/gone, which does not exist`. */
  what: string;
  /**
   * What to do about the path, as a clause to start a sentence with: `create /t/gone or point the link to an
   * existing folder`; undefined when only another DATABASE_URL helps (the path names a folder).
   */
  fix?: string;
}

/**
 * Where the chain of symbolic links from `link` ends: the first path of it that is not a link (which may
 * not exist), each link's target read relative to its own folder. For a chain that `statSync` resolved to
 * ENOENT, so not a loop.
 */
function lastLinkTarget(link: string): string {
  let path = link;
  // Bounded as the kernel bounds a chain (40 links, Linux MAXSYMLINKS): the chain may change between the
  // caller's statSync and this walk.
  for (let hops = 0; hops < 40; hops++) {
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (stats === undefined || !stats.isSymbolicLink()) return path;
    path = resolvePath(dirname(path), readlinkSync(path));
  }
  return path;
}

/**
 * Why the SQLite file `file` (as {@link sqlitePath} gives it; relative to the working directory) cannot be
 * opened or created although a missing folder would be created:
 * - a folder of its path that is a symbolic link to nothing (its target, or a folder of it, does not exist:
 *   `mkdir` fails with ENOENT on the link, and the migration would not create folders elsewhere through it),
 *   a link to a file, a link in a loop, or a file where a folder should be. Read from the root down,
 *   stopping at the first folder that does not exist (created by the migration: no problem);
 * - the file itself a folder, a symbolic link in a loop, or a link to nothing whose target's folder does not
 *   exist (SQLite follows the link and creates the target when its folder exists: no problem).
 * - an empty path (`file:` alone).
 * The driver says "unable to open database file" for each. Undefined when there is none, or when it cannot
 * be told (a folder not readable: the driver's error says it). Never throws.
 */
export function sqlitePathProblem(file: string): PathProblem | undefined {
  // `file:` alone names the working folder, which the driver cannot open either.
  if (file.trim() === "") return { what: "its path is empty" };
  const path = resolvePath(file);
  const folder = dirname(path);
  const name = (dir: string) => (dir === folder ? `its folder ${dir}` : `${dir}, a folder of its path,`);
  const parts = folder.split("/").filter((p) => p !== "");
  for (let i = 1; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join("/")}`;
    try {
      const own = lstatSync(dir, { throwIfNoEntry: false });
      if (own === undefined) return undefined;
      if (own.isSymbolicLink()) {
        const target = resolvePath(dirname(dir), readlinkSync(dir));
        const to = statSync(dir, { throwIfNoEntry: false });
        if (to === undefined) {
          // A loop of links is no ENOENT: statSync threw ELOOP (below).
          const end = lastLinkTarget(dir);
          const via = end === target ? "" : ` (through ${target})`;
          return {
            what: `${name(dir)} is a symbolic link to ${end}${via}, which does not exist`,
            fix: `create ${end} or point the link to an existing folder`,
          };
        }
        if (!to.isDirectory())
          return {
            what: `${name(dir)} is a symbolic link to ${target}, which is a file, not a folder`,
            fix: `point the link to a folder`,
          };
      } else if (!own.isDirectory())
        return { what: `${name(dir)} is a file, not a folder`, fix: `move that file away` };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ELOOP")
        return {
          what: `${name(dir)} is a symbolic link in a loop of links`,
          fix: `point the link to an existing folder`,
        };
      // EACCES: the driver's error says it.
      return undefined;
    }
  }
  return sqliteFileProblem(path);
}

/** The file part of {@link sqlitePathProblem}, for an absolute `path` whose folders are sound. */
function sqliteFileProblem(path: string): PathProblem | undefined {
  try {
    const own = lstatSync(path, { throwIfNoEntry: false });
    if (own === undefined) return undefined;
    if (own.isDirectory()) return { what: `${path} is a folder, not a file` };
    if (!own.isSymbolicLink()) return undefined;
    const to = statSync(path, { throwIfNoEntry: false });
    if (to?.isDirectory()) return { what: `${path} is a symbolic link to a folder, not a file` };
    if (to !== undefined) return undefined;
    const end = lastLinkTarget(path);
    const endFolder = dirname(end);
    if (statSync(endFolder, { throwIfNoEntry: false })?.isDirectory()) return undefined;
    return {
      what: `${path} is a symbolic link to ${end}, whose folder ${endFolder} does not exist`,
      fix: `create ${endFolder} or point the link elsewhere`,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP")
      return { what: `${path} is a symbolic link in a loop of links`, fix: `point the link to a file` };
    return undefined;
  }
}

/**
 * Applies the checked-in migrations to the database of DATABASE_URL (default: the embedded SQLite
 * file): prisma/migrations for SQLite, prisma/postgresql/migrations for PostgreSQL (in the URL's
 * schema, created when missing), prisma/mysql/migrations for MySQL/MariaDB. Returns the names of the
 * migrations this call applied. Throws an Error naming the URL when the database kind is not supported.
 * `kind` is the URL's {@link databaseKind}, read from it unless the caller has it.
 */
export async function migrateDatabase(url = databaseUrl(), kind = databaseKind(url)): Promise<string[]> {
  switch (kind) {
    case "sqlite":
      return migrateSqlite(sqlitePath(url));
    case "postgresql":
      return migratePostgres(url);
    case "mysql":
      return migrateMysql(url);
  }
}

/**
 * The names of the migrations the database of DATABASE_URL records as applied (finished, not rolled back, in
 * its `_prisma_migrations` table; none when it has no such table), read without changing anything. Throws
 * the driver's error when the database cannot be reached or opened (a SQLite file that does not exist
 * among them). `kind` is the URL's {@link databaseKind}.
 */
async function appliedDatabaseMigrations(url: string, kind: DatabaseKind): Promise<string[]> {
  switch (kind) {
    case "sqlite":
      return appliedSqliteMigrations(sqlitePath(url));
    case "postgresql":
      return appliedPostgresMigrations(url);
    case "mysql":
      return appliedMysqlMigrations(url);
  }
}

/**
 * The names of the tables of the database of DATABASE_URL (of its schema for PostgreSQL), in name order,
 * `_prisma_migrations` among them when it has one. Reads only. Throws the driver's error when the database
 * cannot be reached or opened (a SQLite file that does not exist among them). `kind` is the URL's
 * {@link databaseKind}, read from it unless the caller has it.
 */
export async function databaseTables(url = databaseUrl(), kind = databaseKind(url)): Promise<string[]> {
  switch (kind) {
    case "sqlite":
      return sqliteTables(sqlitePath(url));
    case "postgresql":
      return postgresTables(url);
    case "mysql":
      return mysqlTables(url);
  }
}

/**
 * The tables of prisma/schema.prisma, which the api, the relay and the worker use: the names of its models
 * (Prisma.ModelName of the generated client), which are the tables' names since no model is given another
 * (`@@map`); test/examples/check-database.test.ts checks them against the tables the migrations create.
 */
export const SCHEMA_TABLES: readonly Prisma.ModelName[] = Object.values(Prisma.ModelName);

/**
 * Refuses a database that has tables of prisma/schema.prisma ({@link SCHEMA_TABLES}) but no
 * `_prisma_migrations` table (made by `prisma db push`, or by hand): its first migration's CREATE TABLE
 * would fail, and which migrations it has cannot be told, until it is baselined, its migrations marked
 * applied (Prisma Migrate's baselining, `prisma migrate resolve --applied`). A database with that table, or
 * with none of the schema's tables, passes; so does one whose tables cannot be read once connected (a
 * query error; a SQLite file that cannot be read), the caller's next step saying why. A server connection
 * that could not be opened ({@link failedToConnect}: refused, no answer within the connect timeout, closed,
 * another protocol, the login or the database refused) is final: its error is thrown as it is, since the
 * next step would only connect again, wait as long again (a timeout) and fail the same way.
 *
 * @param migrations the names of the checked-in migrations of `kind`, in order, for the message, when the
 *   caller has read them already; else they are read here, only for a database that is refused
 * @throws BadInputError naming the database (`name`), the schema's tables it has and those it lacks (when
 *   it lacks some), and what to do: the `prisma migrate resolve --applied` commands that baseline it, or a
 *   new database; when it lacks some, no baselining (it would mark applied the migrations that create the
 *   missing tables): create them to match prisma/schema.prisma first, or use a new database
 */
async function refuseWithoutHistory(
  url: string,
  kind: DatabaseKind,
  name: string,
  migrations?: readonly string[],
): Promise<void> {
  let tables: string[];
  try {
    tables = await databaseTables(url, kind);
  } catch (err) {
    if (failedToConnect(err)) throw err;
    return;
  }
  // MySQL on a case-insensitive file system (lower_case_table_names) gives the names in lower case.
  const present = new Set(tables.map((t) => t.toLowerCase()));
  if (present.has("_prisma_migrations")) return;
  const found = SCHEMA_TABLES.filter((t) => present.has(t.toLowerCase()));
  if (found.length === 0) return;
  const missing = SCHEMA_TABLES.filter((t) => !present.has(t.toLowerCase()));
  const has =
    `the database of ${name} has tables of this project (${found.join(", ")}` +
    `${missing.length === 0 ? "" : `; not ${missing.join(", ")}`}) but no record of its migrations ` +
    `(no _prisma_migrations table, as \`prisma db push\` leaves it)`;
  // Baselining marks every migration applied: on a database that lacks tables they create, the pipeline
  // would then fail on those tables, and no later migration would create them.
  if (missing.length > 0)
    throw new BadInputError(
      `${has}, and it lacks tables the migrations create, so it cannot be baselined: create the missing tables ` +
        `to match prisma/schema.prisma, then start again to be told how to baseline it; ` +
        `or use a new database and create it with ${MIGRATE_COMMAND}.`,
    );
  const schema = kind === "sqlite" ? "" : ` --schema prisma/${kind}/schema.prisma`;
  const resolve = (migrations ?? migrationNames(kind))
    .map((m) => `npx prisma migrate resolve --applied ${m}${schema}`)
    .join(", then ");
  throw new BadInputError(
    `${has}, so which of them it has cannot be told: ` +
      `if its tables match prisma/schema.prisma, baseline it (same DATABASE_URL): ${resolve}; ` +
      `or use a new database and create it with ${MIGRATE_COMMAND}. Then start again.`,
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

/** The end of every "what to do" of a server database's message. */
const UNSET_IT = "or unset it to use the embedded SQLite file.";

/** What to do when the server answered and refused the connection ({@link serverRefusal}), by refusal. */
const REFUSAL_TODO: Readonly<Record<ServerRefusal, string>> = {
  "no database": `Create it and its tables with ${MIGRATE_COMMAND} (same DATABASE_URL), fix the database name in DATABASE_URL, ${UNSET_IT}`,
  login: `The server refused the login: fix the user or password in DATABASE_URL (or the server's access rules), ${UNSET_IT}`,
  "database denied":
    `The server does not let this user use that database (or, on MySQL, create it): grant the user access to ` +
    `it (or create it as a user allowed to), fix the database name or the user in DATABASE_URL, ${UNSET_IT}`,
  other: `The server is running and refused the connection: fix DATABASE_URL or the server's settings, ${UNSET_IT}`,
};

/**
 * The end of a message about a database of `url` that could not be reached or opened (`err`): what to do,
 * after what to do about its SSL settings when they are in question ({@link pgSslNote}). A server that
 * refused SSL is running: the message then does not say to start it.
 */
function whatToDo(kind: DatabaseKind, url: string, err: unknown): string {
  const ssl = kind === "postgresql" ? pgSslNote(url, err) : "";
  const refusal = kind === "sqlite" ? undefined : serverRefusal(kind, err);
  const todo =
    kind === "postgresql" && pgServerRefusedSsl(err)
      ? "Or unset DATABASE_URL to use the embedded SQLite file."
      : refusal !== undefined
        ? REFUSAL_TODO[refusal]
        : kind !== "sqlite"
          ? `Start the database server, fix DATABASE_URL, ${UNSET_IT}`
          : process.env.DATABASE_URL === undefined
            ? "Set DATABASE_URL to another file:PATH."
            : `Fix DATABASE_URL (file:PATH), ${UNSET_IT}`;
  return ssl === "" ? todo : `${ssl}. ${todo}`;
}

/** `text` with its first letter in upper case (a clause that starts a sentence). */
const upperFirst = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
/** `text` with its first letter in lower case (a sentence that goes on a clause). */
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** The name and default port of the server of a database kind, for the messages. */
const SERVERS = {
  postgresql: { server: "PostgreSQL", port: 5432 },
  mysql: { server: "MySQL/MariaDB", port: 3306 },
} as const;

/**
 * Why the database of `url` could not be reached or opened (`err`, the driver's error) and what to do, for
 * the one-line messages: the driver's first line (without a closing full stop) and {@link whatToDo}. Said in
 * the example's words instead, where (`host:port`) and what to fix, since the drivers' words do not say it:
 * - a server connection that did not open within TRACEHOP_CONNECT_TIMEOUT_MS ({@link connectTimedOut}: a
 *   port where another service listens and waits, a host or firewall that drops the packets): after how long
 *   (pg: "timeout expired"; mariadb: "failed to create socket", though it opened);
 * - a server that answered as no PostgreSQL or MySQL/MariaDB server does ({@link notThisProtocol}: another
 *   service's port, such as MariaDB's for a PostgreSQL URL or RabbitMQ's, or a server that closes each
 *   connection): the driver's words in brackets, as queue-amqp.ts says it of a server that is no AMQP broker
 *   (pg: "Received unexpected copyData message from backend.", "Connection terminated unexpectedly").
 * Either way: the server's usual port, to fix the host or port. Never throws.
 */
function failure(kind: DatabaseKind, url: string, err: unknown): string {
  const said = kind === "sqlite" ? undefined : notThisProtocol(kind, err);
  if (kind === "sqlite" || (said === undefined && !connectTimedOut(err)))
    return `${driverSaid(err)}. ${whatToDo(kind, url, err)}`;
  const { server, port } = SERVERS[kind];
  const parsed = new URL(url);
  const where = `${parsed.hostname}:${parsed.port || port}`;
  const fix = `Fix the host or port in DATABASE_URL (${server}'s port: ${port} by default)`;
  const unset = "or unset DATABASE_URL to use the embedded SQLite file.";
  if (said !== undefined) return `${notAnsweringAs(where, `a ${server} server`, said)}. ${fix}, ${unset}`;
  return (
    `${noAnswerWithin(where, connectTimeoutMs(), server)}. ${fix}, start the database server or raise ` +
    `TRACEHOP_CONNECT_TIMEOUT_MS, ${unset}`
  );
}

/**
 * What `npm start` and `npm run migrate` do first: applies the checked-in migrations to the database of
 * DATABASE_URL ({@link migrateDatabase}; a SQLite file is created with its folder). Returns the names of
 * the migrations it applied.
 * @throws BadInputError (config.ts) when DATABASE_URL is not supported or its database cannot be reached
 *   or migrated (a SQLite file whose folder is a symbolic link to nothing or a file: {@link sqlitePathProblem},
 *   said with what to fix, before anything is tried), or has the schema's tables but no `_prisma_migrations`
 *   table (made by `prisma db push`:
 *   its first migration would fail; nothing is changed; {@link refuseWithoutHistory}): one line naming
 *   DATABASE_URL (password hidden), what failed and what to do (config.exitOnBadInput answers it with
 *   exit 2). A server connection that cannot be opened (refused, no answer within
 *   TRACEHOP_CONNECT_TIMEOUT_MS, closed, another protocol) is tried once, and said as {@link failure}
 *   says it.
 */
export async function prepareDatabase(): Promise<string[]> {
  const url = databaseUrl();
  const kind = startKind(url);
  const name = databaseName();
  // Told apart here: the driver's words ("ENOENT: no such file or directory, mkdir '/t/link'", "unable to
  // open database file") do not say that a folder is a link to nothing or the file a folder.
  const problem = kind === "sqlite" ? sqlitePathProblem(sqlitePath(url)) : undefined;
  if (problem !== undefined) {
    const toDo = whatToDo(kind, url, undefined);
    throw new BadInputError(
      `cannot prepare the database of ${name}: ${problem.what}. ${problem.fix === undefined ? toDo : `${upperFirst(problem.fix)}, or ${lowerFirst(toDo)}`}`,
    );
  }
  const prepare = async () => {
    // A database without a file is created by the migration: nothing to check.
    if (kind !== "sqlite" || existsSync(sqlitePath(url))) await refuseWithoutHistory(url, kind, name);
    return await migrateDatabase(url, kind);
  };
  try {
    try {
      return await prepare();
    } catch (err) {
      if (kind === "sqlite" || serverRefusal(kind, err) !== "no database") throw err;
      const created = await createServerDatabase(kind, url).catch((why: unknown) => {
        throw new BadInputError(
          `cannot prepare the database of ${name}: ${driverSaid(err)}, ` +
            `and creating it failed (${driverSaid(why)}). ` +
            `Create it on the server as a user allowed to, fix the database name in DATABASE_URL, ${UNSET_IT}`,
          { cause: why },
        );
      });
      console.log(`tracehop preprocess: created the database ${created} of ${name}`);
      return await prepare();
    }
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    throw new BadInputError(`cannot prepare the database of ${name}: ${failure(kind, url, err)}`, {
      cause: err,
    });
  }
}

/** The names of the checked-in migrations of `kind`, in order. */
function migrationNames(kind: DatabaseKind): string[] {
  return readMigrations(migrationsFolder(kind)).map((m) => m.name);
}

/**
 * What the api, the relay and the worker do first (started by `npm start`, after its
 * {@link prepareDatabase}, or by hand): checks, changing nothing, that the database of DATABASE_URL can be
 * reached and has every checked-in migration, so that a process started on a wrong or new database says
 * so at once instead of failing each pass or request. Only at start: a database that fails later is
 * handled where it fails (a busy or unreachable one retried, transient.ts).
 * @throws BadInputError (config.ts) when DATABASE_URL is not supported, its server cannot be reached, does
 *   not answer within TRACEHOP_CONNECT_TIMEOUT_MS or answers as no server of its kind ({@link failure}), its
 *   database or SQLite file (or the file's folder) does not exist (a folder that is a symbolic link to
 *   nothing said so: {@link sqlitePathProblem}), or it lacks a migration: one line
 *   naming DATABASE_URL (password hidden), what is wrong and what to do (config.exitOnBadInput answers it
 *   with exit 2). A database made by `prisma db push` (the schema's tables, no `_prisma_migrations` table)
 *   is refused too, as `prisma migrate deploy` refuses it (P3005), the message saying how to baseline it
 *   ({@link refuseWithoutHistory}).
 */
export async function checkDatabase(): Promise<void> {
  const url = databaseUrl();
  const kind = startKind(url);
  const name = databaseName();
  if (kind === "sqlite") {
    // Told apart here: the driver's own words ("unable to open database file") do not say which is missing.
    const file = sqlitePath(url);
    const problem = sqlitePathProblem(file);
    if (problem !== undefined)
      throw new BadInputError(
        problem.fix === undefined
          ? `the database of ${name} cannot be opened (${problem.what}): fix DATABASE_URL (file:PATH names the file).`
          : `the database of ${name} does not exist (${problem.what}): ${problem.fix}, then create and migrate it with ${MIGRATE_COMMAND} (same DATABASE_URL); or fix DATABASE_URL.`,
      );
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
  const cannotOpen = (err: unknown) =>
    new BadInputError(`cannot open the database of ${name}: ${failure(kind, url, err)}`, { cause: err });
  let applied: Set<string>;
  try {
    applied = new Set(await appliedDatabaseMigrations(url, kind));
  } catch (err) {
    throw cannotOpen(err);
  }
  const migrations = migrationNames(kind);
  const unapplied = migrations.filter((m) => !applied.has(m));
  if (unapplied.length === 0) return;
  const all = migrations.length;
  if (unapplied.length === all)
    await refuseWithoutHistory(url, kind, name, migrations).catch((err: unknown) => {
      // Its own connection, which the server may refuse although it let the one above in.
      throw err instanceof BadInputError ? err : cannotOpen(err);
    });
  const state =
    unapplied.length === all
      ? `is not migrated (none of the ${counted(all, "migration")} of this project applied)`
      : `lacks ${unapplied.length} of the ${counted(all, "migration")} of this project (${unapplied.join(", ")})`;
  throw new BadInputError(
    `the database of ${name} ${state}: apply them with ${MIGRATE_COMMAND} (same DATABASE_URL), then start again.`,
  );
}

/** The kind of database of each client {@link openDatabase} opened ({@link databaseKindOf}). */
const openedKinds = new WeakMap<Database, DatabaseKind>();

/**
 * The kind of database `db` is a client of, when {@link openDatabase} opened it; undefined for a client
 * opened otherwise (or a wrapper of one): for a step that is written per kind (job-sentences.ts
 * storeSentences' isolation level on MySQL/MariaDB).
 */
export function databaseKindOf(db: Database): DatabaseKind | undefined {
  return openedKinds.get(db);
}

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** {@link QUERY_TIMEOUT_MS} by default (tests give less). */
  queryTimeoutMs?: number;
}

/**
 * A Prisma client on DATABASE_URL (default: the embedded SQLite file, WAL, {@link SQLITE_BUSY_TIMEOUT_MS}):
 * the better-sqlite3 adapter for `file:`, the pg adapter and the PostgreSQL client for
 * `postgresql://`, the mariadb adapter and the MySQL client for `mysql://`, each client and adapter imported
 * on the first call for its kind. A new connection of either server's pool may take
 * TRACEHOP_CONNECT_TIMEOUT_MS (config.ts connectTimeoutMs), as the start-up check's (the mariadb pool also
 * gives up on getting one after its own 10 s, `acquireTimeout`). Rejects with {@link databaseKind}'s Error
 * for a URL it refuses.
 */
export async function openDatabase(url = databaseUrl(), options: OpenOptions = {}): Promise<Database> {
  const kind = databaseKind(url);
  const db = await openClientOf(kind, url, options.queryTimeoutMs ?? QUERY_TIMEOUT_MS);
  openedKinds.set(db, kind);
  return db;
}

/** {@link openDatabase}'s client of `kind` on `url`. */
async function openClientOf(kind: DatabaseKind, url: string, queryTimeoutMs: number): Promise<Database> {
  switch (kind) {
    case "sqlite": {
      const [{ PrismaBetterSqlite3 }, { PrismaClient: SqliteClient }] = await Promise.all([
        import("@prisma/adapter-better-sqlite3"),
        import("../../generated/prisma/sqlite/client.js"),
      ]);
      const adapter = new PrismaBetterSqlite3({ url: sqlitePath(url), timeout: SQLITE_BUSY_TIMEOUT_MS });
      return new SqliteClient({ adapter });
    }
    case "postgresql": {
      const { connectionString, schema } = postgresTarget(url);
      const [{ PrismaPg }, { PrismaClient: PostgresClient }] = await Promise.all([
        import("@prisma/adapter-pg"),
        import("../../generated/prisma/postgresql/client.js"),
      ]);
      // pg's pool waits without end for a connection by default: one to a server that stopped answering
      // would hang each query. TRACEHOP_CONNECT_TIMEOUT_MS bounds it, as it bounds the start-up check.
      // A query is bounded too ({@link QUERY_TIMEOUT_MS}): client-side, for a server that stopped answering
      // on an open connection; pg-pool drops the connection of a query that failed so. The server's own
      // statement_timeout, just under it, ends a statement that waits on a lock (57014, busy: retried)
      // before the client gives up on the connection. Idle connections are probed (TCP keepalive).
      // DATABASE_URL may set statement_timeout or query_timeout itself (the URL's take precedence in pg).
      const adapter = new PrismaPg(
        {
          connectionString,
          connectionTimeoutMillis: connectTimeoutMs(),
          query_timeout: queryTimeoutMs,
          statement_timeout: queryTimeoutMs - Math.min(1_000, Math.floor(queryTimeoutMs / 2)),
          keepAlive: true,
          keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
        },
        { schema },
      );
      return new PostgresClient({ adapter }) as unknown as Database;
    }
    case "mysql": {
      // The mariadb driver gives a connection 1 s by default: a server slower than that, for which
      // TRACEHOP_CONNECT_TIMEOUT_MS was raised and which passed the start-up check, would fail every query.
      // queryTimeout (MariaDB servers only: max_statement_time, error 1969, busy) and socketTimeout (any
      // server: a connection silent that long is closed, 45026, unavailable) bound a query; keepAliveDelay
      // probes idle connections (TCP keepalive).
      const [{ PrismaMariaDb }, { PrismaClient: MysqlClient }] = await Promise.all([
        import("@prisma/adapter-mariadb"),
        import("../../generated/prisma/mysql/client.js"),
      ]);
      const adapter = new PrismaMariaDb({
        ...mysqlTarget(url),
        connectTimeout: connectTimeoutMs(),
        socketTimeout: queryTimeoutMs,
        keepAliveDelay: KEEPALIVE_DELAY_MS,
      });
      return new MysqlClient({ adapter }) as unknown as Database;
    }
  }
}
