import {
  defaultTextMapGetter,
  diag,
  propagation,
  trace,
  TraceFlags,
  type Baggage,
  type BaggageEntry,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { assertKnownOptions } from "../../known-options.js";
import { layerOver } from "../context-values.js";
import { describeValue } from "../../describe-value.js";
import {
  clearExtractionResult,
  noteExtractedContext,
  setRestoredRoot,
  type StyleExtraction,
} from "../extraction-result.js";
import {
  DEFAULT_TAGS_MAX_LENGTH,
  MAX_TAGS_MAX_LENGTH,
  TID_TAG,
  isValidOrigin,
  X_DATADOG_ORIGIN,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_TAGS,
  X_DATADOG_TRACE_ID,
} from "./constants.js";
import { storeDatadogContext, type DatadogContext } from "./datadog-context.js";
import { decimalToHex16, hex16ToDecimal, idTextFromNumber, ZERO_HEX16 } from "./ids.js";
import { resolveInjection, type ResolvedInjection } from "./injection-fields.js";
import { decodeTagsHeader } from "./tags.js";
import { parseSamplingPriority } from "./tracestate-dd.js";
import {
  isLegacyBaggageHeaderName,
  LEGACY_BAGGAGE_PREFIX,
  MAX_LEGACY_BAGGAGE_HEADERS,
} from "../header-names.js";
import { baggageEntries, W3CBaggage } from "../w3c/W3CBaggage.js";
import { isBaggageToken, serializeBaggageMember } from "../w3c/baggage.js";
import { BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS } from "../w3c/constants.js";
import { firstJoinedPart, joinedFieldValue, MAX_FIELD_VALUES } from "../header-text.js";
import { clearOwnFields } from "../stale-fields.js";
import { isContext } from "../../is-context.js";
import { notAContext, warnExtractFailed, warnInjectFailed } from "../style-failure.js";

/** Options of {@link DatadogPropagator}. */
export interface DatadogPropagatorOptions {
  /**
   * Maximum length of `x-datadog-tags` in characters, on extract and inject
   * (`DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`, default 512). Over the limit every tag is dropped, never
   * truncated; 0 disables tag propagation (as dd-trace-js `_extractTags` / `_injectTags` do). An
   * integer from 0 to `Number.MAX_SAFE_INTEGER` (a number that holds it exactly); anything else is a
   * TypeError at construction.
   */
  tagsMaxLength?: number | undefined;
}

/** `0`: a decimal id that starts with it has leading zeros (or is 0). */
const CHAR_0 = 0x30;

const FIELDS: readonly string[] = [
  X_DATADOG_TRACE_ID,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_ORIGIN,
  X_DATADOG_TAGS,
];

/** {@link FIELDS} as a set: the fields removed from a carrier before a context is written there. */
const DATADOG_FIELDS: ReadonlySet<string> = new Set(FIELDS);

/**
 * TextMapPropagator for Datadog's `x-datadog-*` headers, as Datadog's tracers read and write them
 * (Datadog docs, "Propagating trace context"; dd-trace-js `opentracing/propagation/text_map.js`,
 * dd-trace-java `DatadogHttpCodec`; where the tracers disagree, the strictest behaviour they share:
 * docs/conformance.md).
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
 * beyond 2^53 is refused with a diagnostic); trace id 0, a bad parent id, or a priority that is not an
 * integer yield no context (as dd-trace-java `DatadogHttpCodec`, dd-trace-py and dd-trace-go); so does a
 * missing parent id, as in dd-trace-js (`text_map.spec.js`, "trace id but no parent id") and dd-trace-go
 * (unless the origin is `synthetics`), where dd-trace-java and dd-trace-py take it for parent 0.
 * `_dd.p.tid` (16 lowercase hex) gives the upper 64 bits (Datadog docs, 128-bit trace IDs). Parent id
 * 0 (Synthetics; Datadog system-tests `Test_Synthetics_APM_Datadog`) yields no span context
 * (OpenTelemetry has no span id 0) but a restored root (`getRestoredRootTraceId`) with the Datadog
 * fields bound to that trace.
 * The Datadog fields go to the context (read them with `getDatadogContext`); a missing priority leaves it unset and the span
 * context sampled. Extract never throws and returns `context` unchanged when nothing is valid.
 *
 * Inject: writes the span context's fields: decimal ids, priority
 * (always), origin (when set), `x-datadog-tags` with `_dd.p.tid` from the trace id (as dd-trace-js
 * `_injectDatadog`).
 * Nothing is written for an invalid span context, suppressed tracing, or a trace id whose low
 * 64 bits are zero (Datadog cannot carry it).
 *
 * A plain-object carrier written through `@opentelemetry/api`'s `defaultTextMapSetter` (what
 * `propagation.inject(context, carrier)` passes; another copy of the api's included) first loses its
 * `x-datadog-*` fields and `ot-baggage-*` fields, in any case (`X-Datadog-Origin`), whenever a valid,
 * unsuppressed span context is injected (a trace id Datadog cannot carry included): another trace's
 * origin, priority or `_dd.p.tid` never stays beside the new ids (one carrier, one context, as
 * tracehop/messaging's writers: DataDog/dd-trace-dotnet#3832). Other fields, a class instance and
 * other setters (which cannot delete: `TextMapSetter` has only `set`) are left as they are
 * (docs/conformance.md, "Inject into a carrier that holds another context").
 */
export class DatadogPropagator implements TextMapPropagator {
  /**
   * The `x-datadog-tags` limit it reads and writes with; read by `warnIfTraceIdTruncated`
   * (src/context/carrier-rejected.ts) too.
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  readonly _tagsMaxLength: number;

  /**
   * A propagator of the `datadog` style (`x-datadog-*` headers).
   *
   * @param options `undefined` for the defaults, else a plain object.
   * @throws TypeError when `options` is not a plain object (`null`, a number, a string, an array),
   *   `options.tagsMaxLength` is not a non-negative integer, or for an option it does not have.
   */
  constructor(options: DatadogPropagatorOptions = {}) {
    assertKnownOptions(options, ["tagsMaxLength"], "tracehop DatadogPropagator");
    if (options.tagsMaxLength !== undefined && !isTagsMaxLength(options.tagsMaxLength))
      throw new TypeError(
        `tracehop DatadogPropagator: ${TAGS_MAX_LENGTH_RULE}, got ${describeValue(options.tagsMaxLength)}`,
      );
    this._tagsMaxLength = options.tagsMaxLength ?? DEFAULT_TAGS_MAX_LENGTH;
  }

  /**
   * Writes the `x-datadog-*` headers of `context` into `carrier` through `setter` (see the class comment
   * for what is written and when nothing is). Never throws: a carrier or setter that refuses a write (a
   * frozen object, a string, `null` with a setter that indexes it, a setter or Proxy trap that throws)
   * keeps the headers written before the refusal, and the refusal is said with `diag.warn` as
   * `createPropagator` says it: `tracehop: datadog inject failed`.
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) writes nothing and is said once
   * as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (!isContext(context)) {
      notAContext("datadog", "inject", context);
      return;
    }
    try {
      const resolved = resolveInjection(context);
      if (resolved !== undefined) this.injectResolved(resolved, carrier, setter);
    } catch (err) {
      warnInjectFailed("datadog", err);
    }
  }

  /**
   * Internal: {@link DatadogPropagator.inject} of a context already resolved by
   * {@link resolveInjection} (`createPropagator`'s composite resolves it once for both Datadog-aware styles).
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  injectResolved(resolved: ResolvedInjection, carrier: unknown, setter: TextMapSetter): void {
    const { traceId, fields, encoded } = resolved;
    // Before the check below: a trace this style cannot carry leaves no other trace's fields either.
    clearOwnFields(carrier, setter, DATADOG_FIELDS, true);
    if (traceId.endsWith(ZERO_HEX16)) return;
    setter.set(carrier, X_DATADOG_TRACE_ID, encoded.traceIdDecimal());
    setter.set(carrier, X_DATADOG_PARENT_ID, hex16ToDecimal(resolved.spanId));
    setter.set(carrier, X_DATADOG_SAMPLING_PRIORITY, String(fields.samplingPriority));
    if (fields.origin && isValidOrigin(fields.origin)) setter.set(carrier, X_DATADOG_ORIGIN, fields.origin);
    const tags = encoded.tagsHeader(this._tagsMaxLength);
    if (tags !== undefined) setter.set(carrier, X_DATADOG_TAGS, tags);
  }

  /**
   * The Datadog context of the `x-datadog-*` headers (and `ot-baggage-*` baggage) of `carrier` put into
   * `context`, or `context` unchanged when they hold none. Never throws: a getter, a property or an
   * array that throws when read yields no context, as every propagator's extract (OpenTelemetry's
   * `TextMapPropagator` contract), said with `diag.warn` as `createPropagator` says it: `tracehop:
   * datadog extract failed`.
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) yields ROOT_CONTEXT, nothing
   * extracted, said once as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (!isContext(context)) return notAContext("datadog", "extract", context);
    try {
      const parts = this.extractParts(context, carrier, getter);
      if (parts === undefined) return context;
      // What an earlier extraction kept in `context` (links, restored root, Datadog fields, the B3 debug
      // flag) does not describe this one (clearExtractionResult). The values are set one at a time onto a
      // layer over the base, which is never copied (layerOver).
      let ctx = layerOver(clearExtractionResult(context));
      if (parts.baggage !== undefined) ctx = propagation.setBaggage(ctx, parts.baggage);
      ctx =
        parts.spanContext === undefined
          ? setRestoredRoot(trace.deleteSpan(ctx), parts.root)
          : trace.setSpanContext(ctx, parts.spanContext);
      ctx = storeDatadogContext(ctx, parts.fields, parts.traceId, parts.traceIdDecimal);
      return parts.root === undefined ? ctx : noteExtractedContext(ctx);
    } catch (err) {
      warnExtractFailed("datadog", err);
      return context;
    }
  }

  /**
   * Internal: what {@link DatadogPropagator.extract} finds, before it is put into a Context (for
   * `createPropagator`'s composite); `undefined` when it would return `context` unchanged. Reads
   * `context` only for its baggage (legacy `ot-baggage-*` entries are added to it). `over`: the
   * baggage those entries join and are limited with (see {@link legacyBaggage}). `_lendOnly` is not
   * read: it is there because the composite passes `lendOnly` before `over` to every style it extracts
   * as parts (`PartsExtractor`, create-propagator/style-member.ts), and only the `tracecontext` style reads it.
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  extractParts(
    context: Context,
    carrier: unknown,
    getter: TextMapGetter,
    _lendOnly?: boolean,
    over?: Baggage,
  ): StyleExtraction | undefined {
    const traceIdText = readId(getter, carrier, X_DATADOG_TRACE_ID);
    if (traceIdText === undefined) return undefined;
    const low = decimalToHex16(traceIdText);
    if (low === undefined || low === ZERO_HEX16) return undefined;
    const parentText = readId(getter, carrier, X_DATADOG_PARENT_ID);
    if (parentText === undefined) return undefined;
    const parentId = decimalToHex16(parentText);
    if (parentId === undefined) return undefined;

    const fields: DatadogContext = { propagationTags: {} };
    const priorityText = readPriority(getter, carrier);
    if (priorityText !== undefined) {
      const priority = parseSamplingPriority(priorityText);
      if (priority === undefined) return undefined;
      fields.samplingPriority = priority;
    }
    const origin = readLast(getter, carrier, X_DATADOG_ORIGIN);
    if (origin !== undefined && isValidOrigin(origin)) fields.origin = origin;
    const tagsHeader = readJoined(getter, carrier, X_DATADOG_TAGS);
    const decoded = decodeTagsHeader(tagsHeader, this._tagsMaxLength);
    if (decoded.error !== undefined) {
      diag.debug(`tracehop: x-datadog-tags: ${decoded.error}`);
      noteTagsError(decoded.error, tagsHeader!, this._tagsMaxLength);
    }
    fields.propagationTags = decoded.tags;

    const traceId = (decoded.tags[TID_TAG] ?? ZERO_HEX16) + low;
    const traceFlags =
      fields.samplingPriority === undefined || fields.samplingPriority > 0
        ? TraceFlags.SAMPLED
        : TraceFlags.NONE;
    const baggage = legacyBaggage(context, carrier, getter, over);
    // Kept for re-injection when it is exactly what hex16ToDecimal would write (no leading zero).
    const traceIdDecimal = traceIdText.charCodeAt(0) === CHAR_0 ? undefined : traceIdText;
    if (parentId === ZERO_HEX16) {
      return {
        traceId,
        spanContext: undefined,
        root: { traceId, traceFlags },
        clearRoot: false,
        fields,
        baggage,
        traceIdDecimal,
      };
    }
    const spanContext: SpanContext = { traceId, spanId: parentId, traceFlags, isRemote: true };
    return { traceId, spanContext, root: undefined, clearRoot: false, fields, baggage, traceIdDecimal };
  }

  fields(): string[] {
    return [...FIELDS];
  }
}

/**
 * Internal: the last `x-datadog-tags` header an extraction dropped in part or whole (its
 * `_dd.propagation_error` value, `decodeTagsHeader`'s `error`, which dd-trace-java and dd-trace-py tag a
 * span with and dd-trace-js only logs), with the length limit it was read with; `count` grows by one at
 * each. A restore of a stored carrier compares `count` before and after its synchronous extraction
 * (`warnIfTraceIdTruncated`, src/context/carrier-rejected.ts): nothing is stored or compared on an
 * extraction whose tags read cleanly, so the path of every other extraction costs nothing more.
 */
export const tagsErrorNote: { count: number; error: string; header: string; maxLength: number } = {
  count: 0,
  error: "",
  header: "",
  maxLength: 0,
};

/** Records a dropped `x-datadog-tags` header in {@link tagsErrorNote}. */
function noteTagsError(error: string, header: string, maxLength: number): void {
  tagsErrorNote.count++;
  tagsErrorNote.error = error;
  tagsErrorNote.header = header;
  tagsErrorNote.maxLength = maxLength;
}

/** Internal: what {@link legacyBaggage} drops, counted for `tracehop inspect`. */
export interface LegacyBaggageDrops {
  /** Entries over the W3C Baggage limits (64 members, 8192 bytes), counted with the entries they join. */
  limits: number;
}

/**
 * Internal: the baggage of `context` with the `ot-baggage-<key>` headers of an OpenTracing-era carrier
 * added (existing entries win, and of two headers of one key in different cases the first);
 * `undefined` when none is added (the baggage stays as it is). Read only, never written.
 *
 * `over`: the baggage the entries join and that wins over them on the same key (default: the baggage
 * of `context`; `createPropagator`'s composite passes the W3C `baggage` the carrier holds). The
 * entries obey the limits a W3C `baggage` header obeys (Baggage §3.3.1: 64 members, 8192 bytes), which
 * bound what the restored context writes next: they are counted together with every entry the result
 * holds beside them, which come first — `over`'s, and those of the baggage of `context` that `over`
 * does not replace (the composite keeps them beside the carrier's W3C entries: a restore onto a base
 * context that has baggage, `options.context`), each counted once. Each entry is sized as the W3C
 * member it is written as (`serializeBaggageMember`, the inject's own encoding, with `+` as itself:
 * what `serializeBaggage` writes when `%2B` would cost a member its place), taken in `keys()` order
 * while it fits, one that would overflow skipped whole and later smaller ones still taken, as
 * `parseBaggageHeader` reads a header. So a carrier written from the restored context holds every
 * restored entry. An entry whose key is no token (Baggage §3.2.1.2) cannot be written and is dropped.
 * `drops`, when given, counts the entries dropped for the limits (every header is then read).
 *
 * At most {@link MAX_LEGACY_BAGGAGE_HEADERS} such headers are read (one `get` each, the first in
 * `keys()` order), and the Baggage is built once from all of them: linear in the carrier's keys
 * whatever the getter (one `setEntry` per header copied every entry before it, quadratic). Nothing of
 * this is done for a carrier without `ot-baggage-*` headers beyond testing each key's name.
 */
export function legacyBaggage(
  context: Context,
  carrier: unknown,
  getter: TextMapGetter,
  over?: Baggage,
  drops?: LegacyBaggageDrops,
): Baggage | undefined {
  let entries: Map<string, BaggageEntry> | undefined;
  let found = false;
  let read = 0;
  // The baggage header the restored baggage writes: the entries kept beside these, then those taken.
  let header: BaggageHeaderRoom | undefined;
  for (const key of getter.keys(carrier)) {
    if (!isLegacyBaggageHeaderName(key)) continue;
    if (++read > MAX_LEGACY_BAGGAGE_HEADERS) break;
    const raw = lastValue(getter, carrier, key);
    const value = typeof raw === "string" ? decodeLegacyBaggageValue(raw) : undefined;
    if (value === undefined) continue;
    if (entries === undefined || header === undefined) {
      // Only on the first `ot-baggage-*` header: nothing for a carrier without one.
      const base = propagation.getBaggage(context);
      entries = new Map(base === undefined ? undefined : baggageEntries(base));
      over ??= base;
      header = roomBeside(over, base);
    }
    const name = key.slice(LEGACY_BAGGAGE_PREFIX.length).toLowerCase();
    if (entries.has(name) || over?.getEntry(name) !== undefined) continue;
    // A key no W3C member can hold (`ot-baggage-k(`): dropped (tracehop inspect names it).
    if (!isBaggageToken(name)) continue;
    const entry: BaggageEntry = { value };
    if (!header.take(name, entry)) {
      if (drops === undefined && header.full) break;
      if (drops !== undefined) drops.limits++;
      continue;
    }
    entries.set(name, entry);
    found = true;
  }
  return found ? new W3CBaggage(entries!) : undefined;
}

/**
 * The members and bytes of a W3C `baggage` header being filled, to the limits of Baggage §3.3.1
 * ({@link BAGGAGE_MAX_MEMBERS} members, {@link BAGGAGE_MAX_BYTES} bytes).
 */
class BaggageHeaderRoom {
  private _members = 0;
  private _bytes = 0;

  /** True when the header holds {@link BAGGAGE_MAX_MEMBERS} members. */
  get full(): boolean {
    return this._members === BAGGAGE_MAX_MEMBERS;
  }

  /**
   * Adds the member `key`/`entry` when it fits: true; false (nothing added) when it does not or cannot
   * be written. Sized as `serializeBaggageMember` writes it with `+` as itself: the shortest member the
   * inject can write, and the one it writes whenever `%2B` would cost a member its place
   * (`serializeBaggage`'s second pass). So members that fit together so are all written, whichever
   * pass writes them (sized with `%2B`, an entry the inject would have written was dropped, and a W3C
   * member holding `+` was given no room, so the next inject wrote the entries taken beside it first
   * and lost it).
   */
  take(key: string, entry: BaggageEntry): boolean {
    if (this.full) return false;
    const separator = this._members > 0 ? 1 : 0;
    const member = serializeBaggageMember(key, entry, BAGGAGE_MAX_BYTES - this._bytes - separator, false);
    if (member === undefined) return false;
    this._bytes += member.length + separator;
    this._members++;
    return true;
  }
}

/**
 * The header room the entries a restored baggage holds beside the `ot-baggage-*` ones take, in the
 * order its inject writes them: `over`'s, then those of `base` (the baggage of the context extracted
 * into, kept beside them) that `over` does not replace; each counted once, also when `over` is `base`.
 */
function roomBeside(over: Baggage | undefined, base: Baggage | undefined): BaggageHeaderRoom {
  const header = new BaggageHeaderRoom();
  for (const counted of base === over ? [over] : [over, base]) {
    if (counted === undefined) continue;
    const replaced = counted === base && base !== over ? over : undefined;
    for (const [key, entry] of baggageEntries(counted)) {
      if (header.full) return header;
      if (replaced?.getEntry(key) === undefined) header.take(key, entry);
    }
  }
  return header;
}

/**
 * An `ot-baggage-<key>` value as dd-trace-java and dd-trace-ot (Java) read what they wrote: URL-decoded
 * (`HttpCodec.decode`, `URLDecoder.decode(value, "UTF-8")`; the writer `URLEncoder.encode`), `+` a space and
 * `%XX` a UTF-8 byte. A value that is no such encoding (a `%` without two hex digits after it, bytes that
 * are no UTF-8) is kept as it is: dd-trace-js writes its values unencoded. A value of dd-trace-js that holds
 * `+` or a `%XX` is therefore read as Java reads it (docs/conformance.md). Never throws.
 */
function decodeLegacyBaggageValue(value: string): string {
  if (value.indexOf("%") === -1 && value.indexOf("+") === -1) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

/**
 * Comma-joins repeated list fields before the limits apply (as dd-trace-js `text_map.js` does), the
 * first `MAX_FIELD_VALUES` of them (`joinedFieldValue`).
 */
function readJoined(getter: TextMapGetter, carrier: unknown, key: string): string | undefined {
  return joinedFieldValue(getter.get(carrier, key));
}

/**
 * Repeated id / priority / origin fields: an array resolves to its last value (as dd-trace-js
 * `text_map.js` resolves one), a string joined from repeated fields to its first (`firstJoinedPart`, as
 * both dd-trace-js and dd-trace-java read such a string).
 */
function readLast(getter: TextMapGetter, carrier: unknown, key: string): string | undefined {
  const last = lastValue(getter, carrier, key);
  return typeof last === "string" ? firstJoinedPart(last) : undefined;
}

/**
 * The value of `key`, or the last of its repeated values (as dd-trace-js) among the first
 * `MAX_FIELD_VALUES` (the ones the stored-carrier reader keeps), of any type.
 */
function lastValue(getter: TextMapGetter, carrier: unknown, key: string): unknown {
  const value: unknown = getter.get(carrier, key);
  return Array.isArray(value) ? value[Math.min(value.length, MAX_FIELD_VALUES) - 1] : value;
}

/**
 * An id field as decimal text. A raw carrier may hold a JSON number (a row written through
 * `Number`): exact only up to 2^53-1, otherwise refused with a diagnostic (DataDog/dd-trace-js#344).
 * A number from a getter other than OpenTelemetry's default one (a user's getter) is judged the same,
 * and the diagnostic says the getter returned it (`idTextFromNumber`'s `"getter"`).
 */
function readId(getter: TextMapGetter, carrier: unknown, key: string): string | undefined {
  const last = lastValue(getter, carrier, key);
  if (typeof last === "string") return firstJoinedPart(last);
  if (typeof last === "number")
    return idTextFromNumber(last, key, getter === defaultTextMapGetter ? "stored" : "getter");
  return undefined;
}

/** The priority as text; a JSON number is accepted when it is an integer. */
function readPriority(getter: TextMapGetter, carrier: unknown): string | undefined {
  const last = lastValue(getter, carrier, X_DATADOG_SAMPLING_PRIORITY);
  if (typeof last === "number") return Number.isSafeInteger(last) ? String(last) : "invalid";
  return typeof last === "string" ? firstJoinedPart(last) : undefined;
}

/**
 * Internal: true for a valid `options.tagsMaxLength` (`DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`): an integer
 * from 0 to {@link MAX_TAGS_MAX_LENGTH} (1e20 is an integer to JavaScript, but not one it holds exactly).
 */
export function isTagsMaxLength(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Internal: what a `tagsMaxLength` option must be, for the TypeError of a value that is not. */
export const TAGS_MAX_LENGTH_RULE =
  `tagsMaxLength must be a non-negative integer of at most ${MAX_TAGS_MAX_LENGTH} ` +
  `(Number.MAX_SAFE_INTEGER; the x-datadog-tags limit in characters, default ${DEFAULT_TAGS_MAX_LENGTH}, ` +
  `0 turns tag propagation off)`;
