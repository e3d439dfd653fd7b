import { characterName } from "./propagation/rejection-reasons.js";

/**
 * A control character (C0, DEL, C1: Unicode general category Cc) or a surrogate that is not half of a
 * pair: the first one in a string.
 */
const UNCLEAN_CHARACTER =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Internal: where `text`, an option written in code that is exported as is (a service name, a
 * messaging system), holds its first control character (a line break, a tab, NUL, an escape sequence's
 * ESC, DEL, a C1 control) or lone surrogate: `its character 4 is U+000A (line feed)`, the character
 * named as the propagation reasons name it; `undefined` when there is none. A pair of surrogates (an
 * emoji) and other Unicode text are clean.
 */
export function uncleanCharacterNote(text: string): string | undefined {
  const at = text.search(UNCLEAN_CHARACTER);
  if (at < 0) return undefined;
  const code = text.charCodeAt(at);
  const surrogate = code >= 0xd800 && code <= 0xdfff;
  return `its character ${at + 1} is ${characterName(text[at]!)}${surrogate ? " (a lone surrogate)" : ""}`;
}

/** Every control character and lone surrogate ({@link UNCLEAN_CHARACTER}). */
const UNCLEAN_CHARACTERS = new RegExp(UNCLEAN_CHARACTER.source, "g");

/**
 * Internal: the span name `name` given with each call of withCarrier, withBatch or withBatchItem, as
 * exported: each control character (a line break, a tab, an escape sequence's ESC) and lone surrogate
 * replaced by U+FFFD (the replacement character, as `String.prototype.toWellFormed` puts for a lone
 * surrogate), and an empty name `"anonymous"` (traced's name for a function without one). Cleaned,
 * not refused: such a name is often business data (a job type, a queue name) passed per call, and a
 * failure of tracing never fails the business call (docs/restore.md, "Span names"). `traced`'s `name`,
 * written once in code, is refused instead (`assertCleanSpanName`).
 */
export function cleanSpanName(name: string): string {
  if (name === "") return "anonymous";
  return UNCLEAN_CHARACTER.test(name) ? name.replace(UNCLEAN_CHARACTERS, "\ufffd") : name;
}

/**
 * Internal: `text` without its control characters and lone surrogates (a setting of the environment,
 * exported without them: docs/warnings.md, `TRACEHOP_CONTROL_CHARACTER_SETTING`).
 */
export function withoutUncleanCharacters(text: string): string {
  return text.replace(UNCLEAN_CHARACTERS, "");
}
