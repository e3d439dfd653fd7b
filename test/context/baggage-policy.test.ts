// captureCarrier's `baggage` option: the policy, values and messages of traceCarrierExtension's, from the
// same code (src/context/baggage-policy.ts); its default stays "all" (DESIGN.md: the carrier is what
// would travel as HTTP headers), where the extension's is "none".
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { propagation, type TextMapPropagator } from "@opentelemetry/api";
import { captureCarrier, contextFromCarrier, createPropagator, type BaggagePolicy } from "../../src/index.js";
import { MAX_STORED_CARRIER_BYTES, traceCarrierExtension } from "../../src/prisma/index.js";
import { captureStoredCarrier } from "../../src/prisma/carrier-capture.js";
import { compileBaggagePolicy } from "../../src/context/baggage-policy.js";
import { requestContext, SPAN_ID, TRACE_ID } from "../support/baggage-context.js";

const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

/** The W3C and Datadog fields, without baggage, of {@link requestContext}'s carrier. */
const TRACE_FIELDS = {
  traceparent: TRACEPARENT,
  "x-datadog-trace-id": "9532127138774266268",
  "x-datadog-parent-id": "13235353014750950193",
  "x-datadog-sampling-priority": "1",
  "x-datadog-tags": "_dd.p.tid=0af7651916cd43dd",
};

describe("captureCarrier's baggage option", () => {
  test('default and "all": every baggage entry is in the carrier, as DESIGN.md\'s carrier (HTTP headers) holds it', () => {
    const context = requestContext();
    const all = { ...TRACE_FIELDS, baggage: "tenant=t-001,plan=gold,email=ada@example.com" };
    assert.deepEqual(captureCarrier({ context }), all);
    assert.deepEqual(captureCarrier({ context, baggage: "all" }), all);
    assert.deepEqual(captureCarrier({ context, baggage: undefined }), all);
  });

  test('"none" and []: no baggage header, the trace fields unchanged', () => {
    const context = requestContext();
    assert.deepEqual(captureCarrier({ context, baggage: "none" }), TRACE_FIELDS);
    assert.deepEqual(captureCarrier({ context, baggage: [] }), TRACE_FIELDS);
  });

  test("a list of keys keeps those entries only (exact, case-sensitive keys)", () => {
    const context = requestContext();
    assert.deepEqual(captureCarrier({ context, baggage: ["tenant", "plan"] }), {
      ...TRACE_FIELDS,
      baggage: "tenant=t-001,plan=gold",
    });
    // `Tenant` is not `tenant` (W3C Baggage §3.2.1.2 keys are case-sensitive): nothing kept.
    assert.deepEqual(captureCarrier({ context, baggage: ["Tenant"] }), TRACE_FIELDS);
  });

  test("the filtered carrier restores only the entries kept; the context's own baggage is untouched", () => {
    const context = requestContext();
    const restored = contextFromCarrier(captureCarrier({ context, baggage: ["email"] }));
    assert.deepEqual(
      propagation
        .getBaggage(restored)
        ?.getAllEntries()
        .map(([key, entry]) => [key, entry.value]),
      [["email", "ada@example.com"]],
    );
    assert.equal(propagation.getBaggage(context)?.getAllEntries().length, 3);
  });

  test("an ot-baggage-<key> header a propagator writes anyway follows the policy by key", () => {
    // A propagator that writes its own OpenTracing-era headers whatever the context's baggage is.
    const legacy: TextMapPropagator = {
      inject(_ctx, carrier: Record<string, string>) {
        carrier.traceparent = TRACEPARENT;
        carrier["ot-baggage-tenant"] = "t-001";
        carrier["ot-baggage-email"] = "ada@example.com";
      },
      extract: (ctx) => ctx,
      fields: () => ["traceparent"],
    };
    const context = requestContext();
    assert.deepEqual(captureCarrier({ context, propagator: legacy, baggage: ["tenant"] }), {
      traceparent: TRACEPARENT,
      "ot-baggage-tenant": "t-001",
    });
    assert.deepEqual(captureCarrier({ context, propagator: legacy, baggage: "none" }), {
      traceparent: TRACEPARENT,
    });
    assert.equal(Object.keys(captureCarrier({ context, propagator: legacy })).length, 3);
  });

  test("the same policy keeps the same baggage as traceCarrierExtension's capture for a row", () => {
    const context = requestContext();
    for (const policy of ["none", "all", ["plan"], []] as BaggagePolicy[]) {
      const allowed = compileBaggagePolicy(policy, "tracehop traceCarrierExtension", "none");
      assert.deepEqual(
        captureCarrier({ context, baggage: policy }),
        captureStoredCarrier(allowed, MAX_STORED_CARRIER_BYTES, { context }),
        JSON.stringify(policy),
      );
    }
  });

  test("a bad value is a TypeError naming the accepted values, as the extension's, under captureCarrier's name", () => {
    const context = requestContext();
    const cases: [unknown, string][] = [
      ["None", 'baggage must be "none", "all" or an array of baggage keys, got "None"'],
      [true, 'baggage must be "none", "all" or an array of baggage keys, got true'],
      [null, 'baggage must be "none", "all" or an array of baggage keys, got null'],
      [new Set(["tenant"]), 'baggage must be "none", "all" or an array of baggage keys, got a Set'],
      [["tenant", ""], 'baggage[1] must be a baggage key (a non-empty string such as "tenant"), got ""'],
      [
        ["a b"],
        'baggage[0] is "a b", which no baggage header can carry: a baggage key is a token of ASCII letters, digits and !#$%&\'*+-.^_`|~ (W3C Baggage §3.2.1.2, RFC 7230 token), without spaces, commas, semicolons or quotes',
      ],
    ];
    for (const [baggage, message] of cases) {
      assert.throws(() => captureCarrier({ context, baggage: baggage as never }), {
        name: "TypeError",
        message: `tracehop captureCarrier: ${message}`,
      });
      assert.throws(() => traceCarrierExtension({ baggage: baggage as never }), {
        name: "TypeError",
        message: `tracehop traceCarrierExtension: ${message}`,
      });
    }
  });

  test("baggage is an option of captureCarrier only: contextFromCarrier names it unknown", () => {
    assert.throws(() => contextFromCarrier({ traceparent: TRACEPARENT }, { baggage: "none" } as never), {
      name: "TypeError",
      message:
        'tracehop contextFromCarrier: there is no option "baggage"; the options are context, propagator',
    });
  });

  test('with a propagator of the baggage style alone, "none" leaves nothing to propagate: {}', () => {
    const context = requestContext();
    assert.deepEqual(
      captureCarrier({ context, propagator: createPropagator("baggage"), baggage: "none" }),
      {},
    );
  });
});
