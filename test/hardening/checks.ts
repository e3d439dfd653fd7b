/**
 * Assertions shared by the hardening tests: what an extracted context may hold, what an injected
 * carrier may hold, and that no prototype was touched.
 */
import assert from "node:assert/strict";
import { diag, DiagLogLevel, isSpanContextValid, propagation, trace, type Context } from "@opentelemetry/api";
import { getDatadogContext } from "../../src/index.js";

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** Control characters (C0 and DEL): never written into a header value. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Anything but printable ASCII (non-ASCII, lone surrogates included): no header grammar tracehop writes admits it. */
const NOT_PRINTABLE_ASCII = /[^ -~]/;
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

/** A version-00 traceparent as tracehop writes it (Trace Context §3.2.2): flags other than sampled|random zero. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[0-3]$/;
/** A Datadog decimal id as written: canonical unsigned decimal, not 0 (checked against 2^64 - 1 apart). */
const DATADOG_ID = /^[1-9][0-9]{0,19}$/;
/** A sampling priority as written: an integer of at most 10 digits, canonical (`0`, never `-0` or `01`). */
const PRIORITY = /^(?:0|-?[1-9][0-9]{0,9})$/;
/**
 * The `dd=` tracestate member as written (dd-trace-java `W3CPTagsCodec`, system-tests
 * test_headers_tracestate_dd.py): `s:<priority>`, an optional `o:`, `p:<16 hex>`, `t.<key>:<value>` tags,
 * then relayed `<key>:<value>` elements. A value is printable ASCII without `,` `;` `=` (`=` travels as `~`);
 * a key has no space and no `:` either.
 */
const DD_MEMBER_VALUE = "[\\x20-\\x2b\\x2d-\\x3a\\x3c\\x3e-\\x7e]";
const DD_MEMBER_KEY = "[\\x21-\\x2b\\x2d-\\x39\\x3c\\x3e-\\x7e]";
const DD_MEMBER = new RegExp(
  `^dd=s:(?:0|-?[1-9][0-9]{0,9})(?:;o:${DD_MEMBER_VALUE}+)?;p:[0-9a-f]{16}` +
    `(?:;t\\.${DD_MEMBER_KEY}+:${DD_MEMBER_VALUE}+)*(?:;${DD_MEMBER_KEY}+:${DD_MEMBER_VALUE}+)*$`,
);
/** Longest `dd=` member, prefix included (dd-trace-java `W3CPTagsCodec`). */
const DD_MEMBER_MAX_LENGTH = 256;
/**
 * A W3C Baggage list-member as written (Baggage §3.2.1, no OWS): a token key, `=`, a value of
 * baggage-octets with `%` only in `%XX` escapes, then `;key` or `;key=value` properties.
 */
const BAGGAGE_VALUE = "(?:[\\x21\\x23\\x24\\x26-\\x2b\\x2d-\\x3a\\x3c-\\x5b\\x5d-\\x7e]|%[0-9A-Fa-f]{2})*";
const BAGGAGE_TOKEN = TOKEN.source.slice(1, -1);
const BAGGAGE_MEMBER = new RegExp(
  `^${BAGGAGE_TOKEN}=${BAGGAGE_VALUE}(?:;${BAGGAGE_TOKEN}(?:=${BAGGAGE_VALUE})?)*$`,
);
/** B3 ids in lower-case hex (openzipkin/b3-propagation: "lower-hex"); a single `b3` header with a sampling state. */
const B3_TRACE_ID = /^(?:[0-9a-f]{16}){1,2}$/;
const B3_SINGLE = /^(?:[0-9a-f]{16}){1,2}-[0-9a-f]{16}(?:-[01d])?$/;

/**
 * The members of a tracestate value: at most 32 list-members of the Level 2 grammar, no key twice
 * (Trace Context §3.3.1); `what` says whose in a failure.
 */
function assertTracestateMembers(text: string, what: string): string[] {
  const members = text.split(",");
  assert.ok(members.length <= 32, `${members.length} tracestate members ${what}`);
  for (const member of members)
    assert.match(member, TRACESTATE_MEMBER, `invalid tracestate member ${what}: ${JSON.stringify(member)}`);
  const keys = members.map((m) => m.slice(0, m.indexOf("=")));
  assert.equal(new Set(keys).size, keys.length, `repeated tracestate key ${what}: ${text}`);
  return members;
}

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
    if (traceState !== "") assertTracestateMembers(traceState, "kept");
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

