/**
 * Which active CONSUMER span withProcessSpan takes as the process span (an instrumentation's that
 * continues the message, never one of tracehop's own), and what of its restore options reaches a span
 * it takes. In-memory SDK; the real amqplib instrumentation's case is in amqplib-instrumentation.test.ts.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  propagation,
  SpanKind,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from "@opentelemetry/api";
import { setRestoreDefaults, traced, withCarrier } from "../../src/index.js";
import { withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { VERSION } from "../../src/version.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, onlySpan, spansNamed, tracer } from "./tracing.js";

const kafka = { system: "kafka", destination: "orders" } as const;

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});

/** The getter a consumer instrumentation reads headers with (kafkajs Buffers as strings). */
const GETTER: TextMapGetter<Record<string, unknown>> = {
  keys: (h) => Object.keys(h),
  get: (h, k) => (h[k] === undefined ? undefined : String(h[k])),
};

/** Headers of a message sent by withSendSpan, as kafkajs delivers them (Buffers); its send span id. */
function sentMessage(): { headers: Record<string, Buffer>; sendSpanId: string; traceId: string } {
  let headers: Record<string, Buffer> = {};
  withSendSpan(kafka, (h) => {
    headers = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(String(v))]));
  });
  const send = onlySpan("send orders");
  exporter.reset();
  return { headers, sendSpanId: send.spanContext().spanId, traceId: send.spanContext().traceId };
}

/**
 * Runs `fn` inside a CONSUMER span of another tracer, started as an OpenTelemetry consumer
 * instrumentation starts it: child of the message's context, or (`link`) a root linked to it.
 */
async function inInstrumentationSpan<T>(
  headers: Record<string, unknown>,
  fn: (instrumentation: Span) => T,
  mode: "parent" | "link" = "parent",
  tracerName?: string,
): Promise<T> {
  const messageContext: Context = propagation.extract(context.active(), headers, GETTER);
  const startedBy = tracerName === undefined ? tracer : trace.getTracer(tracerName);
  const instrumentation =
    mode === "parent"
      ? startedBy.startSpan("orders process", { kind: SpanKind.CONSUMER }, messageContext)
      : startedBy.startSpan("orders process", {
          kind: SpanKind.CONSUMER,
          root: true,
          links: [{ context: trace.getSpanContext(messageContext)! }],
        });
  const active =
    mode === "parent"
      ? trace.setSpan(messageContext, instrumentation)
      : trace.setSpan(context.active(), instrumentation);
  try {
    return await context.with(active, () => fn(instrumentation));
  } finally {
    instrumentation.end();
  }
}

