// The spans tracehop starts name their instrumentation scope "tracehop" with the package's version, as
// OpenTelemetry's own packages do; the version is a constant (src/version.ts) that must follow package.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { exporter } from "../support/sdk.js";
import { withCarrier } from "../../src/index.js";
import { withProcessSpan } from "../../src/messaging/index.js";
import { VERSION } from "../../src/version.js";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

test("VERSION is package.json's version", () => {
  assert.equal(VERSION, manifest.version);
});

test("the spans tracehop starts carry the instrumentation scope tracehop with the package's version", async () => {
  exporter.reset();
  const carrier = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
  await withCarrier(carrier, "job", () => undefined);
  await withProcessSpan(carrier, { system: "rabbitmq", destination: "jobs" }, () => undefined);
  const scopes = exporter.getFinishedSpans().map((span) => span.instrumentationScope);
  assert.deepEqual(scopes, [
    { name: "tracehop", version: manifest.version, schemaUrl: undefined },
    { name: "tracehop", version: manifest.version, schemaUrl: undefined },
  ]);
});
