import { afterEach, describe, test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import {
  context,
  defaultTextMapGetter,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from "@opentelemetry/api";
import {
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  traced,
  withBatch,
  withBatchItem,
  withCarrier,
} from "../../src/index.js";
import { isTraceCarrierProvider, toEpochMs } from "../../src/context/carrier-source.js";
import { withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, finishedSpan, parentIdOf, W3C_CARRIER, W3C_PARENT_ID, W3C_TRACE_ID } from "./tracing.js";

beforeEach(() => exporter.reset());

/** Asserts `name` ended with ERROR status, an exception event for `err`, and returns the span. */
function assertFailed(name: string, err: Error) {
  const span = finishedSpan(name);
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.status.message, err.message);
  const event = span.events.find((e) => e.name === "exception");
  assert.ok(event, "exception event recorded");
  assert.equal(event.attributes?.["exception.message"], err.message);
  assert.equal(event.attributes?.["exception.type"], err.name);
  return span;
}

describe("withCarrier: synchronous functions", () => {
  test("a carrier holding only a traceparent: captured again inside the restored span, no tracestate (no Datadog state to carry: docs/migration.md 'Mixed fleets'), x-datadog-* from its flag", () => {
    const carrier = withCarrier(W3C_CARRIER, "w3c-only", () => captureCarrier());
    assert.equal(carrier.tracestate, undefined, JSON.stringify(carrier));
    assert.match(carrier.traceparent!, new RegExp(`^00-${W3C_TRACE_ID}-[0-9a-f]{16}-01$`));
    assert.equal(carrier["x-datadog-sampling-priority"], "1");
  });

  test("the span is a child of the stored parent, active inside fn, ended at return", () => {
    let inside: Span | undefined;
    const result = withCarrier(W3C_CARRIER, "sync", (span) => {
      inside = trace.getActiveSpan();
      assert.equal(inside, span);
      return 42;
    });
    assert.equal(result, 42);
    const span = finishedSpan("sync");
    assert.equal(span.spanContext().traceId, W3C_TRACE_ID);
    assert.equal(parentIdOf(span), W3C_PARENT_ID);
    assert.equal(span.kind, SpanKind.INTERNAL);
    assert.equal(span.ended, true);
    assert.equal(trace.getActiveSpan(), undefined, "nothing active after the call");
  });

  test("a throw is recorded (exception event, ERROR status), the span ends, the same error is rethrown", () => {
    const err = new RangeError("bad sentence");
    assert.throws(
      () =>
        withCarrier(W3C_CARRIER, "sync-throw", () => {
          throw err;
        }),
      (thrown) => thrown === err,
    );
    assertFailed("sync-throw", err);
    assert.equal(trace.getActiveSpan(), undefined);
  });

  test("a thrown non-Error is recorded as text and rethrown as is", () => {
    const thrown = { code: 7 };
    assert.throws(
      () =>
        withCarrier(W3C_CARRIER, "throw-object", () => {
          throw thrown;
        }),
      (got) => got === thrown,
    );
    const span = finishedSpan("throw-object");
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.status.message, String(thrown));
  });

  test("kind and attributes are given at creation", () => {
    withCarrier(W3C_CARRIER, "consume", () => undefined, {
      kind: SpanKind.CONSUMER,
      attributes: { "messaging.system": "rabbitmq" },
    });
    const span = finishedSpan("consume");
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.equal(span.attributes["messaging.system"], "rabbitmq");
  });
});

describe("withCarrier: async functions", () => {
  test("the span stays active across awaits and ends when the promise settles", async () => {
    const seen: (string | undefined)[] = [];
    let endedBeforeSettle = true;
    const value = await withCarrier(W3C_CARRIER, "async", async (span) => {
      seen.push(trace.getActiveSpan()?.spanContext().spanId);
      await sleep(1);
      seen.push(trace.getActiveSpan()?.spanContext().spanId);
      await Promise.resolve();
      seen.push(trace.getActiveSpan()?.spanContext().spanId);
      endedBeforeSettle = exporter.getFinishedSpans().length > 0;
      return span.spanContext().spanId;
    });
    assert.deepEqual(seen, [value, value, value]);
    assert.equal(endedBeforeSettle, false, "not ended while the work was still running");
    const span = finishedSpan("async");
    assert.equal(span.spanContext().spanId, value);
    assert.equal(parentIdOf(span), W3C_PARENT_ID);
  });

  test("a rejection is recorded and the returned promise rejects with the same reason", async () => {
    const err = new Error("database down");
    await assert.rejects(
      withCarrier(W3C_CARRIER, "async-reject", async () => {
        await sleep(1);
        throw err;
      }),
      (thrown) => thrown === err,
    );
    assertFailed("async-reject", err);
  });

  test("a returned thenable is awaited before the span ends", async () => {
    let resolveIt!: (v: string) => void;
    const pending = withCarrier(W3C_CARRIER, "thenable", () => ({
      then: (ok: (v: string) => void) => {
        resolveIt = ok;
      },
    }));
    await Promise.resolve();
    assert.equal(exporter.getFinishedSpans().length, 0);
    resolveIt("done");
    assert.equal(await pending, "done");
    assert.equal(finishedSpan("thenable").ended, true);
  });

  test("nothing leaks into the next job after a failure (B30 shape)", async () => {
    await assert.rejects(
      withCarrier(W3C_CARRIER, "job-1", async () => {
        throw new Error("fails");
      }),
    );
    assert.equal(trace.getActiveSpan(), undefined);
    const next = await withCarrier({}, "job-2", async () => trace.getActiveSpan()?.spanContext());
    const job2 = finishedSpan("job-2");
    assert.equal(parentIdOf(job2), undefined, "job-2 with no carrier is a new root");
    assert.notEqual(next?.traceId, W3C_TRACE_ID);
  });
});

