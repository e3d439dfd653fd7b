// What the environment sets for a service's extraction, read as the library reads it.
import {
  DEFAULT_EXTRACT_STYLES,
  extractBehaviorFromEnvironment,
  extractStylesFromEnvironment,
  parseStyles,
  type ExtractBehavior,
  type PropagationStyle,
  type SettingWarning,
} from "../propagation/create-propagator.js";
import { ENV_PROPAGATION_BEHAVIOR_EXTRACT } from "../propagation/datadog/constants.js";

/** The extract order `tracehop inspect` uses, and where it came from. */
export interface ExtractOrder {
  styles: PropagationStyle[];
  /** `default`, `--styles`, or the environment variable it was read from. */
  source: string;
}

/** What `tracehop inspect` takes from the environment (and `--styles`): what a service there would use. */
export interface InspectEnvironment {
  order: ExtractOrder;
  /** `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` as the library reads it. */
  extractBehavior: ExtractBehavior;
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
  diagnostics: [],
};

/**
 * What a service started in `env` would use, as `createPropagator()` reads it: the extract order
 * (`DD_TRACE_PROPAGATION_STYLE_EXTRACT`, `DD_TRACE_PROPAGATION_STYLE`, `OTEL_PROPAGATORS`, else the
 * default; or `styles`, the `--styles` argument, instead) and the extract behavior, with the warnings
 * the library gives about them as diagnostics (received through the library's internal warning
 * parameter, so nothing is printed on stderr: the report says it once).
 * @throws TypeError when `styles` names an unknown style or none (the library's message).
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, styles?: string): InspectEnvironment {
  const diagnostics: string[] = [];
  const order = styles === undefined ? extractOrderFromEnvironment(env, diagnostics) : explicitOrder(styles);
  const warn: SettingWarning = (message) => diagnostics.push(message.replace(/^tracehop: /, ""));
  const extractBehavior = extractBehaviorFromEnvironment(env[ENV_PROPAGATION_BEHAVIOR_EXTRACT], warn);
  return { order, extractBehavior, diagnostics };
}

/** The `--styles` order. @throws TypeError for an unknown style or a list naming none. */
function explicitOrder(styles: string): ExtractOrder {
  return { styles: parseStyles(styles, "explicit"), source: "--styles" };
}

/**
 * The extract order from the environment (`extractStylesFromEnvironment`), its warnings pushed on
 * `diagnostics`, each naming the variable.
 */
function extractOrderFromEnvironment(env: NodeJS.ProcessEnv, diagnostics: string[]): ExtractOrder {
  const warnings: string[] = [];
  const read = extractStylesFromEnvironment(env, (message) =>
    warnings.push(message.replace(/^tracehop: /, "")),
  );
  // The library's messages name the variable only when it names no known style.
  for (const [i, message] of warnings.entries())
    if (read.variable !== undefined && !message.startsWith(read.variable))
      warnings[i] = `${read.variable}: ${message}`;
  if (read.variable !== undefined && read.styles.length === 0 && warnings.length === 0)
    warnings.push(
      `${read.variable}=${JSON.stringify(env[read.variable])}: a service with this setting extracts nothing`,
    );
  diagnostics.push(...warnings);
  return { styles: read.styles, source: read.variable ?? "default" };
}
