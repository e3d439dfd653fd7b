/**
 * A third-party propagator that fails while injecting: a trace lost this way is said, as every other
 * way of losing it is. A throw in inject gives the empty carrier and one warning per process
 * (TRACEHOP_PROPAGATOR_INJECT_FAILED); a value whose toString throws loses that field alone, with the
 * header-text warning (TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT), the fields before and after it kept.
 * A throw in extract restores nothing and is said the same way (TRACEHOP_PROPAGATOR_EXTRACT_FAILED).
 */
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { ROOT_CONTEXT, trace, TraceFlags, type TextMapPropagator } from "@opentelemetry/api";
import { captureCarrier, contextFromCarrier, createPropagator, withCarrier } from "../../src/index.js";
import { injectKafkaHeaders, withProcessSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter } from "./tracing.js";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID = "b7ad6b7169203331";
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;
const ctx = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

const throwing: TextMapPropagator = {
  inject() {
    throw new Error("propagator boom");
  },
  extract: (c) => c,
  fields: () => [],
};

/** Writes a traceparent, then a value whose toString throws, then one more field. */
const badValue: TextMapPropagator = {
  inject(_c, carrier, setter) {
    setter.set(carrier, "traceparent", TRACEPARENT);
    const value = {
      toString() {
        throw new Error("no text");
      },
    };
    setter.set(carrier, "x-bad", value as unknown as string);
    setter.set(carrier, "x-after", "1");
  },
  extract: (c) => c,
  fields: () => [],
};

describe("a propagator that fails in inject", () => {
  beforeEach(() => resetWarnings());

  test("a throw in inject: the empty carrier, and a warning once per process naming the error", async () => {
    const told = await recordWarnings(() => [
      captureCarrier({ context: ctx, propagator: throwing }),
      captureCarrier({ context: ctx, propagator: throwing }),
      injectKafkaHeaders({}, { context: ctx, propagator: throwing }),
    ]);
    assert.deepEqual(told.result, [{}, {}, {}]);
    const message =
      'tracehop: the propagator threw in inject ("Error: propagator boom"); the carrier is left empty, so the trace is ' +
      "not continued from this row or message (the write itself goes on). Fix or replace the propagator passed as the propagator option";
    assert.deepEqual(told.processWarnings, [["TRACEHOP_PROPAGATOR_INJECT_FAILED", message]]);
    assert.deepEqual(told.diagWarnings, [message]);
  });

  test("a throw with a long message: the warning quotes its first 200 characters and says its length", async () => {
    const long = "x".repeat(1 << 20);
    const told = await recordWarnings(() =>
      captureCarrier({
        context: ctx,
        propagator: {
          ...throwing,
          inject() {
            throw new RangeError(long);
          },
        },
      }),
    );
    assert.deepEqual(told.result, {});
    const message =
      `tracehop: the propagator threw in inject ("RangeError: ${"x".repeat(188)}"… (${(1 << 20) + 12} characters)); ` +
      "the carrier is left empty, so the trace is not continued from this row or message (the write itself goes on). " +
      "Fix or replace the propagator passed as the propagator option";
    assert.deepEqual(told.processWarnings, [["TRACEHOP_PROPAGATOR_INJECT_FAILED", message]]);
  });

  test("a long message whose 200th character starts a surrogate pair: cut before the pair, never inside it", async () => {
    // "RangeError: " is 12 characters: the emoji's high surrogate is the 200th of the quoted text.
    const long = `${"x".repeat(187)}\u{1F600}${"y".repeat(100)}`;
    const told = await recordWarnings(() =>
      captureCarrier({
        context: ctx,
        propagator: {
          ...throwing,
          inject() {
            throw new RangeError(long);
          },
        },
      }),
    );
    assert.match(
      told.processWarnings[0]![1],
      new RegExp(`\\("RangeError: x{187}"… \\(${long.length + 12} characters\\)\\); `),
    );
  });

  test("a value whose toString throws: that field alone is left out, with the header-text warning", async () => {
    const told = await recordWarnings(() => captureCarrier({ context: ctx, propagator: badValue }));
    assert.deepEqual(told.result, { traceparent: TRACEPARENT, "x-after": "1" });
    assert.deepEqual(told.processWarnings, [
      [
        "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT",
        'tracehop: the propagator wrote the carrier field "x-bad", which is not header text (its value is an object, not text); ' +
          "it is left out of the carrier so that it cannot fail a database write or split a message header",
      ],
    ]);
  });
});