describe("withProcessSpan never takes tracehop's own span for an instrumentation's", () => {
  test("a retry run inside the failing attempt's handler gets its own span, a sibling under the message's context", async () => {
    const { headers, sendSpanId, traceId } = sentMessage();
    const ran: [number, string][] = [];
    const attemptOnce = (attempt: number): Promise<void> =>
      withProcessSpan(headers, { ...kafka, attempt }, async (span) => {
        ran.push([attempt, span.spanContext().spanId]);
        if (attempt < 3) {
          try {
            throw new Error(`fail ${attempt}`);
          } catch {
            await attemptOnce(attempt + 1);
          }
          throw new Error(`attempt ${attempt} failed`);
        }
      }).catch(() => undefined);
    await attemptOnce(1);

    const spans = spansNamed("process orders");
    assert.equal(spans.length, 3, "one span per attempt");
    const byAttempt = new Map(spans.map((s) => [s.attributes["tracehop.attempt"], s]));
    assert.deepEqual([...byAttempt.keys()].sort(), [1, 2, 3]);
    for (const [attempt, spanId] of ran) assert.equal(byAttempt.get(attempt)!.spanContext().spanId, spanId);
    for (const span of spans) {
      assert.equal(span.kind, SpanKind.CONSUMER);
      assert.equal(span.spanContext().traceId, traceId);
      assert.equal(span.parentSpanContext?.spanId, sendSpanId, "a sibling under the stored parent");
      assert.equal(span.attributes["tracehop.relation"], "parent");
    }
    assert.equal(byAttempt.get(1)!.status.code, SpanStatusCode.ERROR);
    assert.equal(byAttempt.get(1)!.status.message, "attempt 1 failed");
    assert.equal(byAttempt.get(2)!.status.code, SpanStatusCode.ERROR);
    assert.equal(byAttempt.get(2)!.status.message, "attempt 2 failed");
    assert.equal(byAttempt.get(3)!.status.code, SpanStatusCode.UNSET, "the successful attempt is visible");
    // The failed attempt that was active is linked, as any ambient span is (messaging conventions).
    assert.deepEqual(
      byAttempt.get(2)!.links.map((l) => l.context.spanId),
      [byAttempt.get(1)!.spanContext().spanId],
    );
    assert.deepEqual(
      byAttempt.get(3)!.links.map((l) => l.context.spanId),
      [byAttempt.get(2)!.spanContext().spanId],
    );
  });

  test("the same retry through withCarrier gives the same three siblings", async () => {
    const { headers, sendSpanId } = sentMessage();
    const attemptOnce = (attempt: number): Promise<void> =>
      withCarrier(
        headers,
        "process orders",
        async () => {
          if (attempt < 3) {
            await attemptOnce(attempt + 1);
            throw new Error(`attempt ${attempt} failed`);
          }
        },
        { attempt, kind: SpanKind.CONSUMER },
      ).catch(() => undefined);
    await attemptOnce(1);
    const spans = spansNamed("process orders");
    assert.deepEqual(spans.map((s) => s.attributes["tracehop.attempt"]).sort(), [1, 2, 3]);
    for (const span of spans) assert.equal(span.parentSpanContext?.spanId, sendSpanId);
  });

  test("withProcessSpan inside withCarrier(kind CONSUMER) of the same message: its own span, the job's child", async () => {
    const { headers, sendSpanId } = sentMessage();
    const outer = withCarrier(
      headers,
      "job",
      (job) => withProcessSpan(headers, kafka, (span) => [job, span]),
      { kind: SpanKind.CONSUMER },
    );
    assert.notEqual(outer[0], outer[1]);
    // A restore nested in one of the same message (docs/restore.md, "Nested restores").
    assert.equal(onlySpan("job").parentSpanContext?.spanId, sendSpanId);
    assert.equal(onlySpan("process orders").parentSpanContext?.spanId, onlySpan("job").spanContext().spanId);
  });

  test("tracehop's span is known by identity where the SDK does not show which tracer started it", async () => {
    const { headers, sendSpanId } = sentMessage();
    // tracehop's tracer hands out spans as an SDK without `instrumentationScope` would: none from their
    // start on, when tracehop first sees them.
    const tracehopTracer = trace.getTracer("tracehop", VERSION);
    const startSpan = tracehopTracer.startSpan;
    tracehopTracer.startSpan = function (...args) {
      const span = startSpan.apply(this, args);
      Object.defineProperty(span, "instrumentationScope", { value: undefined });
      return span;
    };
    let got: Span[];
    try {
      got = await withProcessSpan(headers, { ...kafka, attempt: 1 }, (first) =>
        withProcessSpan(headers, { ...kafka, attempt: 2 }, (second) => [first, second]),
      );
    } finally {
      delete (tracehopTracer as { startSpan?: unknown }).startSpan;
    }
    assert.equal((got[0] as { instrumentationScope?: unknown }).instrumentationScope, undefined);
    assert.notEqual(got[0], got[1]);
    const spans = spansNamed("process orders");
    assert.deepEqual(spans.map((s) => s.attributes["tracehop.attempt"]).sort(), [1, 2]);
    for (const span of spans) assert.equal(span.parentSpanContext?.spanId, sendSpanId);
  });

  test("a CONSUMER span of a tracer named tracehop (another copy of the package) is not taken either", async () => {
    const { headers, sendSpanId } = sentMessage();
    const got = await inInstrumentationSpan(
      headers,
      (other) => withProcessSpan(headers, kafka, (span) => [other, span]),
      "parent",
      "tracehop",
    );
    assert.notEqual(got[0], got[1]);
    assert.equal(spansNamed("process orders").length, 1);
    assert.equal(onlySpan("process orders").parentSpanContext?.spanId, sendSpanId);
  });

  test("an instrumentation's CONSUMER span that continues the message is still taken", async () => {
    const { headers } = sentMessage();
    for (const mode of ["parent", "link"] as const) {
      exporter.reset();
      const got = await inInstrumentationSpan(
        headers,
        (instrumentation) => withProcessSpan(headers, kafka, (span) => span === instrumentation),
        mode,
      );
      assert.equal(got, true, mode);
      assert.equal(spansNamed("process orders").length, 0, mode);
      assert.equal(onlySpan("orders process").attributes["tracehop.relation"], mode);
    }
  });
});

