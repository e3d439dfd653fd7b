// tracehop/spans is part of the package a user installs: `npm pack` ships its files, the exports map and
// typesVersions name them, and an application reads a spans file with it, by import and by require,
// through the package's own exports map (self-reference by name, as a consumer resolves it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "../support/temp-dir.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The paths `npm pack` puts in the package (from the root), without building or running scripts. */
function packedPaths(): Set<string> {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [pack] = JSON.parse(out) as [{ files: { path: string }[] }];
  return new Set(pack.files.map((file) => file.path));
}

test("the packed package ships tracehop/spans: exports and typesVersions name files it holds", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    exports: Record<string, Record<string, string>>;
    typesVersions: Record<string, Record<string, string[]>>;
  };
  assert.deepEqual(pkg.exports["./spans"], {
    types: "./dist/src/spans/index.d.ts",
    import: "./dist/src/spans/index.js",
    default: "./dist/src/spans/index.js",
  });
  assert.deepEqual(pkg.typesVersions["*"]!.spans, ["./dist/src/spans/index.d.ts"]);
  const packed = packedPaths();
  for (const target of [...Object.values(pkg.exports["./spans"]!), ...pkg.typesVersions["*"]!.spans!])
    assert.ok(packed.has(target.replace(/^\.\//, "")), `${target} is not in the package`);
});

/** One OTLP/JSON line as the Collector's file exporter writes it: a server span and its consumer child. */
const TRACE = "5b8efff798038103d269b633813fc60c";
const LINE = JSON.stringify({
  resourceSpans: [
    ["api", "eee19b7ec3c1b174", "", "POST /jobs", 2, "1544712660000000000", "1544712661500000000"],
    [
      "worker",
      "00f067aa0ba902b7",
      "eee19b7ec3c1b174",
      "process jobs",
      5,
      "1544712660100000000",
      "1544712660200000000",
    ],
  ].map(([service, spanId, parentSpanId, name, kind, start, end]) => ({
    resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
    scopeSpans: [
      {
        spans: [
          {
            traceId: TRACE,
            spanId,
            parentSpanId,
            name,
            kind,
            startTimeUnixNano: start,
            endTimeUnixNano: end,
          },
        ],
      },
    ],
  })),
});

test("an application reads a spans file with tracehop/spans, by import and by require", (t) => {
  const file = join(tempDir(t, "spans-export"), "spans.jsonl");
  writeFileSync(file, LINE + "\n");
  const body = (load: string) =>
    [
      load,
      `const spans = readSpansFile(${JSON.stringify(file)});`,
      `const [trace, ...others] = groupTraces(spans);`,
      `console.log(JSON.stringify({ traces: 1 + others.length, services: trace.spans.map((s) => s.service), ids: datadogTraceId(trace.traceId), line: traceIdLine(trace.traceId), tree: formatTraceTree(trace, { header: false, details: false }) }));`,
    ].join("\n");
  const expected = {
    traces: 1,
    services: ["api", "worker"],
    ids: { decimal: "15161849952847513100", tid: "5b8efff798038103" },
    line: `trace ${TRACE} (W3C)  =  15161849952847513100 (Datadog x-datadog-trace-id, _dd.p.tid=5b8efff798038103)`,
    tree: "api     POST /jobs  1500.0 ms\nworker    process jobs  100.0 ms",
  };
  for (const [kind, script] of [
    [
      "module",
      body(
        `import { readSpansFile, groupTraces, datadogTraceId, traceIdLine, formatTraceTree } from "tracehop/spans";`,
      ),
    ],
    [
      "commonjs",
      body(
        `const { readSpansFile, groupTraces, datadogTraceId, traceIdLine, formatTraceTree } = require("tracehop/spans");`,
      ),
    ],
  ] as const) {
    const child = spawnSync(process.execPath, ["--no-warnings", `--input-type=${kind}`, "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(child.status, 0, `${kind}: ${child.stderr}`);
    assert.deepEqual(JSON.parse(child.stdout), expected, kind);
  }
});
