/**
 * Header carriers of tracehop/messaging at the message level. Kafka: no broker can run here, so records
 * are encoded and decoded with kafkajs's own protocol code, which hands header values over as Buffers
 * (and a repeated header as an array) exactly as a consumer receives them from a broker.
 */
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { propagation, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from "@opentelemetry/api";
import type { IHeaders, KafkaMessage, Message } from "kafkajs";
import { contextFromCarrier, getDatadogContext } from "../../src/index.js";
import { NOT_TEXT_VALUE } from "../../src/carrier/normalize-carrier.js";
import {
  amqpHeadersGetter,
  amqpHeadersSetter,
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  injectAmqpHeaders,
  injectKafkaHeaders,
  kafkaHeadersGetter,
  kafkaHeadersSetter,
  rabbitmqDestinationName,
  removePropagationHeaders,
  withSendSpan,
  writeCarrierToHeaders,
  type HeaderEntries,
} from "../../src/messaging/index.js";
import { datadogSpanId, datadogTraceId, inSpan, kafkaRoundTrip, traceparentOf } from "./tracing.js";

interface BugCase {
  id: string;
  input: { carrier?: Record<string, unknown>; scenario?: unknown };
  expected: Record<string, any>;
}
const cases: BugCase[] = JSON.parse(
  readFileSync(new URL("../fixtures/messaging-bug-cases.json", import.meta.url), "utf8"),
);
const bugCase = (id: string) => cases.find((c) => c.id === id)!;

/** `{type: "Buffer", data: [...]}` (JSON of a Buffer) back to bytes. */
const bytesOf = (json: unknown) => Uint8Array.from((json as { data: number[] }).data);

const W3C_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const W3C_SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${W3C_TRACE_ID}-${W3C_SPAN_ID}-01`;

function spanContextOf(ctx: ReturnType<typeof contextFromKafkaHeaders>): SpanContext | undefined {
  return trace.getSpanContext(ctx);
}

describe("kafkajs headers: extract", () => {
  test("B23: Buffer-valued x-datadog-* headers decoded whole (live Buffer and Uint8Array)", () => {
    const b23 = bugCase("B23");
    const input = b23.input.carrier!;
    for (const make of [(j: unknown) => Buffer.from(bytesOf(j)), bytesOf]) {
      const headers: Record<string, unknown> = {};
      for (const [name, json] of Object.entries(input)) headers[name] = make(json);
      const sc = spanContextOf(contextFromKafkaHeaders(headers));
      assert.ok(sc, `${make === bytesOf ? "Uint8Array" : "Buffer"} values give a context`);
      assert.equal(sc.traceId, b23.expected.traceId);
      assert.equal(sc.spanId, b23.expected.parentSpanId);
      assert.equal(sc.traceFlags & TraceFlags.SAMPLED, TraceFlags.SAMPLED);
      assert.equal(sc.isRemote, true);
      assert.equal(
        getDatadogContext(contextFromKafkaHeaders(headers))?.samplingPriority,
        b23.expected.samplingPriority,
      );
      assert.equal(datadogTraceId(sc.traceId), b23.expected.decodedTraceIdText);
    }
  });

  test("a record decoded by kafkajs (Buffer values as a broker delivers them) restores every field", async () => {
    const decoded = await kafkaRoundTrip({
      key: "job-1",
      value: '{"jobId":"1"}',
      headers: {
        traceparent: TRACEPARENT,
        tracestate: "dd=s:2;o:rum,congo=t61rcWkgMzE",
        baggage: "tenant=t-001",
        "x-datadog-trace-id": datadogTraceId(W3C_TRACE_ID),
        "x-datadog-parent-id": datadogSpanId(W3C_SPAN_ID),
        "x-datadog-sampling-priority": "2",
        "x-datadog-origin": "rum",
        "x-datadog-tags": `_dd.p.tid=${W3C_TRACE_ID.slice(0, 16)},_dd.p.dm=-4`,
      },
    });
    assert.ok(Buffer.isBuffer(decoded.headers.traceparent), "kafkajs delivers header values as Buffers");
    const message: KafkaMessage = { ...decoded, timestamp: "0", attributes: 0, headers: decoded.headers };
    const ctx = contextFromKafkaHeaders(message.headers);
    const sc = spanContextOf(ctx);
    assert.ok(sc);
    assert.equal(sc.traceId, W3C_TRACE_ID);
    assert.equal(sc.spanId, W3C_SPAN_ID);
    assert.equal(sc.traceFlags, TraceFlags.SAMPLED);
    assert.equal(sc.traceState?.get("congo"), "t61rcWkgMzE");
    assert.equal(propagation.getBaggage(ctx)?.getEntry("tenant")?.value, "t-001");
    const dd = getDatadogContext(ctx);
    assert.equal(dd?.samplingPriority, 2);
    assert.equal(dd?.origin, "rum");
    assert.equal(dd?.propagationTags["_dd.p.dm"], "-4");
  });

  test("a repeated tracestate header (kafkajs array of Buffers) combines its members in order", async () => {
    const decoded = await kafkaRoundTrip({
      value: "x",
      headers: { traceparent: TRACEPARENT, tracestate: ["rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"] },
    });
    assert.ok(Array.isArray(decoded.headers.tracestate), "kafkajs delivers a repeated header as an array");
    const sc = spanContextOf(contextFromKafkaHeaders(decoded.headers));
    assert.equal(sc?.traceState?.serialize(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  });

  test("two different traceparent values in one record give no context", async () => {
    const other = `00-${"1".repeat(32)}-${"2".repeat(16)}-01`;
    const decoded = await kafkaRoundTrip({ value: "x", headers: { traceparent: [TRACEPARENT, other] } });
    assert.equal(contextFromKafkaHeaders(decoded.headers, { propagator: undefined }), ROOT_CONTEXT);
  });

  test("the same traceparent repeated in one record (docs/messaging.md) is that one context", async () => {
    const decoded = await kafkaRoundTrip({
      value: "x",
      headers: { traceparent: [TRACEPARENT, TRACEPARENT] },
    });
    assert.ok(Array.isArray(decoded.headers.traceparent), "delivered as an array of Buffers");
    const sc = spanContextOf(contextFromKafkaHeaders(decoded.headers));
    assert.equal(sc?.traceId, TRACEPARENT.slice(3, 35));
    assert.equal(sc?.spanId, TRACEPARENT.slice(36, 52));
    // A stored carrier (an outbox row's JSON) with the same array reads the same.
    const stored = spanContextOf(contextFromCarrier({ traceparent: [TRACEPARENT, TRACEPARENT] }));
    assert.equal(stored?.spanId, TRACEPARENT.slice(36, 52));
  });

  test("kafkaHeadersGetter: any-case names, Buffers decoded whole, arrays kept, other types absent", () => {
    const headers = {
      TraceParent: Buffer.from(TRACEPARENT),
      tracestate: [Buffer.from("a=1"), "b=2"],
      weird: 42 as unknown as string,
    } satisfies Record<string, unknown> as IHeaders;
    assert.equal(kafkaHeadersGetter.get(headers, "traceparent"), TRACEPARENT);
    assert.deepEqual(kafkaHeadersGetter.get(headers, "tracestate"), ["a=1", "b=2"]);
    assert.equal(kafkaHeadersGetter.get(headers, "weird"), undefined, "kafkajs never delivers numbers");
    assert.equal(kafkaHeadersGetter.get(headers, "missing"), undefined);
    assert.deepEqual(kafkaHeadersGetter.keys(headers), ["TraceParent", "tracestate", "weird"]);
    // Works with the OpenTelemetry API and the registered (tracehop) propagator, as an instrumentation would.
    const sc = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers, kafkaHeadersGetter));
    assert.equal(sc?.spanId, W3C_SPAN_ID);
  });

  test("untrusted headers never throw and give the base context", () => {
    const base = ROOT_CONTEXT.setValue(Symbol("base"), 1);
    const bad: unknown[] = [
      undefined,
      null,
      42,
      "traceparent",
      [TRACEPARENT],
      { traceparent: 7 },
      { traceparent: { nested: TRACEPARENT } },
      { traceparent: "00-xyz" },
      { traceparent: Buffer.from([0xff, 0xfe, 0x00]) },
      Object.create(null),
    ];
    for (const [index, headers] of bad.entries()) {
      assert.equal(contextFromKafkaHeaders(headers, { context: base }), base, `bad input #${index}`);
      assert.equal(contextFromAmqpHeaders(headers, { context: base }), base, `bad input #${index}`);
    }
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error("boom");
        },
      },
    );
    assert.equal(contextFromKafkaHeaders(hostile, { context: base }), base);
  });
});

