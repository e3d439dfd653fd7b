// Reading back an OTLP JSON-lines spans file (what startTracing's spansFile and the Collector file
// exporter's `format: json` write: one ExportTraceServiceRequest per line), a chunk at a time, never whole.
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { describeValue, quoteLocation } from "../describe-value.js";
import { assertKnownOptions } from "../known-options.js";
import { countWithin, emitSettingWarningOnce, hasWarned, markWarned } from "../warn-once.js";

/**
 * An attribute value of a span read from a spans file: OTLP/JSON's `AnyValue` (OTLP specification,
 * "JSON Protobuf Encoding"; opentelemetry-proto `common/v1/common.proto`) as a JavaScript value:
 * `stringValue` a string, `boolValue` a boolean, `doubleValue` a number (`"NaN"`, `"Infinity"` too),
 * `intValue` a number when it is a safe integer (|n| <= 2^53 - 1) else an exact bigint, `bytesValue`
 * (base64 in OTLP/JSON) a Uint8Array, `arrayValue` an array, `kvlistValue` an object,
 * and an empty `AnyValue` null.
 */
export type FileSpanAttributeValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | null
  | FileSpanAttributeValue[]
  | { [key: string]: FileSpanAttributeValue };

/**
 * Attributes by key, each an own property of a plain object (read a key with `Object.hasOwn` to tell a
 * key `constructor` of the file from Object's).
 */
export type FileSpanAttributes = Record<string, FileSpanAttributeValue>;

/** One span read back from a spans file. Ids are lower-case hex as in OTLP/JSON; times are exact. */
export interface FileSpan {
  /** 32 lower-case hex digits (W3C `trace-id`). Its Datadog form: `datadogTraceId(traceId)`. */
  traceId: string;
  /** 16 lower-case hex digits. */
  spanId: string;
  /** 16 lower-case hex digits, or `undefined` for a root. */
  parentSpanId: string | undefined;
  /** The span's name, as its writer gave it (`POST /jobs`, `process preprocess-jobs`). */
  name: string;
  /**
   * OTLP `Span.SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer (the
   * OpenTelemetry API's `SpanKind` is this minus 1: `SpanKind.SERVER` is 1).
   */
  kind: number;
  /** The resource's `service.name` (`unknown_service` when it has none). */
  service: string;
  /** When it started, in nanoseconds since the Unix epoch (OTLP `start_time_unix_nano`, exact). */
  startNanos: bigint;
  /** When it ended, in nanoseconds since the Unix epoch (OTLP `end_time_unix_nano`, exact). */
  endNanos: bigint;
  /** Its attributes, their values typed as {@link FileSpanAttributeValue} says. */
  attributes: FileSpanAttributes;
  /** Its links: the trace and span linked to (hex, as the ids above) and the link's attributes. */
  links: { traceId: string; spanId: string; attributes: FileSpanAttributes }[];
  /** The span's events in the order they were added; `timeNanos` in nanoseconds since the Unix epoch. */
  events: { name: string; timeNanos: bigint | undefined; attributes: FileSpanAttributes }[];
  /** OTLP `Status.code`: 0 unset, 1 ok, 2 error (OTLP/JSON leaves out a 0). */
  statusCode: number;
  /** OTLP `Status.message` (the error's message on a failed span); `undefined` when empty. */
  statusMessage: string | undefined;
}

