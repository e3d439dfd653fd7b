// Datadog's decimal forms of OpenTelemetry ids, for the values a test expects in x-datadog-* headers.
// Free of side effects (test/support/sdk.ts registers an SDK when imported).

/**
 * The lower 64 bits of a 32-hex trace id as the unsigned decimal Datadog writes in `x-datadog-trace-id`
 * (dd-trace-java `DatadogHttpCodec`, Datadog docs "Trace Context Propagation").
 */
export const datadogTraceId = (traceId: string) => BigInt(`0x${traceId.slice(16)}`).toString(10);
/** A 16-hex span id as the unsigned decimal of `x-datadog-parent-id` (dd-trace-java `DatadogHttpCodec`). */
export const datadogSpanId = (spanId: string) => BigInt(`0x${spanId}`).toString(10);