describe("message headers are read as headers wherever the tracing headers sit", () => {
  test("an application header named traceContext is a header, never a row's carrier column", async () => {
    const kafka = { traceparent: Buffer.from(TRACEPARENT), traceContext: Buffer.from("tenant-42") };
    const amqp = { traceparent: TRACEPARENT, traceContext: "tenant-42" };
    for (const [label, ctx] of [
      ["kafka", contextFromKafkaHeaders(kafka)],
      ["amqp", contextFromAmqpHeaders(amqp)],
      // A traceContext header that is itself valid carrier JSON is still only a header.
      ["amqp, JSON header", contextFromAmqpHeaders({ traceparent: TRACEPARENT, traceContext: "{}" })],
    ] as const) {
      assert.equal(spanContextOf(ctx)?.traceId, W3C_TRACE_ID, label);
      assert.equal(spanContextOf(ctx)?.spanId, W3C_SPAN_ID, label);
    }
    // As a kafkajs consumer receives it.
    const decoded = await kafkaRoundTrip({
      value: "x",
      headers: { traceparent: TRACEPARENT, traceContext: "t" },
    });
    assert.equal(spanContextOf(contextFromKafkaHeaders(decoded.headers))?.spanId, W3C_SPAN_ID);
  });

  test("tracing headers injected after 130 application headers are restored", async () => {
    await inSpan("producer", async (span) => {
      const sc = span.spanContext();
      const amqp: Record<string, unknown> = {};
      const kafka: IHeaders = {};
      for (let i = 0; i < 130; i++) {
        amqp[`app-${i}`] = `v${i}`;
        kafka[`app-${i}`] = `v${i}`;
      }
      injectAmqpHeaders(amqp);
      injectKafkaHeaders(kafka);
      assert.equal(Object.keys(amqp).indexOf("traceparent"), 130, "appended after the application headers");
      const delivered = await kafkaRoundTrip({ value: "x", headers: kafka as Record<string, string> });
      for (const [label, ctx] of [
        ["amqp", contextFromAmqpHeaders(amqp)],
        ["kafka", contextFromKafkaHeaders(delivered.headers)],
      ] as const) {
        assert.equal(spanContextOf(ctx)?.traceId, sc.traceId, label);
        assert.equal(spanContextOf(ctx)?.spanId, sc.spanId, label);
      }
    });
  });
});

