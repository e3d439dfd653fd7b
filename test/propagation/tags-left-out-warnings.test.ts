// A `_dd.p.dm` that is no decision maker, and the deprecated `_dd.p.upstream_services`, set through
// setDatadogContext are left out on inject (dd-trace-java drops a whole x-datadog-tags holding such a
// dm). A user who sets them by hand sets them on every span: each inject used to say so with a
// diag.warn, every time. Said once per process and kind now, as the other faults of the caller's own
// code a hot path meets on every call (TRACEHOP_BAGGAGE_OVER_LIMITS, TRACEHOP_NOT_A_CONTEXT).
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, TraceFlags, defaultTextMapSetter, trace, type Context } from "@opentelemetry/api";
import { createPropagator, setDatadogContext } from "../../src/index.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const DM_CODE = "TRACEHOP_DECISION_MAKER_NOT_INJECTED";
const UPSTREAM_CODE = "TRACEHOP_UPSTREAM_SERVICES_NOT_INJECTED";

/** What the first inject of a `_dd.p.dm` that is no decision maker (`shown`, as quoted) says. */
const dmMessage = (shown: string) =>
  `tracehop: _dd.p.dm ${shown} not injected: a decision maker is "-" and the sampling mechanism's digits (e.g. "-4"), ` +
  `and dd-trace-java drops every tag of an x-datadog-tags holding another; the other tags are still sent. ` +
  `Give setDatadogContext's propagationTags a decision maker, or none. (Said once per process.)`;

const UPSTREAM_MESSAGE =
  "tracehop: _dd.p.upstream_services not injected: Datadog deprecated it, and dd-trace-java and dd-trace-py " +
  "drop it when they read it; the other tags are still sent. Leave it out of setDatadogContext's " +
  "propagationTags. (Said once per process.)";

/** A request's context with `tags`, on a trace of its own (`n`): each is injected for the first time. */
function request(n: number, tags: Record<string, string>): Context {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: `640cfd8d0000000000000000000000${String(n).padStart(2, "0")}`,
    spanId: "00000000000001c8",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });
  return setDatadogContext(ctx, { samplingPriority: 2, propagationTags: tags });
}

function inject(ctx: Context, styles = ["datadog", "tracecontext"]): Record<string, string> {
  const carrier: Record<string, string> = {};
  createPropagator(styles).inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

describe("tags left out on inject: said once per process and kind", () => {
  beforeEach(resetWarnings);

  test("a _dd.p.dm that is no decision maker: the first inject says so, with its value; the next ones say nothing", async () => {
    const first = await recordWarnings(() => inject(request(1, { "_dd.p.dm": "4", "_dd.p.usr": "bob" })));
    assert.equal(first.result["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000,_dd.p.usr=bob");
    assert.equal(first.result.tracestate, "dd=s:2;p:00000000000001c8;t.tid:640cfd8d00000000;t.usr:bob");
    assert.deepEqual(first.diagWarnings, [dmMessage('"4"')]);
    assert.deepEqual(said(first, DM_CODE), [dmMessage('"4"')]);
    // Another request, another trace, another bad value: the tags are still left out, nothing is said.
    const next = await recordWarnings(() => [
      inject(request(2, { "_dd.p.dm": "+1", "_dd.p.usr": "bob" })),
      inject(request(3, { "_dd.p.dm": "4", "_dd.p.usr": "bob" })),
    ]);
    for (const carrier of next.result)
      assert.equal(carrier["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000,_dd.p.usr=bob");
    assert.deepEqual(next.diagWarnings, []);
    assert.deepEqual(next.processWarnings, []);
  });

  test("_dd.p.upstream_services: the first inject says so; the next ones say nothing; a bad dm is still said once (per kind)", async () => {
    const first = await recordWarnings(() =>
      inject(request(4, { "_dd.p.dm": "-4", "_dd.p.upstream_services": "c2VydmljZQ|2|4|1" })),
    );
    assert.equal(first.result["x-datadog-tags"], "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000");
    assert.deepEqual(first.diagWarnings, [UPSTREAM_MESSAGE]);
    assert.deepEqual(said(first, UPSTREAM_CODE), [UPSTREAM_MESSAGE]);
    const next = await recordWarnings(() => [
      inject(request(5, { "_dd.p.upstream_services": "abc" })),
      inject(request(6, { "_dd.p.upstream_services": "abc", "_dd.p.dm": "-4a" })),
      inject(request(7, { "_dd.p.upstream_services": "abc", "_dd.p.dm": "x" })),
    ]);
    assert.equal(next.result[0]!["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.deepEqual(next.diagWarnings, [dmMessage('"-4a"')]);
    assert.deepEqual(next.processWarnings, [[DM_CODE, dmMessage('"-4a"')]]);
  });

  test("the tracecontext style alone leaves them out of dd= and says so the same way, once", async () => {
    const told = await recordWarnings(() => [
      inject(request(8, { "_dd.p.dm": "4", "_dd.p.upstream_services": "abc", "_dd.p.usr": "bob" }), [
        "tracecontext",
      ]),
      inject(request(9, { "_dd.p.dm": "4", "_dd.p.upstream_services": "abc" }), ["tracecontext"]),
    ]);
    assert.equal(told.result[0]!.tracestate, "dd=s:2;p:00000000000001c8;t.tid:640cfd8d00000000;t.usr:bob");
    assert.deepEqual(told.diagWarnings, [dmMessage('"4"'), UPSTREAM_MESSAGE]);
    assert.deepEqual(told.processWarnings, [
      [DM_CODE, dmMessage('"4"')],
      [UPSTREAM_CODE, UPSTREAM_MESSAGE],
    ]);
  });
});
