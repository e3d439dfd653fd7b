// Why a propagation style refuses a carrier that holds its headers, in words: the rules each style's
// extraction applies, said for `tracehop inspect` (src/cli/styles.ts) and for the warning of a restore
// that found no context (src/context/carrier-rejected.ts). The styles decide; these only say why.
import { describeValue, quoteValue } from "../describe-value.js";
import { NOT_TEXT_VALUE, overLength, type NormalizedCarrier } from "../carrier/normalize-carrier.js";
import { MAX_CARRIER_VALUE_LENGTH } from "../carrier/trace-carrier.js";
import { X_DATADOG_PARENT_ID, X_DATADOG_SAMPLING_PRIORITY, X_DATADOG_TRACE_ID } from "./datadog/constants.js";
import { decimalToHex16, ZERO_HEX16 } from "./datadog/ids.js";
import { parseSamplingPriority } from "./datadog/tracestate-dd.js";
import { B3_SPAN_ID, B3_TRACE_ID } from "./B3StylePropagator.js";
import { firstJoinedPart, isPrintableAscii, MAX_FIELD_VALUES } from "./header-text.js";
import { JOINED_TRACE_PARENT_MAX_LENGTH } from "./w3c/constants.js";
import { trimOws } from "./w3c/baggage.js";

/**
 * Where a reason sends the reader for what the carrier reader did with a value it did not keep:
 * `tracehop inspect`'s own diagnostics, which it lists beside the reason.
 */
export const SEE_DIAGNOSTICS = "see the diagnostics";

/**
 * How a reason says that an id was stored as a JSON number past 2^53 (rounded already by the JSON
 * reader): the one reason the restore's warning leaves to `TRACEHOP_JSON_NUMBER_ID` (by its kind,
 * `rounded-number`, not these words).
 */
const JSON_NUMBER_BEYOND_2_53 = "is a JSON number beyond 2^53";

/**
 * How a reason names a structure the carrier reader read as an invalid value (`NOT_TEXT_VALUE`) in
 * header `name` (lower case), in parentheses: {@link JSON_NOT_TEXT} for a stored carrier (JSON), or
 * what the carrier's origin holds there (a consumed message's AMQP timestamp: carrier-rejected.ts).
 */
export type NotTextWording = (name: string) => string;

/** {@link NotTextWording} of a stored carrier: a JSON object or array where text belongs. */
export const JSON_NOT_TEXT: NotTextWording = () => "(a JSON object or array, read as an invalid value)";

/**
 * A single-valued `x-datadog-*` field as `DatadogPropagator` reads it (an array's last value, a joined
 * string's first part: `firstJoinedPart`), and how to quote it in a reason: the stored text, with the
 * joined-field rule when it holds a comma (`"1,,1"` reads as "", which would say nothing); a structure
 * as `notText` names it.
 */
export function fieldOf(
  carrier: NormalizedCarrier,
  key: string,
  notText: NotTextWording = JSON_NOT_TEXT,
): QuotedField | undefined {
  const values = carrier.get(key);
  if (!values) return undefined;
  const stored = values[values.length - 1]!;
  const read = firstJoinedPart(stored);
  const quoted =
    read === stored
      ? quotedValue(stored, key, notText)
      : `${quoteValue(stored)} (${JOINED_VALUES}: the first is read, and none may be empty)`;
  return { read, quoted, several: read !== stored };
}

/**
 * A header's value as a style reads it (`read`), how a reason quotes it (`quoted`), and whether the
 * header held several values (`several`: joined with commas, or repeated), which the reason about it
 * then is (`RejectionReason.kind`).
 */
interface QuotedField {
  read: string;
  quoted: string;
  several: boolean;
}

/**
 * Why a style refused a carrier ({@link rejectionReason}): `text`, the words; `kind`, what the restore's
 * warning decides by, never by the words (which quote the carrier's own text): `several-values`, the
 * header the reason is about held several values (two different traceparents, values joined with commas,
 * B3 values of which the first is read: a producer or bridge that appended its own header beside one a
 * message had is the likely cause); `rounded-number`, an id stored as a JSON number past 2^53, which
 * `TRACEHOP_JSON_NUMBER_ID` says; `other`, one value that breaks a rule, or a header missing.
 */
export interface RejectionReason {
  text: string;
  kind: "several-values" | "rounded-number" | "other";
}

/** A {@link RejectionReason} of `text`, `several-values` when `several`, else `other`. */
function reason(text: string, several = false): RejectionReason {
  return { text, kind: several ? "several-values" : "other" };
}

