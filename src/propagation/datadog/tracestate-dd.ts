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
  isOtherPropagatedTag,
} from "./constants.js";
import { HEX16_LENGTH, ZERO_HEX16 } from "./ids.js";
import { isValidDecisionMakerValue } from "./tags.js";

/**
 * Codec of the `dd=` member of W3C tracestate (Datadog docs, "Propagating trace context"; dd-trace-java
 * `W3CPTagsCodec`):
 * `dd=s:<priority>;o:<origin>;p:<last parent id>;t.<name>:<value>...`.
 */

/** The fields of a `dd=` member value, decoded (`~` back to `=` in `o` and `t.*`). */
export interface DdMember {
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
const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
/** Longest integer text read from `s:`; keeps the value a safe integer. */
const MAX_PRIORITY_DIGITS = 10;
/** 10^{@link MAX_PRIORITY_DIGITS}: a priority's magnitude stays below it. */
const MAX_PRIORITY_MAGNITUDE = 10 ** MAX_PRIORITY_DIGITS;
/** The start of a last parent id element (`p:`), first in the value or after a `;`. */
const PARENT_ELEMENT = `${DD_MEMBER_PARENT}:`;
const PARENT_ELEMENT_INNER = `;${PARENT_ELEMENT}`;

/** Parses a signed decimal integer (`-1`, `+2`, `10`), or undefined (what dd-trace-java, -py, -go accept). */
export function parseSamplingPriority(text: string): number | undefined {
  let i = 0;
  const first = text.charCodeAt(0);
  if (first === CHAR_MINUS || first === CHAR_PLUS) i = 1;
  const digits = text.length - i;
  if (digits < 1 || digits > MAX_PRIORITY_DIGITS) return undefined;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < CHAR_0 || code > CHAR_9) return undefined;
  }
  return Number(text);
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

/**
 * Decodes the value of a `dd` tracestate member (without the `dd=` prefix). Order-free; empty
 * elements and a trailing `;` are tolerated (as by every Datadog tracer) and a sub-key given twice takes
 * its last value. Unknown sub-keys are ignored: they are not relayed on the next injection, which
 * writes the member anew (dd-trace-java `W3CPTagsCodec` and dd-trace-js relay them after the known
 * ones; docs/conformance.md). A `t.dm` that is not a decision maker (`-<digits>` or
 * `<10 lowercase hex>-<digits>`) is dropped alone, as from `x-datadog-tags`. Never throws.
 */
export function decodeDdMember(value: string): DdMember {
  const member: DdMember = { tags: {} };
  let start = 0;
  while (start < value.length) {
    let end = value.indexOf(";", start);
    if (end < 0) end = value.length;
    const colon = value.indexOf(":", start);
    if (colon > start && colon < end) {
      const key = value.slice(start, colon);
      const item = value.slice(colon + 1, end);
      if (key === DD_MEMBER_PRIORITY) member.samplingPriority = parseSamplingPriority(item);
      else if (key === DD_MEMBER_ORIGIN) member.origin = decodeValue(item);
      else if (key === DD_MEMBER_PARENT) member.lastParentId = item;
      else if (key.startsWith(DD_MEMBER_TAG_PREFIX) && key.length > DD_MEMBER_TAG_PREFIX.length) {
        const name = tagName(key);
        const tagValue = decodeValue(item);
        // A malformed decision maker is dropped alone, as from x-datadog-tags (dd-trace-py).
        if (name !== DECISION_MAKER_TAG || isValidDecisionMakerValue(tagValue)) member.tags[name] = tagValue;
      }
    }
    start = end + 1;
  }
  return member;
}

/**
 * The `p:` of a `dd` member value: what `decodeDdMember(value).lastParentId` gives (the last `p:`
 * element, copied unvalidated), without decoding the other elements. Never throws.
 */
export function decodeDdLastParentId(value: string): string | undefined {
  // The last element that starts with "p:": after the last ";p:", else at the very start.
  const after = value.lastIndexOf(PARENT_ELEMENT_INNER);
  const start = after !== -1 ? after + 1 : value.startsWith(PARENT_ELEMENT) ? 0 : -1;
  if (start === -1) return undefined;
  const end = value.indexOf(";", start);
  return value.slice(start + PARENT_ELEMENT.length, end === -1 ? value.length : end);
}

/**
 * Origin and tag values: `,` `;` `~` and anything outside 0x20-0x7E become `_`, then `=` becomes `~`
 * (dd-trace-js `tracestateOriginFilter`/`tracestateTagValueFilter`, dd-trace-java
 * `TagValue.convertDDtoW3C`). A value with nothing to replace is returned as is (no copy).
 */
