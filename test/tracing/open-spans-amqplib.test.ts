/**
 * The amqplib instrumentation's CONSUMER span that withProcessSpan takes over is open until the message
 * is acked (the instrumentation ends it then): a worker stopped with a message handled but not acked
 * loses that span, and TRACEHOP_SPANS_OPEN_AT_SHUTDOWN says so, as withProcessSpan's. The real
 * @opentelemetry/instrumentation-amqplib through startTracing, against the real broker (127.0.0.1:5672
 * or TRACEHOP_TEST_AMQP_URL); skipped when it is not reachable.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { context, ROOT_CONTEXT, trace, type Span } from "@opentelemetry/api";
import { AmqplibInstrumentation } from "@opentelemetry/instrumentation-amqplib";
import type amqplib from "amqplib";
import { withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { tempDir } from "../support/temp-dir.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";
import { readSpansFile } from "./otlp-helpers.js";

// Enabled before amqplib is first loaded (imported below, after startTracing), as in an application.
const instrumentation = new AmqplibInstrumentation();
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

test("a message handled but not acked at shutdown(): the instrumentation's span withProcessSpan took over is said open", async (t) => {
  const probe = await connectOrSkipReason();
  if (typeof probe === "string") return t.skip(probe);
  await probe.close();
  resetWarnings();
  const dir = tempDir(t, "open-amqplib");
  const queue = `h2-open-amqplib-${process.pid}-${Date.now()}`;
  const run = async (file: string, ack: boolean) => {
    const tracing = startTracing({
      serviceName: "worker",
      spansFile: file,
      instrumentations: [instrumentation],
    });
    const { connect } = await import("amqplib");
    const connection = await context.with(ROOT_CONTEXT, () => connect(AMQP_URL));
    const channel = await connection.createConfirmChannel();
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
    const name = (span as unknown as { name: string }).name;
    if (ack) channel.ack(message);
    const told = await recordWarnings(() => tracing.shutdown());
    if (!ack) channel.ack(message);
    await channel.deleteQueue(queue);
    await connection.close();
    return { told, name, spanId: span.spanContext().spanId };
  };

  // Not acked before shutdown(): the instrumentation's span is open, never exported, and said.
  const unacked = join(dir, "unacked.jsonl");
  const first = await run(unacked, false);
  assert.deepEqual(
    said(first.told, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN").map((m) => m.split(" (not ended")[0]),
    [
      `tracehop: shutdown() stopped the span processors while 1 span (1 of withProcessSpan: "${first.name}") ` +
        "was still open",
    ],
  );
  assert.equal(
    readSpansFile(unacked).spans.some((s) => s.spanId === first.spanId),
    false,
  );

  // Acked first: the instrumentation ended its span, which is exported; nothing said.
  const acked = join(dir, "acked.jsonl");
  const second = await run(acked, true);
  assert.deepEqual(said(second.told, "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN"), []);
  assert.equal(
    readSpansFile(acked).spans.some((s) => s.spanId === second.spanId),
    true,
  );
  assert.equal(trace.getActiveSpan(), undefined);
});