/**
 * A value of header `name` the carrier reader kept, quoted for a reason: its JSON string, or what a
 * structure stored in the header was read as (`NOT_TEXT_VALUE`, normalize-carrier.ts), as `notText`
 * names it.
 */
function quotedValue(value: string, name: string, notText: NotTextWording): string {
  return value === NOT_TEXT_VALUE ? notText(name) : quoteValue(value);
}

/** Words of the reasons about several values of one header. */
const SEVERAL_TRACEPARENTS = "several different traceparent values";
const REPEATED_TRACEPARENT_RULE = "a repeated traceparent is read only when";
const JOINED_VALUES = "values joined with commas";
const B3_FIRST_READ = "the B3 styles read the first";

/** Names of the characters outside printable ASCII a stored value most often holds unseen. */
const CHARACTER_NAMES: Readonly<Record<number, string>> = {
  0x00: "NUL",
  0x09: "tab",
  0x0a: "line feed",
  0x0d: "carriage return",
  0xa0: "no-break space",
  0x200b: "zero width space",
  0x200e: "left-to-right mark",
  0x200f: "right-to-left mark",
  0x2028: "line separator",
  0x2029: "paragraph separator",
  0xfeff: "byte order mark",
};

/**
 * How a reason names one character (a code point, or a lone surrogate): `U+000D (carriage return)`,
 * `U+00A0 (no-break space)`, `U+1F600`: its code point in printable ASCII, whatever the character is,
 * so that the reason shows what the quoted value holds unseen.
 */
export function characterName(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  const name = CHARACTER_NAMES[code];
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  return `U+${hex}${name === undefined ? "" : ` (${name})`}`;
}

/**
 * The end of a reason that names the first character of `text` outside printable ASCII (0x20-0x7E, the
 * characters of every propagation header's grammar: `isPrintableAscii`) and where it is:
 * `; its character 56 is U+000D (carriage return), outside printable ASCII`. `""` when every
 * character is printable ASCII (the quoted value then shows the character that breaks the rule), and for
 * a structure stored where text belongs (`NOT_TEXT_VALUE`, said as that by the reasons).
 */
export function unprintableNote(text: string): string {
  // A structure read as an invalid value is said as that (quotedValue), not by its marker's NUL.
  if (text.includes(NOT_TEXT_VALUE)) return "";
  const at = text.search(/[^\x20-\x7e]/);
  if (at === -1) return "";
  const character = String.fromCodePoint(text.codePointAt(at)!);
  return `; its character ${at + 1} is ${characterName(character)}, outside printable ASCII`;
}

/**
 * Characters a header value may end or start with that are no optional white space (OWS is SP and HTAB
 * alone, RFC 9110 §5.6.3): other white space (CR, LF, NBSP, U+2028, ...: what `String.prototype.trim`
 * strips) and invisible controls and format characters (a zero width space, a byte order mark).
 */
const NOT_OWS_SPACE = /[\s\p{Cc}\p{Cf}]/u;

/**
 * The reason of a value read by a style that ignores SP and HTAB around it (`trimOws`: the W3C and B3
 * styles), `read` being what it read (the OWS stripped), when that starts or ends with another white
 * space or an invisible character, which is part of the value and breaks its grammar: `<what> ends
 * with U+000D (carriage return): only spaces and tabs around a header value are ignored (...)`;
 * `undefined` otherwise. `what`: the header and its quoted value.
 */
export function edgeSpaceReason(what: string, read: string): string | undefined {
  if (read === "" || read === NOT_TEXT_VALUE) return undefined;
  const characters = [...read];
  const end = edgeRun(characters.toReversed()).toReversed();
  const start = end.length === 0 ? edgeRun(characters) : [];
  if (end.length === 0 && start.length === 0) return undefined;
  const named = (run: string[]) => run.map(characterName).join(", ");
  return (
    `${what} ${end.length > 0 ? `ends with ${named(end)}` : `starts with ${named(start)}`}: only spaces and ` +
    "tabs around a header value are ignored (optional white space, RFC 9110 §5.6.3); any other character is " +
    "part of the value, and breaks its grammar"
  );
}

/** The first characters of `characters` that are {@link NOT_OWS_SPACE} but no OWS, at most four. */
function edgeRun(characters: readonly string[]): string[] {
  const run: string[] = [];
  for (const character of characters) {
    if (run.length === 4 || character === " " || character === "\t" || !NOT_OWS_SPACE.test(character)) break;
    run.push(character);
  }
  return run;
}

