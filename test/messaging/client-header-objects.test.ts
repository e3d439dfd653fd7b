/**
 * A message client's own header object (NATS `MsgHdrs` from nats.js `headers()`, a class with
 * `set`/`delete`, a `Map` of another realm) is written and read through its methods: a property set
 * on such an object is never sent (nats.js serializes its internal Map only). Another class instance
 * without such methods is written as properties, said once. No server here: the client's header class
 * itself (test/messaging/nats-mqtt.test.ts sends through the real servers).
 */
import { runInNewContext } from "node:vm";
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, propagation, trace } from "@opentelemetry/api";
import { headers as natsHeaders, type MsgHdrs } from "nats";
import { contextFromCarrier, withCarrier } from "../../src/index.js";
import {
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  injectAmqpHeaders,
  injectKafkaHeaders,
  kafkaHeadersGetter,
  kafkaHeadersSetter,
  removePropagationHeaders,
  withBatchProcessSpan,
  withProcessSpan,
  withSendSpan,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import { LookUpHeaders, msgHdrs, SetDeleteHeaders } from "../support/header-classes.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import {
  datadogSpanId,
  datadogTraceId,
  exporter,
  inSpan,
  onlySpan,
  STORED_BEYOND_2_53 as STORED,
  STORED_SPAN_ID as SPAN_ID,
  STORED_TRACE_ID as TRACE_ID,
} from "./tracing.js";
const OLD_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});

/** What nats.js sends of `h`: its entries (name -> values), and the own properties set beside them. */
function sent(h: MsgHdrs): { record: Record<string, string[]>; extraProperties: string[] } {
  const record = (h as unknown as { toRecord(): Record<string, string[]> }).toRecord();
  const internals = new Set(["_code", "_description", "headers"]);
  return { record, extraProperties: Object.keys(h).filter((k) => !internals.has(k)) };
}

