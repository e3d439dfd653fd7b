import {
  DD_MEMBER_ORIGIN,
  DD_MEMBER_PARENT,
  DD_MEMBER_PRIORITY,
  DD_MEMBER_TAG_PREFIX,
  DECISION_MAKER_TAG,
  PROPAGATED_TAG_PREFIX,
  TID_TAG,
  TRACE_SOURCE_TAG,
  TRACESTATE_DD_KEY,
  TRACESTATE_DD_MAX_LENGTH,
  UPSTREAM_SERVICES_TAG,
  isOtherPropagatedTag,
} from "./constants.js";
import { HEX16_LENGTH, ZERO_HEX16 } from "./ids.js";
import { isDecisionMaker, warnDecisionMakerLeftOut, warnUpstreamServicesLeftOut } from "./tags.js";

/**
 * Codec of the `dd=` member of W3C tracestate (Datadog docs, "Propagating trace context"; dd-trace-java
 * `W3CPTagsCodec`, dd-trace-js `tracestate.js`):
 * `dd=s:<priority>;o:<origin>;p:<last parent id>;t.<name>:<value>...`.
 */

/** The fields of a `dd=` member value, decoded (`~` back to `=` in `o` and `t.*`). */
interface DdMember {
  /** `s:` as an integer; undefined when absent or not an integer (then the flag decides). */
  samplingPriority?: number;
  origin?: string;
  /** `p:` copied unvalidated (as dd-trace-js does). */
  lastParentId?: string;
  /** `t.<name>` as `_dd.p.<name>`, in member order; `t.tid` included as given. */
  tags: Record<string, string>;
}

const CHAR_SPACE = 0x20;
const CHAR_TILDE = 0x7e;
const CHAR_COMMA = 0x2c;
const CHAR_SEMICOLON = 0x3b;
const CHAR_COLON = 0x3a;
const CHAR_EQUALS = 0x3d;
const CHAR_PLUS = 0x2b;
const CHAR_MINUS = 0x2d;
const CHAR_DOT = 0x2e;
const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_O = 0x6f;
const CHAR_P = 0x70;
const CHAR_S = 0x73;
const CHAR_T = 0x74;
/** Longest integer text read from `s:`; keeps the value a safe integer. */
const MAX_PRIORITY_DIGITS = 10;
/** 10^{@link MAX_PRIORITY_DIGITS}: a priority's magnitude stays below it. */
const MAX_PRIORITY_MAGNITUDE = 10 ** MAX_PRIORITY_DIGITS;
/** The start of a last parent id element, first in the value or after a `;`. */
const PARENT_ELEMENT = `${DD_MEMBER_PARENT}:`;
const PARENT_ELEMENT_INNER = `;${PARENT_ELEMENT}`;

/**
 * Parses a signed decimal integer (`-1`, `+2`, `10`), or undefined (what dd-trace-java, -py, -go
 * accept). Leading zeros are part of an integer's spelling (`01`, `00000000001`: Java
 * `Integer.parseInt`, Go `strconv.Atoi`, Python `int` and dd-trace-js `parseInt` all read them), so
 * only the digits after them count toward {@link MAX_PRIORITY_DIGITS}. `-0` is 0 (not the number -0,
 * which `deepStrictEqual` and `Object.is` tell from 0).
 */
export function parseSamplingPriority(text: string): number | undefined {
  let i = 0;
  const first = text.charCodeAt(0);
  if (first === CHAR_MINUS || first === CHAR_PLUS) i = 1;
  if (i === text.length) return undefined;
  while (i < text.length - 1 && text.charCodeAt(i) === CHAR_0) i++;
  if (text.length - i > MAX_PRIORITY_DIGITS) return undefined;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < CHAR_0 || code > CHAR_9) return undefined;
  }
  return Number(text) || 0;
}

/**
 * True for a priority that {@link parseSamplingPriority} reads back: an integer of at most
 * {@link MAX_PRIORITY_DIGITS} digits. Anything else (1.5, Infinity, NaN, 2^40) would make every
 * Datadog tracer, tracehop included, drop the whole context on extract (dd-trace-java
 * `DatadogHttpCodec`, dd-trace-py, dd-trace-go).
 */
