import {
  context,
  diag,
  propagation,
  ProxyTracerProvider,
  trace,
  TraceFlags,
  type Context,
  type TracerProvider,
} from "@opentelemetry/api";
import { ExportResultCode, getStringFromEnv, type ExportResult } from "@opentelemetry/core";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import type { ReadableSpan, Sampler, Span, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { contextManagerRegistered } from "../context/run-in-span.js";
import { createPropagator } from "../propagation/create-propagator.js";
import { ExtractionSpanProcessor } from "./ExtractionSpanProcessor.js";
import { JsonLinesFileSpanExporter } from "./file-exporter.js";
import { LinkAwareSampler } from "./LinkAwareSampler.js";
import { RestoredRootSampler } from "./RestoredRootSampler.js";
import { otlpHttp, resources, sdkNode, sdkTraceBase } from "./sdk-modules.js";
import { resolveSampler, resolveTracingConfig, type StartTracingOptions } from "./tracing-config.js";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { warnOnce } from "../warn-once.js";
import { CollectorAnswers } from "./collector-answers.js";
import { oneLine } from "./error-text.js";

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
/** Starts in this process: tells apart the last-export warnings of successive starts. */
let starts = 0;

/**
 * Code of the process warning of a last export that lost spans: the final one (`shutdown()`) or the
 * one before exit failed or did not finish within `shutdownTimeoutMillis`.
 */
export const FINAL_EXPORT_FAILED_WARNING = "TRACEHOP_FINAL_EXPORT_FAILED";

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
 *   service tagging: `service`, `version`, `env`), over what the resource detectors find
 *   (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, process, host; OTEL_NODE_RESOURCE_DETECTORS);
 * - text-map propagator: tracehop's `createPropagator()` (tracecontext, baggage, datadog by default;
 *   OTEL_PROPAGATORS / DD_TRACE_PROPAGATION_STYLE*), so HTTP instrumentations and the carrier
 *   functions write the same headers;
 * - sampler: the `sampler` option, else OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG when set, else
 *   ParentBased(AlwaysOn); inside a {@link RestoredRootSampler}, so that a Datadog Synthetics root
 *   follows its sampling priority whatever the sampler (a `LinkAwareSampler` already does);
 * - export: a BatchSpanProcessor per destination — the OTLP JSON-lines spans file
 *   ({@link JsonLinesFileSpanExporter}), OTLP/HTTP with JSON bodies
 *   (@opentelemetry/exporter-trace-otlp-http; endpoint, headers, compression and TLS from
 *   OTEL_EXPORTER_OTLP_* unless `otlpEndpoint` is given), and the console when OTEL_TRACES_EXPORTER
 *   names it. Metrics and logs are left off unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER is set;
 * - what an extraction found, on the span an instrumentation starts from the extracted context
 *   ({@link ExtractionSpanProcessor}: the links of conflicting styles or of a `restart` extract
 *   behavior, a Synthetics root's trace id, `_dd.parent_id`).
 *
 * Resilience: a collector that is down or slow never fails the application. Each export is bounded
 * by `exportTimeoutMillis` (retries included), at most `batch.maxQueueSize` ended spans wait per
 * destination (more are dropped; once the queue is emptied by the flush before exit or the shutdown,
 * their number is said once per destination, the process warning `TRACEHOP_SPANS_DROPPED`), failures
 * are reported through `diag`, never as a rejection, and
 * {@link TracingHandle.shutdown} is bounded. The last export (at shutdown or before exit) that loses
 * spans is said in one line, through `diag` and as the process warning `TRACEHOP_FINAL_EXPORT_FAILED`
 * (visible without a diag logger): `the final export of 2 spans to <url> failed: <reason>; those
 * spans are lost`, or, for a collector that never answers, `... did not finish within the shutdown
 * bound (5000 ms); those spans are lost` (the open request's own timeout afterwards is not said again).
 *
 * Exit: when the process is about to exit because its event loop ran empty (`beforeExit`: a script
 * that just returns), the span processors are flushed once, within `shutdownTimeoutMillis`, so its
 * spans are not lost. No signal handler is installed: a process stopped by a signal (SIGTERM from an
 * orchestrator, Ctrl-C) or by `process.exit()` must call {@link TracingHandle.shutdown} itself, and
 * so must one that dies of an uncaught exception, from an `uncaughtException` listener of its own
 * (docs/export.md; no listener is installed either: it would change how the process fails).
 *
 * Environment settings it cannot use as written (an unknown OTEL_TRACES_EXPORTER value or
 * OTEL_TRACES_SAMPLER, an OTLP protocol other than http/json, ...) are ignored with a warning saying
 * what applies instead: `diag.warn` and a `TRACEHOP_*` process warning, visible without a diag logger
 * (they are read before the NodeSDK sets up the OTEL_LOG_LEVEL one; docs/export.md lists them).
 *
 * OTEL_SDK_DISABLED=true starts nothing (no tracer provider, propagator or context manager, as the
 * NodeSDK does) and also turns off the given instrumentations: an OpenTelemetry instrumentation
 * patches its module when it is constructed (`InstrumentationBase` enables itself unless built with
 * `enabled: false`), so without this a "disabled" service would still run every instrumented call
 * through the instrumentation's wrappers and no-op spans.
 *
 * @throws TypeError / RangeError (message starts with `startTracing:` and names what to fix) on bad
 *   options, an option name it does not have (`spansfile`), or a bad OTEL_EXPORTER_OTLP_*ENDPOINT; Error
 *   for a `spansFile` that cannot be written (a folder, a path under a file, no permission: the
 *   message says what to fix; `code` `TRACEHOP_BAD_SPANS_FILE`, `path` and `reason` say it to code; a
 *   bad TRACEHOP_SPANS_FILE is a warning, see `StartTracingOptions.spansFile`); Error when tracing is
 *   already started in this process and its `shutdown()` has not finished (the message names its
 *   service and says to keep using it or to await `shutdown()` first; a `shutdown()` called but not
 *   awaited is said to be still running), or when another OpenTelemetry setup already registered a
 *   global tracer provider, context manager or propagator (docs/export.md, "With your own
 *   OpenTelemetry SDK").
 */
export function startTracing(options?: StartTracingOptions): TracingHandle {
  if (running) throw new Error(alreadyRunning(running));
  const config = resolveTracingConfig(options);
  const service = String(config.resourceAttributes[ATTR_SERVICE_NAME]);
  if (config.sdkDisabled) return startDisabled(options, service);
  assertNothingRegistered();
  const { defaultResource, detectResources, resourceFromAttributes } = resources();
  const { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } = sdkTraceBase();
  const resource = defaultResource()
    .merge(detectResources({ detectors: config.detectors }))
    .merge(resourceFromAttributes(config.resourceAttributes));

  const queueSize =
    config.batch.maxQueueSize ?? Number(getStringFromEnv("OTEL_BSP_MAX_QUEUE_SIZE") ?? DEFAULT_QUEUE_SIZE);
  const fileExporter = config.spansFile
    ? new CountingExporter(new JsonLinesFileSpanExporter(config.spansFile))
    : undefined;
  const fileProcessor =
    fileExporter && config.spansFile
      ? new DropCountingProcessor(new BatchSpanProcessor(fileExporter, { ...config.batch }), fileExporter, {
          destination: `the spans file ${config.spansFile}`,
          queueSize,
        })
      : undefined;
  // First, so that the export processors' onStart sees the links too.
  const spanProcessors: SpanProcessor[] = [new ExtractionSpanProcessor()];
  if (fileProcessor) spanProcessors.push(fileProcessor);
  let otlpExporter: FailureRecordingExporter | undefined;
  if (config.otlp) {
    const { url, timeoutMillis, destination } = config.otlp;
    const { OTLPTraceExporter } = otlpHttp();
    otlpExporter = new FailureRecordingExporter(
      new OTLPTraceExporter(url === undefined ? { timeoutMillis } : { url, timeoutMillis }),
      new CollectorAnswers(destination),
    );
    spanProcessors.push(
      new DropCountingProcessor(new BatchSpanProcessor(otlpExporter, { ...config.batch }), otlpExporter, {
        destination,
        queueSize,
      }),
    );
  }
  if (config.console) spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));

  const { NodeSDK } = sdkNode();
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors,
    textMapPropagator: options?.propagator ?? createPropagator(),
    sampler: withRestoredRoots(resolveSampler(config.sampler)),
    instrumentations: options?.instrumentations ?? [],
    ...(getStringFromEnv("OTEL_METRICS_EXPORTER") === undefined ? { metricReaders: [] } : {}),
    ...(getStringFromEnv("OTEL_LOGS_EXPORTER") === undefined ? { logRecordProcessors: [] } : {}),
  });
  sdk.start();
  warnOnNewInstances(options?.instrumentations);

  // A last OTLP export that failed (the collector refused, down, or answering an error) is said as
  // such, in one line, without the stack; any other failure is reported with its error.
  const exportFailure = (error: unknown, what: string): string | undefined => {
    const lost = otlpExporter?.lostSpans(error);
    return lost === undefined
      ? undefined
      : `tracehop: the ${what} of ${plural(lost, "span")} to ${config.otlp!.destination} failed: ` +
          `${failureReason(error)}; those spans are lost`;
  };
  // An OTLP export still open at the bound (a collector that never answers): said by the line of the
  // bound, with its spans; its failure, which comes when its request times out, is not said again.
  const exportTimedOut = (what: string): string | undefined => {
    const pending = otlpExporter?.pendingSpans() ?? 0;
    return pending === 0
      ? undefined
      : `tracehop: the ${what} of ${plural(pending, "span")} to ${config.otlp!.destination} did not ` +
          `finish within the shutdown bound (${config.shutdownTimeoutMillis} ms); those spans are lost`;
  };
  const start = ++starts;
  // A script that just returns never reaches the BatchSpanProcessors' timers (unref'd): flush when
  // the event loop first runs empty. Once: the flush's own work would empty the loop again and again.
  // No signal handler: installing one would change how the process reacts to the signal.
  const flushBeforeExit = (): void => {
    const deadline = Date.now() + config.shutdownTimeoutMillis;
    otlpExporter?.mark();
    const flushed = afterResourceAttributes(resource, deadline).then(() =>
      Promise.all(spanProcessors.map((processor) => processor.forceFlush())),
    );
    void settleWithin(flushed, {
      deadline,
      what: "flushing spans before exit",
      key: `${start}:before exit`,
      describeFailure: (error) => exportFailure(error, "export before exit"),
      describeTimeout: () => exportTimedOut("export before exit"),
    }).then((finished) => {
      if (finished) warnDroppedSpans(spanProcessors);
    });
  };
  process.once("beforeExit", flushBeforeExit);

  const handle: TracingHandle = {
    shutdown: () => (started.stopping ??= stop()),
  };
  const started: RunningStart = { handle, service };
  const stop = async (): Promise<void> => {
    process.removeListener("beforeExit", flushBeforeExit);
    const deadline = Date.now() + config.shutdownTimeoutMillis;
    try {
      // A batch taken from a queue before the resource's attributes settled is not waited for by the
      // flushes below: let it reach its exporter first.
      await afterResourceAttributes(resource, deadline);
      // The file exporter writes synchronously: flushing it first keeps the file whole even when the
      // OTLP processor never finishes.
      if (fileProcessor)
        await settleWithin(fileProcessor.forceFlush(), {
          deadline,
          what: "flushing the spans file",
          key: `${start}:file`,
        });
      otlpExporter?.mark();
      const finished = await settleWithin(sdk.shutdown(), {
        deadline,
        what: "shutting down the SDK",
        key: `${start}:shutdown`,
        describeFailure: (error) => exportFailure(error, "final export"),
        describeTimeout: () => exportTimedOut("final export"),
      });
      if (finished) {
        warnDroppedSpans(spanProcessors);
        await new Promise<void>(afterWarning);
      }
    } finally {
      // NodeSDK.shutdown() leaves the instrumentations enabled, bound to this start's stopped tracer
      // provider: their wrappers would keep running, and after a restart with new instances (which
      // cannot patch a loaded module again) record each request into the stopped processors.
      otlpExporter?.stopWatching();
      rememberInstrumentations(options?.instrumentations);
      disableInstrumentations(options?.instrumentations, "shutdown()");
      trace.disable();
      propagation.disable();
      context.disable();
      if (running === started) running = undefined;
    }
  };
  running = started;
  return handle;
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
async function afterResourceAttributes(
  resource: { asyncAttributesPending?: boolean; waitForAsyncAttributes?(): Promise<void> },
  deadline: number,
): Promise<void> {
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
  const which = `service ${JSON.stringify(current.service)}`;
  return current.stopping !== undefined
    ? `startTracing: tracing in this process (${which}) is still shutting down: shutdown() was called ` +
        `but has not finished. Await the promise shutdown() returned before calling startTracing again`
    : `startTracing: tracing is already started in this process (${which}, by an earlier startTracing); ` +
        `one tracing setup per process at a time (one service name per process too: the OpenTelemetry ` +
        `API keeps one global tracer provider). Keep using the running one, or await shutdown() on the ` +
        `handle the earlier startTracing returned before calling startTracing again`;
}

