// The distance behind every "did you mean" tracehop says: a misspelt style name (the style settings'
// warnings, createPropagator's TypeError), a misspelt option name (every entry point's TypeError) and a
// misspelt option or command of `tracehop`.

/**
 * Internal: the optimal string alignment distance from `a` to `b` (Damerau's restricted edit distance):
 * the fewest one-character insertions, deletions, substitutions and swaps of two adjacent characters,
 * each substring edited once. A swap counts one (`feild` is 1 from `field`, where Levenshtein's distance
 * counts 2): the typing slip Damerau (1964) found most common after the one-letter ones. Compares UTF-16
 * code units, case-sensitively; `O(a.length * b.length)` time.
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the table: the one before the previous is what a swap reads.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let cost = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        cost = Math.min(cost, before[j - 2]! + 1);
      row[j] = cost;
    }
    before = previous;
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * Internal: how far from a name of `length` characters a guess may be: 2 edits for five characters or
 * more, 1 for three or four, none below (`b4` is no guess: a one-letter change of a two-letter name is
 * another name).
 */
export function guessLimit(length: number): number {
  return length >= 5 ? 2 : length >= 3 ? 1 : 0;
}

/**
 * Internal: the one of `candidates` that `name` misspells: the nearest by {@link editDistance} under
 * `key` (each side read through it: lower-cased, the dashes taken off; a style name's blanks, `-` and
 * `_` too, so that `b3_mult` is one edit from `b3multi`), within {@link guessLimit} of
 * `name`'s key, when no other candidate is as near; else `undefined`. A candidate whose key's length
 * differs from `name`'s by more than the limit is not measured (the distance is at least that
 * difference): a name of a million characters costs a comparison of lengths, not a table of its size.
 */
export function nearestName<T extends string>(
  name: string,
  candidates: readonly T[],
  key: (name: string) => string = (text) => text,
): T | undefined {
  const wanted = key(name);
  const limit = guessLimit(wanted.length);
  let best: T | undefined;
  let bestDistance = Infinity;
  let tied = false;
  for (const candidate of candidates) {
    const other = key(candidate);
    // Too far to be the guess; and a tie among such is no guess either way (the best is over the limit).
    if (Math.abs(other.length - wanted.length) > limit) continue;
    const distance = editDistance(wanted, other);
    if (distance < bestDistance) [best, bestDistance, tied] = [candidate, distance, false];
    else if (distance === bestDistance) tied = true;
  }
  return bestDistance <= limit && !tied ? best : undefined;
}
