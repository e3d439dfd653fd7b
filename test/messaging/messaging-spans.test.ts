/**
 * withSendSpan / withProcessSpan with the real OpenTelemetry SDK (in-memory exporter) and kafkajs's own
 * record encoding; the broker tests are in amqplib-rabbitmq.test.ts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapPropagator,
  type TextMapGetter,
} from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { Message } from "kafkajs";
import { suppressTracing } from "@opentelemetry/core";
import {
  captureCarrier,
  createPropagator,
  setRestoreDefaults,
  withBatch,
  withBatchItem,
  withCarrier,
} from "../../src/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import {
  injectAmqpHeaders,
  injectKafkaHeaders,
  withBatchProcessSpan,
  withProcessSpan,
  withSendSpan,
  type SendSpanOptions,
} from "../../src/messaging/index.js";
import {
  datadogSpanId,
  datadogTraceId,
  exporter,
  inSpan,
  kafkaRoundTrip,
  onlySpan,
  spansNamed,
  traceparentOf,
  tracer,
} from "./tracing.js";

const STORED_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const STORED_SPAN_ID = "00f067aa0ba902b7";
/** An outbox row's stored carrier, as the api process wrote it (W3C + Datadog + baggage). */
const STORED = {
  traceparent: `00-${STORED_TRACE_ID}-${STORED_SPAN_ID}-01`,
  tracestate: "dd=s:1;t.dm:-0,congo=t61rcWkgMzE",
  baggage: "tenant=t-001",
  "x-datadog-trace-id": datadogTraceId(STORED_TRACE_ID),
  "x-datadog-parent-id": datadogSpanId(STORED_SPAN_ID),
  "x-datadog-sampling-priority": "1",
  "x-datadog-tags": `_dd.p.tid=${STORED_TRACE_ID.slice(0, 16)},_dd.p.dm=-0`,
};

const kafka = { system: "kafka", destination: "jobs" } as const;

beforeEach(() => exporter.reset());

/** The getter an OpenTelemetry consumer instrumentation reads message headers with (values as strings). */
const HEADERS_GETTER: TextMapGetter<Record<string, unknown>> = {
  keys: (h) => Object.keys(h),
  get: (h, k) => (h[k] === undefined ? undefined : String(h[k])),
};
/**
 * Headers of a message from a Synthetics trace: Datadog parent id 0, which Datadog's tracers accept
 * (system-tests Test_Synthetics_APM_Datadog).
 */
const SYNTHETICS_MESSAGE: Record<string, unknown> = {
  "x-datadog-trace-id": "123",
  "x-datadog-parent-id": "0",
  "x-datadog-origin": "synthetics",
};