describe("a restore of the message nested in an instrumentation's span withProcessSpan took", () => {
  test("a step restoring the message (no relation) is a child of that span, in its trace, under parent and link", async () => {
    const { headers, traceId } = sentMessage();
    for (const mode of ["parent", "link"] as const) {
      exporter.reset();
      const step = traced({ name: "step" })(async (_row: unknown) => undefined);
      const instrumentation = await inInstrumentationSpan(
        headers,
        (span) =>
          withProcessSpan(headers, kafka, async () => {
            await withCarrier(headers, "withCarrier step", () => undefined);
            await step({ traceContext: headers });
            return span.spanContext();
          }),
        mode,
      );
      if (mode === "link") assert.notEqual(instrumentation.traceId, traceId);
      for (const name of ["withCarrier step", "step"]) {
        const span = onlySpan(name);
        assert.equal(span.spanContext().traceId, instrumentation.traceId, `${mode} ${name}`);
        assert.equal(span.parentSpanContext?.spanId, instrumentation.spanId, `${mode} ${name}`);
        assert.deepEqual(span.links, [], `${mode} ${name}`);
      }
    }
  });

  test("a retry with another attempt inside it is still a sibling under the message's context", async () => {
    const { headers, sendSpanId } = sentMessage();
    await inInstrumentationSpan(headers, () =>
      withProcessSpan(headers, { ...kafka, attempt: 1 }, () =>
        withProcessSpan(headers, { ...kafka, attempt: 2 }, () => undefined),
      ),
    );
    assert.equal(onlySpan("process orders").parentSpanContext?.spanId, sendSpanId);
  });
});

