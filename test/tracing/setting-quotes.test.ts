// Every OTEL_* setting startTracing echoes in a warning is quoted by one rule (quoteWritten, docs/warnings.md):
// a letter of another alphabet or an invisible character escaped, a long value cut with its length.
import { test } from "node:test";
import assert from "node:assert/strict";
import { warningsOf } from "./config-env.js";

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };
const LONG = "x".repeat(100_000);
const LONG_SHOWN = `"${"x".repeat(40)}"… (100000 characters)`;

/** [environment besides the value, variable, its value as the warning must quote it] for each route. */
const ROUTES: [base: Record<string, string>, variable: string][] = [
  [{ OTEL_TRACES_SAMPLER: "traceidratio" }, "OTEL_TRACES_SAMPLER_ARG"],
  [{}, "OTEL_TRACES_SAMPLER"],
  [{}, "OTEL_BSP_SCHEDULE_DELAY"],
  [{}, "OTEL_BSP_EXPORT_TIMEOUT"],
  [{}, "OTEL_BSP_MAX_QUEUE_SIZE"],
  [{}, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"],
  [{}, "OTEL_SDK_DISABLED"],
  [{}, "OTEL_TRACES_EXPORTER"],
  [{}, "OTEL_NODE_RESOURCE_DETECTORS"],
  [ENDPOINT, "OTEL_EXPORTER_OTLP_COMPRESSION"],
  [ENDPOINT, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"],
  [ENDPOINT, "OTEL_EXPORTER_OTLP_PROTOCOL"],
  [ENDPOINT, "OTEL_EXPORTER_OTLP_TIMEOUT"],
  [ENDPOINT, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"],
];

/** A value a user pasted, and how the warning must show it. */
const VALUES: [written: string, shown: string][] = [
  ["gzi\u0440", '"gzi\\u0440"'], // a Cyrillic er
  ["5000\u200b", '"5000\\u200b"'], // a zero width space
  [LONG, LONG_SHOWN],
];

/** The one warning `vars` give, checked to be printable ASCII (but the cut's …) and short. */
async function warningOf(vars: Record<string, string>, options = {}): Promise<string> {
  const { processWarnings } = await warningsOf(vars, options);
  assert.equal(
    processWarnings.length,
    1,
    `${JSON.stringify(vars).slice(0, 200)}: ${processWarnings.join("\n")}`,
  );
  const [, message] = processWarnings[0]!;
  assert.match(message, /^[\x20-\x7e…]*$/, message.slice(0, 300));
  assert.ok(message.length < 1000, `${message.length} characters`);
  return message;
}

test("a bad OTEL_* value startTracing warns about is quoted by the one rule: a look-alike or invisible character escaped, a long value cut with its length", async () => {
  for (const [base, variable] of ROUTES)
    for (const [written, shown] of VALUES) {
      const message = await warningOf({ ...base, [variable]: written });
      assert.ok(message.includes(shown), `${variable}: ${message.slice(0, 300)}`);
    }
});

test("OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME: the entry, key or blank name quoted by the one rule", async () => {
  for (const [vars, shown] of [
    [{ OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=%zz\u200b" }, '"deployment.environment=%zz\\u200b"'],
    [
      { OTEL_RESOURCE_ATTRIBUTES: `deployment.environment=%zz${LONG}` },
      '"deployment.environment=%zzxxxxxxxxxxxxxx"… (100026 characters)',
    ],
    [{ OTEL_RESOURCE_ATTRIBUTES: "d\u0435ployment" }, '"d\\u0435ployment"'],
    [{ OTEL_RESOURCE_ATTRIBUTES: `${LONG}=1` }, LONG_SHOWN],
  ] as const) {
    const message = await warningOf(vars);
    assert.ok(message.includes(shown), message.slice(0, 300));
  }
  // A blank service name, with no other: the TypeError quotes it so.
  for (const [vars, shown] of [[{ OTEL_SERVICE_NAME: "\u3000" }, 'is blank ("\\u3000")']] as const)
    await assert.rejects(
      () => warningsOf(vars, { serviceName: undefined }),
      (err: Error) =>
        err instanceof TypeError && err.message.includes(shown) && /^[\x20-\x7e]*$/.test(err.message),
    );
});
