import { describeValue, escapeUnprintable, quoteWritten } from "../../describe-value.js";
import { characterName } from "../rejection-reasons.js";
import { ENV_PROPAGATION_STYLE } from "../datadog/constants.js";
import { guessStyle, otherPropagatorOption, saidGuess, type OtherPropagator } from "./style-guesses.js";

/** A propagation style name accepted by `createPropagator`. */
export type PropagationStyle = "tracecontext" | "baggage" | "datadog" | "b3" | "b3multi";

/**
 * What `createPropagator(styles)` takes for one entry of its list: a {@link PropagationStyle}, `"none"`
 * (no propagation) or Datadog's long name `"b3 single header"` — offered by editors — or any other
 * text, so that a list read from configuration compiles: names in any case, blanks ignored, several
 * names comma-separated in one text (`"tracecontext,datadog"`). A name that is no style is a
 * `TypeError` at creation that lists the style names.
 */
// `string & {}`: any text is legal, and the union's names are still offered (`string` alone would
// absorb them).
export type PropagationStyleName = PropagationStyle | "none" | "b3 single header" | (string & {});

/**
 * The styles `createPropagator()` injects when neither its argument nor the environment names any:
 * `tracecontext`, `baggage`, `datadog` (`traceparent`/`tracestate`, `baggage` and the `x-datadog-*`
 * headers), so that a Datadog-instrumented and an OpenTelemetry consumer both continue the trace.
 */
export const DEFAULT_STYLES: readonly PropagationStyle[] = ["tracecontext", "baggage", "datadog"];

/**
 * The styles `createPropagator()` extracts, in this order, when neither its argument nor the
 * environment names any: `datadog`, `tracecontext`, `baggage`. The first valid context wins, so the
 * `x-datadog-*` headers take precedence over `traceparent`, as in Datadog's tracers (their default
 * extract order, dd-trace-js `supported-configurations.json`): a Datadog-instrumented sender is read as
 * Datadog reads it, and a `traceparent` of the same trace still lends its tracestate and parent.
 */
export const DEFAULT_EXTRACT_STYLES: readonly PropagationStyle[] = ["datadog", "tracecontext", "baggage"];

/** Accepted spellings, lower-cased: OTel names, Datadog names and Datadog's long B3 name. */
const STYLE_ALIASES: ReadonlyMap<string, PropagationStyle> = new Map([
  ["tracecontext", "tracecontext"],
  ["baggage", "baggage"],
  ["datadog", "datadog"],
  ["b3", "b3"],
  ["b3 single header", "b3"],
  ["b3multi", "b3multi"],
]);

/** Style list meaning "propagate nothing" (OTEL_PROPAGATORS and DD_TRACE_PROPAGATION_STYLE). */
export const NONE = "none";

/** Each style, once. */
const STYLES: readonly PropagationStyle[] = [...new Set(STYLE_ALIASES.values())];

/** The accepted style names, for messages. */
export const STYLE_NAMES = STYLES.join(", ");

/**
 * Internal: the style names as `setting` reads them, for messages ({@link spellStyles}): {@link STYLE_NAMES}, but
 * `b3 single header` for the single-header style in a `DD_TRACE_PROPAGATION_STYLE*` variable, where
 * `b3` is multi-header B3.
 */
export function styleNamesIn(setting: string): string {
  return STYLES.map((style) => spellStyles([style], setting)).join(", ");
}

