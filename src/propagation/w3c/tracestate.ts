import type { TraceState } from "@opentelemetry/api";
import {
  TRACE_STATE_LONG_ENTRY_LENGTH,
  TRACE_STATE_MAX_KEY_LENGTH,
  TRACE_STATE_MAX_LENGTH,
  TRACE_STATE_MAX_MEMBERS,
  TRACE_STATE_MAX_VALUE_LENGTH,
} from "./constants.js";
import { isOws } from "../header-text.js";

/** One tracestate list-member, already validated. */
export interface TraceStateMember {
  /**
   * The member's key (`congo`, `tenant@system`): up to 256 lower-case letters, digits and `_-*` `/@`,
   * starting with a letter or digit (Trace Context Level 2 §3.3.1.3.1).
   */
  key: string;
  /**
   * The member's value: up to 256 printable ASCII characters but `,` and `=`, not ending in a space
   * (Trace Context §3.3.1.3.2).
   */
  value: string;
}

const CHAR_SPACE = 0x20;
const CHAR_COMMA = 0x2c;
const CHAR_EQUALS = 0x3d;
const CHAR_TILDE = 0x7e;

/**
 * True for a Level 2 tracestate key (Trace Context Level 2 §3.3.1.3.1):
 * `key = ( lcalpha / DIGIT ) 0*255 ( keychar )`, `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`.
 * `@` is an ordinary keychar: `foo@`, `foo@@bar`, a 250-character tenant or a 15-character system
 * part are valid. @opentelemetry/core 2.12 still applies the Level 1 `tenant@system` grammar
 * (its `internal/validators.js`; the w3c/trace-context test suite's
 * `test_tracestate_key_illegal_vendor_format` and `test_tracestate_key_length_limit` fail).
 */
export function isValidTraceStateKey(key: string): boolean {
  const length = key.length;
  if (length === 0 || length > TRACE_STATE_MAX_KEY_LENGTH) return false;
  for (let i = 0; i < length; i++) {
    const c = key.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) continue; // lcalpha / DIGIT
    if (i === 0) return false;
    // "_" "-" "*" "/" "@"
    if (c === 0x5f || c === 0x2d || c === 0x2a || c === 0x2f || c === 0x40) continue;
    return false;
  }
  return true;
}

/**
 * True for a tracestate value (Trace Context §3.3.1.3.2): 1 to 256 printable ASCII characters
 * (0x20-0x7E) except `,` and `=`, not ending in a space. Leading spaces are part of the value.
 */
export function isValidTraceStateValue(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > TRACE_STATE_MAX_VALUE_LENGTH) return false;
  if (value.charCodeAt(length - 1) === CHAR_SPACE) return false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < CHAR_SPACE || c > CHAR_TILDE || c === CHAR_COMMA || c === CHAR_EQUALS) return false;
  }
  return true;
}

/**
 * Splits a combined tracestate header (fields already joined with `,` in order, RFC 9110 §5.3) into
 * its list-members (Trace Context §3.3.1.1). SP/HTAB around each member are ignored; empty and
 * whitespace-only members are allowed and skipped. Leading spaces of a value are kept; trailing ones
 * are optional whitespace and dropped (§3.3.1.3.2).
 *
 * `strict` decides what an invalid member does:
 * - `true` (extract): the whole header is invalid and `undefined` is returned, as the W3C harness
 *   expects at STRICT_LEVEL=2 for a key starting with `@`, a 257-character key, an empty value and
 *   more than 32 members (processing model §4.3 step 3: the vendor MAY discard the entire header).
 *   Other invalid members (`foo =1`, `foo.bar=1`, a tab in a value) are treated the same way, so one
 *   rule holds for every member that breaks the `list` grammar.
 * - `false` (inject of a TraceState built elsewhere): the invalid member is dropped and the rest kept,
 *   with no member limit (the caller applies the limits of {@link serializeTraceStateForWire}).
 *
 * Duplicate keys are legal input (§3.3.1.4); the left-most (most recent) member is kept and later ones
 * dropped, which the harness accepts (test_tracestate_duplicated_keys) and §3.5 allows. Never throws.
 */
