// readSpansSince after the file at the path changed in ways a mark of inode and size alone cannot see: cut
// to nothing and written again past the old size (the same inode), removed and made again (an inode the
// file system may give again), rotated by rename; a mark taken while a writer was in the middle of a line;
// a first line past the line bound after the mark. Real files in a temporary folder.
import assert from "node:assert/strict";
import { appendFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readSpansSince, spansFileMark } from "../../src/spans/index.js";
import { tempDir } from "../support/temp-dir.js";

/** One OTLP JSON line (a Collector's `format: json`) of one span named `name`, span id `id` (16 hex). */
function line(id: string, name: string): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "h1-api" } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: "5b8efff798038103d269b633813fc60c",
                spanId: id,
                name,
                kind: 2,
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

const names = (result: { spans: { name: string }[] }) => result.spans.map((s) => s.name);

test("a file cut to nothing and written again past the old size (same inode): read whole, replaced", (t) => {
  const file = join(tempDir(t, "h1-since-truncate"), "spans.jsonl");
  writeFileSync(
    file,
    line("00000000000000a1", "before-1") + "\n" + line("00000000000000a2", "before-2") + "\n",
  );
  const mark = spansFileMark(file);
  const ino = statSync(file).ino;
  // Cut as a log tool's copytruncate does, then the writer goes on: the same inode, longer than the mark.
  truncateSync(file, 0);
  writeFileSync(
    file,
    [
      line("00000000000000b1", "run-1-long-name"),
      line("00000000000000b2", "run-2"),
      line("00000000000000b3", "run-3"),
    ]
      .map((l) => l + "\n")
      .join(""),
  );
  assert.equal(statSync(file).ino, ino, "the same file (inode) as marked");
  assert.ok(statSync(file).size > mark.size);
  const result = readSpansSince(file, mark);
  assert.deepEqual([names(result), result.replaced], [["run-1-long-name", "run-2", "run-3"], true]);
});

test("a file removed and made again, or rotated by rename, then written past the old size: read whole, replaced", (t) => {
  const dir = tempDir(t, "h1-since-recreate");
  const file = join(dir, "spans.jsonl");
  writeFileSync(file, line("00000000000000a1", "before") + "\n");
  let mark = spansFileMark(file);
  // Removed and made again: the file system may give the freed inode to the new file.
  unlinkSync(file);
  writeFileSync(file, line("00000000000000b1", "new-1") + "\n" + line("00000000000000b2", "new-2") + "\n");
  let result = readSpansSince(file, mark);
  assert.deepEqual([names(result), result.replaced], [["new-1", "new-2"], true]);
  // Rotated by rename: the old file moved away, a new one started at the path.
  mark = spansFileMark(file);
  renameSync(file, join(dir, "spans.jsonl.1"));
  writeFileSync(file, [1, 2, 3].map((n) => line(`00000000000000c${n}`, `rotated-${n}`) + "\n").join(""));
  result = readSpansSince(file, mark);
  assert.deepEqual([names(result), result.replaced], [["rotated-1", "rotated-2", "rotated-3"], true]);
  // Appended to only: from the mark, not replaced.
  mark = spansFileMark(file);
  appendFileSync(file, line("00000000000000d1", "appended") + "\n");
  result = readSpansSince(file, mark);
  assert.deepEqual([names(result), result.replaced], [["appended"], false]);
});

test("a mark taken while a writer was in the middle of a line: that line is before the mark, the lines after it read", (t) => {
  const file = join(tempDir(t, "h1-since-midline"), "spans.jsonl");
  const inFlight = line("00000000000000a2", "in-flight");
  writeFileSync(file, line("00000000000000a1", "before") + "\n" + inFlight.slice(0, 40));
  const mark = spansFileMark(file);
  // The writer ends its line: nothing of the run yet, and no error (its tail is no file of another kind).
  appendFileSync(file, inFlight.slice(40) + "\n");
  let result = readSpansSince(file, mark);
  assert.deepEqual([names(result), result.replaced], [[], false]);
  appendFileSync(file, line("00000000000000b1", "run") + "\n");
  result = readSpansSince(file, mark);
  assert.deepEqual([names(result), result.replaced], [["run"], false]);
});

test("after a mark, a first line past maxLineBytes is skipped and told as any other, not refused", (t) => {
  const file = join(tempDir(t, "h1-since-long"), "spans.jsonl");
  writeFileSync(file, line("00000000000000a1", "before") + "\n");
  const mark = spansFileMark(file);
  appendFileSync(file, line("00000000000000b1", "x".repeat(5000)) + "\n");
  const told: number[] = [];
  let result = readSpansSince(file, mark, { maxLineBytes: 4096, onLongLine: (n) => told.push(n) });
  assert.deepEqual([names(result), told], [[], [1]]);
  appendFileSync(file, line("00000000000000b2", "after") + "\n");
  told.length = 0;
  result = readSpansSince(file, mark, { maxLineBytes: 4096, onLongLine: (n) => told.push(n) });
  assert.deepEqual([names(result), told], [["after"], [1]]);
  // Read from the start (the whole file), the same line is no first line: skipped as well.
  assert.deepEqual(
    names(readSpansSince(file, { ino: 0, size: 0 }, { maxLineBytes: 4096, onLongLine: () => {} })),
    ["before", "after"],
  );
});

test("a mark of the old shape { ino, size } is still taken; a mark with a fingerprint that is no text is refused", (t) => {
  const file = join(tempDir(t, "h1-since-shape"), "spans.jsonl");
  writeFileSync(file, line("00000000000000a1", "before") + "\n");
  const { ino, size } = statSync(file);
  appendFileSync(file, line("00000000000000b1", "run") + "\n");
  assert.deepEqual(names(readSpansSince(file, { ino, size })), ["run"]);
  assert.throws(
    () => readSpansSince(file, { ...spansFileMark(file), fingerprint: 42 } as never),
    (err: unknown) => err instanceof TypeError && /spansFileMark/.test(err.message),
  );
});
