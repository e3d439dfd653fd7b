// Every vector of ../shared/vectors/datadog.json (copied to test/fixtures/datadog-vectors.json) as a
// node:test test, checked through the public extraction/injection path of tracehop's sources.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  createTraceState,
  isSpanContextValid,
  type Context,
} from "@opentelemetry/api";
import { normalizeCarrier, normalizedCarrierGetter } from "../../src/carrier/normalize-carrier.js";
import { createPropagator } from "../../src/propagation/create-propagator.js";
import { getDatadogContext, setDatadogContext } from "../../src/propagation/datadog/datadog-context.js";
import {
  getExtractionAttributes,
  getExtractionLinks,
  getRestoredRoot,
} from "../../src/propagation/extraction-result.js";

interface Vector {
  id: string;
  kind: "extract" | "inject";
  styles?: string[];
  config?: { extractFirst?: boolean };
  carrier?: Record<string, string>;
  context?: {
    traceId: string;
    spanId: string;
    sampled: boolean;
    samplingPriority: number | null;
    origin: string | null;
    ddTags: Record<string, string>;
    tracestate: string | null;
  };
  expect: Record<string, unknown> & { headers?: Record<string, string> };
}

const vectors = JSON.parse(
  readFileSync(new URL("../fixtures/datadog-vectors.json", import.meta.url), "utf8"),
) as Vector[];
const ZERO_SPAN = "0000000000000000";
const savedExtractFirst = process.env.DD_TRACE_PROPAGATION_EXTRACT_FIRST;
after(() => {
  if (savedExtractFirst === undefined) delete process.env.DD_TRACE_PROPAGATION_EXTRACT_FIRST;
  else process.env.DD_TRACE_PROPAGATION_EXTRACT_FIRST = savedExtractFirst;
});

function propagatorFor(v: Vector) {
  if (v.config?.extractFirst) process.env.DD_TRACE_PROPAGATION_EXTRACT_FIRST = "true";
  else delete process.env.DD_TRACE_PROPAGATION_EXTRACT_FIRST;
  return createPropagator(v.styles ?? ["tracecontext", "baggage"]);
}

function checkExtract(v: Vector): void {
  const e = v.expect;
  // The stored-carrier path of contextFromCarrier: any-case names, arrays, Buffers.
  const ctx: Context = propagatorFor(v).extract(
    ROOT_CONTEXT,
    normalizeCarrier(v.carrier),
    normalizedCarrierGetter,
  );
  const sc = trace.getSpanContext(ctx);
  if (e.valid === false) {
    assert.ok(!sc || !isSpanContextValid(sc), `expected no context, got ${JSON.stringify(sc)}`);
    assert.equal(getRestoredRoot(ctx), undefined);
    assert.equal(getDatadogContext(ctx), undefined, "no Datadog field of an invalid context may leak");
    return;
  }
  if (e.spanId === ZERO_SPAN) {
    assert.equal(sc, undefined, "parent id 0 has no parent span context");
    const root = getRestoredRoot(ctx);
    assert.equal(root?.traceId, e.traceId);
    if (typeof e.sampled === "boolean")
      assert.equal(root?.traceFlags, e.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE);
  } else {
    assert.ok(sc && isSpanContextValid(sc), `expected a valid context, got ${JSON.stringify(sc)}`);
    assert.equal(sc.traceId, e.traceId);
    assert.equal(sc.spanId, e.spanId);
    assert.equal(sc.isRemote, true);
    if (typeof e.sampled === "boolean") assert.equal((sc.traceFlags & TraceFlags.SAMPLED) === 1, e.sampled);
    if ("tracestate" in e) assert.equal(sc.traceState?.serialize() || null, e.tracestate);
  }
  const dd = getDatadogContext(ctx);
  if ("samplingPriority" in e) assert.equal(dd?.samplingPriority ?? null, e.samplingPriority);
  if ("origin" in e) assert.equal(dd?.origin ?? null, e.origin);
  if ("ddTags" in e) assert.deepEqual({ ...(dd?.propagationTags ?? {}) }, e.ddTags);
  assert.equal(dd?.lastParentId ?? null, (e.lastParentId as string | undefined) ?? null);
  assert.deepEqual(
    getExtractionAttributes(ctx),
    e.lastParentId === undefined ? {} : { "_dd.parent_id": e.lastParentId },
  );
  if (Array.isArray(e.links)) {
    const links = getExtractionLinks(ctx);
    assert.deepEqual(
      links.map((l) => `${l.context.traceId}/${l.context.spanId}`),
      (e.links as { traceId: string; spanId: string }[]).map((l) => `${l.traceId}/${l.spanId}`),
    );
    for (const link of links) {
      assert.equal(link.attributes?.reason, "terminated_context");
      assert.ok(v.styles?.includes(String(link.attributes?.context_headers)));
      assert.notEqual(link.attributes?.context_headers, v.styles?.[0], "the winner is never linked");
    }
  }
  if (e.baggage) {
    const entries = Object.fromEntries(
      (propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k, x]) => [k, x.value]),
    );
    assert.deepEqual(entries, e.baggage);
  }
}

function checkInject(v: Vector): void {
  const c = v.context!;
  let ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: c.traceId,
    spanId: c.spanId,
    traceFlags: c.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: false,
    traceState: c.tracestate ? createTraceState(c.tracestate) : undefined,
  });
  if (c.samplingPriority !== null || c.origin || Object.keys(c.ddTags).length) {
    ctx = setDatadogContext(ctx, {
      ...(c.samplingPriority !== null ? { samplingPriority: c.samplingPriority } : {}),
      ...(c.origin ? { origin: c.origin } : {}),
      propagationTags: c.ddTags,
    });
  }
  const out: Record<string, string> = {};
  propagatorFor(v).inject(ctx, out, {
    set: (carrier, key, value) => ((carrier as Record<string, string>)[key] = value),
  });
  const want = v.expect.headers!;
  // Exact, order included: tracehop writes x-datadog-tags and dd= in dd-trace-java's and dd-trace-go's
  // order (`_dd.p.dm` first: dd-trace-java `PTagsCodec.headerValue`; `s`, `o`, `p`, `t.dm`, `t.tid`,
  // other `t.*`: dd-trace-java `W3CHttpInjectorTest`, dd-trace-go `composeTracestate`).
  for (const [key, value] of Object.entries(want)) assert.equal(out[key], value, key);
  const family = (v.styles ?? []).flatMap((s) =>
    s === "datadog" ? ["x-datadog-origin", "x-datadog-tags"] : s === "tracecontext" ? ["tracestate"] : [],
  );
  for (const key of family) if (!(key in want)) assert.equal(out[key], undefined, `${key} should be absent`);
}

describe("Datadog vectors (../shared/vectors/datadog.json)", () => {
  assert.ok(vectors.length >= 50, "the vector file is the full set");
  for (const v of vectors) {
    test(`${v.kind} ${v.id}`, () => (v.kind === "inject" ? checkInject(v) : checkExtract(v)));
  }
});
