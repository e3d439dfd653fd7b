/**
 * Every inject/extract helper of tracehop/messaging keeps its contract on hostile headers: null,
 * undefined, non-objects, frozen / sealed / non-extensible objects, throwing getters, non-configurable
 * propagation headers, proxies whose traps throw. Propagation never throws on bad input; a failure of
 * tracing never fails the message (DEVELOPERS.md "Rules of the house").
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import {
  amqpHeadersGetter,
  amqpHeadersSetter,
  contextFromAmqpHeaders,
  contextFromKafkaHeaders,
  injectAmqpHeaders,
  injectKafkaHeaders,
  kafkaHeadersGetter,
  kafkaHeadersSetter,
  removePropagationHeaders,
  withProcessSpan,
  withSendSpan,
  writeCarrierToHeaders,
} from "../../src/messaging/index.js";
import {
  anyCase,
  HEADER_NAMES,
  oddDatadogId,
  oddTraceparent,
  oddTracestate,
  runParameters,
} from "../hardening/arbitraries.js";
import { assertValidExtraction } from "../hardening/checks.js";
import { createPropagator, getDatadogContext } from "../../src/index.js";
import { datadogTraceId, inSpan, traceparentOf } from "./tracing.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const kafka = { system: "kafka", destination: "jobs" } as const;

/** How a generated plain headers object is made hostile; `proxy` ones cannot be read back reliably. */
type Wrap =
  | "none"
  | "freeze"
  | "seal"
  | "preventExtensions"
  | "nullPrototype"
  | "throwingGetter"
  | "nonConfigurableTraceparent"
  | "ignoringSetter"
  | { proxy: string[] };

const TRAPS = [
  "get",
  "set",
  "has",
  "ownKeys",
  "getOwnPropertyDescriptor",
  "deleteProperty",
  "defineProperty",
  "isExtensible",
  "getPrototypeOf",
];

function throwingProxy(target: object, traps: string[]): object {
  const handler: ProxyHandler<object> = {};
  for (const trap of traps) {
    (handler as Record<string, unknown>)[trap] = () => {
      throw new Error(`${trap} trap`);
    };
  }
  return new Proxy(target, handler);
}

function build(fields: Record<string, unknown>, wrap: Wrap): Record<string, unknown> {
  const headers: Record<string, unknown> =
    wrap === "nullPrototype" ? Object.assign(Object.create(null), fields) : { ...fields };
  if (wrap === "freeze") return Object.freeze(headers);
  if (wrap === "seal") return Object.seal(headers);
  if (wrap === "preventExtensions") return Object.preventExtensions(headers);
  if (wrap === "throwingGetter") {
    Object.defineProperty(headers, "x-app-getter", {
      enumerable: true,
      configurable: true,
      get: () => {
        throw new Error("getter");
      },
    });
  }
  if (wrap === "nonConfigurableTraceparent") {
    Object.defineProperty(headers, "TraceParent", { value: TP, enumerable: true, writable: true });
  }
  if (wrap === "ignoringSetter") {
    // An accessor that drops what is written; configurable, so the inject replaces it.
    Object.defineProperty(headers, "traceparent", {
      enumerable: true,
      configurable: true,
      get: () => "stale",
      set: () => undefined,
    });
  }
  if (typeof wrap === "object") return throwingProxy(headers, wrap.proxy) as Record<string, unknown>;
  return headers;
}

const headerName = fc.oneof(
  fc.constantFrom(
    "traceparent",
    "TraceParent",
    "tracestate",
    "baggage",
    "x-datadog-trace-id",
    "X-Datadog-Parent-Id",
    "x-b3-traceid",
    "ot-baggage-user",
    "traceContext",
    "createdAt",
    "__proto__",
    "constructor",
  ),
  fc.string({ maxLength: 12 }),
  // Every propagation header name in any case (X-Datadog-Trace-Id, TRACEPARENT, Baggage).
  fc.constantFrom(...HEADER_NAMES).chain(anyCase),
);
const headerValue = fc.oneof(
  oddTraceparent,
  oddTracestate,
  oddDatadogId,
  fc.oneof(oddTraceparent, oddDatadogId).map((text) => [text, Buffer.from(text)]),
  fc.string({ maxLength: 60 }),
  fc.constant(TP),
  fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes)),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constant(Buffer.from(TP))), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);
