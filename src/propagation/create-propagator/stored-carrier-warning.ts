import type { Context, TextMapGetter, TextMapPropagator } from "@opentelemetry/api";
import { hasWarned, warnOnce } from "../../warn-once.js";
import { ENV_PROPAGATION_BEHAVIOR_EXTRACT } from "../datadog/constants.js";
import { restartedFrom } from "../extraction-result.js";
import { MultiStylePropagator } from "./MultiStylePropagator.js";

/** Once-per-process key and process warning code of {@link warnIfStoredCarrierCut}. */
const STORED_CARRIER_CUT_WARNING = "TRACEHOP_EXTRACT_BEHAVIOR_ON_STORED_CARRIER";

/**
 * Internal: after the restore of a stored carrier (a row's or a message's: `contextFromCarrier`,
 * `withCarrier`, `withBatch`, the messaging helpers; never the HTTP server path, where an edge may want
 * it), a `diag.warn` and a Node process warning (`TRACEHOP_EXTRACT_BEHAVIOR_ON_STORED_CARRIER`), once per
 * process and behavior, when `propagator` is one of `createPropagator`'s whose `restart` or
 * `ignore` came from `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT` (not from the `extractBehavior` option,
 * which is a choice made in code) and it applied: under `restart` the restore (`restored`) holds the
 * restart link instead of the stored parent; under `ignore` the carrier held a context (or baggage)
 * that `continue` would have restored. Datadog meant these for a service's edge (Datadog docs,
 * "Propagating trace context"); on a relay or a worker, where a shared environment file brings them,
 * they cut the trace at every stored row and message (docs/restore.md, "Relation policy"). Costs
 * nothing once warned; never throws.
 */
export function warnIfStoredCarrierCut(
  propagator: TextMapPropagator,
  base: Context,
  carrier: unknown,
  getter: TextMapGetter,
  restored: Context,
): void {
  let behavior: MultiStylePropagator["_behavior"];
  try {
    // A user's Proxy propagator may throw from its getPrototypeOf trap.
    if (!(propagator instanceof MultiStylePropagator) || !propagator._behaviorFromEnvironment) return;
    behavior = propagator._behavior;
  } catch {
    return;
  }
  if (behavior === "continue") return;
  const key = `${STORED_CARRIER_CUT_WARNING}:${behavior}`;
  if (hasWarned(key)) return;
  try {
    if (behavior === "restart" ? restartedFrom(restored) === undefined : restored !== base) return;
    if (behavior === "ignore" && propagator.extractContinuing(base, carrier, getter) === base) return;
  } catch {
    return;
  }
  const setting = `${ENV_PROPAGATION_BEHAVIOR_EXTRACT}=${behavior}`;
  const effect =
    behavior === "restart"
      ? "starts a new trace with only a span link to the stored context (reason=propagation_behavior_extract)"
      : "restores nothing, its trace context and baggage dropped: the work starts a new trace, unlinked";
  warnOnce(
    key,
    `tracehop: ${setting} applies to stored carriers too: each row or message restored in this process ` +
      `(withCarrier, contextFromCarrier, withBatch, the messaging helpers) ${effect}, so the trace is cut ` +
      `at every hop. Datadog meant it for a service's edge (untrusted callers): leave it unset on relays ` +
      `and workers (a shared environment file brings it there), or give the carrier functions ` +
      `createPropagator(undefined, { extractBehavior: "continue" }). (Said once per process.)`,
    STORED_CARRIER_CUT_WARNING,
  );
}
