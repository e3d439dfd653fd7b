import { W3CBaggagePropagator } from "@opentelemetry/core";

/**
 * W3C Baggage propagator (`baggage`).
 *
 * First version: @opentelemetry/core's W3CBaggagePropagator unchanged; being made exact
 * (see ../shared/research/w3c-harness.md §2).
 */
export class BaggagePropagator extends W3CBaggagePropagator {}
