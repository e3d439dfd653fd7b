import { describeValue } from "../../describe-value.js";
import {
  DECISION_MAKER_TAG,
  PROPAGATED_TAG_PREFIX,
  TID_TAG,
  TRACE_SOURCE_TAG,
  UPSTREAM_SERVICES_TAG,
  isOtherPropagatedTag,
} from "./constants.js";
import {
  ALL_ZERO_HEX16,
  HEX16_LENGTH,
  hexClass16,
  NONZERO_HEX16,
  NOT_LOWER_HEX16,
  ZERO_HEX16,
} from "./ids.js";
import { isOws } from "../header-text.js";
import { hasWarned, warnOnce } from "../../warn-once.js";

/**
 * Codec of the `x-datadog-tags` header: `key=value` members joined by `,` (grammar of dd-trace-java
 * `DatadogPTagsCodec`; Datadog docs, "Propagating trace context").
 */

/** Result of {@link decodeTagsHeader}: the `_dd.p.*` tags kept, and the diagnostic if any. */
export interface DecodedTags {
  /** Full key names (`_dd.p.dm`), in header order. `_dd.p.tid` only when valid and non-zero. */
  tags: Record<string, string>;
  /**
   * `_dd.propagation_error` value (as dd-trace-java `PTagsCodec` and dd-trace-py set it):
   * `extract_max_size`, `decoding_error`, `malformed_tid <value>` or `disabled`; undefined when the
   * header was read cleanly.
   */
  error?: string;
}

const CHAR_SPACE = 0x20;
const CHAR_BANG = 0x21;
const CHAR_TILDE = 0x7e;
const CHAR_COMMA = 0x2c;
const CHAR_EQUALS = 0x3d;
const CHAR_MINUS = 0x2d;
const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_A_LOWER = 0x61;
const CHAR_F_LOWER = 0x66;
/** Hex digits before the `-` of a legacy decision maker (`<10 lowercase hex>-<digits>`). */
const LEGACY_DECISION_MAKER_HEX = 10;
/** `_dd.p.dm=` and `_dd.p.tid=`, built once. */
const DM_PREFIX = `${DECISION_MAKER_TAG}=`;
const TID_PREFIX = `${TID_TAG}=`;

/**
 * Key: printable ASCII 0x21-0x7E without `,` and `=` (dd-trace-java `DatadogPTagsCodec` eBNF). Not a
 * string (tags bound by untyped code): false, so that nothing of it is written.
 */
function isValidTagKey(key: unknown): key is string {
  if (typeof key !== "string" || key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < CHAR_BANG || code > CHAR_TILDE || code === CHAR_COMMA || code === CHAR_EQUALS) return false;
  }
  return true;
}

/**
 * Value: ASCII 0x20-0x7E without `,`; `=` allowed (dd-trace-java `DatadogPTagsCodec` eBNF). Empty is
 * invalid (dd-trace-java `DatadogPropagationTagsTest`). Not a string: false (an object's `toString`
 * could write anything, CR/LF included).
 */
function isValidTagValue(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < CHAR_SPACE || code > CHAR_TILDE || code === CHAR_COMMA) return false;
  }
  return true;
}

/**
 * True when `text[start, end)` is `-<digits>` or the legacy `<10 lowercase hex>-<digits>` (as
 * dd-trace-java `PTagsCodec.validateDecisionMakerTag` checks), checked in place.
 */
function isValidDecisionMaker(text: string, start: number, end: number): boolean {
  let i = start;
  if (end - start > LEGACY_DECISION_MAKER_HEX + 1 && text.charCodeAt(start) !== CHAR_MINUS) {
    for (; i < start + LEGACY_DECISION_MAKER_HEX; i++) {
      const code = text.charCodeAt(i);
      if (!((code >= CHAR_0 && code <= CHAR_9) || (code >= CHAR_A_LOWER && code <= CHAR_F_LOWER)))
        return false;
    }
  }
  if (text.charCodeAt(i) !== CHAR_MINUS || i + 1 === end) return false;
  for (i++; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < CHAR_0 || code > CHAR_9) return false;
  }
  return true;
}

/**
 * True when `value` is text that is a decision maker: `-<digits>` or the legacy
 * `<10 lowercase hex>-<digits>` (dd-trace-java `PTagsCodec.validateDecisionMakerTag`; Datadog
 * `SamplingMechanism`); false for anything else, a value that is no string included (tags bound by
 * untyped code). Never throws.
 */
