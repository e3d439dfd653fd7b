/**
 * tracehop/messaging through the real NATS server (core NATS and JetStream; 127.0.0.1:4222, or
 * TRACEHOP_TEST_NATS_URL) and Mosquitto (MQTT 5 user properties; 127.0.0.1:1883, or
 * TRACEHOP_TEST_MQTT_URL): the client's own header object handed to withSendSpan, the delivered headers
 * to withProcessSpan, one trace, the process span a child of the send span, and the Datadog decimal
 * trace id beyond 2^53 intact on the wire. Each test skips with a message naming the server when it is
 * not there. The connections are opened outside any span (docs/messaging.md).
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { after, before, beforeEach, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { context, ROOT_CONTEXT, SpanKind, trace, type TextMapPropagator } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import mqtt from "mqtt";
import { headers as natsHeaders, type JetStreamClient, type Msg } from "nats";
import { CompositePropagator, suppressTracing } from "@opentelemetry/core";
import { contextFromCarrier, withCarrier } from "../../src/index.js";
import { withBatchProcessSpan, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { NATS_URL, useNats } from "./nats.js";
import { HANG_GUARD_MS, within } from "../examples/tcp-servers.js";
import {
  datadogSpanId,
  datadogTraceId,
  exporter,
  STORED_BEYOND_2_53 as STORED,
  STORED_TRACE_ID as TRACE_ID,
} from "./tracing.js";

const MQTT_URL = process.env.TRACEHOP_TEST_MQTT_URL ?? "mqtt://127.0.0.1:1883";

/** A subject or topic part no other run uses. */
const unique = (label: string) => `tracehop-test-${label}-${process.pid}-${randomBytes(4).toString("hex")}`;

beforeEach(() => exporter.reset());

/** The one finished span of `kind`; fails when there are none or several. */
function onlySpanOfKind(kind: SpanKind): ReadableSpan {
  const found = exporter.getFinishedSpans().filter((s) => s.kind === kind);
  assert.equal(found.length, 1, `one span of kind ${SpanKind[kind]}: ${found.map((s) => s.name)}`);
  return found[0]!;
}

/**
 * One trace from the stored row to the consumer: the send span a child of the relay span (itself a
 * child of the row's span), the process span a child of the send span; the Datadog ids on the wire as
 * delivered (`delivered`: header name -> value) decimal and exact.
 */
function assertOneTrace(delivered: Record<string, string | undefined>): void {
  const send = onlySpanOfKind(SpanKind.PRODUCER);
  const processSpan = onlySpanOfKind(SpanKind.CONSUMER);
  assert.equal(send.spanContext().traceId, TRACE_ID);
  assert.equal(processSpan.spanContext().traceId, TRACE_ID);
  assert.equal(
    processSpan.parentSpanContext?.spanId,
    send.spanContext().spanId,
    "process is the send's child",
  );
  assert.equal(delivered["x-datadog-trace-id"], datadogTraceId(TRACE_ID));
  assert.ok(BigInt(delivered["x-datadog-trace-id"]!) > 2n ** 53n, "an id a JS number would round");
  assert.equal(delivered["x-datadog-parent-id"], datadogSpanId(send.spanContext().spanId));
  assert.equal(delivered.traceparent, `00-${TRACE_ID}-${send.spanContext().spanId}-01`);
}