describe("withSendSpan", () => {
  test("a PRODUCER span child of the active span; its context goes into the headers", async () => {
    let seen: Span | undefined;
    const parent = await inSpan("request", async (request) => {
      const headers = await withSendSpan({ ...kafka, messageId: "m-1" }, async (h, span) => {
        seen = span;
        await sleep(1);
        return h;
      });
      const send = onlySpan("send jobs");
      assert.equal(send.kind, SpanKind.PRODUCER);
      assert.equal(send.parentSpanContext?.spanId, request.spanContext().spanId);
      assert.equal(send.spanContext().traceId, request.spanContext().traceId);
      assert.equal(seen?.spanContext().spanId, send.spanContext().spanId);
      assert.equal(headers.traceparent, traceparentOf(send.spanContext()));
      assert.equal(headers["x-datadog-parent-id"], datadogSpanId(send.spanContext().spanId));
      assert.deepEqual(send.attributes, {
        "messaging.system": "kafka",
        "messaging.system.name": "kafka",
        "messaging.destination.name": "jobs",
        "messaging.operation.type": "send",
        "messaging.operation": "publish",
        "messaging.operation.name": "send",
        "messaging.message.id": "m-1",
      });
      return request;
    });
    assert.ok(parent);
  });

  test('destination "" under system rabbitmq (a message\'s fields.exchange through the default exchange) is no error: named by the send span\'s routingKey, else amq.default, on every helper; never "" (the conventions\' names)', () => {
    const name = (span: ReadableSpan) => [span.name, span.attributes["messaging.destination.name"]];
    const rabbitmq = { system: "rabbitmq", destination: "" } as const;
    assert.equal(
      withSendSpan({ ...rabbitmq, routingKey: "jobs" }, () => 1),
      1,
    );
    withSendSpan(rabbitmq, () => {});
    withProcessSpan({}, rabbitmq, () => {});
    withBatchProcessSpan([], rabbitmq, () => {});
    assert.deepEqual(exporter.getFinishedSpans().map(name), [
      ["publish jobs", "jobs"],
      ["publish amq.default", "amq.default"],
      ["process amq.default", "amq.default"],
      ["process amq.default", "amq.default"],
    ]);
  });

  test("rabbitmq: operation name publish, extra attributes win; another system's destination '' names the span by operation", () => {
    withSendSpan(
      {
        system: "rabbitmq",
        destination: "jobs",
        attributes: {
          "rabbitmq.destination.routing_key": "jobs",
          "messaging.operation.name": "basic.publish",
        },
      },
      () => undefined,
    );
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.name, "publish jobs");
    assert.equal(span?.attributes["messaging.operation.name"], "basic.publish");
    assert.equal(span?.attributes["rabbitmq.destination.routing_key"], "jobs");
    exporter.reset();
    withSendSpan({ system: "my-bus", destination: "" }, () => undefined);
    assert.equal(exporter.getFinishedSpans()[0]?.name, "send");
  });

  test("fn runs with tracing suppressed by default (no instrumentation span), unless asked not to", () => {
    withSendSpan(kafka, () => {
      const inner = tracer.startSpan("instrumentation send");
      assert.equal(inner.isRecording(), false);
      inner.end();
    });
    withSendSpan({ ...kafka, suppressInstrumentation: false }, () => {
      const inner = tracer.startSpan("instrumentation send");
      assert.equal(inner.isRecording(), true);
      inner.end();
    });
    assert.equal(spansNamed("instrumentation send").length, 1);
  });

  test("an active recording PRODUCER span is the send span: no second span", () => {
    const outer = tracer.startSpan("send jobs (caller's own)", { kind: SpanKind.PRODUCER });
    const headers = context.with(trace.setSpan(context.active(), outer), () =>
      withSendSpan(kafka, (h, span) => {
        assert.equal(span, outer);
        return h;
      }),
    );
    outer.end();
    assert.equal(exporter.getFinishedSpans().length, 1);
    assert.equal(headers.traceparent, traceparentOf(outer.spanContext()));
    assert.equal(exporter.getFinishedSpans()[0]!.attributes["messaging.operation.type"], "send");
  });

  test("headers option, a plain object: fn gets a copy, stale propagation headers replaced, application headers kept", () => {
    const headers: Record<string, unknown> = {
      Traceparent: "00-11111111111111111111111111111111-2222222222222222-01",
      "x-datadog-trace-id": "1",
      "content-type": "text/plain",
    };
    const given = { ...headers };
    const passed = withSendSpan({ ...kafka, headers }, (h) => h);
    assert.notEqual(passed, headers, "a copy: the given object may serve other sends");
    assert.deepEqual(headers, given, "the given object is left as it was");
    const send = onlySpan("send jobs");
    assert.equal("Traceparent" in passed, false);
    assert.equal(passed.traceparent, traceparentOf(send.spanContext()));
    assert.equal(passed["x-datadog-trace-id"], datadogTraceId(send.spanContext().traceId));
    assert.equal(passed["content-type"], "text/plain");
  });

  test("relay, default forward 'send-span': PRODUCER child of the stored context, its own context sent", () => {
    const headers = withSendSpan({ ...kafka, creationContext: STORED }, (h) => h);
    const send = onlySpan("send jobs");
    assert.equal(send.kind, SpanKind.PRODUCER);
    assert.equal(send.spanContext().traceId, STORED_TRACE_ID);
    assert.equal(send.parentSpanContext?.spanId, STORED_SPAN_ID);
    assert.equal(headers.traceparent, traceparentOf(send.spanContext()));
    assert.equal(headers["x-datadog-parent-id"], datadogSpanId(send.spanContext().spanId));
    assert.equal(headers.baggage, "tenant=t-001", "baggage of the stored context travels on");
  });

  test("relay, forward 'creation-context': the stored context sent unchanged, the send span is CLIENT", () => {
    const headers = withSendSpan(
      { ...kafka, creationContext: STORED, forward: "creation-context" },
      (h) => h,
    );
    const send = onlySpan("send jobs");
    assert.equal(send.kind, SpanKind.CLIENT);
    assert.equal(send.parentSpanContext?.spanId, STORED_SPAN_ID);
    assert.equal(headers.traceparent, STORED.traceparent);
    assert.equal(headers["x-datadog-trace-id"], STORED["x-datadog-trace-id"]);
    assert.equal(headers["x-datadog-parent-id"], STORED["x-datadog-parent-id"]);
    assert.equal(headers.baggage, STORED.baggage);
    assert.match(String(headers.tracestate), /congo=t61rcWkgMzE/);
  });

  test("each helper extracts a message's carrier once (creation-context relay; process under another CONSUMER span)", () => {
    const inner = createPropagator();
    let extractions = 0;
    const counting: TextMapPropagator = {
      inject: (ctx, carrier, setter) => inner.inject(ctx, carrier, setter),
      extract: (ctx, carrier, getter) => {
        extractions++;
        return inner.extract(ctx, carrier, getter);
      },
      fields: () => inner.fields(),
    };
    withSendSpan(
      { ...kafka, creationContext: STORED, forward: "creation-context", propagator: counting },
      (h) => h,
    );
    assert.equal(extractions, 1);
    withSendSpan(
      {
        ...kafka,
        creationContext: { traceparent: "garbage" },
        forward: "creation-context",
        propagator: counting,
      },
      (h) => h,
    );
    assert.equal(extractions, 2);
    const other = tracer.startSpan("other process", { kind: SpanKind.CONSUMER });
    context.with(trace.setSpan(context.active(), other), () =>
      withProcessSpan(STORED, { ...kafka, propagator: counting }, () => undefined),
    );
    other.end();
    assert.equal(extractions, 3);
    assert.equal(onlySpan("process jobs").parentSpanContext?.spanId, STORED_SPAN_ID);
  });

  test("relay, forward 'creation-context' with relation 'link': new trace linked to the stored context", () => {
    const headers = withSendSpan(
      { ...kafka, creationContext: STORED, forward: "creation-context", relation: "link" },
      (h) => h,
    );
    const send = onlySpan("send jobs");
    assert.notEqual(send.spanContext().traceId, STORED_TRACE_ID);
    assert.equal(send.parentSpanContext, undefined);
    assert.deepEqual(
      send.links.map((l) => [l.context.traceId, l.context.spanId]),
      [[STORED_TRACE_ID, STORED_SPAN_ID]],
    );
    assert.equal(headers.traceparent, STORED.traceparent);
  });

  test("relay inside a batch span (withBatch): the send span, child of the stored context, links the batch span", () => {
    const linksOf = (span: ReadableSpan) =>
      span.links.map((l) => [l.context.traceId, l.context.spanId, l.attributes]);
    for (const [forward, relation, kind] of [
      ["send-span", undefined, SpanKind.PRODUCER],
      ["creation-context", undefined, SpanKind.CLIENT],
      ["creation-context", "link", SpanKind.CLIENT],
    ] as const) {
      exporter.reset();
      const row = { traceContext: STORED, createdAt: new Date() };
      withBatch([row], "relay batch", () =>
        withSendSpan({ ...kafka, creationContext: row, forward, relation }, (h) => h),
      );
      const batch = onlySpan("relay batch").spanContext();
      const send = onlySpan("send jobs");
      const what = `${forward} ${relation}`;
      assert.equal(send.kind, kind, what);
      const batchLink = [batch.traceId, batch.spanId, undefined];
      if (relation === "link") {
        assert.equal(send.parentSpanContext, undefined, what);
        assert.deepEqual(linksOf(send), [batchLink, [STORED_TRACE_ID, STORED_SPAN_ID, undefined]], what);
      } else {
        assert.equal(send.parentSpanContext?.spanId, STORED_SPAN_ID, what);
        assert.deepEqual(linksOf(send), [batchLink], what);
      }
    }
  });

  test("relay: an active span that is the stored context itself is the parent, not linked; no span, no link", async () => {
    const captured = await inSpan("request", () => {
      const row = { traceContext: captureCarrier() };
      withSendSpan({ ...kafka, creationContext: row }, (h) => h);
      return trace.getActiveSpan()!.spanContext();
    });
    const send = onlySpan("send jobs");
    assert.equal(send.parentSpanContext?.spanId, captured.spanId);
    assert.deepEqual(send.links, []);
    exporter.reset();
    withSendSpan({ ...kafka, creationContext: STORED }, (h) => h);
    assert.deepEqual(onlySpan("send jobs").links, [], "no active span: nothing to link");
  });

  test("relay in the context of a span that has ended (a start-up span amqplib's callback runs in): no link from it, as withProcessSpan and withBatchItem", () => {
    const startup = tracer.startSpan("startup");
    startup.end();
    const inEnded = trace.setSpan(context.active(), startup);
    for (const forward of ["send-span", "creation-context"] as const) {
      exporter.reset();
      context.with(inEnded, () =>
        withSendSpan({ ...kafka, creationContext: { traceContext: STORED }, forward }, (h) => h),
      );
      assert.deepEqual(onlySpan("send jobs").links, [], forward);
    }
    exporter.reset();
    context.with(inEnded, () => {
      withBatchItem({ traceContext: STORED }, "item", () => 0);
      withProcessSpan(STORED, kafka, () => 0);
    });
    assert.deepEqual(onlySpan("item").links, []);
    assert.deepEqual(onlySpan("process jobs").links, []);
  });

  test("withBatchItem whose message was written in the active span itself: its child, not linked to it as well", async () => {
    const active = await inSpan("request", () => {
      withBatchItem({ traceContext: captureCarrier() }, "item", () => 0);
      return trace.getActiveSpan()!.spanContext();
    });
    const item = onlySpan("item");
    assert.equal(item.parentSpanContext?.spanId, active.spanId);
    assert.deepEqual(item.links, []);
  });

  test("relay with an unusable stored carrier inside a batch span: a PRODUCER span, child of the batch span", () => {
    for (const forward of ["send-span", "creation-context"] as const)
      for (const stored of [null, {}, '{"traceparent": "garbage"']) {
        exporter.reset();
        const row = { traceContext: stored, createdAt: new Date() };
        const headers = withBatch([row], "relay batch", () =>
          withSendSpan({ ...kafka, creationContext: row, forward }, (h) => h),
        );
        const batch = onlySpan("relay batch").spanContext();
        const send = onlySpan("send jobs");
        const what = `${forward} ${JSON.stringify(stored)}`;
        assert.equal(send.kind, SpanKind.PRODUCER, what);
        assert.deepEqual(
          [send.parentSpanContext?.traceId, send.parentSpanContext?.spanId],
          [batch.traceId, batch.spanId],
          what,
        );
        assert.deepEqual(send.links, [], what);
        assert.equal(headers.traceparent, traceparentOf(send.spanContext()), what);
      }
  });

  test("relay with an unusable stored carrier: a new-trace PRODUCER span whose context is sent", () => {
    for (const forward of ["send-span", "creation-context"] as const) {
      exporter.reset();
      const headers = withSendSpan(
        { ...kafka, creationContext: '{"traceparent": "garbage"', forward },
        (h) => h,
      );
      const send = onlySpan("send jobs");
      assert.equal(send.kind, SpanKind.PRODUCER, forward);
      assert.equal(send.parentSpanContext, undefined, forward);
      assert.equal(headers.traceparent, traceparentOf(send.spanContext()), forward);
    }
  });

  test("errors of fn are recorded on the span and passed through (sync and async)", async () => {
    const boom = new Error("broker down");
    assert.throws(
      () =>
        withSendSpan(kafka, () => {
          throw boom;
        }),
      (err) => err === boom,
    );
    await assert.rejects(
      withSendSpan({ ...kafka, destination: "other" }, async () => {
        await sleep(1);
        throw boom;
      }),
      (err) => err === boom,
    );
    for (const name of ["send jobs", "send other"]) {
      const span = onlySpan(name);
      assert.equal(span.status.code, SpanStatusCode.ERROR, name);
      assert.equal(span.status.message, "broker down", name);
      assert.equal(span.events[0]?.name, "exception", name);
      assert.equal(span.attributes["error.type"], "Error", name);
    }
  });

  test("missing system or destination, or a propagator that is not one, is a clear TypeError, before fn runs", () => {
    let ran = false;
    const fn = () => (ran = true);
    assert.throws(
      () => withSendSpan({ destination: "jobs" } as SendSpanOptions, fn),
      /^TypeError: tracehop withSendSpan: options\.system must be a non-empty string, e\.g\. "rabbitmq" or "kafka", got undefined$/,
    );
    assert.throws(
      () => withSendSpan({ system: "kafka" } as SendSpanOptions, fn),
      /^TypeError: tracehop withSendSpan: options\.destination must be a string \(messaging\.destination\.name: the topic or queue name; for RabbitMQ, rabbitmqDestinationName\(exchange, routingKey\) when publishing, rabbitmqDestinationName\(msg, queue\) when consuming\), got undefined$/,
    );
    assert.throws(
      () => withSendSpan(undefined as unknown as SendSpanOptions, fn),
      /^TypeError: tracehop withSendSpan: options must be an object with system and destination, got undefined$/,
    );
    assert.throws(
      () => withSendSpan({ system: "kafka", destination: "jobs", propagator: "datadog" as never }, fn),
      /withSendSpan: propagator must be a TextMapPropagator .*createPropagator\("datadog"\)/,
    );
    assert.throws(
      () => withProcessSpan({}, { system: "kafka", destination: "jobs", propagator: 5 as never }, fn),
      /withProcessSpan: propagator must be a TextMapPropagator/,
    );
    assert.equal(ran, false);
    assert.equal(exporter.getFinishedSpans().length, 0);
  });

  test("messages that are not an array, or fn that is not a function, is a TypeError naming the helper called", () => {
    const row = { traceContext: { traceparent: STORED.traceparent } };
    for (const [messages, got] of [
      [null, "null"],
      ["abc", '"abc"'],
      [new Set(), "a Set"],
    ] as const) {
      assert.throws(
        () => withBatchProcessSpan(messages as never, kafka, () => 1),
        (err: unknown) =>
          err instanceof TypeError &&
          err.message ===
            `tracehop withBatchProcessSpan: messages must be an array (kafkajs eachBatch's batch.messages), got ${got}`,
      );
    }
    for (const [entry, call] of [
      ["withBatchProcessSpan", () => withBatchProcessSpan([], kafka, 5 as never)],
      ["withProcessSpan", () => withProcessSpan({}, kafka, 5 as never)],
      ["withSendSpan", () => withSendSpan(kafka, 5 as never)],
      ["withSendSpan", () => withSendSpan({ ...kafka, creationContext: row }, 5 as never)],
      [
        "withSendSpan",
        () => withSendSpan({ ...kafka, creationContext: row, forward: "creation-context" }, 5 as never),
      ],
    ] as const) {
      assert.throws(
        call,
        (err: unknown) =>
          err instanceof TypeError && err.message === `tracehop ${entry}: fn must be a function, got 5`,
        entry,
      );
    }
    assert.equal(exporter.getFinishedSpans().length, 0, "no span started");
  });

  // Found in a new-user trial: the order of withSendSpan(options, fn) with the message put second.
  test("options given first and the message second: the error names the order to use", () => {
    let ran = false;
    const fn = () => (ran = true);
    const options = { system: "rabbitmq", destination: "jobs" };
    // A whole amqplib message as it reaches a consume callback, and a kafkajs message.
    const amqp = {
      fields: { deliveryTag: 1, redelivered: false, exchange: "", routingKey: "jobs" },
      properties: { headers: { traceparent: STORED.traceparent } },
      content: Buffer.from("{}"),
    };
    assert.throws(
      () => withProcessSpan(options, amqp as never, fn),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message ===
          'tracehop withProcessSpan: the options come second: withProcessSpan(headers, options, fn), and the options ({ system: "rabbitmq", ... }) were given first, an object second',
    );
    const kafkaMessages = [{ key: null, value: Buffer.from("{}"), headers: {} }];
    assert.throws(
      () => withBatchProcessSpan(kafka as never, kafkaMessages as never, fn),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message ===
          'tracehop withBatchProcessSpan: the options come second: withBatchProcessSpan(messages, options, fn), and the options ({ system: "kafka", ... }) were given first, an array second',
    );
    // Headers that hold a "system" field beside right options are headers: no such error.
    assert.equal(
      withProcessSpan({ system: "x" }, options, () => 7),
      7,
    );
    assert.equal(ran, false);
  });

  test("links and the configured restore options are checked alike by every helper, on every path, before fn runs", async () => {
    let ran = 0;
    const fn = () => ran++;
    const base = { system: "rabbitmq", destination: "jobs" };
    const row = { traceContext: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } };
    /** Each call, named by the helper in its error message. */
    const calls = (bad: Record<string, unknown>): Array<[string, () => unknown]> => [
      ["withSendSpan", () => withSendSpan({ ...base, ...bad }, fn)],
      ["withSendSpan", () => withSendSpan({ ...base, ...bad, creationContext: row }, fn)],
      [
        "withSendSpan",
        () => withSendSpan({ ...base, ...bad, creationContext: row, forward: "creation-context" }, fn),
      ],
      // Inside a recording PRODUCER span, which withSendSpan reuses.
      [
        "withSendSpan",
        () =>
          tracer.startActiveSpan("p", { kind: SpanKind.PRODUCER }, (p) => {
            try {
              return withSendSpan({ ...base, ...bad }, fn);
            } finally {
              p.end();
            }
          }),
      ],
      ["withProcessSpan", () => withProcessSpan({}, { ...base, ...bad }, fn)],
    ];
    for (const links of [5, "x", { context: {} }]) {
      for (const [entry, call] of [
        ...calls({ links }),
        ["withBatchProcessSpan", () => withBatchProcessSpan([], { ...base, links } as never, fn)] as const,
      ]) {
        assert.throws(
          call,
          (err: unknown) =>
            err instanceof TypeError &&
            err.message ===
              `tracehop ${entry}: links must be an array of span links, got ${typeof links === "string" ? '"x"' : typeof links === "number" ? "5" : "an object"}`,
          `${entry} links ${String(links)}`,
        );
      }
    }
    // Each link holds a SpanContext: a link without one made the SDK's OTLP serializer throw at export,
    // losing the whole export batch.
    for (const [links, shown] of [
      [[{}], "{ context: undefined }"],
      [[{ context: null }], "{ context: null }"],
      [[5], "5"],
      [[{ context: { traceId: 1, spanId: 2 } }], "{ context: { traceId: 1, ... } }"],
      [[{ context: { traceId: "a".repeat(32), spanId: "zz" } }], '{ context: { spanId: "zz", ... } }'],
    ] as const) {
      for (const [entry, call] of [
        ...calls({ links }),
        ["withBatchProcessSpan", () => withBatchProcessSpan([], { ...base, links } as never, fn)] as const,
      ]) {
        assert.throws(
          call,
          (err: unknown) =>
            err instanceof TypeError &&
            err.message.startsWith(
              `tracehop ${entry}: links[0] must be a span link { context: SpanContext`,
            ) &&
            err.message.endsWith(`, got ${shown}`),
          `${entry} links ${JSON.stringify(links)}`,
        );
      }
    }
    // attributes spread into the span (a string gave {0: "x", ...}), operationName, and the batch
    // helper's headersFrom and root are checked too (messageId comes from the message: message-id.test.ts).
    for (const [entry, call] of calls({ attributes: "xyz" })) {
      assert.throws(
        call,
        (err: unknown) =>
          err instanceof TypeError &&
          err.message.startsWith(`tracehop ${entry}: attributes must be a plain object of span attributes`) &&
          err.message.endsWith(`, got "xyz"`),
        `${entry} attributes`,
      );
    }
    assert.throws(
      () => withProcessSpan({}, { ...base, operationName: 5 } as never, fn),
      /^TypeError: tracehop withProcessSpan: options\.operationName must be a non-empty string \(messaging\.operation\.name, e\.g\. "process" or "publish"; leave it out for the default\), got 5$/,
    );
    assert.throws(
      () => withBatchProcessSpan([], { ...base, headersFrom: "x" } as never, fn),
      /^TypeError: tracehop withBatchProcessSpan: headersFrom must be a function of one message returning its headers, got "x"$/,
    );
    assert.throws(
      () => withBatchProcessSpan([], { ...base, root: 1 } as never, fn),
      /^TypeError: tracehop withBatchProcessSpan: root must be true or false, got 1$/,
    );
    assert.throws(
      () => withProcessSpan({}, { ...base, bodySize: "yes" } as never, fn),
      /^TypeError: tracehop withProcessSpan: bodySize must be true or false \(true: set messaging\.message\.body\.size from the whole message\), got "yes"$/,
    );
    // A batch span is no one message's: bodySize is not one of its options.
    assert.throws(
      () => withBatchProcessSpan([], { ...base, bodySize: true } as never, fn),
      /^TypeError: tracehop withBatchProcessSpan: .*bodySize/,
    );
    // attempt, run and capturedAt come from the message: a bad one is left out (message-options.test.ts).
    for (const [bad, message] of [
      [{ relation: "x" }, /relation must be "parent", "link", "none" or "auto"/],
      [{ maxParentAge: -1 }, /maxParentAge/],
    ] as const) {
      for (const [entry, call] of calls(bad)) {
        assert.throws(
          call,
          (err: unknown) => err instanceof Error && message.test(err.message) && err.message.includes(entry),
          `${entry} ${JSON.stringify(bad)}`,
        );
      }
    }
    assert.equal(ran, 0);
    assert.equal(exporter.getFinishedSpans().filter((s) => s.name !== "p").length, 0);
  });
});

