// What the library drops for its limits, and why, in words: the carrier reader (keys, value sizes, values
// per header), the tracestate and baggage readers (W3C limits and grammar), and the x-datadog-tags
// decoder. The library decides what it drops; these functions only say why.
import { MAX_QUOTED_VALUE_CHARACTERS, quoteValue } from "../describe-value.js";
import { ROOT_CONTEXT, type Baggage } from "@opentelemetry/api";
import { asBytes } from "../carrier/carrier-object.js";
import { isHeaderNameText } from "../carrier/header-text-fields.js";
import {
  normalizeCarrier,
  normalizedCarrierGetter,
  type NormalizedCarrier,
} from "../carrier/normalize-carrier.js";
import {
  MAX_CARRIER_FIELD_VALUES,
  MAX_CARRIER_KEYS,
  MAX_CARRIER_VALUE_LENGTH,
} from "../carrier/trace-carrier.js";
import { legacyBaggage, type LegacyBaggageDrops } from "../propagation/datadog/DatadogPropagator.js";
import {
  isValidOrigin,
  TID_TAG,
  X_DATADOG_ORIGIN,
  X_DATADOG_PARENT_ID,
  X_DATADOG_SAMPLING_PRIORITY,
  X_DATADOG_TRACE_ID,
} from "../propagation/datadog/constants.js";
import { ZERO_HEX16 } from "../propagation/datadog/ids.js";
import { decodeTagsHeader } from "../propagation/datadog/tags.js";
import { decodeDdMember } from "../propagation/datadog/tracestate-dd.js";
import { firstJoinedPart } from "../propagation/header-text.js";
import {
  isLegacyBaggageHeaderName,
  JAEGER_BAGGAGE_PREFIX,
  MAX_LEGACY_BAGGAGE_HEADERS,
  LEGACY_BAGGAGE_PREFIX,
  PROPAGATION_HEADER_SET,
} from "../propagation/header-names.js";
import { isBaggageToken, parseBaggageHeader, trimOws } from "../propagation/w3c/baggage.js";
import {
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  TRACE_STATE_MAX_MEMBERS,
} from "../propagation/w3c/constants.js";
import {
  isValidTraceStateKey,
  isValidTraceStateValue,
  parseTraceStateMembers,
} from "../propagation/w3c/tracestate.js";
import { describeField, isPropagationKey, MAX_LISTED } from "./carrier-shape.js";
import { fieldOf } from "./styles.js";
import { unprintableNote } from "../propagation/rejection-reasons.js";

export { describeTagsError } from "../propagation/datadog/tags-reasons.js";

/**
 * The propagation headers of `raw` that the carrier reader ({@link normalizeCarrier}, the rules of
 * every restore) drops, wholly or some of their values, each with the reason in `notes`; `dropped`
 * holds the lower-case names of those it drops wholly. Reasons: beyond the first
 * {@link MAX_CARRIER_KEYS} keys and not spelt in lower case, or an `ot-baggage-*` entry there (the reader
 * looks up the names of `PROPAGATION_HEADER_NAMES` by name, and those only), a
 * value over {@link MAX_CARRIER_VALUE_LENGTH}, beyond {@link MAX_CARRIER_FIELD_VALUES} values, a
 * value that is not a string (numbers are said by `carrierOfValue`). Also the `ot-baggage-*`
 * entries the `datadog` style drops for their name: a key that is no token, or none at all (a header
 * named `ot-baggage-` alone, which no style reads). The reader itself decides what is dropped; this
 * only says why.
 */
