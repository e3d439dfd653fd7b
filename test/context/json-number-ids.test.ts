// A Datadog id stored as a JSON number beyond 2^53 (a writer that went through Number) was already
// rounded by JSON.parse: it is refused (B01, B22), and that data loss is said where people look — a
// diag.warn each time, and once per process a Node process warning.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, defaultTextMapGetter, ROOT_CONTEXT, trace, type TextMapGetter } from "@opentelemetry/api";
import { contextFromCarrier, createPropagator, DatadogPropagator, withCarrier } from "../../src/index.js";
import { recordWarnings, resetWarnings, said } from "../support/warnings.js";
import { exporter, finishedSpan, parentIdOf } from "./tracing.js";

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});
afterEach(() => resetWarnings());

const ROW_TEXT = '{"x-datadog-trace-id": 12345678901234567890, "x-datadog-parent-id": "1"}';
/** The diag warning of `field` stored as a JSON number that JSON.parse read as `read`. */
const roundedDiag = (field: string, read: string) =>
  `tracehop: ${field} is a JSON number read as ${read}: at or beyond 2^53 the JSON reader rounds, ` +
  "so the digits stored may differ (`tracehop inspect` on the row shows them as stored); " +
  "a JSON number holds an id exactly only below 2^53, and the id is refused. " +
  "Store Datadog ids as decimal strings (captureCarrier() does).";
const DIAG = roundedDiag("x-datadog-trace-id", "12345678901234567000 (exactly 12345678901234567168)");
const processWarning = (diag: string) => [
  "TRACEHOP_JSON_NUMBER_ID",
  `${diag} A carrier with no other context restores none: the work starts a new trace. ` +
    "(Said once per process; every such id goes to diag.warn.)",
];
const PROCESS_WARNING = processWarning(DIAG);

