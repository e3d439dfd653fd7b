/**
 * tracehop's TextMapSetters (`amqpHeadersSetter`, `kafkaHeadersSetter`) never write a field the message
 * client refuses at send, whatever propagator calls them: `propagation.inject(ctx, headers,
 * amqpHeadersSetter)` with a third-party propagator (or the global composite holding one) used to write
 * any name and value, and the client then failed the business message. Found on the real brokers
 * (RabbitMQ, NATS, Mosquitto):
 * - amqplib throws a RangeError at `sendToQueue` for a field name over 255 BYTES (an AMQP short string;
 *   200 'é' are 200 characters but 400 bytes) and for a headers table over 65 536 bytes;
 * - nats.js throws MAX_PAYLOAD_EXCEEDED at `publish` for headers over `max_payload` (1 MiB);
 * - mqtt.js throws a TypeError for a user property over 65 535 bytes, and Mosquitto drops the connection
 *   (the QoS 1 publish is never acknowledged) for one holding a CR, LF, NUL or U+FFFF.
 */
import { randomBytes } from "node:crypto";
import { beforeEach, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import mqtt from "mqtt";
import { headers as natsHeaders } from "nats";
import { createPropagator } from "../../src/index.js";
import {
  amqpHeadersSetter,
  contextFromAmqpHeaders,
  injectAmqpHeaders,
  injectKafkaHeaders,
  contextFromKafkaHeaders,
  kafkaHeadersSetter,
} from "../../src/messaging/index.js";
import { inSpan } from "./tracing.js";
import { useRabbitMQ } from "./rabbitmq.js";
import { amqpRoundTrip, ExtraFieldsPropagator } from "./left-out-support.js";
import { useNats } from "./nats.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const MQTT_URL = process.env.TRACEHOP_TEST_MQTT_URL ?? "mqtt://127.0.0.1:1883";
const unique = (label: string) => `tracehop-test-${label}-${process.pid}-${randomBytes(4).toString("hex")}`;

/** amqplib's own encoder of a headers table (not exported: loaded by its path), the oracle of the bytes. */
const require = createRequire(import.meta.url);
const { encodeTable } = require(join(dirname(require.resolve("amqplib")), "lib", "codec.js")) as {
  encodeTable(buffer: Buffer, table: unknown, offset: number): number;
};
const amqpTableBytes = (headers: unknown) => encodeTable(Buffer.alloc(1 << 20), headers, 0);

const LONGEST = `x-${"a".repeat(253)}`;
const TOO_LONG = `x-${"b".repeat(254)}`;
/** 200 characters, 400 UTF-8 bytes: over what an AMQP short string holds. */
const ACCENTED = "é".repeat(200);
/** Fields no client sends as they are (each left out), and one it sends (kept). */
const UNSENDABLE: [string, string][] = [
  [LONGEST, "kept"],
  [TOO_LONG, "a name of 256 characters"],
  [ACCENTED, "a name of 400 bytes"],
  ["x-huge", "h".repeat(70_000)],
  ["x-split", "a\r\nx-injected: 1"],
  ["x-nul", "a\u0000b"],
  ["x-nonchar", "a\uffffb"],
];
const LEFT_OUT = UNSENDABLE.slice(1).map(([name]) => name);

beforeEach(() => resetWarnings());

describe("amqpHeadersSetter on the real RabbitMQ: no propagator makes sendToQueue throw", () => {
  const broker = useRabbitMQ();

  const { roundTrip } = amqpRoundTrip(broker, "h4-setter-fields");

  test("names over 255 bytes (200 'é' included), values over 16 KiB or not printable ASCII are left out, and said", async (t) => {
    if (!broker.requireBroker(t)) return;
    await inSpan("producer", async (span) => {
      const headers: Record<string, unknown> = { "x-app": "1" };
      const told = await recordWarnings(() =>
        new ExtraFieldsPropagator(UNSENDABLE).inject(context.active(), headers, amqpHeadersSetter),
      );
      const msg = await roundTrip(t, headers);
      assert.equal(msg.properties.headers!["x-app"], "1");
      assert.equal(msg.properties.headers![LONGEST], "kept");
      for (const name of LEFT_OUT) assert.equal(Object.hasOwn(headers, name), false, name.slice(0, 20));
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
      assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
        `tracehop amqpHeadersSetter: the header "x-${"b".repeat(62)}"… (256 characters) is left out of the message headers, so that the client does not refuse the send: its name is over 255 characters, the most every client takes: an AMQP table's field name is a short string of at most 255 bytes, and amqplib throws at publish past them. The other headers are written, and the trace goes on when they carry it. Make the propagator write shorter fields`,
        'tracehop amqpHeadersSetter: the header "x-huge" is left out of the message headers, so that the client does not refuse the send: its value is over 16384 characters, the most a reader of tracehop reads; an MQTT 5 string holds at most 65 535 bytes, and mqtt.js throws past them; a NATS message, headers included, holds at most the server\'s max_payload. The other headers are written, and the trace goes on when they carry it. Make the propagator write shorter fields',
      ]);
      assert.deepEqual(
        said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT").map((m) => m.slice(0, 75)),
        [
          `tracehop amqpHeadersSetter: the propagator wrote the header "${"\\u00e9".repeat(64)}"… (200 characters), which is not header text (its name is empty or holds a character outside 0x21-0x7E)`.slice(
            0,
            75,
          ),
          'tracehop amqpHeadersSetter: the propagator wrote the header "x-split", which is not header text',
          'tracehop amqpHeadersSetter: the propagator wrote the header "x-nul", which is not header text',
          'tracehop amqpHeadersSetter: the propagator wrote the header "x-nonchar", which is not header text',
        ].map((m) => m.slice(0, 75)),
      );
    });
  });

  test("a name of 200 'é' (200 characters, 400 UTF-8 bytes) alone is left out: a short string counts bytes", async (t) => {
    if (!broker.requireBroker(t)) return;
    await inSpan("producer", async (span) => {
      const headers: Record<string, unknown> = {};
      new ExtraFieldsPropagator([[ACCENTED, "v"]]).inject(context.active(), headers, amqpHeadersSetter);
      const msg = await roundTrip(t, headers);
      assert.equal(Object.hasOwn(msg.properties.headers!, ACCENTED), false);
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
    });
  });

  test("a name left out is quoted escaped in its warning: a bidirectional control or an invisible character is seen, never echoed", async (t) => {
    if (!broker.requireBroker(t)) return;
    await inSpan("producer", async (span) => {
      const headers: Record<string, unknown> = {};
      const reversed = "x-\u202egnp.exe";
      const hidden = "x-vendor\u200b";
      const told = await recordWarnings(() =>
        new ExtraFieldsPropagator([
          [reversed, "1"],
          [hidden, "1"],
        ]).inject(context.active(), headers, amqpHeadersSetter),
      );
      const msg = await roundTrip(t, headers);
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
      const warnings = said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT");
      assert.deepEqual(
        warnings.map((m) => m.slice(0, m.indexOf(", which"))),
        [
          'tracehop amqpHeadersSetter: the propagator wrote the header "x-\\u202egnp.exe"',
          'tracehop amqpHeadersSetter: the propagator wrote the header "x-vendor\\u200b"',
        ],
      );
      for (const warning of warnings) assert.doesNotMatch(warning, /[^\x20-\x7e]/u);
    });
  });

  test("a field that would take the table over amqplib's 65 536 bytes is left out; one that fills it exactly is written", async (t) => {
    if (!broker.requireBroker(t)) return;
    await inSpan("producer", async (span) => {
      // Application headers of every type amqplib encodes, counted as amqplib counts them.
      const app = (): Record<string, unknown> => ({
        "x-state": "s".repeat(50_000),
        "x-accented": "é".repeat(1000),
        "x-count": 70_000,
        "x-small": -3,
        "x-ratio": 2.5,
        "x-flag": true,
        "x-none": null,
        "x-skipped": undefined,
        "x-bytes": Buffer.alloc(300),
        "x-list": ["a", 1, [false, { deep: "é" }]],
        "x-table": { a: "b", n: 40_000, when: { "!": "timestamp", value: 1_700_000_000 } },
        "x-long": 2 ** 40,
      });
      const propagated = app();
      createPropagator().inject(context.active(), propagated, amqpHeadersSetter);
      // The vendor field's value that fills the table to 65 536 bytes exactly: 1 + name + 5 + value.
      const room = 65_536 - amqpTableBytes(propagated) - 1 - "x-vendor".length - 5;
      assert.ok(room > 0 && room < 16_384, `${room}`);

      const fits = app();
      new ExtraFieldsPropagator([["x-vendor", "v".repeat(room)]]).inject(
        context.active(),
        fits,
        amqpHeadersSetter,
      );
      assert.equal(amqpTableBytes(fits), 65_536);
      assert.equal((await roundTrip(t, fits)).properties.headers!["x-vendor"], "v".repeat(room));

      const over = app();
      const told = await recordWarnings(() =>
        new ExtraFieldsPropagator([["x-vendor", "v".repeat(room + 1)]]).inject(
          context.active(),
          over,
          amqpHeadersSetter,
        ),
      );
      const msg = await roundTrip(t, over);
      assert.equal(Object.hasOwn(over, "x-vendor"), false);
      assert.equal(msg.properties.headers!["x-state"], "s".repeat(50_000));
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
      assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
        'tracehop amqpHeadersSetter: the header "x-vendor" is left out of the message headers, so that the client does not refuse the send: with it the headers table would be over 65536 bytes, the most amqplib encodes one into, and amqplib throws at publish past them. The other headers are written, and the trace goes on when they carry it. Keep the application headers smaller, or make the propagator write shorter fields',
      ]);
    });
  });
  test('a typed value inside a typed value ({ "!": "object", value: { "!": "long", ... } }) is counted as the table amqplib sends: sendToQueue does not throw', async (t) => {
    if (!broker.requireBroker(t)) return;
    await inSpan("producer", async (span) => {
      // amqplib encodes the outer type and the inner object as a table of "!" and "value" (24 bytes),
      // not as a long (9): counted as a long, the vendor field below fitted, and publish threw.
      const app = (): Record<string, unknown> => ({
        "x-typed": { "!": "object", value: { "!": "long", value: 1 } },
        "x-state": "s".repeat(50_000),
      });
      const propagated = app();
      createPropagator().inject(context.active(), propagated, amqpHeadersSetter);
      const room = 65_536 - amqpTableBytes(propagated) - 1 - "x-vendor".length - 5;
      const headers = app();
      new ExtraFieldsPropagator([["x-vendor", "v".repeat(room + 1)]]).inject(
        context.active(),
        headers,
        amqpHeadersSetter,
      );
      const msg = await roundTrip(t, headers);
      assert.equal(Object.hasOwn(msg.properties.headers!, "x-vendor"), false);
      assert.deepEqual(msg.properties.headers!["x-typed"], { "!": "long", value: 1 });
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
    });
  });
  test("a field left out for its characters still removes its name in another case: a stale Traceparent of forwarded headers is not sent beside nothing new", async (t) => {
    if (!broker.requireBroker(t)) return;
    const stale = "00-11111111111111111111111111111111-2222222222222222-01";
    // Headers forwarded from a message another client published (a capitalised name), and a propagator
    // whose traceparent holds a CR/LF: left out, the stale context must not stay in its place.
    const headers: Record<string, unknown> = { Traceparent: stale, "x-app": "1" };
    const told = await recordWarnings(() =>
      amqpHeadersSetter.set(headers, "traceparent", "00-split\r\nx-injected: 1"),
    );
    assert.equal(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT").length, 1);
    const msg = await roundTrip(t, headers);
    assert.equal(Object.hasOwn(headers, "Traceparent"), false);
    assert.deepEqual(Object.keys(msg.properties.headers!), ["x-app"]);
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg)), undefined);

    // So too a field left out because the table is full: the forwarded Baggage goes, not only the new one.
    const full: Record<string, unknown> = { Baggage: "tenant=old", "x-state": "s".repeat(65_450) };
    amqpHeadersSetter.set(full, "baggage", `tenant=${"n".repeat(100)}`);
    assert.deepEqual(Object.keys((await roundTrip(t, full)).properties.headers!), ["x-state"]);
  });

  test("a name holding ':' is left out by amqpHeadersSetter, said by the rule it keeps: RabbitMQ takes the name, nats.js does not", async (t) => {
    if (!broker.requireBroker(t)) return;
    const headers: Record<string, unknown> = { "x-app": "1" };
    const told = await recordWarnings(() => amqpHeadersSetter.set(headers, "x-vendor:ctx", "1"));
    assert.deepEqual(headers, { "x-app": "1" });
    // The AMQP table itself takes the name: sent as it is, RabbitMQ delivers it.
    const msg = await roundTrip(t, { ...headers, "x-vendor:ctx": "1" });
    assert.equal(msg.properties.headers!["x-vendor:ctx"], "1");
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
      "tracehop amqpHeadersSetter: the propagator wrote the header \"x-vendor:ctx\", which is not header text (its name holds a ':': an AMQP table takes one, but tracehop writes only names every message client sends, and nats.js throws for a ':' in a NATS header name); it is left out of the message headers so that the client does not refuse the send or split a header",
    ]);
  });

  test("injectAmqpHeaders counts the table as amqpHeadersSetter does: with large application headers, the fields that would overflow it are left out, the propagation headers first kept", async (t) => {
    if (!broker.requireBroker(t)) return;
    await inSpan("producer", async (span) => {
      const app = (fill: number): Record<string, unknown> => ({
        "x-count": 70_000,
        "x-state": "s".repeat(fill),
      });
      // Room for some of the context's fields, not all: the application fills the table to 120 bytes
      // short of what amqplib encodes.
      const propagated = app(0);
      createPropagator().inject(context.active(), propagated, amqpHeadersSetter);
      const contextBytes = amqpTableBytes(propagated) - amqpTableBytes(app(0));
      assert.ok(contextBytes > 120, `${contextBytes}`);
      const fill = 65_536 - 120 - amqpTableBytes(app(0));
      const headers = app(fill);
      const told = await recordWarnings(() => injectAmqpHeaders(headers));
      const msg = await roundTrip(t, headers);
      assert.ok(amqpTableBytes(headers) <= 65_536, `${amqpTableBytes(headers)}`);
      assert.equal(msg.properties.headers!["x-state"], "s".repeat(fill));
      // The fields kept are the propagation headers that fit, in the propagator's order.
      const kept = Object.keys(headers).filter((name) => !name.startsWith("x-state") && name !== "x-count");
      assert.ok(kept.length > 0 && kept.length < Object.keys(propagated).length - 2, kept.join());
      assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
        'tracehop injectAmqpHeaders: the header "' +
          Object.keys(propagated).filter((name) => !(name in headers))[0] +
          '" is left out of the message headers, so that the client does not refuse the send: with it the headers table would be over 65536 bytes, the most amqplib encodes one into, and amqplib throws at publish past them. The other headers are written, and the trace goes on when they carry it. Keep the application headers smaller, or make the propagator write shorter fields',
      ]);
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
    });
  });
  test("a writer's field over both the 16 KiB the writers write in all and the table is said for the 16 KiB: smaller application headers would not let it in", async (t) => {
    if (!broker.requireBroker(t)) return;
    await inSpan("producer", async (span) => {
      // x-vendor-a fits both; x-vendor-b is past the 16 KiB in all and, with x-state, past the table.
      const propagator = new ExtraFieldsPropagator([
        ["x-vendor-a", "a".repeat(9_000)],
        ["x-vendor-b", "b".repeat(9_000)],
      ]);
      const headers: Record<string, unknown> = { "x-state": "s".repeat(50_000) };
      assert.ok(
        amqpTableBytes({ ...headers, "x-vendor-a": "a".repeat(9_000), "x-vendor-b": "b".repeat(9_000) }) >
          65_536,
      );
      const told = await recordWarnings(() => injectAmqpHeaders(headers, { propagator }));
      const msg = await roundTrip(t, headers);
      assert.equal(msg.properties.headers!["x-vendor-a"], "a".repeat(9_000));
      assert.equal(Object.hasOwn(msg.properties.headers!, "x-vendor-b"), false);
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);
      assert.deepEqual(
        said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE").map((m) => m.slice(0, m.indexOf(". The other"))),
        [
          'tracehop injectAmqpHeaders: the header "x-vendor-b" is left out of the message headers, so that the client does not refuse the send: with it the context\'s fields would be over 16384 characters in all, the most tracehop writes into message headers, the propagation headers first; amqplib throws at publish past a 65536-byte headers table, and NATS and Kafka refuse a message over 1 MiB',
        ],
      );
    });
  });
});

