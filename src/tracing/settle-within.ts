import { diag } from "@opentelemetry/api";
import { escapeUnprintable, fileErrorText } from "../describe-value.js";
import { oneLine, warnOnce } from "../warn-once.js";

/**
 * Code of the process warning of a last export that lost spans: the final one (`shutdown()`) or the
 * one before exit failed or did not finish within `shutdownTimeoutMillis`.
 */
const FINAL_EXPORT_FAILED_WARNING = "TRACEHOP_FINAL_EXPORT_FAILED";

/**
 * What an export error says: `HTTP <status> <text>` for the collector's answer (an `OTLPExporterError` with a status code, or a
 * retryable status read by `withRetryableStatus`, FailureRecordingExporter.ts), else the error's message
 * (`connect ECONNREFUSED 127.0.0.1:4318`, `Request Timeout`), as `fileErrorText` repeats one: the path of
 * a failed file system call quoted (`EISDIR: illegal operation on a directory, open "/srv/spans.jsonl"`),
 * every character outside printable ASCII escaped (a path or a collector's answer cannot write a control
 * sequence into the log), a long one cut.
 */
export function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return fileErrorText(error);
  const status = (error as { code?: unknown }).code;
  // Trimmed (fileErrorText): OpenSSL's messages end with a newline.
  const message = error.message.trim() === "" ? escapeUnprintable(error.name) : fileErrorText(error);
  return error.name === "OTLPExporterError" && typeof status === "number"
    ? `HTTP ${status} ${message}`
    : message;
}

/** `1 span`, `2 spans`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * Calls `then` once a process warning emitted just before has been printed: Node emits (and prints)
 * a warning on the next tick, while the code awaiting `shutdown()` runs as promise reactions, which
 * come first. Without this, `await tracing.shutdown(); process.exit(0)` (docs/export.md's SIGTERM
 * handler) would exit before the warning is printed.
 */
export function afterWarning(then: () => void): void {
  process.nextTick(then);
}

/** How {@link settleWithin} waits for one piece of work and reports its failure. */
interface SettleOptions {
  /** When to stop waiting, epoch milliseconds. */
  deadline: number;
  /** What the work is, for the generic line (`flushing the spans file`). */
  what: string;
  /** The occasion (`<start>:shutdown`), for `warnOnce`: one process warning per occasion. */
  key: string;
  /** The whole message of a rejection it recognises as lost spans (an OTLP export), else `undefined`. */
  describeFailure?: (error: unknown) => string | undefined;
  /** The whole message of the timeout when spans are lost by it (an OTLP export still open). */
  describeTimeout?: () => string | undefined;
}

/**
 * Waits for `work` until `deadline`; a rejection or a timeout is reported, never thrown, in one line.
 * A message from `describeFailure` or `describeTimeout` means spans lost for good, so it is said
 * through `diag.warn` and as the process warning `TRACEHOP_FINAL_EXPORT_FAILED` (`warnOnce` per
 * `key`: visible without a diag logger, which most processes do not set). Any other failure is said
 * through `diag.warn` only (a spans file that cannot be written has its own process warning,
 * `TRACEHOP_SPANS_FILE_UNWRITABLE`). A rejection after the deadline is not reported: the timeout's
 * line already said that the pending spans are lost.
 */
export function settleWithin(
  work: Promise<unknown>,
  { deadline, what, key, describeFailure, describeTimeout }: SettleOptions,
): Promise<boolean> {
  const report = (lost: string | undefined, otherwise: string) => {
    // The diag line alone is not warnOnce's: made one line here (an error's message may end in a newline).
    if (lost === undefined) diag.warn(oneLine(otherwise));
    else warnOnce(`last export ${key}`, lost, FINAL_EXPORT_FAILED_WARNING);
  };
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const timer = setTimeout(
      () => {
        settled = true;
        report(
          describeTimeout?.(),
          `tracehop: ${what} did not finish within the shutdown bound; pending spans dropped`,
        );
        afterWarning(() => resolve(false));
      },
      Math.max(0, deadline - Date.now()),
    );
    // Not unref'd: code awaiting shutdown() must run even when nothing else keeps the process alive.
    work.then(
      () => {
        clearTimeout(timer);
        settled = true;
        resolve(true);
      },
      (error: unknown) => {
        if (settled) return;
        clearTimeout(timer);
        settled = true;
        report(describeFailure?.(error), `tracehop: ${what} failed: ${failureReason(error)}`);
        afterWarning(() => resolve(true));
      },
    );
  });
}
