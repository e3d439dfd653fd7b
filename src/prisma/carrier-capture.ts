import {
  diag,
  propagation,
  trace,
  TraceFlags,
  type Context,
  type TextMapPropagator,
} from "@opentelemetry/api";
import type { TraceCarrier } from "../index.js";
import { extractWithoutWarnings, getDefaultPropagator, injectCarrier } from "../context/carrier-context.js";
import { getDatadogContext } from "../propagation/datadog/datadog-context.js";
import { isBaggageHeader, isDeniedBaggageHeader, withAllowedBaggage } from "../context/baggage-policy.js";
import { TRACE_STATE_HEADER, TRACE_STATE_LONG_ENTRY_LENGTH } from "../propagation/w3c/constants.js";
import { parseTraceStateMembers } from "../propagation/w3c/tracestate.js";
import { getExtractionLinks, getRestoredRoot } from "../propagation/extraction-result.js";

/**
 * Largest carrier written to a row, in UTF-8 bytes of its JSON text: `9728` (9.5 KiB).
 *
 * Worst case of what the default styles (tracecontext, baggage, datadog) can inject, in bytes:
 * - `traceparent` 55 (W3C Trace Context §3.2, version 00);
 * - `tracestate` 512 (the length `@opentelemetry/core`'s TraceState keeps; W3C Trace Context §3.3.1.5
 *   asks vendors to propagate at least 512 characters);
 * - `baggage` 8192 (W3C Baggage §3.3.1 "Limits", the total `@opentelemetry/core` enforces);
 * - `x-datadog-tags` 512 (`DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH` default, as dd-trace-js enforces it);
 * - `x-datadog-trace-id` and `x-datadog-parent-id` 20 each (unsigned 64-bit decimal; Datadog docs,
 *   "Propagating trace context"), `x-datadog-sampling-priority` 11 (signed 32-bit), `x-datadog-origin`
 *   32 (the values Datadog sends: `rum`, `synthetics`, `synthetics-browser`);
 * - the eight header names 122, JSON punctuation 50.
 *
 * That is 9526 bytes; the limit leaves about 200 bytes for a `b3` header or a longer origin.
 */
export const MAX_STORED_CARRIER_BYTES = 9.5 * 1024;

// The `baggage` option's policy, shared with `captureCarrier`.
export type { BaggagePolicy } from "../context/baggage-policy.js";

/** Options of {@link captureStoredCarrier}. */
interface StoredCarrierOptions {
  /** Default: the default propagator of `captureCarrier` (`createPropagator()`). */
  propagator?: TextMapPropagator;
  /** Default: the active context. */
  context?: Context;
}

/**
 * Captures the carrier of the given (default: active) context for storage at rest: baggage
 * filtered by the policy, size bounded by `maxBytes`. Returns `undefined` when there is nothing to
 * store (no active trace, or capture failed). Never throws: tracing must not fail a write.
 *
 * Order of the rules:
 * 1. baggage entries not allowed by the policy are removed from the context before injection, and
 *    any baggage header the propagator still writes for them (`baggage`, `ot-baggage-*`, Jaeger's
 *    `uberctx-*`: the policy's rule, the one trimming uses) is removed after;
 * 2. when the JSON text is over `maxBytes` (an oversized inbound `tracestate`, `x-datadog-tags` or
 *    `x-datadog-origin` must not bloat the row), baggage goes first; then, of the sets of its headers
 *    that fit and still restore, with the same propagator, the same trace id, parent span id and
 *    sampled flag (a lone `traceparent` when the Datadog headers do not fit, the Datadog headers
 *    without `tracestate`, ...), the carrier keeps the one that restores the most of what the whole
 *    carrier restores: the same sampling decision (flags and priority) first, then the most whole
 *    styles (headers that restore the trace on their own: the Datadog ids, `traceparent`, b3; each one
 *    a reader that extracts only that style, dd-trace-ot during a migration, still restores), of as
 *    many the smallest (a lone `traceparent` before the Datadog ids: the style a smaller limit kept
 *    stays kept), then the most other parts the same, then the most bytes. A set with a `tracestate` keeps the longest cut of
 *    it that fits beside the rest, cut as W3C Trace Context §3.3.1.5 has a vendor cut one (members over
 *    128 characters first, right-most first, then members from the right; `dd=`, written at the left,
 *    goes last), so the Datadog ids and most of the tracestate fit together. So more room never takes
 *    a style away, but for a sampling decision that only the larger style keeps at a tight limit (a
 *    priority of -1 or 2, set by a user, where the `dd=` member does not fit beside a `traceparent`:
 *    the Datadog ids are kept then, alone). A set holds no header whose removal leaves what
 *    the set restores unchanged: ids, trace flags, tracestate, Datadog priority, origin, tags and last
 *    parent id, links (not baggage: see below; an `x-datadog-origin` beside a lone `traceparent` is not read), unless
 *    the header restores the trace on its own (a whole style: kept for a reader that extracts only
 *    its style, beside another that restores the same). When
 *    no such set fits, nothing is stored: a carrier that restored another trace
 *    (`x-datadog-trace-id` without the `_dd.p.tid` of `x-datadog-tags` names the low 64 bits alone)
 *    or no trace would be worse than none. Both cases warn (`diag.warn`).
 *    A propagator that does not read back its own carrier (inject-only) gives no trace to keep: its
 *    carrier loses the longest value, one at a time, until it fits.
 *    Baggage here is `baggage`, `ot-baggage-*` and Jaeger's `uberctx-*` (one header per entry), and any
 *    header that restores nothing but baggage (a per-entry family under another prefix). The work is
 *    bounded whatever the number of headers: at most 16 units are examined (those the propagator names
 *    in `fields()` first, then in the order it wrote them; the rest are dropped unread), every set is
 *    tried among at most 8, and one trim extracts at most `512` carriers (docs/prisma.md "Safe at rest").
 *
 * @param allowedBaggage compiled policy: `undefined` keeps all baggage, a Set keeps those keys
 */