describe("inside withSendSpan's fn: tracehop's own captures see through the suppression it set", () => {
  /** The carrier `propagation.inject` writes: what an OpenTelemetry instrumentation would inject. */
  const instrumentationInject = () => {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return carrier;
  };

  test("captureCarrier and the header helpers carry the send span; instrumentations stay suppressed", async () => {
    const seen = await inSpan("request", () =>
      withSendSpan(kafka, async (headers) => {
        await sleep(1); // across an await, as a producer's send is awaited
        return {
          headers: { ...headers },
          captured: captureCarrier(),
          kafkaHeaders: injectKafkaHeaders({}),
          amqpHeaders: injectAmqpHeaders({ "x-app": "1" }),
          instrumentation: instrumentationInject(),
          recording: tracer.startSpan("instrumentation send").isRecording(),
        };
      }),
    );
    const send = onlySpan("send jobs");
    assert.equal(seen.headers.traceparent, traceparentOf(send.spanContext()));
    assert.deepEqual(seen.captured, seen.headers);
    assert.deepEqual(seen.kafkaHeaders, seen.headers);
    assert.deepEqual(seen.amqpHeaders, { "x-app": "1", ...seen.headers });
    assert.deepEqual(seen.instrumentation, {}, "the global propagator still sees the suppression");
    assert.equal(seen.recording, false);
    assert.equal(spansNamed("instrumentation send").length, 0);
  });

  test("a nested withSendSpan reuses the outer send span, and its headers carry it", async () => {
    const outer = await inSpan("request", () =>
      withSendSpan({ ...kafka, destination: "a" }, async (headers, span) => {
        const inner = await withSendSpan({ ...kafka, destination: "b" }, async (h, innerSpan) => {
          await sleep(1);
          return { headers: { ...h }, same: innerSpan === span };
        });
        return { headers: { ...headers }, inner };
      }),
    );
    const send = onlySpan("send a");
    assert.equal(spansNamed("send b").length, 0, "no second span");
    assert.equal(outer.inner.same, true);
    assert.equal(outer.inner.headers.traceparent, traceparentOf(send.spanContext()));
    assert.deepEqual(outer.inner.headers, outer.headers);
  });

  test("a nested withSendSpan leaves the outer send span's attributes as they were", async () => {
    const rabbit = { system: "rabbitmq" } as const;
    await withSendSpan({ ...rabbit, destination: "a", messageId: "outer" }, async () =>
      withSendSpan(
        {
          ...rabbit,
          destination: "b",
          messageId: "inner",
          attributes: { "rabbitmq.destination.routing_key": "rk" },
        },
        async () => {},
      ),
    );
    const send = onlySpan("publish a");
    assert.equal(exporter.getFinishedSpans().length, 1);
    assert.equal(send.attributes["messaging.destination.name"], "a");
    assert.equal(send.attributes["messaging.message.id"], "outer");
    assert.equal(send.attributes["rabbitmq.destination.routing_key"], undefined);
    // Nor a relay's send span (withCarrier's, tracehop's own too).
    exporter.reset();
    withSendSpan({ ...rabbit, destination: "a", creationContext: STORED }, () =>
      withSendSpan({ ...rabbit, destination: "b", messageId: "inner" }, () => undefined),
    );
    const relay = onlySpan("publish a");
    assert.equal(relay.attributes["messaging.destination.name"], "a");
    assert.equal(relay.attributes["messaging.message.id"], undefined);
  });

  test("an instrumentation's (or the caller's own) PRODUCER span gets the attributes it lacks, none replaced", () => {
    const own = tracer.startSpan("send jobs (instrumentation)", {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "kafka",
        "messaging.destination.name": "jobs-v1",
        "messaging.message.id": "m1",
      },
    });
    context.with(trace.setSpan(context.active(), own), () =>
      withSendSpan(
        { ...kafka, destination: "jobs", messageId: "m2", attributes: { "kafka.message.key": "k" } },
        () => undefined,
      ),
    );
    own.end();
    const span = onlySpan("send jobs (instrumentation)");
    assert.equal(exporter.getFinishedSpans().length, 1);
    assert.equal(span.attributes["messaging.destination.name"], "jobs-v1", "kept");
    assert.equal(span.attributes["messaging.message.id"], "m1", "kept");
    assert.equal(span.attributes["messaging.system.name"], "kafka", "added");
    assert.equal(span.attributes["messaging.operation.type"], "send", "added");
    assert.equal(span.attributes["messaging.operation.name"], "send", "added");
    assert.equal(span.attributes["kafka.message.key"], "k", "added");
  });

  test("relay forwarding the creation context: a nested send is a recording PRODUCER child of the CLIENT span", () => {
    const seen = withSendSpan({ ...kafka, creationContext: STORED, forward: "creation-context" }, (h) => ({
      headers: { ...h },
      captured: captureCarrier(),
      nested: withSendSpan({ ...kafka, destination: "audit" }, (n) => ({ ...n })),
    }));
    const client = onlySpan("send jobs");
    const nested = onlySpan("send audit");
    assert.equal(seen.headers.traceparent, STORED.traceparent);
    assert.equal(seen.captured.traceparent, traceparentOf(client.spanContext()), "the active span's");
    assert.equal(nested.kind, SpanKind.PRODUCER);
    assert.equal(nested.parentSpanContext?.spanId, client.spanContext().spanId);
    assert.equal(seen.nested.traceparent, traceparentOf(nested.spanContext()));
  });

  test("a suppression the user set stays respected: nothing captured, nothing injected", async () => {
    const userSuppressed = () => suppressTracing(context.active());
    // Around withSendSpan, with the caller's own recording PRODUCER span active (reused as the send span).
    const own = tracer.startSpan("my publish", { kind: SpanKind.PRODUCER });
    const seen = context.with(userSuppressed(), () =>
      context.with(trace.setSpan(context.active(), own), () =>
        withSendSpan(kafka, (headers) => ({ headers: { ...headers }, captured: captureCarrier() })),
      ),
    );
    own.end();
    assert.deepEqual(seen, { headers: {}, captured: {} });
    // Around captureCarrier under a span.
    const plain = await inSpan("request", () => context.with(userSuppressed(), () => captureCarrier()));
    assert.deepEqual(plain, {});
    // Around the header helpers with a context option that the user suppressed.
    const span = tracer.startSpan("request");
    const suppressed = suppressTracing(trace.setSpan(context.active(), span));
    assert.deepEqual(injectKafkaHeaders({}, { context: suppressed }), {});
    span.end();
  });

  test("suppressInstrumentation: false: nothing is suppressed, the nested send reuses the outer span too", () => {
    const seen = withSendSpan({ ...kafka, destination: "a", suppressInstrumentation: false }, (h, span) => ({
      headers: { ...h },
      recording: tracer.startSpan("other work").isRecording(),
      nested: withSendSpan({ ...kafka, destination: "b" }, (n, inner) => ({ ...n, same: inner === span })),
    }));
    assert.equal(seen.recording, true);
    assert.deepEqual(seen.nested, { ...seen.headers, same: true });
  });
});

