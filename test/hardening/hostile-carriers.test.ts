// Hostile carriers: huge values, control characters, prototype keys, non-string values, nested objects
// and Buffers with invalid UTF-8 never throw, never pollute prototypes, never make tracehop write a
// control character, and a captured carrier never exceeds the documented size.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";
import {
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import fc from "fast-check";
import {
  BaggagePropagator,
  captureCarrier,
  contextFromCarrier,
  createPropagator,
  DatadogPropagator,
  DatadogTraceContextPropagator,
  getDatadogContext,
  TraceContextPropagator,
} from "../../src/index.js";
import {
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  injectKafkaHeaders,
} from "../../src/messaging/index.js";
import { MAX_STORED_CARRIER_BYTES, storedCarrierBytes } from "../../src/prisma/index.js";
import { B3StylePropagator } from "../../src/propagation/B3StylePropagator.js";
import {
  contextOfInjection,
  HEADER_NAMES,
  hostileCarrier,
  hostileInjection,
  hostileSource,
  oddCarrier,
  runParameters,
  unwritableTarget,
  validCarrier,
} from "./arbitraries.js";
import {
  assertCleanCarrier,
  assertNoPrototypePollution,
  assertValidExtraction,
  injectFailures,
  watchDiagWarnings,
} from "./checks.js";

const RUNS = 300;
/** 1 MiB, in characters of one byte each. */
const ONE_MIB = 1024 * 1024;
const TRACEPARENT = "00-640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-01";
const fill = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

describe("hostile carriers", () => {
  test("never throw, never pollute a prototype, and what is written back is clean", () => {
    const propagator = createPropagator();
    fc.assert(
      fc.property(hostileCarrier, (carrier) => {
        for (const ctx of [
          contextFromCarrier(carrier),
          contextFromCarrier(
            JSON.stringify(carrier, (_key, value: unknown) =>
              typeof value === "bigint" ? `${value}` : value,
            ),
          ),
          contextFromKafkaHeaders(carrier),
          contextFromAmqpHeaders(carrier),
          propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
        ]) {
          assertValidExtraction(ctx);
          assertCleanCarrier(captureCarrier({ context: ctx }));
        }
      }),
      runParameters(RUNS),
    );
    assertNoPrototypePollution();
  });

  test("JSON text with a __proto__ key is read as data, not as a prototype", () => {
    const text = `{"__proto__": {"traceparent": "${TRACEPARENT}", "polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}`;
    const ctx = contextFromCarrier(text);
    assert.equal(trace.getSpanContext(ctx), undefined, "a traceparent under __proto__ must not be read");
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.equal(trace.getSpanContext(contextFromCarrier(parsed)), undefined);
    assertNoPrototypePollution();
  });

  test("a header value that inherits from a polluted-looking object is not read", () => {
    const carrier = Object.create({ traceparent: TRACEPARENT }) as Record<string, unknown>;
    assert.equal(trace.getSpanContext(contextFromCarrier(carrier)), undefined);
  });

  test("Buffers with invalid UTF-8 are decoded whole and rejected by the header grammar", () => {
    const bytes = Buffer.concat([
      Buffer.from(TRACEPARENT.slice(0, 20)),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(TRACEPARENT.slice(22)),
    ]);
    for (const ctx of [
      contextFromCarrier({ traceparent: bytes }),
      contextFromKafkaHeaders({ traceparent: bytes }),
    ])
      assert.equal(trace.getSpanContext(ctx), undefined);
    // The same bytes when valid are read: the rejection comes from the content, not the type.
    assert.equal(
      trace.getSpanContext(contextFromKafkaHeaders({ traceparent: Buffer.from(TRACEPARENT) }))?.spanId,
      "891087b8e3b70cb1",
    );
  });

  test("an origin with control characters is never written back (header injection)", () => {
    for (const origin of ["synthetics\r\nx-evil: 1", "a\u0000b", "rum\t"]) {
      const ctx = contextFromCarrier({
        "x-datadog-trace-id": "1",
        "x-datadog-parent-id": "2",
        "x-datadog-origin": origin,
      });
      assertCleanCarrier(captureCarrier({ context: ctx }));
      assertCleanCarrier(injectKafkaHeaders({}, { context: ctx }) as Record<string, unknown>);
    }
  });
});

describe("every propagator's extract yields no context when reading the carrier throws", () => {
  // Every header any style reads, and an OpenTracing baggage header (read by name from keys()).
  const PROPAGATION_HEADERS = [...HEADER_NAMES, "ot-baggage-user"];
  const propagators = {
    DatadogPropagator: new DatadogPropagator(),
    TraceContextPropagator: new TraceContextPropagator(),
    DatadogTraceContextPropagator: new DatadogTraceContextPropagator(),
    BaggagePropagator: new BaggagePropagator(),
    "createPropagator()": createPropagator(),
    'createPropagator(["b3", "b3multi"])': createPropagator(["b3", "b3multi"]),
  };
  const throwingGetter: TextMapGetter = {
    get: () => {
      throw new Error("get");
    },
    keys: () => {
      throw new Error("keys");
    },
  };
  const throwingProperties: Record<string, unknown> = {};
  for (const name of PROPAGATION_HEADERS)
    Object.defineProperty(throwingProperties, name, {
      enumerable: true,
      get() {
        throw new Error(name);
      },
    });
  // Repeated fields whose last element, or whose length, throws when read.
  const throwingElement: unknown[] = ["1"];
  Object.defineProperty(throwingElement, 1, {
    enumerable: true,
    get() {
      throw new Error("element");
    },
  });
  const throwingLength = new Proxy(["1"], {
    get(target, key, receiver) {
      if (key === "length") throw new Error("length");
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const cases: [string, unknown, TextMapGetter][] = [
    ["a getter whose get and keys throw", {}, throwingGetter],
    ["header properties that throw", throwingProperties, defaultTextMapGetter],
    ...[throwingElement, throwingLength].map((values, i): [string, unknown, TextMapGetter] => [
      i === 0 ? "repeated fields whose last value throws" : "repeated fields whose length throws",
      Object.fromEntries(PROPAGATION_HEADERS.map((name) => [name, values])),
      defaultTextMapGetter,
    ]),
  ];
  const key = createContextKey("base");
  const base = ROOT_CONTEXT.setValue(key, "kept");
  for (const [name, propagator] of Object.entries(propagators))
    for (const [label, carrier, getter] of cases)
      test(`${name}: ${label}`, () => {
        assert.equal(propagator.extract(base, carrier, getter), base);
      });
});

/**
 * Every propagator class tracehop exports (and the internal B3 style class), each with the style name
 * `createPropagator` reports its failures under, and composites of them.
 */
function everyPropagator(): [name: string, style: string | undefined, propagator: TextMapPropagator][] {
  return [
    ["new DatadogPropagator()", "datadog", new DatadogPropagator()],
    ["new DatadogPropagator({ tagsMaxLength: 0 })", "datadog", new DatadogPropagator({ tagsMaxLength: 0 })],
    ["new TraceContextPropagator()", "tracecontext", new TraceContextPropagator()],
    ["new BaggagePropagator()", "baggage", new BaggagePropagator()],
    ["new DatadogTraceContextPropagator()", "tracecontext", new DatadogTraceContextPropagator()],
    [
      "new DatadogTraceContextPropagator(new W3CTraceContextPropagator())",
      "tracecontext",
      new DatadogTraceContextPropagator(new W3CTraceContextPropagator()),
    ],
    ["new B3StylePropagator(true) (b3)", "b3", new B3StylePropagator(true)],
    ["new B3StylePropagator(false) (b3multi)", "b3multi", new B3StylePropagator(false)],
    ["createPropagator()", undefined, createPropagator()],
    ['createPropagator(["tracecontext"])', undefined, createPropagator(["tracecontext"])],
    [
      'createPropagator(["datadog", "tracecontext", "baggage", "b3", "b3multi"])',
      undefined,
      createPropagator(["datadog", "tracecontext", "baggage", "b3", "b3multi"]),
    ],
  ];
}

/** A context to inject: one extracted from a valid carrier, or one an application built (any values). */
const injectedContext: fc.Arbitrary<Context> = fc.oneof(
  validCarrier.map((carrier) => createPropagator().extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)),
  hostileInjection.map(contextOfInjection),
);

describe("every propagator, called directly, never throws on a carrier it cannot write or read", () => {
  const propagators = everyPropagator();

  test("inject into a carrier or through a setter that refuses the write: no throw, said as createPropagator says it", () => {
    const warnings = watchDiagWarnings();
    try {
      fc.assert(
        fc.property(injectedContext, unwritableTarget, (ctx, target) => {
          for (const [name, style, propagator] of propagators) {
            warnings.messages.length = 0;
            const { carrier, setter } = target.make();
            try {
              propagator.inject(ctx, carrier, setter);
            } catch (error) {
              assert.fail(`${name}: inject into ${target.label} threw ${String(error)}`);
            }
            // A refused write is said as createPropagator's composite says a style's: "<style> inject failed".
            if (style !== undefined)
              for (const message of injectFailures(warnings.messages))
                assert.equal(
                  message,
                  `tracehop: ${style} inject failed`,
                  `${name}: inject into ${target.label}`,
                );
          }
        }),
        { ...runParameters(RUNS), includeErrorInReport: true },
      );
    } finally {
      warnings.stop();
    }
    assertNoPrototypePollution();
  });

  test("extract through a getter or carrier that throws or gives values of any type: no throw, no context or a valid one", () => {
    const key = createContextKey("base");
    const base = ROOT_CONTEXT.setValue(key, "kept");
    fc.assert(
      fc.property(hostileSource, (source) => {
        for (const [name, , propagator] of propagators) {
          const { carrier, getter } = source.make();
          let ctx: Context;
          try {
            ctx = propagator.extract(base, carrier, getter);
          } catch (error) {
            assert.fail(`${name}: extract from ${source.label} threw ${String(error)}`);
          }
          if (source.readsNothing) assert.equal(ctx, base, `${name}: extract from ${source.label}`);
          else assertValidExtraction(ctx);
          assert.equal(ctx.getValue(key), "kept", `${name}: extract from ${source.label}`);
        }
      }),
      { ...runParameters(RUNS), includeErrorInReport: true },
    );
    assertNoPrototypePollution();
  });

  test("each style class says a refused write as createPropagator does, and writes nothing there", () => {
    const ctx = createPropagator().extract(
      ROOT_CONTEXT,
      {
        traceparent: TRACEPARENT,
        tracestate: "dd=s:2;o:synthetics",
        "x-datadog-trace-id": "12345678901234567890",
        "x-datadog-parent-id": "9876543210987654321",
        baggage: "user=alice",
      },
      defaultTextMapGetter,
    );
    const warnings = watchDiagWarnings();
    try {
      for (const [name, style, propagator] of propagators) {
        if (style === undefined) continue;
        for (const carrier of [Object.freeze({}), "carrier"]) {
          warnings.messages.length = 0;
          propagator.inject(ctx, carrier, defaultTextMapSetter);
          const alone = [...warnings.messages];
          warnings.messages.length = 0;
          createPropagator([style]).inject(ctx, carrier, defaultTextMapSetter);
          assert.deepEqual(alone, [`tracehop: ${style} inject failed`], name);
          assert.deepEqual(alone, warnings.messages, `${name}: as createPropagator(["${style}"])`);
        }
      }
    } finally {
      warnings.stop();
    }
  });

  test("a setter that throws on one header: the headers written before it stay, and nothing throws", () => {
    const ctx = createPropagator().extract(
      ROOT_CONTEXT,
      { traceparent: TRACEPARENT, tracestate: "dd=s:2;o:synthetics,rojo=1" },
      defaultTextMapGetter,
    );
    const carrier: Record<string, string> = {};
    new DatadogTraceContextPropagator().inject(ctx, carrier, {
      set(c, key, value) {
        if (key === "tracestate") throw new Error("refused");
        (c as Record<string, string>)[key] = value;
      },
    });
    assert.deepEqual(carrier, { traceparent: TRACEPARENT });
  });

  test("DatadogTraceContextPropagator around a W3C propagator that throws: no context, no throw", () => {
    const throwing: TextMapPropagator = {
      inject() {
        throw new Error("inject");
      },
      extract() {
        throw new Error("extract");
      },
      fields: () => ["traceparent", "tracestate"],
    };
    const propagator = new DatadogTraceContextPropagator(throwing);
    const warnings = watchDiagWarnings();
    try {
      const key = createContextKey("base");
      const base = ROOT_CONTEXT.setValue(key, "kept");
      assert.equal(propagator.extract(base, { traceparent: TRACEPARENT }, defaultTextMapGetter), base);
      const carrier = {};
      propagator.inject(
        createPropagator().extract(ROOT_CONTEXT, { traceparent: TRACEPARENT }, defaultTextMapGetter),
        carrier,
        defaultTextMapSetter,
      );
      assert.deepEqual(carrier, {});
      assert.deepEqual(warnings.messages, [
        "tracehop: tracecontext extract failed",
        "tracehop: tracecontext inject failed",
      ]);
    } finally {
      warnings.stop();
    }
  });
});

/**
 * A `context` argument that is not an OpenTelemetry Context (no `getValue` method): what a caller's bug
 * passes (`extract(undefined, …)`, `extract({}, …)`), and any other value, a Proxy that throws on every
 * look-up among them.
 */
const notAContext: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, {}, [], 0, "", Symbol("context")),
  fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.bigInt()),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
  fc.record({ getValue: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.object({ maxDepth: 0 })) }),
  // Its symbol keys answer: fast-check looks its own up on the values it is given.
  fc.constant(
    new Proxy(
      {},
      {
        get(_target, key) {
          if (typeof key === "symbol") return undefined;
          throw new Error(`trap: ${key}`);
        },
      },
    ),
  ),
);

