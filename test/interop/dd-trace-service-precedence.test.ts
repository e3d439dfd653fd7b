// What TRACEHOP_DATADOG_SETTING_OVERRIDDEN says dd-trace would do, checked on the real dd-trace: with
// DD_SERVICE, DD_ENV, DD_VERSION set beside the OpenTelemetry settings of the same attributes and other
// values, dd-trace takes the Datadog ones (OTEL_SERVICE_NAME is its alias of DD_SERVICE), where
// startTracing takes the OpenTelemetry ones (docs/export.md, "`startTracing(options)`").
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { detectedWith } from "../tracing/config-env.js";

const BOTH = {
  DD_SERVICE: "checkout",
  OTEL_SERVICE_NAME: "orders",
  DD_ENV: "prod",
  DD_VERSION: "1.2.3",
  OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging,service.version=2.0.0",
};

test("DD_* beside OTEL_* with other values: dd-trace names its service, env and version from DD_*, startTracing from OTEL_*", () => {
  // A process of its own: dd-trace reads its environment once, at init. No agent traffic.
  const child = spawnSync(
    process.execPath,
    [
      "-e",
      [
        'const tracer = require("dd-trace").init({ startupLogs: false, telemetry: { enabled: false }, remoteConfig: { enabled: false }, plugins: false });',
        "const { service, env, version } = tracer._tracer._config;",
        "console.log(JSON.stringify({ service, env, version }));",
        "process.exit(0);",
      ].join("\n"),
    ],
    {
      encoding: "utf8",
      env: {
        ...process.env,
        ...BOTH,
        DD_TRACE_AGENT_URL: "http://127.0.0.1:9",
        DD_TRACE_STARTUP_LOGS: "false",
      },
    },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { service: "checkout", env: "prod", version: "1.2.3" });
  // The resource startTracing's SDK exports, its detectors run under the same environment.
  const resource = detectedWith(undefined, BOTH);
  assert.equal(resource["service.name"], "orders");
  assert.equal(resource["deployment.environment.name"], "staging");
  assert.equal(resource["service.version"], "2.0.0");
});
