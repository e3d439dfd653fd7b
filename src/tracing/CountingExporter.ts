import { diag } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { warnEach } from "../warn-once.js";
import {
  addInSpansFile,
  inSpansFileNone,
  keptInSpansFile,
  lostThere,
  type InSpansFile,
} from "./lost-spans.js";
import { failureReason, plural } from "./settle-within.js";
import { withoutMalformedLinks } from "./unserializable-spans.js";

/** Code of the process warning of the first export to a destination that failed while the process ran. */
const EXPORT_FAILED_WARNING = "TRACEHOP_EXPORT_FAILED";
/** Code of the process warning of the first export that succeeded again after failed ones. */
const EXPORT_RESUMED_WARNING = "TRACEHOP_EXPORT_RESUMED";
/**
 * Least time, in milliseconds, from one line saying that exports to a destination fail to the next:
 * an outage after exporting worked again is said, but a collector that comes and goes (a restart loop,
 * a flapping network) gives one line per 5 minutes, not two per batch.
 */
export const FAILURE_LINE_INTERVAL_MS = 5 * 60_000;
/** The end of each line that says a failure: what is said next, and where the total is. */
const FAILURE_LINE_END =
  `Later failed exports there are counted, not said one by one (a failure after exporting works ` +
  `again is said, at most once in 5 minutes); shutdown() says how many spans were lost in all`;