export function isDecisionMaker(value: unknown): value is string {
  return typeof value === "string" && isValidDecisionMaker(value, 0, value.length);
}

/** Process warning code (and once-per-process key) of {@link warnDecisionMakerLeftOut}. */
export const DECISION_MAKER_NOT_INJECTED_WARNING = "TRACEHOP_DECISION_MAKER_NOT_INJECTED";

/** Process warning code (and once-per-process key) of {@link warnUpstreamServicesLeftOut}. */
export const UPSTREAM_SERVICES_NOT_INJECTED_WARNING = "TRACEHOP_UPSTREAM_SERVICES_NOT_INJECTED";

/**
 * Internal: says that the injected headers carry no `_dd.p.dm` (neither `x-datadog-tags` nor the `dd=`
 * member's `t.dm`) because `value` is no decision maker ({@link isDecisionMaker}); the other tags are
 * still sent. Once per process ({@link DECISION_MAKER_NOT_INJECTED_WARNING}: `diag.warn` and the process
 * warning), naming the first such value: only the caller's own code sets one (extraction drops it), on
 * every span it starts, so each inject saying it again would only repeat it. Nothing is quoted after the
 * first. Never throws.
 */
export function warnDecisionMakerLeftOut(value: unknown): void {
  if (hasWarned(DECISION_MAKER_NOT_INJECTED_WARNING)) return;
  warnOnce(
    DECISION_MAKER_NOT_INJECTED_WARNING,
    `tracehop: _dd.p.dm ${describeValue(value)} not injected: a decision maker is "-" and the sampling mechanism's digits (e.g. "-4"), ` +
      `and dd-trace-java drops every tag of an x-datadog-tags holding another; the other tags are still sent. ` +
      `Give setDatadogContext's propagationTags a decision maker, or none. (Said once per process.)`,
    DECISION_MAKER_NOT_INJECTED_WARNING,
  );
}

/**
 * Internal: says that the injected headers carry no `_dd.p.upstream_services` (neither `x-datadog-tags`
 * nor the `dd=` member's `t.upstream_services`): Datadog deprecated it, dd-trace-java and dd-trace-py drop
 * it on extract (`PTagsCodec.UPSTREAM_SERVICES_DEPRECATED_TAG`, `_X_DATADOG_TAGS_EXTRACT_REJECT`), and so
 * does the reader here; the other tags are still sent. Once per process
 * ({@link UPSTREAM_SERVICES_NOT_INJECTED_WARNING}), as {@link warnDecisionMakerLeftOut}. Never throws.
 */
export function warnUpstreamServicesLeftOut(): void {
  warnOnce(
    UPSTREAM_SERVICES_NOT_INJECTED_WARNING,
    UPSTREAM_SERVICES_LEFT_OUT,
    UPSTREAM_SERVICES_NOT_INJECTED_WARNING,
  );
}

/** What {@link warnUpstreamServicesLeftOut} says, built once. */
const UPSTREAM_SERVICES_LEFT_OUT =
  `tracehop: ${UPSTREAM_SERVICES_TAG} not injected: Datadog deprecated it, and dd-trace-java and dd-trace-py drop it when they read it; ` +
  `the other tags are still sent. Leave it out of setDatadogContext's propagationTags. (Said once per process.)`;

/**
 * The constant of a tag name Datadog always sends (`_dd.p.dm`, `_dd.p.tid`) when `text` holds exactly
 * that name from `start` to `end`, else `undefined`. A key sliced from the header is a new string
 * that V8 must intern before it can name a property; the constant already is.
 */
function knownTagKey(text: string, start: number, end: number): string | undefined {
  const length = end - start;
  if (length === DECISION_MAKER_TAG.length && text.startsWith(DECISION_MAKER_TAG, start))
    return DECISION_MAKER_TAG;
  if (length === TID_TAG.length && text.startsWith(TID_TAG, start)) return TID_TAG;
  return undefined;
}