const wrap: fc.Arbitrary<Wrap> = fc.oneof(
  fc.constantFrom<Wrap>(
    "none",
    "freeze",
    "seal",
    "preventExtensions",
    "nullPrototype",
    "throwingGetter",
    "nonConfigurableTraceparent",
    "ignoringSetter",
  ),
  fc.subarray(TRAPS, { minLength: 1 }).map((proxy) => ({ proxy })),
);
/** [headers, a readable plain object whose fields can be checked after an inject] */
const hostileHeaders: fc.Arbitrary<{ headers: unknown; checkable: boolean }> = fc.oneof<
  fc.Arbitrary<{ headers: unknown; checkable: boolean }>[]
>(
  fc.tuple(fc.dictionary(headerName, headerValue, { maxKeys: 8 }), wrap).map(([fields, how]) => ({
    headers: build(fields, how),
    checkable: typeof how !== "object",
    // fast-check prints a counterexample without touching the (possibly trapping) headers.
    [fc.toStringMethod]: () => `${JSON.stringify(how)} of ${fc.stringify(fields)}`,
  })),
  fc.constantFrom<unknown>(null, undefined).map((headers) => ({ headers, checkable: true })),
  fc
    .constantFrom<unknown>(0, 42, "traceparent", true, [TP], Buffer.from(TP), Symbol("h"), () => TP)
    .map((headers) => ({ headers, checkable: false })),
);

/** The traceparent an object carries, read without throwing. */
function traceparentIn(headers: unknown): unknown {
  try {
    return (headers as Record<string, unknown>).traceparent;
  } catch {
    return "<unreadable>";
  }
}

