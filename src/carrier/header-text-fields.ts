import { isPrintableAscii } from "../propagation/header-text.js";
import { describeValue, quoteWritten } from "../describe-value.js";
import { countWithin, hasWarned, warnOnce } from "../warn-once.js";
import { OWN_HEADER_NAMES } from "./ascii-lower-name.js";
import type { TraceCarrier } from "./trace-carrier.js";

/**
 * Most distinct field names {@link keepHeaderTextFields} warns about in one process (then it drops
 * silently).
 */
const MAX_WARNED_FIELDS = 16;
/** Most characters of a field name the warnings quote (`quoteWritten`). */
export const MAX_SHOWN_NAME_LENGTH = 64;
/** Code of the process warning of a dropped carrier field. */
const FIELD_NOT_HEADER_TEXT_WARNING = "TRACEHOP_CARRIER_FIELD_NOT_HEADER_TEXT";

/**
 * Internal: `carrier` (changed in place and returned) without the fields that are not header text: a
 * field is kept when its name is 1 or more characters 0x21-0x7E (what the readers take as a header
 * name, `asciiLowerName`; RFC 9110 §5.1 tokens are drawn from them) and its value a string of
 * printable ASCII, 0x20-0x7E ({@link isPrintableAscii}: every propagation header's value grammar, W3C
 * Trace Context §3.2-3.3, W3C Baggage §3 percent-encoded, Datadog's `x-datadog-*`, B3).
 *
 * tracehop's own styles never write anything else (`injectCarrier` skips this for a propagator of
 * `createPropagator`); a third-party propagator (the `propagator` option) may: a NUL or lone surrogate
 * in a value makes PostgreSQL refuse the row's `jsonb` (22P05 "unsupported Unicode escape sequence",
 * "invalid input syntax for type json") and fail the business write, a CR/LF splits a message header.
 * Such a field is dropped before it reaches a database or a message, with a `diag.warn` and a process
 * warning ({@link FIELD_NOT_HEADER_TEXT_WARNING}) naming it, once per field name (for the first
 * {@link MAX_WARNED_FIELDS} names). Never throws.
 */
export function keepHeaderTextFields(carrier: TraceCarrier): TraceCarrier {
  for (const name in carrier) {
    if (!Object.hasOwn(carrier, name)) continue;
    const value: unknown = carrier[name];
    if (typeof value === "string" && isPrintableAscii(value) && isHeaderNameText(name)) continue;
    delete carrier[name];
    warnDroppedField(name, value);
  }
  return carrier;
}

/** A header name as the carrier readers take one: non-empty, every character 0x21-0x7E. */
const HEADER_NAME_TEXT = /^[\x21-\x7e]+$/;

/**
 * Internal: a header name as the carrier readers take one (`HEADER_NAME_TEXT`: non-empty, every character
 * 0x21-0x7E); tracehop's own by one set lookup. `tracehop inspect` says why a name is ignored by it.
 */
export function isHeaderNameText(name: string): boolean {
  return OWN_HEADER_NAMES.has(name) || HEADER_NAME_TEXT.test(name);
}

/**
 * Internal: where a header field a setter or writer leaves out came from: a propagator's inject (the
 * setters, `injectKafkaHeaders`, `injectAmqpHeaders`, `withSendSpan`), or a stored carrier handed to
 * `writeCarrierToHeaders` (a carrier object, its JSON, or a row holding one in `traceContext`).
 */
export type FieldSource = "propagator" | "stored carrier";

/**
 * Internal: how a message header setter or writer left a field out of the headers it writes, for the
 * warnings that say it (`warnDroppedField`, `warnFieldLeftOut`).
 */