describe("kafkajs headers: inject", () => {
  test("inject writes lower-case string headers from one context; kafkajs encodes and delivers them", async () => {
    await inSpan("producer", async (span) => {
      const message: Message = { value: "payload", headers: { "content-type": "application/json" } };
      injectKafkaHeaders(message.headers);
      const sc = span.spanContext();
      assert.equal(message.headers!.traceparent, traceparentOf(sc));
      assert.equal(message.headers!["x-datadog-trace-id"], datadogTraceId(sc.traceId));
      assert.equal(message.headers!["x-datadog-parent-id"], datadogSpanId(sc.spanId));
      assert.equal(message.headers!["content-type"], "application/json", "other headers kept");
      for (const value of Object.values(message.headers!)) assert.equal(typeof value, "string");

      const delivered = await kafkaRoundTrip({
        value: "payload",
        headers: message.headers as Record<string, string>,
      });
      const restored = spanContextOf(contextFromKafkaHeaders(delivered.headers));
      assert.equal(restored?.traceId, sc.traceId);
      assert.equal(restored?.spanId, sc.spanId);
    });
  });

  test("B13: stale propagation headers (any case) are replaced, never mixed with the new context", async () => {
    const b13 = bugCase("B13").input.carrier as Record<string, string>;
    const headers: IHeaders = {
      TraceParent: b13.traceparent!,
      "X-Datadog-Trace-Id": b13["x-datadog-trace-id"]!,
      "x-datadog-parent-id": Buffer.from(b13["x-datadog-parent-id"]!),
      "x-datadog-sampling-priority": b13["x-datadog-sampling-priority"]!,
      "x-b3-traceid": "stale",
      keep: "me",
    };
    await inSpan("republish", (span) => {
      injectKafkaHeaders(headers);
      const sc = span.spanContext();
      for (const name of ["TraceParent", "X-Datadog-Trace-Id", "x-b3-traceid"]) {
        assert.equal(name in headers, false, `stale ${name} removed`);
      }
      assert.equal(headers.keep, "me");
      assert.equal(headers["x-datadog-sampling-priority"], "1", "priority of the new (sampled) context");
      assert.equal(headers.traceparent, traceparentOf(sc));
      assert.equal(headers["x-datadog-trace-id"], datadogTraceId(sc.traceId));
      assert.equal(headers["x-datadog-parent-id"], datadogSpanId(sc.spanId));
      const restored = spanContextOf(contextFromKafkaHeaders(headers));
      assert.equal(restored?.traceId, sc.traceId);
    });
  });

  test("no active span: nothing to propagate, headers keep only their own fields", () => {
    const headers = injectKafkaHeaders({ a: "1", traceparent: "stale" });
    assert.deepEqual(headers, { a: "1" });
  });

  test("removePropagationHeaders leaves application headers alone", () => {
    const headers: Record<string, unknown> = {
      Baggage: "a=1",
      "x-b3-sampled": "1",
      b3: "x",
      "OT-Baggage-Tenant": "acme",
      "ot-baggage-": "not a baggage header (no key)",
      app: "y",
    };
    removePropagationHeaders(headers);
    assert.deepEqual(headers, { "ot-baggage-": "not a baggage header (no key)", app: "y" });
  });

  test("B13: the legacy ot-baggage-* headers of a consumed message do not reach the next one", async () => {
    // A message written by dd-trace-ot, re-published inside a new span that has no baggage.
    const headers: Record<string, unknown> = {
      "x-datadog-trace-id": "111",
      "x-datadog-parent-id": "222",
      "ot-baggage-user": "alice",
    };
    assert.equal(propagation.getBaggage(contextFromAmqpHeaders(headers))?.getEntry("user")?.value, "alice");
    await inSpan("republish", (span) => {
      injectAmqpHeaders(headers);
      const restored = contextFromAmqpHeaders(headers);
      assert.equal(trace.getSpanContext(restored)?.traceId, span.spanContext().traceId);
      assert.equal(propagation.getBaggage(restored), undefined, "no baggage of the old message");
      assert.equal("ot-baggage-user" in headers, false);
    });
  });
});

