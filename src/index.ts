/**
 * tracehop: keep one trace unbroken across asynchronous hops (HTTP -> database row -> relay -> queue ->
 * worker). The public API is fixed by DESIGN.md; see README.md for a tour.
 */
export { DatadogPropagator, type DatadogPropagatorOptions } from "./propagation/datadog/DatadogPropagator.js";
export {
  getDatadogContext,
  setDatadogContext,
  type DatadogContext,
} from "./propagation/datadog/datadog-context.js";
export {
  createPropagator,
  DEFAULT_STYLES,
  type CreatePropagatorOptions,
  type PropagationStyle,
} from "./propagation/create-propagator.js";
export { type TraceCarrier } from "./carrier/carrier.js";
export {
  captureCarrier,
  contextFromCarrier,
  withCarrier,
  type CarrierOptions,
  type WithCarrierOptions,
} from "./context/carrier-context.js";
export { startTracing, type StartTracingOptions, type TracingHandle } from "./tracing/start-tracing.js";
export { JsonLinesFileSpanExporter } from "./tracing/file-exporter.js";
