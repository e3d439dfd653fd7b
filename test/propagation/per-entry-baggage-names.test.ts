// One rule for the per-entry baggage headers, `ot-baggage-<key>` and Jaeger's `uberctx-<key>`: the
// exported `isPropagationHeaderName` (tracehop/messaging) accepts both, as the baggage policy
// (`isBaggageHeader`) and the message writers (which remove them before a new context is written) treat
// both, and `tracehop inspect` reads a row holding one at its top level as a carrier, as it does a row
// holding an `ot-baggage-*` header.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isPropagationHeaderName, removePropagationHeaders } from "../../src/messaging/index.js";
import { isBaggageHeader } from "../../src/context/baggage-policy.js";
import { run } from "../cli/run-cli.js";
import { TRACE_ID, SPAN_ID } from "../support/baggage-context.js";

const NAMES = [
  "traceparent",
  "baggage",
  "x-datadog-trace-id",
  "b3",
  "ot-baggage-tenant",
  "uberctx-tenant",
  "uberctx-",
  "ot-baggage-",
  "uberctxtenant",
  "x-app",
  "uber-trace-id",
];

describe("per-entry baggage headers: the exported predicate, the baggage rule and the message writers agree", () => {
  test("isPropagationHeaderName accepts uberctx-<key> as it does ot-baggage-<key>, not the bare prefix", () => {
    assert.equal(isPropagationHeaderName("uberctx-tenant"), true);
    assert.equal(isPropagationHeaderName("ot-baggage-tenant"), true);
    assert.equal(isPropagationHeaderName("uberctx-"), false);
    // Lower case only, as for every name it takes.
    assert.equal(isPropagationHeaderName("Uberctx-tenant"), false);
    for (const name of NAMES)
      if (isBaggageHeader(name)) assert.equal(isPropagationHeaderName(name), true, name);
  });

  test("what removePropagationHeaders removes from message headers is what the predicate accepts", () => {
    const headers: Record<string, unknown> = Object.fromEntries(NAMES.map((name) => [name, "v"]));
    assert.equal(removePropagationHeaders(headers), true);
    assert.deepEqual(
      Object.keys(headers),
      NAMES.filter((name) => !isPropagationHeaderName(name)),
    );
  });

  test("tracehop inspect reads a row holding uberctx-* at its top level as the carrier, as one holding ot-baggage-*", () => {
    const traceparent = `00-${TRACE_ID}-${SPAN_ID}-01`;
    for (const header of ["ot-baggage-tenant", "uberctx-tenant"]) {
      const row = { id: "1", [header]: "acme", meta: { traceparent } };
      const { stdout } = run(["inspect", "--json", JSON.stringify(row)]);
      const report = JSON.parse(stdout) as { carrierFrom?: string; diagnostics: string[] };
      assert.equal(report.carrierFrom, undefined, header);
      assert.ok(
        report.diagnostics.every((line) => !line.includes("no propagation header at its top level")),
        `${header}: ${report.diagnostics.join("; ")}`,
      );
    }
  });

  test("tracehop inspect says how a uberctx-* header spelt two ways is read: by Jaeger's propagator, its first value", () => {
    const carrier = {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      "uberctx-tenant": "a",
      "Uberctx-Tenant": "b",
    };
    const { stdout } = run(["inspect", "--json", JSON.stringify(carrier)]);
    const notes = (JSON.parse(stdout) as { diagnostics: string[] }).diagnostics.filter((line) =>
      line.startsWith("uberctx-tenant is spelt 2 ways"),
    );
    assert.equal(notes.length, 1, stdout);
    assert.match(notes[0]!, /JaegerPropagator beside createPropagator\(\) reads the first value$/);
    assert.doesNotMatch(notes[0]!, /B3/);
  });
});