/** Text that is base64 (RFC 4648 §4): groups of four of its 64 characters, the last padded with `=`. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})+$|^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;

/**
 * The end of a reason (`; it looks like base64 of …`) when a rejected header value is the base64 of a
 * value its style would accept (`isValid`, on printable ASCII): what a Buffer (kafkajs headers) stored
 * in a JSON column becomes (Prisma writes Buffers as base64 text). Extraction never decodes it back (a
 * guess on the hot path: docs/prisma.md, "Buffers in a stored carrier"); inspect says what happened and
 * what to store instead. `""` for any other value. `what`: the field with its article (`a traceparent`).
 */
export function base64Note(value: string, what: string, isValid: (text: string) => boolean): string {
  if (!BASE64.test(value)) return "";
  const text = Buffer.from(value, "base64").toString("latin1");
  if (!isPrintableAscii(text) || !isValid(text)) return "";
  return (
    `; it looks like base64 of ${what} (${quoteValue(text)}): a Buffer stored through JSON; store ` +
    "captureCarrier()/writeCarrierToHeaders output, strings, not Buffers"
  );
}

/** Whether `text` is a Datadog id as `DatadogPropagator` reads one: an unsigned 64-bit decimal, not 0. */
function isDatadogId(text: string): boolean {
  const hex = decimalToHex16(text);
  return hex !== undefined && hex !== ZERO_HEX16;
}

/**
 * What a refused Datadog id is not, the same for both ids (`decimalToHex16`, ids.ts): the grammar and
 * range say what to fix, e.g. `18446744073709552000`, what JavaScript prints for an id it rounded to 2^64.
 */
const NOT_UINT64_DECIMAL = "is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)";

/**
 * Why the Datadog style rejected `carrier` (the rules of `DatadogPropagator`), or undefined. `raw`: the
 * carrier as stored, for an id the reader kept no value of ({@link unreadIdReason}); `notText`, how a
 * structure where text belongs is named.
 */
export function datadogReason(
  carrier: NormalizedCarrier,
  raw: Record<string, unknown>,
  seeMore: string = SEE_DIAGNOSTICS,
  notText: NotTextWording = JSON_NOT_TEXT,
): RejectionReason | undefined {
  const traceId = fieldOf(carrier, X_DATADOG_TRACE_ID, notText);
  if (traceId === undefined) return unreadIdReason(X_DATADOG_TRACE_ID, raw, MISSING_TRACE_ID, seeMore);
  const low = decimalToHex16(traceId.read);
  if (low === undefined)
    return reason(
      `x-datadog-trace-id ${traceId.quoted} ${NOT_UINT64_DECIMAL}` +
        unprintableNote(traceId.read) +
        base64Note(traceId.read, "an x-datadog-trace-id", isDatadogId),
      traceId.several,
    );
  if (low === ZERO_HEX16) return reason("x-datadog-trace-id is 0: the whole Datadog context is invalid");
  const parent = fieldOf(carrier, X_DATADOG_PARENT_ID, notText);
  if (parent === undefined) return unreadIdReason(X_DATADOG_PARENT_ID, raw, MISSING_PARENT_ID, seeMore);
  if (decimalToHex16(parent.read) === undefined)
    return reason(
      `x-datadog-parent-id ${parent.quoted} ${NOT_UINT64_DECIMAL}` +
        unprintableNote(parent.read) +
        base64Note(parent.read, "an x-datadog-parent-id", isDatadogId),
      parent.several,
    );
  const priority = fieldOf(carrier, X_DATADOG_SAMPLING_PRIORITY, notText);
  if (priority !== undefined && parseSamplingPriority(priority.read) === undefined)
    return reason(
      `x-datadog-sampling-priority ${priority.quoted} is not an integer of at most 10 digits (not counting a ` +
        `sign and leading zeros)${unprintableNote(priority.read)}`,
      priority.several,
    );
  return undefined;
}

/**
 * What the trace id and parent id rules say of a carrier without one of them: a trace id alone gives no
 * context in dd-trace-js (`text_map.spec.js`, "trace id but no parent id") and dd-trace-go
 * (`extractTextMap`, unless the origin is `synthetics`), while dd-trace-java (`ContextInterpreter.reset`)
 * and dd-trace-py (`_extract`) take it for parent 0; `DatadogPropagator` follows dd-trace-js.
 */
