/**
 * A spans file that cannot be written: the `spansFile` option is refused at start with an Error that
 * says what to fix; a TRACEHOP_SPANS_FILE like it is ignored with a warning (the process starts); a
 * write that fails later is said once, never thrown into the application.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { trace } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { JsonLinesFileSpanExporter } from "../../src/tracing/JsonLinesFileSpanExporter.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { DEFAULT_SPANS_FILE, resolveTracingConfig } from "../../src/tracing/tracing-config.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { tempDir } from "../support/temp-dir.js";
import { envWithoutOtel, runModuleScript } from "../support/child-script.js";
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
              `tracehop startTracing: options.spansFile ${JSON.stringify(spansFile)} ${reason}: `,
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
            error.message.startsWith(
              `tracehop startTracing: options.spansFile ${JSON.stringify(spansFile)} `,
            ) &&
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
    assert.equal(existsSync(join(dir, "a")), false, "the folders the check made are removed again");
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

/**
 * Runs `script` (an ES module, `startTracing` and `JsonLinesFileSpanExporter` imported) in a child
 * process with `env` added, bounded: a hang (Node's recursive mkdir loops forever under /proc) fails
 * the test instead of the suite.
 */
function runChild(script: string, env: Record<string, string> = {}) {
  const child = runModuleScript(
    [
      `import { startTracing } from "./src/tracing/start-tracing.ts";`,
      `import { JsonLinesFileSpanExporter } from "./src/tracing/JsonLinesFileSpanExporter.ts";`,
      `import { trace } from "@opentelemetry/api";`,
      script,
    ],
    { ...envWithoutOtel(), ...env },
  );
  assert.equal(child.signal, null, `the child hung and was killed: ${child.stderr}`);
  return child;
}

describe("a spans file whose folder exists or resolves but takes no file", () => {
  test("in /proc or /sys, an existing entry included, and under a link to a missing folder: refused at start, nothing left", (t) => {
    const dir = tempDir(t, "spans-nofile");
    symlinkSync(join(dir, "missing", "deeper"), join(dir, "dangling"));
    const paths = [join(dir, "dangling", "s.jsonl"), join(dir, "new", "a", "s.jsonl"), join(dir, "ok.jsonl")];
    paths.unshift("/proc/tracehop-spans.jsonl", "/proc/self/comm", "/sys/tracehop.jsonl");
    const child = runChild(
      `for (const spansFile of ${JSON.stringify(paths)})
        try { await startTracing({ serviceName: "x", spansFile }).shutdown(); console.log("started"); }
        catch (error) { console.log(error.message); }`,
    );
    assert.equal(child.status, 0, child.stderr);
    const lines = child.stdout.trim().split("\n");
    // procfs and sysfs, an existing entry included (root may "append" to /proc/self/comm: the process's
    // name, or /proc/sys/kernel/hostname: the machine's), are refused by their file system.
    for (const [index, kernel] of ["/proc (procfs)", "/proc (procfs)", "/sys (sysfs)"].entries())
      assert.match(
        lines.shift()!,
        new RegExp(`"${paths[index]}" is on ${kernel.replace(/[()]/g, "\\$&")}, a window into the kernel`),
      );
    assert.match(
      lines[0]!,
      /cannot be created: its folder .*dangling" cannot be created in .*dangling" is a symbolic link to ".*\/missing\/deeper", which does not exist: create that folder or point the link to an existing one/,
    );
    // Good paths start, and the check leaves neither the folders nor the file behind.
    assert.deepEqual(lines.slice(1), ["started", "started"]);
    assert.deepEqual([existsSync(join(dir, "new")), existsSync(join(dir, "ok.jsonl"))], [false, false]);
  });
});

