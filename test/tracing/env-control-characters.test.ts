/**
 * Settings of the environment holding a control character, said as the same in code is refused
 * (startTracing's serviceName, resourceAttributes: a TypeError): OTEL_SERVICE_NAME, a value of
 * OTEL_RESOURCE_ATTRIBUTES (percent-encoded, `%0A`) and TRACEHOP_SPANS_FILE get a warning with the fix
 * (TRACEHOP_CONTROL_CHARACTER_SETTING, TRACEHOP_BAD_SPANS_FILE), and the value is not exported with it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/temp-dir.js";
import { detectedWith, resolveWith, warningsOf } from "./config-env.js";

const CODE = "TRACEHOP_CONTROL_CHARACTER_SETTING";

test("OTEL_SERVICE_NAME with a carriage return (a CRLF .env file): said, exported without it", async () => {
  const vars = { OTEL_SERVICE_NAME: "api\r" };
  const told = await warningsOf(vars, { serviceName: undefined });
  assert.deepEqual(told.processWarnings, [
    [
      CODE,
      'tracehop: OTEL_SERVICE_NAME holds a control character: its character 4 is U+000D (carriage return), got "api\\r"; it is exported without its control characters, as "api": remove them from the variable',
    ],
  ]);
  assert.equal(resolveWith(undefined, vars).resourceAttributes["service.name"], "api");
});

test("OTEL_RESOURCE_ATTRIBUTES: a value with a control character (%0A, %1B) is said and exported without it; clean ones are not said", async () => {
  const vars = { OTEL_RESOURCE_ATTRIBUTES: "team=pay%0Aments,deployment.environment.name=prod%1B,region=eu" };
  const told = await warningsOf(vars);
  assert.deepEqual(told.processWarnings, [
    [
      CODE,
      'tracehop: OTEL_RESOURCE_ATTRIBUTES["team"] holds a control character: its character 4 is U+000A (line feed), got "pay\\nments"; it is exported without its control characters, as "payments": remove them from the variable',
    ],
    [
      CODE,
      'tracehop: OTEL_RESOURCE_ATTRIBUTES["deployment.environment.name"] holds a control character: its character 5 is U+001B, got "prod\\u001b"; it is exported without its control characters, as "prod": remove them from the variable',
    ],
  ]);
  // The env detector exports them cleaned; tracehop's own attributes (the options') do not hold them.
  const detected = detectedWith({ serviceName: "s" }, { ...vars, OTEL_NODE_RESOURCE_DETECTORS: "env" });
  assert.equal(detected["team"], "payments");
  assert.equal(detected["deployment.environment.name"], "prod");
  assert.equal(detected["region"], "eu");
  assert.deepEqual(resolveWith({ serviceName: "s" }, vars).resourceAttributes, { "service.name": "s" });
  // An option wins over the variable: its value is exported, nothing is said of the variable's.
  const overridden = await warningsOf(vars, { resourceAttributes: { team: "core" }, environment: "dev" });
  assert.deepEqual(overridden.processWarnings, []);
});

test("TRACEHOP_SPANS_FILE with a line break: ignored with TRACEHOP_BAD_SPANS_FILE, no such file made", async (t) => {
  const dir = tempDir(t, "h9-spans-lf");
  const path = join(dir, "spans.jsonl\n");
  const told = await warningsOf({ TRACEHOP_SPANS_FILE: path, OTEL_TRACES_EXPORTER: "none" });
  assert.deepEqual(told.processWarnings, [
    [
      "TRACEHOP_BAD_SPANS_FILE",
      `tracehop: TRACEHOP_SPANS_FILE=${JSON.stringify(path).replace("\\n", "\\n")} holds a control character: its character ${path.length} is U+000A (line feed) (ignored: no spans file is written); remove it from the variable, or unset it`,
    ],
  ]);
  assert.equal(existsSync(path), false);
});

test("spansFile option with a line break, a carriage return or ESC: a TypeError saying which character, as the other options; no file made", () => {
  // Relative: the message quotes the path as given (resolved against the working directory).
  for (const [path, shown, at, name] of [
    ["h3-spans.jsonl\n", '"h3-spans.jsonl\\n"', 15, "U+000A (line feed)"],
    ["h3-spans.jsonl\r", '"h3-spans.jsonl\\r"', 15, "U+000D (carriage return)"],
    ["h3-sp\u001b[2Kans.jsonl", '"h3-sp\\u001b[2Kans.jsonl"', 6, "U+001B"],
  ] as const) {
    assert.throws(() => resolveWith({ serviceName: "s", spansFile: path }), {
      name: "TypeError",
      message:
        "tracehop startTracing: options.spansFile must not hold a control character or a lone surrogate: " +
        `its character ${at} is ${name}, got ${shown}; remove it`,
    });
    assert.equal(existsSync(path), false);
  }
});

test("OTEL_RESOURCE_ATTRIBUTES: a key with a control character (%0A, %0D): the attribute is left out, said once with the fix; the others are kept", async () => {
  const vars = {
    OTEL_RESOURCE_ATTRIBUTES: "te%0Aam=payments,region=eu,zone%0D=a",
    OTEL_NODE_RESOURCE_DETECTORS: "env",
  };
  const told = await warningsOf(vars);
  assert.deepEqual(told.processWarnings, [
    [
      CODE,
      'tracehop: OTEL_RESOURCE_ATTRIBUTES has a key holding a control character: its character 3 is U+000A (line feed), got "te\\nam"; the attribute is left out (a key is the attribute\'s name, not changed as a value is): remove the character from the variable',
    ],
    [
      CODE,
      'tracehop: OTEL_RESOURCE_ATTRIBUTES has a key holding a control character: its character 5 is U+000D (carriage return), got "zone\\r"; the attribute is left out (a key is the attribute\'s name, not changed as a value is): remove the character from the variable',
    ],
  ]);
  const detected = detectedWith({ serviceName: "s" }, vars);
  assert.deepEqual(
    Object.keys(detected).filter((key) => key !== "service.name"),
    ["region"],
  );
  assert.equal(detected["region"], "eu");
});

test("the env resource detector turned off (OTEL_NODE_RESOURCE_DETECTORS without env): nothing of OTEL_RESOURCE_ATTRIBUTES is set or said, cleaned or not", async () => {
  for (const detectors of ["process", "none", "host,process"]) {
    const vars = {
      OTEL_RESOURCE_ATTRIBUTES: "team=pay%0Aments,te%0Aam=x,deployment.environment.name=prod",
      OTEL_NODE_RESOURCE_DETECTORS: detectors,
    };
    const told = await warningsOf(vars);
    assert.deepEqual(told.processWarnings, [], detectors);
    assert.deepEqual(resolveWith({ serviceName: "s" }, vars).resourceAttributes, { "service.name": "s" });
    if (detectors === "none") assert.deepEqual(detectedWith({ serviceName: "s" }, vars), {});
  }
});