/** Internal: what reading spans found besides them (the CLI's notes). */
export interface SpansReading {
  /** The spans kept (those `keep` accepted), in file order. */
  spans: FileSpan[];
  /** Lines that were not blank. */
  lines: number;
  /** Lines that were no OTLP JSON request: how many, and the first one's number and reason. */
  badLines: number;
  firstBad: { line: number; reason: string } | undefined;
  /**
   * True when the last line had no line end and did not parse as JSON: a line a writer may still be
   * writing (a whole JSON value without a line end is a complete line, judged as any other).
   */
  lastLineCut: boolean;
  /**
   * Spans left out for an id that is not hex of the right length (or is all zeros), no start or end time,
   * or an attribute value nested deeper than 128 levels.
   */
  badSpans: number;
  /** The bytes read: for a second reading of the same lines of a file still being appended to. */
  bytes: number;
  /**
   * Lines of OTLP JSON requests of another signal (`resourceLogs`, `resourceMetrics`, `resourceProfiles`:
   * a Collector file exporter's file shared by several pipelines): valid lines holding no spans, counted in
   * `lines`, not in `badLines`.
   */
  otherSignalLines: number;
  /**
   * What the input is when its first bytes say it is no UTF-8 text ({@link PackedKind}): then nothing else
   * is read; `undefined` for text.
   */
  packed: PackedKind | undefined;
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

/** Internal: bytes read as `readSync` reads them (an open file, standard input). */
export interface ByteSource {
  /** Reads up to `length` bytes into `buffer` at `offset`: the number read, `0` at the end. */
  read(buffer: Buffer, offset: number, length: number): number;
}

/** Internal: how {@link readSpans} reads; every field optional. */
export interface ReadSpansSourceOptions {
  /** Read at most this many bytes (a file's length at a first reading): the rest is not read. */
  maxBytes?: number;
  /** A line this returns false for is not parsed (it cannot hold a span `keep` accepts); counted as read. */
  mayHold?: (line: string) => boolean;
  /** The longest line read, in bytes (its line end not counted); {@link MAX_LINE_BYTES} by default. */
  maxLineBytes?: number;
  /** Called with the number (from 1) of each line skipped for being longer than `maxLineBytes`. */
  onLongLine?: ((line: number) => void) | undefined;
  /**
   * Reading starts after a mark in a file (not at its start): no check of the first bytes (the bytes are no file's
   * first), and a first line too long is skipped as any other (the file's start was read before: such a
   * line is a writer's large batch, not a sign of another kind of file). `midLine`: the mark fell inside a
   * line a writer was writing; its rest, up to the first line end, is dropped uncounted (that line was
   * being exported before the mark).
   */
  afterMark?: { midLine: boolean } | undefined;
}

/**
 * The longest line read, in bytes: 64 MiB (`67108864`). Generous for real OTLP batches: startTracing writes one batch
 * a line (512 spans by default, `batch.maxExportBatchSize`), and a Collector's file exporter one received
 * request or batch (its OTLP/HTTP receiver takes bodies up to 20 MiB by default, gRPC 4 MiB of protobuf),
 * a few MiB to tens of MiB of JSON; well under V8's longest string (2^29 - 24 characters), and a line held
 * as bytes, as a string and parsed stays within a default heap (docs/export.md, "Reading the spans file").
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
 * Internal: reads the OTLP JSON lines of `source` (UTF-8), 64 KiB at a time: input of any size is never
 * held whole, only its current line (as bytes, decoded once it is whole) and the spans `keep` accepts (all
 * when it is not given). Blank lines are skipped; a line that is not JSON, or holds no `resourceSpans`
 * array, is counted in `badLines` (a line of another signal's request in `otherSignalLines`); a span
 * without valid ids or times in `badSpans`. Input whose first bytes say it is no UTF-8 text (gzip, zstd,
 * UTF-16: {@link PackedKind}) is not read further: `packed` says what it is. A line longer than `maxLineBytes`
 * ({@link MAX_LINE_BYTES}) is counted in `longLines` and never held past that bound: the rest of it is read
 * and dropped up to its line end, and the lines after it are read; but when no line before it was OTLP
 * JSON, reading stops there (`stoppedAtLong`): a file that is no spans file (a binary file, /dev/zero) may
 * have no line end at all. Rules of the format: {@link readSpansFile}.
 * @throws what `source.read` throws (EISDIR, EIO), for the caller to say.
 */
export function readSpans(
  source: ByteSource,
  keep?: (span: FileSpan) => boolean,
  options: ReadSpansSourceOptions = {},
): SpansReading {
  const reading: SpansReading = {
    spans: [],
    lines: 0,
    badLines: 0,
    firstBad: undefined,
    lastLineCut: false,
    badSpans: 0,
    bytes: 0,
    otherSignalLines: 0,
    packed: undefined,
    longLines: 0,
    firstLong: undefined,
    stoppedAtLong: false,
  };
  const { maxBytes = Infinity, mayHold, maxLineBytes = MAX_LINE_BYTES, onLongLine, afterMark } = options;
  const buffer = Buffer.alloc(CHUNK_BYTES);
  // The current line's bytes so far when it started in an earlier chunk (a line end is byte 0x0a, never
  // inside a UTF-8 sequence: a line is decoded once it is whole, never a character split).
  let parts: Buffer[] = [];
  let partBytes = 0;
  /** True while the rest of a line too long (or of the line in flight at a mark) is read and dropped. */
  let dropping = afterMark?.midLine === true;
  let lineNumber = 0;
  const line = (text: string, last: boolean) => {
    lineNumber++;
    if (text.trim() === "") return;
    reading.lines++;
    if (mayHold !== undefined && !mayHold(text)) return;
    const reason = readLine(text, reading, keep);
    if (reason !== undefined) {
      reading.badLines++;
      reading.firstBad ??= { line: lineNumber, reason };
      // Only a last line that does not parse may be one still being written: a whole JSON value without
      // its line end is a complete line (a file written by printf, an editor), judged as any other.
      reading.lastLineCut = last && reason.startsWith(NOT_JSON);
    }
  };
  /** The current line found too long: counted, its bytes dropped; false when reading stops there. */
  const tooLong = (): boolean => {
    const anyGood = afterMark !== undefined || reading.lines > reading.badLines + reading.longLines;
    lineNumber++;
    reading.lines++;
    reading.longLines++;
    reading.firstLong ??= lineNumber;
    parts = [];
    partBytes = 0;
    dropping = true;
    if (!anyGood) reading.stoppedAtLong = true;
    else onLongLine?.(lineNumber);
    return anyGood;
  };
  for (let n; (n = source.read(buffer, 0, Math.min(CHUNK_BYTES, maxBytes - reading.bytes))) > 0;) {
    if (afterMark === undefined && reading.bytes === 0) {
      reading.packed = packedKind(buffer.subarray(0, n));
      if (reading.packed !== undefined) return reading;
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
      } else if (partBytes === 0) line(chunk.toString("utf8", start, end), false);
      else {
        parts.push(chunk.subarray(start, end));
        line(Buffer.concat(parts, partBytes + (end - start)).toString("utf8"), false);
        parts = [];
        partBytes = 0;
      }
      start = end + 1;
    }
  }
  if (partBytes > 0) line(Buffer.concat(parts, partBytes).toString("utf8"), true);
  return reading;
}

/**
 * The top-level arrays of the OTLP JSON requests of the other signals (OTLP specification, "JSON Protobuf
 * Encoding"; opentelemetry-proto `ExportLogsServiceRequest`, `ExportMetricsServiceRequest`,
 * `ExportProfilesServiceRequest`): lines a Collector file exporter writes beside `resourceSpans` when one
 * file serves several pipelines. Valid lines without spans, skipped without a word.
 */
const OTHER_SIGNALS = ["resourceLogs", "resourceMetrics", "resourceProfiles"] as const;

