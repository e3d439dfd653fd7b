// `tracehop spans`: the spans of an OTLP JSON-lines file (what startTracing's spans file and the
// Collector file exporter's `format: json` write: one ExportTraceServiceRequest per line), read a chunk at
// a time, never whole, and kept per trace in the few fields the tree shows.
import type { InputSource } from "./read-input.js";

/** One span of a spans file, in the fields `tracehop spans` shows. */
export interface FileSpan {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits. */
  spanId: string;
  /** 16 lower-case hex digits, or `undefined` for a root. */
  parentSpanId: string | undefined;
  name: string;
  /** OTLP `Span.SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** The resource's `service.name` (`unknown_service` when it has none). */
  service: string;
  /** Start and end, nanoseconds since the Unix epoch. */
  startNanos: bigint;
  endNanos: bigint;
  /** Every attribute, its value as text (arrays and maps as JSON). */
  attributes: Map<string, string>;
  links: { traceId: string; spanId: string }[];
  /** OTLP `Status.code`: 0 unset, 1 ok, 2 error (OTLP/JSON leaves out a 0). */
  statusCode: number;
  statusMessage: string | undefined;
}

/** What reading a spans file found besides its spans. */
export interface SpansReading {
  /** The spans kept (those `keep` accepted), in file order. */
  spans: FileSpan[];
  /** Lines that were not blank. */
  lines: number;
  /** Lines that were no OTLP JSON request: how many, and the first one's number and reason. */
  badLines: number;
  firstBad: { line: number; reason: string } | undefined;
  /** Spans left out for an id that is not hex of the right length, or no start or end time. */
  badSpans: number;
  /** The bytes read: for a second reading of the same lines of a file still being appended to. */
  bytes: number;
  /** True when the input starts with gzip's magic bytes (1f 8b, RFC 1952): then nothing else is read. */
  gzip: boolean;
  /**
   * Lines longer than the bound (`maxLineBytes`, {@link MAX_LINE_BYTES}): how many, and the first one's
   * number. Counted in `lines`, not in `badLines`; never held whole.
   */
  longLines: number;
  firstLong: number | undefined;
  /**
   * True when reading stopped at a line too long because no line before it was OTLP JSON (a file that is
   * no spans file, /dev/zero: its line may never end); nothing after it was read.
   */
  stoppedAtLong: boolean;
}

/** How {@link readSpans} reads; every field optional. */
export interface ReadSpansOptions {
  /** Read at most this many bytes (a file's length at a first reading): the rest is not read. */
  maxBytes?: number;
  /** A line this returns false for is not parsed (it cannot hold a span `keep` accepts); counted as read. */
  mayHold?: (line: string) => boolean;
  /** The longest line read, in bytes (its line end not counted); {@link MAX_LINE_BYTES} by default. */
  maxLineBytes?: number;
}

/**
 * The longest line `tracehop spans` reads, in bytes: 64 MiB. Generous for real OTLP batches: startTracing
 * writes one batch a line (512 spans by default, `batch.maxExportBatchSize`), and a Collector's file
 * exporter one received request or batch (its OTLP/HTTP receiver takes bodies up to 20 MiB by default,
 * gRPC 4 MiB of protobuf), a few MiB to tens of MiB of JSON; well under V8's longest string (2^29 - 24
 * characters), and a line held as bytes, as a string and parsed stays within a default heap.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Chunks read at a time. */
const CHUNK_BYTES = 1 << 16;

/** OTLP's enum names of `Span.SpanKind`, which a protobuf JSON writer may give instead of the number. */
const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

