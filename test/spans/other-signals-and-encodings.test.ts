// What a spans file holds besides spans, and files that are no UTF-8 text, as tracehop/spans reads them:
// the OTLP JSON lines of logs, metrics and profiles a Collector file exporter shared by several pipelines
// writes beside its spans (made by the OpenTelemetry JS SDK's own serializers from real log records and
// metrics), ids in base64 (protobuf's canonical JSON mapping of bytes), and files compressed with gzip or
// zstd (the zstd CLI's and the Collector file exporter's framing) or written in UTF-16. Real files in a
// temporary folder; the zstd frames are the zstd CLI's when it is installed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { SpanKind } from "@opentelemetry/api";
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { logs, metrics } from "@opentelemetry/sdk-node";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { readSpansFile, SpansFileError, type SpansFileErrorCode } from "../../src/spans/index.js";
import { tempDir } from "../support/temp-dir.js";
import { tracehopWarningsOf } from "../support/warnings.js";

const RESOURCE = resourceFromAttributes({ "service.name": "h10-api" });

/** One ExportTraceServiceRequest line of a real span (`name`), as the JS SDK's OTLP/JSON serializer writes it. */
async function traceLine(name: string): Promise<{ line: string; traceId: string; spanId: string }> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: RESOURCE,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  provider.getTracer("h10").startSpan(name, { kind: SpanKind.SERVER }).end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  const line = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans));
  const { traceId, spanId } = spans[0]!.spanContext();
  return { line, traceId, spanId };
}

/** One ExportLogsServiceRequest line of a real log record (with a trace's ids), as the SDK's serializer writes it. */
async function logsLine(): Promise<string> {
  const exporter = new logs.InMemoryLogRecordExporter();
  const provider = new logs.LoggerProvider({
    resource: RESOURCE,
    processors: [new logs.SimpleLogRecordProcessor({ exporter })],
  });
  provider.getLogger("h10").emit({ body: "job done", severityText: "INFO", attributes: { "job.id": 7 } });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  assert.equal(records.length, 1);
  return new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records));
}

/** One ExportMetricsServiceRequest line of a real counter, as the SDK's serializer writes it. */
async function metricsLine(): Promise<string> {
  class Reader extends metrics.MetricReader {
    protected override async onForceFlush(): Promise<void> {}
    protected override async onShutdown(): Promise<void> {}
  }
  const reader = new Reader();
  const provider = new metrics.MeterProvider({ resource: RESOURCE, readers: [reader] });
  provider.getMeter("h10").createCounter("jobs").add(3, { queue: "h10-jobs" });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(resourceMetrics));
}

/**
 * One ExportProfilesServiceRequest line (opentelemetry-proto `collector/profiles/v1development`; no JS SDK
 * writes profiles): its `resourceProfiles` and the `dictionary` its samples index into.
 */
const PROFILES_LINE = JSON.stringify({
  resourceProfiles: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "h10-api" } }] },
      scopeProfiles: [
        {
          scope: { name: "h10" },
          profiles: [
            {
              profileId: "0102030405060708090a0b0c0d0e0f10",
              timeUnixNano: "1544712660000000000",
              durationNano: "1000000",
              sample: [{ stackIndex: 1, values: ["3"] }],
            },
          ],
        },
      ],
    },
  ],
  dictionary: { stringTable: ["", "cpu", "nanoseconds"] },
});

/** The SpansFileError `readSpansFile(path)` throws (fails when it returns). */
function errorOf(path: string): SpansFileError {
  try {
    readSpansFile(path);
  } catch (err) {
    assert.ok(err instanceof SpansFileError, String(err));
    return err;
  }
  assert.fail(`readSpansFile(${path}) returned`);
}

/** The TRACEHOP_* process warnings `call` gives ({@link tracehopWarningsOf}), as text. */
async function warningsOf(call: () => void): Promise<string[]> {
  return (await tracehopWarningsOf(call)).map((w) => `${w.code}: ${w.message}`);
}

