import {
  isSpanContextValid,
  isValidTraceId,
  trace,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
} from "@opentelemetry/api";
import type { Sampler, SamplingResult } from "@opentelemetry/sdk-trace-base";
import {
  isRestoredRootLinkContext,
  LINK_REASON_ATTRIBUTE,
  takeExtraction,
} from "../propagation/extraction-result.js";
import {
  checkRootSampler,
  isSampled,
  restoredRootDecision,
  samplingDecisions,
} from "./RestoredRootSampler.js";

/**
 * A Sampler that keeps a new trace whose span links to sampled work from elsewhere: a root span (no
 * valid parent in its context) given, at creation, a link to a sampled *remote* span context — the
 * stored context a `withCarrier` in `link` / `auto` mode starts a new trace from, the messages a
 * `withBatch` span links — is recorded and sampled, so that the consumer's trace is kept whenever the
 * producer's was (the "link-aware sampling" asked for in opentelemetry-specification #1877 and
 * #2918). Everything else, children of a parent included, is decided by `root` (typically a
 * `ParentBasedSampler`).
 *
 * What does not count:
 * - links to local spans (`isRemote` not true): the consumer's own surrounding span, which
 *   `withBatchItem` and `withProcessSpan` link, is not producer work;
 * - links with a `reason` attribute, the extraction's bookkeeping (`terminated_context`,
 *   `propagation_behavior_extract`: a context that lost precedence, or that a `restart` setting
 *   refuses to continue — from request headers or from a stored carrier alike);
 * - links added after a span starts (`ExtractionSpanProcessor`, `span.addLink`): no sampler sees
 *   them.
 *
 * A root that carries a decision of its own follows that decision: a user's explicit drop stays a
 * drop whatever the links say, an explicit keep a keep whatever `root` would say about remote parents.
 * Such roots are a Datadog user decision (priority 2 / -1) kept by a new linked trace and a restored
 * root's priority (Datadog parent id 0) under tracehop's helpers, which start them under a placeholder
 * parent, and the root span an instrumentation starts from headers with
 * Datadog parent id 0 (Synthetics), decided as `RestoredRootSampler` decides it.
 *
 * A span this sampler drops gives up what its extraction recorded for it (links, restored root): a
 * later span of the same request does not take them in its place (`ExtractionSpanProcessor` only sees
 * recorded spans; with another sampler, a recording root started after a dropped `restart` root takes
 * the restart link).
 *
 *     startTracing({
 *       serviceName: "worker",
 *       sampler: new LinkAwareSampler(
 *         new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
 *       ),
 *     });
 */
export class LinkAwareSampler implements Sampler {
  private readonly _root: Sampler;

  /**
   * A sampler that keeps a new trace linked to sampled remote work, and asks `root` about every other
   * span.
   *
   * @param root the sampler for every span this one does not keep (a TypeError when it has no
   *   `shouldSample`).
   */
  constructor(root: Sampler) {
    checkRootSampler("LinkAwareSampler", root);
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
    const parent = trace.getSpanContext(context);
    // Placeholder parents, restored roots and their descendants first (a fresh result each time).
    const result =
      restoredRootDecision(context, parent) ??
      ((parent === undefined || !isSpanContextValid(parent)) && links?.some(isSampledWorkLink)
        ? { decision: samplingDecisions().RECORD_AND_SAMPLED }
        : this._root.shouldSample(context, traceId, spanName, spanKind, attributes, links));
    // The span an extraction's links and restored root were for is not recorded, so
    // ExtractionSpanProcessor never sees it: no later span of the request takes them instead.
    if (result.decision === samplingDecisions().NOT_RECORD) takeExtraction(context, parent);
    return result;
  }

  toString(): string {
    return `LinkAwareSampler{root=${String(this._root)}}`;
  }
}

/**
 * A link to a sampled, remote span context that is not one of the extraction's bookkeeping links:
 * a valid span context, or a restored root's (Datadog parent id 0: a valid trace id with span id 0,
 * as tracehop and dd-trace link a Synthetics context).
 */
function isSampledWorkLink(link: Link): boolean {
  const context = link?.context;
  return (
    context !== undefined &&
    context.isRemote === true &&
    isSampled(context.traceFlags) &&
    (isSpanContextValid(context) ||
      (isValidTraceId(context.traceId) && isRestoredRootLinkContext(context))) &&
    link.attributes?.[LINK_REASON_ATTRIBUTE] === undefined
  );
}
