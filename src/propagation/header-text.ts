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