/**
 * Throws when another OpenTelemetry setup already registered a global tracer provider, context
 * manager or propagator. The API keeps the first registration of each and refuses the NodeSDK's
 * (reported only through `diag`), so tracehop's exporters, `ExtractionSpanProcessor`,
 * `RestoredRootSampler` and propagator would silently not be used — and this handle's `shutdown()`
 * would unregister what the other setup registered.
 */
function assertNothingRegistered(): void {
  const provider = registeredTracerProvider();
  if (provider !== undefined) {
    const name = provider.constructor?.name;
    throw new Error(
      `startTracing: an OpenTelemetry SDK is already registered in this process: the global tracer provider is ${name ? `a ${name}` : "set"} (NodeSDK.start(), provider.register() or trace.setGlobalTracerProvider(); ` +
        "also a NodeSDK preloaded with --import @opentelemetry/auto-instrumentations-node/register); " +
        "the OpenTelemetry API keeps the first one, so tracehop's exporters, ExtractionSpanProcessor and RestoredRootSampler would not be used. " +
        "Start only one: either drop the other SDK and let startTracing set it up, or add tracehop to your SDK instead of calling startTracing — " +
        "new ExtractionSpanProcessor() first in its spanProcessors, its sampler wrapped in new RestoredRootSampler(sampler), and textMapPropagator: createPropagator() " +
        '(docs/export.md, "With your own OpenTelemetry SDK" in the tracehop package). ' +
        "An SDK that was shut down stays registered: call trace.disable(), context.disable() and propagation.disable() (@opentelemetry/api) before startTracing",
    );
  }
  const others = [
    contextManagerRegistered() ? "context manager (context.setGlobalContextManager)" : undefined,
    propagation.fields().length > 0 ? "propagator (propagation.setGlobalPropagator)" : undefined,
  ].filter((what) => what !== undefined);
  if (others.length > 0)
    throw new Error(
      `startTracing: a global OpenTelemetry ${others.join(" and a global ")} is already registered in this process; ` +
        "startTracing registers its own and the OpenTelemetry API keeps the first registration, so tracehop's would be ignored. " +
        `Remove that registration or undo it first (${others.map((what) => (what.startsWith("context") ? "context.disable()" : "propagation.disable()")).join(", ")}; ` +
        (others.some((what) => what.startsWith("propagator"))
          ? "a propagator of your own goes in startTracing's `propagator` option), "
          : "startTracing registers an AsyncLocalStorage context manager itself), ") +
        'or set up your own SDK with tracehop\'s pieces instead of calling startTracing (docs/export.md, "With your own OpenTelemetry SDK" in the tracehop package)',
    );
}

