import type { AttributeValue } from "@opentelemetry/api";
import { getStringFromEnv, getStringListFromEnv } from "@opentelemetry/core";
import type { DetectedResourceAttributes, ResourceDetector } from "@opentelemetry/resources";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { describeNotPlain, quoteWritten } from "../describe-value.js";
import { isPlainObject } from "../plain-object.js";
import { warnSetting } from "../warn-once.js";
import { uncleanCharacterNote, withoutUncleanCharacters } from "../clean-text.js";
import { assertCleanText, attributeString, describe } from "./option-checks.js";
import { resources } from "./sdk-modules.js";
import type { StartTracingOptions } from "./tracing-config.js";

/**
 * `deployment.environment.name` (OpenTelemetry semantic conventions 1.27+, incubating): the resource
 * attribute Datadog maps to its `env` tag (unified service tagging).
 */
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = "deployment.environment.name";

/**
 * Code of the process warning for an OTEL_RESOURCE_ATTRIBUTES that does not parse: the SDK discards it
 * whole (see {@link resourceAttributesProblem}).
 */
const BAD_RESOURCE_ATTRIBUTES_WARNING = "TRACEHOP_BAD_RESOURCE_ATTRIBUTES";

/** Code of the process warning for an OTEL_NODE_RESOURCE_DETECTORS name that is unknown. */
const UNKNOWN_RESOURCE_DETECTOR_WARNING = "TRACEHOP_UNKNOWN_RESOURCE_DETECTOR";

/**
 * Code of the process warning for a setting of the environment (OTEL_SERVICE_NAME, a value of
 * OTEL_RESOURCE_ATTRIBUTES, DD_SERVICE / DD_ENV / DD_VERSION) holding a control character: exported
 * without it; a key of OTEL_RESOURCE_ATTRIBUTES holding one: the attribute left out.
 */
const CONTROL_CHARACTER_SETTING_WARNING = "TRACEHOP_CONTROL_CHARACTER_SETTING";

/**
 * Code of the process warning for DD_SERVICE, DD_ENV or DD_VERSION set beside the OpenTelemetry setting
 * of the same attribute with another value: the OpenTelemetry one is used.
 */
const DATADOG_SETTING_OVERRIDDEN_WARNING = "TRACEHOP_DATADOG_SETTING_OVERRIDDEN";

/**
 * The Datadog unified service tagging variables DD_ENV and DD_VERSION and the resource attribute each
 * gives when no option and no OpenTelemetry setting does (the Datadog exporter reads
 * `deployment.environment.name`, or `deployment.environment`, as `env` and `service.version` as
 * `version`). `otelKeys`: the OTEL_RESOURCE_ATTRIBUTES keys that give the same tag, first the one
 * tracehop sets.
 */
const DATADOG_SETTINGS = [
  { variable: "DD_ENV", otelKeys: ["deployment.environment.name", "deployment.environment"] },
  { variable: "DD_VERSION", otelKeys: [ATTR_SERVICE_VERSION] },
] as const;

/**
 * `value`, the setting `what` of the environment (`OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES["team"]`), as exported: without its control characters (a CRLF .env file's
 * carriage return, a `%0A`), said once with the fix (`TRACEHOP_CONTROL_CHARACTER_SETTING`), as the
 * same value in code is a TypeError (`assertCleanText`); `value` itself when it holds none.
 */
function cleanSetting(what: string, value: string): string {
  const note = uncleanCharacterNote(value);
  if (note === undefined) return value;
  const clean = withoutUncleanCharacters(value);
  warnSetting(
    `tracehop: ${what} holds a control character: ${note}, got ${quoteWritten(value)}; it is exported without its control characters, as ${quoteWritten(clean)}: remove them from the variable`,
    CONTROL_CHARACTER_SETTING_WARNING,
  );
  return clean;
}

/**
 * A key of OTEL_RESOURCE_ATTRIBUTES holding a control character or a lone surrogate (`te%0Aam`), said
 * once with the fix: the env detector leaves its attribute out ({@link envResourceDetector}).
 */