describe("NATS", () => {
  const server = useNats();
  const requireServer = (t: TestContext): boolean => server.requireNats(t);

  test("core NATS: headers() to withSendSpan, msg.headers to withProcessSpan", async (t) => {
    await natsRoundTrip(t, (msg) => msg.headers);
  });

  test("core NATS: the whole message to withProcessSpan is read through its headers", async (t) => {
    await natsRoundTrip(t, (msg) => msg);
  });

  test('withBatchProcessSpan under system "kafka" whose headersFrom returns the whole nats.js message: processed without a link, said once naming headersFrom and the system; the fix links it', async (t) => {
    if (!requireServer(t)) return;
    const nc = server.connection;
    const subject = unique("batch-whole").replaceAll("-", ".");
    const received: Msg[] = [];
    const delivered = new Promise<void>((resolve) => {
      nc.subscribe(subject, {
        max: 2,
        callback: (_err, msg) => {
          received.push(msg);
          if (received.length === 2) resolve();
        },
      });
    });
    await nc.flush();
    for (let i = 0; i < 2; i++)
      withCarrier(STORED, "relay", () =>
        withSendSpan({ system: "nats", destination: subject, headers: natsHeaders() }, (headers) =>
          nc.publish(subject, `order ${i}`, { headers }),
        ),
      );
    await delivered;
    exporter.reset();
    resetWarnings();
    // As delivered: nats.js parses the header block only when msg.headers is first read.
    const kafka = { system: "kafka", destination: subject, headersFrom: (m: Msg) => m } as const;
    const told = await recordWarnings(() => [
      withBatchProcessSpan([received[0]!], kafka, () => "handled"),
      withBatchProcessSpan([received[1]!], { ...kafka, operationName: "again" }, () => "handled"),
    ]);
    assert.deepEqual(told.result, ["handled", "handled"], "each batch is processed");
    const said =
      'tracehop withBatchProcessSpan: its headersFrom returned a nats.js message under system "kafka", which ' +
      "reads only a kafkajs message or headers: the trace carrier in its headers was not read, and the stored " +
      'context was not restored. Give its system, system: "nats", or return its headers from your headersFrom: ' +
      "withBatchProcessSpan(messages, { ..., headersFrom: (message) => <what it returns now>.headers }).";
    assert.deepEqual(told.processWarnings, [["TRACEHOP_CARRIER_IN_OTHER_FIELD", said]]);
    assert.deepEqual(told.diagWarnings, [said]);
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.links.length),
      [0, 0],
    );
    // Either fix the warning gives links each message's send span, without a word.
    exporter.reset();
    resetWarnings();
    const fixed = await recordWarnings(() => {
      withBatchProcessSpan(
        received,
        { ...kafka, operationName: "headers", headersFrom: (m) => m.headers },
        () => 0,
      );
      withBatchProcessSpan(
        received,
        { system: "nats", destination: subject, headersFrom: (m) => m },
        () => 0,
      );
    });
    assert.deepEqual(fixed.processWarnings, []);
    for (const span of exporter.getFinishedSpans())
      assert.deepEqual(
        span.links.map((l) => l.context.traceId),
        [TRACE_ID, TRACE_ID],
        span.name,
      );
  });

  /** Publishes in a send span, processes what `handed` gives of the delivered message. */
  async function natsRoundTrip(t: TestContext, handed: (msg: Msg) => unknown): Promise<void> {
    if (!requireServer(t)) return;
    const nc = server.connection;
    const subject = unique("core").replaceAll("-", ".");
    const delivered = new Promise<Record<string, string | undefined>>((resolve) => {
      nc.subscribe(subject, {
        max: 1,
        callback: (_err, msg) => {
          withProcessSpan(handed(msg), { system: "nats", destination: subject }, () => {});
          resolve(Object.fromEntries(Object.keys(STORED).map((name) => [name, msg.headers?.get(name)])));
        },
      });
    });
    await nc.flush();
    withCarrier(STORED, "relay", () =>
      withSendSpan({ system: "nats", destination: subject, headers: natsHeaders() }, (headers) =>
        nc.publish(subject, "order 1", { headers }),
      ),
    );
    assertOneTrace(await delivered);
  }

  /**
   * Runs `fn` with the connection's JetStream client and a new stream (a unique name with `label`, one
   * subject `<stream>.orders`), and deletes the stream after; skips `t` with a message naming the server when JetStream is off.
   */
  async function withStream(
    t: TestContext,
    label: string,
    fn: (js: JetStreamClient, stream: string, subject: string) => Promise<void>,
  ): Promise<void> {
    if (!requireServer(t)) return;
    const nc = server.connection;
    const stream = unique(label).replaceAll("-", "_");
    const subject = `${stream}.orders`;
    let jsm;
    try {
      // The hang guard: a slow answer of a JetStream server is no missing JetStream (a skip).
      jsm = await nc.jetstreamManager({ timeout: HANG_GUARD_MS });
      await jsm.streams.add({ name: stream, subjects: [subject] });
    } catch (err) {
      t.skip(
        `JetStream not enabled on the NATS server at ${NATS_URL} (${String(err)}): start nats-server with -js`,
      );
      return;
    }
    try {
      await fn(nc.jetstream(), stream, subject);
    } finally {
      await jsm.streams.delete(stream);
    }
  }

  test("JetStream: capturedAt from timestampNanos, attempt from redeliveryCount", async (t) => {
    await withStream(t, "js", async (js, stream, subject) => {
      await withCarrier(STORED, "relay", () =>
        withSendSpan({ system: "nats", destination: subject, headers: natsHeaders() }, (headers) =>
          js.publish(subject, "order 1", { headers }),
        ),
      );
      const consumer = await js.consumers.get(stream);
      const m = await consumer.next({ expires: 5000 });
      assert.ok(m, "the message is delivered");
      withProcessSpan(
        m.headers,
        {
          system: "nats",
          destination: subject,
          capturedAt: m.info.timestampNanos / 1e6,
          attempt: m.info.redeliveryCount,
        },
        () => {},
      );
      m.ack();
      assertOneTrace(Object.fromEntries(Object.keys(STORED).map((name) => [name, m.headers?.get(name)])));
      const processSpan = onlySpanOfKind(SpanKind.CONSUMER);
      assert.equal(processSpan.attributes["tracehop.attempt"], 1);
      const wait = processSpan.attributes["tracehop.queue.wait"];
      assert.ok(typeof wait === "number" && wait >= 0 && wait < 60_000, `queue wait ${wait} ms`);
    });
  });

  test("the whole message: messaging.message.id is its Nats-Msg-Id (core NATS); a message without one has none", async (t) => {
    if (!requireServer(t)) return;
    const nc = server.connection;
    const subject = unique("msgid").replaceAll("-", ".");
    const sub = nc.subscribe(subject, {
      max: 2,
      callback: (_err, msg) => {
        withProcessSpan(msg, { system: "nats", destination: subject }, () => {});
      },
    });
    const withId = natsHeaders();
    withId.set("Nats-Msg-Id", "order-1");
    nc.publish(subject, "order 1", { headers: withId });
    nc.publish(subject, "order 2", { headers: natsHeaders() });
    await sub.closed;
    const ids = exporter
      .getFinishedSpans()
      .filter((s) => s.kind === SpanKind.CONSUMER)
      .map((s) => s.attributes["messaging.message.id"]);
    assert.deepEqual(ids, ["order-1", undefined]);
  });

  test("repeated headers (MsgHdrs.append): two different traceparents restart the trace as over HTTP, two identical ones are one", async (t) => {
    // W3C trace-context test/test.py `test_traceparent_duplicated` (two fields, two trace ids: a new
    // trace); traceparent is no list (§3.2), so its fields cannot be combined (RFC 9110 §5.3).
    // docs/conformance.md, "Repeated traceparent fields". The same through a plain carrier's array.
    if (!requireServer(t)) return;
    const nc = server.connection;
    const subject = unique("repeated").replaceAll("-", ".");
    const parent = (spanId: string) => `00-${TRACE_ID}-${spanId}-01`;
    const sent: [string[], string | undefined][] = [
      [[parent("1111111111111111"), parent("2222222222222222")], undefined],
      [[parent("1111111111111111"), parent("1111111111111111")], "1111111111111111"],
      [[parent("1111111111111111")], "1111111111111111"],
    ];
    const delivered: Msg[] = [];
    const sub = nc.subscribe(subject, { max: sent.length, callback: (_err, msg) => delivered.push(msg) });
    for (const [values] of sent) {
      const headers = natsHeaders();
      for (const value of values) headers.append("traceparent", value);
      nc.publish(subject, "job", { headers });
    }
    await sub.closed;
    assert.equal(delivered.length, sent.length);
    delivered.forEach((msg, i) => {
      const [values, parentSpanId] = sent[i]!;
      assert.deepEqual(msg.headers?.values("traceparent"), values, "delivered as sent");
      exporter.reset();
      withProcessSpan(msg, { system: "nats", destination: subject }, () => {});
      const processSpan = onlySpanOfKind(SpanKind.CONSUMER);
      assert.equal(processSpan.parentSpanContext?.spanId, parentSpanId, values.join(" | "));
      assert.equal(
        trace.getSpanContext(contextFromCarrier({ traceparent: values }))?.spanId,
        parentSpanId,
        "a stored carrier's array reads the same",
      );
    });
  });

  test("JetStream: a repeated Nats-Msg-Id is read as its first value, the id the server deduplicates by", async (t) => {
    // nats-server reads the first Nats-Msg-Id field (checked here against the server: a later message
    // with the first value alone is a duplicate, one with the second is not); messaging.message.id is
    // that value.
    await withStream(t, "msgid-repeated", async (js, stream, subject) => {
      const both = natsHeaders();
      both.append("Nats-Msg-Id", "order-1");
      both.append("Nats-Msg-Id", "order-2");
      const first = await js.publish(subject, "order", { headers: both });
      assert.equal(first.duplicate, false);
      assert.equal((await js.publish(subject, "again", { msgID: "order-1" })).duplicate, true);
      assert.equal((await js.publish(subject, "other", { msgID: "order-2" })).duplicate, false);
      const consumer = await js.consumers.get(stream);
      const m = await consumer.next({ expires: 5000 });
      assert.ok(m, "the message is delivered");
      assert.deepEqual(m.headers?.values("Nats-Msg-Id"), ["order-1", "order-2"]);
      withProcessSpan(m, { system: "nats", destination: subject }, () => {});
      m.ack();
      assert.equal(onlySpanOfKind(SpanKind.CONSUMER).attributes["messaging.message.id"], "order-1");
    });
  });

  test("JetStream: the whole JsMsg gives messaging.message.id from the msgID it was published with (Nats-Msg-Id)", async (t) => {
    await withStream(t, "msgid", async (js, stream, subject) => {
      const ack = await js.publish(subject, "order 1", { msgID: "order-1" });
      const consumer = await js.consumers.get(stream);
      const m = await consumer.next({ expires: 5000 });
      assert.ok(m, "the message is delivered");
      assert.equal(m.info.streamSequence, ack.seq);
      withProcessSpan(m, { system: "nats", destination: subject }, () => {});
      m.ack();
      const processSpan = onlySpanOfKind(SpanKind.CONSUMER);
      assert.equal(processSpan.attributes["messaging.message.id"], "order-1");
    });
  });
});

