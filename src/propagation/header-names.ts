import {
  B3_CONTEXT_HEADER,
  X_B3_FLAGS,
  X_B3_PARENT_SPAN_ID,
  X_B3_SAMPLED,
  X_B3_SPAN_ID,
  X_B3_TRACE_ID,
} from "@opentelemetry/propagator-b3";
import {
  X_DATADOG_ORIGIN,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_TAGS,
  X_DATADOG_TRACE_ID,
} from "./datadog/constants.js";
import { BAGGAGE_HEADER, TRACE_PARENT_HEADER, TRACE_STATE_HEADER } from "./w3c/constants.js";

/**
 * The propagation header names, in one place (all lower-case ASCII, as written on the wire).
 */

/**
 * The header names tracehop's own styles write: W3C Trace Context (§3.2, §3.3), W3C Baggage (§3) and
 * Datadog's `x-datadog-*` (research section A). The carrier layer recognises them by one set lookup.
 */
export const TRACEHOP_HEADER_NAMES: readonly string[] = [
  TRACE_PARENT_HEADER,
  TRACE_STATE_HEADER,
  BAGGAGE_HEADER,
  X_DATADOG_TRACE_ID,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_ORIGIN,
  X_DATADOG_TAGS,
];

/** The B3 header names (single `b3` and multi `x-b3-*`), as @opentelemetry/propagator-b3 names them. */
export const B3_HEADER_NAMES: readonly string[] = [
  B3_CONTEXT_HEADER,
  X_B3_TRACE_ID,
  X_B3_SPAN_ID,
  X_B3_PARENT_SPAN_ID,
  X_B3_SAMPLED,
  X_B3_FLAGS,
];

/**
 * Every header name a style of `createPropagator` reads or writes: tracehop's own and B3's (exported
 * by `tracehop/messaging`, which removes them from a message's headers before writing a new context,
 * so that all propagation headers of one message come from one context: ../shared/cases B13).
 */
export const PROPAGATION_HEADER_NAMES: readonly string[] = [...TRACEHOP_HEADER_NAMES, ...B3_HEADER_NAMES];
