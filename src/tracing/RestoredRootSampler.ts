import {
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type SpanContext,
  type SpanKind,
} from "@opentelemetry/api";
import type { Sampler, SamplingDecision, SamplingResult } from "@opentelemetry/sdk-trace-base";
import { decidedTraceId, isPlaceholderParent } from "../context/root-with-trace-id.js";
import { getRestoredRootTraceId, pendingRestoredRoot } from "../propagation/extraction-result.js";
import { sdkTraceBase } from "./sdk-modules.js";
import { describeValue } from "../describe-value.js";

/**
 * A Sampler that lets the sampling priority of a Datadog context with parent id 0 (Synthetics; no
 * valid OpenTelemetry parent) decide the root span an OpenTelemetry instrumentation starts from it,
 * and `root` decide everything else. dd-trace keeps such a trace whenever its priority is > 0,
 * whatever its own sampling rules say; an SDK sampler would instead judge the span as a new root, on a
 * random trace id the SDK picked before `ExtractionSpanProcessor` gives the span the incoming one: a
 * ratio sampler would drop most Synthetics traces, and a dropped span (never recorded, never seen by
 * span processors) would take the request out of the Synthetics trace altogether.
 *
 * Decisions for such a span: priority > 0 (or none, read as the sampled flag): RECORD_AND_SAMPLED;
 * priority <= 0: RECORD — recorded but not sampled, so that `ExtractionSpanProcessor` still gives it
 * the incoming trace id and the request's outgoing calls carry the trace with its priority and origin,
 * while nothing is exported, as dd-trace's priority 0 / -1 do. The spans below it in the request
 * follow its sampled flag (whatever `root` is: a sampler that ignores parents would otherwise split
 * the trace or turn a drop into a keep downstream), and so do the roots tracehop's helpers start
 * under a placeholder parent (a restored root, a new linked trace that keeps a user's decision) and
 * the spans below them. Everything else goes to `root` unchanged; `root` is never asked
 * about the spans decided here, so attributes or a trace state it would add are not there.
 *
 * `startTracing` puts one around its sampler (the `sampler` option, OTEL_TRACES_SAMPLER, or the
 * default); `LinkAwareSampler` decides these spans the same way. With your own SDK setup, wrap your
 * sampler: `new RestoredRootSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }))`,
 * with `ExtractionSpanProcessor` first among the span processors.
 */
export class RestoredRootSampler implements Sampler {
  private readonly _root: Sampler;

  /**
   * A sampler that decides a restored root (and the spans below it) by its Datadog priority, and asks
   * `root` about every other span.
   *
   * @param root the sampler for every other span (a TypeError when it has no `shouldSample`).
   */
  constructor(root: Sampler) {
    checkRootSampler("RestoredRootSampler", root);
    this._root = root;
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    return (
      restoredRootDecision(context) ??
      this._root.shouldSample(context, traceId, spanName, spanKind, attributes, links)
    );
  }

  toString(): string {
    return `RestoredRootSampler{root=${String(this._root)}}`;
  }
}

/**
 * Internal: the decision {@link RestoredRootSampler} makes for a span started from `context`, or
 * `undefined` when the wrapped sampler decides. A fresh result each time: a caller may add
 * attributes or a trace state to it.
 * - No parent, and the span continues a restored root (`pendingRestoredRoot`): by its flags, RECORD
 *   when not sampled (see the class).
 * - A placeholder parent (`startRootWithTraceId`: a restored root or a new trace that keeps a user's
 *   decision, started by tracehop's helpers): by its flags, as a ParentBased sampler would.
 * - A parent of the restored trace the context's extraction recorded, or of a new linked trace that
 *   keeps a user's decision (`withDecidedTrace`): the root's descendants in the request or the
 *   restored function, however deep, follow the parent's sampled flag, so that a sampler that ignores
 *   parents (AlwaysOn, AlwaysOff, TraceIdRatioBased alone) cannot split the trace the priority decided.
 */
export function restoredRootDecision(
  context: Context,
  parent: SpanContext | undefined = trace.getSpanContext(context),
): SamplingResult | undefined {
  let decision: SamplingDecision;
  if (parent === undefined) {
    const root = pendingRestoredRoot(context);
    if (root === undefined) return undefined;
    decision = isSampled(root.traceFlags)
      ? samplingDecisions().RECORD_AND_SAMPLED
      : samplingDecisions().RECORD;
  } else if (
    isPlaceholderParent(parent) ||
    getRestoredRootTraceId(context) === parent.traceId ||
    decidedTraceId(context) === parent.traceId
  ) {
    decision = isSampled(parent.traceFlags)
      ? samplingDecisions().RECORD_AND_SAMPLED
      : samplingDecisions().NOT_RECORD;
  } else {
    return undefined;
  }
  return { decision };
}

/**
 * Internal: a TypeError naming `owner` unless `root` is a Sampler (an object with `shouldSample`), for
 * the samplers that wrap another one.
 */
export function checkRootSampler(owner: string, root: unknown): void {
  if (typeof (root as Partial<Sampler> | undefined)?.shouldSample !== "function")
    throw new TypeError(
      `tracehop ${owner}: root must be a Sampler (an object with shouldSample), got ${describeValue(root)}`,
    );
}

/** Internal: the SDK's `SamplingDecision` values, loaded once (see sdk-modules.ts), not on every decision. */
let decisions: typeof SamplingDecision | undefined;
export function samplingDecisions(): typeof SamplingDecision {
  return (decisions ??= sdkTraceBase().SamplingDecision);
}

/** Internal: true when `traceFlags` has the W3C `sampled` bit (Trace Context §3.2.2.5.1). */
export function isSampled(traceFlags: number): boolean {
  return (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}
