import {
  diag,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Baggage,
  type Context,
  type Link,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { assertKnownOptions } from "../known-options.js";
import { describeValue } from "../describe-value.js";
import { B3StylePropagator } from "./b3.js";
import {
  DEFAULT_TAGS_MAX_LENGTH,
  ENV_DEPRECATED_PROPAGATION_STYLE_EXTRACT,
  ENV_DEPRECATED_PROPAGATION_STYLE_INJECT,
  ENV_OTEL_PROPAGATORS,
  ENV_PROPAGATION_BEHAVIOR_EXTRACT,
  ENV_PROPAGATION_EXTRACT_FIRST,
  ENV_PROPAGATION_STYLE,
  ENV_PROPAGATION_STYLE_EXTRACT,
  ENV_PROPAGATION_STYLE_INJECT,
  ENV_TAGS_MAX_LENGTH,
  MAX_TAGS_MAX_LENGTH,
  TID_TAG,
} from "./datadog/constants.js";
import {
  bindDatadogContext,
  DATADOG_CONTEXT_KEY,
  getDatadogContext,
  storeDatadogContext,
  storedDatadogContext,
} from "./datadog/datadog-context.js";
import { contextWithSpan } from "./context-values.js";
import {
  assertTagsMaxLength,
  DatadogPropagator,
  legacyBaggage,
  type DatadogPropagatorOptions,
} from "./datadog/DatadogPropagator.js";
import { DatadogTraceContextPropagator, lentLastParentId } from "./datadog/DatadogTraceContextPropagator.js";
import { ZERO_HEX16 } from "./datadog/ids.js";
import { resolveInjection, type ResolvedInjection } from "./datadog/injection-fields.js";
import {
  getRestoredRoot,
  LINK_CONTEXT_HEADERS_ATTRIBUTE,
  LINK_REASON_ATTRIBUTE,
  LINK_REASON_PROPAGATION_BEHAVIOR_EXTRACT,
  LINK_REASON_TERMINATED_CONTEXT,
  clearExtractionResult,
  hasExtractionResult,
  restartedFrom,
  restoredRootLinkContext,
  setExtractionLinks,
  noteExtractedContext,
  setRestoredRoot,
  type StyleExtraction,
} from "./extraction-result.js";
import { BaggagePropagator } from "./w3c/BaggagePropagator.js";
import { baggageEntries } from "./w3c/W3CBaggage.js";
import { FLAG_RANDOM } from "./w3c/constants.js";
import { isValidSpanContext } from "./w3c/traceparent.js";
import { emitSettingWarningOnce, hasWarned, warnOnce } from "../warn-once.js";

/** A propagation style name accepted by {@link createPropagator}. */
export type PropagationStyle = "tracecontext" | "baggage" | "datadog" | "b3" | "b3multi";

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
 * (`TRACEHOP_EXTRACT_BEHAVIOR_ON_STORED_CARRIER`, {@link warnIfStoredCarrierCut}).
 */
export type ExtractBehavior = "continue" | "restart" | "ignore";

const EXTRACT_BEHAVIORS: ReadonlySet<string> = new Set<ExtractBehavior>(["continue", "restart", "ignore"]);

/** Options of {@link createPropagator}. */
export interface CreatePropagatorOptions extends DatadogPropagatorOptions {
  /**
   * Stop extraction at the first valid style: no tracestate adoption, no re-parenting, no links
   * (as dd-trace-js does); only the W3C `random` flag of a later traceparent with exactly the winner's
   * trace id is kept (Trace Context Level 2 §3.2.2.5.2 makes it a MUST). Default:
   * `DD_TRACE_PROPAGATION_EXTRACT_FIRST` (`true`/`1`), else false.
   */
  extractFirst?: boolean;
  /**
   * {@link ExtractBehavior}: `continue`, `restart` or `ignore` (as dd-trace-js). Default:
   * `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` (any case; another value is ignored with a warning),
   * else `continue`. Any other value here throws a `TypeError`.
   */
  extractBehavior?: ExtractBehavior;
}

/** Default inject styles: a Datadog-instrumented and an OpenTelemetry consumer both continue the trace. */
export const DEFAULT_STYLES: readonly PropagationStyle[] = ["tracecontext", "baggage", "datadog"];
/** Default extract order, as Datadog's tracers (dd-trace-js `supported-configurations.json`). */
export const DEFAULT_EXTRACT_STYLES: readonly PropagationStyle[] = ["datadog", "tracecontext", "baggage"];

/** Accepted spellings, lower-cased: OTel names, Datadog names and Datadog's long B3 name. */
const STYLE_ALIASES: ReadonlyMap<string, PropagationStyle> = new Map([
  ["tracecontext", "tracecontext"],
  ["baggage", "baggage"],
  ["datadog", "datadog"],
  ["b3", "b3"],
  ["b3 single header", "b3"],
  ["b3multi", "b3multi"],
]);
/** Style list meaning "propagate nothing" (OTEL_PROPAGATORS and DD_TRACE_PROPAGATION_STYLE). */
const NONE = "none";

/**
 * Builds the TextMapPropagator for a list of styles.
 *
 * `styles`: an array or a comma-separated string of names, case-insensitive, blanks ignored:
 * `tracecontext` (W3C Trace Context, Datadog-aware through the `dd=` tracestate member),
 * `baggage` (W3C Baggage), `datadog` (`x-datadog-*`), `b3` (single `b3` header; also
 * `b3 single header`) and `b3multi` (`x-b3-*`), each reading only its own headers, as in
 * dd-trace-js ({@link B3StylePropagator}); `none` alone means no propagation. The same list
 * is used to inject and, in its order, to extract. An unknown name throws a `TypeError` naming the
 * accepted ones, as does a list that names no style (`""`, `[]`: `none` is the way to turn
 * propagation off) and a value that is neither a string nor an array.
 *
 * Without `styles` the environment decides, as in Datadog's tracers (Datadog docs, "Propagating
 * trace context"): extract
 * `DD_TRACE_PROPAGATION_STYLE_EXTRACT`, else `DD_TRACE_PROPAGATION_STYLE`, else `OTEL_PROPAGATORS`
 * (where `datadog` is accepted too), else dd-trace-java's deprecated `DD_PROPAGATION_STYLE_EXTRACT`
 * (`Datadog,B3` there is `datadog, b3, b3multi`; read with a warning, as dd-trace-java `Config` reads it
 * today; dd-trace-js, -py and -go ignore it), else {@link DEFAULT_EXTRACT_STYLES}; inject likewise with
 * `..._INJECT`, else {@link DEFAULT_STYLES}. In a `DD_TRACE_PROPAGATION_STYLE*` variable `b3` means
 * `b3multi`, as dd-trace-js 5 and the Datadog docs read it. A variable that names nothing (empty,
 * blanks, commas only) counts as unset. Unknown names there are ignored with a `diag.warn` and a
 * process warning. `DD_TRACE_PROPAGATION_EXTRACT_FIRST`, `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` and
 * `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` are read here, at creation time, unless `options` sets them.
 *
 * Extraction (as dd-trace-js `_extractSpanContext`, dd-trace-java `HttpCodec.CompoundExtractor`):
 * every style runs in order; the first valid context wins. A later style with another trace id
 * becomes a span link with `reason=terminated_context` and `context_headers=<style>` (Datadog
 * system-tests `Test_Span_Links_From_Conflicting_Contexts`; read them with `getExtractionLinks`). A
 * later `tracecontext` of the same trace gives its tracestate to the winner and, when its parent
 * differs, its parent id, keeping the Datadog parent as `lastParentId` (`_dd.parent_id`; system-tests
 * `test_tracestate_w3c_p_extract_datadog_w3c`). Same trace: the full 128-bit ids when both carry
 * upper bits, else the low 64 bits (dd-trace-java `HttpCodec.traceIdMatch`); a 64-bit winner (its
 * `_dd.p.tid` lost upstream) then takes the full id of a later style of the same trace, so the trace
 * keeps its 128-bit id (Datadog's tracers keep the 64-bit id there; Datadog's backend joins both
 * forms, Datadog docs "Trace IDs"). `baggage` always contributes. The extract behavior
 * ({@link ExtractBehavior}) then decides
 * whether the result continues the trace, restarts it with a link, or is ignored. Injection writes
 * every style; a failing style never stops the others. Neither direction throws; `options` with a
 * value of the wrong kind, or a name `CreatePropagatorOptions` does not have, throw a `TypeError` at
 * creation.
 */
export function createPropagator(
  styles?: string | readonly string[],
  options: CreatePropagatorOptions = {},
): TextMapPropagator {
  const env = process.env;
  let injectStyles: PropagationStyle[];
  let extractStyles: PropagationStyle[];
  if (styles !== undefined) {
    injectStyles = extractStyles = parseStyles(styles, "explicit");
  } else {
    const inject = environmentStyles(env, INJECT_STYLE_VARIABLES, DEFAULT_STYLES);
    const extract = environmentStyles(env, EXTRACT_STYLE_VARIABLES, DEFAULT_EXTRACT_STYLES);
    injectStyles = inject.styles;
    extractStyles = extract.styles;
    warnIfNothingKnown(env, inject.variable, injectStyles, extract.variable, extractStyles);
  }
  if (options === null || typeof options !== "object")
    throw new TypeError(
      `tracehop: createPropagator options must be an object such as { extractFirst: true } (got ${describeValue(options)})`,
    );
  assertKnownOptions(
    options,
    ["tagsMaxLength", "extractFirst", "extractBehavior"],
    "tracehop: createPropagator",
  );
  if (options.tagsMaxLength !== undefined) assertTagsMaxLength(options.tagsMaxLength);
  if (options.extractFirst !== undefined && typeof options.extractFirst !== "boolean")
    throw new TypeError(
      `tracehop: extractFirst must be true or false (got ${describeValue(options.extractFirst)})`,
    );
  const tagsMaxLength = options.tagsMaxLength ?? tagsMaxLengthFromEnvironment(env[ENV_TAGS_MAX_LENGTH]);
  const extractFirst =
    options.extractFirst ?? extractFirstFromEnvironment(env[ENV_PROPAGATION_EXTRACT_FIRST]);
  const behaviorFromEnvironment = options.extractBehavior === undefined;
  const behavior = behaviorFromEnvironment
    ? extractBehaviorFromEnvironment(env[ENV_PROPAGATION_BEHAVIOR_EXTRACT])
    : parseExtractBehavior(options.extractBehavior);
  const make = (name: PropagationStyle): StyleMember => {
    const propagator = makeStyle(name, { tagsMaxLength });
    const parts =
      propagator instanceof DatadogPropagator || propagator instanceof DatadogTraceContextPropagator
        ? propagator
        : undefined;
    return { name, propagator, parts };
  };
  return new MultiStylePropagator(
    injectStyles.map(make),
    extractStyles.map(make),
    extractFirst,
    behavior,
    behaviorFromEnvironment,
  );
}

/**
 * The variables each direction's styles come from, in order: the per-direction one, then the shared
 * ones; `deprecated`, dd-trace-java's old per-direction variable, is read only when none of them names
 * anything ({@link deprecatedStyles}).
 */
interface StyleVariables {
  current: readonly string[];
  deprecated: string;
}
const INJECT_STYLE_VARIABLES: StyleVariables = {
  current: [ENV_PROPAGATION_STYLE_INJECT, ENV_PROPAGATION_STYLE, ENV_OTEL_PROPAGATORS],
  deprecated: ENV_DEPRECATED_PROPAGATION_STYLE_INJECT,
};
const EXTRACT_STYLE_VARIABLES: StyleVariables = {
  current: [ENV_PROPAGATION_STYLE_EXTRACT, ENV_PROPAGATION_STYLE, ENV_OTEL_PROPAGATORS],
  deprecated: ENV_DEPRECATED_PROPAGATION_STYLE_EXTRACT,
};

/** Styles read from the environment, and the variable they come from (`undefined`: the defaults). */
export interface EnvironmentStyles {
  styles: PropagationStyle[];
  variable: string | undefined;
}

/**
 * Internal: where a warning about a propagation setting read from the environment goes (`message`
 * starts with "tracehop: "; `code` is the process warning's code). The default everywhere is
 * {@link warnUnknownSetting}, what a service gets; `tracehop inspect` passes its own, to give the
 * warning in its report instead of a second time on stderr.
 */
export type SettingWarning = (message: string, code: string) => void;

/**
 * The styles of one direction: those of the first of `variables.current` that names something
 * ({@link styleListOrUnset}), parsed as `"environment"` (unknown names warned about); else those of
 * dd-trace-java's deprecated variable when it names a style ({@link deprecatedStyles}); else
 * `defaults`. A deprecated variable that a current one overrides is warned about (it is not used).
 */
function environmentStyles(
  env: NodeJS.ProcessEnv,
  variables: StyleVariables,
  defaults: readonly PropagationStyle[],
  warn: SettingWarning = warnUnknownSetting,
): EnvironmentStyles {
  const variable = variables.current.find((name) => styleListOrUnset(env[name]) !== undefined);
  const deprecated = variables.deprecated;
  if (variable === undefined) {
    const styles = deprecatedStyles(env, deprecated, warn);
    return styles === undefined ? { styles: [...defaults], variable } : { styles, variable: deprecated };
  }
  if (namesDeprecatedStyle(env[deprecated]))
    warn(
      `tracehop: ${deprecated}=${JSON.stringify(env[deprecated])} is deprecated and not used: ${variable} ` +
        `is set and wins, as in dd-trace-java; remove ${deprecated}`,
      DEPRECATED_STYLE_WARNING,
    );
  const text = variable === ENV_OTEL_PROPAGATORS ? env[variable]! : datadogB3AsMulti(env[variable]!);
  return { styles: parseStyles(text, "environment", warn), variable };
}

/** Process warning code of a deprecated style variable (`DD_PROPAGATION_STYLE_EXTRACT` / `_INJECT`). */
const DEPRECATED_STYLE_WARNING = "TRACEHOP_DEPRECATED_PROPAGATION_STYLE";

/**
 * The names dd-trace-java's deprecated style variables accept (its `PropagationStyle` enum, read by
 * `PropagationStyle.valueOfConfigName`: any case) and the styles each stands for
 * (`PropagationStyle.getNewStyles`): `B3` is both B3 styles, single header first. Its `HAYSTACK` and
 * `XRAY` are no tracehop styles; `tracecontext`, `b3multi` and `none` are no names of these variables
 * (dd-trace-java ignores them there with a warning).
 */
const DEPRECATED_STYLE_NAMES: ReadonlyMap<string, readonly PropagationStyle[]> = new Map([
  ["datadog", ["datadog"]],
  ["b3", ["b3", "b3multi"]],
]);

/** True when `text` holds a name (a deprecated variable's list: commas and blanks separate names). */
function namesDeprecatedStyle(text: string | undefined): text is string {
  return text !== undefined && /[^\s,]/.test(text);
}

/**
 * The styles of dd-trace-java's deprecated `DD_PROPAGATION_STYLE_EXTRACT` / `DD_PROPAGATION_STYLE_INJECT`
 * (`variable`), read as dd-trace-java `Config` reads them today: only when no `DD_TRACE_PROPAGATION_STYLE*`
 * variable of that direction names anything (nor `OTEL_PROPAGATORS`, which dd-trace-java's
 * `OtelEnvironmentConfigSource` reads as `DD_TRACE_PROPAGATION_STYLE`); names separated by commas or
 * blanks, any case, {@link DEPRECATED_STYLE_NAMES} (`Datadog,B3` is `datadog, b3, b3multi`). dd-trace-js,
 * dd-trace-py and dd-trace-go ignore these variables; a dd-trace-ot service (Java) honoured them, so a
 * migration's shared environment file may still set them. Said with a warning naming the variable
 * to set instead (the list it is read as, in that variable's spelling), as dd-trace-java logs it
 * (`logDeprecatedConvertedSetting`). `undefined` (the defaults apply, as in dd-trace-java) when the
 * variable is unset, blank, or names no style tracehop reads, which is warned about too.
 */
function deprecatedStyles(
  env: NodeJS.ProcessEnv,
  variable: string,
  warn: SettingWarning,
): PropagationStyle[] | undefined {
  const text = env[variable];
  if (!namesDeprecatedStyle(text)) return undefined;
  const replacement =
    variable === ENV_DEPRECATED_PROPAGATION_STYLE_EXTRACT
      ? ENV_PROPAGATION_STYLE_EXTRACT
      : ENV_PROPAGATION_STYLE_INJECT;
  const styles: PropagationStyle[] = [];
  const ignored: string[] = [];
  for (const name of text.split(/[\s,]+/)) {
    if (!name) continue;
    const read = DEPRECATED_STYLE_NAMES.get(name.toLowerCase());
    if (read === undefined) ignored.push(JSON.stringify(name));
    else for (const style of read) if (!styles.includes(style)) styles.push(style);
  }
  const names = "its names are datadog and b3; dd-trace-java's haystack and xray are no tracehop styles";
  if (styles.length === 0) {
    warn(
      `tracehop: ${variable}=${JSON.stringify(text)} is deprecated and names no style tracehop reads ` +
        `(${names}), so the defaults apply, as in dd-trace-java; set ${replacement} instead`,
      DEPRECATED_STYLE_WARNING,
    );
    return undefined;
  }
  warn(
    `tracehop: ${variable}=${JSON.stringify(text)} is deprecated; it is read as ${styles.join(", ")}, as ` +
      `dd-trace-java reads it when no ${replacement}, ${ENV_PROPAGATION_STYLE} or ${ENV_OTEL_PROPAGATORS} ` +
      `is set${ignored.length > 0 ? ` (${ignored.join(", ")} ignored: ${names})` : ""}; ` +
      `set ${styleSetting(replacement, styles)} instead`,
    DEPRECATED_STYLE_WARNING,
  );
  return styles;
}

/**
 * Internal: `styles` as a comma-separated list spelt for `setting`, the variable (or `--styles`) they
 * are to be given in: in a `DD_TRACE_PROPAGATION_STYLE*` variable `b3` means `b3multi`
 * ({@link datadogB3AsMulti}), so the single-header style is `b3 single header` there; elsewhere `b3`.
 * Read by the deprecated-variable warning and `tracehop inspect`.
 */
export function spellStyles(styles: readonly PropagationStyle[], setting: string): string {
  const b3IsMulti = setting.startsWith(ENV_PROPAGATION_STYLE);
  return styles.map((style) => (style === "b3" && b3IsMulti ? "b3 single header" : style)).join(",");
}

/**
 * Internal: `variable=styles` as a shell sets it ({@link spellStyles}), the value in double quotes when
 * it holds a blank (`b3 single header`), so that the line can be copied.
 */
export function styleSetting(variable: string, styles: readonly PropagationStyle[]): string {
  const value = spellStyles(styles, variable);
  return `${variable}=${value.includes(" ") ? `"${value}"` : value}`;
}

/**
 * A `DD_TRACE_PROPAGATION_STYLE*` list with its `b3` entries read as `b3multi`, as dd-trace-js 5 reads
 * them (`text_map.js`: `b3` from a `DD_` variable extracts and injects the `x-b3-*` headers; from
 * `OTEL_PROPAGATORS` it is the single `b3` header, the OpenTelemetry meaning) and as the Datadog docs
 * list it ("Propagating trace context": `B3` is the deprecated name of `b3multi`). `b3 single header`
 * keeps its meaning. dd-trace-js 6 reads `b3` as the single header everywhere (docs/conformance.md).
 */
function datadogB3AsMulti(text: string): string {
  if (!/b3/i.test(text)) return text;
  return text
    .split(",")
    .map((name) => (name.trim().toLowerCase() === "b3" ? "b3multi" : name))
    .join(",");
}

/**
 * Internal: the extract order `createPropagator()` without `styles` takes from `env`, and the variable
 * it comes from: `DD_TRACE_PROPAGATION_STYLE_EXTRACT`, else `DD_TRACE_PROPAGATION_STYLE`, else
 * `OTEL_PROPAGATORS` (the first that names something), else the deprecated
 * `DD_PROPAGATION_STYLE_EXTRACT` when it names a style tracehop reads (as dd-trace-java), else
 * `undefined` and {@link DEFAULT_EXTRACT_STYLES}. Warns as `createPropagator` does (`diag.warn` and a
 * process warning): an unknown name, a variable that names no known style (nothing is extracted), and
 * a set `DD_PROPAGATION_STYLE_EXTRACT` (deprecated: read, or not used); `warn` receives those warnings
 * instead when given. Read by `createPropagator` and `tracehop inspect`.
 */
export function extractStylesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  warn: SettingWarning = warnUnknownSetting,
): EnvironmentStyles {
  const extract = environmentStyles(env, EXTRACT_STYLE_VARIABLES, DEFAULT_EXTRACT_STYLES, warn);
  warnIfNothingKnown(env, undefined, [], extract.variable, extract.styles, warn);
  return extract;
}