describe("withCarrier: generators", () => {
  test("a generator runs each step under the span and ends it when it finishes", () => {
    const active: (string | undefined)[] = [];
    const gen = withCarrier(W3C_CARRIER, "gen", function* (span) {
      active.push(trace.getActiveSpan()?.spanContext().spanId);
      yield 1;
      active.push(trace.getActiveSpan()?.spanContext().spanId);
      yield 2;
      return span.spanContext().spanId;
    });
    assert.equal(exporter.getFinishedSpans().length, 0, "lazy: nothing ran yet");
    const values = [...gen];
    assert.deepEqual(values, [1, 2]);
    const span = finishedSpan("gen");
    assert.deepEqual(active, [span.spanContext().spanId, span.spanContext().spanId]);
    assert.equal(parentIdOf(span), W3C_PARENT_ID);
    assert.equal(trace.getActiveSpan(), undefined, "not active between steps outside the generator");
  });

  test("an early break closes the generator and ends the span without error", () => {
    let finallyRan = false;
    const gen = withCarrier(W3C_CARRIER, "gen-break", function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finallyRan = true;
      }
    });
    for (const value of gen) if (value === 2) break;
    assert.equal(finallyRan, true);
    const span = finishedSpan("gen-break");
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  test("a throw inside a generator is recorded and rethrown unchanged", () => {
    const err = new TypeError("bad row");
    const gen = withCarrier(W3C_CARRIER, "gen-throw", function* () {
      yield 1;
      throw err;
    });
    assert.equal(gen.next().value, 1);
    assert.throws(
      () => gen.next(),
      (thrown) => thrown === err,
    );
    assertFailed("gen-throw", err);
  });

  test("an async generator keeps the span active across awaits and ends on completion", async () => {
    const active: (string | undefined)[] = [];
    const gen = withCarrier(W3C_CARRIER, "agen", async function* () {
      for (let i = 0; i < 3; i++) {
        await sleep(1);
        active.push(trace.getActiveSpan()?.spanContext().spanId);
        yield i;
      }
    });
    const values: number[] = [];
    for await (const value of gen) values.push(value);
    assert.deepEqual(values, [0, 1, 2]);
    const span = finishedSpan("agen");
    assert.deepEqual(active, Array(3).fill(span.spanContext().spanId));
    assert.equal(span.spanContext().traceId, W3C_TRACE_ID);
  });

  test("an async generator closed early by break ends its span", async () => {
    let finallyRan = false;
    const gen = withCarrier(W3C_CARRIER, "agen-break", async function* () {
      try {
        for (let i = 0; ; i++) {
          await sleep(1);
          yield i;
        }
      } finally {
        finallyRan = true;
      }
    });
    for await (const value of gen) if (value === 1) break;
    assert.equal(finallyRan, true);
    assert.equal(finishedSpan("agen-break").status.code, SpanStatusCode.UNSET);
  });

  test("an async generator that rejects records the error and rethrows it", async () => {
    const err = new Error("stream broke");
    const gen = withCarrier(W3C_CARRIER, "agen-throw", async function* () {
      yield 1;
      await sleep(1);
      throw err;
    });
    await assert.rejects(
      (async () => {
        for await (const _ of gen) void _;
      })(),
      (thrown) => thrown === err,
    );
    assertFailed("agen-throw", err);
  });

  test("the generator returned keeps its prototype: instanceof its function, and what it inherits steps under the span", () => {
    // What a generator object inherits (Node 22's iterator helpers `toArray`, `map`, ...; the
    // `Symbol.dispose` of explicit resource management; a method on the function's prototype) calls
    // `this.next` / `this.return`: on the object returned, those are the wrapped steps.
    function* rows(this: unknown) {
      yield trace.getActiveSpan()?.spanContext().spanId;
      yield trace.getActiveSpan()?.spanContext().spanId;
    }
    (rows.prototype as { collect?: unknown }).collect = function (this: Iterable<unknown>) {
      return [...this];
    };
    const gen = withCarrier(W3C_CARRIER, "gen-proto", () => rows());
    assert.ok(gen instanceof rows, "instanceof the generator function, as without tracehop");
    assert.equal(Object.prototype.toString.call(gen), "[object Generator]");
    const values = (gen as unknown as { collect(): unknown[] }).collect();
    const span = finishedSpan("gen-proto");
    assert.deepEqual(values, [span.spanContext().spanId, span.spanContext().spanId]);
    const toArray = (gen as unknown as { toArray?: unknown }).toArray;
    if (typeof (rows() as unknown as { toArray?: unknown }).toArray === "function")
      assert.equal(typeof toArray, "function", "Node's iterator helpers are inherited");
  });

  test("the async generator returned keeps its prototype, and what it inherits steps under the span", async () => {
    async function* pages(this: unknown) {
      await sleep(1);
      yield trace.getActiveSpan()?.spanContext().spanId;
    }
    (pages.prototype as { collect?: unknown }).collect = async function (this: AsyncIterable<unknown>) {
      const out: unknown[] = [];
      for await (const value of this) out.push(value);
      return out;
    };
    const gen = withCarrier(W3C_CARRIER, "agen-proto", () => pages());
    assert.ok(gen instanceof pages);
    assert.equal(Object.prototype.toString.call(gen), "[object AsyncGenerator]");
    const values = await (gen as unknown as { collect(): Promise<unknown[]> }).collect();
    const span = finishedSpan("agen-proto");
    assert.deepEqual(values, [span.spanContext().spanId]);
  });
});