describe("amqplib headers", () => {
  test("strings, Buffers and safe-integer numbers (AMQP integer types) read as text", () => {
    const sc = { traceId: "0".repeat(16) + "112210f47de98115", spanId: "000000003ade68b1" };
    const headers = {
      "x-datadog-trace-id": Buffer.from("1234567890123456789"),
      "x-datadog-parent-id": "987654321",
      "x-datadog-sampling-priority": 2, // published as a number: amqplib delivers a JS number
      "x-datadog-origin": "synthetics",
    };
    assert.equal(amqpHeadersGetter.get(headers, "x-datadog-sampling-priority"), "2");
    const ctx = contextFromAmqpHeaders(headers);
    const restored = trace.getSpanContext(ctx);
    assert.equal(restored?.traceId, sc.traceId);
    assert.equal(restored?.spanId, sc.spanId);
    assert.equal(getDatadogContext(ctx)?.samplingPriority, 2);
    assert.equal(getDatadogContext(ctx)?.origin, "synthetics");
    assert.deepEqual(headers["x-datadog-sampling-priority"], 2, "the delivered headers are not modified");
  });

  test("a number that is not a safe integer (an id rounded by a JS number) is ignored, never guessed", () => {
    const rounded = Number(12345678901234567890n); // what amqplib makes of an AMQP long above 2^53
    const headers = { "x-datadog-trace-id": rounded, "x-datadog-parent-id": "987654321" };
    assert.equal(amqpHeadersGetter.get(headers, "x-datadog-trace-id"), undefined);
    assert.equal(contextFromAmqpHeaders(headers), ROOT_CONTEXT);
    // Other field types read as the stored-carrier reader reads them, judged by the header's grammar;
    // a table in a header that is no propagation header is nothing.
    const other = {
      flag: true,
      ts: { "!": "timestamp", value: 1 },
      "x-datadog-origin": { "!": "timestamp", value: 1 },
    };
    assert.equal(amqpHeadersGetter.get(other, "flag"), "true");
    assert.equal(amqpHeadersGetter.get(other, "ts"), undefined);
    assert.equal(amqpHeadersGetter.get(other, "x-datadog-origin"), NOT_TEXT_VALUE);
  });

  test("injectAmqpHeaders fills publish options' headers in place", async () => {
    await inSpan("publisher", (span) => {
      const options = { headers: { "x-app": 1 } as Record<string, unknown>, messageId: "m-1" };
      const same = injectAmqpHeaders(options.headers);
      assert.equal(same, options.headers);
      assert.equal(options.headers.traceparent, traceparentOf(span.spanContext()));
      assert.equal(options.headers["x-app"], 1);
    });
  });
});