describe("tracehop/messaging helpers on hostile headers", () => {
  test("property: inject, extract, getters, setters, withSendSpan and withProcessSpan never throw", async () => {
    await inSpan("producer", (span) => {
      const expected = traceparentOf(span.spanContext());
      const base: Context = ROOT_CONTEXT.setValue(Symbol("base"), 1);
      fc.assert(
        fc.property(hostileHeaders, ({ headers, checkable }) => {
          for (const inject of [injectKafkaHeaders, injectAmqpHeaders] as ((headers: never) => unknown)[]) {
            const result = inject(headers as never);
            if (checkable) {
              // The context is on the returned object (the same one when it could be written in place).
              assert.equal(traceparentIn(result), expected);
            } else if (typeof headers !== "object" || headers === null) {
              assert.equal(result, headers, "anything but an object is returned unchanged");
            }
          }
          for (const extract of [contextFromKafkaHeaders, contextFromAmqpHeaders]) {
            const ctx = extract(headers, { context: base });
            assertValidExtraction(ctx);
            assert.equal(ctx.getValue(Object.getOwnPropertySymbols(base)[0]!) ?? 1, 1);
            assert.ok(typeof ctx.getValue === "function");
          }
          for (const getter of [kafkaHeadersGetter, amqpHeadersGetter]) {
            getter.get(headers as never, "traceparent");
            getter.get(headers as never, "X-Datadog-Trace-Id");
            assert.ok(Array.isArray(getter.keys(headers as never)));
          }
          for (const setter of [kafkaHeadersSetter, amqpHeadersSetter])
            setter.set(headers as never, "traceparent", TP);
          removePropagationHeaders(headers as never);
          writeCarrierToHeaders(headers as never, { traceparent: TP });

          let sent: unknown;
          withSendSpan({ ...kafka, headers: headers as never }, (h, sendSpan) => {
            sent = h;
            if (checkable) assert.equal(traceparentIn(h), traceparentOf(sendSpan.spanContext()));
          });
          assert.ok(sent !== undefined || headers === undefined);
          let runs = 0;
          const value = withProcessSpan(headers, kafka, () => ++runs);
          assert.equal(value, 1);
          assert.equal(runs, 1, "the handler runs once");
        }),
        runParameters(400),
      );
    });
  });

  test("frozen and null headers: injectKafkaHeaders returns the context on a new object, leaves the frozen one alone", async () => {
    await inSpan("producer", (span) => {
      const expected = traceparentOf(span.spanContext());
      const frozen = Object.freeze({ a: "1", TraceParent: "stale", "x-b3-traceid": "stale" });
      const copy = injectKafkaHeaders(frozen as never);
      assert.notEqual(copy, frozen);
      assert.equal(copy.a, "1", "application headers copied");
      assert.equal(copy.traceparent, expected);
      assert.equal("TraceParent" in copy || "x-b3-traceid" in copy, false, "stale context not copied (B13)");
      assert.deepEqual(Object.keys(frozen), ["a", "TraceParent", "x-b3-traceid"]);
      assert.equal(injectKafkaHeaders(null as never).traceparent, expected);
      assert.equal(injectAmqpHeaders(null as never).traceparent, expected);
      // A non-configurable stale header cannot be removed: the context goes on a copy, never beside it.
      const pinned: Record<string, unknown> = { app: "y" };
      Object.defineProperty(pinned, "x-datadog-trace-id", { value: "1", enumerable: true, writable: true });
      const result = injectAmqpHeaders(pinned);
      assert.notEqual(result, pinned);
      assert.deepEqual(Object.keys(result).sort(), [
        "app",
        "traceparent",
        "x-datadog-parent-id",
        "x-datadog-sampling-priority",
        "x-datadog-tags",
        "x-datadog-trace-id",
      ]);
      assert.equal(result["x-datadog-trace-id"], datadogTraceId(span.spanContext().traceId));
    });
  });

  test("the getters never throw and stay bounded on a hostile object", () => {
    const huge: Record<string, string> = {};
    for (let i = 0; i < 200_000; i++) huge[`k${i}`] = "v";
    huge.TraceParent = TP; // beyond the bounded any-case scan
    huge.traceparent = TP;
    assert.equal(kafkaHeadersGetter.get(huge, "traceparent"), TP, "an exact name is found anywhere");
    assert.equal(kafkaHeadersGetter.keys(huge).length, 128);
    // Listing the names of a large object costs all of them (≈ 0.3 s for 200 000 here): done once,
    // however many fields a propagator asks for.
    let listings = 0;
    const counting = new Proxy(huge, {
      ownKeys: (target) => {
        listings++;
        return Reflect.ownKeys(target);
      },
    });
    for (let i = 0; i < 20; i++) assert.equal(kafkaHeadersGetter.get(counting, `Missing-${i}`), undefined);
    assert.equal(kafkaHeadersGetter.get(counting, "X-Datadog-Trace-Id"), undefined);
    assert.equal(listings, 1);
    const trap = throwingProxy({ traceparent: TP }, ["get", "ownKeys", "getOwnPropertyDescriptor"]);
    assert.equal(amqpHeadersGetter.get(trap as never, "traceparent"), undefined);
    assert.deepEqual(amqpHeadersGetter.keys(trap as never), []);
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(trap)), undefined);
  });

  test("Headers of more than 4096 entries: the context is read and copied wherever its headers sort", () => {
    // The stored-carrier reader iterates 4096 entries of a Headers object at most (name order): the
    // propagation headers past them are asked by name. Guards against losing a context that sorts late.
    const headers = new Headers();
    for (let i = 0; i < 5000; i++) headers.set(`a-${String(i).padStart(4, "0")}`, "x");
    headers.set("traceparent", TP);
    headers.set("x-datadog-trace-id", "1");
    headers.set("x-datadog-parent-id", "2");
    // The default styles read datadog first; each style alone reads its own headers.
    assert.equal(trace.getSpanContext(contextFromKafkaHeaders(headers))?.spanId, "0000000000000002");
    assert.equal(trace.getSpanContext(contextFromAmqpHeaders(headers))?.spanId, "0000000000000002");
    const w3cOnly = createPropagator(["tracecontext"]);
    assert.equal(
      trace.getSpanContext(contextFromKafkaHeaders(headers, { propagator: w3cOnly }))?.spanId,
      "00f067aa0ba902b7",
    );
    const copied = writeCarrierToHeaders({}, headers) as Record<string, unknown>;
    assert.equal(copied.traceparent, TP);
    assert.equal(copied["x-datadog-parent-id"], "2");
  });

  test("the getters' keys of a Map or Headers stop iterating at 128 names", () => {
    let pulled = 0;
    const lookAlike = {
      [Symbol.toStringTag]: "Headers",
      [Symbol.iterator]: () => ({
        next: () => (pulled < 10_000 ? { done: false, value: [`a-${++pulled}`, "x"] } : { done: true }),
      }),
      get: () => null,
      set: () => undefined,
      append: () => undefined,
      delete: () => undefined,
    };
    // Guards against listing every entry first (all 10 000 here; an endless iterator would never return).
    assert.equal(kafkaHeadersGetter.keys(lookAlike as never).length, 128);
    assert.equal(pulled, 128);
    let mapPulled = 0;
    const map = new Map<unknown, string>(
      Array.from({ length: 10_000 }, (_, i) => [i % 2 ? `k${i}` : i, "v"]),
    );
    const counted = new Proxy(map, {
      get: (target, key) => {
        const value: unknown = Reflect.get(target, key, target);
        if (key !== "keys") return typeof value === "function" ? value.bind(target) : value;
        return () => {
          const keys = target.keys();
          return { [Symbol.iterator]: () => ({ next: () => (mapPulled++, keys.next()) }) };
        };
      },
    });
    const names = amqpHeadersGetter.keys(counted as never);
    assert.deepEqual(
      names,
      Array.from({ length: 128 }, (_, i) => `k${2 * i + 1}`),
    );
    assert.equal(mapPulled, 256);
  });

  test("the getters read a byte value that starts with a BOM as the same text sent as a string (the BOM is kept)", () => {
    const propagator = createPropagator();
    const ids = { "x-datadog-trace-id": "1", "x-datadog-parent-id": "1" };
    for (const getter of [kafkaHeadersGetter, amqpHeadersGetter]) {
      assert.equal(getter.get({ origin: Buffer.from("\ufeffrum") }, "origin"), "\ufeffrum");
      const bytes = propagator.extract(
        ROOT_CONTEXT,
        { ...ids, "x-datadog-origin": Buffer.from("\ufeffrum") },
        getter,
      );
      assert.equal(getDatadogContext(bytes)?.origin, undefined, "U+FEFF is no printable ASCII");
      const id = propagator.extract(
        ROOT_CONTEXT,
        { ...ids, "x-datadog-parent-id": Buffer.from("\ufeff1") },
        getter,
      );
      assert.equal(trace.getSpanContext(id), undefined);
    }
  });

  test("a setter handed headers that refuse the write (frozen, sealed, not extensible, a proxy whose set trap fails): nothing written, said once per process and setter with the fix", async () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
      isRemote: true,
    });
    const propagator = createPropagator(["tracecontext", "datadog"]);
    // The warnings the property test above set off are emitted on a later tick: let them come first.
    await new Promise((resolve) => setImmediate(resolve));
    const refusing = (): Record<string, unknown>[] => [
      Object.freeze({ "x-app": "1" }),
      Object.seal({ "x-app": "1" }),
      Object.preventExtensions({ "x-app": "1" }),
      new Proxy({ "x-app": "1" } as Record<string, unknown>, { set: () => false }),
    ];
    for (const [setter, helper, writer] of [
      [amqpHeadersSetter, "amqpHeadersSetter", "injectAmqpHeaders"],
      [kafkaHeadersSetter, "kafkaHeadersSetter", "injectKafkaHeaders"],
    ] as const) {
      resetWarnings();
      const told = await recordWarnings(() => {
        for (const headers of refusing()) {
          propagator.inject(ctx, headers, setter);
          assert.deepEqual(Object.keys(headers), ["x-app"], "nothing written");
        }
      });
      const message = `tracehop ${helper}: the headers refused the field "traceparent" (a frozen, sealed or non-extensible object, a read-only field, or a setter or proxy trap that threw), so the message leaves without it, and without the trace context when every field was refused: hand the setter headers it can write (a new object per message: { ...headers }), or write them with ${writer}, which puts the context on a copy of headers that cannot take it`;
      assert.deepEqual(said(told, "TRACEHOP_HEADERS_NOT_WRITABLE"), [message]);
      assert.deepEqual(
        told.diagWarnings.filter((m) => m === message),
        [message],
      );
    }
    resetWarnings();
  });
});
