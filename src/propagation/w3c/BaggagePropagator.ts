import {
  propagation,
  baggageEntryMetadataFromString,
  type Baggage,
  type BaggageEntry,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { BAGGAGE_HEADER, BAGGAGE_MAX_MEMBERS } from "./constants.js";
import {
  type BaggageLeftOut,
  canonicalBaggageEntries,
  canonicalBaggageWire,
  parseBaggageHeader,
  serializeBaggage,
} from "./baggage.js";
import { joinedFieldValue } from "../header-text.js";
import { baggageEntries, W3CBaggage } from "./W3CBaggage.js";
import { clearOwnFields } from "../stale-fields.js";
import { isContext } from "../../is-context.js";
import { layerOver } from "../context-values.js";
import { notAContext, warnExtractFailed, warnInjectFailed } from "../style-failure.js";
import { hasWarned, warnOnce } from "../../warn-once.js";

/** The code of the process warning {@link warnBaggageOverLimits} gives (docs/warnings.md). */
export const BAGGAGE_OVER_LIMITS_WARNING = "TRACEHOP_BAGGAGE_OVER_LIMITS";

/** The key {@link warnBaggageOverLimits} is said under, once per process. */
const OVER_LIMITS_KEY = "baggage-over-limits";

/**
 * Says once per process that an inject left baggage entries out for the limits of W3C Baggage §3.3.1
 * (64 list-members, 8192 bytes): `left` entries, at least that many when `more` (the entries past the
 * first one after the 64th member written are not walked only to be counted), of `total` (left out of
 * the message when `undefined`). With `more`, 64 members were written: with a total, that is what is
 * said ("wrote 64 of 100000 baggage entries"), not a lower bound of what was left out; without one, the
 * 64 written and the lower bound. Each noun agrees with the number before it ("1 baggage entry",
 * "1 of 1 baggage entry"). Which ones is fixed by the order the baggage holds its entries
 * (insertion order), in which they are written, one that does not fit skipped whole and later smaller
 * ones still written, none past the 64th. A baggage `createPropagator()` restored holds the
 * `ot-baggage-*` entries, then the `baggage` header's members (kept within the limits together on
 * extract), then what a propagator after it adds (Jaeger's `uberctx-*` in a CompositePropagator,
 * without limits of its own): those are the ones left out. Never throws.
 */
function warnBaggageOverLimits(left: number, more: boolean, total: number | undefined): void {
  const entries = (n: number) => `${n} baggage ${n === 1 ? "entry" : "entries"}`;
  const what = !more
    ? `left ${total === undefined ? entries(left) : `${left} of ${entries(total)}`} out of the baggage header`
    : total === undefined
      ? `wrote ${entries(BAGGAGE_MAX_MEMBERS)} into the baggage header and left at least ${entries(left)} out (the entries past the first one after the 64th member written are not counted)`
      : `wrote ${BAGGAGE_MAX_MEMBERS} of ${entries(total)} into the baggage header and left the others out`;
  warnOnce(
    OVER_LIMITS_KEY,
    `tracehop: baggage inject ${what}: over W3C Baggage's limits (64 list-members, 8192 bytes, §3.3.1); entries are written in the order the baggage holds them, an entry that does not fit skipped whole, so the last ones go (of a restored baggage: what a propagator after tracehop's added, such as Jaeger's uberctx-*, after the ot-baggage-* entries and the baggage header's members, which extract keeps within the limits together); keep less baggage (the baggage option of captureCarrier and the writers: "none" or the keys you need)`,
    BAGGAGE_OVER_LIMITS_WARNING,
  );
}

/**
 * How many entries `entries` (what a Baggage handed over for inject) holds, when that is known without
 * reading them: an array's length, a Map's size. `undefined` for any other iterable (an application's
 * own Baggage may return an iterator from `getAllEntries()`, which the API types as an array;
 * `@opentelemetry/core` 2.12's W3CBaggagePropagator throws on one, tracehop writes its entries). Never throws.
 */
function entryTotal(entries: unknown): number | undefined {
  try {
    if (Array.isArray(entries)) return entries.length;
    if (entries instanceof Map) return entries.size;
  } catch {
    // a Proxy whose traps throw: no total
  }
  return undefined;
}

/** What each inject's {@link serializeBaggage} left out: one object for every call (no allocation per inject). */
const LEFT_OUT: BaggageLeftOut = { count: 0, more: false };

/** The field of the `baggage` style, removed from a carrier before a context is written there. */
const BAGGAGE_FIELDS: ReadonlySet<string> = new Set([BAGGAGE_HEADER]);

/**
 * TextMapPropagator for W3C Baggage (https://www.w3.org/TR/baggage/):
 *
 *     baggage: userId=Am%C3%A9lie,serverNode=DF%2028;region=eu,isProduction=false
 *
 * tracehop's own codec on `@opentelemetry/api`'s `Baggage` interface (an immutable, insertion-ordered
 * Baggage with the api's own semantics; `baggageEntryMetadataFromString` for metadata). `@opentelemetry/core` 2.12's
 * `W3CBaggagePropagator` differs from the spec in ways a stored carrier exposes
 * (compared with W3C Baggage and w3c/baggage's reference parser `test/baggage/baggage.py`): it
 * percent-encodes and decodes keys, drops empty values, drops members that hold invalid UTF-8 escapes
 * instead of using U+FFFD, drops any member over 4096 bytes (a valid 8192-byte member included), and
 * writes metadata verbatim, control characters included.
 *
 * Extract: repeated baggage fields (an array from the getter) are combined in order; members are read
 * by the list-member grammar (Baggage §3.2.1; a member that breaks it is dropped, the others kept) and
 * percent-decoded, within the 64-member / 8192-byte limits (§3.3.1; a member that would overflow is
 * skipped whole). Properties
 * become the entry's metadata (`k1=v1;k2`, values still encoded; decode them with
 * `parseBaggageProperties`). A repeated key keeps its last value (a map cannot hold both; the spec
 * allows deduplication, Baggage §4). Nothing valid: the context is returned unchanged. Never throws.
 *
 * Inject: the context's baggage as `key=value[;properties]` joined by `,` (Baggage §3.2), values
 * percent-encoded (`+` as `%2B` unless that costs members their place in the 8192 bytes, so that a
 * received baggage within the limits is written on whole, §3.3.1), keys verbatim (an entry whose key is not a token is skipped, §3.2.1.2), at most 64
 * members and 8192 bytes (an entry that would overflow is skipped whole, §3.3.1; the entries past the
 * first one after the 64th member written are not read); nothing is written
 * when tracing is suppressed or no entry can be written. A baggage this class extracted and nobody
 * changed writes the header it was read from when that is the same text. The entries are what
 * `getAllEntries()` returns, read as any iterable of `[key, entry]` pairs (an application's own Baggage
 * may return a Map or an iterator where the API types an array; `@opentelemetry/core` 2.12's
 * W3CBaggagePropagator throws on one): a value that is not iterable writes nothing, said as an inject
 * failure. Entries left out for the limits are said once per process (`TRACEHOP_BAGGAGE_OVER_LIMITS`).
 *
 * A plain-object carrier written through `@opentelemetry/api`'s `defaultTextMapSetter` (what
 * `propagation.inject(context, carrier)` passes; another copy of the api's included) first loses its
 * `baggage` field in any case (`Baggage`) when a baggage header is written, so that it carries one
 * header of one context. A context without baggage to write leaves a `baggage` field there as it is
 * (an application may set that header itself); other fields, a class instance and other setters
 * (which cannot delete: `TextMapSetter` has only `set`) are left as they are too (docs/conformance.md,
 * "Inject into a carrier that holds another context").
 */
export class BaggagePropagator implements TextMapPropagator {
  /**
   * Writes the `baggage` header of the baggage of `context` (see the class comment). Never throws: a
   * carrier or setter that refuses the write (a frozen object, a string, `null` with a setter that
   * indexes it, a setter or Proxy trap that throws) is left as it is, and the refusal is said with
   * `diag.warn` as `createPropagator` says it: `tracehop: baggage inject failed`.
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) writes nothing and is said once
   * as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (!isContext(context)) {
      notAContext("baggage", "inject", context);
      return;
    }
    try {
      const baggage = propagation.getBaggage(context);
      if (!baggage || isTracingSuppressed(context)) return;
      // A baggage restored unchanged writes the header it was read from (the same text, see W3CBaggage).
      let header: string | undefined;
      if (baggage instanceof W3CBaggage && baggage.wire !== undefined) header = baggage.wire;
      else {
        const entries = baggageEntries(baggage);
        header = serializeBaggage(entries, LEFT_OUT);
        // Read right after the call, which sets it last (an inject inside it set it before). Once said,
        // nothing more is worked out: the total is of the entries already handed over, never asked again.
        if (LEFT_OUT.count > 0 && !hasWarned(OVER_LIMITS_KEY))
          warnBaggageOverLimits(LEFT_OUT.count, LEFT_OUT.more, entryTotal(entries));
      }
      if (!header) return;
      clearOwnFields(carrier, setter, BAGGAGE_FIELDS, false);
      setter.set(carrier, BAGGAGE_HEADER, header);
    } catch (err) {
      warnInjectFailed("baggage", err);
    }
  }

  /**
   * `context` with the baggage of the carrier's `baggage` header, or `context` unchanged (see the class
   * comment). Never throws: a carrier or getter that throws yields `context`, said with
   * `diag.warn` as `createPropagator` says it: `tracehop: baggage extract failed` (the header reads catch
   * most such throws first and read the header as missing).
   * A `context` that is not a Context (`undefined`, `{}`: the caller's bug) yields ROOT_CONTEXT, nothing
   * extracted, said once as `TRACEHOP_NOT_A_CONTEXT` (docs/warnings.md).
   */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (!isContext(context)) return notAContext("baggage", "extract", context);
    try {
      const baggage = this.extractBaggage(carrier, getter);
      // Onto a layer over the base, which is never copied (layerOver).
      return baggage === undefined ? context : propagation.setBaggage(layerOver(context), baggage);
    } catch (err) {
      warnExtractFailed("baggage", err);
      return context;
    }
  }

  /**
   * Internal: the Baggage {@link BaggagePropagator.extract} would put into the context, or
   * `undefined` when it would return the context unchanged. Never throws.
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  extractBaggage(carrier: unknown, getter: TextMapGetter): Baggage | undefined {
    try {
      const header = joinedFieldValue(getter.get(carrier, BAGGAGE_HEADER));
      if (header === undefined || header.length === 0) return undefined;
      // The form every tracer writes: its entries read straight into the Map (same entries, same order).
      const canonical = canonicalBaggageEntries(header);
      if (canonical !== undefined) return new W3CBaggage(canonical, canonicalBaggageWire(header, canonical));
      const members = parseBaggageHeader(header);
      if (members.length === 0) return undefined;
      // A repeated key keeps its first position and its last value, as a record would.
      const entries = new Map<string, BaggageEntry>();
      for (const { key, value: entryValue, properties } of members) {
        entries.set(
          key,
          properties
            ? { value: entryValue, metadata: baggageEntryMetadataFromString(properties) }
            : { value: entryValue },
        );
      }
      return new W3CBaggage(entries);
    } catch {
      return undefined;
    }
  }

  fields(): string[] {
    return [BAGGAGE_HEADER];
  }
}
