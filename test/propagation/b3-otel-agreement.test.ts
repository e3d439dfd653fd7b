// The `b3` and `b3multi` styles write what @opentelemetry/propagator-b3 writes and extract the span context it
// extracts, wherever tracehop's own rules (docs/conformance.md, "B3 styles") do not apply: lower-case ids of 16
// or 32 digits, a sampling state present, no Datadog fields and no debug flag on inject.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
} from "@opentelemetry/api";
import { B3InjectEncoding, B3Propagator } from "@opentelemetry/propagator-b3";
import { createPropagator } from "../../src/propagation/create-propagator.js";

/** @opentelemetry/propagator-b3's debug key (`createContextKey` is `Symbol.for` of the description). */
const DEBUG_KEY = createContextKey("OpenTelemetry Context Key B3 Debug Flag");
const otel = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
const mineSingle = createPropagator(["b3"]);
const mineMulti = createPropagator(["b3multi"]);

const hex = (length: number) =>
  fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).map((id) => id.slice(0, length));
/** Ids of the accepted forms, all zeros among them (refused by both). */
const traceIdArb = fc.oneof(hex(32), hex(16), fc.constant("0".repeat(32)), fc.constant("0".repeat(16)));
const spanIdArb = fc.oneof(hex(16), fc.constant("0".repeat(16)));

/** What each side's extract gives: the span context's fields and the debug key. */
function reading(ctx: ReturnType<typeof otel.extract>) {
  const sc = trace.getSpanContext(ctx);
  return {
    span: sc && { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags, isRemote: sc.isRemote },
    debug: ctx.getValue(DEBUG_KEY),
  };
}

test("b3multi extract gives OpenTelemetry's span context and debug key for every sampling value it reads", () => {
  fc.assert(
    fc.property(
      traceIdArb,
      spanIdArb,
      // Present sampling states: OpenTelemetry's accept and deny values, and values it refuses.
      fc.constantFrom<unknown>("1", "0", "true", "True", "false", "False", true, false, 1, 0, "yes", "2", [
        "1",
      ]),
      fc.constantFrom<unknown>(undefined, "1", "0", "true", ["1"]),
      (traceId, spanId, sampled, flags) => {
        const carrier = {
          "x-b3-traceid": traceId,
          "x-b3-spanid": spanId,
          "x-b3-sampled": sampled,
          "x-b3-flags": flags,
        };
        assert.deepEqual(
          reading(mineMulti.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)),
          reading(otel.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)),
        );
      },
    ),
  );
});

test("b3 extract gives OpenTelemetry's span context and debug key for every single header with a state", () => {
  fc.assert(
    fc.property(
      traceIdArb,
      spanIdArb,
      fc.constantFrom("0", "1", "d"),
      fc.option(hex(16), { nil: undefined }),
      (traceId, spanId, state, parent) => {
        const carrier = { b3: `${traceId}-${spanId}-${state}${parent === undefined ? "" : `-${parent}`}` };
        assert.deepEqual(
          reading(mineSingle.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)),
          reading(otel.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)),
        );
      },
    ),
  );
});

test("b3 and b3multi inject write OpenTelemetry's headers for a span without Datadog fields or debug flag", () => {
  const otelSingle = new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
  fc.assert(
    fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 3 }), (traceId, spanId, traceFlags) => {
      const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags, isRemote: true });
      for (const [mine, theirs] of [
        [mineSingle, otelSingle],
        [mineMulti, otel],
      ] as const) {
        const written: Record<string, string> = {};
        const expected: Record<string, string> = {};
        mine.inject(ctx, written, defaultTextMapSetter);
        theirs.inject(ctx, expected, defaultTextMapSetter);
        assert.deepEqual(written, expected);
      }
    }),
  );
});