export function readerDrops(raw: Record<string, unknown>): { dropped: Set<string>; notes: string[] } {
  const dropped = new Set<string>();
  const notes: string[] = [];
  const keys = Object.keys(raw);
  // Past the first keys the reader looks up the propagation headers by their lower-case names only.
  const whole = keys.length > MAX_CARRIER_KEYS ? normalizeCarrier(raw) : undefined;
  let past = 0;
  for (const [index, key] of keys.entries()) {
    const name = key.toLowerCase();
    // `ot-baggage-` alone names no entry: no style reads it (isLegacyBaggageHeaderName), said below.
    if (!isPropagationKey(key) && name !== LEGACY_BAGGAGE_PREFIX) continue;
    const value = raw[key];
    // The names of tracehop's styles spelt in lower case (PROPAGATION_HEADER_NAMES) are looked up there
    // by name (`OverflowCarrier`): when such a name is not read, its value is why (said below). An
    // ot-baggage-* entry is found by the scan only.
    const lookedUp = key === name && PROPAGATION_HEADER_SET.has(name);
    if (index >= MAX_CARRIER_KEYS && !lookedUp && !whole!.has(name)) {
      dropped.add(name);
      if (++past <= MAX_LISTED)
        notes.push(
          `${keyShown(key)} is ignored by the carrier reader: it is key ${index + 1} of the carrier; past the first ${MAX_CARRIER_KEYS} keys ` +
            (key === name
              ? "only the headers tracehop's styles name (not ot-baggage-* entries) are looked up"
              : "only the propagation headers spelt in lower case are looked up"),
        );
      continue;
    }
    if (!isHeaderNameText(key)) {
      dropped.add(name);
      notes.push(
        `${shown(key)} is ignored by the carrier reader: its name holds a character no header name has (a space, a control or a non-ASCII character)`,
      );
      continue;
    }
    const entryKey = key.slice(LEGACY_BAGGAGE_PREFIX.length);
    if (name.startsWith(LEGACY_BAGGAGE_PREFIX) && !isBaggageToken(entryKey)) {
      dropped.add(name);
      notes.push(
        `${keyShown(key)} is dropped by the datadog style: ${entryKey === "" ? "its baggage key is empty" : `${shown(entryKey)} is no baggage key`} (a key is a token: letters, digits and !#$%&'*+-.^_\`|~; W3C Baggage §3.2.1.2)`,
      );
      continue;
    }
    if (typeof value === "number") continue;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    const notText = notTextNote(key, values.slice(0, MAX_CARRIER_FIELD_VALUES));
    if (notText !== undefined) notes.push(notText);
    const read = normalizeCarrier({ [key]: value }).get(name)?.length ?? 0;
    if (read === values.length) continue;
    const reasons: string[] = [];
    values.forEach((item, i) => {
      if (i >= MAX_CARRIER_FIELD_VALUES) return;
      if (normalizeCarrier({ [key]: item }).has(name)) return;
      reasons.push(`${values.length > 1 ? `value ${i + 1}: ` : ""}${whyValueRefused(item)}`);
    });
    if (values.length > MAX_CARRIER_FIELD_VALUES)
      reasons.push(`only the first ${MAX_CARRIER_FIELD_VALUES} of its ${values.length} values are read`);
    if (read === 0) dropped.add(name);
    notes.push(
      (read === 0
        ? `${keyShown(key)} is ignored by the carrier reader: `
        : `${keyShown(key)}: the carrier reader keeps ${read} of its ${values.length} values: `) +
        reasons.join("; "),
    );
  }
  if (past > MAX_LISTED)
    notes.push(
      `${past - MAX_LISTED} more propagation headers past the first ${MAX_CARRIER_KEYS} keys are ignored likewise (not listed)`,
    );
  notes.push(...spellingNotes(raw, dropped));
  return { dropped, notes };
}

/**
 * One note for each propagation header `raw` spells in more than one case (`x-datadog-trace-id` and
 * `X-Datadog-Trace-Id`): the carrier reader takes the spellings as one header sent twice, its values in
 * key order (RFC 9110 §5.3; dd-trace-java, -go and -py fold the case and read the last value), so a
 * valid Datadog id can be outvoted by a later one. Headers the reader drops wholly (`dropped`) are said
 * already. At most {@link MAX_LISTED} notes.
 */
function spellingNotes(raw: Record<string, unknown>, dropped: ReadonlySet<string>): string[] {
  const spellings = new Map<string, string[]>();
  for (const key of Object.keys(raw)) {
    if (!isPropagationKey(key)) continue;
    const name = key.toLowerCase();
    const keys = spellings.get(name);
    if (keys === undefined) spellings.set(name, [key]);
    else keys.push(key);
  }
  const notes: string[] = [];
  for (const [name, keys] of spellings) {
    if (keys.length < 2 || dropped.has(name) || notes.length >= MAX_LISTED) continue;
    const values = keys.map((key) => {
      const value = raw[key];
      return typeof value === "string" ? shown(value) : describeField(value);
    });
    notes.push(
      `${keyShown(name)} is spelt ${keys.length} ways (${keys.map(keyShown).join(", ")}): the carrier reader reads them as one header sent that many times, in key order (${values.join(", ")}); ${repeatedReading(name)}`,
    );
  }
  return notes;
}