function warnUncleanKey(key: string): void {
  warnSetting(
    `tracehop: OTEL_RESOURCE_ATTRIBUTES has a key holding a control character: ${uncleanCharacterNote(key)}, ` +
      `got ${quoteWritten(key)}; the attribute is left out (a key is the attribute's name, not changed as a ` +
      `value is): remove the character from the variable`,
    CONTROL_CHARACTER_SETTING_WARNING,
  );
}

/** The one {@link envResourceDetector}, made on first use. */
let cleanEnvDetector: ResourceDetector | undefined;

/**
 * The env detector OTEL_NODE_RESOURCE_DETECTORS's `env` names: the SDK's (OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_SERVICE_NAME), its attributes as tracehop exports a setting of the environment: a string value
 * without its control characters and lone surrogates, and an attribute whose key holds one left out.
 * A key is not cleaned: it is the attribute's name (a cleaned `team\r` would become, or replace,
 * `team`), and the specification reads OTEL_RESOURCE_ATTRIBUTES as W3C Baggage, whose key is a token
 * (RFC 9110), which holds no control character (OpenTelemetry resource SDK specification, "Specifying
 * resource information via an environment variable"). The variable's other attributes are kept: the
 * SDK decodes such a key without an error, and discarding the whole value is the rule for an error.
 * What is left out or cleaned is said by {@link resolveResourceAttributes}
 * (`TRACEHOP_CONTROL_CHARACTER_SETTING`).
 */
export function envResourceDetector(): ResourceDetector {
  return (cleanEnvDetector ??= {
    detect(config) {
      const detected = resources().envDetector.detect(config);
      const attributes: DetectedResourceAttributes = {};
      for (const [key, value] of Object.entries(detected.attributes ?? {})) {
        if (uncleanCharacterNote(key) !== undefined) continue;
        attributes[key] = typeof value === "string" ? withoutUncleanCharacters(value) : value;
      }
      return { ...detected, attributes };
    },
  });
}

/** Detector names of OTEL_NODE_RESOURCE_DETECTORS (as @opentelemetry/sdk-node reads them). */
function detectorsByName(): Readonly<Record<string, ResourceDetector>> {
  const { hostDetector, osDetector, processDetector, serviceInstanceIdDetector } = resources();
  return {
    env: envResourceDetector(),
    host: hostDetector,
    os: osDetector,
    process: processDetector,
    serviceinstance: serviceInstanceIdDetector,
  };
}

/**
 * The resource attributes startTracing sets over what the detectors find: the `resourceAttributes`
 * option, then `service.name` (the `serviceName` option, else the one given there, else
 * OTEL_SERVICE_NAME, else `service.name` of OTEL_RESOURCE_ATTRIBUTES, else DD_SERVICE),
 * `service.version` and `deployment.environment.name` from their options, else from DD_VERSION and
 * DD_ENV when the env detector runs (`envDetectorOn`) and OTEL_RESOURCE_ATTRIBUTES gives neither.
 * Precedence: option > OpenTelemetry variable > Datadog variable ({@link resolveDatadogSettings}).
 * Warns once for an OTEL_RESOURCE_ATTRIBUTES that does not parse, and, when the env detector runs, for
 * each of its keys and values holding a control character.
 * @throws TypeError for a bad option, or when no service name is found (naming what to set).
 */
