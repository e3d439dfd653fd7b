// A short script that starts tracing, ends a span and just returns: its spans must reach the spans
// file, although the BatchSpanProcessor's timer (5 s by default) never fires before the process
// exits. startTracing flushes once on `beforeExit` (the event loop ran empty); it installs no signal
// handler, so a process stopped by a signal must call shutdown() itself (docs/export.md). Checked in
// child processes, as a user's script runs.
import { tempDir } from "../support/temp-dir.js";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startTracing } from "../../src/tracing/start-tracing.js";
import {
  readSpansFile,
  refusedFinalExportLine,
  refusedUrl,
  splitStderr,
  startOtlpReceiver,
} from "./otlp-helpers.js";
import { ROOT, runModuleScript, spawnSyncGuarded } from "../support/child-script.js";
import { ended, RUN_GUARD_MS, spawnTracked, type MainJobResult } from "../support/main-job.js";
import { HANG_GUARD_MS, within } from "../examples/tcp-servers.js";

const spansFileIn = (t: TestContext) => join(tempDir(t, "exit"), "spans.jsonl");
const CHILD_ENV = {
  ...process.env,
  OTEL_TRACES_EXPORTER: "",
  OTEL_EXPORTER_OTLP_ENDPOINT: "",
  OTEL_SDK_DISABLED: "",
};

/** Runs `lines` as an ES module (through tsx) in the repository root; its stdout lines. */
function runScript(lines: string[]): string[] {
  const child = runModuleScript(lines, CHILD_ENV);
  assert.equal(child.status, 0, child.stderr);
  return child.stdout.trim().split("\n");
}

test("a script that ends a span and returns without shutdown(): the span is in the spans file", (t) => {
  const spansFile = spansFileIn(t);
  const [signals] = runScript([
    `import { trace } from "@opentelemetry/api";`,
    `import { startTracing } from "./src/tracing/start-tracing.ts";`,
    `const before = ["SIGTERM", "SIGINT"].map((s) => process.listenerCount(s));`,
    `startTracing({ serviceName: "short-script", spansFile: ${JSON.stringify(spansFile)} });`,
    `const span = trace.getTracer("script").startSpan("last words");`,
    `await new Promise((resolve) => setTimeout(resolve, 10));`,
    `span.end();`,
    `console.log(JSON.stringify([before, ["SIGTERM", "SIGINT"].map((s) => process.listenerCount(s))]));`,
  ]);
  assert.deepEqual(
    JSON.parse(signals!),
    [
      [0, 0],
      [0, 0],
    ],
    "no signal handler installed",
  );
  assert.deepEqual(
    readSpansFile(spansFile).spans.map((span) => [span.serviceName, span.name]),
    [["short-script", "last words"]],
  );
});

test("OTEL_TRACES_EXPORTER=none: a script that ends a span writes no default spans file (.tracehop/spans.jsonl); with TRACEHOP_SPANS_FILE it writes that one", (t) => {
  const run = (cwd: string, env: Record<string, string>) => {
    const child = spawnSyncGuarded(
      process.execPath,
      [
        // tsx by its path: the working directory has no node_modules.
        "--import",
        import.meta.resolve("tsx"),
        "--input-type=module",
        "-e",
        [
          `import { createRequire } from "node:module";`,
          `import { startTracing } from ${JSON.stringify(join(ROOT, "src/tracing/start-tracing.ts"))};`,
          // The API of the repository (this folder has no node_modules).
          `const { trace } = createRequire(${JSON.stringify(join(ROOT, "package.json"))})("@opentelemetry/api");`,
          `startTracing({ serviceName: "none" });`,
          `trace.getTracer("script").startSpan("not exported").end();`,
        ].join("\n"),
      ],
      { cwd, env: { ...CHILD_ENV, OTEL_TRACES_EXPORTER: "none", ...env } },
      "a script that ends a span, OTEL_TRACES_EXPORTER=none",
    );
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stderr, "");
  };
  const dir = tempDir(t, "exporter-none");
  run(dir, {});
  // Not .tracehop/spans.jsonl under the working directory.
  assert.equal(existsSync(join(dir, ".tracehop")), false);
  const named = join(dir, "named.jsonl");
  run(dir, { TRACEHOP_SPANS_FILE: named });
  assert.deepEqual(
    readSpansFile(named).spans.map((span) => span.name),
    ["not exported"],
  );
  assert.equal(existsSync(join(dir, ".tracehop")), false);
});

