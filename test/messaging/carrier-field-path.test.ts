/**
 * TRACEHOP_CARRIER_IN_OTHER_FIELD for a whole message handed to withProcessSpan, whose headers hold the
 * carrier under another name (an application header `traceContext` holding a JSON carrier): the fix
 * names the path as the user writes it from what they passed (`message.properties.headers.traceContext`),
 * not from the headers tracehop unwrapped. Each shape that withProcessSpan unwraps. In-memory SDK.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { withBatchProcessSpan, withProcessSpan } from "../../src/messaging/index.js";
import { msgHdrs } from "../support/header-classes.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter } from "./tracing.js";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const JSON_CARRIER = JSON.stringify({ traceparent: TRACEPARENT });

beforeEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  exporter.reset();
  resetWarnings();
});

const amqplibMessage = () => ({
  content: Buffer.from("x"),
  fields: { exchange: "", routingKey: "q", deliveryTag: 1, redelivered: false, consumerTag: "c" },
  properties: { headers: { traceContext: JSON_CARRIER } },
});
const kafkaMessage = () => ({
  offset: "1",
  timestamp: "1",
  attributes: 0,
  key: null,
  value: Buffer.from("x"),
  headers: { traceContext: Buffer.from(JSON_CARRIER) },
});
const eachMessagePayload = () => ({ topic: "t", partition: 0, message: kafkaMessage() });
const mqttPacket = () => ({
  cmd: "publish",
  topic: "t",
  payload: Buffer.from("x"),
  properties: { userProperties: { traceContext: JSON_CARRIER } },
});

/** The warning withProcessSpan gives for a carrier at `field` of what it was handed, and its fix. */
const warning = (field: string, fix: string) =>
  `tracehop withProcessSpan: a carrier it was handed held no trace context, but its field "${field}" ` +
  `holds a trace carrier, which was not read: the stored context was not restored. Pass that field: ` +
  `withProcessSpan(${fix}, ...).`;

/**
 * The warning withProcessSpan gives for a carrier in the headers of a whole message, at `fix` from it: the
 * path is said once, in the fix (it was also quoted as the field, every header name said twice).
 */
const messageWarning = (fix: string) =>
  "tracehop withProcessSpan: a carrier it was handed held no trace context, but a field of its headers " +
  `holds a trace carrier, which was not read: the stored context was not restored. Pass that field: ` +
  `withProcessSpan(${fix}, ...).`;

/** withBatchProcessSpan's TRACEHOP_CARRIER_IN_OTHER_FIELD text when the carrier is at `fix` (`message.<path>`). */
const batchWarning = (fix: string) =>
  "tracehop withBatchProcessSpan: a message it was handed held no trace context in its headers, but " +
  "a field of its headers holds a trace carrier, which was not read: the stored " +
  "context was not restored. Pass that field: withBatchProcessSpan(messages, { ..., headersFrom: " +
  `(message) => ${fix} }).`;

/** The path of the carrier from the message (`properties.headers.traceContext`) is said once in `warning`. */
function namesSaidOnce(warning: string, fix: string): void {
  const path = fix.slice(fix.indexOf(".") + 1);
  assert.equal(warning.split(path).length - 1, 1, `${path} in: ${warning}`);
}

