import {
  isSpanContextValid,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import {
  DEFAULT_TAGS_MAX_LENGTH,
  PROPAGATED_TAG_PREFIX,
  TID_TAG,
  X_DATADOG_ORIGIN,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_TAGS,
  X_DATADOG_TRACE_ID,
} from "./constants.js";
import { getDatadogContext, setDatadogContext, type DatadogContext } from "./datadog-context.js";
import { decimalToHex16, hex16ToDecimal, isHex16 } from "./ids.js";

/** Options of {@link DatadogPropagator}. */
export interface DatadogPropagatorOptions {
  /**
   * Maximum length of `x-datadog-tags` in characters, on extract and inject
   * (`DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`, default 512). Over the limit every tag is dropped, never
   * truncated; 0 disables tag propagation (research rule 27).
   */
  tagsMaxLength?: number;
}

const INTEGER = /^-?[0-9]{1,10}$/;

/**
 * TextMapPropagator for Datadog's `x-datadog-*` headers, as Datadog's tracers read and write them.
 *
 * Wire shape (one context):
 *
 *     x-datadog-trace-id: 12345678901234567890        (low 64 bits, unsigned decimal)
 *     x-datadog-parent-id: 9876543210987654321        (span id, unsigned decimal)
 *     x-datadog-sampling-priority: 2                  (signed integer)
 *     x-datadog-origin: synthetics
 *     x-datadog-tags: _dd.p.dm=-4,_dd.p.tid=640cfd8d00000000
 *
 * Rules and their sources are in ../shared/research/datadog-propagation.md (sections A-F, L).
 * Extract never throws: an invalid header set yields the context unchanged.
 */
export class DatadogPropagator implements TextMapPropagator {
  private readonly _tagsMaxLength: number;

  constructor(options: DatadogPropagatorOptions = {}) {
    const max = options.tagsMaxLength;
    this._tagsMaxLength =
      typeof max === "number" && Number.isFinite(max) && max >= 0 ? max : DEFAULT_TAGS_MAX_LENGTH;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (!spanContext || !isSpanContextValid(spanContext) || isTracingSuppressed(context)) return;
    const dd = getDatadogContext(context);
    const low = spanContext.traceId.slice(16);
    const high = spanContext.traceId.slice(0, 16);
    if (low === "0000000000000000") return; // Datadog cannot carry a trace id whose low 64 bits are 0.
    setter.set(carrier, X_DATADOG_TRACE_ID, hex16ToDecimal(low));
    setter.set(carrier, X_DATADOG_PARENT_ID, hex16ToDecimal(spanContext.spanId));
    const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    let priority = dd?.samplingPriority;
    if (priority === undefined || priority > 0 !== sampled) priority = sampled ? 1 : 0;
    setter.set(carrier, X_DATADOG_SAMPLING_PRIORITY, String(priority));
    if (dd?.origin) setter.set(carrier, X_DATADOG_ORIGIN, dd.origin);
    const tags = this._encodeTags(dd, high);
    if (tags) setter.set(carrier, X_DATADOG_TAGS, tags);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const traceIdLow = decimalToHex16(readOne(getter, carrier, X_DATADOG_TRACE_ID) ?? "");
    if (!traceIdLow || traceIdLow === "0000000000000000") return context;
    const parentId = decimalToHex16(readOne(getter, carrier, X_DATADOG_PARENT_ID) ?? "");
    if (!parentId) return context;
    const fields: DatadogContext = { propagationTags: {} };
    const priorityText = readOne(getter, carrier, X_DATADOG_SAMPLING_PRIORITY);
    if (priorityText !== undefined) {
      if (!INTEGER.test(priorityText)) return context;
      fields.samplingPriority = Number(priorityText);
    }
    const origin = readOne(getter, carrier, X_DATADOG_ORIGIN);
    if (origin) fields.origin = origin;
    fields.propagationTags = this._decodeTags(readAll(getter, carrier, X_DATADOG_TAGS));
    const tid = fields.propagationTags[TID_TAG];
    const high = tid && tid !== "0000000000000000" ? tid : "0000000000000000";
    if (!tid || tid === "0000000000000000") delete fields.propagationTags[TID_TAG];
    const spanContext: SpanContext = {
      traceId: high + traceIdLow,
      spanId: parentId,
      traceFlags: (fields.samplingPriority ?? 1) > 0 ? TraceFlags.SAMPLED : TraceFlags.NONE,
      isRemote: true,
    };
    return setDatadogContext(trace.setSpanContext(context, spanContext), fields);
  }

  fields(): string[] {
    return [
      X_DATADOG_TRACE_ID,
      X_DATADOG_PARENT_ID,
      X_DATADOG_SAMPLING_PRIORITY,
      X_DATADOG_ORIGIN,
      X_DATADOG_TAGS,
    ];
  }

  private _decodeTags(header: string | undefined): Record<string, string> {
    const tags: Record<string, string> = {};
    if (!header || this._tagsMaxLength === 0 || header.length > this._tagsMaxLength) return tags;
    for (const member of header.split(",")) {
      const eq = member.indexOf("=");
      if (eq <= 0) return {};
      const key = member.slice(0, eq);
      const value = member.slice(eq + 1);
      if (!key.startsWith(PROPAGATED_TAG_PREFIX)) continue;
      if (key === TID_TAG && !isHex16(value)) continue;
      tags[key] = value;
    }
    return tags;
  }

  private _encodeTags(dd: DatadogContext | undefined, high: string): string | undefined {
    if (this._tagsMaxLength === 0) return undefined;
    const parts: string[] = [];
    for (const [key, value] of Object.entries(dd?.propagationTags ?? {})) {
      if (key === TID_TAG || !key.startsWith(PROPAGATED_TAG_PREFIX)) continue;
      parts.push(`${key}=${value}`);
    }
    if (high !== "0000000000000000") parts.push(`${TID_TAG}=${high}`);
    const header = parts.join(",");
    if (!header || header.length > this._tagsMaxLength) return undefined;
    return header;
  }
}

function readAll(getter: TextMapGetter, carrier: unknown, key: string): string | undefined {
  const value = getter.get(carrier, key);
  if (Array.isArray(value)) return value.length ? value.join(",") : undefined;
  return typeof value === "string" ? value : undefined;
}

/** Repeated id / priority / origin fields resolve to the last value (dd-trace-js, research rule 4). */
function readOne(getter: TextMapGetter, carrier: unknown, key: string): string | undefined {
  const value = getter.get(carrier, key);
  if (Array.isArray(value)) return value.length ? value[value.length - 1] : undefined;
  return typeof value === "string" ? value : undefined;
}