export function encodeDdValue(value: string): string {
  if (typeof value === "string") {
    let i = 0;
    while (i < value.length && !needsValueEscape(value.charCodeAt(i))) i++;
    if (i === value.length) return value;
  }
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
export function encodeDdTagKey(key: string): string {
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
/** Longest `dd` member value: the 256-character member limit less the `dd=` prefix. */
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
 * The value of the `dd=` tracestate list member for injection (without the `dd=` prefix), in the
 * order of dd-trace-java and dd-trace-go: `s`, `o`, `p`, `t.dm`, `t.tid`, other `t.*`, kept within
 * 256 characters prefix included: an entry that would overflow is skipped and later ones are still
 * tried (dd-trace-java `W3CPTagsCodec`, `MAX_HEADER_SIZE`). Skipped tags still travel in
 * `x-datadog-tags`. `parentId` is 16 lowercase hex (the injecting span id, or the stored
 * `_dd.parent_id`, as Datadog system-tests `test_tracestate_w3c_p_inject` expect); `high` the upper
 * 64 bits of the trace id, 16 hex (all zero: no `t.tid`); `_dd.p.tid` in `tags` is ignored. Built in
 * one pass of string appends.
 *
 * The value is always a valid tracestate value (Trace Context §3.3.1.3: 1-256 characters 0x20-0x7E
 * without `,` and `=`, not ending in a space) by construction: digits of the priority, hex ids, keys
 * and values through {@link encodeDdTagKey} / {@link encodeDdValue}, at most 253 characters. An origin
 * or tag value that ends with a space (which could end the member) is skipped like an entry that would
 * overflow; it still travels in `x-datadog-origin` / `x-datadog-tags`. Nothing is scanned twice.
 */
export function encodeDdMemberValue(
  samplingPriority: number,
  origin: string | undefined,
  parentId: string,
  tags: Readonly<Record<string, string>> | undefined,
  high: string,
): string {
  let out = DD_PRIORITY_PREFIX + samplingPriority;
  if (origin) out = appendValue(out, ORIGIN_PREFIX, origin);
  out = append(out, DD_PARENT_PREFIX + parentId);
  return appendTagEntries(out, tags, high);
}

/**
 * The longest `s:` and `p:` entries together: `s:` with a sign and the 10 digits of the longest
 * propagated priority (`isPropagatablePriority`), `;p:` with 16 hex digits.
 */
const LONGEST_PRIORITY_AND_PARENT =
  DD_PRIORITY_PREFIX.length + 1 + MAX_PRIORITY_DIGITS + DD_PARENT_PREFIX.length + HEX16_LENGTH;

/**
 * The parts of the `dd=` value that stay the same for every span of a trace: the `;o:` entry
 * (`origin`, `""` when there is none or it is skipped) and the `;t.*` entries (`tags`), such that
 * `s:<priority>` + `origin` + `;p:<parentId>` + `tags` is exactly
 * {@link encodeDdMemberValue}`(priority, origin, parentId, tags, high)` for any propagatable priority
 * and 16-hex `parentId`. `undefined` when the entries are long enough that the 256-character limit
 * could skip one: the caller then encodes the whole value per injection.
 */
export function encodeDdMemberFixedParts(
  origin: string | undefined,
  tags: Readonly<Record<string, string>> | undefined,
  high: string,
): { origin: string; tags: string } | undefined {
  const originEntry = origin ? appendValue("", ORIGIN_PREFIX, origin) : "";
  const tagEntries = appendTagEntries("", tags, high);
  // Within the limit with the longest s: and p:, no entry is ever skipped: the concatenation is exact.
  if (LONGEST_PRIORITY_AND_PARENT + originEntry.length + tagEntries.length > DD_MEMBER_MAX_VALUE_LENGTH)
    return undefined;
  return { origin: originEntry, tags: tagEntries };
}

/** `out` with the `;t.*` entries appended in dd-trace-java's order: dm, tid, ts, then the others. */
function appendTagEntries(
  out: string,
  tags: Readonly<Record<string, string>> | undefined,
  high: string,
): string {
  const dm = tags?.[DECISION_MAKER_TAG];
  if (dm !== undefined) out = appendValue(out, DM_ENTRY_PREFIX, dm);
  if (high !== ZERO_HEX16) out = append(out, TID_ENTRY_PREFIX + high);
  if (tags !== undefined) {
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
 * `out` with `prefix` and the encoded `value` appended as in {@link append}, unless the
 * encoded value ends with a space (a tracestate value must not, Trace Context §3.3.1.3): then the
 * entry is skipped.
 */
function appendValue(out: string, prefix: string, value: string): string {
  const encoded = encodeDdValue(value);
  if (encoded.length !== 0 && encoded.charCodeAt(encoded.length - 1) === CHAR_SPACE) return out;
  return append(out, prefix + encoded);
}

/** `out` with `entry` (which starts with its `;`) appended when the member stays within its limit. */
function append(out: string, entry: string): string {
  return out.length + entry.length <= DD_MEMBER_MAX_VALUE_LENGTH ? out + entry : out;
}

/** `;t.<name>:` for the propagated tag `_dd.p.<name>` (key encoded as dd-trace-js does). */
function tagEntryPrefix(key: string): string {
  return TAG_PREFIX + encodeDdTagKey(key.slice(PROPAGATED_TAG_PREFIX.length)) + ":";
}
