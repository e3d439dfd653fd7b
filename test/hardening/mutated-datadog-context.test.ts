// The object getDatadogContext returns is the stored one; changing it in place is unsupported (its
// docstring), but an application can do it. Whatever it puts there — wrong types, null, control
// characters, getters that throw, a Proxy — propagation must not throw and must not write a bad header.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import fc from "fast-check";
import {
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  DatadogPropagator,
  DatadogTraceContextPropagator,
  getDatadogContext,
  getExtractionAttributes,
} from "../../src/index.js";
import {
  applyMutation,
  contextOfMutatedTrace,
  mutatedDatadogContext,
  runParameters,
  type MutatedDatadogContext,
} from "./arbitraries.js";
import {
  assertCleanCarrier,
  assertOneSamplingDecision,
  injectFailures,
  watchDiagWarnings,
  type DiagWarnings,
} from "./checks.js";
import { resetWarningsForTests } from "../../src/warn-once.js";

/** Runs of the property: each run injects one changed context with every one of {@link INJECTORS}. */
const RUNS = 200;

interface Injector {
  name: string;
  inject: (ctx: Context) => Record<string, unknown>;
  /** Reads what `inject` wrote, with the same styles. */
  extract: (carrier: Record<string, unknown>) => Context;
}

/** `propagator` injecting into, and extracting from, a plain object (the default setter and getter). */
function injector(name: string, propagator: TextMapPropagator): Injector {
  return {
    name,
    inject: (ctx) => {
      const carrier: Record<string, unknown> = {};
      propagator.inject(ctx, carrier, defaultTextMapSetter);
      return carrier;
    },
    extract: (carrier) => propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
  };
}

/**
 * Every way tracehop writes a carrier: each style alone (behind createPropagator's catch, which turns
 * a throw into a diag warning "<style> inject failed": watched for below), the two Datadog-aware style
 * classes called directly (which catch and say a throw the same way), the composites that resolve the
 * context once for both of them, and captureCarrier.
 */
const INJECTORS: Injector[] = [
  ...(["datadog", "tracecontext", "baggage", "b3", "b3multi"] as const).map((style) =>
    injector(`createPropagator(["${style}"])`, createPropagator([style])),
  ),
  injector("new DatadogPropagator()", new DatadogPropagator()),
  injector("new DatadogTraceContextPropagator()", new DatadogTraceContextPropagator()),
  injector('createPropagator(["datadog", "tracecontext"])', createPropagator(["datadog", "tracecontext"])),
  injector("createPropagator()", createPropagator()),
  injector(
    'createPropagator(["datadog", "tracecontext", "b3", "b3multi"])',
    createPropagator(["datadog", "tracecontext", "b3", "b3multi"]),
  ),
  {
    name: "captureCarrier",
    inject: (ctx) => captureCarrier({ context: ctx }),
    extract: (carrier) => contextFromCarrier(carrier),
  },
];

/** What extracts the trace before its Datadog context is changed (DatadogPropagator's and tracecontext's). */
const SOURCE = createPropagator(["datadog", "tracecontext"]);

/** The diag warnings given (createPropagator reports a style's throw there, `injectFailures`). */
let watched: DiagWarnings;
let warnings: string[];
before(() => {
  watched = watchDiagWarnings();
  warnings = watched.messages;
});
after(() => watched.stop());

/**
 * The trace id `carrier` (written by `injector`) extracts back to: the injected trace's, or no span
 * context at all. The one exception is Datadog's: the `datadog` style alone carries the upper 64 bits
 * only in `x-datadog-tags` (`_dd.p.tid`), which a tag outside its grammar leaves out whole (dd-trace-js
 * `_injectTags`; the handed vector `inject-tags-invalid-value-omitted`): then the lower 64 bits.
 */
