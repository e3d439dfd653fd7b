/**
 * A retained MQTT message, on the real Mosquitto (127.0.0.1:1883, or TRACEHOP_TEST_MQTT_URL): delivered on
 * subscribe with `retain` set, it carries the context of its publish, of an age MQTT does not give. Handed
 * to withProcessSpan as the whole mqtt.js packet under relation "auto" (given, or setRestoreDefaults'),
 * it starts its own trace linked to the publish instead of becoming a child of a trace that may have
 * ended hours ago; a live delivery (retain not set) stays a child; an explicit relation, and a capture
 * time the caller gives, win.
 */
import { randomBytes } from "node:crypto";
import { after, afterEach, before, beforeEach, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { context, ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import mqtt from "mqtt";
import { setRestoreDefaults, withCarrier } from "../../src/index.js";
import { withProcessSpan, withSendSpan, type ProcessSpanOptions } from "../../src/messaging/index.js";
import { HANG_GUARD_MS, within } from "../examples/tcp-servers.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";
import { exporter, STORED_BEYOND_2_53 as STORED, STORED_TRACE_ID as TRACE_ID } from "./tracing.js";

const MQTT_URL = process.env.TRACEHOP_TEST_MQTT_URL ?? "mqtt://127.0.0.1:1883";

const unique = (label: string) => `tracehop-test-${label}-${process.pid}-${randomBytes(4).toString("hex")}`;

beforeEach(() => exporter.reset());
afterEach(() => setRestoreDefaults({}));

/** The one finished span of `kind`; fails when there are none or several. */
function onlySpanOfKind(kind: SpanKind): ReadableSpan {
  const found = exporter.getFinishedSpans().filter((s) => s.kind === kind);
  assert.equal(found.length, 1, `one span of kind ${SpanKind[kind]}: ${found.map((s) => s.name)}`);
  return found[0]!;
}

describe("MQTT 5 retained messages", () => {
  let client: mqtt.MqttClient | undefined;
  let skipReason = "Mosquitto was not connected";
  const retainedTopics: string[] = [];
  before(async () => {
    try {
      client = await context.with(ROOT_CONTEXT, () =>
        mqtt.connectAsync(MQTT_URL, {
          protocolVersion: 5,
          clientId: unique("retained"),
          reconnectPeriod: 0,
          connectTimeout: 15_000,
        }),
      );
    } catch (err) {
      skipReason = `MQTT broker not reachable at ${MQTT_URL} (${err instanceof Error ? err.message : String(err)}): start mosquitto or set TRACEHOP_TEST_MQTT_URL`;
    }
  });
  after(async () => {
    // An empty retained payload removes the retained message (MQTT 5.0 §3.3.1.3).
    for (const topic of retainedTopics) await client?.publishAsync(topic, "", { qos: 1, retain: true });
    await client?.endAsync();
  });

  /**
   * Publishes "order 1" with `retain` in a send span (under the stored row's context) to a new topic and
   * processes the delivery with `withProcessSpan(handed(packet), { system: "mqtt", ...options })` (the
   * whole packet unless `handed` picks a part of it): subscribed
   * after the publish (`subscribe: "after"`, the retained message delivered on subscribe) or before it
   * (a live delivery). Returns the delivered packet, the send span and the process span.
   */
  async function deliver(
    t: TestContext,
    publish: { retain: boolean; subscribe: "before" | "after" },
    options: Partial<ProcessSpanOptions> = {},
    handed: (packet: mqtt.IPublishPacket) => unknown = (packet) => packet,
  ): Promise<{ packet: mqtt.IPublishPacket; send: ReadableSpan; processed: ReadableSpan } | undefined> {
    if (!client) {
      t.skip(skipReason);
      return undefined;
    }
    const topic = `tracehop/test/${unique("retained")}`;
    if (publish.retain) retainedTopics.push(topic);
    const delivered = new Promise<mqtt.IPublishPacket>((resolve) => {
      client!.on("message", (received, _payload, packet) => {
        if (received !== topic) return;
        withProcessSpan(handed(packet), { system: "mqtt", destination: topic, ...options }, () => {});
        resolve(packet);
      });
    });
    if (publish.subscribe === "before") await client.subscribeAsync(topic, { qos: 1 });
    await withCarrier(STORED, "relay", () =>
      withSendSpan({ system: "mqtt", destination: topic }, (userProperties) =>
        client!.publishAsync(topic, "order 1", {
          qos: 1,
          retain: publish.retain,
          properties: { userProperties },
        }),
      ),
    );
    if (publish.subscribe === "after") await client.subscribeAsync(topic, { qos: 1 });
    const packet = await within(delivered, HANG_GUARD_MS, "the delivery of the message");
    await client.unsubscribeAsync(topic);
    return { packet, send: onlySpanOfKind(SpanKind.PRODUCER), processed: onlySpanOfKind(SpanKind.CONSUMER) };
  }

  function assertChild(send: ReadableSpan, processed: ReadableSpan): void {
    assert.equal(processed.spanContext().traceId, TRACE_ID);
    assert.equal(processed.parentSpanContext?.spanId, send.spanContext().spanId, "a child of the send span");
    assert.equal(processed.attributes["tracehop.relation"], "parent");
    assert.deepEqual(processed.links, []);
  }

  function assertLinked(send: ReadableSpan, processed: ReadableSpan): void {
    assert.notEqual(processed.spanContext().traceId, TRACE_ID, "a trace of its own");
    assert.equal(processed.parentSpanContext, undefined, "a root");
    assert.equal(processed.attributes["tracehop.relation"], "link");
    assert.equal(processed.attributes["tracehop.mqtt.retained"], true);
    assert.equal(processed.links.length, 1);
    assert.equal(processed.links[0]!.context.traceId, TRACE_ID);
    assert.equal(processed.links[0]!.context.spanId, send.spanContext().spanId, "linked to the send span");
  }

  test('relation "auto": a retained message delivered on subscribe starts its own trace, linked to the publish', async (t) => {
    const got = await deliver(t, { retain: true, subscribe: "after" }, { relation: "auto" });
    if (!got) return;
    assert.equal(
      got.packet.retain,
      true,
      "Mosquitto delivers a retained message on subscribe with retain set",
    );
    assertLinked(got.send, got.processed);
  });

  test('setRestoreDefaults({ relation: "auto" }), no relation given: the retained message is linked too', async (t) => {
    setRestoreDefaults({ relation: "auto" });
    const got = await deliver(t, { retain: true, subscribe: "after" });
    if (!got) return;
    assertLinked(got.send, got.processed);
  });

  test('relation "auto": a live delivery (subscribed before the publish) is a child, retained or not', async (t) => {
    const live = await deliver(t, { retain: false, subscribe: "before" }, { relation: "auto" });
    if (!live) return;
    assert.equal(live.packet.retain, false);
    assertChild(live.send, live.processed);
    assert.equal(live.processed.attributes["tracehop.mqtt.retained"], undefined);
    exporter.reset();
    // A retained publish reaches a subscriber already there without `retain` (no Retain As Published).
    const retainedLive = await deliver(t, { retain: true, subscribe: "before" }, { relation: "auto" });
    assert.equal(retainedLive!.packet.retain, false);
    assertChild(retainedLive!.send, retainedLive!.processed);
  });

  test('an explicit relation wins: "parent" keeps the retained message a child', async (t) => {
    setRestoreDefaults({ relation: "auto" });
    const got = await deliver(t, { retain: true, subscribe: "after" }, { relation: "parent" });
    if (!got) return;
    assert.equal(got.packet.retain, true);
    assertChild(got.send, got.processed);
    assert.equal(got.processed.attributes["tracehop.mqtt.retained"], true);
  });

  test('the default relation "parent" (nothing set): the retained message stays a child, as any old context', async (t) => {
    const got = await deliver(t, { retain: true, subscribe: "after" });
    if (!got) return;
    assertChild(got.send, got.processed);
  });

  test('relation "auto" with a capture time given: its age decides (a fresh retained message is a child)', async (t) => {
    const got = await deliver(
      t,
      { retain: true, subscribe: "after" },
      { relation: "auto", capturedAt: Date.now() },
    );
    if (!got) return;
    assert.equal(got.packet.retain, true);
    assertChild(got.send, got.processed);
    assert.equal(typeof got.processed.attributes["tracehop.queue.wait"], "number");
  });

  test('relation "auto" with maxParentAge, no capture time: linked, and maxParentAge is not said unused', async (t) => {
    resetWarnings();
    const told = await recordWarnings(() =>
      deliver(t, { retain: true, subscribe: "after" }, { relation: "auto", maxParentAge: 60_000 }),
    );
    if (!told.result) return;
    assertLinked(told.result.send, told.result.processed);
    assert.deepEqual(told.processWarnings, []);
    resetWarnings();
  });

  test('relation "auto", a capture time past maxParentAge: linked, by its age', async (t) => {
    const got = await deliver(
      t,
      { retain: true, subscribe: "after" },
      { relation: "auto", capturedAt: Date.now() - 3_600_000 },
    );
    if (!got) return;
    assertLinked(got.send, got.processed);
  });

  const RETAIN_UNSEEN =
    'tracehop withProcessSpan: under relation "auto" it was handed MQTT user properties, not the whole mqtt.js packet, so it cannot see whether the message was retained (delivered on subscribe, possibly published hours ago) and parents its context as that of a live message, whose age MQTT does not give either. Hand it the whole packet (the "message" event\'s third argument): withProcessSpan(packet, ...) reads its user properties and links a retained message (tracehop.mqtt.retained); or pass relation: packet.retain ? "link" : "parent", or a capturedAt the publisher sent as a user property.';

  test('relation "auto", handed only packet.properties.userProperties: the retained message is parented (retain is not seen), said once per process with the call that sees it', async (t) => {
    resetWarnings();
    const told = await recordWarnings(() =>
      deliver(
        t,
        { retain: true, subscribe: "after" },
        { relation: "auto" },
        (packet) => packet.properties?.userProperties,
      ),
    );
    if (!told.result) return;
    assert.equal(told.result.packet.retain, true);
    assertChild(told.result.send, told.result.processed);
    assert.equal(told.result.processed.attributes["tracehop.mqtt.retained"], undefined);
    assert.deepEqual(said(told, "TRACEHOP_MQTT_RETAIN_UNSEEN"), [RETAIN_UNSEEN]);
    assert.deepEqual(
      told.diagWarnings.filter((m) => m === RETAIN_UNSEEN),
      [RETAIN_UNSEEN],
    );
    // Once per process.
    exporter.reset();
    const again = await recordWarnings(() =>
      deliver(
        t,
        { retain: true, subscribe: "after" },
        { relation: "auto" },
        (packet) => packet.properties?.userProperties,
      ),
    );
    assert.deepEqual(said(again, "TRACEHOP_MQTT_RETAIN_UNSEEN"), []);
    resetWarnings();
  });

  test("handed only the user properties, nothing is said where retain would change nothing: the whole packet, another relation, a capture time given, setRestoreDefaults' auto included", async (t) => {
    const userProperties = (packet: mqtt.IPublishPacket) => packet.properties?.userProperties;
    for (const [options, handed, defaults] of [
      [{ relation: "auto" }, (packet: mqtt.IPublishPacket) => packet, {}],
      [{ relation: "parent" }, userProperties, { relation: "auto" }],
      [{}, userProperties, {}],
      [{ relation: "auto", capturedAt: Date.now() }, userProperties, {}],
    ] as const) {
      resetWarnings();
      exporter.reset();
      setRestoreDefaults(defaults);
      const told = await recordWarnings(() =>
        deliver(t, { retain: true, subscribe: "after" }, options, handed),
      );
      if (!told.result) return;
      assert.deepEqual(said(told, "TRACEHOP_MQTT_RETAIN_UNSEEN"), [], JSON.stringify(options));
    }
    // setRestoreDefaults({ relation: "auto" }) and no relation given: said as for an "auto" given.
    resetWarnings();
    exporter.reset();
    setRestoreDefaults({ relation: "auto" });
    const told = await recordWarnings(() =>
      deliver(t, { retain: true, subscribe: "after" }, {}, userProperties),
    );
    assert.deepEqual(said(told, "TRACEHOP_MQTT_RETAIN_UNSEEN"), [RETAIN_UNSEEN]);
    resetWarnings();
  });

  test("handed packet.properties (the user properties one level down): no context is read, and the warning names the whole packet, not the field", async (t) => {
    resetWarnings();
    const told = await recordWarnings(() =>
      deliver(t, { retain: true, subscribe: "after" }, { relation: "auto" }, (packet) => packet.properties),
    );
    if (!told.result) return;
    assert.notEqual(told.result.processed.spanContext().traceId, TRACE_ID, "no context read");
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_IN_OTHER_FIELD"), [
      "tracehop withProcessSpan: it was handed an MQTT PUBLISH packet's properties (packet.properties), not its user properties, and read no trace context: the context is in properties.userProperties. Hand it the whole packet (the \"message\" event's third argument): withProcessSpan(packet, ...) reads its user properties and sees retain.",
    ]);
    resetWarnings();
  });
});