describe("NATS MsgHdrs written through its methods", () => {
  test("withSendSpan({ headers: headers() }) puts the send span's context in the entries nats.js sends", async () => {
    const h = natsHeaders();
    const { result, processWarnings } = await recordWarnings(() =>
      inSpan("request", () =>
        withSendSpan({ system: "nats", destination: "orders", headers: h }, (given, span) => {
          assert.equal(given, h, "the same object is handed to fn");
          return span.spanContext();
        }),
      ),
    );
    const { record, extraProperties } = sent(h);
    assert.deepEqual(record.traceparent, [`00-${result.traceId}-${result.spanId}-01`]);
    assert.deepEqual(record["x-datadog-parent-id"], [datadogSpanId(result.spanId)]);
    assert.deepEqual(extraProperties, [], "no header written as a property");
    assert.deepEqual(processWarnings, []);
  });

  test("injectKafkaHeaders, injectAmqpHeaders, writeCarrierToHeaders and kafkaHeadersSetter replace a context in another case", async () => {
    const stale = { TraceParent: OLD_TRACEPARENT, "X-Datadog-Trace-Id": "1", keep: "yes" };
    const expected = `00-${TRACE_ID}-${SPAN_ID}-01`;
    const writers: [string, (h: MsgHdrs) => MsgHdrs][] = [
      ["writeCarrierToHeaders", (h) => writeCarrierToHeaders(h, STORED)],
      ["injectKafkaHeaders", (h) => withCarrier(STORED, "relay", () => injectKafkaHeaders(h))],
      ["injectAmqpHeaders", (h) => withCarrier(STORED, "relay", () => injectAmqpHeaders(h))],
      [
        "propagation.inject + kafkaHeadersSetter",
        (h) => {
          removePropagationHeaders(h);
          propagation.inject(contextFromCarrier(STORED), h as never, kafkaHeadersSetter);
          return h;
        },
      ],
    ];
    for (const [name, write] of writers) {
      const h = msgHdrs(stale);
      const { result, processWarnings } = await recordWarnings(() => write(h));
      assert.equal(result, h, `${name}: the same object`);
      const { record, extraProperties } = sent(h);
      assert.deepEqual(extraProperties, [], `${name}: no property`);
      assert.equal(record.TraceParent, undefined, `${name}: the old context's other-case name removed`);
      assert.equal(record["X-Datadog-Trace-Id"], undefined, `${name}: removed`);
      assert.deepEqual(record.keep, ["yes"], `${name}: application header kept`);
      assert.equal(record.traceparent?.[0]?.slice(0, 36), expected.slice(0, 36), name);
      assert.deepEqual(record["x-datadog-trace-id"], [datadogTraceId(TRACE_ID)], `${name}: ${record}`);
      assert.deepEqual(processWarnings, [], name);
    }
  });

  test("removePropagationHeaders deletes through delete, any case", () => {
    const h = msgHdrs({
      Traceparent: OLD_TRACEPARENT,
      "ot-baggage-user": "x",
      "X-Datadog-Tags": "_dd.p.dm=-0",
      a: "1",
    });
    assert.equal(removePropagationHeaders(h), true);
    assert.deepEqual(sent(h).record, { a: ["1"] });
  });

  test("a repeated field of a stored carrier is appended value by value", () => {
    const h = natsHeaders();
    writeCarrierToHeaders(h, {
      traceparent: STORED.traceparent,
      tracestate: ["dd=s:1", "rojo=00f067aa0ba902b7"],
    });
    assert.deepEqual(sent(h).record.tracestate, ["dd=s:1", "rojo=00f067aa0ba902b7"]);
  });

  test("a field the client refuses (a name with ':') is left out and said, the others written", async () => {
    const h = natsHeaders();
    const { processWarnings } = await recordWarnings(() =>
      writeCarrierToHeaders(h, { traceparent: STORED.traceparent, "uber:trace": "x" }),
    );
    assert.deepEqual(sent(h).record, { traceparent: [STORED.traceparent] });
    // Left out by the setters' rule before nats.js is asked (it throws BAD_HEADER), and said as they say it.
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT",
        `tracehop writeCarrierToHeaders: the stored carrier given (a carrier object, its JSON or a row's traceContext) holds the header "uber:trace", which is not header text (its name holds a ':', and nats.js throws for a ':' in a NATS header name); it is left out of the message headers so that the client does not refuse the send or split a header`,
      ],
    ]);
  });

  test("a row's stored field the client refuses is said as the stored carrier's, not as a propagator's", async () => {
    const h = natsHeaders();
    const row = { id: 1, traceContext: { traceparent: STORED.traceparent, "ot:span": "x" } };
    const { processWarnings } = await recordWarnings(() => writeCarrierToHeaders(h, row));
    assert.deepEqual(sent(h).record, { traceparent: [STORED.traceparent] });
    assert.deepEqual(
      processWarnings.map(([, message]) => message.slice(0, message.indexOf(", which"))),
      [
        'tracehop writeCarrierToHeaders: the stored carrier given (a carrier object, its JSON or a row\'s traceContext) holds the header "ot:span"',
      ],
    );
  });
});

describe("NATS MsgHdrs read directly", () => {
  test("withProcessSpan(msg.headers) continues the trace; no warning", async () => {
    const h = msgHdrs(STORED);
    const { result, processWarnings } = await recordWarnings(() =>
      withProcessSpan(h, { system: "nats", destination: "orders" }, (span) => span.spanContext().traceId),
    );
    assert.equal(result, TRACE_ID);
    assert.equal(onlySpan("process orders").parentSpanContext?.spanId, SPAN_ID);
    assert.deepEqual(processWarnings, [], "no TRACEHOP_CARRIER_IN_OTHER_FIELD");
  });

  test("contextFromKafkaHeaders, contextFromAmqpHeaders, contextFromCarrier, withCarrier and the getter", async () => {
    // Names in another case too: NATS keeps them as sent (Go clients canonicalize: Traceparent).
    const h = msgHdrs({
      Traceparent: STORED.traceparent,
      "X-Datadog-Trace-Id": STORED["x-datadog-trace-id"],
    });
    for (const ctx of [contextFromKafkaHeaders(h), contextFromAmqpHeaders(h), contextFromCarrier(h)])
      assert.deepEqual(
        [trace.getSpanContext(ctx)?.traceId, trace.getSpanContext(ctx)?.spanId],
        [TRACE_ID, SPAN_ID],
      );
    const { result, processWarnings } = await recordWarnings(() =>
      withCarrier(h, "consume", () => trace.getActiveSpan()?.spanContext().traceId),
    );
    assert.equal(result, TRACE_ID);
    assert.deepEqual(processWarnings, []);
    assert.equal(kafkaHeadersGetter.get(h as never, "traceparent"), STORED.traceparent);
    assert.deepEqual(kafkaHeadersGetter.keys(h as never), ["Traceparent", "X-Datadog-Trace-Id"]);
    assert.equal(kafkaHeadersGetter.get(h as never, "baggage"), undefined, "a missing name (get gives '')");
  });

  test("withBatchProcessSpan links each message through its default headersFrom (message.headers)", async () => {
    const messages = [{ subject: "orders", data: new Uint8Array(), headers: msgHdrs(STORED) }];
    const links = await withBatchProcessSpan(messages, { system: "nats", destination: "orders" }, () =>
      trace.getActiveSpan(),
    );
    assert.ok(links);
    const span = onlySpan("process orders");
    assert.deepEqual(
      span.links.map((l) => [l.context.traceId, l.context.spanId]),
      [[TRACE_ID, SPAN_ID]],
    );
  });
});

