/**
 * Names and limits of W3C Trace Context Level 2 and W3C Baggage. Section numbers refer to
 * https://www.w3.org/TR/trace-context-2/ (spec/20-http_request_header_format.md at w3c/trace-context
 * acab820) and https://www.w3.org/TR/baggage/ (baggage/HTTP_HEADER_FORMAT.md at w3c/baggage 9af80f4).
 */

/**
 * `traceparent` and `tracestate`, lower-case as the spec recommends (Trace Context §3.2.1, §3.3.1);
 * the names of @opentelemetry/core, re-exported.
 */
export { TRACE_PARENT_HEADER, TRACE_STATE_HEADER } from "@opentelemetry/core";
/** baggage header name, lower-case as the spec recommends (Baggage §3.1). */
export const BAGGAGE_HEADER = "baggage";

/**
 * traceparent version written on inject: the highest version this code knows (Trace Context §3.2.2.1,
 * §3.2.4).
 */
export const TRACE_PARENT_VERSION = "00";
/** Length of a version-00 traceparent in characters: 2+1+32+1+16+1+2 (Trace Context §3.2.2). */
export const TRACE_PARENT_LENGTH = 55;

/** trace-flags bit: the caller may have recorded trace data (Trace Context §3.2.2.5.1). */
export const FLAG_SAMPLED = 0x01;
/** trace-flags bit: the right-most 7 bytes of trace-id are random (Trace Context Level 2 §3.2.2.5.2). */
export const FLAG_RANDOM = 0x02;
/** Flags this version defines; every other bit MUST be set to zero (Trace Context §3.2.2.5.3). */
export const KNOWN_FLAGS_MASK = FLAG_SAMPLED | FLAG_RANDOM;

/** Most list-members in a tracestate (Trace Context §3.3.1.1 "maximum of 32 list-members"). */
export const TRACE_STATE_MAX_MEMBERS = 32;
/** Longest tracestate key, in characters: `(lcalpha / DIGIT) 0*255 keychar` (Trace Context §3.3.1.3.1). */
export const TRACE_STATE_MAX_KEY_LENGTH = 256;
/** Longest tracestate value, in characters: `0*255(chr) nblk-chr` (Trace Context §3.3.1.3.2). */
export const TRACE_STATE_MAX_VALUE_LENGTH = 256;
/**
 * Longest tracestate written on inject, in characters including commas. The spec asks vendors to
 * propagate at least 512 characters (Trace Context §3.3.1.5); tracehop propagates exactly that much, as
 * @opentelemetry/core does, truncating in the order of §3.3.1.5.
 */
export const TRACE_STATE_MAX_LENGTH = 512;
/** Entries longer than this many characters are removed first when truncating (Trace Context §3.3.1.5). */
export const TRACE_STATE_LONG_ENTRY_LENGTH = 128;

/** Most baggage list-members read or written (Baggage §3.3.1 "Limits", condition 1: 64). */
export const BAGGAGE_MAX_MEMBERS = 64;
/**
 * Largest baggage-string read or written, in bytes, commas included (Baggage §3.3.1 "Limits", condition
 * 2: 8192).
 */
export const BAGGAGE_MAX_BYTES = 8192;
/**
 * Characters of a baggage header that extraction reads: list-members that start later are not read.
 * Twice the 8192 bytes a compliant sender writes at most (Baggage §3.3.1), the same 16 KiB as the
 * stored-carrier reader's limit for one value and Node's default limit for all the headers of a
 * request. Without it, a hostile header of a million invalid members (`=,=,...`) cost tens of
 * milliseconds to reject one member at a time (BENCHMARKS.md, target T6).
 */
export const BAGGAGE_MAX_READ_LENGTH = 16_384;

/**
 * Longest traceparent field that the tracecontext style splits at commas (TraceContextPropagator.ts
 * `repeatedTraceParent`; rejection-reasons.ts `traceparentReason` splits as it does): 16 copies with
 * generous separators.
 */
export const JOINED_TRACE_PARENT_MAX_LENGTH = 1024;
