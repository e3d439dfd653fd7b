import { diag, trace, type Context, type Link, type SpanContext } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import {
  getExtractionAttributes,
  LINK_REASON_ATTRIBUTE,
  takeExtraction,
  type RestoredRoot,
} from "../propagation/extraction-result.js";

/**
 * SpanProcessor that applies what an extraction found beyond the parent span context to the span an
 * OpenTelemetry instrumentation starts from the extracted context — the HTTP server span of
 * `@opentelemetry/instrumentation-http`, a messaging instrumentation's consumer span, a span started
 * by hand from `propagation.extract(...)` — as Datadog's tracers apply it to the span they start there.
 * An instrumentation knows nothing of these; without this processor they are lost on its spans.
 *
 * - Span links (`getExtractionLinks`): `terminated_context` links of conflicting styles and
 *   `propagation_behavior_extract` links of a `restart` extraction, as dd-trace-js makes them.
 * - A restored root (`getRestoredRoot`: Datadog parent id 0, as Synthetics sends it, an invalid
 *   OTel span id): the SDK starts a root span with a trace id of its own, since OpenTelemetry has no way
 *   to ask for a root with a given trace id. This processor gives that span the incoming trace id and
 *   the trace flags of its sampling priority, as dd-trace keeps the Synthetics trace id on its root
 *   span (system tests `Test_Synthetics_APM_Datadog`), so the Synthetics result finds its trace and the
 *   Datadog fields (origin, priority) go on with the request's outgoing calls. The SDK hands processors
 *   the span's own SpanContext object (sdk-trace 2.x); where another SDK hands a copy or a frozen
 *   object, the span keeps its own trace id and `diag` says so. Every span started right from the
 *   Context the extraction returned is such a root (a second handler, a retry: dd-trace keeps every
 *   span started from a parent-id-0 context in its trace); from a context derived from it, only the
 *   first. Sampling: the SDK's sampler decides before, on the SDK's trace id; `RestoredRootSampler`
 *   (which `startTracing` puts around its sampler) lets the incoming priority decide instead.
 * - `_dd.parent_id` (`getExtractionAttributes`, as dd-trace-js sets it) on a span whose parent is the
 *   extracted remote parent, unless the span already has it.
 *
 * The links of one extraction go to one span: the first recording span started from a context that
 * holds them whose parent there is the extracted parent itself, or, for an extraction that left no
 * parent (a `restart`, a restored root), that has no parent. Its children, and any later span started
 * from a context derived from the same extraction (a sibling; a `root: true` span inside the request,
 * also when the request's span was not recorded), get none; a new extraction records its own and
 * replaces the earlier one. One case stays open with a sampler other
 * than `LinkAwareSampler`: when the request's span is not recorded (sampled out) and the extraction
 * left no parent (`restart`, a restored root), a later recording root started in the same context
 * takes them.
 * `withCarrier`, `traced`, `withBatch` and the messaging helpers apply them themselves and mark them
 * used; a link a span already has is not added twice. Links are added with `Span.addLinks` at start
 * (samplers do not see them, as for any link added after creation). Never throws: a failure is
 * reported through `diag` and the span goes on unchanged.
 *
 * `startTracing` registers it first among its span processors. With your own SDK setup, add it first
 * to the tracer provider's `spanProcessors`.
 */
export class ExtractionSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    try {
      const parent = trace.getSpanContext(parentContext);
      const extraction = takeExtraction(parentContext, parent);
      if (extraction?.restoredRoot !== undefined && parent === undefined)
        keepRestoredTrace(span, extraction.restoredRoot);
      const links = extraction?.links;
      if (links !== undefined) {
        const missing = links.filter((link) => !hasLink(span.links, link));
        if (missing.length > 0) span.addLinks(missing);
      }
      if (parent?.isRemote === true) {
        const attributes = getExtractionAttributes(parentContext);
        for (const key in attributes)
          if (span.attributes[key] === undefined) span.setAttribute(key, attributes[key]!);
      }
    } catch (err) {
      diag.warn("tracehop: applying the extraction to a span failed", err);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Gives a root span the trace id and trace flags of a restored root, in its own SpanContext object. */
function keepRestoredTrace(span: Span, root: RestoredRoot): void {
  const spanContext: SpanContext = span.spanContext();
  if (!Reflect.set(spanContext, "traceId", root.traceId) || span.spanContext().traceId !== root.traceId) {
    diag.debug("tracehop: this SDK's span context cannot take the restored trace id; the span keeps its own");
    return;
  }
  Reflect.set(spanContext, "traceFlags", root.traceFlags);
}

/** True when `links` holds a link to the same span for the same reason as `link`. */
function hasLink(links: readonly Link[], link: Link): boolean {
  const reason = link.attributes?.[LINK_REASON_ATTRIBUTE];
  return links.some(
    (other) =>
      other.context.spanId === link.context.spanId &&
      other.context.traceId === link.context.traceId &&
      other.attributes?.[LINK_REASON_ATTRIBUTE] === reason,
  );
}
