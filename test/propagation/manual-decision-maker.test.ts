// setDatadogContext with a new sampling priority (a dd-trace-ot manual keep or drop carried over): the
// decision maker _dd.p.dm follows it as dd-trace's manual keep and drop leave it (-4 on keep, removed on
// drop), unless the caller set _dd.p.dm itself. Found in a migration trial: the usual
// `{ ...getDatadogContext(ctx), samplingPriority: 2 }` re-injected the upstream `_dd.p.dm=-1` unchanged.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, TraceFlags, defaultTextMapSetter, trace, type Context } from "@opentelemetry/api";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/normalize-carrier.js";
import { createPropagator, getDatadogContext, setDatadogContext } from "../../src/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const ROW = {
  "x-datadog-trace-id": "12345678901234567890",
  "x-datadog-parent-id": "42",
  "x-datadog-origin": "rum",
};

/** The context restored from a stored Datadog carrier of `priority` and `tags`, as a child span sees it. */
function restored(priority: string, tags: string): Context {
  const ctx = createPropagator().extract(
    ROOT_CONTEXT,
    normalizeCarrier({ ...ROW, "x-datadog-sampling-priority": priority, "x-datadog-tags": tags }),
    normalizedCarrierGetter,
  );
  const parent = trace.getSpanContext(ctx)!;
  return trace.setSpanContext(ctx, { ...parent, spanId: "00000000000000aa", isRemote: false });
}

function injected(ctx: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  createPropagator().inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

/** The `t.dm` of the `dd=` member, or undefined. */
const tracestateDm = (carrier: Record<string, string>) =>
  /(?:=|;)t\.dm:([^;,]*)/.exec(carrier.tracestate ?? "")?.[1];

describe("setDatadogContext: the decision maker of a manual keep or drop", () => {
  test("manual keep (1 -> 2) of a trace whose decision maker was -1: -4 in x-datadog-tags and dd=", () => {
    const ctx = restored("1", "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-1");
    const kept = setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority: 2 });
    assert.deepEqual(getDatadogContext(kept)?.propagationTags, {
      "_dd.p.tid": "640cfd8d00000000",
      "_dd.p.dm": "-4",
    });
    const carrier = injected(kept);
    assert.equal(carrier["x-datadog-sampling-priority"], "2");
    assert.equal(carrier["x-datadog-tags"], "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000");
    assert.equal(tracestateDm(carrier), "-4");
    assert.equal(carrier["x-datadog-origin"], "rum");
    // The context it was set from is unchanged.
    assert.equal(getDatadogContext(ctx)?.propagationTags["_dd.p.dm"], "-1");
  });

  test("manual keep of a trace without a decision maker adds -4", () => {
    const ctx = restored("1", "_dd.p.tid=640cfd8d00000000");
    const carrier = injected(setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority: 2 }));
    assert.equal(carrier["x-datadog-tags"], "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000");
  });

  test("manual drop (0 -> -1) on an unsampled span removes the decision maker", () => {
    const ctx = restored("0", "_dd.p.dm=-1,_dd.p.usr=x");
    const dropped = setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority: -1 });
    assert.deepEqual(getDatadogContext(dropped)?.propagationTags, { "_dd.p.usr": "x" });
    const carrier = injected(dropped);
    assert.equal(carrier["x-datadog-sampling-priority"], "-1");
    assert.equal(carrier["x-datadog-tags"], "_dd.p.usr=x");
    assert.equal(tracestateDm(carrier), undefined);
  });

  test("a priority dd-trace's setPriority does not take (3, -5): no manual decision, the decision maker as given", () => {
    for (const [from, priority, tags] of [
      ["1", 3, "_dd.p.dm=-1"],
      ["2", 5, "_dd.p.tid=640cfd8d00000000"],
      ["0", -5, "_dd.p.dm=-3,_dd.p.usr=x"],
    ] as const) {
      const ctx = restored(from, tags);
      const set = setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority: priority });
      const carrier = injected(set);
      assert.equal(carrier["x-datadog-sampling-priority"], String(priority), `${from} -> ${priority}`);
      assert.equal(carrier["x-datadog-tags"], tags, `${from} -> ${priority}`);
    }
  });

  test("the same priority: the decision maker is left as it is (another field changed)", () => {
    const ctx = restored("2", "_dd.p.dm=-3");
    const carrier = injected(setDatadogContext(ctx, { ...getDatadogContext(ctx), origin: "synthetics" }));
    assert.equal(carrier["x-datadog-tags"], "_dd.p.dm=-3");
    assert.equal(carrier["x-datadog-origin"], "synthetics");
  });

  test("a decision maker the caller set, changed or left out is kept as given", () => {
    const ctx = restored("1", "_dd.p.dm=-1");
    const held = getDatadogContext(ctx)!;
    const own = setDatadogContext(ctx, {
      ...held,
      samplingPriority: 2,
      propagationTags: { "_dd.p.dm": "-3" },
    });
    assert.equal(injected(own)["x-datadog-tags"], "_dd.p.dm=-3");
    const without = setDatadogContext(ctx, { ...held, samplingPriority: 2, propagationTags: {} });
    assert.equal(injected(without)["x-datadog-tags"], undefined);
    assert.deepEqual(getDatadogContext(without)?.propagationTags, {});
  });

  test("a priority against the sampled flag: injection's own rule (-0 on the flag's keep), not the manual one", async () => {
    resetWarnings();
    const ctx = restored("1", "_dd.p.dm=-1");
    const told = await recordWarnings(() =>
      setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority: -1 }),
    );
    assert.equal(told.processWarnings[0]?.[0], "TRACEHOP_PRIORITY_AGAINST_SAMPLED_FLAG");
    assert.equal(getDatadogContext(told.result)?.propagationTags["_dd.p.dm"], "-1");
    const carrier = injected(told.result);
    assert.equal(carrier["x-datadog-sampling-priority"], "1");
    assert.equal(carrier["x-datadog-tags"], "_dd.p.dm=-0");
  });

  test("a local span without Datadog fields holds no decision to change: the fields are taken as given", () => {
    for (const sampled of [true, false]) {
      const ctx = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: false,
      });
      const set = setDatadogContext(ctx, { samplingPriority: sampled ? 2 : -1 });
      assert.deepEqual(getDatadogContext(set)?.propagationTags, {});
    }
  });

  test("Datadog fields without a priority: the sampled flag's 1 is the one held", () => {
    const ctx = createPropagator().extract(
      ROOT_CONTEXT,
      normalizeCarrier({ ...ROW, "x-datadog-tags": "_dd.p.dm=-1" }),
      normalizedCarrierGetter,
    );
    const same = setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority: 1 });
    assert.equal(getDatadogContext(same)?.propagationTags["_dd.p.dm"], "-1");
    const kept = setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority: 2 });
    assert.equal(getDatadogContext(kept)?.propagationTags["_dd.p.dm"], "-4");
  });
  test("a W3C-only trace (fields derived from the flag): manual keep adds -4", () => {
    const ctx = createPropagator().extract(
      ROOT_CONTEXT,
      { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
      { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c as object) },
    );
    const kept = setDatadogContext(ctx, { ...getDatadogContext(ctx), samplingPriority: 2 });
    assert.equal(getDatadogContext(kept)?.propagationTags["_dd.p.dm"], "-4");
  });

  test("no span and no fields in the context: no decision held to change, the fields taken as given", () => {
    for (const samplingPriority of [2, 0])
      assert.deepEqual(
        getDatadogContext(setDatadogContext(ROOT_CONTEXT, { samplingPriority }))?.propagationTags,
        {},
      );
  });
});