export function resolveResourceAttributes(
  options: StartTracingOptions,
  envDetectorOn = true,
): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  if (options.resourceAttributes !== undefined) {
    const extra = options.resourceAttributes;
    if (!isPlainObject(extra))
      throw new TypeError(
        `tracehop startTracing: options.resourceAttributes must be a plain object of attribute values, got ${describeNotPlain(extra)}`,
      );
    for (const [key, value] of Object.entries(extra)) {
      if (key === ATTR_SERVICE_NAME && typeof value !== "string")
        throw new TypeError(
          `tracehop startTracing: options.resourceAttributes["${ATTR_SERVICE_NAME}"] must be a string, the service's name, ` +
            `got ${describe(value)}; pass the name there as a string, or as { serviceName: "my-service" }`,
        );
      if (!isAttributeValue(value))
        throw new TypeError(
          `tracehop startTracing: options.resourceAttributes[${quoteWritten(key)}] must be a string, number, boolean or an array of them, got ${describe(value)}`,
        );
      if (key === "")
        throw new TypeError(
          "tracehop startTracing: options.resourceAttributes has an empty key: an attribute needs a name; remove it or name it",
        );
      assertCleanText(`options.resourceAttributes key ${quoteWritten(key)}`, key, true);
      if (typeof value === "string")
        assertCleanText(`options.resourceAttributes[${quoteWritten(key)}]`, value);
      else if (Array.isArray(value))
        value.forEach((element: unknown, index) => {
          if (typeof element === "string")
            assertCleanText(`options.resourceAttributes[${quoteWritten(key)}][${index}]`, element);
        });
      attributes[key] = value;
    }
  }
  const given = attributes[ATTR_SERVICE_NAME] as string | undefined;
  const named = resolveServiceName(options, given);
  const serviceName = named?.value;
  const rawEnvAttributes = getStringFromEnv("OTEL_RESOURCE_ATTRIBUTES");
  const envAttributes =
    rawEnvAttributes === undefined ? undefined : parseResourceAttributes(rawEnvAttributes);
  const envAttributesProblem = envAttributes?.problem;
  // OpenTelemetry resource SDK specification ("Specifying resource information via an environment
  // variable"): on any error in the variable, its entire value is discarded (the SDK says so only
  // through diag.debug).
  const discarded = (what: string) =>
    `OTEL_RESOURCE_ATTRIBUTES is malformed: ${envAttributesProblem}; the whole variable is discarded, ` +
    `${what} (the OpenTelemetry specification discards its entire value on any error)`;
  const howToFix = `key=value pairs separated by commas, with a "," "=" or "%" inside a key or value percent-encoded`;
  if (serviceName === undefined) {
    const empty = emptyServiceNames(given, envAttributes?.entries ?? []);
    if (envAttributesProblem !== undefined)
      throw new TypeError(
        `tracehop startTracing: a service name is required, and ${[...empty, discarded("its service.name included")].join(" and ")}. ` +
          `Fix OTEL_RESOURCE_ATTRIBUTES (${howToFix}), or pass { serviceName: "my-service" } or set OTEL_SERVICE_NAME (or DD_SERVICE)`,
      );
    if (empty.length === 0)
      throw new TypeError(
        'tracehop startTracing: a service name is required: pass { serviceName: "my-service" } or set OTEL_SERVICE_NAME (or DD_SERVICE)',
      );
    // Empty or blank here, DD_SERVICE is one of `empty`: the fix names it too (set it, or unset it).
    const datadogEmpty = process.env.DD_SERVICE !== undefined;
    const otelFix =
      `OTEL_SERVICE_NAME${datadogEmpty && empty.length === 1 ? "" : " to the service's name"} (or ` +
      `service.name=my-service in OTEL_RESOURCE_ATTRIBUTES), or pass { serviceName: "my-service" }`;
    throw new TypeError(
      `tracehop startTracing: a service name is required, and ${empty.join(" and ")}: an empty or blank value ` +
        `names no service. ` +
        (!datadogEmpty
          ? `Set ${otelFix}`
          : empty.length === 1
            ? `Set DD_SERVICE to the service's name, or unset it and set ${otelFix}`
            : `Set ${otelFix}; and give DD_SERVICE the same name, or unset it`),
    );
  }
  if (envAttributesProblem !== undefined)
    warnSetting(
      `tracehop: ${discarded("so the spans' resource has none of its attributes")}; fix it (${howToFix}) or unset it`,
      BAD_RESOURCE_ATTRIBUTES_WARNING,
    );
  const { source } = named!;
  const fromEnv = source !== "option";
  attributes[ATTR_SERVICE_NAME] = fromEnv ? cleanSetting(source, serviceName) : serviceName;
  if (fromEnv && source !== "DD_SERVICE")
    warnDatadogOverridden("DD_SERVICE", source, ATTR_SERVICE_NAME, withoutUncleanCharacters(serviceName));
  // The env detector's values that no option replaces, as it keeps them (the last of a key), cleaned by
  // it (envResourceDetector); said only when it runs: with it off, nothing of OTEL_RESOURCE_ATTRIBUTES
  // is exported.
  const replaced = new Set(Object.keys(attributes));
  if (options.serviceVersion !== undefined) replaced.add(ATTR_SERVICE_VERSION);
  if (options.environment !== undefined) replaced.add(ATTR_DEPLOYMENT_ENVIRONMENT_NAME);
  const lastOfKey = new Map((envAttributes?.entries ?? []).map((entry) => [entry.key, entry.value]));
  if (envDetectorOn) {
    for (const [key, value] of lastOfKey)
      if (uncleanCharacterNote(key) !== undefined) warnUncleanKey(key);
      else if (!replaced.has(key) && uncleanCharacterNote(value) !== undefined)
        cleanSetting(`OTEL_RESOURCE_ATTRIBUTES[${quoteWritten(key)}]`, value);
    resolveDatadogSettings(attributes, replaced, lastOfKey);
  }
  if (options.serviceVersion !== undefined)
    attributes[ATTR_SERVICE_VERSION] = attributeString("serviceVersion", options.serviceVersion);
  if (options.environment !== undefined)
    attributes[ATTR_DEPLOYMENT_ENVIRONMENT_NAME] = attributeString("environment", options.environment);
  return attributes;
}