describe("an instrumentation's span taken as the process span gets the restore options that apply", () => {
  test("attempt, run, queue wait and the relation it really has; given links are added", async () => {
    const { headers } = sentMessage();
    const before = Date.now();
    const extra = { context: { traceId: "e".repeat(32), spanId: "5".repeat(16), traceFlags: 1 } };
    const { processWarnings } = await recordWarnings(() =>
      inInstrumentationSpan(headers, () =>
        withProcessSpan(
          headers,
          { ...kafka, attempt: 2, run: 1, capturedAt: before - 1500, messageId: "m-1", links: [extra] },
          () => undefined,
        ),
      ),
    );
    const after = Date.now();
    const span = onlySpan("orders process");
    assert.equal(span.attributes["messaging.message.id"], "m-1");
    assert.equal(span.attributes["messaging.operation.type"], "process");
    assert.equal(span.attributes["tracehop.attempt"], 2);
    assert.equal(span.attributes["tracehop.run"], 1);
    assert.equal(span.attributes["tracehop.relation"], "parent");
    const wait = span.attributes["tracehop.queue.wait"] as number;
    assert.ok(wait >= 1.5 && wait <= (after - before + 1500) / 1000, `queue wait ${wait} s`);
    assert.deepEqual(
      span.links.map((l) => l.context.spanId),
      ["5".repeat(16)],
    );
    assert.deepEqual(processWarnings, [], "nothing asked for that the span cannot give");
  });

  test("relation link, none, or auto resolving to link cannot apply to a child of the message: warned once", async () => {
    const { headers, sendSpanId } = sentMessage();
    const { processWarnings, diagWarnings } = await recordWarnings(async () => {
      for (const options of [
        { relation: "link" },
        { relation: "link" },
        { relation: "auto", run: 2 },
        { relation: "auto", capturedAt: Date.now() - 3_600_000 },
      ] as const)
        await inInstrumentationSpan(headers, () =>
          withProcessSpan(headers, { ...kafka, ...options }, () => 1),
        );
      await inInstrumentationSpan(headers, () =>
        withProcessSpan(headers, { ...kafka, relation: "none" }, () => 1),
      );
    });
    const spans = spansNamed("orders process");
    assert.equal(spans.length, 5);
    for (const span of spans) {
      assert.equal(span.parentSpanContext?.spanId, sendSpanId, "still a child: nothing silently changed");
      assert.equal(span.attributes["tracehop.relation"], "parent", "says what it really is");
    }
    assert.deepEqual(
      processWarnings.map(([code]) => code),
      ["TRACEHOP_RELATION_NOT_APPLIED", "TRACEHOP_RELATION_NOT_APPLIED"],
      "once for link (given or resolved), once for none",
    );
    assert.match(
      processWarnings[0]![1],
      /cannot give it relation "link": the span keeps tracehop\.relation="parent"/,
    );
    assert.match(processWarnings[1]![1], /cannot give it relation "none"/);
    assert.equal(diagWarnings.length, 2);
  });

  test("relation link from setRestoreDefaults is warned about the same way", async () => {
    const { headers } = sentMessage();
    const previous = setRestoreDefaults({ relation: "link" });
    try {
      const { processWarnings } = await recordWarnings(() =>
        inInstrumentationSpan(headers, () => withProcessSpan(headers, kafka, () => 1)),
      );
      assert.equal(processWarnings.length, 1);
      assert.match(processWarnings[0]![1], /relation "link"/);
    } finally {
      setRestoreDefaults(previous);
    }
  });

  test("an instrumentation span that links the message: relation link and parent (the default) are not warned about, none is", async () => {
    const { headers } = sentMessage();
    const { processWarnings } = await recordWarnings(async () => {
      await inInstrumentationSpan(
        headers,
        () => withProcessSpan(headers, { ...kafka, relation: "link" }, () => 1),
        "link",
      );
      await inInstrumentationSpan(headers, () => withProcessSpan(headers, kafka, () => 1), "link");
    });
    assert.deepEqual(processWarnings, []);
    for (const span of spansNamed("orders process"))
      assert.equal(span.attributes["tracehop.relation"], "link");
    const none = await recordWarnings(() =>
      inInstrumentationSpan(
        headers,
        () => withProcessSpan(headers, { ...kafka, relation: "none" }, () => 1),
        "link",
      ),
    );
    assert.deepEqual(
      none.processWarnings.map(([code]) => code),
      ["TRACEHOP_RELATION_NOT_APPLIED"],
    );
    assert.match(none.processWarnings[0]![1], /\(linked to its context\) and cannot give it relation "none"/);
  });

  test("an option out of range is the same TypeError as without an instrumentation span, before fn runs", async () => {
    const { headers } = sentMessage();
    let ran = 0;
    await inInstrumentationSpan(headers, () => {
      assert.throws(
        () => withProcessSpan(headers, { ...kafka, relation: "sibling" as never }, () => ran++),
        /relation must be "parent", "link", "none" or "auto"/,
      );
    });
    assert.throws(
      () => withProcessSpan(headers, { ...kafka, relation: "sibling" as never }, () => ran++),
      /relation must be "parent", "link", "none" or "auto"/,
    );
    assert.equal(ran, 0);
    // An attempt out of range comes from the message: left out on either path, fn runs
    // (message-options.test.ts).
    await inInstrumentationSpan(headers, () =>
      withProcessSpan(headers, { ...kafka, attempt: 0 }, () => ran++),
    );
    withProcessSpan(headers, { ...kafka, attempt: 0 }, () => ran++);
    assert.equal(ran, 2);
  });
});

