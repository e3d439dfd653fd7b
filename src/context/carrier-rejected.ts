/**
 * The warnings of a restore that loses the stored trace to a carrier the styles refuse
 * (`TRACEHOP_CARRIER_REJECTED`: it held a style's ids and gave no context) or read in part
 * (`TRACEHOP_TRACE_ID_TRUNCATED`: its `x-datadog-tags` was dropped with the `_dd.p.tid` in it, so the
 * trace id restored lost its upper 64 bits). Given by the restore helpers only (`restoreStored`,
 * carrier-context.ts: `contextFromCarrier`, `withCarrier`, `traced`, `withBatch`, the messaging
 * helpers), never by a propagator's own `extract` on the HTTP path, where a bad header is a caller's,
 * not a row the user wrote (docs/warnings.md). The reasons are those `tracehop inspect` gives
 * (src/propagation/rejection-reasons.ts, src/propagation/datadog/tags-reasons.ts).
 */
import { trace, type Context, type TextMapPropagator } from "@opentelemetry/api";
import { asciiLowerName } from "../carrier/ascii-lower-name.js";
import { carrierObject } from "../carrier/carrier-object.js";
import {
  heldOverLengthValue,
  isLowerCaseCarrier,
  mayHoldAnyOf,
  storedCarrierGetter,
  storedValueOf,
  type StoredCarrier,
} from "../carrier/stored-carrier.js";
import { asBytes } from "../carrier/carrier-object.js";
import { NOT_TEXT_VALUE, overLength, type NormalizedCarrier } from "../carrier/normalize-carrier.js";
import {
  MAX_CARRIER_FIELD_VALUES,
  MAX_CARRIER_KEYS,
  MAX_CARRIER_VALUE_LENGTH,
} from "../carrier/trace-carrier.js";
import { MultiStylePropagator } from "../propagation/create-propagator/MultiStylePropagator.js";
import { tagsErrorNote } from "../propagation/datadog/DatadogPropagator.js";
import {
  ENV_TAGS_MAX_LENGTH,
  TID_TAG,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_TAGS,
  X_DATADOG_TRACE_ID,
} from "../propagation/datadog/constants.js";
import { ZERO_HEX16 } from "../propagation/datadog/ids.js";
import { describeTagsError } from "../propagation/datadog/tags-reasons.js";
import { getRestoredRoot } from "../propagation/extraction-result.js";
import {
  holdsStyleIds,
  rejectionReason,
  type RejectionReason,
  type TraceStyle,
  JSON_NOT_TEXT,
  type NotTextWording,
} from "../propagation/rejection-reasons.js";
import { trimOws } from "../propagation/w3c/baggage.js";
import { escapeUnprintable } from "../describe-value.js";
import { hasWarned, warnOnce } from "../warn-once.js";
import { otherPropagatorNamed } from "../propagation/create-propagator/style-guesses.js";

/** Process warning code of {@link warnIfCarrierRejected}. */
export const CARRIER_REJECTED_WARNING = "TRACEHOP_CARRIER_REJECTED";
/** Process warning code of {@link warnIfTraceIdTruncated}. */
export const TRACE_ID_TRUNCATED_WARNING = "TRACEHOP_TRACE_ID_TRUNCATED";

/** The styles that restore a trace, and how the warning names the headers each reads its ids from. */
export const TRACE_STYLE_HEADERS: Readonly<Record<TraceStyle, string>> = {
  datadog: "x-datadog-* ids",
  tracecontext: "a traceparent",
  b3: "a b3 header",
  b3multi: "x-b3-* ids",
};

/**
 * Internal: where a restore's carrier came from, for what {@link warnIfCarrierRejected} says is wrong and
 * who fixes it: `stored`, a row's column (or a carrier handed to `contextFromCarrier`, `withCarrier`,
 * `withBatch`): whatever wrote it; `message`, a consumed message's headers (`withProcessSpan`,
 * `withBatchProcessSpan`, `contextFromKafkaHeaders`, `contextFromAmqpHeaders`): whatever sent it, a
 * producer or a bridge that appended headers to those a message had.
 */
export type CarrierOrigin = "stored" | "message";

/**
 * How the warnings name a carrier of each {@link CarrierOrigin}: `held` and `restored`, the subject of
 * `TRACEHOP_CARRIER_REJECTED` and `TRACEHOP_TRACE_ID_TRUNCATED`; `traceId` and `whose`, the trace id it
 * held and whose trace that is (the truncation's consequence); `fix`, the fix of a carrier the styles
 * refuse that fits it.
 */
export const ORIGIN_TEXT: Readonly<
  Record<CarrierOrigin, { held: string; restored: string; traceId: string; whose: string; fix: string }>
> = {
  stored: {
    held: "a stored carrier held",
    restored: "a stored carrier restored its trace",
    traceId: "the stored 128-bit trace id",
    whose: "the row's",
    fix:
      "Fix what writes these carriers: store what captureCarrier() (or the tracer's own inject) writes, " +
      "unchanged",
  },
  message: {
    held: "message headers held",
    restored: "message headers restored their trace",
    traceId: "the 128-bit trace id they held",
    whose: "the message's",
    fix:
      "Fix what sends these messages: write the propagation headers once per message, with withSendSpan or " +
      "the header writers (injectKafkaHeaders, injectAmqpHeaders, writeCarrierToHeaders), which replace the " +
      "ones a message already holds; a producer or bridge that appends its own beside them (two " +
      "traceparents) breaks the message's trace",
  },
};

/**
 * The fix of message headers a style refused for a malformed value, not two of them (see
 * {@link originFix}): the producer that writes that header.
 */
