/**
 * A spans file that cannot be written: the `spansFile` option is refused at start with an Error that
 * says what to fix; a TRACEHOP_SPANS_FILE like it is ignored with a warning (the process starts); a
 * write that fails later is said once, never thrown into the application.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { trace } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { JsonLinesFileSpanExporter } from "../../src/tracing/file-exporter.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { DEFAULT_SPANS_FILE, resolveTracingConfig } from "../../src/tracing/tracing-config.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { tempDir } from "../support/temp-dir.js";
import { readSpansFile } from "./otlp-helpers.js";

/** Runs `fn` with exactly `vars` as the OTEL_* / TRACEHOP_* environment, then restores it. */
async function withEnv<T>(vars: Record<string, string>, fn: () => T | Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env))
    if (/^(OTEL_|TRACEHOP_)/.test(key)) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(vars)) delete process.env[key];
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}

function oneSpan() {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer("unit").startSpan("lost").end();
  return memory.getFinishedSpans();
}

describe("spansFile option: checked at start", () => {
  test("a named pipe, a symbolic link into a missing folder: refused at start without blocking; a link to a file that is yet to be made in an existing folder is taken", async (t) => {
    // Before, a pipe without a reader blocked startTracing for good (the check opened it for writing),
    // and a link into a missing folder was taken and every write then failed.
    const dir = tempDir(t, "spans-special");
    const fifo = join(dir, "spans.fifo");
    execFileSync("mkfifo", [fifo]);
    const dangling = join(dir, "dangling.jsonl");
    symlinkSync(join(dir, "missing", "spans.jsonl"), dangling);
    const later = join(dir, "later.jsonl");
    symlinkSync("made-later.jsonl", later);
    const cases: [string, string][] = [
      [fifo, "is a named pipe, not a file (a write would block the process while nothing reads it)"],
      [
        dangling,
        `is a symbolic link to ${JSON.stringify(join(dir, "missing", "spans.jsonl"))}, which is in a folder that does not exist`,
      ],
    ];
    for (const [spansFile, reason] of cases)
      await withEnv({}, () =>
        assert.throws(
          () => startTracing({ serviceName: "s", spansFile }),
          (error: Error) =>
            error.message.startsWith(
              `startTracing: options.spansFile ${JSON.stringify(spansFile)} ${reason}: `,
            ),
        ),
      );
    assert.equal(
      await withEnv({}, () => resolveTracingConfig({ serviceName: "s", spansFile: later }).spansFile),
      later,
    );
  });

  test("a folder, a path under a regular file: startTracing throws an Error naming the path and the fix; nothing is started", async (t) => {
    const dir = tempDir(t, "spans-option");
    const file = join(dir, "plain.txt");
    writeFileSync(file, "x");
    const cases: [string, RegExp][] = [
      [dir, /is a folder, not a file/],
      [join(file, "spans.jsonl"), /is under ".*plain\.txt", which is a file, not a folder/],
      [join(file, "deeper", "spans.jsonl"), /is under ".*plain\.txt", which is a file/],
    ];
    for (const [spansFile, reason] of cases) {
      await withEnv({}, () => {
        assert.throws(
          () => startTracing({ serviceName: "s", spansFile }),
          (error: Error) =>
            error.constructor === Error &&
            error.message.startsWith(`startTracing: options.spansFile ${JSON.stringify(spansFile)} `) &&
            reason.test(error.message) &&
            /Pass the path of a file in a writable folder .* or spansFile: false/.test(error.message),
        );
      });
      // Nothing was registered: tracing starts afterwards.
      const handle = await withEnv({}, () => startTracing({ serviceName: "s", spansFile: false }));
      await handle.shutdown();
    }
    // A file that exists, a path whose folders are missing: accepted, nothing created by the check.
    const fresh = join(dir, "a", "b", "spans.jsonl");
    for (const ok of [file, fresh])
      assert.equal(
        await withEnv({}, () => resolveTracingConfig({ serviceName: "s", spansFile: ok }).spansFile),
        ok,
      );
    assert.throws(() => readSpansFile(fresh));
    // Under OTEL_SDK_DISABLED=true nothing is written: not checked.
    assert.equal(
      await withEnv(
        { OTEL_SDK_DISABLED: "true" },
        () => resolveTracingConfig({ serviceName: "s", spansFile: dir }).spansFile,
      ),
      dir,
    );
  });
});