/**
 * Reads the OTLP JSON lines of `source` (UTF-8), a chunk of 64 KiB at a time: a file of any size is never
 * held whole, only its current line and the spans `keep` accepts (all when it is not given). Blank lines
 * are skipped; a line that is not JSON, or holds no `resourceSpans` array, is counted in `badLines` (a line
 * cut short by a writer still writing, another kind of file); a span without valid ids or times in
 * `badSpans`. Ids are OTLP/JSON's hex (OTLP specification, "JSON Protobuf Encoding": trace and span ids
 * are hex, not base64), read in any case; kinds and status codes as numbers or their enum names. An input
 * that starts with gzip's magic bytes (RFC 1952) is not read further: `gzip` says so. A line longer than
 * `maxLineBytes` ({@link MAX_LINE_BYTES}) is counted in `longLines` and never held past that bound: the
 * rest of it is read and dropped up to its line end, and the lines after it are read; but when no line
 * before it was OTLP JSON, reading stops there (`stoppedAtLong`): a file that is no spans file (a binary
 * file, /dev/zero) may have no line end at all.
 * @throws what `source.read` throws (EISDIR, EIO), for the caller to say.
 */
export function readSpans(
  source: InputSource,
  keep?: (span: FileSpan) => boolean,
  options: ReadSpansOptions = {},
): SpansReading {
  const reading: SpansReading = {
    spans: [],
    lines: 0,
    badLines: 0,
    firstBad: undefined,
    badSpans: 0,
    bytes: 0,
    gzip: false,
    longLines: 0,
    firstLong: undefined,
    stoppedAtLong: false,
  };
  const { maxBytes = Infinity, mayHold, maxLineBytes = MAX_LINE_BYTES } = options;
  const buffer = Buffer.alloc(CHUNK_BYTES);
  // The current line's bytes so far when it started in an earlier chunk (a line end is byte 0x0a, never
  // inside a UTF-8 sequence: a line is decoded once it is whole, never a character split).
  let parts: Buffer[] = [];
  let partBytes = 0;
  /** True while the rest of a line too long is read and dropped. */
  let dropping = false;
  let lineNumber = 0;
  const line = (text: string) => {
    lineNumber++;
    if (text.trim() === "") return;
    reading.lines++;
    if (mayHold !== undefined && !mayHold(text)) return;
    const reason = readLine(text, reading, keep);
    if (reason !== undefined) {
      reading.badLines++;
      reading.firstBad ??= { line: lineNumber, reason };
    }
  };
  /** The current line found too long: counted, its bytes dropped; false when reading stops there. */
  const tooLong = (): boolean => {
    const anyGood = reading.lines > reading.badLines + reading.longLines;
    lineNumber++;
    reading.lines++;
    reading.longLines++;
    reading.firstLong ??= lineNumber;
    parts = [];
    partBytes = 0;
    dropping = true;
    if (!anyGood) reading.stoppedAtLong = true;
    return anyGood;
  };
  for (let n; (n = source.read(buffer, 0, Math.min(CHUNK_BYTES, maxBytes - reading.bytes))) > 0;) {
    if (reading.bytes === 0 && n >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) {
      reading.gzip = true;
      return reading;
    }
    reading.bytes += n;
    const chunk = buffer.subarray(0, n);
    let start = 0;
    for (;;) {
      const newline: number = chunk.indexOf(0x0a, start);
      const end: number = newline >= 0 ? newline : n;
      if (dropping) {
        if (end === n) break;
        dropping = false;
      } else if (partBytes + (end - start) > maxLineBytes) {
        if (!tooLong()) return reading;
        if (end === n) break;
        dropping = false;
      } else if (end === n) {
        if (start < n) {
          parts.push(Buffer.from(chunk.subarray(start)));
          partBytes += n - start;
        }
        break;
      } else if (partBytes === 0) line(chunk.toString("utf8", start, end));
      else {
        parts.push(chunk.subarray(start, end));
        line(Buffer.concat(parts, partBytes + (end - start)).toString("utf8"));
        parts = [];
        partBytes = 0;
      }
      start = end + 1;
    }
  }
  if (partBytes > 0) line(Buffer.concat(parts, partBytes).toString("utf8"));
  return reading;
}