describe("Datadog ids stored as JSON numbers", () => {
  test("withCarrier: a new root, a diag warning per restore, one process warning per process", async () => {
    const row = { id: 1, traceContext: JSON.parse(ROW_TEXT) };
    const told = await recordWarnings(() => {
      withCarrier(row, "first", () => undefined);
      withCarrier(row, "second", () => undefined);
      withCarrier(ROW_TEXT, "third", () => undefined);
    });
    assert.deepEqual(told.processWarnings, [PROCESS_WARNING]);
    assert.deepEqual(told.diagWarnings, [DIAG, DIAG, DIAG]); // one per restore
    for (const name of ["first", "second", "third"]) assert.equal(parentIdOf(finishedSpan(name)), undefined);
  });

  test("contextFromCarrier says the same; a safe integer id is exact and says nothing", async () => {
    const refused = await recordWarnings(() => contextFromCarrier(JSON.parse(ROW_TEXT)));
    assert.equal(trace.getSpanContext(refused.result), undefined);
    assert.deepEqual(refused.processWarnings, [PROCESS_WARNING]);
    resetWarnings();
    const exact = await recordWarnings(() =>
      contextFromCarrier({ "x-datadog-trace-id": 9007199254740991, "x-datadog-parent-id": 1 }),
    );
    assert.equal(trace.getSpanContext(exact.result)?.traceId, "0000000000000000001fffffffffffff");
    assert.deepEqual(exact.processWarnings, []);
    assert.deepEqual(exact.diagWarnings, []);
  });

  test("the value is said as read, already rounded: the stored digits differ, and inspect shows them", async () => {
    // 2^53 + 1 as stored; JSON.parse reads 2^53, a number whose digits the row does not hold.
    const told = await recordWarnings(() =>
      contextFromCarrier('{"x-datadog-trace-id": "1", "x-datadog-parent-id": 9007199254740993}'),
    );
    assert.equal(trace.getSpanContext(told.result), undefined);
    const diag = roundedDiag("x-datadog-parent-id", "9007199254740992");
    assert.deepEqual(told.diagWarnings, [diag]);
    assert.deepEqual(told.processWarnings, [processWarning(diag)]);
    assert.doesNotMatch(told.diagWarnings[0]!, /9007199254740993/);
  });

  test("a rounded id is named as printed and, where that is not its value, exactly; one printed in exponent form as printed only", async () => {
    for (const [text, read] of [
      ["7660829067201366963", "7660829067201367000 (exactly 7660829067201367040)"],
      ["9007199254740993", "9007199254740992"],
      ["1e300", "1e+300"],
    ] as const) {
      resetWarnings();
      const told = await recordWarnings(() =>
        contextFromCarrier(JSON.parse(`{"x-datadog-trace-id": ${text}, "x-datadog-parent-id": "1"}`)),
      );
      assert.deepEqual(told.diagWarnings.slice(0, 1), [roundedDiag("x-datadog-trace-id", read)], text);
    }
  });

  test("a JSON number that is no rounded id (negative, another field): no TRACEHOP_JSON_NUMBER_ID, diag warnings", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier(
        JSON.parse(
          '{"x-datadog-trace-id": -12345678901234567890, "x-datadog-parent-id": "1", "x-datadog-origin": 1e300}',
        ),
      ),
    );
    assert.equal(trace.getSpanContext(told.result), undefined);
    // The carrier it leaves without a context is said as refused (carrier-rejected.test.ts); the origin
    // 1e300 is read as its text, "1e+300", as any number that is no id (json-value-kinds.test.ts).
    assert.deepEqual(
      told.processWarnings.map(([code]) => code),
      ["TRACEHOP_CARRIER_REJECTED"],
    );
    assert.deepEqual(
      told.diagWarnings.map((m) => m.slice(0, m.indexOf(":", "tracehop: ".length))),
      [
        "tracehop: x-datadog-trace-id is a JSON number read as -12345678901234567000 (exactly -12345678901234567168)",
        "tracehop: a stored carrier held x-datadog-* ids but restored no context, so its work started a new trace",
      ],
    );
  });

  test("a JSON number too large to read (1e400, read as Infinity) is said so, not as the id Infinity (trial t9)", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier('{"x-datadog-trace-id": "1", "x-datadog-parent-id": 1e400}'),
    );
    assert.equal(trace.getSpanContext(told.result), undefined);
    assert.deepEqual(said(told, "TRACEHOP_CARRIER_REJECTED"), [
      "tracehop: a stored carrier held x-datadog-* ids but restored no context, so its work started a new " +
        "trace: the datadog style refused it: x-datadog-parent-id is a JSON number too large for JSON readers " +
        "(read as Infinity): the carrier reader ignores it (`npx tracehop inspect` says why). Fix what writes " +
        "these carriers: store what captureCarrier() (or the tracer's own inject) writes, unchanged. Run " +
        "`npx tracehop inspect` on the row for the whole report. (Said once per process for the datadog style.)",
    ]);
    assert.equal(
      told.diagWarnings[0],
      "tracehop: x-datadog-parent-id is a JSON number too large for the JSON reader (read as Infinity), which " +
        "is no 64-bit id; the id is refused. Store Datadog ids as decimal strings (captureCarrier() does).",
    );
    const negative = await recordWarnings(() =>
      contextFromCarrier('{"x-datadog-trace-id": -1e400, "x-datadog-parent-id": "1"}'),
    );
    assert.equal(
      negative.diagWarnings[0],
      "tracehop: x-datadog-trace-id is a JSON number too large for the JSON reader (read as -Infinity), which " +
        "is no 64-bit id; the id is refused. Store Datadog ids as decimal strings (captureCarrier() does).",
    );
  });
});

