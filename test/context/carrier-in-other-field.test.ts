// A row whose carrier column is not named traceContext (the Prisma extension's
// `models: { Outbox: "carrier" }`) handed whole to withCarrier / traced / withBatch / withSendSpan: the
// stored context is not restored, and tracehop says which field holds the carrier, once per process.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { traced, withBatch, withBatchItem, withCarrier } from "../../src/index.js";
import { withBatchProcessSpan, withProcessSpan, withSendSpan } from "../../src/messaging/index.js";
import { MAX_FIELDS_LOOKED_AT } from "../../src/context/holds-carrier.js";
import { LookUpHeaders, msgHdrs } from "../support/header-classes.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, finishedSpan, parentIdOf, W3C_CARRIER, W3C_PARENT_ID, W3C_TRACE_ID } from "./tracing.js";

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});
afterEach(() => resetWarnings());

const CODE = "TRACEHOP_CARRIER_IN_OTHER_FIELD";
/** The warning of a bad carrier in the right field (carrier-rejected.test.ts), said instead. */
const REJECTED = "TRACEHOP_CARRIER_REJECTED";
/** The warning `caller` gives for a carrier in `field` (`access`: how the fix reads that field). */
const message = (
  field: string,
  caller = "withCarrier",
  access = `.${field}`,
  row = "[row]",
  hasNo = " and has no traceContext field",
) => {
  const fix: Record<string, string> = {
    withCarrier: `withCarrier(row${access}, ...)`,
    withCarrierOfRow: `withCarrier(row${access}, ..., { capturedAt: row.createdAt })`,
    traced: `traced({ carrierFrom: (${row}) => row${access} })`,
    tracedOfRow: `traced({ carrierFrom: (${row}) => row${access}, optionsFrom: (${row}) => ({ capturedAt: row.createdAt }) })`,
    withBatch: `withBatch(rows, ..., { carrierFrom: (row) => row${access} })`,
    withBatchItem: `withBatchItem(row${access}, ...)`,
    withSendSpan: `withSendSpan({ creationContext: row${access}, ... })`,
    withProcessSpan: `withProcessSpan(message${access}, ...)`,
  };
  const shownCaller = caller.replace(/OfRow$/, "");
  return (
    `tracehop ${shownCaller}: a carrier it was handed held no trace context` +
    (caller === "withProcessSpan" ? "" : hasNo) +
    `, but its field ${JSON.stringify(field)} holds a trace carrier, which was not read: the stored context ` +
    `was not restored. Pass that field: ${fix[caller]}.`
  );
};

/**
 * The warning `caller` gives for a carrier in `field` of what the user's own carrierFrom returned: the
 * fix extends that carrierFrom by the field, at no argument position.
 */
const fromCarrierFrom = (
  field: string,
  caller: "traced" | "withBatch",
  hasNo = " and has no traceContext field",
) => {
  const call =
    caller === "traced"
      ? `traced({ carrierFrom: (args) => <what it returns now>.${field} })`
      : `withBatch(rows, ..., { carrierFrom: (row) => <what it returns now>.${field} })`;
  return (
    `tracehop ${caller}: a carrier its carrierFrom returned held no trace context${hasNo}, but its field ` +
    `${JSON.stringify(field)} holds a trace carrier, which was not read: the stored context was not restored. ` +
    `Pass that field: return it from your carrierFrom, ${call}.`
  );
};

/**
 * The warning `withBatchProcessSpan` gives for a carrier in `field` of what the user's own headersFrom
 * returned: the fix extends that headersFrom by the field (headers are never read as a row: no
 * traceContext clause).
 */
const fromHeadersFrom = (field: string, access = `.${field}`) =>
  `tracehop withBatchProcessSpan: a carrier its headersFrom returned held no trace context, but its field ` +
  `${JSON.stringify(field)} holds a trace carrier, which was not read: the stored context was not restored. ` +
  `Pass that field: return it from your headersFrom, ` +
  `withBatchProcessSpan(messages, { ..., headersFrom: (message) => <what it returns now>${access} }).`;

/**
 * The warning `withBatchProcessSpan` gives for a carrier in `field` of a message in which its default
 * headersFrom found no headers (a row holding its stored carrier): the fix passes a headersFrom that
 * returns that field.
 */
const fromDefaultHeadersFrom = (field: string, access = `.${field}`) =>
  `tracehop withBatchProcessSpan: a message it was handed held no headers (the default headersFrom reads ` +
  `message.headers), but its field ${JSON.stringify(field)} holds a trace carrier, which was not read: the ` +
  `stored context was not restored. Pass that field: ` +
  `withBatchProcessSpan(messages, { ..., headersFrom: (message) => message${access} }).`;

/** The options of a RabbitMQ consumer's helper. */
const rabbit = { system: "rabbitmq", destination: "jobs" } as const;

/** An amqplib message whose headers hold `headers`. */
const amqp = (headers: Record<string, unknown>) => ({
  content: Buffer.from("{}"),
  fields: { exchange: "", routingKey: "jobs" },
  properties: { headers },
});

/** Each process warning's code and the helper its message names (the text before its first `:`). */
const helpersNamed = (warnings: readonly (readonly [string, string])[]) =>
  warnings.map(([code, said]) => [code, said.slice(0, said.indexOf(":"))]);

const outbox = { id: 7, aggregateId: "job-1", carrier: W3C_CARRIER, createdAt: new Date() };
/** A Datadog carrier (decimal ids), as a row column would hold it. */
const DD_CARRIER = { "x-datadog-trace-id": "7", "x-datadog-parent-id": "8" };

/** A worker whose decorated methods pick their carrier with carrierFrom, or by default. */
class Relay {
  @traced({ name: "second", carrierFrom: ([, r]: [string, unknown]) => r })
  second(_queue: string, _row: unknown): number {
    return 1;
  }

  @traced({ name: "by-default" })
  byDefault(_queue: string, _row: unknown): number {
    return 2;
  }
}

