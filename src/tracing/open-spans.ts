import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { openSpanCounts, providerStarted, spanEnded } from "../context/open-span-counts.js";
import { describeValue } from "../describe-value.js";
import { warnOnce } from "../warn-once.js";
import { plural } from "./settle-within.js";

/** How many span names the warning quotes per helper; the others are counted. */
const NAMES_SHOWN = 5;

/** Longest span name quoted whole (a queue or topic in it included); a longer one is cut and marked `…`. */
const NAME_SHOWN_CHARACTERS = 120;

/** Code of the process warning of spans tracehop's helpers still had open when `shutdown()` was called. */
const SPANS_OPEN_AT_SHUTDOWN_WARNING = "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN";

/** The open spans per helper and name, as {@link openSpanCounts} gives them. */
export type OpenSpans = ReturnType<typeof openSpanCounts>;

/**
 * The span processor that tells the open-span counts (src/context/open-span-counts.ts) each span's end,
 * whoever ends it (the helper when its function settles, `span.end()` called inside that function, an
 * instrumentation ending a span `withProcessSpan` took over), and keeps the spans still open when the
 * SDK's shutdown stops the span processors ({@link openAtStop}). It also tells the counts the resource of
 * this start's tracer provider, from the first span it starts before its shutdown: the instrumentation
 * spans holding it are the only ones whose end it will see, and so the only ones counted when
 * `withProcessSpan` takes one over. Per span start: one comparison; per span end: one WeakMap look-up
 * (and a delete for a counted span). Never throws.
 */
export class OpenSpanProcessor implements SpanProcessor {
  /**
   * The spans open when the tracer provider's shutdown reached the processors: the SDK calls each
   * processor's `shutdown` in one synchronous loop, so these are the spans that had not ended when the
   * export processors stopped taking spans, i.e. those this start never exports (one ended while the
   * spans file was flushed, before that, is exported). `undefined` until then.
   */
  openAtStop: OpenSpans | undefined;

  /** True once the first span's resource was told (or the processor stopped before any span). */
  private resourceTold = false;

  onStart(span: Span): void {
    if (this.resourceTold) return;
    this.resourceTold = true;
    // Not once stopped: a stopped provider's span must not stand for a later start's.
    if (this.openAtStop === undefined) providerStarted(span.resource);
  }

  onEnd(span: ReadableSpan): void {
    spanEnded(span);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.openAtStop ??= openSpanCounts();
    return Promise.resolve();
  }
}

/**
 * At `shutdown()` (`key`: the start), once: the sampled spans tracehop's helpers (withSendSpan,
 * withProcessSpan, withCarrier, traced, the batch helpers) started since this start, and the
 * instrumentation spans withProcessSpan took over, that had not ended when the span processors stopped
 * (`open`, {@link OpenSpanProcessor.openAtStop}; the counts now when the SDK's shutdown never reached
 * them): a function not settled (a publish waiting for the broker's confirm, a handler mid-job), an
 * instrumentation's span whose message was not acked. Said as the process warning
 * `TRACEHOP_SPANS_OPEN_AT_SHUTDOWN`, counted per helper and named (`1 of traced: "job"`;
 * a name held by several: `"process jobs" (2)`; the first five names per helper, quoted as
 * `describeValue` quotes text, up to 120 characters, the others counted), so that the user finds the work to wait for. The SDK exports a span when it
 * ends, and its shutdown ends none (OpenTelemetry specification, "Span processor": `OnEnd`, and
 * "Shutdown"), so such a span is never exported, while what hangs from it may be: its children that
 * ended, and the process span of a message it sent, which then name a parent missing from the trace
 * (docs/export.md, "Work in hand at shutdown"). Returns `true` when it warned. Never throws.
 */
export function warnSpansOpenAtShutdown(key: string, open: OpenSpans = openSpanCounts()): boolean {
  if (open.length === 0) return false;
  let total = 0;
  const counts = open.map(([helper, byName]) => {
    const count = byName.reduce((sum, [, n]) => sum + n, 0);
    total += count;
    const names = byName
      .slice(0, NAMES_SHOWN)
      .map(([name, n]) => describeValue(name, NAME_SHOWN_CHARACTERS) + (n > 1 ? ` (${n})` : ""));
    const others = byName.length - NAMES_SHOWN;
    if (others > 0) names.push(plural(others, "other name"));
    return `${count} of ${helper}: ${names.join(", ")}`;
  });
  const which = counts.join("; ");
  return warnOnce(
    `${key}:open-spans`,
    `tracehop: shutdown() stopped the span processors while ${plural(total, "span")} (${which}) ` +
      `${total === 1 ? "was" : "were"} still open (not ended: a function ` +
      `not settled, such as a publish waiting for the broker's confirm or a handler still running; an ` +
      `instrumentation's span that withProcessSpan took over, whose message was not acked): an open span is never ` +
      `exported, and the spans under it (its children that ended, the process span of a message it sent) ` +
      `then name a parent missing from the trace. Stop taking new work and let the work in hand settle, or ` +
      `cut its wait short so that it fails and its span ends with the error, before calling shutdown() ` +
      `(docs/export.md, "Work in hand at shutdown")`,
    SPANS_OPEN_AT_SHUTDOWN_WARNING,
  );
}