/**
 * DD_ENV and DD_VERSION into `attributes` (as `deployment.environment.name`, `service.version`), each
 * unless an option gives its attribute (`replaced`) or OTEL_RESOURCE_ATTRIBUTES does (`envValues`, the
 * last value of each key, as the env detector keeps it; `deployment.environment` counts for the
 * environment: Datadog reads either as `env`, and both would give two). An empty or blank one is unset.
 * Its control characters are left out, said (`TRACEHOP_CONTROL_CHARACTER_SETTING`), as for the
 * OpenTelemetry variables. Set beside the OpenTelemetry setting with another value: that one wins, said
 * once (`TRACEHOP_DATADOG_SETTING_OVERRIDDEN`).
 *
 * Precedence (DD_SERVICE's the same, in `resolveServiceName`): an option, then the OpenTelemetry
 * setting, then the Datadog variable (docs/export.md, "`startTracing(options)`"). The other order is
 * Datadog's SDKs' own: Datadog, "OpenTelemetry Environment Variables Interoperability", describes how
 * Datadog SDKs resolve these attributes, the Datadog variable first, and asks not to set both for one
 * concept; dd-trace-js reads OTEL_SERVICE_NAME only as an alias of DD_SERVICE, used only when
 * DD_SERVICE is unset (`packages/dd-trace/src/config/supported-configurations.json`), and logs "Conflicting DD_SERVICE and
 * OTEL_SERVICE_NAME environment variables are set" (`config/index.js`, `warnWrongOtelSettings`). No
 * OpenTelemetry SDK reads DD_* at all (OpenTelemetry SDK environment variables: OTEL_SERVICE_NAME, then
 * `service.name` of OTEL_RESOURCE_ATTRIBUTES). tracehop is an OpenTelemetry SDK and reads a DD_* variable
 * only for what the OTEL_* settings leave unset: a deployment that moved off dd-trace with DD_SERVICE
 * alone keeps its service name, and one that also sets OTEL_SERVICE_NAME (written for the OpenTelemetry
 * SDK, where DD_SERVICE may be injected unseen from pod labels by Datadog's admission controller) gets
 * the name it wrote, with the warning naming what dd-trace would have taken and the fix.
 */