/**
 * Internal: what input that is no UTF-8 text is, by its first bytes: `gzip` (1f 8b, RFC 1952), `zstd` (a
 * zstd frame's magic number 28 b5 2f fd, RFC 8878 §3.1.1: what `zstd` writes), `collector-zstd` (a 4-byte
 * length, then a zstd frame: the OpenTelemetry Collector file exporter's `compression: zstd`, each
 * request a length and a frame, which `zstd -d` cannot read), `utf-16le` / `utf-16be` (a byte order mark
 * ff fe / fe ff, or a `{` followed or preceded by a 0 byte: UTF-16 text, such as Windows PowerShell's `>`
 * writes).
 */
export type PackedKind = "gzip" | "zstd" | "collector-zstd" | "utf-16le" | "utf-16be";

/** What the first bytes `head` of an input say it is when it is no UTF-8 text ({@link PackedKind}). */
function packedKind(head: Buffer): PackedKind | undefined {
  const zstdAt = (at: number) =>
    head.length >= at + 4 &&
    head[at] === 0x28 &&
    head[at + 1] === 0xb5 &&
    head[at + 2] === 0x2f &&
    head[at + 3] === 0xfd;
  if (head.length < 2) return undefined;
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (zstdAt(0)) return "zstd";
  if (zstdAt(4)) return "collector-zstd";
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0x7b && head[1] === 0x00)) return "utf-16le";
  if ((head[0] === 0xfe && head[1] === 0xff) || (head[0] === 0x00 && head[1] === 0x7b)) return "utf-16be";
  return undefined;
}

