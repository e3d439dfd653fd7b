import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { deriveSchema, missingMigrations, schemaPath, syncSchemas } from "../../scripts/prisma-schemas.js";

const ROOT = join(import.meta.dirname, "../..");
const SOURCE = readFileSync(join(ROOT, "prisma/schema.prisma"), "utf8");
const run = promisify(execFile);

/** A copy of the project's prisma/ folder in a temp root. */
function tempProject(): string {
  const root = mkdtempSync(join(tmpdir(), "tracehop-schemas-"));
  cpSync(join(ROOT, "prisma"), join(root, "prisma"), { recursive: true });
  return root;
}

/** The line of `field` inside `model` of a schema text. */
function fieldLine(schema: string, model: string, field: string): string {
  const block = schema.slice(schema.indexOf(`model ${model} {`));
  const line = block.split("\n").find((l) => new RegExp(`^\\s+${field}\\s`).test(l));
  assert.ok(line, `${model}.${field} present`);
  return line.trim();
}

describe("scripts/prisma-schemas.ts", () => {
  test("the checked-in PostgreSQL and MySQL schemas and migrations are in step with prisma/schema.prisma (--check)", async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/prisma-schemas.ts", "--check"],
      {
        cwd: ROOT,
      },
    );
    assert.equal(stderr, "");
    assert.equal(stdout, "");
  });

  test("derivation changes the provider and the client output, and keeps every model", () => {
    for (const provider of ["postgresql", "mysql"] as const) {
      const derived = deriveSchema(SOURCE, provider);
      assert.match(derived, new RegExp(`provider = "${provider}"`));
      assert.match(derived, new RegExp(`output\\s+= "../../generated/prisma/${provider}"`));
      assert.doesNotMatch(derived, /"sqlite"/);
      for (const model of SOURCE.matchAll(/^model (\w+) \{/gm))
        assert.ok(derived.includes(`model ${model[1]} {`));
    }
    assert.doesNotMatch(deriveSchema(SOURCE, "postgresql"), /@db\./);
  });

  test("MySQL: free text becomes LongText; ids, defaults, foreign keys and indexed fields stay VARCHAR", () => {
    const mysql = deriveSchema(SOURCE, "mysql");
    assert.match(fieldLine(mysql, "PreprocessJob", "text"), /^text\s+String\s+@db\.LongText$/);
    assert.match(fieldLine(mysql, "QueueMessage", "body"), /@db\.LongText$/);
    for (const [model, field] of [
      ["PreprocessJob", "id"],
      ["PreprocessJob", "status"],
      ["Sentence", "jobId"],
      ["QueueMessage", "queue"],
    ]) {
      assert.doesNotMatch(fieldLine(mysql, model!, field!), /@db\./, `${model}.${field}`);
    }
  });

  test("MySQL: a String unique on its own is VARCHAR(255), not Prisma's VARCHAR(191) nor LongText; PostgreSQL keeps it as is", () => {
    assert.match(
      fieldLine(deriveSchema(SOURCE, "mysql"), "PreprocessJob", "idempotencyKey"),
      /^idempotencyKey\s+String\?\s+@unique @db\.VarChar\(255\)$/,
    );
    assert.match(
      fieldLine(deriveSchema(SOURCE, "postgresql"), "PreprocessJob", "idempotencyKey"),
      /^idempotencyKey\s+String\?\s+@unique$/,
    );
  });

  test("--check fails on a schema change that was not derived, and on a migration written for SQLite only", () => {
    const root = tempProject();
    try {
      assert.deepEqual(syncSchemas({ check: true, root }), []);
      assert.deepEqual(missingMigrations(root), []);
      const changed = readFileSync(join(root, "prisma/schema.prisma"), "utf8").replace(
        "  publishedAt   DateTime?",
        "  publishedAt   DateTime?\n  attempts      Int       @default(0)",
      );
      writeFileSync(join(root, "prisma/schema.prisma"), changed);
      assert.deepEqual(syncSchemas({ check: true, root }), [
        "prisma/postgresql/schema.prisma",
        "prisma/mysql/schema.prisma",
      ]);
      assert.deepEqual(syncSchemas({ root }), [
        "prisma/postgresql/schema.prisma",
        "prisma/mysql/schema.prisma",
      ]);
      assert.match(readFileSync(schemaPath("mysql", root), "utf8"), /attempts\s+Int\s+@default\(0\)/);
      assert.deepEqual(syncSchemas({ check: true, root }), []);

      mkdirSync(join(root, "prisma/migrations/20270101000000_attempts"));
      writeFileSync(join(root, "prisma/migrations/20270101000000_attempts/migration.sql"), "-- AlterTable\n");
      assert.deepEqual(missingMigrations(root), [
        "prisma/postgresql/migrations lacks 20270101000000_attempts",
        "prisma/mysql/migrations lacks 20270101000000_attempts",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("a source that is not the SQLite schema is refused with the reason", () => {
    assert.throws(
      () => deriveSchema(SOURCE.replace('"sqlite"', '"postgresql"'), "mysql"),
      /source datasource must be sqlite/,
    );
    assert.throws(
      () => deriveSchema(SOURCE.replace("generated/prisma/sqlite", "generated/prisma/client"), "mysql"),
      /generator output must end in \/sqlite/,
    );
  });
});
