// `tracehop inspect` names what the library drops or ignores without a word of its own: an all-zero
// `_dd.p.tid`, an origin it refuses, the values of a single-valued x-datadog-* field it does not read, a
// tracestate `t.tid` the traceparent overrides, and `ot-baggage-*` headers it does not read at all.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { run } from "./run-cli.js";

/** process.env without the propagation settings (and NODE_OPTIONS) a developer's shell may hold. */
function clean(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith("DD_") || name === "OTEL_PROPAGATORS" || name === "NODE_OPTIONS") delete env[name];
  return env;
}

/** The `--json` report of `carrier`, in a clean environment, with `args` before it. */
function inspect(carrier: unknown, ...args: string[]) {
  const { code, stdout, stderr } = run(
    ["inspect", "--json", ...args, JSON.stringify(carrier)],
    undefined,
    clean(),
  );
  assert.equal(stderr, "");
  return { code, report: JSON.parse(stdout) };
}

const IDS = { "x-datadog-trace-id": "1", "x-datadog-parent-id": "2" };
const TP = "00-640cfd8d00000000000000000000000a-0000000000000002-01";
const MIGRATION = '(docs/migration.md, "From Java dd-trace-ot code")';
const NOT_IN_ORDER = "datadog is not in the extract order (tracecontext), so no x-datadog-* header is read";
const ORIGIN_RULE =
  "an origin is non-empty printable ASCII (0x20-0x7E, the characters of Datadog tag values; dd-trace-java DatadogPTagsCodec)";