describe("a carrier under another field name", () => {
  test("withCarrier(outboxRow): a new root, and one warning naming the field and the fix", async () => {
    const told = await recordWarnings(() => {
      withCarrier(outbox, "relay", () => undefined);
      withCarrier({ ...outbox, id: 8 }, "relay", () => undefined); // the same field again: said once
    });
    // The row has a createdAt: the fix passes it on, or the restore loses the row's age.
    const said = message("carrier", "withCarrierOfRow");
    assert.ok(said.endsWith("withCarrier(row.carrier, ..., { capturedAt: row.createdAt })."), said);
    assert.deepEqual(told.processWarnings, [[CODE, said]]);
    assert.deepEqual(told.diagWarnings, [said]);
    const roots = exporter.getFinishedSpans().filter((s) => parentIdOf(s) === undefined);
    assert.equal(roots.length, 2);
    assert.notEqual(roots[0]!.spanContext().traceId, W3C_TRACE_ID);
  });

  test("under OTEL_SDK_DISABLED=true nothing is said (tracing off on purpose)", async () => {
    process.env.OTEL_SDK_DISABLED = "true";
    try {
      const told = await recordWarnings(() => {
        withCarrier(outbox, "relay", () => undefined);
        withCarrier(
          { traceContext: { "x-datadog-trace-id": 2 ** 60, "x-datadog-parent-id": "1" } },
          "n",
          () => 0,
        );
      });
      assert.deepEqual(told.processWarnings, []);
    } finally {
      delete process.env.OTEL_SDK_DISABLED;
    }
  });

  test("the fix restores the trace, without a warning", async () => {
    const told = await recordWarnings(() => withCarrier(outbox.carrier, "relay", () => undefined));
    assert.deepEqual(told.processWarnings, []);
    const span = finishedSpan("relay");
    assert.deepEqual([span.spanContext().traceId, parentIdOf(span)], [W3C_TRACE_ID, W3C_PARENT_ID]);
  });

  test("a whole amqplib message or kafkajs eachMessage payload (headers one level further down): named by the path; the fix restores it", async () => {
    const amqp = {
      content: Buffer.from("{}"),
      fields: { deliveryTag: 1, redelivered: false, exchange: "", routingKey: "jobs" },
      properties: { contentType: "application/json", headers: { ...W3C_CARRIER, "x-attempt": 1 } },
    };
    const kafka = {
      topic: "jobs",
      partition: 0,
      message: { key: null, value: Buffer.from("{}"), offset: "1", headers: { ...DD_CARRIER } },
    };
    const told = await recordWarnings(() => {
      withCarrier(amqp, "amqp", () => undefined);
      resetWarnings();
      withCarrier(kafka, "kafka", () => undefined);
      resetWarnings();
      // withProcessSpan names the system to give instead (whole-message.test.ts): not said twice.
      withProcessSpan(amqp, { system: "kafka", destination: "jobs" }, () => undefined);
    });
    assert.deepEqual(told.processWarnings.slice(0, 2), [
      [CODE, message("properties.headers", "withCarrier", ".properties.headers")],
      [CODE, message("message.headers", "withCarrier", ".message.headers")],
    ]);
    assert.equal(told.processWarnings.length, 3);
    assert.doesNotMatch(told.processWarnings[2]![1], /its field/);
    const told2 = await recordWarnings(() => withCarrier(amqp.properties.headers, "fixed", () => undefined));
    assert.deepEqual(told2.processWarnings, []);
    assert.equal(finishedSpan("fixed").spanContext().traceId, W3C_TRACE_ID);
  });

  test("the carrier as JSON text or under a name that needs brackets; once per process and field", async () => {
    const told = await recordWarnings(() => {
      withCarrier({ id: 1, trace_ctx: `\uFEFF ${JSON.stringify(W3C_CARRIER)}` }, "a", () => undefined);
      withCarrier({ id: 1, trace_ctx: W3C_CARRIER }, "a", () => undefined); // the same field: silent
      withCarrier({ id: 1, other: W3C_CARRIER }, "a", () => undefined); // another field: said
      resetWarnings();
      withCarrier(
        { id: 2, "trace-ctx": { "X-Datadog-Trace-Id": "1", "x-datadog-parent-id": "2" } },
        "b",
        () => 0,
      );
    });
    assert.deepEqual(told.processWarnings, [
      [CODE, message("trace_ctx")],
      [CODE, message("other")],
      [CODE, message("trace-ctx", "withCarrier", '["trace-ctx"]')],
    ]);
  });

  test("traced: the default finds no traceContext argument; carrierFrom returning the row", async () => {
    const told = await recordWarnings(() => {
      traced({ name: "t1" })((_n: number, row: typeof outbox) => row.id)(1, outbox);
      resetWarnings();
      traced({ name: "t2", carrierFrom: ([row]) => row })((row: { id: number; ctx: unknown }) => row.id)({
        id: 1,
        ctx: W3C_CARRIER,
      });
    });
    // The row is t1's second argument: the fix reads that argument (`[, row]`). t2's row is what its
    // own carrierFrom returned: the fix extends that carrierFrom.
    assert.deepEqual(told.processWarnings, [
      [CODE, message("carrier", "tracedOfRow", ".carrier", "[, row]")],
      [CODE, fromCarrierFrom("ctx", "traced")],
    ]);
    resetWarnings();
    const first = await recordWarnings(() => traced({ name: "t3" })((row: typeof outbox) => row.id)(outbox));
    assert.deepEqual(first.processWarnings, [[CODE, message("carrier", "tracedOfRow")]]);
  });

  test("traced with a carrierFrom that returns the row from another argument: the fix extends that carrierFrom, never ([row]) => row.carrier", async () => {
    const row = { id: 1, carrier: DD_CARRIER };
    const told = await recordWarnings(() => {
      traced({ name: "t", carrierFrom: ([, r]: [string, typeof row]) => r })(
        async (_q: string, _r: typeof row) => 1,
      )("jobs", row);
      resetWarnings();
      traced({ name: "t", carrierFrom: ([{ r }]: [{ r: typeof row }]) => r })((_a: { r: typeof row }) => 1)({
        r: row,
      });
      resetWarnings();
      // The same through a decorated method, and its holds-none wording.
      new Relay().second("jobs", { id: 2, traceContext: null, carrier: DD_CARRIER });
    });
    assert.deepEqual(told.processWarnings, [
      [CODE, fromCarrierFrom("carrier", "traced")],
      [CODE, fromCarrierFrom("carrier", "traced")],
      [CODE, fromCarrierFrom("carrier", "traced", " and its traceContext field holds none")],
    ]);
    // The fix as said restores the stored trace.
    exporter.reset();
    traced({ name: "fixed", carrierFrom: ([, r]: [string, typeof row]) => r.carrier })(
      (_q: string, _r: typeof row) => 1,
    )("jobs", row);
    assert.equal(BigInt(`0x${finishedSpan("fixed").spanContext().traceId}`), 7n);
  });

  test("traced: a row with a createdAt gets it passed on through optionsFrom, as withCarrier's fix passes capturedAt; the fix keeps the row's age", async () => {
    const row = { id: 1, carrier: W3C_CARRIER, createdAt: new Date(Date.now() - 5000) };
    const told = await recordWarnings(() => {
      traced({ name: "t" })((r: typeof row) => r.id)(row);
      resetWarnings();
      traced({ name: "t", carrierFrom: ([, r]) => r })((_q: string, r: typeof row) => r.id)("jobs", row);
    });
    assert.deepEqual(told.processWarnings, [
      [CODE, message("carrier", "tracedOfRow")],
      [
        CODE,
        "tracehop traced: a carrier its carrierFrom returned held no trace context and has no traceContext " +
          'field, but its field "carrier" holds a trace carrier, which was not read: the stored context was not ' +
          "restored. Pass that field: return it from your carrierFrom, traced({ carrierFrom: (args) => " +
          "<what it returns now>.carrier, optionsFrom: (args) => ({ capturedAt: <what it returns now>.createdAt }) }).",
      ],
    ]);
    exporter.reset();
    traced({
      name: "fixed",
      carrierFrom: ([r]: [typeof row]) => r.carrier,
      optionsFrom: ([r]) => ({ capturedAt: r.createdAt }),
    })((r: typeof row) => r.id)(row);
    const span = finishedSpan("fixed");
    assert.deepEqual([span.spanContext().traceId, parentIdOf(span)], [W3C_TRACE_ID, W3C_PARENT_ID]);
    assert.ok(Number(span.attributes["tracehop.queue.wait"]) >= 5, "the row's age");
  });

  test("traced by default, the row found by a traceContext that holds no carrier at argument 1: the fix names argument 1", async () => {
    const told = await recordWarnings(() => {
      traced({ name: "t" })((_q: string, _r: unknown) => 1)("jobs", {
        id: 1,
        traceContext: {},
        carrier: DD_CARRIER,
      });
      resetWarnings();
      new Relay().byDefault("jobs", { id: 2, traceContext: "", carrier: DD_CARRIER });
    });
    const holdsNone = " and its traceContext field holds none";
    assert.deepEqual(told.processWarnings, [
      [CODE, message("carrier", "traced", ".carrier", "[, row]", holdsNone)],
      [CODE, message("carrier", "traced", ".carrier", "[, row]", holdsNone)],
    ]);
  });

  test("withBatch with a carrierFrom that returns a row: the fix extends that carrierFrom", async () => {
    const told = await recordWarnings(() =>
      withBatch([{ job: { id: 1, ctx: DD_CARRIER } }], "batch", () => 0, { carrierFrom: (m) => m.job }),
    );
    assert.deepEqual(told.processWarnings, [[CODE, fromCarrierFrom("ctx", "withBatch")]]);
  });

  test("traced inside an active span (a Lambda invocation's) with an event holding headers: silent, the span continues the active trace", async () => {
    const event = { headers: W3C_CARRIER, body: "{}" };
    const told = await recordWarnings(() =>
      trace.getTracer("lambda").startActiveSpan("invocation", (invocation) => {
        const handler = traced({ name: "handler" })((e: typeof event) => e.body);
        handler(event);
        invocation.end();
        return invocation.spanContext().spanId;
      }),
    );
    assert.deepEqual(told.processWarnings, []);
    assert.equal(parentIdOf(finishedSpan("handler")), told.result);
    // Without an active span the same call says so.
    const alone = await recordWarnings(() => traced({ name: "handler" })((e: typeof event) => e.body)(event));
    assert.deepEqual(alone.processWarnings, [[CODE, message("headers", "traced")]]);
  });

  test("a poll loop's span active around traced (docs/restore.md): silent without carrierFrom; carrierFrom restores, and what it returns is still reported", async () => {
    const job = { id: 1, payload: { ctx: DD_CARRIER }, carrier: DD_CARRIER };
    const inLoop = (fn: () => void) =>
      trace.getTracer("poller").startActiveSpan("poll", (poll) => {
        fn();
        poll.end();
      });
    const told = await recordWarnings(() => {
      inLoop(() => traced({ name: "silent" })((j: typeof job) => j.id)(job));
      inLoop(() =>
        traced({ name: "fixed", carrierFrom: ([j]: [typeof job]) => j.carrier })((j: typeof job) => j.id)(
          job,
        ),
      );
      inLoop(() =>
        traced({ name: "payload", carrierFrom: ([j]: [typeof job]) => j.payload })((j: typeof job) => j.id)(
          job,
        ),
      );
    });
    assert.deepEqual(told.processWarnings, [[CODE, fromCarrierFrom("ctx", "traced")]]);
    const firstPoll = exporter.getFinishedSpans().find((s) => s.name === "poll")!;
    assert.equal(parentIdOf(finishedSpan("silent")), firstPoll.spanContext().spanId);
    assert.equal(BigInt(`0x${finishedSpan("fixed").spanContext().traceId}`), 7n);
  });

  test("withBatch, withBatchItem and withSendSpan's creationContext", async () => {
    const told = await recordWarnings(() => {
      withBatch([{ id: 1, batchCarrier: W3C_CARRIER }], "batch", () => {
        resetWarnings();
        return withBatchItem({ id: 1, itemCarrier: W3C_CARRIER }, "item", () => undefined);
      });
      resetWarnings();
      withSendSpan(
        { system: "kafka", destination: "jobs", creationContext: { id: 1, sendCarrier: W3C_CARRIER } },
        () => undefined,
      );
    });
    assert.deepEqual(told.processWarnings, [
      [CODE, message("batchCarrier", "withBatch")],
      [CODE, message("itemCarrier", "withBatchItem")],
      [CODE, message("sendCarrier", "withSendSpan")],
    ]);
    // A row with a createdAt: the fix passes it on as capturedAt (else the send span loses the row's age).
    resetWarnings();
    const dated = await recordWarnings(() =>
      withSendSpan(
        {
          system: "kafka",
          destination: "jobs",
          creationContext: { id: 2, ctx: W3C_CARRIER, createdAt: new Date() },
        },
        () => undefined,
      ),
    );
    assert.match(
      dated.processWarnings[0]![1],
      /Pass that field: withSendSpan\(\{ creationContext: row\.ctx, capturedAt: row\.createdAt, \.\.\. \}\)\.$/,
    );
  });

  test("withProcessSpan given an object wrapping the headers: a new root CONSUMER span and the same warning; the headers themselves restore, silently", async () => {
    const told = await recordWarnings(() => {
      withProcessSpan({ headers: W3C_CARRIER }, { ...rabbit, operationName: "wrapped" }, () => undefined);
      withProcessSpan({ headers: W3C_CARRIER }, { ...rabbit, operationName: "again" }, () => undefined); // said once
      withProcessSpan(W3C_CARRIER, { ...rabbit, operationName: "direct" }, () => undefined);
      withProcessSpan({ "x-app": "1" }, { ...rabbit, operationName: "plain" }, () => undefined);
      withProcessSpan(undefined, { ...rabbit, operationName: "none" }, () => undefined);
    });
    assert.deepEqual(told.processWarnings, [[CODE, message("headers", "withProcessSpan")]]);
    assert.deepEqual(told.diagWarnings, [message("headers", "withProcessSpan")]);
    const wrapped = finishedSpan("wrapped jobs");
    assert.equal(parentIdOf(wrapped), undefined);
    assert.notEqual(wrapped.spanContext().traceId, W3C_TRACE_ID);
    assert.equal(finishedSpan("direct jobs").spanContext().traceId, W3C_TRACE_ID);
    assert.equal(parentIdOf(finishedSpan("direct jobs")), W3C_PARENT_ID);
  });

  test("withBatchProcessSpan whose headersFrom returns an object wrapping the headers: no link, and the same warning naming headersFrom; the fix links them, silently", async () => {
    const messages = [amqp(W3C_CARRIER), amqp({ "x-app": "1" }), amqp(W3C_CARRIER)];
    let calls = 0;
    const wrapping = (m: (typeof messages)[number]) => (calls++, { headers: m.properties.headers });
    const told = await recordWarnings(() => {
      withBatchProcessSpan(messages, { ...rabbit, operationName: "wrapped", headersFrom: wrapping }, () => 0);
      withBatchProcessSpan(messages, { ...rabbit, operationName: "again", headersFrom: wrapping }, () => 0); // said once
    });
    assert.deepEqual(told.processWarnings, [[CODE, fromHeadersFrom("headers")]]);
    assert.deepEqual(told.diagWarnings, [fromHeadersFrom("headers")]);
    assert.equal(calls, 6, "headersFrom is called once per message");
    assert.deepEqual(finishedSpan("wrapped jobs").links, []);
    // The fix the warning gives links the messages that hold a context, without a word.
    resetWarnings();
    const fixed = await recordWarnings(() =>
      withBatchProcessSpan(
        messages,
        { ...rabbit, operationName: "fixed", headersFrom: (m) => wrapping(m).headers },
        () => 0,
      ),
    );
    assert.deepEqual(fixed.processWarnings, []);
    // Both messages that hold a context hold the same one: one link (each creation context is linked once).
    assert.deepEqual(
      finishedSpan("fixed jobs").links.map((l) => l.context.spanId),
      [W3C_PARENT_ID],
    );
    // A field of the message that wraps a carrier in a field of its own (`meta: { carrier }`), or under a
    // name that needs brackets: each named. A whole amqplib message returned under system "kafka" is said
    // as withProcessSpan handed one says it, with the system to give (its fields are the client's).
    const amqpWarning =
      'tracehop withBatchProcessSpan: its headersFrom returned an amqplib message under system "kafka", which ' +
      "reads only a kafkajs message or headers: the trace carrier in its headers was not read, and the stored " +
      'context was not restored. Give its system, system: "rabbitmq", or return its headers from your ' +
      "headersFrom: withBatchProcessSpan(messages, { ..., headersFrom: (message) => <what it returns now>.properties.headers }).";
    const cases: [string, unknown, string][] = [
      ["carrier", { meta: { carrier: DD_CARRIER } }, fromHeadersFrom("carrier")],
      [
        "x-trace",
        { meta: { "x-trace": JSON.stringify(W3C_CARRIER) } },
        fromHeadersFrom("x-trace", '["x-trace"]'),
      ],
      ["properties.headers", { meta: amqp(W3C_CARRIER) }, amqpWarning],
    ];
    for (const [label, message, warning] of cases) {
      resetWarnings();
      const kafka = { system: "kafka", destination: "jobs", operationName: label } as const;
      const said = await recordWarnings(() =>
        withBatchProcessSpan(
          [message],
          { ...kafka, headersFrom: (m) => (m as { meta: unknown }).meta },
          () => 0,
        ),
      );
      assert.deepEqual(said.processWarnings, [[CODE, warning]], label);
    }
  });

  test("withBatchProcessSpan with the default headersFrom given rows holding their carrier under traceContext (no headers): no link, one warning naming the headersFrom to pass; that fix links them, silently", async () => {
    const kafka = { system: "kafka", destination: "jobs" } as const;
    const rows = [
      { id: 1, traceContext: W3C_CARRIER },
      { id: 2, traceContext: JSON.stringify(DD_CARRIER) }, // a text column
      { id: 3, traceContext: Buffer.from(JSON.stringify(W3C_CARRIER)) }, // a bytea / BLOB column
    ];
    const told = await recordWarnings(() => {
      withBatchProcessSpan(rows, { ...kafka, operationName: "rows" }, () => 0);
      withBatchProcessSpan(rows, { ...kafka, operationName: "again" }, () => 0); // said once
    });
    const said = fromDefaultHeadersFrom("traceContext");
    assert.deepEqual(told.processWarnings, [[CODE, said]]);
    assert.deepEqual(told.diagWarnings, [said]);
    assert.deepEqual(finishedSpan("rows jobs").links, []);
    // The fix the warning gives links every row, without a word.
    resetWarnings();
    const fixed = await recordWarnings(() =>
      withBatchProcessSpan(
        rows,
        { ...kafka, operationName: "fixed", headersFrom: (row) => row.traceContext },
        () => 0,
      ),
    );
    assert.deepEqual(fixed.processWarnings, []);
    assert.deepEqual(
      finishedSpan("fixed jobs").links.map((l) => l.context.spanId),
      // The third row's context is the first's: linked once.
      [W3C_PARENT_ID, (8).toString(16).padStart(16, "0")],
    );
    // A row whose headers column is null holds no headers either; another field's name needs brackets.
    resetWarnings();
    const other = await recordWarnings(() =>
      withBatchProcessSpan([{ id: 4, headers: null, "trace-ctx": DD_CARRIER }], kafka, () => 0),
    );
    assert.deepEqual(other.processWarnings, [[CODE, fromDefaultHeadersFrom("trace-ctx", '["trace-ctx"]')]]);
  });

  test("withBatchProcessSpan with the default headersFrom: messages with headers (a context or none), or a whole message of its client without headers, are not looked into: nothing said", async () => {
    const told = await recordWarnings(() => {
      withBatchProcessSpan(
        [
          { headers: W3C_CARRIER, traceContext: DD_CARRIER }, // restored from its headers
          { headers: {}, traceContext: W3C_CARRIER }, // headers of its own: not looked past
          { headers: { "x-app": "1" }, meta: { carrier: W3C_CARRIER } },
        ],
        { system: "kafka", destination: "jobs" },
        () => 0,
      );
      // An amqplib message under system "rabbitmq" delivered without headers: its body is its own.
      withBatchProcessSpan(
        [{ ...amqp({}), properties: {}, content: Buffer.from(JSON.stringify(W3C_CARRIER)) }],
        rabbit,
        () => 0,
      );
    });
    assert.deepEqual(told.processWarnings, []);
  });

  test("withBatchProcessSpan: headers its headersFrom returns that hold a context, or hold no carrier, or a whole message read through its own headers, say nothing", async () => {
    const kafka = { system: "kafka", destination: "jobs" } as const;
    const kafkaMessage = {
      key: null,
      value: Buffer.from(JSON.stringify(W3C_CARRIER)), // a carrier in its body: not its headers
      offset: "1",
      timestamp: "0",
      attributes: 0,
      headers: { "x-app": Buffer.from("1") },
    };
    const returned: unknown[] = [
      W3C_CARRIER,
      { ...W3C_CARRIER, meta: { carrier: DD_CARRIER } }, // a context of its own: no scan
      { "x-app": "1", note: "untraced" },
      kafkaMessage, // read through its headers, which hold none
      undefined,
      null,
      "text",
      new Map([["x-app", "1"]]), // a Map holding no carrier (one in an entry is said: map-entry-carrier.test.ts)
    ];
    const told = await recordWarnings(() =>
      withBatchProcessSpan(returned, { ...kafka, headersFrom: (m) => m }, () => 0),
    );
    assert.deepEqual(told.processWarnings, []);
  });

  test("a row whose traceContext holds none (null, undefined, {}) is looked past as one without it: the same warning", async () => {
    const holdsNone = " and its traceContext field holds none";
    const told = await recordWarnings(() => {
      withCarrier({ id: 2, traceContext: null, carrier: W3C_CARRIER }, "null column", () => 0);
      withCarrier({ id: 3, traceContext: null, carrier: W3C_CARRIER }, "null column", () => 0); // said once
      resetWarnings();
      withCarrier({ id: 4, traceContext: undefined, trace_ctx: JSON.stringify(W3C_CARRIER) }, "u", () => 0);
      resetWarnings();
      withCarrier({ id: 5, traceContext: {}, carrier: W3C_CARRIER }, "empty", () => 0);
      resetWarnings();
      traced({ name: "t" })((row: { id: number; traceContext: null; carrier: unknown }) => row.id)({
        id: 6,
        traceContext: null,
        carrier: W3C_CARRIER,
      });
      resetWarnings();
      withBatch([{ id: 7, traceContext: null, batchCarrier: W3C_CARRIER }], "batch", () => 0);
    });
    assert.deepEqual(told.processWarnings, [
      [CODE, message("carrier", "withCarrier", ".carrier", "[row]", holdsNone)],
      [CODE, message("trace_ctx", "withCarrier", ".trace_ctx", "[row]", holdsNone)],
      [CODE, message("carrier", "withCarrier", ".carrier", "[row]", holdsNone)],
      [CODE, message("carrier", "traced", ".carrier", "[row]", holdsNone)],
      [CODE, message("batchCarrier", "withBatch", ".batchCarrier", "[row]", holdsNone)],
    ]);
    const roots = exporter.getFinishedSpans().filter((s) => s.name === "null column");
    assert.equal(roots.length, 2);
    for (const root of roots) {
      assert.equal(parentIdOf(root), undefined);
      assert.notEqual(root.spanContext().traceId, W3C_TRACE_ID);
    }
  });

  test("a carrier as bytes (a BLOB or bytea column, a Buffer's JSON form) or stringified twice: the same warning, and the fix restores it", async () => {
    const text = JSON.stringify(DD_CARRIER);
    const shapes: [string, unknown][] = [
      ["Buffer", Buffer.from(text)],
      ["Uint8Array with a byte order mark", new TextEncoder().encode(`\uFEFF${text}`)],
      ["ArrayBuffer", new TextEncoder().encode(text).buffer],
      ["a Buffer's JSON form", JSON.parse(JSON.stringify(Buffer.from(text)))],
      ["JSON text stringified twice", JSON.stringify(text)],
      ["its bytes", Buffer.from(` ${JSON.stringify(` ${text}`)}`)],
      ["a Map", new Map(Object.entries(DD_CARRIER))],
      ["pretty-printed JSON text", JSON.stringify(DD_CARRIER, null, 4)],
      ["pretty-printed JSON text stringified twice", JSON.stringify(JSON.stringify(DD_CARRIER, null, "\t"))],
      ["an object in Title-Case", { "X-Datadog-Trace-Id": "7", "X-Datadog-Parent-Id": "8" }],
    ];
    for (const [shape, ctx] of shapes) {
      resetWarnings();
      exporter.reset();
      const told = await recordWarnings(() => withCarrier({ id: 1, ctx }, "row", () => 0));
      assert.deepEqual(told.processWarnings, [[CODE, message("ctx")]], shape);
      withCarrier(ctx, "fixed", () => 0);
      assert.equal(BigInt(`0x${finishedSpan("fixed").spanContext().traceId}`), 7n, shape);
    }
  });

  test("headers wrapped under traceContext (helpers that read headers never read that field): the same warning, whose fix restores them", async () => {
    let told = await recordWarnings(() =>
      withProcessSpan({ traceContext: W3C_CARRIER }, { ...rabbit, operationName: "p" }, () => 0),
    );
    assert.deepEqual(told.processWarnings, [[CODE, message("traceContext", "withProcessSpan")]]);
    const fixed = await recordWarnings(() =>
      withProcessSpan({ traceContext: W3C_CARRIER }.traceContext, { ...rabbit, operationName: "f" }, () => 0),
    );
    assert.deepEqual(fixed.processWarnings, []);
    assert.equal(parentIdOf(finishedSpan("f jobs")), W3C_PARENT_ID);
    resetWarnings();
    told = await recordWarnings(() =>
      withBatchProcessSpan(
        [amqp(W3C_CARRIER)],
        { ...rabbit, operationName: "b", headersFrom: (m) => ({ traceContext: m.properties.headers }) },
        () => 0,
      ),
    );
    assert.equal(finishedSpan("b jobs").links.length, 0);
    assert.deepEqual(told.processWarnings, [[CODE, fromHeadersFrom("traceContext")]]);
    // A row's traceContext holding a carrier is still the right field: nothing said.
    resetWarnings();
    told = await recordWarnings(() =>
      withCarrier({ traceContext: { traceparent: "garbage" }, carrier: W3C_CARRIER }, "row", () => 0),
    );
    assert.deepEqual(
      told.processWarnings.map(([code]) => code),
      [REJECTED],
    );
  });

  test("a carrier two levels down, under the headers, traceContext or userProperties field of a field: named by its path, with the fix that restores it", async () => {
    const holdsNone = " and its traceContext field holds none";
    const mqttPacket = { cmd: "publish", topic: "jobs", properties: { userProperties: { ...DD_CARRIER } } };
    const cases: [string, () => unknown, string][] = [
      [
        "headers wrapped under traceContext",
        () => withProcessSpan({ traceContext: { headers: W3C_CARRIER } }, rabbit, () => 0),
        message("traceContext.headers", "withProcessSpan", ".traceContext.headers"),
      ],
      [
        "a payload's headers",
        () => withProcessSpan({ id: "m-1", payload: { headers: W3C_CARRIER } }, rabbit, () => 0),
        message("payload.headers", "withProcessSpan", ".payload.headers"),
      ],
      [
        "a row holding another row in traceContext",
        () => withCarrier({ id: 1, traceContext: { id: 2, traceContext: W3C_CARRIER } }, "row", () => 0),
        message("traceContext.traceContext", "withCarrier", ".traceContext.traceContext", "[row]", holdsNone),
      ],
      [
        "a row's envelope, with its createdAt",
        () =>
          withCarrier({ ...outbox, carrier: undefined, envelope: { headers: DD_CARRIER } }, "row", () => 0),
        message("envelope.headers", "withCarrierOfRow", ".envelope.headers"),
      ],
      [
        "an MQTT packet's user properties",
        () => withCarrier(mqttPacket, "row", () => 0),
        message("properties.userProperties", "withCarrier", ".properties.userProperties"),
      ],
      [
        "a name that needs brackets",
        () => withCarrier({ id: 1, "x-meta": { headers: JSON.stringify(W3C_CARRIER) } }, "row", () => 0),
        message("x-meta.headers", "withCarrier", '["x-meta"].headers'),
      ],
      [
        "withBatch",
        () => withBatch([{ id: 1, job: { traceContext: W3C_CARRIER } }], "batch", () => 0),
        message("job.traceContext", "withBatch", ".job.traceContext"),
      ],
      [
        "withBatchProcessSpan, the default headersFrom",
        () => withBatchProcessSpan([{ id: 1, envelope: { headers: W3C_CARRIER } }], rabbit, () => 0),
        fromDefaultHeadersFrom("envelope.headers", ".envelope.headers"),
      ],
      [
        "withBatchProcessSpan, its own headersFrom",
        () =>
          withBatchProcessSpan(
            [{ envelope: { headers: W3C_CARRIER } }],
            { ...rabbit, headersFrom: (m) => ({ wrapped: m.envelope }) },
            () => 0,
          ),
        fromHeadersFrom("wrapped.headers", ".wrapped.headers"),
      ],
    ];
    for (const [label, call, said] of cases) {
      resetWarnings();
      const told = await recordWarnings(call);
      assert.deepEqual(told.processWarnings, [[CODE, said]], label);
    }
    // The fixes restore: a carrier at the path named.
    exporter.reset();
    withProcessSpan({ traceContext: { headers: W3C_CARRIER } }.traceContext.headers, rabbit, () => 0);
    withCarrier(
      { id: 1, traceContext: { id: 2, traceContext: W3C_CARRIER } }.traceContext.traceContext,
      "f",
      () => 0,
    );
    withCarrier(mqttPacket.properties.userProperties, "mqtt", () => 0);
    assert.equal(parentIdOf(finishedSpan("process jobs")), W3C_PARENT_ID);
    assert.equal(parentIdOf(finishedSpan("f")), W3C_PARENT_ID);
    assert.equal(BigInt(`0x${finishedSpan("mqtt").spanContext().traceId}`), 7n);
  });

  test("a carrier one level down in the row's own traceContext, under any name (an old dd-trace-ot map nested by its writer): named by its path, with the fix that restores it", async () => {
    const holdsNone = " and its traceContext field holds none";
    // dd-trace-ot rows whose writer kept the TEXT_MAP under a key of its own in the JSON column.
    const ddOt = { "x-datadog-trace-id": "18446744073709551615", "x-datadog-parent-id": "9007199254740993" };
    const cases: [string, () => unknown, string][] = [
      [
        "a Datadog map under trace",
        () => withCarrier({ id: 1, traceContext: { trace: ddOt, note: "x" } }, "row", () => 0),
        message("traceContext.trace", "withCarrier", ".traceContext.trace", "[row]", holdsNone),
      ],
      [
        "JSON text under a name that needs brackets, with the row's createdAt",
        () =>
          withCarrier(
            { id: 1, createdAt: new Date(), traceContext: { "dd-context": JSON.stringify(W3C_CARRIER) } },
            "row",
            () => 0,
          ),
        message(
          "traceContext.dd-context",
          "withCarrierOfRow",
          '.traceContext["dd-context"]',
          "[row]",
          holdsNone,
        ),
      ],
      [
        "traced",
        () =>
          traced({ name: "t" })((row: { traceContext: unknown }) => row)({ traceContext: { carrier: ddOt } }),
        message("traceContext.carrier", "traced", ".traceContext.carrier", "[row]", holdsNone),
      ],
    ];
    for (const [label, call, said] of cases) {
      resetWarnings();
      const told = await recordWarnings(call);
      assert.deepEqual(told.processWarnings, [[CODE, said]], label);
    }
    // The fix restores the stored ids exactly.
    exporter.reset();
    withCarrier({ id: 1, traceContext: { trace: ddOt } }.traceContext.trace, "fixed", () => 0);
    const fixed = finishedSpan("fixed");
    assert.equal(fixed.spanContext().traceId, "0000000000000000ffffffffffffffff");
    assert.equal(parentIdOf(fixed), "0020000000000001");
  });

  test("a carrier one level down is named before one two levels down, whatever their order", async () => {
    const told = await recordWarnings(() =>
      withCarrier({ id: 1, envelope: { headers: DD_CARRIER }, carrier: W3C_CARRIER }, "row", () => 0),
    );
    assert.deepEqual(told.processWarnings, [[CODE, message("carrier")]]);
  });

  test("a row with a traceContext field of its own holding a traced relation (a Prisma include): silent; the relation's carrier is not the row's", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const customer = { id: 3, traceContext: { traceparent }, createdAt: new Date(0) };
    const told = await recordWarnings(() => {
      for (const own of [null, undefined, {}, "", { baggage: "k=v" }]) {
        const order = { id: 7, traceContext: own, createdAt: new Date(), customer };
        withCarrier(order, "ship", () => 1);
        traced({ name: "t" })((row: typeof order) => row.id)(order);
        withBatch([order], "batch", () => 0);
        withBatchItem(order, "item", () => 0);
        withSendSpan({ creationContext: order, system: "rabbitmq", destination: "jobs" }, () => 0);
        withProcessSpan(order, rabbit, () => 0);
        withBatchProcessSpan([order], rabbit, () => 0);
      }
    });
    assert.deepEqual(told.processWarnings, []);
    assert.equal(
      exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceparent.slice(3, 35)).length,
      0,
    );
    // Its own traceContext holding a row, and its wrappers' headers, are still looked into.
    resetWarnings();
    const wrapped = await recordWarnings(() =>
      withCarrier({ id: 7, traceContext: null, customer, envelope: { headers: W3C_CARRIER } }, "r", () => 0),
    );
    assert.deepEqual(wrapped.processWarnings, [
      [
        CODE,
        message(
          "envelope.headers",
          "withCarrier",
          ".envelope.headers",
          "[row]",
          " and its traceContext field holds none",
        ),
      ],
    ]);
  });

  test("two levels down, the capture time passed on is the one of the object holding the carrier: a wrapped row's own createdAt, the outer row's for its headers", async () => {
    const outer = new Date(1000);
    const cases: [string, () => unknown, string][] = [
      [
        "a row wrapped in an object of its own createdAt: the inner row's",
        () =>
          withCarrier(
            { createdAt: outer, job: { id: 2, traceContext: W3C_CARRIER, createdAt: new Date(0) } },
            "r",
            () => 0,
          ),
        "withCarrier(row.job.traceContext, ..., { capturedAt: row.job.createdAt })",
      ],
      [
        "traced: the same, through optionsFrom",
        () =>
          traced({ name: "t" })((_q: string, w: unknown) => w)("q", {
            createdAt: outer,
            job: { id: 2, traceContext: W3C_CARRIER, createdAt: new Date(0) },
          }),
        "traced({ carrierFrom: ([, row]) => row.job.traceContext, optionsFrom: ([, row]) => ({ capturedAt: row.job.createdAt }) })",
      ],
      [
        "withSendSpan, under a name that needs brackets",
        () =>
          withSendSpan(
            {
              creationContext: { "x-job": { id: 2, traceContext: W3C_CARRIER, createdAt: new Date(0) } },
              system: "rabbitmq",
              destination: "jobs",
            },
            () => 0,
          ),
        'withSendSpan({ creationContext: row["x-job"].traceContext, capturedAt: row["x-job"].createdAt, ... })',
      ],
      [
        "a wrapped row without a createdAt: none, never the outer one",
        () => withCarrier({ createdAt: outer, job: { id: 2, traceContext: W3C_CARRIER } }, "r", () => 0),
        "withCarrier(row.job.traceContext, ...)",
      ],
      [
        "headers in an envelope of the row: the row's",
        () =>
          withCarrier(
            { createdAt: outer, envelope: { headers: W3C_CARRIER, createdAt: new Date(0) } },
            "r",
            () => 0,
          ),
        "withCarrier(row.envelope.headers, ..., { capturedAt: row.createdAt })",
      ],
    ];
    for (const [label, call, fix] of cases) {
      resetWarnings();
      const told = await recordWarnings(call);
      assert.equal(told.processWarnings.length, 1, label);
      assert.ok(
        told.processWarnings[0]![1].endsWith(`Pass that field: ${fix}.`),
        `${label}: ${told.processWarnings[0]![1]}`,
      );
    }
  });

  test("one hostile field (a throwing getter, a proxy throwing in getOwnPropertyDescriptor alone) is skipped alone: a carrier in a later field is still named", async () => {
    const hostile = () =>
      new Proxy({} as Record<string, unknown>, {
        getOwnPropertyDescriptor: () => {
          throw new Error("hostile");
        },
      });
    const cases: [string, object, string][] = [
      [
        "a proxy looked into before the field holding headers",
        { id: 1, hostile: hostile(), payload: { headers: W3C_CARRIER } },
        message("payload.headers", "withCarrier", ".payload.headers"),
      ],
      [
        "a throwing getter before the carrier's field",
        {
          id: 1,
          get bad(): unknown {
            throw new Error("hostile");
          },
          carrier: W3C_CARRIER,
        },
        message("carrier"),
      ],
    ];
    for (const [label, row, said] of cases) {
      resetWarnings();
      const told = await recordWarnings(() => withCarrier(row, "r", () => 0));
      assert.deepEqual(told.processWarnings, [[CODE, said]], label);
    }
  });

  test("a field name longer than 64 characters is named by its start, and the fix never reads another field when pasted", async () => {
    const long = `x-${"a".repeat(63)}`; // 65 characters
    const exact = long.slice(0, 64);
    const cases: [string, object, string][] = [
      [
        "64 characters: quoted whole",
        { id: 1, [exact]: W3C_CARRIER },
        message(exact, "withCarrier", `[${JSON.stringify(exact)}]`),
      ],
      [
        "65 characters: its start, and a placeholder where its name goes",
        { id: 1, [long]: W3C_CARRIER },
        message(`${exact}…`, "withCarrier", "[<its full name>]"),
      ],
      [
        "an identifier of 65 characters: the same",
        { id: 1, [long.replace("-", "_")]: W3C_CARRIER },
        message(`${exact.replace("-", "_")}…`, "withCarrier", "[<its full name>]"),
      ],
      [
        "two levels down",
        { id: 1, [long]: { headers: W3C_CARRIER } },
        message(`${exact}….headers`, "withCarrier", "[<its full name>].headers"),
      ],
    ];
    for (const [label, row, said] of cases) {
      resetWarnings();
      const told = await recordWarnings(() => withCarrier(row, "r", () => 0));
      assert.deepEqual(told.processWarnings, [[CODE, said]], label);
    }
  });

  test("what the scan does not reach says nothing: three levels down, another name two levels down, a getter or an inherited field there, an array, the 17th object field", async () => {
    let reads = 0;
    const manyObjects: Record<string, unknown> = { id: 1 };
    for (let i = 0; i < 16; i++) manyObjects[`o${i}`] = { n: i };
    manyObjects.late = { headers: W3C_CARRIER };
    const told = await recordWarnings(() => {
      for (const row of [
        { id: 1, data: { meta: { headers: W3C_CARRIER } } },
        { id: 2, data: { carrier: W3C_CARRIER } },
        {
          id: 3,
          payload: {
            get headers(): unknown {
              reads++;
              return W3C_CARRIER;
            },
          },
        },
        { id: 4, payload: Object.create({ headers: W3C_CARRIER }) as object },
        { id: 5, list: [{ headers: W3C_CARRIER }] },
        manyObjects,
      ]) {
        withCarrier(row, "row", () => 0);
        withProcessSpan(row, rabbit, () => 0);
        withBatchProcessSpan([row], rabbit, () => 0);
      }
    });
    assert.deepEqual(told.processWarnings, []);
    assert.equal(reads, 0, "a getter two levels down is never called");
  });

  test("a header class read through get(name) (no iterator) in another field: a carrier when its fields give a span context", async () => {
    /** get/set/delete, its fields private, no iterator ("lookup"), filled with `fields`; keys() when `withKeys`. */
    class Filled extends LookUpHeaders {
      constructor(fields: Record<string, string>, withKeys: boolean) {
        super();
        for (const [name, value] of Object.entries(fields)) this.set(name, value);
        const names = Object.keys(fields);
        if (withKeys) Object.defineProperty(this, "keys", { value: () => names.values() });
      }
    }
    for (const withKeys of [true, false]) {
      resetWarnings();
      let told = await recordWarnings(() =>
        withCarrier({ id: 1, ctx: new Filled(DD_CARRIER, withKeys) }, "row", () => 0),
      );
      assert.deepEqual(told.processWarnings, [[CODE, message("ctx")]], `keys: ${withKeys}`);
      resetWarnings();
      told = await recordWarnings(() =>
        withCarrier({ id: 1, ctx: new Filled({ baggage: "k=v" }, withKeys) }, "row", () => 0),
      );
      assert.deepEqual(told.processWarnings, [], `keys: ${withKeys}`);
    }
    // A row that is a proxy whose getPrototypeOf throws is still scanned (no prototype read).
    resetWarnings();
    const proxied = new Proxy(
      { id: 1, carrier: W3C_CARRIER },
      {
        getPrototypeOf() {
          throw new Error("no prototype");
        },
      },
    );
    const told = await recordWarnings(() => withCarrier(proxied, "row", () => 0));
    assert.deepEqual(told.processWarnings, [[CODE, message("carrier")]]);
    // The fix restores it: the reader reads that shape.
    const fixed = await recordWarnings(() =>
      withCarrier(new Filled(W3C_CARRIER as Record<string, string>, true), "fixed", () => 0),
    );
    assert.deepEqual(fixed.processWarnings, []);
    assert.equal(parentIdOf(finishedSpan("fixed")), W3C_PARENT_ID);
  });

  test("a Map or NATS headers object in another field: a carrier only when its fields give a span context, as an object's must", async () => {
    for (const make of [(f: Record<string, string>) => new Map(Object.entries(f)), msgHdrs]) {
      const restoringNothing: Record<string, string>[] = [
        { baggage: "k=v" },
        { traceparent: "garbage" },
        { "x-datadog-trace-id": "7" },
      ];
      for (const fields of restoringNothing) {
        resetWarnings();
        const told = await recordWarnings(() => withCarrier({ id: 1, ctx: make(fields) }, "row", () => 0));
        assert.deepEqual(told.processWarnings, [], JSON.stringify(fields));
      }
      resetWarnings();
      const told = await recordWarnings(() => withCarrier({ id: 1, ctx: make(DD_CARRIER) }, "row", () => 0));
      assert.deepEqual(told.processWarnings, [[CODE, message("ctx")]]);
    }
  });

  test("bytes or text the reader reads nothing from, or JSON text whose first key is no propagation field: nothing said", async () => {
    const text = JSON.stringify(DD_CARRIER);
    const told = await recordWarnings(() => {
      // Longer than MAX_CARRIER_TEXT_LENGTH (256 KiB): the reader ignores it, so does the check.
      withCarrier({ id: 1, ctx: Buffer.from(text + " ".repeat(256 * 1024)) }, "huge", () => 0);
      withCarrier({ id: 2, ctx: text + " ".repeat(256 * 1024) }, "huge text", () => 0);
      // Stringified three times: the reader parses twice only.
      withCarrier({ id: 3, ctx: JSON.stringify(JSON.stringify(text)) }, "thrice", () => 0);
      // JSON text past 4096 characters is judged from its first key alone: a propagation field after
      // another is not looked at.
      withCarrier({ id: 4, ctx: Buffer.from(`{"a":"${"x".repeat(5000)}",${text.slice(1)}`) }, "far", () => 0);
      withCarrier({ id: 4, ctx: `{"a":"${"x".repeat(5000)}",${text.slice(1)}` }, "far text", () => 0);
      // A first key with an escape, or longer than any propagation name the check reads (256).
      withCarrier({ id: 4, ctx: `{"\\u0074raceparent":"x"}` }, "escaped", () => 0);
      withCarrier({ id: 4, ctx: `{"ot-baggage-${"k".repeat(300)}":"v"}` }, "long key", () => 0);
      // A Buffer's JSON form with a non-byte: the reader reads nothing.
      withCarrier({ id: 5, ctx: { type: "Buffer", data: [...Buffer.from(text), 256] } }, "bad json", () => 0);
      withCarrier({ id: 6, ctx: { type: "Buffer", data: [-1, ...Buffer.from(text)] } }, "bad byte", () => 0);
      // Bytes of other JSON or text, and a quoted text that is no carrier.
      withCarrier(
        { id: 7, ctx: Buffer.from('{"a":1}'), note: JSON.stringify("traceparent") },
        "other",
        () => 0,
      );
      // A traceContext holding a bad carrier as bytes is the right field: nothing said of the other.
      withCarrier(
        { id: 8, traceContext: Buffer.from('{"traceparent":"bad"}'), ctx: DD_CARRIER },
        "bad",
        () => 0,
      );
    });
    assert.deepEqual(
      told.processWarnings.map(([code]) => code),
      [REJECTED],
    );
    assert.equal(told.diagWarnings.length, 1); // TRACEHOP_CARRIER_REJECTED's
  });

  test("tables without a carrier whose columns use a header's name for something else: nothing said", async () => {
    const told = await recordWarnings(() => {
      for (const row of [
        { id: 1, nutrients: { b3: 12, c: 90 } },
        { id: 2, format: { B3: "353 x 500 mm" } },
        { id: 3, booking: { baggage: "2 bags", tracestate: "none" } },
        { id: 4, meta: '{"b3":"niacin"}' },
        { id: 5, meta: Buffer.from('{"traceparent":"not a traceparent"}') },
        { id: 6, ids: { "x-datadog-trace-id": "order-17" } },
        // A trace id alone restores no context: a fix naming the field would restore nothing either.
        { id: 7, ids: { "x-datadog-trace-id": "17" } },
        { id: 8, ids: { "X-Datadog-Trace-Id": "12345678901234" } },
        { id: 9, q: { "x-b3-traceid": "a".repeat(32) } },
        { id: 10, meta: '{"x-datadog-trace-id":"17"}' },
        { id: 11, tp: { traceparent: `00-${"a".repeat(32)}-${"0".repeat(16)}-01` } },
      ])
        withCarrier(row, "row", () => 0);
    });
    assert.deepEqual(told.processWarnings, []);
    // A carrier after another key in short JSON text is one the reader restores: said.
    const later = await recordWarnings(() =>
      withCarrier({ id: 7, ctx: `{"id":1,${JSON.stringify(DD_CARRIER).slice(1)}` }, "later", () => 0),
    );
    assert.deepEqual(later.processWarnings, [[CODE, message("ctx")]]);
  });

  test("a traceContext getter is not read a second time to decide: nothing said", async () => {
    let reads = 0;
    const row = {
      id: 1,
      carrier: W3C_CARRIER,
      get traceContext(): unknown {
        reads++;
        return null;
      },
    };
    const told = await recordWarnings(() => withCarrier(row, "getter", () => 0));
    assert.equal(reads, 1);
    assert.deepEqual(told.processWarnings, []);
  });

  test("no warning: a row whose traceContext is found or holds a bad carrier, a bad carrier of its own, rows without a carrier", async () => {
    const told = await recordWarnings(() => {
      withCarrier({ id: 1, traceContext: W3C_CARRIER, carrier: W3C_CARRIER }, "found", () => 0);
      withCarrier(
        { id: 2, traceContext: { traceparent: "garbage" }, carrier: W3C_CARRIER },
        "bad own",
        () => 0,
      );
      withCarrier(
        { id: 2, traceContext: '{"traceparent":"garbage"}', carrier: W3C_CARRIER },
        "bad text",
        () => 0,
      );
      withCarrier({ traceparent: "garbage", carrier: W3C_CARRIER }, "bad carrier", () => 0);
      withCarrier({ id: 3, text: "a { b } with traceparent inside", data: { a: 1 } }, "plain", () => 0);
      withCarrier({ id: 4, text: `${"x".repeat(5000)}{"traceparent":"00-..."}` }, "long text", () => 0);
      withCarrier([W3C_CARRIER], "array", () => 0);
      traced({ name: "t" })((o: { a: number }) => o.a)({ a: 1 });
    });
    // The bad carrier of the right field is said as refused (TRACEHOP_CARRIER_REJECTED, once), never as
    // one in another field.
    assert.deepEqual(
      told.processWarnings.map(([code]) => code),
      [REJECTED],
    );
    assert.equal(told.diagWarnings.length, 1); // TRACEHOP_CARRIER_REJECTED's
    assert.equal(finishedSpan("found").spanContext().traceId, W3C_TRACE_ID);
  });
});

