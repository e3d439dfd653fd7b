import { context, propagation, trace } from "@opentelemetry/api";
import { getStringFromEnv } from "@opentelemetry/core";
import type { BufferConfig, Sampler, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { restartOpenSpanCounts, stopOpenSpanCounts } from "../context/open-span-counts.js";
import { describeValue, quoteLocation, showLocation } from "../describe-value.js";
import { createPropagator } from "../propagation/create-propagator.js";
import { CollectorAnswers } from "./CollectorAnswers.js";
import { CountingExporter } from "./CountingExporter.js";
import { DropCountingProcessor, QueueFullCounter, warnDroppedSpans } from "./dropped-spans.js";
import { ExtractionSpanProcessor } from "./ExtractionSpanProcessor.js";
import { FailureRecordingExporter } from "./FailureRecordingExporter.js";
import { JsonLinesFileSpanExporter } from "./JsonLinesFileSpanExporter.js";
import {
  addInSpansFile,
  earlierLoss,
  inSpansFileNone,
  keptInSpansFile,
  lostThere,
  warnLostSpans,
  type InSpansFile,
} from "./lost-spans.js";
import { OpenSpanProcessor, warnSpansOpenAtShutdown } from "./open-spans.js";
import { assertNothingRegistered } from "./global-registration.js";
import { disableInstrumentations, rememberInstrumentations, warnOnNewInstances } from "./instrumentations.js";
import { LinkAwareSampler } from "./LinkAwareSampler.js";
import { maskUrl } from "./mask-url.js";
import { RestoredRootSampler } from "./RestoredRootSampler.js";
import { resolveSampler } from "./sampler-config.js";
import { otlpHttp, resources, sdkNode, sdkTraceBase } from "./sdk-modules.js";
import { afterWarning, failureReason, plural, settleWithin } from "./settle-within.js";
import { resolveTracingConfig, type StartTracingOptions, type TracingConfig } from "./tracing-config.js";
import type { Resource } from "@opentelemetry/resources";

export { type StartTracingOptions } from "./tracing-config.js";

/** Handle returned by {@link startTracing}. */
export interface TracingHandle {
  /**
   * Flushes pending spans and stops tracing. Resolves within `shutdownTimeoutMillis` even when the
   * collector is down or never answers (pending OTLP spans past the bound are dropped); the spans
   * file is flushed first, so it is complete whatever the collector does. Spans lost by the final
   * export are said (the process warning `TRACEHOP_FINAL_EXPORT_FAILED`) before it resolves, so a
   * `process.exit()` right after it does not swallow the warning. Never rejects; calling it
   * again returns the same promise. Afterwards the global tracer provider, propagator and context
   * manager are unregistered and the `instrumentations` it was given are disabled (their modules
   * unpatched; the NodeSDK's own shutdown leaves them bound to its stopped tracer provider), so
   * `startTracing` may be called again. Give it the same instrumentation instances: a new instance
   * cannot patch a module an earlier one patched (OpenTelemetry patches a module when it is first
   * loaded), so `startTracing` warns about one (`TRACEHOP_INSTRUMENTATION_NOT_APPLIED`).
   */
  shutdown(): Promise<void>;
}

/**
 * The start in this process whose `shutdown()` has not finished: its handle, its service name (for
 * the error of a second start) and, once its `shutdown()` was called, the promise that returned.
 */
interface RunningStart {
  handle: TracingHandle;
  service: string;
  stopping?: Promise<void>;
}
let running: RunningStart | undefined;
/** Starts in this process ({@link StartedTracing.key}). */
let starts = 0;

/**
 * `sampler` with Datadog Synthetics roots decided by their priority ({@link RestoredRootSampler});
 * the tracehop samplers that already do so are kept as they are.
 */
function withRestoredRoots(sampler: Sampler): Sampler {
  return sampler instanceof RestoredRootSampler || sampler instanceof LinkAwareSampler
    ? sampler
    : new RestoredRootSampler(sampler);
}

/**
 * Starts the OpenTelemetry Node SDK for one service, the way tracehop's processes export spans:
 *
 * - resource: `service.name`, `service.version`, `deployment.environment.name` (Datadog unified
 *   service tagging: `service`, `version`, `env`; from the options, else OTEL_SERVICE_NAME /
 *   OTEL_RESOURCE_ATTRIBUTES, else DD_SERVICE / DD_ENV / DD_VERSION), over what the resource detectors
 *   find (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, process, host; OTEL_NODE_RESOURCE_DETECTORS; a
 *   key or value of the environment holding a control character: left out, or cleaned);
 * - text-map propagator: tracehop's `createPropagator()` (tracecontext, baggage, datadog by default;
 *   OTEL_PROPAGATORS / DD_TRACE_PROPAGATION_STYLE*), so HTTP instrumentations and the carrier
 *   functions write the same headers;
 * - sampler: the `sampler` option, else OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG when set, else
 *   ParentBased(AlwaysOn); inside a `RestoredRootSampler`, so that a Datadog Synthetics root
 *   follows its sampling priority whatever the sampler (a `LinkAwareSampler` already does);
 * - export: a BatchSpanProcessor per destination — the OTLP JSON-lines spans file
 *   (`JsonLinesFileSpanExporter`), OTLP/HTTP with JSON bodies
 *   (`@opentelemetry/exporter-trace-otlp-http`; endpoint, headers, compression and TLS from
 *   OTEL_EXPORTER_OTLP_* unless `otlpEndpoint` is given), and the console when OTEL_TRACES_EXPORTER
 *   names it. Metrics and logs are left off unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER is set;
 * - what an extraction found, on the span an instrumentation starts from the extracted context
 *   (`ExtractionSpanProcessor`: the links of conflicting styles or of a `restart` extract
 *   behavior, a Synthetics root's trace id, `_dd.parent_id`).
 *
 * A collector that is down or slow never fails the application: each export and `shutdown()` are
 * bounded, spans beyond `batch.maxQueueSize` per destination are dropped, and spans lost are said
 * once, in one line, as the process warnings `TRACEHOP_FINAL_EXPORT_FAILED` and
 * `TRACEHOP_SPANS_DROPPED`; an export that fails while the process runs is said at the first failure
 * of each outage, at most once in 5 minutes per destination (`TRACEHOP_EXPORT_FAILED`), when exporting
 * works again (`TRACEHOP_EXPORT_RESUMED`) and in the total
 * at the end (docs/export.md, "When the collector is down or slow"); a `forceFlush()` of the global
 * tracer provider that you call yourself still rejects, with the exporter's error, when an export it
 * begins fails. The span processors
 * are flushed once on `beforeExit`; no signal or `uncaughtException` handler is installed
 * (docs/export.md, "startTracing(options)"). Environment settings it cannot use as written are ignored
 * with a `TRACEHOP_*` warning saying what applies instead (docs/export.md lists them).
 * OTEL_SDK_DISABLED=true starts nothing and disables the given instrumentations.
 *
 * @throws TypeError / RangeError (message `tracehop startTracing: ...`, naming what to fix) on bad
 *   options, an unknown option name or a bad `otlpEndpoint` (a bad OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT
 *   is ignored with a warning, `TRACEHOP_BAD_OTLP_ENDPOINT`); Error for a `spansFile` that
 *   cannot be written (`code` `TRACEHOP_BAD_SPANS_FILE`, `path`, `reason`; see
 *   `StartTracingOptions.spansFile`), for a start while an earlier one has not finished its
 *   `shutdown()`, and when another OpenTelemetry setup already registered a global tracer provider,
 *   context manager or propagator (docs/export.md, "With your own OpenTelemetry SDK").
 */
export function startTracing(options?: StartTracingOptions): TracingHandle {
  if (running) throw new Error(alreadyRunning(running));
  const config = resolveTracingConfig(options);
  const service = String(config.resourceAttributes[ATTR_SERVICE_NAME]);
  if (config.sdkDisabled) return startDisabled(options, service);
  assertNothingRegistered();
  const { defaultResource, detectResources, resourceFromAttributes } = resources();
  const resource = defaultResource()
    .merge(detectResources({ detectors: config.detectors }))
    .merge(resourceFromAttributes(config.resourceAttributes));
  const exporting = exportProcessors(config);

  const { NodeSDK } = sdkNode();
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors: exporting.spanProcessors,
    textMapPropagator: options?.propagator ?? createPropagator(),
    sampler: withRestoredRoots(resolveSampler(config.sampler)),
    instrumentations: options?.instrumentations ?? [],
    ...(getStringFromEnv("OTEL_METRICS_EXPORTER") === undefined ? { metricReaders: [] } : {}),
    ...(getStringFromEnv("OTEL_LOGS_EXPORTER") === undefined ? { logRecordProcessors: [] } : {}),
  });
  // Spans left open under an earlier start were said at its shutdown(): this one's counts its own.
  restartOpenSpanCounts();
  sdk.start();
  warnOnNewInstances(options?.instrumentations);

  const started: StartedTracing = {
    config,
    resource,
    exporting,
    key: ++starts,
    sdk,
    instrumentations: options?.instrumentations,
    lossSaid: new Set(),
  };
  const flushBeforeExit = (): void => flushOnceBeforeExit(started);
  // A script that just returns never reaches the BatchSpanProcessors' timers (unref'd): flush when
  // the event loop first runs empty. Once: the flush's own work would empty the loop again and again.
  // No signal handler: installing one would change how the process reacts to the signal.
  process.once("beforeExit", flushBeforeExit);
  const stop = async (): Promise<void> => {
    process.removeListener("beforeExit", flushBeforeExit);
    try {
      await stopTracing(started);
    } finally {
      if (running === current) running = undefined;
    }
  };
  const handle: TracingHandle = { shutdown: () => (current.stopping ??= stop()) };
  const current: RunningStart = { handle, service };
  running = current;
  return handle;
}

