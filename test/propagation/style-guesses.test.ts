// One "did you mean" rule: a misspelt style name is guessed by nearestName (the rule behind every
// "did you mean" tracehop says), read through the style names' own normaliser (lower case, no blanks, `-`
// or `_`). nearestName's "the nearest, no tie at its distance" is "the one style within the limit" for
// style names because no two styles are near enough for a name to be within the limit of both: the
// second test holds that against the style list as it grows.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { editDistance, guessLimit, nearestName } from "../../src/edit-distance.js";
import { guessStyle } from "../../src/propagation/create-propagator/style-guesses.js";
import { STYLE_NAMES } from "../../src/propagation/create-propagator/style-names.js";

/** The style names a misspelling can be guessed as, from the list the messages give. */
const STYLES = STYLE_NAMES.split(", ");

/** The style names' normaliser, written out: lower case, blanks, `-` and `_` taken off. */
const squeeze = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, "");

test("a misspelt style is nearestName's answer under the style names' normaliser", () => {
  const pinned: [string, string | undefined][] = [
    ["datdog", "datadog"],
    ["Data-Dog", undefined], // another tool's spelling of datadog: "datadog" itself, not a misspelling
    ["tracecontxt", "tracecontext"],
    ["datadg", "datadog"],
    ["datad\u043eg", "datadog"],
    ["b3multy", "b3multi"],
    ["b3_mult", "b3multi"],
    ["bagage", "baggage"],
    ["b4", undefined],
    ["xyz", undefined],
  ];
  for (const [name, style] of pinned) {
    const guess = guessStyle(name);
    assert.equal(guess?.kind === "misspelt" ? guess.style : undefined, style, name);
  }
  const letters = fc.constantFrom(..."abcdegilmnortux3-_ ".split(""));
  const nearStyle = fc
    .tuple(fc.constantFrom(...STYLES), fc.array(fc.tuple(fc.nat(13), letters), { maxLength: 3 }))
    .map(([style, edits]) => {
      let name: string = style;
      for (const [at, letter] of edits)
        name =
          at % 3 === 0 ? name.slice(0, at) + letter + name.slice(at) : name.slice(0, at) + name.slice(at + 1);
      return name;
    });
  fc.assert(
    fc.property(fc.oneof(nearStyle, fc.string({ maxLength: 14 })), (name) => {
      const guess = guessStyle(name);
      if (guess !== undefined && guess.kind !== "misspelt") return;
      assert.equal(guess?.style, nearestName(name, STYLES, squeeze), JSON.stringify(name));
    }),
    { numRuns: 3000 },
  );
});

test("no name is within the guess limit of two styles: the two tie rules cannot differ", () => {
  // A name within `limit` of two styles makes them at most 2 * limit apart; the longest limit is 2.
  for (const a of STYLES)
    for (const b of STYLES)
      if (a < b) assert.ok(editDistance(a, b) > 2 * guessLimit(Infinity), `${a} and ${b} are too near`);
});
