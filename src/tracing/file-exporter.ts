import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/**
 * SpanExporter that appends each batch as one line of OTLP JSON (an ExportTraceServiceRequest, the
 * Collector file exporter's format) to `path`. Each batch is written with one `appendFileSync` call on
 * a file opened with O_APPEND, so several processes can share one file without interleaving lines.
 * A write failure is reported as a failed export, never thrown.
 */
export class JsonLinesFileSpanExporter implements SpanExporter {
  private _stopped = false;

  constructor(private readonly _path: string) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this._stopped)
      return resultCallback({ code: ExportResultCode.FAILED, error: new Error("exporter shut down") });
    try {
      const body = JsonTraceSerializer.serializeRequest(spans);
      if (!body) throw new Error("OTLP JSON serialization failed");
      mkdirSync(dirname(this._path), { recursive: true });
      appendFileSync(this._path, Buffer.concat([Buffer.from(body), Buffer.from("\n")]));
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  shutdown(): Promise<void> {
    this._stopped = true;
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