/** How the reason of a line that does not parse as JSON begins (`not JSON (<the parser's message>)`). */
const NOT_JSON = "not JSON ";

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
    return `${NOT_JSON}(${(err as Error).message})`;
  }
  const resourceSpans = fields(request).resourceSpans;
  if (!Array.isArray(resourceSpans)) {
    if (OTHER_SIGNALS.some((key) => Array.isArray(fields(request)[key]))) {
      reading.otherSignalLines++;
      return undefined;
    }
    return "JSON without a resourceSpans array";
  }
  for (const rs of resourceSpans as unknown[]) {
    const resource = fields(rs);
    const serviceName = attributesOf(fields(resource.resource).attributes)["service.name"];
    const service = typeof serviceName === "string" ? serviceName : "unknown_service";
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

/**
 * An OTLP/JSON id of `bytes` bytes (16 a trace id, 8 a span id) as lower-case hex of `2 * bytes` digits,
 * or `undefined`. Read: hex in any case (OTLP specification, "JSON Protobuf Encoding": ids are hex, not
 * base64), and base64 of exactly `bytes` bytes, standard or URL-safe, padded or not (protobuf's canonical
 * JSON mapping of `bytes`, which a generic protobuf JSON writer gives: 24 characters a trace id, 12 a span
 * id; never the length of the hex form, so never mistaken for it). All zeros is `undefined`: the invalid
 * trace id and span id of W3C Trace Context (§3.2.2.3, §3.2.2.4) and OTLP (`trace_id`, `span_id`: "all
 * zeroes ... is considered invalid"), which a writer may give a root as its parent (a Datadog parent id 0).
 */
function idOf(text: unknown, bytes: number): string | undefined {
  if (typeof text !== "string") return undefined;
  let hex: string;
  if (text.length === 2 * bytes && /^[0-9a-fA-F]+$/.test(text)) hex = text.toLowerCase();
  else {
    const bare = text.replace(/={1,2}$/, "");
    if (bare.length !== Math.ceil((bytes * 4) / 3) || !/^[A-Za-z0-9+/_-]+$/.test(bare)) return undefined;
    const standard = bare.replace(/-/g, "+").replace(/_/g, "/");
    if (text.length !== bare.length && text.length !== 4 * Math.ceil(bytes / 3)) return undefined;
    const decoded = Buffer.from(standard, "base64");
    // Bits past the last byte must be 0 (RFC 4648 §3.5): else the text is no encoding of these bytes.
    if (decoded.length !== bytes || decoded.toString("base64").replace(/=+$/, "") !== standard)
      return undefined;
    hex = decoded.toString("hex");
  }
  return /^0+$/.test(hex) ? undefined : hex;
}

/**
 * An OTLP/JSON time (a string or number of nanoseconds) as a bigint, or `undefined`. A number beyond 2^53
 * (protobuf's JSON mapping lets a writer give an int64 as a number) is read as JSON.parse rounded it,
 * within a microsecond; the string form, which OpenTelemetry's writers use, is exact.
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

/**
 * The span `value` of OTLP/JSON, or `undefined` when its ids or times are not valid, or an attribute value
 * (its own, a link's or an event's) is nested deeper than {@link MAX_VALUE_DEPTH}.
 */
function spanOf(value: unknown, service: string): FileSpan | undefined {
  tooDeep = false;
  const s = fields(value);
  const traceId = idOf(s.traceId, 16);
  const spanId = idOf(s.spanId, 8);
  const startNanos = nanos(s.startTimeUnixNano);
  const endNanos = nanos(s.endTimeUnixNano);
  if (traceId === undefined || spanId === undefined || startNanos === undefined || endNanos === undefined)
    return undefined;
  const links: FileSpan["links"] = [];
  for (const link of arrayOf(s.links)) {
    const linkTrace = idOf(fields(link).traceId, 16);
    const linkSpan = idOf(fields(link).spanId, 8);
    if (linkTrace !== undefined && linkSpan !== undefined)
      links.push({ traceId: linkTrace, spanId: linkSpan, attributes: attributesOf(fields(link).attributes) });
  }
  const events = arrayOf(s.events).map((event) => {
    const e = fields(event);
    return {
      name: typeof e.name === "string" ? e.name : "",
      timeNanos: nanos(e.timeUnixNano),
      attributes: attributesOf(e.attributes),
    };
  });
  const status = fields(s.status);
  const attributes = attributesOf(s.attributes);
  if (tooDeep) return undefined;
  return {
    traceId,
    spanId,
    parentSpanId: idOf(s.parentSpanId, 8),
    name: typeof s.name === "string" ? s.name : "",
    kind: enumValue(s.kind, KIND_NAMES),
    service,
    startNanos,
    endNanos,
    attributes,
    links,
    events,
    statusCode: enumValue(status.code, STATUS_NAMES),
    statusMessage: typeof status.message === "string" && status.message !== "" ? status.message : undefined,
  };
}

/**
 * OTLP/JSON `KeyValue`s as attributes: a plain object (`assert.deepStrictEqual` with an object literal
 * holds), each key an own property (`__proto__` too: Object.fromEntries defines it, never sets the
 * prototype); a key given twice, its last value.
 */
function attributesOf(list: unknown, depth = 0): FileSpanAttributes {
  const entries: [string, FileSpanAttributeValue][] = [];
  for (const attribute of arrayOf(list)) {
    const { key, value } = fields(attribute);
    if (typeof key === "string") entries.push([key, valueOf(value, depth + 1)]);
  }
  return Object.fromEntries(entries);
}

/**
 * The deepest attribute value read, in levels (an attribute's own value is level 1; each `arrayValue` or
 * `kvlistValue` around a value one more): 128. OTLP sets no bound; real values nest a few levels. A span
 * with a value deeper is skipped and counted (`badSpans`): a hostile line is read without overflowing
 * the stack, and the file's other spans are read.
 */
const MAX_VALUE_DEPTH = 128;

/** Set when a value deeper than {@link MAX_VALUE_DEPTH} was met since {@link spanOf} began a span. */
let tooDeep = false;

/** A decimal integer of OTLP/JSON's `intValue` (int64: a string, or a number). */
const INTEGER = /^-?\d{1,20}$/;

/** An OTLP/JSON `AnyValue` as a {@link FileSpanAttributeValue}. */
function valueOf(anyValue: unknown, depth: number): FileSpanAttributeValue {
  if (depth > MAX_VALUE_DEPTH) {
    tooDeep = true;
    return null;
  }
  const value = fields(anyValue);
  if (typeof value.stringValue === "string") return value.stringValue;
  if (typeof value.boolValue === "boolean") return value.boolValue;
  if (value.intValue !== undefined) {
    const int = value.intValue;
    if (typeof int === "number") return int;
    if (typeof int === "string" && INTEGER.test(int)) {
      const big = BigInt(int);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(big)
        : big;
    }
    return String(int);
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (typeof value.bytesValue === "string") return new Uint8Array(Buffer.from(value.bytesValue, "base64"));
  if (value.arrayValue !== undefined)
    return arrayOf(fields(value.arrayValue).values).map((item) => valueOf(item, depth + 1));
  if (value.kvlistValue !== undefined) return attributesOf(fields(value.kvlistValue).values, depth);
  return null;
}

/**
 * Why a spans file cannot be read (`SpansFileError.code`), each in kebab case: `not-found` no such file
 * (the system error, `ENOENT`, is the error's `cause`); `not-a-file` a folder, a device, a named pipe, a
 * socket; `unreadable` opening or reading it failed (permission, a path under a file, a loop of links; the
 * system error is the `cause`); `gzip` it is gzip-compressed; `zstd` it is zstd-compressed (by `zstd`, or
 * the Collector file exporter's `compression: zstd`); `utf-16` it is UTF-16 text, not UTF-8; `not-otlp` no
 * line of it is an OTLP JSON request.
 */
export type SpansFileErrorCode =
  "not-found" | "not-a-file" | "unreadable" | "gzip" | "zstd" | "utf-16" | "not-otlp";

/**
 * The error {@link readSpansFile} and {@link readSpansSince} throw for a file they cannot read as spans.
 * `message`: `spans file "<path>" <reason>; <what to do>`; `reason` alone: `does not exist`, `is a
 * folder, not a regular file`, `cannot be read (EACCES: permission denied, open '…')`, `is
 * gzip-compressed`, `holds no OTLP JSON line: line 1 is not JSON (…)`. `cause`: the system error behind
 * `not-found` and `unreadable` (its `code`: `ENOENT`, `EACCES`, ...).
 */
export class SpansFileError extends Error {
  /** `"SpansFileError"`. */
  override name = "SpansFileError";
  /** Why the file cannot be read as spans (see {@link SpansFileErrorCode}). */
  readonly code: SpansFileErrorCode;
  /** The path given, as given. */
  readonly path: string;
  /** What the file is, the words after its path in the message: `is a folder, not a regular file`. */
  readonly reason: string;
  /**
   * The error for the file at `path`: `code` and `reason` as the fields say, `fix` the words that end the
   * message, saying what to do; `cause` the system error behind it, if any. Thrown by the readers; a
   * caller has no need to make one.
   */
  constructor(code: SpansFileErrorCode, path: string, reason: string, fix: string, cause?: unknown) {
    super(
      `spans file ${JSON.stringify(path)} ${reason}; ${fix}`,
      cause === undefined ? undefined : { cause },
    );
    this.code = code;
    this.path = path;
    this.reason = reason;
  }
}

/**
 * Internal: the error code and reason (the words after the path) of input that is `kind`
 * ({@link PackedKind}), for `tracehop/spans` and `tracehop spans` alike.
 */
export function packedProblem(kind: PackedKind): { code: SpansFileErrorCode; reason: string } {
  switch (kind) {
    case "gzip":
      return { code: "gzip", reason: "is gzip-compressed" };
    case "zstd":
      return { code: "zstd", reason: "is zstd-compressed" };
    case "collector-zstd":
      return {
        code: "zstd",
        reason:
          "is the Collector file exporter's zstd-compressed output (each request a 4-byte length and a zstd frame: no JSON lines, and no file zstd -d reads)",
      };
    default:
      return {
        code: "utf-16",
        reason: `is UTF-16 text (${kind === "utf-16le" ? "little" : "big"}-endian), not UTF-8`,
      };
  }
}

/**
 * Internal: what to do with input that is `kind`: `file` the file as a command names it (quoted, or
 * `FILE`), `reader` the command that reads standard input (`npx tracehop spans -`).
 */
export function packedFix(kind: PackedKind, file: string, reader: string): string {
  const pipe = (command: string) =>
    `decompress it first (${command} ${file} > spans.jsonl), or read it with: ${command} ${file} | ${reader}`;
  switch (kind) {
    case "gzip":
      return pipe("gzip -dc");
    case "zstd":
      return pipe("zstd -dc");
    case "collector-zstd":
      return "leave out the file exporter's compression setting (with format: json it then writes one JSON request a line) and read the file it writes";
    default: {
      const from = kind === "utf-16le" ? "UTF-16LE" : "UTF-16BE";
      return `convert it to UTF-8 first (iconv -f ${from} -t UTF-8 ${file} > spans.jsonl), or read it with: iconv -f ${from} -t UTF-8 ${file} | ${reader}`;
    }
  }
}

/** What to give, ending the messages about a file that cannot be read as spans. */
const GIVE_FILE =
  "give the file startTracing writes (its spansFile option, TRACEHOP_SPANS_FILE) or the Collector file exporter's output (format: json)";

/**
 * Internal (also `tracehop spans`'s): what a file that is not a regular file is, for the messages: `a folder`,
 * `a character device`, `a block device`, `a named pipe`, `a socket`, else `not a regular file`.
 */
export function kindOfFile(stats: Stats): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/** The error of `path`, which is `stats`, no regular file. */
function notRegular(path: string, stats: Stats): SpansFileError {
  return new SpansFileError("not-a-file", path, `is ${kindOfFile(stats)}, not a regular file`, GIVE_FILE);
}

/** How {@link readSpansFile} reads; every field optional. */
export interface ReadSpansFileOptions {
  /**
   * Keeps only the spans this returns true for (a trace's: `(s) => s.traceId === id`): a file larger than
   * memory is read a chunk at a time, and only the spans kept are held. Default: every span. What it
   * throws comes out of the reader as it is.
   */
  keep?: ((span: FileSpan) => boolean) | undefined;
  /**
   * The longest line read, in bytes, its line end not counted: {@link MAX_LINE_BYTES} (64 MiB) by default,
   * what `tracehop spans` reads. A longer line is never held whole: it is skipped (its spans are not
   * read) and `onLongLine` told; when no line before it was OTLP JSON, the file is refused (`not-otlp`).
   */
  maxLineBytes?: number | undefined;
  /**
   * Called with the number (from 1, blank lines counted) of each line skipped for being longer than
   * `maxLineBytes`, once a line, in file order, before the reader returns: its spans are missing from what
   * it returns (counted from the mark for `readSpansSince`). Without it, the skip is said once per process
   * and file as a `TRACEHOP_SPANS_SKIPPED` process warning (docs/warnings.md). To read such a line,
   * give each of its requests a line of its own (docs/export.md, "Reading the spans file from code").
   */
  onLongLine?: ((line: number) => void) | undefined;
}

/** The names of {@link ReadSpansFileOptions}, as a misspelt one is told ("did you mean"). */
const READ_OPTION_NAMES = ["keep", "maxLineBytes", "onLongLine"] as const;

/**
 * The options of `where` (`tracehop readSpansFile`) checked before the file is opened: a plain object of
 * known names (as every tracehop entry point takes options), `keep` and `onLongLine` functions, and the
 * line bound, a positive whole number of bytes (default {@link MAX_LINE_BYTES}), which it returns.
 * @throws TypeError naming the option and what to give, the value given quoted as it was (`got "10"`).
 */
function readOptionsChecked(options: ReadSpansFileOptions, where: string): number {
  assertKnownOptions(options, READ_OPTION_NAMES, where);
  const { keep, maxLineBytes, onLongLine } = options;
  if (keep !== undefined && typeof keep !== "function")
    throw new TypeError(`${where}: keep must be a function (span) => boolean, got ${describeValue(keep)}`);
  if (onLongLine !== undefined && typeof onLongLine !== "function")
    throw new TypeError(
      `${where}: onLongLine must be a function (lineNumber) => void, got ${describeValue(onLongLine)}`,
    );
  if (maxLineBytes === undefined) return MAX_LINE_BYTES;
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1)
    throw new TypeError(
      `${where}: maxLineBytes takes a whole number of bytes, 1 or more (default ${MAX_LINE_BYTES}, 64 MiB), got ${describeValue(maxLineBytes)}`,
    );
  return maxLineBytes;
}

/** A number of bytes as messages say it: `64 MiB`, `100 bytes`. */
function bytesShown(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/** The command that gives each request of a spans file a line of its own (OTLP allows it). */
const SPLIT_REQUESTS = "jq -c '.resourceSpans[] | {resourceSpans: [.]}' FILE";

/** Files whose skipped spans were said: at most this many in a process, then none more. */
const MAX_SKIPPED_WARNINGS = 16;

/**
 * The `TRACEHOP_SPANS_SKIPPED` process warning for what `where` skipped of `path` without a word: lines
 * longer than `maxLineBytes` when no `onLongLine` was given (`longLines`, their numbers), lines of no
 * OTLP JSON among good ones (a last line still being written is no skip), spans without valid ids or
 * times. Once per process and path, for at most {@link MAX_SKIPPED_WARNINGS} paths; nothing when nothing
 * was skipped. Said whether tracing is on or not: reading a file is no tracing.
 */
function warnSkipped(
  where: string,
  path: string,
  reading: SpansReading,
  longLines: readonly number[],
  maxLineBytes: number,
): void {
  const badLines = reading.badLines - (reading.lastLineCut ? 1 : 0);
  if (longLines.length === 0 && badLines === 0 && reading.badSpans === 0) return;
  const key = `spans-skipped:${path}`;
  if (hasWarned(key) || !countWithin("spans-skipped", MAX_SKIPPED_WARNINGS)) return;
  markWarned(key);
  const parts: string[] = [];
  if (longLines.length > 0) {
    const one = longLines.length === 1;
    parts.push(
      `${one ? "1 line" : `${longLines.length} lines`} longer than maxLineBytes (${bytesShown(maxLineBytes)}) ` +
        `(${one ? "" : "the first: "}line ${longLines[0]}; to read ${one ? "it" : "them"}, give each of ${one ? "its" : "their"} ` +
        `requests a line of its own: ${SPLIT_REQUESTS}, or pass onLongLine to be told each line instead)`,
    );
  }
  if (badLines > 0) {
    const first = reading.firstBad!;
    parts.push(
      `${badLines === 1 ? "1 line that is" : `${badLines} lines that are`} no OTLP JSON (line ${first.line} is ${first.reason})`,
    );
  }
  if (reading.badSpans > 0)
    parts.push(
      `${reading.badSpans === 1 ? "1 span" : `${reading.badSpans} spans`} without a valid trace or span id ` +
        "(hex of 32 or 16 digits, not all zeros) or start and end times, or an attribute value nested over 128 levels deep",
    );
  emitSettingWarningOnce(
    `tracehop ${where}: spans of ${quoteLocation(path)} skipped, missing from what it returned: ${parts.join("; ")}`,
    "TRACEHOP_SPANS_SKIPPED",
  );
}

/** Bytes of a file's start, and of its end before a mark, that a mark's fingerprint covers: 64 KiB each. */
const FINGERPRINT_BYTES = 1 << 16;

/**
 * The fingerprint of the open file `fd` as it was at `size` bytes: SHA-256 (hex) of its first
 * min(size, 64 KiB) bytes and of its last 64 KiB before `size` (those not in the first); `undefined` when
 * fewer than `size` bytes can be read (the file is shorter now).
 * @throws what `readSync` throws.
 */
function fingerprintOf(fd: number, size: number): string | undefined {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(FINGERPRINT_BYTES);
  const window = (from: number, to: number): boolean => {
    for (let at = from; at < to;) {
      const n = readSync(fd, buffer, 0, Math.min(FINGERPRINT_BYTES, to - at), at);
      if (n === 0) return false;
      hash.update(buffer.subarray(0, n));
      at += n;
    }
    return true;
  };
  const head = Math.min(size, FINGERPRINT_BYTES);
  if (!window(0, head) || !window(Math.max(head, size - FINGERPRINT_BYTES), size)) return undefined;
  return hash.digest("hex");
}

/** True when the byte before `offset` of the open file `fd` is no line end: the mark fell inside a line. */
function midLine(fd: number, offset: number): boolean {
  if (offset === 0) return false;
  const byte = Buffer.alloc(1);
  return readSync(fd, byte, 0, 1, offset - 1) === 1 && byte[0] !== 0x0a;
}

/**
 * True when the regular file open as `fd` (`stats` its fstat) is still the file `mark` was taken of, grown
 * or as it was: the same inode (and device, when the mark has it), no shorter than the mark, and its bytes
 * before the mark still those the mark's fingerprint covers (when it has one).
 */
function sameFile(fd: number, stats: Stats, mark: SpansFileMark): boolean {
  return (
    stats.ino === mark.ino &&
    (mark.dev === undefined || stats.dev === mark.dev) &&
    stats.size >= mark.size &&
    (mark.fingerprint === undefined || fingerprintOf(fd, mark.size) === mark.fingerprint)
  );
}

/**
 * Reads the spans of `path` (from `mark` on, when given and it is of this file) to where the file ended
 * when it was opened: the spans, and whether the file is another than the one marked.
 * @throws SpansFileError as readSpansFile says.
 */
function readFileFrom(
  path: string,
  options: ReadSpansFileOptions,
  where: string,
  mark?: SpansFileMark,
): { spans: FileSpan[]; replaced: boolean } {
  if (typeof path !== "string" || path === "")
    throw new TypeError(
      `${where}: ${describeValue(path)} is no path; give the spans file's path (a non-empty string)`,
    );
  const maxLineBytes = readOptionsChecked(options, `tracehop ${where}`);
  const longLines: number[] = [];
  let fd: number | undefined;
  let reading: SpansReading;
  let replaced = false;
  // An error of the caller's `keep` is theirs: it comes out as it is, never said as a file unreadable.
  let keepFailed: { error: unknown } | undefined;
  const { keep } = options;
  const keepSpan =
    keep === undefined
      ? undefined
      : (span: FileSpan): boolean => {
          try {
            return keep(span);
          } catch (error) {
            keepFailed = { error };
            throw error;
          }
        };
  try {
    // O_NONBLOCK: a named pipe at the path would otherwise hold this process until a writer comes.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notRegular(path, stats);
    const file = fd;
    // The file opened is the one compared with the mark and read: no other can take its path between.
    let offset = 0;
    if (mark !== undefined && mark.ino !== 0) {
      if (sameFile(file, stats, mark)) offset = mark.size;
      else replaced = true;
    }
    let position = offset;
    reading = readSpans(
      {
        read: (buffer, at, length) => {
          const n = readSync(file, buffer, at, length, position);
          position += n;
          return n;
        },
      },
      keepSpan,
      {
        maxBytes: Math.max(0, stats.size - offset),
        maxLineBytes,
        onLongLine: (line) => longLines.push(line),
        afterMark: offset > 0 ? { midLine: midLine(file, offset) } : undefined,
      },
    );
  } catch (err) {
    if (keepFailed !== undefined) throw keepFailed.error;
    if (err instanceof SpansFileError) throw err;
    const { code } = err as NodeJS.ErrnoException;
    if (code === "ENOENT")
      throw new SpansFileError(
        "not-found",
        path,
        "does not exist",
        `${GIVE_FILE}, after a process wrote spans`,
        err,
      );
    // A socket or a folder refused by open: said as what it is.
    let stats: Stats | undefined;
    try {
      stats = statSync(path);
    } catch {
      stats = undefined;
    }
    if (stats !== undefined && !stats.isFile()) throw notRegular(path, stats);
    const message =
      String((err as Error | null)?.message ?? err)
        .split("\n")[0]!
        .trim() || String(code);
    throw new SpansFileError(
      "unreadable",
      path,
      `cannot be read (${message})`,
      `make it readable, or ${GIVE_FILE}`,
      err,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (reading.packed !== undefined) {
    const { code, reason } = packedProblem(reading.packed);
    const file = JSON.stringify(path);
    throw new SpansFileError(code, path, reason, packedFix(reading.packed, file, "npx tracehop spans -"));
  }
  if (reading.stoppedAtLong)
    throw new SpansFileError(
      "not-otlp",
      path,
      `holds no OTLP JSON line: line ${reading.firstLong} runs past ${bytesShown(maxLineBytes)} without a line end`,
      GIVE_FILE,
    );
  // A last line still being written is no sign of another kind of file.
  const complete = reading.lines - (reading.lastLineCut ? 1 : 0);
  if (complete > 0 && reading.badLines - (reading.lastLineCut ? 1 : 0) === complete) {
    const first = reading.firstBad!;
    throw new SpansFileError(
      "not-otlp",
      path,
      `holds no OTLP JSON line: line ${first.line} is ${first.reason}`,
      GIVE_FILE,
    );
  }
  if (options.onLongLine !== undefined) for (const line of longLines) options.onLongLine(line);
  warnSkipped(where, path, reading, options.onLongLine === undefined ? longLines : [], maxLineBytes);
  return { spans: reading.spans, replaced };
}

/**
 * Reads every span of the OTLP JSON-lines file `path`: what startTracing writes (its `spansFile` option,
 * TRACEHOP_SPANS_FILE) and what the OpenTelemetry Collector's file exporter writes with `format: json`,
 * one `ExportTraceServiceRequest` per line (docs/export.md, "Reading the spans file from code").
 * The file is read 64 KiB at a time up to where it ended when opened, never held whole; only the spans
 * `options.keep` accepts are kept. Rules of the format (OTLP specification, "JSON Protobuf Encoding"):
 * trace and span ids are hex, not base64 (read in any case, given in lower case; base64 of 16 or 8 bytes,
 * protobuf's canonical JSON mapping that generic writers give, is read too: its length is never a hex
 * id's); times are strings (or
 * numbers) of nanoseconds since the Unix epoch, read as exact bigints; kinds and status codes are numbers
 * or their enum names (`SPAN_KIND_SERVER`); `scopeSpans`, or `instrumentationLibrarySpans` of older
 * writers; an attribute's `AnyValue` as {@link FileSpanAttributeValue} says. A byte order mark is skipped.
 * Lines of the other signals' requests (`resourceLogs`, `resourceMetrics`, `resourceProfiles`: a Collector
 * file exporter's file shared by several pipelines) hold no spans: skipped without a word.
 * Blank lines, a line that is no OTLP JSON request (a last line without a line end that does not parse as
 * JSON is taken as cut short by a writer still writing: neither a skip said nor a reason to refuse the
 * file; one that parses is a complete line, judged as any other)
 * and a span without valid ids or times (an id of all zeros is invalid: W3C Trace Context, OTLP; a parent
 * span id of zeros is no parent) are skipped. A line longer than `options.maxLineBytes` (64 MiB,
 * {@link MAX_LINE_BYTES}) is skipped without being held and `options.onLongLine` told its number (without
 * it, a `TRACEHOP_SPANS_SKIPPED` process warning, once per process and file, which also says lines of no
 * OTLP JSON among good ones and spans skipped for their ids or times). Spans
 * come in file order, each as often as the file holds it (a file written twice over holds each twice);
 * `groupTraces` groups them by trace and keeps a span id read again once.
 * @returns the spans, `[]` for an empty file.
 * @throws SpansFileError when the file cannot be read as spans, its `code` saying why: `not-found`,
 *   `not-a-file` (a folder, a device such as /dev/null, a named pipe: never waited on), `unreadable`,
 *   `gzip` (starts with gzip's magic bytes 1f 8b, RFC 1952), `zstd` (a zstd frame, RFC 8878, at its
 *   start or after a 4-byte length: the Collector file exporter's `compression: zstd`), `utf-16` (a UTF-16
 *   byte order mark, or a `{` beside a 0 byte), each message giving the command that reads it; `not-otlp` (no line of it is an OTLP JSON
 *   request: another kind of file; or its first line runs past `maxLineBytes`). Its message says what to
 *   do. A TypeError, before the file is opened, when `path` is not a non-empty string, `options` is not
 *   a plain object or names an option it does not have (`tracehop readSpansFile: there is no option
 *   "keeep"; did you mean keep?`, as every tracehop entry point says it), `keep` or `onLongLine` is not
 *   a function, or `options.maxLineBytes` is not a whole number of bytes, 1 or more (the value quoted
 *   as given: `got "10"`).
 */
export function readSpansFile(path: string, options: ReadSpansFileOptions = {}): FileSpan[] {
  return readFileFrom(path, options, "readSpansFile").spans;
}

/**
 * Where a spans file ended at a moment ({@link spansFileMark}): which file (its inode and device, 0 when
 * there was none), its size in bytes, and a fingerprint of its bytes then.
 */
export interface SpansFileMark {
  /** The file's inode number (`fs.Stats.ino`); 0 when there was no file. */
  ino: number;
  /** Its size in bytes then. */
  size: number;
  /** The device holding it (`fs.Stats.dev`); not compared when left out (a mark of `{ ino, size }`). */
  dev?: number | undefined;
  /**
   * SHA-256 (64 lower-case hex digits) of its first 64 KiB and of its last 64 KiB before `size`; not
   * compared when left out. Opaque: give back what spansFileMark returned.
   */
  fingerprint?: string | undefined;
}

/**
 * Where the spans file `path` ends now, to read later what was written after it with
 * {@link readSpansSince}: its inode, device and size in bytes, and a fingerprint of its first and last
 * 64 KiB (SHA-256; at most 128 KiB read, whatever its size); `{ ino: 0, size: 0 }` when there is none yet
 * or it cannot be looked at (ENOTDIR, ELOOP, EACCES). Never throws.
 */
export function spansFileMark(path: string): SpansFileMark {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = fstatSync(fd);
    const mark: SpansFileMark = { ino: stats.ino, size: stats.size, dev: stats.dev };
    if (stats.isFile()) {
      const fingerprint = fingerprintOf(fd, stats.size);
      if (fingerprint !== undefined) mark.fingerprint = fingerprint;
    }
    return mark;
  } catch {
    // Not there, or not to be opened (permission): as stat sees it, else no file.
    try {
      const stats = statSync(path, { throwIfNoEntry: false });
      if (stats !== undefined) return { ino: stats.ino, size: stats.size, dev: stats.dev };
    } catch {
      // ENOTDIR, ELOOP, a path that is no text: no file.
    }
    return { ino: 0, size: 0 };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** True when `value` is a whole number, 0 or more (an inode or device number past 2^53 included). */
function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/**
 * The spans written to `path` since `mark` ({@link spansFileMark}): a test's own run in a file other runs
 * appended to. Read from byte `mark.size` on in the file marked; the whole file when `path` is another file
 * now (`replaced`): another inode or device (rotated by rename, or removed and made again), shorter than
 * the mark (truncated), or its bytes before the mark no longer those marked (cut and written again past
 * the mark's size; removed and made again in the inode freed: the fingerprint of its first and last 64 KiB
 * before the mark differs). Not seen: a file whose first and last 64 KiB before the mark are the same
 * bytes in the same inode (written again identically there, or changed only in its middle), which is read
 * from the mark; a mark of `{ ino, size }` alone (made by hand, or by an earlier version) is compared by
 * inode and size only. A mark that fell inside a line a writer was still writing: that line was being
 * exported before the mark and is not read. A mark of no file (`ino` 0) reads the whole file. The file is
 * opened once: the file compared with the mark is the file read. Line numbers (`onLongLine`) count from
 * the mark (from the file's start when it is read whole).
 * The format, what is skipped and the options (`keep`, `maxLineBytes`, `onLongLine`): {@link readSpansFile};
 * but after a mark a first line longer than `maxLineBytes` is skipped and told as any other (the file's
 * start was before the mark), not refused.
 * @returns `{ spans, replaced }`: the spans read, in file order, as {@link readSpansFile} gives them; and
 *   `replaced`, true when the whole file was read because `path` is another file than the one marked.
 * @throws SpansFileError as readSpansFile does (the file removed since: `not-found`); a TypeError for a
 *   `path` that is not a non-empty string, a `mark` that is not `{ ino, size }` of whole numbers 0 or more
 *   (with `dev` a whole number and `fingerprint` 64 hex digits when given), or a `maxLineBytes` that is not
 *   a whole number of bytes, 1 or more; options refused as readSpansFile refuses them.
 */
export function readSpansSince(
  path: string,
  mark: SpansFileMark,
  options: ReadSpansFileOptions = {},
): { spans: FileSpan[]; replaced: boolean } {
  if (
    typeof mark !== "object" ||
    mark === null ||
    !isCount(mark.ino) ||
    !isCount(mark.size) ||
    !Number.isSafeInteger(mark.size) ||
    (mark.dev !== undefined && !isCount(mark.dev)) ||
    (mark.fingerprint !== undefined &&
      (typeof mark.fingerprint !== "string" || !/^[0-9a-f]{64}$/.test(mark.fingerprint)))
  )
    throw new TypeError(
      `readSpansSince: ${describeValue(mark)} is no mark; give what spansFileMark(path) returned before the run`,
    );
  return readFileFrom(path, options, "readSpansSince", mark);
}
