// A repeated x-datadog-* field that arrives joined in one string ("123, 123": Node's req.headers, a fetch
// Headers object) is read by its first value, as dd-trace-java (HttpCodec.firstHeaderValue) and dd-trace-js
// (its decimal parse stops at the comma) read it; an array by its last (dd-trace-js text_map.js). The two
// forms are the same repeated field, so both keep the context, here through a real HTTP server.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { defaultTextMapGetter, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { contextFromCarrier, createPropagator, getDatadogContext } from "../../src/index.js";

/** Trace id (hex), parent id (hex), priority and origin of what `ctx` holds. */
function summary(ctx: Context) {
  const sc = trace.getSpanContext(ctx);
  const dd = getDatadogContext(ctx);
  return sc && { traceId: sc.traceId, spanId: sc.spanId, priority: dd?.samplingPriority, origin: dd?.origin };
}

const EXPECTED = {
  traceId: "0000000000000000000000000000007b",
  spanId: "0000000000000005",
  priority: 2,
  origin: "synthetics",
};

const FIELDS: [string, string][] = [
  ["x-datadog-trace-id", "123"],
  ["x-datadog-parent-id", "5"],
  ["x-datadog-sampling-priority", "2"],
  ["x-datadog-origin", "synthetics"],
];

describe("x-datadog-* fields repeated and joined in one string", () => {
  test("identical duplicates, joined as Node and fetch join them, read as the array form", () => {
    const joined = Object.fromEntries(FIELDS.map(([k, v]) => [k, `${v}, ${v}`]));
    const array = Object.fromEntries(FIELDS.map(([k, v]) => [k, [v, v]]));
    assert.deepEqual(summary(contextFromCarrier(joined)), EXPECTED);
    assert.deepEqual(summary(contextFromCarrier(array)), EXPECTED);
    assert.deepEqual(summary(contextFromCarrier(new Headers(FIELDS.flatMap((f) => [f, f])))), EXPECTED);
  });

  test("different values: the first, with its SP/HTAB trimmed, as Datadog's tracers read it; an empty part is invalid, as in a joined traceparent", () => {
    const ctx = contextFromCarrier({
      "x-datadog-trace-id": "123\t, 999",
      "x-datadog-parent-id": " 5 , 7",
      "x-datadog-sampling-priority": "2, -1",
      "x-datadog-origin": "synthetics, rum",
    });
    // "2, -1" stays a keep, as dd-trace-js and dd-trace-java read it.
    assert.deepEqual(summary(ctx), EXPECTED);
    // An array: the last value (dd-trace-js text_map.js).
    const array = contextFromCarrier({
      "x-datadog-trace-id": ["999", "123"],
      "x-datadog-parent-id": ["7", "5"],
      "x-datadog-sampling-priority": ["-1", "2"],
      "x-datadog-origin": ["rum", "synthetics"],
    });
    assert.deepEqual(summary(array), EXPECTED);
    for (const empty of ["123,", ",123", "123,,123", "123, \t,123", " , 123"])
      assert.equal(
        summary(contextFromCarrier({ "x-datadog-trace-id": empty, "x-datadog-parent-id": "5" })),
        undefined,
        empty,
      );
    // The parts after the first are not read, as neither Datadog tracer reads them ("5, x" is 5 to both).
    assert.equal(
      summary(contextFromCarrier({ "x-datadog-trace-id": "123", "x-datadog-parent-id": "5, x" }))?.spanId,
      "0000000000000005",
    );
  });

  test('x-datadog-tags repeated and joined as Node joins it (", "): every member read, the 128-bit trace id kept', () => {
    const ctx = contextFromCarrier({
      "x-datadog-trace-id": "123, 123",
      "x-datadog-parent-id": "5",
      "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000, _dd.p.dm=-4,_dd.p.tid=640cfd8d00000000",
    });
    assert.equal(trace.getSpanContext(ctx)?.traceId, "640cfd8d00000000000000000000007b");
    assert.deepEqual(getDatadogContext(ctx)?.propagationTags, {
      "_dd.p.dm": "-4",
      "_dd.p.tid": "640cfd8d00000000",
    });
  });

  test("x-datadog-tags stays one comma list (its members are comma-separated): not cut at a comma", () => {
    const ctx = contextFromCarrier({
      "x-datadog-trace-id": "123",
      "x-datadog-parent-id": "5",
      "x-datadog-tags": "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000",
    });
    assert.equal(trace.getSpanContext(ctx)?.traceId, "640cfd8d00000000000000000000007b");
  });

  test("a real HTTP request that sends every field twice: the server's req.headers restore the context", async () => {
    let seen: ReturnType<typeof summary>;
    const server = createServer((req, res) => {
      seen = summary(createPropagator().extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // Each field sent twice, as a proxy that adds it again sends it: a raw request on a socket.
      const head = FIELDS.flatMap(([k, v]) => [`${k}: ${v}`, `${k}: ${v}`]).join("\r\n");
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () =>
          socket.end(`GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${head}\r\n\r\n`),
        );
        socket.on("error", reject);
        socket.on("close", () => resolve());
        socket.resume();
      });
    } finally {
      server.close();
    }
    assert.deepEqual(seen, EXPECTED);
  });
});