export function isPropagatablePriority(priority: number): boolean {
  return Number.isInteger(priority) && Math.abs(priority) < MAX_PRIORITY_MAGNITUDE;
}

/** `~` to `=`, the reverse of the value encoding (see {@link encodeDdValue}). */
function decodeValue(value: string): string {
  return value.includes("~") ? value.replaceAll("~", "=") : value;
}

/** `t.dm` and `t.tid` as Datadog sends them: their tag names are constants (no new string to intern). */
const DM_MEMBER_KEY = DD_MEMBER_TAG_PREFIX + DECISION_MAKER_TAG.slice(PROPAGATED_TAG_PREFIX.length);
const TID_MEMBER_KEY = DD_MEMBER_TAG_PREFIX + TID_TAG.slice(PROPAGATED_TAG_PREFIX.length);

/** The `_dd.p.<name>` tag of the member key `t.<name>`. */
function tagName(key: string): string {
  if (key === DM_MEMBER_KEY) return DECISION_MAKER_TAG;
  if (key === TID_MEMBER_KEY) return TID_TAG;
  return PROPAGATED_TAG_PREFIX + key.slice(DD_MEMBER_TAG_PREFIX.length);
}

/*
 * The element grammar of the `dd` member value, dd-trace-js's (tracestate.js `parseEntries`, which
 * `TraceState.forVendor('dd', …)` applies on extract and again on every inject):
 *
 * - elements are separated by `;`; an element without `:` is skipped;
 * - the key is the text before the first `:`, without leading and trailing spaces; an empty key or
 *   one with a space inside is skipped;
 * - the value is the text after the first `:`, without trailing spaces; an empty value is skipped;
 * - a key given twice takes its first value (dd-trace-js stores the elements in a Map in reverse order,
 *   so the first one's value is the one left).
 *
 * Spaces are the only whitespace a tracestate value can hold (Trace Context §3.3.1.3.2), so trimming
 * spaces is dd-trace-js's `trim()` / `trimEnd()` on any value a W3C tracestate carries. The decoders
 * look for spaces only next to the `:` and `;` around an element (and inside a key that is not a
 * constant), so a value without them (the usual one) is not scanned again.
 */

/**
 * Bits of the keys whose first value the decoding walk of {@link walkDdMember} has read, for keys that
 * leave no trace in `tags` (a key's first value wins; a `t.dm` refused as malformed leaves none).
 */
const SEEN_PRIORITY = 1;
const SEEN_ORIGIN = 2;
const SEEN_PARENT = 4;
const SEEN_DECISION_MAKER = 8;

/**
 * Decodes the value of a `dd` tracestate member (without the `dd=` prefix) with dd-trace-js's element
 * grammar (above): order-free; empty, malformed and repeated elements as dd-trace-js reads them (a key
 * given twice takes its first value). `s`, `o`, `p` and `t.<name>` are read; other keys are left in the
 * tracestate, from which the next injection relays them ({@link relayedDdEntries}). A `t.dm` that is
 * not a decision maker (`-<digits>` or `<10 lowercase hex>-<digits>`) is dropped alone, as from
 * `x-datadog-tags`. A key `t.` with no name after it is a tag key that names no tag (`_dd.p.`): skipped,
 * neither read nor relayed, as `_dd.p.=x` is skipped in `x-datadog-tags`; so is the deprecated
 * `t.upstream_services`, as from `x-datadog-tags` (dd-trace-java `W3CPTagsCodec` skips it too). dd-trace-js takes every `t.`
 * key for a tag (text_map.js `#extractTraceparentContext`: `key.startsWith('t.')`), so `t.:x` becomes its
 * tag `_dd.p.`, which it writes back as `t.:x` while its `x-datadog-tags` check (`tagKeyExpr`) then
 * refuses the whole header on every injection; dd-trace-java refuses the empty name (`TagKey.from`) and
 * relays no `t.` element (`W3CPTagsCodec.cleanUpAndAppendUnknown`). Never throws.
 */
export function decodeDdMember(value: string): DdMember {
  return walkDdMember(value, false);
}

/**
 * The `p:` of a `dd` member value: what `decodeDdMember(value).lastParentId` gives (the first `p`
 * element with a value, copied unvalidated), without decoding the other elements. Never throws.
 */
