// `tracehop inspect` on carriers written by real dd-trace, in-process and through the bin (run-cli.ts).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ddSpanContext, ddTracer } from "../interop/dd-trace-helpers.js";
import { MAIN, run, runBin, runMany, inspectDir } from "./run-cli.js";
import { PROPAGATION_SETTINGS } from "../support/propagation-env.js";

/** A carrier whose tracecontext and datadog headers name different traces: the extract order decides. */
const TWO_TRACES = JSON.stringify({
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  "x-datadog-trace-id": "1234",
  "x-datadog-parent-id": "5678",
});

/** process.env without the propagation settings (and NODE_OPTIONS) a developer's shell may hold. */
function withoutPropagationSettings(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [...PROPAGATION_SETTINGS, "NODE_OPTIONS"]) delete clean[name];
  return clean;
}

describe("tracehop inspect", () => {
  test("main.ts starts with a node shebang (the package bin after npm run build)", () => {
    assert.ok(readFileSync(MAIN, "utf8").startsWith("#!/usr/bin/env node\n"));
  });

  test("on a carrier written by dd-trace it prints the ids dd-trace reports (--json)", () => {
    const span = ddTracer().startSpan("inspect-me");
    span.context()._trace.origin = "synthetics";
    const carrier: Record<string, string> = {};
    ddTracer().inject(span, "text_map", carrier);
    const { code, stdout } = run(["inspect", "--json", JSON.stringify(carrier)]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    const ctx = span.context();
    assert.equal(report.valid, true);
    assert.equal(report.context.traceId, ctx.toTraceId(true));
    assert.equal(report.context.datadogTraceId, ctx.toTraceId());
    assert.equal(report.context.parentId, ctx.toSpanId(true));
    assert.equal(report.context.datadogParentId, ctx.toSpanId());
    assert.equal(report.context.samplingPriority, ctx._sampling.priority);
    assert.equal(report.context.origin, "synthetics");
    assert.equal(report.context.datadogTid, ctx._trace.tags["_dd.p.tid"]);
    assert.equal(report.styles.datadog.status, "valid");
    assert.equal(report.styles.tracecontext.status, "valid");
    span.finish();
  });

  test("a row without a sampling priority is not reported as a keep", () => {
    const { code, stdout } = run([
      "inspect",
      JSON.stringify({ "x-datadog-trace-id": "1234567890", "x-datadog-parent-id": "987654321" }),
    ]);
    assert.equal(code, 0);
    // x-datadog-* headers have no sampled flag: the one the library restores (as --json says,
    // "sampled": true), and the missing priority, are said.
    assert.match(
      stdout,
      /^ {2}sampling {5}sampled flag set \(restored as 01: x-datadog-\* headers carry no flag\), priority not set \(a carrier tracehop writes from it says 1, from the sampled flag; a Datadog tracer reading this row decides by its own sampler\)$/m,
    );
    assert.doesNotMatch(stdout, /keep/);
    const json = run([
      "inspect",
      "--json",
      JSON.stringify({ "x-datadog-trace-id": "1234567890", "x-datadog-parent-id": "987654321" }),
    ]);
    assert.equal(JSON.parse(json.stdout).context.sampled, true);
    // Beside a traceparent of the same trace with flags 00, that traceparent's flag is restored: no 01.
    const withFlags00 = {
      "x-datadog-trace-id": "9532127138774266268",
      "x-datadog-parent-id": "13235353014750950193",
      "x-datadog-tags": "_dd.p.tid=0af7651916cd43dd",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
    };
    assert.match(
      run(["inspect", JSON.stringify(withFlags00)]).stdout,
      /^ {2}sampling {5}sampled flag not set, priority not set \(a carrier tracehop writes from it says 0, from the sampled flag; a Datadog tracer reading this row decides by its own sampler\)$/m,
    );
    assert.equal(
      JSON.parse(run(["inspect", "--json", JSON.stringify(withFlags00)]).stdout).context.sampled,
      false,
    );
  });

  test("a B3 debug flag is priority 2 (user keep), as dd-trace-js reads it; a plain B3 keep has no priority", () => {
    const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SPAN = "00f067aa0ba902b7";
    for (const [styles, carrier] of [
      ["b3", { b3: `${TRACE}-${SPAN}-d` }],
      ["b3multi,datadog", { "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-flags": "1" }],
    ] as const) {
      const { code, stdout } = run(["inspect", "--styles", styles, JSON.stringify(carrier)]);
      assert.equal(code, 0, styles);
      assert.match(stdout, /^ {2}sampling {5}sampled \(keep\), priority 2 \(user keep\)$/m, styles);
      assert.match(stdout, /^ {2}tags {9}_dd\.p\.tid=4bf92f3577b34da6$/m, styles);
      const json = run(["inspect", "--json", "--styles", styles, JSON.stringify(carrier)]);
      assert.equal(JSON.parse(json.stdout).context.samplingPriority, 2, styles);
    }
    const { stdout } = run(["inspect", "--styles", "b3", JSON.stringify({ b3: `${TRACE}-${SPAN}-1` })]);
    assert.match(stdout, /^ {2}sampling {5}sampled flag set, priority not set/m);
  });

  test("each B3 style says which of its headers is missing: no b3 header, no x-b3-* headers", () => {
    const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SPAN = "00f067aa0ba902b7";
    const styles = (carrier: Record<string, string>) =>
      JSON.parse(run(["inspect", "--json", JSON.stringify(carrier)]).stdout).styles;
    const single = styles({ b3: `${TRACE}-${SPAN}-1` });
    assert.equal(single.b3.status, "valid");
    assert.deepEqual(single.b3multi, { status: "absent", detail: "no x-b3-* headers" });
    const multi = styles({ "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-sampled": "1" });
    assert.equal(multi.b3multi.status, "valid");
    assert.deepEqual(multi.b3, { status: "absent", detail: "no b3 header" });
    // A span id without a trace id is rejected, as a Datadog parent id alone is; a sampling state alone is
    // B3's decision without ids.
    assert.deepEqual(styles({ "x-b3-spanid": SPAN, "x-b3-sampled": "1" }).b3multi, {
      status: "rejected",
      detail: "no x-b3-traceid header: x-b3-spanid alone names no trace",
    });
    assert.deepEqual(styles({ "x-b3-sampled": "0" }).b3multi, {
      status: "absent",
      detail: "no x-b3-traceid or x-b3-spanid: x-b3-sampled alone is a sampling decision without a trace",
    });
  });

  test("a rejected B3 style names the header, what it held and the form accepted", () => {
    const TRACE = "80f198ee56343ba864fe8b2a57d3eff7";
    const SPAN = "e457b5a2e4d86bd1";
    const styles = (carrier: object) => {
      const { code, stdout } = run(["inspect", "--json", "--styles", "b3,b3multi", JSON.stringify(carrier)]);
      assert.equal(code, 1, JSON.stringify(carrier));
      return JSON.parse(stdout).styles as Record<string, { status: string; detail: string }>;
    };
    const multi = (carrier: object) => {
      const { b3, b3multi } = styles(carrier);
      assert.deepEqual(b3, { status: "absent", detail: "no b3 header" });
      assert.equal(b3multi!.status, "rejected");
      return b3multi!.detail;
    };
    const single = (b3: unknown) => {
      const { b3: verdict, b3multi } = styles({ b3 });
      assert.deepEqual(b3multi, { status: "absent", detail: "no x-b3-* headers" });
      assert.equal(verdict!.status, "rejected");
      return verdict!.detail;
    };
    const DOC = 'docs/conformance.md, "B3 styles"';
    // Unpadded hex ids: refused, as dd-trace-js refuses them; the reason gives the padded id.
    assert.equal(
      multi({ "x-b3-traceid": "4d2", "x-b3-spanid": "ff", "x-b3-sampled": "1" }),
      `x-b3-traceid "4d2" is 3 hex digits, not 16 or 32: B3 ids are zero-padded (00000000000004d2), and an unpadded one is refused, as dd-trace-js refuses it (${DOC})`,
    );
    assert.equal(
      multi({ "x-b3-traceid": TRACE, "x-b3-spanid": "FF", "x-b3-sampled": "1" }),
      `x-b3-spanid "FF" is 2 hex digits, not 16: B3 ids are zero-padded (00000000000000ff), and an unpadded one is refused, as dd-trace-js refuses it (${DOC})`,
    );
    assert.equal(
      multi({ "x-b3-traceid": `${TRACE}00`, "x-b3-spanid": SPAN }),
      `x-b3-traceid "${TRACE}00" is 34 hex digits, not 16 or 32: a B3 trace id is 16 or 32 hex digits, any case (${DOC})`,
    );
    assert.equal(
      multi({ "x-b3-traceid": TRACE, "x-b3-spanid": `${SPAN}-` }),
      `x-b3-spanid "${SPAN}-" has a character that is not a hex digit: a B3 span id is 16 hex digits, any case (${DOC})`,
    );
    assert.equal(
      multi({ "x-b3-traceid": "0".repeat(16), "x-b3-spanid": SPAN }),
      'x-b3-traceid "0000000000000000" is all zeros, which names no trace',
    );
    assert.equal(
      multi({ "x-b3-traceid": TRACE }),
      "no x-b3-spanid header: x-b3-traceid alone names no parent span",
    );
    // A span id the carrier reader refuses: the rule it breaks, as for a Datadog id.
    assert.equal(
      multi({ "x-b3-traceid": TRACE, "x-b3-spanid": "1".repeat(16385) }),
      "x-b3-spanid is 16385 characters, over the carrier reader's limit of 16384 characters for one value, so it is ignored",
    );
    // A boolean is read as its text, judged as that string; a structure as an invalid value.
    assert.equal(
      multi({ "x-b3-traceid": TRACE, "x-b3-spanid": { a: 1 } }),
      `x-b3-spanid (a JSON object or array, read as an invalid value) has a character that is not a hex digit: a B3 span id is 16 hex digits, any case (${DOC})`,
    );
    assert.equal(
      multi({ "x-b3-traceid": TRACE, "x-b3-spanid": true }),
      `x-b3-spanid "true" has a character that is not a hex digit: a B3 span id is 16 hex digits, any case (${DOC})`,
    );
    assert.equal(
      multi({ "x-b3-traceid": [" ", TRACE], "x-b3-spanid": SPAN }),
      `x-b3-traceid " " (the first of 2 values: the B3 styles read the first) is empty: a B3 trace id is 16 or 32 hex digits, any case (${DOC})`,
    );
    // A sampling state the propagator does not read (without x-b3-flags: 1, which decides instead).
    assert.equal(
      multi({ "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-sampled": "2" }),
      'x-b3-sampled "2" is not a sampling state: 1 (accept) or 0 (deny), true/True and false/False read as those, ' +
        'or no x-b3-sampled for the receiver to decide (openzipkin/b3-propagation, "Sampling State")',
    );
    const FORM =
      '{traceid}-{spanid}[-{sampled}[-{parentspanid}]] (openzipkin/b3-propagation, "Single Header")';
    assert.equal(
      single(`${TRACE}-${SPAN}-x`),
      `b3 "${TRACE}-${SPAN}-x": its sampling state "x" is not 0 (deny), 1 (accept) or d (debug; D is read as 1); a b3 header is ${FORM}`,
    );
    // A parent span id without the sampling state before it.
    assert.equal(
      single(`${TRACE}-${SPAN}-${SPAN}`),
      `b3 "${TRACE}-${SPAN}-${SPAN}": its sampling state "${SPAN}" is not 0 (deny), 1 (accept) or d (debug; D is read as 1), which comes before a parent span id; a b3 header is ${FORM}`,
    );
    assert.equal(
      single(`4d2-${SPAN}-1`),
      `b3 "4d2-${SPAN}-1": its trace id "4d2" is 3 hex digits, not 16 or 32: B3 ids are zero-padded (00000000000004d2), and an unpadded one is refused, as dd-trace-js refuses it (${DOC})`,
    );
    assert.equal(
      single(`${TRACE}-${"0".repeat(16)}`),
      `b3 "${TRACE}-0000000000000000": its span id "0000000000000000" is all zeros, which names no span`,
    );
    assert.equal(
      single(`${TRACE}-${SPAN}-1-zz`),
      `b3 "${TRACE}-${SPAN}-1-zz": its parent span id "zz" has a character that is not a hex digit: a B3 parent span id is 16 hex digits, any case (${DOC})`,
    );
    assert.equal(
      single("1"),
      `b3 "1" is a sampling state alone, without ids: it gives no context; a b3 header with ids is ${FORM}`,
    );
    assert.equal(
      single(`${TRACE}-${SPAN}-1-${SPAN}-1`),
      `b3 "${TRACE}-${SPAN}-1-${SPAN}-1" has 5 fields, not 2 to 4: a b3 header is ${FORM}`,
    );
    assert.equal(single(""), `b3 "" is empty: a b3 header is ${FORM}`);
    assert.equal(
      single(["x", `${TRACE}-${SPAN}`]),
      `b3 "x" (the first of 2 values: the B3 styles read the first) has 1 field, not 2 to 4: a b3 header is ${FORM}`,
    );
  });

  test("_dd.parent_id is the tracestate's last Datadog span, in hex and Datadog decimal", () => {
    const { code, stdout } = run([
      "inspect",
      JSON.stringify({
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        tracestate: "dd=p:00f067aa0ba902b7;s:1",
        "x-datadog-trace-id": "9532127138774266268",
        "x-datadog-parent-id": "1234",
        "x-datadog-sampling-priority": "1",
      }),
    ]);
    assert.equal(code, 0);
    assert.match(
      stdout,
      /^ {2}parent id {4}b7ad6b7169203331 .*\n {15}_dd\.parent_id=00f067aa0ba902b7 {2}\(hex\) {2}67667974448284343 {2}\(Datadog decimal\): the last Datadog span before this W3C parent \(tracestate dd=p:\)$/m,
    );
  });

  test("a Synthetics row whose traceparent names another parent of the same trace: the W3C parent, and _dd.parent_id 0 explained", () => {
    const { code, stdout } = run([
      "inspect",
      JSON.stringify({
        "x-datadog-trace-id": "1234567890",
        "x-datadog-parent-id": "0",
        "x-datadog-sampling-priority": "1",
        "x-datadog-origin": "synthetics",
        traceparent: "00-000000000000000000000000499602d2-539116310397210c-01",
      }),
    ]);
    assert.equal(code, 0);
    assert.match(
      stdout,
      /^ {2}parent id {4}539116310397210c {2}\(hex\) {2}6021618576540508428 {2}\(Datadog decimal\)$/m,
    );
    assert.match(
      stdout,
      /^ {2}parent id {4}539116310397210c .*\n {15}_dd\.parent_id=0000000000000000 {2}\(the Datadog headers named no parent span, parent id 0; the W3C parent is used\)$/m,
    );
  });

  test("the row as stored under DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=ignore/restart, with a note", () => {
    const carrier = JSON.stringify({
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    for (const behavior of ["ignore", "restart"]) {
      const { code, stdout } = run(["inspect", "--json", carrier], undefined, {
        ...process.env,
        DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT: behavior,
      });
      assert.equal(code, 0);
      const report = JSON.parse(stdout);
      assert.equal(report.context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
      assert.equal(report.extractBehavior, behavior);
      assert.equal(report.styles.tracecontext.status, "valid");
      assert.ok(
        report.diagnostics.some((line: string) =>
          line.startsWith(
            `DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=${behavior} here: shown is what the row holds`,
          ),
        ),
        JSON.stringify(report.diagnostics),
      );
    }
  });

  test("diagnostics name the rule in words or a section of the docs, never research notes users lack", () => {
    const carrier = JSON.stringify({
      "x-datadog-trace-id": "1234",
      "x-datadog-parent-id": "5678",
      "x-datadog-tags": "_dd.p.dm=-4,bad",
    });
    const { code, stdout } = run(["inspect", "--json", carrier], undefined, {
      ...process.env,
      DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT: "restart",
    });
    assert.equal(code, 0);
    const { diagnostics } = JSON.parse(stdout);
    assert.deepEqual(diagnostics, [
      "x-datadog-tags dropped whole: a member breaks the key=value grammar (an empty key, an empty value, no =, a space in a key, or a character outside printable ASCII) " +
        '(docs/conformance.md, "Datadog propagation: where tracehop differs from dd-trace-js"); the context itself stays valid',
      "DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT=restart here: shown is what the row holds; a service with this setting " +
        'starts a new trace linked to it (docs/migration.md, "Configuration")',
    ]);
    const long = run([
      "inspect",
      JSON.stringify({
        "x-datadog-trace-id": "1234",
        "x-datadog-parent-id": "5678",
        "x-datadog-tags": "_dd.p.x=" + "a".repeat(600),
      }),
    ]);
    assert.match(
      long.stdout,
      /x-datadog-tags dropped whole: 608 characters, over the limit of 512 \(DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH/,
    );
    assert.doesNotMatch(stdout + long.stdout, /research|rules? \d/);
  });

  test("without --styles, the extract order a service in this environment uses, and where it came from", () => {
    const carrier = TWO_TRACES;
    const clean = withoutPropagationSettings();
    const first = (env: NodeJS.ProcessEnv, args: string[] = []) => {
      const { code, stdout } = run(["inspect", ...args, carrier], undefined, { ...clean, ...env });
      return { code, line: stdout.split("\n")[0] };
    };
    assert.deepEqual(first({}), {
      code: 0,
      line: "valid context (extract order datadog, tracecontext, baggage, the default; datadog wins)",
    });
    assert.deepEqual(first({ OTEL_PROPAGATORS: "tracecontext,baggage" }), {
      code: 0,
      line: "valid context (extract order tracecontext, baggage from OTEL_PROPAGATORS; tracecontext wins)",
    });
    assert.deepEqual(
      first({
        OTEL_PROPAGATORS: "b3",
        DD_TRACE_PROPAGATION_STYLE: "datadog",
        DD_TRACE_PROPAGATION_STYLE_EXTRACT: "tracecontext",
      }),
      {
        code: 0,
        line: "valid context (extract order tracecontext from DD_TRACE_PROPAGATION_STYLE_EXTRACT; tracecontext wins)",
      },
    );
    assert.deepEqual(
      first({ DD_TRACE_PROPAGATION_STYLE: "datadog" }).line,
      "valid context (extract order datadog from DD_TRACE_PROPAGATION_STYLE; datadog wins)",
    );
    assert.deepEqual(first({ OTEL_PROPAGATORS: "b3" }, ["--styles", "tracecontext"]), {
      code: 0,
      line: "valid context (extract order tracecontext from --styles; tracecontext wins)",
    });
    // A variable that names no known style: nothing is extracted, as the library warns.
    const none = run(["inspect", "--json", carrier], undefined, { ...clean, OTEL_PROPAGATORS: "w3c" });
    assert.equal(none.code, 1);
    const report = JSON.parse(none.stdout);
    assert.deepEqual([report.extractOrder, report.extractOrderSource], [[], "OTEL_PROPAGATORS"]);
    assert.deepEqual(report.diagnostics, [
      'OTEL_PROPAGATORS="w3c" names no style tracehop reads, so nothing is extracted; "w3c" is skipped: W3C Trace Context is tracecontext; write OTEL_PROPAGATORS=tracecontext',
      "datadog, tracecontext are valid (see styles) but not in the extract order (none, from OTEL_PROPAGATORS), so this " +
        "order restores nothing from the row; to restore it, set DD_TRACE_PROPAGATION_STYLE_EXTRACT=datadog,tracecontext " +
        "(read before OTEL_PROPAGATORS, and for extraction alone; OTEL_PROPAGATORS=datadog,tracecontext instead also makes " +
        "a service inject them)",
    ]);
    // Said once, in the report: not again as the library's process warning on stderr.
    assert.doesNotMatch(none.stderr, /Warning/);
  });

  test("dd-trace-java's DD_PROPAGATION_STYLE_EXTRACT: the order a service uses; a diagnostic, read or not", () => {
    // A row a dd-trace-ot writer configured with DD_PROPAGATION_STYLE_INJECT=B3 stored.
    const b3Row = JSON.stringify({
      "x-b3-traceid": "463ac35c9f6413ad48485a3953bb6124",
      "x-b3-spanid": "a2fb4a1d1a96d312",
      "x-b3-sampled": "1",
    });
    const inspect = (env: NodeJS.ProcessEnv) => {
      const result = run(["inspect", "--json", b3Row], undefined, {
        ...withoutPropagationSettings(),
        ...env,
      });
      return { code: result.code, report: JSON.parse(result.stdout), stderr: result.stderr };
    };
    const read = inspect({ DD_PROPAGATION_STYLE_EXTRACT: "Datadog,B3" });
    assert.equal(read.code, 0);
    assert.deepEqual(
      [read.report.extractOrder, read.report.extractOrderSource, read.report.context.parentId],
      [["datadog", "b3", "b3multi"], "DD_PROPAGATION_STYLE_EXTRACT", "a2fb4a1d1a96d312"],
    );
    assert.deepEqual(read.report.diagnostics, [
      'DD_PROPAGATION_STYLE_EXTRACT="Datadog,B3" is deprecated; it is read as datadog, b3, b3multi, as ' +
        "dd-trace-java reads it when no DD_TRACE_PROPAGATION_STYLE_EXTRACT, DD_TRACE_PROPAGATION_STYLE " +
        "or OTEL_PROPAGATORS is set; set " +
        'DD_TRACE_PROPAGATION_STYLE_EXTRACT="datadog,b3 single header,b3multi" instead',
    ]);
    assert.doesNotMatch(read.stderr, /Warning/);
    // Overridden: not used, and the report says so (not prefixed with the variable that wins).
    const overridden = inspect({
      DD_PROPAGATION_STYLE_EXTRACT: "b3",
      DD_TRACE_PROPAGATION_STYLE: "datadog",
    });
    assert.equal(overridden.code, 1);
    assert.deepEqual(
      [overridden.report.extractOrder, overridden.report.extractOrderSource],
      [["datadog"], "DD_TRACE_PROPAGATION_STYLE"],
    );
    assert.deepEqual(overridden.report.diagnostics, [
      'DD_PROPAGATION_STYLE_EXTRACT="b3" is deprecated and not used: DD_TRACE_PROPAGATION_STYLE is set ' +
        "and " +
        "wins, as in dd-trace-java; remove DD_PROPAGATION_STYLE_EXTRACT",
      // The b3multi row, which the order that wins does not read.
      "b3multi is valid (see styles) but not in the extract order (datadog, from DD_TRACE_PROPAGATION_STYLE), " +
        "so this order restores nothing from the row; to restore it, set " +
        "DD_TRACE_PROPAGATION_STYLE_EXTRACT=datadog,b3multi (read before DD_TRACE_PROPAGATION_STYLE, and for " +
        "extraction alone; DD_TRACE_PROPAGATION_STYLE=datadog,b3multi instead also makes a service inject b3multi)",
    ]);
  });

  test("text output from a file names both id forms; stdin works too", (t) => {
    const ctx = ddSpanContext({
      traceIdHigh: "640cfd8d00000000",
      traceIdLow: "abcdefab12345678",
      spanId: "000000003ade68b1",
      priority: 2,
      origin: "rum",
      decisionMaker: "-4",
    });
    const carrier: Record<string, string> = {};
    ddTracer().inject(ctx, "text_map", carrier);
    const file = join(inspectDir(t), "row.json");
    writeFileSync(file, JSON.stringify(carrier));
    for (const result of [run(["inspect", file]), run(["inspect", "-"], JSON.stringify(carrier))]) {
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /trace id\s+640cfd8d00000000abcdefab12345678/);
      assert.match(
        result.stdout,
        /12379814468735227512 {2}\(Datadog decimal, low 64 bits\) \+ _dd\.p\.tid=640cfd8d00000000/,
      );
      assert.match(result.stdout, /parent id\s+000000003ade68b1 {2}\(hex\) {2}987654321/);
      assert.match(result.stdout, /priority 2 \(user keep\)/);
      assert.match(result.stdout, /origin\s+rum/);
    }
  });

  test("header values that are base64 of valid ones (Buffers stored through JSON): the reason says so", () => {
    // kafkajs-style Buffer values written to a Prisma Json column come back as base64 text; extraction
    // never guesses them back (a guess on the hot path), inspect says what happened.
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const base64 = (text: string) => Buffer.from(text).toString("base64");
    const stored = {
      traceparent: base64(traceparent),
      "x-datadog-trace-id": base64("9532127138774266268"),
      "x-datadog-parent-id": base64("13235353014750950193"),
    };
    assert.equal(
      stored.traceparent,
      "MDAtMGFmNzY1MTkxNmNkNDNkZDg0NDhlYjIxMWM4MDMxOWMtYjdhZDZiNzE2OTIwMzMzMS0wMQ==",
    );
    const result = run(["inspect", JSON.stringify(stored)]);
    assert.equal(result.code, 1);
    const advice =
      "a Buffer stored through JSON; store captureCarrier()/writeCarrierToHeaders output, strings, not Buffers";
    const line = (style: string) =>
      result.stdout.split("\n").find((l) => l.trimStart().startsWith(style)) ?? "";
    assert.equal(
      line("tracecontext").trim(),
      `tracecontext rejected traceparent "${stored.traceparent}" is not version-traceid-parentid-flags (W3C Trace ` +
        `Context §3.2.2); it looks like base64 of a traceparent ("${traceparent}"): ${advice}`,
    );
    assert.equal(
      line("datadog").trim(),
      `datadog      rejected x-datadog-trace-id "${stored["x-datadog-trace-id"]}" is not an unsigned 64-bit decimal ` +
        `(1-20 digits, <= 18446744073709551615); it looks like base64 of an x-datadog-trace-id ` +
        `("9532127138774266268"): ${advice}`,
    );
    // Base64 of something that is no header value, and text that is no base64, say nothing more.
    const other = run([
      "inspect",
      JSON.stringify({ traceparent: base64("hello there"), "x-datadog-trace-id": "abcd" }),
    ]);
    assert.doesNotMatch(other.stdout, /looks like base64/);
    const parent = run([
      "inspect",
      JSON.stringify({ "x-datadog-trace-id": "1", "x-datadog-parent-id": stored["x-datadog-parent-id"] }),
    ]);
    assert.match(parent.stdout, /it looks like base64 of an x-datadog-parent-id \("13235353014750950193"\)/);
  });

  test("exit 1 with the reason per style when no context is valid; numeric ids beyond 2^53 are refused as a restore refuses them, with their digits as written", () => {
    const rejected = run([
      "inspect",
      '{"x-datadog-trace-id":"0","x-datadog-parent-id":"1","traceparent":"ff-x"}',
    ]);
    assert.equal(rejected.code, 1);
    assert.match(rejected.stdout, /datadog\s+rejected\s+x-datadog-trace-id is 0/);
    // An 11-digit priority is an integer, over the limit: the reason says which limit.
    const priority = run([
      "inspect",
      '{"x-datadog-trace-id":"1","x-datadog-parent-id":"2","x-datadog-sampling-priority":"99999999999"}',
    ]);
    assert.equal(priority.code, 1);
    assert.match(
      priority.stdout,
      /datadog\s+rejected\s+x-datadog-sampling-priority "99999999999" is not an integer of at most 10 digits \(not counting a sign and leading zeros\)/,
    );
    assert.match(rejected.stdout, /tracecontext\s+rejected/);
    // A repeated field joined with commas: the stored text and the rule, not the empty part that was read.
    const joined = run(["inspect", '{"x-datadog-trace-id":"1,,1","x-datadog-parent-id":"5"}']);
    assert.equal(joined.code, 1);
    assert.match(
      joined.stdout,
      /datadog\s+rejected\s+x-datadog-trace-id "1,,1" \(values joined with commas: the first is read, and none may be empty\) is not an unsigned 64-bit decimal/,
    );
    const numeric = run([
      "inspect",
      "--json",
      '{"x-datadog-trace-id":7660829067201366963,"x-datadog-parent-id":1}',
    ]);
    // Refused, as a restore of what JSON.parse reads refuses it; the digits as written are said.
    assert.equal(numeric.code, 1);
    const report = JSON.parse(numeric.stdout);
    assert.equal(report.valid, false);
    assert.equal(report.context, undefined);
    assert.match(
      report.diagnostics[0],
      /7660829067201366963, beyond 2\^53: refused, as a restore refuses it .*gets it rounded to 7660829067201367040\).*the id 6a50bb72a3864bb3 in hex/,
    );
  });

  test("a Datadog id the carrier reader kept no value of: missing (the rule, and which tracers differ), its JSON type, and the diagnostics only where one is printed", () => {
    const datadog = (carrier: string) => {
      const { code, stdout } = run(["inspect", "--json", carrier]);
      assert.equal(code, 1, carrier);
      const report = JSON.parse(stdout);
      return { detail: report.styles.datadog.detail as string, diagnostics: report.diagnostics as string[] };
    };
    // Missing: no diagnostic at all, and the verdict says so plainly, without pointing to one.
    const missingParent = datadog('{"x-datadog-trace-id":"1234"}');
    assert.equal(
      missingParent.detail,
      "no x-datadog-parent-id header: a trace id without a parent id gives no context, as in dd-trace-js " +
        '(dd-trace-java and dd-trace-py accept it as parent 0, a trace without a parent span; x-datadog-parent-id "0" is read so here too)',
    );
    assert.deepEqual(missingParent.diagnostics, []);
    const missingTrace = datadog('{"x-datadog-parent-id":"1"}');
    assert.equal(
      missingTrace.detail,
      "no x-datadog-trace-id header: x-datadog-parent-id alone names no trace",
    );
    assert.deepEqual(missingTrace.diagnostics, []);
    const empty = datadog('{"x-datadog-trace-id":"1234","x-datadog-parent-id":[]}');
    assert.equal(empty.detail, "x-datadog-parent-id is an empty array: it holds no value");
    assert.deepEqual(empty.diagnostics, []);
    // Null: no value, and the carrier reader's diagnostic, which is printed.
    const nullId = datadog('{"x-datadog-trace-id":"1234","x-datadog-parent-id":null}');
    assert.equal(
      nullId.detail,
      "x-datadog-parent-id is null, not a string: the carrier reader ignores it (see the diagnostics)",
    );
    assert.deepEqual(nullId.diagnostics, [
      "x-datadog-parent-id is ignored by the carrier reader: its value is null; a carrier value is a string (or an array of strings)",
    ]);
    // A boolean or a number is read as its text and judged as that string; a structure is an invalid
    // value. Each with a diagnostic saying how it was read.
    const boolean = datadog('{"x-datadog-trace-id":"1234","x-datadog-parent-id":true}');
    assert.equal(
      boolean.detail,
      'x-datadog-parent-id "true" is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)',
    );
    assert.deepEqual(boolean.diagnostics, [
      'x-datadog-parent-id: stored as the JSON boolean true, it is read as its text "true", judged as that string; carriers hold strings: store it as a string',
    ]);
    const object = datadog('{"x-datadog-trace-id":"1234","x-datadog-parent-id":{"a":1}}');
    assert.equal(
      object.detail,
      "x-datadog-parent-id (a JSON object or array, read as an invalid value) is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)",
    );
    assert.deepEqual(object.diagnostics, [
      "x-datadog-parent-id: stored as a JSON object or array, it is read as an invalid value, never as a missing one; carriers hold strings: store it as a string",
    ]);
    // An integer in exponent form has no digits to read exactly: rounded, and refused.
    const rounded = datadog('{"x-datadog-trace-id":1.2345678901234567890e19,"x-datadog-parent-id":"1"}');
    assert.equal(
      rounded.detail,
      "x-datadog-trace-id is a JSON number beyond 2^53, which JSON readers round: the carrier reader ignores it (see the diagnostics)",
    );
    assert.match(
      rounded.diagnostics[0]!,
      /^x-datadog-trace-id is stored as the JSON number 1.2345678901234567890e19, beyond 2\^53/,
    );
    // Past the largest double (1e400, read as Infinity): said as too large, not as the text "Infinity" (trial t9).
    const huge = datadog('{"x-datadog-trace-id":"1234","x-datadog-parent-id":1e400}');
    assert.equal(
      huge.detail,
      "x-datadog-parent-id is a JSON number too large for JSON readers (read as Infinity): the carrier reader ignores it (see the diagnostics)",
    );
    assert.deepEqual(huge.diagnostics, [
      "x-datadog-parent-id is stored as the JSON number 1e400, too large for JSON readers (read as Infinity): it is no id and is refused; store ids as decimal strings",
    ]);
    // A fraction is no id: read as its text, which is no decimal id.
    const fraction = datadog('{"x-datadog-trace-id":"1234","x-datadog-parent-id":1.5}');
    assert.equal(
      fraction.detail,
      'x-datadog-parent-id "1.5" is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)',
    );
    assert.deepEqual(fraction.diagnostics, [
      'x-datadog-parent-id is stored as a JSON number (1.5) that is not a safe integer; it is read as its text "1.5" and judged as that string; store it as a string',
    ]);
    // A priority of any kind but text: invalid, as the text "1.5" is (the whole Datadog context dropped).
    const priority = datadog(
      '{"x-datadog-trace-id":"1234","x-datadog-parent-id":"1","x-datadog-sampling-priority":-1.5}',
    );
    assert.equal(
      priority.detail,
      'x-datadog-sampling-priority "-1.5" is not an integer of at most 10 digits (not counting a sign and leading zeros)',
    );
    assert.deepEqual(priority.diagnostics, [
      'x-datadog-sampling-priority is stored as a JSON number (-1.5) that is not a safe integer; it is read as its text "-1.5" and judged as that string (an invalid priority drops the Datadog context); store it as a string',
    ]);
    const priorityObject = datadog(
      '{"x-datadog-trace-id":"1234","x-datadog-parent-id":"1","x-datadog-sampling-priority":{}}',
    );
    assert.equal(
      priorityObject.detail,
      "x-datadog-sampling-priority (a JSON object or array, read as an invalid value) is not an integer of at most 10 digits (not counting a sign and leading zeros)",
    );
    assert.deepEqual(priorityObject.diagnostics, [
      'x-datadog-sampling-priority: stored as a JSON object or array, it is read as an invalid value, never as a missing one (an invalid priority drops the Datadog context, as the text "1.5" does); carriers hold strings: store it as a string',
    ]);
    const tooLong = datadog(
      JSON.stringify({ "x-datadog-trace-id": "1", "x-datadog-parent-id": "1".repeat(16385) }),
    );
    assert.equal(
      tooLong.detail,
      "x-datadog-parent-id is 16385 characters, over the carrier reader's limit of 16384 characters for one value, so it is ignored",
    );
    assert.match(
      tooLong.diagnostics[0]!,
      /^x-datadog-parent-id is ignored by the carrier reader: its value is 16385 characters/,
    );
    const array = datadog('{"x-datadog-trace-id":"1","x-datadog-parent-id":[null,null]}');
    assert.equal(
      array.detail,
      "x-datadog-parent-id holds no value the carrier reader keeps (see the diagnostics)",
    );
    assert.match(
      array.diagnostics[0]!,
      /^x-datadog-parent-id is ignored by the carrier reader: value 1: its value is null/,
    );
  });

  test("a command or option value the user typed is quoted back by the one rule: a look-alike or invisible character escaped, a long value cut", () => {
    const firstLine = (args: string[]) => {
      const { code, stderr } = run(args);
      assert.equal(code, 2);
      return stderr.slice(0, stderr.indexOf("\n"));
    };
    assert.equal(
      firstLine(["insp\u0435ct", "{}"]),
      'tracehop: unknown command "insp\\u0435ct"; did you mean inspect?',
    );
    assert.match(
      firstLine(["inspect", "--array", "r\u043ews", "{}"]),
      /, got "r\\u043ews": how one JSON array/,
    );
    assert.match(
      firstLine(["inspect", "--field", "a", "--field", `a\u200b${"x".repeat(100_000)}`, "{}"]),
      /--field is given twice, as "a" and "a\\u200bx{38}"… \(100002 characters\): give it once$/,
    );
  });

  test("exit 2 on usage and input errors", () => {
    assert.equal(run(["inspect"]).code, 2);
    assert.equal(run(["inspect", "{not json"]).code, 2);
    assert.equal(run(["inspect", "[]"]).code, 2);
    assert.equal(run(["inspect", "/nonexistent/row.json"]).code, 2);
    assert.equal(run(["inspect", "--styles", "datdog", "{}"]).code, 2);
    const unknown = run(["frobnicate"]);
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      'tracehop: unknown command "frobnicate"; the commands are inspect and spans\ntracehop --help shows the usage\n',
    );
    assert.match(run([]).stderr, /^tracehop: no command given; the commands are inspect and spans\n/);
    assert.equal(run(["--help"]).code, 0);
    // --version prints the package's version, before or after the command.
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    for (const args of [["--version"], ["-V"], ["inspect", "--version"]]) {
      const printed = run(args);
      assert.deepEqual(
        [printed.code, printed.stdout, printed.stderr],
        [0, `tracehop ${version}\n`, ""],
        args.join(" "),
      );
    }
    // The settings inspect reads are named in --help.
    const help = run(["inspect", "--help"]);
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /\nenvironment: besides the extract order, what a service here would use is read as the library reads\nit: DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT, DD_TRACE_PROPAGATION_EXTRACT_FIRST and\nDD_TRACE_X_DATADOG_TAGS_MAX_LENGTH;/,
    );
  });
});

describe("tracehop help", () => {
  test("help prints the whole usage, help inspect inspect's (as --help: stdout, exit 0); a near miss is the usual usage error", () => {
    const usage = run(["--help"]);
    assert.equal(usage.code, 0);
    for (const args of [["help"], ["help", "help"]]) {
      assert.deepEqual(run(args), usage, args.join(" "));
    }
    // help inspect: inspect's usage alone, as inspect --help; the whole usage starts with it.
    const inspectUsage = run(["help", "inspect"]);
    assert.deepEqual(run(["inspect", "--help"]), inspectUsage);
    assert.match(inspectUsage.stdout, /^usage: tracehop inspect /);
    assert.doesNotMatch(inspectUsage.stdout, /usage: tracehop spans/);
    assert.ok(
      usage.stdout.startsWith(inspectUsage.stdout.trimEnd()),
      "the whole usage starts with inspect's",
    );
    const top = "tracehop --help shows the usage\n";
    const cases: [args: string[], stderr: string][] = [
      [["help", "inspct"], `tracehop: unknown command "inspct"; did you mean inspect?\n${top}`],
      [["help", "INSPECT"], `tracehop: unknown command "INSPECT"; did you mean inspect?\n${top}`],
      [
        ["help", "frobnicate"],
        `tracehop: unknown command "frobnicate"; the commands are inspect and spans\n${top}`,
      ],
      [["hepl"], `tracehop: unknown command "hepl"; did you mean help?\n${top}`],
      [
        ["help", "inspect", "{}"],
        `tracehop: help takes at most one command, got 2 arguments: "inspect" "{}"; write tracehop help inspect or tracehop help spans\n${top}`,
      ],
    ];
    for (const [args, stderr] of cases) {
      assert.deepEqual(run(args), { code: 2, stdout: "", stderr }, args.join(" "));
    }
  });
});

describe("tracehop: a usage error (the bin, as a user runs it)", () => {
  test("is its one line (with a did-you-mean for a near option or command) and where the usage is, on standard error, exit 2; --help is the whole usage on standard output, exit 0", () => {
    const top = "tracehop --help shows the usage\n";
    const inspect = "tracehop inspect --help shows the usage\n";
    const cases: [args: string[], stderr: string][] = [
      [["--versoin"], `tracehop: unknown option --versoin; did you mean --version?\n${top}`],
      [["-v"], `tracehop: unknown option -v; did you mean -V?\n${top}`],
      [["inspct", "{}"], `tracehop: unknown command "inspct"; did you mean inspect?\n${top}`],
      [["frobnicate"], `tracehop: unknown command "frobnicate"; the commands are inspect and spans\n${top}`],
      [[], `tracehop: no command given; the commands are inspect and spans\n${top}`],
      [
        ["--json", "{}"],
        `tracehop: --json is an option of inspect; write tracehop inspect --json ...\n${inspect}`,
      ],
      [
        ["--feild", "carrier", "{}"],
        `tracehop: unknown option --feild; did you mean tracehop inspect --field?\n${inspect}`,
      ],
      [
        ["inspect", "--feild", "carrier", "{}"],
        `tracehop inspect: unknown option --feild; did you mean --field?\n${inspect}`,
      ],
      [
        ["inspect", "--feild=carrier", "{}"],
        `tracehop inspect: unknown option --feild=carrier; did you mean --field=carrier?\n${inspect}`,
      ],
      [
        ["inspect", "--jsno", "{}"],
        `tracehop inspect: unknown option --jsno; did you mean --json?\n${inspect}`,
      ],
      [
        ["inspect", "--versoin"],
        `tracehop inspect: unknown option --versoin; did you mean --version?\n${inspect}`,
      ],
      [
        ["inspect", "--colour", "{}"],
        `tracehop inspect: unknown option --colour; the options are --json, --styles, --field, --array, --help, --version\n${inspect}`,
      ],
      [
        ["inspect", "--array", "vaule", "{}"],
        'tracehop inspect: --array takes rows or value, got "vaule": how one JSON array is read, rows (a report per element, as json_agg and sqlite3 -json print rows: the default) or value (one column\'s value that is an array, which holds no carrier)\n' +
          inspect,
      ],
      [
        ["inspect"],
        `tracehop inspect: give exactly one carrier: JSON text, a file, or - (standard input is a pipe or a file, read only with -: ... | tracehop inspect -)\n${inspect}`,
      ],
    ];
    for (const [args, stderr] of cases) {
      const result = runBin(args, { input: "" });
      assert.deepEqual(result, { code: 2, stdout: "", stderr }, args.join(" "));
    }
    for (const args of [["--help"], ["inspect", "--help"], ["-h"]]) {
      const help = runBin(args);
      assert.equal(help.code, 0, args.join(" "));
      assert.equal(help.stderr, "");
      assert.match(help.stdout, /^usage: tracehop inspect \[--json\]/);
      assert.ok(help.stdout.split("\n").length > 40, help.stdout);
    }
  });
});

describe("tracehop inspect through the bin (a process, as a user runs it)", () => {
  test("its output and exit codes: those of the in-process runs", () => {
    // The bin's wiring of its arguments, standard streams, environment and exit code, end to end, on a few
    // ordinary cases; every other test of them runs the same command in-process (run-cli.ts).
    const clean = withoutPropagationSettings();
    const cases: [args: string[], input: string | undefined, env: NodeJS.ProcessEnv, code: number][] = [
      [["inspect", "--json", TWO_TRACES], undefined, clean, 0],
      [
        ["inspect", TWO_TRACES],
        undefined,
        { ...clean, DD_TRACE_PROPAGATION_STYLE_EXTRACT: "tracecontext" },
        0,
      ],
      [["inspect", "-"], '{"a":"1"}\n', clean, 1],
      [["inspect", "-"], `${TWO_TRACES}\n{}\n`, clean, 1],
      [["inspect"], undefined, clean, 2],
      [["inspect", "/nonexistent/row.json"], undefined, clean, 2],
      [["frobnicate"], undefined, clean, 2],
      [["--version"], undefined, clean, 0],
    ];
    for (const [args, input, env, code] of cases) {
      const bin = runBin(args, { input, env });
      assert.equal(bin.code, code, args.join(" "));
      assert.ok((code < 2 ? bin.stdout : bin.stderr).length > 0, args.join(" "));
      assert.deepEqual(run(args, input, env), bin, args.join(" "));
    }
  });
});

describe("tracehop inspect: settings read from the environment", () => {
  const carrier = TWO_TRACES;
  const clean = withoutPropagationSettings();

  test("an unknown style in the environment is said once, in the report, not again as a process warning", () => {
    const { code, stdout, stderr } = run(["inspect", "--json", carrier], undefined, {
      ...clean,
      OTEL_PROPAGATORS: "w3c,datadog",
    });
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.deepEqual(report.extractOrder, ["datadog"]);
    assert.equal(
      report.diagnostics[0],
      'OTEL_PROPAGATORS="w3c,datadog" is read as datadog; "w3c" is skipped: W3C Trace Context is tracecontext; write OTEL_PROPAGATORS=tracecontext,datadog',
    );
    // The carrier's traceparent, of another trace, is left out too (said on its own: the next test).
    assert.match(report.diagnostics[1], /^tracecontext is valid \(see styles\) but not in the extract order/);
    assert.equal(report.diagnostics.length, 2);
    assert.equal(stderr, "");
  });

  test("the x-datadog-tags limit is the one the library uses here (DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH), and the report says where it came from", () => {
    const tags = (length: number) => "_dd.p.x=" + "a".repeat(length - "_dd.p.x=".length);
    const inspect = (header: string, env: NodeJS.ProcessEnv) => {
      const { code, stdout, stderr } = run(
        [
          "inspect",
          "--json",
          JSON.stringify({
            "x-datadog-trace-id": "1234",
            "x-datadog-parent-id": "5678",
            "x-datadog-tags": header,
          }),
        ],
        undefined,
        { ...clean, ...env },
      );
      assert.equal(code, 0, stderr);
      assert.equal(stderr, "");
      const report = JSON.parse(stdout);
      return {
        limit: { tagsMaxLength: report.tagsMaxLength, tagsMaxLengthSource: report.tagsMaxLengthSource },
        tags: report.context.tags,
        diagnostics: report.diagnostics as string[],
      };
    };
    const limit = (tagsMaxLength: number, tagsMaxLengthSource: string) => ({
      tagsMaxLength,
      tagsMaxLengthSource,
    });
    const kept = "; the context itself stays valid";
    // Unset: the default, 512.
    assert.deepEqual(inspect(tags(600), {}), {
      limit: limit(512, "default"),
      tags: {},
      diagnostics: [
        "x-datadog-tags dropped whole: 600 characters, over the limit of 512 (DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH " +
          `unset: the default; Datadog's tracers drop it whole too, never truncate it)${kept}`,
      ],
    });
    // A lower limit here drops a header the default keeps; a higher one keeps a header the default drops.
    assert.deepEqual(inspect(tags(150), { DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: "100" }), {
      limit: limit(100, "DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH"),
      tags: {},
      diagnostics: [
        "x-datadog-tags dropped whole: 150 characters, over the limit of 100 (DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH=100 " +
          `here; Datadog's tracers drop it whole too, never truncate it)${kept}`,
      ],
    });
    assert.deepEqual(inspect(tags(600), { DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: "1000" }), {
      limit: limit(1000, "DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH"),
      tags: { "_dd.p.x": "a".repeat(592) },
      diagnostics: [],
    });
    // 0: tag propagation off.
    assert.deepEqual(inspect("_dd.p.dm=-4", { DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: "0" }), {
      limit: limit(0, "DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH"),
      tags: {},
      diagnostics: [
        `x-datadog-tags ignored: the limit is 0 (DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH=0 here): tag propagation is off${kept}`,
      ],
    });
    // A value the library does not use: its warning once, in the report, and the default.
    const write = "write a whole number of characters from 0 (tag propagation off) to 9007199254740991";
    assert.deepEqual(inspect(tags(600), { DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: "1k" }), {
      limit: limit(512, "default"),
      tags: {},
      diagnostics: [
        `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH="1k" is not a non-negative integer (the default, 512, is used); ${write}`,
        "x-datadog-tags dropped whole: 600 characters, over the limit of 512 (the default: " +
          `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH="1k" is not a non-negative integer; Datadog's tracers drop it whole too, never truncate it)${kept}`,
      ],
    });
    // Digits beyond what a number holds exactly (1e20 was reported as the limit in effect): not used either.
    const over =
      "is over 9007199254740991 (Number.MAX_SAFE_INTEGER), the largest limit tracehop reads exactly";
    assert.deepEqual(inspect(tags(600), { DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: "99999999999999999999" }), {
      limit: limit(512, "default"),
      tags: {},
      diagnostics: [
        `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH="99999999999999999999" ${over} (the default, 512, is used); ${write}`,
        "x-datadog-tags dropped whole: 600 characters, over the limit of 512 (the default: " +
          `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH="99999999999999999999" ${over}; Datadog's tracers drop it whole too, never truncate it)${kept}`,
      ],
    });
    assert.deepEqual(inspect(tags(600), { DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: "9007199254740991" }), {
      limit: limit(9007199254740991, "DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH"),
      tags: { "_dd.p.x": "a".repeat(592) },
      diagnostics: [],
    });
  });

  test("a setting the report echoes where it says where a value came from is quoted as the library's warnings quote it: look-alike and invisible characters escaped, a long value cut with its length (--json too)", () => {
    const json = (args: string[], env: NodeJS.ProcessEnv) => {
      const { code, stdout, stderr } = run(["inspect", "--json", ...args], undefined, { ...clean, ...env });
      assert.ok(code === 0 || code === 1, stderr); // 1: no valid context under none
      assert.equal(stderr, "");
      return JSON.parse(stdout).diagnostics as string[];
    };
    const row = JSON.stringify({
      "x-datadog-trace-id": "1234",
      "x-datadog-parent-id": "5678",
      "x-datadog-tags": "_dd.p.x=" + "a".repeat(600),
    });
    for (const [written, shown] of [
      ["5000\u200b", '"5000\\u200b"'],
      ["\uff15\uff10\uff10", '"\\uff15\\uff10\\uff10"'],
      ["9".repeat(100_000), `"${"9".repeat(40)}"… (100000 characters)`],
    ]) {
      const source = json([row], { DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: written }).find((d) =>
        d.startsWith("x-datadog-tags dropped whole"),
      );
      assert.ok(source?.includes(`(the default: DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH=${shown} is `), source);
      assert.ok(source!.length < 600, `${source!.length} characters`);
    }
    // A style variable read as none (an entry of blanks, a no-break space among them, counts as unset):
    // quoted as the style variables' warnings quote it, cut past 200 characters.
    const traceparent = JSON.stringify({
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    for (const [written, shown] of [
      ["none,\u00a0", '"none,\\u00a0"'],
      [`none${", ".repeat(50_000)}`, `"none${", ".repeat(98)}"… (100004 characters)`],
    ]) {
      assert.ok(
        json([traceparent], { OTEL_PROPAGATORS: written }).includes(
          `OTEL_PROPAGATORS=${shown}: a service with this setting extracts nothing`,
        ),
        written.slice(0, 20),
      );
    }
  });

  test("a dropped tracestate or x-datadog-tags says what it means for the styles in effect", () => {
    const row = {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      tracestate: "A=b",
      "x-datadog-trace-id": "1234",
      "x-datadog-parent-id": "5678",
      "x-datadog-tags": "_dd.p.dm=-4,bad",
    };
    const diagnostics = (carrier: object, args: string[] = []) => {
      const { stdout, stderr } = run(
        ["inspect", "--json", ...args, JSON.stringify(carrier)],
        undefined,
        clean,
      );
      assert.equal(stderr, "");
      return JSON.parse(stdout).diagnostics as string[];
    };
    const tracestate = (line: string) => line.startsWith("tracestate discarded whole: ");
    const tags = (line: string) => line.startsWith("x-datadog-tags dropped whole: ");
    // Both styles in the extract order: the traceparent and the Datadog context are still used.
    const both = diagnostics(row);
    assert.match(both.find(tracestate)!, /; the traceparent is still used$/);
    assert.match(both.find(tags)!, /; the context itself stays valid$/);
    // A style not in the extract order reads nothing: the report does not say its context is used.
    assert.match(
      diagnostics(row, ["--styles", "datadog"]).find(tracestate)!,
      /; tracecontext is not in the extract order \(datadog\), so neither the traceparent nor the tracestate is read$/,
    );
    assert.match(
      diagnostics(row, ["--styles", "tracecontext,baggage"]).find(tags)!,
      /; datadog is not in the extract order \(tracecontext, baggage\), so no x-datadog-\* header is read$/,
    );
    // The Datadog style rejects the ids: its context does not "stay valid".
    assert.match(
      diagnostics({ ...row, "x-datadog-trace-id": "0" }).find(tags)!,
      /; the datadog style rejects this carrier anyway \(see styles\)$/,
    );
  });

  test("an unknown DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT is said once, in the report", () => {
    const { code, stdout, stderr } = run(["inspect", carrier], undefined, {
      ...clean,
      DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT: "resume",
    });
    assert.equal(code, 0);
    assert.match(
      stdout,
      /\n {2}- DD_TRACE_PROPAGATION_BEHAVIOR_EXTRACT="resume" is not continue, restart or ignore \(continue is used\)\n/,
    );
    assert.equal(stderr, "");
  });

  test("a DD_TRACE_PROPAGATION_EXTRACT_FIRST the library does not read as a boolean is said once, in the report, with what to write", async () => {
    const bad = (value: string) =>
      `DD_TRACE_PROPAGATION_EXTRACT_FIRST=${JSON.stringify(value)} is not true, false, 1 or 0 (false is used); ` +
      "write true or 1 to stop extraction at the first valid style, false or 0 (or leave it unset) for the default";
    const refused = ["yes", "maybe"];
    // Accepted spellings (any case): no diagnostic about the value.
    const accepted = ["false", "0", "FALSE", ""];
    // The runs two at a time (runMany), each checked below in this order.
    const env = (value: string) => ({ ...clean, DD_TRACE_PROPAGATION_EXTRACT_FIRST: value });
    const results = await runMany([
      ...refused.flatMap((value) => [
        { args: ["inspect", carrier], env: env(value) },
        { args: ["inspect", "--json", carrier], env: env(value) },
      ]),
      ...accepted.map((value) => ({ args: ["inspect", "--json", carrier], env: env(value) })),
    ]);
    const next = () => results.shift()!;
    for (const value of refused) {
      const text = next();
      assert.equal(text.code, 0);
      assert.equal(text.stderr, "");
      assert.ok(text.stdout.endsWith(`\ndiagnostics:\n  - ${bad(value)}\n`), text.stdout);
      const json = next();
      assert.equal(json.code, 0);
      assert.equal(json.stderr, "");
      const report = JSON.parse(json.stdout);
      assert.deepEqual(report.diagnostics, [bad(value)]);
      assert.equal(report.extractFirst, false);
      // False is used, as the library uses it: the conflicting tracecontext is still a link.
      assert.equal(report.context.links.length, 1);
    }
    for (const value of accepted) {
      const { stdout, stderr } = next();
      assert.equal(stderr, "");
      assert.deepEqual(JSON.parse(stdout).diagnostics, [], value);
    }
    assert.equal(results.length, 0);
  });

  test("no context in the extract order while a style left out of it is valid: which, from which setting, and what to set", () => {
    // A row of x-datadog-* headers read by a service that extracts tracecontext alone.
    const row = '{"x-datadog-trace-id":"18446744073709551614","x-datadog-parent-id":"9007199254740993"}';
    const restore = "so this order restores nothing from the row; to restore it,";
    const diagnostic = (env: NodeJS.ProcessEnv, args: string[] = []) => {
      const { code, stdout, stderr } = run(["inspect", "--json", ...args, row], undefined, {
        ...clean,
        ...env,
      });
      assert.equal(stderr, "");
      // The service restores nothing: still exit 1.
      assert.equal(code, 1);
      const report = JSON.parse(stdout);
      assert.equal(report.valid, false);
      assert.equal(report.styles.datadog.status, "valid");
      return report.diagnostics;
    };
    assert.deepEqual(diagnostic({ DD_TRACE_PROPAGATION_STYLE: "tracecontext" }), [
      `datadog is valid (see styles) but not in the extract order (tracecontext, from DD_TRACE_PROPAGATION_STYLE), ${restore} ` +
        "set DD_TRACE_PROPAGATION_STYLE_EXTRACT=tracecontext,datadog (read before DD_TRACE_PROPAGATION_STYLE, and for " +
        "extraction alone; DD_TRACE_PROPAGATION_STYLE=tracecontext,datadog instead also makes a service inject datadog)",
    ]);
    assert.deepEqual(diagnostic({ DD_TRACE_PROPAGATION_STYLE_EXTRACT: "tracecontext,baggage" }), [
      `datadog is valid (see styles) but not in the extract order (tracecontext, baggage, from DD_TRACE_PROPAGATION_STYLE_EXTRACT), ${restore} ` +
        "set DD_TRACE_PROPAGATION_STYLE_EXTRACT=tracecontext,baggage,datadog",
    ]);
    assert.deepEqual(diagnostic({ OTEL_PROPAGATORS: "tracecontext" }), [
      `datadog is valid (see styles) but not in the extract order (tracecontext, from OTEL_PROPAGATORS), ${restore} ` +
        "set DD_TRACE_PROPAGATION_STYLE_EXTRACT=tracecontext,datadog (read before OTEL_PROPAGATORS, and for " +
        "extraction alone; OTEL_PROPAGATORS=tracecontext,datadog instead also makes a service inject datadog)",
    ]);
    // --styles wins over the environment, and is what to change.
    assert.deepEqual(diagnostic({ DD_TRACE_PROPAGATION_STYLE: "datadog" }, ["--styles", "b3multi"]), [
      `datadog is valid (see styles) but not in the extract order (b3multi, from --styles), ${restore} give --styles b3multi,datadog`,
    ]);
    // The single b3 header outside the default order: "b3" in a DD_TRACE_PROPAGATION_STYLE* variable
    // means b3multi, so the value says "b3 single header" (quoted for the shell: it holds spaces).
    const b3 = run(
      ["inspect", '{"b3":"80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"}'],
      undefined,
      clean,
    );
    assert.equal(b3.code, 1);
    assert.match(
      b3.stdout,
      /^no valid context \(extract order datadog, tracecontext, baggage, the default\)\n/,
    );
    assert.ok(
      b3.stdout.endsWith(
        "diagnostics:\n  - b3 is valid (see styles) but not in the extract order (datadog, tracecontext, baggage: the " +
          "default, as none of DD_TRACE_PROPAGATION_STYLE_EXTRACT, DD_TRACE_PROPAGATION_STYLE, OTEL_PROPAGATORS is set), " +
          `${restore} set DD_TRACE_PROPAGATION_STYLE_EXTRACT="datadog,tracecontext,baggage,b3 single header"\n`,
      ),
      b3.stdout,
    );
    // The value said restores it (a service reads "b3 single header" as the b3 style).
    const fixed = run(
      ["inspect", '{"b3":"80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"}'],
      undefined,
      {
        ...clean,
        DD_TRACE_PROPAGATION_STYLE_EXTRACT: "datadog,tracecontext,baggage,b3 single header",
      },
    );
    assert.equal(fixed.code, 0);
    assert.match(fixed.stdout, /; b3 wins\)\n/);
    // Baggage alone restores no trace: not offered.
    const onlyBaggage = run(["inspect", "--json", '{"baggage":"k=v"}'], undefined, {
      ...clean,
      DD_TRACE_PROPAGATION_STYLE: "datadog",
    });
    assert.equal(onlyBaggage.code, 1);
    assert.deepEqual(JSON.parse(onlyBaggage.stdout).diagnostics, []);
  });

  test("a context in the extract order while a style left out of it names another trace: said, with how to link it", () => {
    const other = (env: NodeJS.ProcessEnv, row = carrier) => {
      const { code, stdout, stderr } = run(["inspect", "--json", row], undefined, { ...clean, ...env });
      assert.equal(stderr, "");
      assert.equal(code, 0);
      return JSON.parse(stdout);
    };
    const tracecontext = other({ DD_TRACE_PROPAGATION_STYLE: "tracecontext" });
    assert.equal(tracecontext.context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.deepEqual(tracecontext.context.links, []);
    assert.deepEqual(tracecontext.diagnostics, [
      "datadog is valid (see styles) but not in the extract order (tracecontext, from DD_TRACE_PROPAGATION_STYLE) and " +
        "names another trace (000000000000000000000000000004d2): this order continues 4bf92f3577b34da6a3ce929d0e0e4736 " +
        "alone, with no span link to the other (a style in the order that names another trace becomes a link, " +
        "terminated_context); to link it, set DD_TRACE_PROPAGATION_STYLE_EXTRACT=tracecontext,datadog (read before " +
        "DD_TRACE_PROPAGATION_STYLE, and for extraction alone; DD_TRACE_PROPAGATION_STYLE=tracecontext,datadog instead " +
        "also makes a service inject datadog)",
    ]);
    // The setting said links it.
    const linked = other({ DD_TRACE_PROPAGATION_STYLE_EXTRACT: "tracecontext,datadog" });
    assert.deepEqual(linked.context.links, [
      {
        traceId: "000000000000000000000000000004d2",
        spanId: "000000000000162e",
        style: "datadog",
        reason: "terminated_context",
      },
    ]);
    assert.deepEqual(linked.diagnostics, []);
    // --styles: what to give.
    const styles = run(["inspect", "--json", "--styles", "datadog", carrier], undefined, clean);
    assert.match(
      JSON.parse(styles.stdout).diagnostics[0],
      /^tracecontext is valid .* names another trace \(4bf92f3577b34da6a3ce929d0e0e4736\): this order continues 000000000000000000000000000004d2 alone, .*; to link it, give --styles datadog,tracecontext$/,
    );
    // The same trace in both (its low 64 bits: a Datadog id carries no upper bits): nothing to say.
    const same = JSON.stringify({
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "x-datadog-trace-id": "11803532876627986230",
      "x-datadog-parent-id": "5678",
    });
    assert.deepEqual(other({ DD_TRACE_PROPAGATION_STYLE: "tracecontext" }, same).diagnostics, []);
    // Under extract-first a style in the order makes no link either: not said.
    const first = other({
      DD_TRACE_PROPAGATION_STYLE: "tracecontext",
      DD_TRACE_PROPAGATION_EXTRACT_FIRST: "1",
    });
    assert.equal(first.diagnostics.length, 1);
    assert.match(first.diagnostics[0], /^DD_TRACE_PROPAGATION_EXTRACT_FIRST is on here/);
  });

  test("DD_TRACE_PROPAGATION_EXTRACT_FIRST=true/1: the context a service with it extracts (no conflict link), with a note", () => {
    const note =
      "DD_TRACE_PROPAGATION_EXTRACT_FIRST is on here: shown is the first valid style's context alone, as a service with " +
      'this setting extracts it (no tracestate or parent taken from a later traceparent, no conflict links; docs/migration.md, "Configuration")';
    for (const value of ["true", "1", "True"]) {
      const { code, stdout, stderr } = run(["inspect", "--json", carrier], undefined, {
        ...clean,
        DD_TRACE_PROPAGATION_EXTRACT_FIRST: value,
      });
      assert.equal(code, 0);
      assert.equal(stderr, "");
      const report = JSON.parse(stdout);
      assert.equal(report.context.style, "datadog");
      assert.deepEqual(report.context.links, []);
      assert.deepEqual(report.diagnostics, [note]);
      assert.equal(report.extractFirst, true);
    }
  });
});
