// What `tracehop inspect` does with the inputs an engineer pastes (rows, client output, numbers, garbage),
// a describe for each input form, then its output and exit codes.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { propagation, trace } from "@opentelemetry/api";
import { contextFromCarrier } from "../../src/index.js";
import { parseInspectInput } from "../../src/cli/input.js";
import { shellWord } from "../../src/cli/row-carrier.js";
import {
  run as runCli,
  runBin as runCliBin,
  runMany as runCliMany,
  start,
  inspectDir,
  type CliRun,
} from "./run-cli.js";

const run = runCli;
const runBin = runCliBin;
const runMany = runCliMany;

/** The advice inspect's refusal of text that is no JSON gives after its hints. */
const GIVE = "give a JSON object of header -> value, an array of rows, or one row per line";
/** The advice inspect's refusal of one line of line-per-row text gives after its hints. */
const EACH_LINE =
  "with one row per line, every line must be a JSON object, a JSON string holding an object's JSON text, null, or empty or NULL (a NULL column)";

/**
 * How inspect's refusal of text that is no JSON starts, as printed: what is wrong (`where`: "the carrier"
 * or "line N"), then `hints` (what to run, each as the message writes it, joined with "; "), then the
 * advice, up to the parenthesis that opens the parser's message, which comes last.
 */
function refusal(where: string, ...hints: string[]): string {
  const said = hints.length === 0 ? "" : `: ${hints.join("; ")}`;
  const advice = where === "the carrier" ? GIVE : EACH_LINE;
  return `tracehop inspect: ${where} is not valid JSON${said}; ${advice} (`;
}

/**
 * A value alone, as the argument and on standard input with and without its line break (echo, printf): the
 * arguments and the input of each (the argument NULL names a file: on standard input only).
 */
function aloneForms(value: string): [string[], string | undefined][] {
  const all: [string[], string | undefined][] = [
    [[value], undefined],
    [["-"], value + "\n"],
    [["-"], value],
  ];
  return value === "NULL" ? all.filter(([, input]) => input !== undefined) : all;
}

/**
 * inspect's no-carrier diagnostic for a row whose carrier is further in than it reads unasked: `paths`
 * as listed, and the --field to pass when `one` path holds one.
 */
function further(paths: string, one = true): string {
  return (
    "the object holds no propagation header and no field holding a carrier where inspect looks unasked " +
    "(its fields, and the fields of its first 16 fields holding an object); further in, " +
    (one
      ? `${paths} holds one: --field ${paths} reads it`
      : `${paths} hold one: say --field PATH to read one`)
  );
}

/**
 * `inspect --json -` on `input` (one row, or several when `many`: the report is then an array), which
 * must exit 1: the report of its first row, which must not be valid.
 */
function firstInvalidReport(input: string, many: boolean): { noCarrier?: string; diagnostics?: string[] } {
  const found = run(["inspect", "--json", "-"], input);
  assert.equal(found.code, 1, `${input}: ${found.stdout}`);
  const report = JSON.parse(found.stdout);
  const first = many ? report[0] : report;
  assert.equal(first.valid, false, input);
  return first;
}

/** What database clients print for a carrier column, captured from the real clients (its README). */
const CLIENTS = fileURLToPath(new URL("../fixtures/inspect-clients/", import.meta.url));

/** `tracehop inspect --json` of `carrier` written as a JSON file in `dir`: its exit code and parsed report. */
function inspectAsFile(dir: string, carrier: unknown) {
  const file = join(dir, "carrier.json");
  writeFileSync(file, JSON.stringify(carrier));
  const { code, stdout } = run(["inspect", "--json", file]);
  return { code, report: JSON.parse(stdout) };
}

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/** What the finding of a non-negative integer adds: it may be one header's value, an id, alone. */
const BARE_ID =
  ` (one header's value alone, as select "traceContext"->>'x-datadog-trace-id' prints an id? ` +
  `inspect the whole carrier column, psql -At -c 'select "traceContext" from ...')`;
const carrierText = JSON.stringify({ traceparent: TRACEPARENT });
/** The hint of inspect's refusal of mysql's table output. */
const MYSQL_TABLE =
  'it looks like mysql\'s table output, in +----+ borders: print the rows alone, mysql -N -B -e "select ..." (-N no column names, -B batch)';

describe("tracehop inspect: a carrier or a row given as JSON", () => {
  test("a row with a traceContext field: the carrier is that field", () => {
    const row = {
      id: 7,
      status: "pending",
      traceContext: { "x-datadog-trace-id": "18446744073709551615", "x-datadog-parent-id": "1" },
    };
    const { code, stdout } = run(["inspect", "--json", JSON.stringify(row)]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.valid, true);
    assert.equal(report.context.traceId, "0000000000000000ffffffffffffffff");
    assert.equal(report.context.datadogTraceId, "18446744073709551615");
    assert.ok(report.diagnostics.includes("read the row's traceContext field"));
  });

  test("a row with a traceContext field beside top-level headers, or whose traceContext is null or a number: read as withCarrier reads the row", () => {
    const tp = (span: string) => `00-0af7651916cd43dd8448eb211c80319c-${span}-01`;
    const inspect = (row: unknown) => {
      const { code, stdout } = run(["inspect", "--json", JSON.stringify(row)]);
      return { code, report: JSON.parse(stdout) };
    };
    const both = inspect({
      traceparent: tp("b7ad6b7169203331"),
      traceContext: { traceparent: tp("00f067aa0ba902b7") },
    });
    assert.equal(both.code, 0);
    assert.equal(both.report.context.parentId, "00f067aa0ba902b7", "the field, not the top-level header");
    assert.ok(
      both.report.diagnostics.includes(
        "the row's top-level propagation headers are ignored: its traceContext field is the carrier, as withCarrier reads a row",
      ),
    );
    // A traceContext that holds no carrier beside a span-context header at the top level: message
    // headers with an application header of that name, read as headers (as withCarrier reads them).
    const none = inspect({ traceparent: tp("b7ad6b7169203331"), traceContext: null });
    assert.equal(none.code, 0);
    assert.equal(none.report.context.parentId, "b7ad6b7169203331", "the top-level header");
    assert.ok(
      none.report.diagnostics.includes(
        "the object's traceContext field is null, not a carrier, beside propagation headers at its top level: it is read as headers, the carrier itself, as withCarrier reads it",
      ),
    );
    // A row whose traceContext is null is a row without a carrier, as a NULL column alone is.
    const rowWithoutCarrier = inspect({ id: 7, traceContext: null });
    assert.equal(rowWithoutCarrier.code, 1, "a row written without a carrier has no context");
    assert.equal(
      rowWithoutCarrier.report.noCarrier,
      "the row's traceContext field is null (a NULL column, or JSON null): written outside a span, or by a service without the extension",
    );
    assert.deepEqual(rowWithoutCarrier.report.diagnostics, []);
    // JSON text of JSON text (a Json column cast to text and then to JSON again), as the library reads it.
    const twice = inspect({
      id: 7,
      traceContext: JSON.stringify(JSON.stringify({ traceparent: tp("00f067aa0ba902b7") })),
    });
    assert.equal(twice.code, 0);
    assert.equal(twice.report.context.parentId, "00f067aa0ba902b7");
    const number = inspect({ id: 7, traceContext: 42 });
    assert.equal(number.code, 1);
    assert.equal(
      number.report.noCarrier,
      "the row's traceContext field is a number, not a carrier (as withCarrier reads the row)",
    );
    assert.deepEqual(number.report.diagnostics, []);
  });

  test("a row whose traceContext is the carrier's JSON text (a Json column selected as text): read; text that is not JSON: no carrier (exit 1)", () => {
    const carrier = { "x-datadog-trace-id": "18446744073709551615", "x-datadog-parent-id": "1" };
    const { code, stdout } = run([
      "inspect",
      "--json",
      JSON.stringify({ id: 7, traceContext: JSON.stringify(carrier) }),
    ]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.context.datadogTraceId, "18446744073709551615");
    assert.deepEqual(report.diagnostics, ["read the row's traceContext field (JSON text)"]);

    const garbage = run(["inspect", "--json", JSON.stringify({ id: "7", traceContext: "not json" })]);
    assert.equal(garbage.code, 1);
    assert.equal(
      JSON.parse(garbage.stdout).noCarrier,
      "the row's traceContext field is text that is not the JSON text of an object (it is not JSON), not a carrier (as withCarrier reads the row)",
    );
  });

  test("a JSON string holding the carrier's JSON text (JSON.stringify(carrier) in a Json column), as an argument, on standard input or in an array: read as withCarrier reads it", () => {
    const carrier = { "x-datadog-trace-id": "18446744073709551615", "x-datadog-parent-id": "1" };
    const doubled = JSON.stringify(JSON.stringify(carrier));
    const SAID =
      "the carrier is a JSON string holding the carrier's JSON text (JSON text inside JSON, as traceContext: " +
      "JSON.stringify(carrier) stores it in a Json column); read as withCarrier and contextFromCarrier read it";
    for (const [args, input] of [
      [["--json", doubled], undefined],
      [["--json", "-"], doubled],
      [["--json", "-"], doubled + "\n"],
    ] as [string[], string | undefined][]) {
      const { code, stdout, stderr } = run(["inspect", ...args], input);
      assert.equal(code, 0, stderr);
      const report = JSON.parse(stdout);
      assert.equal(report.context.datadogTraceId, "18446744073709551615");
      assert.deepEqual(report.diagnostics, [SAID]);
    }
    // json_agg over the column: a string element is read the same, a null element is a NULL column.
    const agg = run(["inspect", "--json", `[${doubled}, null]`]);
    assert.equal(agg.code, 1, agg.stderr);
    const reports = JSON.parse(agg.stdout);
    assert.equal(reports[0].context.traceId, "0000000000000000ffffffffffffffff");
    assert.equal(reports[1].noCarrier, "null: a NULL column, or JSON null");
    // A string the library reads no carrier from is a row without a carrier that says why.
    const text = run(["inspect", '"not a carrier"']);
    assert.equal(text.code, 1);
    assert.equal(
      text.stdout,
      "no carrier (a JSON string that is not the JSON text of an object (it is not JSON))\n",
    );
  });

  test("a row whose carrier is in another field: its one field holding a carrier, or --field NAME; a field missing, null or not unique is said", () => {
    const carrier = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
    const row = JSON.stringify({ id: 1, carrier });
    const found = run(["inspect", "--json", row]);
    assert.equal(found.code, 0, found.stdout);
    const report = JSON.parse(found.stdout);
    assert.equal(report.context.parentId, "00f067aa0ba902b7");
    // One diagnostic: the field found, and how it is read (not a second "read the row's carrier field").
    assert.deepEqual(report.diagnostics, [
      "the row has no propagation header at its top level and no traceContext field: read its one field holding a " +
        "carrier, carrier, as withCarrier(row.carrier) reads it (withCarrier(row) reads only traceContext); say --field " +
        "NAME to choose the field",
    ]);
    // The field as JSON text (sqlite3 -json of a String column) is found too, and said so in the same one.
    const text = run(["inspect", "--json", JSON.stringify({ id: 1, carrier: JSON.stringify(carrier) })]);
    assert.equal(JSON.parse(text.stdout).context.parentId, "00f067aa0ba902b7");
    assert.deepEqual(JSON.parse(text.stdout).diagnostics, [
      "the row has no propagation header at its top level and no traceContext field: read its one field holding a " +
        "carrier, carrier (JSON text), as withCarrier(row.carrier) reads it (withCarrier(row) reads only traceContext); " +
        "say --field NAME to choose the field",
    ]);
    // --field names it: no guessing, and over a top-level header or a traceContext field.
    for (const args of [["--field", "carrier"], ["--field=carrier"]]) {
      const named = run([
        "inspect",
        "--json",
        ...args,
        JSON.stringify({
          id: 1,
          traceContext: null,
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          carrier,
        }),
      ]);
      assert.equal(named.code, 0, named.stderr);
      const r = JSON.parse(named.stdout);
      assert.equal(r.context.parentId, "00f067aa0ba902b7");
      assert.deepEqual(r.diagnostics, [
        "the row's top-level propagation headers are ignored: its carrier field is the carrier (--field carrier)",
        "read the row's carrier field",
      ]);
    }
    const missing = run([
      "inspect",
      "--json",
      "--field",
      "carrier",
      JSON.stringify({ id: 1, other: carrier }),
    ]);
    assert.equal(missing.code, 1);
    assert.equal(
      JSON.parse(missing.stdout).noCarrier,
      "the row has no carrier field (--field carrier; its fields: id, other)",
    );
    const nullField = run([
      "inspect",
      "--json",
      "--field",
      "carrier",
      JSON.stringify({ id: 1, carrier: null }),
    ]);
    assert.equal(nullField.code, 1);
    assert.equal(
      JSON.parse(nullField.stdout).noCarrier,
      "the row's carrier field is null (a NULL column, or JSON null): written outside a span, or by a service without the extension",
    );
    const two = run(["inspect", "--json", JSON.stringify({ a: carrier, b: carrier })]);
    assert.equal(two.code, 1);
    assert.deepEqual(JSON.parse(two.stdout).diagnostics, [
      "the row has no propagation header at its top level and no traceContext field; several fields hold a carrier (a, b): say --field NAME to choose one",
    ]);
    // A row whose carrier column (not traceContext) is NULL, without --field: said as such; its id is
    // not a carrier's number.
    const nullColumn = run(["inspect", "--json", JSON.stringify({ id: 2, carrier: null })]);
    assert.equal(nullColumn.code, 1);
    assert.deepEqual(JSON.parse(nullColumn.stdout).diagnostics, [
      "the object holds no propagation header and no field holding a carrier: no context; carrier is null " +
        "(a NULL carrier column, written outside a span or by a service without the extension? --field NAME reads that field as the carrier)",
    ]);
    const noValue = run(["inspect", row, "--field"]);
    assert.equal(noValue.code, 2);
    assert.match(noValue.stderr, /^tracehop inspect: --field needs a value/);
    assert.match(run(["--help"]).stdout, /--field {6}the row's carrier field/);
  });

  test("--field PATH: a carrier deeper in the row, through objects or JSON text of one; a missing step, a dotted name of its own and a prototype key are said", () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const carrier = { traceparent };
    const parentOf = (stdout: string) => JSON.parse(stdout).context.parentId as string;
    const row = { id: 1, payload: { traceContext: carrier } };
    for (const args of [["--field", "payload.traceContext"], ["--field=payload.traceContext"]]) {
      const named = run(["inspect", "--json", ...args, JSON.stringify(row)]);
      assert.equal(named.code, 0, named.stdout);
      assert.equal(parentOf(named.stdout), "b7ad6b7169203331");
      assert.deepEqual(JSON.parse(named.stdout).diagnostics, [
        "read the row's payload.traceContext field, as withCarrier(row.payload.traceContext) reads it",
      ]);
    }
    // Three steps, the first JSON text (a String column holding JSON): the call named reads it.
    const textRow = { id: 1, meta: JSON.stringify({ trace: { carrier } }) };
    const text = run(["inspect", "--json", "--field", "meta.trace.carrier", JSON.stringify(textRow)]);
    assert.equal(text.code, 0, text.stdout);
    assert.equal(parentOf(text.stdout), "b7ad6b7169203331");
    assert.deepEqual(JSON.parse(text.stdout).diagnostics, [
      "read the row's meta.trace.carrier field, as withCarrier(JSON.parse(row.meta).trace.carrier) reads it",
    ]);
    const meta = JSON.parse(textRow.meta) as { trace: { carrier: object } };
    assert.equal(trace.getSpanContext(contextFromCarrier(meta.trace.carrier))?.spanId, "b7ad6b7169203331");
    // Top-level headers beside it are ignored, as for a top-level field named.
    const beside = run([
      "inspect",
      "--json",
      "--field",
      "payload.traceContext",
      JSON.stringify({ traceparent: TRACEPARENT, ...row }),
    ]);
    assert.equal(parentOf(beside.stdout), "b7ad6b7169203331");
    assert.equal(
      JSON.parse(beside.stdout).diagnostics[0],
      "the row's top-level propagation headers are ignored: its payload.traceContext field is the carrier (--field payload.traceContext)",
    );
    // A step missing, or not an object: which one, and the fields there. Exit 1, a row without a carrier.
    const noCarrier = (field: string, value: unknown) => {
      const result = run(["inspect", "--json", "--field", field, JSON.stringify(value)]);
      assert.equal(result.code, 1, result.stdout);
      return JSON.parse(result.stdout).noCarrier as string;
    };
    assert.equal(
      noCarrier("payload.trace", row),
      "the row has no payload.trace field: its payload field has no trace field (--field payload.trace; the fields of payload: traceContext)",
    );
    assert.equal(
      noCarrier("body.traceContext", row),
      "the row has no body.traceContext field: it has no body field (--field body.traceContext; its fields: id, payload)",
    );
    assert.equal(
      noCarrier("id.traceContext", row),
      "the row has no id.traceContext field: its id field is a number, not an object holding fields (--field id.traceContext)",
    );
    assert.equal(
      noCarrier("payload.traceContext.x.y", row),
      "the row has no payload.traceContext.x.y field: its payload.traceContext field has no x field " +
        "(--field payload.traceContext.x.y; the fields of payload.traceContext: traceparent)",
    );
    assert.equal(
      noCarrier("payload.traceContext", { payload: { traceContext: null } }),
      "the row's payload.traceContext field is null (a NULL column, or JSON null): written outside a span, or by a service without the extension",
    );
    // Its own field whose name holds the dot wins over the path.
    const dotted = run([
      "inspect",
      "--json",
      "--field",
      "payload.traceContext",
      JSON.stringify({ "payload.traceContext": carrier, payload: { traceContext: null } }),
    ]);
    assert.equal(dotted.code, 0, dotted.stdout);
    assert.deepEqual(JSON.parse(dotted.stdout).diagnostics, [
      "the row has a field named payload.traceContext itself: it is read, not the path payload.traceContext through its payload field",
      "read the row's payload.traceContext field",
    ]);
    // A step named as JavaScript names an object's prototype or class: refused, for the same reason as
    // such a field of the row itself, whatever the row holds.
    for (const key of ["__proto__", "constructor", "prototype"])
      for (const path of [`payload.${key}`, `${key}.traceContext`])
        assert.equal(
          noCarrier(path, JSON.parse(`{"payload":{${JSON.stringify(key)}:${JSON.stringify(carrier)}}}`)),
          `the row's ${path} field is never read as a carrier by tracehop: the path goes through a field named ${key}, ` +
            "and no tracehop function reads a carrier from a field named __proto__, constructor or prototype, the names " +
            "JavaScript gives an object's prototype and class (JSON.parse keeps such a key; a copy by Object.assign " +
            "makes a __proto__ field the copy's prototype); rename the field",
        );
    assert.match(
      run(["--help"]).stdout,
      /a field whose own name holds the dot, "a\.b", wins\s+over the path/,
    );
  });

  test("a row whose carrier is two levels down: its one place read, with the path and the --field to pass; several listed; looked for within bounds", () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const carrier = { traceparent };
    const found = (reader: string, name = "payload.traceContext") =>
      "the row has no propagation header at its top level, no traceContext field and no field holding a carrier: " +
      `read the one field two levels down holding a carrier, ${name}, as withCarrier(${reader}) reads it ` +
      `(withCarrier(row) reads only traceContext); say --field ${name} to read it so, or --field PATH to choose another`;
    const row = JSON.stringify({ id: 1, payload: { traceContext: carrier } });
    for (const [args, input] of [
      [[row], undefined],
      [["-"], row + "\n"],
    ] as const) {
      const result = run(["inspect", "--json", ...args], input);
      assert.equal(result.code, 0, result.stdout);
      const report = JSON.parse(result.stdout);
      assert.equal(report.context.parentId, "b7ad6b7169203331");
      assert.deepEqual(report.diagnostics, [found("row.payload.traceContext")]);
    }
    // In text, as the diagnostic of a top-level field found so.
    const shown = run(["inspect", row]);
    assert.equal(shown.code, 0);
    assert.ok(shown.stdout.includes(`  - ${found("row.payload.traceContext")}\n`), shown.stdout);
    // Its payload as JSON text; a name that is no identifier.
    const text = run([
      "inspect",
      "--json",
      JSON.stringify({ id: 1, payload: JSON.stringify({ "x-trace": carrier }) }),
    ]);
    assert.equal(text.code, 0, text.stdout);
    assert.deepEqual(JSON.parse(text.stdout).diagnostics, [
      found('JSON.parse(row.payload)["x-trace"]', "payload.x-trace"),
    ]);
    // Among rows: each row's own.
    const rows = run(["inspect", "--json", `[${row},{"id":2,"job":{"carrier":${JSON.stringify(carrier)}}}]`]);
    assert.equal(rows.code, 0, rows.stdout);
    assert.deepEqual(
      JSON.parse(rows.stdout).map((r: { diagnostics: string[] }) => r.diagnostics),
      [[found("row.payload.traceContext")], [found("row.job.carrier", "job.carrier")]],
    );
    // A path --field would not read as a path (a name holding the dot): the call to make instead.
    for (const value of [
      { "a.b": { c: carrier } },
      { "payload.traceContext": null, payload: { traceContext: carrier } },
    ]) {
      const dotted = run(["inspect", "--json", JSON.stringify(value)]);
      assert.equal(dotted.code, 0, dotted.stdout);
      const [name, reader] = Object.hasOwn(value, "a.b")
        ? ["a.b.c", 'row["a.b"].c']
        : ["payload.traceContext", "row.payload.traceContext"];
      assert.deepEqual(JSON.parse(dotted.stdout).diagnostics, [
        "the row has no propagation header at its top level, no traceContext field and no field holding a carrier: " +
          `read the one field two levels down holding a carrier, ${name}, as withCarrier(${reader}) reads it ` +
          `(withCarrier(row) reads only traceContext); --field cannot name it, since a field's name holds a dot: ` +
          `pass ${reader} to withCarrier`,
      ]);
    }
    // Several: listed, none read (exit 1), as several top-level fields are.
    const several = run([
      "inspect",
      "--json",
      JSON.stringify({ a: { x: carrier }, b: { headers: carrier } }),
    ]);
    assert.equal(several.code, 1);
    assert.deepEqual(JSON.parse(several.stdout).diagnostics, [
      "the row has no propagation header at its top level, no traceContext field and no field holding a carrier; " +
        "several fields two levels down hold a carrier (a.x, b.headers): say --field PATH to choose one",
    ]);
    // A top-level field holding one is read, as before; a prototype key two levels down is not looked at;
    // nor three levels down (--field PATH reads it).
    const top = run([
      "inspect",
      "--json",
      JSON.stringify({ carrier, payload: { traceContext: { traceparent: TRACEPARENT } } }),
    ]);
    assert.equal(JSON.parse(top.stdout).context.parentId, "b7ad6b7169203331");
    const none = "the object holds no propagation header and no field holding a carrier: no context";
    assert.deepEqual(
      firstInvalidReport(`{"payload":{"__proto__":${JSON.stringify(carrier)}}}`, false).diagnostics,
      [none],
    );
    assert.deepEqual(
      firstInvalidReport(JSON.stringify({ meta: { trace: { carrier } } }), false).diagnostics,
      [further("meta.trace.carrier")],
    );
    // Bounded as the library's warning is: the first 16 object fields of the row are looked into.
    const wide = (before: number) => {
      const value: Record<string, unknown> = {};
      for (let i = 0; i < before; i++) value[`f${i}`] = { n: i };
      value.last = { traceContext: carrier };
      return JSON.stringify(value);
    };
    const sixteenth = run(["inspect", "--json", wide(15)]);
    assert.equal(sixteenth.code, 0, sixteenth.stdout);
    assert.deepEqual(JSON.parse(sixteenth.stdout).diagnostics, [
      found("row.last.traceContext", "last.traceContext"),
    ]);
    assert.deepEqual(firstInvalidReport(wide(16), false).diagnostics, [further("last.traceContext")]);
  });

  test("a carrier read from a field withCarrier(row) does not read: its report says what to hand withCarrier (carrierFrom), in text on its first line; none for the row's traceContext or a carrier given alone", () => {
    const carrier = { traceparent: TRACEPARENT };
    const text = JSON.stringify(carrier);
    for (const [args, from] of [
      [[JSON.stringify({ id: 1, carrier })], "row.carrier"],
      [[JSON.stringify({ id: 1, trace_context: text })], "row.trace_context"],
      [[JSON.stringify({ id: 1, meta: { trace: carrier } })], "row.meta.trace"],
      [["--field", "c", JSON.stringify({ c: carrier, traceContext: null })], "row.c"],
      [
        ["--field", "p.traceContext", JSON.stringify({ p: JSON.stringify({ traceContext: carrier }) })],
        "JSON.parse(row.p).traceContext",
      ],
      [[JSON.stringify({ id: 1, traceContext: carrier })], undefined],
      [[JSON.stringify({ id: 1, traceContext: text })], undefined],
      [[text], undefined],
      [[JSON.stringify(text)], undefined],
    ] as const) {
      const json = run(["inspect", "--json", ...args]);
      assert.equal(json.code, 0, json.stdout);
      const report = JSON.parse(json.stdout);
      assert.equal(report.context.parentId, "00f067aa0ba902b7");
      assert.equal(report.carrierFrom, from, args.join(" "));
      const shown = run(["inspect", ...args]);
      assert.equal(
        shown.stdout.split("\n")[0],
        "valid context (extract order datadog, tracecontext, baggage, the default; tracecontext wins)" +
          (from === undefined
            ? ""
            : ` in ${from}, which withCarrier(row) does not read: hand withCarrier(${from})`),
      );
    }
    // A field whose name is no identifier is read as JavaScript reads it; a --field to paste is quoted for
    // the shell when it must be.
    for (const [row, from] of [
      [{ "trace-meta": carrier }, 'row["trace-meta"]'],
      [{ "1": carrier }, 'row["1"]'],
      [{ "": carrier }, 'row[""]'],
      [{ "a b": { x: carrier } }, 'row["a b"].x'],
    ] as const) {
      const json = run(["inspect", "--json", JSON.stringify(row)]);
      assert.equal(json.code, 0, json.stdout);
      assert.equal(JSON.parse(json.stdout).carrierFrom, from);
    }
    const quoted = run(["inspect", "--json", JSON.stringify({ "a b": { x: carrier } })]);
    assert.match(JSON.parse(quoted.stdout).diagnostics[0], /say --field 'a b\.x' to read it so/);
    const deep = run(["inspect", "--json", JSON.stringify({ "it's": { c: { d: carrier } } })]);
    assert.match(
      JSON.parse(deep.stdout).diagnostics[0],
      /it's\.c\.d holds one: --field 'it'\\''s\.c\.d' reads it$/,
    );
    const pasted = run([
      "inspect",
      "--json",
      "--field",
      "it's.c.d",
      JSON.stringify({ "it's": { c: { d: carrier } } }),
    ]);
    assert.equal(pasted.code, 0, pasted.stdout);
    // Among rows: each row's own; a broken carrier in another field says it too.
    const rows = run([
      "inspect",
      "--json",
      `[{"traceContext":${text}},{"carrier":${text}},{"carrier":{"traceparent":"00-bad"}}]`,
    ]);
    assert.equal(rows.code, 1);
    assert.deepEqual(
      JSON.parse(rows.stdout).map((r: { carrierFrom?: string }) => r.carrierFrom),
      [undefined, "row.carrier", "row.carrier"],
    );
    const broken = run(["inspect", '{"carrier":{"traceparent":"00-bad"}}']);
    assert.match(
      broken.stdout.split("\n")[0]!,
      /^no valid context \(.*\) in row\.carrier, which withCarrier\(row\) does not read/,
    );
  });

  test("a row whose traceContext holds no carrier while another field holds one: no carrier, and the field with the --field that reads it, as the library's warning names it", () => {
    const carrier = { traceparent: TRACEPARENT };
    const base =
      "the row's traceContext field is null (a NULL column, or JSON null): written outside a span, or by a service without the extension";
    for (const [row, noCarrier] of [
      [
        { id: 1, traceContext: null, carrier },
        `${base}; its carrier field holds a carrier, which withCarrier(row) does not read (TRACEHOP_CARRIER_IN_OTHER_FIELD): --field carrier reads it`,
      ],
      [
        { id: 1, traceContext: null, "old carrier": JSON.stringify(carrier), b: carrier },
        `${base}; its fields old carrier, b hold a carrier, which withCarrier(row) does not read: say --field NAME to read one`,
      ],
      [{ id: 1, traceContext: null, meta: { carrier } }, base],
    ] as const) {
      const report = run(["inspect", "--json", JSON.stringify(row)]);
      assert.equal(report.code, 1, report.stdout);
      assert.equal(JSON.parse(report.stdout).noCarrier, noCarrier);
    }
  });

  test("a row whose carrier is further in than inspect reads unasked: no context, and the paths that hold one, nearest first, with the --field to pass", () => {
    const carrier = { traceparent: TRACEPARENT };
    // Three and eight levels down; through JSON text; several, nearest first.
    const eight = { a: { b: { c: { d: { e: { f: { g: { h: carrier } } } } } } } };
    const text = {
      job: { meta: JSON.stringify({ trace: { "x-datadog-trace-id": "1", "x-datadog-parent-id": "2" } }) },
    };
    for (const [value, diagnostic] of [
      [eight, further("a.b.c.d.e.f.g.h")],
      [text, further("job.meta.trace")],
      [{ x: { y: { z: { w: carrier } } }, p: { q: { r: carrier } } }, further("p.q.r, x.y.z.w", false)],
    ] as const) {
      const row = JSON.stringify(value);
      const shown = run(["inspect", "--json", row]);
      assert.equal(shown.code, 1, shown.stdout);
      assert.deepEqual(JSON.parse(shown.stdout).diagnostics, [diagnostic], row);
    }
    // The path given reads it.
    const read = run(["inspect", "--json", "--field", "job.meta.trace", JSON.stringify(text)]);
    assert.equal(read.code, 0, read.stdout);
    assert.equal(JSON.parse(read.stdout).context.parentId, "0000000000000002");
    // Not looked for: nine levels down, in arrays, under a prototype key or a name holding a dot (no path names it).
    const none = "the object holds no propagation header and no field holding a carrier: no context";
    for (const value of [
      { a: eight },
      { a: { b: [{ c: carrier }] } },
      JSON.parse(`{"a":{"b":{"__proto__":${JSON.stringify(carrier)}}}}`) as object,
      { a: { "b.c": { d: carrier } } },
    ]) {
      const shown = run(["inspect", "--json", JSON.stringify(value)]);
      assert.equal(shown.code, 1, shown.stdout);
      assert.deepEqual(JSON.parse(shown.stdout).diagnostics, [none], JSON.stringify(value));
    }
    // Bounded: a row of a thousand nested objects is looked into only so far (the carrier after them is not named).
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) wide[`f${i}`] = { g: { h: i } };
    wide.last = { g: { carrier } };
    const bounded = run(["inspect", "--json", JSON.stringify(wide)]);
    assert.equal(bounded.code, 1, bounded.stdout);
    assert.deepEqual(JSON.parse(bounded.stdout).diagnostics, [none]);
  });

  test("a carrier under a __proto__, constructor or prototype field: no carrier, as the library reads none there, and the field to rename", () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const finding = (key: string, holds: boolean) =>
      `the row's ${key} field ${holds ? "holds a carrier, which tracehop never reads" : "is never read as a carrier by tracehop"}: ` +
      "withCarrier(row) reads only traceContext, and no tracehop function reads a carrier from a field named " +
      "__proto__, constructor or prototype, the names JavaScript gives an object's prototype and class " +
      "(JSON.parse keeps such a key; a copy by Object.assign makes a __proto__ field the copy's prototype); " +
      "rename the field, to traceContext";
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const name = JSON.stringify(key);
      for (const value of [
        `{"traceparent":"${traceparent}"}`,
        JSON.stringify(`{"traceparent":"${traceparent}"}`),
      ]) {
        const row = `{"id":1,${name}:${value}}`;
        // The library: nothing restored from such a row (JSON.parse keeps the key an own property).
        const parsed = JSON.parse(row) as object;
        assert.ok(Object.hasOwn(parsed, key));
        assert.equal(trace.getSpanContext(contextFromCarrier(parsed)), undefined, row);
        // inspect: the same verdict, not withCarrier(row.__proto__) advice; alone, among rows, a row per line.
        for (const [input, many] of [
          [row, false],
          [`[${row}]`, true],
          [`${row}\n${row}`, true],
        ] as const)
          assert.equal(firstInvalidReport(input, many).noCarrier, finding(key, true), input);
        // --field names it: the same, whatever it holds.
        const named = run(["inspect", "--json", "--field", key, row]);
        assert.equal(named.code, 1);
        assert.equal(JSON.parse(named.stdout).noCarrier, finding(key, true));
      }
      const nullField = run(["inspect", "--json", "--field", key, `{"id":1,${name}:null}`]);
      assert.equal(nullField.code, 1);
      assert.equal(JSON.parse(nullField.stdout).noCarrier, finding(key, false));
      // In text: one line, no suggestion to read the field.
      const text = run(["inspect", `{${name}:{"traceparent":"${traceparent}"}}`]);
      assert.equal(text.code, 1);
      assert.equal(text.stdout, `no carrier (${finding(key, true)})\n`);
      assert.doesNotMatch(text.stdout, /withCarrier\(row\.(__proto__|constructor|prototype)\)/);
      // Another field holding a carrier beside it is the carrier, as before.
      const beside = run([
        "inspect",
        "--json",
        `{${name}:{"traceparent":"${traceparent}"},"carrier":{"traceparent":"${traceparent}"}}`,
      ]);
      assert.equal(beside.code, 0, beside.stdout);
      assert.match(
        JSON.parse(beside.stdout).diagnostics[0],
        /read its one field holding a carrier, carrier, as withCarrier\(row\.carrier\)/,
      );
    }
  });

  test("a carrier one level under a __proto__, constructor or prototype key of the carrier field: no context, and the same hint", () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const hint = (field: string, reader: string, key: string) =>
      `the row's ${field} field holds a carrier only under its ${key} field, which tracehop never reads: ` +
      `${reader} reads the propagation headers of ${field} itself, and no tracehop function reads a carrier ` +
      "from a field named __proto__, constructor or prototype, the names JavaScript gives an object's " +
      "prototype and class (JSON.parse keeps such a key; a copy by Object.assign makes a __proto__ field " +
      `the copy's prototype); store the carrier's headers as the ${field} field itself, not under ${key}`;
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const nested = `{${JSON.stringify(key)}:{"traceparent":"${traceparent}"}}`;
      for (const [value, read] of [
        [nested, "read the row's traceContext field"],
        [JSON.stringify(nested), "read the row's traceContext field (JSON text)"],
      ] as const) {
        const row = `{"id":1,"traceContext":${value}}`;
        // The library: nothing restored from such a row.
        assert.equal(trace.getSpanContext(contextFromCarrier(JSON.parse(row) as object)), undefined, row);
        for (const [input, many] of [
          [row, false],
          [`[${row}]`, true],
        ] as const)
          assert.deepEqual(
            firstInvalidReport(input, many).diagnostics,
            [read, hint("traceContext", "withCarrier(row)", key)],
            input,
          );
      }
      // Another carrier field (--field), in text.
      const text = run(["inspect", "--field", "carrier", `{"id":1,"carrier":${nested}}`]);
      assert.equal(text.code, 1);
      assert.ok(
        text.stdout.includes(`  - ${hint("carrier", "withCarrier(row.carrier)", key)}\n`),
        text.stdout,
      );
      // Headers beside it are the carrier, read as before: no hint.
      const beside = run([
        "inspect",
        "--json",
        `{"traceContext":{${JSON.stringify(key)}:{"traceparent":"${traceparent}"},"traceparent":"${traceparent}"}}`,
      ]);
      assert.equal(beside.code, 0, beside.stdout);
      assert.deepEqual(JSON.parse(beside.stdout).diagnostics, ["read the row's traceContext field"]);
    }
  });

  test("a carrier one level inside the row's traceContext, under any name (a dd-trace-ot map its writer nested): no context, as the library, and the --field that reads it; the column's value alone says the call on the row", () => {
    const ddOt = '{"x-datadog-trace-id":"18446744073709551615","x-datadog-parent-id":"9007199254740993"}';
    for (const [key, access] of [
      ["trace", ".trace"],
      ["dd-context", '["dd-context"]'],
    ] as const) {
      const column = `{"note":"x",${JSON.stringify(key)}:${ddOt}}`;
      const row = `{"id":11,"traceContext":${column}}`;
      // The library restores nothing from the row.
      assert.equal(trace.getSpanContext(contextFromCarrier(JSON.parse(row) as object)), undefined);
      const hint =
        `the row's traceContext field holds no propagation header, but its field ${key} holds a carrier, ` +
        `which withCarrier(row) does not read (TRACEHOP_CARRIER_IN_OTHER_FIELD): ` +
        `--field ${shellWord(`traceContext.${key}`)} reads it, as withCarrier(row.traceContext${access})`;
      for (const [input, many] of [
        [row, false],
        [`[${row}]`, true],
      ] as const)
        assert.deepEqual(firstInvalidReport(input, many).diagnostics, [
          "read the row's traceContext field",
          hint,
        ]);
      // The --field it names reads the stored ids exactly.
      const named = run(["inspect", "--json", "--field", `traceContext.${key}`, row]);
      assert.equal(named.code, 0, named.stdout);
      const context = JSON.parse(named.stdout).context;
      assert.equal(context.traceId, "0000000000000000ffffffffffffffff");
      assert.equal(context.parentId, "0020000000000001");
      // The column's value alone (psql -At 'select "traceContext" ...'), the wrapper its one field: read
      // through that field, and the call on the row whose column it is said too.
      const alone = run(["inspect", "--json", "-"], `{${JSON.stringify(key)}:${ddOt}}\n`);
      assert.equal(alone.code, 0, alone.stdout);
      const report = JSON.parse(alone.stdout);
      assert.equal(report.carrierFrom, `row${access}`);
      assert.ok(
        report.diagnostics.some((d: string) =>
          d.includes(
            `if this is the value of a row's traceContext column (psql -At 'select "traceContext" ...'), ` +
              `withCarrier(row) restores nothing from it: hand withCarrier(row.traceContext${access})`,
          ),
        ),
        report.diagnostics.join("\n"),
      );
    }
  });

  test("a row whose carrier nests 10,000 levels deep: a report of no context (exit 1)", (t) => {
    const dir = inspectDir(t);
    const deep = '{"a":'.repeat(10000) + "1" + "}".repeat(10000);
    for (const [name, text, diagnostics] of [
      ["row.json", `{"traceContext":${deep}}`, ["read the row's traceContext field"]],
      ["rows.json", `[{"traceContext":${deep}}]`, ["read the row's traceContext field"]],
    ] as const) {
      writeFileSync(join(dir, name), text);
      // Through the bin: what overflows depends on the process's stack (a worker thread's is larger).
      const { code, stdout, stderr } = runBin(["inspect", "--json", join(dir, name)]);
      assert.equal(stderr, "", name);
      assert.equal(code, 1, name);
      const report = [JSON.parse(stdout)].flat()[0];
      assert.equal(report.valid, false);
      assert.deepEqual(report.diagnostics, diagnostics);
    }
  });
});

