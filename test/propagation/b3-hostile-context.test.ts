// The `b3` and `b3multi` style class called alone (as createPropagator's composite calls its only style) never
// throws: a Context whose methods throw, a span or span context whose members throw when read, a getter or
// setter that throws. Each failure is said as createPropagator says it (`tracehop: b3 inject failed`,
// `tracehop: b3multi extract failed`), and extract yields the context it was given.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from "@opentelemetry/api";
import { B3StylePropagator } from "../../src/propagation/B3StylePropagator.js";
import { setDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { watchDiagWarnings } from "../hardening/checks.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";
const DEBUG_KEY = createContextKey("OpenTelemetry Context Key B3 Debug Flag");

/** Where a hostile Context throws. */
type Fault =
  | "none"
  | "getValue"
  | "setValue"
  | "deleteValue"
  | "span.spanContext"
  | "spanContext.traceId"
  | "spanContext.spanId"
  | "spanContext.traceFlags"
  | "spanContext.traceState"
  | "traceState.get"
  | "debug value";

const FAULTS: Fault[] = [
  "none",
  "getValue",
  "setValue",
  "deleteValue",
  "span.spanContext",
  "spanContext.traceId",
  "spanContext.spanId",
  "spanContext.traceFlags",
  "spanContext.traceState",
  "traceState.get",
  "debug value",
];

const boom = (what: string) => () => {
  throw new Error(`hostile ${what}`);
};

/**
 * A Context over `inner` (a real one: a sampled span of TRACE/SPAN, a B3 debug flag and Datadog priority 2
 * when `debug`) that throws at `fault`.
 */
function hostileContext(fault: Fault, debug: boolean): Context {
  let inner = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE,
    spanId: SPAN,
    traceFlags: 1,
    isRemote: true,
  });
  if (debug) inner = setDatadogContext(inner.setValue(DEBUG_KEY, "d"), { samplingPriority: 2 });
  const spanOf = (span: ReturnType<typeof trace.getSpan>) => {
    if (span === undefined || !fault.startsWith("span") || fault === "span.spanContext") return span;
    const sc = span.spanContext();
    const member = fault.slice("spanContext.".length);
    const hostile = { ...sc };
    Object.defineProperty(hostile, member, { get: boom(fault), enumerable: true });
    return trace.wrapSpanContext(hostile);
  };
  const context: Context = {
    getValue(key) {
      if (fault === "getValue") boom(fault)();
      if (fault === "debug value" && key === DEBUG_KEY)
        return new Proxy({}, { get: boom(fault), has: boom(fault), ownKeys: boom(fault) });
      const value = inner.getValue(key);
      const span = trace.getSpan(inner);
      if (value !== undefined && value === span) {
        if (fault === "span.spanContext") return { ...span, spanContext: boom(fault) };
        if (fault === "traceState.get")
          return trace.wrapSpanContext({
            ...span.spanContext(),
            traceState: {
              get: boom(fault),
              set: boom(fault),
              unset: boom(fault),
              serialize: boom(fault),
            },
          });
        return spanOf(span);
      }
      return value;
    },
    setValue(key, value) {
      if (fault === "setValue") boom(fault)();
      return inner.setValue(key, value);
    },
    deleteValue(key) {
      if (fault === "deleteValue") boom(fault)();
      return inner.deleteValue(key);
    },
  };
  return context;
}

/** A getter, and a setter, that work or throw. */
const throwingGetter: TextMapGetter = { get: boom("get"), keys: boom("keys") };
const throwingSetter: TextMapSetter = { set: boom("set") };

const CARRIERS: Record<string, string>[] = [
  { b3: `${TRACE}-${SPAN}-1` },
  { b3: `${TRACE}-${SPAN}-d` },
  { b3: `${TRACE}-${SPAN}` },
  { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-sampled": "0" },
  { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "1" },
  { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN },
];

test("b3 and b3multi alone: a hostile context, getter or setter never makes inject or extract throw", () => {
  const warnings = watchDiagWarnings();
  try {
    fc.assert(
      fc.property(
        fc.constantFrom(...FAULTS),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(...CARRIERS),
        (fault, debug, single, hostileIo, read) => {
          const style = single ? "b3" : "b3multi";
          const propagator = new B3StylePropagator(single);
          const ctx = hostileContext(fault, debug);
          warnings.messages.length = 0;
          const carrier: Record<string, string> = {};
          try {
            propagator.inject(ctx, carrier, hostileIo ? throwingSetter : defaultTextMapSetter);
          } catch (error) {
            assert.fail(`${style} inject with ${fault} threw ${String(error)}`);
          }
          for (const message of warnings.messages) assert.equal(message, `tracehop: ${style} inject failed`);
          // A hostile context at a place inject reads, or a setter that throws, writes nothing it can finish.
          if (fault === "none" && !hostileIo) assert.equal(warnings.messages.length, 0);
          else if (hostileIo) assert.deepEqual(carrier, {});
          warnings.messages.length = 0;
          let extracted: Context;
          try {
            extracted = propagator.extract(ctx, read, hostileIo ? throwingGetter : defaultTextMapGetter);
          } catch (error) {
            assert.fail(`${style} extract with ${fault} threw ${String(error)}`);
          }
          for (const message of warnings.messages) assert.equal(message, `tracehop: ${style} extract failed`);
          if (hostileIo || warnings.messages.length > 0) assert.equal(extracted, ctx);
          else if (extracted !== ctx) assert.equal(trace.getSpanContext(extracted)?.spanId, SPAN);
        },
      ),
      { numRuns: 400 },
    );
  } finally {
    warnings.stop();
  }
});

test("b3 and b3multi alone: what each hostile context gives (a real span context is written; a throw is said)", () => {
  const warnings = watchDiagWarnings();
  try {
    for (const single of [true, false]) {
      const style = single ? "b3" : "b3multi";
      const propagator = new B3StylePropagator(single);
      for (const fault of FAULTS) {
        warnings.messages.length = 0;
        const carrier: Record<string, string> = {};
        propagator.inject(hostileContext(fault, true), carrier, defaultTextMapSetter);
        // What inject never reads (the tracestate) leaves it whole: the debug trace. A context copy made to
        // re-spell the debug flag for the form written (`d` read, x-b3-flags written) fails with setValue.
        const whole = ["none", "deleteValue", "spanContext.traceState", "traceState.get"];
        if (single) whole.push("setValue");
        if (whole.includes(fault)) {
          assert.deepEqual(
            carrier,
            single
              ? { b3: `${TRACE}-${SPAN}-d` }
              : { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "1" },
            `${style} ${fault}`,
          );
          assert.deepEqual(warnings.messages, [], `${style} ${fault}`);
        } else if (fault === "debug value") {
          // A debug key of no B3 spelling is no debug flag (compared, never read): the Datadog priority 2
          // decides, as dd-trace-js writes it (x-b3-flags: 1; a plain 1 in the single header).
          assert.deepEqual(
            carrier,
            single
              ? { b3: `${TRACE}-${SPAN}-1` }
              : { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "1" },
            `${style} ${fault}`,
          );
          assert.deepEqual(warnings.messages, [], `${style} ${fault}`);
        } else {
          assert.deepEqual(carrier, {}, `${style} ${fault}`);
          assert.deepEqual(warnings.messages, [`tracehop: ${style} inject failed`], `${style} ${fault}`);
        }
      }
    }
  } finally {
    warnings.stop();
  }
});
