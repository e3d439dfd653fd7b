// spansFileMark and readSpansSince at the edges of the fingerprint and of a file still being written: a
// file smaller than the fingerprint's 64 KiB windows that grows past one and past both, a mark taken on an
// empty file, and a writer appending (a line half written when the file is opened, more lines while it is
// read). Real files in a temporary folder.
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readSpansSince, spansFileMark } from "../../src/spans/index.js";
import { tempDir } from "../support/temp-dir.js";
import { tracehopWarningsOf } from "../support/warnings.js";

/** One OTLP JSON line of one span `name` (span id from `n`), padded with an attribute of `pad` characters. */
function line(n: number, name: string, pad = 0): string {
  return JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: "5b8efff798038103d269b633813fc60c",
                spanId: (n + 1).toString(16).padStart(16, "0"),
                name,
                startTimeUnixNano: "1544712660000000001",
                endTimeUnixNano: "1544712661500000003",
                attributes: [{ key: "pad", value: { stringValue: "x".repeat(pad) } }],
              },
            ],
          },
        ],
      },
    ],
  });
}

/** The TRACEHOP_* process warnings `call` gives ({@link tracehopWarningsOf}), as text. */
async function warningsOf(call: () => void): Promise<string[]> {
  return (await tracehopWarningsOf(call)).map((w) => w.message);
}

test("a file under 64 KiB marked again and again as it grows past the first window, then past both: each reading holds the spans since its mark alone", (t) => {
  const file = join(tempDir(t, "h10-mark-grow"), "spans.jsonl");
  writeFileSync(file, line(0, "first") + "\n");
  let n = 1;
  // Lines of about 20 KiB: marks at ~0.3, 20, 40, ... KiB, across 64 KiB and 128 KiB, up to ~200 KiB.
  for (let run = 0; run < 10; run++) {
    const mark = spansFileMark(file);
    const expected: string[] = [];
    for (let i = 0; i < 1 + (run % 2); i++, n++) {
      appendFileSync(file, line(n, `run${run}.${i}`, 20_000) + "\n");
      expected.push(`run${run}.${i}`);
    }
    const result = readSpansSince(file, mark);
    assert.equal(result.replaced, false, `run ${run} (mark at ${mark.size} bytes)`);
    assert.deepEqual(
      result.spans.map((s) => s.name),
      expected,
      `run ${run} (mark at ${mark.size} bytes)`,
    );
  }
});

test("a mark taken on an empty file: every span written after it read, the file not said replaced; the file written over: read whole", (t) => {
  const file = join(tempDir(t, "h10-mark-empty"), "spans.jsonl");
  writeFileSync(file, "");
  const mark = spansFileMark(file);
  assert.equal(mark.size, 0);
  appendFileSync(file, line(1, "a") + "\n" + line(2, "b") + "\n");
  assert.deepEqual(
    readSpansSince(file, mark).spans.map((s) => s.name),
    ["a", "b"],
  );
  assert.equal(readSpansSince(file, mark).replaced, false);
  writeFileSync(file, line(3, "c") + "\n");
  assert.deepEqual(
    readSpansSince(file, mark).spans.map((s) => s.name),
    ["c"],
  );
});

test("a writer appending while the file is read: the spans up to where the file ended when opened, a line half written there not warned of; the next mark's reading holds the rest", async (t) => {
  const file = join(tempDir(t, "h10-mark-append"), "spans.jsonl");
  writeFileSync(file, line(0, "before") + "\n");
  const mark = spansFileMark(file);
  const half = line(2, "half");
  appendFileSync(file, line(1, "run") + "\n" + half.slice(0, 40));
  let result: ReturnType<typeof readSpansSince> | undefined;
  let appended = false;
  const warnings = await warningsOf(() => {
    result = readSpansSince(file, mark, {
      // The writer goes on while the reader is inside the file: the rest of the half line, and another line.
      keep: () => {
        if (!appended) appendFileSync(file, half.slice(40) + "\n" + line(3, "later") + "\n");
        appended = true;
        return true;
      },
    });
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    result!.spans.map((s) => s.name),
    ["run"],
  );
  assert.deepEqual(
    readSpansSince(file, mark).spans.map((s) => s.name),
    ["run", "half", "later"],
  );
});
