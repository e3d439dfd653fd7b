import { diag } from "@opentelemetry/api";
import { describeValue, quoteWritten } from "../../describe-value.js";
import { emitSettingWarningOnce } from "../../warn-once.js";
import {
  DEFAULT_TAGS_MAX_LENGTH,
  ENV_PROPAGATION_BEHAVIOR_EXTRACT,
  ENV_PROPAGATION_EXTRACT_FIRST,
  ENV_TAGS_MAX_LENGTH,
  MAX_TAGS_MAX_LENGTH,
} from "../datadog/constants.js";

/**
 * Internal: where a warning about a propagation setting read from the environment goes (`message`
 * starts with "tracehop: "; `code` is the process warning's code). The default everywhere is
 * {@link warnUnknownSetting}, what a service gets; `tracehop inspect` passes its own, to give the
 * warning in its report instead of a second time on stderr.
 */
export type SettingWarning = (message: string, code: string) => void;

/**
 * `diag.warn` of a propagation setting from the environment that is not used as written (an unknown
 * style, a bad `DD_TRACE_*` value), plus a Node process warning with `code` the first time this
 * message is given in the process (printed on stderr by default; warn-once.ts).
 */
export function warnUnknownSetting(message: string, code: string): void {
  diag.warn(message);
  emitSettingWarningOnce(message, code);
}

/**
 * What extraction does with a valid incoming context (Datadog's `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT`,
 * as dd-trace-js `_extractSpanContext` applies it; Datadog docs, "Propagating trace context"):
 * - `continue` (default): the extracted context is the parent of the next span;
 * - `restart`: the next span starts a new trace, with a span link to the extracted context
 *   (`reason=propagation_behavior_extract`, `context_headers=<winning style>`); baggage is kept,
 *   the Datadog fields (priority, origin, `_dd.p.*`) and the conflict links are not;
 * - `ignore`: nothing is extracted, baggage included.
 *
 * Datadog meant `restart` and `ignore` for a service's edge. Read from the environment, either one that
 * applies to the restore of a stored carrier (a row's, a message's) is warned about once per process
 * (`TRACEHOP_EXTRACT_BEHAVIOR_ON_STORED_CARRIER`, `warnIfStoredCarrierCut`).
 */
export type ExtractBehavior = "continue" | "restart" | "ignore";

const EXTRACT_BEHAVIORS: ReadonlySet<string> = new Set<ExtractBehavior>(["continue", "restart", "ignore"]);

/** `options.extractBehavior`, checked. @throws TypeError naming the accepted values. */
export function parseExtractBehavior(value: unknown): ExtractBehavior {
  if (typeof value === "string" && EXTRACT_BEHAVIORS.has(value)) return value as ExtractBehavior;
  throw new TypeError(
    `tracehop createPropagator: extractBehavior must be "continue", "restart" or "ignore", got ${describeValue(value)}`,
  );
}

/**
 * Internal: the {@link ExtractBehavior} a value of `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` names,
 * lower-cased and trimmed as Datadog's tracers read it; unset or blank: `continue`. Another value:
 * `continue`, with a warning as for an unknown style (a process must still start; dd-trace-js falls
 * back to its default too; `warn`, when given, receives the warning instead). Read by `createPropagator`
 * and `tracehop inspect`.
 */
export function extractBehaviorFromEnvironment(
  text: string | undefined,
  warn: SettingWarning = warnUnknownSetting,
): ExtractBehavior {
  const value = text?.trim().toLowerCase();
  if (text === undefined || !value) return "continue";
  if (EXTRACT_BEHAVIORS.has(value)) return value as ExtractBehavior;
  warn(
    `tracehop: ${ENV_PROPAGATION_BEHAVIOR_EXTRACT}=${quoteWritten(text)} is not continue, restart or ignore (continue is used)`,
    "TRACEHOP_UNKNOWN_EXTRACT_BEHAVIOR",
  );
  return "continue";
}

/**
 * Internal: `DD_TRACE_PROPAGATION_EXTRACT_FIRST` as Datadog's tracers read it (dd-trace-js reads it as a
 * boolean setting, `supported-configurations.json`: `true` / `1` / `false` / `0`, any case): `true` /
 * `1` turn it on; unset, blank, `false` or `0` leave it off; another value (`yes`, `on`) leaves it off
 * with a warning saying what to write (a process must start; `warn`, when given, receives it instead).
 * Read by `createPropagator` and `tracehop inspect`.
 */
export function extractFirstFromEnvironment(
  text: string | undefined,
  warn: SettingWarning = warnUnknownSetting,
): boolean {
  const value = text?.trim().toLowerCase();
  if (value === "true" || value === "1") return true;
  if (text !== undefined && value && value !== "false" && value !== "0")
    warn(
      `tracehop: ${ENV_PROPAGATION_EXTRACT_FIRST}=${quoteWritten(text)} is not true, false, 1 or 0 (false is used); ` +
        "write true or 1 to stop extraction at the first valid style, false or 0 (or leave it unset) for the default",
      "TRACEHOP_BAD_EXTRACT_FIRST",
    );
  return false;
}

/**
 * Internal: `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` as Datadog's tracers read it: a non-negative integer
 * (decimal digits, blanks around them allowed) of at most {@link MAX_TAGS_MAX_LENGTH}, the largest a
 * JavaScript number holds exactly (the `tagsMaxLength` option's range); unset or blank: `undefined`
 * (the default, 512). Another value (`1k`, `-1`, `99999999999999999999`) is not used: the default is,
 * with a warning that says why and what to write (a process must start; `warn`, when given, receives
 * it instead; the process warning is given once). Read by `createPropagator`.
 */
export function tagsMaxLengthFromEnvironment(
  text: string | undefined,
  warn: SettingWarning = warnUnknownSetting,
): number | undefined {
  return readTagsMaxLength(text, warn).maxLength;
}

/**
 * Internal: {@link tagsMaxLengthFromEnvironment} with the reason a value is not used: `maxLength` as it
 * answers (the same warning through `warn`), and `problem`, why a non-blank value is not used, as the
 * end of a sentence that starts with the setting (`is not a non-negative integer`), else `undefined`.
 * Read by `tracehop inspect`, which reports the problem in its environment report.
 */
export function readTagsMaxLength(
  text: string | undefined,
  warn: SettingWarning = warnUnknownSetting,
): { maxLength: number | undefined; problem: string | undefined } {
  if (!text?.trim()) return { maxLength: undefined, problem: undefined };
  const problem = tagsMaxLengthProblem(text);
  if (problem === undefined) return { maxLength: Number(text), problem };
  warn(
    `tracehop: ${ENV_TAGS_MAX_LENGTH}=${quoteWritten(text)} ${problem} (the default, ${DEFAULT_TAGS_MAX_LENGTH}, ` +
      `is used); write a whole number of characters from 0 (tag propagation off) to ${MAX_TAGS_MAX_LENGTH}`,
    "TRACEHOP_BAD_TAGS_MAX_LENGTH",
  );
  return { maxLength: undefined, problem };
}

/**
 * Why a non-blank `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` value is not used ({@link readTagsMaxLength}),
 * as the end of a sentence that starts with the setting, or `undefined` when it is used.
 */
function tagsMaxLengthProblem(text: string): string | undefined {
  if (!/^\s*\d+\s*$/.test(text)) return "is not a non-negative integer";
  if (!Number.isSafeInteger(Number(text)))
    return `is over ${MAX_TAGS_MAX_LENGTH} (Number.MAX_SAFE_INTEGER), the largest limit tracehop reads exactly`;
  return undefined;
}