/** How the style that reads header `name` (lower case) reads it when it is sent more than once. */
function repeatedReading(name: string): string {
  if (name === "traceparent") return "the same value repeated is one traceparent, different values are none";
  if (name === "tracestate" || name === "baggage")
    return `the values are joined with commas, in order, as one ${name} header`;
  if (name === "x-datadog-tags") return "the values are joined with commas, in order, as one tags header";
  if (name.startsWith("x-datadog-") || name.startsWith("ot-baggage-"))
    return "the datadog style reads the last value";
  if (name.startsWith(JAEGER_BAGGAGE_PREFIX))
    return "no style of tracehop reads it; a JaegerPropagator beside createPropagator() reads the first value";
  return "the B3 styles read the first value";
}

/**
 * What the carrier reader makes of the booleans and structures (an object that is not bytes, an array
 * inside the array of repeated values) among `values`, the values of header `key`: a boolean is read
 * as its text (`"true"`), a structure in a header of `PROPAGATION_HEADER_NAMES` as an invalid value
 * (`NOT_TEXT_VALUE`), never as a missing one. `undefined` when there are none
 * (or the structure is in another header, which the reader ignores: said by {@link whyValueRefused}).
 */
function notTextNote(key: string, values: readonly unknown[]): string | undefined {
  const booleans = values.filter((v): v is boolean => typeof v === "boolean");
  const name = key.toLowerCase();
  const structures = PROPAGATION_HEADER_SET.has(name)
    ? values.filter(
        (v) => typeof v === "object" && v !== null && asBytes(v, Number.MAX_SAFE_INTEGER) === undefined,
      ).length
    : 0;
  const parts: string[] = [];
  if (booleans.length > 0)
    parts.push(
      `stored as the JSON boolean ${String(booleans[0])}${booleans.length > 1 ? " (and others)" : ""}, it is read as its text ${shown(String(booleans[0]))}, judged as that string`,
    );
  if (structures > 0)
    parts.push(
      "stored as a JSON object or array, it is read as an invalid value, never as a missing one" +
        (name === X_DATADOG_SAMPLING_PRIORITY
          ? ' (an invalid priority drops the Datadog context, as the text "1.5" does)'
          : ""),
    );
  return parts.length === 0
    ? undefined
    : `${keyShown(key)}: ${parts.join("; ")}; carriers hold strings: store it as a string`;
}

/** Why the carrier reader refuses one value (not a number: those are said with their digits). */
function whyValueRefused(value: unknown): string {
  if (typeof value === "string")
    return value.length > MAX_CARRIER_VALUE_LENGTH
      ? `its value is ${value.length} characters, over the limit of ${MAX_CARRIER_VALUE_LENGTH} for one value`
      : "its value was refused";
  if (typeof value === "number") return "its value is a JSON number that is not an exact integer";
  if (Array.isArray(value)) return "an array inside an array; repeated values are one array of strings";
  const binary = value as { type?: unknown; data?: unknown } | null;
  if (binary !== null && typeof binary === "object" && binary.type === "Buffer" && Array.isArray(binary.data))
    return binary.data.length > MAX_CARRIER_VALUE_LENGTH
      ? `a Buffer of ${binary.data.length} bytes, over the limit of ${MAX_CARRIER_VALUE_LENGTH} for one value`
      : "a Buffer whose data are not bytes (0-255)";
  return `its value is ${describeField(value)}; a carrier value is a string (or an array of strings)`;
}

/**
 * `text` in quotes for a diagnostic (`quoteValue`): JSON text, cut past 80 characters (a traceparent, 55,
 * is shown whole) as `"<head>"… (<length> characters)`, so that its length is said (a cut inside the
 * quotes lost it).
 */
function shown(text: string): string {
  return quoteValue(text);
}

/**
 * A carrier key named in a diagnostic: as it is (`x-datadog-trace-id`), or quoted and cut as a value is
 * ({@link shown}) when longer than 80 characters (an `ot-baggage-*` key of 16 KiB), so that its length is
 * said and the report is not flooded.
 */
