// The public bug cases of ../shared/cases about restoring (B20, B26, B28-B32), as tests with their
// right values. Inputs and expected values are read from test/fixtures/cases-restore.json.
import { describe, test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { context, propagation, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import {
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  logCorrelationFields,
  withBatch,
  withBatchItem,
  withCarrier,
} from "../../src/index.js";
import { exporter, finishedSpan, linksOf, parentIdOf, publicCase, carrierInLine } from "./tracing.js";

beforeEach(() => exporter.reset());

const traceparentIds = (traceparent: string) => {
  const [, traceId, spanId] = traceparent.split("-");
  return { traceId: traceId!, spanId: spanId! };
};

describe("B20: a drop decision (priority -1) is never flipped to keep", () => {
  const c = publicCase("B20");
  const carrier = carrierInLine(c.input.scenario[0]);

  test("as a link, the restored context keeps trace flags 00", () => {
    withBatch([carrier], "b20-links", () => undefined, { root: true });
    assert.deepEqual(linksOf(finishedSpan("b20-links")), [c.expected.link]);
  });

  test("injection from a child of the restored context keeps -1 and flags 00", () => {
    const injected = withCarrier(carrier, "b20-child", () => captureCarrier());
    assert.ok(
      injected.traceparent?.endsWith(c.expected.injected["traceparent ends with"]),
      injected.traceparent,
    );
    assert.equal(injected["x-datadog-sampling-priority"], c.expected.injected["x-datadog-sampling-priority"]);
    assert.ok(
      injected.tracestate?.includes(c.expected.injected["tracestate contains"]),
      `tracestate ${injected.tracestate}`,
    );
    assert.equal(exporter.getFinishedSpans().length, 0, "the dropped child is not exported");
  });

  test("in link mode the new trace keeps the user's drop: unsampled, -1 on the next hop", () => {
    const injected = withCarrier(carrier, "b20-link-mode", () => captureCarrier(), { relation: "link" });
    const newTrace = traceparentIds(injected.traceparent!).traceId;
    assert.notEqual(newTrace, c.expected.link.traceId, "a new trace");
    assert.ok(injected.traceparent?.endsWith(c.expected.injected["traceparent ends with"]));
    assert.equal(injected["x-datadog-sampling-priority"], c.expected.injected["x-datadog-sampling-priority"]);
    assert.equal(exporter.getFinishedSpans().length, 0);
  });
});

describe("B26: the restored context is the base of the span, so baggage is there", () => {
  test("active span and baggage inside the handler", () => {
    const c = publicCase("B26");
    const inside = withCarrier(c.input.carrier, "b26", () => ({
      spanContext: trace.getActiveSpan()?.spanContext(),
      baggage: Object.fromEntries(
        (propagation.getBaggage(context.active())?.getAllEntries() ?? []).map(([k, e]) => [k, e.value]),
      ),
    }));
    const span = finishedSpan("b26");
    assert.equal(inside.spanContext?.traceId, c.expected.activeSpan.traceId);
    assert.equal(parentIdOf(span), c.expected.activeSpan.parentSpanId);
    assert.deepEqual(inside.baggage, c.expected.baggage);
  });
});

describe("B28: the restored span stays active for downstream work", () => {
  test("after an await, a child span, the log ids and an outbound call carry the restored trace", async () => {
    const c = publicCase("B28");
    const carrier = carrierInLine(c.input.scenario[0]);
    const seen = await withCarrier(carrier, "b28-consume", async () => {
      await sleep(2);
      const child = trace.getTracer("app").startSpan("child");
      child.end();
      return { log: logCorrelationFields(), outbound: captureCarrier() };
    });
    const consume = finishedSpan("b28-consume");
    const child = finishedSpan("child");
    assert.equal(child.spanContext().traceId, c.expected["child.traceId"]);
    assert.equal(parentIdOf(child), consume.spanContext().spanId);
    assert.equal(parentIdOf(consume), contextSpanId(carrier));
    assert.equal(seen.log?.["dd.trace_id"], c.expected.log["dd.trace_id"]);
    assert.equal(seen.outbound["x-datadog-trace-id"], c.expected.outbound["x-datadog-trace-id"]);
  });
});

/** Parent span id written in a carrier, as the propagator reads it. */
function contextSpanId(carrier: unknown): string | undefined {
  return trace.getSpanContext(contextFromCarrier(carrier))?.spanId;
}

describe("B29: a retry restores from the stored carrier, never from the previous attempt", () => {
  test("attempt 2 scheduled from inside failing attempt 1 is a child of the stored parent", async () => {
    const c = publicCase("B29");
    const carrier = JSON.parse(c.input.scenario[0].slice(c.input.scenario[0].indexOf("{")));
    const attempt = (n: number): Promise<void> =>
      withCarrier(
        carrier,
        "b29-attempt",
        async () => {
          if (n === 1) {
            // Redelivery scheduled from inside the failing handler: its async context is attempt 1's.
            setImmediate(() => void attempt(2).then(done, done));
            throw new Error("attempt 1 fails");
          }
        },
        { attempt: n },
      );
    let done!: () => void;
    const second = new Promise<void>((resolve) => (done = resolve));
    await assert.rejects(attempt(1));
    await second;
    const spans = exporter.getFinishedSpans().filter((s) => s.name === "b29-attempt");
    const byAttempt = new Map(spans.map((s) => [s.attributes["tracehop.attempt"], s]));
    const first = byAttempt.get(1)!;
    const retry = byAttempt.get(2)!;
    assert.equal(retry.spanContext().traceId, c.expected["attempt2.traceId"]);
    assert.equal(parentIdOf(retry), c.expected["attempt2.parentSpanId"]);
    assert.notEqual(parentIdOf(retry), first.spanContext().spanId);
    assert.equal(first.status.code, SpanStatusCode.ERROR);
  });

  test(`${publicCase("B29").expected.rule}: a retry whose carrier is empty is a new root, not attempt 1's child`, async () => {
    let retried!: Promise<unknown>;
    await assert.rejects(
      withCarrier({}, "b29-empty-1", async () => {
        retried = new Promise((resolve) =>
          setImmediate(() => resolve(withCarrier({}, "b29-empty-2", async () => undefined))),
        );
        throw new Error("fails");
      }),
    );
    await retried;
    const retry = finishedSpan("b29-empty-2");
    assert.equal(parentIdOf(retry), undefined);
    assert.notEqual(retry.spanContext().traceId, finishedSpan("b29-empty-1").spanContext().traceId);
  });
});

describe("B30: a failed job's span ends and leaves nothing active for the next job", () => {
  test("J1 ends with ERROR and an exception; J2 gets its own stored parent", async () => {
    const c = publicCase("B30");
    const j1 = carrierInLine(c.input.scenario[0]);
    const j2 = carrierInLine(c.input.scenario[1]);
    await assert.rejects(
      withCarrier(j1, "J1", async () => {
        await sleep(1);
        throw new Error("J1 fails with attempts remaining");
      }),
    );
    assert.equal(trace.getActiveSpan(), undefined, c.expected.afterJ1);
    await withCarrier(j2, "J2", async () => sleep(1));
    const span1 = finishedSpan("J1");
    assert.equal(span1.ended, c.expected.J1.ended);
    assert.equal(SpanStatusCode[span1.status.code], c.expected.J1.status);
    assert.equal(
      span1.events.some((e) => e.name === "exception"),
      c.expected.J1.exceptionRecorded,
    );
    const span2 = finishedSpan("J2");
    assert.equal(span2.spanContext().traceId, c.expected.J2.traceId);
    assert.equal(parentIdOf(span2), c.expected.J2.parentSpanId);
  });
});

describe("B31: a repeating job never piles its runs into one trace", () => {
  const c = publicCase("B31");
  const carrier = carrierInLine(c.input.scenario[0]);
  const MAX_PARENT_AGE_MS = 60_000;

  test("1000 runs (some retried) with relation auto: run 1 is a child, every later run a new trace with one link", () => {
    const t0 = Date.now();
    for (let run = 1; run <= 1000; run++) {
      const attempts = run % 100 === 1 ? 2 : 1;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        withCarrier(carrier, "b31-run", () => undefined, {
          relation: "auto",
          maxParentAge: MAX_PARENT_AGE_MS,
          capturedAt: t0,
          run,
          attempt,
        });
      }
    }
    const spans = exporter.getFinishedSpans();
    const byTrace = new Map<string, ReadableSpan[]>();
    for (const s of spans)
      byTrace.set(s.spanContext().traceId, [...(byTrace.get(s.spanContext().traceId) ?? []), s]);
    for (const [traceId, members] of byTrace) {
      const runs = new Set(members.map((s) => s.attributes["tracehop.run"]));
      assert.equal(runs.size, 1, `trace ${traceId} holds runs ${[...runs].join(",")}`);
    }
    const first = spans.filter((s) => s.attributes["tracehop.run"] === 1);
    assert.equal(first.length, 2, "run 1 and its retry");
    for (const s of first) {
      assert.equal(s.spanContext().traceId, c.expected.link.traceId);
      assert.equal(parentIdOf(s), c.expected.link.spanId);
    }
    for (const s of spans.filter((x) => x.attributes["tracehop.run"] !== 1)) {
      assert.equal(parentIdOf(s), undefined);
      assert.deepEqual(
        s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
        [c.expected.link],
      );
    }
  });

  test("a first run whose carrier is older than the max age is also a new trace with one link", () => {
    withCarrier(carrier, "b31-stale", () => undefined, {
      relation: "auto",
      maxParentAge: MAX_PARENT_AGE_MS,
      capturedAt: Date.now() - 2 * MAX_PARENT_AGE_MS,
      run: 1,
    });
    const span = finishedSpan("b31-stale");
    assert.equal(parentIdOf(span), undefined);
    assert.notEqual(span.spanContext().traceId, c.expected.link.traceId);
    assert.deepEqual(
      span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
      [c.expected.link],
    );
  });
});

describe("B32: a batch gets one span with one link per message", () => {
  const c = publicCase("B32");
  const messages = c.input.messages as Record<string, string>[];
  const propagator = createPropagator(["datadog", "tracecontext", "baggage"]);

  test("batch span: no parent from the messages, links in message order with their flags", () => {
    withBatch(messages, "b32-batch", () => undefined, { root: true, propagator });
    const batch = finishedSpan("b32-batch");
    assert.equal(parentIdOf(batch), undefined);
    assert.deepEqual(linksOf(batch), c.expected.batchSpan.links);
    assert.equal(batch.attributes["messaging.batch.message_count"], messages.length);
  });

  test("inside the caller's active span the batch span is its child", () => {
    const poll = trace.getTracer("test").startSpan("poll");
    context.with(trace.setSpan(context.active(), poll), () =>
      withBatch(messages, "b32-in-poll", () => undefined, { propagator }),
    );
    poll.end();
    assert.equal(parentIdOf(finishedSpan("b32-in-poll")), poll.spanContext().spanId);
  });

  test("per-message spans: each a child of its own message context, linked to the batch span", () => {
    withBatch(
      messages,
      "b32-batch",
      () => {
        for (const [i, message] of messages.entries()) {
          withBatchItem(message, `b32-message-${i}`, () => undefined, { propagator });
        }
      },
      { root: true, propagator },
    );
    const batch = finishedSpan("b32-batch");
    for (const [i, link] of (c.expected.batchSpan.links as { traceId: string; spanId: string }[]).entries()) {
      const span = finishedSpan(`b32-message-${i}`);
      assert.equal(span.spanContext().traceId, link.traceId);
      assert.equal(parentIdOf(span), link.spanId);
      assert.deepEqual(
        span.links.map((l) => l.context.spanId),
        [batch.spanContext().spanId],
      );
    }
  });
});