test("flushes once, so the process still exits when its own beforeExit listener starts more work (a span ended then is not flushed, as documented); shutdown() removes the listener", async (t) => {
  const spansFile = spansFileIn(t);
  runScript([
    `import { trace } from "@opentelemetry/api";`,
    `import { startTracing } from "./src/tracing/start-tracing.ts";`,
    `startTracing({ serviceName: "once", spansFile: ${JSON.stringify(spansFile)} });`,
    `trace.getTracer("script").startSpan("first").end();`,
    `let rounds = 0;`,
    // Ended a second after the flush began (which first waits for the resource's asynchronous attributes).
    `process.on("beforeExit", () => { if (++rounds === 1) setTimeout(() => trace.getTracer("script").startSpan("second").end(), 1000); });`,
  ]);
  assert.deepEqual(
    readSpansFile(spansFile).spans.map((span) => span.name),
    ["first"],
  );
  const before = process.listenerCount("beforeExit");
  const handle = startTracing({ serviceName: "in-process", spansFile: false });
  assert.equal(process.listenerCount("beforeExit"), before + 1);
  await handle.shutdown();
  assert.equal(process.listenerCount("beforeExit"), before);
});

test("a process stopped by SIGTERM that calls shutdown() in its handler (docs/export.md) keeps its spans", async (t) => {
  const spansFile = spansFileIn(t);
  const script = [
    `import { trace } from "@opentelemetry/api";`,
    `import { startTracing } from "./src/tracing/start-tracing.ts";`,
    `const tracing = startTracing({ serviceName: "server", spansFile: ${JSON.stringify(spansFile)} });`,
    `process.once("SIGTERM", async () => {`,
    `  await tracing.shutdown();`,
    `  process.exit(143);`,
    `});`,
    `trace.getTracer("server").startSpan("request").end();`,
    `setInterval(() => {}, 1000); // a server: runs until stopped`,
    `console.log("ready");`,
  ].join("\n");
  const child = spawnTracked(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: ROOT,
    env: CHILD_ENV,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const result = closed(child);
  await within(
    new Promise<void>((resolve) => child.stdout!.once("data", () => resolve())),
    HANG_GUARD_MS,
    "the server script's ready line",
  );
  assert.equal(existsSync(spansFile), false, "nothing flushed yet (the batch delay is 5 s)");
  child.kill("SIGTERM");
  const { code } = await ended({ child, result }, "the server script's exit on SIGTERM");
  assert.equal(code, 143);
  assert.deepEqual(
    readSpansFile(spansFile).spans.map((span) => span.name),
    ["request"],
  );
});

/**
 * Runs a script that starts tracing with `otlpEndpoint` (no spans file) and ends one span; its exit
 * code and stderr. Asynchronous: a collector of the test runs in this process.
 */
async function runExportingScript(
  endpoint: string,
  env: Record<string, string> = {},
): Promise<{ status: number | null; stderr: string }> {
  const script = [
    `import { trace } from "@opentelemetry/api";`,
    `import { startTracing } from "./src/tracing/start-tracing.ts";`,
    `startTracing({ serviceName: "short-script", spansFile: false, otlpEndpoint: "${endpoint}",`,
    `  shutdownTimeoutMillis: 2000 });`,
    `trace.getTracer("script").startSpan("last words").end();`,
  ].join("\n");
  const child = spawnTracked(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: ROOT,
    env: { ...CHILD_ENV, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const { code, stderr } = await ended(
    { child, result: closed(child) },
    "a script that exports its span before exit",
    RUN_GUARD_MS,
  );
  return { status: code, stderr };
}

/** How `child` ended, once its pipes are read to the end ("close"): its code and what it wrote on stderr. */
function closed(child: ChildProcess): Promise<MainJobResult> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout: "", stderr })));
}

test("a script whose collector refuses the flush before exit: the lost export is said in one line, a process warning (and through diag with OTEL_LOG_LEVEL=warn)", async () => {
  const endpoint = await refusedUrl();
  const { port } = new URL(endpoint);
  const line =
    `tracehop: the export before exit of 1 span to ${endpoint}/v1/traces failed: connect ECONNREFUSED ` +
    `127.0.0.1:${port}; those spans are lost`;
  // Said without OTEL_LOG_LEVEL: the stderr is not empty.
  const quiet = await runExportingScript(endpoint);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.deepEqual(splitStderr(quiet.stderr), {
    warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", line]],
    lines: [],
  });
  const logged = await runExportingScript(endpoint, { OTEL_LOG_LEVEL: "warn" });
  assert.equal(logged.status, 0, logged.stderr);
  assert.deepEqual(splitStderr(logged.stderr), {
    warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", line]],
    lines: [line],
  });
});

