// `tracehop inspect` and the library's restore agree, as a property: for a stored shape (a carrier, a row
// holding it in traceContext or another field, JSON text of either, a wrapped carrier, Datadog ids as
// strings and as JSON numbers, W3C / Datadog / B3 fields valid and broken, baggage), the verdict inspect
// prints with --json (valid or not, trace id, parent id, sampled, priority, a restored root) is what
// contextFromCarrier, and withCarrier on the row, give for the same value. A report that names another
// field (`carrierFrom`) is compared with the restore of that expression, and the row itself, handed whole
// to a restore that reads only traceContext, restores nothing then. The text report (without --json) is
// read back too and must say the same; and under each relation (`parent`, `link`, `none`, `auto` by the
// row's createdAt and the run), the span withCarrier starts is the child of, or is linked to, the
// context inspect reports.
//
// The command runs in this process (src/cli/command.ts `runTracehop`, what the bin runs), from the
// sources, with the input on a standard input made of the text: thousands of runs take a few seconds.
// Failures print fast-check's seed and path (FC_SEED=... replays one; arbitraries.ts `runParameters`).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, trace, type Context, type Link } from "@opentelemetry/api";
import fc from "fast-check";
import {
  contextFromCarrier,
  createPropagator,
  DEFAULT_MAX_PARENT_AGE_MS,
  getDatadogContext,
  withCarrier,
  type Relation,
} from "../../src/index.js";
import type { TextMapPropagator } from "@opentelemetry/api";
import { runTracehop } from "../../src/cli/command.js";
import { CR_BEFORE_LINE_FEED } from "../../src/cli/input.js";
import type { InputSource } from "../../src/cli/read-input.js";
import { getRestoredRoot } from "../../src/propagation/extraction-result.js";
import {
  damagedCarrier,
  hostileCarrier,
  nearlyValidCarrier,
  oddBaggage,
  oddDatadogCarrier,
  oddHeaders,
  oddTraceparent,
  respelled,
  runParameters,
  validCarrier,
} from "../hardening/arbitraries.js";
import "../support/sdk.js";
import { PROPAGATION_SETTINGS } from "../support/propagation-env.js";

/** process.env without the propagation settings a developer's shell may hold: both sides read it. */
for (const name of PROPAGATION_SETTINGS) delete process.env[name];

/** A number written into the JSON text with these digits (a Datadog id stored as a JSON number). */
class JsonNumber {
  constructor(readonly digits: string) {}
}