describe("every propagator, called directly, never throws on a context that is not a Context", () => {
  test("extract gives ROOT_CONTEXT and inject writes nothing, each said once per style and direction; contextFromCarrier refuses it as an option", () => {
    const propagators = everyPropagator();
    const carrier = {
      traceparent: TRACEPARENT,
      "x-datadog-trace-id": "12345678901234567890",
      "x-datadog-parent-id": "9876543210987654321",
      b3: "640cfd8d00000000ab54a98ceb1f0ad2-891087b8e3b70cb1-1",
      baggage: "user=alice",
    };
    const warnings = watchDiagWarnings();
    try {
      fc.assert(
        fc.property(notAContext, (context) => {
          for (const [name, , propagator] of propagators) {
            let extracted: Context;
            const written: Record<string, string> = {};
            try {
              extracted = propagator.extract(context as Context, carrier, defaultTextMapGetter);
              propagator.inject(context as Context, written, defaultTextMapSetter);
            } catch (error) {
              assert.fail(`${name}: threw ${String(error)}`);
            }
            assert.equal(extracted, ROOT_CONTEXT, name);
            assert.deepEqual(written, {}, name);
          }
          // The carrier helper whose options are checked answers the same value with a TypeError naming it.
          if (context !== undefined)
            assert.throws(() => contextFromCarrier(carrier, { context: context as Context }), {
              name: "TypeError",
              message: /^tracehop contextFromCarrier: context must be a Context from @opentelemetry\/api /,
            });
        }),
        { ...runParameters(RUNS), includeErrorInReport: true },
      );
      // Said once per process, style and direction (the composite as createPropagator), whatever the runs.
      const said = warnings.messages
        .map((message) =>
          /^tracehop: (\S+) (extract|inject) was given a context that is not a Context from @opentelemetry\/api \(got .+\): (nothing was extracted and ROOT_CONTEXT returned|nothing was written to the carrier); pass context\.active\(\), ROOT_CONTEXT or a context from trace\.setSpan\(\.\.\.\)$/.exec(
            message,
          ),
        )
        .filter((match) => match !== null)
        .map((match) => `${match[1]} ${match[2]}`);
      assert.deepEqual(
        said.sort(),
        ["b3", "b3multi", "baggage", "createPropagator", "datadog", "tracecontext"].flatMap((style) => [
          `${style} extract`,
          `${style} inject`,
        ]),
      );
      // Nothing else was said: a non-Context is not a style's failure.
      assert.deepEqual(
        warnings.messages.filter((message) => / (extract|inject) failed$/.test(message)),
        [],
      );
    } finally {
      warnings.stop();
    }
    assertNoPrototypePollution();
  });
});

