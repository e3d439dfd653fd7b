/**
 * `npm start` reads back the spans its run appended to the spans file (trace-tree.ts readSpansSince): from
 * where the file ended when the run started, or the whole file when it was replaced meanwhile (moved away by
 * a rotation and started anew), where reading the new file from the old one's size found nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { readSpansSince, spansFileMark } from "../../examples/preprocess/trace-tree.js";
import { tempDir } from "../support/temp-dir.js";

/** One OTLP/JSON ExportTraceServiceRequest line holding one span named `name`, padded to `pad` bytes more. */
function line(name: string, pad = 0): string {
  const span = {
    traceId: "0".repeat(31) + "1",
    spanId: "0".repeat(15) + "1",
    name,
    kind: 1,
    startTimeUnixNano: "1",
    endTimeUnixNano: "2",
  };
  const request = {
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span] }] }],
    pad: "x".repeat(pad),
  };
  return `${JSON.stringify(request)}\n`;
}

const names = (path: string, mark: ReturnType<typeof spansFileMark>) => {
  const { spans, replaced } = readSpansSince(path, mark);
  return { names: spans.map((s) => s.name), replaced };
};

test("the spans appended since the mark; the whole file when it was replaced or shortened; all of it when there was none", (t) => {
  const dir = tempDir(t, "spans-since");
  const path = join(dir, "spans.jsonl");
  // No file when the run starts: everything written since is the run's.
  const none = spansFileMark(path);
  assert.deepEqual(none, { ino: 0, size: 0 });
  appendFileSync(path, line("earlier run", 500));
  assert.deepEqual(names(path, none), { names: ["earlier run"], replaced: false });
  // A file there: only what is appended after the mark.
  const mark = spansFileMark(path);
  appendFileSync(path, line("this run"));
  assert.deepEqual(names(path, mark), { names: ["this run"], replaced: false });
  // Rotated during the run: the new file is read whole (it is shorter than the mark, so reading it from
  // the old size found nothing).
  renameSync(path, join(dir, "spans-rotated.jsonl"));
  appendFileSync(path, line("after the rotation"));
  assert.deepEqual(names(path, mark), { names: ["after the rotation"], replaced: true });
  // Also when the new file has grown past the old size: another file is another file.
  appendFileSync(path, line("more", 1000));
  assert.deepEqual(names(path, mark), { names: ["after the rotation", "more"], replaced: true });
});
