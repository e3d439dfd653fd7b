// A stored carrier that plainly holds a style's ids but is refused restores as a new trace; one whose
// x-datadog-tags is dropped with its _dd.p.tid restores a trace id without its upper half. Both were
// silent (only `tracehop inspect` explained them, trial t1): each restore helper now says so, once per
// process and kind — diag.warn and a process warning (TRACEHOP_CARRIER_REJECTED,
// TRACEHOP_TRACE_ID_TRUNCATED) — with inspect's reason, the fix, and `npx tracehop inspect`. A
// propagator's own extract (the HTTP path) says nothing.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { defaultTextMapGetter, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { CompositePropagator } from "@opentelemetry/core";
import { JaegerPropagator } from "@opentelemetry/propagator-jaeger";
import {
  contextFromCarrier,
  createPropagator,
  getDatadogContext,
  traced,
  withBatch,
  withBatchItem,
  withCarrier,
} from "../../src/index.js";
import {
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  withBatchProcessSpan,
  withProcessSpan,
} from "../../src/messaging/index.js";
import { assertSaidOnce, recordWarnings, resetWarnings, said } from "../support/warnings.js";
import { exporter, finishedSpan, parentIdOf } from "./tracing.js";

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});
afterEach(() => resetWarnings());

const REJECTED = "TRACEHOP_CARRIER_REJECTED";
const TRUNCATED = "TRACEHOP_TRACE_ID_TRUNCATED";
const INSPECT = "Run `npx tracehop inspect` on the row for the whole report.";

/** The headers each style's warning names. */
const HELD = {
  datadog: "x-datadog-* ids",
  tracecontext: "a traceparent",
  b3: "a b3 header",
  b3multi: "x-b3-* ids",
} as const;

/** How the warnings say to give a message's headers to inspect (in place of INSPECT: said once). */
const MESSAGE_INSPECT =
  "For the whole report, print the message's headers as JSON (values as strings) and run `npx tracehop inspect '<headers as JSON>'`.";

/**
 * The TRACEHOP_CARRIER_REJECTED text of `style` refusing message headers for `reason`: the fix against a
 * producer or bridge appending its own header when the reason is `repeated` values, else the producer's.
 */
const rejectedHeaders = (style: keyof typeof HELD, reason: string, repeated: boolean) =>
  `tracehop: message headers held ${HELD[style]} but restored no context, so its work started a new trace: ` +
  `the ${style} style refused it: ${reason}. ` +
  (repeated
    ? "Fix what sends these messages: write the propagation headers once per message, with withSendSpan or the " +
      "header writers (injectKafkaHeaders, injectAmqpHeaders, writeCarrierToHeaders), which replace the ones a " +
      "message already holds; a producer or bridge that appends its own beside them (two traceparents) breaks " +
      "the message's trace. "
    : "Fix the producer that writes this header (or a bridge that rewrites it): send what withSendSpan or the " +
      "header writers (injectKafkaHeaders, injectAmqpHeaders, writeCarrierToHeaders) write, unchanged. ") +
  `${MESSAGE_INSPECT} (Said once per process for the ${style} style.)`;

/** The TRACEHOP_CARRIER_REJECTED text of `style` refusing a carrier for `reason`. */
const rejected = (style: keyof typeof HELD, reason: string, also = "") =>
  `tracehop: a stored carrier held ${HELD[style]} but restored no context, so its work started a new trace: ` +
  `the ${style} style refused it: ${reason}${also}. Fix what writes these carriers: store what captureCarrier() ` +
  `(or the tracer's own inject) writes, unchanged. ${INSPECT} (Said once per process for the ${style} style.)`;

/** The TRACEHOP_TRACE_ID_TRUNCATED text of an x-datadog-tags dropped for `kind` (`reason`), restoring `traceId`. */
const truncated = (kind: string, reason: string, traceId: string, fix: string) =>
  `tracehop: a stored carrier restored its trace with a changed trace id: ${reason}; the trace is continued as ` +
  `${traceId}, the upper 64 bits of the stored 128-bit trace id lost: a traceparent written from here, and an ` +
  `OpenTelemetry backend, name another trace than the row's. Fix: ${fix}. ${INSPECT} ` +
  `(Said once per process for ${kind}.)`;

const IDS = { "x-datadog-trace-id": "12345678901234567890", "x-datadog-parent-id": "42" };
const NOT_DECIMAL = "is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)";
const LOW = "ab54a98ceb1f0ad2"; // 12345678901234567890 in hex
const TID = "640cfd8d00000000";