function keyShown(key: string): string {
  return key.length > MAX_QUOTED_VALUE_CHARACTERS ? shown(key) : key;
}

/**
 * Why the tracecontext style discards a whole `tracestate` header (Trace Context Level 2 §3.3.1: more
 * than 32 list-members, or the first member that breaks the grammar), or `undefined` when it keeps it.
 * `parseTraceStateMembers`, the reader's own check, decides; this only says why.
 */
export function tracestateDiscarded(header: string): string | undefined {
  if (parseTraceStateMembers(header, true) !== undefined) return undefined;
  const members = header.split(",").map(trimOws).filter(Boolean);
  for (const [index, member] of members.entries()) {
    if (index >= TRACE_STATE_MAX_MEMBERS)
      return `it has ${members.length} members, more than ${TRACE_STATE_MAX_MEMBERS} (W3C Trace Context §3.3.1.1)`;
    const equals = member.indexOf("=");
    if (equals <= 0) return `member ${index + 1} ${shown(member)} is not key=value`;
    if (!isValidTraceStateKey(member.slice(0, equals)))
      return (
        `member ${index + 1} ${shown(member)} breaks the Level 2 grammar: a key is 1-256 lower-case letters, ` +
        "digits and _ - * / @, starting with a letter or digit (W3C Trace Context Level 2 §3.3.1.3.1)" +
        unprintableNote(member.slice(0, equals))
      );
    if (!isValidTraceStateValue(member.slice(equals + 1)))
      return (
        `member ${index + 1} ${shown(member)} breaks the grammar: a value is 1-256 printable ASCII characters ` +
        "other than , and =, not ending in a space (W3C Trace Context §3.3.1.3.2)" +
        unprintableNote(member.slice(equals + 1))
      );
  }
  return "it breaks the Level 2 grammar";
}

/**
 * How many members of a `baggage` header the baggage style drops, and why (W3C Baggage §3.3.1: at most
 * 64 members and 8192 bytes, a member that would overflow skipped whole; a member that breaks the
 * grammar dropped alone), or `undefined` when it keeps them all. `parseBaggageHeader`, the style's
 * own reader, decides; each member is asked alone for the reason.
 */
export function baggageDropped(header: string): string | undefined {
  const members = header.split(",").map(trimOws).filter(Boolean);
  const kept = parseBaggageHeader(header).length;
  if (kept >= members.length) return undefined;
  const bad = members.filter((m) => m.length <= BAGGAGE_MAX_BYTES && parseBaggageHeader(m).length === 0);
  const overLimit = members.length - kept - bad.length;
  const reasons: string[] = [];
  if (overLimit > 0)
    reasons.push(
      `${overLimit} over ${baggageLimits("; the first members that fit are kept, a member that would overflow is skipped whole")}`,
    );
  if (bad.length > 0)
    reasons.push(
      `${bad.length} breaking the baggage grammar key=value (the first: ${shown(bad[0]!)}${unprintableNote(bad[0]!)})`,
    );
  return `baggage: ${members.length - kept} of its ${members.length} members dropped: ${reasons.join("; ")}`;
}

/**
 * The W3C limits as {@link baggageDropped} names them, for the `ot-baggage-*` entries too: `more` (`; what
 * is kept`) goes inside the parenthesis, after the source.
 */
function baggageLimits(more: string): string {
  return `the limits of ${BAGGAGE_MAX_MEMBERS} members and ${BAGGAGE_MAX_BYTES} bytes (W3C Baggage §3.3.1${more})`;
}

/**
 * How many of the `ot-baggage-*` entries of `carrier` the `datadog` style drops, and why, in the words
 * of {@link baggageDropped}: over W3C Baggage's limits (64 members, 8192 bytes, counted with `w3c`, the
 * baggage the `baggage` style restored from the carrier when it is in the extract order);
 * `undefined` when it drops none. `legacyBaggage`, the style's
 * own reader, decides and counts. Call it only when the `datadog` style's context is the one restored
 * (its baggage is read only then). An entry whose key the W3C header holds is replaced, not dropped.
 */