/**
 * The global tracer provider another setup registered, if any: the delegate of the API's
 * `ProxyTracerProvider` when it is not the no-op one. The global proxy may come from another copy of
 * `@opentelemetry/api` (of the same major version), whose no-op provider is another object: it is then
 * told by its class name.
 */
function registeredTracerProvider(): TracerProvider | undefined {
  const global = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  const delegate = typeof global.getDelegate === "function" ? global.getDelegate() : global;
  if (delegate === NOOP_TRACER_PROVIDER || delegate.constructor?.name === "NoopTracerProvider")
    return undefined;
  return delegate;
}

/** The API's no-op tracer provider: the delegate of a ProxyTracerProvider that was given none. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

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

/**
 * Disables each instrumentation (unpatching its module) and marks its config `enabled: false`, the
 * state of one constructed that way: a later `startTracing` (the NodeSDK's registration,
 * `registerInstrumentations`, enables only those) enables it again. One that throws is reported
 * through `diag`, `when` naming the occasion, and skipped.
 */
function disableInstrumentations(
  instrumentations: StartTracingOptions["instrumentations"],
  when: string,
): void {
  for (const instrumentation of instrumentations?.flat() ?? []) {
    try {
      instrumentation.disable();
      instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: false });
    } catch (error) {
      diag.warn(`tracehop: ${when}: could not disable ${instrumentation.instrumentationName}`, error);
    }
  }
}

