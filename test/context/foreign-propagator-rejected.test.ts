// A restore through a propagator that is not tracehop's own (the `propagator` option: @opentelemetry/api's
// global `propagation`, a CompositePropagator, @opentelemetry/core's W3CTraceContextPropagator, a user
// class) that found no context in a carrier holding a style's ids was silent: TRACEHOP_CARRIER_REJECTED
// was said only for a createPropagator() propagator, whose extract order names the styles that should have
// read the carrier (trial: a vendor-neutral team with its own NodeSDK, W3C only, restored old Datadog rows
// through `{ propagator: propagation }` and lost every trace without a word; `npx tracehop inspect`
// explained it). The warning now reads what any TextMapPropagator offers, `fields()`: a style whose id
// headers it does not name is one it does not read; one it names was refused, said with tracehop's own
// reading of the carrier.
import { after, afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { JaegerPropagator } from "@opentelemetry/propagator-jaeger";
import { contextFromCarrier, createPropagator, withCarrier } from "../../src/index.js";
import { withProcessSpan } from "../../src/messaging/index.js";
import { assertSaidOnce, recordWarnings, resetWarnings, said } from "../support/warnings.js";
import { exporter, finishedSpan, parentIdOf } from "./tracing.js";

// The trial's SDK: NodeSDK's default propagator, W3C trace context and baggage, registered globally.
propagation.setGlobalPropagator(
  new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
);
after(() => propagation.disable());

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});
afterEach(() => resetWarnings());

const REJECTED = "TRACEHOP_CARRIER_REJECTED";
const INSPECT = "Run `npx tracehop inspect` on the row for the whole report.";
/** The same pointer for a consumed message: how to give its headers to inspect. */
const MESSAGE_INSPECT =
  "For the whole report, print the message's headers as JSON (values as strings) and run `npx tracehop inspect '<headers as JSON>'`.";
const DATADOG_ROW = {
  "x-datadog-trace-id": "12345678901234567890",
  "x-datadog-parent-id": "42",
  "x-datadog-sampling-priority": "1",
};
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** The start of every TRACEHOP_CARRIER_REJECTED message, for a carrier from `origin` holding `held`. */
const lead = (held: string, origin: "row" | "message" = "row") =>
  `tracehop: ${origin === "row" ? "a stored carrier held" : "message headers held"} ${held} but restored ` +
  "no context, so its work started a new trace: ";

const DEFAULT_FIX =
  "pass { propagator: createPropagator() } (tracehop's default: it reads datadog, tracecontext and baggage)";
const SAID = (style: string) =>
  `(Said once per process for the ${style} style and a propagator not created by createPropagator.)`;
const ROW_FIX =
  "Fix what writes these carriers: store what captureCarrier() (or the tracer's own inject) writes, unchanged.";

/** A user's propagator that reads nothing (its extract returns the base) and names `fields` as its own. */
class RefusingPropagator implements TextMapPropagator {
  fieldsCalls = 0;
  constructor(private readonly names: () => unknown) {}
  inject(): void {}
  extract(context: Context, _carrier: unknown, _getter: TextMapGetter): Context {
    return context;
  }
  fields(): string[] {
    this.fieldsCalls++;
    return this.names() as string[];
  }
}

