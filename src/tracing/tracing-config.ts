import { isBaggageToken } from "../propagation/w3c/baggage.js";
import { diag, type AttributeValue, type TextMapPropagator } from "@opentelemetry/api";
import { describeValue, isPlainObject } from "../describe-value.js";
import { assertKnownOptions, firstUnknownKey } from "../known-options.js";
import { getBooleanFromEnv, getStringFromEnv, getStringListFromEnv } from "@opentelemetry/core";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import type { ResourceDetector } from "@opentelemetry/resources";
import type { BufferConfig, Sampler } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { resources, sdkTraceBase } from "./sdk-modules.js";
import { spansFileProblem } from "./file-exporter.js";
import { oneLine } from "./error-text.js";
import { emitSettingWarningOnce, warnOnce } from "../warn-once.js";

/**
 * `deployment.environment.name` (OpenTelemetry semantic conventions 1.27+, incubating): the resource
 * attribute Datadog maps to its `env` tag (unified service tagging).
 */
export const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = "deployment.environment.name";

/** Environment variable naming the spans file when `spansFile` is not given. */
export const SPANS_FILE_ENV = "TRACEHOP_SPANS_FILE";

/**
 * Code of a spans file path that cannot be a spans file: the process warning's code for
 * TRACEHOP_SPANS_FILE (the default then applies), and the `code` of the Error `startTracing` throws
 * for `options.spansFile`.
 */
export const BAD_SPANS_FILE_WARNING = "TRACEHOP_BAD_SPANS_FILE";

/** Code of the process warning for an OTEL_TRACES_EXPORTER value startTracing does not support. */
export const UNSUPPORTED_TRACES_EXPORTER_WARNING = "TRACEHOP_UNSUPPORTED_TRACES_EXPORTER";
/** Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL other than http/json. */
export const UNSUPPORTED_OTLP_PROTOCOL_WARNING = "TRACEHOP_UNSUPPORTED_OTLP_PROTOCOL";
/** Code of the process warning for an OTEL_TRACES_SAMPLER value the NodeSDK does not know. */
export const UNKNOWN_SAMPLER_WARNING = "TRACEHOP_UNKNOWN_SAMPLER";
/** Code of the process warning for an OTEL_TRACES_SAMPLER_ARG that is not a ratio from 0 to 1. */
export const BAD_SAMPLER_ARG_WARNING = "TRACEHOP_BAD_SAMPLER_ARG";
/** Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT that is not a positive number. */
export const BAD_EXPORT_TIMEOUT_WARNING = "TRACEHOP_BAD_EXPORT_TIMEOUT";
/**
 * Code of the process warning for an OTEL_BSP_SCHEDULE_DELAY or OTEL_BSP_EXPORT_TIMEOUT that is not a
 * number of milliseconds a timer can wait ({@link MAX_TIMER_MILLIS} at most), an
 * OTEL_BSP_MAX_QUEUE_SIZE or OTEL_BSP_MAX_EXPORT_BATCH_SIZE that is not a whole number from 1 to
 * {@link MAX_BATCH_SIZE}, or an OTEL_BSP_MAX_EXPORT_BATCH_SIZE above the queue size (lowered to it).
 */
export const BAD_BATCH_SETTING_WARNING = "TRACEHOP_BAD_BATCH_SETTING";
/**
 * Code of the process warning for an OTEL_RESOURCE_ATTRIBUTES that does not parse: the SDK discards it
 * whole (see {@link resourceAttributesProblem}).
 */
export const BAD_RESOURCE_ATTRIBUTES_WARNING = "TRACEHOP_BAD_RESOURCE_ATTRIBUTES";
/** Code of the process warning for an OTEL_NODE_RESOURCE_DETECTORS name that is unknown. */
export const UNKNOWN_RESOURCE_DETECTOR_WARNING = "TRACEHOP_UNKNOWN_RESOURCE_DETECTOR";
/**
 * Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_HEADERS entry the OTLP exporter drops
 * (not `name=value`, an empty name or value, a bad `%` escape).
 */
export const BAD_OTLP_HEADERS_WARNING = "TRACEHOP_BAD_OTLP_HEADERS";
/** Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_COMPRESSION other than gzip or none. */
export const BAD_OTLP_COMPRESSION_WARNING = "TRACEHOP_BAD_OTLP_COMPRESSION";
/**
 * Code of the process warning for an OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE, _CLIENT_KEY or
 * _CLIENT_CERTIFICATE naming a file that cannot be read.
 */
export const UNREADABLE_OTLP_TLS_FILE_WARNING = "TRACEHOP_UNREADABLE_OTLP_TLS_FILE";
/**
 * Code of the process warning for an OTEL_EXPORTER_OTLP_ENDPOINT whose path already ends with
 * `/v1/traces` (the exporter appends it again).
 */
export const OTLP_ENDPOINT_TRACES_PATH_WARNING = "TRACEHOP_OTLP_ENDPOINT_TRACES_PATH";
/** Code of the process warning for an OTEL_SDK_DISABLED that is neither true nor false. */
export const BAD_SDK_DISABLED_WARNING = "TRACEHOP_BAD_SDK_DISABLED";

/** Spans file used when neither a file nor any exporter is configured (nor OTEL_TRACES_EXPORTER=none). */
export const DEFAULT_SPANS_FILE = ".tracehop/spans.jsonl";

/**
 * The longest wait, in milliseconds, of every millisecond option and variable startTracing hands to a
 * timer: 2^31 - 1 (about 24.8 days), the largest delay Node's `setTimeout` takes. Node turns a larger
 * one into 1 ms (with a `TimeoutOverflowWarning`): a `shutdownTimeoutMillis` of 3e9 would give up on
 * the final export at once and lose the pending spans.
 */
export const MAX_TIMER_MILLIS = 2_147_483_647;

/** Upper bound of `shutdown()` in milliseconds when `shutdownTimeoutMillis` is not given. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 5000;

/**
 * Timeout of one OTLP/HTTP request in milliseconds when neither `exportTimeoutMillis` nor
 * OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT is set (the OTLP exporter specification's default).
 */
export const DEFAULT_EXPORT_TIMEOUT_MILLIS = 10_000;

/** Path of the traces signal appended to a base endpoint (OTLP/HTTP specification, "OTLP/HTTP Request"). */
const OTLP_TRACES_PATH = "/v1/traces";