/**
 * The first instance of each instrumentation (by name) that a start in this process was given,
 * recorded by `shutdown()`, for {@link warnOnNewInstances}. Its require hook, registered first, sees
 * every load of its modules, so it can always patch them again.
 */
const usedBefore = new Map<string, Instrumentation>();

/** Code of the process warning of {@link warnOnNewInstances}. */
export const INSTRUMENTATION_NOT_APPLIED_WARNING = "TRACEHOP_INSTRUMENTATION_NOT_APPLIED";

/** At shutdown: records the instrumentations of this start, for {@link warnOnNewInstances}. */
function rememberInstrumentations(instrumentations: StartTracingOptions["instrumentations"]): void {
  for (const instrumentation of instrumentations?.flat() ?? [])
    if (!usedBefore.has(instrumentation.instrumentationName))
      usedBefore.set(instrumentation.instrumentationName, instrumentation);
}

/**
 * Warns (`warnOnce`: `diag.warn` and the process warning `TRACEHOP_INSTRUMENTATION_NOT_APPLIED`) about
 * an instrumentation that is another instance than the first one of its name a start in this process
 * was given.
 * OpenTelemetry patches a module when it is loaded, through one require-in-the-middle hook per process
 * that keeps the module it patched and does not call later hooks for it (OpenTelemetry's rule: create
 * an instrumentation before its module is first required): a module loaded while the earlier instance
 * was enabled (`node:http` for the HTTP instrumentation, once a server was created) is never patched
 * by the new instance, and its calls are not traced, without an error. The first instance patches
 * it again when given to `startTracing` (its `enable()` re-applies its patch to the module it saw).
 * Whether the module was loaded is not public API, so this warns on every new instance.
 */