const MESSAGE_MALFORMED_FIX =
  "Fix the producer that writes this header (or a bridge that rewrites it): send what withSendSpan or the " +
  "header writers (injectKafkaHeaders, injectAmqpHeaders, writeCarrierToHeaders) write, unchanged";

/**
 * Internal: the fix of a carrier from `origin` that a style refused for `reason` (`rejectionReason`'s):
 * a stored carrier's is {@link ORIGIN_TEXT}'s; message headers that held several values of a header (two
 * different traceparents, values joined with commas: the reason's kind `several-values`) get the advice against a
 * producer or bridge appending its own, any other reason (a malformed value: a trailing CR LF, a bad id)
 * the producer's fix ({@link inspectPointer} then says how to feed the headers to `tracehop inspect`).
 */
export function originFix(origin: CarrierOrigin, reason: RejectionReason): string {
  if (origin === "stored") return ORIGIN_TEXT.stored.fix;
  return reason.kind === "several-values" ? ORIGIN_TEXT.message.fix : MESSAGE_MALFORMED_FIX;
}

/** Where the reasons send the reader for the carrier reader's own reasons (`rejectionReason`'s `seeMore`). */
export const SEE_INSPECT = "`npx tracehop inspect` says why";

/**
 * Internal: the end of each warning, where the whole report is: `tracehop inspect` on a stored carrier's
 * row; for a consumed message, how to give it its headers (it reads JSON, not a client's message object).
 * Said once per warning (trial t12: a message's warning pointed at inspect twice).
 */
export function inspectPointer(origin: CarrierOrigin): string {
  return origin === "stored" ? INSPECT_ROW : INSPECT_MESSAGE;
}

const INSPECT_ROW = "Run `npx tracehop inspect` on the row for the whole report";
const INSPECT_MESSAGE =
  "For the whole report, print the message's headers as JSON (values as strings) and run " +
  "`npx tracehop inspect '<headers as JSON>'`";

/**
 * Longest text of a quoted value ({@link boundedText}): a hostile carrier's value (up to
 * `MAX_CARRIER_VALUE_LENGTH` characters) is cut there, so a warning stays a few lines long.
 */
const MAX_QUOTED_LENGTH = 64;

/** Longest warning: a last bound over the message as a whole, whatever its reason quotes. */
const MAX_MESSAGE_LENGTH = 1500;

/**
 * Internal: after a restore that found no context (`restored`, the extraction onto `base`, holds no span
 * context and no restored root), a `diag.warn` and the process warning `TRACEHOP_CARRIER_REJECTED`, once
 * per process and style, when `stored` held the ids of a style of `propagator`'s extract order (a
 * `createPropagator` one, under `continue`: `restart` and `ignore` are said by
 * `warnIfStoredCarrierCut`) that refused them: the style, the header, the first rule it breaks (the
 * reason `tracehop inspect` gives), what to fix, and `npx tracehop inspect` for the whole report. Any
 * other propagator is `warnIfForeignPropagatorRejected`'s (foreign-propagator-rejected.ts).
 * `input`: what the stored carrier was read from, looked into only for an id the reader kept no value
 * of (a JSON `null`, a number; an id rounded past 2^53 is `TRACEHOP_JSON_NUMBER_ID`'s, not said again;
 * a negative one, which that warning does not cover, is said). `origin`: where the carrier came from
 * ({@link CarrierOrigin}), which names it and its fix in the message. `roundedIdSaid`: the reader of
 * message headers left out an id amqplib rounded and said it (`TRACEHOP_JSON_NUMBER_ID`,
 * `headerNumbersAsText`): the datadog style's refusal is not said again as a missing id.
 * A carrier that holds only the ids of a style outside the extract order is said as not read
 * ({@link warnIfStyleNotRead}). A carrier that holds no ids (a row written without a carrier: `null`, `{}`) costs
 * a few look-ups by name; once each style in the order is warned about, nothing. Values are quoted
 * escaped and cut ({@link boundedText}). Never throws.
 */
export function warnIfCarrierRejected(
  propagator: TextMapPropagator,
  stored: StoredCarrier,
  input: unknown,
  origin: CarrierOrigin = "stored",
  roundedIdSaid = false,
): void {
  try {
    if (!(propagator instanceof MultiStylePropagator) || propagator._behavior !== "continue") return;
    const styles = propagator._extractStyles;
    const { get, rawFields } = storedIdReader(stored, input);
    // Once every style of the order is said, a few Set look-ups and nothing more.
    let style: TraceStyle | undefined;
    for (const each of styles)
      if (each !== "baggage" && !hasWarned(REJECTED_KEYS[each]) && holdsStyleIds(each, get)) {
        style = each;
        break;
      }
    if (style === undefined) {
      warnIfStyleNotRead(propagator, styles, stored, get, origin);
      return;
    }
    const others = styles.filter(
      (each): each is TraceStyle => each !== "baggage" && each !== style && holdsStyleIds(each, get),
    );
    const carrier = normalizedOf(stored);
    const fields = rawFields();
    const reason = rejectionReason(style, carrier, fields, SEE_INSPECT, notTextWording(origin, fields));
    // An id rounded past 2^53 is said by TRACEHOP_JSON_NUMBER_ID (ids.ts), with its fix.
    if (reason.kind === "rounded-number" && holdsRoundedId(fields)) return;
    if (style === "datadog" && roundedIdSaid) return;
    const also = others.length
      ? ` (the ${others.join(" and ")} style${others.length > 1 ? "s refused theirs" : " refused its headers"} too)`
      : "";
    const { held } = ORIGIN_TEXT[origin];
    const fix = originFix(origin, reason);
    warnOnce(
      REJECTED_KEYS[style],
      boundedText(
        `tracehop: ${held} ${TRACE_STYLE_HEADERS[style]} but restored no context, so its work ` +
          `started a new trace: the ${style} style refused it: ${reason.text}${also}. ${fix}. ${inspectPointer(origin)}. ` +
          `(Said once per process for the ${style} style.)`,
      ),
      CARRIER_REJECTED_WARNING,
    );
  } catch {
    // A hostile carrier or propagator: nothing said, the restore goes on.
  }
}

