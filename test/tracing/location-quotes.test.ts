// A file path or an OTLP endpoint URL startTracing echoes in a warning or TypeError is quoted by the one rule
// (quoteWritten, docs/warnings.md) with a longer cut, 1024 characters: a line break, an escape sequence or a
// bidirectional override in the variable is seen escaped, never written into the log as is; an ordinary path
// or URL is seen whole; the secrets of a URL stay masked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { JsonLinesFileSpanExporter } from "../../src/tracing/JsonLinesFileSpanExporter.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { resolveWith, warningsOf } from "./config-env.js";

/** The process warnings' messages of `vars`, each checked to be printable ASCII (but the cut's …). */
async function messagesOf(vars: Record<string, string>): Promise<string[]> {
  const messages = (await warningsOf(vars)).processWarnings.map(([, message]) => message);
  for (const message of messages) assert.match(message, /^[\x20-\x7e…]*$/, message.slice(0, 300));
  return messages;
}

/** A newline, an escape sequence (clear the line) and a right-to-left override, as written and as shown. */
const HOSTILE = "\n\u001b[2K\u202egnp.pem";
const HOSTILE_SHOWN = "\\n\\u001b[2K\\u202egnp.pem";

test("an OTLP TLS file path holding a newline, an escape sequence or a bidi override: escaped, in the variable and in the reason", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tracehop-h1-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, `ca${HOSTILE}`);
  const shown = `"${dir}/ca${HOSTILE_SHOWN}"`;
  assert.deepEqual(
    await messagesOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c:4318", OTEL_EXPORTER_OTLP_CERTIFICATE: path }),
    [
      `tracehop: OTEL_EXPORTER_OTLP_CERTIFICATE=${shown} cannot be read (ENOENT: no such file or directory, ` +
        `open ${shown}); the OTLP exporter ignores it: the collector's certificate is checked against Node's ` +
        "default CAs instead. Set it to the path of a readable PEM file, or unset it",
    ],
  );
});

test("an OTLP TLS file path: an ordinary long one shown whole, one past 1024 characters cut there with its length", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tracehop-h1-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // 300 characters: deep, but a path a deployment may have.
  const ordinary = join(dir, "d".repeat(200), "e".repeat(300 - dir.length - 202));
  assert.equal(ordinary.length, 300);
  const [whole] = await messagesOf({
    OTEL_EXPORTER_OTLP_ENDPOINT: "https://c:4318",
    OTEL_EXPORTER_OTLP_CLIENT_KEY: ordinary,
  });
  assert.ok(
    whole!.startsWith(`tracehop: OTEL_EXPORTER_OTLP_CLIENT_KEY="${ordinary}" cannot be read (`),
    whole,
  );
  // 5000 characters: a name longer than the file system takes.
  const long = join(dir, "a".repeat(5000 - dir.length - 1));
  assert.equal(long.length, 5000);
  const cutShown = `"${long.slice(0, 1024)}"… (5000 characters)`;
  assert.deepEqual(
    await messagesOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c:4318", OTEL_EXPORTER_OTLP_CLIENT_KEY: long }),
    [
      `tracehop: OTEL_EXPORTER_OTLP_CLIENT_KEY=${cutShown} cannot be read (ENAMETOOLONG: name too long, ` +
        `open ${cutShown}); the OTLP exporter ignores it: no client certificate is sent (mTLS). Set it to the ` +
        "path of a readable PEM file, or unset it",
    ],
  );
});

