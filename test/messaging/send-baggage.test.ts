// The `baggage` option of the helpers that write a context into message headers (withSendSpan,
// injectKafkaHeaders, injectAmqpHeaders): captureCarrier's policy, values and messages, from the same
// code (src/context/baggage-policy.ts), default "all" (a message is the wire, as HTTP headers are). A
// user's trial: application headers that published through amqplib without tracing were refused inside
// withSendSpan (amqplib encodes the whole header table into a 65 536-byte buffer) because the context's
// whole baggage went into them, and withSendSpan had no way to keep it out.
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { captureCarrier, contextFromCarrier, type BaggagePolicy } from "../../src/index.js";
import {
  injectAmqpHeaders,
  injectKafkaHeaders,
  MESSAGING_SYSTEM_VALUE_RABBITMQ,
  withProcessSpan,
  withSendSpan,
  type SendSpanOptions,
} from "../../src/messaging/index.js";
import { uniqueQueue, useRabbitMQ } from "./rabbitmq.js";
import { datadogSpanId, datadogTraceId, exporter, onlySpan, traceparentOf } from "./tracing.js";
import { requestContext, SPAN_ID, TRACE_ID } from "../support/baggage-context.js";
import { recordWarnings, said } from "../support/warnings.js";

const ALL_BAGGAGE = "tenant=t-001,plan=gold,email=ada@example.com";

const SEND = { system: "kafka", destination: "jobs" } as const;

/**
 * The headers `fn` of withSendSpan receives under {@link requestContext}, with `options`, and the
 * baggage entries of the context `fn` runs in.
 */
function sentHeaders(options: Partial<SendSpanOptions> = {}): {
  headers: Record<string, unknown>;
  activeBaggage: string[];
} {
  return context.with(requestContext(), () =>
    withSendSpan({ ...SEND, headers: { "x-app": "kept" }, ...options }, (headers) => ({
      headers: { ...headers },
      activeBaggage: (propagation.getBaggage(context.active())?.getAllEntries() ?? []).map(([key]) => key),
    })),
  );
}

beforeEach(() => exporter.reset());