/** What {@link storedIdReader}'s getter gives for a field the reader dropped for its length. */
const OVER_LENGTH_PLACEHOLDER = "(over the length limit)";

/**
 * Internal: how the rejection warnings read a stored carrier's ids: `get`, a lower-case header name's
 * value as `storedCarrierGetter` gives it (for `holdsStyleIds`), or a placeholder for a field the reader
 * dropped for its length (it held ids too: one flag read when none was); `rawFields`, the id fields of
 * `input` as stored (`storedIdFields`, for the reasons), read once and only when asked. Never throws
 * on a hostile `input` (`storedIdFields` does not).
 */
export function storedIdReader(
  stored: StoredCarrier,
  input: unknown,
): { get: (name: string) => string | string[] | undefined; rawFields: () => Record<string, unknown> } {
  const overLengthHeld = heldOverLengthValue(stored);
  let raw: Record<string, unknown> | undefined;
  const rawFields = () => (raw ??= storedIdFields(input));
  const get = (name: string) =>
    storedCarrierGetter.get(stored, name) ??
    (overLengthHeld && overLength(storedValueOf(stored, name) ?? rawValueOf(rawFields(), name))
      ? OVER_LENGTH_PLACEHOLDER
      : undefined);
  return { get, rawFields };
}

/** The value of field `name` (lower case) of `raw` ({@link storedIdFields}), in any case; the first one. */
function rawValueOf(raw: Record<string, unknown>, name: string): unknown {
  for (const key of Object.keys(raw)) if (asciiLowerName(key) === name) return raw[key];
  return undefined;
}

/**
 * Internal: the trace styles, in the order the "not read" warnings look for them (tracehop's default
 * extract order, then the B3 styles): {@link warnIfStyleNotRead}, `warnIfForeignPropagatorRejected`.
 */
export const TRACE_STYLES: readonly TraceStyle[] = ["datadog", "tracecontext", "b3", "b3multi"];

/**
 * Internal: the once-per-process key of each style under the `TRACEHOP_CARRIER_REJECTED` key prefix
 * `kind` (`""` for a style of the order that refused the carrier), built once per table.
 */
export function styleWarningKeys(kind: string): Readonly<Record<TraceStyle, string>> {
  const prefix = kind === "" ? `${CARRIER_REJECTED_WARNING}:` : `${CARRIER_REJECTED_WARNING}:${kind}:`;
  return Object.fromEntries(TRACE_STYLES.map((style) => [style, prefix + style])) as Record<
    TraceStyle,
    string
  >;
}

/** What each style's headers are called after a warning named them once (`them` / `it`). */
export const STYLE_PRONOUN: Readonly<Record<TraceStyle, "them" | "it">> = {
  datadog: "them",
  tracecontext: "it",
  b3: "it",
  b3multi: "them",
};

/** The once-per-process key of {@link warnIfStyleNotRead} for each style. */
const NOT_READ_KEYS = styleWarningKeys("not-in-order");

/**
 * Where a propagator's extract order comes from, as the warnings say it: `"styles"` (the styles given to
 * `createPropagator`), a style variable's name (`set by OTEL_PROPAGATORS`), or `undefined` (tracehop's
 * default order).
 */
function extractOrderFrom(source: string | undefined): string {
  return source === "styles"
    ? "the styles given to createPropagator"
    : source === undefined
      ? "tracehop's default"
      : `set by ${source}`;
}

/**
 * {@link warnIfCarrierRejected}'s part for a carrier that holds no ids of a style in the extract order
 * `styles` of `propagator` but those of another (`holdsStyleIds`: datadog, tracecontext, b3, b3multi, the
 * first not said yet): the propagator does not read them, and nothing was restored (old Datadog rows
 * restored through `createPropagator(["tracecontext", "baggage"])` all start new traces). Said as
 * `warnIfForeignPropagatorRejected` says a propagator whose `fields()` lack the style: the extract order
 * and where it comes from (the `styles` given, an environment variable, tracehop's default), and the
 * order with the style added as the fix. Nothing for an empty order (`none`: propagation turned off).
 * Once per process and style.
 */