/** Options of `startTracing`. Every field is optional; each one's default is given beside it. */
export interface StartTracingOptions {
  /**
   * `service.name` (Datadog `service`). Default: OTEL_SERVICE_NAME, else `service.name` in
   * OTEL_RESOURCE_ATTRIBUTES. One of the three is required. An OTEL_RESOURCE_ATTRIBUTES that does not
   * parse gives nothing (the SDK discards it whole, as the OpenTelemetry specification asks): the
   * error then names it and what is wrong with it, and when the name comes from elsewhere it is a
   * warning (`TRACEHOP_BAD_RESOURCE_ATTRIBUTES`). An empty or blank value names no service, wherever
   * it is given (an empty variable is unset, as the OpenTelemetry specification reads it: the other
   * setting applies); when none is left, the error names each empty one
   * (`OTEL_RESOURCE_ATTRIBUTES gives service.name an empty value ("service.name=")`), beside an
   * OTEL_RESOURCE_ATTRIBUTES that does not parse too. A `service.name` in `resourceAttributes` that is
   * not a string (`42`) is a TypeError, even when another setting names the service.
   */
  serviceName?: string;
  /** `service.version` (Datadog `version`). Default: from OTEL_RESOURCE_ATTRIBUTES, else none. */
  serviceVersion?: string;
  /** `deployment.environment.name` (Datadog `env`). Default: from OTEL_RESOURCE_ATTRIBUTES, else none. */
  environment?: string;
  /** More resource attributes. They override detected ones; the three fields above override them. */
  resourceAttributes?: Record<string, AttributeValue>;
  /**
   * Path of an OTLP JSON-lines spans file to append to (one ExportTraceServiceRequest per line), or
   * `false` for none; relative to the working directory; missing folders are created. Default:
   * TRACEHOP_SPANS_FILE; else, when no exporter is configured at all, `.tracehop/spans.jsonl` — but
   * not under OTEL_TRACES_EXPORTER=none, which asks for no exporter (a file named here or by
   * TRACEHOP_SPANS_FILE is still written: it was asked for by name).
   * Checked at start (unless OTEL_SDK_DISABLED): a path that is a folder, lies under a regular file,
   * or cannot be opened for appending or created (its missing folders are made at start, one level at
   * a time, and removed again: a folder `mkdir` refuses, as under `/proc`, is found then) makes
   * `startTracing` throw an Error saying what to fix; a TRACEHOP_SPANS_FILE such as that is ignored
   * instead (the default applies, as if it were unset) with a warning (`diag.warn` and the process
   * warning `TRACEHOP_BAD_SPANS_FILE`, once per value): an environment setting must not stop a service
   * from starting. A write that fails later (disk full, folder removed) never reaches the application:
   * it is said once per path (`TRACEHOP_SPANS_FILE_UNWRITABLE`) and those spans are lost.
   */
  spansFile?: string | false;
  /**
   * Base URL of an OTLP/HTTP receiver, e.g. `http://127.0.0.1:4318`; `/v1/traces` is appended unless
   * the path already ends with it. Overrides OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT. Default: OTLP
   * export is on when OTEL_TRACES_EXPORTER names `otlp` or, with OTEL_TRACES_EXPORTER unset, when
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set.
   */
  otlpEndpoint?: string;
  /**
   * Timeout of one OTLP/HTTP request (retries included) in milliseconds. Default:
   * OTEL_EXPORTER_OTLP_TRACES_TIMEOUT / OTEL_EXPORTER_OTLP_TIMEOUT, else 10000. Never more than
   * `shutdownTimeoutMillis`, so no request outlives a shutdown by more than that bound. From 1 to
   * 2147483647 (2^31 - 1, Node's timer limit); a variable outside that is ignored with
   * a warning (`TRACEHOP_BAD_EXPORT_TIMEOUT`).
   */
  exportTimeoutMillis?: number;
  /**
   * Queue and batch limits of each BatchSpanProcessor (memory bound: at most `maxQueueSize` ended
   * spans wait per exporter; more are dropped). Default: OTEL_BSP_* variables, else the SDK's
   * 2048 / 512 / 5000 ms. `scheduledDelayMillis` is from 0 to 2147483647 (2^31 - 1,
   * Node's timer limit); the sizes are whole numbers from 1 to 9007199254740991 (2^53 - 1). An
   * OTEL_BSP_SCHEDULE_DELAY or OTEL_BSP_EXPORT_TIMEOUT outside its range, or an OTEL_BSP_MAX_QUEUE_SIZE
   * or OTEL_BSP_MAX_EXPORT_BATCH_SIZE not a whole number in that range (read as the SDK reads it:
   * `0x10` is 16, `1e3` is 1000), is ignored with a warning (`TRACEHOP_BAD_BATCH_SETTING`; the SDK's
   * default applies). The export batch size must not exceed the queue size, each taken from its
   * option, else its variable, else the default: a `maxExportBatchSize` above the queue size, or a
   * `maxQueueSize` below OTEL_BSP_MAX_EXPORT_BATCH_SIZE, is a RangeError naming both and where each
   * comes from; an OTEL_BSP_MAX_EXPORT_BATCH_SIZE above the queue size is lowered to it, as the SDK
   * does, with a warning (`TRACEHOP_BAD_BATCH_SETTING`); the default 512 above a smaller queue size is
   * lowered to it. A name other than these three throws, as an unknown option does.
   */
  batch?: Pick<BufferConfig, "maxQueueSize" | "maxExportBatchSize" | "scheduledDelayMillis">;
  /** The text-map propagator. Default: tracehop's `createPropagator()`. */
  propagator?: TextMapPropagator;
  /**
   * Default: OTEL_TRACES_SAMPLER (+ _ARG; the name in any case) when set, else ParentBased(root:
   * AlwaysOn). Either way a Datadog Synthetics root (parent id 0) follows its sampling priority
   * (`RestoredRootSampler`).
   */
  sampler?: Sampler;
  /**
   * Instrumentations registered by the NodeSDK (e.g. `new HttpInstrumentation()`). Default: none.
   * `shutdown()` disables them; a later `startTracing` in the same process needs the same instances
   * (a new one cannot patch a module already loaded: `TRACEHOP_INSTRUMENTATION_NOT_APPLIED`).
   */
  instrumentations?: (Instrumentation | Instrumentation[])[];
  /**
   * Upper bound of `shutdown()` in milliseconds (default 5000), from 1 to 2147483647
   * (2^31 - 1, Node's timer limit): spans still pending then are dropped.
   */
  shutdownTimeoutMillis?: number;
}

/** What `startTracing` builds, after validation and environment look-ups. */
export interface TracingConfig {
  /** Attributes that override detected ones (service name always included). */
  resourceAttributes: Record<string, AttributeValue>;
  /** Resource detectors to run (OTEL_NODE_RESOURCE_DETECTORS, default env, process, host). */
  detectors: ResourceDetector[];
  /** Absolute path of the spans file, if any. */
  spansFile: string | undefined;
  /**
   * OTLP/HTTP export; `url` undefined means the exporter reads OTEL_EXPORTER_OTLP_* itself.
   * `destination`: the URL spans are sent to either way, for messages.
   */
  otlp: { url: string | undefined; destination: string; timeoutMillis: number } | undefined;
  /** OTEL_TRACES_EXPORTER names `console`. */
  console: boolean;
  /** The `sampler` option (checked); {@link resolveSampler} gives the one to use. */
  sampler: Sampler | undefined;
  /**
   * The `batch` option (checked), with each OTEL_BSP_* variable out of its range replaced by the SDK's
   * default, and `maxExportBatchSize` lowered to the queue size where the SDK would lower it.
   */
  batch: NonNullable<StartTracingOptions["batch"]> & { exportTimeoutMillis?: number };
  shutdownTimeoutMillis: number;
  /**
   * OTEL_SDK_DISABLED is true (as the NodeSDK reads it): nothing is started, and the given
   * instrumentations are disabled.
   */
  sdkDisabled: boolean;
}

/** Detector names of OTEL_NODE_RESOURCE_DETECTORS (as @opentelemetry/sdk-node reads them). */
function detectorsByName(): Readonly<Record<string, ResourceDetector>> {
  const { envDetector, hostDetector, osDetector, processDetector, serviceInstanceIdDetector } = resources();
  return {
    env: envDetector,
    host: hostDetector,
    os: osDetector,
    process: processDetector,
    serviceinstance: serviceInstanceIdDetector,
  };
}

/** The names of {@link StartTracingOptions}. */
const START_TRACING_OPTION_NAMES: readonly string[] = [
  "serviceName",
  "serviceVersion",
  "environment",
  "resourceAttributes",
  "spansFile",
  "otlpEndpoint",
  "exportTimeoutMillis",
  "batch",
  "propagator",
  "sampler",
  "instrumentations",
  "shutdownTimeoutMillis",
];

