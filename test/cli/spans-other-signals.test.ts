// `tracehop spans` on a Collector file exporter's file shared by several pipelines (OTLP JSON lines of
// logs and metrics beside the spans, from the OpenTelemetry JS SDK's own serializers), and on files that
// are no UTF-8 text (zstd-compressed, by the zstd CLI or the Collector's framing; UTF-16 from standard
// input). Real files in a temporary folder, the built bin in a child process.
import assert from "node:assert/strict";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { JsonLogsSerializer, JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { logs, metrics } from "@opentelemetry/sdk-node";
import { tempDir } from "../support/temp-dir.js";
import { runBin } from "./run-cli.js";

const TRACE = "5b8efff798038103d269b633813fc60c";

/** One ExportTraceServiceRequest line of a root span `name` (`id`) of the service h10-api. */
function spanLine(id: string, name: string): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "h10-api" } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: TRACE,
                spanId: id,
                name,
                kind: 2,
                startTimeUnixNano: "1544712660000000000",
                endTimeUnixNano: "1544712660001000000",
              },
            ],
          },
        ],
      },
    ],
  });
}

/** A line of a real log record and a line of a real counter, as the SDK's OTLP/JSON serializers write them. */
async function otherSignalLines(): Promise<[string, string]> {
  const exporter = new logs.InMemoryLogRecordExporter();
  const loggers = new logs.LoggerProvider({ processors: [new logs.SimpleLogRecordProcessor({ exporter })] });
  loggers.getLogger("h10").emit({ body: "job done", severityText: "INFO" });
  await loggers.forceFlush();
  class Reader extends metrics.MetricReader {
    protected override async onForceFlush(): Promise<void> {}
    protected override async onShutdown(): Promise<void> {}
  }
  const reader = new Reader();
  const meters = new metrics.MeterProvider({ readers: [reader] });
  meters.getMeter("h10").createCounter("jobs").add(1);
  const { resourceMetrics } = await reader.collect();
  await meters.shutdown();
  const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
  return [
    decode(JsonLogsSerializer.serializeRequest(exporter.getFinishedLogRecords())),
    decode(JsonMetricsSerializer.serializeRequest(resourceMetrics)),
  ];
}

test("tracehop spans on a Collector file of several pipelines: the trace printed, the lines of logs and metrics skipped without a word", async (t) => {
  const dir = tempDir(t, "h10-cli-signals");
  const [logsLine, metricsLine] = await otherSignalLines();
  assert.match(logsLine, /^\{"resourceLogs":\[/);
  assert.match(metricsLine, /^\{"resourceMetrics":\[/);
  const file = join(dir, "collector.jsonl");
  writeFileSync(
    file,
    [logsLine, spanLine("00f067aa0ba902b7", "POST /jobs"), metricsLine, logsLine].join("\n") + "\n",
  );
  const result = runBin(["spans", file]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.match(result.stdout, /\nh10-api {2}POST \/jobs {2}server {2}1\.0 ms\n$/);

  // Logs and metrics alone: no spans (exit 1), said with what the lines are, not as a file of another kind.
  const only = join(dir, "no-spans-yet.jsonl");
  writeFileSync(only, [logsLine, metricsLine].join("\n") + "\n");
  assert.deepEqual(runBin(["spans", only]), {
    code: 1,
    stdout: "",
    stderr: `tracehop spans: "${only}" holds no spans (its 2 lines of OTLP JSON are logs, metrics or profiles)\n`,
  });
});

test("tracehop spans on a zstd-compressed file and on UTF-16 from standard input: said what it is and the command that reads it, exit 2", (t) => {
  const dir = tempDir(t, "h10-cli-packed");
  // A zstd frame's magic number (RFC 8878 §3.1.1) and a frame header: the file needs no valid frame to be told.
  const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x04, 0x21, 0x00, 0x00, 0x7b, 0x7d, 0x0a]);
  const zst = join(dir, "spans.jsonl.zst");
  writeFileSync(zst, frame);
  assert.deepEqual(runBin(["spans", zst]), {
    code: 2,
    stdout: "",
    stderr: `tracehop spans: "${zst}" is zstd-compressed; decompress it as it is read: zstd -dc "${zst}" | tracehop spans -\n`,
  });
  const collector = join(dir, "collector.json");
  writeFileSync(collector, Buffer.concat([Buffer.from([0, 0, 0, frame.length]), frame]));
  assert.deepEqual(runBin(["spans", collector]), {
    code: 2,
    stdout: "",
    stderr:
      `tracehop spans: "${collector}" is the Collector file exporter's zstd-compressed output (each request a 4-byte length and a zstd frame: no JSON lines, and no file zstd -d reads); ` +
      "leave out the file exporter's compression setting (with format: json it then writes one JSON request a line) and read the file it writes\n",
  });
  const utf16 = join(dir, "utf16.jsonl");
  writeFileSync(
    utf16,
    Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(spanLine("00f067aa0ba902b7", "x") + "\n", "utf16le"),
    ]),
  );
  const stdin = openSync(utf16, "r");
  const result = runBin(["spans", "-"], { stdin });
  closeSync(stdin);
  assert.deepEqual(result, {
    code: 2,
    stdout: "",
    stderr:
      "tracehop spans: standard input is UTF-16 text (little-endian), not UTF-8; convert it as it is read: iconv -f UTF-16LE -t UTF-8 FILE | tracehop spans -\n",
  });
});