function warnIfStyleNotRead(
  propagator: MultiStylePropagator,
  styles: readonly string[],
  stored: StoredCarrier,
  get: (name: string) => string | string[] | undefined,
  origin: CarrierOrigin,
): void {
  if (styles.length === 0) return;
  let style: TraceStyle | undefined;
  for (const each of TRACE_STYLES)
    if (!styles.includes(each) && !hasWarned(NOT_READ_KEYS[each]) && holdsStyleIds(each, get)) {
      style = each;
      break;
    }
  if (style === undefined) {
    warnIfFormatNotBuiltIn(propagator, styles, stored, get, origin);
    return;
  }
  const them = STYLE_PRONOUN[style];
  const source = propagator._extractOrderSource;
  const added = [...styles, style];
  const order = styles.join(", ");
  const from = extractOrderFrom(source);
  const call = `createPropagator([${added.map((each) => `"${each}"`).join(", ")}])`;
  // In a DD_ variable `b3` is read as b3multi (dd-trace-js): the single header is `b3 single header`.
  const inVariable = (each: string) =>
    each === "b3" && source?.startsWith("DD_") ? "b3 single header" : each;
  const fix =
    source === "styles"
      ? `add "${style}" to the styles given to createPropagator: ${call}`
      : source === undefined
        ? `restore with a propagator that reads the ${style} style: ${call}`
        : `add ${inVariable(style)} to ${source} (${source}=${added.map(inVariable).join(",")}), or pass ` +
          `the styles: ${call}`;
  warnOnce(
    NOT_READ_KEYS[style],
    boundedText(
      `tracehop: ${ORIGIN_TEXT[origin].held} ${TRACE_STYLE_HEADERS[style]} but restored no context, so its ` +
        `work started a new trace: the propagator given does not read ${them}: its extract order is ` +
        `${order} (${from}), without the ${style} style. Fix: ${fix}; if these headers are to be ignored, ` +
        `nothing else is lost. ${inspectPointer(origin)}. (Said once per process for the ${style} style and an ` +
        `extract order without it.)`,
    ),
    CARRIER_REJECTED_WARNING,
  );
}

/**
 * A propagation format of an OpenTelemetry propagator tracehop builds in no style for (the
 * specification's other `OTEL_PROPAGATORS` values, "Known values"): its name there, how a warning names
 * its headers, the headers its propagator reads a trace from (lower case: what its `fields()` name), its
 * once-per-process key, and whether a carrier holds a context of it (`get`: a lower-case header name's
 * value).
 */
interface OtherFormat {
  name: string;
  headers: string;
  fields: readonly string[];
  key: string;
  holds: (get: (name: string) => string | string[] | undefined) => boolean;
}

/** The first value of header `name` of `get`'s carrier (a repeated header's first), trimmed; "" for none. */
function firstText(get: (name: string) => string | string[] | undefined, name: string): string {
  const value = get(name);
  if (value === undefined) return "";
  return trimOws((Array.isArray(value) ? value[0] : value) ?? "");
}

/** The `Root` and `Parent` fields of an `x-amzn-trace-id` value (any case, `;`-separated). */
const XRAY_ROOT = /(?:^|;)\s*root=/i;
const XRAY_PARENT = /(?:^|;)\s*parent=/i;

/**
 * The formats {@link warnIfFormatNotBuiltIn} looks for, each by the headers its propagator reads a trace
 * from: Jaeger's `uber-trace-id` (`{trace-id}:{span-id}:{parent-span-id}:{flags}`, jaeger-client's
 * "Propagation Format"; `@opentelemetry/propagator-jaeger`), AWS X-Ray's `x-amzn-trace-id` holding a
 * `Root` and a `Parent` (the header a load balancer adds holds no `Parent`, and restores no parent;
 * `@opentelemetry/propagator-aws-xray`), OpenTracing's `ot-tracer-traceid` and `ot-tracer-spanid`
 * (`@opentelemetry/propagator-ot-trace`).
 */
const OTHER_FORMATS: readonly OtherFormat[] = (
  [
    {
      name: "jaeger",
      headers: "a Jaeger uber-trace-id header",
      fields: ["uber-trace-id"],
      holds: (get) => firstText(get, "uber-trace-id") !== "",
    },
    {
      name: "xray",
      headers: "an AWS X-Ray x-amzn-trace-id header",
      fields: ["x-amzn-trace-id"],
      holds: (get) => {
        const value = firstText(get, "x-amzn-trace-id");
        return value !== "" && XRAY_ROOT.test(value) && XRAY_PARENT.test(value);
      },
    },
    {
      name: "ottrace",
      headers: "ot-tracer-* ids",
      fields: ["ot-tracer-traceid", "ot-tracer-spanid"],
      holds: (get) => firstText(get, "ot-tracer-traceid") !== "" && firstText(get, "ot-tracer-spanid") !== "",
    },
  ] satisfies Omit<OtherFormat, "key">[]
).map((format) => ({ ...format, key: `${CARRIER_REJECTED_WARNING}:not-built-in:${format.name}` }));

/**
 * Internal: the format of {@link OTHER_FORMATS} whose trace headers `get`'s carrier holds (the first),
 * with the class and package of the OpenTelemetry propagator that reads it, or `undefined`. For
 * `tracehop inspect`, which names the format as the restore's warning does. Never throws.
 */
export function otherTraceFormat(
  get: (name: string) => string | string[] | undefined,
): { name: string; headers: string; className: string; packageName: string } | undefined {
  try {
    for (const format of OTHER_FORMATS) {
      const other = format.holds(get) ? otherPropagatorNamed(format.name) : undefined;
      if (other !== undefined) return { name: format.name, headers: format.headers, ...other };
    }
  } catch {
    // A getter that throws holds no format this can name.
  }
  return undefined;
}

/** The headers of {@link OTHER_FORMATS}, for one pass over a carrier's names (`mayHoldAnyOf`). */
const OTHER_FORMAT_HEADERS: ReadonlySet<string> = new Set([
  "uber-trace-id",
  "x-amzn-trace-id",
  "ot-tracer-traceid",
  "ot-tracer-spanid",
]);

/**
 * Internal: the format of {@link OTHER_FORMATS} whose trace headers `stored` holds (the first whose
 * once-per-process key of `keys`, by format name, is not said yet), with the headers its propagator reads
 * a trace from and that propagator's class and package (`otherPropagatorNamed`), or `undefined`: for a
 * restore through a propagator not created by `createPropagator` that found nothing in a carrier holding
 * no ids of a style tracehop reads (`warnIfForeignPropagatorRejected`). One pass over a lower-case
 * carrier's names when it holds none of their headers (`{}`, a row without a carrier). Never throws.
 */