describe("the helper the warning names is the one the user called", () => {
  const row = { id: 1, carrier: W3C_CARRIER };
  const kafka = { system: "kafka", destination: "jobs" } as const;
  /** An amqplib message handed whole under system "kafka": its headers sit one level further down. */
  const amqpMessage = amqp(W3C_CARRIER);
  // [the helper called, a call of it handing a carrier in another field, the test's title]
  const calls: [string, () => unknown, string?][] = [
    ["withCarrier", () => withCarrier(row, "job", () => 1)],
    ["traced", () => traced({ name: "t" })((job: typeof row) => job.id)(row)],
    ["withBatch", () => withBatch([row], "batch", () => 1)],
    [
      "withBatch",
      () => withBatch([{ row }], "batch", () => 1, { carrierFrom: (m) => m.row }),
      "withBatch with a carrierFrom",
    ],
    ["withBatchItem", () => withBatchItem(row, "item", () => 1)],
    ["withSendSpan", () => withSendSpan({ ...kafka, creationContext: row }, () => 1)],
    ["withProcessSpan", () => withProcessSpan({ headers: W3C_CARRIER }, kafka, () => 1)],
    [
      "withProcessSpan",
      () => withProcessSpan(amqpMessage, kafka, () => 1),
      "withProcessSpan given an amqplib message",
    ],
    [
      "withBatchProcessSpan",
      () => withBatchProcessSpan([amqpMessage], kafka, () => 1),
      "withBatchProcessSpan given amqplib messages",
    ],
    [
      "withBatchProcessSpan",
      () =>
        withBatchProcessSpan(
          [{ meta: { headers: W3C_CARRIER } }],
          { ...kafka, headersFrom: (m) => m.meta },
          () => 1,
        ),
      "withBatchProcessSpan with a headersFrom",
    ],
    [
      "withBatchProcessSpan",
      () => withBatchProcessSpan([{ id: 1, traceContext: W3C_CARRIER }], kafka, () => 1),
      "withBatchProcessSpan given rows (the default headersFrom)",
    ],
  ];
  for (const [helper, call, title = helper] of calls)
    test(`${title}: the warning names ${helper}`, async () => {
      const told = await recordWarnings(call);
      assert.deepEqual(helpersNamed(told.processWarnings), [[CODE, `tracehop ${helper}`]]);
    });

  const fails = (): never => {
    throw new Error("no carrier");
  };
  // TRACEHOP_CARRIER_FROM_FAILED: [the helper called, a call of it whose own carrier picker throws]
  const pickers: [string, () => unknown][] = [
    ["traced", () => traced({ name: "t", carrierFrom: fails })(() => 1)()],
    ["withBatch", () => withBatch([row], "batch", () => 1, { carrierFrom: fails })],
    ["withBatchProcessSpan", () => withBatchProcessSpan([row], { ...kafka, headersFrom: fails }, () => 1)],
  ];
  for (const [helper, call] of pickers)
    test(`${helper}: a throwing carrier picker's warning names ${helper}`, async () => {
      const told = await recordWarnings(call);
      assert.deepEqual(helpersNamed(told.processWarnings), [
        ["TRACEHOP_CARRIER_FROM_FAILED", `tracehop ${helper}`],
      ]);
    });
});

