/**
 * startTracing's options and environment: validation errors that say what to fix, the precedence
 * of options over OTEL_* variables, when OTLP export and the spans file are on. Pure resolution, no
 * SDK started (except the last suite, which starts and stops it in this process).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { propagation, context, trace, ROOT_CONTEXT } from "@opentelemetry/api";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { AlwaysOffSampler, ParentBasedSampler } from "@opentelemetry/sdk-trace-base";
import {
  DEFAULT_SPANS_FILE,
  resolveTracingConfig,
  type StartTracingOptions,
} from "../../src/tracing/tracing-config.js";
import { resolveSampler } from "../../src/tracing/sampler-config.js";
import { startTracing } from "../../src/tracing/start-tracing.js";
import { readSpansFile } from "./otlp-helpers.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { envWithoutOtel, runModuleScript } from "../support/child-script.js";
import { resolveWith, warningsOf, withEnv } from "./config-env.js";

describe("resolveTracingConfig: validation", () => {
  const bad: [string, unknown, RegExp][] = [
    ["options not an object", "svc", /options must be an object/],
    [
      "no service name anywhere",
      {},
      /^tracehop startTracing: a service name is required: pass \{ serviceName: "my-service" \} or set OTEL_SERVICE_NAME \(or DD_SERVICE\)$/,
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
      "endpoint with a user part, no scheme",
      { serviceName: "s", otlpEndpoint: "user:s3cret@collector:4318" },
      /options\.otlpEndpoint must be an http\(s\) URL with its scheme, such as "http:\/\/user:\*\*\*@collector:4318" \(\*\*\* being the secret you wrote\), got "user:\*\*\*@collector:4318"$/,
    ],
    [
      "endpoint with a tab inside",
      { serviceName: "s", otlpEndpoint: "http://coll\tector:4318" },
      /^tracehop startTracing: options\.otlpEndpoint holds a line break or tab, which the URL parser drops without a word, so the endpoint used would not be the one written: got "http:\/\/coll\\tector:4318"; remove it$/,
    ],
    [
      "endpoint with a line break before its path (a value read from a file, then joined)",
      { serviceName: "s", otlpEndpoint: "http://collector:4318\n/v1/traces" },
      /options\.otlpEndpoint holds a line break or tab, .* got "http:\/\/collector:4318\\n\/v1\/traces"; remove it$/,
    ],
    [
      "ftp endpoint scheme",
      { serviceName: "s", otlpEndpoint: "ftp://h:21" },
      /must use http: or https:, got "ftp:"; tracehop exports OTLP over HTTP$/,
    ],
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
      "propagator given by style name",
      { serviceName: "s", propagator: "datadog" },
      /^tracehop startTracing: options\.propagator must implement inject\(\), extract\(\), fields\(\), got "datadog" \(for styles by name, pass createPropagator\("datadog"\)\)$/,
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
      /^tracehop startTracing: options\.batch has no option "maxQueSize"; did you mean maxQueueSize\?$/,
    ],
    [
      "a batch option the type leaves out (the SDK's exportTimeoutMillis)",
      { serviceName: "s", batch: { maxQueueSize: 10, exportTimeoutMillis: 1000 } },
      /^tracehop startTracing: options\.batch has no option "exportTimeoutMillis"; its options are maxQueueSize, maxExportBatchSize, scheduledDelayMillis$/,
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

  test("a control character or lone surrogate in serviceName, serviceVersion, environment or a resourceAttributes key or string value is a TypeError naming the option and the character (it would be exported as is)", () => {
    const refused: [StartTracingOptions, string][] = [
      [
        { serviceName: "api\n" },
        'options.serviceName must not hold a control character or a lone surrogate: its character 4 is U+000A (line feed), got "api\\n"; remove it',
      ],
      [
        { serviceName: "a\u0000b" },
        'options.serviceName must not hold a control character or a lone surrogate: its character 2 is U+0000 (NUL), got "a\\u0000b"; remove it',
      ],
      [
        { serviceName: "s", serviceVersion: "1.0\t" },
        'options.serviceVersion must not hold a control character or a lone surrogate: its character 4 is U+0009 (tab), got "1.0\\t"; remove it',
      ],
      [
        { serviceName: "s", environment: "prod\ud800" },
        'options.environment must not hold a control character or a lone surrogate: its character 5 is U+D800 (a lone surrogate), got "prod\\ud800"; remove it',
      ],
      [
        { serviceName: "s", environment: "\u001b[2Kprod" },
        'options.environment must not hold a control character or a lone surrogate: its character 1 is U+001B, got "\\u001b[2Kprod"; remove it',
      ],
      [
        { serviceName: "s", resourceAttributes: { "team\n": "a" } },
        'options.resourceAttributes key "team\\n" must not hold a control character or a lone surrogate: its character 5 is U+000A (line feed); remove it',
      ],
      [
        { serviceName: "s", resourceAttributes: { team: "a\u0085" } },
        'options.resourceAttributes["team"] must not hold a control character or a lone surrogate: its character 2 is U+0085, got "a\\u0085"; remove it',
      ],
      [
        { serviceName: "s", resourceAttributes: { tags: ["ok", "b\u007f"] } },
        'options.resourceAttributes["tags"][1] must not hold a control character or a lone surrogate: its character 2 is U+007F, got "b\\u007f"; remove it',
      ],
      [
        { resourceAttributes: { "service.name": "api\n" } },
        'options.resourceAttributes["service.name"] must not hold a control character or a lone surrogate: its character 4 is U+000A (line feed), got "api\\n"; remove it',
      ],
      [
        { serviceName: "s", resourceAttributes: { "": "a" } },
        "options.resourceAttributes has an empty key: an attribute needs a name; remove it or name it",
      ],
    ];
    for (const [options, message] of refused)
      assert.throws(() => resolveTracingConfig(options), {
        name: "TypeError",
        message: `tracehop startTracing: ${message}`,
      });
    // A pair of surrogates (one character outside the BMP), a space and other Unicode text are kept.
    const kept = resolveTracingConfig({
      serviceName: "api \u{1F680}",
      environment: "prod-\u00e9",
      resourceAttributes: { "team name": "caf\u00e9 \u{1F680}", list: ["a b"] },
    });
    assert.equal(kept.resourceAttributes["service.name"], "api \u{1F680}");
    assert.equal(kept.resourceAttributes["deployment.environment.name"], "prod-\u00e9");
    assert.equal(kept.resourceAttributes["team name"], "caf\u00e9 \u{1F680}");
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

  test("a bad OTEL_EXPORTER_OTLP_ENDPOINT is no error: ignored, as if unset (its warning: otlp-env.test.ts)", () => {
    for (const endpoint of ["localhost:4318", "grpc://c:4317", "not a url"]) {
      const config = resolveWith({ serviceName: "s" }, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      assert.deepEqual([config.otlp, config.spansFile], [undefined, resolve(DEFAULT_SPANS_FILE)], endpoint);
    }
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

  test("otlpEndpoint's leading and trailing whitespace, line breaks and tabs too, is trimmed as spaces are: the URL written", () => {
    // A value read from a file keeps its line break: trimmed before the URL is parsed, it changes nothing.
    for (const otlpEndpoint of [
      "http://h:4318\n",
      "http://h:4318\r\n",
      "\thttp://h:4318 ",
      "http://h:4318 ",
    ]) {
      const config = resolveWith({ serviceName: "s", otlpEndpoint }, {});
      assert.equal(config.otlp?.url, "http://h:4318/v1/traces", JSON.stringify(otlpEndpoint));
    }
  });

  test("an explicit otlpEndpoint needs no valid OTEL_EXPORTER_OTLP_ENDPOINT", () => {
    const config = resolveWith(
      { serviceName: "s", otlpEndpoint: "http://h:4318" },
      { OTEL_EXPORTER_OTLP_ENDPOINT: "::bad::" },
    );
    assert.equal(config.otlp?.url, "http://h:4318/v1/traces");
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

  test("the destination is the URL the exporter requests, not the endpoint as written", () => {
    const destination = (vars: Record<string, string>, otlpEndpoint?: string) =>
      resolveWith(
        { serviceName: "s", ...(otlpEndpoint === undefined ? {} : { otlpEndpoint }) },
        {
          OTEL_TRACES_EXPORTER: "otlp",
          ...vars,
        },
      ).otlp?.destination;
    // v1/traces appended inside a base endpoint's fragment is never sent: the request goes to the base.
    assert.equal(destination({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318#s3cret" }), "http://c:4318/");
    // As the URL parser reads it: host in lower case, a default port dropped, dot segments resolved,
    // a space percent-encoded.
    assert.equal(
      destination({ OTEL_EXPORTER_OTLP_ENDPOINT: "HTTP://C:80/otlp/../x y" }),
      "http://c/x%20y/v1/traces",
    );
    // A trailing space is no URL once v1/traces is appended after it ("http://c:4318 /v1/traces"): the
    // exporter falls back to its default.
    assert.equal(
      destination({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318 " }),
      "http://localhost:4318/v1/traces",
    );
    // A traces endpoint's or an otlpEndpoint's fragment is never sent either.
    assert.equal(
      destination({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t:4318/v1/traces#x" }),
      "http://t:4318/v1/traces",
    );
    assert.equal(destination({}, "http://C:4318/#x"), "http://c:4318/v1/traces");
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
          `otlp, console and none); ignored: spans go to the spans file "${DEFAULT_SPANS_FILE}" only`,
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
