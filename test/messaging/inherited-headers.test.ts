/**
 * Headers whose prototype chain holds enumerable propagation fields: amqplib decodes an AMQP table header
 * named `__proto__` by assignment, so the consumed headers object's prototype is that table, and amqplib
 * encodes with `for…in`, which lists inherited fields too. The writers must not let an inherited stale
 * context through beside the new one (docs/messaging.md, "Writing headers"), and such a data-only
 * prototype is no class instance (no TRACEHOP_HEADERS_AS_PROPERTIES: docs/warnings.md). Against the real
 * RabbitMQ broker too (skipped with a clear message when it is not reachable).
 */
import { beforeEach, describe, test } from "node:test";
import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import {
  contextFromAmqpHeaders,
  injectAmqpHeaders,
  injectKafkaHeaders,
  removePropagationHeaders,
  withSendSpan,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import { isPropagationHeaderName } from "../../src/propagation/header-names.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { uniqueQueue, useRabbitMQ } from "./rabbitmq.js";
import { exporter, inSpan, traceparentOf } from "./tracing.js";

const broker = useRabbitMQ();
beforeEach(async () => {
  // Warnings of the previous test are emitted on a later tick: let them go before recording.
  await new Promise((resolve) => setImmediate(resolve));
  exporter.reset();
  resetWarnings();
});

/** A stale context's fields, in several spellings, as an inherited table holds them. */
const STALE = {
  Tracestate: "dd=s:2;o:synthetics",
  "X-Datadog-Origin": "synthetics",
  b3: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",
  "ot-baggage-user": "stale",
  "x-datadog-tags": "_dd.p.tid=640cfd8d00000000",
};

/** Headers shapes whose prototype chain holds `STALE` (own field `app: "1"`). */
const SHAPES: Record<string, () => Record<string, unknown>> = {
  "a __proto__ table, as amqplib decodes it": () => {
    const headers: Record<string, unknown> = { app: "1" };
    // amqplib's decodeFields: fields[key] = value, with key "__proto__".
    (headers as { __proto__: unknown }).__proto__ = { ...STALE };
    return headers;
  },
  "two levels down": () => Object.assign(Object.create(Object.create({ ...STALE })) as object, { app: "1" }),
  "a null-prototype table": () =>
    Object.assign(Object.create(Object.assign(Object.create(null) as object, STALE)) as object, { app: "1" }),
};

/** The names `for…in` lists (what amqplib encodes). */
function forInNames(headers: object): string[] {
  const names: string[] = [];
  for (const name in headers) names.push(name);
  return names;
}

/** Asserts that `headers` lists no stale field: each propagation name it lists, lower case, with a new value. */
function assertNoInheritedStale(headers: object, label: string): void {
  for (const name of forInNames(headers)) {
    if (!isPropagationHeaderName(name.toLowerCase())) continue;
    assert.ok(Object.hasOwn(headers, name), `${label}: inherited ${name} listed`);
    assert.equal(name, name.toLowerCase(), `${label}: ${name}`);
    assert.notEqual(
      (headers as Record<string, unknown>)[name],
      (STALE as Record<string, string>)[name],
      label,
    );
  }
  assert.equal((headers as Record<string, unknown>).app, "1", `${label}: application header kept`);
}

describe("headers whose prototype chain holds propagation fields", () => {
  for (const [shape, make] of Object.entries(SHAPES)) {
    test(`${shape}: every writer returns headers that list no inherited stale field`, async () => {
      await inSpan("send", async (span) => {
        const writers: [string, (h: Record<string, unknown>) => object][] = [
          ["injectAmqpHeaders", (h) => injectAmqpHeaders(h)],
          ["injectKafkaHeaders", (h) => injectKafkaHeaders(h as never)],
          [
            "writeCarrierToHeaders",
            (h) => writeCarrierToHeaders(h, { traceparent: traceparentOf(span.spanContext()) }),
          ],
        ];
        for (const [name, write] of writers) {
          const written = write(make());
          assertNoInheritedStale(written, `${shape}, ${name}`);
          assert.ok(Object.hasOwn(written, "traceparent"), `${shape}, ${name}: context written`);
        }
        let handed: object | undefined;
        await withSendSpan({ system: "rabbitmq", destination: "q", headers: make() }, (headers) => {
          handed = headers;
        });
        assertNoInheritedStale(handed!, `${shape}, withSendSpan`);
      });
    });

    test(`${shape}: removePropagationHeaders says the inherited fields are not gone`, () => {
      assert.equal(removePropagationHeaders(make()), false);
    });
  }

  test("a plain object and a null-prototype object are still written in place", async () => {
    await inSpan("send", () => {
      const plain = { app: "1", tracestate: "old=1" };
      assert.equal(injectAmqpHeaders(plain), plain);
      assert.equal(plain.tracestate, undefined);
      const bare = Object.assign(Object.create(null) as Record<string, unknown>, { app: "1" });
      assert.equal(injectAmqpHeaders(bare), bare);
    });
  });
});

describe("TRACEHOP_HEADERS_AS_PROPERTIES: class instances only", () => {
  const quiet: Record<string, () => object> = {
    "a null-prototype object": () => Object.assign(Object.create(null) as object, { app: "1" }),
    "an object whose prototype is a plain data object": () =>
      Object.assign(Object.create({ inherited: "x" }) as object, { app: "1" }),
    "an object whose prototype is a null-prototype data object": () =>
      Object.assign(Object.create(Object.assign(Object.create(null) as object, { x: "1" })) as object, {
        app: "1",
      }),
    "amqplib's __proto__ table": () => SHAPES["a __proto__ table, as amqplib decodes it"]!(),
  };
  for (const [label, make] of Object.entries(quiet))
    test(`${label}: nothing said`, async () => {
      const { processWarnings, diagWarnings } = await recordWarnings(() =>
        inSpan("send", () => injectAmqpHeaders(make() as Record<string, unknown>)),
      );
      assert.deepEqual(processWarnings, []);
      assert.deepEqual(diagWarnings, []);
    });

  const told: Record<string, () => object> = {
    "an instance of a class with methods": () =>
      Object.assign(
        new (class Envelope {
          size() {
            return 1;
          }
        })(),
        { app: "1" },
      ),
    "an instance of an empty class": () => Object.assign(new (class Headers2 {})(), { app: "1" }),
    "an instance of a constructor function": () => {
      function Legacy(this: Record<string, unknown>) {
        this.app = "1";
      }
      return new (Legacy as unknown as new () => object)();
    },
    "an object whose prototype is a class instance": () =>
      Object.assign(Object.create(new (class Base {})()) as object, { app: "1" }),
  };
  for (const [label, make] of Object.entries(told))
    test(`${label}: said once`, async () => {
      const { processWarnings } = await recordWarnings(() =>
        inSpan("send", () => injectAmqpHeaders(make() as Record<string, unknown>)),
      );
      assert.deepEqual(
        processWarnings.map(([code]) => code),
        ["TRACEHOP_HEADERS_AS_PROPERTIES"],
      );
    });
});

describe("forwarding consumed headers with a __proto__ table, against RabbitMQ", () => {
  test("the forwarded message carries the new context alone, nothing said", async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("proto-forward"), { exclusive: true });
    const hostile = JSON.parse(
      `{"app":"1","__proto__":{"tracestate":"dd=s:2;o:synthetics","x-datadog-origin":"synthetics","b3":"${STALE.b3}","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}`,
    ) as Record<string, unknown>;
    broker.channel.sendToQueue(queue, Buffer.from("p"), { headers: hostile });
    await broker.channel.waitForConfirms();
    const consumed = await broker.channel.get(queue, { noAck: true });
    assert.ok(consumed);
    const consumedHeaders = consumed.properties.headers as Record<string, unknown>;
    assert.deepEqual(Object.keys(consumedHeaders), ["app"]);
    assert.equal(consumedHeaders.tracestate, "dd=s:2;o:synthetics", "amqplib made the table the prototype");
    const { processWarnings } = await recordWarnings(() =>
      inSpan("forward", () =>
        withSendSpan(
          { system: "rabbitmq", destination: queue, headers: consumedHeaders },
          async (headers) => {
            broker.channel.sendToQueue(queue, Buffer.from("f"), { headers });
            await broker.channel.waitForConfirms();
          },
        ),
      ),
    );
    assert.deepEqual(processWarnings, []);
    const forwarded = await broker.channel.get(queue, { noAck: true });
    assert.ok(forwarded);
    const sent = exporter.getFinishedSpans().find((s) => s.name === `publish ${queue}`)!;
    const headers = forwarded.properties.headers!;
    assert.equal(headers.traceparent, traceparentOf(sent.spanContext()));
    assert.equal(headers.app, "1");
    for (const name of ["tracestate", "x-datadog-origin", "b3"])
      assert.equal(Object.hasOwn(headers, name), false, `${name} forwarded`);
    assert.deepEqual(Object.keys(headers).sort(), [
      "app",
      "traceparent",
      "x-datadog-parent-id",
      "x-datadog-sampling-priority",
      "x-datadog-tags",
      "x-datadog-trace-id",
    ]);
  });

  test("a redrive with withSendSpan leaves the consumed headers as they were; the consumer restores the new send's trace", async (t) => {
    if (!broker.requireBroker(t)) return;
    const queue = `f5-redrive-${process.pid}-${randomBytes(4).toString("hex")}`;
    broker.deleteAfter(t, queue);
    await broker.channel.assertQueue(queue);
    const staleTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const consumedBefore = JSON.parse(
      `{"Traceparent":"00-11111111111111111111111111111111-2222222222222222-01",` +
        `"x-datadog-tags":"_dd.p.tid=640cfd8d00000000","x-app":"a",` +
        `"__proto__":{"traceparent":"${staleTraceparent}","x-tenant":"t-1"}}`,
    ) as Record<string, unknown>;
    broker.channel.sendToQueue(queue, Buffer.from("first"), { headers: consumedBefore });
    await broker.channel.waitForConfirms();
    const consumed = await broker.channel.get(queue, { noAck: true });
    assert.ok(consumed);
    const original = consumed.properties.headers as Record<string, unknown>;
    const table = Object.getPrototypeOf(original) as Record<string, unknown>;
    const ownBefore = Object.entries(original);
    assert.deepEqual(
      ownBefore.map(([name]) => name),
      ["Traceparent", "x-datadog-tags", "x-app"],
    );
    assert.deepEqual(Object.entries(table), [
      ["traceparent", staleTraceparent],
      ["x-tenant", "t-1"],
    ]);

    await inSpan("redrive", () =>
      withSendSpan({ system: "rabbitmq", destination: queue, headers: original }, async (headers) => {
        broker.channel.sendToQueue(queue, Buffer.from("redriven"), { headers });
        await broker.channel.waitForConfirms();
      }),
    );
    assert.deepEqual(Object.entries(original), ownBefore, "the original headers keep their own fields");
    assert.equal(Object.getPrototypeOf(original), table);
    assert.deepEqual(Object.entries(table), [
      ["traceparent", staleTraceparent],
      ["x-tenant", "t-1"],
    ]);

    const redriven = await broker.channel.get(queue, { noAck: true });
    assert.ok(redriven);
    const headers = redriven.properties.headers as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(headers), Object.prototype, "no __proto__ table sent on");
    assert.equal(headers["x-app"], "a");
    assert.equal(headers["x-tenant"], "t-1", "the inherited application header is sent on");
    assert.equal(Object.hasOwn(headers, "Traceparent"), false);
    const send = exporter.getFinishedSpans().find((s) => s.name === `publish ${queue}`)!;
    const restored = trace.getSpanContext(contextFromAmqpHeaders(headers));
    assert.equal(restored?.traceId, send.spanContext().traceId, "the consumer restores the new send's trace");
    assert.equal(restored?.spanId, send.spanContext().spanId);
    assert.equal(headers.traceparent, traceparentOf(send.spanContext()));
  });
});
