/**
 * tracehop/spans: read back the spans file startTracing writes (its spansFile option, TRACEHOP_SPANS_FILE)
 * or the OpenTelemetry Collector's file exporter writes with `format: json` (OTLP JSON lines, one
 * ExportTraceServiceRequest per line), to assert in a test that a pipeline keeps one trace, or to print a
 * trace as `tracehop spans` does. Exact ids and times: hex ids, their Datadog decimal form, bigint
 * nanoseconds. Node.js only (it reads files). See docs/export.md, "Reading the spans file from code".
 */
export {
  MAX_LINE_BYTES,
  readSpansFile,
  readSpansSince,
  spansFileMark,
  SpansFileError,
  type FileSpan,
  type ReadSpansFileOptions,
  type FileSpanAttributes,
  type FileSpanAttributeValue,
  type SpansFileErrorCode,
  type SpansFileMark,
} from "./read.js";
export {
  datadogTraceId,
  formatTraceTree,
  groupTraces,
  traceIdLine,
  type FileTrace,
  type FormatTraceTreeOptions,
} from "./tree.js";
