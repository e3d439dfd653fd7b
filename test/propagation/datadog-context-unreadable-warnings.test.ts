// The object getDatadogContext returns, changed in place by the application's own code so that reading
// it throws (a getter, a Proxy), is injected without its fields. That code runs the same way on every
// request, and each inject reads the object again: each used to say the same diag.warn again. Said once
// per process and kind now (the fields object, its tags object: diag.warn and the process warning
// TRACEHOP_DATADOG_CONTEXT_UNREADABLE), naming the first error.
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, TraceFlags, defaultTextMapSetter, trace, type Context } from "@opentelemetry/api";
import { createPropagator, getDatadogContext, setDatadogContext } from "../../src/index.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";

const CODE = "TRACEHOP_DATADOG_CONTEXT_UNREADABLE";

const fieldsMessage = (error: string) =>
  `tracehop: the Datadog context of the trace could not be read (${error}); injected without it ` +
  "(no priority, origin or tags: the sampled flag decides). The object getDatadogContext returns was changed in " +
  "place; set the fields with setDatadogContext instead. (Said once per process.)";

const tagsMessage = (error: string) =>
  `tracehop: the Datadog tags of the trace could not be read (${error}); injected without them. The object ` +
  "getDatadogContext returns was changed in place; set the tags with setDatadogContext's propagationTags " +
  "instead. (Said once per process.)";

/** A request's context on a trace of its own (`n`), with Datadog fields. */
function request(n: number): Context {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: `640cfd8d0000000000000000000000${String(n).padStart(2, "0")}`,
    spanId: "00000000000001c8",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });
  return setDatadogContext(ctx, {
    samplingPriority: 2,
    origin: "rum",
    propagationTags: { "_dd.p.usr": "bob" },
  });
}

/** `request(n)` whose fields object's `origin` now throws `message` when read. */
function originThrows(n: number, message: string): Context {
  const ctx = request(n);
  Object.defineProperty(getDatadogContext(ctx), "origin", {
    get() {
      throw new Error(message);
    },
  });
  return ctx;
}

/** `request(n)` whose tags object's `_dd.p.usr` now throws `message` when read. */
function tagThrows(n: number, message: string): Context {
  const ctx = request(n);
  Object.defineProperty(getDatadogContext(ctx)!.propagationTags, "_dd.p.usr", {
    enumerable: true,
    get() {
      throw new Error(message);
    },
  });
  return ctx;
}

function inject(ctx: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  createPropagator(["datadog", "tracecontext"]).inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

describe("a Datadog context changed in place so that reading it throws: said once per process and kind", () => {
  beforeEach(resetWarnings);

  test("the fields: the first inject says so with its error; the next ones, other traces and errors, say nothing", async () => {
    const first = await recordWarnings(() => inject(originThrows(1, "first")));
    assert.equal(first.result["x-datadog-origin"], undefined);
    assert.equal(first.result["x-datadog-sampling-priority"], "1");
    assert.deepEqual(first.diagWarnings, [fieldsMessage('"Error: first"')]);
    assert.deepEqual(said(first, CODE), [fieldsMessage('"Error: first"')]);
    const ctx = originThrows(2, "second");
    const next = await recordWarnings(() => [inject(ctx), inject(ctx), inject(originThrows(3, "third"))]);
    for (const carrier of next.result) assert.equal(carrier["x-datadog-sampling-priority"], "1");
    assert.deepEqual(next.diagWarnings, []);
    assert.deepEqual(next.processWarnings, []);
  });

  test("the tags: said once too, counted apart from the fields", async () => {
    const first = await recordWarnings(() => [
      inject(originThrows(4, "fields")),
      inject(tagThrows(5, "tag")),
    ]);
    assert.equal(first.result[1]!["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.equal(first.result[1]!["x-datadog-origin"], "rum");
    assert.deepEqual(first.diagWarnings, [fieldsMessage('"Error: fields"'), tagsMessage('"Error: tag"')]);
    assert.deepEqual(said(first, CODE), [fieldsMessage('"Error: fields"'), tagsMessage('"Error: tag"')]);
    const next = await recordWarnings(() => [inject(tagThrows(6, "again")), inject(tagThrows(7, "more"))]);
    for (const carrier of next.result) assert.equal(carrier["x-datadog-tags"], "_dd.p.tid=640cfd8d00000000");
    assert.deepEqual(next.diagWarnings, []);
    assert.deepEqual(next.processWarnings, []);
  });
});
