// An application bundled with esbuild (platform node), tracehop inlined as esbuild does by default (AWS
// CDK's NodejsFunction and serverless-esbuild bundle every package), in both output formats. A CommonJS
// bundle empties `import.meta` (esbuild says so and writes `{}`), which tracehop's lazy loader of the SDK
// packages read at load (src/tracing/sdk-modules.ts): the bundle must still load, restore and capture a
// carrier, and start tracing from the SDK packages shipped in node_modules beside it (docs/export.md,
// "Bundling"). The bundle is written under the package root so that `tracehop` resolves through the
// exports map and the SDK packages through node_modules, as in an application's folder. With
// `--packages=external` (every package left to node_modules, what esbuild's users do for a server)
// tracehop is imported through its exports map at run time, in either format.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const APP = `
import { captureCarrier, contextFromCarrier, startTracing, withCarrier } from "tracehop";
import { readFileSync } from "node:fs";

const spansFile = process.argv[2];
const tracing = startTracing({ serviceName: "bundled", spansFile });
const stored = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
const captured = withCarrier(stored, "job process", () => captureCarrier());
tracing.shutdown().then(() => {
  const spans = readFileSync(spansFile, "utf8").trim().split("\\n").flatMap((line) =>
    JSON.parse(line).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  console.log(JSON.stringify({
    restored: captureCarrier({ context: contextFromCarrier(stored) }).traceparent,
    captured: captured.traceparent,
    spans: spans.map((span) => [span.name, span.traceId, span.spanId, span.parentSpanId]),
  }));
});
`;

for (const [format, packages] of [
  ["cjs", "bundle"],
  ["esm", "bundle"],
  ["cjs", "external"],
  ["esm", "external"],
] as const) {
  const how = packages === "bundle" ? "that inlines tracehop" : "with --packages=external";
  test(`an esbuild bundle (--platform=node --format=${format}) ${how} loads, restores a carrier and starts tracing`, async (t) => {
    const dir = join(ROOT, ".tmp", `bundle-${format}-${packages}-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "app.mjs"), APP);
    const outfile = join(dir, format === "cjs" ? "app.cjs" : "app.mjs.bundle.mjs");
    await build({
      entryPoints: [join(dir, "app.mjs")],
      bundle: true,
      platform: "node",
      format,
      target: "node20",
      outfile,
      logLevel: "silent",
      packages,
      // What esbuild's users add to an ES module bundle for the CommonJS packages in it (OpenTelemetry's)
      // that require Node's built-in modules: a `require` for esbuild's shim to call.
      ...(format === "esm"
        ? {
            banner: {
              js: 'import { createRequire as bannerRequire } from "node:module"; const require = bannerRequire(import.meta.url);',
            },
          }
        : {}),
    });
    const child = spawnSync(process.execPath, [outfile, join(dir, "spans.jsonl")], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(child.status, 0, child.stderr);
    const { restored, captured, spans } = JSON.parse(child.stdout) as {
      restored: string;
      captured: string;
      spans: [string, string, string, string][];
    };
    assert.equal(restored, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    // One span, exported through the SDK loaded from node_modules, child of the stored parent; the carrier
    // captured inside it names it as the next parent.
    assert.equal(spans.length, 1);
    const [name, traceId, spanId, parentSpanId] = spans[0]!;
    assert.deepEqual(
      [name, traceId, parentSpanId],
      ["job process", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"],
    );
    assert.equal(captured, `00-4bf92f3577b34da6a3ce929d0e0e4736-${spanId}-01`);
  });
}

test("the bundle copied where no node_modules holds the SDK packages: startTracing's error says how to ship them", async (t) => {
  const dir = join(ROOT, ".tmp", `bundle-alone-${process.pid}`);
  const alone = mkdtempSync(join(tmpdir(), "tracehop-bundle-"));
  mkdirSync(dir, { recursive: true });
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(alone, { recursive: true, force: true });
  });
  writeFileSync(
    join(dir, "app.mjs"),
    [
      'import { captureCarrier, contextFromCarrier, startTracing } from "tracehop";',
      'const stored = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };',
      "console.log(captureCarrier({ context: contextFromCarrier(stored) }).traceparent);",
      'try { startTracing({ serviceName: "bundled", spansFile: false }); } catch (error) { console.log(error.message); }',
      "",
    ].join("\n"),
  );
  const outfile = join(alone, "app.cjs");
  await build({
    entryPoints: [join(dir, "app.mjs")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    outfile,
    logLevel: "silent",
  });
  const child = spawnSync(process.execPath, [outfile], { cwd: alone, encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  const [restored, message] = child.stdout.trim().split("\n");
  assert.equal(restored, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  assert.match(
    message!,
    /^tracehop: cannot load @opentelemetry\/resources, which tracehop loads from node_modules when it starts tracing \(Cannot find module '@opentelemetry\/resources'\)\. A bundle made by esbuild or rollup does not contain it: ship node_modules beside the bundle, or keep tracehop and @opentelemetry\/\* external \(esbuild: --external:tracehop --external:@opentelemetry\/\*\) and install them beside it \(docs\/export\.md, "Bundling"\)/,
  );
});
