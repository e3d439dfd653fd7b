import { diag } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { warnOnce } from "../warn-once.js";
import { failureReason, plural } from "./settle-within.js";

/** Code of the process warning of the first export to a destination that failed while the process ran. */
const EXPORT_FAILED_WARNING = "TRACEHOP_EXPORT_FAILED";
/** Code of the process warning of the first export that succeeded again after failed ones. */
const EXPORT_RESUMED_WARNING = "TRACEHOP_EXPORT_RESUMED";
/** Code of the process warning, at the end, of every span the failed exports of a destination lost. */
const SPANS_LOST_WARNING = "TRACEHOP_SPANS_LOST";

/**
 * An exporter of one destination (the spans file, OTLP) with the spans of its failed exports counted,
 * for the whole process: the SDK's BatchSpanProcessor reports a failed export only through
 * `globalErrorHandler` (`diag.error` of the error flattened to JSON, its stack included, per batch, and
 * nothing without a diag logger), and the final export's warning (`TRACEHOP_FINAL_EXPORT_FAILED`)
 * knows only its own spans. While the process runs:
 *
 * - the first failed export is said once per process and destination (`warnOnce`, code
 *   `TRACEHOP_EXPORT_FAILED`): the destination (a URL with its secrets masked), the error, and that
 *   later failures are counted, not said; the spans file's own warning
 *   (`TRACEHOP_SPANS_FILE_UNWRITABLE`, file-exporter.ts) says it there instead (`firstFailureSaid`);
 * - each failure is a `diag.debug` line with its spans and the count so far, and is reported to the
 *   BatchSpanProcessor as a success: its result would only print the JSON stack again (the
 *   processor neither retries nor keeps the spans; its failure counter is a metric nobody reads,
 *   no meter provider is given to it);
 * - the first export that succeeds after a failure is said once per process and destination
 *   (`TRACEHOP_EXPORT_RESUMED`), with the spans lost until then.
 *
 * Exports begun after {@link lastExports} (the flush before exit, `shutdown()`) pass their failure on
 * as it is: its rejection is said as `TRACEHOP_FINAL_EXPORT_FAILED`, with {@link lostWhileRunning}.
 * Never throws into the export; adds one closure per batch.
 */
export class LossCountingExporter implements SpanExporter {
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
  private last = false;

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

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const running = !this.last;
    this.exporter.export(spans, (result) => {
      try {
        if (result.code === ExportResultCode.SUCCESS) this.succeeded();
        else this.failed(spans.length, result.error, running);
      } catch {
        // never into the export
      }
      resultCallback(running ? { code: ExportResultCode.SUCCESS } : result);
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

/**
 * At the end (`key`: the start and occasion), once per destination: the spans its failed exports
 * lost, as the process warning `TRACEHOP_SPANS_LOST`, when more than one export failed (a single one
 * was said by its own warning: `TRACEHOP_EXPORT_FAILED` with its spans, the spans file's
 * `TRACEHOP_SPANS_FILE_UNWRITABLE`) and no line of the last export counted them already (`said`: the
 * destinations whose `TRACEHOP_FINAL_EXPORT_FAILED` line did). Returns `true` when it warned.
 */
export function warnLostSpans(
  exporters: readonly LossCountingExporter[],
  key: string,
  said: ReadonlySet<LossCountingExporter>,
): boolean {
  let warned = false;
  for (const exporter of exporters) {
    const lost = exporter.lostInAll;
    if (exporter.failedExports < 2 || said.has(exporter)) continue;
    warned =
      warnOnce(
        `${key}:lost:${exporter.destination}`,
        `tracehop: ${plural(lost, "span")} to ${exporter.destination} ${lost === 1 ? "was" : "were"} ` +
          `lost in this process by exports that failed (the first failure: ${exporter.firstFailure})`,
        SPANS_LOST_WARNING,
      ) || warned;
  }
  return warned;
}

/**
 * The end of the `TRACEHOP_FINAL_EXPORT_FAILED` line for the spans `exporter` lost before its last
 * export (`finalSpans`, lost by that line's export): `, as were 3 spans of earlier exports that failed
 * while the process ran (5 in all)`, or nothing when none were.
 */
export function earlierLoss(exporter: LossCountingExporter | undefined, finalSpans: number): string {
  const earlier = exporter?.lostWhileRunning ?? 0;
  return earlier === 0
    ? ""
    : `, as ${earlier === 1 ? "was" : "were"} ${plural(earlier, "span")} of earlier exports that ` +
        `failed while the process ran (${finalSpans + earlier} in all)`;
}
