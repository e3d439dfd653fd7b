import { getStringFromEnv } from "@opentelemetry/core";
import { describeNotPlain, describeValue, quoteWritten } from "../describe-value.js";
import { isPlainObject } from "../plain-object.js";
import { firstUnknownKey, knownNameHint } from "../known-options.js";
import { warnSetting } from "../warn-once.js";
import {
  isTimerMillis,
  MAX_BATCH_SIZE,
  MAX_TIMER_MILLIS,
  optionalMillis,
  optionalSize,
} from "./option-checks.js";
import type { StartTracingOptions, TracingConfig } from "./tracing-config.js";

/**
 * Code of the process warning for an OTEL_BSP_SCHEDULE_DELAY or OTEL_BSP_EXPORT_TIMEOUT that is not a
 * number of milliseconds a timer can wait ({@link MAX_TIMER_MILLIS} at most), an
 * OTEL_BSP_MAX_QUEUE_SIZE or OTEL_BSP_MAX_EXPORT_BATCH_SIZE that is not a whole number from 1 to
 * {@link MAX_BATCH_SIZE}, or an OTEL_BSP_MAX_EXPORT_BATCH_SIZE above the queue size (lowered to it).
 */
const BAD_BATCH_SETTING_WARNING = "TRACEHOP_BAD_BATCH_SETTING";

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

/** Why `raw`, an OTEL_BSP_* value out of the range of its {@link BSP_ENV} entry, is ignored. */
function bspProblem(raw: string, { name, min, millis }: (typeof BSP_ENV)[number]): string {
  if (millis)
    return `${name}=${quoteWritten(raw)} is not a number of milliseconds from ${min} to ${MAX_TIMER_MILLIS} (Node's timer limit)`;
  // Read as the SDK reads it (Number: 0x10 is 16, 1e3 is 1000), so 1e20 and Infinity are too large.
  return raw.trim() !== "" && Number(raw) > MAX_BATCH_SIZE
    ? `${name}=${quoteWritten(raw)} is too large: at most ${MAX_BATCH_SIZE} spans (2^53 - 1, the largest whole number ` +
        `a JavaScript number holds exactly)`
    : `${name}=${quoteWritten(raw)} is not a whole number of spans from ${min}`;
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

/** The setting a queue size comes from, by {@link BatchSize.from}, as {@link TracingConfig.queue} names it. */
const queueSettingName = {
  option: "batch.maxQueueSize",
  environment: "OTEL_BSP_MAX_QUEUE_SIZE",
  default: undefined,
} as const;

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
    return { value, from: "environment", label: `${entry.name}=${quoteWritten(raw)}${shown}` };
  }
  const why =
    raw === undefined
      ? `neither options.batch.${field} nor ${entry.name} is set`
      : `${entry.name}=${quoteWritten(raw)} being ignored`;
  return {
    value: entry.fallback,
    from: "default",
    label: `the default ${field} (${entry.fallback}; ${why})`,
  };
}

/**
 * The checked `batch` option (an unknown field throws, as an unknown option does) and the queue size
 * with the setting it comes from (`queue`). The option gets the SDK's
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
 * @throws TypeError or RangeError, message starting with `tracehop startTracing: `, naming what to fix.
 */
export function resolveBatch(
  batch: StartTracingOptions["batch"],
  sdkDisabled: boolean,
): Pick<TracingConfig, "batch" | "queue"> {
  if (batch !== undefined && !isPlainObject(batch))
    throw new TypeError(
      `tracehop startTracing: options.batch must be a plain object, got ${describeNotPlain(batch)}`,
    );
  const given = batch ?? {};
  const unknown = firstUnknownKey(given, BATCH_OPTION_NAMES);
  if (unknown !== undefined)
    throw new TypeError(
      `tracehop startTracing: options.batch has no option ${describeValue(unknown)}; ${knownNameHint(unknown, BATCH_OPTION_NAMES, "its options are")}`,
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
  const queueSetting = { size: queue.value, setting: queueSettingName[queue.from] };
  if (exportBatch.value <= queue.value) return { batch: out, queue: queueSetting };
  const raiseQueue =
    queue.from === "option"
      ? `set options.batch.maxQueueSize to at least ${exportBatch.value}`
      : queue.from === "environment"
        ? `raise OTEL_BSP_MAX_QUEUE_SIZE to at least ${exportBatch.value}`
        : `set options.batch.maxQueueSize (or OTEL_BSP_MAX_QUEUE_SIZE) to at least ${exportBatch.value}`;
  if (exportBatch.from === "option" || (queue.from === "option" && exportBatch.from === "environment"))
    throw new RangeError(
      `tracehop startTracing: ${exportBatch.label} must not exceed ${queue.label}: an export batch is taken ` +
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
  return { batch: out, queue: queueSetting };
}