/**
 * Validates `startTracing` options and reads the standard OTEL_* environment variables.
 *
 * Precedence, highest first: the named options (`serviceName`, `serviceVersion`, `environment`),
 * `resourceAttributes`, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (OpenTelemetry SDK environment
 * variable specification: OTEL_SERVICE_NAME wins over a `service.name` in OTEL_RESOURCE_ATTRIBUTES).
 *
 * @throws TypeError or RangeError, message starting with `startTracing:`, naming the option or
 *   environment variable to fix; Error for an `options.spansFile` that cannot be a spans file (see
 *   {@link StartTracingOptions.spansFile}), with `code` {@link BAD_SPANS_FILE_WARNING}
 *   (`TRACEHOP_BAD_SPANS_FILE`), `path` (absolute) and `reason` (the end of a sentence that starts with
 *   the path: `is a folder, not a file`), for a caller that names its own setting.
 */
export function resolveTracingConfig(options: StartTracingOptions | undefined): TracingConfig {
  if (options === undefined) options = {};
  if (options === null || typeof options !== "object" || Array.isArray(options))
    throw new TypeError(`startTracing: options must be an object (got ${describe(options)})`);
  assertKnownOptions(options, START_TRACING_OPTION_NAMES, "startTracing");

  const shutdownTimeoutMillis =
    optionalMillis("shutdownTimeoutMillis", options.shutdownTimeoutMillis, 1) ??
    DEFAULT_SHUTDOWN_TIMEOUT_MILLIS;
  const resourceAttributes = resolveResourceAttributes(options);
  const otlpRequested = options.otlpEndpoint !== undefined;
  const otlpUrl = otlpRequested ? tracesUrl("options.otlpEndpoint", options.otlpEndpoint) : undefined;
  // Enum values, read case-insensitively (OpenTelemetry environment variable specification, "Enum");
  // warnings quote them as written.
  const exportersAsWritten = getStringListFromEnv("OTEL_TRACES_EXPORTER") ?? [];
  const exporters = exportersAsWritten.map((name) => name.toLowerCase());
  const otlpOn = otlpRequested || otlpEnabledByEnv(exporters);
  let otlp: TracingConfig["otlp"];
  if (otlpOn) {
    if (!otlpRequested) {
      checkEndpointEnv();
      checkBaseEndpointPath();
    }
    checkProtocolEnv();
    checkHeadersEnv();
    checkCompressionEnv();
    checkTlsFilesEnv();
    const requested =
      optionalMillis("exportTimeoutMillis", options.exportTimeoutMillis, 1) ?? exportTimeoutFromEnv();
    otlp = {
      url: otlpUrl,
      destination: otlpUrl ?? otlpUrlFromEnv(),
      timeoutMillis: Math.min(requested, shutdownTimeoutMillis),
    };
  } else if (options.exportTimeoutMillis !== undefined) {
    optionalMillis("exportTimeoutMillis", options.exportTimeoutMillis, 1);
  }
  const consoleOn = !exporters.includes("none") && exporters.includes("console");

  const sdkDisabled = getBooleanFromEnv("OTEL_SDK_DISABLED");
  if (!sdkDisabled) checkSdkDisabledEnv();
  // OTEL_TRACES_EXPORTER=none: "No automatically configured exporter for traces" (OpenTelemetry
  // environment variable specification, "Exporter Selection"): not the default spans file either. A
  // spans file named by `spansFile` or TRACEHOP_SPANS_FILE is still written: it was asked for by name.
  const defaultSpansFile = otlp || consoleOn || exporters.includes("none") ? undefined : DEFAULT_SPANS_FILE;
  let spansFile: string | undefined;
  if (options.spansFile === false) spansFile = undefined;
  else if (options.spansFile !== undefined) {
    spansFile = nonEmptyString("spansFile", options.spansFile);
    // Nothing is written under OTEL_SDK_DISABLED: nothing to check.
    const absolute = resolvePath(spansFile);
    const problem = sdkDisabled ? undefined : spansFileProblem(absolute);
    if (problem !== undefined)
      throw Object.assign(
        new Error(
          `startTracing: options.spansFile ${JSON.stringify(spansFile)} ${problem}: every span would be lost. ` +
            `Pass the path of a file in a writable folder (missing folders are created), or spansFile: false for no spans file`,
        ),
        { code: BAD_SPANS_FILE_WARNING, path: absolute, reason: problem },
      );
  } else {
    spansFile = getStringFromEnv(SPANS_FILE_ENV);
    const problem =
      spansFile === undefined || sdkDisabled ? undefined : spansFileProblem(resolvePath(spansFile));
    if (problem !== undefined) {
      // A setting of the deployment, not a mistake in the code: the process starts (as with a bad
      // DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH), with the default and a warning that says what to fix.
      const message =
        `tracehop: ${SPANS_FILE_ENV}=${JSON.stringify(spansFile)} ${problem} (ignored: ` +
        (defaultSpansFile === undefined
          ? "no spans file is written"
          : `the default, ${DEFAULT_SPANS_FILE}, is written instead`) +
        `); set it to a file in a writable folder, or unset it`;
      diag.warn(message);
      emitSettingWarningOnce(message, BAD_SPANS_FILE_WARNING);
      spansFile = undefined;
    }
    spansFile ??= defaultSpansFile;
  }
  warnUnsupportedExporters(exportersAsWritten, {
    otlp: otlp !== undefined,
    console: consoleOn,
    spansFile,
  });

  if (options.sampler !== undefined) requireMethods("sampler", options.sampler, ["shouldSample"]);
  if (options.propagator !== undefined)
    requireMethods("propagator", options.propagator, ["inject", "extract", "fields"]);
  if (options.instrumentations !== undefined) {
    if (!Array.isArray(options.instrumentations))
      throw new TypeError(
        `startTracing: options.instrumentations must be an array of instrumentations (got ${describe(options.instrumentations)})`,
      );
    // What the NodeSDK calls on each (registerInstrumentations), checked before anything starts.
    options.instrumentations.forEach((instrumentation, index) =>
      requireMethods(`instrumentations[${index}]`, instrumentation, [
        "setTracerProvider",
        "enable",
        "disable",
      ]),
    );
  }

  return {
    resourceAttributes,
    detectors: detectorsFromEnv(),
    spansFile: spansFile === undefined ? undefined : resolvePath(spansFile),
    otlp,
    console: consoleOn,
    sampler: options.sampler,
    batch: resolveBatch(options.batch, sdkDisabled),
    shutdownTimeoutMillis,
    sdkDisabled,
  };
}