describe("a repeated field reads its first 64 values, over HTTP as from a stored carrier", () => {
  const propagator = createPropagator();
  const OTHER_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  // Each field: 64 values, then one that would change the answer were it read.
  const read = (carrier: Record<string, unknown>) => [
    propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
    contextFromCarrier(carrier),
  ];
  test("traceparent: a 65th, different value does not make the field invalid", () => {
    for (const ctx of read({ traceparent: [...Array<string>(64).fill(TRACEPARENT), OTHER_TRACEPARENT] }))
      assert.equal(trace.getSpanContext(ctx)?.spanId, "891087b8e3b70cb1");
  });
  test("tracestate: a member in the 65th value is not read; in the 64th it is", () => {
    for (const [at, expected] of [
      [64, undefined],
      [63, "00f067aa0ba902b7"],
    ] as const) {
      const tracestate = Array<string>(65).fill("");
      tracestate[at] = "rojo=00f067aa0ba902b7";
      for (const ctx of read({ traceparent: TRACEPARENT, tracestate }))
        assert.equal(trace.getSpanContext(ctx)?.traceState?.get("rojo"), expected, `at ${at}`);
    }
  });
  test("baggage: a member in the 65th value is not read; in the 64th it is", () => {
    for (const [at, expected] of [
      [64, undefined],
      [63, "alice"],
    ] as const) {
      const baggage = Array<string>(65).fill("");
      baggage[at] = "userId=alice";
      for (const ctx of read({ baggage }))
        assert.equal(propagation.getBaggage(ctx)?.getEntry("userId")?.value, expected, `at ${at}`);
    }
  });
  test("x-datadog-trace-id: the last of the first 64 values", () => {
    const carrier = {
      "x-datadog-trace-id": [...Array<string>(64).fill("7"), "8"],
      "x-datadog-parent-id": "2",
    };
    for (const ctx of read(carrier))
      assert.equal(trace.getSpanContext(ctx)?.traceId, "00000000000000000000000000000007");
  });
  test("x-datadog-tags: a tag in the 65th value is not read", () => {
    // 64 tags are longer than the default limit of 512 characters: a limit that holds them all.
    const wide = createPropagator(["datadog"], { tagsMaxLength: 4096 });
    const tags = [...Array.from({ length: 64 }, (_, i) => `_dd.p.k${i}=1`), "_dd.p.tid=640cfd8d00000000"];
    const carrier = { "x-datadog-trace-id": "7", "x-datadog-parent-id": "2", "x-datadog-tags": tags };
    const read = getDatadogContext(
      wide.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
    )?.propagationTags;
    assert.equal(read?.["_dd.p.k63"], "1");
    assert.equal(read?.["_dd.p.tid"], undefined);
  });
});

