import { describe, test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { context, propagation, SpanStatusCode, trace } from "@opentelemetry/api";
import { createPropagator, withBatch, withBatchItem, withCarrier } from "../../src/index.js";
import { withBatchProcessSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import {
  exporter,
  finishedSpan,
  linksOf,
  parentIdOf,
  W3C_CARRIER,
  W3C_PARENT_ID,
  W3C_TRACE_ID,
} from "./tracing.js";

beforeEach(() => exporter.reset());

describe("retries", () => {
  test("every attempt is a sibling under the stored parent, numbered by tracehop.attempt", async () => {
    const row = { id: 1, traceContext: W3C_CARRIER, createdAt: new Date(Date.now() - 1000) };
    const MAX_ATTEMPTS = 3;
    let result: string | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && result === undefined; attempt++) {
      try {
        result = await withCarrier(
          row,
          "job",
          async () => {
            await sleep(1);
            if (attempt < MAX_ATTEMPTS) throw new Error(`attempt ${attempt} failed`);
            return "done";
          },
          { attempt },
        );
      } catch {
        // Retry from the stored row, as a queue would.
      }
    }
    assert.equal(result, "done");
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => [s.attributes["tracehop.attempt"], s.status.code]),
      [
        [1, SpanStatusCode.ERROR],
        [2, SpanStatusCode.ERROR],
        [3, SpanStatusCode.UNSET],
      ],
    );
    for (const span of spans) {
      assert.equal(span.spanContext().traceId, W3C_TRACE_ID);
      assert.equal(parentIdOf(span), W3C_PARENT_ID);
      assert.ok(
        (span.attributes["tracehop.queue.wait"] as number) >= 1,
        "each attempt shows the wait since capture",
      );
    }
    assert.equal(new Set(spans.map((s) => s.spanContext().spanId)).size, MAX_ATTEMPTS);
  });
});

