import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { CompositePropagator, suppressTracing, TraceState, W3CBaggagePropagator } from "@opentelemetry/core";
import { skip } from "@prisma/client/runtime/client";
import {
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  getDatadogContext,
  setDatadogContext,
  withCarrier,
} from "../../src/index.js";
import {
  MAX_STORED_CARRIER_BYTES,
  storedCarrierBytes,
  traceCarrierExtension,
} from "../../src/prisma/index.js";
import { captureStoredCarrier } from "../../src/prisma/carrier-capture.js";
import { describeValue } from "../../src/describe-value.js";
import { withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings } from "../support/warnings.js";
import { carrierModels } from "../../src/prisma/carrier-models.js";
import {
  createDatabase,
  databaseFixture,
  PROVIDERS,
  STOCK,
  type Provider,
  type TestDatabase,
} from "./databases.js";
import { assertCarrierOf, exporter, inSpan, throwingPropagator } from "./tracing.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const legacyRows = JSON.parse(readFileSync(join(ROOT, "test/fixtures/prisma-legacy-rows.json"), "utf8")) as {
  rows: {
    id: string;
    storedCarrier: Record<string, string>;
    expected: { traceId: string; parentSpanId: string; samplingPriority: number; sampled: boolean };
  }[];
};

const outboxData = (aggregateId: string) => ({
  aggregateType: "PreprocessJob",
  aggregateId,
  eventType: "job.created",
  payload: { jobId: aggregateId },
});

/**
 * A third-party propagator that writes the W3C traceparent, one header-text field, and fields that are
 * no header text: a NUL, a lone surrogate, a CR/LF, non-ASCII text, a non-string value, a name with a
 * NUL or a space, and an empty name.
 */
const nonHeaderTextPropagator: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const sc = trace.getSpanContext(ctx);
    if (!sc) return;
    setter.set(carrier, "traceparent", `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`);
    setter.set(carrier, "x-kept", "a b~");
    setter.set(carrier, "x-custom", "\u0000");
    setter.set(carrier, "x-lone", "a\ud800b");
    setter.set(carrier, "x-split", "a\r\nx-evil: 1");
    setter.set(carrier, "x-accent", "é");
    (carrier as Record<string, unknown>)["x-number"] = 42;
    setter.set(carrier, "x-nul\u0000name", "1");
    setter.set(carrier, "x bad", "1");
    setter.set(carrier, "", "1");
  },
  extract: (ctx) => ctx,
  fields: () => ["traceparent"],
};

/** A propagator that writes the W3C traceparent plus one oversized header (a hostile inbound value relayed). */
const bloatingPropagator = (bytes: number): TextMapPropagator => ({
  inject(ctx, carrier, setter) {
    const sc = trace.getSpanContext(ctx);
    if (!sc) return;
    setter.set(carrier, "traceparent", `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`);
    setter.set(carrier, "x-datadog-origin", "o".repeat(bytes));
  },
  extract: (ctx) => ctx,
  fields: () => ["traceparent", "x-datadog-origin"],
});

/** Inserts a PreprocessJob with raw SQL, as a service without the extension (Java dd-trace-ot) would. */
async function insertRawJob(db: TestDatabase, id: string, carrier: unknown) {
  const json = JSON.stringify(carrier);
  if (db.provider === "sqlite") {
    return db.client.$executeRawUnsafe(
      `INSERT INTO "PreprocessJob" ("id", "text", "traceContext", "updatedAt") VALUES (?, ?, ?, CURRENT_TIMESTAMP)`,
      id,
      "legacy",
      json,
    );
  }
  if (db.provider === "postgresql") {
    return db.client.$executeRawUnsafe(
      `INSERT INTO "${db.schema}"."PreprocessJob" ("id", "text", "traceContext", "updatedAt") VALUES ($1, $2, $3::jsonb, now())`,
      id,
      "legacy",
      json,
    );
  }
  return db.client.$executeRawUnsafe(
    "INSERT INTO `PreprocessJob` (`id`, `text`, `traceContext`, `updatedAt`) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3))",
    id,
    "legacy",
    json,
  );
}