function warnOnNewInstances(instrumentations: StartTracingOptions["instrumentations"]): void {
  for (const instrumentation of instrumentations?.flat() ?? []) {
    const before = usedBefore.get(instrumentation.instrumentationName);
    if (before === undefined || before === instrumentation) continue;
    const name = instrumentation.instrumentationName;
    const message =
      `tracehop: startTracing was given a new ${name} instance, but an earlier startTracing in this ` +
      `process was given another one: OpenTelemetry patches a module once, when it is first loaded, so ` +
      `a module the earlier instance patched is not patched by the new one and its calls are not traced. ` +
      `Give each startTracing the instance the first startTracing was given (shutdown() disabled it; ` +
      `startTracing enables it and it patches its modules again), or start each SDK in its own process`;
    warnOnce(message, message, INSTRUMENTATION_NOT_APPLIED_WARNING);
  }
}

/**
 * The OTLP exporter, with each failed export's error recorded (one made when the exporter gave none),
 * so that the rejection of a flush or a shutdown it causes can be told from another failure of the SDK
 * and said with the number of spans lost.
 */
class FailureRecordingExporter implements SpanExporter {
  /** The error of each failed export, with its number of spans. */
  private readonly failures = new WeakMap<object, number>();
  /** Spans of the failed exports begun since the last {@link mark}. */
  private failedSinceMark = 0;
  private generation = 0;
  /** Spans of the exports begun and not finished yet. */
  private inFlight = 0;
  /** Spans handed to this exporter by its BatchSpanProcessor ({@link DropCountingProcessor}). */
  handed = 0;

  /**
   * `answers`: the collector's HTTP error answers, watched from now until {@link stopWatching}, for
   * the status of an export that failed with a retryable status (see {@link CollectorAnswers}).
   */
  constructor(
    private readonly exporter: SpanExporter,
    private readonly answers: CollectorAnswers,
  ) {
    answers.start();
  }

  /** Stops watching the collector's answers (at shutdown). */
  stopWatching(): void {
    this.answers.stop();
  }

  /** Starts counting the failed spans of the exports begun from now on (a flush, a shutdown). */
  mark(): void {
    this.generation++;
    this.failedSinceMark = 0;
  }

  /**
   * For the rejection `error` of a flush or shutdown begun at the last {@link mark}: the spans its
   * failed exports held, when `error` is an export failure of this exporter; else `undefined`.
   */
  lostSpans(error: unknown): number | undefined {
    if (typeof error !== "object" || error === null) return undefined;
    const spans = this.failures.get(error);
    return spans === undefined ? undefined : Math.max(spans, this.failedSinceMark);
  }