/**
 * Parses a style list (array or comma-separated text) into known style names, without duplicates.
 * `none` contributes nothing. `source` says where the list comes from:
 * - `"explicit"` (an argument: `createPropagator(styles)`, `tracehop inspect --styles`): an unknown
 *   name, a list that names no style (`""`, `[]`; `none` is how propagation is turned off) and a value
 *   that is neither a string nor an array throw a `TypeError` that says what to give (its message
 *   starts with `tracehop createPropagator: `, which `tracehop inspect` replaces with its own);
 * - `"environment"` (OTEL_PROPAGATORS, DD_TRACE_PROPAGATION_STYLE*; a process must still start): an
 *   unknown name is skipped; environment-styles.ts says what was skipped, one warning per variable
 *   (`TRACEHOP_UNKNOWN_PROPAGATION_STYLE`, or `TRACEHOP_NO_PROPAGATION_STYLE` when nothing is read), so
 *   that a misspelt setting does not silently stop propagation.
 * An explicit name that is style names separated by spaces (`"tracecontext baggage"`,
 * {@link spacedStyleNames}) is said as such, with the names written comma-separated (or as array
 * elements for an array).
 * `datadogB3` reads a `b3` entry as `b3multi`, for a `DD_TRACE_PROPAGATION_STYLE*` list: as dd-trace-js 5
 * reads them (`text_map.js`: `b3` from a `DD_` variable extracts and injects the `x-b3-*` headers; from
 * `OTEL_PROPAGATORS` it is the single `b3` header, the OpenTelemetry meaning) and as the Datadog docs list
 * it ("Propagating trace context": `B3` is the deprecated name of `b3multi`). `b3 single header` keeps its
 * meaning; dd-trace-js 6 reads `b3` as the single header everywhere (docs/conformance.md). Messages quote
 * the list as written (`b3`, not `b3multi`).
 */
export function parseStyles(
  styles: string | readonly string[],
  source: "explicit" | "environment" = "environment",
  datadogB3 = false,
): PropagationStyle[] {
  if (typeof styles !== "string" && !Array.isArray(styles)) {
    throw new TypeError(
      `tracehop createPropagator: styles must be a comma-separated string or an array of names, got ${describeValue(styles)}`,
    );
  }
  const list = typeof styles === "string" ? styles.split(",") : styleArray(styles);
  if (source === "explicit" && !namesAnything(list)) {
    throw new TypeError(
      `tracehop createPropagator: no propagation style named; use ${STYLE_NAMES}, or none for no propagation, got ${
        typeof styles === "string" ? describeValue(styles) : `[${styles.map(describeValue).join(", ")}]`
      }`,
    );
  }
  const out: PropagationStyle[] = [];
  // Not through styleEntries: stops at the first unknown name, without reading the rest of a long list.
  for (const raw of list) {
    const written = String(raw).trim();
    // Longer than any name: no style, and none of its text is lower-cased or split (a 1 MiB "name").
    const long = written.length > MAX_GUESSED_NAME_LENGTH;
    if (written === "" || (!long && written.toLowerCase() === NONE)) continue;
    const style = long ? undefined : styleNamed(written, datadogB3);
    if (style === undefined) {
      if (source === "environment") continue;
      const words = written.length > MAX_SPACED_NAMES_LENGTH ? undefined : spacedStyleNames(written);
      const separated =
        words !== undefined || written.length > MAX_SPACED_NAMES_LENGTH
          ? undefined
          : separatorHint(written, list, typeof styles === "string");
      // Quoted as written (`"W3C"`), the case the user looks for in the setting.
      throw new TypeError(
        `tracehop createPropagator: ${
          words === undefined
            ? `unknown propagation style ${quoteWritten(written)}${separated ?? `${guessHint(written, list)}${nonAsciiNote(written)}; use ${STYLE_NAMES} or none`}`
            : typeof styles === "string"
              ? `propagation style names must be separated by commas, not spaces: write ${describeValue(commaSeparated(list), MAX_SUGGESTION_LENGTH)}, got ${describeValue(styles)}`
              : `propagation style names must be separate array elements, not separated by spaces: ${arrayToWrite(list, written, words)}, got ${describeValue(written)}`
        }`,
      );
    }
    if (!out.includes(style)) out.push(style);
  }
  return out;
}

/**
 * The end of the TypeError for an argument's name `written` that is names separated by a semicolon, a
 * bar or a comma of another script ({@link otherSeparator}), as the style variables' warning says it
 * ({@link spacedEntry}: `: it holds ";", and names are separated by commas (tracecontext and datadog
 * are styles)`), then what to write: the whole list `list` with those names comma-separated
 * (`; write "tracecontext,datadog,b3"`) for a string (`isString`), the names as array elements for an
 * array (`; write them as separate array elements: ["tracecontext", "datadog", "b3"]`, the whole array
 * by {@link arrayToWrite}); a word that is no
 * style and no guess asks for the style meant, a propagator tracehop does not build in for the code
 * that adds it (as {@link guessHint}); with no name left to write (`x;y;z`: none is a style and the
 * list holds nothing else), the styles to choose from (`; use tracecontext, ..., b3multi or none,
 * separated by commas`), not an empty list. `undefined` for a name without such a character or with fewer
 * than two names beside it.
 */
