import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_SEGMENT_INPUT, sentencesOf, splitSentences } from "../../examples/preprocess/sentences.js";

describe("splitSentences", () => {
  test("splits into trimmed sentences and collapses inner whitespace", () => {
    assert.deepEqual(splitSentences("First one.  Second \t one!\n\nThird?"), [
      "First one.",
      "Second one!",
      "Third?",
    ]);
  });

  test("no text, or only whitespace, has no sentences", () => {
    assert.deepEqual(splitSentences(""), []);
    assert.deepEqual(splitSentences("  \n\n \t\r\n"), []);
  });

  test("a full stop after a title, a Latin lead or an initialism does not end the sentence", () => {
    assert.deepEqual(splitSentences("Dr. Smith arrived."), ["Dr. Smith arrived."]);
    assert.deepEqual(splitSentences("The U.S. Capitol is big. It is old."), [
      "The U.S. Capitol is big.",
      "It is old.",
    ]);
    assert.deepEqual(splitSentences("Mr. Jones met Mrs. Smith and Prof. Lee. They talked."), [
      "Mr. Jones met Mrs. Smith and Prof. Lee.",
      "They talked.",
    ]);
    assert.deepEqual(splitSentences("John F. Kennedy spoke in Washington, D.C. Crowds came."), [
      "John F. Kennedy spoke in Washington, D.C. Crowds came.", // the cost of the rule, as documented
    ]);
    assert.deepEqual(splitSentences("e.g. this"), ["e.g. this"]);
    assert.deepEqual(splitSentences("See e.g. Smith (2001). Next, i.e. Jones."), [
      "See e.g. Smith (2001).",
      "Next, i.e. Jones.",
    ]);
    assert.deepEqual(splitSentences("(Dr. Smith) came. Ok."), ["(Dr. Smith) came.", "Ok."]);
    assert.deepEqual(splitSentences("The guests included Dr.\nSmith and a friend."), [
      "The guests included Dr. Smith and a friend.",
    ]);
  });

  test("a month's abbreviation before a number (a day, a year) does not end the sentence; before a word it does", () => {
    assert.deepEqual(splitSentences("The meeting is on Jan. 5. Bring notes."), [
      "The meeting is on Jan. 5.",
      "Bring notes.",
    ]);
    assert.deepEqual(splitSentences("Due Sept. 30, 2026. Late fees apply."), [
      "Due Sept. 30, 2026.",
      "Late fees apply.",
    ]);
    assert.deepEqual(splitSentences("Prices rose in Dec. 2025 and fell in Jan. 2026. Nobody knows why."), [
      "Prices rose in Dec. 2025 and fell in Jan. 2026.",
      "Nobody knows why.",
    ]);
    assert.deepEqual(splitSentences("Sent Feb. 3 and Oct. 14. Both came."), [
      "Sent Feb. 3 and Oct. 14.",
      "Both came.",
    ]);
    // Before a word, it ends the sentence as any other word's full stop does.
    assert.deepEqual(splitSentences("The last one was in Dec. The next is in Feb. Book early."), [
      "The last one was in Dec.",
      "The next is in Feb.",
      "Book early.",
    ]);
    assert.deepEqual(splitSentences("It ends in Sept. Then it rains."), [
      "It ends in Sept.",
      "Then it rains.",
    ]);
    // "May" is a word, not an abbreviation: its full stop ends the sentence, a number after it too.
    assert.deepEqual(splitSentences("The fair opens in May. Tickets are free."), [
      "The fair opens in May.",
      "Tickets are free.",
    ]);
    assert.deepEqual(splitSentences("Sales fell in May. 2026 Q3 looks better."), [
      "Sales fell in May.",
      "2026 Q3 looks better.",
    ]);
    // Only a month's abbreviation as written, capitalised: "mar." is the verb.
    assert.deepEqual(splitSentences("Nothing can mar. 5. Stop."), ["Nothing can mar.", "5.", "Stop."]);
  });

  test("a full stop after a word that often ends a sentence still ends it", () => {
    assert.deepEqual(splitSentences("We met at 5 p.m. Then we left."), ["We met at 5 p.m.", "Then we left."]);
    assert.deepEqual(splitSentences("He lives on Main St. He is nice."), [
      "He lives on Main St.",
      "He is nice.",
    ]);
    assert.deepEqual(splitSentences("I said no. No. Never."), ["I said no.", "No.", "Never."]);
    assert.deepEqual(splitSentences("I met the Dr."), ["I met the Dr."]);
  });

  test("decimals, ellipses, ?!, quotes", () => {
    assert.deepEqual(splitSentences("3.14 is pi. Pi is 3.14. It is irrational."), [
      "3.14 is pi.",
      "Pi is 3.14.",
      "It is irrational.",
    ]);
    assert.deepEqual(splitSentences("Wait... what? Fine."), ["Wait... what?", "Fine."]);
    assert.deepEqual(splitSentences("Really?! Yes."), ["Really?!", "Yes."]);
    assert.deepEqual(splitSentences('He said "Stop." Then he left.'), ['He said "Stop."', "Then he left."]);
    assert.deepEqual(splitSentences('"Who is it?" she asked. "Me!" he said. Fine.'), [
      '"Who is it?" she asked.',
      '"Me!" he said.',
      "Fine.",
    ]);
  });

  test("a line break inside a paragraph is a space; a blank line, list item or heading ends a sentence", () => {
    const text = [
      "# Title",
      "A paragraph wrapped at a fixed",
      "width is one sentence. This is",
      "another.",
      "",
      "A paragraph without a full stop",
      "",
      "- a list item",
      "- another item",
      "  1. a numbered item",
      "2) and one more",
      "\u2022 a bullet\r\nwrapped",
    ].join("\n");
    assert.deepEqual(splitSentences(text), [
      "# Title",
      "A paragraph wrapped at a fixed width is one sentence.",
      "This is another.",
      "A paragraph without a full stop",
      "- a list item",
      "- another item",
      "1. a numbered item",
      "2) and one more",
      "\u2022 a bullet wrapped",
    ]);
  });

  test("text in other languages and scripts", () => {
    assert.deepEqual(splitSentences("これは文です。次の文です。"), ["これは文です。", "次の文です。"]);
    assert.deepEqual(splitSentences("Das ist gut. Dann ging er, z.B. nach Hause.", "de"), [
      "Das ist gut.",
      "Dann ging er, z.B. nach Hause.",
    ]);
    assert.deepEqual(splitSentences("Это Д. Иванов. Да.", "ru"), ["Это Д.", "Иванов.", "Да."]); // UAX #29 only
    assert.deepEqual(splitSentences("Это Д. Иванов. Да."), ["Это Д. Иванов.", "Да."]); // initial, English rule
    assert.deepEqual(splitSentences("¿Qué? ¡Nada! Bien.", "es"), ["¿Qué?", "¡Nada!", "Bien."]);
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

  test("a paragraph longer than one piece, wrapped in lines, is not cut inside a sentence", () => {
    const sentences = Array.from({ length: 3000 }, (_, i) => `Dr. Smith saw patient number ${i} today.`);
    const text = sentences.join(" ").replace(/ (?=patient)/g, "\n");
    assert.ok(text.length > 4 * MAX_SEGMENT_INPUT);
    assert.deepEqual(splitSentences(text), sentences);
  });

  test("sentencesOf gives the same sentences one at a time", () => {
    const text = "Dr. Smith came.\n\n- A list item\n# A heading\nWho? she asked. ".repeat(2000);
    assert.deepEqual([...sentencesOf(text)], splitSentences(text));
    assert.deepEqual([...sentencesOf("Это Д. Иванов. Да.", "ru")], ["Это Д.", "Иванов.", "Да."]);
    // A generator: the first of 2 MiB of short sentences (350 000) is had without the others.
    const first = sentencesOf("Hi a. ".repeat(350_000)).next();
    assert.deepEqual(first, { value: "Hi a.", done: false });
  });

  test("an unbroken run longer than one piece is still fully kept", () => {
    const run = "x".repeat(MAX_SEGMENT_INPUT * 2 + 5);
    assert.equal(splitSentences(run).join(""), run);
  });
});
