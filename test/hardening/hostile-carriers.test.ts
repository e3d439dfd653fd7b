// Hostile carriers: huge values, control characters, prototype keys, non-string values, nested objects
// and Buffers with invalid UTF-8 never throw, never pollute prototypes, never make tracehop write a
// control character, and a captured carrier never exceeds the documented size.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createContextKey,
  defaultTextMapGetter,
  propagation,
  ROOT_CONTEXT,
  trace,
  type TextMapGetter,
} from "@opentelemetry/api";
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
import { HEADER_NAMES, hostileCarrier, oddCarrier, runParameters, validCarrier } from "./arbitraries.js";
import { assertCleanCarrier, assertNoPrototypePollution, assertValidExtraction } from "./checks.js";

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