describe("kafkaHeadersSetter / amqpHeadersSetter: one spelling per name", () => {
  // Each container holds the field in another case and an application field; `fields` lists them.
  const containers: {
    kind: string;
    make: () => object;
    fields: (h: object) => unknown[];
    entries: boolean;
  }[] = [
    {
      kind: "a plain object",
      make: () => ({ TRACEPARENT: "old", other: "x" }),
      fields: Object.entries,
      entries: false,
    },
    {
      kind: "a Map (through set())",
      make: () =>
        new Map([
          ["TraceParent", "old"],
          ["other", "x"],
        ]),
      fields: (h) => [...(h as Map<string, unknown>)],
      entries: true,
    },
    {
      kind: "a fetch Headers object (through set())",
      make: () => new Headers({ TraceParent: "old", other: "x" }),
      fields: (h) => [...(h as Headers)],
      entries: true,
    },
  ];
  for (const [setterName, setter] of Object.entries({ kafkaHeadersSetter, amqpHeadersSetter }))
    for (const { kind, make, fields, entries } of containers)
      test(`${setterName} on ${kind} replaces the field written in another case, keeps the others`, () => {
        const headers = make();
        setter.set(headers as never, "TraceParent", TRACEPARENT);
        assert.deepEqual(fields(headers), [
          ["other", "x"],
          ["traceparent", TRACEPARENT],
        ]);
        if (entries) assert.equal(Object.keys(headers).length, 0, "no plain properties");
      });
});

