// A carrier handed over as a Promise (a row whose `await` was forgotten, an async headersFrom): it holds
// no field, so nothing is restored; tracehop says so once per process (TRACEHOP_CARRIER_IS_PROMISE),
// naming what was handed and the fix, and the work still runs.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { contextFromCarrier, traced, withBatch, withCarrier } from "../../src/index.js";
import { withBatchProcessSpan, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, parentIdOf, W3C_CARRIER } from "./tracing.js";

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});
afterEach(() => resetWarnings());

const CODE = "TRACEHOP_CARRIER_IS_PROMISE";
const row = { id: 1, traceContext: W3C_CARRIER };
/** The warning for `handed`, what the caller was handed. */
const message = (handed: string) =>
  `tracehop: ${handed} is a Promise, which holds no trace context until it is awaited: the stored ` +
  `context was not restored and the work started a new trace. Await it first (withCarrier(await ` +
  `prisma.job.findUnique(...), ...); a headersFrom or carrierFrom must return the headers or ` +
  `carrier itself, not a Promise of them)`;

/** A thenable that is no Promise (a query builder, a Prisma PrismaPromise from another realm). */
const thenable = { then: (resolve: (value: unknown) => void) => resolve(row) };

describe("a carrier that is a Promise", () => {
  const cases: [string, () => unknown, string][] = [
    [
      "withCarrier(Promise of a row)",
      () => withCarrier(Promise.resolve(row), "job", () => trace.getActiveSpan()),
      "a trace carrier handed to tracehop",
    ],
    [
      "withCarrier(a thenable)",
      () => withCarrier(thenable, "job", () => trace.getActiveSpan()),
      // It has a field (`then`): the reader reads it as a carrier of no propagation field, and
      // withCarrier names itself.
      "the carrier handed to withCarrier",
    ],
    [
      "contextFromCarrier(Promise of a row)",
      async () => contextFromCarrier(Promise.resolve(row)),
      "a trace carrier handed to tracehop",
    ],
    [
      "a traced function called with a Promise",
      () => traced({ name: "job" })(async (_r: unknown) => trace.getActiveSpan())(Promise.resolve(row)),
      "argument 0 of a traced function",
    ],
    [
      "withProcessSpan(Promise of headers)",
      () =>
        withProcessSpan(Promise.resolve({ ...W3C_CARRIER }), { system: "rabbitmq", destination: "q" }, () =>
          trace.getActiveSpan(),
        ),
      // Read by the stored-carrier reader first, which names no helper.
      "a trace carrier handed to tracehop",
    ],
    [
      "withBatchProcessSpan with an async headersFrom",
      () =>
        withBatchProcessSpan(
          [{ headers: { ...W3C_CARRIER } }],
          { system: "rabbitmq", destination: "q", headersFrom: async (m: { headers: object }) => m.headers },
          () => trace.getActiveSpan(),
        ),
      "what withBatchProcessSpan's headersFrom returned",
    ],
  ];
  for (const [name, run, handed] of cases)
    test(`${name}: said once, naming what was handed and the fix; the work still runs`, async () => {
      const first = await recordWarnings(run);
      assert.deepEqual(first.processWarnings, [[CODE, message(handed)]]);
      assert.deepEqual(first.diagWarnings, [message(handed)]);
      // Once per process: a second such call says nothing.
      const second = await recordWarnings(run);
      assert.deepEqual(second.processWarnings, []);
    });

  test("the span started for it is a new trace's root (nothing restored), and its work ran", async () => {
    const { result: span } = await recordWarnings(() =>
      withCarrier(Promise.resolve(row), "job", () => trace.getActiveSpan()),
    );
    assert.ok(span);
    const [finished] = exporter.getFinishedSpans();
    assert.equal(finished?.name, "job");
    assert.equal(parentIdOf(finished!), undefined);
    assert.notEqual(finished!.spanContext().traceId, W3C_CARRIER.traceparent.split("-")[1]);
  });

  test("the awaited row restores its context and says nothing", async () => {
    const told = await recordWarnings(() =>
      withCarrier(row, "job", () => trace.getActiveSpan()?.spanContext().traceId),
    );
    assert.equal(told.result, W3C_CARRIER.traceparent.split("-")[1]);
    assert.deepEqual(told.processWarnings, []);
  });

  test("an empty object, an object whose then is no function, a throwing then: not a Promise, nothing said", async () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
      },
    );
    const told = await recordWarnings(async () => {
      await withCarrier({}, "job", () => 1);
      await withCarrier({ then: "soon" }, "job", () => 1);
      await withCarrier(hostile, "job", () => 1);
      return withProcessSpan({}, { system: "rabbitmq", destination: "q" }, () => 1);
    });
    assert.deepEqual(told.processWarnings, []);
  });

  test("withBatch handed a Promise as a message, and withSendSpan's creationContext as a Promise", async () => {
    const batch = await recordWarnings(() => withBatch([Promise.resolve(row)], "batch", () => 1));
    assert.deepEqual(batch.processWarnings, [[CODE, message("a trace carrier handed to tracehop")]]);
    resetWarnings();
    const send = await recordWarnings(() =>
      withSendSpan({ system: "rabbitmq", destination: "q", creationContext: Promise.resolve(row) }, () => 1),
    );
    assert.deepEqual(send.processWarnings, [[CODE, message("a trace carrier handed to tracehop")]]);
  });
});