describe("a spans file under /proc (mkdir fails there though the folder grants write access to root)", () => {
  // Node's mkdirSync(path, { recursive: true }) loops forever on such a path: the first export hung
  // the process at 100% CPU and shutdown() never returned. Folders are now made one level at a time.
  const where = "/proc/tracehop-nope/x.jsonl";

  test("the spansFile option: startTracing throws at once, as for a folder it cannot create", () => {
    const child = runChild(
      `for (const spansFile of ${JSON.stringify([where, "/proc/tracehop-nope/a/b/x.jsonl"])})
        try { startTracing({ serviceName: "x", spansFile }); console.log("started"); }
        catch (error) { console.log(JSON.stringify([error.constructor.name, error.code, error.path, error.message])); }`,
    );
    assert.equal(child.status, 0, child.stderr);
    const lines = child.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as string[]);
    assert.equal(lines.length, 2, child.stdout);
    for (const [index, [name, code, path, message]] of lines.entries()) {
      const spansFile = index === 0 ? where : "/proc/tracehop-nope/a/b/x.jsonl";
      assert.deepEqual([name, code, path], ["Error", "TRACEHOP_BAD_SPANS_FILE", spansFile]);
      // Told by its file system (statfs) before anything is tried there.
      assert.ok(
        message!.startsWith(
          `tracehop startTracing: options.spansFile ${JSON.stringify(spansFile)} is on /proc (procfs), a window into ` +
            "the kernel, not a file system for files",
        ),
        message,
      );
      assert.match(message!, /Pass the path of a file in a writable folder/);
    }
  });

  test("TRACEHOP_SPANS_FILE: ignored with a warning, the default file gets the spans, shutdown returns", (t) => {
    const dir = tempDir(t, "spans-proc");
    const child = runChild(
      `process.chdir(${JSON.stringify(dir)});
      const handle = startTracing({ serviceName: "proc", shutdownTimeoutMillis: 2000 });
      trace.getTracer("t").startSpan("kept").end();
      await handle.shutdown();
      console.log("shut down");`,
      { TRACEHOP_SPANS_FILE: where },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), "shut down");
    assert.match(
      child.stderr,
      /\[TRACEHOP_BAD_SPANS_FILE\] Warning: tracehop: TRACEHOP_SPANS_FILE="\/proc\/tracehop-nope\/x\.jsonl" is on \/proc \(procfs\).* \(ignored: the default, \.tracehop\/spans\.jsonl, is written instead\)/,
    );
    assert.deepEqual(
      readSpansFile(join(dir, DEFAULT_SPANS_FILE)).spans.map((span) => span.name),
      ["kept"],
    );
  });

  test("JsonLinesFileSpanExporter given such a path: the export fails with the mkdir error, said once", () => {
    const child = runChild(
      `import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
      const memory = new InMemorySpanExporter();
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer("u").startSpan("lost").end();
      const exporter = new JsonLinesFileSpanExporter(${JSON.stringify(where)});
      exporter.export(memory.getFinishedSpans(), (result) => console.log(JSON.stringify([result.code, result.error?.code, result.error?.syscall, result.error?.path])));`,
    );
    assert.equal(child.status, 0, child.stderr);
    const [code, errno, syscall, path] = JSON.parse(child.stdout.trim()) as [number, string, string, string];
    assert.equal(code, ExportResultCode.FAILED);
    // As root mkdir fails; as another user too (EACCES).
    assert.deepEqual([syscall, path], ["mkdir", "/proc/tracehop-nope"]);
    assert.ok(["ENOENT", "EACCES"].includes(errno), errno);
    assert.match(
      child.stderr,
      /\[TRACEHOP_SPANS_FILE_UNWRITABLE\] Warning: .*\/proc\/tracehop-nope\/x\.jsonl/,
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
      [
        ["TRACEHOP_SPANS_FILE_UNWRITABLE", true],
        // The span the failed write lost, counted at shutdown (the unwritable warning counts none).
        ["TRACEHOP_SPANS_LOST", true],
      ],
    );
    assert.match(
      told.processWarnings[1]![1],
      /^tracehop: 1 span to the spans file "[^"]+" was lost in this process by exports that failed \(the first failure: EISDIR/,
    );
  });
});

describe("shutdown right after a full batch", () => {
  test("512 spans ended and shut down at once (a batch waiting for the resource's attributes): all in the spans file, nothing said dropped", (t) => {
    const dir = tempDir(t, "spans-full-batch");
    const spansFile = join(dir, "s.jsonl");
    for (const count of [512, 1024, 5]) {
      rmSync(spansFile, { force: true });
      const child = runChild(
        `const tracing = startTracing({ serviceName: "x", spansFile: ${JSON.stringify(spansFile)} });
        for (let i = 0; i < ${count}; i++) trace.getTracer("t").startSpan("s" + i).end();
        await tracing.shutdown();`,
      );
      assert.equal(child.status, 0, child.stderr);
      // Guards against the SDK's flush not waiting for a batch taken from the queue before the
      // resource's asynchronous attributes settled: that batch reached a shut exporter, and was then
      // said to be dropped for a full queue.
      assert.equal(child.stderr, "", `${count} spans`);
      assert.equal(readSpansFile(spansFile).spans.length, count);
    }
  });
});