describe("withProcessSpan(wholeMessage): the fix names the path from what was passed", () => {
  for (const [label, make, system, field, fix] of [
    [
      "amqplib message",
      amqplibMessage,
      "rabbitmq",
      "properties.headers.traceContext",
      "message.properties.headers.traceContext",
    ],
    ["kafkajs message", kafkaMessage, "kafka", "headers.traceContext", "message.headers.traceContext"],
    [
      "kafkajs eachMessage payload",
      eachMessagePayload,
      "kafka",
      "message.headers.traceContext",
      "payload.message.headers.traceContext",
    ],
    [
      "mqtt.js PUBLISH packet",
      mqttPacket,
      "mqtt",
      "properties.userProperties.traceContext",
      "message.properties.userProperties.traceContext",
    ],
  ] as const)
    test(`${label}: "${fix}", and that path restores the context`, async () => {
      const message = make();
      const told = await recordWarnings(() =>
        withProcessSpan(
          message,
          { system, destination: "q" },
          () => trace.getActiveSpan()!.spanContext().traceId,
        ),
      );
      assert.notEqual(told.result, TRACE_ID);
      assert.deepEqual(told.processWarnings, [["TRACEHOP_CARRIER_IN_OTHER_FIELD", messageWarning(fix)]]);
      namesSaidOnce(told.processWarnings[0]![1], fix);
      assert.ok(!told.processWarnings[0]![1].includes(JSON.stringify(field)), "the field is not quoted too");
      // The path the warning names, followed from what was passed, is the carrier.
      const followed = fix
        .split(".")
        .slice(1)
        .reduce<unknown>((value, name) => (value as Record<string, unknown>)[name], message);
      const traceId = withProcessSpan(
        followed,
        { system, destination: "q" },
        () => trace.getActiveSpan()!.spanContext().traceId,
      );
      assert.equal(traceId, TRACE_ID);
    });

  test("headers handed as headers keep the path from the headers", async () => {
    const told = await recordWarnings(() =>
      withProcessSpan(amqplibMessage().properties.headers, { system: "rabbitmq", destination: "q" }, () => 0),
    );
    assert.deepEqual(told.processWarnings, [
      ["TRACEHOP_CARRIER_IN_OTHER_FIELD", warning("traceContext", "message.traceContext")],
    ]);
  });

  test("a nats.js message: its MsgHdrs are a client's header object, whose header values are not looked into: nothing said", async () => {
    const nats = {
      subject: "q",
      data: new Uint8Array(),
      sid: 1,
      headers: msgHdrs({ traceContext: JSON_CARRIER }),
    };
    const told = await recordWarnings(() =>
      withProcessSpan(nats, { system: "nats", destination: "q" }, () => 0),
    );
    assert.deepEqual(told.processWarnings, []);
  });
});

describe("withBatchProcessSpan(wholeMessages): the fix names the headersFrom path from the message", () => {
  for (const [label, make, system, fix] of [
    ["amqplib message", amqplibMessage, "rabbitmq", "message.properties.headers.traceContext"],
    ["kafkajs message", kafkaMessage, "kafka", "message.headers.traceContext"],
    ["kafkajs eachMessage payload", eachMessagePayload, "kafka", "message.message.headers.traceContext"],
    ["mqtt.js PUBLISH packet", mqttPacket, "mqtt", "message.properties.userProperties.traceContext"],
    [
      "an object of no client with headers",
      () => ({ headers: { traceContext: JSON_CARRIER } }),
      "sqs",
      "message.headers.traceContext",
    ],
  ] as const)
    test(`${label}: headersFrom: (message) => ${fix}`, async () => {
      const told = await recordWarnings(() =>
        withBatchProcessSpan([make(), make()], { system, destination: "q" }, (span) => span),
      );
      assert.deepEqual(told.processWarnings, [["TRACEHOP_CARRIER_IN_OTHER_FIELD", batchWarning(fix)]]);
      namesSaidOnce(told.processWarnings[0]![1], fix);
      exporter.reset();
      // That headersFrom links each message.
      const path = fix.split(".").slice(1);
      const links = withBatchProcessSpan(
        [make(), make()],
        {
          system,
          destination: "q",
          headersFrom: (m) => path.reduce<unknown>((v, n) => (v as Record<string, unknown>)[n], m),
        },
        () => 0,
      );
      assert.equal(links, 0);
      // Both messages carry the same context: one link (each creation context is linked once).
      assert.deepEqual(
        exporter.getFinishedSpans()[0]!.links.map((l) => l.context.traceId),
        [TRACE_ID],
      );
    });
});

describe("withBatchProcessSpan of messages of several shapes: the path is the one of the message that held the carrier", () => {
  for (const [label, messages, fix] of [
    [
      "a kafkajs message without one, then an eachMessage payload with one",
      () => [{ ...kafkaMessage(), headers: {} }, eachMessagePayload()],
      "message.message.headers.traceContext",
    ],
    [
      "an eachMessage payload without one, then a kafkajs message with one",
      () => [{ ...eachMessagePayload(), message: { ...kafkaMessage(), headers: {} } }, kafkaMessage()],
      "message.headers.traceContext",
    ],
    [
      "an object of no client without one, then a kafkajs message with one",
      () => [{ headers: {} }, kafkaMessage()],
      "message.headers.traceContext",
    ],
  ] as const)
    test(label, async () => {
      const told = await recordWarnings(() =>
        withBatchProcessSpan(messages() as object[], { system: "kafka", destination: "q" }, () => 0),
      );
      assert.deepEqual(told.processWarnings, [["TRACEHOP_CARRIER_IN_OTHER_FIELD", batchWarning(fix)]]);
    });
});
