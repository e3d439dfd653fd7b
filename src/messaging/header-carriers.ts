import type { Context, TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import { captureCarrier, type CarrierOptions, type TraceCarrier } from "../index.js";
import { contextFromCarrierFields } from "../context/carrier-context.js";
import { isPropagationHeaderName } from "../propagation/header-names.js";

/**
 * Message headers as kafkajs types them (`IHeaders`): header name -> string, Buffer, or an array of
 * those for a header repeated in the record. A consumer receives Buffers (tulios/kafkajs#1024, case
 * B23); a producer may pass strings. Declared here so that tracehop's public types do not depend on
 * kafkajs (opentelemetry-js-contrib GUIDELINES.md: no type dependency on the instrumented library).
 */
export type KafkaHeaders = Record<string, string | Buffer | (string | Buffer)[] | undefined>;

/**
 * AMQP 0-9-1 message headers as amqplib delivers them in `properties.headers`: a field table whose
 * values are strings (long strings), Buffers (byte arrays), numbers (integer and float types; `long`
 * already converted to a JS number), booleans, `null`, arrays, nested tables and
 * `{ "!": "timestamp", value }` objects (amqplib `lib/codec.js`).
 */
export type AmqpHeaders = Record<string, unknown>;

const decoder = new TextDecoder("utf-8");

/** One header value as text: strings as they are, byte arrays decoded whole as UTF-8 (DESIGN.md). */
function valueToText(value: unknown, numbers: boolean): string | undefined {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return decoder.decode(value);
  // A JS number is exact only up to 2^53: a safe integer is the value that was sent (e.g. a sampling
  // priority published as an AMQP short); anything else may have been rounded and is ignored, because
  // Datadog ids never pass through a JS number (DESIGN.md, case B01).
  if (numbers && typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

function readHeader(
  headers: Record<string, unknown>,
  key: string,
  numbers: boolean,
): string | string[] | undefined {
  let raw = headers[key];
  if (raw === undefined) {
    // Header names are case-sensitive on Kafka and AMQP; a carrier's are not (DESIGN.md).
    for (const name in headers) {
      if (name.length === key.length && name.toLowerCase() === key) {
        raw = headers[name];
        break;
      }
    }
  }
  if (!Array.isArray(raw)) return valueToText(raw, numbers);
  const values: string[] = [];
  for (const item of raw) {
    const text = valueToText(item, numbers);
    if (text !== undefined) values.push(text);
  }
  return values.length ? values : undefined;
}

function makeGetter<H extends Record<string, unknown>>(numbers: boolean): TextMapGetter<H> {
  return {
    keys: (headers) => (headers !== null && typeof headers === "object" ? Object.keys(headers) : []),
    get: (headers, key) =>
      headers !== null && typeof headers === "object"
        ? readHeader(headers, key.toLowerCase(), numbers)
        : undefined,
  };
}

function makeSetter<H extends Record<string, unknown>>(): TextMapSetter<H> {
  return {
    set: (headers, key, value) => {
      const name = key.toLowerCase();
      for (const existing in headers) {
        if (existing !== name && existing.length === name.length && existing.toLowerCase() === name) {
          delete headers[existing];
        }
      }
      (headers as Record<string, unknown>)[name] = String(value);
    },
  };
}

/**
 * TextMapGetter over kafkajs message headers ({@link KafkaHeaders}), for `propagation.extract` or any
 * TextMapPropagator. Names match in any case (exact name first); Buffer values are decoded whole as
 * UTF-8, never byte by byte (case B23, tulios/kafkajs#1024); a repeated header (an array) is returned
 * as an array of strings in record order, which the propagators combine or reject as their spec says
 * (DESIGN.md "The carrier"). Values of other types are absent. Never throws.
 */
export const kafkaHeadersGetter: TextMapGetter<KafkaHeaders> = makeGetter<KafkaHeaders>(false);

/**
 * TextMapSetter over kafkajs message headers: writes a lower-case name and a string value, and removes
 * a header of the same name in another case so that the record carries one value per field.
 */
export const kafkaHeadersSetter: TextMapSetter<KafkaHeaders> = makeSetter<KafkaHeaders>();

/**
 * TextMapGetter over amqplib `properties.headers` ({@link AmqpHeaders}). As {@link kafkaHeadersGetter},
 * and in addition a number that is a safe integer reads as its decimal text (a header another client
 * published as an AMQP integer); other numbers, booleans, tables and timestamps are absent.
 */
export const amqpHeadersGetter: TextMapGetter<AmqpHeaders> = makeGetter<AmqpHeaders>(true);

/** TextMapSetter over amqplib `properties.headers`: as {@link kafkaHeadersSetter}; values are AMQP long strings. */
export const amqpHeadersSetter: TextMapSetter<AmqpHeaders> = makeSetter<AmqpHeaders>();

/**
 * Removes every propagation header from `headers`, in place: the names {@link isPropagationHeaderName}
 * accepts (`PROPAGATION_HEADER_NAMES` and the legacy `ot-baggage-<key>` headers the datadog style
 * reads) and the keys of `also` (a carrier about to be written), in any case.
 * Used before a new context is written, so that headers copied from a consumed message never mix an
 * old context with the new one (case B13). Never throws for a plain headers object.
 */
export function removePropagationHeaders(headers: Record<string, unknown>, also?: TraceCarrier): void {
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (isPropagationHeaderName(lower) || (also !== undefined && Object.hasOwn(also, lower)))
      delete headers[name];
  }
}

/**
 * Writes `carrier` (a {@link TraceCarrier}) into message headers, in place: first removes every
 * propagation header already there (any case), then sets each carrier field under its lower-case name
 * as a string (case B13: one message, one context). Returns `headers` (the same object). Never throws
 * for a plain headers object.
 */
export function writeCarrierToHeaders<H extends Record<string, unknown>>(
  headers: H,
  carrier: TraceCarrier,
): H {
  removePropagationHeaders(headers, carrier);
  for (const name in carrier) (headers as Record<string, unknown>)[name] = carrier[name];
  return headers;
}

/**
 * Injects the given (default: active) context into kafkajs message headers, in place, and returns them
 * (a new object when `headers` is undefined). Propagation headers already present are replaced, never
 * mixed with the new ones (case B13). Values are strings (kafkajs encodes them as UTF-8 bytes).
 * Styles: `options.propagator`, default `createPropagator()` (DESIGN.md "Defaults"). Never throws.
 */
export function injectKafkaHeaders(headers: KafkaHeaders = {}, options: CarrierOptions = {}): KafkaHeaders {
  return writeCarrierToHeaders(headers, captureCarrier(options));
}

/**
 * Extracts the context a kafkajs message carries (`message.headers` of `eachMessage`/`eachBatch`,
 * Buffer values and repeated headers included, case B23) onto the given (default: ROOT) context.
 * The headers are read as headers only: an application header named `traceContext` is never taken
 * for a row's carrier column (as `contextFromCarrier` would take an object with that field). Tracing
 * headers are found wherever they sit, after any number of application headers. Returns that context
 * unchanged when the headers hold no valid context. Never throws.
 */
export function contextFromKafkaHeaders(headers: unknown, options: CarrierOptions = {}): Context {
  return contextFromMessageHeaders(headers, options);
}

/**
 * Injects the given (default: active) context into amqplib message headers (`options.headers` of
 * `publish`/`sendToQueue`), in place, and returns them (a new object when `headers` is undefined).
 * As {@link injectKafkaHeaders}.
 */
export function injectAmqpHeaders(headers: AmqpHeaders = {}, options: CarrierOptions = {}): AmqpHeaders {
  return writeCarrierToHeaders(headers, captureCarrier(options));
}

/**
 * Extracts the context an amqplib message carries (`msg.properties.headers`) onto the given (default:
 * ROOT) context: strings, Buffers, arrays, and safe-integer numbers as decimal text (see
 * {@link amqpHeadersGetter}). Read as headers only, as {@link contextFromKafkaHeaders}. Returns that
 * context unchanged when there is no valid context. Never throws.
 */
export function contextFromAmqpHeaders(headers: unknown, options: CarrierOptions = {}): Context {
  return contextFromMessageHeaders(headers, options);
}

/**
 * Internal to tracehop/messaging: the context message headers (kafkajs or amqplib, as delivered)
 * carry, read by the stored-carrier reader (any-case names, Buffers, arrays, limits) as header fields
 * only — never as a row with a `traceContext` column. Never throws.
 */
export function contextFromMessageHeaders(headers: unknown, options: CarrierOptions = {}): Context {
  return contextFromCarrierFields(amqpHeadersToCarrier(headers), options);
}

/**
 * The headers of an AMQP message as a stored-carrier input: the same object when no value is a
 * number (no copy on the usual path), else a shallow copy whose safe-integer numbers are decimal text
 * and whose other numbers are left out (an AMQP `long` above 2^53 was rounded by amqplib: ignored
 * silently, not reported as a rounded JSON id). Anything that is not a plain headers object (bytes,
 * arrays, `null`) is returned as it is; an object whose keys or values throw when read is returned as
 * it is too (the reader skips what it cannot read). Internal to tracehop/messaging. Never throws.
 */
export function amqpHeadersToCarrier(headers: unknown): unknown {
  if (
    headers === null ||
    typeof headers !== "object" ||
    Array.isArray(headers) ||
    ArrayBuffer.isView(headers) ||
    headers instanceof ArrayBuffer
  )
    return headers;
  try {
    const source = headers as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const name of Object.keys(source)) {
      let value: unknown;
      try {
        value = source[name];
      } catch {
        continue; // a throwing getter: the reader skips it too
      }
      if (typeof value !== "number") continue;
      copy ??= { ...source };
      if (Number.isSafeInteger(value)) copy[name] = String(value);
      else delete copy[name];
    }
    return copy ?? headers;
  } catch {
    return headers; // a throwing proxy trap or getter while copying: read as it is
  }
}
