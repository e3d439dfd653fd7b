// A Datadog id stored as a JSON number beyond 2^53 (a writer that went through Number) was already
// rounded by JSON.parse: it is refused (B01, B22), and that data loss is said where people look — a
// diag.warn each time, and once per process a Node process warning.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { contextFromCarrier, withCarrier } from "../../src/index.js";
import { recordWarnings, resetWarnings } from "../support/warnings.js";
import { exporter, finishedSpan, parentIdOf } from "./tracing.js";

beforeEach(() => {
  exporter.reset();
  resetWarnings();
});
afterEach(() => resetWarnings());

const ROW_TEXT = '{"x-datadog-trace-id": 12345678901234567890, "x-datadog-parent-id": "1"}';
const DIAG =
  "tracehop: x-datadog-trace-id is the JSON number 12345678901234567000, which cannot hold a 64-bit id " +
  "exactly (beyond 2^53 it was already rounded when the JSON was parsed); the id is refused. " +
  "Store Datadog ids as decimal strings (captureCarrier() does).";
const PROCESS_WARNING = [
  "TRACEHOP_JSON_NUMBER_ID",
  `${DIAG} A carrier with no other context restores none: the work starts a new trace. ` +
    "(Said once per process; every such id goes to diag.warn.)",
];

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

  test("a JSON number that is no rounded id (negative, another field) gets the diag warning only", async () => {
    const told = await recordWarnings(() =>
      contextFromCarrier(
        JSON.parse(
          '{"x-datadog-trace-id": -12345678901234567890, "x-datadog-parent-id": "1", "x-datadog-origin": 1e300}',
        ),
      ),
    );
    assert.equal(trace.getSpanContext(told.result), undefined);
    assert.deepEqual(told.processWarnings, []);
    assert.deepEqual(
      told.diagWarnings.map((m) => m.slice(0, m.indexOf(","))),
      [
        "tracehop: x-datadog-trace-id is the JSON number -12345678901234567000",
        "tracehop: x-datadog-origin is the JSON number 1e+300",
      ],
    );
  });
});