describe("TRACEHOP_SPANS_FILE: ignored with a warning", () => {
  test("a folder: the default file instead (none when an exporter is configured), one warning naming it", async (t) => {
    resetWarnings();
    const dir = tempDir(t, "spans-env");
    const told = await recordWarnings(async () => [
      await withEnv({ TRACEHOP_SPANS_FILE: dir }, () => resolveTracingConfig({ serviceName: "s" }).spansFile),
      await withEnv({ TRACEHOP_SPANS_FILE: dir }, () => resolveTracingConfig({ serviceName: "s" }).spansFile),
      await withEnv(
        { TRACEHOP_SPANS_FILE: dir, OTEL_TRACES_EXPORTER: "console" },
        () => resolveTracingConfig({ serviceName: "s" }).spansFile,
      ),
    ]);
    assert.deepEqual(told.result, [resolve(DEFAULT_SPANS_FILE), resolve(DEFAULT_SPANS_FILE), undefined]);
    const first =
      `tracehop: TRACEHOP_SPANS_FILE=${JSON.stringify(dir)} is a folder, not a file (ignored: the default, ` +
      `${DEFAULT_SPANS_FILE}, is written instead); set it to a file in a writable folder, or unset it`;
    const second =
      `tracehop: TRACEHOP_SPANS_FILE=${JSON.stringify(dir)} is a folder, not a file (ignored: no spans file ` +
      `is written); set it to a file in a writable folder, or unset it`;
    assert.deepEqual(told.processWarnings, [
      ["TRACEHOP_BAD_SPANS_FILE", first],
      ["TRACEHOP_BAD_SPANS_FILE", second],
    ]);
    assert.deepEqual(told.diagWarnings, [first, first, second]);
  });
});

describe("a write that fails later", () => {
  test("the exporter reports FAILED and says it once per path, naming the path and the reason", async (t) => {
    resetWarnings();
    const dir = tempDir(t, "spans-write");
    const results: ExportResult[] = [];
    const exporter = new JsonLinesFileSpanExporter(dir);
    const told = await recordWarnings(() => {
      exporter.export(oneSpan(), (r) => results.push(r));
      exporter.export(oneSpan(), (r) => results.push(r));
    });
    assert.deepEqual(
      results.map((r) => [r.code, (r.error as NodeJS.ErrnoException | undefined)?.code]),
      [
        [ExportResultCode.FAILED, "EISDIR"],
        [ExportResultCode.FAILED, "EISDIR"],
      ],
    );
    assert.equal(told.processWarnings.length, 1);
    const [code, text] = told.processWarnings[0]!;
    assert.equal(code, "TRACEHOP_SPANS_FILE_UNWRITABLE");
    assert.ok(
      text.startsWith(
        `tracehop: spans could not be written to the spans file ${JSON.stringify(dir)}: EISDIR`,
      ),
      text,
    );
    assert.match(text, /spansFile: false/);
    assert.deepEqual(told.diagWarnings, [text]);
  });

  test("startTracing, then the file becomes a folder: the span is lost with a warning, shutdown resolves", async (t) => {
    resetWarnings();
    const dir = tempDir(t, "spans-later");
    const spansFile = join(dir, "spans.jsonl");
    const told = await recordWarnings(() =>
      withEnv({}, async () => {
        const handle = startTracing({ serviceName: "later", spansFile });
        rmSync(spansFile, { force: true });
        mkdirSync(spansFile);
        trace.getTracer("t").startSpan("lost").end();
        await handle.shutdown();
        return "resolved";
      }),
    );
    assert.equal(told.result, "resolved");
    assert.deepEqual(
      told.processWarnings.map(([code, text]) => [code, text.includes(JSON.stringify(spansFile))]),
      [["TRACEHOP_SPANS_FILE_UNWRITABLE", true]],
    );
  });
});
