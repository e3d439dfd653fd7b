// A message's headers travel in one AMQP content header frame, which must fit in the frame_max the
// connection negotiated (AMQP 0-9-1 §4.2.3; RabbitMQ and amqplib's connect default to 131 072 bytes,
// and a client may ask for as little as 4 096, the protocol's frame-min-size). amqplib does not check
// it: a larger header frame reaches RabbitMQ, which closes the whole connection (501 FRAME_ERROR
// `frame_too_large`), every channel on it, the message lost. Tried: a 6 KB baggage written by
// withSendSpan({ system: "rabbitmq" }) on a connection with frameMax 4096 closed it. The `frameMax`
// option of withSendSpan and injectAmqpHeaders keeps the headers table within the frame, leaving out
// the fields past it (the baggage first), said once, as the 64 KiB table limit does.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags, type Context } from "@opentelemetry/api";
import type amqplib from "amqplib";
import {
  createAmqpHeadersSetter,
  injectAmqpHeaders,
  withSendSpan,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import { captureCarrier } from "../../src/index.js";
import { AMQP_URL } from "./rabbitmq.js";
import { exporter, onlySpan, traceparentOf } from "./tracing.js";
import { SPAN_ID, TRACE_ID } from "../support/baggage-context.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

/** The protocol's least frame_max (AMQP 0-9-1 frame-min-size), which a client may negotiate. */
const FRAME_MAX = 4096;

/** A request's context with `entries` baggage entries of 90 characters each. */
function requestWithBaggage(entries: number): Context {
  const baggage: Record<string, { value: string }> = {};
  for (let i = 0; i < entries; i++) baggage[`k${i}`] = { value: "v".repeat(90) };
  return propagation.setBaggage(
    trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    }),
    propagation.createBaggage(baggage),
  );
}