export function captureStoredCarrier(
  allowedBaggage: ReadonlySet<string> | undefined,
  maxBytes: number,
  options: StoredCarrierOptions = {},
): TraceCarrier | undefined {
  try {
    let ctx = options.context;
    if (allowedBaggage) ctx = withAllowedBaggage(ctx, allowedBaggage);
    const carrier = injectCarrier({ context: ctx, propagator: options.propagator }, "traceCarrierExtension");
    return fitCarrier(carrier, maxBytes, allowedBaggage, options.propagator);
  } catch (err) {
    diag.warn("tracehop traceCarrierExtension: carrier capture failed; the row is written without one", err);
    return undefined;
  }
}

/**
 * Size of a carrier at rest: the UTF-8 length of its JSON text (`JSON.stringify`), in bytes — the
 * quantity {@link MAX_STORED_CARRIER_BYTES} and the `maxCarrierBytes` option bound.
 *
 * Never throws. A value that has no JSON text — one `JSON.stringify` throws on (a cycle, a BigInt, a
 * throwing getter or `toJSON`, a revoked Proxy) or gives none for (`undefined`, a function, a symbol) —
 * cannot be stored in a JSON column, so it fits no limit: the result is `Infinity` (so that
 * `storedCarrierBytes(carrier) <= limit` is false, where `NaN` would make every comparison false).
 */
export function storedCarrierBytes(carrier: TraceCarrier): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(carrier) as string | undefined;
  } catch {
    return Infinity;
  }
  return typeof text === "string" ? Buffer.byteLength(text, "utf8") : Infinity;
}

/** Most UTF-8 bytes one UTF-16 code unit can take in JSON text (`\u001f` escapes: 6 bytes). */
const MAX_JSON_BYTES_PER_CHAR = 6;
/** JSON punctuation per member (`"k":"v",`) and for the braces. */
const JSON_BYTES_PER_MEMBER = 6;

/**
 * Drops the baggage headers the policy does not allow (rule 1 of {@link captureStoredCarrier}), then
 * bounds the size (rule 2). One pass over the keys on the hot path: the usual carrier has no
 * baggage header and fits, which an upper bound of its JSON size from the string lengths shows
 * without serializing it.
 */