/** Options of {@link assertCleanCarrier}: the `x-datadog-tags` limit the injecting propagator was given. */
export interface CarrierLimits {
  /** `tagsMaxLength` of the propagator (default 512, `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`'s). */
  tagsMaxLength?: number;
}

/** The grammar of each header tracehop writes, as a receiver checks it; `value` is printable ASCII. */
const HEADER_GRAMMARS: Readonly<Record<string, (value: string, limits: Required<CarrierLimits>) => void>> = {
  traceparent: (value) => {
    const match = TRACEPARENT.exec(value);
    assert.ok(match, `traceparent ${JSON.stringify(value)} written`);
    assert.ok(/[1-9a-f]/.test(match[1]!) && /[1-9a-f]/.test(match[2]!), `all-zero id written: ${value}`);
  },
  // Trace Context §3.3.1: 1-32 list-members, at most 512 characters (§3.3.1.5), the `dd=` member as Datadog reads it.
  tracestate: (value) => {
    assert.ok(value.length <= 512, `tracestate of ${value.length} characters written`);
    for (const member of assertTracestateMembers(value, "written")) {
      if (!member.startsWith("dd=")) continue;
      assert.ok(member.length <= DD_MEMBER_MAX_LENGTH, `dd= member of ${member.length} characters written`);
      assert.match(member, DD_MEMBER, `dd= member ${JSON.stringify(member)} written`);
    }
  },
  // Baggage §3.2.1 and the limits of §3.3.1: 64 list-members, 8192 bytes (the header is ASCII).
  baggage: (value) => {
    assert.ok(value.length <= 8192, `baggage of ${value.length} bytes written`);
    const members = value.split(",");
    assert.ok(members.length <= 64, `${members.length} baggage members written`);
    for (const member of members)
      assert.match(member, BAGGAGE_MEMBER, `baggage member ${JSON.stringify(member)} written`);
  },
  "x-datadog-trace-id": assertDatadogId,
  "x-datadog-parent-id": assertDatadogId,
  "x-datadog-sampling-priority": (value) =>
    assert.match(value, PRIORITY, `x-datadog-sampling-priority ${JSON.stringify(value)} written`),
  "x-datadog-origin": (value) => assert.match(value, ORIGIN, `origin ${JSON.stringify(value)} written`),
  // `_dd.p.*` members `key=value`, printable ASCII, no `,` in values, within the limit (dd-trace-java
  // `DatadogPTagsCodec`'s eBNF comment, dd-trace-js `text_map.js` `_injectTags`).
  "x-datadog-tags": (value, { tagsMaxLength }) => {
    assert.ok(
      value.length <= tagsMaxLength,
      `x-datadog-tags of ${value.length} > ${tagsMaxLength} characters`,
    );
    const keys: string[] = [];
    for (const member of value.split(",")) {
      const equals = member.indexOf("=");
      const key = member.slice(0, Math.max(equals, 0));
      assert.ok(key.startsWith("_dd.p.") && key.length > 6, `tag ${JSON.stringify(member)} written`);
      assert.match(key, TAG_KEY, `tag key ${JSON.stringify(key)} written`);
      assert.match(member.slice(equals + 1), TAG_VALUE, `tag ${JSON.stringify(member)} written`);
      keys.push(key);
    }
    assert.equal(new Set(keys).size, keys.length, `repeated tag written: ${value}`);
  },
  b3: (value) => assert.match(value, B3_SINGLE, `b3 ${JSON.stringify(value)} written`),
  "x-b3-traceid": (value) =>
    assert.match(value, B3_TRACE_ID, `x-b3-traceid ${JSON.stringify(value)} written`),
  "x-b3-spanid": (value) => assert.match(value, HEX16, `x-b3-spanid ${JSON.stringify(value)} written`),
  "x-b3-sampled": (value) => assert.match(value, /^[01]$/, `x-b3-sampled ${JSON.stringify(value)} written`),
  "x-b3-flags": (value) => assert.equal(value, "1", `x-b3-flags ${JSON.stringify(value)} written`),
};

/** An `x-datadog-*-id`: unsigned decimal of a non-zero 64-bit id (dd-trace-java `DatadogHttpCodec`). */
function assertDatadogId(value: string): void {
  assert.match(value, DATADOG_ID, `Datadog id ${JSON.stringify(value)} written`);
  assert.ok(BigInt(value) < 2n ** 64n, `Datadog id ${value} beyond 2^64 - 1 written`);
}

