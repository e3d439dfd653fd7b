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
/** Component type: the part of an id before "/" (collector component id syntax `type[/name]`). */
const typeOf = (id: string) => id.split("/")[0];

describe("otel-collector.yaml", () => {
  test("every pipeline references defined components; connectors may be receivers or exporters", () => {
    for (const [name, pipeline] of pipelines) {
      assert.ok(pipeline.receivers?.length, `${name}: receivers`);
      assert.ok(pipeline.exporters?.length, `${name}: exporters`);
      for (const id of pipeline.receivers!)
        assert.ok(
          id in config.receivers || id in config.connectors,
          `${name}: receiver ${id} is not defined`,
        );
      for (const id of pipeline.processors ?? [])
        assert.ok(id in config.processors, `${name}: processor ${id} is not defined`);
      for (const id of pipeline.exporters!)
        assert.ok(
          id in config.exporters || id in config.connectors,
          `${name}: exporter ${id} is not defined`,
        );
      assert.match(name, /^(traces|metrics|logs)(\/[\w-]+)?$/, `${name}: pipeline id names its signal`);
    }
  });

  test("every defined component is used by some pipeline", () => {
    const used = new Set(
      pipelines.flatMap(([, p]) => [...(p.receivers ?? []), ...(p.processors ?? []), ...p.exporters!]),
    );
    for (const section of ["receivers", "processors", "connectors", "exporters"] as const)
      for (const id of Object.keys(config[section]))
        assert.ok(used.has(id), `${section}.${id} is never used`);
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
});