describe("withProcessSpan", () => {
  /** A message as a kafkajs consumer receives it, sent from inside span "producer". */
  async function sentMessage(): Promise<{
    headers: Record<string, unknown>;
    sendSpanId: string;
    traceId: string;
  }> {
    const message: Message = await inSpan("producer", () =>
      context.with(
        propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: "t-001" } })),
        () => withSendSpan(kafka, (headers) => ({ value: "{}", headers })),
      ),
    );
    const send = onlySpan("send jobs");
    const delivered = await kafkaRoundTrip({
      value: "{}",
      headers: message.headers as Record<string, string>,
    });
    exporter.reset();
    return {
      headers: delivered.headers,
      sendSpanId: send.spanContext().spanId,
      traceId: send.spanContext().traceId,
    };
  }

  test("CONSUMER span, child of the message's context, active across awaits with its baggage (B26, B28)", async () => {
    const { headers, sendSpanId, traceId } = await sentMessage();
    let baggage: string | undefined;
    let active: string | undefined;
    await withProcessSpan(headers, { ...kafka, messageId: "42" }, async (span) => {
      await sleep(2);
      active = trace.getActiveSpan()?.spanContext().spanId;
      assert.equal(active, span.spanContext().spanId);
      baggage = propagation.getBaggage(context.active())?.getEntry("tenant")?.value;
      tracer.startActiveSpan("split", (child) => child.end());
      const carrier = captureCarrier();
      assert.equal(
        carrier["x-datadog-trace-id"],
        datadogTraceId(traceId),
        "outbound calls continue the trace",
      );
    });
    const process = onlySpan("process jobs");
    assert.equal(process.kind, SpanKind.CONSUMER);
    assert.equal(process.spanContext().traceId, traceId);
    assert.equal(process.parentSpanContext?.spanId, sendSpanId);
    assert.equal(active, process.spanContext().spanId);
    assert.equal(baggage, "t-001");
    assert.equal(onlySpan("split").parentSpanContext?.spanId, process.spanContext().spanId);
    assert.equal(process.attributes["messaging.operation.type"], "process");
    assert.equal(process.attributes["messaging.operation.name"], "process");
    assert.equal(process.attributes["messaging.system"], "kafka");
    assert.equal(process.attributes["messaging.destination.name"], "jobs");
    assert.equal(process.attributes["messaging.message.id"], "42");
  });

  test("relation 'link': a new trace that links to the message's context", async () => {
    const { headers, sendSpanId, traceId } = await sentMessage();
    withProcessSpan(headers, { ...kafka, relation: "link" }, () => undefined);
    const process = onlySpan("process jobs");
    assert.notEqual(process.spanContext().traceId, traceId);
    assert.equal(process.parentSpanContext, undefined);
    assert.deepEqual(
      process.links.map((l) => l.context.spanId),
      [sendSpanId],
    );
  });

  test("called inside an ambient span: parent is the message's context, the ambient span a link", async () => {
    const { headers, sendSpanId } = await sentMessage();
    const ambientSpanId = await inSpan("poll", (poll) => {
      withProcessSpan(headers, kafka, () => undefined);
      return poll.spanContext().spanId;
    });
    const process = onlySpan("process jobs");
    assert.equal(process.parentSpanContext?.spanId, sendSpanId);
    assert.deepEqual(
      process.links.map((l) => l.context.spanId),
      [ambientSpanId],
    );
  });

  test("an active CONSUMER span that already continues the message is reused: no second span", async () => {
    const { headers, sendSpanId } = await sentMessage();
    // What an OpenTelemetry consumer instrumentation does before calling the handler.
    const parent = propagation.extract(context.active(), headers, HEADERS_GETTER);
    const instrumentation = tracer.startSpan("jobs process", { kind: SpanKind.CONSUMER }, parent);
    assert.equal(instrumentation.spanContext().traceId, trace.getSpanContext(parent)?.traceId);
    const got = context.with(trace.setSpan(parent, instrumentation), () =>
      withProcessSpan(headers, { ...kafka, messageId: "7" }, (span) => span),
    );
    instrumentation.end();
    assert.equal(got, instrumentation);
    const [only, ...rest] = exporter.getFinishedSpans();
    assert.equal(rest.length, 0);
    assert.equal(only?.parentSpanContext?.spanId, sendSpanId);
    assert.equal(only?.attributes["messaging.operation.type"], "process");
    assert.equal(only?.attributes["messaging.message.id"], "7");
  });

  /**
   * A consumer instrumentation under DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=restart (a new trace, which
   * the ExtractionSpanProcessor links to the message's context), then withProcessSpan inside it:
   * the instrumentation's span must be reused; it is the one span that ends.
   */
  function processUnderRestartedInstrumentation(headers: Record<string, unknown>): ReadableSpan {
    const restart = createPropagator(undefined, { extractBehavior: "restart" });
    const parent = restart.extract(context.active(), headers, HEADERS_GETTER);
    const instrumentation = tracer.startSpan("jobs process", { kind: SpanKind.CONSUMER }, parent);
    const got = context.with(trace.setSpan(parent, instrumentation), () =>
      withProcessSpan(headers, { ...kafka, propagator: restart }, (span) => span),
    );
    instrumentation.end();
    assert.equal(got, instrumentation, "the instrumentation's span is reused");
    const [only, ...rest] = exporter.getFinishedSpans();
    assert.equal(rest.length, 0);
    return only!;
  }

  test("restart extract behavior: the instrumentation's new-trace CONSUMER span (linked to the message) is reused", async () => {
    const { headers, sendSpanId, traceId } = await sentMessage();
    const only = processUnderRestartedInstrumentation(headers);
    assert.equal(only.parentSpanContext, undefined);
    assert.notEqual(only.spanContext().traceId, traceId);
    assert.deepEqual(
      only.links.map((link) => [link.context.traceId, link.context.spanId, link.attributes?.reason]),
      [[traceId, sendSpanId, "propagation_behavior_extract"]],
    );
  });

  test("restart: a restore of the message inside the reused instrumentation span (a traced step handed it) is its child, not a new trace", async () => {
    const { headers, traceId } = await sentMessage();
    const restart = createPropagator(undefined, { extractBehavior: "restart" });
    const parent = restart.extract(context.active(), headers, HEADERS_GETTER);
    const instrumentation = tracer.startSpan("jobs process", { kind: SpanKind.CONSUMER }, parent);
    context.with(trace.setSpan(parent, instrumentation), () =>
      withProcessSpan(headers, { ...kafka, propagator: restart }, () =>
        withCarrier(headers, "step", () => undefined, { propagator: restart }),
      ),
    );
    instrumentation.end();
    const step = spansNamed("step")[0]!;
    assert.notEqual(instrumentation.spanContext().traceId, traceId);
    assert.equal(step.spanContext().traceId, instrumentation.spanContext().traceId);
    assert.equal(step.parentSpanContext?.spanId, instrumentation.spanContext().spanId);
    assert.deepEqual(step.links, []);
  });

  test("restart of a Synthetics message (parent id 0): the instrumentation's span, linked with span id 0, is reused", () => {
    const only = processUnderRestartedInstrumentation(SYNTHETICS_MESSAGE);
    assert.deepEqual(
      only.links.map((link) => [link.context.traceId, link.context.spanId]),
      [["0000000000000000000000000000007b", "0000000000000000"]],
    );
  });

  test("a Synthetics message (parent id 0): the instrumentation's CONSUMER span, the root of the incoming trace, is reused", () => {
    const headers = SYNTHETICS_MESSAGE;
    const parent = propagation.extract(context.active(), headers, HEADERS_GETTER);
    // ExtractionSpanProcessor gives the instrumentation's root span the message's trace id.
    const instrumentation = tracer.startSpan("jobs process", { kind: SpanKind.CONSUMER }, parent);
    const got = context.with(trace.setSpan(parent, instrumentation), () =>
      withProcessSpan(headers, kafka, (span) => span),
    );
    instrumentation.end();
    assert.equal(got, instrumentation, "the instrumentation's span is reused");
    const [only, ...rest] = exporter.getFinishedSpans();
    assert.equal(rest.length, 0);
    assert.equal(only!.spanContext().traceId, "0000000000000000000000000000007b");
    assert.equal(only!.parentSpanContext, undefined);
    assert.equal(only!.attributes["messaging.operation.type"], "process");
  });

  test("a root CONSUMER span of the same trace that is not the message's root is not taken for it", () => {
    const headers = SYNTHETICS_MESSAGE;
    const parent = propagation.extract(context.active(), headers, HEADERS_GETTER);
    const instrumentation = tracer.startSpan("jobs process", { kind: SpanKind.CONSUMER }, parent);
    // A second message of the same Synthetics trace, processed inside the first one's span: its own span.
    const child = tracer.startSpan(
      "inner",
      { kind: SpanKind.CONSUMER },
      trace.setSpan(parent, instrumentation),
    );
    const got = context.with(trace.setSpan(parent, child), () =>
      withProcessSpan(headers, kafka, (span) => span),
    );
    child.end();
    instrumentation.end();
    assert.notEqual(got, child, "a span with a parent is no root of the message");
  });

  test("an active CONSUMER span of another message does not swallow this one", async () => {
    const { headers, sendSpanId } = await sentMessage();
    const other = tracer.startSpan("other process", { kind: SpanKind.CONSUMER });
    context.with(trace.setSpan(context.active(), other), () =>
      withProcessSpan(headers, kafka, () => undefined),
    );
    other.end();
    const process = onlySpan("process jobs");
    assert.equal(process.parentSpanContext?.spanId, sendSpanId);
    assert.deepEqual(
      process.links.map((l) => l.context.spanId),
      [other.spanContext().spanId],
      "the other consumer span becomes a link",
    );
  });

  test("headers with an application header named traceContext (and createdAt) are still the message's headers", async () => {
    const { headers, sendSpanId, traceId } = await sentMessage();
    const withAppHeaders = {
      ...headers,
      traceContext: Buffer.from("tenant-42"),
      createdAt: Buffer.from("2001-01-01T00:00:00Z"),
    };
    withProcessSpan(withAppHeaders, kafka, () => undefined);
    const process = onlySpan("process jobs");
    assert.equal(process.spanContext().traceId, traceId);
    assert.equal(process.parentSpanContext?.spanId, sendSpanId);
    assert.equal(
      process.attributes["tracehop.queue.wait"],
      undefined,
      "a createdAt header is no capture time",
    );
  });

  test("tracing headers after 130 application headers: child of the message's context", async () => {
    const { headers, sendSpanId, traceId } = await sentMessage();
    const many: Record<string, unknown> = {};
    for (let i = 0; i < 130; i++) many[`app-${i}`] = Buffer.from(`v${i}`);
    Object.assign(many, headers);
    withProcessSpan(many, kafka, () => undefined);
    const process = onlySpan("process jobs");
    assert.equal(process.spanContext().traceId, traceId);
    assert.equal(process.parentSpanContext?.spanId, sendSpanId);
  });

  test("inside withBatch(kind CONSUMER): one process span per message, child of its context, linked to the batch span", () => {
    type Delivered = { headers: { traceparent?: Buffer } };
    const message = (traceId: string, spanId: string): Delivered => ({
      headers: { traceparent: Buffer.from(`00-${traceId}-${spanId}-01`) },
    });
    for (const messages of <Delivered[][]>[
      [message("a".repeat(32), "1".repeat(16)), message("b".repeat(32), "2".repeat(16)), { headers: {} }],
      [message("c".repeat(32), "3".repeat(16))], // a batch of one still gets its process span
    ]) {
      exporter.reset();
      const seen: string[] = [];
      const batchSpanId = withBatch(
        messages,
        "process jobs batch",
        (batch) => {
          for (const m of messages)
            withProcessSpan(m.headers, { ...kafka, messageId: "m" }, (span) => {
              seen.push(span.spanContext().spanId);
            });
          return batch.spanContext().spanId;
        },
        { carrierFrom: (m) => m.headers, kind: SpanKind.CONSUMER },
      );
      const batch = onlySpan("process jobs batch");
      assert.equal(
        batch.attributes["messaging.operation.type"],
        undefined,
        "nothing of a message on the batch span",
      );
      const processes = spansNamed("process jobs");
      assert.equal(processes.length, messages.length);
      assert.deepEqual(
        processes.map((p) => p.spanContext().spanId),
        seen,
        "each handler ran in its own span",
      );
      for (const [i, process] of processes.entries()) {
        assert.equal(process.kind, SpanKind.CONSUMER);
        assert.equal(process.attributes["messaging.operation.type"], "process");
        const tp = messages[i]!.headers.traceparent?.toString();
        if (tp !== undefined) {
          assert.equal(process.spanContext().traceId, tp.slice(3, 35));
          assert.equal(process.parentSpanContext?.spanId, tp.slice(36, 52));
          assert.deepEqual(
            process.links.map((l) => l.context.spanId),
            [batchSpanId],
          );
        } else {
          assert.equal(process.parentSpanContext?.spanId, batchSpanId, "no context: child of the batch span");
        }
      }
    }
  });

  test("an instrumentation's span linking exactly this message is reused; one linking several messages is not", async () => {
    const { headers, sendSpanId, traceId } = await sentMessage();
    const other = { context: { traceId: "e".repeat(32), spanId: "5".repeat(16), traceFlags: 1 } };
    const mine = { context: { traceId, spanId: sendSpanId, traceFlags: 1 } };
    const conflict = { ...other, attributes: { reason: "terminated_context" } };
    for (const [links, reused] of [
      [[mine], true],
      // Another style's context of the same message (system-tests Test_Span_Links_From_Conflicting_Contexts).
      [[mine, conflict], true],
      [[mine, other], false],
    ] as const) {
      exporter.reset();
      const span = tracer.startSpan("jobs process", {
        kind: SpanKind.CONSUMER,
        links: [...links],
        root: true,
      });
      const got = context.with(trace.setSpan(context.active(), span), () =>
        withProcessSpan(headers, kafka, (s) => s),
      );
      span.end();
      assert.equal(got === span, reused, JSON.stringify(links));
      assert.equal(spansNamed("process jobs").length, reused ? 0 : 1);
    }
  });

  test("garbled headers: a new root CONSUMER span, fn still runs, errors pass through", () => {
    const boom = new Error("bad job");
    assert.throws(
      () =>
        withProcessSpan({ traceparent: Buffer.from("00-zz") }, kafka, () => {
          throw boom;
        }),
      (err) => err === boom,
    );
    const process = onlySpan("process jobs");
    assert.equal(process.parentSpanContext, undefined);
    assert.equal(process.status.code, SpanStatusCode.ERROR);
  });

  /**
   * Each helper that restores a stored context with `maxParentAge` and a relation other than `auto`,
   * by every path it takes (its own span, an instrumentation's span it adopts, a relay's two forwarding
   * modes). The warning is once per process: each case forgets the warnings given before it
   * (`resetWarnings`), so that each proves its own.
   */
  const MAX_PARENT_AGE_CASES: [label: string, helper: string, call: () => unknown][] = [
    [
      "withProcessSpan, capture time known",
      "withProcessSpan",
      () =>
        withProcessSpan(STORED, { ...kafka, maxParentAge: 1000, capturedAt: Date.now() - 60_000 }, () => 1),
    ],
    [
      "withProcessSpan, capture time unknown",
      "withProcessSpan",
      () => withProcessSpan(STORED, { ...kafka, maxParentAge: 1000 }, () => 1),
    ],
    [
      "withProcessSpan in an instrumentation's CONSUMER span it adopts",
      "withProcessSpan",
      () => {
        const parent = propagation.extract(context.active(), STORED, HEADERS_GETTER);
        const instrumentation = tracer.startSpan("jobs process", { kind: SpanKind.CONSUMER }, parent);
        const got = context.with(trace.setSpan(parent, instrumentation), () =>
          withProcessSpan(STORED, { ...kafka, maxParentAge: 1000 }, (span) => span),
        );
        instrumentation.end();
        assert.equal(got, instrumentation, "the instrumentation's span is adopted");
      },
    ],
    [
      "withSendSpan relaying a creation context in its send span",
      "withSendSpan",
      () => withSendSpan({ ...kafka, creationContext: STORED, maxParentAge: 1000 }, (h) => h),
    ],
    [
      "withSendSpan forwarding the creation context",
      "withSendSpan",
      () =>
        withSendSpan(
          { ...kafka, creationContext: STORED, forward: "creation-context", maxParentAge: 1000 },
          (h) => h,
        ),
    ],
  ];

  /** The TRACEHOP_MAX_PARENT_AGE_UNUSED messages `call` gives, none given before it in the process. */
  async function maxParentAgeWarnings(call: () => unknown): Promise<string[]> {
    resetWarnings();
    const { processWarnings } = await recordWarnings(call);
    return processWarnings
      .filter(([code]) => code === "TRACEHOP_MAX_PARENT_AGE_UNUSED")
      .map(([, message]) => message);
  }

  test("maxParentAge without relation auto: the message is handled as before, said by each helper and path (TRACEHOP_MAX_PARENT_AGE_UNUSED)", async () => {
    for (const [label, helper, call] of MAX_PARENT_AGE_CASES) {
      exporter.reset();
      const messages = await maxParentAgeWarnings(call);
      assert.equal(messages.length, 1, `${label}: said once`);
      assert.ok(
        messages[0]!.startsWith(`tracehop ${helper}: maxParentAge (1000 ms) is read only by relation "auto"`),
        `${label}: ${messages[0]}`,
      );
      const relations = exporter.getFinishedSpans().map((s) => s.attributes["tracehop.relation"]);
      assert.deepEqual(relations, ["parent"], `${label}: one span, the stored context's child`);
    }
  });

  test("maxParentAge with relation auto is read: nothing said, on every path", async () => {
    for (const [label, , call] of MAX_PARENT_AGE_CASES) {
      const auto = setRestoreDefaults({ relation: "auto" });
      try {
        assert.deepEqual(await maxParentAgeWarnings(call), [], label);
      } finally {
        setRestoreDefaults(auto);
      }
    }
  });

  test("missing system or destination is a clear TypeError", () => {
    assert.throws(() => withProcessSpan({}, { destination: "jobs" } as never, () => 1), /options\.system/);
    assert.throws(() => withProcessSpan({}, { system: "kafka" } as never, () => 1), /options\.destination/);
  });

  test("a well-known system in another case is a TypeError naming the spelling (and a type error); a system of one's own is kept", () => {
    let ran = 0;
    assert.throws(
      () =>
        // @ts-expect-error a type error too (SystemAsConventionsWrite); plain JS gets the TypeError
        withProcessSpan({}, { system: "Kafka", destination: "jobs" }, () => ran++),
      /^TypeError: tracehop withProcessSpan: options\.system must be written "kafka" \(.*\), got "Kafka"$/,
    );
    assert.throws(
      () =>
        // @ts-expect-error a type error too (SystemAsConventionsWrite); plain JS gets the TypeError
        withSendSpan({ system: "RabbitMQ", destination: "jobs" }, () => ran++),
      /^TypeError: tracehop withSendSpan: options\.system must be written "rabbitmq" \(.*\), got "RabbitMQ"$/,
    );
    assert.throws(
      () =>
        // @ts-expect-error a type error too (SystemAsConventionsWrite); plain JS gets the TypeError
        withBatchProcessSpan([], { system: "AWS.SQS", destination: "q" }, () => ran++),
      /options\.system must be written "aws\.sqs"/,
    );
    // White space around a system (read from configuration) would make a second name of it (trial t7).
    for (const [given, write, shown] of [
      [" nats", "nats", '" nats"'],
      ["kafka\n", "kafka", '"kafka\\n"'],
      ["MyBus ", "MyBus", '"MyBus "'],
      // One step to the right spelling, and an invisible character escaped (trial t8).
      [" NATS ", "nats", '" NATS "'],
      ["nats\u00a0", "nats", '"nats\\u00a0"'],
    ])
      assert.throws(() => withSendSpan({ system: given!, destination: "jobs" }, () => ran++), {
        name: "TypeError",
        message: `tracehop withSendSpan: options.system must have no white space around it (messaging.system.name), write "${write}", got ${shown}`,
      });
    // A blank system: nothing to write but a name (was: write "").
    assert.throws(() => withSendSpan({ system: "   ", destination: "jobs" }, () => ran++), {
      name: "TypeError",
      message:
        'tracehop withSendSpan: options.system must be a non-empty string, e.g. "rabbitmq" or "kafka", got "   "',
    });
    // A control character or a lone surrogate inside a system or an operation name (code, not message
    // data): exported as is in messaging.system.name / messaging.operation.name and the span name.
    for (const [options, message] of [
      [
        { system: "my\u0000bus", destination: "jobs" },
        'options.system must not hold a control character or a lone surrogate (messaging.system.name): its character 3 is U+0000 (NUL), got "my\\u0000bus"; remove it',
      ],
      [
        { system: "my\tbus", destination: "jobs" },
        'options.system must not hold a control character or a lone surrogate (messaging.system.name): its character 3 is U+0009 (tab), got "my\\tbus"; remove it',
      ],
      [
        { system: "bus\ud800", destination: "jobs" },
        'options.system must not hold a control character or a lone surrogate (messaging.system.name): its character 4 is U+D800 (a lone surrogate), got "bus\\ud800"; remove it',
      ],
      [
        { system: "kafka", destination: "jobs", operationName: "pub\nlish" },
        'options.operationName must not hold a control character or a lone surrogate (messaging.operation.name): its character 4 is U+000A (line feed), got "pub\\nlish"; remove it',
      ],
      [
        { system: "kafka", destination: "jobs", operationName: "   " },
        'options.operationName must be a non-empty string (messaging.operation.name, e.g. "process" or "publish"; leave it out for the default), got "   "',
      ],
    ] as const)
      assert.throws(() => withSendSpan(options as never, () => ran++), {
        name: "TypeError",
        message: `tracehop withSendSpan: ${message}`,
      });
    // tracehop's own names of nats.js and mqtt.js messages: "NATS" would be a second name of "nats".
    for (const [given, written] of [
      ["NATS", "nats"],
      ["Nats", "nats"],
      ["MQTT", "mqtt"],
    ] as const)
      assert.throws(
        // @ts-expect-error a type error too (SystemAsConventionsWrite)
        () => withSendSpan({ system: given, destination: "jobs" }, () => ran++),
        new RegExp(`options\\.system must be written "${written}" \\(.*\\), got "${given}"$`),
      );
    assert.equal(ran, 0);
    const system = withProcessSpan({}, { system: "MyBus", destination: "jobs" }, (span) => {
      return (span as unknown as { attributes: Record<string, unknown> }).attributes["messaging.system.name"];
    });
    assert.equal(system, "MyBus");
  });
});