function separatorHint(written: string, list: readonly unknown[], isString: boolean): string | undefined {
  const separated = otherSeparator(written);
  if (separated === undefined) return undefined;
  let unguessed = false;
  const classNames: string[] = [];
  const entry = spacedEntry(
    separated.words,
    "--styles",
    false,
    (skipped) => {
      if (skipped.propagator !== undefined) classNames.push(skipped.propagator.className);
      else if (skipped.meant.length === 0) unguessed = true;
    },
    separated.said,
  );
  const meant = entry.meant.filter((style, index) => entry.meant.indexOf(style) === index);
  const fix = spellStyles(meant, "--styles");
  if (classNames.length > 0)
    return `: ${entry.why}; use ${otherPropagatorOption(meant.length > 0 ? fix : undefined, classNames)}`;
  const names = list
    .map((raw) => String(raw).trim())
    .flatMap((name) => (name === written ? meant : (spacedStyleNames(name) ?? [name])))
    .filter((name) => name !== "");
  // Nothing left to write (`x;y;z`): the names to choose from, not `write ""`.
  if (names.length === 0)
    return `: ${entry.why}; use ${STYLE_NAMES} or none, ${isString ? "separated by commas" : "as separate array elements"}`;
  const write = isString
    ? `write ${describeValue(names.join(","), MAX_SUGGESTION_LENGTH)}`
    : `write them as separate array elements: ${arrayToWrite(list, written, meant)}`;
  return `: ${entry.why}; ${write}${unguessed ? `, adding the style meant (${STYLE_NAMES})` : ""}`;
}

/**
 * The whole array to write for an array argument `list` whose element `written` is several names
 * (`names`): that element replaced by them, every other element kept as written (trimmed; one of
 * style names separated by spaces split likewise), as the string case writes the whole list; each
 * quoted with what is outside printable ASCII escaped (`"b3\u202e"`), as `quoteWritten` does; cut past
 * `MAX_SUGGESTION_LENGTH` characters (`["tracecontext", "datadog", "b3"]` for `["tracecontext",
 * "datadog;b3"]`).
 */
function arrayToWrite(list: readonly unknown[], written: string, names: readonly string[]): string {
  const elements = list.flatMap((raw) => {
    const name = String(raw).trim();
    return name === written ? names : (spacedStyleNames(name) ?? [name]);
  });
  return cutSuggestion(
    `[${elements
      .filter((name) => name !== "")
      .map((name) => escapeUnprintable(JSON.stringify(name)))
      .join(", ")}]`,
  );
}

/**
 * The end of the TypeError for a name holding a character outside ASCII: which character, by its code
 * point and where, and what to do (`; its character 3 is U+0430, outside ASCII: ...`); `""` for an ASCII
 * name (its quote shows what is wrong). Style names are ASCII (`STYLE_NAMES`), so such a character
 * came with a paste or a keyboard layout, and is what to retype.
 */
function nonAsciiNote(name: string): string {
  const at = name.search(/[\u0080-\uffff]/);
  if (at < 0) return "";
  const character = String.fromCodePoint(name.codePointAt(at)!);
  // U+FFFD: what Node makes of bytes that are not UTF-8 in an argument or a variable.
  const why =
    character === "\ufffd"
      ? "the replacement character of bytes that are not UTF-8 (a terminal or file in another encoding?)"
      : "a letter of another alphabet, an invisible character or a full-width comma came with it";
  return (
    `; its character ${at + 1} is ${characterName(character)}, outside ASCII: style names are ASCII letters, digits and spaces, ` +
    `so retype the name (${why})`
  );
}

/**
 * Longest name looked up as a style or guessed at (`guessHint`); every known name is shorter (the longest,
 * `b3 single header`, has 16 characters).
 */
const MAX_GUESSED_NAME_LENGTH = 64;
/** Longest name read as style names separated by spaces (`spacedStyleNames`); longer is one unknown name. */
const MAX_SPACED_NAMES_LENGTH = 1024;
/** Longest style list a TypeError writes as the fix (`write "datadog,tracecontext"`); longer is cut with `…`. */
const MAX_SUGGESTION_LENGTH = 200;