describe("withCarrier: what it accepts", () => {
  const traceparent = W3C_CARRIER.traceparent;

  const forms: [string, unknown][] = [
    ["a carrier object", { traceparent }],
    ["its JSON text", JSON.stringify({ traceparent })],
    ["header names in any case", { TraceParent: traceparent }],
    ["a Buffer value", { traceparent: Buffer.from(traceparent) }],
    ["a row with a traceContext object", { id: 1, traceContext: { traceparent } }],
    ["a row with a traceContext JSON text", { id: 1, traceContext: JSON.stringify({ traceparent }) }],
  ];
  for (const [label, input] of forms) {
    test(`${label} restores the stored parent`, () => {
      withCarrier(input, "form", () => undefined);
      const span = finishedSpan("form");
      assert.equal(span.spanContext().traceId, W3C_TRACE_ID);
      assert.equal(parentIdOf(span), W3C_PARENT_ID);
    });
  }

  const garbage: [string, unknown][] = [
    ["undefined", undefined],
    ["null", null],
    ["a number", 42],
    ["broken JSON", "{traceparent:"],
    ["an array", [W3C_CARRIER]],
    ["a bad traceparent", { traceparent: "00-zz-00f067aa0ba902b7-01" }],
    ["a row with traceContext null", { traceContext: null }],
    [
      "an object whose getter throws",
      Object.defineProperty({}, "traceparent", {
        enumerable: true,
        get: () => {
          throw new Error("hostile");
        },
      }),
    ],
  ];
  for (const [label, input] of garbage) {
    test(`${label}: never throws, runs fn in a new root span`, () => {
      const result = withCarrier(input, "garbage", () => "ran");
      assert.equal(result, "ran");
      const span = finishedSpan("garbage");
      assert.equal(parentIdOf(span), undefined);
      assert.notEqual(span.spanContext().traceId, W3C_TRACE_ID);
      assert.equal(span.attributes["tracehop.relation"], undefined, "no relation without a stored context");
    });
  }

  test("restore ignores the active context: a job inside another span still gets the stored parent", () => {
    const outer = trace.getTracer("test").startSpan("outer");
    context.with(trace.setSpan(context.active(), outer), () => {
      withCarrier(W3C_CARRIER, "inner", () => undefined);
    });
    outer.end();
    assert.equal(parentIdOf(finishedSpan("inner")), W3C_PARENT_ID);
  });

  test("captureCarrier inside fn writes the restored trace with the new span as parent", () => {
    const carrier = withCarrier(W3C_CARRIER, "hop", () => captureCarrier());
    const span = finishedSpan("hop");
    assert.equal(carrier.traceparent, `00-${W3C_TRACE_ID}-${span.spanContext().spanId}-01`);
  });

  test("contextFromCarrier accepts a row, as withCarrier does", () => {
    const ctx = contextFromCarrier({ traceContext: { ...W3C_CARRIER, baggage: "k=v" } });
    assert.equal(trace.getSpanContext(ctx)?.spanId, W3C_PARENT_ID);
    assert.equal(propagation.getBaggage(ctx)?.getEntry("k")?.value, "v");
  });

  // Raw message headers handed to withCarrier (or contextFromCarrier) that also hold an application
  // header named traceContext (a tenant id, a header of another system) were read as a database row:
  // its traceContext field as the carrier, so the trace in the headers was lost without a word. A
  // header map with a span-context header at its top level is headers; an object whose traceContext
  // holds a carrier is still a row, whatever else it holds.
  test("headers with a traceContext header are headers; a row whose traceContext holds a carrier is a row", () => {
    const DD_TRACE_ID = "12345678901234567890";
    const DD_PARENT_ID = "9876543210987654321";
    const headers: [string, Record<string, unknown>, string][] = [
      [
        "W3C, traceContext text",
        { traceparent: W3C_CARRIER.traceparent, traceContext: "tenant-42" },
        W3C_PARENT_ID,
      ],
      ["W3C, traceContext null", { traceparent: W3C_CARRIER.traceparent, traceContext: null }, W3C_PARENT_ID],
      [
        "W3C in another case, traceContext a number",
        { TraceParent: W3C_CARRIER.traceparent, traceContext: 42 },
        W3C_PARENT_ID,
      ],
      [
        "Datadog, traceContext bytes",
        {
          "x-datadog-trace-id": DD_TRACE_ID,
          "x-datadog-parent-id": DD_PARENT_ID,
          traceContext: Buffer.from("tenant-42"),
        },
        BigInt(DD_PARENT_ID).toString(16).padStart(16, "0"),
      ],
    ];
    for (const [label, input, parentId] of headers) {
      assert.equal(
        trace.getSpanContext(contextFromCarrier(input))?.spanId,
        parentId,
        `contextFromCarrier: ${label}`,
      );
      withCarrier(input, "headers", () => undefined);
      assert.equal(parentIdOf(finishedSpan("headers")), parentId, `withCarrier: ${label}`);
      exporter.reset();
    }
    const otherParent = "b7ad6b7169203331";
    const row = {
      traceparent: `00-${W3C_TRACE_ID}-${otherParent}-01`,
      traceContext: JSON.stringify(W3C_CARRIER),
      createdAt: new Date(Date.now() - 2000),
    };
    withCarrier(row, "row", () => undefined);
    const span = finishedSpan("row");
    assert.equal(parentIdOf(span), W3C_PARENT_ID, "the traceContext field, not the top-level header");
    assert.ok(Number(span.attributes["tracehop.queue.wait"]) >= 2, "createdAt is the row's");
    // An object in traceContext is a row's carrier (a Json column), even an empty one written outside a span.
    const empty = { traceparent: row.traceparent, traceContext: {} };
    assert.equal(trace.getSpanContext(contextFromCarrier(empty)), undefined);
  });

  test("rows and headers are told apart by a fixed number of reads: a row of a million fields restores at once", () => {
    // The span-context headers are looked up by name in the spellings headers use (lower case,
    // Title-Case, upper case, each word capitalised), never by listing the row's keys: V8 lists a
    // million keys in about a second, on every restore of such a row.
    const wide: Record<string, unknown> = { id: 1, traceContext: null };
    for (let i = 0; i < 1_000_000; i++) wide[`column${i}`] = i;
    assert.equal(isTraceCarrierProvider(wide), true);
    assert.equal(trace.getSpanContext(contextFromCarrier(wide)), undefined);
    // Its keys are never listed, whatever it holds (counted, not timed: a timed bound fails on a
    // loaded machine and passes a slow path on a fast one).
    let listed = 0;
    const counting = { ownKeys: (target: object) => (listed++, Reflect.ownKeys(target)) };
    const counted = new Proxy({ id: 1, traceContext: "tenant-42", note: "x" }, counting);
    assert.equal(isTraceCarrierProvider(counted), true);
    const countedRow = new Proxy(wide, counting);
    assert.equal(isTraceCarrierProvider(countedRow), true);
    assert.equal(trace.getSpanContext(contextFromCarrier(countedRow)), undefined);
    assert.equal(listed, 0);
    // Headers spelt as clients write them are still headers beside a traceContext header.
    const spelt: Record<string, unknown>[] = [
      { Traceparent: W3C_CARRIER.traceparent, traceContext: null },
      { TRACEPARENT: W3C_CARRIER.traceparent, traceContext: null },
      { TraceParent: W3C_CARRIER.traceparent, traceContext: null },
      { "X-B3-TraceId": W3C_TRACE_ID, "X-B3-SpanId": W3C_PARENT_ID, traceContext: null },
    ];
    for (const headers of spelt)
      assert.equal(isTraceCarrierProvider(headers), false, Object.keys(headers)[0]);
    assert.equal(trace.getSpanContext(contextFromCarrier(spelt[2]))?.spanId, W3C_PARENT_ID);
  });

  test("a fetch Request's headers (WHATWG Headers) restore the Datadog and W3C context", () => {
    const request = new Request("http://localhost/jobs", {
      headers: {
        "X-Datadog-Trace-Id": "12345678901234567890",
        "X-Datadog-Parent-Id": "9876543210987654321",
        "X-Datadog-Sampling-Priority": "2",
        "X-Datadog-Tags": "_dd.p.tid=640cfd8d00000000",
        Baggage: "k=v",
      },
    });
    const ctx = contextFromCarrier(request.headers);
    assert.equal(trace.getSpanContext(ctx)?.traceId, "640cfd8d00000000ab54a98ceb1f0ad2");
    assert.equal(trace.getSpanContext(ctx)?.spanId, "891087b8e3b70cb1");
    assert.equal(propagation.getBaggage(ctx)?.getEntry("k")?.value, "v");
  });

  const misuse: [string, () => unknown, RegExp][] = [
    ["fn not a function", () => withCarrier(W3C_CARRIER, "x", "nope" as never), /fn must be a function/],
    ["name not a string", () => withCarrier(W3C_CARRIER, 7 as never, () => 1), /name must be a string/],
    // Found in a migration trial: the order of tracer.startActiveSpan(name, fn) was said as a bad name only.
    [
      "name and carrier swapped",
      () => withCarrier("job process", W3C_CARRIER as never, () => 1),
      /^tracehop withCarrier: name must be a string \(the span name\), got an object; the carrier comes first: withCarrier\(carrier, name, fn, options\?\), and "job process" was given there$/,
    ],
    // Found in a new-user trial: the name put last, after fn.
    [
      "name after fn",
      () => withCarrier(W3C_CARRIER, (() => 1) as never, "job process" as never),
      /^tracehop withCarrier: name must be a string \(the span name\), got a function; the name comes before fn: withCarrier\(carrier, name, fn, options\?\), and "job process" was given after the function$/,
    ],
    [
      "withBatch: name after fn",
      () => withBatch([W3C_CARRIER], (() => 1) as never, "batch" as never),
      /^tracehop withBatch: name must be a string \(the span name\), got a function; the name comes before fn: withBatch\(messages, name, fn, options\?\), and "batch" was given after the function$/,
    ],
    // Found in a new-user trial: the options before fn, the order of tracer.startActiveSpan(name, options, fn),
    // was said as "fn must be a function, got an object" only.
    [
      "options before fn",
      () => withCarrier(W3C_CARRIER, "x", { relation: "link" } as never, (() => 1) as never),
      /^tracehop withCarrier: fn must be a function, got an object; the options come after fn: withCarrier\(carrier, name, fn, options\?\), not before it as in tracer\.startActiveSpan\(name, options, fn\)$/,
    ],
    [
      "withBatch: options before fn",
      () => withBatch([W3C_CARRIER], "batch", {} as never, (() => 1) as never),
      /^tracehop withBatch: fn must be a function, got an object; the options come after fn: withBatch\(messages, name, fn, options\?\), not before it as in tracer\.startActiveSpan\(name, options, fn\)$/,
    ],
    [
      "withBatchItem: options before fn",
      () => withBatchItem(W3C_CARRIER, "item", {} as never, (() => 1) as never),
      /^tracehop withBatchItem: fn must be a function, got an object; the options come after fn: withBatchItem\(message, name, fn, options\?\), not before it as in tracer\.startActiveSpan\(name, options, fn\)$/,
    ],
    [
      "withBatchItem: name and message swapped",
      () => withBatchItem("item", W3C_CARRIER as never, () => 1),
      /^tracehop withBatchItem: name must be a string \(the span name\), got an object; the message comes first: withBatchItem\(message, name, fn, options\?\), and "item" was given there$/,
    ],
    [
      "unknown relation",
      () => withCarrier(W3C_CARRIER, "x", () => 1, { relation: "child" as never }),
      /relation must be/,
    ],
    [
      "negative maxParentAge",
      () => withCarrier(W3C_CARRIER, "x", () => 1, { maxParentAge: -1 }),
      /maxParentAge/,
    ],
    [
      "kind as a name",
      () => withCarrier(W3C_CARRIER, "x", () => 1, { kind: "CONSUMER" as never }),
      /kind must be a SpanKind from @opentelemetry\/api \(SpanKind\.CONSUMER, \.\.\.: a number 0-4\), got "CONSUMER"/,
    ],
    [
      "kind 99",
      () => withCarrier(W3C_CARRIER, "x", () => 1, { kind: 99 as never }),
      /kind must be a SpanKind/,
    ],
    [
      "links not an array",
      () => withCarrier(W3C_CARRIER, "x", () => 1, { links: {} as never }),
      /links must be an array of span links/,
    ],
    [
      "attributes not an object",
      () => withCarrier(W3C_CARRIER, "x", () => 1, { attributes: 5 as never }),
      /^tracehop withCarrier: attributes must be a plain object of span attributes \(\{ "job\.id": id \}\), got 5$/,
    ],
    [
      "a link without a SpanContext",
      () =>
        withCarrier(W3C_CARRIER, "x", () => 1, {
          links: [
            {
              context: trace
                .wrapSpanContext({ traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 1 })
                .spanContext(),
            },
            {},
          ] as never,
        }),
      /^tracehop withCarrier: links\[1\] must be a span link \{ context: SpanContext, attributes\? \} \(the context of the span to link: span\.spanContext\(\)\), got \{ context: undefined \}$/,
    ],
    [
      "a link whose ids are not hex",
      () =>
        withCarrier(W3C_CARRIER, "x", () => 1, {
          links: [{ context: { traceId: "abc", spanId: "def", traceFlags: 1 } }],
        }),
      /links\[0\] must be a span link .*, got \{ context: \{ traceId: "abc", \.\.\. \} \}$/,
    ],
    [
      "a link whose attributes are not an object",
      () =>
        withCarrier(W3C_CARRIER, "x", () => 1, {
          links: [
            {
              context: { traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 1 },
              attributes: "x" as never,
            },
          ],
        }),
      /links\[0\] must be a span link .*, got \{ context, attributes: "x" \}$/,
    ],
    [
      "a revoked Proxy link",
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return withCarrier(W3C_CARRIER, "x", () => 1, { links: [proxy] as never });
      },
      /^tracehop withCarrier: links\[0\] must be a span link .*, got a link whose fields cannot be read$/,
    ],
    [
      "propagator without extract",
      () => withCarrier(W3C_CARRIER, "x", () => 1, { propagator: {} as never }),
      /propagator must be a TextMapPropagator \(inject and extract methods\)/,
    ],
    // captureCarrier and contextFromCarrier answered these with `{}` and no context, silently.
    [
      "captureCarrier with a style name as propagator",
      () => captureCarrier({ propagator: "datadog" as never }),
      /captureCarrier: propagator must be a TextMapPropagator .*got "datadog" \(for styles by name, pass createPropagator\("datadog"\)\)/,
    ],
    [
      "captureCarrier with a name that is no style: no createPropagator hint (it would throw there too)",
      () => captureCarrier({ propagator: "W3C" as never }),
      /captureCarrier: propagator must be a TextMapPropagator \(inject and extract methods\), got "W3C"$/,
    ],
    [
      "captureCarrier given createPropagator itself",
      () => captureCarrier({ propagator: createPropagator as never }),
      /captureCarrier: propagator must be a TextMapPropagator .*got a function \(call it: createPropagator\(\)\)$/,
    ],
    [
      "contextFromCarrier with a number as propagator",
      () => contextFromCarrier(W3C_CARRIER, { propagator: 5 as never }),
      /contextFromCarrier: propagator must be a TextMapPropagator .*got 5$/,
    ],
    [
      "captureCarrier with a span as context",
      () => captureCarrier({ context: {} as never }),
      /captureCarrier: context must be a Context from @opentelemetry\/api/,
    ],
    [
      "contextFromCarrier with a Proxy whose getValue lookup throws as context",
      () =>
        contextFromCarrier(W3C_CARRIER, {
          context: new Proxy({}, { get: () => assert.fail("getValue looked up") }) as never,
        }),
      /contextFromCarrier: context must be a Context from @opentelemetry\/api .*got an object$/,
    ],
  ];
  for (const [label, call, message] of misuse) {
    test(`programming error (${label}) is a TypeError saying what to fix, before fn runs`, () => {
      assert.throws(call, (err: unknown) => err instanceof TypeError && message.test(err.message));
      assert.equal(exporter.getFinishedSpans().length, 0);
    });
  }
});