export function decodeDdLastParentId(value: string): string | undefined {
  // A key or value with spaces around it: the general decoder trims them.
  if (value.indexOf(" ") !== -1) return decodeDdMember(value).lastParentId;
  // The first element that starts with "p:" and has a value: at the very start, else after a ";".
  let inner = value.startsWith(PARENT_ELEMENT) ? -1 : value.indexOf(PARENT_ELEMENT_INNER);
  if (inner === -1 && !value.startsWith(PARENT_ELEMENT)) return undefined;
  for (;;) {
    const valueStart = inner + 1 + PARENT_ELEMENT.length;
    let end = value.indexOf(";", valueStart);
    if (end === -1) end = value.length;
    if (end > valueStart) return value.slice(valueStart, end);
    inner = value.indexOf(PARENT_ELEMENT_INNER, end);
    if (inner === -1) return undefined;
  }
}

/**
 * The elements of a `dd` member value (without the `dd=` prefix) that an injection relays as they
 * came: those whose key is neither `s`, `o`, `p` nor a tag key `t.<name>` (a future Datadog key,
 * another vendor's; `t.` with no name is a tag key too, skipped as {@link decodeDdMember} says),
 * each as `;<key>:<value>` after the element grammar above (key and value trimmed, a key given twice
 * with its first value), in dd-trace-js's order: by the place of each key's last element (its Map keeps
 * an entry where the last element put it and takes the first element's value, tracestate.js
 * `parseEntries`). `""` when there are none, the usual case, found without building anything. An
 * element holding a character a tracestate value cannot (Trace Context §3.3.1.3.2: outside 0x20-0x7E,
 * `,`, `=`), possible only in a TraceState built by other code, is not relayed. The W3C value is
 * opaque to other vendors (Trace Context §3.3.1.3.2); dd-trace-js and dd-trace-java both carry a
 * `dd` element they do not know to the next service. Never throws.
 */
export function relayedDdEntries(value: string): string {
  // Usual case: every element starts with a known key (or is too short to be an element at all).
  for (let start = 0; ;) {
    let end = value.indexOf(";", start);
    if (end < 0) end = value.length;
    if (end - start > 2 && !startsWithKnownKey(value, start)) break;
    if (end === value.length) return "";
    start = end + 1;
  }
  return walkDdMember(value, true);
}

/**
 * The walk of a `dd` member value that {@link decodeDdMember} and {@link relayedDdEntries} share: each
 * element split, trimmed and checked by the element grammar above, then sorted by its key: `s`, `o`,
 * `p`, a tag key (`t.` and what follows), or another key. Without `relay`, the answer is the member:
 * the elements tracehop reads, decoded (the first value of a key wins); with `relay`, nothing is
 * decoded (no member is made) and the answer is the other keys' elements, each `;<key>:<value>`, in
 * dd-trace-js's order (tracestate.js `parseEntries` keeps a key where its last element stood, with the
 * first element's value), `""` when there are none. One walk for both, so the two can never disagree
 * on which elements exist or which keys are read. The member is made here, not passed in: the
 * decoding walk then runs as fast as the walk of its own it replaced (passing it in cost about 1%).
 * Spaces are looked for as the element grammar above says.
 */
