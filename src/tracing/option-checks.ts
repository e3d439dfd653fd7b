import { describeValue } from "../describe-value.js";
import { propagatorHint } from "../propagation/create-propagator.js";
import { uncleanCharacterNote } from "../clean-text.js";

/**
 * The longest wait, in milliseconds, of every millisecond option and variable startTracing hands to a
 * timer: 2^31 - 1 (about 24.8 days), the largest delay Node's `setTimeout` takes. Node turns a larger
 * one into 1 ms (with a `TimeoutOverflowWarning`): a `shutdownTimeoutMillis` of 3e9 would give up on
 * the final export at once and lose the pending spans.
 */
export const MAX_TIMER_MILLIS = 2_147_483_647;

/**
 * Whether `value`, a number of milliseconds read from the environment, is from `min` to
 * {@link MAX_TIMER_MILLIS}, the longest a Node timer waits as asked (NaN is not).
 */
export function isTimerMillis(value: number, min: number): boolean {
  return value >= min && value <= MAX_TIMER_MILLIS;
}

/**
 * The largest queue or export batch size startTracing takes, from an option or an OTEL_BSP_* variable:
 * 2^53 - 1 (`Number.MAX_SAFE_INTEGER`), the largest whole number a JavaScript number holds exactly
 * (`99999999999999999999` reads as 100000000000000000000, a number that is no longer counted in ones).
 */
export const MAX_BATCH_SIZE = Number.MAX_SAFE_INTEGER;

/**
 * `value` of the startTracing option `name`, when it is a string that is not empty or blank.
 * @throws TypeError naming `options.<name>` otherwise.
 */
export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new TypeError(
      `tracehop startTracing: options.${name} must be a string that is not empty or blank, got ${describe(value)}`,
    );
  return value;
}

/**
 * {@link nonEmptyString} for an option exported as a resource attribute (`serviceName`): also no
 * control character or lone surrogate ({@link assertCleanText}).
 * @throws TypeError naming `options.<name>` otherwise.
 */
export function attributeString(name: string, value: unknown): string {
  return assertCleanText(`options.${name}`, nonEmptyString(name, value));
}

/**
 * Throws unless `text`, the startTracing option `what` (`options.serviceName`,
 * `options.resourceAttributes["team"]`), holds no control character (a line break, a tab, NUL, an
 * escape sequence's ESC, DEL, a C1 control) and no lone surrogate. Such a value is a mistake (a line
 * read from a file with its line break, a pasted escape sequence), and it would be exported as is, in a
 * resource attribute every span carries, or name a file nobody meant (`options.spansFile`: any
 * character but NUL names a file, so a path with a line break would be made as written). Returns `text`. The
 * message says which character and where, and quotes the value escaped and cut (`describeValue`);
 * `key`: the text is an attribute key, not quoted again. A pair of surrogates (an emoji) and other
 * Unicode text are kept.
 *
 * @throws TypeError `tracehop startTracing: <what> must not hold a control character or a lone
 *   surrogate: its character 4 is U+000A (line feed), got "api\n"; remove it`.
 */
export function assertCleanText(what: string, text: string, key = false): string {
  const note = uncleanCharacterNote(text);
  if (note === undefined) return text;
  throw new TypeError(
    `tracehop startTracing: ${what} must not hold a control character or a lone surrogate: ${note}` +
      `${key ? "" : `, got ${describeValue(text)}`}; remove it`,
  );
}

/**
 * `value` of the startTracing option `name`: `undefined` when unset, else a finite number of at least `min`.
 * @throws TypeError (not a finite number) or RangeError (under `min`) naming `options.<name>`.
 */
function optionalNumber(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new TypeError(
      `tracehop startTracing: options.${name} must be a finite number, got ${describe(value)}`,
    );
  if (value < min)
    throw new RangeError(
      `tracehop startTracing: options.${name} must be at least ${min}, got ${describeValue(value)}`,
    );
  return value;
}

/**
 * {@link optionalNumber} for a number of milliseconds handed to a timer: also at most
 * {@link MAX_TIMER_MILLIS}, above which Node's `setTimeout` waits 1 ms instead.
 */
export function optionalMillis(name: string, value: unknown, min: number): number | undefined {
  const millis = optionalNumber(name, value, min);
  if (millis !== undefined && millis > MAX_TIMER_MILLIS)
    throw new RangeError(
      `tracehop startTracing: options.${name} must be at most ${MAX_TIMER_MILLIS} ms (2^31 - 1, about 24.8 days: ` +
        `Node's timer limit, above which a timer fires after 1 ms), got ${describeValue(millis)}`,
    );
  return millis;
}

/**
 * A queue or batch size option: a whole number of spans from 1 to {@link MAX_BATCH_SIZE} (2^53 - 1),
 * else a TypeError or RangeError naming it.
 */
export function optionalSize(name: string, value: unknown): number | undefined {
  const number = optionalNumber(name, value, 1);
  if (number !== undefined && !Number.isInteger(number))
    throw new RangeError(
      `tracehop startTracing: options.${name} must be a whole number, got ${describeValue(number)}`,
    );
  if (number !== undefined && number > MAX_BATCH_SIZE)
    throw new RangeError(
      `tracehop startTracing: options.${name} must be at most ${MAX_BATCH_SIZE} (2^53 - 1, the largest whole ` +
        `number a JavaScript number holds exactly), got ${describeValue(number)}`,
    );
  return number;
}

/**
 * Checks that `value`, the startTracing option `name`, is an object with each of `methods` as a function
 * (a sampler, a span processor, an exporter given by the caller).
 * @throws TypeError naming `options.<name>` and the methods otherwise.
 */
export function requireMethods(name: string, value: unknown, methods: string[]): void {
  const target = value as Record<string, unknown> | null;
  for (const method of methods)
    if (target === null || typeof target !== "object" || typeof target[method] !== "function") {
      // A propagator given by name: the styles are built by createPropagator (as withCarrier's hint says).
      const hint = name === "propagator" ? propagatorHint(value) : "";
      throw new TypeError(
        `tracehop startTracing: options.${name} must implement ${methods.join("(), ")}(), got ${describe(value)}${hint}`,
      );
    }
}

/**
 * {@link describeValue}, with the type before a number or a boolean (`number 2`, where a string is
 * expected).
 */
export function describe(value: unknown): string {
  const shown = describeValue(value);
  return typeof value === "number" || typeof value === "boolean" ? `${typeof value} ${shown}` : shown;
}
