/**
 * startTracing's options and environment: validation errors that say what to fix, the precedence
 * of options over OTEL_* variables, when OTLP export and the spans file are on. Pure resolution, no
 * SDK started (except the last suite, which starts and stops it in this process).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { propagation, context, trace, ROOT_CONTEXT } from "@opentelemetry/api";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { AlwaysOffSampler, ParentBasedSampler } from "@opentelemetry/sdk-trace-base";
import {
  DEFAULT_SPANS_FILE,
  resolveSampler,
  resolveTracingConfig,
  type StartTracingOptions,
} from "../../src/tracing/tracing-config.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { readSpansFile } from "./otlp-helpers.js";

/** Runs `fn` with exactly `vars` as the OTEL_* / TRACEHOP_* environment, then restores it. */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env))
    if (/^(OTEL_|TRACEHOP_)/.test(key)) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
  for (const [key, value] of Object.entries(vars)) {
    saved[key] ??= process.env[key];
    process.env[key] = value;
  }
  try {
    return fn();
  } finally {
    for (const key of Object.keys(vars)) delete process.env[key];
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}

const resolveWith = (options: StartTracingOptions | undefined, vars: Record<string, string> = {}) =>
  withEnv(vars, () => resolveTracingConfig(options));

describe("resolveTracingConfig: validation", () => {
  const bad: [string, unknown, RegExp][] = [
    ["options not an object", "svc", /options must be an object/],
    [
      "no service name anywhere",
      {},
      /service name is required: pass \{ serviceName: .* or set OTEL_SERVICE_NAME/,
    ],
    ["empty serviceName", { serviceName: " " }, /options\.serviceName must be a non-empty string/],
    [
      "numeric serviceVersion",
      { serviceName: "s", serviceVersion: 2 },
      /options\.serviceVersion must be a non-empty string \(got number 2\)/,
    ],
    [
      "empty environment",
      { serviceName: "s", environment: "" },
      /options\.environment must be a non-empty string/,
    ],
    ["empty spansFile", { serviceName: "s", spansFile: "" }, /options\.spansFile must be a non-empty string/],
    [
      "endpoint not a URL",
      { serviceName: "s", otlpEndpoint: "collector:4318" },
      /options\.otlpEndpoint must be an http\(s\) URL with its scheme, such as "http:\/\/collector:4318"/,
    ],
    [
      "endpoint garbage",
      { serviceName: "s", otlpEndpoint: "not a url" },
      /options\.otlpEndpoint must be an http\(s\) URL such as "http:\/\/127\.0\.0\.1:4318"/,
    ],
    ["gRPC endpoint scheme", { serviceName: "s", otlpEndpoint: "grpc://h:4317" }, /not gRPC/],
    [
      "shutdown timeout zero",
      { serviceName: "s", shutdownTimeoutMillis: 0 },
      /options\.shutdownTimeoutMillis must be at least 1 \(got 0\)/,
    ],
    [
      "shutdown timeout NaN",
      { serviceName: "s", shutdownTimeoutMillis: Number.NaN },
      /shutdownTimeoutMillis must be a finite number/,
    ],
    [
      "export timeout string",
      { serviceName: "s", exportTimeoutMillis: "5s" },
      /options\.exportTimeoutMillis must be a finite number \(got "5s"\)/,
    ],
    [
      "batch queue fraction",
      { serviceName: "s", batch: { maxQueueSize: 10.5 } },
      /options\.batch\.maxQueueSize must be a whole number/,
    ],
    [
      "batch larger than queue",
      { serviceName: "s", batch: { maxQueueSize: 10, maxExportBatchSize: 20 } },
      /maxExportBatchSize \(20\) must not exceed options\.batch\.maxQueueSize \(10\)/,
    ],
    [
      "sampler without shouldSample",
      { serviceName: "s", sampler: {} },
      /options\.sampler must implement shouldSample\(\)/,
    ],
    [
      "propagator without fields",
      { serviceName: "s", propagator: { inject() {}, extract() {} } },
      /options\.propagator must implement inject\(\), extract\(\), fields\(\)/,
    ],
    [
      "instrumentations not an array",
      { serviceName: "s", instrumentations: {} },
      /options\.instrumentations must be an array/,
    ],
    [
      "an instrumentation that is not one",
      { serviceName: "s", instrumentations: [new HttpInstrumentation({ enabled: false }), {}] },
      /options\.instrumentations\[1\] must implement setTracerProvider\(\), enable\(\), disable\(\) \(got an object\)/,
    ],
    [
      "resource attribute object value",
      { serviceName: "s", resourceAttributes: { a: { b: 1 } } },
      /options\.resourceAttributes\["a"\] must be a string, number, boolean/,
    ],
  ];
  for (const [name, options, message] of bad)
    test(`rejects ${name}`, () => {
      assert.throws(
        () => resolveWith(options as StartTracingOptions),
        (error: Error) => {
          assert.ok(error instanceof TypeError || error instanceof RangeError, `${name}: ${error.name}`);
          assert.match(error.message, /^startTracing: /);
          assert.match(error.message, message);
          return true;
        },
      );
    });

  test("a host and port without a scheme: the URL to write, and a word on 4317 being gRPC's port", () => {
    assert.throws(
      () => resolveWith({ serviceName: "s", otlpEndpoint: "localhost:4317" }),
      /must be an http\(s\) URL with its scheme, such as "http:\/\/localhost:4317" \(got "localhost:4317"\); 4317 is OTLP\/gRPC's port, tracehop exports OTLP over HTTP \(usually 4318\)/,
    );
    assert.throws(
      () => resolveWith({ serviceName: "s", otlpEndpoint: "mailto:x" }),
      /must use http: or https:/,
    );
  });

  test("a bad OTEL_EXPORTER_OTLP_ENDPOINT is named in the error", () => {
    assert.throws(
      () => resolveWith({ serviceName: "s" }, { OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" }),
      /OTEL_EXPORTER_OTLP_ENDPOINT \(environment\) must be an http\(s\) URL with its scheme, such as "http:\/\/localhost:4318"/,
    );
  });

  test("an explicit otlpEndpoint needs no valid OTEL_EXPORTER_OTLP_ENDPOINT", () => {
    const config = resolveWith(
      { serviceName: "s", otlpEndpoint: "http://h:4318" },
      { OTEL_EXPORTER_OTLP_ENDPOINT: "::bad::" },
    );
    assert.equal(config.otlp?.url, "http://h:4318/v1/traces");
  });
});

describe("resolveTracingConfig: resource attributes", () => {
  test("serviceName, serviceVersion, environment map to Datadog unified service tagging attributes", () => {
    const config = resolveWith({ serviceName: "api", serviceVersion: "1.0.0", environment: "prod" });
    assert.deepEqual(config.resourceAttributes, {
      "service.name": "api",
      "service.version": "1.0.0",
      "deployment.environment.name": "prod",
    });
  });

  test("OTEL_SERVICE_NAME is used when no serviceName is given, and wins over OTEL_RESOURCE_ATTRIBUTES", () => {
    const config = resolveWith(undefined, {
      OTEL_SERVICE_NAME: "from-service-name",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attributes",
    });
    assert.equal(config.resourceAttributes["service.name"], "from-service-name");
  });

  test("service.name in OTEL_RESOURCE_ATTRIBUTES is enough", () => {
    const config = resolveWith({}, { OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attributes,team=a" });
    assert.equal(config.resourceAttributes["service.name"], "from-attributes");
  });

  test("the serviceName option wins over OTEL_SERVICE_NAME; resourceAttributes are kept", () => {
    const config = resolveWith(
      { serviceName: "explicit", resourceAttributes: { "service.namespace": "story", "team.size": 3 } },
      { OTEL_SERVICE_NAME: "env" },
    );
    assert.deepEqual(config.resourceAttributes, {
      "service.namespace": "story",
      "team.size": 3,
      "service.name": "explicit",
    });
  });

  test("OTEL_NODE_RESOURCE_DETECTORS chooses the detectors (default env, process, host)", () => {
    assert.equal(resolveWith({ serviceName: "s" }).detectors.length, 3);
    assert.equal(
      resolveWith({ serviceName: "s" }, { OTEL_NODE_RESOURCE_DETECTORS: "none" }).detectors.length,
      0,
    );
    assert.equal(
      resolveWith({ serviceName: "s" }, { OTEL_NODE_RESOURCE_DETECTORS: "env,os" }).detectors.length,
      2,
    );
  });
});

describe("resolveTracingConfig: destinations", () => {
  test("nothing configured: spans go to the default file only", () => {
    const config = resolveWith({ serviceName: "s" });
    assert.equal(config.otlp, undefined);
    assert.equal(config.spansFile, resolve(DEFAULT_SPANS_FILE));
  });

  test("TRACEHOP_SPANS_FILE names the file; spansFile wins over it; spansFile: false turns it off", () => {
    assert.equal(
      resolveWith({ serviceName: "s" }, { TRACEHOP_SPANS_FILE: "/tmp/a.jsonl" }).spansFile,
      "/tmp/a.jsonl",
    );
    assert.equal(
      resolveWith({ serviceName: "s", spansFile: "b.jsonl" }, { TRACEHOP_SPANS_FILE: "/tmp/a.jsonl" })
        .spansFile,
      resolve("b.jsonl"),
    );
    assert.equal(resolveWith({ serviceName: "s", spansFile: false }).spansFile, undefined);
  });

  test("OTEL_EXPORTER_OTLP_ENDPOINT turns OTLP on, leaves the URL to the exporter, and drops the default file", () => {
    const config = resolveWith({ serviceName: "s" }, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" });
    assert.deepEqual(config.otlp, { url: undefined, timeoutMillis: 5000 });
    assert.equal(config.spansFile, undefined);
  });

  test("OTEL_TRACES_EXPORTER: none wins over an endpoint; otlp alone uses the exporter's default endpoint", () => {
    assert.equal(
      resolveWith(
        { serviceName: "s" },
        { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" },
      ).otlp,
      undefined,
    );
    assert.notEqual(resolveWith({ serviceName: "s" }, { OTEL_TRACES_EXPORTER: "otlp" }).otlp, undefined);
    const consoleOnly = resolveWith({ serviceName: "s" }, { OTEL_TRACES_EXPORTER: "console" });
    assert.equal(consoleOnly.console, true);
    assert.equal(consoleOnly.otlp, undefined);
  });

  test("otlpEndpoint gets /v1/traces appended once", () => {
    const url = (otlpEndpoint: string) => resolveWith({ serviceName: "s", otlpEndpoint }).otlp?.url;
    assert.equal(url("http://c:4318"), "http://c:4318/v1/traces");
    assert.equal(url("http://c:4318/"), "http://c:4318/v1/traces");
    assert.equal(url("https://c/otlp"), "https://c/otlp/v1/traces");
    assert.equal(url("http://c:4318/v1/traces"), "http://c:4318/v1/traces");
  });

  test("the OTLP request timeout never exceeds the shutdown bound", () => {
    const timeout = (options: StartTracingOptions, vars: Record<string, string> = {}) =>
      resolveWith({ serviceName: "s", otlpEndpoint: "http://c:4318", ...options }, vars).otlp?.timeoutMillis;
    assert.equal(timeout({}), 5000, "min(10000 default, 5000 default bound)");
    assert.equal(timeout({ shutdownTimeoutMillis: 20_000 }), 10_000);
    assert.equal(timeout({ exportTimeoutMillis: 60_000, shutdownTimeoutMillis: 1500 }), 1500);
    assert.equal(timeout({ shutdownTimeoutMillis: 20_000 }, { OTEL_EXPORTER_OTLP_TIMEOUT: "3000" }), 3000);
    assert.equal(
      timeout(
        { shutdownTimeoutMillis: 20_000 },
        { OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "4000", OTEL_EXPORTER_OTLP_TIMEOUT: "3000" },
      ),
      4000,
    );
  });

  test("sampler: ParentBased(AlwaysOn) by default, OTEL_TRACES_SAMPLER as the NodeSDK reads it, the option wins", () => {
    const fromEnv = (vars: Record<string, string>) =>
      withEnv(vars, () => resolveSampler(resolveWith({ serviceName: "s" }, vars).sampler));
    const byDefault = fromEnv({});
    assert.ok(byDefault instanceof ParentBasedSampler);
    assert.match(byDefault.toString(), /root=AlwaysOnSampler/);
    assert.equal(String(fromEnv({ OTEL_TRACES_SAMPLER: "always_off" })), "AlwaysOffSampler");
    assert.equal(String(fromEnv({ OTEL_TRACES_SAMPLER: "always_on" })), "AlwaysOnSampler");
    assert.match(
      String(fromEnv({ OTEL_TRACES_SAMPLER: "parentbased_always_off" })),
      /ParentBased\{root=AlwaysOffSampler/,
    );
    assert.match(
      String(fromEnv({ OTEL_TRACES_SAMPLER: "parentbased_always_on" })),
      /ParentBased\{root=AlwaysOnSampler/,
    );
    assert.equal(
      String(fromEnv({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" })),
      "TraceIdRatioBased{0.25}",
    );
    assert.match(
      String(fromEnv({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" })),
      /ParentBased\{root=TraceIdRatioBased\{0\}/,
    );
    // An unknown name: the SDK's default, as a NodeSDK would (it reports the name through diag).
    assert.match(
      String(fromEnv({ OTEL_TRACES_SAMPLER: "jaeger_remote_typo" })),
      /ParentBased\{root=AlwaysOnSampler/,
    );
    const explicit = new AlwaysOffSampler();
    assert.equal(
      withEnv({ OTEL_TRACES_SAMPLER: "always_on" }, () =>
        resolveSampler(resolveWith({ serviceName: "s", sampler: explicit }).sampler),
      ),
      explicit,
    );
  });
});

describe("startTracing in this process", () => {
  test("registers tracehop's propagator, writes the spans file, refuses a second start, restarts after shutdown", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-start-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const spansFile = join(dir, "nested", "spans.jsonl");
    const handle = withEnv({}, () => startTracing({ serviceName: "in-process", spansFile }));
    let traceId: string;
    const carrier: Record<string, string> = {};
    try {
      assert.throws(
        () => startTracing({ serviceName: "again" }),
        /already started in this process; call shutdown\(\)/,
      );
      const span = trace.getTracer("test").startSpan("work");
      traceId = span.spanContext().traceId;
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      span.end();
    } finally {
      await handle.shutdown();
    }
    assert.equal(handle.shutdown(), handle.shutdown(), "shutdown is idempotent");
    assert.equal(carrier["x-datadog-trace-id"], BigInt("0x" + traceId.slice(16)).toString(10));
    assert.match(carrier.traceparent ?? "", new RegExp(`^00-${traceId}-`));
    assert.deepEqual(
      readSpansFile(spansFile).spans.map((s) => [s.serviceName, s.name, s.traceId]),
      [["in-process", "work", traceId]],
    );
    // After shutdown the globals are released: tracing can start again.
    const again = withEnv({}, () => startTracing({ serviceName: "second", spansFile: false }));
    try {
      assert.ok(
        trace.getTracer("test").startSpan("x").spanContext().traceId !== "00000000000000000000000000000000",
      );
    } finally {
      await again.shutdown();
    }
    assert.deepEqual(propagation.fields(), [], "no propagator left registered");
    assert.equal(trace.getSpanContext(ROOT_CONTEXT), undefined);
  });

  test("OTEL_SDK_DISABLED=true registers nothing and turns off the instrumentations it was given", async () => {
    // Enabled on construction, as every OpenTelemetry instrumentation is unless built with enabled: false.
    const http = new HttpInstrumentation();
    assert.equal(http.isEnabled(), true);
    const handle = withEnv({ OTEL_SDK_DISABLED: "true" }, () =>
      startTracing({ serviceName: "disabled", spansFile: false, instrumentations: [http] }),
    );
    try {
      assert.equal(http.isEnabled(), false, "the HTTP instrumentation no longer wraps http");
      assert.deepEqual(propagation.fields(), [], "no propagator registered");
      const span = trace.getTracer("test").startSpan("work");
      assert.equal(span.isRecording(), false);
      assert.equal(span.spanContext().traceId, "00000000000000000000000000000000");
    } finally {
      await handle.shutdown();
    }
    // Started again with tracing on, the same instrumentation is on again.
    const again = withEnv({}, () =>
      startTracing({ serviceName: "enabled", spansFile: false, instrumentations: [http] }),
    );
    try {
      assert.equal(http.isEnabled(), true);
      assert.ok(propagation.fields().includes("traceparent"));
    } finally {
      await again.shutdown();
      http.disable();
    }
  });
});
