/**
 * Throws the TypeError of an options object that holds a name not in `names`: a misspelt option
 * (`relaton`, `spansfile`) gives JavaScript callers no compile error and would otherwise do nothing
 * without a word. `where` begins the message (`tracehop withCarrier`). Only own enumerable keys are
 * read; a non-object is left to the caller's own check.
 *
 * @throws TypeError naming the unknown option and listing the known ones.
 */
export function assertKnownOptions(options: unknown, names: readonly string[], where: string): void {
  if (options === null || typeof options !== "object") return;
  // for-in with an own-key test instead of Object.keys: no array per call (captureCarrier and
  // contextFromCarrier run this on every call).
  for (const key in options) {
    if (!Object.hasOwn(options, key) || names.includes(key)) continue;
    throw new TypeError(
      `${where}: there is no option ${JSON.stringify(key)}; the options are ${names.join(", ")}`,
    );
  }
}