describe("the cost of the scan on rows restored without a context", () => {
  /** A proxy over `target` counting every trap called on it, by trap name. */
  const counted = (target: object) => {
    const traps: Record<string, number> = {};
    const count = (name: string) => (traps[name] = (traps[name] ?? 0) + 1);
    const proxy = new Proxy(target, {
      get: (t, k, r) => (count("get"), Reflect.get(t, k, r)),
      has: (t, k) => (count("has"), Reflect.has(t, k)),
      ownKeys: (t) => (count("ownKeys"), Reflect.ownKeys(t)),
      getOwnPropertyDescriptor: (t, k) => (
        count("getOwnPropertyDescriptor"),
        Reflect.getOwnPropertyDescriptor(t, k)
      ),
      getPrototypeOf: (t) => (count("getPrototypeOf"), Reflect.getPrototypeOf(t)),
    });
    const total = () => Object.values(traps).reduce((a, b) => a + b, 0);
    return { proxy, traps, total };
  };
  /** A JSON column's value of `size` keys: what a large document column holds. */
  const bigDocument = (size: number, extra: Record<string, string> = {}) => {
    const doc: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) doc[`k${i}`] = i;
    return Object.assign(doc, extra);
  };

  test("a large JSON column is looked up by name, never listed: a bounded number of reads whatever its size", async () => {
    const doc = counted(bigDocument(100_000));
    const told = await recordWarnings(() =>
      withCarrier({ id: 1, traceContext: {}, doc: doc.proxy }, "r", () => 0),
    );
    assert.deepEqual(told.processWarnings, []);
    assert.equal(doc.traps.ownKeys, undefined); // its keys are never listed
    assert.ok(doc.total() < 100, `${doc.total()} traps`);
  });

  test("a carrier in a large object is found by name, in lower, Title or upper case, wherever its key is", async () => {
    const carriers: Record<string, string>[] = [
      { traceparent: W3C_CARRIER.traceparent },
      { Traceparent: W3C_CARRIER.traceparent },
      { "X-DATADOG-TRACE-ID": "7", "X-DATADOG-PARENT-ID": "8" },
      { "X-B3-TraceId": "0af7651916cd43dd8448eb211c80319c", "X-B3-SpanId": "b7ad6b7169203331" },
    ];
    for (const carrier of carriers) {
      resetWarnings();
      const told = await recordWarnings(() =>
        withCarrier({ id: 1, traceContext: null, doc: bigDocument(1000, carrier) }, "r", () => 0),
      );
      const holdsNone = " and its traceContext field holds none";
      assert.deepEqual(told.processWarnings, [
        [CODE, message("doc", "withCarrier", ".doc", "[row]", holdsNone)],
      ]);
    }
  });

  test("a carrier whose names are in another mixed case is seen: as the reader reads them, in a carrier's text or bytes; by its usual spellings in an object", async () => {
    // The reader takes names in any case, so each of these restores when passed (the fix). An object's
    // fields are looked up by name (never listed: a large JSON column), in lower case, Title-Case, upper
    // case and each word capitalised (`TraceParent`); text and bytes are parsed (a few KB at most) and
    // read in any case.
    const mixed = { id: 9, "X-DataDog-Trace-Id": "7", "X-DataDog-Parent-Id": "8" };
    const docs: [string, unknown, string][] = [
      ["an object, each word capitalised", { id: 9, TraceParent: W3C_CARRIER.traceparent }, W3C_TRACE_ID],
      ["JSON text, another mixed case", JSON.stringify(mixed), "7".padStart(32, "0")],
      ["its bytes", Buffer.from(JSON.stringify(mixed)), "7".padStart(32, "0")],
      ["text stringified twice", JSON.stringify(JSON.stringify(mixed)), "7".padStart(32, "0")],
    ];
    for (const [label, doc, traceId] of docs) {
      resetWarnings();
      const told = await recordWarnings(() => withCarrier({ id: 1, traceContext: null, doc }, "r", () => 0));
      const holdsNone = " and its traceContext field holds none";
      assert.deepEqual(
        told.processWarnings,
        [[CODE, message("doc", "withCarrier", ".doc", "[row]", holdsNone)]],
        label,
      );
      exporter.reset();
      withCarrier(doc, "fixed", () => 0);
      assert.equal(finishedSpan("fixed").spanContext().traceId, traceId, label);
    }
  });

  test("two levels down, fields are looked up by name: a large object in a field is never listed, and no more than 16 object fields are looked into", async () => {
    const doc = counted(bigDocument(100_000));
    /** An object recording each own field asked of it, by any trap. */
    const asking = () => {
      const asked = new Set<string | symbol>();
      const proxy = new Proxy({ a: 1 } as Record<string, unknown>, {
        get: (t, k, r) => (asked.add(k), Reflect.get(t, k, r)),
        has: (t, k) => (asked.add(k), Reflect.has(t, k)),
        getOwnPropertyDescriptor: (t, k) => (asked.add(k), Reflect.getOwnPropertyDescriptor(t, k)),
      });
      return { proxy, asked };
    };
    const objects = Array.from({ length: 1000 }, asking);
    const row: Record<string, unknown> = { id: 1, doc: doc.proxy };
    objects.forEach((o, i) => (row[`o${i}`] = o.proxy));
    const told = await recordWarnings(() => {
      withCarrier(row, "r", () => 0);
      withProcessSpan(row, { system: "kafka", destination: "jobs" }, () => 0);
    });
    assert.deepEqual(told.processWarnings, []);
    assert.equal(doc.traps.ownKeys, undefined); // its keys are never listed
    assert.ok(doc.total() < 100, `${doc.total()} traps`);
    // The first 128 fields are judged at the first level (as before), 16 of them looked into at the second.
    const lookedInto = objects.filter((o) => o.asked.has("headers")).length;
    assert.equal(lookedInto, 15); // doc and o0..o14: 16
    // Fields past the first MAX_FIELDS_LOOKED_AT (id, doc, o0..o125) are never touched; the last judged is.
    const judged = MAX_FIELDS_LOOKED_AT - 2;
    assert.ok(objects[judged - 1]!.asked.size > 0);
    assert.equal(
      objects.slice(judged).reduce((n, o) => n + o.asked.size, 0),
      0,
    );
  });

  test("after 64 rows that hold nothing to say, a caller scans no more: no read of the row for it, and no warning later", async () => {
    const row = counted({ id: 1, traceContext: {}, note: "untraced" });
    const told = await recordWarnings(() => {
      for (let i = 0; i < 64; i++) withCarrier(row.proxy, "untraced", () => 0);
      // Each scan lists the row's fields (the restore itself never does) and reads its traceContext
      // descriptor: 64 times.
      const scanned = { ...row.traps };
      withCarrier(row.proxy, "untraced", () => 0);
      // The mistake in a later row of the same caller is no longer looked for; another caller's is.
      withCarrier(outbox, "relay", () => 0);
      traced({ name: "t" })((r: typeof outbox) => r.id)(outbox);
      return scanned;
    });
    assert.equal(told.result.ownKeys, 64);
    assert.equal(row.traps.ownKeys, 64);
    assert.equal(row.traps.getOwnPropertyDescriptor, told.result.getOwnPropertyDescriptor);
    assert.deepEqual(told.processWarnings, [[CODE, message("carrier", "tracedOfRow")]]);
  });

  test("withBatchProcessSpan: a message with a context costs no scan, nor does one whose headersFrom threw; after 64 messages that hold nothing to say, its headersFrom's results are scanned no more", async () => {
    const kafka = { system: "kafka", destination: "jobs" } as const;
    const traced = counted({ ...W3C_CARRIER });
    const untraced = counted({ "x-app": "1", note: "untraced" });
    const batch = (...returned: unknown[]) =>
      withBatchProcessSpan(
        returned,
        {
          ...kafka,
          headersFrom: (m) => {
            if (m === "throws") throw new Error("no headers");
            return m;
          },
        },
        () => 0,
      );
    /** The traps `proxied` saw while `fn` ran. */
    const seen = (proxied: ReturnType<typeof counted>, fn: () => void) => {
      const before = { ...proxied.traps };
      fn();
      return Object.fromEntries(Object.entries(proxied.traps).map(([k, n]) => [k, n - (before[k] ?? 0)]));
    };
    const told = await recordWarnings(() => {
      const tracedWhileScanning = seen(traced, () => batch(traced.proxy));
      // The headers of a message whose headersFrom threw are not the last ones returned: not scanned.
      const thenThrowing = seen(traced, () => batch(traced.proxy, "throws"));
      const firstUntraced = seen(untraced, () => batch(untraced.proxy));
      for (let i = 1; i < 64; i++) batch(untraced.proxy);
      const untracedAfter = seen(untraced, () => batch(untraced.proxy));
      const tracedAfter = seen(traced, () => batch(traced.proxy));
      // The mistake in a later message of the same caller is no longer looked for; another caller's is.
      batch({ meta: W3C_CARRIER });
      withProcessSpan({ headers: W3C_CARRIER }, kafka, () => 0);
      return { tracedWhileScanning, thenThrowing, tracedAfter, firstUntraced, untracedAfter };
    });
    const { tracedWhileScanning, thenThrowing, tracedAfter, firstUntraced, untracedAfter } = told.result;
    assert.deepEqual(thenThrowing, tracedWhileScanning);
    assert.deepEqual(tracedAfter, tracedWhileScanning);
    // The scan lists the headers' fields once more than the read does.
    assert.equal(firstUntraced.ownKeys, untracedAfter.ownKeys! + 1);
    assert.deepEqual(helpersNamed(told.processWarnings), [
      ["TRACEHOP_CARRIER_FROM_FAILED", "tracehop withBatchProcessSpan"],
      [CODE, "tracehop withProcessSpan"],
    ]);
  });

  test("withBatchProcessSpan with the default headersFrom: a message with headers (a context or none) is never listed, only read by name; one without is listed once, by the scan", async () => {
    const kafka = { system: "kafka", destination: "jobs" } as const;
    const traced = counted({ id: 1, headers: { ...W3C_CARRIER } });
    const untraced = counted({ id: 2, headers: {}, note: "untraced" });
    const row = counted({ id: 3, note: "no headers" });
    const told = await recordWarnings(() =>
      withBatchProcessSpan([traced.proxy, untraced.proxy, row.proxy], kafka, () => 0),
    );
    assert.deepEqual(told.processWarnings, []);
    // The shape test and the headers field read: `get` alone, as many for either.
    assert.deepEqual(Object.keys(traced.traps), ["get"]);
    assert.deepEqual(untraced.traps, traced.traps);
    assert.equal(row.traps.ownKeys, 1);
  });

  test("withBatchProcessSpan: fewer than 64 messages without anything to say: the next one's mistake is still said", async () => {
    const kafka = { system: "kafka", destination: "jobs" } as const;
    const messages: unknown[] = Array.from({ length: 63 }, (_, i) => ({ "x-app": String(i) }));
    messages.push({ meta: W3C_CARRIER });
    const told = await recordWarnings(() =>
      withBatchProcessSpan(messages, { ...kafka, headersFrom: (m) => m }, () => 0),
    );
    assert.deepEqual(told.processWarnings, [[CODE, fromHeadersFrom("meta")]]);
  });

  test("fewer than 64 rows without anything to say: the next one's mistake is still said", async () => {
    const told = await recordWarnings(() => {
      for (let i = 0; i < 63; i++) withCarrier({ id: i, traceContext: null, note: "x" }, "untraced", () => 0);
      withCarrier(outbox, "relay", () => 0);
    });
    assert.deepEqual(told.processWarnings, [[CODE, message("carrier", "withCarrierOfRow")]]);
  });
});