describe("withSendSpan's baggage option", () => {
  test('default and "all": the whole baggage in the headers, as captureCarrier\'s default', () => {
    for (const baggage of [undefined, "all"] as const) {
      const { headers } = sentHeaders({ baggage });
      assert.equal(headers.baggage, ALL_BAGGAGE, String(baggage));
      assert.equal(headers["x-app"], "kept");
    }
  });

  test('"none" and []: no baggage header; the trace, the application headers and the code\'s own baggage unchanged', () => {
    for (const baggage of ["none", []] as BaggagePolicy[]) {
      exporter.reset();
      const { headers, activeBaggage } = sentHeaders({ baggage });
      const send = onlySpan("send jobs").spanContext();
      assert.deepEqual(
        Object.keys(headers).sort(),
        [
          "traceparent",
          "x-app",
          "x-datadog-parent-id",
          "x-datadog-sampling-priority",
          "x-datadog-tags",
          "x-datadog-trace-id",
        ],
        JSON.stringify(baggage),
      );
      assert.equal(headers.traceparent, traceparentOf(send));
      assert.equal(send.traceId, TRACE_ID);
      assert.equal(headers["x-datadog-parent-id"], datadogSpanId(send.spanId));
      assert.equal(headers["x-app"], "kept");
      // Only the headers lose it: the context `fn` runs in keeps its baggage.
      assert.deepEqual(activeBaggage, ["tenant", "plan", "email"]);
    }
  });

  test("a list of keys keeps those entries only (exact, case-sensitive keys)", () => {
    assert.equal(sentHeaders({ baggage: ["tenant", "plan"] }).headers.baggage, "tenant=t-001,plan=gold");
    assert.equal(sentHeaders({ baggage: ["email"] }).headers.baggage, "email=ada@example.com");
    assert.equal("baggage" in sentHeaders({ baggage: ["Tenant"] }).headers, false);
  });

  test("the headers restore only the entries kept", () => {
    const { headers } = sentHeaders({ baggage: ["plan"] });
    const restored = contextFromCarrier(headers);
    assert.deepEqual(
      propagation
        .getBaggage(restored)
        ?.getAllEntries()
        .map(([key, entry]) => [key, entry.value]),
      [["plan", "gold"]],
    );
    assert.equal(trace.getSpanContext(restored)?.traceId, TRACE_ID);
  });

  test("inside an enclosing PRODUCER span (no second span), the policy applies as well", () => {
    const headers = context.with(requestContext(), () =>
      withSendSpan(SEND, () => withSendSpan({ ...SEND, baggage: ["tenant"] }, (inner) => ({ ...inner }))),
    );
    assert.equal(headers.baggage, "tenant=t-001");
    assert.equal(headers.traceparent, traceparentOf(onlySpan("send jobs").spanContext()));
  });

  test("an ot-baggage-<key> header a propagator writes anyway follows the policy by key", () => {
    const legacy: TextMapPropagator = {
      inject(ctx, carrier: Record<string, string>) {
        const sc = trace.getSpanContext(ctx)!;
        carrier.traceparent = traceparentOf(sc);
        carrier["ot-baggage-tenant"] = "t-001";
        carrier["ot-baggage-email"] = "ada@example.com";
      },
      extract: (ctx) => ctx,
      fields: () => ["traceparent"],
    };
    const kept = sentHeaders({ propagator: legacy, baggage: ["tenant"] }).headers;
    assert.deepEqual(Object.keys(kept).sort(), ["ot-baggage-tenant", "traceparent", "x-app"]);
    const none = sentHeaders({ propagator: legacy, baggage: "none" }).headers;
    assert.deepEqual(Object.keys(none).sort(), ["traceparent", "x-app"]);
    assert.equal(Object.keys(sentHeaders({ propagator: legacy }).headers).length, 4);
  });

  test("a relay: the stored baggage is filtered too, in both forwarding modes", () => {
    const stored = {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      baggage: "tenant=t-001,email=ada@example.com",
    };
    const forwarded = withSendSpan(
      { ...SEND, creationContext: stored, forward: "creation-context", baggage: ["tenant"] },
      (headers) => ({ ...headers }),
    );
    assert.equal(forwarded.traceparent, stored.traceparent, "the stored context itself");
    assert.equal(forwarded.baggage, "tenant=t-001");
    exporter.reset();
    const sent = withSendSpan({ ...SEND, creationContext: stored, baggage: "none" }, (headers) => ({
      ...headers,
    }));
    assert.equal(sent.traceparent, traceparentOf(onlySpan("send jobs").spanContext()));
    assert.equal("baggage" in sent, false);
    const all = withSendSpan({ ...SEND, creationContext: stored }, (headers) => ({ ...headers }));
    assert.equal(all.baggage, stored.baggage);
  });
});

describe("injectKafkaHeaders' and injectAmqpHeaders' baggage option", () => {
  test("the same headers as captureCarrier's carrier for each policy, application headers kept", () => {
    const ctx = requestContext();
    for (const baggage of [undefined, "all", "none", [], ["plan", "email"], ["nope"]] as (
      BaggagePolicy | undefined
    )[]) {
      const carrier = captureCarrier({ context: ctx, baggage });
      const label = JSON.stringify(baggage) ?? "undefined";
      assert.deepEqual(
        injectKafkaHeaders({ "x-app": "kept" }, { context: ctx, baggage }),
        { "x-app": "kept", ...carrier },
        `kafka ${label}`,
      );
      assert.deepEqual(
        injectAmqpHeaders({ "x-app": "kept" }, { context: ctx, baggage }),
        { "x-app": "kept", ...carrier },
        `amqp ${label}`,
      );
    }
    assert.equal(injectAmqpHeaders({}, { context: ctx }).baggage, ALL_BAGGAGE);
    assert.equal(injectKafkaHeaders({}, { context: ctx, baggage: ["plan"] }).baggage, "plan=gold");
    assert.equal("baggage" in injectAmqpHeaders({}, { context: ctx, baggage: "none" }), false);
  });

  test("a baggage header copied from a consumed message is removed with the others, whatever the policy", () => {
    const headers = injectAmqpHeaders(
      { baggage: "old=1", "ot-baggage-old": "1", "x-app": "kept" },
      { context: requestContext(), baggage: "none" },
    );
    assert.equal("baggage" in headers, false);
    assert.equal("ot-baggage-old" in headers, false);
    assert.equal(headers["x-app"], "kept");
  });
});

