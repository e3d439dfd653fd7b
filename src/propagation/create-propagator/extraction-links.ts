import {
  propagation,
  trace,
  type Baggage,
  type Context,
  type Link,
  type SpanContext,
} from "@opentelemetry/api";
import { layerOver } from "../context-values.js";
import { DATADOG_CONTEXT_KEY } from "../datadog/datadog-context.js";
import {
  LINK_CONTEXT_HEADERS_ATTRIBUTE,
  LINK_REASON_ATTRIBUTE,
  LINK_REASON_PROPAGATION_BEHAVIOR_EXTRACT,
  LINK_REASON_TERMINATED_CONTEXT,
  restoredRootLinkContext,
  setExtractionLinks,
  setRestoredRoot,
} from "../extraction-result.js";
import { baggageOf, mergeBaggage } from "./extraction-baggage.js";
import type { Candidate } from "./extraction-precedence.js";
import type { PropagationStyle } from "./style-names.js";

/**
 * The span link to a `candidate` of another trace than the winner's, which lost the precedence contest
 * (as dd-trace-js `_extractSpanContext` adds it): `reason=terminated_context`, `context_headers=<style>`.
 * A context without a parent span (Datadog parent id 0: Synthetics) is linked with span id 0, as
 * dd-trace-js links it; `undefined` for none (only a trace id 0 makes no link).
 */
export function terminatedContextLink(candidate: Candidate): Link | undefined {
  const root = candidate.parts?.root;
  const linked = candidate.spanContext ?? (root === undefined ? undefined : restoredRootLinkContext(root));
  if (linked === undefined) return undefined;
  const name = candidate.name;
  return extractionLink(linked, name === "tracecontext", LINK_REASON_TERMINATED_CONTEXT, name);
}

/**
 * A span link the extraction records: to a remote copy of `spanContext` (ids, flags, and its
 * tracestate when `withTraceState`), with `reason=<reason>` and `context_headers=<style>` (the
 * attributes dd-trace-js and Datadog system-tests `tests/test_distributed.py` use).
 */
function extractionLink(
  spanContext: SpanContext,
  withTraceState: boolean,
  reason: string,
  style: PropagationStyle,
): Link {
  const context: SpanContext = {
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    traceFlags: spanContext.traceFlags,
    isRemote: true,
  };
  if (withTraceState && spanContext.traceState !== undefined) context.traceState = spanContext.traceState;
  return {
    context,
    attributes: { [LINK_REASON_ATTRIBUTE]: reason, [LINK_CONTEXT_HEADERS_ATTRIBUTE]: style },
  };
}

/**
 * The `restart` extract behavior (`DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT`; dd-trace-js
 * `_extractSpanContext` and `Span._createContext`): `context` without its span, restored root, Datadog
 * fields and earlier links; the baggage the extraction found (the winner's, `ot-baggage-*` entries
 * included, merged with the W3C baggage); one link to the winner's span context (with its tracestate),
 * `reason=propagation_behavior_extract`, `context_headers=<winner's style>`. A winner without a parent
 * span (a restored root, Datadog parent id 0: Synthetics) is linked with span id 0, as dd-trace-js
 * links that context (OpenTelemetry's trace API: links with a zero span id SHOULD be recorded when they
 * have attributes), so the incoming trace stays findable. `context` itself is never copied: the values are
 * set onto a layer over it (`layerOver`).
 */
export function restartedTrace(
  context: Context,
  winner: Candidate,
  w3cBaggage: Baggage | undefined,
): Context {
  let baggage =
    winner.parts !== undefined
      ? (winner.parts.baggage ?? baggageOf(context))
      : propagation.getBaggage(winner.context!);
  if (w3cBaggage !== undefined) baggage = mergeBaggage(baggage, w3cBaggage);
  // Each value set or deleted copies a layer over `context`, not `context`'s values (layerOver).
  let result = setRestoredRoot(
    trace.deleteSpan(layerOver(context)).deleteValue(DATADOG_CONTEXT_KEY),
    undefined,
  );
  if (baggage !== undefined) result = propagation.setBaggage(result, baggage);
  const root = winner.parts?.root;
  const extracted = winner.spanContext ?? (root === undefined ? undefined : restoredRootLinkContext(root));
  const links =
    extracted === undefined
      ? []
      : [extractionLink(extracted, true, LINK_REASON_PROPAGATION_BEHAVIOR_EXTRACT, winner.name)];
  return setExtractionLinks(result, links, undefined);
}