describe("headers kept in entries: a fetch Headers object or a Map, as the readers take them", () => {
  const stale = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  test("injectKafkaHeaders / injectAmqpHeaders write through set(): the same object, read back by every reader", async () => {
    await inSpan("producer", (span) => {
      const expected = traceparentOf(span.spanContext());
      for (const inject of [injectKafkaHeaders, injectAmqpHeaders] as ((
        headers: HeaderEntries,
      ) => unknown)[]) {
        const fetchHeaders = new Headers({ "x-app": "1", TraceParent: stale, "x-b3-traceid": "abc" });
        assert.equal(inject(fetchHeaders), fetchHeaders);
        assert.equal(fetchHeaders.has("traceparent"), true);
        assert.equal(fetchHeaders.get("traceparent"), expected, "the new context replaced the stale one");
        assert.equal(fetchHeaders.has("x-b3-traceid"), false, "no other style of the stale context (B13)");
        assert.equal(fetchHeaders.get("x-app"), "1");
        assert.equal(Object.keys(fetchHeaders).length, 0, "no plain properties");

        const map = new Map<string, unknown>([
          ["x-app", "1"],
          ["TraceParent", stale],
          ["x-datadog-trace-id", "1"],
        ]);
        assert.equal(inject(map), map);
        assert.equal(map.get("traceparent"), expected);
        assert.equal(
          map.get("x-datadog-trace-id"),
          datadogTraceId(span.spanContext().traceId),
          "stale id replaced",
        );
        assert.equal(map.has("TraceParent"), false);
        assert.equal(Object.keys(map).length, 0, "no plain properties");

        for (const written of [fetchHeaders, map]) {
          for (const read of [contextFromKafkaHeaders, contextFromAmqpHeaders]) {
            const restored = trace.getSpanContext(read(written));
            assert.equal(restored?.traceId, span.spanContext().traceId);
            assert.equal(restored?.spanId, span.spanContext().spanId);
          }
          assert.equal(
            kafkaHeadersGetter.get(written as never, "traceparent"),
            expected,
            "the getter reads entries",
          );
          assert.ok(kafkaHeadersGetter.keys(written as never).includes("traceparent"));
        }
      }
    });
  });

  test("withSendSpan({ headers }) hands fn the same Headers / Map holding the send span's context", async () => {
    for (const headers of [new Headers({ "x-app": "1" }), new Map<string, unknown>([["x-app", "1"]])]) {
      const [given, sendSpanContext] = withSendSpan(
        { system: "kafka", destination: "jobs", headers },
        (h, span) => [h, span.spanContext()] as const,
      );
      assert.equal(given, headers);
      const traceparent =
        headers instanceof Headers ? headers.get("traceparent") : headers.get("traceparent");
      assert.equal(traceparent, traceparentOf(sendSpanContext));
    }
  });

  test("removePropagationHeaders empties a Map's or a Headers object's propagation entries, any case", () => {
    const map = new Map<string, unknown>([
      ["x-app", "1"],
      ["TraceParent", stale],
      ["x-datadog-trace-id", "1"],
    ]);
    assert.equal(removePropagationHeaders(map), true);
    assert.deepEqual([...map.keys()], ["x-app"]);
    const fetchHeaders = new Headers({ "x-app": "1", traceparent: stale, b3: "1" });
    assert.equal(removePropagationHeaders(fetchHeaders), true);
    assert.deepEqual([...fetchHeaders.keys()], ["x-app"]);
    assert.equal(removePropagationHeaders(Response.error().headers), true, "nothing to remove");
    assert.equal(removePropagationHeaders(Response.redirect("http://example.test/", 302).headers), true);
  });

  test("an immutable Headers object (a fetch Response's) gives a new Headers object with its fields and the context", async () => {
    await inSpan("producer", (span) => {
      const immutable = Response.redirect("http://example.test/next", 302).headers;
      assert.throws(() => immutable.set("x", "1"), TypeError, "immutable, as fetch's guard makes it");
      const out = injectKafkaHeaders(immutable);
      assert.notEqual(out, immutable);
      assert.ok(out instanceof Headers);
      assert.equal(out.get("location"), "http://example.test/next", "its fields copied");
      assert.equal(out.get("traceparent"), traceparentOf(span.spanContext()));
      assert.equal(immutable.has("traceparent"), false, "left alone");
    });
  });

  test("a stored carrier with repeated fields goes into a Headers object field by field", () => {
    const headers = new Headers();
    const out = writeCarrierToHeaders(headers, {
      traceparent: TRACEPARENT,
      tracestate: ["a=1", "b=2"],
      "bad name": "x",
    });
    assert.equal(out, headers);
    assert.equal(headers.get("traceparent"), TRACEPARENT);
    assert.equal(headers.get("tracestate"), "a=1, b=2");
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(headers))?.traceState?.serialize(), "a=1,b=2");
  });
});