function resolveResourceAttributes(options: StartTracingOptions): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  if (options.resourceAttributes !== undefined) {
    const extra = options.resourceAttributes;
    if (!isPlainObject(extra))
      throw new TypeError(
        `startTracing: options.resourceAttributes must be a plain object of attribute values (got ${describe(extra)})`,
      );
    for (const [key, value] of Object.entries(extra)) {
      if (key === ATTR_SERVICE_NAME && typeof value !== "string")
        throw new TypeError(
          `startTracing: options.resourceAttributes["${ATTR_SERVICE_NAME}"] must be a string, the service's name ` +
            `(got ${describe(value)}); pass the name there as a string, or as { serviceName: "my-service" }`,
        );
      if (!isAttributeValue(value))
        throw new TypeError(
          `startTracing: options.resourceAttributes["${key}"] must be a string, number, boolean or an array of them (got ${describe(value)})`,
        );
      attributes[key] = value;
    }
  }
  const given = attributes[ATTR_SERVICE_NAME] as string | undefined;
  const serviceName =
    options.serviceName !== undefined
      ? nonEmptyString("serviceName", options.serviceName)
      : (nonBlank(given) ?? serviceNameFromEnv());
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
        `startTracing: a service name is required, and ${[...empty, discarded("its service.name included")].join(" and ")}. ` +
          `Fix OTEL_RESOURCE_ATTRIBUTES (${howToFix}), or pass { serviceName: "my-service" } or set OTEL_SERVICE_NAME`,
      );
    throw new TypeError(
      empty.length === 0
        ? 'startTracing: a service name is required: pass { serviceName: "my-service" } or set OTEL_SERVICE_NAME'
        : `startTracing: a service name is required, and ${empty.join(" and ")}: an empty or blank value ` +
            `names no service. Set ` +
            `OTEL_SERVICE_NAME to the service's name (or service.name=my-service in OTEL_RESOURCE_ATTRIBUTES), ` +
            `or pass { serviceName: "my-service" }`,
    );
  }
  if (envAttributesProblem !== undefined)
    warnSetting(
      `tracehop: ${discarded("so the spans' resource has none of its attributes")}; fix it (${howToFix}) or unset it`,
      BAD_RESOURCE_ATTRIBUTES_WARNING,
    );
  attributes[ATTR_SERVICE_NAME] = serviceName;
  if (options.serviceVersion !== undefined)
    attributes[ATTR_SERVICE_VERSION] = nonEmptyString("serviceVersion", options.serviceVersion);
  if (options.environment !== undefined)
    attributes[ATTR_DEPLOYMENT_ENVIRONMENT_NAME] = nonEmptyString("environment", options.environment);
  return attributes;
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
          `${JSON.stringify(entry)} is not key=value (a "," or "=" inside a key or value must be ` +
          `percent-encoded: %2C, %3D)`,
      };
    const [key, value] = parts.map((part) => part.trim()) as [string, string];
    if (key === "") return { problem: `${JSON.stringify(entry)} has an empty key` };
    let decodedKey: string;
    let decodedValue: string;
    try {
      decodedKey = decodeURIComponent(key);
      decodedValue = decodeURIComponent(value);
    } catch {
      return {
        problem:
          `${JSON.stringify(entry)} is not valid percent-encoding (a "%" must start a %XX escape of ` +
          `UTF-8 bytes; a literal "%" is %25)`,
      };
    }
    if (decodedKey.length > MAX_ENV_ATTRIBUTE_LENGTH)
      return {
        problem: `the key ${JSON.stringify(decodedKey)} is longer than ${MAX_ENV_ATTRIBUTE_LENGTH} characters`,
      };
    if (decodedValue.length > MAX_ENV_ATTRIBUTE_LENGTH)
      return {
        problem: `the value of ${JSON.stringify(decodedKey)} is longer than ${MAX_ENV_ATTRIBUTE_LENGTH} characters`,
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
 * OTEL_SERVICE_NAME, else `service.name` of OTEL_RESOURCE_ATTRIBUTES (read by the SDK's own env
 * detector); a blank one (`service.name=%20`) names no service, as a blank OTEL_SERVICE_NAME does not
 * (the detector reads that as unset) and a blank `serviceName` option is refused.
 */
function serviceNameFromEnv(): string | undefined {
  const fromEnv = resources().envDetector.detect().attributes?.[ATTR_SERVICE_NAME];
  return typeof fromEnv === "string" && fromEnv.trim() !== "" ? fromEnv : undefined;
}

/**
 * When no service name is found: each setting that gives one, but empty or blank, as the middle of
 * the error's sentence (`OTEL_SERVICE_NAME is empty ("")`), so that the error names the setting to
 * fix instead of asking for one that is set. `given`: `service.name` of the `resourceAttributes`
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
      `OTEL_SERVICE_NAME is ${fromServiceName === "" ? "empty" : "blank"} (${JSON.stringify(fromServiceName)})`,
    );
  // The last service.name entry, as the SDK's env detector keeps the last one.
  const entry = envEntries.findLast((candidate) => candidate.key === ATTR_SERVICE_NAME);
  if (entry !== undefined)
    empty.push(
      `OTEL_RESOURCE_ATTRIBUTES gives service.name ${entry.value === "" ? "an empty" : "a blank"} value (${JSON.stringify(entry.entry.trim())})`,
    );
  return empty;
}

function otlpEnabledByEnv(exporters: string[]): boolean {
  if (exporters.includes("none")) return false;
  if (exporters.includes("otlp")) return true;
  if (exporters.length > 0) return false;
  return (
    getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") !== undefined ||
    getStringFromEnv("OTEL_EXPORTER_OTLP_ENDPOINT") !== undefined
  );
}

/** The exporter throws an unhelpful error on a bad URL; say which variable to fix instead. */
function checkEndpointEnv(): void {
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]) {
    const value = getStringFromEnv(name);
    if (value !== undefined) tracesUrl(name, value);
  }
}

/**
 * The traces URL the OTLP exporter derives from the environment (@opentelemetry/otlp-exporter-base):
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else OTEL_EXPORTER_OTLP_ENDPOINT with `v1/traces`
 * appended, else `http://localhost:4318/v1/traces`. Both were checked by {@link checkEndpointEnv}.
 */
function otlpUrlFromEnv(): string {
  const traces = getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (traces !== undefined) return new URL(traces.trim()).href;
  const base = getStringFromEnv("OTEL_EXPORTER_OTLP_ENDPOINT")?.trim();
  if (base !== undefined) return `${base}${base.endsWith("/") ? "" : "/"}${OTLP_TRACES_PATH.slice(1)}`;
  return `http://localhost:4318${OTLP_TRACES_PATH}`;
}

/**
 * OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: the exporter always appends `v1/traces` (OpenTelemetry
 * specification, "OTLP Exporter Configuration", Endpoint URLs for OTLP/HTTP; as
 * @opentelemetry/otlp-exporter-base does), so a value whose path already ends with `/v1/traces` posts to
 * `/v1/traces/v1/traces`, which a Collector answers 404. Warned when that variable gives the traces URL
 * (neither `otlpEndpoint` nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set); the URL stays as the
 * specification makes it.
 */
function checkBaseEndpointPath(): void {
  if (getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") !== undefined) return;
  const base = getStringFromEnv("OTEL_EXPORTER_OTLP_ENDPOINT")?.trim();
  if (base === undefined) return;
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, "");
  if (!path.endsWith(OTLP_TRACES_PATH)) return;
  url.pathname = path.slice(0, -OTLP_TRACES_PATH.length) || "/";
  const baseUrl = url.href.replace(/\/$/, "");
  warnSetting(
    `tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="${base}" already ends with ${OTLP_TRACES_PATH}, but it is a ` +
      `base URL the exporter appends ${OTLP_TRACES_PATH.slice(1)} to (OpenTelemetry specification), so ` +
      `spans are sent to ${otlpUrlFromEnv()}, which a Collector answers 404. Drop the suffix ` +
      `(OTEL_EXPORTER_OTLP_ENDPOINT=${baseUrl}), or set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${baseUrl}${OTLP_TRACES_PATH} ` +
      `instead (used as is)`,
    OTLP_ENDPOINT_TRACES_PATH_WARNING,
  );
}

/**
 * Entries of OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_TRACES_HEADERS that the OTLP exporter
 * drops without a word (@opentelemetry/core `parseKeyPairsIntoRecord`, as otlp-exporter-base reads
 * them): comma-separated `name=value` entries (OpenTelemetry specification, "Specifying headers via
 * environment variables"), each dropped when it has no `=` or nothing before it, an empty name or
 * value once trimmed, or a `%` that does not start a valid escape. A header such as an API key would be
 * missing from every request (the collector answers 401 or 403). The warning names the entry by its
 * position and name, never its value (a secret).
 */
