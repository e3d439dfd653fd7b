// A carrier handed over as a Promise (a row whose `await` was forgotten, an async headersFrom): it holds
// no field, so nothing is restored; tracehop says so once per process (TRACEHOP_CARRIER_IS_PROMISE),
// naming what was handed and the fix, and the work still runs.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { contextFromCarrier, traced, withBatch, withBatchItem, withCarrier } from "../../src/index.js";
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
/** The warning for `handed`, what the caller was handed, and `outcome`, what came of it. */
const message = (handed: string, outcome = "the work started a new trace") =>
  `tracehop: ${handed} is a Promise, which holds no trace context until it is awaited: nothing was ` +
  `restored, ${outcome}. Await it first (withCarrier(await prisma.job.findUnique(...), ...)); a ` +
  `headersFrom or carrierFrom must return the headers or carrier itself, not a Promise of them`;

/** A PrismaPromise as Prisma 7 builds it: a plain object with then/catch/finally, no Promise. */
const prismaPromise = () => {
  const run = () => Promise.resolve(row);
  return {
    get spec() {
      return {};
    },
    then: (ok: (v: unknown) => unknown, fail?: (e: unknown) => unknown) => run().then(ok, fail),
    catch: (fail: (e: unknown) => unknown) => run().catch(fail),
    finally: (f: () => void) => run().finally(f),
    [Symbol.toStringTag]: "PrismaPromise",
  };
};

describe("a carrier that is a Promise", () => {
  const cases: [string, () => unknown, string, string?][] = [
    [
      "withCarrier(Promise of a row)",
      () => withCarrier(Promise.resolve(row), "job", () => trace.getActiveSpan()),
      "the carrier handed to withCarrier",
    ],
    [
      "withCarrier(a PrismaPromise: a thenable, no Promise)",
      () => withCarrier(prismaPromise(), "job", () => trace.getActiveSpan()),
      "the carrier handed to withCarrier",
    ],
    [
      "contextFromCarrier(Promise of a row)",
      async () => contextFromCarrier(Promise.resolve(row)),
      "the carrier handed to contextFromCarrier",
      "the context returned holds none",
    ],
    [
      "traced with a carrierFrom returning a Promise",
      () =>
        traced({ name: "job", carrierFrom: ([r]: [unknown]) => r })(async (_r: unknown) =>
          trace.getActiveSpan(),
        )(Promise.resolve(row)),
      "what traced's carrierFrom returned",
    ],
    [
      "withProcessSpan(Promise of headers)",
      () =>
        withProcessSpan(Promise.resolve({ ...W3C_CARRIER }), { system: "rabbitmq", destination: "q" }, () =>
          trace.getActiveSpan(),
        ),
      "the headers handed to withProcessSpan",
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
    [
      "withBatch handed a Promise as a message",
      () => withBatch([Promise.resolve(row)], "batch", () => 1),
      "a message handed to withBatch",
    ],
    [
      "withBatchItem handed a Promise",
      () => withBatch([row], "batch", () => withBatchItem(Promise.resolve(row), "item", () => 1)),
      "the carrier handed to withBatchItem",
    ],
    [
      "withSendSpan's creationContext as a Promise",
      () =>
        withSendSpan(
          { system: "rabbitmq", destination: "q", creationContext: Promise.resolve(row) },
          () => 1,
        ),
      "withSendSpan's creationContext",
    ],
  ];
  for (const [name, run, handed, outcome] of cases)
    test(`${name}: said once, naming what was handed and the fix; the work still runs`, async () => {
      const first = await recordWarnings(run);
      assert.deepEqual(first.processWarnings, [[CODE, message(handed, outcome)]]);
      assert.deepEqual(first.diagWarnings, [message(handed, outcome)]);
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
    const told = await recordWarnings(async () => {
      const id = await withCarrier(row, "job", () => trace.getActiveSpan()?.spanContext().traceId);
      contextFromCarrier(row);
      return id;
    });
    assert.equal(told.result, W3C_CARRIER.traceparent.split("-")[1]);
    assert.deepEqual(told.processWarnings, []);
  });

  test("a traced function's own Promise or query-builder argument is not taken for a carrier", async () => {
    // traced reads a carrier from an argument only through its traceContext field (or carrierFrom): a
    // function that takes a Promise on purpose is no mistake.
    const told = await recordWarnings(() =>
      traced({ name: "load" })(async (p: Promise<number>, o: { retries: number }) => (await p) + o.retries)(
        Promise.resolve(1),
        { retries: 2 },
      ),
    );
    assert.equal(told.result, 3);
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
      contextFromCarrier(hostile);
      contextFromCarrier({ then: 1 });
      return withProcessSpan({}, { system: "rabbitmq", destination: "q" }, () => 1);
    });
    assert.deepEqual(told.processWarnings, []);
  });
});