describe("rabbitmqDestinationName (RabbitMQ semantic conventions)", () => {
  const cases: [string, string, string | undefined, string][] = [
    ["logs", "warning", undefined, "logs:warning"],
    ["", "jobs", undefined, "jobs"],
    ["logs", "", undefined, "logs"],
    ["", "", undefined, "amq.default"],
    ["logs", "warning", "q1", "logs:warning:q1"],
    ["logs", "", "q1", "logs:q1"],
    ["", "", "q1", "q1"],
    ["", "jobs", "jobs", "jobs"],
    ["logs", "warning", "warning", "logs:warning"],
    ["logs", "warning", undefined, "logs:warning"],
  ];
  for (const [exchange, routingKey, queue, expected] of cases) {
    test(`(${JSON.stringify(exchange)}, ${JSON.stringify(routingKey)}, ${JSON.stringify(queue)}) -> ${expected}`, () => {
      assert.equal(rabbitmqDestinationName(exchange, routingKey, queue), expected);
    });
  }

  test("a delivered message or its fields (plain JS: rabbitmqDestinationName(msg.fields) was amq.default): the consume form of its exchange and routing key", () => {
    const fields = {
      consumerTag: "c1",
      deliveryTag: 7,
      redelivered: false,
      exchange: "logs",
      routingKey: "warning",
    };
    const msg = { fields, properties: { headers: {} }, content: Buffer.from("x") };
    assert.equal(rabbitmqDestinationName(msg.fields, "q1"), "logs:warning:q1");
    assert.equal(rabbitmqDestinationName(msg, "q1"), "logs:warning:q1");
    assert.equal(rabbitmqDestinationName(msg, "warning"), "logs:warning");
    assert.equal(rabbitmqDestinationName(msg), "logs:warning");
    const direct = { fields: { ...fields, exchange: "", routingKey: "jobs" } };
    assert.equal(rabbitmqDestinationName(direct, "jobs"), "jobs");
    assert.equal(rabbitmqDestinationName(direct.fields), "jobs");
  });

  test('a delivery through the default exchange with an empty routing key and no queue is amq.default, never ""', () => {
    assert.equal(rabbitmqDestinationName({ exchange: "", routingKey: "" }), "amq.default");
    assert.equal(rabbitmqDestinationName({ fields: { exchange: "", routingKey: "" } }), "amq.default");
  });

  // Plain JS (and `as never` in TypeScript): each misuse is a TypeError saying what to pass, where the
  // old code returned a name silently (amq.default for no argument, the queue taken for an exchange).
  const usage =
    /^TypeError: tracehop rabbitmqDestinationName: .*\. Call it as rabbitmqDestinationName\(exchange, routingKey\) for a publish, rabbitmqDestinationName\(exchange, routingKey, queue\) or rabbitmqDestinationName\(msg, queue\) for a consumed message \(msg or msg\.fields\)$/;
  const call = rabbitmqDestinationName as (...args: unknown[]) => string;
  const hostile = new Proxy(
    {},
    {
      get: () => {
        throw new Error("trap");
      },
    },
  );
  const misuses: [string, unknown[], RegExp][] = [
    [
      "no argument",
      [],
      /the exchange must be a string \("" for the default exchange, as publish takes it\), or the delivered message, got undefined/,
    ],
    ["null for the exchange", [null, "q"], /the exchange must be a string .* got null/],
    ["undefined for the exchange", [undefined, "rk", "q"], /the exchange must be a string .* got undefined/],
    ["a number for the exchange", [5, "q"], /the exchange must be a string .* got 5/],
    [
      "the queue alone",
      ["q"],
      /the routing key is missing: pass the exchange and the routing key \("", "q"\) for sendToQueue\("q"\)/,
    ],
    ["a routing key that is no string", ["ex", 7], /the routing key must be a string, got 7/],
    [
      "an empty queue",
      ["", "", ""],
      /the queue must be the name of the queue the message was consumed from, a non-empty string \(for a server-named queue, the name assertQueue returned\), got ""/,
    ],
    ["a queue that is no string", ["ex", "rk", 3], /the queue must be .* got 3/],
    ["four arguments", ["ex", "rk", "q", "x"], /it takes at most three arguments, got 4/],
    [
      "msg.properties for the message",
      [{ headers: {} }, "q"],
      /the delivered message must be an amqplib message or its fields, with string exchange and routingKey, got an object without them \(msg\.properties\? pass msg or msg\.fields\)/,
    ],
    [
      "fields that are no strings",
      [{ fields: { exchange: 5, routingKey: null } }, "q1"],
      /the delivered message must be an amqplib message or its fields/,
    ],
    ["an empty object", [{}], /the delivered message must be an amqplib message or its fields/],
    [
      "a message whose getters throw",
      [hostile, "q1"],
      /the delivered message must be an amqplib message or its fields/,
    ],
    ["a message and an empty queue", [{ exchange: "", routingKey: "q" }, ""], /the queue must be .* got ""/],
    [
      "a message, a queue and more",
      [{ exchange: "", routingKey: "q" }, "q", "x"],
      /the delivered message takes the queue alone after it, got 3 arguments/,
    ],
  ];
  for (const [what, args, detail] of misuses) {
    test(`misuse is a TypeError saying what to pass: ${what}`, () => {
      assert.throws(
        () => call(...args),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.match(`${error.name}: ${error.message}`, usage);
          assert.match(error.message, detail);
          return true;
        },
      );
    });
  }
});