describe("tracehop inspect: values and lines that hold no carrier", () => {
  test("null, NULL, a number, a boolean or a string: no carrier, the same finding alone, on a line among rows or in an array (exit 1); an empty array is an input error (exit 2)", async () => {
    const tp = JSON.stringify({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" });
    const said: [string, string][] = [
      ["null", "JSON null: the row was written without a carrier"],
      [
        "NULL",
        "NULL: a NULL column as mysql --batch or sqlite3 with .nullvalue NULL prints it; written outside a span, or by a service without the extension",
      ],
      ["42", `a number, not a carrier${BARE_ID}`],
      ["true", "a boolean, not a carrier"],
      ['"not a carrier"', "a JSON string that is not the JSON text of an object (it is not JSON)"],
    ];
    // The runs first, two at a time (runMany); then each checked in the order they are listed.
    const runs: CliRun[] = [];
    for (const [value] of said) {
      // Alone: as an argument, and on standard input with and without its line break (echo, printf).
      for (const [args, input] of aloneForms(value)) {
        runs.push({ args: ["inspect", ...args], input }, { args: ["inspect", "--json", ...args], input });
      }
      // Among rows, one per line, and as an element of an array of rows (where null is also SQL NULL).
      runs.push({ args: ["inspect", "--json", "-"], input: `${tp}\n${value}\n` });
      if (value !== "NULL") runs.push({ args: ["inspect", "--json", `[${tp}, ${value}]`] });
    }
    const results = await runMany(runs);
    const next = () => results.shift()!;
    for (const [value, noCarrier] of said) {
      for (const [, input] of aloneForms(value)) {
        const alone = next();
        assert.equal(alone.code, 1, `${value} ${JSON.stringify(input)}: ${alone.stderr}`);
        assert.equal(alone.stdout, `no carrier (${noCarrier})\n`, value);
        const aloneJson = next();
        assert.equal(JSON.parse(aloneJson.stdout).noCarrier, noCarrier, value);
      }
      const lines = next();
      assert.equal(lines.code, 1, lines.stderr);
      assert.equal(JSON.parse(lines.stdout)[1].noCarrier, noCarrier, value);
      if (value === "NULL") continue;
      const array = next();
      assert.equal(array.code, 1, array.stderr);
      assert.equal(
        JSON.parse(array.stdout)[1].noCarrier,
        value === "null" ? "null: a NULL column, or JSON null" : noCarrier,
        value,
      );
    }
    assert.equal(results.length, 0);
    // An array inside an array of rows is a row too (json_agg over a column holding arrays).
    const nested = run(["inspect", "--json", `[${tp}, [1], 2]`]);
    assert.equal(nested.code, 1, nested.stderr);
    assert.deepEqual(
      JSON.parse(nested.stdout).map((r: { noCarrier?: string }) => r.noCarrier),
      [undefined, "an array, not a carrier", `a number, not a carrier${BARE_ID}`],
    );
    // An empty array holds no rows: still an input error.
    const empty = run(["inspect", "[]"]);
    assert.equal(empty.code, 2);
    assert.equal(
      empty.stderr,
      "tracehop inspect: the JSON array holds no rows; give at least one row or carrier object (one column's value that is an empty array: --array value reads it as one value)\n",
    );
  });

  test("a whole row whose traceContext is NULL (psql -At of row_to_json): no carrier for that row, alone, among rows or in an array (exit 1)", () => {
    const NULL_FIELD =
      "the row's traceContext field is null (a NULL column, or JSON null): written outside a span, or by a service without the extension";
    const rows = run(["inspect", CLIENTS + "psql-At-row_to_json.txt"]);
    assert.equal(rows.code, 1, rows.stderr);
    // Row 2, {"id":2,"traceContext":null}: the verdict says the row has no carrier, as a NULL column alone.
    assert.ok(
      rows.stdout.includes(`\n\nrow 2 of 3: no carrier (${NULL_FIELD})\n\nrow 3 of 3: valid`),
      rows.stdout,
    );
    const json = run(["inspect", "--json", CLIENTS + "psql-At-row_to_json.txt"]);
    assert.deepEqual(
      JSON.parse(json.stdout).map((r: { valid: boolean; noCarrier?: string }) => [r.valid, r.noCarrier]),
      [
        [true, undefined],
        [false, NULL_FIELD],
        [true, undefined],
      ],
    );
    // The row alone, and in an array of rows (sqlite3 -json): the same finding.
    const line = readFileSync(CLIENTS + "psql-At-row_to_json.txt", "utf8").split("\n")[1]!;
    const alone = run(["inspect", line]);
    assert.equal(alone.code, 1);
    assert.equal(alone.stdout, `no carrier (${NULL_FIELD})\n`);
    const array = run(["inspect", "--json", `[${line}]`]);
    assert.equal(JSON.parse(array.stdout)[0].noCarrier, NULL_FIELD);
  });

  test("psql -At rows with NULL carriers: every line a row, an empty line a NULL row; one empty line alone is no rows or one NULL row (exit 1)", () => {
    const tp = (span: string) =>
      JSON.stringify({ traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${span}-01` });
    const NULL_ROW = "no carrier (NULL: written outside a span, or by a service without the extension)";
    // The README's recipe over five rows, the third NULL.
    const five = run(
      ["inspect", "-"],
      [
        tp("0000000000000001"),
        tp("0000000000000002"),
        "",
        tp("0000000000000004"),
        tp("0000000000000005"),
      ].join("\n") + "\n",
    );
    assert.equal(five.code, 1, five.stderr);
    assert.deepEqual(
      five.stdout.split("\n").filter((line) => line.startsWith("row ")),
      [
        "row 1 of 5: valid context (extract order datadog, tracecontext, baggage, the default; tracecontext wins)",
        "row 2 of 5: valid context (extract order datadog, tracecontext, baggage, the default; tracecontext wins)",
        `row 3 of 5: ${NULL_ROW}`,
        "row 4 of 5: valid context (extract order datadog, tracecontext, baggage, the default; tracecontext wins)",
        "row 5 of 5: valid context (extract order datadog, tracecontext, baggage, the default; tracecontext wins)",
      ],
    );
    // One empty line, "\n": one NULL row under psql -At, or no rows under psql -t (the same byte,
    // the clients' real output): a row without a carrier, exit 1, that says both, not empty input.
    const EMPTY_LINE =
      "an empty line: no rows, or one row whose carrier is NULL (psql -t prints an empty line for a query that returns no rows, " +
      "psql -At for one NULL column; a NULL carrier was written outside a span, or by a service without the extension)";
    const noRows = readFileSync(CLIENTS + "psql-t-no-rows.txt", "utf8");
    assert.equal(noRows, "\n");
    assert.equal(readFileSync(CLIENTS + "psql-At-one-null.txt", "utf8"), noRows);
    for (const input of [noRows, "\r\n"]) {
      const one = run(["inspect", "-"], input);
      assert.equal(one.code, 1, one.stderr);
      assert.equal(one.stdout, `no carrier (${EMPTY_LINE})\n`);
      const oneJson = run(["inspect", "--json", "-"], input);
      assert.equal(JSON.parse(oneJson.stdout).noCarrier, EMPTY_LINE);
    }
    // Two empty lines are two NULL rows (psql -t prints no rows as one empty line, a NULL row as a space).
    const twoNull = run(["inspect", "--json", "-"], "\n\n");
    assert.deepEqual(
      JSON.parse(twoNull.stdout).map((r: { noCarrier?: string }) => r.noCarrier),
      [
        "NULL: written outside a span, or by a service without the extension",
        "NULL: written outside a span, or by a service without the extension",
      ],
    );
    // One row then a NULL row: two rows, not one JSON object.
    const two = run(["inspect", "--json", "-"], tp("00f067aa0ba902b7") + "\n\n");
    assert.equal(two.code, 1);
    assert.deepEqual(
      JSON.parse(two.stdout).map((r: { valid: boolean; noCarrier?: string }) => [r.valid, r.noCarrier]),
      [
        [true, undefined],
        [false, "NULL: written outside a span, or by a service without the extension"],
      ],
    );
    // A NULL first row, a JSON null and a jsonb string (psql prints a string's JSON text): rows too.
    const mixed = run(
      ["inspect", "--json", "-"],
      ["", tp("0000000000000002"), "null", JSON.stringify(tp("0000000000000004"))].join("\r\n") + "\r\n",
    );
    assert.equal(mixed.code, 1, mixed.stderr);
    const reports = JSON.parse(mixed.stdout);
    assert.deepEqual(
      reports.map(
        (r: { noCarrier?: string; context?: { parentId: string } }) => r.noCarrier ?? r.context?.parentId,
      ),
      [
        "NULL: written outside a span, or by a service without the extension",
        "0000000000000002",
        "JSON null: the row was written without a carrier",
        "0000000000000004",
      ],
    );
    assert.ok(
      reports[3].diagnostics[0].startsWith(
        "the carrier is a JSON string holding the carrier's JSON text (JSON text inside JSON",
      ),
    );
    // Pretty-printed JSON (its first line "{" alone is no JSON value) is still one object.
    const pretty = run(
      ["inspect", "--json", "-"],
      JSON.stringify(JSON.parse(tp("00f067aa0ba902b7")), null, 2) + "\n\n",
    );
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.equal(JSON.parse(pretty.stdout).context.parentId, "00f067aa0ba902b7");
  });
});

describe("tracehop inspect: one header's value alone (->>'traceparent')", () => {
  const BARE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const READ_AS = 'a bare traceparent value, read as the carrier {"traceparent": <it>}';
  const NOTE =
    "the input is a traceparent value alone (as select \"traceContext\"->>'traceparent' prints it), read as a carrier of that header alone: " +
    "the stored carrier's other headers (tracestate, with its dd= member, baggage, x-datadog-*) are not in it, and may change the context restored; " +
    "to inspect the whole carrier, psql -At -c 'select \"traceContext\" from ...', mysql -N -B -e 'select traceContext from ...'";

  test("a stored traceparent ending in CR LF, as psql -At prints it (the value's CR LF, then psql's LF): refused as the restore refuses it, never valid (trial t8)", () => {
    const fixture = readFileSync(CLIENTS + "psql-At-traceparent-crlf.txt", "utf8");
    assert.ok(fixture.endsWith("-01\r\n\n"), "the client's real output");
    for (const input of [fixture, `${BARE}\r\n\n${BARE}\n`]) {
      const { code, stdout } = run(["inspect", "--json", "-"], input);
      assert.equal(code, 1, stdout);
      const first = JSON.parse(stdout)[0] as { valid: boolean; styles: { style: string; reason?: string }[] };
      assert.equal(first.valid, false);
      assert.match(JSON.stringify(first), /ends with U\+000D \(carriage return\)/);
    }
    // A file saved with Windows line ends (every break CR LF) is still read by its lines.
    const windows = run(["inspect", "-"], `${BARE}\r\n${BARE}\r\n`);
    assert.equal(windows.code, 0, windows.stdout);
  });

  test("a bare traceparent (psql -At of ->>'traceparent'), as the argument, a file or on standard input: read as the carrier {traceparent}, said on the first line and in --json readAs", async () => {
    const forms: [string[], string | undefined][] = [
      [[CLIENTS + "psql-At-traceparent.txt"], undefined],
      [[BARE], undefined],
      [["-"], BARE + "\n"],
      [["-"], BARE],
      [["-"], ` ${BARE}\n\n`], // psql -t (aligned): its leading space and final empty line
    ];
    const runs = await runMany(
      forms.flatMap(([args, input]) => [
        { args: ["inspect", ...args], input },
        { args: ["inspect", "--json", ...args], input },
      ]),
    );
    for (const [i, [args, input]] of forms.entries()) {
      const what = `${args.join(" ")} ${JSON.stringify(input)}`;
      const text = runs[2 * i]!;
      assert.equal(text.code, 0, `${what}: ${text.stderr}`);
      assert.equal(
        text.stdout.split("\n")[0],
        `valid context (extract order datadog, tracecontext, baggage, the default; tracecontext wins) from ${READ_AS}, not the whole carrier`,
        what,
      );
      assert.ok(text.stdout.includes(`\n  - ${NOTE}\n`), text.stdout);
      const json = JSON.parse(runs[2 * i + 1]!.stdout);
      assert.equal(json.readAs, READ_AS, what);
      assert.equal(json.context.traceId, "0af7651916cd43dd8448eb211c80319c");
      assert.equal(json.context.parentId, "b7ad6b7169203331");
      assert.deepEqual(json.diagnostics, [NOTE]);
    }
    // Over rows (the NULL rows of carriers without one): a report each.
    const rows = run(["inspect", "--json", CLIENTS + "psql-At-traceparent-rows.txt"]);
    assert.equal(rows.code, 1, rows.stderr);
    assert.deepEqual(
      JSON.parse(rows.stdout).map((r: { valid: boolean; readAs?: string }) => [r.valid, r.readAs]),
      [
        [true, READ_AS],
        [false, undefined],
        [false, undefined],
      ],
    );
    // An invalid one is read too: the traceparent style says why (exit 1), and the first line what was read.
    const zero = run(["inspect", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"]);
    assert.equal(zero.code, 1);
    assert.match(zero.stdout, /^no valid context \(.*\) from a bare traceparent value, read as the carrier/);
    assert.match(zero.stdout, /\n {2}tracecontext rejected /);
    // A whole carrier is read as before, without readAs.
    assert.equal(
      JSON.parse(run(["inspect", "--json", JSON.stringify({ traceparent: BARE })]).stdout).readAs,
      undefined,
    );
  });

  test("a bare traceparent the tracecontext style refuses is never called valid: the argument keeps its characters (a CR before the final LF), a line keeps all but SP/HTAB around it; a no-break space in it is recognised and said by the style (trial)", async () => {
    const CR = "ends with U+000D (carriage return): only spaces and tabs around a header value are ignored";
    const NBSP_END =
      "ends with U+00A0 (no-break space): only spaces and tabs around a header value are ignored";
    const NBSP_IN =
      'traceparent parent-id "b7ad6b7169203331\\u00a0" has a character that is not a hex digit; parent-id is 16 ' +
      "lowercase hex digits, not all zero (W3C Trace Context §3.2.2.4); its character 17 is U+00A0 (no-break space)";
    const INSIDE = BARE.replace("-01", "\u00a0-01");
    const cases: [string[], string | undefined, string][] = [
      [[`${BARE}\r\n`], undefined, CR], // $'...\r\n' as the argument: one value, its CR kept
      [[`${BARE}\r`], undefined, CR],
      [[`${BARE}\u00a0`], undefined, NBSP_END],
      [[INSIDE], undefined, NBSP_IN],
      [[`${INSIDE}\n`], undefined, NBSP_IN],
      [["-"], `${BARE}\u00a0\n`, NBSP_END], // a line: only SP/HTAB around it are left out
      [["-"], ` ${INSIDE}\n\n`, NBSP_IN], // psql -t
      [["-"], `${INSIDE}\n${BARE}\n`, NBSP_IN], // the first of two rows
    ];
    const runs = await runMany(cases.map(([args, input]) => ({ args: ["inspect", ...args], input })));
    for (const [i, [args, input, reason]] of cases.entries()) {
      const what = `${JSON.stringify(args)} ${JSON.stringify(input)}`;
      const found = runs[i]!;
      assert.equal(found.code, 1, `${what}: ${found.stdout}${found.stderr}`);
      assert.match(
        found.stdout,
        /^(?:row 1 of 2: )?no valid context \(.*\) from a bare traceparent value, read as the carrier/,
        what,
      );
      assert.ok(found.stdout.includes(reason), `${what}: ${found.stdout}`);
    }
    // The library refuses each value so: inspect says what a restore does.
    for (const value of [`${BARE}\r`, `${BARE}\u00a0`, INSIDE])
      assert.equal(trace.getSpanContext(contextFromCarrier({ traceparent: value })), undefined, value);
    // The final line feed of psql -At's row is no part of the value; CRLF text on standard input or in a
    // file is lines, as ever (its CR LF is the line break).
    for (const [args, input] of [
      [[`${BARE}\n`], undefined],
      [["-"], `${BARE}\r\n`],
      [[` ${BARE}\t`], undefined],
    ] as [string[], string | undefined][]) {
      const found = run(["inspect", "--json", ...args], input);
      assert.equal(found.code, 0, `${JSON.stringify(args)} ${JSON.stringify(input)}: ${found.stdout}`);
      assert.equal(JSON.parse(found.stdout).readAs, READ_AS);
    }
  });

  test("a traceparent in a JSON string (->'traceparent') or a bare decimal id (->>'x-datadog-trace-id'): no carrier (exit 1), saying to inspect the whole carrier column", () => {
    const quoted = run(["inspect", CLIENTS + "psql-At-traceparent-json.txt"]);
    assert.equal(quoted.code, 1);
    assert.equal(
      quoted.stdout,
      "no carrier (a JSON string that is not the JSON text of an object (it is not JSON): a traceparent value alone, as " +
        `select "traceContext"->'traceparent' prints it; inspect the whole carrier column, psql -At -c 'select "traceContext" from ...', ` +
        'or the value without its quotes (->>), which is read as the carrier {"traceparent": <it>})\n',
    );
    // A number alone does not say which header it was: not read as one, a hint only.
    const id = run(["inspect", CLIENTS + "psql-At-datadog-trace-id.txt"]);
    assert.equal(id.code, 1);
    assert.equal(id.stdout, `no carrier (a number, not a carrier${BARE_ID})\n`);
    // The id with its quotes (->'x-datadog-trace-id': the carrier's values are JSON strings): the same hint.
    const quotedId = run(["inspect", CLIENTS + "psql-At-datadog-trace-id-json.txt"]);
    assert.equal(quotedId.code, 1);
    assert.equal(
      quotedId.stdout,
      "no carrier (a JSON string that is not the JSON text of an object (it is JSON text of a number): one header's value alone, " +
        `as select "traceContext"->'x-datadog-trace-id' prints an id? inspect the whole carrier column, psql -At -c 'select "traceContext" from ...')\n`,
    );
  });
});

describe("tracehop inspect: several rows", () => {
  test("a JSON array of rows (sqlite3 -json): a report per row; exit 1 when a row has no context", () => {
    const rows = [
      {
        id: 1,
        traceContext: JSON.stringify({
          traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        }),
      },
      {
        id: 2,
        traceContext: JSON.stringify({
          "x-datadog-trace-id": "18446744073709551615",
          "x-datadog-parent-id": "1",
        }),
      },
      { id: 3, traceContext: null },
    ];
    const json = run(["inspect", "--json", JSON.stringify(rows)]);
    assert.equal(json.code, 1);
    const reports = JSON.parse(json.stdout);
    assert.deepEqual(
      reports.map((r: { valid: boolean; context?: { traceId: string } }) => [r.valid, r.context?.traceId]),
      [
        [true, "4bf92f3577b34da6a3ce929d0e0e4736"],
        [true, "0000000000000000ffffffffffffffff"],
        [false, undefined],
      ],
    );
    assert.equal(
      reports[2].noCarrier,
      "the row's traceContext field is null (a NULL column, or JSON null): written outside a span, or by a service without the extension",
    );
    assert.deepEqual(reports[2].diagnostics, []);
    const text = run(["inspect", "-"], JSON.stringify(rows.slice(0, 2)));
    assert.equal(text.code, 0, text.stderr);
    // The first line says the array was read as rows; its elements plainly are (objects holding the
    // carrier column), so reading it as one value is not offered.
    assert.match(
      text.stdout,
      /^input: one JSON array, read as 2 rows, a report each \(as json_agg and sqlite3 -json print a query's rows; its elements are rows, each holding the carrier column traceContext\)\n\nrow 1 of 2: valid context/,
    );
    assert.doesNotMatch(text.stdout, /--array value/);
    assert.match(text.stdout, /\n\nrow 2 of 2: valid context/);
    assert.match(text.stdout, /18446744073709551615/);
  });

  test("one JSON array whose elements plainly are rows (objects holding a carrier column: psql -At of jsonb_agg(t), sqlite3 -json): --array value is not offered; an array of carriers still offers it", async () => {
    const files: [string, string][] = [
      ["psql-At-jsonb_agg-rows.txt", "traceContext"],
      ["psql-At-jsonb_agg-rows-trace-carrier.txt", "trace_carrier"],
      ["sqlite3-json-rows.txt", "traceContext"],
    ];
    const results = await runMany(files.map(([file]) => ({ args: ["inspect", CLIENTS + file] })));
    for (const [i, [file, column]] of files.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 1, `${file}: ${stderr}`); // row 2's carrier is NULL
      assert.equal(
        stdout.split("\n")[0],
        `input: one JSON array, read as 3 rows, a report each (as json_agg and sqlite3 -json print a query's rows; its elements are rows, each holding the carrier column ${column})`,
        file,
      );
      assert.doesNotMatch(stdout, /--array value/, file);
      assert.match(stdout, /\n\nrow 1 of 3: valid context/, file);
    }
    // The same rows with --field naming the column.
    const named = run([
      "inspect",
      "--field",
      "trace_carrier",
      CLIENTS + "psql-At-jsonb_agg-rows-trace-carrier.txt",
    ]);
    assert.match(named.stdout, /^input: .*each holding the carrier column trace_carrier\)\n/);
    // An array of carriers (json_agg of the carrier column, or a Json column holding carriers) and an
    // array mixing a row and a carrier: ambiguous, --array value still offered.
    for (const input of [
      `[{"traceparent":"${TRACEPARENT}"},null]`,
      `[{"id":1,"traceContext":{"traceparent":"${TRACEPARENT}"}},{"traceparent":"${TRACEPARENT}"}]`,
    ])
      assert.match(run(["inspect", "-"], input).stdout, /^input: .*--array value reads it so\n/, input);
  });

  test("one-line JSON arrays of carriers or rows a line each (psql -At of json_agg with group by): each said as a group's array, with the query that aggregates once or prints a row a line; arrays of other values are not", async () => {
    const said =
      "an array, not a carrier (withCarrier reads none from an array); every line is an array, some holding carriers or rows: " +
      "if each is one group's json_agg (psql -At prints json_agg with group by a line per group), aggregate once, " +
      "psql -At -c 'select json_agg(t) from ... t' without group by (its rows are read), or print a row a line, " +
      "psql -At -c 'select \"traceContext\" from ...'";
    const files = ["psql-At-json_agg-carriers-grouped.txt", "psql-At-jsonb_agg-rows-grouped.txt"];
    const results = await runMany(files.map((file) => ({ args: ["inspect", "--json", CLIENTS + file] })));
    for (const [i, file] of files.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 1, `${file}: ${stderr}`);
      const reports = JSON.parse(stdout) as { valid: boolean; noCarrier?: string }[];
      assert.deepEqual(
        reports.map((r) => [r.valid, r.noCarrier]),
        [
          [false, said],
          [false, said],
        ],
        file,
      );
    }
    // Arrays of numbers a line each, or a line that is not an array among them: not said so.
    for (const input of [
      "[1,2]\n[3]\n",
      `[{"traceparent":"${TRACEPARENT}"}]\n{"traceparent":"${TRACEPARENT}"}\n`,
    ])
      assert.doesNotMatch(run(["inspect", "--json", "-"], input).stdout, /json_agg/, input);
  });

  test("PostgreSQL's COPY text format (COPY ... TO STDOUT, \\copy): read when a line \\N says so, each line's escapes undone (\\\\ \\n \\r \\t \\b \\f \\v) as the column stores it; several columns, or another delimiter, said with what to run", async () => {
    const A = "0af7651916cd43dd8448eb211c80319c";
    const NULL =
      "NULL: a NULL column as PostgreSQL's COPY text format prints it (\\N); written outside a span, or by a service without the extension";
    const COPY =
      "the input is PostgreSQL's COPY text format (a line \\N, its NULL): this line is read with the escapes it writes (\\\\ \\n \\r \\t \\b \\f \\v) undone, as the column stores it";
    const files: [string, [boolean, string | undefined, string | undefined, boolean][]][] = [
      [
        "pg-copy.txt",
        [
          [true, A, undefined, false],
          [false, undefined, NULL, false],
          [true, "00000000000000000000000000003039", undefined, false],
        ],
      ],
      [
        "pg-copy-pretty.txt",
        [
          [true, A, undefined, true],
          [false, undefined, NULL, false],
          [true, "00000000000000000000000000003039", undefined, true],
        ],
      ],
      [
        "pg-copy-escapes.txt",
        [
          [true, A, undefined, true],
          [false, undefined, NULL, false],
          [true, A, undefined, true],
          [true, A, undefined, true],
        ],
      ],
    ];
    const results = await runMany(files.map(([file]) => ({ args: ["inspect", "--json", CLIENTS + file] })));
    for (const [i, [file, expected]] of files.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 1, `${file}: ${stderr}`);
      const reports = JSON.parse(stdout) as {
        valid: boolean;
        context?: { traceId: string };
        noCarrier?: string;
        diagnostics?: string[];
      }[];
      assert.deepEqual(
        reports.map((r) => [r.valid, r.context?.traceId, r.noCarrier, (r.diagnostics ?? []).includes(COPY)]),
        expected,
        file,
      );
    }
    // Row 3 of pg-copy-escapes.txt stores a tab in its tracestate (the JSON escape \t, printed \\t): read
    // so, a member the restore drops (a tab is outside tracestate's grammar), as the stored value restores;
    // not as a backslash and a t, a valid member, which the line read as it is gives.
    const tracestate = (input: string) =>
      (
        JSON.parse(run(["inspect", "--json", "-"], input).stdout) as { context: { tracestate: string[] } }[]
      ).map((r) => r.context?.tracestate);
    const copied = readFileSync(CLIENTS + "pg-copy-escapes.txt", "utf8");
    assert.deepEqual(tracestate(copied)[2], []);
    const stored = `{"traceparent":"00-${A}-b7ad6b7169203331-01","tracestate":"k=a\\tb"}`;
    assert.equal(
      trace.getSpanContext(contextFromCarrier(JSON.parse(stored)))?.traceState?.serialize() ?? "",
      "",
    );
    assert.deepEqual(tracestate(`${copied.split("\n")[2]}\n{}\n`)[0], ["k=a\\tb"]);
    // Several columns: said as COPY's, with what to run.
    const columns = run(["inspect", CLIENTS + "pg-copy-columns.txt"]);
    assert.equal(columns.code, 2);
    assert.match(
      columns.stderr,
      /^tracehop inspect: the carrier is not valid JSON: it looks like PostgreSQL's COPY text format of several columns, separated by tabs \(\\N is a NULL column\): select the carrier column alone, COPY \(select "traceContext" from \.\.\.\) TO STDOUT, or psql -At -c 'select "traceContext" from \.\.\.'/,
    );
    assert.doesNotMatch(columns.stderr, /mysql/);
    // Another delimiter (a comma, written \, inside a value): the line named, with the default's COPY.
    const comma = run(["inspect", CLIENTS + "pg-copy-delimiter-comma.txt"]);
    assert.equal(comma.code, 2);
    assert.match(
      comma.stderr,
      /^tracehop inspect: the carrier is not valid JSON: it looks like PostgreSQL's COPY text format \(a line \\N, its NULL\), but its line 1 holds a backslash that starts none of the escapes COPY writes with its default delimiter \(\\\\ \\n \\r \\t \\b \\f \\v\): \\, \(a DELIMITER of its own\? COPY \.\.\. TO STDOUT without one reads\), or print the column as stored, psql -At -c 'select "traceContext" from \.\.\.'; give a JSON object of header -> value, an array of rows, or one row per line \(Bad escaped character in JSON at position \d+\)\n$/,
    );
  });

  test("one JSON value per line (psql -At): a report per line; a line that is not JSON is an input error naming the line (exit 2)", () => {
    const lines = [
      JSON.stringify({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }),
      "",
      '{"x-datadog-trace-id": 12345678901234567890, "x-datadog-parent-id": "1"}',
    ].join("\n");
    const { code, stdout } = run(["inspect", "--json", "-"], lines + "\n");
    assert.equal(code, 1);
    const reports = JSON.parse(stdout);
    assert.deepEqual(
      reports.map((r: { valid: boolean; noCarrier?: string }) => [r.valid, r.noCarrier !== undefined]),
      [
        [true, false],
        [false, true],
        [false, false],
      ],
    );
    // Each line is its own text: the id beyond 2^53 is refused, as a restore of JSON.parse's reading
    // refuses it, with the digits as written.
    assert.ok(
      reports[2].diagnostics.some((d: string) =>
        d.startsWith(
          "x-datadog-trace-id is stored as the JSON number 12345678901234567890, beyond 2^53: refused, as a restore refuses it",
        ),
      ),
    );
    const bad = run(["inspect", "-"], '{"traceparent": "x"}\n\n{"b": "2"}\nnot json\n');
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^tracehop inspect: line 4 is not valid JSON; with one row per line, every line must be a JSON object, a JSON string holding an object's JSON text, null, or empty or NULL \(a NULL column\) \(Unexpected token .*\)\n$/,
    );
    // A value a Json column can hold that is no carrier is that row's finding; the other rows are
    // still reported (exit 1), as psql -At prints a jsonb column holding a string, an array or a number.
    const values = run(
      ["inspect", "--json", "-"],
      '{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}\n[1]\n"not json at all"\n5\n',
    );
    assert.equal(values.code, 1);
    const rows = JSON.parse(values.stdout);
    assert.deepEqual(
      rows.map((r: { valid: boolean; noCarrier?: string }) => [r.valid, r.noCarrier]),
      [
        [true, undefined],
        [false, "an array, not a carrier"],
        [false, "a JSON string that is not the JSON text of an object (it is not JSON)"],
        [false, `a number, not a carrier${BARE_ID}`],
      ],
    );
    const notLines = run(["inspect", "-"], "not json\n{}\n");
    assert.equal(notLines.code, 2);
    assert.match(
      notLines.stderr,
      /^tracehop inspect: the carrier is not valid JSON; give a JSON object of header -> value, an array of rows, or one row per line \(Unexpected token .*\)\n$/s,
    );
  });
});

