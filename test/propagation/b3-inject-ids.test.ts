// What the `b3` and `b3multi` styles write for a span context's ids, of any value: @opentelemetry/propagator-b3's
// headers for the ids in lower case when they are valid hex ids in either case (32 and 16 digits, not all zero);
// else nothing, the carrier left as it was (another trace's stale B3 fields stay, none removed). Held against
// the library's own output, whichever of the two id checks (tracehop's, the library's) decides.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { defaultTextMapSetter, ROOT_CONTEXT, trace, type SpanContext } from "@opentelemetry/api";
import { B3InjectEncoding, B3Propagator } from "@opentelemetry/propagator-b3";
import { B3StylePropagator } from "../../src/propagation/B3StylePropagator.js";
import { createPropagator } from "../../src/propagation/create-propagator.js";

const HEX = "0123456789abcdefABCDEF";
/** Characters next to hex ones: other ASCII letters, and non-ASCII ones whose case mapping is odd. */
const ODD = ["g", "G", "x", " ", "-", "\u0130", "\u212a", "\uff21", "\u00e9", "\u0000"];

/** An id of `length`: hex in any case, sometimes all zero, a character changed, or a length off by one. */
const idArb = (length: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.string({ unit: fc.constantFrom(...HEX), minLength: length, maxLength: length }),
    },
    { weight: 1, arbitrary: fc.constant("0".repeat(length)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.string({ unit: fc.constantFrom(...HEX), minLength: length, maxLength: length }),
          fc.nat(length - 1),
          fc.constantFrom(...ODD),
        )
        .map(([id, at, odd]) => id.slice(0, at) + odd + id.slice(at + 1)),
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: fc.constantFrom(...HEX), minLength: length - 1, maxLength: length + 1 }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        undefined,
        null,
        1234567890123456,
        new String("b7ad6b7169203331"),
        ["b7ad6b7169203331"],
        { toString: () => "b7ad6b7169203331" },
      ),
    },
  );

/** The oracle: a valid id in either case (W3C / OpenTelemetry's grammar, not all zero). */
const isValidId = (id: unknown, length: number) =>
  typeof id === "string" && new RegExp(`^[0-9a-fA-F]{${length}}$`).test(id) && !/^0+$/.test(id);

const STALE_SINGLE = { b3: "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", other: "kept" };
const STALE_MULTI = {
  "x-b3-traceid": "4bf92f3577b34da6a3ce929d0e0e4736",
  "x-b3-spanid": "00f067aa0ba902b7",
  "X-B3-ParentSpanId": "00f067aa0ba902b8",
  "x-b3-sampled": "1",
  other: "kept",
};

test("b3 / b3multi inject: the library's headers for valid ids (lower-cased), else the carrier unchanged", () => {
  fc.assert(
    fc.property(
      idArb(32),
      idArb(16),
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      (traceId, spanId, traceFlags, single, stale, alone) => {
        const encoding = single ? B3InjectEncoding.SINGLE_HEADER : B3InjectEncoding.MULTI_HEADER;
        const library = new B3Propagator({ injectEncoding: encoding });
        const mine = alone ? new B3StylePropagator(single) : createPropagator([single ? "b3" : "b3multi"]);
        const given: Record<string, string> = stale ? { ...(single ? STALE_SINGLE : STALE_MULTI) } : {};
        const sc = { traceId, spanId, traceFlags, isRemote: true } as SpanContext;
        const written = { ...given };
        mine.inject(trace.setSpanContext(ROOT_CONTEXT, sc), written, defaultTextMapSetter);
        if (!isValidId(traceId, 32) || !isValidId(spanId, 16)) {
          assert.deepEqual(written, given);
          return;
        }
        // The library's output for the lower-cased ids, over the carrier without the style's stale fields.
        const expected: Record<string, string> = stale ? { other: "kept" } : {};
        const lower = {
          ...sc,
          traceId: (traceId as string).toLowerCase(),
          spanId: (spanId as string).toLowerCase(),
        };
        library.inject(trace.setSpanContext(ROOT_CONTEXT, lower), expected, defaultTextMapSetter);
        assert.deepEqual(written, expected);
      },
    ),
    { numRuns: 1000 },
  );
});