/** `value` as JSON text, each {@link JsonNumber} written as its digits. */
function jsonText(value: unknown, indent?: number): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    value,
    function (this: unknown, _key, v: unknown) {
      if (typeof v === "bigint") v = new JsonNumber(String(v));
      if (v instanceof JsonNumber) {
        marks.push(v.digits);
        return `\u0000num${marks.length - 1}\u0000`;
      }
      return v;
    },
    indent,
  );
  return text.replace(/"\\u0000num([0-9]+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}

/** What `tracehop inspect --json` printed for one row (the fields compared). */
interface Report {
  valid: boolean;
  noCarrier?: string;
  carrierFrom?: string;
  readAs?: string;
  arrayElement?: number;
  context?: {
    root: boolean;
    traceId: string;
    parentId?: string;
    sampled: boolean;
    samplingPriority?: number;
  };
  diagnostics: string[];
}

/** Runs `tracehop inspect --json [--field f] -` on `input`; its exit code and reports (one per row). */
async function inspect(
  input: string,
  field?: string,
  argument = false,
): Promise<{ code: number; reports: Report[]; err: string }> {
  const { code, out, err } = await runInspect(input, ["--json"], field, argument);
  if (code > 1) return { code, reports: [], err };
  const parsed = JSON.parse(out) as Report | Report[];
  return { code, reports: Array.isArray(parsed) ? parsed : [parsed], err };
}

/** A text report read back: its first line and the verdict its lines give ({@link textVerdict}). */
interface TextReport {
  first: string;
  verdict: Verdict;
}

/**
 * Runs `tracehop inspect [--field f] -` (the text report) on `input`: its exit code, whether its output
 * started with the line saying a JSON array was read as rows, and its reports, one per row, read back.
 */
async function inspectText(
  input: string,
  field?: string,
  argument = false,
): Promise<{ code: number; arrayLine: boolean; reports: TextReport[]; err: string }> {
  const { code, out, err } = await runInspect(input, [], field, argument);
  if (code > 1) return { code, arrayLine: false, reports: [], err };
  let text = out;
  const arrayLine = text.startsWith("input: one JSON array, read as ");
  if (arrayLine) text = text.slice(text.indexOf("\n\n") + 2);
  // "row i of n: " before each report of several rows, the reports separated by an empty line (a report
  // holds none: its every line break is between its lines).
  const many = /^row 1 of (\d+): /.exec(text);
  const bodies = many === null ? [text] : text.slice(many[0].length).split(/\n\nrow \d+ of \d+: /);
  if (many !== null) assert.equal(bodies.length, Number(many[1]), `row count of ${text.slice(0, 400)}`);
  return { code, arrayLine, reports: bodies.map(textVerdict), err };
}

/**
 * What one text report says, as a {@link Verdict}: its first line (`valid context (...)`, `no valid
 * context`, `no carrier`), the trace id line, the parent id line (or the restored root's), the sampling line.
 */
function textVerdict(body: string): TextReport {
  const first = body.split("\n")[0]!;
  if (!first.startsWith("valid context")) return { first, verdict: { valid: false } };
  const traceId = /^ {2}trace id {5}([0-9a-f]{32}) {2}\(128-bit hex\)$/m.exec(body)?.[1];
  const root = /^ {2}parent id {4}0: no parent span/m.test(body);
  const parentId = /^ {2}parent id {4}([0-9a-f]{16}) {2}\(hex\)/m.exec(body)?.[1];
  const decided = /^ {2}sampling {5}(sampled \(keep\)|not sampled \(drop\)), priority (-?\d+) /m.exec(body);
  const flag = /^ {2}sampling {5}sampled flag (set|not set)\b/m.exec(body);
  assert.ok(traceId !== undefined && (root || parentId !== undefined), `text report without ids: ${body}`);
  assert.ok(decided !== null || flag !== null, `text report without a sampling line: ${body}`);
  return {
    first,
    verdict: {
      valid: true,
      root,
      traceId,
      ...(root ? {} : { parentId }),
      sampled: decided !== null ? decided[1] === "sampled (keep)" : flag![1] === "set",
      ...(decided === null ? {} : { samplingPriority: Number(decided[2]) }),
    },
  };
}

/**
 * Asserts that the text reports of `input` say what the --json `reports` say (the same verdict; the first
 * line naming the field read, `carrierFrom`, or the bare traceparent read, `readAs`), and that a
 * JSON array read as rows is said first.
 */
async function assertTextAgrees(
  input: string,
  reports: readonly Report[],
  field?: string,
  argument = false,
): Promise<void> {
  const text = await inspectText(input, field, argument);
  const shown = input.length > 400 ? `${input.slice(0, 400)}…` : input;
  assert.equal(text.reports.length, reports.length, `text reports of ${shown}: ${text.err}`);
  assert.equal(text.arrayLine, reports[0]?.arrayElement !== undefined, `the array line of ${shown}`);
  reports.forEach((report, i) => {
    const said = text.reports[i]!;
    assert.deepEqual(
      said.verdict,
      reported(report),
      `${shown}: the text report's verdict differs from --json's`,
    );
    if (report.noCarrier !== undefined) assert.ok(said.first.startsWith("no carrier ("), said.first);
    if (report.carrierFrom !== undefined && report.valid)
      assert.ok(said.first.endsWith(`hand withCarrier(${report.carrierFrom})`), said.first);
    if (report.readAs !== undefined) assert.ok(said.first.includes(`from ${report.readAs}`), said.first);
  });
}

/** Runs `tracehop inspect <options> [--field f] -- <input | ->` in this process: its exit code and output. */
async function runInspect(
  input: string,
  options: readonly string[],
  field: string | undefined,
  argument: boolean,
): Promise<{ code: number; out: string; err: string }> {
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
  let out = "";
  let err = "";
  const args = [
    "inspect",
    ...options,
    ...(field === undefined ? [] : ["--field", field]),
    "--",
    argument ? input : "-",
  ];
  const code = await runTracehop(args, {
    writeOut: (chunk) => void (out += chunk),
    writeErr: (chunk) => void (err += chunk),
    env: process.env,
    stdin,
  });
  return { code, out, err };
}

/** The verdict a restored context gives, in the report's terms. */
interface Verdict {
  valid: boolean;
  root?: boolean;
  traceId?: string;
  parentId?: string;
  sampled?: boolean;
  samplingPriority?: number;
}

/** What `ctx` (a restore's result) holds, as a {@link Verdict}. */
function verdictOf(ctx: Context): Verdict {
  const span = trace.getSpanContext(ctx);
  const dd = getDatadogContext(ctx)?.samplingPriority;
  if (span !== undefined && trace.isSpanContextValid(span))
    return {
      valid: true,
      root: false,
      traceId: span.traceId,
      parentId: span.spanId,
      sampled: (span.traceFlags & 1) === 1,
      ...(dd === undefined ? {} : { samplingPriority: dd }),
    };
  const root = getRestoredRoot(ctx);
  if (root !== undefined)
    return {
      valid: true,
      root: true,
      traceId: root.traceId,
      sampled: (root.traceFlags & 1) === 1,
      ...(dd === undefined ? {} : { samplingPriority: dd }),
    };
  return { valid: false };
}

/** The report's verdict. */
function reported(report: Report): Verdict {
  if (!report.valid || report.context === undefined) return { valid: false };
  const c = report.context;
  return {
    valid: true,
    root: c.root,
    traceId: c.traceId,
    ...(c.root ? {} : { parentId: c.parentId }),
    sampled: c.sampled,
    ...(c.samplingPriority === undefined ? {} : { samplingPriority: c.samplingPriority }),
  };
}

/** The parent withCarrier's span was started under (or its restored root's trace), as a {@link Verdict}. */
function withCarrierVerdict(
  value: unknown,
  propagator?: TextMapPropagator,
): Pick<Verdict, "valid" | "traceId" | "parentId"> {
  let traceId = "";
  let parentId: string | undefined;
  withCarrier(
    value,
    "agreement",
    (span) => {
      const read = span as unknown as { parentSpanContext?: { spanId: string } };
      parentId = read.parentSpanContext?.spanId;
      traceId = span.spanContext().traceId;
    },
    propagator === undefined ? undefined : { propagator },
  );
  return { valid: parentId !== undefined, traceId, parentId };
}

/** The value the report's `carrierFrom` expression (`row.carrier`, `JSON.parse(row.payload).traceContext`) names. */
function evaluate(expression: string, row: unknown): unknown {
  // A test's own evaluation of the expressions inspect writes for a person to paste.
  return new Function("row", `return ${expression};`)(row) as unknown;
}

/**
 * Asserts that `report` (inspect's, for `value`: the parsed JSON of the row, read with `field`) says what
 * the library restores: `contextFromCarrier(value)` (or of the `carrierFrom` expression), and withCarrier
 * on it.
 */
function assertAgrees(
  report: Report,
  value: unknown,
  field: string | undefined,
  input: string,
  propagator?: TextMapPropagator,
): void {
  const options = propagator === undefined ? undefined : { propagator };
  const shown = input.length > 400 ? `${input.slice(0, 400)}… (${input.length} characters)` : input;
  const where = `input ${shown}${field === undefined ? "" : ` --field ${field}`}`;
  let restoredFrom = value;
  if (report.readAs !== undefined) {
    // A traceparent value alone (a line, or the argument): the column's carrier holding that value; a
    // line of CR LF text without its carriage return, which the report says may be the value's.
    assert.equal(typeof value, "string", `${where}: read as a bare traceparent, but it is JSON`);
    const crlf = report.diagnostics.includes(CR_BEFORE_LINE_FEED);
    restoredFrom = { traceparent: crlf ? (value as string).replace(/\r$/, "") : value };
  } else if (report.carrierFrom !== undefined) {
    restoredFrom = evaluate(report.carrierFrom, value);
    // A restore handed the whole row reads its traceContext alone: not the field named.
    if (field === undefined)
      assert.equal(
        verdictOf(contextFromCarrier(value, options)).valid && report.valid,
        false,
        `${where}: inspect reads ${report.carrierFrom} ("which withCarrier(row) does not read"), yet contextFromCarrier(row) restores a context`,
      );
  } else if (field !== undefined && field !== "traceContext" && report.noCarrier === undefined) {
    // --field named: a report that reads the row itself must be a carrier read as one.
    restoredFrom = value;
  }
  const lib = verdictOf(contextFromCarrier(restoredFrom, options));
  assert.deepEqual(reported(report), lib, `${where}: inspect's verdict differs from contextFromCarrier's`);
  const wc = withCarrierVerdict(restoredFrom, propagator);
  // An unsampled parent gives a non-recording span, which keeps no parent: its trace id is compared.
  if (lib.valid && !lib.root && lib.sampled === true) {
    assert.equal(wc.parentId, lib.parentId, `${where}: withCarrier's parent`);
    assert.equal(wc.traceId, lib.traceId, `${where}: withCarrier's trace`);
  } else if (lib.valid && !lib.root) {
    assert.equal(wc.traceId, lib.traceId, `${where}: withCarrier's trace`);
  } else if (lib.valid && lib.root)
    assert.equal(wc.traceId, lib.traceId, `${where}: withCarrier's root trace`);
  else assert.equal(wc.valid, false, `${where}: withCarrier found a parent contextFromCarrier did not`);
}

// ---------------------------------------------------------------------------------------------------
// Stored shapes
// ---------------------------------------------------------------------------------------------------

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });

/** B3 fields, valid and broken. */
const b3Fields: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    b3: fc.oneof(
      fc.tuple(hex(32), hex(16), fc.constantFrom("0", "1", "d")).map(([t, s, f]) => `${t}-${s}-${f}`),
      fc.tuple(hex(16), hex(16)).map(([t, s]) => `${t}-${s}`),
      fc.constantFrom("0", "1", "d", "", "x", "00000000000000000000000000000000-0000000000000000-1"),
    ),
    "x-b3-traceid": fc.oneof(hex(32), hex(16), fc.constantFrom("", "xyz", "0".repeat(32))),
    "x-b3-spanid": fc.oneof(hex(16), fc.constantFrom("", "0".repeat(16), "ABCDEF0123456789")),
    "x-b3-sampled": fc.constantFrom("0", "1", "true", "false", "d", ""),
    "x-b3-flags": fc.constantFrom("1", "0", ""),
  },
  { requiredKeys: [] },
);

/** A Datadog id header value as stored: its text, or a JSON number (exact below 2^53, rounded beyond). */
const idAsNumber = (text: unknown): unknown =>
  typeof text === "string" && /^[0-9]{1,25}$/.test(text)
    ? new JsonNumber(text.replace(/^0+(?=.)/, ""))
    : text;

/** A carrier object as a JSON column holds it. */
const carrier: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: validCarrier },
      { weight: 3, arbitrary: oddHeaders },
      oddDatadogCarrier,
      fc.record({ traceparent: oddTraceparent, baggage: oddBaggage }, { requiredKeys: ["traceparent"] }),
      b3Fields,
      fc.tuple(validCarrier, b3Fields).map(([c, b]) => ({ ...c, ...b })),
      nearlyValidCarrier,
      damagedCarrier,
      hostileCarrier,
      // The reader's limits: keys past the first 128, a value over 16 KiB.
      fc.tuple(validCarrier, fc.integer({ min: 120, max: 140 })).map(([c, n]) => ({
        ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`app-${i}`, "x"])),
        ...c,
      })),
      fc
        .tuple(validCarrier, fc.constantFrom("tracestate", "baggage", "x-datadog-tags", "x-datadog-origin"))
        .map(([c, name]) => ({ ...c, [name]: `${c[name] ?? "k=v"},${"a".repeat(16384)}` })),
    ),
    fc.boolean(),
    fc.boolean(),
  )
  .chain(([c, numbers, respell]) => {
    const withNumbers: Record<string, unknown> = { ...c };
    if (numbers)
      for (const name of ["x-datadog-trace-id", "x-datadog-parent-id", "x-datadog-sampling-priority"])
        if (name in withNumbers) withNumbers[name] = idAsNumber(withNumbers[name]);
    if (!respell) return fc.constant(withNumbers);
    // respelled reads each value as text; a value of another kind (a hostile carrier's) is kept as it is.
    return respelled(fc.constant(c as Record<string, string>), "json").map((r) =>
      numbers
        ? Object.fromEntries(Object.entries(r.respelled).map(([k, v]) => [k, idAsNumber(v)]))
        : r.respelled,
    );
  });