export function unsaidOtherFormat(
  stored: StoredCarrier,
  get: (name: string) => string | string[] | undefined,
  keys: Readonly<Record<string, string>>,
):
  | { name: string; headers: string; fields: readonly string[]; className: string; packageName: string }
  | undefined {
  try {
    if (!mayHoldAnyOf(stored, OTHER_FORMAT_HEADERS)) return undefined;
    for (const format of OTHER_FORMATS) {
      const key = keys[format.name];
      if (key === undefined || hasWarned(key) || !format.holds(get)) continue;
      const other = otherPropagatorNamed(format.name);
      if (other !== undefined)
        return { name: format.name, headers: format.headers, fields: format.fields, ...other };
    }
  } catch {
    // A getter that throws holds no format this can name.
  }
  return undefined;
}

/** The names of the formats of {@link OTHER_FORMATS}, for the once-per-process keys of their warnings. */
export const OTHER_FORMAT_NAMES: readonly string[] = OTHER_FORMATS.map((format) => format.name);

/**
 * {@link warnIfStyleNotRead}'s part for a carrier that holds no ids of any style tracehop reads
 * (`TRACE_STYLES`) but a trace context of a format it builds in no style for ({@link OTHER_FORMATS}:
 * Jaeger, AWS X-Ray, OT trace): a Jaeger-only row restored through `createPropagator()` started a new
 * trace and nothing said so. Says the format, the extract order of `propagator` (`styles`) and where it
 * comes from, and the fix: the `propagator` option with the format's propagator beside tracehop's
 * styles (its class and package: `otherPropagatorNamed`), since a style variable naming the format
 * (`OTEL_PROPAGATORS=jaeger`) does not add it (`TRACEHOP_UNKNOWN_PROPAGATION_STYLE`). Once per process
 * and format.
 */
function warnIfFormatNotBuiltIn(
  propagator: MultiStylePropagator,
  styles: readonly string[],
  stored: StoredCarrier,
  get: (name: string) => string | string[] | undefined,
  origin: CarrierOrigin,
): void {
  if (!mayHoldAnyOf(stored, OTHER_FORMAT_HEADERS)) return;
  let format: OtherFormat | undefined;
  for (const each of OTHER_FORMATS)
    if (!hasWarned(each.key) && each.holds(get)) {
      format = each;
      break;
    }
  const other = format && otherPropagatorNamed(format.name);
  // A carrier that holds ids of a style tracehop reads as well: that style's warning (said already)
  // covers it. Looked at last: a carrier without a context (`{}`, a row without one) costs three look-ups.
  if (format === undefined || other === undefined || TRACE_STYLES.some((each) => holdsStyleIds(each, get)))
    return;
  const source = propagator._extractOrderSource;
  const from = extractOrderFrom(source);
  const tracehop =
    source === "styles"
      ? `createPropagator([${styles.map((each) => `"${each}"`).join(", ")}])`
      : "createPropagator()";
  const option = `new CompositePropagator({ propagators: [${tracehop}, new ${other.className}()] })`;
  warnOnce(
    format.key,
    boundedText(
      `tracehop: ${ORIGIN_TEXT[origin].held} ${format.headers} but restored no context, so its work started ` +
        `a new trace: its headers are of the ${format.name} format, which tracehop builds in no style for, ` +
        `and the propagator given reads only its extract order, ${styles.join(", ")} (${from}). Fix: to read ` +
        `them, give startTracing and the carrier functions the option propagator: ${option} ` +
        `(${other.className}, ${other.packageName}); the style variables (OTEL_PROPAGATORS=${format.name}) do ` +
        `not add it to tracehop's propagator. If these headers are to be ignored, nothing else is lost. ` +
        `${inspectPointer(origin)}. (Said once per process for the ${format.name} format.)`,
    ),
    CARRIER_REJECTED_WARNING,
  );
}

/** The once-per-process key of {@link warnIfCarrierRejected} for each style, built once. */
const REJECTED_KEYS = styleWarningKeys("");

/**
 * Internal: the count of dropped `x-datadog-tags` headers (`tagsErrorNote`) before a restore's
 * extraction, for {@link warnIfTraceIdTruncated} after it: a number read, nothing more.
 */
export function tagsErrorCount(): number {
  return tagsErrorNote.count;
}

/**
 * The `x-datadog-tags` errors (`_dd.propagation_error` values) that drop a `_dd.p.tid`, and what fixes
 * each; `disabled` (a limit of 0, tag propagation turned off on purpose) is not among them.
 */
const TID_LOSS_FIXES: Readonly<Record<string, (writer: TagsWriter) => string>> = {
  extract_max_size: () =>
    `raise ${ENV_TAGS_MAX_LENGTH} (createPropagator's tagsMaxLength) where these carriers are restored, ` +
    "or propagate fewer _dd.p.* tags where they are written",
  malformed_tid: ({ verb, who }) => `${verb} _dd.p.tid as 16 lower-case hex digits, as ${who} writes it`,
  decoding_error: ({ verb, who }) => `${verb} x-datadog-tags as ${who} writes it`,
};

/** Who writes `x-datadog-tags` where the carrier came from, for the fixes: a row's, or a message's. */
interface TagsWriter {
  verb: string;
  who: string;
}
const TAGS_WRITERS: Readonly<Record<CarrierOrigin, TagsWriter>> = {
  stored: { verb: "store", who: "captureCarrier() (or the tracer's own inject)" },
  message: { verb: "send", who: "the producer's inject (withSendSpan, the header writers, or its tracer's)" },
};