test("OTEL_EXPORTER_OTLP_ENDPOINT holding a newline, an escape sequence or a bidi override: escaped in each warning that quotes it, its password still masked", async () => {
  // No http(s) URL: the value quoted.
  assert.deepEqual(await messagesOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://u:s3cret@c:21/\u202egnp" }), [
    'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="ftp://u:***@c:21/\\u202egnp" uses ftp:, not http: or https: ' +
      "(tracehop exports OTLP over HTTP); ignored, as if it were unset: OTLP export is off, as with no " +
      "endpoint set (spans go to the spans file only). Set it to an http(s) URL such as http://127.0.0.1:4318, or unset it",
  ]);
  // No scheme: the value and the fix to copy quoted.
  assert.deepEqual(
    await messagesOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "user:s3cret@collector:4318/\u202e\u001b[2K" }),
    [
      'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="user:***@collector:4318/\\u202e\\u001b[2K" has no scheme, so it ' +
        "is no http(s) URL; ignored, as if it were unset: OTLP export is off, as with no endpoint set (spans go " +
        'to the spans file only). Add http:// or https:// (OTEL_EXPORTER_OTLP_ENDPOINT="http://user:***@collector:4318/' +
        '\\u202e\\u001b[2K", *** being the secret you wrote)',
    ],
  );
  // A base endpoint already ending with /v1/traces (the parser drops the newline, percent-encodes the rest).
  assert.deepEqual(
    await messagesOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://user:s3cret@c:4318/\u202e\n/v1/traces" }),
    [
      'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://user:***@c:4318/\\u202e\\n/v1/traces" holds a line break ' +
        "or tab inside, which the URL parser drops without a word, so spans are sent to " +
        "http://user:***@c:4318/%E2%80%AE/v1/traces/v1/traces, the text without it, which may not be the URL " +
        "meant. Remove it (a value pasted over two lines, or a tab typed into it)",
      'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://user:***@c:4318/\\u202e\\n/v1/traces" already ends with ' +
        "/v1/traces, but it is a base URL the exporter appends v1/traces to (OpenTelemetry specification), so " +
        "spans are sent to http://user:***@c:4318/%E2%80%AE/v1/traces/v1/traces, which a Collector answers 404. " +
        "Drop the suffix (OTEL_EXPORTER_OTLP_ENDPOINT=http://user:***@c:4318/%E2%80%AE), or set " +
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://user:***@c:4318/%E2%80%AE/v1/traces instead (used as is; " +
        "*** being the secret you wrote)",
    ],
  );
  // A base endpoint with a query: the secret parameter masked (with the v1/traces appended to it), the
  // override escaped.
  assert.deepEqual(await messagesOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/\u202e?api_key=s3cret" }), [
    'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318/\\u202e?api_key=***" has a query, but the exporter ' +
      "appends v1/traces to the text as written, so spans are sent to http://c:4318/%E2%80%AE?api_key=***. " +
      "Set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://c:4318/%E2%80%AE/v1/traces?api_key=*** instead (used as " +
      "is; *** being the secret you wrote)",
  ]);
  // A base endpoint ending with whitespace: the value and the text the exporter makes quoted.
  assert.deepEqual(await messagesOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/otlp\u202e " }), [
    'tracehop: OTEL_EXPORTER_OTLP_ENDPOINT="http://c:4318/otlp\\u202e " ends with whitespace, which the exporter ' +
      'keeps when it appends v1/traces ("http://c:4318/otlp\\u202e /v1/traces"), so spans are sent to ' +
      "http://c:4318/otlp%E2%80%AE%20/v1/traces. Remove the whitespace",
  ]);
  // A pasted megabyte: cut after 1024 characters, with its length.
  assert.deepEqual(
    await messagesOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `ftp://c:21/${"p".repeat(100_000)}` }),
    [
      `tracehop: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="ftp://c:21/${"p".repeat(1013)}"… (100011 characters) uses ` +
        "ftp:, not http: or https: (tracehop exports OTLP over HTTP); ignored, as if it were unset: OTLP export " +
        "is off, as with no endpoint set (spans go to the spans file only). Set it to an http(s) URL such as " +
        "http://127.0.0.1:4318, or unset it",
    ],
  );
});

test("options.otlpEndpoint's TypeError: the URL quoted whole up to 1024 characters, escaped, its password masked", () => {
  const throwsWith = (otlpEndpoint: string, message: string) =>
    assert.throws(
      () => resolveWith({ serviceName: "s", otlpEndpoint }),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.equal(error.message, message);
        return true;
      },
    );
  throwsWith(
    "otlp-collector.observability.svc.cluster.local:4318/\u202egnp",
    "tracehop startTracing: options.otlpEndpoint must be an http(s) URL with its scheme, such as " +
      '"http://otlp-collector.observability.svc.cluster.local:4318/\\u202egnp", got ' +
      '"otlp-collector.observability.svc.cluster.local:4318/\\u202egnp"',
  );
  throwsWith(
    "user:s3cret@collector:4318/\n\u001b[2K",
    "tracehop startTracing: options.otlpEndpoint must be an http(s) URL with its scheme, such as " +
      '"http://user:***@collector:4318/\\n\\u001b[2K" (*** being the secret you wrote), got ' +
      '"user:***@collector:4318/\\n\\u001b[2K"',
  );
  throwsWith(
    `not a url ${"x".repeat(2000)}`,
    'tracehop startTracing: options.otlpEndpoint must be an http(s) URL such as "http://127.0.0.1:4318", got ' +
      `"not a url ${"x".repeat(1014)}"… (2010 characters)`,
  );
});

