/**
 * otel-collector.yaml cannot be run here (no collector binary); this checks its structure the way
 * the collector's own validation would, plus the Datadog-specific choices docs/export.md explains.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const CONFIG_PATH = fileURLToPath(new URL("../../otel-collector.yaml", import.meta.url));
const EXPORT_DOC_PATH = fileURLToPath(new URL("../../docs/export.md", import.meta.url));

type Section = Record<string, any>;
interface Pipeline {
  receivers?: string[];
  processors?: string[];
  exporters?: string[];
}
interface CollectorConfig {
  receivers: Section;
  processors: Section;
  connectors: Section;
  exporters: Section;
  service: { pipelines: Record<string, Pipeline> };
}

const text = readFileSync(CONFIG_PATH, "utf8");
const config = parse(text) as CollectorConfig;
const pipelines = Object.entries(config.service.pipelines);
const exportDoc = readFileSync(EXPORT_DOC_PATH, "utf8");
/** Component type: the part of an id before "/" (collector component id syntax `type[/name]`). */
const typeOf = (id: string) => id.split("/")[0];
/** Names of the environment variables the file reads (`${env:NAME}` / `${env:NAME:-default}`), comments aside. */
const configLines = text
  .split("\n")
  .filter((line) => !line.trimStart().startsWith("#"))
  .join("\n");
const envRead = new Set(
  [...configLines.matchAll(/\$\{env:([A-Z_][A-Z0-9_]*)(:-[^}]*)?\}/g)].map((m) => m[1]!),
);

/**
 * The structural checks the collector makes before it starts (otelcol `Config.Validate`): every
 * pipeline names a signal and references defined components only. Connectors may be receivers or
 * exporters.
 */
function checkReferences(cfg: CollectorConfig): void {
  for (const [name, pipeline] of Object.entries(cfg.service.pipelines)) {
    assert.ok(pipeline.receivers?.length, `${name}: receivers`);
    assert.ok(pipeline.exporters?.length, `${name}: exporters`);
    for (const id of pipeline.receivers!)
      assert.ok(
        id in cfg.receivers || id in (cfg.connectors ?? {}),
        `${name}: receiver ${id} is not defined`,
      );
    for (const id of pipeline.processors ?? [])
      assert.ok(id in cfg.processors, `${name}: processor ${id} is not defined`);
    for (const id of pipeline.exporters!)
      assert.ok(
        id in cfg.exporters || id in (cfg.connectors ?? {}),
        `${name}: exporter ${id} is not defined`,
      );
    assert.match(name, /^(traces|metrics|logs)(\/[\w-]+)?$/, `${name}: pipeline id names its signal`);
  }
}

/** Every component the configuration defines is used by some pipeline. */
function checkAllUsed(cfg: CollectorConfig): void {
  const all = Object.values(cfg.service.pipelines);
  const used = new Set(
    all.flatMap((p) => [...(p.receivers ?? []), ...(p.processors ?? []), ...p.exporters!]),
  );
  for (const section of ["receivers", "processors", "connectors", "exporters"] as const)
    for (const id of Object.keys(cfg[section] ?? {}))
      assert.ok(used.has(id), `${section}.${id} is never used`);
}

/** The `docker run` command of docs/export.md's collector section, continuation lines joined. */
function dockerCommand(): string {
  const section = exportDoc.slice(exportDoc.indexOf("## The Collector configuration"));
  const block = section.slice(section.indexOf("```sh"), section.indexOf("```", section.indexOf("```sh") + 5));
  const start = block.indexOf("docker run");
  assert.ok(start >= 0, "docs/export.md shows a docker run command");
  return block
    .slice(start)
    .replace(/\\\n\s*/g, " ")
    .split("\n")[0]!;
}