/** `options.extractBehavior`, checked. @throws TypeError naming the accepted values. */
function parseExtractBehavior(value: unknown): ExtractBehavior {
  if (typeof value === "string" && EXTRACT_BEHAVIORS.has(value)) return value as ExtractBehavior;
  throw new TypeError(
    `tracehop: extractBehavior must be "continue", "restart" or "ignore" (got ${describeValue(value)})`,
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
  if (!value) return "continue";
  if (EXTRACT_BEHAVIORS.has(value)) return value as ExtractBehavior;
  warn(
    `tracehop: ${ENV_PROPAGATION_BEHAVIOR_EXTRACT}=${JSON.stringify(text)} is not continue, restart or ignore (continue is used)`,
    "TRACEHOP_UNKNOWN_EXTRACT_BEHAVIOR",
  );
  return "continue";
}

/**
 * Parses a style list (array or comma-separated text) into known style names, without duplicates.
 * `none` contributes nothing. `source` says where the list comes from:
 * - `"explicit"` (an argument: `createPropagator(styles)`, `tracehop inspect --styles`): an unknown
 *   name, a list that names no style (`""`, `[]`; `none` is how propagation is turned off) and a value
 *   that is neither a string nor an array throw a `TypeError` that says what to give;
 * - `"environment"` (OTEL_PROPAGATORS, DD_TRACE_PROPAGATION_STYLE*; a process must still start): an
 *   unknown name is skipped with a `diag.warn` and, once per name and process, a Node process warning
 *   (`TRACEHOP_UNKNOWN_PROPAGATION_STYLE`, printed on stderr by default), so that a misspelt setting
 *   does not silently stop propagation (`warn`, when given, receives the warning instead).
 */
export function parseStyles(
  styles: string | readonly string[],
  source: "explicit" | "environment" = "environment",
  warn: SettingWarning = warnUnknownSetting,
): PropagationStyle[] {
  if (typeof styles !== "string" && !Array.isArray(styles)) {
    throw new TypeError(
      `tracehop: propagation styles must be a comma-separated string or an array of names (got ${describeValue(styles)})`,
    );
  }
  const list = typeof styles === "string" ? styles.split(",") : styles;
  if (source === "explicit" && !namesAnything(list)) {
    throw new TypeError(
      `tracehop: no propagation style named (got ${
        typeof styles === "string" ? describeValue(styles) : `[${styles.map(describeValue).join(", ")}]`
      }); use ${STYLE_NAMES}, or none for no propagation`,
    );
  }
  const out: PropagationStyle[] = [];
  for (const raw of list) {
    const name = String(raw).trim().toLowerCase();
    if (!name || name === NONE) continue;
    const style = STYLE_ALIASES.get(name);
    if (style === undefined) {
      const message = `tracehop: unknown propagation style "${name}"; use ${STYLE_NAMES} or none${commaHint([name])}`;
      if (source === "explicit") throw new TypeError(message);
      warn(`${message} (ignored)`, "TRACEHOP_UNKNOWN_PROPAGATION_STYLE");
      continue;
    }
    if (!out.includes(style)) out.push(style);
  }
  return out;
}

/**
 * One process warning per variable whose style list names only unknown styles (no `none`, which turns
 * propagation off on purpose): the direction(s) it sets propagate nothing.
 */
function warnIfNothingKnown(
  env: NodeJS.ProcessEnv,
  injectVariable: string | undefined,
  injectStyles: readonly PropagationStyle[],
  extractVariable: string | undefined,
  extractStyles: readonly PropagationStyle[],
  warn: SettingWarning = warnUnknownSetting,
): void {
  const off = new Map<string, string[]>();
  if (injectVariable && injectStyles.length === 0) off.set(injectVariable, ["injected"]);
  if (extractVariable && extractStyles.length === 0)
    off.set(extractVariable, [...(off.get(extractVariable) ?? []), "extracted"]);
  for (const [variable, directions] of off) {
    const names = env[variable]!.split(",").map((raw) => raw.trim().toLowerCase());
    if (names.includes(NONE)) continue;
    warn(
      `tracehop: ${variable}=${JSON.stringify(env[variable])} names no known style, so nothing is ${directions.join(" or ")}; use ${STYLE_NAMES}, or none to turn propagation off on purpose${commaHint(names)}`,
      "TRACEHOP_NO_PROPAGATION_STYLE",
    );
  }
}

/**
 * For a style name that is style names separated by whitespace (`datadog tracecontext`): the end of a
 * message saying to separate the names with commas, else `""`. A style list is comma-separated, as dd-trace-js reads
 * DD_TRACE_PROPAGATION_STYLE* (`split(',')`, then each name trimmed: packages/dd-trace/src/config.js,
 * `propagationStyle`; a space cannot separate names there, its `b3 single header` style holds spaces)
 * and as the OpenTelemetry SDK reads OTEL_PROPAGATORS (a comma-separated list).
 */
function commaHint(names: readonly string[]): string {
  // Only when each word is a style: `b3 single header` is one name (an alias), `b3 singel` a misspelling.
  const spaced = names.find((name) => {
    const words = name.trim().split(/\s+/);
    return words.length > 1 && words.every((word) => STYLE_ALIASES.has(word.toLowerCase()));
  });
  return spaced === undefined
    ? ""
    : `; separate style names with commas, not spaces (${JSON.stringify(spaced.trim().split(/\s+/).join(","))})`;
}

/** The accepted style names, for messages. */
const STYLE_NAMES = [...new Set(STYLE_ALIASES.values())].join(", ");

/** True when a style list holds at least one non-blank name (`none` included). */
function namesAnything(list: readonly unknown[]): boolean {
  return list.some((raw) => String(raw).trim() !== "");
}

/**
 * An environment variable's style list, or `undefined` when it names nothing (unset, empty, blanks or
 * commas only): such a value counts as unset, as OpenTelemetry's SDK treats an empty variable
 * ("Empty and undefined MUST be treated equal"), so the next variable or the defaults apply instead
 * of silently propagating nothing. `none` names something: propagation off.
 */
function styleListOrUnset(text: string | undefined): string | undefined {
  return text !== undefined && namesAnything(text.split(",")) ? text : undefined;
}

/**
 * `diag.warn` of a propagation setting from the environment that is not used as written (an unknown
 * style, a bad `DD_TRACE_*` value), plus a Node process warning with `code` the first time this
 * message is given in the process (printed on stderr by default; warn-once.ts).
 */
function warnUnknownSetting(message: string, code: string): void {
  diag.warn(message);
  emitSettingWarningOnce(message, code);
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
    `tracehop: ${ENV_TAGS_MAX_LENGTH}=${JSON.stringify(text)} ${problem} (the default, ${DEFAULT_TAGS_MAX_LENGTH}, ` +
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
  if (value && value !== "false" && value !== "0")
    warn(
      `tracehop: ${ENV_PROPAGATION_EXTRACT_FIRST}=${JSON.stringify(text)} is not true, false, 1 or 0 (false is used); ` +
        "write true or 1 to stop extraction at the first valid style, false or 0 (or leave it unset) for the default",
      "TRACEHOP_BAD_EXTRACT_FIRST",
    );
  return false;
}

function makeStyle(name: PropagationStyle, options: DatadogPropagatorOptions): TextMapPropagator {
  switch (name) {
    case "tracecontext":
      return new DatadogTraceContextPropagator();
    case "baggage":
      return new BaggagePropagator();
    case "datadog":
      return new DatadogPropagator(options);
    case "b3":
      return new B3StylePropagator(true);
    case "b3multi":
      return new B3StylePropagator(false);
  }
}

interface StyleMember {
  name: PropagationStyle;
  propagator: TextMapPropagator;
  /** tracehop's Datadog-aware styles: extraction as parts, injection of a resolved context. */
  parts?: PartsExtractor;
}

/**
 * A Datadog-aware style of tracehop's own: it reports its extraction as parts ({@link StyleExtraction})
 * and injects a context the composite has resolved once ({@link ResolvedInjection}).
 */
interface PartsExtractor {
  /**
   * `lendOnly`: a winner is chosen; the fields may be empty (adoption reads what it needs itself).
   * `baggage`: what the `baggage` style extracted (the carrier's W3C baggage, else the context's),
   * which the `datadog` style's `ot-baggage-*` entries join and are limited with.
   */
  extractParts(
    context: Context,
    carrier: unknown,
    getter: TextMapGetter,
    lendOnly: boolean,
    baggage: Baggage | undefined,
  ): StyleExtraction | undefined;
  injectResolved(resolved: ResolvedInjection, carrier: unknown, setter: TextMapSetter): void;
}

/**
 * One style's valid extraction. `spanContext` is undefined for a restored root (parent id 0).
 * Exactly one of `context` (a style from elsewhere: the Context it returned) and `parts` (tracehop's
 * own styles: not yet in a Context) is set.
 */
interface Candidate {
  name: PropagationStyle;
  traceId: string;
  spanContext: SpanContext | undefined;
  context?: Context;
  parts?: StyleExtraction;
}

/**
 * Internal: true when the 128-bit hex trace ids `a` and `b` name the same trace as extraction compares
 * them (dd-trace-java `HttpCodec.traceIdMatch`): the full ids when both carry upper bits, else the low
 * 64 bits. Also read by `tracehop inspect`.
 */
export function sameTrace(a: string, b: string): boolean {
  if (a === b) return true;
  const aHigh = a.slice(0, 16);
  const bHigh = b.slice(0, 16);
  if (aHigh !== ZERO_HEX16 && bHigh !== ZERO_HEX16) return false;
  return a.slice(16) === b.slice(16);
}

/**
 * Internal: true for a propagator {@link createPropagator} made (the default one of the carrier
 * functions included). Its styles write header text only — names of lower-case ASCII, values of
 * printable ASCII, each by its header's grammar (test/hardening `assertCleanCarrier`, over hostile
 * contexts) — so `injectCarrier` skips the check it runs on what another propagator writes.
 */
export function isCreatedPropagator(propagator: unknown): boolean {
  return propagator instanceof MultiStylePropagator;
}

/** The composite behind {@link createPropagator}. */
class MultiStylePropagator implements TextMapPropagator {
  private readonly _fields: string[];
  /**
   * The `tracecontext` style when it is the only extract style: its own `extract` gives the same
   * Context as the composite (one candidate, no links, no baggage), without the candidate objects.
   */
  private readonly _soleExtract: TextMapPropagator | undefined;
  /** Two or more Datadog-aware inject styles: they share one {@link resolveInjection} per inject. */
  private readonly _shareResolution: boolean;
  /** The only inject style, called directly (a W3C-only or Datadog-only service). */
  private readonly _soleInject: StyleMember | undefined;
  /** The `baggage` extract style, if any (the composite reads it apart from the trace styles). */
  private readonly _baggageStyle: TextMapPropagator | undefined;
  /**
   * Whether the `datadog` style is extracted: its `ot-baggage-*` entries then join a `tracecontext`
   * winner's baggage too, as dd-trace-js reads them for a `datadog` or `tracecontext` winner
   * (`text_map.js`, `#extractLegacyBaggageItems`).
   */
  private readonly _readsLegacyBaggage: boolean;

  /** The same styles under `continue`, built on first use ({@link warnIfStoredCarrierCut}). */
  private _continuing: MultiStylePropagator | undefined;

  constructor(
    private readonly _inject: readonly StyleMember[],
    private readonly _extract: readonly StyleMember[],
    private readonly _extractFirst: boolean,
    readonly _behavior: ExtractBehavior,
    /** `_behavior` comes from `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT`, not from the option. */
    readonly _behaviorFromEnvironment: boolean,
  ) {
    const fields = new Set<string>();
    for (const member of [..._inject, ..._extract])
      for (const field of member.propagator.fields()) fields.add(field);
    this._fields = [...fields];
    this._shareResolution = _inject.filter((member) => member.parts !== undefined).length > 1;
    this._soleInject = _inject.length === 1 ? _inject[0] : undefined;
    const sole = _extract.length === 1 ? _extract[0]! : undefined;
    this._baggageStyle = _extract.findLast((member) => member.name === "baggage")?.propagator;
    this._readsLegacyBaggage = _extract.some((member) => member.name === "datadog");
    this._soleExtract =
      _behavior === "continue" &&
      sole?.name === "tracecontext" &&
      sole.propagator instanceof DatadogTraceContextPropagator
        ? sole.propagator
        : undefined;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const sole = this._soleInject;
    if (sole !== undefined) {
      try {
        sole.propagator.inject(context, carrier, setter);
      } catch (err) {
        diag.warn(`tracehop: ${sole.name} inject failed`, err);
      }
      return;
    }
    const members = this._inject;
    // The Datadog-aware styles share one resolution of the context (span, validity, suppression,
    // Datadog fields): `undefined` until the first of them needs it, `null` when they write nothing.
    let resolved: ResolvedInjection | null | undefined;
    for (let i = 0; i < members.length; i++) {
      const member = members[i]!;
      try {
        const parts = this._shareResolution ? member.parts : undefined;
        if (parts === undefined) {
          member.propagator.inject(context, carrier, setter);
        } else {
          if (resolved === undefined) resolved = resolveInjection(context) ?? null;
          if (resolved !== null) parts.injectResolved(resolved, carrier, setter);
        }
      } catch (err) {
        diag.warn(`tracehop: ${member.name} inject failed`, err);
      }
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const sole = this._soleExtract;
    if (sole !== undefined) {
      try {
        return sole.extract(context, carrier, getter);
      } catch (err) {
        diag.warn("tracehop: tracecontext extract failed", err);
        return context;
      }
    }
    if (this._behavior === "ignore") return context;
    // ROOT_CONTEXT holds no span: no lookup there (see baggageOf).
    const baseSpan = context === ROOT_CONTEXT ? undefined : trace.getSpanContext(context);
    // Read first: the datadog style's ot-baggage-* entries join it and are limited with it.
    let w3cBaggage: Baggage | undefined;
    const baggageStyle = this._baggageStyle;
    if (baggageStyle !== undefined) {
      try {
        w3cBaggage = extractBaggage(baggageStyle, context, carrier, getter);
      } catch (err) {
        diag.warn("tracehop: baggage extract failed", err);
      }
    }
    let winner: Candidate | undefined;
    let links: Link[] | undefined;
    for (const member of this._extract) {
      const name = member.name;
      if (name === "baggage") continue;
      if (winner !== undefined && this._extractFirst) {
        // DD_TRACE_PROPAGATION_EXTRACT_FIRST stops at the first valid style (system-tests
        // test_tracestate_w3c_p_phase_3_extract_first): nothing more is read, except the W3C random flag
        // that Trace Context Level 2 makes a MUST.
        if (name === "tracecontext" && winner.name !== "tracecontext")
          winner = keepRandomFlag(
            winner,
            extractCandidate(member, context, carrier, getter, baseSpan, true, w3cBaggage),
          );
        continue;
      }
      const candidate = extractCandidate(
        member,
        context,
        carrier,
        getter,
        baseSpan,
        winner !== undefined,
        w3cBaggage,
      );
      if (candidate === undefined) continue;
      if (winner === undefined) {
        winner = candidate;
        continue;
      }
      // Compared once: two equal ids are distinct strings, and each comparison reads them whole.
      let exactTraceId = winner.traceId === candidate.traceId;
      if (!exactTraceId && !sameTrace(winner.traceId, candidate.traceId)) {
        // A context without a parent span (Datadog parent id 0: Synthetics) is linked with span id 0,
        // as dd-trace-js links it (only a trace id 0 makes no link).
        const root = candidate.parts?.root;
        const linked =
          candidate.spanContext ?? (root === undefined ? undefined : restoredRootLinkContext(root));
        if (linked !== undefined) (links ??= []).push(terminatedContextLink(candidate.name, linked));
        continue;
      }
      // Same trace. A 64-bit winner (its `_dd.p.tid` lost upstream) takes the full id (see below). A
      // traceparent always carries all 128 bits: a W3C winner whose upper half is zero keeps its id.
      if (!exactTraceId && winner.name !== "tracecontext" && winner.traceId.startsWith(ZERO_HEX16)) {
        winner = upgradeTraceId(winner, candidate.traceId);
        exactTraceId = true;
      }
      if (name === "tracecontext" && winner.name !== "tracecontext" && candidate.spanContext)
        winner = adoptTraceContext(winner, candidate.spanContext, exactTraceId);
    }
    // A traceparent winner: the datadog style's ot-baggage-* entries are read all the same (dd-trace-js),
    // for every extract behavior that keeps baggage.
    if (
      winner?.parts !== undefined &&
      winner.name === "tracecontext" &&
      winner.parts.baggage === undefined &&
      this._readsLegacyBaggage
    )
      winner.parts.baggage = safeLegacyBaggage(context, carrier, getter, w3cBaggage);
    if (this._behavior === "restart" && winner !== undefined)
      return restartedTrace(context, winner, w3cBaggage);
    // The links and restored root an earlier extraction recorded in the base context do not describe
    // this one: a winner replaces them (ROOT_CONTEXT, where extraction usually starts, has none).
    const stale = winner !== undefined && context !== ROOT_CONTEXT && hasExtractionResult(context);
    // tracehop's own winner: one Context built from its parts, the final baggage included.
    if (winner?.parts !== undefined) {
      const parts = winner.parts;
      let baggage = parts.baggage;
      if (w3cBaggage !== undefined) baggage = mergeBaggage(baggage ?? baggageOf(context), w3cBaggage);
      // One Context for the usual result; clearRoot has nothing to clear on ROOT_CONTEXT.
      if (
        parts.spanContext !== undefined &&
        (!parts.clearRoot || context === ROOT_CONTEXT) &&
        links === undefined &&
        !stale
      ) {
        const stored = storedDatadogContext(parts.fields, parts.traceId, parts.traceIdDecimal);
        return contextWithSpan(context, baggage, parts.spanContext, DATADOG_CONTEXT_KEY, stored);
      }
      let result = stale ? clearExtractionResult(context) : context;
      if (baggage !== undefined) result = propagation.setBaggage(result, baggage);
      if (parts.spanContext === undefined) {
        result = setRestoredRoot(trace.deleteSpan(result), parts.root);
      } else {
        result = trace.setSpanContext(result, parts.spanContext);
        if (parts.clearRoot) result = setRestoredRoot(result, undefined);
      }
      result = storeDatadogContext(result, parts.fields, parts.traceId, parts.traceIdDecimal);
      if (links !== undefined) result = setExtractionLinks(result, links, parts.spanContext);
      return parts.root === undefined ? result : noteExtractedContext(result);
    }
    let result = winner?.context ?? context;
    if (stale) result = clearExtractionResult(result);
    if (links !== undefined) result = setExtractionLinks(result, links, trace.getSpanContext(result));
    if (w3cBaggage !== undefined)
      result = propagation.setBaggage(result, mergeBaggage(propagation.getBaggage(result), w3cBaggage));
    return result;
  }

  fields(): string[] {
    return [...this._fields];
  }

  /** What `extract` gives under `continue` (the same styles and extract-first). */
  extractContinuing(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    this._continuing ??= new MultiStylePropagator(
      this._inject,
      this._extract,
      this._extractFirst,
      "continue",
      false,
    );
    return this._continuing.extract(context, carrier, getter);
  }
}

/** Once-per-process key and process warning code of {@link warnIfStoredCarrierCut}. */
const STORED_CARRIER_CUT_WARNING = "TRACEHOP_EXTRACT_BEHAVIOR_ON_STORED_CARRIER";

/**
 * Internal: after the restore of a stored carrier (a row's or a message's: `contextFromCarrier`,
 * `withCarrier`, `withBatch`, the messaging helpers; never the HTTP server path, where an edge may want
 * it), a `diag.warn` and a Node process warning (`TRACEHOP_EXTRACT_BEHAVIOR_ON_STORED_CARRIER`), once per
 * process and behavior, when `propagator` is one of {@link createPropagator}'s whose `restart` or
 * `ignore` came from `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` (not from the `extractBehavior` option,
 * which is a choice made in code) and it applied: under `restart` the restore (`restored`) holds the
 * restart link instead of the stored parent; under `ignore` the carrier held a context (or baggage)
 * that `continue` would have restored. Datadog meant these for a service's edge (Datadog docs,
 * "Propagating trace context"); on a relay or a worker, where a shared environment file brings them,
 * they cut the trace at every stored row and message (docs/restore.md, "Relation policy"). Costs
 * nothing once warned; never throws.
 */
export function warnIfStoredCarrierCut(
  propagator: TextMapPropagator,
  base: Context,
  carrier: unknown,
  getter: TextMapGetter,
  restored: Context,
): void {
  if (!(propagator instanceof MultiStylePropagator) || !propagator._behaviorFromEnvironment) return;
  const behavior = propagator._behavior;
  if (behavior === "continue") return;
  const key = `${STORED_CARRIER_CUT_WARNING}:${behavior}`;
  if (hasWarned(key)) return;
  try {
    if (behavior === "restart" ? restartedFrom(restored) === undefined : restored !== base) return;
    if (behavior === "ignore" && propagator.extractContinuing(base, carrier, getter) === base) return;
  } catch {
    return;
  }
  const setting = `${ENV_PROPAGATION_BEHAVIOR_EXTRACT}=${behavior}`;
  const effect =
    behavior === "restart"
      ? "starts a new trace with only a span link to the stored context (reason=propagation_behavior_extract)"
      : "restores nothing, its trace context and baggage dropped: the work starts a new trace, unlinked";
  warnOnce(
    key,
    `tracehop: ${setting} applies to stored carriers too: each row or message restored in this process ` +
      `(withCarrier, contextFromCarrier, withBatch, the messaging helpers) ${effect}, so the trace is cut ` +
      `at every hop. Datadog meant it for a service's edge (untrusted callers): leave it unset on relays ` +
      `and workers (a shared environment file brings it there), or give the carrier functions ` +
      `createPropagator(undefined, { extractBehavior: "continue" }). (Said once per process.)`,
    STORED_CARRIER_CUT_WARNING,
  );
}

function extractCandidate(
  member: StyleMember,
  context: Context,
  carrier: unknown,
  getter: TextMapGetter,
  baseSpan: SpanContext | undefined,
  lendOnly: boolean,
  baggage: Baggage | undefined,
): Candidate | undefined {
  const name = member.name;
  if (member.parts !== undefined) {
    let parts: StyleExtraction | undefined;
    try {
      parts = member.parts.extractParts(context, carrier, getter, lendOnly, baggage);
    } catch (err) {
      diag.warn(`tracehop: ${name} extract failed`, err);
      return undefined;
    }
    return parts === undefined
      ? undefined
      : { name, traceId: parts.traceId, spanContext: parts.spanContext, parts };
  }
  let extracted: Context;
  try {
    extracted = member.propagator.extract(context, carrier, getter);
  } catch (err) {
    diag.warn(`tracehop: ${name} extract failed`, err);
    return undefined;
  }
  if (extracted === context) return undefined;
  const spanContext = trace.getSpanContext(extracted);
  if (spanContext !== undefined && spanContext !== baseSpan && isValidSpanContext(spanContext))
    return { name, context: extracted, traceId: spanContext.traceId, spanContext };
  const root = getRestoredRoot(extracted);
  if (root !== undefined) return { name, context: extracted, traceId: root.traceId, spanContext: undefined };
  return undefined;
}

/**
 * The baggage the `baggage` style reads from the carrier, or (when it reads none) the baggage of
 * `context`: what `propagation.getBaggage(style.extract(context, carrier, getter))` gives, without
 * the Context in between for tracehop's own BaggagePropagator.
 */
function extractBaggage(
  style: TextMapPropagator,
  context: Context,
  carrier: unknown,
  getter: TextMapGetter,
): Baggage | undefined {
  if (style instanceof BaggagePropagator) return style.extractBaggage(carrier, getter) ?? baggageOf(context);
  return propagation.getBaggage(style.extract(context, carrier, getter));
}

/**
 * The baggage of `context`: none for `ROOT_CONTEXT` (an empty context whose values never change,
 * where extraction usually starts), without the lookup, which costs a megamorphic `getValue` call
 * (every Context class has its own); `propagation.getBaggage` otherwise.
 */
function baggageOf(context: Context): Baggage | undefined {
  return context === ROOT_CONTEXT ? undefined : propagation.getBaggage(context);
}

/** {@link legacyBaggage} that never throws (a getter that throws: no entries, said with `diag`). */
function safeLegacyBaggage(
  context: Context,
  carrier: unknown,
  getter: TextMapGetter,
  over: Baggage | undefined,
): Baggage | undefined {
  try {
    return legacyBaggage(context, carrier, getter, over);
  } catch (err) {
    diag.warn("tracehop: ot-baggage-* extract failed", err);
    return undefined;
  }
}

/** `current` with the entries of `w3c` set over it (W3C entries win over legacy `ot-baggage-*` ones). */
function mergeBaggage(current: Baggage | undefined, w3c: Baggage): Baggage {
  let merged = current ?? w3c;
  if (merged !== w3c) for (const [key, entry] of baggageEntries(w3c)) merged = merged.setEntry(key, entry);
  return merged;
}

/** A link to a context that lost the precedence contest (as dd-trace-js `_extractSpanContext` adds it). */
function terminatedContextLink(name: PropagationStyle, spanContext: SpanContext): Link {
  return extractionLink(spanContext, name === "tracecontext", LINK_REASON_TERMINATED_CONTEXT, name);
}

/**
 * A span link the extraction records: to a remote copy of `spanContext` (ids, flags, and its
 * tracestate when `withTraceState`), with `reason=<reason>` and `context_headers=<style>` (the
 * attributes dd-trace-js and Datadog system-tests `tests/test_distributed.py` use).
 */
function extractionLink(
  spanContext: SpanContext,
  withTraceState: boolean,
  reason: string,
  style: PropagationStyle,
): Link {
  const context: SpanContext = {
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    traceFlags: spanContext.traceFlags,
    isRemote: true,
  };
  if (withTraceState && spanContext.traceState !== undefined) context.traceState = spanContext.traceState;
  return {
    context,
    attributes: { [LINK_REASON_ATTRIBUTE]: reason, [LINK_CONTEXT_HEADERS_ATTRIBUTE]: style },
  };
}

/**
 * The `restart` extract behavior (`DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT`; dd-trace-js
 * `_extractSpanContext` and `Span._createContext`): `context` without its span, restored root, Datadog
 * fields and earlier links; the baggage the extraction found (the winner's, `ot-baggage-*` entries
 * included, merged with the W3C baggage); one link to the winner's span context (with its tracestate),
 * `reason=propagation_behavior_extract`, `context_headers=<winner's style>`. A winner without a parent
 * span (a restored root, Datadog parent id 0: Synthetics) is linked with span id 0, as dd-trace-js
 * links that context (OpenTelemetry's trace API: links with a zero span id SHOULD be recorded when they
 * have attributes), so the incoming trace stays findable.
 */
function restartedTrace(context: Context, winner: Candidate, w3cBaggage: Baggage | undefined): Context {
  let baggage =
    winner.parts !== undefined
      ? (winner.parts.baggage ?? baggageOf(context))
      : propagation.getBaggage(winner.context!);
  if (w3cBaggage !== undefined) baggage = mergeBaggage(baggage, w3cBaggage);
  let result = setRestoredRoot(trace.deleteSpan(context).deleteValue(DATADOG_CONTEXT_KEY), undefined);
  if (baggage !== undefined) result = propagation.setBaggage(result, baggage);
  const root = winner.parts?.root;
  const extracted = winner.spanContext ?? (root === undefined ? undefined : restoredRootLinkContext(root));
  const links =
    extracted === undefined
      ? []
      : [extractionLink(extracted, true, LINK_REASON_PROPAGATION_BEHAVIOR_EXTRACT, winner.name)];
  return setExtractionLinks(result, links, undefined);
}

/**
 * A 64-bit winner (no `_dd.p.tid`: dropped with an invalid or oversized x-datadog-tags, or tag
 * propagation disabled) moved to the full 128-bit `traceId` that a later style of the same trace
 * (`tracecontext`, `b3`, `b3multi`) carries, with `_dd.p.tid` set from its upper half, as a traceparent
 * alone gives it (dd-trace-js `_extract128BitTraceId`): the trace keeps its id across the hop.
 * Datadog's tracers keep the 64-bit id there; their backend joins a 64-bit id and its 128-bit form as
 * one trace (Datadog docs "Trace IDs"), an OpenTelemetry backend would see a new trace. Never for a
 * `tracecontext` winner: its zero upper half is its id, which the W3C services upstream know it by.
 * tracehop's own winner (parts) is updated in place; another style's gets a new candidate whose Context
 * holds the new span context (and its Datadog fields, if any).
 */
function upgradeTraceId(winner: Candidate, traceId: string): Candidate {
  const high = traceId.slice(0, 16);
  const spanContext = winner.spanContext === undefined ? undefined : { ...winner.spanContext, traceId };
  const parts = winner.parts;
  if (parts !== undefined) {
    parts.traceId = traceId;
    parts.spanContext = spanContext;
    if (parts.root !== undefined) parts.root = { ...parts.root, traceId };
    parts.fields.propagationTags[TID_TAG] = high;
    winner.traceId = traceId;
    winner.spanContext = spanContext;
    return winner;
  }
  // Another style's winner always has a span context (only the datadog style restores a root).
  if (spanContext === undefined) return winner;
  let context = trace.setSpanContext(winner.context!, spanContext);
  const fields = getDatadogContext(winner.context!);
  if (fields !== undefined)
    context = bindDatadogContext(
      context,
      { ...fields, propagationTags: { ...fields.propagationTags, [TID_TAG]: high } },
      traceId,
    );
  return { name: winner.name, context, traceId, spanContext };
}

/**
 * Under `extractFirst` (`DD_TRACE_PROPAGATION_EXTRACT_FIRST`: nothing of a later style is adopted), a
 * later `tracecontext` candidate still gives the winner its W3C `random` flag when its traceparent
 * carries exactly the winner's trace id: "If the flag is set in the incoming traceparent header, it
 * MUST also be set in all outgoing traceparent headers which use the same trace-id" (Trace Context
 * Level 2 §3.2.2.5.2). The winner is returned unchanged otherwise (no candidate, another trace, no
 * flag); a restored root keeps the flag in its trace flags.
 */
function keepRandomFlag(winner: Candidate, w3c: Candidate | undefined): Candidate {
  const winnerSpan = winner.spanContext;
  const w3cSpan = w3c?.spanContext;
  if (w3cSpan === undefined || w3c!.traceId !== winner.traceId || (w3cSpan.traceFlags & FLAG_RANDOM) === 0)
    return winner;
  const parts = winner.parts;
  if (winnerSpan === undefined) {
    // A restored root (Datadog parent id 0, only tracehop's datadog style restores one): the root
    // span started for it keeps the flag (startRootWithTraceId).
    if (parts?.root !== undefined)
      parts.root = { ...parts.root, traceFlags: parts.root.traceFlags | FLAG_RANDOM };
    return winner;
  }
  if ((winnerSpan.traceFlags & FLAG_RANDOM) !== 0) return winner;
  const spanContext: SpanContext = { ...winnerSpan, traceFlags: winnerSpan.traceFlags | FLAG_RANDOM };
  if (parts !== undefined) {
    // tracehop's own winner: built for this extraction alone, updated in place.
    parts.spanContext = spanContext;
    winner.spanContext = spanContext;
    return winner;
  }
  return {
    name: winner.name,
    context: trace.setSpanContext(winner.context!, spanContext),
    traceId: winner.traceId,
    spanContext,
  };
}

/**
 * The W3C Level 2 `random` flag (0x02) of the traceparent when it carries exactly the winner's trace id
 * (`exactTraceId`): "If the flag is set in the incoming traceparent header, it MUST also be set in all
 * outgoing traceparent headers which use the same trace-id" (Trace Context Level 2 §3.2.2.5.2).
 * Datadog headers have no such bit.
 */
function randomFlagOf(exactTraceId: boolean, w3cSpan: SpanContext): number {
  return exactTraceId ? w3cSpan.traceFlags & FLAG_RANDOM : 0;
}

/**
 * The flags of a winner that adopts a later `tracecontext` context of its trace: its own sampled flag,
 * or the W3C one when `adoptDecision` (a winner without a priority, whose flag only says "not dropped
 * yet"); plus the W3C `random` flag when the trace ids are exactly equal ({@link randomFlagOf}).
 */
function adoptedFlags(
  winnerFlags: number,
  adoptDecision: boolean,
  w3cSpan: SpanContext,
  exactTraceId: boolean,
): number {
  const flags = adoptDecision
    ? (winnerFlags & ~TraceFlags.SAMPLED) | (w3cSpan.traceFlags & TraceFlags.SAMPLED)
    : winnerFlags;
  return flags | randomFlagOf(exactTraceId, w3cSpan);
}

/**
 * A later `tracecontext` context of the winner's trace (dd-trace-js `_resolveTraceContextConflicts`,
 * dd-trace-java `applyTraceContextToFirstContext`): its tracestate is
 * adopted for re-injection; a different parent replaces the winner's, and the winner's parent is
 * kept as `lastParentId` (tracestate `p:` when present, else the winner's parent id). The winner's
 * priority, origin and tags stay. A Datadog winner without a priority (no
 * `x-datadog-sampling-priority`) takes the W3C sampled flag, so an
 * upstream drop stays a drop: the priority stays unset, as Datadog system-tests
 * `test_tracestate_w3c_p_extract_datadog_w3c` expect, and the next injection writes 1 or 0 from the
 * flag. dd-trace-js 5 (`#mergeTraceContextState`) copies the W3C priority and `_dd.p.dm` as well: the
 * same keep or drop, `s:2` / `s:-1` written as 1 / 0. tracehop's own winner (parts) is updated in place
 * and returned; another style's gets a new candidate. `exactTraceId`: the winner's trace id is exactly
 * `w3cSpan`'s (then the W3C `random` flag is kept too).
 */
function adoptTraceContext(winner: Candidate, w3cSpan: SpanContext, exactTraceId: boolean): Candidate {
  const parts = winner.parts;
  const winnerSpan = winner.spanContext;
  // The `tracecontext` style (always tracehop's DatadogTraceContextPropagator) leaves its `p:` in its
  // tracestate: read below only when needed.
  let lastParentId: string | undefined;
  let spanContext: SpanContext;
  // A winner without a priority takes the W3C sampled flag (adoptedFlags).
  const adoptDecision = parts !== undefined && parts.fields.samplingPriority === undefined;
  if (winnerSpan === undefined) {
    const root = parts !== undefined ? parts.root : getRestoredRoot(winner.context!);
    spanContext = {
      traceId: winner.traceId,
      spanId: w3cSpan.spanId,
      traceFlags:
        root === undefined
          ? w3cSpan.traceFlags | randomFlagOf(exactTraceId, w3cSpan)
          : adoptedFlags(root.traceFlags, adoptDecision, w3cSpan, exactTraceId),
      isRemote: true,
      traceState: w3cSpan.traceState,
    };
    // The Datadog parent the W3C one replaces was 0 (a restored root): `_dd.parent_id` names it too,
    // as 16 lowercase hex, as dd-trace-js does (`_dd.parent_id` 0000000000000000 without a `p:`).
    lastParentId = lentLastParentId(w3cSpan) ?? ZERO_HEX16;
  } else {
    const traceFlags = adoptedFlags(winnerSpan.traceFlags, adoptDecision, w3cSpan, exactTraceId);
    // tracehop's own winner has exactly these members (no spread needed); another style's may have more.
    spanContext =
      parts !== undefined
        ? {
            traceId: winnerSpan.traceId,
            spanId: winnerSpan.spanId,
            traceFlags,
            isRemote: winnerSpan.isRemote,
            traceState: w3cSpan.traceState,
          }
        : { ...winnerSpan, traceFlags, traceState: w3cSpan.traceState };
    if (winnerSpan.spanId !== w3cSpan.spanId) {
      spanContext.spanId = w3cSpan.spanId;
      lastParentId = lentLastParentId(w3cSpan) ?? winnerSpan.spanId;
    }
  }
  if (parts !== undefined) {
    // tracehop's own winner: its parts and fields were built for this extraction alone, so they are
    // updated in place.
    if (lastParentId !== undefined) parts.fields.lastParentId = lastParentId;
    parts.spanContext = spanContext;
    parts.root = undefined;
    parts.clearRoot = true;
    winner.spanContext = spanContext;
    return winner;
  }
  const fields = getDatadogContext(winner.context!) ?? { propagationTags: {} };
  const adopted = lastParentId === undefined ? fields : { ...fields, lastParentId };
  let context = setRestoredRoot(trace.setSpanContext(winner.context!, spanContext), undefined);
  context = bindDatadogContext(context, adopted, winner.traceId);
  return { name: winner.name, context, traceId: winner.traceId, spanContext };
}
