// What `npm start` reads of a document before it submits it (examples/preprocess/document-bytes.ts): the
// whole file up to one byte over the api's limit, in a buffer sized from the file (a few-KB document does
// not cost the 5 MiB limit), and still whole when the file is no regular file or grows as it is read.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { readAtMost, readFirstBytes } from "../../examples/preprocess/document-bytes.js";
import { MAX_DOCUMENT_BYTES } from "../../examples/preprocess/config.js";
import { tempDir } from "../support/temp-dir.js";

/** What main.ts reads of a document: the api's limit and one byte more (the api then answers 413). */
const LIMIT = MAX_DOCUMENT_BYTES + 1;

/** `length` bytes of printable text that differ from place to place (a shifted or repeated read would show). */
function textOf(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = 0x21 + ((i * 7 + (i >> 10)) % 94);
  return bytes;
}

describe("readFirstBytes: a document's bytes, up to the api's limit and one byte more", () => {
  test("a small document: its bytes, in a buffer of about its size, not of the 5 MiB limit", (t) => {
    const dir = tempDir(t, "doc-small");
    for (const size of [1, 3, 4096, 65_537]) {
      const file = join(dir, `doc-${size}.txt`);
      writeFileSync(file, textOf(size));
      const bytes = readFirstBytes(file, LIMIT);
      assert.deepEqual(bytes, textOf(size), `${size} bytes`);
      // Guards against the limit's 5 MiB + 1 taken for every document, whatever its size.
      assert.ok(bytes.buffer.byteLength <= size + 1, `${size} bytes held in ${bytes.buffer.byteLength}`);
    }
    // An empty file says no more than a /proc file does (size 0): read as one of unknown size, and empty.
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "");
    assert.equal(readFirstBytes(empty, LIMIT).length, 0);
  });

  test("at the limit, one byte over it, and far over it: the limit + 1 bytes at most, so the api answers 413 over it", (t) => {
    const dir = tempDir(t, "doc-limit");
    for (const size of [MAX_DOCUMENT_BYTES, MAX_DOCUMENT_BYTES + 1, MAX_DOCUMENT_BYTES + 2]) {
      const file = join(dir, `doc-${size}.txt`);
      writeFileSync(file, textOf(size));
      const bytes = readFirstBytes(file, LIMIT);
      assert.equal(bytes.length, Math.min(size, LIMIT), `${size} bytes`);
      assert.ok(bytes.equals(textOf(size).subarray(0, LIMIT)), `${size} bytes: the first ones, in order`);
      // What the api decides on (api.ts: over MAX_DOCUMENT_BYTES is 413): over the limit exactly when the file is.
      assert.equal(bytes.length > MAX_DOCUMENT_BYTES, size > MAX_DOCUMENT_BYTES, `${size} bytes`);
    }
    // A sparse file of 3 GiB: the limit + 1 bytes (zeros), no more.
    const huge = join(dir, "huge.txt");
    writeFileSync(huge, "");
    truncateSync(huge, 3 * 1024 ** 3);
    const bytes = readFirstBytes(huge, LIMIT);
    assert.equal(bytes.length, LIMIT);
    assert.equal(bytes.buffer.byteLength, LIMIT);
  });

  test("a file that says 0 bytes but holds more (a /proc file): read whole", () => {
    const expected = readFileSync("/proc/self/mountinfo");
    assert.ok(expected.length > 0);
    const bytes = readFirstBytes("/proc/self/mountinfo", LIMIT);
    // The same process reads it twice: the same mounts.
    assert.equal(bytes.toString(), expected.toString());
    assert.deepEqual(readFirstBytes("/proc/self/mountinfo", 10), expected.subarray(0, 10));
  });

  test("a named pipe (no size): everything its writer sends, up to the limit + 1", async (t) => {
    const dir = tempDir(t, "doc-fifo");
    for (const size of [5, 200_000, LIMIT + 100]) {
      const fifo = join(dir, `pipe-${size}`);
      await new Promise<void>((done, fail) =>
        spawn("mkfifo", [fifo]).once("exit", (code) =>
          code === 0 ? done() : fail(new Error(`mkfifo ${code}`)),
        ),
      );
      // The writer: another process (cat), which writes the bytes as the pipe takes them (64 KiB at a time).
      const source = join(dir, `source-${size}`);
      writeFileSync(source, textOf(size));
      const writer = spawn("sh", ["-c", 'exec cat "$0" > "$1"', source, fifo], { stdio: "ignore" });
      const exited = new Promise((done) => writer.once("exit", done));
      const bytes = readFirstBytes(fifo, LIMIT);
      await exited;
      assert.equal(bytes.length, Math.min(size, LIMIT), `${size} bytes`);
      assert.ok(bytes.equals(textOf(size).subarray(0, LIMIT)), `${size} bytes: the first ones, in order`);
    }
  });

  test("a file that grew after its size was taken: read whole up to the limit + 1, not cut at the old size", (t) => {
    const dir = tempDir(t, "doc-grown");
    for (const [size, taken] of [
      [10, 3],
      [300_000, 1],
      [LIMIT + 10, 1000],
    ] as const) {
      const file = join(dir, `doc-${size}.txt`);
      writeFileSync(file, textOf(size));
      const fd = openSync(file, "r");
      try {
        // readFirstBytes takes the size with fstat when it opens the file: `taken` is that size, the file
        // having grown to `size` since.
        const bytes = readAtMost(fd, LIMIT, taken);
        assert.equal(bytes.length, Math.min(size, LIMIT), `${size} bytes`);
        assert.ok(bytes.equals(textOf(size).subarray(0, LIMIT)), `${size} bytes: the first ones, in order`);
      } finally {
        closeSync(fd);
      }
    }
  });
});

describe("readStandardInput: a document piped to npm start (`cat doc.txt | npm start -- -`)", () => {
  /**
   * What a child process reading its standard input with readStandardInput(`max`) got (its length and bytes
   * in hex), `sent` written to its stdin, a pipe (a socket, as Node's spawn makes it), which is closed after
   * only when `close` says so: kept open, the child must stop reading at `max` by itself.
   */
  function readThroughPipe(
    sent: Buffer,
    max: number,
    close: boolean,
  ): Promise<{ code: number | null; got: Buffer }> {
    const module = join(import.meta.dirname, "../../examples/preprocess/document-bytes.ts");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { readStandardInput } = await import(${JSON.stringify(module)});
         process.stdout.write((await readStandardInput(${max})).toString("hex"));`,
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stdin.on("error", () => undefined);
    child.stdin.write(sent);
    if (close) child.stdin.end();
    return new Promise((done) =>
      child.on("close", (code) => {
        child.stdin.destroy();
        done({ code, got: Buffer.from(out, "hex") });
      }),
    );
  }

  test("to its end when shorter than the limit, over several of a pipe's 64 KiB", async () => {
    const sent = textOf(3 * 65_536 + 5);
    assert.deepEqual(await readThroughPipe(sent, LIMIT, true), { code: 0, got: sent });
    assert.deepEqual(await readThroughPipe(Buffer.alloc(0), LIMIT, true), { code: 0, got: Buffer.alloc(0) });
  });

  test("the first `max` bytes of a longer one, without waiting for the writer to close the pipe", async () => {
    const sent = textOf(200_000);
    // The pipe stays open: a reader that waited for its end would never finish (the test's timeout).
    assert.deepEqual(await readThroughPipe(sent, 100_001, false), {
      code: 0,
      got: sent.subarray(0, 100_001),
    });
  });
});
