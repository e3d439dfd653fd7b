// The line naming a trace by its W3C and Datadog ids: one function (traceIdLine, tracehop/spans) writes it
// for `tracehop spans`'s header and for `npm start`'s last lines, so that both spell it alike and
// `tracehop spans --trace` reads either as it is pasted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { datadogTraceId, formatTraceTree, traceIdLine, type FileSpan } from "../../src/spans/index.js";

/** A 128-bit trace id (upper half non-zero) and its Datadog halves, worked out from the hex. */
const TRACE = "5b8efff798038103d269b633813fc60c";
const DECIMAL = BigInt("0x" + TRACE.slice(16)).toString(10);
const TID = TRACE.slice(0, 16);

function span(traceId: string): FileSpan {
  return {
    traceId,
    spanId: "eee19b7ec3c1b174",
    parentSpanId: undefined,
    name: "checkout",
    kind: 2,
    service: "dd-checkout",
    startNanos: 1544712660000000000n,
    endNanos: 1544712661500000000n,
    attributes: {},
    links: [],
    events: [],
    statusCode: 0,
    statusMessage: undefined,
  };
}

test("traceIdLine names the W3C id and the Datadog x-datadog-trace-id with its _dd.p.tid", () => {
  assert.equal(DECIMAL, "15161849952847513100");
  assert.equal(
    traceIdLine(TRACE),
    `trace ${TRACE} (W3C)  =  ${DECIMAL} (Datadog x-datadog-trace-id, _dd.p.tid=${TID})`,
  );
  // A 64-bit id (upper half zero): no _dd.p.tid, as Datadog's tracers send none.
  const low = "0".repeat(16) + TRACE.slice(16);
  assert.equal(traceIdLine(low), `trace ${low} (W3C)  =  ${DECIMAL} (Datadog x-datadog-trace-id)`);
  // Any case in, W3C's lower case out (W3C Trace Context §3.2.2.3).
  assert.equal(traceIdLine(TRACE.toUpperCase()), traceIdLine(TRACE));
  assert.deepEqual(datadogTraceId(TRACE), { decimal: DECIMAL, tid: TID });
});

test("traceIdLine refuses what is no 32-hex trace id, as datadogTraceId does", () => {
  for (const bad of [TRACE.slice(16), `00-${TRACE}-eee19b7ec3c1b174-01`, DECIMAL, 42, undefined])
    assert.throws(() => traceIdLine(bad as string), {
      name: "TypeError",
      message: /^traceIdLine: .* is not a trace id of 32 hex digits/,
    });
  // All zeros: 32 hex digits, but no trace (W3C Trace Context §3.2.2.3); the reader skips such spans.
  assert.throws(() => traceIdLine("0".repeat(32)), {
    name: "TypeError",
    message: /^traceIdLine: "0{32}" is all zeros, which names no trace/,
  });
});

test("formatTraceTree's header starts with traceIdLine's line, then the span count and the start", () => {
  const tree = formatTraceTree([span(TRACE)], { details: false });
  assert.equal(
    tree,
    `${traceIdLine(TRACE)}  1 span  2018-12-13T14:51:00.000Z\n` + "dd-checkout  checkout  1500.0 ms",
  );
});