describe("withCarrier and the extraction's links (ExtractionSpanProcessor registered, as startTracing does)", () => {
  // A Synthetics root (Datadog parent id 0) with a traceparent of another trace: one conflict link.
  const synthetics = (priority: string) => ({
    "x-datadog-trace-id": "1111",
    "x-datadog-parent-id": "0",
    "x-datadog-sampling-priority": priority,
    traceparent: `00-${W3C_TRACE_ID}-${W3C_PARENT_ID}-01`,
  });
  const rootsInside = (carrier: object) =>
    withCarrier(carrier, "job", () => {
      trace.getTracer("test").startSpan("unrelated-root", { root: true }).end();
    });

  test("the link is on the helper's span once, never on a root span started inside it", () => {
    rootsInside(synthetics("1"));
    assert.deepEqual(
      finishedSpan("job").links.map((link) => link.context.traceId),
      [W3C_TRACE_ID],
    );
    assert.deepEqual(finishedSpan("unrelated-root").links, []);
  });

  test("with the helper's span sampled out, no other span takes the link", () => {
    rootsInside(synthetics("0"));
    assert.equal(exporter.getFinishedSpans().filter((span) => span.name === "job").length, 0);
    assert.deepEqual(finishedSpan("unrelated-root").links, []);
  });
});

