/**
 * `TRACEHOP_CARRIER_REJECTED` for a restore through a propagator that is not tracehop's own (the
 * `propagator` option: `@opentelemetry/api`'s global `propagation`, a `CompositePropagator`,
 * `@opentelemetry/core`'s `W3CTraceContextPropagator`, a user's class): no extract order tells which
 * styles should have read the carrier (`warnIfCarrierRejected` reads a `createPropagator` one's), so what
 * every `TextMapPropagator` offers is read instead: `fields()`, the headers it says it uses. A carrier
 * holding a style's ids that none of its fields names was not read at all (a W3C-only SDK propagator and
 * old Datadog rows: trial); one whose style it names was refused, said with tracehop's own reading of the
 * carrier. A carrier holding only the headers of a format tracehop builds in no style for (Jaeger, AWS
 * X-Ray, OT trace) is said when the propagator's fields do not name them. docs/warnings.md,
 * "TRACEHOP_CARRIER_REJECTED".
 */
import { propagation, ROOT_CONTEXT, trace, type TextMapPropagator } from "@opentelemetry/api";
import { storedCarrierGetter, type StoredCarrier } from "../carrier/stored-carrier.js";
import { describeValue } from "../describe-value.js";
import { createPropagator } from "../propagation/create-propagator.js";
import { MultiStylePropagator } from "../propagation/create-propagator/MultiStylePropagator.js";
import { X_DATADOG_PARENT_ID, X_DATADOG_TRACE_ID } from "../propagation/datadog/constants.js";
import { getRestoredRoot } from "../propagation/extraction-result.js";
import { holdsStyleIds, rejectionReason, type TraceStyle } from "../propagation/rejection-reasons.js";
import { hasWarned, warnOnce } from "../warn-once.js";
import {
  boundedText,
  CARRIER_REJECTED_WARNING,
  holdsRoundedId,
  inspectPointer,
  normalizedOf,
  ORIGIN_TEXT,
  originFix,
  SEE_INSPECT,
  STYLE_PRONOUN,
  styleWarningKeys,
  TRACE_STYLES,
  storedIdReader,
  TRACE_STYLE_HEADERS,
  type CarrierOrigin,
  notTextWording,
  OTHER_FORMAT_NAMES,
  unsaidOtherFormat,
} from "./carrier-rejected.js";

/**
 * The id headers of each style (`holdsStyleIds`) that a propagator's `fields()` must name for it to read
 * the style. The B3 styles count as one: OpenTelemetry's `B3Propagator` names in `fields()` only the
 * headers of its inject encoding (`b3`, or the `x-b3-*` ones) but extracts both.
 */
const STYLE_FIELDS: Readonly<Record<TraceStyle, readonly string[]>> = {
  datadog: [X_DATADOG_TRACE_ID, X_DATADOG_PARENT_ID],
  tracecontext: ["traceparent"],
  b3: ["b3", "x-b3-traceid", "x-b3-spanid"],
  b3multi: ["b3", "x-b3-traceid", "x-b3-spanid"],
};

/** How the id headers of each style are listed as names a propagator's fields lack. */
const STYLE_FIELD_LIST: Readonly<Record<TraceStyle, string>> = {
  datadog: "x-datadog-trace-id or x-datadog-parent-id",
  tracecontext: "traceparent",
  b3: "b3, x-b3-traceid or x-b3-spanid",
  b3multi: "b3, x-b3-traceid or x-b3-spanid",
};

/** The `createPropagator` call the fix names for a style: the default for those it reads. */
const CREATE_FOR_STYLE: Readonly<Record<TraceStyle, string>> = {
  datadog: "createPropagator()",
  tracecontext: "createPropagator()",
  b3: 'createPropagator(["tracecontext", "baggage", "b3"])',
  b3multi: 'createPropagator(["tracecontext", "baggage", "b3multi"])',
};

/** What the fix says of the default propagator, after the call it names for a style. */
const DEFAULT_NOTE = " (tracehop's default: it reads datadog, tracecontext and baggage)";

/**
 * The once-per-process key of each style, whatever was said of it (not read, or refused): once said,
 * a restore that found nothing looks no further than these keys, and never reads `fields()` again.
 */
const KEYS = styleWarningKeys("other-propagator");

/** Fields listed in the message at most; more are counted. */
const MAX_LISTED_FIELDS = 8;

