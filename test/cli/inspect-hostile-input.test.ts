// `tracehop inspect` on hostile input, as a user pipes it or names a file: huge lines, megabyte values,
// keys and numbers, NUL bytes, invalid UTF-8, byte order marks, UTF-16, CRLF, client layouts mixed, JSON
// with repeated keys, nested hundreds of thousands of levels, __proto__ keys, numbers past the largest
// double. Each ends with an exit code (0 or 1: reports; 2: one line on stderr saying what to fix), never a
// stack trace nor the "this is a bug" line (exit 3), and the report stays small. The run of the command in
// this process (what the bin runs) checks that no input changes Object.prototype.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTracehop } from "../../src/cli/command.js";
import type { InputSource } from "../../src/cli/read-input.js";
import { inspectDir, run } from "./run-cli.js";

const TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const CARRIER = `{"traceparent":"${TP}"}`;

/** A hostile input: its bytes, and the exit codes it may end with. */
interface Hostile {
  name: string;
  bytes: Buffer;
  codes: number[];
}

const deep = (n: number, open: string, close: string, inner = "") => open.repeat(n) + inner + close.repeat(n);

const HOSTILE: Hostile[] = [
  { name: "a line of 5 MB that is no JSON", bytes: Buffer.from("a".repeat(5 << 20)), codes: [2] },
  {
    name: "a value of 1 MB",
    bytes: Buffer.from(`{"traceparent":"${TP}","baggage":"k=${"v".repeat(1 << 20)}"}`),
    codes: [0],
  },
  {
    name: "a key of 1 MB holding a number",
    bytes: Buffer.from(`{"traceparent":"${TP}","${"k".repeat(1 << 20)}":1}`),
    codes: [0],
  },
  {
    name: "an id of a million digits",
    bytes: Buffer.from(`{"x-datadog-trace-id":${"9".repeat(1e6)},"x-datadog-parent-id":"1"}`),
    codes: [1],
  },
  { name: "a NUL byte after the carrier", bytes: Buffer.from(`${CARRIER}\0`), codes: [2] },
  { name: "NUL bytes only", bytes: Buffer.alloc(1000), codes: [2] },
  {
    name: "invalid UTF-8 in a value",
    bytes: Buffer.concat([
      Buffer.from(`{"traceparent":"${TP}","baggage":"k=`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]),
    codes: [2],
  },
  { name: "a UTF-8 byte order mark", bytes: Buffer.from(`\ufeff${CARRIER}`), codes: [0] },
  { name: "two byte order marks (files joined)", bytes: Buffer.from(`\ufeff\ufeff${CARRIER}`), codes: [2] },
  {
    name: "UTF-16 LE with its byte order mark",
    bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CARRIER, "utf16le")]),
    codes: [0],
  },
  { name: "UTF-16 LE without one", bytes: Buffer.from(CARRIER, "utf16le"), codes: [2] },
  { name: "CRLF lines", bytes: Buffer.from(`${CARRIER}\r\n${CARRIER}\r\n`), codes: [0] },
  { name: "CR only", bytes: Buffer.from(`${CARRIER}\r${CARRIER}\r`), codes: [2] },
  {
    name: "psql and mysql layouts mixed",
    bytes: Buffer.from(`traceContext\n${CARRIER}\nNULL\n(1 row)\n+----+\n| ${CARRIER} |\n`),
    codes: [2],
  },
  {
    name: "repeated keys",
    bytes: Buffer.from(
      `{"traceparent":"00-bad","traceparent":"${TP}","x-datadog-trace-id":1,"x-datadog-trace-id":12345678901234567890,"x-datadog-parent-id":"1"}`,
    ),
    codes: [0],
  },
  { name: "arrays nested 200,000 deep", bytes: Buffer.from(deep(200_000, "[", "]")), codes: [1] },
  { name: "objects nested 200,000 deep", bytes: Buffer.from(deep(200_000, '{"a":', "}", "{}")), codes: [1] },
  {
    // The second reading that keeps an id's digits (lossless-json) recurses: past its stack no digits
    // are kept, and the id is refused as the library refuses it (exit 1), never a crash.
    name: "a carrier beside a value nested 100,000 deep, with an id beyond 2^53",
    bytes: Buffer.from(
      `{"x-datadog-trace-id":12345678901234567890,"x-datadog-parent-id":"1","x":${deep(100_000, "[", "]")}}`,
    ),
    codes: [1],
  },
  { name: "1,000,000 unclosed brackets", bytes: Buffer.from("[".repeat(1e6)), codes: [2] },
  {
    name: "numbers past the largest double",
    bytes: Buffer.from(
      '{"x-datadog-trace-id":1e400,"x-datadog-parent-id":-1e400,"x-datadog-sampling-priority":1e400}',
    ),
    codes: [1],
  },
  {
    name: "a lone surrogate escaped",
    bytes: Buffer.from(`{"traceparent":"${TP}","baggage":"k=\\ud800"}`),
    codes: [0],
  },
  { name: "whitespace only", bytes: Buffer.from(" \t\r\n \n"), codes: [1] },
];