test("a Collector file shared by several pipelines (lines of logs, metrics and profiles beside spans): the spans read, the other lines skipped without a warning", async (t) => {
  const dir = tempDir(t, "h10-signals");
  const first = await traceLine("POST /jobs");
  const second = await traceLine("process jobs");
  const lines = [
    await logsLine(),
    first.line,
    await metricsLine(),
    PROFILES_LINE,
    second.line,
    await logsLine(),
  ];
  assert.match(lines[0]!, /^\{"resourceLogs":\[/);
  assert.match(lines[2]!, /^\{"resourceMetrics":\[/);
  const file = join(dir, "collector.jsonl");
  writeFileSync(file, lines.join("\n") + "\n");
  let spans: ReturnType<typeof readSpansFile> = [];
  const warnings = await warningsOf(() => (spans = readSpansFile(file)));
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    spans.map((s) => [s.traceId, s.spanId, s.name, s.service, s.kind]),
    [
      [first.traceId, first.spanId, "POST /jobs", "h10-api", 2],
      [second.traceId, second.spanId, "process jobs", "h10-api", 2],
    ],
  );

  // A file of other signals alone (spans not yet received): no spans, no refusal, no warning.
  const only = join(dir, "logs-and-metrics.jsonl");
  writeFileSync(only, [await logsLine(), await metricsLine(), PROFILES_LINE].join("\n") + "\n");
  let none: ReturnType<typeof readSpansFile> | undefined;
  assert.deepEqual(await warningsOf(() => (none = readSpansFile(only))), []);
  assert.deepEqual(none, []);

  // A line of JSON that is no OTLP request among them is still said (the warning that was said of every line above).
  const mixed = join(dir, "mixed.jsonl");
  writeFileSync(mixed, [await logsLine(), first.line, '{"resourceEvents":[]}'].join("\n") + "\n");
  const said = await warningsOf(() => readSpansFile(mixed));
  assert.equal(said.length, 1);
  assert.match(
    said[0]!,
    /^TRACEHOP_SPANS_SKIPPED: .* 1 line that is no OTLP JSON \(line 3 is JSON without a resourceSpans array\)$/,
  );
});

/** The base64 of the hex `hex`, standard with padding (protobuf's canonical JSON mapping). */
const base64Of = (hex: string) => Buffer.from(hex, "hex").toString("base64");

test("ids in base64 (protobuf's canonical JSON mapping of bytes), standard or URL-safe, padded or not: read as the hex ids they encode", (t) => {
  const dir = tempDir(t, "h10-base64");
  // Bytes whose base64 holds + and / (URL-safe: - and _).
  const traceHex = "fbeffbeffbeffbeffbeffbeffbeffbef";
  const spanHex = "fbff00000000000a";
  const parentHex = "0000000000000001";
  const linkHex = "00f0000000000000";
  const trace64 = base64Of(traceHex);
  assert.match(trace64, /^[A-Za-z0-9+/]{22}==$/);
  const urlSafe = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const spanLine = (traceId: string, spanId: string, parentSpanId: string, linkSpan: string) =>
    JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId,
                  parentSpanId,
                  name: "x",
                  startTimeUnixNano: "1",
                  endTimeUnixNano: "2",
                  links: [{ traceId, spanId: linkSpan }],
                },
              ],
            },
          ],
        },
      ],
    });
  const file = join(dir, "base64.jsonl");
  writeFileSync(
    file,
    [
      spanLine(trace64, base64Of(spanHex), base64Of(parentHex), base64Of(linkHex)),
      spanLine(
        urlSafe(trace64),
        urlSafe(base64Of(spanHex)),
        urlSafe(base64Of(parentHex)),
        urlSafe(base64Of(linkHex)),
      ),
    ].join("\n") + "\n",
  );
  const expected = {
    traceId: traceHex,
    spanId: spanHex,
    parentSpanId: parentHex,
    links: [{ traceId: traceHex, spanId: linkHex, attributes: {} }],
  };
  assert.deepEqual(
    readSpansFile(file).map(({ traceId, spanId, parentSpanId, links }) => ({
      traceId,
      spanId,
      parentSpanId,
      links,
    })),
    [expected, expected],
  );
});

test("base64 that encodes no id of the right length, all zeros, or with bits set past the last byte: the span skipped as any invalid id", async (t) => {
  const dir = tempDir(t, "h10-base64-bad");
  const good = "AAAAAAAAAAAAAAAAAAAAAQ=="; // 16 bytes, ...01
  const cases: [string, string][] = [
    ["AAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAE="], // trace id of zeros
    [good, "AAAAAAAAAAA="], // span id of zeros
    ["AAAAAAAAAAAAAAAAAAAAAR==", "AAAAAAAAAAE="], // bits past the 16th byte (R = 010001)
    [good, "AAAAAAAAAAF="], // bits past the 8th byte (F = 000101)
    ["AAAAAAAAAAAAAAAAAAAAAAE=", "AAAAAAAAAAE="], // 17 bytes
    [good, "AAAAAAAAAA=="], // 7 bytes
    [good, "AAAAAAAA AAE="], // a space inside
    [good, "AAAAAAAAAAE"], // fine: 11 characters unpadded (kept as the one good span)
  ];
  const file = join(dir, "bad.jsonl");
  writeFileSync(
    file,
    cases
      .map(([traceId, spanId]) =>
        JSON.stringify({
          resourceSpans: [
            { scopeSpans: [{ spans: [{ traceId, spanId, startTimeUnixNano: "1", endTimeUnixNano: "2" }] }] },
          ],
        }),
      )
      .join("\n") + "\n",
  );
  let spans: ReturnType<typeof readSpansFile> = [];
  const warnings = await warningsOf(() => (spans = readSpansFile(file)));
  assert.deepEqual(
    spans.map((s) => [s.traceId, s.spanId]),
    [["00000000000000000000000000000001", "0000000000000001"]],
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /7 spans without a valid trace or span id/);
});

