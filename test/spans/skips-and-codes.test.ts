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
import { tracehopWarningsOf } from "../support/warnings.js";

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

/** The TRACEHOP_* process warnings `call` gives ({@link tracehopWarningsOf}). */
const warningsOf = tracehopWarningsOf;

test("spans skipped without a word (a line too long without onLongLine, a line of no OTLP JSON among good ones, a span of invalid ids): a TRACEHOP_SPANS_SKIPPED warning, once per file", async (t) => {
  const dir = tempDir(t, "h1-skips");
  const file = join(dir, "spans.jsonl");
  const long = line("00000000000000a2", "x".repeat(5000));
  writeFileSync(file, [line("00000000000000a1", "kept"), long, long].join("\n") + "\n");
  const told = join(dir, "told.jsonl");
  writeFileSync(told, [line("00000000000000a1", "kept"), long].join("\n") + "\n");
  // onLongLine given and nothing else skipped: nothing to say. A last line still being written is no skip.
  assert.deepEqual(
    await warningsOf(() => readSpansFile(told, { maxLineBytes: 4096, onLongLine: () => {} })),
    [],
  );
  appendFileSync(told, line("00000000000000a3", "cut").slice(0, 30));
  assert.deepEqual(
    await warningsOf(() => readSpansFile(told, { maxLineBytes: 4096, onLongLine: () => {} })),
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
        "TRACEHOP_SPANS_SKIPPED",
        `tracehop readSpansFile: spans of "${file}" skipped, missing from what it returned: ` +
          "2 lines longer than maxLineBytes (4096 bytes) (the first: line 2; to read them, give each of their requests a line of its own: " +
          "jq -c '.resourceSpans[] | {resourceSpans: [.]}' FILE, or pass onLongLine to be told each line instead)",
      ],
    ],
  );
  // The same file again: said once.
  assert.deepEqual(await warningsOf(() => readSpansFile(file, { maxLineBytes: 4096 })), []);
  // A line of no OTLP JSON among good ones (two writers' lines mixed) and spans of invalid ids: said too,
  // onLongLine or not; readSpansSince says it as itself.
  const mixed = join(dir, "mixed.jsonl");
  writeFileSync(
    mixed,
    [
      line("00000000000000a1", "kept"),
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8e',
      line("0000000000000000", "zero span id"),
      line("00000000000000a4", "no trace id", "", "abc"),
      line("00000000000000a5", "kept too"),
    ].join("\n") + "\n",
  );
  const since = await warningsOf(() =>
    assert.deepEqual(
      readSpansSince(mixed, { ino: 0, size: 0 }, { onLongLine: () => {} }).spans.map((s) => s.name),
      ["kept", "kept too"],
    ),
  );
  assert.equal(since.length, 1);
  assert.equal(since[0]!.code, "TRACEHOP_SPANS_SKIPPED");
  assert.match(
    since[0]!.message,
    new RegExp(
      `^tracehop readSpansSince: spans of "${mixed}" skipped, missing from what it returned: ` +
        "1 line that is no OTLP JSON \\(line 2 is not JSON \\(.*\\)\\); " +
        "2 spans without a valid trace or span id \\(hex of 32 or 16 digits, not all zeros\\) or start and end times, or an attribute value nested over 128 levels deep$",
    ),
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

test("ids that are all zeros: a parent of zeros is a root; a span of the zero trace or zero span id is skipped", async (t) => {
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
  const warnings = await warningsOf(() =>
    assert.deepEqual(
      readSpansFile(file).map((s) => [s.name, s.parentSpanId]),
      [
        ["root", undefined],
        ["child", "00000000000000a1"],
      ],
    ),
  );
  assert.match(warnings[0]?.message ?? "", /: 2 spans without a valid trace or span id /);
});

test("a mark whose inode is past 2^53 (a 64-bit inode number as a JS number) is a mark: another file now, read whole", (t) => {
  const file = join(tempDir(t, "h1-bigino"), "spans.jsonl");
  writeFileSync(file, line("00000000000000a1", "kept") + "\n");
  const result = readSpansSince(file, { ino: 2 ** 60, size: 10 });
  assert.deepEqual([result.spans.map((s) => s.name), result.replaced], [["kept"], true]);
});

test("an attribute value nested thousands of levels deep (a hostile line): that span skipped and said, the file and its other spans read", async (t) => {
  const file = join(tempDir(t, "h1-deep"), "spans.jsonl");
  const depth = 5000;
  const value = '{"arrayValue":{"values":['.repeat(depth) + '{"stringValue":"x"}' + "]}}".repeat(depth);
  const deep = line("00000000000000a2", "deep").replace(
    '"name":"deep"',
    `"name":"deep","attributes":[{"key":"k","value":${value}}]`,
  );
  // 128 levels: read, as deep as it is.
  const nested = '{"arrayValue":{"values":['.repeat(127) + '{"stringValue":"x"}' + "]}}".repeat(127);
  const fine = line("00000000000000a3", "nested").replace(
    '"name":"nested"',
    `"name":"nested","attributes":[{"key":"k","value":${nested}}]`,
  );
  writeFileSync(file, [line("00000000000000a1", "kept"), deep, fine].join("\n") + "\n");
  const warnings = await warningsOf(() => {
    const spans = readSpansFile(file);
    assert.deepEqual(
      spans.map((s) => s.name),
      ["kept", "nested"],
    );
    let v: unknown = spans[1]!.attributes.k;
    let levels = 0;
    while (Array.isArray(v)) [v, levels] = [v[0], levels + 1];
    assert.deepEqual([v, levels], ["x", 127]);
  });
  // Only this file's (an earlier test's warning may come on this one's tick).
  const ours = warnings.filter((w) => w.message.includes(file));
  assert.deepEqual(
    ours.map((w) => w.code),
    ["TRACEHOP_SPANS_SKIPPED"],
  );
  assert.match(
    ours[0]!.message,
    /1 span without a valid trace or span id .* or an attribute value nested over 128 levels deep$/,
  );
});

test("an error thrown by the caller's keep comes out as it is, not as a file that cannot be read", (t) => {
  const file = join(tempDir(t, "h1-keep-throws"), "spans.jsonl");
  writeFileSync(file, line("00000000000000a1", "kept") + "\n");
  const mine = new Error("an assertion in keep");
  assert.throws(
    () =>
      readSpansFile(file, {
        keep: () => {
          throw mine;
        },
      }),
    (err: unknown) => err === mine,
  );
  assert.throws(
    () =>
      readSpansSince(
        file,
        { ino: 0, size: 0 },
        {
          keep: () => {
            throw mine;
          },
        },
      ),
    (err: unknown) => err === mine,
  );
});
