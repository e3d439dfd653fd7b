import { propagation, ProxyTracerProvider, trace, type TracerProvider } from "@opentelemetry/api";
import { contextManagerRegistered } from "../context/run-in-span.js";

/**
 * Throws when another OpenTelemetry setup already registered a global tracer provider, context
 * manager or propagator. The API keeps the first registration of each and refuses the NodeSDK's
 * (reported only through `diag`), so tracehop's exporters, `ExtractionSpanProcessor`,
 * `RestoredRootSampler` and propagator would silently not be used — and this handle's `shutdown()`
 * would unregister what the other setup registered.
 */
export function assertNothingRegistered(): void {
  const provider = registeredTracerProvider();
  if (provider !== undefined) {
    const name = provider.constructor?.name;
    throw new Error(
      `tracehop startTracing: an OpenTelemetry SDK is already registered in this process: the global tracer provider is ${name ? `a ${name}` : "set"} (NodeSDK.start(), provider.register() or trace.setGlobalTracerProvider(); ` +
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
      `tracehop startTracing: a global OpenTelemetry ${others.join(" and a global ")} is already registered in this process; ` +
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