function resolveDatadogSettings(
  attributes: Record<string, AttributeValue>,
  replaced: ReadonlySet<string>,
  envValues: ReadonlyMap<string, string>,
): void {
  for (const { variable, otelKeys } of DATADOG_SETTINGS) {
    const value = nonBlank(process.env[variable]);
    if (value === undefined || otelKeys.some((key) => replaced.has(key))) continue;
    const otelKey = otelKeys.find((key) => nonBlank(envValues.get(key)) !== undefined);
    if (otelKey === undefined) attributes[otelKeys[0]] = cleanSetting(variable, value);
    else
      warnDatadogOverridden(
        variable,
        `OTEL_RESOURCE_ATTRIBUTES[${quoteWritten(otelKey)}]`,
        otelKey,
        withoutUncleanCharacters(envValues.get(otelKey)!),
      );
  }
}

/**
 * The pod label of each Datadog variable that Datadog's Kubernetes admission controller injects it from
 * (Datadog, "Admission Controller": it injects the standard tags env, service and version from the
 * application's labels into its environment; "Unified Service Tagging", Kubernetes: the labels
 * `tags.datadoghq.com/env`, `/service`, `/version`): a user may get the variable without writing it.
 */
const DATADOG_POD_LABELS: Readonly<Record<string, string>> = {
  DD_SERVICE: "tags.datadoghq.com/service",
  DD_ENV: "tags.datadoghq.com/env",
  DD_VERSION: "tags.datadoghq.com/version",
};

/**
 * The Datadog variable `variable` (DD_SERVICE, DD_ENV, DD_VERSION) set beside the OpenTelemetry setting
 * `setting` that gives the attribute `key` the value `used`, with another value: said once
 * (`TRACEHOP_DATADOG_SETTING_OVERRIDDEN`), naming what wins and the fix: first to give both the same
 * value (the variable may not be the user's to remove: Datadog's Kubernetes admission controller injects
 * DD_* from the pod's labels), then which one to remove: the OpenTelemetry setting, to take the Datadog
 * value, or the Datadog variable (its pod label, where the admission controller sets it). Nothing when
 * it is unset, blank or the same once cleaned.
 */
function warnDatadogOverridden(variable: string, setting: string, key: string, used: string): void {
  const value = nonBlank(process.env[variable]);
  if (value === undefined || withoutUncleanCharacters(value) === used) return;
  const inAttributes = setting.startsWith("OTEL_RESOURCE_ATTRIBUTES");
  const winner = inAttributes ? "OTEL_RESOURCE_ATTRIBUTES" : setting;
  const removeOtel = inAttributes ? `${key} from OTEL_RESOURCE_ATTRIBUTES` : setting;
  warnSetting(
    `tracehop: ${variable}=${quoteWritten(value)} and ${setting}=${quoteWritten(used)} differ; ${winner} wins, ` +
      `so ${key} is ${quoteWritten(used)} (Datadog's tracer, dd-trace, would take ${variable}): give both the ` +
      `same value, or remove one: ${removeOtel}, to take ${variable}'s value, or ${variable} (where Datadog's ` +
      `Kubernetes admission controller injects it: the pod label ${DATADOG_POD_LABELS[variable]})`,
    DATADOG_SETTING_OVERRIDDEN_WARNING,
  );
}

/** Longest key or value the SDK's env detector takes from OTEL_RESOURCE_ATTRIBUTES (255 characters). */
const MAX_ENV_ATTRIBUTE_LENGTH = 255;

/** One entry of an OTEL_RESOURCE_ATTRIBUTES value that parses: as written (`entry`), and decoded. */
interface EnvAttributeEntry {
  /** The entry as written, between its commas. */
  entry: string;
  /** Its key and value, trimmed and percent-decoded. */
  key: string;
  value: string;
}

/**
 * `raw` (an OTEL_RESOURCE_ATTRIBUTES value) read as the SDK's env detector reads it: its `entries` in
 * order, or, when the detector discards it whole, the `problem`, as the end of a sentence (`"foo" is not
 * key=value ...`). Its rules (@opentelemetry/resources, EnvDetector `_parseResourceAttributes`, after the
 * OpenTelemetry resource SDK specification, "Specifying resource information via an environment
 * variable"): comma-separated `key=value` entries (blank ones skipped), a "," or "=" inside a key or
 * value percent-encoded, a key not empty once trimmed, both percent-decodable (`decodeURIComponent`)
 * and at most 255 characters decoded. On any error the SDK discards the entire value, saying so only
 * through `diag.debug`.
 */