describe("TRACEHOP_CARRIER_REJECTED: a propagator that does not read the carrier's style", () => {
  test("the trial: x-datadog-* ids restored through the api's `propagation`, a registered W3C-only CompositePropagator", async () => {
    const told = await recordWarnings(() =>
      withCarrier(DATADOG_ROW, "job", () => undefined, { propagator: propagation }),
    );
    assert.equal(parentIdOf(finishedSpan("job")), undefined, "a new trace");
    assertSaidOnce(
      told,
      REJECTED,
      lead("x-datadog-* ids") +
        "the propagator given, @opentelemetry/api's propagation (the global one an SDK registers), does not " +
        "read them: its fields() are traceparent, tracestate, baggage, none of them x-datadog-trace-id or " +
        "x-datadog-parent-id. Fix: restore with a propagator that reads the datadog style: " +
        `${DEFAULT_FIX}, or add createPropagator("datadog") to the propagators your SDK registers (NodeSDK's ` +
        `textMapPropagator, a CompositePropagator). ${INSPECT} ${SAID("datadog")}`,
    );
  });

  test("a bare W3CTraceContextPropagator and a Datadog-only row", async () => {
    const told = await recordWarnings(() =>
      withCarrier({ id: 7, traceContext: DATADOG_ROW }, "job", () => undefined, {
        propagator: new W3CTraceContextPropagator(),
      }),
    );
    assert.equal(parentIdOf(finishedSpan("job")), undefined, "a new trace");
    assertSaidOnce(
      told,
      REJECTED,
      lead("x-datadog-* ids") +
        "the propagator given does not read them: its fields() are traceparent, tracestate, none of them " +
        "x-datadog-trace-id or x-datadog-parent-id. Fix: restore with a propagator that reads the datadog " +
        `style: ${DEFAULT_FIX}, or add createPropagator("datadog") beside yours in a CompositePropagator ` +
        `({ propagators: [yours, createPropagator("datadog")] }). ${INSPECT} ${SAID("datadog")}`,
    );
  });

  test("message headers keep the message wording; b3 ids name a propagator that reads b3", async () => {
    const told = await recordWarnings(() =>
      withProcessSpan(
        { b3: "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1" },
        { system: "kafka", destination: "q", propagator: new W3CTraceContextPropagator() },
        () => undefined,
      ),
    );
    assertSaidOnce(
      told,
      REJECTED,
      lead("a b3 header", "message") +
        "the propagator given does not read it: its fields() are traceparent, tracestate, none of them b3, " +
        "x-b3-traceid or x-b3-spanid. Fix: restore with a propagator that reads the b3 style: pass " +
        '{ propagator: createPropagator(["tracecontext", "baggage", "b3"]) }, or add createPropagator("b3") ' +
        'beside yours in a CompositePropagator ({ propagators: [yours, createPropagator("b3")] }). ' +
        `${MESSAGE_INSPECT} ${SAID("b3")}`,
    );
  });

  test("an api `propagation` with no propagator registered names none", async () => {
    propagation.disable();
    try {
      const told = await recordWarnings(() => contextFromCarrier(DATADOG_ROW, { propagator: propagation }));
      assert.match(
        said(told, REJECTED)[0] ?? "",
        /does not read them: its fields\(\) name no header \(no propagator is registered as the global one\)\. Fix: restore/,
      );
    } finally {
      propagation.setGlobalPropagator(
        new CompositePropagator({
          propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
        }),
      );
    }
  });

  test("once per process and style; fields() read only when nothing was restored, and not once said", async () => {
    const mine = new RefusingPropagator(() => ["traceparent"]);
    const told = await recordWarnings(() => {
      contextFromCarrier({}, { propagator: mine });
      contextFromCarrier({ baggage: "k=v" }, { propagator: mine });
      assert.equal(mine.fieldsCalls, 0, "no ids held: fields() not read");
      for (let i = 0; i < 3; i++) contextFromCarrier(DATADOG_ROW, { propagator: mine });
    });
    assert.equal(said(told, REJECTED).length, 1);
    assert.equal(mine.fieldsCalls, 1);
    const w3c = new W3CTraceContextPropagator();
    const fields = w3c.fields.bind(w3c);
    let calls = 0;
    w3c.fields = () => (calls++, fields());
    const restored = contextFromCarrier({ traceparent: TRACEPARENT }, { propagator: w3c });
    assert.equal(trace.getSpanContext(restored)?.traceId, TRACEPARENT.slice(3, 35));
    assert.equal(calls, 0, "a restored context: fields() not read");
  });

  test("fields() in any case reads the style: then it refused them", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier(DATADOG_ROW, {
        propagator: new RefusingPropagator(() => ["X-Datadog-Trace-Id", "X-Datadog-Parent-Id"]),
      }),
    );
    assert.match(
      said(told, REJECTED)[0] ?? "",
      /the propagator given reads them \(its fields\(\) are X-Datadog/,
    );
  });
});