const MISSING_TRACE_ID = `no ${X_DATADOG_TRACE_ID} header: ${X_DATADOG_PARENT_ID} alone names no trace`;
/** See {@link MISSING_TRACE_ID}. */
const MISSING_PARENT_ID =
  `no ${X_DATADOG_PARENT_ID} header: a trace id without a parent id gives no context, as in dd-trace-js ` +
  `(dd-trace-java and dd-trace-py accept it as parent 0, a trace without a parent span; ` +
  `${X_DATADOG_PARENT_ID} "0" is read so here too)`;

/**
 * Why the id header `name` (lower case) of `raw`, the carrier as stored, gives its style nothing when
 * the carrier reader kept no value of it: not stored at all (`missing`, the rule: {@link MISSING_TRACE_ID}, {@link MISSING_PARENT_ID});
 * stored as an empty array; stored as a value the reader refuses: a JSON type other than a string
 * (named), a number that is not an exact integer, text over the value length limit or a header past
 * the key limit. The reader's reason for a refused value is a diagnostic (`readerDrops`; row-carrier.ts
 * `numberDiagnostics` for a number), which the reason points to.
 */
function unreadIdReason(
  name: string,
  raw: Record<string, unknown>,
  missing: string,
  seeMore: string,
): RejectionReason {
  const stored = Object.keys(raw)
    .filter((key) => key.toLowerCase() === name)
    .map((key) => raw[key]);
  if (stored.length === 0) return reason(missing);
  if (stored.every((value) => Array.isArray(value) && value.length === 0))
    return reason(`${name} is an empty array: it holds no value`);
  const values = stored.flatMap((value) =>
    Array.isArray(value) ? value.slice(0, MAX_FIELD_VALUES) : [value],
  );
  const tooLong = values.length > 0 ? overLength(values[0]) : undefined;
  if (tooLong !== undefined)
    return reason(
      `${name} ${values.length > 1 ? "holds values the carrier reader drops: the first " : ""}is ` +
        `${tooLong.length} ${tooLong.unit}, over the carrier reader's limit of ${MAX_CARRIER_VALUE_LENGTH} ` +
        `${tooLong.unit} for one value, so it is ignored`,
    );
  if (stored.length > 1 || Array.isArray(stored[0]))
    return reason(`${name} holds no value the carrier reader keeps (${seeMore})`);
  const value = stored[0];
  const refused = `the carrier reader ignores it (${seeMore})`;
  if (typeof value === "string") return reason(`${name} is ignored by the carrier reader (${seeMore})`);
  if (typeof value === "number")
    return Math.abs(value) === Infinity
      ? reason(`${name} is a JSON number too large for JSON readers (read as ${value}): ${refused}`)
      : Number.isInteger(value)
        ? {
            text:
              Math.abs(value) === 2 ** 53
                ? // 2^53 itself is read exactly, but 2^53 + 1 is read as it too (a tie, to the even significand).
                  `${name} is the JSON number ${value}, at 2^53 in magnitude, which JSON readers also give for ` +
                  `${value < 0 ? "-" : ""}9007199254740993: ${refused}`
                : `${name} ${JSON_NUMBER_BEYOND_2_53}, which JSON readers round: ${refused}`,
            kind: "rounded-number",
          }
        : reason(`${name} is the JSON number ${value}, not an integer: ${refused}`);
  return reason(`${name} is ${storedKind(value)}, not a string: ${refused}`);
}

/**
 * How a reason names a stored id value that is neither a string nor a number: `null`, `undefined`,
 * `a JSON object` (an array or object), `a function`, else its type and its value by the shared rule
 * (`describeValue`: `a boolean (true)`, `a bigint (5n)`, a symbol's text escaped and cut at 40
 * characters). A carrier built in code may hold any value: never converted with String, which writes a
 * function's whole source and throws for one whose `toString` throws. Never throws.
 */
function storedKind(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return "a JSON object";
  if (typeof value === "function") return "a function";
  return `a ${typeof value} (${describeValue(value)})`;
}

/**
 * A B3 header as the B3 styles read it (`B3StylePropagator`: the first of repeated values, SP/HTAB
 * around it ignored), and how to quote it in a reason: the stored value, with which value was read when
 * there are several. `undefined` when the carrier has none.
 */
function b3Field(carrier: NormalizedCarrier, name: string, notText: NotTextWording): QuotedField | undefined {
  const values = carrier.get(name);
  if (!values) return undefined;
  const first = quotedValue(values[0]!, name, notText);
  return {
    read: trimOws(values[0]!),
    quoted: values.length === 1 ? first : `${first} (the first of ${values.length} values: ${B3_FIRST_READ})`,
    several: values.length > 1,
  };
}

