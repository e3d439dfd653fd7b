// The report of `tracehop inspect`: its text rendering, and the exit code.
import { hex16ToDecimal, isLowerHex16, ZERO_HEX16 } from "../propagation/datadog/ids.js";
import { escapeUnprintable, TERMINAL_CONTROLS } from "../describe-value.js";
import type { InspectReport } from "./inspect.js";

/** Exit codes of `tracehop inspect` (documented in `--help` and docs/migration.md). */
export const EXIT_VALID = 0;
export const EXIT_NO_CONTEXT = 1;
export const EXIT_USAGE = 2;
/** Inspect itself failed on the input (a bug in tracehop inspect): said in one line, never a stack trace. */
export const EXIT_FAILED = 3;

/**
 * The `_dd.parent_id` line of the text report: the id in hex and Datadog decimal, and what it is — the
 * last Datadog span before the W3C parent that tracecontext gave (tracestate `dd=` `p:`), which
 * Datadog's tracers record as `_dd.parent_id` (dd-trace-js `_resolveTraceContextConflicts`); all zeros
 * when the Datadog headers named no parent span (Synthetics).
 */
function describeLastParentId(id: string): string {
  if (id === ZERO_HEX16)
    return `_dd.parent_id=${id}  (the Datadog headers named no parent span, parent id 0; the W3C parent is used)`;
  const decimal = isLowerHex16(id) ? `  ${hex16ToDecimal(id)}  (Datadog decimal)` : "";
  return `_dd.parent_id=${id}  (hex)${decimal}: the last Datadog span before this W3C parent (tracestate dd=p:)`;
}

/** "extract order a, b from SOURCE" (or ", the default") for the first line of a text report. */
function describeOrder(report: InspectReport): string {
  const order = report.extractOrder.length ? report.extractOrder.join(", ") : "none";
  const source = report.extractOrderSource;
  return `extract order ${order}${source === "default" ? ", the default" : ` from ${source}`}`;
}

/**
 * The end of the first line of a report whose carrier `withCarrier(row)` does not read (its
 * `carrierFrom`): where it was read, so that a "valid context" is not taken for a row that restores as
 * stored; and of one read from a header's value alone (`readAs`: a bare traceparent), so that it is not
 * taken for the whole stored carrier's.
 */
function readFromLine(report: InspectReport): string {
  const readAs = report.readAs === undefined ? "" : ` from ${report.readAs}, not the whole carrier`;
  return report.carrierFrom === undefined
    ? readAs
    : `${readAs} in ${report.carrierFrom}, which withCarrier(row) does not read: hand withCarrier(${report.carrierFrom})`;
}

/** Internal: {@link TERMINAL_CONTROLS} of describe-value, where the spans tree reads it too. */
export { TERMINAL_CONTROLS };

/**
 * A message of the CLI on standard error (an input error, a usage error) with every character of
 * {@link TERMINAL_CONTROLS} written as a JSON escape (`\u001b`): one line that shows what the input
 * holds. Other non-ASCII text stays as typed, for a message may hold a command to paste (`psql -At -c
 * 'select "état" from ...'`, a column name of the user's). The reports themselves escape everything
 * outside printable ASCII, as the warnings do (`escapeUnprintable`).
 */
export function printable(text: string): string {
  return escapeUnprintable(text, TERMINAL_CONTROLS);
}

/**
 * Human-readable rendering of an {@link InspectReport}: every line with each character outside
 * printable ASCII escaped (`escapeUnprintable`, as the warnings quote a carrier's values: a no-break
 * space in an id is `\u00a0`, not a space), but for the `§` and `…` the reasons write.
 */