export function parseTraceStateMembers(header: string, strict: boolean): TraceStateMember[] | undefined {
  const members: TraceStateMember[] = [];
  let count = 0; // non-empty list-members, repeated keys included
  const whole = eachListMember(header, (first, last) => {
    if (strict && ++count > TRACE_STATE_MAX_MEMBERS) return false;
    const equals = header.indexOf("=", first);
    const member =
      equals > first && equals <= last
        ? { key: header.slice(first, equals), value: header.slice(equals + 1, last + 1) }
        : undefined;
    // An invalid member: the whole header when strict, else that member alone.
    if (!member || !isValidTraceStateKey(member.key) || !isValidTraceStateValue(member.value)) return !strict;
    if (!hasKey(members, member.key)) members.push(member);
    return true;
  });
  return whole ? members : undefined;
}

/**
 * Calls `visit(first, last)` with the bounds (inclusive) of each non-empty list-member of a combined
 * tracestate header, left to right: split on `,`, SP/HTAB around each member left out, empty and
 * whitespace-only members skipped (Trace Context §3.3.1.1). Stops when `visit` returns false, and
 * returns whether every member was visited.
 */
function eachListMember(header: string, visit: (first: number, last: number) => boolean): boolean {
  const length = header.length;
  let first = 0;
  while (first < length) {
    // Empty and whitespace-only members, and the OWS before a member, skipped in one tight pass: a
    // megabyte of commas is one scan, not a million members each looked for and trimmed.
    const c = header.charCodeAt(first);
    if (c === CHAR_COMMA || isOws(c)) {
      first++;
      continue;
    }
    let end = header.indexOf(",", first);
    if (end === -1) end = length;
    let last = end - 1;
    while (isOws(header.charCodeAt(last))) last--; // stops at `first`, which is no OWS
    if (!visit(first, last)) return false;
    first = end + 1;
  }
  return true;
}

/**
 * The left-most member with key `key` of a header that {@link parseTraceStateMembers} discards whole
 * (strict), when that member is itself valid, the header has at most 32 non-empty members and each of
 * them is `key=value` in shape (a `=` after a non-empty key; the discard is then for a character a key
 * or value may not hold, an empty value, or a key over 256 characters or starting with `@`); else
 * `undefined`. For the Datadog-aware `tracecontext` style, which still reads its own vendor's `dd=`
 * member when another vendor's member breaks the grammar: dd-trace-js 5 drops a bad member alone and
 * keeps `dd=` (checked against dd-trace 5.132: `dd=s:1;o:synthetics,Bad Key=1,rojo=…` keeps priority
 * and origin; public case B14, open-telemetry/opentelemetry-java#876). More than 32 members discards
 * `dd=` too, as dd-trace-java `W3CPTagsCodec` discards such a header (docs/conformance.md). Never throws.
 */
export function memberOfDiscarded(header: string, key: string): TraceStateMember | undefined {
  let count = 0;
  let found: TraceStateMember | undefined;
  let seen = false;
  const whole = eachListMember(header, (first, last) => {
    if (++count > TRACE_STATE_MAX_MEMBERS) return false;
    const equals = header.indexOf("=", first);
    // Not key=value at all (no "=", an empty key): the list was not split where its writer split it (a
    // "," inside a value, a cut header), so the member of `key` may be a piece of one: none is kept.
    if (equals <= first || equals > last) return false;
    if (!seen && equals - first === key.length && header.startsWith(key, first)) {
      seen = true; // the left-most member of `key` is the one read, valid or not (§3.3.1.4)
      const value = header.slice(equals + 1, last + 1);
      if (isValidTraceStateValue(value)) found = { key, value };
    }
    return true;
  });
  return whole ? found : undefined;
}

/** Result of {@link canonicalTraceStateSize} for a header that needs the member-by-member parse. */
const NOT_CANONICAL = -1;

/** Key starts and ends of the members seen by {@link canonicalTraceStateSize} (scratch, no input kept). */
const keyBounds = new Int32Array(2 * TRACE_STATE_MAX_MEMBERS);