function databaseSuite(provider: Provider) {
  describe(`traceCarrierExtension on ${provider}`, () => {
    let db: any;
    const { need } = databaseFixture(provider, STOCK, (opened) => {
      db = opened.client.$extends(traceCarrierExtension());
    });

    test("create fills the carrier field with the carrier of the active span", async (t) => {
      if (!need(t)) return;
      const { job, span, expected } = await inSpan("POST /jobs", async (span) => ({
        span,
        expected: captureCarrier(),
        job: await db.preprocessJob.create({ data: { text: "one" } }),
      }));
      assertCarrierOf(job.traceContext, span);
      assert.deepEqual(job.traceContext, expected);
      const read = await db.preprocessJob.findUniqueOrThrow({ where: { id: job.id } });
      assert.deepEqual(read.traceContext, expected);
    });

    test("a row written inside withSendSpan's callback holds the send span's carrier; the user's suppression none", async (t) => {
      if (!need(t)) return;
      const sent = await inSpan("request", () =>
        withSendSpan({ system: "rabbitmq", destination: "jobs" }, async (headers, span) => ({
          headers: { ...headers },
          span,
          job: await db.preprocessJob.create({ data: { text: "inside send" } }),
        })),
      );
      assertCarrierOf(sent.job.traceContext, sent.span);
      assert.deepEqual(sent.job.traceContext, sent.headers);
      const suppressed = await inSpan("request", () =>
        // Awaited inside: Prisma's writes are lazy and run in the context they are awaited in.
        context.with(
          suppressTracing(context.active()),
          async () => await db.preprocessJob.create({ data: { text: "user suppressed" } }),
        ),
      );
      assert.equal(suppressed.traceContext, null);
    });

    test("createMany gives every row of the call the same carrier", async (t) => {
      if (!need(t)) return;
      const tag = `many-${provider}`;
      const span = await inSpan("batch", async (span) => {
        await db.preprocessJob.createMany({
          data: [{ text: `${tag}-1` }, { text: `${tag}-2` }, { text: `${tag}-3` }],
        });
        return span;
      });
      const rows = await db.preprocessJob.findMany({ where: { text: { startsWith: tag } } });
      assert.equal(rows.length, 3);
      for (const row of rows) assertCarrierOf(row.traceContext, span);
    });

    test("createMany: an explicit value in one row wins, the other rows get the carrier", async (t) => {
      if (!need(t)) return;
      const tag = `many-mixed-${provider}`;
      const explicit = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
      const span = await inSpan("batch", async (span) => {
        await db.preprocessJob.createMany({
          data: [{ text: `${tag}-1` }, { text: `${tag}-2`, traceContext: explicit }, { text: `${tag}-3` }],
        });
        return span;
      });
      const rows = await db.preprocessJob.findMany({ where: { text: { startsWith: tag } } });
      const byText = new Map(rows.map((row: any) => [row.text, row.traceContext]));
      assert.equal(rows.length, 3);
      assertCarrierOf(byText.get(`${tag}-1`), span);
      assert.deepEqual(byText.get(`${tag}-2`), explicit);
      assertCarrierOf(byText.get(`${tag}-3`), span);
    });

    test("writes in one context share one capture; the next span writes its own carrier", async (t) => {
      if (!need(t)) return;
      const first = await inSpan("first", async (span) => ({
        span,
        a: await db.preprocessJob.create({ data: { text: "ctx-a" } }),
        b: await db.outbox.create({ data: outboxData("ctx-b") }),
      }));
      const second = await inSpan("second", async (span) => ({
        span,
        c: await db.preprocessJob.create({ data: { text: "ctx-c" } }),
      }));
      assertCarrierOf(first.a.traceContext, first.span);
      assert.deepEqual(first.b.traceContext, first.a.traceContext);
      assertCarrierOf(second.c.traceContext, second.span);
      assert.notEqual(second.c.traceContext.traceparent, first.a.traceContext.traceparent);
    });

    test("createManyAndReturn returns and stores the carrier", async (t) => {
      if (!need(t)) return;
      if (provider === "mysql") {
        t.skip("Prisma has no createManyAndReturn for MySQL (PostgreSQL, CockroachDB and SQLite only)");
        return;
      }
      const { rows, span } = await inSpan("batch", async (span) => ({
        span,
        rows: await db.outbox.createManyAndReturn({ data: [outboxData("a"), outboxData("b")] }),
      }));
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assertCarrierOf(row.traceContext, span);
        const read = await db.outbox.findUniqueOrThrow({ where: { id: row.id } });
        assertCarrierOf(read.traceContext, span);
      }
    });

    test("nested creates fill the carrier: to-one create, connectOrCreate, to-many create", async (t) => {
      if (!need(t)) return;
      const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
      const span = await inSpan("nested", async (span) => {
        await db.sentence.create({
          data: { index: 0, text: "s", job: { create: { id: a, text: "nested create" } } },
        });
        await db.sentence.create({
          data: {
            index: 0,
            text: "s",
            job: { connectOrCreate: { where: { id: b }, create: { id: b, text: "coc" } } },
          },
        });
        // A to-many nested create under an update of a model without a carrier-bearing parent write.
        await db.preprocessJob.create({
          data: {
            id: c,
            text: "parent",
            sentences: {
              create: [
                { index: 0, text: "x" },
                { index: 1, text: "y" },
              ],
            },
          },
        });
        return span;
      });
      for (const id of [a, b, c]) {
        const job = await db.preprocessJob.findUniqueOrThrow({ where: { id } });
        assertCarrierOf(job.traceContext, span);
      }
      assert.equal(await db.sentence.count({ where: { jobId: c } }), 2);
    });

    test("nested update and nested upsert of an existing row keep its stored carrier", async (t) => {
      if (!need(t)) return;
      const id = crypto.randomUUID();
      const first = await inSpan("create", async (span) => {
        await db.sentence.create({ data: { index: 0, text: "s", job: { create: { id, text: "t" } } } });
        return span;
      });
      const sentence = await db.sentence.findFirstOrThrow({ where: { jobId: id } });
      await inSpan("later", async () => {
        await db.sentence.update({ where: { id: sentence.id }, data: { job: { update: { status: "a" } } } });
        await db.sentence.update({
          where: { id: sentence.id },
          data: { job: { update: { data: { status: "b" } } } },
        });
        await db.sentence.update({
          where: { id: sentence.id },
          data: { job: { upsert: { create: { text: "never" }, update: { status: "c" } } } },
        });
      });
      const job = await db.preprocessJob.findUniqueOrThrow({ where: { id } });
      assert.equal(job.status, "c");
      assertCarrierOf(job.traceContext, first);
    });

    test("upsert fills the create branch and leaves an existing row's carrier alone", async (t) => {
      if (!need(t)) return;
      const id = crypto.randomUUID();
      const upsert = () =>
        db.preprocessJob.upsert({
          where: { id },
          create: { id, text: "u" },
          update: { status: "seen again" },
        });
      const first = await inSpan("first", async (span) => (await upsert(), span));
      await inSpan("second", async () => upsert());
      const job = await db.preprocessJob.findUniqueOrThrow({ where: { id } });
      assert.equal(job.status, "seen again");
      assertCarrierOf(job.traceContext, first);
    });

    test("interactive transaction: the job and its outbox row carry the same carrier", async (t) => {
      if (!need(t)) return;
      const { job, event, span } = await inSpan("POST /jobs", async (span) => {
        return db.$transaction(async (tx: any) => {
          const job = await tx.preprocessJob.create({ data: { text: "itx" } });
          const event = await tx.outbox.create({ data: outboxData(job.id) });
          return { job, event, span };
        });
      });
      assertCarrierOf(job.traceContext, span);
      assert.deepEqual(event.traceContext, job.traceContext);
    });

    test("batch transaction: the job and its outbox row carry the same carrier", async (t) => {
      if (!need(t)) return;
      const id = crypto.randomUUID();
      const span = await inSpan("POST /jobs", async (span) => {
        await db.$transaction([
          db.preprocessJob.create({ data: { id, text: "batch" } }),
          db.outbox.create({ data: outboxData(id) }),
        ]);
        return span;
      });
      const job = await db.preprocessJob.findUniqueOrThrow({ where: { id } });
      const event = await db.outbox.findFirstOrThrow({ where: { aggregateId: id } });
      assertCarrierOf(job.traceContext, span);
      assert.deepEqual(event.traceContext, job.traceContext);
    });

    test("batch transaction: each write captures the context where $transaction([...]) is called, not where the write was made", async (t) => {
      if (!need(t)) return;
      const tracer = trace.getTracer("tracehop-prisma-test");
      // Prisma's writes are lazy: db.model.create() only builds the query; it runs, and the
      // extension's hook with it, when $transaction (or the first then) runs it.
      const made = (text: string) =>
        tracer.startActiveSpan("made", (span) => {
          const write = db.preprocessJob.create({ data: { text } });
          span.end();
          return write;
        });
      const [outside] = await context.with(ROOT_CONTEXT, () => db.$transaction([made("batch outside")]));
      assert.equal(outside.traceContext, null);
      const inB = await inSpan("B", async (span) => ({
        span,
        rows: await db.$transaction([made("batch in B")]),
      }));
      assertCarrierOf(inB.rows[0].traceContext, inB.span);
      const awaited = await inSpan("C", async (span) => ({ span, row: await made("awaited in C") }));
      assertCarrierOf(awaited.row.traceContext, awaited.span);
    });

    test("an explicit value wins: a map, DbNull and JsonNull are written as given", async (t) => {
      const d = need(t);
      if (!d) return;
      const mine = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
      const [x, y, z] = await inSpan("explicit", async () =>
        Promise.all([
          db.preprocessJob.create({ data: { text: "x", traceContext: mine } }),
          db.preprocessJob.create({ data: { text: "y", traceContext: d.Prisma.DbNull } }),
          db.preprocessJob.create({ data: { text: "z", traceContext: d.Prisma.JsonNull } }),
        ]),
      );
      assert.deepEqual(x.traceContext, mine);
      assert.equal(y.traceContext, null);
      assert.equal(z.traceContext, null);
      const dbNull = await db.preprocessJob.count({
        where: { id: y.id, traceContext: { equals: d.Prisma.DbNull } },
      });
      assert.equal(dbNull, 1);
    });

    test("a Json value Prisma writes through its toJSON (a URL, a class instance) is written as the plain client writes it, by every hooked write", async (t) => {
      const d = need(t);
      if (!d) return;
      // Prisma's InputJsonValue accepts `{ toJSON(): unknown }`; the plain client stores what toJSON
      // returns. Prisma's copy of a query extension's arguments loses a prototype's toJSON.
      class Money {
        constructor(
          readonly cents: number,
          readonly currency: string,
        ) {}
        toJSON() {
          return `${(this.cents / 100).toFixed(2)} ${this.currency}`;
        }
      }
      const payload = () => ({ link: new URL("https://example.com/a?b=1"), price: new Money(1250, "EUR") });
      const stored = { link: "https://example.com/a?b=1", price: "12.50 EUR" };
      const row = (id: string) => ({ ...outboxData(id), id, payload: payload() });
      const plain = await d.client.outbox.create({ data: row(crypto.randomUUID()) });
      assert.deepEqual(plain.payload, stored);

      const capturing = d.client.$extends(traceCarrierExtension({ onUpdate: "capture" }));
      const ids = Array.from({ length: 7 }, () => crypto.randomUUID());
      const span = await inSpan("toJSON", async (span) => {
        await db.outbox.create({ data: row(ids[0]!) });
        await db.outbox.createMany({ data: [row(ids[1]!), row(ids[2]!)] });
        await db.outbox.upsert({ where: { id: ids[3] }, create: row(ids[3]!), update: {} });
        await db.outbox.upsert({
          where: { id: ids[3] },
          create: row(ids[3]!),
          update: { payload: payload() },
        });
        await capturing.outbox.update({ where: { id: ids[1] }, data: { payload: payload() } });
        await capturing.outbox.updateMany({ where: { id: ids[2] }, data: { payload: payload() } });
        await db.$transaction([db.outbox.create({ data: row(ids[4]!) })]);
        await db.$transaction(async (tx: any) => tx.outbox.create({ data: row(ids[5]!) }));
        if (provider !== "mysql") await db.outbox.createManyAndReturn({ data: [row(ids[6]!)] });
        else await db.outbox.create({ data: row(ids[6]!) });
        return span;
      });
      const rows = await d.client.outbox.findMany({ where: { id: { in: ids } } });
      assert.equal(rows.length, ids.length);
      for (const read of rows) {
        assert.deepEqual(read.payload, stored, `row ${ids.indexOf(read.id)}`);
        assertCarrierOf(read.traceContext, span);
      }
    });

    test("a row Prisma reads through for...in (a prototype's defaults) or toJSON (a DTO) is written as the plain client writes it, top level and nested", async (t) => {
      const d = need(t);
      if (!d) return;
      // Prisma reads an argument object with for...in (inherited enumerable fields included) and writes
      // an object with a toJSON method as what toJSON returns.
      function Defaults(this: Record<string, unknown>, id: string) {
        this.id = id;
        this.aggregateId = id;
      }
      Object.assign(Defaults.prototype, {
        aggregateType: "Default",
        eventType: "defaulted",
        payload: { d: 1 },
      });
      const defaulted = (id: string) => new (Defaults as unknown as new (id: string) => object)(id);
      class JobDto {
        constructor(
          readonly id: string,
          readonly secret: string,
        ) {}
        toJSON() {
          return { id: this.id, text: "from toJSON" };
        }
      }
      class OutboxDto {
        constructor(readonly id: string) {}
        toJSON() {
          return { ...outboxData(this.id), id: this.id, eventType: "from toJSON" };
        }
      }
      const plainIds = [crypto.randomUUID(), crypto.randomUUID()];
      await d.client.outbox.create({ data: defaulted(plainIds[0]!) });
      await d.client.outbox.create({ data: new OutboxDto(plainIds[1]!) });
      const plain = await d.client.outbox.findMany({
        where: { id: { in: plainIds } },
        orderBy: { id: "asc" },
      });
      const written = (row: any) => [row.aggregateType, row.eventType, row.payload];
      const byId = new Map(plain.map((row: any) => [row.id, written(row)]));
      assert.deepEqual(byId.get(plainIds[0]), ["Default", "defaulted", { d: 1 }]);
      assert.deepEqual(byId.get(plainIds[1]), ["PreprocessJob", "from toJSON", { jobId: plainIds[1] }]);

      const [a, b, c, e, jobA, jobB] = Array.from({ length: 6 }, () => crypto.randomUUID());
      const span = await inSpan("rows", async (span) => {
        await db.outbox.create({ data: defaulted(a!) });
        await db.outbox.create({ data: new OutboxDto(b!) });
        await db.outbox.createMany({ data: [defaulted(c!), new OutboxDto(e!)] });
        await db.sentence.create({ data: { index: 0, text: "s", job: { create: new JobDto(jobA!, "x") } } });
        await db.sentence.create({
          data: {
            index: 0,
            text: "s",
            job: { create: Object.create({ text: "inherited" }, { id: { value: jobB, enumerable: true } }) },
          },
        });
        return span;
      });
      const rows = new Map<string, any>(
        (await d.client.outbox.findMany({ where: { id: { in: [a, b, c, e] } } })).map((row: any) => [
          row.id,
          row,
        ]),
      );
      assert.deepEqual(written(rows.get(a)), ["Default", "defaulted", { d: 1 }]);
      assert.deepEqual(written(rows.get(c)), ["Default", "defaulted", { d: 1 }]);
      assertCarrierOf(rows.get(a).traceContext, span);
      assertCarrierOf(rows.get(c).traceContext, span);
      // A row written through its toJSON is sent as given: what toJSON returns, without a carrier.
      assert.deepEqual(written(rows.get(b)), ["PreprocessJob", "from toJSON", { jobId: b }]);
      assert.deepEqual(written(rows.get(e)), ["PreprocessJob", "from toJSON", { jobId: e }]);
      assert.equal(rows.get(b).traceContext, null);
      assert.equal(rows.get(e).traceContext, null);
      const dto = await d.client.preprocessJob.findUniqueOrThrow({ where: { id: jobA } });
      assert.equal(dto.text, "from toJSON");
      assert.equal(dto.traceContext, null);
      const inherited = await d.client.preprocessJob.findUniqueOrThrow({ where: { id: jobB } });
      assert.equal(inherited.text, "inherited");
      assertCarrierOf(inherited.traceContext, span);
    });

    test("Prisma's skip on the carrier field is the caller's choice: left out, not filled", async (t) => {
      const opened = need(t);
      if (!opened) return;
      const job = await inSpan("skip", async () =>
        db.preprocessJob.create({ data: { text: "skipped", traceContext: skip } }),
      );
      assert.equal(job.traceContext, null);
      const refreshing = opened.client.$extends(traceCarrierExtension({ onUpdate: "capture" }));
      await inSpan("skip on update", async () =>
        refreshing.preprocessJob.update({ where: { id: job.id }, data: { status: "s", traceContext: skip } }),
      );
      const read = await db.preprocessJob.findUniqueOrThrow({ where: { id: job.id } });
      assert.equal(read.status, "s");
      assert.equal(read.traceContext, null);
    });

    test("updates never overwrite the carrier unless asked (onUpdate: capture, or an explicit value)", async (t) => {
      const d = need(t);
      if (!d) return;
      const job = await inSpan("create", async () => db.preprocessJob.create({ data: { text: "upd" } }));
      const created = job.traceContext;
      await inSpan("update", async () => {
        await db.preprocessJob.update({ where: { id: job.id }, data: { status: "running" } });
        await db.preprocessJob.updateMany({ where: { id: job.id }, data: { status: "running2" } });
      });
      assert.deepEqual(
        (await db.preprocessJob.findUniqueOrThrow({ where: { id: job.id } })).traceContext,
        created,
      );

      const refreshing = d.client.$extends(traceCarrierExtension({ onUpdate: "capture" }));
      const later = await inSpan("retry", async (span) => {
        await refreshing.preprocessJob.update({ where: { id: job.id }, data: { status: "retried" } });
        return span;
      });
      assertCarrierOf(
        (await db.preprocessJob.findUniqueOrThrow({ where: { id: job.id } })).traceContext,
        later,
      );
      const bulk = await inSpan("bulk retry", async (span) => {
        await refreshing.preprocessJob.updateMany({ where: { id: job.id }, data: { status: "retried2" } });
        return span;
      });
      assertCarrierOf(
        (await db.preprocessJob.findUniqueOrThrow({ where: { id: job.id } })).traceContext,
        bulk,
      );

      const explicit = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
      await db.preprocessJob.update({ where: { id: job.id }, data: { traceContext: explicit } });
      assert.deepEqual(
        (await db.preprocessJob.findUniqueOrThrow({ where: { id: job.id } })).traceContext,
        explicit,
      );
    });

    test("no active trace: the row is written and the field stays NULL", async (t) => {
      if (!need(t)) return;
      const job = await context.with(ROOT_CONTEXT, () =>
        db.preprocessJob.create({ data: { text: "untraced" } }),
      );
      assert.equal(job.traceContext, null);
    });

    test("capture failure still writes the row, without a carrier", async (t) => {
      const d = need(t);
      if (!d) return;
      const failing = d.client.$extends(traceCarrierExtension({ propagator: throwingPropagator }));
      const id = crypto.randomUUID();
      await inSpan("failing", async () => {
        await failing.$transaction([
          failing.preprocessJob.create({ data: { id, text: "still written" } }),
          failing.outbox.create({ data: outboxData(id) }),
        ]);
      });
      const job = await db.preprocessJob.findUniqueOrThrow({ where: { id } });
      assert.equal(job.text, "still written");
      assert.equal(job.traceContext, null);
      assert.equal((await db.outbox.findFirstOrThrow({ where: { aggregateId: id } })).traceContext, null);
    });

    test("a third-party propagator's field that is not header text (NUL, lone surrogate, CR/LF, non-ASCII) is left out; the row is written", async (t) => {
      const d = need(t);
      if (!d) return;
      // PostgreSQL's jsonb refused such a carrier before (22P05 "unsupported Unicode escape sequence",
      // "invalid input syntax for type json"), failing the business write.
      const writing = d.client.$extends(traceCarrierExtension({ propagator: nonHeaderTextPropagator }));
      const id = crypto.randomUUID();
      const span = await inSpan("non-header text", async (span) => {
        await writing.$transaction([
          writing.preprocessJob.create({ data: { id, text: "written" } }),
          writing.outbox.create({ data: outboxData(id) }),
        ]);
        return span;
      });
      const { traceId, spanId } = span.spanContext();
      const expected = { traceparent: `00-${traceId}-${spanId}-01`, "x-kept": "a b~" };
      const job = await db.preprocessJob.findUniqueOrThrow({ where: { id } });
      assert.equal(job.text, "written");
      assert.deepEqual(job.traceContext, expected);
      assert.deepEqual(
        (await db.outbox.findFirstOrThrow({ where: { aggregateId: id } })).traceContext,
        expected,
      );
    });

    test(`size limit: an oversized value is dropped, the ids are kept, the row holds <= ${MAX_STORED_CARRIER_BYTES} bytes`, async (t) => {
      const d = need(t);
      if (!d) return;
      const bloated = d.client.$extends(traceCarrierExtension({ propagator: bloatingPropagator(20_000) }));
      const { job, span } = await inSpan("hostile", async (span) => ({
        span,
        job: await bloated.preprocessJob.create({ data: { text: "big" } }),
      }));
      const { traceId, spanId } = span.spanContext();
      assert.deepEqual(job.traceContext, { traceparent: `00-${traceId}-${spanId}-01` });
      const fits = d.client.$extends(traceCarrierExtension({ propagator: bloatingPropagator(9000) }));
      const kept = await inSpan("large but allowed", async () =>
        fits.preprocessJob.create({ data: { text: "9000" } }),
      );
      assert.equal(kept.traceContext["x-datadog-origin"].length, 9000);
      assert.ok(storedCarrierBytes(kept.traceContext) <= MAX_STORED_CARRIER_BYTES);
    });

    test("baggage at rest: none by default, an allow-list keeps only its keys, 'all' keeps everything", async (t) => {
      const d = need(t);
      if (!d) return;
      const allowList = d.client.$extends(traceCarrierExtension({ baggage: ["tenant"] }));
      const all = d.client.$extends(traceCarrierExtension({ baggage: "all" }));
      const bag = propagation.createBaggage({
        tenant: { value: "acme" },
        "user.email": { value: "ann@example.com" },
      });
      const [none, some, every] = await context.with(propagation.setBaggage(context.active(), bag), () =>
        inSpan("with baggage", async () =>
          Promise.all([
            db.preprocessJob.create({ data: { text: "b0" } }),
            allowList.preprocessJob.create({ data: { text: "b1" } }),
            all.preprocessJob.create({ data: { text: "b2" } }),
          ]),
        ),
      );
      const keysOf = (c: Record<string, string>) =>
        propagation
          .getBaggage(contextFromCarrier(c))
          ?.getAllEntries()
          .map(([k]) => k)
          .sort() ?? [];
      assert.ok(none.traceContext.traceparent);
      assert.equal(none.traceContext.baggage, undefined);
      assert.deepEqual(keysOf(none.traceContext), []);
      assert.deepEqual(keysOf(some.traceContext), ["tenant"]);
      assert.deepEqual(keysOf(every.traceContext), ["tenant", "user.email"]);
      assert.ok(!JSON.stringify(some.traceContext).includes("example.com"));
    });

    for (const legacy of legacyRows.rows) {
      test(`legacy dd-trace-ot row ${legacy.id} reads back unchanged and restores its parent`, async (t) => {
        const d = need(t);
        if (!d) return;
        const id = crypto.randomUUID();
        await insertRawJob(d, id, legacy.storedCarrier);
        const row = await db.preprocessJob.findUniqueOrThrow({ where: { id } });
        assert.deepEqual(row.traceContext, legacy.storedCarrier);
        const restored = contextFromCarrier(row.traceContext);
        const sc = trace.getSpanContext(restored);
        assert.equal(sc?.traceId, legacy.expected.traceId);
        assert.equal(sc?.spanId, legacy.expected.parentSpanId);
        assert.equal(sc?.traceFlags, legacy.expected.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE);
        assert.equal(getDatadogContext(restored)?.samplingPriority, legacy.expected.samplingPriority);
        exporter.reset();
        withCarrier(row.traceContext, "legacy consumer", () => undefined);
        const [span] = exporter.getFinishedSpans();
        assert.equal(span?.spanContext().traceId, legacy.expected.traceId);
        assert.equal(span?.parentSpanContext?.spanId, legacy.expected.parentSpanId);
      });
    }

    test("restore in a second process: the child's span is a child of the span that wrote the row", async (t) => {
      const d = need(t);
      if (!d) return;
      const { job, span } = await inSpan("POST /jobs", async (span) => ({
        span,
        job: await db.preprocessJob.create({ data: { text: "cross-process" } }),
      }));
      const arg = JSON.stringify({
        loc: { provider: d.provider, url: d.url, schema: d.schema },
        model: "preprocessJob",
        id: job.id,
      });
      const { stdout } = await run(
        process.execPath,
        ["--import", "tsx", "test/prisma/restore-child.ts", arg],
        {
          cwd: ROOT,
        },
      );
      const child = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, unknown>;
      assert.equal(child.traceId, span.spanContext().traceId);
      assert.equal(child.parentSpanId, span.spanContext().spanId);
      assert.equal(child.parentIsRemote, true);
      assert.notEqual(child.spanId, span.spanContext().spanId);
      assert.deepEqual(child.stored, job.traceContext);
    });
  });
}

