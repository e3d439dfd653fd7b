// A database as an earlier version of the example left it (its migrations up to one), then brought up to
// date by the example's own driver-based migration (npm run migrate's migrate-sqlite.ts / migrate-server.ts):
// the set-up of the tests that a migration keeps what such a database holds.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { migrateMysql, migratePostgres } from "../../examples/preprocess/migrate-server.js";
import { migrateSqlite } from "../../examples/preprocess/migrate-sqlite.js";
import { migrationsFolder, readMigrations } from "../../examples/preprocess/migrations.js";
import { STOCK, type Provider, type TestDatabase, type TestSchema } from "../prisma/databases.js";

/**
 * The project's schema with, per provider, only the example's migrations named before `migration` (copied
 * into a temporary folder, removed after the suite): what a database migrated before `migration` was
 * added holds. For `databaseFixture(provider, schema)`, called inside a `describe`.
 */
export function schemaBefore(migration: string): TestSchema {
  const dir = mkdtempSync(join(tmpdir(), `tracehop-before-${migration}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const folderOf = (provider: Provider) => {
    const folder = join(dir, provider);
    for (const { name } of readMigrations(migrationsFolder(provider)))
      if (name < migration)
        cpSync(join(migrationsFolder(provider), name), join(folder, name), { recursive: true });
    return folder;
  };
  return {
    load: STOCK.load,
    migrations: { sqlite: folderOf("sqlite"), postgresql: folderOf("postgresql"), mysql: folderOf("mysql") },
  };
}

/** `name` quoted for raw SQL on `database`, and a table's name qualified by its PostgreSQL schema. */
export function rawNames(database: TestDatabase): { q(name: string): string; table(name: string): string } {
  const q = (name: string) => (database.provider === "mysql" ? `\`${name}\`` : `"${name}"`);
  // A raw query names the PostgreSQL schema itself (the adapter's `schema` applies to the models).
  const table = (name: string) => (database.schema ? `${q(database.schema)}.${q(name)}` : q(name));
  return { q, table };
}

/**
 * Applies the example's migrations that `database` lacks with the example's driver (as `npm run migrate`
 * does), asserts that they are the project's migrations from `first` on, `first` leading, and that
 * `_prisma_migrations` then records every migration of the project with its checksum.
 */
export async function migrateFrom(database: TestDatabase, first: string): Promise<void> {
  const { provider } = database;
  const applied =
    provider === "sqlite"
      ? migrateSqlite(database.url)
      : provider === "postgresql"
        ? await migratePostgres(database.url, { schema: database.schema })
        : await migrateMysql(database.url);
  const all = readMigrations(migrationsFolder(provider));
  assert.equal(applied[0], first);
  assert.deepEqual(
    applied,
    all.map((m) => m.name).filter((name) => name >= first),
  );
  const recorded = (await database.client.$queryRawUnsafe(
    `SELECT migration_name, checksum FROM ${rawNames(database).table("_prisma_migrations")} ORDER BY migration_name`,
  )) as { migration_name: string; checksum: string }[];
  assert.deepEqual(
    recorded.map((r) => ({ name: r.migration_name, checksum: r.checksum })),
    all.map((m) => ({ name: m.name, checksum: m.checksum })),
  );
}
