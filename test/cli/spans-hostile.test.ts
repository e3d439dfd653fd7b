// `tracehop spans` on files as they come: a long chain of parents, names and attributes holding terminal
// controls or text that looks like the tree's own columns, times written as JSON numbers, a large file
// read for its latest traces.
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, test } from "node:test";
import { tempDir } from "../support/temp-dir.js";
import { runBin } from "./run-cli.js";

const TRACE = "5b8efff798038103d269b633813fc60c";
const START = 1544712660000000000n;

/** The span id of number `i`: 16 hex digits. */
const spanId = (i: number) => i.toString(16).padStart(16, "0");

/** An OTLP/JSON span of `TRACE` (or `trace`), number `i`, under `parent`, 1 µs long; `extra` fields over it. */
function span(i: number, parent: number | undefined, extra: Record<string, unknown> = {}, trace = TRACE) {
  return {
    traceId: trace,
    spanId: spanId(i),
    parentSpanId: parent === undefined ? "" : spanId(parent),
    name: `s${i}`,
    kind: 1,
    startTimeUnixNano: String(START + BigInt(i)),
    endTimeUnixNano: String(START + BigInt(i) + 1000n),
    ...extra,
  };
}

/** One ExportTraceServiceRequest line of `spans` from the service `service`. */
function line(spans: unknown[], service = "svc"): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });
}

