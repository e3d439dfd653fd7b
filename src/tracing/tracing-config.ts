import { quoteLocation, quoteWritten } from "../describe-value.js";
import { uncleanCharacterNote } from "../clean-text.js";
import { diag, type AttributeValue, type TextMapPropagator } from "@opentelemetry/api";
import { getBooleanFromEnv, getStringFromEnv, getStringListFromEnv } from "@opentelemetry/core";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import type { ResourceDetector } from "@opentelemetry/resources";
import type { BufferConfig, Sampler } from "@opentelemetry/sdk-trace-base";
import { resolve as resolvePath } from "node:path";
import { assertKnownOptions } from "../known-options.js";
import { emitSettingWarningOnce, warnSetting } from "../warn-once.js";
import { resolveBatch } from "./batch-config.js";
import { spansFileProblem } from "./JsonLinesFileSpanExporter.js";
import { resolveOtlp } from "./otlp-env.js";
import {
  assertCleanText,
  describe,
  nonEmptyString,
  optionalMillis,
  requireMethods,
} from "./option-checks.js";
import { detectorsFromEnv, envResourceDetector, resolveResourceAttributes } from "./resource-config.js";

/** Environment variable naming the spans file when `spansFile` is not given. */
const SPANS_FILE_ENV = "TRACEHOP_SPANS_FILE";

/**
 * Code of a spans file path that cannot be a spans file: the process warning's code for
 * TRACEHOP_SPANS_FILE (the default then applies), and the `code` of the Error `startTracing` throws
 * for `options.spansFile`.
 */
const BAD_SPANS_FILE_WARNING = "TRACEHOP_BAD_SPANS_FILE";

/** Code of the process warning for an OTEL_TRACES_EXPORTER value startTracing does not support. */
const UNSUPPORTED_TRACES_EXPORTER_WARNING = "TRACEHOP_UNSUPPORTED_TRACES_EXPORTER";

/** Code of the process warning for an OTEL_SDK_DISABLED that is neither true nor false. */
const BAD_SDK_DISABLED_WARNING = "TRACEHOP_BAD_SDK_DISABLED";

/** Spans file used when neither a file nor any exporter is configured (nor OTEL_TRACES_EXPORTER=none). */
export const DEFAULT_SPANS_FILE = ".tracehop/spans.jsonl";

/** Upper bound of `shutdown()` in milliseconds when `shutdownTimeoutMillis` is not given. */
const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 5000;