/**
 * Internal: after a restore (`restored`, from `stored`) in which the Datadog style dropped an
 * `x-datadog-tags` header in part or whole (`tagsErrorNote` moved since `before`, {@link tagsErrorCount}),
 * a `diag.warn` and the process warning `TRACEHOP_TRACE_ID_TRUNCATED`, once per process and error kind,
 * when the `_dd.p.tid` it held went with it and the trace restored is that of the 64-bit id alone (its
 * upper half zero, and no traceparent of the carrier names it): the row's 128-bit trace id is continued
 * as another one, which a W3C traceparent written from here and an OpenTelemetry backend show. Says the
 * reason `tracehop inspect` gives (`describeTagsError`), the trace id restored, what to fix and
 * `npx tracehop inspect`; `origin` ({@link CarrierOrigin}) names the carrier and whose trace it loses,
 * as `TRACEHOP_CARRIER_REJECTED` names it (a row's, or a consumed message's headers). dd-trace-js loses the upper half on these too, but for an upper-case tid,
 * which it reads (docs/conformance.md). Never throws.
 */
export function warnIfTraceIdTruncated(
  before: number,
  restored: Context,
  stored: StoredCarrier,
  input?: unknown,
  propagator?: TextMapPropagator,
  origin: CarrierOrigin = "stored",
): void {
  try {
    const moved = tagsErrorNote.count !== before;
    if (!moved && !heldOverLengthValue(stored)) return;
    const traceId = trace.getSpanContext(restored)?.traceId ?? getRestoredRoot(restored)?.traceId;
    if (traceId === undefined || !traceId.startsWith(ZERO_HEX16)) return;
    // The traceparent's own trace id restored: that is the trace the row names.
    const traceparent = storedCarrierGetter.get(stored, "traceparent");
    const first = Array.isArray(traceparent) ? traceparent[0] : traceparent;
    if (first !== undefined && trimOws(first).slice(3, 35) === traceId) return;
    const named = ORIGIN_TEXT[origin];
    const consequence =
      `the trace is continued as ${traceId}, the upper 64 bits of ${named.traceId} lost: a ` +
      `traceparent written from here, and an OpenTelemetry backend, name another trace than ${named.whose}`;
    let kind: string;
    let reason: string;
    let fix: string;
    if (moved) {
      const { error, header, maxLength } = tagsErrorNote;
      kind = error.split(" ", 1)[0]!;
      const tidFix = TID_LOSS_FIXES[kind];
      if (tidFix === undefined) return;
      fix = tidFix(TAGS_WRITERS[origin]);
      // A structure stored where text belongs (read as NOT_TEXT_VALUE) drops the header whole: said as
      // that (not_text) whether the tid is in the structure or in text beside it in an array, never as
      // a member breaking the grammar (a character outside printable ASCII) the user did not write.
      if (kind === "decoding_error" && header.includes(NOT_TEXT_VALUE)) {
        const besideText = holdsTid(header);
        if (!besideText && !tidIn(storedTagsValue(stored, input), 0)) return;
        kind = "not_text";
        reason = notTextTagsReason(origin, besideText, stored, input, consequence);
        fix = NOT_TEXT_FIX(TAGS_WRITERS[origin]);
      }
      // A header dropped whole loses a tid only when it held one (an all-zero tid names no upper half).
      else if (kind !== "malformed_tid" && !holdsTid(header)) return;
      else
        reason = describeTagsError(
          error,
          header,
          { maxLength, source: `${ENV_TAGS_MAX_LENGTH} or tagsMaxLength, default 512` },
          consequence,
        );
    } else {
      // The reader dropped x-datadog-tags for its length before the datadog style saw it; a tags limit
      // of 0 (tag propagation off on purpose) would have dropped it anyway.
      if (propagator instanceof MultiStylePropagator && propagator._datadogTagsMaxLength === 0) return;
      const value = storedTagsValue(stored, input);
      const values = Array.isArray(value) ? value.slice(0, MAX_CARRIER_FIELD_VALUES) : [value];
      const dropped = values.find((item) => overLength(item) !== undefined && tidIn(item, 1));
      const tooLong = overLength(dropped);
      if (tooLong === undefined) return;
      kind = "reader_max_size";
      reason =
        `x-datadog-tags dropped whole: ${tooLong.length} ${tooLong.unit}, over the carrier reader's limit of ` +
        `${MAX_CARRIER_VALUE_LENGTH} ${tooLong.unit} for one value, which no setting raises (tagsMaxLength and ` +
        `${ENV_TAGS_MAX_LENGTH} apply within it); ${consequence}`;
      fix = READER_LIMIT_FIX;
    }
    if (hasWarned(`${TRACE_ID_TRUNCATED_WARNING}:${kind}`)) return;
    warnOnce(
      `${TRACE_ID_TRUNCATED_WARNING}:${kind}`,
      boundedText(
        `tracehop: ${named.restored} with a changed trace id: ${reason}. Fix: ${fix}. ` +
          `${inspectPointer(origin)}. (Said once per process for ${kind}.)`,
      ),
      TRACE_ID_TRUNCATED_WARNING,
    );
  } catch {
    // Nothing said, the restore goes on.
  }
}

/**
 * The reason of an `x-datadog-tags` that holds a structure where text belongs (`not_text`), read as
 * an invalid value and dropped whole with the `_dd.p.tid` it holds: `besideText`, the structure sits in
 * an array beside the text that holds the tid. A stored carrier's is named as JSON (a JSON object or
 * array); a consumed message's as the AMQP type its header holds as delivered (`messageValueKind`: an
 * AMQP field table, an AMQP field array holding one), read by the headers reader. Never throws.
 */