describe("whole messages of other clients", () => {
  test("withBatchProcessSpan's default headersFrom reads MQTT packets' user properties", async () => {
    const packet = {
      cmd: "publish",
      topic: "orders",
      payload: Buffer.from("x"),
      properties: { userProperties: STORED },
    };
    await withBatchProcessSpan([packet], { system: "mqtt", destination: "orders" }, () => {});
    assert.deepEqual(
      onlySpan("process orders").links.map((l) => [l.context.traceId, l.context.spanId]),
      [[TRACE_ID, SPAN_ID]],
    );
  });

  test("a message shaped like nats.js's whole message is read under any system but kafka and rabbitmq", async () => {
    const msg = { subject: "orders", data: new Uint8Array(), sid: 1, headers: msgHdrs(STORED) };
    assert.equal(
      withProcessSpan(msg, { system: "nats", destination: "orders" }, (s) => s.spanContext().traceId),
      TRACE_ID,
    );
    const { result, processWarnings } = await recordWarnings(() =>
      withProcessSpan(msg, { system: "kafka", destination: "orders" }, (s) => s.spanContext().traceId),
    );
    assert.notEqual(result, TRACE_ID);
    assert.deepEqual(
      processWarnings.map(([code]) => code),
      ["TRACEHOP_CARRIER_IN_OTHER_FIELD"],
    );
  });
});

describe("warnings of NATS MsgHdrs and other clients' messages", () => {
  test("MsgHdrs that restore nothing give no TRACEHOP_CARRIER_IN_OTHER_FIELD of its internal fields", async () => {
    const restoringNothing: Record<string, string>[] = [
      { b3: `${TRACE_ID}-${SPAN_ID}-1` }, // b3 is not read under the default styles
      { baggage: "k=v" },
      { traceparent: "garbage" },
    ];
    for (const fields of restoringNothing) {
      resetWarnings();
      const { processWarnings } = await recordWarnings(() =>
        withProcessSpan(msgHdrs(fields), { system: "nats", destination: "orders" }, () => undefined),
      );
      // A refused traceparent is said as refused (TRACEHOP_CARRIER_REJECTED), not as another field.
      assert.deepEqual(
        processWarnings.filter(([code]) => code === "TRACEHOP_CARRIER_IN_OTHER_FIELD"),
        [],
        JSON.stringify(fields),
      );
    }
  });

  test("{ headers: MsgHdrs } warns as the same wrapper around a plain object or Map does", async () => {
    const said: string[][] = [];
    for (const inner of [STORED, new Map(Object.entries(STORED)), msgHdrs(STORED)]) {
      resetWarnings();
      const { result, processWarnings } = await recordWarnings(() =>
        withProcessSpan(
          { headers: inner },
          { system: "nats", destination: "orders" },
          (span) => span.spanContext().traceId,
        ),
      );
      assert.notEqual(result, TRACE_ID);
      said.push(processWarnings.map(([code, message]) => `${code} ${message}`));
    }
    assert.equal(said[0]!.length, 1, JSON.stringify(said));
    assert.match(
      said[0]![0]!,
      /^TRACEHOP_CARRIER_IN_OTHER_FIELD tracehop withProcessSpan: .*message\.headers/,
    );
    assert.deepEqual(said[2], said[0], "MsgHdrs as the plain object");
    assert.deepEqual(said[1], said[0], "Map as the plain object");
  });

  test("another client's whole message under kafka or rabbitmq names that client and its system", async () => {
    const nats = { subject: "orders", data: new Uint8Array(), sid: 1, headers: msgHdrs(STORED) };
    const mqtt = {
      cmd: "publish",
      topic: "orders",
      payload: Buffer.from("x"),
      properties: { userProperties: STORED },
    };
    const cases = [
      [
        nats,
        "kafka",
        /given a nats\.js message under system "kafka", which reads only a kafkajs message/,
        /system: "nats"/,
        /withProcessSpan\(message\.headers, \.\.\.\)/,
      ],
      [
        mqtt,
        "kafka",
        /given an mqtt\.js message under system "kafka"/,
        /system: "mqtt"/,
        /message\.properties\.userProperties/,
      ],
      [
        mqtt,
        "rabbitmq",
        /given an mqtt\.js message under system "rabbitmq", which reads only an amqplib message/,
        /system: "mqtt"/,
        /message\.properties\.userProperties/,
      ],
    ] as const;
    for (const [message, system, ...patterns] of cases) {
      resetWarnings();
      const { processWarnings } = await recordWarnings(() =>
        withProcessSpan(message, { system, destination: "orders" }, () => undefined),
      );
      assert.equal(processWarnings.length, 1, `${system}: ${JSON.stringify(processWarnings)}`);
      assert.equal(processWarnings[0]![0], "TRACEHOP_CARRIER_IN_OTHER_FIELD");
      for (const pattern of patterns) assert.match(processWarnings[0]![1], pattern);
    }
  });
});

