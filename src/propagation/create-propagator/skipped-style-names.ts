import { ENV_OTEL_PROPAGATORS } from "../datadog/constants.js";
import { isOneOtherName, otherPropagatorOption, type OtherPropagator } from "./style-guesses.js";
import {
  joined,
  NONE,
  otherSeparator,
  skippedName,
  spacedEntry,
  spellStyles,
  styleEntries,
  styleNamesIn,
  styleSetting,
  styleWords,
  type PropagationStyle,
  type SkippedName,
} from "./style-names.js";

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
