/**
 * Export at the protocol boundary: real processes call startTracing and send OTLP/HTTP to a real
 * local receiver, which decodes the JSON it gets. No collector binary can run here; this is the
 * wire the collector's OTLP receiver would see.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSpansFile, refusedUrl, runHop, startOtlpReceiver, type HopResult } from "./otlp-helpers.js";

/** OTLP SpanKind numbers (opentelemetry-proto trace.proto, `Span.SpanKind`). */
const KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

function assertClean(result: HopResult, what: string): Record<string, any> {
  assert.equal(result.signal, null, `${what} was killed: ${result.stderr}`);
  assert.equal(result.code, 0, `${what} exit code (stderr: ${result.stderr})`);
  assert.ok(result.report, `${what} printed no report (stderr: ${result.stderr})`);
  assert.deepEqual(result.report.unhandled, [], `${what}: unhandled rejections`);
  assert.equal(result.report.shutdown, "done");
  return result.report;
}

/** A local OTLP receiver and a spans file path in a temporary folder, both gone when the test ends. */
async function receiverAndSpansFile(t: { after(fn: () => Promise<void>): void }) {
  const receiver = await startOtlpReceiver();
  const dir = mkdtempSync(join(tmpdir(), "tracehop-export-"));
  t.after(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { receiver, spansFile: join(dir, "spans.jsonl") };
}

describe("startTracing exports over OTLP/HTTP", () => {
  test("a span with a link the OTLP serializer cannot read is left out, said once; the rest of its batch reaches the collector and the spans file", async (t) => {
    const { receiver, spansFile } = await receiverAndSpansFile(t);
    const result = await runHop({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      HOP_SPANS_FILE: spansFile,
      HOP_ROLE: "bad-link",
      HOP_SERVICE: "unit",
    });
    assertClean(result, "bad-link");
    assert.deepEqual(
      receiver.spans().map((s) => s.name),
      ["good-1", "good-2"],
    );
    assert.deepEqual(
      readSpansFile(spansFile).spans.map((s) => s.name),
      ["good-1", "good-2"],
    );
    const warnings = result.stderr.split("\n").filter((line) => line.includes("TRACEHOP_"));
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(
      warnings[0]!,
      /\[TRACEHOP_SPAN_NOT_SERIALIZED\] Warning: tracehop: the span "bad-link" cannot be exported as OTLP \("its link 0 is no span link: \{ context: undefined \}"\) and was left out; the other spans of its batch of 3 were exported\./,
    );
  });

  test("api -> relay -> worker in three processes: one trace, three services, parents chained", async (t) => {
    const { receiver, spansFile } = await receiverAndSpansFile(t);
    const common = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_RESOURCE_ATTRIBUTES: "team=search,service.version=from-env",
      HOP_SPANS_FILE: spansFile,
      HOP_VERSION: "1.2.3",
      HOP_ENVIRONMENT: "staging",
    };
    const api = assertClean(await runHop({ ...common, HOP_ROLE: "api", HOP_SERVICE: "tracehop-api" }), "api");
    const relay = assertClean(
      await runHop({
        ...common,
        HOP_ROLE: "relay",
        HOP_SERVICE: "tracehop-relay",
        HOP_CARRIER: JSON.stringify(api.carrier),
      }),
      "relay",
    );
    const worker = assertClean(
      await runHop({
        ...common,
        HOP_ROLE: "worker",
        HOP_SERVICE: "tracehop-worker",
        HOP_CARRIER: JSON.stringify(relay.carrier),
      }),
      "worker",
    );

    for (const request of receiver.requests) {
      assert.equal(request.path, "/v1/traces");
      assert.match(request.contentType ?? "", /^application\/json/);
    }
    const spans = receiver.spans();
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    assert.equal(spans.length, 4, "POST /documents, insert PreprocessJob, publish, process");
    assert.deepEqual(new Set(spans.map((s) => s.traceId)), new Set([api.traceId]));
    assert.match(api.traceId, /^[0-9a-f]{32}$/);

    const root = byId.get(api.rootSpanId)!;
    assert.equal(root.name, "POST /documents");
    assert.equal(root.kind, KIND.SERVER);
    assert.equal(root.parentSpanId, undefined);
    assert.equal(root.serviceName, "tracehop-api");
    const insert = byId.get(api.spanId)!;
    assert.equal(insert.parentSpanId, api.rootSpanId);
    const publish = byId.get(relay.spanId)!;
    assert.equal(publish.serviceName, "tracehop-relay");
    assert.equal(publish.kind, KIND.PRODUCER);
    assert.equal(publish.parentSpanId, api.spanId, "relay continues under the span active at capture");
    const process = byId.get(worker.spanId)!;
    assert.equal(process.serviceName, "tracehop-worker");
    assert.equal(process.kind, KIND.CONSUMER);
    assert.equal(process.parentSpanId, relay.spanId);

    for (const span of spans) {
      assert.equal(
        span.resource["service.version"],
        "1.2.3",
        "the option wins over OTEL_RESOURCE_ATTRIBUTES",
      );
      assert.equal(span.resource["deployment.environment.name"], "staging");
      assert.equal(span.resource["team"], "search", "OTEL_RESOURCE_ATTRIBUTES is still read");
      assert.equal(span.resource["telemetry.sdk.language"], "nodejs");
    }

    const file = readSpansFile(spansFile);
    assert.deepEqual(
      file.spans.map((s) => `${s.serviceName}/${s.spanId}`).sort(),
      spans.map((s) => `${s.serviceName}/${s.spanId}`).sort(),
      "the shared spans file holds the same spans",
    );
  });

  test("the Datadog carrier of each hop names the same trace (low 64 bits + _dd.p.tid)", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const api = assertClean(
      await runHop({
        HOP_ROLE: "api",
        HOP_SERVICE: "api",
        HOP_OTLP_ENDPOINT: receiver.url,
        HOP_SPANS_FILE: "",
      }),
      "api",
    );
    const carrier = api.carrier as Record<string, string>;
    const low = BigInt("0x" + api.traceId.slice(16)).toString(10);
    assert.equal(carrier["x-datadog-trace-id"], low);
    assert.match(
      carrier["x-datadog-tags"] ?? "",
      new RegExp(`(^|,)_dd\\.p\\.tid=${api.traceId.slice(0, 16)}(,|$)`),
    );
    assert.equal(carrier["x-datadog-parent-id"], BigInt("0x" + api.spanId).toString(10));
    assert.equal(carrier.traceparent, `00-${api.traceId}-${api.spanId}-01`);
  });

  test("otlpEndpoint overrides OTEL_EXPORTER_OTLP_ENDPOINT and gets /v1/traces appended", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const result = await runHop({
      HOP_ROLE: "api",
      HOP_SERVICE: "api",
      HOP_OTLP_ENDPOINT: receiver.url + "/",
      OTEL_EXPORTER_OTLP_ENDPOINT: await refusedUrl(),
      TRACEHOP_SPANS_FILE: "",
    });
    assertClean(result, "api");
    assert.deepEqual(
      receiver.requests.map((r) => r.path),
      ["/v1/traces"],
    );
    assert.equal(receiver.spans().length, 2);
  });

  test("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as given and OTEL_SERVICE_NAME names the service", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const result = await runHop({
      HOP_ROLE: "api",
      OTEL_SERVICE_NAME: "from-env",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url + "/custom/traces",
    });
    assertClean(result, "api");
    assert.deepEqual(
      receiver.requests.map((r) => r.path),
      ["/custom/traces"],
    );
    assert.deepEqual(new Set(receiver.spans().map((s) => s.serviceName)), new Set(["from-env"]));
  });

  test("the traces URL of each endpoint setting, as docs/export.md's table says: the option and OTEL_EXPORTER_OTLP_ENDPOINT are base URLs, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const paths = async (env: Record<string, string>) => {
      const before = receiver.requests.length;
      assertClean(
        await runHop({ HOP_ROLE: "api", HOP_SERVICE: "api", TRACEHOP_SPANS_FILE: "", ...env }),
        "api",
      );
      return receiver.requests.slice(before).map((r) => r.path);
    };
    // The option appends /v1/traces only when the path does not already end with it.
    assert.deepEqual(await paths({ HOP_OTLP_ENDPOINT: receiver.url + "/v1/traces" }), ["/v1/traces"]);
    // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT gets no path: a base URL sends to "/".
    assert.deepEqual(await paths({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url }), ["/"]);
    // OTEL_EXPORTER_OTLP_ENDPOINT always gets v1/traces, even after a path that ends with it.
    assert.deepEqual(await paths({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url + "/v1/traces" }), [
      "/v1/traces/v1/traces",
    ]);
  });

  test("an OTEL_EXPORTER_OTLP_TRACES_ENDPOINT without a scheme does not stop the service: ignored with a warning, OTEL_EXPORTER_OTLP_ENDPOINT applies", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    // "collector:4318/v1/traces" parses as a URL of scheme "collector:", which the exporter would request.
    const result = await runHop({
      HOP_ROLE: "api",
      HOP_SERVICE: "api",
      TRACEHOP_SPANS_FILE: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "collector:4318/v1/traces",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    assertClean(result, "api");
    assert.match(
      result.stderr,
      /TRACEHOP_BAD_OTLP_ENDPOINT.*OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="collector:4318\/v1\/traces" has no scheme/,
    );
    assert.deepEqual(
      receiver.requests.map((r) => r.path),
      ["/v1/traces"],
    );
  });

  test("default sampler is ParentBased(AlwaysOn): roots are kept, children of an unsampled parent are not", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    const report = assertClean(
      await runHop({
        HOP_ROLE: "sampling",
        HOP_SERVICE: "s",
        HOP_OTLP_ENDPOINT: receiver.url,
        HOP_CARRIER: JSON.stringify({ traceparent: unsampled }),
      }),
      "sampling",
    );
    assert.equal(report.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(report.sampled, false);
    assert.deepEqual(
      receiver.spans().map((s) => s.name),
      ["root"],
    );
  });

  test("enum values in any case (OpenTelemetry environment variable specification): OTEL_TRACES_EXPORTER=OTLP, OTEL_EXPORTER_OTLP_PROTOCOL=HTTP/JSON, OTEL_TRACES_SAMPLER=PARENTBASED_ALWAYS_OFF, without a warning", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const sampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    // The failure this guards against: OTLP off (spans to the default spans file), the default sampler
    // (the root exported) and three TRACEHOP_* warnings.
    const result = await runHop({
      HOP_ROLE: "sampling",
      HOP_SERVICE: "s",
      HOP_CARRIER: JSON.stringify({ traceparent: sampled }),
      OTEL_TRACES_EXPORTER: "OTLP",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "HTTP/JSON",
      OTEL_TRACES_SAMPLER: "PARENTBASED_ALWAYS_OFF",
    });
    assertClean(result, "sampling");
    assert.equal(result.stderr, "");
    assert.deepEqual(
      receiver.spans().map((s) => [s.name, s.parentSpanId]),
      [["continued", "b7ad6b7169203331"]],
    );
  });

  test("OTEL_TRACES_SAMPLER=parentbased_always_off drops roots, keeps children of a sampled parent", async (t) => {
    const receiver = await startOtlpReceiver();
    t.after(() => receiver.close());
    const sampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const report = assertClean(
      await runHop({
        HOP_ROLE: "sampling",
        HOP_SERVICE: "s",
        HOP_OTLP_ENDPOINT: receiver.url,
        HOP_CARRIER: JSON.stringify({ traceparent: sampled }),
        OTEL_TRACES_SAMPLER: "parentbased_always_off",
      }),
      "sampling",
    );
    assert.equal(report.sampled, true);
    const spans = receiver.spans();
    assert.deepEqual(
      spans.map((s) => s.name),
      ["continued"],
    );
    assert.equal(spans[0]!.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(spans[0]!.parentSpanId, "b7ad6b7169203331");
  });
});
