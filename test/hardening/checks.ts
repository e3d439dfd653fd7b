/**
 * Assertions shared by the hardening tests: what an extracted context may hold, what an injected
 * carrier may hold, and that no prototype was touched.
 */
import assert from "node:assert/strict";
import { isSpanContextValid, propagation, trace, type Context } from "@opentelemetry/api";
import { getDatadogContext } from "../../src/index.js";

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** Control characters (C0 and DEL): never written into a header name or value. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
/** RFC 9110 token characters, lower case: the shape of every header name tracehop writes. */
const LOWER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** The span context and Datadog fields of an extracted context are valid, or absent. */
export function assertValidExtraction(ctx: Context): void {
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext !== undefined) {
    assert.ok(
      isSpanContextValid(spanContext),
      `invalid span context accepted: ${JSON.stringify(spanContext)}`,
    );
    assert.match(spanContext.traceId, HEX32);
    assert.match(spanContext.spanId, HEX16);
    assert.equal(spanContext.isRemote, true);
    assert.ok(
      Number.isInteger(spanContext.traceFlags) &&
        spanContext.traceFlags >= 0 &&
        spanContext.traceFlags <= 0xff,
    );
    const traceState = spanContext.traceState?.serialize() ?? "";
    assert.doesNotMatch(traceState, CONTROL, "control character kept in tracestate");
  }
  const dd = getDatadogContext(ctx);
  if (dd !== undefined) {
    if (dd.samplingPriority !== undefined) assert.ok(Number.isSafeInteger(dd.samplingPriority));
    if (dd.origin !== undefined) assert.doesNotMatch(dd.origin, CONTROL, "control character kept in origin");
    for (const [key, value] of Object.entries(dd.propagationTags)) {
      assert.ok(key.startsWith("_dd.p."), `non-propagated tag kept: ${key}`);
      assert.doesNotMatch(key + value, CONTROL, "control character kept in a tag");
    }
  }
  const bag = propagation.getBaggage(ctx);
  if (bag !== undefined) assert.ok(bag.getAllEntries().length <= 64, "more than 64 baggage entries");
}

/** Every name is a lower-case token and every value a string without control characters. */
export function assertCleanCarrier(carrier: Record<string, unknown>): void {
  for (const key of Object.keys(carrier)) {
    assert.match(key, LOWER_TOKEN, `header name ${JSON.stringify(key)} written`);
    const value = carrier[key];
    assert.equal(typeof value, "string", `non-string value written for ${key}`);
    assert.doesNotMatch(
      value as string,
      CONTROL,
      `control character written in ${key}: ${JSON.stringify(value)}`,
    );
  }
}

const OBJECT_PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join();

/** Object.prototype and Array.prototype are as the runtime made them (no pollution). */
export function assertNoPrototypePollution(): void {
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(), OBJECT_PROTOTYPE_KEYS);
  const probe: Record<string, unknown> = {};
  for (const key of ["traceparent", "tracestate", "baggage", "x-datadog-trace-id", "polluted"])
    assert.equal(probe[key], undefined, `Object.prototype.${key} was set`);
}

/**
 * What a context propagates, as plain data, for equality checks. A missing sampling priority counts as
 * the one the sampled flag implies (1 or 0): Datadog's tracers decide it at injection and write it, so
 * `{trace-id, parent-id}` comes back with priority 1 (research rule 31: keep <=> priority > 0).
 */
export function propagatedState(ctx: Context): unknown {
  const spanContext = trace.getSpanContext(ctx);
  const dd = getDatadogContext(ctx);
  const bag = propagation.getBaggage(ctx);
  return {
    span: spanContext && {
      traceId: spanContext.traceId,
      spanId: spanContext.spanId,
      sampled: (spanContext.traceFlags & 1) === 1,
    },
    dd: dd && {
      samplingPriority: dd.samplingPriority ?? (spanContext && (spanContext.traceFlags & 1) === 1 ? 1 : 0),
      origin: dd.origin,
      propagationTags: { ...dd.propagationTags },
    },
    baggage: bag && Object.fromEntries(bag.getAllEntries().map(([k, e]) => [k, e.value])),
  };
}