/** A stored shape: the value (parsed as the library would be handed it) and the `--field` to give. */
interface Shape {
  value: unknown;
  field?: string;
}

/** The text of `value` as its own JSON text (numbers written with their digits), for a string field. */
const asText = (value: unknown): string => jsonText(value);

const shape: fc.Arbitrary<Shape> = fc.oneof(
  carrier.map((c) => ({ value: c })),
  carrier.map((c) => ({ value: { id: 1, traceContext: c } })),
  carrier.map((c) => ({ value: { id: 1, traceContext: asText(c) } })),
  carrier.map((c) => ({ value: { id: 1, carrier: c } })),
  carrier.map((c) => ({ value: { id: 1, carrier: c }, field: "carrier" })),
  carrier.map((c) => ({ value: { id: 1, carrier: asText(c) }, field: "carrier" })),
  carrier.map((c) => ({ value: { id: 1, payload: { traceContext: c } } })),
  carrier.map((c) => ({ value: { id: 1, payload: { traceContext: c } }, field: "payload.traceContext" })),
  // Wrapped: the carrier one level inside the traceContext column, under another name or a row's.
  carrier.map((c) => ({ value: { id: 1, traceContext: { trace: c } } })),
  carrier.map((c) => ({ value: { id: 1, traceContext: { traceContext: c } } })),
  carrier.map((c) => ({ value: { traceContext: c } })),
  carrier.map((c) => ({ value: { traceContext: { headers: c } } })),
  // Headers with an application header named traceContext beside them.
  fc
    .tuple(carrier, fc.constantFrom<unknown>(null, "tenant-1", 7, {}, [], "{}"))
    .map(([c, tc]) => ({ value: { ...c, traceContext: tc } })),
  // The traceContext column null, another field holding a carrier.
  carrier.map((c) => ({ value: { id: 1, traceContext: null, meta: c } })),
  // The column as bytes in their JSON form (a Buffer through JSON.stringify), an array, JSON text twice,
  // a byte order mark before the text.
  carrier.map((c) => ({ value: { id: 1, traceContext: Buffer.from(asText(c)).toJSON() } })),
  carrier.map((c) => ({ value: Buffer.from(asText(c)).toJSON() })),
  carrier.map((c) => ({ value: { id: 1, traceContext: [c] } })),
  carrier.map((c) => ({ value: { id: 1, traceContext: JSON.stringify(asText(c)) } })),
  carrier.map((c) => ({ value: { id: 1, traceContext: `\ufeff${asText(c)}` } })),
  carrier.map((c) => ({ value: `\ufeff${asText(c)}` })),
  // Headers beside a traceContext header holding JSON text: of a carrier, of an object without one.
  fc
    .tuple(carrier, carrier, fc.boolean())
    .map(([c, other, empty]) => ({ value: { ...c, traceContext: empty ? '{"a":1}' : asText(other) } })),
  // Another field holding what is itself a row, or headers beside a traceContext of their own.
  fc
    .tuple(carrier, carrier, fc.constantFrom("carrier", "payload.traceContext", undefined), fc.nat(3))
    .map(([c, other, field, how]) => {
      const column =
        how === 0
          ? { traceContext: c }
          : how === 1
            ? { ...other, traceContext: c }
            : how === 2
              ? { id: 2, traceContext: asText(c) }
              : { ...other, traceContext: "tenant" };
      return field === "payload.traceContext"
        ? { value: { id: 1, payload: { traceContext: column } }, field }
        : { value: { id: 1, carrier: column }, ...(field === undefined ? {} : { field }) };
    }),
  // JSON text in a JSON string.
  carrier.map((c) => ({ value: asText(c) })),
  carrier.map((c) => ({ value: asText({ id: 1, traceContext: c }) })),
  carrier.map((c) => ({ value: asText({ id: 1, carrier: c }), field: "carrier" })),
  carrier.map((c) => ({ value: asText({ id: 1, payload: { traceContext: c } }) })),
);