export function legacyBaggageDropped(
  carrier: NormalizedCarrier,
  w3c: Baggage | undefined,
): string | undefined {
  let entries = 0;
  for (const key of carrier.keys()) if (isLegacyBaggageHeaderName(key)) entries++;
  if (entries === 0) return undefined;
  entries = Math.min(entries, MAX_LEGACY_BAGGAGE_HEADERS);
  const drops: LegacyBaggageDrops = { limits: 0 };
  legacyBaggage(ROOT_CONTEXT, carrier, normalizedCarrierGetter, w3c, drops);
  if (drops.limits === 0) return undefined;
  const counted = w3c === undefined ? "" : ", counted after the W3C baggage entries";
  return (
    `ot-baggage-*: ${drops.limits} of its ${entries} entries dropped: ${drops.limits} over ` +
    baggageLimits(
      `${counted}; the first entries that fit are kept, an entry that would overflow is skipped whole`,
    )
  );
}

/**
 * The diagnostic of an `x-datadog-tags` header whose `_dd.p.tid` is all zeros (`_dd.p.tid=0000000000000000`),
 * which the Datadog style drops alone without a `_dd.propagation_error` (an all-zero upper half is no
 * 128-bit trace id: Datadog system-tests `test_datadog_128_bit_propagation_tid_*`, dd-trace-py
 * `_higher_order_is_valid`), else `undefined`; `consequence` ends it as in {@link describeTagsError}.
 * `decodeTagsHeader`, the style's own decoder, decides: the note is given only when the header kept no
 * `_dd.p.tid` and would have kept a non-zero one in its place (so not for a header dropped whole).
 */
export function zeroTidDropped(header: string, maxLength: number, consequence: string): string | undefined {
  const zero = `${TID_TAG}=${ZERO_HEX16}`;
  const members = header.split(",").map(trimOws);
  if (!members.includes(zero) || decodeTagsHeader(header, maxLength).tags[TID_TAG] !== undefined)
    return undefined;
  const nonZero = members.map((member) => (member === zero ? `${TID_TAG}=${"0".repeat(15)}1` : member));
  if (decodeTagsHeader(nonZero.join(","), maxLength).tags[TID_TAG] === undefined) return undefined;
  return (
    `x-datadog-tags: _dd.p.tid ${shown(ZERO_HEX16)} is all zeros, no upper half of a trace id, so it is ` +
    `dropped and the other tags kept (Datadog system-tests test_datadog_128_bit_propagation_tid_*); ${consequence}`
  );
}

/**
 * The diagnostic of an `x-datadog-origin` the Datadog style drops (`isValidOrigin`: an origin is
 * non-empty printable ASCII, the character set of Datadog tag values, dd-trace-java
 * `DatadogPTagsCodec`), read as the style reads it ({@link fieldOf}: an array's last value, a joined
 * string's first part), else `undefined`; `consequence` ends it.
 */
export function originDropped(carrier: NormalizedCarrier, consequence: string): string | undefined {
  const origin = fieldOf(carrier, X_DATADOG_ORIGIN);
  if (origin === undefined || isValidOrigin(origin.read)) return undefined;
  const why =
    origin.read === ""
      ? "it is empty"
      : `it holds a character that is not printable ASCII (a control or a non-ASCII character)${unprintableNote(origin.read)}`;
  return (
    `x-datadog-origin ${origin.quoted} is dropped by the datadog style: ${why}; an origin is non-empty printable ` +
    `ASCII (0x20-0x7E, the characters of Datadog tag values; dd-trace-java DatadogPTagsCodec); ${consequence}`
  );
}

/**
 * The single-valued `x-datadog-*` fields, each with what it means for a service that the Datadog style
 * reads one of its values and ignores the others.
 */
const SINGLE_VALUED_DATADOG_FIELDS: readonly [string, string][] = [
  [X_DATADOG_TRACE_ID, "no trace named there is continued or linked"],
  [X_DATADOG_PARENT_ID, "only the value read is used"],
  [X_DATADOG_SAMPLING_PRIORITY, "only the value read is used"],
  [X_DATADOG_ORIGIN, "only the value read is used"],
];

