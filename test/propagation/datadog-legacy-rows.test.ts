// Issue item 6: flat maps written by Java dd-trace-ot and by dd-trace restore unchanged.
import { readFileSync } from "node:fs";
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { propagation, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/carrier.js";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { getDatadogContext } from "../../src/propagation/datadog/datadog-context.js";

const extract = (carrier: unknown, styles?: string[]) =>
  createPropagator(styles).extract(ROOT_CONTEXT, normalizeCarrier(carrier), normalizedCarrierGetter);
const baggageOf = (ctx: Context) =>
  Object.fromEntries((propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k, e]) => [k, e.value]));

describe("legacy rows", () => {
  test("a dd-trace-ot Map<String,String> row (mixed-case names, ot-baggage-*) restores with its baggage", () => {
    const row = {
      "X-Datadog-Trace-Id": "1234567890123456789",
      "X-Datadog-Parent-Id": "987654321",
      "X-Datadog-Sampling-Priority": "2",
      "X-Datadog-Origin": "synthetics",
      "ot-baggage-Tenant": "t-001",
      "ot-baggage-plan": "gold",
    };
    const ctx = extract(row);
    const sc = trace.getSpanContext(ctx);
    assert.equal(sc?.traceId, "0000000000000000112210f47de98115");
    assert.equal(sc?.spanId, "000000003ade68b1");
    assert.equal(getDatadogContext(ctx)?.samplingPriority, 2);
    assert.equal(getDatadogContext(ctx)?.origin, "synthetics");
    assert.deepEqual(baggageOf(ctx), { tenant: "t-001", plan: "gold" });
  });

  test("W3C baggage and ot-baggage-* merge; the W3C entry wins on the same key", () => {
    const ctx = extract({
      "x-datadog-trace-id": "1",
      "x-datadog-parent-id": "2",
      "ot-baggage-plan": "silver",
      "ot-baggage-region": "eu",
      baggage: "plan=gold",
    });
    assert.deepEqual(baggageOf(ctx), { plan: "gold", region: "eu" });
  });

  test("ot-baggage-* of an invalid Datadog context is not restored", () => {
    assert.deepEqual(baggageOf(extract({ "x-datadog-trace-id": "0", "ot-baggage-plan": "gold" })), {});
  });

  test("a dd-trace (Node) row with 128-bit id, tags and W3C headers restores to one context", () => {
    const row = {
      "x-datadog-trace-id": "12379814468735227512",
      "x-datadog-parent-id": "987654321",
      "x-datadog-sampling-priority": "1",
      "x-datadog-tags": "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-0",
      traceparent: "00-640cfd8d00000000abcdefab12345678-000000003ade68b1-01",
      tracestate: "dd=t.dm:-0;t.tid:640cfd8d00000000;s:1;p:000000003ade68b1,ot=rv:49bd7a274365c1;th:0",
    };
    const ctx = extract(row);
    assert.equal(trace.getSpanContext(ctx)?.traceId, "640cfd8d00000000abcdefab12345678");
    assert.deepEqual(getDatadogContext(ctx), {
      samplingPriority: 1,
      propagationTags: { "_dd.p.tid": "640cfd8d00000000", "_dd.p.dm": "-0" },
    });
    assert.equal(trace.getSpanContext(ctx)?.traceState?.get("ot"), "rv:49bd7a274365c1;th:0");
  });
});

describe("ot-baggage-* values: URL-encoded by the Java writers, read as they read them", () => {
  const { pairs } = JSON.parse(
    readFileSync(new URL("../fixtures/ot-baggage-java-encoded.json", import.meta.url), "utf8"),
  ) as { pairs: [string, string][] };
  const ids = { "x-datadog-trace-id": "1234567890123456789", "x-datadog-parent-id": "987654321" };

  test("each value dd-trace-java's URLEncoder wrote restores as the value it encoded", () => {
    const row: Record<string, string> = { ...ids };
    pairs.forEach(([, encoded], i) => (row[`ot-baggage-k${i}`] = encoded));
    const expected = Object.fromEntries(pairs.map(([value], i) => [`k${i}`, value]));
    assert.deepEqual(baggageOf(extract(row)), expected);
  });

  test("and is written on as W3C baggage once, not encoded twice", () => {
    const ctx = extract({ ...ids, "ot-baggage-user": "J%C3%BCrgen+M%C3%BCller" });
    const out: Record<string, string> = {};
    createPropagator(["baggage"]).inject(ctx, out, {
      set: (c, k, v) => ((c as Record<string, string>)[k] = v),
    });
    assert.equal(out.baggage, "user=J%C3%BCrgen%20M%C3%BCller");
  });

  test("a value that is no URL encoding (dd-trace-js writes values unencoded) is kept as it is", () => {
    const ctx = extract({
      ...ids,
      "ot-baggage-percent": "100%",
      "ot-baggage-bad-escape": "%zz",
      "ot-baggage-not-utf8": "%C3%28",
      "ot-baggage-plain": "t-001",
    });
    assert.deepEqual(baggageOf(ctx), {
      percent: "100%",
      "bad-escape": "%zz",
      "not-utf8": "%C3%28",
      plain: "t-001",
    });
  });
});
