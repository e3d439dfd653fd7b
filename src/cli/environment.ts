// What the environment sets for a service's extraction, read as the library reads it.
import {
  DEFAULT_EXTRACT_STYLES,
  extractBehaviorFromEnvironment,
  extractFirstFromEnvironment,
  extractStylesFromEnvironment,
  parseStyles,
  quotedStyleValue,
  type ExtractBehavior,
  type PropagationStyle,
  readTagsMaxLength,
  type SettingWarning,
} from "../propagation/create-propagator.js";
import {
  DEFAULT_TAGS_MAX_LENGTH,
  ENV_PROPAGATION_BEHAVIOR_EXTRACT,
  ENV_PROPAGATION_EXTRACT_FIRST,
  ENV_TAGS_MAX_LENGTH,
} from "../propagation/datadog/constants.js";
import { quoteWritten } from "../describe-value.js";
import { InspectInputError } from "./input.js";
import { shellWord } from "./row-carrier.js";

/** The extract order `tracehop inspect` uses, and where it came from. */
interface ExtractOrder {
  styles: PropagationStyle[];
  /** `default`, `--styles`, or the environment variable it was read from. */
  source: string;
}

/** The `x-datadog-tags` length limit the Datadog style uses, and where it came from. */
export interface TagsLimit {
  /** In characters; 0 turns tag propagation off. */
  maxLength: number;
  /**
   * Where it came from, for a diagnostic: `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH=100 here`, or the default
   * and why.
   */
  source: string;
  /**
   * The variable it was read from; `undefined` for the default (the variable unset, or a value the
   * library does not use).
   */
  variable?: string;
}

/** What `tracehop inspect` takes from the environment (and `--styles`): what a service there would use. */
export interface InspectEnvironment {
  order: ExtractOrder;
  /** `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` as the library reads it. */
  extractBehavior: ExtractBehavior;
  /**
   * `DD_TRACE_PROPAGATION_EXTRACT_FIRST` as the library reads it: extraction stops at the first valid
   * style.
   */
  extractFirst: boolean;
  /** `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` as the library reads it. */
  tagsLimit: TagsLimit;
  /**
   * What the library warns about these settings (an unknown style, a value it does not use as
   * written), as diagnostics: said once, in the report, and not also as a process warning.
   */
  diagnostics: string[];
}

/** The library's defaults: what {@link readEnvironment} gives in an environment that sets nothing. */
export const DEFAULT_ENVIRONMENT: InspectEnvironment = {
  order: { styles: [...DEFAULT_EXTRACT_STYLES], source: "default" },
  extractBehavior: "continue",
  extractFirst: false,
  tagsLimit: { maxLength: DEFAULT_TAGS_MAX_LENGTH, source: "the default" },
  diagnostics: [],
};

/**
 * What a service started in `env` would use, as `createPropagator()` reads it: the extract order
 * (`DD_TRACE_PROPAGATION_STYLE_EXTRACT`, `DD_TRACE_PROPAGATION_STYLE`, `OTEL_PROPAGATORS`, the
 * deprecated `DD_PROPAGATION_STYLE_EXTRACT`, else the default; or `styles`, the `--styles` argument,
 * instead; a set `DD_PROPAGATION_STYLE_EXTRACT` is a diagnostic, read or not), the extract behavior,
 * extract-first and the `x-datadog-tags` length limit, with the warnings the library gives about them
 * as diagnostics (received through the library's internal warning parameter, so nothing is printed on
 * stderr: the report says it once).
 * @throws {@link InspectInputError} when `styles` names an unknown style or none (the library's message).
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, styles?: string): InspectEnvironment {
  const diagnostics: string[] = [];
  const order = styles === undefined ? extractOrderFromEnvironment(env, diagnostics) : explicitOrder(styles);
  const warn: SettingWarning = (message) => diagnostics.push(withoutPrefix(message));
  const extractBehavior = extractBehaviorFromEnvironment(env[ENV_PROPAGATION_BEHAVIOR_EXTRACT], warn);
  const extractFirst = extractFirstFromEnvironment(env[ENV_PROPAGATION_EXTRACT_FIRST], warn);
  const tagsLimit = tagsLimitFromEnvironment(env[ENV_TAGS_MAX_LENGTH], warn);
  return { order, extractBehavior, extractFirst, tagsLimit, diagnostics };
}

/**
 * The `x-datadog-tags` limit a value of `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` gives, as the library
 * reads it.
 */
function tagsLimitFromEnvironment(text: string | undefined, warn: SettingWarning): TagsLimit {
  const { maxLength, problem } = readTagsMaxLength(text, warn);
  if (maxLength !== undefined)
    return { maxLength, source: `${ENV_TAGS_MAX_LENGTH}=${maxLength} here`, variable: ENV_TAGS_MAX_LENGTH };
  return {
    maxLength: DEFAULT_TAGS_MAX_LENGTH,
    source:
      problem !== undefined
        ? `the default: ${ENV_TAGS_MAX_LENGTH}=${quoteWritten(text ?? "")} ${problem}`
        : `${ENV_TAGS_MAX_LENGTH} unset: the default`,
  };
}

/**
 * The `--styles` order.
 * @throws {@link InspectInputError} for an unknown style or a list naming none: the TypeError
 *   `parseStyles` throws for them (its message, without its `tracehop createPropagator: ` prefix) is
 *   the user's input error, and is said so; any other error is not the input's (the bin: exit 3).
 */
function explicitOrder(styles: string): ExtractOrder {
  try {
    return { styles: parseStyles(styles, "explicit"), source: "--styles" };
  } catch (err) {
    if (err instanceof TypeError) throw new InspectInputError(asOptionFix(withoutPrefix(err.message)));
    throw err;
  }
}

/**
 * `message`, the library's error for a style list (a string), with the list it says to write
 * (`; write "datadog,tracecontext"`, a JSON string for code) written as the command-line fix,
 * `; write --styles datadog,tracecontext` (one shell word: quoted when it holds a blank or another
 * character a shell reads). A list the message cut short (`…`) is left as it is.
 */
function asOptionFix(message: string): string {
  return message.replace(
    /; write ("(?:[^"\\]|\\.)*")(?=$|, adding the style meant )/,
    (said: string, quoted: string) => {
      const list = JSON.parse(quoted) as string;
      return list.endsWith("…") ? said : `; write --styles ${shellWord(list)}`;
    },
  );
}

/**
 * The extract order from the environment (`extractStylesFromEnvironment`), its warnings pushed on
 * `diagnostics`, each naming the variable.
 */
function extractOrderFromEnvironment(env: NodeJS.ProcessEnv, diagnostics: string[]): ExtractOrder {
  const warnings: string[] = [];
  const read = extractStylesFromEnvironment(env, (message) => warnings.push(withoutPrefix(message)));
  // The library's messages each name the variable (`OTEL_PROPAGATORS="w3c,datadog" is read as datadog; ...`,
  // `DD_TRACE_PROPAGATION_STYLE="..." names no style tracehop reads ...`): said as they are.
  if (read.variable !== undefined && read.styles.length === 0 && warnings.length === 0)
    warnings.push(
      `${read.variable}=${quotedStyleValue(env[read.variable])}: a service with this setting extracts nothing`,
    );
  diagnostics.push(...warnings);
  return { styles: read.styles, source: read.variable ?? "default" };
}

/**
 * A message of the library without its `tracehop: ` (a warning) or `tracehop createPropagator: ` (an
 * error) prefix: the report says it under its own name.
 */
function withoutPrefix(message: string): string {
  return message.replace(/^tracehop(?: createPropagator)?: /, "");
}
