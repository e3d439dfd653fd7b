// Why the Datadog style drops an `x-datadog-tags` header in part or whole, in words: said by
// `tracehop inspect` (src/cli/inspect.ts) and by the warning of a restore whose trace id lost its upper
// half (src/context/carrier-rejected.ts). `decodeTagsHeader` decides; this only says why.
import { quoteValue } from "../../describe-value.js";
import { DECISION_MAKER_TAG } from "./constants.js";
import { decodeTagsHeader, isDecisionMaker } from "./tags.js";
import { isPrintableAscii } from "../header-text.js";
import { unprintableNote } from "../rejection-reasons.js";

/** The `x-datadog-tags` length limit a Datadog style was given, and where it came from, for a reason. */
export interface TagsLimitText {
  /** In characters; 0 turns tag propagation off. */
  maxLength: number;
  /** Where it came from: `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH=100 here`, or the default and why. */
  source: string;
}

/**
 * A value of the header quoted in a reason (`quoteValue`): JSON text, cut past 80 characters as
 * `"<head>"… (<length> characters)` (its length kept: a cut inside the quotes lost it, and a warning's
 * own cut then counted the cut text).
 */
function shown(text: string): string {
  return quoteValue(text);
}

/** The start of an `x-datadog-tags` member holding the decision maker: `_dd.p.dm=`. */
const DM_MEMBER_PREFIX = `${DECISION_MAKER_TAG}=`;

/**
 * What the Datadog style does with an `x-datadog-tags` header that `decodeTagsHeader` reports `error`
 * for (its `_dd.propagation_error` value), in words: the header dropped whole (over the length limit,
 * or a member that breaks the `key=value` grammar) or one tag dropped (a `_dd.p.tid` that is not 16
 * lowercase hex digits; a `_dd.p.dm` that is not a decision maker, with the two forms one is, as
 * dd-trace-java `PTagsCodec.validateDecisionMakerTag` checks them), `limit` being the length limit
 * the Datadog style was given (0: tag propagation off), and `consequence` what it means for the
 * context (the style's context stays valid; the end of the sentence).
 */
export function describeTagsError(
  error: string,
  header: string,
  limit: TagsLimitText,
  consequence: string,
): string {
  const kept = `; ${consequence}`;
  if (error === "extract_max_size")
    return (
      `x-datadog-tags dropped whole: ${header.length} characters, over the limit of ${limit.maxLength} ` +
      `(${limit.source}; Datadog's tracers drop it whole too, never truncate it)${kept}`
    );
  if (error === "disabled")
    return `x-datadog-tags ignored: the limit is 0 (${limit.source}): tag propagation is off${kept}`;
  if (error.startsWith("malformed_tid ")) {
    const tid = error.slice("malformed_tid ".length);
    return (
      `x-datadog-tags: _dd.p.tid ${shown(tid)} is not 16 lower-case hex digits` +
      `${unprintableNote(tid)}, so it is dropped and the other tags kept${kept}`
    );
  }
  // A bad _dd.p.dm is dropped alone when it keeps the key=value grammar (a value, of characters
  // 0x20-0x7E) and the header decodes cleanly without it. A member may follow the white space a joined
  // header puts after its comma, which the decoder skips.
  const members = header.split(",").map((member) => ({ member, text: member.replace(/^[ \t]+/, "") }));
  const dm = members
    .filter(({ text }) => text.startsWith(DM_MEMBER_PREFIX))
    .map(({ text }) => text.slice(DM_MEMBER_PREFIX.length));
  const bad = dm.find((value) => !isDecisionMaker(value));
  const withoutDm = members
    .filter(({ text }) => !text.startsWith(DM_MEMBER_PREFIX))
    .map(({ member }) => member);
  if (
    bad !== undefined &&
    dm.every((value) => value !== "" && isPrintableAscii(value)) &&
    decodeTagsHeader(withoutDm.join(","), limit.maxLength).error === undefined
  )
    return (
      `x-datadog-tags: _dd.p.dm ${shown(bad)} is not a decision maker, which is -<digits> (the sampling mechanism, ` +
      `as in -4) or the legacy <10 lowercase hex digits of a service hash>-<digits> (as in 934086a686-4), so it ` +
      `is dropped and the other tags kept${kept}`
    );
  return (
    "x-datadog-tags dropped whole: a member breaks the key=value grammar (an empty key, an empty value, no =, " +
    "a space in a key, or a character outside printable ASCII) " +
    `(docs/conformance.md, "Datadog propagation: where tracehop differs from dd-trace-js")` +
    `${unprintableNote(header)}${kept}`
  );
}