/** A zstd frame of `text` from the zstd CLI, or undefined when it is not installed. */
function zstdFrame(text: string): Buffer | undefined {
  try {
    return execFileSync("zstd", ["-q", "-c"], { input: text });
  } catch {
    return undefined;
  }
}

test("compressed and UTF-16 files: refused with what they are and the command that reads them (gzip, zstd, the Collector's zstd framing, UTF-16 with and without a byte order mark)", async (t) => {
  const dir = tempDir(t, "h10-packed");
  const { line } = await traceLine("POST /jobs");
  const text = line + "\n";
  const frame = zstdFrame(text) ?? Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x01, 0x00]);
  assert.deepEqual([...frame.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(frame.length);
  const utf16be = Buffer.from(text, "utf16le").swap16();
  const files: [string, Buffer, SpansFileErrorCode, string][] = [
    [
      "spans.jsonl.gz",
      gzipSync(text),
      "gzip",
      "is gzip-compressed; decompress it first (gzip -dc FILE > spans.jsonl), or read it with: gzip -dc FILE | npx tracehop spans -",
    ],
    [
      "spans.jsonl.zst",
      frame,
      "zstd",
      "is zstd-compressed; decompress it first (zstd -dc FILE > spans.jsonl), or read it with: zstd -dc FILE | npx tracehop spans -",
    ],
    [
      "collector.json",
      Buffer.concat([length, frame, length, frame]),
      "zstd",
      "is the Collector file exporter's zstd-compressed output (each request a 4-byte length and a zstd frame: no JSON lines, and no file zstd -d reads); leave out the file exporter's compression setting (with format: json it then writes one JSON request a line) and read the file it writes",
    ],
    [
      "bom-le.jsonl",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
      "utf-16",
      "is UTF-16 text (little-endian), not UTF-8; convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8 FILE > spans.jsonl), or read it with: iconv -f UTF-16LE -t UTF-8 FILE | npx tracehop spans -",
    ],
    [
      "bom-be.jsonl",
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]),
      "utf-16",
      "is UTF-16 text (big-endian), not UTF-8; convert it to UTF-8 first (iconv -f UTF-16BE -t UTF-8 FILE > spans.jsonl), or read it with: iconv -f UTF-16BE -t UTF-8 FILE | npx tracehop spans -",
    ],
    [
      "le.jsonl",
      Buffer.from(text, "utf16le"),
      "utf-16",
      "is UTF-16 text (little-endian), not UTF-8; convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8 FILE > spans.jsonl), or read it with: iconv -f UTF-16LE -t UTF-8 FILE | npx tracehop spans -",
    ],
    [
      "be.jsonl",
      utf16be,
      "utf-16",
      "is UTF-16 text (big-endian), not UTF-8; convert it to UTF-8 first (iconv -f UTF-16BE -t UTF-8 FILE > spans.jsonl), or read it with: iconv -f UTF-16BE -t UTF-8 FILE | npx tracehop spans -",
    ],
  ];
  for (const [name, bytes, code, said] of files) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const err = errorOf(path);
    assert.equal(err.code, code, name);
    assert.equal(
      err.message,
      `spans file ${JSON.stringify(path)} ${said.replaceAll("FILE", JSON.stringify(path))}`,
      name,
    );
  }
});

test("the commands the refusals give read the file: zstd -dc and iconv output is the spans file (when the tools are installed)", async (t) => {
  const dir = tempDir(t, "h10-packed-commands");
  const { line, spanId } = await traceLine("POST /jobs");
  const text = line + "\n";
  const frame = zstdFrame(text);
  const tools: [string, Buffer | undefined, string[]][] = [
    ["spans.jsonl.zst", frame, ["zstd", "-dc"]],
    [
      "le.jsonl",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
      ["iconv", "-f", "UTF-16LE", "-t", "UTF-8"],
    ],
    ["be.jsonl", Buffer.from(text, "utf16le").swap16(), ["iconv", "-f", "UTF-16BE", "-t", "UTF-8"]],
  ];
  for (const [name, bytes, [command, ...args]] of tools) {
    if (bytes === undefined) {
      t.diagnostic(`${command} is not installed: ${name} not checked`);
      continue;
    }
    const packed = join(dir, name);
    writeFileSync(packed, bytes);
    let out: Buffer;
    try {
      out = execFileSync(command!, [...args, packed]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        t.diagnostic(`${command} is not installed: ${name} not checked`);
        continue;
      }
      throw err;
    }
    const plain = join(dir, `${name}.plain`);
    writeFileSync(plain, out);
    assert.deepEqual(
      readSpansFile(plain).map((s) => s.spanId),
      [spanId],
      name,
    );
  }
});