/**
 * One diagnostic for each single-valued `x-datadog-*` field of `carrier` (trace id, parent id,
 * priority, origin) of which the Datadog style reads one value and ignores others that differ from
 * it: of an array (repeated values) the last, as dd-trace-js `text_map.js` resolves one; of a string
 * joined from repeated fields (`"1, 2"`) the first part (`firstJoinedPart`, as dd-trace-java
 * `HttpCodec.firstHeaderValue` and dd-trace-js read it). A value whose read part is empty makes the
 * field invalid and is said by the style's verdict (or {@link originDropped}) instead. Earlier values
 * of a header spelt in several cases in `raw` are said by {@link readerDrops}. `consequence(ifUsed)`
 * ends each note (`dropConsequence` for the `datadog` style, given what the drop means when
 * the style's context is used).
 */
export function ignoredDatadogValues(
  raw: Record<string, unknown>,
  carrier: NormalizedCarrier,
  consequence: (ifUsed: string) => string,
): string[] {
  const notes: string[] = [];
  for (const [name, ifUsed] of SINGLE_VALUED_DATADOG_FIELDS) {
    const values = carrier.get(name);
    if (values === undefined) continue;
    const last = values[values.length - 1]!;
    const read = firstJoinedPart(last);
    if (read === "") continue;
    const ignored: string[] = [];
    const spelt = Object.keys(raw).filter((key) => key.toLowerCase() === name).length;
    if (spelt <= 1) ignored.push(...values.slice(0, -1));
    if (read !== last) ignored.push(...last.split(",").slice(1).map(trimOws));
    const others = [...new Set(ignored)].filter((value) => value !== read);
    if (others.length === 0) continue;
    const joined = read !== last;
    const how =
      values.length > 1 && spelt <= 1
        ? `holds ${values.length} values (${values.map(shown).join(", ")}): the datadog style reads the last` +
          (joined ? ", and of the values joined with commas in it the first" : "") +
          ` (as dd-trace-js reads a repeated field${joined ? ", and dd-trace-java a joined one" : ""})`
        : `${shown(last)} holds values joined with commas: the datadog style reads the first (as dd-trace-java and dd-trace-js read a joined field)`;
    notes.push(
      `${name} ${how}, ${shown(read)}; ${others.map(shown).join(", ")} ${others.length > 1 ? "are" : "is"} ignored; ${consequence(ifUsed)}`,
    );
  }
  return notes;
}

/**
 * The diagnostic of a `tracestate` whose `dd=` member holds a `t.tid` that is not the upper half of the
 * traceparent's trace id (`high`, 16 hex), which the tracecontext style ignores (the traceparent's
 * upper 64 bits win: `DatadogTraceContextPropagator`, Datadog system-tests
 * `test_tracestate_w3c_context_leak`, `test_w3c_128_bit_propagation_tid_*`), else `undefined`. `dd` is
 * the `dd` member's value as the style read it (without `dd=`); `consequence` ends the note.
 */
export function ddTidIgnored(dd: string, high: string, consequence: string): string | undefined {
  const tid = decodeDdMember(dd).tags[TID_TAG];
  if (tid === undefined || tid === high) return undefined;
  return (
    `tracestate dd= t.tid:${tid} is ignored by the tracecontext style: the upper 64 bits of the traceparent's ` +
    `trace id win over it, and they are ${high}${high === ZERO_HEX16 ? " (no upper half)" : ""} ` +
    `(Datadog system-tests test_tracestate_w3c_context_leak); ${consequence}`
  );
}

/**
 * The diagnostic of the `ot-baggage-*` entries of `carrier` that the `datadog` style does not read at
 * all (`why`: the style is not in the extract order, or its context and the W3C one are not the one
 * restored), else `undefined` when it holds none. Entries the carrier reader or the style drops for
 * their name (`dropped`, lower-case names: {@link readerDrops}) are said there. Lists the first
 * {@link MAX_LISTED} names and counts the rest.
 */
export function legacyBaggageNotRead(
  carrier: NormalizedCarrier,
  dropped: ReadonlySet<string>,
  why: string,
): string | undefined {
  const names = [...carrier.keys()].filter((key) => isLegacyBaggageHeaderName(key) && !dropped.has(key));
  if (names.length === 0) return undefined;
  const listed = names.slice(0, MAX_LISTED).join(", ");
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : "";
  return (
    `${listed}${more} not read: ${why}, so no baggage is restored from ${names.length > 1 ? "them" : "it"} ` +
    '(docs/migration.md, "From Java dd-trace-ot code")'
  );
}
