// x-datadog-tags left out on inject (a tag outside the header's grammar, or a header over
// DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH): the tags come from the application's own code (setDatadogContext's
// propagationTags, set the same way on every request) or the limit it configured, so each trace's first
// inject used to say the same diag.warn again, on every request. Said once per process and kind now
// (diag.warn and a process warning with a code), naming the first offending value, as the other faults of
// the caller's own code a hot path meets on every call (TRACEHOP_DECISION_MAKER_NOT_INJECTED).
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, TraceFlags, defaultTextMapSetter, trace, type Context } from "@opentelemetry/api";
import { createPropagator, DatadogPropagator, setDatadogContext } from "../../src/index.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const INVALID_CODE = "TRACEHOP_DATADOG_TAG_INVALID";
const OVER_CODE = "TRACEHOP_DATADOG_TAGS_OVER_LIMIT";

/** What the first inject of a trace with the invalid tag `shown` says (the tid sent alone). */
const invalidMessage = (shown: string) =>
  `tracehop: x-datadog-tags carries _dd.p.tid alone, the trace id's upper 64 bits; its other tags not injected: ` +
  `invalid tag ${shown}: a key is printable ASCII without spaces, "," or "=", a value non-empty printable ASCII text ` +
  `without "," (Datadog's x-datadog-tags grammar). Fix setDatadogContext's propagationTags. (Said once per process.)`;

/** What the first inject of a trace whose tags make a header of `length` characters over `limit` says. */
const overMessage = (length: number, limit: number, tidAlone: boolean) =>
  (tidAlone
    ? "tracehop: x-datadog-tags carries _dd.p.tid alone, the trace id's upper 64 bits; its other tags not injected: "
    : "tracehop: x-datadog-tags not injected: ") +
  `${length} characters exceed the limit of ${limit} (DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH); ids, priority and origin ` +
  `are still propagated (inject_max_size). Keep fewer or shorter _dd.p.* tags, or raise the limit ` +
  `(DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH, the tagsMaxLength option). (Said once per process.)`;

/** A request's context with `tags`, on a trace of its own (`n`, 128-bit when `wide`): each injected for the first time. */
function request(n: number, tags: Record<string, string>, wide = true): Context {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: `${wide ? "640cfd8d" : "00000000"}0000000000000000000000${String(n).padStart(2, "0")}`,
    spanId: "00000000000001c8",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });
  return setDatadogContext(ctx, { samplingPriority: 2, propagationTags: tags });
}

function inject(ctx: Context, propagator = createPropagator(["datadog"])): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

describe("x-datadog-tags not injected: said once per process and kind", () => {
  beforeEach(resetWarnings);

  test("an invalid tag: the first inject says so, quoting it; later traces with other invalid tags say nothing", async () => {
    const first = await recordWarnings(() => inject(request(1, { "_dd.p.dm": "-4", "_dd.p.usr": "a,b" })));
    assert.equal(first.result["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.deepEqual(first.diagWarnings, [invalidMessage('"_dd.p.usr"="a,b"')]);
    assert.deepEqual(said(first, INVALID_CODE), [invalidMessage('"_dd.p.usr"="a,b"')]);
    // Other requests (other traces, each injected for the first time), other invalid tags: still left
    // out, nothing said.
    const next = await recordWarnings(() => [
      inject(request(2, { "_dd.p.usr": "a,b" })),
      inject(request(3, { "_dd.p.k y": "v" })),
      inject(request(4, { "_dd.p.x": "caf\u00e9" }, false)),
    ]);
    assert.equal(next.result[0]!["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.equal(next.result[1]!["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.equal(next.result[2]!["x-datadog-tags"], undefined);
    assert.deepEqual(next.diagWarnings, []);
    assert.deepEqual(next.processWarnings, []);
  });

  test("a header over the limit: said once, with its length; counted apart from an invalid tag", async () => {
    const propagator = createPropagator(["datadog"], { tagsMaxLength: 40 });
    const first = await recordWarnings(() => inject(request(5, { "_dd.p.usr": "x".repeat(20) }), propagator));
    // `_dd.p.tid=640cfd8d00000000,_dd.p.usr=xxxxxxxxxxxxxxxxxxxx`: 26 + 1 + 30 characters.
    assert.equal(first.result["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.deepEqual(first.diagWarnings, [overMessage(57, 40, true)]);
    assert.deepEqual(said(first, OVER_CODE), [overMessage(57, 40, true)]);
    const next = await recordWarnings(() => [
      inject(request(6, { "_dd.p.usr": "y".repeat(31) }, false), propagator),
      inject(request(7, { "_dd.p.usr": "z".repeat(20) }), new DatadogPropagator({ tagsMaxLength: 30 })),
      // The other kind, first of its own: said.
      inject(request(8, { "_dd.p.usr": "a,b" }), propagator),
    ]);
    assert.equal(next.result[0]!["x-datadog-tags"], undefined);
    assert.equal(next.result[1]!["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.deepEqual(next.diagWarnings, [invalidMessage('"_dd.p.usr"="a,b"')]);
    assert.deepEqual(next.processWarnings, [[INVALID_CODE, invalidMessage('"_dd.p.usr"="a,b"')]]);
  });

  test("a header over the limit with no _dd.p.tid to send (a 64-bit trace): not injected, said so", async () => {
    const told = await recordWarnings(() =>
      inject(
        request(9, { "_dd.p.usr": "x".repeat(40) }, false),
        createPropagator(["datadog"], { tagsMaxLength: 40 }),
      ),
    );
    assert.equal(told.result["x-datadog-tags"], undefined);
    assert.deepEqual(told.diagWarnings, [overMessage(50, 40, false)]);
    assert.deepEqual(said(told, OVER_CODE), [overMessage(50, 40, false)]);
  });
});
