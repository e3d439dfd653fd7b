/**
 * Span names with a control character, a lone surrogate or nothing in them: `traced({ name })`, written
 * once in code and checked at wrapping time, is a TypeError saying what to write; the `name` of each
 * call of withCarrier, withBatch and withBatchItem (often business data: a job type, a queue) is
 * cleaned, never refused, so that tracing never fails the business call (docs/restore.md "Span names").
 */
import { beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { traced, withBatch, withBatchItem, withCarrier } from "../../src/index.js";
import { exporter, W3C_CARRIER } from "./tracing.js";

beforeEach(() => exporter.reset());

const names = () => exporter.getFinishedSpans().map((s) => s.name);

test("traced({ name }): a control character, a lone surrogate or an empty or blank name is a TypeError naming it, escaped", () => {
  const cases: [unknown, string][] = [
    [
      "job\nprocess",
      'tracehop traced: name must not hold a control character or a lone surrogate: its character 4 is U+000A (line feed), got "job\\nprocess"; remove it',
    ],
    [
      "job\ud800",
      'tracehop traced: name must not hold a control character or a lone surrogate: its character 4 is U+D800 (a lone surrogate), got "job\\ud800"; remove it',
    ],
    [
      "",
      'tracehop traced: name must be a non-empty span name such as "Worker.process" (or left out for the function\'s name), got ""',
    ],
    [
      " ",
      'tracehop traced: name must be a non-empty span name such as "Worker.process" (or left out for the function\'s name), got " "',
    ],
  ];
  for (const [name, message] of cases)
    assert.throws(
      () => traced({ name: name as string }),
      { name: "TypeError", message },
      JSON.stringify(name),
    );
  // Other Unicode (an emoji's surrogate pair) is a name like any other.
  assert.equal(traced({ name: "job 📦" })(() => 3)(), 3);
  assert.deepEqual(names(), ["job 📦"]);
});

test('withCarrier, withBatch, withBatchItem: a name\'s control characters and lone surrogates become U+FFFD and an empty name is "anonymous"; fn runs', async () => {
  assert.equal(
    withCarrier(W3C_CARRIER, "job\nprocess\u001b[2K", () => 1),
    1,
  );
  assert.equal(
    withBatch([W3C_CARRIER], "batch\ud800", () => withBatchItem(W3C_CARRIER, "item\t1", () => 2)),
    2,
  );
  assert.equal(
    withCarrier(W3C_CARRIER, "", () => 3),
    3,
  );
  assert.equal(
    withCarrier(W3C_CARRIER, "ok 📦", () => 4),
    4,
  );
  assert.deepEqual(names().sort(), [
    "anonymous",
    "batch\ufffd",
    "item\ufffd1",
    "job\ufffdprocess\ufffd[2K",
    "ok 📦",
  ]);
});