function checkHeadersEnv(): void {
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"]) {
    const raw = getStringFromEnv(name);
    if (raw === undefined) continue;
    raw.split(",").forEach((entry, index) => {
      if (entry.trim() === "") return;
      const found = headerEntryProblem(entry);
      if (found === undefined) return;
      const { problem, shownName, fails } = found;
      warnSetting(
        `tracehop: ${name} entry ${index + 1} (${shownName === undefined ? "name not shown" : JSON.stringify(shownName)}; ` +
          `value not shown) ${problem}: ` +
          (fails
            ? "Node refuses it, so every export request fails and no span reaches the collector. "
            : "the OTLP exporter drops it, so its requests are sent without that header. ") +
          `Write each header as name=value, separated by commas (a "," "=" ";" or "%" in a value ` +
          `percent-encoded: %2C, %3D, %3B, %25)`,
        BAD_OTLP_HEADERS_WARNING,
      );
    });
  }
}

/**
 * Why the OTLP exporter drops or mangles `entry` (one OTEL_EXPORTER_OTLP_*HEADERS entry), or
 * `undefined`; `shownName`: the entry's name, only when it is a name (an HTTP token before an `=`): an
 * entry without one may be a pasted secret alone, and its text is never shown; `fails`: the exporter
 * sends it and Node refuses the request (a name that is no HTTP token: "Header name must be a valid
 * HTTP token").
 */
function headerEntryProblem(
  entry: string,
): { problem: string; shownName?: string; fails?: boolean } | undefined {
  // @opentelemetry/core parsePairKeyValue: a ";" starts metadata, which is not part of the value.
  const semicolon = entry.indexOf(";");
  const pair = semicolon === -1 ? entry : entry.slice(0, semicolon);
  const separator = pair.indexOf("=");
  if (separator === -1) return { problem: 'is not name=value (it has no "=")' };
  const key = pair.slice(0, separator).trim();
  const value = pair.slice(separator + 1).trim();
  if (key === "") return { problem: 'has no name before its "="' };
  let name: string;
  try {
    name = decodeURIComponent(key);
    decodeURIComponent(value);
  } catch {
    return {
      problem: 'is not valid percent-encoding (a "%" must start a %XX escape of UTF-8; a literal "%" is %25)',
      shownName: isBaggageToken(key) ? key.slice(0, 64) : undefined,
    };
  }
  // The name travels as an HTTP field name: an RFC 7230 token, as a baggage key is.
  if (!isBaggageToken(name))
    return {
      problem: "has a name that is no HTTP token (letters, digits and !#$%&'*+-.^_`|~ only)",
      fails: true,
    };
  const shownName = name.slice(0, 64);
  if (value === "") return { problem: "has an empty value", shownName };
  if (semicolon !== -1)
    return { problem: 'has a ";" in it: the exporter sends only what precedes it as the value', shownName };
  return undefined;
}

/**
 * OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, else OTEL_EXPORTER_OTLP_COMPRESSION: the exporter takes
 * `gzip` or `none` only, as written (lower case, trimmed: otlp-exporter-base
 * `parseAndValidateCompressionFromEnv`); another value is ignored, said only through `diag.warn`, and
 * the other variable applies, else no compression.
 */
function checkCompressionEnv(): void {
  const names = ["OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"];
  const values = names.map((name) => getStringFromEnv(name)?.trim());
  const valid = (value: string | undefined) => value === "gzip" || value === "none";
  const applies = values.findIndex(valid);
  names.forEach((name, index) => {
    const value = values[index];
    if (value === undefined || valid(value)) return;
    const instead =
      applies === -1 ? "bodies are sent uncompressed" : `${names[applies]}=${values[applies]} applies`;
    warnSetting(
      `tracehop: ${name}="${value}" is not a compression the OTLP exporter knows (gzip or none, in lower ` +
        `case); ignored: ${instead}. Set it to gzip or none, or unset it`,
      BAD_OTLP_COMPRESSION_WARNING,
    );
  });
}

/**
 * The TLS files of the OTLP exporter: OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE (the collector's CA),
 * _CLIENT_KEY and _CLIENT_CERTIFICATE (mTLS), the _TRACES_ one when set, else the other
 * (otlp-exporter-base `readFileFromEnv`: a path relative to the working directory). A file it cannot
 * read is dropped, said only through `diag.warn` without the path: the CA check then uses Node's
 * default CAs (a private CA's collector is refused), no client certificate is sent.
 */
function checkTlsFilesEnv(): void {
  const files = [
    ["CERTIFICATE", "the collector's certificate is checked against Node's default CAs instead"],
    ["CLIENT_KEY", "no client certificate is sent (mTLS)"],
    ["CLIENT_CERTIFICATE", "no client certificate is sent (mTLS)"],
  ] as const;
  for (const [suffix, instead] of files) {
    const traces = `OTEL_EXPORTER_OTLP_TRACES_${suffix}`;
    const name = getStringFromEnv(traces) !== undefined ? traces : `OTEL_EXPORTER_OTLP_${suffix}`;
    const path = getStringFromEnv(name);
    if (path === undefined) continue;
    try {
      readFileSync(resolvePath(process.cwd(), path));
    } catch (error) {
      warnSetting(
        `tracehop: ${name}="${path}" cannot be read (${oneLine((error as Error).message)}); the OTLP ` +
          `exporter ignores it: ${instead}. Set it to the path of a readable PEM file, or unset it`,
        UNREADABLE_OTLP_TLS_FILE_WARNING,
      );
    }
  }
}

/**
 * OTEL_SDK_DISABLED set to something other than true or false (any case) or empty: read as false, so
 * tracing runs (OpenTelemetry environment variable specification, "Boolean value": any value other
 * than a case-insensitive "true" is false, and for a value other than "false", empty or unset "a
 * warning SHOULD be logged to inform users about the fallback to false being applied"; @opentelemetry/core
 * `getBooleanFromEnv` says it only through `diag.warn`). `OTEL_SDK_DISABLED=yes` or `1` meant to
 * turn tracing off.
 */
function checkSdkDisabledEnv(): void {
  const raw = process.env.OTEL_SDK_DISABLED;
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "false" || value === "true") return;
  warnSetting(
    `tracehop: OTEL_SDK_DISABLED="${raw}" is neither true nor false; read as false, so tracing is on ` +
      `(OpenTelemetry environment variable specification, "Boolean value": only "true", in any case, ` +
      `is true). Set OTEL_SDK_DISABLED=true to turn the SDK off, or false (or unset it) to keep it on`,
    BAD_SDK_DISABLED_WARNING,
  );
}

/**
 * @opentelemetry/exporter-trace-otlp-http speaks OTLP/HTTP with JSON bodies only. The protocol is an
 * enum value, read case-insensitively (`HTTP/JSON` is http/json).
 */
function checkProtocolEnv(): void {
  const tracesProtocol = getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  const name =
    tracesProtocol !== undefined ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocol = tracesProtocol ?? getStringFromEnv(name);
  const lowerProtocol = protocol?.toLowerCase();
  if (lowerProtocol === undefined || lowerProtocol === "http/json") return;
  warnSetting(
    `tracehop: ${name}="${protocol}" is not supported by startTracing, which sends OTLP/HTTP with JSON ` +
      `bodies (http/json) instead` +
      (lowerProtocol === "grpc"
        ? ` to the same endpoint: an OTLP/gRPC port (4317) refuses it, every Collector OTLP/HTTP receiver ` +
          `(port 4318) accepts it`
        : ``) +
      `; set ${name}=http/json or unset it`,
    UNSUPPORTED_OTLP_PROTOCOL_WARNING,
  );
}

