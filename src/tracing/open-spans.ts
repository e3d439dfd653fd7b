import { openSpanCounts } from "../context/run-in-span.js";
import { describeValue } from "../describe-value.js";
import { warnOnce } from "../warn-once.js";
import { plural } from "./settle-within.js";

/** How many span names the warning quotes per helper; the others are counted. */
const NAMES_SHOWN = 5;

/** Longest span name quoted whole (a queue or topic in it included); a longer one is cut and marked `…`. */
const NAME_SHOWN_CHARACTERS = 120;

/** Code of the process warning of spans tracehop's helpers still had open when `shutdown()` was called. */
const SPANS_OPEN_AT_SHUTDOWN_WARNING = "TRACEHOP_SPANS_OPEN_AT_SHUTDOWN";

/**
 * At `shutdown()` (`key`: the start), once: the recording spans tracehop's helpers (withSendSpan,
 * withProcessSpan, withCarrier, traced, the batch helpers) started since this start and have not ended, because their
 * function has not settled yet (a publish waiting for the broker's confirm, a handler mid-job), as the
 * process warning `TRACEHOP_SPANS_OPEN_AT_SHUTDOWN`, counted per helper and named (`1 of traced: "job"`;
 * a name held by several: `"process jobs" (2)`; the first five names per helper, quoted as
 * `describeValue` quotes text, up to 120 characters, the others counted), so that the user finds the work to wait for. The SDK exports a span when it
 * ends, and its shutdown ends none (OpenTelemetry specification, "Span processor": `OnEnd`, and
 * "Shutdown"), so such a span is never exported, while what hangs from it may be: its children that
 * ended, and the process span of a message it sent, which then name a parent missing from the trace
 * (docs/export.md, "Work in hand at shutdown"). Returns `true` when it warned. Never throws.
 */
export function warnSpansOpenAtShutdown(key: string): boolean {
  const open = openSpanCounts();
  if (open.length === 0) return false;
  let total = 0;
  const counts = open.map(([helper, byName]) => {
    const count = byName.reduce((sum, [, n]) => sum + n, 0);
    total += count;
    const names = byName
      .slice(0, NAMES_SHOWN)
      .map(([name, n]) => describeValue(name, NAME_SHOWN_CHARACTERS) + (n > 1 ? ` (${n})` : ""));
    const others = byName.length - NAMES_SHOWN;
    if (others > 0) names.push(plural(others, "other name"));
    return `${count} of ${helper}: ${names.join(", ")}`;
  });
  const which = counts.join("; ");
  return warnOnce(
    `${key}:open-spans`,
    `tracehop: shutdown() was called while ${plural(total, "span")} (${which}) ` +
      `${total === 1 ? "was" : "were"} still open, ${total === 1 ? "its" : "their"} function not settled ` +
      `(a publish waiting for the broker's confirm, a handler still running): an open span is never ` +
      `exported, and the spans under it (its children that ended, the process span of a message it sent) ` +
      `then name a parent missing from the trace. Stop taking new work and let the work in hand settle, or ` +
      `cut its wait short so that it fails and its span ends with the error, before calling shutdown() ` +
      `(docs/export.md, "Work in hand at shutdown")`,
    SPANS_OPEN_AT_SHUTDOWN_WARNING,
  );
}
