// `tracehop inspect` on a carrier of a format tracehop builds in no style for (Jaeger, AWS X-Ray, OT
// trace): the report names the format and the propagator that reads it, as the restore's
// TRACEHOP_CARRIER_REJECTED warning does, instead of calling its headers none.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { run } from "./run-cli.js";

const JAEGER = "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1";
const XRAY = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

/** The report `inspect --json` prints for `carrier` (one argument), with its exit code. */
function report(carrier: unknown, env: NodeJS.ProcessEnv = process.env) {
  const result = run(["inspect", "--json", JSON.stringify(carrier)], undefined, env);
  return { code: result.code, ...(JSON.parse(result.stdout) as { valid: boolean; diagnostics: string[] }) };
}

/** The diagnostics of `diagnostics` that name `text`. */
function naming(diagnostics: readonly string[], text: string): string[] {
  return diagnostics.filter((line) => line.includes(text));
}

describe("tracehop inspect: a carrier of a format tracehop does not read", () => {
  test("a Jaeger uber-trace-id alone, at the top level or in the row's traceContext, is named with its propagator", () => {
    for (const input of [
      { "uber-trace-id": JAEGER },
      { traceContext: { "uber-trace-id": JAEGER } },
      { "UBER-TRACE-ID": JAEGER, baggage: "a=b" },
    ]) {
      const { code, valid, diagnostics } = report(input);
      assert.equal(code, 1, JSON.stringify(input));
      assert.equal(valid, false);
      const said = naming(diagnostics, "uber-trace-id");
      assert.equal(said.length, 1, JSON.stringify(diagnostics));
      assert.match(said[0]!, /jaeger format, which tracehop builds in no style for/);
      assert.match(
        said[0]!,
        /new CompositePropagator\(\{ propagators: \[createPropagator\(\), new JaegerPropagator\(\)\] \}\)/,
      );
      assert.match(said[0]!, /@opentelemetry\/propagator-jaeger/);
      // Never said as a carrier without any propagation header.
      assert.deepEqual(naming(diagnostics, "holds no propagation header"), [], JSON.stringify(diagnostics));
    }
  });

  test("AWS X-Ray and OT trace headers are named too; a load balancer's X-Ray header without Parent is not", () => {
    const xray = report({ "x-amzn-trace-id": XRAY });
    assert.equal(xray.code, 1);
    assert.equal(naming(xray.diagnostics, "AWSXRayPropagator").length, 1, JSON.stringify(xray.diagnostics));
    const ot = report({ "ot-tracer-traceid": "4bf92f3577b34da6", "ot-tracer-spanid": "00f067aa0ba902b7" });
    assert.equal(naming(ot.diagnostics, "OTTracePropagator").length, 1, JSON.stringify(ot.diagnostics));
    const lb = report({ "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793" });
    assert.deepEqual(naming(lb.diagnostics, "AWSXRayPropagator"), []);
  });

  test("beside ids of a style tracehop reads, the format is not said", () => {
    const valid = report({
      "uber-trace-id": JAEGER,
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    assert.equal(valid.code, 0);
    assert.deepEqual(naming(valid.diagnostics, "JaegerPropagator"), []);
    const rejected = report({ "uber-trace-id": JAEGER, traceparent: "00-zz" });
    assert.equal(rejected.code, 1);
    assert.deepEqual(naming(rejected.diagnostics, "JaegerPropagator"), []);
  });
});
