/**
 * DD_SERVICE, DD_ENV and DD_VERSION (Datadog unified service tagging, left in a deployment that moved off
 * dd-trace) name the service, its environment and version when no option and no OpenTelemetry setting
 * does: explicit option > OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES > DD_* > none. Both set and
 * different: the OpenTelemetry one wins, said in one line (TRACEHOP_DATADOG_SETTING_OVERRIDDEN).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { detectedWith, resolveWith, warningsOf } from "./config-env.js";

const OVERRIDDEN = "TRACEHOP_DATADOG_SETTING_OVERRIDDEN";
const DD = { DD_SERVICE: "checkout", DD_ENV: "prod", DD_VERSION: "1.2.3" };

test("DD_SERVICE, DD_ENV, DD_VERSION alone: service.name, deployment.environment.name, service.version; nothing said", async () => {
  assert.deepEqual(resolveWith(undefined, DD).resourceAttributes, {
    "service.name": "checkout",
    "deployment.environment.name": "prod",
    "service.version": "1.2.3",
  });
  assert.deepEqual((await warningsOf(DD, { serviceName: undefined })).processWarnings, []);
});

test("the options win over DD_*, without a warning (code is not a leftover setting)", async () => {
  const options = { serviceName: "api", environment: "dev", serviceVersion: "9" };
  assert.deepEqual(resolveWith(options, DD).resourceAttributes, {
    "service.name": "api",
    "deployment.environment.name": "dev",
    "service.version": "9",
  });
  assert.deepEqual((await warningsOf(DD, options)).processWarnings, []);
  // resourceAttributes too.
  const given = { "service.name": "api", "deployment.environment.name": "dev", "service.version": "9" };
  assert.deepEqual(resolveWith({ resourceAttributes: given }, DD).resourceAttributes, given);
});

test("OTEL_SERVICE_NAME and DD_SERVICE differ: OTEL_SERVICE_NAME wins, said in one line: give both the same value first, then which one to remove (DD_SERVICE may come from a pod label)", async () => {
  const vars = { OTEL_SERVICE_NAME: "orders", DD_SERVICE: "checkout" };
  assert.equal(resolveWith(undefined, vars).resourceAttributes["service.name"], "orders");
  const told = await warningsOf(vars, { serviceName: undefined });
  assert.deepEqual(told.processWarnings, [
    [
      OVERRIDDEN,
      'tracehop: DD_SERVICE="checkout" and OTEL_SERVICE_NAME="orders" differ; OTEL_SERVICE_NAME wins, so service.name is "orders" (Datadog\'s tracer, dd-trace, would take DD_SERVICE): give both the same value, or remove one: OTEL_SERVICE_NAME, to take DD_SERVICE\'s value, or DD_SERVICE (where Datadog\'s Kubernetes admission controller injects it: the pod label tags.datadoghq.com/service)',
    ],
  ]);
  // The same name twice: nothing to say.
  const same = await warningsOf(
    { OTEL_SERVICE_NAME: "orders", DD_SERVICE: "orders" },
    { serviceName: undefined },
  );
  assert.deepEqual(same.processWarnings, []);
});

test("OTEL_RESOURCE_ATTRIBUTES gives the environment and version: they win over DD_ENV / DD_VERSION, said", async () => {
  const vars = {
    ...DD,
    OTEL_RESOURCE_ATTRIBUTES: "service.name=orders,deployment.environment=staging,service.version=2.0.0",
    OTEL_NODE_RESOURCE_DETECTORS: "env",
  };
  const told = await warningsOf(vars, { serviceName: undefined });
  assert.deepEqual(
    told.processWarnings.map(([code, message]) => [code, message]),
    [
      [
        OVERRIDDEN,
        'tracehop: DD_SERVICE="checkout" and OTEL_RESOURCE_ATTRIBUTES["service.name"]="orders" differ; OTEL_RESOURCE_ATTRIBUTES wins, so service.name is "orders" (Datadog\'s tracer, dd-trace, would take DD_SERVICE): give both the same value, or remove one: service.name from OTEL_RESOURCE_ATTRIBUTES, to take DD_SERVICE\'s value, or DD_SERVICE (where Datadog\'s Kubernetes admission controller injects it: the pod label tags.datadoghq.com/service)',
      ],
      [
        OVERRIDDEN,
        'tracehop: DD_ENV="prod" and OTEL_RESOURCE_ATTRIBUTES["deployment.environment"]="staging" differ; OTEL_RESOURCE_ATTRIBUTES wins, so deployment.environment is "staging" (Datadog\'s tracer, dd-trace, would take DD_ENV): give both the same value, or remove one: deployment.environment from OTEL_RESOURCE_ATTRIBUTES, to take DD_ENV\'s value, or DD_ENV (where Datadog\'s Kubernetes admission controller injects it: the pod label tags.datadoghq.com/env)',
      ],
      [
        OVERRIDDEN,
        'tracehop: DD_VERSION="1.2.3" and OTEL_RESOURCE_ATTRIBUTES["service.version"]="2.0.0" differ; OTEL_RESOURCE_ATTRIBUTES wins, so service.version is "2.0.0" (Datadog\'s tracer, dd-trace, would take DD_VERSION): give both the same value, or remove one: service.version from OTEL_RESOURCE_ATTRIBUTES, to take DD_VERSION\'s value, or DD_VERSION (where Datadog\'s Kubernetes admission controller injects it: the pod label tags.datadoghq.com/version)',
      ],
    ],
  );
  const detected = detectedWith(undefined, vars);
  assert.equal(detected["service.name"], "orders");
  // The old key names the environment: no second one beside it from DD_ENV (Datadog reads both as env).
  assert.equal(detected["deployment.environment"], "staging");
  assert.equal(detected["deployment.environment.name"], undefined);
  assert.equal(detected["service.version"], "2.0.0");
});

test("DD_* holding a control character: exported without it, said (TRACEHOP_CONTROL_CHARACTER_SETTING); blank ones name nothing", async () => {
  const vars = { DD_SERVICE: "checkout\r", DD_ENV: " ", DD_VERSION: "1.2\u001b" };
  assert.deepEqual(resolveWith(undefined, vars).resourceAttributes, {
    "service.name": "checkout",
    "service.version": "1.2",
  });
  const told = await warningsOf(vars, { serviceName: undefined });
  assert.deepEqual(told.processWarnings, [
    [
      "TRACEHOP_CONTROL_CHARACTER_SETTING",
      'tracehop: DD_SERVICE holds a control character: its character 9 is U+000D (carriage return), got "checkout\\r"; it is exported without its control characters, as "checkout": remove them from the variable',
    ],
    [
      "TRACEHOP_CONTROL_CHARACTER_SETTING",
      'tracehop: DD_VERSION holds a control character: its character 4 is U+001B, got "1.2\\u001b"; it is exported without its control characters, as "1.2": remove them from the variable',
    ],
  ]);
  assert.throws(() => resolveWith(undefined, { DD_SERVICE: "  " }), {
    name: "TypeError",
    message:
      'tracehop startTracing: a service name is required, and DD_SERVICE is blank ("  "): an empty or blank value ' +
      "names no service. Set DD_SERVICE to the service's name, or unset it and set OTEL_SERVICE_NAME (or " +
      'service.name=my-service in OTEL_RESOURCE_ATTRIBUTES), or pass { serviceName: "my-service" }',
  });
});

test("the env resource detector off: DD_ENV and DD_VERSION are not set (as OTEL_RESOURCE_ATTRIBUTES is not); DD_SERVICE still names the service", async () => {
  const vars = { ...DD, OTEL_NODE_RESOURCE_DETECTORS: "process" };
  assert.deepEqual(resolveWith(undefined, vars).resourceAttributes, { "service.name": "checkout" });
  assert.deepEqual((await warningsOf(vars, { serviceName: undefined })).processWarnings, []);
});

test("the setting that gave the service name is the one each warning names, for each setting", async () => {
  const cases: [Record<string, string>, string | undefined][] = [
    [{ OTEL_SERVICE_NAME: "orders\r" }, "OTEL_SERVICE_NAME"],
    [{ OTEL_SERVICE_NAME: "orders\r", OTEL_RESOURCE_ATTRIBUTES: "service.name=other" }, "OTEL_SERVICE_NAME"],
    [{ OTEL_RESOURCE_ATTRIBUTES: "service.name=orders%0D" }, 'OTEL_RESOURCE_ATTRIBUTES["service.name"]'],
    // A blank OTEL_SERVICE_NAME is unset: OTEL_RESOURCE_ATTRIBUTES gives the name.
    [
      { OTEL_SERVICE_NAME: "  ", OTEL_RESOURCE_ATTRIBUTES: "service.name=orders%0D" },
      'OTEL_RESOURCE_ATTRIBUTES["service.name"]',
    ],
    [{ DD_SERVICE: "orders\r" }, "DD_SERVICE"],
    [{ OTEL_RESOURCE_ATTRIBUTES: "service.name=%20", DD_SERVICE: "orders\r" }, "DD_SERVICE"],
  ];
  for (const [vars, setting] of cases) {
    assert.equal(resolveWith(undefined, vars).resourceAttributes["service.name"], "orders", setting);
    const told = await warningsOf(vars, { serviceName: undefined });
    assert.deepEqual(
      told.processWarnings.map(([code, message]) => [code, message.slice(0, message.indexOf(" holds"))]),
      [["TRACEHOP_CONTROL_CHARACTER_SETTING", `tracehop: ${setting}`]],
      JSON.stringify(vars),
    );
    // DD_SERVICE beside it with another value: the override names the same setting as the winner.
    if (setting !== "DD_SERVICE") {
      const overridden = await warningsOf({ ...vars, DD_SERVICE: "checkout" }, { serviceName: undefined });
      const winner = setting!.startsWith("OTEL_RESOURCE_ATTRIBUTES") ? "OTEL_RESOURCE_ATTRIBUTES" : setting;
      assert.ok(
        overridden.processWarnings.some(
          ([code, message]) =>
            code === OVERRIDDEN &&
            message.startsWith(
              `tracehop: DD_SERVICE="checkout" and ${setting}="orders" differ; ${winner} wins`,
            ),
        ),
        JSON.stringify(overridden.processWarnings),
      );
    }
  }
  // An option gives the name: no setting is named, nothing is said of DD_SERVICE.
  for (const options of [{ serviceName: "orders" }, { resourceAttributes: { "service.name": "orders" } }]) {
    const told = await warningsOf({ OTEL_SERVICE_NAME: "x\r", DD_SERVICE: "checkout" }, options);
    assert.deepEqual(told.processWarnings, [], JSON.stringify(options));
  }
});
