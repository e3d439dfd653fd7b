/**
 * The public bug case B21 of ../shared/cases/public-bug-cases.json (copied to
 * test/fixtures/cases-restore.json): Prisma's own spans (`@prisma/instrumentation`, the version of
 * the installed @prisma/client) under a restored context follow its sampling decision. startTracing
 * runs in this process with ParentBased(TraceIdRatio 0) and the Prisma instrumentation, and exports
 * over OTLP/HTTP to a local receiver; the update runs on a real SQLite file through the extended client.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { publicCases } from "../support/public-cases.js";
import { ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import { PrismaInstrumentation } from "@prisma/instrumentation";
import { withCarrier } from "../../src/index.js";
import { traceCarrierExtension } from "../../src/prisma/index.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../tracing/otlp-helpers.js";
import { databaseFixture } from "./databases.js";

const b21 = publicCases("cases-restore.json")("B21");

/** The carrier in the scenario line `restore {"traceparent": ...}`. */
const line = b21.input.scenario[0] as string;
const unsampled = JSON.parse(line.slice(line.indexOf("{"), line.lastIndexOf("}") + 1)) as {
  traceparent: string;
};
const [, TRACE_ID, PARENT_ID] = unsampled.traceparent.split("-") as [string, string, string];
/** The same context, sampled: what `withFlag01` is about. */
const sampled = { traceparent: unsampled.traceparent.replace(/-00$/, "-01") };

const NO_PARENT = "0000000000000000";
/** Another, sampled context (W3C Trace Context's example): its update shows Prisma's spans are exported. */
const control = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
const CONTROL_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
/** One instance for every startTracing of this process (see TRACEHOP_INSTRUMENTATION_NOT_APPLIED). */
const prismaInstrumentation = new PrismaInstrumentation();

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(() => receiver.close());

const database = databaseFixture("sqlite");

/**
 * Starts tracing (ParentBased(TraceIdRatio 0), the Prisma instrumentation, OTLP to the receiver),
 * runs `work`, shuts tracing down (every span exported) and returns the spans the receiver got then.
 */
async function exported(work: () => Promise<void>): Promise<ReceivedSpan[]> {
  const before = receiver.spans().length;
  const tracing = startTracing({
    serviceName: "b21",
    otlpEndpoint: receiver.url,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }),
    instrumentations: [prismaInstrumentation],
  });
  try {
    await work();
  } finally {
    await tracing.shutdown();
  }
  return receiver.spans().slice(before);
}

/** Creates a job row (no tracing running) and returns its id. */
async function jobRow(client: any): Promise<string> {
  const job = await client.preprocessJob.create({ data: { text: "B21" } });
  return job.id as string;
}

describe(`B21 (${b21.source}): database spans follow the restored sampling decision`, () => {
  test("flag 00, ParentBased(TraceIdRatio 0): the update runs, no span of the trace is exported, none with parent 0000000000000000", async (t) => {
    const d = database.need(t);
    if (!d) return;
    const id = await jobRow(d.client);
    const other = await jobRow(d.client);
    const db = d.client.$extends(traceCarrierExtension());
    const spans = await exported(async () => {
      await withCarrier(unsampled, "b21 update", () =>
        db.preprocessJob.update({ where: { id }, data: { status: "done" } }),
      );
      await withCarrier(control, "control update", () =>
        db.preprocessJob.update({ where: { id: other }, data: { status: "done" } }),
      );
    });
    const row = await d.client.preprocessJob.findUniqueOrThrow({ where: { id } });
    assert.equal(row.status, "done", "the update ran");
    assert.equal(
      spans.filter((s) => s.traceId === TRACE_ID).length,
      b21.expected.exportedSpansForTrace4bf92f3577b34da6a3ce929d0e0e4736,
    );
    assert.equal(
      spans.some((s) => s.parentSpanId === NO_PARENT),
      b21.expected.anySpanWithParentSpanId0000000000000000,
    );
    assert.deepEqual(
      new Set(spans.map((s) => s.traceId)),
      new Set([CONTROL_TRACE_ID]),
      "only the sampled control trace is exported: no Prisma span of the unsampled update in a trace of its own",
    );
    assert.ok(
      spans.some((s) => s.name === "prisma:client:operation"),
      "the control update's Prisma spans are exported (the instrumentation is on)",
    );
  });

  test("flag 01: Prisma's spans are exported as children of the active restored span", async (t) => {
    const d = database.need(t);
    if (!d) return;
    const id = await jobRow(d.client);
    const db = d.client.$extends(traceCarrierExtension());
    const spans = await exported(async () => {
      await withCarrier(sampled, "b21 update", () =>
        db.preprocessJob.update({ where: { id }, data: { status: "done" } }),
      );
    });
    const restored = spans.filter((s) => s.name === "b21 update");
    assert.equal(restored.length, 1, "the restored span is exported");
    assert.equal(restored[0]!.traceId, TRACE_ID);
    assert.equal(restored[0]!.parentSpanId, PARENT_ID);
    const prisma = spans.filter((s) => s.name.startsWith("prisma:"));
    assert.ok(prisma.length > 0, "@prisma/instrumentation exported spans");
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const span of prisma) {
      assert.equal(span.traceId, TRACE_ID, `${span.name}: trace of the carrier`);
      let up: ReceivedSpan | undefined = span;
      while (up && up !== restored[0]) up = byId.get(up.parentSpanId ?? "");
      assert.equal(up, restored[0], `${span.name} descends from the restored span`);
    }
    const top = prisma.filter((s) => !byId.get(s.parentSpanId ?? "")?.name.startsWith("prisma:"));
    assert.deepEqual(
      top.map((s) => [s.name, s.parentSpanId]),
      [["prisma:client:operation", restored[0]!.spanId]],
      "the top Prisma span is a child of the restored span",
    );
    assert.equal(
      spans.some((s) => s.parentSpanId === NO_PARENT),
      b21.expected.anySpanWithParentSpanId0000000000000000,
    );
  });
});