describe("withBatchProcessSpan", () => {
  test("one CONSUMER batch span with the messaging attributes, the message count and a link per message", async () => {
    const TP_A = `00-${"a".repeat(32)}-${"1".repeat(16)}-01`;
    const decoded = await kafkaRoundTrip({
      value: "x",
      headers: { traceparent: TP_A, traceContext: "tenant-42" },
    });
    const messages = [
      { offset: "0", headers: decoded.headers },
      { offset: "1", headers: { traceparent: Buffer.from(`00-${"b".repeat(32)}-${"2".repeat(16)}-00`) } },
      { offset: "2", headers: {} },
    ];
    const batchSpanId = await withBatchProcessSpan(
      messages,
      { ...kafka, attributes: { "messaging.destination.partition.id": "3" } },
      async (batch) => {
        for (const m of messages)
          await withProcessSpan(m.headers, { ...kafka, messageId: m.offset }, () => undefined);
        return batch.spanContext().spanId;
      },
    );
    const batch = spansNamed("process jobs").find((s) => s.spanContext().spanId === batchSpanId)!;
    assert.equal(batch.kind, SpanKind.CONSUMER);
    assert.equal(batch.parentSpanContext, undefined);
    assert.deepEqual(batch.attributes, {
      "messaging.system": "kafka",
      "messaging.system.name": "kafka",
      "messaging.destination.name": "jobs",
      "messaging.operation.type": "process",
      "messaging.operation": "process",
      "messaging.operation.name": "process",
      "messaging.destination.partition.id": "3",
      "messaging.batch.message_count": 3,
    });
    assert.deepEqual(
      batch.links.map((l) => [l.context.traceId, l.context.spanId, l.context.traceFlags]),
      [
        ["a".repeat(32), "1".repeat(16), 1], // a traceContext header is only a header
        ["b".repeat(32), "2".repeat(16), 0],
      ],
    );
    const processes = spansNamed("process jobs").filter((s) => s !== batch);
    assert.deepEqual(
      processes.map((p) => p.attributes["messaging.message.id"]),
      ["0", "2"], // message 1 is unsampled (flags 00): its span is not recorded (case B20)
    );
    for (const p of processes)
      assert.deepEqual(
        p.links.map((l) => l.context.spanId),
        p.parentSpanContext?.spanId === batchSpanId ? [] : [batchSpanId],
      );
    // A batch of one (kafkajs eachBatch, a batching API): the count is set, as the convention's note
    // asks of batching APIs; an empty batch says 0.
    exporter.reset();
    withBatchProcessSpan([messages[0]!], kafka, () => undefined);
    assert.equal(onlySpan("process jobs").attributes["messaging.batch.message_count"], 1);
    exporter.reset();
    withBatchProcessSpan([], kafka, () => undefined);
    assert.equal(onlySpan("process jobs").attributes["messaging.batch.message_count"], 0);
    exporter.reset();
    withBatchProcessSpan(
      [messages[0]!],
      { ...kafka, attributes: { "messaging.batch.message_count": 7 } },
      () => 1,
    );
    assert.equal(
      onlySpan("process jobs").attributes["messaging.batch.message_count"],
      7,
      "options.attributes win",
    );
    // ... for a batch of several too (withBatch set messages.length over it).
    exporter.reset();
    withBatchProcessSpan(
      [messages[0]!, messages[0]!, messages[0]!],
      { ...kafka, attributes: { "messaging.batch.message_count": 7 } },
      () => 1,
    );
    assert.equal(onlySpan("process jobs").attributes["messaging.batch.message_count"], 7);
    assert.throws(
      () => withBatchProcessSpan([], { system: "kafka" } as never, () => 1),
      /options\.destination/,
    );
  });
});