/**
 * The vendor key Datadog's tracers use (`dd=`; Datadog docs, "Propagating trace context"): tracehop's
 * Datadog-aware `tracecontext` style looks it up on every inject and extract, so
 * {@link canonicalTraceStateSize} notes where it is while it validates the keys anyway.
 */
export const DATADOG_MEMBER_KEY = "dd";
/** The two character codes of {@link DATADOG_MEMBER_KEY}, compared in place by the scan. */
const DD_KEY_CODE_0 = DATADOG_MEMBER_KEY.charCodeAt(0);
const DD_KEY_CODE_1 = DATADOG_MEMBER_KEY.charCodeAt(1);
/** Start of the `dd` member seen by the last {@link canonicalTraceStateSize} call, or -1 (scratch). */
let ddMemberStart = -1;

/**
 * Where the member with key {@link DATADOG_MEMBER_KEY} starts in the header of the last
 * {@link canonicalTraceStateSize} call that returned a size, or -1 when it has none. Read it right
 * after that call (it is scratch state, like the key bounds).
 */
export function lastDatadogMemberStart(): number {
  return ddMemberStart;
}

/**
 * The number of list-members of `header` when it is in canonical form, else {@link NOT_CANONICAL}.
 * Canonical: 1 to 32 members `key=value` joined by `,` with no whitespace around them and no empty
 * member, every key and value valid (Trace Context Level 2 §3.3.1.3) and no key repeated. That is
 * exactly the text `parseTraceStateMembers(header, true)` would re-serialise unchanged, so the header
 * can be kept as it is instead of being split. One pass over the characters, no allocation; anything
 * else (OWS, empty members, a duplicate, an invalid member, too many members) answers
 * {@link NOT_CANONICAL} and the caller uses {@link parseTraceStateMembers}, which decides. Never throws.
 */
export function canonicalTraceStateSize(header: string): number {
  const length = header.length;
  let count = 0;
  let pos = 0;
  ddMemberStart = -1;
  while (pos < length) {
    if (count === TRACE_STATE_MAX_MEMBERS) return NOT_CANONICAL;
    // key: (lcalpha / DIGIT) 0*255(keychar), then "="
    let c = header.charCodeAt(pos);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) return NOT_CANONICAL;
    let i = pos + 1;
    for (; i < length; i++) {
      c = header.charCodeAt(i);
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) continue;
      if (c === 0x5f || c === 0x2d || c === 0x2a || c === 0x2f || c === 0x40) continue;
      break;
    }
    if (i === length || c !== CHAR_EQUALS || i - pos > TRACE_STATE_MAX_KEY_LENGTH) return NOT_CANONICAL;
    const keyEnd = i;
    // value: 1 to 256 characters 0x20-0x7E except "," and "=", not ending in a space
    const valueStart = ++i;
    for (; i < length; i++) {
      c = header.charCodeAt(i);
      if (c === CHAR_COMMA) break;
      if (c < CHAR_SPACE || c > CHAR_TILDE || c === CHAR_EQUALS) return NOT_CANONICAL;
    }
    const valueLength = i - valueStart;
    if (valueLength === 0 || valueLength > TRACE_STATE_MAX_VALUE_LENGTH) return NOT_CANONICAL;
    if (header.charCodeAt(i - 1) === CHAR_SPACE) return NOT_CANONICAL;
    if (hasKeyRange(header, pos, keyEnd, count)) return NOT_CANONICAL;
    if (
      keyEnd - pos === DATADOG_MEMBER_KEY.length &&
      header.charCodeAt(pos) === DD_KEY_CODE_0 &&
      header.charCodeAt(pos + 1) === DD_KEY_CODE_1
    )
      ddMemberStart = pos;
    keyBounds[2 * count] = pos;
    keyBounds[2 * count + 1] = keyEnd;
    count++;
    if (i === length) return count;
    pos = i + 1; // past ","
    if (pos === length) return NOT_CANONICAL; // trailing empty member
  }
  return NOT_CANONICAL; // empty header
}