/**
 * Every name is a lower-case token and every value a string of printable ASCII (no control character,
 * nothing non-ASCII), and each header tracehop writes matches its grammar (HEADER_GRAMMARS):
 * traceparent, tracestate (the `dd=` member included), baggage, the `x-datadog-*` headers (the tags
 * within `limits.tagsMaxLength`, default 512) and the B3 headers.
 */
export function assertCleanCarrier(carrier: Record<string, unknown>, limits: CarrierLimits = {}): void {
  const checked = { tagsMaxLength: limits.tagsMaxLength ?? 512 };
  for (const key of Object.keys(carrier)) {
    assert.match(key, LOWER_TOKEN, `header name ${JSON.stringify(key)} written`);
    const value = carrier[key];
    assert.equal(typeof value, "string", `non-string value written for ${key}`);
    assert.doesNotMatch(
      value as string,
      CONTROL,
      `control character written in ${key}: ${JSON.stringify(value)}`,
    );
    assert.doesNotMatch(
      value as string,
      NOT_PRINTABLE_ASCII,
      `non-ASCII character written in ${key}: ${JSON.stringify(value)}`,
    );
    HEADER_GRAMMARS[key]?.(value as string, checked);
  }
}

/**
 * Every header of `carrier` that carries a sampling decision says the same: the traceparent `sampled`
 * flag, `x-datadog-sampling-priority` and the `dd=` member's `s:` (keep <=> priority > 0, dd-trace-java
 * `PrioritySampling`), the `b3` sampling state (`1` or `d`) and `x-b3-sampled` / `x-b3-flags`. Call after
 * {@link assertCleanCarrier} (the values are of their grammar).
 */
export function assertOneSamplingDecision(carrier: Record<string, unknown>): void {
  const decisions: [string, boolean][] = [];
  const traceparent = carrier.traceparent as string | undefined;
  if (traceparent !== undefined)
    decisions.push(["traceparent", (parseInt(traceparent.slice(53), 16) & 1) === 1]);
  const priority = carrier["x-datadog-sampling-priority"] as string | undefined;
  if (priority !== undefined) decisions.push(["x-datadog-sampling-priority", Number(priority) > 0]);
  const dd = /(?:^|,)dd=s:(-?[0-9]+)/.exec((carrier.tracestate as string | undefined) ?? "");
  if (dd !== null) decisions.push(["dd= s:", Number(dd[1]) > 0]);
  const b3 = carrier.b3 as string | undefined;
  if (b3 !== undefined) {
    const state = b3.split("-")[2];
    if (state !== undefined) decisions.push(["b3", state !== "0"]);
  }
  if (carrier["x-b3-flags"] === "1") decisions.push(["x-b3-flags", true]);
  else if (carrier["x-b3-sampled"] !== undefined)
    decisions.push(["x-b3-sampled", carrier["x-b3-sampled"] === "1"]);
  assert.ok(
    decisions.every(([, sampled]) => sampled === decisions[0]![1]),
    `sampling decisions disagree: ${decisions.map(([name, sampled]) => `${name} ${sampled ? "keep" : "drop"}`).join(", ")}`,
  );
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
 * `{trace-id, parent-id}` comes back with priority 1 (keep <=> priority > 0, dd-trace-java
 * `PrioritySampling`).
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

/** What {@link watchDiagWarnings} gives: the warnings so far, and how to stop. */
export interface DiagWarnings {
  /** The message of each `diag.warn` since the watch began or was last cleared (`length = 0`). */
  messages: string[];
  /** Removes the logger (`diag.disable()`). */
  stop(): void;
}

/**
 * Records every `diag.warn` from now on (synchronously, unlike test/support/warnings.ts
 * `recordWarnings`, for use inside a property). createPropagator, and each style class called alone,
 * catches a style's throw and reports it as the warning "tracehop: <style> inject failed": a property that only looked at the carrier
 * would not see that throw ({@link injectFailures}).
 */
export function watchDiagWarnings(): DiagWarnings {
  const messages: string[] = [];
  const ignore = () => {};
  diag.setLogger(
    {
      error: ignore,
      info: ignore,
      debug: ignore,
      verbose: ignore,
      warn: (message: string) => messages.push(message),
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return { messages, stop: () => diag.disable() };
}

/** The warnings among `messages` that say a style's inject threw (createPropagator's catch). */
export function injectFailures(messages: readonly string[]): string[] {
  return messages.filter((message) => /^tracehop: \S+ inject failed$/.test(message));
}
