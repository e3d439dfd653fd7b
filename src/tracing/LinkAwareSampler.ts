import {
  isSpanContextValid,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
} from "@opentelemetry/api";
import type { Sampler, SamplingResult } from "@opentelemetry/sdk-trace-base";
import { LINK_REASON_ATTRIBUTE } from "../propagation/extraction-result.js";
import { sdkTraceBase } from "./sdk-modules.js";

/**
 * A Sampler that keeps a new trace whose span links to sampled work: a root span (no valid parent in
 * its context) given, at creation, a link to a sampled span context — the stored context a
 * `withCarrier` in `link` / `auto` mode starts a new trace from, the messages a `withBatch` span links
 * — is recorded and sampled, so that the consumer's trace is kept whenever the producer's was (the
 * "link-aware sampling" asked for in opentelemetry-specification #1877 and #2918). Everything else,
 * children of a parent included, is decided by `root` (typically a `ParentBasedSampler`).
 *
 * Links with a `reason` attribute are the extraction's bookkeeping (`terminated_context`,
 * `propagation_behavior_extract`: contexts from request headers that lost precedence or that a
 * `restart` setting refuses to continue) and do not count: an untrusted caller could otherwise force
 * sampling. Links added after a span starts (`ExtractionLinksSpanProcessor`, `span.addLink`) are not
 * seen by any sampler.
 *
 *     startTracing({ serviceName: "worker",
 *       sampler: new LinkAwareSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) })) });
 */
export class LinkAwareSampler implements Sampler {
  private readonly _sampled: SamplingResult;

  /** @param root the sampler for every span this one does not keep (a TypeError when it has no `shouldSample`). */
  constructor(private readonly _root: Sampler) {
    if (typeof (_root as Partial<Sampler> | undefined)?.shouldSample !== "function")
      throw new TypeError("LinkAwareSampler: root must be a Sampler (an object with shouldSample)");
    this._sampled = { decision: sdkTraceBase().SamplingDecision.RECORD_AND_SAMPLED };
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
    if ((parent === undefined || !isSpanContextValid(parent)) && links?.some(isSampledWorkLink))
      return this._sampled;
    return this._root.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `LinkAwareSampler{root=${String(this._root)}}`;
  }
}

/** A link to a valid, sampled span context that is not one of the extraction's bookkeeping links. */
function isSampledWorkLink(link: Link): boolean {
  const context = link?.context;
  return (
    context !== undefined &&
    (context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED &&
    isSpanContextValid(context) &&
    link.attributes?.[LINK_REASON_ATTRIBUTE] === undefined
  );
}