describe("otel-collector.yaml", () => {
  test("every pipeline references defined components; connectors may be receivers or exporters", () => {
    checkReferences(config);
  });

  test("every defined component is used by some pipeline", () => {
    checkAllUsed(config);
  });

  test("the datadog connector is the exporter of one traces pipeline and the receiver of traces and metrics pipelines", () => {
    const connector = "datadog/connector";
    assert.equal(typeOf(connector), "datadog");
    const feeding = pipelines.filter(([, p]) => p.exporters!.includes(connector)).map(([n]) => n);
    const fed = pipelines.filter(([, p]) => p.receivers!.includes(connector)).map(([n]) => n);
    assert.deepEqual(feeding, ["traces"]);
    assert.ok(
      fed.some((n) => n.startsWith("traces/")),
      "a traces pipeline carries the spans on",
    );
    assert.ok(
      fed.some((n) => n.startsWith("metrics")),
      "a metrics pipeline carries the APM stats",
    );
    for (const name of feeding) assert.ok(!fed.includes(name), "no pipeline feeds itself");
    for (const name of fed) assert.deepEqual(config.service.pipelines[name]!.exporters, ["datadog"]);
    assert.deepEqual(config.service.pipelines.traces!.receivers, ["otlp"]);
  });

  test("APM stats are computed by span kind, so PRODUCER and CONSUMER spans count", () => {
    assert.equal(config.connectors["datadog/connector"].traces.compute_stats_by_span_kind, true);
    assert.equal(config.connectors["datadog/connector"].traces.peer_tags_aggregation, true);
  });

  test("OTLP receiver takes gRPC (4317) and HTTP (4318)", () => {
    const protocols = config.receivers.otlp.protocols;
    assert.match(protocols.grpc.endpoint, /:4317$/);
    assert.match(protocols.http.endpoint, /:4318$/);
  });

  test("memory_limiter and batch carry Datadog's documented values; memory_limiter comes first everywhere", () => {
    assert.deepEqual(config.processors.memory_limiter, { check_interval: "1s", limit_mib: 1000 });
    assert.deepEqual(config.processors.batch, {
      send_batch_max_size: 1000,
      send_batch_size: 100,
      timeout: "10s",
    });
    for (const [name, pipeline] of pipelines) {
      assert.equal(pipeline.processors?.[0], "memory_limiter", `${name}: memory_limiter first`);
      const batch = pipeline.processors!.indexOf("batch");
      if (pipeline.exporters!.some((id) => typeOf(id) === "datadog"))
        assert.ok(batch > 0, `${name}: batch before the Datadog exporter or connector`);
    }
  });

  test("the Datadog API key and site come from the environment, never from the file", () => {
    assert.equal(config.exporters.datadog.api.key, "${env:DD_API_KEY}");
    assert.match(config.exporters.datadog.api.site, /^\$\{env:DD_SITE(:-datadoghq\.com)?\}$/);
    // Nothing that looks like a key: Datadog API keys are 32 hex characters.
    assert.doesNotMatch(text, /\b[0-9a-f]{32}\b/i);
    const secrets = [...text.matchAll(/^\s*(key|api_key|token|password):\s*(.+)$/gm)].map((m) =>
      m[2]!.trim(),
    );
    for (const value of secrets)
      assert.match(value, /^\$\{env:[A-Z_][A-Z0-9_]*\}$/, `secret-like value ${value}`);
  });

  test("a local pipeline writes every span to debug and an OTLP JSON file without Datadog", () => {
    const local = pipelines.filter(
      ([, p]) =>
        p.receivers!.includes("otlp") && p.exporters!.some((id) => ["debug", "file"].includes(typeOf(id)!)),
    );
    assert.equal(local.length, 1);
    const [, pipeline] = local[0]!;
    assert.ok(!pipeline.exporters!.some((id) => typeOf(id) === "datadog"));
    const file = pipeline.exporters!.find((id) => typeOf(id) === "file")!;
    assert.equal(config.exporters[file].format, "json", "same format as tracehop's spans file");
    assert.match(config.exporters[file].path, /\$\{env:COLLECTOR_SPANS_FILE:-.+\}/);
  });

  test("the stated minimum collector version is v0.110 (deployment.environment.name -> env), in the file and docs/export.md", () => {
    // Datadog docs, "OpenTelemetry Semantic Conventions and Datadog Conventions": deployment.environment.name
    // is supported by the Datadog Exporter from v0.110.0 (opentelemetry-collector-contrib PR #35147).
    assert.match(text.split("\n")[0]!, /v0\.110 or later/);
    assert.doesNotMatch(text, /v0\.10[89] or later/);
    assert.match(exportDoc, /\(`otelcol-contrib`\), v0\.110\s+or later/);
    assert.doesNotMatch(exportDoc, /v0\.10[89] or\s+later/);
  });

  test("the docker run command of docs/export.md sets only variables the file reads, and writes the spans file to a folder it mounts", () => {
    const command = dockerCommand();
    const env = new Map(
      [...command.matchAll(/(?:^|\s)-e\s+([A-Z_][A-Z0-9_]*)(?:=(\S+))?/g)].map((m) => [m[1]!, m[2]]),
    );
    for (const name of env.keys())
      assert.ok(envRead.has(name), `-e ${name} is not read by otel-collector.yaml`);
    for (const name of envRead)
      assert.ok(env.has(name), `otel-collector.yaml reads ${name}; the command passes it`);
    assert.equal(env.get("OTLP_RECEIVER_HOST"), "0.0.0.0", "a container listens on all interfaces");
    const mounts = [...command.matchAll(/\s-v\s+"?([^"\s]+)"?/g)].map((m) => {
      const [host, target] = m[1]!.split(":");
      return { host: host!, target: target! };
    });
    // The image's CMD reads /etc/otelcol-contrib/config.yaml (opentelemetry-collector-releases,
    // distributions/otelcol-contrib/Dockerfile).
    assert.ok(
      mounts.some(
        (m) => m.host === "$PWD/otel-collector.yaml" && m.target === "/etc/otelcol-contrib/config.yaml",
      ),
    );
    // The image is FROM scratch, USER 10001, no WORKDIR: the default relative path would be
    // /.tracehop/..., which that user cannot create. The spans file must lie in a mounted folder.
    const spansFile = env.get("COLLECTOR_SPANS_FILE");
    assert.ok(spansFile?.startsWith("/"), `COLLECTOR_SPANS_FILE is an absolute path (got ${spansFile})`);
    const folder = mounts.find((m) => spansFile!.startsWith(m.target + "/"));
    assert.ok(folder, `${spansFile} lies in a folder the command mounts`);
    assert.notEqual(folder.target, "/etc/otelcol-contrib", "not beside the mounted config file");
    // The bind-mounted host folder is written by the invoking user (--user), and made beforehand.
    assert.match(command, /--user "\$\(id -u\):\$\(id -g\)"/);
    assert.match(
      exportDoc,
      new RegExp(`mkdir -p ${folder.host.replace("$PWD/", "").replace(/\./g, "\\.")}\\n`),
    );
  });

  test("the local-only variant docs/export.md describes is valid and holds nothing of Datadog", () => {
    // What docs/export.md says to delete for a run without a Datadog API key. The collector validates
    // every defined component, used or not, and the datadog exporter refuses an empty or non-hex key.
    const paragraph = exportDoc.slice(exportDoc.indexOf("For a purely local run"));
    const removed = {
      connectors: ["datadog/connector"],
      exporters: ["datadog"],
      processors: ["batch"],
      pipelines: ["traces", "traces/datadog", "metrics/apm"],
    };
    for (const id of Object.values(removed).flat())
      assert.ok(paragraph.slice(0, 600).includes(`\`${id}\``), `docs/export.md names ${id} to delete`);
    const local = structuredClone(config);
    delete (local as Partial<CollectorConfig>).connectors;
    for (const id of removed.exporters) delete local.exporters[id];
    for (const id of removed.processors) delete local.processors[id];
    for (const name of removed.pipelines) delete local.service.pipelines[name];
    checkReferences(local);
    checkAllUsed(local);
    assert.deepEqual(Object.keys(local.service.pipelines), ["traces/local"]);
    const all = [local.receivers, local.processors, local.exporters].flatMap((section) =>
      Object.keys(section),
    );
    assert.ok(!all.some((id) => typeOf(id) === "datadog"), `no datadog component left: ${all.join(", ")}`);
    assert.doesNotMatch(JSON.stringify(local), /DD_API_KEY/);
  });
});