describe("a bad baggage value: captureCarrier's TypeError, under the helper's name, before anything is sent", () => {
  const cases: unknown[] = [
    "None",
    true,
    null,
    0,
    new Set(["tenant"]),
    ["tenant", ""],
    [1],
    ["a b"],
    ["a,b"],
  ];

  /** captureCarrier's message for `baggage`, without its `tracehop captureCarrier: ` prefix. */
  function captureMessage(baggage: unknown): string {
    try {
      captureCarrier({ baggage: baggage as never });
    } catch (err) {
      assert.ok(err instanceof TypeError);
      return err.message.replace(/^tracehop captureCarrier: /, "");
    }
    assert.fail(`captureCarrier took ${String(baggage)}`);
  }

  test("withSendSpan: fn never runs, no span starts", () => {
    for (const baggage of cases) {
      let called = false;
      assert.throws(
        () =>
          withSendSpan({ ...SEND, baggage: baggage as never }, () => {
            called = true;
          }),
        { name: "TypeError", message: `tracehop withSendSpan: ${captureMessage(baggage)}` },
      );
      assert.equal(called, false);
    }
    assert.deepEqual(exporter.getFinishedSpans(), []);
  });

  test("injectKafkaHeaders and injectAmqpHeaders: the headers are not touched", () => {
    for (const baggage of cases) {
      const message = captureMessage(baggage);
      const headers = { traceparent: "00-old", "x-app": "kept" };
      assert.throws(() => injectKafkaHeaders(headers, { baggage: baggage as never }), {
        name: "TypeError",
        message: `tracehop injectKafkaHeaders: ${message}`,
      });
      assert.throws(() => injectAmqpHeaders(headers, { baggage: baggage as never }), {
        name: "TypeError",
        message: `tracehop injectAmqpHeaders: ${message}`,
      });
      assert.deepEqual(headers, { traceparent: "00-old", "x-app": "kept" });
    }
  });

  test("the messages are captureCarrier's (checked on two of them, word for word)", () => {
    assert.equal(
      captureMessage("None"),
      'baggage must be "none", "all" or an array of baggage keys, got "None"',
    );
    assert.equal(
      captureMessage(["tenant", ""]),
      'baggage[1] must be a baggage key (a non-empty string such as "tenant"), got ""',
    );
  });

  test("a misspelt option name: did you mean baggage; a name near none lists baggage among the options", () => {
    assert.throws(() => injectKafkaHeaders({}, { bagage: "none" } as never), {
      name: "TypeError",
      message: 'tracehop injectKafkaHeaders: there is no option "bagage"; did you mean baggage?',
    });
    assert.throws(() => injectAmqpHeaders({}, { bagage: "none" } as never), {
      message: 'tracehop injectAmqpHeaders: there is no option "bagage"; did you mean baggage?',
    });
    assert.throws(() => withSendSpan({ ...SEND, bagage: "none" } as never, () => 1), {
      name: "TypeError",
      message: 'tracehop withSendSpan: there is no option "bagage"; did you mean baggage?',
    });
    assert.throws(() => injectKafkaHeaders({}, { keys: ["tenant"] } as never), {
      name: "TypeError",
      message:
        'tracehop injectKafkaHeaders: there is no option "keys"; the options are context, propagator, baggage',
    });
    assert.throws(() => withSendSpan({ ...SEND, keys: ["tenant"] } as never, () => 1), {
      name: "TypeError",
      message: /^tracehop withSendSpan: there is no option "keys"; the options are .*, baggage$/,
    });
  });
});

/**
 * The size of `headers` (string values) as amqplib encodes them, an AMQP 0-9-1 field table: 4 bytes
 * of table length, then per header 1 byte of name length, the name, the `S` tag, 4 bytes of value
 * length and the value, in UTF-8 bytes (amqplib lib/codec.js `encodeTable`; docs/messaging.md).
 */
