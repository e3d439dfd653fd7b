import {
  diag,
  propagation,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { setRestoredRoot } from "../extraction-result.js";
import {
  DEFAULT_TAGS_MAX_LENGTH,
  TID_TAG,
  isValidOrigin,
  X_DATADOG_ORIGIN,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_TAGS,
  X_DATADOG_TRACE_ID,
} from "./constants.js";
import { bindDatadogContext, type DatadogContext } from "./datadog-context.js";
import { decimalToHex16, hex16ToDecimal, idTextFromNumber, ZERO_HEX16 } from "./ids.js";
import { isValidSpanContext } from "../w3c/traceparent.js";
import { injectionFields } from "./injection-fields.js";
import { decodeTagsHeader, encodeTagsHeader } from "./tags.js";
import { parseSamplingPriority } from "./tracestate-dd.js";

/** Options of {@link DatadogPropagator}. */
export interface DatadogPropagatorOptions {
  /**
   * Maximum length of `x-datadog-tags` in characters, on extract and inject
   * (`DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`, default 512). Over the limit every tag is dropped, never
   * truncated; 0 disables tag propagation (research rule 27). A negative or non-finite value is
   * replaced by the default.
   */
  tagsMaxLength?: number;
}

const FIELDS: readonly string[] = [
  X_DATADOG_TRACE_ID,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_ORIGIN,
  X_DATADOG_TAGS,
];

/**
 * TextMapPropagator for Datadog's `x-datadog-*` headers, as Datadog's tracers read and write them
 * (../shared/research/datadog-propagation.md, sections A-F and I; section L where they disagree).
 *
 * Wire shape (one context):
 *
 *     x-datadog-trace-id: 12345678901234567890        low 64 bits of the trace id, unsigned decimal
 *     x-datadog-parent-id: 9876543210987654321        span id, unsigned decimal
 *     x-datadog-sampling-priority: 2                  signed integer; keep <=> > 0
 *     x-datadog-origin: synthetics
 *     x-datadog-tags: _dd.p.dm=-4,_dd.p.tid=640cfd8d00000000
 *
 * Extract: ids are `^[0-9]{1,20}$` up to 2^64-1 (never through a JS number; a stored JSON number
 * beyond 2^53 is refused with a diagnostic); trace id 0, a missing or bad parent id, or a priority
 * that is not an integer yield no context (rules 6-14, 32). `_dd.p.tid` (16 lowercase hex) gives the
 * upper 64 bits (rules 16-19). Parent id 0 (Synthetics, rule 13) yields no span context but a
 * restored root (`getRestoredRootTraceId`) with the Datadog fields bound to that trace (rule 64).
 * The fields go to {@link getDatadogContext}; a missing priority leaves it unset and the span
 * context sampled. Extract never throws and returns `context` unchanged when nothing is valid.
 *
 * Inject: writes what {@link injectionFields} derives for the span context: decimal ids, priority
 * (always), origin (when set), `x-datadog-tags` with `_dd.p.tid` from the trace id (rule 56).
 * Nothing is written for an invalid span context, suppressed tracing, or a trace id whose low
 * 64 bits are zero (Datadog cannot carry it).
 */
export class DatadogPropagator implements TextMapPropagator {
  private readonly _tagsMaxLength: number;

  constructor(options: DatadogPropagatorOptions = {}) {
    const max = options.tagsMaxLength;
    this._tagsMaxLength =
      typeof max === "number" && Number.isFinite(max) && max >= 0 ? Math.floor(max) : DEFAULT_TAGS_MAX_LENGTH;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (!spanContext || !isValidSpanContext(spanContext) || isTracingSuppressed(context)) return;
    const low = spanContext.traceId.slice(16);
    if (low === ZERO_HEX16) return;
    const fields = injectionFields(context, spanContext);
    setter.set(carrier, X_DATADOG_TRACE_ID, hex16ToDecimal(low));
    setter.set(carrier, X_DATADOG_PARENT_ID, hex16ToDecimal(spanContext.spanId));
    setter.set(carrier, X_DATADOG_SAMPLING_PRIORITY, String(fields.samplingPriority));
    if (fields.origin && isValidOrigin(fields.origin)) setter.set(carrier, X_DATADOG_ORIGIN, fields.origin);
    const tags = encodeTagsHeader(fields.tags, spanContext.traceId.slice(0, 16), this._tagsMaxLength);
    if (tags !== undefined) setter.set(carrier, X_DATADOG_TAGS, tags);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const traceIdText = readId(getter, carrier, X_DATADOG_TRACE_ID);
    if (traceIdText === undefined) return context;
    const low = decimalToHex16(traceIdText);
    if (low === undefined || low === ZERO_HEX16) return context;
    const parentText = readId(getter, carrier, X_DATADOG_PARENT_ID);
    if (parentText === undefined) return context;
    const parentId = decimalToHex16(parentText);
    if (parentId === undefined) return context;

    const fields: DatadogContext = { propagationTags: {} };
    const priorityText = readPriority(getter, carrier);
    if (priorityText !== undefined) {
      const priority = parseSamplingPriority(priorityText);
      if (priority === undefined) return context;
      fields.samplingPriority = priority;
    }
    const origin = readLast(getter, carrier, X_DATADOG_ORIGIN);
    if (origin !== undefined && isValidOrigin(origin)) fields.origin = origin;
    const decoded = decodeTagsHeader(readJoined(getter, carrier, X_DATADOG_TAGS), this._tagsMaxLength);
    if (decoded.error !== undefined) diag.debug(`tracehop: x-datadog-tags: ${decoded.error}`);
    fields.propagationTags = decoded.tags;

    const traceId = (decoded.tags[TID_TAG] ?? ZERO_HEX16) + low;
    const traceFlags =
      fields.samplingPriority === undefined || fields.samplingPriority > 0
        ? TraceFlags.SAMPLED
        : TraceFlags.NONE;
    if (parentId === ZERO_HEX16) {
      const root = setRestoredRoot(trace.deleteSpan(withLegacyBaggage(context, carrier, getter)), {
        traceId,
        traceFlags,
      });
      return bindDatadogContext(root, fields, traceId);
    }
    const spanContext: SpanContext = { traceId, spanId: parentId, traceFlags, isRemote: true };
    const withBaggage = withLegacyBaggage(context, carrier, getter);
    return bindDatadogContext(trace.setSpanContext(withBaggage, spanContext), fields, traceId);
  }

  fields(): string[] {
    return [...FIELDS];
  }
}

/** Prefix of the baggage headers OpenTracing tracers wrote (dd-trace-ot, dd-trace; research rule 5). */
const LEGACY_BAGGAGE_PREFIX = "ot-baggage-";

/**
 * `context` with the `ot-baggage-<key>` headers of an OpenTracing-era carrier added to its baggage
 * (existing entries win); unchanged when there are none. Read only, never written.
 */
function withLegacyBaggage(context: Context, carrier: unknown, getter: TextMapGetter): Context {
  let baggage = propagation.getBaggage(context);
  let found = false;
  for (const key of getter.keys(carrier)) {
    if (
      key.length <= LEGACY_BAGGAGE_PREFIX.length ||
      key.toLowerCase().slice(0, LEGACY_BAGGAGE_PREFIX.length) !== LEGACY_BAGGAGE_PREFIX
    )
      continue;
    const value = readLast(getter, carrier, key);
    const name = key.slice(LEGACY_BAGGAGE_PREFIX.length).toLowerCase();
    if (value === undefined || baggage?.getEntry(name) !== undefined) continue;
    baggage = (baggage ?? propagation.createBaggage()).setEntry(name, { value });
    found = true;
  }
  return found && baggage ? propagation.setBaggage(context, baggage) : context;
}

/** Comma-joins repeated list fields before the limits apply (research rule 4, dd-trace-js). */
function readJoined(getter: TextMapGetter, carrier: unknown, key: string): string | undefined {
  const value = getter.get(carrier, key);
  if (Array.isArray(value)) return value.length ? value.join(",") : undefined;
  return typeof value === "string" ? value : undefined;
}

/** Repeated id / priority / origin fields resolve to the last value (research rule 4, dd-trace-js). */
function readLast(getter: TextMapGetter, carrier: unknown, key: string): string | undefined {
  const value: unknown = getter.get(carrier, key);
  const last: unknown = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof last === "string" ? last : undefined;
}

/**
 * An id field as decimal text. A raw carrier may hold a JSON number (a row written through
 * `Number`): exact only up to 2^53-1, otherwise refused with a diagnostic (../shared/cases B01).
 */
function readId(getter: TextMapGetter, carrier: unknown, key: string): string | undefined {
  const value: unknown = getter.get(carrier, key);
  const last: unknown = Array.isArray(value) ? value[value.length - 1] : value;
  if (typeof last === "string") return last;
  if (typeof last === "number") return idTextFromNumber(last, key);
  return undefined;
}

/** The priority as text; a JSON number is accepted when it is an integer. */
function readPriority(getter: TextMapGetter, carrier: unknown): string | undefined {
  const value: unknown = getter.get(carrier, X_DATADOG_SAMPLING_PRIORITY);
  const last: unknown = Array.isArray(value) ? value[value.length - 1] : value;
  if (typeof last === "number") return Number.isSafeInteger(last) ? String(last) : "invalid";
  return typeof last === "string" ? last : undefined;
}
