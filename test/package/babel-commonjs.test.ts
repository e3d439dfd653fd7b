// Jest on Node before 24.9 cannot `require` an ES module, and the fix its own error offers first is to let
// babel-jest compile the package to CommonJS (`transformIgnorePatterns: ["/node_modules/(?!tracehop/)"]`),
// with babel-plugin-transform-import-meta for the `import.meta.url` tracehop reads (README.md, "Using the
// library"). babel-jest compiles each file on its own and runs it as CommonJS: done here with the same
// Babel 7 plugins, on every module of dist/src, into an application's node_modules/tracehop, which a
// CommonJS script then requires. A module-level binding named `require` breaks that: Babel renames it
// `_require`, and the plugin's `require("url")` in the same statement then reads it before it is set
// (`ReferenceError: Cannot access '_require' before initialization` at load).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { transformFileSync } from "@babel/core";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const APP = `
const { captureCarrier, startTracing, withCarrier } = require("tracehop");
const { withProcessSpan } = require("tracehop/messaging");
const { readFileSync } = require("node:fs");

const spansFile = process.argv[2];
const tracing = startTracing({ serviceName: "babel-jest", spansFile });
const stored = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
const captured = withCarrier(stored, "job process", () => captureCarrier());
withProcessSpan(captured, { system: "rabbitmq", destination: "jobs" }, async () => captureCarrier())
  .then((processed) => tracing.shutdown().then(() => processed))
  .then((processed) => {
    const spans = readFileSync(spansFile, "utf8").trim().split("\\n").flatMap((line) =>
      JSON.parse(line).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
    console.log(JSON.stringify({
      captured: captured.traceparent,
      processed: processed.traceparent,
      spans: spans.map((span) => [span.name, span.traceId, span.spanId, span.parentSpanId]),
    }));
  });
`;

/** The `.js` files under `dir`, recursively. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? jsFiles(join(dir, entry.name))
      : entry.name.endsWith(".js")
        ? [join(dir, entry.name)]
        : [],
  );
}

test("tracehop compiled to CommonJS by Babel, file by file as babel-jest does, loads, restores a carrier and starts tracing", (t) => {
  const app = join(ROOT, ".tmp", `babel-commonjs-${process.pid}`);
  const installed = join(app, "node_modules", "tracehop");
  t.after(() => rmSync(app, { recursive: true, force: true }));
  for (const file of jsFiles(join(ROOT, "dist", "src"))) {
    const out = join(installed, relative(ROOT, file));
    const result = transformFileSync(file, {
      babelrc: false,
      configFile: false,
      sourceType: "module",
      plugins: ["babel-plugin-transform-import-meta", "@babel/plugin-transform-modules-commonjs"],
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, result!.code!);
  }
  // The package's own package.json (its exports map), its modules now CommonJS, as Jest runs them.
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(installed, "package.json"), JSON.stringify({ ...pkg, type: "commonjs" }));
  // The application's own package.json: without it the closest one is this package's, and `tracehop`
  // would resolve to dist/ by self-reference instead of node_modules.
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
  writeFileSync(join(app, "app.cjs"), APP);

  const child = spawnSync(process.execPath, [join(app, "app.cjs"), join(app, "spans.jsonl")], {
    cwd: app,
    encoding: "utf8",
  });
  assert.equal(child.status, 0, child.stderr);
  const { captured, processed, spans } = JSON.parse(child.stdout) as {
    captured: string;
    processed: string;
    spans: [string, string, string, string][];
  };
  // Two spans through the SDK tracehop loaded with its `require`: the restored one, child of the stored
  // parent, and the process span, child of the carrier captured inside the first.
  const byName = new Map(spans.map((span) => [span[0], span]));
  assert.deepEqual([...byName.keys()].sort(), ["job process", "process jobs"]);
  const [, traceId, restoredId, restoredParent] = byName.get("job process")!;
  const [, processTraceId, processId, processParent] = byName.get("process jobs")!;
  assert.deepEqual(
    [traceId, restoredParent, processTraceId, processParent],
    ["4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "4bf92f3577b34da6a3ce929d0e0e4736", restoredId],
  );
  assert.equal(captured, `00-4bf92f3577b34da6a3ce929d0e0e4736-${restoredId}-01`);
  assert.equal(processed, `00-4bf92f3577b34da6a3ce929d0e0e4736-${processId}-01`);
});
