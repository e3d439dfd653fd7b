// tracehop/spans called with what is not what it takes (a new-user trial: a readSpansFile() without a path
// said `spans file undefined cannot be read`, formatTraceTree({}) and groupTraces(undefined) threw bare
// TypeErrors from inside, datadogTraceId of 16 hex digits or a traceparent returned a wrong id): each answers
// with a TypeError naming the function, what it got and what to give, and a valid call still works.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  datadogTraceId,
  formatTraceTree,
  groupTraces,
  readSpansFile,
  readSpansSince,
  type FileTrace,
} from "../../src/spans/index.js";
import { tempDir } from "../support/temp-dir.js";

/** Asserts `call` throws a TypeError whose message matches each of `patterns`. */
function refuses(call: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(call, (error: unknown) => {
    assert.ok(error instanceof TypeError, `a TypeError, got ${String(error)}`);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

test("datadogTraceId takes the 32 hex digits of a trace id, any case, and refuses any other text", () => {
  assert.deepEqual(datadogTraceId("FBEB39CE92320A7F0000000000000001"), {
    decimal: "1",
    tid: "fbeb39ce92320a7f",
  });
  assert.deepEqual(datadogTraceId("0000000000000000ffffffffffffffff"), {
    decimal: "18446744073709551615",
    tid: undefined,
  });
  refuses(
    () => datadogTraceId("fbeb39ce92320a7f"),
    /^datadogTraceId: /,
    /"fbeb39ce92320a7f"/,
    /32 hex digits/,
  );
  refuses(
    () => datadogTraceId("00-fbeb39ce92320a7ff6e1b6d5c9a4b3c2-00f067aa0ba902b7-01"),
    /32 hex digits/,
    /traceparent/,
  );
  refuses(() => datadogTraceId("17726914974750630379"), /32 hex digits/);
  refuses(() => datadogTraceId("g".repeat(32)), /32 hex digits/);
  refuses(() => datadogTraceId(undefined as unknown as string), /undefined/, /32 hex digits/);
  // All zeros is no trace id (W3C Trace Context §3.2.2.3), as the spans reader and `--trace` refuse it.
  refuses(() => datadogTraceId("0".repeat(32)), /^datadogTraceId: /, /all zeros/, /no trace/);
});

test("readSpansFile and readSpansSince refuse a path that is not a non-empty string, and a mark that is no mark", () => {
  refuses(() => readSpansFile(undefined as unknown as string), /^readSpansFile: /, /undefined/, /path/);
  refuses(() => readSpansFile(""), /^readSpansFile: /, /path/);
  refuses(() => readSpansSince(42 as unknown as string, { ino: 0, size: 0 }), /^readSpansSince: /, /42/);
  refuses(
    () => readSpansSince("/nonexistent/spans.jsonl", undefined as unknown as { ino: number; size: number }),
    /^readSpansSince: /,
    /spansFileMark/,
  );
});

test("groupTraces and formatTraceTree refuse what is neither spans nor a trace, and take an empty list", () => {
  refuses(() => groupTraces(undefined as unknown as []), /^groupTraces: /, /undefined/, /array of FileSpan/);
  refuses(() => groupTraces({} as unknown as []), /^groupTraces: /, /array of FileSpan/);
  refuses(() => formatTraceTree({} as unknown as FileTrace), /^formatTraceTree: /, /groupTraces/);
  refuses(() => formatTraceTree(null as unknown as FileTrace), /^formatTraceTree: /, /null/);
  assert.deepEqual(groupTraces([]), []);
  assert.equal(formatTraceTree([]), "");
});

// A known option of the wrong type: said with the value quoted as given (`got "10"`, not `got 10`, which
// reads as if the number 10 were refused), before the file is opened; the documented options still work.
test("the options of readSpansFile, readSpansSince and formatTraceTree refuse a value of the wrong type, quoted", (t) => {
  const missing = "/nonexistent/f1-spans.jsonl";
  const mark = { ino: 0, size: 0 };
  const exact = (call: () => unknown, message: string) =>
    assert.throws(call, (error: unknown) => {
      assert.ok(error instanceof TypeError, `a TypeError, got ${String(error)}`);
      assert.equal(error.message, message);
      return true;
    });
  const bound = "maxLineBytes takes a whole number of bytes, 1 or more (default 67108864, 64 MiB), got ";
  exact(
    () => readSpansFile(missing, { maxLineBytes: "10" as never }),
    `tracehop readSpansFile: ${bound}"10"`,
  );
  exact(
    () => readSpansSince(missing, mark, { maxLineBytes: "10" as never }),
    `tracehop readSpansSince: ${bound}"10"`,
  );
  exact(() => readSpansFile(missing, { maxLineBytes: 0 }), `tracehop readSpansFile: ${bound}0`);
  exact(
    () => readSpansFile(missing, { keep: "yes" as never }),
    'tracehop readSpansFile: keep must be a function (span) => boolean, got "yes"',
  );
  exact(
    () => readSpansSince(missing, mark, { onLongLine: 5 as never }),
    "tracehop readSpansSince: onLongLine must be a function (lineNumber) => void, got 5",
  );
  exact(
    () => formatTraceTree([], { header: "no" as never }),
    'tracehop formatTraceTree: header must be true or false, got "no"',
  );
  exact(
    () => formatTraceTree([], { details: 0 as never }),
    "tracehop formatTraceTree: details must be true or false, got 0",
  );
  exact(
    () => readSpansFile(missing, null as never),
    "tracehop readSpansFile: options must be a plain object, got null",
  );
  // Given as documented (undefined fields too): read as before.
  const file = join(tempDir(t, "f1-spans-options"), "empty.jsonl");
  writeFileSync(file, "");
  assert.deepEqual(
    readSpansFile(file, { keep: undefined, maxLineBytes: undefined, onLongLine: undefined }),
    [],
  );
  assert.deepEqual(readSpansFile(file, undefined), []);
  assert.deepEqual(readSpansSince(file, mark, { keep: () => true, maxLineBytes: 10, onLongLine: () => {} }), {
    spans: [],
    replaced: false,
  });
  assert.equal(formatTraceTree([], { header: false, details: undefined }), "");
});