/** The span processors of one start (see {@link exportProcessors}). */
interface ExportProcessors {
  /**
   * In the NodeSDK's order: the open-span counts' processor, ExtractionSpanProcessor, then the spans
   * file, OTLP, the console.
   */
  spanProcessors: SpanProcessor[];
  /** Tells the open-span counts each span's end; keeps the spans open when the SDK stopped. */
  openSpans: OpenSpanProcessor;
  /** The spans file's processor: flushed first at shutdown. */
  fileProcessor: DropCountingProcessor | undefined;
  /** The processors whose dropped spans are said after a flush or the shutdown: file, OTLP. */
  dropCounting: DropCountingProcessor[];
  /** Their exporters (spans handed, failed exports counted), in the same order: file, OTLP. */
  lossCounting: CountingExporter[];
  /** The OTLP one of {@link lossCounting}. */
  otlpLoss: CountingExporter | undefined;
  /** The spans file's one of {@link lossCounting}: where the spans OTLP lost are kept, if anywhere. */
  fileLoss: CountingExporter | undefined;
  /** The OTLP exporter, for the messages of a last export that lost spans. */
  otlpExporter: FailureRecordingExporter | undefined;
  /** The OTLP traces URL for messages, its secrets masked. */
  otlpShown: string | undefined;
}

