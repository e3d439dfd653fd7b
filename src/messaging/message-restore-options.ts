/** The restore options a message gives (`attempt`, `run`, `capturedAt`): a bad value is left out, never an error. */
import { describeValue } from "../describe-value.js";
import { toEpochMs } from "../context/carrier-source.js";
import { isOrdinal } from "../context/relation.js";
import { warnOnce } from "../warn-once.js";
import type { RestoreOptions } from "./messaging-options.js";

/** Code of the process warning {@link messageRestoreOptions} gives. */
const MESSAGE_OPTION_IGNORED_WARNING = "TRACEHOP_MESSAGE_OPTION_IGNORED";

/** What each per-message option is, for the warning that leaves a bad one out. */
const MESSAGE_OPTION_HINTS: Readonly<Record<"attempt" | "run" | "capturedAt", string>> = {
  attempt:
    'an integer >= 1 (a delivery count read from a header may be missing: Number(headers["x-delivery-count"]) is NaN on a RabbitMQ quorum queue\'s first delivery, which has no such header; pass attempt only when you have one)',
  run: "an integer >= 1",
  capturedAt:
    "a Date, epoch milliseconds (a number, a bigint, a text of digits) or an ISO 8601 text (see withCarrier's capturedAt)",
};

/** The options {@link messageRestoreOptions} checks: those that come from the message. */
const MESSAGE_OPTIONS = ["attempt", "run", "capturedAt"] as const;

/**
 * `restore` without the options that come from the message (`attempt`, `run`, `capturedAt`: a
 * delivery count, a run number, a timestamp read from its headers or properties) whose value is
 * unusable — `attempt` or `run` not an integer >= 1 (`NaN`, `"3"`, `2.5`, `0`), `capturedAt` no time
 * `toEpochMs` reads (`"yesterday"`, `NaN`, an invalid Date, an object) — as if they were not given:
 * the span has no `tracehop.attempt`, `tracehop.run` or `tracehop.queue.wait` from them (a relay's
 * queue wait then comes from the row's `createdAt`, as without `capturedAt`), and `fn` runs as usual
 * (tracing never fails the message; `withCarrier`, whose options are the caller's own, throws for a
 * bad `attempt` or `run` instead). Each is said once per process and helper: `diag.warn` and the
 * process warning `TRACEHOP_MESSAGE_OPTION_IGNORED`, naming the option, the value and what it takes.
 * A usable `capturedAt` text is handed on as the epoch milliseconds it reads as, so that the restore
 * does not parse it again. `restore` itself is not changed (a copy is, when needed). Never throws.
 */
export function messageRestoreOptions<R extends RestoreOptions>(restore: R, entry: string): R {
  let kept: R | undefined;
  for (const name of MESSAGE_OPTIONS) {
    const value: unknown = restore[name];
    if (value === undefined) continue;
    if (name !== "capturedAt") {
      if (isOrdinal(value)) continue;
    } else {
      let ms: number | undefined;
      try {
        ms = toEpochMs(value);
      } catch {
        // A proxy whose traps throw: no time.
      }
      if (ms !== undefined) {
        // A text is handed on as the milliseconds it reads as: parsed once, not again by the restore.
        if (typeof value === "string") (kept ??= { ...restore }).capturedAt = ms;
        continue;
      }
    }
    kept ??= { ...restore };
    delete kept[name];
    warnOnce(
      `${entry}-message-option-${name}`,
      `tracehop/messaging: ${entry}: options.${name} must be ${MESSAGE_OPTION_HINTS[name]}, got ` +
        `${describeValue(value)}: left out (no tracehop.${name === "capturedAt" ? "queue.wait from it" : name} ` +
        `on the span), the message handled as usual. Said once per process; later messages with such a ` +
        `value are treated the same.`,
      MESSAGE_OPTION_IGNORED_WARNING,
    );
  }
  return kept ?? restore;
}