/** Options of `startTracing`. Every field is optional; each one's default is given beside it. */
export interface StartTracingOptions {
  /**
   * `service.name` (Datadog `service`). Default: OTEL_SERVICE_NAME, else `service.name` in
   * OTEL_RESOURCE_ATTRIBUTES (OpenTelemetry SDK environment variables: OTEL_SERVICE_NAME wins), else
   * DD_SERVICE (Datadog unified service tagging). The OpenTelemetry settings win over DD_SERVICE, with a
   * warning when both are set and differ (`TRACEHOP_DATADOG_SETTING_OVERRIDDEN`): the reverse of
   * dd-trace, which reads DD_SERVICE first and OTEL_SERVICE_NAME as its alias (Datadog, "OpenTelemetry
   * Environment Variables Interoperability", which gives Datadog SDKs' precedence); docs/export.md,
   * "`startTracing(options)`", says why. One is required. An OTEL_RESOURCE_ATTRIBUTES that does not
   * parse gives nothing (the SDK discards it whole, as the OpenTelemetry specification asks): the
   * error then names it and what is wrong with it, and when the name comes from elsewhere it is a
   * warning (`TRACEHOP_BAD_RESOURCE_ATTRIBUTES`). An empty or blank value names no service, wherever
   * it is given (an empty variable is unset, as the OpenTelemetry specification reads it: the other
   * setting applies); when none is left, the error names each empty one
   * (`OTEL_RESOURCE_ATTRIBUTES gives service.name an empty value ("service.name=")`), beside an
   * OTEL_RESOURCE_ATTRIBUTES that does not parse too. A `service.name` in `resourceAttributes` that is
   * not a string (`42`) is a TypeError, even when another setting names the service.
   */
  serviceName?: string | undefined;
  /**
   * `service.version` (Datadog `version`). Default: from OTEL_RESOURCE_ATTRIBUTES, else DD_VERSION, else
   * none (both read only when the `env` resource detector runs: OTEL_NODE_RESOURCE_DETECTORS).
   */
  serviceVersion?: string | undefined;
  /**
   * `deployment.environment.name` (Datadog `env`). Default: from OTEL_RESOURCE_ATTRIBUTES
   * (`deployment.environment.name` or `deployment.environment`), else DD_ENV, else none (both read only
   * when the `env` resource detector runs).
   */
  environment?: string | undefined;
  /** More resource attributes. They override detected ones; the three fields above override them. */
  resourceAttributes?: Record<string, AttributeValue> | undefined;
  /**
   * Path of an OTLP JSON-lines spans file to append to (one ExportTraceServiceRequest per line), or
   * `false` for none; relative to the working directory; missing folders are created. Default:
   * TRACEHOP_SPANS_FILE; else, when no exporter is configured at all, `.tracehop/spans.jsonl` — but
   * not under OTEL_TRACES_EXPORTER=none, which asks for no exporter (a file named here or by
   * TRACEHOP_SPANS_FILE is still written: it was asked for by name).
   * A path holding a control character (a line break, a carriage return, ESC, DEL, a C1 control) or a
   * lone surrogate is a TypeError (`options.spansFile must not hold a control character ...; remove
   * it`), as the other options' text; TRACEHOP_SPANS_FILE with one is ignored with a warning
   * (`TRACEHOP_BAD_SPANS_FILE`).
   * Checked at start (unless OTEL_SDK_DISABLED): a path that is a folder, lies under a regular file,
   * or cannot be opened for appending or created (its missing folders are made at start, one level at
   * a time, and removed again: a folder `mkdir` refuses, as under `/proc`, is found then) makes
   * `startTracing` throw an Error saying what to fix; a TRACEHOP_SPANS_FILE such as that is ignored
   * instead (the default applies, as if it were unset) with a warning (`diag.warn` and the process
   * warning `TRACEHOP_BAD_SPANS_FILE`, once per value): an environment setting must not stop a service
   * from starting. A write that fails later (disk full, folder removed) never reaches the application:
   * it is said once per path (`TRACEHOP_SPANS_FILE_UNWRITABLE`) and those spans are lost.
   */
  spansFile?: string | false | undefined;
  /**
   * Base URL of an OTLP/HTTP receiver, e.g. `http://127.0.0.1:4318`; `/v1/traces` is appended unless
   * the path already ends with it. Overrides OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT. Default: OTLP
   * export is on when OTEL_TRACES_EXPORTER names `otlp` or, with OTEL_TRACES_EXPORTER unset, when
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set. Not an http(s) URL: this
   * option throws a TypeError; such a variable is ignored, as if it were unset, with a warning
   * (`TRACEHOP_BAD_OTLP_ENDPOINT`).
   */
  otlpEndpoint?: string | undefined;
  /**
   * Timeout of one OTLP/HTTP request (retries included) in milliseconds. Default:
   * OTEL_EXPORTER_OTLP_TRACES_TIMEOUT / OTEL_EXPORTER_OTLP_TIMEOUT, else 10000. Never more than
   * `shutdownTimeoutMillis`, so no request outlives a shutdown by more than that bound. From 1 to
   * 2147483647 (2^31 - 1, Node's timer limit); a variable outside that is ignored with
   * a warning (`TRACEHOP_BAD_EXPORT_TIMEOUT`).
   */
  exportTimeoutMillis?: number | undefined;
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
  batch?:
    | { [K in "maxQueueSize" | "maxExportBatchSize" | "scheduledDelayMillis"]?: BufferConfig[K] | undefined }
    | undefined;
  /** The text-map propagator. Default: tracehop's `createPropagator()`. */
  propagator?: TextMapPropagator | undefined;
  /**
   * Default: OTEL_TRACES_SAMPLER (+ _ARG; the name in any case) when set, else ParentBased(root:
   * AlwaysOn). Either way a Datadog Synthetics root (parent id 0) follows its sampling priority
   * (`RestoredRootSampler`).
   */
  sampler?: Sampler | undefined;
  /**
   * Instrumentations registered by the NodeSDK (e.g. `new HttpInstrumentation()`). Default: none.
   * `shutdown()` disables them; a later `startTracing` in the same process needs the same instances
   * (a new one cannot patch a module already loaded: `TRACEHOP_INSTRUMENTATION_NOT_APPLIED`).
   */
  instrumentations?: (Instrumentation | Instrumentation[])[] | undefined;
  /**
   * Upper bound of `shutdown()` in milliseconds (default 5000), from 1 to 2147483647
   * (2^31 - 1, Node's timer limit): spans still pending then are dropped.
   */
  shutdownTimeoutMillis?: number | undefined;
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
  /** The `sampler` option (checked); `resolveSampler` (sampler-config.ts) gives the one to use. */
  sampler: Sampler | undefined;
  /**
   * The `batch` option (checked), with each OTEL_BSP_* variable out of its range replaced by the SDK's
   * default, and `maxExportBatchSize` lowered to the queue size where the SDK would lower it.
   */
  batch: NonNullable<StartTracingOptions["batch"]> & { exportTimeoutMillis?: number };
  /**
   * The BatchSpanProcessors' queue size in spans and the setting it comes from (`undefined`: the SDK's
   * default, 2048), for the warning of the spans a full queue dropped.
   */
  queue: { size: number; setting: "batch.maxQueueSize" | "OTEL_BSP_MAX_QUEUE_SIZE" | undefined };
  shutdownTimeoutMillis: number;
  /**
   * OTEL_SDK_DISABLED is true (as the NodeSDK reads it): nothing is started, and the given
   * instrumentations are disabled.
   */
  sdkDisabled: boolean;
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
 * variable specification: OTEL_SERVICE_NAME wins over a `service.name` in OTEL_RESOURCE_ATTRIBUTES),
 * then DD_SERVICE, DD_ENV, DD_VERSION (Datadog's SDKs put these first, dd-trace-js reading
 * OTEL_SERVICE_NAME as an alias of DD_SERVICE: Datadog, "OpenTelemetry Environment Variables
 * Interoperability"; tracehop, an OpenTelemetry SDK, puts the OTEL_* settings first, reads DD_* for what
 * they leave unset and warns when both differ: docs/export.md, "`startTracing(options)`").
 *
 * @throws TypeError or RangeError, message starting with `tracehop startTracing: `, naming the option
 *   or environment variable to fix; Error for an `options.spansFile` that cannot be a spans file (see
 *   {@link StartTracingOptions.spansFile}), with `code` {@link BAD_SPANS_FILE_WARNING}
 *   (`TRACEHOP_BAD_SPANS_FILE`), `path` (absolute) and `reason` (the end of a sentence that starts with
 *   the path: `is a folder, not a file`), for a caller that names its own setting.
 */
