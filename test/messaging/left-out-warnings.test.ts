/**
 * What the warning of a field a setter or writer leaves out says, on the real RabbitMQ and NATS servers:
 * that the value of its name the headers already held was removed (a forwarded `traceparent`), only when
 * one was; the `baggage` option only to a helper that has it; and the `:` rule worded for the transport
 * in use (`withSendSpan`'s `system`), not for the helper's name.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, propagation, trace } from "@opentelemetry/api";
import { headers as natsHeaders, type MsgHdrs } from "nats";
import {
  amqpHeadersSetter,
  contextFromAmqpHeaders,
  injectAmqpHeaders,
  kafkaHeadersSetter,
  withSendSpan,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import { inSpan } from "./tracing.js";
import { useRabbitMQ } from "./rabbitmq.js";
import { amqpRoundTrip, ExtraFieldsPropagator } from "./left-out-support.js";
import { useNats } from "./nats.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const STALE = `00-${"1".repeat(32)}-${"2".repeat(16)}-01`;

/** What a header-text warning adds when a forwarded value of the name was removed. */
const REMOVED_TEXT =
  ", and the value of that name the headers already held was removed, so that the consumer does not continue the earlier trace";
/** What a size warning adds when a forwarded value of the name was removed. */
const REMOVED_SIZE =
  " The value of that name the headers already held was removed, so that the consumer does not continue the earlier trace.";

const CR_LF_TRACEPARENT = (setter: string, removed: boolean) =>
  `tracehop ${setter}: the propagator wrote the header "traceparent", which is not header text (its value holds a character outside printable ASCII 0x20-0x7E: a control character, NUL or non-ASCII text); it is left out of the message headers so that the client does not refuse the send or split a header` +
  (removed ? REMOVED_TEXT : "");

const TABLE_RULE =
  "with it the headers table would be over 65536 bytes, the most amqplib encodes one into, and amqplib throws at publish past them.";
const VALUE_RULE =
  "its value is over 16384 characters, the most a reader of tracehop reads; an MQTT 5 string holds at most 65 535 bytes, and mqtt.js throws past them; a NATS message, headers included, holds at most the server's max_payload.";
const GOES_ON = " The other headers are written, and the trace goes on when they carry it. ";

beforeEach(() => resetWarnings());