describe("Datadog's OTLP mapping: messaging.operation, the pre-1.26 name it reads", () => {
  // datadog-agent pkg/trace/traceutil/otel_util.go: operation name `<messaging.system>.<messaging.operation>`,
  // resource `<messaging.operation> <messaging.destination.name>`; without messaging.operation the
  // operation name falls back to the span kind (`producer`, `consumer`).
  /** The attribute as the span held it while `fn` ran: set at start, where samplers see it. */
  const atStart = (span: Span) => (span as unknown as ReadableSpan).attributes["messaging.operation"];

  test("send spans: publish (kafka and rabbitmq; the relay's PRODUCER and CLIENT spans), set at start", () => {
    const started: unknown[] = [];
    withSendSpan(kafka, (_h, span) => started.push(atStart(span)));
    withSendSpan({ system: "rabbitmq", destination: "orders" }, (_h, span) => started.push(atStart(span)));
    withSendSpan({ ...kafka, creationContext: STORED }, (_h, span) => started.push(atStart(span)));
    withSendSpan({ ...kafka, creationContext: STORED, forward: "creation-context" }, (_h, span) =>
      started.push(atStart(span)),
    );
    assert.deepEqual(started, ["publish", "publish", "publish", "publish"]);
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => [s.name, s.kind, s.attributes["messaging.operation"]]),
      [
        ["send jobs", SpanKind.PRODUCER, "publish"],
        ["publish orders", SpanKind.PRODUCER, "publish"],
        ["send jobs", SpanKind.PRODUCER, "publish"],
        ["send jobs", SpanKind.CLIENT, "publish"],
      ],
    );
  });

  test("process span: process, set at start; a value of options.attributes wins", () => {
    const started: unknown[] = [];
    withProcessSpan(STORED, kafka, (span) => started.push(atStart(span)));
    withProcessSpan(STORED, { ...kafka, attributes: { "messaging.operation": "receive" } }, (span) =>
      started.push(atStart(span)),
    );
    assert.deepEqual(started, ["process", "receive"]);
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.attributes["messaging.operation"]),
      ["process", "receive"],
    );
  });

  test("batch span and its per-message spans: process; the batch span alone has the message count", () => {
    const messages = [{ headers: STORED }, { headers: STORED }];
    const started: unknown[] = [];
    withBatchProcessSpan(messages, kafka, (batch) => {
      started.push(atStart(batch));
      for (const m of messages) withProcessSpan(m.headers, kafka, () => undefined);
    });
    assert.deepEqual(started, ["process"]);
    const spans = spansNamed("process jobs");
    assert.equal(spans.length, 3);
    for (const span of spans) assert.equal(span.attributes["messaging.operation"], "process");
    assert.deepEqual(
      spans.map((s) => s.attributes["messaging.batch.message_count"]),
      [undefined, undefined, 2],
    );
    exporter.reset();
    withBatchProcessSpan(
      messages,
      { ...kafka, attributes: { "messaging.operation": "process_batch" } },
      () => undefined,
    );
    assert.equal(onlySpan("process jobs").attributes["messaging.operation"], "process_batch");
  });
});