test("a propagator that writes a field of its own per call, none of it header text: warned for the first 16 names of the process, the 17th dropped silently; forgotten with the warnings, as a new process would", async () => {
  resetWarnings();
  let call = 0;
  const fieldPerCall: TextMapPropagator = {
    inject(_context, carrier, setter) {
      setter.set(carrier, `x-field-${++call}`, "line\nbreak");
      setter.set(carrier, "x-kept", "1");
    },
    extract: (c) => c,
    fields: () => [],
  };
  const capture = () => recordWarnings(() => captureCarrier({ context: ctx, propagator: fieldPerCall }));
  const named = (told: Awaited<ReturnType<typeof capture>>) =>
    told.processWarnings.map(([code, message]) => [code, /carrier field "([^"]*)"/.exec(message)?.[1]]);
  const told: Awaited<ReturnType<typeof capture>>[] = [];
  for (let i = 0; i < 17; i++) told.push(await capture());
  assert.deepEqual(told[16]!.result, { "x-kept": "1" });
  assert.deepEqual(
    told.flatMap(named),
    Array.from({ length: 16 }, (_, i) => ["TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT", `x-field-${i + 1}`]),
  );
  resetWarnings();
  assert.deepEqual(named(await capture()), [["TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT", "x-field-18"]]);
});

describe("a propagator that fails in extract", () => {
  beforeEach(() => {
    resetWarnings();
    exporter.reset();
  });

  const throwingExtract: TextMapPropagator = {
    inject: () => undefined,
    extract() {
      throw new TypeError("extract boom");
    },
    fields: () => [],
  };
  const message =
    'tracehop: the propagator threw in extract ("TypeError: extract boom"); no stored context is restored from this ' +
    "row or message, so its work starts a new trace (the work itself goes on). Fix or replace the propagator passed " +
    "as the propagator option";

  test("no context, the work runs in a new trace, and a warning once per process naming the error", async () => {
    const told = await recordWarnings(() => [
      contextFromCarrier({ traceparent: TRACEPARENT }, { propagator: throwingExtract }) === ROOT_CONTEXT,
      withCarrier({ traceparent: TRACEPARENT }, "job", () => 1, { propagator: throwingExtract }),
      withProcessSpan(
        { traceparent: TRACEPARENT },
        { system: "kafka", destination: "jobs", propagator: throwingExtract },
        () => 2,
      ),
    ]);
    assert.deepEqual(told.result, [true, 1, 2]);
    assert.deepEqual(told.processWarnings, [["TRACEHOP_PROPAGATOR_EXTRACT_FAILED", message]]);
    assert.deepEqual(told.diagWarnings, [message]);
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 2);
    for (const span of spans) {
      assert.notEqual(span.spanContext().traceId, TRACE_ID);
      assert.equal(span.parentSpanContext, undefined);
    }
  });
});

describe("a propagator that works but throws when its type is asked", () => {
  test("a Proxy whose getPrototypeOf throws: the stored context is restored, nothing thrown", () => {
    const proxy = new Proxy(createPropagator(), {
      getPrototypeOf() {
        throw new Error("trap");
      },
    });
    const restored = contextFromCarrier({ traceparent: TRACEPARENT }, { propagator: proxy });
    assert.equal(trace.getSpanContext(restored)?.spanId, SPAN_ID);
  });
});