function fitCarrier(
  carrier: TraceCarrier,
  maxBytes: number,
  allowedBaggage: ReadonlySet<string> | undefined,
  propagator: TextMapPropagator | undefined,
): TraceCarrier | undefined {
  let bound = 2;
  let members = 0;
  for (const key in carrier) {
    if (allowedBaggage && isDeniedBaggageHeader(allowedBaggage, key)) {
      delete carrier[key];
      continue;
    }
    members++;
    bound += (key.length + carrier[key]!.length) * MAX_JSON_BYTES_PER_CHAR + JSON_BYTES_PER_MEMBER;
  }
  if (members === 0) return undefined;
  if (bound <= maxBytes) return carrier;
  const size = storedCarrierBytes(carrier);
  if (size <= maxBytes) return carrier;
  const trimmed = trimCarrier(carrier, maxBytes, propagator);
  if (trimmed === undefined)
    diag.warn(
      `tracehop traceCarrierExtension: carrier of ${size} bytes dropped: no part of it under the limit (${maxBytes}) restores its trace; the row is written without one`,
    );
  else
    diag.warn(
      `tracehop traceCarrierExtension: carrier of ${size} bytes trimmed to ${storedCarrierBytes(trimmed)} (limit ${maxBytes}): ${keptHeaders(carrier, trimmed)} kept`,
    );
  return trimmed;
}

/**
 * The headers of a trimmed carrier, for its warning: `traceparent, tracestate (3 of 17 members), …`, a
 * tracestate cut by {@link trimCarrier} saying how many of its members it kept.
 */
function keptHeaders(carrier: TraceCarrier, trimmed: TraceCarrier): string {
  return Object.keys(trimmed)
    .map((key) =>
      key === TRACE_STATE_HEADER && trimmed[key] !== carrier[key]
        ? `${key} (${trimmed[key]!.split(",").length} of ${carrier[key]!.split(",").length} members)`
        : key,
    )
    .join(", ");
}

/**
 * Most units {@link trimCarrier} chooses among by trying every set: `8` (2^8 - 1 = 255 sets, each sized;
 * each one that fits is extracted once, with its tracestate cut, and for the candidates checked in rank
 * order, their sets one unit smaller with the same cut). A carrier of the default styles has 4 units (5
 * and 6 with `b3` and `b3multi`, 7 with Jaeger's `uber-trace-id`).
 */
const MAX_TRIM_CHOICE = 8;

/**
 * Most units {@link trimCarrier} examines at all (extracts, alone or in a set): `16`. Past them, the
 * units the propagator names in `fields()` come first, then the others in the order it wrote them; the
 * rest are dropped unread. So the number of extractions of one trim does not grow with the number of
 * headers (a propagator writing one header per baggage entry under a prefix tracehop does not know).
 */
const MAX_TRIM_EXAMINED = 16;

/**
 * Hard cap on the extractions one trim does (`512`), whatever the carrier: the whole carrier once, each
 * examined unit alone, the two reductions to {@link MAX_TRIM_CHOICE} units (one pass each), the sets
 * that fit (255 at most), and the checks of the candidates in rank order. When it is reached during
 * those checks, the candidate being checked is kept (it fits and restores the trace, but may hold a unit
 * no reader needs). It cannot be reached before them (306 at most), but would store nothing there.
 */
export const MAX_TRIM_EXTRACTIONS = 512;

/**
 * Whether trimming drops the carrier field `key` first, as baggage: the baggage policy's rule
 * (`isBaggageHeader`: `baggage`, `ot-baggage-*`, Jaeger's `uberctx-*`), one rule for both. A header of
 * another per-entry family restores only baggage and goes in the trim's first pass (`trimWithin`).
 */
const isTrimmedAsBaggage = isBaggageHeader;

/** Thrown by a {@link TrimReader} past {@link MAX_TRIM_EXTRACTIONS}. */
class TrimBudgetSpent extends Error {}

/** {@link restoredFrom} with `propagator`, at most {@link MAX_TRIM_EXTRACTIONS} times. */
interface TrimReader {
  read(carrier: TraceCarrier): Restored;
  /** Extractions done so far. */
  count: number;
}

function trimReader(propagator: TextMapPropagator | undefined): TrimReader {
  const reader: TrimReader = {
    count: 0,
    read: (carrier) => {
      if (reader.count >= MAX_TRIM_EXTRACTIONS) throw new TrimBudgetSpent();
      reader.count++;
      return restoredFrom(carrier, propagator);
    },
  };
  return reader;
}

/**
 * The unit a header is kept or dropped with when a carrier is trimmed: the Datadog ids, priority and
 * tags together (`x-datadog-tags` holds the upper 64 bits of the trace id, `_dd.p.tid`: without it
 * `x-datadog-trace-id` names another trace), the `x-b3-*` headers together; any other header (the
 * optional `tracestate` and `x-datadog-origin` among them) on its own.
 */
