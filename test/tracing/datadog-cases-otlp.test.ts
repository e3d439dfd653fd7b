// The Datadog public case of ../shared/cases/public-bug-cases.json that is about OTLP export (B06,
// copied to test/fixtures/cases-datadog.json with the B05 carrier it restores), asserted on the OTLP
// payload a real process sends over HTTP to a local receiver, as the collector would read it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { publicCases } from "../support/public-cases.js";
import { runHop, startOtlpReceiver } from "./otlp-helpers.js";

const caseOf = publicCases("cases-datadog.json");

test("B06 (DataDog/dd-trace-js#8618): the 128-bit id of the B05 carrier is on every span of the OTLP export, not only the first", async (t) => {
  const c = caseOf("B06");
  assert.equal(c.source, "DataDog/dd-trace-js#8618");
  const carrier = caseOf("B05").input.carrier as Record<string, string>;
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());

  const result = await runHop({
    HOP_ROLE: "chain",
    HOP_SERVICE: "b06",
    HOP_CARRIER: JSON.stringify(carrier),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    TRACEHOP_SPANS_FILE: "",
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.report?.shutdown, "done", result.stderr);
  const ids = result.report!.spanIds as { A: string; B: string; C: string };

  const spans = receiver.spans();
  assert.deepEqual(spans.map((s) => s.name).sort(), ["A", "B", "C"]);
  for (const span of spans)
    assert.equal(
      span.traceId,
      c.expected.allSpansTraceId,
      `traceId of span ${span.name} in the OTLP payload`,
    );
  const byName = new Map(spans.map((s) => [s.name, s]));
  assert.equal(byName.get("A")!.parentSpanId, c.expected["spanA.parentSpanId"]);
  assert.equal(byName.get("A")!.spanId, ids.A);
  assert.equal(byName.get("B")!.parentSpanId, ids.A, "B is a child of A");
  assert.equal(byName.get("C")!.parentSpanId, ids.B, "C is a child of B");
  assert.equal(byName.get("C")!.spanId, ids.C);
});
