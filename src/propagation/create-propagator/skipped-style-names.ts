import { ENV_OTEL_PROPAGATORS } from "../datadog/constants.js";
import {
  NONE,
  spellStyles,
  STYLE_NAMES,
  styleNamed,
  styleSetting,
  type PropagationStyle,
} from "./style-names.js";

/**
 * Other tools' names for the styles tracehop reads, keyed by the name lower-cased without blanks, `-`
 * and `_` ({@link squeezed}): Envoy, Spring Cloud Sleuth and the Jaeger clients call W3C Trace Context
 * `w3c`; `b3 multi`, `b3-single` and the like are B3's two encodings written another way; `dd` is
 * Datadog's short name. Each with what it stands for, said in the warning.
 */
const OTHER_NAMES: ReadonlyMap<string, [meaning: string, style: PropagationStyle]> = new Map([
  ["w3c", ["W3C Trace Context", "tracecontext"]],
  ["w3ctracecontext", ["W3C Trace Context", "tracecontext"]],
  ["tracecontext", ["W3C Trace Context", "tracecontext"]],
  ["traceparent", ["W3C Trace Context", "tracecontext"]],
  ["w3cbaggage", ["W3C Baggage", "baggage"]],
  ["baggage", ["W3C Baggage", "baggage"]],
  ["dd", ["Datadog", "datadog"]],
  ["datadog", ["Datadog", "datadog"]],
  ["b3single", ["single-header B3", "b3"]],
  ["b3singleheader", ["single-header B3", "b3"]],
  ["b3multi", ["multi-header B3", "b3multi"]],
  ["b3multiheader", ["multi-header B3", "b3multi"]],
]);

/** A propagator tracehop does not build in: its class and the package that exports it. */
interface OtherPropagator {
  name: string;
  className: string;
  packageName: string;
}

/**
 * The OTEL_PROPAGATORS values of the OpenTelemetry specification ("Known values") that tracehop does
 * not build in, keyed as {@link OTHER_NAMES}: `jaeger` (@opentelemetry/sdk-node builds it in,
 * deprecated), `xray`, `xray-lambda` and `ottrace` (@opentelemetry/auto-configuration-propagators).
 */
const OTHER_PROPAGATORS: ReadonlyMap<string, Omit<OtherPropagator, "name">> = new Map([
  ["jaeger", { className: "JaegerPropagator", packageName: "@opentelemetry/propagator-jaeger" }],
  ["xray", { className: "AWSXRayPropagator", packageName: "@opentelemetry/propagator-aws-xray" }],
  [
    "xraylambda",
    { className: "AWSXRayLambdaPropagator", packageName: "@opentelemetry/propagator-aws-xray-lambda" },
  ],
  ["ottrace", { className: "OTTracePropagator", packageName: "@opentelemetry/propagator-ot-trace" }],
]);

/** The style names a misspelling is matched against ({@link nearestStyle}). */
const STYLES: readonly PropagationStyle[] = ["tracecontext", "baggage", "datadog", "b3", "b3multi"];

/** A name lower-cased without blanks, `-` and `_`: `B3 Multi`, `b3-multi` and `b3_multi` are `b3multi`. */
function squeezed(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, "");
}

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
 *   dd-trace-js and the OpenTelemetry SDK read it); its words that are styles are meant, and each other
 *   word is said as the next cases say it;
 * - another tool's name for a style ({@link OTHER_NAMES}: `w3c`, `b3 multi`, `dd`);
 * - an OpenTelemetry propagator tracehop does not build in ({@link OTHER_PROPAGATORS}: `jaeger`,
 *   `xray`, `ottrace`), with the class and package to pass as a `propagator` option instead;
 * - a style misspelt by one or two letters (`datdog`, {@link nearestStyle});
 * - else no guess.
 * Style names are spelt for `variable` (`b3 single header` in a `DD_` variable: `spellStyles`).
 */
export function readStyleList(variable: string, text: string): StyleListReading {
  const datadogB3 = variable !== ENV_OTEL_PROPAGATORS;
  const reading: StyleListReading = { skipped: [], fix: [], unguessed: false, propagators: [] };
  const add = (styles: readonly PropagationStyle[]) => {
    for (const style of styles) if (!reading.fix.includes(style)) reading.fix.push(style);
  };
  const note = (skipped: SkippedName) => {
    add(skipped.meant);
    if (skipped.propagator !== undefined) reading.propagators.push(skipped.propagator);
    else if (skipped.meant.length === 0) reading.unguessed = true;
  };
  for (const raw of text.split(",")) {
    const written = raw.trim();
    if (!written || written.toLowerCase() === NONE) continue;
    const style = styleNamed(written, datadogB3);
    if (style !== undefined) {
      add([style]);
      continue;
    }
    const words = written.split(/\s+/);
    // `b3 multi` is another name for a style, `w3c b3` two names.
    const spaced =
      words.length > 1 && !OTHER_NAMES.has(squeezed(written)) && !OTHER_PROPAGATORS.has(squeezed(written));
    const skipped = spaced ? spacedEntry(words, variable, datadogB3, note) : skippedName(written, variable);
    if (!spaced) note(skipped);
    reading.skipped.push({ written, ...skipped });
  }
  return reading;
}

