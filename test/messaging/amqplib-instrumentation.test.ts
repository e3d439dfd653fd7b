/**
 * Coexistence with OpenTelemetry's own amqplib instrumentation (@opentelemetry/instrumentation-amqplib),
 * against the real RabbitMQ broker: no duplicate send or process spans, no second context injected
 * into the headers tracehop wrote. Skips with a clear message when the broker is not reachable.
 */
import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn } from "node:timers/promises";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { AmqplibInstrumentation } from "@opentelemetry/instrumentation-amqplib";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type amqplib from "amqplib";
import { captureCarrier, getDatadogContext, withCarrier } from "../../src/index.js";
import {
  contextFromAmqpHeaders,
  MESSAGING_SYSTEM_VALUE_RABBITMQ,
  rabbitmqDestinationName,
  withProcessSpan,
  withSendSpan,
  type RestoreOptions,
} from "../../src/messaging/index.js";
import { inSpanOf } from "../support/sdk.js";
import { datadogSpanId, datadogTraceId, exporter, provider, traceparentOf } from "./tracing.js";
// Enabled before amqplib is first loaded (connectOrSkipReason imports it lazily), as in an application.
const instrumentation = new AmqplibInstrumentation();
instrumentation.setTracerProvider(provider);
const { uniqueQueue, useRabbitMQ } = await import("./rabbitmq.js");

const INSTRUMENTATION_SCOPE = "@opentelemetry/instrumentation-amqplib";

const broker = useRabbitMQ();
after(() => {
  instrumentation.disable();
});
beforeEach(() => {
  exporter.reset();
  instrumentation.setConfig({});
});

const spansOfKind = (kind: SpanKind): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => s.kind === kind);
const scopeOf = (span: ReadableSpan) => span.instrumentationScope.name;

async function publish(queue: string, suppressInstrumentation?: boolean): Promise<void> {
  await withSendSpan(
    {
      system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
      destination: rabbitmqDestinationName("", queue),
      suppressInstrumentation,
    },
    async (headers) => {
      broker.channel.sendToQueue(queue, Buffer.from("{}"), { headers });
      await broker.channel.waitForConfirms();
    },
  );
}

/** Sends a message that carries no context (an untraced producer): the instrumentation injects nothing. */
async function publishUntraced(queue: string): Promise<void> {
  context.with(suppressTracing(context.active()), () => {
    broker.channel.sendToQueue(queue, Buffer.from("{}"));
  });
  await broker.channel.waitForConfirms();
}

/**
 * Consumes one message with `handle` (consume options `options`); resolves once `handle`'s promise
 * settled (its failure ignored) and the consumer is cancelled.
 */
function consumeWith(
  queue: string,
  options: amqplib.Options.Consume,
  handle: (msg: amqplib.ConsumeMessage) => Promise<unknown>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    broker.channel
      .consume(
        queue,
        (msg) => {
          if (!msg) return;
          void handle(msg)
            .catch(() => undefined)
            .then(() => broker.channel.cancel(msg.fields.consumerTag))
            .then(() => resolve(), reject);
        },
        options,
      )
      .catch(reject);
  });
}

/** A handler that fails after an await (the consume callback has returned by then). */
const failsAfterAwait = async (): Promise<never> => {
  await nextTurn();
  throw new Error("failed after an await");
};

/** Asserts that `span` recorded `failsAfterAwait`'s error: ERROR status, exception event, `error.type`. */
function assertRecordsFailure(span: ReadableSpan): void {
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.status.message, "failed after an await");
  assert.equal(span.events[0]?.name, "exception");
  assert.equal(span.events[0]?.attributes?.["exception.message"], "failed after an await");
  assert.equal(span.attributes["error.type"], "Error");
}

/**
 * Consumes one message with withProcessSpan (given `restore`) in the handler; acks after it; resolves
 * after the ack.
 */