/**
 * The exporter of one destination (the spans file, OTLP) as its BatchSpanProcessor sees it, with what
 * the SDK does not tell: the spans handed to it ({@link handed}, for the spans a full queue dropped,
 * dropped-spans.ts) and the spans its failed exports lost ({@link lostInAll}, said by lost-spans.ts at
 * the end). A span the OTLP serializer would throw on is left out of its batch
 * (`withoutMalformedLinks`). The BatchSpanProcessor reports a failed export only through
 * `globalErrorHandler` (`diag.error` of the error flattened to JSON, stack included, per batch; nothing
 * without a diag logger). While the process runs:
 *
 * - the first failed export of an outage is said (code `TRACEHOP_EXPORT_FAILED`): the destination (a
 *   URL with its secrets masked), the error, and that later failures are counted, not said; the spans
 *   file's own warning (`TRACEHOP_SPANS_FILE_UNWRITABLE`, JsonLinesFileSpanExporter.ts) says the
 *   process's first one there instead (`firstFailureSaid`);
 * - the first export that succeeds after a failure that was said is said (`TRACEHOP_EXPORT_RESUMED`),
 *   with the spans lost since;
 * - an outage is a run of failed exports between two that succeeded: each is said, the process's first
 *   at once and a later one when at least {@link FAILURE_LINE_INTERVAL_MS} passed since the last line
 *   that said a failure, else at the first export that ends after that (`fail again` with the failed
 *   exports and spans since its first failure; `failed again ... and work now` when it is over by then).
 *   No timer: a destination with no exports has nothing to lose;
 * - each failure is a `diag.debug` line with its spans and the count so far. An export of the
 *   processor's timer is reported to it as a success: its result would only print the JSON stack again
 *   (the processor neither retries nor keeps the spans). One begun during a flush someone asked for
 *   ({@link passingFailures}: the tracer provider's `forceFlush()`) passes its failure on, so that flush
 *   rejects as the SDK's does.
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
  /**
   * Only when its BatchSpanProcessor does not report each span its full queue drops (an SDK without its
   * self-observability counter; `DropCountingProcessor`, dropped-spans.ts): true once that queue may have
   * dropped a span, set at the first drop, if not before (a batch waiting for the resource's
   * attributes); once that processor's shutdown has finished, whether it dropped any, exactly.
   */
  mayHaveDropped = false;
  /**
   * OTLP's, beside a spans file ({@link copy}): where the spans file stood on the spans of this
   * exporter's failed exports, each taken when its export failed ({@link InSpansFile}): of every one,
   * and of those begun before {@link lastExports}.
   */
  readonly inCopyInAll: InSpansFile = inSpansFileNone();
  readonly inCopyWhileRunning: InSpansFile = inSpansFileNone();
  /** What the first failed export said (`connect ECONNREFUSED 127.0.0.1:4318`), once there is one. */
  firstFailure: string | undefined;
  /** True while the last export finished was a failure. */
  private failing = false;
  /** The last line said about this destination's failures, if any. */
  private said: "failed" | "resumed" | undefined;
  /** When ({@link now}) the last line that said a failure was said. */
  private failureSaidAt = -Infinity;
  /** Spans lost since the last line that said a failure (for the line that says it works again). */
  private lostSinceSaid = 0;
  /** {@link inCopyInAll} at the last {@link lastExports}. */
  private inCopyAtLast: InSpansFile = inSpansFileNone();
  /** Where the spans file stands on the spans lost since the last line that said a failure. */
  private inCopySinceSaid: InSpansFile = inSpansFileNone();
  /**
   * Failed exports of outages not said yet, their spans (and where the spans file stands on them), the
   * first one's error and time.
   */
  private unsaid:
    { exports: number; spans: number; inCopy: InSpansFile; first: string; since: number } | undefined;
  /** The first error of the outage the last failure line said. */
  private saidFirst = "";
  /** Set by {@link lastExports}. */
  private last = false;
  private copyOf: CountingExporter | undefined;
  /**
   * The spans file's exporter when this one is OTLP's and a spans file is written beside it (every span
   * is handed to both, the file's processor first): its lines then say whether the spans lost here are
   * kept there (`lostThere`, `keptInSpansFile`, lost-spans.ts), not only that they are lost. Setting it
   * makes that exporter keep what became of each span it is handed ({@link whereIs}).
   */
  get copy(): CountingExporter | undefined {
    return this.copyOf;
  }
  set copy(copy: CountingExporter | undefined) {
    this.copyOf = copy;
    if (copy !== undefined) copy.fates ??= new WeakMap();
  }
  /**
   * The spans file's, when it is OTLP's {@link copy}: what became of each span it was handed, written
   * ({@link WRITTEN}), dropped by its full queue ({@link DROPPED}), or in a write that failed
   * ({@link UNWRITTEN}). A WeakMap: it keeps no span alive. `undefined` (nothing kept) otherwise.
   */
  private fates: WeakMap<object, Fate> | undefined;
  /** The batches handed to the exporter and not answered yet, when it has a {@link copy}. */
  private readonly inFlight = new Set<readonly ReadableSpan[]>();
  /** Flushes under way that someone asked for ({@link passingFailures}). */
  private flushes = 0;

  /**
   * `destination`: where the spans go, for the messages (`the spans file .tracehop/spans.jsonl`, a
   * URL with its secrets masked). `firstFailureSaid`: the exporter says its first failure itself.
   */
  constructor(
    private readonly exporter: SpanExporter,
    readonly destination: string,
    readonly firstFailureSaid = false,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `span`, ended, was dropped by the full queue of this exporter's BatchSpanProcessor (as it dropped it:
   * `DropCountingProcessor`, dropped-spans.ts): never handed here, in no file.
   */
  markDropped(span: object): void {
    this.fates?.set(span, DROPPED);
  }

  /**
   * Where this exporter (the spans file's, OTLP's {@link copy}) stands on `spans` now: how many it
   * wrote, how many its queue dropped, how many were in writes that failed, and how many it was not
   * handed yet (queued, or in a batch waiting for the resource's attributes).
   */
  whereIs(spans: readonly object[]): InSpansFile {
    const where = inSpansFileNone();
    for (const span of spans) {
      const fate = this.fates?.get(span);
      if (fate === WRITTEN) where.written++;
      else if (fate === DROPPED) where.dropped++;
      else if (fate === UNWRITTEN) where.unwritten++;
      else where.pending++;
    }
    return where;
  }

  /** Where the {@link copy} stands on the spans of the exports handed on and not answered yet. */
  inCopyOfPending(): InSpansFile {
    const where = inSpansFileNone();
    if (this.copyOf !== undefined)
      for (const spans of this.inFlight) addInSpansFile(where, this.copyOf.whereIs(spans));
    return where;
  }

  /** From now on failures are passed on (the flush before exit, the shutdown). */
  lastExports(): void {
    this.last = true;
    this.inCopyAtLast = { ...this.inCopyInAll };
  }

  /**
   * Where the {@link copy} stands on the spans a `TRACEHOP_FINAL_EXPORT_FAILED` line counts: those of
   * the exports failed since the last {@link lastExports} (that flush's or shutdown's), and those of the
   * exports that failed while the process ran.
   */
  inCopyOfLastExports(): InSpansFile {
    const where = { ...this.inCopyWhileRunning };
    addInSpansFile(where, this.inCopyInAll);
    const before = this.inCopyAtLast;
    where.written -= before.written;
    where.dropped -= before.dropped;
    where.unwritten -= before.unwritten;
    where.pending -= before.pending;
    return where;
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
    // Kept only while a spans file is written beside: for the line of exports still open at the bound.
    if (this.copyOf !== undefined) this.inFlight.add(exportable);
    this.exporter.export(exportable, (result) => {
      try {
        this.inFlight.delete(exportable);
        const fates = this.fates;
        if (fates !== undefined) {
          const fate = result.code === ExportResultCode.SUCCESS ? WRITTEN : UNWRITTEN;
          for (const span of exportable) fates.set(span, fate);
        }
        if (result.code === ExportResultCode.SUCCESS) this.succeeded();
        else this.failed(exportable, result.error, running);
        if (running) this.sayUnsaid();
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

  private failed(lost: readonly ReadableSpan[], error: unknown, running: boolean): void {
    const spans = lost.length;
    const reason = failureReason(error ?? "no error given");
    // Where the spans file stands on them now: it is handed each span first, and writes synchronously.
    const inCopy = this.copyOf?.whereIs(lost) ?? inSpansFileNone();
    this.lostInAll += spans;
    addInSpansFile(this.inCopyInAll, inCopy);
    this.failedExports++;
    if (running) {
      this.lostWhileRunning += spans;
      addInSpansFile(this.inCopyWhileRunning, inCopy);
    }
    this.failing = true;
    diag.debug(
      `tracehop: an export of ${plural(spans, "span")} to ${this.destination} failed: ${reason} ` +
        `(${plural(this.lostInAll, "span")} lost so far)`,
    );
    this.firstFailure ??= reason;
    if (!running) return; // the final line says it, with the total
    if (this.said === "failed") {
      this.lostSinceSaid += spans; // the outage said goes on
      addInSpansFile(this.inCopySinceSaid, inCopy);
    } else if (this.said === undefined) {
      // The process's first failure there: said at once (the spans file's by its own warning).
      this.said = "failed";
      this.failureSaidAt = this.now();
      this.lostSinceSaid = spans;
      this.inCopySinceSaid = { ...inCopy };
      this.saidFirst = reason;
      if (!this.firstFailureSaid)
        warnEach(
          `tracehop: an export of ${plural(spans, "span")} to ${this.destination} failed: ${reason}; ` +
            `${lostThere(this.copyOf)}${keptInSpansFile(this.copyOf, inCopy)}. ${FAILURE_LINE_END}`,
          EXPORT_FAILED_WARNING,
        );
    } else {
      // A new outage after exporting worked again: said by sayUnsaid, now or once the interval is over.
      this.unsaid ??= { exports: 0, spans: 0, inCopy: inSpansFileNone(), first: reason, since: this.now() };
      this.unsaid.exports++;
      this.unsaid.spans += spans;
      addInSpansFile(this.unsaid.inCopy, inCopy);
    }
  }

  private succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    if (this.said !== "failed") return; // an outage not said yet: sayUnsaid says it is over
    this.said = "resumed";
    warnEach(
      `tracehop: exporting to ${this.destination} works again; ${plural(this.lostSinceSaid, "span")} ` +
        `${this.lostSinceSaid === 1 ? "was" : "were"} lost ${this.copyOf === undefined ? "" : "there "}while it ` +
        `failed (the first failure: ${this.saidFirst})${keptInSpansFile(this.copyOf, this.inCopySinceSaid, true)}; shutdown() says how ` +
        `many spans were lost in all`,
      EXPORT_RESUMED_WARNING,
    );
  }

  /**
   * Says the failed exports not said yet, once {@link FAILURE_LINE_INTERVAL_MS} passed since the last
   * line that said a failure: `fail again` while exports still fail, else `failed again ... and work now`.
   */
  private sayUnsaid(): void {
    const unsaid = this.unsaid;
    if (unsaid === undefined) return;
    const now = this.now();
    if (now - this.failureSaidAt < FAILURE_LINE_INTERVAL_MS) return;
    this.unsaid = undefined;
    this.failureSaidAt = now;
    const failures =
      `${plural(unsaid.exports, "export")} of ${plural(unsaid.spans, "span")} failed since ` +
      `${new Date(unsaid.since).toISOString()} (the first failure: ${unsaid.first}); ` +
      `${lostThere(this.copyOf)} (${plural(this.lostWhileRunning, "span")} in this process so far)` +
      keptInSpansFile(this.copyOf, unsaid.inCopy, true);
    if (this.failing) {
      this.said = "failed";
      this.lostSinceSaid = unsaid.spans;
      this.inCopySinceSaid = { ...unsaid.inCopy };
      this.saidFirst = unsaid.first;
      warnEach(
        `tracehop: exports to ${this.destination} fail again: ${failures}. ${FAILURE_LINE_END}`,
        EXPORT_FAILED_WARNING,
      );
    } else {
      warnEach(
        `tracehop: exports to ${this.destination} failed again and work now: ${failures}; shutdown() ` +
          `says how many spans were lost in all`,
        EXPORT_RESUMED_WARNING,
      );
    }
  }
}

/** What became of a span handed to the spans file's exporter (`CountingExporter.fates`). */
type Fate = 0 | 1 | 2;
/** Written to the file. */
const WRITTEN: Fate = 0;
/** Dropped by the full queue of its BatchSpanProcessor: never handed to the exporter. */
const DROPPED: Fate = 1;
/** In a write that failed. */
const UNWRITTEN: Fate = 2;
