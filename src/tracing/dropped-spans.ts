import {
  createNoopMeter,
  TraceFlags,
  type Attributes,
  type Context,
  type Meter,
  type MeterProvider,
} from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "../context/attributes.js";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { warnOnce } from "../warn-once.js";
import type { CountingExporter } from "./CountingExporter.js";
import { plural } from "./settle-within.js";
import type { TracingConfig } from "./tracing-config.js";

/** Code of the process warning of spans a full BatchSpanProcessor queue dropped ({@link warnDroppedSpans}). */
const SPANS_DROPPED_WARNING = "TRACEHOP_SPANS_DROPPED";

/**
 * The meter provider handed to a BatchSpanProcessor (its `selfObsMeterProvider` option,
 * @opentelemetry/sdk-trace 2.x, experimental) only to learn of each span its full queue drops, as it
 * drops it: the SDK counts a drop on its `otel.sdk.processor.span.processed` counter with `error.type`
 * `queue_full` (OpenTelemetry semantic conventions, "SDK metrics"), synchronously inside its `onEnd`.
 * Every other instrument it asks for records nothing. {@link reporting} is false when the processor
 * asked for no meter at its construction (an SDK without that option): drops are then not seen one by
 * one.
 */
export class QueueFullCounter implements MeterProvider {
  /** Spans the processor's full queue dropped so far. */
  drops = 0;
  /** True once the processor asked for a meter: it reports its drops here. */
  reporting = false;

  getMeter(): Meter {
    this.reporting = true;
    const counter = {
      add: (value: number, attributes?: Attributes) => {
        if (attributes?.[ATTR_ERROR_TYPE] === ERROR_TYPE_QUEUE_FULL) this.drops += value;
      },
    };
    return Object.assign(createNoopMeter(), { createCounter: () => counter });
  }
}

/** `error.type` of a span a full BatchSpanProcessor queue dropped, on the SDK's span-processor counter. */
const ERROR_TYPE_QUEUE_FULL = "queue_full";

/**
 * A BatchSpanProcessor with the sampled spans it was given counted, so that the spans its full queue
 * dropped can be said once its queue is empty (after a flush or a shutdown): the ended ones not handed
 * to its exporter. The SDK's BatchSpanProcessor (@opentelemetry/sdk-trace, `_addToBuffer`) drops a
 * span ended while `maxQueueSize` spans wait, saying so only through `diag` (`diag.debug` at the first
 * drop, `diag.warn` with the count when a later span is queued again: never when the burst is the
 * last work, and never without a diag logger), and on its self-observability counter, which `drops`
 * (a {@link QueueFullCounter} handed to it) reads: each span dropped is then known as it is dropped and
 * marked on the exporter (`CountingExporter.markDropped`), so that the lines on the spans OTLP lost say
 * exactly whether the spans file has them (`keptInSpansFile`, lost-spans.ts). Without it (an SDK that
 * does not report drops), a possible drop is marked as a flag instead (`CountingExporter.mayHaveDropped`:
 * never missed, though it may be set when the queue was full only with a batch on its way to the
 * exporter: a batch taken from the queue waits for the resource's asynchronous attributes, such as the
 * host detector's `host.id`, before it reaches the exporter), exact once its shutdown has finished
 * ({@link DropCountingProcessor.shutdown}). Per span: one bit test, two reads and one increment. Its
 * `forceFlush` (the tracer provider's, asked for by the application) rejects when an export it begins
 * fails ({@link CountingExporter.passingFailures}).
 */
export class DropCountingProcessor implements SpanProcessor {
  /** Sampled spans ended before shutdown (what the BatchSpanProcessor queues or drops). */
  private ended = 0;
  private stopped = false;

  constructor(
    private readonly processor: SpanProcessor,
    private readonly exporter: CountingExporter,
    /** For the warning: where the spans go (secrets masked), and the queue size and its setting. */
    readonly target: { destination: string; queue: TracingConfig["queue"] },
    /** The drops `processor` reports, one by one (its `selfObsMeterProvider`). */
    private readonly drops?: QueueFullCounter,
  ) {}

  /** Spans dropped so far: exact once the queue is empty (after a flush or a shutdown finished). */
  dropped(): number {
    return Math.max(0, this.ended - this.exporter.handed);
  }

  onStart(span: Span, parentContext: Context): void {
    this.processor.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (this.stopped || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0)
      return this.processor.onEnd(span);
    this.ended++;
    const drops = this.drops;
    if (drops?.reporting) {
      // The processor counts a drop synchronously, in its onEnd: this span, if the count moved.
      const before = drops.drops;
      this.processor.onEnd(span);
      if (drops.drops !== before) this.exporter.markDropped(span);
      return;
    }
    // The BatchSpanProcessor drops the span when `maxQueueSize` spans wait. The spans ended and not
    // handed to the exporter are those queued, those it dropped, and a batch taken from the queue that
    // waits for the resource's attributes: never fewer than those queued, so a drop is never missed.
    if (this.ended - 1 - this.exporter.handed >= this.target.queue.size) this.exporter.mayHaveDropped = true;
    this.processor.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.exporter.passingFailures(() => this.processor.forceFlush());
  }

  /**
   * Stops counting and shuts the BatchSpanProcessor down. Once its shutdown has finished, its queue is
   * empty and no span is counted any more: {@link dropped} is exact, and (when the processor does not
   * report its drops one by one) `CountingExporter.mayHaveDropped` is set to it, so that a burst counted as a possible drop while a batch waited for the resource's
   * attributes, nothing dropped, is not said as one by the lines given after (`keptInSpansFile`).
   */
  shutdown(): Promise<void> {
    this.stopped = true;
    return this.processor.shutdown().then(() => {
      // Each drop was marked as it happened when the processor reports them: no flag to make exact.
      if (!this.drops?.reporting) this.exporter.mayHaveDropped = this.dropped() > 0;
    });
  }
}

/**
 * Once per destination and process, the spans a full queue dropped (`warnOnce`: `diag.warn` and the
 * process warning `TRACEHOP_SPANS_DROPPED`), with what to change: the setting that sized the queue.
 * Called when a flush or the shutdown of `processors` finished within its bound, so every queued span
 * was handed to its exporter. Returns `true` when it warned.
 */
export function warnDroppedSpans(processors: readonly DropCountingProcessor[]): boolean {
  let warned = false;
  for (const processor of processors) {
    const dropped = processor.dropped();
    if (dropped === 0) continue;
    const { destination, queue } = processor.target;
    const setting = queue.setting ?? "the default maxQueueSize";
    const raise = queue.setting ?? "batch.maxQueueSize (or OTEL_BSP_MAX_QUEUE_SIZE)";
    warned =
      warnOnce(
        `spans dropped: ${destination}`,
        `tracehop: ${plural(dropped, "span")} ended while the export queue for ${destination} was full ` +
          `(${plural(queue.size, "span")}, ${setting}) and ${dropped === 1 ? "was" : "were"} dropped, ` +
          `never exported (said once per process; the count is up to now). Raise ${raise}, or lower ` +
          `batch.scheduledDelayMillis so batches leave sooner`,
        SPANS_DROPPED_WARNING,
      ) || warned;
  }
  return warned;
}
