// The package is ES modules; Node 20.19+ (the supported range) loads them from CommonJS with require(),
// so a CommonJS application can require("tracehop") and its subpaths. Checked in a child process
// through the package's own exports map (self-reference by name), as a CommonJS consumer resolves it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

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

test('TypeScript 5 with "module": "commonjs" (node10 resolution, which reads no exports map) finds the types of every entry point, and the emitted require() runs', (t) => {
  // An application's folder with tracehop installed (a link to this package, as npm links a local
  // dependency): node10 looks for node_modules/tracehop, never for the package's own name.
  const app = join(ROOT, ".tmp", `commonjs-types-${process.pid}`);
  mkdirSync(join(app, "node_modules"), { recursive: true });
  t.after(() => rmSync(app, { recursive: true, force: true }));
  symlinkSync(ROOT, join(app, "node_modules", "tracehop"), "dir");
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    exports: Record<string, unknown>;
  };
  const subpaths = Object.keys(pkg.exports).filter((key) => key !== "./package.json");
  writeFileSync(
    join(app, "app.ts"),
    [
      ...subpaths.map((key, i) => `import * as entry${i} from "${join("tracehop", key)}";`),
      `import { captureCarrier, contextFromCarrier, type TraceCarrier } from "tracehop";`,
      `const carrier: TraceCarrier = captureCarrier({ context: contextFromCarrier({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }) });`,
      `console.log(JSON.stringify([carrier.traceparent, ${subpaths.map((_, i) => `Object.keys(entry${i}).length > 0`).join(", ")}]));`,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { module: "commonjs", target: "es2022", strict: true, types: ["node"], outDir: "out" },
      files: ["app.ts"],
    }),
  );
  const tsc = spawnSync(process.execPath, [TSC, "-p", join(app, "tsconfig.json")], {
    cwd: app,
    encoding: "utf8",
  });
  assert.equal(tsc.stdout + tsc.stderr, "");
  assert.equal(tsc.status, 0);
  const child = spawnSync(process.execPath, ["--no-warnings", join(app, "out", "app.js")], {
    cwd: app,
    encoding: "utf8",
  });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), [
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ...subpaths.map(() => true),
  ]);
});