test("extractFirst, a Synthetics root and a traceparent of the same trace with the random flag: the root span keeps it", () => {
  const propagator = createPropagator(["datadog", "tracecontext"], { extractFirst: true });
  const traceId = "0000000000000000ab54a98ceb1f0ad2";
  const carrier = {
    "x-datadog-trace-id": BigInt("0xab54a98ceb1f0ad2").toString(10),
    "x-datadog-parent-id": "0",
    "x-datadog-sampling-priority": "1",
    traceparent: `00-${traceId}-00f067aa0ba902b7-03`,
  };
  const out = withCarrier(carrier, "synthetics-root", () => captureCarrier({ propagator }), { propagator });
  const span = finishedSpan("synthetics-root");
  assert.equal(span.spanContext().traceId, traceId);
  assert.equal(parentIdOf(span), undefined);
  assert.equal(out.traceparent, `00-${traceId}-${span.spanContext().spanId}-03`);
});

describe("withCarrier with the restart extract behavior (DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=restart)", () => {
  test("the span is a new root linked to the stored context, with its baggage", () => {
    const propagator = createPropagator(undefined, { extractBehavior: "restart" });
    const carrier = { ...W3C_CARRIER, baggage: "tenant=acme" };
    let tenant: string | undefined;
    withCarrier(
      carrier,
      "restarted",
      () => {
        tenant = propagation.getActiveBaggage()?.getEntry("tenant")?.value;
      },
      { propagator },
    );
    const span = finishedSpan("restarted");
    assert.equal(parentIdOf(span), undefined);
    assert.notEqual(span.spanContext().traceId, W3C_TRACE_ID);
    assert.equal(tenant, "acme");
    assert.deepEqual(
      span.links.map((link) => [link.context.traceId, link.context.spanId, link.attributes]),
      [
        [
          W3C_TRACE_ID,
          W3C_PARENT_ID,
          { reason: "propagation_behavior_extract", context_headers: "tracecontext" },
        ],
      ],
    );
  });
});

describe("DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=restart / ignore from the environment cuts stored carriers: warned", () => {
  const saved = process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT;
  const setBehavior = (value: string | undefined) => {
    if (value === undefined) delete process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT;
    else process.env.DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT = value;
  };
  beforeEach(() => resetWarnings());
  afterEach(() => {
    setBehavior(saved);
    resetWarnings();
  });
  const CODE = "TRACEHOP_EXTRACT_BEHAVIOR_ON_STORED_CARRIER";
  const advice =
    "so the trace is cut at every hop. Datadog meant it for a service's edge (untrusted callers): leave it " +
    "unset on relays and workers (a shared environment file brings it there), or give the carrier " +
    'functions createPropagator(undefined, { extractBehavior: "continue" }). (Said once per process.)';
  const RESTART =
    "tracehop: DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=restart applies to stored carriers too: each row or " +
    "message restored in this process (withCarrier, contextFromCarrier, withBatch, the messaging helpers) " +
    "starts a new trace with only a span link to the stored context (reason=propagation_behavior_extract), " +
    advice;
  const IGNORE =
    "tracehop: DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=ignore applies to stored carriers too: each row or " +
    "message restored in this process (withCarrier, contextFromCarrier, withBatch, the messaging helpers) " +
    "restores nothing, its trace context and baggage dropped: the work starts a new trace, unlinked, " +
    advice;

  test("restart: once per process, from withCarrier, contextFromCarrier, withBatch or withProcessSpan", async () => {
    setBehavior(" Restart ");
    const propagator = createPropagator();
    const restores: [string, () => void][] = [
      ["withCarrier", () => withCarrier(W3C_CARRIER, "restarted", () => undefined, { propagator })],
      ["contextFromCarrier", () => contextFromCarrier({ traceContext: W3C_CARRIER }, { propagator })],
      ["withBatch", () => withBatch([W3C_CARRIER], "batch", () => undefined, { propagator })],
      [
        "withProcessSpan",
        () => withProcessSpan(W3C_CARRIER, { system: "kafka", destination: "jobs", propagator }, () => 1),
      ],
    ];
    for (const [name, restore] of restores) {
      resetWarnings();
      const told = await recordWarnings(() => {
        restore();
        restore();
      });
      // A sync test's warnings arrive a tick late, in a later recording: this code's alone.
      assert.deepEqual(
        told.processWarnings.filter(([code]) => code === CODE),
        [[CODE, RESTART]],
        name,
      );
      assert.deepEqual(told.diagWarnings, [RESTART], name);
    }
    // The behavior itself is unchanged: a new root.
    assert.equal(parentIdOf(exporter.getFinishedSpans().find((s) => s.name === "restarted")!), undefined);
  });

  test("ignore: warned once a carrier held a context; an empty or invalid carrier loses nothing, says nothing", async () => {
    setBehavior("ignore");
    const propagator = createPropagator();
    const nothing = await recordWarnings(() => {
      contextFromCarrier({}, { propagator });
      contextFromCarrier({ traceparent: "00-garbage" }, { propagator });
      withCarrier(null, "empty", () => undefined, { propagator });
    });
    assert.deepEqual([nothing.processWarnings, nothing.diagWarnings], [[], []]);
    const told = await recordWarnings(() => {
      withCarrier({ ...W3C_CARRIER, baggage: "tenant=acme" }, "ignored", () => undefined, { propagator });
      withCarrier(W3C_CARRIER, "ignored-again", () => undefined, { propagator });
    });
    assert.deepEqual(told.processWarnings, [[CODE, IGNORE]]);
    assert.deepEqual(told.diagWarnings, [IGNORE]);
    assert.notEqual(finishedSpan("ignored").spanContext().traceId, W3C_TRACE_ID);
  });

  test("not warned: the propagator's own extract (the HTTP server path), the option, continue, nothing restored", async () => {
    setBehavior("restart");
    const fromEnvironment = createPropagator();
    const told = await recordWarnings(() => {
      // What an HTTP instrumentation does with the global propagator: an edge may want restart.
      const extracted = fromEnvironment.extract(ROOT_CONTEXT, W3C_CARRIER, defaultTextMapGetter);
      assert.equal(trace.getSpanContext(extracted), undefined);
      // A carrier with no valid context: restart changes nothing there.
      contextFromCarrier({ traceparent: "00-garbage" }, { propagator: fromEnvironment });
      // Chosen in code, not brought by an environment file.
      const chosen = createPropagator(undefined, { extractBehavior: "restart" });
      withCarrier(W3C_CARRIER, "chosen", () => undefined, { propagator: chosen });
      setBehavior("continue");
      withCarrier(W3C_CARRIER, "continued", () => undefined, { propagator: createPropagator() });
    });
    assert.deepEqual([told.processWarnings, told.diagWarnings], [[], []]);
    assert.equal(parentIdOf(finishedSpan("continued")), W3C_PARENT_ID);
  });
});