test("a script whose collector never answers the flush before exit: one line at the bound, none when the request times out later", async (t) => {
  const receiver = await startOtlpReceiver("hang");
  t.after(() => receiver.close());
  const child = await runExportingScript(receiver.url, { OTEL_LOG_LEVEL: "warn" });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(receiver.requests.length, 1, "the request reached the collector");
  // One line: no "the export before exit of 1 span … failed: Request timed out" when the request's own
  // timeout (the bound, 2000 ms) ends it after the flush gave up.
  const line =
    `tracehop: the export before exit of 1 span to ${receiver.url}/v1/traces did not finish within the ` +
    `shutdown bound (2000 ms); those spans are lost`;
  assert.deepEqual(splitStderr(child.stderr), {
    warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", line]],
    lines: [line],
  });
});

test("a process that calls process.exit() right after shutdown() (the SIGTERM handler of docs/export.md) still prints the lost final export", async () => {
  const endpoint = await refusedUrl();
  const child = runModuleScript(
    [
      `import { trace } from "@opentelemetry/api";`,
      `import { startTracing } from "./src/tracing/start-tracing.ts";`,
      `const tracing = startTracing({ serviceName: "server", spansFile: false, otlpEndpoint: "${endpoint}",`,
      `  shutdownTimeoutMillis: 2000 });`,
      `trace.getTracer("server").startSpan("request").end();`,
      `await tracing.shutdown();`,
      `process.exit(143);`,
    ],
    CHILD_ENV,
  );
  assert.equal(child.status, 143, child.stderr);
  // Printed before the process exits, although Node prints a process warning on a later tick.
  assert.deepEqual(splitStderr(child.stderr), {
    warnings: [["TRACEHOP_FINAL_EXPORT_FAILED", refusedFinalExportLine(endpoint, "1 span")]],
    lines: [],
  });
});

test("a process that dies of an uncaught exception loses its batched spans; with the uncaughtException listener of docs/export.md it keeps them and still exits 1 with the error", (t) => {
  const run = (spansFile: string, handler: boolean, fail: string) =>
    runModuleScript(
      [
        `import { trace } from "@opentelemetry/api";`,
        `import { startTracing } from "./src/tracing/start-tracing.ts";`,
        `const tracing = startTracing({ serviceName: "crash", spansFile: ${JSON.stringify(spansFile)} });`,
        ...(handler
          ? [
              `process.once("uncaughtException", async (error, origin) => {`,
              `  console.error(`,
              `    origin === "unhandledRejection" ? "Unhandled rejection:" : "Uncaught exception:",`,
              `    error,`,
              `  );`,
              `  await tracing.shutdown();`,
              `  process.exit(1);`,
              `});`,
            ]
          : []),
        `trace.getTracer("crash").startSpan("before the crash").end();`,
        `setTimeout(() => { ${fail} }, 10);`,
      ],
      CHILD_ENV,
    );
  const dir = tempDir(t, "crash");
  const lost = run(join(dir, "lost.jsonl"), false, `throw new Error("boom")`);
  assert.equal(lost.status, 1);
  assert.match(lost.stderr, /Error: boom/);
  assert.equal(existsSync(join(dir, "lost.jsonl")), false, "no beforeExit: the batch never left");

  const thrown = run(join(dir, "thrown.jsonl"), true, `throw new Error("boom")`);
  assert.equal(thrown.status, 1);
  assert.match(thrown.stderr, /^Uncaught exception: Error: boom/);
  assert.deepEqual(
    readSpansFile(join(dir, "thrown.jsonl")).spans.map((span) => span.name),
    ["before the crash"],
  );

  const rejected = run(join(dir, "rejected.jsonl"), true, `Promise.reject(new Error("no"))`);
  assert.equal(rejected.status, 1);
  assert.match(rejected.stderr, /^Unhandled rejection: Error: no/);
  assert.deepEqual(
    readSpansFile(join(dir, "rejected.jsonl")).spans.map((span) => span.name),
    ["before the crash"],
  );
});
