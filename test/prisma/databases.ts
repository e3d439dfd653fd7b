/**
 * Real databases for the Prisma tests, each isolated: a SQLite file in a temp folder, a dedicated
 * PostgreSQL schema, a dedicated MariaDB/MySQL database; created, migrated with the checked-in SQL,
 * and dropped afterwards. A server that is not reachable yields a skip reason instead.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { after, before, type TestContext } from "node:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import mariadb from "mariadb";
import pg from "pg";
import { migrateMysql, migratePostgres } from "../../examples/preprocess/migrate-server.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { exampleArgs } from "../support/build.js";

export type Provider = "sqlite" | "postgresql" | "mysql";
export const PROVIDERS: readonly Provider[] = ["sqlite", "postgresql", "mysql"];

/** Server URLs; override with these environment variables. */
export const PG_URL = process.env.TRACEHOP_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
export const MYSQL_URL = process.env.TRACEHOP_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

/** Where a test database lives: enough for another process to open it with {@link openClient}. */
export interface Location {
  provider: Provider;
  /** SQLite: file path; PostgreSQL: connection URL (+ `schema`); MySQL: URL naming the database. */
  url: string;
  schema?: string;
}

export interface TestDatabase extends Location {
  /** A base PrismaClient of the provider's generated client (not extended). */
  client: any;
  /** The `Prisma` namespace of that generated client (DbNull, JsonNull, ...). */
  Prisma: any;
  drop(): Promise<void>;
}

/**
 * A Prisma schema the tests run on: its generated client per provider, and its migration folders
 * (Prisma's `<name>/migration.sql` layout). Default {@link STOCK}: the project's own.
 */
export interface TestSchema {
  /** Loads the generated client module (`PrismaClient`, `Prisma`) of `provider`. */
  load(provider: Provider): Promise<any>;
  /** Migration folder per provider; `undefined`: the project's (prisma/, prisma/<provider>/). */
  migrations?: Readonly<Record<Provider, string>>;
}

/** The project's schema (prisma/schema.prisma and the clients under generated/prisma/). */
export const STOCK: TestSchema = { load: (provider) => generatedClient(provider) };

/**
 * A new schema or database name; `TRACEHOP_TEST_NAME_PREFIX` (letters, digits, `_`) goes first, so that
 * runs sharing one server tell their names apart.
 */
const unique = () => `${namePrefix()}tracehop_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

/** `TRACEHOP_TEST_NAME_PREFIX`, checked: a name is written into SQL unquoted by some tests. */
function namePrefix(): string {
  const prefix = process.env.TRACEHOP_TEST_NAME_PREFIX ?? "";
  if (!/^[A-Za-z0-9_]*$/.test(prefix))
    throw new Error(
      `TRACEHOP_TEST_NAME_PREFIX must hold letters, digits and _ only, got ${JSON.stringify(prefix)}`,
    );
  return prefix;
}

/** Host, port, user and password of a `mysql://` URL, for the mariadb driver. */
export function mysqlConnection(url: string): { host: string; port: number; user: string; password: string } {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/** Opens a PrismaClient of `provider` on an existing location (used by the child process too). */
export async function openClient(
  loc: Location,
  schema: TestSchema = STOCK,
): Promise<{ client: any; Prisma: any }> {
  switch (loc.provider) {
    case "sqlite": {
      const m = await schema.load("sqlite");
      return {
        client: new m.PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${loc.url}` }) }),
        Prisma: m.Prisma,
      };
    }
    case "postgresql": {
      const m = await schema.load("postgresql");
      const adapter = new PrismaPg({ connectionString: loc.url }, { schema: loc.schema });
      return { client: new m.PrismaClient({ adapter }), Prisma: m.Prisma };
    }
    case "mysql": {
      const m = await schema.load("mysql");
      const u = new URL(loc.url);
      const adapter = new PrismaMariaDb({
        ...mysqlConnection(loc.url),
        database: u.pathname.slice(1),
        connectionLimit: 4,
      });
      return { client: new m.PrismaClient({ adapter }), Prisma: m.Prisma };
    }
  }
}

/** Runs `setup`; when it throws, runs `undo` (its own failure ignored) and rethrows. */
async function settingUp<T>(setup: () => Promise<T>, undo: () => Promise<void>): Promise<T> {
  try {
    return await setup();
  } catch (err) {
    await undo().catch(() => undefined);
    throw err;
  }
}

/**
 * The generated Prisma client of `provider` (`generated/prisma/<provider>/client.js`). Throws an Error
 * that says how to create it when it is missing (`npm start`, `npm test` and `npm run build` run
 * `prisma generate` when the clients are missing or stale; alone, `npm run prisma:generate`).
 */
async function generatedClient(provider: Provider): Promise<any> {
  try {
    switch (provider) {
      case "sqlite":
        return await import("../../generated/prisma/sqlite/client.js");
      case "postgresql":
        return await import("../../generated/prisma/postgresql/client.js");
      case "mysql":
        return await import("../../generated/prisma/mysql/client.js");
    }
  } catch (err) {
    if ((err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new Error(
      `the generated Prisma client for ${provider} is missing (generated/prisma/${provider}): run \`npm run prisma:generate\``,
      { cause: err },
    );
  }
}

/**
 * Creates, migrates and opens an isolated database of `provider` with the tables of `schema`
 * (default: the project's); returns a skip reason (a sentence naming the server and how to start or
 * point to it) when the server is not reachable.
 */
export async function createDatabase(
  provider: Provider,
  schema: TestSchema = STOCK,
): Promise<TestDatabase | string> {
  const dir = schema.migrations?.[provider];
  if (provider === "sqlite") {
    const folder = mkdtempSync(join(tmpdir(), "tracehop-prisma-"));
    const loc: Location = { provider, url: join(folder, "test.db") };
    return opened(
      loc,
      schema,
      async () => migrateSqlite(loc.url, dir),
      async () => rmSync(folder, { recursive: true, force: true }),
    );
  }
  if (provider === "postgresql") {
    const admin = await connectPostgres();
    if (typeof admin === "string") return admin;
    const pgSchema = unique();
    // A failure after connecting (migration, a missing generated client) drops what was made and
    // closes the connection, so that the test process fails instead of hanging on an open socket.
    return opened(
      { provider, url: PG_URL, schema: pgSchema },
      schema,
      () => migratePostgres(PG_URL, { schema: pgSchema, migrationsDir: dir }),
      async () => {
        await admin.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
        await admin.end();
      },
    );
  }
  let admin: Awaited<ReturnType<typeof mariadb.createConnection>>;
  try {
    admin = await mariadb.createConnection({ ...mysqlConnection(MYSQL_URL), connectTimeout: 15_000 });
  } catch (err) {
    return `MariaDB/MySQL not reachable at ${MYSQL_URL} (${(err as Error).message}): start it or set TRACEHOP_TEST_MYSQL_URL`;
  }
  const database = unique();
  await admin.query(`CREATE DATABASE \`${database}\``);
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  const loc: Location = { provider, url: url.toString() };
  return opened(
    loc,
    schema,
    () => migrateMysql(loc.url, { migrationsDir: dir }),
    async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    },
  );
}

/**
 * A connection to the PostgreSQL server of {@link PG_URL} (closed by the caller with `end()`), or the
 * skip reason when the server is not reachable: a sentence naming it and how to start or point to it.
 */
export async function connectPostgres(): Promise<pg.Client | string> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 15_000 });
  try {
    await client.connect();
  } catch (err) {
    return `PostgreSQL not reachable at ${PG_URL} (${(err as Error).message}): start it or set TRACEHOP_TEST_PG_URL`;
  }
  return client;
}

