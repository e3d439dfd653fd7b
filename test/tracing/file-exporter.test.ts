/**
 * JsonLinesFileSpanExporter: one OTLP JSON ExportTraceServiceRequest per line, safe for several
 * processes appending to one file, and never throwing.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { JsonLinesFileSpanExporter } from "../../src/tracing/JsonLinesFileSpanExporter.js";
import { readSpansFile } from "./otlp-helpers.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";

const APPEND_SPANS = fileURLToPath(new URL("./fixtures/append-spans.ts", import.meta.url));

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "tracehop-file-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Two finished spans of service "unit", as a BatchSpanProcessor would hand them over. */
function finishedSpans() {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "unit" }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer("unit");
  const parent = tracer.startSpan("parent");
  parent.end();
  tracer.startSpan("child").end();
  return memory.getFinishedSpans();
}

function exportOnce(exporter: JsonLinesFileSpanExporter, spans = finishedSpans()): ExportResult {
  let result: ExportResult | undefined;
  exporter.export(spans, (r) => (result = r));
  assert.ok(result, "the callback runs before export returns");
  return result;
}

/** Starts an appender; resolves once it is loaded and waiting, with a function that lets it go. */
function startAppender(env: Record<string, string>): Promise<{ go(): void; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", APPEND_SPANS], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    child.on("error", reject);
    child.stdout.once("data", () => resolve({ go: () => child.stdin.end("go\n"), exited }));
    void exited.then((code) => reject(new Error(`appender exited early with code ${code}`)));
  });
}

describe("JsonLinesFileSpanExporter", () => {
  test("appends one ExportTraceServiceRequest line per batch, creating the directory", (t) => {
    const path = join(tempDir(t), "a", "b", "spans.jsonl");
    const exporter = new JsonLinesFileSpanExporter(path);
    const spans = finishedSpans();
    assert.equal(exportOnce(exporter, spans).code, ExportResultCode.SUCCESS);
    assert.equal(exportOnce(exporter, spans).code, ExportResultCode.SUCCESS);
    const file = readSpansFile(path);
    assert.equal(file.lines, 2);
    assert.deepEqual(
      file.spans.map((s) => [s.serviceName, s.name, s.traceId, s.spanId]),
      [...spans, ...spans].map((s) => ["unit", s.name, s.spanContext().traceId, s.spanContext().spanId]),
    );
    const firstLine = JSON.parse(readFileSync(path, "utf8").split("\n")[0]!);
    assert.deepEqual(Object.keys(firstLine), ["resourceSpans"]);
  });

  test("a span the OTLP serializer cannot read (a link without a SpanContext) is left out, said once; the rest of its batch is written", async (t) => {
    resetWarnings();
    const path = join(tempDir(t), "spans.jsonl");
    const memory = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": "unit" }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    }).getTracer("unit");
    tracer.startSpan("good-1").end();
    tracer.startSpan("bad-link", { links: [{} as never] }).end();
    tracer.startSpan("good-2").end();
    const spans = memory.getFinishedSpans();
    const exporter = new JsonLinesFileSpanExporter(path);
    const { result, processWarnings } = await recordWarnings(() => [
      exportOnce(exporter, spans),
      exportOnce(exporter, spans),
    ]);
    assert.deepEqual(
      result.map((r) => r.code),
      [ExportResultCode.SUCCESS, ExportResultCode.SUCCESS],
    );
    assert.deepEqual(
      readSpansFile(path).spans.map((s) => s.name),
      ["good-1", "good-2", "good-1", "good-2"],
    );
    assert.equal(processWarnings.length, 1);
    assert.equal(processWarnings[0]![0], "TRACEHOP_SPAN_NOT_SERIALIZED");
    assert.match(
      processWarnings[0]![1],
      /^tracehop: the span "bad-link" cannot be exported as OTLP \(".*spanId.*"\) and was left out; the other spans of its batch of 3 were exported\. A span link without a SpanContext \(links: \[\{\}\]\)/,
    );
    // Only that span is lost: nothing said about the file's path.
    assert.ok(!processWarnings.some(([code]) => code === "TRACEHOP_SPANS_FILE_UNWRITABLE"));
  });

  test("an empty batch writes nothing", (t) => {
    const path = join(tempDir(t), "spans.jsonl");
    assert.equal(exportOnce(new JsonLinesFileSpanExporter(path), []).code, ExportResultCode.SUCCESS);
    assert.throws(() => statSync(path), { code: "ENOENT" });
  });

  test("a write failure is a FAILED result, not an exception", (t) => {
    const path = join(tempDir(t), "is-a-directory");
    mkdirSync(path);
    const result = exportOnce(new JsonLinesFileSpanExporter(path));
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.equal((result.error as NodeJS.ErrnoException).code, "EISDIR");
  });

  test("after shutdown every export fails and nothing is written", async (t) => {
    const path = join(tempDir(t), "spans.jsonl");
    const exporter = new JsonLinesFileSpanExporter(path);
    await exporter.shutdown();
    const result = exportOnce(exporter);
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.match(String(result.error), /shut down/);
    assert.throws(() => statSync(path), { code: "ENOENT" });
  });

  test("rejects a path that is not a non-empty string", () => {
    assert.throws(() => new JsonLinesFileSpanExporter(""), TypeError);
    assert.throws(
      () => new JsonLinesFileSpanExporter(undefined as unknown as string),
      /path must be a non-empty string/,
    );
  });

  test("three processes appending at once: every line is whole, no span lost", async (t) => {
    const path = join(tempDir(t), "shared.jsonl");
    const count = 1000;
    const pad = 8192; // each line > 8 KiB, twice a pipe buffer
    const services = ["api", "relay", "worker"];
    const appenders = await Promise.all(
      services.map((service) =>
        startAppender({
          APPEND_FILE: path,
          APPEND_SERVICE: service,
          APPEND_COUNT: String(count),
          APPEND_PAD: String(pad),
        }),
      ),
    );
    for (const appender of appenders) appender.go(); // all loaded: let them write together
    assert.deepEqual(await Promise.all(appenders.map((a) => a.exited)), [0, 0, 0]);
    const file = readSpansFile(path); // throws on a torn or interleaved line
    assert.equal(file.lines, services.length * count);
    for (const service of services) {
      const names = file.spans.filter((s) => s.serviceName === service).map((s) => s.name);
      assert.equal(new Set(names).size, count, `${service}: every span once`);
    }
  });
});
