import { W3CTraceContextPropagator } from "@opentelemetry/core";

/**
 * W3C Trace Context propagator (`traceparent` / `tracestate`).
 *
 * First version: @opentelemetry/core's W3CTraceContextPropagator unchanged; being made exact to
 * Level 2 (see ../shared/research/w3c-harness.md §1.6).
 */
export class TraceContextPropagator extends W3CTraceContextPropagator {}