/** Longest field name listed; longer ones are cut (`describeValue`). */
const MAX_FIELD_NAME_LENGTH = 40;

/**
 * What a propagator's `fields()` told: `names` (its string entries, as given, the first 64) and their
 * lower-case set; or `unknown`, why they cannot be read (it threw, returned no array, is no function).
 */
type FieldsRead = { names: string[]; lower: ReadonlySet<string> } | { unknown: string };

/**
 * `propagator.fields()`, guarded: a throwing method or getter, a Proxy trap, a result that is not an
 * array, entries that are not strings (left out). Never throws.
 */
function readFields(propagator: TextMapPropagator): FieldsRead {
  let result: unknown;
  try {
    const method = (propagator as { fields?: unknown }).fields;
    if (typeof method !== "function") return { unknown: "is not a function" };
    result = (method as () => unknown).call(propagator);
  } catch (err) {
    return { unknown: `threw (${describeThrown(err)})` };
  }
  try {
    if (!Array.isArray(result)) return { unknown: `returned ${describeValue(result)}, not an array` };
    const names = result.slice(0, 64).filter((name): name is string => typeof name === "string");
    return { names, lower: new Set(names.map((name) => name.toLowerCase())) };
  } catch (err) {
    return { unknown: `returned an array that cannot be read (${describeThrown(err)})` };
  }
}

/** A thrown value, as the warning quotes it: `"Error: boom"`. Never throws. */
function describeThrown(err: unknown): string {
  try {
    return err instanceof Error ? describeValue(`${err.name}: ${err.message}`, 80) : describeValue(err);
  } catch {
    return "a value that cannot be described";
  }
}

