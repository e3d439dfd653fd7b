/**
 * Headers kept in a `Map` (a framework's copy of amqplib's `msg.properties.headers` or of kafkajs'
 * `message.headers`) whose one entry holds the whole carrier (a header `trace` whose value is a
 * carrier's JSON text): the work starts a new trace, as for a plain object holding it in a field, and
 * the `TRACEHOP_CARRIER_IN_OTHER_FIELD` warning names the entry and the fix (`.get("trace")`). The
 * amqplib message comes from the real RabbitMQ broker (skipped with the reason when it is not
 * reachable); the kafkajs message from kafkajs's own encoder and decoder (no Kafka broker here).
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { withBatchProcessSpan, withProcessSpan } from "../../src/messaging/index.js";
import { withCarrier } from "../../src/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { uniqueQueue, useRabbitMQ } from "./rabbitmq.js";
import { exporter, kafkaRoundTrip, onlySpan } from "./tracing.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const CARRIER = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` };
const CODE = "TRACEHOP_CARRIER_IN_OTHER_FIELD";

beforeEach(async () => {
  // A process warning an earlier test gave (on the next tick) is not this test's.
  await new Promise((resolve) => setImmediate(resolve));
  exporter.reset();
  resetWarnings();
});

describe("a Map of headers holding the whole carrier in one entry", () => {
  const broker = useRabbitMQ();

  test("an amqplib message's headers copied into a Map: withProcessSpan processes it in a new trace, says the entry once, and the fix restores it", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = `h3-${uniqueQueue("map-entry")}`;
    broker.deleteAfter(t, queue);
    await broker.channel.assertQueue(queue);
    broker.channel.sendToQueue(queue, Buffer.from("{}"), {
      headers: { "x-attempt": 1, trace: JSON.stringify(CARRIER) },
    });
    await broker.channel.waitForConfirms();
    const message = await broker.channel.get(queue, { noAck: true });
    assert.ok(message, "message delivered");
    const headers = new Map(Object.entries(message.properties.headers ?? {}));
    assert.equal(headers.get("trace"), JSON.stringify(CARRIER), "amqplib delivers the header as text");

    const rabbit = { system: "rabbitmq", destination: queue } as const;
    const told = await recordWarnings(() => [
      withProcessSpan(headers, rabbit, () => "handled"),
      withProcessSpan(headers, { ...rabbit, operationName: "again" }, () => "handled"), // said once
    ]);
    assert.deepEqual(told.result, ["handled", "handled"], "the message is processed");
    const said =
      "tracehop withProcessSpan: a carrier it was handed held no trace context, but its entry " +
      '"trace" holds a trace carrier, which was not read: the stored context was not restored. ' +
      'Pass that entry: withProcessSpan(message.get("trace"), ...).';
    assert.deepEqual(told.processWarnings, [[CODE, said]]);
    assert.deepEqual(told.diagWarnings, [said]);
    const span = onlySpan(`process ${queue}`);
    assert.notEqual(span.spanContext().traceId, TRACE_ID);
    assert.equal(span.parentSpanContext, undefined);

    // The fix the warning gives restores the message's trace, without a word.
    exporter.reset();
    resetWarnings();
    const fixed = await recordWarnings(() => withProcessSpan(headers.get("trace"), rabbit, () => 0));
    assert.deepEqual(fixed.processWarnings, []);
    const restored = onlySpan(`process ${queue}`);
    assert.equal(restored.spanContext().traceId, TRACE_ID);
    assert.equal(restored.parentSpanContext?.spanId, SPAN_ID);
  });

  test("kafkajs headers (Buffer values) copied into a Map by headersFrom: the batch span has no link, the entry is said naming headersFrom, and the fix links it", async () => {
    const message = await kafkaRoundTrip({ value: "{}", headers: { trace: JSON.stringify(CARRIER) } });
    assert.ok(Buffer.isBuffer(message.headers.trace), "kafkajs delivers a Buffer");
    const kafka = { system: "kafka", destination: "jobs" } as const;
    const asMap = (m: typeof message) => new Map(Object.entries(m.headers));
    const told = await recordWarnings(() =>
      withBatchProcessSpan([message], { ...kafka, headersFrom: asMap }, () => "handled"),
    );
    assert.equal(told.result, "handled", "the batch is processed");
    assert.deepEqual(told.processWarnings, [
      [
        CODE,
        "tracehop withBatchProcessSpan: a carrier its headersFrom returned held no trace context, but its " +
          'entry "trace" holds a trace carrier, which was not read: the stored context was not restored. ' +
          "Pass that entry: return it from your headersFrom, withBatchProcessSpan(messages, { ..., " +
          'headersFrom: (message) => <what it returns now>.get("trace") }).',
      ],
    ]);
    assert.deepEqual(onlySpan("process jobs").links, []);

    exporter.reset();
    resetWarnings();
    const fixed = await recordWarnings(() =>
      withBatchProcessSpan(
        [message],
        { ...kafka, operationName: "fixed", headersFrom: (m) => asMap(m).get("trace") },
        () => 0,
      ),
    );
    assert.deepEqual(fixed.processWarnings, []);
    assert.deepEqual(
      onlySpan("fixed jobs").links.map((l) => [l.context.traceId, l.context.spanId]),
      [[TRACE_ID, SPAN_ID]],
    );
  });

  test("the default headersFrom finding a Map under message.headers names the path from the message; withCarrier names the entry too; a Map with a propagation header or no carrier says nothing", async () => {
    const headers = new Map<string, unknown>([
      ["x-app", "1"],
      ["trace", CARRIER],
    ]);
    const rabbit = { system: "rabbitmq", destination: "jobs" } as const;
    const told = await recordWarnings(() => [
      // A propagation header of its own (a bad one): the Map is a carrier, not one holding another.
      withProcessSpan(new Map([["traceparent", "garbage"], ...headers]), rabbit, () => "handled"),
      withProcessSpan(new Map([["x-app", "1"]]), rabbit, () => "handled"),
      withBatchProcessSpan([{ headers }], { system: "kafka", destination: "jobs" }, () => "handled"),
      withCarrier(headers, "row", () => "handled"),
    ]);
    assert.deepEqual(told.result, ["handled", "handled", "handled", "handled"]);
    assert.deepEqual(
      told.processWarnings.filter(([code]) => code === CODE),
      [
        [
          CODE,
          "tracehop withBatchProcessSpan: a message it was handed held no trace context in its headers, but " +
            "an entry of its headers holds a trace carrier, which was not read: the stored context was not " +
            'restored. Pass that entry: withBatchProcessSpan(messages, { ..., headersFrom: (message) => message.headers.get("trace") }).',
        ],
        [
          CODE,
          'tracehop withCarrier: a carrier it was handed held no trace context, but its entry "trace" holds a ' +
            "trace carrier, which was not read: the stored context was not restored. Pass that entry: " +
            'withCarrier(row.get("trace"), ...).',
        ],
      ],
    );
  });
});
