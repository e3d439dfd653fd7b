/**
 * A model whose carrier-named field is not `Json` (`traceContext String?`, model Legacy of
 * test/fixtures/prisma-edge/schema.prisma) on a real SQLite file: default detection leaves it out,
 * as an app may have an unrelated field of that name, but says so once per model (diag.warn and a
 * Node process warning with a code): its rows would otherwise store NULL without a word and the
 * trace be lost at that hop. A list of `models` naming it is an Error. Its own test file: the warning
 * is given once per process.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { traceCarrierExtension } from "../../src/prisma/index.js";
import { carrierModels } from "../../src/prisma/carrier-models.js";
import { databaseFixture } from "./databases.js";
import { EDGE } from "./edge-schema.js";
import { assertCarrierOf, inSpan } from "./tracing.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const CODE = "TRACEHOP_PRISMA_CARRIER_NOT_JSON";
const MESSAGE =
  /^tracehop traceCarrierExtension: model "Legacy" has a field "traceContext" of type String, not Json, so traceCarrierExtension\(\) leaves it out: its rows store no carrier and the trace is lost at that hop\. To carry the trace, declare it `traceContext Json\?` \(and migrate the column\); if the field is unrelated, or your code writes the carrier there itself, pass traceCarrierExtension\(\{ models: \[\.\.\.\] \}\)/;

describe("traceCarrierExtension and a carrier-named field that is not Json, sqlite", () => {
  let base: any;
  const { need } = databaseFixture("sqlite", EDGE, (opened) => {
    base = opened.client;
  });
  const warnings: Error[] = [];
  const diagWarnings: string[] = [];
  const onWarning = (warning: Error) => {
    if ((warning as { code?: string }).code?.startsWith("TRACEHOP_")) warnings.push(warning);
  };
  before(() => {
    process.on("warning", onWarning);
    const log = (message: string) => diagWarnings.push(message);
    diag.setLogger(
      { error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
  });
  after(() => {
    process.removeListener("warning", onWarning);
    diag.disable();
  });
  /** Lets process warnings (emitted on the next tick) arrive. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  test("models listed explicitly: no detection, no warning; listing Legacy is an Error naming its type", async (t) => {
    if (!need(t)) return;
    base.$extends(traceCarrierExtension({ models: ["Parent", "Item"] }));
    await settle();
    assert.deepEqual(warnings, []);
    assert.throws(
      () => base.$extends(traceCarrierExtension({ models: ["Legacy"] })),
      /^Error: tracehop traceCarrierExtension: model "Legacy" needs a Json field "traceContext" to hold the carrier, found scalar String: change its type to `Json\?` \(or `Json`; a single value, not a list\) and migrate the column, or name another field in models$/,
    );
  });

  test("default detection: one warning naming the model, the field's type and the fix; the model's rows store NULL, the other models their carrier", async (t) => {
    if (!need(t)) return;
    const db = base.$extends(traceCarrierExtension());
    await settle();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, MESSAGE);
    assert.equal((warnings[0] as { code?: string }).code, CODE);
    assert.deepEqual(
      diagWarnings.filter((m) => m.includes('"Legacy"')),
      [warnings[0]!.message],
    );

    // Not thrown: the write goes through, without a carrier in the String column.
    const [legacy, parent, span] = await inSpan("request", async (span) => [
      await db.legacy.create({ data: { name: "l" } }),
      await db.parent.create({ data: { name: "p" } }),
      span,
    ]);
    assert.equal(legacy.traceContext, null);
    assertCarrierOf(parent.traceContext, span);

    // Once per model in the process: applying the extension again says nothing more.
    base.$extends(traceCarrierExtension());
    await settle();
    assert.equal(warnings.length, 1);
  });
});

test("when the only field of that name is not Json, the no-model Error says which field was found and its type", () => {
  const rdm = {
    models: {
      Legacy: { fields: [{ name: "traceContext", kind: "scalar", type: "String" }] },
      Event: { fields: [{ name: "traceContext", kind: "object", type: "Legacy", relationName: "r" }] },
    },
  };
  assert.throws(
    () => carrierModels(rdm, "traceContext", undefined),
    /^Error: tracehop traceCarrierExtension: no model of this Prisma Client has a Json field "traceContext" \(found Legacy\.traceContext: String, Event\.traceContext: a relation to Legacy\); add `traceContext Json\?`/,
  );
});

test("a Json[] field (a PostgreSQL list) is no carrier field: left out with the warning, an Error when listed", async () => {
  // What Prisma 7's runtime data model says of `traceContext Json[]`: scalar Json, no list flag; the
  // schema text tells. Filled with a carrier object, every create in a span failed with Prisma's
  // PrismaClientValidationError (the field takes an array).
  const rdm = {
    models: {
      Tagged: { fields: [{ name: "traceContext", kind: "scalar", type: "Json" }] },
      Job: { fields: [{ name: "traceContext", kind: "scalar", type: "Json" }] },
    },
  };
  const schema = [
    "model Tagged {",
    "  id           Int    @id",
    "  traceContext Json[]",
    "}",
    "model Job {",
    "  id           Int    @id",
    "  traceContext Json?",
    "}",
  ].join("\n");
  resetWarnings();
  const { result: models, processWarnings } = await recordWarnings(() =>
    carrierModels(rdm, "traceContext", undefined, schema),
  );
  assert.deepEqual([...models.keys()], ["Job"]);
  assert.equal(models.get("Job")!.field, "traceContext");
  assert.deepEqual(processWarnings, [
    [
      CODE,
      'tracehop traceCarrierExtension: model "Tagged" has a field "traceContext" of type Json[], not Json, so traceCarrierExtension() leaves it out: ' +
        "its rows store no carrier and the trace is lost at that hop. To carry the trace, declare it `traceContext Json?` (and migrate the column); " +
        "if the field is unrelated, or your code writes the carrier there itself, pass traceCarrierExtension({ models: [...] }) to name the carrier models",
    ],
  ]);
  assert.throws(
    () => carrierModels(rdm, "traceContext", ["Tagged"], schema),
    /^Error: tracehop traceCarrierExtension: model "Tagged" needs a Json field "traceContext" to hold the carrier, found scalar Json\[\]: change its type to `Json\?` \(or `Json`; a single value, not a list\) and migrate the column, or name another field in models$/,
  );
  assert.throws(
    () => carrierModels({ models: { Tagged: rdm.models.Tagged } }, "traceContext", undefined, schema),
    /^Error: tracehop traceCarrierExtension: no model of this Prisma Client has a Json field "traceContext" \(found Tagged\.traceContext: Json\[\]\)/,
  );
});