/**
 * Why a B3 id (`what`: the header or field and its quoted value; `text`, what was read) breaks its rule,
 * `pattern` (`B3_TRACE_ID`: 16 or 32 hex digits, `B3_SPAN_ID`: 16, any case, as dd-trace-js
 * `b3TraceExpr` / `b3SpanExpr`; `lengths` says them in words), not all zero when `nonZero`
 * (OpenTelemetry's `isValidTraceId` / `isValidSpanId`); `undefined` when it keeps it. Hex digits too
 * few are an unpadded id, refused as dd-trace-js refuses it: the reason gives it zero-padded.
 */
function b3IdReason(
  what: string,
  text: string,
  kind: "trace" | "span" | "parent span",
  pattern: RegExp,
  lengths: readonly number[],
  nonZero: boolean,
): string | undefined {
  const doc = 'docs/conformance.md, "B3 styles"';
  const rule = `a B3 ${kind} id is ${lengths.join(" or ")} hex digits, any case (${doc})`;
  if (!pattern.test(text)) {
    if (text === "") return `${what} is empty: ${rule}`;
    if (!/^[0-9a-fA-F]*$/.test(text))
      return (
        edgeSpaceReason(what, text) ??
        `${what} has a character that is not a hex digit: ${rule}${unprintableNote(text)}`
      );
    const digits = `${what} is ${text.length} hex digit${text.length === 1 ? "" : "s"}, not ${lengths.join(" or ")}`;
    const padTo = lengths.find((length) => length > text.length);
    if (padTo === undefined) return `${digits}: ${rule}`;
    return (
      `${digits}: B3 ids are zero-padded (${text.padStart(padTo, "0").toLowerCase()}), and an unpadded one is ` +
      `refused, as dd-trace-js refuses it (${doc})`
    );
  }
  if (nonZero && /^0+$/.test(text)) return `${what} is all zeros, which names no ${kind}`;
  return undefined;
}

/**
 * The `x-b3-sampled` texts OpenTelemetry's B3 propagator reads (`B3MultiPropagator`,
 * `VALID_SAMPLED_VALUES` and `VALID_UNSAMPLED_VALUES`).
 */
const B3_SAMPLED_VALUES: ReadonlySet<string> = new Set(["1", "0", "true", "false", "True", "False"]);

/**
 * Why the `b3multi` style rejected the carrier's `x-b3-*` headers (`raw` as stored; the rules of
 * `B3StylePropagator`): the trace and span ids' form ({@link b3IdReason}), a span id missing or not read
 * ({@link unreadIdReason}), an `x-b3-sampled` that is no sampling state (openzipkin/b3-propagation,
 * "Sampling State"; read as OpenTelemetry's B3 propagator reads it: an `x-b3-flags: 1` debug flag makes
 * it unread, an empty one is no state).
 */
function b3MultiReason(
  carrier: NormalizedCarrier,
  raw: Record<string, unknown>,
  seeMore: string,
  notText: NotTextWording,
): RejectionReason {
  const traceId = b3Field(carrier, "x-b3-traceid", notText)!;
  const spanId = b3Field(carrier, "x-b3-spanid", notText);
  const traceReason = b3IdReason(
    `x-b3-traceid ${traceId.quoted}`,
    traceId.read,
    "trace",
    B3_TRACE_ID,
    [16, 32],
    true,
  );
  if (traceReason !== undefined) return reason(traceReason, traceId.several);
  if (spanId === undefined)
    return unreadIdReason(
      "x-b3-spanid",
      raw,
      "no x-b3-spanid header: x-b3-traceid alone names no parent span",
      seeMore,
    );
  const spanReason = b3IdReason(`x-b3-spanid ${spanId.quoted}`, spanId.read, "span", B3_SPAN_ID, [16], true);
  if (spanReason !== undefined) return reason(spanReason, spanId.several);
  const sampled = b3Field(carrier, "x-b3-sampled", notText);
  if (
    b3Field(carrier, "x-b3-flags", notText)?.read !== "1" &&
    sampled !== undefined &&
    sampled.read !== "" &&
    !B3_SAMPLED_VALUES.has(sampled.read)
  )
    return reason(
      edgeSpaceReason(`x-b3-sampled ${sampled.quoted}`, sampled.read) ??
        `x-b3-sampled ${sampled.quoted} is not a sampling state: 1 (accept) or 0 (deny), true/True and false/False ` +
          'read as those, or no x-b3-sampled for the receiver to decide (openzipkin/b3-propagation, "Sampling State")',
      sampled.several,
    );
  return reason("the x-b3-* headers are rejected by @opentelemetry/propagator-b3");
}

