/**
 * The Prisma extension in a writer process with a tracer provider but no context manager (no
 * startTracing(), an SDK set up by hand without one): nothing is ever active, so every row stores a NULL
 * carrier; the first write says so once (TRACEHOP_NO_CONTEXT_MANAGER), and the write itself goes on.
 * This file registers NO context manager (it does not import test/support/sdk.ts nor ./tracing.ts).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { traceCarrierExtension } from "../../src/prisma/index.js";
import { databaseFixture, STOCK } from "./databases.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

trace.setGlobalTracerProvider(new BasicTracerProvider());

const outbox = (id: string) => ({ aggregateType: "job", aggregateId: id, eventType: "created", payload: {} });

describe("no context manager registered, sqlite", () => {
  const { need } = databaseFixture("sqlite", STOCK);

  test("writes inside tracer.startActiveSpan store NULL, and the first says so once", async (t) => {
    const d = need(t);
    if (!d) return;
    resetWarnings();
    const db = d.client.$extends(traceCarrierExtension({ models: ["Outbox"] }));
    const told = await recordWarnings(() =>
      trace.getTracer("writer").startActiveSpan("POST /jobs", async (span) => {
        try {
          return [
            await db.outbox.create({ data: outbox("a") }),
            await db.outbox.create({ data: outbox("b") }),
          ];
        } finally {
          span.end();
        }
      }),
    );
    assert.deepEqual(
      told.result.map((row: { traceContext: unknown }) => row.traceContext),
      [null, null],
    );
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [code, message.split(":")[0]]),
      [["TRACEHOP_NO_CONTEXT_MANAGER", "tracehop traceCarrierExtension"]],
    );
    assert.match(told.processWarnings[0]![1], /not even inside tracer\.startActiveSpan/);
  });
});