describe("batches", () => {
  const other = { traceparent: "00-3229ee39e7d4886d979ce4843ea4b89d-d98a9da85188de98-01" };

  test("rows with traceContext and carriers mix; messages without a context add no link", () => {
    const messages = [{ id: 1, traceContext: W3C_CARRIER }, "not json", other, { traceContext: null }];
    withBatch(messages, "mixed", () => undefined, { root: true });
    const span = finishedSpan("mixed");
    assert.deepEqual(
      linksOf(span).map((l) => l.traceId),
      [W3C_TRACE_ID, "3229ee39e7d4886d979ce4843ea4b89d"],
    );
    assert.equal(span.attributes["messaging.batch.message_count"], messages.length);
  });

  test("carrierFrom reads each message's carrier; a throwing carrierFrom only skips that message, said once per process", async () => {
    resetWarnings();
    const messages = [
      { headers: W3C_CARRIER },
      { headers: undefined },
      { headers: undefined },
      { headers: other },
    ];
    const told = await recordWarnings(() =>
      withBatch(messages, "picked", () => undefined, {
        root: true,
        carrierFrom: (m) => {
          if (!m.headers) throw new Error("no headers");
          return m.headers;
        },
      }),
    );
    assert.equal(finishedSpan("picked").links.length, 2);
    const message =
      'tracehop withBatch: carrierFrom threw ("Error: no headers"); the message adds no link to the batch span, so ' +
      "its stored trace is not continued (the work itself goes on). Fix carrierFrom: return the carrier, or " +
      "undefined for none";
    assert.deepEqual(told.processWarnings, [["TRACEHOP_CARRIER_FROM_FAILED", message]]);
    exporter.reset();
    // withBatchProcessSpan's carrierFrom runs the user's headersFrom: that is what the warning names.
    const again = await recordWarnings(() =>
      withBatchProcessSpan(
        messages,
        {
          system: "kafka",
          destination: "jobs",
          root: true,
          headersFrom: (m) => {
            if (!m.headers) throw new Error("no headers");
            return m.headers;
          },
        },
        () => undefined,
      ),
    );
    assert.equal(finishedSpan("process jobs").links.length, 2);
    assert.deepEqual(again.processWarnings, [
      [
        "TRACEHOP_CARRIER_FROM_FAILED",
        message
          .replace("withBatch:", "withBatchProcessSpan:")
          .replaceAll("carrierFrom", "headersFrom")
          .replace("return the carrier", "return the message's headers"),
      ],
    ]);
    resetWarnings();
    // A message whose headers getter throws, read by the default headersFrom: that message has no
    // context, and nothing is said (the user passed no headersFrom to fix).
    exporter.reset();
    const faulty = {
      get headers(): unknown {
        throw new Error("boom");
      },
    };
    const silent = await recordWarnings(() =>
      withBatchProcessSpan(
        [faulty, ...messages],
        { system: "kafka", destination: "jobs", root: true },
        () => 7,
      ),
    );
    assert.equal(silent.result, 7);
    assert.equal(finishedSpan("process jobs").links.length, 2);
    assert.deepEqual(silent.processWarnings, []);
    resetWarnings();
  });

  test("a batch of one (or none) carries messaging.batch.message_count too: withBatch is a batching API", () => {
    withBatch([W3C_CARRIER], "single", () => undefined, { root: true });
    assert.equal(finishedSpan("single").attributes["messaging.batch.message_count"], 1);
    withBatch([], "empty", () => undefined, { root: true });
    assert.equal(finishedSpan("empty").attributes["messaging.batch.message_count"], 0);
    // A count the caller knows better (the messages polled) wins, for one message as for more.
    withBatch([W3C_CARRIER], "polled", () => undefined, {
      root: true,
      attributes: { "messaging.batch.message_count": 5 },
    });
    assert.equal(finishedSpan("polled").attributes["messaging.batch.message_count"], 5);
  });

  test("the batch span is active inside fn, async work included, and records a failure", async () => {
    const err = new Error("batch failed");
    await assert.rejects(
      withBatch([W3C_CARRIER, other], "failing-batch", async (span) => {
        await sleep(1);
        assert.equal(trace.getActiveSpan(), span);
        throw err;
      }),
      (thrown) => thrown === err,
    );
    assert.equal(finishedSpan("failing-batch").status.code, SpanStatusCode.ERROR);
  });

  test("withBatchItem: a message without a context is a child of the batch span, with no extra link", () => {
    withBatch([{}], "batch", () => withBatchItem({}, "item", () => undefined), { root: true });
    const item = finishedSpan("item");
    assert.equal(parentIdOf(item), finishedSpan("batch").spanContext().spanId);
    assert.deepEqual(item.links, []);
  });

  test("withBatchItem under a span that has ended: a message without a context starts a new trace, keeping the ambient baggage", () => {
    const ended = trace.getTracer("test").startSpan("start-up");
    ended.end();
    const baggage = propagation.createBaggage({ tenant: { value: "acme" } });
    const ambient = propagation.setBaggage(trace.setSpan(context.active(), ended), baggage);
    let tenant: string | undefined;
    context.with(ambient, () =>
      withBatchItem({}, "item", () => {
        tenant = propagation.getActiveBaggage()?.getEntry("tenant")?.value;
      }),
    );
    const item = finishedSpan("item");
    assert.equal(parentIdOf(item), undefined);
    assert.notEqual(item.spanContext().traceId, ended.spanContext().traceId);
    assert.deepEqual(item.links, []);
    assert.equal(tenant, "acme");
  });

  test("withBatchItem under the restart extract behavior: a child of the batch span, linked to its message's context", () => {
    const propagator = createPropagator(undefined, { extractBehavior: "restart" });
    withBatch([{}], "batch", () => withBatchItem(W3C_CARRIER, "item", () => undefined, { propagator }), {
      root: true,
    });
    const item = finishedSpan("item");
    assert.equal(parentIdOf(item), finishedSpan("batch").spanContext().spanId);
    assert.deepEqual(linksOf(item), [{ traceId: W3C_TRACE_ID, spanId: W3C_PARENT_ID, traceFlags: 1 }]);
    assert.equal(item.links[0]!.attributes?.reason, "propagation_behavior_extract");
  });

  test("withBatchItem keeps the message's baggage (restart, or a carrier with baggage alone)", () => {
    const restart = createPropagator(undefined, { extractBehavior: "restart" });
    const seen: (string | undefined)[] = [];
    const tenant = () => seen.push(propagation.getActiveBaggage()?.getEntry("tenant")?.value);
    withBatch(
      [{}],
      "batch",
      () => {
        withBatchItem({ ...W3C_CARRIER, baggage: "tenant=acme" }, "restarted", tenant, {
          propagator: restart,
        });
        withBatchItem({ baggage: "tenant=solo" }, "baggage-only", tenant);
      },
      { root: true },
    );
    assert.deepEqual(seen, ["acme", "solo"]);
  });

  test("withBatch under the restart extract behavior links each message's context (reason propagation_behavior_extract)", () => {
    const restart = createPropagator(undefined, { extractBehavior: "restart" });
    const other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    withBatch([W3C_CARRIER, { traceparent: other }, {}], "restarted-batch", () => undefined, {
      root: true,
      propagator: restart,
    });
    const batch = finishedSpan("restarted-batch");
    assert.deepEqual(
      batch.links.map((link) => [link.context.traceId, link.context.spanId, link.attributes?.reason]),
      [
        [W3C_TRACE_ID, W3C_PARENT_ID, "propagation_behavior_extract"],
        ["0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "propagation_behavior_extract"],
      ],
    );
  });

  test("misuse is a TypeError naming the argument", () => {
    assert.throws(() => withBatch("x" as never, "b", () => 1), {
      name: "TypeError",
      message: 'tracehop withBatch: messages must be an array, got "x"',
    });
    assert.throws(() => withBatch("b" as never, [] as never, () => 1), {
      name: "TypeError",
      message:
        'tracehop withBatch: messages must be an array, got "b"; the messages come first: withBatch(messages, name, fn, options?)',
    });
    assert.throws(
      () => withBatch([], "b", () => 1, { kind: "CONSUMER" as never }),
      /withBatch: kind must be a SpanKind/,
    );
    assert.throws(
      () => withBatch([], "b", () => 1, { links: "ab" as never }),
      /withBatch: links must be an array/,
    );
    assert.throws(
      () => withBatch([], "b", () => 1, { propagator: {} as never }),
      /withBatch: propagator must be a TextMapPropagator/,
    );
    assert.throws(
      () => withBatch([], "b", () => 1, { root: "yes" as never }),
      /^TypeError: tracehop withBatch: root must be true or false, got "yes"$/,
    );
    assert.throws(
      () => withBatch([], "b", () => 1, { attributes: [1] as never }),
      /^TypeError: tracehop withBatch: attributes must be a plain object of span attributes/,
    );
    assert.throws(
      () => withBatch([], "b", () => 1, { carrierFrom: "headers" as never }),
      /withBatch: carrierFrom must be a function of one message/,
    );
  });
});
