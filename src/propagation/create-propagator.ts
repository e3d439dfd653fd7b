import type { TextMapPropagator } from "@opentelemetry/api";
import { assertKnownOptions } from "../known-options.js";
import { describeValue } from "../describe-value.js";
import {
  ENV_PROPAGATION_BEHAVIOR_EXTRACT,
  ENV_PROPAGATION_EXTRACT_FIRST,
  ENV_TAGS_MAX_LENGTH,
} from "./datadog/constants.js";
import {
  isTagsMaxLength,
  TAGS_MAX_LENGTH_RULE,
  type DatadogPropagatorOptions,
} from "./datadog/DatadogPropagator.js";
import {
  environmentStyles,
  EXTRACT_STYLE_VARIABLES,
  INJECT_STYLE_VARIABLES,
  warnIfNothingKnown,
} from "./create-propagator/environment-styles.js";
import { MultiStylePropagator } from "./create-propagator/MultiStylePropagator.js";
import {
  extractBehaviorFromEnvironment,
  extractFirstFromEnvironment,
  parseExtractBehavior,
  tagsMaxLengthFromEnvironment,
  type ExtractBehavior,
} from "./create-propagator/settings.js";
import { styleMember } from "./create-propagator/style-member.js";
import {
  DEFAULT_EXTRACT_STYLES,
  DEFAULT_STYLES,
  parseStyles,
  type PropagationStyle,
  type PropagationStyleName,
} from "./create-propagator/style-names.js";

// The parts of createPropagator that other modules read (the public API in index.ts, `tracehop inspect`,
// the carrier functions), exported from the module they import createPropagator from.
export {
  extractStylesFromEnvironment,
  quotedStyleValue,
  type EnvironmentStyles,
} from "./create-propagator/environment-styles.js";
export { isCreatedPropagator } from "./create-propagator/MultiStylePropagator.js";
export { sameTrace } from "./create-propagator/extraction-precedence.js";
export {
  extractBehaviorFromEnvironment,
  extractFirstFromEnvironment,
  readTagsMaxLength,
  tagsMaxLengthFromEnvironment,
  type ExtractBehavior,
  type SettingWarning,
} from "./create-propagator/settings.js";
export { warnIfStoredCarrierCut } from "./create-propagator/stored-carrier-warning.js";
export {
  DEFAULT_EXTRACT_STYLES,
  DEFAULT_STYLES,
  parseStyles,
  propagatorHint,
  spellStyles,
  styleSetting,
  type PropagationStyle,
  type PropagationStyleName,
} from "./create-propagator/style-names.js";

/** Options of {@link createPropagator}. */
export interface CreatePropagatorOptions extends DatadogPropagatorOptions {
  /**
   * Stop extraction at the first valid style: no tracestate adoption, no re-parenting, no links
   * (as dd-trace-js does); only the W3C `random` flag of a later traceparent with exactly the winner's
   * trace id is kept (Trace Context Level 2 §3.2.2.5.2 makes it a MUST). Default:
   * `DD_TRACE_PROPAGATION_EXTRACT_FIRST` (`true`/`1`), else false.
   */
  extractFirst?: boolean | undefined;
  /**
   * {@link ExtractBehavior}: `continue`, `restart` or `ignore` (as dd-trace-js). Default:
   * `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` (any case; another value is ignored with a warning),
   * else `continue`. Any other value here throws a `TypeError`.
   */
  extractBehavior?: ExtractBehavior | undefined;
}