/**
 * The span processors of `config`: {@link ExtractionSpanProcessor} first (so that the export
 * processors' onStart sees the links too), then a BatchSpanProcessor per destination (spans file,
 * OTLP/HTTP) with its dropped spans and the spans of its failed exports counted
 * ({@link CountingExporter}), and the console's.
 */
function exportProcessors(config: TracingConfig): ExportProcessors {
  const { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } = sdkTraceBase();
  const dropCounting: DropCountingProcessor[] = [];
  const lossCounting: CountingExporter[] = [];
  const counted = (exporter: SpanExporter, destination: string, firstFailureSaid: boolean): void => {
    const counting = new CountingExporter(exporter, destination, firstFailureSaid);
    lossCounting.push(counting);
    // The processor reports each span its full queue drops to `drops` (dropped-spans.ts).
    const drops = new QueueFullCounter();
    const batchConfig: BufferConfig & { selfObsMeterProvider: QueueFullCounter } = {
      ...config.batch,
      selfObsMeterProvider: drops,
    };
    const processor = new DropCountingProcessor(
      new BatchSpanProcessor(counting, batchConfig),
      counting,
      { destination, queue: config.queue },
      drops,
    );
    dropCounting.push(processor);
  };
  // The spans file's exporter says its first failure itself (TRACEHOP_SPANS_FILE_UNWRITABLE).
  if (config.spansFile)
    counted(
      new JsonLinesFileSpanExporter(config.spansFile),
      `the spans file ${quoteLocation(config.spansFile)}`,
      true,
    );
  const fileProcessor = config.spansFile ? dropCounting[0] : undefined;
  let otlpExporter: FailureRecordingExporter | undefined;
  let otlpShown: string | undefined;
  if (config.otlp) {
    const { url, timeoutMillis, destination } = config.otlp;
    const { OTLPTraceExporter } = otlpHttp();
    otlpExporter = new FailureRecordingExporter(
      new OTLPTraceExporter(url === undefined ? { timeoutMillis } : { url, timeoutMillis }),
      new CollectorAnswers(destination),
    );
    otlpShown = showLocation(maskUrl(destination));
    counted(otlpExporter, otlpShown, false);
  }
  const openSpans = new OpenSpanProcessor();
  const spanProcessors: SpanProcessor[] = [openSpans, new ExtractionSpanProcessor(), ...dropCounting];
  if (config.console) spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  const otlpLoss = otlpExporter ? lossCounting.at(-1) : undefined;
  const fileLoss = config.spansFile ? lossCounting[0] : undefined;
  // The OTLP exporter's own lines say that the spans it lost are kept in the spans file.
  if (otlpLoss !== undefined) otlpLoss.copy = fileLoss;
  return {
    spanProcessors,
    openSpans,
    fileProcessor,
    dropCounting,
    lossCounting,
    otlpLoss,
    fileLoss,
    otlpExporter,
    otlpShown,
  };
}

