import { diag } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { warnOnce } from "../warn-once.js";
import { failureReason, plural } from "./settle-within.js";
import { withoutMalformedLinks } from "./unserializable-spans.js";

/** Code of the process warning of the first export to a destination that failed while the process ran. */
const EXPORT_FAILED_WARNING = "TRACEHOP_EXPORT_FAILED";
/** Code of the process warning of the first export that succeeded again after failed ones. */
const EXPORT_RESUMED_WARNING = "TRACEHOP_EXPORT_RESUMED";

/**
 * The exporter of one destination (the spans file, OTLP) as its BatchSpanProcessor sees it, with what
 * the SDK does not tell: the spans handed to it ({@link handed}, for the spans a full queue dropped,
 * dropped-spans.ts) and the spans its failed exports lost ({@link lostInAll}, said by lost-spans.ts at
 * the end). A span the OTLP serializer would throw on is left out of its batch
 * (`withoutMalformedLinks`). The BatchSpanProcessor reports a failed export only through
 * `globalErrorHandler` (`diag.error` of the error flattened to JSON, stack included, per batch; nothing
 * without a diag logger). While the process runs:
 *
 * - the first failed export is said once per process and destination (`warnOnce`, code
 *   `TRACEHOP_EXPORT_FAILED`): the destination (a URL with its secrets masked), the error, and that
 *   later failures are counted, not said; the spans file's own warning
 *   (`TRACEHOP_SPANS_FILE_UNWRITABLE`, JsonLinesFileSpanExporter.ts) says it there instead (`firstFailureSaid`);
 * - each failure is a `diag.debug` line with its spans and the count so far. An export of the
 *   processor's timer is reported to it as a success: its result would only print the JSON stack again
 *   (the processor neither retries nor keeps the spans). One begun during a flush someone asked for
 *   ({@link passingFailures}: the tracer provider's `forceFlush()`) passes its failure on, so that flush
 *   rejects as the SDK's does;
 * - the first export that succeeds after a failure is said once per process and destination
 *   (`TRACEHOP_EXPORT_RESUMED`), with the spans lost until then.
 *
 * Exports begun after {@link lastExports} (the flush before exit, `shutdown()`) pass their failure on:
 * its rejection is said as `TRACEHOP_FINAL_EXPORT_FAILED`, with {@link lostWhileRunning}. Never throws
 * into the export; per batch one pass over its spans' links and one closure.
 */
export class CountingExporter implements SpanExporter {
  /** Spans handed to {@link export}, those left out included. */
  handed = 0;
  /** Spans of the failed exports begun before {@link lastExports}. */
  lostWhileRunning = 0;
  /** Spans of every failed export. */
  lostInAll = 0;
  /** Failed exports. */
  failedExports = 0;
  /** What the first failed export said (`connect ECONNREFUSED 127.0.0.1:4318`), once there is one. */
  firstFailure: string | undefined;
  /** True while the last export finished was a failure. */
  private failing = false;
  /** Set by {@link lastExports}. */
  private last = false;
  /** Flushes under way that someone asked for ({@link passingFailures}). */
  private flushes = 0;

  /**
   * `destination`: where the spans go, for the messages (`the spans file .tracehop/spans.jsonl`, a
   * URL with its secrets masked). `firstFailureSaid`: the exporter says its first failure itself.
   */
  constructor(
    private readonly exporter: SpanExporter,
    readonly destination: string,
    private readonly firstFailureSaid = false,
  ) {}

  /** From now on failures are passed on (the flush before exit, the shutdown). */
  lastExports(): void {
    this.last = true;
  }

  /**
   * `flush()` (the BatchSpanProcessor's `forceFlush`), with the failure of each export begun until it
   * settles passed on to the processor, so that it rejects. Counting and warnings are as for any export.
   */
  async passingFailures(flush: () => Promise<void>): Promise<void> {
    this.flushes++;
    try {
      await flush();
    } finally {
      this.flushes--;
    }
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.handed += spans.length;
    const exportable = withoutMalformedLinks(spans);
    if (exportable.length === 0) return resultCallback({ code: ExportResultCode.SUCCESS });
    const running = !this.last;
    const passOn = !running || this.flushes > 0;
    this.exporter.export(exportable, (result) => {
      try {
        if (result.code === ExportResultCode.SUCCESS) this.succeeded();
        else this.failed(exportable.length, result.error, running);
      } catch {
        // never into the export
      }
      resultCallback(passOn ? result : { code: ExportResultCode.SUCCESS });
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }

  private failed(spans: number, error: unknown, running: boolean): void {
    const reason = failureReason(error ?? "no error given");
    this.lostInAll += spans;
    this.failedExports++;
    if (running) this.lostWhileRunning += spans;
    this.failing = true;
    diag.debug(
      `tracehop: an export of ${plural(spans, "span")} to ${this.destination} failed: ${reason} ` +
        `(${plural(this.lostInAll, "span")} lost so far)`,
    );
    if (this.firstFailure !== undefined) return;
    this.firstFailure = reason;
    if (this.firstFailureSaid || !running) return;
    warnOnce(
      `export failed: ${this.destination}`,
      `tracehop: an export of ${plural(spans, "span")} to ${this.destination} failed: ${reason}; those ` +
        `spans are lost. Later failed exports there are counted, not said one by one (said once per ` +
        `process); shutdown() says how many spans were lost in all`,
      EXPORT_FAILED_WARNING,
    );
  }

  private succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    warnOnce(
      `export resumed: ${this.destination}`,
      `tracehop: exporting to ${this.destination} works again; ${plural(this.lostInAll, "span")} ` +
        `${this.lostInAll === 1 ? "was" : "were"} lost while it failed (the first failure: ` +
        `${this.firstFailure}). Said once per process; shutdown() says how many spans were lost in all`,
      EXPORT_RESUMED_WARNING,
    );
  }
}
