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