/** One start's pieces, for its flush before exit and its shutdown. */
interface StartedTracing {
  config: TracingConfig;
  resource: Resource;
  exporting: ExportProcessors;
  /** This start's number in the process: tells apart the last-export warnings of successive starts. */
  key: number;
  sdk: { shutdown(): Promise<void> };
  instrumentations: StartTracingOptions["instrumentations"];
  /** The exporters whose lost spans a line of the last export said (with those of earlier exports). */
  lossSaid: Set<CountingExporter>;
}

/**
 * For a last OTLP export that failed (the collector refused, down, or answering an error): its
 * message, in one line, without the stack (`what`: `final export`), with the spans that earlier
 * failed exports lost ({@link earlierLoss}); `undefined` for any other failure, which is reported
 * with its error.
 */
function exportFailure(started: StartedTracing, error: unknown, what: string): string | undefined {
  const { exporting } = started;
  const lost = exporting.otlpExporter?.lostSpans(error);
  if (lost === undefined) return undefined;
  if (exporting.otlpLoss) started.lossSaid.add(exporting.otlpLoss);
  return (
    `tracehop: the ${what} of ${plural(lost, "span")} to ${exporting.otlpShown} failed: ` +
    `${failureReason(error)}; ${lostThere(exporting.fileLoss)}${earlierLoss(exporting.otlpLoss, lost)}` +
    keptInSpansFile(
      exporting.fileLoss,
      exporting.otlpLoss?.inCopyOfLastExports() ?? inSpansFileNone(),
      (exporting.otlpLoss?.lostWhileRunning ?? 0) > 0,
    )
  );
}

