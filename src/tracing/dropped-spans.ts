import { TraceFlags, type Context } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { warnOnce } from "../warn-once.js";
import { plural } from "./settle-within.js";

/** The BatchSpanProcessor's queue size when neither the option nor OTEL_BSP_MAX_QUEUE_SIZE sets it. */
export const DEFAULT_QUEUE_SIZE = 2048;

/** Code of the process warning of spans a full BatchSpanProcessor queue dropped ({@link warnDroppedSpans}). */
const SPANS_DROPPED_WARNING = "TRACEHOP_SPANS_DROPPED";

/** An exporter that counts the spans handed to it. */
export class CountingExporter implements SpanExporter {
  /** Spans handed to {@link export}. */
  handed = 0;

  constructor(private readonly exporter: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.handed += spans.length;
    this.exporter.export(spans, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * A BatchSpanProcessor with the sampled spans it was given counted, so that the spans its full queue
 * dropped can be said once its queue is empty (after a flush or a shutdown): the ended ones not handed
 * to its exporter. The SDK's BatchSpanProcessor (@opentelemetry/sdk-trace, `_addToBuffer`) drops a
 * span ended while `maxQueueSize` spans wait, saying so only through `diag` (`diag.debug` at the first
 * drop, `diag.warn` with the count when a later span is queued again: never when the burst is the
 * last work, and never without a diag logger); its own count is private. Per span: one bit test and
 * one increment.
 */
export class DropCountingProcessor implements SpanProcessor {
  /** Sampled spans ended before shutdown (what the BatchSpanProcessor queues or drops). */
  private ended = 0;
  private stopped = false;

  constructor(
    private readonly processor: SpanProcessor,
    private readonly exporter: { readonly handed: number },
    /** For the warning: where the spans go, and the queue size. */
    readonly target: { destination: string; queueSize: number },
  ) {}

  /** Spans dropped so far: exact once the queue is empty (after a flush or a shutdown finished). */
  dropped(): number {
    return Math.max(0, this.ended - this.exporter.handed);
  }

  onStart(span: Span, parentContext: Context): void {
    this.processor.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (!this.stopped && (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) this.ended++;
    this.processor.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.processor.forceFlush();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return this.processor.shutdown();
  }
}

/**
 * Once per destination and process, the spans a full queue dropped (`warnOnce`: `diag.warn` and the
 * process warning `TRACEHOP_SPANS_DROPPED`), with what to change. Called when a flush or the shutdown
 * of `processors` finished within its bound, so every queued span was handed to its exporter.
 */
export function warnDroppedSpans(processors: readonly SpanProcessor[]): void {
  for (const processor of processors) {
    if (!(processor instanceof DropCountingProcessor)) continue;
    const dropped = processor.dropped();
    if (dropped === 0) continue;
    const { destination, queueSize } = processor.target;
    warnOnce(
      `spans dropped: ${destination}`,
      `tracehop: ${plural(dropped, "span")} ended while the export queue for ${destination} was full ` +
        `(${plural(queueSize, "span")}, batch.maxQueueSize) and ${dropped === 1 ? "was" : "were"} dropped, ` +
        `never exported (said once per process; the count is up to now). Raise batch.maxQueueSize (or ` +
        `OTEL_BSP_MAX_QUEUE_SIZE), or lower batch.scheduledDelayMillis so batches leave sooner`,
      SPANS_DROPPED_WARNING,
    );
  }
}
