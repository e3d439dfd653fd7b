/**
 * The name of the header that holds a whole carrier (`TRACEHOP_CARRIER_IN_OTHER_FIELD`) comes from the
 * message: a producer chose it. A bidirectional override (U+202E) or a line separator (U+2028) in it is
 * shown escaped (`\u202e`) in the warning and in the fix it gives, never written into the log as is, by
 * the rule every other echoed name follows (printable ASCII alone); the fix stays code to copy. The
 * message comes from the real RabbitMQ broker (skipped with the reason when it is not reachable).
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { withProcessSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { uniqueQueue, useRabbitMQ } from "./rabbitmq.js";
import { exporter } from "./tracing.js";

const CARRIER = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
const NAME = "tr\u202eace\u2028x";

beforeEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  exporter.reset();
  resetWarnings();
});

describe("a carrier in a header whose name holds characters outside printable ASCII", () => {
  const broker = useRabbitMQ();

  test("amqplib headers, as delivered and copied into a Map: the header's name and the fix shown escaped", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = `r1-${uniqueQueue("escaped-name")}`;
    broker.deleteAfter(t, queue);
    await broker.channel.assertQueue(queue);
    broker.channel.sendToQueue(queue, Buffer.from("{}"), { headers: { [NAME]: JSON.stringify(CARRIER) } });
    await broker.channel.waitForConfirms();
    const message = await broker.channel.get(queue, { noAck: true });
    assert.ok(message, "message delivered");
    const headers = message.properties.headers ?? {};
    assert.deepEqual(Object.keys(headers), [NAME], "RabbitMQ delivers the name as sent");
    const rabbit = { system: "rabbitmq", destination: queue } as const;

    const plain = await recordWarnings(() => withProcessSpan(headers, rabbit, () => "handled"));
    assert.equal(plain.result, "handled");
    assert.deepEqual(plain.diagWarnings, [
      "tracehop withProcessSpan: a carrier it was handed held no trace context, but its field " +
        '"tr\\u202eace\\u2028x" holds a trace carrier, which was not read: the stored context was not restored. ' +
        'Pass that field: withProcessSpan(message["tr\\u202eace\\u2028x"], ...).',
    ]);

    resetWarnings();
    const map = await recordWarnings(() =>
      withProcessSpan(new Map(Object.entries(headers)), rabbit, () => "handled"),
    );
    assert.deepEqual(map.diagWarnings, [
      "tracehop withProcessSpan: a carrier it was handed held no trace context, but its entry " +
        '"tr\\u202eace\\u2028x" holds a trace carrier, which was not read: the stored context was not restored. ' +
        'Pass that entry: withProcessSpan(message.get("tr\\u202eace\\u2028x"), ...).',
    ]);
    for (const said of [...plain.diagWarnings, ...map.diagWarnings, ...plain.processWarnings.flat()])
      assert.match(said, /^[\x20-\x7e]*$/, "printable ASCII alone");
  });
});