export function resolveTracingConfig(options: StartTracingOptions | undefined): TracingConfig {
  if (options === undefined) options = {};
  if (options === null || typeof options !== "object" || Array.isArray(options))
    throw new TypeError(`tracehop startTracing: options must be an object, got ${describe(options)}`);
  assertKnownOptions(options, START_TRACING_OPTION_NAMES, "tracehop startTracing");

  const shutdownTimeoutMillis =
    optionalMillis("shutdownTimeoutMillis", options.shutdownTimeoutMillis, 1) ??
    DEFAULT_SHUTDOWN_TIMEOUT_MILLIS;
  const detectors = detectorsFromEnv();
  const resourceAttributes = resolveResourceAttributes(options, detectors.includes(envResourceDetector()));
  // Enum values, read case-insensitively (OpenTelemetry environment variable specification, "Enum");
  // warnings quote them as written.
  const exportersAsWritten = getStringListFromEnv("OTEL_TRACES_EXPORTER") ?? [];
  const exporters = exportersAsWritten.map((name) => name.toLowerCase());
  const otlp = resolveOtlp(options, exporters, shutdownTimeoutMillis);
  const consoleOn = !exporters.includes("none") && exporters.includes("console");
  const sdkDisabled = getBooleanFromEnv("OTEL_SDK_DISABLED");
  if (!sdkDisabled) checkSdkDisabledEnv();
  // OTEL_TRACES_EXPORTER=none: "No automatically configured exporter for traces" (OpenTelemetry
  // environment variable specification, "Exporter Selection"): not the default spans file either. A
  // spans file named by `spansFile` or TRACEHOP_SPANS_FILE is still written: it was asked for by name.
  const defaultSpansFile = otlp || consoleOn || exporters.includes("none") ? undefined : DEFAULT_SPANS_FILE;
  const spansFile = resolveSpansFile(options.spansFile, defaultSpansFile, sdkDisabled);
  warnUnsupportedExporters(exportersAsWritten, { otlp: otlp !== undefined, console: consoleOn, spansFile });
  checkSdkPieces(options);

  return {
    resourceAttributes,
    detectors,
    spansFile: spansFile === undefined ? undefined : resolvePath(spansFile),
    otlp,
    console: consoleOn,
    sampler: options.sampler,
    ...resolveBatch(options.batch, sdkDisabled),
    shutdownTimeoutMillis,
    sdkDisabled,
  };
}