/**
 * Publishes `messages` (each a header block and a payload, as raw text) to `subject` with the NATS
 * protocol's own HPUB over a plain TCP connection to the server, as a producer that is not a NATS
 * client (a bridge, a hand-written gateway) may: the server forwards the block as it was written
 * (nats-server does not parse it), so a block nats.js cannot parse reaches its subscriber. Resolves
 * once the server has answered a PING after them (it has routed them).
 */
async function publishRaw(subject: string, messages: { block: string; payload: string }[]): Promise<void> {
  const [host, port] = NATS_URL.replace(/^nats:\/\//, "").split(":");
  const socket = net.connect(Number(port ?? 4222), host ?? "127.0.0.1");
  try {
    let received = "";
    const answered = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received.includes(text)) resolve();
          else if (received.includes("-ERR")) reject(new Error(`NATS server: ${received.trim()}`));
          else socket.once("data", (data: Buffer) => ((received += data.toString("latin1")), check()));
        };
        socket.once("error", reject);
        check();
      });
    await answered("INFO ");
    let out = 'CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n';
    for (const { block, payload } of messages) {
      const headerBytes = Buffer.byteLength(block);
      out += `HPUB ${subject} ${headerBytes} ${headerBytes + Buffer.byteLength(payload)}\r\n${block}${payload}\r\n`;
    }
    socket.write(`${out}PING\r\n`);
    await answered("PONG");
  } finally {
    socket.destroy();
  }
}

