import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { CollectorAnswer, CollectorAnswers } from "./CollectorAnswers.js";

/**
 * The OTLP exporter, with each failed export's error recorded (one made when the exporter gave none),
 * so that the rejection of a flush or a shutdown it causes can be told from another failure of the SDK
 * and said with the number of spans lost.
 */
export class FailureRecordingExporter implements SpanExporter {
  /** The error of each failed export, with its number of spans. */
  private readonly failures = new WeakMap<object, number>();
  /** Spans of the failed exports begun since the last {@link mark}. */
  private failedSinceMark = 0;
  private generation = 0;
  /** Spans of the exports begun and not finished yet. */
  private inFlight = 0;

  /**
   * `answers`: the collector's HTTP error answers, watched from now until {@link stopWatching}, for
   * the status of an export that failed with a retryable status (see {@link CollectorAnswers}).
   */
  constructor(
    private readonly exporter: SpanExporter,
    private readonly answers: CollectorAnswers,
  ) {
    answers.start();
  }

  /** Stops watching the collector's answers (at shutdown). */
  stopWatching(): void {
    this.answers.stop();
  }

  /** Starts counting the failed spans of the exports begun from now on (a flush, a shutdown). */
  mark(): void {
    this.generation++;
    this.failedSinceMark = 0;
  }

  /**
   * For the rejection `error` of a flush or shutdown begun at the last {@link mark}: the spans its
   * failed exports held, when `error` is an export failure of this exporter; else `undefined`.
   */
  lostSpans(error: unknown): number | undefined {
    if (typeof error !== "object" || error === null) return undefined;
    const spans = this.failures.get(error);
    return spans === undefined ? undefined : Math.max(spans, this.failedSinceMark);
  }

  /** The spans of the exports begun and not finished (a request still open, a retry waiting). */
  pendingSpans(): number {
    return this.inFlight;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const generation = this.generation;
    const answered = this.answers.count;
    this.inFlight += spans.length;
    this.exporter.export(spans, (result) => {
      this.inFlight -= spans.length;
      if (result.code === ExportResultCode.SUCCESS) return resultCallback(result);
      const error: Error =
        typeof result.error === "object" && result.error !== null
          ? withRetryableStatus(result.error, this.answers.lastSince(answered))
          : new Error(`the OTLP exporter reported a failure (${String(result.error ?? "no error given")})`);
      this.failures.set(error, spans.length);
      if (generation === this.generation) this.failedSinceMark += spans.length;
      resultCallback({ ...result, error });
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The message of the OTLP exporter's error for an export whose last answer was a retryable status
 * (429, 502, 503, 504): `Export failed with retryable status`, an `OTLPExporterError` without `code`
 * or `data` (@opentelemetry/otlp-exporter-base drops the status and Retry-After of such an answer).
 */
const RETRYABLE_STATUS_MESSAGE = "Export failed with retryable status";

/**
 * `error`, or, when it is the exporter's bare retryable-status error and the collector's last error
 * answer is known (`answer`), an Error saying that answer (`HTTP 503 Service Unavailable (Retry-After:
 * 30), a retryable status: the exporter gave up retrying`), the exporter's error as its `cause`.
 */
function withRetryableStatus(error: Error, answer: CollectorAnswer | undefined): Error {
  if (answer === undefined || error.message !== RETRYABLE_STATUS_MESSAGE) return error;
  if ((error as { code?: unknown }).code !== undefined) return error;
  const text = answer.statusText === "" ? "" : ` ${answer.statusText}`;
  const retryAfter = answer.retryAfter === undefined ? "" : ` (Retry-After: ${answer.retryAfter})`;
  return new Error(
    `HTTP ${answer.status}${text}${retryAfter}, a retryable status: the exporter gave up retrying`,
    { cause: error },
  );
}
