import { nearestName } from "../../edit-distance.js";
import type { PropagationStyle } from "./style-names.js";

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
export interface OtherPropagator {
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

/**
 * Internal: the class and package of `name` (`jaeger`, `xray`, `ottrace`), an OpenTelemetry propagator
 * tracehop does not build in ({@link OTHER_PROPAGATORS}), or `undefined`. Read by the restore's warning
 * on a carrier that holds only such a format's headers (`TRACEHOP_CARRIER_REJECTED`).
 */
export function otherPropagatorNamed(name: string): Omit<OtherPropagator, "name"> | undefined {
  return OTHER_PROPAGATORS.get(squeezed(name));
}

/** The style names a misspelling is matched against ({@link guessStyle}). */
const STYLES: readonly PropagationStyle[] = ["tracecontext", "baggage", "datadog", "b3", "b3multi"];

/** A name lower-cased without blanks, `-` and `_`: `B3 Multi`, `b3-multi` and `b3_multi` are `b3multi`. */
function squeezed(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, "");
}

/** What a name that is no style may stand for ({@link guessStyle}). */
export type StyleGuess =
  | { kind: "other"; meaning: string; style: PropagationStyle }
  | { kind: "propagator"; propagator: Omit<OtherPropagator, "name"> }
  | { kind: "misspelt"; style: PropagationStyle };

/**
 * Internal: what `name`, no style name, may stand for: another tool's name for a style
 * ({@link OTHER_NAMES}: `w3c`, `b3 multi`, `dd`), an OpenTelemetry propagator tracehop does not build
 * in ({@link OTHER_PROPAGATORS}: `jaeger`, `xray`, `ottrace`), a style misspelt by one or two letters
 * (`datdog`: `nearestName`, the "did you mean" rule of every option and command name, read through
 * {@link squeezed}: an edit distance of 1, or 2 for a name of five letters or more, a swap of two letters
 * one edit, the nearest style when no other is as near; `b4` is no guess); else `undefined`. Read by the style variables' warnings and by the
 * TypeError of an unknown name given as an argument.
 */
export function guessStyle(name: string): StyleGuess | undefined {
  const key = squeezed(name);
  const other = OTHER_NAMES.get(key);
  if (other !== undefined) return { kind: "other", meaning: other[0], style: other[1] };
  const propagator = OTHER_PROPAGATORS.get(key);
  if (propagator !== undefined) return { kind: "propagator", propagator };
  // No name is within the guess limit of two styles (the nearest two, b3 and b3multi, are 5 edits
  // apart; the limit is at most 2), so "the nearest, no tie" is "the one style that near".
  const style = nearestName(key, STYLES);
  return style === undefined ? undefined : { kind: "misspelt", style };
}

/** True when `name`, holding blanks, is one name for {@link guessStyle} (`b3 multi`, `xray lambda`). */
export function isOneOtherName(name: string): boolean {
  const key = squeezed(name);
  return OTHER_NAMES.has(key) || OTHER_PROPAGATORS.has(key);
}

/**
 * Internal: the propagator to give in place of tracehop's for a style list naming propagators tracehop does not
 * build in (`classNames`, `JaegerPropagator`) beside its styles (`styles`, the list to pass to
 * `createPropagator`, `undefined` for none): `new CompositePropagator({ propagators:
 * [createPropagator("tracecontext"), new JaegerPropagator()] })`, or `new JaegerPropagator()` alone.
 * Written by the style variables' warnings and the TypeError of such a name given as an argument.
 */
export function otherPropagatorOption(styles: string | undefined, classNames: readonly string[]): string {
  const others = classNames.map((className) => `new ${className}()`);
  if (styles === undefined && others.length === 1) return others[0]!;
  const tracehop = styles === undefined ? [] : [`createPropagator(${JSON.stringify(styles)})`];
  return `new CompositePropagator({ propagators: [${[...tracehop, ...others].join(", ")}] })`;
}

/**
 * The end of a sentence on what {@link guessStyle} found, with style names spelt by `spell`:
 * `W3C Trace Context is tracecontext`, `did you mean datadog?`, `an OpenTelemetry propagator tracehop
 * does not build in (JaegerPropagator, @opentelemetry/propagator-jaeger)`.
 */
export function saidGuess(guess: StyleGuess, spell: (style: PropagationStyle) => string): string {
  switch (guess.kind) {
    case "other":
      return `${guess.meaning} is ${spell(guess.style)}`;
    case "misspelt":
      return `did you mean ${spell(guess.style)}?`;
    case "propagator":
      return `an OpenTelemetry propagator tracehop does not build in (${guess.propagator.className}, ${guess.propagator.packageName})`;
  }
}