describe("TRACEHOP_CARRIER_REJECTED: the Datadog ids of a stored carrier refused", () => {
  const cases: [string, Record<string, string>, string][] = [
    [
      'sampling priority "1.0"',
      { ...IDS, "x-datadog-sampling-priority": "1.0" },
      'x-datadog-sampling-priority "1.0" is not an integer of at most 10 digits (not counting a sign and leading zeros)',
    ],
    [
      'trace id "+12345"',
      { ...IDS, "x-datadog-trace-id": "+12345" },
      `x-datadog-trace-id "+12345" ${NOT_DECIMAL}`,
    ],
    [
      'trace id " 12345"',
      { ...IDS, "x-datadog-trace-id": " 12345" },
      `x-datadog-trace-id " 12345" ${NOT_DECIMAL}`,
    ],
    [
      "a 24-character zero-padded trace id",
      { ...IDS, "x-datadog-trace-id": "000012345678901234567890" },
      `x-datadog-trace-id "000012345678901234567890" ${NOT_DECIMAL}`,
    ],
    [
      "no parent id",
      { "x-datadog-trace-id": "12345678901234567890" },
      "no x-datadog-parent-id header: a trace id without a parent id gives no context, as in dd-trace-js " +
        "(dd-trace-java and dd-trace-py accept it as parent 0, a trace without a parent span; " +
        'x-datadog-parent-id "0" is read so here too)',
    ],
    [
      'parent id "-1"',
      { ...IDS, "x-datadog-parent-id": "-1" },
      'x-datadog-parent-id "-1" is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)',
    ],
    [
      "a parent id alone",
      { "x-datadog-parent-id": "42" },
      "no x-datadog-trace-id header: x-datadog-parent-id alone names no trace",
    ],
  ];
  for (const [label, carrier, reason] of cases)
    test(`${label}: withCarrier starts a new trace and says why`, async () => {
      const told = await recordWarnings(() =>
        withCarrier({ id: 1, traceContext: carrier }, "job", () => undefined),
      );
      assert.equal(parentIdOf(finishedSpan("job")), undefined, "a new trace");
      assertSaidOnce(told, REJECTED, rejected("datadog", reason));
    });

  test("an id stored as JSON null is named as stored, not as missing", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier('{"x-datadog-trace-id": "12345678901234567890", "x-datadog-parent-id": null}'),
    );
    assertSaidOnce(
      told,
      REJECTED,
      rejected(
        "datadog",
        "x-datadog-parent-id is null, not a string: the carrier reader ignores it (`npx tracehop inspect` says why)",
      ),
    );
  });

  // A carrier built in code (not parsed from JSON) can hold any value: the reason names it by the shared
  // rule (describeValue), never by String(value), which wrote a function's whole source into the warning
  // and threw for one whose toString throws (the warning was then lost).
  const notJson: [label: string, value: () => unknown, named: string][] = [
    [
      "a function whose toString throws",
      () =>
        Object.assign(() => 1, {
          toString: () => {
            throw new Error("no");
          },
        }),
      "a function",
    ],
    ["a function with a long source", () => new Function(`return "${"s".repeat(5000)}";`), "a function"],
    [
      "a symbol with control characters",
      () => Symbol(`x\u001b[2J${"y".repeat(100)}`),
      `a symbol (Symbol(x\\u001b[2J${"y".repeat(28)}…)`,
    ],
    ["undefined", () => undefined, "undefined"],
  ];
  for (const [label, value, named] of notJson)
    test(`an id stored as ${label} is named by kind, not converted`, async () => {
      const told = await recordWarnings(() =>
        contextFromCarrier({ "x-datadog-trace-id": "12345678901234567890", "x-datadog-parent-id": value() }),
      );
      assertSaidOnce(
        told,
        REJECTED,
        rejected(
          "datadog",
          `x-datadog-parent-id is ${named}, not a string: the carrier reader ignores it (\`npx tracehop inspect\` says why)`,
        ),
      );
    });

  test("an id rounded past 2^53 is TRACEHOP_JSON_NUMBER_ID's alone", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier('{"x-datadog-trace-id": 12345678901234567890, "x-datadog-parent-id": "1"}'),
    );
    assert.deepEqual(
      told.processWarnings.map(([code]) => code),
      ["TRACEHOP_JSON_NUMBER_ID"],
    );
  });

  test("a malformed id whose text reads like the rounded-number reason is said: the warning decides by what the reader found, not by the reason's words", async () => {
    // The parent id was rounded (TRACEHOP_JSON_NUMBER_ID's); the trace id is text that is no id. The
    // reason, which quotes that text, held "is a JSON number beyond 2^53", and the refusal went unsaid.
    const told = await recordWarnings(() =>
      contextFromCarrier(
        '{"x-datadog-trace-id": "is a JSON number beyond 2^53", "x-datadog-parent-id": 12345678901234567890}',
      ),
    );
    assertSaidOnce(
      told,
      REJECTED,
      rejected("datadog", `x-datadog-trace-id "is a JSON number beyond 2^53" ${NOT_DECIMAL}`),
    );
  });

  test("a negative id stored as a JSON number, which TRACEHOP_JSON_NUMBER_ID does not cover, is said", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier('{"x-datadog-trace-id": -12345678901234567890, "x-datadog-parent-id": "1"}'),
    );
    assertSaidOnce(
      told,
      REJECTED,
      rejected(
        "datadog",
        "x-datadog-trace-id is a JSON number beyond 2^53, which JSON readers round: the carrier reader " +
          "ignores it (`npx tracehop inspect` says why)",
      ),
    );
  });

  test("an id stored as the JSON number 2^53 is said to be at 2^53, the number 2^53 + 1 is also read as", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier('{"x-datadog-trace-id": -9007199254740992, "x-datadog-parent-id": "1"}'),
    );
    assertSaidOnce(
      told,
      REJECTED,
      rejected(
        "datadog",
        "x-datadog-trace-id is the JSON number -9007199254740992, at 2^53 in magnitude, which JSON readers also " +
          "give for -9007199254740993: the carrier reader ignores it (`npx tracehop inspect` says why)",
      ),
    );
  });

  test("once per process and style: later rows, other reasons, say nothing more", async () => {
    const told = await recordWarnings(() => {
      for (let i = 0; i < 3; i++) contextFromCarrier({ ...IDS, "x-datadog-sampling-priority": `${i}.5` });
      contextFromCarrier({ ...IDS, "x-datadog-parent-id": "-1" });
    });
    assert.equal(said(told, REJECTED).length, 1);
    assert.match(said(told, REJECTED)[0]!, /x-datadog-sampling-priority "0\.5"/);
    assert.equal(told.diagWarnings.length, 1);
  });
});

