// A dd-trace-ot row whose Datadog ids are JSON numbers beyond 2^53, read through Prisma from a real
// database (a SQLite file, PostgreSQL jsonb, MariaDB JSON): Prisma hands the Json column over as
// JSON.parse reads it, the ids already rounded to doubles. The restore detects that and refuses the
// ids (a new trace, the TRACEHOP_JSON_NUMBER_ID warning), never restoring a wrong trace id. Read with
// the ids cast to strings in the query (docs/migration.md, "Ids stored as JSON numbers"), the same row
// restores its trace exactly.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { contextFromCarrier } from "../../src/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { databaseFixture, type Provider, type TestDatabase } from "./databases.js";

const TRACE = "12345678901234567890";
const PARENT = "9876543210987654321";
const ROW = `{"x-datadog-trace-id": ${TRACE}, "x-datadog-parent-id": ${PARENT}, "x-datadog-sampling-priority": "1"}`;

/** Inserts the row with raw SQL, its JSON text as a dd-trace-ot writer stored it. */
async function insertRow(db: TestDatabase, id: string): Promise<void> {
  if (db.provider === "sqlite")
    await db.client.$executeRawUnsafe(
      `INSERT INTO "PreprocessJob" ("id", "text", "traceContext", "updatedAt") VALUES (?, 'legacy', ?, CURRENT_TIMESTAMP)`,
      id,
      ROW,
    );
  else if (db.provider === "postgresql")
    await db.client.$executeRawUnsafe(
      `INSERT INTO "${db.schema}"."PreprocessJob" ("id", "text", "traceContext", "updatedAt") VALUES ($1, 'legacy', $2::jsonb, now())`,
      id,
      ROW,
    );
  else
    await db.client.$executeRawUnsafe(
      "INSERT INTO `PreprocessJob` (`id`, `text`, `traceContext`, `updatedAt`) VALUES (?, 'legacy', ?, CURRENT_TIMESTAMP(3))",
      id,
      ROW,
    );
}

for (const provider of ["sqlite", "postgresql", "mysql"] as Provider[]) {
  describe(`ids stored as JSON numbers, read through Prisma (${provider})`, () => {
    const { need } = databaseFixture(provider);

    test("the Json field holds the ids rounded; the restore refuses them and says so, no wrong trace", async (t) => {
      const db = need(t);
      if (!db) return;
      await insertRow(db, "h7-rounded");
      const row = await db.client.preprocessJob.findUnique({ where: { id: "h7-rounded" } });
      const id = row.traceContext["x-datadog-trace-id"];
      // Prisma parsed the column with JSON.parse: a number, not the digits stored.
      assert.equal(typeof id, "number");
      assert.notEqual(BigInt(id).toString(), TRACE);
      resetWarnings();
      const told = await recordWarnings(() => contextFromCarrier(row.traceContext));
      assert.equal(trace.getSpanContext(told.result), undefined);
      assert.deepEqual(
        told.processWarnings.map(([code]) => code),
        ["TRACEHOP_JSON_NUMBER_ID"],
      );
      assert.match(
        told.processWarnings[0]![1],
        /x-datadog-trace-id is a JSON number read as 12345678901234567000/,
      );
      resetWarnings();
    });

    test("read with the ids cast to strings in the query: the trace restored exactly", async (t) => {
      const db = need(t);
      if (!db) return;
      await insertRow(db, "h7-cast");
      const rows: { traceContext: unknown }[] =
        provider === "postgresql"
          ? await db.client.$queryRawUnsafe(
              `SELECT (SELECT jsonb_object_agg(key, CASE jsonb_typeof(value) WHEN 'number' THEN to_jsonb(value #>> '{}') ELSE value END)
                 FROM jsonb_each("traceContext")) AS "traceContext"
               FROM "${db.schema}"."PreprocessJob" WHERE id = $1`,
              "h7-cast",
            )
          : provider === "mysql"
            ? await db.client.$queryRawUnsafe(
                "SELECT JSON_SET(traceContext," +
                  " '$.\"x-datadog-trace-id\"', JSON_UNQUOTE(JSON_EXTRACT(traceContext, '$.\"x-datadog-trace-id\"'))," +
                  " '$.\"x-datadog-parent-id\"', JSON_UNQUOTE(JSON_EXTRACT(traceContext, '$.\"x-datadog-parent-id\"')))" +
                  " AS traceContext FROM `PreprocessJob` WHERE id = ?",
                "h7-cast",
              )
            : [];
      if (provider === "sqlite") {
        // SQLite's JSON functions read an integer beyond 2^63 as a real: no cast keeps it (the migration
        // rewrites the text in the application instead). The column's text itself is exact.
        const [text] = await db.client.$queryRawUnsafe(
          `SELECT CAST("traceContext" AS TEXT) AS t FROM "PreprocessJob" WHERE id = ?`,
          "h7-cast",
        );
        assert.ok(String(text.t).includes(TRACE));
        return;
      }
      const carrier =
        typeof rows[0]!.traceContext === "string"
          ? JSON.parse(rows[0]!.traceContext as string)
          : rows[0]!.traceContext;
      assert.equal(carrier["x-datadog-trace-id"], TRACE);
      assert.equal(carrier["x-datadog-parent-id"], PARENT);
      const span = trace.getSpanContext(contextFromCarrier(carrier));
      assert.equal(span?.traceId, "0000000000000000ab54a98ceb1f0ad2");
      assert.equal(span?.spanId, "891087b8e3b70cb1");
    });
  });
}
