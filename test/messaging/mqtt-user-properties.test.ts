/**
 * MQTT 5 user properties built without withSendSpan, through the real Mosquitto (127.0.0.1:1883, or
 * TRACEHOP_TEST_MQTT_URL). mqtt.js 5 (mqtt-packet 9) sizes `userProperties: {}` as a property of length
 * 0, takes that for a failure and drops the PUBLISH without a word: a QoS 1 `publishAsync` never
 * settles and the message is never sent. withSendSpan hands `undefined` then under `system: "mqtt"`;
 * every other way a user builds user properties — `injectKafkaHeaders()`, `writeCarrierToHeaders` of a
 * row holding no carrier, `captureCarrier()`, OpenTelemetry's `propagation.inject` into `{}` — gave `{}`
 * whenever nothing was injected (tracing suppressed, a propagator that writes nothing, no carrier), and
 * the publish hung. `injectMqttUserProperties` and `mqttUserProperties` give `undefined` for nothing.
 * Each test skips with a message naming the server when it is not there.
 */
import { randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  type Context,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { CompositePropagator, suppressTracing } from "@opentelemetry/core";
import mqtt from "mqtt";
import { captureCarrier, withCarrier } from "../../src/index.js";
import {
  injectMqttUserProperties,
  kafkaHeadersSetter,
  mqttUserProperties,
  withProcessSpan,
  withSendSpan,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import { HANG_GUARD_MS, within } from "../examples/tcp-servers.js";
import { exporter, STORED_BEYOND_2_53 as STORED, STORED_TRACE_ID as TRACE_ID } from "./tracing.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const MQTT_URL = process.env.TRACEHOP_TEST_MQTT_URL ?? "mqtt://127.0.0.1:1883";

/** A topic part no other run uses. */
const unique = (label: string) => `tracehop-test-${label}-${process.pid}-${randomBytes(4).toString("hex")}`;

/** Runs `fn` with tracing suppressed: every propagator's inject writes nothing. */
const suppressed = <T>(fn: () => T): T => context.with(suppressTracing(context.active()), fn);

/** A propagator that writes and reads nothing, as `OTEL_PROPAGATORS=none` gives. */
const NONE = new CompositePropagator({ propagators: [] });

beforeEach(() => exporter.reset());

describe("MQTT 5 user properties built by hand", () => {
  let client: mqtt.MqttClient | undefined;
  let skipReason = "Mosquitto was not connected";
  before(async () => {
    try {
      client = await context.with(ROOT_CONTEXT, () =>
        mqtt.connectAsync(MQTT_URL, {
          protocolVersion: 5,
          clientId: unique("mqtt-up"),
          reconnectPeriod: 0,
          connectTimeout: 15_000,
        }),
      );
    } catch (err) {
      skipReason = `MQTT broker not reachable at ${MQTT_URL} (${err instanceof Error ? err.message : String(err)}): start mosquitto or set TRACEHOP_TEST_MQTT_URL`;
    }
  });
  // Forced: a publish mqtt.js dropped stays in flight, and a graceful end would wait for it.
  after(async () => {
    await client?.endAsync(true);
  });

  /** What a test publishes with: `properties: { userProperties }` of the user properties it built. */
  type Publish = (userProperties: Record<string, string | string[]> | undefined) => Promise<unknown>;

  /**
   * Publishes "order 1" at QoS 1 to a new topic through `send`, which builds the user properties and
   * hands them to `publish` (`properties: { userProperties }`, as the docs write it); the publish and the
   * delivery each awaited within the hang guard. Returns the user properties built and the packet
   * delivered, or `undefined` when the broker is not there (the test skipped).
   */
  async function published(
    t: TestContext,
    label: string,
    send: (publish: Publish) => unknown,
  ): Promise<{ built: unknown; packet: mqtt.IPublishPacket } | undefined> {
    if (!client) {
      t.skip(skipReason);
      return undefined;
    }
    const topic = `tracehop/test/${unique(label)}`;
    const delivered = new Promise<mqtt.IPublishPacket>((resolve) => {
      client!.on("message", (received, _payload, packet) => {
        if (received === topic) resolve(packet);
      });
    });
    await client.subscribeAsync(topic, { qos: 1 });
    let built: unknown = "not built";
    const publish: Publish = (userProperties) => {
      built = userProperties === undefined ? undefined : { ...userProperties };
      return client!.publishAsync(topic, "order 1", { qos: 1, properties: { userProperties } });
    };
    await within(Promise.resolve(send(publish)), HANG_GUARD_MS, "the QoS 1 publish");
    const packet = await within(delivered, HANG_GUARD_MS, "the delivery of the message");
    await client.unsubscribeAsync(topic);
    return { built, packet };
  }

  /** {@link published} of what `build` returns, called in `around` (default: as it is). */
  const publishBuilt = (
    t: TestContext,
    label: string,
    build: () => Record<string, string | string[]> | undefined,
    around: <T>(fn: () => T) => T = (fn) => fn(),
  ) => published(t, label, (publish) => around(() => publish(build())));

  /** Asserts that nothing was built and the message went without user properties. */
  function assertSentWithout(result: { built: unknown; packet: mqtt.IPublishPacket } | undefined): void {
    if (result === undefined) return; // skipped
    assert.equal(result.built, undefined);
    assert.equal(result.packet.payload.toString(), "order 1");
    assert.equal(result.packet.properties?.userProperties, undefined);
  }

  test("injectMqttUserProperties(), tracing suppressed: undefined, and the publish settles", async (t) => {
    assertSentWithout(
      await publishBuilt(t, "inject-suppressed", () => injectMqttUserProperties(), suppressed),
    );
  });

  test("injectMqttUserProperties({}), a propagator that writes nothing: undefined, and the publish settles", async (t) => {
    assertSentWithout(
      await publishBuilt(
        t,
        "inject-none",
        () => injectMqttUserProperties({}, { propagator: NONE }),
        (fn) => withCarrier(STORED, "relay", fn),
      ),
    );
  });

  test("a relay forwarding a row without a carrier (traceContext null) through writeCarrierToHeaders: mqttUserProperties gives undefined, and the publish settles", async (t) => {
    assertSentWithout(
      await publishBuilt(t, "row-none", () =>
        mqttUserProperties(writeCarrierToHeaders({}, { id: 7, traceContext: null })),
      ),
    );
  });

  test("captureCarrier() as the user properties, tracing suppressed: mqttUserProperties gives undefined, and the publish settles", async (t) => {
    assertSentWithout(
      await publishBuilt(t, "capture", () => mqttUserProperties(captureCarrier()), suppressed),
    );
  });

  test("OpenTelemetry's propagation.inject into {} with kafkaHeadersSetter, no active span: mqttUserProperties gives undefined, and the publish settles", async (t) => {
    assertSentWithout(
      await publishBuilt(t, "otel-inject", () => {
        const userProperties: Record<string, string> = {};
        propagation.inject(ROOT_CONTEXT, userProperties, kafkaHeadersSetter);
        return mqttUserProperties(userProperties);
      }),
    );
  });

  test("with a context to inject: the user properties carry it, and the consumer continues the trace", async (t) => {
    if (!client) {
      t.skip(skipReason);
      return;
    }
    const result = await publishBuilt(
      t,
      "inject-context",
      () => injectMqttUserProperties({ "x-app": "orders" }),
      (fn) => withCarrier(STORED, "relay", fn),
    );
    const userProperties = result!.packet.properties?.userProperties;
    assert.equal(userProperties?.["x-app"], "orders");
    const traceparent = userProperties?.traceparent;
    assert.equal(typeof traceparent, "string");
    assert.equal(String(traceparent).slice(3, 35), TRACE_ID);
    withProcessSpan(result!.packet, { system: "mqtt", destination: "orders" }, () => undefined);
    const processSpan = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CONSUMER);
    assert.equal(processSpan?.spanContext().traceId, TRACE_ID);
  });

  test("an array of [name, value] pairs, as other MQTT clients take user properties: mqtt.js sends its indices and its length, so both helpers refuse it", async (t) => {
    const pairs = [["x-app", "orders"]];
    const result = await published(t, "array-of-pairs", (publish) =>
      publish(pairs as unknown as Record<string, string>),
    );
    if (result === undefined) return; // skipped
    const sent = result.packet.properties?.userProperties;
    assert.equal(sent?.["x-app"], undefined, "no x-app user property");
    assert.equal(typeof sent?.length, "string", "the array's length sent as a user property");
    assert.throws(() => mqttUserProperties(pairs as unknown as Record<string, string>), TypeError);
    assert.throws(() => injectMqttUserProperties(pairs as unknown as Record<string, string>), TypeError);
  });

  test("a user property value mqtt.js cannot send (undefined, null, an object, an array holding one): mqtt.js fails or garbles the publish, the helpers give a TypeError naming the property first", async (t) => {
    if (!client) {
      t.skip(skipReason);
      return;
    }
    // The oracle: mqtt.js itself, on the real Mosquitto.
    await assert.rejects(
      client.publishAsync(`tracehop/test/${unique("up-undefined")}`, "order 1", {
        qos: 1,
        properties: { userProperties: { "x-app": "orders", tenant: undefined as unknown as string } },
      }),
      /Cannot read properties of undefined/,
    );
    const garbled = await published(t, "up-object", (publish) =>
      publish({ "x-app": { id: 7 } } as unknown as Record<string, string>),
    );
    assert.equal(garbled!.packet.properties?.userProperties?.["x-app"], "[object Object]");

    const expected = (where: string, what: string, held: string, why: string) =>
      `tracehop ${where}: ${what} hold ${held}, which mqtt.js cannot send as an MQTT 5 user property (${why}): ` +
      "pass a string (a number or boolean is sent as its text), an array of them for a property repeated " +
      "under one name, or leave the property out";
    const THROWS = "mqtt.js reads its toString() and the publish fails with a TypeError";
    const GARBLES = 'mqtt.js sends the text of its toString(), "[object Object]" for a plain object';
    const cases: [Record<string, unknown>, string, string][] = [
      [{ "x-app": "orders", tenant: undefined }, '"tenant" = undefined', THROWS],
      [{ tenant: null }, '"tenant" = null', THROWS],
      [{ "x-app": { id: 7 } }, '"x-app" = an object', GARBLES],
      [{ tags: ["a", null] }, '"tags" = an array holding null at index 1', THROWS],
      [{ tags: [{}] }, '"tags" = an array holding an object at index 0', GARBLES],
    ];
    let ran = 0;
    for (const [given, held, why] of cases) {
      const copy = () => ({ ...given }) as Record<string, string>;
      for (const [where, call] of [
        ["mqttUserProperties", () => mqttUserProperties(copy())],
        ["injectMqttUserProperties", () => injectMqttUserProperties(copy())],
      ] as const)
        assert.throws(call, (error: unknown) => {
          assert.ok(error instanceof TypeError, String(error));
          assert.equal(error.message, expected(where, "the user properties", held, why));
          return true;
        });
      assert.throws(
        () => withSendSpan({ system: "mqtt", destination: "orders", headers: copy() }, () => ran++),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message === expected("withSendSpan", 'options.headers under system "mqtt"', held, why),
      );
    }
    assert.equal(ran, 0, "fn never runs");
  });

  test("numbers and booleans are sent as their text: the helpers take them, and the consumer reads the text", async (t) => {
    const result = await published(t, "up-numbers", (publish) =>
      withCarrier(STORED, "relay", () =>
        publish(
          injectMqttUserProperties({ attempt: 3, urgent: true, tags: ["a", 2] } as unknown as Record<
            string,
            string
          >),
        ),
      ),
    );
    if (result === undefined) return; // skipped
    const sent = result.packet.properties?.userProperties;
    assert.equal(sent?.attempt, "3");
    assert.equal(sent?.urgent, "true");
    assert.deepEqual(sent?.tags, ["a", "2"]);
    assert.equal(String(sent?.traceparent).slice(3, 35), TRACE_ID);
    const given = { attempt: 3 } as unknown as Record<string, string>;
    assert.equal(mqttUserProperties(given), given);
  });

  test("tracehop's own fields never make the helpers throw: a propagation property the write replaces is not checked", async (t) => {
    const result = await published(t, "up-replaced", (publish) =>
      withCarrier(STORED, "relay", () =>
        publish(
          injectMqttUserProperties({ "x-app": "orders", traceparent: undefined } as unknown as Record<
            string,
            string
          >),
        ),
      ),
    );
    if (result === undefined) return; // skipped
    const sent = result.packet.properties?.userProperties;
    assert.equal(sent?.["x-app"], "orders");
    assert.equal(String(sent?.traceparent).slice(3, 35), TRACE_ID);
  });

  test("withSendSpan under mqtt, application user properties of which mqtt.js sends nothing ({ tags: [] }), tracing suppressed: undefined, and the publish settles", async (t) => {
    assertSentWithout(
      await published(t, "send-empty-array", (publish) =>
        suppressed(() =>
          withSendSpan({ system: "mqtt", destination: "orders", headers: { tags: [] } }, (userProperties) =>
            publish(userProperties),
          ),
        ),
      ),
    );
  });
});

describe("mqttUserProperties and injectMqttUserProperties without a broker", () => {
  test("user properties that hold something are returned as they are, the same object", () => {
    const given = { "x-app": "orders", tags: ["a", "b"] };
    assert.equal(mqttUserProperties(given), given);
    const empty: string[] = [];
    const mixed = { tags: empty, "x-app": "orders" };
    assert.equal(mqttUserProperties(mixed), mixed, "one property sent is enough");
  });

  test("nothing mqtt.js would send gives undefined: {}, only empty arrays, null, undefined", () => {
    assert.equal(mqttUserProperties({}), undefined);
    assert.equal(mqttUserProperties({ tags: [] }), undefined);
    assert.equal(mqttUserProperties(Object.create(null) as Record<string, string>), undefined);
    assert.equal(mqttUserProperties(null), undefined);
    assert.equal(mqttUserProperties(undefined), undefined);
  });

  test("injectMqttUserProperties: the context in the object given (in place), or undefined for nothing", () => {
    const given: Record<string, string> = { "x-app": "orders" };
    const written = withCarrier(STORED, "relay", () => injectMqttUserProperties(given));
    assert.equal(written, given, "written in place, as injectKafkaHeaders writes");
    assert.equal(given.traceparent?.slice(3, 35), TRACE_ID);
    assert.deepEqual(
      suppressed(() => injectMqttUserProperties({ "x-app": "orders" })),
      { "x-app": "orders" },
      "application properties still sent",
    );
    assert.equal(
      suppressed(() => injectMqttUserProperties(null)),
      undefined,
    );
  });

  test("an array (of [name, value] pairs, or empty) is a TypeError saying what to pass", () => {
    const arrayMessage = (where: string, shown: string) =>
      `tracehop ${where}: the user properties (${shown}) are not an object of name -> value: mqtt.js ` +
      "publishes an object's own properties as MQTT 5 user properties, an array's indices and length too; " +
      "pass a plain object (Object.fromEntries(pairs) for [name, value] pairs)";
    assert.throws(
      () => mqttUserProperties([["x-app", "orders"]] as unknown as Record<string, string>),
      (error: unknown) =>
        error instanceof TypeError && error.message === arrayMessage("mqttUserProperties", "an array"),
    );
    assert.throws(
      () => injectMqttUserProperties([] as unknown as Record<string, string>),
      (error: unknown) =>
        error instanceof TypeError && error.message === arrayMessage("injectMqttUserProperties", "an array"),
    );
  });

  test("a baggage header past the 16 KiB written in all is said with injectMqttUserProperties' own baggage option, which trims it", async () => {
    resetWarnings();
    /** Writes the context's baggage, unbounded, as one `baggage` header: a vendor's propagator. */
    const wholeBaggage: TextMapPropagator = {
      inject(ctx: Context, carrier: unknown, setter: TextMapSetter) {
        const entries = propagation.getBaggage(ctx)?.getAllEntries() ?? [];
        if (entries.length > 0)
          setter.set(carrier, "baggage", entries.map(([key, entry]) => `${key}=${entry.value}`).join(","));
      },
      extract: (ctx: Context) => ctx,
      fields: () => ["baggage"],
    };
    const large = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage({ tenant: { value: "n".repeat(16_375) } }),
    );
    const told = await recordWarnings(() =>
      injectMqttUserProperties({ "x-app": "orders" }, { context: large, propagator: wholeBaggage }),
    );
    assert.deepEqual(Object.keys(told.result ?? {}), ["x-app"]);
    const [warning] = said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE");
    assert.ok(
      warning?.endsWith(
        'Keep less baggage: the baggage option of injectMqttUserProperties ("none", or the keys the next hop needs) trims it',
      ),
      String(warning).slice(-300),
    );
    assert.deepEqual(
      injectMqttUserProperties(
        { "x-app": "orders" },
        { context: large, propagator: wholeBaggage, baggage: "none" },
      ),
      { "x-app": "orders" },
      "the advice followed: nothing left to leave out",
    );
  });

  test("a Map, a header object or text is a TypeError saying what mqtt.js sends and what to pass", () => {
    const mapMessage =
      "tracehop mqttUserProperties: the user properties (a Map) are not an object of name -> value: mqtt.js " +
      "publishes an object's own properties as MQTT 5 user properties, never a Map's or a header object's " +
      "entries (it would drop the packet, and the publish would never settle); pass a plain object " +
      "(Object.fromEntries(map))";
    assert.throws(
      () => mqttUserProperties(new Map([["a", "1"]]) as unknown as Record<string, string>),
      (error: unknown) => error instanceof TypeError && error.message === mapMessage,
    );
    assert.throws(
      () => injectMqttUserProperties("a=1" as unknown as Record<string, string>),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message ===
          'tracehop injectMqttUserProperties: the user properties ("a=1") are not an object of name -> value: ' +
            "mqtt.js publishes an object's own properties as MQTT 5 user properties; pass a plain object of " +
            "name -> string, or undefined for none",
    );
  });

  test("withSendSpan under mqtt with headers mqtt.js cannot send (a Map, a header object): a TypeError before fn runs", () => {
    // A Map as `userProperties` hangs a QoS 1 publishAsync on the real Mosquitto, as `{}` did: mqtt.js reads
    // own properties, and a Map has none.
    let ran = 0;
    assert.throws(
      () =>
        withSendSpan(
          { system: "mqtt", destination: "orders", headers: new Map([["x-app", "orders"]]) },
          () => ran++,
        ),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message ===
          'tracehop withSendSpan: options.headers under system "mqtt" (a Map) are not an object of name -> value: ' +
            "mqtt.js publishes an object's own properties as MQTT 5 user properties, never a Map's or a header " +
            "object's entries (it would drop the packet, and the publish would never settle); pass a plain " +
            "object (Object.fromEntries(map))",
    );
    /** A client's header object (a class with set and delete, as nats.js's MsgHdrs). */
    class ClientHeaders {
      get = () => "";
      set = () => undefined;
      delete = () => undefined;
      keys = () => [];
    }
    const natsLike = new ClientHeaders();
    assert.throws(
      () => withSendSpan({ system: "mqtt", destination: "orders", headers: natsLike }, () => ran++),
      TypeError,
    );
    assert.equal(ran, 0);
    // The same headers under another system are written through their methods, as before.
    const map = new Map<string, string>();
    withCarrier(STORED, "relay", () =>
      withSendSpan({ system: "kafka", destination: "orders", headers: map }, () => ran++),
    );
    assert.equal(ran, 1);
    assert.equal(map.get("traceparent")?.slice(3, 35), TRACE_ID);
  });
});