describe("TRACEHOP_CARRIER_REJECTED: the W3C and B3 styles", () => {
  test("a broken traceparent: its rule, by section", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier({ traceparent: "00-0af7651916cd43dd8448eb211c80319C-b7ad6b7169203331-01" }),
    );
    assertSaidOnce(
      told,
      REJECTED,
      rejected(
        "tracecontext",
        'traceparent trace-id "0af7651916cd43dd8448eb211c80319C" has upper-case hex digits; trace-id is 32 ' +
          "lowercase hex digits, not all zero (W3C Trace Context §3.2.2.3)",
      ),
    );
  });

  test("a traceparent stored as a JSON object: said as that, never by the reader's marker for it", async () => {
    const told = await recordWarnings(() => contextFromCarrier({ traceparent: { version: "00" } }));
    assertSaidOnce(
      told,
      REJECTED,
      rejected(
        "tracecontext",
        "traceparent (a JSON object or array, read as an invalid value) is not version-traceid-parentid-flags " +
          "(W3C Trace Context §3.2.2)",
      ),
    );
  });

  test("a traceparent ending in CR LF or NBSP: the character named, escaped, as the parser reads the value", async () => {
    const TP = "00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1111111111111111-01";
    const OWS =
      "only spaces and tabs around a header value are ignored (optional white space, RFC 9110 §5.6.3); any " +
      "other character is part of the value, and breaks its grammar";
    const crlf = await recordWarnings(() => contextFromCarrier({ traceparent: `${TP}\r\n` }));
    assertSaidOnce(
      crlf,
      REJECTED,
      rejected(
        "tracecontext",
        `traceparent "${TP}\\r\\n" ends with U+000D (carriage return), U+000A (line feed): ${OWS}`,
      ),
    );
    resetWarnings();
    const nbsp = await recordWarnings(() => contextFromCarrier({ traceparent: `${TP}\u00a0` }));
    assertSaidOnce(
      nbsp,
      REJECTED,
      rejected("tracecontext", `traceparent "${TP}\\u00a0" ends with U+00A0 (no-break space): ${OWS}`),
    );
  });

  test("two styles refused: the first of the extract order is said, the other named", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier({ traceparent: "00-00-00-00", ...IDS, "x-datadog-parent-id": "x" }),
    );
    // The default extract order reads datadog first (docs/migration.md, "Configuration").
    assertSaidOnce(
      told,
      REJECTED,
      rejected(
        "datadog",
        'x-datadog-parent-id "x" is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)',
        " (the tracecontext style refused its headers too)",
      ),
    );
  });

  test("a style already said: the next one the carrier's order refused is said", async () => {
    const told = await recordWarnings(() => {
      contextFromCarrier({ traceparent: "junk" });
      contextFromCarrier({ traceparent: "junk", ...IDS, "x-datadog-parent-id": "x" });
      contextFromCarrier({ traceparent: "junk", ...IDS, "x-datadog-parent-id": "y" });
    });
    assert.deepEqual(said(told, REJECTED), [
      rejected(
        "tracecontext",
        'traceparent "junk" is not version-traceid-parentid-flags (W3C Trace Context §3.2.2)',
      ),
      rejected(
        "datadog",
        'x-datadog-parent-id "x" is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)',
        " (the tracecontext style refused its headers too)",
      ),
    ]);
  });

  test("a bad b3 header, and bad x-b3-* ids, when those styles are read", async () => {
    const b3 = createPropagator(["b3"]);
    const single = await recordWarnings(() =>
      contextFromCarrier({ b3: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-x" }, { propagator: b3 }),
    );
    assertSaidOnce(
      single,
      REJECTED,
      rejected(
        "b3",
        'b3 "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-x": its sampling state "x" is not 0 (deny), ' +
          "1 (accept) or d (debug; D is read as 1); a b3 header is {traceid}-{spanid}[-{sampled}[-{parentspanid}]] " +
          '(openzipkin/b3-propagation, "Single Header")',
      ),
    );
    const multi = await recordWarnings(() =>
      contextFromCarrier(
        { "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7" },
        { propagator: createPropagator(["b3multi"]) },
      ),
    );
    assertSaidOnce(
      multi,
      REJECTED,
      rejected("b3multi", "no x-b3-spanid header: x-b3-traceid alone names no parent span"),
    );
  });

  test("a b3 sampling state alone, no carrier, propagation turned off: nothing said", async () => {
    const told = await recordWarnings(() => {
      contextFromCarrier(
        { "x-datadog-trace-id": "1", "x-datadog-parent-id": "2" },
        { propagator: createPropagator("none") },
      );
      contextFromCarrier({ b3: "0" }, { propagator: createPropagator(["b3"]) });
      contextFromCarrier({ "x-b3-sampled": "1" }, { propagator: createPropagator(["b3multi"]) });
      withCarrier({ id: 1, traceContext: null }, "none", () => undefined);
      withCarrier({ id: 1, traceContext: {} }, "empty", () => undefined);
      contextFromCarrier({ baggage: "k=v" });
    });
    assert.deepEqual(told.processWarnings, []);
    assert.deepEqual(told.diagWarnings, []);
  });

  test("a style outside the extract order: not read, said with the order, where it comes from, and the order to use (old Datadog rows through a W3C-only createPropagator were lost silently)", async () => {
    const notRead = (held: string, them: string, order: string, style: string, from: string, fix: string) =>
      `tracehop: a stored carrier held ${held} but restored no context, so its work started a new trace: ` +
      `the propagator given does not read ${them}: its extract order is ${order} (${from}), without the ` +
      `${style} style. Fix: ${fix}; if these headers are to be ignored, nothing else is lost. ${INSPECT} ` +
      `(Said once per process for the ${style} style and an extract order without it.)`;
    const saved = process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT;
    let told;
    try {
      told = await recordWarnings(() => {
        const w3cOnly = createPropagator(["tracecontext", "baggage"]);
        assert.equal(trace.getSpanContext(contextFromCarrier(IDS, { propagator: w3cOnly })), undefined);
        contextFromCarrier(IDS, { propagator: w3cOnly }); // said once
        contextFromCarrier(
          { b3: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1" },
          { propagator: createPropagator() },
        );
        process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = "datadog";
        contextFromCarrier(
          { "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7", "x-b3-spanid": "e457b5a2e4d86bd1" },
          { propagator: createPropagator() },
        );
        process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = "datadog,b3multi";
        contextFromCarrier(
          { traceparent: "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01" },
          { propagator: createPropagator() },
        );
      });
    } finally {
      if (saved === undefined) delete process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT;
      else process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = saved;
    }
    assert.deepEqual(said(told, REJECTED), [
      notRead(
        HELD.datadog,
        "them",
        "tracecontext, baggage",
        "datadog",
        "the styles given to createPropagator",
        'add "datadog" to the styles given to createPropagator: createPropagator(["tracecontext", "baggage", "datadog"])',
      ),
      notRead(
        HELD.b3,
        "it",
        "datadog, tracecontext, baggage",
        "b3",
        "tracehop's default",
        'restore with a propagator that reads the b3 style: createPropagator(["datadog", "tracecontext", "baggage", "b3"])',
      ),
      notRead(
        HELD.b3multi,
        "them",
        "datadog",
        "b3multi",
        "set by DD_TRACE_PROPAGATION_STYLE_EXTRACT",
        "add b3multi to DD_TRACE_PROPAGATION_STYLE_EXTRACT (DD_TRACE_PROPAGATION_STYLE_EXTRACT=datadog,b3multi), " +
          'or pass the styles: createPropagator(["datadog", "b3multi"])',
      ),
      notRead(
        HELD.tracecontext,
        "it",
        "datadog, b3multi",
        "tracecontext",
        "set by DD_TRACE_PROPAGATION_STYLE_EXTRACT",
        "add tracecontext to DD_TRACE_PROPAGATION_STYLE_EXTRACT " +
          "(DD_TRACE_PROPAGATION_STYLE_EXTRACT=datadog,b3multi,tracecontext), or pass the styles: " +
          'createPropagator(["datadog", "b3multi", "tracecontext"])',
      ),
    ]);
  });

  test("a carrier holding only the headers of a format tracehop builds in no style for (Jaeger's uber-trace-id, X-Ray, OT trace): not read, said with the propagator that reads it (a Jaeger-only carrier started a new trace silently)", async () => {
    const JAEGER = { "uber-trace-id": "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1" };
    const notBuiltIn = (
      held: string,
      format: string,
      order: string,
      from: string,
      option: string,
      pkg: string,
    ) =>
      `tracehop: a stored carrier held ${held} but restored no context, so its work started a new trace: ` +
      `its headers are of the ${format} format, which tracehop builds in no style for, and the propagator ` +
      `given reads only its extract order, ${order} (${from}). Fix: to read them, give startTracing and the ` +
      `carrier functions the option propagator: ${option} (${pkg}); the style variables (OTEL_PROPAGATORS=${format}) ` +
      `do not add it to tracehop's propagator. If these headers are to be ignored, nothing else is lost. ` +
      `${INSPECT} (Said once per process for the ${format} format.)`;
    const told = await recordWarnings(() => {
      assert.equal(trace.getSpanContext(contextFromCarrier(JAEGER)), undefined);
      contextFromCarrier(JAEGER); // said once
      contextFromCarrier(
        { "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1" },
        { propagator: createPropagator(["tracecontext"]) },
      );
      contextFromCarrier({ "ot-tracer-traceid": "80f198ee56343ba8", "ot-tracer-spanid": "e457b5a2e4d86bd1" });
    });
    assert.deepEqual(said(told, REJECTED), [
      notBuiltIn(
        "a Jaeger uber-trace-id header",
        "jaeger",
        "datadog, tracecontext, baggage",
        "tracehop's default",
        "new CompositePropagator({ propagators: [createPropagator(), new JaegerPropagator()] })",
        "JaegerPropagator, @opentelemetry/propagator-jaeger",
      ),
      notBuiltIn(
        "an AWS X-Ray x-amzn-trace-id header",
        "xray",
        "tracecontext",
        "the styles given to createPropagator",
        'new CompositePropagator({ propagators: [createPropagator(["tracecontext"]), new AWSXRayPropagator()] })',
        "AWSXRayPropagator, @opentelemetry/propagator-aws-xray",
      ),
      notBuiltIn(
        "ot-tracer-* ids",
        "ottrace",
        "datadog, tracecontext, baggage",
        "tracehop's default",
        "new CompositePropagator({ propagators: [createPropagator(), new OTTracePropagator()] })",
        "OTTracePropagator, @opentelemetry/propagator-ot-trace",
      ),
    ]);
    assert.equal(told.diagWarnings.length, 3);
    // The fix it gives restores the trace (the real JaegerPropagator), and says nothing more.
    resetWarnings();
    const fixed = await recordWarnings(() =>
      trace.getSpanContext(
        contextFromCarrier(JAEGER, {
          propagator: new CompositePropagator({ propagators: [createPropagator(), new JaegerPropagator()] }),
        }),
      ),
    );
    assert.equal(fixed.result?.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.equal(fixed.result?.spanId, "00f067aa0ba902b7");
    assert.deepEqual(fixed.processWarnings, []);
    // Not said beside a style of the order that holds ids (its own warning is said), nor for an X-Ray
    // header without a parent (an ALB's: no context to restore), nor with propagation turned off.
    resetWarnings();
    const quiet = await recordWarnings(() => {
      contextFromCarrier({
        ...JAEGER,
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      });
      contextFromCarrier({ "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793" });
      contextFromCarrier(JAEGER, { propagator: createPropagator("none") });
    });
    assert.deepEqual(quiet.processWarnings, []);
    // Message headers (a kafkajs Buffer) are named as such.
    resetWarnings();
    const message = await recordWarnings(() =>
      contextFromKafkaHeaders({ "uber-trace-id": Buffer.from(JAEGER["uber-trace-id"]) }),
    );
    const [text] = said(message, REJECTED);
    assert.ok(text?.startsWith("tracehop: message headers held a Jaeger uber-trace-id header"), text);
    assert.ok(text.endsWith(`${MESSAGE_INSPECT} (Said once per process for the jaeger format.)`), text);
  });

  test("a b3 single header outside a DD_ variable's order is named as that variable spells it", async () => {
    const saved = process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT;
    let told;
    try {
      process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = "tracecontext";
      const propagator = createPropagator();
      told = await recordWarnings(() =>
        contextFromCarrier({ b3: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1" }, { propagator }),
      );
    } finally {
      if (saved === undefined) delete process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT;
      else process.env.DD_TRACE_PROPAGATION_STYLE_EXTRACT = saved;
    }
    const [message] = said(told, REJECTED);
    assert.ok(
      message?.includes(
        'Fix: add b3 single header to DD_TRACE_PROPAGATION_STYLE_EXTRACT (DD_TRACE_PROPAGATION_STYLE_EXTRACT=tracecontext,b3 single header), or pass the styles: createPropagator(["tracecontext", "b3"])',
      ),
      message,
    );
  });

  test("a baggage restored beside a refused traceparent still says the trace was lost", async () => {
    const told = await recordWarnings(() => contextFromCarrier({ baggage: "k=v", traceparent: "junk" }));
    assert.deepEqual(said(told, REJECTED), [
      rejected(
        "tracecontext",
        'traceparent "junk" is not version-traceid-parentid-flags (W3C Trace Context §3.2.2)',
      ),
    ]);
  });
});

describe("TRACEHOP_CARRIER_REJECTED: which entry points say it", () => {
  const BAD = { ...IDS, "x-datadog-sampling-priority": "1.0" };
  const REASON =
    'x-datadog-sampling-priority "1.0" is not an integer of at most 10 digits (not counting a sign and leading zeros)';
  const entryPoints: [string, () => unknown, "row" | "headers"][] = [
    ["contextFromCarrier", () => contextFromCarrier(BAD), "row"],
    ["contextFromCarrier of JSON text", () => contextFromCarrier(JSON.stringify(BAD)), "row"],
    ["withCarrier", () => withCarrier({ traceContext: BAD }, "w", () => undefined), "row"],
    [
      "traced",
      () => traced({ name: "t" })((_row: { traceContext: unknown }) => 1)({ traceContext: BAD }),
      "row",
    ],
    ["withBatch", () => withBatch([{ traceContext: BAD }], "b", () => undefined), "row"],
    ["withBatchItem", () => withBatchItem({ traceContext: BAD }, "i", () => undefined), "row"],
    [
      "withProcessSpan",
      () => withProcessSpan(BAD, { system: "kafka", destination: "q" }, () => undefined),
      "headers",
    ],
    [
      "withBatchProcessSpan",
      () => withBatchProcessSpan([{ headers: BAD }], { system: "kafka", destination: "q" }, () => undefined),
      "headers",
    ],
    ["contextFromKafkaHeaders", () => contextFromKafkaHeaders(BAD), "headers"],
    ["contextFromAmqpHeaders", () => contextFromAmqpHeaders(BAD), "headers"],
  ];
  for (const [name, run, from] of entryPoints)
    test(`${name} says it, of ${from === "row" ? "a stored carrier" : "message headers"}`, async () => {
      const told = await recordWarnings(run);
      assertSaidOnce(
        told,
        REJECTED,
        from === "row" ? rejected("datadog", REASON) : rejectedHeaders("datadog", REASON, false),
      );
    });

  // Trial t7: a bridge appended its traceparent to a message that had one (NATS, MQTT 5, Kafka, AMQP
  // headers), and the warning told the user to fix what stores rows.
  const TP1 = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const TP2 = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const TWO =
    `several different traceparent values: "${TP1}", "${TP2}" (a repeated traceparent is read only when every ` +
    "value is the same)";
  const messages: [string, () => unknown][] = [
    [
      "withProcessSpan, a Map of NATS-style headers",
      () =>
        withProcessSpan(
          new Map([["traceparent", [TP1, TP2]]]),
          { system: "nats", destination: "q" },
          () => 1,
        ),
    ],
    [
      "withProcessSpan, MQTT 5 user properties",
      () => withProcessSpan({ traceparent: [TP1, TP2] }, { system: "mqtt", destination: "t" }, () => 1),
    ],
    [
      "withBatchProcessSpan, kafkajs messages",
      () =>
        withBatchProcessSpan(
          [{ headers: { traceparent: [Buffer.from(TP1), Buffer.from(TP2)] } }],
          { system: "kafka", destination: "q" },
          () => 1,
        ),
    ],
    ["contextFromKafkaHeaders", () => contextFromKafkaHeaders({ traceparent: [TP1, TP2] })],
    ["contextFromAmqpHeaders", () => contextFromAmqpHeaders({ traceparent: [TP1, TP2] })],
  ];
  for (const [name, run] of messages)
    test(`${name} with two traceparents: said of message headers, with the sender's fix`, async () => {
      const told = await recordWarnings(run);
      assertSaidOnce(told, REJECTED, rejectedHeaders("tracecontext", TWO, true));
    });

  test("repeated traceparents that differ by a character no one sees: both quoted, escaped; OWS alone is no difference", async () => {
    const told = await recordWarnings(() =>
      contextFromKafkaHeaders({ traceparent: [` ${TP1}\t`, `${TP1}\u00a0`] }),
    );
    assertSaidOnce(
      told,
      REJECTED,
      rejectedHeaders(
        "tracecontext",
        `several different traceparent values: "${TP1}", "${TP1}\\u00a0" (a repeated traceparent is read only ` +
          "when every value is the same)",
        true,
      ),
    );
    // The same value with spaces and tabs around it: one traceparent, restored, nothing said.
    resetWarnings();
    const same = await recordWarnings(() => contextFromKafkaHeaders({ traceparent: [TP1, ` ${TP1}\t`] }));
    assert.equal(trace.getSpanContext(same.result)?.traceId, TP1.slice(3, 35));
    assert.deepEqual(said(same, REJECTED), []);
  });

  test("two traceparents joined with commas in one header value: split as the style splits them, the same reason as the array's; an empty part said (trial)", async () => {
    const JOINED =
      "(values joined with commas in one header are a repeated traceparent, read only when every value is the same)";
    const cases: [string, string][] = [
      [`${TP1},${TP2}`, `several different traceparent values: "${TP1}", "${TP2}" ${JOINED}`],
      [` ${TP1} ,\t${TP2}`, `several different traceparent values: "${TP1}", "${TP2}" ${JOINED}`],
      [`${TP1},${TP1}\u00a0`, `several different traceparent values: "${TP1}", "${TP1}\\u00a0" ${JOINED}`],
      [
        `${TP1},`,
        `traceparent "${TP1}," holds an empty value between or beside its commas: values joined with commas in one ` +
          "header are a repeated traceparent, read only when every value is the same, and an empty one differs from the others",
      ],
      // The same value joined is one traceparent: the reason is that value's.
      [
        `${TP1}\u00a0,${TP1}\u00a0`,
        `traceparent "${TP1}\\u00a0" ends with U+00A0 (no-break space): only spaces and tabs around a header value ` +
          "are ignored (optional white space, RFC 9110 §5.6.3); any other character is part of the value, and breaks its grammar",
      ],
    ];
    for (const [value, reason] of cases) {
      resetWarnings();
      const told = await recordWarnings(() => contextFromCarrier({ traceparent: value }));
      assert.equal(trace.getSpanContext(told.result), undefined, value);
      assertSaidOnce(told, REJECTED, rejected("tracecontext", reason));
    }
    // The same value joined restores, and nothing is said.
    resetWarnings();
    const same = await recordWarnings(() => contextFromCarrier({ traceparent: `${TP1}, ${TP1}` }));
    assert.equal(trace.getSpanContext(same.result)?.traceId, TP1.slice(3, 35));
    assert.deepEqual(said(same, REJECTED), []);
  });

  test("message headers refused for a malformed value (a trailing CR LF, a bad id) get the producer's fix, not the two-traceparents advice; joined traceparents get that advice; both say how to inspect the headers (trial)", async () => {
    const cases: [string, () => unknown, string, string, boolean][] = [
      [
        "a traceparent ending in CR LF",
        () => contextFromKafkaHeaders({ traceparent: `${TP1}\r\n` }),
        "tracecontext",
        `traceparent "${TP1}\\r\\n" ends with U+000D (carriage return), U+000A (line feed): only spaces and tabs ` +
          "around a header value are ignored (optional white space, RFC 9110 §5.6.3); any other character is part " +
          "of the value, and breaks its grammar",
        false,
      ],
      [
        "an all-zero parent id",
        () =>
          withProcessSpan(
            { traceparent: `${TP1.slice(0, 36)}0000000000000000-01` },
            { system: "nats", destination: "q" },
            () => 1,
          ),
        "tracecontext",
        "traceparent parent-id is all zeros; parent-id is 16 lowercase hex digits, not all zero (W3C Trace Context §3.2.2.4)",
        false,
      ],
      [
        // One value whose text holds the words of the repeated-values reasons: the old test of the reason's
        // text gave it the two-traceparents advice.
        "a malformed traceparent reading 'values joined with commas'",
        () => contextFromKafkaHeaders({ traceparent: "values joined with commas" }),
        "tracecontext",
        'traceparent "values joined with commas" is not version-traceid-parentid-flags (W3C Trace Context §3.2.2)',
        false,
      ],
      [
        "an x-datadog-parent-id of values joined with commas, the first no id",
        () => contextFromKafkaHeaders({ "x-datadog-trace-id": "1", "x-datadog-parent-id": "x,2" }),
        "datadog",
        'x-datadog-parent-id "x,2" (values joined with commas: the first is read, and none may be empty) is not an ' +
          "unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)",
        true,
      ],
      [
        "two traceparents joined with a comma",
        () => contextFromAmqpHeaders({ traceparent: `${TP1},${TP2}` }),
        "tracecontext",
        `several different traceparent values: "${TP1}", "${TP2}" (values joined with commas in one header are a ` +
          "repeated traceparent, read only when every value is the same)",
        true,
      ],
    ];
    for (const [, restore, style, reason, repeated] of cases) {
      resetWarnings();
      const told = await recordWarnings(restore);
      assertSaidOnce(told, REJECTED, rejectedHeaders(style as keyof typeof HELD, reason, repeated));
    }
  });

  test("a stored row with two traceparents keeps the row's wording", async () => {
    const told = await recordWarnings(() =>
      withCarrier({ traceContext: { traceparent: [TP1, TP2] } }, "w", () => undefined),
    );
    assertSaidOnce(told, REJECTED, rejected("tracecontext", TWO));
  });

  test("a propagator's own extract (the HTTP path) says nothing", async () => {
    const told = await recordWarnings(() => {
      const ctx = createPropagator().extract(ROOT_CONTEXT, BAD, defaultTextMapGetter);
      assert.equal(trace.getSpanContext(ctx), undefined);
      createPropagator().extract(
        ROOT_CONTEXT,
        { ...IDS, "x-datadog-tags": "_dd.p.tid=640CFD8D00000000" },
        defaultTextMapGetter,
      );
    });
    assert.deepEqual(told.processWarnings, []);
    assert.deepEqual(told.diagWarnings, []);
  });

  test("nothing under OTEL_SDK_DISABLED=true", async () => {
    process.env.OTEL_SDK_DISABLED = "true";
    try {
      const told = await recordWarnings(() => contextFromCarrier(BAD));
      assert.deepEqual(told.processWarnings, []);
    } finally {
      delete process.env.OTEL_SDK_DISABLED;
    }
  });
});

describe("TRACEHOP_CARRIER_REJECTED: hostile carriers", () => {
  test("control characters are escaped, a long value cut, the message bounded", async () => {
    const value = `00-\u202e\u0007\u2028${"x".repeat(5000)}`;
    const told = await recordWarnings(() => contextFromCarrier({ traceparent: value }));
    const [message] = said(told, REJECTED);
    assert.ok(message !== undefined);
    assert.ok(message.length < 1000, `${message.length} characters`);
    assert.match(message, /traceparent "00-\\u202e\\u0007\\u2028x+"… \(5006 characters\) is not version-/);
    // Printable ASCII only, but for the § and … the reasons write themselves.
    assert.ok(
      [...message].every((c) => (c >= " " && c <= "~") || c === "§" || c === "…"),
      message,
    );
  });

  test("a carrier whose getters or traps throw: the restore goes on, nothing thrown", async () => {
    const trap = new Proxy(
      { "x-datadog-trace-id": "1", "x-datadog-parent-id": "x" },
      {
        ownKeys: () => {
          throw new Error("trap");
        },
      },
    );
    const getter = Object.defineProperty({ "x-datadog-trace-id": "1" }, "x-datadog-parent-id", {
      enumerable: true,
      get: () => {
        throw new Error("getter");
      },
    });
    await recordWarnings(() => {
      assert.equal(trace.getSpanContext(contextFromCarrier(trap)), undefined);
      assert.equal(trace.getSpanContext(contextFromCarrier(getter)), undefined);
    });
  });
});

describe("TRACEHOP_TRACE_ID_TRUNCATED: the _dd.p.tid of a stored carrier dropped", () => {
  const restoredId = `0000000000000000${LOW}`;
  const TID_FIX =
    "store _dd.p.tid as 16 lower-case hex digits, as captureCarrier() (or the tracer's own inject) writes it";
  const cases: [string, string, string, string, string][] = [
    [
      "an upper-case _dd.p.tid",
      "_dd.p.tid=640CFD8D00000000",
      "malformed_tid",
      'x-datadog-tags: _dd.p.tid "640CFD8D00000000" is not 16 lower-case hex digits, so it is dropped and the other tags kept',
      TID_FIX,
    ],
    [
      "a short _dd.p.tid",
      "_dd.p.tid=640cfd8d,_dd.p.dm=-4",
      "malformed_tid",
      'x-datadog-tags: _dd.p.tid "640cfd8d" is not 16 lower-case hex digits, so it is dropped and the other tags kept',
      TID_FIX,
    ],
    [
      // Quoted with its length by the reason; the warning's own cut keeps that length (it counted
      // the reason's cut text, 81 characters).
      "a 300-character _dd.p.tid",
      `_dd.p.tid=${"a".repeat(300)}`,
      "malformed_tid",
      `x-datadog-tags: _dd.p.tid "${"a".repeat(64)}"… (300 characters) is not 16 lower-case hex digits, so it is dropped and the other tags kept`,
      TID_FIX,
    ],
    [
      "an x-datadog-tags over 512 characters",
      `_dd.p.tid=${TID},_dd.p.usr.id=${"a".repeat(500)}`,
      "extract_max_size",
      "x-datadog-tags dropped whole: 540 characters, over the limit of 512 (DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH " +
        "or tagsMaxLength, default 512; Datadog's tracers drop it whole too, never truncate it)",
      "raise DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH (createPropagator's tagsMaxLength) where these carriers are " +
        "restored, or propagate fewer _dd.p.* tags where they are written",
    ],
    [
      "a member that breaks the grammar",
      `_dd.p.tid=${TID},_dd.p.e=`,
      "decoding_error",
      "x-datadog-tags dropped whole: a member breaks the key=value grammar (an empty key, an empty value, no =, " +
        "a space in a key, or a character outside printable ASCII) " +
        '(docs/conformance.md, "Datadog propagation: where tracehop differs from dd-trace-js")',
      "store x-datadog-tags as captureCarrier() (or the tracer's own inject) writes it",
    ],
  ];
  for (const [label, tags, kind, reason, fix] of cases)
    test(`${label}: the trace is continued with another trace id, and that is said`, async () => {
      const told = await recordWarnings(() =>
        withCarrier({ traceContext: { ...IDS, "x-datadog-tags": tags } }, "job", () => undefined),
      );
      const span = finishedSpan("job");
      assert.equal(span.spanContext().traceId, restoredId);
      assert.equal(parentIdOf(span), "000000000000002a");
      assertSaidOnce(told, TRUNCATED, truncated(kind, reason, restoredId, fix));
      assert.deepEqual(said(told, REJECTED), []);
    });

  // It said "a stored carrier" and "the row's" of a consumed message's headers too.
  test("message headers are named as such, and the trace they lose as the message's; a row keeps its wording", async () => {
    const headers = { ...IDS, "x-datadog-tags": "_dd.p.tid=640CFD8D00000000" };
    const reason =
      'x-datadog-tags: _dd.p.tid "640CFD8D00000000" is not 16 lower-case hex digits, so it is dropped and the other tags kept';
    const fix =
      "store _dd.p.tid as 16 lower-case hex digits, as captureCarrier() (or the tracer's own inject) writes it";
    // The fix names the producer, not captureCarrier() (a row's writer).
    const messageFix =
      "send _dd.p.tid as 16 lower-case hex digits, as the producer's inject (withSendSpan, the header writers, or its tracer's) writes it";
    const fromMessage = truncated("malformed_tid", reason, restoredId, messageFix)
      .replace("a stored carrier restored its trace", "message headers restored their trace")
      .replace("of the stored 128-bit trace id", "of the 128-bit trace id they held")
      .replace("than the row's", "than the message's")
      .replace(INSPECT, MESSAGE_INSPECT);
    const told = await recordWarnings(() =>
      withProcessSpan(headers, { system: "kafka", destination: "q" }, () => undefined),
    );
    assertSaidOnce(told, TRUNCATED, fromMessage);
    for (const run of [
      () => contextFromKafkaHeaders(headers),
      () => contextFromAmqpHeaders(headers),
      () => withBatchProcessSpan([{ headers }], { system: "kafka", destination: "q" }, () => undefined),
    ]) {
      resetWarnings();
      assertSaidOnce(await recordWarnings(run), TRUNCATED, fromMessage);
    }
    resetWarnings();
    const row = await recordWarnings(() => withCarrier({ traceContext: headers }, "row", () => undefined));
    assertSaidOnce(row, TRUNCATED, truncated("malformed_tid", reason, restoredId, fix));
  });

  test("nothing lost, nothing said: a valid or all-zero tid, a bad _dd.p.dm alone, a traceparent's id", async () => {
    const told = await recordWarnings(() => {
      contextFromCarrier({ ...IDS, "x-datadog-tags": `_dd.p.tid=${TID}` });
      contextFromCarrier({ ...IDS, "x-datadog-tags": "_dd.p.tid=0000000000000000" });
      contextFromCarrier({ ...IDS, "x-datadog-tags": `_dd.p.tid=${TID},_dd.p.dm=4` });
      contextFromCarrier({ ...IDS, "x-datadog-tags": "_dd.p.dm=-4,_dd.p.e=" });
      contextFromCarrier({
        traceparent: `00-0000000000000000${LOW}-000000000000002a-01`,
        ...IDS,
        "x-datadog-tags": "_dd.p.tid=640CFD8D00000000",
      });
      contextFromCarrier(
        { ...IDS, "x-datadog-tags": `_dd.p.tid=${TID}` },
        { propagator: createPropagator(undefined, { tagsMaxLength: 0 }) },
      );
    });
    assert.deepEqual(told.processWarnings, []);
    assert.deepEqual(told.diagWarnings, []);
  });

  test("once per process and kind", async () => {
    const told = await recordWarnings(() => {
      contextFromCarrier({ ...IDS, "x-datadog-tags": "_dd.p.tid=640CFD8D00000000" });
      contextFromCarrier({ ...IDS, "x-datadog-tags": "_dd.p.tid=640cfd8d" });
      contextFromCarrier({ ...IDS, "x-datadog-tags": `_dd.p.tid=${TID},_dd.p.e=` });
    });
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [code, /for (\w+)\.\)$/.exec(message)?.[1]]),
      [
        [TRUNCATED, "malformed_tid"],
        [TRUNCATED, "decoding_error"],
      ],
    );
  });
});

// Trial t3: a field the carrier reader drops (a value over its 16384-character limit, an object where
// text belongs) held the ids or the tid, and nothing was said, or the wrong fix was.
describe("the carrier reader's own drops are said, with their rule", () => {
  const BIG = 1 << 20;
  const overLimit = (name: string, length: number) =>
    `${name} is ${length} characters, over the carrier reader's limit of 16384 characters for one value, so it is ignored`;

  test("a 1 MB traceparent alone: TRACEHOP_CARRIER_REJECTED names the reader's limit", async () => {
    const told = await recordWarnings(() => contextFromCarrier({ traceparent: "0".repeat(BIG) }));
    assertSaidOnce(told, REJECTED, rejected("tracecontext", overLimit("traceparent", BIG)));
  });

  test("both Datadog ids at 1 MB, in a lower-case carrier and in one the reader rebuilds", async () => {
    const big = "9".repeat(BIG);
    const told = await recordWarnings(() =>
      contextFromCarrier({ "x-datadog-trace-id": big, "x-datadog-parent-id": big }),
    );
    assertSaidOnce(told, REJECTED, rejected("datadog", overLimit("x-datadog-trace-id", BIG)));
    resetWarnings();
    const rebuilt = await recordWarnings(() =>
      contextFromCarrier({ "X-Datadog-Trace-Id": big, "X-Datadog-Parent-Id": big }),
    );
    assertSaidOnce(rebuilt, REJECTED, rejected("datadog", overLimit("x-datadog-trace-id", BIG)));
  });

  test("a 1 MB trace id beside a parent id: the rule broken, not a vague pointer", async () => {
    const told = await recordWarnings(() =>
      withCarrier(
        { traceContext: { ...IDS, "x-datadog-trace-id": "1".repeat(BIG) } },
        "job",
        () => undefined,
      ),
    );
    assertSaidOnce(told, REJECTED, rejected("datadog", overLimit("x-datadog-trace-id", BIG)));
  });

  test("a Buffer id over the limit is said in bytes", async () => {
    const told = await recordWarnings(() => contextFromCarrier({ traceparent: Buffer.alloc(20000, 0x30) }));
    assertSaidOnce(
      told,
      REJECTED,
      rejected(
        "tracecontext",
        "traceparent is 20000 bytes, over the carrier reader's limit of 16384 bytes for one value, so it is ignored",
      ),
    );
  });

  const restoredId = `0000000000000000${LOW}`;
  const READER_REASON = (length: number) =>
    `x-datadog-tags dropped whole: ${length} characters, over the carrier reader's limit of 16384 characters ` +
    "for one value, which no setting raises (tagsMaxLength and DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH apply within it)";
  const READER_FIX =
    "propagate fewer _dd.p.* tags where these carriers are written (Datadog's tracers write at most 512 " +
    "characters of them by default)";

  test("x-datadog-tags over the reader's limit: TRACEHOP_TRACE_ID_TRUNCATED, without the advice to raise a limit", async () => {
    const tags = `_dd.p.tid=${TID},_dd.p.x=${"a".repeat(20000)}`;
    const told = await recordWarnings(() =>
      withCarrier({ traceContext: { ...IDS, "x-datadog-tags": tags } }, "job", () => undefined),
    );
    assert.equal(finishedSpan("job").spanContext().traceId, restoredId);
    assertSaidOnce(
      told,
      TRUNCATED,
      truncated("reader_max_size", READER_REASON(tags.length), restoredId, READER_FIX),
    );
  });

  test("with tagsMaxLength 100000 and tags of 16385 characters, in a carrier the reader rebuilds", async () => {
    const tags = `_dd.p.tid=${TID},_dd.p.x=${"a".repeat(16350)}`;
    const told = await recordWarnings(() =>
      contextFromCarrier(
        {
          "X-Datadog-Trace-Id": IDS["x-datadog-trace-id"],
          "x-datadog-parent-id": "42",
          "x-datadog-tags": tags,
        },
        { propagator: createPropagator(undefined, { tagsMaxLength: 100000 }) },
      ),
    );
    assertSaidOnce(
      told,
      TRUNCATED,
      truncated("reader_max_size", READER_REASON(16385), restoredId, READER_FIX),
    );
  });

  test("x-datadog-tags stored as a JSON object holding a _dd.p.tid: said, with its fix", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier(JSON.stringify({ ...IDS, "x-datadog-tags": { "_dd.p.tid": TID } })),
    );
    assertSaidOnce(
      told,
      TRUNCATED,
      truncated(
        "not_text",
        "x-datadog-tags is a JSON object or an array inside an array, not text: the carrier reader reads it as " +
          "an invalid value, and the datadog style drops it whole, with the _dd.p.tid it holds",
        restoredId,
        "store x-datadog-tags as the text captureCarrier() (or the tracer's own inject) writes (_dd.p.tid=<16 lower-case hex digits>,...), not as an object",
      ),
    );
  });

  test("x-datadog-tags stored as an array holding its text and an object: said as not_text, the kind of every structure stored there", async () => {
    // The text beside the object holds the tid: the header read held it, and the warning said
    // decoding_error, "a member breaks the key=value grammar (... a character outside printable
    // ASCII)", of a header whose text the user wrote whole.
    for (const tags of [
      [`_dd.p.tid=${TID}`, { a: 1 }],
      [{ a: 1 }, `_dd.p.dm=-4,_dd.p.tid=${TID}`],
    ]) {
      resetWarnings();
      const told = await recordWarnings(() =>
        contextFromCarrier(JSON.stringify({ ...IDS, "x-datadog-tags": tags })),
      );
      assertSaidOnce(
        told,
        TRUNCATED,
        truncated(
          "not_text",
          "x-datadog-tags is an array holding a JSON object or an array beside its text, not text: the carrier " +
            "reader reads that value as an invalid one, and the datadog style drops the header whole, with the " +
            "_dd.p.tid its text holds",
          restoredId,
          "store x-datadog-tags as the text captureCarrier() (or the tracer's own inject) writes (_dd.p.tid=<16 lower-case hex digits>,...), not as an object",
        ),
      );
    }
  });

  test("nothing held, nothing said: tags stored as a boolean, an object without a tid, a long baggage; tags off", async () => {
    const told = await recordWarnings(() => {
      contextFromCarrier({ ...IDS, "x-datadog-tags": true });
      contextFromCarrier({ ...IDS, "x-datadog-tags": { "_dd.p.dm": "-4" } });
      contextFromCarrier({ ...IDS, baggage: `k=${"v".repeat(20000)}` });
      contextFromCarrier({ ...IDS, "x-datadog-tags": `_dd.p.dm=-4,_dd.p.x=${"a".repeat(20000)}` });
      contextFromCarrier(
        { ...IDS, "x-datadog-tags": `_dd.p.tid=${TID},_dd.p.x=${"a".repeat(20000)}` },
        { propagator: createPropagator(undefined, { tagsMaxLength: 0 }) },
      );
    });
    assert.deepEqual(told.processWarnings, []);
  });

  // Timing-free: its time (a 1 MiB value of repeated tid prefixes against the usual tags) is measured by the
  // benchmark's hostile-sizes section (bench/hostile.ts), not asserted here: tests assert values only.
  test("hostile: a 1 MB tags value of repeated tid prefixes is dropped whole, said once in a bounded line, never throws", async () => {
    const tags = "_dd.p.tid=".repeat(100000);
    let restored: Context | undefined;
    const told = await recordWarnings(() => {
      restored = contextFromCarrier({ ...IDS, "x-datadog-tags": tags });
    });
    assert.deepEqual(getDatadogContext(restored!)?.propagationTags ?? {}, {});
    const messages = said(told, TRUNCATED);
    assert.equal(messages.length, 1, "said once");
    assert.ok(messages[0]!.length < 1500, `${messages[0]!.length} characters`);
  });
});