function notTextTagsReason(
  origin: CarrierOrigin,
  besideText: boolean,
  stored: StoredCarrier,
  input: unknown,
  consequence: string,
): string {
  if (origin === "stored")
    return besideText
      ? "x-datadog-tags is an array holding a JSON object or an array beside its text, not text: the " +
          "carrier reader reads that value as an invalid one, and the datadog style drops the header whole, " +
          `with the _dd.p.tid its text holds; ${consequence}`
      : "x-datadog-tags is a JSON object or an array inside an array, not text: the carrier reader reads it " +
          `as an invalid value, and the datadog style drops it whole, with the _dd.p.tid it holds; ${consequence}`;
  const value = storedTagsValue(stored, input);
  const held = messageValueKind(value);
  const kind = Array.isArray(value) ? `an AMQP field array holding ${held}` : held;
  return besideText
    ? `the x-datadog-tags header is ${kind} beside its text, not text: the headers reader reads that value ` +
        "as an invalid one, and the datadog style drops the header whole, with the _dd.p.tid its text holds; " +
        consequence
    : `the x-datadog-tags header is ${kind}, not text: the headers reader reads it as an invalid value, and ` +
        `the datadog style drops it whole, with the _dd.p.tid it holds; ${consequence}`;
}

/** The fix of an `x-datadog-tags` stored as a structure (`not_text`). */
const NOT_TEXT_FIX = ({ verb, who }: TagsWriter): string =>
  `${verb} x-datadog-tags as the text ${who} writes (_dd.p.tid=<16 lower-case hex digits>,...), not as an object`;

/** The fix of an `x-datadog-tags` over the carrier reader's limit (`reader_max_size`): no setting reads it. */
const READER_LIMIT_FIX =
  "propagate fewer _dd.p.* tags where these carriers are written (Datadog's tracers write at most 512 " +
  "characters of them by default)";

/**
 * The `x-datadog-tags` field of a stored carrier as stored: a lower-case carrier's own value, else the
 * field of `input` (what it was read from: `storedIdFields`). Never throws.
 */
function storedTagsValue(stored: StoredCarrier, input: unknown): unknown {
  if (isLowerCaseCarrier(stored)) return storedValueOf(stored, X_DATADOG_TAGS);
  return rawValueOf(storedIdFields(input), X_DATADOG_TAGS);
}

/**
 * Whether a stored `x-datadog-tags` value holds a `_dd.p.tid` that is not all zeros: text (each
 * value scanned once, {@link holdsTid}), bytes (searched in place, never copied whole), an object's
 * `_dd.p.tid` member, or the values of an array (the first 64, two levels at most). Never throws.
 */
function tidIn(value: unknown, depth: number): boolean {
  if (typeof value === "string") return holdsTid(value);
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value))
    return depth < 2 && value.slice(0, MAX_CARRIER_FIELD_VALUES).some((item) => tidIn(item, depth + 1));
  const bytes = ArrayBuffer.isView(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : value instanceof ArrayBuffer
      ? Buffer.from(value)
      : undefined;
  if (bytes !== undefined) {
    const at = bytes.indexOf(`${TID_TAG}=`);
    return at !== -1 && holdsTid(bytes.toString("latin1", at, at + TID_TAG.length + 1 + 64));
  }
  if (asBytes(value, 0) !== undefined) return false; // the JSON form of a Buffer: not searched
  const tid = (value as Record<string, unknown>)[TID_TAG];
  return typeof tid === "string" && holdsTid(`${TID_TAG}=${tid.slice(0, 64)}`);
}

/** Whether an `x-datadog-tags` header holds a `_dd.p.tid` member that is not all zeros. */
function holdsTid(header: string): boolean {
  const prefix = `${TID_TAG}=`;
  // Each member's value is looked at in its first 64 characters: one pass over a long header.
  for (let at = header.indexOf(prefix); at !== -1; at = header.indexOf(prefix, at + prefix.length)) {
    const start = at + prefix.length;
    const window = header.slice(start, start + 64);
    const comma = window.indexOf(",");
    const value = trimOws(comma === -1 ? window : window.slice(0, comma));
    if (value !== "" && !/^0+$/.test(value)) return true;
  }
  return false;
}

/**
 * Internal: the {@link NormalizedCarrier} of a stored carrier the reader read (the reasons read that shape): a
 * normalized one as it is; the names and values of a lower-case one, but for values over the length
 * limit, which the getter does not give either.
 */
export function normalizedOf(stored: StoredCarrier): NormalizedCarrier {
  if (stored instanceof Map) return stored;
  const carrier: NormalizedCarrier = new Map();
  for (let i = 0; i < stored.names.length; i++) {
    const value = stored.values[i]!;
    if (value.length <= MAX_CARRIER_VALUE_LENGTH) carrier.set(stored.names[i]!, [value]);
  }
  return carrier;
}

/**
 * Internal: whether `raw` ({@link storedIdFields}) holds an `x-datadog-trace-id` or `x-datadog-parent-id` stored as
 * a JSON number past 2^53: what `TRACEHOP_JSON_NUMBER_ID` says (`idTextFromNumber`, ids.ts).
 */
export function holdsRoundedId(raw: Record<string, unknown>): boolean {
  return Object.keys(raw).some((key) => {
    const value = raw[key];
    const name = asciiLowerName(key);
    return (
      (name === X_DATADOG_TRACE_ID || name === X_DATADOG_PARENT_ID) &&
      typeof value === "number" &&
      Number.isInteger(value) &&
      value > Number.MAX_SAFE_INTEGER
    );
  });
}

