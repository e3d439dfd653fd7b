/**
 * `text` (an error's message put into one of tracehop's one-line warnings) with every run of
 * whitespace, line breaks included, turned into one space, and trimmed: OpenSSL's messages end with a
 * newline (`write EPROTO ...:ssl3_get_record:wrong version number:...:355:\n`, an https:// endpoint on
 * a plain-HTTP port), which would split a warning in two and leave its end (`; those spans are
 * lost`) on a line of its own.
 */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