for (const provider of PROVIDERS) databaseSuite(provider);

describe("traceCarrierExtension without a database", () => {
  test("storedCarrierBytes: the UTF-8 bytes of the JSON text; Infinity, never a throw, for a value that has none", () => {
    assert.equal(storedCarrierBytes({ traceparent: "x" }), 19);
    assert.equal(storedCarrierBytes({ k: "é\u0000" }), 16); // {"k":"é\u0000"}: é is 2 bytes, NUL 6
    const cyclic: Record<string, unknown> = { traceparent: "x" };
    cyclic.self = cyclic;
    const throwing = {
      get traceparent(): string {
        throw new Error("getter failed");
      },
    };
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    // Threw "Converting circular structure to JSON" / "Do not know how to serialize a BigInt" before.
    for (const value of [
      cyclic,
      { id: 1n },
      throwing,
      { toJSON: () => 1n },
      proxy,
      undefined,
      () => 1,
      Symbol("c"),
    ])
      assert.equal(storedCarrierBytes(value as never), Infinity, describeValue(value));
  });

  test(`the worst case of the default styles fits in MAX_STORED_CARRIER_BYTES (${MAX_STORED_CARRIER_BYTES})`, async () => {
    // tracestate near its 512-character limit, baggage near 8192 bytes, x-datadog-tags near 512.
    const foreign = Array.from({ length: 8 }, (_, i) => `vendor${i}=${"v".repeat(50)}`).join(",");
    const traceState = new TraceState(foreign);
    assert.ok(traceState.serialize().length > 400);
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "640cfd8d00000000ab54a98ceb1f0ad2",
      spanId: "891087b8e3b70cb1",
      traceFlags: TraceFlags.SAMPLED,
      traceState,
      isRemote: true,
    });
    const withDatadog = setDatadogContext(parent, {
      samplingPriority: 2,
      origin: "synthetics-browser",
      propagationTags: { "_dd.p.dm": "-4", "_dd.p.usr.id": "u".repeat(440) },
    });
    const entries: Record<string, { value: string }> = {};
    for (let i = 0; i < 8; i++) entries[`k${i}`] = { value: "b".repeat(1000) };
    const ctx = propagation.setBaggage(withDatadog, propagation.createBaggage(entries));
    const carrier = captureStoredCarrier(undefined, MAX_STORED_CARRIER_BYTES, { context: ctx })!;
    for (const key of ["traceparent", "tracestate", "baggage", "x-datadog-trace-id", "x-datadog-tags"]) {
      assert.ok(carrier[key], `${key} present`);
    }
    const bytes = storedCarrierBytes(carrier);
    assert.ok(bytes > 9000, `near the worst case: ${bytes} bytes`);
    assert.ok(bytes <= MAX_STORED_CARRIER_BYTES, `${bytes} bytes`);
  });

  test("over the limit, baggage goes first, then the largest set of headers that fits and restores the same trace", () => {
    const propagator = new CompositePropagator({
      propagators: [new W3CBaggagePropagator(), bloatingPropagator(2000)],
    });
    const entries: Record<string, { value: string }> = {};
    for (let i = 0; i < 8; i++) entries[`k${i}`] = { value: "b".repeat(1000) };
    const span = trace.wrapSpanContext({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: TraceFlags.SAMPLED,
    });
    const ctx = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), propagation.createBaggage(entries));
    const full = captureStoredCarrier(undefined, 1_000_000, { context: ctx, propagator })!;
    assert.ok(full.baggage!.length > 8000);
    const fitted = captureStoredCarrier(undefined, MAX_STORED_CARRIER_BYTES, { context: ctx, propagator })!;
    assert.deepEqual(Object.keys(fitted).sort(), ["traceparent", "x-datadog-origin"]);
    assert.equal(fitted["x-datadog-origin"], full["x-datadog-origin"]);
    const tight = captureStoredCarrier(undefined, 200, { context: ctx, propagator })!;
    assert.deepEqual(tight, { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" });
    assert.equal(captureStoredCarrier(undefined, 10, { context: ctx, propagator }), undefined);
  });

  test("a trimmed carrier restores the same trace or is not stored: the Datadog ids keep their _dd.p.tid, a lone traceparent wins where they do not fit", async () => {
    const ctx = trace.setSpan(
      ROOT_CONTEXT,
      trace.wrapSpanContext({
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
        traceFlags: TraceFlags.SAMPLED,
      }),
    );
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const datadog = {
      "x-datadog-trace-id": "11803532876627986230",
      "x-datadog-parent-id": "67667974448284343",
      "x-datadog-sampling-priority": "1",
      "x-datadog-tags": "_dd.p.tid=4bf92f3577b34da6",
    };
    const { diagWarnings } = await recordWarnings(() => {
      assert.deepEqual(captureStoredCarrier(undefined, 1_000, { context: ctx }), { traceparent, ...datadog });
      // 170 bytes: the four Datadog headers (167 bytes) would fit alone, but of one style the smaller is
      // kept, the traceparent a smaller limit kept too (a tracecontext-only reader keeps the trace). With
      // Datadog's style alone, the four headers, never x-datadog-trace-id without the tags (the old rule's
      // "longest value first" kept it alone at 150: trace 0000000000000000a3ce929d0e0e4736), nothing below.
      const datadogOnly = createPropagator(["datadog"]);
      assert.deepEqual(
        captureStoredCarrier(undefined, 170, { context: ctx, propagator: datadogOnly }),
        datadog,
      );
      assert.equal(
        captureStoredCarrier(undefined, 150, { context: ctx, propagator: datadogOnly }),
        undefined,
      );
      for (const max of [170, 150, 120, 80])
        assert.deepEqual(captureStoredCarrier(undefined, max, { context: ctx }), { traceparent }, `${max}`);
      // Under any whole style's size: nothing (the old rule kept x-datadog-sampling-priority alone).
      assert.equal(captureStoredCarrier(undefined, 60, { context: ctx }), undefined);
      for (const max of [170, 150, 120, 80, 60]) {
        const carrier = captureStoredCarrier(undefined, max, { context: ctx });
        if (carrier)
          assert.equal(
            trace.getSpanContext(contextFromCarrier(carrier))?.traceId,
            "4bf92f3577b34da6a3ce929d0e0e4736",
          );
      }
    });
    assert.match(
      diagWarnings.find((w) => w.includes("(60)")) ?? "",
      /^tracehop traceCarrierExtension: carrier of 239 bytes dropped: no part of it under the limit \(60\) restores its trace; the row is written without one$/,
    );
    assert.ok(
      diagWarnings.includes(
        "tracehop traceCarrierExtension: carrier of 239 bytes trimmed to 73 (limit 150): traceparent kept",
      ),
      diagWarnings.join("\n"),
    );
  });

  test("model data is computed once per client: relations are walked only where they lead to a carrier", async () => {
    const d = await createDatabase("sqlite");
    assert.ok(typeof d !== "string");
    try {
      const models = carrierModels(d.client._runtimeDataModel, "traceContext", undefined);
      // PreprocessJob.sentences -> Sentence leads back only through Sentence.job: not walked.
      assert.deepEqual([...models.get("PreprocessJob")!.relations], []);
      assert.equal(models.get("PreprocessJob")!.field, "traceContext");
      // Sentence.job -> PreprocessJob holds a carrier: walked (nested create of the job).
      assert.deepEqual([...models.get("Sentence")!.relations], [["job", "PreprocessJob"]]);
      assert.equal(models.get("Sentence")!.field, undefined);
      assert.equal(models.get("Outbox")!.relations.size, 0);
      assert.equal(models.has("QueueMessage"), false);
    } finally {
      await d.drop();
    }
  });

  test("bad options are answered with a clear error when the extension is created or applied", async () => {
    assert.throws(
      () => traceCarrierExtension({ baggage: "some" as never }),
      /baggage must be "none", "all" or an array/,
    );
    assert.throws(
      () => traceCarrierExtension({ maxCarrierBytes: 0 }),
      /maxCarrierBytes must be a positive integer/,
    );
    // The wrong type is a TypeError (docs/prisma.md), a number out of range a RangeError (trial t4).
    assert.throws(() => traceCarrierExtension({ maxCarrierBytes: "100" as never }), {
      name: "TypeError",
      message:
        'tracehop traceCarrierExtension: maxCarrierBytes must be a number, a positive integer (bytes of JSON text), got "100"',
    });
    // Beyond 2^53 byte counts are not exact (2**60 was accepted before).
    for (const maxCarrierBytes of [2 ** 60, Number.MAX_SAFE_INTEGER + 1, Infinity, 1.5, -1, NaN])
      assert.throws(() => traceCarrierExtension({ maxCarrierBytes }), {
        name: "RangeError",
        message: `tracehop traceCarrierExtension: maxCarrierBytes must be a positive integer (bytes of JSON text) from 1 to Number.MAX_SAFE_INTEGER (2^53 - 1), got ${describeValue(maxCarrierBytes)}`,
      });
    for (const maxCarrierBytes of [1, Number.MAX_SAFE_INTEGER])
      assert.doesNotThrow(() => traceCarrierExtension({ maxCarrierBytes }));
    // The value shown as the user can recognise it: its exact digits, and String's rounded ones.
    assert.throws(() => traceCarrierExtension({ maxCarrierBytes: Number("12345678901234567890") }), {
      message:
        "tracehop traceCarrierExtension: maxCarrierBytes must be a positive integer (bytes of JSON text) from 1 to " +
        "Number.MAX_SAFE_INTEGER (2^53 - 1), got 12345678901234567168 (above Number.MAX_SAFE_INTEGER, which " +
        "JavaScript prints as 12345678901234567000)",
    });
    assert.throws(() => traceCarrierExtension({ maxCarrierBytes: 2 ** 53 }), {
      message: /, got 9007199254740992 \(2\^53, above Number\.MAX_SAFE_INTEGER\)$/,
    });
    assert.throws(() => traceCarrierExtension({ maxCarrierBytes: -(2 ** 70) }), {
      message: /, got -1\.1805916207174113e\+21 \(-2\^70, below Number\.MIN_SAFE_INTEGER\)$/,
    });
    assert.throws(
      () => traceCarrierExtension({ modles: ["Outbox"] } as never),
      /tracehop traceCarrierExtension: there is no option "modles"; did you mean models\?$/,
    );
    assert.throws(
      () => traceCarrierExtension({ propagator: "datadog" as never }),
      /traceCarrierExtension: propagator must be a TextMapPropagator .*createPropagator\("datadog"\)/,
    );
    assert.throws(
      () => traceCarrierExtension({ onUpdate: "always" as never }),
      /onUpdate must be "keep" or "capture"/,
    );
    assert.throws(
      () => traceCarrierExtension(5 as never),
      /options must be an object such as \{ field: "traceContext" \}, got 5/,
    );
    const d = await createDatabase("sqlite");
    assert.ok(typeof d !== "string");
    try {
      assert.throws(
        () => d.client.$extends(traceCarrierExtension as never),
        /call traceCarrierExtension\(\) and pass its result: prisma\.\$extends\(traceCarrierExtension\(\)\)/,
      );
      assert.throws(
        () => d.client.$extends(traceCarrierExtension({ models: ["Job"] })),
        /model "Job" is not in this Prisma Client \(models: [^)]*\bOutbox\b[^)]*\)/,
      );
      assert.throws(
        () => d.client.$extends(traceCarrierExtension({ models: { Sentence: "text" } })),
        /model "Sentence" needs a Json field "text"/,
      );
      assert.throws(
        () => d.client.$extends(traceCarrierExtension({ field: "carrier" })),
        /no model of this Prisma Client has a Json field "carrier"/,
      );
      // Opt-in per model: only Outbox is filled.
      const only = d.client.$extends(traceCarrierExtension({ models: ["Outbox"] }));
      const [job, event] = await inSpan("opt-in", async () =>
        Promise.all([
          only.preprocessJob.create({ data: { text: "j" } }),
          only.outbox.create({ data: outboxData("j") }),
        ]),
      );
      assert.equal(job.traceContext, null);
      assert.ok(event.traceContext.traceparent);
    } finally {
      await d.drop();
    }
  });
});
