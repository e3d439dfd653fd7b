// `tracehop spans [FILE]`: the traces of a spans file as trees, on files the real SDK wrote through
// startTracing (two processes sharing one file, as the main job's do) and a line as the Collector's file
// exporter writes it (format: json); its errors on a missing, unreadable or garbage file.
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { runModuleScript } from "../support/child-script.js";
import { tempDir } from "../support/temp-dir.js";
import { run, runBin } from "./run-cli.js";

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

/**
 * Writes a spans file with the real SDK: an api process (a SERVER span, a child that captures the carrier),
 * then a worker process (a CONSUMER span restored from that carrier through withProcessSpan, a child, a
 * failed nested restore), and a later trace of its own (`poll`). Returns the path and the carrier.
 */
function writeRealSpansFile(dir: string): { file: string; carrier: Record<string, string> } {
  const file = join(dir, "spans.jsonl");
  const carrier = JSON.parse(
    script([
      `import { SpanKind, trace } from "@opentelemetry/api";`,
      `import { startTracing, captureCarrier } from "./src/index.ts";`,
      `const tracing = startTracing({ serviceName: "h5-api", spansFile: ${JSON.stringify(file)} });`,
      `const tracer = trace.getTracer("h5");`,
      `let carrier;`,
      `tracer.startActiveSpan("POST /jobs", { kind: SpanKind.SERVER, attributes: { "http.route": "/jobs", "http.response.status_code": 201 } }, (root) => {`,
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
      `const tracer = trace.getTracer("h5");`,
      `const headers = JSON.parse(process.env.H5_CARRIER);`,
      `await withProcessSpan(headers, { system: "rabbitmq", destination: "h5-jobs" }, async () => {`,
      `  tracer.startSpan("sentences.split").end();`,
      `  try { await withCarrier(headers, "sentences.store", async () => { throw new Error("disk full"); }); } catch {}`,
      `});`,
      `await new Promise((resolve) => setTimeout(resolve, 5));`,
      `tracer.startSpan("poll").end();`,
      `await tracing.shutdown();`,
    ],
    { H5_CARRIER: JSON.stringify(carrier) },
  );
  return { file, carrier };
}

/** A line as the Collector's file exporter (format: json) writes it: ids hex, int64 as strings, `flags`. */
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
              traceId: COLLECTOR_TRACE,
              spanId: "eee19b7ec3c1b174",
              parentSpanId: "",
              flags: 257,
              name: "checkout",
              kind: 2,
              startTimeUnixNano: "1544712660000000000",
              endTimeUnixNano: "1544712661500000000",
              attributes: [{ key: "http.response.status_code", value: { intValue: "500" } }],
              status: { code: 2, message: "upstream timed out" },
            },
          ],
        },
      ],
    },
  ],
});

