// A row the extension wrote, read back from a real SQLite file and PostgreSQL schema, processed by a
// worker whose traced methods hand the row on (docs/restore.md, "Nested restores"): one trace, the
// request's span, then the worker's `process`, then its `step` under it, under relation parent and link.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { createPropagator, traced, withCarrier, type Relation } from "../../src/index.js";
import { traceCarrierExtension } from "../../src/prisma/index.js";
import { exporter } from "../support/sdk.js";
import { databaseFixture, STOCK, type Provider } from "./databases.js";
import { inSpan } from "./tracing.js";

/** The finished span named `name` (exactly one). */
function spanNamed(name: string) {
  const spans = exporter.getFinishedSpans().filter((s) => s.name === name);
  assert.equal(spans.length, 1, name);
  return spans[0]!;
}

for (const provider of ["sqlite", "postgresql"] as Provider[]) {
  describe(`a stored row processed by nested traced methods, ${provider}`, () => {
    let db: any;
    const { need } = databaseFixture(provider, STOCK, (opened) => {
      db = opened.client.$extends(traceCarrierExtension());
    });

    for (const relation of ["parent", "link"] as Relation[]) {
      test(`relation ${relation}: the step is a child of the process span, in its trace`, async (t) => {
        if (!need(t)) return;
        exporter.reset();
        const request = await inSpan("POST /jobs", async (span) => {
          await db.preprocessJob.create({ data: { text: `nested ${relation}` } });
          return span.spanContext();
        });
        const job = await db.preprocessJob.findFirstOrThrow({ where: { text: `nested ${relation}` } });
        class Worker {
          @traced({ name: "process", relation })
          async process(row: typeof job) {
            await db.preprocessJob.update({ where: { id: row.id }, data: { status: "running" } });
            await this.step(row);
          }
          @traced({ name: "step", relation })
          async step(row: typeof job) {
            await db.preprocessJob.update({ where: { id: row.id }, data: { status: "done" } });
          }
        }
        await new Worker().process(job);
        const processSpan = spanNamed("process");
        const step = spanNamed("step");
        if (relation === "parent") {
          assert.equal(processSpan.spanContext().traceId, request.traceId);
          assert.equal(processSpan.parentSpanContext?.spanId, request.spanId);
        } else {
          assert.notEqual(processSpan.spanContext().traceId, request.traceId);
          assert.deepEqual(
            processSpan.links.map((l) => l.context.spanId),
            [request.spanId],
          );
        }
        assert.equal(step.spanContext().traceId, processSpan.spanContext().traceId);
        assert.equal(step.parentSpanContext?.spanId, processSpan.spanContext().spanId);
        assert.deepEqual(step.links, []);
      });
    }

    test("a plain @traced() step (no relation) in a relation link job, handed the row read again: a child of the job's span", async (t) => {
      if (!need(t)) return;
      exporter.reset();
      const request = await inSpan("POST /jobs", async (span) => {
        await db.preprocessJob.create({ data: { text: "nested default" } });
        return span.spanContext();
      });
      const job = await db.preprocessJob.findFirstOrThrow({ where: { text: "nested default" } });
      class Worker {
        @traced({ name: "process", relation: "link" })
        async process(row: typeof job) {
          await this.step(await db.preprocessJob.findUniqueOrThrow({ where: { id: row.id } }));
        }
        @traced({ name: "step" })
        async step(row: typeof job) {
          await db.preprocessJob.update({ where: { id: row.id }, data: { status: "done" } });
        }
      }
      await new Worker().process(job);
      const processSpan = spanNamed("process");
      const step = spanNamed("step");
      assert.notEqual(processSpan.spanContext().traceId, request.traceId);
      assert.deepEqual(
        processSpan.links.map((l) => l.context.spanId),
        [request.spanId],
      );
      assert.equal(step.spanContext().traceId, processSpan.spanContext().traceId);
      assert.equal(step.parentSpanContext?.spanId, processSpan.spanContext().spanId);
      assert.deepEqual(step.links, []);
      assert.equal(step.attributes["tracehop.relation"], undefined);
    });

    test("a worker whose propagator restarts (DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=restart): the step is a child of the job's span, in its new trace", async (t) => {
      if (!need(t)) return;
      exporter.reset();
      const request = await inSpan("POST /jobs", async (span) => {
        await db.preprocessJob.create({ data: { text: "nested restart" } });
        return span.spanContext();
      });
      const job = await db.preprocessJob.findFirstOrThrow({ where: { text: "nested restart" } });
      const restart = createPropagator(undefined, { extractBehavior: "restart" });
      class Worker {
        @traced({ name: "process", propagator: restart })
        async process(row: typeof job) {
          await db.preprocessJob.update({ where: { id: row.id }, data: { status: "running" } });
          await this.step(row);
        }
        @traced({ name: "step", propagator: restart })
        async step(row: typeof job) {
          await db.preprocessJob.update({ where: { id: row.id }, data: { status: "done" } });
        }
      }
      await new Worker().process(job);
      const processSpan = spanNamed("process");
      const step = spanNamed("step");
      assert.notEqual(processSpan.spanContext().traceId, request.traceId);
      assert.equal(processSpan.parentSpanContext, undefined);
      assert.deepEqual(
        processSpan.links.map((l) => l.context.spanId),
        [request.spanId],
      );
      assert.equal(step.spanContext().traceId, processSpan.spanContext().traceId);
      assert.equal(step.parentSpanContext?.spanId, processSpan.spanContext().spanId);
      assert.deepEqual(step.links, []);
      // Only the request's trace and the job's: no trace of the step's own.
      const traces = new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId));
      assert.deepEqual([...traces].sort(), [request.traceId, processSpan.spanContext().traceId].sort());
    });

    test("a restore with no attempt is the first attempt: attempt 1 inside it nests, attempt 2 is a retry (a child of the stored span)", async (t) => {
      if (!need(t)) return;
      exporter.reset();
      const request = await inSpan("POST /jobs", async (span) => {
        await db.preprocessJob.create({ data: { text: "nested attempt" } });
        return span.spanContext();
      });
      const job = await db.preprocessJob.findFirstOrThrow({ where: { text: "nested attempt" } });
      class Worker {
        @traced({ name: "process" })
        async process(row: typeof job) {
          await withCarrier(row, "attempt 1", () => undefined, { attempt: 1 });
          await withCarrier(row, "attempt 2", () => undefined, { attempt: 2 });
        }
      }
      await new Worker().process(job);
      const processSpan = spanNamed("process");
      assert.equal(processSpan.parentSpanContext?.spanId, request.spanId);
      assert.equal(processSpan.attributes["tracehop.attempt"], undefined);
      const first = spanNamed("attempt 1");
      assert.equal(first.spanContext().traceId, request.traceId);
      assert.equal(first.parentSpanContext?.spanId, processSpan.spanContext().spanId);
      assert.equal(first.attributes["tracehop.attempt"], 1);
      const retry = spanNamed("attempt 2");
      assert.equal(retry.spanContext().traceId, request.traceId);
      assert.equal(retry.parentSpanContext?.spanId, request.spanId);
      assert.equal(retry.attributes["tracehop.attempt"], 2);
    });

    test("two rows written in one request hold one carrier: a job processed inside the other's span is not nested in it", async (t) => {
      if (!need(t)) return;
      exporter.reset();
      const request = await inSpan("POST /jobs", async (span) => {
        await db.preprocessJob.create({ data: { text: "shared carrier A" } });
        await new Promise((resolve) => setTimeout(resolve, 5)); // another createdAt
        await db.preprocessJob.create({ data: { text: "shared carrier B" } });
        return span.spanContext();
      });
      const [a, b] = await Promise.all(
        ["A", "B"].map((x) => db.preprocessJob.findFirstOrThrow({ where: { text: `shared carrier ${x}` } })),
      );
      assert.deepEqual(a.traceContext, b.traceContext);
      const worker = traced({ name: "process" })(async (_row: typeof a, next?: typeof a) => {
        if (next) await worker(next);
        return trace.getActiveSpan()!.spanContext().spanId;
      });
      await worker(a, b);
      const spans = exporter.getFinishedSpans().filter((s) => s.name === "process");
      assert.equal(spans.length, 2);
      for (const span of spans) {
        assert.equal(span.spanContext().traceId, request.traceId);
        assert.equal(span.parentSpanContext?.spanId, request.spanId);
      }
    });
  });
}