/**
 * The OTLP export timeout in milliseconds from OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, else
 * OTEL_EXPORTER_OTLP_TIMEOUT, else the default; a value that is not a number of milliseconds from 1
 * to {@link MAX_TIMER_MILLIS} (the range of options.exportTimeoutMillis) is ignored with a warning.
 */
function exportTimeoutFromEnv(): number {
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"]) {
    const raw = getStringFromEnv(name);
    if (raw === undefined) continue;
    const value = Number(raw);
    if (isTimerMillis(value, 1)) return value;
    warnSetting(
      `tracehop: ${name}="${raw}" is not a number of milliseconds from 1 to ${MAX_TIMER_MILLIS} (Node's ` +
        `timer limit); ignored (the next setting or the default, ${DEFAULT_EXPORT_TIMEOUT_MILLIS} ms, applies)`,
      BAD_EXPORT_TIMEOUT_WARNING,
    );
  }
  return DEFAULT_EXPORT_TIMEOUT_MILLIS;
}

/**
 * Whether `value`, a number of milliseconds read from the environment, is from `min` to
 * {@link MAX_TIMER_MILLIS}, the longest a Node timer waits as asked (NaN is not).
 */
function isTimerMillis(value: number, min: number): boolean {
  return value >= min && value <= MAX_TIMER_MILLIS;
}

/**
 * The sampler `startTracing` uses before it wraps it: `sampler` (the option) when given, else the one
 * OTEL_TRACES_SAMPLER (+ OTEL_TRACES_SAMPLER_ARG) names, else ParentBased(AlwaysOn) — the NodeSDK's
 * choices in its order. The name is read case-insensitively (`ALWAYS_OFF` is always_off: an enum
 * value, OpenTelemetry environment variable specification, "Enum"), which the NodeSDK's own
 * `createSamplerFromEnv` does not do; startTracing always hands the NodeSDK this sampler, so the
 * NodeSDK never reads the variable itself. Called after the OTEL_SDK_DISABLED check: it loads the SDK.
 */
export function resolveSampler(sampler: Sampler | undefined): Sampler {
  if (sampler !== undefined) return sampler;
  const name = getStringFromEnv("OTEL_TRACES_SAMPLER");
  if (name === undefined) return defaultSampler();
  const lowerName = name.toLowerCase();
  const known = [...ENV_SAMPLERS.keys()];
  const fromEnv = ENV_SAMPLERS.get(lowerName)?.(sdkTraceBase());
  if (fromEnv === undefined)
    warnSetting(
      `tracehop: unknown OTEL_TRACES_SAMPLER value "${name}" (known: ${known.join(", ")}); ` +
        `using the default, parentbased_always_on: every trace started here is sampled`,
      UNKNOWN_SAMPLER_WARNING,
    );
  else if (lowerName.endsWith("traceidratio")) checkSamplerArg();
  return fromEnv ?? defaultSampler();
}

/** OTEL_TRACES_SAMPLER_ARG as a ratio sampler's ratio: a number from 0 to 1, else 1 (the default). */
function samplerRatio(): number {
  return ratioOf(getStringFromEnv("OTEL_TRACES_SAMPLER_ARG")) ?? 1;
}

/** `raw` as a sampling ratio, a number from 0 to 1; `undefined` when unset or anything else. */
function ratioOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ratio = Number(raw);
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : undefined;
}

/**
 * The OTEL_TRACES_SAMPLER values (lower case) the NodeSDK's `createSamplerFromEnv` knows, in its order,
 * each with the sampler it builds from @opentelemetry/sdk-trace-base (@opentelemetry/sdk-node,
 * create-from-env.ts: a ratio sampler's OTEL_TRACES_SAMPLER_ARG unset, blank, not a number or outside
 * [0, 1] is ratio 1). test/tracing/tracing-config.test.ts compares each with the NodeSDK's.
 */
const ENV_SAMPLERS = new Map<string, (sdk: ReturnType<typeof sdkTraceBase>) => Sampler>([
  ["always_on", (sdk) => new sdk.AlwaysOnSampler()],
  ["always_off", (sdk) => new sdk.AlwaysOffSampler()],
  ["traceidratio", (sdk) => new sdk.TraceIdRatioBasedSampler(samplerRatio())],
  ["parentbased_always_on", (sdk) => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() })],
  ["parentbased_always_off", (sdk) => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() })],
  [
    "parentbased_traceidratio",
    (sdk) => new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(samplerRatio()) }),
  ],
]);

/**
 * OTEL_TRACES_SAMPLER_ARG of a ratio sampler, set but not a number in [0, 1]: the NodeSDK samples
 * every trace then (ratio 1) and says so only through `diag.error`. Unset or blank, the ratio is 1 by
 * the specification: nothing to say.
 */
function checkSamplerArg(): void {
  const raw = getStringFromEnv("OTEL_TRACES_SAMPLER_ARG");
  if (raw === undefined || ratioOf(raw) !== undefined) return;
  warnSetting(
    `tracehop: OTEL_TRACES_SAMPLER_ARG="${raw}" is not a sampling ratio from 0 to 1; the sampler uses ` +
      `ratio 1 instead: every trace started here is sampled`,
    BAD_SAMPLER_ARG_WARNING,
  );
}

/** ParentBased(AlwaysOn): the SDK's default sampler when OTEL_TRACES_SAMPLER is unset or unknown. */
function defaultSampler(): Sampler {
  const { AlwaysOnSampler, ParentBasedSampler } = sdkTraceBase();
  return new ParentBasedSampler({ root: new AlwaysOnSampler() });
}

/**
 * OTEL_TRACES_EXPORTER values startTracing does not know (neither `otlp`, `console` nor `none`, in any
 * case): each is ignored with a warning, which quotes it as written (`asWritten`), saying where spans
 * go instead (nowhere, when nothing else is configured).
 */
function warnUnsupportedExporters(
  asWritten: readonly string[],
  used: { otlp: boolean; console: boolean; spansFile: string | undefined },
): void {
  const unsupported = asWritten.filter((name) => !KNOWN_EXPORTERS.has(name.toLowerCase()));
  if (unsupported.length === 0) return;
  const destinations = [
    used.otlp ? "OTLP/HTTP" : undefined,
    used.console ? "the console" : undefined,
    used.spansFile === undefined ? undefined : `the spans file ${used.spansFile}`,
  ].filter((destination) => destination !== undefined);
  const values = unsupported.map((name) => `"${name}"`).join(", ");
  warnSetting(
    `tracehop: OTEL_TRACES_EXPORTER ${unsupported.length === 1 ? "value" : "values"} ${values} ` +
      `${unsupported.length === 1 ? "is" : "are"} ` +
      `not supported by startTracing (it knows otlp, console and none); ignored: ` +
      (destinations.length === 0
        ? "no span is exported at all (no other exporter, no spans file)"
        : `spans go to ${destinations.join(" and ")} only`),
    UNSUPPORTED_TRACES_EXPORTER_WARNING,
  );
}

/** The OTEL_TRACES_EXPORTER values startTracing knows, in lower case. */
const KNOWN_EXPORTERS: ReadonlySet<string> = new Set(["otlp", "console", "none"]);