/**
 * Decodes an `x-datadog-tags` value (several repeated headers already joined with `,`; spaces or tabs
 * after a comma, as Node's `req.headers` joins repeated fields with `", "`, are skipped).
 *
 * - Over `maxLength` characters (compared with `>`), or `maxLength` 0: no tags (dd-trace-js
 *   `_extractTags`, `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`).
 * - Any malformed member (key-only, empty key or value, empty member, space or non-ASCII) drops
 *   every tag, never a partial parse; one trailing comma is tolerated (dd-trace-java
 *   `DatadogPTagsCodec`, dd-trace-py `decode_tagset_string`).
 * - Keys without the `_dd.p.` prefix and the deprecated `_dd.p.upstream_services` are skipped
 *   (as dd-trace-java and dd-trace-py do), and so is `_dd.p.` itself, a prefix with no tag name
 *   (dd-trace-js `_extractTags` requires a character after the prefix, `tagKeyExpr`; a `dd=` member's
 *   `t.` names no tag either).
 * - A `_dd.p.tid` that is not 16 lowercase hex is dropped alone; an all-zero one too (Datadog
 *   system-tests `test_datadog_128_bit_propagation_tid_*`; dd-trace-py `_higher_order_is_valid`).
 * - A malformed `_dd.p.dm` is dropped alone (dd-trace-py `validate_sampling_decision`).
 * Never throws.
 */
export function decodeTagsHeader(header: string | undefined, maxLength: number): DecodedTags {
  const tags: Record<string, string> = {};
  if (header === undefined || header.length === 0) return { tags };
  if (maxLength <= 0) return { tags, error: "disabled" };
  if (header.length > maxLength) return { tags, error: "extract_max_size" };
  let error: string | undefined;
  let start = 0;
  const end = header.charCodeAt(header.length - 1) === CHAR_COMMA ? header.length - 1 : header.length;
  // One pass over the header's characters: each member is validated in place (the grammar above),
  // and only the kept values are sliced out.
  while (start <= end) {
    // After a comma, the optional white space of a header repeated and joined as Node's `req.headers`
    // joins it (`", "`): no key starts with it, so skipping it changes no valid header.
    if (start > 0) while (start < end && isOws(header.charCodeAt(start))) start++;
    // The two tags every Datadog trace carries, recognised by their constant `key=` start: a valid
    // value is read without scanning the key (what the general path below decides for them too).
    // Anything else about them (a bad character, a malformed value) takes the general path.
    if (header.startsWith(TID_PREFIX, start)) {
      const valueStart = start + TID_PREFIX.length;
      const valueEnd = valueStart + HEX16_LENGTH; // `_dd.p.tid`: 16 lowercase hex digits
      if (valueEnd === end || (valueEnd < end && header.charCodeAt(valueEnd) === CHAR_COMMA)) {
        const hex = hexClass16(header, valueStart, valueEnd);
        if (hex !== NOT_LOWER_HEX16) {
          if (hex === NONZERO_HEX16) tags[TID_TAG] = header.slice(valueStart, valueEnd);
          start = valueEnd + 1;
          continue;
        }
      }
    } else if (header.startsWith(DM_PREFIX, start)) {
      const valueStart = start + DM_PREFIX.length;
      let valueEnd = header.indexOf(",", valueStart);
      if (valueEnd < 0 || valueEnd > end) valueEnd = end;
      if (valueEnd > valueStart && isValidDecisionMaker(header, valueStart, valueEnd)) {
        tags[DECISION_MAKER_TAG] = header.slice(valueStart, valueEnd);
        start = valueEnd + 1;
        continue;
      }
    }
    // Key: 1+ characters 0x21-0x7E up to the first "=" (a "," first, or the end, is malformed).
    let i = start;
    let code = 0;
    for (; i < end; i++) {
      code = header.charCodeAt(i);
      if (code === CHAR_EQUALS || code === CHAR_COMMA || code < CHAR_BANG || code > CHAR_TILDE) break;
    }
    if (i === start || i === end || code !== CHAR_EQUALS) return { tags: {}, error: "decoding_error" };
    const eq = i;
    // Value: 1+ characters 0x20-0x7E up to the next "," or the end; "=" allowed.
    for (i = eq + 1; i < end; i++) {
      code = header.charCodeAt(i);
      if (code === CHAR_COMMA) break;
      if (code < CHAR_SPACE || code > CHAR_TILDE) return { tags: {}, error: "decoding_error" };
    }
    if (i === eq + 1) return { tags: {}, error: "decoding_error" };
    const keyStart = start;
    const valueEnd = i;
    start = i + 1;
    // A `_dd.p.` key with no name after the prefix names no tag: skipped like a key outside `_dd.p.*`.
    if (eq - keyStart <= PROPAGATED_TAG_PREFIX.length || !header.startsWith(PROPAGATED_TAG_PREFIX, keyStart))
      continue;
    const key = knownTagKey(header, keyStart, eq) ?? header.slice(keyStart, eq);
    if (key === UPSTREAM_SERVICES_TAG) continue;
    if (key === TID_TAG) {
      const hex = hexClass16(header, eq + 1, valueEnd);
      if (hex === NOT_LOWER_HEX16) {
        error = `malformed_tid ${header.slice(eq + 1, valueEnd)}`;
        continue;
      }
      if (hex === ALL_ZERO_HEX16) continue;
    } else if (key === DECISION_MAKER_TAG && !isValidDecisionMaker(header, eq + 1, valueEnd)) {
      error = "decoding_error";
      continue;
    }
    tags[key] = header.slice(eq + 1, valueEnd);
  }
  return error === undefined ? { tags } : { tags, error };
}