function trimUnit(key: string): string {
  if (key.startsWith("x-datadog-") && key !== "x-datadog-origin") return "x-datadog-*";
  if (key.startsWith("x-b3-")) return "x-b3-*";
  return key;
}

/** A unit of a carrier being trimmed ({@link trimUnit}): its keys, its bytes, whether it is a whole style. */
interface TrimUnit {
  keys: string[];
  /** The exact JSON bytes of its members (`"key":"value"`, joined by commas). */
  bytes: number;
  /** It restores the trace (`want`) on its own: the Datadog ids, a traceparent, b3. */
  whole: boolean;
  /**
   * The `tracestate` unit's shorter values, longest first ({@link shortenedTraceStates}), each with the
   * exact JSON bytes of its member; empty for any other unit.
   */
  shorter: { value: string; bytes: number }[];
}

/**
 * The values a `tracestate` header is cut to, longest first, in the order W3C Trace Context §3.3.1.5
 * ("Tracestate Limits") gives a vendor that must shorten one: members longer than 128 characters
 * removed first, right-most first, then members removed from the end (the right: the oldest vendors';
 * §3.5 has the newest vendor, Datadog's `dd=` too, write itself at the left). Each is what a propagator
 * that truncates to some length sends (tracehop's own inject does: `joinWithinLimit`), so a reader
 * restores from it what it restores from that cut: the members kept, exactly. None for a header a
 * strict reader discards (an invalid member, over 32 members: §4.3) or one not in canonical form
 * (`k=v,k=v`, no optional whitespace), whose members could not be kept as they are written.
 */
function shortenedTraceStates(header: string): string[] {
  const members = parseTraceStateMembers(header, true);
  const join = () => members!.map(({ key, value }) => `${key}=${value}`).join(",");
  if (!members || join() !== header) return [];
  const out: string[] = [];
  while (members.length > 1) {
    let long = members.length - 1;
    while (
      long >= 0 &&
      members[long]!.key.length + 1 + members[long]!.value.length <= TRACE_STATE_LONG_ENTRY_LENGTH
    )
      long--;
    members.splice(long >= 0 ? long : members.length - 1, 1);
    out.push(join());
  }
  return out;
}

/**
 * The units of `carrier` without its baggage ({@link trimUnit}, {@link isTrimmedAsBaggage}), at most
 * {@link MAX_TRIM_EXAMINED} of them (those whose keys `propagator.fields()` names first, then the others in
 * the carrier's order: the rest are dropped unread), largest first, each measured once: a set's text adds
 * a comma between units and the braces. A unit that restores the trace `want` on its own (read by
 * `reader`) is a whole style: it is kept beside another that restores the same context, for a reader
 * whose propagator reads only it.
 */
function trimUnits(
  carrier: TraceCarrier,
  want: string,
  propagator: TextMapPropagator | undefined,
  reader: TrimReader,
): TrimUnit[] {
  const byUnit = new Map<string, string[]>();
  for (const key in carrier) {
    if (isTrimmedAsBaggage(key)) continue;
    const unit = trimUnit(key);
    const keys = byUnit.get(unit);
    if (keys) keys.push(key);
    else byUnit.set(unit, [key]);
  }
  let examined = [...byUnit.values()];
  if (examined.length > MAX_TRIM_EXAMINED) {
    const declared = declaredFields(propagator);
    const named = (keys: string[]) => keys.some((key) => declared.has(key));
    examined = [...examined.filter(named), ...examined.filter((keys) => !named(keys))].slice(
      0,
      MAX_TRIM_EXAMINED,
    );
  }
  return examined
    .map((keys) => {
      const unit = pick(carrier, keys);
      const whole = reader.read(unit).identity === want;
      const shorter =
        keys.length === 1 && keys[0] === TRACE_STATE_HEADER
          ? shortenedTraceStates(carrier[TRACE_STATE_HEADER]!).map((value) => ({
              value,
              bytes: storedCarrierBytes({ [TRACE_STATE_HEADER]: value }) - 2,
            }))
          : [];
      return { keys, bytes: storedCarrierBytes(unit) - 2, whole, shorter };
    })
    .sort((a, b) => b.bytes - a.bytes);
}

/**
 * The header names `propagator.fields()` gives (lower case, as a carrier's are), at most
 * {@link MAX_TRIM_EXAMINED} times 4 of them; none when it throws or gives no array.
 */