describe("kafkaHeadersSetter into NATS MsgHdrs on the real NATS server: publish does not throw", () => {
  const nats = useNats("h4.setter-fields");

  test("a value over the server's max_payload (1 MiB) is left out; the message carries the context", async (t) => {
    if (!nats.requireNats(t)) return;
    await inSpan("producer", async (span) => {
      const h = natsHeaders();
      new ExtraFieldsPropagator([
        ["x-vendor", "v".repeat(nats.connection.info!.max_payload + 1)],
        ["x-kept", "1"],
      ]).inject(context.active(), h, kafkaHeadersSetter);
      const got = await nats.publish(h);
      assert.equal(got["x-vendor"], undefined);
      assert.deepEqual(got["x-kept"], ["1"]);
      assert.equal(got.traceparent?.[0]?.split("-")[2], span.spanContext().spanId);
    });
  });

  test("a name holding ':' (nats.js throws BAD_HEADER in headers().set) is left out and said, as into any headers", async (t) => {
    if (!nats.requireNats(t)) return;
    await inSpan("producer", async (span) => {
      const h = natsHeaders();
      const plain: Record<string, unknown> = {};
      const fields: [string, string][] = [
        ["x-vendor:ctx", "1"],
        ["x-kept", "1"],
      ];
      const told = await recordWarnings(() => {
        new ExtraFieldsPropagator(fields).inject(context.active(), h, kafkaHeadersSetter);
        new ExtraFieldsPropagator(fields).inject(context.active(), plain, amqpHeadersSetter);
      });
      const got = await nats.publish(h);
      assert.equal(got["x-vendor:ctx"], undefined);
      assert.deepEqual(got["x-kept"], ["1"]);
      assert.equal(got.traceparent?.[0]?.split("-")[2], span.spanContext().spanId);
      // The same rule for every client's headers: a plain object (AMQP, Kafka, MQTT 5) leaves it out too.
      assert.equal(Object.hasOwn(plain, "x-vendor:ctx"), false);
      assert.equal(plain["x-kept"], "1");
      assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
        "tracehop kafkaHeadersSetter: the propagator wrote the header \"x-vendor:ctx\", which is not header text (its name holds a ':', and nats.js throws for a ':' in a NATS header name); it is left out of the message headers so that the client does not refuse the send or split a header",
      ]);
    });
  });
  test("a field left out for its characters still removes its name in another case from nats.js headers: a stale Traceparent is not published", async (t) => {
    if (!nats.requireNats(t)) return;
    // nats.js keeps names case-sensitively: the forwarded Traceparent and a new traceparent would be two.
    const h = natsHeaders();
    h.set("Traceparent", "00-11111111111111111111111111111111-2222222222222222-01");
    h.set("x-app", "1");
    kafkaHeadersSetter.set(h, "traceparent", "00-split\r\nx-injected: 1");
    assert.deepEqual(await nats.publish(h), { "x-app": ["1"] });
  });
  test("injectKafkaHeaders leaves out a name holding ':' as kafkaHeadersSetter does: its headers copied into nats.js headers publish", async (t) => {
    if (!nats.requireNats(t)) return;
    await inSpan("producer", async (span) => {
      const propagator = new ExtraFieldsPropagator([
        ["x-vendor:ctx", "1"],
        ["x-kept", "1"],
      ]);
      const told = await recordWarnings(() => injectKafkaHeaders({}, { propagator }));
      const written = told.result as Record<string, string>;
      // A bridge of its own: each header of the plain object set into nats.js headers (throws BAD_HEADER
      // for a ':' in a name).
      const h = natsHeaders();
      for (const [name, value] of Object.entries(written)) h.set(name, value);
      const got = await nats.publish(h);
      assert.equal(Object.hasOwn(written, "x-vendor:ctx"), false);
      assert.deepEqual(got["x-kept"], ["1"]);
      assert.equal(got.traceparent?.[0]?.split("-")[2], span.spanContext().spanId);
      assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
        "tracehop injectKafkaHeaders: the propagator wrote the header \"x-vendor:ctx\", which is not header text (its name holds a ':', and nats.js throws for a ':' in a NATS header name); it is left out of the message headers so that the client does not refuse the send or split a header",
      ]);
    });
  });
});

