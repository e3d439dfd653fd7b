/**
 * A consumed message whose `x-datadog-tags` header is an AMQP field table (a producer that sent the
 * tags as an object, which amqplib encodes as a table) loses the `_dd.p.tid` it holds: the message is
 * processed in the trace of the 64-bit id, and `TRACEHOP_TRACE_ID_TRUNCATED` names the header as the
 * message holds it (an AMQP field table, read by the headers reader), not as a stored carrier's JSON
 * object. Messages from the real RabbitMQ broker (skipped with the reason when it is not reachable).
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { withBatchProcessSpan, withProcessSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { uniqueQueue, useRabbitMQ } from "./rabbitmq.js";
import {
  datadogSpanId,
  datadogTraceId,
  exporter,
  onlySpan,
  STORED_SPAN_ID,
  STORED_TRACE_ID,
} from "./tracing.js";

const TID = STORED_TRACE_ID.slice(0, 16);
/** The trace the 64-bit id alone names: its upper half lost with the tags. */
const TRUNCATED_ID = `0000000000000000${STORED_TRACE_ID.slice(16)}`;
const IDS = {
  "x-datadog-trace-id": datadogTraceId(STORED_TRACE_ID),
  "x-datadog-parent-id": datadogSpanId(STORED_SPAN_ID),
  "x-datadog-sampling-priority": "1",
};
const CODE = "TRACEHOP_TRACE_ID_TRUNCATED";

/** The warning, for `reason` (what the header is, and what the reader did with it). */
const truncated = (reason: string) =>
  `tracehop: message headers restored their trace with a changed trace id: ${reason}; the trace is ` +
  `continued as ${TRUNCATED_ID}, the upper 64 bits of the 128-bit trace id they held lost: a traceparent ` +
  "written from here, and an OpenTelemetry backend, name another trace than the message's. Fix: send " +
  "x-datadog-tags as the text the producer's inject (withSendSpan, the header writers, or its tracer's) " +
  "writes (_dd.p.tid=<16 lower-case hex digits>,...), not as an object. For the whole report, print the " +
  "message's headers as JSON (values as strings) and run `npx tracehop inspect '<headers as JSON>'`. " +
  "(Said once per process for not_text.)";

beforeEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  exporter.reset();
  resetWarnings();
});

describe("x-datadog-tags sent as an AMQP field table", () => {
  const broker = useRabbitMQ();

  /** Sends one message with `tags` as its x-datadog-tags and gets it back as amqplib delivers it. */
  async function delivered(queue: string, tags: unknown) {
    broker.channel.sendToQueue(queue, Buffer.from("{}"), { headers: { ...IDS, "x-datadog-tags": tags } });
    await broker.channel.waitForConfirms();
    const message = await broker.channel.get(queue, { noAck: true });
    assert.ok(message, "message delivered");
    return message;
  }

  test("a table, or a field array holding one beside text: the message is processed, and the warning names the AMQP types, not a JSON object", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = `h3-${uniqueQueue("tags-table")}`;
    broker.deleteAfter(t, queue);
    await broker.channel.assertQueue(queue);
    const rabbit = { system: "rabbitmq", destination: queue } as const;

    const table = await delivered(queue, { "_dd.p.tid": TID });
    const told = await recordWarnings(() => withProcessSpan(table, rabbit, () => "handled"));
    assert.equal(told.result, "handled", "the message is processed");
    assert.deepEqual(
      told.processWarnings.filter(([code]) => code === CODE),
      [
        [
          CODE,
          truncated(
            "the x-datadog-tags header is an AMQP field table, not text: the headers reader reads it as an " +
              "invalid value, and the datadog style drops it whole, with the _dd.p.tid it holds",
          ),
        ],
      ],
    );
    const span = onlySpan(`process ${queue}`);
    assert.equal(span.spanContext().traceId, TRUNCATED_ID);
    assert.equal(span.parentSpanContext?.spanId, STORED_SPAN_ID);

    // The tid in text beside a table in a field array (a header sent repeated).
    resetWarnings();
    exporter.reset();
    const beside = await delivered(queue, [`_dd.p.dm=-4,_dd.p.tid=${TID}`, { a: 1 }]);
    const toldBeside = await recordWarnings(() => withProcessSpan(beside, rabbit, () => "handled"));
    assert.equal(toldBeside.result, "handled");
    assert.deepEqual(
      toldBeside.processWarnings.filter(([code]) => code === CODE),
      [
        [
          CODE,
          truncated(
            "the x-datadog-tags header is an AMQP field array holding an AMQP field table beside its text, " +
              "not text: the headers reader reads that value as an invalid one, and the datadog style drops " +
              "the header whole, with the _dd.p.tid its text holds",
          ),
        ],
      ],
    );
    assert.equal(onlySpan(`process ${queue}`).spanContext().traceId, TRUNCATED_ID);
  });
  test("withBatchProcessSpan (the default headersFrom) says the same of its message: it was silent, the batch linked to the 64-bit trace", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = `h3-${uniqueQueue("tags-table-batch")}`;
    broker.deleteAfter(t, queue);
    await broker.channel.assertQueue(queue);
    const table = await delivered(queue, { "_dd.p.tid": TID });
    const told = await recordWarnings(() =>
      withBatchProcessSpan([table], { system: "rabbitmq", destination: queue }, () => "handled"),
    );
    assert.equal(told.result, "handled", "the batch is processed");
    assert.deepEqual(
      told.processWarnings.filter(([code]) => code === CODE),
      [
        [
          CODE,
          truncated(
            "the x-datadog-tags header is an AMQP field table, not text: the headers reader reads it as an " +
              "invalid value, and the datadog style drops it whole, with the _dd.p.tid it holds",
          ),
        ],
      ],
    );
    assert.deepEqual(
      onlySpan(`process ${queue}`).links.map((l) => l.context.traceId),
      [TRUNCATED_ID],
    );
  });
});
