/**
 * Internal: true when every character of `text` is printable ASCII, 0x20-0x7E (the empty string
 * included): the characters every propagation header's value grammar is drawn from (W3C Trace Context
 * §3.2 and §3.3, W3C Baggage §3 with its percent-encoding, Datadog's `x-datadog-*` values and tag text
 * per dd-trace-java `DatadogPTagsCodec`, B3). A CR or LF would split a header (header injection); a
 * control or non-ASCII character makes a value no propagator writes and receivers refuse.
 */
export function isPrintableAscii(text: string): boolean {
  return PRINTABLE_ASCII.test(text);
}

/**
 * {@link isPrintableAscii}'s set as one regular expression: a compiled matcher, about half the cost of a
 * loop over the characters on header-sized values whether or not V8 has optimised the caller (measured
 * with `bench/quick.ts`, target T3 of BENCHMARKS.md), and about as fast on short ones.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Internal: the first of the values of a field that arrived joined in one string — Node's
 * `req.headers` and a fetch `Headers` object join a repeated field with `", "` (RFC 9110 §5.3): the
 * part before the first comma, trimmed of SP/HTAB (its optional white space). That is what
 * dd-trace-java reads (`HttpCodec.firstHeaderValue`) and what dd-trace-js makes of such a string (its
 * decimal parse stops at the comma), so the single-valued `x-datadog-*` fields agree with both when the
 * values differ (`"2, -1"` is a keep). An empty part (`",1"`, `"1,,1"`, `"1, "`) makes the whole value
 * invalid: `""`, as for a joined `traceparent` (docs/conformance.md). A value without a comma is
 * returned as it is (not trimmed). Never throws.
 */
export function firstJoinedPart(value: string): string {
  if (value.indexOf(",") === -1) return value;
  let first = "";
  let start = 0;
  for (;;) {
    const comma = value.indexOf(",", start);
    const end = comma === -1 ? value.length : comma;
    let from = start;
    let to = end;
    while (from < to && isOws(value.charCodeAt(from))) from++;
    while (to > from && isOws(value.charCodeAt(to - 1))) to--;
    if (from === to) return "";
    if (start === 0) first = value.slice(from, to);
    if (comma === -1) return first;
    start = comma + 1;
  }
}

/** Internal: SP or HTAB, RFC 9110 §5.6.3 optional white space (`c` a UTF-16 code unit). */
export const isOws = (c: number): boolean => c === 0x20 || c === 0x09;

/**
 * Internal: most values read of one repeated field, an array a getter returns (a header sent several
 * times: Node's `headersDistinct`, a kafkajs header list); the later ones are ignored. The stored-carrier
 * reader keeps as many (`MAX_CARRIER_FIELD_VALUES`, carrier/trace-carrier.ts), so a carrier reads the same
 * through either path. Without a bound, an array of a quarter of a million one-member `tracestate` fields
 * (1 MiB) took 100-200 ms to combine before its 33rd member refused it.
 */
export const MAX_FIELD_VALUES = 64;

/**
 * Internal: a list field (`tracestate`, `baggage`, `x-datadog-tags`) as one value: a string as it is, or
 * the string values among the first {@link MAX_FIELD_VALUES} of an array joined with `,` (RFC 9110
 * §5.3: repeated list fields combine in order); `undefined` for anything else or an array without a
 * string among them. Never throws on a plain array (an array whose elements are getters that throw is
 * the caller's to catch).
 */
export function joinedFieldValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return undefined;
  let out: string | undefined;
  const count = Math.min(value.length, MAX_FIELD_VALUES);
  for (let i = 0; i < count; i++) {
    const part: unknown = value[i];
    if (typeof part === "string") out = out === undefined ? part : `${out},${part}`;
  }
  return out;
}
