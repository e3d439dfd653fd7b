/**
 * `npm start` reads back the spans its run appended to the spans file (tracehop/spans readSpansSince,
 * through run-spans.ts readRunSpans): from where the file ended when the run started, or the whole file
 * when it was replaced meanwhile (moved away by a rotation and started anew), where reading the new file
 * from the old one's size found nothing; a path that turned bad is said on the run's last line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readRunSpans } from "../../examples/preprocess/run-spans.js";
import { readSpansSince, spansFileMark, SpansFileError } from "../../src/spans/index.js";
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

test("a spans path that turned bad during the run: no spans and a problem naming it, never a throw or a wait", async (t) => {
  const dir = tempDir(t, "spans-bad");
  const folder = join(dir, "sub");
  mkdirSync(folder);
  const path = join(folder, "spans.jsonl");
  appendFileSync(path, line("this run"));
  const mark = spansFileMark(path);
  const problemOf = (where: string) => {
    const { spans, problem } = readRunSpans(where, mark);
    assert.deepEqual(spans, [], where);
    return problem;
  };
  // Replaced by a folder.
  rmSync(path);
  mkdirSync(path);
  assert.deepEqual(problemOf(path), {
    what: "is a folder, not a regular file",
    fix: "set TRACEHOP_SPANS_FILE to a regular file (or unset it) to see them",
  });
  // Removed.
  rmSync(path, { recursive: true });
  assert.equal(
    problemOf(path)?.what,
    "does not exist now (removed during the run, or no process wrote there)",
  );
  // Its folder replaced by a file: a path under a file (ENOTDIR, which statSync threw).
  rmSync(folder, { recursive: true });
  writeFileSync(folder, "");
  assert.match(
    problemOf(path)?.what ?? "",
    /^cannot be read \(ENOTDIR: not a directory, open '.*spans\.jsonl'\)$/,
  );
  // A loop of symbolic links (ELOOP).
  const loop = join(dir, "loop");
  symlinkSync(loop, loop);
  assert.match(problemOf(loop)?.what ?? "", /^cannot be read \(ELOOP: /);
  // A named pipe put there: said at once, not read (a read would wait for a writer).
  const fifo = join(dir, "fifo");
  await new Promise<void>((done, fail) =>
    spawn("mkfifo", [fifo]).once("exit", (code) => (code === 0 ? done() : fail(new Error(`mkfifo ${code}`)))),
  );
  assert.equal(problemOf(fifo)?.what, "is a named pipe, not a regular file");
  assert.equal(problemOf("/dev/null")?.what, "is a character device, not a regular file");
  // The library's readSpansSince says the same as an error with its code, for the run to say.
  assert.throws(
    () => readSpansSince(fifo, mark),
    (err) => err instanceof SpansFileError && err.code === "not-a-file",
  );
});

test("the spans since the mark are read from there, not from the start of the file", (t) => {
  const dir = tempDir(t, "spans-offset");
  const path = join(dir, "spans.jsonl");
  // Bytes before the mark that a reading of the whole file refuses (gzip's magic bytes first).
  appendFileSync(path, Buffer.from([0x1f, 0x8b, 0x0a]));
  appendFileSync(path, line("earlier", 100_000));
  assert.throws(
    () => readSpansSince(path, spansFileMark(join(dir, "none"))),
    (err) => err instanceof SpansFileError && err.code === "gzip",
  );
  const mark = spansFileMark(path);
  appendFileSync(path, line("this run"));
  assert.deepEqual(names(path, mark), { names: ["this run"], replaced: false });
  assert.deepEqual(names(path, spansFileMark(path)), { names: [], replaced: false });
});