/**
 * The id headers a reason looks at as stored when the reader kept no value of them (`unreadIdReason`),
 * and the other headers a reason may quote, whose stored value names a structure where text belongs
 * ({@link notTextWording}).
 */
const ID_HEADERS: ReadonlySet<string> = new Set([
  X_DATADOG_TRACE_ID,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  "x-b3-spanid",
  "x-b3-traceid",
  "x-b3-sampled",
  "x-b3-flags",
  "traceparent",
  "b3",
  X_DATADOG_TAGS,
]);

/** Most items of an AMQP field array `notTextWording` names the types of. */
const MAX_ARRAY_ITEMS_NAMED = 16;

/**
 * Internal: how the rejection warnings name a structure the carrier reader read as an invalid value
 * (`NotTextWording`) in a carrier of `origin`: a stored carrier's, a JSON object or array
 * (`JSON_NOT_TEXT`); a consumed message's, the AMQP type its header holds as amqplib delivers it (`raw`,
 * the headers as delivered: `{ "!": "timestamp", value }` an AMQP timestamp, `{ "!": "decimal", value }`
 * an AMQP decimal, another object an AMQP field table, a `Date` as an AMQP 1.0 client delivers a
 * timestamp), and what to send instead: `(an AMQP timestamp, not text: send it as a string)`.
 */
export function notTextWording(origin: CarrierOrigin, raw: Record<string, unknown>): NotTextWording {
  if (origin === "stored") return JSON_NOT_TEXT;
  return (name) => `(${messageValueKind(rawValueOf(raw, name))}, not text: send it as a string)`;
}

/**
 * What {@link notTextWording} calls a message header's value that is not text. An AMQP field array (a
 * header sent repeated) is named by the types of the values it holds that are not text (the one a style
 * reads among them: `["5", { "!": "decimal", ... }]` is an AMQP decimal), each type once, the first
 * {@link MAX_ARRAY_ITEMS_NAMED} items looked at. Never throws.
 */
function messageValueKind(value: unknown): string {
  try {
    if (Array.isArray(value)) {
      const kinds = new Set<string>();
      for (const item of value.slice(0, MAX_ARRAY_ITEMS_NAMED))
        if (item !== null && typeof item === "object" && !ArrayBuffer.isView(item))
          kinds.add(Array.isArray(item) ? "an AMQP field array" : messageValueKind(item));
      return kinds.size === 0 ? "an AMQP field array" : [...kinds].join(" or ");
    }
    if (value instanceof Date) return "a Date, an AMQP timestamp";
    if (value !== null && typeof value === "object") {
      const type = Object.hasOwn(value, "!") ? (value as Record<string, unknown>)["!"] : undefined;
      if (type === undefined) return "an AMQP field table";
      // amqplib's `{ "!": type, value }` (lib/codec.js): timestamp and decimal as it decodes them.
      return typeof type === "string" && /^[a-z]{1,16}$/.test(type)
        ? `an AMQP ${type}`
        : "an AMQP typed value";
    }
  } catch {
    // a throwing getter or proxy trap: said as a value
  }
  return "a value";
}

/**
 * The fields of the stored carrier `input` named as an id header of {@link ID_HEADERS} (any case), with
 * their values as stored: among the first `MAX_CARRIER_KEYS` keys of the object or `Map` it holds
 * (`carrierObject`: JSON text parsed). `{}` when it cannot be read. Never throws.
 */
function storedIdFields(input: unknown): Record<string, unknown> {
  const raw: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  try {
    const source = carrierObject(input);
    if (source instanceof Map) {
      let seen = 0;
      for (const [key, value] of source) {
        if (++seen > MAX_CARRIER_KEYS) break;
        if (typeof key === "string" && ID_HEADERS.has(asciiLowerName(key) ?? "")) raw[key] = value;
      }
    } else if (source !== undefined) {
      const keys = Object.keys(source).slice(0, MAX_CARRIER_KEYS);
      for (const key of keys) if (ID_HEADERS.has(asciiLowerName(key) ?? "")) raw[key] = source[key];
    }
  } catch {
    // A throwing getter or trap: what was read so far.
  }
  return raw;
}

/**
 * A warning's text as it is printed: each JSON-quoted value of it (as the reasons quote a carrier's
 * values) cut after {@link MAX_QUOTED_LENGTH} characters and marked with its length (the length a
 * reason gave already, `"<head>"… (<length> characters)`, kept), each character
 * outside printable ASCII (a control character JSON leaves as it is, U+2028, a bidirectional override)
 * escaped as `\uXXXX` (`escapeUnprintable`, as `tracehop inspect` shows them) — but for `§` and `…`,
 * which the reasons themselves write — and the whole cut
 * after {@link MAX_MESSAGE_LENGTH} characters.
 */
export function boundedText(text: string): string {
  const cut = text.replace(
    /("(?:[^"\\]|\\.)*")(?:… \((\d+) characters\))?/g,
    (whole, quoted: string, length: string | undefined) =>
      quoted.length - 2 > MAX_QUOTED_LENGTH
        ? `${quoted.slice(0, MAX_QUOTED_LENGTH + 1).replace(/\\u?[0-9a-fA-F]{0,3}$/, "")}"… (${length ?? quotedLength(quoted)} characters)`
        : whole,
  );
  const escaped = escapeUnprintable(cut);
  return escaped.length > MAX_MESSAGE_LENGTH ? `${escaped.slice(0, MAX_MESSAGE_LENGTH)}…` : escaped;
}

/** The length of the text a JSON string literal stands for (its own length when it is not one). */
function quotedLength(quoted: string): number {
  try {
    return (JSON.parse(quoted) as string).length;
  } catch {
    return quoted.length - 2;
  }
}