/**
 * The elements of an explicit style array, read once: each must be a string (`String()` wrote
 * `[object Object]` for an object and threw for a null-prototype one).
 *
 * @throws TypeError `tracehop createPropagator: styles[i] must be a style name (a string), got …`, or,
 *   for an array whose reading throws (a Proxy), one saying it could not be read.
 */
function styleArray(styles: readonly unknown[]): string[] {
  let copy: unknown[];
  try {
    copy = Array.from(styles);
  } catch (error) {
    throw new TypeError(
      `tracehop createPropagator: styles must be a comma-separated string or an array of names; the styles could not be read (${describeValue(errorMessage(error))})`,
      { cause: error },
    );
  }
  copy.forEach((element, index) => {
    if (typeof element !== "string")
      throw new TypeError(
        `tracehop createPropagator: styles[${index}] must be a style name (a string), got ${describeValue(element)}`,
      );
  });
  return copy as string[];
}

/** `text` (style names tracehop checked: printable ASCII), cut at {@link MAX_SUGGESTION_LENGTH} with `…`. */
function cutSuggestion(text: string): string {
  return text.length > MAX_SUGGESTION_LENGTH ? `${text.slice(0, MAX_SUGGESTION_LENGTH)}…` : text;
}

/** The message of a thrown value, never throwing itself. */
function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "an error";
  }
}

/**
 * ` (W3C Trace Context is tracecontext)`: what an unknown name of the argument `list` may stand for
 * (style-guesses.ts, as the style variables' warnings say it), else `""`. For a propagator tracehop
 * does not build in, the code to use instead, as those warnings write it: the styles of `list` and
 * each such propagator it names in a `CompositePropagator`
 * (`new CompositePropagator({ propagators: [createPropagator("tracecontext"), new JaegerPropagator()] })`),
 * or the propagator alone.
 */
function guessHint(name: string, list: readonly unknown[]): string {
  // Longer than any name a guess knows (a style, another tool's name, one misspelt by two letters):
  // none is looked for, so that a 1 MiB "name" costs no comparison.
  if (name.length > MAX_GUESSED_NAME_LENGTH) return "";
  const guess = guessStyle(name);
  if (guess === undefined) return "";
  const said = saidGuess(guess, (style) => style);
  if (guess.kind !== "propagator") return ` (${said})`;
  const styles: PropagationStyle[] = [];
  const classNames: string[] = [];
  for (const raw of list) {
    const entry = String(raw);
    const style = styleNamed(entry, false);
    if (style !== undefined) {
      if (!styles.includes(style)) styles.push(style);
      continue;
    }
    const other = guessStyle(entry);
    if (other?.kind === "propagator" && !classNames.includes(other.propagator.className))
      classNames.push(other.propagator.className);
  }
  const tracehop = styles.length > 0 ? spellStyles(styles, "--styles") : undefined;
  return ` (${said}: use ${otherPropagatorOption(tracehop, classNames)})`;
}

/** An entry of a style list as written (trimmed), with the style it names, if any ({@link styleEntries}). */
export interface StyleEntry {
  written: string;
  style: PropagationStyle | undefined;
}

/**
 * Internal: the entries of the style list `list` (an array, or a text split at its commas), each
 * trimmed, with the style it names ({@link styleNamed}; `datadogB3` as for {@link parseStyles}); blank
 * entries and `none` (any case) left out. The one reading of a list's entries: {@link parseStyles}
 * and the environment's warnings (skipped-style-names.ts) take a list through it.
 */
export function styleEntries(list: readonly unknown[], datadogB3: boolean): StyleEntry[] {
  const entries: StyleEntry[] = [];
  for (const raw of list) {
    const written = String(raw).trim();
    if (written === "" || written.toLowerCase() === NONE) continue;
    entries.push({ written, style: styleNamed(written, datadogB3) });
  }
  return entries;
}

/**
 * Internal: the style `name` names (any case, blanks around it allowed), or `undefined`; `datadogB3`
 * reads `b3` as `b3multi` ({@link parseStyles}).
 */
export function styleNamed(name: string, datadogB3: boolean): PropagationStyle | undefined {
  const key = name.trim().toLowerCase();
  return datadogB3 && key === "b3" ? "b3multi" : STYLE_ALIASES.get(key);
}