function parseResourceAttributes(
  raw: string,
): { entries: EnvAttributeEntry[]; problem?: undefined } | { entries?: undefined; problem: string } {
  const entries: EnvAttributeEntry[] = [];
  for (const entry of raw.split(",")) {
    if (entry.trim() === "") continue;
    const parts = entry.split("=");
    if (parts.length !== 2)
      return {
        problem:
          `${quoteWritten(entry)} is not key=value (a "," or "=" inside a key or value must be ` +
          `percent-encoded: %2C, %3D)`,
      };
    const [key, value] = parts.map((part) => part.trim()) as [string, string];
    if (key === "") return { problem: `${quoteWritten(entry)} has an empty key` };
    let decodedKey: string;
    let decodedValue: string;
    try {
      decodedKey = decodeURIComponent(key);
      decodedValue = decodeURIComponent(value);
    } catch {
      return {
        problem:
          `${quoteWritten(entry)} is not valid percent-encoding (a "%" must start a %XX escape of ` +
          `UTF-8 bytes; a literal "%" is %25)`,
      };
    }
    if (decodedKey.length > MAX_ENV_ATTRIBUTE_LENGTH)
      return {
        problem: `the key ${quoteWritten(decodedKey)} is longer than ${MAX_ENV_ATTRIBUTE_LENGTH} characters`,
      };
    if (decodedValue.length > MAX_ENV_ATTRIBUTE_LENGTH)
      return {
        problem: `the value of ${quoteWritten(decodedKey)} is longer than ${MAX_ENV_ATTRIBUTE_LENGTH} characters`,
      };
    entries.push({ entry, key: decodedKey, value: decodedValue });
  }
  return { entries };
}

/**
 * Why the SDK's env detector discards `raw` (an OTEL_RESOURCE_ATTRIBUTES value) whole, or `undefined`
 * when it parses ({@link parseResourceAttributes}). test/tracing/tracing-config.test.ts compares this
 * with the SDK's detector.
 */
export function resourceAttributesProblem(raw: string): string | undefined {
  return parseResourceAttributes(raw).problem;
}

/**
 * Where the service name came from: an option (`serviceName`, or `service.name` of `resourceAttributes`),
 * or the setting of the environment that gave it, as the warnings name it.
 */
type ServiceNameSource =
  "option" | "OTEL_SERVICE_NAME" | `OTEL_RESOURCE_ATTRIBUTES["${typeof ATTR_SERVICE_NAME}"]` | "DD_SERVICE";

/**
 * The service name and where it came from, in one pass of the precedence chain (docs/export.md,
 * "startTracing(options)"): the `serviceName` option (checked: a TypeError for one that is not a
 * string, empty or blank), else `given` (`service.name` of the `resourceAttributes` option, a string)
 * unless blank, else OTEL_SERVICE_NAME, else `service.name` of OTEL_RESOURCE_ATTRIBUTES (both as the
 * SDK's own env detector reads them: OTEL_SERVICE_NAME wins, a blank one is unset), else DD_SERVICE; a
 * blank value names no service (`service.name=%20`, as a blank OTEL_SERVICE_NAME, which the detector
 * reads as unset, and a blank `serviceName` option, which is refused). `undefined` when none names one.
 * The value is as found: a setting's control characters are left out by the caller, which says so.
 */
