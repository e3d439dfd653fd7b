import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type * as OtlpTransformer from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { describeValue } from "../describe-value.js";
import { otlpTransformer } from "./sdk-modules.js";

/** The OTLP JSON serializer, loaded by the first export (see sdk-modules.ts). */
let serializer: typeof OtlpTransformer.JsonTraceSerializer | undefined;

/** Line terminator written after each request (JSON Lines). */
const NEWLINE = Buffer.from("\n");

/**
 * SpanExporter that appends each batch of spans to a file as one line of OTLP JSON: an
 * ExportTraceServiceRequest (`{"resourceSpans":[...]}`, hex trace and span ids) encoded as the OTLP
 * specification's JSON Protobuf Encoding describes, followed by `\n`. That is the format of the
 * OpenTelemetry Collector's file exporter (`format: json`), so `tracehop inspect` reads either.
 *
 * Several processes may append to one file: each batch is written by a single `appendFileSync`
 * (open with O_APPEND, one write of the whole line), so lines never interleave on a local POSIX
 * file system (O_APPEND is not atomic on NFS). The parent directory is created on first use.
 *
 * Never throws from `export`: a serialization or write failure is reported as a FAILED
 * ExportResult (the BatchSpanProcessor logs it through `diag`), so tracing never fails the
 * application. After `shutdown()` every export fails.
 */
export class JsonLinesFileSpanExporter implements SpanExporter {
  private _stopped = false;
  private _directoryReady = false;
  private readonly _path: string;

  /**
   * @param path file to append to (relative paths resolve against the working directory at each write).
   * @throws TypeError when `path` is not a non-empty string.
   */
  constructor(path: string) {
    if (typeof path !== "string" || path === "")
      throw new TypeError(
        `JsonLinesFileSpanExporter: path must be a non-empty string (got ${describeValue(path)})`,
      );
    this._path = path;
  }

  /** Appends `spans` as one line; reports the outcome through `resultCallback` (synchronously). */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this._stopped)
      return resultCallback({ code: ExportResultCode.FAILED, error: new Error("exporter is shut down") });
    if (spans.length === 0) return resultCallback({ code: ExportResultCode.SUCCESS });
    try {
      serializer ??= otlpTransformer().JsonTraceSerializer;
      const body = serializer.serializeRequest(spans);
      if (!body) throw new Error("OTLP JSON serialization produced nothing");
      if (!this._directoryReady) {
        mkdirSync(dirname(this._path), { recursive: true });
        this._directoryReady = true;
      }
      appendFileSync(this._path, Buffer.concat([body, NEWLINE], body.length + 1));
    } catch (error) {
      return resultCallback({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Stops the exporter; later exports fail. Nothing is buffered here, so nothing is lost. */
  shutdown(): Promise<void> {
    this._stopped = true;
    return Promise.resolve();
  }

  /** Nothing to flush: every export is written before its callback runs. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