function consumeOne(
  queue: string,
  restore: RestoreOptions = {},
  work: (msg: amqplib.ConsumeMessage) => Promise<unknown> = async () => undefined,
): Promise<amqplib.ConsumeMessage> {
  return new Promise((resolve, reject) => {
    broker.channel
      .consume(queue, (msg) => {
        if (!msg) return;
        void withProcessSpan(
          msg.properties.headers,
          {
            system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
            destination: rabbitmqDestinationName(msg.fields.exchange, msg.fields.routingKey, queue),
            ...restore,
          },
          () => work(msg),
        ).then(() => {
          broker.channel.ack(msg); // the instrumentation ends its CONSUMER span here
          broker.channel.cancel(msg.fields.consumerTag).then(() => resolve(msg), reject);
        }, reject);
      })
      .catch(reject);
  });
}

describe("with @opentelemetry/instrumentation-amqplib enabled", () => {
  test("control: without suppression the instrumentation adds a second send span and overwrites the context", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("control"), { exclusive: true });
    await publish(queue, false);
    const delivered = await new Promise<amqplib.GetMessage | false>((resolve) =>
      setImmediate(() => resolve(broker.channel.get(queue, { noAck: true }))),
    );
    const producers = spansOfKind(SpanKind.PRODUCER);
    assert.deepEqual(producers.map(scopeOf).sort(), [INSTRUMENTATION_SCOPE, "tracehop"]);
    const instrumentationSpan = producers.find((s) => scopeOf(s) === INSTRUMENTATION_SCOPE)!;
    assert.ok(delivered);
    assert.equal(delivered.properties.headers!.traceparent, traceparentOf(instrumentationSpan.spanContext()));
  });

  test("a redrive: plain sendToQueue of another trace's headers; the instrumentation's inject leaves none of its fields", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("redrive"), { exclusive: true });
    // A dead message's headers, published long ago by a Synthetics trace (64-bit ids, dd-trace-ot era),
    // some in other spellings, beside the application's own.
    const deadHeaders = {
      traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
      Tracestate: "dd=s:2;o:synthetics;t.dm:-4,vendor=abc",
      baggage: "stale=1",
      "x-datadog-trace-id": "12345678901234567890",
      "X-Datadog-Parent-Id": "9876543210987654321",
      "x-datadog-sampling-priority": "2",
      "X-DATADOG-ORIGIN": "synthetics",
      "x-datadog-tags": "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4",
      "ot-baggage-user": "stale",
      "x-app": "kept",
    };
    await inSpanOf("redrive")("redrive", async () => {
      broker.channel.sendToQueue(queue, Buffer.from("{}"), { headers: { ...deadHeaders } });
      await broker.channel.waitForConfirms();
    });
    const delivered = await broker.channel.get(queue, { noAck: true });
    assert.ok(delivered);
    const producer = spansOfKind(SpanKind.PRODUCER);
    assert.deepEqual(producer.map(scopeOf), [INSTRUMENTATION_SCOPE]);
    const { traceId, spanId } = producer[0]!.spanContext();
    assert.deepEqual(delivered.properties.headers, {
      // The redrive's context has no baggage: the baggage style writes none and leaves the header
      // (docs/conformance.md, "Inject into a carrier that holds another context").
      baggage: "stale=1",
      "x-app": "kept",
      traceparent: traceparentOf(producer[0]!.spanContext()),
      "x-datadog-trace-id": datadogTraceId(traceId),
      "x-datadog-parent-id": datadogSpanId(spanId),
      "x-datadog-sampling-priority": "1",
      "x-datadog-tags": `_dd.p.tid=${traceId.slice(0, 16)}`,
    });
    // The consumer restores the redrive's trace, with no origin and no ot-baggage-* entry.
    const restored = contextFromAmqpHeaders(delivered);
    assert.equal(trace.getSpanContext(restored)?.traceId, traceId);
    assert.equal(getDatadogContext(restored)?.origin, undefined);
    assert.deepEqual(
      propagation
        .getBaggage(restored)
        ?.getAllEntries()
        .map(([key]) => key),
      ["stale"],
    );
  });

  test("withSendSpan over another trace's headers: the instrumentation, suppressed, leaves tracehop's context whole", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("redrive-helper"), { exclusive: true });
    const deadHeaders = {
      traceparent: "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01",
      tracestate: "dd=s:2;o:synthetics,vendor=abc",
      "x-datadog-origin": "synthetics",
      "x-app": "kept",
    };
    let written: Record<string, unknown> = {};
    await withSendSpan(
      {
        system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
        destination: rabbitmqDestinationName("", queue),
        headers: deadHeaders,
      },
      async (headers) => {
        written = { ...headers };
        broker.channel.sendToQueue(queue, Buffer.from("{}"), { headers });
        await broker.channel.waitForConfirms();
      },
    );
    const delivered = await broker.channel.get(queue, { noAck: true });
    assert.ok(delivered);
    assert.deepEqual(delivered.properties.headers, written);
    assert.equal(written.tracestate, undefined);
    assert.equal(written["x-datadog-origin"], undefined);
    assert.deepEqual(spansOfKind(SpanKind.PRODUCER).map(scopeOf), ["tracehop"]);
  });

  test("publish: one PRODUCER span (tracehop's); the delivered headers carry its context", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("publish"), { exclusive: true });
    await publish(queue);
    const delivered = await consumeOne(queue);
    const producers = spansOfKind(SpanKind.PRODUCER);
    assert.equal(producers.length, 1);
    assert.equal(scopeOf(producers[0]!), "tracehop");
    assert.equal(delivered.properties.headers!.traceparent, traceparentOf(producers[0]!.spanContext()));
  });

  test("inside the send span: a nested withSendSpan and captureCarrier carry its context; no instrumentation span", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("nested"), { exclusive: true });
    const destination = rabbitmqDestinationName("", queue);
    await withSendSpan({ system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination }, async (headers) => {
      // The payload of the first message is the carrier captured inside the send span.
      broker.channel.sendToQueue(queue, Buffer.from(JSON.stringify(captureCarrier())), { headers });
      await withSendSpan({ system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination }, async (nested) => {
        broker.channel.sendToQueue(queue, Buffer.from("{}"), { headers: nested });
        await broker.channel.waitForConfirms();
      });
    });
    const first = await broker.channel.get(queue, { noAck: true });
    const second = await broker.channel.get(queue, { noAck: true });
    const producers = spansOfKind(SpanKind.PRODUCER);
    assert.deepEqual(producers.map(scopeOf), ["tracehop"], "one send span, no instrumentation span");
    const sent = traceparentOf(producers[0]!.spanContext());
    assert.ok(first && second);
    assert.equal(first.properties.headers!.traceparent, sent);
    assert.equal(JSON.parse(first.content.toString()).traceparent, sent);
    assert.equal(second.properties.headers!.traceparent, sent);
  });

  test("consume: the instrumentation's CONSUMER span is reused (parent mode), no second process span", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("consume"), { exclusive: true });
    await publish(queue);
    await consumeOne(queue, { attempt: 2, run: 1 });
    const [send] = spansOfKind(SpanKind.PRODUCER);
    const consumers = spansOfKind(SpanKind.CONSUMER);
    assert.equal(consumers.length, 1, `consumer spans: ${consumers.map((s) => `${scopeOf(s)} ${s.name}`)}`);
    const process = consumers[0]!;
    assert.equal(scopeOf(process), INSTRUMENTATION_SCOPE);
    assert.equal(process.parentSpanContext?.spanId, send!.spanContext().spanId);
    assert.equal(process.attributes["messaging.system"], "rabbitmq");
    assert.equal(process.attributes["messaging.operation.type"], "process", "tracehop's attributes added");
    assert.equal(process.attributes["messaging.destination.name"], queue);
    assert.equal(process.attributes["tracehop.attempt"], 2, "the restore options that apply are set");
    assert.equal(process.attributes["tracehop.run"], 1);
    assert.equal(process.attributes["tracehop.relation"], "parent");
    // The span stays the instrumentation's: its own name ("{queue} process", not "process {queue}") and
    // its older attributes beside tracehop's (docs/messaging.md, "The spans").
    assert.equal(process.name, `${queue} process`);
    assert.equal(process.attributes["messaging.destination"], "", "the default exchange, as it wrote it");
    assert.equal(process.attributes["messaging.operation"], "process");
  });

  test("consume: a retry run inside the failed attempt, and a second attempt in the same handler, get their own spans", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("retry"), { exclusive: true });
    await publish(queue);
    await publish(queue);
    const options = (attempt: number) => ({
      system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
      destination: queue,
      attempt,
    });
    let delivered = 0;
    await new Promise<void>((resolve, reject) => {
      broker.channel
        .consume(queue, (msg) => {
          if (!msg) return;
          const headers = msg.properties.headers;
          const nested = delivered++ === 0;
          const attempts = nested
            ? // Attempt 1 fails and runs attempt 2 from inside its own handler.
              withProcessSpan(headers, options(1), async () => {
                await withProcessSpan(headers, options(2), async () => undefined);
                throw new Error("attempt 1 failed");
              }).catch(() => undefined)
            : // Attempt 1 fails; the handler runs attempt 2 after it.
              withProcessSpan(headers, options(1), async () => {
                throw new Error("attempt 1 failed");
              })
                .catch(() => undefined)
                .then(() => withProcessSpan(headers, options(2), async () => undefined));
          attempts.then(() => {
            broker.channel.ack(msg);
            if (delivered === 2) broker.channel.cancel(msg.fields.consumerTag).then(() => resolve(), reject);
          }, reject);
        })
        .catch(reject);
    });
    const sends = spansOfKind(SpanKind.PRODUCER);
    for (const send of sends) {
      const ofMessage = spansOfKind(SpanKind.CONSUMER).filter(
        (s) => s.parentSpanContext?.spanId === send.spanContext().spanId,
      );
      // Attempt 1: the instrumentation's span, taken over (ERROR); attempt 2: tracehop's own, a sibling
      // under the message's context, linked to the span that was active when it started.
      assert.deepEqual(
        ofMessage
          .map((s) => [scopeOf(s), s.attributes["tracehop.attempt"], s.status.code])
          .sort((a, b) => Number(a[1]) - Number(b[1])),
        [
          [INSTRUMENTATION_SCOPE, 1, SpanStatusCode.ERROR],
          ["tracehop", 2, SpanStatusCode.UNSET],
        ],
      );
      const [first, second] = ofMessage.sort(
        (a, b) => Number(a.attributes["tracehop.attempt"]) - Number(b.attributes["tracehop.attempt"]),
      );
      assert.deepEqual(
        second!.links.map((l) => l.context.spanId),
        [first!.spanContext().spanId],
      );
    }
    assert.equal(sends.length, 2);
  });

  test("docs/messaging.md: ack inside fn loses fn's error (the span has ended); nack after fn keeps it, status message overwritten", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(`hb-ack-${process.pid}-${Date.now()}`, {
      exclusive: true,
    });
    try {
      const options = { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination: queue };
      /** Consumes one message with `handle`; resolves once it settled and the consumer is cancelled. */
      const consume = (handle: (msg: amqplib.ConsumeMessage) => Promise<unknown>) =>
        new Promise<void>((resolve, reject) => {
          broker.channel
            .consume(queue, (msg) => {
              if (!msg) return;
              void handle(msg)
                .catch(() => undefined)
                .then(() => broker.channel.cancel(msg.fields.consumerTag))
                .then(() => resolve(), reject);
            })
            .catch(reject);
        });

      // Acked inside fn, then fn fails: the instrumentation ended its span at the ack.
      await publish(queue);
      await consume((msg) =>
        withProcessSpan(msg, options, async () => {
          broker.channel.ack(msg);
          throw new Error("failed after ack");
        }),
      );
      const [lost] = spansOfKind(SpanKind.CONSUMER);
      assert.equal(scopeOf(lost!), INSTRUMENTATION_SCOPE);
      assert.equal(lost!.status.code, SpanStatusCode.UNSET, "the error came after the span ended");
      assert.equal(lost!.events.length, 0);
      assert.equal(lost!.attributes["error.type"], undefined);

      // Nacked after fn settled (the documented pattern): the error is on the span; nack's status wins.
      exporter.reset();
      await publish(queue);
      await consume((msg) =>
        withProcessSpan(msg, options, async () => {
          throw new Error("handler failed");
        }).catch((err: unknown) => {
          broker.channel.nack(msg, false, false);
          throw err;
        }),
      );
      const [kept] = spansOfKind(SpanKind.CONSUMER);
      assert.equal(scopeOf(kept!), INSTRUMENTATION_SCOPE);
      assert.equal(kept!.status.code, SpanStatusCode.ERROR);
      assert.equal(kept!.status.message, "nack called on message without requeue", "the instrumentation's");
      assert.equal(kept!.events[0]?.name, "exception");
      assert.equal(kept!.events[0]?.attributes?.["exception.message"], "handler failed");
      assert.equal(kept!.attributes["error.type"], "Error");
    } finally {
      await broker.channel.deleteQueue(queue);
    }
  });

  test("noAck: the instrumentation's span ends when the callback returns; an async fn's error is on tracehop's own span", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("noack"), { exclusive: true });
    const options = { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination: queue, attempt: 1 };

    // The whole message, noAck: it holds no stored span, so tracehop starts its own, which records the
    // error: a child of the send span, linked to the instrumentation's (ended, status unset).
    await publish(queue);
    await consumeWith(queue, { noAck: true }, (msg) => withProcessSpan(msg, options, failsAfterAwait));
    const [send] = spansOfKind(SpanKind.PRODUCER);
    let consumers = spansOfKind(SpanKind.CONSUMER);
    assert.deepEqual(consumers.map(scopeOf).sort(), [INSTRUMENTATION_SCOPE, "tracehop"]);
    const own = consumers.find((s) => scopeOf(s) === "tracehop")!;
    const ended = consumers.find((s) => scopeOf(s) === INSTRUMENTATION_SCOPE)!;
    assertRecordsFailure(own);
    assert.equal(own.parentSpanContext?.spanId, send!.spanContext().spanId);
    assert.deepEqual(
      own.links.map((l) => l.context.spanId),
      [ended.spanContext().spanId],
    );
    assert.equal(own.attributes["tracehop.attempt"], 1);
    assert.equal(own.attributes["tracehop.relation"], "parent");
    assert.equal(ended.parentSpanContext?.spanId, send!.spanContext().spanId);
    assert.equal(ended.status.code, SpanStatusCode.UNSET);
    assert.equal(ended.attributes["messaging.operation.type"], undefined, "not taken over");

    // A synchronous fn would be safe in the instrumentation's span, but cannot be told before it runs:
    // tracehop's own span too, the error on it.
    exporter.reset();
    await publish(queue);
    await consumeWith(queue, { noAck: true }, async (msg) =>
      withProcessSpan(msg, options, () => {
        throw new Error("failed after an await");
      }),
    );
    consumers = spansOfKind(SpanKind.CONSUMER);
    assert.deepEqual(consumers.map(scopeOf).sort(), [INSTRUMENTATION_SCOPE, "tracehop"]);
    assertRecordsFailure(consumers.find((s) => scopeOf(s) === "tracehop")!);

    // Headers alone do not tell noAck: the span is taken over and the error is lost (docs/messaging.md:
    // under noAck pass the whole message).
    exporter.reset();
    await publish(queue);
    await consumeWith(queue, { noAck: true }, (msg) =>
      withProcessSpan(msg.properties.headers, options, failsAfterAwait),
    );
    consumers = spansOfKind(SpanKind.CONSUMER);
    assert.deepEqual(consumers.map(scopeOf), [INSTRUMENTATION_SCOPE]);
    assert.equal(consumers[0]!.status.code, SpanStatusCode.UNSET, "the error came after the span ended");
    assert.equal(consumers[0]!.events.length, 0);

    // Control, ack mode (acked after fn settled): the instrumentation's span is taken over and records
    // the error, one CONSUMER span.
    exporter.reset();
    await publish(queue);
    await consumeWith(queue, {}, (msg) =>
      withProcessSpan(msg, options, failsAfterAwait).finally(() => broker.channel.ack(msg)),
    );
    consumers = spansOfKind(SpanKind.CONSUMER);
    assert.deepEqual(consumers.map(scopeOf), [INSTRUMENTATION_SCOPE]);
    assertRecordsFailure(consumers[0]!);
    assert.equal(consumers[0]!.attributes["tracehop.attempt"], 1);
  });

  test("a message without a context: the whole message's stored span is taken over; headers alone give two spans", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("untraced"), { exclusive: true });
    const options = { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination: queue, attempt: 1 };
    const handle = (of: (msg: amqplib.ConsumeMessage) => unknown) => (msg: amqplib.ConsumeMessage) =>
      withProcessSpan(of(msg), options, async () => undefined).finally(() => broker.channel.ack(msg));

    // The whole message: the instrumentation stored its root span on it for the ack; one span.
    await publishUntraced(queue);
    await consumeWith(
      queue,
      {},
      handle((msg) => msg),
    );
    assert.deepEqual(spansOfKind(SpanKind.PRODUCER), [], "an untraced send");
    let consumers = spansOfKind(SpanKind.CONSUMER);
    assert.deepEqual(consumers.map(scopeOf), [INSTRUMENTATION_SCOPE]);
    const [root] = consumers;
    assert.equal(root!.parentSpanContext, undefined);
    assert.equal(root!.attributes["messaging.operation.type"], "process", "tracehop's attributes added");
    assert.equal(root!.attributes["tracehop.attempt"], 1);
    assert.equal(root!.attributes["tracehop.relation"], undefined, "no context: no relation");

    // Headers alone: the instrumentation's root continues no message, so tracehop's own span is its child.
    exporter.reset();
    await publishUntraced(queue);
    await consumeWith(
      queue,
      {},
      handle((msg) => msg.properties.headers),
    );
    consumers = spansOfKind(SpanKind.CONSUMER);
    assert.deepEqual(consumers.map(scopeOf).sort(), [INSTRUMENTATION_SCOPE, "tracehop"]);
    const child = consumers.find((s) => scopeOf(s) === "tracehop")!;
    const parent = consumers.find((s) => scopeOf(s) === INSTRUMENTATION_SCOPE)!;
    assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId);
  });

  test("a step restoring the message (no relation) inside the instrumentation's span it took: its child, parent and link mode", async (t) => {
    if (!broker.requireBroker(t)) return;
    for (const useLinksForConsume of [false, true]) {
      exporter.reset();
      instrumentation.setConfig({ useLinksForConsume });
      const { queue } = await broker.channel.assertQueue(`h2-${uniqueQueue("nested-step")}`, {
        exclusive: true,
      });
      await publish(queue);
      await consumeOne(queue, {}, (msg) =>
        withCarrier(msg.properties.headers, "step", async () => undefined),
      );
      const [send] = spansOfKind(SpanKind.PRODUCER);
      const [process] = spansOfKind(SpanKind.CONSUMER);
      assert.equal(scopeOf(process!), INSTRUMENTATION_SCOPE);
      if (useLinksForConsume) assert.notEqual(process!.spanContext().traceId, send!.spanContext().traceId);
      const step = exporter.getFinishedSpans().find((s) => s.name === "step")!;
      assert.equal(step.spanContext().traceId, process!.spanContext().traceId, `links ${useLinksForConsume}`);
      assert.equal(
        step.parentSpanContext?.spanId,
        process!.spanContext().spanId,
        `links ${useLinksForConsume}`,
      );
      await broker.channel.deleteQueue(queue);
    }
  });

  test("consume with useLinksForConsume: the linked instrumentation span is reused as well", async (t) => {
    if (!broker.requireBroker(t)) return;
    instrumentation.setConfig({ useLinksForConsume: true });
    const { queue } = await broker.channel.assertQueue(uniqueQueue("links"), { exclusive: true });
    await publish(queue);
    await consumeOne(queue, { relation: "link" });
    const [send] = spansOfKind(SpanKind.PRODUCER);
    const consumers = spansOfKind(SpanKind.CONSUMER);
    assert.equal(consumers.length, 1);
    assert.equal(scopeOf(consumers[0]!), INSTRUMENTATION_SCOPE);
    assert.deepEqual(
      consumers[0]!.links.map((l) => l.context.spanId),
      [send!.spanContext().spanId],
    );
    assert.equal(consumers[0]!.attributes["messaging.operation.type"], "process");
    assert.equal(consumers[0]!.attributes["tracehop.relation"], "link", "what the instrumentation made it");
  });
});
