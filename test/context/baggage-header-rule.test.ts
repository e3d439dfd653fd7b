// One rule for "is this header baggage" (src/context/baggage-policy.ts isBaggageHeader), used by the
// baggage policy, the bounded trim of a stored carrier and the stale headers a message writer removes:
// `baggage`, `ot-baggage-<key>` and Jaeger's `uberctx-<key>`. A policy that denies baggage stops Jaeger's
// baggage crossing the hop as it stops the others', with the real @opentelemetry/propagator-jaeger; a
// per-entry header is matched by its key in any case (header names are case-insensitive, RFC 9110 §5.1,
// and a carrier writes them lower case).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { propagation, type Context, type TextMapPropagator } from "@opentelemetry/api";
import { CompositePropagator } from "@opentelemetry/core";
import { JaegerPropagator } from "@opentelemetry/propagator-jaeger";
import { captureCarrier, contextFromCarrier, createPropagator } from "../../src/index.js";
import { contextFromAmqpHeaders, injectAmqpHeaders } from "../../src/messaging/index.js";
import { MAX_STORED_CARRIER_BYTES } from "../../src/prisma/index.js";
import { captureStoredCarrier } from "../../src/prisma/carrier-capture.js";
import { compileBaggagePolicy } from "../../src/context/baggage-policy.js";
import { requestContext, SPAN_ID, TRACE_ID } from "../support/baggage-context.js";

const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

/** The default styles and Jaeger's (one `uberctx-<key>` header per baggage entry). */
const withJaeger = (): TextMapPropagator =>
  new CompositePropagator({ propagators: [createPropagator(), new JaegerPropagator()] });

const baggageOf = (context: Context): [string, string][] =>
  (propagation.getBaggage(context)?.getAllEntries() ?? [])
    .map(([key, entry]): [string, string] => [key, entry.value])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const uberctx = (headers: Record<string, unknown>) =>
  Object.keys(headers)
    .filter((name) => name.startsWith("uberctx-"))
    .sort();

describe("one baggage header rule: Jaeger's uberctx-* is baggage to the policy", () => {
  test("with the real Jaeger propagator, a denied policy keeps uberctx-* entries out on capture, and out of a consumed message's headers sent on; none restores", () => {
    const propagator = withJaeger();
    // Capture (captureCarrier, a stored carrier): the entries are removed from the context before inject.
    const context = requestContext();
    for (const [baggage, keys] of [
      ["none", []],
      [[], []],
      [["plan"], ["plan"]],
    ] as const) {
      const allowed = compileBaggagePolicy(baggage, "tracehop traceCarrierExtension", "none");
      for (const carrier of [
        captureCarrier({ context, propagator, baggage }),
        captureStoredCarrier(allowed, MAX_STORED_CARRIER_BYTES, { context, propagator })!,
      ]) {
        assert.deepEqual(
          uberctx(carrier),
          keys.map((key) => `uberctx-${key}`),
        );
        assert.deepEqual(
          baggageOf(contextFromCarrier(carrier, { propagator })).map(([key]) => key),
          keys,
        );
      }
    }
    // Restore then send on: a consumed message's headers, written by the producer's Jaeger propagator.
    // The producer: the real Jaeger propagator beside the default styles writes uberctx-<key> per entry.
    const consumed = injectAmqpHeaders({ "x-app": "kept" }, { context, propagator });
    assert.deepEqual(uberctx(consumed), ["uberctx-email", "uberctx-plan", "uberctx-tenant"]);
    // The consumer restores it and sends the same headers on, keeping no baggage, or the tenant only.
    const restored = contextFromAmqpHeaders(consumed, { propagator });
    assert.equal(baggageOf(restored).length, 3);
    for (const [baggage, keys] of [
      ["none", []],
      [["tenant"], ["tenant"]],
    ] as const) {
      for (const forwardWith of [createPropagator(), propagator]) {
        const sent = injectAmqpHeaders(
          { ...consumed },
          { context: restored, propagator: forwardWith, baggage },
        );
        assert.deepEqual(
          uberctx(sent),
          forwardWith === propagator ? keys.map((key) => `uberctx-${key}`) : [],
          JSON.stringify(baggage),
        );
        assert.equal(sent["x-app"], "kept");
        // Restored by the next hop with the same styles: only the entries the policy keeps.
        assert.deepEqual(
          baggageOf(contextFromAmqpHeaders(sent, { propagator })).map(([key]) => key),
          keys,
          JSON.stringify(baggage),
        );
      }
    }
  });

  test("a propagator that writes per-entry headers whatever the context holds: uberctx-* follows the policy as ot-baggage-* does", () => {
    // Headers written from its own state, not the context's baggage (what the policy's rule 2 is for).
    const headerWriter: TextMapPropagator = {
      inject(_ctx, carrier: Record<string, string>) {
        carrier.traceparent = TRACEPARENT;
        carrier["uberctx-tenant"] = "t-001";
        carrier["uberctx-email"] = "ada%40example.com";
        carrier["ot-baggage-email"] = "ada@example.com";
      },
      extract: (ctx) => ctx,
      fields: () => ["traceparent"],
    };
    const context = requestContext();
    assert.deepEqual(captureCarrier({ context, propagator: headerWriter, baggage: "none" }), {
      traceparent: TRACEPARENT,
    });
    assert.deepEqual(captureCarrier({ context, propagator: headerWriter, baggage: ["tenant"] }), {
      traceparent: TRACEPARENT,
      "uberctx-tenant": "t-001",
    });
    const allowed = compileBaggagePolicy("none", "tracehop traceCarrierExtension", "none");
    assert.deepEqual(
      captureStoredCarrier(allowed, MAX_STORED_CARRIER_BYTES, { context, propagator: headerWriter }),
      { traceparent: TRACEPARENT },
    );
  });

  test("a per-entry header is matched by its key in any case: the allowed entry Email keeps uberctx-email and ot-baggage-email", () => {
    // A context entry `Email` (keys are case-sensitive, W3C Baggage §3.2.1.2): Jaeger writes
    // uberctx-Email, which the carrier holds lower case, as every header name.
    const context = propagation.setBaggage(
      requestContext(),
      propagation.createBaggage({ Email: { value: "ada@example.com" }, tenant: { value: "t-001" } }),
    );
    const propagator = withJaeger();
    const carrier = captureCarrier({ context, propagator, baggage: ["Email"] });
    assert.equal(carrier.baggage, "Email=ada@example.com");
    assert.deepEqual(uberctx(carrier), ["uberctx-email"]);
    // A propagator writing the OT trace format's header for that entry, as it names it.
    const otTrace: TextMapPropagator = {
      inject(ctx, carrier, setter) {
        setter.set(carrier, "traceparent", TRACEPARENT);
        for (const [key, entry] of propagation.getBaggage(ctx)?.getAllEntries() ?? [])
          setter.set(carrier, `ot-baggage-${key}`, entry.value);
      },
      extract: (ctx) => ctx,
      fields: () => ["traceparent"],
    };
    assert.deepEqual(captureCarrier({ context, propagator: otTrace, baggage: ["Email"] }), {
      traceparent: TRACEPARENT,
      "ot-baggage-email": "ada@example.com",
    });
  });
});
