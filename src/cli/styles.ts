// Each propagation style on its own: valid, absent, or why it rejected the carrier.
import { isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
import { normalizedCarrierGetter, type NormalizedCarrier } from "../carrier/normalize-carrier.js";
import {
  createPropagator,
  type CreatePropagatorOptions,
  type PropagationStyle,
} from "../propagation/create-propagator.js";
import { X_DATADOG_PARENT_ID, X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { isDatadogIdName, isUnexactIdNumber } from "../propagation/datadog/ids.js";
import { getRestoredRoot } from "../propagation/extraction-result.js";
import { rejectionReason } from "../propagation/rejection-reasons.js";

export { fieldOf } from "../propagation/rejection-reasons.js";

/** What one style makes of a carrier: valid, absent, or rejected, with the detail (the reason). */
export interface StyleVerdict {
  /**
   * `valid`: the style alone restores a context (or, for `baggage`, an entry); `absent`: the carrier
   * holds none of its headers (or the carrier reader dropped them); `rejected`: its headers are there
   * but give nothing.
   */
  status: "valid" | "absent" | "rejected";
  /**
   * One sentence: for `valid` the trace and parent it gives (or the number of baggage entries); else
   * what is missing, or the rule the carrier breaks.
   */
  detail: string;
}

/** Every style inspected one by one. */
export const ALL_STYLES: readonly PropagationStyle[] = [
  "datadog",
  "tracecontext",
  "baggage",
  "b3",
  "b3multi",
];

/**
 * The options of the propagators that read the row: as it is stored (the extract behavior of the
 * environment would hide it: restart, ignore), with the `x-datadog-tags` limit `tagsMaxLength` and
 * `extractFirst` (`DD_TRACE_PROPAGATION_EXTRACT_FIRST` as read by `readEnvironment`) given, so that the
 * library neither reads nor warns about the environment itself.
 */
export function asStored(tagsMaxLength: number, extractFirst = false): CreatePropagatorOptions {
  return { extractBehavior: "continue", tagsMaxLength, extractFirst };
}

/** What one style alone makes of a carrier: its verdict, and the context its extraction gave. */
interface StyleReading {
  verdict: StyleVerdict;
  /** The style's extraction alone onto `ROOT_CONTEXT`, for the diagnostics that read what it kept. */
  context: Context;
}

/**
 * What `style` alone makes of `carrier` (read from `raw`, the carrier as stored; with `options`,
 * {@link asStored}); a style absent because the carrier reader dropped its headers (`dropped`,
 * lower-case names) says so.
 */
export function styleResult(
  style: PropagationStyle,
  raw: Record<string, unknown>,
  carrier: NormalizedCarrier,
  dropped: ReadonlySet<string>,
  options: CreatePropagatorOptions,
): StyleReading {
  const context = createPropagator([style], options).extract(ROOT_CONTEXT, carrier, normalizedCarrierGetter);
  return { verdict: styleVerdict(style, raw, carrier, dropped, context), context };
}

/**
 * The verdict of `style` on `carrier` (read from `raw`) from `ctx`, its extraction alone
 * ({@link styleResult}).
 */
function styleVerdict(
  style: PropagationStyle,
  raw: Record<string, unknown>,
  carrier: NormalizedCarrier,
  dropped: ReadonlySet<string>,
  ctx: Context,
): StyleVerdict {
  const result = styleReading(style, raw, carrier, ctx);
  if (result.status !== "absent") return result;
  // Absent because the carrier reader dropped it: said instead of "no ... header".
  const names = {
    datadog: [X_DATADOG_TRACE_ID, X_DATADOG_PARENT_ID],
    tracecontext: ["traceparent"],
    baggage: ["baggage"],
    b3: ["b3"],
    b3multi: ["x-b3-traceid", "x-b3-spanid"],
  }[style].filter((name) => dropped.has(name));
  return names.length
    ? { status: "absent", detail: `${names.join(", ")} ignored by the carrier reader (see the diagnostics)` }
    : result;
}

/**
 * The verdict of `style` from `ctx`, its extraction of `carrier` (read from `raw`) alone: valid, rejected
 * (why), absent.
 */
function styleReading(
  style: PropagationStyle,
  raw: Record<string, unknown>,
  carrier: NormalizedCarrier,
  ctx: Context,
): StyleVerdict {
  if (style === "baggage") {
    const keys = (propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k]) => k);
    if (keys.length)
      return { status: "valid", detail: `${keys.length} entr${keys.length === 1 ? "y" : "ies"}` };
    return carrier.has("baggage")
      ? { status: "rejected", detail: "no valid baggage entry" }
      : { status: "absent", detail: "no baggage header" };
  }
  const sc = trace.getSpanContext(ctx);
  if (sc && isSpanContextValid(sc))
    return { status: "valid", detail: `trace ${sc.traceId} parent ${sc.spanId}` };
  const root = getRestoredRoot(ctx);
  if (root)
    return { status: "valid", detail: `trace ${root.traceId}, parent id 0 (root span, e.g. Synthetics)` };
  if (style === "datadog") {
    // Ids stored as JSON numbers a JSON reader rounds (or past the largest double) are refused, not
    // absent: the row was written with ids, and its restore refuses them (docs/migration.md).
    if (!carrier.has(X_DATADOG_TRACE_ID) && !carrier.has(X_DATADOG_PARENT_ID) && !holdsUnexactId(raw))
      return { status: "absent", detail: "no x-datadog-* ids" };
    return { status: "rejected", detail: rejectionReason(style, carrier, raw).text };
  }
  if (style === "tracecontext")
    return carrier.has("traceparent")
      ? { status: "rejected", detail: rejectionReason(style, carrier, raw).text }
      : { status: "absent", detail: "no traceparent" };
  if (style === "b3")
    return carrier.has("b3")
      ? { status: "rejected", detail: rejectionReason(style, carrier, raw).text }
      : { status: "absent", detail: "no b3 header" };
  // A span id without a trace id is refused too (rejectionReason); a sampling state alone is B3's
  // decision without ids (openzipkin/b3-propagation, "Sampling State"): no context.
  if (carrier.has("x-b3-traceid") || carrier.has("x-b3-spanid"))
    return { status: "rejected", detail: rejectionReason(style, carrier, raw).text };
  const decision = ["x-b3-sampled", "x-b3-flags"].find((name) => carrier.has(name));
  return decision === undefined
    ? { status: "absent", detail: "no x-b3-* headers" }
    : {
        status: "absent",
        detail: `no x-b3-traceid or x-b3-spanid: ${decision} alone is a sampling decision without a trace`,
      };
}

/**
 * True when `raw` (a carrier as stored) holds an `x-datadog-trace-id` or `-parent-id` (any case) that is
 * a JSON number no reader holds exactly (`isUnexactIdNumber`: an integer at or beyond 2^53, or past the
 * largest double), which the carrier reader refuses.
 */
function holdsUnexactId(raw: Record<string, unknown>): boolean {
  return Object.keys(raw).some((key) => {
    const value = raw[key];
    return typeof value === "number" && isUnexactIdNumber(value) && isDatadogIdName(key.toLowerCase());
  });
}
