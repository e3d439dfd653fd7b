// What withCarrier / traced / withBatchItem do with a source that cannot be read at all (a revoked
// proxy: every trap throws) and with a row whose carrier-looking field is a prototype key.
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { traced, withBatchItem, withCarrier } from "../../src/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, finishedSpan, parentIdOf, W3C_CARRIER } from "./tracing.js";

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});

const ZERO_TRACE_ID = "0".repeat(32);

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe("a source that holds no readable carrier", () => {
  test("a revoked proxy: fn runs once in a fresh recording root span, active, as for {} — never the all-zero id", () => {
    for (const relation of ["parent", "link", "none", "auto"] as const) {
      exporter.reset();
      let runs = 0;
      const seen = withCarrier(
        revoked(),
        "on-revoked",
        (span) => {
          runs++;
          assert.equal(trace.getActiveSpan(), span, `${relation}: the span is active`);
          return span.spanContext();
        },
        { relation },
      );
      assert.equal(runs, 1);
      assert.notEqual(seen.traceId, ZERO_TRACE_ID, relation);
      const span = finishedSpan("on-revoked");
      assert.equal(span.spanContext().spanId, seen.spanId, relation);
      assert.equal(parentIdOf(span), undefined, `${relation}: a root`);
    }
    // traced with the proxy as its argument, withBatchItem: the same.
    const ids = [
      traced({ name: "t" })((_row: object) => trace.getActiveSpan()!.spanContext().traceId)(revoked()),
      withBatchItem(revoked(), "item", (span) => span.spanContext().traceId),
    ];
    for (const id of ids) assert.notEqual(id, ZERO_TRACE_ID);
    assert.equal(finishedSpan("item").spanContext().traceId, ids[1]);
  });

  test("traced: an argument whose traceContext getter throws holds no carrier; the call runs in a new root", () => {
    const row = {
      get traceContext(): unknown {
        throw new Error("boom");
      },
    };
    const result = traced({ name: "getter" })((_row: object) => trace.getActiveSpan()!.spanContext().traceId)(
      row,
    );
    assert.notEqual(result, ZERO_TRACE_ID);
    const span = finishedSpan("getter");
    assert.deepEqual([span.spanContext().traceId, parentIdOf(span)], [result, undefined]);
  });

  test("a row whose carrier-looking field is __proto__, constructor or prototype: no advice to read it", async () => {
    const told = await recordWarnings(() => {
      for (const key of ["__proto__", "constructor", "prototype"]) {
        resetWarnings();
        const row = JSON.parse(`{"id":1,${JSON.stringify(key)}:${JSON.stringify(W3C_CARRIER)}}`) as object;
        assert.ok(Object.hasOwn(row, key));
        withCarrier(row, "row", () => undefined);
      }
    });
    assert.deepEqual(told.processWarnings, []);
    assert.deepEqual(told.diagWarnings, []);
  });
});