/** A PostgreSQL schema with the example's tables, made by {@link migrateExampleSchema}. */
interface ExampleSchema {
  /** A connection to the server ({@link connectPostgres}), for the test's own queries. */
  admin: pg.Client;
  /** Drops the schema (CASCADE) and closes `admin`. */
  drop(): Promise<void>;
}

/**
 * The schema `schema` of the PostgreSQL server of {@link PG_URL}, dropped if there (a run killed before its
 * clean-up) and given the example's tables by examples/preprocess/migrate.ts, run as a user runs it with
 * DATABASE_URL `url` (PG_URL naming `schema`, with any other parameter the test needs); or the skip reason
 * of {@link connectPostgres} when the server is not reachable.
 */
async function migrateExampleSchema(url: string, schema: string): Promise<ExampleSchema | string> {
  const admin = await connectPostgres();
  if (typeof admin === "string") return admin;
  const drop = () => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  // A failed migration closes the connection, so that the test process fails instead of hanging on it.
  await settingUp(
    async () => {
      await drop();
      execFileSync(process.execPath, exampleArgs("migrate"), {
        env: { ...process.env, DATABASE_URL: url },
        stdio: "ignore",
      });
    },
    () => admin.end(),
  );
  return {
    admin,
    drop: async () => {
      await drop();
      await admin.end();
    },
  };
}

/**
 * The example's schema of one describe block: made in `before` by {@link migrateExampleSchema}, then
 * `open(admin)` run (it opens the block's own clients and returns what closes them); in `after`, that close,
 * then the schema dropped and `admin` closed. Each test starts with `if (fixture.skipped(t)) return;`: true
 * after skipping `t` with the reason the server is missing.
 */
export function exampleSchemaFixture(
  url: string,
  schema: string,
  open: (admin: pg.Client) => Promise<() => Promise<unknown>>,
): { skipped(t: TestContext): boolean } {
  let made: ExampleSchema | string = `${schema}: not made`;
  let close: () => Promise<unknown> = async () => undefined;
  before(async () => {
    made = await migrateExampleSchema(url, schema);
    if (typeof made !== "string") close = await open(made.admin);
  });
  after(async () => {
    if (typeof made === "string") return;
    await close();
    await made.drop();
  });
  return {
    skipped(t) {
      if (typeof made !== "string") return false;
      t.skip(made);
      return true;
    },
  };
}

/**
 * The database at `loc`, migrated by `migrate` and opened; `remove` deletes it (and closes what made
 * it) when `drop` is called, or at once when migrating or opening fails (that error rethrown).
 */
async function opened(
  loc: Location,
  schema: TestSchema,
  migrate: () => Promise<unknown>,
  remove: () => Promise<void>,
): Promise<TestDatabase> {
  const { client, Prisma } = await settingUp(async () => {
    await migrate();
    return openClient(loc, schema);
  }, remove);
  return {
    ...loc,
    client,
    Prisma,
    drop: async () => {
      await client.$disconnect();
      await remove();
    },
  };
}

/**
 * The database of one describe block: created in `before` (then `onOpen(database)`), dropped in
 * `after`. Each test starts with `const d = need(t); if (!d) return;` — the database, or `undefined`
 * after skipping the test with the reason the server is missing.
 */
export function databaseFixture(
  provider: Provider,
  schema: TestSchema = STOCK,
  onOpen: (database: TestDatabase) => void = () => undefined,
): { need(t: TestContext): TestDatabase | undefined } {
  let opened: TestDatabase | string = `${provider}: not opened`;
  before(async () => {
    opened = await createDatabase(provider, schema);
    if (typeof opened !== "string") onOpen(opened);
  });
  after(async () => {
    if (typeof opened !== "string") await opened.drop();
  });
  return {
    need(t) {
      if (typeof opened !== "string") return opened;
      t.skip(opened);
      return undefined;
    },
  };
}
