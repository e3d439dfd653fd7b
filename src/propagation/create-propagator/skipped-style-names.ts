import { quoteWritten } from "../../describe-value.js";
import { ENV_OTEL_PROPAGATORS } from "../datadog/constants.js";
import {
  guessStyle,
  isOneOtherName,
  otherPropagatorOption,
  saidGuess,
  type OtherPropagator,
} from "./style-guesses.js";
import {
  NONE,
  spellStyles,
  styleEntries,
  styleNamed,
  styleNamesIn,
  styleSetting,
  styleWords,
  type PropagationStyle,
} from "./style-names.js";

/** What a skipped entry (or a word of one) stands for: why it is skipped, and what it may mean. */
interface SkippedName {
  /** Why it is skipped, as the end of `"name" is skipped: `. */
  why: string;
  /** The styles it stands for, to write instead (empty: no guess). */
  meant: PropagationStyle[];
  /** An OpenTelemetry propagator tracehop does not build in, that it names. */
  propagator?: OtherPropagator;
}

/** A style list from a variable, with the entries tracehop skips and what to write instead. */
export interface StyleListReading {
  /** The styles read, as `parseStyles` reads them from the environment (in order, no duplicates). */
  styles: PropagationStyle[];
  /** Each skipped entry as written (trimmed), with {@link SkippedName}. */
  skipped: (SkippedName & { written: string })[];
  /**
   * The styles to write: each style read, and each skipped entry's {@link SkippedName.meant}, in the
   * list's order, without duplicates. Only styles: pasted, it reads as written.
   */
  fix: PropagationStyle[];
  /** True when a skipped name is neither a style's other name nor a propagator: no guess for it. */
  unguessed: boolean;
  /** The propagators the list names that tracehop does not build in. */
  propagators: OtherPropagator[];
}

/**
 * Reads the style list `text` of `variable` as `createPropagator` does (comma-separated, trimmed, any
 * case, `none` contributing nothing, a `DD_` variable's `b3` read as `b3multi`: `parseStyles`), and
 * says what it skips: for each entry that names no style, why, and the styles it may stand for:
 * - an entry with blanks (`w3c b3`): names are separated by commas, so it is one name, no style (as
 *   dd-trace-js and the OpenTelemetry SDK read it); its words that are styles are meant (Datadog's
 *   `b3 single header` one word among them: `styleWords`), and each other word is said as the next
 *   cases say it;
 * - what else it may stand for ({@link guessStyle}): another tool's name for a style (`w3c`, `b3 multi`,
 *   `dd`), an OpenTelemetry propagator tracehop does not build in (`jaeger`, `xray`, `ottrace`), with the
 *   class and package to pass as a `propagator` option instead, or a misspelt style (`datdog`);
 * - else no guess.
 * Style names are spelt for `variable` (`b3 single header` in a `DD_` variable: `spellStyles`).
 */
export function readStyleList(variable: string, text: string): StyleListReading {
  const datadogB3 = variable !== ENV_OTEL_PROPAGATORS;
  const reading: StyleListReading = { styles: [], skipped: [], fix: [], unguessed: false, propagators: [] };
  const add = (styles: readonly PropagationStyle[]) => {
    for (const style of styles) if (!reading.fix.includes(style)) reading.fix.push(style);
  };
  const note = (skipped: SkippedName) => {
    add(skipped.meant);
    if (skipped.propagator !== undefined) reading.propagators.push(skipped.propagator);
    else if (skipped.meant.length === 0) reading.unguessed = true;
  };
  for (const { written, style } of styleEntries(text.split(","), datadogB3)) {
    if (style !== undefined) {
      if (!reading.styles.includes(style)) reading.styles.push(style);
      add([style]);
      continue;
    }
    const separated = otherSeparator(written);
    const words = separated?.words ?? styleWords(written);
    // `b3 multi` is another name for a style, `w3c b3` two names.
    const spaced = separated !== undefined || (words.length > 1 && !isOneOtherName(written));
    const skipped = spaced
      ? spacedEntry(words, variable, datadogB3, note, separated?.said)
      : skippedName(written, variable);
    if (!spaced) note(skipped);
    reading.skipped.push({ written, ...skipped });
  }
  return reading;
}

/**
 * Characters that separate names in lists other than a comma-separated one, or look like a comma: a
 * semicolon and a bar (other tools' lists), and the commas and semicolons of other scripts and of
 * full-width input (an input method, a paste), with how a warning names each. A style list is split
 * at ASCII commas only (the OpenTelemetry SDK's OTEL_PROPAGATORS, dd-trace-js's
 * DD_TRACE_PROPAGATION_STYLE*), so an entry holding one of them is one name, no style.
 */
