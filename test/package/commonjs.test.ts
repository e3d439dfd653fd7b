// The package is ES modules; Node 20.19+ (the supported range) loads them from CommonJS with require(),
// so a CommonJS application can require("tracehop") and its subpaths. Checked in a child process
// through the package's own exports map (self-reference by name), as a CommonJS consumer resolves it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("require('tracehop'), 'tracehop/messaging' and 'tracehop/prisma' from CommonJS", () => {
  const script = [
    `const tracehop = require("tracehop");`,
    `const messaging = require("tracehop/messaging");`,
    `const prisma = require("tracehop/prisma");`,
    `const carrier = tracehop.captureCarrier({ context: tracehop.contextFromCarrier({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }) });`,
    `console.log(JSON.stringify([typeof tracehop.startTracing, typeof messaging.withProcessSpan, typeof prisma.traceCarrierExtension, carrier.traceparent]));`,
  ].join("\n");
  const child = spawnSync(process.execPath, ["--no-warnings", "-e", script], { cwd: ROOT, encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout.trim()), [
    "function",
    "function",
    "function",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  ]);
});
