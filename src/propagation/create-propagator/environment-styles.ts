import {
  ENV_DEPRECATED_PROPAGATION_STYLE_EXTRACT,
  ENV_DEPRECATED_PROPAGATION_STYLE_INJECT,
  ENV_OTEL_PROPAGATORS,
  ENV_PROPAGATION_STYLE,
  ENV_PROPAGATION_STYLE_EXTRACT,
  ENV_PROPAGATION_STYLE_INJECT,
} from "../datadog/constants.js";
import { quoteWritten } from "../../describe-value.js";
import { warnUnknownSetting, type SettingWarning } from "./settings.js";
import { readStyleList, styleListFix, type StyleListReading } from "./skipped-style-names.js";
import {
  DEFAULT_EXTRACT_STYLES,
  namesAnything,
  NONE,
  styleSetting,
  type PropagationStyle,
} from "./style-names.js";

/**
 * Internal: a style variable's value quoted for a warning, as a style name is quoted (`quoteWritten`: each
 * character outside printable ASCII escaped), cut past {@link MAX_SHOWN_VALUE_LENGTH} characters rather
 * than a name's 40: a list of several names is read whole. Also `tracehop inspect`'s, for a variable read
 * as `none`.
 */
export function quotedStyleValue(text: string | undefined): string {
  return quoteWritten(text ?? "", MAX_SHOWN_VALUE_LENGTH);
}

/** Longest value of a style variable a warning quotes whole; every list of the styles, once each, is shorter. */
const MAX_SHOWN_VALUE_LENGTH = 200;

/**
 * The variables each direction's styles come from, in order: the per-direction one, then the shared
 * ones; `deprecated`, dd-trace-java's old per-direction variable, is read only when none of them names
 * anything ({@link deprecatedStyles}).
 */
interface StyleVariables {
  current: readonly string[];
  deprecated: string;
}

export const INJECT_STYLE_VARIABLES: StyleVariables = {
  current: [ENV_PROPAGATION_STYLE_INJECT, ENV_PROPAGATION_STYLE, ENV_OTEL_PROPAGATORS],
  deprecated: ENV_DEPRECATED_PROPAGATION_STYLE_INJECT,
};

export const EXTRACT_STYLE_VARIABLES: StyleVariables = {
  current: [ENV_PROPAGATION_STYLE_EXTRACT, ENV_PROPAGATION_STYLE, ENV_OTEL_PROPAGATORS],
  deprecated: ENV_DEPRECATED_PROPAGATION_STYLE_EXTRACT,
};

/** Styles read from the environment, and the variable they come from (`undefined`: the defaults). */
export interface EnvironmentStyles {
  styles: PropagationStyle[];
  variable: string | undefined;
}

/**
 * The styles of one direction: those of the first of `variables.current` that names something
 * ({@link styleListOrUnset}), read once by {@link readStyleList} (as `parseStyles` reads the environment:
 * a `DD_` variable's `b3` read as `b3multi`; entries that name no style skipped and, when a style or
 * `none` is read, said in one `TRACEHOP_UNKNOWN_PROPAGATION_STYLE` line for the variable: what is read,
 * each entry skipped and why, the setting to write); a list that reads nothing is said by
 * {@link warnIfNothingKnown}); else those of
 * dd-trace-java's deprecated variable when it names a style ({@link deprecatedStyles}); else
 * `defaults`. A deprecated variable that a current one overrides is warned about (it is not used).
 */
export function environmentStyles(
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
      `tracehop: ${deprecated}=${quotedStyleValue(env[deprecated])} is deprecated and not used: ${variable} ` +
        `is set and wins, as in dd-trace-java; remove ${deprecated}`,
      DEPRECATED_STYLE_WARNING,
    );
  const text = env[variable]!;
  const reading = readStyleList(variable, text);
  const { styles } = reading;
  // A list that reads nothing (no style, no `none`) is said by warnIfNothingKnown, once for both
  // directions: nothing propagates.
  if (reading.skipped.length > 0 && (styles.length > 0 || namesNone(text)))
    warn(
      `tracehop: ${variable}=${quotedStyleValue(text)} is read as ${
        styles.length > 0 ? styles.join(", ") : "none (no propagation)"
      }; ${skippedEntries(reading)}; ${styleListFix(variable, reading, namesNone(text))}`,
      "TRACEHOP_UNKNOWN_PROPAGATION_STYLE",
    );
  return { styles, variable };
}

/** Whether a style list holds `none` (propagation turned off on purpose), in any case. */
function namesNone(text: string): boolean {
  return text.split(",").some((raw) => raw.trim().toLowerCase() === NONE);
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
    if (read === undefined) ignored.push(quoteWritten(name));
    else for (const style of read) if (!styles.includes(style)) styles.push(style);
  }
  const names = "its names are datadog and b3; dd-trace-java's haystack and xray are no tracehop styles";
  if (styles.length === 0) {
    warn(
      `tracehop: ${variable}=${quotedStyleValue(text)} is deprecated and names no style tracehop reads ` +
        `(${names}), so the defaults apply, as in dd-trace-java; set ${replacement} instead`,
      DEPRECATED_STYLE_WARNING,
    );
    return undefined;
  }
  warn(
    `tracehop: ${variable}=${quotedStyleValue(text)} is deprecated; it is read as ${styles.join(", ")}, as ` +
      `dd-trace-java reads it when no ${replacement}, ${ENV_PROPAGATION_STYLE} or ${ENV_OTEL_PROPAGATORS} ` +
      `is set${ignored.length > 0 ? ` (${ignored.join(", ")} ignored: ${names})` : ""}; ` +
      `set ${styleSetting(replacement, styles)} instead`,
    DEPRECATED_STYLE_WARNING,
  );
  return styles;
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

/** `"name" is skipped: why` for each entry of a style list that names no style, joined by `; `. */
function skippedEntries(reading: StyleListReading): string {
  return reading.skipped.map(({ written, why }) => `${quoteWritten(written)} is skipped: ${why}`).join("; ");
}

/**
 * One process warning per variable whose style list names only unknown styles (no `none`, which turns
 * propagation off on purpose): the direction(s) it sets propagate nothing. It says each entry skipped
 * and why, and the setting to write instead, with styles only ({@link readStyleList}: a space where a
 * comma belongs, another tool's name for a style, a propagator tracehop does not build in).
 */
export function warnIfNothingKnown(
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
    const text = env[variable]!;
    if (namesNone(text)) continue;
    const reading = readStyleList(variable, text);
    warn(
      `tracehop: ${variable}=${quotedStyleValue(text)} names no style tracehop reads, so nothing is ` +
        `${directions.join(" or ")}; ${skippedEntries(reading)}; ${styleListFix(variable, reading, false)}`,
      "TRACEHOP_NO_PROPAGATION_STYLE",
    );
  }
}