describe("NATS: a header block nats.js cannot parse", () => {
  const server = useNats();

  /** A traceparent beside a header name nats.js refuses (a space in it): its MsgHdrs.decode throws. */
  const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
  const BAD_BLOCKS = [
    `NATS/1.0\r\nx-order id: 7\r\ntraceparent: ${TRACEPARENT}\r\n\r\n`,
    `NATS/1.0\r\ntraceparent: ${TRACEPARENT}\r\n\u00e9tat: 1\r\n\r\n`,
  ];

  /** The messages of `blocks`, published raw to a new subject, as the subscriber receives them. */
  async function deliveredRaw(t: TestContext, blocks: string[]): Promise<Msg[] | undefined> {
    if (!server.requireNats(t)) return undefined;
    const nc = server.connection;
    const subject = unique("malformed").replaceAll("-", ".");
    const delivered: Msg[] = [];
    const sub = nc.subscribe(subject, { max: blocks.length, callback: (_err, msg) => delivered.push(msg) });
    await nc.flush();
    await publishRaw(
      subject,
      blocks.map((block, i) => ({ block, payload: `order ${i}` })),
    );
    await sub.closed;
    return delivered;
  }

  test("withProcessSpan(msg): processed without its trace, said once (TRACEHOP_MESSAGE_HEADERS_UNREADABLE), never thrown", async (t) => {
    const delivered = await deliveredRaw(t, BAD_BLOCKS);
    if (delivered === undefined) return;
    assert.equal(delivered.length, 2);
    // The fault is nats.js's own: its msg.headers getter throws on these blocks.
    for (const msg of delivered) assert.throws(() => msg.headers, /not a valid character for a header key/);
    resetWarnings();
    const told = await recordWarnings(() =>
      delivered.map((msg) =>
        withProcessSpan(msg, { system: "nats", destination: msg.subject }, () => "handled"),
      ),
    );
    assert.deepEqual(told.result, ["handled", "handled"], "each message is processed");
    const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
    assert.equal(spans.length, 2);
    for (const span of spans) {
      assert.notEqual(span.spanContext().traceId, TRACE_ID, "the header block's trace is not restored");
      assert.equal(span.parentSpanContext, undefined, "a new trace");
    }
    const codes = told.processWarnings.map(([code]) => code);
    assert.deepEqual(codes, ["TRACEHOP_MESSAGE_HEADERS_UNREADABLE"], "said once for both messages");
    const [, message] = told.processWarnings[0]!;
    assert.match(message, /^tracehop withProcessSpan: the headers of a nats\.js message could not be read/);
    assert.match(
      message,
      /: message\.headers threw "NatsError: ' ' is not a valid character for a header key"\. /,
    );
    assert.match(message, /processed without its trace context/);
    assert.match(message, /producer/);
    assert.ok(told.diagWarnings.includes(message), "and as a diag.warn");
    resetWarnings();
  });

  test("withBatchProcessSpan(msgs): the message adds no link, said once; a well-formed one beside it is linked", async (t) => {
    const good = `NATS/1.0\r\ntraceparent: ${TRACEPARENT}\r\n\r\n`;
    const delivered = await deliveredRaw(t, [BAD_BLOCKS[0]!, good]);
    if (delivered === undefined) return;
    resetWarnings();
    const told = await recordWarnings(() =>
      withBatchProcessSpan(delivered, { system: "nats", destination: "orders" }, () => "batch"),
    );
    assert.equal(told.result, "batch");
    const batch = onlySpanOfKind(SpanKind.CONSUMER);
    assert.deepEqual(
      batch.links.map((link) => link.context.traceId),
      [TRACE_ID],
      "the well-formed message's context is linked",
    );
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [code, message.slice(0, message.indexOf(" could"))]),
      [
        [
          "TRACEHOP_MESSAGE_HEADERS_UNREADABLE",
          "tracehop withBatchProcessSpan: the headers of a nats.js message",
        ],
      ],
    );
    resetWarnings();
  });
});