function declaredFields(propagator: TextMapPropagator | undefined): Set<string> {
  const out = new Set<string>();
  try {
    const fields: unknown = (propagator ?? getDefaultPropagator()).fields();
    if (!Array.isArray(fields)) return out;
    for (const field of fields.slice(0, MAX_TRIM_EXAMINED * 4))
      if (typeof field === "string") out.add(field.toLowerCase());
  } catch {
    // A propagator whose fields() throws names none: the carrier's order decides.
  }
  return out;
}

/**
 * Rule 2 of {@link captureStoredCarrier} for a carrier over `maxBytes`: without baggage, of the sets
 * of its units ({@link trimUnit}) that fit and restore with `propagator` the trace id, parent span id
 * and sampled flag the whole carrier restores, the one that restores the most of the rest
 * ({@link Restored.parts}: the same sampling decision first, then the most whole styles, of as many the
 * smallest, then the most parts the same, then the most bytes), a set with the `tracestate` unit holding the longest cut of it
 * that fits ({@link shortenedTraceStates}; the whole one when it fits), among those that hold no unit
 * whose removal (with the same cut) leaves
 * what the set restores unchanged ({@link restoredFrom}: an `x-datadog-origin` beside a lone
 * `traceparent`, which extraction ignores without the Datadog ids, or a `tracestate` without its
 * `traceparent`, would be bytes no reader uses) unless that unit restores the trace on its own (a
 * whole style: the Datadog ids, `traceparent`, b3; kept beside another for a reader that extracts only
 * that style); `undefined` when no set does. A carrier its propagator does not read back (an
 * inject-only propagator) is trimmed by {@link dropLongestValues}.
 * Every set is tried (the slow path of a rare carrier: a propagator's carrier has half a dozen units
 * at most); over {@link MAX_TRIM_CHOICE} units, first the units whose removal changes nothing restored
 * go, largest first (those that restore only baggage all go, the others down to the limit), then those
 * whose removal keeps the trace (no whole style first, largest first), one pass each. The work is bounded whatever the number of headers: at most
 * {@link MAX_TRIM_EXAMINED} units are examined, and one trim extracts at most
 * {@link MAX_TRIM_EXTRACTIONS} carriers (306 before the candidates' checks, with the limits as they are:
 * the whole carrier, 16 units alone, 1 + 16 and 16 in the reductions, the 8 units, 255 sets).
 */
function trimCarrier(
  carrier: TraceCarrier,
  maxBytes: number,
  propagator: TextMapPropagator | undefined,
): TraceCarrier | undefined {
  const reader = trimReader(propagator);
  try {
    return trimWithin(carrier, maxBytes, propagator, reader);
  } catch (err) {
    // Past the cap before any candidate was checked (not with MAX_TRIM_CHOICE and MAX_TRIM_EXAMINED as
    // they are): nothing is stored, as when no set fits.
    if (err instanceof TrimBudgetSpent) return undefined;
    throw err;
  }
}

