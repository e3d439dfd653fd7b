// What `tracehop inspect` does with the inputs an engineer pastes: rows, numbers, garbage.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

function run(args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("tracehop inspect input", () => {
  test("a whole row is read through its traceContext field", () => {
    const row = {
      id: 7,
      status: "pending",
      traceContext: { "x-datadog-trace-id": "18446744073709551615", "x-datadog-parent-id": "1" },
    };
    const { code, stdout } = run(["inspect", "--json", JSON.stringify(row)]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.valid, true);
    assert.equal(report.context.traceId, "0000000000000000ffffffffffffffff");
    assert.equal(report.context.datadogTraceId, "18446744073709551615");
    assert.ok(report.diagnostics.includes("read the row's traceContext field"));
  });

  test("a row whose traceContext holds the carrier's JSON text (a Json column selected as text) is read too", () => {
    const carrier = { "x-datadog-trace-id": "18446744073709551615", "x-datadog-parent-id": "1" };
    const { code, stdout } = run([
      "inspect",
      "--json",
      JSON.stringify({ id: 7, traceContext: JSON.stringify(carrier) }),
    ]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.context.datadogTraceId, "18446744073709551615");
    assert.deepEqual(report.diagnostics, ["read the row's traceContext field (JSON text)"]);

    const garbage = run(["inspect", "--json", JSON.stringify({ id: "7", traceContext: "not json" })]);
    assert.equal(garbage.code, 1);
    assert.ok(
      JSON.parse(garbage.stdout).diagnostics.includes(
        "the row's traceContext field is text but not the JSON text of an object: nothing read",
      ),
    );
  });

  test("an object with propagation headers and a traceContext field is read as a carrier, and says so", () => {
    const both = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", traceContext: {} };
    const { code, stdout } = run(["inspect", "--json", JSON.stringify(both)]);
    assert.equal(code, 0);
    assert.ok(
      JSON.parse(stdout).diagnostics.includes(
        "the object has propagation headers and a traceContext field: read as a carrier, traceContext ignored",
      ),
    );
  });

  test("JSON that is not an object is an input error (2) with one line that says what to give", () => {
    for (const text of ["[1,2,3]", "42", "null"]) {
      const { code, stderr } = run(["inspect", text]);
      assert.equal(code, 2, text);
      assert.equal(
        stderr.trim(),
        "tracehop inspect: the carrier must be a JSON object of header name -> value",
      );
    }
  });

  test("a missing file names the file and the three accepted inputs", () => {
    const { code, stderr } = run(["inspect", "no-such-row.json"]);
    assert.equal(code, 2);
    assert.match(
      stderr,
      /cannot read the file no-such-row\.json: ENOENT \(give JSON text, a file name, or - for standard input\)/,
    );
  });

  test("a safe JSON-number id is reported as exact, not as ignored", () => {
    const { code, stdout } = run(["inspect", '{"x-datadog-trace-id":1234,"x-datadog-parent-id":"5"}']);
    assert.equal(code, 0);
    assert.match(
      stdout,
      /x-datadog-trace-id is stored as a JSON number \(1234\); it is exact and read as "1234"/,
    );
  });

  test("an unknown style is reported once, without a doubled prefix", () => {
    const { code, stderr } = run(["inspect", "--styles", "bogus", "{}"]);
    assert.equal(code, 2);
    assert.match(stderr, /^tracehop inspect: unknown propagation style "bogus"/);
  });
});
