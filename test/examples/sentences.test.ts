import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_SEGMENT_INPUT, splitSentences } from "../../examples/preprocess/sentences.js";

describe("splitSentences", () => {
  test("splits into trimmed sentences and collapses inner whitespace", () => {
    assert.deepEqual(splitSentences("First one.  Second \t one!\n\nThird?"), [
      "First one.",
      "Second one!",
      "Third?",
    ]);
  });

  test("a long document gives the same sentences as segmenting it whole, cut only at breaks", () => {
    const paragraph = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} is here.`).join(" ");
    const text = Array.from({ length: 60 }, () => paragraph).join("\n\n");
    assert.ok(text.length > 4 * MAX_SEGMENT_INPUT);
    const whole = [...new Intl.Segmenter("en", { granularity: "sentence" }).segment(text)]
      .map((s) => s.segment.replace(/\s+/g, " ").trim())
      .filter(Boolean);
    assert.deepEqual(splitSentences(text), whole);
    assert.equal(whole.length, 40 * 60);
  });

  test("an unbroken run longer than one piece is still fully kept", () => {
    const run = "x".repeat(MAX_SEGMENT_INPUT * 2 + 5);
    assert.equal(splitSentences(run).join(""), run);
  });
});
