// `_dd.p.upstream_services`, deprecated by Datadog: dd-trace-java skips it when it reads
// `x-datadog-tags` and the `dd=` member's `t.upstream_services` (`DatadogPTagsCodec`, `W3CPTagsCodec`:
// `UPSTREAM_SERVICES_DEPRECATED_TAG`), and so never writes it; dd-trace-py skips it on extract
// (`_X_DATADOG_TAGS_EXTRACT_REJECT`). tracehop reads neither form and writes neither, the other tags
// kept, as it treats a `_dd.p.dm` that is no decision maker; dd-trace-js still reads and forwards it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  DiagLogLevel,
  ROOT_CONTEXT,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { getDatadogContext, setDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import { ddPropagator } from "./dd-trace-helpers.js";
import { resetWarningsForTests } from "../../src/warn-once.js";

const styles = ["datadog", "tracecontext"];
const spanContext = {
  traceId: "640cfd8d00000000000000000000007b",
  spanId: "00000000000001c8",
  traceFlags: TraceFlags.SAMPLED,
  isRemote: false,
};
const traceparent = "00-640cfd8d00000000000000000000007b-00000000000001c8-01";

let warnings: string[] = [];
before(() => {
  const log = (m: string) => void warnings.push(m);
  diag.setLogger(
    { error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
});
after(() => diag.disable());

test("_dd.p.upstream_services set through setDatadogContext: left out alone on inject, in x-datadog-tags and dd=, the other tags kept, said on diag (once per process)", () => {
  resetWarningsForTests();
  warnings = [];
  const ours = createPropagator(styles);
  const ctx = setDatadogContext(trace.setSpanContext(ROOT_CONTEXT, spanContext), {
    samplingPriority: 2,
    propagationTags: { "_dd.p.dm": "-4", "_dd.p.upstream_services": "c2VydmljZQ|2|4|1", "_dd.p.usr": "bob" },
  });
  const carrier: Record<string, string> = {};
  ours.inject(ctx, carrier, defaultTextMapSetter);
  assert.equal(carrier["x-datadog-tags"], "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000,_dd.p.usr=bob");
  assert.equal(carrier.tracestate, "dd=s:2;p:00000000000001c8;t.dm:-4;t.tid:640cfd8d00000000;t.usr:bob");
  assert.deepEqual(warnings, [
    "tracehop: _dd.p.upstream_services not injected: Datadog deprecated it, and dd-trace-java and dd-trace-py drop it when they read it; the other tags are still sent. Leave it out of setDatadogContext's propagationTags. (Said once per process.)",
  ]);
  // Read back: the same tags (nothing was written that the reader would skip).
  const back = getDatadogContext(ours.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
  assert.deepEqual(back?.propagationTags, {
    "_dd.p.dm": "-4",
    "_dd.p.tid": "640cfd8d00000000",
    "_dd.p.usr": "bob",
  });
  // dd-trace-js reads the same trace and tags.
  const theirs = ddPropagator(styles).extract({ ...carrier })!;
  assert.equal(theirs.toTraceId(true), spanContext.traceId);
  assert.equal(theirs._trace.tags["_dd.p.upstream_services"], undefined);
  assert.equal(theirs._trace.tags["_dd.p.usr"], "bob");
});

test("t.upstream_services in a dd= member is skipped on extract, as from x-datadog-tags (dd-trace-java W3CPTagsCodec); dd-trace-js keeps it", () => {
  const ours = createPropagator(["tracecontext"]);
  const headers = { traceparent, tracestate: "dd=s:2;t.dm:-4;t.upstream_services:abc;t.usr:bob" };
  const ctx = ours.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  assert.deepEqual(getDatadogContext(ctx)?.propagationTags, {
    "_dd.p.dm": "-4",
    "_dd.p.tid": "640cfd8d00000000",
    "_dd.p.usr": "bob",
  });
  // Neither read nor relayed: the next injection writes the member without it.
  const out: Record<string, string> = {};
  ours.inject(ctx, out, defaultTextMapSetter);
  assert.equal(out.tracestate, "dd=s:2;p:00000000000001c8;t.dm:-4;t.tid:640cfd8d00000000;t.usr:bob");
  assert.equal(
    ddPropagator(["tracecontext"]).extract({ ...headers })!._trace.tags["_dd.p.upstream_services"],
    "abc",
  );
});

test("x-datadog-tags: _dd.p.upstream_services is skipped on extract, the other tags kept; dd-trace-js keeps it", () => {
  const ours = createPropagator(["datadog"]);
  const headers = {
    "x-datadog-trace-id": "123",
    "x-datadog-parent-id": "456",
    "x-datadog-sampling-priority": "2",
    "x-datadog-tags": "_dd.p.dm=-4,_dd.p.upstream_services=abc,_dd.p.usr=bob",
  };
  const ctx = ours.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  assert.deepEqual(getDatadogContext(ctx)?.propagationTags, { "_dd.p.dm": "-4", "_dd.p.usr": "bob" });
  assert.equal(
    ddPropagator(["datadog"]).extract({ ...headers })!._trace.tags["_dd.p.upstream_services"],
    "abc",
  );
});