/**
 * The JSON text a shape is given to inspect as, and the value the library is handed: JSON.parse of it, as
 * a Prisma Json field and pg hand a row over (ids beyond 2^53 written as JSON numbers rounded, and refused
 * by the restore: inspect must say so too).
 */
function stored(s: Shape, indent?: number): { text: string; value: unknown } {
  const text = jsonText(s.value, indent);
  return { text, value: JSON.parse(text) as unknown };
}

const RUNS = runParameters(200);

describe("tracehop inspect --json agrees with the library's restore", () => {
  test("one stored value: carrier, row, JSON text, wrapped, another field", async () => {
    await fc.assert(
      fc.asyncProperty(shape, fc.boolean(), async (s, argument) => {
        const { text, value } = stored(s);
        const { code, reports, err } = await inspect(text, s.field, argument);
        assert.ok(code <= 1, `inspect refused ${text.slice(0, 400)}: ${err}`);
        assert.equal(reports.length, 1);
        assertAgrees(reports[0]!, value, s.field, text);
        await assertTextAgrees(text, reports, s.field, argument);
      }),
      RUNS,
    );
  });

  test("settings from the environment (extract order, tags limit, extract-first); pretty-printed JSON", async () => {
    const settings = fc.record(
      {
        DD_TRACE_PROPAGATION_STYLE_EXTRACT: fc.constantFrom(
          "datadog",
          "tracecontext",
          "tracecontext,datadog",
          "b3multi,datadog",
          "b3,tracecontext",
          "b3 single header",
          "baggage,tracecontext",
          "none",
          "datadog,tracecontext,baggage,b3multi,b3",
        ),
        DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH: fc.constantFrom("0", "20", "40", "512", "abc", "-1", " 30"),
        DD_TRACE_PROPAGATION_EXTRACT_FIRST: fc.constantFrom("true", "false", "1", "yes"),
        DD_TRACE_PROPAGATION_STYLE: fc.constantFrom("tracecontext", "b3multi", "Datadog, B3"),
        OTEL_PROPAGATORS: fc.constantFrom(
          "tracecontext,baggage",
          "b3",
          "xray,datadog",
          "none",
          "b3multi,jaeger",
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(shape, settings, fc.constantFrom(undefined, 2), async (s, env, indent) => {
        const saved = { ...process.env };
        Object.assign(process.env, env);
        try {
          const propagator = createPropagator();
          const { text, value } = stored(s, indent);
          const { code, reports, err } = await inspect(text, s.field);
          assert.ok(code <= 1, `inspect refused ${text.slice(0, 400)}: ${err}`);
          assert.equal(reports.length, 1);
          assertAgrees(reports[0]!, value, s.field, `${text} with ${JSON.stringify(env)}`, propagator);
        } finally {
          for (const name of Object.keys(env)) delete process.env[name];
          Object.assign(process.env, saved);
        }
      }),
      runParameters(150),
    );
  });

  test("a traceparent value alone: the argument, or lines as ->>'traceparent' prints them", async () => {
    const value = fc.oneof(
      oddTraceparent,
      fc
        .tuple(
          oddTraceparent,
          fc.constantFrom(" ", "\t", "\r", "\u00a0", ""),
          fc.constantFrom(" ", "\t", "\r", ""),
        )
        .map(([tp, before, after]) => `${before}${tp}${after}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(value, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (values, argument) => {
          // Lines hold no line feed (a value holding one is two lines); the argument is one value.
          // A blank line is a NULL column (psql -t's last one no row at all): not drawn here.
          const lines = values.filter((v) => !v.includes("\n") && v.trim() !== "");
          fc.pre(lines.length >= 1);
          const text = argument ? lines[0]! : lines.join("\n") + "\n";
          const { code, reports, err } = await inspect(text, undefined, argument);
          // Text that is no bare traceparent (nor JSON) is refused as input: nothing to compare.
          if (code > 1) return;
          const read = argument ? [lines[0]!] : lines;
          assert.equal(reports.length, read.length, `one report per line of ${JSON.stringify(text)}: ${err}`);
          read.forEach((line, i) => {
            if (reports[i]!.readAs === undefined) return;
            assertAgrees(reports[i]!, line, undefined, JSON.stringify(line));
          });
        },
      ),
      runParameters(150),
    );
  });

  test("rows as mysql -N -B prints them: NULL, and its escapes", async () => {
    /** A value as mysql --batch prints it: \\ \n \t \0 escaped. */
    const mysqlEscaped = (text: string) =>
      text.replace(/[\\\n\t\0]/g, (c) => ({ "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\0": "\\0" })[c]!);
    await fc.assert(
      fc.asyncProperty(
        fc.array(shape, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(undefined, 2),
        async (shapes, indent) => {
          const rows = shapes.filter((s) => s.field === undefined).map((s) => stored(s, indent));
          fc.pre(rows.length >= 1);
          const text = ["NULL", ...rows.map((r) => mysqlEscaped(r.text))].join("\n") + "\n";
          const { code, reports, err } = await inspect(text);
          assert.ok(code <= 1, `inspect refused ${text.slice(0, 400)}: ${err}`);
          assert.equal(reports.length, rows.length + 1, `one report per row of ${text.slice(0, 400)}`);
          assert.equal(reports[0]!.valid, false);
          rows.forEach((row, i) => assertAgrees(reports[i + 1]!, row.value, undefined, row.text));
        },
      ),
      runParameters(50),
    );
  });

  test("rows read with one --field: each row's column as withCarrier(row.carrier) reads it", async () => {
    const column = fc.oneof(
      carrier,
      carrier.map(asText),
      carrier.map((c) => ({ traceContext: c })),
      fc.tuple(carrier, carrier).map(([c, other]) => ({ ...other, traceContext: c })),
      fc.constantFrom<unknown>(null, 7, "text", []),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(column, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (columns, lines) => {
          const rows = columns.map((c, i) => stored({ value: { id: i, carrier: c } }));
          const text = lines
            ? rows.map((r) => r.text).join("\n") + "\n"
            : `[${rows.map((r) => r.text).join(",")}]`;
          const { code, reports, err } = await inspect(text, "carrier");
          assert.ok(code <= 1, `inspect refused ${text.slice(0, 400)}: ${err}`);
          assert.equal(reports.length, rows.length);
          rows.forEach((row, i) => assertAgrees(reports[i]!, row.value, "carrier", row.text));
        },
      ),
      runParameters(50),
    );
  });

  test("rows: a JSON array, and one row per line (psql -At)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(shape, { minLength: 2, maxLength: 4 }),
        fc.boolean(),
        async (shapes, lines) => {
          // One --field for all rows: the rows drawn without one.
          const rows = shapes.filter((s) => s.field === undefined).map((s) => stored(s));
          fc.pre(rows.length >= 2);
          const text = lines
            ? rows.map((r) => r.text).join("\n") + "\n"
            : `[${rows.map((r) => r.text).join(",")}]`;
          const { code, reports, err } = await inspect(text);
          assert.ok(code <= 1, `inspect refused ${text.slice(0, 400)}: ${err}`);
          assert.equal(reports.length, rows.length, `one report per row of ${text}`);
          rows.forEach((row, i) => assertAgrees(reports[i]!, row.value, undefined, row.text));
          // Each report of an array says its place in it; lines give none.
          assert.deepEqual(
            reports.map((r) => r.arrayElement),
            rows.map((_, i) => (lines ? undefined : i + 1)),
          );
          await assertTextAgrees(text, reports);
        },
      ),
      runParameters(50),
    );
  });

  test("relation parent, link, none and auto (by the row's createdAt and the run): withCarrier's span is the child of, or linked to, the context inspect reports", async () => {
    const now = Date.now();
    const minute = 60 * 1000;
    // The row's createdAt and whether it is older than auto's maxParentAge (5 minutes by default).
    const createdAt = fc.constantFrom<[unknown, boolean]>(
      [undefined, false], // no capture time: auto parents
      [now - 10_000, false],
      [new Date(now - 10_000).toISOString(), false],
      [now - 60 * minute, true],
      [new Date(now - 60 * minute).toISOString(), true],
      [String(now - 60 * minute), true], // a text of digits: epoch milliseconds
      ["not a date", false], // no capture time read (said once by the library): auto parents
    );
    assert.equal(DEFAULT_MAX_PARENT_AGE_MS, 5 * minute);
    await fc.assert(
      fc.asyncProperty(
        carrier,
        fc.boolean(),
        createdAt,
        fc.constantFrom<Relation>("parent", "link", "none", "auto"),
        fc.constantFrom(undefined, 1, 2),
        async (c, text, [created, old], relation, run) => {
          const row = {
            id: 1,
            traceContext: text ? asText(c) : c,
            ...(created === undefined ? {} : { createdAt: created }),
          };
          const input = stored({ value: row });
          const { code, reports, err } = await inspect(input.text);
          assert.ok(code <= 1, `inspect refused ${input.text.slice(0, 400)}: ${err}`);
          const report = reports[0]!;
          // A createdAt beside traceContext changes nothing inspect reads.
          assertAgrees(report, input.value, undefined, input.text);
          const expected = !report.valid
            ? undefined
            : relation === "auto"
              ? old || (run ?? 1) > 1
                ? "link"
                : "parent"
              : relation;
          let seen:
            | {
                recording: boolean;
                traceId: string;
                parent?: string;
                relation?: unknown;
                links: readonly Link[];
              }
            | undefined;
          withCarrier(
            input.value,
            "agreement-relation",
            (span) => {
              const sdk = span as unknown as {
                parentSpanContext?: { spanId: string };
                attributes?: Record<string, unknown>;
                links?: Link[];
              };
              seen = {
                recording: span.isRecording(),
                traceId: span.spanContext().traceId,
                ...(sdk.parentSpanContext === undefined ? {} : { parent: sdk.parentSpanContext.spanId }),
                relation: sdk.attributes?.["tracehop.relation"],
                links: sdk.links ?? [],
              };
            },
            { relation, ...(run === undefined ? {} : { run }) },
          );
          const where = `${input.text.slice(0, 400)} relation ${relation} run ${run} createdAt ${String(created)}`;
          const s = seen!;
          const ctx = report.context;
          const linked = s.links.some(
            (l) => l.context.traceId === ctx?.traceId && (ctx.root || l.context.spanId === ctx.parentId),
          );
          if (expected === undefined) {
            assert.equal(s.parent, undefined, `${where}: a parent where inspect reports none`);
            assert.equal(s.relation, undefined, where);
            return;
          }
          // An unsampled parent gives a non-recording span: its trace id alone can be compared.
          if (s.recording) assert.equal(s.relation, expected, `${where}: the relation`);
          if (expected === "parent") {
            assert.equal(s.traceId, ctx!.traceId, `${where}: the trace of withCarrier's span`);
            if (s.recording && !ctx!.root) assert.equal(s.parent, ctx!.parentId, `${where}: its parent`);
          } else {
            assert.equal(s.parent, undefined, `${where}: a parent under ${expected}`);
            assert.notEqual(
              s.traceId,
              ctx!.traceId,
              `${where}: the stored trace continued under ${expected}`,
            );
            if (s.recording)
              assert.equal(
                linked,
                expected === "link",
                `${where}: linked to inspect's context under ${expected}`,
              );
          }
        },
      ),
      runParameters(150),
    );
  });
});