describe("TRACEHOP_CARRIER_REJECTED: a propagator that reads the style and refused it", () => {
  test("an upper-case traceparent refused by W3CTraceContextPropagator: tracehop's rule, labelled as its own", async () => {
    const upper = "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01";
    const told = await recordWarnings(() =>
      contextFromCarrier({ traceparent: upper }, { propagator: new W3CTraceContextPropagator() }),
    );
    assertSaidOnce(
      told,
      REJECTED,
      lead("a traceparent") +
        "the propagator given reads it (its fields() are traceparent, tracestate) but restored no context " +
        'from it; by tracehop\'s rules: traceparent trace-id "0AF7651916CD43DD8448EB211C80319C" has upper-case ' +
        "hex digits; trace-id is 32 lowercase hex digits, not all zero (W3C Trace Context §3.2.2.3). " +
        `${ROW_FIX} ${INSPECT} ${SAID("tracecontext")}`,
    );
  });

  test("a carrier both styles could read, refused by the user's propagator: tracehop reads it", async () => {
    const mine = new RefusingPropagator(() => [
      "traceparent",
      "x-datadog-trace-id",
      "x-datadog-parent-id",
      "x-datadog-sampling-priority",
    ]);
    const told = await recordWarnings(() =>
      withCarrier({ traceContext: { ...DATADOG_ROW, traceparent: TRACEPARENT } }, "job", () => undefined, {
        propagator: mine,
      }),
    );
    assert.equal(parentIdOf(finishedSpan("job")), undefined, "a new trace");
    assertSaidOnce(
      told,
      REJECTED,
      lead("x-datadog-* ids") +
        "the propagator given reads them (its fields() are traceparent, x-datadog-trace-id, " +
        "x-datadog-parent-id, x-datadog-sampling-priority) but restored no context from them; by tracehop's " +
        "rules they are valid (tracehop's datadog style restores a context from them); the carrier held a " +
        "traceparent too, not restored either. Fix: find why the propagator given refuses them, or restore with " +
        `createPropagator(), which reads them. ${INSPECT} ${SAID("datadog")}`,
    );
  });

  test("fields() that throws, returns no array or is missing: no throw, the restore goes on, still said", async () => {
    const throwing = new RefusingPropagator(() => {
      throw new Error("boom");
    });
    const told = await recordWarnings(() => {
      const ctx = contextFromCarrier(DATADOG_ROW, { propagator: throwing });
      assert.equal(trace.getSpanContext(ctx), undefined);
      assert.equal(ctx, ROOT_CONTEXT);
    });
    assertSaidOnce(
      told,
      REJECTED,
      lead("x-datadog-* ids") +
        'the propagator given restored no context from them, and its fields() threw ("Error: boom"), so ' +
        "which headers it reads is unknown; by tracehop's rules they are valid (tracehop's datadog style " +
        "restores a context from them). Fix: restore with a propagator that reads the datadog style: " +
        `${DEFAULT_FIX}, or add createPropagator("datadog") beside yours in a CompositePropagator ` +
        `({ propagators: [yours, createPropagator("datadog")] }). ${INSPECT} ${SAID("datadog")}`,
    );
    for (const odd of [
      new RefusingPropagator(() => "traceparent"),
      new RefusingPropagator(() => [null, 42, { toString: () => "x-datadog-trace-id" }]),
      { inject() {}, extract: (c: Context) => c } as unknown as TextMapPropagator,
      new Proxy(new RefusingPropagator(() => []), {
        get: (target, key) => {
          if (key === "fields") throw new Error("trap");
          return Reflect.get(target, key) as unknown;
        },
      }),
    ]) {
      resetWarnings();
      const each = await recordWarnings(() => contextFromCarrier(DATADOG_ROW, { propagator: odd }));
      assert.equal(said(each, REJECTED).length, 1, String(said(each, REJECTED)));
    }
  });

  test("tracehop's own propagator inside a CompositePropagator: refused, with tracehop's reason", async () => {
    const composite = new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), createPropagator("datadog")],
    });
    const told = await recordWarnings(() =>
      contextFromCarrier({ ...DATADOG_ROW, "x-datadog-sampling-priority": "1.0" }, { propagator: composite }),
    );
    assert.match(
      said(told, REJECTED)[0] ?? "",
      /but restored no context from them; by tracehop's rules: x-datadog-sampling-priority "1\.0" is not an integer/,
    );
  });

  test("nothing said: a context restored, no ids held, a propagator's own extract", async () => {
    const told = await recordWarnings(() => {
      contextFromCarrier({ traceparent: TRACEPARENT, ...DATADOG_ROW }, { propagator: propagation });
      contextFromCarrier(null, { propagator: propagation });
      contextFromCarrier({ b3: "1" }, { propagator: propagation });
      propagation.extract(ROOT_CONTEXT, DATADOG_ROW);
    });
    assert.deepEqual(told.processWarnings, []);
    assert.deepEqual(told.diagWarnings, []);
  });
});