/**
 * `attempt` and `run` are read from the row or message (a delivery count column or header, a redelivered
 * flag): as `messageId`, nothing in them makes a helper throw, and a failure of tracing never fails the
 * business call. A value that is a count a number holds exactly is taken; another is left out, said once
 * per process, helper and option (TRACEHOP_MESSAGE_OPTION_IGNORED).
 */
describe("attempt and run read from the data: never an error", () => {
  beforeEach(() => resetWarnings());

  /** What the warning of a bad attempt or run says, up to the value. */
  const ignored = (entry: string, name: string) =>
    `tracehop ${entry}: options.${name} must be an integer from 1 to Number.MAX_SAFE_INTEGER (2^53 - 1): ` +
    "a number, a bigint or a text of its decimal digits, got ";

  test("a safe integer, a bigint or a text of decimal digits from 1 is taken as its number; nothing said", async () => {
    const told = await recordWarnings(() => {
      for (const [value, taken] of [
        [3, 3],
        [3n, 3],
        ["3", 3],
        ["007", 7],
        [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
      ] as const) {
        withCarrier(W3C_CARRIER, "row", () => 0, { attempt: value, run: value });
        withBatchItem(W3C_CARRIER, "item", () => 0, { attempt: value });
        traced({ name: "job", optionsFrom: () => ({ run: value }) })(() => 0)();
        assert.deepEqual(
          exporter
            .getFinishedSpans()
            .map((s) => [s.attributes["tracehop.attempt"], s.attributes["tracehop.run"]]),
          [
            [taken, taken],
            [taken, undefined],
            [undefined, taken],
          ],
          String(value),
        );
        exporter.reset();
      }
    });
    assert.deepEqual(told.processWarnings, []);
  });

  test("0, NaN, 2.5, -1, beyond 2^53 - 1, a text that is not digits alone, bytes, an object: left out, fn runs once, said once per helper and option", async () => {
    const bad: unknown[] = [
      0,
      NaN,
      2.5,
      -1,
      2 ** 60,
      0n,
      2n ** 60n,
      "",
      " 3",
      "3.0",
      "+3",
      "0x3",
      "9007199254740992",
      Buffer.from("3"),
      true,
      {},
    ];
    const told = await recordWarnings(() => {
      for (const value of bad) {
        let runs = 0;
        const fn = () => ++runs;
        assert.equal(withCarrier(W3C_CARRIER, "row", fn, { attempt: value as never }), 1, String(value));
        assert.equal(withBatchItem(W3C_CARRIER, "item", fn, { run: value as never }), 2);
        assert.equal(traced({ name: "job", attempt: value as never })(fn)(), 3);
        assert.equal(traced({ name: "job", optionsFrom: () => ({ attempt: value as never }) })(fn)(), 4);
        for (const span of exporter.getFinishedSpans()) {
          assert.equal(span.attributes["tracehop.attempt"], undefined, `${span.name} ${String(value)}`);
          assert.equal(span.attributes["tracehop.run"], undefined, `${span.name} ${String(value)}`);
          // The stored context is restored all the same (traced here has no carrier).
          if (span.name !== "job") assert.equal(span.spanContext().traceId, W3C_TRACE_ID, span.name);
        }
        exporter.reset();
      }
    });
    assert.deepEqual(told.processWarnings, [
      [
        "TRACEHOP_MESSAGE_OPTION_IGNORED",
        `${ignored("withCarrier", "attempt")}0: left out (no tracehop.attempt on the span), the call run as ` +
          "usual. Said once per process for this helper and option; later calls with such a value are treated the same.",
      ],
      [
        "TRACEHOP_MESSAGE_OPTION_IGNORED",
        `${ignored("withBatchItem", "run")}0: left out (no tracehop.run on the span), the call run as ` +
          "usual. Said once per process for this helper and option; later calls with such a value are treated the same.",
      ],
      [
        "TRACEHOP_MESSAGE_OPTION_IGNORED",
        `${ignored("traced", "attempt")}0: left out (no tracehop.attempt on the span), the call run as ` +
          "usual. Said once per process for this helper and option; later calls with such a value are treated the same.",
      ],
    ]);
  });

  test("null (a nullable column without a value) is no attempt, as undefined: nothing said", async () => {
    const told = await recordWarnings(() => {
      withCarrier(W3C_CARRIER, "row", () => 0, { attempt: null as never, run: null as never });
      withBatchItem(W3C_CARRIER, "item", () => 0, { attempt: null as never });
    });
    for (const span of exporter.getFinishedSpans()) {
      assert.equal("tracehop.attempt" in span.attributes, false, span.name);
      assert.equal("tracehop.run" in span.attributes, false, span.name);
    }
    assert.deepEqual(told.processWarnings, []);
  });

  test("a bad attempt from optionsFrom leaves the static one in force", () => {
    traced({ name: "job", attempt: 2, optionsFrom: () => ({ attempt: NaN }) })(() => 0)();
    assert.equal(finishedSpan("job").attributes["tracehop.attempt"], 2);
  });

  test("relation auto reads a run given as text: run 2 links", () => {
    withCarrier(W3C_CARRIER, "later run", () => 0, { relation: "auto", run: "2" });
    assert.equal(finishedSpan("later run").attributes["tracehop.relation"], "link");
  });
});

/**
 * `capturedAt` is most often a row's or a message's timestamp (`{ capturedAt: row.createdAt }`, the fix
 * the carrier-in-another-field warning gives): as `attempt` and `run`, a value that is no time is left
 * out, said once per process, helper and option (TRACEHOP_MESSAGE_OPTION_IGNORED), and never fails the
 * call. An impossible calendar date is no time: `Date` would roll `2026-02-30` over to March 2.
 */
describe("capturedAt read from the data: a value that is no time is left out, said once", () => {
  beforeEach(() => resetWarnings());

  /** The warnings of capturedAt among `warnings` (an earlier synchronous test's may arrive late). */
  const capturedAtWarnings = (warnings: [string, string][]) =>
    warnings.filter(([, message]) => message.includes("options.capturedAt"));

  /** What the warning of a bad capturedAt says, for `entry` and the value as described. */
  const ignored = (entry: string, value: string) =>
    `tracehop ${entry}: options.capturedAt must be a valid Date, epoch milliseconds within a Date's range ` +
    "(a number, a bigint, a text of digits; at most 8.64e15 either way) or an ISO 8601 extended-format " +
    "text (2026-12-04T12:00:00Z) of a real calendar date (2026-02-28, not 2026-02-30; see " +
    `withCarrier's capturedAt), got ${value}: left out (no tracehop.queue.wait from it on the span), the ` +
    "call run as usual. Said once per process for this helper and option; later calls with such a value " +
    "are treated the same.";

  test('"yesterday", {}, an invalid Date, "2026-02-30": fn runs, no tracehop.queue.wait, the trace continued, one warning per helper', async () => {
    const bad: unknown[] = [
      "yesterday",
      {},
      new Date(NaN),
      "2026-02-30",
      "2025-02-29T10:00:00Z",
      "2026-04-31 08:00:00",
    ];
    const told = await recordWarnings(() => {
      for (const capturedAt of bad) {
        assert.equal(
          withCarrier(W3C_CARRIER, "row", () => "done", { capturedAt: capturedAt as never }),
          "done",
        );
        assert.equal(
          traced({
            name: "job",
            carrierFrom: () => W3C_CARRIER,
            optionsFrom: () => ({ capturedAt: capturedAt as never }),
          })(() => "done")(),
          "done",
        );
        assert.equal(
          withBatchItem(W3C_CARRIER, "item", () => "done", { capturedAt: capturedAt as never }),
          "done",
        );
      }
    });
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 3 * bad.length);
    for (const span of spans) {
      assert.equal("tracehop.queue.wait" in span.attributes, false, span.name);
      assert.equal(span.spanContext().traceId, W3C_TRACE_ID, span.name);
    }
    assert.deepEqual(capturedAtWarnings(told.processWarnings), [
      ["TRACEHOP_MESSAGE_OPTION_IGNORED", ignored("withCarrier", '"yesterday"')],
      ["TRACEHOP_MESSAGE_OPTION_IGNORED", ignored("traced", '"yesterday"')],
      ["TRACEHOP_MESSAGE_OPTION_IGNORED", ignored("withBatchItem", '"yesterday"')],
    ]);
  });

  test("2026-02-30 is not read as March 2: relation auto with the row's own young createdAt parents", async () => {
    // Left out as if not given: the row's createdAt (a minute ago) is the capture time, so auto parents.
    const row = { traceContext: W3C_CARRIER, createdAt: new Date(Date.now() - 60_000) };
    const told = await recordWarnings(() =>
      withCarrier(row, "row", () => 0, {
        relation: "auto",
        maxParentAge: 3_600_000,
        capturedAt: "2026-02-30",
      }),
    );
    const span = finishedSpan("row");
    assert.equal(span.attributes["tracehop.relation"], "parent");
    const wait = span.attributes["tracehop.queue.wait"] as number;
    assert.ok(wait >= 60 && wait < 120, `wait ${wait} s is the row's age, not since 2026-03-02`);
    assert.deepEqual(told.processWarnings, [
      ["TRACEHOP_MESSAGE_OPTION_IGNORED", ignored("withCarrier", '"2026-02-30"')],
    ]);
  });

  test("a row's createdAt of an impossible date is an unknown capture time, said nothing (data, not an option)", async () => {
    const told = await recordWarnings(() =>
      withCarrier({ traceContext: W3C_CARRIER, createdAt: "2026-02-30T10:00:00Z" }, "row", () => 0),
    );
    assert.equal("tracehop.queue.wait" in finishedSpan("row").attributes, false);
    assert.deepEqual(capturedAtWarnings(told.processWarnings), []);
  });

  test("real calendar dates are read: February 29 of a leap year, 2000 (divisible by 400), the last day of a month; 1900-02-29 is none", async () => {
    const texts = [
      "2024-02-29",
      "2000-02-29T00:00:00Z",
      "2025-04-30 10:00:00+00",
      "2025-12-31T23:59:59.999Z",
    ];
    const told = await recordWarnings(() => {
      for (const [i, text] of texts.entries())
        withCarrier(W3C_CARRIER, `ok${i}`, () => 0, { capturedAt: text });
      // 1900 is no leap year (a century not divisible by 400).
      withCarrier(W3C_CARRIER, "1900", () => 0, { capturedAt: "1900-02-29" });
    });
    for (const i of texts.keys())
      assert.equal(typeof finishedSpan(`ok${i}`).attributes["tracehop.queue.wait"], "number", `ok${i}`);
    assert.equal("tracehop.queue.wait" in finishedSpan("1900").attributes, false);
    assert.deepEqual(capturedAtWarnings(told.processWarnings), [
      ["TRACEHOP_MESSAGE_OPTION_IGNORED", ignored("withCarrier", '"1900-02-29"')],
    ]);
  });

  test("a bad capturedAt from optionsFrom leaves the static one in force", async () => {
    const capturedAt = new Date(Date.now() - 5000);
    const told = await recordWarnings(() =>
      traced({ name: "job", capturedAt, optionsFrom: () => ({ capturedAt: "2026-02-30" }) })(() => 0)(),
    );
    assert.ok((finishedSpan("job").attributes["tracehop.queue.wait"] as number) >= 5);
    assert.deepEqual(capturedAtWarnings(told.processWarnings), [
      ["TRACEHOP_MESSAGE_OPTION_IGNORED", ignored("traced", '"2026-02-30"')],
    ]);
  });

  test("a bad static capturedAt is said when traced wraps, and left out of every call", async () => {
    const told = await recordWarnings(() => traced({ name: "static", capturedAt: "yesterday" })(() => 0)());
    assert.equal("tracehop.queue.wait" in finishedSpan("static").attributes, false);
    assert.deepEqual(capturedAtWarnings(told.processWarnings), [
      ["TRACEHOP_MESSAGE_OPTION_IGNORED", ignored("traced", '"yesterday"')],
    ]);
  });

  test("a time outside a Date's range (±8.64e15 ms, ECMAScript §21.4.1.1) is no time, number, bigint or text alike: left out, said once; its edges are read", async () => {
    const MAX_DATE_MS = 8.64e15;
    const outside: unknown[] = [
      MAX_DATE_MS + 1,
      -MAX_DATE_MS - 1,
      BigInt(MAX_DATE_MS) + 1n,
      -BigInt(MAX_DATE_MS) - 1n,
      String(MAX_DATE_MS + 1),
      1e20,
      "+275760-09-13T00:00:00.001Z",
    ];
    const told = await recordWarnings(() => {
      for (const [i, capturedAt] of outside.entries())
        withCarrier(W3C_CARRIER, `outside${i}`, () => 0, { capturedAt: capturedAt as never });
      withCarrier({ traceContext: W3C_CARRIER, createdAt: MAX_DATE_MS + 1 }, "row outside", () => 0);
      withCarrier(W3C_CARRIER, "edge", () => 0, { capturedAt: MAX_DATE_MS });
      withCarrier(W3C_CARRIER, "edge bigint", () => 0, { capturedAt: BigInt(MAX_DATE_MS) });
    });
    for (const i of outside.keys())
      assert.equal("tracehop.queue.wait" in finishedSpan(`outside${i}`).attributes, false, `outside${i}`);
    // A row's createdAt outside the range is an unknown capture time, said nothing (data, not an option).
    assert.equal("tracehop.queue.wait" in finishedSpan("row outside").attributes, false);
    // A time in the future is no wait: 0, but read.
    assert.equal(finishedSpan("edge").attributes["tracehop.queue.wait"], 0);
    assert.equal(finishedSpan("edge bigint").attributes["tracehop.queue.wait"], 0);
    assert.deepEqual(capturedAtWarnings(told.processWarnings), [
      ["TRACEHOP_MESSAGE_OPTION_IGNORED", ignored("withCarrier", "8640000000000001")],
    ]);
  });

  test("capture time text is ISO 8601 extended format, read whole: every zone form (Z, ±HH, ±HHMM, ±HH:MM) after T or a space, fractions cut to milliseconds; V8's lenient forms are no time", async () => {
    const read: [string, string][] = [
      ["2026-12-01T10:00:00+00", "2026-12-01T10:00:00.000Z"], // refused by Date.parse after a T
      ["2026-12-01T10:00:00-03", "2026-12-01T13:00:00.000Z"],
      ["2026-12-01 10:00:00+00", "2026-12-01T10:00:00.000Z"], // as psql prints a timestamptz
      ["2026-12-01 10:00:00.123456+00", "2026-12-01T10:00:00.123Z"], // PostgreSQL's microseconds
      ["2026-12-01T10:00:00+0530", "2026-12-01T04:30:00.000Z"],
      ["2026-12-01t10:00z", "2026-12-01T10:00:00.000Z"],
      ["2026-12-01T10:00:00,25Z", "2026-12-01T10:00:00.250Z"],
      ["2026-12-01T24:00:00Z", "2026-12-02T00:00:00.000Z"], // the end of the day
      ["2026-12-01", "2026-12-01T00:00:00.000Z"],
      ["-271821-04-20T00:00:00Z", "-271821-04-20T00:00:00.000Z"],
    ];
    for (const [text, iso] of read) assert.equal(toEpochMs(text), Date.parse(iso), text);
    // Without a zone: local time, as Date reads it.
    assert.equal(toEpochMs("2026-12-01 10:00:00"), new Date(2026, 11, 1, 10).getTime());
    for (const text of [
      "2026-12-01 10:00 PM", // V8's own parser: 22:00
      "2026-12-01 GMT+0200", // V8's own parser: 2026-11-30T22:00Z
      "2026-12-01T10", // hours alone
      "20261204T120000Z", // the basic format
      "2026-12-01T24:00:01Z",
      "2026-12-01T23:60:00Z",
      "2026-12-01T10:00:00+24:00",
      "-000000-01-01", // no year (ECMA-262 §21.4.1.32.1): V8 reads 2001
      "2026-12-01T10:00:00Z trailing",
    ])
      assert.equal(toEpochMs(text), undefined, text);
    // Through the public path: read, or left out and said once.
    const told = await recordWarnings(() => {
      withCarrier(W3C_CARRIER, "zone", () => 0, {
        capturedAt: new Date(Date.now() - 90_000).toISOString().replace("Z", "+00"),
      });
      withCarrier(W3C_CARRIER, "pm", () => 0, { capturedAt: "2026-12-01 10:00 PM" });
    });
    const wait = finishedSpan("zone").attributes["tracehop.queue.wait"] as number;
    assert.ok(wait >= 90 && wait < 150, `wait ${wait}`);
    assert.equal("tracehop.queue.wait" in finishedSpan("pm").attributes, false);
    assert.deepEqual(capturedAtWarnings(told.processWarnings), [
      ["TRACEHOP_MESSAGE_OPTION_IGNORED", ignored("withCarrier", '"2026-12-01 10:00 PM"')],
    ]);
  });

  test("a Proxy whose traps throw is no time: left out, never an error", async () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("trap");
        },
      },
    );
    assert.equal(
      withCarrier(W3C_CARRIER, "proxy", () => "done", { capturedAt: hostile as never }),
      "done",
    );
    assert.equal("tracehop.queue.wait" in finishedSpan("proxy").attributes, false);
  });
});