describe("tracehop inspect on hostile input", () => {
  test("each ends with a report or one line saying what to fix: no stack trace, no crash, a small report", (t) => {
    const dir = inspectDir(t);
    for (const hostile of HOSTILE) {
      const file = join(dir, "input");
      writeFileSync(file, hostile.bytes);
      for (const args of [
        ["inspect", file],
        ["inspect", "--json", file],
      ]) {
        const { code, stdout, stderr } = run(args);
        const said = `${hostile.name} (${args.join(" ")}): exit ${code}, ${stderr.slice(0, 300)}`;
        assert.ok(hostile.codes.includes(code ?? -1), said);
        assert.doesNotMatch(stderr, /^\s+at |this is a bug|RangeError|TypeError/m, said);
        if (code === 2) {
          assert.match(stderr, /^tracehop inspect: [^\n]+\n$/, said);
          assert.ok(stderr.length < 2_000, `${said}: ${stderr.length} characters`);
        } else assert.equal(stderr, "", said);
        assert.ok(stdout.length < 20_000, `${said}: a report of ${stdout.length} characters`);
      }
    }
  });

  test("__proto__, constructor and prototype keys, at the top, in a row, in JSON text inside JSON: Object.prototype unchanged", async () => {
    const inputs = [
      `{"__proto__":{"polluted":"yes","traceparent":"${TP}"}}`,
      `{"id":1,"traceContext":{"__proto__":{"polluted":"yes"},"traceparent":"${TP}"}}`,
      `{"constructor":{"prototype":{"polluted":"yes"}},"traceparent":"${TP}"}`,
      JSON.stringify(
        `{"__proto__":{"polluted":"yes"},"x-datadog-trace-id":12345678901234567890,"x-datadog-parent-id":"1"}`,
      ),
      `[{"__proto__":{"polluted":"yes"}},{"traceContext":{"__proto__":{"x-datadog-trace-id":12345678901234567890}}}]`,
    ];
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const input of inputs)
      for (const options of [
        [],
        ["--json"],
        ["--field", "__proto__"],
        ["--field", "constructor.prototype"],
      ]) {
        const bytes = Buffer.from(input);
        let at = 0;
        const stdin: InputSource = {
          fileSize: () => undefined,
          read: (buffer, offset, length) => {
            const n = Math.min(length, bytes.length - at);
            bytes.copy(buffer, offset, at, at + n);
            at += n;
            return n;
          },
          isPiped: () => true,
        };
        let err = "";
        const code = await runTracehop(["inspect", ...options, "-"], {
          writeOut: () => undefined,
          writeErr: (chunk) => void (err += chunk),
          env: {},
          stdin,
        });
        assert.ok(code <= 2, `${input} ${options.join(" ")}: exit ${code} ${err}`);
        assert.equal(({} as Record<string, unknown>).polluted, undefined, input);
        assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before, input);
      }
  });
});