export interface HeaderLeftOut {
  /** The public function called (`amqpHeadersSetter`, `injectAmqpHeaders`, `withSendSpan`, ...), named. */
  readonly helper: string;
  /** Where the field came from: a propagator's inject, or a stored carrier. */
  readonly source: FieldSource;
  /**
   * The headers are an AMQP table (`amqpHeadersSetter`, `injectAmqpHeaders`, `withSendSpan` and
   * `writeCarrierToHeaders` with system `"rabbitmq"`): the transport takes a `:` in a name, so that rule is said as kept for the other clients.
   */
  readonly amqp: boolean;
  /**
   * A value of the field's name (in any case) that the headers already held was removed with it (a
   * forwarded `traceparent`), so that the consumer does not continue the earlier trace: said only then.
   */
  readonly removed: boolean;
  /**
   * A setter's trace header left out of a full AMQP table beside a baggage header that setter did not
   * write (the name as the headers hold it: a consumed message's, forwarded), which it leaves as it came:
   * said, with how to make room.
   */
  readonly forwardedBaggage?: string;
}

/** How {@link warnDroppedField} says each {@link FieldSource}. */
const SOURCES: Record<FieldSource, string> = {
  propagator: "the propagator wrote",
  "stored carrier": "the stored carrier given (a carrier object, its JSON or a row's traceContext) holds",
};

/**
 * Internal: what a header left out says when the headers already held a value of its name, which was
 * removed with it ({@link HeaderLeftOut.removed}); appended to a clause.
 */
export const REMOVED_WITH_IT =
  "the value of that name the headers already held was removed, so that the consumer does not continue the earlier trace";

/**
 * Internal: the warning of {@link keepHeaderTextFields} for the field `name`, once per name, for the
 * first {@link MAX_WARNED_FIELDS} names of the process (said or, under OTEL_SDK_DISABLED, not: the names
 * kept stay bounded either way). `leftOut`: the message header setter or writer that left the field out
 * of the headers it writes ({@link HeaderLeftOut}: named, with where the field came from, the `:` rule
 * worded for its transport, and whether a value of that name already there was removed); without it,
 * the field was left out of a carrier. Never throws.
 */
export function warnDroppedField(name: string, value: unknown, leftOut?: HeaderLeftOut): void {
  try {
    const key = `carrier field ${name}`;
    // Counted whether or not it is said: under OTEL_SDK_DISABLED warnOnce says nothing but keeps the
    // key, and a propagator that writes a field per baggage key would make these keys unbounded.
    if (hasWarned(key) || !countWithin(FIELD_NOT_HEADER_TEXT_WARNING, MAX_WARNED_FIELDS)) return;
    // Escaped (a bidirectional control or a zero width space seen, not echoed) and cut.
    const shown = quoteWritten(name, MAX_SHOWN_NAME_LENGTH);
    const why =
      typeof value !== "string"
        ? `its value is ${describeValue(value)}, not text`
        : !isHeaderNameText(name)
          ? "its name is empty or holds a character outside 0x21-0x7E"
          : leftOut !== undefined && name.includes(":")
            ? leftOut.amqp
              ? "its name holds a ':': an AMQP table takes one, but tracehop writes only names every message client sends, and nats.js throws for a ':' in a NATS header name"
              : "its name holds a ':', and nats.js throws for a ':' in a NATS header name"
            : "its value holds a character outside printable ASCII 0x20-0x7E: a control character, NUL or non-ASCII text";
    const message =
      leftOut === undefined
        ? `tracehop: the propagator wrote the carrier field ${shown}, which is not header text (${why}); ` +
          `it is left out of the carrier so that it cannot fail a database write or split a message header`
        : `tracehop ${leftOut.helper}: ${SOURCES[leftOut.source]} the header ${shown}, which is not header text (${why}); ` +
          "it is left out of the message headers so that the client does not refuse the send or split a header" +
          (leftOut.removed ? `, and ${REMOVED_WITH_IT}` : "");
    warnOnce(key, message, FIELD_NOT_HEADER_TEXT_WARNING);
  } catch {
    // describing the value failed: nothing to say
  }
}