function walkDdMember(value: string, relay: false): DdMember;
function walkDdMember(value: string, relay: true): string;
function walkDdMember(value: string, relay: boolean): DdMember | string {
  // The relay walk has no member: each decoding branch below is skipped on `member === undefined`.
  const member: DdMember | undefined = relay ? undefined : { tags: {} };
  let seen = 0;
  // The relayed keys, each with its entry (`""` for a first value a tracestate cannot hold), in the
  // order of the entries' text: a key given again is moved to the end (Map keeps insertion order).
  let relayed: Map<string, string> | undefined;
  let start = 0;
  while (start < value.length) {
    let end = value.indexOf(";", start);
    if (end < 0) end = value.length;
    const colon = value.indexOf(":", start);
    if (colon !== -1 && colon < end) {
      let keyStart = start;
      let keyEnd = colon;
      let valueEnd = end;
      // Spaces around the key or after the value (rare): trimmed, looked for at the ends only.
      if (
        value.charCodeAt(start) === CHAR_SPACE ||
        value.charCodeAt(colon - 1) === CHAR_SPACE ||
        value.charCodeAt(end - 1) === CHAR_SPACE
      ) {
        while (keyStart < keyEnd && value.charCodeAt(keyStart) === CHAR_SPACE) keyStart++;
        while (keyEnd > keyStart && value.charCodeAt(keyEnd - 1) === CHAR_SPACE) keyEnd--;
        while (valueEnd > colon + 1 && value.charCodeAt(valueEnd - 1) === CHAR_SPACE) valueEnd--;
      }
      const keyLength = keyEnd - keyStart;
      if (keyLength !== 0 && valueEnd !== colon + 1) {
        const c = value.charCodeAt(keyStart);
        if (keyLength === 1 && c === CHAR_S) {
          if (member !== undefined && (seen & SEEN_PRIORITY) === 0) {
            seen |= SEEN_PRIORITY;
            member.samplingPriority = parseSamplingPriority(value.slice(colon + 1, valueEnd));
          }
        } else if (keyLength === 1 && c === CHAR_O) {
          if (member !== undefined && (seen & SEEN_ORIGIN) === 0) {
            seen |= SEEN_ORIGIN;
            member.origin = decodeValue(value.slice(colon + 1, valueEnd));
          }
        } else if (keyLength === 1 && c === CHAR_P) {
          if (member !== undefined && (seen & SEEN_PARENT) === 0) {
            seen |= SEEN_PARENT;
            member.lastParentId = value.slice(colon + 1, valueEnd);
          }
        } else if (c === CHAR_T && value.charCodeAt(keyStart + 1) === CHAR_DOT) {
          // A tag key; `t.` alone names no tag and is skipped (see decodeDdMember), and so is the
          // deprecated `t.upstream_services`.
          if (keyLength > 2 && member !== undefined) {
            const name = tagName(value.slice(keyStart, keyEnd));
            if (name === UPSTREAM_SERVICES_TAG) {
              // Skipped, neither read nor relayed (dd-trace-java `W3CPTagsCodec`).
            } else if (name === DECISION_MAKER_TAG) {
              if ((seen & SEEN_DECISION_MAKER) === 0) {
                seen |= SEEN_DECISION_MAKER;
                const tagValue = decodeValue(value.slice(colon + 1, valueEnd));
                // A malformed decision maker is dropped alone, as from x-datadog-tags.
                if (isDecisionMaker(tagValue)) member.tags[name] = tagValue;
              }
            } else if (
              member.tags[name] === undefined &&
              // A key with a space inside is skipped (`t.tid`, a constant, has none).
              (name === TID_TAG || !hasSpace(value, keyStart, keyEnd))
            ) {
              member.tags[name] = decodeValue(value.slice(colon + 1, valueEnd));
            }
          }
        } else if (relay && !hasSpace(value, keyStart, keyEnd)) {
          // Another key: relayed. A key with a space inside is skipped.
          const key = value.slice(keyStart, keyEnd);
          relayed ??= new Map();
          const entry = relayed.get(key);
          if (entry === undefined) {
            // The key's first value decides: one a tracestate cannot hold leaves the key out ("").
            relayed.set(
              key,
              isRelayableElement(value, keyStart, valueEnd)
                ? `;${key}:${value.slice(colon + 1, valueEnd)}`
                : "",
            );
          } else {
            // A key given again: its first value, at the place of this later element.
            relayed.delete(key);
            relayed.set(key, entry);
          }
        }
      }
    }
    start = end + 1;
  }
  if (member !== undefined) return member;
  // join, not +=: the text is compared with the last one relayed, which would flatten a concatenation.
  return relayed === undefined ? "" : Array.from(relayed.values()).join("");
}

/**
 * True when the element at `start` (at least 3 characters) starts with `s:`, `o:`, `p:` or `t.`: its
 * key, trimmed, is `s`, `o`, `p`, a tag key (`t.` and whatever follows up to the `:`) or has a space
 * inside (or there is no `:`); in every case the element is not relayed.
 */
function startsWithKnownKey(value: string, start: number): boolean {
  const c = value.charCodeAt(start);
  const next = value.charCodeAt(start + 1);
  if (next === CHAR_COLON) return c === CHAR_S || c === CHAR_O || c === CHAR_P;
  return c === CHAR_T && next === CHAR_DOT;
}