function fieldTableBytes(headers: Record<string, unknown>): number {
  let size = 4;
  for (const [name, value] of Object.entries(headers)) {
    assert.equal(typeof value, "string", name);
    size += 1 + Buffer.byteLength(name) + 1 + 4 + Buffer.byteLength(value as string);
  }
  return size;
}

/** amqplib's encoding buffer for a message's header table (`SCRATCH` of amqplib lib/defs.js). */
const AMQPLIB_HEADER_TABLE_BYTES = 65_536;

describe("RabbitMQ: headers near amqplib's 64 KiB header table", () => {
  const broker = useRabbitMQ();

  test('with baggage: "none" they publish, the trace arrives, the application headers intact', async (t) => {
    if (!broker.requireBroker(t)) return;
    const { queue } = await broker.channel.assertQueue(uniqueQueue("baggage-none"), { exclusive: true });
    broker.deleteAfter(t, queue);
    // A request's baggage of about 6 KB (the trial's was 6 289 characters), under the W3C limits
    // (W3C Baggage §3.3.1: 8 192 bytes, 64 entries): 6 239 characters.
    const entries: Record<string, { value: string }> = {};
    for (let i = 0; i < 50; i++) entries[`k${i}`] = { value: "v".repeat(120) };
    const request = propagation.setBaggage(
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      }),
      propagation.createBaggage(entries),
    );
    // Application headers whose table takes 65 000 bytes: they publish without tracing.
    const app = { "x-app-state": "s".repeat(65_000 - fieldTableBytes({ "x-app-state": "" })) };
    assert.equal(fieldTableBytes(app), 65_000);
    const options = { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination: queue };

    // The default: the baggage header (6 239 characters) would take the table over amqplib's buffer
    // and make sendToQueue throw, so it is left out, said; the trace headers are written.
    const told = await recordWarnings(() =>
      context.with(request, () =>
        withSendSpan<Record<string, unknown>>({ ...options, headers: { ...app } }, (h) => h),
      ),
    );
    const full = told.result;
    assert.equal(Object.hasOwn(full, "baggage"), false);
    assert.equal(full.traceparent, traceparentOf(onlySpan(`publish ${queue}`).spanContext()));
    assert.ok(fieldTableBytes(full) <= AMQPLIB_HEADER_TABLE_BYTES, String(fieldTableBytes(full)));
    assert.deepEqual(said(told, "TRACEHOP_HEADER_FIELD_TOO_LARGE"), [
      'tracehop withSendSpan: the header "baggage" is left out of the message headers, so that the client does not refuse the send: with it the headers table would be over 65536 bytes, the most amqplib encodes one into, and amqplib throws at publish past them. The other headers are written, and the trace goes on when they carry it. Keep less baggage: the baggage option of withSendSpan ("none", or the keys the next hop needs) trims it; or keep the application headers smaller',
    ]);
    exporter.reset();

    let sentTable = 0;
    await context.with(request, () =>
      withSendSpan({ ...options, headers: { ...app }, baggage: "none" }, async (headers) => {
        sentTable = fieldTableBytes(headers);
        broker.channel.sendToQueue(queue, Buffer.from("{}"), { headers, persistent: false });
        await broker.channel.waitForConfirms();
      }),
    );
    assert.ok(sentTable <= AMQPLIB_HEADER_TABLE_BYTES, String(sentTable));
    assert.ok(sentTable > AMQPLIB_HEADER_TABLE_BYTES - 1000, "near the limit");

    const delivered = await broker.channel.get(queue, { noAck: true });
    assert.ok(delivered, "the message reached the queue");
    const headers = delivered.properties.headers!;
    assert.equal(headers["x-app-state"], app["x-app-state"]);
    assert.equal("baggage" in headers, false);
    const send = onlySpan(`publish ${queue}`).spanContext();
    assert.equal(headers.traceparent, traceparentOf(send));
    assert.equal(headers["x-datadog-trace-id"], datadogTraceId(TRACE_ID));
    const processed = await withProcessSpan(headers, options, () => ({
      span: trace.getActiveSpan()!.spanContext(),
      baggage: propagation.getBaggage(context.active()),
    }));
    assert.equal(processed.span.traceId, TRACE_ID);
    assert.equal(processed.baggage, undefined);
  });
});