/**
 * For an OTLP export still open at the bound (a collector that never answers): its message, with its
 * spans; its failure, which comes when its request times out, is not said again.
 */
function exportTimedOut(started: StartedTracing, what: string): string | undefined {
  const { config, exporting } = started;
  const pending = exporting.otlpExporter?.pendingSpans() ?? 0;
  if (pending === 0) return undefined;
  if (exporting.otlpLoss) started.lossSaid.add(exporting.otlpLoss);
  return (
    `tracehop: the ${what} of ${plural(pending, "span")} to ${exporting.otlpShown} did not ` +
    `finish within the shutdown bound (${config.shutdownTimeoutMillis} ms); ` +
    `${lostThere(exporting.fileLoss)}${earlierLoss(exporting.otlpLoss, pending)}` +
    keptInSpansFile(
      exporting.fileLoss,
      pendingInSpansFile(exporting),
      (exporting.otlpLoss?.lostWhileRunning ?? 0) > 0,
    )
  );
}

/**
 * Where the spans file stands on the spans of {@link exportTimedOut}'s line: those of the exports still
 * open, and those of the earlier exports that failed while the process ran.
 */
function pendingInSpansFile(exporting: ExportProcessors): InSpansFile {
  const where = inSpansFileNone();
  const otlp = exporting.otlpLoss;
  if (otlp === undefined) return where;
  addInSpansFile(where, otlp.inCopyOfPending());
  addInSpansFile(where, otlp.inCopyWhileRunning);
  return where;
}

/** The flush when the event loop first runs empty (`beforeExit`), within `shutdownTimeoutMillis`. */
function flushOnceBeforeExit(started: StartedTracing): void {
  const { config, resource, exporting } = started;
  const deadline = Date.now() + config.shutdownTimeoutMillis;
  for (const exporter of exporting.lossCounting) exporter.lastExports();
  exporting.otlpExporter?.mark();
  const flushed = afterResourceAttributes(resource, deadline).then(() =>
    Promise.all(exporting.spanProcessors.map((processor) => processor.forceFlush())),
  );
  void settleWithin(flushed, {
    deadline,
    what: "flushing spans before exit",
    key: `${started.key}:before exit`,
    describeFailure: (error) => exportFailure(started, error, "export before exit"),
    describeTimeout: () => exportTimedOut(started, "export before exit"),
  }).then((finished) => {
    if (finished) warnDroppedSpans(exporting.dropCounting);
    warnLostSpans(exporting.lossCounting, `${started.key}:before exit`, started.lossSaid);
  });
}

/**
 * `shutdown()`: the spans file flushed, then the SDK shut down, each within the one bound; then the
 * instrumentations disabled and the globals unregistered, whatever happened.
 */
