import type { TraceState } from "@opentelemetry/api";
import { TRACE_STATE_MAX_LENGTH, TRACE_STATE_MAX_MEMBERS } from "./constants.js";
import {
  canonicalTraceStateSize,
  DATADOG_MEMBER_KEY,
  lastDatadogMemberStart,
  memberOfDiscarded,
  isValidTraceStateKey,
  isValidTraceStateValue,
  joinWithinLimit,
  parseTraceStateMembers,
  type TraceStateMember,
} from "./tracestate.js";

/** `=` between a tracestate key and its value (Trace Context §3.3.1.3). */
const CHAR_EQUALS = 0x3d;
/** `,` between tracestate list-members (Trace Context §3.3.1.1). */
const CHAR_COMMA = 0x2c;

/**
 * An immutable W3C tracestate list that implements `@opentelemetry/api`'s `TraceState` with the
 * Level 2 rules. tracehop's own because `@opentelemetry/core` 2.12's `TraceState` validates keys with
 * the Level 1 grammar, keeps the first 32 members of a longer list instead of discarding it, and
 * drops one bad member where the w3c/trace-context test suite at STRICT_LEVEL=2 expects the whole
 * header gone (`test_tracestate_key_illegal_vendor_format`, `..._member_count_limit`,
 * `..._key_length_limit`, `..._value_illegal_characters`).
 *
 * - Order is the header order: index 0 is the left-most (most recent) member (Trace Context §3.3.1.4).
 * - `set(key, value)` puts the member first and removes any earlier member with that key (§3.5 "Modified
 *   keys MUST be moved to the beginning"); a 33rd member pushes out the right-most one (§3.3.1.1). An
 *   invalid key or value leaves the list unchanged (returns `this`), as `@opentelemetry/core` does.
 * - `serialize()` writes every member as `key=value` joined by `,` with no whitespace; it is `""` for
 *   an empty list. The 512-character wire limit is applied on inject, see {@link W3CTraceState.wireValue}.
 *
 * Holds any member, including the Datadog `dd=` member, where Datadog's tracers keep the fields
 * OpenTelemetry's SpanContext has no slot for (sampling priority, origin, `_dd.p.*` tags).
 */
export class W3CTraceState implements TraceState {
  /** The members; for a list read from a canonical header, split from `_serialized` on first need. */
  private _members: readonly TraceStateMember[] | undefined;
  /** Number of members (known before `_members` is split). */
  private readonly _size: number;
  /** For a list kept as canonical text: where its `dd` member starts in it, or -1. */
  private readonly _ddAt: number;
  private _serialized: string | undefined;
  private _wire: string | null | undefined;
  private static readonly _empty = new W3CTraceState([]);

  /**
   * Not for use: a list comes from {@link W3CTraceState.fromHeader} (a header's text),
   * {@link W3CTraceState.fromMembers} (members to check) or {@link W3CTraceState.empty}.
   */
  private constructor(
    members: readonly TraceStateMember[] | undefined,
    text?: string,
    size?: number,
    ddAt = -1,
  ) {
    // Builds a list from members that are already valid, or (`members` undefined) from a canonical
    // header `text` of `size` members (canonicalTraceStateSize): then `text` is the serialisation and
    // members are split only when a method needs them.
    this._members = members;
    this._serialized = text;
    this._size = members !== undefined ? members.length : size!;
    this._ddAt = ddAt;
  }