describe("tracehop spans: a file the SDK wrote", () => {
  let dir: string;
  let file: string;
  let carrier: Record<string, string>;
  let traceId: string;
  before(() => {
    // One file for the cases below, written once (two child processes).
    dir = mkdtempSync(join(tmpdir(), "tracehop-spans-cli-"));
    ({ file, carrier } = writeRealSpansFile(dir));
    traceId = carrier.traceparent!.split("-")[1]!;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("prints each trace as a tree: service, name, kind, duration, messaging and restore attributes, errors; the Datadog id", () => {
    const result = run(["spans", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    const [first, second] = result.stdout.split("\n\n");
    const lines = first!.trimEnd().split("\n");
    // The Datadog id, as the library's own Datadog propagator wrote it into the carrier.
    const tid = /_dd\.p\.tid=([0-9a-f]{16})/.exec(carrier["x-datadog-tags"] ?? "")?.[1];
    assert.match(
      lines[0]!,
      new RegExp(
        `^trace ${traceId} \\(W3C\\)  =  ${carrier["x-datadog-trace-id"]} \\(Datadog x-datadog-trace-id, _dd\\.p\\.tid=${tid}\\)  5 spans  \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    const shape = lines.slice(1).map((line) => line.replace(/ {2}\d+\.\d ms/, "  N ms"));
    assert.deepEqual(shape, [
      "h5-api     POST /jobs  server  N ms  http.route=/jobs  http.response.status_code=201",
      "h5-api       job.create  internal  N ms",
      "h5-worker      process h5-jobs  consumer  N ms  messaging.system=rabbitmq  messaging.destination.name=h5-jobs  messaging.operation.type=process  tracehop.relation=parent",
      "h5-worker        sentences.split  internal  N ms",
      'h5-worker        sentences.store  internal  N ms  ERROR "disk full"  error.type=Error',
    ]);
    // The later trace of the worker, alone.
    assert.match(
      second!,
      /^trace [0-9a-f]{32} \(W3C\) {2}= {2}\d+ \(Datadog x-datadog-trace-id, _dd\.p\.tid=[0-9a-f]{16}\) {2}1 span {2}/,
    );
    assert.match(second!, /\nh5-worker {2}poll {2}internal {2}\d+\.\d ms\n$/);
  });

  test("--trace with the W3C id or the Datadog decimal id: that trace alone; --last 1: the latest, said on stderr", () => {
    for (const id of [traceId, traceId.toUpperCase(), carrier["x-datadog-trace-id"]!]) {
      const result = run(["spans", "--trace", id, file]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.split("\n\n").length, 1);
      assert.match(result.stdout, new RegExp(`^trace ${traceId} `));
    }
    const last = run(["spans", "--last=1", file]);
    assert.equal(last.code, 0);
    assert.match(last.stdout, /^trace [0-9a-f]{32} .* {2}1 span {2}.*\nh5-worker {2}poll {2}/);
    assert.equal(
      last.stderr,
      `tracehop spans: the last 1 of 2 traces in "${file}"; --last N or --all for more, --trace ID for one\n`,
    );
    const missing = run(["spans", "--trace", "1".repeat(32), file]);
    assert.deepEqual(missing, {
      code: 1,
      stdout: "",
      stderr: `tracehop spans: no trace with the id ${"1".repeat(32)} in "${file}"\n`,
    });
  });

  test("a Collector file exporter line appended: its own trace, its service from the resource, the error and status code", (t) => {
    const both = join(tempDir(t, "spans-collector"), "both.jsonl");
    writeFileSync(both, readFileSync(file, "utf8") + COLLECTOR_LINE + "\n");
    const result = run(["spans", "--all", both]);
    assert.equal(result.code, 0, result.stderr);
    const traces = result.stdout.split("\n\n");
    assert.equal(traces.length, 3);
    // 2018: the oldest trace, printed first.
    assert.equal(
      traces[0],
      `trace ${COLLECTOR_TRACE} (W3C)  =  15161849952847513100 (Datadog x-datadog-trace-id, _dd.p.tid=5b8efff798038103)  1 span  2018-12-13T14:51:00.000Z\n` +
        'dd-checkout  checkout  server  1500.0 ms  ERROR "upstream timed out"  http.response.status_code=500',
    );
    assert.equal(BigInt("0x" + COLLECTOR_TRACE.slice(16)).toString(), "15161849952847513100");
  });

  test("the bin, as a user runs it: TRACEHOP_SPANS_FILE names the file; standard input with -", () => {
    const fromEnv = runBin(["spans", "--last", "1"], { env: { ...process.env, TRACEHOP_SPANS_FILE: file } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.match(fromEnv.stdout, /\nh5-worker {2}poll {2}/);
    const piped = runBin(["spans", "--trace", traceId, "-"], { input: readFileSync(file, "utf8") });
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /^trace [0-9a-f]{32} .* {2}5 spans {2}/);
  });
});

describe("tracehop spans --trace: the id as a user pastes it", () => {
  const G =
    "--trace takes a trace id: 32 hex digits or a traceparent (W3C), or a Datadog decimal id up to 18446744073709551615 (its lower 64 bits; with _dd.p.tid=<16 hex> for the upper ones)";
  const TRACEPARENT = `00-${COLLECTOR_TRACE}-eee19b7ec3c1b174-01`;
  const DECIMAL = "15161849952847513100";
  const TID = "5b8efff798038103";

  test("a traceparent (value or header line), the hex in any case, the lower 16 hex digits, the Datadog decimal alone, as a header or with its _dd.p.tid: that trace", (t) => {
    const file = join(tempDir(t, "spans-trace-forms"), "spans.jsonl");
    // The trace to find, and another whose lower 64 bits are the same (only its _dd.p.tid differs).
    const twin = "0000000000000001" + COLLECTOR_TRACE.slice(16);
    writeFileSync(file, COLLECTOR_LINE + "\n" + COLLECTOR_LINE.replace(COLLECTOR_TRACE, twin) + "\n");
    const exact = [
      COLLECTOR_TRACE.toUpperCase(),
      TRACEPARENT,
      ` ${TRACEPARENT}\n`,
      `traceparent: ${TRACEPARENT}`,
      `Traceparent=${TRACEPARENT.toUpperCase()}`,
      `"traceparent": "${TRACEPARENT}",`,
      `${DECIMAL} _dd.p.tid=${TID}`,
      `x-datadog-trace-id: ${DECIMAL}, x-datadog-tags: _dd.p.dm=-0,_dd.p.tid=${TID}`,
      // As tracehop spans's header and npm start's last lines write it (traceIdLine: the W3C part, the
      // Datadog part, the whole line, the header with its counts), and as the header wrote it before
      // (`(Datadog, _dd.p.tid=…)`, which rows and logs already hold).
      `trace ${COLLECTOR_TRACE} (W3C)`,
      `${DECIMAL} (Datadog x-datadog-trace-id, _dd.p.tid=${TID})`,
      `trace ${COLLECTOR_TRACE} (W3C)  =  ${DECIMAL} (Datadog x-datadog-trace-id, _dd.p.tid=${TID})`,
      `trace ${COLLECTOR_TRACE} (W3C)  =  ${DECIMAL} (Datadog x-datadog-trace-id, _dd.p.tid=${TID})  1 span  2018-12-13T14:51:00.000Z`,
      `${DECIMAL} (Datadog, _dd.p.tid=${TID})`,
      `trace ${COLLECTOR_TRACE} (W3C)  =  ${DECIMAL} (Datadog, _dd.p.tid=${TID})  1 span  2018-12-13T14:51:00.000Z`,
    ];
    for (const id of exact) {
      const result = run(["spans", "--trace", id, file]);
      assert.equal(result.code, 0, `${id}: ${result.stderr}`);
      assert.equal(result.stdout.split("\n\n").length, 1, id);
      assert.match(result.stdout, new RegExp(`^trace ${COLLECTOR_TRACE} `), id);
    }
    // The lower 64 bits alone (Datadog decimal, or 16 hex digits): both traces.
    for (const id of [DECIMAL, `x-datadog-trace-id: ${DECIMAL}`, COLLECTOR_TRACE.slice(16).toUpperCase()]) {
      const result = run(["spans", "--trace", id, file]);
      assert.equal(result.code, 0, `${id}: ${result.stderr}`);
      const headers = result.stdout.split("\n").filter((l) => l.startsWith("trace "));
      assert.deepEqual(
        headers.map((l) => l.split(" ")[1]),
        [COLLECTOR_TRACE, twin],
        id,
      );
    }
    const missing = run(["spans", "--trace", `${DECIMAL} _dd.p.tid=0000000000000002`, file]);
    assert.deepEqual(missing, {
      code: 1,
      stdout: "",
      stderr: `tracehop spans: no trace with the id 0000000000000002${COLLECTOR_TRACE.slice(16)} in "${file}"\n`,
    });
  });

  test("what is no trace id: one line saying what to give, and the id it holds when one is there", () => {
    const cases: [string, string][] = [
      ["abc", `${G}, got "abc"`],
      [
        COLLECTOR_TRACE.slice(1),
        `${G}, got "${COLLECTOR_TRACE.slice(1)}": 31 hex digits, a W3C trace id has 32`,
      ],
      [
        `span ${COLLECTOR_TRACE} (W3C)`,
        `${G}, got "span ${COLLECTOR_TRACE} (W3C)"; did you mean --trace ${COLLECTOR_TRACE}?`,
      ],
      [
        `_dd.p.tid=${TID}`,
        `${G}, got "_dd.p.tid=${TID}": _dd.p.tid holds the upper 64 bits alone; give x-datadog-trace-id with it: --trace "<x-datadog-trace-id> _dd.p.tid=${TID}"`,
      ],
      [
        `00-${"0".repeat(32)}-eee19b7ec3c1b174-01`,
        `${G}, got "00-${"0".repeat(32)}-eee19b7ec3c1b174-01": its trace id is all zeros, which W3C Trace Context makes invalid`,
      ],
      [
        "18446744073709551616",
        `${G}, got "18446744073709551616": beyond 18446744073709551615 (2^64 - 1), the largest Datadog trace id`,
      ],
      ["0", `${G}, got "0": 0 is no trace id (Datadog's ids start at 1)`],
    ];
    for (const [id, message] of cases)
      assert.deepEqual(
        run(["spans", "--trace", id, "none.jsonl"]),
        {
          code: 2,
          stdout: "",
          stderr: `tracehop spans: ${message}\ntracehop spans --help shows the usage\n`,
        },
        id,
      );
    assert.deepEqual(run(["spans", "--trace"]), {
      code: 2,
      stdout: "",
      stderr: `tracehop spans: ${G}\ntracehop spans --help shows the usage\n`,
    });
  });
});

describe("tracehop spans: which traces --last shows", () => {
  test("a job's trace that a worker process continues after later traces ended is among the latest (npm start's job, not only its status polls)", (t) => {
    // As `npm start` writes its file: the api's POST starts the job's trace, the client's status polls
    // (one trace each) start after it, and the worker's span of the job ends after the polls.
    const file = join(tempDir(t, "spans-last-active"), "spans.jsonl");
    const carrier = script([
      `import { SpanKind, trace } from "@opentelemetry/api";`,
      `import { startTracing, captureCarrier } from "./src/index.ts";`,
      `const tracing = startTracing({ serviceName: "r1-api", spansFile: ${JSON.stringify(file)} });`,
      `const tracer = trace.getTracer("r1");`,
      `let carrier;`,
      `tracer.startActiveSpan("POST /jobs", { kind: SpanKind.SERVER }, (root) => { carrier = captureCarrier(); root.end(); });`,
      `for (let i = 0; i < 3; i++) {`,
      `  await new Promise((resolve) => setTimeout(resolve, 2));`,
      `  tracer.startSpan("GET /jobs/:id", { kind: SpanKind.SERVER }).end();`,
      `}`,
      `await tracing.shutdown();`,
      `console.log(JSON.stringify(carrier));`,
    ]);
    script(
      [
        `import { startTracing } from "./src/index.ts";`,
        `import { withProcessSpan } from "./src/messaging/index.ts";`,
        `const tracing = startTracing({ serviceName: "r1-worker", spansFile: ${JSON.stringify(file)} });`,
        `await withProcessSpan(JSON.parse(process.env.R1_CARRIER), { system: "rabbitmq", destination: "r1-jobs" }, () => {});`,
        `await tracing.shutdown();`,
      ],
      { R1_CARRIER: carrier.trim() },
    );
    const jobTrace = (JSON.parse(carrier) as Record<string, string>).traceparent!.split("-")[1]!;
    const result = run(["spans", "--last", "2", file]);
    assert.equal(result.code, 0, result.stderr);
    const headers = result.stdout.split("\n").filter((line) => line.startsWith("trace "));
    assert.equal(headers.length, 2);
    // The job's trace, which started first and ended last, then the last poll; oldest first.
    assert.match(headers[0]!, new RegExp(`^trace ${jobTrace} .* 2 spans `));
    assert.match(result.stdout, /\nr1-worker {4}process r1-jobs {2}consumer /);
    assert.match(headers[1]!, / 1 span /);
    assert.equal(
      result.stderr,
      `tracehop spans: the last 2 of 4 traces in "${file}"; --last N or --all for more, --trace ID for one\n`,
    );
  });
});

describe("tracehop spans: what it refuses, in one line with what to fix", () => {
  test("no spans file at the default path: exit 2, how one comes to be there", (t) => {
    const dir = tempDir(t, "spans-none");
    const env = { ...process.env, TRACEHOP_SPANS_FILE: "" };
    const result = runBin(["spans"], { cwd: dir, env });
    assert.deepEqual(result, {
      code: 2,
      stdout: "",
      stderr:
        'tracehop spans: no spans file at ".tracehop/spans.jsonl" (the default): startTracing() writes it when no exporter is configured ' +
        "(or set its spansFile option, or TRACEHOP_SPANS_FILE); run your service first, or name the file: tracehop spans FILE\n",
    });
  });

  test("a named file missing, a folder, garbage, an empty file; bad options", (t) => {
    const dir = tempDir(t, "spans-bad");
    const give =
      "give the spans file startTracing writes (its spansFile option, TRACEHOP_SPANS_FILE) or a Collector file exporter's output (format: json)";
    const garbage = join(dir, "garbage.jsonl");
    writeFileSync(garbage, "hello\nworld\n");
    const other = join(dir, "other.json");
    writeFileSync(other, '{"traces": []}\n');
    // Metrics alone (a Collector file of another pipeline): OTLP JSON without spans, not another kind of file.
    const metricsOnly = join(dir, "metrics.json");
    writeFileSync(metricsOnly, '{"resourceMetrics": []}\n');
    const empty = join(dir, "empty.jsonl");
    writeFileSync(empty, "");
    const folder = join(dir, "folder");
    mkdirSync(folder);
    const cases: [string[], number, string][] = [
      [
        ["spans", join(dir, "nope.jsonl")],
        2,
        `cannot read "${join(dir, "nope.jsonl")}": no such file; ${give}`,
      ],
      [["spans", folder], 2, `"${folder}" is a folder; ${give}`],
      [
        ["spans", garbage],
        2,
        `"${garbage}" is no OTLP JSON-lines spans file: line 1 is not JSON (Unexpected token 'h', "hello" is not valid JSON), and so are the other 1; ${give}`,
      ],
      [
        ["spans", other],
        2,
        `"${other}" is no OTLP JSON-lines spans file: line 1 is JSON without a resourceSpans array; ${give}`,
      ],
      [
        ["spans", metricsOnly],
        1,
        `"${metricsOnly}" holds no spans (its 1 line of OTLP JSON is logs, metrics or profiles)`,
      ],
      [["spans", empty], 1, `"${empty}" holds no spans (it is empty)`],
      [["spans", "--last", "0", empty], 2, `--last takes a number of traces, 1 or more, got "0"`],
      [["spans", "--last", "3", "--all", empty], 2, "--all and --last are both given: give one"],
      [
        ["spans", "--trace", "abc", empty],
        2,
        `--trace takes a trace id: 32 hex digits or a traceparent (W3C), or a Datadog decimal id up to 18446744073709551615 (its lower 64 bits; with _dd.p.tid=<16 hex> for the upper ones), got "abc"`,
      ],
      [["spans", "--trase", "1", empty], 2, "unknown option --trase; did you mean --trace?"],
      [["spans", empty, garbage], 2, `give at most one spans file, got 2: "${empty}" "${garbage}"`],
    ];
    for (const [args, code, message] of cases) {
      const result = run(args);
      const help = code === 2 && !message.includes(give) ? "tracehop spans --help shows the usage\n" : "";
      assert.deepEqual(
        result,
        { code, stdout: "", stderr: `tracehop spans: ${message}\n${help}` },
        args.join(" "),
      );
    }
  });

  test("a named pipe, a device: refused at once as the library refuses them (never waited on for a writer), with the way to read one: standard input", (t) => {
    const dir = tempDir(t, "h1-spans-fifo");
    const fifo = join(dir, "spans.fifo");
    const made = spawnSync("mkfifo", [fifo]);
    assert.equal(made.status, 0, String(made.stderr));
    // No writer ever comes: a blocking open would wait until the bound kills it.
    for (const [path, kind] of [
      [fifo, "a named pipe"],
      ["/dev/null", "a character device"],
    ] as const) {
      const result = run(["spans", "--all", path], undefined, process.env, 20_000);
      assert.deepEqual(result, {
        code: 2,
        stdout: "",
        stderr:
          `tracehop spans: "${path}" is ${kind}, not a regular file (a file is read without waiting for a writer, and --last reads it twice); ` +
          `read it as standard input: tracehop spans - < "${path}"\n`,
      });
    }
  });

  test("a line cut short among good ones (a writer still writing): skipped and said, the rest printed", (t) => {
    const file = join(tempDir(t, "spans-cut"), "spans.jsonl");
    writeFileSync(file, COLLECTOR_LINE + "\n" + COLLECTOR_LINE.slice(0, 40) + "\n");
    const result = run(["spans", file]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^trace 5b8efff798038103d269b633813fc60c /);
    assert.match(
      result.stderr,
      /^tracehop spans: 1 of 2 lines of ".*" skipped, no OTLP JSON \(line 2 is not JSON \(.*\); a line cut short by a writer still writing is one\)\n$/,
    );
  });

  test("a file whose only line is still being written (no line end yet): no spans yet, exit 1, not refused as no spans file (as tracehop/spans reads it)", (t) => {
    const file = join(tempDir(t, "h1-spans-first-cut"), "spans.jsonl");
    writeFileSync(file, COLLECTOR_LINE.slice(0, 40));
    for (const args of [
      ["spans", file],
      ["spans", "--all", file],
    ]) {
      const result = run(args);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stdout, "");
      assert.match(
        result.stderr,
        /^tracehop spans: 1 of 1 lines of ".*" skipped, no OTLP JSON \(line 1 is not JSON \(.*\); a line cut short by a writer still writing is one\)\ntracehop spans: ".*" holds no spans\n$/,
      );
    }
    // With a line end it is a whole line of no JSON: refused.
    appendFileSync(file, "\n");
    assert.equal(run(["spans", file]).code, 2);
  });

  test("a last line without a line end that is whole JSON of no OTLP: a complete line, refused as with a line end (exit 2), or said as a skip among good lines", (t) => {
    const dir = tempDir(t, "f1-spans-no-final-newline");
    const file = join(dir, "j1.json");
    for (const ending of ["", "\n"]) {
      writeFileSync(file, '{"foo":1}' + ending);
      const result = run(["spans", file]);
      assert.equal(result.code, 2, `ending ${JSON.stringify(ending)}: ${result.stderr}`);
      assert.equal(result.stdout, "");
      assert.match(
        result.stderr,
        /^tracehop spans: ".*j1\.json" is no OTLP JSON-lines spans file: line 1 is JSON without a resourceSpans array; /,
      );
    }
    const mixed = join(dir, "mixed.jsonl");
    writeFileSync(mixed, COLLECTOR_LINE + "\n" + '{"foo":1}');
    const result = run(["spans", mixed]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^trace 5b8efff798038103d269b633813fc60c /);
    assert.match(
      result.stderr,
      /^tracehop spans: 1 of 2 lines of ".*" skipped, no OTLP JSON \(line 2 is JSON without a resourceSpans array; /,
    );
  });

  test("a line longer than a read, a character split between reads: read whole, as written", (t) => {
    const file = join(tempDir(t, "spans-long"), "spans.jsonl");
    // A name of 70 000 "é" (two bytes each): the line spans several 64 KiB reads, one of which ends mid-character.
    const name = "é".repeat(70_000);
    appendFileSync(file, COLLECTOR_LINE.replace('"checkout"', JSON.stringify(name)) + "\n");
    const result = run(["spans", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes(`dd-checkout  ${name}  server`), "the name read whole");
  });
});

describe("tracehop help spans", () => {
  test("help spans and spans --help print its usage; help, its and inspect's", () => {
    const usage = run(["help", "spans"]);
    assert.equal(usage.code, 0);
    assert.match(
      usage.stdout,
      /^usage: tracehop spans \[--trace ID\] \[--last N \| --all\] \[--\] \[FILE \| -\]\n/,
    );
    assert.deepEqual(run(["spans", "--help"]), usage);
    // The bounds a user meets: the longest line, the memory --all and standard input take.
    assert.match(usage.stdout, /\nOne ExportTraceServiceRequest per line, at most 64 MiB /);
    assert.match(
      usage.stdout,
      /\nmemory: .*\n--all, and standard input \(-, read once\) without --trace, every span: about 1\.5 KB a span/s,
    );
    assert.match(
      usage.stdout,
      / {2}--trace ID {3}that trace alone: 32 hex digits \(W3C, any case\), a traceparent value or header\n/,
    );
    const all = run(["help"]);
    assert.match(all.stdout, /^usage: tracehop inspect /);
    assert.ok(all.stdout.endsWith(usage.stdout), "the whole usage ends with spans's");
  });
});
