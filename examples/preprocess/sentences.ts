/**
 * Largest piece of text given to one `Intl.Segmenter.segment` call, in UTF-16 code units. ICU's
 * sentence segmentation gets disproportionately slower on long inputs (about 0.1 s for 64 KiB but
 * 80 s for 2 MiB on a 2-core VM), so a longer paragraph is segmented a window at a time: each window's
 * sentences but the last are kept, and the next window starts at that last sentence (at the last space
 * when the whole window is one sentence, anywhere in a window without a space).
 */
export const MAX_SEGMENT_INPUT = 16 * 1024;

/**
 * Abbreviations that, in English, almost never end a sentence: titles before a name and Latin leads,
 * lower-cased and without their final full stop. ICU (UAX #29 rule SB11) ends a sentence after "Dr."
 * when a capitalised word follows; CLDR's English sentence-break exceptions (UTS #35, Segmentation
 * Exceptions) would keep "Dr. Smith" together, but ICU applies them only for the locale extension
 * `-u-ss-standard`, and V8's `Intl.Segmenter` drops that extension (Node 20:
 * `new Intl.Segmenter("en-u-ss-standard", { granularity: "sentence" }).resolvedOptions().locale` is
 * `"en"`). So the example applies a short list of its own. Left out on purpose, as words that often do
 * end a sentence: "St." (Main St.), "No." (the word), "etc.", "Inc.", "Jr.", "Ph.D.", and "a.m."/"p.m." and
 * the months' abbreviations ("… in Dec. The next …"), which have rules of their own:
 * {@link isTimeAbbreviation}, {@link MONTH_ABBREVIATIONS}.
 */
const ENGLISH_ABBREVIATIONS = new Set([
  ...["mr", "mrs", "ms", "mx", "dr", "prof", "rev", "hon", "gov", "sen", "rep"],
  ...["capt", "col", "gen", "lt", "maj", "sgt", "mt"],
  ...["e.g", "i.e", "cf", "viz", "vs", "approx"],
]);

/**
 * The months' abbreviations, capitalised, without their full stop: "Jan.", "Sept.". Before a number, a day
 * or a year in decimal digits of any script ("Jan. 5", "Sept. 30, 2026", "Dec. 2025", "Jan. ５"), the full
 * stop does not end the sentence: a date goes on there, and edited English seldom starts a sentence with a
 * numeral (style guides spell it out), whereas UAX #29 ends one after "Jan." when the number is followed by
 * a full stop or a capital ("on Jan. 5. Bring notes." was cut after "Jan."). The cost: a sentence that does
 * start with a numeral after one stays joined to it. Before a word they end it, as any word does ("It was in
 * Dec. The next one …"): a sentence does end with them. Not "May": a word, and the month's whole name ("in
 * May. 2026 Q3 …" ends there). Written capitalised or in capitals ("JAN. 5", as in a heading or a form),
 * not in lower case: "mar." is the verb, "dec." and "sept." words too, and a month's abbreviation is not
 * written so ({@link isMonthAbbreviation}).
 */
