import { trace, type Context, type SpanContext } from "@opentelemetry/api";
import { FLAG_SAMPLED, KNOWN_FLAGS_MASK } from "./w3c/constants.js";

/**
 * Internal: the trace flags every inject style writes for a SpanContext's `traceFlags`, as the
 * `sampled` (0x01) and `random` (0x02) bits, a number 0-3: the traceparent flags byte, the Datadog
 * sampling priority of a trace without one (`x-datadog-sampling-priority`, `dd=` `s:`), and the B3
 * sampled state all read these bits, so that one carrier never says "sampled" in one header and "not
 * sampled" in another. Never throws.
 *
 * The rule is the OpenTelemetry SDK's reading of the same value: `ParentBasedSampler`
 * (@opentelemetry/sdk-trace 2.12 `sampler/ParentBasedSampler.js`) samples a child when
 * `traceFlags & TraceFlags.SAMPLED` is set, JavaScript's ToInt32 conversion. A carrier that disagreed
 * with it would make the next service drop, or keep, a trace whose spans this service keeps, or drops.
 *
 * - a number: its ToInt32 low bits (`1.5` → 1, `-1` → 3, `256` → 0, `NaN` → 0), exactly `value & 3`;
 * - a string or a boolean: converted to a number first, as `&` converts it (`"1"`, `"01"`, `true` → 1;
 *   `"abc"` → 0). OpenTelemetry's own writers agree: @opentelemetry/propagator-b3 tests
 *   `traceFlags & 1`, and @opentelemetry/core 2.12 `W3CTraceContextPropagator` writes
 *   `Number(traceFlags || 0)` (`"1"` and `true` as `-01`; for `1.5`, `256` or `-1` it writes
 *   `-01.8`, `-0100` and `-0-1`, which no receiver accepts);
 * - anything else is 0 (not sampled): `undefined` and `null` (the SDK reads 0 too), a bigint or a
 *   symbol (the SDK's `&` throws a TypeError, so no sampled child span exists), and an object: the SDK
 *   would call its `valueOf` / `toString`, which is application code that may throw or answer
 *   differently on each of the several reads of one injection; propagation never runs it.
 *
 * Unknown bits are cleared: Trace Context §3.2.2.5.3 ("Vendors MUST set those to zero"), and the
 * traceparent flags are then always two lower-case hex digits.
 */
export function knownTraceFlags(traceFlags: unknown): number {
  if (typeof traceFlags === "number") return traceFlags & KNOWN_FLAGS_MASK;
  return typeof traceFlags === "string" || typeof traceFlags === "boolean"
    ? Number(traceFlags) & KNOWN_FLAGS_MASK
    : 0;
}

/**
 * Internal: whether the {@link knownTraceFlags} of `traceFlags` have the sampled bit (0x01): the
 * decision the Datadog fields of a trace without a priority follow (`x-datadog-sampling-priority`,
 * `dd=` `s:`), as the traceparent writer reads it. Never throws.
 */
export function isSampledFlags(traceFlags: unknown): boolean {
  return (knownTraceFlags(traceFlags) & FLAG_SAMPLED) !== 0;
}

/**
 * Internal: the context a wrapped propagator (OpenTelemetry's B3, a W3C propagator given to
 * `DatadogTraceContextPropagator`) injects from, so that it writes the sampled state every tracehop
 * style writes: `context`, whose span is `spanContext`, with that span context's flags replaced by
 * {@link knownTraceFlags} and its fields replaced by `changes` (ids in canonical form, a new
 * tracestate). `context` itself when there are no `changes` and the flags are already the known ones
 * (a number 0-3): no copy on the common path. Never throws.
 */
export function withKnownFlags(
  context: Context,
  spanContext: SpanContext,
  changes?: Partial<SpanContext>,
): Context {
  const traceFlags = knownTraceFlags(spanContext.traceFlags);
  return changes === undefined && traceFlags === spanContext.traceFlags
    ? context
    : trace.setSpanContext(context, { ...spanContext, ...changes, traceFlags });
}