describe("a failed messaging operation: error.type (messaging conventions: conditionally required iff failed)", () => {
  class PoisonMessageError extends Error {
    override name = "PoisonMessageError";
  }

  test("send, process and batch spans of a handler that throws or rejects carry error.type; a success none", async () => {
    assert.throws(() =>
      withSendSpan({ system: "rabbitmq", destination: "jobs" }, () => {
        throw new TypeError("no channel");
      }),
    );
    await assert.rejects(
      withProcessSpan({ traceparent: `00-${STORED_TRACE_ID}-${STORED_SPAN_ID}-01` }, kafka, async () => {
        await sleep(1);
        throw new PoisonMessageError("cannot parse");
      }),
      PoisonMessageError,
    );
    await assert.rejects(
      withBatchProcessSpan([{ headers: {} }, { headers: {} }], { ...kafka, destination: "batch" }, () =>
        Promise.reject("plain string"),
      ),
      (err) => err === "plain string",
    );
    withProcessSpan({}, { ...kafka, destination: "fine" }, () => undefined);
    const expected: [string, unknown, string | undefined][] = [
      ["publish jobs", "TypeError", "no channel"],
      ["process jobs", "PoisonMessageError", "cannot parse"],
      ["process batch", "_OTHER", "plain string"], // a thrown value that is not an Error
      ["process fine", undefined, undefined],
    ];
    for (const [name, errorType, message] of expected) {
      const span = onlySpan(name);
      assert.equal(span.attributes["error.type"], errorType, name);
      assert.equal(span.status.message, message, name);
      assert.equal(span.status.code, errorType === undefined ? SpanStatusCode.UNSET : SpanStatusCode.ERROR);
    }
  });

  test("an instrumentation's CONSUMER span reused as the process span gets error.type too", async () => {
    const headers = { traceparent: `00-${STORED_TRACE_ID}-${STORED_SPAN_ID}-01` };
    const parent = propagation.extract(context.active(), headers, HEADERS_GETTER);
    const instrumentation = tracer.startSpan("jobs process", { kind: SpanKind.CONSUMER }, parent);
    await assert.rejects(
      context.with(trace.setSpan(parent, instrumentation), () =>
        withProcessSpan(headers, kafka, async () => {
          throw new RangeError("too large");
        }),
      ),
      RangeError,
    );
    instrumentation.end();
    assert.equal(spansNamed("process jobs").length, 0, "no second span");
    const span = onlySpan("jobs process");
    assert.equal(span.attributes["error.type"], "RangeError");
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });
});