/**
 * An environment setting startTracing does not use as written, so spans are lost or not sampled,
 * exported or described as configured: `diag.warn` and a Node process warning with `code`, once per
 * message and process (`warnOnce`; nothing under OTEL_SDK_DISABLED). startTracing reads these before
 * the NodeSDK sets up the OTEL_LOG_LEVEL logger, so a `diag.warn` alone would be lost.
 */
function warnSetting(message: string, code: string): void {
  warnOnce(message, message, code);
}

function detectorsFromEnv(): ResourceDetector[] {
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
        `tracehop: OTEL_NODE_RESOURCE_DETECTORS value "${name}" is unknown (known: ` +
          `${Object.keys(byName).join(", ")}, all, none); ignored, the spans' resource lacks what it ` +
          `would add`,
        UNKNOWN_RESOURCE_DETECTOR_WARNING,
      );
  }
  return detectors;
}

/** The names of the `batch` option's fields. */
const BATCH_OPTION_NAMES: readonly string[] = ["maxQueueSize", "maxExportBatchSize", "scheduledDelayMillis"];

/**
 * The OTEL_BSP_* variables the SDK's BatchSpanProcessor reads when its config leaves them out, each with
 * its range and the SDK's default (@opentelemetry/sdk-trace, BatchSpanProcessorBase). The SDK takes any
 * number: a delay of 3e9 ms becomes a 1 ms timer, a queue size of 0 drops every span, and an export
 * batch size of 0, below 0 or fractional makes its export loop spin forever at full CPU.
 */
const BSP_ENV = [
  { name: "OTEL_BSP_SCHEDULE_DELAY", field: "scheduledDelayMillis", min: 0, millis: true, fallback: 5000 },
  { name: "OTEL_BSP_EXPORT_TIMEOUT", field: "exportTimeoutMillis", min: 1, millis: true, fallback: 30_000 },
  { name: "OTEL_BSP_MAX_QUEUE_SIZE", field: "maxQueueSize", min: 1, millis: false, fallback: 2048 },
  {
    name: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    field: "maxExportBatchSize",
    min: 1,
    millis: false,
    fallback: 512,
  },
] as const;

/** Whether `raw`, an OTEL_BSP_* value, is in the range of its {@link BSP_ENV} entry. */
function inBspRange(raw: string, { min, millis }: (typeof BSP_ENV)[number]): boolean {
  if (raw.trim() === "") return false;
  const value = Number(raw);
  return millis ? isTimerMillis(value, min) : Number.isSafeInteger(value) && value >= min;
}

/**
 * The largest queue or export batch size startTracing takes, from an option or an OTEL_BSP_* variable:
 * 2^53 - 1 (`Number.MAX_SAFE_INTEGER`), the largest whole number a JavaScript number holds exactly
 * (`99999999999999999999` reads as 100000000000000000000, a number that is no longer counted in ones).
 */
const MAX_BATCH_SIZE = Number.MAX_SAFE_INTEGER;

/** Why `raw`, an OTEL_BSP_* value out of the range of its {@link BSP_ENV} entry, is ignored. */
function bspProblem(raw: string, { name, min, millis }: (typeof BSP_ENV)[number]): string {
  if (millis)
    return `${name}="${raw}" is not a number of milliseconds from ${min} to ${MAX_TIMER_MILLIS} (Node's timer limit)`;
  // Read as the SDK reads it (Number: 0x10 is 16, 1e3 is 1000), so 1e20 and Infinity are too large.
  return raw.trim() !== "" && Number(raw) > MAX_BATCH_SIZE
    ? `${name}="${raw}" is too large: at most ${MAX_BATCH_SIZE} spans (2^53 - 1, the largest whole number ` +
        `a JavaScript number holds exactly)`
    : `${name}="${raw}" is not a whole number of spans from ${min}`;
}

/**
 * One of the two sizes a BatchSpanProcessor uses (`maxQueueSize`, `maxExportBatchSize`) and where it
 * comes from, for the check that the batch fits the queue: `label` names both in a sentence
 * (`options.batch.maxQueueSize (10)`, `OTEL_BSP_MAX_QUEUE_SIZE="0x10" (16)`, `the default maxQueueSize
 * (2048; neither options.batch.maxQueueSize nor OTEL_BSP_MAX_QUEUE_SIZE is set)`).
 */
interface BatchSize {
  value: number;
  from: "option" | "environment" | "default";
  label: string;
}

/**
 * The size the SDK's BatchSpanProcessor uses for `field`: the option, else the OTEL_BSP_* variable
 * (`raw`, as read) when it is in range (read as the SDK reads it: `Number`), else the SDK's default.
 */
function batchSize(
  field: "maxQueueSize" | "maxExportBatchSize",
  option: number | undefined,
  raw: string | undefined,
): BatchSize {
  const entry = BSP_ENV.find((candidate) => candidate.field === field)!;
  if (option !== undefined)
    return { value: option, from: "option", label: `options.batch.${field} (${option})` };
  if (raw !== undefined && inBspRange(raw, entry)) {
    const value = Number(raw);
    const shown = String(value) === raw.trim() ? "" : ` (${value})`;
    return { value, from: "environment", label: `${entry.name}="${raw}"${shown}` };
  }
  const why =
    raw === undefined
      ? `neither options.batch.${field} nor ${entry.name} is set`
      : `${entry.name}="${raw}" being ignored`;
  return {
    value: entry.fallback,
    from: "default",
    label: `the default ${field} (${entry.fallback}; ${why})`,
  };
}

/**
 * The checked `batch` option (an unknown field throws, as an unknown option does), plus the SDK's
 * default for each OTEL_BSP_* variable ({@link BSP_ENV}) the option leaves to the environment that is
 * out of its range — a number of milliseconds from its minimum to {@link MAX_TIMER_MILLIS}, or a whole
 * number of spans from 1 to {@link MAX_BATCH_SIZE} — ignored with a warning (not under
 * OTEL_SDK_DISABLED: nothing is said then).
 *
 * The export batch size must not exceed the queue size (OpenTelemetry SDK environment variable
 * specification: OTEL_BSP_MAX_EXPORT_BATCH_SIZE "must be less than or equal to"
 * OTEL_BSP_MAX_QUEUE_SIZE); the SDK's BatchSpanProcessor lowers a larger one to the queue size, saying
 * so only through `diag.warn`. Here, with each size taken from its option, else its variable, else the
 * SDK's default (2048 / 512):
 * - a `maxExportBatchSize` option above the queue size, or a `maxQueueSize` option below an
 *   OTEL_BSP_MAX_EXPORT_BATCH_SIZE, is a RangeError naming both values and where each comes from;
 * - an OTEL_BSP_MAX_EXPORT_BATCH_SIZE above OTEL_BSP_MAX_QUEUE_SIZE (or the default 2048) is lowered
 *   to the queue size, as the SDK does, with a warning (`TRACEHOP_BAD_BATCH_SETTING`);
 * - the default export batch size (512) above a smaller queue size, which nobody asked for, is lowered
 *   to it without a word.
 *
 * @throws TypeError or RangeError, message starting with `startTracing:`, naming what to fix.
 */