describe("left-out field warnings on the real RabbitMQ", () => {
  const broker = useRabbitMQ();

  const { roundTrip, consumedHeaders } = amqpRoundTrip(broker, "h4-left-out");

  test("amqpHeadersSetter: a traceparent left out for a CR/LF says the forwarded Traceparent was removed, and into headers without one does not", async (t) => {
    if (!broker.requireBroker(t)) return;
    const forwarded = await consumedHeaders(t, { Traceparent: STALE, "x-app": "1" });
    const told = await recordWarnings(() =>
      amqpHeadersSetter.set(forwarded, "traceparent", "00-split\r\nx-injected: 1"),
    );
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
      CR_LF_TRACEPARENT("amqpHeadersSetter", true),
    ]);
    const msg = await roundTrip(t, forwarded);
    assert.deepEqual(msg.properties.headers, { "x-app": "1" });
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg)), undefined);

    resetWarnings();
    const fresh: Record<string, unknown> = { "x-app": "1" };
    const toldFresh = await recordWarnings(() =>
      amqpHeadersSetter.set(fresh, "traceparent", "00-split\r\nx-injected: 1"),
    );
    assert.deepEqual(said(toldFresh, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
      CR_LF_TRACEPARENT("amqpHeadersSetter", false),
    ]);
    assert.deepEqual((await roundTrip(t, fresh)).properties.headers, { "x-app": "1" });
  });

  test("amqpHeadersSetter: forwarded headers that refuse the delete (frozen) keep their traceparent, and the warning claims no removal", async (t) => {
    if (!broker.requireBroker(t)) return;
    const forwarded = Object.freeze(await consumedHeaders(t, { traceparent: STALE, "x-app": "1" }));
    const told = await recordWarnings(() =>
      amqpHeadersSetter.set(forwarded, "traceparent", "00-split\r\nx-injected: 1"),
    );
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
      CR_LF_TRACEPARENT("amqpHeadersSetter", false),
    ]);
    // A setter writes in place or not at all: the stale value it could not remove is what is sent.
    assert.equal((await roundTrip(t, forwarded)).properties.headers!.traceparent, STALE);
  });

  test("amqpHeadersSetter: baggage left out of a full table says what it removed, and gives advice a setter can follow (it has no baggage option)", async (t) => {
    if (!broker.requireBroker(t)) return;
    const advice =
      'Keep less baggage: inject a context that holds less, or write the headers with injectAmqpHeaders, whose baggage option ("none", or the keys the next hop needs) trims it; or keep the application headers smaller';
    const forwarded = await consumedHeaders(t, { baggage: "tenant=old", "x-state": "s".repeat(65_450) });
    const told = await recordWarnings(() =>
      amqpHeadersSetter.set(forwarded, "baggage", `tenant=${"n".repeat(100)}`),
    );
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      `tracehop amqpHeadersSetter: the header "baggage" is left out of the message headers, so that the client does not refuse the send: ${TABLE_RULE}${REMOVED_SIZE}${GOES_ON}${advice}`,
    ]);
    assert.deepEqual(Object.keys((await roundTrip(t, forwarded)).properties.headers!), ["x-state"]);

    resetWarnings();
    const fresh: Record<string, unknown> = { "x-state": "s".repeat(65_450) };
    const toldFresh = await recordWarnings(() =>
      amqpHeadersSetter.set(fresh, "baggage", `tenant=${"n".repeat(100)}`),
    );
    assert.deepEqual(said(toldFresh, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      `tracehop amqpHeadersSetter: the header "baggage" is left out of the message headers, so that the client does not refuse the send: ${TABLE_RULE}${GOES_ON}${advice}`,
    ]);
    assert.deepEqual(Object.keys((await roundTrip(t, fresh)).properties.headers!), ["x-state"]);
  });

  test("injectAmqpHeaders: a vendor field left out for its length says the forwarded X-Vendor-Ctx was removed, and into headers without one does not", async (t) => {
    if (!broker.requireBroker(t)) return;
    const warning = (removed: boolean) =>
      `tracehop injectAmqpHeaders: the header "x-vendor-ctx" is left out of the message headers, so that the client does not refuse the send: ${VALUE_RULE}${removed ? REMOVED_SIZE : ""}${GOES_ON}Make the propagator write shorter fields`;
    const propagator = new ExtraFieldsPropagator([["x-vendor-ctx", "v".repeat(16_385)]]);
    await inSpan("producer", async (span) => {
      const forwarded = await consumedHeaders(t, { "X-Vendor-Ctx": "old", "x-app": "1" });
      const told = await recordWarnings(() => injectAmqpHeaders(forwarded, { propagator }));
      assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [warning(true)]);
      const msg = await roundTrip(t, told.result);
      assert.equal(Object.hasOwn(msg.properties.headers!, "X-Vendor-Ctx"), false);
      assert.equal(msg.properties.headers!["x-app"], "1");
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.spanId, span.spanContext().spanId);

      resetWarnings();
      const toldFresh = await recordWarnings(() => injectAmqpHeaders({ "x-app": "1" }, { propagator }));
      assert.deepEqual(said(toldFresh, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [warning(false)]);
      assert.equal((await roundTrip(t, toldFresh.result)).properties.headers!["x-app"], "1");
    });
  });

  test("writeCarrierToHeaders: a stored carrier's field left out for its ':' says the forwarded field was removed, and into headers without one does not", async (t) => {
    if (!broker.requireBroker(t)) return;
    const warning = (removed: boolean) =>
      `tracehop writeCarrierToHeaders: the stored carrier given (a carrier object, its JSON or a row's traceContext) holds the header "x-vendor:ctx", which is not header text (its name holds a ':', and nats.js throws for a ':' in a NATS header name); it is left out of the message headers so that the client does not refuse the send or split a header` +
      (removed ? REMOVED_TEXT : "");
    const carrier = { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`, "x-vendor:ctx": "new" };
    const forwarded = await consumedHeaders(t, { "x-vendor:ctx": "old", "x-app": "1" });
    const told = await recordWarnings(() => writeCarrierToHeaders(forwarded, carrier));
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [warning(true)]);
    assert.deepEqual((await roundTrip(t, told.result)).properties.headers, {
      "x-app": "1",
      traceparent: carrier.traceparent,
    });

    resetWarnings();
    const toldFresh = await recordWarnings(() => writeCarrierToHeaders({ "x-app": "1" }, carrier));
    assert.deepEqual(said(toldFresh, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [warning(false)]);
  });

  test("a left-out field's name inherited from a __proto__ table (as amqplib decodes one): the writers send a copy without it, so the warning's 'removed' is what is sent", async (t) => {
    if (!broker.requireBroker(t)) return;
    const warning = (helper: string) =>
      `tracehop ${helper}: the header "x-vendor-ctx" is left out of the message headers, so that the client does not refuse the send: ${VALUE_RULE}${REMOVED_SIZE}${GOES_ON}Make the propagator write shorter fields`;
    const propagator = new ExtraFieldsPropagator([["x-vendor-ctx", "v".repeat(16_385)]]);
    const inherited = async () => {
      const headers = (
        await roundTrip(
          t,
          JSON.parse('{"x-app":"1","__proto__":{"x-vendor-ctx":"old"}}') as Record<string, unknown>,
        )
      ).properties.headers!;
      assert.equal(Object.hasOwn(headers, "x-vendor-ctx"), false);
      assert.equal(headers["x-vendor-ctx"], "old", "amqplib made the table the prototype");
      return headers;
    };
    await inSpan("producer", async () => {
      const given = await inherited();
      const told = await recordWarnings(() => injectAmqpHeaders(given, { propagator }));
      assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [warning("injectAmqpHeaders")]);
      const sent = (await roundTrip(t, told.result)).properties.headers!;
      assert.equal(sent["x-vendor-ctx"], undefined);
      assert.equal(sent["x-app"], "1");

      resetWarnings();
      const forwarded = await inherited();
      const toldSend = await recordWarnings(() =>
        withSendSpan(
          { system: "rabbitmq", destination: "h4-left-out", headers: forwarded, propagator },
          (headers) => roundTrip(t, headers),
        ),
      );
      assert.deepEqual(said(toldSend, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [warning("withSendSpan")]);
      assert.equal(toldSend.result.properties.headers!["x-vendor-ctx"], undefined);
    });
  });

  test("writeCarrierToHeaders: a stored field past the 16 KiB written in all is said, and the forwarded value of its name is not sent on", async (t) => {
    if (!broker.requireBroker(t)) return;
    const BUDGET_RULE =
      "with it the context's fields would be over 16384 characters in all, the most tracehop writes into message headers, the propagation headers first; amqplib throws at publish past a 65536-byte headers table, and NATS and Kafka refuse a message over 1 MiB.";
    const warning = (name: string, removed: boolean) =>
      `tracehop writeCarrierToHeaders: the header "${name}" is left out of the message headers, so that the client does not refuse the send: ${BUDGET_RULE}${removed ? REMOVED_SIZE : ""}${GOES_ON}${
        name === "baggage"
          ? 'Keep less baggage in the stored carrier: the baggage option of captureCarrier or of the Prisma extension ("none", or the keys the next hop needs) trims it'
          : "Write shorter fields into the stored carrier"
      }`;
    const traceparent = `00-${"a".repeat(32)}-${"b".repeat(16)}-01`;
    // Each field within the 16 KiB a reader reads of one value; together over the 16 KiB written in all.
    const row = { id: 7, traceContext: { traceparent, "x-vendor-ctx": "v".repeat(16_350) } };
    const forwarded = await consumedHeaders(t, { "X-Vendor-Ctx": "old", "x-app": "1" });
    const told = await recordWarnings(() => writeCarrierToHeaders(forwarded, row, { system: "rabbitmq" }));
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [warning("x-vendor-ctx", true)]);
    assert.deepEqual((await roundTrip(t, told.result)).properties.headers, { "x-app": "1", traceparent });

    resetWarnings();
    const baggageRow = { traceContext: { traceparent, baggage: `tenant=${"n".repeat(16_340)}` } };
    const toldBaggage = await recordWarnings(() => writeCarrierToHeaders({ "x-app": "1" }, baggageRow));
    assert.deepEqual(said(toldBaggage, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [warning("baggage", false)]);
    assert.deepEqual({ ...toldBaggage.result }, { "x-app": "1", traceparent });
  });

  test("writeCarrierToHeaders with system rabbitmq: a stored carrier's field holding ':' is said with the AMQP wording, the forwarded field said removed", async (t) => {
    if (!broker.requireBroker(t)) return;
    const carrier = { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`, "x-vendor:ctx": "new" };
    const forwarded = await consumedHeaders(t, { "x-vendor:ctx": "old", "x-app": "1" });
    const told = await recordWarnings(() =>
      writeCarrierToHeaders(forwarded, carrier, { system: "rabbitmq" }),
    );
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
      "tracehop writeCarrierToHeaders: the stored carrier given (a carrier object, its JSON or a row's traceContext) holds the header \"x-vendor:ctx\", which is not header text (its name holds a ':': an AMQP table takes one, but tracehop writes only names every message client sends, and nats.js throws for a ':' in a NATS header name); it is left out of the message headers so that the client does not refuse the send or split a header" +
        REMOVED_TEXT,
    ]);
    assert.deepEqual((await roundTrip(t, told.result)).properties.headers, {
      "x-app": "1",
      traceparent: carrier.traceparent,
    });
  });

  test("writeCarrierToHeaders with system rabbitmq keeps the AMQP table within what amqplib encodes, as injectAmqpHeaders does; without it amqplib refuses the send", async (t) => {
    if (!broker.requireBroker(t)) return;
    const carrier = {
      traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`,
      baggage: `tenant=${"n".repeat(600)}`,
    };
    const told = await recordWarnings(() =>
      writeCarrierToHeaders({ "x-state": "s".repeat(65_000) }, carrier, { system: "rabbitmq" }),
    );
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      `tracehop writeCarrierToHeaders: the header "baggage" is left out of the message headers, so that the client does not refuse the send: ${TABLE_RULE}${GOES_ON}Keep less baggage in the stored carrier: the baggage option of captureCarrier or of the Prisma extension ("none", or the keys the next hop needs) trims it; or keep the application headers smaller`,
    ]);
    const msg = await roundTrip(t, told.result);
    assert.deepEqual(Object.keys(msg.properties.headers!).sort(), ["traceparent", "x-state"]);
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(msg))?.traceId, "a".repeat(32));
    // The oracle: the same write without the system, which amqplib refuses.
    const unbounded = writeCarrierToHeaders({ "x-state": "s".repeat(65_000) }, carrier);
    assert.throws(
      () => broker.channel.sendToQueue("h4-never-declared", Buffer.from("body"), { headers: unbounded }),
      RangeError,
    );
  });

  test("writeCarrierToHeaders: bad options are a TypeError saying what to pass", () => {
    const carrier = { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01` };
    assert.throws(
      () => writeCarrierToHeaders({}, carrier, { system: "RabbitMQ" }),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message.startsWith('tracehop writeCarrierToHeaders: options.system must be written "rabbitmq"'),
    );
    assert.throws(
      () => writeCarrierToHeaders({}, carrier, { sytem: "rabbitmq" } as never),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message === 'tracehop writeCarrierToHeaders: there is no option "sytem"; did you mean system?',
    );
    assert.throws(
      () => writeCarrierToHeaders({}, carrier, { transport: "rabbitmq" } as never),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message ===
          'tracehop writeCarrierToHeaders: there is no option "transport"; the options are system, frameMax',
    );
    assert.deepEqual({ ...writeCarrierToHeaders({}, carrier, {}) }, carrier);
    assert.deepEqual({ ...writeCarrierToHeaders({}, carrier, undefined) }, carrier);
  });

  test("withSendSpan with system rabbitmq: a name holding ':' is said with the AMQP wording, and the forwarded field of that name is said removed", async (t) => {
    if (!broker.requireBroker(t)) return;
    const propagator = new ExtraFieldsPropagator([["x-vendor:ctx", "new"]]);
    const forwarded = await consumedHeaders(t, { "x-vendor:ctx": "old", "x-app": "1" });
    const told = await recordWarnings(() =>
      withSendSpan(
        { system: "rabbitmq", destination: "h1-left-out", headers: forwarded, propagator },
        (headers) => roundTrip(t, headers),
      ),
    );
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
      "tracehop withSendSpan: the propagator wrote the header \"x-vendor:ctx\", which is not header text (its name holds a ':': an AMQP table takes one, but tracehop writes only names every message client sends, and nats.js throws for a ':' in a NATS header name); it is left out of the message headers so that the client does not refuse the send or split a header" +
        REMOVED_TEXT,
    ]);
    const sent = told.result.properties.headers!;
    assert.equal(Object.hasOwn(sent, "x-vendor:ctx"), false);
    assert.equal(sent["x-app"], "1");
    assert.ok(trace.getSpanContext(contextFromAmqpHeaders(told.result)));
  });

  test("withSendSpan with system rabbitmq: baggage left out of a full table is said with withSendSpan's own baggage option, and the forwarded baggage said removed", async (t) => {
    if (!broker.requireBroker(t)) return;
    const forwarded = await consumedHeaders(t, { baggage: "tenant=old", "x-state": "s".repeat(65_000) });
    const baggage = propagation.createBaggage({ tenant: { value: "n".repeat(600) } });
    const told = await recordWarnings(() =>
      context.with(propagation.setBaggage(context.active(), baggage), () =>
        withSendSpan({ system: "rabbitmq", destination: "h1-left-out", headers: forwarded }, (headers) =>
          roundTrip(t, headers),
        ),
      ),
    );
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      `tracehop withSendSpan: the header "baggage" is left out of the message headers, so that the client does not refuse the send: ${TABLE_RULE}${REMOVED_SIZE}${GOES_ON}Keep less baggage: the baggage option of withSendSpan ("none", or the keys the next hop needs) trims it; or keep the application headers smaller`,
    ]);
    const sent = told.result.properties.headers!;
    assert.equal(Object.hasOwn(sent, "baggage"), false);
    assert.ok(trace.getSpanContext(contextFromAmqpHeaders(told.result)));
  });
});