describe("other header objects", () => {
  test("a Map of another realm is written through set and read", () => {
    const foreign = runInNewContext("new Map([['TraceParent', 'old'], ['a', '1']])") as Map<string, unknown>;
    assert.equal(foreign instanceof Map, false);
    assert.equal(writeCarrierToHeaders(foreign, STORED), foreign);
    assert.deepEqual(Object.keys(foreign), []);
    assert.equal(foreign.get("traceparent"), STORED.traceparent);
    assert.equal(foreign.has("TraceParent"), false);
    assert.equal(foreign.get("a"), "1");
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(foreign))?.spanId, SPAN_ID);
  });

  test("a class instance without set/delete: written as properties, said once naming the helper", async () => {
    class Envelope {
      kind = "order";
    }
    const first = new Envelope();
    const { result, processWarnings } = await recordWarnings(() => {
      const written = withCarrier(STORED, "relay", () => injectKafkaHeaders(first as never));
      writeCarrierToHeaders(new Envelope() as never, STORED);
      return written;
    });
    assert.equal(result, first);
    assert.equal(
      (first as unknown as Record<string, string>)["x-datadog-trace-id"],
      datadogTraceId(TRACE_ID),
    );
    assert.equal(processWarnings.length, 1, JSON.stringify(processWarnings));
    const [code, message] = processWarnings[0]!;
    assert.equal(code, "TRACEHOP_HEADERS_AS_PROPERTIES");
    assert.match(
      message,
      /^tracehop injectKafkaHeaders: the headers object \(an Envelope\) has no set\/delete methods/,
    );
    assert.match(
      message,
      /pass a plain object .*a Map, or the client's header object with set and delete methods/,
    );
  });

  test("a frozen class instance: a plain copy with the context, which is sent as any plain object, and no TRACEHOP_HEADERS_AS_PROPERTIES (trial t8)", async () => {
    class Envelope {
      kind = "order";
    }
    const frozen = Object.freeze(new Envelope());
    const { result, processWarnings } = await recordWarnings(() =>
      withCarrier(STORED, "relay", () => injectKafkaHeaders(frozen as never)),
    );
    assert.notEqual(result, frozen);
    assert.equal(Object.getPrototypeOf(result), Object.prototype, "a plain object");
    assert.equal((result as Record<string, string>).kind, "order");
    assert.equal((result as Record<string, string>)["x-datadog-trace-id"], datadogTraceId(TRACE_ID));
    assert.deepEqual(processWarnings, []);
  });

  test("headers that are no object (text, a number, a boolean): returned unchanged, said once naming the helper", async () => {
    const WARNING =
      /^tracehop (\w+): the headers \((.+)\) are not an object, so the trace context was not written to them \(the trace would end there\): pass a plain object of header name -> value, a Map, or the client's header object with set and delete methods \(NATS headers\(\)\)(?:, or no headers for a new object)?$/;
    for (const [headers, shown] of [
      ["traceparent=x", '"traceparent=x"'],
      [5, "5"],
      [true, "true"],
      [Symbol("h"), "Symbol(h)"],
      [5n, "5n"],
      [() => 1, "a function"],
    ] as const) {
      resetWarnings();
      const { result, processWarnings, diagWarnings } = await recordWarnings(() =>
        withCarrier(STORED, "relay", () => {
          const results = [
            injectKafkaHeaders(headers as never),
            injectAmqpHeaders(headers as never),
            writeCarrierToHeaders(headers as never, STORED),
          ];
          let given: unknown;
          withSendSpan(
            { system: "kafka", destination: "jobs", headers: headers as never },
            (h) => (given = h),
          );
          return [...results, given];
        }),
      );
      for (const got of result) assert.equal(got, headers, shown);
      assert.equal(processWarnings.length, 1, JSON.stringify(processWarnings));
      const [code, message] = processWarnings[0]!;
      assert.equal(code, "TRACEHOP_HEADERS_NOT_AN_OBJECT");
      assert.deepEqual(WARNING.exec(message)?.slice(1), ["injectKafkaHeaders", shown], message);
      assert.deepEqual(diagWarnings, [message]);
    }
    // withSendSpan's headers option and the setters name themselves.
    for (const [helper, write] of [
      [
        "withSendSpan",
        () => withSendSpan({ system: "kafka", destination: "jobs", headers: 5 as never }, () => 1),
      ],
      ["kafkaHeadersSetter", () => propagation.inject(context.active(), "h" as never, kafkaHeadersSetter)],
    ] as [string, () => unknown][]) {
      resetWarnings();
      const { processWarnings } = await recordWarnings(() => withCarrier(STORED, "relay", write));
      assert.equal(processWarnings.length, 1, JSON.stringify(processWarnings));
      assert.equal(WARNING.exec(processWarnings[0]![1])?.[1], helper);
    }
  });

  test("plain objects, null-prototype objects and objects of another realm say nothing", async () => {
    const { processWarnings } = await recordWarnings(() => {
      writeCarrierToHeaders({}, STORED);
      writeCarrierToHeaders(Object.create(null) as Record<string, unknown>, STORED);
      writeCarrierToHeaders(runInNewContext("({})") as Record<string, unknown>, STORED);
      propagation.inject(context.active(), {}, kafkaHeadersSetter);
    });
    assert.deepEqual(processWarnings, []);
  });

  test("a header object whose methods throw never fails the send", async () => {
    class Hostile {
      set(): void {
        throw new Error("refused");
      }
      delete(): void {
        throw new Error("refused");
      }
      keys(): string[] {
        throw new Error("refused");
      }
    }
    const h = new Hostile();
    const written = writeCarrierToHeaders(h as never, STORED) as Record<string, unknown>;
    assert.notEqual(written, h, "a copy");
    assert.equal(written.traceparent, STORED.traceparent, "the copy carries the context");
    const ran = await withSendSpan({ system: "nats", destination: "x", headers: h as never }, () => "sent");
    assert.equal(ran, "sent");
  });

  test("a header object that refuses the propagation fields gives a copy that carries them", async () => {
    /** Headers locked once sent: set throws, the entries stay readable. */
    class Locked {
      private readonly entries = new Map<string, string>([["a", "1"]]);
      set(): void {
        throw new Error("headers locked");
      }
      delete(): void {}
      get(name: string): string | undefined {
        return this.entries.get(name);
      }
      [Symbol.iterator](): Iterator<[string, string]> {
        return this.entries[Symbol.iterator]();
      }
    }
    /** Immutable-style: set returns a new object, this one unchanged. */
    class Immutable {
      constructor(private readonly fields: Record<string, string> = {}) {}
      set(name: string, value: string): Immutable {
        return new Immutable({ ...this.fields, [name]: value });
      }
      delete(): Immutable {
        return this;
      }
    }
    for (const [label, h] of [
      ["locked", new Locked()],
      ["immutable", new Immutable()],
      ["WeakMap", new WeakMap()],
    ] as const) {
      const written = writeCarrierToHeaders(h as never, STORED) as Record<string, unknown>;
      assert.notEqual(written, h, label);
      assert.equal(kafkaHeadersGetter.get(written as never, "traceparent"), STORED.traceparent, label);
      assert.equal(
        trace.getSpanContext(contextFromKafkaHeaders(written))?.spanId,
        SPAN_ID,
        `${label}: the copy restores the context`,
      );
      const injected = withCarrier(STORED, "relay", () => injectKafkaHeaders(h as never)) as unknown;
      assert.notEqual(injected, h, label);
      assert.equal(trace.getSpanContext(contextFromKafkaHeaders(injected))?.traceId, TRACE_ID, label);
    }
    const copy = writeCarrierToHeaders(new Locked() as never, STORED) as Record<string, unknown>;
    assert.equal(kafkaHeadersGetter.get(copy as never, "a"), "1", "the locked object's entries kept");
    /** Locked, with an iterator and set/delete but no get: its copy keeps what its iterator gives, not its internals. */
    class LockedIterable {
      private readonly fields = new Map<string, string>([["b", "2"]]);
      set(): void {
        throw new Error("headers locked");
      }
      delete(): void {}
      [Symbol.iterator](): Iterator<[string, string]> {
        return this.fields[Symbol.iterator]();
      }
    }
    const iterated = writeCarrierToHeaders(new LockedIterable() as never, STORED) as Record<string, unknown>;
    assert.deepEqual(
      { ...iterated },
      { b: "2", ...STORED },
      "the iterated entries and the carrier, never its fields Map",
    );
    /** Locked, and keeping its fields as own properties (no get, no iterator): read so, copied so. */
    class LockedFields {
      app = "3";
      set(): void {
        throw new Error("headers locked");
      }
      delete(): void {}
    }
    const fields = writeCarrierToHeaders(new LockedFields() as never, STORED) as Record<string, unknown>;
    assert.notEqual(fields, undefined);
    assert.equal(kafkaHeadersGetter.get(fields as never, "app"), "3", "its own fields kept");
    assert.equal(kafkaHeadersGetter.get(fields as never, "traceparent"), STORED.traceparent);
  });

  test("a class with set/delete but no get and iterator reads its own fields, as the getter and reader agree", () => {
    const h = new SetDeleteHeaders();
    h.traceparent = STORED.traceparent;
    assert.equal(kafkaHeadersGetter.get(h as never, "traceparent"), STORED.traceparent);
    assert.deepEqual(kafkaHeadersGetter.keys(h as never), ["traceparent"]);
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(h))?.spanId, SPAN_ID);
  });

  test("a Map of another realm reads Buffer and number values as a local Map does", () => {
    const fields = [
      ["traceparent", Buffer.from(STORED.traceparent)],
      ["x-datadog-trace-id", STORED["x-datadog-trace-id"]],
      ["x-datadog-parent-id", STORED["x-datadog-parent-id"]],
      ["x-datadog-sampling-priority", 2],
    ] as const;
    const foreign = runInNewContext("new Map()") as Map<string, unknown>;
    for (const [name, value] of fields) foreign.set(name, value);
    const local = new Map<string, unknown>(fields);
    for (const read of [contextFromAmqpHeaders, contextFromCarrier]) {
      const fromLocal = trace.getSpanContext(read(local));
      const fromForeign = trace.getSpanContext(read(foreign));
      assert.equal(fromLocal?.spanId, SPAN_ID);
      assert.deepEqual(
        [fromForeign?.traceId, fromForeign?.spanId, fromForeign?.traceFlags],
        [fromLocal?.traceId, fromLocal?.spanId, fromLocal?.traceFlags],
      );
    }
    const foreignBuffer = runInNewContext("new Map()") as Map<string, unknown>;
    foreignBuffer.set("traceparent", Buffer.from(STORED.traceparent));
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(foreignBuffer))?.spanId, SPAN_ID);
  });
});