describe("MQTT 5", () => {
  let client: mqtt.MqttClient | undefined;
  let skipReason = "Mosquitto was not connected";
  before(async () => {
    try {
      client = await context.with(ROOT_CONTEXT, () =>
        mqtt.connectAsync(MQTT_URL, {
          protocolVersion: 5,
          clientId: unique("mqtt"),
          reconnectPeriod: 0,
          connectTimeout: 15_000,
        }),
      );
    } catch (err) {
      skipReason = `MQTT broker not reachable at ${MQTT_URL} (${err instanceof Error ? err.message : String(err)}): start mosquitto or set TRACEHOP_TEST_MQTT_URL`;
    }
  });
  after(async () => {
    await client?.endAsync();
  });

  test("user properties: withSendSpan's {} published as they are, read back as headers", async (t) => {
    await mqttRoundTrip(t, (packet) => packet.properties?.userProperties);
  });

  test("the whole PUBLISH packet to withProcessSpan is read through its user properties", async (t) => {
    await mqttRoundTrip(t, (packet) => packet);
  });

  /** Publishes in a send span, processes what `handed` gives of the delivered packet. */
  async function mqttRoundTrip(
    t: TestContext,
    handed: (packet: mqtt.IPublishPacket) => unknown,
  ): Promise<void> {
    if (!client) {
      t.skip(skipReason);
      return;
    }
    const topic = `tracehop/test/${unique("mqtt")}`;
    const delivered = new Promise<Record<string, string | undefined>>((resolve) => {
      client!.on("message", (received, _payload, packet) => {
        if (received !== topic) return;
        const properties = packet.properties?.userProperties ?? {};
        withProcessSpan(handed(packet), { system: "mqtt", destination: topic }, () => {});
        resolve(Object.fromEntries(Object.entries(properties).map(([n, v]) => [n, String(v)])));
      });
    });
    await client.subscribeAsync(topic, { qos: 1 });
    await withCarrier(STORED, "relay", () =>
      withSendSpan({ system: "mqtt", destination: topic }, (userProperties) =>
        client!.publishAsync(topic, "order 1", { qos: 1, properties: { userProperties } }),
      ),
    );
    assertOneTrace(await delivered);
  }

  /**
   * Publishes "order 1" to a new topic at QoS 1 as docs/messaging.md writes it,
   * `properties: { userProperties }` with what `withSendSpan` hands, in `around`; returns what `fn` was
   * handed and the delivered packet, each awaited within the hang guard.
   */
  async function publishHanded(
    topic: string,
    options: { headers?: Record<string, string>; propagator?: TextMapPropagator },
    around: <T>(fn: () => T) => T,
  ): Promise<{ handed: unknown; packet: mqtt.IPublishPacket }> {
    const delivered = new Promise<mqtt.IPublishPacket>((resolve) => {
      client!.on("message", (received, _payload, packet) => {
        if (received === topic) resolve(packet);
      });
    });
    await client!.subscribeAsync(topic, { qos: 1 });
    let handed: unknown = "fn not called";
    await within(
      around(() =>
        withSendSpan({ system: "mqtt", destination: topic, ...options }, (userProperties) => {
          handed = userProperties === undefined ? undefined : { ...userProperties };
          return client!.publishAsync(topic, "order 1", { qos: 1, properties: { userProperties } });
        }),
      ),
      HANG_GUARD_MS,
      "the QoS 1 publish",
    );
    const packet = await within(delivered, HANG_GUARD_MS, "the delivery of the message");
    await client!.unsubscribeAsync(topic);
    return { handed, packet };
  }

  // mqtt.js 5 (mqtt-packet 9) sizes a `userProperties` of {} as a property of length 0, takes that for a
  // failure and drops the packet without settling the publish: `properties: { userProperties }` with {}
  // never settled (a QoS 1 publishAsync waited forever; the message was never sent). Nothing to send is
  // handed as undefined, which mqtt-packet leaves out of the packet.
  test("nothing to inject (tracing suppressed): fn gets undefined, and { userProperties } publishes and settles", async (t) => {
    if (!client) {
      t.skip(skipReason);
      return;
    }
    const topic = `tracehop/test/${unique("mqtt-empty")}`;
    const { handed, packet } = await publishHanded(topic, {}, (fn) =>
      context.with(suppressTracing(context.active()), fn),
    );
    assert.equal(handed, undefined, "nothing was injected: tracing is suppressed");
    assert.equal(packet.payload.toString(), "order 1");
    assert.equal(packet.properties?.userProperties, undefined);
  });

  test("nothing to inject (a propagator that writes nothing, as OTEL_PROPAGATORS=none): fn gets undefined, the publish settles", async (t) => {
    if (!client) {
      t.skip(skipReason);
      return;
    }
    const topic = `tracehop/test/${unique("mqtt-none")}`;
    const { handed, packet } = await publishHanded(
      topic,
      { propagator: new CompositePropagator({ propagators: [] }) },
      (fn) => withCarrier(STORED, "relay", fn),
    );
    assert.equal(handed, undefined, "the propagator wrote nothing");
    assert.equal(packet.payload.toString(), "order 1");
    assert.equal(packet.properties?.userProperties, undefined);
  });

  test("tracing suppressed, application user properties given: fn gets them, and they are sent", async (t) => {
    if (!client) {
      t.skip(skipReason);
      return;
    }
    const topic = `tracehop/test/${unique("mqtt-app")}`;
    const { handed, packet } = await publishHanded(topic, { headers: { "x-app": "orders" } }, (fn) =>
      context.with(suppressTracing(context.active()), fn),
    );
    assert.deepEqual(handed, { "x-app": "orders" });
    assert.deepEqual({ ...packet.properties?.userProperties }, { "x-app": "orders" });
  });

  test("the whole PUBLISH packet gives no messaging.message.id: its packet identifier names no message", async (t) => {
    if (!client) {
      t.skip(skipReason);
      return;
    }
    const topic = unique("msgid").replaceAll("-", "/");
    const delivered = new Promise<mqtt.IPublishPacket>((resolve) => {
      client!.on("message", (received, _payload, packet) => {
        if (received !== topic) return;
        withProcessSpan(packet, { system: "mqtt", destination: topic }, () => {});
        resolve(packet);
      });
    });
    await client.subscribeAsync(topic, { qos: 1 });
    await client.publishAsync(topic, "order 1", { qos: 1, properties: { userProperties: { a: "1" } } });
    const packet = await delivered;
    assert.equal(typeof packet.messageId, "number", "a QoS 1 delivery has a packet identifier");
    const processSpan = onlySpanOfKind(SpanKind.CONSUMER);
    assert.equal(processSpan.attributes["messaging.message.id"], undefined);
  });
});
