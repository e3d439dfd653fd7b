import { diag, trace, type Context, type Link } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { LINK_REASON_ATTRIBUTE, takeExtractionLinks } from "../propagation/extraction-result.js";

/**
 * SpanProcessor that puts the span links an extraction found (`getExtractionLinks`: research rule 50
 * `terminated_context` links of conflicting styles, rule 55 `propagation_behavior_extract` links of a
 * `restart` extraction) on the first span started from the extracted context, whoever starts it:
 * the HTTP server span of `@opentelemetry/instrumentation-http`, a messaging instrumentation's
 * consumer span, a span started by hand from `propagation.extract(...)`. Datadog's tracers put these
 * links on the span they start from the extracted context; an OpenTelemetry instrumentation knows
 * nothing of them, so without this processor they are lost there. `withCarrier`, `traced`,
 * `withBatch` and the messaging helpers place them themselves and mark them placed; a link a span
 * already has is not added twice.
 *
 * The links of one extraction go on one span: the first recording span started from a context that
 * holds them whose parent there is the extracted parent itself, or, for an extraction that left no
 * parent (a `restart`, a restored root), that has no parent. Its children, and any later span started
 * from a context derived from the same extraction (a sibling; a `root: true` span inside the request,
 * also when the request's span was not recorded), get nothing; a new extraction records its own links
 * and replaces the earlier ones. One case stays open: under `restart`, when the request's new root is
 * not recorded (sampled out), a later recording root started in the same context takes the links.
 * Links are added with `Span.addLinks` at start (samplers do not see them, as for any link added after
 * creation). Never throws: a failure is reported through `diag` and the span goes on unchanged.
 *
 * `startTracing` registers it first among its span processors. With your own SDK setup, add it to the
 * tracer provider's `spanProcessors`.
 */
export class ExtractionLinksSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    try {
      const links = takeExtractionLinks(parentContext, trace.getSpanContext(parentContext));
      if (links === undefined) return;
      const missing = links.filter((link) => !hasLink(span.links, link));
      if (missing.length > 0) span.addLinks(missing);
    } catch (err) {
      diag.warn("tracehop: adding the extraction links to a span failed", err);
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