// A carrier holding only the trace headers of a format tracehop builds in no style for (Jaeger's
// uber-trace-id, AWS X-Ray, OT trace) was said only through a createPropagator one (its extract order
// names what it reads); through a propagator of the user's own that does not read the format, the work
// silently started a new trace. Said now from its fields(), as a style it does not read is, and not when
// its fields() name the format's header (it reads the format: the real JaegerPropagator).
describe("TRACEHOP_CARRIER_REJECTED: a format tracehop builds in no style for, through a propagator of your own", () => {
  const JAEGER = { "uber-trace-id": "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1" };
  const XRAY = {
    "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
  };
  const OTTRACE = { "ot-tracer-traceid": "80f198ee56343ba8", "ot-tracer-spanid": "e457b5a2e4d86bd1" };
  const FORMAT_SAID = (format: string) =>
    `(Said once per process for the ${format} format and a propagator not created by createPropagator.)`;

  test("a Jaeger-only row through the api's `propagation` (a W3C-only SDK): said once, with the propagator that reads it", async () => {
    const told = await recordWarnings(async () => {
      await withCarrier({ id: 7, traceContext: JAEGER }, "job", () => undefined, { propagator: propagation });
      contextFromCarrier(JAEGER, { propagator: propagation });
      contextFromCarrier(JAEGER, { propagator: propagation });
    });
    assert.equal(parentIdOf(finishedSpan("job")), undefined, "a new trace");
    assertSaidOnce(
      told,
      REJECTED,
      lead("a Jaeger uber-trace-id header") +
        "its headers are of the jaeger format, which the propagator given, @opentelemetry/api's propagation " +
        "(the global one an SDK registers), does not read: its fields() are traceparent, tracestate, baggage, " +
        "none of them uber-trace-id. Fix: to read them, add new JaegerPropagator() (JaegerPropagator, " +
        "@opentelemetry/propagator-jaeger) to the propagators your SDK registers (NodeSDK's textMapPropagator, " +
        "startTracing's propagator option: a CompositePropagator); if these headers are to be ignored, nothing " +
        `else is lost. ${INSPECT} ${FORMAT_SAID("jaeger")}`,
    );
  });

  test("X-Ray through a W3CTraceContextPropagator, OT trace message headers through a class of your own: each format named", async () => {
    const told = await recordWarnings(() => {
      contextFromCarrier(XRAY, { propagator: new W3CTraceContextPropagator() });
      withProcessSpan(
        OTTRACE,
        {
          system: "kafka",
          destination: "q",
          propagator: new RefusingPropagator(() => ["traceparent", "tracestate"]),
        },
        () => undefined,
      );
    });
    assert.deepEqual(said(told, REJECTED), [
      lead("an AWS X-Ray x-amzn-trace-id header") +
        "its headers are of the xray format, which the propagator given does not read: its fields() are " +
        "traceparent, tracestate, none of them x-amzn-trace-id. Fix: to read them, add new AWSXRayPropagator() " +
        "(AWSXRayPropagator, @opentelemetry/propagator-aws-xray) beside yours in a CompositePropagator " +
        "({ propagators: [yours, new AWSXRayPropagator()] }); if these headers are to be ignored, nothing else " +
        `is lost. ${INSPECT} ${FORMAT_SAID("xray")}`,
      lead("ot-tracer-* ids", "message") +
        "its headers are of the ottrace format, which the propagator given does not read: its fields() are " +
        "traceparent, tracestate, none of them ot-tracer-traceid or ot-tracer-spanid. Fix: to read them, add " +
        "new OTTracePropagator() (OTTracePropagator, @opentelemetry/propagator-ot-trace) beside yours in a " +
        "CompositePropagator ({ propagators: [yours, new OTTracePropagator()] }); if these headers are to be " +
        `ignored, nothing else is lost. ${MESSAGE_INSPECT} ${FORMAT_SAID("ottrace")}`,
    ]);
  });

  test("the fix, the real JaegerPropagator in a CompositePropagator: restored, nothing said; one that reads the format and restores nothing: nothing said", async () => {
    const composite = new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new JaegerPropagator()],
    });
    const told = await recordWarnings(() => {
      const restored = trace.getSpanContext(contextFromCarrier(JAEGER, { propagator: composite }));
      assert.equal(restored?.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
      assert.equal(restored?.spanId, "00f067aa0ba902b7");
      // A value the JaegerPropagator refuses: it reads the format, so its refusal is its own.
      const refused = contextFromCarrier({ "uber-trace-id": "not-a-jaeger-id" }, { propagator: composite });
      assert.equal(trace.getSpanContext(refused), undefined);
      // tracehop's own propagator beside it: the same.
      contextFromCarrier(
        { "uber-trace-id": "not-a-jaeger-id" },
        {
          propagator: new CompositePropagator({ propagators: [createPropagator(), new JaegerPropagator()] }),
        },
      );
    });
    assert.deepEqual(told.processWarnings, []);
    assert.deepEqual(told.diagWarnings, []);
  });

  test("a propagator whose fields() name the format's header (any case) reads it: nothing said", async () => {
    const told = await recordWarnings(() => {
      contextFromCarrier(JAEGER, {
        propagator: new RefusingPropagator(() => ["traceparent", "uber-trace-id"]),
      });
      contextFromCarrier(XRAY, { propagator: new RefusingPropagator(() => ["X-Amzn-Trace-Id"]) });
      contextFromCarrier(OTTRACE, {
        propagator: new RefusingPropagator(() => [
          "ot-tracer-traceid",
          "ot-tracer-spanid",
          "ot-tracer-sampled",
        ]),
      });
      // Nor beside a style's ids (that style's own warning covers the carrier), nor an X-Ray header
      // without a Parent (a load balancer's: no context to restore).
      contextFromCarrier(
        { ...JAEGER, traceparent: TRACEPARENT },
        { propagator: new W3CTraceContextPropagator() },
      );
      contextFromCarrier(
        { "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793" },
        { propagator: new W3CTraceContextPropagator() },
      );
    });
    assert.deepEqual(told.processWarnings, []);
  });

  test("fields() that throws: said, which headers it reads unknown", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier(JAEGER, {
        propagator: new RefusingPropagator(() => {
          throw new Error("boom");
        }),
      }),
    );
    assertSaidOnce(
      told,
      REJECTED,
      lead("a Jaeger uber-trace-id header") +
        'its headers are of the jaeger format, and the propagator given restored no context from them; its fields() threw ("Error: boom"), ' +
        "so which headers it reads is unknown. Fix: to read them, add new JaegerPropagator() (JaegerPropagator, " +
        "@opentelemetry/propagator-jaeger) beside yours in a CompositePropagator ({ propagators: [yours, new " +
        "JaegerPropagator()] }); if these headers are to be ignored, nothing else is lost. " +
        `${INSPECT} ${FORMAT_SAID("jaeger")}`,
    );
  });
});