  /** The spans of the exports begun and not finished (a request still open, a retry waiting). */
  pendingSpans(): number {
    return this.inFlight;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const generation = this.generation;
    this.handed += spans.length;
    this.inFlight += spans.length;
    this.exporter.export(spans, (result) => {
      this.inFlight -= spans.length;
      if (result.code === ExportResultCode.SUCCESS) return resultCallback(result);
      const error: Error =
        typeof result.error === "object" && result.error !== null
          ? withRetryableStatus(result.error, this.answers.last)
          : new Error(`the OTLP exporter reported a failure (${String(result.error ?? "no error given")})`);
      this.failures.set(error, spans.length);
      if (generation === this.generation) this.failedSinceMark += spans.length;
      resultCallback({ ...result, error });
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

/** The BatchSpanProcessor's queue size when neither the option nor OTEL_BSP_MAX_QUEUE_SIZE sets it. */
const DEFAULT_QUEUE_SIZE = 2048;

/** Code of the process warning of spans a full BatchSpanProcessor queue dropped ({@link warnDroppedSpans}). */
const SPANS_DROPPED_WARNING = "TRACEHOP_SPANS_DROPPED";

/** An exporter that counts the spans handed to it. */
class CountingExporter implements SpanExporter {
  /** Spans handed to {@link export}. */
  handed = 0;

  constructor(private readonly exporter: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.handed += spans.length;
    this.exporter.export(spans, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * A BatchSpanProcessor with the sampled spans it was given counted, so that the spans its full queue
 * dropped can be said once its queue is empty (after a flush or a shutdown): the ended ones not handed
 * to its exporter. The SDK's BatchSpanProcessor (@opentelemetry/sdk-trace, `_addToBuffer`) drops a
 * span ended while `maxQueueSize` spans wait, saying so only through `diag` (`diag.debug` at the first
 * drop, `diag.warn` with the count when a later span is queued again: never when the burst is the
 * last work, and never without a diag logger); its own count is private. Per span: one bit test and
 * one increment.
 */
class DropCountingProcessor implements SpanProcessor {
  /** Sampled spans ended before shutdown (what the BatchSpanProcessor queues or drops). */
  private ended = 0;
  private stopped = false;

  constructor(
    private readonly processor: SpanProcessor,
    private readonly exporter: { readonly handed: number },
    /** For the warning: where the spans go, and the queue size. */
    readonly target: { destination: string; queueSize: number },
  ) {}

  /** Spans dropped so far: exact once the queue is empty (after a flush or a shutdown finished). */
  dropped(): number {
    return Math.max(0, this.ended - this.exporter.handed);
  }

  onStart(span: Span, parentContext: Context): void {
    this.processor.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (!this.stopped && (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) this.ended++;
    this.processor.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.processor.forceFlush();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return this.processor.shutdown();
  }
}

/**
 * Once per destination and process, the spans a full queue dropped (`warnOnce`: `diag.warn` and the
 * process warning `TRACEHOP_SPANS_DROPPED`), with what to change. Called when a flush or the shutdown
 * of `processors` finished within its bound, so every queued span was handed to its exporter.
 */
function warnDroppedSpans(processors: readonly SpanProcessor[]): void {
  for (const processor of processors) {
    if (!(processor instanceof DropCountingProcessor)) continue;
    const dropped = processor.dropped();
    if (dropped === 0) continue;
    const { destination, queueSize } = processor.target;
    warnOnce(
      `spans dropped: ${destination}`,
      `tracehop: ${plural(dropped, "span")} ended while the export queue for ${destination} was full ` +
        `(${plural(queueSize, "span")}, batch.maxQueueSize) and ${dropped === 1 ? "was" : "were"} dropped, ` +
        `never exported (said once per process; the count is up to now). Raise batch.maxQueueSize (or ` +
        `OTEL_BSP_MAX_QUEUE_SIZE), or lower batch.scheduledDelayMillis so batches leave sooner`,
      SPANS_DROPPED_WARNING,
    );
  }
}

/**
 * The message of the OTLP exporter's error for an export whose last answer was a retryable status
 * (429, 502, 503, 504): `Export failed with retryable status`, an `OTLPExporterError` without `code`
 * or `data` (@opentelemetry/otlp-exporter-base drops the status and Retry-After of such an answer).
 */
const RETRYABLE_STATUS_MESSAGE = "Export failed with retryable status";

/**
 * `error`, or, when it is the exporter's bare retryable-status error and the collector's last error
 * answer is known (`answer`), an Error saying that answer (`HTTP 503 Service Unavailable (Retry-After:
 * 30), a retryable status: the exporter gave up retrying`), the exporter's error as its `cause`.
 */
function withRetryableStatus(error: Error, answer: CollectorAnswers["last"]): Error {
  if (answer === undefined || error.message !== RETRYABLE_STATUS_MESSAGE) return error;
  if ((error as { code?: unknown }).code !== undefined) return error;
  const text = answer.statusText === "" ? "" : ` ${answer.statusText}`;
  const retryAfter = answer.retryAfter === undefined ? "" : ` (Retry-After: ${answer.retryAfter})`;
  return new Error(
    `HTTP ${answer.status}${text}${retryAfter}, a retryable status: the exporter gave up retrying`,
    { cause: error },
  );
}

/**
 * What an export error says, in one line (whitespace and line breaks collapsed: {@link oneLine}):
 * `HTTP <status> <text>` for the collector's answer (an `OTLPExporterError` with a status code, or a
 * retryable status read by {@link withRetryableStatus}), else the error's message (`connect
 * ECONNREFUSED 127.0.0.1:4318`, `Request Timeout`).
 */
function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return oneLine(String(error));
  const status = (error as { code?: unknown }).code;
  const message = error.message || error.name;
  return oneLine(
    error.name === "OTLPExporterError" && typeof status === "number" ? `HTTP ${status} ${message}` : message,
  );
}

/** `1 span`, `2 spans`. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * Calls `then` once a process warning emitted just before has been printed: Node emits (and prints)
 * a warning on the next tick, while the code awaiting `shutdown()` runs as promise reactions, which
 * come first. Without this, `await tracing.shutdown(); process.exit(0)` (docs/export.md's SIGTERM
 * handler) would exit before the warning is printed.
 */
function afterWarning(then: () => void): void {
  process.nextTick(then);
}

/** How {@link settleWithin} waits for one piece of work and reports its failure. */
interface SettleOptions {
  /** When to stop waiting, epoch milliseconds. */
  deadline: number;
  /** What the work is, for the generic line (`flushing the spans file`). */
  what: string;
  /** The occasion (`<start>:shutdown`), for `warnOnce`: one process warning per occasion. */
  key: string;
  /** The whole message of a rejection it recognises as lost spans (an OTLP export), else `undefined`. */
  describeFailure?: (error: unknown) => string | undefined;
  /** The whole message of the timeout when spans are lost by it (an OTLP export still open). */
  describeTimeout?: () => string | undefined;
}

/**
 * Waits for `work` until `deadline`; a rejection or a timeout is reported, never thrown, in one line.
 * A message from `describeFailure` or `describeTimeout` means spans lost for good, so it is said
 * through `diag.warn` and as the process warning `TRACEHOP_FINAL_EXPORT_FAILED` (`warnOnce` per
 * `key`: visible without a diag logger, which most processes do not set). Any other failure is said
 * through `diag.warn` only (a spans file that cannot be written has its own process warning,
 * `TRACEHOP_SPANS_FILE_UNWRITABLE`). A rejection after the deadline is not reported: the timeout's
 * line already said that the pending spans are lost.
 */
function settleWithin(
  work: Promise<unknown>,
  { deadline, what, key, describeFailure, describeTimeout }: SettleOptions,
): Promise<boolean> {
  const report = (lost: string | undefined, otherwise: string) => {
    if (lost === undefined) diag.warn(otherwise);
    else warnOnce(`last export ${key}`, lost, FINAL_EXPORT_FAILED_WARNING);
  };
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const timer = setTimeout(
      () => {
        settled = true;
        report(
          describeTimeout?.(),
          `tracehop: ${what} did not finish within the shutdown bound; pending spans dropped`,
        );
        afterWarning(() => resolve(false));
      },
      Math.max(0, deadline - Date.now()),
    );
    // Not unref'd: code awaiting shutdown() must run even when nothing else keeps the process alive.
    work.then(
      () => {
        clearTimeout(timer);
        settled = true;
        resolve(true);
      },
      (error: unknown) => {
        if (settled) return;
        clearTimeout(timer);
        settled = true;
        report(describeFailure?.(error), `tracehop: ${what} failed: ${failureReason(error)}`);
        afterWarning(() => resolve(true));
      },
    );
  });
}