describe("handlers returning thenables that are not native promises", () => {
  /** A minimal thenable (Promises/A+ 1.2): `then` calls one of its two functions and returns nothing. */
  const minimal = (outcome: { value: unknown } | { error: unknown }) => ({
    then(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
      if ("value" in outcome) resolve(outcome.value);
      else reject(outcome.error);
    },
  });

  test("under an instrumentation's reused PRODUCER / CONSUMER span: a promise of the same outcome, never a throw", async () => {
    const headers = { traceparent: `00-${STORED_TRACE_ID}-${STORED_SPAN_ID}-01` };
    const parent = propagation.extract(context.active(), headers, HEADERS_GETTER);
    const producer = tracer.startSpan("jobs publish", { kind: SpanKind.PRODUCER });
    // One CONSUMER span per delivery: withProcessSpan takes one over once.
    const consumer = tracer.startSpan("jobs receive", { kind: SpanKind.CONSUMER }, parent);
    const redelivered = tracer.startSpan("jobs receive again", { kind: SpanKind.CONSUMER }, parent);
    const inProducer = <T>(fn: () => T) => context.with(trace.setSpan(context.active(), producer), fn);
    const inConsumer = <T>(fn: () => T) => context.with(trace.setSpan(parent, consumer), fn);
    const inRedelivered = <T>(fn: () => T) => context.with(trace.setSpan(parent, redelivered), fn);

    const sent = inProducer(() => withSendSpan(kafka, () => minimal({ value: 42 })));
    assert.ok(sent instanceof Promise);
    assert.equal(await sent, 42);
    const processed = inConsumer(() => withProcessSpan(headers, kafka, () => minimal({ value: "done" })));
    assert.equal(await processed, "done");

    const refused = new TypeError("broker refused");
    const failedSend = inProducer(() => withSendSpan(kafka, () => minimal({ error: refused })));
    // Typed as the handler's thenable; a native promise at run time (asserted above for `sent`).
    await assert.rejects(failedSend as unknown as Promise<unknown>, (err) => err === refused);
    const poison = new RangeError("poison");
    const failedProcess = inRedelivered(() =>
      withProcessSpan(headers, kafka, () => minimal({ error: poison })),
    );
    await assert.rejects(failedProcess as unknown as Promise<unknown>, (err) => err === poison);

    producer.end();
    consumer.end();
    redelivered.end();
    assert.equal(spansNamed("send jobs").length + spansNamed("process jobs").length, 0, "spans reused");
    assert.equal(onlySpan("jobs publish").attributes["error.type"], "TypeError");
    assert.equal(onlySpan("jobs publish").status.message, "broker refused");
    assert.equal(onlySpan("jobs receive").status.code, SpanStatusCode.UNSET);
    assert.equal(onlySpan("jobs receive again").attributes["error.type"], "RangeError");
    assert.equal(onlySpan("jobs receive again").status.message, "poison");
  });

  test("a result whose then cannot be read is returned as it is and the span ends", () => {
    const odd = {
      get then(): unknown {
        throw new Error("then getter");
      },
    };
    const strict = new Proxy(
      {},
      {
        get() {
          throw new Error("unknown property");
        },
      },
    );
    assert.equal(
      withSendSpan(kafka, () => odd),
      odd,
    );
    assert.equal(
      withProcessSpan({}, { ...kafka, destination: "strict" }, () => strict),
      strict,
    );
    for (const name of ["send jobs", "process strict"]) {
      const span = onlySpan(name); // ended, hence exported
      assert.equal(span.status.code, SpanStatusCode.UNSET, name);
      assert.equal(span.attributes["error.type"], undefined, name);
    }
  });
});

describe("span names: {operation} {destination} with a low-cardinality destination", () => {
  test("a template names the span; an anonymous or temporary destination is left out; the attribute keeps the name", async () => {
    const generated = "amq.gen-JzTY20BRgKO-HjmUJj0wLg";
    withProcessSpan(
      {},
      {
        system: "rabbitmq",
        destination: `logs:warn:${generated}`,
        attributes: { "messaging.destination.anonymous": true },
      },
      () => undefined,
    );
    withSendSpan(
      {
        system: "rabbitmq",
        destination: "amq.gen-reply",
        attributes: { "messaging.destination.temporary": true },
      },
      () => undefined,
    );
    await withBatchProcessSpan(
      [],
      {
        system: "kafka",
        destination: "orders-customer-42",
        attributes: { "messaging.destination.template": "orders-customer-{id}" },
      },
      async () => undefined,
    );
    withProcessSpan(
      {},
      { ...kafka, attributes: { "messaging.destination.anonymous": false } },
      () => undefined,
    );
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => [s.name, s.attributes["messaging.destination.name"]]),
      [
        ["process", `logs:warn:${generated}`],
        ["publish", "amq.gen-reply"],
        ["process orders-customer-{id}", "orders-customer-42"],
        ["process jobs", "jobs"],
      ],
    );
  });
});