/**
 * The spans file as given (`spansFile`, else TRACEHOP_SPANS_FILE, else `defaultSpansFile`), checked
 * unless the SDK is disabled (nothing is written then). A bad `spansFile` throws (see
 * {@link resolveTracingConfig}); a bad TRACEHOP_SPANS_FILE is ignored with a warning.
 */
function resolveSpansFile(
  spansFile: StartTracingOptions["spansFile"],
  defaultSpansFile: string | undefined,
  sdkDisabled: boolean,
): string | undefined {
  if (spansFile === false) return undefined;
  if (spansFile !== undefined) {
    // A control character (a line break read with a path from a file, a CRLF .env file's carriage
    // return) makes a path nobody meant: refused, as TRACEHOP_SPANS_FILE with one is ignored.
    const path = assertCleanText("options.spansFile", nonEmptyString("spansFile", spansFile));
    const absolute = resolvePath(path);
    const problem = sdkDisabled ? undefined : spansFileProblem(absolute);
    if (problem !== undefined)
      throw Object.assign(
        new Error(
          `tracehop startTracing: options.spansFile ${quoteLocation(path)} ${problem}: every span would be lost. ` +
            `Pass the path of a file in a writable folder (missing folders are created), or spansFile: false for no spans file`,
        ),
        { code: BAD_SPANS_FILE_WARNING, path: absolute, reason: problem },
      );
    return path;
  }
  const fromEnv = getStringFromEnv(SPANS_FILE_ENV);
  if (fromEnv === undefined) return defaultSpansFile;
  // A control character (a line break pasted in, a CRLF .env file's carriage return) makes a path
  // nobody meant: ignored, as the same in code is refused (nonEmptyString's checks aside).
  const unclean = uncleanCharacterNote(fromEnv);
  const problem =
    unclean !== undefined
      ? `holds a control character: ${unclean}`
      : sdkDisabled
        ? undefined
        : spansFileProblem(resolvePath(fromEnv));
  if (problem === undefined) return fromEnv;
  // A setting of the deployment, not a mistake in the code: the process starts (as with a bad
  // DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH), with the default and a warning that says what to fix.
  const message =
    `tracehop: ${SPANS_FILE_ENV}=${quoteLocation(fromEnv)} ${problem} (ignored: ` +
    (defaultSpansFile === undefined
      ? "no spans file is written"
      : `the default, ${DEFAULT_SPANS_FILE}, is written instead`) +
    (unclean !== undefined
      ? `); remove it from the variable, or unset it`
      : `); set it to a file in a writable folder, or unset it`);
  diag.warn(message);
  emitSettingWarningOnce(message, BAD_SPANS_FILE_WARNING);
  return defaultSpansFile;
}

/** Checks the SDK pieces given as options (`sampler`, `propagator`, `instrumentations`) by their methods. */
function checkSdkPieces(options: StartTracingOptions): void {
  if (options.sampler !== undefined) requireMethods("sampler", options.sampler, ["shouldSample"]);
  if (options.propagator !== undefined)
    requireMethods("propagator", options.propagator, ["inject", "extract", "fields"]);
  if (options.instrumentations === undefined) return;
  if (!Array.isArray(options.instrumentations))
    throw new TypeError(
      `tracehop startTracing: options.instrumentations must be an array of instrumentations, got ${describe(options.instrumentations)}`,
    );
  // What the NodeSDK calls on each (registerInstrumentations), checked before anything starts.
  options.instrumentations.forEach((instrumentation, index) =>
    requireMethods(`instrumentations[${index}]`, instrumentation, ["setTracerProvider", "enable", "disable"]),
  );
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
  if (raw === undefined || value === "" || value === "false" || value === "true") return;
  warnSetting(
    `tracehop: OTEL_SDK_DISABLED=${quoteWritten(raw)} is neither true nor false; read as false, so tracing is on ` +
      `(OpenTelemetry environment variable specification, "Boolean value": only "true", in any case, ` +
      `is true). Set OTEL_SDK_DISABLED=true to turn the SDK off, or false (or unset it) to keep it on`,
    BAD_SDK_DISABLED_WARNING,
  );
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
    used.spansFile === undefined ? undefined : `the spans file ${quoteLocation(used.spansFile)}`,
  ].filter((destination) => destination !== undefined);
  const values = unsupported.map((name) => quoteWritten(name)).join(", ");
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
