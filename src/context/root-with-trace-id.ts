/**
 * A root span that keeps a trace id tracehop chose (a Datadog parent id 0; a new linked trace that
 * keeps a user's sampling decision): started under a placeholder parent that is then cleared, and
 * what the samplers read of it. The detached root of relation `none` is an ordinary new trace
 * (`startDetachedRoot`, with-carrier.ts).
 */
import { randomFillSync } from "node:crypto";
import {
  createContextKey,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type TraceFlags,
  type Tracer,
} from "@opentelemetry/api";
import { inheritRandomFlag } from "../propagation/w3c/random-flag.js";

/**
 * Span id of the placeholder parent used by {@link startRootWithTraceId}. Any valid id would do: it
 * is only seen by the sampler and by span processors' `onStart`, never exported.
 */
const PLACEHOLDER_PARENT_SPAN_ID = "0000000000000001";

/** The placeholder parents {@link startRootWithTraceId} made, told apart by identity (not by id). */
const placeholders = new WeakSet<SpanContext>();

/**
 * True when `spanContext` is the placeholder parent of a root started by {@link startRootWithTraceId}:
 * its trace flags are the decision that root carries (a Datadog user decision kept in link mode, a
 * restored root's priority), not a real parent's. For samplers (`LinkAwareSampler`).
 */
export function isPlaceholderParent(spanContext: SpanContext): boolean {
  return placeholders.has(spanContext);
}

/** Context key of {@link withDecidedTrace}. */
const DECIDED_TRACE_KEY = createContextKey("tracehop.decided-trace");

/**
 * Internal: `ctx` recording that the trace `traceId` was started by {@link startRootWithTraceId} with
 * a decision of its own (a Datadog user decision kept by a new linked trace), so that the spans below
 * its root in `ctx` follow their parents' flags whatever the sampler (`RestoredRootSampler`).
 */
export function withDecidedTrace(ctx: Context, traceId: string): Context {
  return ctx.setValue(DECIDED_TRACE_KEY, traceId);
}

/** Internal: the trace id {@link withDecidedTrace} recorded in `ctx`, if any. */
export function decidedTraceId(ctx: Context): string | undefined {
  return ctx.getValue(DECIDED_TRACE_KEY) as string | undefined;
}

/**
 * Starts a ROOT span (no parent) whose trace id is `traceId` and whose sampling follows `traceFlags`.
 *
 * OpenTelemetry's API has no way to ask a tracer for a root span with a given trace id: the trace id
 * of a root comes from the provider's IdGenerator, which belongs to the user. So the span is started
 * under a placeholder remote parent `{traceId, PLACEHOLDER_PARENT_SPAN_ID, traceFlags}` — which also
 * lets a ParentBased sampler apply `traceFlags` — and the SDK span's parent reference is then
 * cleared, so that the exported span has this trace id and no parent. Span processors see the
 * placeholder parent in `onStart`; exporters (which read the span at `onEnd`) see none. Spans of
 * other SDKs keep their parent field if they have no `parentSpanContext` / `parentSpanId` property.
 *
 * Used for Datadog parent id 0 (Synthetics: the trace id must be kept on a root span, as Datadog
 * system-tests `Test_Synthetics_APM_Datadog` expect) and for a new linked trace that keeps a user's
 * sampling decision (docs/restore.md).
 *
 * @param traceId 32 lowercase hex, not all zero.
 * @param base the context to start from (baggage and other values are kept; its span is ignored).
 */
export function startRootWithTraceId(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  base: Context,
  traceId: string,
  traceFlags: TraceFlags,
): Span {
  const parent: SpanContext = { traceId, spanId: PLACEHOLDER_PARENT_SPAN_ID, traceFlags, isRemote: true };
  placeholders.add(parent);
  const placeholder = trace.setSpanContext(base, parent);
  const span = tracer.startSpan(name, { ...options, root: false }, placeholder);
  // The W3C random flag in `traceFlags` (a restored root whose traceparent carried it) stays on the span.
  inheritRandomFlag(span, placeholder);
  clearParent(span);
  return span;
}

/**
 * Removes the parent reference of an SDK span (sdk-trace-base 2.x `parentSpanContext`, 1.x
 * `parentSpanId`).
 */
function clearParent(span: Span): void {
  // Reflect.set: a read-only field in some other SDK returns false instead of throwing.
  if ("parentSpanContext" in span) Reflect.set(span, "parentSpanContext", undefined);
  if ("parentSpanId" in span) Reflect.set(span, "parentSpanId", undefined);
}

const TRACE_ID_BYTES = 16;

/**
 * A random 128-bit trace id as 32 lowercase hex whose low 64 bits are not zero (Datadog cannot carry
 * a trace id whose low half is 0: `x-datadog-trace-id` 0 is no trace, as in every Datadog tracer).
 */
export function randomTraceId(): string {
  const bytes = new Uint8Array(TRACE_ID_BYTES);
  do randomFillSync(bytes);
  while (bytes.subarray(8).every((b) => b === 0));
  return Buffer.from(bytes).toString("hex");
}