/** The form of a `b3` header with ids (openzipkin/b3-propagation, "Single Header"). */
const B3_SINGLE_FORM =
  '{traceid}-{spanid}[-{sampled}[-{parentspanid}]] (openzipkin/b3-propagation, "Single Header")';

/**
 * Why the `b3` style rejected the carrier's `b3` header (the rules of `B3StylePropagator`, dd-trace-js
 * `b3HeaderExpr`): a sampling state alone (no ids: no context), the number of fields, the trace, span and
 * parent span ids' form ({@link b3IdReason}), a sampling state that is not `0`, `1` or `d` (`D` is read as
 * `1`).
 */
export function b3SingleReason(
  carrier: NormalizedCarrier,
  notText: NotTextWording = JSON_NOT_TEXT,
): RejectionReason {
  const b3 = b3Field(carrier, "b3", notText)!;
  const text = b3HeaderReason(b3);
  return reason(
    text ?? "the b3 header is rejected by @opentelemetry/propagator-b3",
    text !== undefined && b3.several,
  );
}

/** The reason of {@link b3SingleReason} about the `b3` header `b3`, which quotes it; `undefined` when it breaks no rule tracehop knows. */
function b3HeaderReason(b3: QuotedField): string | undefined {
  const text = b3.read;
  if (text === "") return `b3 ${b3.quoted} is empty: a b3 header is ${B3_SINGLE_FORM}`;
  const edge = edgeSpaceReason(`b3 ${b3.quoted}`, text);
  if (edge !== undefined) return edge;
  if (/^[01d]$/i.test(text))
    return `b3 ${b3.quoted} is a sampling state alone, without ids: it gives no context; a b3 header with ids is ${B3_SINGLE_FORM}`;
  const fields = text.split("-");
  if (fields.length < 2 || fields.length > 4)
    return `b3 ${b3.quoted} has ${fields.length} field${fields.length === 1 ? "" : "s"}, not 2 to 4: a b3 header is ${B3_SINGLE_FORM}`;
  const [traceId, spanId, state, parentId] = fields as [string, string, string?, string?];
  const field = (name: string, value: string) => `b3 ${b3.quoted}: its ${name} ${quoteValue(value)}`;
  const idReason =
    b3IdReason(field("trace id", traceId), traceId, "trace", B3_TRACE_ID, [16, 32], true) ??
    b3IdReason(field("span id", spanId), spanId, "span", B3_SPAN_ID, [16], true);
  if (idReason !== undefined) return idReason;
  if (state !== undefined && !/^[01d]$/i.test(state))
    return (
      `${field("sampling state", state)} is not 0 (deny), 1 (accept) or d (debug; D is read as 1)` +
      (B3_SPAN_ID.test(state) ? ", which comes before a parent span id" : "") +
      `; a b3 header is ${B3_SINGLE_FORM}`
    );
  if (parentId !== undefined) {
    const parentReason = b3IdReason(
      field("parent span id", parentId),
      parentId,
      "parent span",
      B3_SPAN_ID,
      [16],
      false,
    );
    if (parentReason !== undefined) return parentReason;
  }
  return undefined;
}

/** A traceparent's shape (W3C Trace Context §3.2.2): version, trace-id, parent-id, trace-flags. */
const TRACEPARENT_SHAPE = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(?:-|$)/;

/**
 * Why the tracecontext style rejected the carrier's traceparent: the rule of W3C Trace Context Level 2
 * it breaks, by section (§3.2.2.1 version, §3.2.2.2 the fields of version 00, §3.2.2.3 trace-id,
 * §3.2.2.4 parent-id, §3.2.2.5 trace-flags, §3.2.4 a higher version's layout), as `parseTraceParent`
 * applies them. A structure stored where text belongs is named as `notText` names it, never by the
 * reader's marker.
 */
export function traceparentReason(
  carrier: NormalizedCarrier,
  notText: NotTextWording = JSON_NOT_TEXT,
): RejectionReason {
  const values = carrier.get("traceparent") ?? [];
  const repeated = repeatedTraceparentReason(values, notText);
  if (typeof repeated === "string") return reason(repeated, true);
  // As parseTraceParent reads it: SP and HTAB around it ignored (OWS), nothing else.
  const value = trimOws(repeated?.value ?? values[0] ?? "");
  return reason(oneTraceparentReason(value, quotedValue(value, "traceparent", notText)));
}

/**
 * Why the one traceparent `value` (OWS stripped; `quoted`: how a reason quotes it) breaks W3C Trace
 * Context ({@link traceparentReason}).
 */
