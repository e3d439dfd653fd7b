/**
 * startTracing after shutdown() with instrumentations, as a test suite that starts several SDKs in one
 * process does (docs/export.md): a real node:http server, @opentelemetry/instrumentation-http, and the
 * spans file of each start. One test: node:http is patched once per process, so the rounds depend on
 * what the earlier ones patched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type * as HttpModule from "node:http";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { tempDir } from "../support/temp-dir.js";
import { readSpansFile } from "./otlp-helpers.js";

const require = createRequire(import.meta.url);

/** Serves one GET request on a new node:http server (required now, as an application does). */
async function serveOneRequest(path: string): Promise<void> {
  const { createServer } = require("node:http") as typeof HttpModule;
  const server = createServer((_request, response) => response.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as { port: number };
    // fetch (undici) is not patched by the HTTP instrumentation: only the server span is recorded.
    assert.equal(await (await fetch(`http://127.0.0.1:${port}${path}`)).text(), "ok");
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** `[service, span name, kind]` of each span in `file` (none when it was never written). */
function spansIn(file: string): [string | undefined, string, number][] {
  if (!existsSync(file)) return [];
  return readSpansFile(file).spans.map((span) => [span.serviceName, span.name, span.kind]);
}

/** Whether node:http's server is wrapped by an instrumentation (shimmer marks what it wraps). */
function serverWrapped(): boolean {
  const { Server } = require("node:http") as typeof HttpModule;
  return (Server.prototype.emit as { __wrapped?: boolean }).__wrapped === true;
}

const SERVER = 2; // SpanKind.SERVER + 1 in OTLP

test("after shutdown() the instrumentations are disabled; a restart with the same instance traces with the new start, a new instance is warned about and records nothing into the stopped start", async (t) => {
  resetWarnings();
  const dir = tempDir(t, "restart");
  const first = new HttpInstrumentation();
  t.after(() => first.disable());

  const round = async (name: string, instrumentation: HttpInstrumentation) => {
    const spansFile = join(dir, `${name}.jsonl`);
    const { result: handle, processWarnings } = await recordWarnings(() =>
      startTracing({ serviceName: name, spansFile, instrumentations: [instrumentation] }),
    );
    try {
      await serveOneRequest(`/${name}`);
    } finally {
      await handle.shutdown();
    }
    assert.equal(instrumentation.isEnabled(), false, `${name}: shutdown() disabled the instrumentation`);
    assert.equal(serverWrapped(), false, `${name}: node:http is no longer wrapped after shutdown()`);
    return { spansFile, processWarnings };
  };

  const one = await round("round-1", first);
  assert.deepEqual(spansIn(one.spansFile), [["round-1", "GET", SERVER]]);
  assert.deepEqual(one.processWarnings, []);

  // The same instance: enabled again by the NodeSDK, bound to the second start's tracer provider.
  const two = await round("round-2", first);
  assert.deepEqual(spansIn(two.spansFile), [["round-2", "GET", SERVER]]);
  assert.deepEqual(spansIn(one.spansFile), [["round-1", "GET", SERVER]], "nothing more in round 1's file");
  assert.deepEqual(two.processWarnings, []);

  // A new instance cannot patch node:http, loaded and patched by the first one (OpenTelemetry patches
  // a module once per process): its request is not traced, and startTracing says so. The first
  // instance, disabled by shutdown(), does not record the request into round 2's stopped span processors.
  const another = new HttpInstrumentation();
  t.after(() => another.disable());
  const three = await round("round-3", another);
  assert.deepEqual(spansIn(three.spansFile), []);
  assert.deepEqual(spansIn(two.spansFile), [["round-2", "GET", SERVER]], "nothing more in round 2's file");
  assert.deepEqual(
    three.processWarnings.map(([code]) => code),
    ["TRACEHOP_INSTRUMENTATION_NOT_APPLIED"],
  );
  assert.match(
    three.processWarnings[0]![1],
    /a new @opentelemetry\/instrumentation-http instance, .* Give each startTracing the instance the first/,
  );

  // The first instance again: traced by the fourth start.
  const four = await round("round-4", first);
  assert.deepEqual(spansIn(four.spansFile), [["round-4", "GET", SERVER]]);
  assert.deepEqual(four.processWarnings, []);
});