describe("1 MiB header values are rejected (their parse time is in the benchmark, not here)", () => {
  const huge: { header: string; carrier: Record<string, string> }[] = [
    { header: "traceparent", carrier: { traceparent: `00-${fill("4bf92f3577b34da6", ONE_MIB)}` } },
    {
      header: "tracestate",
      carrier: { traceparent: TRACEPARENT, tracestate: fill("rojo=00f067aa0ba902b7,", ONE_MIB) },
    },
    {
      header: "x-datadog-trace-id",
      carrier: { "x-datadog-trace-id": fill("1234567890", ONE_MIB), "x-datadog-parent-id": "2" },
    },
    {
      header: "x-datadog-tags",
      carrier: {
        "x-datadog-trace-id": "1",
        "x-datadog-parent-id": "2",
        "x-datadog-tags": fill("_dd.p.dm=-4,", ONE_MIB),
      },
    },
    { header: "baggage", carrier: { baggage: fill("userId=alice,", ONE_MIB) } },
  ];
  const propagator = createPropagator();
  for (const { header, carrier } of huge) {
    test(`${header}: nothing of it is kept, through a stored carrier and through HTTP headers`, () => {
      const stored = contextFromCarrier(carrier);
      const http = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      if (header === "traceparent" || header === "x-datadog-trace-id") {
        for (const ctx of [stored, http]) assert.equal(trace.getSpanContext(ctx), undefined);
      } else if (header === "tracestate") {
        for (const ctx of [stored, http])
          assert.equal(trace.getSpanContext(ctx)?.traceState?.get("rojo"), undefined);
        assert.equal(trace.getSpanContext(http)?.spanId, "891087b8e3b70cb1", "the valid traceparent is kept");
      } else if (header === "x-datadog-tags") {
        for (const ctx of [stored, http]) assert.deepEqual(getDatadogContext(ctx)?.propagationTags ?? {}, {});
      } else {
        // A stored value over 16 KiB is ignored whole; over HTTP, W3C Baggage §3.3.1 keeps members up to
        // 64 and 8192 bytes (the first members of the huge header), never the whole value.
        assert.equal(propagation.getBaggage(stored), undefined);
        const entries = propagation.getBaggage(http)?.getAllEntries() ?? [];
        assert.ok(entries.length <= 64);
        assert.ok(entries.reduce((n, [k, e]) => n + k.length + e.value.length + 2, 0) <= 8192);
      }
    });
  }
});

