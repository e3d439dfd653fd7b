import type { Link, SpanContext, TraceState } from "@opentelemetry/api";
import { describeValue } from "../describe-value.js";
import { isPlainObject } from "../plain-object.js";
import { knownTraceFlags } from "../propagation/trace-flags.js";

/** A trace id as OTLP carries it: 32 hex characters (W3C Trace Context §3.2.2.3). */
const TRACE_ID = /^[0-9a-f]{32}$/i;
/** A span id as OTLP carries it: 16 hex characters (W3C Trace Context §3.2.2.4, parent-id). */
const SPAN_ID = /^[0-9a-f]{16}$/i;

/**
 * Internal: `link` (`{ context: SpanContext, attributes? }`, a value of a helper's `links` option) read
 * once, as a plain copy for the SDK, or what is wrong with it as the end of a sentence starting "got"
 * (`{ context: null }`). Each field is read once (`link.context`, `link.attributes`, and the context's
 * `traceId`, `spanId`, `traceFlags`, `traceState`, `isRemote`); the copy holds what was checked, so a
 * getter or Proxy that answers differently on a later read changes nothing the span records, samples or
 * exports (the SDK keeps a link's `context` object and its OTLP serializer reads it at export).
 *
 * A link is: a `context` whose `traceId` is 32 and `spanId` 16 hex characters (all zeros allowed: the
 * OpenTelemetry specification lets a link to an invalid SpanContext be recorded when it carries
 * attributes), whose `traceState`, when given (not `undefined` or `null`), is a TraceState (an object
 * with a `serialize` method, which the serializer calls); and `attributes`, when given, a plain object.
 * The SDK takes any value as a link; its OTLP serializer then throws on a link without ids or with a
 * `traceState` it cannot serialize (failing its whole export batch), and a collector refuses a request
 * whose ids are not hex.
 *
 * The copy: `context` is `{ traceId, spanId, traceFlags }` plus `traceState` when given and
 * `isRemote: true` when it is `true` (anything else is a local context, as `LinkAwareSampler` reads
 * it, where the serializer would take any truthy value for remote); `traceFlags` is the number every
 * inject style of tracehop writes for the same value (`knownTraceFlags`, src/propagation/trace-flags.ts:
 * a number's sampled and random bits, a string or boolean converted as `&` converts it, so `"1"` → 1,
 * anything else 0), where the serializer writes `traceFlags & 0xff` (a bigint throws there, an object
 * runs its `valueOf`); `attributes` is a shallow copy (the SDK then checks each value). Never throws:
 * a link whose fields cannot be read (a revoked Proxy, a throwing getter) is no link.
 */
export function readSpanLink(link: unknown): Link | string {
  return checkLink(link, true)!;
}

/**
 * What is wrong with `link` as a span link ({@link readSpanLink}), or `undefined` when it is one: for a
 * link of a span about to be exported (a span a user's own `tracer.startSpan` gave a bad link). Besides
 * what `readSpanLink` refuses, a `traceFlags` the serializer's `traceFlags & 0xff` throws on or runs
 * application code for (a bigint, a symbol, an object or function: tracehop's helpers hand the SDK a
 * number) is no link. No copy is made. Never throws.
 */
export function spanLinkProblem(link: unknown): string | undefined {
  const problem = checkLink(link, false);
  return typeof problem === "string" ? problem : undefined;
}

/**
 * The one read of {@link readSpanLink} (`copy`: the copy when `link` is one) and of
 * {@link spanLinkProblem} (not `copy`: `undefined` when `link` is one). Never throws.
 */
function checkLink(link: unknown, copy: boolean): Link | string | undefined {
  try {
    if (typeof link !== "object" || link === null) return describeValue(link);
    const { context, attributes } = link as Link;
    if (typeof context !== "object" || context === null) return `{ context: ${describeValue(context)} }`;
    const { traceId, spanId, traceFlags, traceState, isRemote } = context as Partial<SpanContext>;
    if (typeof traceId !== "string" || !TRACE_ID.test(traceId))
      return `{ context: { traceId: ${describeValue(traceId)}, ... } }`;
    if (typeof spanId !== "string" || !SPAN_ID.test(spanId))
      return `{ context: { spanId: ${describeValue(spanId)}, ... } }`;
    if (traceState != null && !isTraceState(traceState))
      return `{ context: { traceState: ${describeValue(traceState)}, ... } }`;
    if (attributes !== undefined && !isPlainObject(attributes))
      return `{ context, attributes: ${describeValue(attributes)} }`;
    if (!copy)
      return (typeof traceFlags === "object" && traceFlags !== null) ||
        UNSERIALIZABLE_FLAGS.has(typeof traceFlags)
        ? `{ context: { traceFlags: ${describeValue(traceFlags)}, ... } }`
        : undefined;
    const checked: SpanContext = { traceId, spanId, traceFlags: knownTraceFlags(traceFlags) };
    if (traceState != null) checked.traceState = traceState;
    if (isRemote === true) checked.isRemote = true;
    return attributes === undefined
      ? { context: checked }
      : { context: checked, attributes: { ...attributes } };
  } catch {
    return "a link whose fields cannot be read";
  }
}

/**
 * The `typeof` of a `traceFlags` the serializer's `traceFlags & 0xff` throws on (a bigint, a symbol) or
 * runs application code for (a function's `valueOf`; an object is told apart from `null` above).
 */
const UNSERIALIZABLE_FLAGS: ReadonlySet<string> = new Set(["bigint", "symbol", "function"]);

/** Whether `value` is a TraceState as the OTLP serializer uses one: an object with a `serialize` method. */
function isTraceState(value: unknown): value is TraceState {
  return typeof value === "object" && value !== null && typeof (value as TraceState).serialize === "function";
}