/** True when `value[start, end)` (a key: a few characters) holds a space (dd-trace-js skips the element). */
function hasSpace(value: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (value.charCodeAt(i) === CHAR_SPACE) return true;
  return false;
}

/**
 * True when `value[start, end)` (a trimmed element) holds only characters a tracestate value may
 * (Trace Context §3.3.1.3.2: 0x20-0x7E without `,` and `=`).
 */
function isRelayableElement(value: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = value.charCodeAt(i);
    if (code < CHAR_SPACE || code > CHAR_TILDE || code === CHAR_COMMA || code === CHAR_EQUALS) return false;
  }
  return true;
}

/**
 * Origin and tag values: `,` `;` `~` and anything outside 0x20-0x7E become `_`, then `=` becomes `~`
 * (dd-trace-js `tracestateOriginFilter`/`tracestateTagValueFilter`, dd-trace-java `TagValue.convertDDtoW3C`).
 * A value with nothing to replace is returned as is (no copy). A value that is not a string (a tag
 * set to `null` or a number in the object `getDatadogContext` hands out, changed in place) is `""`,
 * which the `dd=` encoder skips: nothing of it is written, as `isValidTagValue` refuses it for
 * `x-datadog-tags`.
 */
function encodeDdValue(value: string): string {
  if (typeof value !== "string") return "";
  let i = 0;
  while (i < value.length && !needsValueEscape(value.charCodeAt(i))) i++;
  if (i === value.length) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === CHAR_EQUALS) out += "~";
    else if (code < CHAR_SPACE || code >= CHAR_TILDE || code === CHAR_COMMA || code === CHAR_SEMICOLON)
      out += "_";
    else out += value[i];
  }
  return out;
}

function needsValueEscape(code: number): boolean {
  return (
    code === CHAR_EQUALS ||
    code < CHAR_SPACE ||
    code >= CHAR_TILDE ||
    code === CHAR_COMMA ||
    code === CHAR_SEMICOLON
  );
}

/**
 * Tag key after `t.`: space, `,`, `=` and anything outside 0x21-0x7E become `_`
 * (dd-trace-js `tracestateTagKeyFilter`). `;` and `:` also become `_`: inside `dd=` they are the
 * element and key separators, so a key holding them would corrupt the member (no tracer emits one).
 * A key with nothing to replace is returned as is (no copy).
 */
function encodeDdTagKey(key: string): string {
  if (typeof key === "string") {
    let i = 0;
    while (i < key.length && !needsKeyEscape(key.charCodeAt(i))) i++;
    if (i === key.length) return key;
  }
  let out = "";
  for (let i = 0; i < key.length; i++) out += needsKeyEscape(key.charCodeAt(i)) ? "_" : key[i];
  return out;
}

function needsKeyEscape(code: number): boolean {
  return (
    code <= CHAR_SPACE ||
    code > CHAR_TILDE ||
    code === CHAR_COMMA ||
    code === CHAR_EQUALS ||
    code === CHAR_SEMICOLON ||
    code === CHAR_COLON
  );
}

/** `dd=`: the Datadog tracestate member prefix, counted in its 256-character limit (dd-trace-java). */
export const DD_MEMBER_PREFIX = `${TRACESTATE_DD_KEY}=`;
/**
 * Longest `dd` member value: the 256-character member limit less the `dd=` prefix (dd-trace-java
 * `W3CPTagsCodec`).
 */
const DD_MEMBER_MAX_VALUE_LENGTH = TRACESTATE_DD_MAX_LENGTH - DD_MEMBER_PREFIX.length;
/** `s:`, the first entry of a `dd=` value. */
export const DD_PRIORITY_PREFIX = `${DD_MEMBER_PRIORITY}:`;
const ORIGIN_PREFIX = `;${DD_MEMBER_ORIGIN}:`;
/** `;p:`, the last parent id entry of a `dd=` value (after `s:` and `o:`). */
export const DD_PARENT_PREFIX = `;${DD_MEMBER_PARENT}:`;
const TAG_PREFIX = `;${DD_MEMBER_TAG_PREFIX}`;