/** True when one of the first `count` keys in {@link keyBounds} equals `header[start, end)`. */
function hasKeyRange(header: string, start: number, end: number, count: number): boolean {
  const length = end - start;
  for (let k = 0; k < count; k++) {
    const otherStart = keyBounds[2 * k]!;
    if (keyBounds[2 * k + 1]! - otherStart !== length) continue;
    let j = 0;
    while (j < length && header.charCodeAt(otherStart + j) === header.charCodeAt(start + j)) j++;
    if (j === length) return true;
  }
  return false;
}

function hasKey(members: readonly TraceStateMember[], key: string): boolean {
  for (const member of members) if (member.key === key) return true;
  return false;
}

/**
 * The tracestate header to send for a TraceState, or `undefined` when there is nothing to send.
 *
 * Works on any implementation of @opentelemetry/api's `TraceState` (tracehop's `W3CTraceState`
 * (W3CTraceState.ts), @opentelemetry/core's, a vendor's): its `serialize()` output is re-read member by
 * member, invalid members and repeated keys are dropped, and then the Level 2 limits are applied:
 * - at most 32 list-members, removing from the right (Trace Context §3.3.1.1);
 * - at most {@link TRACE_STATE_MAX_LENGTH} characters, truncating whole entries only: entries longer
 *   than 128 characters are removed first (right-most first), then entries from the end (§3.3.1.5).
 *   @opentelemetry/core 2.12 truncates first-fit by size instead;
 * - an empty result is not sent (§3.3.1.1 "SHOULD avoid sending" empty headers); @opentelemetry/core
 *   2.12 sends `tracestate: ""`.
 *
 * `withoutKey`: a key whose member is left out (the Datadog-aware `tracecontext` style writes the
 * `dd` member itself, and a TraceState whose `get("dd")` found none may still serialise one, under a
 * key with OWS around it).
 *
 * Never throws: a `serialize()` that throws or returns a non-string yields `undefined`.
 */
export function serializeTraceStateForWire(
  traceState: TraceState | undefined,
  withoutKey?: string,
): string | undefined {
  if (!traceState) return undefined;
  let text: unknown;
  try {
    text = traceState.serialize();
  } catch {
    return undefined;
  }
  if (typeof text !== "string" || text.length === 0) return undefined;
  const members = parseTraceStateMembers(text, false);
  // Keys are unique here (repeats dropped): at most one member to take out, in place, no new array.
  if (members !== undefined && withoutKey !== undefined) {
    for (let i = 0; i < members.length; i++)
      if (members[i]!.key === withoutKey) {
        members.splice(i, 1);
        break;
      }
  }
  if (!members || members.length === 0) return undefined;
  if (members.length > TRACE_STATE_MAX_MEMBERS) members.length = TRACE_STATE_MAX_MEMBERS;
  return joinWithinLimit(members);
}

/** Joins members as `k=v,k=v`, truncating to {@link TRACE_STATE_MAX_LENGTH} in the order of §3.3.1.5. */
export function joinWithinLimit(members: TraceStateMember[]): string | undefined {
  let total = members.length - 1; // commas
  for (const m of members) total += m.key.length + 1 + m.value.length;
  if (total > TRACE_STATE_MAX_LENGTH) {
    members = members.slice();
    for (let i = members.length - 1; i >= 0 && total > TRACE_STATE_MAX_LENGTH; i--) {
      const size = members[i]!.key.length + 1 + members[i]!.value.length;
      if (size <= TRACE_STATE_LONG_ENTRY_LENGTH) continue;
      members.splice(i, 1);
      total -= size + (members.length > 0 ? 1 : 0);
    }
    while (total > TRACE_STATE_MAX_LENGTH && members.length > 0) {
      const m = members.pop()!;
      total -= m.key.length + 1 + m.value.length + (members.length > 0 ? 1 : 0);
    }
  }
  if (members.length === 0) return undefined;
  let out = "";
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    out += i === 0 ? `${m.key}=${m.value}` : `,${m.key}=${m.value}`;
  }
  return out;
}