describe("x-datadog-parent-id alone a JSON number (the trace id a string): the trace id's rule", () => {
  // One rule for both ids (idTextFromNumber, ids.ts): a safe integer is exact and read as its digits;
  // any number at or beyond 2^53, infinite, negative or fractional is refused (DataDog/dd-trace-js#344).
  // Each JSON text below is read for the parent id and, swapped, for the trace id: same verdict, same
  // diag warning but for the field's name, the id the number's own digits when read.
  const numbers = ["42", "9007199254740991", "9007199254740992", "9223372036854775807", "1.5", "-1", "1e400"];
  for (const text of numbers) {
    test(`${text}: the same for either id`, async () => {
      const parent = await recordWarnings(() =>
        contextFromCarrier(`{"x-datadog-trace-id": "7", "x-datadog-parent-id": ${text}}`),
      );
      resetWarnings();
      const traceId = await recordWarnings(() =>
        contextFromCarrier(`{"x-datadog-trace-id": ${text}, "x-datadog-parent-id": "7"}`),
      );
      const value = Number(text);
      const exact = Number.isSafeInteger(value) && value > 0;
      const hex = exact ? BigInt(text).toString(16).padStart(16, "0") : undefined;
      assert.equal(trace.getSpanContext(parent.result)?.spanId, hex, "parent id");
      assert.equal(
        trace.getSpanContext(traceId.result)?.traceId,
        hex && `${"0".repeat(16)}${hex}`,
        "trace id",
      );
      assert.deepEqual(
        parent.diagWarnings.map((w) => w.replaceAll("x-datadog-parent-id", "ID")),
        traceId.diagWarnings.map((w) => w.replaceAll("x-datadog-trace-id", "ID")),
      );
      // Nothing said of an exact id; a refused one is said (as a JSON number, or by the style's refusal).
      assert.equal(parent.diagWarnings.length === 0, exact, parent.diagWarnings.join("\n"));
      // Rounded ids are the ones said on stderr too, whichever field: once per process each time here.
      const rounded = said(parent, "TRACEHOP_JSON_NUMBER_ID");
      assert.equal(rounded.length, said(traceId, "TRACEHOP_JSON_NUMBER_ID").length);
      assert.equal(rounded.length, Number.isInteger(value) && value > 2 ** 53 - 1 ? 1 : 0, text);
    });
  }
});

describe("ids rounded by a JavaScript Number before they were stored as text (docs/migration.md)", () => {
  // String(Number(id)) gives the shortest digits of the double: 7660829067201366963 (a genuine id) is
  // stored as "7660829067201367000". That text is also a genuine id's: about 1 uint64 id in 310 (1 in
  // 170 of 63-bit ids) is its own String(Number(id)), and as many are exact doubles (the digits
  // BigInt(Number(id)) gives), so no rule tells a rounded id from a real one, and both are read as the
  // digits stored. The one form a rounded 64-bit id takes that no id has is
  // 2^64 ("18446744073709552000", what any id above 2^64 - 1025 becomes): refused as beyond 2^64 - 1.
  const restored = (id: string) =>
    trace.getSpanContext(contextFromCarrier({ "x-datadog-trace-id": id, "x-datadog-parent-id": id }));
  const hex16 = (id: string) => BigInt(id).toString(16).padStart(16, "0");

  test("a rounded id's text is read as its digits, as a genuine id of those digits is", () => {
    const genuine = 7660829067201366963n; // rounds to the double 7660829067201367040
    const stored = String(Number(genuine));
    assert.equal(stored, "7660829067201367000");
    assert.equal(restored(stored)?.spanId, hex16(stored));
    assert.notEqual(restored(stored)?.spanId, genuine.toString(16).padStart(16, "0"));
    // A genuine id that is its own String(Number(id)) (2^53 + 2), and one a double holds exactly, as
    // BigInt(Number(id)) prints a rounded one (2^63): read as the digits stored.
    const shortest = String(2 ** 53 + 2);
    const exactDouble = "9223372036854775808";
    assert.equal(String(Number(shortest)), shortest);
    assert.equal(BigInt(Number(exactDouble)).toString(), exactDouble);
    for (const id of [shortest, exactDouble]) {
      assert.equal(restored(id)?.spanId, hex16(id));
      assert.equal(restored(id)?.traceId, `${"0".repeat(16)}${hex16(id)}`);
    }
  });

  test('2^64 printed by JavaScript ("18446744073709552000"): refused, as any id beyond 2^64 - 1', async () => {
    const stored = String(Number(2n ** 64n - 1n));
    assert.equal(stored, "18446744073709552000");
    const told = await recordWarnings(() =>
      contextFromCarrier({ "x-datadog-trace-id": stored, "x-datadog-parent-id": "1" }),
    );
    assert.equal(trace.getSpanContext(told.result), undefined);
    const reason = `x-datadog-trace-id "${stored}" is not an unsigned 64-bit decimal (1-20 digits, <= 18446744073709551615)`;
    assert.ok(
      said(told, "TRACEHOP_CARRIER_REJECTED").some((message) => message.includes(reason)),
      JSON.stringify(told.processWarnings),
    );
  });
});

