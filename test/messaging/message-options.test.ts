/**
 * Options that come from the message (`attempt`, `run`, `capturedAt`: a delivery count, a run number,
 * a timestamp read from its headers): a bad value is left out with a once-per-process warning
 * (TRACEHOP_MESSAGE_OPTION_IGNORED) and the message is handled; options that are the caller's own
 * (`system`, `relation`, `maxParentAge`) stay TypeErrors. In-memory SDK.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, propagation, SpanKind, trace, type TextMapGetter } from "@opentelemetry/api";
import { withCarrier } from "../../src/index.js";
import { withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, onlySpan, tracer } from "./tracing.js";

const rabbit = { system: "rabbitmq", destination: "jobs" } as const;
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const headers = { traceparent: TRACEPARENT };

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});

describe("a bad per-message option is left out, never a message that is not handled", () => {
  test('withProcessSpan: attempt NaN, "3.5", 2.5, 0; run 1.5; capturedAt junk: fn runs, no attribute, one warning each', async () => {
    const told = await recordWarnings(() => {
      const ran: unknown[] = [];
      for (const attempt of [NaN, "3.5", 2.5, 0]) {
        ran.push(
          withProcessSpan(
            headers,
            { ...rabbit, attempt: attempt as number },
            () => `handled ${String(attempt)}`,
          ),
        );
        const span = onlySpan("process jobs");
        assert.equal(span.attributes["tracehop.attempt"], undefined, String(attempt));
        assert.equal(span.parentSpanContext?.spanId, "00f067aa0ba902b7", "the message's context is restored");
        exporter.reset();
      }
      ran.push(withProcessSpan(headers, { ...rabbit, run: 1.5 }, () => "run"));
      assert.equal(onlySpan("process jobs").attributes["tracehop.run"], undefined);
      exporter.reset();
      ran.push(withProcessSpan(headers, { ...rabbit, capturedAt: "yesterday" }, () => "captured"));
      assert.equal(onlySpan("process jobs").attributes["tracehop.queue.wait"], undefined);
      exporter.reset();
      // A good value beside a bad one is kept.
      ran.push(withProcessSpan(headers, { ...rabbit, attempt: NaN, run: 2 }, () => "both"));
      const both = onlySpan("process jobs");
      assert.equal(both.attributes["tracehop.attempt"], undefined);
      assert.equal(both.attributes["tracehop.run"], 2);
      return ran;
    });
    assert.deepEqual(told.result, [
      "handled NaN",
      "handled 3.5",
      "handled 2.5",
      "handled 0",
      "run",
      "captured",
      "both",
    ]);
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [code, message.slice(0, message.indexOf(" must be "))]),
      [
        ["TRACEHOP_MESSAGE_OPTION_IGNORED", "tracehop withProcessSpan: options.attempt"],
        ["TRACEHOP_MESSAGE_OPTION_IGNORED", "tracehop withProcessSpan: options.run"],
        ["TRACEHOP_MESSAGE_OPTION_IGNORED", "tracehop withProcessSpan: options.capturedAt"],
      ],
      "once per option and process",
    );
    assert.match(told.processWarnings[0]![1], /got NaN: left out \(no tracehop\.attempt on the span\)/);
    assert.match(told.processWarnings[0]![1], /x-delivery-count/);
    assert.equal(told.diagWarnings.length, 3);
  });

  test("withProcessSpan in an instrumentation's CONSUMER span: the bad attempt is left out there too", async () => {
    const messageContext = propagation.extract(context.active(), headers, {
      keys: (h) => Object.keys(h),
      get: (h, k) => h[k as keyof typeof h],
    } as TextMapGetter<typeof headers>);
    const instrumentation = tracer.startSpan("jobs process", { kind: SpanKind.CONSUMER }, messageContext);
    const told = await recordWarnings(() =>
      context.with(trace.setSpan(messageContext, instrumentation), () =>
        withProcessSpan(headers, { ...rabbit, attempt: NaN }, (span) => span === instrumentation),
      ),
    );
    instrumentation.end();
    assert.equal(told.result, true, "the instrumentation's span was taken over");
    assert.equal(onlySpan("jobs process").attributes["tracehop.attempt"], undefined);
    assert.equal(onlySpan("jobs process").attributes["tracehop.relation"], "parent");
    assert.deepEqual(
      told.processWarnings.map(([code]) => code),
      ["TRACEHOP_MESSAGE_OPTION_IGNORED"],
    );
  });

  test("withSendSpan (a relay's row): a bad attempt is left out, the message sent", async () => {
    const row = { traceContext: headers, createdAt: new Date(Date.now() - 2000) };
    const told = await recordWarnings(() => [
      withSendSpan(
        { ...rabbit, creationContext: row, attempt: NaN, capturedAt: "soon" },
        (h) => h.traceparent,
      ),
      withSendSpan({ ...rabbit, destination: "other", attempt: "2" as never }, (h) => h.traceparent),
    ]);
    const relay = onlySpan("publish jobs");
    assert.equal(told.result[0], `00-${relay.spanContext().traceId}-${relay.spanContext().spanId}-01`);
    assert.equal(relay.attributes["tracehop.attempt"], undefined);
    // capturedAt left out as if not given: the row's createdAt gives the queue wait.
    assert.ok(
      Number(relay.attributes["tracehop.queue.wait"]) >= 2,
      String(relay.attributes["tracehop.queue.wait"]),
    );
    assert.equal(typeof told.result[1], "string");
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [code, message.slice(0, message.indexOf(" must be "))]),
      [
        ["TRACEHOP_MESSAGE_OPTION_IGNORED", "tracehop withSendSpan: options.attempt"],
        ["TRACEHOP_MESSAGE_OPTION_IGNORED", "tracehop withSendSpan: options.capturedAt"],
      ],
    );
    // A relay's attempt is the row's, not a delivery count: the consumer's x-delivery-count hint is not given.
    assert.equal(
      told.processWarnings[0]![1],
      "tracehop withSendSpan: options.attempt must be an integer from 1 to Number.MAX_SAFE_INTEGER (2^53 - 1): " +
        "a number, a bigint or a text of its decimal digits, got NaN: left out (no tracehop.attempt on the span), " +
        "the message handled as usual. Said once per process for this helper and option; later messages with " +
        "such a value are treated the same.",
    );
  });

  test("withSendSpan without a creationContext uses no attempt, run or capturedAt: nothing said of a bad one, new span or an active PRODUCER span", async () => {
    const told = await recordWarnings(() => {
      const sent = [withSendSpan({ ...rabbit, attempt: NaN, capturedAt: "soon" }, (h) => h.traceparent)];
      const producer = tracer.startSpan("app send", { kind: SpanKind.PRODUCER });
      context.with(trace.setSpan(context.active(), producer), () =>
        sent.push(withSendSpan({ ...rabbit, attempt: 0, run: 1.5 }, (h) => h.traceparent)),
      );
      producer.end();
      return sent;
    });
    assert.equal(told.result.length, 2);
    for (const traceparent of told.result) assert.equal(typeof traceparent, "string");
    assert.deepEqual(told.processWarnings, []);
    assert.deepEqual(told.diagWarnings, []);
  });

  test("capturedAt null (a nullable column without a value) is an unknown capture time, as withCarrier reads it: nothing said", async () => {
    const row = { traceContext: headers, createdAt: new Date(Date.now() - 2000) };
    const told = await recordWarnings(() => [
      withProcessSpan(headers, { ...rabbit, capturedAt: null }, () => "processed"),
      withSendSpan({ ...rabbit, creationContext: row, capturedAt: null }, () => "sent"),
    ]);
    assert.deepEqual(told.result, ["processed", "sent"]);
    for (const name of ["process jobs", "publish jobs"])
      assert.equal(onlySpan(name).attributes["tracehop.queue.wait"], undefined, name);
    assert.deepEqual([told.processWarnings, told.diagWarnings], [[], []]);
  });

  test("a capturedAt text is parsed once per message (not again by the restore), and gives the queue wait", async () => {
    const parse = Date.parse;
    let parses = 0;
    Date.parse = (text: string) => (parses++, parse(text));
    try {
      const capturedAt = new Date(Date.now() - 3000).toISOString();
      withProcessSpan(headers, { ...rabbit, capturedAt }, () => 0);
      assert.equal(parses, 1);
      const wait = Number(onlySpan("process jobs").attributes["tracehop.queue.wait"]);
      assert.ok(wait >= 3 && wait < 60, String(wait));
      parses = 0;
      const row = { traceContext: headers };
      withSendSpan({ ...rabbit, creationContext: row, capturedAt }, () => 0);
      assert.equal(parses, 1);
    } finally {
      Date.parse = parse;
    }
  });

  test("attempt and run: a safe bigint or a text of decimal digits is taken as its number, null is none (said nothing); beyond Number.MAX_SAFE_INTEGER (a number or a bigint) left out, said once", async () => {
    const told = await recordWarnings(() => {
      withProcessSpan(headers, { ...rabbit, attempt: 3n as never, run: 2n as never }, () => 0);
      const taken = onlySpan("process jobs");
      assert.equal(taken.attributes["tracehop.attempt"], 3);
      assert.equal(taken.attributes["tracehop.run"], 2);
      exporter.reset();
      withProcessSpan(headers, { ...rabbit, attempt: "4", run: null as never }, () => 0);
      const text = onlySpan("process jobs");
      assert.equal(text.attributes["tracehop.attempt"], 4);
      assert.equal("tracehop.run" in text.attributes, false);
      exporter.reset();
      for (const attempt of [2 ** 60, Number.MAX_SAFE_INTEGER + 1, 2n ** 60n, 0n]) {
        withProcessSpan(headers, { ...rabbit, attempt: attempt as never }, () => 0);
        assert.equal(onlySpan("process jobs").attributes["tracehop.attempt"], undefined, String(attempt));
        exporter.reset();
      }
      withProcessSpan(headers, { ...rabbit, attempt: Number.MAX_SAFE_INTEGER }, () => 0);
      assert.equal(onlySpan("process jobs").attributes["tracehop.attempt"], Number.MAX_SAFE_INTEGER);
      exporter.reset();
      const row = { traceContext: headers };
      withSendSpan({ ...rabbit, creationContext: row, attempt: 2n as never, run: 2 ** 60 }, () => 0);
      const sent = onlySpan("publish jobs");
      assert.equal(sent.attributes["tracehop.attempt"], 2);
      assert.equal(sent.attributes["tracehop.run"], undefined);
    });
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [code, message.slice(0, message.indexOf(", got "))]),
      [
        [
          "TRACEHOP_MESSAGE_OPTION_IGNORED",
          'tracehop withProcessSpan: options.attempt must be an integer from 1 to Number.MAX_SAFE_INTEGER (2^53 - 1): a number, a bigint or a text of its decimal digits (a RabbitMQ quorum queue\'s x-delivery-count, up to RabbitMQ 4.2, counts the earlier deliveries and is missing on the first, where Number() of it is NaN: pass msg.fields.redelivered ? Number(headers["x-delivery-count"]) + 1 : 1; from 4.3 see docs/messaging.md, "The spans"; a classic queue sends no x-delivery-count, on a redelivery neither: count the deliveries yourself or pass no attempt)',
        ],
        [
          "TRACEHOP_MESSAGE_OPTION_IGNORED",
          "tracehop withSendSpan: options.run must be an integer from 1 to Number.MAX_SAFE_INTEGER (2^53 - 1): a number, a bigint or a text of its decimal digits",
        ],
      ],
    );
    assert.match(
      told.processWarnings[0]![1],
      /, got 1152921504606846976 \(2\^60, above Number\.MAX_SAFE_INTEGER, which JavaScript prints as 1152921504606847000\): left out/,
    );
  });

  test("options that are the caller's own stay TypeErrors, before fn runs; withCarrier leaves a bad attempt out too", async () => {
    let ran = 0;
    const fn = () => ran++;
    assert.throws(
      () => withProcessSpan(headers, { ...rabbit, relation: "child" as never }, fn),
      /relation must be/,
    );
    assert.throws(() => withProcessSpan(headers, { ...rabbit, maxParentAge: NaN }, fn), /maxParentAge/);
    assert.throws(() => withProcessSpan(headers, { destination: "jobs" } as never, fn), /options\.system/);
    assert.throws(() => withSendSpan({ ...rabbit, relation: "child" as never }, fn), /relation must be/);
    assert.equal(ran, 0);
    const told = await recordWarnings(() => withCarrier(headers, "x", fn, { attempt: NaN }));
    assert.equal(ran, 1);
    assert.deepEqual(
      told.processWarnings.map(([code]) => code),
      ["TRACEHOP_MESSAGE_OPTION_IGNORED"],
    );
  });
});