/**
 * Encodes the `x-datadog-tags` header: the `_dd.p.*` tags of `tags` (other keys and any
 * `_dd.p.tid` in `tags` are ignored) plus `_dd.p.tid=<high>` when `high` (16 lowercase hex, the upper
 * 64 bits of a validated trace id; the caller guarantees it) is not all zero (dd-trace-js
 * `_injectDatadog`). Order: dm, tid, ts, then the others (dd-trace-java `PTagsCodec.headerValue`).
 * A `_dd.p.dm` that is no decision maker (`-<digits>` or `<10 lowercase hex>-<digits>`) is left out
 * alone, said once per process (`TRACEHOP_DECISION_MAKER_NOT_INJECTED`): dd-trace-java drops a whole
 * header that holds one (`decoding_error`, `PTagsCodec.validateDecisionMakerTag`), `_dd.p.tid` included,
 * and the reader here drops it alone. The deprecated `_dd.p.upstream_services` is left out alone too,
 * whatever its value, said once per process (`TRACEHOP_UPSTREAM_SERVICES_NOT_INJECTED`): the reader here
 * skips it, as dd-trace-java and dd-trace-py do (dd-trace-java never writes it).
 * When any other tag key or value is invalid, or the header would exceed `maxLength` characters, no tag of
 * `tags` is sent (as dd-trace-js `_injectTags` and dd-trace-py's `encoding_error` drop them: nothing is
 * truncated), said once per process and kind (`TRACEHOP_DATADOG_TAG_INVALID`,
 * `TRACEHOP_DATADOG_TAGS_OVER_LIMIT`: a silent drop is hard to diagnose, DataDog/dd-trace-go#2847), naming
 * the first offending tag or length (docs/warnings.md); the header is then `_dd.p.tid=<high>` alone when
 * `high` is not all zero and that fits `maxLength`, else `undefined`. The tid is not one of the trace's tags but the upper half of the span's own trace
 * id: without it every Datadog reader rebuilds a 64-bit id that no longer matches the 128-bit
 * `traceparent` beside it, and continues another trace (dd-trace-js drops it with the tags: a
 * difference docs/conformance.md states).
 */
export function encodeTagsHeader(
  tags: Readonly<Record<string, string>> | undefined,
  high: string,
  maxLength: number,
): string | undefined {
  if (maxLength <= 0) return undefined;
  let header = "";
  // dd-trace-java's order: dm, tid, ts, then the others (`PTagsCodec.headerValue`).
  // The fixed keys are valid constants; `high` is hex (a validated trace id half): only the values
  // that come from the stored tags are checked.
  // A `_dd.p.dm` that is no decision maker is left out alone, as the reader drops it alone: dd-trace-java
  // would drop the whole header for it, `_dd.p.tid` included (`PTagsCodec.validateDecisionMakerTag`).
  const dm = tags?.[DECISION_MAKER_TAG];
  if (dm !== undefined) {
    if (isDecisionMaker(dm)) header = DM_PREFIX + dm;
    else warnDecisionMakerLeftOut(dm);
  }
  if (high !== ZERO_HEX16) header += header.length === 0 ? TID_PREFIX + high : "," + TID_PREFIX + high;
  // The deprecated `_dd.p.upstream_services` is left out alone too, as the reader skips it (the loop
  // below passes over it: `isOtherPropagatedTag`).
  if (tags?.[UPSTREAM_SERVICES_TAG] !== undefined) warnUpstreamServicesLeftOut();
  if (tags) {
    const ts = tags[TRACE_SOURCE_TAG];
    if (ts !== undefined) {
      if (!isValidTag(TRACE_SOURCE_TAG, ts))
        return tagsLeftOut(high, maxLength, invalidTag(TRACE_SOURCE_TAG, ts));
      header += header.length === 0 ? TRACE_SOURCE_TAG + "=" + ts : "," + TRACE_SOURCE_TAG + "=" + ts;
    }
    for (const key in tags) {
      if (!Object.prototype.hasOwnProperty.call(tags, key)) continue;
      if (!isOtherPropagatedTag(key)) continue;
      const value = tags[key];
      if (!isValidTag(key, value)) return tagsLeftOut(high, maxLength, invalidTag(key, value));
      header += header.length === 0 ? `${key}=${value}` : `,${key}=${value}`;
    }
  }
  if (header.length === 0) return undefined;
  if (header.length > maxLength) return tagsLeftOut(high, maxLength, overLimit(header.length, maxLength));
  return header;
}