/** Reads one line's request into `reading`; returns why it is no OTLP JSON request, or `undefined`. */
function readLine(
  text: string,
  reading: SpansReading,
  keep?: (span: FileSpan) => boolean,
): string | undefined {
  let request: unknown;
  try {
    request = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  const resourceSpans = fields(request).resourceSpans;
  if (!Array.isArray(resourceSpans)) return "JSON without a resourceSpans array";
  for (const rs of resourceSpans as unknown[]) {
    const resource = fields(rs);
    const service =
      attributesOf(fields(resource.resource).attributes).get("service.name") ?? "unknown_service";
    for (const ss of arrayOf(resource.scopeSpans ?? resource.instrumentationLibrarySpans))
      for (const s of arrayOf(fields(ss).spans)) {
        const span = spanOf(s, service);
        if (span === undefined) reading.badSpans++;
        else if (keep === undefined || keep(span)) reading.spans.push(span);
      }
  }
  return undefined;
}

/** The fields of `value` when it is an object (of JSON), else none. */
function fields(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** `value` when it is an array, else none. */
function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `text` as lower-case hex of `digits` digits, or `undefined`. */
function hexId(text: unknown, digits: number): string | undefined {
  return typeof text === "string" && text.length === digits && /^[0-9a-fA-F]+$/.test(text)
    ? text.toLowerCase()
    : undefined;
}

/**
 * An OTLP/JSON time (a string or number of nanoseconds) as a bigint, or `undefined`. A number beyond 2^53
 * (every time since 1970-04-15 in nanoseconds; protobuf's JSON mapping lets a writer give an int64 as a
 * number, and parsers accept both) is read as JSON.parse rounded it, within a microsecond: enough for a
 * duration shown in tenths of a millisecond.
 */
function nanos(value: unknown): bigint | undefined {
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 2 ** 64)
    return BigInt(value);
  return undefined;
}

/** A number or enum name of `names` as its number; 0 for anything else. */
function enumValue(value: unknown, names: Record<string, number>): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string") return names[value] ?? 0;
  return 0;
}

/** The span `value` of OTLP/JSON, or `undefined` when its ids or times are not valid. */
function spanOf(value: unknown, service: string): FileSpan | undefined {
  const s = fields(value);
  const traceId = hexId(s.traceId, 32);
  const spanId = hexId(s.spanId, 16);
  const startNanos = nanos(s.startTimeUnixNano);
  const endNanos = nanos(s.endTimeUnixNano);
  if (traceId === undefined || spanId === undefined || startNanos === undefined || endNanos === undefined)
    return undefined;
  const links: FileSpan["links"] = [];
  for (const link of arrayOf(s.links)) {
    const linkTrace = hexId(fields(link).traceId, 32);
    const linkSpan = hexId(fields(link).spanId, 16);
    if (linkTrace !== undefined && linkSpan !== undefined)
      links.push({ traceId: linkTrace, spanId: linkSpan });
  }
  const status = fields(s.status);
  return {
    traceId,
    spanId,
    parentSpanId: hexId(s.parentSpanId, 16),
    name: typeof s.name === "string" ? s.name : "",
    kind: enumValue(s.kind, KIND_NAMES),
    service,
    startNanos,
    endNanos,
    attributes: attributesOf(s.attributes),
    links,
    statusCode: enumValue(status.code, STATUS_NAMES),
    statusMessage: typeof status.message === "string" && status.message !== "" ? status.message : undefined,
  };
}

/** OTLP/JSON `KeyValue`s as a map of key to text. */
function attributesOf(list: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const attribute of arrayOf(list)) {
    const { key, value } = fields(attribute);
    if (typeof key === "string") out.set(key, valueText(value));
  }
  return out;
}

/** An OTLP/JSON `AnyValue` as text: a string as it is, numbers and booleans written, arrays and maps as JSON. */
function valueText(anyValue: unknown): string {
  const value = fields(anyValue);
  if (typeof value.stringValue === "string") return value.stringValue;
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.bytesValue !== undefined) return String(value.bytesValue);
  if (value.arrayValue !== undefined)
    return JSON.stringify(arrayOf(fields(value.arrayValue).values).map((item) => valueText(item)));
  if (value.kvlistValue !== undefined)
    return JSON.stringify(Object.fromEntries(attributesOf(fields(value.kvlistValue).values)));
  return "";
}