/**
 * An entry of words separated by blanks: why it is skipped (`it holds a space, ...`), its words that
 * are styles, and each other word said as {@link skippedName} says it (`note` receives each word's).
 */
function spacedEntry(
  words: readonly string[],
  variable: string,
  datadogB3: boolean,
  note: (skipped: SkippedName) => void,
): SkippedName {
  const styleWords: string[] = [];
  const otherWords: string[] = [];
  const meant: PropagationStyle[] = [];
  for (const word of words) {
    const style = styleNamed(word, datadogB3);
    if (style !== undefined) {
      styleWords.push(word);
      meant.push(style);
      note({ why: "", meant: [style] });
      continue;
    }
    const skipped = skippedName(word, variable);
    note(skipped);
    meant.push(...skipped.meant);
    otherWords.push(
      `${JSON.stringify(word)} is not${skipped.meant.length > 0 || skipped.propagator ? `: ${skipped.why}` : ""}`,
    );
  }
  const styles =
    styleWords.length === 0
      ? []
      : [`${joined(styleWords)} ${styleWords.length === 1 ? "is a style" : "are styles"}`];
  return {
    why: `it holds a space, and names are separated by commas, not spaces (${[...styles, ...otherWords].join("; ")})`,
    meant,
  };
}

/** A name that is no style, without blanks between words of its own: what it may stand for. */
function skippedName(name: string, variable: string): SkippedName {
  const key = squeezed(name);
  const other = OTHER_NAMES.get(key);
  if (other !== undefined) {
    const [meaning, style] = other;
    return { why: `${meaning} is ${spelt(style, variable)}`, meant: [style] };
  }
  const propagator = OTHER_PROPAGATORS.get(key);
  if (propagator !== undefined)
    return {
      why: `an OpenTelemetry propagator tracehop does not build in (${propagator.className}, ${propagator.packageName})`,
      meant: [],
      propagator: { name, ...propagator },
    };
  const guess = nearestStyle(key);
  if (guess !== undefined) return { why: `did you mean ${spelt(guess, variable)}?`, meant: [guess] };
  return { why: "it is no style", meant: [] };
}

/** `style` as `variable` spells it, in double quotes when it holds a blank (`"b3 single header" here`). */
function spelt(style: PropagationStyle, variable: string): string {
  const name = spellStyles([style], variable);
  return name.includes(" ") ? `${JSON.stringify(name)} here` : name;
}

/**
 * The style `name` (squeezed) misspells: the one at an edit distance of 1, or 2 for a name of five
 * letters or more, when one style alone is that near; else `undefined` (`b4` is no guess: a
 * one-letter change of a two-letter name is another name).
 */
function nearestStyle(name: string): PropagationStyle | undefined {
  const limit = name.length >= 5 ? 2 : name.length >= 3 ? 1 : 0;
  const near = STYLES.filter((style) => editDistance(name, style) <= limit);
  return near.length === 1 ? near[0] : undefined;
}

/** Levenshtein distance: the fewest one-letter insertions, deletions and substitutions from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length]!;
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
  const others = propagators.map((propagator) => `new ${propagator.className}()`);
  const option =
    fix.length === 0 && others.length === 1
      ? others[0]
      : `new CompositePropagator({ propagators: [${[
          ...(fix.length > 0 ? [`createPropagator(${JSON.stringify(spellStyles(fix, "--styles"))})`] : []),
          ...others,
        ].join(", ")}] })`;
  const names = joined(propagators.map((propagator) => propagator.name));
  const add = (also: string) =>
    `to propagate ${names}${also}, give startTracing and the carrier functions the option propagator: ${option}`;
  if (fix.length === 0 && !hasNone)
    return `${propagators.length > 0 ? `${add("")}; or ` : ""}use ${STYLE_NAMES}, or none to turn propagation off on purpose`;
  return (
    (fix.length > 0
      ? `write ${styleSetting(variable, fix)}${reading.unguessed ? `, adding the style meant (${STYLE_NAMES})` : ""}`
      : `write ${variable}=${NONE} for no propagation${reading.unguessed ? `, or the styles meant (${STYLE_NAMES})` : ""}`) +
    (propagators.length > 0 ? `, and ${add(" too")}` : "")
  );
}