/** `;t.dm:` and `;t.tid:`, the entries every Datadog trace carries, built once. */
const DM_ENTRY_PREFIX = `${TAG_PREFIX}${DECISION_MAKER_TAG.slice(PROPAGATED_TAG_PREFIX.length)}:`;
const TID_ENTRY_PREFIX = `${TAG_PREFIX}${TID_TAG.slice(PROPAGATED_TAG_PREFIX.length)}:`;

/**
 * The value of the `dd=` tracestate list member for injection (without the `dd=` prefix), in the order
 * of dd-trace-java and dd-trace-go, `s`, `o`, `p`, `t.dm`, `t.tid`, other `t.*`, then the `relayed`
 * elements ({@link relayedDdEntries} of the tracestate's old `dd` member: keys tracehop does not read,
 * as dd-trace-java places them, `W3CPTagsCodec.appendSuffix`), kept within 256 characters prefix
 * included: an entry that would overflow is skipped and later ones are still tried (dd-trace-java
 * `W3CPTagsCodec`); `p` is always written (an origin that would leave it no room is skipped). Skipped
 * tags still travel in `x-datadog-tags`. `parentId` is 16 lowercase hex (the injecting span id, or the
 * stored `_dd.parent_id`, as Datadog system-tests `test_tracestate_w3c_p_inject` expect); `high` the
 * upper 64 bits of the trace id, 16 hex (all zero: no `t.tid`); `_dd.p.tid` in `tags` is ignored. Built
 * in one pass of string appends.
 *
 * The value is always a valid tracestate value (Trace Context §3.3.1.3: 1-256 characters 0x20-0x7E
 * without `,` and `=`, not ending in a space) by construction: digits of the priority, hex ids, keys
 * and values through {@link encodeDdTagKey} / {@link encodeDdValue}, relayed elements checked by
 * {@link relayedDdEntries}, at most 253 characters. An origin or tag value that ends with a space
 * (which could end the member) or is empty (an element dd-trace-java refuses) is skipped like an entry
 * that would overflow; it still travels in `x-datadog-origin` / `x-datadog-tags` when valid there.
 * A `_dd.p.dm` that is no decision maker is never written (`x-datadog-tags` leaves it out too), nor is
 * the deprecated `_dd.p.upstream_services` (the reader skips it: {@link decodeDdMember}); each is said
 * once per process, as `x-datadog-tags` says it (`TRACEHOP_DECISION_MAKER_NOT_INJECTED`,
 * `TRACEHOP_UPSTREAM_SERVICES_NOT_INJECTED`).
 * Nothing is scanned twice.
 */
export function encodeDdMemberValue(
  samplingPriority: number,
  origin: string | undefined,
  parentId: string,
  tags: Readonly<Record<string, string>> | undefined,
  high: string,
  relayed = "",
): string {
  let out = DD_PRIORITY_PREFIX + samplingPriority;
  // The origin leaves room for `;p:`, which every dd= member carries (an origin too long is skipped).
  if (origin) out = appendValue(out, ORIGIN_PREFIX, origin, DD_PARENT_PREFIX.length + parentId.length);
  out = append(out, DD_PARENT_PREFIX + parentId);
  return appendRelayed(appendTagEntries(out, tags, high), relayed);
}

/**
 * The longest `s:` and `p:` entries together: `s:` with a sign and the 10 digits of the longest
 * propagated priority (`isPropagatablePriority`), `;p:` with 16 hex digits.
 */
const LONGEST_PRIORITY_AND_PARENT =
  DD_PRIORITY_PREFIX.length + 1 + MAX_PRIORITY_DIGITS + DD_PARENT_PREFIX.length + HEX16_LENGTH;

/**
 * The parts of the `dd=` value that stay the same for every span of a trace: the `;o:` entry
 * (`origin`, `""` when there is none or it is skipped) and the `;t.*` entries followed by the
 * `relayed` ones (`tags`), such that `s:<priority>` + `origin` + `;p:<parentId>` + `tags` is exactly
 * {@link encodeDdMemberValue}`(priority, origin, parentId, tags, high, relayed)` for any propagatable
 * priority and 16-hex `parentId`. `undefined` when the entries are long enough that the 256-character
 * limit could skip one: the caller then encodes the whole value per injection.
 */