const OTHER_SEPARATORS: ReadonlyMap<string, string> = new Map([
  [";", '";"'],
  ["|", '"|"'],
  ["\u060c", "U+060C (arabic comma)"],
  ["\u037e", "U+037E (greek question mark, which looks like a semicolon)"],
  ["\u201a", "U+201A (single low-9 quotation mark, which looks like a comma)"],
  ["\u3001", "U+3001 (ideographic comma)"],
  ["\ufe50", "U+FE50 (small comma)"],
  ["\uff0c", "U+FF0C (fullwidth comma)"],
  ["\uff1b", "U+FF1B (fullwidth semicolon)"],
  ["\uff5c", "U+FF5C (fullwidth vertical line)"],
]);
const OTHER_SEPARATOR = /[;|\u060c\u037e\u201a\u3001\ufe50\uff0c\uff1b\uff5c]/;

/**
 * The names of `written` when it is two or more names separated by a character of
 * {@link OTHER_SEPARATORS} (and blanks): the first such character as said, and the names (each split at
 * blanks too, {@link styleWords}); `undefined` for an entry without one, or with fewer than two names.
 */
function otherSeparator(written: string): { said: string; words: string[] } | undefined {
  const at = written.search(OTHER_SEPARATOR);
  if (at < 0) return undefined;
  const words = written
    .split(new RegExp(OTHER_SEPARATOR.source, "g"))
    .flatMap((part) => (part.trim() === "" ? [] : styleWords(part)));
  return words.length < 2 ? undefined : { said: OTHER_SEPARATORS.get(written[at]!)!, words };
}

/**
 * An entry of words separated by blanks, or by `separator` ({@link otherSeparator}, as said): why it
 * is skipped (`it holds a space, ...`, `it holds ";", ...`), its words that are styles, and each other
 * word said as {@link skippedName} says it (`note` receives each word's).
 */
function spacedEntry(
  words: readonly string[],
  variable: string,
  datadogB3: boolean,
  note: (skipped: SkippedName) => void,
  separator?: string,
): SkippedName {
  const styleWords: string[] = [];
  const otherWords: string[] = [];
  const meant: PropagationStyle[] = [];
  for (const word of words) {
    const style = styleNamed(word, datadogB3);
    if (style !== undefined) {
      styleWords.push(word.includes(" ") ? JSON.stringify(word) : word);
      meant.push(style);
      note({ why: "", meant: [style] });
      continue;
    }
    const skipped = skippedName(word, variable);
    note(skipped);
    meant.push(...skipped.meant);
    otherWords.push(
      `${quoteWritten(word)} is not${skipped.meant.length > 0 || skipped.propagator ? `: ${skipped.why}` : ""}`,
    );
  }
  const styles =
    styleWords.length === 0
      ? []
      : [`${joined(styleWords)} ${styleWords.length === 1 ? "is a style" : "are styles"}`];
  return {
    why: `${separator === undefined ? "it holds a space, and names are separated by commas, not spaces" : `it holds ${separator}, and names are separated by commas`} (${[...styles, ...otherWords].join("; ")})`,
    meant,
  };
}

/** A name that is no style, without blanks between words of its own: what it may stand for ({@link guessStyle}). */
function skippedName(name: string, variable: string): SkippedName {
  const guess = guessStyle(name);
  if (guess === undefined) return { why: "it is no style", meant: [] };
  const why = saidGuess(guess, (style) => spelt(style, variable));
  return guess.kind === "propagator"
    ? { why, meant: [], propagator: { name, ...guess.propagator } }
    : { why, meant: [guess.style] };
}

/** `style` as `variable` spells it, in double quotes when it holds a blank (`"b3 single header" here`). */
function spelt(style: PropagationStyle, variable: string): string {
  const name = spellStyles([style], variable);
  return name.includes(" ") ? `${JSON.stringify(name)} here` : name;
}

/** `a`, `a and b`, `a, b and c`. */
export function joined(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/**
 * The end of a warning that says how to fix `variable`'s list ({@link readStyleList}): the setting to
 * write, with only styles (`write OTEL_PROPAGATORS=tracecontext,b3`), and, for a propagator tracehop
 * does not build in, the `propagator` option that adds it to the styles; with no style to write,
 * the style names. `hasNone`: the list holds `none`, which is written when nothing else is.
 */
export function styleListFix(variable: string, reading: StyleListReading, hasNone: boolean): string {
  const { fix, propagators } = reading;
  const option = otherPropagatorOption(
    fix.length > 0 ? spellStyles(fix, "--styles") : undefined,
    propagators.map((propagator) => propagator.className),
  );
  const names = joined(propagators.map((propagator) => propagator.name));
  const add = (also: string) =>
    `to propagate ${names}${also}, give startTracing and the carrier functions the option propagator: ${option}`;
  if (fix.length === 0 && !hasNone)
    return `${propagators.length > 0 ? `${add("")}; or ` : ""}use ${styleNamesIn(variable)}, or none to turn propagation off on purpose`;
  return (
    (fix.length > 0
      ? `write ${styleSetting(variable, fix)}${reading.unguessed ? `, adding the style meant (${styleNamesIn(variable)})` : ""}`
      : `write ${variable}=${NONE} for no propagation${reading.unguessed ? `, or the styles meant (${styleNamesIn(variable)})` : ""}`) +
    (propagators.length > 0 ? `, and ${add(" too")}` : "")
  );
}
