// Importing tracehop loads none of the SDK packages (the NodeSDK with every exporter it supports, the
// OTLP exporter and serializer, the trace SDK, resources): they load with the first startTracing / the
// first export of the spans file (src/tracing/sdk-modules.ts). Checked in a
// child process (a clean module cache) through the package's own entry points, as a user imports them.
import { tempDir } from "../support/temp-dir.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

import { join } from "node:path";

const HEAVY = [
  "@opentelemetry/sdk-node/",
  "@opentelemetry/exporter-trace-otlp-http/",
  "@opentelemetry/otlp-transformer/",
  "@opentelemetry/sdk-trace-base/",
  "@opentelemetry/resources/",
];

function loadedAfter(script: string, env: Record<string, string> = {}): Record<string, boolean> {
  const source = [
    `import { createRequire } from "node:module";`,
    script,
    `const loaded = Object.keys(createRequire(import.meta.url).cache);`,
    `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(HEAVY)}.map((name) => [name, loaded.some((path) => path.includes(name))]))));`,
  ].join("\n");
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", source], {
    encoding: "utf8",
    env: {
      ...process.env,
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
      ...env,
    },
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as Record<string, boolean>;
}

test("import of tracehop, tracehop/messaging and tracehop/prisma loads none of the SDK packages", () => {
  const none = Object.fromEntries(HEAVY.map((name) => [name, false]));
  assert.deepEqual(loadedAfter(`await import("tracehop");`), none);
  assert.deepEqual(loadedAfter(`await import("tracehop/messaging");`), none);
  assert.deepEqual(loadedAfter(`await import("tracehop/prisma");`), none);
});

test("startTracing and the first export of the spans file load them", (t) => {
  const spansFile = join(tempDir(t, "lazy"), "spans.jsonl");
  const loaded = loadedAfter(
    [
      `const { startTracing } = await import("tracehop");`,
      `const { trace } = await import("@opentelemetry/api");`,
      `const handle = startTracing({ serviceName: "lazy", spansFile: ${JSON.stringify(spansFile)}, exportTimeoutMillis: 200 });`,
      `trace.getTracer("t").startSpan("s").end();`,
      `await handle.shutdown();`,
    ].join("\n"),
  );
  assert.deepEqual(loaded, Object.fromEntries(HEAVY.map((name) => [name, true])));
});

test("startTracing under OTEL_SDK_DISABLED=true does not load the NodeSDK or an exporter", () => {
  const loaded = loadedAfter(
    [
      `const { startTracing } = await import("tracehop");`,
      `const handle = startTracing({ serviceName: "off", spansFile: false });`,
      `await handle.shutdown();`,
    ].join("\n"),
    { OTEL_SDK_DISABLED: "true", OTEL_TRACES_SAMPLER: "parentbased_traceidratio" },
  );
  assert.equal(loaded["@opentelemetry/sdk-node/"], false);
  assert.equal(loaded["@opentelemetry/exporter-trace-otlp-http/"], false);
  assert.equal(loaded["@opentelemetry/otlp-transformer/"], false);
});
