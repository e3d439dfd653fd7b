/**
 * Assertions shared by the hardening tests: what an extracted context may hold, what an injected
 * carrier may hold, and that no prototype was touched.
 */
import assert from "node:assert/strict";
import { isSpanContextValid, propagation, trace, type Context } from "@opentelemetry/api";
import { getDatadogContext } from "../../src/index.js";

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** Control characters (C0 and DEL): never written into a header value. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
/** RFC 9110 token characters, lower case: the shape of every header name tracehop writes. */
const LOWER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** A Level 2 tracestate list-member (Trace Context Level 2 §3.3.1.3): key, `=`, value not ending in a space. */
const TRACESTATE_MEMBER = /^[a-z0-9][a-z0-9_*/@-]{0,255}=[ !-+\--<>-~]{0,255}[!-+\--<>-~]$/;
/** An `x-datadog-tags` key and value (dd-trace-java `DatadogPTagsCodec`): printable ASCII, no `,`; no `=` in keys. */
const TAG_KEY = /^[!-+\--<>-~]+$/;
const TAG_VALUE = /^[ -+\--~]+$/;
/** An origin a Datadog header and a `dd=` member can carry: printable ASCII, at least one character. */
export const ORIGIN = /^[ -~]+$/;
/** An RFC 7230 token: the grammar of a W3C Baggage key (§3.3.1). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The span context and Datadog fields of an extracted context are valid, or absent. No control
 * character is kept in a tracestate, an origin or a tag: the grammars they are matched against
 * (TRACESTATE_MEMBER, ORIGIN, TAG_KEY, TAG_VALUE) admit none.
 */
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
    if (traceState !== "") {
      const members = traceState.split(",");
      assert.ok(members.length <= 32, `${members.length} tracestate members kept`);
      for (const member of members)
        assert.match(member, TRACESTATE_MEMBER, `invalid tracestate member kept: ${JSON.stringify(member)}`);
      const keys = members.map((m) => m.slice(0, m.indexOf("=")));
      assert.equal(new Set(keys).size, keys.length, `repeated tracestate key kept: ${traceState}`);
    }
  }
  const dd = getDatadogContext(ctx);
  if (dd !== undefined) {
    if (dd.samplingPriority !== undefined) {
      assert.ok(Number.isSafeInteger(dd.samplingPriority));
      assert.ok(!Object.is(dd.samplingPriority, -0), "sampling priority -0 kept (written back as 0)");
    }
    if (dd.origin !== undefined) {
      assert.match(dd.origin, ORIGIN, `origin ${JSON.stringify(dd.origin)} kept`);
    }
    for (const [key, value] of Object.entries(dd.propagationTags)) {
      assert.ok(key.startsWith("_dd.p."), `non-propagated tag kept: ${key}`);
      assert.match(key, TAG_KEY, `invalid tag key kept: ${JSON.stringify(key)}`);
      assert.match(value, TAG_VALUE, `invalid value of ${key} kept: ${JSON.stringify(value)}`);
    }
    const tid = dd.propagationTags["_dd.p.tid"];
    if (tid !== undefined) {
      assert.match(tid, HEX16, `_dd.p.tid ${JSON.stringify(tid)} kept`);
      assert.notEqual(tid, "0000000000000000", "all-zero _dd.p.tid kept");
      if (spanContext !== undefined)
        assert.equal(spanContext.traceId.slice(0, 16), tid, "_dd.p.tid of another trace id");
    }
  }
  const bag = propagation.getBaggage(ctx);
  if (bag !== undefined) {
    const entries = bag.getAllEntries();
    assert.ok(entries.length <= 64, "more than 64 baggage entries");
    for (const [key, entry] of entries) {
      assert.match(key, TOKEN, `baggage key ${JSON.stringify(key)} kept`);
      assert.doesNotMatch(
        entry.value,
        /\p{Cs}/u,
        `baggage value with a lone surrogate kept: ${JSON.stringify(entry.value)}`,
      );
    }
  }
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
