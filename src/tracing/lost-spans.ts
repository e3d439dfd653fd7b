import { warnOnce } from "../warn-once.js";
import type { CountingExporter } from "./CountingExporter.js";
import { plural } from "./settle-within.js";

/** Code of the process warning, at the end, of every span the failed exports of a destination lost. */
const SPANS_LOST_WARNING = "TRACEHOP_SPANS_LOST";

/**
 * At the end (`key`: the start and occasion), once per destination: the spans its failed exports
 * lost, as the process warning `TRACEHOP_SPANS_LOST`, when more than one export failed (a single one
 * was said by its own warning, `TRACEHOP_EXPORT_FAILED`, with its spans), or any export of a destination
 * whose first failure its own warning said without counting spans (`firstFailureSaid`: the spans file's
 * `TRACEHOP_SPANS_FILE_UNWRITABLE`; a file that stays a folder until shutdown lost spans no line counted),
 * and no line of the last export counted them already (`said`: the destinations whose
 * `TRACEHOP_FINAL_EXPORT_FAILED` line did). Returns `true` when it warned.
 */
export function warnLostSpans(
  exporters: readonly CountingExporter[],
  key: string,
  said: ReadonlySet<CountingExporter>,
): boolean {
  let warned = false;
  for (const exporter of exporters) {
    const lost = exporter.lostInAll;
    if (exporter.failedExports < (exporter.firstFailureSaid ? 1 : 2) || said.has(exporter)) continue;
    warned =
      warnOnce(
        `${key}:lost:${exporter.destination}`,
        `tracehop: ${plural(lost, "span")} to ${exporter.destination} ${lost === 1 ? "was" : "were"} ` +
          `lost ${exporter.copy === undefined ? "" : "there "}in this process by exports that failed ` +
          `(the first failure: ${exporter.firstFailure})${keptInSpansFile(exporter.copy, exporter.inCopyInAll, true)}`,
        SPANS_LOST_WARNING,
      ) || warned;
  }
  return warned;
}

/**
 * Where the spans an export to OTLP lost are, for the lines that say it (`TRACEHOP_FINAL_EXPORT_FAILED`,
 * `TRACEHOP_EXPORT_FAILED`): `those spans are lost` when no spans file is written beside OTLP; else
 * `those spans are lost there` (to the collector), and {@link keptInSpansFile} ends the line. `copy`: the
 * spans file's exporter, which is handed every span the OTLP one is.
 */
export function lostThere(copy: CountingExporter | undefined): string {
  return copy === undefined ? "those spans are lost" : "those spans are lost there";
}

/**
 * Where the spans file written beside OTLP stood on spans OTLP's failed exports lost, each taken when its
 * export failed (`CountingExporter.whereIs`): written there, dropped by the file's own full export queue
 * (before either export), in writes there that failed, or not yet written (still in the file's queue, or
 * in its batch waiting for the resource's attributes; the file's processor is handed each span first and
 * writes synchronously, so this is rare).
 */
export interface InSpansFile {
  written: number;
  dropped: number;
  unwritten: number;
  pending: number;
}

/** An {@link InSpansFile} of no spans. */
export function inSpansFileNone(): InSpansFile {
  return { written: 0, dropped: 0, unwritten: 0, pending: 0 };
}

/** Adds `more` to `to`. */
export function addInSpansFile(to: InSpansFile, more: InSpansFile): void {
  to.written += more.written;
  to.dropped += more.dropped;
  to.unwritten += more.unwritten;
  to.pending += more.pending;
}

/**
 * The end of a line of {@link lostThere} when a spans file is written beside OTLP (`copy`, its exporter),
 * saying where that file stands on the spans the line counts (`where`): `; the spans file <path> has them`
 * when it wrote them all (`all`: `has them all`, the line having counted earlier losses too); else
 * `; the spans file <path> has 1 of them (2 dropped by its own full export queue, TRACEHOP_SPANS_DROPPED;
 * 1 in writes there that failed, TRACEHOP_SPANS_FILE_UNWRITABLE; 1 not written there yet)` (`has none of
 * them` when it wrote none), each part only when there are such spans; nothing without a spans file.
 * When the file's processor does not report its drops one by one (`CountingExporter.mayHaveDropped`, an
 * SDK without its self-observability counter) and may have dropped spans: `; the spans file <path>, whose
 * own export queue was full and dropped spans (TRACEHOP_SPANS_DROPPED), may lack some of them`.
 */
export function keptInSpansFile(copy: CountingExporter | undefined, where: InSpansFile, all = false): string {
  if (copy === undefined) return "";
  if (copy.mayHaveDropped)
    return `; ${copy.destination}, whose own export queue was full and dropped spans (TRACEHOP_SPANS_DROPPED), may lack some of them`;
  const { written, dropped, unwritten, pending } = where;
  if (dropped + unwritten + pending === 0) return `; ${copy.destination} has them${all ? " all" : ""}`;
  const missing: string[] = [];
  if (dropped > 0) missing.push(`${dropped} dropped by its own full export queue, TRACEHOP_SPANS_DROPPED`);
  if (unwritten > 0) missing.push(`${unwritten} in writes there that failed, TRACEHOP_SPANS_FILE_UNWRITABLE`);
  if (pending > 0) missing.push(`${pending} not written there yet`);
  return `; ${copy.destination} has ${written === 0 ? "none" : written} of them (${missing.join("; ")})`;
}

/**
 * The end of the `TRACEHOP_FINAL_EXPORT_FAILED` line for the spans `exporter` lost before its last
 * export (`finalSpans`, lost by that line's export): `, as were 3 spans of earlier exports that failed
 * while the process ran (5 in all)`, or nothing when none were.
 */
export function earlierLoss(exporter: CountingExporter | undefined, finalSpans: number): string {
  const earlier = exporter?.lostWhileRunning ?? 0;
  return earlier === 0
    ? ""
    : `, as ${earlier === 1 ? "was" : "were"} ${plural(earlier, "span")} of earlier exports that ` +
        `failed while the process ran (${finalSpans + earlier} in all)`;
}
