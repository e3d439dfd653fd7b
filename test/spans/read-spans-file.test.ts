// tracehop/spans: a spans file read back from code, as a team's test of its own pipeline reads it. On a
// file the real SDK wrote through startTracing in two processes (an api and a worker, the carrier handed
// over), a Collector file exporter line with exact int64 values, and files that are no spans file.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import {
  datadogTraceId,
  formatTraceTree,
  groupTraces,
  MAX_LINE_BYTES,
  readSpansFile,
  readSpansSince,
  spansFileMark,
  SpansFileError,
  type FileSpan,
} from "../../src/spans/index.js";
import { runModuleScript } from "../support/child-script.js";
import { tempDir } from "../support/temp-dir.js";
import { run } from "../cli/run-cli.js";

const CHILD_ENV = {
  ...process.env,
  OTEL_TRACES_EXPORTER: "",
  OTEL_EXPORTER_OTLP_ENDPOINT: "",
  OTEL_SDK_DISABLED: "",
  TRACEHOP_SPANS_FILE: "",
};

/** Runs `lines` as an ES module in a child (through tsx, from the repository root); its stdout. */
function script(lines: string[], env: NodeJS.ProcessEnv = {}): string {
  const child = runModuleScript(lines, { ...CHILD_ENV, ...env });
  assert.equal(child.status, 0, child.stderr);
  return child.stdout;
}

/** A line as the Collector's file exporter (format: json) writes it, with int64 values beyond 2^53. */
const COLLECTOR_TRACE = "5b8efff798038103d269b633813fc60c";
const COLLECTOR_LINE = JSON.stringify({
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "dd-checkout" } }] },
      scopeSpans: [
        {
          scope: { name: "datadog" },
          spans: [
            {
              traceId: COLLECTOR_TRACE.toUpperCase(),
              spanId: "EEE19B7EC3C1B174",
              parentSpanId: "",
              name: "checkout",
              kind: "SPAN_KIND_SERVER",
              startTimeUnixNano: "1544712660000000001",
              endTimeUnixNano: "1544712661500000003",
              attributes: [
                { key: "http.response.status_code", value: { intValue: "500" } },
                { key: "order.id", value: { intValue: "9007199254740993" } },
                { key: "ratio", value: { doubleValue: 0.5 } },
                {
                  key: "tags",
                  value: { arrayValue: { values: [{ stringValue: "a" }, { boolValue: true }] } },
                },
                { key: "blob", value: { bytesValue: "AQID" } },
                { key: "constructor", value: { stringValue: "the file's" } },
                { key: "__proto__", value: { stringValue: "a key" } },
              ],
              events: [{ name: "retry", timeUnixNano: "1544712660500000007", attributes: [] }],
              status: { code: "STATUS_CODE_ERROR", message: "upstream timed out" },
            },
          ],
        },
      ],
    },
  ],
});

