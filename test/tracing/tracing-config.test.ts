/**
 * startTracing's options and environment: validation errors that say what to fix, the precedence
 * of options over OTEL_* variables, when OTLP export and the spans file are on. Pure resolution, no
 * SDK started (except the last suite, which starts and stops it in this process).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { propagation, context, trace, ROOT_CONTEXT } from "@opentelemetry/api";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  InMemorySpanExporter,
  ParentBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { envDetector } from "@opentelemetry/resources";
import {
  DEFAULT_SPANS_FILE,
  resolveTracingConfig,
  type StartTracingOptions,
} from "../../src/tracing/tracing-config.js";
import { resolveSampler } from "../../src/tracing/sampler-config.js";
import { resourceAttributesProblem } from "../../src/tracing/resource-config.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { readSpansFile } from "./otlp-helpers.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { envWithoutOtel, runModuleScript } from "../support/child-script.js";

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
    [
      "empty serviceName",
      { serviceName: " " },
      /options\.serviceName must be a string that is not empty or blank/,
    ],
    [
      "numeric serviceVersion",
      { serviceName: "s", serviceVersion: 2 },
      /options\.serviceVersion must be a string that is not empty or blank, got number 2/,
    ],
    [
      "empty environment",
      { serviceName: "s", environment: "" },
      /options\.environment must be a string that is not empty or blank/,
    ],
    [
      "empty spansFile",
      { serviceName: "s", spansFile: "" },
      /options\.spansFile must be a string that is not empty or blank/,
    ],
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
      /options\.shutdownTimeoutMillis must be at least 1, got 0/,
    ],
    [
      "shutdown timeout NaN",
      { serviceName: "s", shutdownTimeoutMillis: Number.NaN },
      /shutdownTimeoutMillis must be a finite number/,
    ],
    [
      "export timeout string",
      { serviceName: "s", exportTimeoutMillis: "5s" },
      /options\.exportTimeoutMillis must be a finite number, got "5s"/,
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
      /options\.instrumentations\[1\] must implement setTracerProvider\(\), enable\(\), disable\(\), got an object/,
    ],
    [
      "a misspelt batch option (as a misspelt option is)",
      { serviceName: "s", batch: { maxQueSize: 10 } },
      /^tracehop startTracing: options\.batch has no option "maxQueSize"; its options are maxQueueSize, maxExportBatchSize, scheduledDelayMillis$/,
    ],
    [
      "a batch option the type leaves out (the SDK's exportTimeoutMillis)",
      { serviceName: "s", batch: { maxQueueSize: 10, exportTimeoutMillis: 1000 } },
      /options\.batch has no option "exportTimeoutMillis"/,
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
          assert.match(error.message, /^tracehop startTracing: /);
          assert.match(error.message, message);
          return true;
        },
      );
    });

  test("every millisecond option above 2^31-1 (Node's setTimeout makes it 1 ms) is a RangeError naming the maximum", () => {
    const cases: [StartTracingOptions, string][] = [
      [{ shutdownTimeoutMillis: 2 ** 31 }, "shutdownTimeoutMillis"],
      [{ shutdownTimeoutMillis: 3e9, otlpEndpoint: "http://c:4318" }, "shutdownTimeoutMillis"],
      [{ exportTimeoutMillis: 3e9 }, "exportTimeoutMillis"],
      [{ exportTimeoutMillis: 3e9, otlpEndpoint: "http://c:4318" }, "exportTimeoutMillis"],
      [{ batch: { scheduledDelayMillis: 2 ** 31 } }, "batch.scheduledDelayMillis"],
    ];
    for (const [options, name] of cases)
      assert.throws(
        () => resolveWith({ serviceName: "s", ...options }),
        (error: Error) => {
          assert.ok(error instanceof RangeError, `${name}: ${error.name}`);
          assert.match(
            error.message,
            new RegExp(
              `^tracehop startTracing: options\\.${name.replace(".", "\\.")} must be at most 2147483647 ms \\(2\\^31 - 1, about 24\\.8 days: Node's timer limit, above which a timer fires after 1 ms\\), got \\d+$`,
            ),
          );
          return true;
        },
      );
    // The maximum itself is accepted.
    const max = resolveWith({
      serviceName: "s",
      otlpEndpoint: "http://c:4318",
      shutdownTimeoutMillis: 2147483647,
      exportTimeoutMillis: 2147483647,
      batch: { scheduledDelayMillis: 2147483647 },
    });
    assert.equal(max.shutdownTimeoutMillis, 2147483647);
    assert.equal(max.otlp?.timeoutMillis, 2147483647);
    assert.equal(max.batch.scheduledDelayMillis, 2147483647);
  });

  test("a host and port without a scheme: the URL to write, and a word on 4317 being gRPC's port", () => {
    assert.throws(
      () => resolveWith({ serviceName: "s", otlpEndpoint: "localhost:4317" }),
      /must be an http\(s\) URL with its scheme, such as "http:\/\/localhost:4317", got "localhost:4317"; 4317 is OTLP\/gRPC's port, tracehop exports OTLP over HTTP \(usually 4318\)/,
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

  test("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set: a bad OTEL_EXPORTER_OTLP_ENDPOINT, which it overrides, is not refused", () => {
    const config = resolveWith(
      { serviceName: "s" },
      {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces",
        OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318",
      },
    );
    assert.equal(config.otlp?.destination, "http://c:4318/v1/traces");
  });

  test("an endpoint's password and secret query values are masked in the error", () => {
    assert.throws(
      () => resolveWith({ serviceName: "s", otlpEndpoint: "http://user:s3cret@c:99999/?token=t0k" }, {}),
      (error: Error) => {
        assert.doesNotMatch(error.message, /s3cret|t0k/);
        assert.match(error.message, /, got "http:\/\/user:\*\*\*@c:99999\/\?token=\*\*\*"$/);
        return true;
      },
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

  test("a malformed OTEL_RESOURCE_ATTRIBUTES that held the only service name: the error names the variable and what is wrong", () => {
    const fix =
      'Fix OTEL_RESOURCE_ATTRIBUTES (key=value pairs separated by commas, with a "," "=" or "%" inside a key ' +
      'or value percent-encoded), or pass { serviceName: "my-service" } or set OTEL_SERVICE_NAME';
    const cases: [string, string][] = [
      [
        "service.name=abc,foo",
        '"foo" is not key=value (a "," or "=" inside a key or value must be percent-encoded: %2C, %3D)',
      ],
      [
        "service.name=%E0%A4%A",
        '"service.name=%E0%A4%A" is not valid percent-encoding (a "%" must start a %XX escape of UTF-8 ' +
          'bytes; a literal "%" is %25)',
      ],
    ];
    for (const [raw, problem] of cases)
      assert.throws(
        () => resolveWith({}, { OTEL_RESOURCE_ATTRIBUTES: raw }),
        (error: Error) => {
          assert.ok(error instanceof TypeError);
          assert.equal(
            error.message,
            `tracehop startTracing: a service name is required, and OTEL_RESOURCE_ATTRIBUTES is malformed: ${problem}; ` +
              "the whole variable is discarded, its service.name included (the OpenTelemetry specification " +
              `discards its entire value on any error). ${fix}`,
          );
          return true;
        },
      );
    // An empty OTEL_SERVICE_NAME beside it is named too: both settings are to fix.
    assert.throws(
      () =>
        resolveWith(
          { resourceAttributes: { "service.name": " " } },
          { OTEL_SERVICE_NAME: "", OTEL_RESOURCE_ATTRIBUTES: "service.name=abc,foo" },
        ),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.equal(
          error.message,
          'tracehop startTracing: a service name is required, and options.resourceAttributes["service.name"] is " ", ' +
            'not a service name and OTEL_SERVICE_NAME is empty ("") and OTEL_RESOURCE_ATTRIBUTES is malformed: ' +
            `${cases[0]![1]}; the whole variable is discarded, its service.name included (the OpenTelemetry ` +
            `specification discards its entire value on any error). ${fix}`,
        );
        return true;
      },
    );
    // OTEL_SERVICE_NAME still names the service (the SDK's detector sets it apart from the variable).
    assert.equal(
      resolveWith({}, { OTEL_RESOURCE_ATTRIBUTES: "service.name=abc,foo", OTEL_SERVICE_NAME: "named" })
        .resourceAttributes["service.name"],
      "named",
    );
  });

  test("an empty or blank service name in OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES: the error names the setting and says it is empty", () => {
    const fix =
      ": an empty or blank value names no service. Set OTEL_SERVICE_NAME to the service's name (or " +
      'service.name=my-service in OTEL_RESOURCE_ATTRIBUTES), or pass { serviceName: "my-service" }';
    const cases: [Record<string, string>, StartTracingOptions, string][] = [
      [
        { OTEL_RESOURCE_ATTRIBUTES: "service.name=" },
        {},
        'OTEL_RESOURCE_ATTRIBUTES gives service.name an empty value ("service.name=")',
      ],
      [{ OTEL_SERVICE_NAME: "" }, {}, 'OTEL_SERVICE_NAME is empty ("")'],
      [
        { OTEL_SERVICE_NAME: "  ", OTEL_RESOURCE_ATTRIBUTES: "team=a, service.name = %20" },
        {},
        'OTEL_SERVICE_NAME is blank ("  ") and OTEL_RESOURCE_ATTRIBUTES gives service.name a blank value ' +
          '("service.name = %20")',
      ],
      [
        {},
        { resourceAttributes: { "service.name": "" } },
        'options.resourceAttributes["service.name"] is "", not a service name',
      ],
      [
        {},
        { resourceAttributes: { "service.name": "  " } },
        'options.resourceAttributes["service.name"] is "  ", not a service name',
      ],
    ];
    for (const [vars, options, what] of cases)
      assert.throws(
        () => resolveWith(options, vars),
        (error: Error) => {
          assert.ok(error instanceof TypeError);
          assert.equal(error.message, `tracehop startTracing: a service name is required, and ${what}${fix}`);
          return true;
        },
      );
    // Empty is unset (OpenTelemetry environment variable specification), either way round: the other
    // setting names the service.
    assert.equal(
      resolveWith({}, { OTEL_SERVICE_NAME: "", OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attributes" })
        .resourceAttributes["service.name"],
      "from-attributes",
    );
    assert.equal(
      resolveWith({}, { OTEL_SERVICE_NAME: "named", OTEL_RESOURCE_ATTRIBUTES: "service.name=" })
        .resourceAttributes["service.name"],
      "named",
    );
    assert.equal(
      resolveWith({ resourceAttributes: { "service.name": "  " } }, { OTEL_SERVICE_NAME: "named" })
        .resourceAttributes["service.name"],
      "named",
    );
  });

  test("a resourceAttributes service.name that is not a string is a TypeError, even when another setting names the service", () => {
    const cases: [unknown, string][] = [
      [42, "number 42"],
      [true, "boolean true"],
      [["a"], "an array"],
      // Values no attribute takes: the service's own message too, not the generic attribute one.
      [null, "null"],
      [{ name: "a" }, "an object"],
    ];
    for (const [value, shown] of cases)
      for (const [options, vars] of [
        [{ resourceAttributes: { "service.name": value } }, { OTEL_SERVICE_NAME: "env" }],
        [{ serviceName: "s", resourceAttributes: { "service.name": value } }, {}],
        [{ resourceAttributes: { "service.name": value } }, {}],
      ] as [StartTracingOptions, Record<string, string>][])
        assert.throws(
          () => resolveWith(options, vars),
          (error: Error) => {
            assert.ok(error instanceof TypeError);
            assert.equal(
              error.message,
              `tracehop startTracing: options.resourceAttributes["service.name"] must be a string, the service's name, ` +
                `got ${shown}; pass the name there as a string, or as { serviceName: "my-service" }`,
            );
            return true;
          },
        );
  });

  test("resourceAttributesProblem finds a problem exactly where the SDK's env detector discards the variable", () => {
    const inputs = [
      "service.name=abc,foo",
      "service.name=%E0%A4%A",
      "a=b=c",
      "=x",
      " a = b , ,c=d",
      "k=%25,j=%2C%3D",
      "k=v,",
      "k=",
      `k=${"x".repeat(255)}`,
      `k=${"x".repeat(256)}`,
      `${"x".repeat(256)}=v`,
      `k=${"%41".repeat(255)}`,
      "k=%zz",
      "k=v%",
    ];
    const verdicts = inputs.map((raw) => [
      raw.slice(0, 30),
      withEnv(
        { OTEL_RESOURCE_ATTRIBUTES: raw },
        () => Object.keys(envDetector.detect().attributes ?? {}).length === 0,
      ),
      resourceAttributesProblem(raw) !== undefined,
    ]);
    assert.deepEqual(
      verdicts.filter(([, sdkDiscards, problem]) => sdkDiscards !== problem),
      [],
    );
    assert.equal(verdicts.filter(([, discards]) => discards).length, 8, "both kinds are compared");
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

  test("OTEL_TRACES_EXPORTER=none (any case): no exporter, no default spans file; a file named by spansFile or TRACEHOP_SPANS_FILE is still written", () => {
    // Not the default file, .tracehop/spans.jsonl.
    for (const none of ["none", "NONE", "none,console", "otlp,none"]) {
      const config = resolveWith(
        { serviceName: "s" },
        { OTEL_TRACES_EXPORTER: none, OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" },
      );
      assert.deepEqual([config.spansFile, config.otlp, config.console], [undefined, undefined, false], none);
    }
    assert.equal(
      resolveWith({ serviceName: "s" }, { OTEL_TRACES_EXPORTER: "none", TRACEHOP_SPANS_FILE: "/tmp/a.jsonl" })
        .spansFile,
      "/tmp/a.jsonl",
    );
    assert.equal(
      resolveWith({ serviceName: "s", spansFile: "b.jsonl" }, { OTEL_TRACES_EXPORTER: "none" }).spansFile,
      resolve("b.jsonl"),
    );
  });

  test("OTEL_EXPORTER_OTLP_ENDPOINT turns OTLP on, leaves the URL to the exporter, and drops the default file", () => {
    const config = resolveWith({ serviceName: "s" }, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" });
    assert.deepEqual(config.otlp, {
      url: undefined,
      destination: "http://c:4318/v1/traces",
      timeoutMillis: 5000,
    });
    assert.equal(config.spansFile, undefined);
    // Where the exporter sends spans, as @opentelemetry/otlp-exporter-base derives it (for messages).
    const destination = (vars: Record<string, string>) =>
      resolveWith({ serviceName: "s" }, { OTEL_TRACES_EXPORTER: "otlp", ...vars }).otlp?.destination;
    assert.equal(destination({}), "http://localhost:4318/v1/traces");
    assert.equal(destination({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c/otlp/" }), "https://c/otlp/v1/traces");
    assert.equal(
      destination({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t:4318",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      }),
      "http://t:4318/",
    );
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

describe('enum values of the environment, in any case (OpenTelemetry environment variable specification, "Enum")', () => {
  /** The config, sampler and process warnings of resolving `{ serviceName: "s" }` under `vars`. */
  const resolveAll = async (vars: Record<string, string>) => {
    // A process warning of an earlier test is emitted on a later tick: let it go out first.
    await new Promise((resolve) => setImmediate(resolve));
    resetWarnings();
    const told = await recordWarnings(() =>
      withEnv(vars, () => {
        const config = resolveTracingConfig({ serviceName: "s" });
        return { config, sampler: String(resolveSampler(config.sampler)) };
      }),
    );
    return { ...told.result, warnings: told.processWarnings };
  };

  test("OTEL_TRACES_EXPORTER: OTLP, Console, NONE", async () => {
    const otlp = await resolveAll({ OTEL_TRACES_EXPORTER: "OTLP" });
    assert.equal(otlp.config.otlp?.destination, "http://localhost:4318/v1/traces");
    assert.equal(otlp.config.spansFile, undefined);
    assert.deepEqual(otlp.warnings, []);
    const both = await resolveAll({ OTEL_TRACES_EXPORTER: "Console,Otlp" });
    assert.equal(both.config.console, true);
    assert.notEqual(both.config.otlp, undefined);
    assert.deepEqual(both.warnings, []);
    const none = await resolveAll({
      OTEL_TRACES_EXPORTER: "NONE",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
    });
    assert.equal(none.config.otlp, undefined);
    assert.deepEqual(none.warnings, []);
    // An unknown value is quoted as written.
    const zipkin = await resolveAll({ OTEL_TRACES_EXPORTER: "OTLP,Zipkin" });
    assert.deepEqual(
      zipkin.warnings.map(([code, message]) => [code, message.split(" is ")[0]]),
      [["TRACEHOP_UNSUPPORTED_TRACES_EXPORTER", 'tracehop: OTEL_TRACES_EXPORTER value "Zipkin"']],
    );
  });

  test("OTEL_EXPORTER_OTLP_PROTOCOL=HTTP/JSON is http/json; GRPC is grpc, quoted as written", async () => {
    const json = await resolveAll({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "HTTP/JSON",
    });
    assert.deepEqual(json.warnings, []);
    const grpc = await resolveAll({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "GRPC",
    });
    assert.equal(grpc.warnings.length, 1);
    assert.match(
      grpc.warnings[0]![1],
      /^tracehop: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="GRPC" is not supported .* instead to the same endpoint: an OTLP\/gRPC port/,
    );
  });

  test("OTEL_TRACES_SAMPLER: each name in upper case builds the sampler the NodeSDK builds for it in lower case", async () => {
    // The NodeSDK's own reading (it is not in the package's index): the reference for each name.
    const { createSamplerFromEnv } = createRequire(import.meta.url)(
      "@opentelemetry/sdk-node/build/src/create-from-env.js",
    ) as { createSamplerFromEnv(): unknown };
    const names = [
      "always_on",
      "always_off",
      "traceidratio",
      "parentbased_always_on",
      "parentbased_always_off",
      "parentbased_traceidratio",
    ];
    for (const name of names)
      for (const arg of [undefined, "0.25", "0", "1", "2", "half", " "]) {
        const args: Record<string, string> = arg === undefined ? {} : { OTEL_TRACES_SAMPLER_ARG: arg };
        const sdk = withEnv({ OTEL_TRACES_SAMPLER: name, ...args }, () => String(createSamplerFromEnv()));
        const upper = await resolveAll({ OTEL_TRACES_SAMPLER: name.toUpperCase(), ...args });
        assert.equal(upper.sampler, sdk, `${name.toUpperCase()} ${arg}`);
        assert.deepEqual(
          upper.warnings.filter(([code]) => code === "TRACEHOP_UNKNOWN_SAMPLER"),
          [],
          `${name.toUpperCase()}: a known name`,
        );
      }
    assert.equal((await resolveAll({ OTEL_TRACES_SAMPLER: "Always_Off" })).sampler, "AlwaysOffSampler");
    const unknown = await resolveAll({ OTEL_TRACES_SAMPLER: "Always_Of" });
    assert.match(unknown.warnings[0]![1], /^tracehop: unknown OTEL_TRACES_SAMPLER value "Always_Of" /);
  });

  test("OTEL_NODE_RESOURCE_DETECTORS: ENV,Host; ALL; None", async () => {
    const two = await resolveAll({ OTEL_NODE_RESOURCE_DETECTORS: "ENV,Host" });
    assert.equal(two.config.detectors.length, 2);
    assert.deepEqual(two.warnings, []);
    assert.equal((await resolveAll({ OTEL_NODE_RESOURCE_DETECTORS: "ALL" })).config.detectors.length, 5);
    assert.equal((await resolveAll({ OTEL_NODE_RESOURCE_DETECTORS: "None" })).config.detectors.length, 0);
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
        (error: Error) =>
          error.message ===
          'tracehop startTracing: tracing is already started in this process (service "in-process", by an earlier ' +
            "startTracing); one tracing setup per process at a time (one service name per process too: the " +
            "OpenTelemetry API keeps one global tracer provider). Keep using the running one, or await " +
            "shutdown() on the handle the earlier startTracing returned before calling startTracing again",
      );
      const span = trace.getTracer("test").startSpan("work");
      traceId = span.spanContext().traceId;
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      span.end();
    } finally {
      const stopping = handle.shutdown();
      // shutdown() called but not awaited: not finished, and said so (not "call shutdown()").
      assert.throws(
        () => startTracing({ serviceName: "too-soon" }),
        (error: Error) =>
          error.message ===
          'tracehop startTracing: tracing in this process (service "in-process") is still shutting down: shutdown() ' +
            "was called but has not finished. Await the promise shutdown() returned before calling " +
            "startTracing again",
      );
      await stopping;
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

// Read before the NodeSDK sets up the OTEL_LOG_LEVEL logger: a diag.warn alone was printed by nobody,
// even with OTEL_LOG_LEVEL=warn (docs/export.md). Each is now also a process warning.
describe("environment settings startTracing does not use as written: a process warning each", () => {
  /** The process warnings (code, message) of resolving the options and the sampler under `vars`. */
  const warningsOf = async (vars: Record<string, string>, options: StartTracingOptions = {}) => {
    resetWarnings();
    const told = await recordWarnings(() =>
      withEnv(vars, () => {
        const config = resolveTracingConfig({ serviceName: "s", ...options });
        return { config, sampler: String(resolveSampler(config.sampler)) };
      }),
    );
    assert.deepEqual(
      // Not the SDK's own (a non-number OTEL_TRACES_SAMPLER_ARG is also said by @opentelemetry/core).
      told.diagWarnings.filter((message) => message.startsWith("tracehop:")),
      told.processWarnings.map(([, message]) => message),
      "the same text through diag",
    );
    return told;
  };

  test("OTEL_TRACES_EXPORTER with an unknown value: ignored, saying where spans go (nowhere, with spansFile: false)", async () => {
    const nowhere = await warningsOf({ OTEL_TRACES_EXPORTER: "bogus" }, { spansFile: false });
    assert.equal(nowhere.result.config.otlp, undefined);
    assert.equal(nowhere.result.config.spansFile, undefined);
    assert.deepEqual(nowhere.processWarnings, [
      [
        "TRACEHOP_UNSUPPORTED_TRACES_EXPORTER",
        'tracehop: OTEL_TRACES_EXPORTER value "bogus" is not supported by startTracing (it knows ' +
          "otlp, console and none); ignored: no span is exported at all (no other exporter, no spans file)",
      ],
    ]);
    const toFile = await warningsOf({ OTEL_TRACES_EXPORTER: "bogus" });
    assert.deepEqual(toFile.processWarnings, [
      [
        "TRACEHOP_UNSUPPORTED_TRACES_EXPORTER",
        'tracehop: OTEL_TRACES_EXPORTER value "bogus" is not supported by startTracing (it knows ' +
          `otlp, console and none); ignored: spans go to the spans file ${DEFAULT_SPANS_FILE} only`,
      ],
    ]);
    const toOtlp = await warningsOf({ OTEL_TRACES_EXPORTER: "otlp,zipkin,jaeger" });
    assert.match(
      toOtlp.processWarnings[0]![1],
      /values "zipkin", "jaeger" are not supported .*OTLP\/HTTP only$/,
    );
    assert.deepEqual((await warningsOf({ OTEL_TRACES_EXPORTER: "none" })).processWarnings, []);
    assert.deepEqual((await warningsOf({ OTEL_TRACES_EXPORTER: "console,otlp" })).processWarnings, []);
  });

  test("an OTLP protocol other than http/json: named with the variable that set it", async () => {
    const grpc = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4317",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
    });
    assert.deepEqual(grpc.processWarnings, [
      [
        "TRACEHOP_UNSUPPORTED_OTLP_PROTOCOL",
        'tracehop: OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported by startTracing, which sends ' +
          "OTLP/HTTP with JSON bodies (http/json) instead to the same endpoint: an OTLP/gRPC port (4317) " +
          "refuses it, every Collector OTLP/HTTP receiver (port 4318) accepts it; set " +
          "OTEL_EXPORTER_OTLP_PROTOCOL=http/json or unset it",
      ],
    ]);
    const protobuf = await warningsOf(
      { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
      { otlpEndpoint: "http://collector:4318" },
    );
    assert.deepEqual(
      protobuf.processWarnings.map(([code, message]) => [code, message.split(" is ")[0]]),
      [
        [
          "TRACEHOP_UNSUPPORTED_OTLP_PROTOCOL",
          'tracehop: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="http/protobuf"',
        ],
      ],
    );
    // Not exporting OTLP at all: the protocol does not matter.
    assert.deepEqual((await warningsOf({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).processWarnings, []);
  });

  test("an unknown OTEL_TRACES_SAMPLER (the NodeSDK says so only through diag.error) and a ratio out of range", async () => {
    const unknown = await warningsOf({ OTEL_TRACES_SAMPLER: "bogus" });
    assert.match(unknown.result.sampler, /ParentBased\{root=AlwaysOnSampler/);
    assert.deepEqual(unknown.processWarnings, [
      [
        "TRACEHOP_UNKNOWN_SAMPLER",
        'tracehop: unknown OTEL_TRACES_SAMPLER value "bogus" (known: always_on, always_off, traceidratio, ' +
          "parentbased_always_on, parentbased_always_off, parentbased_traceidratio); using the default, " +
          "parentbased_always_on: every trace started here is sampled",
      ],
    ]);
    for (const arg of ["1.5", "-0.1", "half"]) {
      const bad = await warningsOf({
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: arg,
      });
      assert.match(bad.result.sampler, /root=TraceIdRatioBased\{1\}/);
      assert.deepEqual(bad.processWarnings, [
        [
          "TRACEHOP_BAD_SAMPLER_ARG",
          `tracehop: OTEL_TRACES_SAMPLER_ARG="${arg}" is not a sampling ratio from 0 to 1; the sampler ` +
            "uses ratio 1 instead: every trace started here is sampled",
        ],
      ]);
    }
    // Unset, the ratio is 1 by the specification; in range, used.
    assert.deepEqual((await warningsOf({ OTEL_TRACES_SAMPLER: "traceidratio" })).processWarnings, []);
    const fine = await warningsOf({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.5" });
    assert.equal(fine.result.sampler, "TraceIdRatioBased{0.5}");
    assert.deepEqual(fine.processWarnings, []);
  });

  test("a bad OTLP timeout and an unknown resource detector", async () => {
    const timeout = await warningsOf(
      { OTEL_EXPORTER_OTLP_TIMEOUT: "10s" },
      { otlpEndpoint: "http://c:4318", shutdownTimeoutMillis: 20_000 },
    );
    assert.equal(timeout.result.config.otlp?.timeoutMillis, 10_000);
    assert.deepEqual(timeout.processWarnings, [
      [
        "TRACEHOP_BAD_EXPORT_TIMEOUT",
        'tracehop: OTEL_EXPORTER_OTLP_TIMEOUT="10s" is not a number of milliseconds from 1 to 2147483647 ' +
          "(Node's timer limit); ignored (the next setting or the default, 10000 ms, applies)",
      ],
    ]);
    // Above Node's timer limit, a timeout would be 1 ms: ignored the same way.
    const huge = await warningsOf(
      { OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "3000000000", OTEL_EXPORTER_OTLP_TIMEOUT: "7000" },
      { otlpEndpoint: "http://c:4318", shutdownTimeoutMillis: 20_000 },
    );
    assert.equal(huge.result.config.otlp?.timeoutMillis, 7000);
    assert.deepEqual(huge.processWarnings, [
      [
        "TRACEHOP_BAD_EXPORT_TIMEOUT",
        'tracehop: OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="3000000000" is not a number of milliseconds from 1 to ' +
          "2147483647 (Node's timer limit); ignored (the next setting or the default, 10000 ms, applies)",
      ],
    ]);
    // Below 1 ms, as options.exportTimeoutMillis and the OTEL_BSP_* times: ignored the same way.
    const tiny = await warningsOf(
      { OTEL_EXPORTER_OTLP_TIMEOUT: "0.5" },
      { otlpEndpoint: "http://c:4318", shutdownTimeoutMillis: 20_000 },
    );
    assert.equal(tiny.result.config.otlp?.timeoutMillis, 10_000);
    assert.deepEqual(tiny.processWarnings, [
      [
        "TRACEHOP_BAD_EXPORT_TIMEOUT",
        'tracehop: OTEL_EXPORTER_OTLP_TIMEOUT="0.5" is not a number of milliseconds from 1 to 2147483647 ' +
          "(Node's timer limit); ignored (the next setting or the default, 10000 ms, applies)",
      ],
    ]);
    const detectors = await warningsOf({ OTEL_NODE_RESOURCE_DETECTORS: "env,hots" });
    assert.equal(detectors.result.config.detectors.length, 1);
    assert.deepEqual(detectors.processWarnings, [
      [
        "TRACEHOP_UNKNOWN_RESOURCE_DETECTOR",
        'tracehop: OTEL_NODE_RESOURCE_DETECTORS value "hots" is unknown (known: env, host, os, process, ' +
          "serviceinstance, all, none); ignored, the spans' resource lacks what it would add",
      ],
    ]);
  });

  test("OTEL_BSP_SCHEDULE_DELAY / OTEL_BSP_EXPORT_TIMEOUT that a timer cannot wait: the SDK's default, said", async () => {
    const bad = await warningsOf({ OTEL_BSP_SCHEDULE_DELAY: "3000000000", OTEL_BSP_EXPORT_TIMEOUT: "-5" });
    assert.deepEqual(bad.result.config.batch, { scheduledDelayMillis: 5000, exportTimeoutMillis: 30_000 });
    assert.deepEqual(bad.processWarnings, [
      [
        "TRACEHOP_BAD_BATCH_SETTING",
        'tracehop: OTEL_BSP_SCHEDULE_DELAY="3000000000" is not a number of milliseconds from 0 to 2147483647 ' +
          "(Node's timer limit); ignored (the default, 5000 ms, applies)",
      ],
      [
        "TRACEHOP_BAD_BATCH_SETTING",
        'tracehop: OTEL_BSP_EXPORT_TIMEOUT="-5" is not a number of milliseconds from 1 to 2147483647 ' +
          "(Node's timer limit); ignored (the default, 30000 ms, applies)",
      ],
    ]);
    // Good values are left to the SDK, which reads them itself; the option wins over the variable.
    const good = await warningsOf(
      { OTEL_BSP_SCHEDULE_DELAY: "100", OTEL_BSP_EXPORT_TIMEOUT: "2147483647" },
      { batch: { maxQueueSize: 10 } },
    );
    // The default export batch size (512) follows a smaller queue: nobody asked for it.
    assert.deepEqual(good.result.config.batch, { maxQueueSize: 10, maxExportBatchSize: 10 });
    assert.deepEqual(good.processWarnings, []);
    const option = await warningsOf(
      { OTEL_BSP_SCHEDULE_DELAY: "3000000000" },
      { batch: { scheduledDelayMillis: 20 } },
    );
    assert.deepEqual(option.result.config.batch, { scheduledDelayMillis: 20 });
    assert.deepEqual(option.processWarnings, []);
  });

  test("OTEL_BSP_MAX_QUEUE_SIZE / OTEL_BSP_MAX_EXPORT_BATCH_SIZE not a whole number from 1: the SDK's default, said", async () => {
    // The SDK would drop every span (a queue of 0) or spin its export loop forever (a batch of 0, -1, 0.5).
    for (const [queue, batch] of [
      ["0", "0"],
      ["-5", "0.5"],
      ["abc", "-1"],
    ]) {
      const bad = await warningsOf({
        OTEL_BSP_MAX_QUEUE_SIZE: queue!,
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: batch!,
      });
      assert.deepEqual(
        bad.result.config.batch,
        { maxQueueSize: 2048, maxExportBatchSize: 512 },
        `${queue} ${batch}`,
      );
      assert.deepEqual(bad.processWarnings, [
        [
          "TRACEHOP_BAD_BATCH_SETTING",
          `tracehop: OTEL_BSP_MAX_QUEUE_SIZE="${queue}" is not a whole number of spans from 1; ignored (the default, 2048, applies)`,
        ],
        [
          "TRACEHOP_BAD_BATCH_SETTING",
          `tracehop: OTEL_BSP_MAX_EXPORT_BATCH_SIZE="${batch}" is not a whole number of spans from 1; ignored (the default, 512, applies)`,
        ],
      ]);
    }
    const good = await warningsOf({ OTEL_BSP_MAX_QUEUE_SIZE: "100", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "10" });
    assert.deepEqual([good.result.config.batch, good.processWarnings], [{}, []]);
    // The option wins over the variable.
    const option = await warningsOf(
      { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "0" },
      { batch: { maxExportBatchSize: 7 } },
    );
    assert.deepEqual([option.result.config.batch, option.processWarnings], [{ maxExportBatchSize: 7 }, []]);
  });

  test("OTEL_BSP_MAX_QUEUE_SIZE / OTEL_BSP_MAX_EXPORT_BATCH_SIZE above 2^53 - 1: said to be too large, with the maximum", async () => {
    const tooLarge = (name: string, raw: string, fallback: number) => [
      "TRACEHOP_BAD_BATCH_SETTING",
      `tracehop: ${name}="${raw}" is too large: at most 9007199254740991 spans (2^53 - 1, the largest ` +
        `whole number a JavaScript number holds exactly); ignored (the default, ${fallback}, applies)`,
    ];
    const bad = await warningsOf({
      OTEL_BSP_MAX_QUEUE_SIZE: "99999999999999999999",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1e400",
    });
    assert.deepEqual(bad.result.config.batch, { maxQueueSize: 2048, maxExportBatchSize: 512 });
    assert.deepEqual(bad.processWarnings, [
      tooLarge("OTEL_BSP_MAX_QUEUE_SIZE", "99999999999999999999", 2048),
      tooLarge("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1e400", 512),
    ]);
    // Read as the SDK reads them (Number): hexadecimal and exponents are numbers, 2^53 - 1 is the largest.
    const good = await warningsOf({
      OTEL_BSP_MAX_QUEUE_SIZE: "9007199254740991",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "0x10",
    });
    assert.deepEqual([good.result.config.batch, good.processWarnings], [{}, []]);
    const exponent = await warningsOf({ OTEL_BSP_MAX_QUEUE_SIZE: "1e3" });
    assert.deepEqual([exponent.result.config.batch, exponent.processWarnings], [{}, []]);
    // The options too.
    assert.throws(
      () => resolveWith({ serviceName: "s", batch: { maxQueueSize: 1e20 } }),
      (error: Error) =>
        error instanceof RangeError &&
        error.message ===
          "tracehop startTracing: options.batch.maxQueueSize must be at most 9007199254740991 (2^53 - 1, the largest " +
            "whole number a JavaScript number holds exactly), got 100000000000000000000",
    );
  });

  test("an export batch size option above the queue size (option, variable or default), or a queue size option below OTEL_BSP_MAX_EXPORT_BATCH_SIZE: a RangeError naming both and where each comes from", () => {
    const cases: [StartTracingOptions["batch"], Record<string, string>, string][] = [
      [
        { maxExportBatchSize: 4096 },
        {},
        "options.batch.maxExportBatchSize (4096) must not exceed the default maxQueueSize (2048; neither " +
          "options.batch.maxQueueSize nor OTEL_BSP_MAX_QUEUE_SIZE is set): an export batch is taken from the " +
          "queue (the SDK would lower it to 2048, saying so only through diag). Set " +
          "options.batch.maxExportBatchSize to at most 2048, or set options.batch.maxQueueSize (or " +
          "OTEL_BSP_MAX_QUEUE_SIZE) to at least 4096",
      ],
      [
        { maxExportBatchSize: 4096 },
        { OTEL_BSP_MAX_QUEUE_SIZE: "1000" },
        'options.batch.maxExportBatchSize (4096) must not exceed OTEL_BSP_MAX_QUEUE_SIZE="1000": an export ' +
          "batch is taken from the queue (the SDK would lower it to 1000, saying so only through diag). Set " +
          "options.batch.maxExportBatchSize to at most 1000, or raise OTEL_BSP_MAX_QUEUE_SIZE to at least 4096",
      ],
      [
        { maxExportBatchSize: 17 },
        { OTEL_BSP_MAX_QUEUE_SIZE: "0x10" },
        'options.batch.maxExportBatchSize (17) must not exceed OTEL_BSP_MAX_QUEUE_SIZE="0x10" (16): an export ' +
          "batch is taken from the queue (the SDK would lower it to 16, saying so only through diag). Set " +
          "options.batch.maxExportBatchSize to at most 16, or raise OTEL_BSP_MAX_QUEUE_SIZE to at least 17",
      ],
      [
        { maxQueueSize: 100 },
        { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1e3" },
        'OTEL_BSP_MAX_EXPORT_BATCH_SIZE="1e3" (1000) must not exceed options.batch.maxQueueSize (100): an ' +
          "export batch is taken from the queue (the SDK would lower it to 100, saying so only through diag). " +
          "Lower OTEL_BSP_MAX_EXPORT_BATCH_SIZE to at most 100, or set options.batch.maxQueueSize to at least 1000",
      ],
      [
        { maxQueueSize: 10, maxExportBatchSize: 20 },
        { OTEL_BSP_MAX_QUEUE_SIZE: "100" },
        "options.batch.maxExportBatchSize (20) must not exceed options.batch.maxQueueSize (10): an export " +
          "batch is taken from the queue (the SDK would lower it to 10, saying so only through diag). Set " +
          "options.batch.maxExportBatchSize to at most 10, or set options.batch.maxQueueSize to at least 20",
      ],
    ];
    for (const [batch, vars, message] of cases)
      assert.throws(
        () => resolveWith({ serviceName: "s", spansFile: false, batch }, vars),
        (error: Error) => {
          assert.ok(error instanceof RangeError, JSON.stringify(batch));
          assert.equal(error.message, `tracehop startTracing: ${message}`);
          return true;
        },
      );
    // Equal is fine; so is a batch option within a larger queue from the environment.
    assert.deepEqual(resolveWith({ serviceName: "s", batch: { maxExportBatchSize: 2048 } }).batch, {
      maxExportBatchSize: 2048,
    });
    assert.deepEqual(
      resolveWith(
        { serviceName: "s", batch: { maxExportBatchSize: 4096 } },
        { OTEL_BSP_MAX_QUEUE_SIZE: "8192" },
      ).batch,
      { maxExportBatchSize: 4096 },
    );
  });

  test("OTEL_BSP_MAX_EXPORT_BATCH_SIZE above the queue size: lowered to it as the SDK does, said; the default 512 follows a smaller queue silently", async () => {
    const crossed = await warningsOf({
      OTEL_BSP_MAX_QUEUE_SIZE: "100",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096",
    });
    assert.deepEqual(crossed.result.config.batch, { maxExportBatchSize: 100 });
    assert.deepEqual(crossed.processWarnings, [
      [
        "TRACEHOP_BAD_BATCH_SETTING",
        'tracehop: OTEL_BSP_MAX_EXPORT_BATCH_SIZE="4096" exceeds OTEL_BSP_MAX_QUEUE_SIZE="100": an export ' +
          "batch is taken from the queue; lowered to 100, as the SDK does. Lower " +
          "OTEL_BSP_MAX_EXPORT_BATCH_SIZE to at most 100, or raise OTEL_BSP_MAX_QUEUE_SIZE to at least 4096",
      ],
    ]);
    const overDefault = await warningsOf({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" });
    assert.deepEqual(overDefault.result.config.batch, { maxExportBatchSize: 2048 });
    assert.deepEqual(overDefault.processWarnings, [
      [
        "TRACEHOP_BAD_BATCH_SETTING",
        'tracehop: OTEL_BSP_MAX_EXPORT_BATCH_SIZE="4096" exceeds the default maxQueueSize (2048; neither ' +
          "options.batch.maxQueueSize nor OTEL_BSP_MAX_QUEUE_SIZE is set): an export batch is taken from the " +
          "queue; lowered to 2048, as the SDK does. Lower OTEL_BSP_MAX_EXPORT_BATCH_SIZE to at most 2048, or " +
          "set options.batch.maxQueueSize (or OTEL_BSP_MAX_QUEUE_SIZE) to at least 4096",
      ],
    ]);
    const smallQueue = await warningsOf({ OTEL_BSP_MAX_QUEUE_SIZE: "100" });
    assert.deepEqual(
      [smallQueue.result.config.batch, smallQueue.processWarnings],
      [{ maxExportBatchSize: 100 }, []],
    );
    // The SDK's BatchSpanProcessor, given what startTracing gives it, uses the same sizes and has
    // nothing left to lower (its own diag.warn is not given).
    const sdkCases: Record<string, string>[] = [
      { OTEL_BSP_MAX_QUEUE_SIZE: "100", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" },
      { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" },
      { OTEL_BSP_MAX_QUEUE_SIZE: "100" },
    ];
    for (const vars of sdkCases) {
      const { result: sizes, diagWarnings } = await recordWarnings(() =>
        withEnv(vars, () => {
          const config = resolveTracingConfig({ serviceName: "s", spansFile: false });
          const processor = new BatchSpanProcessor(new InMemorySpanExporter(), {
            ...config.batch,
          }) as unknown as {
            _maxQueueSize: number;
            _maxExportBatchSize: number;
          };
          return [processor._maxQueueSize, processor._maxExportBatchSize];
        }),
      );
      const queue = Number(vars.OTEL_BSP_MAX_QUEUE_SIZE ?? 2048);
      assert.deepEqual(sizes, [queue, queue], JSON.stringify(vars));
      assert.deepEqual(
        diagWarnings.filter((message) => message.startsWith("BatchSpanProcessor")),
        [],
        JSON.stringify(vars),
      );
    }
  });

  test("a malformed OTEL_RESOURCE_ATTRIBUTES when the service is named otherwise: discarded whole, said", async () => {
    const told = await warningsOf({ OTEL_RESOURCE_ATTRIBUTES: "team=a,deployment.environment.name=prod=eu" });
    assert.deepEqual(told.processWarnings, [
      [
        "TRACEHOP_BAD_RESOURCE_ATTRIBUTES",
        'tracehop: OTEL_RESOURCE_ATTRIBUTES is malformed: "deployment.environment.name=prod=eu" is not ' +
          'key=value (a "," or "=" inside a key or value must be percent-encoded: %2C, %3D); the whole ' +
          "variable is discarded, so the spans' resource has none of its attributes (the OpenTelemetry " +
          "specification discards its entire value on any error); fix it (key=value pairs separated by " +
          'commas, with a "," "=" or "%" inside a key or value percent-encoded) or unset it',
      ],
    ]);
    const fine = await warningsOf({
      OTEL_RESOURCE_ATTRIBUTES: "team=a,deployment.environment.name=prod%3Deu",
    });
    assert.deepEqual(fine.processWarnings, []);
  });

  test("OTEL_EXPORTER_OTLP[_TRACES]_HEADERS entries the exporter drops: each named by position and the name before its =, never its value", async () => {
    const { processWarnings } = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "dd-api-key,x-ok=1, =v,x-empty=",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "token:s3cr3t,x-bad=%zz",
    });
    const fix =
      'Write each header as name=value, separated by commas (a "," "=" ";" or "%" in a value ' +
      "percent-encoded: %2C, %3D, %3B, %25)";
    const tail = `: the OTLP exporter drops it, so its requests are sent without that header. ${fix}`;
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_TRACES_HEADERS entry 1 (name not shown; value not shown) is not name=value (it has no "=")${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_TRACES_HEADERS entry 2 ("x-bad"; value not shown) is not valid percent-encoding (a "%" must start a %XX escape of UTF-8; a literal "%" is %25)${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 1 (name not shown; value not shown) is not name=value (it has no "=")${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 3 (name not shown; value not shown) has no name before its "="${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 4 ("x-empty"; value not shown) has an empty value${tail}`,
      ],
    ]);
    // An entry without "=" may be a pasted secret alone ("token:s3cr3t", a bare key): never quoted.
    assert.doesNotMatch(JSON.stringify(processWarnings), /s3cr3t|token|dd-api-key/);
    // A secret after a ";" or a ":" is never shown either; a name that is no HTTP token fails every request
    // (Node: "Header name must be a valid HTTP token"); a ";" in a value cuts it.
    const more = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key;c2VjcmV0==,x-api-key:c2VjcmV0==,a=b;c2VjcmV0",
    });
    assert.deepEqual(more.processWarnings, [
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 1 (name not shown; value not shown) is not name=value (it has no "=")${tail}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        "tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 2 (name not shown; value not shown) has a name that is no HTTP " +
          "token (letters, digits and !#$%&'*+-.^_`|~ only): Node refuses it, so every export request fails and no " +
          `span reaches the collector. ${fix}`,
      ],
      [
        "TRACEHOP_BAD_OTLP_HEADERS",
        `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 3 ("a"; value not shown) has a ";" in it: the exporter sends only what precedes it as the value${tail}`,
      ],
    ]);
    assert.doesNotMatch(JSON.stringify(more.processWarnings), /c2VjcmV0/);
    // Exactly the entries @opentelemetry/core drops as the exporter reads them.
    const { parseKeyPairsIntoRecord } = await import("@opentelemetry/core");
    assert.deepEqual(parseKeyPairsIntoRecord("dd-api-key,x-ok=1, =v,x-empty="), { "x-ok": "1" });
    assert.deepEqual(parseKeyPairsIntoRecord("token:s3cr3t,x-bad=%zz"), {});
    const good = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "dd-api-key=abc,x-a=b%2Cc",
    });
    assert.deepEqual(good.processWarnings, []);
  });

  test("OTEL_EXPORTER_OTLP[_TRACES]_COMPRESSION other than gzip or none: ignored, saying what applies", async () => {
    const none = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzp",
    });
    assert.deepEqual(none.processWarnings, [
      [
        "TRACEHOP_BAD_OTLP_COMPRESSION",
        'tracehop: OTEL_EXPORTER_OTLP_COMPRESSION="gzp" is not a compression the OTLP exporter knows ' +
          "(gzip or none, in lower case); ignored: bodies are sent uncompressed. Set it to gzip or none, or unset it",
      ],
    ]);
    const other = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "GZIP",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
    });
    assert.deepEqual(
      other.processWarnings.map(([code, message]) => [code, message.split("; ")[1]]),
      [
        [
          "TRACEHOP_BAD_OTLP_COMPRESSION",
          "ignored: OTEL_EXPORTER_OTLP_COMPRESSION=gzip applies. Set it to gzip or none, or unset it",
        ],
      ],
    );
    // A valid _TRACES_ one overrides the general one, which the exporter then never reads: nothing to say.
    const overridden = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "gzip",
      OTEL_EXPORTER_OTLP_COMPRESSION: "zip",
    });
    assert.deepEqual(overridden.processWarnings, []);
    const fine = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_COMPRESSION: " gzip ",
    });
    assert.deepEqual(fine.processWarnings, []);
  });

  test("OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE / CLIENT_KEY / CLIENT_CERTIFICATE naming a file that cannot be read", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "tracehop-hG-tls-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const readable = join(dir, "ca.pem");
    writeFileSync(readable, "-----BEGIN CERTIFICATE-----\n");
    const missing = join(dir, "missing.pem");
    const { processWarnings } = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://c:4318",
      OTEL_EXPORTER_OTLP_CERTIFICATE: missing,
      OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: missing,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: readable, // the _TRACES_ one is the one read
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: readable,
    });
    const reason = `ENOENT: no such file or directory, open '${missing}'`;
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_UNREADABLE_OTLP_TLS_FILE",
        `tracehop: OTEL_EXPORTER_OTLP_CERTIFICATE="${missing}" cannot be read (${reason}); the OTLP exporter ` +
          "ignores it: the collector's certificate is checked against Node's default CAs instead. Set it to " +
          "the path of a readable PEM file, or unset it",
      ],
      [
        "TRACEHOP_UNREADABLE_OTLP_TLS_FILE",
        `tracehop: OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY="${missing}" cannot be read (${reason}); the OTLP ` +
          "exporter ignores it: no client certificate is sent (mTLS). Set it to the path of a readable PEM " +
          "file, or unset it",
      ],
    ]);
  });

  test("OTEL_SDK_DISABLED neither true nor false (yes, 1): read as false, tracing on, said with the specification's rule", async () => {
    for (const value of ["yes", "1"]) {
      const { processWarnings, result } = await warningsOf({ OTEL_SDK_DISABLED: value });
      assert.equal(result.config.sdkDisabled, false);
      assert.deepEqual(processWarnings, [
        [
          "TRACEHOP_BAD_SDK_DISABLED",
          `tracehop: OTEL_SDK_DISABLED="${value}" is neither true nor false; read as false, so tracing is on ` +
            '(OpenTelemetry environment variable specification, "Boolean value": only "true", in any case, ' +
            "is true). Set OTEL_SDK_DISABLED=true to turn the SDK off, or false (or unset it) to keep it on",
        ],
      ]);
    }
    for (const value of ["false", "FALSE", ""])
      assert.deepEqual((await warningsOf({ OTEL_SDK_DISABLED: value })).processWarnings, []);
  });

  test("OTEL_EXPORTER_OTLP_ENDPOINT ending with /v1/traces: the exporter appends it again; the warning gives both fixes", async () => {
    const { processWarnings, result } = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/v1/traces",
    });
    assert.equal(result.config.otlp?.destination, "http://c:4318/v1/traces/v1/traces");
    assert.deepEqual(processWarnings, [
      [
        "TRACEHOP_OTLP_ENDPOINT_TRACES_PATH",
        'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318/v1/traces" already ends with /v1/traces, ' +
          "but it is a base URL the exporter appends v1/traces to (OpenTelemetry specification), so spans " +
          "are sent to http://c:4318/v1/traces/v1/traces, which a Collector answers 404. Drop the suffix " +
          "(OTEL_EXPORTER_OTLP_ENDPOINT=http://c:4318), or set " +
          "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://c:4318/v1/traces instead (used as is)",
      ],
    ]);
    // A password and a secret query value are masked wherever the warning shows the endpoint.
    const secret = await warningsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://user:s3cret@c:4318/v1/traces?api_key=k3y",
    });
    assert.equal(secret.processWarnings.length, 1);
    assert.doesNotMatch(secret.processWarnings[0]![1], /s3cret|k3y/);
    assert.match(
      secret.processWarnings[0]![1],
      /^tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="https:\/\/user:\*\*\*@c:4318\/v1\/traces\?api_key=\*\*\*" already ends/,
    );
    // With a trailing "/": the suggested traces endpoint has none (a Collector answers 404 to ".../v1/traces/").
    const slash = await warningsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/v1/traces/" });
    assert.match(
      slash.processWarnings[0]![1],
      /or set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http:\/\/c:4318\/v1\/traces instead/,
    );
    // Not when the base URL is not what is used, nor for a base URL without the suffix.
    for (const vars of <Record<string, string>[]>[
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/v1/traces",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces",
      },
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/otlp" },
    ])
      assert.deepEqual((await warningsOf(vars)).processWarnings, []);
    assert.deepEqual(
      (
        await warningsOf(
          { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/v1/traces" },
          { otlpEndpoint: "http://c:4318" },
        )
      ).processWarnings,
      [],
    );
  });

  test("nothing under OTEL_SDK_DISABLED=true (nothing is exported anyway)", async () => {
    const disabled = await warningsOf({
      OTEL_SDK_DISABLED: "true",
      OTEL_TRACES_EXPORTER: "bogus",
      OTEL_TRACES_SAMPLER: "bogus",
      OTEL_BSP_SCHEDULE_DELAY: "3000000000",
      OTEL_RESOURCE_ATTRIBUTES: "a=b=c",
    });
    assert.deepEqual(disabled.processWarnings, []);
  });

  test("a process started with OTEL_LOG_LEVEL=warn prints each on stderr", () => {
    const child = runModuleScript(
      [
        `import { startTracing } from "./src/tracing/start-tracing.ts";`,
        `await startTracing({ serviceName: "env", spansFile: false }).shutdown();`,
      ],
      {
        ...envWithoutOtel(),
        OTEL_LOG_LEVEL: "warn",
        OTEL_TRACES_SAMPLER: "bogus",
        OTEL_TRACES_EXPORTER: "bogus",
      },
    );
    assert.equal(child.status, 0, child.stderr);
    const codes = [...child.stderr.matchAll(/\[(TRACEHOP_[A-Z_]+)\] Warning: /g)].map((match) => match[1]);
    assert.deepEqual(codes, ["TRACEHOP_UNSUPPORTED_TRACES_EXPORTER", "TRACEHOP_UNKNOWN_SAMPLER"]);
    assert.match(child.stderr, /no span is exported at all/);
  });
});