describe("tracehop inspect: what the library drops or ignores silently", () => {
  test("an all-zero _dd.p.tid in x-datadog-tags is named as dropped, the other tags kept", () => {
    const { code, report } = inspect({ ...IDS, "x-datadog-tags": "_dd.p.tid=0000000000000000,_dd.p.dm=-4" });
    assert.equal(code, 0);
    assert.deepEqual(report.context.tags, { "_dd.p.dm": "-4" });
    assert.equal(report.context.datadogTid, undefined);
    assert.deepEqual(report.diagnostics, [
      'x-datadog-tags: _dd.p.tid "0000000000000000" is all zeros, no upper half of a trace id, so it is dropped and ' +
        "the other tags kept (Datadog system-tests test_datadog_128_bit_propagation_tid_*); the context itself " +
        "stays valid, its trace id with no upper half from this header",
    ]);
    // Under a header dropped whole, that drop alone is said.
    const whole = inspect({ ...IDS, "x-datadog-tags": "_dd.p.tid=0000000000000000,bad" }).report;
    assert.equal(whole.diagnostics.length, 1);
    assert.match(
      whole.diagnostics[0],
      /^x-datadog-tags dropped whole: a member breaks the key=value grammar/,
    );
    // Not in the extract order: said with what that means.
    const off = inspect(
      { ...IDS, "x-datadog-tags": "_dd.p.tid=0000000000000000", traceparent: TP },
      "--styles",
      "tracecontext",
    );
    assert.ok(
      off.report.diagnostics.includes(
        'x-datadog-tags: _dd.p.tid "0000000000000000" is all zeros, no upper half of a trace id, so it is dropped and ' +
          `the other tags kept (Datadog system-tests test_datadog_128_bit_propagation_tid_*); ${NOT_IN_ORDER}`,
      ),
      off.report.diagnostics.join("\n"),
    );
  });

  test("a _dd.p.dm that is not a decision maker: its value and both forms one has (-<digits>, the legacy <10 hex>-<digits>)", () => {
    const dropped = (value: string) =>
      `x-datadog-tags: _dd.p.dm ${JSON.stringify(value)} is not a decision maker, which is -<digits> (the sampling mechanism, ` +
      "as in -4) or the legacy <10 lowercase hex digits of a service hash>-<digits> (as in 934086a686-4), so it is " +
      "dropped and the other tags kept; the context itself stays valid";
    const bad = inspect({ ...IDS, "x-datadog-tags": "_dd.p.dm=abc" });
    assert.equal(bad.code, 0);
    assert.deepEqual(bad.report.context.tags, {});
    assert.deepEqual(bad.report.diagnostics, [dropped("abc")]);
    // A long value is quoted with its first 80 characters and its length (the length was lost:
    // "<80 characters>…" inside the quotes, which a warning then cut again and miscounted).
    const long = inspect({ ...IDS, "x-datadog-tags": `_dd.p.dm=${"x".repeat(300)}` });
    assert.deepEqual(long.report.diagnostics, [
      dropped("x".repeat(300)).replace(
        JSON.stringify("x".repeat(300)),
        `"${"x".repeat(80)}"… (300 characters)`,
      ),
    ]);
    // The legacy form the message names is one: kept, nothing said.
    const legacy = inspect({ ...IDS, "x-datadog-tags": "_dd.p.dm=934086a686-4" });
    assert.deepEqual(legacy.report.context.tags, { "_dd.p.dm": "934086a686-4" });
    assert.deepEqual(legacy.report.diagnostics, []);
    // After the ", " of a joined header (which the decoder skips), the dm alone is still what is dropped.
    const joined = inspect({ ...IDS, "x-datadog-tags": "_dd.p.tid=640cfd8d00000000, _dd.p.dm=abc" });
    assert.deepEqual(joined.report.context.tags, { "_dd.p.tid": "640cfd8d00000000" });
    assert.deepEqual(joined.report.diagnostics, [dropped("abc")]);
    // An empty value breaks the key=value grammar: the whole header is dropped, not the dm alone.
    const empty = inspect({ ...IDS, "x-datadog-tags": "_dd.p.dm=,_dd.p.tid=640cfd8d00000000" });
    assert.deepEqual(empty.report.context.tags, {});
    assert.equal(empty.report.diagnostics.length, 1);
    assert.match(
      empty.report.diagnostics[0],
      /^x-datadog-tags dropped whole: a member breaks the key=value grammar/,
    );
  });

  test("an empty or non-ASCII x-datadog-origin is named as dropped", () => {
    for (const [origin, why] of [
      ["", "it is empty"],
      [
        "synthé",
        "it holds a character that is not printable ASCII (a control or a non-ASCII character); its character 6 " +
          "is U+00E9, outside printable ASCII",
      ],
    ]) {
      const { code, report } = inspect({ ...IDS, "x-datadog-origin": origin });
      assert.equal(code, 0);
      assert.equal(report.context.origin, undefined);
      assert.deepEqual(report.diagnostics, [
        `x-datadog-origin ${JSON.stringify(origin)} is dropped by the datadog style: ${why}; ${ORIGIN_RULE}; ` +
          "the context takes no origin from it",
      ]);
    }
    // Joined, its first part empty: the rule of joined fields is quoted.
    assert.deepEqual(inspect({ ...IDS, "x-datadog-origin": ", rum" }).report.diagnostics, [
      'x-datadog-origin ", rum" (values joined with commas: the first is read, and none may be empty) is dropped by ' +
        `the datadog style: it is empty; ${ORIGIN_RULE}; the context takes no origin from it`,
    ]);
    // A valid origin: nothing to say.
    assert.deepEqual(inspect({ ...IDS, "x-datadog-origin": "rum" }).report.diagnostics, []);
  });

  test("the values of a joined or repeated x-datadog-* field the datadog style does not read are named", () => {
    const joined = inspect({ ...IDS, "x-datadog-trace-id": "1, 2" }).report;
    assert.equal(joined.context.datadogTraceId, "1");
    assert.deepEqual(joined.diagnostics, [
      'x-datadog-trace-id "1, 2" holds values joined with commas: the datadog style reads the first (as ' +
        'dd-trace-java and dd-trace-js read a joined field), "1"; "2" is ignored; no trace named there is continued or linked',
    ]);
    // An array: its last value is read; of a joined last value, the first part.
    const array = inspect({ ...IDS, "x-datadog-trace-id": ["1", "3, 4"] }).report;
    assert.equal(array.context.datadogTraceId, "3");
    assert.deepEqual(array.diagnostics, [
      'x-datadog-trace-id holds 2 values ("1", "3, 4"): the datadog style reads the last, and of the values joined ' +
        'with commas in it the first (as dd-trace-js reads a repeated field, and dd-trace-java a joined one), "3"; ' +
        '"1", "4" are ignored; no trace named there is continued or linked',
    ]);
    const fields = inspect({
      ...IDS,
      "x-datadog-sampling-priority": "2, -1",
      "x-datadog-origin": ["rum", "synthetics"],
    }).report;
    assert.equal(fields.context.samplingPriority, 2);
    assert.equal(fields.context.origin, "synthetics");
    assert.deepEqual(fields.diagnostics, [
      'x-datadog-sampling-priority "2, -1" holds values joined with commas: the datadog style reads the first (as ' +
        'dd-trace-java and dd-trace-js read a joined field), "2"; "-1" is ignored; only the value read is used',
      'x-datadog-origin holds 2 values ("rum", "synthetics"): the datadog style reads the last (as dd-trace-js ' +
        'reads a repeated field), "synthetics"; "rum" is ignored; only the value read is used',
    ]);
    // The same value repeated loses nothing; an empty part is the style's verdict, not a note.
    assert.deepEqual(inspect({ ...IDS, "x-datadog-trace-id": ["1", "1, 1"] }).report.diagnostics, []);
    const empty = inspect({ ...IDS, "x-datadog-trace-id": "1,,2" });
    assert.equal(empty.code, 1);
    assert.deepEqual(empty.report.diagnostics, []);
    assert.match(empty.report.styles.datadog.detail, /none may be empty/);
  });

  test("a tracestate t.tid that disagrees with the traceparent's upper half is named as ignored", () => {
    const { code, report } = inspect({ traceparent: TP, tracestate: "dd=s:1;t.tid:1111111111111111" });
    assert.equal(code, 0);
    assert.equal(report.context.datadogTid, "640cfd8d00000000");
    assert.deepEqual(report.diagnostics, [
      "tracestate dd= t.tid:1111111111111111 is ignored by the tracecontext style: the upper 64 bits of the " +
        "traceparent's trace id win over it, and they are 640cfd8d00000000 (Datadog system-tests " +
        "test_tracestate_w3c_context_leak); the trace id it gives is the traceparent's",
    ]);
    const zero = inspect({
      traceparent: "00-0000000000000000000000000000000a-0000000000000002-01",
      tracestate: "dd=s:1;t.tid:640cfd8d00000000",
    }).report;
    assert.equal(zero.context.datadogTid, undefined);
    assert.match(zero.diagnostics[0], /they are 0000000000000000 \(no upper half\)/);
    // The same upper half: nothing is lost.
    assert.deepEqual(
      inspect({ traceparent: TP, tracestate: "dd=s:1;t.tid:640cfd8d00000000" }).report.diagnostics,
      [],
    );
  });

  test("an ot-baggage- header with an empty key is named", () => {
    const { code, report } = inspect({ ...IDS, "ot-baggage-": "v", "ot-baggage-k": "w" });
    assert.equal(code, 0);
    assert.deepEqual(report.baggageKeys, ["k"]);
    assert.deepEqual(report.diagnostics, [
      "ot-baggage- is dropped by the datadog style: its baggage key is empty (a key is a token: letters, digits " +
        "and !#$%&'*+-.^_`|~; W3C Baggage §3.2.1.2)",
    ]);
  });

  test("ot-baggage-* headers the datadog style does not read at all are named, with why", () => {
    const entries = { "ot-baggage-k": "v", "ot-baggage-j": "w" };
    // No datadog style in the order.
    const noDatadog = inspect({ traceparent: TP, ...entries }, "--styles", "tracecontext,baggage").report;
    assert.deepEqual(noDatadog.baggageKeys, []);
    assert.deepEqual(noDatadog.diagnostics, [
      "ot-baggage-k, ot-baggage-j not read: the datadog style, which reads ot-baggage-* entries, is not in the " +
        `extract order (tracecontext, baggage), so no baggage is restored from them ${MIGRATION}`,
    ]);
    // A B3 winner.
    const b3 = inspect(
      { "x-b3-traceid": "0000000000000001", "x-b3-spanid": "0000000000000002", ...IDS, "ot-baggage-k": "v" },
      "--styles",
      "b3multi,datadog",
    ).report;
    assert.deepEqual(b3.baggageKeys, []);
    assert.deepEqual(b3.diagnostics, [
      "ot-baggage-k not read: the b3multi context is the one restored, and ot-baggage-* entries are read only " +
        `with the datadog or the tracecontext one, so no baggage is restored from it ${MIGRATION}`,
    ]);
    // No context.
    const none = inspect({ ...entries });
    assert.equal(none.code, 1);
    assert.deepEqual(none.report.diagnostics, [
      "ot-baggage-k, ot-baggage-j not read: this extract order restores no context, and ot-baggage-* entries are " +
        `read only with one, so no baggage is restored from them ${MIGRATION}`,
    ]);
    // Read: with a Datadog or a W3C winner and the datadog style in the order, nothing to say.
    for (const carrier of [
      { ...IDS, ...entries },
      { traceparent: TP, ...entries },
    ]) {
      const read = inspect(carrier).report;
      assert.deepEqual(read.baggageKeys, ["k", "j"]);
      assert.deepEqual(read.diagnostics, []);
    }
  });

  test("--json links carry the reason the text report gives", () => {
    const carrier = { traceparent: TP, "x-datadog-trace-id": "1234", "x-datadog-parent-id": "5678" };
    const { report } = inspect(carrier);
    assert.deepEqual(report.context.links, [
      {
        traceId: "640cfd8d00000000000000000000000a",
        spanId: "0000000000000002",
        style: "tracecontext",
        reason: "terminated_context",
      },
    ]);
    const text = run(["inspect", JSON.stringify(carrier)], undefined, clean());
    assert.match(
      text.stdout,
      /^ {2}link {9}640cfd8d00000000000000000000000a\/0000000000000002 \(tracecontext, terminated_context\)$/m,
    );
  });
});