describe("said once per process per helper and field, up to a fixed number of warnings", () => {
  const kafka = { system: "kafka", destination: "jobs" } as const;
  const mqtt = { system: "mqtt", destination: "jobs" } as const;
  /** The warning of withProcessSpan handed an object whose field `field` holds the headers. */
  const processMessage = (field: string) => message(field, "withProcessSpan");
  /** Under system "mqtt", an object whose `userProperties` hold the carrier is an mqtt.js packet's
   * properties: the warning names the whole packet (which also shows `retain`), not the field. */
  const MQTT_PROPERTIES_HANDED =
    "tracehop withProcessSpan: it was handed an MQTT PUBLISH packet's properties (packet.properties), not its " +
    "user properties, and read no trace context: the context is in properties.userProperties. Hand it the " +
    'whole packet (the "message" event\'s third argument): withProcessSpan(packet, ...) reads its user ' +
    "properties and sees retain.";

  test("after `{ headers: msg.headers }`, a later withProcessSpan(packet.properties) holding userProperties is said too", async () => {
    const told = await recordWarnings(() => {
      withProcessSpan({ headers: W3C_CARRIER }, kafka, () => 0);
      withProcessSpan({ headers: W3C_CARRIER }, kafka, () => 0); // the same helper and field: said once
      withProcessSpan({ userProperties: { ...DD_CARRIER } }, mqtt, () => 0);
      withProcessSpan({ userProperties: { ...DD_CARRIER } }, mqtt, () => 0);
    });
    assert.deepEqual(told.processWarnings, [
      [CODE, processMessage("headers")],
      [CODE, MQTT_PROPERTIES_HANDED],
    ]);
  });

  test("the same field under another helper is said for that helper; another field of the same helper too", async () => {
    const told = await recordWarnings(() => {
      withCarrier({ id: 1, carrier: W3C_CARRIER }, "a", () => 0);
      withBatchItem({ id: 1, carrier: W3C_CARRIER }, "b", () => 0);
      withCarrier({ id: 2, carrier: W3C_CARRIER }, "c", () => 0); // said already for withCarrier
      withCarrier({ id: 3, ctx: W3C_CARRIER }, "d", () => 0);
    });
    assert.deepEqual(told.processWarnings, [
      [CODE, message("carrier")],
      [CODE, message("carrier", "withBatchItem")],
      [CODE, message("ctx")],
    ]);
  });

  test("a mistake said already, repeated on every message, does not use up the scans: a new one later is still said", async () => {
    const told = await recordWarnings(() => {
      for (let i = 0; i < 200; i++) withProcessSpan({ headers: W3C_CARRIER }, kafka, () => 0);
      withProcessSpan({ userProperties: { ...DD_CARRIER } }, mqtt, () => 0);
    });
    assert.deepEqual(told.processWarnings, [
      [CODE, processMessage("headers")],
      [CODE, MQTT_PROPERTIES_HANDED],
    ]);
  });

  test("at most 16 such warnings per process, whatever the field names (a hostile stream keeps no more), then no scan", async () => {
    const told = await recordWarnings(() => {
      for (let i = 0; i < 40; i++) withCarrier({ id: i, [`field${i}`]: W3C_CARRIER }, "row", () => 0);
      let listed = 0;
      // A row (a traceContext field, null): the restore reads its traceContext alone, only the scan lists it.
      const late = new Proxy({ id: 99, traceContext: null, other: W3C_CARRIER } as Record<string, unknown>, {
        ownKeys: (t) => (listed++, Reflect.ownKeys(t)),
      });
      withCarrier(late, "late", () => 0);
      return listed;
    });
    assert.deepEqual(
      told.processWarnings,
      Array.from({ length: 16 }, (_, i) => [CODE, message(`field${i}`)]),
    );
    assert.equal(told.result, 0, "past the cap, a row is not listed for the warning any more");
  });

  test("the other client's whole message said with the system to give: its headers' path is not said again, another mistake of that helper is", async () => {
    const told = await recordWarnings(() => {
      withProcessSpan(amqp({ ...W3C_CARRIER }), kafka, () => 0);
      withProcessSpan(amqp({ ...W3C_CARRIER }), kafka, () => 0);
      withProcessSpan({ headers: W3C_CARRIER }, kafka, () => 0);
    });
    assert.equal(told.processWarnings.length, 2, told.processWarnings.map(([, m]) => m).join("\n"));
    assert.match(told.processWarnings[0]![1], /given an amqplib message under system "kafka"/);
    assert.deepEqual(told.processWarnings[1], [CODE, processMessage("headers")]);
  });

  test("withBatchProcessSpan too: after the other client's message, a row with its carrier in another field is said", async () => {
    const told = await recordWarnings(() => {
      withBatchProcessSpan([amqp({ ...W3C_CARRIER })], kafka, () => 0);
      withBatchProcessSpan([amqp({ ...W3C_CARRIER })], kafka, () => 0);
      withBatchProcessSpan([{ id: 1, carrier: W3C_CARRIER }], kafka, () => 0);
    });
    assert.equal(told.processWarnings.length, 2, told.processWarnings.map(([, m]) => m).join("\n"));
    assert.match(told.processWarnings[0]![1], /given an amqplib message under system "kafka"/);
    assert.deepEqual(told.processWarnings[1], [CODE, fromDefaultHeadersFrom("carrier")]);
  });
});