/** The fields named in the message: `traceparent, tracestate, baggage`, cut after a few. */
function listFields(names: readonly string[]): string {
  const listed = names
    .slice(0, MAX_LISTED_FIELDS)
    .map((name) => (name.length > MAX_FIELD_NAME_LENGTH ? describeValue(name, MAX_FIELD_NAME_LENGTH) : name));
  const more = names.length - listed.length;
  return `${listed.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

/** Whether `propagator` is `@opentelemetry/api`'s global `propagation` (this copy of the api, or another's). */
function isApiPropagation(propagator: TextMapPropagator): boolean {
  try {
    return propagator === propagation || propagator.constructor?.name === "PropagationAPI";
  } catch {
    return false;
  }
}

/** tracehop's own propagator of each style, built on first use (no setting read from the environment). */
const ownStylePropagators = new Map<TraceStyle, TextMapPropagator>();

/**
 * Whether tracehop's own `style` restores a context (a span context or a restored root) from `stored`:
 * `createPropagator(style)` under `continue`, its tags limit 0 (a tags header never counted as dropped),
 * extract-first off. Never throws.
 */
function ownStyleRestores(style: TraceStyle, stored: StoredCarrier): boolean {
  try {
    let own = ownStylePropagators.get(style);
    if (own === undefined) {
      own = createPropagator(style, { extractBehavior: "continue", tagsMaxLength: 0, extractFirst: false });
      ownStylePropagators.set(style, own);
    }
    const restored = own.extract(ROOT_CONTEXT, stored, storedCarrierGetter);
    return trace.getSpanContext(restored) !== undefined || getRestoredRoot(restored) !== undefined;
  } catch {
    return false;
  }
}

/** How the warnings name the propagator given: `api`, `@opentelemetry/api`'s `propagation`. */
function givenText(api: boolean): string {
  return api
    ? "the propagator given, @opentelemetry/api's propagation (the global one an SDK registers),"
    : "the propagator given";
}

/** What the warnings say of `fields()` read (`""` when they could not be read). */
function fieldsTextOf(fields: FieldsRead, api: boolean): string {
  return "unknown" in fields
    ? ""
    : fields.names.length === 0
      ? `its fields() name no header${api ? " (no propagator is registered as the global one)" : ""}`
      : `its fields() are ${listFields(fields.names)}`;
}

/** The once-per-process key of {@link warnIfFormatNotRead} for each format of `OTHER_FORMATS`. */
const FORMAT_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  OTHER_FORMAT_NAMES.map((name) => [name, `${CARRIER_REJECTED_WARNING}:other-propagator:${name}`]),
);

/**
 * {@link warnIfForeignPropagatorRejected}'s part for a carrier that holds no ids of a style tracehop reads
 * but the trace headers of a format it builds in no style for (`unsaidOtherFormat`: Jaeger's
 * `uber-trace-id`, AWS X-Ray's `x-amzn-trace-id` with a `Parent`, OpenTracing's `ot-tracer-*` ids), as
 * `warnIfFormatNotBuiltIn` says it through a `createPropagator` one: a Jaeger-only row restored through a
 * W3C-only SDK's propagator started a new trace without a word. Said when none of the format's headers is
 * among `propagator.fields()` (any case): it does not read the format; or when `fields()` cannot be read
 * (which headers it reads is unknown, and said so). Not said when its fields name one of them
 * (`JaegerPropagator` in a `CompositePropagator`): it reads the format, and restoring nothing from it is
 * its own judgement, which tracehop has no rules to second. The fix: the format's OpenTelemetry
 * propagator beside the user's (for `@opentelemetry/api`'s `propagation`, among the propagators the SDK
 * registers). Once per process and format ({@link FORMAT_KEYS}); `fields()` is read only for a carrier
 * holding such headers, a format not said yet. Never throws (its caller's `try`).
 */
function warnIfFormatNotRead(
  propagator: TextMapPropagator,
  stored: StoredCarrier,
  get: (name: string) => string | string[] | undefined,
  origin: CarrierOrigin,
): void {
  const format = unsaidOtherFormat(stored, get, FORMAT_KEYS);
  if (format === undefined) return;
  const fields = readFields(propagator);
  if ("lower" in fields && format.fields.some((name) => fields.lower.has(name))) return;
  const api = isApiPropagation(propagator);
  const given = givenText(api);
  const added = `new ${format.className}()`;
  const where = api
    ? "to the propagators your SDK registers (NodeSDK's textMapPropagator, startTracing's propagator option: a " +
      "CompositePropagator)"
    : `beside yours in a CompositePropagator ({ propagators: [yours, ${added}] })`;
  const what =
    "unknown" in fields
      ? `its headers are of the ${format.name} format, and ${given} restored no context from them; its fields() ` +
        `${fields.unknown}, so which headers it reads is unknown`
      : `its headers are of the ${format.name} format, which ${given} does not read: ${fieldsTextOf(fields, api)}` +
        `${fields.names.length === 0 ? "" : `, none of them ${format.fields.join(" or ")}`}`;
  warnOnce(
    FORMAT_KEYS[format.name]!,
    boundedText(
      `tracehop: ${ORIGIN_TEXT[origin].held} ${format.headers} but restored no context, so its work started a ` +
        `new trace: ${what}. Fix: to read them, add ${added} (${format.className}, ${format.packageName}) ` +
        `${where}; if these headers are to be ignored, nothing else is lost. ${inspectPointer(origin)}. ` +
        `(Said once per process for the ${format.name} format and a propagator not created by createPropagator.)`,
    ),
    CARRIER_REJECTED_WARNING,
  );
}

/**
 * Internal: after a restore through `propagator`, one not created by `createPropagator` (a
 * `MultiStylePropagator` is `warnIfCarrierRejected`'s), that found no context, a `diag.warn` and the
 * process warning `TRACEHOP_CARRIER_REJECTED`, once per process and style (whichever kind below is said
 * first: {@link KEYS}), when `stored` held the
 * ids of a style (`holdsStyleIds`: datadog, tracecontext, b3, b3multi, in that order; the first not said
 * yet):
 * - `unread`: none of the style's id headers is among `propagator.fields()` (any case; the B3 styles
 *   count as one): the propagator given does not read them; its fields, and the fix: a propagator that
 *   reads the style (`createPropagator()`, or `createPropagator("<style>")` in a `CompositePropagator`;
 *   for `@opentelemetry/api`'s `propagation`, the one the SDK registers);
 * - `refused`: its fields name them, or cannot be read (`fields()` threw, returned no array): the
 *   propagator restored nothing from them; said with tracehop's reading, labelled as that: the rule they
 *   break by tracehop's rules (`rejectionReason`, with the fix of `origin`'s writer), or that tracehop's
 *   own style restores a context from them (`createPropagator(style)`: the fix is the propagator).
 *   An id rounded past 2^53 is `TRACEHOP_JSON_NUMBER_ID`'s, not said again.
 * A carrier that holds no style's ids but the trace headers of a format tracehop builds in no style for
 * is {@link warnIfFormatNotRead}'s.
 * `input`: what `stored` was read from (for an id the reader kept no value of); `origin`: where it came
 * from ({@link CarrierOrigin}), which names it; `roundedIdSaid`, as `warnIfCarrierRejected`'s. `fields()` is read only here, after a restore that found
 * nothing, for a carrier holding ids of a style not said yet: a row without a carrier, or every style
 * said, costs a few look-ups. Values quoted escaped and cut (`boundedText`). Never throws.
 */
export function warnIfForeignPropagatorRejected(
  propagator: TextMapPropagator,
  stored: StoredCarrier,
  input: unknown,
  origin: CarrierOrigin = "stored",
  roundedIdSaid = false,
): void {
  try {
    if (propagator instanceof MultiStylePropagator) return;
    const { get, rawFields } = storedIdReader(stored, input);
    // Once every style is said, a few Set look-ups and nothing more.
    const held = TRACE_STYLES.filter((style) => holdsStyleIds(style, get));
    if (held.length === 0) {
      warnIfFormatNotRead(propagator, stored, get, origin);
      return;
    }
    const style = held.find((each) => !hasWarned(KEYS[each]));
    if (style === undefined) return;
    const fields = readFields(propagator);
    const unread = "lower" in fields && !STYLE_FIELDS[style].some((name) => fields.lower.has(name));
    const others = held.filter((each) => each !== style).map((each) => TRACE_STYLE_HEADERS[each]);
    const also = others.length ? `; the carrier held ${others.join(" and ")} too, not restored either` : "";
    const them = STYLE_PRONOUN[style];
    const api = isApiPropagation(propagator);
    const given = givenText(api);
    const fieldsText = fieldsTextOf(fields, api);
    const readingFix =
      `restore with a propagator that reads the ${style} style: pass { propagator: ${CREATE_FOR_STYLE[style]} }` +
      `${CREATE_FOR_STYLE[style] === "createPropagator()" ? DEFAULT_NOTE : ""}, ` +
      (api
        ? `or add createPropagator("${style}") to the propagators your SDK registers (NodeSDK's textMapPropagator, ` +
          "a CompositePropagator)"
        : `or add createPropagator("${style}") beside yours in a CompositePropagator ({ propagators: [yours, ` +
          `createPropagator("${style}")] })`);
    let what: string;
    let fix: string;
    if (unread) {
      const none = fields.names.length === 0 ? "" : `, none of them ${STYLE_FIELD_LIST[style]}`;
      what = `${given} does not read ${them}: ${fieldsText}${none}${also}`;
      fix = `Fix: ${readingFix}`;
    } else {
      const reads =
        "unknown" in fields
          ? `${given} restored no context from ${them}, and its fields() ${fields.unknown}, so which headers it reads is unknown`
          : `${given} reads ${them} (${fieldsText}) but restored no context from ${them}`;
      if (ownStyleRestores(style, stored)) {
        what =
          `${reads}; by tracehop's rules ${them === "it" ? "it is" : "they are"} valid (tracehop's ${style} ` +
          `style restores a context from ${them})${also}`;
        fix =
          "unknown" in fields
            ? `Fix: ${readingFix}`
            : `Fix: find why the propagator given refuses ${them}, or restore with ${CREATE_FOR_STYLE[style]}, which reads ${them}`;
      } else {
        const raw = rawFields();
        const reason = rejectionReason(
          style,
          normalizedOf(stored),
          raw,
          SEE_INSPECT,
          notTextWording(origin, raw),
        );
        // An id rounded past 2^53 is said by TRACEHOP_JSON_NUMBER_ID (the carrier reader's), with its fix.
        if (reason.kind === "rounded-number" && holdsRoundedId(raw)) return;
        if (style === "datadog" && roundedIdSaid) return;
        what = `${reads}; by tracehop's rules: ${reason.text}${also}`;
        fix = originFix(origin, reason);
      }
    }
    warnOnce(
      KEYS[style],
      boundedText(
        `tracehop: ${ORIGIN_TEXT[origin].held} ${TRACE_STYLE_HEADERS[style]} but restored no context, so its ` +
          `work started a new trace: ${what}. ${fix}. ${inspectPointer(origin)}. (Said once per process for the ${style} style and a propagator not created by createPropagator.)`,
      ),
      CARRIER_REJECTED_WARNING,
    );
  } catch {
    // A hostile carrier or propagator: nothing said, the restore goes on.
  }
}
