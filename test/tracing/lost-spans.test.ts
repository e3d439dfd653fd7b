/**
 * Spans lost by exports that fail while a process runs (not only by its last export): said when
 * exporting fails (destination, error, that later failures are counted), when it works again, and
 * counted in all at shutdown (a later outage: export-outages.test.ts); never a JSON stack per failed batch. Each case runs
 * fixtures/hop-process.ts ("phases": spans, waits, the spans file made a folder and a file again) as a
 * child process against a local receiver answering 500, a refused port, or the spans file.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSpansFile, refusedUrl, runHop, splitStderr, type HopResult } from "./otlp-helpers.js";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "tracehop-lost-spans-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A local OTLP receiver answering as `handler` does, closed when the test ends; its base URL. */
async function receiver(t: TestContext, handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Answers 500 to the first `failures` requests (every request when omitted), then 200. */
function failing(failures = Infinity): RequestListener {
  let seen = 0;
  return (request, response) => {
    request.resume();
    request.on("end", () => {
      if (seen++ < failures) response.writeHead(500).end("boom");
      else response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  };
}

/** The end of the line that says a failed export (CountingExporter.ts). */
const LINE_END =
  "Later failed exports there are counted, not said one by one (a failure after exporting works again " +
  "is said, at most once in 5 minutes); shutdown() says how many spans were lost in all";

function assertExitedCleanly(result: HopResult): void {
  assert.equal(result.signal, null, `child was killed: ${result.stderr}`);
  assert.equal(result.code, 0, `exit code (stderr: ${result.stderr})`);
  assert.equal(result.report?.shutdown, "done", result.stderr);
  assert.deepEqual(result.report?.unhandled, []);
}

/** Batches leave 50 ms after their first span; three spans, a wait, one more, then shutdown(). */
const FAIL_THEN_FINAL = {
  HOP_ROLE: "phases",
  HOP_SERVICE: "phases",
  HOP_BATCH: JSON.stringify({ scheduledDelayMillis: 50 }),
  HOP_PHASES: JSON.stringify([{ spans: 3 }, { wait: 600 }, { spans: 1 }]),
  HOP_SHUTDOWN_MS: "1500",
};

describe("spans lost while the process runs", () => {
  test("a collector answering 500: the first failure is said once, and the final line counts every span lost", async (t) => {
    const url = await receiver(t, failing());
    const result = await runHop({ ...FAIL_THEN_FINAL, HOP_OTLP_ENDPOINT: url });
    assertExitedCleanly(result);
    assert.deepEqual(splitStderr(result.stderr), {
      warnings: [
        [
          "TRACEHOP_EXPORT_FAILED",
          `tracehop: an export of 3 spans to ${url}/v1/traces failed: HTTP 500 Internal Server Error; ` +
            `those spans are lost. ${LINE_END}`,
        ],
        [
          "TRACEHOP_FINAL_EXPORT_FAILED",
          `tracehop: the final export of 1 span to ${url}/v1/traces failed: HTTP 500 Internal Server ` +
            `Error; those spans are lost, as were 3 spans of earlier exports that failed while the ` +
            `process ran (4 in all)`,
        ],
      ],
      lines: [],
    });
  });

  test("with OTEL_LOG_LEVEL=warn: the same lines through diag, and no JSON stack per failed batch", async (t) => {
    const url = await receiver(t, failing());
    const result = await runHop({
      ...FAIL_THEN_FINAL,
      HOP_PHASES: JSON.stringify([{ spans: 3 }, { wait: 400 }, { spans: 2 }, { wait: 400 }, { spans: 1 }]),
      HOP_OTLP_ENDPOINT: url,
      OTEL_LOG_LEVEL: "warn",
    });
    assertExitedCleanly(result);
    const { warnings, lines } = splitStderr(result.stderr);
    assert.deepEqual(
      warnings.map(([code]) => code),
      ["TRACEHOP_EXPORT_FAILED", "TRACEHOP_FINAL_EXPORT_FAILED"],
    );
    assert.match(warnings[1]![1], /as were 5 spans of earlier exports .* \(6 in all\)$/);
    assert.deepEqual(
      lines,
      warnings.map(([, message]) => message),
    );
  });

  test("a refused port: the first failure names the refused address; the final line counts all", async () => {
    const endpoint = await refusedUrl();
    const { port } = new URL(endpoint);
    const result = await runHop({
      ...FAIL_THEN_FINAL,
      // The exporter retries a refused connection until its timeout: let the first batch give up first.
      HOP_PHASES: JSON.stringify([{ spans: 3 }, { wait: 1500 }, { spans: 1 }]),
      HOP_EXPORT_TIMEOUT_MS: "600",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    });
    assertExitedCleanly(result);
    assert.deepEqual(splitStderr(result.stderr).warnings, [
      [
        "TRACEHOP_EXPORT_FAILED",
        `tracehop: an export of 3 spans to ${endpoint}/v1/traces failed: connect ECONNREFUSED ` +
          `127.0.0.1:${port}; those spans are lost. ${LINE_END}`,
      ],
      [
        "TRACEHOP_FINAL_EXPORT_FAILED",
        `tracehop: the final export of 1 span to ${endpoint}/v1/traces failed: connect ECONNREFUSED ` +
          `127.0.0.1:${port}; those spans are lost, as were 3 spans of earlier exports that failed while ` +
          `the process ran (4 in all)`,
      ],
    ]);
  });

  test("a collector that answers again: said once when it does, and the total at shutdown", async (t) => {
    const url = await receiver(t, failing(2));
    const result = await runHop({
      ...FAIL_THEN_FINAL,
      HOP_PHASES: JSON.stringify([
        { spans: 2 },
        { wait: 400 },
        { spans: 3 },
        { wait: 400 },
        { spans: 1 },
        { wait: 400 },
        { spans: 1 },
      ]),
      HOP_OTLP_ENDPOINT: url,
    });
    assertExitedCleanly(result);
    const traces = `${url}/v1/traces`;
    assert.deepEqual(splitStderr(result.stderr), {
      warnings: [
        [
          "TRACEHOP_EXPORT_FAILED",
          `tracehop: an export of 2 spans to ${traces} failed: HTTP 500 Internal Server Error; those ` +
            `spans are lost. ${LINE_END}`,
        ],
        [
          "TRACEHOP_EXPORT_RESUMED",
          `tracehop: exporting to ${traces} works again; 5 spans were lost while it failed (the first ` +
            `failure: HTTP 500 Internal Server Error); shutdown() says how many spans were lost in all`,
        ],
        [
          "TRACEHOP_SPANS_LOST",
          `tracehop: 5 spans to ${traces} were lost in this process by exports that failed (the first ` +
            `failure: HTTP 500 Internal Server Error)`,
        ],
      ],
      lines: [],
    });
  });

  test("the user's own forceFlush() of a failing export rejects, as the SDK's does; the warnings stay one each", async (t) => {
    const url = await receiver(t, failing());
    const result = await runHop({
      ...FAIL_THEN_FINAL,
      // Batches leave only when flushed: each flush below exports its spans itself.
      HOP_BATCH: JSON.stringify({ scheduledDelayMillis: 60_000 }),
      HOP_PHASES: JSON.stringify([
        { spans: 2 },
        { flush: true },
        { spans: 1 },
        { flush: true },
        { flush: true },
      ]),
      HOP_OTLP_ENDPOINT: url,
    });
    assertExitedCleanly(result);
    const traces = `${url}/v1/traces`;
    // The exporter's own error (an OTLPExporterError, code 500), as the provider's forceFlush gives it.
    assert.deepEqual(result.report?.flushes, [
      "rejected: Internal Server Error",
      "rejected: Internal Server Error",
      "resolved",
    ]);
    assert.deepEqual(splitStderr(result.stderr), {
      warnings: [
        [
          "TRACEHOP_EXPORT_FAILED",
          `tracehop: an export of 2 spans to ${traces} failed: HTTP 500 Internal Server Error; those ` +
            `spans are lost. ${LINE_END}`,
        ],
        [
          "TRACEHOP_SPANS_LOST",
          `tracehop: 3 spans to ${traces} were lost in this process by exports that failed (the first ` +
            `failure: HTTP 500 Internal Server Error)`,
        ],
      ],
      lines: [],
    });
  });

  test("the spans file made a folder and a file again: said once each way (no stack per batch), the total at shutdown", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const result = await runHop({
      HOP_ROLE: "phases",
      HOP_SERVICE: "phases",
      HOP_SPANS_FILE: spansFile,
      HOP_BATCH: JSON.stringify({ scheduledDelayMillis: 50 }),
      HOP_PHASES: JSON.stringify([
        { spans: 1 },
        { wait: 300 },
        { block: spansFile },
        { spans: 2 },
        { wait: 300 },
        { spans: 1 },
        { wait: 300 },
        { unblock: spansFile },
        { spans: 1 },
        { wait: 300 },
      ]),
      OTEL_LOG_LEVEL: "warn",
    });
    assertExitedCleanly(result);
    const file = `the spans file "${spansFile}"`;
    const { warnings, lines } = splitStderr(result.stderr);
    assert.deepEqual(
      warnings.map(([code]) => code),
      ["TRACEHOP_SPANS_FILE_UNWRITABLE", "TRACEHOP_EXPORT_RESUMED", "TRACEHOP_SPANS_LOST"],
    );
    assert.match(warnings[0]![1], /EISDIR/);
    assert.equal(
      warnings[1]![1],
      `tracehop: exporting to ${file} works again; 3 spans were lost while it failed (the first ` +
        `failure: EISDIR: illegal operation on a directory, open "${spansFile}"); shutdown() says how many spans were lost in all`,
    );
    assert.equal(
      warnings[2]![1],
      `tracehop: 3 spans to ${file} were lost in this process by exports that failed (the first ` +
        `failure: EISDIR: illegal operation on a directory, open "${spansFile}")`,
    );
    // The diag logger says each warning once, in its one line: no JSON stack of a failed batch.
    assert.deepEqual(
      lines,
      warnings.map(([, message]) => message),
    );
    // The file made a folder was removed with the first span: the one written after it is there.
    assert.equal(readSpansFile(spansFile).spans.length, 1, "the span written after");
  });

  test("the spans file a folder until shutdown, one failed write: the spans it lost are counted at shutdown (only the unwritable warning said it, with no count)", async (t) => {
    const spansFile = join(tempDir(t), "spans.jsonl");
    const result = await runHop({
      HOP_ROLE: "phases",
      HOP_SERVICE: "phases",
      HOP_SPANS_FILE: spansFile,
      HOP_BATCH: JSON.stringify({ scheduledDelayMillis: 50 }),
      HOP_PHASES: JSON.stringify([{ block: spansFile }, { spans: 2 }, { wait: 300 }]),
      OTEL_LOG_LEVEL: "warn",
    });
    assertExitedCleanly(result);
    const { warnings } = splitStderr(result.stderr);
    assert.deepEqual(
      warnings.map(([code]) => code),
      ["TRACEHOP_SPANS_FILE_UNWRITABLE", "TRACEHOP_SPANS_LOST"],
    );
    assert.equal(
      warnings[1]![1],
      `tracehop: 2 spans to the spans file "${spansFile}" were lost in this process by exports that failed ` +
        `(the first failure: EISDIR: illegal operation on a directory, open "${spansFile}")`,
    );
  });

  // (A control character in the path is refused by startTracing: test/tracing/env-control-characters.test.ts.)
  test("a spans file path holding a bidi override or a zero width space: escaped in each line that names it, and in the failure", async (t) => {
    const dir = tempDir(t);
    const spansFile = join(dir, "spans\u200b\u202egnp.jsonl");
    const result = await runHop({
      HOP_ROLE: "phases",
      HOP_SERVICE: "phases",
      HOP_SPANS_FILE: spansFile,
      HOP_BATCH: JSON.stringify({ scheduledDelayMillis: 50 }),
      HOP_PHASES: JSON.stringify([
        { block: spansFile },
        { spans: 2 },
        { wait: 300 },
        { unblock: spansFile },
        { spans: 1 },
        { wait: 300 },
      ]),
      OTEL_LOG_LEVEL: "warn",
    });
    assertExitedCleanly(result);
    const shown = `"${dir}/spans\\u200b\\u202egnp.jsonl"`;
    assert.deepEqual(
      splitStderr(result.stderr).warnings.map(([code, message]) => [code, message]),
      [
        [
          "TRACEHOP_SPANS_FILE_UNWRITABLE",
          `tracehop: spans could not be written to the spans file ${shown}: EISDIR: illegal operation on a ` +
            `directory, open ${shown}. Spans written there are lost while this lasts (said once per process); ` +
            "make the path a file in a writable folder (startTracing's spansFile, TRACEHOP_SPANS_FILE), or turn " +
            "the file off (spansFile: false).",
        ],
        [
          "TRACEHOP_EXPORT_RESUMED",
          `tracehop: exporting to the spans file ${shown} works again; 2 spans were lost while it failed (the ` +
            `first failure: EISDIR: illegal operation on a directory, open ${shown}); shutdown() says how many ` +
            "spans were lost in all",
        ],
        // As that line says: the total at shutdown, though a single write failed.
        [
          "TRACEHOP_SPANS_LOST",
          `tracehop: 2 spans to the spans file ${shown} were lost in this process by exports that failed ` +
            `(the first failure: EISDIR: illegal operation on a directory, open ${shown})`,
        ],
      ],
    );
  });
});
