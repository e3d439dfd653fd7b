// A stream made from the generator withCarrier returns (docs/restore.md, "What runs, and when the span
// ends"): each chunk is made with the restored span active, whoever reads the stream, and the span ends
// when the stream is read to its end or destroyed.
import { beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { trace } from "@opentelemetry/api";
import { withCarrier } from "../../src/index.js";
import { exporter, finishedSpan, W3C_PARENT_ID, W3C_TRACE_ID } from "./tracing.js";

beforeEach(() => exporter.reset());

/** Three chunks, each the trace id active when it was made ("none" outside any span). */
async function* rows() {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    yield trace.getActiveSpan()?.spanContext().traceId ?? "none";
  }
}

test("Readable.from(withCarrier(row, name, generator)): every chunk in the restored span, which ends at the stream's end", async () => {
  const stream = Readable.from(withCarrier(W3C_CARRIER_ROW, "export", rows), { objectMode: true });
  assert.equal(exporter.getFinishedSpans().length, 0);
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(chunks, [W3C_TRACE_ID, W3C_TRACE_ID, W3C_TRACE_ID]);
  assert.equal(finishedSpan("export").parentSpanContext?.spanId, W3C_PARENT_ID);
});

test("a stream destroyed after its first chunk ends the span", async () => {
  const stream = Readable.from(withCarrier(W3C_CARRIER_ROW, "export", rows), { objectMode: true });
  for await (const chunk of stream) {
    assert.equal(chunk, W3C_TRACE_ID);
    break; // for await destroys the stream
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(finishedSpan("export").spanContext().traceId, W3C_TRACE_ID);
});

test("a stream made inside fn is a value: the span ends at return and the chunks are made outside it", async () => {
  const stream = withCarrier(W3C_CARRIER_ROW, "export", () => Readable.from(rows(), { objectMode: true }));
  assert.equal(finishedSpan("export").spanContext().traceId, W3C_TRACE_ID);
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(chunks, ["none", "none", "none"]);
});

const W3C_CARRIER_ROW = {
  traceContext: { traceparent: `00-${W3C_TRACE_ID}-${W3C_PARENT_ID}-01` },
  createdAt: new Date(),
};
