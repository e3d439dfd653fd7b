/**
 * Splits a text into trimmed, non-empty sentences with `Intl.Segmenter` (sentence granularity,
 * Unicode UAX #29 rules, locale `en` by default).
 */
export function splitSentences(text: string, locale = "en"): string[] {
  const segmenter = new Intl.Segmenter(locale, { granularity: "sentence" });
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    const sentence = segment.replace(/\s+/g, " ").trim();
    if (sentence) out.push(sentence);
  }
  return out;
}