  /** The members, split from the canonical header text on first use. */
  private _list(): readonly TraceStateMember[] {
    let members = this._members;
    if (members === undefined) {
      const text = this._serialized!;
      const list: TraceStateMember[] = [];
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf(",", start);
        if (end === -1) end = text.length;
        const equals = text.indexOf("=", start);
        list.push({ key: text.slice(start, equals), value: text.slice(equals + 1, end) });
        start = end + 1;
      }
      members = this._members = list;
    }
    return members;
  }

  /**
   * Start of the member whose key is `key` in the canonical text (or -1), without splitting it:
   * `key` then `=` inside one member.
   */
  private _findInText(text: string, key: string): number {
    // The Datadog member's place was noted when the text was validated (looked up on every inject).
    if (key === DATADOG_MEMBER_KEY) return this._ddAt;
    const keyLength = key.length;
    if (keyLength === 0) return -1;
    // Native search for the key; a hit counts only at a member start (the text has no OWS) and
    // followed by "=" inside that member.
    for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) {
      if (at !== 0 && text.charCodeAt(at - 1) !== CHAR_COMMA) continue;
      if (text.charCodeAt(at + keyLength) !== CHAR_EQUALS) continue;
      const comma = text.indexOf(",", at);
      if (comma === -1 || at + keyLength < comma) return at;
    }
    return -1;
  }

  /** An empty list. */
  static empty(): W3CTraceState {
    return W3CTraceState._empty;
  }

  /**
   * Parses a combined tracestate header value (repeated fields joined with `,` in order). Returns
   * `undefined` when the header breaks the Level 2 `list` grammar (an invalid key or value, more than
   * 32 members): the whole header is discarded, as the W3C harness requires at STRICT_LEVEL=2
   * (processing model §4.3 step 3). Empty and whitespace-only members are skipped (§3.3.1.1); a repeated
   * key keeps its left-most member. Never throws.
   */
  static fromHeader(header: string): W3CTraceState | undefined {
    if (typeof header !== "string") return undefined;
    // Usual case: a header already in canonical form is kept as its own serialisation, unsplit.
    const size = canonicalTraceStateSize(header);
    if (size > 0) return new W3CTraceState(undefined, header, size, lastDatadogMemberStart());
    const members = parseTraceStateMembers(header, true);
    if (!members) return undefined;
    return members.length ? new W3CTraceState(members) : W3CTraceState._empty;
  }

  /**
   * Internal: {@link W3CTraceState.fromHeader}, except that from a header it discards, the member of
   * vendor key `key` is kept alone when it is valid and the header has at most 32 members
   * ({@link memberOfDiscarded}, which gives the Datadog behaviour this matches). The Datadog-aware
   * `tracecontext` style passes `dd`, so that another vendor's bad member does not cost Datadog's
   * sampling priority and origin. Never throws.
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  static fromHeaderKeeping(header: string, key: string): W3CTraceState | undefined {
    const traceState = W3CTraceState.fromHeader(header);
    if (traceState !== undefined || typeof header !== "string") return traceState;
    const kept = memberOfDiscarded(header, key);
    return kept === undefined ? undefined : new W3CTraceState([kept]);
  }

  /**
   * Builds a list from `{ key, value }` pairs in header order (left-most first). Invalid pairs and
   * repeated keys (after the first) are skipped; members past the 32nd are dropped (§3.3.1.1). Never
   * throws, as `fromHeader` and the mutators answer bad input quietly: `members` that is not iterable
   * (`null`, a plain object) gives the empty list, an entry that is not an object with string `key`
   * and `value` (`null`, `"a=1"`, a throwing getter) is skipped, and an iterator that throws ends the
   * list with the members read before it.
   */
  static fromMembers(members: Iterable<{ key: string; value: string }>): W3CTraceState {
    const out: TraceStateMember[] = [];
    try {
      for (const member of members) {
        if (out.length === TRACE_STATE_MAX_MEMBERS) break;
        const pair = memberPair(member);
        if (pair === undefined || out.some((m) => m.key === pair.key)) continue;
        out.push(pair);
      }
    } catch {
      // not iterable, or an iterator that throws: the members read so far
    }
    return out.length ? new W3CTraceState(out) : W3CTraceState._empty;
  }

  /** Number of list-members. */
  get size(): number {
    return this._size;
  }

  /** The list-members in header order (left-most first); a fresh array each call. */
  members(): TraceStateMember[] {
    return this._list().map((m) => ({ key: m.key, value: m.value }));
  }

  set(key: string, value: string): W3CTraceState {
    if (typeof key !== "string" || typeof value !== "string") return this;
    if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return this;
    const members: TraceStateMember[] = [{ key, value }];
    for (const m of this._list()) {
      if (m.key !== key) members.push(m);
    }
    if (members.length > TRACE_STATE_MAX_MEMBERS) members.length = TRACE_STATE_MAX_MEMBERS;
    return new W3CTraceState(members);
  }

  unset(key: string): W3CTraceState {
    const list = this._list();
    const index = list.findIndex((m) => m.key === key);
    if (index === -1) return this;
    const members = list.slice();
    members.splice(index, 1);
    return members.length ? new W3CTraceState(members) : W3CTraceState._empty;
  }

  get(key: string): string | undefined {
    const members = this._members;
    if (members === undefined) {
      if (typeof key !== "string") return undefined;
      const text = this._serialized!;
      const start = this._findInText(text, key);
      if (start === -1) return undefined;
      const end = text.indexOf(",", start);
      return text.slice(start + key.length + 1, end === -1 ? text.length : end);
    }
    for (const m of members) if (m.key === key) return m.value;
    return undefined;
  }

  serialize(): string {
    if (this._serialized === undefined) {
      const members = this._list();
      let out = "";
      for (let i = 0; i < members.length; i++) {
        const m = members[i]!;
        out += i === 0 ? `${m.key}=${m.value}` : `,${m.key}=${m.value}`;
      }
      this._serialized = out;
    }
    return this._serialized;
  }

  /**
   * The header value {@link W3CTraceState.wireValue} gives for `this.unset(key).set(key, value)`,
   * computed without building that list: `key=value` first (when the pair is valid; else it is left
   * out, as `set` leaves the list unchanged), then the other members in order, at most 32 in all
   * (§3.5, §3.3.1.1), truncated to 512 characters in the order of §3.3.1.5; `undefined` when nothing
   * remains. Never throws.
   */
  wireValueWith(key: string, value: string): string | undefined {
    const valid =
      typeof key === "string" &&
      typeof value === "string" &&
      isValidTraceStateKey(key) &&
      isValidTraceStateValue(value);
    return this.wireValueWithPair(key, value, valid);
  }

  /**
   * Internal: {@link W3CTraceState.wireValueWith} for a pair whose validity (§3.3.1.3) the caller
   * already knows: `valid` true puts `key=value` first without scanning them again, false leaves the
   * pair out. Used on every inject of the Datadog-aware `tracecontext` style, whose `dd=` member value
   * is valid by construction.
   * @internal Left out of the published declarations (tsconfig.build.json `stripInternal`).
   */
  wireValueWithPair(key: string, value: string, valid: boolean): string | undefined {
    if (this._members === undefined && typeof key === "string") {
      // Canonical text: drop the member with `key` by slicing around it, no split.
      const text = this._serialized!;
      const start = this._findInText(text, key);
      const others = start === -1 ? this._size : this._size - 1;
      if (!valid || others < TRACE_STATE_MAX_MEMBERS) {
        let rest: string;
        if (start === -1) {
          rest = text;
        } else {
          const comma = text.indexOf(",", start);
          if (comma === -1) rest = start === 0 ? "" : text.slice(0, start - 1);
          else rest = start === 0 ? text.slice(comma + 1) : text.slice(0, start) + text.slice(comma + 1);
        }
        const out = valid ? (rest === "" ? key + "=" + value : key + "=" + value + "," + rest) : rest;
        if (out.length <= TRACE_STATE_MAX_LENGTH) return out === "" ? undefined : out;
      }
    }
    let out = valid ? key + "=" + value : "";
    let count = valid ? 1 : 0;
    const members = this._list();
    for (let i = 0; i < members.length && count < TRACE_STATE_MAX_MEMBERS; i++) {
      const m = members[i]!;
      if (m.key === key) continue;
      out += count === 0 ? m.key + "=" + m.value : "," + m.key + "=" + m.value;
      count++;
    }
    if (out.length <= TRACE_STATE_MAX_LENGTH) return count === 0 ? undefined : out;
    // Over the wire limit (rare): truncate whole entries in the order of §3.3.1.5.
    const list: TraceStateMember[] = valid ? [{ key, value }] : [];
    for (const m of members) {
      if (list.length === TRACE_STATE_MAX_MEMBERS) break;
      if (m.key !== key) list.push(m);
    }
    return joinWithinLimit(list);
  }

  /**
   * The header value to send: the list truncated to 512 characters in the order of Trace Context
   * §3.3.1.5 (entries over 128 characters first, then from the right), or `undefined` when the list is
   * empty (§3.3.1.1: avoid sending an empty tracestate). Computed once per instance.
   */
  wireValue(): string | undefined {
    // A canonical header within the length limit is sent as it is (no copy, nothing memoised).
    if (this._members === undefined && this._serialized!.length <= TRACE_STATE_MAX_LENGTH)
      return this._serialized;
    if (this._wire === undefined) this._wire = joinWithinLimit(this._list().slice()) ?? null;
    return this._wire ?? undefined;
  }
}

/**
 * The valid list-member of one entry given to `W3CTraceState.fromMembers`: its `key` and `value` read
 * once each, both strings of the Level 2 grammar; `undefined` for anything else (not an object, an
 * invalid key or value, a getter that throws). Never throws.
 */
function memberPair(member: unknown): TraceStateMember | undefined {
  if (typeof member !== "object" || member === null) return undefined;
  try {
    const { key, value } = member as { key: unknown; value: unknown };
    if (typeof key !== "string" || typeof value !== "string") return undefined;
    return isValidTraceStateKey(key) && isValidTraceStateValue(value) ? { key, value } : undefined;
  } catch {
    return undefined;
  }
}
