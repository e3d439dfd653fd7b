import { warnOnce } from "../warn-once.js";
import type { CountingExporter } from "./CountingExporter.js";
import { plural } from "./settle-within.js";

/** Code of the process warning, at the end, of every span the failed exports of a destination lost. */
const SPANS_LOST_WARNING = "TRACEHOP_SPANS_LOST";

/**
 * At the end (`key`: the start and occasion), once per destination: the spans its failed exports
 * lost, as the process warning `TRACEHOP_SPANS_LOST`, when more than one export failed (a single one
 * was said by its own warning: `TRACEHOP_EXPORT_FAILED` with its spans, the spans file's
 * `TRACEHOP_SPANS_FILE_UNWRITABLE`) and no line of the last export counted them already (`said`: the
 * destinations whose `TRACEHOP_FINAL_EXPORT_FAILED` line did). Returns `true` when it warned.
 */
export function warnLostSpans(
  exporters: readonly CountingExporter[],
  key: string,
  said: ReadonlySet<CountingExporter>,
): boolean {
  let warned = false;
  for (const exporter of exporters) {
    const lost = exporter.lostInAll;
    if (exporter.failedExports < 2 || said.has(exporter)) continue;
    warned =
      warnOnce(
        `${key}:lost:${exporter.destination}`,
        `tracehop: ${plural(lost, "span")} to ${exporter.destination} ${lost === 1 ? "was" : "were"} ` +
          `lost ${exporter.copy === undefined ? "" : "there "}in this process by exports that failed ` +
          `(the first failure: ${exporter.firstFailure})${keptInSpansFile(exporter.copy, true)}`,
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
 * The end of a line of {@link lostThere} when a spans file is written beside OTLP (`copy`, its exporter):
 * `; the spans file <path> has them` while no write there failed and its own queue dropped no span
 * (`all`: `has them all`, the line having counted earlier losses too); else `; the spans file <path>,
 * whose writes failed too (TRACEHOP_SPANS_FILE_UNWRITABLE), may lack some of them`, or `; the spans file
 * <path>, whose own export queue was full and dropped spans (TRACEHOP_SPANS_DROPPED), may lack some of
 * them` (`CountingExporter.mayHaveDropped`: a span dropped there is in no file); nothing without a spans file.
 */
export function keptInSpansFile(copy: CountingExporter | undefined, all = false): string {
  if (copy === undefined) return "";
  if (copy.failedExports > 0)
    return `; ${copy.destination}, whose writes failed too (TRACEHOP_SPANS_FILE_UNWRITABLE), may lack some of them`;
  if (copy.mayHaveDropped)
    return `; ${copy.destination}, whose own export queue was full and dropped spans (TRACEHOP_SPANS_DROPPED), may lack some of them`;
  return `; ${copy.destination} has them${all ? " all" : ""}`;
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