function resolveBatch(batch: StartTracingOptions["batch"], sdkDisabled: boolean): TracingConfig["batch"] {
  if (batch !== undefined && !isPlainObject(batch))
    throw new TypeError(`startTracing: options.batch must be a plain object (got ${describe(batch)})`);
  const given = batch ?? {};
  const unknown = firstUnknownKey(given, BATCH_OPTION_NAMES);
  if (unknown !== undefined)
    throw new TypeError(
      `startTracing: options.batch has no option ${JSON.stringify(unknown)}; its options are ${BATCH_OPTION_NAMES.join(", ")}`,
    );
  const out: TracingConfig["batch"] = {};
  const maxQueueSize = optionalSize("batch.maxQueueSize", given.maxQueueSize);
  const maxExportBatchSize = optionalSize("batch.maxExportBatchSize", given.maxExportBatchSize);
  const scheduledDelayMillis = optionalMillis("batch.scheduledDelayMillis", given.scheduledDelayMillis, 0);
  // The OTEL_BSP_* values of the fields the option leaves to the environment, each read once.
  const fromEnv: Partial<Record<(typeof BSP_ENV)[number]["field"], string>> = {};
  for (const entry of BSP_ENV) {
    const { name, field, millis, fallback } = entry;
    if ((given as Record<string, unknown>)[field] !== undefined) continue;
    const raw = getStringFromEnv(name);
    if (raw === undefined) continue;
    fromEnv[field] = raw;
    if (sdkDisabled || inBspRange(raw, entry)) continue;
    warnSetting(
      `tracehop: ${bspProblem(raw, entry)}; ignored (the default, ${fallback}${millis ? " ms" : ""}, applies)`,
      BAD_BATCH_SETTING_WARNING,
    );
    out[field] = fallback;
  }
  if (maxQueueSize !== undefined) out.maxQueueSize = maxQueueSize;
  if (maxExportBatchSize !== undefined) out.maxExportBatchSize = maxExportBatchSize;
  if (scheduledDelayMillis !== undefined) out.scheduledDelayMillis = scheduledDelayMillis;

  const queue = batchSize("maxQueueSize", maxQueueSize, fromEnv.maxQueueSize);
  const exportBatch = batchSize("maxExportBatchSize", maxExportBatchSize, fromEnv.maxExportBatchSize);
  if (exportBatch.value <= queue.value) return out;
  const raiseQueue =
    queue.from === "option"
      ? `set options.batch.maxQueueSize to at least ${exportBatch.value}`
      : queue.from === "environment"
        ? `raise OTEL_BSP_MAX_QUEUE_SIZE to at least ${exportBatch.value}`
        : `set options.batch.maxQueueSize (or OTEL_BSP_MAX_QUEUE_SIZE) to at least ${exportBatch.value}`;
  if (exportBatch.from === "option" || (queue.from === "option" && exportBatch.from === "environment"))
    throw new RangeError(
      `startTracing: ${exportBatch.label} must not exceed ${queue.label}: an export batch is taken ` +
        `from the queue (the SDK would lower it to ${queue.value}, saying so only through diag). ` +
        (exportBatch.from === "option"
          ? `Set options.batch.maxExportBatchSize to at most ${queue.value}`
          : `Lower OTEL_BSP_MAX_EXPORT_BATCH_SIZE to at most ${queue.value}`) +
        `, or ${raiseQueue}`,
    );
  if (exportBatch.from === "environment")
    warnSetting(
      `tracehop: ${exportBatch.label} exceeds ${queue.label}: an export batch is taken from the queue; ` +
        `lowered to ${queue.value}, as the SDK does. Lower OTEL_BSP_MAX_EXPORT_BATCH_SIZE to at most ` +
        `${queue.value}, or ${raiseQueue}`,
      BAD_BATCH_SETTING_WARNING,
    );
  // Else the default export batch size (512) above a smaller queue: nobody asked for it.
  out.maxExportBatchSize = queue.value;
  return out;
}

/** Full traces URL for a base endpoint; throws naming `what` unless it is an http(s) URL. */
function tracesUrl(what: string, value: unknown): string {
  const label = what.startsWith("options.") ? what : `${what} (environment)`;
  if (typeof value !== "string" || value.trim() === "")
    throw new TypeError(
      `startTracing: ${label} must be an http(s) URL such as "http://127.0.0.1:4318" (got ${describe(value)})`,
    );
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new TypeError(
      `startTracing: ${label} must be an http(s) URL such as "http://127.0.0.1:4318" (got ${describe(value)})`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new TypeError(
      // "localhost:4318" parses as a URL whose scheme is "localhost:": a host and port without a scheme.
      /^[^/:]+:\d+(\/.*)?$/.test(value.trim()) && url.port === ""
        ? `startTracing: ${label} must be an http(s) URL with its scheme, such as "http://${value.trim()}" (got ${describe(value)})${value.trim().match(/:4317(\/|$)/) ? "; 4317 is OTLP/gRPC's port, tracehop exports OTLP over HTTP (usually 4318)" : ""}`
        : `startTracing: ${label} must use http: or https: (got "${url.protocol}"); tracehop exports OTLP over HTTP, not gRPC`,
    );
  if (!what.startsWith("options.")) return url.href;
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path.endsWith(OTLP_TRACES_PATH) ? path : path + OTLP_TRACES_PATH;
  return url.href;
}

function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new TypeError(
      `startTracing: options.${name} must be a string that is not empty or blank (got ${describe(value)})`,
    );
  return value;
}

function optionalNumber(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new TypeError(`startTracing: options.${name} must be a finite number (got ${describe(value)})`);
  if (value < min)
    throw new RangeError(
      `startTracing: options.${name} must be at least ${min} (got ${describeValue(value)})`,
    );
  return value;
}

/**
 * {@link optionalNumber} for a number of milliseconds handed to a timer: also at most
 * {@link MAX_TIMER_MILLIS}, above which Node's `setTimeout` waits 1 ms instead.
 */
function optionalMillis(name: string, value: unknown, min: number): number | undefined {
  const millis = optionalNumber(name, value, min);
  if (millis !== undefined && millis > MAX_TIMER_MILLIS)
    throw new RangeError(
      `startTracing: options.${name} must be at most ${MAX_TIMER_MILLIS} ms (2^31 - 1, about 24.8 days: ` +
        `Node's timer limit, above which a timer fires after 1 ms) (got ${describeValue(millis)})`,
    );
  return millis;
}

/**
 * A queue or batch size option: a whole number of spans from 1 to {@link MAX_BATCH_SIZE} (2^53 - 1),
 * else a TypeError or RangeError naming it.
 */
function optionalSize(name: string, value: unknown): number | undefined {
  const number = optionalNumber(name, value, 1);
  if (number !== undefined && !Number.isInteger(number))
    throw new RangeError(
      `startTracing: options.${name} must be a whole number (got ${describeValue(number)})`,
    );
  if (number !== undefined && number > MAX_BATCH_SIZE)
    throw new RangeError(
      `startTracing: options.${name} must be at most ${MAX_BATCH_SIZE} (2^53 - 1, the largest whole ` +
        `number a JavaScript number holds exactly) (got ${describeValue(number)})`,
    );
  return number;
}

function requireMethods(name: string, value: unknown, methods: string[]): void {
  const target = value as Record<string, unknown> | null;
  for (const method of methods)
    if (target === null || typeof target !== "object" || typeof target[method] !== "function")
      throw new TypeError(
        `startTracing: options.${name} must implement ${methods.join("(), ")}() (got ${describe(value)})`,
      );
}

function isAttributeValue(value: unknown): value is AttributeValue {
  const scalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  return scalar(value) || (Array.isArray(value) && value.every((v) => v == null || scalar(v)));
}

/** `value` unless it is empty or blank, which names no service. */
function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}

/**
 * {@link describeValue}, with the type before a number or a boolean (`number 2`, where a string is
 * expected).
 */
function describe(value: unknown): string {
  const shown = describeValue(value);
  return typeof value === "number" || typeof value === "boolean" ? `${typeof value} ${shown}` : shown;
}
