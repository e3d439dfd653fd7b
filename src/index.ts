/**
 * tracehop: keep one trace unbroken across asynchronous hops (HTTP -> database row -> relay -> queue ->
 * worker). The exports below are the stable public API; see README.md for a tour.
 */
export { DatadogPropagator, type DatadogPropagatorOptions } from "./propagation/datadog/DatadogPropagator.js";
export {
  getDatadogContext,
  setDatadogContext,
  type DatadogContext,
  type DatadogContextFields,
} from "./propagation/datadog/datadog-context.js";
export {
  createPropagator,
  DEFAULT_EXTRACT_STYLES,
  DEFAULT_STYLES,
  type CreatePropagatorOptions,
  type ExtractBehavior,
  type PropagationStyle,
  type PropagationStyleName,
} from "./propagation/create-propagator.js";
export { DatadogTraceContextPropagator } from "./propagation/datadog/DatadogTraceContextPropagator.js";
export {
  getExtractionAttributes,
  getExtractionLinks,
  getRestoredRoot,
  getRestoredRootTraceId,
  type RestoredRoot,
} from "./propagation/extraction-result.js";
export { logCorrelationFields, type LogCorrelationFields } from "./log-correlation.js";
export { knownNameHint } from "./known-options.js";
export { type TraceCarrier } from "./carrier/trace-carrier.js";
export { TraceContextPropagator } from "./propagation/w3c/TraceContextPropagator.js";
export { BaggagePropagator } from "./propagation/w3c/BaggagePropagator.js";
export { W3CTraceState } from "./propagation/w3c/W3CTraceState.js";
export { type TraceStateMember } from "./propagation/w3c/tracestate.js";
export { inheritRandomFlag } from "./propagation/w3c/random-flag.js";
export { parseBaggageProperties, type BaggageProperty } from "./propagation/w3c/baggage.js";
export {
  captureCarrier,
  contextFromCarrier,
  type CaptureCarrierOptions,
  type CarrierOptions,
} from "./context/carrier-context.js";
export type { BaggagePolicy } from "./context/baggage-policy.js";
export { withCarrier, type WithCarrierOptions } from "./context/with-carrier.js";
export { traced, type TracedOptions, type TracedWrapper } from "./context/traced.js";
export { withBatch, withBatchItem, type WithBatchOptions } from "./context/batch.js";
export { type TraceCarrierProvider } from "./context/carrier-source.js";
export {
  DEFAULT_MAX_PARENT_AGE_MS,
  getRestoreDefaults,
  setRestoreDefaults,
  type Relation,
  type RestoreDefaults,
} from "./context/relation.js";
export {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_TRACEHOP_ATTEMPT,
  ATTR_TRACEHOP_MQTT_RETAINED,
  ATTR_TRACEHOP_QUEUE_WAIT,
  ATTR_TRACEHOP_RELATION,
  ATTR_TRACEHOP_RUN,
} from "./context/attributes.js";
export { startTracing, type StartTracingOptions, type TracingHandle } from "./tracing/start-tracing.js";
export { JsonLinesFileSpanExporter } from "./tracing/JsonLinesFileSpanExporter.js";
export { ExtractionSpanProcessor } from "./tracing/ExtractionSpanProcessor.js";
export { LinkAwareSampler } from "./tracing/LinkAwareSampler.js";
export { RestoredRootSampler } from "./tracing/RestoredRootSampler.js";
