/**
 * The pieces that say an OTLP export's failure: the collector's answer an export failed with, and
 * warnings given in one line whatever the error messages put into them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { channel } from "node:diagnostics_channel";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPExporterError } from "@opentelemetry/otlp-exporter-base";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { CollectorAnswers } from "../../src/tracing/CollectorAnswers.js";
import { FailureRecordingExporter } from "../../src/tracing/FailureRecordingExporter.js";
import { warnOnce } from "../../src/warn-once.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const TRACES_URL = "http://127.0.0.1:4318/v1/traces";

/** Publishes on Node's HTTP client response channel what a collector's `status` answer to the exporter gives. */
function collectorAnswers(status: number, statusMessage: string): void {
  const request = {
    path: "/v1/traces",
    protocol: "http:",
    getHeader: (name: string) =>
      name === "host"
        ? "127.0.0.1:4318"
        : name === "user-agent"
          ? "OTel-OTLP-Exporter-JavaScript/2.0.0"
          : undefined,
  };
  const response = { statusCode: status, statusMessage, headers: {} };
  channel("http.client.response.finish").publish({ request, response });
}

/** An exporter whose every export fails as otlp-exporter-base's does after a retryable status. */
function failingExporter(answer?: () => void): SpanExporter {
  return {
    export(_spans: ReadableSpan[], done: (result: ExportResult) => void) {
      answer?.();
      done({
        code: ExportResultCode.FAILED,
        error: new OTLPExporterError("Export failed with retryable status"),
      });
    },
    shutdown: () => Promise.resolve(),
  };
}

function exportError(exporter: SpanExporter): Promise<string | undefined> {
  return new Promise((resolve) => exporter.export([], (result) => resolve(result.error?.message)));
}

test("a retryable status is named for the export it answered, never for a later export it did not", async () => {
  const answers = new CollectorAnswers(TRACES_URL);
  const answered = new FailureRecordingExporter(
    failingExporter(() => collectorAnswers(503, "Service Unavailable")),
    answers,
  );
  try {
    assert.equal(
      await exportError(answered),
      "HTTP 503 Service Unavailable, a retryable status: the exporter gave up retrying",
    );
    // A later export whose failure came with no answer of the collector (none was seen since it began).
    const later = new FailureRecordingExporter(failingExporter(), answers);
    assert.equal(await exportError(later), "Export failed with retryable status");
  } finally {
    answered.stopWatching();
  }
});

test("warnOnce says a message in one line, whatever line breaks an error put into it", async () => {
  resetWarnings();
  const told = await recordWarnings(() =>
    warnOnce(
      "one line",
      "tracehop: it failed: write EPROTO ...:355:\n; those spans are lost",
      "TRACEHOP_TEST",
    ),
  );
  assert.deepEqual(told.processWarnings, [
    ["TRACEHOP_TEST", "tracehop: it failed: write EPROTO ...:355: ; those spans are lost"],
  ]);
  assert.deepEqual(told.diagWarnings, ["tracehop: it failed: write EPROTO ...:355: ; those spans are lost"]);
});
