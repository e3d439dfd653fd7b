/**
 * Where tracing meets a failing write or a failing propagator (docs/prisma.md "Tracing never fails the
 * write"): a hand-made column narrower than the carrier (`traceContext Json?` over PostgreSQL
 * `VARCHAR(250)`) refuses the extension's write, which `maxCarrierBytes` set to the column's length
 * avoids; a propagator that throws in inject leaves the row without a carrier and says so once.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { context } from "@opentelemetry/api";
import { contextFromCarrier } from "../../src/index.js";
import { storedCarrierBytes, traceCarrierExtension } from "../../src/prisma/index.js";
import { databaseFixture, STOCK } from "./databases.js";
import { inSpan, throwingPropagator } from "./tracing.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
/** An inbound context whose tracestate makes the carrier longer than 250 bytes. */
const inbound = contextFromCarrier({
  traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
  tracestate: `vendor1=${"a".repeat(200)}`,
});
const outbox = (id: string) => ({
  aggregateType: "job",
  aggregateId: id,
  eventType: "created",
  payload: {},
});

describe("a carrier column narrower than the carrier, postgresql", () => {
  const { need } = databaseFixture("postgresql", STOCK);

  test("VARCHAR(250): the default limit fails the write (P2000); maxCarrierBytes: 250 stores a trimmed carrier of the same trace", async (t) => {
    const d = need(t);
    if (!d) return;
    await d.client.$executeRawUnsafe(
      `ALTER TABLE "${d.schema}"."Outbox" ALTER COLUMN "traceContext" TYPE VARCHAR(250)`,
    );
    const wide = d.client.$extends(traceCarrierExtension({ models: ["Outbox"] }));
    const bounded = d.client.$extends(traceCarrierExtension({ models: ["Outbox"], maxCarrierBytes: 250 }));
    await context.with(inbound, () =>
      inSpan("POST /jobs", async () => {
        // The plain client writes no carrier: the row goes in.
        await d.client.outbox.create({ data: outbox("plain") });
        await assert.rejects(wide.outbox.create({ data: outbox("wide") }), { code: "P2000" });
        const row = await bounded.outbox.create({ data: outbox("bounded") });
        const stored = typeof row.traceContext === "string" ? JSON.parse(row.traceContext) : row.traceContext;
        assert.ok(storedCarrierBytes(stored) <= 250, JSON.stringify(stored));
        assert.equal(stored.traceparent.slice(3, 35), TRACE_ID);
        assert.equal(stored.tracestate, undefined);
      }),
    );
  });
});

describe("a propagator that throws in inject, sqlite", () => {
  const { need } = databaseFixture("sqlite", STOCK);

  test("the row is written without a carrier, and the warning is given once", async (t) => {
    const d = need(t);
    if (!d) return;
    resetWarnings();
    const db = d.client.$extends(
      traceCarrierExtension({ models: ["Outbox"], propagator: throwingPropagator }),
    );
    const told = await recordWarnings(() =>
      inSpan("POST /jobs", async () => [
        await db.outbox.create({ data: outbox("a") }),
        await db.outbox.create({ data: outbox("b") }),
      ]),
    );
    assert.deepEqual(
      told.result.map((row: { traceContext: unknown }) => row.traceContext),
      [null, null],
    );
    assert.deepEqual(
      told.processWarnings.map(([code]) => code),
      ["TRACEHOP_PROPAGATOR_INJECT_FAILED"],
    );
    assert.match(
      told.processWarnings[0]![1],
      /^tracehop: the propagator threw in inject \("Error: inject failed on purpose"\)/,
    );
  });
});

describe("a propagator that throws in extract, sqlite", () => {
  const { need } = databaseFixture("sqlite", STOCK);

  test("a carrier over maxCarrierBytes is trimmed with no restore warning: the write restores nothing", async (t) => {
    const d = need(t);
    if (!d) return;
    resetWarnings();
    // Writes a carrier too large for the limit; its extract, which the trimming asks what a smaller
    // carrier restores, throws.
    const extractThrows = {
      inject: (_ctx: unknown, carrier: Record<string, string>) => {
        carrier.traceparent = `00-${TRACE_ID}-b7ad6b7169203331-01`;
        carrier.tracestate = `vendor1=${"a".repeat(200)}`;
      },
      extract: () => {
        throw new Error("extract failed on purpose");
      },
      fields: () => ["traceparent", "tracestate"],
    };
    const db = d.client.$extends(
      traceCarrierExtension({ models: ["Outbox"], propagator: extractThrows, maxCarrierBytes: 120 }),
    );
    const told = await recordWarnings(() =>
      inSpan("POST /jobs", () => db.outbox.create({ data: outbox("a") })),
    );
    assert.ok(storedCarrierBytes(told.result.traceContext as never) <= 120);
    assert.deepEqual(
      told.processWarnings
        .map(([code]) => code)
        .filter((code) => code === "TRACEHOP_PROPAGATOR_EXTRACT_FAILED"),
      [],
    );
  });
});
