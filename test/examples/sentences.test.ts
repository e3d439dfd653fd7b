import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_SEGMENT_INPUT, sentencesOf, splitSentences } from "../../examples/preprocess/sentences.js";

/** The sentences of `line` as the only line of a fenced code block, without the fences. */
const code = (line: string) => splitSentences(`\`\`\`\n${line}\n\`\`\``);

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

  test("a month's abbreviation in capitals is one too; in lower case it is a word", () => {
    assert.deepEqual(splitSentences("We met on JAN. 5. Then we left."), [
      "We met on JAN. 5.",
      "Then we left.",
    ]);
    assert.deepEqual(splitSentences("DUE SEPT. 30, 2026. LATE FEES APPLY."), [
      "DUE SEPT. 30, 2026.",
      "LATE FEES APPLY.",
    ]);
    assert.deepEqual(splitSentences("We met on JAN.\n5. Bring notes."), [
      "We met on JAN. 5.",
      "Bring notes.",
    ]);
    // Before a word it ends the sentence, as in title case.
    assert.deepEqual(splitSentences("IT ENDS IN DEC. THEN IT RAINS."), ["IT ENDS IN DEC.", "THEN IT RAINS."]);
    // Lower case ("jan.", "mar.", "dec.") and mixed case ("JAn.") are words: their full stop ends the sentence.
    assert.deepEqual(splitSentences("We met on jan. 5. Then we left."), [
      "We met on jan.",
      "5.",
      "Then we left.",
    ]);
    assert.deepEqual(splitSentences("We met on JAn. 5. Then we left."), [
      "We met on JAn.",
      "5.",
      "Then we left.",
    ]);
  });

  test("a month's abbreviation before a number in any script's decimal digits does not end the sentence", () => {
    assert.deepEqual(splitSentences("Due Jan. \uff15, 2026. Then we left."), [
      "Due Jan. \uff15, 2026.",
      "Then we left.",
    ]);
    assert.deepEqual(splitSentences("Due Jan. \u0665. Then we left."), ["Due Jan. \u0665.", "Then we left."]);
    assert.deepEqual(splitSentences("Due JAN. \u096b. Then we left."), ["Due JAN. \u096b.", "Then we left."]);
    assert.deepEqual(splitSentences("We met on Jan.\n\uff15. Bring notes."), [
      "We met on Jan. \uff15.",
      "Bring notes.",
    ]);
    // A list marker's number is ASCII digits only (CommonMark 0.31 §5.2): "\uff11. " leads no item.
    assert.deepEqual(splitSentences("\uff11. Full. Width."), ["\uff11.", "Full.", "Width."]);
    assert.deepEqual(splitSentences("It opened in\n\uff12. Then it closed."), [
      "It opened in \uff12.",
      "Then it closed.",
    ]);
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

  // Review (new-user trial): "5 p.m. Tuesday" was cut after "p.m.". The pragmatic segmenter's rule (AmPmRules):
  // a.m. or p.m., either case, ends the sentence before a capital, not before a lower-case word or a digit; here
  // not before a weekday's or a month's name or a time zone either, which go on the time.
  test("a.m. and p.m. end a sentence before a capitalised word, not before a day, a month or a time zone", () => {
    for (const [text, expected] of [
      ["We meet at 5 p.m. Tuesday in Room 4.", ["We meet at 5 p.m. Tuesday in Room 4."]],
      ["We meet at 5 P.M. Tuesday in Room 4.", ["We meet at 5 P.M. Tuesday in Room 4."]],
      ["Doors open at 9 a.m. Saturday, June 6.", ["Doors open at 9 a.m. Saturday, June 6."]],
      ["Open 9 A.M. to 5 P.M. Mon. to Fri. only.", ["Open 9 A.M. to 5 P.M. Mon. to Fri. only."]],
      ["It starts at 8 a.m. January 5 this year.", ["It starts at 8 a.m. January 5 this year."]],
      ["It starts at 8 a.m. Jan. 5 this year.", ["It starts at 8 a.m. Jan. 5 this year."]],
      ["Call at 5 p.m. EST on Friday.", ["Call at 5 p.m. EST on Friday."]],
      ["Call at 5 p.m. (UTC) on Friday.", ["Call at 5 p.m. (UTC) on Friday."]],
      ["At 9 a.m. tomorrow we go.", ["At 9 a.m. tomorrow we go."]],
      ["At 9 a.m. 6 people came.", ["At 9 a.m. 6 people came."]],
      // A name in capitals, or emphasised, and the time zones of other places (a trial's L4: cut after p.m.).
      ["We meet at 5 P.M. TUESDAY in Room 4.", ["We meet at 5 P.M. TUESDAY in Room 4."]],
      ["We meet at 5 p.m. TUE. in Room 4.", ["We meet at 5 p.m. TUE. in Room 4."]],
      ["Doors open at 9 A.M. SATURDAY, JUNE 6.", ["Doors open at 9 A.M. SATURDAY, JUNE 6."]],
      ["It ends at 5 p.m. MAY 31 this year.", ["It ends at 5 p.m. MAY 31 this year."]],
      ["We meet at 5 p.m. *Tuesday* in Room 4.", ["We meet at 5 p.m. *Tuesday* in Room 4."]],
      ["We meet at 5 p.m. **Tuesday** in Room 4.", ["We meet at 5 p.m. **Tuesday** in Room 4."]],
      ["We meet at 5 p.m. _Tuesday_ in Room 4.", ["We meet at 5 p.m. _Tuesday_ in Room 4."]],
      ...[
        "HST",
        "AKST",
        "NZST",
        "NZDT",
        "ACST",
        "AWST",
        "AST",
        "SAST",
        "MSK",
        "HKT",
        "SGT",
        "KST",
        "BRT",
      ].map((zone) => [`Call at 5 p.m. ${zone} on Friday.`, [`Call at 5 p.m. ${zone} on Friday.`]] as const),
      // A new-user trial: plural weekdays, ranges of days, abbreviations without a full stop before a number,
      // more zones, a zone's name before "time", and inline code or strikethrough around a day.
      ["Open until 5 p.m. Tuesdays and Thursdays.", ["Open until 5 p.m. Tuesdays and Thursdays."]],
      ["Class runs 5 p.m.-7 p.m. Tuesdays.", ["Class runs 5 p.m.-7 p.m. Tuesdays."]],
      ["Open 9 a.m. to 5 p.m. Mon-Fri.", ["Open 9 a.m. to 5 p.m. Mon-Fri."]],
      ["Open 9 a.m. to 5 p.m. Mon\u2013Fri.", ["Open 9 a.m. to 5 p.m. Mon\u2013Fri."]],
      ["Open 9 a.m. to 5 p.m. Mon \u2013 Thurs only.", ["Open 9 a.m. to 5 p.m. Mon \u2013 Thurs only."]],
      ["Open 9 a.m. to 5 p.m. Tu-Th only.", ["Open 9 a.m. to 5 p.m. Tu-Th only."]],
      ["It opens at 5 p.m. Jan 5 this year.", ["It opens at 5 p.m. Jan 5 this year."]],
      ["It opens at 5 p.m. Sat 3 June.", ["It opens at 5 p.m. Sat 3 June."]],
      ["It ends at 5 p.m. May 5th this year.", ["It ends at 5 p.m. May 5th this year."]],
      ["It opens at 5 p.m. Weds. in Room 4.", ["It opens at 5 p.m. Weds. in Room 4."]],
      ["It opens at 5 p.m. Weds in Room 4.", ["It opens at 5 p.m. Weds in Room 4."]],
      ["It opens at 5 p.m. Tu. in Room 4.", ["It opens at 5 p.m. Tu. in Room 4."]],
      ["It opens at 5 p.m. Th. in Room 4.", ["It opens at 5 p.m. Th. in Room 4."]],
      ...["GST", "IDT", "MYT", "ACWST", "WIT", "WITA", "NPT", "IRST", "TRT"].map(
        (zone) => [`Call at 5 p.m. ${zone} on Friday.`, [`Call at 5 p.m. ${zone} on Friday.`]] as const,
      ),
      ["Call at 9 a.m. Pacific time on Friday.", ["Call at 9 a.m. Pacific time on Friday."]],
      ["Call at 5 A.M. Eastern Time on Friday.", ["Call at 5 A.M. Eastern Time on Friday."]],
      ["Call at 5 a.m. Central time on Friday.", ["Call at 5 a.m. Central time on Friday."]],
      ["Call at 5 a.m. Mountain time on Friday.", ["Call at 5 a.m. Mountain time on Friday."]],
      ["Call at 5 p.m. Central European Summer Time.", ["Call at 5 p.m. Central European Summer Time."]],
      ["Call at 5 p.m. Pacific Standard Time.", ["Call at 5 p.m. Pacific Standard Time."]],
      ["We meet at 9 a.m. `Monday` in Room 4.", ["We meet at 9 a.m. `Monday` in Room 4."]],
      ["We meet at 9 a.m. ~~Monday~~ in Room 4.", ["We meet at 9 a.m. ~~Monday~~ in Room 4."]],
      // Those words start a sentence otherwise: a zone's region without "time", "Sun" the word, "Sun-" not
      // before a day, "Sat" the verb, "Mon" alone.
      ["We met at 5 p.m. Pacific waters rose.", ["We met at 5 p.m.", "Pacific waters rose."]],
      ["We met at 5 p.m. Sun shone all day.", ["We met at 5 p.m.", "Sun shone all day."]],
      ["We met at 5 p.m. Sun-dried figs came.", ["We met at 5 p.m.", "Sun-dried figs came."]],
      ["We met at 5 p.m. Sat by the fire, I read.", ["We met at 5 p.m.", "Sat by the fire, I read."]],
      ["We met at 5 p.m. Mon ami came.", ["We met at 5 p.m.", "Mon ami came."]],
      ["We met at 5 p.m. Central banks rose.", ["We met at 5 p.m.", "Central banks rose."]],
      // A word that is a zone's letters only in capitals starts a sentence as written ("Art", "Eat", "Cat").
      ["We met at 5 p.m. Art came later.", ["We met at 5 p.m.", "Art came later."]],
      ["We met at 5 p.m. *The* next day it rained.", ["We met at 5 p.m.", "*The* next day it rained."]],
      // The ambiguous case, as the pragmatic segmenter has it: a capital starts the next sentence.
      ["We met at 5 p.m. The next day it rained.", ["We met at 5 p.m.", "The next day it rained."]],
      ["He left at 6 P.M. Mr. Smith stayed.", ["He left at 6 P.M.", "Mr. Smith stayed."]],
      ["We left at 5 p.m. I stayed.", ["We left at 5 p.m.", "I stayed."]],
      // "May" is a word that starts sentences: the month only before a number.
      ["We met at 5 p.m. May we go?", ["We met at 5 p.m.", "May we go?"]],
      ["It ends at 5 p.m. May 31 this year.", ["It ends at 5 p.m. May 31 this year."]],
      // At a line's end, before an ordered list item's line, it ends the line's sentence, in either case.
      ["Open until 5 P.M.\n2. Bring your card.", ["Open until 5 P.M.", "2. Bring your card."]],
      ["Open until 5 p.m.\n2. Bring your card.", ["Open until 5 p.m.", "2. Bring your card."]],
    ] as const)
      assert.deepEqual(splitSentences(text), expected, text);
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

  test("a numbered list item keeps its number with its text, whatever the text starts with", () => {
    // UAX #29 (SB11) ends a sentence after "1." when a capital follows: the number was a sentence of its own.
    assert.deepEqual(splitSentences("1. One.\n2. Two."), ["1. One.", "2. Two."]);
    assert.deepEqual(splitSentences("1. one.\n2. two."), ["1. one.", "2. two."]);
    assert.deepEqual(splitSentences("Steps:\n\n1. Open it.\n2. Close it."), [
      "Steps:",
      "1. Open it.",
      "2. Close it.",
    ]);
    // Either delimiter, numbers of several digits, an item of several sentences (only its first keeps the number).
    assert.deepEqual(splitSentences("9) Nine. More of it.\n10. Ten.\n11) Eleven.\n123456789. Last."), [
      "9) Nine.",
      "More of it.",
      "10. Ten.",
      "11) Eleven.",
      "123456789. Last.",
    ]);
    // After a heading; nested under a bullet, indented or on the bullet's line; text that starts with a quote.
    assert.deepEqual(
      splitSentences('## Steps\n1. Open it.\n- Tasks\n  1. Write it. Then test it.\n  2. "Ship it."'),
      ["## Steps", "1. Open it.", "- Tasks", "1. Write it.", "Then test it.", '2. "Ship it."'],
    );
    assert.deepEqual(splitSentences("- 1. One.\n- 2. Two."), ["- 1. One.", "- 2. Two."]);
    // An item whose text starts with another item: a list nested on its parent's line, any markers.
    assert.deepEqual(splitSentences("1. 2. Three."), ["1. 2. Three."]);
    assert.deepEqual(splitSentences("1) 2) 3. Three."), ["1) 2) 3. Three."]);
    assert.deepEqual(splitSentences("1. - One."), ["1. - One."]);
    assert.deepEqual(splitSentences("- * 1. One. Two.\n- 2. Three."), ["- * 1. One.", "Two.", "- 2. Three."]);
    assert.deepEqual(splitSentences("1.  2.\tThree."), ["1. 2. Three."]);
    // The number of a numbered heading too.
    assert.deepEqual(splitSentences("## 2. Usage\n### 2.1. Notes\nText."), [
      "## 2. Usage",
      "### 2.1. Notes",
      "Text.",
    ]);
    // Markdown, not English: in any locale.
    assert.deepEqual(splitSentences("1. Eins. Zwei.\n2. Drei.", "de"), ["1. Eins.", "Zwei.", "2. Drei."]);
  });

  test("a line starting with a number other than 1 goes on a paragraph; in a list it is the next item (CommonMark)", () => {
    // CommonMark 0.31 §5.2: an ordered list interrupts a paragraph only when it starts with 1. Hard-wrapped
    // prose puts a year or a day at a line's start.
    assert.deepEqual(splitSentences("It opened in\n1998. Then it closed."), [
      "It opened in 1998.",
      "Then it closed.",
    ]);
    assert.deepEqual(splitSentences("We met on Jan.\n5. Bring notes."), [
      "We met on Jan. 5.",
      "Bring notes.",
    ]);
    assert.deepEqual(splitSentences("To do:\n1. Open it.\n2. Close it."), [
      "To do:",
      "1. Open it.",
      "2. Close it.",
    ]);
    assert.deepEqual(splitSentences("Intro.\n\n5. Fifth.\n6. Sixth."), ["Intro.", "5. Fifth.", "6. Sixth."]);
    assert.deepEqual(splitSentences("# Later steps\n5. Fifth.\n6. Sixth."), [
      "# Later steps",
      "5. Fifth.",
      "6. Sixth.",
    ]);
    // In a list: after an item's wrapped line, after a bullet item, after an item's indented paragraph.
    assert.deepEqual(splitSentences("1. Open the\nlid.\n2. Close it."), ["1. Open the lid.", "2. Close it."]);
    assert.deepEqual(splitSentences("- Milk\n2. Eggs"), ["- Milk", "2. Eggs"]);
    assert.deepEqual(splitSentences("1. Open it.\n\n   Gently.\n2. Close it."), [
      "1. Open it.",
      "Gently.",
      "2. Close it.",
    ]);
    // A paragraph after the list, not indented, is not in it.
    assert.deepEqual(splitSentences("- Milk\n\nIt opened in\n1998. Then it closed."), [
      "- Milk",
      "It opened in 1998.",
      "Then it closed.",
    ]);
  });

  // Found in review: after a line that ends a sentence, a line "2. …" is a list interrupted by a page, a
  // note or a paragraph, and going on the paragraph (CommonMark's reading) glued the number to its end.
  test("after a line that ends a sentence, a line starting with a number is the next item", () => {
    assert.deepEqual(splitSentences("Steps continued from page 1:\n2. Open the lid.\n3. Pour the water."), [
      "Steps continued from page 1:",
      "2. Open the lid.",
      "3. Pour the water.",
    ]);
    assert.deepEqual(splitSentences("1. First step.\n\nNote: be careful.\n2. Second step."), [
      "1. First step.",
      "Note: be careful.",
      "2. Second step.",
    ]);
    assert.deepEqual(splitSentences("Rates rose 5%.\n2. The second thing."), [
      "Rates rose 5%.",
      "2. The second thing.",
    ]);
    assert.deepEqual(splitSentences("Done?\n2) Next one."), ["Done?", "2) Next one."]);
    // Not after a month's abbreviation: the day goes on ("We met on Jan.\n5. Bring notes.", above).
  });

  // Found trying the README as a new user (uN2): a table was one sentence run through its cells, front
  // matter's lines one sentence, and markup lines (fences, underlines, breaks) sentences of their own.
  test("a table's rows and front matter's lines are each a sentence; markup lines are none", () => {
    assert.deepEqual(
      splitSentences("Intro:\n\n| A | B |\n|---|:-:|\n| one. two | three |\n| four | five. Six. |\n\nAfter."),
      ["Intro:", "| A | B |", "| one. two | three |", "| four | five. Six. |", "After."],
    );
    assert.deepEqual(splitSentences("a | b\n--- | ---\n1 | 2"), ["a | b", "1 | 2"]);
    assert.deepEqual(splitSentences("| a |\n|---|\n| b |\nText. More."), [
      "| a |",
      "| b |",
      "Text.",
      "More.",
    ]);
    // A line with a bar and no delimiter row under it is prose.
    assert.deepEqual(splitSentences("x | y\nz."), ["x | y z."]);
    assert.deepEqual(
      splitSentences("---\ntitle: Release notes\nauthor: Jane Doe\n---\n\n# Notes\nText. More."),
      ["title: Release notes", "author: Jane Doe", "# Notes", "Text.", "More."],
    );
    assert.deepEqual(splitSentences("---\ntitle: x\n...\nText."), ["title: x", "Text."]);
    // Not closed: no front matter; the first line a thematic break.
    assert.deepEqual(splitSentences("---\ntitle: x\n\nText."), ["title: x", "Text."]);
    // Review rD: prose between two separator lines is no front matter, nor a "..." that ends a line of it; a
    // fence's info string of more than a word is text, kept; a delimiter row is read a cell at a time (a
    // pattern over the whole line took quadratic time on a run of spaces: 6.5 s for 80 000).
    assert.deepEqual(splitSentences("---\nChapter one. It was dark.\n---\nChapter two. It was light."), [
      "Chapter one.",
      "It was dark.",
      "Chapter two.",
      "It was light.",
    ]);
    assert.deepEqual(splitSentences("---\nHe paused\n...\nThen spoke."), ["He paused ...", "Then spoke."]);
    assert.deepEqual(splitSentences("---\n\ntitle: x\n---\nText."), ["title: x", "Text."]);
    assert.deepEqual(splitSentences("~~~ Intro ~~~\nHello. World.\n~~~\nBody."), [
      "~~~ Intro ~~~",
      "Hello. World.",
      "Body.",
    ]);
    const spaces = `a | b\n|---${" ".repeat(1_000_000)}x`;
    assert.deepEqual(splitSentences(spaces), [`a | b |---${" ".repeat(1_000_000)}x`.replace(/ +/g, " ")]);
    assert.deepEqual(splitSentences("Title\n=====\n\n```sh\nnpm start\n```\n\n***\nEnd."), [
      "Title",
      "npm start",
      "End.",
    ]);
  });

  test("a list item's markers alone on their line are an empty item, or go with the item's text on the next", () => {
    // CommonMark 0.31 §5.2: an item may start with a blank line; its text, if any, is indented under its markers.
    assert.deepEqual(splitSentences("1.\n2. Two."), ["1.", "2. Two."]);
    assert.deepEqual(splitSentences("1.\n2.\n3. Three."), ["1.", "2.", "3. Three."]);
    assert.deepEqual(splitSentences("1.\nTwo."), ["1.", "Two."]);
    assert.deepEqual(splitSentences("-\n- Two.\n*\n\n- Four."), ["-", "- Two.", "*", "- Four."]);
    assert.deepEqual(splitSentences("1. 2.\n3. Three."), ["1. 2.", "3. Three."]);
    // The text under the markers, and a list nested there, stay with them.
    assert.deepEqual(splitSentences("1.\n   One. More.\n2.\n   - Two."), ["1. One.", "More.", "2. - Two."]);
    // After a blank line the text is not the item's: an item starts with at most one blank line.
    assert.deepEqual(splitSentences("1.\n\n   One."), ["1.", "One."]);
    // Alone on a line, markers do not interrupt a paragraph: "1." and "-" go on it (two dashes or more
    // underline it: the next test).
    assert.deepEqual(splitSentences("Version\n1.\n5 is out."), ["Version 1. 5 is out."]);
    assert.deepEqual(splitSentences("Title\n-\nText."), ["Title - Text."]);
  });

  test("an underlined heading and a thematic break end the paragraph before them; their line is its own", () => {
    // CommonMark 0.31 §4.3 (setext headings: a line of = or - under a paragraph) and §4.1 (thematic breaks:
    // three or more *, - or _, spaces between allowed); a plain-text title underlined alike.
    assert.deepEqual(splitSentences("Title\n=====\nText here. More."), ["Title", "Text here.", "More."]);
    assert.deepEqual(splitSentences("Chapter 1\n---------\n\nIt began."), ["Chapter 1", "It began."]);
    assert.deepEqual(splitSentences("A title on\ntwo lines\n==\nText."), ["A title on two lines", "Text."]);
    assert.deepEqual(splitSentences("Some text\n***\nMore."), ["Some text", "More."]);
    assert.deepEqual(splitSentences("* * *\nMore.\n\n- - -\n_____"), ["More."]);
    // A thematic break ends a list; "-" or "=" with nothing before in the block is no underline.
    assert.deepEqual(splitSentences("- One.\n---\nAfter."), ["- One.", "After."]);
    assert.deepEqual(splitSentences("=====\nText."), ["===== Text."]);
    assert.deepEqual(splitSentences("- One.\n-"), ["- One.", "-"]);
    // Not a break: fewer than three marks, other characters on the line, a dash in a sentence; one "=" or
    // "-" is no underline (plain text wraps an equals or a minus sign onto a line of its own).
    assert.deepEqual(splitSentences("The total is\n=\n42."), ["The total is = 42."]);
    assert.deepEqual(splitSentences("Score:\n3\n-\n2 to us."), ["Score: 3 - 2 to us."]);
    assert.deepEqual(splitSentences("** bold\nText."), ["** bold Text."]);
    assert.deepEqual(splitSentences("Range 5\n-- 10 works."), ["Range 5 -- 10 works."]);
  });

  // Found in review (hS): a block quote's markers on its continuation lines were read as text ("One line >
  // continues here."), and a quote did not end at a blank quote line (">") or at a change of depth.
  test("a block quote's markers are markup: its first line keeps them as a lead, its other lines lose them", () => {
    // CommonMark 0.31 §5.1: "> " (a space or tab after it optional) before each line.
    assert.deepEqual(splitSentences("> One line\n> continues here. Second."), [
      "> One line continues here.",
      "Second.",
    ]);
    assert.deepEqual(splitSentences("> > Nested line\n> > goes on. Two."), [
      "> > Nested line goes on.",
      "Two.",
    ]);
    assert.deepEqual(splitSentences(">> Mail style\n>> wrapped. Two."), [">> Mail style wrapped.", "Two."]);
    assert.deepEqual(splitSentences(">>\tTabbed\n>>\n>> Next"), [">> Tabbed", ">> Next"]);
    // A quote line with nothing after its markers is a blank line: it ends the paragraph, not the quote.
    assert.deepEqual(splitSentences("> First paragraph\n>\n> Second one.\n> >\n>"), [
      "> First paragraph",
      "> Second one.",
    ]);
    // A quote starts a block, and a change of depth starts another (mail: each depth another writer's text).
    assert.deepEqual(splitSentences("On Monday Jane wrote:\n> Can you come\n> > Who asked\n> Tell me"), [
      "On Monday Jane wrote:",
      "> Can you come",
      "> > Who asked",
      "> Tell me",
    ]);
    assert.deepEqual(splitSentences("> Quoted\n\nMy reply. Done."), ["> Quoted", "My reply.", "Done."]);
    // Inside a line, or indented four columns past a paragraph's line (lazy), a ">" is text.
    assert.deepEqual(splitSentences("If a > b, stop. Then c >= d."), ["If a > b, stop.", "Then c >= d."]);
    assert.deepEqual(splitSentences("A paragraph\n    > goes on. Yes."), ["A paragraph > goes on.", "Yes."]);
  });

  // Review hR: a ">" that is an operator at a line's start was read as a quote's marker and dropped (">= 20 GB
  // disk = 4 GB RAM"), and a reply typed under a quoted line was joined into the quote (lazy continuation).
  test("a '>' with text right after it is text, not a quote's marker; a line without markers ends a quote", () => {
    assert.deepEqual(splitSentences("Requirements:\n\n>= 20 GB disk\n>= 4 GB RAM\n"), [
      "Requirements:",
      ">= 20 GB disk", // a block of short lines (lineCuts)
      ">= 4 GB RAM",
    ]);
    assert.deepEqual(splitSentences("Shift it:\n>>= 2 bits\n->> x"), ["Shift it:", ">>= 2 bits", "->> x"]);
    // After a quote's markers too: a run of ">" with text right after it is one token, all of it text.
    assert.deepEqual(splitSentences("> Needs:\n> >= 4 GB RAM\n> >>= 2 bits."), [
      "> Needs: >= 4 GB RAM >>= 2 bits.",
    ]);
    // The price: mail's ">text", with no space after the marker, is text too (its ">" kept, the line no quote).
    // (Its short lines, no terminator at the end, are each a sentence: a block of short lines, lineCuts.)
    assert.deepEqual(splitSentences("> Quoted\n>wrapped\n>>also"), ["> Quoted", ">wrapped", ">>also"]);
    assert.deepEqual(splitSentences("> Quoted\n>wrapped\n>>also."), ["> Quoted", ">wrapped >>also."]);
    // Review (lead's list of faults), kept: "> " at a wrapped line's start starts a quote there, as in
    // CommonMark (0.31.2 §5.1, example 247: "Block quotes can interrupt paragraphs", "foo\n> bar" is a
    // paragraph and a quote). A ">" with text right after it is text here, as above; four columns in, it goes
    // on the paragraph.
    assert.deepEqual(splitSentences("Studies show that\n> 50% of users agree. Most do."), [
      "Studies show that",
      "> 50% of users agree.",
      "Most do.",
    ]);
    assert.deepEqual(splitSentences("Studies show that\n>50% agree.\nOr\n    > 50% do."), [
      "Studies show that >50% agree.",
      "Or > 50% do.",
    ]);
    // No lazy continuation (CommonMark 0.31 §5.1 has it): a mail's reply typed under a quoted line is the
    // reply's, not the quote's.
    assert.deepEqual(
      splitSentences(
        "> Can we meet on Monday\nYes, Monday works for me.\n> And bring the slides\nSure, I will.",
      ),
      ["> Can we meet on Monday", "Yes, Monday works for me.", "> And bring the slides", "Sure, I will."],
    );
    assert.deepEqual(splitSentences("> A quote that\nis not lazy. Two."), [
      "> A quote that",
      "is not lazy.",
      "Two.",
    ]);
    assert.deepEqual(splitSentences("> - Item\nnext line\n>\n> ```\n> a\nb\n> ```"), [
      "> - Item",
      "next line",
      "> ```",
      "> a",
      "b",
      "> ```",
    ]);
  });

  test("a block quote holds headings, list items, fenced code and tables, read as outside one", () => {
    assert.deepEqual(
      splitSentences(
        "> # Title\n> - item one\n>   wrapped\n> 2. Two. More.\n>\n> ```\n> code. x\n> ```\n> After.",
      ),
      ["> # Title", "> - item one wrapped", "> 2. Two.", "More.", "code. x", "> After."],
    );
    assert.deepEqual(splitSentences("> 1. One.\n> 2. Two."), ["> 1. One.", "> 2. Two."]);
    // Each row a block of its own: its first line (the row) keeps the quote's markers, as a definition does.
    assert.deepEqual(splitSentences("> | a | b |\n> |---|---|\n> | c. D | e |\nText."), [
      "> | a | b |",
      "> | c. D | e |",
      "Text.",
    ]);
    assert.deepEqual(splitSentences("> [1]: https://x.example/a\n> [2]: b\n>\n> Text."), [
      "> [1]: https://x.example/a",
      "> [2]: b",
      "> Text.",
    ]);
    // In a list item.
    assert.deepEqual(splitSentences("- Item.\n  > Quoted in it,\n  > wrapped.\n- Next."), [
      "- Item.",
      "> Quoted in it, wrapped.",
      "- Next.",
    ]);
    // A fence in a quote is closed only in that quote: a line without its markers ends the quote and the code.
    assert.deepEqual(splitSentences("> ```\n> One. Two.\n\n```\nThree. Four."), [
      "> ```",
      "> One.",
      "Two.",
      "```",
      "Three.",
      "Four.",
    ]);
    // In code, a line's markers beyond the code's quote are code, and a ">" outside a quote too.
    assert.deepEqual(splitSentences("> ~~~\n> > a. B\n> ~~~\n```\n> c. D\n```"), ["> a. B", "> c. D"]);
  });

  // Review hS: mail's signature separator, "-- " (RFC 3676 §4.3), after a blank line was glued to the signature
  // ("-- Jane Doe ACME Inc."). Review hR: read a line a sentence after it, a disclaimer's wrapped prose was cut at
  // its lines' ends; and "-- " under a paragraph's line is a setext heading's underline, as it was.
  // Review (lead's list of faults): a mail's header lines and a letter's address were one sentence, their
  // lines joined ("From: Ann Smith To: Bob Subject: Plans").
  test("a run of header lines, or a block of short lines, is cut at its lines' ends; wrapped prose is not", () => {
    assert.deepEqual(splitSentences("From: Ann Smith\nTo: Bob\nSubject: Plans\n\nHi Bob. See below."), [
      "From: Ann Smith",
      "To: Bob",
      "Subject: Plans",
      "Hi Bob.",
      "See below.",
    ]);
    // Header lines of any length, cut from the line before them, a folded one (RFC 5322 §2.2.3) going on
    // its field.
    assert.deepEqual(
      splitSentences(
        "See below.\n\n---------- Forwarded message ---------\nFrom: Ann Smith <ann@example.com>\n" +
          "Date: Mon, Jan 5, 2026 at 10:30 AM\nSubject: Re: the quarterly planning meeting and the budget\n" +
          "  for next year\nTo: Bob <bob@example.com>, Carol <carol@example.com>\nCc:\n\n" +
          "Hi all. Notes attached.",
      ),
      [
        "See below.",
        "---------- Forwarded message ---------",
        "From: Ann Smith <ann@example.com>",
        "Date: Mon, Jan 5, 2026 at 10:30 AM",
        "Subject: Re: the quarterly planning meeting and the budget for next year",
        "To: Bob <bob@example.com>, Carol <carol@example.com>",
        "Cc:",
        "Hi all.",
        "Notes attached.",
      ],
    );
    assert.deepEqual(
      splitSentences("> Von: Ann\n> Datum: 05.01.2026 10:30\n> Betreff: Pläne\n> Hallo Bob. Ok.", "de"),
      ["> Von: Ann", "> Datum: 05.01.2026 10:30", "> Betreff: Pläne", "> Hallo Bob.", "Ok."],
    );
    // A letter's address and signature: every line short, none after the first starting with a lower-case
    // word (an address's "jane@…" is none), the last without a terminator: each line without one ends one.
    assert.deepEqual(
      splitSentences(
        "Ann Smith\n12 Main Street\nSpringfield, IL 62701\n\nDear Ms. Smith,\n\nThanks for the help.\n\n" +
          "Best regards,\nJane Doe\nACME Inc.\n+1 555 0100\njane@acme.example",
      ),
      [
        "Ann Smith",
        "12 Main Street",
        "Springfield, IL 62701",
        "Dear Ms. Smith,",
        "Thanks for the help.",
        "Best regards,",
        "Jane Doe",
        "ACME Inc.",
        "+1 555 0100",
        "jane@acme.example",
      ],
    );
    // Wrapped prose stays one sentence: a line over 40 characters, or one after the first starting with a
    // lower-case word, makes the block prose; a line that ends with a terminator is UAX #29's to cut or not.
    assert.deepEqual(
      splitSentences(
        "Yesterday, after the long meeting about the budget, I met John\nSmith at the station. We " +
          "talked.\n\nThe committee met on Tuesday and, after a long debate, asked the\nBoard: what now? " +
          "Nobody knew.\n\n" +
          "The meeting is at noon\nin Room 4. Bring notes.\n\nThe guests included Dr.\nSmith and a friend.",
      ),
      [
        "Yesterday, after the long meeting about the budget, I met John Smith at the station.",
        "We talked.",
        "The committee met on Tuesday and, after a long debate, asked the Board: what now?",
        "Nobody knew.",
        "The meeting is at noon in Room 4.",
        "Bring notes.",
        "The guests included Dr. Smith and a friend.",
      ],
    );
    // One line like a header is no run; "http:" is no field name.
    assert.deepEqual(
      splitSentences(
        "Our plan for the release was settled last week at the meeting, see\nhttps://x.example/notes for " +
          "the minutes and\nNote: the date may move.",
      ),
      [
        "Our plan for the release was settled last week at the meeting, see https://x.example/notes for " +
          "the minutes and Note: the date may move.",
      ],
    );
    // A block of short lines whose last ends with a terminator is prose; a line indented more goes on.
    assert.deepEqual(splitSentences("I met John\nSmith at noon."), ["I met John Smith at noon."]);
    assert.deepEqual(splitSentences("Ann Smith\n  (née Jones)\nOxford"), ["Ann Smith (née Jones)", "Oxford"]);
    // The cost: a phrase broken by hand into short lines, with no terminator at its end, the next line
    // starting with a capital, is cut there.
    assert.deepEqual(splitSentences("Lunch with John\nSmith at noon"), ["Lunch with John", "Smith at noon"]);
  });

  // Review (new-user trial): a header field's value was split as prose, "Subject: Q3 results. Please read!" two
  // sentences. A field line of a run (RFC 5322 §2.2), its folded lines with it (§2.2.3), is one sentence.
  test("each field of a run of header lines is one sentence, whatever terminators its value holds", () => {
    assert.deepEqual(
      splitSentences(
        "From: Ann Smith <ann@example.com>\nSubject: Q3 results. Please read!\nDate: Mon. 5 Jan. 2026\n\n" +
          "Hi all. The numbers are in.",
      ),
      [
        "From: Ann Smith <ann@example.com>",
        "Subject: Q3 results. Please read!",
        "Date: Mon. 5 Jan. 2026",
        "Hi all.",
        "The numbers are in.",
      ],
    );
    // Every terminator, in any field of the run, the first and the last too; a folded line goes on its field,
    // unfolded (its line break and indentation one space), whatever it holds.
    assert.deepEqual(
      splitSentences(
        "Subject: Done? Yes! Really.\nTo: Bob\nSubject: Re: Plans. Budget?\n  Numbers. Dates! More?\n" +
          "X-Note: Ok. Go.\nThe rest is prose. It is split.",
      ),
      [
        "Subject: Done? Yes! Really.",
        "To: Bob",
        "Subject: Re: Plans. Budget? Numbers. Dates! More?",
        "X-Note: Ok. Go.",
        "The rest is prose.",
        "It is split.",
      ],
    );
    // In a quote, in another language, after prose of its own block.
    assert.deepEqual(
      splitSentences("See below. Thanks.\nVon: Ann\nBetreff: Q3. Bitte lesen!\n> Hallo. Ok.", "de"),
      ["See below.", "Thanks.", "Von: Ann", "Betreff: Q3. Bitte lesen!", "> Hallo.", "Ok."],
    );
    assert.deepEqual(splitSentences("> From: Ann\n> Subject: Q3. Read it!\n> Hi. Ok."), [
      "> From: Ann",
      "> Subject: Q3. Read it!",
      "> Hi.",
      "Ok.",
    ]);
    // One line like a header is no run: it is prose, split as prose.
    assert.deepEqual(splitSentences("Note: the date may move. Ask Ann."), [
      "Note: the date may move.",
      "Ask Ann.",
    ]);
    // A line over 998 characters is no header field's (RFC 5322 §2.1.1): it is prose, wrapped to the next line.
    const long = `Note: ${"word ".repeat(200)}end. Next one, with`;
    assert.deepEqual(splitSentences(`${long}\nTo: Bob and Ann.`), [
      `Note: ${"word ".repeat(200)}end.`,
      "Next one, with To: Bob and Ann.",
    ]);
  });

  // Review (new-user trial): an indented run of header lines (under a list item, or a block indented as a whole)
  // was prose, each line after the first starting with white space: "- From: Alice To: Bob Subject: Q3
  // results." and "Please read!". A run's lines are measured from its own indentation (its first field's, or its
  // list item's text): a field indented as much starts a field, only a line indented more is a folded one.
  test("an indented run of header lines is a run, its lines measured from the indentation of its first field", () => {
    assert.deepEqual(splitSentences("- From: Alice\n  To: Bob\n  Subject: Q3 results. Please read!\n"), [
      "- From: Alice",
      "To: Bob",
      "Subject: Q3 results. Please read!",
    ]);
    // Four spaces (or a tab) in: a paragraph indented as plain text indents it, prose, not code.
    assert.deepEqual(
      splitSentences(
        "Forwarded below:\n\n    From: Alice\n    To: Bob\n    Subject: Q3 results. Please read!\n",
      ),
      ["Forwarded below:", "From: Alice", "To: Bob", "Subject: Q3 results. Please read!"],
    );
    assert.deepEqual(splitSentences("\tFrom: Alice\n\tTo: Bob\n\tSubject: Q3. Read!"), [
      "From: Alice",
      "To: Bob",
      "Subject: Q3. Read!",
    ]);
    // A line indented more than the run's first field is a folded line of its field, unfolded; a line indented
    // as much that is no field ends the run, prose again.
    assert.deepEqual(
      splitSentences(
        "1. From: Alice\n   Subject: Q3 results. Please read!\n      Numbers. Dates!\n   To: Bob\n   Hi. Ok.",
      ),
      ["1. From: Alice", "Subject: Q3 results. Please read! Numbers. Dates!", "To: Bob", "Hi.", "Ok."],
    );
    assert.deepEqual(
      splitSentences("    From: Alice\n    Subject: Re: Plans. Budget?\n      Numbers. More!\n    To: Bob"),
      ["From: Alice", "Subject: Re: Plans. Budget? Numbers. More!", "To: Bob"],
    );
    // After a line of prose in a list item; in a quote's list item (each field a block, the quote's markers its lead).
    assert.deepEqual(splitSentences("- Forwarded:\n  From: Alice\n  To: Bob\n  Subject: Q3. Read!"), [
      "- Forwarded:",
      "From: Alice",
      "To: Bob",
      "Subject: Q3. Read!",
    ]);
    assert.deepEqual(splitSentences("> - From: Alice\n>   To: Bob\n>   Subject: Q3. Read!"), [
      "> - From: Alice",
      "> To: Bob",
      "> Subject: Q3. Read!",
    ]);
    // Indented prose is as it was: its lines joined, cut at its sentences; one indented field line is no run.
    assert.deepEqual(
      splitSentences(
        "    Dear Bob. We met on\n    Monday. It went well.\n\n- Note: it moved. Ok.\n  Thanks.",
      ),
      ["Dear Bob.", "We met on Monday.", "It went well.", "- Note: it moved.", "Ok.", "Thanks."],
    );
  });

  test("a signature separator where no paragraph goes on is markup; the text after it is read as prose", () => {
    assert.deepEqual(
      splitSentences(
        "Thanks, see attached.\n\n-- \nBob Smith | ACME Inc.\nCONFIDENTIALITY NOTICE: This e-mail and any " +
          "attachments are confidential and\nmay be privileged. If you are not the intended recipient, please " +
          "notify the\nsender immediately.",
      ),
      [
        "Thanks, see attached.",
        "Bob Smith | ACME Inc.",
        "CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and may be privileged.",
        "If you are not the intended recipient, please notify the sender immediately.",
      ],
    );
    // "--" (its space taken off by an editor) where no paragraph goes on: a divider, prose after it.
    assert.deepEqual(
      splitSentences(
        "Chapter one ends here.\n\n--\nThe next morning she woke early and\nwalked to the station. The train " +
          "was late.\nShe waited for an hour.",
      ),
      [
        "Chapter one ends here.",
        "The next morning she woke early and walked to the station.",
        "The train was late.",
        "She waited for an hour.",
      ],
    );
    // A signature's short lines are a block of short lines (below): each line a sentence; a blank line ends
    // the signature.
    assert.deepEqual(
      splitSentences("Cheers.\n\n-- \nJane Doe\nACME Inc. | Sales\n\nConfidential. Do not share."),
      ["Cheers.", "Jane Doe", "ACME Inc.", "| Sales", "Confidential.", "Do not share."],
    );
    assert.deepEqual(splitSentences("-- \nJane Doe"), ["Jane Doe"]);
    // In a quote, after a blank quote line: the first line after it keeps the quote's markers, as any block's.
    assert.deepEqual(splitSentences("> Bye.\n>\n> -- \n> Jane Doe\n> ACME\n\nMy reply."), [
      "> Bye.",
      "> Jane Doe",
      "> ACME",
      "My reply.",
    ]);
    // "--" or "-- " under a paragraph's line underlines it (a setext heading), in a quote too; after a blank line
    // the separator is "--" or "-- " alone, not "-- x" nor "---" (a thematic break).
    assert.deepEqual(
      splitSentences("Introduction\n-- \nThis guide explains the setup and\nthe first steps. Read it first."),
      ["Introduction", "This guide explains the setup and the first steps.", "Read it first."],
    );
    assert.deepEqual(splitSentences("Title\n--\nText. More."), ["Title", "Text.", "More."]);
    assert.deepEqual(splitSentences("Best regards,\nJane\n-- \nJane Doe\n+1 555 0100"), [
      "Best regards,",
      "Jane",
      "Jane Doe",
      "+1 555 0100",
    ]);
    assert.deepEqual(splitSentences("> Bye.\n> -- \n> Jane Doe\n\nMy reply."), [
      "> Bye.",
      "> Jane Doe",
      "My reply.",
    ]);
    assert.deepEqual(splitSentences("A.\n\n-- x. Y\nz."), ["A.", "-- x.", "Y z."]);
    assert.deepEqual(splitSentences("A.\n\n---\nBee. C\nd."), ["A.", "Bee.", "C d."]);
  });

  // Review hS, trying a README: UAX #29 ends a sentence at "!" after an opening bracket too (a bracket is of its
  // Close class), which cut a Markdown image ("[![" and "Build](…)") and a GitHub alert ("> [!" and "NOTE]").
  test("a sentence does not end inside a bracket it opens: an image, an alert, a reference after a '!'", () => {
    assert.deepEqual(
      splitSentences("[![Build](https://ci.example.com/b.svg)](https://ci.example.com) Docs."),
      ["[![Build](https://ci.example.com/b.svg)](https://ci.example.com) Docs."],
    );
    assert.deepEqual(splitSentences("> [!WARNING]\n> Do not use it. Not yet."), [
      "> [!WARNING] Do not use it.",
      "Not yet.",
    ]);
    // In any locale: Markdown, not English. The cost: after "!" and a bracket, a cut is lost ("Stop!" goes on).
    assert.deepEqual(splitSentences("Halt! ![Bild](a.png) Weiter. Ende.", "de"), [
      "Halt! ![Bild](a.png) Weiter.",
      "Ende.",
    ]);
    // A reference after the "!" is no bracket left open: it ends that sentence (below).
    assert.deepEqual(splitSentences("Wow![1] Next one. Really?! Yes."), [
      "Wow![1]",
      "Next one.",
      "Really?!",
      "Yes.",
    ]);
  });

  // Review (lead's list of faults): UAX #29 ended a sentence inside a reference right after its terminator
  // ("before.[" and "12] Next one."), and opensBracket joined the two sentences back into one.
  test("a reference right after a sentence's terminator ends that sentence; the next starts after it", () => {
    assert.deepEqual(splitSentences("It was said before.[12] Next one."), [
      "It was said before.[12]",
      "Next one.",
    ]);
    assert.deepEqual(splitSentences("A claim.[^1] Another claim."), ["A claim.[^1]", "Another claim."]);
    assert.deepEqual(splitSentences("Ok.(1) Next."), ["Ok.(1)", "Next."]);
    assert.deepEqual(splitSentences("Ok.\u00b9 Next.\u00b2\u00b3 Last."), [
      "Ok.\u00b9",
      "Next.\u00b2\u00b3",
      "Last.",
    ]);
    assert.deepEqual(splitSentences("Many.[1][2][3] Then.[citation needed] More.(4, 5) End.(6\u20138)"), [
      "Many.[1][2][3]",
      "Then.[citation needed]",
      "More.(4, 5)",
      "End.(6\u20138)",
    ]);
    assert.deepEqual(splitSentences('Why?[1] Because![a] "Stop."[2] Then more.'), [
      "Why?[1]",
      "Because![a]",
      '"Stop."[2]',
      "Then more.",
    ]);
    assert.deepEqual(splitSentences("It was said before.[12]\nNext one.\n\nIt ends.[^a]"), [
      "It was said before.[12]",
      "Next one.",
      "It ends.[^a]",
    ]);
    // In any locale: Markdown's and print's.
    assert.deepEqual(splitSentences("Gesagt.[1] Weiter.", "de"), ["Gesagt.[1]", "Weiter."]);
    // A lower-case word after it goes on, as after a terminator alone; so does a name after an abbreviation.
    assert.deepEqual(splitSentences("It rose.[3] and fell. See e.g.[1] Smith. Or Dr.(2) Lee. Next."), [
      "It rose.[3] and fell.",
      "See e.g.[1] Smith.",
      "Or Dr.(2) Lee.",
      "Next.",
    ]);
    // No reference: a link's text (its destination after it), words in parentheses, a full stop in brackets.
    assert.deepEqual(
      splitSentences("Done.[Link](http://x.example) Next. Yes.(Really.) No. Ok.[See p.2] X."),
      ["Done.[Link](http://x.example) Next.", "Yes.(Really.)", "No.", "Ok.[See p.2] X."],
    );
    assert.deepEqual(splitSentences("Ok.(a) Next. Up.[1](http://x.example) On."), [
      "Ok.(a) Next.",
      "Up.[1](http://x.example) On.",
    ]);
  });

  // Review hS, trying docs/conformance.md: UAX #29 cut inside inline code ("outside `_dd.p." and "*`).").
  test("a sentence does not end inside a code span", () => {
    assert.deepEqual(splitSentences("Run `make. Then` twice. Done."), ["Run `make. Then` twice.", "Done."]);
    assert.deepEqual(splitSentences("A `x.\nY` wrapped. Z."), ["A `x. Y` wrapped.", "Z."]);
    // A span ends at a run of as many backticks (CommonMark 0.31 §6.1); a run with none after it is text.
    assert.deepEqual(splitSentences("Use ``a` b. C`` here. Ok."), ["Use ``a` b. C`` here.", "Ok."]);
    assert.deepEqual(splitSentences("Don`t stop. Go on."), ["Don`t stop.", "Go on."]);
    assert.deepEqual(splitSentences("One `a. B`` c. Two. Three."), ["One `a.", "B`` c.", "Two.", "Three."]);
    // In any locale; not across blocks.
    assert.deepEqual(splitSentences("Nimm `a. B` mit. Ende.", "de"), ["Nimm `a. B` mit.", "Ende."]);
    assert.deepEqual(splitSentences("A `b. C\n\nD` e. F."), ["A `b.", "C", "D` e.", "F."]);
    assert.deepEqual(splitSentences("Use ``a. B`` here, ``c `` d. E."), [
      "Use ``a. B`` here, ``c `` d.",
      "E.",
    ]);
  });

  // Review hR: backticks typed as apostrophes in plain text paired up as code spans, a paragraph one sentence.
  test("a backtick between two letters or digits, or escaped by a backslash, opens no code span", () => {
    assert.deepEqual(splitSentences("It`s here. Sentence. Sentence. Don`t go."), [
      "It`s here.",
      "Sentence.",
      "Sentence.",
      "Don`t go.",
    ]);
    assert.deepEqual(splitSentences("It`s one. It`s two.\nWe`ll see. Room 4``2 it is. Y"), [
      "It`s one.",
      "It`s two.",
      "We`ll see.",
      "Room 4``2 it is.",
      "Y",
    ]);
    // CommonMark 0.31 §2.4: "\\`" is a literal backtick; in a span a backslash is literal, so "\\`" closes one.
    assert.deepEqual(splitSentences("Use \\` to quote. It works. See \\` here."), [
      "Use \\` to quote.",
      "It works.",
      "See \\` here.",
    ]);
    assert.deepEqual(splitSentences("Type `a. B\\` then. Go. Or \\\\`c. D` e."), [
      "Type `a. B\\` then.",
      "Go.",
      "Or \\\\`c. D` e.",
    ]);
    assert.deepEqual(splitSentences("An \\``a. B` run. Next."), ["An \\``a. B` run.", "Next."]);
    // Between two letters it closes a span that is open, as a span's plural has it ("`Promise`s", "`require`d");
    // the cost, an apostrophe closes a span a backtick typed as a quotation mark opened (one sentence here).
    assert.deepEqual(splitSentences("Two `a. B`s here. Set `x.Y`'s value. Then `go. Now`!"), [
      "Two `a. B`s here.",
      "Set `x.Y`'s value.",
      "Then `go. Now`!",
    ]);
    assert.deepEqual(splitSentences("`Hello,' he said. It`s late."), ["`Hello,' he said. It`s late."]);
  });

  // Review hS, trying a README: UAX #29 ends a sentence before the emphasis that closes after its full stop
  // ("*Emphasis." and "* Next."): `*`, `_` and `~` are not of its Close class, as brackets and quotes are.
  test("emphasis that closes after a sentence's terminator stays with that sentence", () => {
    assert.deepEqual(splitSentences("**Bold ends.** Next one. _It ends._ Then ~~this.~~\nDone."), [
      "**Bold ends.**",
      "Next one.",
      "_It ends._",
      "Then ~~this.~~",
      "Done.",
    ]);
    assert.deepEqual(splitSentences("He said *no.* Then left. *Really?* Yes.", "de"), [
      "He said *no.*",
      "Then left.",
      "*Really?*",
      "Yes.",
    ]);
    assert.deepEqual(splitSentences('"*Who?*" she asked. *Me?* he said.'), [
      '"*Who?*" she asked.',
      "*Me?* he said.",
    ]);
    // Only marks before white space or the block's end: "* x" after a sentence, a word's "_", stay after it.
    assert.deepEqual(splitSentences("One. *Two* three. Four._five Six."), [
      "One.",
      "*Two* three.",
      "Four._five Six.",
    ]);
    // Review hR: marks after white space close no emphasis (CommonMark 0.31 §6.2: not right-flanking): they
    // start the next sentence; a reference's brackets may follow marks that do close it.
    assert.deepEqual(splitSentences("Shipping is free. * Conditions apply. Done. _ X_ y. Ok. ~~ W."), [
      "Shipping is free.",
      "* Conditions apply.",
      "Done.",
      "_ X_ y.",
      "Ok.",
      "~~ W.",
    ]);
    assert.deepEqual(splitSentences("He said *no.*[1] Then left. **Yes!**[^a]) Ok. _So._[b]. More."), [
      "He said *no.*[1]",
      "Then left.",
      "**Yes!**[^a])",
      "Ok.",
      "_So._[b].",
      "More.",
    ]);
  });

  // Review hS, trying a CHANGELOG: its link reference definitions were joined into one sentence and cut at the
  // "..." of a compare URL ("…/compare/v1.2.0..." and "HEAD [1.2.0]: …").
  test("each link reference definition is one sentence, not segmented", () => {
    assert.deepEqual(
      splitSentences(
        "- Fixed it.\n\n[Unreleased]: https://x.example/compare/v1.2.0...HEAD\n[1.2.0]: <https://x.example/1.2.0>" +
          '  "Release 1.2.0. Final."\nText. More.',
      ),
      [
        "- Fixed it.",
        "[Unreleased]: https://x.example/compare/v1.2.0...HEAD",
        '[1.2.0]: <https://x.example/1.2.0>  "Release 1.2.0. Final."',
        "Text.",
        "More.",
      ],
    );
    // Not under a paragraph's line (CommonMark 0.31 §4.7: a definition interrupts no paragraph), nor a footnote's
    // text, nor text after a destination that is no title.
    assert.deepEqual(splitSentences("See\n[a]: b. Ok."), ["See [a]: b.", "Ok."]);
    assert.deepEqual(splitSentences("[^1]: The note. It goes on."), ["[^1]: The note.", "It goes on."]);
    assert.deepEqual(splitSentences("[a]: b c. D."), ["[a]: b c.", "D."]);
  });

  // Review hR: UAX #29 cut a relative link's destination at its "../" ("See [the guide](../.." and "/../docs").
  test("a sentence does not end inside a link's destination on one line, nor in its title", () => {
    assert.deepEqual(splitSentences("See [the guide](../../../docs/guide.md) for details. Next."), [
      "See [the guide](../../../docs/guide.md) for details.",
      "Next.",
    ]);
    assert.deepEqual(
      splitSentences('Read [a](x.md "Part. Two") and ![b](<my. File.png>). Also [c](w/(v.)/X.md). End.'),
      ['Read [a](x.md "Part. Two") and ![b](<my. File.png>).', "Also [c](w/(v.)/X.md).", "End."],
    );
    assert.deepEqual(splitSentences("In `[a](b. C)` and [d](../e).\nF."), [
      "In `[a](b. C)` and [d](../e).",
      "F.",
    ]);
    // Not across a line's end, nor with white space in it (no destination: "(see. Page" is text).
    assert.deepEqual(splitSentences("See [a](x.\nY) here. And [c](see. Page) now."), [
      "See [a](x.",
      "Y) here.",
      "And [c](see.",
      "Page) now.",
    ]);
  });

  // Review hS: opensBracket reads a sentence's end once, LINK_DEFINITION has no two adjacent unbounded runs
  // (its label at most 999 characters): time linear in the text (quadratic, a megabyte would not end).
  test("a megabyte of brackets, emphasis marks, definitions, code spans or links takes linear time", () => {
    // Each a run of a megabyte: cut in pieces a window long (MAX_SEGMENT_INPUT), every character kept.
    const whole = (text: string) => splitSentences(text).join("").replace(/\s/g, "");
    const brackets = `Wow!${"[".repeat(1_000_000)}A`;
    assert.equal(whole(brackets), brackets);
    assert.equal(whole("x![".repeat(300_000)), "x![".repeat(300_000));
    const destination = `[a]: ${"b".repeat(1_000_000)}`;
    const pieces = splitSentences(`${destination}\nNext.`);
    assert.deepEqual(
      [pieces[0], pieces.at(-1), whole(`${destination}\nNext.`)],
      ["[a]:", "Next.", `[a]:${"b".repeat(1_000_000)}Next.`],
    );
    // References after terminators, each a sentence's end; runs of them and of their marks, no sentence's.
    const references = "Aa.[1] Bb.(2, 3) Cc.\u00b9 ".repeat(40_000);
    assert.equal(whole(references), references.replace(/\s/g, ""));
    assert.equal(splitSentences(references).length, 40_000 * 3);
    assert.equal(whole(`x.${"[1]".repeat(300_000)}`), `x.${"[1]".repeat(300_000)}`);
    assert.equal(whole(`x.${"(1".repeat(300_000)}`), `x.${"(1".repeat(300_000)}`);
    assert.equal(whole(`x.[${"a".repeat(1_000_000)}`), `x.[${"a".repeat(1_000_000)}`);
    assert.deepEqual(splitSentences(`[a]: b${" ".repeat(1_000_000)}x`), ["[a]: b x"]);
    const label = `[${"a".repeat(1_000_000)}]: b`;
    assert.equal(whole(label), label.replace(" ", ""));
    // Emphasis marks then closing quotes after a sentence, with no white space after them.
    for (const marks of [`A. ${"*".repeat(1_000_000)}x`, `A. ${"*".repeat(500_000)}${'"'.repeat(500_000)}x`])
      assert.equal(whole(marks), marks.replace(/ /g, ""));
    // Code spans: codeSpans finds each run's next of as many in one pass back over the runs.
    const spans = "`a. B ".repeat(170_001);
    assert.deepEqual(splitSentences(spans).slice(0, 2), ["`a. B `a.", "B `a. B `a."]);
    assert.equal(whole(spans), spans.replace(/ /g, ""));
    const runs = Array.from({ length: 1_400 }, (_, i) => "`".repeat(i + 1)).join(" x. Y ");
    assert.equal(whole(runs), runs.replace(/ /g, ""));
    // Review hR: backticks between letters, escaped, after a megabyte of backslashes; marks before a reference.
    for (const text of ["a`".repeat(500_000), "\\`".repeat(500_000), `${"\\".repeat(1_000_000)}\``])
      assert.equal(whole(text), text);
    for (const marks of [
      `A. *[${"b".repeat(1_000_000)}] x`,
      `A. *${"[".repeat(1_000_000)}`,
      "A. *[^^^]".repeat(100_000),
    ])
      assert.equal(whole(marks), marks.replace(/ /g, ""));
    // Links' destinations never closed, a title never closed, parentheses nested, many a "](" (LINK_DESTINATION).
    const destinations = [
      `[a](${"b".repeat(1_000_000)}`,
      `[a](<${"b".repeat(1_000_000)}`,
      `[a](b "${"c".repeat(1_000_000)}`,
      `[a](b "${'](c "'.repeat(200_000)}`,
      `[a](${"(b".repeat(500_000)}`,
      `[a](${"(b)".repeat(333_333)} x`,
      "](b".repeat(333_333),
      "](<".repeat(333_333),
      "](b ".repeat(250_000),
      "](x (".repeat(200_000),
    ];
    for (const text of destinations) assert.equal(whole(text), text.replace(/ /g, ""));
  });

  // Review (lead's list of faults): an HTML comment was prose, joined to the paragraph after it and cut at
  // its full stops ("<!-- a." and "B --> More.").
  test("an HTML comment is no prose: its lines are kept as written, as code's are; no sentence ends inside one", () => {
    // Where a block may start (CommonMark 0.31 §4.6, HTML block of type 2, which interrupts a paragraph): to
    // the line holding "-->", a sentence a line, not segmented, spacing kept; "<!--" or "-->" alone is markup.
    assert.deepEqual(splitSentences("<!-- prettier-ignore -->\nSome text. More."), [
      "<!-- prettier-ignore -->",
      "Some text.",
      "More.",
    ]);
    assert.deepEqual(splitSentences("Text goes\n<!-- a. B -->\non. Yes."), [
      "Text goes",
      "<!-- a. B -->",
      "on.",
      "Yes.",
    ]);
    assert.deepEqual(
      splitSentences(
        "Intro.\n\n<!--\nTODO: rewrite this. Later.\n  keep   spacing\n\n# not a heading\n-->\nAfter. End.",
      ),
      ["Intro.", "TODO: rewrite this. Later.", "keep   spacing", "# not a heading", "After.", "End."],
    );
    assert.deepEqual(splitSentences("  <!-- A note\nover two lines. -->\n- An item. Two."), [
      "<!-- A note",
      "over two lines. -->",
      "- An item.",
      "Two.",
    ]);
    // The empty comments of §6.6, and a line that goes on after "-->": the HTML block's, as written.
    assert.deepEqual(splitSentences("<!---->\nAa. <!--> B.\n<!-- c --> D. E."), [
      "<!---->",
      "Aa.",
      "<!--> B.",
      "<!-- c --> D. E.",
    ]);
    // In a quote, up to its end; in fenced code, code.
    assert.deepEqual(
      splitSentences("> <!-- Note. X\n> y. -->\n> Quoted. Yes.\n\n```html\n<!-- a. B -->\n```"),
      ["> <!-- Note. X", "y. -->", "> Quoted.", "Yes.", "<!-- a. B -->"],
    );
    assert.deepEqual(splitSentences("> <!-- Note. X\nReply. Two. -->"), [
      "> <!-- Note. X",
      "Reply.",
      "Two. -->",
    ]);
    // Inside a paragraph (§6.6, raw HTML): no sentence ends in it, across a line's end too.
    assert.deepEqual(splitSentences("Text <!-- a. B --> more. Next <!-- c.\nD --> one. End."), [
      "Text <!-- a. B --> more.",
      "Next <!-- c. D --> one.",
      "End.",
    ]);
    // Never closed, "<!--" is text, at a line's start too; in a code span it opens none.
    assert.deepEqual(splitSentences("Use <!-- in HTML. It opens one.\n<!-- Never closed. Text."), [
      "Use <!-- in HTML.",
      "It opens one.",
      "<!-- Never closed.",
      "Text.",
    ]);
    assert.deepEqual(splitSentences("Type `<!--` first. Then `-->` last. Done."), [
      "Type `<!--` first.",
      "Then `-->` last.",
      "Done.",
    ]);
  });

  test("each line of a fenced code block is one sentence; a paragraph does not go on into it", () => {
    // CommonMark 0.31 §4.5: a fence of three or more backticks or tildes, to a fence as long. An indented code
    // block (§4.4) is prose: plain text indents its paragraphs so ("a paragraph indented by a tab", below).
    assert.deepEqual(
      splitSentences(
        "Run it:\n\n    npm install && npm start\n    npm test\n\n    npm run lint\nThen open it.",
      ),
      ["Run it:", "npm install && npm start npm test", "npm run lint Then open it."],
    );
    assert.deepEqual(splitSentences("# Usage\n\tnpm start\n\tnpm test"), ["# Usage", "npm start npm test"]);
    assert.deepEqual(
      splitSentences("Run:\n```sh\nnpm install\n# not a heading\n\n- not an item\n```\nThen open it."),
      ["Run:", "npm install", "# not a heading", "- not an item", "Then open it."],
    );
    // Inside a block, a shorter fence or one of the other character is code; the block's fences are markup.
    assert.deepEqual(splitSentences("~~~~\na\n~~~\n```\nb\n~~~~~\nc"), ["a", "~~~", "```", "b", "c"]);
    // Never closed, a fence is prose ("a fence never closed is prose", below).
    assert.deepEqual(splitSentences("```\nnever closed\nstill prose"), ["```", "never closed still prose"]);
    // A line of code is one sentence: no prose rule cuts it.
    assert.deepEqual(splitSentences('```ts\nawait createJob("One. Two.");\n```'), [
      'await createJob("One. Two.");',
    ]);
    assert.deepEqual(splitSentences("Example:\n\n    It ends.   Here it starts.\n"), [
      "Example:",
      "It ends.",
      "Here it starts.",
    ]);
    // In a list item too, a line indented four columns past the item's text is prose.
    assert.deepEqual(splitSentences("1. Install:\n\n       npm install\n       npm test\n2. Start it."), [
      "1. Install:",
      "npm install npm test",
      "2. Start it.",
    ]);
    assert.deepEqual(splitSentences("1. Install:\n   ```\n   npm install\n   ```\n2. Start it."), [
      "1. Install:",
      "npm install",
      "2. Start it.",
    ]);
  });

  test("an indented line that is no code goes on as prose", () => {
    // A paragraph's line indented four columns goes on it (lazy continuation, CommonMark 0.31 §4.4).
    assert.deepEqual(splitSentences("A paragraph\n    wrapped with an indent. Yes."), [
      "A paragraph wrapped with an indent.",
      "Yes.",
    ]);
    assert.deepEqual(splitSentences("1. An item\n    wrapped.\n2. Next."), [
      "1. An item wrapped.",
      "2. Next.",
    ]);
    // A paragraph indented under a list item's text, less than four columns past it.
    assert.deepEqual(splitSentences("- Item.\n\n    More about it,\n    wrapped."), [
      "- Item.",
      "More about it, wrapped.",
    ]);
    // Four columns in, a line starts no heading, item or fence either: it goes on the paragraph.
    assert.deepEqual(splitSentences("Para\n    # not a heading\n    - nor an item\n    ```"), [
      "Para # not a heading - nor an item ```",
    ]);
    // Only spaces and tabs indent: a paragraph indented with ideographic spaces is prose.
    assert.deepEqual(splitSentences("Intro.\n\n\u3000\u3000\u3000\u3000A wrapped\nline."), [
      "Intro.",
      "A wrapped line.",
    ]);
    // A run of backticks with a backtick after it on the line is inline code, not a fence.
    assert.deepEqual(splitSentences("```a``` is code\nwrapped here."), ["```a``` is code wrapped here."]);
    // Indented four columns past a fence's own indentation, a line closes nothing.
    assert.deepEqual(splitSentences("```\n    ```\nx\n```\nText."), ["```", "x", "Text."]);
  });

  // Found in review: an opening fence never closed made the rest of a document code, a line a sentence; in
  // plain text a line of three tildes or backticks is a separator, not code.
  test("a fence never closed is prose: a line of its own, the text after it split as prose", () => {
    assert.deepEqual(splitSentences("~~~ The end ~~~\nThat was it. Nothing more."), [
      "~~~ The end ~~~",
      "That was it.",
      "Nothing more.",
    ]);
    assert.deepEqual(splitSentences("Before.\n```\nAfter one. After two."), [
      "Before.",
      "```",
      "After one.",
      "After two.",
    ]);
    assert.deepEqual(
      splitSentences("- item\n  ```\n  code\n- next item. Two sentences.\n\nParagraph one. Paragraph two."),
      ["- item", "```", "code", "- next item.", "Two sentences.", "Paragraph one.", "Paragraph two."],
    );
    // Closed only by a fence of the same character at least as long, with nothing after it, indented less
    // than four columns past the opening fence: none of these closes "````".
    assert.deepEqual(splitSentences("````\nOne. Two.\n```\n~~~~\n    ````\n```` x\nThree. Four."), [
      "````",
      "One.",
      "Two.",
      "```",
      "~~~~",
      "````",
      "```` x",
      "Three.",
      "Four.",
    ]);
    // A closed fence stays code, a line a sentence, its fences markup (no sentence); in a nested list item too.
    assert.deepEqual(splitSentences("Before.\n```\nOne. Two.\n```\nAfter one. After two."), [
      "Before.",
      "One. Two.",
      "After one.",
      "After two.",
    ]);
    assert.deepEqual(splitSentences("- a\n  - b\n    ```\n    One. Two.\n    ```\n- c. D."), [
      "- a",
      "- b",
      "One. Two.",
      "- c.",
      "D.",
    ]);
    // In plain text, two "~~~" lines around a paragraph, as decoration, are a fenced code block too
    // (CommonMark): its lines a sentence each, not cut at their full stops (splitSentences: the choice).
    assert.deepEqual(splitSentences("Intro.\n\n~~~\nThis is framed. It has two\nsentences.\n~~~\n\nAfter."), [
      "Intro.",
      "This is framed. It has two",
      "sentences.",
      "After.",
    ]);
    // A fence that is closed, then one that is not.
    assert.deepEqual(splitSentences("~~~\nx. Y\n~~~\n~~~\nOne. Two."), ["x. Y", "~~~", "One.", "Two."]);
  });

  test("many fences never closed: their values, whatever their number (their time is in bench/sentences.ts)", () => {
    // Each opening fence's closing one is found in one pass over the text, not by reading the rest per fence.
    // Timing-free: this asserts the values on 20 000 such fences; whether the time stays linear in the text is
    // the benchmark's (bench/sentences.ts, n against 2n fences), as tests assert values only (a wall-time
    // bound here failed on a loaded machine: 5.3 s for a linear pass).
    const text = "```js\nOne. Two.\n".repeat(20_000);
    const sentences = splitSentences(text);
    assert.equal(sentences.length, 60_000);
    assert.deepEqual(sentences.slice(0, 3), ["```js", "One.", "Two."]);
    assert.deepEqual(sentences.slice(-3), ["```js", "One.", "Two."]);
  });

  // Review hS: a quote's markers are read a character at a time, once per line, and a fence in a quote is
  // matched in closedFences' one pass: time linear in the text (quadratic, a megabyte would not end).
  test("a megabyte of block quote markers, lines or fences takes time linear in the text", () => {
    const deep = "> ".repeat(500_000);
    const sentences = splitSentences(`${deep}x. Y.`);
    assert.deepEqual(
      sentences.map((s) => [s.length, s.slice(-6)]),
      [
        [deep.length + 2, "> > x."],
        [2, "Y."],
      ],
    );
    assert.deepEqual(splitSentences(`${">".repeat(1_000_000)} x`), [`${">".repeat(1_000_000)} x`]);
    // A run of ">" with text right after it is text: an unbroken run, cut in pieces a window long, all kept.
    assert.equal(splitSentences(`${">".repeat(1_000_000)}x`).join(""), `${">".repeat(1_000_000)}x`);
    assert.equal(
      splitSentences(`${"> ".repeat(500_000)}>x`)
        .join("")
        .replace(/ /g, ""),
      `${">".repeat(500_001)}x`,
    );
    assert.deepEqual(splitSentences("> x\n".repeat(250_000)), [`> ${"x ".repeat(250_000).trim()}`]);
    assert.deepEqual(splitSentences("> a\nb\n".repeat(50_000)), Array(50_000).fill(["> a", "b"]).flat());
    assert.deepEqual(splitSentences(">\n".repeat(500_000)), []);
    // Each fence closed by the next but the last, never closed: a line of prose.
    assert.deepEqual(splitSentences("> ```\n".repeat(200_001)), ["> ```"]);
    // Each fence one quote deeper than the last, none closed.
    const fences = Array.from({ length: 1_400 }, (_, i) => `${"> ".repeat(i)}\`\`\``);
    assert.deepEqual(splitSentences(fences.join("\n")), fences);
    // HTML comments: lines that open one never closed (prose, a line's "<!--" alone a word), one each.
    assert.equal(splitSentences("<!--\n".repeat(200_000)).join(" "), "<!-- ".repeat(200_000).trim());
    assert.equal(splitSentences("<!-- x -->\n".repeat(100_000)).length, 100_000);
    assert.equal(splitSentences(`<!--\n${"x\n".repeat(200_000)}-->`).length, 200_000);
    assert.equal(splitSentences("a <!-- ".repeat(200_000)).join(" "), "a <!-- ".repeat(200_000).trim());
    assert.equal(splitSentences("Aa <!-- b. C --> d. ".repeat(50_000)).length, 50_000);
  });

  // Found in review: the api takes any text/plain, and plain text indents its paragraphs by a tab or four
  // spaces; read as an indented code block (CommonMark 0.31 §4.4), such a paragraph was one line a sentence.
  test("a paragraph indented by a tab or four spaces is prose, not code", () => {
    const letter =
      "Dear Ms. Smith,\n\n\tThank you for your letter. We were glad to hear from you. The\nweather here is fine.";
    const sentences = [
      "Dear Ms. Smith,",
      "Thank you for your letter.",
      "We were glad to hear from you.",
      "The weather here is fine.",
    ];
    assert.deepEqual(splitSentences(letter), sentences);
    assert.deepEqual(splitSentences(letter.replace("\t", "    ")), sentences);
    // Every line indented, first in the text.
    assert.deepEqual(splitSentences("    It ends.   Here it\n    starts. Fine."), [
      "It ends.",
      "Here it starts.",
      "Fine.",
    ]);
    // Where a block starts, an indented line starts a list item or a heading as it would unindented.
    assert.deepEqual(splitSentences("Steps:\n\n\t1. Open it. Gently.\n\t2. Close it."), [
      "Steps:",
      "1. Open it.",
      "Gently.",
      "2. Close it.",
    ]);
    assert.deepEqual(splitSentences("Intro.\n\n    # Title\n    Text."), ["Intro.", "# Title", "Text."]);
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

  test("every character of the text but white space is in a sentence, in order", () => {
    const texts = [
      "1.\n2. Two.",
      "1.\n2.\n3. Three.",
      "1.\nTwo.",
      "1. 2. Three.",
      "-\n\n*\n+ \n- x",
      "Version\n1.\n5 is out.",
      "Title\n-\n===\n# \n#",
      "Run it:\n\n    npm install\n\tnpm test\n```js\na. B\n\n```\n~~~",
      "We met on JAN. 5. Then.\nDue Jan. \uff15, 2026.\n\uff11. Full.",
      "## 2. Usage\n### 2.1. Notes\n\u2022 a\r\nb\u2029c\u2028d",
      '"Who?" she asked. Wait... what?! 3.14 is pi. Dr. Smith (2001).',
      "Before.\n```\nAfter. ~~~ x\n- a\n  ```\n  b\n````\n\n    ````\n~~~",
      "Dear Ms. Smith,\n\n\tThank you. The\nweather.\n```py\n  a  =\t1 \n```\n    # Title\n\t- item",
      "> a\n> b. C\nd\n>\n> > e\n>>f\n> # G\n> - h\n>   ```\n>   > i\n>   ```\n> j | k\nl > m",
      "Hi.\n\n-- \nJane Doe\nACME Inc.\n\n[a]: b\n**Bold.** x `a. B` [![c](d)](e) *f?*\n> [!NOTE]\n> g",
      'Req:\n\n>= 20 GB\n>>= 4\n> > >x\n\n--\nJane\n> q\nr\n> [c]: d\nA `b`s c\\` [d](../e "f. G") *no.*[1] x. * Y',
      "Title\n-- \nIt`s `a. B`. Don`t. ``c\\`` d. E.",
      "It was.[12] Next.[^1][a b]\nOk.(1, 2) X.\u00b9\u00b2 e.g.[1] Y. [Z](w) Q.[R](s) T.(u) V.(1",
      "A <!-- b. C\nd --> e.\n<!--\nF. g\n-->\n> <!-- h\ni -->\n<!-- j --> k\n<!-- l",
    ];
    // Markup lines (a fence, an underline, a thematic break) and quote markers (a ">" with no text right after
    // it) may go: taken out of both sides. A sentence a line.
    const kept = (text: string) =>
      text
        .replace(/^(?:[ \t]*>+(?=\s|$))+/gm, "")
        .replace(/^[ \t]*(?:`{3,}\S*|~{3,}.*|={2,}|-{2,}|(?:[-*_][ \t]*){3,}|<!--|-->)[ \t]*$/gm, "")
        .replace(/\s/g, "");
    for (const text of texts)
      assert.equal(kept(splitSentences(text).join("\n")), kept(text), JSON.stringify(text));
  });

  test("an unbroken run longer than one piece is still fully kept", () => {
    const run = "x".repeat(MAX_SEGMENT_INPUT * 2 + 5);
    assert.equal(splitSentences(run).join(""), run);
  });

  // Found in review: a line of code had its inner white space collapsed, as prose has.
  test("a line of code with a run of white space longer than one piece gives no empty sentence", () => {
    // Review rB: its inner spacing kept, the piece cut inside the run was "" (an empty row stored).
    for (const space of [" ", "\t"])
      assert.deepEqual(splitSentences(`\`\`\`\na${space.repeat(40_000)}b\n\`\`\``), ["a", "b"]);
  });

  test("a line of code keeps its inner spacing, trimmed at its ends only", () => {
    assert.deepEqual(splitSentences("```py\n  return {'a':  1}  \n\tif x:\t\ty()\n```"), [
      "return {'a':  1}",
      "if x:\t\ty()",
    ]);
  });

  // Found in review: a window cut at its end could fall between the two halves of a surrogate pair, and each
  // piece kept a lone surrogate (stored as U+FFFD).
  test("a run cut at a window's end is not cut inside a surrogate pair, in prose or in a line of code", () => {
    // "x" first: each emoji's high surrogate at an odd index, the window's last code unit.
    const run = `x${"\u{1F600}".repeat(MAX_SEGMENT_INPUT)}`;
    for (const sentences of [splitSentences(run), code(run)]) {
      assert.ok(sentences.length >= 2, `${sentences.length} pieces`);
      for (const piece of sentences) {
        assert.ok(!/^[\uDC00-\uDFFF]/.test(piece), "a piece starts with a low surrogate");
        assert.ok(!/[\uD800-\uDBFF]$/.test(piece), "a piece ends with a high surrogate");
      }
      assert.equal(sentences.join(""), run);
      assert.deepEqual(
        sentences.map((s) => s.length),
        [MAX_SEGMENT_INPUT - 1, MAX_SEGMENT_INPUT, 2],
      );
    }
  });

  test("a line of code longer than one piece is cut as a prose sentence that long is, every character kept", () => {
    // A minified script in a fenced block: pieces of at most MAX_SEGMENT_INPUT, cut at the last space (a run
    // without one, anywhere), as prose is.
    const spaced = "var a=1; ".repeat(MAX_SEGMENT_INPUT / 4).trim();
    const unbroken = "y".repeat(MAX_SEGMENT_INPUT * 2 + 5);
    for (const text of [`Intro.\n\n\`\`\`js\n${spaced}\n\`\`\``, `Intro.\n\n\`\`\`\n${unbroken}\n\`\`\``]) {
      const sentences = splitSentences(text);
      const code = sentences.filter((s) => s.length > 100);
      assert.ok(code.length >= 2, `${code.length} long pieces`);
      assert.ok(
        sentences.every((s) => s.length <= MAX_SEGMENT_INPUT),
        `longest ${Math.max(...sentences.map((s) => s.length))}`,
      );
      // Every character but the fences (markup: no sentence) and white space.
      assert.equal(sentences.join("").replace(/\s/g, ""), text.replace(/```(?:js)?|\s/g, ""));
    }
    assert.deepEqual(
      splitSentences(`Intro.\n\n\`\`\`\n${unbroken}\n\`\`\``).map((s) => s.length),
      [6, MAX_SEGMENT_INPUT, MAX_SEGMENT_INPUT, 5],
    );
    // Cut at spaces: the pieces joined by one space are the line.
    assert.equal(code(spaced).join(" "), spaced);
  });
});