/**
 * The style names in `name` when it is two or more style names separated by whitespace (`datadog
 * tracecontext`), else `undefined`. A style list is comma-separated, as dd-trace-js reads
 * DD_TRACE_PROPAGATION_STYLE* (`split(',')`, then each name trimmed: packages/dd-trace/src/config.js,
 * `propagationStyle`; a space cannot separate names there, its `b3 single header` style holds spaces)
 * and as the OpenTelemetry SDK reads OTEL_PROPAGATORS (a comma-separated list): such a name is one
 * unknown name, which names known styles nonetheless, and is said so.
 */
export function spacedStyleNames(name: string): string[] | undefined {
  const words = styleWords(name);
  // Only when each word is a style: `b3 single header` is one name (an alias), `b3 singel` a misspelling.
  return words.length > 1 && words.every((word) => STYLE_ALIASES.has(word.toLowerCase())) ? words : undefined;
}

/**
 * Internal: the blank-separated words of the name `name`, trimmed, Datadog's style name `b3 single header` (any
 * case) one word among them: `tracecontext b3 single header` is `tracecontext` and `b3 single header`.
 */
export function styleWords(name: string): string[] {
  const words = name.trim().split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const three = words.slice(i, i + 3).join(" ");
    if (STYLE_ALIASES.has(three.toLowerCase()) && three.includes(" ")) {
      out.push(three);
      i += 2;
    } else out.push(words[i]!);
  }
  return out;
}

/**
 * Internal: the style list `list` (a setting split at its commas) written again with commas wherever a name is
 * style names separated by spaces ({@link spacedStyleNames}), every other name as written: the whole
 * value to give, so that the fix keeps the names beside the spaced ones (`tracecontext baggage,b3` is
 * `tracecontext,baggage,b3`).
 */
export function commaSeparated(list: readonly unknown[]): string {
  return list
    .map((raw) => {
      const written = String(raw).trim();
      return spacedStyleNames(written)?.join(",") ?? written;
    })
    .filter((name) => name !== "")
    .join(",");
}

/** True when a style list holds at least one non-blank name (`none` included). */
export function namesAnything(list: readonly unknown[]): boolean {
  return list.some((raw) => String(raw).trim() !== "");
}

/**
 * Internal: `styles` as a comma-separated list spelt for `setting`, the variable (or `--styles`) they
 * are to be given in: in a `DD_TRACE_PROPAGATION_STYLE*` variable `b3` means `b3multi`
 * ({@link parseStyles}' `datadogB3`), so the single-header style is `b3 single header`
 * there; elsewhere `b3`. Read by the deprecated-variable warning and `tracehop inspect`.
 */
export function spellStyles(styles: readonly PropagationStyle[], setting: string): string {
  const b3IsMulti = setting.startsWith(ENV_PROPAGATION_STYLE);
  return styles.map((style) => (style === "b3" && b3IsMulti ? "b3 single header" : style)).join(",");
}

/**
 * Internal: `variable=styles` as a shell sets it ({@link spellStyles}), the value in double quotes when
 * it holds a blank (`b3 single header`), so that the line can be copied.
 */
export function styleSetting(variable: string, styles: readonly PropagationStyle[]): string {
  const value = spellStyles(styles, variable);
  return `${variable}=${value.includes(" ") ? `"${value}"` : value}`;
}

/**
 * The end of a "propagator must be a TextMapPropagator" error for a value that names styles or is
 * `createPropagator` itself: ` (for styles by name, pass createPropagator("datadog"))` when every name in
 * it is a style (a name that is not would fail there too: no hint), ` (call it: createPropagator())` for a
 * function named createPropagator; else `""`.
 */
export function propagatorHint(value: unknown): string {
  if (typeof value === "function" && value.name === "createPropagator")
    return " (call it: createPropagator())";
  if (typeof value !== "string" && !Array.isArray(value)) return "";
  try {
    parseStyles(value as string | readonly string[], "explicit");
  } catch {
    return "";
  }
  // Escaped as a written value is (a blank of another script around a name is read, and kept in it).
  return ` (for styles by name, pass createPropagator(${escapeUnprintable(JSON.stringify(value))}))`;
}