function formatReport(report: InspectReport): string {
  const lines: string[] = [];
  const c = report.context;
  if (c) {
    lines.push(`valid context (${describeOrder(report)}; ${c.style} wins)${readFromLine(report)}`);
    lines.push(`  trace id     ${c.traceId}  (128-bit hex)`);
    lines.push(
      `               ${c.datadogTraceId}  (Datadog decimal, low 64 bits)${c.datadogTid ? ` + _dd.p.tid=${c.datadogTid}` : ""}`,
    );
    if (c.root) lines.push("  parent id    0: no parent span; a root span keeps this trace id (Synthetics)");
    else lines.push(`  parent id    ${c.parentId}  (hex)  ${c.datadogParentId}  (Datadog decimal)`);
    if (c.lastParentId !== undefined) lines.push(`               ${describeLastParentId(c.lastParentId)}`);
    // Without a priority nothing was decided yet: the sampled flag is the default a Datadog tracer's
    // own sampler replaces, not a keep. x-datadog-* headers carry no flag: the library restores 01
    // (what --json says, "sampled": true), unless a traceparent of the same trace gives its own.
    lines.push(
      c.samplingPriority !== undefined
        ? `  sampling     ${c.sampled ? "sampled (keep)" : "not sampled (drop)"}, priority ${c.samplingPriority} (${c.samplingPriorityName})`
        : `  sampling     sampled flag ${c.sampled ? "set" : "not set"}${c.style === "datadog" && c.sampled ? " (restored as 01: x-datadog-* headers carry no flag)" : ""}, priority not set (a carrier tracehop writes from it says ${c.sampled ? 1 : 0}, from the sampled flag; a Datadog tracer reading this row decides by its own sampler)`,
    );
    lines.push(`  origin       ${c.origin ?? "-"}`);
    const tags = Object.entries(c.tags).map(([k, v]) => `${k}=${v}`);
    lines.push(`  tags         ${tags.length ? tags.join(", ") : "-"}`);
    lines.push(`  tracestate   ${c.tracestate[0] ?? "-"}`);
    for (const member of c.tracestate.slice(1)) lines.push(`               ${member}`);
    for (const link of c.links)
      lines.push(`  link         ${link.traceId}/${link.spanId} (${link.style}, ${link.reason})`);
  } else if (report.noCarrier !== undefined) {
    // Nothing to decode: the styles would all say absent.
    lines.push(`no carrier (${report.noCarrier})`);
    for (const d of report.diagnostics) lines.push(`  - ${d}`);
    return lines.map((line) => escapeUnprintable(line)).join("\n");
  } else {
    lines.push(`no valid context (${describeOrder(report)})${readFromLine(report)}`);
  }
  lines.push(`  baggage keys ${report.baggageKeys.length ? report.baggageKeys.join(", ") : "-"}`);
  lines.push("styles:");
  for (const [style, result] of Object.entries(report.styles))
    lines.push(`  ${style.padEnd(13)}${result.status.padEnd(9)}${result.detail}`);
  if (report.diagnostics.length) {
    lines.push("diagnostics:");
    for (const d of report.diagnostics) lines.push(`  - ${d}`);
  }
  return lines.map((line) => escapeUnprintable(line)).join("\n");
}

/**
 * Characters a terminal acts on or shows as nothing (`TERMINAL_CONTROLS`: C1 controls such as U+009B,
 * the one-character CSI, DEL, U+2028, the bidirectional overrides, zero width characters) that
 * `JSON.stringify` writes as they are: it escapes only U+0000-U+001F (ECMA-262 `QuoteJSONString`).
 */
const JSON_UNESCAPED_CONTROLS = new RegExp(TERMINAL_CONTROLS.source.replace("\\u0000-\\u001f", ""), "g");

/**
 * `JSON.stringify(value, null, 2)` with each {@link JSON_UNESCAPED_CONTROLS} character written as its
 * `\uXXXX` escape: the same JSON value (RFC 8259 §7: any character may be escaped; such characters
 * occur only inside strings), shown on a terminal as the text report shows a value it quotes. What the
 * report quotes of the input (a tracestate member, an origin, a header name) cannot move the cursor,
 * start an escape sequence or reorder the line.
 */
function jsonText(value: unknown): string {
  return escapeUnprintable(JSON.stringify(value, null, 2), JSON_UNESCAPED_CONTROLS);
}

/**
 * What `tracehop inspect` prints for its reports, and its exit code: one object in, one report out;
 * rows in (`rows`), a report per row in row order ("row i of n: " before each text report, a JSON
 * array with `json`, what `JSON.stringify(reports, null, 2)` writes but for {@link jsonText}'s escapes). `readNote`: what the
 * input was read as (one JSON array read as rows, by `parseInspectInput`), the text output's first line (`--json` gives
 * it as each report's `arrayElement`). {@link EXIT_VALID}
 * when every report holds a valid context, else {@link EXIT_NO_CONTEXT}.
 *
 * Each report is made from its carrier (`report`, called once per carrier in order) and given to
 * `write` on its own, then dropped: the reports of a large input (an input of 256 MiB is a few million
 * rows, and a row's report is up to a thousand times its line: an empty line's `--json` report is
 * about 900 characters) are never held together, nor joined into one string (which V8 caps at about
 * 512 Mi characters: a RangeError). A `write` that returns a promise (standard output full: its
 * 'drain') is awaited before the next report is made, so output is never buffered beyond one report,
 * and a reader that stops reading stops the reports there.
 */
export async function writeReports<T>(
  carriers: readonly T[],
  report: (carrier: T) => InspectReport,
  { json, rows, readNote }: { json: boolean; rows: boolean; readNote?: string | undefined },
  write: (chunk: string) => void | Promise<void>,
): Promise<number> {
  let valid = true;
  const count = carriers.length;
  if (json && rows) await write("[\n");
  if (!json && readNote !== undefined) await write(escapeUnprintable(readNote) + "\n\n");
  for (let i = 0; i < count; i++) {
    const one = report(carriers[i]!);
    valid &&= one.valid;
    if (json)
      await write(
        rows
          ? // An element of JSON.stringify(reports, null, 2): indented one level (JSON text holds no
            // raw line break inside a string, so every "\n" is between tokens).
            "  " + jsonText(one).replaceAll("\n", "\n  ") + (i < count - 1 ? ",\n" : "\n")
          : jsonText(one) + "\n",
      );
    else
      await write(
        (rows ? `row ${i + 1} of ${count}: ` : "") + formatReport(one) + (i < count - 1 ? "\n\n" : "\n"),
      );
  }
  if (json && rows) await write("]\n");
  return valid ? EXIT_VALID : EXIT_NO_CONTEXT;
}