/** True for a valid tag key and value. */
function isValidTag(key: string, value: string): boolean {
  return isValidTagKey(key) && isValidTagValue(value);
}

/** Process warning code (and once-per-process key) of an invalid tag left out ({@link invalidTag}). */
export const DATADOG_TAG_INVALID_WARNING = "TRACEHOP_DATADOG_TAG_INVALID";

/** Process warning code (and once-per-process key) of tags over the limit ({@link overLimit}). */
export const DATADOG_TAGS_OVER_LIMIT_WARNING = "TRACEHOP_DATADOG_TAGS_OVER_LIMIT";

/** Why {@link encodeTagsHeader} sends no tag of a trace, and the process warning code that says it. */
interface LeftOut {
  code: string;
  /** The reason, built only when it is said (the first time per process and code). */
  reason: () => string;
}

/**
 * An invalid tag: the tag, as given, quoted by the rule every warning quotes a value with
 * (`describeValue`: text escaped and cut at 40 characters, an object named by its kind and never
 * converted, a bigint as written, which JSON text cannot hold), and the grammar it breaks.
 */
function invalidTag(key: unknown, value: unknown): LeftOut {
  return {
    code: DATADOG_TAG_INVALID_WARNING,
    reason: () =>
      `invalid tag ${describeValue(key)}=${describeValue(value)}: a key is printable ASCII without spaces, "," or "=", ` +
      `a value non-empty printable ASCII text without "," (Datadog's x-datadog-tags grammar). ` +
      `Fix setDatadogContext's propagationTags.`,
  };
}

/** A header of `length` characters over `maxLength` (dd-trace-js and dd-trace-py's `inject_max_size`). */
function overLimit(length: number, maxLength: number): LeftOut {
  return {
    code: DATADOG_TAGS_OVER_LIMIT_WARNING,
    reason: () =>
      `${length} characters exceed the limit of ${maxLength} (DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH); ids, priority and origin ` +
      `are still propagated (inject_max_size). Keep fewer or shorter _dd.p.* tags, or raise the limit ` +
      `(DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH, the tagsMaxLength option).`,
  };
}

/**
 * What {@link encodeTagsHeader} sends when the trace's tags cannot be: `_dd.p.tid=<high>` alone when
 * `high` is not all zero and it fits `maxLength`, else nothing. Says which, and why (`why`), once per
 * process and kind (`diag.warn` and the process warning `why.code`: {@link DATADOG_TAG_INVALID_WARNING},
 * {@link DATADOG_TAGS_OVER_LIMIT_WARNING}), naming the first offending tag or length: the tags are the
 * application's own (`setDatadogContext`'s `propagationTags`, set the same way on every request; extraction
 * keeps only tags of the grammar, within the limit, so an extracted trace goes over it only by the
 * `_dd.p.tid` or `_dd.p.dm` injection adds) and the limit its setting, so each trace's first inject would
 * only say it again. Nothing is built or said after the first. Never throws.
 */
function tagsLeftOut(high: string, maxLength: number, why: LeftOut): string | undefined {
  const header =
    high !== ZERO_HEX16 && TID_PREFIX.length + high.length <= maxLength ? TID_PREFIX + high : undefined;
  if (!hasWarned(why.code))
    warnOnce(
      why.code,
      (header === undefined
        ? "tracehop: x-datadog-tags not injected: "
        : "tracehop: x-datadog-tags carries _dd.p.tid alone, the trace id's upper 64 bits; its other tags not injected: ") +
        why.reason() +
        " (Said once per process.)",
      why.code,
    );
  return header;
}