/** {@link trimCarrier} with the extractions of `reader` ({@link MAX_TRIM_EXTRACTIONS}). */
function trimWithin(
  carrier: TraceCarrier,
  maxBytes: number,
  propagator: TextMapPropagator | undefined,
  reader: TrimReader,
): TraceCarrier | undefined {
  const want = reader.read(carrier).identity;
  if (want === undefined) return dropLongestValues(carrier, maxBytes);
  const units = trimUnits(carrier, want, propagator, reader);
  const keysOf = (chosen: readonly { keys: string[] }[]) => chosen.flatMap((unit) => unit.keys);
  const restoredWith = (chosen: readonly { keys: string[] }[]) => reader.read(pick(carrier, keysOf(chosen)));
  // Over the limit of units, first those whose removal from the whole carrier changes nothing it
  // restores but baggage (headers no reader uses), largest first; then those whose removal keeps the
  // trace, no whole style first, largest first. One pass each: at most MAX_TRIM_EXAMINED extractions.
  // In that pass a unit that restores only baggage goes even under the limit: it is baggage, which a
  // stored carrier loses first (and every set tried with it would be tried without it).
  if (units.length > MAX_TRIM_CHOICE) {
    let all = restoredWith(units);
    for (let i = 0; i < units.length;) {
      const rest = units[i]!.whole ? undefined : restoredWith(units.filter((_, j) => j !== i));
      if (rest?.context === all.context && (rest.baggage !== all.baggage || units.length > MAX_TRIM_CHOICE)) {
        units.splice(i, 1);
        all = rest;
      } else i++;
    }
  }
  if (units.length > MAX_TRIM_CHOICE) {
    // Units that are no whole style go first (a whole style is a reader's whole trace), largest first.
    const order = [...units.filter((unit) => !unit.whole), ...units.filter((unit) => unit.whole)];
    for (const unit of order) {
      if (units.length <= MAX_TRIM_CHOICE) break;
      const rest = units.filter((u) => u !== unit);
      if (restoredWith(rest).identity === want) units.splice(units.indexOf(unit), 1);
    }
    if (units.length > MAX_TRIM_CHOICE) return undefined;
  }
  // The sets that fit (in descending bit order, the order they are made in), each with the tracestate
  // it keeps: the whole one (cut 0) or the longest cut of it (cut k: shorter[k - 1]) that fits beside the
  // rest, when the set holds the tracestate unit.
  const cutUnit = units.findIndex((unit) => unit.shorter.length > 0);
  const fitting: { set: number; cut: number; bytes: number }[] = [];
  for (let set = (1 << units.length) - 1; set > 0; set--) {
    let bytes = 1;
    for (let i = 0; i < units.length; i++) if (set & (1 << i)) bytes += units[i]!.bytes + 1;
    let cut = 0;
    if (cutUnit >= 0 && set & (1 << cutUnit)) {
      const { bytes: whole, shorter } = units[cutUnit]!;
      const others = bytes - whole;
      while (bytes > maxBytes && cut < shorter.length) bytes = others + shorter[cut++]!.bytes;
    }
    if (bytes <= maxBytes) fitting.push({ set, cut, bytes });
  }
  /** The carrier of a set and its tracestate cut. */
  const carrierOf = (set: number, cut: number): TraceCarrier => {
    const out = pick(carrier, keysOf(units.filter((_, i) => set & (1 << i))));
    if (cut > 0 && set & (1 << cutUnit)) out[TRACE_STATE_HEADER] = units[cutUnit]!.shorter[cut - 1]!.value;
    return out;
  };
  // What each set restores, extracted once: a set's check reads the sets one unit smaller, with the same cut.
  const restored = new Map<number, Restored>();
  const restoredBy = (set: number, cut: number): Restored => {
    if (cutUnit < 0 || !(set & (1 << cutUnit))) cut = 0;
    const key = set * 64 + cut; // cut < 32: a tracestate with a cut has 2 to 32 members (§3.3.1.1)
    let found = restored.get(key);
    if (found === undefined) {
      found = reader.read(carrierOf(set, cut));
      restored.set(key, found);
    }
    return found;
  };
  const needsEveryUnit = (set: number, cut: number): boolean => {
    const context = restoredBy(set, cut).context;
    for (let i = 0; i < units.length; i++)
      if (set & (1 << i) && !units[i]!.whole && restoredBy(set & ~(1 << i), cut).context === context)
        return false;
    return true;
  };
  // Of the sets that restore the trace, the one that restores the most of what the whole carrier
  // restores: the same sampling decision first, then the most whole styles (each a reader of that style
  // alone that restores the trace), of as many the smallest (what a smaller limit kept stays kept), then
  // the most other parts the same, then the most bytes.
  const full = restoredWith(units).parts;
  const candidates = fitting
    .filter(({ set, cut }) => restoredBy(set, cut).identity === want)
    .map(({ set, cut, bytes }) => {
      const parts = restoredBy(set, cut).parts;
      let same = 0;
      for (let i = 0; i < parts.length; i++) if (parts[i] === full[i]) same++;
      let styles = 0;
      let styleBytes = 0;
      for (let i = 0; i < units.length; i++)
        if (set & (1 << i) && units[i]!.whole) {
          styles++;
          styleBytes += units[i]!.bytes;
        }
      return { set, cut, bytes, sameDecision: parts[0] === full[0], styles, styleBytes, same };
    })
    .sort(
      (a, b) =>
        Number(b.sameDecision) - Number(a.sameDecision) ||
        b.styles - a.styles ||
        a.styleBytes - b.styleBytes ||
        b.same - a.same ||
        b.bytes - a.bytes,
    );
  for (const { set, cut } of candidates) {
    try {
      if (needsEveryUnit(set, cut)) return carrierOf(set, cut);
    } catch (err) {
      // The cap reached: this candidate fits and restores the trace (a unit in it may be one no reader needs).
      if (err instanceof TrimBudgetSpent) return carrierOf(set, cut);
      throw err;
    }
  }
  return undefined;
}