describe("a captured carrier never exceeds the documented size", () => {
  test(`captureCarrier of any extracted context is at most MAX_STORED_CARRIER_BYTES (${MAX_STORED_CARRIER_BYTES}) bytes of JSON`, () => {
    const bigValues = fc.record({
      traceparent: fc.constant(TRACEPARENT),
      tracestate: fc
        .array(fc.stringMatching(/^[a-z]{1,8}=[a-z0-9]{1,200}$/), { maxLength: 40 })
        .map((m) => m.join(",")),
      baggage: fc
        .array(fc.stringMatching(/^[a-z]{1,8}=[a-z0-9%]{1,400}$/), { maxLength: 80 })
        .map((m) => m.join(",")),
      "x-datadog-trace-id": fc.constant("12345678901234567890"),
      "x-datadog-parent-id": fc.constant("9876543210987654321"),
      "x-datadog-origin": fc.stringMatching(/^[a-z-]{1,300}$/),
      "x-datadog-tags": fc
        .array(fc.stringMatching(/^_dd\.p\.[a-z]{1,8}=[a-z0-9]{1,60}$/), { maxLength: 20 })
        .map((m) => m.join(",")),
    });
    fc.assert(
      fc.property(fc.oneof(validCarrier, bigValues, oddCarrier), (carrier) => {
        const written = captureCarrier({ context: contextFromCarrier(carrier) });
        assert.ok(
          storedCarrierBytes(written) <= MAX_STORED_CARRIER_BYTES,
          `${storedCarrierBytes(written)} bytes: ${Object.entries(written)
            .map(([k, v]) => `${k}=${v.length}`)
            .join(" ")}`,
        );
      }),
      runParameters(200),
    );
  });
});

