// A getter whose `keys` throws, given to createPropagator's extract of a traceparent carrier: the
// datadog style's `ot-baggage-*` entries cannot be listed. Said with diag.warn at each extract, not once
// per process: the same getter's throw on a carrier with Datadog headers is `tracehop: datadog extract
// failed`, said at each extract (style-failure.ts's rule: whether a getter throws may depend on the
// carrier it is given, a message without headers), and one getter bug is said the same way whichever
// carrier meets it. The trace itself is still continued from the traceparent.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ROOT_CONTEXT,
  defaultTextMapGetter,
  propagation,
  trace,
  type TextMapGetter,
} from "@opentelemetry/api";
import { createPropagator } from "../../src/index.js";
import { recordWarnings } from "../support/warnings.js";

const TRACEPARENT = "00-640cfd8d00000000000000000000007b-00000000000001c8-01";

/** The default getter, except that `keys` throws `message`. */
function keysThrow(message: string): TextMapGetter {
  return {
    get: defaultTextMapGetter.get,
    keys: () => {
      throw new Error(message);
    },
  };
}

describe("ot-baggage-* entries of a carrier whose getter's keys throws", () => {
  test("the trace is continued without them, and each extract says so (diag only, no process warning)", async () => {
    const propagator = createPropagator(["tracecontext", "datadog"]);
    const told = await recordWarnings(() =>
      ["first", "second"].map((message) =>
        propagator.extract(
          ROOT_CONTEXT,
          { traceparent: TRACEPARENT, "ot-baggage-user": "bob" },
          keysThrow(message),
        ),
      ),
    );
    for (const ctx of told.result) {
      assert.equal(trace.getSpanContext(ctx)?.traceId, "640cfd8d00000000000000000000007b");
      assert.equal(propagation.getBaggage(ctx), undefined);
    }
    assert.deepEqual(told.diagWarnings, [
      "tracehop: ot-baggage-* extract failed",
      "tracehop: ot-baggage-* extract failed",
    ]);
    assert.deepEqual(told.processWarnings, []);
  });

  test("a carrier with Datadog headers: the same getter is said as the datadog style's failure, at each extract too", async () => {
    const propagator = createPropagator(["datadog", "tracecontext"]);
    const carrier = { "x-datadog-trace-id": "123", "x-datadog-parent-id": "456", "ot-baggage-user": "bob" };
    const told = await recordWarnings(() =>
      ["first", "second"].map((message) => propagator.extract(ROOT_CONTEXT, carrier, keysThrow(message))),
    );
    assert.deepEqual(told.diagWarnings, [
      "tracehop: datadog extract failed",
      "tracehop: datadog extract failed",
    ]);
    assert.deepEqual(told.processWarnings, []);
  });
});