describe("a carrier that holds nothing, inside an active span (docs/restore.md, 'When the carrier holds nothing')", () => {
  /** Runs `call` inside a recording span `outer`; returns outer's span context and the span `name`. */
  function inOuter(name: string, call: () => unknown) {
    const outer = trace.getTracer("test").startSpan("outer");
    context.with(trace.setSpan(context.active(), outer), call);
    outer.end();
    return { outer: outer.spanContext(), span: finishedSpan(name) };
  }
  const NOTHING = { traceparent: "garbage" };

  test("withCarrier: a new root, in a new trace, not linked to the active span (a job restored on its own)", () => {
    const { outer, span } = inOuter("job", () => withCarrier(NOTHING, "job", () => 0));
    assert.equal(parentIdOf(span), undefined);
    assert.notEqual(span.spanContext().traceId, outer.traceId);
    assert.deepEqual(span.links, []);
  });

  test("traced: the same as withCarrier", () => {
    const run = traced({ name: "traced job" })((_row: unknown) => 0);
    const { outer, span } = inOuter("traced job", () => run({ traceContext: NOTHING }));
    assert.equal(parentIdOf(span), undefined);
    assert.notEqual(span.spanContext().traceId, outer.traceId);
  });

  test("withProcessSpan: a child of the active span (a message of a batch or a poll loop)", () => {
    const { outer, span } = inOuter("process jobs", () =>
      withProcessSpan(NOTHING, { system: "rabbitmq", destination: "jobs" }, () => 0),
    );
    assert.equal(span.spanContext().traceId, outer.traceId);
    assert.equal(parentIdOf(span), outer.spanId);
  });

  test("withSendSpan: a child of the active span", async () => {
    const { outer, span } = inOuter("publish jobs", () =>
      withSendSpan({ system: "rabbitmq", destination: "jobs", creationContext: NOTHING }, () => 0),
    );
    assert.equal(span.spanContext().traceId, outer.traceId);
    assert.equal(parentIdOf(span), outer.spanId);
  });

  test("withBatchItem: a child of the active span (the batch span)", () => {
    let batch: Span | undefined;
    withBatch([NOTHING], "batch", (span) => {
      batch = span;
      withBatchItem(NOTHING, "item", () => 0);
    });
    const item = finishedSpan("item");
    assert.equal(item.spanContext().traceId, batch!.spanContext().traceId);
    assert.equal(parentIdOf(item), batch!.spanContext().spanId);
  });

  test("contextFromCarrier: ROOT_CONTEXT's values, no span (never the active context's)", () => {
    const outer = trace.getTracer("test").startSpan("outer");
    const restored = context.with(trace.setSpan(context.active(), outer), () => contextFromCarrier(NOTHING));
    outer.end();
    assert.equal(trace.getSpan(restored), undefined);
  });
});