void ROOT_CONTEXT;

describe("tracehop inspect: the disagreements the property found, pinned", () => {
  const A = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const B = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const traceOf = (tp: string) => tp.split("-")[1];

  test("JSON text of a row (a JSON string holding it) is no row to the library: its traceContext is named, not read as the value's", async () => {
    const row = { id: 1, traceContext: { traceparent: A } };
    const value = JSON.stringify(row);
    const { code, reports } = await inspect(JSON.stringify(value));
    assert.equal(trace.getSpanContext(contextFromCarrier(value)), undefined);
    assert.equal(code, 0);
    assert.equal(reports[0]!.carrierFrom, "JSON.parse(row).traceContext");
    assert.equal(reports[0]!.context?.traceId, traceOf(A));
    assert.ok(
      reports[0]!.diagnostics.some(
        (d) => d.includes("never as a row") && d.includes("so the value as stored restores no context"),
      ),
    );
  });

  test("JSON text with headers beside a traceContext field is read by its headers, as the library reads it", async () => {
    const value = JSON.stringify({ traceparent: A, traceContext: { traceparent: B } });
    const { reports } = await inspect(JSON.stringify(value));
    assert.equal(trace.getSpanContext(contextFromCarrier(value))?.traceId, traceOf(A));
    assert.equal(reports[0]!.carrierFrom, undefined);
    assert.equal(reports[0]!.context?.traceId, traceOf(A));
  });

  test("--field naming a field that is itself a row: read through its traceContext, as withCarrier(row.carrier) reads it", async () => {
    const row = { id: 1, carrier: { traceContext: { traceparent: A } } };
    const { code, reports } = await inspect(JSON.stringify(row), "carrier");
    assert.equal(trace.getSpanContext(contextFromCarrier(row.carrier))?.traceId, traceOf(A));
    assert.equal(code, 0);
    assert.equal(reports[0]!.context?.traceId, traceOf(A));
    assert.equal(reports[0]!.carrierFrom, "row.carrier");
  });

  test("a field found by its content that is a row with headers beside its traceContext: its traceContext is what withCarrier reads", async () => {
    const row = { id: 1, carrier: { traceparent: A, traceContext: { traceparent: B } } };
    const { reports } = await inspect(JSON.stringify(row));
    assert.equal(trace.getSpanContext(contextFromCarrier(row.carrier))?.traceId, traceOf(B));
    assert.equal(reports[0]!.context?.traceId, traceOf(B));
    assert.equal(reports[0]!.carrierFrom, "row.carrier");
    assert.ok(reports[0]!.diagnostics.some((d) => d.includes("is itself a row")));
  });

  test("a traceparent line ending in CR LF, read as Windows line ends, says a restore refuses the value if the CR is its own", async () => {
    const stored = `${A}\r`;
    assert.equal(trace.getSpanContext(contextFromCarrier({ traceparent: stored })), undefined);
    for (const text of [`${stored}\n`, `${stored}\n${stored}\n`]) {
      const { reports } = await inspect(text);
      assert.ok(reports.every((r) => r.readAs !== undefined && r.diagnostics.includes(CR_BEFORE_LINE_FEED)));
    }
    // A line feed alone ends psql's rows: the carriage return is the value's, refused, and nothing to say.
    const { code, reports } = await inspect(`${stored}\n${A}\n`);
    assert.equal(code, 1);
    assert.deepEqual(
      reports.map((r) => [r.valid, r.diagnostics.includes(CR_BEFORE_LINE_FEED)]),
      [
        [false, false],
        [true, false],
      ],
    );
  });
});