test("an OTEL_EXPORTER_OTLP_HEADERS name past 64 characters: cut there with its length, as a header field warning quotes a name", async () => {
  const name = `x-${"n".repeat(98)}`;
  assert.deepEqual(
    await messagesOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_HEADERS: `${name}=`,
    }),
    [
      `tracehop: OTEL_EXPORTER_OTLP_HEADERS entry 1 ("x-${"n".repeat(62)}"… (100 characters); value not shown) ` +
        "has an empty value: the OTLP exporter drops it, so its requests are sent without that header. Write each " +
        'header as name=value, separated by commas (a "," "=" ";" or "%" in a value percent-encoded: %2C, %3D, %3B, %25)',
    ],
  );
});

test("a spans file path holding a newline, an escape sequence or a bidi override: escaped in the TRACEHOP_SPANS_FILE warning and the spansFile errors", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tracehop-h1-spans-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, `plain${HOSTILE}`);
  writeFileSync(file, "");
  const path = join(file, "spans.jsonl");
  const shownPath = `"${dir}/plain${HOSTILE_SHOWN}/spans.jsonl"`;
  // From the variable, the control character alone refuses it (TRACEHOP_BAD_SPANS_FILE), the path escaped.
  assert.deepEqual(await messagesOf({ TRACEHOP_SPANS_FILE: path }), [
    `tracehop: TRACEHOP_SPANS_FILE=${shownPath} holds a control character: its character ${`${dir}/plain`.length + 1} ` +
      "is U+000A (line feed) (ignored: the default, .tracehop/spans.jsonl, is written instead); remove it from the " +
      "variable, or unset it",
  ]);
  // From the option, the control character is a TypeError, the path escaped (and cut, as describeValue cuts).
  assert.throws(() => resolveWith({ serviceName: "s", spansFile: path }), {
    name: "TypeError",
    message: new RegExp(
      `^tracehop startTracing: options\\.spansFile must not hold a control character or a lone surrogate: its ` +
        `character ${`${dir}/plain`.length + 1} is U\\+000A \\(line feed\\), got "[^\\n\\u001b\\u202e]*"… ` +
        `\\(${path.length} characters\\); remove it$`,
    ),
  });
  // A bidi override alone: the path is checked, and escaped where the error names it.
  const bidiFile = join(dir, "plain\u202egnp.pem");
  writeFileSync(bidiFile, "");
  assert.throws(
    () => resolveWith({ serviceName: "s", spansFile: join(bidiFile, "spans.jsonl") }),
    (error: Error & { reason?: string }) => {
      assert.equal(
        error.message,
        `tracehop startTracing: options.spansFile "${dir}/plain\\u202egnp.pem/spans.jsonl" is under ` +
          `"${dir}/plain\\u202egnp.pem", which is a file, not a ` +
          "folder (no folder can be created there): every span would be lost. Pass the path of a file in a " +
          "writable folder (missing folders are created), or spansFile: false for no spans file",
      );
      return true;
    },
  );
});

test("a spans file the exporter cannot write: the path in the warning and in the system error escaped", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tracehop-h1-spans-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const folder = join(dir, `folder${HOSTILE}`);
  mkdirSync(folder);
  const shown = `"${dir}/folder${HOSTILE_SHOWN}"`;
  resetWarnings();
  const told = await recordWarnings(() =>
    new JsonLinesFileSpanExporter(folder).export(oneSpan(), () => undefined),
  );
  assert.deepEqual(
    told.processWarnings.map(([, message]) => message),
    [
      `tracehop: spans could not be written to the spans file ${shown}: EISDIR: illegal operation on a ` +
        `directory, open ${shown}. Spans written there are lost while this lasts (said once per process); make ` +
        "the path a file in a writable folder (startTracing's spansFile, TRACEHOP_SPANS_FILE), or turn the file " +
        "off (spansFile: false).",
    ],
  );
});

/** One ended span. */
function oneSpan() {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer("unit").startSpan("lost").end();
  return memory.getFinishedSpans();
}

test("OTEL_TRACES_EXPORTER's warning names the spans file spans go to instead by its path, escaped", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tracehop-h1-spans-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A bidi override and other Unicode without a control character (one makes TRACEHOP_SPANS_FILE ignored).
  const path = join(dir, "spans\u202egnp.pem\u00e9.jsonl");
  assert.deepEqual(await messagesOf({ OTEL_TRACES_EXPORTER: "zipkin", TRACEHOP_SPANS_FILE: path }), [
    'tracehop: OTEL_TRACES_EXPORTER value "zipkin" is not supported by startTracing (it knows otlp, console and ' +
      `none); ignored: spans go to the spans file "${dir}/spans\\u202egnp.pem\\u00e9.jsonl" only`,
  ]);
});