describe("a whole amqplib message: the instrumentation's span is taken only while the message holds it for its ack", () => {
  const rabbit = { system: "rabbitmq", destination: "orders" } as const;
  /** The symbol @opentelemetry/instrumentation-amqplib 0.70 stores its span under (a new one, same description). */
  const storedSpan = Symbol("opentelemetry.amqplib.message.stored-span");
  /** An amqplib ConsumeMessage with `headers`, and `stored` under the instrumentation's symbol when given. */
  const amqpMessage = (headers: Record<string, unknown> | undefined, ...stored: unknown[]) => ({
    content: Buffer.from("{}"),
    fields: { consumerTag: "c", deliveryTag: 1, redelivered: false, exchange: "", routingKey: "orders" },
    properties: { headers },
    ...(stored.length === 0 ? {} : { [storedSpan]: stored[0] }),
  });

  test("stored (ack mode): taken; not stored (noAck, or kept elsewhere), acked already or another span: tracehop's own", async () => {
    const { headers, sendSpanId } = sentMessage();
    const cases: [string, (instrumentation: Span) => unknown, boolean][] = [
      ["stored", (instrumentation) => amqpMessage(headers, instrumentation), true],
      ["no symbol", () => amqpMessage(headers), false],
      ["acked: undefined", () => amqpMessage(headers, undefined), false],
      ["another span", () => amqpMessage(headers, tracer.startSpan("other")), false],
      ["headers alone", () => headers, true],
    ];
    for (const [label, messageOf, taken] of cases) {
      exporter.reset();
      const got = await inInstrumentationSpan(headers, (instrumentation) =>
        withProcessSpan(messageOf(instrumentation), rabbit, (span) => span === instrumentation),
      );
      assert.equal(got, taken, label);
      if (taken) continue;
      const own = onlySpan("process orders");
      assert.equal(own.parentSpanContext?.spanId, sendSpanId, label);
      assert.deepEqual(
        own.links.map((l) => l.context.spanId),
        [onlySpan("orders process").spanContext().spanId],
        label,
      );
    }
  });

  test("a message without a context: its stored span is taken (no relation set); a root CONSUMER span not stored on it is not", async () => {
    for (const stored of [true, false]) {
      exporter.reset();
      const poll = tracer.startSpan("poll", { kind: SpanKind.CONSUMER, root: true });
      const message = stored ? amqpMessage({}, poll) : amqpMessage({});
      const got = context.with(trace.setSpan(context.active(), poll), () =>
        withProcessSpan(message, { ...rabbit, attempt: 2 }, (span) => span === poll),
      );
      poll.end();
      assert.equal(got, stored);
      if (stored) {
        assert.equal(spansNamed("process orders").length, 0);
        assert.equal(onlySpan("poll").attributes["tracehop.attempt"], 2);
        assert.equal(onlySpan("poll").attributes["tracehop.relation"], undefined);
      } else
        assert.equal(
          onlySpan("process orders").parentSpanContext?.spanId,
          onlySpan("poll").spanContext().spanId,
        );
    }
  });
});

// A messaging trial: an error recorded on an instrumentation's span that had ended (an ack inside fn, noAck
// with headers only) reached no exported span, and nothing said so.
describe("an instrumentation's span that ends before fn fails", () => {
  const fails = (end: (() => void) | undefined) => async () => {
    end?.();
    await Promise.resolve();
    throw new Error("after the ack");
  };

  test("the error is on no exported span: said once per process, TRACEHOP_ERROR_ON_ENDED_SPAN", async () => {
    const { headers } = sentMessage();
    const told = await recordWarnings(async () => {
      const reasons: string[] = [];
      for (let i = 0; i < 2; i++)
        reasons.push(
          await inInstrumentationSpan(headers, (instrumentation) =>
            withProcessSpan(
              headers,
              kafka,
              fails(() => instrumentation.end()),
            ).catch((e: Error) => e.message),
          ),
        );
      return reasons;
    });
    assert.deepEqual(told.result, ["after the ack", "after the ack"]);
    const spans = spansNamed("orders process");
    assert.equal(spans.length, 2);
    assert.deepEqual(
      spans.map((span) => [span.status.code, span.events.length]),
      [
        [SpanStatusCode.UNSET, 0],
        [SpanStatusCode.UNSET, 0],
      ],
    );
    // (A warning an earlier test emitted may arrive here: process warnings are emitted on a later tick.)
    const said = told.processWarnings.filter(([code]) => code === "TRACEHOP_ERROR_ON_ENDED_SPAN");
    assert.equal(said.length, 1);
    assert.match(
      said[0]![1],
      /^tracehop withProcessSpan: its function failed after the instrumentation's CONSUMER span/,
    );
    assert.match(said[0]![1], /Ack or nack after withProcessSpan's promise settles/);
  });

  test("a failure while the span is open is recorded on it, and nothing is said", async () => {
    const { headers } = sentMessage();
    const told = await recordWarnings(() =>
      inInstrumentationSpan(headers, () =>
        withProcessSpan(headers, kafka, fails(undefined)).catch(() => "failed"),
      ),
    );
    assert.equal(told.result, "failed");
    const span = onlySpan("orders process");
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes["error.type"], "Error");
    assert.deepEqual(
      told.processWarnings.filter(([code]) => code === "TRACEHOP_ERROR_ON_ENDED_SPAN"),
      [],
    );
  });
});