describe("readSpansFile: a file the SDK wrote in two processes", () => {
  let dir: string;
  let file: string;
  let carrier: Record<string, string>;
  let spans: FileSpan[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tracehop-spans-api-"));
    file = join(dir, "spans.jsonl");
    carrier = JSON.parse(
      script([
        `import { SpanKind, trace } from "@opentelemetry/api";`,
        `import { startTracing, captureCarrier } from "./src/index.ts";`,
        `const tracing = startTracing({ serviceName: "h5-api", spansFile: ${JSON.stringify(file)} });`,
        `const tracer = trace.getTracer("h5");`,
        `let carrier;`,
        `tracer.startActiveSpan("POST /jobs", { kind: SpanKind.SERVER, attributes: { "http.response.status_code": 201 } }, (root) => {`,
        `  tracer.startActiveSpan("job.create", (span) => { carrier = captureCarrier(); span.end(); });`,
        `  root.end();`,
        `});`,
        `await tracing.shutdown();`,
        `console.log(JSON.stringify(carrier));`,
      ]),
    ) as Record<string, string>;
    script(
      [
        `import { trace } from "@opentelemetry/api";`,
        `import { startTracing, withCarrier } from "./src/index.ts";`,
        `import { withProcessSpan } from "./src/messaging/index.ts";`,
        `const tracing = startTracing({ serviceName: "h5-worker", spansFile: ${JSON.stringify(file)} });`,
        `const headers = JSON.parse(process.env.H5_CARRIER);`,
        `await withProcessSpan(headers, { system: "rabbitmq", destination: "h5-jobs" }, async () => {`,
        `  try { await withCarrier(headers, "sentences.store", async () => { throw new Error("disk full"); }); } catch {}`,
        `});`,
        `trace.getTracer("h5").startSpan("poll").end();`,
        `await tracing.shutdown();`,
      ],
      { H5_CARRIER: JSON.stringify(carrier) },
    );
    spans = readSpansFile(file);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("one trace across the api and the worker, its ids as the carrier holds them (W3C hex, Datadog decimal)", () => {
    const traceId = carrier.traceparent!.split("-")[1]!;
    const traces = groupTraces(spans);
    assert.deepEqual(
      traces.map((t) => [t.traceId === traceId, t.spans.length]),
      [
        [true, 4],
        [false, 1],
      ],
    );
    const job = traces[0]!;
    assert.deepEqual(
      job.spans.map((s) => `${s.service} ${s.name}`),
      ["h5-api job.create", "h5-api POST /jobs", "h5-worker sentences.store", "h5-worker process h5-jobs"],
    );
    // Each parent is in the trace: one tree, restored across the process boundary.
    const byId = new Map(job.spans.map((s) => [s.spanId, s]));
    const consumer = job.spans.find((s) => s.name === "process h5-jobs")!;
    assert.equal(byId.get(consumer.parentSpanId!)?.name, "job.create");
    assert.equal(consumer.kind, 5);
    // The Datadog forms, exact, as the library's Datadog propagator wrote them into the carrier.
    assert.deepEqual(datadogTraceId(traceId), {
      decimal: carrier["x-datadog-trace-id"],
      tid: /_dd\.p\.tid=([0-9a-f]{16})/.exec(carrier["x-datadog-tags"] ?? "")?.[1],
    });
    assert.equal(typeof consumer.startNanos, "bigint");
    assert.ok(consumer.endNanos >= consumer.startNanos);
  });

  test("attributes keep their types; a failed span's status and exception event", () => {
    const root = spans.find((s) => s.name === "POST /jobs")!;
    assert.equal(root.attributes["http.response.status_code"], 201);
    assert.equal(root.kind, 2);
    const consumer = spans.find((s) => s.name === "process h5-jobs")!;
    assert.equal(consumer.attributes["messaging.system"], "rabbitmq");
    const failed = spans.find((s) => s.name === "sentences.store")!;
    assert.deepEqual([failed.statusCode, failed.statusMessage], [2, "disk full"]);
    assert.deepEqual(
      failed.events.map((e) => [e.name, e.attributes["exception.message"], typeof e.timeNanos]),
      [["exception", "disk full", "bigint"]],
    );
  });

  test("formatTraceTree writes the lines of `tracehop spans --trace`; short lines without details", () => {
    const traceId = carrier.traceparent!.split("-")[1]!;
    const cli = run(["spans", "--trace", traceId, file]);
    assert.equal(cli.code, 0, cli.stderr);
    const job = groupTraces(spans)[0]!;
    assert.equal(formatTraceTree(job) + "\n", cli.stdout);
    // The spans alone give the same (the trace is grouped from them).
    assert.equal(formatTraceTree(job.spans), formatTraceTree(job));
    const short = formatTraceTree(job.spans, { header: false, details: false }).replace(
      /\d+\.\d ms/g,
      "N ms",
    );
    assert.equal(
      short,
      [
        "h5-api     POST /jobs  N ms",
        "h5-api       job.create  N ms",
        "h5-worker      process h5-jobs  N ms",
        "h5-worker        sentences.store  N ms",
      ].join("\n"),
    );
    assert.equal(formatTraceTree([]), "");
  });

  test("keep: only the spans it accepts are held", () => {
    const kept = readSpansFile(file, { keep: (s) => s.service === "h5-worker" });
    assert.deepEqual(kept.map((s) => s.name).sort(), ["poll", "process h5-jobs", "sentences.store"]);
  });

  test("the file written twice over: read as the file holds it, grouped and shown once, the duplicates said", (t) => {
    const twice = join(tempDir(t, "spans-twice"), "twice.jsonl");
    const text = readFileSync(file, "utf8");
    writeFileSync(twice, text + text);
    const read = readSpansFile(twice);
    assert.equal(read.length, 2 * spans.length);
    const [job, poll] = groupTraces(read);
    const [jobOnce] = groupTraces(spans);
    // Each span once, the one read first: the docs' one-root assertion holds as on the file written once.
    assert.deepEqual(
      job!.spans.map((s) => s.spanId),
      jobOnce!.spans.map((s) => s.spanId),
    );
    assert.deepEqual([job!.duplicates, poll!.duplicates, jobOnce!.duplicates], [4, 1, 0]);
    const ids = new Set(job!.spans.map((s) => s.spanId));
    assert.equal(
      job!.spans.filter((s) => s.parentSpanId === undefined || !ids.has(s.parentSpanId)).length,
      1,
    );
    // The tree: the same span lines; the header counts 4 spans and says the 4 duplicates.
    const [header, ...lines] = formatTraceTree(job!).split("\n");
    const [headerOnce, ...linesOnce] = formatTraceTree(jobOnce!).split("\n");
    assert.deepEqual(lines, linesOnce);
    assert.equal(header, `${headerOnce!}  4 duplicate spans (a span id read again), each shown once`);
    // The spans alone (not grouped) give the same lines.
    assert.equal(formatTraceTree(read.filter((s) => s.traceId === job!.traceId)), formatTraceTree(job!));
  });
});

test("a Collector line: ids in any case given lower, enum names, exact int64 values and times, typed values", (t) => {
  const file = join(tempDir(t, "spans-collector"), "collector.jsonl");
  // A byte order mark, a blank line, and a last line cut short by a writer still writing: skipped.
  writeFileSync(file, `\ufeff${COLLECTOR_LINE}\n\n${COLLECTOR_LINE.slice(0, 40)}`);
  const [span, ...rest] = readSpansFile(file);
  assert.equal(rest.length, 0);
  assert.deepEqual(
    [span!.traceId, span!.spanId, span!.parentSpanId, span!.kind, span!.service],
    [COLLECTOR_TRACE, "eee19b7ec3c1b174", undefined, 2, "dd-checkout"],
  );
  assert.equal(span!.startNanos, 1544712660000000001n);
  assert.equal(span!.endNanos - span!.startNanos, 1500000002n);
  assert.deepEqual([span!.statusCode, span!.statusMessage], [2, "upstream timed out"]);
  assert.equal(span!.events[0]!.timeNanos, 1544712660500000007n);
  const a = span!.attributes;
  assert.equal(a["http.response.status_code"], 500);
  assert.equal(a["order.id"], 9007199254740993n);
  assert.equal(a.ratio, 0.5);
  assert.deepEqual(a.tags, ["a", true]);
  assert.deepEqual([...(a.blob as Uint8Array)], [1, 2, 3]);
  assert.equal(a.constructor, "the file's");
  assert.ok(!Object.hasOwn(a, "toString"));
  assert.equal(Object.getOwnPropertyDescriptor(a, "__proto__")?.value, "a key");
  assert.equal(Object.getPrototypeOf(a), Object.prototype);
  assert.deepEqual(datadogTraceId(span!.traceId), {
    decimal: "15161849952847513100",
    tid: "5b8efff798038103",
  });
  assert.equal(BigInt("0x" + COLLECTOR_TRACE.slice(16)).toString(), "15161849952847513100");
  assert.deepEqual(datadogTraceId("0".repeat(16) + "ffffffffffffffff"), {
    decimal: "18446744073709551615",
    tid: undefined,
  });
  assert.equal(
    formatTraceTree([span!]),
    `trace ${COLLECTOR_TRACE} (W3C)  =  15161849952847513100 (Datadog x-datadog-trace-id, _dd.p.tid=5b8efff798038103)  1 span  2018-12-13T14:51:00.000Z\n` +
      'dd-checkout  checkout  server  1500.0 ms  ERROR "upstream timed out"  http.response.status_code=500',
  );
});

test("a name with control characters or two spaces is quoted in the tree, never written raw", (t) => {
  const file = join(tempDir(t, "spans-quoted"), "quoted.jsonl");
  const line = COLLECTOR_LINE.replace('"name":"checkout"', `"name":${JSON.stringify("pay\u001b[31m  now")}`);
  writeFileSync(file, line + "\n");
  const tree = formatTraceTree(readSpansFile(file), { header: false, details: false });
  assert.equal(tree, 'dd-checkout  "pay\\u001b[31m  now"  1500.0 ms');
});

test("a file that cannot be read as spans: a SpansFileError whose code and message say why and what to do", async (t) => {
  const dir = tempDir(t, "spans-errors");
  const errorOf = (path: string) => {
    try {
      readSpansFile(path);
    } catch (err) {
      assert.ok(err instanceof SpansFileError, String(err));
      return { code: err.code, reason: err.reason, message: err.message };
    }
    assert.fail(`no error for ${path}`);
  };
  const missing = join(dir, "missing.jsonl");
  assert.deepEqual(errorOf(missing), {
    code: "not-found",
    reason: "does not exist",
    message: `spans file "${missing}" does not exist; give the file startTracing writes (its spansFile option, TRACEHOP_SPANS_FILE) or the Collector file exporter's output (format: json), after a process wrote spans`,
  });
  assert.deepEqual(errorOf(dir).code, "not-a-file");
  assert.equal(errorOf(dir).reason, "is a folder, not a regular file");
  assert.equal(errorOf("/dev/null").reason, "is a character device, not a regular file");
  // A named pipe: said at once, not waited on for a writer.
  const fifo = join(dir, "fifo");
  await new Promise<void>((done, fail) =>
    spawn("mkfifo", [fifo]).once("exit", (code) => (code === 0 ? done() : fail(new Error(`mkfifo ${code}`)))),
  );
  assert.equal(errorOf(fifo).reason, "is a named pipe, not a regular file");
  const gz = join(dir, "spans.jsonl.gz");
  writeFileSync(gz, gzipSync(COLLECTOR_LINE + "\n"));
  assert.equal(errorOf(gz).code, "gzip");
  assert.match(errorOf(gz).message, /is gzip-compressed; decompress it first \(gzip -dc /);
  const csv = join(dir, "rows.csv");
  writeFileSync(csv, "id,name\n1,a\n");
  assert.equal(errorOf(csv).code, "not-otlp");
  assert.match(errorOf(csv).reason, /^holds no OTLP JSON line: line 1 is not JSON \(/);
  const json = join(dir, "other.json");
  writeFileSync(json, '{"rows":[]}\n');
  assert.equal(errorOf(json).reason, "holds no OTLP JSON line: line 1 is JSON without a resourceSpans array");
  const under = join(csv, "spans.jsonl");
  assert.equal(errorOf(under).code, "unreadable");
  assert.match(errorOf(under).reason, /^cannot be read \(ENOTDIR: /);
  // An empty file, or one line still being written and nothing else: no spans, no error.
  const empty = join(dir, "empty.jsonl");
  writeFileSync(empty, "");
  assert.deepEqual(readSpansFile(empty), []);
  appendFileSync(empty, COLLECTOR_LINE.slice(0, 30));
  assert.deepEqual(readSpansFile(empty), []);
});

test("a last line without a line end that is whole JSON is a complete line: refused as not-otlp when it is no OTLP, read when it is", async (t) => {
  const dir = tempDir(t, "f1-spans-no-final-newline");
  const errorOf = (path: string): SpansFileError => {
    try {
      readSpansFile(path);
    } catch (error) {
      assert.ok(error instanceof SpansFileError, `a SpansFileError, got ${String(error)}`);
      return error;
    }
    assert.fail(`${path} was not refused`);
  };
  // The same files with and without the line end: the same answer (a fresh user's printf '{"foo":1}').
  for (const [name, text, reason] of [
    ["object.json", '{"foo":1}', "holds no OTLP JSON line: line 1 is JSON without a resourceSpans array"],
    ["number.json", "42", "holds no OTLP JSON line: line 1 is JSON without a resourceSpans array"],
    ["two.json", '{"a":1}\n{"b":2}', "holds no OTLP JSON line: line 1 is JSON without a resourceSpans array"],
  ] as const) {
    const file = join(dir, name);
    for (const ending of ["", "\n"]) {
      writeFileSync(file, text + ending);
      const error = errorOf(file);
      assert.equal(error.code, "not-otlp", `${name} ending ${JSON.stringify(ending)}`);
      assert.equal(error.reason, reason);
    }
  }
  // A span line without a line end is read; a JSON line of no OTLP after it is a skip, said.
  const spans = join(dir, "spans.jsonl");
  writeFileSync(spans, COLLECTOR_LINE);
  assert.deepEqual(
    readSpansFile(spans).map((s) => s.name),
    ["checkout"],
  );
  writeFileSync(spans, COLLECTOR_LINE + "\n" + '{"foo":1}');
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on("warning", onWarning);
  t.after(() => process.off("warning", onWarning));
  assert.deepEqual(
    readSpansFile(spans).map((s) => s.name),
    ["checkout"],
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(
    warnings.filter((m) => m.includes("line 2 is JSON without a resourceSpans array")).length,
    1,
    warnings.join("\n"),
  );
});

test("a file larger than one read: every span, those split across reads too", (t) => {
  const file = join(tempDir(t, "spans-large"), "large.jsonl");
  const lines: string[] = [];
  for (let i = 0; i < 400; i++)
    lines.push(
      COLLECTOR_LINE.replace('"EEE19B7EC3C1B174"', `"${(i + 1).toString(16).padStart(16, "0")}"`).replace(
        '"name":"checkout"',
        `"name":"span ${i} ${"é".repeat(i % 7)}"`,
      ),
    );
  writeFileSync(file, lines.join("\n") + "\n");
  const spans = readSpansFile(file);
  assert.equal(spans.length, 400);
  assert.equal(spans[399]!.name, `span 399 ${"é".repeat(399 % 7)}`);
  assert.equal(new Set(spans.map((s) => s.spanId)).size, 400);
});

/** COLLECTOR_LINE with span `id` (16 hex digits) whose parent is `parent`, named `name`. */
function collectorSpan(id: string, parent: string, name: string): string {
  return COLLECTOR_LINE.replace('"EEE19B7EC3C1B174"', `"${id}"`)
    .replace('"parentSpanId":""', `"parentSpanId":"${parent}"`)
    .replace('"name":"checkout"', `"name":"${name}"`);
}

test("parents in a cycle: formatTraceTree shows each span once, from the cycle's first span, and says the cycle", (t) => {
  const file = join(tempDir(t, "spans-cycle"), "cycle.jsonl");
  const a = "00000000000000a1";
  const b = "00000000000000b2";
  const self = "00000000000000c3";
  writeFileSync(
    file,
    [collectorSpan(a, b, "a"), collectorSpan(b, a, "b"), collectorSpan(self, self, "self")].join("\n") + "\n",
  );
  const [trace] = groupTraces(readSpansFile(file));
  assert.deepEqual(formatTraceTree(trace!, { header: false }).split("\n"), [
    `dd-checkout  a  server  1500.0 ms  ERROR "upstream timed out"  http.response.status_code=500  cycle: parent ${b} is below it`,
    `dd-checkout    b  server  1500.0 ms  ERROR "upstream timed out"  http.response.status_code=500`,
    `dd-checkout  self  server  1500.0 ms  ERROR "upstream timed out"  http.response.status_code=500  cycle: its own parent`,
  ]);
});

test("a line longer than maxLineBytes: skipped unheld, onLongLine told its number; the lines after it read", (t) => {
  const dir = tempDir(t, "spans-long");
  const file = join(dir, "long.jsonl");
  const good = collectorSpan("0000000000000001", "", "first");
  const later = collectorSpan("0000000000000003", "", "third");
  // Line 3 (after a blank line): one request of two spans, a name padding it past the bound.
  const long = collectorSpan("0000000000000002", "", "x".repeat(5000));
  writeFileSync(file, [good, "", long, later, long].join("\n") + "\n");
  const told: number[] = [];
  const spans = readSpansFile(file, { maxLineBytes: 4096, onLongLine: (line) => told.push(line) });
  assert.deepEqual(
    spans.map((s) => s.name),
    ["first", "third"],
  );
  assert.deepEqual(told, [3, 5]);
  // Without onLongLine: the same spans, nothing said; with a bound it fits under, every span.
  assert.deepEqual(
    readSpansFile(file, { maxLineBytes: 4096 }).map((s) => s.name),
    ["first", "third"],
  );
  assert.equal(readSpansFile(file, { onLongLine: () => assert.fail("no line is over 64 MiB") }).length, 4);
  // readSpansSince takes the same options.
  const mark = spansFileMark(file);
  appendFileSync(file, good + "\n" + long + "\n");
  const since: number[] = [];
  const after = readSpansSince(file, mark, { maxLineBytes: 4096, onLongLine: (line) => since.push(line) });
  assert.deepEqual([after.spans.map((s) => s.name), since], [["first"], [2]]);
  // A first line too long: no spans file (its line may never end), refused as not-otlp.
  const first = join(dir, "first-long.jsonl");
  writeFileSync(first, long + "\n" + good + "\n");
  assert.throws(
    () => readSpansFile(first, { maxLineBytes: 4096, onLongLine: () => assert.fail("refused, not skipped") }),
    (err: unknown) =>
      err instanceof SpansFileError &&
      err.code === "not-otlp" &&
      err.reason === "holds no OTLP JSON line: line 1 runs past 4096 bytes without a line end",
  );
  // A bound that is no number of bytes: said, with what to give.
  assert.throws(() => readSpansFile(file, { maxLineBytes: 0 }), {
    name: "TypeError",
    message:
      "tracehop readSpansFile: maxLineBytes takes a whole number of bytes, 1 or more (default 67108864, 64 MiB), got 0",
  });
});

test("the default bound is 64 MiB: a longer line is skipped and said", (t) => {
  const file = join(tempDir(t, "spans-64mib"), "huge.jsonl");
  assert.equal(MAX_LINE_BYTES, 64 * 1024 * 1024);
  const good = collectorSpan("0000000000000001", "", "kept");
  const huge = Buffer.alloc(MAX_LINE_BYTES + 1, "x");
  writeFileSync(file, good + "\n");
  appendFileSync(file, huge);
  appendFileSync(file, "\n" + good.replace('"name":"kept"', '"name":"after"') + "\n");
  const told: number[] = [];
  const spans = readSpansFile(file, { onLongLine: (line) => told.push(line) });
  assert.deepEqual([spans.map((s) => s.name), told], [["kept", "after"], [2]]);
});
