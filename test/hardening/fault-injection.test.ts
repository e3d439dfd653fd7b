// Fault injection: a throwing propagator, a throwing span exporter / processor and a throwing Prisma
// capture never fail the business call (a failure of tracing never fails the business write or the
// message: docs/prisma.md, docs/messaging.md).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { context, ROOT_CONTEXT, trace, type Context, type TextMapPropagator } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { captureCarrier, contextFromCarrier, withCarrier } from "../../src/index.js";
import { injectKafkaHeaders } from "../../src/messaging/index.js";
import { traceCarrierExtension } from "../../src/prisma/index.js";
import { createDatabase, type TestDatabase } from "../prisma/databases.js";

const CARRIER = { traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01" };
/** The context the capturing calls run in: a span context of CARRIER's trace, to be written if nothing throws. */
const ACTIVE = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "640cfd8d00000000ab54a98ceb1f0ad2",
  spanId: "891087b8e3b70cb1",
  traceFlags: 1,
});

/** A propagator whose every method throws, as a broken third-party propagator would. */
const throwingPropagator: TextMapPropagator = {
  inject() {
    throw new Error("inject failed");
  },
  extract(): Context {
    throw new Error("extract failed");
  },
  fields() {
    throw new Error("fields failed");
  },
};

/** An exporter that throws synchronously, and a processor that throws on start and end. */
const throwingExporter: SpanExporter = {
  export(_spans: ReadableSpan[]) {
    throw new Error("export failed");
  },
  shutdown: () => Promise.resolve(),
};
const throwingProcessor: SpanProcessor = {
  onStart() {
    throw new Error("onStart failed");
  },
  onEnd() {
    throw new Error("onEnd failed");
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(throwingExporter), throwingProcessor],
    }),
  );
});
after(() => {
  trace.disable();
  context.disable();
});

describe("a throwing propagator", () => {
  test("withCarrier still runs fn and returns its value (sync and async)", async () => {
    let ran = 0;
    assert.equal(
      withCarrier(CARRIER, "job", () => (ran++, 42), { propagator: throwingPropagator }),
      42,
    );
    assert.equal(
      await withCarrier(CARRIER, "job", async () => (ran++, "done"), { propagator: throwingPropagator }),
      "done",
    );
    assert.equal(ran, 2);
  });

  test("captureCarrier returns {} and contextFromCarrier the base context", () => {
    assert.deepEqual(captureCarrier({ context: ACTIVE, propagator: throwingPropagator }), {});
    assert.equal(contextFromCarrier(CARRIER, { propagator: throwingPropagator }), ROOT_CONTEXT);
    assert.deepEqual(injectKafkaHeaders({ key: "v" }, { context: ACTIVE, propagator: throwingPropagator }), {
      key: "v",
    });
  });

  test("an error of fn itself is still the caller's error", async () => {
    await assert.rejects(
      withCarrier(CARRIER, "job", async () => Promise.reject(new Error("business failure")), {
        propagator: throwingPropagator,
      }),
      /business failure/,
    );
  });
});

describe("a throwing span exporter and span processor", () => {
  test("withCarrier still runs fn, returns its value and ends without throwing", async () => {
    assert.equal(
      withCarrier(CARRIER, "job", () => 7),
      7,
    );
    assert.equal(await withCarrier(CARRIER, "job", async () => 8), 8);
  });
});

describe("a throwing capture in the Prisma extension", () => {
  let db: TestDatabase | string;
  before(async () => {
    db = await createDatabase("sqlite");
  });
  after(async () => {
    if (typeof db !== "string") await db.drop();
  });

  test("create still writes the row, without a carrier", async () => {
    assert.notEqual(typeof db, "string");
    const { client } = db as TestDatabase;
    const extended = client.$extends(traceCarrierExtension({ propagator: throwingPropagator }));
    const row = await context.with(
      ACTIVE,
      async () => await extended.preprocessJob.create({ data: { text: "still written" } }),
    );
    assert.equal(row.text, "still written");
    assert.equal(row.traceContext, null);
    const stored = await client.preprocessJob.findUnique({ where: { id: row.id } });
    assert.equal(stored?.text, "still written");
  });
});