// A messaging trial: a batch handed to the single-message helper started a new root without a hint.
describe("withProcessSpan handed an array (a batch) for one message's headers", () => {
  test("a batch whose first message holds a context: a new trace, said once with the calls to use", async () => {
    const { headers } = sentMessage();
    const batch = [
      { key: null, value: Buffer.from("{}"), headers, offset: "0", timestamp: "0", attributes: 0 },
      { key: null, value: Buffer.from("{}"), headers, offset: "1", timestamp: "0", attributes: 0 },
    ];
    const told = await recordWarnings(() => {
      withProcessSpan(batch, kafka, () => undefined);
      withProcessSpan(batch, kafka, () => undefined);
    });
    assert.equal(spansNamed("process orders").length, 2);
    for (const span of spansNamed("process orders")) assert.equal(span.parentSpanContext, undefined);
    const said = told.processWarnings.filter(([code]) => code === "TRACEHOP_CARRIER_IN_OTHER_FIELD");
    assert.deepEqual(said, [
      [
        "TRACEHOP_CARRIER_IN_OTHER_FIELD",
        "tracehop withProcessSpan: it was handed an array of 2 (a batch?) for the headers of one message, and the " +
          "array holds no trace context, though its first message's headers hold one: the work started a new " +
          "trace. Hand withProcessSpan one message (withProcessSpan(messages[i], ...)), or the batch to " +
          "withBatchProcessSpan(messages, ...), which links each message's context.",
      ],
    ]);
  });

  test("an array of headers holding a carrier is said as well; an untraced batch, or an empty one, is not", async () => {
    const { headers } = sentMessage();
    const told = await recordWarnings(() => withProcessSpan([headers], kafka, () => undefined));
    assert.match(
      told.processWarnings.find(([code]) => code === "TRACEHOP_CARRIER_IN_OTHER_FIELD")?.[1] ?? "",
      /array of 1 \(a batch\?\).*its first element holds a trace carrier/,
    );
    resetWarnings();
    const quiet = await recordWarnings(() => {
      withProcessSpan(
        [{ key: null, value: Buffer.from("{}"), headers: {}, offset: "0", timestamp: "0", attributes: 0 }],
        kafka,
        () => 1,
      );
      withProcessSpan([], kafka, () => 1);
    });
    assert.deepEqual(
      quiet.processWarnings.filter(([code]) => code === "TRACEHOP_CARRIER_IN_OTHER_FIELD"),
      [],
    );
  });
});

// A concurrency trial: a generator returned by fn ran its steps in whatever context iterated it.
describe("a generator returned by fn inside a span taken over steps in that span, wherever it is iterated", () => {
  const activeSpanId = () => trace.getActiveSpan()?.spanContext().spanId;

  test("withProcessSpan in an instrumentation's CONSUMER span: each step runs in it, a throw is recorded on it", async () => {
    const { headers } = sentMessage();
    const err = new RangeError("row 2");
    const seen = await inInstrumentationSpan(headers, async (instrumentation) => {
      const rows = withProcessSpan(headers, kafka, async function* () {
        yield activeSpanId();
        await Promise.resolve();
        yield activeSpanId();
        throw err;
      });
      // Iterated from another job's context (here: none), as a stream consumer would.
      return context.with(ROOT_CONTEXT, async () => {
        const ids: unknown[] = [];
        try {
          for await (const id of rows) ids.push(id);
        } catch (thrown) {
          ids.push(thrown === err);
        }
        return { ids, instrumentation: instrumentation.spanContext().spanId, after: activeSpanId() };
      });
    });
    assert.deepEqual(seen.ids, [seen.instrumentation, seen.instrumentation, true]);
    assert.equal(seen.after, undefined, "the iterating context is restored after each step");
    const span = onlySpan("orders process");
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes["error.type"], "RangeError");
    assert.equal(spansNamed("process orders").length, 0);
  });

  test("withSendSpan in an active PRODUCER span: each step of a sync generator runs in it, a throw is recorded once", () => {
    const outer = tracer.startSpan("send jobs (caller's own)", { kind: SpanKind.PRODUCER });
    const err = new TypeError("bad message");
    const batch = context.with(trace.setSpan(ROOT_CONTEXT, outer), () =>
      withSendSpan(kafka, function* () {
        yield activeSpanId();
        throw err;
      }),
    );
    const ids: unknown[] = [];
    assert.throws(
      () => {
        for (const id of batch) ids.push(id);
      },
      (thrown) => thrown === err,
    );
    assert.throws(
      () => batch.throw(err),
      (thrown) => thrown === err,
    );
    outer.end();
    assert.deepEqual(ids, [outer.spanContext().spanId]);
    const span = onlySpan("send jobs (caller's own)");
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.events.filter((event) => event.name === "exception").length, 1);
  });
});
