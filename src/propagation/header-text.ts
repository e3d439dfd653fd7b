/**
 * Internal: true when every character of `text` is printable ASCII, 0x20-0x7E (the empty string
 * included): the characters every propagation header's value grammar is drawn from (W3C Trace Context
 * §3.2 and §3.3, W3C Baggage §3 with its percent-encoding, Datadog's `x-datadog-*` values and tag text
 * per dd-trace-java `DatadogPTagsCodec`, B3). A CR or LF would split a header (header injection); a
 * control or non-ASCII character makes a value no propagator writes and receivers refuse.
 */
export function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * Internal: the last of the values of a field that arrived joined in one string — Node's
 * `req.headers` and a fetch `Headers` object join a repeated field with `", "` (RFC 9110 §5.3): the
 * part after the last comma, trimmed of SP/HTAB (its optional white space). So `"123, 123"` reads as
 * the array `["123", "123"]` does, for the single-valued `x-datadog-*` fields whose repeated values
 * resolve to the last one (dd-trace-js `text_map.js`; dd-trace-java takes the first,
 * `HttpCodec.firstHeaderValue`: the two agree on identical duplicates, the usual case of a proxy that
 * adds the header again). An empty part (`",1"`, `"1,,1"`, `"1, "`) makes the whole value invalid: `""`,
 * as for a joined `traceparent` (docs/conformance.md). A value without a comma is returned as it is.
 * Never throws.
 */
export function lastJoinedPart(value: string): string {
  if (value.indexOf(",") === -1) return value;
  let start = 0;
  for (;;) {
    const comma = value.indexOf(",", start);
    const end = comma === -1 ? value.length : comma;
    let from = start;
    let to = end;
    while (from < to && isOws(value.charCodeAt(from))) from++;
    while (to > from && isOws(value.charCodeAt(to - 1))) to--;
    if (from === to) return "";
    if (comma === -1) return value.slice(from, to);
    start = comma + 1;
  }
}

/** SP or HTAB: RFC 9110 §5.6.3 optional white space. */
const isOws = (c: number) => c === 0x20 || c === 0x09;