describe("tracehop inspect: psql output", () => {
  test("psql -t (aligned, rows only): each value's leading space and the final empty line are no NULL row, psql -At's last empty line is; a value over several lines says to print jsonb unaligned", () => {
    const TP1 = "0af7651916cd43dd8448eb211c80319c";
    const TP2 = "4bf92f3577b34da6a3ce929d0e0e4736";
    const NULL_ROW = "NULL: written outside a span, or by a service without the extension";
    const ids = (stdout: string) =>
      JSON.parse(stdout).map(
        (r: { context?: { traceId: string }; noCarrier?: string }) => r.context?.traceId ?? r.noCarrier,
      );
    // Two rows of jsonb carriers: " {…}\n {…}\n\n" is two valid rows (exit 0), not a third NULL row.
    const two = run(["inspect", "--json", CLIENTS + "psql-t.txt"]);
    assert.equal(two.code, 0, two.stdout);
    assert.deepEqual(ids(two.stdout), [TP1, TP2]);
    // A NULL last row prints " " (a space), then the final empty line: three rows, the last NULL.
    const withNull = run(["inspect", "--json", CLIENTS + "psql-t-null.txt"]);
    assert.equal(withNull.code, 1);
    assert.deepEqual(ids(withNull.stdout), [TP1, TP2, NULL_ROW]);
    // psql -At prints that NULL last row as an empty line, "{…}\n{…}\n\n": it stays a row.
    const unaligned = run(["inspect", "--json", CLIENTS + "psql-At-null.txt"]);
    assert.equal(unaligned.code, 1);
    assert.deepEqual(ids(unaligned.stdout), [TP1, TP2, NULL_ROW]);
    // One row under psql -t: one value, as its line alone (no "row 1 of 2").
    const oneLine = readFileSync(CLIENTS + "psql-t.txt", "utf8").split("\n")[0]!;
    const one = run(["inspect", "-"], `${oneLine}\n\n`);
    assert.equal(one.code, 0, one.stdout);
    assert.match(one.stdout, /^valid context /);
    // A pretty-printed value (continued lines end with "+") says to print unaligned jsonb.
    const pretty = run(["inspect", CLIENTS + "psql-t-pretty.txt"]);
    assert.equal(pretty.code, 2);
    assert.ok(
      pretty.stderr.startsWith(
        refusal(
          "the carrier",
          'it looks like psql\'s aligned output of a value over several lines, each but its last ending with "+": print the rows unaligned, ' +
            "one per line, psql -At -c 'select \"traceContext\"::jsonb from ...' (-A unaligned, -t rows only; jsonb prints on one line)",
        ),
      ),
      pretty.stderr,
    );
  });

  test("psql -At of a bytea column (\\x hex): decoded as UTF-8 JSON text", () => {
    const rows = run(["inspect", "--json", CLIENTS + "psql-At-bytea.txt"]);
    assert.equal(rows.code, 1, rows.stderr);
    const [row, missing] = JSON.parse(rows.stdout);
    assert.equal(row.context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.deepEqual(row.diagnostics, [
      "the line is psql's hex output of a bytea column (\\x…): read as the UTF-8 JSON text its bytes hold (convert_from(column, 'UTF8') selects it as text)",
    ]);
    assert.match(missing.noCarrier, /^NULL: written outside a span/);
    // One line alone: a row too.
    const one = readFileSync(CLIENTS + "psql-At-bytea.txt", "utf8").split("\n")[0]!;
    assert.equal(
      JSON.parse(run(["inspect", "--json", "-"], one).stdout).context.parentId,
      "00f067aa0ba902b7",
    );
  });

  test("psql -At of a bytea column whose bytes are not UTF-8, not JSON, or none (\\x): no carrier for that row; the other rows are read", () => {
    const NOT_UTF8 =
      "a bytea value (\\x…, psql's hex output) whose bytes are not UTF-8 text: no carrier (a carrier stored as bytes is its UTF-8 JSON text; convert_from(column, 'UTF8') selects it as text)";
    const bad = run(["inspect", "--json", CLIENTS + "psql-At-bytea-not-utf8.txt"]);
    assert.equal(bad.code, 1, bad.stderr);
    const [row, missing, notUtf8] = JSON.parse(bad.stdout);
    assert.equal(row.context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.match(missing.noCarrier, /^NULL: written outside a span/);
    assert.equal(notUtf8.noCarrier, NOT_UTF8);
    assert.deepEqual(notUtf8.diagnostics, []);
    // As the first row, and as the only one: a row too.
    const hex = readFileSync(CLIENTS + "psql-At-bytea.txt", "utf8").split("\n")[0]!;
    const first = parseInspectInput(`\\xff00\n${hex}\n`);
    assert.deepEqual(
      first.carriers.map((c) => c.noCarrier ?? c.carrier.traceparent),
      [NOT_UTF8, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    );
    assert.deepEqual(parseInspectInput("\\xff00\n").carriers, [
      { carrier: {}, diagnostics: [], noCarrier: NOT_UTF8 },
    ]);
    // Bytes that are UTF-8 but not JSON ("hi"), and no bytes at all (an empty bytea prints \x).
    assert.deepEqual(
      parseInspectInput(`${hex}\n\\x6869\n\\x\n`).carriers.map((c) => c.noCarrier),
      [
        undefined,
        "a bytea value (\\x…, psql's hex output) whose UTF-8 text is not JSON: no carrier",
        "an empty bytea value (\\x, psql's hex output of no bytes): no carrier",
      ],
    );
    assert.deepEqual(parseInspectInput("\\x").carriers, [
      {
        carrier: {},
        diagnostics: [],
        noCarrier: "an empty bytea value (\\x, psql's hex output of no bytes): no carrier",
      },
    ]);
  });

  test("psql -At of row_to_json over a column named carrier: the field found is said once a row", () => {
    const FOUND =
      "the row has no propagation header at its top level and no traceContext field: read its one field holding a " +
      "carrier, carrier, as withCarrier(row.carrier) reads it (withCarrier(row) reads only traceContext); say --field " +
      "NAME to choose the field";
    const json = run(["inspect", "--json", CLIENTS + "psql-At-row_to_json-carrier.txt"]);
    assert.equal(json.stderr, "");
    const [first, , third] = JSON.parse(json.stdout);
    assert.deepEqual([first.context.parentId, first.diagnostics], ["b7ad6b7169203331", [FOUND]]);
    assert.deepEqual([third.context.datadogParentId, third.diagnostics], ["456", [FOUND]]);
    const text = run(["inspect", CLIENTS + "psql-At-row_to_json-carrier.txt"]);
    assert.ok(text.stdout.startsWith("row 1 of 3: valid context"), text.stdout);
    assert.equal(text.stdout.split(`diagnostics:\n  - ${FOUND}\n\nrow 2 of 3: `).length, 2, text.stdout);
    assert.doesNotMatch(text.stdout, /read the row's carrier field/);
    // --field carrier: no finding to report, only how the field was read.
    const named = run([
      "inspect",
      "--json",
      "--field",
      "carrier",
      CLIENTS + "psql-At-row_to_json-carrier.txt",
    ]);
    assert.deepEqual(JSON.parse(named.stdout)[0].diagnostics, ["read the row's carrier field"]);
  });

  test("psql -At of a json column of pretty-printed JSON, several rows: an input error saying to print jsonb or to_jsonb; one such row alone is read", () => {
    const HINT =
      "it looks like several JSON values one after another, each over several lines, as psql -At prints a json column holding " +
      `pretty-printed text: print one row per line, psql -At -c 'select "traceContext"::jsonb from ...' (jsonb prints on one line), ` +
      "or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t'";
    // Rows 1 and 3 over three lines each, row 2 NULL (an empty line between them); and with a NULL first.
    const pretty = readFileSync(CLIENTS + "psql-At-json-pretty.txt", "utf8");
    for (const input of [pretty, "\n" + pretty, pretty.replaceAll("\n", "\r\n")]) {
      const { code, stdout, stderr } = run(["inspect", "-"], input);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.ok(stderr.startsWith(refusal("the carrier", HINT)), stderr);
    }
    // One such row alone is one JSON value: read.
    const one = run(["inspect", "--json", "-"], pretty.slice(0, pretty.indexOf("}\n") + 2));
    assert.equal(one.code, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout).context.traceId, "0af7651916cd43dd8448eb211c80319c");
    // A pretty-printed value followed by what starts no JSON value gets no such hint.
    assert.doesNotMatch(run(["inspect", "-"], '{\n  "a": "1"\n}\nfoo\n').stderr, /several JSON values/);
  });

  test("psql -At of json_agg over groups (several arrays, each element of whole rows on a line of its own): an input error saying to aggregate once or print a row a line; one such array alone is read", () => {
    const HINT =
      "it looks like several json_agg arrays one after another, each over several lines (json_agg of whole rows puts a " +
      "line break between its elements), as psql -At prints a json_agg with group by: aggregate once, psql -At -c " +
      "'select json_agg(t) from ... t' without group by, or print a row a line, psql -At -c 'select to_jsonb(t) from ... t'";
    // Groups {1, 3} and {2, 4}: the first line starts an array that goes on, so the text is no JSON value.
    const grouped = readFileSync(CLIENTS + "psql-At-json_agg-grouped.txt", "utf8");
    for (const input of [grouped, grouped.replaceAll("\n", "\r\n")]) {
      const { code, stdout, stderr } = run(["inspect", "-"], input);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.ok(stderr.startsWith(refusal("the carrier", HINT)), stderr);
    }
    // Groups {1} and {2, 3, 4}: the first line is an array of its own, so the text is read a row a line and
    // its line 2 is the one that is not JSON.
    const oneFirst = run(["inspect", CLIENTS + "psql-At-json_agg-grouped-one-first.txt"]);
    assert.equal(oneFirst.code, 2);
    assert.ok(oneFirst.stderr.startsWith(refusal("line 2", HINT)), oneFirst.stderr);
    // One group alone is one JSON array: its rows are read.
    const one = run(["inspect", "--json", "-"], grouped.slice(grouped.indexOf("[", 1)));
    assert.equal(one.code, 1, one.stderr);
    assert.deepEqual(
      JSON.parse(one.stdout).map(
        (report: { context?: { datadogTraceId: string } }) => report.context?.datadogTraceId,
      ),
      [undefined, "1234"],
    );
    // Arrays over several lines followed by a line that starts no array get no such hint.
    assert.doesNotMatch(run(["inspect", "-"], grouped + "foo\n").stderr, /json_agg arrays/);
  });

  test("psql -At of row_to_json over a json column of pretty-printed JSON: an input error naming the column from its JSON key; one such row alone is read", () => {
    const HINT =
      "it looks like whole rows as JSON, each over several lines, as psql -At prints row_to_json(t) of a json column holding " +
      "pretty-printed text, here pretty: print one row per line, psql -At -c 'select to_jsonb(t) from ... t' (jsonb prints on " +
      `one line), or the carrier column alone, psql -At -c 'select "pretty"::jsonb from ...'`;
    // Rows 1 and 3 over four lines each, row 2 (NULL) between; and row 2 first, a line that is a row of
    // its own, so the text is read a row a line and its line 2 is the one that is not JSON.
    const rows = readFileSync(CLIENTS + "psql-At-row_to_json-pretty.txt", "utf8");
    const lines = rows.split("\n");
    for (const [input, where] of [
      [rows, "the carrier"],
      [[lines[4], ...lines.slice(0, 4)].join("\n") + "\n", "line 2"],
    ] as const) {
      const { code, stdout, stderr } = run(["inspect", "-"], input);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.ok(stderr.startsWith(refusal(where, HINT)), stderr);
    }
    // A row over several lines with no other row after it is one JSON value: read.
    const one = run(["inspect", "--json", "--field", "pretty", "-"], lines.slice(0, 4).join("\n"));
    assert.equal(one.code, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout).context.parentId, "b7ad6b7169203331");
  });
});

describe("tracehop inspect: mysql --batch output", () => {
  test("mysql -N -B over a JSON column: NULL is a NULL row, a JSON string's doubled backslashes are undone", () => {
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    // What the MariaDB 10 client prints for rows holding an object, JSON.stringify(carrier) (a JSON
    // string) and NULL: backslashes doubled, NULL as the word NULL.
    const batch =
      `{"traceparent":"${tp}","x-datadog-trace-id":"12345","x-datadog-parent-id":"67"}\n` +
      `"{\\\\"traceparent\\\\":\\\\"${tp}\\\\"}"\n` +
      "NULL\n";
    const { code, stdout, stderr } = run(["inspect", "--json", "-"], batch);
    assert.equal(stderr, "");
    assert.equal(code, 1);
    const [object, text, missing] = JSON.parse(stdout);
    assert.equal(object.context.style, "datadog");
    assert.equal(object.context.datadogTraceId, "12345");
    assert.equal(text.context.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(text.context.parentId, "b7ad6b7169203331");
    assert.deepEqual(text.diagnostics, [
      "the line is JSON once the escapes mysql --batch writes (\\n \\t \\0 \\\\) are undone: read as mysql --batch prints a column (mysql -r, --raw, prints it as stored)",
      "the carrier is a JSON string holding the carrier's JSON text (JSON text inside JSON, as traceContext: JSON.stringify(carrier) stores it in a Json column); read as withCarrier and contextFromCarrier read it",
    ]);
    assert.equal(missing.valid, false);
    assert.equal(
      missing.noCarrier,
      "NULL: a NULL column as mysql --batch or sqlite3 with .nullvalue NULL prints it; written outside a span, or by a service without the extension",
    );
    // One row of each alone: a NULL first line, and a single escaped line, are rows too.
    const nullOnly = run(["inspect", "-"], "NULL\n");
    assert.equal(nullOnly.code, 1, nullOnly.stderr);
    assert.equal(
      nullOnly.stdout,
      "no carrier (NULL: a NULL column as mysql --batch or sqlite3 with .nullvalue NULL prints it; written outside a span, or by a service without the extension)\n",
    );
    const escapedOnly = run(["inspect", "--json", "-"], `"{\\\\"traceparent\\\\":\\\\"${tp}\\\\"}"\n`);
    assert.equal(escapedOnly.code, 0, escapedOnly.stderr);
    assert.equal(JSON.parse(escapedOnly.stdout).context.traceId, "0af7651916cd43dd8448eb211c80319c");
    // Text that is JSON as it is keeps its backslashes.
    const plain = run(["inspect", "--json", "-"], `"{\\"traceparent\\":\\"${tp}\\"}"\nNULL\n`);
    assert.equal(plain.code, 1, plain.stderr);
    assert.equal(JSON.parse(plain.stdout)[0].diagnostics.length, 1);
  });

  test("mysql --batch lines: each parsed once as printed and once with its escapes undone, not again when read as a row", () => {
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const line = `"{\\\\"traceparent\\\\":\\\\"${tp}\\\\"}"`;
    const undone = `"{\\"traceparent\\":\\"${tp}\\"}"`;
    const parse = JSON.parse;
    const parsed: string[] = [];
    JSON.parse = (text: string, reviver?: Parameters<typeof JSON.parse>[1]): unknown => {
      parsed.push(text);
      return parse(text, reviver);
    };
    let rows: ReturnType<typeof parseInspectInput>;
    try {
      rows = parseInspectInput(`${line}\n${line}\nNULL\n`);
    } finally {
      JSON.parse = parse;
    }
    assert.equal(rows.carriers.length, 3);
    assert.equal(rows.carriers[1]!.carrier.traceparent, tp);
    // Two lines: each parsed as printed (not JSON) and with the escapes undone, once each.
    assert.deepEqual(
      [parsed.filter((text) => text === line).length, parsed.filter((text) => text === undone).length],
      [2, 2],
    );
  });

  test("mysql -N -B over pretty-printed JSON: its \\n \\t \\0 \\\\ escapes undone in one pass, a row per line; without -N the column name is said", () => {
    const MYSQL_ESCAPES =
      "the line is JSON once the escapes mysql --batch writes (\\n \\t \\0 \\\\) are undone: read as mysql --batch prints a column (mysql -r, --raw, prints it as stored)";
    // Row 1 holds "a\\nb\\\\n" (JSON escapes) in a pretty-printed object: printed "a\\\\nb\\\\\\\\n", so
    // "\\\\n" must become a backslash and an n, not a line break (that would be a raw control
    // character in a JSON string). Row 4 is pretty-printed with CR LF: the client writes CR as it is.
    const rows = run(["inspect", "--json", CLIENTS + "mysql-N-B.txt"]);
    assert.equal(rows.stderr, "");
    assert.equal(rows.code, 1);
    const [pretty, missing, text, crlf] = JSON.parse(rows.stdout);
    assert.equal(pretty.context.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.deepEqual(pretty.diagnostics, [MYSQL_ESCAPES]);
    assert.match(
      missing.noCarrier,
      /^NULL: a NULL column as mysql --batch or sqlite3 with .nullvalue NULL prints it/,
    );
    assert.equal(text.context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.equal(text.diagnostics[0], MYSQL_ESCAPES);
    assert.equal(crlf.context.datadogTraceId, "12345");
    // One row: one line, read as a row, with or without its line break (the shell's $(...) drops it).
    const oneText = readFileSync(CLIENTS + "mysql-N-B-one.txt", "utf8");
    for (const input of [oneText, oneText.trimEnd()]) {
      const one = run(["inspect", "--json", "-"], input);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(JSON.parse(one.stdout).context.parentId, "b7ad6b7169203331");
    }
    assert.equal(run(["inspect", "--json", oneText.trimEnd()]).code, 0);
    // Without -N: the column name is said, as for one-line rows.
    assert.match(
      run(["inspect", CLIENTS + "mysql-B.txt"]).stderr,
      /^tracehop inspect: the carrier is not valid JSON: its first line, trace_context, looks like a column name: leave it out, mysql -N \(--skip-column-names\)/,
    );
  });

  test("mysql -N -B output (a line NULL): every line read with its escapes undone, one that is JSON as printed too; one line alone is read as printed", () => {
    // The column {"traceparent":…,"tracestate":"a=b\tc"}: a JSON escape, so the value holds a real tab,
    // which breaks the tracestate grammar. mysql -N -B prints "a=b\\tc" (JSON as printed too: a
    // backslash and a t); mysql -N -B -r prints the column as stored. Both say what contextFromCarrier says.
    const stored = JSON.parse(
      readFileSync(CLIENTS + "mysql-N-B-r-tab.txt", "utf8").split("\n")[0]!,
    ) as Record<string, string>;
    assert.equal(stored.tracestate, "a=b\tc");
    const DISCARDED =
      'tracestate discarded whole: member 1 "a=b\\tc" breaks the grammar: a value is 1-256 printable ASCII characters other than , and =, ' +
      "not ending in a space (W3C Trace Context §3.3.1.3.2); its character 2 is U+0009 (tab), outside printable " +
      "ASCII; the traceparent is still used";
    for (const file of ["mysql-N-B-tab.txt", "mysql-N-B-r-tab.txt"]) {
      const { code, stdout, stderr } = run(["inspect", "--json", CLIENTS + file]);
      assert.equal(stderr, "", file);
      assert.equal(code, 1, file);
      const [row, missing] = JSON.parse(stdout);
      assert.equal(row.context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736", file);
      assert.deepEqual(row.context.tracestate, [], file);
      assert.equal(row.diagnostics.at(-1), DISCARDED, file);
      assert.match(
        missing.noCarrier,
        /^NULL: a NULL column as mysql --batch or sqlite3 with .nullvalue NULL prints it/,
      );
      assert.equal(row.diagnostics.length, file === "mysql-N-B-tab.txt" ? 2 : 1, file);
    }
    // Only its line NULL says mysql: sqlite3 with .nullvalue NULL prints the same, and the diagnostic says
    // both (the next test).
    assert.match(
      JSON.parse(run(["inspect", "--json", CLIENTS + "mysql-N-B-tab.txt"]).stdout)[0].diagnostics[0],
      /^the input is mysql --batch output, or sqlite3 output with \.nullvalue NULL, which print alike here/,
    );
    // The library's own verdict on the stored column.
    const span = trace.getSpanContext(contextFromCarrier(stored));
    assert.equal(span?.traceState, undefined);
    // The same escapes on every line: a line JSON only with them undone (a JSON string) makes the input
    // mysql output without a NULL line, and the tab line is then read so too.
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const tab = readFileSync(CLIENTS + "mysql-N-B-tab.txt", "utf8").split("\n")[0]!;
    const both = run(["inspect", "--json", "-"], `${tab}\n"{\\\\"traceparent\\\\":\\\\"${tp}\\\\"}"\n`);
    assert.equal(both.code, 0, both.stderr);
    assert.deepEqual(JSON.parse(both.stdout)[0].context.tracestate, []);
    // One line alone, no NULL: it cannot be told from psql -At's, and is read as it is.
    const alone = run(["inspect", "--json", "-"], `${tab}\n`);
    assert.deepEqual(JSON.parse(alone.stdout).context.tracestate, ["a=b\\tc"]);
  });

  test("sqlite3 list output with .nullvalue NULL prints what mysql -N -B prints: both clients said, with what tells them apart, not mysql alone", () => {
    // The same bytes from both clients (a line NULL, a line JSON as printed and with mysql's escapes
    // undone): sqlite3 prints the column as stored, mysql -N -B escaped; the text cannot tell which.
    const BOTH =
      "the input is mysql --batch output, or sqlite3 output with .nullvalue NULL, which print alike here (a line NULL; " +
      "every line holding a backslash is JSON both as printed and with mysql's escapes undone): this line is read as " +
      "mysql --batch prints a column, its escapes (\\n \\t \\0 \\\\) undone; from sqlite3, which prints a column as " +
      "stored, the line as printed is the column: print a NULL column as an empty line, sqlite3 FILE " +
      "'select traceContext from ...' without .nullvalue NULL, and inspect that";
    const sqlite = run(["inspect", "--json", CLIENTS + "sqlite3-nullvalue-NULL.txt"]);
    assert.equal(sqlite.stderr, "");
    const [row, missing] = JSON.parse(sqlite.stdout);
    assert.equal(row.context.traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(row.diagnostics[0], BOTH);
    // Read as mysql's: the value's \\n undone into a line feed, said so by the baggage finding.
    assert.match(row.diagnostics[1], /its character 7 is U\+000A \(line feed\)/);
    assert.match(
      missing.noCarrier,
      /^NULL: a NULL column as mysql --batch or sqlite3 with \.nullvalue NULL prints it/,
    );
    // The real mysql -N -B output of the same shape says the same.
    const mysql = run(["inspect", "--json", CLIENTS + "mysql-N-B-tab.txt"]);
    assert.equal(JSON.parse(mysql.stdout)[0].diagnostics[0], BOTH);
    // sqlite3's output as the message says to print it (NULL an empty line) is read as printed.
    const lines = readFileSync(CLIENTS + "sqlite3-nullvalue-NULL.txt", "utf8").split("\n");
    const printed = run(["inspect", "--json", "-"], `${lines[0]!}\n\n`);
    const [asStored] = JSON.parse(printed.stdout);
    assert.deepEqual(asStored.diagnostics.slice(0, 1), [
      'baggage: 1 of its 1 members dropped: 1 breaking the baggage grammar key=value (the first: "path=a\\\\nb")',
    ]);
    // A backslash mysql never writes alone (\" here) tells sqlite3's output: read as printed, no such note.
    const quoted = run(["inspect", "--json", "-"], `${lines[0]!.replace("path=", 'p\\"=')}\nNULL\n`);
    const [quotedRow, quotedNull] = JSON.parse(quoted.stdout);
    assert.deepEqual(
      quotedRow.diagnostics.filter((d: string) => d.includes("mysql")),
      [],
    );
    assert.match(quotedNull.noCarrier, /^NULL: /);
  });

  test("a mysql --batch line that is not JSON with its escapes undone either: an input error saying mysql -r (--raw)", () => {
    const HINT =
      "it holds the escapes mysql --batch writes, \\n \\t \\0 \\\\, and is not JSON with them undone either: mysql -r (--raw) prints the column as stored";
    // A value cut short, a NUL in a value: on a later line, and as the first row.
    const cut = '{\\n  "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",\\n';
    for (const [input, where] of [
      [`NULL\n${JSON.stringify({ a: "1" })}\n${cut}\n`, "line 3"],
      [`${JSON.stringify({ a: "1" })}\n"a\\0b"\n`, "line 2"],
      [`${cut}\nNULL\n`, "line 1"],
      [`NULL\n${cut}\n`, "line 2"],
    ]) {
      const { code, stderr } = run(["inspect", "-"], input);
      assert.equal(code, 2, input);
      assert.ok(stderr.startsWith(refusal(where!, HINT)), stderr);
    }
    // JSON text with its own escapes (\\" is none of mysql's) gets no such hint.
    const own = run(["inspect", "-"], '{"a": "\\"\\n"\n');
    assert.equal(own.code, 2);
    assert.ok(
      own.stderr.startsWith("tracehop inspect: the carrier is not valid JSON: it looks cut short, "),
      own.stderr,
    );
    assert.doesNotMatch(own.stderr, /mysql -r/);
  });

  test("mysql -r (--raw) output of a pretty-printed JSON column, or mysql's table after its prompt: an input error saying to print the rows with mysql -N -B", () => {
    const TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const pretty = `{\n  "traceparent": "${TP}"\n}`;
    const RAW_HINT =
      'it looks like mysql -r (--raw) output of a JSON column holding pretty-printed text, each value over several lines: print one row per line, mysql -N -B -e "select ..." without -r (--batch writes a line break in a value as \\n, which tracehop inspect undoes)';
    // Rows with a NULL between, a NULL last, and one row before a NULL: not cut short.
    for (const input of [
      `${pretty}\nNULL\n${pretty}\n`,
      `${pretty}\n${pretty}\nNULL\n`,
      `${pretty}\nNULL\n`,
    ]) {
      const { code, stderr } = run(["inspect", "-"], input);
      assert.equal(code, 2, input);
      assert.ok(stderr.startsWith(refusal("the carrier", RAW_HINT)), stderr);
      assert.doesNotMatch(stderr, /cut short/);
    }
    // The client's table after its prompt line, and its rows-in-set footer.
    const table = readFileSync(CLIENTS + "mysql-t.txt", "utf8");
    const prompt = run(
      ["inspect", "-"],
      `MariaDB [test]> select trace_context from hF_carrier where id = 3;\n${table}1 row in set (0.001 sec)\n`,
    );
    assert.equal(prompt.code, 2);
    assert.ok(prompt.stderr.startsWith(refusal("the carrier", MYSQL_TABLE)), prompt.stderr);
  });
});

describe("tracehop inspect: client output that is not one carrier column, a row a line", () => {
  test("psql's aligned output (header, dashes, (N rows)) and mysql's table: an input error saying to print the rows alone, psql -At, mysql -N -B", () => {
    for (const file of ["psql.txt", "psql-columns.txt", "psql-one.txt"]) {
      const { code, stdout, stderr } = run(["inspect", CLIENTS + file]);
      assert.equal(code, 2, file);
      assert.equal(stdout, "");
      assert.ok(
        stderr.startsWith(
          refusal(
            "the carrier",
            "it looks like psql's aligned output, a header, a line of dashes, the rows and a (N rows) footer: print the rows alone, " +
              'psql -At -c "select ..." (-A unaligned, -t rows only; -X -A -t also skips psqlrc)',
          ),
        ),
        `${file}: ${stderr}`,
      );
    }
    const table = run(["inspect", CLIENTS + "mysql-t.txt"]);
    assert.equal(table.code, 2);
    assert.ok(table.stderr.startsWith(refusal("the carrier", MYSQL_TABLE)), table.stderr);
    // What psql -At prints for the same rows is read.
    const rows = run(["inspect", "--json", CLIENTS + "psql-At.txt"]);
    assert.equal(rows.code, 1, rows.stderr);
    assert.deepEqual(
      JSON.parse(rows.stdout).map((r: { context?: { traceId: string } }) => r.context?.traceId),
      ["0af7651916cd43dd8448eb211c80319c", undefined, "4bf92f3577b34da6a3ce929d0e0e4736"],
    );
  });

  test("tables sqlite3, psql and mysql draw alike (-table, -box, -column -header; psql with its footer off, \\pset border 2, unicode lines; psql -H): named by a real difference of their layout, or every client they may be", async () => {
    const SQLITE =
      "from sqlite3, print the carrier column alone, sqlite3 FILE 'select traceContext from ...'";
    const PSQL = 'print the rows alone, psql -At -c "select ..."';
    const files: [string, RegExp, RegExp][] = [
      // psql with its footer off: its name centred, after a space; no longer said sqlite3's.
      [
        "psql-footer-off.txt",
        /^it looks like psql's aligned output with its footer off \(\\pset footer off\), the column names over a line of dashes: print the rows alone, psql -At/,
        /sqlite3/,
      ],
      ["psql-footer-off-border0.txt", /^it looks like psql's aligned output with its footer off/, /sqlite3/],
      [
        "psql-footer-off-border0-columns.txt",
        /^it looks like psql's aligned output with its footer off/,
        /sqlite3/,
      ],
      // sqlite3 -column -header: the name from the column's start, two spaces between columns.
      [
        "sqlite3-column-header.txt",
        /^it looks like sqlite3 -column -header output, the column names over a line of dashes: print the carrier column alone, sqlite3 FILE/,
        /psql/,
      ],
      ["sqlite3-column-header-columns.txt", /^it looks like sqlite3 -column -header output/, /psql/],
      // +----+ borders: psql's right-aligned number, its footer; sqlite3's left-aligned number.
      [
        "psql-border2.txt",
        /^it looks like psql's aligned output with \\pset border 2, in \+----\+ borders: print the rows alone, psql -At/,
        /sqlite3|mysql/,
      ],
      // Its final empty line alone tells nothing (a sqlite3 table pasted with one ends so too): both named.
      [
        "psql-border2-footer-off.txt",
        /^it looks like sqlite3 -table output, in \+----\+ borders, or psql's aligned output with \\pset border 2, which draws the same: /,
        /mysql/,
      ],
      [
        "psql-border2-footer-off-columns.txt",
        /^it looks like psql's aligned output with \\pset border 2, in \+----\+ borders: /,
        /sqlite3|mysql/,
      ],
      [
        "sqlite3-table-columns.txt",
        /^it looks like sqlite3 -table output, in \+----\+ borders: print the carrier column alone, sqlite3 FILE/,
        /psql|mysql/,
      ],
      [
        "mysql-t.txt",
        /^it looks like mysql's table output, in \+----\+ borders: print the rows alone, mysql -N -B/,
        /psql|sqlite3/,
      ],
      // Box characters: psql with \pset linestyle unicode.
      [
        "psql-unicode-columns.txt",
        /^it looks like psql's aligned output, the column names over a line of dashes: print the rows alone, psql -At/,
        /sqlite3/,
      ],
      [
        "psql-unicode-border2-footer-off-columns.txt",
        /^it looks like psql's aligned output with \\pset linestyle unicode and border 2, a table drawn with box characters: /,
        /sqlite3/,
      ],
      [
        "sqlite3-box-columns.txt",
        /^it looks like sqlite3 -box output, a table drawn with box characters: print the carrier column alone/,
        /psql/,
      ],
      // psql -H: lower case, its table tag alone on a line.
      [
        "psql-H.txt",
        /^it looks like psql's HTML output \(-H, --html, \\pset format html\), whose values are escaped for the markup .*psql -At -c 'select "traceContext" from \.\.\.'$/,
        /mysql/,
      ],
    ];
    const results = await runMany(files.map(([file]) => ({ args: ["inspect", CLIENTS + file] })));
    for (const [i, [file, said, notSaid]] of files.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 2, file);
      assert.equal(stdout, "", file);
      // The hint comes first, between what is wrong and the advice; the parser's message ends the line.
      const refused =
        /^tracehop inspect: the carrier is not valid JSON: ([\s\S]*); give a JSON object of header -> value, an array of rows, or one row per line \([^\n]*\)\n$/.exec(
          stderr,
        );
      assert.ok(refused !== null, `${file}: ${stderr}`);
      const hint = refused[1]!;
      assert.match(hint, said, `${file}: ${stderr}`);
      assert.doesNotMatch(hint, notSaid, `${file}: ${hint}`);
    }
    // Where no difference shows (one column of text, no number, no footer; a final empty line or none),
    // both clients are named, each with what to run.
    const table = readFileSync(CLIENTS + "sqlite3-table.txt", "utf8");
    const psqlTable = readFileSync(CLIENTS + "psql-border2-footer-off.txt", "utf8").replace(/\n+$/, "\n");
    for (const input of [table, psqlTable]) {
      const { stderr } = run(["inspect", "-"], input);
      assert.match(
        stderr,
        /^tracehop inspect: the carrier is not valid JSON: it looks like sqlite3 -table output, in \+----\+ borders, or psql's aligned output with \\pset border 2, which draws the same: /,
      );
      assert.ok(stderr.includes(SQLITE) && stderr.includes(`from psql, ${PSQL}`), stderr);
    }
  });

  test("a column name on the first line (mysql -B without -N, psql -A without -t): an input error saying to leave it out", () => {
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    for (const input of [
      `traceContext\n{"traceparent":"${tp}"}\nNULL\n`,
      `traceContext\n{"traceparent": "${tp}"}\n(1 row)\n`,
    ]) {
      const { code, stdout, stderr } = run(["inspect", "-"], input);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      // The hint, what to run, comes first; the parser's own words (V8's) end the line.
      assert.ok(
        stderr.startsWith(
          refusal(
            "the carrier",
            "its first line, traceContext, looks like a column name: leave it out, mysql -N (--skip-column-names), " +
              "psql -At (--no-align --tuples-only), sqlite3 without -header",
          ),
        ),
        stderr,
      );
    }
  });

  test("a first line too long for a column name (1 MiB of letters): no column hint, and the line is not quoted back", () => {
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    for (const first of ["x".repeat(1024 * 1024), "id\t" + "x".repeat(1024 * 1024)]) {
      const { code, stderr } = run(["inspect", "-"], `${first}\n{"traceparent":"${tp}"}\n`);
      assert.equal(code, 2);
      assert.equal(
        stderr.replace(/ \(Unexpected token .*? is not valid JSON\)/, ""),
        "tracehop inspect: the carrier is not valid JSON; give a JSON object of header -> value, an array of rows, or one row per line\n",
      );
    }
  });

  test("psql -At or psql -t of several columns (id|carrier): an input error saying to select the carrier column alone", () => {
    const carrier = JSON.stringify({
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    for (const [input, where] of [
      [`1|${carrier}\n2|{}\n`, "the carrier"],
      [`{}\n7|"x"\n`, "line 2"],
    ]) {
      const { code, stderr } = run(["inspect", "-"], input);
      assert.equal(code, 2);
      assert.ok(stderr.startsWith(`tracehop inspect: ${where} is not valid JSON: `), stderr);
      assert.match(
        stderr,
        /: it looks like psql -At or sqlite3 output of several columns, separated by "\|": select the carrier column alone/,
      );
    }
    // The whole hint: the example's own column, "traceContext" (camelCase: in double quotes for
    // PostgreSQL, the query in single quotes for the shell), and to_jsonb, which prints a row on one line.
    assert.ok(
      run(["inspect", "-"], `1|${carrier}\n`).stderr.startsWith(
        refusal(
          "the carrier",
          `it looks like psql -At or sqlite3 output of several columns, separated by "|": select the carrier column alone, ` +
            `psql -At -c 'select "traceContext" from ...', or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t'; ` +
            `from sqlite3, the carrier column alone, sqlite3 FILE 'select traceContext from ...', or whole rows as JSON, ` +
            `sqlite3 -json FILE 'select * from ...'`,
        ),
      ),
    );
    // psql -t (aligned) of two columns: its line starts with a space, and is said as such.
    assert.match(
      run(["inspect", "-"], `  1 | ${carrier}\n  2 | \n\n`).stderr,
      /^tracehop inspect: the carrier is not valid JSON: it looks like psql -t output \(aligned\) of several columns, separated by "\|": select the carrier column alone/,
    );
    // Other invalid JSON gets no such hint.
    assert.doesNotMatch(run(["inspect", "-"], "{nope\n").stderr, /psql -A?t output/);
  });

  test("mysql -N -B of several columns (id, tab, carrier): an input error saying to select the carrier column alone, not mysql -r", () => {
    const HINT =
      "it looks like mysql --batch output of several columns, separated by tabs: select the carrier column alone, mysql -N -B -e 'select traceContext from ...', " +
      "or whole rows as JSON, mysql -N -B -e \"select json_object('id', id, 'traceContext', traceContext) from ...\"";
    // The client's real output: rows 7 (compact), 8 (pretty-printed, escaped), 9 (NULL); row 8 alone.
    const rows = readFileSync(CLIENTS + "mysql-N-B-columns.txt", "utf8");
    const lines = rows.split("\n");
    for (const input of [
      rows,
      readFileSync(CLIENTS + "mysql-N-B-columns-one.txt", "utf8"),
      `${lines[2]}\n${lines[0]}\n`,
    ]) {
      const { code, stdout, stderr } = run(["inspect", "-"], input);
      assert.equal(code, 2, input);
      assert.equal(stdout, "");
      assert.ok(stderr.startsWith(refusal("the carrier", HINT)), stderr);
      assert.doesNotMatch(stderr, /mysql -r/);
    }
    // On a later line of one-column rows, the line is named with the same hint.
    const later = run(["inspect", "-"], `${JSON.stringify({ a: "1" })}\n${lines[1]}\n`);
    assert.ok(later.stderr.startsWith(refusal("line 2", HINT)), later.stderr);
    // A tab between values that are no carrier's column gets no such hint.
    assert.doesNotMatch(run(["inspect", "-"], "7\t8\n").stderr, /mysql --batch output of several columns/);
  });

  test("psql -At -F tab of several columns: the same line mysql -N -B prints, so the hint gives both clients' queries", () => {
    // psql's real output: a carrier row, then a NULL one (an empty field, where mysql prints NULL).
    const { code, stdout, stderr } = run(
      ["inspect", "-"],
      readFileSync(CLIENTS + "psql-At-F-tab-columns.txt", "utf8"),
    );
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.ok(
      stderr.startsWith(
        refusal(
          "the carrier",
          "it looks like output of several columns separated by tabs, as mysql --batch, psql -At -F $'\\t' or sqlite3 -tabs print: " +
            "from mysql, select the carrier column alone, mysql -N -B -e 'select traceContext from ...', " +
            "or whole rows as JSON, mysql -N -B -e \"select json_object('id', id, 'traceContext', traceContext) from ...\"; " +
            "from psql, select the carrier column alone, psql -At -c 'select \"traceContext\" from ...', " +
            "or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t'; " +
            "from sqlite3, select the carrier column alone, sqlite3 FILE 'select traceContext from ...', " +
            "or whole rows as JSON, sqlite3 -json FILE 'select * from ...'",
        ),
      ),
      stderr,
    );
    // A NULL column printed as mysql prints it, on a later row, tells the client.
    const mysql = run(["inspect", "-"], "1\t" + JSON.stringify({ traceparent: "x" }) + "\n2\tNULL\n").stderr;
    assert.match(
      mysql,
      /^tracehop inspect: the carrier is not valid JSON: it looks like mysql --batch output of several columns, separated by tabs: /,
    );
  });

  test("mysql -B and psql -A of several columns with their names first: an input error saying to select the carrier column alone", async () => {
    const MYSQL =
      "it looks like mysql --batch output of several columns, separated by tabs, with their names on its first line (id, traceContext): " +
      "select the carrier column alone, mysql -N -B -e 'select traceContext from ...', " +
      "or whole rows as JSON, mysql -N -B -e \"select json_object('id', id, 'traceContext', traceContext) from ...\"";
    const PSQL =
      'it looks like psql -A output of several columns, separated by "|", with their names on its first line (id, traceContext): ' +
      `select the carrier column alone, psql -At -c 'select "traceContext" from ...', ` +
      "or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t'";
    const mysql = readFileSync(CLIENTS + "mysql-B-columns.txt", "utf8");
    const psql = readFileSync(CLIENTS + "psql-A-columns.txt", "utf8");
    const [names, ...rows] = mysql.split("\n");
    const inputs = [
      [mysql, MYSQL],
      // A NULL first row (9, NULL), and row 8 (pretty-printed, escaped) alone.
      [[names, rows[2], rows[0]].join("\n") + "\n", MYSQL],
      [[names, rows[1]].join("\n") + "\n", MYSQL],
      [psql, PSQL],
    ] as const;
    const results = await runMany(inputs.map(([input]) => ({ args: ["inspect", "-"], input })));
    for (const [i, [input, hint]] of inputs.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 2, input);
      assert.equal(stdout, "");
      assert.ok(stderr.startsWith(refusal("the carrier", hint)), stderr);
    }
    // Names over rows that are no such columns get no such hint.
    assert.doesNotMatch(run(["inspect", "-"], "id\tname\n7\tx\n").stderr, /with their names/);
  });

  test("several columns with their names first: the hint names the carrier column, wherever it is, as the clients name it", () => {
    // The clients' real output of a carrier column named carrier (MariaDB 10.11 mysql -B, psql 15 -A).
    // `file` is refused (exit 2) with the hint `hint` first, after what is wrong.
    const assertHint = (file: string, hint: string) => {
      const { code, stderr } = run(["inspect", CLIENTS + file]);
      assert.equal(code, 2);
      assert.ok(stderr.startsWith(refusal("the carrier", hint)), stderr);
    };
    // The end of the hint for psql output whose carrier column is `column`.
    const psqlAdvice = (column: string) =>
      `select the carrier column alone, psql -At -c 'select "${column}" from ...', ` +
      "or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t'";
    assertHint(
      "mysql-B-columns-carrier.txt",
      "it looks like mysql --batch output of several columns, separated by tabs, with their names on its first line (id, carrier): " +
        "select the carrier column alone, mysql -N -B -e 'select carrier from ...', " +
        "or whole rows as JSON, mysql -N -B -e \"select json_object('id', id, 'carrier', carrier) from ...\"",
    );
    assertHint(
      "psql-A-columns-carrier.txt",
      'it looks like psql -A output of several columns, separated by "|", with their names on its first line (id, carrier): ' +
        psqlAdvice("carrier"),
    );
    // psql output whose carrier column is not the second: the last of three (its names first), the first.
    assertHint(
      "psql-A-columns-carrier-last.txt",
      'it looks like psql -A output of several columns, separated by "|", with their names on its first line (id, note, carrier): ' +
        psqlAdvice("carrier"),
    );
    assertHint(
      "psql-At-columns-carrier-first.txt",
      'it looks like psql -At or sqlite3 output of several columns, separated by "|": ' +
        psqlAdvice("traceContext") +
        "; from sqlite3, the carrier column alone, sqlite3 FILE 'select traceContext from ...', or whole rows as " +
        "JSON, sqlite3 -json FILE 'select * from ...'",
    );
    // psql 15 output of an id and a carrier column whose first row's carrier is NULL (a row older than
    // the column), printed as nothing after the "|": read as such columns, and from a later row.
    const psqlAt =
      'it looks like psql -At or sqlite3 output of several columns, separated by "|": ' +
      psqlAdvice("traceContext") +
      "; from sqlite3, the carrier column alone, sqlite3 FILE 'select traceContext from ...', or whole rows as " +
      "JSON, sqlite3 -json FILE 'select * from ...'";
    const psqlT =
      'it looks like psql -t output (aligned) of several columns, separated by "|": ' +
      psqlAdvice("traceContext");
    assertHint("psql-At-columns-null-first.txt", psqlAt);
    assertHint("psql-At-columns-all-null.txt", psqlAt);
    assertHint("psql-At-columns-carrier-first-null.txt", psqlAt);
    assertHint("psql-t-columns-null-first.txt", psqlT);
    assertHint("psql-t-columns-all-null.txt", psqlT);
    // A broken JSON text with a "|" inside a string is not taken for columns.
    const broken = run(["inspect", '{"baggage":"a|b"']);
    assert.equal(broken.code, 2);
    assert.doesNotMatch(broken.stderr, /several columns/);
    // The carrier column is the one holding JSON, wherever it is, and every column is in json_object.
    const third = run(["inspect", "-"], 'id\tkind\tctx\n7\tjob\t{"traceparent":"x"}\n8\tjob\tNULL\n');
    assert.match(
      third.stderr,
      /^tracehop inspect: the carrier is not valid JSON: it looks like mysql --batch output of several columns, separated by tabs, with their names on its first line \(id, kind, ctx\): select the carrier column alone, mysql -N -B -e 'select ctx from \.\.\.'/,
    );
    assert.match(third.stderr, /json_object\('id', id, 'kind', kind, 'ctx', ctx\)/);
  });

  test("a row with thousands of | inside a value: the several-columns hint, in well under 30 s", () => {
    const carrier = JSON.stringify({
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      baggage: "k=" + "|".repeat(3000),
    });
    // Killed after 30 s, a bound on a run that would not end (it takes well under a second), not a
    // measure of speed: searching every run of fields for the carrier took over a minute here.
    const { code, stderr } = run(["inspect", "-"], `id|tc\n1|${carrier}\n(1 row)\n`, process.env, 30_000);
    assert.equal(code, 2);
    assert.match(
      stderr,
      /^tracehop inspect: the carrier is not valid JSON: it looks like psql -A output of several columns, separated by "\|", with their names on its first line \(id, tc\)/,
    );
  });

  test("several columns: the hint over a | inside a value, a name with a space, an accent or quotes, every carrier NULL, psql -A -F tab", async () => {
    const PSQL_SELECT = (name: string): string =>
      `select the carrier column alone, psql -At -c 'select ${name} from ...', ` +
      "or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t'";
    const PSQL = (separator: string, names: string, name: string): string =>
      `it looks like psql -A output of several columns, separated by ${separator}, with their names on its first line (${names}): ` +
      PSQL_SELECT(name);
    const MYSQL = (names: string, name: string, pairs: string): string =>
      `it looks like mysql --batch output of several columns, separated by tabs, with their names on its first line (${names}): ` +
      `select the carrier column alone, mysql -N -B -e 'select ${name} from ...', ` +
      `or whole rows as JSON, mysql -N -B -e "select json_object(${pairs}) from ..."`;
    const files = [
      // A "|" in the carrier's baggage (k=a|b), and in a text column before it (a|b): the column is tc.
      ["psql-A-columns-bar-in-value.txt", PSQL('"|"', "id, tc", '"tc"')],
      ["psql-A-columns-bar-in-text.txt", PSQL('"|"', "id, note, tc", '"tc"')],
      // A name with a space or a non-ASCII letter: quoted as each client quotes a name.
      ["psql-A-columns-name-space.txt", PSQL('"|"', "id, my col", '"my col"')],
      ["psql-A-columns-name-accent.txt", PSQL('"|"', "id, état", '"état"')],
      ["mysql-B-columns-name-space.txt", MYSQL("id, my col", "`my col`", "'id', id, 'my col', \\`my col\\`")],
      ["mysql-B-columns-name-accent.txt", MYSQL("id, état", "`état`", "'id', id, 'état', \\`état\\`")],
      // Every carrier NULL: no row shows the carrier column, so the query's generic form.
      ["psql-A-columns-all-null.txt", PSQL('"|"', "id, tc", "<carrier column>")],
      ["mysql-B-columns-all-null.txt", MYSQL("id, tc", "<carrier column>", "'id', id, 'tc', tc")],
      // psql -A -F $'\t': told from mysql --batch by its (N rows) footer.
      ["psql-A-F-tab-columns.txt", PSQL("tabs", "id, tc", '"tc"')],
    ] as const;
    const results = await runMany(files.map(([file]) => ({ args: ["inspect", CLIENTS + file] })));
    for (const [i, [file, hint]] of files.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 2, file);
      assert.equal(stdout, "");
      assert.ok(stderr.startsWith(refusal("the carrier", hint)), `${file}: ${stderr}`);
    }
    // Quotes inside a name: doubled for SQL, and written for the shell's quotes around the query.
    const quoted = run(["inspect", "-"], `id|it's "x"\n1|{"traceparent":"x"}\n(1 row)\n`);
    assert.ok(
      quoted.stderr.startsWith(refusal("the carrier", PSQL('"|"', `id, it's "x"`, `"it'\\''s ""x"""`))),
      quoted.stderr,
    );
    // Without a NULL printed as mysql prints it: mysql, sqlite3 -tabs -header or psql -A -F tab, each quoting it.
    const backtick = run(["inspect", "-"], 'id\ta`b$\n7\t{"traceparent":"x"}\n');
    assert.ok(
      backtick.stderr.startsWith(
        refusal(
          "the carrier",
          "it looks like output of several columns, separated by tabs, with their names on its first line (id, a`b$), as mysql --batch, " +
            "sqlite3 -tabs -header or psql -A -F $'\\t' with its footer off print: from mysql, select the carrier column alone, " +
            "mysql -N -B -e 'select `a``b$` from ...', or whole rows as JSON, mysql -N -B -e \"select json_object('id', id, 'a\\`b\\$', \\`a\\`\\`b\\$\\`) from ...\"; " +
            `from sqlite3, select the carrier column alone, sqlite3 FILE 'select "a\`b$" from ...', or whole rows as JSON, sqlite3 -json FILE 'select * from ...'; ` +
            PSQL_SELECT('"a`b$"').replace(/^/, "from psql, "),
        ),
      ),
      backtick.stderr,
    );
    // A footer that does not count the rows, or a first line of values, gets no such hint.
    assert.doesNotMatch(run(["inspect", "-"], "id|tc\n2|\n(3 rows)\n").stderr, /with their names/);
    assert.doesNotMatch(run(["inspect", "-"], "9\tNULL\n7\tx\n").stderr, /with their names/);
  });

  test('a JSON object, a blank, then other text ({"a":1} x): said as text after the object, not as columns with a separator', () => {
    const AFTER = (text: string) =>
      `it is a JSON object followed by other text, ${text}: give the object alone, nothing after its closing }; ` +
      "if they are columns printed with blanks between them (psql -At -F ' '), select the carrier column alone, " +
      `psql -At -c 'select "traceContext" from ...'`;
    for (const [args, input] of [
      [['{"a":1} x'], undefined],
      [["-"], '{"a":1} x\n'],
    ] as const) {
      const { code, stderr } = run(["inspect", ...args], input);
      assert.equal(code, 2);
      assert.ok(stderr.startsWith(refusal("the carrier", AFTER('"x"'))), stderr);
      assert.doesNotMatch(stderr, /separated by/);
    }
    // The text after it quoted escaped and cut.
    const long = run(["inspect", `{"a":1} \u00e9${"y".repeat(60)}`]).stderr;
    assert.ok(
      long.startsWith(refusal("the carrier", AFTER(`"\\u00e9${"y".repeat(39)}"… (61 characters)`))),
      long,
    );
    // A separator of its own still says columns.
    assert.match(run(["inspect", '{"a":1};x']).stderr, /separated by ";"/);
  });

  test("rows on one line with a record separator of their own (psql -R ';', sqlite3 -newline ';'): said as rows, with what to run, not several columns", async () => {
    const ROWS =
      'it looks like rows on one line, each ended or separated by ";" (a NULL column an empty record), as psql -R ' +
      "(--record-separator) or sqlite3 -newline print them: print a row a line, psql -At -c 'select \"traceContext\" from ...' " +
      "without -R, or sqlite3 FILE 'select traceContext from ...' without -newline";
    // sqlite3 -newline of one row: one carrier, ended by the separator.
    const files = [
      "psql-At-R-semicolon.txt",
      "sqlite3-newline-semicolon.txt",
      "sqlite3-newline-semicolon-one.txt",
    ];
    const results = await runMany(files.map((file) => ({ args: ["inspect", CLIENTS + file] })));
    for (const [i, file] of files.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 2, file);
      assert.equal(stdout, "", file);
      assert.ok(stderr.startsWith(refusal("the carrier", ROWS)), `${file}: ${stderr}`);
      assert.doesNotMatch(stderr, /several columns/, file);
    }
    // Another separator (psql -R ' ; '); a NULL first; a ";" inside a value (a dd= tracestate member).
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const own = run(
      ["inspect", "-"],
      ` ; {"traceparent":"${tp}","tracestate":"dd=s:1;o:rum"} ; {"traceparent":"${tp}"}\n`,
    ).stderr;
    assert.ok(own.startsWith(refusal("the carrier", ROWS.replace('";"', '" ; "'))), own);
    // One carrier and a comma after it (an element copied out of a JSON array) is no sqlite3 row.
    assert.doesNotMatch(run(["inspect", "-"], `{"traceparent":"${tp}"},\n`).stderr, /rows on one line/);
    // A carrier beside a column that holds none is columns, as before.
    assert.match(run(["inspect", "-"], `1;{"traceparent":"${tp}"}\n`).stderr, /several columns/);
  });

  test("a line cut short (ending inside a string or an object): an input error saying to check the column's type or length", async () => {
    const HINT =
      "it looks cut short, ending inside a string or an object: check the carrier column's type or length; a varchar(255), or a client's width limit, cuts a carrier";
    const cut = '{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f0';
    const inputs = [
      [`{"a":"1"}\n${cut}\n`, "line 2"],
      [cut, "the carrier"],
      ['{"a":"1"}\n{"traceparent":"x",\n', "line 2"],
      // The first row cut short is named by its line too, after NULL rows or not.
      [`${cut}\n{"a":"1"}\n`, "line 1"],
      [`\n${cut}\n{"a":"1"}\n`, "line 2"],
      [`${cut}\n\n`, "line 1"],
    ];
    const results = await runMany(inputs.map(([input]) => ({ args: ["inspect", "-"], input })));
    for (const [i, [input, where]] of inputs.entries()) {
      const { code, stderr } = results[i]!;
      assert.equal(code, 2, input);
      assert.ok(stderr.startsWith(refusal(where!, HINT)), stderr);
    }
    // A line that is whole but wrong is not said cut short.
    assert.doesNotMatch(run(["inspect", "-"], '{"a":"1"}\n{"a" "1"}\n').stderr, /cut short/);
  });

  test("psql's expanded output (-x, \\x; with -t or -A too) and mysql's vertical output (-E, \\G): an input error saying so and what to run, not \"several columns\"", async () => {
    const PSQL =
      "it looks like psql's expanded output (-x, or \\x on), a line per column of each record: print the rows one per line, not expanded: " +
      "select the carrier column alone, psql -At -c 'select \"traceContext\" from ...', or whole rows as JSON, psql -At -c 'select to_jsonb(t) from ... t' " +
      "(-X skips a psqlrc that turns \\x on)";
    const MYSQL = (pairs: string) =>
      "it looks like mysql's vertical output (-E, --vertical, or a query ended with \\G), a line per column of each row: print the rows one per line, " +
      `select the carrier column alone, mysql -N -B -e 'select traceContext from ...', or whole rows as JSON, mysql -N -B -e "select json_object(${pairs}) from ..." ` +
      "(end the query with ; not \\G)";
    const files: [string, string][] = [
      ["psql-x.txt", PSQL],
      ["psql-x-one.txt", PSQL],
      ["psql-x-columns.txt", PSQL],
      ["psql-x-pretty.txt", PSQL],
      ["psql-x-t-columns.txt", PSQL],
      ["psql-x-A.txt", PSQL],
      ["mysql-E.txt", MYSQL("'traceContext', traceContext")],
      ["mysql-G-columns.txt", MYSQL("'id', id, 'traceContext', traceContext")],
    ];
    const results = await runMany(files.map(([file]) => ({ args: ["inspect", CLIENTS + file] })));
    for (const [i, [file, hint]] of files.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 2, file);
      assert.equal(stdout, "", file);
      assert.ok(stderr.startsWith(refusal("the carrier", hint)), `${file}: ${stderr}`);
      assert.doesNotMatch(stderr, /several columns/, file);
    }
    // The column named as the records name the one holding JSON, quoted for psql and the shell.
    assert.match(
      run(["inspect", "-"], `my col | {"traceparent":"${TRACEPARENT}"}\n-------+-----\nmy col | \n`).stderr,
      /expanded output .*psql -At -c 'select "my col" from \.\.\.'/,
    );
    // psql -At of two columns whose first is text is not taken for it.
    assert.match(
      run(["inspect", "-"], `carrier|{"traceparent":"${TRACEPARENT}"}\nother|{}\n`).stderr,
      /it looks like psql -At or sqlite3 output of several columns/,
    );
  });

  test("psql -x -A with a field separator of its own (-F ,  -F $'\\t'  -F '; '): psql's expanded output, said with the column it names, not left without a hint", async () => {
    const files: [string, string][] = [
      ["psql-x-A-F-comma.txt", "traceContext"],
      ["psql-x-A-F-comma-columns.txt", "traceContext"],
      ["psql-x-A-F-tab-columns.txt", "traceContext"],
      ["psql-x-A-F-semicolon-trace-carrier.txt", "trace_carrier"],
    ];
    const results = await runMany(files.map(([file]) => ({ args: ["inspect", CLIENTS + file] })));
    for (const [i, [file, column]] of files.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 2, file);
      assert.equal(stdout, "", file);
      assert.match(
        stderr,
        /^tracehop inspect: the carrier is not valid JSON: it looks like psql's expanded output \(-x, or \\x on\), a line per column of each record: print the rows one per line, not expanded: /,
        `${file}: ${stderr}`,
      );
      assert.ok(stderr.includes(`psql -At -c 'select "${column}" from ...'`), `${file}: ${stderr}`);
      assert.doesNotMatch(stderr, /several columns|mysql/, file);
    }
    // One record of one column named otherwise, with a comma: no more than before (psql -At -F , of two
    // columns prints the same line).
    assert.doesNotMatch(
      run(["inspect", "-"], `note,{"traceparent":"${TRACEPARENT}"}\n`).stderr,
      /expanded output/,
    );
  });

  test("psql --csv and psql -x -A output of a carrier column of another name: the hint names it as the input does, not traceContext (trial)", async () => {
    const files: [string, RegExp][] = [
      ["psql-csv-trace-carrier.txt", /it looks like CSV output/],
      ["psql-x-A-pretty-trace-carrier.txt", /it looks like psql's expanded output/],
      ["psql-x-A-bar-trace-carrier.txt", /it looks like psql's expanded output/],
      // A business JSON column (payload) before the carrier's: the one naming a propagation header (trial t8).
      ["psql-csv-columns-payload-first.txt", /it looks like CSV output/],
      ["psql-x-A-payload-first.txt", /it looks like psql's expanded output/],
    ];
    const results = await runMany(files.map(([file]) => ({ args: ["inspect", CLIENTS + file] })));
    for (const [i, [file, form]] of files.entries()) {
      const { code, stderr } = results[i]!;
      assert.equal(code, 2, file);
      assert.match(stderr, form, file);
      assert.ok(stderr.includes(`psql -At -c 'select "trace_carrier" from ...'`), `${file}: ${stderr}`);
      assert.doesNotMatch(stderr, /traceContext/, file);
    }
  });

  test("a line like psql's expanded output with a megabyte of spaces in its value: the hint, in well under 30 s", () => {
    // Killed after 30 s, a bound on a run that would not end (it takes well under a second): a regular
    // expression for the `+` ending a wrapped value backtracked over the spaces for hours.
    const { code, stderr } = run(
      ["inspect", "-"],
      `traceContext | {"traceparent":"${TRACEPARENT}"}${" ".repeat(1024 * 1024)}\n`,
      process.env,
      30_000,
    );
    assert.equal(code, 2);
    assert.match(stderr, /it looks like psql's expanded output/);
  });

  test("CSV output (psql --csv, with -t, of several columns or pretty-printed; sqlite3 -csv): an input error saying it is CSV and what to run", async () => {
    const HINT = (column: string) =>
      "it looks like CSV output, psql --csv, COPY ... TO STDOUT (FORMAT csv) or sqlite3 -csv, which double a value's double quotes: " +
      `print the carrier column as it is, one row per line, psql -At -c 'select "${column}" from ...' (-A unaligned, -t rows only), ` +
      `or COPY (select "${column}" from ...) TO STDOUT without FORMAT csv (its text format, which tracehop inspect reads), ` +
      `or from sqlite3, sqlite3 FILE 'select ${column} from ...' ` +
      "(its default list mode, without -csv)";
    const files = [
      "psql-csv.txt",
      "psql-csv-t.txt",
      "psql-csv-columns.txt",
      "psql-csv-t-pretty.txt",
      "sqlite3-csv.txt",
    ];
    const results = await runMany(files.map((file) => ({ args: ["inspect", CLIENTS + file] })));
    for (const [i, file] of files.entries()) {
      const { code, stdout, stderr } = results[i]!;
      assert.equal(code, 2, file);
      assert.equal(stdout, "", file);
      assert.ok(stderr.startsWith(refusal("the carrier", HINT("traceContext"))), `${file}: ${stderr}`);
      assert.doesNotMatch(stderr, /cut short/, file);
    }
    // A header of one column names it.
    assert.ok(
      run(["inspect", "-"], `carrier\n"{""traceparent"":""${TRACEPARENT}""}"\n`).stderr.startsWith(
        refusal("the carrier", HINT("carrier")),
      ),
    );
  });
});

describe("tracehop inspect: ids stored as JSON numbers", () => {
  test("a JSON-number id within 2^53: said exact, read as its decimal text", () => {
    const { code, stdout } = run(["inspect", '{"x-datadog-trace-id":1234,"x-datadog-parent-id":"5"}']);
    assert.equal(code, 0);
    assert.match(
      stdout,
      /x-datadog-trace-id is stored as a JSON number \(1234\); it is exact and read as "1234"/,
    );
  });

  test("an id beyond 2^53 stored as a JSON number: refused as a restore of JSON.parse's reading refuses it (no context, exit 1), with the digits as written and the id they name, in an object, an array element, JSON text in JSON; no process warning", () => {
    const ID = '"x-datadog-trace-id": 12345678901234567890, "X-Datadog-Parent-Id": 9876543210987654321';
    const REFUSED = (key: string, digits: string, rounded: string, hex: string): string =>
      `${key} is stored as the JSON number ${digits}, beyond 2^53: refused, as a restore refuses it (a service that ` +
      `reads the value through JSON.parse, such as a Prisma Json field or pg, gets it rounded to ${rounded}), so a ` +
      `row with no other valid context starts a new trace; the digits stored are exact, the id ${hex} in hex, which ` +
      `the row continues once they are a string: store ids as decimal strings (the statements in docs/migration.md, ` +
      `"Ids stored as JSON numbers")`;
    const cases: [string, (report: any) => any][] = [
      [`{${ID}}`, (r) => r],
      // An array element: the same key in every row, each read with its own digits.
      [`[{"x-datadog-trace-id": 1, "x-datadog-parent-id": "2"}, {${ID}}]`, (r) => r[1]],
      // A row whose traceContext column holds the carrier, and one holding its JSON text.
      [`{"id": 12345678901234567891, "traceContext": {${ID}}}`, (r) => r],
      [`{"id": 1, "traceContext": ${JSON.stringify(`{${ID}}`)}}`, (r) => r],
      // Pretty-printed, as jq prints it.
      [
        JSON.stringify(JSON.parse(`{"k": 1}`), null, 2).replace('"k": 1', ID.replace(", ", ",\n  ")),
        (r) => r,
      ],
    ];
    for (const [input, reportOf] of cases) {
      // The library's answer on the row as Prisma and pg hand it over: no context.
      const parsed = JSON.parse(input);
      const row = Array.isArray(parsed) ? parsed[1] : parsed;
      assert.equal(trace.getSpanContext(contextFromCarrier(row.traceContext ?? row)), undefined, input);
      const { code, stdout, stderr } = run(["inspect", "--json", input]);
      assert.equal(code, 1, input);
      const report = reportOf(JSON.parse(stdout));
      assert.equal(report.valid, false, input);
      assert.equal(report.context, undefined, input);
      assert.equal(report.styles.datadog.status, "rejected", input);
      assert.ok(
        report.diagnostics.includes(
          REFUSED("x-datadog-trace-id", "12345678901234567890", "12345678901234567168", "ab54a98ceb1f0ad2"),
        ),
        `${input}: ${report.diagnostics.join(" | ")}`,
      );
      assert.ok(
        report.diagnostics.includes(
          REFUSED("X-Datadog-Parent-Id", "9876543210987654321", "9876543210987655168", "891087b8e3b70cb1"),
        ),
        input,
      );
      // The report says it: not the library's process warning (TRACEHOP_JSON_NUMBER_ID) besides.
      assert.equal(stderr, "", input);
    }
    // The text report's headline and exit code: no valid context.
    const text = run(["inspect", `{${ID}}`]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^no valid context /);
    assert.match(text.stdout, /the digits stored are exact, the id ab54a98ceb1f0ad2 in hex/);
    // Only ids: another field's number beyond 2^53 is read as the number it parses to, as before.
    const other = run(["inspect", "--json", `{${ID}, "x-datadog-sampling-priority": 12345678901234567890}`]);
    assert.ok(
      JSON.parse(other.stdout).diagnostics.includes(
        'x-datadog-sampling-priority is stored as a JSON number (12345678901234567890) that is not a safe integer; it is read as its text "12345678901234567000" and judged as that string (an invalid priority drops the Datadog context); store it as a string',
      ),
    );
    // Digits beyond 2^64: no 64-bit id either, said so.
    const wide = run([
      "inspect",
      "--json",
      '{"x-datadog-trace-id": 123456789012345678901, "x-datadog-parent-id": "1"}',
    ]);
    assert.equal(wide.code, 1);
    const report = JSON.parse(wide.stdout);
    assert.ok(
      report.diagnostics.some(
        (d: string) =>
          d.includes("123456789012345678901, beyond 2^53: refused") &&
          d.includes("the digits stored are no unsigned 64-bit id either"),
      ),
      report.diagnostics.join(" | "),
    );
    // 2^53 itself: JSON.parse gives it unchanged, but a restore cannot tell it from 2^53 + 1, which JSON.parse
    // rounds to it (a tie, to the even significand), and refuses it.
    const at = run([
      "inspect",
      "--json",
      '{"x-datadog-trace-id": 9007199254740992, "x-datadog-parent-id": "1"}',
    ]);
    assert.equal(at.code, 1);
    assert.ok(
      JSON.parse(at.stdout).diagnostics.some((d: string) =>
        d.startsWith(
          "x-datadog-trace-id is stored as the JSON number 9007199254740992, at 2^53: refused, as a restore refuses it (a service that reads the value through JSON.parse, such as a Prisma Json field or pg, gets this number but cannot tell it from 9007199254740993, which JSON.parse rounds to it)",
        ),
      ),
    );
    // Past it, each double stands for the integers that round to it (ties to the even significand): none
    // besides itself for 2^53 + 2, two for 2^53 + 4, and for 2^63 + 4096 the 1024 either side.
    for (const [digits, said] of [
      [
        "9007199254740994",
        "gets this number, which no other integer rounds to, but cannot tell that it was not rounded",
      ],
      [
        "9007199254740996",
        "gets this number but cannot tell it from 9007199254740995 or 9007199254740997, which JSON.parse rounds to it",
      ],
      [
        "9223372036854779904",
        "gets this number but cannot tell it from the other integers from 9223372036854778880 to 9223372036854780928, which JSON.parse rounds to it",
      ],
    ]) {
      const beyond = run([
        "inspect",
        "--json",
        `{"x-datadog-trace-id": ${digits}, "x-datadog-parent-id": "1"}`,
      ]);
      const diagnostic = (JSON.parse(beyond.stdout).diagnostics as string[]).find((d) =>
        d.startsWith(`x-datadog-trace-id is stored as the JSON number ${digits}, beyond 2^53`),
      );
      assert.ok(
        diagnostic?.includes(
          `(a service that reads the value through JSON.parse, such as a Prisma Json field or pg, ${said})`,
        ),
        diagnostic,
      );
    }
  });

  test("an id stored as a JSON number that no exact reading reaches: refused as the library refuses it (past the largest double; an integer in exponent form; a text nested too deep to read again)", () => {
    const REFUSED =
      "refused, as a restore refuses it (a reader through JSON.parse, such as a Prisma Json field or pg, gets it " +
      "rounded), so a row with no other valid context starts a new trace; inspect gives an id's exact digits only " +
      "when written as an integer (no fraction or exponent) in JSON text it can read again; store ids as decimal " +
      'strings (docs/migration.md, "Ids stored as JSON numbers")';
    const cases: [string, string][] = [
      [
        '{"x-datadog-trace-id": 1.2345678901234567890e19, "x-datadog-parent-id": "1"}',
        `x-datadog-trace-id is stored as the JSON number 1.2345678901234567890e19, beyond 2^53: ${REFUSED}`,
      ],
      [
        // Integer digits, in a text nested deeper than the exact reader's stack (JSON.parse reads it).
        `{"x-datadog-trace-id": 12345678901234567890, "x-datadog-parent-id": "1", "deep": ${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
        `x-datadog-trace-id is stored as the JSON number 12345678901234567890, beyond 2^53: ${REFUSED}`,
      ],
      [
        '{"x-datadog-trace-id": 1e400, "x-datadog-parent-id": "1"}',
        "x-datadog-trace-id is stored as the JSON number 1e400, too large for JSON readers (read as Infinity): it is no id and is refused; store ids as decimal strings",
      ],
    ];
    for (const [input, said] of cases) {
      const { code, stdout, stderr } = run(["inspect", "--json", "-"], input);
      assert.equal(code, 1, input);
      assert.ok(JSON.parse(stdout).diagnostics.includes(said), `${input}: ${stdout}`);
      assert.equal(stderr, "", input);
    }
  });

  test("a number of a million digits in an id or another field: quoted cut after 80 digits with its length, as a value is, not whole", () => {
    const digits = "9".repeat(1_000_000);
    for (const key of ["x-datadog-trace-id", "x-datadog-sampling-priority"]) {
      const text = `{"x-datadog-trace-id": "1", "x-datadog-parent-id": "2", "${key}": ${digits}}`;
      const { stdout, stderr } = run(["inspect", "--json", "-"], text);
      assert.equal(stderr, "");
      assert.ok(stdout.length < 20_000, `${key}: a report of ${stdout.length} characters`);
      const said = (JSON.parse(stdout).diagnostics as string[]).find((d) =>
        d.startsWith(`${key} is stored as`),
      );
      assert.ok(said?.includes(`${"9".repeat(80)}… (1000000 characters)`), `${key}: ${said?.slice(0, 300)}`);
    }
    // A key of a million characters holding a number: named cut too.
    const key = "k".repeat(1_000_000);
    const { stdout } = run(["inspect", "--json", "-"], `{"traceparent": "${TRACEPARENT}", "${key}": 1}`);
    assert.ok(stdout.length < 20_000, `a report of ${stdout.length} characters`);
    assert.ok(
      (JSON.parse(stdout).diagnostics as string[]).includes(
        `"${"k".repeat(80)}"… (1000000 characters) is stored as a JSON number (1); it is exact and read as "1", but carriers hold strings: store it as a string`,
      ),
      stdout.slice(0, 2000),
    );
  });

  test("5,000 fields stored as JSON numbers: ten listed and the rest counted; an id is always listed", () => {
    const carrier: Record<string, unknown> = { traceparent: TRACEPARENT };
    for (let i = 0; i < 5_000; i++) carrier[`n${i}`] = i;
    // An id beyond 2^53 as a JSON number, written as JSON text (a JavaScript number would round it).
    const text = JSON.stringify(carrier).slice(0, -1) + ',"x-datadog-trace-id":12345678901234567890}';
    const { code, stdout, stderr } = run(["inspect", "--json", "-"], text);
    assert.equal(stderr, "");
    assert.equal(code, 0);
    const { diagnostics } = JSON.parse(stdout);
    assert.equal(diagnostics.length, 12, JSON.stringify(diagnostics.slice(0, 3)));
    assert.match(diagnostics[0], /^n0 is stored as a JSON number \(0\)/);
    assert.match(
      diagnostics[10],
      /^x-datadog-trace-id is stored as the JSON number 12345678901234567890, beyond 2\^53/,
    );
    assert.equal(
      diagnostics[11],
      "4990 more fields are stored as JSON numbers (not listed); carriers hold strings: store them as strings",
    );
  });
});

describe("tracehop inspect: what the carrier reader ignores or drops", () => {
  test("what the library drops for its limits, said with the limit: text over 256 KiB, a value over 16 KiB, keys beyond 128, tracestate and baggage", (t) => {
    const TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const dir = inspectDir(t);
    const inspect = (carrier: unknown) => inspectAsFile(dir, carrier);
    // Over the JSON-text limit: read as an object (a Json column), refused as text.
    const bigCarrier = { traceparent: TP, pad: "x".repeat(300 * 1024) };
    assert.equal(trace.getSpanContext(contextFromCarrier(bigCarrier))?.spanId, "00f067aa0ba902b7");
    assert.equal(trace.getSpanContext(contextFromCarrier(JSON.stringify(bigCarrier))), undefined);
    const big = inspect(bigCarrier);
    assert.equal(big.code, 0);
    assert.deepEqual(big.report.diagnostics, [
      `the carrier's JSON text is ${300 * 1024 + 82} characters, over the carrier reader's limit of 262144 for JSON text: ` +
        "stored as text (a String column, or JSON text given to contextFromCarrier or withCarrier) it is refused whole, " +
        "no context; shown is how it reads as an object (a Json column), which has no such limit",
    ]);
    // The same carrier as a row's JSON text: refused, and said why.
    const row = run(
      ["inspect", "--json", "-"],
      JSON.stringify({
        id: 1,
        traceContext: JSON.stringify({ traceparent: TP, pad: "x".repeat(300 * 1024) }),
      }),
    );
    assert.equal(row.code, 1);
    assert.equal(
      JSON.parse(row.stdout).noCarrier,
      `the row's traceContext field is text that is not the JSON text of an object (${300 * 1024 + 82} characters, over the carrier reader's limit of 262144 for JSON text), not a carrier (as withCarrier reads the row)`,
    );
    // A baggage value over the per-value limit: ignored, with its length.
    const bagCarrier = { traceparent: TP, baggage: "k=" + "v".repeat(17000) };
    assert.equal(propagation.getBaggage(contextFromCarrier(bagCarrier)), undefined);
    const bag = inspect(bagCarrier);
    assert.deepEqual(bag.report.styles.baggage, {
      status: "absent",
      detail: "baggage ignored by the carrier reader (see the diagnostics)",
    });
    assert.deepEqual(bag.report.diagnostics, [
      "baggage is ignored by the carrier reader: its value is 17002 characters, over the limit of 16384 for one value",
    ]);
    // Beyond the 128 keys scanned, a propagation header is looked up by its lower-case name (found, as
    // contextFromCarrier finds it); one spelt otherwise is not, and inspect says so.
    const keys: Record<string, unknown> = {};
    for (let i = 0; i < 130; i++) keys[`x${i}`] = "1";
    keys.traceparent = TP;
    const late = inspect(keys);
    assert.equal(late.code, 0);
    assert.ok(trace.getSpanContext(contextFromCarrier(keys)));
    assert.deepEqual(late.report.diagnostics, []);
    const mixed: Record<string, unknown> = { ...keys };
    delete mixed.traceparent;
    mixed.TraceParent = TP;
    assert.equal(trace.getSpanContext(contextFromCarrier(mixed)), undefined);
    const lateMixed = inspect(mixed);
    assert.equal(lateMixed.code, 1);
    assert.equal(
      lateMixed.report.styles.tracecontext.detail,
      "traceparent ignored by the carrier reader (see the diagnostics)",
    );
    assert.deepEqual(lateMixed.report.diagnostics, [
      "TraceParent is ignored by the carrier reader: it is key 131 of the carrier; past the first 128 keys only the propagation headers spelt in lower case are looked up",
    ]);
    // ot-baggage-* entries are found by the scan only: past the 128 keys, lower case or not, they are
    // dropped, and inspect says so (the ids, looked up by name, still restore).
    const legacy: Record<string, unknown> = {};
    for (let i = 0; i < 130; i++) legacy[`ot-baggage-k${i}`] = "v";
    legacy["x-datadog-trace-id"] = "123";
    legacy["x-datadog-parent-id"] = "456";
    const restoredLegacy = contextFromCarrier(legacy);
    assert.equal(trace.getSpanContext(restoredLegacy)?.spanId, "00000000000001c8");
    // Of the 128 entries read, W3C Baggage's 64 members are restored (a carrier written on holds them all).
    assert.equal(propagation.getBaggage(restoredLegacy)?.getAllEntries().length, 64);
    const lateLegacy = inspect(legacy);
    assert.equal(lateLegacy.report.baggageKeys.length, 64);
    assert.deepEqual(lateLegacy.report.diagnostics, [
      "ot-baggage-k128 is ignored by the carrier reader: it is key 129 of the carrier; past the first 128 keys only the headers tracehop's styles name (not ot-baggage-* entries) are looked up",
      "ot-baggage-k129 is ignored by the carrier reader: it is key 130 of the carrier; past the first 128 keys only the headers tracehop's styles name (not ot-baggage-* entries) are looked up",
      "ot-baggage-*: 64 of its 128 entries dropped: 64 over the limits of 64 members and 8192 bytes (W3C Baggage §3.3.1; " +
        "the first entries that fit are kept, an entry that would overflow is skipped whole)",
    ]);
    const types = inspect({ traceparent: [TP, true], tracestate: { a: "1" } });
    // A boolean is read as its text (two different traceparent values: none), an object as an invalid value.
    assert.deepEqual(types.report.diagnostics, [
      'traceparent: stored as the JSON boolean true, it is read as its text "true", judged as that string; carriers hold strings: store it as a string',
      "tracestate: stored as a JSON object or array, it is read as an invalid value, never as a missing one; carriers hold strings: store it as a string",
    ]);
    // tracestate discarded whole: more than 32 members, or the first member that breaks the grammar.
    const members = Array.from({ length: 33 }, (_, i) => `k${i}=v`);
    const ts33 = inspect({ traceparent: TP, tracestate: members.join(",") });
    assert.deepEqual(ts33.report.context.tracestate, []);
    assert.deepEqual(ts33.report.diagnostics, [
      "tracestate discarded whole: it has 33 members, more than 32 (W3C Trace Context §3.3.1.1); the traceparent is still used",
    ]);
    assert.deepEqual(
      inspect({ traceparent: TP, tracestate: members.slice(0, 32).join(",") }).report.diagnostics,
      [],
    );
    const tsKey = inspect({ traceparent: TP, tracestate: "a=1,Foo=2" });
    assert.deepEqual(tsKey.report.diagnostics, [
      'tracestate discarded whole: member 2 "Foo=2" breaks the Level 2 grammar: a key is 1-256 lower-case letters, digits and _ - * / @, ' +
        "starting with a letter or digit (W3C Trace Context Level 2 §3.3.1.3.1); the traceparent is still used",
    ]);
    // A long member is quoted with its first 80 characters and its length (a cut inside the quotes lost it).
    const longKey = `A${"b".repeat(299)}=1`;
    assert.deepEqual(inspect({ traceparent: TP, tracestate: `a=1,${longKey}` }).report.diagnostics, [
      `tracestate discarded whole: member 2 "A${"b".repeat(79)}"… (302 characters) breaks the Level 2 grammar: a key is 1-256 lower-case letters, digits and _ - * / @, ` +
        "starting with a letter or digit (W3C Trace Context Level 2 §3.3.1.3.1); the traceparent is still used",
    ]);
    // With a valid dd= member (public case B14): the header goes but for it, and it is still read.
    const tsDd = inspect({ traceparent: TP, tracestate: "dd=s:2;o:synthetics,Bad Key=1,rojo=1" });
    assert.deepEqual(tsDd.report.context.tracestate, ["dd=s:2;o:synthetics"]);
    assert.equal(tsDd.report.context.origin, "synthetics");
    assert.deepEqual(tsDd.report.diagnostics, [
      'tracestate discarded but for its dd= member: member 2 "Bad Key=1" breaks the Level 2 grammar: a key is 1-256 lower-case letters, ' +
        "digits and _ - * / @, starting with a letter or digit (W3C Trace Context Level 2 §3.3.1.3.1); the traceparent is still used, and " +
        "so is the dd= member (sampling priority, origin, t.* tags), as dd-trace-js keeps it",
    ]);
    // 200 baggage members: 64 kept, the others over the limit; a bad member dropped alone.
    const bag200 = inspect({
      traceparent: TP,
      baggage: Array.from({ length: 200 }, (_, i) => `k${i}=v`).join(",") + ",bad key=1",
    });
    assert.equal(bag200.report.baggageKeys.length, 64);
    assert.equal(bag200.report.styles.baggage.detail, "64 entries (members dropped: see the diagnostics)");
    assert.deepEqual(bag200.report.diagnostics, [
      "baggage: 137 of its 201 members dropped: 136 over the limits of 64 members and 8192 bytes (W3C Baggage §3.3.1; the first members " +
        'that fit are kept, a member that would overflow is skipped whole); 1 breaking the baggage grammar key=value (the first: "bad key=1")',
    ]);
  });

  test("ot-baggage-* entries the datadog style drops for W3C Baggage's limits: said, counted with the W3C baggage", (t) => {
    const dir = inspectDir(t);
    const inspect = (carrier: unknown) => inspectAsFile(dir, carrier);
    const ids = { "x-datadog-trace-id": "123", "x-datadog-parent-id": "456" };
    // Guards against listing the 126 keys without a diagnostic: a carrier written from the restore holds
    // 64 of them.
    const row: Record<string, string> = { ...ids };
    for (let i = 0; i < 130; i++) row[`ot-baggage-k${i}`] = "v";
    const legacy = inspect(row);
    assert.equal(legacy.code, 0);
    assert.equal(legacy.report.baggageKeys.length, 64);
    assert.deepEqual(legacy.report.diagnostics.slice(-1), [
      "ot-baggage-*: 62 of its 126 entries dropped: 62 over the limits of 64 members and 8192 bytes (W3C Baggage §3.3.1; " +
        "the first entries that fit are kept, an entry that would overflow is skipped whole)",
    ]);
    const both: Record<string, string> = {
      ...ids,
      baggage: Array.from({ length: 60 }, (_, i) => `w${i}=x`).join(","),
      "ot-baggage-w0": "replaced by the W3C entry, not dropped",
    };
    for (let i = 0; i < 10; i++) both[`ot-baggage-k${i}`] = "v";
    const mixed = inspect(both);
    assert.equal(mixed.report.baggageKeys.length, 64);
    assert.deepEqual(mixed.report.diagnostics, [
      "ot-baggage-*: 6 of its 11 entries dropped: 6 over the limits of 64 members and 8192 bytes (W3C Baggage §3.3.1, " +
        "counted after the W3C baggage entries; the first entries that fit are kept, an entry that would overflow is skipped whole)",
    ]);
    // Within the limits nothing is said.
    assert.deepEqual(inspect({ ...ids, "ot-baggage-k": "v", baggage: "w=x" }).report.diagnostics, []);
    // A traceparent winner (no Datadog ids) restores them too, and the same is said.
    const tpRow: Record<string, string> = {
      traceparent: "00-463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-01",
    };
    for (let i = 0; i < 70; i++) tpRow[`ot-baggage-k${i}`] = "v";
    const tp = inspect(tpRow);
    assert.equal(tp.report.baggageKeys.length, 64);
    assert.deepEqual(tp.report.diagnostics, [
      "ot-baggage-*: 6 of its 70 entries dropped: 6 over the limits of 64 members and 8192 bytes (W3C Baggage §3.3.1; " +
        "the first entries that fit are kept, an entry that would overflow is skipped whole)",
    ]);
  });

  test("a header spelt in two cases: said with both values, which the reader takes as one header sent twice; a name no header has is said", (t) => {
    const dir = inspectDir(t);
    const inspect = (carrier: unknown) => inspectAsFile(dir, carrier);
    // A later spelling outvotes a valid id: the restore and inspect agree, and inspect shows both.
    const junk = { "x-datadog-trace-id": "123", "X-Datadog-Trace-Id": "junk", "x-datadog-parent-id": "42" };
    assert.equal(trace.getSpanContext(contextFromCarrier(junk)), undefined);
    const junkReport = inspect(junk);
    assert.equal(junkReport.code, 1);
    assert.deepEqual(junkReport.report.diagnostics, [
      'x-datadog-trace-id is spelt 2 ways (x-datadog-trace-id, X-Datadog-Trace-Id): the carrier reader reads them as one header sent that many times, in key order ("123", "junk"); the datadog style reads the last value',
    ]);
    const later = { "x-datadog-trace-id": "123", "X-DATADOG-TRACE-ID": ["456"], "x-datadog-parent-id": "42" };
    assert.equal(
      trace.getSpanContext(contextFromCarrier(later))?.traceId,
      "000000000000000000000000000001c8",
    );
    assert.deepEqual(inspect(later).report.diagnostics, [
      'x-datadog-trace-id is spelt 2 ways (x-datadog-trace-id, X-DATADOG-TRACE-ID): the carrier reader reads them as one header sent that many times, in key order ("123", an array); the datadog style reads the last value',
    ]);
    // Each header says how its style reads it repeated.
    const TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert.deepEqual(
      inspect({ traceparent: TP, TraceParent: TP, baggage: "k=1", Baggage: "j=2" }).report.diagnostics,
      [
        `traceparent is spelt 2 ways (traceparent, TraceParent): the carrier reader reads them as one header sent that many times, in key order ("${TP}", "${TP}"); the same value repeated is one traceparent, different values are none`,
        'baggage is spelt 2 ways (baggage, Baggage): the carrier reader reads them as one header sent that many times, in key order ("k=1", "j=2"); the values are joined with commas, in order, as one baggage header',
      ],
    );
    // A name the reader or the datadog style cannot take is said as the name's fault, not the value's.
    assert.deepEqual(
      inspect({
        "x-datadog-trace-id": "1",
        "x-datadog-parent-id": "2",
        "ot-baggage-k(": "1",
        "x-datadog-origin ": "rum",
        "ot-baggage-ok": "5",
      }).report.diagnostics,
      [
        `ot-baggage-k( is dropped by the datadog style: "k(" is no baggage key (a key is a token: letters, digits and !#$%&'*+-.^_\`|~; W3C Baggage §3.2.1.2)`,
        '"x-datadog-origin " is ignored by the carrier reader: its name holds a character no header name has (a space, a control or a non-ASCII character)',
      ],
    );
    // One spelling: nothing to say.
    assert.deepEqual(
      inspect({ "X-Datadog-Trace-Id": "123", "x-datadog-parent-id": "42" }).report.diagnostics,
      [],
    );
  });

  test("200,000 headers past the first 128 keys: ten listed, the rest counted (exit 0)", () => {
    const carrier: Record<string, string> = { traceparent: TRACEPARENT };
    for (let i = 0; i < 200_000; i++) carrier[`X-B3-Field-${i}`] = "v";
    const { code, stdout, stderr } = run(["inspect", "--json", "-"], JSON.stringify(carrier));
    assert.equal(stderr, "");
    assert.equal(code, 0);
    const { diagnostics } = JSON.parse(stdout);
    const ignored = diagnostics.filter((d: string) =>
      / is ignored by the carrier reader: it is key \d+/.test(d),
    );
    assert.equal(ignored.length, 10);
    assert.ok(
      diagnostics.includes(
        `${200_001 - 128 - 10} more propagation headers past the first 128 keys are ignored likewise (not listed)`,
      ),
      JSON.stringify(diagnostics.slice(-3)),
    );
  });
});

describe("tracehop inspect: reading a file or standard input", () => {
  test("a UTF-8 file with a byte order mark: read (RFC 8259 §8.1)", (t) => {
    const file = join(inspectDir(t), "row.json");
    writeFileSync(
      file,
      "\ufeff" + JSON.stringify({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }),
    );
    const { code, stdout } = run(["inspect", "--json", file]);
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  });

  test("a UTF-16 file with a byte order mark (Windows PowerShell), little- or big-endian: read", (t) => {
    const dir = inspectDir(t);
    writeFileSync(
      join(dir, "le.json"),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(carrierText, "utf16le")]),
    );
    const be = Buffer.from(carrierText, "utf16le").swap16();
    writeFileSync(join(dir, "be.json"), Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    for (const name of ["le.json", "be.json"]) {
      const { code, stdout, stderr } = run(["inspect", "--json", join(dir, name)]);
      assert.equal(code, 0, stderr);
      assert.equal(JSON.parse(stdout).context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    }
  });

  test("binary input, or UTF-16 without a byte order mark: an input error that says so, without echoing the bytes (exit 2)", (t) => {
    const dir = inspectDir(t);
    writeFileSync(
      join(dir, "image.png"),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x1b]),
    );
    writeFileSync(join(dir, "utf16.json"), Buffer.from(carrierText, "utf16le"));
    writeFileSync(join(dir, "nul.json"), carrierText.slice(0, 5) + "\u0000" + carrierText.slice(5));
    const binary = run(["inspect", join(dir, "image.png")]);
    assert.equal(binary.code, 2);
    assert.equal(
      binary.stderr,
      `tracehop inspect: the file ${join(dir, "image.png")} is not UTF-8 text (a binary file?); give the carrier's JSON text\n`,
    );
    const utf16 = run(["inspect", join(dir, "utf16.json")]);
    assert.equal(utf16.code, 2);
    assert.match(
      utf16.stderr,
      /utf16\.json holds the control character U\+0000 \(line 1, column 2\), which JSON text cannot hold: UTF-16 text without a byte order mark, or a binary file\? /,
    );
    const stdin = run(["inspect", "-"], carrierText.slice(0, 5) + "\u001b[31m" + carrierText.slice(5));
    assert.equal(stdin.code, 2);
    assert.match(
      stdin.stderr,
      /^tracehop inspect: standard input holds the control character U\+001B \(line 1, column 6\)/,
    );
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(binary.stderr + utf16.stderr + stdin.stderr, /[\u0000-\u0009\u000b-\u001f\ufffd]/);
  });

  test("empty input (sqlite3 -json of a query without rows prints nothing): an input error that says so (exit 2)", () => {
    for (const input of ["", "  ", "\ufeff"]) {
      const { code, stderr } = run(["inspect", "-"], input);
      assert.equal(code, 2, JSON.stringify(input));
      assert.match(
        stderr,
        /^tracehop inspect: the input is empty \(a query that returns no rows prints nothing\)/,
      );
    }
  });

  test("a missing file: an input error naming the file and the three accepted inputs (exit 2)", () => {
    const { code, stderr } = run(["inspect", "no-such-row.json"]);
    assert.equal(code, 2);
    assert.match(
      stderr,
      /cannot read the file no-such-row\.json: ENOENT \(give JSON text, a file name, or - for standard input\)/,
    );
  });

  test("a directory, as the file or as standard input: an input error that says so (exit 2)", (t) => {
    const dir = inspectDir(t);
    const file = run(["inspect", dir]);
    assert.equal(file.code, 2);
    assert.match(
      file.stderr,
      /^tracehop inspect: the file .* is a directory; give a file holding the carrier's JSON/,
    );
    const fd = openSync(dir, "r");
    try {
      const stdin = runBin(["inspect", "-"], { cwd: dir, stdin: fd });
      assert.equal(stdin.code, 2);
      assert.equal(
        stdin.stderr,
        "tracehop inspect: cannot read standard input: EISDIR, it is a directory (give JSON text, a file name, or - for standard input)\n",
      );
    } finally {
      closeSync(fd);
    }
  });

  test("a file over 256 MiB: refused by its size before it is read, with what to do (exit 2)", (t) => {
    const dir = inspectDir(t);
    const huge = join(dir, "rows.json");
    writeFileSync(huge, "");
    truncateSync(huge, 300 * 1024 * 1024); // sparse: no disk used
    const { code, stderr } = run(["inspect", huge]);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      `tracehop inspect: the file ${huge} is 314572800 bytes, over the 256 MiB that tracehop inspect reads; select fewer rows\n`,
    );
  });

  test("a file over 256 MiB redirected to standard input: refused by its size, as a named file (exit 2)", (t) => {
    const dir = inspectDir(t);
    const huge = join(dir, "rows.json");
    writeFileSync(huge, "");
    truncateSync(huge, 300 * 1024 * 1024); // sparse: no disk used
    const fd = openSync(huge, "r");
    try {
      const { code, stderr } = runBin(["inspect", "-"], { cwd: dir, stdin: fd });
      assert.equal(code, 2);
      assert.equal(
        stderr,
        "tracehop inspect: standard input is 314572800 bytes, over the 256 MiB that tracehop inspect reads; select fewer rows\n",
      );
    } finally {
      closeSync(fd);
    }
  });

  test("standard input over 256 MiB from a pipe without end: refused once it passes the limit, read no further (exit 2)", async () => {
    const MiB = 1024 * 1024;
    const { child, exited } = start(["inspect", "-"], "pipe");
    const stdin = child.stdin!;
    // Writes until the reader stops: an endless pipe (yes | tracehop inspect -).
    const chunk = Buffer.alloc(MiB, "{");
    let written = 0;
    let open = true;
    stdin.on("error", () => (open = false));
    stdin.on("close", () => (open = false));
    while (open && written < 512 * MiB) {
      const ok = await new Promise<boolean>((resolve) =>
        stdin.write(chunk, (err) => resolve(err === undefined || err === null)),
      );
      if (!ok) break;
      written += chunk.length;
    }
    stdin.destroy();
    const { code, stderr } = await exited;
    assert.equal(code, 2);
    assert.equal(
      stderr,
      "tracehop inspect: standard input is more than 268435456 bytes, over the 256 MiB that tracehop inspect reads; select fewer rows\n",
    );
    // It stopped reading at the limit: what was accepted is the limit and what the pipe holds besides.
    assert.ok(written <= 256 * MiB + 8 * MiB, `${written / MiB} MiB written`);
  });

  test("a named file without a size (a device, a FIFO, /dev/stdin, <(psql ...)): refused once what is read passes 256 MiB (exit 2)", () => {
    // /dev/zero never ends and its size is 0: the limit is checked on what is read, not on the size.
    const { code, stderr } = runBin(["inspect", "/dev/zero"], { cwd: tmpdir() });
    assert.equal(code, 2);
    assert.equal(
      stderr,
      "tracehop inspect: the file /dev/zero is more than 268435456 bytes, over the 256 MiB that tracehop inspect reads; select fewer rows\n",
    );
  });
});

describe("tracehop inspect: the command line", () => {
  test("--styles that names nothing, or has no value: a usage error (exit 2)", () => {
    const carrier = JSON.stringify({
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
    for (const args of [["--styles", ""], ["--styles= , "]]) {
      const { code, stderr } = run(["inspect", ...args, carrier]);
      assert.equal(code, 2, args.join(" "));
      assert.match(stderr, /^tracehop inspect: no propagation style named/);
    }
    const missing = run(["inspect", carrier, "--styles"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^tracehop inspect: --styles needs a value/);
  });

  test("--styles naming an unknown style: said once, with one tracehop inspect prefix (exit 2)", () => {
    const { code, stderr } = run(["inspect", "--styles", "bogus", "{}"]);
    assert.equal(code, 2);
    assert.match(stderr, /^tracehop inspect: unknown propagation style "bogus"/);
  });

  test("files joined with cat, each saved with a byte order mark: the line starting with one is named, the mark shown escaped, with what to do (exit 2)", () => {
    const carrier = '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}';
    const joined = run(["inspect", "-"], `\ufeff${carrier}\n\ufeff${carrier}\n`);
    assert.equal(joined.code, 2);
    assert.ok(!joined.stderr.includes("\ufeff"), joined.stderr);
    assert.match(
      joined.stderr,
      /^tracehop inspect: line 2 is not valid JSON: it starts with a byte order mark, U\+FEFF: files joined with cat, each saved with one\? Remove the marks .*; with one row per line, .* \(Unexpected token '\\ufeff', .*\)\n$/,
    );
    // The text's own first mark is skipped (RFC 8259 §8.1): one file alone is read.
    assert.equal(run(["inspect", "-"], `\ufeff${carrier}\r\n`).code, 0);
  });

  test("JSON text inside single quotes that reached inspect (cmd.exe passes them on): said, with how to give it instead (exit 2)", () => {
    const carrier = '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}';
    const quoted = run(["inspect", `'${carrier}'`]);
    assert.equal(quoted.code, 2);
    assert.equal(
      quoted.stderr,
      "tracehop inspect: the argument is JSON text inside single quotes that reached tracehop (cmd.exe, and some PowerShell versions, pass them on): " +
        'give it without them (cmd.exe: "{\\"traceparent\\": \\"...\\"}"), or save it to a file and give the file name, or pipe it to -\n',
    );
    // The same text on standard input: the hint names both what prints it so and the quotes a shell kept.
    const piped = run(["inspect", "-"], `'${carrier}'\n`);
    assert.equal(piped.code, 2);
    assert.match(
      piped.stderr,
      /^tracehop inspect: the carrier is not valid JSON: it looks like sqlite3 -quote output, .*\(or JSON text in single quotes that a shell kept, as cmd\.exe does: remove them\)/,
    );
  });

  test("--styles naming a style with a character outside ASCII (a Cyrillic a, a zero width space, a full-width comma, bytes not UTF-8): the name quoted escaped, never echoed as it looks, with the character named and what to do (exit 2)", () => {
    const carrier = '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}';
    for (const [styles, quoted, at, character, guess] of [
      ["tr\u0430cecontext", "tr\\u0430cecontext", 3, "U+0430", " (did you mean tracecontext?)"],
      [
        "\u200btracecontext",
        "\\u200btracecontext",
        1,
        "U+200B (zero width space)",
        " (did you mean tracecontext?)",
      ],
      ["trace\u00adcontext", "trace\\u00adcontext", 6, "U+00AD", " (did you mean tracecontext?)"],
      ["datadog\uff0c", "datadog\\uff0c", 8, "U+FF0C", " (did you mean datadog?)"],
      ["x\u001b[31m\u0085", "x\\u001b[31m\\u0085", 7, "U+0085", ""],
      ["\ufffd\ufffd", "\\ufffd\\ufffd", 1, "U+FFFD", ""],
    ] as const) {
      const { code, stdout, stderr } = run(["inspect", "--styles", styles, carrier]);
      assert.equal(code, 2, styles);
      assert.equal(stdout, "");
      const first = stderr.split("\n")[0]!;
      assert.ok(
        first.startsWith(
          `tracehop inspect: unknown propagation style "${quoted}"${guess}; its character ${at} is ${character}, outside ASCII: ` +
            "style names are ASCII letters, digits and spaces, so retype the name (",
        ),
        first,
      );
      // Nothing a terminal acts on or shows as something else: printable ASCII alone.
      assert.match(first, /^[\x20-\x7e]*$/);
    }
    // A full-width comma between two names: said as the separator it is, with the list to write.
    assert.equal(
      run(["inspect", "--styles", "datadog\uff0ctracecontext", carrier]).stderr.split("\n")[0],
      'tracehop inspect: unknown propagation style "datadog\\uff0ctracecontext": it holds U+FF0C (fullwidth ' +
        "comma), and names are separated by commas (datadog and tracecontext are styles); write --styles datadog,tracecontext",
    );
    // Another separator, in --styles VALUE and --styles=VALUE: the fix is the option to type, not a JSON
    // string to paste; a name with blanks is quoted for the shell.
    for (const option of [["--styles", "datadog;tracecontext"], ["--styles=datadog;tracecontext"]]) {
      const { code, stderr } = run(["inspect", ...option, carrier]);
      assert.equal(code, 2, option.join(" "));
      assert.equal(
        stderr,
        'tracehop inspect: unknown propagation style "datadog;tracecontext": it holds ";", and names are separated by ' +
          "commas (datadog and tracecontext are styles); write --styles datadog,tracecontext\n",
      );
    }
    const bogus = run(["inspect", "--styles", "datadog;bogus", carrier]).stderr;
    assert.match(bogus, /; write --styles datadog, adding the style meant \(/);
    // No style among the names: the styles to choose from (was `write --styles ''`).
    assert.equal(
      run(["inspect", "--styles", "x\ufe50y\ufe50z", carrier]).stderr,
      'tracehop inspect: unknown propagation style "x\\ufe50y\\ufe50z": it holds U+FE50 (small comma), and names are ' +
        'separated by commas ("x" is not; "y" is not; "z" is not); use tracecontext, baggage, datadog, b3, b3multi or ' +
        "none, separated by commas\n",
    );
    assert.match(
      run(["inspect", "--styles", "\ufffd", carrier]).stderr,
      /U\+FFFD, outside ASCII: .*\(the replacement character of bytes that are not UTF-8/,
    );
  });

  test("after --, a file named --help or -h: read as the file; before --, the option", (t) => {
    const dir = inspectDir(t);
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    for (const name of ["--help", "-h"]) {
      writeFileSync(join(dir, name), JSON.stringify({ traceparent: tp }));
      const { code, stdout, stderr } = runBin(["inspect", "--json", "--", name], { cwd: dir });
      assert.equal(stderr, "");
      assert.equal(code, 0);
      assert.equal(JSON.parse(stdout).context.traceId, "0af7651916cd43dd8448eb211c80319c");
    }
    // Before --, it is the option.
    assert.match(runBin(["inspect", "--help", "--", "-h"], { cwd: dir }).stdout, /^usage: tracehop inspect /);
  });

  test("a file whose name starts like JSON (a digit, a minus): read as the file, or said missing; -- ends the options; JSON text naming no file is JSON", (t) => {
    const dir = inspectDir(t);
    writeFileSync(join(dir, "2024-06-rows.json"), carrierText);
    writeFileSync(join(dir, "-row.json"), carrierText);
    mkdirSync(join(dir, "sub"));
    for (const args of [
      ["2024-06-rows.json"],
      ["-row.json"],
      ["--", "-row.json"],
      ["--json", "--", "-row.json"],
    ]) {
      const { code, stdout, stderr } = runBin(["inspect", ...args], { cwd: dir });
      assert.equal(code, 0, `${args.join(" ")}: ${stderr}`);
      assert.match(stdout, /4bf92f3577b34da6a3ce929d0e0e4736/);
    }
    // A missing file whose name starts like JSON is said missing, not parsed as JSON.
    for (const name of ["2024-07-rows.json", "42.json", "-rows.jsonl", "2024-07-rows"]) {
      const { code, stderr } = runBin(["inspect", "--", name], { cwd: dir });
      assert.equal(code, 2);
      assert.match(stderr, new RegExp(`cannot read the file ${name.replace(".", "\\.")}: ENOENT`));
    }
    // A name with a character outside printable ASCII (U+FFFD: Node's reading of a name that is not
    // valid UTF-8) or over 80 characters is quoted escaped and cut, as other values are.
    for (const [name, shown] of [
      ["a\ufffdb.json", String.raw`"a\\ufffdb\.json"`],
      [`${"d".repeat(100)}.json`, `"${"d".repeat(80)}"… \\(105 characters\\)`],
    ]) {
      const { code, stderr } = runBin(["inspect", "--", name!], { cwd: dir });
      assert.equal(code, 2);
      assert.match(stderr, new RegExp(`cannot read the file ${shown}: ENOENT`), stderr);
    }
    // JSON text that names no file is still JSON text (a number with a decimal point too).
    for (const [number, hint] of [
      ["1.5", ""],
      ["2024", BARE_ID],
    ])
      assert.deepEqual(runBin(["inspect", number!], { cwd: dir }), {
        code: 1,
        stdout: `no carrier (a number, not a carrier${hint})\n`,
        stderr: "",
      });
  });

  test("command-line slips: JSON text the shell unquoted or split, no argument, a one-dash option, an option without its value, an empty argument: what to fix (exit 2)", (t) => {
    const dir = inspectDir(t);
    const firstLine = (args: string[]) => {
      const { code, stdout, stderr } = runBin(["inspect", ...args], { cwd: dir });
      assert.equal(code, 2, args.join(" "));
      assert.equal(stdout, "");
      return stderr.split("\n")[0];
    };
    // bash passes {"traceparent":"00-…"} unquoted as {traceparent:00-…}.
    assert.equal(
      firstLine([`{traceparent:${TRACEPARENT}}`]),
      "tracehop inspect: the carrier is not valid JSON: its names and values have no double quotes: on a command line, " +
        `put the JSON text in single quotes, tracehop inspect '{"traceparent":"…"}', or the shell removes them; ` +
        "give a JSON object of header -> value, an array of rows, or one row per line (Expected property name or '}' in JSON at position 1)",
    );
    // ... and {"traceparent": "00-…"} as two arguments.
    assert.equal(
      firstLine(["{traceparent:", `${TRACEPARENT}}`]),
      "tracehop inspect: give exactly one carrier: JSON text, a file, or -, got 2 arguments: {traceparent: " +
        `${TRACEPARENT.slice(0, 40)}…; JSON text with spaces is one argument when quoted: put it in single quotes, ` +
        `tracehop inspect '{"traceparent": "…"}'`,
    );
    assert.equal(
      firstLine(["a.json", "b.json"]),
      "tracehop inspect: give exactly one carrier: JSON text, a file, or -, got 2 arguments: a.json b.json",
    );
    // psql ... | tracehop inspect, without the -.
    assert.equal(
      firstLine([]),
      "tracehop inspect: give exactly one carrier: JSON text, a file, or - (standard input is a pipe or a file, read only with -: ... | tracehop inspect -)",
    );
    const devNull = openSync("/dev/null", "r");
    try {
      assert.equal(
        runBin(["inspect"], { cwd: dir, stdin: devNull }).stderr.split("\n")[0],
        "tracehop inspect: give exactly one carrier: JSON text, a file, or -",
      );
    } finally {
      closeSync(devNull);
    }
    // A one-dash option is not taken for a file name; a file named so follows --.
    assert.equal(
      firstLine(["-j", carrierText]),
      "tracehop inspect: unknown option -j (a file whose name starts with - follows --: tracehop inspect -- -j)",
    );
    // An option where its value belongs: the value was left out.
    assert.equal(
      firstLine(["--field", "--json", carrierText]),
      "tracehop inspect: --field needs a value: the name of the row's carrier field, e.g. --field carrier",
    );
    assert.equal(
      firstLine(["--styles", "--json", carrierText]),
      "tracehop inspect: --styles needs a value: a comma-separated list of styles, e.g. --styles datadog,tracecontext",
    );
    // An option given twice with two values: which was meant cannot be told (the same value twice is one).
    assert.equal(
      firstLine(["--field", "a", "--field=b", carrierText]),
      'tracehop inspect: --field is given twice, as "a" and "b": give it once',
    );
    assert.equal(
      firstLine(["--styles=datadog", "--styles", "tracecontext", carrierText]),
      'tracehop inspect: --styles is given twice, as "datadog" and "tracecontext": give it once',
    );
    // tracehop inspect "$ROW" with ROW unset.
    for (const [arg, what] of [
      ["", "empty"],
      [" ", "blank"],
    ])
      assert.equal(
        firstLine([arg]),
        `tracehop inspect: the argument is ${what} (a shell variable that is unset or empty?); give JSON text, a file name, or - for standard input`,
      );
    writeFileSync(join(dir, "-j"), carrierText);
    for (const args of [["-j"], ["--", "-j"]])
      assert.equal(runBin(["inspect", ...args], { cwd: dir }).code, 0);
  });
});

describe("tracehop inspect: its output and exit codes", () => {
  test("a key or argument holding a terminal escape or a line break: shown escaped, on its own line", () => {
    const carrier = `{"traceparent":"${TRACEPARENT}","\\u001b[2Jred\\nfake line":1}`;
    const text = run(["inspect", carrier]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(
      text.stdout.includes(
        '\n  - \\u001b[2Jred\\u000afake line is stored as a JSON number (1); it is exact and read as "1"',
      ),
      text.stdout,
    );
    // --json escapes them as JSON does.
    const json = run(["inspect", "--json", carrier]).stdout;
    assert.ok(json.includes('"\\u001b[2Jred\\nfake line is stored'), json);
    const field = run(["inspect", "--field", "x\u001b[31m\u202e", '{"id":1}']);
    assert.equal(field.code, 1);
    assert.match(
      field.stdout,
      // Named quoted, as a name holding a character outside printable ASCII is (a file name, a key).
      /the row has no "x\\u001b\[31m\\u202e" field \(--field "x\\u001b\[31m\\u202e"; its fields: id\)/,
    );
    const option = run(["inspect", "--\u001b[31m", "{}"]);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /^tracehop inspect: unknown option --\\u001b\[31m; the options are /);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text.stdout + field.stdout + option.stderr, /[\u001b\u202e]/);
  });

  test("--json over rows: written report by report, exactly as JSON.stringify(reports, null, 2) writes the array", () => {
    const input = `${JSON.stringify({ traceparent: TRACEPARENT })}\n\nnull\n`;
    const { code, stdout } = run(["inspect", "--json", "-"], input);
    assert.equal(code, 1);
    const reports = JSON.parse(stdout);
    assert.deepEqual(
      reports.map((r: { valid: boolean; noCarrier?: string }) => [r.valid, r.noCarrier]),
      [
        [true, undefined],
        [false, "NULL: written outside a span, or by a service without the extension"],
        [false, "JSON null: the row was written without a carrier"],
      ],
    );
    assert.equal(stdout, JSON.stringify(reports, null, 2) + "\n");
    const one = run(["inspect", "--json", "-"], `${JSON.stringify({ traceparent: TRACEPARENT })}\n`);
    assert.equal(one.stdout, JSON.stringify(JSON.parse(one.stdout), null, 2) + "\n");
  });

  test("reports longer than V8's longest string (about 512 Mi characters): written whole, exit 1", (t) => {
    // 5000 NULL rows, each report carrying the environment's diagnostic of about 126 000 characters: a
    // style variable of 3000 entries that name no style, each of which its warning says skipped (a value
    // a warning quotes is cut at 40 or 200 characters, but every entry skipped is said): 630 MB of text.
    // Guards against joining the reports into one string (RangeError, "a bug in tracehop inspect").
    const entries = Array.from({ length: 3000 }, (_, i) => `entry-${String(i).padStart(5, "0")}`);
    const env = { ...process.env, DD_TRACE_PROPAGATION_STYLE_EXTRACT: `datadog,${entries.join(",")}` };
    const file = join(inspectDir(t), "reports.txt");
    const fd = openSync(file, "w");
    let result;
    try {
      result = runBin(["inspect", "-"], { input: "\n".repeat(5000), env, stdout: fd });
    } finally {
      closeSync(fd);
    }
    assert.equal(result.stderr, "");
    assert.equal(result.code, 1);
    const size = statSync(file).size;
    assert.ok(size > 2 ** 29, `${size} bytes`);
    const tail = Buffer.alloc(200);
    const read = openSync(file, "r");
    try {
      readSync(read, tail, 0, 200, size - 200);
    } finally {
      closeSync(read);
    }
    assert.equal(
      tail.toString("latin1"),
      (
        "row 5000 of 5000: no carrier (NULL: written outside a span, or by a service without the extension)\n" +
        `  - DD_TRACE_PROPAGATION_STYLE_EXTRACT=${JSON.stringify(`datadog,${entries.join(",")}`.slice(0, 200))}… ` +
        "(36007 characters) is read as datadog; " +
        entries.map((entry) => `"${entry}" is skipped: it is no style; `).join("") +
        "write DD_TRACE_PROPAGATION_STYLE_EXTRACT=datadog, adding the style meant (tracecontext, baggage, datadog, " +
        "b3 single header, b3multi)\n"
      ).slice(-200),
    );
  });

  test("a reader that stops reading (| head -1): inspect ends quietly with the reports' exit code, having made few of them", async (t) => {
    const dir = inspectDir(t);
    const rows = join(dir, "rows.json");
    const ROWS = 20000;
    writeFileSync(rows, JSON.stringify(Array.from({ length: ROWS }, () => ({ traceparent: TRACEPARENT }))));
    // The writes to standard output it made (a report each), counted into a file as it exits.
    const count = join(dir, "writes.txt");
    const counting =
      `import { writeFileSync } from "node:fs"; let writes = 0; const write = process.stdout.write.bind(process.stdout);` +
      `process.stdout.write = (...a) => (writes++, write(...a));` +
      `process.on("exit", () => writeFileSync(${JSON.stringify(count)}, String(writes)));`;
    for (const args of [[rows], ["--json", rows]]) {
      const { child, exited } = start(["inspect", ...args], "ignore", counting);
      const stdout = child.stdout!;
      // What head -1 does: read the first chunk, then close the pipe.
      stdout.once("data", () => stdout.destroy());
      const { code, stderr } = await exited;
      assert.equal(stderr, "", args.join(" "));
      assert.equal(code, 0, args.join(" "));
      // It stopped once the pipe's buffer was full and its reader gone: a few hundred reports at most
      // (a pipe holds 64 KiB), not every row's.
      const writes = Number(readFileSync(count, "utf8"));
      assert.ok(writes > 0 && writes < ROWS / 10, `${args.join(" ")}: ${writes} writes for ${ROWS} rows`);
    }
    // Reports made before the reader stopped that hold no valid context: exit 1, quietly.
    writeFileSync(rows, JSON.stringify(Array.from({ length: ROWS }, () => ({}))));
    const { child, exited } = start(["inspect", rows], "ignore");
    child.stdout!.once("data", () => child.stdout!.destroy());
    assert.deepEqual(await exited, { code: 1, stderr: "" });
  });

  test("standard error that cannot be written (2>/dev/full, a file opened read-only): the exit codes kept, 2 for usage and input errors", (t) => {
    const dir = inspectDir(t);
    const readOnly = join(dir, "read-only.txt");
    writeFileSync(readOnly, "");
    // Written to, it fails (EBADF), as /dev/full does (ENOSPC): the message is lost, the code is not.
    const fd = openSync(readOnly, "r");
    try {
      for (const [args, code] of [
        [["inspect", "--bogus"], 2],
        [["inspect"], 2],
        [["frobnicate"], 2],
        [["inspect", "{nope"], 2],
        [["inspect", join(dir, "missing.json")], 2],
        [["inspect", JSON.stringify({ traceparent: TRACEPARENT })], 0],
      ] as const) {
        const result = runBin([...args], { stderr: fd });
        assert.equal(result.code, code, args.join(" "));
      }
    } finally {
      closeSync(fd);
    }
  });

  test("standard output that cannot be written (a report, --help, --version): one line saying so, exit 2", (t) => {
    const dir = inspectDir(t);
    const readOnly = join(dir, "read-only.txt");
    writeFileSync(readOnly, "");
    // Written to, it fails with EBADF, as /dev/full does with ENOSPC.
    const fd = openSync(readOnly, "r");
    try {
      for (const args of [
        ["inspect", JSON.stringify({ traceparent: TRACEPARENT })],
        ["--help"],
        ["--version"],
      ]) {
        const result = runBin(args, { stdout: fd });
        assert.deepEqual(
          [result.code, result.stderr],
          [2, "tracehop: cannot write to standard output: EBADF\n"],
          args.join(" "),
        );
      }
    } finally {
      closeSync(fd);
    }
  });

  test("a TypeError inside inspect: exit 3, said to be a bug in tracehop inspect with the input to report; an unknown or empty --styles is still a usage error (exit 2)", () => {
    // The report's write throws a TypeError, as a bug in making or writing a report would: said as bad
    // input (exit 2), it would send the user looking for a fault in the row.
    const preload =
      "process.stdout.write = () => { throw new TypeError(\"Cannot read properties of undefined (reading 'traceId')\"); };";
    const { code, stdout, stderr } = runBin(["inspect", carrierText], { preload });
    assert.equal(stdout, "");
    assert.equal(code, 3);
    assert.equal(
      stderr,
      "tracehop inspect: failed on this input (TypeError: Cannot read properties of undefined (reading 'traceId')); " +
        "this is a bug in tracehop inspect: please report it with the input\n",
    );
    // An unknown or empty --styles list (the library's TypeError) is still the user's input: exit 2.
    for (const styles of ["bogus", ","]) {
      const usage = runBin(["inspect", "--styles", styles, carrierText], { preload: "" });
      assert.equal(usage.code, 2, styles);
      assert.match(
        usage.stderr,
        /^tracehop inspect: (unknown propagation style "bogus"|no propagation style named)/,
      );
    }
  });
});