describe("what a client's header methods return", () => {
  test("a set that returns true (neither undefined nor itself) wrote in place: the same object", () => {
    class TrueOnSet {
      readonly fields = new Map<string, string>();
      set(name: string, value: string): boolean {
        this.fields.set(name, value);
        return true;
      }
      delete(name: string): boolean {
        return this.fields.delete(name);
      }
      get(name: string): string | undefined {
        return this.fields.get(name);
      }
      [Symbol.iterator](): Iterator<[string, string]> {
        return this.fields[Symbol.iterator]();
      }
    }
    const h = new TrueOnSet();
    assert.equal(writeCarrierToHeaders(h as never, { traceparent: STORED.traceparent }), h);
    assert.equal(h.fields.get("traceparent"), STORED.traceparent);
    const injected = withCarrier(STORED, "relay", () => injectKafkaHeaders(h as never));
    assert.equal(injected, h);
  });

  test("a class with get/set/delete and private fields, no iterator: read back through get", () => {
    const h = new LookUpHeaders();
    h.set("tracestate", "old=1");
    h.set("app", "kept");
    assert.equal(writeCarrierToHeaders(h as never, STORED), h);
    assert.equal(h.get("tracestate"), undefined, "an old context's field removed, though unlisted");
    assert.equal(h.get("app"), "kept");
    assert.equal(kafkaHeadersGetter.get(h as never, "traceparent"), STORED.traceparent);
    assert.equal(kafkaHeadersGetter.get(h as never, "TraceParent"), STORED.traceparent);
    assert.deepEqual(kafkaHeadersGetter.keys(h as never), [], "nothing it can list");
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(h))?.spanId, SPAN_ID);
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(h))?.spanId, SPAN_ID);
    assert.equal(trace.getSpanContext(contextFromCarrier(h))?.spanId, SPAN_ID);
    const traceIds = [
      withProcessSpan(h, { system: "nats", destination: "orders" }, (span) => span.spanContext().traceId),
      withCarrier(h, "consume", () => trace.getActiveSpan()?.spanContext().traceId),
    ];
    assert.deepEqual(traceIds, [TRACE_ID, TRACE_ID]);
    /** With keys(): other-case names are found among them. */
    class Listed extends LookUpHeaders {
      readonly names: string[] = [];
      override set(name: string, value: string): void {
        super.set(name, value);
        this.names.push(name);
      }
      keys(): string[] {
        return this.names;
      }
    }
    const listed = new Listed();
    listed.set("TraceParent", STORED.traceparent);
    listed.set("app", "1");
    assert.equal(kafkaHeadersGetter.get(listed as never, "traceparent"), STORED.traceparent);
    assert.deepEqual(kafkaHeadersGetter.keys(listed as never), ["TraceParent", "app"]);
    assert.equal(kafkaHeadersGetter.get(listed as never, "app"), "1");
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(listed))?.spanId, SPAN_ID);
    /** Locked once sent: its copy keeps what its keys() and get give. */
    class LockedListed extends Listed {
      override set(): void {
        throw new Error("headers locked");
      }
    }
    const locked = new LockedListed();
    Listed.prototype.set.call(locked, "app", "2");
    Listed.prototype.set.call(locked, "traceparent", OLD_TRACEPARENT);
    const copy = writeCarrierToHeaders(locked as never, STORED);
    assert.notEqual(copy, locked);
    assert.equal(kafkaHeadersGetter.get(copy as never, "app"), "2", "its listed field kept");
    assert.equal(kafkaHeadersGetter.get(copy as never, "traceparent"), STORED.traceparent);
  });

  test("a delete that returns another object (an immutable map) did not remove: false, and a copy is written", () => {
    class ImmutableMap {
      constructor(private readonly fields: ReadonlyMap<string, string> = new Map()) {}
      get(name: string): string | undefined {
        return this.fields.get(name);
      }
      set(name: string, value: string): ImmutableMap {
        return new ImmutableMap(new Map([...this.fields, [name, value]]));
      }
      delete(name: string): ImmutableMap {
        const next = new Map(this.fields);
        next.delete(name);
        return new ImmutableMap(next);
      }
      keys(): Iterable<string> {
        return this.fields.keys();
      }
      [Symbol.iterator](): Iterator<[string, string]> {
        return this.fields[Symbol.iterator]();
      }
    }
    const h = new ImmutableMap(new Map([["traceparent", OLD_TRACEPARENT]]));
    assert.equal(removePropagationHeaders(h as never), false);
    assert.equal(h.get("traceparent"), OLD_TRACEPARENT, "still there, as reported");
    const written = writeCarrierToHeaders(h as never, STORED);
    assert.notEqual(written, h);
    assert.equal(kafkaHeadersGetter.get(written as never, "traceparent"), STORED.traceparent);
  });
});