async function stopTracing(started: StartedTracing): Promise<void> {
  const { config, resource, exporting, key } = started;
  const deadline = Date.now() + config.shutdownTimeoutMillis;
  for (const exporter of exporting.lossCounting) exporter.lastExports();
  try {
    // A batch taken from a queue before the resource's attributes settled is not waited for by the
    // flushes below: let it reach its exporter first.
    await afterResourceAttributes(resource, deadline);
    // The file exporter writes synchronously: flushing it first keeps the file whole even when the
    // OTLP processor never finishes.
    if (exporting.fileProcessor)
      await settleWithin(exporting.fileProcessor.forceFlush(), {
        deadline,
        what: "flushing the spans file",
        key: `${key}:file`,
      });
    exporting.otlpExporter?.mark();
    const finished = await settleWithin(started.sdk.shutdown(), {
      deadline,
      what: "shutting down the SDK",
      key: `${key}:shutdown`,
      describeFailure: (error) => exportFailure(started, error, "final export"),
      describeTimeout: () => exportTimedOut(started, "final export"),
    });
    // Spans of tracehop's helpers not ended when the SDK's shutdown stopped the span processors are
    // never exported: one that ended while the spans file was flushed, before that, was exported.
    const open = warnSpansOpenAtShutdown(`${key}`, exporting.openSpans.openAtStop);
    const dropped = finished && warnDroppedSpans(exporting.dropCounting);
    const lost = warnLostSpans(exporting.lossCounting, `${key}:shutdown`, started.lossSaid);
    // A warning given now is printed on the next tick: let it be before shutdown() resolves.
    if (dropped || lost || open) await new Promise<void>(afterWarning);
  } finally {
    // NodeSDK.shutdown() leaves the instrumentations enabled, bound to this start's stopped tracer
    // provider: their wrappers would keep running, and after a restart with new instances (which
    // cannot patch a loaded module again) record each request into the stopped processors.
    exporting.otlpExporter?.stopWatching();
    stopOpenSpanCounts();
    rememberInstrumentations(started.instrumentations);
    disableInstrumentations(started.instrumentations, "shutdown()");
    trace.disable();
    propagation.disable();
    context.disable();
  }
}

/**
 * Waits, until `deadline` (epoch ms) at most, for the resource's asynchronous attributes (those its
 * detectors give as promises), then one turn of the event loop. A BatchSpanProcessor that took a batch
 * from its queue while they were pending (a full batch ends at once: 512 spans by default) exports it
 * only once they settle, and its `forceFlush` / `shutdown` do not wait for that batch
 * (@opentelemetry/sdk-trace 2.x `BatchSpanProcessorBase._flushOneBatch`): the exporter was shut first and
 * the batch lost (a script that ended 512 spans and shut down at once left no spans file). Never
 * rejects.
 */
async function afterResourceAttributes(resource: Resource, deadline: number): Promise<void> {
  if (!resource.asyncAttributesPending || !resource.waitForAsyncAttributes) return;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((done) => {
    timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    timer.unref();
  });
  await Promise.race([resource.waitForAsyncAttributes().catch(() => undefined), bound]);
  clearTimeout(timer);
  await new Promise<void>((done) => setImmediate(done));
}

/**
 * The error of a `startTracing` while `current` runs: one tracing setup per process at a time (the
 * OpenTelemetry API keeps one global tracer provider, propagator and context manager). It says what to
 * do: use the running one, or await its `shutdown()` first — and, when `shutdown()` was called but has
 * not finished (not awaited), that it must be awaited.
 */
function alreadyRunning(current: RunningStart): string {
  // Escaped and cut as every value tracehop quotes (a name from configuration may hold anything).
  const which = `service ${describeValue(current.service)}`;
  return current.stopping !== undefined
    ? `tracehop startTracing: tracing in this process (${which}) is still shutting down: shutdown() was called ` +
        `but has not finished. Await the promise shutdown() returned before calling startTracing again`
    : `tracehop startTracing: tracing is already started in this process (${which}, by an earlier startTracing); ` +
        `one tracing setup per process at a time (one service name per process too: the OpenTelemetry ` +
        `API keeps one global tracer provider). Keep using the running one, or await shutdown() on the ` +
        `handle the earlier startTracing returned before calling startTracing again`;
}

/**
 * `startTracing` under OTEL_SDK_DISABLED=true: what the NodeSDK does then (registers nothing), without
 * loading it, and the given instrumentations turned off. The handle's `shutdown` only ends this start.
 */
function startDisabled(options: StartTracingOptions | undefined, service: string): TracingHandle {
  disableInstrumentations(options?.instrumentations, "OTEL_SDK_DISABLED");
  const handle: TracingHandle = {
    shutdown: () => {
      if (running?.handle === handle) running = undefined;
      return Promise.resolve();
    },
  };
  running = { handle, service };
  return handle;
}