function oneTraceparentReason(value: string, quoted: string): string {
  const edge = edgeSpaceReason(`traceparent ${quoted}`, value);
  if (edge !== undefined) return edge;
  const parts = value.split("-");
  if (parts.length < 4)
    return (
      `traceparent ${quoted} is not version-traceid-parentid-flags (W3C Trace Context §3.2.2)` +
      unprintableNote(value) +
      base64Note(value, "a traceparent", (text) => TRACEPARENT_SHAPE.test(text))
    );
  const [version, traceId, parentId, flagsField] = parts as [string, string, string, string];
  if (version === "ff") return "traceparent version ff is forbidden (W3C Trace Context §3.2.2.1)";
  const versionReason = hexFieldReason("version", version, 2, "§3.2.2.1", false);
  if (versionReason) return versionReason;
  const idReason =
    hexFieldReason("trace-id", traceId, 32, "§3.2.2.3", true) ??
    hexFieldReason("parent-id", parentId, 16, "§3.2.2.4", true);
  if (idReason) return idReason;
  // Version 00 ends after its flags (all of the rest, "-1" too, is its flags unless they are two
  // digits); a higher version may go on, after a "-" (§3.2.4).
  const extra = version === "00" && parts.length > 4 && /^[0-9a-f]{2}$/.test(flagsField);
  const flags = version !== "00" ? flagsField.slice(0, 2) : extra ? flagsField : parts.slice(3).join("-");
  const flagsReason = hexFieldReason("trace-flags", flags, 2, "§3.2.2.5", false);
  if (flagsReason) return flagsReason;
  if (extra)
    return `traceparent version 00 ends after its trace-flags (55 characters), but ${quoteValue(value.slice(value.indexOf("-", 53)))} follows them: only a higher version may add fields (W3C Trace Context §3.2.2.2, §3.2.4)`;
  if (flagsField.length > 2)
    return `traceparent version ${version}: ${quoteValue(flagsField.slice(2))} follows the trace-flags, where a higher version must end or go on with "-" (W3C Trace Context §3.2.4)`;
  return `traceparent ${quoteValue(value)} rejected by W3C Trace Context`;
}

/**
 * How the tracecontext style reads several traceparent fields, or one holding commas
 * (TraceContextPropagator.ts `readTraceParent`): the first {@link MAX_FIELD_VALUES} fields, each of at most
 * {@link JOINED_TRACE_PARENT_MAX_LENGTH} characters split at commas, SP/HTAB around each part ignored,
 * are one traceparent when every part is the same. The reason when they are not (an empty part said as
 * that); `{ value }`, the one value read, when they are; `undefined` for one field without a comma (or too
 * long to be split: read whole).
 */
function repeatedTraceparentReason(
  values: readonly string[],
  notText: NotTextWording,
): string | { value: string } | undefined {
  const fields = values.slice(0, MAX_FIELD_VALUES);
  const joined =
    fields.length === 1 && fields[0]!.includes(",") && fields[0]!.length <= JOINED_TRACE_PARENT_MAX_LENGTH;
  if (fields.length < 2 && !joined) return undefined;
  const rule = joined
    ? `${JOINED_VALUES} in one header are a repeated traceparent, read only when every value is the same`
    : `${REPEATED_TRACEPARENT_RULE} every value is the same`;
  const long = fields.find((field) => field.length > JOINED_TRACE_PARENT_MAX_LENGTH);
  if (long !== undefined)
    return `traceparent holds ${values.length} values, one of ${long.length} characters: ${REPEATED_TRACEPARENT_RULE} each is at most ${JOINED_TRACE_PARENT_MAX_LENGTH} characters and all are the same`;
  const parts = fields.flatMap((field) => field.split(",")).map(trimOws);
  const distinct = [...new Set(parts)];
  if (distinct.length === 1) return { value: distinct[0]! };
  if (distinct.includes(""))
    return joined
      ? `traceparent ${quoteValue(fields[0])} holds an empty value between or beside its commas: ${rule}, and an empty one differs from the others`
      : `traceparent holds an empty value among its ${values.length}: ${rule}, and an empty one differs from the others`;
  return (
    `${SEVERAL_TRACEPARENTS}: ${distinct
      .slice(0, 2)
      .map((value) => quotedValue(value, "traceparent", notText))
      .join(", ")}` + `${distinct.length > 2 ? ` and ${distinct.length - 2} more` : ""} (${rule})`
  );
}

