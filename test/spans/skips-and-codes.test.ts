// What readSpansFile says without being asked: a line skipped for its length with no onLongLine given (a
// process warning, once per process and file), the codes of SpansFileError in one naming scheme, ids that
// are all zeros (invalid in W3C Trace Context and OTLP: a root's parent written as zeros, a span of no
// trace), and a mark whose inode is past 2^53 (64-bit inode numbers). Real files in a temporary folder.
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  readSpansFile,
  readSpansSince,
  SpansFileError,
  type SpansFileErrorCode,
} from "../../src/spans/index.js";
import { tempDir } from "../support/temp-dir.js";

/** One OTLP JSON line of one span: trace `trace`, span `id`, parent `parent` ("" for none). */
function line(id: string, name: string, parent = "", trace = "5b8efff798038103d269b633813fc60c"): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "h1-api" } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: trace,
                spanId: id,
                parentSpanId: parent,
                name,
                startTimeUnixNano: "1544712660000000001",
                endTimeUnixNano: "1544712661500000003",
              },
            ],
          },
        ],
      },
    ],
  });
}

/** The process warnings `call` gives (emitted on a later tick: waited for). */
async function warningsOf(call: () => void): Promise<(Error & { code?: string })[]> {
  const seen: (Error & { code?: string })[] = [];
  const listener = (warning: Error) => seen.push(warning);
  process.on("warning", listener);
  try {
    call();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", listener);
  }
  return seen.filter((w) => w.code?.startsWith("TRACEHOP_"));
}

test("a line skipped for its length without onLongLine: a TRACEHOP_SPANS_LINE_SKIPPED warning, once per file; none with onLongLine", async (t) => {
  const dir = tempDir(t, "h1-skips");
  const file = join(dir, "spans.jsonl");
  const long = line("00000000000000a2", "x".repeat(5000));
  writeFileSync(file, [line("00000000000000a1", "kept"), long, long].join("\n") + "\n");
  const quiet = join(dir, "told.jsonl");
  writeFileSync(quiet, [line("00000000000000a1", "kept"), long].join("\n") + "\n");
  assert.deepEqual(
    await warningsOf(() => readSpansFile(quiet, { maxLineBytes: 4096, onLongLine: () => {} })),
    [],
  );
  const first = await warningsOf(() =>
    assert.deepEqual(
      readSpansFile(file, { maxLineBytes: 4096 }).map((s) => s.name),
      ["kept"],
    ),
  );
  assert.deepEqual(
    first.map((w) => [w.code, w.message]),
    [
      [
        "TRACEHOP_SPANS_LINE_SKIPPED",
        `tracehop readSpansFile: 2 lines of "${file}" skipped (the first: line 2): longer than maxLineBytes (4096 bytes); ` +
          "their spans are missing from what it returned; to read them, give each of their requests a line of its own " +
          `(jq -c '.resourceSpans[] | {resourceSpans: [.]}' FILE), or pass onLongLine to be told each line instead of this warning`,
      ],
    ],
  );
  // The same file again: said once. readSpansSince says it as itself.
  assert.deepEqual(await warningsOf(() => readSpansFile(file, { maxLineBytes: 4096 })), []);
  const other = join(dir, "other.jsonl");
  writeFileSync(other, line("00000000000000a1", "kept") + "\n");
  const mark = { ino: 0, size: 0 };
  appendFileSync(other, long + "\n");
  const since = await warningsOf(() => readSpansSince(other, mark, { maxLineBytes: 4096 }));
  assert.deepEqual(
    since.map((w) => [w.code, w.message.split(":")[0] + ":" + w.message.split(":")[1]]),
    [["TRACEHOP_SPANS_LINE_SKIPPED", `tracehop readSpansSince: line 2 of "${other}" skipped`]],
  );
});

test("SpansFileError codes are all kebab-case; a missing file is not-found, its system error kept as the cause", (t) => {
  const missing = join(tempDir(t, "h1-codes"), "missing.jsonl");
  try {
    readSpansFile(missing);
    assert.fail("no error");
  } catch (err) {
    assert.ok(err instanceof SpansFileError);
    const code: SpansFileErrorCode = err.code;
    assert.equal(code, "not-found");
    assert.equal((err.cause as NodeJS.ErrnoException).code, "ENOENT");
  }
});

test("ids that are all zeros: a parent of zeros is a root; a span of the zero trace or zero span id is skipped", (t) => {
  const file = join(tempDir(t, "h1-zeros"), "spans.jsonl");
  writeFileSync(
    file,
    [
      line("00000000000000a1", "root", "0000000000000000"),
      line("00000000000000a2", "child", "00000000000000a1"),
      line("0000000000000000", "no span id"),
      line("00000000000000a3", "no trace id", "", "0".repeat(32)),
    ].join("\n") + "\n",
  );
  assert.deepEqual(
    readSpansFile(file).map((s) => [s.name, s.parentSpanId]),
    [
      ["root", undefined],
      ["child", "00000000000000a1"],
    ],
  );
});

test("a mark whose inode is past 2^53 (a 64-bit inode number as a JS number) is a mark: another file now, read whole", (t) => {
  const file = join(tempDir(t, "h1-bigino"), "spans.jsonl");
  writeFileSync(file, line("00000000000000a1", "kept") + "\n");
  const result = readSpansSince(file, { ino: 2 ** 60, size: 10 });
  assert.deepEqual([result.spans.map((s) => s.name), result.replaced], [["kept"], true]);
});