/** Internal: what a skipped entry (or a word of one) stands for: why it is skipped, and what it may mean. */
export interface SkippedName {
  /** Why it is skipped, as the end of `"name" is skipped: `. */
  why: string;
  /** The styles it stands for, to write instead (empty: no guess). */
  meant: PropagationStyle[];
  /** An OpenTelemetry propagator tracehop does not build in, that it names. */
  propagator?: OtherPropagator;
}

/**
 * Characters that separate names in lists other than a comma-separated one, or look like a comma: a
 * semicolon, a bar and a slash (other tools' lists, "tracecontext/datadog" prose), and the commas and semicolons of other scripts and of
 * full-width input (an input method, a paste), with how a warning names each. A style list is split
 * at ASCII commas only (the OpenTelemetry SDK's OTEL_PROPAGATORS, dd-trace-js's
 * DD_TRACE_PROPAGATION_STYLE*), so an entry holding one of them is one name, no style.
 */
const OTHER_SEPARATORS: ReadonlyMap<string, string> = new Map([
  [";", '";"'],
  ["|", '"|"'],
  ["/", '"/"'],
  ["\u060c", "U+060C (arabic comma)"],
  ["\u037e", "U+037E (greek question mark, which looks like a semicolon)"],
  ["\u201a", "U+201A (single low-9 quotation mark, which looks like a comma)"],
  ["\u3001", "U+3001 (ideographic comma)"],
  ["\ufe50", "U+FE50 (small comma)"],
  ["\uff0c", "U+FF0C (fullwidth comma)"],
  ["\uff1b", "U+FF1B (fullwidth semicolon)"],
  ["\uff5c", "U+FF5C (fullwidth vertical line)"],
]);
const OTHER_SEPARATOR = /[;|/\u060c\u037e\u201a\u3001\ufe50\uff0c\uff1b\uff5c]/;

/**
 * Internal: the names of `written` when it is two or more names separated by a character of
 * {@link OTHER_SEPARATORS} (and blanks): the first such character as said, and the names (each split at
 * blanks too, {@link styleWords}); `undefined` for an entry without one, or with fewer than two names.
 */
export function otherSeparator(written: string): { said: string; words: string[] } | undefined {
  const at = written.search(OTHER_SEPARATOR);
  if (at < 0) return undefined;
  const words = written
    .split(new RegExp(OTHER_SEPARATOR.source, "g"))
    .flatMap((part) => (part.trim() === "" ? [] : styleWords(part)));
  return words.length < 2 ? undefined : { said: OTHER_SEPARATORS.get(written[at]!)!, words };
}

/**
 * Internal: an entry of words separated by blanks, or by `separator` ({@link otherSeparator}, as said): why it
 * is skipped (`it holds a space, ...`, `it holds ";", ...`), its words that are styles, and each other
 * word said as {@link skippedName} says it (`note` receives each word's).
 */
export function spacedEntry(
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
    why: `${separator === undefined ? "it holds a space, and names are separated by commas, not spaces" : `it holds ${separator}, and names are separated by commas`} (${wordsSaid(styles, otherWords, styleWords.length)})`,
    meant,
  };
}

/**
 * Longest list of words {@link spacedEntry} says whole, in characters: with the name itself (cut at 40
 * characters, up to 6 characters each once escaped) and the fix, a message stays within the 600
 * characters a TypeError or warning of tracehop holds.
 */
const MAX_WORDS_SAID = 160;

/** The words of a spaced entry as said: each one when they fit {@link MAX_WORDS_SAID}, else counted. */
function wordsSaid(styles: readonly string[], otherWords: readonly string[], styleCount: number): string {
  const whole = [...styles, ...otherWords].join("; ");
  if (whole.length <= MAX_WORDS_SAID) return whole;
  const counted =
    otherWords.length === 1 ? "1 other word is no style" : `${otherWords.length} other words are no style`;
  const withStyles = styles.length === 0 ? counted : `${styles.join("")}; ${counted}`;
  if (otherWords.length > 0 && withStyles.length <= MAX_WORDS_SAID) return withStyles;
  return `${styleCount} ${styleCount === 1 ? "word is a style" : "words are styles"}${otherWords.length === 0 ? "" : `, ${counted}`}`;
}

/** Internal: a name that is no style, without blanks between words of its own: what it may stand for ({@link guessStyle}). */
export function skippedName(name: string, variable: string): SkippedName {
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

/** Internal: `a`, `a and b`, `a, b and c`. */
export function joined(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