describe("tracehop spans: hostile files", () => {
  test("a chain of 50 000 parents (each span the child of the one before): printed whole, the indentation capped, no stack overflow", (t) => {
    const dir = tempDir(t, "spans-deep");
    const file = join(dir, "deep.jsonl");
    const count = 50_000;
    const lines: string[] = [];
    for (let i = 1; i <= count; i += 1000) {
      const batch = [];
      for (let j = i; j < i + 1000; j++) batch.push(span(j, j === 1 ? undefined : j - 1));
      lines.push(line(batch));
    }
    writeFileSync(file, lines.join("\n") + "\n");
    // Standard output to a file: more than a pipe's buffer of spawnSync.
    const printed = join(dir, "printed.txt");
    const fd = openSync(printed, "w");
    const result = runBin(["spans", file], { stdout: fd });
    closeSync(fd);
    assert.equal(result.code, 0, result.stderr.slice(0, 2000));
    const out = readFileSync(printed, "utf8").trimEnd().split("\n");
    assert.equal(out.length, count + 1);
    assert.match(out[0]!, / {2}50000 spans {2}/);
    assert.equal(out[1], "svc  s1  internal  0.0 ms");
    assert.equal(out[2], "svc    s2  internal  0.0 ms");
    // Past the cap, the depth is written as a number before the name, not as thousands of spaces.
    assert.equal(out[count], `svc  ${"  ".repeat(32)}[depth ${count - 1}] s${count}  internal  0.0 ms`);
    assert.ok(out.every((l) => l.length < 200));
  });

  test("terminal controls, backslashes and the tree's own separators in a service, name, status or attribute: quoted and escaped, never written raw, never mistaken", (t) => {
    const file = join(tempDir(t, "spans-controls"), "controls.jsonl");
    const name = "a\u001b[31mred\u009b2J\u202e x  server  5.0 ms \\u001b";
    const extra = {
      name,
      attributes: [{ key: "messaging.system", value: { stringValue: "a\u001bb\\u001b" } }],
      status: { code: 2, message: "x\ny" },
    };
    // CRLF line ends, as a file copied through Windows has them.
    writeFileSync(
      file,
      line([span(1, undefined, extra), span(2, 1, { name: "POST /jobs" })], "ser\u001bvice") + "\r\n",
    );
    const result = runBin(["spans", file]);
    assert.equal(result.code, 0, result.stderr);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(result.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    const lines = result.stdout.trimEnd().split("\n").slice(1);
    assert.deepEqual(lines, [
      String.raw`"ser\u001bvice"  "a\u001b[31mred\u009b2J\u202e x  server  5.0 ms \\u001b"  internal  0.0 ms  ERROR "x\ny"  messaging.system="a\u001bb\\u001b"`,
      // One word, or words with one space between: as it is.
      String.raw`"ser\u001bvice"    POST /jobs  internal  0.0 ms`,
    ]);
  });

  test("--last on a file far larger than the heap: the latest traces printed, not every span kept (a heap of 48 MB, a file of 60 MB)", (t) => {
    const dir = tempDir(t, "spans-large");
    const file = join(dir, "large.jsonl");
    const fd = openSync(file, "w");
    const traces = 12_000;
    const padding = "x".repeat(400);
    const traceOf = (n: number) => "b" + n.toString(16).padStart(31, "0");
    for (let n = 0; n < traces; n++) {
      const trace = traceOf(n + 1);
      const spans = [];
      for (let i = 1; i <= 8; i++)
        spans.push({
          ...span(
            i,
            i === 1 ? undefined : 1,
            { attributes: [{ key: "db.statement", value: { stringValue: padding } }] },
            trace,
          ),
          startTimeUnixNano: String(START + BigInt(n) * 1_000_000n + BigInt(i)),
          endTimeUnixNano: String(START + BigInt(n) * 1_000_000n + 2000n),
        });
      writeSync(fd, line(spans) + "\n");
    }
    closeSync(fd);
    const result = runBin(["spans", "--last", "2", file], {
      env: { ...process.env, NODE_OPTIONS: "--max-old-space-size=48" },
    });
    assert.equal(result.code, 0, result.stderr.slice(0, 2000));
    const printed = result.stdout.split("\n\n");
    assert.equal(printed.length, 2);
    assert.match(printed[0]!, new RegExp(`^trace ${traceOf(traces - 1)} .* {2}8 spans {2}`));
    assert.match(printed[1]!, new RegExp(`^trace ${traceOf(traces)} .* {2}8 spans {2}`));
    assert.equal(
      result.stderr,
      `tracehop spans: the last 2 of ${traces} traces in "${file}"; --last N or --all for more, --trace ID for one\n`,
    );
  });

  test("times written as JSON numbers (beyond 2^53, as a protobuf JSON writer may): read, not skipped", (t) => {
    const file = join(tempDir(t, "spans-number-times"), "numbers.jsonl");
    const text = line([span(1, undefined)])
      .replace(`"${START + 1n}"`, `${START + 1n}`)
      .replace(`"${START + 1001n}"`, `${START + 1_000_001n}`);
    writeFileSync(file, text + "\n");
    const result = runBin(["spans", file]);
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    assert.match(result.stdout, /\nsvc {2}s1 {2}internal {2}1\.0 ms\n$/);
  });

  test("a gzip-compressed spans file given by mistake: said so in one line with the command that reads it, exit 2", (t) => {
    const file = join(tempDir(t, "spans-gzip"), "spans.jsonl.gz");
    writeFileSync(file, gzipSync(line([span(1, undefined)]) + "\n"));
    const result = runBin(["spans", file]);
    assert.deepEqual(result, {
      code: 2,
      stdout: "",
      stderr: `tracehop spans: "${file}" is gzip-compressed; decompress it as it is read: gzip -dc "${file}" | tracehop spans -\n`,
    });
  });
});

describe("tracehop spans: a line too long, spans given twice, parents in a cycle", () => {
  const GIVE =
    "give the spans file startTracing writes (its spansFile option, TRACEHOP_SPANS_FILE) or a Collector file exporter's output (format: json)";
  const JQ = `jq -c '.resourceSpans[] | {resourceSpans: [.]}' FILE | tracehop spans -`;

  test("/dev/zero (no line end, ever) on standard input: refused in one line once the first line passes 64 MiB, exit 2, not read to V8's string limit; named as the file, refused as a device", () => {
    const zero = openSync("/dev/zero", "r");
    try {
      assert.deepEqual(runBin(["spans", "-"], { stdin: zero }), {
        code: 2,
        stdout: "",
        stderr:
          `tracehop spans: standard input is no OTLP JSON-lines spans file: line 1 runs past 64 MiB without a line end ` +
          `(the most tracehop spans reads of one line); ${GIVE}; a spans file of requests that large: ${JQ}\n`,
      });
    } finally {
      closeSync(zero);
    }
    assert.deepEqual(runBin(["spans", "/dev/zero"]), {
      code: 2,
      stdout: "",
      stderr:
        'tracehop spans: "/dev/zero" is a character device, not a regular file (a file is read without waiting for a writer, and --last reads it twice); ' +
        'read it as standard input: tracehop spans - < "/dev/zero"\n',
    });
  });

  test("a line over 64 MiB between good ones (a sparse file: no disk used): skipped without being kept, said with its number, the lines after it read", (t) => {
    const dir = tempDir(t, "spans-long-line");
    const file = join(dir, "spans.jsonl");
    const other = "c".repeat(32);
    const fd = openSync(file, "w");
    writeSync(fd, line([span(1, undefined)]) + "\n");
    // 65 MiB of NUL bytes left as a hole, then a line end and another trace.
    writeSync(fd, "\n" + line([span(2, undefined, {}, other)]) + "\n", 65 * 1024 * 1024);
    closeSync(fd);
    const result = runBin(["spans", "--all", file], {
      env: { ...process.env, NODE_OPTIONS: "--max-old-space-size=160" },
    });
    assert.equal(result.code, 0, result.stderr);
    const headers = result.stdout.split("\n").filter((l) => l.startsWith("trace "));
    assert.equal(headers.length, 2);
    assert.match(headers[0]!, new RegExp(`^trace ${TRACE} `));
    assert.match(headers[1]!, new RegExp(`^trace ${other} `));
    assert.equal(
      result.stderr,
      `tracehop spans: line 2 of "${file}" skipped: longer than 64 MiB (the most tracehop spans reads of one line); ` +
        `to read it, give each of its requests a line of its own: ${JQ.replace("FILE", JSON.stringify(file))}\n`,
    );
  });

  test("spans written twice and parents in a cycle: each span printed once, the header counting each once and saying how many duplicates, each cycle said", (t) => {
    const file = join(tempDir(t, "spans-dup-cycle"), "spans.jsonl");
    // 1 the root, 2 its child; 3 and 4 each the other's parent; 5 its own parent; 6 under 4.
    const once = line([span(1, undefined), span(2, 1), span(3, 4), span(4, 3), span(5, 5), span(6, 4)]);
    // The file written twice over (a copy appended to itself), and 2 a third time.
    writeFileSync(file, `${once}\n${once}\n${line([span(2, 1)])}\n`);
    const result = runBin(["spans", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    const lines = result.stdout.trimEnd().split("\n");
    assert.match(
      lines[0]!,
      new RegExp(
        `^trace ${TRACE} .* {2}6 spans {2}2018-12-13T14:51:00\\.000Z {2}7 duplicate spans \\(a span id read again\\), each shown once$`,
      ),
    );
    assert.deepEqual(lines.slice(1), [
      "svc  s1  internal  0.0 ms",
      "svc    s2  internal  0.0 ms",
      `svc  s3  internal  0.0 ms  cycle: parent ${spanId(4)} is below it`,
      "svc    s4  internal  0.0 ms",
      "svc      s6  internal  0.0 ms",
      "svc  s5  internal  0.0 ms  cycle: its own parent",
    ]);
  });

  test("a cycle of 50 000 parents: each span once, no loop, no stack overflow", (t) => {
    const dir = tempDir(t, "spans-long-cycle");
    const file = join(dir, "cycle.jsonl");
    const count = 50_000;
    const lines: string[] = [];
    for (let i = 1; i <= count; i += 1000) {
      const batch = [];
      for (let j = i; j < i + 1000; j++) batch.push(span(j, j === 1 ? count : j - 1));
      lines.push(line(batch));
    }
    writeFileSync(file, lines.join("\n") + "\n");
    const printed = join(dir, "printed.txt");
    const fd = openSync(printed, "w");
    const result = runBin(["spans", file], { stdout: fd });
    closeSync(fd);
    assert.equal(result.code, 0, result.stderr.slice(0, 2000));
    const out = readFileSync(printed, "utf8").trimEnd().split("\n");
    assert.equal(out.length, count + 1);
    assert.match(out[0]!, / {2}50000 spans {2}\S+$/);
    assert.equal(out[1], `svc  s1  internal  0.0 ms  cycle: parent ${spanId(count)} is below it`);
    assert.equal(out[count], `svc  ${"  ".repeat(32)}[depth ${count - 1}] s${count}  internal  0.0 ms`);
  });
});