describe("tracehop inspect: Datadog ids stored as JSON numbers of every size get the restore's verdict", () => {
  const TWO_53 = 2n ** 53n;
  /** An id's JSON text: a string, or a JSON number (integer, negative, fraction, exponent) of any size. */
  const idText: fc.Arbitrary<string> = fc.oneof(
    fc.bigInt({ min: 0n, max: TWO_53 - 1n }).map(String),
    fc.bigInt({ min: TWO_53 - 3n, max: TWO_53 + 3n }).map(String),
    fc.bigInt({ min: TWO_53, max: 2n ** 64n - 1n }).map(String),
    fc.bigInt({ min: 2n ** 64n - 3n, max: 10n ** 25n }).map(String),
    fc.bigInt({ min: 1n, max: 2n ** 64n }).map((n) => `-${n}`),
    fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => `${n}.0`),
    fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => `${n}.5`),
    fc
      .tuple(fc.bigInt({ min: 1n, max: 2n ** 64n }), fc.integer({ min: 0, max: 25 }))
      .map(([n, e]) => `${String(n)[0]}.${String(n).slice(1) || "0"}e${e}`),
    fc.constantFrom("0", "-0", "1e400", "9007199254740991", "9007199254740992", "9007199254740993"),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => `"${n}"`),
  );
  /** A carrier's JSON text with both ids drawn, a priority sometimes, a traceparent sometimes. */
  const carrierText: fc.Arbitrary<string> = fc
    .tuple(
      idText,
      idText,
      fc.constantFrom(undefined, "1", '"2"', "-1"),
      fc.option(hex(32), { nil: undefined }),
      fc.boolean(),
    )
    .map(([t, p, priority, w3c, upper]) => {
      const fields = [
        `"${upper ? "X-Datadog-Trace-Id" : "x-datadog-trace-id"}": ${t}`,
        `"x-datadog-parent-id": ${p}`,
        ...(priority === undefined ? [] : [`"x-datadog-sampling-priority": ${priority}`]),
        ...(w3c === undefined ? [] : [`"traceparent": "00-${w3c}-00f067aa0ba902b7-01"`]),
      ];
      return `{${fields.join(", ")}}`;
    });
  /** A stored row holding the carrier's text: itself, in traceContext, as JSON text in traceContext. */
  const rowText: fc.Arbitrary<string> = fc
    .tuple(carrierText, fc.nat(2))
    .map(([c, how]) =>
      how === 0
        ? c
        : how === 1
          ? `{"id": 1, "traceContext": ${c}}`
          : `{"id": 1, "traceContext": ${JSON.stringify(c)}}`,
    );

  /** The integers a text writes for its ids (digits, no fraction or exponent) that JSON.parse does not hold exactly. */
  const roundedIds = (text: string): string[] =>
    [...text.matchAll(/"x-datadog-(?:trace|parent)-id"\s*:\s*(-?[0-9]+)(?![0-9.eE])/gi)]
      .map((m) => m[1]!)
      .filter((digits) => !Number.isSafeInteger(Number(digits)) && Number.isFinite(Number(digits)));

  test("verdict, headline and exit code are contextFromCarrier's on JSON.parse of the same text; the digits as stored and the fix are shown", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowText, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (rows, lines) => {
          const text = rows.length === 1 ? rows[0]! : lines ? rows.join("\n") + "\n" : `[${rows.join(",")}]`;
          const { code, reports, err } = await inspect(text);
          assert.ok(code <= 1, `inspect refused ${text}: ${err}`);
          assert.equal(reports.length, rows.length, text);
          const values = rows.map((r) => JSON.parse(r) as unknown);
          rows.forEach((row, i) => assertAgrees(reports[i]!, values[i], undefined, row));
          // The exit code is the restore's: 0 only when every row restores a context.
          const restored = values.map((v) => verdictOf(contextFromCarrier(v)).valid);
          assert.equal(code, restored.every(Boolean) ? 0 : 1, text);
          await assertTextAgrees(text, reports);
          const { out } = await runInspect(text, [], undefined, false);
          rows.forEach((row, i) => {
            for (const digits of roundedIds(
              row.includes('\\"') ? (JSON.parse(row) as { traceContext: string }).traceContext : row,
            )) {
              // The digits as stored, and where the fix is, in both reports.
              const said = reports[i]!.diagnostics.find((d) => d.includes(`the JSON number ${digits},`));
              assert.ok(
                said !== undefined,
                `${row}: no diagnostic names ${digits}: ${reports[i]!.diagnostics.join(" | ")}`,
              );
              assert.match(said, /docs\/migration\.md, "Ids stored as JSON numbers"/);
              assert.ok(
                out.includes(`the JSON number ${digits},`),
                `${row}: the text report does not name ${digits}`,
              );
            }
          });
        },
      ),
      runParameters(300),
    );
  });

  test("pinned: an id of 2^53 and one beyond it, exact in the text, are refused with the digits stored; 2^53 - 1 is exact and read", async () => {
    const at = await inspect('{"x-datadog-trace-id": 9007199254740992, "x-datadog-parent-id": "1"}');
    assert.equal(at.code, 1);
    assert.equal(at.reports[0]!.valid, false);
    const beyond = await inspect('{"x-datadog-trace-id": 12345678901234567890, "x-datadog-parent-id": "1"}');
    assert.equal(beyond.code, 1);
    assert.equal(beyond.reports[0]!.valid, false);
    assert.equal(
      trace.getSpanContext(
        contextFromCarrier(
          JSON.parse('{"x-datadog-trace-id": 12345678901234567890, "x-datadog-parent-id": "1"}'),
        ),
      ),
      undefined,
    );
    const below = await inspect('{"x-datadog-trace-id": 9007199254740991, "x-datadog-parent-id": "1"}');
    assert.equal(below.code, 0);
    assert.equal(below.reports[0]!.context?.traceId, "0000000000000000001fffffffffffff");
  });
});