describe("kafkaHeadersSetter into MQTT 5 user properties on the real Mosquitto: the publish is acknowledged", () => {
  /**
   * Publishes (QoS 1) user properties `fields` wrote after the default styles, through kafkaHeadersSetter,
   * and returns what was delivered; rejects when the broker closed the connection (it refused a property:
   * the publish is never acknowledged) or mqtt.js threw.
   */
  async function publish(
    t: TestContext,
    span: { spanContext(): { spanId: string } },
    fields: [string, string][],
  ) {
    let client: mqtt.MqttClient;
    try {
      client = await context.with(ROOT_CONTEXT, () =>
        mqtt.connectAsync(MQTT_URL, {
          protocolVersion: 5,
          clientId: unique("h1-mqtt"),
          reconnectPeriod: 0,
          connectTimeout: 15_000,
        }),
      );
    } catch (err) {
      t.skip(
        `MQTT broker not reachable at ${MQTT_URL} (${err instanceof Error ? err.message : String(err)})`,
      );
      return undefined;
    }
    t.after(() => client.endAsync(true));
    const topic = `tracehop/test/${unique("h1-mqtt")}`;
    const delivered = new Promise<Record<string, unknown>>((resolve) => {
      client.on("message", (received, _payload, packet) => {
        if (received === topic) resolve({ ...packet.properties?.userProperties });
      });
    });
    await client.subscribeAsync(topic, { qos: 1 });
    const closed = new Promise<never>((_, reject) =>
      client.once("close", () => reject(new Error("the broker closed the connection"))),
    );
    closed.catch(() => {}); // awaited through the races below; the connection closes at the end too
    const userProperties: Record<string, string> = { "x-app": "1" };
    new ExtraFieldsPropagator(fields).inject(context.active(), userProperties, kafkaHeadersSetter);
    await Promise.race([
      client.publishAsync(topic, "order 1", { qos: 1, properties: { userProperties } }),
      closed,
    ]);
    const got = await Promise.race([delivered, closed]);
    assert.equal(got["x-app"], "1");
    const restored = contextFromKafkaHeaders(got as Record<string, string>);
    assert.equal(trace.getSpanContext(restored)?.spanId, span.spanContext().spanId);
    return { got, userProperties };
  }

  test("control characters, U+FFFF and values over 16 KiB are left out; the context is delivered", async (t) => {
    await inSpan("producer", async (span) => {
      const sent = await publish(t, span, UNSENDABLE);
      if (!sent) return;
      assert.equal(sent.got[LONGEST], "kept");
      for (const name of LEFT_OUT)
        assert.equal(Object.hasOwn(sent.userProperties, name), false, name.slice(0, 20));
    });
  });

  test("a CR/LF value alone (Mosquitto drops the connection for it) is left out", async (t) => {
    await inSpan("producer", async (span) => {
      const sent = await publish(t, span, [
        ["x-split", "a\r\nb"],
        ["x-kept", "1"],
      ]);
      if (!sent) return;
      assert.equal(sent.got["x-kept"], "1");
      assert.equal(Object.hasOwn(sent.got, "x-split"), false);
    });
  });
});