describe("Datadog ids a user's TextMapGetter returns as numbers", () => {
  /** A getter of one's own, over headers whose ids a client decoded into JavaScript numbers. */
  const numberGetter: TextMapGetter<Record<string, unknown>> = {
    get: (carrier, key) => carrier[key] as string | undefined,
    keys: (carrier) => Object.keys(carrier),
  };
  const FIX =
    "Fix the getter: return the header's text, a Datadog id as its decimal digits in a string " +
    '("12345678901234567890"; an array of strings for a repeated header), never through a number.';

  test("DatadogPropagator.extract: a rounded id is refused and said as the getter's number, with what to return; a bad one too; the default getter keeps the JSON wording", async () => {
    const propagator = new DatadogPropagator();
    const headers = { "x-datadog-trace-id": Number("12345678901234567890"), "x-datadog-parent-id": 5 };
    const told = await recordWarnings(() => [
      propagator.extract(ROOT_CONTEXT, headers, numberGetter),
      propagator.extract(ROOT_CONTEXT, { ...headers, "x-datadog-trace-id": -1 }, numberGetter),
    ]);
    assert.deepEqual(
      told.result.map((ctx) => trace.getSpanContext(ctx)),
      [undefined, undefined],
      "no context: the work starts a new trace",
    );
    const rounded =
      "tracehop: the TextMapGetter returned a number for x-datadog-trace-id, read as 12345678901234567000 " +
      "(exactly 12345678901234567168): a JavaScript number holds an id exactly only below 2^53, so the " +
      `digits may differ from those sent, and the id is refused. ${FIX}`;
    const negative =
      "tracehop: the TextMapGetter returned the number -1 for x-datadog-trace-id, which is no 64-bit id; " +
      `the id is refused. ${FIX}`;
    assert.deepEqual(told.diagWarnings, [rounded, negative]);
    assert.deepEqual(said(told, "TRACEHOP_JSON_NUMBER_ID"), [processWarning(rounded)[1]]);

    // A safe integer is exact: read as its digits, as from a stored carrier.
    const exact = propagator.extract(ROOT_CONTEXT, { ...headers, "x-datadog-trace-id": 7 }, numberGetter);
    assert.equal(trace.getSpanContext(exact)?.traceId, "00000000000000000000000000000007");

    // OpenTelemetry's default getter over a parsed JSON row keeps the stored-carrier wording.
    resetWarnings();
    const fromRow = await recordWarnings(() =>
      propagator.extract(ROOT_CONTEXT, JSON.parse(ROW_TEXT), defaultTextMapGetter),
    );
    assert.deepEqual(fromRow.diagWarnings, [DIAG]);
  });

  test("through createPropagator (tracehop's composite): the same wording, and the message handled in a new trace", async () => {
    const headers = {
      "x-datadog-trace-id": Number("12345678901234567890"),
      "x-datadog-parent-id": 5,
      "x-datadog-sampling-priority": 1,
    };
    const told = await recordWarnings(() => {
      // A consumer of one's own: extract with its getter, then handle the message in a span.
      const ctx = createPropagator(["datadog", "tracecontext"]).extract(ROOT_CONTEXT, headers, numberGetter);
      return context.with(ctx, () =>
        trace.getTracer("test").startActiveSpan("handle", (span) => {
          span.end();
          return "handled";
        }),
      );
    });
    assert.equal(told.result, "handled");
    assert.equal(finishedSpan("handle").parentSpanContext, undefined, "a new trace");
    assert.deepEqual(said(told, "TRACEHOP_JSON_NUMBER_ID"), [
      processWarning(
        "tracehop: the TextMapGetter returned a number for x-datadog-trace-id, read as 12345678901234567000 " +
          "(exactly 12345678901234567168): a JavaScript number holds an id exactly only below 2^53, so the " +
          `digits may differ from those sent, and the id is refused. ${FIX}`,
      )[1],
    ]);
  });
});