function assertSameTraceOrNothing(
  injector: Injector,
  carrier: Record<string, unknown>,
  traceId: string,
): void {
  const extracted = trace.getSpanContext(injector.extract(carrier))?.traceId;
  if (extracted === undefined || extracted === traceId) return;
  const datadogOnly =
    carrier.traceparent === undefined && carrier.b3 === undefined && carrier["x-b3-traceid"] === undefined;
  if (
    datadogOnly &&
    carrier["x-datadog-tags"] === undefined &&
    extracted === "0".repeat(16) + traceId.slice(16)
  )
    return;
  assert.fail(`extracted trace ${extracted}, injected ${traceId}`);
}

/** `source` changed in place as `sample` says (after one injection when `sample.injectFirst`). */
function mutatedContext(sample: MutatedDatadogContext): Context {
  const ctx = contextOfMutatedTrace(sample, (carrier) =>
    SOURCE.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
  );
  assert.equal(trace.getSpanContext(ctx)?.traceId, sample.traceId, "the trace was not extracted");
  if (sample.injectFirst) for (const { inject } of INJECTORS) inject(ctx);
  const fields = getDatadogContext(ctx);
  assert.ok(fields !== undefined, "no Datadog context to change");
  for (const mutation of sample.mutations) applyMutation(fields, mutation);
  return ctx;
}

describe("inject after the object getDatadogContext returned was changed in place", () => {
  test("never throws, writes only headers of their grammar, one sampling decision, the same trace or nothing", () => {
    fc.assert(
      fc.property(mutatedDatadogContext, (sample) => {
        const ctx = mutatedContext(sample);
        for (const current of INJECTORS) {
          warnings.length = 0;
          try {
            const carrier = current.inject(ctx);
            assert.deepEqual(injectFailures(warnings), [], "a style threw (createPropagator caught it)");
            assertCleanCarrier(carrier);
            assertOneSamplingDecision(carrier);
            assertSameTraceOrNothing(current, carrier, sample.traceId);
          } catch (error) {
            if (error instanceof Error) error.message = `${current.name}: ${error.message}`;
            throw error;
          }
        }
      }),
      { ...runParameters(RUNS), includeErrorInReport: true },
    );
  });
});

/** Datadog headers of a 128-bit trace with an origin and two tags, as a Datadog tracer sends them. */
const DATADOG_HEADERS = {
  "x-datadog-trace-id": "123",
  "x-datadog-parent-id": "456",
  "x-datadog-sampling-priority": "2",
  "x-datadog-origin": "rum",
  "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000,_dd.p.x=y",
};
const TRACEPARENT = "00-640cfd8d00000000000000000000007b-00000000000001c8-01";

/**
 * What `createPropagator(["datadog", "tracecontext"])` writes for the trace of {@link DATADOG_HEADERS}
 * after `change` was made to the object getDatadogContext returned, checked to be what each style's
 * class writes when called directly, and the diag warnings the composite gave.
 */
function injectedAfter(change: (fields: Record<string, unknown>) => void): {
  carrier: Record<string, unknown>;
  warned: string[];
} {
  const ctx = SOURCE.extract(ROOT_CONTEXT, DATADOG_HEADERS, defaultTextMapGetter);
  change(getDatadogContext(ctx) as unknown as Record<string, unknown>);
  // What the change makes inject say is said once per process (docs/warnings.md): said here.
  resetWarningsForTests();
  warnings.length = 0;
  const carrier = INJECTORS.find((i) => i.name === 'createPropagator(["datadog", "tracecontext"])')!.inject(
    ctx,
  );
  const warned = [...warnings];
  const direct = {
    ...INJECTORS.find((i) => i.name === "new DatadogPropagator()")!.inject(ctx),
    ...INJECTORS.find((i) => i.name === "new DatadogTraceContextPropagator()")!.inject(ctx),
  };
  assert.deepEqual(direct, carrier, "the style classes called directly write the same");
  return { carrier, warned };
}