describe(`RabbitMQ: a connection with frameMax ${FRAME_MAX}`, () => {
  let connection: amqplib.ChannelModel | undefined;
  let channel: amqplib.ConfirmChannel | undefined;
  let queue = "";
  let closed: string | undefined;
  let skip: string | undefined;

  before(async () => {
    try {
      const { connect } = await import("amqplib");
      const url = new URL(AMQP_URL);
      url.searchParams.set("frameMax", String(FRAME_MAX));
      connection = await connect(url.href);
    } catch (error) {
      skip = `RabbitMQ not reachable at ${AMQP_URL} (${String(error)})`;
      return;
    }
    connection.on("error", (error: Error) => (closed = error.message));
    connection.on("close", () => (closed ??= "closed"));
    channel = await connection.createConfirmChannel();
    channel.on("error", (error: Error) => (closed ??= error.message));
    // Named by the broker, exclusive: deleted with the connection at the latest.
    ({ queue } = await channel.assertQueue("", { exclusive: true }));
  });

  after(async () => {
    if (closed === undefined) await connection?.close();
  });

  /** Publishes with `headers`, waits for the confirm, and gets the message back: its headers. */
  async function roundTrip(headers: Record<string, unknown>): Promise<Record<string, unknown>> {
    channel!.sendToQueue(queue, Buffer.from("business"), { headers, messageId: "m-1" });
    await channel!.waitForConfirms();
    const message = await channel!.get(queue, { noAck: true });
    assert.ok(message, "the message reached the queue");
    assert.equal(message.content.toString(), "business");
    return message.properties.headers as Record<string, unknown>;
  }

  test("withSendSpan({ frameMax }) with a 6 KB baggage: the baggage is left out, said; the message is published and carries the trace", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    exporter.reset();
    const told = await recordWarnings(() =>
      context.with(requestWithBaggage(60), () =>
        withSendSpan(
          { system: "rabbitmq", destination: queue, headers: { "x-app": "kept" }, frameMax: FRAME_MAX },
          (headers) => roundTrip(headers),
        ),
      ),
    );
    assert.equal(closed, undefined, "the connection is open");
    const received = told.result;
    assert.equal(received.traceparent, traceparentOf(onlySpan(`publish ${queue}`).spanContext()));
    assert.equal(received["x-app"], "kept");
    assert.equal(Object.hasOwn(received, "baggage"), false);
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      `tracehop withSendSpan: the header "baggage" is left out of the message headers, so that the client does not refuse the send: with it the message's content header frame could be over the frameMax of ${FRAME_MAX} bytes given, its headers table over ${FRAME_MAX - 2592} bytes (the rest kept for the frame and the other properties at their largest), and RabbitMQ closes the connection (FRAME_ERROR) on a larger frame. The other headers are written, and the trace goes on when they carry it. Keep less baggage: the baggage option of withSendSpan ("none", or the keys the next hop needs) trims it; or keep the application headers smaller`,
    ]);
  });

  test("injectAmqpHeaders(headers, { frameMax }): the same cut; a baggage that fits is kept", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    const large = await context.with(requestWithBaggage(60), () =>
      roundTrip(injectAmqpHeaders({}, { frameMax: FRAME_MAX })),
    );
    assert.equal(closed, undefined, "the connection is open");
    assert.match(String(large.traceparent), new RegExp(`^00-${TRACE_ID}-${SPAN_ID}-01$`));
    assert.equal(Object.hasOwn(large, "baggage"), false);
    // Eight entries, 775 characters: within the table's 1 504 bytes beside the trace headers.
    const small = await context.with(requestWithBaggage(8), () =>
      roundTrip(injectAmqpHeaders({}, { frameMax: FRAME_MAX })),
    );
    assert.equal(String(small.baggage).split(",").length, 8);
  });

  test("a baggage that fits only without the Datadog headers is the one left out: the trace headers are kept first", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    resetWarnings();
    // Fifteen entries, 1 455 characters: with them, the Datadog headers after the baggage would not fit.
    const told = await recordWarnings(() =>
      context.with(requestWithBaggage(15), () => roundTrip(injectAmqpHeaders({}, { frameMax: FRAME_MAX }))),
    );
    const received = told.result;
    assert.equal(closed, undefined, "the connection is open");
    assert.deepEqual(Object.keys(received).sort(), [
      "traceparent",
      "x-datadog-parent-id",
      "x-datadog-sampling-priority",
      "x-datadog-tags",
      "x-datadog-trace-id",
    ]);
    assert.equal(received["x-datadog-trace-id"], BigInt(`0x${TRACE_ID.slice(16)}`).toString());
    assert.equal(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE").length, 1);
    assert.match(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE")[0]!, /the header "baggage" is left out/);
  });

  test('writeCarrierToHeaders(headers, stored, { system: "rabbitmq", frameMax }): a relay forwarding a stored carrier with a 6 KB baggage keeps the connection; the baggage is left out, said', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    resetWarnings();
    // The outbox row's column, as stored and read back (JSON): 5.9 KB with the baggage.
    const stored: unknown = JSON.parse(JSON.stringify(captureCarrier({ context: requestWithBaggage(60) })));
    const told = await recordWarnings(() =>
      roundTrip(
        writeCarrierToHeaders({ "x-app": "kept" }, stored, { system: "rabbitmq", frameMax: FRAME_MAX }),
      ),
    );
    const received = told.result;
    assert.equal(closed, undefined, "the connection is open");
    assert.equal(received["x-app"], "kept");
    assert.match(String(received.traceparent), new RegExp(`^00-${TRACE_ID}-${SPAN_ID}-01$`));
    assert.equal(received["x-datadog-trace-id"], BigInt(`0x${TRACE_ID.slice(16)}`).toString());
    assert.equal(Object.hasOwn(received, "baggage"), false);
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      `tracehop writeCarrierToHeaders: the header "baggage" is left out of the message headers, so that the client does not refuse the send: with it the message's content header frame could be over the frameMax of ${FRAME_MAX} bytes given, its headers table over ${FRAME_MAX - 2592} bytes (the rest kept for the frame and the other properties at their largest), and RabbitMQ closes the connection (FRAME_ERROR) on a larger frame. The other headers are written, and the trace goes on when they carry it. Keep less baggage in the stored carrier: the baggage option of captureCarrier or of the Prisma extension ("none", or the keys the next hop needs) trims it; or keep the application headers smaller`,
    ]);
  });

  test("createAmqpHeadersSetter({ frameMax }) for propagation.inject: the baggage past the frame is left out, said; the message is published", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    const told = await recordWarnings(() => {
      const headers: Record<string, unknown> = { "x-app": "kept" };
      propagation.inject(requestWithBaggage(60), headers, setter);
      return roundTrip(headers);
    });
    const received = told.result;
    assert.equal(closed, undefined, "the connection is open");
    assert.equal(received["x-app"], "kept");
    assert.match(String(received.traceparent), new RegExp(`^00-${TRACE_ID}-${SPAN_ID}-01$`));
    assert.equal(Object.hasOwn(received, "baggage"), false);
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      `tracehop amqpHeadersSetter: the header "baggage" is left out of the message headers, so that the client does not refuse the send: with it the message's content header frame could be over the frameMax of ${FRAME_MAX} bytes given, its headers table over ${FRAME_MAX - 2592} bytes (the rest kept for the frame and the other properties at their largest), and RabbitMQ closes the connection (FRAME_ERROR) on a larger frame. The other headers are written, and the trace goes on when they carry it. Keep less baggage: inject a context that holds less, or write the headers with injectAmqpHeaders, whose baggage option ("none", or the keys the next hop needs) trims it; or keep the application headers smaller`,
    ]);
  });

  test("createAmqpHeadersSetter({ frameMax }): a trace header that would not fit leaves out the baggage the propagator wrote before it", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    resetWarnings();
    const told = await recordWarnings(() => {
      const headers: Record<string, unknown> = {};
      propagation.inject(requestWithBaggage(15), headers, createAmqpHeadersSetter({ frameMax: FRAME_MAX }));
      return roundTrip(headers);
    });
    assert.equal(closed, undefined, "the connection is open");
    assert.deepEqual(Object.keys(told.result).sort(), [
      "traceparent",
      "x-datadog-parent-id",
      "x-datadog-sampling-priority",
      "x-datadog-tags",
      "x-datadog-trace-id",
    ]);
    assert.equal(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE").length, 1);
    assert.match(
      said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE")[0]!,
      /^tracehop amqpHeadersSetter: the header "baggage" is left out/,
    );
  });

  test("createAmqpHeadersSetter({ frameMax }) over a consumed message's headers: the baggage the upstream wrote stays as it came; the trace headers that do not fit beside it are left out, said with why", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    resetWarnings();
    // The upstream's message: a baggage that leaves 100 bytes of the 1 504-byte table (4 bytes of table
    // length, 1 + 7 + 1 + 4 before the value): room for a traceparent (72 bytes), not for the rest.
    const upstreamBaggage = "k=" + "v".repeat(FRAME_MAX - 2592 - 4 - 13 - 100 - 2);
    const consumed = await roundTrip({ baggage: upstreamBaggage });
    // Forwarded in a context without baggage: this inject writes no baggage header.
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const told = await recordWarnings(() => {
      const headers: Record<string, unknown> = { ...consumed };
      propagation.inject(ctx, headers, createAmqpHeadersSetter({ frameMax: FRAME_MAX }));
      return roundTrip(headers);
    });
    assert.equal(closed, undefined, "the connection is open");
    assert.deepEqual(Object.keys(told.result).sort(), ["baggage", "traceparent"]);
    assert.equal(String(told.result.baggage), upstreamBaggage);
    assert.equal(String(told.result.traceparent), `00-${TRACE_ID}-${SPAN_ID}-01`);
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      `tracehop amqpHeadersSetter: the header "x-datadog-trace-id" is left out of the message headers, so that the client does not refuse the send: with it the message's content header frame could be over the frameMax of ${FRAME_MAX} bytes given, its headers table over ${FRAME_MAX - 2592} bytes (the rest kept for the frame and the other properties at their largest), and RabbitMQ closes the connection (FRAME_ERROR) on a larger frame. The other headers are written, and the trace goes on when they carry it. The headers held a baggage header this setter did not write ("baggage", forwarded from a consumed message?), which it leaves as it came: remove it before the inject, or write the headers with injectAmqpHeaders, which removes every propagation header first; or keep the application headers smaller`,
    ]);
  });

  test("createAmqpHeadersSetter({ frameMax }) over one headers object reused for two publishes: a baggage the application set over the one the setter wrote for the first stays as it came in the second", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    // A producer that keeps one headers object for its publishes.
    const headers: Record<string, unknown> = { "x-app": "kept" };
    propagation.inject(requestWithBaggage(2), headers, setter);
    const first = await roundTrip(headers);
    assert.equal(
      String(first.baggage).split(",").length,
      2,
      "the first publish carries the setter's baggage",
    );
    // The second forwards an upstream's baggage the application set itself, of a size that leaves room
    // for a traceparent and not for the rest, in a context without baggage (no baggage header written).
    const upstreamBaggage = "up=" + "v".repeat(FRAME_MAX - 2592 - 4 - 17 - 13 - 100 - 3);
    headers.baggage = upstreamBaggage;
    for (const name of Object.keys(headers)) if (name.startsWith("x-datadog-")) delete headers[name];
    delete headers.tracestate;
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const told = await recordWarnings(() => {
      propagation.inject(ctx, headers, setter);
      return roundTrip(headers);
    });
    assert.equal(closed, undefined, "the connection is open");
    assert.equal(
      String(told.result.baggage),
      upstreamBaggage,
      "the application's baggage is sent as it set it",
    );
    assert.equal(String(told.result.traceparent), `00-${TRACE_ID}-${SPAN_ID}-01`);
    assert.equal(Object.hasOwn(told.result, "x-datadog-trace-id"), false);
    const warnings = said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^tracehop amqpHeadersSetter: the header "x-datadog-trace-id" is left out/);
    assert.match(warnings[0]!, /The headers held a baggage header this setter did not write \("baggage"/);
  });

  test("a headers table of the limit, 1 504 bytes, fits beside the other properties at their largest RabbitMQ takes", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    // 4 bytes of table length, then 1 + 5 + 1 + 4 bytes before the value of the one field.
    const headers = { "x-app": "a".repeat(FRAME_MAX - 2592 - 4 - 11) };
    const text = "p".repeat(255);
    channel!.sendToQueue(queue, Buffer.from("business"), {
      headers,
      contentType: text,
      contentEncoding: text,
      correlationId: text,
      replyTo: text,
      messageId: text,
      type: text,
      appId: text,
      // RabbitMQ refuses a user id other than the connection's user, and an expiration that is no number;
      // amqplib writes the cluster id empty.
      userId: new URL(AMQP_URL).username || "guest",
      expiration: "600000",
      deliveryMode: 1,
      priority: 1,
      timestamp: Date.now(),
    });
    await channel!.waitForConfirms();
    const message = await channel!.get(queue, { noAck: true });
    assert.equal(closed, undefined, "the connection is open");
    assert.ok(message, "the message reached the queue");
    assert.equal((message.properties.headers as Record<string, unknown>)["x-app"], headers["x-app"]);
  });

  test("frameMax that is no frame_max is a TypeError saying what to pass", () => {
    for (const [frameMax, shown] of [
      [100, "100"],
      [4096.5, "4096.5"],
      ["4096", '"4096"'],
      [2 ** 32, "4294967296"],
    ] as const) {
      const message = `tracehop injectAmqpHeaders: frameMax must be the frame_max the connection negotiated, an integer from 4096 (AMQP 0-9-1 frame-min-size) to 4294967295, or 0 for none (amqplib: connection.connection.frameMax), got ${shown}`;
      assert.throws(() => injectAmqpHeaders({}, { frameMax: frameMax as number }), {
        name: "TypeError",
        message,
      });
      assert.throws(
        () => withSendSpan({ system: "rabbitmq", destination: "q", frameMax: frameMax as number }, () => 0),
        { name: "TypeError", message: message.replace("injectAmqpHeaders", "withSendSpan") },
      );
      assert.throws(
        () => writeCarrierToHeaders({}, {}, { system: "rabbitmq", frameMax: frameMax as number }),
        { name: "TypeError", message: message.replace("injectAmqpHeaders", "writeCarrierToHeaders") },
      );
      assert.throws(() => createAmqpHeadersSetter({ frameMax: frameMax as number }), {
        name: "TypeError",
        message: message.replace("injectAmqpHeaders", "createAmqpHeadersSetter"),
      });
    }
    assert.throws(() => withSendSpan({ system: "kafka", destination: "q", frameMax: 4096 }, () => 0), {
      name: "TypeError",
      message:
        'tracehop withSendSpan: frameMax is an AMQP connection\'s frame_max, for system "rabbitmq" only, got system "kafka"',
    });
    assert.throws(() => writeCarrierToHeaders({}, {}, { system: "kafka", frameMax: 4096 }), {
      name: "TypeError",
      message:
        'tracehop writeCarrierToHeaders: frameMax is an AMQP connection\'s frame_max, for system "rabbitmq" only, got system "kafka"',
    });
    // Without a system, frameMax says which one it needs.
    assert.throws(() => writeCarrierToHeaders({}, {}, { frameMax: 4096 }), {
      name: "TypeError",
      message:
        'tracehop writeCarrierToHeaders: frameMax is an AMQP connection\'s frame_max, for system "rabbitmq" only, got system undefined',
    });
  });
});

