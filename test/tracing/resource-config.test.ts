/**
 * startTracing's service name and resource attributes: options over OTEL_SERVICE_NAME over
 * OTEL_RESOURCE_ATTRIBUTES, read as the SDK's env detector reads them, and the errors and warnings of
 * settings that name no service or do not parse.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { envDetector } from "@opentelemetry/resources";
import type { StartTracingOptions } from "../../src/tracing/tracing-config.js";
import { resourceAttributesProblem } from "../../src/tracing/resource-config.js";
import { resolveWith, warningsOf, withEnv } from "./config-env.js";

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
      'or value percent-encoded), or pass { serviceName: "my-service" } or set OTEL_SERVICE_NAME (or DD_SERVICE)';
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

  test("an empty or blank service name in OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES or DD_SERVICE: the error names the setting and says it is empty", () => {
    const fix =
      ": an empty or blank value names no service. Set OTEL_SERVICE_NAME to the service's name (or " +
      'service.name=my-service in OTEL_RESOURCE_ATTRIBUTES), or pass { serviceName: "my-service" }';
    // [variables, options, what is empty, the fix the message ends with when not `fix`]
    const cases: [Record<string, string>, StartTracingOptions, string, string?][] = [
      [
        { OTEL_RESOURCE_ATTRIBUTES: "service.name=" },
        {},
        'OTEL_RESOURCE_ATTRIBUTES gives service.name an empty value ("service.name=")',
      ],
      [{ OTEL_SERVICE_NAME: "" }, {}, 'OTEL_SERVICE_NAME is empty ("")'],
      [
        { DD_SERVICE: "" },
        {},
        'DD_SERVICE is empty ("")',
        ": an empty or blank value names no service. Set DD_SERVICE to the service's name, or unset it and " +
          'set OTEL_SERVICE_NAME (or service.name=my-service in OTEL_RESOURCE_ATTRIBUTES), or pass { serviceName: "my-service" }',
      ],
      [
        { OTEL_SERVICE_NAME: "", DD_SERVICE: " " },
        {},
        'OTEL_SERVICE_NAME is empty ("") and DD_SERVICE is blank (" ")',
        `${fix}; and give DD_SERVICE the same name, or unset it`,
      ],
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
    for (const [vars, options, what, ownFix] of cases)
      assert.throws(
        () => resolveWith(options, vars),
        (error: Error) => {
          assert.ok(error instanceof TypeError);
          assert.equal(
            error.message,
            `tracehop startTracing: a service name is required, and ${what}${ownFix ?? fix}`,
          );
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

describe("OTEL_RESOURCE_ATTRIBUTES that does not parse, the service named otherwise", () => {
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
});