/** {@link DATADOG_HEADERS} as injected again, with `datadog` and `tracestate` replaced where given. */
function expected(datadog: Record<string, string | undefined>, tracestate: string): Record<string, string> {
  const headers: Record<string, string | undefined> = { ...DATADOG_HEADERS, ...datadog };
  for (const key of Object.keys(headers)) if (headers[key] === undefined) delete headers[key];
  return { ...(headers as Record<string, string>), traceparent: TRACEPARENT, tracestate };
}

describe("inject after one field of getDatadogContext's object was changed in place (examples)", () => {
  test("unchanged: the headers it arrived with, and dd= with the same fields", () => {
    const { carrier, warned } = injectedAfter(() => {});
    assert.deepEqual(
      carrier,
      expected({}, "dd=s:2;o:rum;p:00000000000001c8;t.dm:-4;t.tid:640cfd8d00000000;t.x:y"),
    );
    assert.deepEqual(warned, []);
  });

  test("a tag set to null or a number: an invalid tag (x-datadog-tags keeps _dd.p.tid alone, no t. entry), no throw", () => {
    // Each with the value as the warning shows it, by the rule every warning quotes a value with
    // (describeValue: toString and its CR LF are never called; text escaped and cut at 40 characters; a
    // bigint, which JSON text cannot hold, as written).
    for (const [value, shown] of [
      [null, "null"],
      [5, "5"],
      [5n, "5n"],
      [{ toString: () => "a\r\nx-evil: 1" }, "an object"],
      [["y"], "an array"],
      [`a\u001b[2K${"z".repeat(5000)}`, `"a\\u001b[2K${"z".repeat(35)}"… (5005 characters)`],
    ] as const) {
      const { carrier, warned } = injectedAfter((fields) => {
        (fields.propagationTags as Record<string, unknown>)["_dd.p.x"] = value;
      });
      // As dd-trace-js `_injectTags` drops the tags for an invalid one; `_dd.p.tid`, the trace id's upper
      // half, stays (without it a Datadog reader continues another, 64-bit trace).
      assert.deepEqual(
        carrier,
        expected(
          { "x-datadog-tags": "_dd.p.tid=640cfd8d00000000" },
          "dd=s:2;o:rum;p:00000000000001c8;t.dm:-4;t.tid:640cfd8d00000000",
        ),
        `_dd.p.x = ${String(value)}`,
      );
      assert.deepEqual(warned, [
        `tracehop: x-datadog-tags carries _dd.p.tid alone, the trace id's upper 64 bits; its other tags not injected: invalid tag "_dd.p.x"=${shown}: ` +
          `a key is printable ASCII without spaces, "," or "=", a value non-empty printable ASCII text without "," ` +
          `(Datadog's x-datadog-tags grammar). Fix setDatadogContext's propagationTags. (Said once per process.)`,
      ]);
    }
  });

  test("an origin that is not text ({}, one whose toString writes CR LF, a number): no origin anywhere", () => {
    for (const value of [{}, { toString: () => "rum\r\nx-evil: 1" }, 7, null]) {
      const { carrier } = injectedAfter((fields) => {
        fields.origin = value;
      });
      assert.deepEqual(
        carrier,
        expected(
          { "x-datadog-origin": undefined },
          "dd=s:2;p:00000000000001c8;t.dm:-4;t.tid:640cfd8d00000000;t.x:y",
        ),
        `origin = ${String(value)}`,
      );
    }
  });

  test('a priority that is not a number ("2", {}): the sampled flag decides (1), in both styles', () => {
    for (const value of ["2", {}, null]) {
      const { carrier } = injectedAfter((fields) => {
        fields.samplingPriority = value;
      });
      // The flag (sampled) and the stored priority 2 agreed; the priority now unknown, the flag's 1.
      assert.deepEqual(
        carrier,
        expected(
          { "x-datadog-sampling-priority": "1" },
          "dd=s:1;o:rum;p:00000000000001c8;t.dm:-4;t.tid:640cfd8d00000000;t.x:y",
        ),
        `samplingPriority = ${String(value)}`,
      );
    }
  });

  test("tags that are not an object (null, text): no tags but _dd.p.tid, from the trace id", () => {
    for (const value of [null, "_dd.p.dm=-4", 5]) {
      const { carrier } = injectedAfter((fields) => {
        fields.propagationTags = value;
      });
      assert.deepEqual(
        carrier,
        expected(
          { "x-datadog-tags": "_dd.p.tid=640cfd8d00000000" },
          "dd=s:2;o:rum;p:00000000000001c8;t.tid:640cfd8d00000000",
        ),
        `propagationTags = ${String(value)}`,
      );
    }
  });

  test("a last parent id that is not text: p: is the span id, no _dd.parent_id attribute", () => {
    for (const value of [5, { length: 16, toLowerCase: () => "000000000000000a" }]) {
      const { carrier } = injectedAfter((fields) => {
        fields.lastParentId = value;
      });
      assert.deepEqual(
        carrier,
        expected({}, "dd=s:2;o:rum;p:00000000000001c8;t.dm:-4;t.tid:640cfd8d00000000;t.x:y"),
      );
      const ctx = SOURCE.extract(ROOT_CONTEXT, DATADOG_HEADERS, defaultTextMapGetter);
      (getDatadogContext(ctx) as unknown as Record<string, unknown>).lastParentId = value;
      assert.deepEqual(getExtractionAttributes(ctx), {});
    }
  });

  test("a field whose getter throws: the fields are injected as absent, with a diag warning", () => {
    const { carrier, warned } = injectedAfter((fields) => {
      Object.defineProperty(fields, "origin", {
        get() {
          throw new Error("hostile getter");
        },
      });
    });
    assert.deepEqual(
      carrier,
      expected(
        {
          "x-datadog-sampling-priority": "1",
          "x-datadog-origin": undefined,
          "x-datadog-tags": "_dd.p.tid=640cfd8d00000000",
        },
        "dd=s:1;p:00000000000001c8;t.tid:640cfd8d00000000",
      ),
    );
    assert.deepEqual(warned, [
      'tracehop: the Datadog context of the trace could not be read ("Error: hostile getter"); injected without it ' +
        "(no priority, origin or tags: the sampled flag decides). The object getDatadogContext returns was changed in " +
        "place; set the fields with setDatadogContext instead. (Said once per process.)",
    ]);
  });

  test("tags replaced by a Proxy that throws, or a tag getter that throws: as no tags, with a diag warning", () => {
    const changes: [string, (fields: Record<string, unknown>) => void][] = [
      [
        "a Proxy",
        (fields) => {
          fields.propagationTags = new Proxy(
            {},
            {
              ownKeys() {
                throw new Error("hostile trap");
              },
              get() {
                throw new Error("hostile trap");
              },
            },
          );
        },
      ],
      [
        "a tag getter",
        (fields) => {
          Object.defineProperty(fields.propagationTags, "_dd.p.x", {
            enumerable: true,
            get() {
              throw new Error("hostile getter");
            },
          });
        },
      ],
    ];
    for (const [what, change] of changes) {
      const { carrier, warned } = injectedAfter(change);
      assert.deepEqual(
        carrier,
        expected(
          { "x-datadog-tags": "_dd.p.tid=640cfd8d00000000" },
          "dd=s:2;o:rum;p:00000000000001c8;t.tid:640cfd8d00000000",
        ),
        what,
      );
      assert.deepEqual(
        warned,
        [
          'tracehop: the Datadog tags of the trace could not be read ("Error: hostile ' +
            (what === "a Proxy" ? "trap" : "getter") +
            '"); injected without them. The object getDatadogContext returns was changed in place; set the tags ' +
            "with setDatadogContext's propagationTags instead. (Said once per process.)",
        ],
        what,
      );
    }
  });
});