function resolveServiceName(
  options: StartTracingOptions,
  given: string | undefined,
): { value: string; source: ServiceNameSource } | undefined {
  if (options.serviceName !== undefined)
    return { value: attributeString("serviceName", options.serviceName), source: "option" };
  if (nonBlank(given) !== undefined) return { value: given!, source: "option" };
  const fromEnv = resources().envDetector.detect().attributes?.[ATTR_SERVICE_NAME];
  if (typeof fromEnv === "string" && fromEnv.trim() !== "")
    return {
      value: fromEnv,
      // The detector takes OTEL_SERVICE_NAME when it is set and not blank (getStringFromEnv), else the
      // service.name of OTEL_RESOURCE_ATTRIBUTES.
      source:
        nonBlank(process.env.OTEL_SERVICE_NAME) !== undefined
          ? "OTEL_SERVICE_NAME"
          : `OTEL_RESOURCE_ATTRIBUTES["${ATTR_SERVICE_NAME}"]`,
    };
  const fromDatadog = nonBlank(process.env.DD_SERVICE);
  return fromDatadog === undefined ? undefined : { value: fromDatadog, source: "DD_SERVICE" };
}

/**
 * When no service name is found: each setting that gives one, but empty or blank, as the middle of
 * the error's sentence (`OTEL_SERVICE_NAME is empty ("")`), so that the error names the setting to
 * fix instead of asking for one that is set (in the order they are read: DD_SERVICE last). `given`: `service.name` of the `resourceAttributes`
 * option (a string, checked); `envEntries`: those of OTEL_RESOURCE_ATTRIBUTES (none when it is unset
 * or does not parse).
 */
function emptyServiceNames(given: string | undefined, envEntries: readonly EnvAttributeEntry[]): string[] {
  const empty: string[] = [];
  if (given !== undefined)
    empty.push(
      `options.resourceAttributes["${ATTR_SERVICE_NAME}"] is ${describe(given)}, not a service name`,
    );
  const fromServiceName = process.env.OTEL_SERVICE_NAME;
  if (fromServiceName !== undefined)
    empty.push(
      `OTEL_SERVICE_NAME is ${fromServiceName === "" ? "empty" : "blank"} (${quoteWritten(fromServiceName)})`,
    );
  // The last service.name entry, as the SDK's env detector keeps the last one.
  const entry = envEntries.findLast((candidate) => candidate.key === ATTR_SERVICE_NAME);
  if (entry !== undefined)
    empty.push(
      `OTEL_RESOURCE_ATTRIBUTES gives service.name ${entry.value === "" ? "an empty" : "a blank"} value (${quoteWritten(entry.entry.trim())})`,
    );
  const fromDatadog = process.env.DD_SERVICE;
  if (fromDatadog !== undefined)
    empty.push(`DD_SERVICE is ${fromDatadog === "" ? "empty" : "blank"} (${quoteWritten(fromDatadog)})`);
  return empty;
}

/**
 * The resource detectors OTEL_NODE_RESOURCE_DETECTORS names (any case; `all`, `none`), as
 * @opentelemetry/sdk-node reads it; unset: env, process and host. An unknown name is left out with a
 * warning (`TRACEHOP_UNKNOWN_RESOURCE_DETECTOR`, once per process).
 */
export function detectorsFromEnv(): ResourceDetector[] {
  const names = getStringListFromEnv("OTEL_NODE_RESOURCE_DETECTORS");
  const byName = detectorsByName();
  if (names === undefined) return [byName.env!, byName.process!, byName.host!];
  // Any case, as the enum values of the OpenTelemetry variables (`Host` is host).
  const lower = names.map((name) => name.toLowerCase());
  if (lower.includes("none")) return [];
  if (lower.includes("all")) return Object.values(byName);
  const detectors: ResourceDetector[] = [];
  for (const name of names) {
    const detector = byName[name.toLowerCase()];
    if (detector) detectors.push(detector);
    else
      warnSetting(
        `tracehop: OTEL_NODE_RESOURCE_DETECTORS value ${quoteWritten(name)} is unknown (known: ` +
          `${Object.keys(byName).join(", ")}, all, none); ignored, the spans' resource lacks what it ` +
          `would add`,
        UNKNOWN_RESOURCE_DETECTOR_WARNING,
      );
  }
  return detectors;
}

function isAttributeValue(value: unknown): value is AttributeValue {
  const scalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  return scalar(value) || (Array.isArray(value) && value.every((v) => v == null || scalar(v)));
}

/** `value` unless it is empty or blank, which names no service. */
function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}