describe("left-out field warnings on the real NATS server", () => {
  const nats = useNats("h4.left-out");
  const publish = (headers: MsgHdrs | undefined) => nats.publish(headers);

  test("kafkaHeadersSetter: a traceparent left out of MsgHdrs says the one already there was removed, and into empty MsgHdrs does not", async (t) => {
    if (!nats.requireNats(t)) return;
    const h = natsHeaders();
    h.set("traceparent", STALE);
    h.set("x-app", "1");
    const told = await recordWarnings(() =>
      kafkaHeadersSetter.set(h, "traceparent", "00-split\r\nx-injected: 1"),
    );
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
      CR_LF_TRACEPARENT("kafkaHeadersSetter", true),
    ]);
    assert.deepEqual(await publish(h), { "x-app": ["1"] });

    resetWarnings();
    const fresh = natsHeaders();
    fresh.set("x-app", "1");
    const toldFresh = await recordWarnings(() =>
      kafkaHeadersSetter.set(fresh, "traceparent", "00-split\r\nx-injected: 1"),
    );
    assert.deepEqual(said(toldFresh, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
      CR_LF_TRACEPARENT("kafkaHeadersSetter", false),
    ]);
    assert.deepEqual(await publish(fresh), { "x-app": ["1"] });
  });

  test("writeCarrierToHeaders into MsgHdrs (system nats, or none): a stored carrier's name holding ':' is said with the NATS wording", async (t) => {
    if (!nats.requireNats(t)) return;
    const carrier = { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`, "x-vendor:ctx": "new" };
    const warning =
      "tracehop writeCarrierToHeaders: the stored carrier given (a carrier object, its JSON or a row's traceContext) holds the header \"x-vendor:ctx\", which is not header text (its name holds a ':', and nats.js throws for a ':' in a NATS header name); it is left out of the message headers so that the client does not refuse the send or split a header";
    for (const options of [{ system: "nats" }, undefined]) {
      resetWarnings();
      const told = await recordWarnings(() => writeCarrierToHeaders(natsHeaders(), carrier, options));
      assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [warning]);
      assert.deepEqual(await publish(told.result), { traceparent: [carrier.traceparent] });
    }
  });

  test("withSendSpan with system nats: a name holding ':' is said with the NATS wording", async (t) => {
    if (!nats.requireNats(t)) return;
    const propagator = new ExtraFieldsPropagator([["x-vendor:ctx", "new"]]);
    const told = await recordWarnings(() =>
      withSendSpan(
        { system: "nats", destination: "h1.left-out", headers: natsHeaders(), propagator },
        (headers) => publish(headers as MsgHdrs),
      ),
    );
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT"), [
      "tracehop withSendSpan: the propagator wrote the header \"x-vendor:ctx\", which is not header text (its name holds a ':', and nats.js throws for a ':' in a NATS header name); it is left out of the message headers so that the client does not refuse the send or split a header",
    ]);
    assert.equal(Object.hasOwn(told.result, "x-vendor:ctx"), false);
    assert.equal(told.result.traceparent?.length, 1);
  });
});