/**
 * Trimming for a propagator that does not read back the carrier it wrote (no trace to keep): without
 * baggage, the longest value goes first, one at a time, until the carrier fits; `undefined` when no
 * field is left.
 */
function dropLongestValues(carrier: TraceCarrier, maxBytes: number): TraceCarrier | undefined {
  for (const key in carrier) if (isTrimmedAsBaggage(key)) delete carrier[key];
  // Longest value first, the first written of as long ones: sorted once, the size kept by subtraction
  // (each member's bytes and its comma), so the work is n log n in the number of headers.
  const keys = Object.keys(carrier).sort((a, b) => carrier[b]!.length - carrier[a]!.length);
  let size = storedCarrierBytes(carrier);
  for (const key of keys) {
    if (size <= maxBytes) break;
    size -= storedCarrierBytes({ [key]: carrier[key]! }) - 2 + 1;
    delete carrier[key];
  }
  return Object.keys(carrier).length ? carrier : undefined;
}

/** The fields `keys` of `carrier`, in that order. */
function pick(carrier: TraceCarrier, keys: readonly string[]): TraceCarrier {
  const out: TraceCarrier = {};
  for (const key of keys) out[key] = carrier[key]!;
  return out;
}

/** What {@link restoredFrom} finds for a carrier. */
interface Restored {
  /** `<trace id>-<span id>-<sampled>` of the restored span context; `undefined` when there is none. */
  identity: string | undefined;
  /**
   * What the restored context gives a reader, part by part, each as a text to compare: the sampling
   * decision (trace flags and Datadog priority) first, then the tracestate, origin, tags, last parent
   * id, `isRemote`, restored root and links. Not the baggage: a stored carrier loses its baggage first, so
   * a header that restores only baggage (an entry of a per-entry baggage header family tracehop does not
   * know by name) counts as one no reader needs.
   */
  parts: string[];
  /** The trace and span ids and all of {@link parts}, as one text. */
  context: string;
  /** The baggage restored, as a text to compare (entries by name). */
  baggage: string;
}

/** Orders `[name, value]` entries by name (code units), so that the same entries compare as the same text. */
const byName = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What `carrier` restores with `propagator` (`extractWithoutWarnings`: no restore's warnings):
 * the identity {@link captureStoredCarrier} keeps (trace id, parent span id, sampled flag), and as one
 * text everything a reader of the restored context sees: the span context (ids, all trace flags,
 * `isRemote`, the tracestate it relays), the restored root of a Datadog parent id 0
 * (`getRestoredRoot`), the Datadog fields injection writes again (`getDatadogContext`: priority,
 * origin, `_dd.p.*` tags by name, last parent id, the `_dd.parent_id` of `getExtractionAttributes`),
 * and the span links of conflicting styles (`getExtractionLinks`); not the baggage, which trimming drops
 * first. Two carriers with the same text give a span started from them, and every carrier injected under
 * it, the same trace values.
 */
function restoredFrom(carrier: TraceCarrier, propagator: TextMapPropagator | undefined): Restored {
  const ctx = extractWithoutWarnings(carrier, propagator);
  const spanContext = trace.getSpanContext(ctx);
  const fields = getDatadogContext(ctx);
  const parts = [
    [spanContext?.traceFlags, fields?.samplingPriority],
    spanContext?.traceState?.serialize(),
    fields?.origin,
    fields && Object.entries(fields.propagationTags).sort(byName),
    // A last parent id equal to the restored span id says nothing more (a W3C-only reading sets it from
    // p:, a Datadog-first reading of the same span leaves it out).
    fields?.lastParentId === spanContext?.spanId ? undefined : fields?.lastParentId,
    spanContext?.isRemote,
    getRestoredRoot(ctx),
    getExtractionLinks(ctx),
  ].map((part) => JSON.stringify(part) ?? "");
  const context = `${spanContext?.traceId}-${spanContext?.spanId}:${parts.join("|")}`;
  const identity =
    spanContext &&
    `${spanContext.traceId}-${spanContext.spanId}-${spanContext.traceFlags & TraceFlags.SAMPLED}`;
  const baggage = JSON.stringify(propagation.getBaggage(ctx)?.getAllEntries().sort(byName)) ?? "";
  return { identity, parts, context, baggage };
}