/**
 * Builds the TextMapPropagator for a list of styles.
 *
 * `styles`: an array or a comma-separated string of names, case-insensitive, blanks ignored:
 * `tracecontext` (W3C Trace Context, Datadog-aware through the `dd=` tracestate member),
 * `baggage` (W3C Baggage), `datadog` (`x-datadog-*`), `b3` (single `b3` header; also
 * `b3 single header`) and `b3multi` (`x-b3-*`), each reading only its own headers, as in
 * dd-trace-js; `none` alone means no propagation. The same list is used to inject and, in its
 * order, to extract. Its type ({@link PropagationStyleName}) offers these names to an editor and
 * takes any text, so that a list from configuration compiles: a misspelt name is the `TypeError`
 * below, at creation, listing the names.
 *
 * Without `styles` the environment decides, as in Datadog's tracers (Datadog docs, "Propagating
 * trace context"): extract `DD_TRACE_PROPAGATION_STYLE_EXTRACT`, else `DD_TRACE_PROPAGATION_STYLE`,
 * else `OTEL_PROPAGATORS`, else dd-trace-java's deprecated `DD_PROPAGATION_STYLE_EXTRACT`, else
 * `DEFAULT_EXTRACT_STYLES` (`datadog,tracecontext,baggage`); inject likewise with `..._INJECT`, else
 * `DEFAULT_STYLES` (`tracecontext,baggage,datadog`). A
 * variable that names nothing (empty, blanks, commas only) counts as unset; unknown names there are
 * ignored with a `diag.warn` and a process warning. `DD_TRACE_PROPAGATION_EXTRACT_FIRST`,
 * `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` and `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` are read here, at
 * creation time, unless `options` sets them (docs/migration.md, section "Configuration").
 *
 * Extraction (as dd-trace-js `_extractSpanContext`, dd-trace-java `HttpCodec.CompoundExtractor`):
 * every style runs in order and the first valid context wins; a later style of another trace becomes
 * a span link (`reason=terminated_context`, read with `getExtractionLinks`), a later `tracecontext`
 * of the same trace lends the winner its tracestate and parent; `baggage` always contributes; the
 * {@link ExtractBehavior} then continues, restarts or ignores the result (docs/conformance.md,
 * section "Datadog propagation"). Injection writes every style; a failing style never stops the
 * others. Neither direction throws.
 *
 * @throws TypeError at creation: an unknown style name, a list that names no style (`""`, `[]`:
 *   `none` turns propagation off), `styles` neither a string nor an array, an array element that is
 *   not a string (named by its index: `styles[1]`), `options` not an object, a name
 *   `CreatePropagatorOptions` does not have, or an option value of the wrong kind. The message quotes
 *   a name as given, control characters escaped and cut at 40 characters.
 */
export function createPropagator(
  styles?: PropagationStyleName | readonly PropagationStyleName[],
  options: CreatePropagatorOptions = {},
): TextMapPropagator {
  const env = process.env;
  let injectStyles: PropagationStyle[];
  let extractStyles: PropagationStyle[];
  let extractOrderSource: string | undefined = "styles";
  if (styles !== undefined) {
    injectStyles = extractStyles = parseStyles(styles, "explicit");
  } else {
    const inject = environmentStyles(env, INJECT_STYLE_VARIABLES, DEFAULT_STYLES);
    const extract = environmentStyles(env, EXTRACT_STYLE_VARIABLES, DEFAULT_EXTRACT_STYLES);
    injectStyles = inject.styles;
    extractStyles = extract.styles;
    extractOrderSource = extract.variable;
    warnIfNothingKnown(env, inject.variable, injectStyles, extract.variable, extractStyles);
  }
  if (options === null || typeof options !== "object")
    throw new TypeError(
      `tracehop createPropagator: options must be an object such as { extractFirst: true }, got ${describeValue(options)}`,
    );
  assertKnownOptions(
    options,
    ["tagsMaxLength", "extractFirst", "extractBehavior"],
    "tracehop createPropagator",
  );
  if (options.tagsMaxLength !== undefined && !isTagsMaxLength(options.tagsMaxLength))
    throw new TypeError(
      `tracehop createPropagator: ${TAGS_MAX_LENGTH_RULE}, got ${describeValue(options.tagsMaxLength)}`,
    );
  if (options.extractFirst !== undefined && typeof options.extractFirst !== "boolean")
    throw new TypeError(
      `tracehop createPropagator: extractFirst must be true or false, got ${describeValue(options.extractFirst)}`,
    );
  const tagsMaxLength = options.tagsMaxLength ?? tagsMaxLengthFromEnvironment(env[ENV_TAGS_MAX_LENGTH]);
  const extractFirst =
    options.extractFirst ?? extractFirstFromEnvironment(env[ENV_PROPAGATION_EXTRACT_FIRST]);
  const behaviorFromEnvironment = options.extractBehavior === undefined;
  const behavior = behaviorFromEnvironment
    ? extractBehaviorFromEnvironment(env[ENV_PROPAGATION_BEHAVIOR_EXTRACT])
    : parseExtractBehavior(options.extractBehavior);
  const member = (name: PropagationStyle) => styleMember(name, { tagsMaxLength });
  return new MultiStylePropagator(
    injectStyles.map(member),
    extractStyles.map(member),
    extractFirst,
    behavior,
    behaviorFromEnvironment,
    extractOrderSource,
  );
}