describe("headers of very many names: what a read costs does not grow with them", () => {
  /**
   * `size` application headers `k0`... (text and AMQP integers), then `fields`, each an enumerable
   * getter that counts the reads of its value (a proxy's traps would make listing 80 000 names slow).
   */
  function countingHeaders(size: number, fields: Record<string, unknown>) {
    const counts = { reads: 0 };
    const headers: Record<string, unknown> = {};
    const define = (name: string, value: unknown) =>
      Object.defineProperty(headers, name, {
        enumerable: true,
        get: () => {
          counts.reads++;
          return value;
        },
      });
    for (let i = 0; i < size; i++) define(`k${i}`, i % 2 === 0 ? "v" : i);
    for (const [name, value] of Object.entries(fields)) define(name, value);
    return { headers, counts };
  }

  const readers: [string, (headers: unknown) => Context][] = [
    ["contextFromCarrier", (h) => contextFromCarrier(h)],
    ["contextFromKafkaHeaders", (h) => contextFromKafkaHeaders(h)],
    ["contextFromAmqpHeaders", (h) => contextFromAmqpHeaders(h)],
  ];
  const fieldSets: [string, Record<string, unknown>, string | undefined][] = [
    ["traceparent", { traceparent: TRACEPARENT }, "891087b8e3b70cb1"],
    [
      "datadog ids as AMQP integers",
      { "x-datadog-trace-id": 123, "x-datadog-parent-id": 5 },
      "0000000000000005",
    ],
    ["no context", {}, undefined],
  ];

  for (const [reader, read] of readers) {
    test(`${reader}: 1 000 and 80 000 names read the same values (the scan of MAX_CARRIER_KEYS, the fields by name)`, () => {
      for (const [label, fields, spanId] of fieldSets) {
        const small = countingHeaders(1000, fields);
        const large = countingHeaders(80_000, fields);
        assert.equal(trace.getSpanContext(read(small.headers))?.spanId, spanId, label);
        assert.equal(trace.getSpanContext(read(large.headers))?.spanId, spanId, label);
        // Before, the message readers read every value once more (headerNumbersAsText): 80 000 reads.
        assert.equal(large.counts.reads, small.counts.reads, label);
        assert.ok(small.counts.reads <= 3 * 130, `${label}: ${small.counts.reads} reads`);
      }
    });
  }

  test("a throwing getter beside an AMQP id rounded past 2^53: the id is said as a message header, once, and not again as missing", async () => {
    const withThrowingGetter = (size: number): Record<string, unknown> => {
      const headers: Record<string, unknown> = {};
      Object.defineProperty(headers, "x-broken", {
        enumerable: true,
        get: () => {
          throw new Error("a header that cannot be read");
        },
      });
      for (let i = 0; i < size; i++) headers[`k${i}`] = "v";
      headers["x-datadog-trace-id"] = 2 ** 63;
      headers["x-datadog-parent-id"] = "5";
      return headers;
    };
    // 3 names, read whole; 200 names, the ids beyond the scan of MAX_CARRIER_KEYS.
    for (const size of [1, 200]) {
      resetWarnings();
      const told = await recordWarnings(() => contextFromAmqpHeaders(withThrowingGetter(size)));
      assert.equal(trace.getSpanContext(told.result), undefined, `${size}`);
      // The diag warnings of this read (a process warning of an earlier test may come on this tick).
      const ours = told.diagWarnings.filter((w) => w.includes("9223372036854776000"));
      assert.equal(ours.length, 1, `${size}: ${ours.join("\n")}`);
      assert.ok(
        ours[0]!.startsWith("tracehop: x-datadog-trace-id is a number in the message headers, read as "),
        `${size}: ${ours[0]}`,
      );
      assert.deepEqual(
        told.diagWarnings.filter((w) => w.includes("message headers held x-datadog-* ids")),
        [],
        `${size}`,
      );
      const rejected = said(told, "TRACEHOP_CARRIER_REJECTED");
      assert.deepEqual(
        rejected.filter((w) => w.includes("message headers held x-datadog-* ids")),
        [],
        `${size}`,
      );
    }
    resetWarnings();
  });

  test("an AMQP id rounded past 2^53 among the scanned names: the names after it keep their places in the scan (a header it would push into the scan stays unread, as with the id as text)", () => {
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    // The ids first, then filler up to MAX_CARRIER_KEYS names, then a mixed-case TraceParent at place 129:
    // beyond the scan, where only lower-case propagation names are looked up.
    const headersWith = (traceId: unknown): Record<string, unknown> => {
      const headers: Record<string, unknown> = { "x-datadog-trace-id": traceId, "x-datadog-parent-id": "5" };
      for (let i = 0; i < 126; i++) headers[`x-f${i}`] = "v";
      headers["TraceParent"] = tp;
      return headers;
    };
    const warnings = watchDiagWarnings();
    try {
      // Read as text, the id is the trace; the TraceParent beyond the scan is not read either way.
      assert.equal(
        trace.getSpanContext(contextFromAmqpHeaders(headersWith("9223372036854775808")))?.traceId,
        "00000000000000008000000000000000",
      );
      // Rounded, the id is refused, and the TraceParent stays beyond the scan: no context, not its trace.
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(headersWith(2 ** 63))), undefined);
    } finally {
      warnings.stop();
    }
  });

  test("an AMQP id rounded past 2^53 beyond the scan is still refused and said as a message header", () => {
    const warnings = watchDiagWarnings();
    try {
      const { headers } = countingHeaders(1000, {
        "x-datadog-trace-id": 2 ** 63,
        "x-datadog-parent-id": "5",
      });
      assert.equal(trace.getSpanContext(contextFromAmqpHeaders(headers)), undefined);
      assert.ok(
        warnings.messages.some((w) =>
          w.startsWith("tracehop: x-datadog-trace-id is a number in the message headers"),
        ),
        warnings.messages.join("\n"),
      );
    } finally {
      warnings.stop();
    }
  });
});