const MONTH_ABBREVIATIONS = new Set("Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split(" "));

/**
 * Opening brackets or quotes, or Markdown's emphasis (`*`, `_`), inline code (`` ` ``) or strikethrough
 * (`~~`, GitHub Flavored Markdown), before a word that follows a time ("5 p.m. (Tuesday)", "9 a.m. `Monday`").
 */
const OPENERS = String.raw`^[\p{Ps}\p{Pi}"'*_` + "`" + String.raw`~]*`;
/** The end of a whole word. */
const WORD_END = String.raw`(?![\p{L}\p{M}\p{N}])`;
/** White space and a decimal digit of any script: a day or a year follows ("Jan 5", "Sat 3 June", "May 2026"). */
const BEFORE_NUMBER = String.raw`\s+\p{Nd}`;

/** A weekday's whole name, or its plural ("Tuesday", "Tuesdays": "open 5 p.m. Tuesdays and Thursdays"). */
const WEEKDAY = String.raw`(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)days?`;
/**
 * A weekday's abbreviations, without their full stop: "Mon", "Tue", "Tues", "Wed", "Weds", "Thu", "Thur",
 * "Thurs", "Fri", "Sat", "Sun", and the two-letter "Tu" and "Th" (no English words; not "Mo", "We", "Fr",
 * "Sa", "Su": a word, a title, a name). Some are words too ("Mon", "Wed", "Sat", "Sun"), so an abbreviation
 * counts only with a mark of one after it ({@link NAME_AFTER_TIME}), unless it is no word ({@link WEEKDAY_BARE}).
 */
const WEEKDAY_ABBREVIATION = String.raw`(?:Mon|Tues|Tue|Tu|Weds|Wed|Thurs|Thur|Thu|Th|Fri|Sat|Sun)`;
/** A weekday's abbreviations that are no English word, alone: "5 p.m. Weds", "5 p.m. Thurs". */
const WEEKDAY_BARE = String.raw`(?:Tues|Tue|Weds|Thurs|Thur|Thu|Fri)`;
/**
 * A dash between two weekdays' abbreviations, perhaps spaced: a hyphen (U+002D, U+2010, U+2011), an en dash
 * (U+2013) or an em dash (U+2014): "Mon-Fri", "Mon–Fri", "Mon – Thurs".
 */
const DAY_RANGE_DASH = String.raw`[ ]?[\-\u2010\u2011\u2013\u2014][ ]?`;
/** A month's whole name, but "May" (a word that starts sentences, "May we go?": only before a number). */
const MONTH = String.raw`(?:January|February|March|April|June|July|August|September|October|November|December)`;
/** A month's abbreviations ({@link MONTH_ABBREVIATIONS}), without their full stop. */
const MONTH_ABBREVIATION = String.raw`(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)`;

/**
 * A weekday's or a month's name that may follow a time's "a.m." or "p.m." without starting a sentence
 * ({@link isTimeAbbreviation}), after perhaps opening brackets, quotes, emphasis, inline code or strikethrough
 * ({@link OPENERS}), capitalised or in capitals (any case: a lower-case word goes on anyway):
 * - a weekday's name, or its plural, as a whole word ("Tuesday", "TUESDAY", "Tuesdays": {@link WEEKDAY});
 * - a weekday's abbreviation ({@link WEEKDAY_ABBREVIATION}) with a full stop or a comma ("Tue.", "Mon.,",
 *   "Weds.", "Th."), before a range's dash and another weekday ("Mon-Fri", "Mon–Fri", "Tu-Th":
 *   {@link DAY_RANGE_DASH}; "Sun-dried" is not one), or before a number ("Sat 3 June"); alone, as a whole
 *   word, only when it is no word ({@link WEEKDAY_BARE}: "Weds", "Thurs"; "Sun shone", "Sat by the fire" and
 *   "Mon ami" start sentences);
 * - a month's whole name but "May", as a whole word ("January": {@link MONTH}), or its abbreviation with its
 *   full stop ("Jan.") or before a number ("Jan 5", and "May 31", "May 5th": "May" is the month only there).
 * Each alternative is a fixed word then at most one bounded mark, anchored at the start: matched in time
 * linear in the text's length.
 */
const NAME_AFTER_TIME = new RegExp(
  OPENERS +
    "(?:" +
    [
      WEEKDAY + WORD_END, // "Tuesday", "Tuesdays"
      WEEKDAY_ABBREVIATION + "[.,]", // "Tue.", "Mon.,"
      WEEKDAY_ABBREVIATION + DAY_RANGE_DASH + WEEKDAY_ABBREVIATION, // "Mon-Fri", "Mon – Thurs"
      WEEKDAY_ABBREVIATION + BEFORE_NUMBER, // "Sat 3 June"
      WEEKDAY_BARE + WORD_END, // "Weds"
      MONTH + WORD_END, // "January"
      MONTH_ABBREVIATION + String.raw`\.`, // "Jan."
      `(?:${MONTH_ABBREVIATION}|May)` + BEFORE_NUMBER, // "Jan 5", "May 31"
    ].join("|") +
    ")",
  "iu",
);

/**
 * A time zone's abbreviation that may follow a time's "a.m." or "p.m." without starting a sentence ("EST",
 * "UTC", "CEST", "HST", "NZST"), in capitals only: "Art", "Eat" and "Cat" start sentences. The zones of North
 * America, Europe, Africa, Asia and Oceania in common use, as tz database abbreviations or as written where
 * the tz database now has a number ("GST" for the Gulf's, "+04"; "WITA", "NPT", "IRST"). Left out: those that
 * are English words in capitals, as in a heading ("GET", "PET", "COT", "VET").
 */
const ZONE_AFTER_TIME = new RegExp(
  OPENERS +
    "(?:" +
    [
      String.raw`UTC|GMT|[ECMP][SD]?T|H[SD]T|AK[SD]T|[AN][SD]T`, // North America
      String.raw`[CEW]ES?T|BST|IST|MSK|TRT`, // Europe (IST: Ireland's, and India's), Turkey
      String.raw`[WCE]AT|SAST|IDT|GST|IRST`, // Africa, Israel, the Gulf, Iran
      String.raw`PKT|NPT|JST|KST|HKT|SGT|MYT|PHT|ICT|WIB|WITA|WIT`, // Asia
      String.raw`BRT|ART|CLT`, // South America
      String.raw`AE[SD]T|AC[SD]T|AWST|ACWST|NZ[SD]T`, // Oceania
    ].join("|") +
    ")" +
    WORD_END,
  "u",
);

/**
 * A time zone's name that may follow a time's "a.m." or "p.m." without starting a sentence, in any case, only
 * with "time" after it: a region ("Pacific", "Mountain", "Central", "Eastern", "Atlantic", "Alaska", "Hawaii",
 * "Newfoundland", "Greenwich"), perhaps "European", perhaps "Standard", "Daylight", "Summer" or "Mean", then
 * "time" ("9 a.m. Pacific time", "5 A.M. Eastern Time", "Central European Summer Time", "Greenwich Mean Time").
 * Without "time" the region word starts a sentence as any ("Pacific waters rose", "Central banks …"). Each
 * run of white space is followed by a letter it cannot hold: matched in linear time.
 */
const ZONE_NAME_AFTER_TIME = new RegExp(
  OPENERS +
    String.raw`(?:Pacific|Mountain|Central|Eastern|Atlantic|Alaska|Hawaii|Newfoundland|Greenwich)` + // a region
    String.raw`(?:\s+European)?(?:\s+(?:Standard|Daylight|Summer|Mean))?` + // perhaps its qualifiers
    String.raw`\s+time` +
    WORD_END,
  "iu",
);

/**
 * Whether `word`, before a full stop, is a time's "a.m" or "p.m", in lower case or capitals ("A.M", "P.M").
 * Its full stop ends the sentence before a capitalised word ("We met at 5 p.m. The next day it rained."), as
 * the pragmatic segmenter's rule has it (pragmatic_segmenter AbbreviationReplacer AmPmRules: after "a.m." or
 * "p.m." of either case, white space and a capital end a sentence), but not before a weekday or a month
 * ({@link NAME_AFTER_TIME}: "5 p.m. Tuesday", "5 P.M. TUESDAY", "5 p.m. Tuesdays", "5 p.m. Mon-Fri", "5 p.m.
 * Jan 5"), a time zone ({@link ZONE_AFTER_TIME}: "9 a.m. EST"; {@link ZONE_NAME_AFTER_TIME}: "9 a.m. Pacific
 * time"), each perhaps in brackets, quotes, emphasis, inline code or strikethrough ("5 p.m. *Tuesday*",
 * "9 a.m. `Monday`"), a lower-case word or a digit ({@link continues}). The limit: a capitalised word that
 * does not start a sentence after one ("at 5 p.m. Jane called", a name) is cut there, and a sentence that
 * starts with a weekday, a month or a time zone after one ("We left at 5 p.m. Tuesday was calm.", "… 5 p.m.
 * Sundays are quiet.") stays joined to it.
 */
function isTimeAbbreviation(word: string): boolean {
  return /^(?:[ap]\.m|[AP]\.M)$/.test(word);
}

/** The word before a sentence's final full stop (letters and inner dots: "Dr", "U.S", "e.g"), if any. */
const LAST_WORD = /(?:^|[^\p{L}\p{M}.])(\p{L}[\p{L}\p{M}.]*)\.$/u;

/** One capital or capitals each followed by a dot, the last dot left off: an initial or an initialism. */
const INITIALISM = /^(?:\p{Lu}\.)*\p{Lu}$/u;

/** A line of white space only: it ends a block. */
const BLANK_LINE = /^[^\S\n]*$/;

/**
 * A line that opens or closes a fenced code block (CommonMark 0.31 §4.5): three or more backticks or tildes
 * (the fence, captured), then the rest of the line (captured: an opening fence's info string, "```ts", with
 * no backtick after backticks, or else it is inline code; nothing but white space after a closing fence).
 */
const FENCE_LINE = /^[ \t]*(`{3,}|~{3,})(.*)$/;

/** {@link FENCE_LINE} where its `lastIndex` is (after a line's quote markers), its indentation captured first. */
const FENCE_AT = /([ \t]*)(`{3,}|~{3,})(.*)/y;

/**
 * Whether `line` is a thematic break (CommonMark 0.31 §4.1): three or more `*`, `-` or `_`, alone on the
 * line but for spaces and tabs ("***", "- - -", "_____"). A block of its own, before a list item ("* * *"
 * is no empty item). Its marks are read once without its spaces: a pattern with spaces between repeated
 * marks backtracks over a long line of them that ends otherwise ("* * * … x").
 */
function isThematicBreak(line: string): boolean {
  return /^[ \t]*[-*_]/.test(line) && /^(?:\*{3,}|-{3,}|_{3,})$/.test(line.replace(/[ \t]+/g, ""));
}

/**
 * A setext heading's underline (CommonMark 0.31 §4.3): a run of two or more `=` or `-` alone on the line,
 * under a paragraph's line ("Title\n=====", a plain-text title underlined alike), which makes that
 * paragraph a heading: a block of its own; the underline is markup, no sentence. CommonMark takes one character too; here a
 * lone `=` or `-` goes on the paragraph, as hard-wrapped plain text puts an equals or a minus sign on a line
 * of its own ("The total is\n=\n42.").
 */
const SETEXT_UNDERLINE = /^[ \t]*(?:={2,}|-{2,})[ \t]*$/;

/**
 * YAML front matter (as Jekyll, Hugo and GitHub read it): a first line `---`, then the lines up to a line
 * `---` or `...` (captured: the lines between). Each of its lines is a block of its own, not segmented
 * ("title: Release notes" and "author: Jane" are not one sentence); its fences are markup, no sentence.
 * Only when it reads as YAML ({@link isFrontMatter}): prose between two separator lines is prose.
 */
const FRONT_MATTER = /^---[ \t]*\n((?:.*\n)*?)(?:---|\.\.\.)[ \t]*(?:\n|$)/;

/**
 * Whether the lines between front matter's fences ({@link FRONT_MATTER}) read as YAML: no blank line first
 * (pandoc's rule), and each line not indented and not blank a key (`title:`, `title: x`), a list item
 * (`- x`) or a comment (`# x`); indented lines go on the one before. "Chapter one. It was dark." between
 * two `---` lines is prose, not front matter.
 */
function isFrontMatter(lines: string): boolean {
  const all = lines.split("\n");
  if (BLANK_LINE.test(all[0]!)) return false;
  return all.every(
    (line) => BLANK_LINE.test(line) || /^[ \t]/.test(line) || /^(?:[^\s:#][^:]*:(?:[ \t]|$)|- |#)/.test(line),
  );
}

/**
 * Whether `line` is a table's delimiter row (GitHub Flavored Markdown 0.29 §4.10): cells of `-` with an
 * optional `:` at either end, between `|`, at least one `|` ("|---|:--:|", "--- | ---"). With the line
 * before it (holding a `|`), it starts a table: each row a block of its own, not segmented (its cells are
 * not sentences run together), up to a blank line or a line with no `|`; the delimiter row is markup.
 */
function isDelimiterRow(line: string): boolean {
  if (!line.includes("|")) return false;
  // Its cells, one leading and one trailing bar taken off: one pattern per cell, no regular expression
  // over the whole line (two runs of white space side by side in one backtracked quadratically).
  const cells = line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|");
  return cells.every((cell) => /^[ \t]*:?-+:?[ \t]*$/.test(cell));
}

/** Where the line that starts at `from` in `text` ends (its "\n", else the text's end). */
function lineEnd(text: string, from: number): number {
  const end = text.indexOf("\n", from);
  return end === -1 ? text.length : end;
}

/**
 * A mail's signature separator (RFC 3676 §4.3, Usenet's before it): "-- " alone on its line, or "--" where an
 * editor took off its trailing space, where no paragraph goes on (first in the text, after a blank line, a
 * heading, a break): it ends the block and is markup, no sentence ("-- Jane Doe" was one). Under a
 * paragraph's line either is a setext heading's underline ({@link SETEXT_UNDERLINE}: "Introduction\n-- ").
 * The text after it is read as any: a mail's disclaimer, or prose after a "--" divider, is wrapped prose,
 * its lines joined and cut at its sentences; a signature's short lines ("Jane Doe\nACME Inc. | Sales") are
 * a block of short lines, a sentence each ({@link lineCuts}): no rule on a line's own text tells a name on a
 * line of its own from wrapped prose ("… met John\nSmith at the station"), but a block's lines together do.
 */
const SIGNATURE_SEPARATOR = /^--[ \t]*$/;

/**
 * A link reference definition (CommonMark 0.31 §4.7), its line's trailing white space taken off first: a
 * label in brackets (at most 999 characters), a colon, a destination (`<…>` or no white space), then
 * perhaps a title in quotes or parentheses ("[1.2.0]: https://x.example/compare/v1.1.0...v1.2.0",
 * `[a]: <b> "T"`). Where no paragraph goes on (it interrupts none), it is a block of its own, not segmented:
 * a CHANGELOG's links were one sentence, cut at a compare URL's "...". A footnote's text ("[^1]: The note.")
 * has words after its "destination", and is prose.
 */
const LINK_DEFINITION =
  /^[ \t]{0,3}\[[^\]\n]{1,999}\]:[ \t]*(?:<[^>\n]*>|[^\s<]\S*)(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?$/;

/**
 * A line that starts an HTML comment (CommonMark 0.31 §4.6, an HTML block of type 2: "<!--" after white
 * space) where a block may start: to the first line holding "-->" (its line too), each line a block of its
 * own, as written, not segmented (a line of code: {@link blocksOf}). It interrupts a paragraph, as in
 * CommonMark. One that no later "-->" closes is text ({@link commentCloser}), as a fence never closed is.
 */
const COMMENT_START = /^[ \t]*<!--/;

/** A line of an HTML comment that is its "<!--" or its "-->" alone: markup, no sentence. */
const COMMENT_MARKUP = /^[ \t]*(?:<!--|-->)[ \t]*$/;

/**
 * Where the first "-->" at or after an offset is in `text` (its first "-", or -1 for none): the end of an
 * HTML comment (CommonMark 0.31 §4.6 and §6.6: "<!--" to the first "-->", looked for from "<!--"'s third
 * character, so that "<!-->" and "<!--->" close at once). A function of the offset, to be asked with offsets
 * in increasing order: a search is made again only past what the last one found, and never after it found
 * none, so that its searches together read the text about once (a text of "<!--" lines and no "-->" was
 * quadratic otherwise).
 */
function commentCloser(text: string): (from: number) => number {
  let searched = Infinity; // where the last search started
  let found = -1; // what it found
  return (from) => {
    if (searched <= from && (found === -1 || found >= from)) return found;
    [searched, found] = [from, text.indexOf("-->", from)];
    return found;
  };
}

/** A Markdown (ATX) heading's line, `# …` to `###### …`: a block of its own. */
const HEADING_LINE = /^[^\S\n]*#{1,6}[^\S\n]/;

/**
 * The lead of a line that starts a list item: its indentation and its markers, each followed by white space
 * or the line's end ("1. ", "  - ", "- 1. " for a list nested on its parent's line, "2." alone). A marker is
 * a bullet, `-`, `*`, `+` or `•`, or an ordered list marker, CommonMark's (0.31 §5.2) 1 to 9 ASCII digits
 * then `.` or `)` ("1. ", "2) ", "10. "; not "１. ").
 */
const ITEM_LEAD = /^[^\S\n]*(?:(?:[-*+•]|\d{1,9}[.)])(?:[^\S\n]+|$))+/;

/**
 * What leads a block, its white space already collapsed to single spaces: the list markers of an item
 * ("1. ", "10) ", "- ", "- 1. " for a list nested on its parent's line) or a heading's marks and section
 * number ("## 2. ", "### 2.1. "). UAX #29 (SB11) ends a sentence after "1." or "2.1." when a capital
 * follows, which would leave the number a sentence of its own; the lead stays with the sentence after it.
 */
const BLOCK_LEAD = /^ ?(?:#{1,6} (?:\d{1,9}(?:\.\d{1,9})*[.)] )?|(?:(?:[-*+•]|\d{1,9}[.)]) )+)/;

/**
 * What a block of {@link blocksOf} is, which says how {@link sentencesOf} reads it: `"prose"` is segmented
 * (UAX #29 and the rules of {@link splitSentences}), its white space collapsed; `"code"` (a line of code, of
 * an HTML comment, a table's row, a line of front matter, a link reference definition) is one sentence as
 * written; `"field"` (a header field of a run of header lines, its folded lines with it: {@link lineCuts}) is
 * one sentence, its white space collapsed (RFC 5322 §2.2.3's unfolding, a line break and its indentation one
 * space), whatever terminators its value holds ("Subject: Q3 results. Please read!").
 */
type BlockKind = "prose" | "code" | "field";

/**
 * The blocks of a text, in order, each ending a sentence whatever precedes its end: a blank line ends a
 * block, a heading's line is a block of its own, a thematic break ({@link isThematicBreak}) and a setext
 * heading's underline ({@link SETEXT_UNDERLINE}: the paragraph above it ends there) end the block and are
 * markup, no block (a fence that opens or closes code is none either), a table's rows ({@link
 * isDelimiterRow}) and YAML front matter's lines ({@link FRONT_MATTER}) are blocks of their own, not
 * segmented, so is a link reference definition's line ({@link LINK_DEFINITION}) where no paragraph goes on,
 * a signature separator there ends the block and is markup ({@link SIGNATURE_SEPARATOR}), and a line that
 * starts a list item starts a block
 * (Markdown, as CommonMark 0.31 reads it). A line that starts an ordered list item with a number other
 * than 1 ("1998. Then it closed.", "5. Bring notes.") starts one only where no paragraph is interrupted:
 * first in the text, after a blank line or a heading, or in a list (after a line that started an item, the
 * item's wrapped lines, or a block indented under it after a blank line). After a paragraph's line it goes
 * on that paragraph, as CommonMark has it (§5.2: an ordered list interrupts a paragraph only when it
 * starts with 1), so hard-wrapped prose with a year or a day at a line's start is not cut there; except
 * after a line that ends a sentence ({@link endsSentence}: "…from page 1:\n2. Open the lid."). A list
 * item's markers alone on their line ("1.", "-") start an empty item where no paragraph is interrupted
 * (§5.2: an empty item interrupts none: "Version\n1.\n5 is out." goes on, and "-" under a line underlines
 * a heading); the next line goes on it only when indented to where the item's text would start, one
 * column past its markers ("1.\n   One." is "1. One.", "1.\nTwo." an empty item and a paragraph). Line
 * breaks are "\n" by then, U+2029 (paragraph separator) a blank line. Each block is a slice of `text`, its
 * line breaks in it, each with its kind ({@link BlockKind}): prose, a line of code, or a header field of a run
 * of header lines ({@link lineCuts}).
 *
 * Each line of a code block is a block of its own, a line of code (code has no wrapped lines: "npm install"
 * and "npm test" on two lines are two), and no line in it starts a heading or a list item: a fenced code
 * block (CommonMark 0.31 §4.5) from its opening fence, which may interrupt a paragraph, to a closing fence
 * of the same character at least as long, with nothing after it, indented less than four columns past the
 * opening fence ({@link closesFence}). A fence never closed is no fence (CommonMark would run its code to
 * the text's end): in plain text a line of three backticks or tildes is a separator ("~~~ The end ~~~") or a
 * slip, and the rest of a letter read as code is a line a sentence. Its line is a block of its own, prose
 * ("Before.\n```\nAfter one. After two." is "Before.", "```", "After one.", "After two."): a line that
 * starts with a fence is seldom the wrapped middle of a sentence, and not glued to the sentences around it.
 * Whether each fence is closed is found in one pass over the text before the first block
 * ({@link closedFences}), so that time stays linear however many fences are left open.
 *
 * An HTML comment where a block may start ({@link COMMENT_START}: CommonMark 0.31 §4.6, an HTML block of type
 * 2, which interrupts a paragraph) is read as code is: each of its lines, to the first that holds "-->", a
 * line of code, a block of its own (its lines are not prose: a note to the editor, a tool's directive such as
 * "<!-- prettier-ignore -->", text commented out), no line in it a heading, a list item or a fence; its
 * "<!--" or "-->" alone on a line is markup, no block ({@link COMMENT_MARKUP}); in a quote it ends with the
 * quote, as code does. Kept, not dropped: what the api is sent is kept whole, markup aside (the words of a
 * comment are the document's, and a document of comments alone is no empty one). A "<!--" that no later
 * "-->" closes is text, as a fence never closed is ({@link commentCloser}).
 *
 * An indented code block (§4.4: lines indented four columns or more where no paragraph goes on) is not
 * modelled: its lines are prose. The api takes any text/plain, and plain text indents its paragraphs by a
 * tab or four spaces ("Dear Ms. Smith,\n\n\tThank you for your letter. …"), which the splitter cannot tell
 * from an indented code block; read as code, such a paragraph was cut at each line's end and its sentences
 * not at all. The cost: a Markdown indented code block is segmented as prose, its lines joined. Where a
 * block starts (first in the text, after a blank line, a heading or a fence), an indented line is read as
 * it would be unindented: it may start a heading, a list item or a fence. Inside a block, a line indented
 * four columns or more (a tab to the next multiple of 4; spaces and tabs only, not U+3000) past the text of
 * the last list item begun (or the line's start out of a list) goes on the block (lazy continuation:
 * "A paragraph\n    wrapped." is one), and starts no heading, list item or fence, as in CommonMark.
 *
 * A block quote (CommonMark 0.31 §5.1: lines led by `>`, {@link quoteMarkers}) holds blocks, read in it as
 * outside one (headings, list items, fences, tables, definitions), its lines without their markers: the first
 * line of each of its blocks keeps them (the block's lead, as a list item's markers are: a table's row or a
 * definition, each a block, keeps them), the others lose them (markup). A `>` with text right after it is
 * text, no marker (">= 20 GB": {@link quoteMarkers}). A line whose depth of quote differs from the block's
 * starts another block: a quote interrupts a paragraph, as in CommonMark (§5.1, example 247: "Studies show
 * that\n> 50% agree." is a paragraph and a quote; ">50%" or "    > 50%" goes on it), a blank quote line (">")
 * ends one, a deeper or shallower quote does too (in mail, another writer's text; CommonMark goes on a
 * paragraph at a shallower depth lazily), and so does a line with no marker at all: no lazy continuation,
 * where CommonMark goes on a quote's paragraph with it; in mail such a line is the reply typed under the line
 * it answers ("> Can we meet on Monday\nYes, Monday works."), not the quote's. A fenced code block in a quote
 * ends with it ({@link closedFences}): its fences are markup, its lines lose the quote's markers, not more
 * ("> > x" in a quote's code is "> x").
 */
function* blocksOf(text: string): Generator<[block: string, kind: BlockKind]> {
  let lines: string[] = []; // the block being read: its lines without their quote markers
  let marks: string[] = []; // each line's quote markers, as written
  let empty = true; // no line in that block yet
  let inList = false; // the last block begun was a list item's, or a block indented under one
  let column = 0; // where the text of the last list item begun starts: "1. One." 3, "  - x" 4, "1." alone 3
  let bare = false; // that block is an item's markers alone so far: only a line indented to `column` goes on
  let fence = ""; // the fence that opened the fenced code block being read ("```", "~~~~"), "" out of one
  let opened = 0; // that fence's indentation, in columns
  let fenced = 0; // that fence's depth of quote
  let depth = 0; // the depth of quote of the block being read
  let previous = ""; // the block's last line so far
  let table = false; // in a table's rows (GFM), each a block of its own
  let comment = false; // in an HTML comment's lines (CommonMark's HTML block of type 2), each a block
  let commented = 0; // that comment's depth of quote
  let delimiter = false; // the next line is the table's delimiter row
  const closed = closedFences(text);
  const closes = commentCloser(text);
  // The block read, as blocks: its lines cut where a run of header lines or a block of short lines has it, each
  // field of a run of header lines a block of kind "field".
  const take = function* (): Generator<[block: string, kind: BlockKind]> {
    const [block, quoted] = [lines, marks];
    [lines, marks] = [[], []];
    const { cuts, field } = lineCuts(block);
    let start = 0; // the first line of the block to yield next
    for (const cut of [...cuts, block.length]) {
      yield [quoted[start]! + block.slice(start, cut).join("\n"), field[start] === 1 ? "field" : "prose"];
      start = cut;
    }
  };
  let at = 0;
  // YAML front matter: its lines, each a block of its own, not segmented; its fences markup.
  const matter = FRONT_MATTER.exec(text);
  if (matter !== null && isFrontMatter(matter[1]!)) {
    for (const line of matter[1]!.split("\n")) if (!BLANK_LINE.test(line)) yield [line, "code"];
    at = matter[0].length;
  }
  for (; at <= text.length;) {
    const end = lineEnd(text, at);
    const written = text.slice(at, end);
    // Its quote markers: in a fenced code block, as many as the code's quote has (more are code); else where a
    // block may start (below), ">" four columns past a paragraph's line is text.
    let markers: [number, number] = quoteMarkers(written, 0, fence === "" ? Infinity : fenced);
    if (
      markers[0] > 0 &&
      fence === "" &&
      !empty &&
      columnAfter(/^[ \t]*/.exec(written)![0]) >= (inList ? column : 0) + 4
    )
      markers = [0, 0];
    const level: number = markers[0];
    const line: string = written.slice(markers[1]);
    if (fence !== "" && level < fenced) fence = ""; // the quote ends, and its code
    if (comment && level < commented) comment = false; // and its comment
    // A quote begins, ends or changes depth: the block ends (a line without markers too: no lazy continuation).
    if (level !== depth) {
      if (!empty) yield* take();
      [empty, inList, bare, depth] = [true, false, false, level];
      [table, delimiter] = [false, false];
    }
    const indent = columnAfter(/^[ \t]*/.exec(line)?.[0] ?? ""); // its indentation, in columns
    // Whether it may start a heading, a list item or a fence: first in a block, or in one (a paragraph, an
    // item) less than four columns past its list item's text (else it goes on the block, lazily).
    const inner: boolean = empty || indent < (inList ? column : 0) + 4;
    const fenceLine = inner ? FENCE_LINE.exec(line) : null;
    if (table && (BLANK_LINE.test(line) || !line.includes("|"))) table = false;
    if (fence !== "") {
      const [, run = "", rest = ""] = FENCE_LINE.exec(line) ?? [];
      if (closesFence(fence, opened, run, rest, indent))
        fence = ""; // markup: no sentence
      else if (!BLANK_LINE.test(line)) yield [line, "code"];
    } else if (table) {
      if (delimiter)
        delimiter = false; // markup: no sentence
      else yield [written, "code"];
    } else if (comment) {
      if (line.includes("-->")) comment = false;
      if (!COMMENT_MARKUP.test(line)) yield [line, "code"]; // "-->" alone: markup
    } else if (
      inner &&
      COMMENT_START.test(line) &&
      closes(at + markers[1] + line.indexOf("<!--") + 2) !== -1
    ) {
      if (!empty) yield* take();
      if (!COMMENT_MARKUP.test(line)) yield [written, "code"]; // "<!--" alone: markup
      // "-->" on a later line: the comment goes on to it.
      [comment, commented] = [closes(at + markers[1] + line.indexOf("<!--") + 2) >= end, level];
      empty = true;
      inList = inList && /^[^\S\n]/.test(line);
      bare = false;
    } else if (inner && line.includes("|") && isDelimiterRow(nextLine(text, end, level))) {
      if (!empty) yield* take();
      yield [written, "code"];
      [table, delimiter, empty, bare] = [true, true, true, false];
    } else if (BLANK_LINE.test(line)) {
      if (!empty) yield* take();
      empty = true;
      bare = false;
    } else if (inner && empty && SIGNATURE_SEPARATOR.test(line)) {
      [inList, bare] = [false, false]; // the separator: markup, no sentence
    } else if (inner && empty && LINK_DEFINITION.test(line.trimEnd())) {
      yield [written, "code"]; // a block of its own; the next line starts one too
      inList = inList && /^[^\S\n]/.test(line);
      bare = false;
    } else if (fenceLine !== null && !(fenceLine[1].startsWith("`") && fenceLine[2].includes("`"))) {
      if (!empty) yield* take();
      const code: boolean = closed(at); // else a fence never closed: a line of prose of its own
      // A fence that opens code is markup, no sentence, unless its info string is more than a word (a
      // language, "js", "c++"): "~~~ Intro ~~~" keeps its text, as a line of its own.
      if (!code || !/^[ \t]*[^\s`~]*[ \t]*$/.test(fenceLine[2]!)) yield [written, "prose"];
      if (code) [fence, opened, fenced] = [fenceLine[1], indent, level];
      empty = true;
      inList = inList && /^[^\S\n]/.test(line);
      bare = false;
    } else if (
      inner &&
      (isThematicBreak(line) ||
        // Under a paragraph's line of the same container: in a list, one indented to its item's text.
        (!empty && !bare && (!inList || indent >= column) && SETEXT_UNDERLINE.test(line)))
    ) {
      if (!empty) yield* take(); // the break or the underline: markup, no sentence
      empty = true;
      inList = inList && /^[^\S\n]/.test(line);
      bare = false;
    } else if (inner && HEADING_LINE.test(line)) {
      if (!empty) yield* take();
      yield [written, "prose"];
      empty = true;
      inList = false;
      bare = false;
    } else {
      const lead: string | undefined = inner ? ITEM_LEAD.exec(line)?.[0] : undefined; // the item's markers
      const alone: boolean = lead?.length === line.length; // with no text after them
      const under: boolean = bare && indent >= column; // the bare item's text
      const number: string | undefined = /^[^\S\n]*(\d+)/.exec(lead ?? "")?.[1]; // an ordered item's start
      const item: boolean =
        lead !== undefined &&
        !under &&
        (empty ||
          inList ||
          (!alone && (number === undefined || Number(number) === 1 || endsSentence(previous))));
      if (item || empty || (bare && !under)) {
        if (!empty) yield* take();
        lines.push(line);
        marks.push(written.slice(0, markers[1]));
        empty = false;
        inList = item || (inList && /^[^\S\n]/.test(line));
      } else {
        lines.push(line);
        marks.push(written.slice(0, markers[1]));
      }
      if (lead !== undefined && (item || under)) column = columnAfter(alone ? `${lead.trimEnd()} ` : lead);
      bare = (item || under) && alone;
      previous = line;
    }
    at = end + 1;
  }
  if (!empty) yield* take();
}

/**
 * A line that starts with a header field's name ({@link lineCuts}; RFC 5322 §2.2, §3.6: "From:", "Reply-To:",
 * "Cc:", "X-Mailer:", as mail clients write a forwarded or quoted mail's headers, in other languages too:
 * "Betreff:", "Enviado el:", "De :"): a capital, then letters and digits, perhaps parts joined by "-" and one
 * word more after a space, then perhaps a space, a colon, and white space or the line's end. Capitalised, as
 * clients write them: not an identifier wrapped to a line's start ("maxParentAge: 60_000 })"), nor "modes
 * alike: …", "https://…" or "10:30".
 */
const HEADER_FIELD = new RegExp(
  String.raw`^\p{Lu}[\p{L}\p{M}\p{N}]{0,39}(?:-[\p{L}\p{N}][\p{L}\p{M}\p{N}]{0,39}){0,4}` + // "Reply-To"
    String.raw`(?: \p{L}[\p{L}\p{M}\p{N}]{0,39})? ?:(?:[ \t]|$)`, // "Enviado el", then ":"
  "u",
);

/** A line of a block of short lines ({@link lineCuts}) is one when trimmed it is at most this long. */
const SHORT_LINE = 40;

/** A line that starts with a lower-case word (letters only, then white space, punctuation or the end). */
const LOWER_CASE_START = /^[ \t]*\p{Ll}[\p{L}\p{M}'’-]*(?:[\s,;:!?)]|\.(?:\s|$)|$)/u;

/** A line that ends with a sentence's terminator, then perhaps closing quotes, brackets or emphasis marks. */
const TERMINATED = /[.!?\u2026][\p{Pe}\p{Pf}"'*_~]*$/u;

/**
 * Where the lines of a prose block (its lines without quote markers, its first with its list markers) are cut
 * into blocks of their own: `cuts`, each the index of the line that starts one, in increasing order, none when
 * the block is wrapped prose (its lines are then joined, a line break a space: {@link blocksOf}); and `field`,
 * per line, 1 for a line that starts a header field of a run, 2 for a folded line of one, 0 for any other
 * (a block that starts at a line marked 1 is a field: one sentence, {@link BlockKind}). UAX #29
 * reads a line break as a space too, so lines without a terminator ran together ("From: Ann Smith To: Bob
 * Subject: Plans"). Two kinds of block are lines, not wrapped prose:
 * - A run of two or more lines that each start with a header field's name ({@link HEADER_FIELD}: "From: Ann",
 *   "To: Bob", "Subject: Plans"), a line indented more than the run's first field after one going on its
 *   field (RFC 5322 §2.2.3, folding): each field starts a block, and so does the line after the run. A mail's
 *   header block, forwarded or quoted, as clients write it (RFC 5322 §3.6). The run's lines are measured from
 *   its own indentation, its first field's (on a block's first line, after its list item's markers: the
 *   column of the item's text): a line indented as much that starts with a name is a field, one indented
 *   more is a folded line, any other (less indented, or as much and no field) ends the run. So a run indented
 *   as a whole, under a list item ("- From: Ann\n  To: Bob") or as a plain-text paragraph ("\tFrom: Ann\n\tTo:
 *   Bob"), is a run, not one field folded over its lines (it was prose, cut at its full stops). The cost: a
 *   field indented less than the run's first ends the run, and starts one only with a field after it as
 *   indented ("- From: Ann\nTo: Bob", a lazy line, is prose). Each field is one sentence, its folded lines
 *   with it, whatever its value holds ("Subject: Q3 results. Please read!", "Date: Mon. 5 Jan. 2026"): a
 *   field's value is no prose (RFC 5322 §2.2: a field is a name, a colon and a body up to the line's end,
 *   unfolded), and UAX #29 cut it at its full stops. The lines after the run are prose again. A line over
 *   {@link MAX_HEADER_LINE} characters is no field's (RFC 5322 §2.1.1). One such line alone is no run: "…
 *   asked the\nBoard: what now?" is wrapped prose, and two lines of prose in a row that each start with a
 *   name and a colon are seldom written. The cost: lines that do (a transcript, "Q: Why? It failed.\nA: Yes.
 *   Fixed.") are a run, each line one sentence.
 * - A block of short lines: two or more, each at most {@link SHORT_LINE} characters trimmed, none after the
 *   first starting with a lower-case word ({@link LOWER_CASE_START}; "jane@acme.example" is none), the last
 *   ending without a sentence's terminator ({@link TERMINATED}): a letter's address ("Ann Smith\n12 Main
 *   Street\nSpringfield, IL 62701"), its closing ("Best regards,\nJane Doe"), a signature, a title over two
 *   lines. Each of its lines that ends without a terminator ends a block, unless the next is indented more
 *   than its first (it goes on: "Ann Smith\n  (née Jones)"); one that ends with one is left to UAX #29 and
 *   the abbreviation rules. Why so: prose is wrapped at a fixed width of 60 columns or more (mail at 72 to
 *   78, RFC 5322 §2.1.1: a line "SHOULD be no more than 78 characters"), where a line ends short only before
 *   a word too long to fit or at its paragraph's end, so a block whose every line is short was broken by
 *   hand, a line at a time; a wrapped sentence goes on with a lower-case word far more often than not; and a
 *   paragraph of prose ends with a terminator, where an address, a signature or a title ends with none. So
 *   "It opened in\n1998.", "I met John\nSmith at noon." and "The meeting is at noon\nin Room 4" stay one
 *   sentence. The cost: a phrase broken by hand into short lines with no terminator at its end, the next line
 *   starting with a capital or a digit, is cut there ("Lunch with John\nSmith at noon"), as is text written
 *   with a line break after each clause (semantic line breaks: "We thank Alice,\nBob and Carol") when all its
 *   lines are short and capitalised and it ends with no terminator.
 * One pass over the lines, each read by patterns with bounded runs: linear.
 */
function lineCuts(lines: string[]): { cuts: number[]; field: Uint8Array } {
  const cuts: number[] = [];
  // Header runs: `field` marks the lines of runs of two or more fields.
  const field = new Uint8Array(lines.length); // 1: a field's line in a run, 2: a folded line of one
  if (lines.length < 2) return { cuts, field };
  // Each line's indentation in columns (the first's list item markers with it: the column of the item's text),
  // and whether its text after it starts a field.
  const columns = new Array<number>(lines.length);
  const starts = lines.map((line, i) => {
    const lead = (i === 0 ? ITEM_LEAD.exec(line)?.[0] : undefined) ?? /^[ \t]*/.exec(line)![0];
    columns[i] = columnAfter(lead);
    return line.length <= MAX_HEADER_LINE && HEADER_FIELD.test(line.slice(lead.length));
  });
  for (let i = 0; i < lines.length;) {
    if (!starts[i]) {
      i++;
      continue;
    }
    const base = columns[i]!; // the run's indentation: a field indented as much starts a field, more is folded
    let end = i + 1; // past the run
    let fields = 1;
    while (end < lines.length) {
      if (columns[end] === base && starts[end]) fields++;
      else if (!(columns[end]! > base && lines[end]!.length <= MAX_HEADER_LINE)) break;
      end++;
    }
    if (fields >= 2) for (let j = i; j < end; j++) field[j] = columns[j]! > base ? 2 : 1;
    i = end;
  }
  // A block of short lines, none after the first starting with a lower-case word.
  const short =
    !TERMINATED.test(withoutReferences(lines[lines.length - 1]!.trimEnd())) &&
    lines.every((line, i) => line.trim().length <= SHORT_LINE && (i === 0 || !LOWER_CASE_START.test(line)));
  const indent = columnAfter(/^[ \t]*/.exec(lines[0]!)![0]); // a line indented more goes on the one before
  for (let i = 1; i < lines.length; i++) {
    // A field starts, or a run of fields ends; a line of a block of short lines ends.
    const fieldCut = field[i] === 1 || (field[i - 1] !== 0 && field[i] === 0);
    const shortCut =
      short &&
      !TERMINATED.test(withoutReferences(lines[i - 1]!.trimEnd())) &&
      columnAfter(/^[ \t]*/.exec(lines[i]!)![0]) <= indent;
    if (fieldCut || shortCut) cuts.push(i);
  }
  return { cuts, field };
}

/**
 * The most characters a line of a header field has (RFC 5322 §2.1.1: "Each line of characters MUST be no
 * more than 998 characters"). A longer line is no field's, nor a folded line of one: a paragraph written on
 * one line that starts "Note: …" is prose, segmented as prose, not a field kept whole.
 */
const MAX_HEADER_LINE = 998;

/**
 * The line after the line break at `end` in `text` (`end` its "\n", else the text's end: ""), without its
 * quote markers when it has `level` of them (a table's delimiter row in the same quote), else as written.
 */
function nextLine(text: string, end: number, level: number): string {
  const line = text.slice(end + 1, lineEnd(text, end + 1));
  const [depth, cut] = quoteMarkers(line);
  return depth === level ? line.slice(cut) : line;
}

/**
 * Whether a line that starts with `run`, a run of backticks or tildes, then `rest`, indented `indent`
 * columns, closes the fence `fence` opened `opened` columns in (CommonMark 0.31 §4.5): `run` is of the same
 * character and at least as long, nothing but white space follows it, and it is indented less than four
 * columns past the opening fence (CommonMark counts from the list item's text the fence is in, which
 * {@link closedFences} does not know; from the fence, a closing fence in a list item is found as well).
 */
function closesFence(fence: string, opened: number, run: string, rest: string, indent: number): boolean {
  return run[0] === fence[0] && run.length >= fence.length && BLANK_LINE.test(rest) && indent < opened + 4;
}

/**
 * Which fence lines ({@link FENCE_LINE}, after a line's quote markers: {@link quoteMarkers}) of `text` (its
 * line breaks "\n") a later line closes, as {@link closesFence} has it (same character, at least as long,
 * nothing after it, indented less than four columns past it), in the same block quote: at the same depth of
 * quote, with no line between at a lesser depth (CommonMark 0.31 §5.1: a quote ends at a line without its
 * markers, and the code in it with it). A function of a line's start offset, true for such a fence line's,
 * to be asked with offsets in increasing order (as {@link blocksOf} reads the lines). One pass over the
 * text's lines and one back over its fence lines, keeping, for each depth of quote still open, each
 * character and each column of indentation, the longest closing fence seen so far (later in the text); a
 * line at a lesser depth drops the deeper ones. Each fence line reads the columns less than its own
 * indentation plus 4, no more than 4 per character of it plus 4, so the time is linear in the text's length;
 * each fence line is kept as numbers (its matches kept whole took 278 MB for 5 MiB of fence lines).
 */
function closedFences(text: string): (at: number) => boolean {
  const starts: number[] = [];
  const depths: number[] = []; // its quote depth
  const dips: number[] = []; // the least quote depth of the lines after it, up to the next fence line
  const indents: number[] = [];
  const runs: number[] = []; // the run's length, negative for tildes
  const closers: boolean[] = []; // nothing after the run: it may close a fence
  const fenceAt = new RegExp(FENCE_AT);
  for (let at = 0; at <= text.length; at = lineEnd(text, at) + 1) {
    const [depth, cut] = quoteMarkers(text, at);
    let first = cut; // the line's first character after its markers and indentation
    while (text[first] === " " || text[first] === "\t") first++;
    fenceAt.lastIndex = cut;
    const match = text[first] === "`" || text[first] === "~" ? fenceAt.exec(text) : null;
    if (match === null) {
      if (dips.length > 0) dips[dips.length - 1] = Math.min(dips[dips.length - 1]!, depth);
      continue;
    }
    const [, lead = "", run = "", rest = ""] = match;
    starts.push(at);
    depths.push(depth);
    dips.push(depth);
    indents.push(columnAfter(lead));
    runs.push(run[0] === "`" ? run.length : -run.length);
    closers.push(BLANK_LINE.test(rest));
  }
  const closed = new Uint8Array(starts.length);
  // Per depth of quote still open, deepest last: per character, per column, the longest closing run later.
  const open: { depth: number; longest: Record<string, number[]> }[] = [];
  for (let i = starts.length - 1; i >= 0; i--) {
    const depth = depths[i]!;
    while (open.length > 0 && open[open.length - 1]!.depth > Math.min(depth, dips[i]!)) open.pop();
    if (open[open.length - 1]?.depth !== depth) open.push({ depth, longest: { "`": [], "~": [] } });
    const indent = indents[i]!;
    const length = Math.abs(runs[i]!);
    const later = open[open.length - 1]!.longest[runs[i]! > 0 ? "`" : "~"]!;
    let longer = 0; // the longest closing run later, indented less than `indent + 4` columns
    for (let column = 0; column < Math.min(indent + 4, later.length); column++)
      longer = Math.max(longer, later[column] ?? 0);
    if (longer >= length) closed[i] = 1;
    if (closers[i]) later[indent] = Math.max(later[indent] ?? 0, length);
  }
  let next = 0; // the first fence line not before the offset last asked
  return (at) => {
    while (next < starts.length && starts[next]! < at) next++;
    return next < starts.length && starts[next] === at && closed[next] === 1;
  };
}

/**
 * A block quote's markers at the start of the line that starts at `from` in `text` (CommonMark 0.31 §5.1):
 * each a `>` after spaces or tabs, with one space or tab after it taken too, at most `most` of them ("> > x"
 * and ">> x" are two, "a > b" none). Its depth (how many) and where the line's text after them starts. A run
 * of `>` with no space between them is one token: markers when white space or the line's end follows it,
 * text when anything else does (">= 20 GB", ">>= 2", "> >= 4" one marker then ">= 4"), where CommonMark takes
 * every `>`: an operator at a line's start is not dropped as markup ("Requirements:\n\n>= 20 GB\n>= 4 GB"
 * was ">= 20 GB = 4 GB"). The price: mail's quote with no space after it (">text", ">>text") is text, its
 * markers kept as characters. Read a character at a time, once: linear in the markers' length however many
 * there are.
 */
function quoteMarkers(text: string, from = 0, most = Infinity): [depth: number, end: number] {
  let depth = 0;
  let end = from;
  for (let at = from; depth < most;) {
    while (text[at] === " " || text[at] === "\t") at++;
    let run = at; // past the run of ">" that starts here
    while (text[run] === ">") run++;
    const after = text[run];
    if (run === at || !(after === undefined || after === " " || after === "\t" || after === "\n")) break;
    // Its markers, at most as many as are still taken; one space or tab after the last taken.
    const taken = Math.min(run - at, most - depth);
    [depth, end, at] = [depth + taken, at + taken, at + taken];
    if (at === run && (after === " " || after === "\t")) [end, at] = [run + 1, run + 1];
  }
  return [depth, end];
}

/** The column `text` ends at, a tab going on to the next multiple of 4 (CommonMark 0.31 §2.2). */
function columnAfter(text: string): number {
  let column = 0;
  for (const character of text) column = character === "\t" ? column + 4 - (column % 4) : column + 1;
  return column;
}

/**
 * Whether `line` ends a sentence for {@link blocksOf}: it ends with ":", "!" or "?", or with a full stop
 * that is not an abbreviation's, an initial's or a month's abbreviation's ("Jan.", "Dr.", "J."). After
 * such a line, a line that starts an ordered list item ("2. Open the lid.") starts the next item of a list
 * interrupted by a page, a note or a paragraph, not the paragraph's next words; CommonMark would go on the
 * paragraph ("Steps from page 1:\n2. Open the lid." gave "Steps from page 1: 2."). A year or a day wrapped
 * to a line's start follows a word ("It opened in\n1998.") or an abbreviation ("on Jan.\n5."): it goes on.
 * A time's "a.m." or "p.m." ({@link isTimeAbbreviation}), "P.M." too, which reads as an initialism, ends it
 * here: "Open until 5 P.M.\n2. Bring your card." is a list's next item, not a number of people.
 */
function endsSentence(line: string): boolean {
  const end = withoutReferences(line.trimEnd());
  if (/[:!?]$/.test(end)) return true;
  if (!end.endsWith(".")) return false;
  const word = LAST_WORD.exec(end)?.[1];
  if (word === undefined || isTimeAbbreviation(word)) return true;
  return !(isMonthAbbreviation(word) || isAbbreviation(word));
}

/**
 * Whether `word`, before a full stop, is a month's abbreviation of {@link MONTH_ABBREVIATIONS}, written
 * capitalised ("Jan") or in capitals ("JAN"); not in lower case ("jan", "mar") nor mixed ("JAn").
 */
function isMonthAbbreviation(word: string): boolean {
  const capitalised = word.charAt(0) + word.slice(1).toLowerCase();
  return MONTH_ABBREVIATIONS.has(capitalised) && (word === capitalised || word === word.toUpperCase());
}

/**
 * Whether `word`, before a full stop, is an abbreviation of {@link ENGLISH_ABBREVIATIONS} (any case) or an
 * initial or initialism ({@link INITIALISM}): its full stop ends no sentence.
 */
function isAbbreviation(word: string): boolean {
  return INITIALISM.test(word) || ENGLISH_ABBREVIATIONS.has(word.toLowerCase());
}

/**
 * Splits a text into trimmed, non-empty sentences with `Intl.Segmenter` (sentence granularity, Unicode
 * UAX #29 rules, locale `en` by default), read as prose:
 * - A blank line, and a line break before a list item or a Markdown heading, ends a sentence with or
 *   without a full stop ({@link blocksOf}; a line starting "5. " or "1998. " goes on a paragraph, as in
 *   CommonMark, unless in a list). Any other line break is a space: a paragraph wrapped at a fixed width
 *   is not cut at each line end, as UAX #29 (rule SB4) would cut it. Whitespace inside a prose sentence
 *   is collapsed to one space. But a run of two or more header lines ("From: Ann\nTo: Bob") and a block
 *   of short lines with no terminator at its end (an address, a signature: "Ann Smith\n12 Main Street") are
 *   cut at their lines' ends, not joined ({@link lineCuts}); each field of such a run, its folded lines with
 *   it, is one sentence whatever its value holds ("Subject: Q3 results. Please read!"). A run indented as a
 *   whole (under a list item, or by a tab) is one too: a line indented as its first field is a field, only
 *   one indented more a folded line.
 * - Each line of a fenced code block (```) is one sentence as it is, not its fences, its inner white
 *   space kept: UAX #29 and the rules below are prose's (`await f("One. Two.");` is one). A fence no
 *   later line closes is prose, its line a block of its own. A paragraph indented by a tab or four
 *   spaces is prose, not an indented code block: plain text indents its paragraphs so ({@link blocksOf}).
 *   Two lines of `~~~` (or of backticks) around lines are such a block, as in CommonMark (§4.5; kramdown
 *   and pandoc write code so), also in plain text, where they may frame a paragraph as decoration: its
 *   lines are then a sentence each, not segmented ("~~~\nOne. Two.\n~~~" is "One. Two."). The choice: the
 *   api takes Markdown and plain text alike, with nothing that tells them apart, and code read as prose has
 *   its lines joined and is cut at its full stops ("git add .\ngit commit" would be one sentence); a framed
 *   paragraph read as code loses only its cuts between sentences, no word. A `~~~` line with text after
 *   it ("~~~ The end ~~~") keeps its text, as a line of its own. Each line of an HTML comment ("<!-- …
 *   -->") where a block may start is one sentence too, kept as written, to the line of its "-->" ("<!--" or
 *   "-->" alone on a line is markup); inside a paragraph no sentence ends in one ({@link commentSpans});
 *   never closed, "<!--" is text.
 * - A mail's signature separator ("-- ", RFC 3676 §4.3) where no paragraph goes on is markup and ends a
 *   sentence; the text after it is prose as any, its lines joined (a signature's short lines are a block of
 *   short lines, above); under a paragraph's line it underlines a heading ({@link SIGNATURE_SEPARATOR}). Each
 *   link reference definition ("[1.2.0]: https://…", {@link LINK_DEFINITION}) is one sentence, not segmented.
 * - A block quote's markers ("> ", "> > ", ">> ") are markup: the first line of each block in a quote keeps
 *   them as its lead (a table's row, a definition: each a block), the others lose them ("> One line\n>
 *   goes on." is "> One line goes on."); a blank quote line (">"), a change of depth and a line without
 *   them (no lazy continuation: in mail, a reply under the quoted line) end a block ({@link blocksOf}). A
 *   ">" inside a line is text ("a > b"), and so is one with text right after it (">= 20 GB"; the price,
 *   mail's ">text": {@link quoteMarkers}).
 * - A list item's markers ("1. ", "10) ", "- ") and a heading's number ("## 2. ") stay with the sentence
 *   after them, whatever it starts with ("1. One.", not "1." and "One."; {@link BLOCK_LEAD}), in any
 *   locale.
 * - For an English locale (`en`, `en-GB`, …), a full stop after an abbreviation of
 *   {@link ENGLISH_ABBREVIATIONS} ("Dr.", "e.g.") or after an initial or initialism ("J.", "U.S.",
 *   "D.C.") does not end the sentence ("Dr. Smith arrived.", "The U.S. Capitol is big."). The cost: a
 *   sentence that does end with one ("She moved to the U.S. It was cold.") stays joined to the next.
 *   Nor does the full stop of a month's abbreviation, capitalised or in capitals, before a number in any
 *   script's digits ("on Jan. 5. Bring notes.", "JAN. 5", "Jan. ５": {@link MONTH_ABBREVIATIONS}).
 *   Nor does that of a time's "a.m." or "p.m." (or "A.M.", "P.M.") before a digit, a weekday's or a
 *   month's name or a time zone ("5 p.m. Tuesday", "9 A.M. EST"); before any other capitalised word it
 *   does ("at 5 p.m. The next day": {@link isTimeAbbreviation}).
 *   Nor does a sentence start with a lower-case letter: `"Who?" she asked.` is one sentence.
 *   Other locales get no abbreviation rule.
 * - In any locale, emphasis closed after a sentence's terminator ends it ("He said *no.* Then" is "He
 *   said *no.*" and "Then", "*no.*[1]" keeps its reference; marks after white space close none: "free. *
 *   Conditions" is cut before the "*": {@link CLOSING_EMPHASIS}), and a sentence does not end inside a code
 *   span ("Run `make. Then` twice."; a backtick between letters opens none, "It`s": {@link codeSpans}), in
 *   a link's destination on one line ("[a](../../b.md)": {@link LINK_DESTINATION}) nor at a bracket it
 *   opens after its terminator (`[![Build](…)`, `> [!NOTE]`, "Done.[Link](…)": {@link opensBracket}). A
 *   reference right after a terminator ends that sentence, the next starting after it ("It was said
 *   before.[12]" and "Next one.", "A claim.[^1]", "Ok.(1)", "Ok.¹": {@link maskReferences}).
 * Decimals ("3.14"), ellipses ("Wait... what?"), "?!" and closing quotes (`"Stop." Then`) are UAX #29's.
 * Time is linear in the length of the text (see {@link MAX_SEGMENT_INPUT}). {@link sentencesOf} gives the
 * same sentences one at a time.
 */
export function splitSentences(text: string, locale = "en"): string[] {
  return [...sentencesOf(text, locale)];
}

/**
 * The sentences of {@link splitSentences}, in order, one at a time: the worker (job-sentences.ts splitJob)
 * gives the event loop a turn every chunk of them and stops at its limit of sentences, before the
 * rest of a document over it is segmented (a 5 MiB document of 4-byte sentences has 1.3 million). Each
 * step's work is bounded: a block is segmented a window of {@link MAX_SEGMENT_INPUT} code units at a time;
 * but the first step's also holds one pass over the whole text's lines, which finds the fences that are
 * closed ({@link closedFences}), and each block's first step passes over that block (its white space, its
 * code spans and links' destinations: {@link unbroken}).
 */
export function* sentencesOf(text: string, locale = "en"): Generator<string, void, undefined> {
  const segmenter = new Intl.Segmenter(locale, { granularity: "sentence" });
  const english = new Intl.Locale(segmenter.resolvedOptions().locale).language === "en";
  const lines = text.replace(/\r\n?|[\u0085\u2028\u2029]/g, (end) => (end === "\u2029" ? "\n\n" : "\n"));
  for (const [block, kind] of blocksOf(lines)) {
    if (kind === "code") {
      yield* codeLine(block.trim()); // a line of code: one sentence, whatever it holds, its spacing kept
      continue;
    }
    if (kind === "field") {
      // A header field, unfolded: one sentence whatever it holds (pieces of at most MAX_SEGMENT_INPUT code
      // units, as a line of code, for a field folded over very many lines).
      yield* codeLine(block.replace(/\s+/g, " "));
      continue;
    }
    // The block, its white space collapsed: `wrapped` with a "\n" for each run that held a line break (for the
    // spans bounded to a line), `line` on one line, a space for it (the same offsets).
    const wrapped = block.replace(/\s+/g, (space) => (space.includes("\n") ? "\n" : " "));
    const line = wrapped.replace(/\n/g, " ");
    const quote = quoteMarkers(line)[1]; // a quote's markers ("> > "), then an item's or a heading's
    const lead = quote + (BLOCK_LEAD.exec(quote === 0 ? line : line.slice(quote))?.[0].length ?? 0);
    const spans = line.includes("`") || line.includes("](") || line.includes("<!--") ? unbroken(wrapped) : [];
    const masked = maskReferences(line); // what UAX #29 reads: `line`, references after terminators masked
    let span = 0; // the first span in `spans` that does not end before `read`
    let read = 0; // code units of `line` in the segments so far
    let parts: string[] = []; // UAX #29 sentences that make one sentence so far
    for (const piece of segments(masked, segmenter)) {
      const length = piece.length;
      let segment = masked === line ? piece : line.slice(read, read + length);
      while (span < spans.length && spans[span + 1]! <= read) span += 2;
      const inCode = span < spans.length && spans[span]! < read; // `read` inside a code span or a destination
      const last = parts[parts.length - 1];
      // Emphasis closed after the terminator ("*no.*", "**Bold.**") ends that sentence, not the next one: marks
      // right after it, not after white space (CommonMark 0.31 §6.2: those are no right-flanking run).
      const closing =
        last !== undefined && /\S$/.test(last) ? (CLOSING_EMPHASIS.exec(segment)?.[0] ?? "") : "";
      if (
        parts.length > 0 &&
        read > lead &&
        !inCode &&
        !opensBracket(last!) &&
        !(english && continues(last, segment.slice(closing.length)))
      ) {
        const sentence = (parts.join("") + closing).trim();
        if (sentence) yield sentence;
        parts = [];
        segment = segment.slice(closing.length);
      }
      parts.push(segment);
      read += length;
    }
    const sentence = parts.join("").trim();
    if (sentence) yield sentence;
  }
}

/**
 * One reference as print and Markdown write it after a sentence's terminator, with no white space before it:
 * a bracket of at most 100 characters with none of `[`, `]`, `.`, `!`, `?` in it and no white space first
 * ("[12]", "[^1]", "[a]", "[citation needed]"), digits in parentheses, perhaps a list or a range of them
 * ("(1)", "(4, 5)", "(6–8)"), or superscript digits ("¹", "²³").
 */
const REFERENCE =
  String.raw`(?:\[[^\s[\]!.?][^[\]\n.!?]{0,98}\]` + // a bracket
  String.raw`|\(\p{Nd}{1,9}(?:[,\u2013-] ?\p{Nd}{1,9}){0,9}\)` + // digits in parentheses
  String.raw`|[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]{1,9})`; // superscript digits

/**
 * A sentence's terminator, perhaps closing quotes or brackets (captured), then one to nine references
 * ({@link REFERENCE}, captured): "before.[12]", "claim.[^1]", "Ok.(1)", "Ok.¹", `"Stop."[2]`, "Many.[1][2]".
 * Each a run of bounded length: linear.
 */
const TERMINATED_REFERENCES = new RegExp(String.raw`([.!?][\p{Pe}\p{Pf}"']{0,9})(${REFERENCE}{1,9})`, "gu");

/** {@link TERMINATED_REFERENCES} at the end of a sentence, its references captured. */
const TRAILING_REFERENCES = new RegExp(String.raw`[.!?][\p{Pe}\p{Pf}"']{0,9}(${REFERENCE}{1,9})$`, "u");

/**
 * `line` as UAX #29 should read it: each reference right after a sentence's terminator ({@link
 * TERMINATED_REFERENCES}) made of closing brackets, as many code units (")": of UAX #29's Close class), the
 * same offsets. UAX #29 reads an opening bracket as a closing one (its Close class): after "before.[" or
 * "Ok.(" it ended the sentence before the "1", and after "Ok." before a superscript "¹", so that the
 * reference started the next sentence ({@link opensBracket} then joined the two: "It was said before.[12]
 * Next one." was one). Closing brackets after a terminator go on its sentence (SB9), and the next sentence
 * starts after them and the white space (SB11), as it would without the reference; before a lower-case word
 * it goes on (SB8), and the English rules read the word before the terminator ({@link continues}: "e.g.[1]
 * Smith" goes on). Not before a `(`: "[Link](…)" after a full stop is a link's text, the next sentence's
 * start ("Done.[Link](x) Next." stays one, as UAX #29 and opensBracket have it). Print's and Markdown's
 * (footnotes, "[^1]"), in any locale. One pass of a linear pattern.
 */
function maskReferences(line: string): string {
  return line.replace(
    TERMINATED_REFERENCES,
    (match: string, terminator: string, references: string, at: number) =>
      line[at + match.length] === "(" ? match : terminator + ")".repeat(references.length),
  );
}

/**
 * `sentence` without the references after its terminator ({@link TRAILING_REFERENCES}: "e.g.[1]" is "e.g."),
 * for the rules that read the word before it. Only its last 1 100 code units are read (nine references of at
 * most 100, a terminator, its closing marks): bounded.
 */
function withoutReferences(sentence: string): string {
  const tail = sentence.slice(-1100);
  const references = TRAILING_REFERENCES.exec(tail)?.[1];
  return references === undefined ? sentence : sentence.slice(0, sentence.length - references.length);
}

/**
 * Emphasis marks (`*`, `_`, `~`: CommonMark 0.31 §6.2, GFM's strikethrough) that start a UAX #29 sentence,
 * then closing quotes or brackets, perhaps a reference in brackets with no white space in it ("[1]", "[^a]",
 * at most 99 characters) and closing quotes or brackets again, before white space or the block's end: they
 * close what is around the sentence before, whose terminator UAX #29 cut before them ("*no." and "* Then",
 * `"*Who?` and `*" she`, "*no." and "*[1] Then"; brackets and quotes alone, of its Close class, it keeps).
 * Read only where the sentence before ends with no white space ({@link sentencesOf}). Runs of disjoint
 * classes, anchored, the reference's bounded: linear.
 */
const CLOSING_EMPHASIS = /^[*_~]+[\p{Pe}\p{Pf}"']*(?:\[[^\s[\]]{1,99}\][\p{Pe}\p{Pf}"']*)?(?=\s|$)/u;

/**
 * A link's or an image's destination (CommonMark 0.31 §6.3), from the `](` after its text to its `)`, on one
 * line: `<…>`, or no white space with parentheses nested one deep ("../a.md", "w/(v)/x"), then perhaps a title
 * in quotes or parentheses (at most 999 characters). No sentence ends in one (UAX #29 cut "(../.." from
 * "/../docs/guide.md)" after its full stops); where white space or a line's end breaks it, it is none, its
 * text prose. Each run is of a class disjoint from the next token's, and a failed match is tried again only
 * from its next `](`, which a destination holds only in parentheses it closes: linear.
 */
const LINK_DESTINATION = new RegExp(
  String.raw`\]\((?:<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)` + // "](", the destination
    String.raw`(?:[ \t]+(?:"[^"\n]{0,999}"|'[^'\n]{0,999}'|\([^()\n]{0,999}\)))?[ \t]*\)`, // a title, ")"
  "g",
);

/**
 * The spans of a prose block where no sentence ends, as offsets `[start, end, start, end, …]` in order, each
 * span's marks included: its code spans ({@link codeSpans}), its links' destinations ({@link
 * LINK_DESTINATION}) and its HTML comments ({@link commentSpans}), overlapping ones merged. `text` is the
 * block with its white space collapsed, each run that held a line break a "\n".
 */
function unbroken(text: string): number[] {
  const code = text.includes("`") ? codeSpans(text) : [];
  const links: number[] = [];
  if (text.includes("]("))
    for (const link of text.matchAll(LINK_DESTINATION)) links.push(link.index, link.index + link[0].length);
  const comments = text.includes("<!--") ? commentSpans(text, code) : [];
  return merged(merged(code, links), comments);
}

/**
 * Two lists of spans `[start, end, start, end, …]`, each in order of their starts, as one in that order, a
 * span that starts inside the last one extending it.
 */
function merged(one: number[], other: number[]): number[] {
  if (other.length === 0) return one;
  const spans: number[] = [];
  for (let i = 0, j = 0; i < one.length || j < other.length;) {
    const [start, end] =
      j >= other.length || (i < one.length && one[i]! <= other[j]!)
        ? [one[i++]!, one[i++]!]
        : [other[j++]!, other[j++]!];
    if (spans.length > 0 && start < spans[spans.length - 1]!)
      spans[spans.length - 1] = Math.max(spans[spans.length - 1]!, end);
    else spans.push(start, end);
  }
  return spans;
}

/**
 * The HTML comments of a prose block (CommonMark 0.31 §6.6, raw HTML), where no sentence ends, as offsets
 * `[start, end, start, end, …]` in order: each from "<!--" to the first "-->" after it ("<!-->" and "<!--->"
 * are empty ones), across line breaks; UAX #29 cut "Text <!-- a." from "B --> more.". A "<!--" inside a code
 * span (`code`, {@link codeSpans}) is the code's, and one that no "-->" closes is text, as is every later
 * one. Each search starts past the last: linear.
 */
function commentSpans(text: string, code: number[]): number[] {
  const spans: number[] = [];
  let span = 0; // the first code span that does not end before `at`
  for (let at = text.indexOf("<!--"); at !== -1;) {
    while (span < code.length && code[span + 1]! <= at) span += 2;
    if (span < code.length && code[span]! <= at) {
      at = text.indexOf("<!--", code[span + 1]!); // in a code span: the code's
      continue;
    }
    const close = text.indexOf("-->", at + 2);
    if (close === -1) break;
    spans.push(at, close + 3);
    at = text.indexOf("<!--", close + 3);
  }
  return spans;
}

/**
 * The code spans of a prose block (CommonMark 0.31 §6.1), where no sentence ends: each from a run of
 * backticks to the next run of as many (a run with none after it is text: "Don`t"), as offsets `[start, end,
 * start, end, …]` in order, each span's runs included. UAX #29 ends sentences inside one ("Run `make. Then`
 * twice." was cut after "make."). Unlike CommonMark, a run between two letters or digits ("It`s", "4``2")
 * opens none: plain text types backticks for apostrophes, which paired up joined a paragraph's sentences
 * ("It`s here. … Don`t go."). It still closes one that is open, as a span's plural or suffix has it
 * ("`Promise`s", "`require`d": that run left out, the spans after it paired the wrong runs); the cost, an
 * apostrophe closes a span that a backtick typed as a quotation mark opened ("`Hello,' he said. It`s late."
 * is one sentence). A run after an odd number of backslashes opens none with its first backtick (§2.4: "\`"
 * is a backtick, "\``a`" opens with its second), and closes one as any run does (§6.1: in a span a
 * backslash is a character). `text`: the block, its line breaks "\n". A span goes on across them, as in
 * CommonMark: bounded to its line, on this project's own Markdown (hard-wrapped), sentences were cut in 4
 * spans wrapped over two lines and, the runs after them paired wrongly, 3 pairs of sentences joined; the
 * cost, a stray backtick in plain text pairs with one on a later line of its paragraph. The runs are found in
 * one pass, each run's next of as many in one pass back over them, so the time is linear in the text's length.
 */
function codeSpans(text: string): number[] {
  const opens: number[] = []; // where the run opens a span: its first backtick, or its second when escaped
  const widths: number[] = []; // how many backticks it opens with: 0 for none
  const ends: number[] = []; // where it ends
  const lengths: number[] = []; // how many backticks it closes with: all of them
  for (const run of text.matchAll(/`+/g)) {
    const [start, end] = [run.index, run.index + run[0].length];
    const inWord =
      /[\p{L}\p{M}\p{N}]$/u.test(text.slice(Math.max(0, start - 2), start)) &&
      /^[\p{L}\p{N}]/u.test(text.slice(end, end + 2));
    let backslash = start; // the first of the backslashes right before the run
    while (text[backslash - 1] === "\\") backslash--;
    const escaped = (start - backslash) % 2 === 1 ? 1 : 0;
    opens.push(start + escaped);
    widths.push(inWord ? 0 : end - start - escaped);
    ends.push(end);
    lengths.push(end - start);
  }
  const next = new Int32Array(opens.length).fill(-1); // the next run that closes the span each run opens
  const later = new Map<number, number>(); // per length, the earliest run of it after the one read that may close
  for (let i = opens.length - 1; i >= 0; i--) {
    if (widths[i]! > 0) next[i] = later.get(widths[i]!) ?? -1;
    later.set(lengths[i]!, i);
  }
  const spans: number[] = [];
  for (let i = 0; i < opens.length; i++) {
    const closing = next[i]!;
    if (closing === -1) continue; // text
    spans.push(opens[i]!, ends[closing]!);
    i = closing;
  }
  return spans;
}

/**
 * Whether a UAX #29 sentence ends with an opening bracket, `[` or `(`, among the terminators at its end ("[![",
 * "> [!", "Done.["): UAX #29 counts opening brackets with closing ones (its Close class, SB9 to SB11), so it
 * ends a sentence after "![" and "[!" before a capital or a digit, inside a Markdown image
 * (`[![Build](…)](…)`), a GitHub alert (`> [!NOTE]`) or a link right after a terminator ("Done.[Link](…)"),
 * where no sentence ends: the next goes on it, in any locale (Markdown's syntax). The cost: "Stop!
 * ![Logo](a.png) Next." is one sentence, not cut after "Stop!". A reference after a terminator ("Wow![1]",
 * "before.[12]") is masked before UAX #29 reads it ({@link maskReferences}): it ends its sentence. Read from
 * its end over terminators and brackets only.
 */
function opensBracket(sentence: string): boolean {
  let bracket = false;
  for (let at = sentence.length - 1; at >= 0; at--) {
    const character = sentence[at];
    if (character === "[" || character === "(") bracket = true;
    else if (character !== "!" && character !== "?" && character !== ".") break;
  }
  return bracket;
}

/**
 * Whether, in English, the UAX #29 sentence `next` goes on the one `before` it: `before` ends with the full
 * stop of an abbreviation, an initial or an initialism, or of a month's abbreviation and `next` starts with
 * a decimal digit of any script (`\p{Nd}`: a day, a year), or `next` starts with a lower-case letter (UAX
 * #29 ends a sentence at "?" and "!" whatever follows: `"Who?" she asked.`).
 */
function continues(before: string, next: string): boolean {
  if (/^\s*\p{Ll}/u.test(next)) return true;
  const word = LAST_WORD.exec(withoutReferences(before.trimEnd()))?.[1];
  if (word === undefined) return false;
  if (isMonthAbbreviation(word) && /^\s*\p{Nd}/u.test(next)) return true;
  if (isTimeAbbreviation(word)) {
    const after = next.trimStart();
    return (
      /^\s*\p{Nd}/u.test(next) ||
      NAME_AFTER_TIME.test(after) ||
      ZONE_AFTER_TIME.test(after) ||
      ZONE_NAME_AFTER_TIME.test(after)
    );
  }
  return isAbbreviation(word);
}

/**
 * Where a window of {@link MAX_SEGMENT_INPUT} code units that holds no sentence's end is cut: at its last
 * space, else (one unbroken run) at its end, or one code unit before it when the window ends with a high
 * surrogate (the window's slice split a pair: cut there, each piece would keep a lone surrogate, which
 * the database stores as U+FFFD). The window is longer than one code unit, so the cut is past 0.
 */
function cutIndex(window: string): number {
  const cut = window.lastIndexOf(" ");
  if (cut > 0) return cut;
  return /[\uD800-\uDBFF]$/.test(window) ? window.length - 1 : window.length;
}

/**
 * A line of code, trimmed, as sentences: itself, its inner white space as it is (code's spacing is its
 * own: `{'a':  1}`), or, longer than {@link MAX_SEGMENT_INPUT} code units (a minified script), pieces of
 * at most that, each trimmed, cut where a window of prose that holds no sentence's end is
 * ({@link cutIndex}: at its last space), so that one minified script is not one row of megabytes. That
 * bounds a line of code only: a prose sentence has no upper bound (sentences joined by the rule for a
 * lower-case start, for one).
 */
function* codeLine(line: string): Generator<string> {
  let start = 0;
  while (line.length - start > MAX_SEGMENT_INPUT) {
    const window = line.slice(start, start + MAX_SEGMENT_INPUT);
    const cut = cutIndex(window);
    const piece = window.slice(0, cut).trim();
    if (piece) yield piece; // not a piece of a run of white space
    start += cut;
  }
  const rest = line.slice(start).trim();
  if (rest) yield rest;
}

/** The UAX #29 sentences of a block on one line, segmented at most MAX_SEGMENT_INPUT code units at a time. */
function* segments(block: string, segmenter: Intl.Segmenter): Generator<string> {
  let start = 0;
  while (block.length - start > MAX_SEGMENT_INPUT) {
    const window = block.slice(start, start + MAX_SEGMENT_INPUT);
    let last = 0; // where the window's last sentence starts: it may go on past the window
    let previous: string | undefined;
    for (const { segment, index } of segmenter.segment(window)) {
      if (previous !== undefined) yield previous;
      previous = segment;
      last = index;
    }
    if (last > 0) {
      start += last;
      continue;
    }
    const cut = cutIndex(window);
    yield window.slice(0, cut);
    start += cut;
  }
  for (const { segment } of segmenter.segment(block.slice(start))) yield segment;
}