export function encodeDdMemberFixedParts(
  origin: string | undefined,
  tags: Readonly<Record<string, string>> | undefined,
  high: string,
  relayed = "",
): { origin: string; tags: string } | undefined {
  const originEntry = origin ? appendValue("", ORIGIN_PREFIX, origin) : "";
  const tagEntries = appendTagEntries("", tags, high) + relayed;
  // Within the limit with the longest s: and p:, no entry is ever skipped: the concatenation is exact.
  if (LONGEST_PRIORITY_AND_PARENT + originEntry.length + tagEntries.length > DD_MEMBER_MAX_VALUE_LENGTH)
    return undefined;
  return { origin: originEntry, tags: tagEntries };
}

/**
 * `out` with the `relayed` entries (each `;<key>:<value>`, valid, from {@link relayedDdEntries})
 * appended in order, each one as in {@link append}: one that would overflow is skipped, later ones are
 * still tried.
 */
function appendRelayed(out: string, relayed: string): string {
  if (relayed === "" || out.length + relayed.length <= DD_MEMBER_MAX_VALUE_LENGTH) return out + relayed;
  let start = 0;
  while (start < relayed.length) {
    let end = relayed.indexOf(";", start + 1);
    if (end === -1) end = relayed.length;
    out = append(out, relayed.slice(start, end));
    start = end;
  }
  return out;
}

/**
 * `out` with the `;t.*` entries appended in Java/Go order: dm, tid, ts, then the others
 * (dd-trace-java's order).
 */
function appendTagEntries(
  out: string,
  tags: Readonly<Record<string, string>> | undefined,
  high: string,
): string {
  // A `_dd.p.dm` that is no decision maker is left out, as x-datadog-tags leaves it out; said here too
  // (once per process) for an inject without the `datadog` style.
  const dm = tags?.[DECISION_MAKER_TAG];
  if (dm !== undefined) {
    if (isDecisionMaker(dm)) out = appendValue(out, DM_ENTRY_PREFIX, dm);
    else warnDecisionMakerLeftOut(dm);
  }
  if (high !== ZERO_HEX16) out = append(out, TID_ENTRY_PREFIX + high);
  if (tags !== undefined) {
    // The deprecated `_dd.p.upstream_services` is never written (the loop below skips it), said so.
    if (tags[UPSTREAM_SERVICES_TAG] !== undefined) warnUpstreamServicesLeftOut();
    const ts = tags[TRACE_SOURCE_TAG];
    if (ts !== undefined) out = appendValue(out, tagEntryPrefix(TRACE_SOURCE_TAG), ts);
    for (const key in tags) {
      if (!Object.prototype.hasOwnProperty.call(tags, key)) continue;
      if (isOtherPropagatedTag(key)) out = appendValue(out, tagEntryPrefix(key), tags[key]!);
    }
  }
  return out;
}

/**
 * `out` with `prefix` and the encoded `value` appended as in {@link append}, unless the encoded value
 * is empty (dd-trace-java `W3CPTagsCodec` refuses the whole `dd` member for an element without a value;
 * an empty tag value is invalid in `x-datadog-tags` too) or ends with a space (a tracestate value must
 * not, Trace Context §3.3.1.3): then the entry is skipped.
 */
function appendValue(out: string, prefix: string, value: string, reserve = 0): string {
  const encoded = encodeDdValue(value);
  if (encoded.length === 0 || encoded.charCodeAt(encoded.length - 1) === CHAR_SPACE) return out;
  return append(out, prefix + encoded, reserve);
}

/**
 * `out` with `entry` (which starts with its `;`) appended when the member stays within its limit,
 * `reserve` characters still free after it (room for an entry that must follow).
 */
function append(out: string, entry: string, reserve = 0): string {
  return out.length + entry.length + reserve <= DD_MEMBER_MAX_VALUE_LENGTH ? out + entry : out;
}

/** `;t.<name>:` for the propagated tag `_dd.p.<name>` (key encoded as dd-trace-js does). */
function tagEntryPrefix(key: string): string {
  return TAG_PREFIX + encodeDdTagKey(key.slice(PROPAGATED_TAG_PREFIX.length)) + ":";
}