describe(`createAmqpHeadersSetter({ frameMax: ${FRAME_MAX} }) without a broker: when the baggage is left out`, () => {
  test("a trace header that would not fit even without the baggage leaves the baggage in place (it is left out alone)", async () => {
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    // A table of 4 bytes of length, "x-app" (11 bytes before its value) and room for 200 bytes more.
    const headers: Record<string, unknown> = { "x-app": "a".repeat(FRAME_MAX - 2592 - 4 - 11 - 200) };
    const tags = "_dd.p.r1=" + "t".repeat(290);
    const told = await recordWarnings(() => {
      setter.set(headers, "baggage", "k=v");
      // 1 + 14 + 1 + 4 + 299 bytes: past the room with the baggage (16 bytes) or without it.
      setter.set(headers, "x-datadog-tags", tags);
    });
    assert.deepEqual(headers, { "x-app": headers["x-app"], baggage: "k=v" });
    const warnings = said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^tracehop amqpHeadersSetter: the header "x-datadog-tags" is left out/);
  });

  test("a baggage header the setter did not write (forwarded headers) stays as it came: the trace header that fits only without it is left out", async () => {
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    const upstream = "k=" + "v".repeat(150);
    const headers: Record<string, unknown> = {
      "x-app": "a".repeat(FRAME_MAX - 2592 - 4 - 11 - 200),
      baggage: upstream,
    };
    const told = await recordWarnings(() => {
      setter.set(headers, "x-datadog-tags", "_dd.p.r1=" + "t".repeat(100));
    });
    assert.deepEqual(headers, { "x-app": headers["x-app"], baggage: upstream });
    const warnings = said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^tracehop amqpHeadersSetter: the header "x-datadog-tags" is left out/);
    assert.match(warnings[0]!, /The headers held a baggage header this setter did not write \("baggage"/);
  });

  test("a baggage header the setter wrote into the same headers is left out for a trace header, even over a forwarded one it replaced", async () => {
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    const headers: Record<string, unknown> = {
      "x-app": "a".repeat(FRAME_MAX - 2592 - 4 - 11 - 200),
      Baggage: "old=1",
    };
    const told = await recordWarnings(() => {
      setter.set(headers, "baggage", "k=" + "v".repeat(150));
      setter.set(headers, "x-datadog-tags", "_dd.p.r1=" + "t".repeat(100));
    });
    assert.deepEqual(Object.keys(headers), ["x-app", "x-datadog-tags"]);
    assert.match(
      said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE")[0]!,
      /^tracehop amqpHeadersSetter: the header "baggage" is left out/,
    );
  });

  test("a baggage header the application set again after the setter wrote it (the headers reused) is the application's: it stays, and the trace header that fits only without it is left out", async () => {
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    const headers: Record<string, unknown> = { "x-app": "a".repeat(FRAME_MAX - 2592 - 4 - 11 - 200) };
    const own = "app=" + "v".repeat(150);
    const told = await recordWarnings(() => {
      setter.set(headers, "baggage", "k=v");
      headers.baggage = own;
      setter.set(headers, "x-datadog-tags", "_dd.p.r1=" + "t".repeat(100));
    });
    assert.deepEqual(headers, { "x-app": headers["x-app"], baggage: own });
    const warnings = said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^tracehop amqpHeadersSetter: the header "x-datadog-tags" is left out/);
    assert.match(warnings[0]!, /The headers held a baggage header this setter did not write \("baggage"/);
  });

  test("a baggage header set again as bytes (a Buffer, as amqplib delivers a byte array) is the application's too", async () => {
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    const headers: Record<string, unknown> = { "x-app": "a".repeat(FRAME_MAX - 2592 - 4 - 11 - 200) };
    const own = Buffer.from("k=v" + "v".repeat(150));
    await recordWarnings(() => {
      setter.set(headers, "baggage", "k=v");
      headers.baggage = own;
      setter.set(headers, "x-datadog-tags", "_dd.p.r1=" + "t".repeat(100));
    });
    assert.deepEqual(Object.keys(headers), ["x-app", "baggage"]);
    assert.equal(headers.baggage, own);
  });

  test("the setter knows the baggage it wrote into the headers it last wrote a baggage header into: one it wrote into these before writing into others stays, as the application's", async () => {
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    const headers: Record<string, unknown> = { "x-app": "a".repeat(FRAME_MAX - 2592 - 4 - 11 - 200) };
    const written = "k=" + "v".repeat(150);
    const told = await recordWarnings(() => {
      setter.set(headers, "baggage", written);
      setter.set({}, "baggage", "other=1");
      setter.set(headers, "x-datadog-tags", "_dd.p.r1=" + "t".repeat(100));
    });
    assert.deepEqual(headers, { "x-app": headers["x-app"], baggage: written });
    const warnings = said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^tracehop amqpHeadersSetter: the header "x-datadog-tags" is left out/);
  });

  test("per-entry baggage headers the setter wrote (ot-baggage-*, uberctx-*) are left out for a trace header too; a forwarded one stays", async () => {
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    const headers: Record<string, unknown> = {
      "x-app": "a".repeat(FRAME_MAX - 2592 - 4 - 11 - 200),
      "uberctx-forwarded": "1",
    };
    await recordWarnings(() => {
      setter.set(headers, "ot-baggage-user", "v".repeat(50));
      setter.set(headers, "uberctx-tenant", "v".repeat(50));
      assert.deepEqual(Object.keys(headers), [
        "x-app",
        "uberctx-forwarded",
        "ot-baggage-user",
        "uberctx-tenant",
      ]);
      setter.set(headers, "x-datadog-tags", "_dd.p.r1=" + "t".repeat(100));
    });
    assert.deepEqual(Object.keys(headers), ["x-app", "uberctx-forwarded", "x-datadog-tags"]);
  });

  test("a trace header that fits once the baggage is out: the baggage is left out for it, said", async () => {
    resetWarnings();
    const setter = createAmqpHeadersSetter({ frameMax: FRAME_MAX });
    const headers: Record<string, unknown> = { "x-app": "a".repeat(FRAME_MAX - 2592 - 4 - 11 - 200) };
    const told = await recordWarnings(() => {
      setter.set(headers, "baggage", "k=" + "v".repeat(150));
      setter.set(headers, "x-datadog-tags", "_dd.p.r1=" + "t".repeat(100));
    });
    assert.deepEqual(Object.keys(headers), ["x-app", "x-datadog-tags"]);
    const warnings = said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^tracehop amqpHeadersSetter: the header "baggage" is left out/);
  });
});
