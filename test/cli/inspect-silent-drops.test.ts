// `tracehop inspect` names what the library drops or ignores without a word of its own.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { run } from "./run-cli.js";

/** process.env without the propagation settings (and NODE_OPTIONS) a developer's shell may hold. */
function clean(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith("DD_") || name === "OTEL_PROPAGATORS" || name === "NODE_OPTIONS") delete env[name];
  return env;
}

/** The `--json` report of `carrier`, in a clean environment, with `args` before it. */
function inspect(carrier: unknown, ...args: string[]) {
  const { code, stdout, stderr } = run(
    ["inspect", "--json", ...args, JSON.stringify(carrier)],
    undefined,
    clean(),
  );
  assert.equal(stderr, "");
  return { code, report: JSON.parse(stdout) };
}

const TP = "00-640cfd8d00000000000000000000000a-0000000000000002-01";

describe("tracehop inspect: what the library drops or ignores silently", () => {
  test("--json links carry the reason the text report gives", () => {
    const carrier = { traceparent: TP, "x-datadog-trace-id": "1234", "x-datadog-parent-id": "5678" };
    const { report } = inspect(carrier);
    assert.deepEqual(report.context.links, [
      {
        traceId: "640cfd8d00000000000000000000000a",
        spanId: "0000000000000002",
        style: "tracecontext",
        reason: "terminated_context",
      },
    ]);
    const text = run(["inspect", JSON.stringify(carrier)], undefined, clean());
    assert.match(
      text.stdout,
      /^ {2}link {9}640cfd8d00000000000000000000000a\/0000000000000002 \(tracecontext, terminated_context\)$/m,
    );
  });
});
