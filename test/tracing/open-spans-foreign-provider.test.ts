/**
 * An instrumentation given its own tracer provider (not the one startTracing registered) starts and ends
 * its spans there: startTracing's shutdown() neither sees their end nor stops their export. A span of
 * such an instrumentation that withProcessSpan takes over is therefore not counted open: acked before
 * shutdown() it was said open though it had ended; not acked, it is exported by its own provider at the
 * ack, after the shutdown, and is not lost by it. The real @opentelemetry/instrumentation-amqplib with a
 * second tracer provider of the real SDK, against the real broker (127.0.0.1:5672 or
 * TRACEHOP_TEST_AMQP_URL; skipped when it is not reachable); then the same with no broker, a span of a
 * second BasicTracerProvider handed to withProcessSpan as an instrumentation's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Span } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { AmqplibInstrumentation } from "@opentelemetry/instrumentation-amqplib";
import type amqplib from "amqplib";
import { withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { tempDir } from "../support/temp-dir.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";
import { readSpansFile } from "./otlp-helpers.js";

const OPEN = "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN";

/** A tracer provider of the application's own, beside startTracing's: its ended spans kept in memory. */
const ownExporter = new InMemorySpanExporter();
const ownProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(ownExporter)],
});

// Enabled before amqplib is first loaded, bound to the application's own provider, and not handed to
// startTracing (whose NodeSDK would bind it to its own).
const instrumentation = new AmqplibInstrumentation();
instrumentation.setTracerProvider(ownProvider);
const { AMQP_URL, connectOrSkipReason } = await import("../messaging/rabbitmq.js");

/** Consumes one message of `queue`, runs it through withProcessSpan, and gives it with the span fn ran in. */
function handleOne(
  channel: amqplib.Channel,
  queue: string,
): Promise<{ message: amqplib.ConsumeMessage; span: Span }> {
  return new Promise((resolve, reject) => {
    channel
      .consume(queue, (message) => {
        if (message === null) return;
        void withProcessSpan(message, { system: "rabbitmq", destination: queue }, async (span) => {
          resolve({ message, span });
        });
      })
      .catch(reject);
  });
}

test("an amqplib instrumentation with its own tracer provider: the span withProcessSpan took over is not said open at shutdown()", async (t) => {
  const probe = await connectOrSkipReason();
  if (typeof probe === "string") return t.skip(probe);
  await probe.close();
  resetWarnings();
  const dir = tempDir(t, "open-foreign-amqplib");
  const queue = `h2-open-foreign-${process.pid}-${Date.now()}`;
  const { connect } = await import("amqplib");
  const run = async (file: string, ack: boolean) => {
    ownExporter.reset();
    const tracing = startTracing({ serviceName: "worker", spansFile: file });
    const connection = await context.with(ROOT_CONTEXT, () => connect(AMQP_URL));
    const channel = await connection.createConfirmChannel();
    try {
      await channel.assertQueue(queue, { durable: false });
      await withSendSpan({ system: "rabbitmq", destination: queue }, async (headers) => {
        channel.sendToQueue(queue, Buffer.from("{}"), { headers });
        await channel.waitForConfirms();
      });
      const { message, span } = await handleOne(channel, queue);
      assert.equal(
        (span as unknown as { instrumentationScope: { name: string } }).instrumentationScope.name,
        "@opentelemetry/instrumentation-amqplib",
        "taken over: no span of tracehop's own",
      );
      if (ack) channel.ack(message);
      const told = await recordWarnings(() => tracing.shutdown());
      if (!ack) channel.ack(message);
      return { told, spanId: span.spanContext().spanId };
    } finally {
      await channel.deleteQueue(queue);
      await connection.close();
    }
  };

  for (const ack of [true, false]) {
    const file = join(dir, `${ack ? "acked" : "unacked"}.jsonl`);
    const { told, spanId } = await run(file, ack);
    // Its own provider exported it at the ack (before or after the shutdown), startTracing's never.
    assert.deepEqual(said(told, OPEN), [], `acked before shutdown(): ${ack}`);
    assert.deepEqual(
      ownExporter.getFinishedSpans().map((s) => s.spanContext().spanId),
      [spanId],
    );
    assert.equal(
      readSpansFile(file).spans.some((s) => s.spanId === spanId),
      false,
    );
  }
});

test("a span of another tracer provider taken over by withProcessSpan: not counted open, ended or not", async (t) => {
  resetWarnings();
  const dir = tempDir(t, "open-foreign-provider");
  const system = { system: "rabbitmq", destination: "h2-jobs" } as const;
  /** A CONSUMER span of the application's own provider continuing a message sent with withSendSpan. */
  const consume = <T>(fn: (instrumentation: Span) => T): T => {
    let headers: Record<string, unknown> = {};
    withSendSpan(system, (h) => {
      headers = { ...h };
    });
    const parent = propagation.extract(context.active(), headers);
    const span = ownProvider
      .getTracer("an-amqp-instrumentation")
      .startSpan("h2-jobs process", { kind: SpanKind.CONSUMER }, parent);
    return context.with(trace.setSpan(parent, span), () => withProcessSpan(headers, system, () => fn(span)));
  };

  for (const end of [true, false]) {
    ownExporter.reset();
    const file = join(dir, `${end ? "ended" : "open"}.jsonl`);
    const tracing = startTracing({ serviceName: "open-foreign", spansFile: file });
    const span = consume((instrumentation) => {
      assert.equal(trace.getActiveSpan(), instrumentation, "taken over: no span of tracehop's own");
      return instrumentation;
    });
    if (end) span.end();
    const told = await recordWarnings(() => tracing.shutdown());
    if (!end) span.end();
    assert.deepEqual(said(told, OPEN), [], `ended before shutdown(): ${end}`);
    assert.deepEqual(
      ownExporter.getFinishedSpans().map((s) => s.name),
      ["h2-jobs process"],
    );
    assert.deepEqual(
      readSpansFile(file).spans.map((s) => s.name),
      ["publish h2-jobs"],
    );
  }
});