/**
 * Why a hex field of a traceparent (`name`, its text `field`) breaks its rule: `length` lowercase hex
 * digits (`0-9a-f`: upper case is invalid), not all zero when `nonZero`; `undefined` when it keeps it.
 */
function hexFieldReason(
  name: string,
  field: string,
  length: number,
  section: string,
  nonZero: boolean,
): string | undefined {
  const rule = `${name} is ${length} lowercase hex digits${nonZero ? ", not all zero" : ""} (W3C Trace Context ${section})`;
  const quoted = quoteValue(field);
  if (!/^[0-9a-fA-F]*$/.test(field))
    return `traceparent ${name} ${quoted} has a character that is not a hex digit; ${rule}${unprintableNote(field)}`;
  if (field.length !== length)
    return `traceparent ${name} ${quoted} is ${field.length} digit${field.length === 1 ? "" : "s"}, not ${length}; ${rule}`;
  if (/[A-F]/.test(field)) return `traceparent ${name} ${quoted} has upper-case hex digits; ${rule}`;
  if (nonZero && /^0+$/.test(field)) return `traceparent ${name} is all zeros; ${rule}`;
  return undefined;
}

/** The styles {@link rejectionReason} explains: those that restore a trace (not `baggage`). */
export type TraceStyle = "datadog" | "tracecontext" | "b3" | "b3multi";

/**
 * Whether a carrier holds ids of `style` — what the style reads a context from, so that a carrier that
 * holds them and gives no context was refused: `x-datadog-trace-id` or `x-datadog-parent-id`;
 * `traceparent`; a `b3` header other than a sampling state alone (`0`, `1`, `d`: a decision without
 * ids, openzipkin/b3-propagation "Single Header"); `x-b3-traceid` or `x-b3-spanid` (`x-b3-sampled` or
 * `x-b3-flags` alone are a decision without ids). `get` reads one lower-case header name as a
 * `TextMapGetter` does (a string, repeated values an array, `undefined` when missing). Never throws
 * on what `get` returns.
 */
export function holdsStyleIds(
  style: TraceStyle,
  get: (name: string) => string | string[] | undefined,
): boolean {
  switch (style) {
    case "datadog":
      return get(X_DATADOG_TRACE_ID) !== undefined || get(X_DATADOG_PARENT_ID) !== undefined;
    case "tracecontext":
      return get("traceparent") !== undefined;
    case "b3": {
      const value = get("b3");
      const first = Array.isArray(value) ? value[0] : value;
      return typeof first === "string" && !/^[01d]$/i.test(trimOws(first));
    }
    case "b3multi":
      return get("x-b3-traceid") !== undefined || get("x-b3-spanid") !== undefined;
  }
}

/**
 * Why `style` refused `carrier` (read from `raw`, the carrier as stored, for an id the reader kept no
 * value of), for a carrier whose headers of that style give it no context: the first rule the carrier
 * breaks, as the style's extraction applies them (datadog: `DatadogPropagator`; tracecontext:
 * `parseTraceParent`; b3 and b3multi: `B3StylePropagator`), `seeMore` pointing at where the carrier
 * reader's own reasons are, `notText` naming a structure stored where text belongs (default: a JSON
 * object or array, {@link JSON_NOT_TEXT}). Call it only for such a carrier: a style that holds no ids
 * ({@link holdsStyleIds}) is not refused, and the reason then says only what is missing.
 */
export function rejectionReason(
  style: TraceStyle,
  carrier: NormalizedCarrier,
  raw: Record<string, unknown>,
  seeMore: string = SEE_DIAGNOSTICS,
  notText: NotTextWording = JSON_NOT_TEXT,
): RejectionReason {
  switch (style) {
    case "datadog":
      return datadogReason(carrier, raw, seeMore, notText) ?? reason("rejected");
    case "tracecontext":
      return carrier.has("traceparent")
        ? traceparentReason(carrier, notText)
        : unreadIdReason("traceparent", raw, "no traceparent header", seeMore);
    case "b3":
      return carrier.has("b3")
        ? b3SingleReason(carrier, notText)
        : unreadIdReason("b3", raw, "no b3 header", seeMore);
    case "b3multi":
      // A span id without a trace id names no trace, as a Datadog parent id alone (datadogReason).
      return carrier.has("x-b3-traceid")
        ? b3MultiReason(carrier, raw, seeMore, notText)
        : unreadIdReason(
            "x-b3-traceid",
            raw,
            "no x-b3-traceid header: x-b3-spanid alone names no trace",
            seeMore,
          );
  }
}
