import { describeNotPlain, describeValue } from "./describe-value.js";
import { nearestName } from "./edit-distance.js";
import { isPlainObject } from "./plain-object.js";

/**
 * Throws the TypeError of an options object that holds a name not in `names`: a misspelt option
 * (`relaton`, `spansfile`) gives JavaScript callers no compile error and would otherwise do nothing
 * without a word. `where` begins the message (`tracehop withCarrier`). Only own enumerable keys are
 * read. `undefined` is left to the caller (no options); any other value that is not a plain object
 * (its prototype Object.prototype, or none) is refused, `null` included: the own fields of a Map, a
 * Date, an array or a boxed primitive are not options, and such a value was taken as none; `null`
 * gave the engine's own TypeError where the caller then read a field (`new DatadogPropagator(null)`).
 * A caller that takes `null` as no options (the carrier functions, `assertCarrierOptions`) says so
 * before calling this.
 *
 * @throws TypeError naming the unknown option and the known one it misspells (`<where>: there is no
 *   option "relaton"; did you mean relation?`, as {@link knownNameHint} finds it), else listing the
 *   known ones (`…; the options are relation, maxParentAge`); or what was given instead of a plain
 *   object (`<where>: options must be a plain object, got null`).
 */
export function assertKnownOptions(options: unknown, names: readonly string[], where: string): void {
  if (options === undefined) return;
  assertPlainOptions(options, where);
  const unknown = firstUnknownKey(options as object, names);
  if (unknown !== undefined)
    throw new TypeError(
      `${where}: there is no option ${describeValue(unknown)}; ${knownNameHint(unknown, names, "the options are")}`,
    );
}

/**
 * The end of the message of a name that is not among `names` (an option, a field): `did you mean
 * relation?` when one of `names` is near it, else `<list> a, b, c` (`list`: `the options are`), or
 * `there are none` when `names` is empty (a wrapper that takes no options). Near is
 * the CLI's "did you mean" rule (`nearestName`: an edit distance of 1 for a name of three or four
 * characters, 2 for five or more, a swap of two letters one edit, one name alone that near), the names
 * compared case-insensitively and without blanks, `_` and `-`: `serviceNAME`,
 * `service_name` and `service-name` are `serviceName`. Only called when a name is refused: a call with
 * the right options never reaches it.
 *
 * Public (from `tracehop`) for code that wraps tracehop with options of its own (the example's queues),
 * so that a misspelt name there is answered as tracehop answers one of its own:
 * `` `MyQueue: there is no option "maxAttempt"; ${knownNameHint("maxAttempt", names, "the options are")}` ``.
 * Never throws for strings.
 */
export function knownNameHint(name: string, names: readonly string[], list: string): string {
  if (names.length === 0) return "there are none";
  const near = nearestName(name, names, optionKey);
  return near === undefined ? `${list} ${names.join(", ")}` : `did you mean ${near}?`;
}

/** An option name as {@link knownNameHint} compares it: lower-cased, without blanks, `_` and `-`. */
function optionKey(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, "");
}

/**
 * Internal: the first own enumerable key of `object` that is not in `names`, or `undefined`. A for-in
 * with an own-key test instead of Object.keys: no array per call (captureCarrier and
 * contextFromCarrier check their options on every call).
 */
export function firstUnknownKey(object: object, names: readonly string[]): string | undefined {
  for (const key in object) if (Object.hasOwn(object, key) && !names.includes(key)) return key;
  return undefined;
}

/**
 * Throws the TypeError of options that are not a plain object (see {@link assertKnownOptions}), for an
 * entry point that checks the option names later, after checks of its own whose messages should come
 * first (`withSendSpan` asks for `system` before naming an unknown option).
 *
 * @throws TypeError `<where>: options must be a plain object, got …`: what was given (`a Map`, `null`),
 *   and for an object of another realm or one made by `Object.create(...)` what to pass instead
 *   (`describeNotPlain`).
 */
export function assertPlainOptions(options: unknown, where: string): void {
  if (!isPlainObject(options))
    throw new TypeError(`${where}: options must be a plain object, got ${describeNotPlain(options)}`);
}
